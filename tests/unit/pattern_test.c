/*
 * pattern_test.c — the STIX 2.1 Patterning parser (src/pattern): every
 * comparison operator and NOT, every constant type and its decoding,
 * every object path form, every qualifier, the precedence of both levels
 * (asserted on the tree's shape), the example patterns of STIX 2.1 §9,
 * syntax errors with their exact line:column, the three limits, and the
 * canonical printer's fixed point.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "pattern/pattern.h"

/* ---- helpers --------------------------------------------------------------- */

/* Parses s or fails the test; caller frees. */
static struct pattern *parse_ok(const char *s)
{
    struct pattern *p = NULL;
    struct hl_error err;
    if (pattern_parse(s, strlen(s), &p, &err))
        fail_msg("parse \"%s\": %s: %s", s, err.where, err.msg);
    return p;
}

/* Canonical text of p into out (caller releases). */
static void print_ok(const struct pattern *p, struct buf *out)
{
    struct hl_error err;
    buf_init(out, 1u << 20);
    if (pattern_to_string(p, out, &err))
        fail_msg("print: %s", err.msg);
}

/* s parses, prints as want, and want parses and prints as itself. */
static void assert_canon(const char *s, const char *want)
{
    struct pattern *p = parse_ok(s), *q;
    struct buf a, b;
    print_ok(p, &a);
    assert_string_equal(a.data, want);
    q = parse_ok(a.data);
    print_ok(q, &b);
    assert_string_equal(b.data, a.data);
    buf_release(&a);
    buf_release(&b);
    pattern_free(p);
    pattern_free(q);
}

/* s is refused with code at where, the message containing msg. */
static void assert_fails(const char *s, int code, const char *where, const char *msg)
{
    struct pattern *p = (struct pattern *)1;
    struct hl_error err;
    hl_error_clear(&err);
    int rc = pattern_parse(s, strlen(s), &p, &err);
    if (rc != -code)
        fail_msg("\"%s\": rc %d (want %d): %s: %s", s, rc, -code, err.where, err.msg);
    assert_null(p);
    assert_int_equal(err.code, code);
    if (where)
        assert_string_equal(err.where, where);
    if (msg && !strstr(err.msg, msg))
        fail_msg("\"%s\": message \"%s\" lacks \"%s\"", s, err.msg, msg);
}

/* The only comparison of a one-bracket pattern. */
static const struct pattern_comparison *only_cmp(const struct pattern *p)
{
    const struct pattern_obs *o = pattern_root(p);
    assert_int_equal(o->kind, PATTERN_OBS_BRACKET);
    assert_int_equal(o->expr->kind, PATTERN_EXPR_COMPARISON);
    return o->expr->cmp;
}

/* ---- operators ------------------------------------------------------------- */

static void test_parse_accepts_every_comparison_operator(void **state)
{
    static const struct {
        const char *text;
        enum pattern_op op;
        bool negated;
    } cases[] = {
        {"[file:size = 1280]", PATTERN_OP_EQ, false},
        {"[file:size == 1280]", PATTERN_OP_EQ, false},
        {"[file:size != 1280]", PATTERN_OP_NEQ, false},
        {"[file:size <> 1280]", PATTERN_OP_NEQ, false},
        {"[file:size > 1024]", PATTERN_OP_GT, false},
        {"[file:size < 1024]", PATTERN_OP_LT, false},
        {"[file:size >= 1024]", PATTERN_OP_GE, false},
        {"[file:size <= 1024]", PATTERN_OP_LE, false},
        {"[file:size IN (1024, 2048)]", PATTERN_OP_IN, false},
        {"[file:name LIKE 'name%']", PATTERN_OP_LIKE, false},
        {"[file:name MATCHES '^Final Report.+\\\\.exe$']", PATTERN_OP_MATCHES, false},
        {"[ipv4-addr:value ISSUBSET '198.51.100.0/24']", PATTERN_OP_ISSUBSET, false},
        {"[ipv4-addr:value ISSUPERSET '198.51.100.0/24']", PATTERN_OP_ISSUPERSET, false},
        {"[EXISTS windows-registry-key:values]", PATTERN_OP_EXISTS, false},
        {"[file:size NOT = 1280]", PATTERN_OP_EQ, true},
        {"[file:size NOT != 1280]", PATTERN_OP_NEQ, true},
        {"[file:size NOT > 1]", PATTERN_OP_GT, true},
        {"[file:size NOT < 1]", PATTERN_OP_LT, true},
        {"[file:size NOT >= 1]", PATTERN_OP_GE, true},
        {"[file:size NOT <= 1]", PATTERN_OP_LE, true},
        {"[file:name NOT IN ('a', 'b')]", PATTERN_OP_IN, true},
        {"[file:name NOT LIKE 'a%']", PATTERN_OP_LIKE, true},
        {"[file:name NOT MATCHES 'a+']", PATTERN_OP_MATCHES, true},
        {"[ipv4-addr:value NOT ISSUBSET '10.0.0.0/8']", PATTERN_OP_ISSUBSET, true},
        {"[ipv4-addr:value NOT ISSUPERSET '10.0.0.0/8']", PATTERN_OP_ISSUPERSET, true},
    };
    (void)state;
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct pattern *p = parse_ok(cases[i].text);
        const struct pattern_comparison *c = only_cmp(p);
        assert_int_equal(c->op, cases[i].op);
        assert_int_equal(c->negated, cases[i].negated);
        assert_int_equal(c->value.kind == PATTERN_VAL_NONE, cases[i].op == PATTERN_OP_EXISTS);
        pattern_free(p);
    }
}

static void test_parse_rejects_operand_of_wrong_type(void **state)
{
    (void)state;
    assert_fails("[file:name LIKE 5]", HL_E_PARSE, "1:17", "expected a string constant");
    assert_fails("[file:name MATCHES b'QQ==']", HL_E_PARSE, "1:20", "string constant");
    assert_fails("[a:b ISSUBSET ('x')]", HL_E_PARSE, "1:15", "string constant after 'ISSUBSET'");
    assert_fails("[a:b ISSUPERSET 1]", HL_E_PARSE, "1:17", "string constant");
    assert_fails("[a:b > true]", HL_E_PARSE, "1:8", "found 'true'");
    assert_fails("[a:b IN 'x']", HL_E_PARSE, "1:9", "expected '(' to open the set");
    assert_fails("[a:b = ('x')]", HL_E_PARSE, "1:8", "expected a constant after '='");
    assert_fails("[a:b =? 'x']", HL_E_PARSE, "1:7", "unexpected character '?'");
    assert_fails("[a:b 'x']", HL_E_PARSE, "1:6", "expected a comparison operator");
    assert_fails("[a:b NOT 'x']", HL_E_PARSE, "1:10", "comparison operator after NOT");
}

static void test_parse_rejects_not_outside_operator_position(void **state)
{
    (void)state;
    assert_fails("[NOT a:b = 1]", HL_E_PARSE, "1:2", "NOT goes between");
    assert_fails("[NOT EXISTS a:b]", HL_E_PARSE, "1:2", "found 'NOT'");
    assert_fails("[a:b NOT EXISTS]", HL_E_PARSE, "1:10", "found 'EXISTS'");
}

static void test_matches_requires_a_compiling_regex(void **state)
{
    struct pattern *p = parse_ok("[artifact:payload_bin MATCHES '\\\\xd4\\\\xc3\\\\xb2']");
    (void)state;
    assert_string_equal(only_cmp(p)->value.u.str.s, "\\xd4\\xc3\\xb2");
    pattern_free(p);
    assert_fails("[file:name MATCHES 'a(b']", HL_E_PARSE, "1:20", "does not compile");
    assert_fails("[file:name MATCHES '[z-a]']", HL_E_PARSE, "1:20", "does not compile");
}

/* ---- constants ------------------------------------------------------------- */

static void test_string_constant_unescapes_quote_and_backslash(void **state)
{
    struct pattern *p = parse_ok("[a:b = 'it\\'s C:\\\\dir']");
    const struct pattern_value *v = &only_cmp(p)->value;
    (void)state;
    assert_int_equal(v->kind, PATTERN_VAL_STRING);
    assert_string_equal(v->u.str.s, "it's C:\\dir");
    assert_int_equal(v->u.str.len, 11);
    pattern_free(p);
    assert_fails("[a:b = 'a\\nb']", HL_E_PARSE, "1:8", "may escape only");
    assert_fails("[a:b = 'open]", HL_E_PARSE, "1:8", "never closed");
}

static void test_numeric_and_boolean_constants_decode(void **state)
{
    static const struct {
        const char *text;
        enum pattern_value_kind kind;
        long long i;
        double f;
    } cases[] = {
        {"[a:b = 0]", PATTERN_VAL_INT, 0, 0},
        {"[a:b = 1280]", PATTERN_VAL_INT, 1280, 0},
        {"[a:b = +7]", PATTERN_VAL_INT, 7, 0},
        {"[a:b = -42]", PATTERN_VAL_INT, -42, 0},
        {"[a:b = 9223372036854775807]", PATTERN_VAL_INT, 9223372036854775807LL, 0},
        {"[a:b = -9223372036854775808]", PATTERN_VAL_INT, (-9223372036854775807LL - 1), 0},
        {"[a:b > 7.0]", PATTERN_VAL_FLOAT, 0, 7.0},
        {"[a:b > .5]", PATTERN_VAL_FLOAT, 0, 0.5},
        {"[a:b > -0.25]", PATTERN_VAL_FLOAT, 0, -0.25},
        {"[a:b = true]", PATTERN_VAL_BOOL, 1, 0},
        {"[a:b = false]", PATTERN_VAL_BOOL, 0, 0},
    };
    (void)state;
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct pattern *p = parse_ok(cases[i].text);
        const struct pattern_value *v = &only_cmp(p)->value;
        assert_int_equal(v->kind, cases[i].kind);
        if (v->kind == PATTERN_VAL_INT)
            assert_true(v->u.i.v == cases[i].i);
        else if (v->kind == PATTERN_VAL_FLOAT)
            assert_true(v->u.f.v == cases[i].f);
        else
            assert_int_equal(v->u.b, cases[i].i);
        pattern_free(p);
    }
    assert_fails("[a:b = 9223372036854775808]", HL_E_PARSE, "1:8", "out of range");
    assert_fails("[a:b = 012]", HL_E_PARSE, "1:8", "leading zeros");
    assert_fails("[a:b = 1.]", HL_E_PARSE, "1:8", "must end before");
    assert_fails("[a:b = 1e5]", HL_E_PARSE, "1:8", "must end before");
    assert_fails("[a:b = TRUE]", HL_E_PARSE, "1:8", "found 'TRUE'");
}

static void test_binary_constant_is_strict_base64(void **state)
{
    struct pattern *p = parse_ok("[artifact:payload_bin = b'dGhpcyBpcyBhIHRlc3Q=']");
    const struct pattern_value *v = &only_cmp(p)->value;
    (void)state;
    assert_int_equal(v->kind, PATTERN_VAL_BINARY);
    assert_int_equal(v->u.bin.len, 14);
    assert_memory_equal(v->u.bin.bytes, "this is a test", 14);
    pattern_free(p);
    p = parse_ok("[a:b = b'QQ==']");
    assert_int_equal(only_cmp(p)->value.u.bin.len, 1);
    assert_int_equal(only_cmp(p)->value.u.bin.bytes[0], 'A');
    pattern_free(p);
    assert_fails("[artifact:payload_bin = b'====']", HL_E_PARSE, "1:25", "base64");
    assert_fails("[a:b = b'']", HL_E_PARSE, "1:8", "base64");
    assert_fails("[a:b = b'QQ=']", HL_E_PARSE, "1:8", "base64");
    assert_fails("[a:b = b'QR==']", HL_E_PARSE, "1:8", "unused bits zero");
    assert_fails("[a:b = b'Q=QQ']", HL_E_PARSE, "1:8", "base64");
    assert_fails("[a:b = b'QQ-_']", HL_E_PARSE, "1:8", "base64");
}

static void test_hex_constant_has_even_length(void **state)
{
    struct pattern *p = parse_ok("[file:magic_number_hex = h'FFd8']");
    const struct pattern_value *v = &only_cmp(p)->value;
    (void)state;
    assert_int_equal(v->kind, PATTERN_VAL_HEX);
    assert_int_equal(v->u.bin.len, 2);
    assert_int_equal(v->u.bin.bytes[0], 0xFF);
    assert_int_equal(v->u.bin.bytes[1], 0xD8);
    pattern_free(p);
    p = parse_ok("[a:b = h'']");
    assert_int_equal(only_cmp(p)->value.u.bin.len, 0);
    pattern_free(p);
    assert_fails("[a:b = h'abc']", HL_E_PARSE, "1:8", "pairs of hex digits");
    assert_fails("[a:b = h'zz']", HL_E_PARSE, "1:8", "pairs of hex digits");
}

static void test_timestamp_constant_is_strict_rfc3339_utc(void **state)
{
    struct pattern *p = parse_ok("[a:b = t'2016-06-01T01:30:00.123Z']");
    const struct pattern_value *v = &only_cmp(p)->value;
    (void)state;
    assert_int_equal(v->kind, PATTERN_VAL_TIMESTAMP);
    assert_true(v->u.ts.seconds == 1464744600LL);
    assert_int_equal(v->u.ts.nanos, 123000000);
    assert_string_equal(v->u.ts.text, "2016-06-01T01:30:00.123Z");
    pattern_free(p);
    p = parse_ok("[a:b = t'2016-02-29T23:59:60Z']");
    assert_true(only_cmp(p)->value.u.ts.seconds == 1456790400LL);
    pattern_free(p);
    assert_fails("[x:d == t'2457-73-22T32:81:84.1Z']", HL_E_PARSE, "1:9", "RFC 3339");
    assert_fails("[a:b = t'2015-02-29T00:00:00Z']", HL_E_PARSE, "1:8", "timestamp");
    assert_fails("[a:b = t'2016-04-31T00:00:00Z']", HL_E_PARSE, "1:8", "timestamp");
    assert_fails("[a:b = t'2016-06-01T01:30:00+00:00']", HL_E_PARSE, "1:8", "timestamp");
    assert_fails("[a:b = t'2016-06-01 01:30:00Z']", HL_E_PARSE, "1:8", "timestamp");
    assert_fails("[a:b = t'2016-06-01T01:30:00.Z']", HL_E_PARSE, "1:8", "timestamp");
    assert_fails("[a:b = t'2016-06-01t01:30:00z']", HL_E_PARSE, "1:8", "timestamp");
    assert_fails("[a:b = t'2016-06-01T12:00:60Z']", HL_E_PARSE, "1:8", "timestamp");
}

static void test_set_constants_hold_strings_or_numbers(void **state)
{
    struct pattern *p = parse_ok("[file:name IN ('test.txt', 'README')]");
    const struct pattern_value *v = &only_cmp(p)->value;
    (void)state;
    assert_int_equal(v->kind, PATTERN_VAL_SET);
    assert_int_equal(v->u.set.n, 2);
    assert_string_equal(v->u.set.items[0].u.str.s, "test.txt");
    assert_string_equal(v->u.set.items[1].u.str.s, "README");
    pattern_free(p);
    p = parse_ok("[file:size IN (1, 2, 4096)]");
    v = &only_cmp(p)->value;
    assert_int_equal(v->u.set.n, 3);
    assert_true(v->u.set.items[2].kind == PATTERN_VAL_INT && v->u.set.items[2].u.i.v == 4096);
    pattern_free(p);
    p = parse_ok("[a:b IN ()]");
    assert_int_equal(only_cmp(p)->value.u.set.n, 0);
    pattern_free(p);
    assert_fails("[a:b IN (1 2)]", HL_E_PARSE, "1:12", "expected ',' or ')' in the set");
    assert_fails("[a:b IN (1,)]", HL_E_PARSE, "1:12", "a constant in the set");
    assert_fails("[a:b IN ((1))]", HL_E_PARSE, "1:10", "a constant in the set");
}

/* ---- object paths ---------------------------------------------------------- */

static void test_object_paths_of_every_form(void **state)
{
    struct pattern *p = parse_ok(
        "[file:extensions.'windows-pebinary-ext'.sections[*].entropy > 7.0]");
    const struct pattern_comparison *c = only_cmp(p);
    (void)state;
    assert_string_equal(c->object_type, "file");
    assert_int_equal(c->n_steps, 5);
    assert_int_equal(c->steps[0].kind, PATTERN_STEP_KEY);
    assert_string_equal(c->steps[0].key, "extensions");
    assert_string_equal(c->steps[1].key, "windows-pebinary-ext");
    assert_string_equal(c->steps[2].key, "sections");
    assert_int_equal(c->steps[3].kind, PATTERN_STEP_ANY_INDEX);
    assert_string_equal(c->steps[4].key, "entropy");
    pattern_free(p);

    p = parse_ok("[email-message:from_ref.value = 'a@example.com']");
    c = only_cmp(p);
    assert_string_equal(c->object_type, "email-message");
    assert_int_equal(c->n_steps, 2);
    assert_string_equal(c->steps[0].key, "from_ref");
    assert_string_equal(c->steps[1].key, "value");
    pattern_free(p);

    p = parse_ok("[domain-name:resolves_to_refs[2].value = '198.51.100.1']");
    c = only_cmp(p);
    assert_int_equal(c->steps[1].kind, PATTERN_STEP_INDEX);
    assert_true(c->steps[1].index == 2);
    pattern_free(p);

    p = parse_ok("[file:'first'.hashes.'SHA-256' = 'x']");
    c = only_cmp(p);
    assert_string_equal(c->steps[0].key, "first");
    assert_string_equal(c->steps[2].key, "SHA-256");
    pattern_free(p);

    assert_fails("[file.size = 1280]", HL_E_PARSE, "1:6", "expected ':' after the object type");
    assert_fails("[file:x-y = 1]", HL_E_PARSE, "1:7", "write 'x-y'");
    assert_fails("[file:a.b-c = 1]", HL_E_PARSE, "1:9", "contains '-'");
    assert_fails("[file:a[x] = 1]", HL_E_PARSE, "1:9", "a list index");
    assert_fails("[file:a[1 = 1]", HL_E_PARSE, "1:11", "']' to close the list index");
    assert_fails("[file: = 1]", HL_E_PARSE, "1:8", "a property name after ':'");
    assert_fails("[file:a. = 1]", HL_E_PARSE, "1:10", "a property name after '.'");
    assert_fails("['file':a = 1]", HL_E_PARSE, "1:2", "expected an object path");
}

/* ---- qualifiers ------------------------------------------------------------ */

static void test_qualifiers_parse_with_their_values(void **state)
{
    struct pattern *p = parse_ok("[a:b = 1] WITHIN 5 SECONDS");
    const struct pattern_obs *o = pattern_root(p);
    (void)state;
    assert_int_equal(o->kind, PATTERN_OBS_QUALIFIED);
    assert_int_equal(o->qual.kind, PATTERN_QUAL_WITHIN);
    assert_true(o->qual.within_seconds == 5.0);
    assert_int_equal(o->inner->kind, PATTERN_OBS_BRACKET);
    pattern_free(p);

    p = parse_ok("[a:b = 1] WITHIN 2.5 SECONDS");
    assert_true(pattern_root(p)->qual.within_seconds == 2.5);
    pattern_free(p);

    p = parse_ok("[a:b = 1] REPEATS 9 TIMES");
    assert_int_equal(pattern_root(p)->qual.kind, PATTERN_QUAL_REPEATS);
    assert_true(pattern_root(p)->qual.repeats == 9);
    pattern_free(p);

    p = parse_ok("[a:b = 1] START t'2016-06-01T00:00:00Z' STOP t'2016-07-01T00:00:00Z'");
    o = pattern_root(p);
    assert_int_equal(o->qual.kind, PATTERN_QUAL_START_STOP);
    assert_true(o->qual.start.seconds == 1464739200LL);
    assert_true(o->qual.stop.seconds == 1467331200LL);
    pattern_free(p);

    /* Qualifiers stack outward: the last one is the root. */
    p = parse_ok("[a:b = 1] REPEATS 5 TIMES WITHIN 1800 SECONDS");
    o = pattern_root(p);
    assert_int_equal(o->qual.kind, PATTERN_QUAL_WITHIN);
    assert_int_equal(o->inner->kind, PATTERN_OBS_QUALIFIED);
    assert_int_equal(o->inner->qual.kind, PATTERN_QUAL_REPEATS);
    pattern_free(p);
}

static void test_qualifiers_reject_bad_values(void **state)
{
    (void)state;
    assert_fails("[a:b = 1] WITHIN ]", HL_E_PARSE, "1:18", "positive number of seconds");
    assert_fails("[a:b = 1] WITHIN 5 HOURS", HL_E_PARSE, "1:20", "SECONDS after");
    assert_fails("[a:b = 1] WITHIN -5 SECONDS", HL_E_PARSE, "1:18", "found '-5'");
    assert_fails("[a:b = 1] WITHIN 0 SECONDS", HL_E_PARSE, "1:18", "not zero");
    assert_fails("[a:b = 1] WITHIN 0.0 SECONDS", HL_E_PARSE, "1:18", "not zero");
    assert_fails("[a:b = 1] REPEATS 0 TIMES", HL_E_PARSE, "1:19", "not 0");
    assert_fails("[a:b = 1] REPEATS 1.5 TIMES", HL_E_PARSE, "1:19", "positive integer");
    assert_fails("[a:b = 1] REPEATS 2", HL_E_PARSE, "1:20", "TIMES after");
    assert_fails("[a:b = 1] START t'2016-07-01T00:00:00Z' STOP t'2016-06-01T00:00:00Z'",
                 HL_E_PARSE, "1:46", "later than the START");
    assert_fails("[a:b = 1] START t'2016-07-01T00:00:00Z' STOP t'2016-07-01T00:00:00Z'",
                 HL_E_PARSE, "1:46", "later than the START");
    assert_fails("[a:b = 1] START '2016-07-01T00:00:00Z' STOP t'2016-08-01T00:00:00Z'",
                 HL_E_PARSE, "1:17", "a timestamp t'...' after START");
    assert_fails("[a:b = 1] START t'2016-07-01T00:00:00Z'", HL_E_PARSE, "1:40", "STOP after");
}

static void test_duplicate_qualifier_on_brackets_is_refused(void **state)
{
    struct pattern *p;
    (void)state;
    assert_fails("[a:b = 1] WITHIN 5 SECONDS WITHIN 6 SECONDS", HL_E_PARSE, "1:28",
                 "second WITHIN");
    assert_fails("([a:b = 1] REPEATS 2 TIMES REPEATS 3 TIMES)", HL_E_PARSE, "1:28",
                 "second REPEATS");
    assert_fails("[a:b = 1] START t'2016-06-01T01:30:00Z' STOP t'2016-06-01T02:20:00Z' "
                 "START t'2016-06-01T01:30:00Z' STOP t'2016-06-01T02:20:00Z'",
                 HL_E_PARSE, "1:70", "second START/STOP");
    /* After parentheses the second qualifier applies to the result. */
    p = parse_ok("([a:b = 1]) WITHIN 5 SECONDS WITHIN 6 SECONDS");
    pattern_free(p);
    p = parse_ok("([a:b = 1] REPEATS 2 TIMES) REPEATS 2 TIMES");
    pattern_free(p);
}

/* ---- precedence ------------------------------------------------------------ */

static void test_observation_and_binds_tighter_than_or_then_followedby(void **state)
{
    struct pattern *p = parse_ok("[a:b = 1] FOLLOWEDBY [a:b = 2] OR [a:b = 3] AND [a:b = 4] "
                                 "FOLLOWEDBY [a:b = 5]");
    const struct pattern_obs *o = pattern_root(p), *or;
    (void)state;
    assert_int_equal(o->kind, PATTERN_OBS_FOLLOWEDBY);
    assert_int_equal(o->n, 3);
    assert_int_equal(o->items[0]->kind, PATTERN_OBS_BRACKET);
    or = o->items[1];
    assert_int_equal(or->kind, PATTERN_OBS_OR);
    assert_int_equal(or->n, 2);
    assert_int_equal(or->items[0]->kind, PATTERN_OBS_BRACKET);
    assert_int_equal(or->items[1]->kind, PATTERN_OBS_AND);
    assert_int_equal(or->items[1]->n, 2);
    assert_int_equal(o->items[2]->kind, PATTERN_OBS_BRACKET);
    pattern_free(p);
}

static void test_qualifier_binds_tighter_than_observation_operators(void **state)
{
    struct pattern *p = parse_ok("[a:b = 1] AND [c:d = 2] WITHIN 5 SECONDS");
    const struct pattern_obs *o = pattern_root(p);
    (void)state;
    assert_int_equal(o->kind, PATTERN_OBS_AND);
    assert_int_equal(o->items[0]->kind, PATTERN_OBS_BRACKET);
    assert_int_equal(o->items[1]->kind, PATTERN_OBS_QUALIFIED);
    pattern_free(p);

    p = parse_ok("([a:b = 1] AND [c:d = 2]) WITHIN 5 SECONDS");
    o = pattern_root(p);
    assert_int_equal(o->kind, PATTERN_OBS_QUALIFIED);
    assert_int_equal(o->inner->kind, PATTERN_OBS_AND);
    pattern_free(p);
}

static void test_parentheses_override_observation_precedence(void **state)
{
    struct pattern *p = parse_ok("([a:b = 1] OR [a:b = 2]) AND [a:b = 3]");
    const struct pattern_obs *o = pattern_root(p);
    (void)state;
    assert_int_equal(o->kind, PATTERN_OBS_AND);
    assert_int_equal(o->items[0]->kind, PATTERN_OBS_OR);
    pattern_free(p);
    /* Explicit grouping of one operator is kept as a nested node. */
    p = parse_ok("[a:b = 1] FOLLOWEDBY ([a:b = 2] FOLLOWEDBY [a:b = 3])");
    o = pattern_root(p);
    assert_int_equal(o->kind, PATTERN_OBS_FOLLOWEDBY);
    assert_int_equal(o->n, 2);
    assert_int_equal(o->items[1]->kind, PATTERN_OBS_FOLLOWEDBY);
    pattern_free(p);
}

static void test_comparison_and_binds_tighter_than_or(void **state)
{
    struct pattern *p = parse_ok("[a:b = 1 OR a:c = 2 AND a:d = 3 OR a:e = 4]");
    const struct pattern_expr *e = pattern_root(p)->expr;
    (void)state;
    assert_int_equal(e->kind, PATTERN_EXPR_OR);
    assert_int_equal(e->n, 3);
    assert_int_equal(e->items[0]->kind, PATTERN_EXPR_COMPARISON);
    assert_int_equal(e->items[1]->kind, PATTERN_EXPR_AND);
    assert_string_equal(e->items[1]->items[1]->cmp->steps[0].key, "d");
    pattern_free(p);

    p = parse_ok("[(file:name = 'pdf.exe' OR file:size = 371712) AND "
                 "file:created = t'2014-01-13T07:03:17Z']");
    e = pattern_root(p)->expr;
    assert_int_equal(e->kind, PATTERN_EXPR_AND);
    assert_int_equal(e->items[0]->kind, PATTERN_EXPR_OR);
    assert_int_equal(e->items[1]->kind, PATTERN_EXPR_COMPARISON);
    pattern_free(p);
}

/* ---- lexical --------------------------------------------------------------- */

static void test_whitespace_and_comments_separate_tokens(void **state)
{
    (void)state;
    assert_canon("  [ file:size\t=\n1280 ]  ", "[file:size = 1280]");
    assert_canon("[file:size /* c */ = 1280] // trailing", "[file:size = 1280]");
    assert_canon("[file:size\xC2\xA0=\xE3\x80\x80" "1280]", "[file:size = 1280]");
    assert_canon("( [(network-traffic:dst_port IN(443,6443,8443) AND network-traffic:src_packets "
                 "!= 0) ])",
                 "[network-traffic:dst_port IN (443, 6443, 8443) AND "
                 "network-traffic:src_packets != 0]");
    assert_fails("[a:b = 1] /* open", HL_E_PARSE, "1:11", "never closed");
}

static void test_keywords_are_case_sensitive(void **state)
{
    (void)state;
    assert_fails("[foo:bar=1] within 2 seconds", HL_E_PARSE, "1:13", "found 'within'");
    assert_fails("[a:b = 1] and [c:d = 2]", HL_E_PARSE, "1:11", "found 'and'");
    assert_fails("[a:b = 1 and c:d = 2]", HL_E_PARSE, "1:10", "']' to close the observation");
}

/* ---- spec examples (STIX 2.1 §9) -------------------------------------------- */

static const char *const spec_examples[] = {
    "[file:hashes.'SHA-256' = 'aec070645fe53ee3b3763059376134f058cc337247c978add178b6ccdfb0019f']",
    "[email-message:from_ref.value MATCHES '.+\\\\@example\\\\.com$' AND "
    "email-message:body_multipart[*].body_raw_ref.name MATCHES '^Final Report.+\\\\.exe$']",
    "[file:hashes.'SHA-256' = 'aec070645fe53ee3b3763059376134f058cc337247c978add178b6ccdfb0019f' "
    "AND file:mime_type = 'application/x-pdf']",
    "[file:hashes.'SHA-256' = 'bf07a7fbb825fc0aae7bf4a1177b2b31fcf8a3feeaf7092761e18c859ee52a9c' "
    "OR file:hashes.MD5 = 'cead3f77f6cda6ec00f57d76c9a6879f'] AND [file:hashes.'SHA-256' = "
    "'aec070645fe53ee3b3763059376134f058cc337247c978add178b6ccdfb0019f']",
    "([file:hashes.MD5 = '79054025255fb1a26e4bc422aef54eb4'] FOLLOWEDBY "
    "[windows-registry-key:key = 'HKEY_LOCAL_MACHINE\\\\foo\\\\bar']) WITHIN 300 SECONDS",
    "[user-account:account_type = 'unix' AND user-account:user_id = '1007' AND "
    "user-account:account_login = 'Peter'] AND [user-account:account_type = 'unix' AND "
    "user-account:user_id = '1008' AND user-account:account_login = 'Paul'] AND "
    "[user-account:account_type = 'unix' AND user-account:user_id = '1009' AND "
    "user-account:account_login = 'Mary']",
    "[artifact:mime_type = 'application/vnd.tcpdump.pcap' AND artifact:payload_bin MATCHES "
    "'\\\\xd4\\\\xc3\\\\xb2\\\\xa1\\\\x02\\\\x00\\\\x04\\\\x00']",
    "[file:name = 'foo.dll' AND file:parent_directory_ref.path = 'C:\\\\Windows\\\\System32']",
    "[file:extensions.'windows-pebinary-ext'.sections[*].entropy > 7.0]",
    "[file:mime_type = 'image/bmp' AND file:magic_number_hex = h'ffd8']",
    "[network-traffic:dst_ref.type = 'ipv4-addr' AND network-traffic:dst_ref.value = "
    "'203.0.113.33/32']",
    "[network-traffic:dst_ref.type = 'domain-name' AND network-traffic:dst_ref.value = "
    "'example.com'] REPEATS 5 TIMES WITHIN 1800 SECONDS",
    "[domain-name:value = 'www.5z8.info' AND domain-name:resolves_to_refs[*].value = "
    "'198.51.100.1/32']",
    "[ipv4-addr:value ISSUBSET '198.51.100.0/24']",
    "[ipv4-addr:value ISSUPERSET '198.51.100.0/24']",
    "[url:value = 'http://example.com/foo' OR url:value = 'http://example.com/bar']",
    "[x509-certificate:issuer = 'CN=WEBMAIL' AND x509-certificate:serial_number = "
    "'4c:0b:1d:19:74:86:a7:66:b4:1a:bf:40:27:21:76:28']",
    "[windows-registry-key:key = 'HKEY_CURRENT_USER\\\\Software\\\\CryptoLocker\\\\Files' OR "
    "windows-registry-key:key = "
    "'HKEY_CURRENT_USER\\\\Software\\\\Microsoft\\\\CurrentVersion\\\\Run\\\\CryptoLocker_0388']",
    "[(file:name = 'pdf.exe' OR file:size = 371712) AND file:created = t'2014-01-13T07:03:17Z']",
    "[email-message:sender_ref.value = 'jdoe@example.com' AND email-message:subject = "
    "'Conference Info']",
    "[x-usb-device:usbdrive.serial_number = '575833314133343231313937']",
    "[process:command_line MATCHES '^.+>-add GlobalSign.cer -c -s -r localMachine Root$'] "
    "FOLLOWEDBY [process:command_line MATCHES'^.+>-add GlobalSign.cer -c -s -r "
    "localMachineTrustedPublisher$'] WITHIN 300 SECONDS",
    "[network-traffic:dst_ref.value ISSUBSET '2001:0db8:dead:beef:0000:0000:0000:0000/64']",
    "([file:name = 'foo.dll'] AND [windows-registry-key:key = "
    "'HKEY_LOCAL_MACHINE\\\\foo\\\\bar']) OR [process:image_ref.name = 'fooproc' OR "
    "process:image_ref.name = 'procfoo']",
    "([ipv4-addr:value = '198.51.100.1/32' OR ipv4-addr:value = '203.0.113.33/32' OR "
    "ipv6-addr:value = '2001:0db8:dead:beef:dead:beef:dead:0001/128'] FOLLOWEDBY "
    "[domain-name:value = 'example.com']) WITHIN 600 SECONDS",
    "[file:hashes.MD5 = 'cead3f77f6cda6ec00f57d76c9a6879f'] START t'2016-06-01T00:00:00Z' STOP "
    "t'2016-07-01T00:00:00Z'",
    "[file:name = 'foo.dll'] START t'2016-06-01T00:00:00Z' STOP t'2016-07-01T00:00:00Z'",
    "[directory:path LIKE 'C:\\\\Windows\\\\%\\\\foo']",
    "[file:name MATCHES '^.*\\\\.dll$']",
    "[process:name IN ('proccy', 'proximus', 'badproc')]",
    "[EXISTS windows-registry-key:values]",
    "[artifact:payload_bin = b'dGhpcyBpcyBhIHRlc3Q=']",
    "[network-traffic:src_port = 37020 AND user-account:user_id = 'root'] START "
    "t'2016-06-01T01:30:00.123Z' STOP t'2016-06-01T02:20:00.123Z' OR "
    "[ipv4-addr:value = '192.168.122.83'] START t'2016-06-01T03:55:00.123Z' STOP "
    "t'2016-06-01T04:30:24.743Z'",
};

static void test_every_spec_example_parses_and_round_trips(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof spec_examples / sizeof spec_examples[0]; i++) {
        struct pattern *p = parse_ok(spec_examples[i]), *q;
        struct buf a, b;
        print_ok(p, &a);
        q = parse_ok(a.data);
        print_ok(q, &b);
        assert_string_equal(a.data, b.data);
        buf_release(&a);
        buf_release(&b);
        pattern_free(p);
        pattern_free(q);
    }
}

/* ---- canonical printer ------------------------------------------------------ */

static void test_printer_emits_canonical_text(void **state)
{
    (void)state;
    assert_canon("[a:b=1]AND[c:d=2]", "[a:b = 1] AND [c:d = 2]");
    assert_canon("(([a:b = 1]))", "[a:b = 1]");
    assert_canon("[a:b = 1] AND ([c:d = 2] AND [e:f = 3])", "[a:b = 1] AND ([c:d = 2] AND [e:f = 3])");
    assert_canon("([a:b = 1] AND [c:d = 2]) OR [e:f = 3]", "[a:b = 1] AND [c:d = 2] OR [e:f = 3]");
    assert_canon("([a:b = 1] OR [c:d = 2]) AND [e:f = 3]", "([a:b = 1] OR [c:d = 2]) AND [e:f = 3]");
    assert_canon("([a:b = 1]) WITHIN 5 SECONDS WITHIN 6 SECONDS",
                 "([a:b = 1] WITHIN 5 SECONDS) WITHIN 6 SECONDS");
    assert_canon("[a:b = 1] REPEATS 2 TIMES WITHIN +10.50 SECONDS",
                 "[a:b = 1] REPEATS 2 TIMES WITHIN 10.50 SECONDS");
    assert_canon("[a:b = 'it\\'s' AND a:c == h'FFD8' AND a:d <> b'QQ==']",
                 "[a:b = 'it\\'s' AND a:c = h'ffd8' AND a:d != b'QQ==']");
    assert_canon("[a:'x y'.'ok'.'AND'[*][-1] NOT IN (+1, -2.5, true, t'2016-06-01T00:00:00Z')]",
                 "[a:'x y'.ok.'AND'[*][-1] NOT IN (1, -2.5, true, t'2016-06-01T00:00:00Z')]");
    assert_canon("[(a:b = 1 OR a:c = 2) AND (a:d = 3 AND a:e = 4)]",
                 "[(a:b = 1 OR a:c = 2) AND (a:d = 3 AND a:e = 4)]");
}

static void test_printer_cuts_back_when_buffer_is_full(void **state)
{
    struct pattern *p = parse_ok("[file:name = 'a long enough name']");
    struct buf b;
    struct hl_error err;
    (void)state;
    buf_init(&b, 10);
    assert_int_equal(buf_adds(&b, "ab"), 0);
    assert_int_equal(pattern_to_string(p, &b, &err), -HL_E_TOO_LARGE);
    assert_string_equal(b.data, "ab");
    buf_release(&b);
    pattern_free(p);
}

/* ---- errors ---------------------------------------------------------------- */

static void test_syntax_errors_name_line_column_and_tokens(void **state)
{
    (void)state;
    assert_fails("file:size = 1280", HL_E_PARSE, "1:1",
                 "expected '[' or '(' to start an observation expression, found 'file'");
    assert_fails("[file:size = ]", HL_E_PARSE, "1:14", "expected a constant after '=', found ']'");
    assert_fails("[file:hashes.MD5 = cead3f77f6cda6ec00f57d76c9a6879f]", HL_E_PARSE, "1:20",
                 "found 'cead3f77f6cda6ec00f57d76c9a6879f'");
    assert_fails("[file:name MATCHES /.*\\.dll/]", HL_E_PARSE, "1:20", "unexpected character '/'");
    assert_fails("[a:b = 1 FOLLOWEDBY c:d = 2]", HL_E_PARSE, "1:10",
                 "expected ']' to close the observation expression, found 'FOLLOWEDBY'");
    assert_fails("[a:b = 1]\n  AND\n  [c:d = 2", HL_E_PARSE, "3:11",
                 "expected ']' to close the observation expression, found end of pattern");
    assert_fails("([a:b = 1]", HL_E_PARSE, "1:11", "')' to close the parenthesized observation");
    assert_fails("[(a:b = 1]", HL_E_PARSE, "1:10", "')' to close the parenthesized comparison");
    assert_fails("[a:b = 1] ]", HL_E_PARSE, "1:11", "or the end of the pattern, found ']'");
    assert_fails("", HL_E_PARSE, "1:1", "found end of pattern");
    assert_fails("[a:b = '\xC3\xA9'] \xC3\xA9", HL_E_PARSE, "1:13", "unexpected byte 0xC3");
    assert_fails("[a:b = 1] \x01", HL_E_PARSE, "1:11", "unexpected byte 0x01");
}

static void test_nul_byte_is_refused(void **state)
{
    struct pattern *p = NULL;
    struct hl_error err;
    (void)state;
    assert_int_equal(pattern_parse("[a:b = 'x\0y']", 14, &p, &err), -HL_E_PARSE);
    assert_null(p);
    assert_non_null(strstr(err.msg, "NUL"));
}

/* ---- limits ---------------------------------------------------------------- */

/* n opening parentheses, a bracket, n closing ones. */
static char *nested(size_t n)
{
    const char *core = "[a:b = 1]";
    char *s = malloc(2 * n + strlen(core) + 1);
    assert_non_null(s);
    memset(s, '(', n);
    memcpy(s + n, core, strlen(core));
    memset(s + n + strlen(core), ')', n);
    s[2 * n + strlen(core)] = '\0';
    return s;
}

static void test_nesting_deeper_than_limit_is_refused(void **state)
{
    char *ok = nested(PATTERN_MAX_DEPTH - 1), *deep = nested(PATTERN_MAX_DEPTH);
    struct pattern *p = parse_ok(ok);
    char where[32];
    (void)state;
    pattern_free(p);
    snprintf(where, sizeof where, "1:%d", PATTERN_MAX_DEPTH + 1);
    assert_fails(deep, HL_E_TOO_LARGE, where, "nest deeper than");
    free(ok);
    free(deep);
}

static void test_huge_open_parentheses_do_not_overflow_the_stack(void **state)
{
    size_t n = HL_MAX_PATTERN_BYTES;
    char *s = malloc(n + 1);
    struct hl_error err;
    (void)state;
    assert_non_null(s);
    memset(s, '(', n);
    s[n] = '\0';
    assert_int_equal(pattern_check(s, n, &err), -HL_E_TOO_LARGE);
    memset(s, '[', n);
    assert_int_equal(pattern_check(s, n, &err), -HL_E_PARSE); /* [[ is no comparison */
    assert_string_equal(err.where, "1:2");
    s[0] = '[';
    memset(s + 1, '(', n - 1);
    assert_int_equal(pattern_check(s, n, &err), -HL_E_TOO_LARGE);
    free(s);
}

/* count bracket observations joined by OR. */
static char *or_chain(size_t count)
{
    struct buf b;
    buf_init(&b, HL_MAX_PATTERN_BYTES * 2u);
    for (size_t i = 0; i < count; i++)
        assert_int_equal(buf_adds(&b, i ? " OR [a:b = 1]" : "[a:b = 1]"), 0);
    return buf_detach(&b, NULL);
}

static void test_node_count_above_limit_is_refused(void **state)
{
    /* Each [a:b = 1] is 4 nodes (bracket, expression, comparison, step). */
    size_t fits = (PATTERN_MAX_NODES - 1) / 4, over = PATTERN_MAX_NODES / 4 + 1;
    char *a = or_chain(fits), *b = or_chain(over);
    struct pattern *p = parse_ok(a);
    (void)state;
    assert_true(strlen(b) <= HL_MAX_PATTERN_BYTES);
    assert_int_equal(pattern_node_count(p), fits * 4 + 1);
    assert_int_equal(pattern_root(p)->n, fits);
    pattern_free(p);
    assert_fails(b, HL_E_TOO_LARGE, NULL, "more than");
    free(a);
    free(b);
}

static void test_pattern_longer_than_limit_is_refused(void **state)
{
    size_t n = HL_MAX_PATTERN_BYTES + 1;
    char *s = malloc(n);
    struct hl_error err;
    (void)state;
    assert_non_null(s);
    memset(s, ' ', n);
    memcpy(s, "[a:b = 1]", 9);
    assert_int_equal(pattern_check(s, n, &err), -HL_E_TOO_LARGE);
    assert_int_equal(pattern_check(s, n - 1, &err), 0);
    free(s);
}

static void test_check_and_free_contracts(void **state)
{
    struct hl_error err;
    (void)state;
    pattern_free(NULL);
    assert_int_equal(pattern_check("[a:b = 1]", 9, &err), 0);
    assert_int_equal(pattern_check("[a:b = 1", 8, &err), -HL_E_PARSE);
    assert_int_equal(pattern_check("[a:b = 1", 8, NULL), -HL_E_PARSE);
    /* len bounds the text: what follows is not read. */
    assert_int_equal(pattern_check("[a:b = 1] garbage", 9, &err), 0);
    assert_string_equal(pattern_op_name(PATTERN_OP_ISSUPERSET), "ISSUPERSET");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse_accepts_every_comparison_operator),
        cmocka_unit_test(test_parse_rejects_operand_of_wrong_type),
        cmocka_unit_test(test_parse_rejects_not_outside_operator_position),
        cmocka_unit_test(test_matches_requires_a_compiling_regex),
        cmocka_unit_test(test_string_constant_unescapes_quote_and_backslash),
        cmocka_unit_test(test_numeric_and_boolean_constants_decode),
        cmocka_unit_test(test_binary_constant_is_strict_base64),
        cmocka_unit_test(test_hex_constant_has_even_length),
        cmocka_unit_test(test_timestamp_constant_is_strict_rfc3339_utc),
        cmocka_unit_test(test_set_constants_hold_strings_or_numbers),
        cmocka_unit_test(test_object_paths_of_every_form),
        cmocka_unit_test(test_qualifiers_parse_with_their_values),
        cmocka_unit_test(test_qualifiers_reject_bad_values),
        cmocka_unit_test(test_duplicate_qualifier_on_brackets_is_refused),
        cmocka_unit_test(test_observation_and_binds_tighter_than_or_then_followedby),
        cmocka_unit_test(test_qualifier_binds_tighter_than_observation_operators),
        cmocka_unit_test(test_parentheses_override_observation_precedence),
        cmocka_unit_test(test_comparison_and_binds_tighter_than_or),
        cmocka_unit_test(test_whitespace_and_comments_separate_tokens),
        cmocka_unit_test(test_keywords_are_case_sensitive),
        cmocka_unit_test(test_every_spec_example_parses_and_round_trips),
        cmocka_unit_test(test_printer_emits_canonical_text),
        cmocka_unit_test(test_printer_cuts_back_when_buffer_is_full),
        cmocka_unit_test(test_syntax_errors_name_line_column_and_tokens),
        cmocka_unit_test(test_nul_byte_is_refused),
        cmocka_unit_test(test_nesting_deeper_than_limit_is_refused),
        cmocka_unit_test(test_huge_open_parentheses_do_not_overflow_the_stack),
        cmocka_unit_test(test_node_count_above_limit_is_refused),
        cmocka_unit_test(test_pattern_longer_than_limit_is_refused),
        cmocka_unit_test(test_check_and_free_contracts),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
