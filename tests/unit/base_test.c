/* base_test.c — errors, struct buf invariants and ceilings, file reading
 * limits, atomic writes, integer parsing. */
/* cmocka.h needs these first. */
// clang-format off
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
// clang-format on

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/base.h"

static void test_strerror_names_every_code(void **state)
{
    (void)state;
    for (int c = 0; c < HL_E__COUNT; c++)
        assert_string_not_equal(hl_strerror(c), "unknown error");
    assert_string_equal(hl_strerror(-HL_E_PARSE), "malformed input");
    assert_string_equal(hl_strerror(HL_E__COUNT), "unknown error");
}

static void test_fail_fills_error_and_returns_negative_code(void **state)
{
    (void)state;
    struct hl_error err;
    hl_error_clear(&err);
    int r = hl_fail(&err, HL_E_STIX, "objects[2].id", "bad %s", "id");
    assert_int_equal(r, -HL_E_STIX);
    assert_int_equal(err.code, HL_E_STIX);
    assert_string_equal(err.where, "objects[2].id");
    assert_string_equal(err.msg, "bad id");
    assert_int_equal(hl_fail(NULL, HL_E_IO, NULL, "x"), -HL_E_IO);
}

static void test_fail_cuts_overlong_message(void **state)
{
    (void)state;
    struct hl_error err;
    char big[2 * HL_ERROR_MSG_MAX];
    memset(big, 'a', sizeof big - 1);
    big[sizeof big - 1] = '\0';
    hl_fail(&err, HL_E_INVALID, big, "%s", big);
    assert_int_equal(strlen(err.msg), HL_ERROR_MSG_MAX - 1);
    assert_int_equal(strlen(err.where), HL_ERROR_WHERE_MAX - 1);
}

static void test_buf_empty_is_a_valid_string(void **state)
{
    (void)state;
    struct buf b;
    buf_init(&b, 100);
    assert_non_null(b.data);
    assert_string_equal(b.data, "");
    buf_release(&b);
    assert_string_equal(b.data, "");
}

static void test_buf_grows_and_stays_terminated(void **state)
{
    (void)state;
    struct buf b;
    buf_init(&b, 1 << 20);
    for (int i = 0; i < 1000; i++)
        assert_int_equal(buf_addf(&b, "%d,", i), 0);
    assert_true(b.len < b.cap);
    assert_int_equal(b.data[b.len], '\0');
    assert_memory_equal(b.data, "0,1,2,", 6);
    size_t len;
    char *p = buf_detach(&b, &len);
    assert_int_equal(strlen(p), len);
    assert_int_equal(b.len, 0);
    free(p);
}

static void test_buf_refuses_growth_past_max_and_keeps_contents(void **state)
{
    (void)state;
    struct buf b;
    buf_init(&b, 8);
    assert_int_equal(buf_adds(&b, "12345678"), 0);
    assert_int_equal(buf_addc(&b, '9'), -HL_E_TOO_LARGE);
    assert_string_equal(b.data, "12345678");
    assert_int_equal(buf_addf(&b, "%s", "long string"), -HL_E_TOO_LARGE);
    assert_int_equal(b.len, 8);
    buf_truncate(&b, 2);
    assert_string_equal(b.data, "12");
    buf_release(&b);
}

static void test_buf_addf_handles_long_output(void **state)
{
    (void)state;
    struct buf b;
    buf_init(&b, 10000);
    char s[1000];
    memset(s, 'x', sizeof s - 1);
    s[sizeof s - 1] = '\0';
    assert_int_equal(buf_addf(&b, "<%s>", s), 0);
    assert_int_equal(b.len, 1001);
    assert_int_equal(b.data[1000], '>');
    buf_release(&b);
}

static void test_size_helpers_detect_overflow(void **state)
{
    (void)state;
    size_t r;
    assert_true(size_add(1, 2, &r));
    assert_int_equal(r, 3);
    assert_false(size_add(SIZE_MAX, 1, &r));
    assert_false(size_mul(SIZE_MAX / 2 + 1, 2, &r));
    assert_true(size_mul(1000, 1000, &r));
}

static void test_read_file_enforces_ceiling(void **state)
{
    (void)state;
    char dir[] = "/tmp/hl-base-XXXXXX";
    assert_non_null(mkdtemp(dir));
    char path[256];
    snprintf(path, sizeof path, "%s/f", dir);
    struct hl_error err;
    assert_int_equal(hl_write_file(path, "0123456789", 10, 0600, &err), 0);
    struct stat st;
    assert_int_equal(stat(path, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0600);

    struct buf b;
    buf_init(&b, 1 << 20);
    assert_int_equal(hl_read_file(path, 10, &b, &err), 0);
    assert_string_equal(b.data, "0123456789");
    assert_int_equal(hl_read_file(path, 9, &b, &err), -HL_E_TOO_LARGE);
    assert_int_equal(err.code, HL_E_TOO_LARGE);
    assert_string_equal(err.where, path);
    assert_int_equal(b.len, 0);

    char missing[300];
    snprintf(missing, sizeof missing, "%s/none", dir);
    assert_int_equal(hl_read_file(missing, 10, &b, &err), -HL_E_NOT_FOUND);
    buf_release(&b);
    unlink(path);
    rmdir(dir);
}

static int fill_half_then_fail(void *ctx, int fd, struct hl_error *err)
{
    (void)ctx;
    assert_int_equal(write(fd, "new", 3), 3);
    return hl_fail(err, HL_E_IO, NULL, "the source broke off");
}

/* A writer that fails midway leaves the old file whole and no temporary
 * file beside it. */
static void test_write_file_with_failing_fill_keeps_old_file(void **state)
{
    (void)state;
    char dir[] = "/tmp/hl-base-XXXXXX";
    assert_non_null(mkdtemp(dir));
    char path[256];
    snprintf(path, sizeof path, "%s/f", dir);
    struct hl_error err;
    assert_int_equal(hl_write_file(path, "old", 3, 0600, &err), 0);
    assert_int_equal(hl_write_file_with(path, 0600, fill_half_then_fail, NULL, &err), -HL_E_IO);
    assert_string_equal(err.msg, "the source broke off");
    struct buf b;
    buf_init(&b, 64);
    assert_int_equal(hl_read_file(path, 64, &b, &err), 0);
    assert_string_equal(b.data, "old");
    buf_release(&b);
    unlink(path);
    assert_int_equal(rmdir(dir), 0); /* nothing else was left in it */
}

static void test_parse_int_accepts_only_whole_decimal_in_range(void **state)
{
    (void)state;
    long long v;
    assert_true(hl_parse_int("42", 0, 100, &v));
    assert_int_equal(v, 42);
    assert_true(hl_parse_int("-5", -10, 10, &v));
    assert_int_equal(v, -5);
    assert_false(hl_parse_int("101", 0, 100, &v));
    assert_false(hl_parse_int("4x", 0, 100, &v));
    assert_false(hl_parse_int("", 0, 100, &v));
    assert_false(hl_parse_int("-", 0, 100, &v));
    assert_false(hl_parse_int(" 4", 0, 100, &v));
    assert_false(hl_parse_int("99999999999999999999999", 0, 100, &v));
    assert_true(hl_parse_int("-9223372036854775808", INT64_MIN, 0, &v));
}

static void test_hex_is_lowercase(void **state)
{
    (void)state;
    uint8_t in[3] = {0x00, 0xab, 0xff};
    char out[7];
    hl_hex(out, in, 3);
    assert_string_equal(out, "00abff");
    /* hl_hex_is takes exactly what hl_hex writes, of the length asked. */
    assert_true(hl_hex_is(out, 6));
    assert_false(hl_hex_is(out, 4));
    assert_false(hl_hex_is(out, 8));
    assert_false(hl_hex_is("00ABff", 6));
    assert_false(hl_hex_is("00abfg", 6));
    assert_false(hl_hex_is(NULL, 0));
    assert_true(hl_hex_is("", 0));
}

/* The clocks: the monotonic one never goes back; a deadline lands that
 * far ahead, nanoseconds carried into seconds, and one in the past is
 * now. */
static void test_clocks_and_deadlines(void **state)
{
    (void)state;
    int64_t m0 = hl_mono_us(), w0 = hl_wall_us();
    assert_true(w0 > 1700000000LL * 1000000); /* after 2023 */
    for (int64_t us = 1; us <= 3000000000LL; us *= 7) {
        struct timespec a, t = hl_realtime_in_us(us), b;
        clock_gettime(CLOCK_REALTIME, &b);
        assert_true(t.tv_nsec >= 0 && t.tv_nsec < 1000000000);
        int64_t at = (int64_t)t.tv_sec * 1000000 + t.tv_nsec / 1000;
        int64_t now = (int64_t)b.tv_sec * 1000000 + b.tv_nsec / 1000;
        assert_true(at - now <= us + 1 && at - now >= us - 100000);
        a = hl_realtime_in_us(-us);
        assert_true((int64_t)a.tv_sec * 1000000 + a.tv_nsec / 1000 <= now + 1);
        assert_true((int64_t)a.tv_sec * 1000000 + a.tv_nsec / 1000 >= now - 100000);
    }
    assert_true(hl_mono_us() >= m0);
}

/* The kernel keeps 15 bytes of a thread's name; a longer one is cut. */
static void test_thread_name_is_set_and_cut_to_15_bytes(void **state)
{
    (void)state;
    char old[16] = "", now[16] = "";
    assert_int_equal(prctl(PR_GET_NAME, (unsigned long)old, 0UL, 0UL, 0UL), 0);
    hl_thread_name("hl-checkpoint");
    assert_int_equal(prctl(PR_GET_NAME, (unsigned long)now, 0UL, 0UL, 0UL), 0);
    assert_string_equal(now, "hl-checkpoint");
    hl_thread_name("hl-a-name-longer-than-fifteen");
    assert_int_equal(prctl(PR_GET_NAME, (unsigned long)now, 0UL, 0UL, 0UL), 0);
    assert_string_equal(now, "hl-a-name-longe");
    hl_thread_name(old);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_clocks_and_deadlines),
        cmocka_unit_test(test_strerror_names_every_code),
        cmocka_unit_test(test_fail_fills_error_and_returns_negative_code),
        cmocka_unit_test(test_fail_cuts_overlong_message),
        cmocka_unit_test(test_buf_empty_is_a_valid_string),
        cmocka_unit_test(test_buf_grows_and_stays_terminated),
        cmocka_unit_test(test_buf_refuses_growth_past_max_and_keeps_contents),
        cmocka_unit_test(test_buf_addf_handles_long_output),
        cmocka_unit_test(test_size_helpers_detect_overflow),
        cmocka_unit_test(test_read_file_enforces_ceiling),
        cmocka_unit_test(test_write_file_with_failing_fill_keeps_old_file),
        cmocka_unit_test(test_parse_int_accepts_only_whole_decimal_in_range),
        cmocka_unit_test(test_hex_is_lowercase),
        cmocka_unit_test(test_thread_name_is_set_and_cut_to_15_bytes),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
