/*
 * check.c — what a hotline-request and a hotline-response must be
 * (workflow.h, extensions/hotline-request.json and hotline-response.json),
 * and the table of a request's state transitions.
 *
 * The STIX core checks what STIX 2.1 says of any object (§3.2 common
 * properties, §11.2 custom objects, §7.3 the extensions dictionary); this
 * file adds the rules of the two extension-definitions. Every finding is
 * an error with a JSON path, as the core reports them.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "workflow.h"

const char *const workflow_request_kinds[] = {
    "investigate",         "detain",         "take-down", "preserve-evidence",
    "provide-information", "cease-activity", NULL};
const char *const workflow_priorities[] = {"low", "medium", "high", "critical", NULL};
const char *const workflow_statuses[] = {"acknowledged", "in-progress",       "completed",
                                         "declined",     "needs-information", NULL};
const char *const workflow_count_props[] = {"persons_detained", "persons_charged",
                                            "servers_seized",   "domains_taken_down",
                                            "accounts_frozen",  NULL};

bool workflow_in_vocab(const char *const *vocab, const char *s)
{
    for (; s && *vocab; vocab++)
        if (strcmp(*vocab, s) == 0)
            return true;
    return false;
}

/* path + "." + key (or key alone at the top). */
static void path_key(char out[HL_MAX_PATH_BYTES], const char *path, const char *key)
{
    snprintf(out, HL_MAX_PATH_BYTES, "%s%s%s", path, path[0] ? "." : "", key);
}

static void err_at(struct stix_report *r, const char *path, const char *key, const char *fmt, ...)
    HL_PRINTF(4, 5);
static void err_at(struct stix_report *r, const char *path, const char *key, const char *fmt, ...)
{
    char sub[HL_MAX_PATH_BYTES], msg[HL_ERROR_MSG_MAX];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    path_key(sub, path, key);
    stix_report_add(r, STIX_SEV_ERROR, sub, "%s", msg);
}

/* The vocabulary as "a, b, c" for a message. */
static void vocab_text(const char *const *vocab, char out[256])
{
    size_t len = 0;
    out[0] = '\0';
    for (; *vocab && len < 256; vocab++) {
        int n = snprintf(out + len, 256 - len, "%s%s", len ? ", " : "", *vocab);
        if (n < 0)
            break;
        len += (size_t)n;
    }
}

/* A required string property from vocab. */
static void check_enum(const json_t *obj, const char *path, const char *key,
                       const char *const *vocab, struct stix_report *r)
{
    const json_t *v = json_object_get(obj, key);
    char words[256];
    vocab_text(vocab, words);
    if (!v)
        err_at(r, path, key, "required property '%s' is missing", key);
    else if (!workflow_in_vocab(vocab, json_string_value(v)))
        err_at(r, path, key, "must be one of: %s", words);
}

/* The new-sdo extension of type t: extensions[ext].extension_type. */
static void check_declared(const json_t *obj, const char *path, const char *ext,
                           struct stix_report *r)
{
    const json_t *e = json_object_get(json_object_get(obj, "extensions"), ext);
    const char *et = json_string_value(json_object_get(e, "extension_type"));
    if (!e || !et || strcmp(et, "new-sdo") != 0)
        err_at(r, path, "extensions",
               "must hold {\"%s\": {\"extension_type\": \"new-sdo\"}} (the type's "
               "extension-definition, STIX 2.1 §7.3)",
               ext);
}

/* What both SDOs need besides the core's checks. */
static bool check_common(const json_t *obj, const char *path, const char *type, const char *ext,
                         struct stix_report *r)
{
    stix_validate_object(obj, path, r);
    if (!json_is_object(obj))
        return false;
    const char *t = json_string_value(json_object_get(obj, "type"));
    if (!t || strcmp(t, type) != 0) {
        err_at(r, path, "type", "must be '%s'", type);
        return false;
    }
    static const char *const required[] = {"spec_version", "created", "modified", "created_by_ref",
                                           NULL};
    for (const char *const *k = required; *k; k++)
        if (!json_object_get(obj, *k))
            err_at(r, path, *k, "required property '%s' is missing", *k);
    check_declared(obj, path, ext, r);
    return true;
}

static void check_description(const json_t *obj, const char *path, bool required, const char *why,
                              struct stix_report *r)
{
    const json_t *d = json_object_get(obj, WORKFLOW_PROP_DESCRIPTION);
    if (d && (!json_is_string(d) || json_string_length(d) == 0))
        err_at(r, path, WORKFLOW_PROP_DESCRIPTION, "%s", "must be a non-empty string");
    else if (!d && required)
        err_at(r, path, WORKFLOW_PROP_DESCRIPTION, "'description' is required %s", why);
}

void workflow_request_check(const json_t *obj, const char *path, struct stix_report *r)
{
    char sub[HL_MAX_PATH_BYTES];
    if (!check_common(obj, path, WORKFLOW_REQUEST_TYPE, WORKFLOW_REQUEST_EXT, r))
        return;
    check_enum(obj, path, WORKFLOW_PROP_REQUEST_KIND, workflow_request_kinds, r);
    check_enum(obj, path, WORKFLOW_PROP_PRIORITY, workflow_priorities, r);
    const json_t *refs = json_object_get(obj, WORKFLOW_PROP_OBJECT_REFS);
    if (!json_is_array(refs) || json_array_size(refs) == 0) {
        err_at(r, path, WORKFLOW_PROP_OBJECT_REFS, "%s",
               "must be a non-empty list of identifiers: what the request is about");
    } else {
        size_t i;
        const json_t *v;
        json_array_foreach(refs, i, v)
        {
            if (stix_id_valid(json_string_value(v), NULL))
                continue;
            snprintf(sub, sizeof sub, "%s%s%s[%zu]", path, path[0] ? "." : "",
                     WORKFLOW_PROP_OBJECT_REFS, i);
            stix_report_add(r, STIX_SEV_ERROR, sub, "must be a STIX identifier (type--UUID)");
        }
    }
    struct stix_time t;
    const json_t *due = json_object_get(obj, WORKFLOW_PROP_DUE);
    if (!due)
        err_at(r, path, WORKFLOW_PROP_DUE, "required property '%s' is missing", "due");
    else if (!stix_time_parse(json_string_value(due), &t))
        err_at(r, path, WORKFLOW_PROP_DUE, "%s",
               "must be a timestamp (YYYY-MM-DDTHH:MM:SS[.s]Z, STIX 2.1 §3.2)");
    check_description(obj, path, false, "", r);
}

void workflow_response_check(const json_t *obj, const char *path, struct stix_report *r)
{
    char sub[HL_MAX_PATH_BYTES];
    if (!check_common(obj, path, WORKFLOW_RESPONSE_TYPE, WORKFLOW_RESPONSE_EXT, r))
        return;
    const json_t *ref = json_object_get(obj, WORKFLOW_PROP_REQUEST_REF);
    if (!ref)
        err_at(r, path, WORKFLOW_PROP_REQUEST_REF, "required property '%s' is missing",
               WORKFLOW_PROP_REQUEST_REF);
    else if (!stix_id_valid(json_string_value(ref), NULL))
        err_at(r, path, WORKFLOW_PROP_REQUEST_REF, "%s",
               "must be the identifier of a hotline-request or a report");
    check_enum(obj, path, WORKFLOW_PROP_STATUS, workflow_statuses, r);
    const char *status = json_string_value(json_object_get(obj, WORKFLOW_PROP_STATUS));
    bool why = status && (!strcmp(status, "declined") || !strcmp(status, "needs-information"));
    check_description(obj, path, why,
                      status && !strcmp(status, "declined")
                          ? "when a request is declined: the reason"
                          : "when information is needed: what is needed",
                      r);
    const json_t *acts = json_object_get(obj, WORKFLOW_PROP_ACTIONS_TAKEN);
    if (acts && (!json_is_array(acts) || json_array_size(acts) == 0)) {
        err_at(r, path, WORKFLOW_PROP_ACTIONS_TAKEN, "%s", "must be a non-empty list of strings");
    } else if (acts) {
        size_t i;
        const json_t *v;
        json_array_foreach(acts, i, v)
        {
            if (json_is_string(v) && json_string_length(v) > 0)
                continue;
            snprintf(sub, sizeof sub, "%s%s%s[%zu]", path, path[0] ? "." : "",
                     WORKFLOW_PROP_ACTIONS_TAKEN, i);
            stix_report_add(r, STIX_SEV_ERROR, sub, "must be a non-empty string");
        }
    }
    for (const char *const *k = workflow_count_props; *k; k++) {
        const json_t *v = json_object_get(obj, *k);
        if (v && (!json_is_integer(v) || json_integer_value(v) < 0))
            err_at(r, path, *k, "'%s' must be an integer >= 0", *k);
    }
}

void workflow_object_check(const json_t *obj, const char *path, struct stix_report *r)
{
    const char *t = json_string_value(json_object_get(obj, "type"));
    if (t && strcmp(t, WORKFLOW_REQUEST_TYPE) == 0)
        workflow_request_check(obj, path, r);
    else if (t && strcmp(t, WORKFLOW_RESPONSE_TYPE) == 0)
        workflow_response_check(obj, path, r);
    else
        stix_validate_object(obj, path, r);
}

/* ---- the state table ---------------------------------------------------- */

static const char *const state_names[WORKFLOW_N_STATES] = {
    "open", "acknowledged", "in-progress", "needs-information", "completed", "declined"};

/* next[from] has bit `to` set when from → to is allowed (workflow.h). */
#define BIT(s) (1u << (s))
static const unsigned next[WORKFLOW_N_STATES] = {
    [WORKFLOW_OPEN] = BIT(WORKFLOW_ACKNOWLEDGED) | BIT(WORKFLOW_IN_PROGRESS) |
                      BIT(WORKFLOW_NEEDS_INFORMATION) | BIT(WORKFLOW_DECLINED),
    [WORKFLOW_ACKNOWLEDGED] = BIT(WORKFLOW_IN_PROGRESS) | BIT(WORKFLOW_NEEDS_INFORMATION) |
                              BIT(WORKFLOW_COMPLETED) | BIT(WORKFLOW_DECLINED),
    [WORKFLOW_IN_PROGRESS] =
        BIT(WORKFLOW_NEEDS_INFORMATION) | BIT(WORKFLOW_COMPLETED) | BIT(WORKFLOW_DECLINED),
    [WORKFLOW_NEEDS_INFORMATION] =
        BIT(WORKFLOW_IN_PROGRESS) | BIT(WORKFLOW_COMPLETED) | BIT(WORKFLOW_DECLINED),
    [WORKFLOW_COMPLETED] = 0,
    [WORKFLOW_DECLINED] = 0,
};

const char *workflow_state_name(enum workflow_state s)
{
    return (unsigned)s < WORKFLOW_N_STATES ? state_names[s] : "?";
}

bool workflow_state_from_status(const char *status, enum workflow_state *out)
{
    for (unsigned s = WORKFLOW_ACKNOWLEDGED; status && s < WORKFLOW_N_STATES; s++) {
        if (strcmp(state_names[s], status) == 0) {
            *out = (enum workflow_state)s;
            return true;
        }
    }
    return false;
}

bool workflow_transition_allowed(enum workflow_state from, enum workflow_state to)
{
    return (unsigned)from < WORKFLOW_N_STATES && (unsigned)to < WORKFLOW_N_STATES &&
           (next[from] & BIT(to));
}

void workflow_allowed_next(enum workflow_state from, char *out, size_t max)
{
    size_t len = 0;
    unsigned n = 0, total = 0;
    if (!max)
        return;
    out[0] = '\0';
    if ((unsigned)from >= WORKFLOW_N_STATES)
        return;
    for (unsigned s = 0; s < WORKFLOW_N_STATES; s++)
        total += (next[from] & BIT(s)) != 0;
    if (!total) {
        snprintf(out, max, "none: the request is %s", state_names[from]);
        return;
    }
    for (unsigned s = 0; s < WORKFLOW_N_STATES && len < max; s++) {
        if (!(next[from] & BIT(s)))
            continue;
        n++;
        int w = snprintf(out + len, max - len, "%s%s",
                         n == 1       ? ""
                         : n == total ? " or "
                                      : ", ",
                         state_names[s]);
        if (w < 0)
            break;
        len += (size_t)w;
    }
}

const char *workflow_state_task_outcome(enum workflow_state s)
{
    switch (s) {
    case WORKFLOW_OPEN:
    case WORKFLOW_ACKNOWLEDGED:
        return "pending";
    case WORKFLOW_IN_PROGRESS:
    case WORKFLOW_NEEDS_INFORMATION:
        return "ongoing";
    case WORKFLOW_COMPLETED:
        return "successful";
    case WORKFLOW_DECLINED:
        return "cancelled";
    default:
        return "?";
    }
}
