/*
 * smo.c — the tables of the STIX Meta Objects (STIX 2.1 §7):
 * marking-definition (its rules are in marking.c), language-content and
 * extension-definition.
 *
 * The common properties of SMOs differ from the SDOs': marking-definition
 * has no modified, revoked, labels, confidence or lang (§7.2.1);
 * validate.c picks its common table by type.
 */
#include <string.h>

#include "stix_int.h"

/* §7.2.1 */
static const struct stix_prop marking_definition_props[] = {
    {.name = "name", .kind = SP_STRING},
    {.name = "definition_type", .kind = SP_OPENVOCAB, .vocab = stix_vocab_marking_type},
    {.name = "definition", .kind = SP_OBJECT},
    {0},
};

/* True if s is a language tag as RFC 5646 §2.1 shapes it: subtags of 1..8
 * letters or digits joined by '-', the first 2..8 letters (or "i"/"x"). */
static bool smo_is_language_tag(const char *s)
{
    size_t sub = 0, first = 0;
    bool in_first = true;
    for (const char *c = s;; c++) {
        if (*c == '-' || *c == '\0') {
            if (sub == 0 || sub > 8)
                return false;
            if (in_first)
                first = sub;
            in_first = false;
            sub = 0;
            if (*c == '\0')
                break;
            continue;
        }
        bool alpha = (*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z');
        if (!alpha && !(*c >= '0' && *c <= '9'))
            return false;
        if (in_first && !alpha)
            return false;
        sub++;
    }
    return first >= 2 || s[0] == 'i' || s[0] == 'x';
}

/* §7.1: contents is a dictionary keyed by RFC 5646 language tag; each
 * value is an object mapping property names of the referenced object to
 * their translations. */
static void smo_check_contents(const json_t *v, const char *path, const struct stix_prop *p,
                               struct stix_report *r)
{
    (void)p;
    const char *lang;
    const json_t *tr;
    if (json_object_size(v) == 0) {
        stix_error(r, path, "'contents' must hold at least one language");
        return;
    }
    json_object_foreach((json_t *)v, lang, tr) {
        char sub[HL_MAX_PATH_BYTES];
        stix_path_key(sub, path, lang);
        if (!smo_is_language_tag(lang))
            stix_error(r, sub, "'%s' is not a language tag (RFC 5646)", lang);
        if (!json_is_object(tr) || json_object_size(tr) == 0)
            stix_error(r, sub, "the translations for '%s' must be a non-empty object of "
                       "property names", lang);
    }
}

static const struct stix_prop language_content_props[] = {
    {.name = "object_ref", .kind = SP_ID, .required = true},
    {.name = "object_modified", .kind = SP_TIMESTAMP},
    {.name = "contents", .kind = SP_OBJECT, .required = true, .check = smo_check_contents},
    {0},
};

/* §7.3: extension_properties only with a toplevel-property-extension. */
static void smo_check_extension_definition(const json_t *obj, const char *path,
                                           const struct stix_type *t, struct stix_report *r)
{
    (void)t;
    const json_t *types = json_object_get(obj, "extension_types");
    bool toplevel = false;
    size_t i;
    const json_t *e;
    json_array_foreach((json_t *)types, i, e) {
        const char *s = json_string_value(e);
        toplevel |= s && strcmp(s, "toplevel-property-extension") == 0;
    }
    if (json_object_get(obj, "extension_properties") && !toplevel) {
        char sub[HL_MAX_PATH_BYTES];
        stix_path_key(sub, path, "extension_properties");
        stix_error(r, sub, "'extension_properties' is only for a toplevel-property-extension");
    }
}

static const struct stix_prop extension_definition_props[] = {
    {.name = "name", .kind = SP_STRING, .required = true},
    {.name = "description", .kind = SP_STRING},
    {.name = "schema", .kind = SP_STRING, .required = true},
    {.name = "version", .kind = SP_STRING, .required = true},
    {.name = "extension_types", .kind = SP_ENUM_LIST, .required = true,
     .vocab = stix_vocab_extension_type},
    {.name = "extension_properties", .kind = SP_STRING_LIST},
    {0},
};

const struct stix_type stix_smo_types[] = {
    {"marking-definition", STIX_CAT_SMO, marking_definition_props, stix_check_marking_definition,
     NULL},
    {"language-content", STIX_CAT_SMO, language_content_props, NULL, NULL},
    {"extension-definition", STIX_CAT_SMO, extension_definition_props,
     smo_check_extension_definition, NULL},
    {0},
};
