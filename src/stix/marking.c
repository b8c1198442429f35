/*
 * marking.c — data markings (STIX 2.1 §7.2): granular markings and their
 * selectors, and the marking-definition object check (statement, TLP 1.0
 * and the official TLP 2.0 definitions).
 *
 * Selectors (§7.2.3.1) are paths into the object that carries them:
 * property names separated by ".", list indexes written "[n]" as a step of
 * their own: "description", "labels.[1]",
 * "external_references.[0].source_name". A selector MUST resolve to a
 * property or element of the object; one that does not is an error.
 *
 * TLP. TLP 1.0 (§7.2.1.4): only the four marking-definitions published in
 * the specification may represent TLP; any other object with
 * definition_type "tlp" is an error, as is a copy with a changed id. TLP
 * 2.0 is defined outside the specification, by the extension
 * extension-definition--60a3c5c5-0d10-413e-aab3-9e08dde9e88d
 * (cti-stix-common-objects, property "tlp_2_0"); hotline holds it to the
 * same rule: the level must match one of the five official ids.
 */
#include <string.h>

#include "stix_int.h"

#define TLP2_EXTENSION "extension-definition--60a3c5c5-0d10-413e-aab3-9e08dde9e88d"

static const struct {
    const char *level;
    const char *id;
} tlp1[] = {
    /* §7.2.1.4, created 2017-01-20T00:00:00.000Z */
    {"white", "marking-definition--613f2e26-407d-48c7-9eca-b8e91df99dc9"},
    {"green", "marking-definition--34098fce-860f-48ae-8e50-ebd3cc5e41da"},
    {"amber", "marking-definition--f88d31f6-486f-44da-b317-01333bde0b82"},
    {"red", "marking-definition--5e57c739-391a-4eb3-b6be-7d15ca92d5ed"},
}, tlp2[] = {
    /* the official TLP 2.0 marking-definitions, created 2022-10-01 */
    {"clear", "marking-definition--94868c89-83c2-464b-929b-a1a8aa3c8487"},
    {"green", "marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb"},
    {"amber", "marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421"},
    {"amber+strict", "marking-definition--939a9414-2ddd-4d32-a0cd-375ea402b003"},
    {"red", "marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1"},
};

/* Resolves one selector step by step. Returns NULL if it resolves, else
 * the step (borrowed from sel, NUL-terminated in buf) that failed. */
static const char *marking_resolve(const json_t *obj, const char *sel, char *buf, size_t cap)
{
    const json_t *cur = obj;
    const char *p = sel;
    for (;;) {
        const char *dot = strchr(p, '.');
        size_t n = dot ? (size_t)(dot - p) : strlen(p);
        if (n == 0 || n >= cap)
            return "";
        memcpy(buf, p, n);
        buf[n] = '\0';
        if (buf[0] == '[' && buf[n - 1] == ']') {
            long long i;
            buf[n - 1] = '\0';
            bool ok = hl_parse_int(buf + 1, 0, HL_MAX_OBJECTS, &i) && json_is_array(cur) &&
                      (size_t)i < json_array_size(cur);
            buf[n - 1] = ']';
            if (!ok)
                return buf;
            cur = json_array_get(cur, (size_t)i);
        } else {
            cur = json_is_object(cur) ? json_object_get(cur, buf) : NULL;
            if (!cur)
                return buf;
        }
        if (!dot)
            return NULL;
        p = dot + 1;
    }
}

static void marking_check_selectors(const json_t *obj, const json_t *sels, const char *path,
                                    struct stix_report *r)
{
    size_t i;
    const json_t *s;
    json_array_foreach((json_t *)sels, i, s) {
        const char *sel = json_string_value(s);
        char step[256], sub[HL_MAX_PATH_BYTES];
        if (!sel)
            continue; /* reported by the row */
        const char *bad = marking_resolve(obj, sel, step, sizeof step);
        if (bad) {
            stix_path_index(sub, path, i);
            stix_error(r, sub, "selector '%s' does not resolve in the object (at '%s')", sel,
                       bad);
        }
    }
}

void stix_check_granular_markings(const json_t *obj, const char *path, struct stix_report *r)
{
    static const char *const ref_marking[] = {"marking-definition", NULL};
    static const struct stix_prop gm[] = {
        {.name = "selectors", .kind = SP_STRING_LIST, .required = true},
        {.name = "marking_ref", .kind = SP_ID, .ref_types = ref_marking},
        {.name = "lang", .kind = SP_STRING},
        {0},
    };
    char base[HL_MAX_PATH_BYTES], sub[HL_MAX_PATH_BYTES], sel_path[HL_MAX_PATH_BYTES];
    stix_path_key(base, path, "granular_markings");
    size_t i;
    const json_t *m;
    json_array_foreach(json_object_get(obj, "granular_markings"), i, m) {
        stix_path_index(sub, base, i);
        if (!json_is_object(m)) {
            stix_error(r, sub, "a granular marking must be an object");
            continue;
        }
        stix_check_props(m, sub, gm, r);
        bool ref = json_object_get(m, "marking_ref"), lang = json_object_get(m, "lang");
        if (ref == lang) /* §7.2.3: exactly one of marking_ref and lang */
            stix_error(r, sub, "a granular marking needs exactly one of 'marking_ref' and 'lang'");
        const json_t *sels = json_object_get(m, "selectors");
        if (json_is_array(sels)) {
            stix_path_key(sel_path, sub, "selectors");
            marking_check_selectors(obj, sels, sel_path, r);
        }
    }
}

/* TLP 1.0 (§7.2.1.4): definition {"tlp": level}, id of that level. */
static void marking_check_tlp1(const json_t *obj, const json_t *def, const char *path,
                               struct stix_report *r)
{
    const char *level = json_string_value(json_object_get(def, "tlp"));
    const char *id = json_string_value(json_object_get(obj, "id"));
    char sub[HL_MAX_PATH_BYTES];
    stix_path_key(sub, path, "definition");
    for (size_t i = 0; level && i < sizeof tlp1 / sizeof tlp1[0]; i++) {
        if (strcmp(level, tlp1[i].level) != 0)
            continue;
        if (id && strcmp(id, tlp1[i].id) != 0) {
            stix_path_key(sub, path, "id");
            stix_error(r, sub, "TLP:%s must be the predefined marking-definition %s",
                       tlp1[i].level, tlp1[i].id);
        }
        return;
    }
    stix_error(r, sub, "a TLP definition must be {\"tlp\": \"white\"|\"green\"|\"amber\"|\"red\"}");
}

/* The TLP 2.0 extension: tlp_2_0 is a level whose official id is obj's. */
static void marking_check_tlp2(const json_t *obj, const json_t *ext, const char *path,
                               struct stix_report *r)
{
    const char *level = json_string_value(json_object_get(ext, "tlp_2_0"));
    const char *id = json_string_value(json_object_get(obj, "id"));
    char sub[HL_MAX_PATH_BYTES];
    for (size_t i = 0; level && i < sizeof tlp2 / sizeof tlp2[0]; i++) {
        if (strcmp(level, tlp2[i].level) != 0)
            continue;
        if (id && strcmp(id, tlp2[i].id) != 0) {
            stix_path_key(sub, path, "id");
            stix_error(r, sub, "TLP 2.0 %s must be the official marking-definition %s", level,
                       tlp2[i].id);
        }
        return;
    }
    char epath[HL_MAX_PATH_BYTES];
    stix_path_key(epath, path, "extensions");
    stix_path_key(sub, epath, TLP2_EXTENSION);
    stix_path_key(epath, sub, "tlp_2_0");
    stix_error(r, epath, "'tlp_2_0' must be clear, green, amber, amber+strict or red");
}

void stix_check_marking_definition(const json_t *obj, const char *path,
                                   const struct stix_type *t, struct stix_report *r)
{
    (void)t;
    const char *dtype = json_string_value(json_object_get(obj, "definition_type"));
    const json_t *def = json_object_get(obj, "definition");
    const json_t *exts = json_object_get(obj, "extensions");
    const json_t *tlp2ext = json_object_get(exts, TLP2_EXTENSION);
    char sub[HL_MAX_PATH_BYTES];
    if (!!json_object_get(obj, "definition_type") != !!def) {
        stix_path_key(sub, path, def ? "definition" : "definition_type");
        stix_error(r, sub, "'definition_type' and 'definition' must be given together");
    } else if (!def && json_object_size(exts) == 0) {
        stix_error(r, path,
                   "a marking-definition needs 'definition_type' and 'definition', or an "
                   "extension that defines the marking");
    }
    if (dtype && json_is_object(def) && strcmp(dtype, "statement") == 0) {
        static const struct stix_prop st[] = {
            {.name = "statement", .kind = SP_STRING, .required = true}, {0}};
        stix_path_key(sub, path, "definition");
        stix_check_props(def, sub, st, r); /* §7.2.1.3 */
    } else if (dtype && json_is_object(def) && strcmp(dtype, "tlp") == 0) {
        marking_check_tlp1(obj, def, path, r);
    }
    if (json_is_object(tlp2ext))
        marking_check_tlp2(obj, tlp2ext, path, r);
}
