/*
 * validate.c — the walker: documents (lone object, bundle, TAXII
 * envelope), then each object against the common properties of its
 * category (STIX 2.1 §3.2), its type's table (sdo.c, sro.c, smo.c,
 * sco.c), the custom-content rules (§11) and its type's object check.
 *
 * Order for one object, each step reporting and going on:
 *   1. type (§3.1 syntax) and id (§2.9: type--UUID of that type; SDO and
 *      SRO ids SHOULD be UUIDv4). Without a usable type nothing else runs.
 *   2. common properties: the table of the category (SDO/SRO and the
 *      language-content and extension-definition SMOs; marking-definition;
 *      SCO; or, for a type hotline does not know, all optional);
 *      created <= modified; extensions (ext.c); granular markings
 *      (marking.c).
 *   3. the type's own rows, then every other property as a custom one.
 *   4. the type's object check.
 * Nothing here allocates, except the report's findings.
 */
#include <string.h>

#include "stix_int.h"

static const char *const ref_identity[] = {"identity", NULL};
static const char *const ref_marking[] = {"marking-definition", NULL};

/* §3.2: spec_version is "2.1" for STIX 2.1 content. */
static void check_spec_version(const json_t *v, const char *path, const struct stix_prop *p,
                               struct stix_report *r)
{
    (void)p;
    if (strcmp(json_string_value(v), "2.1") != 0)
        stix_error(r, path, "'spec_version' must be \"2.1\", not \"%s\"", json_string_value(v));
}

/* §3.2: created and modified "MUST be precise to the nearest millisecond"
 * at least: three or more fraction digits. */
static void check_ms_precision(const json_t *v, const char *path, const struct stix_prop *p,
                               struct stix_report *r)
{
    const char *s = json_string_value(v);
    const char *dot = strchr(s, '.');
    if (!dot || strlen(dot + 1) < 4) /* three digits and the Z */
        stix_error(r, path, "'%s' (%s) must have at least millisecond precision", p->name, s);
}

#define COMMON_REFS                                                                            \
    {.name = "object_marking_refs", .kind = SP_ID_LIST, .ref_types = ref_marking},           \
        {.name = "granular_markings", .kind = SP_LIST},                                      \
        {.name = "extensions", .kind = SP_OBJECT}

/* §3.2: SDOs, SROs, language-content (§7.1), extension-definition (§7.3). */
static const struct stix_prop common_sdo[] = {
    {.name = "spec_version", .kind = SP_STRING, .required = true, .check = check_spec_version},
    {.name = "created_by_ref", .kind = SP_ID, .ref_types = ref_identity},
    {.name = "created", .kind = SP_TIMESTAMP, .required = true, .check = check_ms_precision},
    {.name = "modified", .kind = SP_TIMESTAMP, .required = true, .check = check_ms_precision},
    {.name = "revoked", .kind = SP_BOOLEAN},
    {.name = "labels", .kind = SP_STRING_LIST},
    {.name = "confidence", .kind = SP_INTEGER, .min = 0, .max = 100},
    {.name = "lang", .kind = SP_STRING},
    {.name = "external_references", .kind = SP_EXTERNAL_REFS},
    COMMON_REFS,
    {0},
};

/* §7.2.1: marking-definition has no modified, revoked, labels, confidence
 * or lang. */
static const struct stix_prop common_marking[] = {
    {.name = "spec_version", .kind = SP_STRING, .required = true, .check = check_spec_version},
    {.name = "created_by_ref", .kind = SP_ID, .ref_types = ref_identity},
    {.name = "created", .kind = SP_TIMESTAMP, .required = true, .check = check_ms_precision},
    {.name = "external_references", .kind = SP_EXTERNAL_REFS},
    COMMON_REFS,
    {0},
};

/* §6.1: SCOs; spec_version is optional. */
static const struct stix_prop common_sco[] = {
    {.name = "spec_version", .kind = SP_STRING, .check = check_spec_version},
    {.name = "defanged", .kind = SP_BOOLEAN},
    COMMON_REFS,
    {0},
};

/* §11.2: a custom object; what is present is checked as usual. */
static const struct stix_prop common_custom[] = {
    {.name = "spec_version", .kind = SP_STRING, .check = check_spec_version},
    {.name = "created_by_ref", .kind = SP_ID, .ref_types = ref_identity},
    {.name = "created", .kind = SP_TIMESTAMP, .check = check_ms_precision},
    {.name = "modified", .kind = SP_TIMESTAMP, .check = check_ms_precision},
    {.name = "revoked", .kind = SP_BOOLEAN},
    {.name = "labels", .kind = SP_STRING_LIST},
    {.name = "confidence", .kind = SP_INTEGER, .min = 0, .max = 100},
    {.name = "lang", .kind = SP_STRING},
    {.name = "external_references", .kind = SP_EXTERNAL_REFS},
    {.name = "defanged", .kind = SP_BOOLEAN},
    COMMON_REFS,
    {0},
};

static const struct stix_prop *common_props_for(const struct stix_type *t)
{
    if (!t)
        return common_custom;
    if (t->category == STIX_CAT_SCO)
        return common_sco;
    if (strcmp(t->type, "marking-definition") == 0)
        return common_marking;
    return common_sdo;
}

void stix_check_time_order(const json_t *obj, const char *path, const char *early,
                           const char *late, bool strict, struct stix_report *r)
{
    const char *a = json_string_value(json_object_get(obj, early));
    const char *b = json_string_value(json_object_get(obj, late));
    struct stix_time ta, tb;
    if (!a || !b || !stix_time_parse(a, &ta) || !stix_time_parse(b, &tb))
        return;
    int c = stix_time_cmp(&tb, &ta);
    if (c < 0 || (strict && c == 0)) {
        char sub[HL_MAX_PATH_BYTES];
        stix_path_key(sub, path, late);
        stix_error(r, sub, "'%s' (%s) must be %s '%s' (%s)", late, b,
                   strict ? "later than" : "later than or equal to", early, a);
    }
}

/* True if name is a valid custom property name (§11.1): 3..250 characters
 * of a-z, 0-9 and '_', beginning with a letter (§3.1). */
static bool custom_name_valid(const char *name)
{
    size_t n = strlen(name);
    if (n < 3 || n > 250 || name[0] < 'a' || name[0] > 'z')
        return false;
    for (const char *c = name; *c; c++) {
        if (!((*c >= 'a' && *c <= 'z') || (*c >= '0' && *c <= '9') || *c == '_'))
            return false;
    }
    return true;
}

/* Every property that is neither common nor the type's own (§11.1). */
static void check_custom_props(const json_t *obj, const char *path, const struct stix_type *t,
                               const struct stix_prop *common, struct stix_report *r)
{
    const char *key;
    const json_t *val;
    int toplevel = -1; /* unknown until needed */
    json_object_foreach((json_t *)obj, key, val) {
        if (strcmp(key, "type") == 0 || strcmp(key, "id") == 0 || stix_props_has(common, key) ||
            (t && stix_props_has(t->props, key)))
            continue;
        char sub[HL_MAX_PATH_BYTES];
        stix_path_key(sub, path, key);
        if (!custom_name_valid(key)) {
            stix_error(r, sub,
                       "'%s' is not a property of %s, nor a valid custom property name "
                       "(3 to 250 characters of a-z, 0-9 and '_', starting with a letter)",
                       key, t ? t->type : "known");
            continue;
        }
        if (!t)
            continue; /* the object's type is unknown, and so are its properties */
        if (toplevel < 0)
            toplevel = stix_has_toplevel_extension(obj);
        if (!toplevel)
            stix_warn(r, sub,
                      "custom property '%s' is deprecated in STIX 2.1: declare it with a "
                      "toplevel-property-extension",
                      key);
    }
}

/* §2.9, §3.1: type and id. Returns the type name, NULL if unusable. */
static const char *check_type_and_id(const json_t *obj, const char *path, struct stix_report *r)
{
    char sub[HL_MAX_PATH_BYTES];
    const json_t *tv = json_object_get(obj, "type");
    const char *type = json_string_value(tv);
    stix_path_key(sub, path, "type");
    if (!tv) {
        stix_error(r, sub, "required property 'type' is missing");
        return NULL;
    }
    char probe[STIX_ID_MAX + 8];
    if (!type || strlen(type) > 250 ||
        snprintf(probe, sizeof probe, "%s--00000000-0000-4000-8000-000000000000", type) < 0 ||
        !stix_id_valid(probe, NULL)) {
        stix_error(r, sub,
                   "'type' must be 3 to 250 characters of a-z, 0-9 and '-', starting with a "
                   "letter");
        return NULL;
    }
    const json_t *iv = json_object_get(obj, "id");
    const char *id = json_string_value(iv);
    stix_path_key(sub, path, "id");
    if (!iv)
        stix_error(r, sub, "required property 'id' is missing");
    else if (!id || !stix_id_valid(id, NULL))
        stix_error(r, sub, "'id' must be '%s--' followed by an RFC 4122 UUID", type);
    else if (!stix_id_valid(id, type))
        stix_error(r, sub, "the id '%s' does not start with the object's type '%s--'", id, type);
    return type;
}

void stix_validate_object(const json_t *obj, const char *path, struct stix_report *r)
{
    if (!json_is_object(obj)) {
        stix_error(r, path, "a STIX object must be a JSON object");
        return;
    }
    const char *type = check_type_and_id(obj, path, r);
    if (!type)
        return;
    const struct stix_type *t = stix_type_find(type);
    const char *id = json_string_value(json_object_get(obj, "id"));
    char sub[HL_MAX_PATH_BYTES];
    if (!t) /* §11.2 */
        stix_warn(r, path, "'%s' is not a STIX 2.1 type; hotline cannot check this object",
                  type);
    else if ((t->category == STIX_CAT_SDO || t->category == STIX_CAT_SRO) && id &&
             stix_id_valid(id, type) && id[strlen(id) - 22] != '4') {
        stix_path_key(sub, path, "id");
        stix_warn(r, sub, "the UUID of an %s id should be version 4 (random), §2.9",
                  t->category == STIX_CAT_SDO ? "SDO" : "SRO");
    }
    const struct stix_prop *common = common_props_for(t);
    stix_check_props(obj, path, common, r);
    stix_check_time_order(obj, path, "created", "modified", false, r); /* §3.2 */
    if (json_is_object(json_object_get(obj, "extensions")))
        stix_check_extensions(obj, path, t, r);
    if (json_is_array(json_object_get(obj, "granular_markings")))
        stix_check_granular_markings(obj, path, r);
    if (t)
        stix_check_props(obj, path, t->props, r);
    check_custom_props(obj, path, t, common, r);
    if (t && t->check)
        t->check(obj, path, t, r);
}

/* Validates each element of doc's "objects" list. */
static void validate_objects(const json_t *doc, struct stix_report *r)
{
    const json_t *objects = json_object_get(doc, "objects");
    if (!objects)
        return;
    if (!json_is_array(objects)) {
        stix_error(r, "objects", "'objects' must be a list");
        return;
    }
    if (json_array_size(objects) > HL_MAX_OBJECTS) {
        stix_error(r, "objects", "more than %d objects in one document", HL_MAX_OBJECTS);
        return;
    }
    size_t i;
    const json_t *o;
    json_array_foreach((json_t *)objects, i, o) {
        char path[HL_MAX_PATH_BYTES];
        stix_path_index(path, "objects", i);
        stix_validate_object(o, path, r);
    }
}

/* §8: type "bundle", id bundle--UUID, objects; no spec_version in 2.1. */
static void validate_bundle(const json_t *doc, struct stix_report *r)
{
    const char *key;
    const json_t *val;
    const char *id = json_string_value(json_object_get(doc, "id"));
    if (!id || !stix_id_valid(id, "bundle"))
        stix_error(r, "id", "a bundle needs an 'id' of the form bundle--UUID (RFC 4122)");
    json_object_foreach((json_t *)doc, key, val) {
        if (strcmp(key, "type") == 0 || strcmp(key, "id") == 0 || strcmp(key, "objects") == 0)
            continue;
        if (strcmp(key, "spec_version") == 0)
            stix_warn(r, key, "a STIX 2.1 bundle has no 'spec_version' (that was STIX 2.0)");
        else
            stix_warn(r, key, "'%s' is not a property of a bundle", key);
    }
    validate_objects(doc, r);
}

/* TAXII 2.1 §3.7 envelope: more (boolean), next (string), objects. */
static void validate_envelope(const json_t *doc, struct stix_report *r)
{
    const json_t *more = json_object_get(doc, "more"), *next = json_object_get(doc, "next");
    if (more && !json_is_boolean(more))
        stix_error(r, "more", "'more' must be true or false");
    if (next && !json_is_string(next))
        stix_error(r, "next", "'next' must be a string");
    validate_objects(doc, r);
}

void stix_validate_document(const json_t *doc, struct stix_report *r)
{
    switch (stix_doc_kind(doc)) {
    case STIX_DOC_OBJECT: stix_validate_object(doc, "", r); break;
    case STIX_DOC_BUNDLE: validate_bundle(doc, r); break;
    case STIX_DOC_ENVELOPE: validate_envelope(doc, r); break;
    default:
        stix_error(r, "", "not a STIX object, a bundle or a TAXII envelope: no 'type', "
                          "and no 'objects' list");
        break;
    }
}
