/*
 * sco_test.c — the STIX Cyber-observable Object table (sco.c, sco_ext.c)
 * and the identifiers of sco_id.c.
 *
 * Rules are tables of cases: one SCO as JSON text, and either "accepted"
 * (no error, no warning) or the path and severity of the finding the rule
 * must produce. Each case goes through stix_parse and stix_validate_object
 * as a lone object (paths have no prefix). A case without "id" gets its
 * deterministic identifier (stix_sco_id) first, so that only the rule
 * under test can speak.
 *
 * Deterministic identifiers are checked against values computed by other
 * implementations: the examples of the STIX 2.1 specification (§6) and the
 * tests of the OASIS python-stix2 library (test_deterministic_ids.py).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "stix/stix.h"

#define SHA256_A "fe90a7e910cb3a4739bed9180e807e93fa70c90f25a8915476f5e4bfbac681db"
#define MD5_EMPTY "d41d8cd98f00b204e9800998ecf8427e"
#define IPV4_ID "ipv4-addr--9cf4a8ec-7640-5f40-a006-79942896168b"
#define IPV6_ID "ipv6-addr--1e61d36c-a16c-53b7-a80f-2a00161c96b1"
#define MAC_ID "mac-addr--65cfcf98-8a6e-5a1b-8f61-379ac4f92d00"
#define DOMAIN_ID "domain-name--bedb4899-d24b-5401-bc86-8f6b4cc18ec7"
#define EMAIL_ID "email-addr--7165e2a9-671f-585d-b1e1-ca59c671d934"
#define FILE_ID "file--949eb97a-da1e-5292-8959-03c4249dc9f3"
#define DIR_ID "directory--0a58d0c1-59e6-5afd-8252-dcd3f13e5622"
#define ARTIFACT_ID "artifact--6be1fbcb-fd03-5ec3-b05f-4329746e9d2b"
#define USER_ID "user-account--f94d689e-707d-58c3-b803-c720bb6ed096"
#define NT_ID "network-traffic--09ca55c3-97e5-5966-bad0-1d41d557ae13"
#define PROC_ID "process--8fac80fe-a220-4ba9-8ffe-4f43ce8edff8"
#define IDENTITY_ID "identity--f431f809-377b-45e0-aa1c-6a4751cae5ff"

struct sco_case {
    const char *what; /* the behaviour, printed on failure */
    const char *json; /* one SCO */
    const char *path; /* NULL: accepted without findings */
    enum stix_severity sev;
};

#define ACCEPT(what, json)                                                                         \
    {                                                                                              \
        what, json, NULL, 0                                                                        \
    }
#define ERROR(what, json, path)                                                                    \
    {                                                                                              \
        what, json, path, STIX_SEV_ERROR                                                           \
    }
#define WARNING(what, json, path)                                                                  \
    {                                                                                              \
        what, json, path, STIX_SEV_WARNING                                                         \
    }

/* Parses text; adds the deterministic id when it has none. */
static json_t *sco_load(const char *text)
{
    json_t *obj = NULL;
    struct hl_error err;
    if (stix_parse(text, strlen(text), &obj, &err))
        fail_msg("parse %s: %s: %s", text, err.where, err.msg);
    if (!json_object_get(obj, "id")) {
        char id[STIX_ID_MAX];
        bool det;
        if (stix_sco_id(obj, id, &det, &err))
            fail_msg("stix_sco_id %s: %s", text, err.msg);
        json_object_set_new(obj, "id", json_string(id));
    }
    if (!json_object_get(obj, "spec_version"))
        json_object_set_new(obj, "spec_version", json_string("2.1"));
    return obj;
}

static void sco_print_report(const struct stix_report *r)
{
    for (size_t i = 0; i < r->n; i++)
        print_message("  %s '%s': %s\n",
                      r->items[i].severity == STIX_SEV_ERROR ? "error" : "warning",
                      r->items[i].path, r->items[i].message);
}

static void sco_run_case(const struct sco_case *c)
{
    struct stix_report r;
    json_t *obj = sco_load(c->json);
    bool found = false;

    stix_report_init(&r);
    stix_validate_object(obj, "", &r);
    if (!c->path) {
        if (r.n_errors || r.n_warnings) {
            sco_print_report(&r);
            fail_msg("%s: expected no findings for %s", c->what, c->json);
        }
    } else {
        for (size_t i = 0; i < r.n; i++)
            found |= r.items[i].severity == c->sev && strcmp(r.items[i].path, c->path) == 0;
        if (!found || (c->sev == STIX_SEV_ERROR && stix_report_ok(&r))) {
            sco_print_report(&r);
            fail_msg("%s: expected %s at '%s' for %s", c->what,
                     c->sev == STIX_SEV_ERROR ? "an error" : "a warning", c->path, c->json);
        }
    }
    stix_report_release(&r);
    json_decref(obj);
}

static void sco_run(const struct sco_case *cases, size_t n)
{
    for (size_t i = 0; i < n; i++)
        sco_run_case(&cases[i]);
}

#define RUN(cases) sco_run(cases, sizeof cases / sizeof cases[0])

/* ---- 6.1 artifact -------------------------------------------------------- */

static void test_artifact_needs_payload_bin_xor_url_with_hashes(void **state)
{
    (void)state;
    static const struct sco_case cases[] = {
        ACCEPT("payload_bin alone", "{\"type\":\"artifact\",\"payload_bin\":\"aGVsbG8=\"}"),
        ACCEPT("url with hashes", "{\"type\":\"artifact\",\"url\":\"https://example.com/a.bin\","
                                  "\"hashes\":{\"SHA-256\":\"" SHA256_A "\"}}"),
        ERROR("payload_bin and url",
              "{\"type\":\"artifact\",\"payload_bin\":\"aGVsbG8=\","
              "\"url\":\"https://example.com/a\",\"hashes\":{\"MD5\":\"" MD5_EMPTY "\"}}",
              "url"),
        ERROR("neither payload_bin nor url",
              "{\"type\":\"artifact\",\"mime_type\":\"image/png\","
              "\"hashes\":{\"MD5\":\"" MD5_EMPTY "\"}}",
              ""),
        ERROR("url without hashes", "{\"type\":\"artifact\",\"url\":\"https://example.com/a\"}",
              "hashes"),
        ACCEPT("decryption_key with encryption_algorithm",
               "{\"type\":\"artifact\",\"payload_bin\":\"aGVsbG8=\",\"encryption_algorithm\":"
               "\"mime-type-indicated\",\"decryption_key\":\"My voice is my passport\"}"),
        ERROR("decryption_key without encryption_algorithm",
              "{\"type\":\"artifact\",\"payload_bin\":\"aGVsbG8=\",\"decryption_key\":\"k\"}",
              "decryption_key"),
        ERROR("encryption_algorithm outside its enumeration",
              "{\"type\":\"artifact\",\"payload_bin\":\"aGVsbG8=\",\"encryption_algorithm\":"
              "\"rot13\"}",
              "encryption_algorithm"),
        ERROR("payload_bin not base64", "{\"type\":\"artifact\",\"payload_bin\":\"not base64!\"}",
              "payload_bin"),
    };
    RUN(cases);
}

/* ---- 6.2 autonomous-system, 6.3 directory --------------------------------- */

static void test_autonomous_system_requires_integer_number(void **state)
{
    (void)state;
    static const struct sco_case cases[] = {
        ACCEPT("number, name, rir", "{\"type\":\"autonomous-system\",\"number\":15139,"
                                    "\"name\":\"Slime Industries\",\"rir\":\"ARIN\"}"),
        ERROR("number missing", "{\"type\":\"autonomous-system\",\"name\":\"x\"}", "number"),
        ERROR("number a string", "{\"type\":\"autonomous-system\",\"number\":\"15139\"}", "number"),
    };
    RUN(cases);
}

static void test_directory_requires_path_and_file_or_directory_refs(void **state)
{
    (void)state;
    static const struct sco_case cases[] = {
        ACCEPT("path, path_enc, contains_refs",
               "{\"type\":\"directory\",\"path\":\"C:\\\\Windows\\\\System32\",\"path_enc\":"
               "\"windows-1252\",\"contains_refs\":[\"" FILE_ID "\",\"" DIR_ID "\"]}"),
        ERROR("path missing", "{\"type\":\"directory\",\"path_enc\":\"UTF-8\"}", "path"),
        ERROR("path_enc not a charset name",
              "{\"type\":\"directory\",\"path\":\"/\","
              "\"path_enc\":\"utf 8!\"}",
              "path_enc"),
        ERROR("contains_refs to an ipv4-addr",
              "{\"type\":\"directory\",\"path\":\"/tmp\",\"contains_refs\":[\"" IPV4_ID "\"]}",
              "contains_refs[0]"),
    };
    RUN(cases);
}

/* ---- 6.4 domain-name, 6.5 email-addr --------------------------------------- */

static void test_domain_name_value_and_resolves_to_refs(void **state)
{
    (void)state;
    static const struct sco_case cases[] = {
        ACCEPT(
            "name resolving to an IPv4 address",
            "{\"type\":\"domain-name\",\"value\":\"example.com\",\"resolves_to_refs\":[\"" IPV4_ID
            "\"]}"),
        ACCEPT("CNAME to another domain", "{\"type\":\"domain-name\",\"value\":\"www.example.com\","
                                          "\"resolves_to_refs\":[\"" DOMAIN_ID "\"]}"),
        ERROR("space in a label", "{\"type\":\"domain-name\",\"value\":\"exa mple.com\"}", "value"),
        ERROR("empty label", "{\"type\":\"domain-name\",\"value\":\"example..com\"}", "value"),
        ERROR(
            "label of 64 octets",
            "{\"type\":\"domain-name\",\"value\":\"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
            "aaaaaaaaaaaaaaaa.com\"}",
            "value"),
        ACCEPT("defanged value is not parsed",
               "{\"type\":\"domain-name\",\"value\":\"example[.]com\",\"defanged\":true}"),
        ERROR("resolves_to_refs to a mac-addr",
              "{\"type\":\"domain-name\",\"value\":\"example.com\",\"resolves_to_refs\":[\"" MAC_ID
              "\"]}",
              "resolves_to_refs[0]"),
    };
    RUN(cases);
}

static void test_email_addr_value_is_addr_spec(void **state)
{
    (void)state;
    static const struct sco_case cases[] = {
        ACCEPT("address, display name, account",
               "{\"type\":\"email-addr\",\"value\":\"john@example.com\",\"display_name\":"
               "\"John Doe\",\"belongs_to_ref\":\"" USER_ID "\"}"),
        ERROR("display name inside value",
              "{\"type\":\"email-addr\",\"value\":\"John Doe <john@example.com>\"}", "value"),
        ERROR("no @", "{\"type\":\"email-addr\",\"value\":\"john.example.com\"}", "value"),
        ERROR(
            "belongs_to_ref to an identity",
            "{\"type\":\"email-addr\",\"value\":\"a@example.com\",\"belongs_to_ref\":\"" IDENTITY_ID
            "\"}",
            "belongs_to_ref"),
    };
    RUN(cases);
}

/* ---- 6.6 email-message -------------------------------------------------------- */

static void test_email_message_body_follows_is_multipart(void **state)
{
    (void)state;
    static const struct sco_case cases[] = {
        ACCEPT("single-part message",
               "{\"type\":\"email-message\",\"is_multipart\":false,\"from_ref\":\"" EMAIL_ID "\","
               "\"to_refs\":[\"" EMAIL_ID "\"],\"date\":\"1997-11-21T15:55:06.000Z\","
               "\"subject\":\"Saying Hello\",\"body\":\"Hi\"}"),
        ERROR("is_multipart missing", "{\"type\":\"email-message\",\"subject\":\"x\"}",
              "is_multipart"),
        ERROR("body in a multipart message",
              "{\"type\":\"email-message\",\"is_multipart\":true,\"body\":\"x\"}", "body"),
        ERROR("body_multipart in a single-part message",
              "{\"type\":\"email-message\",\"is_multipart\":false,\"body_multipart\":[{\"body\":"
              "\"x\"}]}",
              "body_multipart"),
        ERROR("from_ref to an identity",
              "{\"type\":\"email-message\",\"is_multipart\":false,\"from_ref\":\"" IDENTITY_ID
              "\"}",
              "from_ref"),
        ERROR("raw_email_ref to a file",
              "{\"type\":\"email-message\",\"is_multipart\":false,\"raw_email_ref\":\"" FILE_ID
              "\"}",
              "raw_email_ref"),
    };
    RUN(cases);
}

static void test_email_message_mime_parts_and_headers(void **state)
{
    (void)state;
    static const struct sco_case cases[] = {
        ACCEPT("text part and attachment",
               "{\"type\":\"email-message\",\"is_multipart\":true,\"body_multipart\":["
               "{\"content_type\":\"text/plain\",\"body\":\"Cats are funny!\"},"
               "{\"content_type\":\"application/zip\",\"body_raw_ref\":\"" FILE_ID "\"}]}"),
        ERROR("part without body or body_raw_ref",
              "{\"type\":\"email-message\",\"is_multipart\":true,\"body_multipart\":["
              "{\"content_type\":\"text/plain\"}]}",
              "body_multipart[0]"),
        ERROR("body_raw_ref to an ipv4-addr",
              "{\"type\":\"email-message\",\"is_multipart\":true,\"body_multipart\":["
              "{\"body_raw_ref\":\"" IPV4_ID "\"}]}",
              "body_multipart[0].body_raw_ref"),
        ERROR("part not an object",
              "{\"type\":\"email-message\",\"is_multipart\":true,\"body_multipart\":[\"x\"]}",
              "body_multipart[0]"),
        ACCEPT("header values as lists",
               "{\"type\":\"email-message\",\"is_multipart\":false,\"additional_header_fields\":"
               "{\"Reply-To\":[\"steve@example.com\",\"jane@example.com\"]}}"),
        WARNING("header value a lone string",
                "{\"type\":\"email-message\",\"is_multipart\":false,\"additional_header_fields\":"
                "{\"X-Mailer\":\"Mutt/1.5.23\"}}",
                "additional_header_fields.X-Mailer"),
        ERROR("header value a number",
              "{\"type\":\"email-message\",\"is_multipart\":false,\"additional_header_fields\":"
              "{\"X-Count\":3}}",
              "additional_header_fields.X-Count"),
        WARNING("header with its own property",
                "{\"type\":\"email-message\",\"is_multipart\":false,\"additional_header_fields\":"
                "{\"Subject\":[\"x\"]}}",
                "additional_header_fields.Subject"),
    };
    RUN(cases);
}

/* ---- 6.7 file and its extensions ------------------------------------------------ */

static void test_file_needs_hashes_or_name(void **state)
{
    (void)state;
    static const struct sco_case cases[] = {
        ACCEPT("name alone", "{\"type\":\"file\",\"name\":\"foo.dll\"}"),
        ACCEPT("hashes alone", "{\"type\":\"file\",\"hashes\":{\"SHA-256\":\"" SHA256_A "\"}}"),
        ACCEPT("all properties",
               "{\"type\":\"file\",\"name\":\"quêry.dll\",\"name_enc\":\"windows-1252\",\"size\":"
               "25536,\"magic_number_hex\":\"4D5A\",\"mime_type\":\"application/x-dosexec\","
               "\"ctime\":\"2016-01-20T14:11:25.55Z\",\"parent_directory_ref\":\"" DIR_ID "\","
               "\"contains_refs\":[\"" IPV4_ID "\"],\"content_ref\":\"" ARTIFACT_ID "\"}"),
        ERROR("neither hashes nor name", "{\"type\":\"file\",\"size\":3}", ""),
        ERROR("MD5 of the wrong length",
              "{\"type\":\"file\",\"hashes\":{\"MD5\":\"d41d8cd98f00\"}}", "hashes.MD5"),
        ERROR("negative size", "{\"type\":\"file\",\"name\":\"a\",\"size\":-1}", "size"),
        ERROR("parent_directory_ref to a file",
              "{\"type\":\"file\",\"name\":\"a\",\"parent_directory_ref\":\"" FILE_ID "\"}",
              "parent_directory_ref"),
        ERROR("content_ref to a file",
              "{\"type\":\"file\",\"name\":\"a\",\"content_ref\":\"" FILE_ID "\"}", "content_ref"),
        ERROR("contains_refs to an SDO",
              "{\"type\":\"file\",\"name\":\"a\",\"contains_refs\":[\"" IDENTITY_ID "\"]}",
              "contains_refs[0]"),
        ERROR("name_enc not a charset name",
              "{\"type\":\"file\",\"name\":\"a\",\"name_enc\":\"x\"}", "name_enc"),
        ERROR("magic_number_hex not hex",
              "{\"type\":\"file\",\"name\":\"a\",\"magic_number_hex\":\"MZ\"}", "magic_number_hex"),
    };
    RUN(cases);
}

static void test_file_archive_ntfs_pdf_raster_extensions(void **state)
{
    (void)state;
    static const struct sco_case cases[] = {
        ACCEPT("archive-ext",
               "{\"type\":\"file\",\"name\":\"foo.zip\",\"extensions\":{"
               "\"archive-ext\":{\"contains_refs\":[\"" FILE_ID "\"],\"comment\":\"c\"}}}"),
        ERROR("archive-ext without contains_refs",
              "{\"type\":\"file\",\"name\":\"a\",\"extensions\":{\"archive-ext\":{\"comment\":"
              "\"c\"}}}",
              "extensions.archive-ext.contains_refs"),
        ERROR(
            "archive-ext containing an ipv4-addr",
            "{\"type\":\"file\",\"name\":\"a\",\"extensions\":{\"archive-ext\":{\"contains_refs\":"
            "[\"" IPV4_ID "\"]}}}",
            "extensions.archive-ext.contains_refs[0]"),
        ACCEPT("ntfs-ext with a stream",
               "{\"type\":\"file\",\"name\":\"a\",\"extensions\":{\"ntfs-ext\":{\"sid\":\"S-1-5\","
               "\"alternate_data_streams\":[{\"name\":\"second.stream\",\"size\":25536}]}}}"),
        ERROR("empty ntfs-ext",
              "{\"type\":\"file\",\"name\":\"a\",\"extensions\":{\"ntfs-ext\":{}}}",
              "extensions.ntfs-ext"),
        ERROR("stream without name",
              "{\"type\":\"file\",\"name\":\"a\",\"extensions\":{\"ntfs-ext\":{"
              "\"alternate_data_streams\":[{\"size\":1}]}}}",
              "extensions.ntfs-ext.alternate_data_streams[0].name"),
        ACCEPT("pdf-ext",
               "{\"type\":\"file\",\"name\":\"example.pdf\",\"extensions\":{\"pdf-ext\":{"
               "\"version\":\"1.7\",\"document_info_dict\":{\"Title\":\"Sample\"},"
               "\"pdfid0\":\"DFCE52BD827ECF765649852119D\"}}}"),
        ERROR("empty pdf-ext", "{\"type\":\"file\",\"name\":\"a\",\"extensions\":{\"pdf-ext\":{}}}",
              "extensions.pdf-ext"),
        ERROR("document_info_dict value not a string",
              "{\"type\":\"file\",\"name\":\"a\",\"extensions\":{\"pdf-ext\":{"
              "\"document_info_dict\":{\"Title\":1}}}}",
              "extensions.pdf-ext.document_info_dict.Title"),
        ACCEPT("raster-image-ext with EXIF",
               "{\"type\":\"file\",\"name\":\"p.jpg\",\"extensions\":{"
               "\"raster-image-ext\":{\"exif_tags\":{\"Make\":\"Nikon\","
               "\"XResolution\":4928}}}}"),
        ERROR("EXIF value a boolean",
              "{\"type\":\"file\",\"name\":\"a\",\"extensions\":{\"raster-image-ext\":{"
              "\"exif_tags\":{\"Make\":true}}}}",
              "extensions.raster-image-ext.exif_tags.Make"),
        ERROR("empty raster-image-ext",
              "{\"type\":\"file\",\"name\":\"a\",\"extensions\":{\"raster-image-ext\":{}}}",
              "extensions.raster-image-ext"),
        ERROR("extension not an object",
              "{\"type\":\"file\",\"name\":\"a\",\"extensions\":{\"pdf-ext\":[1]}}",
              "extensions.pdf-ext"),
    };
    RUN(cases);
}

static void test_file_windows_pebinary_extension(void **state)
{
    (void)state;
    static const struct sco_case cases[] = {
        ACCEPT("PE with header and section",
               "{\"type\":\"file\",\"name\":\"a.exe\",\"extensions\":{\"windows-pebinary-ext\":{"
               "\"pe_type\":\"exe\",\"machine_hex\":\"014c\",\"time_date_stamp\":"
               "\"2016-01-22T12:31:12Z\",\"optional_header\":{\"magic_hex\":\"010b\"},"
               "\"sections\":[{\"name\":\".data\",\"size\":4096,\"entropy\":7.98}]}}}"),
        ERROR("pe_type alone",
              "{\"type\":\"file\",\"name\":\"a\",\"extensions\":{"
              "\"windows-pebinary-ext\":{\"pe_type\":\"exe\"}}}",
              "extensions.windows-pebinary-ext"),
        ERROR("pe_type missing",
              "{\"type\":\"file\",\"name\":\"a\",\"extensions\":{"
              "\"windows-pebinary-ext\":{\"imphash\":\"x\"}}}",
              "extensions.windows-pebinary-ext.pe_type"),
        ERROR("time_date_stamp with fractions",
              "{\"type\":\"file\",\"name\":\"a\",\"extensions\":{\"windows-pebinary-ext\":{"
              "\"pe_type\":\"dll\",\"time_date_stamp\":\"2016-01-22T12:31:12.5Z\"}}}",
              "extensions.windows-pebinary-ext.time_date_stamp"),
        ERROR("empty optional_header",
              "{\"type\":\"file\",\"name\":\"a\",\"extensions\":{\"windows-pebinary-ext\":{"
              "\"pe_type\":\"dll\",\"optional_header\":{}}}}",
              "extensions.windows-pebinary-ext.optional_header"),
        ERROR("negative size_of_code",
              "{\"type\":\"file\",\"name\":\"a\",\"extensions\":{\"windows-pebinary-ext\":{"
              "\"pe_type\":\"dll\",\"optional_header\":{\"size_of_code\":-1}}}}",
              "extensions.windows-pebinary-ext.optional_header.size_of_code"),
        ERROR("section without name",
              "{\"type\":\"file\",\"name\":\"a\",\"extensions\":{\"windows-pebinary-ext\":{"
              "\"pe_type\":\"dll\",\"sections\":[{\"size\":1}]}}}",
              "extensions.windows-pebinary-ext.sections[0].name"),
        WARNING("pe_type outside the vocabulary, uppercase",
                "{\"type\":\"file\",\"name\":\"a\",\"extensions\":{\"windows-pebinary-ext\":{"
                "\"pe_type\":\"EXE\",\"imphash\":\"x\"}}}",
                "extensions.windows-pebinary-ext.pe_type"),
    };
    RUN(cases);
}

/* ---- 6.8–6.11 addresses and mutex ----------------------------------------------- */

static void test_ip_addresses_are_addresses_or_cidr_blocks(void **state)
{
    (void)state;
    static const struct sco_case cases[] = {
        ACCEPT("IPv4 address", "{\"type\":\"ipv4-addr\",\"value\":\"198.51.100.2\","
                               "\"resolves_to_refs\":[\"" MAC_ID "\"]}"),
        ACCEPT("IPv4 CIDR block", "{\"type\":\"ipv4-addr\",\"value\":\"10.0.0.0/8\"}"),
        ERROR("IPv4 octet 256", "{\"type\":\"ipv4-addr\",\"value\":\"256.1.1.1\"}", "value"),
        ERROR("IPv4 prefix 33", "{\"type\":\"ipv4-addr\",\"value\":\"10.0.0.0/33\"}", "value"),
        ERROR("IPv6 in ipv4-addr", "{\"type\":\"ipv4-addr\",\"value\":\"2001:db8::1\"}", "value"),
        ERROR("resolves_to_refs to a domain",
              "{\"type\":\"ipv4-addr\",\"value\":\"10.0.0.1\",\"resolves_to_refs\":[\"" DOMAIN_ID
              "\"]}",
              "resolves_to_refs[0]"),
        ERROR("belongs_to_refs to a mac-addr",
              "{\"type\":\"ipv4-addr\",\"value\":\"10.0.0.1\",\"belongs_to_refs\":[\"" MAC_ID
              "\"]}",
              "belongs_to_refs[0]"),
        ACCEPT("IPv6 address", "{\"type\":\"ipv6-addr\",\"value\":\"2001:db8::1\"}"),
        ACCEPT("IPv6 CIDR block", "{\"type\":\"ipv6-addr\",\"value\":\"2001:db8::/32\"}"),
        ERROR("IPv6 bad digit", "{\"type\":\"ipv6-addr\",\"value\":\"2001:db8::g\"}", "value"),
        ERROR("IPv6 prefix 129", "{\"type\":\"ipv6-addr\",\"value\":\"2001:db8::/129\"}", "value"),
    };
    RUN(cases);
}

static void test_mac_addr_is_lowercase_colon_delimited(void **state)
{
    (void)state;
    static const struct sco_case cases[] = {
        ACCEPT("lowercase with leading zeros",
               "{\"type\":\"mac-addr\",\"value\":\"d2:fb:49:24:37:08\"}"),
        ERROR("uppercase", "{\"type\":\"mac-addr\",\"value\":\"D2:FB:49:24:37:08\"}", "value"),
        ERROR("dashes", "{\"type\":\"mac-addr\",\"value\":\"d2-fb-49-24-37-08\"}", "value"),
        ERROR("seven octets", "{\"type\":\"mac-addr\",\"value\":\"d2:fb:49:24:37:08:00\"}",
              "value"),
        ERROR("leading zero dropped", "{\"type\":\"mac-addr\",\"value\":\"d2:fb:49:24:37:8\"}",
              "value"),
        ERROR("value missing", "{\"type\":\"mac-addr\",\"defanged\":false}", "value"),
    };
    RUN(cases);
}

static void test_mutex_requires_name(void **state)
{
    (void)state;
    static const struct sco_case cases[] = {
        ACCEPT("name", "{\"type\":\"mutex\",\"name\":\"barney\"}"),
        ERROR("name missing", "{\"type\":\"mutex\",\"defanged\":true}", "name"),
    };
    RUN(cases);
}

/* ---- 6.12 network-traffic ----------------------------------------------------------- */

static void test_network_traffic_endpoints_ports_and_times(void **state)
{
    (void)state;
    static const struct sco_case cases[] = {
        ACCEPT("source, ports, times",
               "{\"type\":\"network-traffic\",\"src_ref\":\"" IPV4_ID "\",\"src_port\":0,"
               "\"dst_port\":65535,\"protocols\":[\"ipv4\",\"tcp\"],\"start\":"
               "\"2016-01-20T14:11:25Z\",\"end\":\"2016-01-20T14:11:26Z\",\"is_active\":false}"),
        ACCEPT("destination domain", "{\"type\":\"network-traffic\",\"dst_ref\":\"" DOMAIN_ID "\","
                                     "\"protocols\":[\"http\"]}"),
        ERROR("neither src_ref nor dst_ref",
              "{\"type\":\"network-traffic\",\"protocols\":[\"tcp\"]}", ""),
        ERROR("protocols missing", "{\"type\":\"network-traffic\",\"src_ref\":\"" IPV4_ID "\"}",
              "protocols"),
        ERROR("src_port 65536",
              "{\"type\":\"network-traffic\",\"src_ref\":\"" IPV4_ID "\","
              "\"src_port\":65536,\"protocols\":[\"tcp\"]}",
              "src_port"),
        ERROR("dst_port -1",
              "{\"type\":\"network-traffic\",\"src_ref\":\"" IPV4_ID "\","
              "\"dst_port\":-1,\"protocols\":[\"tcp\"]}",
              "dst_port"),
        ERROR("end before start",
              "{\"type\":\"network-traffic\",\"src_ref\":\"" IPV4_ID "\","
              "\"protocols\":[\"tcp\"],\"start\":\"2016-01-20T14:11:25Z\","
              "\"end\":\"2016-01-20T14:11:24.999Z\"}",
              "end"),
        ERROR("end while active",
              "{\"type\":\"network-traffic\",\"src_ref\":\"" IPV4_ID "\","
              "\"protocols\":[\"tcp\"],\"is_active\":true,"
              "\"end\":\"2016-01-20T14:11:24Z\"}",
              "end"),
        ERROR("src_ref to a file",
              "{\"type\":\"network-traffic\",\"src_ref\":\"" FILE_ID "\","
              "\"protocols\":[\"tcp\"]}",
              "src_ref"),
        ERROR("encapsulates_refs to an address",
              "{\"type\":\"network-traffic\",\"src_ref\":\"" IPV4_ID "\",\"protocols\":[\"tcp\"],"
              "\"encapsulates_refs\":[\"" IPV4_ID "\"]}",
              "encapsulates_refs[0]"),
        ERROR("src_payload_ref to a file",
              "{\"type\":\"network-traffic\",\"src_ref\":\"" IPV4_ID "\",\"protocols\":[\"tcp\"],"
              "\"src_payload_ref\":\"" FILE_ID "\"}",
              "src_payload_ref"),
        ACCEPT("ipfix integers and strings",
               "{\"type\":\"network-traffic\",\"src_ref\":\"" IPV4_ID "\",\"protocols\":[\"tcp\"],"
               "\"ipfix\":{\"minimumIpTotalLength\":32,\"flowId\":\"f1\"}}"),
        ERROR("ipfix value a boolean",
              "{\"type\":\"network-traffic\",\"src_ref\":\"" IPV4_ID "\",\"protocols\":[\"tcp\"],"
              "\"ipfix\":{\"minimumIpTotalLength\":true}}",
              "ipfix.minimumIpTotalLength"),
        ERROR("negative byte count",
              "{\"type\":\"network-traffic\",\"src_ref\":\"" IPV4_ID "\","
              "\"protocols\":[\"tcp\"],\"src_byte_count\":-5}",
              "src_byte_count"),
    };
    RUN(cases);
}

static void test_network_traffic_protocol_extensions(void **state)
{
    (void)state;
    static const struct sco_case cases[] = {
        ACCEPT("http-request-ext",
               "{\"type\":\"network-traffic\",\"dst_ref\":\"" IPV4_ID "\","
               "\"protocols\":[\"tcp\",\"http\"],\"extensions\":{\"http-request-ext\":"
               "{\"request_method\":\"get\",\"request_value\":\"/download.html\","
               "\"request_header\":{\"Host\":[\"www.example.com\"]}}}}"),
        ERROR("http-request-ext without request_value",
              "{\"type\":\"network-traffic\",\"dst_ref\":\"" IPV4_ID "\",\"protocols\":[\"http\"],"
              "\"extensions\":{\"http-request-ext\":{\"request_method\":\"get\"}}}",
              "extensions.http-request-ext.request_value"),
        WARNING("http-request-ext but no http protocol",
                "{\"type\":\"network-traffic\",\"dst_ref\":\"" IPV4_ID "\",\"protocols\":[\"tcp\"],"
                "\"extensions\":{\"http-request-ext\":{\"request_method\":\"get\","
                "\"request_value\":\"/\"}}}",
                "protocols"),
        WARNING("request header a lone string",
                "{\"type\":\"network-traffic\",\"dst_ref\":\"" IPV4_ID
                "\",\"protocols\":[\"http\"],"
                "\"extensions\":{\"http-request-ext\":{\"request_method\":\"get\","
                "\"request_value\":\"/\",\"request_header\":{\"Host\":\"example.com\"}}}}",
                "extensions.http-request-ext.request_header.Host"),
        ERROR("message_body_data_ref to a file",
              "{\"type\":\"network-traffic\",\"dst_ref\":\"" IPV4_ID "\",\"protocols\":[\"http\"],"
              "\"extensions\":{\"http-request-ext\":{\"request_method\":\"post\","
              "\"request_value\":\"/\",\"message_body_data_ref\":\"" FILE_ID "\"}}}",
              "extensions.http-request-ext.message_body_data_ref"),
        ACCEPT("icmp-ext",
               "{\"type\":\"network-traffic\",\"src_ref\":\"" IPV4_ID "\",\"protocols\":"
               "[\"icmp\"],\"extensions\":{\"icmp-ext\":{\"icmp_type_hex\":\"08\","
               "\"icmp_code_hex\":\"00\"}}}"),
        ERROR("icmp-ext without code",
              "{\"type\":\"network-traffic\",\"src_ref\":\"" IPV4_ID "\","
              "\"protocols\":[\"icmp\"],\"extensions\":{\"icmp-ext\":"
              "{\"icmp_type_hex\":\"08\"}}}",
              "extensions.icmp-ext.icmp_code_hex"),
        ERROR("icmp type not hex",
              "{\"type\":\"network-traffic\",\"src_ref\":\"" IPV4_ID "\","
              "\"protocols\":[\"icmp\"],\"extensions\":{\"icmp-ext\":"
              "{\"icmp_type_hex\":\"zz\",\"icmp_code_hex\":\"00\"}}}",
              "extensions.icmp-ext.icmp_type_hex"),
        ACCEPT("socket-ext",
               "{\"type\":\"network-traffic\",\"src_ref\":\"" IPV4_ID "\",\"protocols\":"
               "[\"tcp\"],\"extensions\":{\"socket-ext\":{\"address_family\":\"AF_INET\","
               "\"socket_type\":\"SOCK_STREAM\",\"is_listening\":true,"
               "\"options\":{\"SO_RCVTIMEO\":100}}}}"),
        ERROR("address_family outside its enumeration",
              "{\"type\":\"network-traffic\",\"src_ref\":\"" IPV4_ID "\",\"protocols\":[\"tcp\"],"
              "\"extensions\":{\"socket-ext\":{\"address_family\":\"AF_FOO\"}}}",
              "extensions.socket-ext.address_family"),
        ERROR("socket option not an integer",
              "{\"type\":\"network-traffic\",\"src_ref\":\"" IPV4_ID "\",\"protocols\":[\"tcp\"],"
              "\"extensions\":{\"socket-ext\":{\"address_family\":\"AF_INET\","
              "\"options\":{\"SO_RCVTIMEO\":\"100\"}}}}",
              "extensions.socket-ext.options.SO_RCVTIMEO"),
        ACCEPT("tcp-ext",
               "{\"type\":\"network-traffic\",\"src_ref\":\"" IPV4_ID "\",\"protocols\":"
               "[\"tcp\"],\"extensions\":{\"tcp-ext\":{\"src_flags_hex\":\"00000002\"}}}"),
        ERROR("empty tcp-ext",
              "{\"type\":\"network-traffic\",\"src_ref\":\"" IPV4_ID "\","
              "\"protocols\":[\"tcp\"],\"extensions\":{\"tcp-ext\":{}}}",
              "extensions.tcp-ext"),
    };
    RUN(cases);
}

/* ---- 6.13 process ---------------------------------------------------------------------- */

static void test_process_needs_a_property_and_typed_refs(void **state)
{
    (void)state;
    static const struct sco_case cases[] = {
        ACCEPT("basic process", "{\"type\":\"process\",\"pid\":1221,\"created_time\":"
                                "\"2016-01-20T14:11:25.55Z\",\"command_line\":\"./gedit-bin\","
                                "\"image_ref\":\"" FILE_ID "\",\"parent_ref\":\"" PROC_ID "\","
                                "\"environment_variables\":{\"PATH\":\"/bin\"}}"),
        ACCEPT("extension only", "{\"type\":\"process\",\"extensions\":{\"windows-process-ext\":"
                                 "{\"aslr_enabled\":true,\"priority\":\"HIGH_PRIORITY_CLASS\"}}}"),
        ERROR("no property at all", "{\"type\":\"process\",\"spec_version\":\"2.1\"}", ""),
        ERROR("image_ref to a directory", "{\"type\":\"process\",\"image_ref\":\"" DIR_ID "\"}",
              "image_ref"),
        ERROR("child_refs to a file", "{\"type\":\"process\",\"child_refs\":[\"" FILE_ID "\"]}",
              "child_refs[0]"),
        ERROR("opened_connection_refs to an address",
              "{\"type\":\"process\",\"opened_connection_refs\":[\"" IPV4_ID "\"]}",
              "opened_connection_refs[0]"),
        ERROR("environment variable not a string",
              "{\"type\":\"process\",\"environment_variables\":{\"PATH\":1}}",
              "environment_variables.PATH"),
        ERROR("empty windows-process-ext",
              "{\"type\":\"process\",\"pid\":1,\"extensions\":{\"windows-process-ext\":{}}}",
              "extensions.windows-process-ext"),
        ERROR("integrity_level outside its enumeration",
              "{\"type\":\"process\",\"extensions\":{\"windows-process-ext\":{\"integrity_level\":"
              "\"ultra\"}}}",
              "extensions.windows-process-ext.integrity_level"),
        WARNING("priority not ending in _CLASS",
                "{\"type\":\"process\",\"extensions\":{\"windows-process-ext\":{\"priority\":"
                "\"HIGH\"}}}",
                "extensions.windows-process-ext.priority"),
        ACCEPT(
            "windows-service-ext",
            "{\"type\":\"process\",\"pid\":2217,\"extensions\":{\"windows-service-ext\":{"
            "\"service_name\":\"sirvizio\",\"start_type\":\"SERVICE_AUTO_START\",\"service_type\":"
            "\"SERVICE_WIN32_OWN_PROCESS\",\"service_status\":\"SERVICE_RUNNING\","
            "\"service_dll_refs\":[\"" FILE_ID "\"]}}}"),
        ERROR("empty windows-service-ext",
              "{\"type\":\"process\",\"pid\":1,\"extensions\":{\"windows-service-ext\":{}}}",
              "extensions.windows-service-ext"),
        ERROR("start_type outside its enumeration",
              "{\"type\":\"process\",\"extensions\":{\"windows-service-ext\":{\"start_type\":"
              "\"AUTO\"}}}",
              "extensions.windows-service-ext.start_type"),
        ERROR("service_dll_refs to a process",
              "{\"type\":\"process\",\"extensions\":{\"windows-service-ext\":{\"service_dll_refs\":"
              "[\"" PROC_ID "\"]}}}",
              "extensions.windows-service-ext.service_dll_refs[0]"),
    };
    RUN(cases);
}

/* ---- 6.14 software, 6.15 url, 6.16 user-account ------------------------------------------ */

static void test_software_name_cpe_and_languages(void **state)
{
    (void)state;
    static const struct sco_case cases[] = {
        ACCEPT("Word", "{\"type\":\"software\",\"name\":\"Word\",\"cpe\":"
                       "\"cpe:2.3:a:microsoft:word:2000:*:*:*:*:*:*:*\",\"version\":\"2002\","
                       "\"vendor\":\"Microsoft\",\"languages\":[\"en\",\"fr-CA\"]}"),
        ERROR("name missing", "{\"type\":\"software\",\"vendor\":\"Microsoft\"}", "name"),
        ERROR("CPE 2.2 URI",
              "{\"type\":\"software\",\"name\":\"Word\",\"cpe\":"
              "\"cpe:/a:microsoft:word:2000\"}",
              "cpe"),
        ERROR("language not a tag",
              "{\"type\":\"software\",\"name\":\"Word\",\"languages\":[\"english!\"]}",
              "languages[0]"),
    };
    RUN(cases);
}

static void test_url_value_is_a_url(void **state)
{
    (void)state;
    static const struct sco_case cases[] = {
        ACCEPT("https URL",
               "{\"type\":\"url\",\"value\":\"https://example.com/research/index.html\"}"),
        ERROR("no scheme", "{\"type\":\"url\",\"value\":\"not a url\"}", "value"),
        ERROR("value missing", "{\"type\":\"url\",\"defanged\":false}", "value"),
    };
    RUN(cases);
}

static void test_user_account_needs_a_property(void **state)
{
    (void)state;
    static const struct sco_case cases[] = {
        ACCEPT("unix account", "{\"type\":\"user-account\",\"user_id\":\"1001\",\"account_login\":"
                               "\"jdoe\",\"account_type\":\"unix\",\"is_privileged\":false,"
                               "\"account_created\":\"2016-01-20T12:31:12Z\",\"extensions\":{"
                               "\"unix-account-ext\":{\"gid\":1001,\"groups\":[\"wheel\"],"
                               "\"home_dir\":\"/home/jdoe\",\"shell\":\"/bin/bash\"}}}"),
        ERROR("no property at all", "{\"type\":\"user-account\",\"defanged\":false}", ""),
        ERROR("empty unix-account-ext",
              "{\"type\":\"user-account\",\"user_id\":\"1\",\"extensions\":{\"unix-account-ext\":{}"
              "}}",
              "extensions.unix-account-ext"),
        ERROR("gid a string",
              "{\"type\":\"user-account\",\"user_id\":\"1\",\"extensions\":{"
              "\"unix-account-ext\":{\"gid\":\"1001\"}}}",
              "extensions.unix-account-ext.gid"),
        WARNING("account_type outside the vocabulary, with a space",
                "{\"type\":\"user-account\",\"user_id\":\"1\",\"account_type\":\"Windows Local\"}",
                "account_type"),
        ERROR("account_created not a timestamp",
              "{\"type\":\"user-account\",\"user_id\":\"1\",\"account_created\":\"yesterday\"}",
              "account_created"),
    };
    RUN(cases);
}

/* ---- 6.17 windows-registry-key, 6.18 x509-certificate -------------------------------------- */

static void test_windows_registry_key_hive_and_values(void **state)
{
    (void)state;
    static const struct sco_case cases[] = {
        ACCEPT("key with values",
               "{\"type\":\"windows-registry-key\",\"key\":\"hkey_local_machine\\\\system\\\\bar\","
               "\"values\":[{\"name\":\"Foo\",\"data\":\"qwerty\",\"data_type\":\"REG_SZ\"},"
               "{\"name\":\"\",\"data\":\"42\",\"data_type\":\"REG_DWORD\"}]}"),
        ERROR("no property at all", "{\"type\":\"windows-registry-key\",\"defanged\":false}", ""),
        ERROR("abbreviated hive",
              "{\"type\":\"windows-registry-key\",\"key\":\"HKLM\\\\Software\\\\Foo\"}", "key"),
        ERROR("empty value", "{\"type\":\"windows-registry-key\",\"values\":[{}]}", "values[0]"),
        ERROR("data_type outside its enumeration",
              "{\"type\":\"windows-registry-key\",\"values\":[{\"data_type\":\"REG_FOO\"}]}",
              "values[0].data_type"),
        ERROR("creator_user_ref to a file",
              "{\"type\":\"windows-registry-key\",\"key\":\"HKEY_USERS\",\"creator_user_ref\":"
              "\"" FILE_ID "\"}",
              "creator_user_ref"),
    };
    RUN(cases);
}

static void test_x509_certificate_needs_a_property(void **state)
{
    (void)state;
    static const struct sco_case cases[] = {
        ACCEPT(
            "issuer, validity, v3 extensions",
            "{\"type\":\"x509-certificate\",\"issuer\":\"C=ZA, O=Thawte\",\"validity_not_before\":"
            "\"2016-03-12T12:00:00Z\",\"validity_not_after\":\"2016-08-21T12:00:00Z\","
            "\"serial_number\":\"36:f7:d4:32\",\"subject_public_key_exponent\":65537,"
            "\"x509_v3_extensions\":{\"basic_constraints\":\"critical,CA:TRUE\"}}"),
        ERROR("no property at all", "{\"type\":\"x509-certificate\",\"defanged\":true}", ""),
        ERROR("empty x509_v3_extensions",
              "{\"type\":\"x509-certificate\",\"issuer\":\"x\",\"x509_v3_extensions\":{}}",
              "x509_v3_extensions"),
        ERROR("validity not a timestamp",
              "{\"type\":\"x509-certificate\",\"validity_not_before\":\"2016-03-12\"}",
              "validity_not_before"),
    };
    RUN(cases);
}

/* ---- identifiers ------------------------------------------------------------------------------
 */

static void test_id_rules_warn_on_non_deterministic_ids(void **state)
{
    (void)state;
    static const struct sco_case cases[] = {
        ACCEPT("the deterministic id",
               "{\"type\":\"ipv4-addr\",\"id\":\"" IPV4_ID "\",\"value\":\"198.51.100.2\"}"),
        ACCEPT("the deterministic id in uppercase hex",
               "{\"type\":\"ipv4-addr\",\"id\":\"ipv4-addr--9CF4A8EC-7640-5F40-A006-79942896168B\","
               "\"value\":\"198.51.100.2\"}"),
        WARNING(
            "another UUIDv5",
            "{\"type\":\"ipv4-addr\",\"id\":\"ipv4-addr--28bb3599-77cd-5a82-a950-b5bc3caf07c4\","
            "\"value\":\"198.51.100.2\"}",
            "id"),
        WARNING("a UUIDv4",
                "{\"type\":\"ipv4-addr\",\"id\":\"ipv4-addr--84445275-e371-444b-baea-"
                "ac7d07a180fd\",\"value\":\"198.51.100.2\"}",
                "id"),
        ACCEPT("a UUIDv4 for a process", "{\"type\":\"process\",\"id\":\"" PROC_ID "\",\"pid\":1}"),
        ACCEPT("a UUIDv4 when no ID-contributing property is present",
               "{\"type\":\"email-message\",\"id\":\"email-message--84445275-e371-444b-baea-"
               "ac7d07a180fd\",\"is_multipart\":false}"),
    };
    RUN(cases);
}

static void test_id_mismatch_names_the_expected_id(void **state)
{
    (void)state;
    struct stix_report r;
    json_t *obj = sco_load("{\"type\":\"ipv4-addr\",\"id\":\"ipv4-addr--28bb3599-77cd-5a82-a950-"
                           "b5bc3caf07c4\",\"value\":\"198.51.100.2\"}");
    stix_report_init(&r);
    stix_validate_object(obj, "objects[3]", &r);
    assert_int_equal(r.n_errors, 0);
    assert_int_equal(r.n_warnings, 1);
    assert_string_equal(r.items[0].path, "objects[3].id");
    assert_non_null(strstr(r.items[0].message,
                           "id does not match the deterministic identifier computed from value: "
                           "expected " IPV4_ID));
    stix_report_release(&r);
    json_decref(obj);
}

struct id_vector {
    const char *json;
    const char *id; /* expected */
};

/* Values from the STIX 2.1 examples (§6) and from python-stix2's
 * test_deterministic_ids.py (registry key values, PE file). */
static void test_sco_id_matches_other_implementations(void **state)
{
    (void)state;
    static const struct id_vector v[] = {
        {"{\"type\":\"ipv4-addr\",\"value\":\"198.51.100.2\"}", IPV4_ID},
        {"{\"type\":\"email-addr\",\"value\":\"john@example.com\",\"display_name\":\"John Doe\"}",
         EMAIL_ID},
        {"{\"type\":\"domain-name\",\"value\":\"example.com\"}", DOMAIN_ID},
        {"{\"type\":\"autonomous-system\",\"number\":15139,\"name\":\"Slime Industries\"}",
         "autonomous-system--3aa27478-50b5-5ab8-9da9-cdc12b657fff"},
        {"{\"type\":\"directory\",\"path\":\"C:\\\\Windows\\\\System32\"}", DIR_ID},
        {"{\"type\":\"url\",\"value\":\"https://example.com/research/index.html\"}",
         "url--47c3cf9a-5027-5bf0-997a-017c7edc7c55"},
        {"{\"type\":\"file\",\"hashes\":{\"SHA-256\":\"" SHA256_A "\"},\"size\":25536,"
         "\"name\":\"foo.dll\"}",
         FILE_ID},
        {"{\"type\":\"file\",\"hashes\":{\"SHA-256\":\"841a8921140aba50671ebb0770fecc4ee308c4952cfe"
         "ff8de154ab14eeef4649\"},\"name\":\"quêry.dll\",\"name_enc\":\"windows-1252\"}",
         "file--7d1e3a18-89e7-5bc5-be36-9879f5b7f5c8"},
        {"{\"type\":\"user-account\",\"user_id\":\"1001\",\"account_login\":\"jdoe\","
         "\"account_type\":\"unix\",\"display_name\":\"John Doe\"}",
         USER_ID},
        {"{\"type\":\"software\",\"name\":\"Word\",\"cpe\":\"cpe:2.3:a:microsoft:word:2000:*:*:*:*:"
         "*:"
         "*:*\",\"version\":\"2002\",\"vendor\":\"Microsoft\"}",
         "software--710b0b41-d4d0-5d6c-a400-fc9254554ffc"},
        {"{\"type\":\"windows-registry-key\",\"key\":\"HKEY_LOCAL_"
         "MACHINE\\\\System\\\\Foo\\\\Bar\"}",
         "windows-registry-key--1884b770-b679-522a-a9c7-45fadaaec7bb"},
        {"{\"type\":\"windows-registry-key\",\"values\":[{\"name\":\"Foo\",\"data\":\"qwerty\"},"
         "{\"name\":\"Bar\",\"data\":\"42\"}]}",
         "windows-registry-key--36594eba-bcc7-5014-9835-0e154264e588"},
        {"{\"type\":\"file\",\"name\":\"example.exe\",\"size\":68000,\"magic_number_hex\":"
         "\"50000000\",\"hashes\":{\"SHA-256\":"
         "\"841a8921140aba50671ebb0770fecc4ee308c4952cfeff8de15"
         "4ab14eeef4649\"},\"extensions\":{\"windows-pebinary-ext\":{\"pe_type\":\"exe\","
         "\"machine_hex\":\"014c\",\"sections\":[{\"name\":\".data\",\"size\":4096,\"entropy\":"
         "7.980693,\"hashes\":{\"SHA-256\":\"6e3b6f3978e5cd96ba7abee35c24e867b7e64072e2ecb22d0ee7a6"
         "e6af6894d0\"}}]}}}",
         "file--ced31cd4-bdcb-537d-aefa-92d291bfc11d"},
        {"{\"type\":\"mutex\",\"name\":\"barney\"}", "mutex--d69b4d39-9268-5f3c-b564-1726a783f719"},
    };
    for (size_t i = 0; i < sizeof v / sizeof v[0]; i++) {
        char id[STIX_ID_MAX];
        bool det = false;
        struct hl_error err;
        json_t *obj = NULL;
        if (stix_parse(v[i].json, strlen(v[i].json), &obj, &err))
            fail_msg("parse %s: %s", v[i].json, err.msg);
        if (stix_sco_id(obj, id, &det, &err))
            fail_msg("stix_sco_id %s: %s", v[i].json, err.msg);
        if (!det || strcmp(id, v[i].id) != 0)
            fail_msg("%s: got %s, want %s", v[i].json, id, v[i].id);
        json_decref(obj);
    }
}

static void sco_id_of(const char *text, char id[STIX_ID_MAX], bool *det)
{
    struct hl_error err;
    json_t *obj = NULL;
    if (stix_parse(text, strlen(text), &obj, &err))
        fail_msg("parse %s: %s", text, err.msg);
    if (stix_sco_id(obj, id, det, &err))
        fail_msg("stix_sco_id %s: %s", text, err.msg);
    json_decref(obj);
}

/* STIX 2.1 §6.7: one hash contributes, MD5 before SHA-1, SHA-256, SHA-512. */
static void test_sco_id_uses_one_hash_by_preference(void **state)
{
    (void)state;
    char id[STIX_ID_MAX];
    bool det;
    sco_id_of("{\"type\":\"file\",\"name\":\"a.exe\",\"hashes\":{\"SHA-256\":\"" SHA256_A "\","
              "\"MD5\":\"" MD5_EMPTY "\",\"SHA-1\":\"da39a3ee5e6b4b0d3255bfef95601890afd80709\"}}",
              id, &det);
    /* uuid5 of {"hashes":{"MD5":"d41d8cd98f00b204e9800998ecf8427e"},"name":"a.exe"} */
    assert_string_equal(id, "file--7e567502-8994-53ff-9c69-79240cae362d");
    sco_id_of("{\"type\":\"file\",\"name\":\"a.exe\",\"hashes\":{\"SHA-256\":\"" SHA256_A "\","
              "\"SHA-1\":\"da39a3ee5e6b4b0d3255bfef95601890afd80709\"}}",
              id, &det);
    assert_string_equal(id, "file--830e4a50-1f68-5d01-b9eb-3dfd67a6f650");
    assert_true(det);
}

static void assert_uuid_version(const char *id, const char *type, char version)
{
    size_t tl = strlen(type);
    assert_int_equal(strlen(id), tl + 2 + 36);
    assert_memory_equal(id, type, tl);
    assert_memory_equal(id + tl, "--", 2);
    const char *u = id + tl + 2;
    for (int i = 0; i < 36; i++) {
        if (i == 8 || i == 13 || i == 18 || i == 23)
            assert_int_equal(u[i], '-');
        else
            assert_non_null(strchr("0123456789abcdef", u[i]));
    }
    assert_int_equal(u[14], version);       /* RFC 4122 §4.1.3 */
    assert_non_null(strchr("89ab", u[19])); /* RFC 4122 §4.1.1 */
}

static void test_sco_id_falls_back_to_uuid4(void **state)
{
    (void)state;
    char a[STIX_ID_MAX], b[STIX_ID_MAX];
    bool det = true;
    sco_id_of("{\"type\":\"process\",\"pid\":1}", a, &det);
    assert_false(det);
    assert_uuid_version(a, "process", '4');
    sco_id_of("{\"type\":\"email-message\",\"is_multipart\":false}", b, &det);
    assert_false(det);
    assert_uuid_version(b, "email-message", '4');
    sco_id_of("{\"type\":\"file\",\"size\":1,\"hashes\":{}}", b, &det);
    assert_false(det);
}

static void test_sco_id_refuses_unknown_types(void **state)
{
    (void)state;
    char id[STIX_ID_MAX];
    bool det = true;
    struct hl_error err;
    json_t *obj = NULL;
    assert_int_equal(stix_parse("{\"type\":\"indicator\"}", 20, &obj, &err), 0);
    assert_int_equal(stix_sco_id(obj, id, &det, &err), -HL_E_INVALID);
    assert_string_equal(id, "");
    assert_false(det);
    json_decref(obj);
    assert_int_equal(stix_parse("{\"value\":\"x\"}", 13, &obj, &err), 0);
    assert_int_equal(stix_sco_id(obj, id, &det, &err), -HL_E_INVALID);
    json_decref(obj);
}

static void test_id_new_is_random_uuid4(void **state)
{
    (void)state;
    char a[STIX_ID_MAX], b[STIX_ID_MAX];
    assert_int_equal(stix_id_new("indicator", a), 0);
    assert_int_equal(stix_id_new("indicator", b), 0);
    assert_uuid_version(a, "indicator", '4');
    assert_uuid_version(b, "indicator", '4');
    assert_string_not_equal(a, b);
    assert_true(stix_id_valid(a, "indicator"));
}

static void test_id_new_refuses_bad_type_names(void **state)
{
    (void)state;
    char id[STIX_ID_MAX];
    char long_type[260];
    memset(long_type, 'a', 251);
    long_type[251] = '\0';
    assert_int_equal(stix_id_new("Indicator", id), -HL_E_INVALID);
    assert_string_equal(id, "");
    assert_int_equal(stix_id_new("ab", id), -HL_E_INVALID);
    assert_int_equal(stix_id_new(long_type, id), -HL_E_INVALID);
    assert_int_equal(stix_id_new(NULL, id), -HL_E_INVALID);
    long_type[250] = '\0';
    assert_int_equal(stix_id_new(long_type, id), 0);
    assert_int_equal(strlen(id), 250 + 2 + 36);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_artifact_needs_payload_bin_xor_url_with_hashes),
        cmocka_unit_test(test_autonomous_system_requires_integer_number),
        cmocka_unit_test(test_directory_requires_path_and_file_or_directory_refs),
        cmocka_unit_test(test_domain_name_value_and_resolves_to_refs),
        cmocka_unit_test(test_email_addr_value_is_addr_spec),
        cmocka_unit_test(test_email_message_body_follows_is_multipart),
        cmocka_unit_test(test_email_message_mime_parts_and_headers),
        cmocka_unit_test(test_file_needs_hashes_or_name),
        cmocka_unit_test(test_file_archive_ntfs_pdf_raster_extensions),
        cmocka_unit_test(test_file_windows_pebinary_extension),
        cmocka_unit_test(test_ip_addresses_are_addresses_or_cidr_blocks),
        cmocka_unit_test(test_mac_addr_is_lowercase_colon_delimited),
        cmocka_unit_test(test_mutex_requires_name),
        cmocka_unit_test(test_network_traffic_endpoints_ports_and_times),
        cmocka_unit_test(test_network_traffic_protocol_extensions),
        cmocka_unit_test(test_process_needs_a_property_and_typed_refs),
        cmocka_unit_test(test_software_name_cpe_and_languages),
        cmocka_unit_test(test_url_value_is_a_url),
        cmocka_unit_test(test_user_account_needs_a_property),
        cmocka_unit_test(test_windows_registry_key_hive_and_values),
        cmocka_unit_test(test_x509_certificate_needs_a_property),
        cmocka_unit_test(test_id_rules_warn_on_non_deterministic_ids),
        cmocka_unit_test(test_id_mismatch_names_the_expected_id),
        cmocka_unit_test(test_sco_id_matches_other_implementations),
        cmocka_unit_test(test_sco_id_uses_one_hash_by_preference),
        cmocka_unit_test(test_sco_id_falls_back_to_uuid4),
        cmocka_unit_test(test_sco_id_refuses_unknown_types),
        cmocka_unit_test(test_id_new_is_random_uuid4),
        cmocka_unit_test(test_id_new_refuses_bad_type_names),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
