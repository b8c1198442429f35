/*
 * stix_int.h — private to src/stix/: the table-driven validator.
 *
 * Every STIX type is described by a struct stix_type: its category, its
 * properties (struct stix_prop rows: name, kind, required, vocabulary or
 * allowed reference types, numeric range, custom check) and an optional
 * whole-object check for rules that tie properties together (created <=
 * modified, "at least one of", ...). validate.c walks an object against its
 * table: common properties first, then the type's own, then unknown
 * properties (custom-property rules), then the type's object check.
 *
 * One rule lives in one place: a new rule on a property is a column of its
 * row, or a check function named after the rule, never a special case in
 * the walker.
 */
#ifndef HL_STIX_INT_H
#define HL_STIX_INT_H

#include "stix.h"

enum stix_category { STIX_CAT_SDO = 1, STIX_CAT_SRO, STIX_CAT_SMO, STIX_CAT_SCO };

enum stix_prop_kind {
    SP_STRING = 1,      /* non-empty? no: any string (STIX allows "") */
    SP_STRING_LIST,     /* non-empty list of strings */
    SP_TIMESTAMP,       /* STIX 2.1 §3.2 */
    SP_INTEGER,         /* within [min, max] */
    SP_FLOAT,           /* a number within [min, max] */
    SP_BOOLEAN,
    SP_ID,              /* identifier; ref_types restricts the type */
    SP_ID_LIST,         /* non-empty list of identifiers */
    SP_ENUM,            /* closed vocabulary: unknown value is an error */
    SP_ENUM_LIST,
    SP_OPENVOCAB,       /* open vocabulary: unknown value is allowed */
    SP_OPENVOCAB_LIST,
    SP_HASHES,          /* hashes-type, STIX 2.1 §2.7 */
    SP_DICT,            /* dictionary, STIX 2.1 §2.8 (keys 1..250 chars) */
    SP_KILL_CHAIN,      /* list of kill-chain-phase, §2.6 */
    SP_EXTERNAL_REFS,   /* list of external-reference, §2.5 */
    SP_BINARY,          /* base64 (RFC 4648 §4), §2.2 */
    SP_HEX,             /* hex string, §2.10 */
    SP_URL,             /* URL per RFC 3986, §2.13 */
    SP_OBJECT,          /* a JSON object checked only by `check` */
    SP_LIST,            /* a non-empty JSON array checked only by `check` */
    SP_ANY,             /* any JSON value, checked only by `check` */
};

struct stix_prop;
typedef void (*stix_value_check)(const json_t *v, const char *path, const struct stix_prop *p,
                                 struct stix_report *r);
struct stix_type;
typedef void (*stix_object_check)(const json_t *obj, const char *path,
                                  const struct stix_type *t, struct stix_report *r);

/* One property of a type. Rows end with {0}. */
struct stix_prop {
    const char *name;
    enum stix_prop_kind kind;
    bool required;
    const char *const *vocab;     /* SP_ENUM*, SP_OPENVOCAB*: NULL-terminated */
    const char *const *ref_types; /* SP_ID*: allowed types, NULL-terminated;
                                   * NULL = any; the entries "<sdo>",
                                   * "<sco>", "<sro>" stand for a category */
    double min, max;              /* SP_INTEGER, SP_FLOAT when min < max */
    stix_value_check check;       /* extra check after the kind's own */
};

struct stix_type {
    const char *type;
    enum stix_category category;
    const struct stix_prop *props;    /* type-specific properties */
    stix_object_check check;          /* rules across properties, or NULL */
    const char *const *id_contrib;    /* SCO: ID-contributing properties (§2.9) */
};

/* Lookup of a type's table, NULL if the type is not one hotline knows. */
const struct stix_type *stix_type_find(const char *type);

/* The tables, defined in sdo.c, sro.c, smo.c, sco.c; each ends with {0}. */
extern const struct stix_type stix_sdo_types[];
extern const struct stix_type stix_sro_types[];
extern const struct stix_type stix_smo_types[];
extern const struct stix_type stix_sco_types[];

/* Checks value v against property p (kind, vocabulary, range, refs, then
 * p->check) and reports at path. */
void stix_check_prop(const json_t *v, const char *path, const struct stix_prop *p,
                     struct stix_report *r);

/* Validates the properties of obj named in props (required ones present,
 * each present one checked); marks nothing else. */
void stix_check_props(const json_t *obj, const char *path, const struct stix_prop *props,
                      struct stix_report *r);

/* True if name is a property of props. */
bool stix_props_has(const struct stix_prop *props, const char *name);

/* Category of an identifier's type prefix (0 if unknown: custom types). */
int stix_id_category(const char *id);

/* Paths. Each writes "<base>.<key>" ("<key>" if base is empty) or
 * "<base>[i]" into out (HL_MAX_PATH_BYTES), cutting with "…" if longer. */
void stix_path_key(char out[HL_MAX_PATH_BYTES], const char *base, const char *key);
void stix_path_index(char out[HL_MAX_PATH_BYTES], const char *base, size_t i);

/* Shorthands for reporting. */
#define stix_error(r, path, ...) stix_report_add((r), STIX_SEV_ERROR, (path), __VA_ARGS__)
#define stix_warn(r, path, ...) stix_report_add((r), STIX_SEV_WARNING, (path), __VA_ARGS__)


/* ---- vocabularies (vocab.c, STIX 2.1 §10), NULL-terminated ------------- */
extern const char *const stix_vocab_attack_motivation[];
extern const char *const stix_vocab_attack_resource_level[];
extern const char *const stix_vocab_grouping_context[];
extern const char *const stix_vocab_identity_class[];
extern const char *const stix_vocab_implementation_language[];
extern const char *const stix_vocab_indicator_type[];
extern const char *const stix_vocab_industry_sector[];
extern const char *const stix_vocab_infrastructure_type[];
extern const char *const stix_vocab_malware_result[];
extern const char *const stix_vocab_malware_capabilities[];
extern const char *const stix_vocab_malware_type[];
extern const char *const stix_vocab_opinion[];
extern const char *const stix_vocab_pattern_type[];
extern const char *const stix_vocab_processor_architecture[];
extern const char *const stix_vocab_region[];
extern const char *const stix_vocab_report_type[];
extern const char *const stix_vocab_threat_actor_type[];
extern const char *const stix_vocab_threat_actor_role[];
extern const char *const stix_vocab_threat_actor_sophistication[];
extern const char *const stix_vocab_tool_type[];
extern const char *const stix_vocab_extension_type[];
extern const char *const stix_vocab_marking_type[];

/* ---- checks shared by the tables (value checks for `check` columns) ---- */

/* granular_markings (marking.c, STIX 2.1 §7.2.3): each entry has selectors
 * that resolve in the object holding the list, and marking_ref or lang. The
 * object is found as the value's parent, so this is an object check: */
void stix_check_granular_markings(const json_t *obj, const char *path, struct stix_report *r);

/* extensions (ext.c, STIX 2.1 §7.3): keys are extension-definition ids
 * whose values carry a valid extension_type, or (SCOs only) predefined
 * extension names, whose contents the SCO tables check. */
void stix_check_extensions(const json_t *obj, const char *path, const struct stix_type *t,
                           struct stix_report *r);
/* True if obj's extensions hold a toplevel-property-extension (§11.1). */
bool stix_has_toplevel_extension(const json_t *obj);

/* Reports an error at path (the later property) unless the timestamp
 * property `early` of obj is before (strict) or not after `late`; either
 * missing or malformed: nothing (their own rows report that). */
void stix_check_time_order(const json_t *obj, const char *path, const char *early,
                           const char *late, bool strict, struct stix_report *r);

/* The object check of marking-definition (marking.c, §7.2.1): statement,
 * TLP 1.0 and TLP 2.0 definitions. */
void stix_check_marking_definition(const json_t *obj, const char *path,
                                   const struct stix_type *t, struct stix_report *r);

#endif
