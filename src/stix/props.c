/*
 * props.c — the property checker: one function per kind of property
 * (enum stix_prop_kind in stix_int.h), identifiers, type lookup and JSON
 * paths. Every type table (sdo.c, sro.c, smo.c, sco.c) is applied through
 * stix_check_props / stix_check_prop, so a rule on a data type of STIX 2.1
 * §2 lives here once.
 *
 * Invariants: nothing here allocates on the happy path (paths are built on
 * the stack, HL_MAX_PATH_BYTES each); a value of the wrong JSON type gets
 * exactly one finding and no further checks; findings name the property
 * (its path) and quote the offending value.
 */
#include <stdio.h>
#include <string.h>

#include "stix_int.h"

/* ---- paths ---------------------------------------------------------------- */

/* Writes n bytes of a formatted path; a cut path ends in "…" (3 bytes). */
static void path_finish(char out[HL_MAX_PATH_BYTES], int n)
{
    if (n < 0) {
        out[0] = '\0';
    } else if ((size_t)n >= HL_MAX_PATH_BYTES) {
        size_t at = HL_MAX_PATH_BYTES - 4;
        while (at > 0 && ((unsigned char)out[at] & 0xC0) == 0x80)
            at--;
        memcpy(out + at, "\xe2\x80\xa6", 4); /* U+2026 and NUL */
    }
}

void stix_path_key(char out[HL_MAX_PATH_BYTES], const char *base, const char *key)
{
    int n = base[0] ? snprintf(out, HL_MAX_PATH_BYTES, "%s.%s", base, key)
                    : snprintf(out, HL_MAX_PATH_BYTES, "%s", key);
    path_finish(out, n);
}

void stix_path_index(char out[HL_MAX_PATH_BYTES], const char *base, size_t i)
{
    int n = snprintf(out, HL_MAX_PATH_BYTES, "%s[%zu]", base, i);
    path_finish(out, n);
}

/* ---- identifiers (STIX 2.1 §2.9) ------------------------------------------ */

/* True if s[0..n) is a STIX type name (STIX 2.1 §3.1, §11.2): 3..250
 * characters of a-z, 0-9 and '-', starting with a letter, ending with a
 * letter or digit, and no "--" (which would make the id ambiguous). */
static bool id_type_valid(const char *s, size_t n)
{
    if (n < 3 || n > 250 || s[0] < 'a' || s[0] > 'z' || s[n - 1] == '-')
        return false;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-'))
            return false;
        if (c == '-' && s[i + 1] == '-')
            return false;
    }
    return true;
}

static bool id_is_hex(char c)
{
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

/* True if u is an RFC 4122 UUID: 8-4-4-4-12 hex digits, version 1..5,
 * variant 10xx (RFC 4122 §4.1.1, §4.1.3), and nothing after it. */
static bool id_uuid_valid(const char *u)
{
    for (int i = 0; i < 36; i++) {
        bool dash = i == 8 || i == 13 || i == 18 || i == 23;
        if (dash ? u[i] != '-' : !id_is_hex(u[i]))
            return false;
    }
    if (u[36] != '\0' || u[14] < '1' || u[14] > '5')
        return false;
    return strchr("89abAB", u[19]) != NULL;
}

bool stix_id_valid(const char *id, const char *type)
{
    if (!id)
        return false;
    const char *sep = strstr(id, "--");
    if (!sep || !id_type_valid(id, (size_t)(sep - id)) || !id_uuid_valid(sep + 2))
        return false;
    if (type && (strlen(type) != (size_t)(sep - id) || memcmp(id, type, (size_t)(sep - id)) != 0))
        return false;
    return true;
}

/* The table of the type named by the first n bytes of s, or NULL. */
static const struct stix_type *type_find_n(const char *s, size_t n)
{
    static const struct stix_type *const tables[] = {stix_sdo_types, stix_sro_types,
                                                     stix_smo_types, stix_sco_types};
    for (size_t k = 0; k < sizeof tables / sizeof tables[0]; k++) {
        for (const struct stix_type *t = tables[k]; t->type; t++) {
            if (t->type[0] == s[0] && strncmp(t->type, s, n) == 0 && t->type[n] == '\0')
                return t;
        }
    }
    return NULL;
}

const struct stix_type *stix_type_find(const char *type)
{
    return type ? type_find_n(type, strlen(type)) : NULL;
}

int stix_id_category(const char *id)
{
    const char *sep = id ? strstr(id, "--") : NULL;
    if (!sep || sep == id)
        return 0;
    const struct stix_type *t = type_find_n(id, (size_t)(sep - id));
    return t ? (int)t->category : 0;
}

/* ---- reference types ------------------------------------------------------ */

static const char *category_name(int cat)
{
    switch (cat) {
    case STIX_CAT_SDO: return "<sdo>";
    case STIX_CAT_SRO: return "<sro>";
    case STIX_CAT_SMO: return "<smo>";
    case STIX_CAT_SCO: return "<sco>";
    default: return NULL;
    }
}

/* True if the type of id is allowed by ref_types (NULL: any). An id of a
 * type hotline does not know (a custom object, STIX 2.1 §11.2, or one
 * defined by an extension-definition, §7.3) satisfies a category entry,
 * because it may be of that category; it never satisfies a named type. */
static bool ref_type_allowed(const char *id, const char *const *ref_types)
{
    if (!ref_types)
        return true;
    const char *sep = strstr(id, "--");
    size_t n = (size_t)(sep - id);
    int cat = stix_id_category(id);
    const char *cname = category_name(cat);
    for (const char *const *t = ref_types; *t; t++) {
        if ((*t)[0] == '<') {
            if (cat == 0 || (cname && strcmp(*t, cname) == 0))
                return true;
        } else if (strlen(*t) == n && memcmp(*t, id, n) == 0) {
            return true;
        }
    }
    return false;
}

/* Writes the allowed types as "identity, location" into out. */
static void ref_types_describe(const char *const *ref_types, char *out, size_t cap)
{
    size_t len = 0;
    out[0] = '\0';
    for (const char *const *t = ref_types; *t && len < cap; t++) {
        const char *name = strcmp(*t, "<sdo>") == 0   ? "any SDO"
                           : strcmp(*t, "<sco>") == 0 ? "any SCO"
                           : strcmp(*t, "<sro>") == 0 ? "any SRO"
                                                      : *t;
        int n = snprintf(out + len, cap - len, "%s%s", t == ref_types ? "" : " or ", name);
        if (n < 0 || (size_t)n >= cap - len)
            break;
        len += (size_t)n;
    }
}

static void check_id(const json_t *v, const char *path, const struct stix_prop *p,
                     struct stix_report *r)
{
    const char *s = json_string_value(v);
    if (!s) {
        stix_error(r, path, "'%s' must be an identifier string", p->name);
        return;
    }
    if (!stix_id_valid(s, NULL)) {
        stix_error(r, path, "'%s' is not a STIX identifier (type--UUID, RFC 4122): '%s'",
                   p->name, s);
        return;
    }
    if (!ref_type_allowed(s, p->ref_types)) {
        char allowed[200];
        ref_types_describe(p->ref_types, allowed, sizeof allowed);
        stix_error(r, path, "'%s' must refer to %s, not '%s'", p->name, allowed, s);
    }
}

/* ---- vocabularies --------------------------------------------------------- */

static bool vocab_has(const char *const *vocab, const char *s)
{
    for (const char *const *w = vocab; w && *w; w++) {
        if (strcmp(*w, s) == 0)
            return true;
    }
    return false;
}

static void check_vocab(const json_t *v, const char *path, const struct stix_prop *p, bool open,
                        struct stix_report *r)
{
    const char *s = json_string_value(v);
    if (!s) {
        stix_error(r, path, "'%s' must be a string", p->name);
        return;
    }
    if (vocab_has(p->vocab, s))
        return;
    if (!open) {
        /* STIX 2.1 §2 (enumeration): only the listed values */
        stix_error(r, path, "'%s' is not one of the values allowed for '%s'", s, p->name);
        return;
    }
    /* STIX 2.1 §2 (open-vocab): other values are allowed, but SHOULD be
     * lowercase and use hyphens instead of spaces or underscores. */
    for (const char *c = s; *c; c++) {
        if ((*c >= 'A' && *c <= 'Z') || *c == ' ' || *c == '_') {
            stix_warn(r, path,
                      "'%s' is not in the suggested vocabulary of '%s'; values outside it "
                      "should be lowercase with hyphens between words",
                      s, p->name);
            return;
        }
    }
}

/* ---- compound types ------------------------------------------------------- */

/* Hash algorithms and the hex length of their values (STIX 2.1 §10,
 * hash-algorithm-ov; lengths from the algorithms' definitions). */
static const struct {
    const char *name;
    size_t hex_len; /* 0: not fixed */
} hash_algos[] = {
    {"MD5", 32},      {"SHA-1", 40},     {"SHA-256", 64}, {"SHA-512", 128},
    {"SHA3-256", 64}, {"SHA3-512", 128}, {"SSDEEP", 0},   {"TLSH", 0},
};

static bool text_is_hex(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (!id_is_hex(s[i]))
            return false;
    }
    return true;
}

/* STIX 2.1 §2.7: keys are hash-algorithm-ov names or custom names of 3..250
 * characters; values are strings; a known algorithm's value is its hex
 * digest of the algorithm's length. */
static void check_hashes(const json_t *v, const char *path, const struct stix_prop *p,
                         struct stix_report *r)
{
    const char *key;
    const json_t *val;
    char sub[HL_MAX_PATH_BYTES];
    if (json_object_size(v) == 0) {
        stix_error(r, path, "'%s' must have at least one hash", p->name);
        return;
    }
    json_object_foreach((json_t *)v, key, val) {
        stix_path_key(sub, path, key);
        const char *s = json_string_value(val);
        if (!s) {
            stix_error(r, sub, "a hash value must be a string");
            continue;
        }
        size_t i = 0, n = sizeof hash_algos / sizeof hash_algos[0];
        while (i < n && strcmp(hash_algos[i].name, key) != 0)
            i++;
        if (i == n) {
            size_t klen = strlen(key);
            if (klen < 3 || klen > 250)
                stix_error(r, sub, "a custom hash name must have 3 to 250 characters");
            continue;
        }
        size_t len = strlen(s);
        if (hash_algos[i].hex_len && (len != hash_algos[i].hex_len || !text_is_hex(s, len)))
            stix_error(r, sub, "a %s hash must be %zu hexadecimal digits: '%s'", key,
                       hash_algos[i].hex_len, s);
    }
}

/* STIX 2.1 §2.8: dictionary keys are 1..250 ASCII characters of a-z, A-Z,
 * 0-9, '-' and '_' (SHOULD be lowercase); a dictionary is not empty. */
static void check_dict(const json_t *v, const char *path, const struct stix_prop *p,
                       struct stix_report *r)
{
    const char *key;
    const json_t *val;
    if (json_object_size(v) == 0) {
        stix_error(r, path, "'%s' must not be an empty dictionary", p->name);
        return;
    }
    json_object_foreach((json_t *)v, key, val) {
        size_t n = strlen(key);
        bool ok = n >= 1 && n <= 250, upper = false;
        for (size_t i = 0; ok && i < n; i++) {
            char c = key[i];
            upper |= c >= 'A' && c <= 'Z';
            ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                 c == '-' || c == '_';
        }
        char sub[HL_MAX_PATH_BYTES];
        stix_path_key(sub, path, key);
        if (!ok)
            stix_error(r, sub,
                       "dictionary key '%s' must have 1 to 250 characters of a-z, A-Z, 0-9, "
                       "'-' and '_'",
                       key);
        else if (upper)
            stix_warn(r, sub, "dictionary key '%s' should be lowercase", key);
    }
}

/* STIX 2.1 §2.6: kill-chain-phase has kill_chain_name and phase_name. */
static void check_kill_chain(const json_t *v, const char *path, struct stix_report *r)
{
    static const struct stix_prop kc[] = {
        {.name = "kill_chain_name", .kind = SP_STRING, .required = true},
        {.name = "phase_name", .kind = SP_STRING, .required = true},
        {0},
    };
    size_t i;
    const json_t *e;
    json_array_foreach((json_t *)v, i, e) {
        char sub[HL_MAX_PATH_BYTES];
        stix_path_index(sub, path, i);
        if (!json_is_object(e)) {
            stix_error(r, sub, "a kill chain phase must be an object");
            continue;
        }
        stix_check_props(e, sub, kc, r);
    }
}

/* STIX 2.1 §2.5: external-reference has source_name and at least one of
 * description, url, external_id; its hashes keys come from
 * hash-algorithm-ov. */
static void check_external_refs(const json_t *v, const char *path, struct stix_report *r)
{
    static const struct stix_prop er[] = {
        {.name = "source_name", .kind = SP_STRING, .required = true},
        {.name = "description", .kind = SP_STRING},
        {.name = "url", .kind = SP_URL},
        {.name = "hashes", .kind = SP_HASHES},
        {.name = "external_id", .kind = SP_STRING},
        {0},
    };
    size_t i;
    const json_t *e;
    json_array_foreach((json_t *)v, i, e) {
        char sub[HL_MAX_PATH_BYTES];
        stix_path_index(sub, path, i);
        if (!json_is_object(e)) {
            stix_error(r, sub, "an external reference must be an object");
            continue;
        }
        stix_check_props(e, sub, er, r);
        if (!json_object_get(e, "description") && !json_object_get(e, "url") &&
            !json_object_get(e, "external_id"))
            stix_error(r, sub,
                       "an external reference needs at least one of 'description', 'url' and "
                       "'external_id'");
    }
}

/* RFC 4648 §4 base64 with padding. */
static bool text_is_base64(const char *s)
{
    size_t n = strlen(s), pad = 0;
    if (n % 4 != 0)
        return false;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (c == '=') {
            if (i + 2 < n)
                return false;
            pad++;
        } else if (pad || !((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
                            (c >= '0' && c <= '9') || c == '+' || c == '/')) {
            return false;
        }
    }
    return true;
}

/* RFC 3986 §3: scheme ":" and no characters a URI never holds. */
static bool text_is_url(const char *s)
{
    const char *c = s;
    if (!((*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z')))
        return false;
    while ((*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') || (*c >= '0' && *c <= '9') ||
           *c == '+' || *c == '-' || *c == '.')
        c++;
    if (*c != ':')
        return false;
    for (; *c; c++) {
        if ((unsigned char)*c <= 0x20 || *c == 0x7f || *c == '"' || *c == '<' || *c == '>' ||
            *c == '\\' || *c == '^' || *c == '`' || *c == '{' || *c == '|' || *c == '}')
            return false;
    }
    return true;
}

/* ---- the dispatcher ------------------------------------------------------- */

static const char *json_kind_name(const json_t *v)
{
    switch (json_typeof(v)) {
    case JSON_OBJECT: return "an object";
    case JSON_ARRAY: return "a list";
    case JSON_STRING: return "a string";
    case JSON_INTEGER: return "an integer";
    case JSON_REAL: return "a number";
    case JSON_TRUE:
    case JSON_FALSE: return "a boolean";
    default: return "null";
    }
}

/* Checks v as a number within p's range (when min < max). */
static void check_number(const json_t *v, const char *path, const struct stix_prop *p,
                         bool integer, struct stix_report *r)
{
    if (integer ? !json_is_integer(v) : !json_is_number(v)) {
        stix_error(r, path, "'%s' must be %s, not %s", p->name,
                   integer ? "an integer" : "a number", json_kind_name(v));
        return;
    }
    double d = json_number_value(v);
    if (p->min < p->max && (d < p->min || d > p->max))
        stix_error(r, path, "'%s' (%.17g) must be between %.17g and %.17g", p->name, d, p->min,
                   p->max);
}

/* Checks a string-valued kind. */
static void check_string_kind(const json_t *v, const char *path, const struct stix_prop *p,
                              struct stix_report *r)
{
    const char *s = json_string_value(v);
    switch (p->kind) {
    case SP_TIMESTAMP:
        if (!s || !stix_time_parse(s, NULL))
            stix_error(r, path,
                       "'%s' must be a timestamp YYYY-MM-DDTHH:MM:SS[.s+]Z in UTC (RFC 3339)%s%s%s",
                       p->name, s ? ", not '" : "", s ? s : "", s ? "'" : "");
        break;
    case SP_BINARY:
        if (!s || !text_is_base64(s))
            stix_error(r, path, "'%s' must be base64 (RFC 4648 §4)", p->name);
        break;
    case SP_HEX:
        if (!s || strlen(s) % 2 != 0 || !text_is_hex(s, strlen(s)))
            stix_error(r, path, "'%s' must be an even number of hexadecimal digits", p->name);
        break;
    case SP_URL:
        if (!s || !text_is_url(s))
            stix_error(r, path, "'%s' must be a URL (RFC 3986)%s%s%s", p->name,
                       s ? ": '" : "", s ? s : "", s ? "'" : "");
        break;
    default:
        if (!s)
            stix_error(r, path, "'%s' must be a string, not %s", p->name, json_kind_name(v));
        break;
    }
}

/* Checks each element of the list v with the element kind of p. */
static void check_list(const json_t *v, const char *path, const struct stix_prop *p,
                       struct stix_report *r)
{
    if (!json_is_array(v)) {
        stix_error(r, path, "'%s' must be a list, not %s", p->name, json_kind_name(v));
        return;
    }
    if (json_array_size(v) == 0) {
        stix_error(r, path, "'%s' must not be an empty list", p->name); /* STIX 2.1 §2 (list) */
        return;
    }
    if (p->kind == SP_KILL_CHAIN) {
        check_kill_chain(v, path, r);
        return;
    }
    if (p->kind == SP_EXTERNAL_REFS) {
        check_external_refs(v, path, r);
        return;
    }
    if (p->kind == SP_LIST)
        return;
    size_t i;
    const json_t *e;
    json_array_foreach((json_t *)v, i, e) {
        char sub[HL_MAX_PATH_BYTES];
        stix_path_index(sub, path, i);
        switch (p->kind) {
        case SP_ID_LIST: check_id(e, sub, p, r); break;
        case SP_ENUM_LIST: check_vocab(e, sub, p, false, r); break;
        case SP_OPENVOCAB_LIST: check_vocab(e, sub, p, true, r); break;
        default:
            if (!json_is_string(e))
                stix_error(r, sub, "every entry of '%s' must be a string", p->name);
            break;
        }
    }
}

void stix_check_prop(const json_t *v, const char *path, const struct stix_prop *p,
                     struct stix_report *r)
{
    size_t before = r->n_errors;
    switch (p->kind) {
    case SP_STRING:
    case SP_TIMESTAMP:
    case SP_BINARY:
    case SP_HEX:
    case SP_URL: check_string_kind(v, path, p, r); break;
    case SP_INTEGER: check_number(v, path, p, true, r); break;
    case SP_FLOAT: check_number(v, path, p, false, r); break;
    case SP_BOOLEAN:
        if (!json_is_boolean(v))
            stix_error(r, path, "'%s' must be true or false, not %s", p->name,
                       json_kind_name(v));
        break;
    case SP_ID: check_id(v, path, p, r); break;
    case SP_ENUM: check_vocab(v, path, p, false, r); break;
    case SP_OPENVOCAB: check_vocab(v, path, p, true, r); break;
    case SP_STRING_LIST:
    case SP_ID_LIST:
    case SP_ENUM_LIST:
    case SP_OPENVOCAB_LIST:
    case SP_KILL_CHAIN:
    case SP_EXTERNAL_REFS:
    case SP_LIST: check_list(v, path, p, r); break;
    case SP_HASHES:
    case SP_DICT:
    case SP_OBJECT:
        if (!json_is_object(v))
            stix_error(r, path, "'%s' must be an object, not %s", p->name, json_kind_name(v));
        else if (p->kind == SP_HASHES)
            check_hashes(v, path, p, r);
        else if (p->kind == SP_DICT)
            check_dict(v, path, p, r);
        break;
    case SP_ANY: break;
    }
    /* The extra check sees only values of the right shape. */
    if (p->check && r->n_errors == before)
        p->check(v, path, p, r);
}

void stix_check_props(const json_t *obj, const char *path, const struct stix_prop *props,
                      struct stix_report *r)
{
    char sub[HL_MAX_PATH_BYTES];
    for (const struct stix_prop *p = props; p && p->name; p++) {
        const json_t *v = json_object_get(obj, p->name);
        stix_path_key(sub, path, p->name);
        if (!v) {
            if (p->required)
                stix_error(r, sub, "required property '%s' is missing", p->name);
            continue;
        }
        stix_check_prop(v, sub, p, r);
    }
}

bool stix_props_has(const struct stix_prop *props, const char *name)
{
    for (const struct stix_prop *p = props; p && p->name; p++) {
        if (strcmp(p->name, name) == 0)
            return true;
    }
    return false;
}
