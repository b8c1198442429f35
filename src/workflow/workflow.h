/*
 * workflow.h — the cooperation workflow (issue 6): requests for action and
 * the responses that answer them, the state a request is in, deadlines and
 * their escalation, and the views (list, show, scorecard) that read a
 * channel's replica. It sits above stix, store and ledger and below cli
 * and node: it reads the store, never HTTP.
 *
 * Two new SDOs, declared by extension-definitions in extensions/
 * (extension_type new-sdo, STIX 2.1 §7.3):
 *
 *   hotline-request   extensions/hotline-request.json
 *     request_kind   required, one of workflow_request_kinds
 *     object_refs    required, non-empty list of identifiers: what the
 *                    request is about (incidents, threat-actors, reports)
 *     due            required, timestamp: when the outcome is due
 *     priority       required, one of workflow_priorities
 *     description    optional, the request in words
 *
 *   hotline-response  extensions/hotline-response.json
 *     request_ref    required, identifier of the hotline-request, or of
 *                    the notification (a report) it answers
 *     status         required, one of workflow_statuses
 *     description    what was done, or why not; required when status is
 *                    declined or needs-information (the reason, the question)
 *     actions_taken  optional, non-empty list of non-empty strings
 *     persons_detained, persons_charged, servers_seized,
 *     domains_taken_down, accounts_frozen
 *                    optional counts (workflow_count_props), integers >= 0
 *
 * Both carry the common properties of an SDO (type, spec_version "2.1",
 * id, created, modified, created_by_ref required) and
 * extensions: {EXT-ID: {"extension_type": "new-sdo"}}.
 *
 * The statuses follow the OASIS CTI Incident Core Extension draft's task
 * outcomes where they fit (workflow_status_task_outcome): acknowledged
 * ~ pending, in-progress and needs-information ~ ongoing, completed ~
 * successful, declined ~ cancelled. The draft has no due time; ours adds one.
 *
 * State. A request's state is never stored: it is derived from the
 * responses to it, in sealed order (created, then publishing party, then
 * its log's sequence number — the same order on every replica):
 *
 *     open → acknowledged → in-progress ⇄ needs-information → completed
 *       │         │                                           → declined
 *       └─────────┴── (in-progress, needs-information, declined directly)
 *
 * workflow_transition_allowed() is the table. A response from the
 * requester itself, or one that makes a transition the table refuses, is
 * kept (it is sealed history) but flagged and does not change the state.
 *
 * A notification is the report `hotline notify` publishes (report_types
 * contains "incident"). Each other member acknowledges it with a
 * hotline-response whose request_ref is the report's id and status
 * "acknowledged" (`hotline ack`).
 */
#ifndef HL_WORKFLOW_H
#define HL_WORKFLOW_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/base.h"
#include "stix/stix.h"

struct store;

/* ---- the two SDOs ------------------------------------------------------- */

#define WORKFLOW_REQUEST_TYPE "hotline-request"
#define WORKFLOW_RESPONSE_TYPE "hotline-response"
/* extensions/hotline-request.json, extensions/hotline-response.json */
#define WORKFLOW_REQUEST_EXT "extension-definition--ba08c217-04fd-4879-8bad-1a5dbce3624e"
#define WORKFLOW_RESPONSE_EXT "extension-definition--148e5b80-9aac-4340-945a-6ffc49ef92c0"

/* hotline-request */
#define WORKFLOW_PROP_REQUEST_KIND "request_kind"
#define WORKFLOW_PROP_OBJECT_REFS "object_refs"
#define WORKFLOW_PROP_DUE "due"
#define WORKFLOW_PROP_PRIORITY "priority"
#define WORKFLOW_PROP_DESCRIPTION "description"
/* hotline-response */
#define WORKFLOW_PROP_REQUEST_REF "request_ref"
#define WORKFLOW_PROP_STATUS "status"
#define WORKFLOW_PROP_ACTIONS_TAKEN "actions_taken"

/* Vocabularies, NULL-terminated, in the order the manual lists them. */
extern const char *const workflow_request_kinds[]; /* investigate, detain, take-down,
                                                      preserve-evidence, provide-information,
                                                      cease-activity */
extern const char *const workflow_priorities[];    /* low, medium, high, critical */
extern const char *const workflow_statuses[];      /* acknowledged, in-progress, completed,
                                                      declined, needs-information */
extern const char *const workflow_count_props[];   /* persons_detained, ... (above) */

/* True if s is one of the NULL-terminated list. */
bool workflow_in_vocab(const char *const *vocab, const char *s);

/* Checks obj as a hotline-request: first the STIX core's rules
 * (stix_validate_object: common properties, custom-object rules, the
 * extensions dictionary), then the rules above (type, the extension
 * declared as new-sdo, every property present, typed and in its
 * vocabulary; no unknown property without the x_ prefix is an error of
 * the core already). Findings go into r with paths prefixed by path ("" for
 * a lone object). Never fails: a broken object is findings, not an error. */
void workflow_request_check(const json_t *obj, const char *path, struct stix_report *r);
/* The same for a hotline-response (request_ref an identifier, status in
 * the vocabulary, description present for declined / needs-information,
 * counts non-negative integers, actions_taken strings). Whether the
 * request it answers exists, and who answers it, is the state machine's
 * business (workflow_response_judge), not this check's. */
void workflow_response_check(const json_t *obj, const char *path, struct stix_report *r);
/* workflow_request_check or workflow_response_check by obj's type; for
 * any other type, stix_validate_object alone. */
void workflow_object_check(const json_t *obj, const char *path, struct stix_report *r);

/* ---- request state ------------------------------------------------------ */

enum workflow_state {
    WORKFLOW_OPEN = 0, /* no valid response yet */
    WORKFLOW_ACKNOWLEDGED,
    WORKFLOW_IN_PROGRESS,
    WORKFLOW_NEEDS_INFORMATION,
    WORKFLOW_COMPLETED, /* final */
    WORKFLOW_DECLINED,  /* final */
    WORKFLOW_N_STATES
};

/* "open", "acknowledged", "in-progress", "needs-information",
 * "completed", "declined"; "?" for anything else. */
const char *workflow_state_name(enum workflow_state s);
/* The state a response status moves to; false for "open" or a word
 * that is not a status. */
bool workflow_state_from_status(const char *status, enum workflow_state *out);
/* Whether a response moving a request from `from` to `to` is allowed:
 *   open              → acknowledged, in-progress, needs-information, declined
 *   acknowledged      → in-progress, needs-information, completed, declined
 *   in-progress       → needs-information, completed, declined
 *   needs-information → in-progress, completed, declined
 *   completed, declined: final, nothing follows. */
bool workflow_transition_allowed(enum workflow_state from, enum workflow_state to);
static inline bool workflow_state_final(enum workflow_state s)
{
    return s == WORKFLOW_COMPLETED || s == WORKFLOW_DECLINED;
}
/* The statuses allowed after `from`, as "a, b or c" (or "none: the
 * request is completed") into out[max]. */
void workflow_allowed_next(enum workflow_state from, char *out, size_t max);
/* The OASIS Incident Core draft's task outcome nearest to a state:
 * pending, ongoing, successful, cancelled. */
const char *workflow_state_task_outcome(enum workflow_state s);

/* ---- compose (W2) ---- */
/* Builders of what the producer commands publish (compose.c,
 * compose_notify.c, compose_dossier.c; formats in docs/compose.md): pure
 * functions from arguments to new STIX 2.1 objects. Every object gets a
 * random id, spec_version 2.1, created_by_ref the publishing party and
 * created = modified = the given time; SCOs get their deterministic id.
 * Before returning, each builder checks every object it made with
 * workflow_object_check: an argument that would make an invalid object
 * (a bad pattern, timestamp, language tag) fails with HL_E_INVALID and err
 * naming it. On success *out is a new reference, the caller's to
 * json_decref: a TAXII 2.1 envelope {"objects": [...]} (compose_notify,
 * compose_dossier) or one object. On failure *out is NULL. Strings are
 * copied; nothing is kept of the arguments. */
struct compose_ctx {
    const char *party; /* identity id of the publishing party */
    int64_t now_us;    /* created, modified, published: microseconds since 1970 */
};

#define COMPOSE_LIST_MAX 64 /* indicators, sectors, references of one command */

/* An incident notification (hotline notify). Only name is required. */
struct compose_incident {
    const char *name, *description;
    const char *first_seen;   /* STIX timestamp: when the activity began */
    const char *organization; /* the victim (an identity, organization) */
    const char *sectors[COMPOSE_LIST_MAX]; /* industry-sector-ov */
    size_t n_sectors;
    const char *impact;   /* what the victim lost, free text */
    const char *severity; /* low | medium | high | critical, or 0..100 */
    const char *indicators[COMPOSE_LIST_MAX]; /* STIX patterns */
    size_t n_indicators;
    const char *malware;       /* suspected malware family */
    const char *actor;         /* suspected threat actor */
    const char *incident_type; /* Incident Core incident_types, e.g. ransomware */
    const char *determination; /* Incident Core determination (default successful-attempt) */
};
/* Reads a notify file (a JSON object, docs/compose.md) into in, its
 * strings borrowed from doc (valid while doc lives). Unknown keys and
 * values of the wrong type are HL_E_PARSE naming the key. */
HL_MUST_CHECK int compose_incident_read(const json_t *doc, struct compose_incident *in,
                                        struct hl_error *err);
/* The notification: the incident (with the OASIS Incident Core Extension:
 * determination, investigation_status, criticality, incident_types,
 * impact_refs, events), the victim identity, an impact, an event for
 * first_seen, one indicator per pattern, malware, threat-actor,
 * relationships, and the report (report_types ["incident"]) that
 * groups them, last in the envelope. */
HL_MUST_CHECK int compose_notify(const struct compose_ctx *c, const struct compose_incident *in,
                                 json_t **out, struct hl_error *err);

/* A dossier (hotline dossier): doc in the JSON format of docs/compose.md
 * ({"name", "description", "group", "persons": [...]}). Makes per person an
 * identity (individual), a threat-actor, locations, user-accounts, and the
 * attributed-to, located-at, citizen-of and related-to relationships;
 * then the report (report_types threat-actor, identity), last. */
HL_MUST_CHECK int compose_dossier(const struct compose_ctx *c, const json_t *doc, json_t **out,
                                  struct hl_error *err);
/* Parses the CSV form of a dossier (RFC 4180, a header row naming the
 * columns, lists inside a cell separated by ';') into the JSON form,
 * name set to name. *doc is new; err->where is "line N" on failure. */
HL_MUST_CHECK int compose_dossier_csv(const char *data, size_t len, const char *name,
                                      json_t **doc, struct hl_error *err);

/* An opinion (STIX 2.1 §4.13) on refs: opinion is one of opinion-enum
 * (strongly-disagree .. strongly-agree), explanation free text. */
HL_MUST_CHECK int compose_opinion(const struct compose_ctx *c, const char *const *refs,
                                  size_t n_refs, const char *opinion, const char *explanation,
                                  json_t **out, struct hl_error *err);
/* A note (§4.12) on refs: content, and abstract when not NULL. */
HL_MUST_CHECK int compose_note(const struct compose_ctx *c, const char *const *refs,
                               size_t n_refs, const char *abstract, const char *content,
                               json_t **out, struct hl_error *err);
/* A language-content (§7.1) translating field of original (the object as
 * stored, which must have that field as a string) into lang (an RFC 5646
 * tag), for the version original's modified names. */
HL_MUST_CHECK int compose_translation(const struct compose_ctx *c, const json_t *original,
                                      const char *lang, const char *field, const char *text,
                                      json_t **out, struct hl_error *err);
/* A hotline-request (extensions/hotline-request.json), checked with
 * workflow_request_check. priority NULL is medium; due is required. */
struct compose_request {
    const char *kind;                   /* request_kind */
    const char *refs[COMPOSE_LIST_MAX]; /* object_refs: what it concerns */
    size_t n_refs;
    const char *due;      /* STIX timestamp */
    const char *priority; /* low | medium | high | critical */
    const char *description;
};
HL_MUST_CHECK int compose_request(const struct compose_ctx *c, const struct compose_request *rq,
                                  json_t **out, struct hl_error *err);
/* ---- end compose ---- */

#endif
