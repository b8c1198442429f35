/*
 * taxii_test.c — the pure parts of the TAXII server (src/taxii/query.c),
 * without a network: URL paths, filters (TAXII 2.1 §3.4-3.6), media-type
 * negotiation (§1.6.8), TAXII timestamps, "next" cursors, collection ids
 * (UUIDv5 of channel names) and error messages (§3.6.1). The server
 * itself is exercised end to end by tests/integration/taxii.sh.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <jansson.h>

#include "taxii/taxii_int.h"

static void test_path_split_decodes_segments_and_drops_empty_ones(void **state)
{
    (void)state;
    const char *seg[8];
    char store[128];
    size_t n = 0;
    assert_int_equal(taxii_path_split("/api/collections/abc/objects/", store, seg, 8, &n), 0);
    assert_int_equal(n, 4);
    assert_string_equal(seg[0], "api");
    assert_string_equal(seg[3], "objects");
    assert_int_equal(taxii_path_split("//taxii2", store, seg, 8, &n), 0);
    assert_int_equal(n, 1);
    assert_string_equal(seg[0], "taxii2");
    assert_int_equal(taxii_path_split("/api/x%2Dy%41/", store, seg, 8, &n), 0);
    assert_string_equal(seg[1], "x-yA");
    assert_int_equal(taxii_path_split("/", store, seg, 8, &n), 0);
    assert_int_equal(n, 0);
}

static void test_path_split_refuses_bad_escapes_nul_slash_and_depth(void **state)
{
    (void)state;
    const char *seg[4];
    char store[128];
    size_t n = 0;
    assert_int_equal(taxii_path_split("/api/%zz/", store, seg, 4, &n), -HL_E_PARSE);
    assert_int_equal(taxii_path_split("/api/%4/", store, seg, 4, &n), -HL_E_PARSE);
    assert_int_equal(taxii_path_split("/api/a%00b/", store, seg, 4, &n), -HL_E_PARSE);
    assert_int_equal(taxii_path_split("/api/a%2Fb/", store, seg, 4, &n), -HL_E_PARSE);
    assert_int_equal(taxii_path_split("/a/b/c/d/e/", store, seg, 4, &n), -HL_E_TOO_LARGE);
}

static void test_filter_defaults_without_a_query(void **state)
{
    (void)state;
    struct taxii_filter f;
    struct hl_error err;
    assert_int_equal(taxii_filter_parse(NULL, TAXII_Q_LIST, &f, &err), 0);
    assert_int_equal(f.limit, TAXII_PAGE_MAX);
    assert_false(f.has_added_after);
    assert_false(f.has_next);
    assert_int_equal(f.n_ids + f.n_types + f.n_times, 0);
    assert_int_equal(f.versions, 0); /* §3.6.1: last */
    assert_false(f.spec_none);
    taxii_filter_release(&f);
    assert_int_equal(taxii_filter_parse("", TAXII_Q_LIST, &f, &err), 0);
    taxii_filter_release(&f);
}

static void test_filter_reads_every_parameter(void **state)
{
    (void)state;
    struct taxii_filter f;
    struct hl_error err;
    const char *q = "added_after=2016-01-01T01:01:01.123456Z&limit=50&next=1700000000000000.42"
                    "&match[type]=indicator,sighting"
                    "&match%5Bid%5D=indicator--aaaaaaaa-0000-4000-8000-000000000001"
                    "%2Cnote--aaaaaaaa-0000-4000-8000-000000000002"
                    "&match[version]=first,2016-01-01T00:00:00.000Z&match[spec_version]=2.0,2.1";
    assert_int_equal(taxii_filter_parse(q, TAXII_Q_LIST, &f, &err), 0);
    assert_true(f.has_added_after);
    assert_int_equal(f.added_after_us, 1451610061123456LL);
    assert_int_equal(f.limit, 50);
    assert_true(f.has_next);
    assert_int_equal(f.next.date_added_us, 1700000000000000LL);
    assert_int_equal(f.next.row, 42);
    assert_int_equal(f.n_types, 2);
    assert_string_equal(f.types[1], "sighting");
    assert_int_equal(f.n_ids, 2); /* an encoded comma separates values too */
    assert_string_equal(f.ids[1], "note--aaaaaaaa-0000-4000-8000-000000000002");
    assert_int_equal(f.versions, TAXII_V_FIRST);
    assert_int_equal(f.n_times, 1);
    assert_int_equal(f.times[0], 1451606400000000LL);
    assert_false(f.spec_none);
    taxii_filter_release(&f);
}

static void test_filter_values_are_one_comma_list_per_parameter(void **state)
{
    (void)state;
    struct taxii_filter f;
    struct hl_error err;
    assert_int_equal(taxii_filter_parse("match[type]=indicator,malware+&match[version]=first,last",
                                        TAXII_Q_LIST, &f, &err),
                     0);
    assert_int_equal(f.n_types, 2);
    assert_string_equal(f.types[1], "malware"); /* '+' is a space, trimmed */
    assert_int_equal(f.versions, TAXII_V_FIRST | TAXII_V_LAST);
    taxii_filter_release(&f);
    /* A parameter given twice is ambiguous: 400, as is a repeated value
     * or "all" beside anything else. */
    static const char *const bad[] = {
        "match[type]=indicator&match[type]=malware",
        "match[spec_version]=2.0&match[spec_version]=2.1",
        "match[version]=last,last",
        "match[version]=2016-01-01T00:00:00Z,2016-01-01T00:00:00.000Z",
        "match[version]=all,last",
        "match[version]=2016-01-01T00:00:00Z,all",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        if (taxii_filter_parse(bad[i], TAXII_Q_LIST, &f, &err) != -HL_E_PARSE)
            fail_msg("accepted '%s'", bad[i]);
}

static void test_filter_limit_above_the_maximum_is_lowered(void **state)
{
    (void)state;
    struct taxii_filter f;
    struct hl_error err;
    assert_int_equal(taxii_filter_parse("limit=999999999", TAXII_Q_LIST, &f, &err), 0);
    assert_int_equal(f.limit, TAXII_PAGE_MAX);
    taxii_filter_release(&f);
}

static void test_filter_spec_version_without_2_1_matches_nothing(void **state)
{
    (void)state;
    struct taxii_filter f;
    struct hl_error err;
    assert_int_equal(taxii_filter_parse("match[spec_version]=2.0", TAXII_Q_LIST, &f, &err), 0);
    assert_true(f.spec_none);
    taxii_filter_release(&f);
    assert_int_equal(taxii_filter_parse("match[spec_version]=2.0,2.1", TAXII_Q_LIST, &f, &err), 0);
    assert_false(f.spec_none);
    taxii_filter_release(&f);
}

static void test_filter_ignores_unknown_and_foreign_parameters(void **state)
{
    (void)state;
    struct taxii_filter f;
    struct hl_error err;
    /* match[type] is not a filter of the versions endpoint: ignored, even
     * malformed; unknown parameters are ignored everywhere. */
    assert_int_equal(taxii_filter_parse("match[type]=NOT%20A%20TYPE&foo=bar&match[foo]=1&x",
                                        TAXII_Q_ADDED_AFTER | TAXII_Q_LIMIT, &f, &err),
                     0);
    assert_int_equal(f.n_types, 0);
    taxii_filter_release(&f);
}

static void test_filter_refuses_malformed_values(void **state)
{
    (void)state;
    static const char *const bad[] = {
        "limit=0",
        "limit=-1",
        "limit=ten",
        "limit=1&limit=2",
        "added_after=2016-01-01",
        "added_after=2016-01-01T00:00:00+01:00",
        "added_after=a&added_after=b",
        "next=",
        "next=abc",
        "next=1.0",
        "next=-1.2",
        "match[type]=Indicator",
        "match[type]=x",
        "match[type]=indicator,,malware",
        "match[id]=indicator--not-a-uuid",
        "match[version]=newest",
        "match[spec_version]=two",
        "match[spec_version]=2.",
        "match[type]=%zz",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        struct taxii_filter f;
        struct hl_error err;
        hl_error_clear(&err);
        int r = taxii_filter_parse(bad[i], TAXII_Q_LIST, &f, &err);
        if (r != -HL_E_PARSE)
            fail_msg("'%s' gave %d", bad[i], r);
        assert_true(err.msg[0] != '\0');
        assert_null(f.text);
    }
}

static void test_filter_counts_list_values_up_to_the_store_limit(void **state)
{
    (void)state;
    size_t n = TAXII_LIST_MAX + 1, len = 13 + n * 4;
    char *q = malloc(len), *p = q;
    memcpy(p, "match[type]=", 12);
    p += 12;
    for (size_t i = 0; i < n; i++) {
        memcpy(p, "abc,", 4);
        p += 4;
    }
    p[-1] = '\0';
    struct taxii_filter f;
    struct hl_error err;
    assert_int_equal(taxii_filter_parse(q, TAXII_Q_LIST, &f, &err), -HL_E_TOO_LARGE);
    q[12 + (n - 1) * 4 - 1] = '\0'; /* one fewer */
    assert_int_equal(taxii_filter_parse(q, TAXII_Q_LIST, &f, &err), 0);
    assert_int_equal(f.n_types, TAXII_LIST_MAX);
    taxii_filter_release(&f);
    free(q);
}

static void test_query_get_finds_a_decoded_value(void **state)
{
    (void)state;
    char v[16];
    assert_true(taxii_query_get("a=1&party=x%3Ay&b", "party", v, sizeof v));
    assert_string_equal(v, "x:y");
    assert_false(taxii_query_get("a=1", "party", v, sizeof v));
    assert_false(taxii_query_get("party=0123456789abcdefXYZ", "party", v, sizeof v));
    assert_false(taxii_query_get(NULL, "party", v, sizeof v));
    /* An optional parameter tells absent (the default applies) from given
     * but unusable (a 400, not the default). */
    assert_int_equal(taxii_query_opt("a=1&wait=250", "wait", v, sizeof v), 1);
    assert_string_equal(v, "250");
    assert_int_equal(taxii_query_opt("a=1", "wait", v, sizeof v), 0);
    assert_int_equal(taxii_query_opt(NULL, "wait", v, sizeof v), 0);
    assert_int_equal(taxii_query_opt("wait=0123456789abcdefXYZ", "wait", v, sizeof v), -1);
}

static void test_accept_admits_only_taxii_2_1(void **state)
{
    (void)state;
    static const char *const ok[] = {
        "application/taxii+json;version=2.1",
        "application/taxii+json",
        "APPLICATION/TAXII+JSON; Version=\"2.1\"",
        "text/html, application/taxii+json;version=2.1;q=0.5",
        "application/taxii+json;version=2.1, application/stix+json;version=2.1",
    };
    static const char *const no[] = {
        "",
        "*/*",
        "application/json",
        "application/taxii+json;version=2.0",
        "application/taxii+json;version=2.1;q=0",
        "application/stix+json;version=2.1",
        "application/taxii+jsonx;version=2.1",
        "application/taxii+json;version",
    };
    for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++)
        if (!taxii_accept_ok(ok[i]))
            fail_msg("refused '%s'", ok[i]);
    for (size_t i = 0; i < sizeof no / sizeof no[0]; i++)
        if (taxii_accept_ok(no[i]))
            fail_msg("admitted '%s'", no[i]);
    assert_false(taxii_accept_ok(NULL));
}

static void test_content_type_must_be_taxii_2_1(void **state)
{
    (void)state;
    assert_true(taxii_content_type_ok("application/taxii+json;version=2.1"));
    assert_true(taxii_content_type_ok("application/taxii+json; version=2.1; charset=utf-8"));
    assert_true(taxii_content_type_ok("application/taxii+json"));
    assert_false(taxii_content_type_ok("application/taxii+json;version=2.0"));
    assert_false(taxii_content_type_ok("application/json"));
    assert_false(taxii_content_type_ok("application/stix+json;version=2.1"));
    assert_false(taxii_content_type_ok("application/taxii+json;version=2.1, text/plain"));
    assert_false(taxii_content_type_ok(NULL));
}

static void test_time_parse_and_format_round_trip_in_microseconds(void **state)
{
    (void)state;
    int64_t us = 0;
    char out[32];
    assert_true(taxii_time_parse("2016-11-01T03:04:05.123456789Z", &us));
    assert_int_equal(us, 1477969445123456LL);
    taxii_time_format(us, true, out);
    assert_string_equal(out, "2016-11-01T03:04:05.123456Z");
    taxii_time_format(1477969445123000LL, false, out);
    assert_string_equal(out, "2016-11-01T03:04:05.123Z");
    taxii_time_format(1477969445123400LL, false, out); /* no precision is lost */
    assert_string_equal(out, "2016-11-01T03:04:05.123400Z");
    taxii_time_format(0, true, out);
    assert_string_equal(out, "1970-01-01T00:00:00.000000Z");
    assert_false(taxii_time_parse("1969-12-31T23:59:59Z", &us));
    assert_false(taxii_time_parse("2016-11-01T03:04:05", &us));
    assert_false(taxii_time_parse(NULL, &us));
}

static void test_cursor_round_trips_and_refuses_forgeries(void **state)
{
    (void)state;
    char s[TAXII_NEXT_MAX];
    struct store_cursor c = {1700000000123456LL, 987654321}, d;
    taxii_cursor_encode(&c, s);
    assert_true(taxii_cursor_decode(s, &d));
    assert_int_equal(d.date_added_us, c.date_added_us);
    assert_int_equal(d.row, c.row);
    static const char *const bad[] = {"",
                                      ".",
                                      "1.",
                                      ".1",
                                      "1.0",
                                      "x.1",
                                      "1.x",
                                      "1.2.3",
                                      "-1.1",
                                      "1.-1",
                                      "99999999999999999999999.1"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        if (taxii_cursor_decode(bad[i], &d))
            fail_msg("decoded '%s'", bad[i]);
    assert_false(taxii_cursor_decode(NULL, &d));
}

static void test_collection_id_is_the_uuid5_of_the_channel_name(void **state)
{
    (void)state;
    char id[37];
    /* Python: uuid.uuid5(uuid.UUID(TAXII_COLLECTION_NS), "us-ru") */
    assert_int_equal(taxii_collection_id("us-ru", id), 0);
    assert_string_equal(id, "4d76c828-93d0-5d0b-8689-3a8d73bdac0b");
    char other[37];
    assert_int_equal(taxii_collection_id("us-cn", other), 0);
    assert_string_not_equal(id, other);
    assert_int_equal(other[14], '5'); /* version 5 */
}

static void test_error_body_is_a_taxii_error_message(void **state)
{
    (void)state;
    struct buf b;
    buf_init(&b, 4096);
    assert_int_equal(taxii_error_body(406, "Not acceptable", "use \"taxii\"", &b), 0);
    json_t *e = json_loads(b.data, JSON_REJECT_DUPLICATES, NULL);
    assert_non_null(e);
    assert_string_equal(json_string_value(json_object_get(e, "title")), "Not acceptable");
    assert_string_equal(json_string_value(json_object_get(e, "http_status")), "406");
    assert_string_equal(json_string_value(json_object_get(e, "description")), "use \"taxii\"");
    json_decref(e);
    /* A description that is not UTF-8 is dropped, the title stays. */
    assert_int_equal(taxii_error_body(400, "Bad request", "\xff\xfe", &b), 0);
    e = json_loads(b.data, 0, NULL);
    assert_non_null(e);
    assert_null(json_object_get(e, "description"));
    json_decref(e);
    buf_release(&b);
}

static void log_keep(void *ctx, const char *line)
{
    snprintf(ctx, 512, "%s", line);
}

/* A failed request's answer, and its cause in the node's log: storage full
 * is 503 saying nothing was stored; an internal failure 500, the store's
 * words logged (control bytes shown as '?'), not sent; busy is 503 alone. */
static void test_fail_answers_and_logs_the_cause(void **state)
{
    (void)state;
    char logged[512] = "";
    struct taxii_server srv = {.o = {.log = log_keep, .log_ctx = logged}};
    struct taxii_resp resp = {0};
    struct taxii_ctx c = {.srv = &srv, .method = "POST", .resp = &resp};
    struct hl_error err;
    buf_init(&resp.body, 4096);
    hl_error_clear(&err);
    hl_fail(&err, HL_E_FULL, "commit", "store: commit: database or disk is full (sqlite 13)");
    taxii_fail(&c, &err);
    assert_int_equal(resp.status, 503);
    assert_non_null(strstr(resp.body.data, "the node's storage is full; nothing of this request"));
    assert_string_equal(logged, "taxii error POST storage full: store: commit: database or disk "
                                "is full (sqlite 13)");
    logged[0] = '\0';
    hl_fail(&err, HL_E_STORE, "x", "store: step: malformed\n2026 forged line");
    taxii_fail(&c, &err);
    assert_int_equal(resp.status, 500);
    assert_null(strstr(resp.body.data, "malformed"));
    assert_string_equal(logged, "taxii error POST storage error: store: step: "
                                "malformed?2026 forged line");
    logged[0] = '\0';
    hl_fail(&err, HL_E_STORE, "x", "store: begin: database is locked (sqlite 5)");
    taxii_fail(&c, &err);
    assert_int_equal(resp.status, 503);
    assert_string_equal(logged, "");
    buf_release(&resp.body);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_path_split_decodes_segments_and_drops_empty_ones),
        cmocka_unit_test(test_fail_answers_and_logs_the_cause),
        cmocka_unit_test(test_path_split_refuses_bad_escapes_nul_slash_and_depth),
        cmocka_unit_test(test_filter_defaults_without_a_query),
        cmocka_unit_test(test_filter_reads_every_parameter),
        cmocka_unit_test(test_filter_values_are_one_comma_list_per_parameter),
        cmocka_unit_test(test_filter_limit_above_the_maximum_is_lowered),
        cmocka_unit_test(test_filter_spec_version_without_2_1_matches_nothing),
        cmocka_unit_test(test_filter_ignores_unknown_and_foreign_parameters),
        cmocka_unit_test(test_filter_refuses_malformed_values),
        cmocka_unit_test(test_filter_counts_list_values_up_to_the_store_limit),
        cmocka_unit_test(test_query_get_finds_a_decoded_value),
        cmocka_unit_test(test_accept_admits_only_taxii_2_1),
        cmocka_unit_test(test_content_type_must_be_taxii_2_1),
        cmocka_unit_test(test_time_parse_and_format_round_trip_in_microseconds),
        cmocka_unit_test(test_cursor_round_trips_and_refuses_forgeries),
        cmocka_unit_test(test_collection_id_is_the_uuid5_of_the_channel_name),
        cmocka_unit_test(test_error_body_is_a_taxii_error_message),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
