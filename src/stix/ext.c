/*
 * ext.c — the "extensions" property (STIX 2.1 §7.3, §11.3).
 *
 * extensions is a dictionary. Each key is either
 *   - the id of an extension-definition ("extension-definition--UUID"),
 *     whose value is an object; its extension_type, when given, is one of
 *     extension-type-enum, and the new-object kinds (new-sdo, new-sco,
 *     new-sro) only make sense on an object of a type STIX does not define;
 *   - on an SCO, the name of a predefined extension (§6: "archive-ext",
 *     "ntfs-ext", ...), whose contents the SCO tables (sco.c) check;
 *     other names are the 2.0 style of custom extension, deprecated in 2.1
 *     (§11.3): a warning.
 * On SDOs, SROs and SMOs only extension-definition ids are keys.
 */
#include <string.h>

#include "stix_int.h"

/* §6: the predefined SCO extensions. */
static const char *const ext_predefined[] = {
    "archive-ext", "ntfs-ext", "pdf-ext", "raster-image-ext", "windows-pebinary-ext",
    "http-request-ext", "icmp-ext", "socket-ext", "tcp-ext", "windows-process-ext",
    "windows-service-ext", "unix-account-ext", NULL};

static bool ext_is_predefined(const char *name)
{
    for (const char *const *p = ext_predefined; *p; p++) {
        if (strcmp(*p, name) == 0)
            return true;
    }
    return false;
}

/* Checks the value of one extension-definition-keyed extension. */
static void ext_check_defined(const json_t *val, const char *path, const struct stix_type *t,
                              struct stix_report *r)
{
    static const struct stix_prop row = {.name = "extension_type", .kind = SP_ENUM,
                                         .vocab = stix_vocab_extension_type};
    if (!json_is_object(val)) {
        stix_error(r, path, "an extension must be an object");
        return;
    }
    const json_t *et = json_object_get(val, "extension_type");
    if (!et)
        return;
    char sub[HL_MAX_PATH_BYTES];
    stix_path_key(sub, path, "extension_type");
    size_t before = r->n_errors;
    stix_check_prop(et, sub, &row, r);
    const char *s = json_string_value(et);
    if (r->n_errors == before && t && strncmp(s, "new-", 4) == 0)
        stix_error(r, sub, "'%s' is for objects of a new type, not for a '%s'", s, t->type);
}

void stix_check_extensions(const json_t *obj, const char *path, const struct stix_type *t,
                           struct stix_report *r)
{
    const json_t *exts = json_object_get(obj, "extensions");
    char base[HL_MAX_PATH_BYTES], sub[HL_MAX_PATH_BYTES];
    stix_path_key(base, path, "extensions");
    if (!json_is_object(exts))
        return; /* reported by its row */
    if (json_object_size(exts) == 0) {
        stix_error(r, base, "'extensions' must not be empty");
        return;
    }
    const char *key;
    const json_t *val;
    json_object_foreach((json_t *)exts, key, val) {
        stix_path_key(sub, base, key);
        if (stix_id_valid(key, "extension-definition")) {
            ext_check_defined(val, sub, t, r);
        } else if (strncmp(key, "extension-definition--", 22) == 0) {
            stix_error(r, sub, "'%s' is not a valid extension-definition identifier", key);
        } else if (!t || t->category != STIX_CAT_SCO) {
            if (t) /* custom objects may carry 2.0-style extensions */
                stix_error(r, sub,
                           "extensions of a '%s' must be keyed by extension-definition "
                           "identifiers, not '%s'",
                           t->type, key);
        } else if (!json_is_object(val)) {
            stix_error(r, sub, "an extension must be an object");
        } else if (!ext_is_predefined(key)) {
            stix_warn(r, sub,
                      "custom extension '%s' is deprecated in STIX 2.1; define it with an "
                      "extension-definition",
                      key);
        }
    }
}

bool stix_has_toplevel_extension(const json_t *obj)
{
    const char *key;
    const json_t *val;
    json_object_foreach(json_object_get(obj, "extensions"), key, val) {
        const char *s = json_string_value(json_object_get(val, "extension_type"));
        if (s && strcmp(s, "toplevel-property-extension") == 0)
            return true;
    }
    return false;
}
