/*
 * timestamp_test.c — STIX timestamps (timestamp.c, STIX 2.1 §2.14 / §3.2):
 * strict RFC 3339 syntax with "T" and "Z", real calendar dates, ordering
 * with sub-second precision, millisecond formatting, and a round trip.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

#include "stix/stix.h"

static void test_parse_accepts_rfc3339_utc_with_any_precision(void **state)
{
    (void)state;
    struct stix_time t;
    assert_true(stix_time_parse("1970-01-01T00:00:00Z", &t));
    assert_int_equal(t.sec, 0);
    assert_int_equal(t.nsec, 0);
    assert_true(stix_time_parse("2016-04-06T20:03:48.123Z", &t));
    assert_int_equal(t.sec, 1459973028);
    assert_int_equal(t.nsec, 123000000);
    assert_true(stix_time_parse("2016-04-06T20:03:48.123456789123Z", &t));
    assert_int_equal(t.nsec, 123456789);
    assert_true(stix_time_parse("2000-02-29T23:59:59.5Z", &t));
    assert_int_equal(t.nsec, 500000000);
    assert_true(stix_time_parse("1969-12-31T23:59:59Z", &t));
    assert_int_equal(t.sec, -1);
}

static void test_parse_rejects_everything_else(void **state)
{
    (void)state;
    static const char *const bad[] = {
        "2016-04-06T20:03:48",        "2016-04-06t20:03:48Z",     "2016-04-06T20:03:48z",
        "2016-04-06 20:03:48Z",       "2016-04-06T20:03:48+00:00", "2016-04-06T20:03Z",
        "2016-04-06T20:03:60Z",       "2016-02-30T00:00:00Z",     "1900-02-29T00:00:00Z",
        "2016-13-01T00:00:00Z",       "2016-00-01T00:00:00Z",     "2016-04-06T24:00:00Z",
        "2016-04-06T20:03:48.Z",      "2016-04-06T20:03:48.1Zx",  "16-04-06T20:03:48Z",
        "2016-4-06T20:03:48Z",        "",                         "2016-04-06T20:03:48.1a2Z",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        if (stix_time_parse(bad[i], NULL))
            fail_msg("accepted '%s'", bad[i]);
    }
    assert_false(stix_time_parse(NULL, NULL));
}

static void test_cmp_orders_by_seconds_then_fraction(void **state)
{
    (void)state;
    struct stix_time a, b;
    assert_true(stix_time_parse("2016-01-01T00:00:00.001Z", &a));
    assert_true(stix_time_parse("2016-01-01T00:00:00.0009Z", &b));
    assert_true(stix_time_cmp(&a, &b) > 0);
    assert_true(stix_time_cmp(&b, &a) < 0);
    assert_true(stix_time_parse("2016-01-01T00:00:00.0010Z", &b));
    assert_int_equal(stix_time_cmp(&a, &b), 0);
    assert_true(stix_time_parse("2015-12-31T23:59:59.999Z", &b));
    assert_true(stix_time_cmp(&a, &b) > 0);
}

static void test_format_writes_milliseconds_and_round_trips(void **state)
{
    (void)state;
    static const char *const s[] = {"1970-01-01T00:00:00.000Z", "2016-04-06T20:03:48.123Z",
                                     "2000-02-29T23:59:59.999Z", "1969-12-31T23:59:59.000Z",
                                     "9999-12-31T23:59:59.999Z", "0001-01-01T00:00:00.000Z"};
    for (size_t i = 0; i < sizeof s / sizeof s[0]; i++) {
        struct stix_time t;
        char out[32];
        assert_true(stix_time_parse(s[i], &t));
        stix_time_format(&t, out);
        assert_string_equal(out, s[i]);
    }
    struct stix_time t = {0, 123456789};
    char out[32];
    stix_time_format(&t, out);
    assert_string_equal(out, "1970-01-01T00:00:00.123Z");
}

static void test_format_us_writes_microseconds(void **state)
{
    (void)state;
    char out[32];
    stix_time_format_us(1795932000123456LL, out);
    assert_string_equal(out, "2026-11-29T06:00:00.123456Z");
    stix_time_format_us(0, out);
    assert_string_equal(out, "1970-01-01T00:00:00.000000Z");
    stix_time_format_us(-1, out); /* before the epoch: the microsecond before */
    assert_string_equal(out, "1969-12-31T23:59:59.999999Z");
    struct stix_time t;
    assert_true(stix_time_parse("2026-11-29T06:00:00.123456Z", &t));
    assert_int_equal(t.sec * 1000000 + t.nsec / 1000, 1795932000123456LL);
}

static void test_now_is_recent_and_millisecond_precise(void **state)
{
    (void)state;
    struct stix_time now = stix_time_now(), y2020;
    assert_true(stix_time_parse("2020-01-01T00:00:00Z", &y2020));
    assert_true(stix_time_cmp(&now, &y2020) > 0);
    assert_int_equal(now.nsec % 1000000, 0);
    char out[32];
    stix_time_format(&now, out);
    assert_true(stix_time_parse(out, NULL));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse_accepts_rfc3339_utc_with_any_precision),
        cmocka_unit_test(test_format_us_writes_microseconds),
        cmocka_unit_test(test_parse_rejects_everything_else),
        cmocka_unit_test(test_cmp_orders_by_seconds_then_fraction),
        cmocka_unit_test(test_format_writes_milliseconds_and_round_trips),
        cmocka_unit_test(test_now_is_recent_and_millisecond_precise),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
