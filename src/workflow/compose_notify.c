/*
 * compose_notify.c — an incident notification (`hotline notify`) as STIX
 * 2.1 objects, following the OASIS CTI TC's Incident Core Extension drafts
 * (cti-stix-common-objects, extension-definition-specifications/
 * incident-core) where they fit:
 *
 *   identity        the victim (identity_class organization, sectors)
 *   incident        name, description, and the Incident Core property
 *                   extension: determination, investigation_status "open",
 *                   criticality (0..100, from the severity), incident_types,
 *                   impact_refs, events
 *   impact          (draft new SDO) availability impact, start_time = first
 *                   seen, impacted_refs = the victim, the impact text
 *   event           (draft new SDO) status "occurred", start_time = first seen
 *   indicator       one per STIX pattern
 *   malware, threat-actor   the suspects
 *   relationship    incident impacts victim, incident attributed-to actor,
 *                   actor uses malware, indicator indicates malware (or actor)
 *   report          report_types ["incident"], object_refs all of the above;
 *                   the last object, which is what `hotline ack` answers
 *
 * The notify file (docs/compose.md) is a JSON object with the same fields.
 */
#include <string.h>

#include "compose_int.h"

/* The draft's determination values (incident_core.json). */
static const char *const notify_determinations[] = {
    "blocked", "failed-attempt", "false-positive", "low-value", "successful-attempt", "suspected",
    NULL};
/* Severity words and the criticality (0..100) each stands for. */
static const char *const notify_severities[] = {"low", "medium", "high", "critical", NULL};
static const int notify_criticality[] = {25, 50, 75, 100};

/* Reads one list member (a string, or a list of strings) of the file. */
static int notify_read_list(const json_t *v, const char *key, const char **out, size_t *n,
                            struct hl_error *err)
{
    size_t i;
    const json_t *e;
    if (json_is_string(v)) {
        if (*n >= COMPOSE_LIST_MAX)
            return hl_fail(err, HL_E_TOO_LARGE, key, "at most %d", COMPOSE_LIST_MAX);
        out[(*n)++] = json_string_value(v);
        return 0;
    }
    if (!json_is_array(v))
        return hl_fail(err, HL_E_PARSE, key, "'%s' must be a string or a list of strings", key);
    json_array_foreach(v, i, e)
    {
        int rc = notify_read_list(e, key, out, n, err);
        if (rc || !json_is_string(e))
            return rc ? rc : hl_fail(err, HL_E_PARSE, key, "'%s' must list strings", key);
    }
    return 0;
}

int compose_incident_read(const json_t *doc, struct compose_incident *in, struct hl_error *err)
{
    static const char *const keys[] = {
        "name",    "description", "first_seen",    "organization",  "impact", "severity",
        "malware", "actor",       "incident_type", "determination", NULL};
    const char *key;
    const json_t *v;
    memset(in, 0, sizeof *in);
    if (!json_is_object(doc))
        return hl_fail(err, HL_E_PARSE, "", "a notify file is one JSON object");
    json_object_foreach((json_t *)doc, key, v)
    {
        int rc = 0, k = compose_lookup(keys, key);
        if (strcmp(key, "sector") == 0 || strcmp(key, "sectors") == 0) {
            rc = notify_read_list(v, key, in->sectors, &in->n_sectors, err);
        } else if (strcmp(key, "indicator") == 0 || strcmp(key, "indicators") == 0) {
            rc = notify_read_list(v, key, in->indicators, &in->n_indicators, err);
        } else if (k < 0) {
            rc = hl_fail(err, HL_E_PARSE, key, "'%s' is not a field of a notify file", key);
        } else if (!json_is_string(v)) {
            rc = hl_fail(err, HL_E_PARSE, key, "'%s' must be a string", key);
        } else {
            const char **fields[] = {&in->name,         &in->description, &in->first_seen,
                                     &in->organization, &in->impact,      &in->severity,
                                     &in->malware,      &in->actor,       &in->incident_type,
                                     &in->determination};
            *fields[k] = json_string_value(v);
        }
        if (rc)
            return rc;
    }
    return 0;
}

/* criticality from a severity word or a number 0..100; -1 if neither. */
static int notify_criticality_of(const char *severity)
{
    long long v;
    int k = compose_lookup(notify_severities, severity);
    if (k >= 0)
        return notify_criticality[k];
    return hl_parse_int(severity, 0, 100, &v) ? (int)v : -1;
}

static int notify_check(const struct compose_incident *in, struct hl_error *err)
{
    if (!in->name || !in->name[0])
        return hl_fail(err, HL_E_INVALID, "name", "a notification needs the incident's name");
    if (in->first_seen && compose_check_time(in->first_seen, "first_seen", err))
        return -HL_E_INVALID;
    if (in->severity && notify_criticality_of(in->severity) < 0)
        return hl_fail(err, HL_E_INVALID, "severity",
                       "severity '%s' is not low, medium, high, critical or a number 0..100",
                       in->severity);
    if (in->determination && compose_lookup(notify_determinations, in->determination) < 0)
        return hl_fail(err, HL_E_INVALID, "determination",
                       "determination '%s' is not one of the Incident Core Extension's "
                       "(blocked, failed-attempt, false-positive, low-value, "
                       "successful-attempt, suspected)",
                       in->determination);
    if (in->n_sectors > COMPOSE_LIST_MAX || in->n_indicators > COMPOSE_LIST_MAX)
        return hl_fail(err, HL_E_TOO_LARGE, NULL, "at most %d sectors and %d indicators",
                       COMPOSE_LIST_MAX, COMPOSE_LIST_MAX);
    return 0;
}

/* The Incident Core property extension of the incident. */
static json_t *notify_incident_ext(struct compose_set *s, const struct compose_incident *in,
                                   const json_t *impact, const json_t *event)
{
    json_t *ext =
        json_pack("{s:s, s:s, s:s}", "extension_type", "property-extension", "determination",
                  in->determination ? in->determination : "successful-attempt",
                  "investigation_status", "open");
    if (in->severity)
        compose_set(s, ext, "criticality", json_integer(notify_criticality_of(in->severity)));
    if (in->incident_type && in->incident_type[0])
        compose_set(s, ext, "incident_types", json_pack("[s]", in->incident_type));
    if (impact)
        compose_set(s, ext, "impact_refs", json_pack("[s]", compose_id(impact)));
    if (event)
        compose_set(s, ext, "events", json_pack("[{s:s}]", "event_ref", compose_id(event)));
    if (!ext)
        s->failed = true;
    return ext;
}

int compose_notify(const struct compose_ctx *c, const struct compose_incident *in, json_t **out,
                   struct hl_error *err)
{
    struct compose_set s;
    json_t *victim = NULL, *impact = NULL, *event = NULL, *malware = NULL, *actor = NULL;
    *out = NULL;
    int rc = notify_check(in, err);
    if (rc)
        return rc;
    compose_set_init(&s, c);
    if (in->organization && in->organization[0]) {
        victim = compose_sdo(&s, "identity");
        compose_set(&s, victim, "name", json_string(in->organization));
        compose_set(&s, victim, "identity_class", json_string("organization"));
        if (in->n_sectors)
            compose_set(&s, victim, "sectors", compose_strings(&s, in->sectors, in->n_sectors));
    }
    json_t *incident = compose_sdo(&s, "incident");
    compose_set(&s, incident, "name", json_string(in->name));
    compose_str(&s, incident, "description", in->description);
    if (in->impact && in->impact[0]) {
        int level = in->severity ? notify_criticality_of(in->severity) : 50;
        impact = compose_sdo(&s, "impact");
        compose_set(&s, impact, "impact_category", json_string("availability"));
        compose_set(&s, impact, "description", json_string(in->impact));
        compose_str(&s, impact, "start_time", in->first_seen);
        if (victim)
            compose_set(&s, impact, "impacted_refs", json_pack("[s]", compose_id(victim)));
        compose_new_sdo(&s, impact, COMPOSE_IMPACT_EXT);
        compose_set(&s, json_object_get(impact, "extensions"), "availability",
                    json_pack("{s:i}", "availability_impact", level));
    }
    if (in->first_seen) {
        event = compose_sdo(&s, "event");
        compose_set(&s, event, "name", json_string("first activity seen"));
        compose_set(&s, event, "status", json_string("occurred"));
        compose_set(&s, event, "start_time", json_string(in->first_seen));
        compose_new_sdo(&s, event, COMPOSE_EVENT_EXT);
    }
    compose_set(
        &s, incident, "extensions",
        json_pack("{s:o}", COMPOSE_INCIDENT_CORE_EXT, notify_incident_ext(&s, in, impact, event)));
    if (in->malware && in->malware[0]) {
        malware = compose_sdo(&s, "malware");
        compose_set(&s, malware, "name", json_string(in->malware));
        compose_set(&s, malware, "is_family", json_true());
    }
    if (in->actor && in->actor[0]) {
        actor = compose_sdo(&s, "threat-actor");
        compose_set(&s, actor, "name", json_string(in->actor));
    }
    const json_t *indicated = malware ? malware : actor;
    for (size_t i = 0; i < in->n_indicators; i++) {
        json_t *ind = compose_sdo(&s, "indicator");
        compose_set(&s, ind, "name", json_string(in->indicators[i]));
        compose_set(&s, ind, "indicator_types", json_pack("[s]", "malicious-activity"));
        compose_set(&s, ind, "pattern", json_string(in->indicators[i]));
        compose_set(&s, ind, "pattern_type", json_string("stix"));
        compose_set(&s, ind, "pattern_version", json_string("2.1"));
        compose_set(&s, ind, "valid_from", json_string(s.when));
        if (indicated)
            compose_rel(&s, "indicates", compose_id(ind), compose_id(indicated), NULL);
    }
    if (victim)
        compose_rel(&s, "impacts", compose_id(incident), compose_id(victim), NULL);
    if (actor)
        compose_rel(&s, "attributed-to", compose_id(incident), compose_id(actor), NULL);
    if (actor && malware)
        compose_rel(&s, "uses", compose_id(actor), compose_id(malware), NULL);
    json_t *refs = compose_refs(&s);
    json_t *report = compose_sdo(&s, "report");
    compose_set(&s, report, "name", json_string(in->name));
    compose_str(&s, report, "description", in->description);
    compose_set(&s, report, "report_types", json_pack("[s]", "incident"));
    compose_set(&s, report, "published", json_string(s.when));
    compose_set(&s, report, "object_refs", refs);
    return compose_finish(&s, true, out, err);
}
