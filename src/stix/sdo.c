/*
 * sdo.c — the tables of the STIX Domain Objects (STIX 2.1 §4): for each of
 * the 19 SDO types its own properties (the common ones, §3.2, are
 * validate.c's) and, where the spec ties properties together, an object
 * check named after the rule.
 *
 * Conventions: a row is required only where the spec says "required"; open
 * vocabularies (§10, "-ov") are SP_OPENVOCAB*, closed ones ("-enum")
 * SP_ENUM*; reference rows list the types the spec allows.
 */
#include <string.h>

#include "pattern/pattern.h"
#include "stix_int.h"

static const char *const ref_software[] = {"software", NULL};
static const char *const ref_sample[] = {"file", "artifact", NULL};
static const char *const ref_analysis_sample[] = {"file", "network-traffic", "artifact", NULL};
static const char *const ref_sco[] = {"<sco>", NULL};
static const char *const ref_observed[] = {"<sco>", "relationship", NULL};

#define NAME_REQ {.name = "name", .kind = SP_STRING, .required = true}
#define DESCRIPTION {.name = "description", .kind = SP_STRING}
#define ALIASES {.name = "aliases", .kind = SP_STRING_LIST}
#define KILL_CHAIN {.name = "kill_chain_phases", .kind = SP_KILL_CHAIN}
#define FIRST_SEEN {.name = "first_seen", .kind = SP_TIMESTAMP}
#define LAST_SEEN {.name = "last_seen", .kind = SP_TIMESTAMP}
#define OBJECT_REFS_REQ {.name = "object_refs", .kind = SP_ID_LIST, .required = true}
#define OV(n, v) {.name = (n), .kind = SP_OPENVOCAB, .vocab = (v)}
#define OV_LIST(n, v) {.name = (n), .kind = SP_OPENVOCAB_LIST, .vocab = (v)}

/* "last_seen MUST be greater than or equal to first_seen" (§4.2, §4.8,
 * §4.9, §4.11, §4.17). */
static void sdo_check_seen_order(const json_t *obj, const char *path, const struct stix_type *t,
                                 struct stix_report *r)
{
    (void)t;
    stix_check_time_order(obj, path, "first_seen", "last_seen", false, r);
}

/* §4.1 */
static const struct stix_prop attack_pattern_props[] = {
    NAME_REQ, DESCRIPTION, ALIASES, KILL_CHAIN, {0},
};

/* §4.2 */
static const struct stix_prop campaign_props[] = {
    NAME_REQ, DESCRIPTION, ALIASES, FIRST_SEEN, LAST_SEEN,
    {.name = "objective", .kind = SP_STRING}, {0},
};

/* §4.3: "action" is reserved and MUST NOT be used. */
static void sdo_check_no_action(const json_t *v, const char *path, const struct stix_prop *p,
                                struct stix_report *r)
{
    (void)v;
    stix_error(r, path, "'%s' is reserved in STIX 2.1 and must not be used", p->name);
}
static const struct stix_prop course_of_action_props[] = {
    NAME_REQ, DESCRIPTION, {.name = "action", .kind = SP_ANY, .check = sdo_check_no_action}, {0},
};

/* §4.4 */
static const struct stix_prop grouping_props[] = {
    {.name = "name", .kind = SP_STRING}, DESCRIPTION,
    {.name = "context", .kind = SP_OPENVOCAB, .required = true,
     .vocab = stix_vocab_grouping_context},
    OBJECT_REFS_REQ, {0},
};

/* §4.5 */
static const struct stix_prop identity_props[] = {
    NAME_REQ, DESCRIPTION, {.name = "roles", .kind = SP_STRING_LIST},
    OV("identity_class", stix_vocab_identity_class),
    OV_LIST("sectors", stix_vocab_industry_sector),
    {.name = "contact_information", .kind = SP_STRING}, {0},
};

/* §4.6 */
static const struct stix_prop incident_props[] = {NAME_REQ, DESCRIPTION, KILL_CHAIN, {0}};

/* §4.7: a pattern of pattern_type "stix" follows STIX Patterning (§9). */
static void sdo_check_indicator(const json_t *obj, const char *path, const struct stix_type *t,
                                struct stix_report *r)
{
    (void)t;
    /* "valid_until MUST be greater than valid_from" */
    stix_check_time_order(obj, path, "valid_from", "valid_until", true, r);
    const char *type = json_string_value(json_object_get(obj, "pattern_type"));
    const json_t *pattern = json_object_get(obj, "pattern");
    if (!type || strcmp(type, "stix") != 0 || !json_is_string(pattern))
        return;
    struct hl_error err;
    hl_error_clear(&err);
    char sub[HL_MAX_PATH_BYTES];
    stix_path_key(sub, path, "pattern");
    if (json_string_length(pattern) > HL_MAX_PATTERN_BYTES) {
        stix_error(r, sub, "the pattern is longer than %u bytes", HL_MAX_PATTERN_BYTES);
        return;
    }
    if (pattern_check(json_string_value(pattern), json_string_length(pattern), &err) != 0)
        stix_error(r, sub, "not a valid STIX pattern (§9)%s%s: %s", err.where[0] ? " at " : "",
                   err.where, err.msg[0] ? err.msg : hl_strerror(err.code));
}
static const struct stix_prop indicator_props[] = {
    {.name = "name", .kind = SP_STRING}, DESCRIPTION,
    OV_LIST("indicator_types", stix_vocab_indicator_type),
    {.name = "pattern", .kind = SP_STRING, .required = true},
    {.name = "pattern_type", .kind = SP_OPENVOCAB, .required = true,
     .vocab = stix_vocab_pattern_type},
    {.name = "pattern_version", .kind = SP_STRING},
    {.name = "valid_from", .kind = SP_TIMESTAMP, .required = true},
    {.name = "valid_until", .kind = SP_TIMESTAMP}, KILL_CHAIN, {0},
};

/* §4.8 */
static const struct stix_prop infrastructure_props[] = {
    NAME_REQ, DESCRIPTION, OV_LIST("infrastructure_types", stix_vocab_infrastructure_type),
    ALIASES, KILL_CHAIN, FIRST_SEEN, LAST_SEEN, {0},
};

/* §4.9 */
static const struct stix_prop intrusion_set_props[] = {
    NAME_REQ, DESCRIPTION, ALIASES, FIRST_SEEN, LAST_SEEN,
    {.name = "goals", .kind = SP_STRING_LIST},
    OV("resource_level", stix_vocab_attack_resource_level),
    OV("primary_motivation", stix_vocab_attack_motivation),
    OV_LIST("secondary_motivations", stix_vocab_attack_motivation), {0},
};

/* §4.10: at least one of region, country, or latitude and longitude;
 * latitude and longitude together; precision only with both. */
static void sdo_check_location(const json_t *obj, const char *path, const struct stix_type *t,
                               struct stix_report *r)
{
    (void)t;
    bool lat = json_object_get(obj, "latitude"), lon = json_object_get(obj, "longitude");
    char sub[HL_MAX_PATH_BYTES];
    if (lat != lon) {
        stix_path_key(sub, path, lat ? "latitude" : "longitude");
        stix_error(r, sub, "'latitude' and 'longitude' must be given together");
    }
    if (json_object_get(obj, "precision") && !(lat && lon)) {
        stix_path_key(sub, path, "precision");
        stix_error(r, sub, "'precision' requires both 'latitude' and 'longitude'");
    }
    if (!json_object_get(obj, "region") && !json_object_get(obj, "country") && !(lat && lon))
        stix_error(r, path,
                   "a location needs at least one of 'region', 'country', or 'latitude' and "
                   "'longitude'");
}
static const struct stix_prop location_props[] = {
    {.name = "name", .kind = SP_STRING}, DESCRIPTION,
    {.name = "latitude", .kind = SP_FLOAT, .min = -90, .max = 90},
    {.name = "longitude", .kind = SP_FLOAT, .min = -180, .max = 180},
    {.name = "precision", .kind = SP_FLOAT, .min = 0, .max = 1e308},
    OV("region", stix_vocab_region), {.name = "country", .kind = SP_STRING},
    {.name = "administrative_area", .kind = SP_STRING}, {.name = "city", .kind = SP_STRING},
    {.name = "street_address", .kind = SP_STRING}, {.name = "postal_code", .kind = SP_STRING},
    {0},
};

/* §4.11: "name MUST be present if is_family is true". */
static void sdo_check_malware(const json_t *obj, const char *path, const struct stix_type *t,
                              struct stix_report *r)
{
    sdo_check_seen_order(obj, path, t, r);
    if (json_is_true(json_object_get(obj, "is_family")) && !json_object_get(obj, "name")) {
        char sub[HL_MAX_PATH_BYTES];
        stix_path_key(sub, path, "name");
        stix_error(r, sub, "a malware family ('is_family': true) must have a 'name'");
    }
}
static const struct stix_prop malware_props[] = {
    {.name = "name", .kind = SP_STRING}, DESCRIPTION,
    OV_LIST("malware_types", stix_vocab_malware_type),
    {.name = "is_family", .kind = SP_BOOLEAN, .required = true}, ALIASES, KILL_CHAIN,
    FIRST_SEEN, LAST_SEEN,
    {.name = "operating_system_refs", .kind = SP_ID_LIST, .ref_types = ref_software},
    OV_LIST("architecture_execution_envs", stix_vocab_processor_architecture),
    OV_LIST("implementation_languages", stix_vocab_implementation_language),
    OV_LIST("capabilities", stix_vocab_malware_capabilities),
    {.name = "sample_refs", .kind = SP_ID_LIST, .ref_types = ref_sample}, {0},
};

/* §4.12: "One of result or analysis_sco_refs MUST be provided." */
static void sdo_check_malware_analysis(const json_t *obj, const char *path,
                                       const struct stix_type *t, struct stix_report *r)
{
    (void)t;
    if (!json_object_get(obj, "result") && !json_object_get(obj, "analysis_sco_refs"))
        stix_error(r, path, "a malware-analysis needs 'result' or 'analysis_sco_refs'");
    stix_check_time_order(obj, path, "analysis_started", "analysis_ended", false, r);
}
static const struct stix_prop malware_analysis_props[] = {
    {.name = "product", .kind = SP_STRING, .required = true},
    {.name = "version", .kind = SP_STRING},
    {.name = "host_vm_ref", .kind = SP_ID, .ref_types = ref_software},
    {.name = "operating_system_ref", .kind = SP_ID, .ref_types = ref_software},
    {.name = "installed_software_refs", .kind = SP_ID_LIST, .ref_types = ref_software},
    {.name = "configuration_version", .kind = SP_STRING},
    {.name = "modules", .kind = SP_STRING_LIST},
    {.name = "analysis_engine_version", .kind = SP_STRING},
    {.name = "analysis_definition_version", .kind = SP_STRING},
    {.name = "submitted", .kind = SP_TIMESTAMP}, {.name = "analysis_started", .kind = SP_TIMESTAMP},
    {.name = "analysis_ended", .kind = SP_TIMESTAMP}, {.name = "result_name", .kind = SP_STRING},
    OV("result", stix_vocab_malware_result),
    {.name = "analysis_sco_refs", .kind = SP_ID_LIST, .ref_types = ref_sco},
    {.name = "sample_ref", .kind = SP_ID, .ref_types = ref_analysis_sample}, {0},
};

/* §4.13 */
static const struct stix_prop note_props[] = {
    {.name = "abstract", .kind = SP_STRING},
    {.name = "content", .kind = SP_STRING, .required = true},
    {.name = "authors", .kind = SP_STRING_LIST}, OBJECT_REFS_REQ, {0},
};

/* §4.14: first_observed <= last_observed; exactly one of objects and
 * object_refs; objects is deprecated (SHOULD NOT be used). */
static void sdo_check_observed_data(const json_t *obj, const char *path,
                                    const struct stix_type *t, struct stix_report *r)
{
    (void)t;
    stix_check_time_order(obj, path, "first_observed", "last_observed", false, r);
    bool objects = json_object_get(obj, "objects"), refs = json_object_get(obj, "object_refs");
    char sub[HL_MAX_PATH_BYTES];
    stix_path_key(sub, path, "objects");
    if (objects && refs)
        stix_error(r, sub, "observed-data must not have both 'objects' and 'object_refs'");
    else if (!objects && !refs)
        stix_error(r, path, "observed-data needs 'object_refs' (or the deprecated 'objects')");
    else if (objects)
        stix_warn(r, sub, "'objects' is deprecated in STIX 2.1; use 'object_refs' to SCOs");
}
static const struct stix_prop observed_data_props[] = {
    {.name = "first_observed", .kind = SP_TIMESTAMP, .required = true},
    {.name = "last_observed", .kind = SP_TIMESTAMP, .required = true},
    {.name = "number_observed", .kind = SP_INTEGER, .required = true, .min = 1,
     .max = 999999999},
    {.name = "objects", .kind = SP_DICT},
    {.name = "object_refs", .kind = SP_ID_LIST, .ref_types = ref_observed}, {0},
};

/* §4.15 */
static const struct stix_prop opinion_props[] = {
    {.name = "explanation", .kind = SP_STRING}, {.name = "authors", .kind = SP_STRING_LIST},
    {.name = "opinion", .kind = SP_ENUM, .required = true, .vocab = stix_vocab_opinion},
    OBJECT_REFS_REQ, {0},
};

/* §4.16 */
static const struct stix_prop report_props[] = {
    NAME_REQ, DESCRIPTION, OV_LIST("report_types", stix_vocab_report_type),
    {.name = "published", .kind = SP_TIMESTAMP, .required = true}, OBJECT_REFS_REQ, {0},
};

/* §4.17 */
static const struct stix_prop threat_actor_props[] = {
    NAME_REQ, DESCRIPTION, OV_LIST("threat_actor_types", stix_vocab_threat_actor_type), ALIASES,
    FIRST_SEEN, LAST_SEEN, OV_LIST("roles", stix_vocab_threat_actor_role),
    {.name = "goals", .kind = SP_STRING_LIST},
    OV("sophistication", stix_vocab_threat_actor_sophistication),
    OV("resource_level", stix_vocab_attack_resource_level),
    OV("primary_motivation", stix_vocab_attack_motivation),
    OV_LIST("secondary_motivations", stix_vocab_attack_motivation),
    OV_LIST("personal_motivations", stix_vocab_attack_motivation), {0},
};

/* §4.18 */
static const struct stix_prop tool_props[] = {
    NAME_REQ, DESCRIPTION, OV_LIST("tool_types", stix_vocab_tool_type), ALIASES, KILL_CHAIN,
    {.name = "tool_version", .kind = SP_STRING}, {0},
};

/* §4.19 */
static const struct stix_prop vulnerability_props[] = {NAME_REQ, DESCRIPTION, {0}};

const struct stix_type stix_sdo_types[] = {
    {"attack-pattern", STIX_CAT_SDO, attack_pattern_props, NULL, NULL},
    {"campaign", STIX_CAT_SDO, campaign_props, sdo_check_seen_order, NULL},
    {"course-of-action", STIX_CAT_SDO, course_of_action_props, NULL, NULL},
    {"grouping", STIX_CAT_SDO, grouping_props, NULL, NULL},
    {"identity", STIX_CAT_SDO, identity_props, NULL, NULL},
    {"incident", STIX_CAT_SDO, incident_props, NULL, NULL},
    {"indicator", STIX_CAT_SDO, indicator_props, sdo_check_indicator, NULL},
    {"infrastructure", STIX_CAT_SDO, infrastructure_props, sdo_check_seen_order, NULL},
    {"intrusion-set", STIX_CAT_SDO, intrusion_set_props, sdo_check_seen_order, NULL},
    {"location", STIX_CAT_SDO, location_props, sdo_check_location, NULL},
    {"malware", STIX_CAT_SDO, malware_props, sdo_check_malware, NULL},
    {"malware-analysis", STIX_CAT_SDO, malware_analysis_props, sdo_check_malware_analysis, NULL},
    {"note", STIX_CAT_SDO, note_props, NULL, NULL},
    {"observed-data", STIX_CAT_SDO, observed_data_props, sdo_check_observed_data, NULL},
    {"opinion", STIX_CAT_SDO, opinion_props, NULL, NULL},
    {"report", STIX_CAT_SDO, report_props, NULL, NULL},
    {"threat-actor", STIX_CAT_SDO, threat_actor_props, sdo_check_seen_order, NULL},
    {"tool", STIX_CAT_SDO, tool_props, NULL, NULL},
    {"vulnerability", STIX_CAT_SDO, vulnerability_props, NULL, NULL},
    {0},
};
