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
 * workflow_transition_allowed() is the table. Each member but the
 * requester answers for itself: its responses move its own state, and the
 * request's state adds them up (request.c). A response from the requester
 * itself, or one that makes a transition the table refuses for its
 * member, is kept (it is sealed history) but flagged and changes nothing.
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
#include "store/store.h"


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

/* ---- a channel's replica, read for the workflow (view.c) ---------------
 * workflow_view_load reads every object of one channel from the store
 * (each parsed once; of several versions of an id, the newest modified)
 * and derives what the workflow needs, using only sealed, logged data so
 * that every replica derives the same:
 *   - each object's publishing party and log position (its seal), and its
 *     seal time: the created of the first tree head of its log that
 *     covers it (else its own created);
 *   - delivery: for each other member, the created of the first receipt
 *     of that member covering the object's log entry;
 *   - kinds: a notification is a report whose report_types holds
 *     "incident" or whose object_refs name an incident; a dossier a report
 *     whose report_types holds "threat-actor"; a request, a response, an
 *     opinion, a note, a translation (language-content), a sighting;
 *   - each response judged against what it answers (workflow.h, State):
 *     a request's state, its first response, and a notification's
 *     acknowledgment by each other member (the first response of that
 *     member, whatever its status), with each refused response flagged
 *     and the reason kept.
 * Order: "sealed order", by created, then party, then seq. */

/* The kinds of item the views know (workflow_kind_name). */
enum workflow_kind {
    WORKFLOW_KIND_OTHER = 0, /* any other object (indicator, incident, ...) */
    WORKFLOW_KIND_NOTIFICATION,
    WORKFLOW_KIND_REQUEST,
    WORKFLOW_KIND_RESPONSE,
    WORKFLOW_KIND_DOSSIER,
    WORKFLOW_KIND_OPINION,
    WORKFLOW_KIND_NOTE,
    WORKFLOW_KIND_TRANSLATION,
    WORKFLOW_KIND_SIGHTING,
    WORKFLOW_KIND_LEDGER, /* tree heads and receipts: never listed */
    WORKFLOW_N_KINDS
};
/* "other", "notification", "request", "response", "dossier", "opinion",
 * "note", "translation", "sighting", "ledger". */
const char *workflow_kind_name(enum workflow_kind k);
/* The kind named s; false if none. */
bool workflow_kind_parse(const char *s, enum workflow_kind *out);

/* Acknowledgment policy when a channel has none: 24 hours. */
#define WORKFLOW_ACK_WITHIN_DEFAULT_S (24 * 3600)

struct workflow_view; /* opaque */

/* Reads channel (a known channel: HL_E_NOT_FOUND otherwise) from s, with
 * the channel's ack_within (its policy, or the default). On success *out
 * is the caller's to workflow_view_free; on failure NULL. Objects that do
 * not parse as JSON objects are skipped (the log audit is where they are
 * reported). */
HL_MUST_CHECK int workflow_view_load(struct store *s, const char *channel,
                                     struct workflow_view **out, struct hl_error *err);
void workflow_view_free(struct workflow_view *v);
/* Whether the view holds an object of that id. */
bool workflow_view_has(const struct workflow_view *v, const char *id);
/* The greatest seal time in the channel (0 if empty): the scorecard's
 * "as of", the same on every replica that holds the same logs. */
int64_t workflow_view_as_of(const struct workflow_view *v);

/* A request's state as the view derives it; false if id is not a
 * request the view holds. *requester (may be NULL) is borrowed from v. */
bool workflow_view_request_state(const struct workflow_view *v, const char *id,
                                 enum workflow_state *state, const char **requester);
/* For `hotline respond` / `hotline ack`: whether party may publish a
 * response of status to the object id: id must be a request or a
 * notification the view holds; party must not be its publisher; for a
 * request the transition from its current state must be allowed; for a
 * notification party must not have answered it already. 0, or
 * HL_E_NOT_FOUND / HL_E_CONFLICT with a message that names the current
 * state and the allowed next ones. */
HL_MUST_CHECK int workflow_view_may_respond(const struct workflow_view *v, const char *id,
                                            const char *party, const char *status,
                                            struct hl_error *err);

/* ---- views: list, show (view.c), scorecard (scorecard.c) ---------------
 * Each returns a new JSON value (the caller's to json_decref) describing
 * what the CLI prints, or NULL when out of memory. Times in the JSON are
 * STIX timestamps; durations integer milliseconds. */

struct workflow_filter {
    bool has_kind;
    enum workflow_kind kind; /* when has_kind; else every kind but other, ledger */
    const char *status;      /* state of a request, status of a response, "open" /
                                "acknowledged" of a notification; NULL any */
    bool overdue;            /* only items overdue at now_us */
    const char *from;        /* publishing party id; NULL any */
    const char *owed_by;     /* only what this party (an id) owes: notifications it
                                has not acknowledged, requests it has not completed
                                or declined; NULL any */
    int64_t since_us;        /* seal time >= since_us; 0 any */
    int64_t now_us;          /* the clock for "overdue" */
};
/* The channel's items in sealed order, each
 *   {"id", "kind", "type", "channel", "from", "from_name", "created",
 *    "sealed", "seq", "status", "overdue", "summary", and per kind: "due",
 *    "priority", "request_kind", "about" (object_refs), "states" (of a
 *    request or notification, each other member's own: [{member, name,
 *    state}], a notification's "acknowledged" or "open"), "answers"
 *    (request_ref), "flag" (why a response is refused), "lang", ...}. */
json_t *workflow_list(const struct workflow_view *v, const struct workflow_filter *f);
/* The thread of id: {"item" (as in the list), "object" (the STIX object),
 * "contains" (items of the object_refs of a report), "delivery" ([{member,
 * name, delivered, at, receipt_seq, after_ms}]), "acknowledgments"
 * ([{member, name, acknowledged, at, response, after_ms}]; notifications),
 * "requests", "responses", "opinions", "notes", "sightings" (items that
 * refer to id or to what it contains), "translations" ([{id, from, lang,
 * object, field, original_lang, original, translation}]), "state",
 * "states" ([{member, name, state, first_response, final, allowed_next}])
 * and, when one member answers, "allowed_next" (requests)}. NULL with HL_E_NOT_FOUND if the view
 * does not hold id. */
json_t *workflow_show(const struct workflow_view *v, const char *id, int64_t now_us,
                      struct hl_error *err);
/* The scorecard of the channel's parties (docs/workflow.md, Scorecard),
 * from sealed data only, items sealed at or after since_us:
 *   {"channel", "as_of", "since", "parties": [{"party", "name",
 *    "notifications_sent", "notifications_received",
 *    "delivery": {"n", "median_ms", "p90_ms"},
 *    "acknowledgment": {"n", "pending", "median_ms", "p90_ms"},
 *    "requests_sent",
 *    "requests_received": {"total", "completed", "declined", "open",
 *                          "overdue", "late"},
 *    "first_response": {"n", "median_ms"}}]}
 * parties in (name, id) order; percentiles by nearest rank. */
json_t *workflow_scorecard(const struct workflow_view *v, int64_t since_us);
/* Nearest-rank percentile (1..100) of n sorted values: v[ceil(p n / 100) -
 * 1]; 0 when n is 0. */
int64_t workflow_percentile(const int64_t *sorted, size_t n, unsigned p);

/* ---- deadlines and escalation (deadline.c, hook.c) -----------------------
 * An item is overdue at now when
 *   - a notification: some other member has not answered it, and now is
 *     past its seal time + the channel's ack_within (kind
 *     STORE_ESCALATION_ACK, member: that member);
 *   - a request: some member it asks has not completed or declined it,
 *     and now is past its due (kind STORE_ESCALATION_DUE; member: that
 *     member when it asks several, else "").
 * workflow_check escalates each (item, kind, member) once: the first check
 * that finds it records it in the store's escalations table (and calls
 * fn); later checks find it recorded and do nothing. */

/* One overdue (item, kind, member); strings borrowed for the call. */
struct workflow_overdue {
    const char *channel;
    const char *item_id;
    const char *kind;        /* STORE_ESCALATION_ACK or _DUE */
    const char *member;      /* "" for a request */
    const char *member_name; /* the member's party name, or "" */
    int64_t deadline_us;     /* when it became overdue */
    int hook;                /* workflow_escalate: enum store_hook */
    const char *hook_error;  /* workflow_escalate: why the hook failed, or "" */
};
typedef int (*workflow_overdue_fn)(void *ctx, const struct workflow_overdue *o);

/* Calls fn for every item of v overdue at now_us, in sealed order. */
HL_MUST_CHECK int workflow_view_overdue(const struct workflow_view *v, int64_t now_us,
                                        workflow_overdue_fn fn, void *ctx);

/* The number of overdue items at now of each kind (ack, due) over every
 * channel of s, for the metrics. */
HL_MUST_CHECK int workflow_count_overdue(struct store *s, int64_t now_us, int64_t *n_ack,
                                         int64_t *n_due, struct hl_error *err);

/* The node's metrics (GET /api/hotline/metrics) in the Prometheus text
 * format 0.0.4, appended to out: per channel the objects and receipts
 * held and the items overdue at now_us by kind; per channel and other
 * member, the entries of our log it has not confirmed, its failures and
 * last contact; the escalations made by kind, hook failures, and the
 * equivocation alarms, all read from s. */
HL_MUST_CHECK int workflow_metrics(struct store *s, int64_t now_us, struct buf *out,
                                   struct hl_error *err);

/* Checks every channel of s at now_us: records each newly overdue item
 * in the escalations table (one transaction per channel) and then calls
 * fn (may be NULL) for it. *n_new (may be NULL) counts them. A channel
 * that cannot be read fails the check (err) after the channels before it
 * were recorded. */
HL_MUST_CHECK int workflow_check(struct store *s, int64_t now_us, workflow_overdue_fn fn,
                                 void *ctx, size_t *n_new, struct hl_error *err);

/* What `hotline serve` and `hotline deadlines` do with a check: for each
 * newly overdue item a log line, then, when hook is set, the hook run
 * (`hook ITEM-ID KIND`, and `MEMBER-ID MEMBER-NAME` after them when the
 * escalation names a member; workflow_hook_run, output to hook_fd) and
 * its outcome recorded in the
 * escalations table (a failure logged too); then each (may be NULL) is
 * called with o->hook the outcome (enum store_hook) and o->hook_error the
 * reason of a failure (or ""). */
struct workflow_escalate_options {
    const char *hook;                           /* escalation_hook, or NULL / "" for none */
    int hook_fd;                                /* its output: this fd, or -1: to log */
    unsigned hook_timeout_ms;                   /* 0: WORKFLOW_HOOK_TIMEOUT_MS */
    void (*log)(void *ctx, const char *line);   /* one line per event; may be NULL */
    workflow_overdue_fn each;                   /* may be NULL */
    void *ctx;
};
HL_MUST_CHECK int workflow_escalate(struct store *s, int64_t now_us,
                                    const struct workflow_escalate_options *o, size_t *n_new,
                                    struct hl_error *err);

/* Runs the escalation hook for ov: program (an absolute path) with
 * arguments ov's ITEM-ID KIND, then MEMBER-ID MEMBER-NAME when ov names a
 * member (its member not ""), through posix_spawn (no shell), stdin from /dev/null, its
 * stdout and stderr to io->out_fd when that is >= 0, else line by line
 * (each cut at WORKFLOW_HOOK_LINE_MAX bytes, prefixed "hook: ") to
 * io->line when set, else /dev/null (io may be NULL). Killed (SIGKILL)
 * after timeout_ms. Returns STORE_HOOK_OK if it exited 0, else
 * STORE_HOOK_FAILED with err saying why (could not start, exit status,
 * signal, killed after the timeout). */
#define WORKFLOW_HOOK_TIMEOUT_MS 10000
#define WORKFLOW_HOOK_LINE_MAX 512
struct workflow_hook_io {
    int out_fd;
    void (*line)(void *ctx, const char *line);
    void *ctx;
};
int workflow_hook_run(const char *program, const struct workflow_overdue *ov,
                      const struct workflow_hook_io *io, unsigned timeout_ms, struct hl_error *err);

/* ---- the deadline worker of `hotline serve` (worker.c) ------------------ */
#define WORKFLOW_HOOK_PATH_MAX 4095
struct workflow_worker_options {
    const char *db_path;   /* the node's store; the worker opens its own connection */
    unsigned interval_s;   /* seconds between checks (hotline.conf deadline_interval_s) */
    const char *hook;      /* escalation_hook, absolute, or NULL / "" for none; copied */
    void (*log)(void *ctx, const char *line); /* escalations, hook output, failures */
    void *log_ctx;
};
struct workflow_worker;
/* Starts a thread that runs workflow_escalate with the real clock now and
 * every interval_s, the hook's output going to log line by line. *out is
 * the caller's to workflow_worker_stop. A relative hook is HL_E_INVALID. */
HL_MUST_CHECK int workflow_worker_start(const struct workflow_worker_options *o,
                                        struct workflow_worker **out, struct hl_error *err);
/* A new interval and hook (hotline.conf read again): a check in progress
 * finishes with the old ones, then the worker checks at once and every
 * interval_s with the new. A relative hook is HL_E_INVALID and changes
 * nothing. Any thread. */
HL_MUST_CHECK int workflow_worker_set(struct workflow_worker *w, unsigned interval_s,
                                      const char *hook, struct hl_error *err);
/* Stops the thread (a check in progress finishes, hooks included) and
 * frees w. NULL is a no-op. */
void workflow_worker_stop(struct workflow_worker *w);

/* Parses a duration "30s", "30m", "4h", "2d" (a positive integer and one
 * unit) into seconds; false for anything else or past max_s. */
bool workflow_duration_parse(const char *s, int64_t max_s, int64_t *out_s);

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
    /* NULL, or a TLP 2.0 level (clear, green, amber, amber+strict, red):
     * every object made then refers to that official marking-definition
     * in object_marking_refs; another word is HL_E_INVALID ("tlp"). */
    const char *tlp;
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
