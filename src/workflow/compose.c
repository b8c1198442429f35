/*
 * compose.c — the object builders behind the producer commands (notify,
 * dossier, request, opinion, note, translate): the common properties,
 * the final check of every object, and the single-object builders.
 * compose_notify.c builds notifications, compose_dossier.c dossiers.
 *
 * Invariants of every builder: nothing is published here and nothing is
 * read from the store; the same arguments and ctx give the same objects
 * except for their random ids; what a builder returns has passed
 * workflow_object_check (stix_validate_object, and hotline's rules for
 * its own SDOs) without an error; warnings are allowed (objects of a type
 * STIX does not define, such as hotline-request or the Incident suite's
 * impact, draw one).
 */
#include <string.h>

#include "compose_int.h"

void compose_set_init(struct compose_set *s, const struct compose_ctx *ctx)
{
    struct stix_time t = {.sec = ctx->now_us / 1000000,
                          .nsec = (uint32_t)(ctx->now_us % 1000000) * 1000};
    memset(s, 0, sizeof *s);
    s->ctx = ctx;
    s->objects = json_array();
    s->failed = !s->objects;
    stix_time_format(&t, s->when);
}

void compose_set_release(struct compose_set *s)
{
    json_decref(s->objects);
    s->objects = NULL;
}

void compose_set(struct compose_set *s, json_t *o, const char *key, json_t *v)
{
    if (!o || !v || json_object_set_new(o, key, v) != 0)
        s->failed = true;
}

void compose_str(struct compose_set *s, json_t *o, const char *key, const char *v)
{
    if (v && v[0])
        compose_set(s, o, key, json_string(v));
}

const char *compose_id(const json_t *o)
{
    const char *id = json_string_value(json_object_get(o, "id"));
    return id ? id : "";
}

json_t *compose_sdo(struct compose_set *s, const char *type)
{
    char id[STIX_ID_MAX];
    json_t *o = json_object();
    if (!o || stix_id_new(type, id) != 0 || json_array_append_new(s->objects, o) != 0) {
        s->failed = true;
        return NULL;
    }
    compose_set(s, o, "type", json_string(type));
    compose_set(s, o, "spec_version", json_string("2.1"));
    compose_set(s, o, "id", json_string(id));
    compose_set(s, o, "created_by_ref", json_string(s->ctx->party));
    compose_set(s, o, "created", json_string(s->when));
    compose_set(s, o, "modified", json_string(s->when));
    return o;
}

json_t *compose_rel(struct compose_set *s, const char *type, const char *source, const char *target,
                    const char *description)
{
    json_t *r = compose_sdo(s, "relationship");
    compose_set(s, r, "relationship_type", json_string(type));
    compose_set(s, r, "source_ref", json_string(source));
    compose_set(s, r, "target_ref", json_string(target));
    compose_str(s, r, "description", description);
    return r;
}

json_t *compose_sco(struct compose_set *s, json_t *sco)
{
    char id[STIX_ID_MAX];
    bool deterministic;
    struct hl_error err;
    size_t i;
    json_t *o;
    if (!sco || stix_sco_id(sco, id, &deterministic, &err) != 0) {
        json_decref(sco);
        s->failed = true;
        return NULL;
    }
    json_array_foreach(s->objects, i, o)
    {
        if (strcmp(compose_id(o), id) == 0) {
            json_decref(sco);
            return o;
        }
    }
    compose_set(s, sco, "spec_version", json_string("2.1"));
    compose_set(s, sco, "id", json_string(id));
    if (json_array_append_new(s->objects, sco) != 0) {
        s->failed = true;
        return NULL;
    }
    return sco;
}

void compose_new_sdo(struct compose_set *s, json_t *o, const char *ext)
{
    compose_set(s, o, "extensions", json_pack("{s:{s:s}}", ext, "extension_type", "new-sdo"));
}

json_t *compose_refs(struct compose_set *s)
{
    json_t *refs = json_array();
    size_t i;
    json_t *o;
    if (!refs) {
        s->failed = true;
        return NULL;
    }
    json_array_foreach(s->objects, i, o)
    {
        if (json_array_append_new(refs, json_string(compose_id(o))) != 0)
            s->failed = true;
    }
    return refs;
}

/* The official TLP 2.0 marking-definitions (cti-stix-common-objects;
 * src/stix/marking.c checks them). */
static const char *const compose_tlp_levels[] = {"clear",        "green", "amber",
                                                 "amber+strict", "red",   NULL};
static const char *const compose_tlp_ids[] = {
    "marking-definition--94868c89-83c2-464b-929b-a1a8aa3c8487",
    "marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb",
    "marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421",
    "marking-definition--939a9414-2ddd-4d32-a0cd-375ea402b003",
    "marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1"};

static int compose_check_tlp(const struct compose_ctx *c, struct hl_error *err)
{
    if (c->tlp && compose_lookup(compose_tlp_levels, c->tlp) < 0)
        return hl_fail(err, HL_E_INVALID, "tlp",
                       "TLP '%s' is not clear, green, amber, amber+strict or red", c->tlp);
    return 0;
}

/* Marks every object of s with the TLP level of its ctx, if any. */
static void compose_mark(struct compose_set *s)
{
    int k = compose_lookup(compose_tlp_levels, s->ctx->tlp);
    size_t i;
    json_t *o;
    if (k < 0)
        return;
    json_array_foreach(s->objects, i, o)
    {
        compose_set(s, o, "object_marking_refs", json_pack("[s]", compose_tlp_ids[k]));
    }
}

int compose_finish(struct compose_set *s, bool as_envelope, json_t **out, struct hl_error *err)
{
    struct stix_report r;
    int rc = compose_check_tlp(s->ctx, err);
    *out = NULL;
    if (rc) {
        compose_set_release(s);
        return rc;
    }
    compose_mark(s);
    if (s->failed || !s->objects) {
        compose_set_release(s);
        return hl_fail(err, HL_E_NOMEM, NULL, "out of memory");
    }
    stix_report_init(&r);
    for (size_t i = 0; i < json_array_size(s->objects) && stix_report_ok(&r); i++) {
        const json_t *o = json_array_get(s->objects, i);
        workflow_object_check(o, json_string_value(json_object_get(o, "type")), &r);
    }
    for (size_t i = 0; i < r.n && !rc; i++) {
        if (r.items[i].severity == STIX_SEV_ERROR)
            rc = hl_fail(err, HL_E_INVALID, r.items[i].path, "%s", r.items[i].message);
    }
    if (!rc && !stix_report_ok(&r))
        rc = hl_fail(err, HL_E_INVALID, NULL, "an object built is not valid STIX 2.1");
    stix_report_release(&r);
    if (!rc && as_envelope)
        *out = json_pack("{s:O}", "objects", s->objects);
    else if (!rc)
        *out = json_incref(json_array_get(s->objects, 0));
    if (!rc && !*out)
        rc = hl_fail(err, HL_E_NOMEM, NULL, "out of memory");
    compose_set_release(s);
    return rc;
}

int compose_check_time(const char *s, const char *what, struct hl_error *err)
{
    struct stix_time t;
    if (!stix_time_parse(s, &t))
        return hl_fail(err, HL_E_INVALID, what,
                       "%s '%s' is not a STIX timestamp (YYYY-MM-DDTHH:MM:SS[.sss]Z, UTC)", what,
                       s);
    return 0;
}

int compose_lookup(const char *const *list, const char *s)
{
    for (int i = 0; s && list[i]; i++) {
        if (strcmp(list[i], s) == 0)
            return i;
    }
    return -1;
}

/* Checks refs: 1..COMPOSE_LIST_MAX STIX identifiers. */
static int compose_check_refs(const char *const *refs, size_t n, struct hl_error *err)
{
    if (n == 0)
        return hl_fail(err, HL_E_INVALID, "object_refs", "name at least one object it is about");
    if (n > COMPOSE_LIST_MAX)
        return hl_fail(err, HL_E_TOO_LARGE, "object_refs", "at most %d objects", COMPOSE_LIST_MAX);
    for (size_t i = 0; i < n; i++) {
        if (!refs[i] || !stix_id_valid(refs[i], NULL))
            return hl_fail(err, HL_E_INVALID, "object_refs",
                           "'%s' is not a STIX identifier (type--UUID)", refs[i] ? refs[i] : "");
    }
    return 0;
}

json_t *compose_strings(struct compose_set *s, const char *const *v, size_t n)
{
    json_t *a = json_array();
    for (size_t i = 0; a && i < n; i++) {
        if (json_array_append_new(a, json_string(v[i])) != 0)
            s->failed = true;
    }
    if (!a)
        s->failed = true;
    return a;
}

/* STIX 2.1 §10.8 opinion-enum. */
static const char *const compose_opinions[] = {"strongly-disagree", "disagree", "neutral", "agree",
                                               "strongly-agree",    NULL};

int compose_opinion(const struct compose_ctx *c, const char *const *refs, size_t n_refs,
                    const char *opinion, const char *explanation, json_t **out,
                    struct hl_error *err)
{
    struct compose_set s;
    *out = NULL;
    int rc = compose_check_refs(refs, n_refs, err);
    if (rc)
        return rc;
    if (compose_lookup(compose_opinions, opinion) < 0)
        return hl_fail(err, HL_E_INVALID, "opinion",
                       "the opinion must be strongly-disagree, disagree, neutral, agree or "
                       "strongly-agree");
    compose_set_init(&s, c);
    json_t *o = compose_sdo(&s, "opinion");
    compose_set(&s, o, "opinion", json_string(opinion));
    compose_str(&s, o, "explanation", explanation);
    compose_set(&s, o, "object_refs", compose_strings(&s, refs, n_refs));
    return compose_finish(&s, false, out, err);
}

int compose_note(const struct compose_ctx *c, const char *const *refs, size_t n_refs,
                 const char *abstract, const char *content, json_t **out, struct hl_error *err)
{
    struct compose_set s;
    *out = NULL;
    int rc = compose_check_refs(refs, n_refs, err);
    if (rc)
        return rc;
    if (!content || !content[0])
        return hl_fail(err, HL_E_INVALID, "content", "a note needs its text");
    compose_set_init(&s, c);
    json_t *o = compose_sdo(&s, "note");
    compose_str(&s, o, "abstract", abstract);
    compose_set(&s, o, "content", json_string(content));
    compose_set(&s, o, "object_refs", compose_strings(&s, refs, n_refs));
    return compose_finish(&s, false, out, err);
}

/* RFC 5646 in the shape STIX asks for (§7.1 contents keys): a primary
 * language subtag of 2 or 3 letters, then subtags of 1 to 8 letters or
 * digits, each after a '-'. */
static bool compose_lang_valid(const char *lang)
{
    static const char letters[] = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";
    static const char alnum[] = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
    size_t n = strspn(lang, letters);
    if (n < 2 || n > 3)
        return false;
    const char *p = lang + n;
    while (*p == '-') {
        size_t k = strspn(p + 1, alnum);
        if (k < 1 || k > 8)
            return false;
        p += 1 + k;
    }
    return *p == '\0';
}

/* True if field of o is text a person wrote (name, description, content,
 * ...), not a token: STIX 2.1 §7.1 translates text; an identifier, a
 * timestamp, a vocabulary word or a pattern is the same in every language. */
static bool compose_is_text(const json_t *o, const char *field)
{
    static const char *const tokens[] = {"type",
                                         "id",
                                         "spec_version",
                                         "lang",
                                         "pattern",
                                         "pattern_type",
                                         "pattern_version",
                                         "opinion",
                                         "identity_class",
                                         "relationship_type",
                                         NULL};
    const char *v = json_string_value(json_object_get(o, field));
    size_t n = strlen(field);
    struct stix_time t;
    return v && compose_lookup(tokens, field) < 0 && strncmp(field, "hotline_", 8) != 0 &&
           !(n > 4 && strcmp(field + n - 4, "_ref") == 0) && !stix_time_parse(v, &t) &&
           !stix_id_valid(v, NULL);
}

int compose_translation(const struct compose_ctx *c, const json_t *original, const char *lang,
                        const char *field, const char *text, json_t **out, struct hl_error *err)
{
    struct compose_set s;
    *out = NULL;
    const char *id = json_string_value(json_object_get(original, "id"));
    const char *modified = json_string_value(json_object_get(original, "modified"));
    if (!id || !modified)
        return hl_fail(err, HL_E_INVALID, "object_ref",
                       "only an object with an id and a modified time can be translated");
    if (!lang || !compose_lang_valid(lang))
        return hl_fail(err, HL_E_INVALID, "lang", "'%s' is not an RFC 5646 language tag",
                       lang ? lang : "");
    if (!field || !compose_is_text(original, field))
        return hl_fail(err, HL_E_INVALID, "field", "%s has no text property '%s' to translate", id,
                       field ? field : "");
    if (!text || !text[0])
        return hl_fail(err, HL_E_INVALID, "text", "the translation is empty");
    compose_set_init(&s, c);
    json_t *o = compose_sdo(&s, "language-content");
    compose_set(&s, o, "object_ref", json_string(id));
    compose_set(&s, o, "object_modified", json_string(modified));
    compose_set(&s, o, "contents", json_pack("{s:{s:s}}", lang, field, text));
    return compose_finish(&s, false, out, err);
}

int compose_request(const struct compose_ctx *c, const struct compose_request *rq, json_t **out,
                    struct hl_error *err)
{
    struct compose_set s;
    *out = NULL;
    int rc = compose_check_refs(rq->refs, rq->n_refs, err);
    if (rc)
        return rc;
    if (!workflow_in_vocab(workflow_request_kinds, rq->kind))
        return hl_fail(err, HL_E_INVALID, "request_kind",
                       "the kind must be investigate, detain, take-down, preserve-evidence, "
                       "provide-information or cease-activity");
    if (!rq->due)
        return hl_fail(err, HL_E_INVALID, "due", "a request needs a due time");
    if (compose_check_time(rq->due, "due", err))
        return -HL_E_INVALID;
    if (!workflow_in_vocab(workflow_priorities, rq->priority ? rq->priority : "medium"))
        return hl_fail(err, HL_E_INVALID, "priority",
                       "the priority must be low, medium, high or critical");
    compose_set_init(&s, c);
    json_t *o = compose_sdo(&s, WORKFLOW_REQUEST_TYPE);
    compose_set(&s, o, WORKFLOW_PROP_REQUEST_KIND, json_string(rq->kind));
    compose_set(&s, o, WORKFLOW_PROP_OBJECT_REFS, compose_strings(&s, rq->refs, rq->n_refs));
    compose_set(&s, o, WORKFLOW_PROP_DUE, json_string(rq->due));
    compose_set(&s, o, WORKFLOW_PROP_PRIORITY, json_string(rq->priority ? rq->priority : "medium"));
    compose_str(&s, o, WORKFLOW_PROP_DESCRIPTION, rq->description);
    compose_new_sdo(&s, o, WORKFLOW_REQUEST_EXT);
    return compose_finish(&s, false, out, err);
}
