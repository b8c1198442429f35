/*
 * jcs_test.c — stix_canon and stix_canon_number produce RFC 8785 bytes:
 * the shared vectors ($HL_SHARED/jcs), the number table of RFC 8785
 * Appendix B, string escapes, UTF-16 member order, and the failures
 * (non-finite numbers, integers outside I-JSON, buffer ceiling, depth).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "stix/stix.h"

/* Canonical form of the JSON text s (parsed strictly) as a C string in
 * out (caller releases). */
static void canon_text(const char *s, struct buf *out)
{
    json_t *doc = NULL;
    struct hl_error err;
    if (stix_parse(s, strlen(s), &doc, &err))
        fail_msg("parse %s: %s: %s", s, err.where, err.msg);
    buf_init(out, 1u << 20);
    if (stix_canon(doc, out, &err))
        fail_msg("canon %s: %s", s, err.msg);
    json_decref(doc);
}

static void assert_canon(const char *in, const char *want)
{
    struct buf out;
    canon_text(in, &out);
    assert_string_equal(out.data, want);
    buf_release(&out);
}

static double from_bits(uint64_t bits)
{
    double d;
    memcpy(&d, &bits, sizeof d);
    return d;
}

static void test_canon_matches_shared_vectors(void **state)
{
    (void)state;
    const char *shared = getenv("HL_SHARED");
    if (!shared)
        fail_msg("HL_SHARED is not set");
    const char *names[] = {"arrays",  "french", "structures",
                           "unicode", "values", "weird"};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        char path[512];
        struct buf in, want, got;
        struct hl_error err;
        json_t *doc = NULL;
        buf_init(&in, 1u << 20);
        buf_init(&want, 1u << 20);
        buf_init(&got, 1u << 20);
        snprintf(path, sizeof path, "%s/jcs/input/%s.json", shared, names[i]);
        if (hl_read_file(path, 1u << 20, &in, &err))
            fail_msg("%s: %s", path, err.msg);
        snprintf(path, sizeof path, "%s/jcs/output/%s.json", shared, names[i]);
        if (hl_read_file(path, 1u << 20, &want, &err))
            fail_msg("%s: %s", path, err.msg);
        assert_int_equal(stix_parse(in.data, in.len, &doc, &err), 0);
        assert_int_equal(stix_canon(doc, &got, &err), 0);
        if (got.len != want.len || memcmp(got.data, want.data, got.len))
            fail_msg("%s: got %s\nwant %s", names[i], got.data, want.data);
        json_decref(doc);
        buf_release(&in);
        buf_release(&want);
        buf_release(&got);
    }
}

/* RFC 8785 Appendix B, plus ECMAScript boundary cases. */
static void test_canon_number_matches_rfc8785_table(void **state)
{
    (void)state;
    static const struct {
        uint64_t bits;
        const char *want;
    } table[] = {
        {0x0000000000000000, "0"},
        {0x8000000000000000, "0"},
        {0x0000000000000001, "5e-324"},
        {0x8000000000000001, "-5e-324"},
        {0x7fefffffffffffff, "1.7976931348623157e+308"},
        {0xffefffffffffffff, "-1.7976931348623157e+308"},
        {0x4340000000000000, "9007199254740992"},
        {0xc340000000000000, "-9007199254740992"},
        {0x4430000000000000, "295147905179352830000"},
        {0x44b52d02c7e14af5, "9.999999999999997e+22"},
        {0x44b52d02c7e14af6, "1e+23"},
        {0x44b52d02c7e14af7, "1.0000000000000001e+23"},
        {0x444b1ae4d6e2ef4e, "999999999999999700000"},
        {0x444b1ae4d6e2ef4f, "999999999999999900000"},
        {0x444b1ae4d6e2ef50, "1e+21"},
        {0x3eb0c6f7a0b5ed8c, "9.999999999999997e-7"},
        {0x3eb0c6f7a0b5ed8d, "0.000001"},
        {0x41b3de4355555553, "333333333.3333332"},
        {0x41b3de4355555554, "333333333.33333325"},
        {0x41b3de4355555555, "333333333.3333333"},
        {0x41b3de4355555556, "333333333.3333334"},
        {0x41b3de4355555557, "333333333.33333343"},
        {0xbecbf647612f3696, "-0.0000033333333333333333"},
        {0x43143ff3c1cb0959, "1424953923781206.2"},
    };
    for (size_t i = 0; i < sizeof table / sizeof table[0]; i++) {
        struct buf out;
        buf_init(&out, 64);
        assert_int_equal(stix_canon_number(from_bits(table[i].bits), &out), 0);
        if (strcmp(out.data, table[i].want))
            fail_msg("%016llx: got %s, want %s", (unsigned long long)table[i].bits, out.data,
                     table[i].want);
        buf_release(&out);
    }
}

static void test_canon_number_notation_boundaries(void **state)
{
    (void)state;
    static const struct {
        double d;
        const char *want;
    } table[] = {
        {1e21, "1e+21"},        {1e20, "100000000000000000000"},
        {1e-7, "1e-7"},         {1e-6, "0.000001"},
        {1.5e-7, "1.5e-7"},     {0.1, "0.1"},
        {-0.5, "-0.5"},         {4.5, "4.5"},
        {2e-3, "0.002"},        {1e30, "1e+30"},
        {123456789.5, "123456789.5"}, {-1.25e-10, "-1.25e-10"},
        {56.0, "56"},           {-9007199254740991.0, "-9007199254740991"},
        {0.1 + 0.2, "0.30000000000000004"},
    };
    for (size_t i = 0; i < sizeof table / sizeof table[0]; i++) {
        struct buf out;
        buf_init(&out, 64);
        assert_int_equal(stix_canon_number(table[i].d, &out), 0);
        if (strcmp(out.data, table[i].want))
            fail_msg("%.17g: got %s, want %s", table[i].d, out.data, table[i].want);
        buf_release(&out);
    }
}

static void test_canon_number_rejects_non_finite(void **state)
{
    (void)state;
    struct buf out;
    buf_init(&out, 64);
    assert_int_equal(stix_canon_number(from_bits(0x7fffffffffffffff), &out), -HL_E_INVALID);
    assert_int_equal(stix_canon_number(from_bits(0x7ff0000000000000), &out), -HL_E_INVALID);
    assert_int_equal(stix_canon_number(from_bits(0xfff0000000000000), &out), -HL_E_INVALID);
    assert_int_equal(out.len, 0);

    /* jansson itself refuses to hold one: json_real(INFINITY) is NULL. */
    buf_release(&out);
}

static void test_canon_integers(void **state)
{
    (void)state;
    assert_canon("[0, -0, 7, -7, 9007199254740991, -9007199254740991, 1.0, 100e-2]",
                 "[0,0,7,-7,9007199254740991,-9007199254740991,1,1]");
    /* An integer beyond I-JSON (only a tree built in code can hold one). */
    json_t *big = json_pack("[I]", (json_int_t)9007199254740992LL);
    struct buf out;
    struct hl_error err;
    buf_init(&out, 64);
    assert_int_equal(buf_adds(&out, "prefix"), 0);
    assert_int_equal(stix_canon(big, &out, &err), -HL_E_INVALID);
    assert_string_equal(out.data, "prefix"); /* cut back to its length on entry */
    json_decref(big);
    buf_release(&out);
}

static void test_canon_string_escapes(void **state)
{
    (void)state;
    assert_canon("[\"\\b\\t\\n\\f\\r\\\"\\\\\"]", "[\"\\b\\t\\n\\f\\r\\\"\\\\\"]");
    assert_canon("[\"\\u0001\\u001f\\u000B\"]", "[\"\\u0001\\u001f\\u000b\"]");
    /* '/', DEL, U+2028 and non-ASCII stay literal. */
    assert_canon("[\"\\/\\u007f\\u2028\\u00e9\"]", "[\"/\x7f\xe2\x80\xa8\xc3\xa9\"]");
    assert_canon("[\"\\ud83d\\ude02\"]", "[\"\xf0\x9f\x98\x82\"]");
    assert_canon("{\"a\\nb\": \"\"}", "{\"a\\nb\":\"\"}");
}

static void test_canon_sorts_members_by_utf16_units(void **state)
{
    (void)state;
    /* U+1F602 (surrogates D83D DE02) sorts before U+FB33 in UTF-16,
     * though after it in UTF-8 byte order and code-point order. */
    assert_canon("{\"\\ufb33\": 1, \"\\ud83d\\ude02\": 2, \"\\u00f6\": 3}",
                 "{\"\xc3\xb6\":3,\"\xf0\x9f\x98\x82\":2,\"\xef\xac\xb3\":1}");
    /* U+E000 (private use) against U+10000: D800 < E000. */
    assert_canon("{\"\\ue000\": 1, \"\\ud800\\udc00\": 2}",
                 "{\"\xf0\x90\x80\x80\":2,\"\xee\x80\x80\":1}");
    /* Below U+D800 byte order holds: U+D7FF before U+10000. */
    assert_canon("{\"\\ud800\\udc00\": 2, \"\\ud7ff\": 1}",
                 "{\"\xed\x9f\xbf\":1,\"\xf0\x90\x80\x80\":2}");
    /* Prefixes first; case matters (ASCII order). */
    assert_canon("{\"ab\": 1, \"a\": 2, \"\": 3, \"B\": 4, \"b\": 5}",
                 "{\"\":3,\"B\":4,\"a\":2,\"ab\":1,\"b\":5}");
}

static void test_canon_sorts_large_objects(void **state)
{
    (void)state;
    /* More members than fit on the stack. */
    json_t *obj = json_object();
    for (int i = 99; i >= 0; i--) {
        char key[8];
        snprintf(key, sizeof key, "k%02d", i);
        assert_int_equal(json_object_set_new(obj, key, json_integer(i)), 0);
    }
    struct buf out;
    struct hl_error err;
    buf_init(&out, 1u << 16);
    assert_int_equal(stix_canon(obj, &out, &err), 0);
    assert_int_equal(strncmp(out.data, "{\"k00\":0,\"k01\":1,", 17), 0);
    assert_non_null(strstr(out.data, "\"k98\":98,\"k99\":99}"));
    json_decref(obj);
    buf_release(&out);
}

static void test_canon_respects_buffer_ceiling(void **state)
{
    (void)state;
    const char *text = "{\"b\":[1,2,3],\"a\":\"hello\"}";
    const char *want = "{\"a\":\"hello\",\"b\":[1,2,3]}";
    json_t *doc = NULL;
    struct hl_error err;
    assert_int_equal(stix_parse(text, strlen(text), &doc, &err), 0);
    struct buf out;
    buf_init(&out, strlen(want) - 1);
    assert_int_equal(stix_canon(doc, &out, &err), -HL_E_TOO_LARGE);
    assert_int_equal(out.len, 0);
    buf_release(&out);
    buf_init(&out, strlen(want));
    assert_int_equal(stix_canon(doc, &out, &err), 0);
    assert_string_equal(out.data, want);
    buf_release(&out);
    json_decref(doc);
}

static void test_canon_depth_limit(void **state)
{
    (void)state;
    /* HL_MAX_JSON_DEPTH nested arrays are fine, one more is refused. */
    json_t *root = json_array();
    json_t *inner = root;
    for (int i = 1; i < HL_MAX_JSON_DEPTH; i++) {
        json_t *a = json_array();
        json_array_append_new(inner, a);
        inner = a;
    }
    struct buf out;
    struct hl_error err;
    buf_init(&out, 1u << 16);
    assert_int_equal(stix_canon(root, &out, &err), 0);
    assert_int_equal(out.len, 2 * HL_MAX_JSON_DEPTH);
    buf_clear(&out);
    json_array_append_new(inner, json_array());
    assert_int_equal(stix_canon(root, &out, &err), -HL_E_TOO_LARGE);
    assert_int_equal(out.len, 0);
    buf_release(&out);
    json_decref(root);
}

static void test_canon_is_idempotent(void **state)
{
    (void)state;
    const char *text = "{\"z\": [1e30, 0.5, {\"y\": null, \"x\": \"\\u00e9\\u0007\"}],"
                       " \"\\ud83d\\ude02\": false}";
    struct buf once, twice;
    canon_text(text, &once);
    canon_text(once.data, &twice);
    assert_string_equal(once.data, twice.data);
    buf_release(&once);
    buf_release(&twice);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_canon_matches_shared_vectors),
        cmocka_unit_test(test_canon_number_matches_rfc8785_table),
        cmocka_unit_test(test_canon_number_notation_boundaries),
        cmocka_unit_test(test_canon_number_rejects_non_finite),
        cmocka_unit_test(test_canon_integers),
        cmocka_unit_test(test_canon_string_escapes),
        cmocka_unit_test(test_canon_sorts_members_by_utf16_units),
        cmocka_unit_test(test_canon_sorts_large_objects),
        cmocka_unit_test(test_canon_respects_buffer_ceiling),
        cmocka_unit_test(test_canon_depth_limit),
        cmocka_unit_test(test_canon_is_idempotent),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
