/*
 * sro.c — the tables of the STIX Relationship Objects (STIX 2.1 §5):
 * relationship and sighting, with their cross-property rules.
 */
#include <string.h>

#include "stix_int.h"

static const char *const ref_sdo_sco[] = {"<sdo>", "<sco>", NULL};
static const char *const ref_sdo[] = {"<sdo>", NULL};
static const char *const ref_observed_data[] = {"observed-data", NULL};
static const char *const ref_where_sighted[] = {"identity", "location", NULL};

/* §5.1: relationship_type "MUST be in ASCII and is limited to characters
 * a–z (lowercase ASCII), 0–9, and hyphen (-)". */
static void sro_check_relationship_type(const json_t *v, const char *path,
                                        const struct stix_prop *p, struct stix_report *r)
{
    const char *s = json_string_value(v);
    bool ok = s[0] != '\0';
    for (const char *c = s; *c && ok; c++)
        ok = (*c >= 'a' && *c <= 'z') || (*c >= '0' && *c <= '9') || *c == '-';
    if (!ok)
        stix_error(r, path, "'%s' ('%s') must consist of a-z, 0-9 and '-' only", p->name, s);
}

/* §5.1: "stop_time MUST be later than the start_time". */
static void sro_check_relationship(const json_t *obj, const char *path, const struct stix_type *t,
                                   struct stix_report *r)
{
    (void)t;
    stix_check_time_order(obj, path, "start_time", "stop_time", true, r);
}

static const struct stix_prop relationship_props[] = {
    {.name = "relationship_type", .kind = SP_STRING, .required = true,
     .check = sro_check_relationship_type},
    {.name = "description", .kind = SP_STRING},
    {.name = "source_ref", .kind = SP_ID, .required = true, .ref_types = ref_sdo_sco},
    {.name = "target_ref", .kind = SP_ID, .required = true, .ref_types = ref_sdo_sco},
    {.name = "start_time", .kind = SP_TIMESTAMP},
    {.name = "stop_time", .kind = SP_TIMESTAMP},
    {0},
};

/* §5.2: "last_seen MUST be greater than or equal to first_seen". */
static void sro_check_sighting(const json_t *obj, const char *path, const struct stix_type *t,
                               struct stix_report *r)
{
    (void)t;
    stix_check_time_order(obj, path, "first_seen", "last_seen", false, r);
}

static const struct stix_prop sighting_props[] = {
    {.name = "description", .kind = SP_STRING},
    {.name = "first_seen", .kind = SP_TIMESTAMP},
    {.name = "last_seen", .kind = SP_TIMESTAMP},
    {.name = "count", .kind = SP_INTEGER, .min = 0, .max = 999999999},
    {.name = "sighting_of_ref", .kind = SP_ID, .required = true, .ref_types = ref_sdo},
    {.name = "observed_data_refs", .kind = SP_ID_LIST, .ref_types = ref_observed_data},
    {.name = "where_sighted_refs", .kind = SP_ID_LIST, .ref_types = ref_where_sighted},
    {.name = "summary", .kind = SP_BOOLEAN},
    {0},
};

const struct stix_type stix_sro_types[] = {
    {"relationship", STIX_CAT_SRO, relationship_props, sro_check_relationship, NULL},
    {"sighting", STIX_CAT_SRO, sighting_props, sro_check_sighting, NULL},
    {0},
};
