/*
 * compose_int.h — what the builders of compose*.c share (never included
 * outside src/workflow/compose*.c): a growing envelope of new objects and
 * the common properties every object gets.
 */
#ifndef HL_COMPOSE_INT_H
#define HL_COMPOSE_INT_H

#include <jansson.h>

#include "stix/stix.h"
#include "workflow/workflow.h"

/* The OASIS Incident suite's extension definitions (cti-stix-common-objects,
 * extension-definition-specifications/incident-core). */
#define COMPOSE_INCIDENT_CORE_EXT "extension-definition--ef765651-680c-498d-9894-99799f2fa126"
#define COMPOSE_IMPACT_EXT "extension-definition--7cc33dd6-f6a1-489b-98ea-522d351d71b9"
#define COMPOSE_EVENT_EXT "extension-definition--4ca6de00-5b0d-45ef-a1dc-ea7279ea910e"

/* Objects being built. Any failure to allocate sets failed; the builder
 * checks it once at the end (compose_finish), so the steps stay linear. */
struct compose_set {
    const struct compose_ctx *ctx;
    json_t *objects; /* array */
    bool failed;
    char when[32]; /* ctx->now_us as a STIX timestamp */
};

void compose_set_init(struct compose_set *s, const struct compose_ctx *ctx);
/* A new SDO/SRO of type with id, spec_version, created_by_ref, created,
 * modified, appended to s; returned borrowed (NULL when out of memory). */
json_t *compose_sdo(struct compose_set *s, const char *type);
/* Its id (borrowed from o). "" for NULL. */
const char *compose_id(const json_t *o);
/* Sets key to v (a new reference, may be NULL: then marks the failure). */
void compose_set(struct compose_set *s, json_t *o, const char *key, json_t *v);
/* Sets key to the string v when v is not NULL and not empty. */
void compose_str(struct compose_set *s, json_t *o, const char *key, const char *v);
/* A relationship source -> target of type, with description if any. */
json_t *compose_rel(struct compose_set *s, const char *type, const char *source, const char *target,
                    const char *description);
/* Appends an SCO (its deterministic id computed); returns it borrowed, or
 * the equal one already in s. */
json_t *compose_sco(struct compose_set *s, json_t *sco);
/* A new array of the n strings of v. */
json_t *compose_strings(struct compose_set *s, const char *const *v, size_t n);
/* Declares a new-sdo extension on o. */
void compose_new_sdo(struct compose_set *s, json_t *o, const char *ext);
/* The ids of every object of s so far, as a new array. */
json_t *compose_refs(struct compose_set *s);
/* Marks every object with ctx's TLP (compose_ctx.tlp: HL_E_INVALID if it
 * is not a level), checks every object
 * (workflow_object_check) and hands over the result:
 * *out becomes {"objects": [...]} (as_envelope) or the only object.
 * HL_E_NOMEM if anything failed to allocate, HL_E_INVALID with the first
 * error found. s is released either way. */
HL_MUST_CHECK int compose_finish(struct compose_set *s, bool as_envelope, json_t **out,
                                 struct hl_error *err);
void compose_set_release(struct compose_set *s);

/* True if s is a STIX timestamp; else fails err with what names it. */
HL_MUST_CHECK int compose_check_time(const char *s, const char *what, struct hl_error *err);
/* Index of s in the NULL-terminated list, or -1. */
int compose_lookup(const char *const *list, const char *s);

#endif
