/*
 * validate_test.c — the STIX 2.1 validator (validate.c and the SDO, SRO
 * and SMO tables): every rule accepted on a correct object and refused on
 * a broken one, with the path and severity of the finding.
 *
 * A case is a base object (a valid object of one type, below) and a patch:
 * the patch's members replace the base's, a member set to null removes
 * it. The case then expects either no finding at all (sev 0) or a finding
 * of severity sev at path. Documents (bundle, envelope), findings limits
 * and the walk over every OASIS and hotline example (zero errors) follow.
 */
#include <dirent.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <cmocka.h>

#include "stix/stix_int.h" /* the path helpers */

#define UUID "8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f"
#define T0 "2016-04-06T20:03:00.000Z"
#define HDR(type)                                                                              \
    "\"type\":\"" type "\",\"spec_version\":\"2.1\",\"id\":\"" type "--" UUID                  \
    "\",\"created\":\"" T0 "\",\"modified\":\"" T0 "\""
#define IDENTITY "identity--f431f809-377b-45e0-aa1c-6a4751cae5ff"
#define IPV4 "ipv4-addr--9cf4a8ec-7640-5f40-a006-79942896168b"
#define TLP_WHITE "marking-definition--613f2e26-407d-48c7-9eca-b8e91df99dc9"
#define TLP2_EXT "extension-definition--60a3c5c5-0d10-413e-aab3-9e08dde9e88d"

static const struct {
    const char *name, *json;
} bases[] = {
    {"attack-pattern", "{" HDR("attack-pattern") ",\"name\":\"Spear phishing\","
     "\"kill_chain_phases\":[{\"kill_chain_name\":\"lockheed\",\"phase_name\":\"delivery\"}]}"},
    {"campaign", "{" HDR("campaign") ",\"name\":\"C\",\"first_seen\":\"2016-01-01T00:00:00Z\","
     "\"last_seen\":\"2016-02-01T00:00:00Z\"}"},
    {"course-of-action", "{" HDR("course-of-action") ",\"name\":\"Block\"}"},
    {"grouping", "{" HDR("grouping") ",\"context\":\"suspicious-activity\",\"object_refs\":[\""
     IDENTITY "\"]}"},
    {"identity", "{" HDR("identity") ",\"name\":\"ACME\",\"identity_class\":\"organization\","
     "\"sectors\":[\"energy\"],\"labels\":[\"a\",\"b\"],\"description\":\"d\","
     "\"external_references\":[{\"source_name\":\"x\",\"url\":\"https://example.com/\"}]}"},
    {"incident", "{" HDR("incident") ",\"name\":\"Pipeline halted\"}"},
    {"indicator", "{" HDR("indicator") ",\"pattern\":\"[ipv4-addr:value = '198.51.100.1']\","
     "\"pattern_type\":\"stix\",\"valid_from\":\"2016-01-01T00:00:00Z\","
     "\"valid_until\":\"2017-01-01T00:00:00Z\",\"indicator_types\":[\"malicious-activity\"]}"},
    {"infrastructure", "{" HDR("infrastructure") ",\"name\":\"C2\"}"},
    {"intrusion-set", "{" HDR("intrusion-set") ",\"name\":\"Frost Harbor\"}"},
    {"location", "{" HDR("location") ",\"latitude\":48.8566,\"longitude\":2.3522,"
     "\"precision\":1000.0}"},
    {"malware", "{" HDR("malware") ",\"name\":\"CinderLock\",\"is_family\":true}"},
    {"malware-analysis", "{" HDR("malware-analysis") ",\"product\":\"av\",\"result\":\"malicious\"}"},
    {"note", "{" HDR("note") ",\"content\":\"text\",\"object_refs\":[\"" IDENTITY "\"]}"},
    {"observed-data", "{" HDR("observed-data") ",\"first_observed\":\"2016-01-01T00:00:00Z\","
     "\"last_observed\":\"2016-01-02T00:00:00Z\",\"number_observed\":1,\"object_refs\":[\""
     IPV4 "\"]}"},
    {"opinion", "{" HDR("opinion") ",\"opinion\":\"strongly-disagree\",\"object_refs\":[\""
     IDENTITY "\"]}"},
    {"report", "{" HDR("report") ",\"name\":\"R\",\"published\":\"2016-01-01T00:00:00Z\","
     "\"object_refs\":[\"" IDENTITY "\"]}"},
    {"threat-actor", "{" HDR("threat-actor") ",\"name\":\"T\",\"sophistication\":\"expert\"}"},
    {"tool", "{" HDR("tool") ",\"name\":\"nmap\"}"},
    {"vulnerability", "{" HDR("vulnerability") ",\"name\":\"CVE-2016-1234\"}"},
    {"relationship", "{" HDR("relationship") ",\"relationship_type\":\"indicates\","
     "\"source_ref\":\"indicator--" UUID "\",\"target_ref\":\"malware--" UUID "\","
     "\"start_time\":\"2016-01-01T00:00:00Z\",\"stop_time\":\"2016-02-01T00:00:00Z\"}"},
    {"sighting", "{" HDR("sighting") ",\"sighting_of_ref\":\"indicator--" UUID "\","
     "\"count\":2,\"first_seen\":\"2016-01-01T00:00:00Z\",\"last_seen\":\"2016-01-02T00:00:00Z\","
     "\"where_sighted_refs\":[\"" IDENTITY "\"],\"observed_data_refs\":[\"observed-data--" UUID
     "\"]}"},
    {"statement", "{\"type\":\"marking-definition\",\"spec_version\":\"2.1\",\"id\":"
     "\"marking-definition--" UUID "\",\"created\":\"" T0 "\",\"definition_type\":\"statement\","
     "\"definition\":{\"statement\":\"Copyright ACME\"}}"},
    {"tlp-white", "{\"type\":\"marking-definition\",\"spec_version\":\"2.1\",\"id\":\"" TLP_WHITE
     "\",\"created\":\"2017-01-20T00:00:00.000Z\",\"definition_type\":\"tlp\",\"name\":"
     "\"TLP:WHITE\",\"definition\":{\"tlp\":\"white\"}}"},
    {"tlp2-green", "{\"type\":\"marking-definition\",\"spec_version\":\"2.1\",\"id\":"
     "\"marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb\",\"created\":"
     "\"2022-10-01T00:00:00.000Z\",\"name\":\"TLP:GREEN\",\"extensions\":{\"" TLP2_EXT "\":"
     "{\"extension_type\":\"property-extension\",\"tlp_2_0\":\"green\"}}}"},
    {"language-content", "{" HDR("language-content") ",\"object_ref\":\"incident--" UUID "\","
     "\"object_modified\":\"" T0 "\",\"contents\":{\"ru\":{\"name\":\"x\"},\"de-AT\":{\"name\":\"y\"}}}"},
    {"extension-definition", "{" HDR("extension-definition") ",\"created_by_ref\":\"" IDENTITY
     "\",\"name\":\"seal\",\"schema\":\"https://example.com/s.json\",\"version\":\"1.0\","
     "\"extension_types\":[\"toplevel-property-extension\"],\"extension_properties\":[\"x_seq\"]}"},
    {"ipv4", "{\"type\":\"ipv4-addr\",\"id\":\"ipv4-addr--28bb3599-77cd-5a82-a950-b5bc3caf07c4\","
     "\"value\":\"198.51.100.3\"}"},
};

struct vcase {
    const char *base, *patch, *path;
    int sev; /* 0: no finding at all */
};

static const struct vcase cases[] = {
    /* every base is accepted as it is */
    {"attack-pattern", "{}", NULL, 0}, {"campaign", "{}", NULL, 0},
    {"course-of-action", "{}", NULL, 0}, {"grouping", "{}", NULL, 0},
    {"identity", "{}", NULL, 0}, {"incident", "{}", NULL, 0}, {"indicator", "{}", NULL, 0},
    {"infrastructure", "{}", NULL, 0}, {"intrusion-set", "{}", NULL, 0},
    {"location", "{}", NULL, 0}, {"malware", "{}", NULL, 0},
    {"malware-analysis", "{}", NULL, 0}, {"note", "{}", NULL, 0},
    {"observed-data", "{}", NULL, 0}, {"opinion", "{}", NULL, 0}, {"report", "{}", NULL, 0},
    {"threat-actor", "{}", NULL, 0}, {"tool", "{}", NULL, 0}, {"vulnerability", "{}", NULL, 0},
    {"relationship", "{}", NULL, 0}, {"sighting", "{}", NULL, 0}, {"statement", "{}", NULL, 0},
    {"tlp-white", "{}", NULL, 0}, {"tlp2-green", "{}", NULL, 0},
    {"language-content", "{}", NULL, 0}, {"extension-definition", "{}", NULL, 0},
    {"ipv4", "{}", NULL, 0},

    /* §3.1 type, §2.9 id */
    {"tool", "{\"type\":\"Tool\"}", "type", STIX_SEV_ERROR},
    {"tool", "{\"id\":null}", "id", STIX_SEV_ERROR},
    {"tool", "{\"id\":\"tool--8e2e2d2b-17d4-4cbf-c38f-98ee46b3cd3f\"}", "id", STIX_SEV_ERROR},
    {"tool", "{\"id\":\"tool--8e2e2d2b17d4-4cbf-938f-98ee46b3cd3f\"}", "id", STIX_SEV_ERROR},
    {"tool", "{\"id\":\"malware--" UUID "\"}", "id", STIX_SEV_ERROR},
    {"tool", "{\"id\":\"tool--8e2e2d2b-17d4-1cbf-938f-98ee46b3cd3f\"}", "id", STIX_SEV_WARNING},
    {"relationship", "{\"id\":\"relationship--8e2e2d2b-17d4-5cbf-938f-98ee46b3cd3f\"}", "id",
     STIX_SEV_WARNING},
    /* §3.2 common properties */
    {"tool", "{\"spec_version\":null}", "spec_version", STIX_SEV_ERROR},
    {"tool", "{\"spec_version\":\"2.0\"}", "spec_version", STIX_SEV_ERROR},
    {"tool", "{\"created\":null}", "created", STIX_SEV_ERROR},
    {"tool", "{\"modified\":null}", "modified", STIX_SEV_ERROR},
    {"tool", "{\"created\":\"2016-04-06T20:03:00Z\"}", "created", STIX_SEV_ERROR},
    {"tool", "{\"modified\":\"2016-04-06T20:03:00.12Z\"}", "modified", STIX_SEV_ERROR},
    {"tool", "{\"modified\":\"2016-04-06T20:03:00.123456Z\"}", NULL, 0},
    {"tool", "{\"modified\":\"2016-04-06T20:02:59.999Z\"}", "modified", STIX_SEV_ERROR},
    {"tool", "{\"created\":\"2016-04-06 20:03:00.000Z\"}", "created", STIX_SEV_ERROR},
    {"tool", "{\"created\":\"2016-04-06T20:03:00.000+00:00\"}", "created", STIX_SEV_ERROR},
    {"tool", "{\"created_by_ref\":\"" IDENTITY "\"}", NULL, 0},
    {"tool", "{\"created_by_ref\":\"tool--" UUID "\"}", "created_by_ref", STIX_SEV_ERROR},
    {"tool", "{\"revoked\":\"no\"}", "revoked", STIX_SEV_ERROR},
    {"tool", "{\"labels\":[]}", "labels", STIX_SEV_ERROR},
    {"tool", "{\"labels\":[1]}", "labels[0]", STIX_SEV_ERROR},
    {"tool", "{\"confidence\":100}", NULL, 0},
    {"tool", "{\"confidence\":101}", "confidence", STIX_SEV_ERROR},
    {"tool", "{\"confidence\":5.5}", "confidence", STIX_SEV_ERROR},
    {"tool", "{\"lang\":\"en\"}", NULL, 0},
    {"tool", "{\"lang\":5}", "lang", STIX_SEV_ERROR},
    {"tool", "{\"object_marking_refs\":[\"" TLP_WHITE "\"]}", NULL, 0},
    {"tool", "{\"object_marking_refs\":[\"" IDENTITY "\"]}", "object_marking_refs[0]",
     STIX_SEV_ERROR},
    {"tool", "{\"external_references\":[{\"source_name\":\"capec\",\"external_id\":\"CAPEC-1\"}]}",
     NULL, 0},
    {"tool", "{\"external_references\":[{\"source_name\":\"capec\"}]}", "external_references[0]",
     STIX_SEV_ERROR},
    {"tool", "{\"external_references\":[{\"url\":\"https://x.example/\"}]}",
     "external_references[0].source_name", STIX_SEV_ERROR},
    {"tool", "{\"external_references\":[{\"source_name\":\"a\",\"url\":\"not a url\"}]}",
     "external_references[0].url", STIX_SEV_ERROR},
    {"tool", "{\"external_references\":[{\"source_name\":\"a\",\"hashes\":{\"SHA-256\":\"ab\"}}]}",
     "external_references[0].hashes.SHA-256", STIX_SEV_ERROR},
    {"tool", "{\"kill_chain_phases\":[{\"kill_chain_name\":\"k\"}]}",
     "kill_chain_phases[0].phase_name", STIX_SEV_ERROR},
    /* §11.1 custom properties */
    {"tool", "{\"x_acme_score\":5}", "x_acme_score", STIX_SEV_WARNING},
    {"tool", "{\"X-Score\":5}", "X-Score", STIX_SEV_ERROR},
    {"tool", "{\"xy\":5}", "xy", STIX_SEV_ERROR},
    {"tool", "{\"x_seq\":5,\"extensions\":{\"extension-definition--" UUID "\":"
     "{\"extension_type\":\"toplevel-property-extension\"}}}", NULL, 0},
    /* §7.3 extensions */
    {"tool", "{\"extensions\":{\"extension-definition--" UUID "\":{\"extension_type\":\"nope\"}}}",
     "extensions.extension-definition--" UUID ".extension_type", STIX_SEV_ERROR},
    {"tool", "{\"extensions\":{\"extension-definition--" UUID "\":{\"extension_type\":\"new-sdo\"}}}",
     "extensions.extension-definition--" UUID ".extension_type", STIX_SEV_ERROR},
    {"tool", "{\"extensions\":{\"extension-definition--1234\":{}}}",
     "extensions.extension-definition--1234", STIX_SEV_ERROR},
    {"tool", "{\"extensions\":{\"archive-ext\":{}}}", "extensions.archive-ext", STIX_SEV_ERROR},
    {"tool", "{\"extensions\":{}}", "extensions", STIX_SEV_ERROR},
    {"tool", "{\"extensions\":{\"extension-definition--" UUID "\":5}}",
     "extensions.extension-definition--" UUID, STIX_SEV_ERROR},
    /* §7.2.3 granular markings */
    {"identity", "{\"granular_markings\":[{\"selectors\":[\"description\",\"labels.[1]\","
     "\"external_references.[0].source_name\"],\"marking_ref\":\"" TLP_WHITE "\"}]}", NULL, 0},
    {"identity", "{\"granular_markings\":[{\"selectors\":[\"name\"],\"lang\":\"en\"}]}", NULL, 0},
    {"identity", "{\"granular_markings\":[{\"selectors\":[\"labels.[2]\"],\"marking_ref\":\""
     TLP_WHITE "\"}]}", "granular_markings[0].selectors[0]", STIX_SEV_ERROR},
    {"identity", "{\"granular_markings\":[{\"selectors\":[\"nothing\"],\"marking_ref\":\""
     TLP_WHITE "\"}]}", "granular_markings[0].selectors[0]", STIX_SEV_ERROR},
    {"identity", "{\"granular_markings\":[{\"selectors\":[\"name.[0]\"],\"marking_ref\":\""
     TLP_WHITE "\"}]}", "granular_markings[0].selectors[0]", STIX_SEV_ERROR},
    {"identity", "{\"granular_markings\":[{\"selectors\":[\"name\"]}]}", "granular_markings[0]",
     STIX_SEV_ERROR},
    {"identity", "{\"granular_markings\":[{\"selectors\":[\"name\"],\"lang\":\"en\","
     "\"marking_ref\":\"" TLP_WHITE "\"}]}", "granular_markings[0]", STIX_SEV_ERROR},
    {"identity", "{\"granular_markings\":[{\"selectors\":[\"name\"],\"marking_ref\":\"" IDENTITY
     "\"}]}", "granular_markings[0].marking_ref", STIX_SEV_ERROR},
    {"identity", "{\"granular_markings\":[{\"marking_ref\":\"" TLP_WHITE "\"}]}",
     "granular_markings[0].selectors", STIX_SEV_ERROR},
    /* open vocabularies (§2 open-vocab) and enumerations */
    {"identity", "{\"identity_class\":\"nation-state-agency\"}", NULL, 0},
    {"identity", "{\"identity_class\":\"Nation State\"}", "identity_class", STIX_SEV_WARNING},
    {"identity", "{\"sectors\":[\"energy\",\"space_industry\"]}", "sectors[1]", STIX_SEV_WARNING},
    {"opinion", "{\"opinion\":\"maybe\"}", "opinion", STIX_SEV_ERROR},
    {"opinion", "{\"opinion\":null}", "opinion", STIX_SEV_ERROR},
    {"opinion", "{\"object_refs\":null}", "object_refs", STIX_SEV_ERROR},
    /* SDO properties and rules */
    {"attack-pattern", "{\"name\":null}", "name", STIX_SEV_ERROR},
    {"attack-pattern", "{\"name\":5}", "name", STIX_SEV_ERROR},
    {"campaign", "{\"last_seen\":\"2015-01-01T00:00:00Z\"}", "last_seen", STIX_SEV_ERROR},
    {"campaign", "{\"last_seen\":\"2016-01-01T00:00:00Z\"}", NULL, 0},
    {"course-of-action", "{\"action\":\"x\"}", "action", STIX_SEV_ERROR},
    {"grouping", "{\"context\":null}", "context", STIX_SEV_ERROR},
    {"grouping", "{\"object_refs\":[]}", "object_refs", STIX_SEV_ERROR},
    {"grouping", "{\"object_refs\":[\"nope\"]}", "object_refs[0]", STIX_SEV_ERROR},
    {"identity", "{\"name\":null}", "name", STIX_SEV_ERROR},
    {"incident", "{\"name\":null}", "name", STIX_SEV_ERROR},
    {"indicator", "{\"valid_until\":\"2016-01-01T00:00:00Z\"}", "valid_until", STIX_SEV_ERROR},
    {"indicator", "{\"valid_until\":\"2015-01-01T00:00:00Z\"}", "valid_until", STIX_SEV_ERROR},
    {"indicator", "{\"valid_from\":null}", "valid_from", STIX_SEV_ERROR},
    {"indicator", "{\"pattern\":null}", "pattern", STIX_SEV_ERROR},
    {"indicator", "{\"pattern_type\":null}", "pattern_type", STIX_SEV_ERROR},
    {"indicator", "{\"pattern\":\"[ipv4-addr:value = '198.51.100.1'\"}", "pattern", STIX_SEV_ERROR},
    {"indicator", "{\"pattern\":\"rule x { condition: true }\",\"pattern_type\":\"yara\"}", NULL,
     0},
    {"indicator", "{\"pattern_type\":\"my-rules\",\"pattern\":\"anything\"}", NULL, 0},
    {"infrastructure", "{\"name\":null}", "name", STIX_SEV_ERROR},
    {"infrastructure", "{\"first_seen\":\"2016-02-01T00:00:00Z\",\"last_seen\":"
     "\"2016-01-01T00:00:00Z\"}", "last_seen", STIX_SEV_ERROR},
    {"intrusion-set", "{\"name\":null}", "name", STIX_SEV_ERROR},
    {"location", "{\"latitude\":91.0}", "latitude", STIX_SEV_ERROR},
    {"location", "{\"longitude\":-180.5}", "longitude", STIX_SEV_ERROR},
    {"location", "{\"longitude\":null}", "latitude", STIX_SEV_ERROR},
    {"location", "{\"latitude\":null,\"longitude\":null}", "precision", STIX_SEV_ERROR},
    {"location", "{\"latitude\":null,\"longitude\":null,\"precision\":null}", "", STIX_SEV_ERROR},
    {"location", "{\"latitude\":null,\"longitude\":null,\"precision\":null,\"country\":\"RU\"}",
     NULL, 0},
    {"location", "{\"latitude\":null,\"longitude\":null,\"precision\":null,\"region\":\"europe\"}",
     NULL, 0},
    {"malware", "{\"is_family\":null}", "is_family", STIX_SEV_ERROR},
    {"malware", "{\"name\":null}", "name", STIX_SEV_ERROR},
    {"malware", "{\"name\":null,\"is_family\":false}", NULL, 0},
    {"malware", "{\"sample_refs\":[\"" IPV4 "\"]}", "sample_refs[0]", STIX_SEV_ERROR},
    {"malware-analysis", "{\"result\":null}", "", STIX_SEV_ERROR},
    {"malware-analysis", "{\"result\":null,\"analysis_sco_refs\":[\"" IPV4 "\"]}", NULL, 0},
    {"malware-analysis", "{\"analysis_sco_refs\":[\"" IDENTITY "\"]}", "analysis_sco_refs[0]",
     STIX_SEV_ERROR},
    {"malware-analysis", "{\"product\":null}", "product", STIX_SEV_ERROR},
    {"note", "{\"content\":null}", "content", STIX_SEV_ERROR},
    {"observed-data", "{\"number_observed\":0}", "number_observed", STIX_SEV_ERROR},
    {"observed-data", "{\"number_observed\":1000000000}", "number_observed", STIX_SEV_ERROR},
    {"observed-data", "{\"number_observed\":999999999}", NULL, 0},
    {"observed-data", "{\"last_observed\":\"2015-01-01T00:00:00Z\"}", "last_observed",
     STIX_SEV_ERROR},
    {"observed-data", "{\"object_refs\":null}", "", STIX_SEV_ERROR},
    {"observed-data", "{\"objects\":{\"0\":{\"type\":\"ipv4-addr\",\"value\":\"1.2.3.4\"}}}",
     "objects", STIX_SEV_ERROR},
    {"observed-data", "{\"object_refs\":null,\"objects\":{\"0\":{\"type\":\"ipv4-addr\","
     "\"value\":\"1.2.3.4\"}}}", "objects", STIX_SEV_WARNING},
    {"observed-data", "{\"object_refs\":[\"" IDENTITY "\"]}", "object_refs[0]", STIX_SEV_ERROR},
    {"report", "{\"object_refs\":null}", "object_refs", STIX_SEV_ERROR},
    {"report", "{\"published\":\"yesterday\"}", "published", STIX_SEV_ERROR},
    {"report", "{\"object_refs\":[\"x-acme-thing--" UUID "\",\"" IPV4 "\"]}", NULL, 0},
    {"threat-actor", "{\"name\":null}", "name", STIX_SEV_ERROR},
    {"threat-actor", "{\"roles\":\"agent\"}", "roles", STIX_SEV_ERROR},
    {"tool", "{\"name\":null}", "name", STIX_SEV_ERROR},
    {"vulnerability", "{\"name\":null}", "name", STIX_SEV_ERROR},
    /* §5.1 relationship */
    {"relationship", "{\"relationship_type\":\"Indicates\"}", "relationship_type", STIX_SEV_ERROR},
    {"relationship", "{\"relationship_type\":null}", "relationship_type", STIX_SEV_ERROR},
    {"relationship", "{\"source_ref\":\"relationship--" UUID "\"}", "source_ref", STIX_SEV_ERROR},
    {"relationship", "{\"target_ref\":\"" TLP_WHITE "\"}", "target_ref", STIX_SEV_ERROR},
    {"relationship", "{\"target_ref\":\"" IPV4 "\"}", NULL, 0},
    {"relationship", "{\"target_ref\":null}", "target_ref", STIX_SEV_ERROR},
    {"relationship", "{\"stop_time\":\"2016-01-01T00:00:00Z\"}", "stop_time", STIX_SEV_ERROR},
    /* §5.2 sighting */
    {"sighting", "{\"count\":-1}", "count", STIX_SEV_ERROR},
    {"sighting", "{\"count\":0}", NULL, 0},
    {"sighting", "{\"count\":1000000000}", "count", STIX_SEV_ERROR},
    {"sighting", "{\"last_seen\":\"2015-01-01T00:00:00Z\"}", "last_seen", STIX_SEV_ERROR},
    {"sighting", "{\"last_seen\":\"2016-01-01T00:00:00Z\"}", NULL, 0},
    {"sighting", "{\"sighting_of_ref\":\"" IPV4 "\"}", "sighting_of_ref", STIX_SEV_ERROR},
    {"sighting", "{\"sighting_of_ref\":null}", "sighting_of_ref", STIX_SEV_ERROR},
    {"sighting", "{\"where_sighted_refs\":[\"location--" UUID "\",\"malware--" UUID "\"]}",
     "where_sighted_refs[1]", STIX_SEV_ERROR},
    {"sighting", "{\"observed_data_refs\":[\"" IDENTITY "\"]}", "observed_data_refs[0]",
     STIX_SEV_ERROR},
    /* §7.2.1 marking-definition */
    {"statement", "{\"definition\":{}}", "definition.statement", STIX_SEV_ERROR},
    {"statement", "{\"definition\":null}", "definition_type", STIX_SEV_ERROR},
    {"statement", "{\"definition\":null,\"definition_type\":null}", "", STIX_SEV_ERROR},
    {"statement", "{\"modified\":\"" T0 "\"}", "modified", STIX_SEV_WARNING},
    {"tlp-white", "{\"id\":\"marking-definition--" UUID "\"}", "id", STIX_SEV_ERROR},
    {"tlp-white", "{\"definition\":{\"tlp\":\"purple\"}}", "definition", STIX_SEV_ERROR},
    {"tlp2-green", "{\"id\":\"marking-definition--" UUID "\"}", "id", STIX_SEV_ERROR},
    {"tlp2-green", "{\"extensions\":{\"" TLP2_EXT "\":{\"extension_type\":\"property-extension\","
     "\"tlp_2_0\":\"purple\"}}}", "extensions." TLP2_EXT ".tlp_2_0", STIX_SEV_ERROR},
    /* §7.1 language-content, §7.3 extension-definition */
    {"language-content", "{\"contents\":{\"r u\":{\"name\":\"x\"}}}", "contents.r u",
     STIX_SEV_ERROR},
    {"language-content", "{\"contents\":{\"ru\":\"x\"}}", "contents.ru", STIX_SEV_ERROR},
    {"language-content", "{\"object_ref\":null}", "object_ref", STIX_SEV_ERROR},
    {"extension-definition", "{\"extension_types\":[\"new-thing\"]}", "extension_types[0]",
     STIX_SEV_ERROR},
    {"extension-definition", "{\"schema\":null}", "schema", STIX_SEV_ERROR},
    {"extension-definition", "{\"version\":null}", "version", STIX_SEV_ERROR},
    {"extension-definition", "{\"extension_types\":[\"new-sdo\"]}", "extension_properties",
     STIX_SEV_ERROR},
    /* §11.2 custom objects; SCOs: spec_version optional */
    {"tool", "{\"type\":\"x-acme-request\",\"id\":\"x-acme-request--" UUID "\",\"name\":null}", "",
     STIX_SEV_WARNING},
    {"ipv4", "{\"spec_version\":\"2.1\"}", NULL, 0},
    {"ipv4", "{\"spec_version\":\"2.0\"}", "spec_version", STIX_SEV_ERROR},
};

/* base + patch, as a new reference. */
static json_t *make_case(const struct vcase *c)
{
    const char *base = NULL;
    for (size_t i = 0; i < sizeof bases / sizeof bases[0]; i++) {
        if (strcmp(bases[i].name, c->base) == 0)
            base = bases[i].json;
    }
    assert_non_null(base);
    struct hl_error err;
    json_t *obj = NULL, *patch = NULL;
    if (stix_parse(base, strlen(base), &obj, &err) != 0)
        fail_msg("base %s: %s %s", c->base, err.where, err.msg);
    if (stix_parse(c->patch, strlen(c->patch), &patch, &err) != 0)
        fail_msg("patch %s: %s %s", c->patch, err.where, err.msg);
    const char *key;
    json_t *val;
    json_object_foreach(patch, key, val) {
        if (json_is_null(val))
            json_object_del(obj, key);
        else
            json_object_set(obj, key, val);
    }
    json_decref(patch);
    return obj;
}

static void print_report(const struct stix_report *r)
{
    for (size_t i = 0; i < r->n; i++)
        print_message("    %s: %s: %s\n", r->items[i].path,
                      r->items[i].severity == STIX_SEV_ERROR ? "error" : "warning",
                      r->items[i].message);
}

static bool report_has(const struct stix_report *r, const char *path, int sev)
{
    for (size_t i = 0; i < r->n; i++) {
        if ((int)r->items[i].severity == sev && strcmp(r->items[i].path, path) == 0)
            return true;
    }
    return false;
}

static void test_every_rule_accepts_and_rejects_with_path(void **state)
{
    (void)state;
    int failures = 0;
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const struct vcase *c = &cases[i];
        json_t *obj = make_case(c);
        struct stix_report r;
        stix_report_init(&r);
        stix_validate_object(obj, "", &r);
        bool ok = c->sev == 0 ? r.n == 0 && stix_report_ok(&r)
                              : report_has(&r, c->path, c->sev);
        /* a case expecting a warning must not also produce an error */
        if (ok && c->sev == STIX_SEV_WARNING && r.n_errors)
            ok = false;
        if (!ok) {
            print_message("case %zu (%s %s): want %s at '%s'\n", i, c->base, c->patch,
                          c->sev == 0 ? "nothing" : c->sev == 1 ? "error" : "warning",
                          c->path ? c->path : "");
            print_report(&r);
            failures++;
        }
        stix_report_release(&r);
        json_decref(obj);
    }
    assert_int_equal(failures, 0);
}

/* Validates text as a document; the report is left in r. */
static void validate_text(const char *text, struct stix_report *r)
{
    struct hl_error err;
    json_t *doc = NULL;
    if (stix_parse(text, strlen(text), &doc, &err) != 0)
        fail_msg("%s: %s", err.where, err.msg);
    stix_report_init(r);
    stix_validate_document(doc, r);
    json_decref(doc);
}

static void test_bundle_paths_start_with_objects_index(void **state)
{
    (void)state;
    struct stix_report r;
    validate_text("{\"type\":\"bundle\",\"id\":\"bundle--" UUID "\",\"objects\":["
                  "{" HDR("tool") ",\"name\":\"a\"},{" HDR("tool") "}]}", &r);
    assert_int_equal(r.n_errors, 1);
    assert_true(report_has(&r, "objects[1].name", STIX_SEV_ERROR));
    stix_report_release(&r);
}

static void test_bundle_rejects_bad_id_and_warns_on_spec_version(void **state)
{
    (void)state;
    struct stix_report r;
    validate_text("{\"type\":\"bundle\",\"id\":\"tool--" UUID "\",\"spec_version\":\"2.1\","
                  "\"objects\":[]}", &r);
    assert_true(report_has(&r, "id", STIX_SEV_ERROR));
    assert_true(report_has(&r, "spec_version", STIX_SEV_WARNING));
    stix_report_release(&r);
    validate_text("{\"type\":\"bundle\",\"id\":\"bundle--" UUID "\",\"objects\":[]}", &r);
    assert_int_equal(r.n, 0);
    stix_report_release(&r);
}

static void test_envelope_checks_more_next_and_objects(void **state)
{
    (void)state;
    struct stix_report r;
    validate_text("{\"more\":false,\"next\":\"2\",\"objects\":[{" HDR("tool") ",\"name\":\"a\"}]}",
                  &r);
    assert_int_equal(r.n, 0);
    stix_report_release(&r);
    validate_text("{\"more\":\"no\",\"next\":2,\"objects\":[{" HDR("tool") "}]}", &r);
    assert_true(report_has(&r, "more", STIX_SEV_ERROR));
    assert_true(report_has(&r, "next", STIX_SEV_ERROR));
    assert_true(report_has(&r, "objects[0].name", STIX_SEV_ERROR));
    stix_report_release(&r);
}

static void test_document_of_no_kind_is_an_error(void **state)
{
    (void)state;
    struct stix_report r;
    validate_text("{\"hello\":1}", &r);
    assert_true(report_has(&r, "", STIX_SEV_ERROR));
    stix_report_release(&r);
    validate_text("[1]", &r);
    assert_true(report_has(&r, "", STIX_SEV_ERROR));
    stix_report_release(&r);
}

static void test_validation_reports_every_finding_not_the_first(void **state)
{
    (void)state;
    struct stix_report r;
    validate_text("{\"type\":\"indicator\",\"id\":\"indicator--" UUID "\"}", &r);
    /* spec_version, created, modified, pattern, pattern_type, valid_from */
    assert_int_equal(r.n_errors, 6);
    stix_report_release(&r);
}

static void test_report_keeps_at_most_max_findings_and_counts_all(void **state)
{
    (void)state;
    struct stix_report r;
    stix_report_init(&r);
    for (int i = 0; i < HL_MAX_FINDINGS + 5; i++)
        stix_report_add(&r, i % 2 ? STIX_SEV_WARNING : STIX_SEV_ERROR, "p", "finding %d", i);
    assert_int_equal(r.n, HL_MAX_FINDINGS);
    assert_true(r.truncated);
    assert_int_equal(r.n_errors + r.n_warnings, HL_MAX_FINDINGS + 5);
    assert_string_equal(r.items[3].message, "finding 3");
    stix_report_release(&r);
    assert_int_equal(r.n, 0);
}

static void test_report_cuts_long_messages_at_a_character_boundary(void **state)
{
    (void)state;
    char big[2 * HL_ERROR_MSG_MAX];
    for (size_t i = 0; i + 2 < sizeof big; i += 2)
        memcpy(big + i, "\xc3\xa9", 2); /* é */
    big[sizeof big - 1] = '\0';
    struct stix_report r;
    stix_report_init(&r);
    stix_report_add(&r, STIX_SEV_ERROR, "", "x%s", big);
    size_t n = strlen(r.items[0].message);
    assert_true(n < HL_ERROR_MSG_MAX);
    assert_int_equal((n - 1) % 2, 0); /* "x" plus whole characters */
    stix_report_release(&r);
}

static void test_paths_are_cut_with_an_ellipsis(void **state)
{
    (void)state;
    char key[400], out[HL_MAX_PATH_BYTES];
    memset(key, 'k', sizeof key - 1);
    key[sizeof key - 1] = '\0';
    stix_path_key(out, "objects[1]", key);
    assert_true(strlen(out) < HL_MAX_PATH_BYTES);
    assert_string_equal(out + strlen(out) - 3, "\xe2\x80\xa6");
    stix_path_key(out, "", "a");
    assert_string_equal(out, "a");
    stix_path_index(out, "objects", 12);
    assert_string_equal(out, "objects[12]");
}

static void test_id_syntax(void **state)
{
    (void)state;
    assert_true(stix_id_valid("indicator--" UUID, "indicator"));
    assert_true(stix_id_valid("x-acme-thing--" UUID, NULL));
    assert_false(stix_id_valid("indicator--" UUID, "malware"));
    assert_false(stix_id_valid("indicator--" UUID "0", NULL));
    assert_false(stix_id_valid("in--" UUID, NULL));
    assert_false(stix_id_valid("Indicator--" UUID, NULL));
    assert_false(stix_id_valid("indicator--8e2e2d2b-17d4-6cbf-938f-98ee46b3cd3f", NULL));
    assert_false(stix_id_valid("indicator--8e2e2d2b-17d4-4cbf-738f-98ee46b3cd3f", NULL));
    assert_false(stix_id_valid(NULL, NULL));
}

/* Validates every *.json under dir (recursively); counts files. */
static void walk_examples(const char *dir, int *files, int *failures)
{
    DIR *d = opendir(dir);
    if (!d)
        return;
    struct dirent *e;
    while ((e = readdir(d))) {
        char path[4096];
        if (e->d_name[0] == '.' ||
            snprintf(path, sizeof path, "%s/%s", dir, e->d_name) >= (int)sizeof path)
            continue;
        struct stat st;
        if (stat(path, &st) != 0)
            continue;
        if (S_ISDIR(st.st_mode)) {
            walk_examples(path, files, failures);
            continue;
        }
        size_t n = strlen(path);
        if (n < 5 || strcmp(path + n - 5, ".json") != 0)
            continue;
        struct buf b;
        struct hl_error err;
        json_t *doc = NULL;
        buf_init(&b, HL_MAX_DOCUMENT_BYTES);
        assert_int_equal(hl_read_file(path, HL_MAX_DOCUMENT_BYTES, &b, &err), 0);
        assert_int_equal(stix_parse(b.data, b.len, &doc, &err), 0);
        struct stix_report r;
        stix_report_init(&r);
        stix_validate_document(doc, &r);
        if (!stix_report_ok(&r)) {
            print_message("%s:\n", path);
            print_report(&r);
            (*failures)++;
        }
        (*files)++;
        stix_report_release(&r);
        json_decref(doc);
        buf_release(&b);
    }
    closedir(d);
}

/* The OASIS examples (examples/ with threat-reports/) and hotline's own
 * examples/ are valid STIX 2.1. $HL_SHARED/stix2/interop holds JSON
 * Schemas, not STIX content, so it is not walked. */
static void test_every_oasis_and_hotline_example_validates(void **state)
{
    (void)state;
    const char *shared = getenv("HL_SHARED"), *src = getenv("HL_SRC");
    if (!shared || !src)
        skip();
    char dir[4096];
    int files = 0, failures = 0;
    assert_true(snprintf(dir, sizeof dir, "%s/stix2/examples", shared) < (int)sizeof dir);
    walk_examples(dir, &files, &failures);
    assert_true(files >= 8);
    assert_true(snprintf(dir, sizeof dir, "%s/examples", src) < (int)sizeof dir);
    walk_examples(dir, &files, &failures);
    assert_true(files >= 16);
    assert_int_equal(failures, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_every_rule_accepts_and_rejects_with_path),
        cmocka_unit_test(test_bundle_paths_start_with_objects_index),
        cmocka_unit_test(test_bundle_rejects_bad_id_and_warns_on_spec_version),
        cmocka_unit_test(test_envelope_checks_more_next_and_objects),
        cmocka_unit_test(test_document_of_no_kind_is_an_error),
        cmocka_unit_test(test_validation_reports_every_finding_not_the_first),
        cmocka_unit_test(test_report_keeps_at_most_max_findings_and_counts_all),
        cmocka_unit_test(test_report_cuts_long_messages_at_a_character_boundary),
        cmocka_unit_test(test_paths_are_cut_with_an_ellipsis),
        cmocka_unit_test(test_id_syntax),
        cmocka_unit_test(test_every_oasis_and_hotline_example_validates),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
