/*
 * parse_test.c — stix_parse refuses everything two JSON parsers could read
 * differently (RFC 8259, RFC 7493 I-JSON), enforces each limit of base.h
 * at its exact boundary, and says where a problem is; stix_doc_kind tells
 * objects, bundles and envelopes apart.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "stix/stix.h"

/* Parses the C string s; returns stix_parse's result, keeps err. */
static int parse_str(const char *s, struct hl_error *err)
{
    json_t *doc = (json_t *)1;
    hl_error_clear(err);
    int r = stix_parse(s, strlen(s), &doc, err);
    if (r == 0)
        assert_non_null(doc);
    else
        assert_null(doc);
    json_decref(doc);
    return r;
}

static void assert_accepts(const char *s)
{
    struct hl_error err;
    int r = parse_str(s, &err);
    if (r)
        fail_msg("refused %s: %s: %s", s, err.where, err.msg);
}

static void assert_refuses(const char *s, int code)
{
    struct hl_error err;
    int r = parse_str(s, &err);
    if (r != -code)
        fail_msg("expected -%d for %s, got %d", code, s, r);
    assert_int_equal(err.code, code);
    assert_non_null(strstr(err.msg, "byte offset"));
}

static void test_parse_accepts_object_and_array(void **state)
{
    (void)state;
    assert_accepts("{\"type\": \"note\", \"n\": [1, 2.5, true, null, \"x\"]}");
    assert_accepts("[1, {}]");
    assert_accepts("  {}\n");
}

static void test_parse_rejects_scalar_top_level(void **state)
{
    (void)state;
    assert_refuses("\"text\"", HL_E_PARSE);
    assert_refuses("42", HL_E_PARSE);
    assert_refuses("null", HL_E_PARSE);
    assert_refuses("", HL_E_PARSE);
}

static void test_parse_rejects_trailing_garbage(void **state)
{
    (void)state;
    assert_refuses("{} x", HL_E_PARSE);
    assert_refuses("{}{}", HL_E_PARSE);
    assert_accepts("{} \n\t");
}

static void test_parse_rejects_duplicate_keys(void **state)
{
    (void)state;
    assert_refuses("{\"a\": 1, \"a\": 2}", HL_E_PARSE);
    assert_refuses("{\"x\": {\"b\": 1, \"b\": 1}}", HL_E_PARSE);
    /* The same name spelled with an escape is still the same name. */
    assert_refuses("{\"a\": 1, \"\\u0061\": 2}", HL_E_PARSE);
    assert_accepts("{\"a\": 1, \"A\": 2, \"x\": {\"a\": 3}}");
}

static void test_parse_rejects_invalid_utf8(void **state)
{
    (void)state;
    assert_refuses("{\"a\": \"\xff\"}", HL_E_PARSE);
    assert_refuses("{\"a\": \"\xc3\"}", HL_E_PARSE);         /* truncated sequence */
    assert_refuses("{\"a\": \"\xc0\xaf\"}", HL_E_PARSE);     /* overlong '/' */
    assert_refuses("{\"a\": \"\xed\xa0\x80\"}", HL_E_PARSE); /* encoded surrogate */
    assert_accepts("{\"a\": \"p\xc3\xa9" "ch\xc3\xa9 \xf0\x9f\x98\x82\"}");
}

static void test_parse_rejects_lone_surrogates(void **state)
{
    (void)state;
    assert_refuses("{\"a\": \"\\ud800\"}", HL_E_PARSE);
    assert_refuses("{\"a\": \"\\udc00\"}", HL_E_PARSE);
    assert_refuses("{\"a\": \"\\ud800x\"}", HL_E_PARSE);
    assert_refuses("{\"\\ud83d\": 1}", HL_E_PARSE);
    assert_accepts("{\"a\": \"\\ud83d\\ude02\"}");
}

static void test_parse_rejects_nul(void **state)
{
    (void)state;
    assert_refuses("{\"a\": \"x\\u0000y\"}", HL_E_PARSE);
    assert_refuses("{\"\\u0000\": 1}", HL_E_PARSE);
    /* A raw NUL byte inside a string, passed with its length. */
    const char raw[] = "{\"a\": \"x\0y\"}";
    json_t *doc = NULL;
    struct hl_error err;
    assert_int_equal(stix_parse(raw, sizeof raw - 1, &doc, &err), -HL_E_PARSE);
    assert_null(doc);
    assert_accepts("{\"a\": \"x\\u0001y\"}");
}

static void test_parse_rejects_raw_control_chars(void **state)
{
    (void)state;
    assert_refuses("{\"a\": \"line\nbreak\"}", HL_E_PARSE);
    assert_refuses("{\"a\": \"tab\there\"}", HL_E_PARSE);
    assert_refuses("{\"a\": \"\x1f\"}", HL_E_PARSE);
    assert_accepts("{\"a\": \"line\\nbreak\\t\"}");
}

static void test_parse_rejects_bad_grammar(void **state)
{
    (void)state;
    assert_refuses("{\"a\": 1,}", HL_E_PARSE);
    assert_refuses("[1,]", HL_E_PARSE);
    assert_refuses("{'a': 1}", HL_E_PARSE);
    assert_refuses("{\"a\": 01}", HL_E_PARSE);
    assert_refuses("{\"a\": NaN}", HL_E_PARSE);
    assert_refuses("{\"a\": Infinity}", HL_E_PARSE);
    assert_refuses("{\"a\": .5}", HL_E_PARSE);
    assert_refuses("{\"a\": \"\\x41\"}", HL_E_PARSE);
    assert_refuses("{\"a\" 1}", HL_E_PARSE);
}

/* n nested arrays around 0: "[[[0]]]" for n = 3. Caller frees. */
static char *nested(size_t n, char open, char close)
{
    char *s = malloc(2 * n + 2);
    assert_non_null(s);
    for (size_t i = 0; i < n; i++) {
        s[i] = open;
        s[n + 1 + i] = close;
    }
    s[n] = '0';
    s[2 * n + 1] = '\0';
    return s;
}

static void test_parse_depth_limit(void **state)
{
    (void)state;
    char *ok = nested(HL_MAX_JSON_DEPTH, '[', ']');
    char *deep = nested(HL_MAX_JSON_DEPTH + 1, '[', ']');
    char *very_deep = nested(100000, '[', ']'); /* would blow jansson's stack budget */
    assert_accepts(ok);
    assert_refuses(deep, HL_E_TOO_LARGE);
    assert_refuses(very_deep, HL_E_TOO_LARGE);
    free(ok);
    free(deep);
    free(very_deep);
    /* Objects count too: 4 levels of objects and arrays, then n arrays. */
    for (size_t n = HL_MAX_JSON_DEPTH - 4; n <= HL_MAX_JSON_DEPTH - 3; n++) {
        char *inner = nested(n, '[', ']');
        char doc[256];
        snprintf(doc, sizeof doc, "{\"a\":[{\"b\":[%s]}]}", inner);
        if (n == HL_MAX_JSON_DEPTH - 4)
            assert_accepts(doc);
        else
            assert_refuses(doc, HL_E_TOO_LARGE);
        free(inner);
    }
}

static void test_parse_depth_ignores_brackets_in_strings(void **state)
{
    (void)state;
    char *s = malloc(200);
    assert_non_null(s);
    /* 100 '[' inside a string, then an escaped quote that must not end it. */
    size_t o = 0;
    o += (size_t)snprintf(s, 200, "{\"a\": \"\\\"");
    memset(s + o, '[', 100);
    o += 100;
    snprintf(s + o, 200 - o, "\\\\\"}");
    assert_accepts(s);
    free(s);
}

static void test_parse_document_size_limit(void **state)
{
    (void)state;
    size_t max = HL_MAX_DOCUMENT_BYTES;
    char *s = malloc(max + 1);
    assert_non_null(s);
    memset(s, ' ', max + 1);
    s[0] = '{';
    s[1] = '}';
    json_t *doc = NULL;
    struct hl_error err;
    assert_int_equal(stix_parse(s, max, &doc, &err), 0);
    json_decref(doc);
    doc = NULL;
    assert_int_equal(stix_parse(s, max + 1, &doc, &err), -HL_E_TOO_LARGE);
    assert_null(doc);
    assert_string_equal(err.where, "1:1");
    free(s);
}

/* {"s":"xxx…"} with a string of n bytes. Caller frees. */
static char *long_string_doc(size_t n, size_t *len)
{
    char *s = malloc(n + 16);
    assert_non_null(s);
    memcpy(s, "{\"s\":\"", 6);
    memset(s + 6, 'x', n);
    memcpy(s + 6 + n, "\"}", 3);
    *len = n + 8;
    return s;
}

static void test_parse_string_size_limit(void **state)
{
    (void)state;
    size_t len;
    json_t *doc = NULL;
    struct hl_error err;
    char *ok = long_string_doc(HL_MAX_STRING_BYTES, &len);
    assert_int_equal(stix_parse(ok, len, &doc, &err), 0);
    assert_int_equal(json_string_length(json_object_get(doc, "s")), HL_MAX_STRING_BYTES);
    json_decref(doc);
    free(ok);
    char *big = long_string_doc(HL_MAX_STRING_BYTES + 1, &len);
    assert_int_equal(stix_parse(big, len, &doc, &err), -HL_E_TOO_LARGE);
    assert_string_equal(err.where, "1:6");
    free(big);
}

static void test_parse_integer_range_is_ijson(void **state)
{
    (void)state;
    assert_accepts("{\"a\": 9007199254740991}");
    assert_accepts("{\"a\": -9007199254740991}");
    assert_accepts("[0, -0, 1, -1]");
    assert_refuses("{\"a\": 9007199254740992}", HL_E_PARSE);
    assert_refuses("{\"a\": -9007199254740992}", HL_E_PARSE);
    assert_refuses("[99999999999999999999999999]", HL_E_PARSE);
}

/* RFC 8785 writes a double in [2^53, 1e21) as an integer literal
 * ("100000000000000000000"), beyond I-JSON; from 1e21 on with an exponent. */
static void test_parse_real_range_follows_canonical_form(void **state)
{
    (void)state;
    assert_accepts("[9007199254740991.0, -9.007199254740991e15, 1.5, 5e-324, 1e-400, 0.0]");
    assert_accepts("[1e21, -1E30, 1.5e300, 1.7976931348623157e308]");
    assert_refuses("[9007199254740992.0]", HL_E_PARSE);
    assert_refuses("[-9.007199254740992e15]", HL_E_PARSE);
    assert_refuses("[1e20]", HL_E_PARSE);
    assert_refuses("[9.99999999999999e20]", HL_E_PARSE);
}

static void test_parse_rejects_infinite_reals(void **state)
{
    (void)state;
    assert_refuses("[1e400]", HL_E_PARSE);
    assert_refuses("[-1e400]", HL_E_PARSE);
    assert_refuses("{\"a\": 2e308}", HL_E_PARSE);
    assert_accepts("[1.7976931348623157e308]");
}

static void test_parse_number_literal_length_limit(void **state)
{
    (void)state;
    char doc[300];
    /* "[0.1000…]" with a literal of exactly 127 characters, then 128. */
    for (size_t n = 127; n <= 128; n++) {
        doc[0] = '[';
        doc[1] = '0';
        doc[2] = '.';
        memset(doc + 3, '1', n - 2);
        doc[n + 1] = ']';
        doc[n + 2] = '\0';
        if (n == 127)
            assert_accepts(doc);
        else
            assert_refuses(doc, HL_E_TOO_LARGE);
    }
    /* Integers have no such limit short of their range: leading zeros are
     * jansson's to refuse. */
    assert_refuses("[0000000000000000000000000000000000000001]", HL_E_PARSE);
}

static void test_parse_error_has_line_and_column(void **state)
{
    (void)state;
    struct hl_error err;
    /* Our own check: the integer starts on line 3, column 8. */
    assert_int_equal(parse_str("{\n  \"b\": 1,\n  \"a\": 9007199254740992\n}", &err),
                     -HL_E_PARSE);
    assert_string_equal(err.where, "3:8");
    assert_non_null(strstr(err.msg, "byte offset 19"));
    /* The column counts characters, not bytes. */
    assert_int_equal(parse_str("{\"\xc3\xa9\xc3\xa9\": 99999999999999999}", &err), -HL_E_PARSE);
    assert_string_equal(err.where, "1:8");
    /* jansson's errors: line 2. */
    assert_int_equal(parse_str("{\"a\": 1,\n \"a\": 2}", &err), -HL_E_PARSE);
    assert_int_equal(strncmp(err.where, "2:", 2), 0);
    assert_non_null(strstr(err.msg, "duplicate"));
}

static json_t *load(const char *s)
{
    json_t *doc = NULL;
    struct hl_error err;
    assert_int_equal(stix_parse(s, strlen(s), &doc, &err), 0);
    return doc;
}

static void test_doc_kind_by_shape(void **state)
{
    (void)state;
    struct {
        const char *json;
        int kind;
    } cases[] = {
        {"{\"type\": \"indicator\", \"id\": \"indicator--x\"}", STIX_DOC_OBJECT},
        {"{\"type\": 7}", STIX_DOC_OBJECT},
        {"{\"type\": \"bundle\", \"id\": \"bundle--x\", \"objects\": []}", STIX_DOC_BUNDLE},
        {"{\"type\": \"bundle\"}", STIX_DOC_BUNDLE},
        {"{\"more\": false, \"objects\": []}", STIX_DOC_ENVELOPE},
        {"{\"objects\": [], \"next\": \"abc\"}", STIX_DOC_ENVELOPE},
        {"{}", STIX_DOC_ENVELOPE},
        {"{\"objects\": [], \"spec_version\": \"2.1\"}", 0},
        {"{\"name\": \"x\"}", 0},
        {"[{\"type\": \"bundle\"}]", 0},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        json_t *doc = load(cases[i].json);
        if (stix_doc_kind(doc) != cases[i].kind)
            fail_msg("%s: kind %d, want %d", cases[i].json, stix_doc_kind(doc), cases[i].kind);
        json_decref(doc);
    }
    assert_int_equal(stix_doc_kind(NULL), 0);
}

/* ---- stix_split: the same tree or the same error as stix_parse --------- */

/* stix_split, every part, stix_split_join, then stix_parse where they do
 * not come together (as ledger_parse does, on one thread). *joined: the
 * parts came together. */
static int split_parse(const char *s, json_t **out, bool *joined, struct hl_error *err)
{
    struct stix_split sp;
    size_t len = strlen(s);
    hl_error_clear(err);
    *out = NULL;
    *joined = false;
    int r = stix_split(s, len, &sp, err);
    if (!r && sp.n) {
        json_t **parts = calloc(sp.n, sizeof *parts);
        assert_non_null(parts);
        for (size_t i = 0; i < sp.n; i++)
            parts[i] = stix_split_parse(s, &sp, i);
        *out = stix_split_join(s, len, &sp, parts);
        free(parts);
        *joined = *out != NULL;
    }
    stix_split_release(&sp);
    if (r || *out)
        return r;
    return stix_parse(s, len, out, err);
}

/* The split path answers s as stix_parse does; joined says whether the
 * parts must have come together. */
static void assert_split_same(const char *s, bool joined)
{
    struct hl_error e1, e2;
    json_t *whole = NULL, *parts = NULL;
    bool was_joined;
    hl_error_clear(&e1);
    int r1 = stix_parse(s, strlen(s), &whole, &e1);
    int r2 = split_parse(s, &parts, &was_joined, &e2);
    if (r1 != r2)
        fail_msg("%s: stix_parse %d, in parts %d", s, r1, r2);
    if (!r1 && !json_equal(whole, parts))
        fail_msg("%s: the trees differ", s);
    if (r1 && (e1.code != e2.code || strcmp(e1.where, e2.where) || strcmp(e1.msg, e2.msg)))
        fail_msg("%s: errors differ: %s %s / %s %s", s, e1.where, e1.msg, e2.where, e2.msg);
    if (was_joined != joined)
        fail_msg("%s: parts %s, expected otherwise", s, was_joined ? "joined" : "not joined");
    json_decref(whole);
    json_decref(parts);
}

static void test_split_joins_the_objects_array(void **state)
{
    (void)state;
    assert_split_same("{\"objects\":[{\"a\":1},{\"b\":[1,2,{\"c\":\"]}\\\"{\"}]}]}", true);
    assert_split_same("{\"more\": false, \"objects\" :\n [ {\"x\": \"\\\"objects\\\":[\"} ,\n"
                      "{\"y\": {}}\t], \"next\": \"n\"}",
                      true);
    assert_split_same(
        "{\"type\":\"bundle\",\"id\":\"bundle--1\",\"objects\":[{\"type\":\"note\"}]}", true);
    /* an "objects" deeper down is not the one cut */
    assert_split_same("{\"objects\":[{\"objects\":[{\"z\":1},2]}]}", true);
    assert_split_same("{\"a\":{\"objects\":[{\"x\":1}]},\"objects\":[{\"y\":2},{\"y\":3}]}", true);
}

static void test_split_falls_back_to_the_whole(void **state)
{
    (void)state;
    assert_split_same("{\"objects\":[]}", false);                /* nothing to cut */
    assert_split_same("{\"objects\":[{\"a\":1}, 2]}", false);    /* not all objects */
    assert_split_same("{\"objects\":[{\"a\":1}, [1]]}", false);  /* an array element */
    assert_split_same("[{\"objects\":[{\"a\":1}]}]", false);     /* not an object at the top */
    assert_split_same("{\"obj\\u0065cts\":[{\"a\":1}]}", false); /* the key, escaped */
    assert_split_same("{\"objects\":[{\"a\":1}],\"objects\":[{\"b\":1}]}", false);
    assert_split_same("{\"objects\":[{\"a\":1} {\"b\":2}]}", false);  /* no comma */
    assert_split_same("{\"objects\":[{\"a\":1},,{\"b\":2}]}", false); /* two */
    assert_split_same("{\"objects\":[{\"a\":1},]}", false);           /* trailing */
    assert_split_same("{\"objects\":[{\"a\":1},{\"a\":1,\"a\":2}]}", false);
    assert_split_same("{\"objects\":[{\"a\":\"\xff\"}]}", false);
    assert_split_same("{\"objects\":[{\"a\":1}]} x", false);
    assert_split_same("{\"x\":1,\"objects\":[{\"a\":1}]", false);
    assert_split_same("{\"x\" 1,\"objects\":[{\"a\":1}]}", false);
    assert_split_same("{\"objects\":[{\"a\":1},{\"a\":1]]}", false);
    assert_split_same("{\"objects\":[{\"a\":1}}]}", false);
    assert_split_same("{\"objects\":[{\"a\":1}]", false);
    assert_split_same("{\"objects\":[{\"a\":1e400}]}", false);
}

static void test_split_checks_every_limit(void **state)
{
    (void)state;
    char deep[400];
    size_t n = 0;
    n += (size_t)snprintf(deep, sizeof deep, "{\"objects\":[{\"a\":");
    for (int i = 0; i < 70; i++)
        deep[n++] = '[';
    for (int i = 0; i < 70; i++)
        deep[n++] = ']';
    snprintf(deep + n, sizeof deep - n, "}]}");
    assert_split_same(deep, false);
    assert_split_same("{\"objects\":[{\"a\":9007199254740992}]}", false);
    struct stix_split sp;
    struct hl_error err;
    assert_int_equal(stix_split(deep, strlen(deep), &sp, &err), -HL_E_TOO_LARGE);
    assert_int_equal(sp.n, 0);
    stix_split_release(&sp);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse_accepts_object_and_array),
        cmocka_unit_test(test_parse_rejects_scalar_top_level),
        cmocka_unit_test(test_parse_rejects_trailing_garbage),
        cmocka_unit_test(test_parse_rejects_duplicate_keys),
        cmocka_unit_test(test_parse_rejects_invalid_utf8),
        cmocka_unit_test(test_parse_rejects_lone_surrogates),
        cmocka_unit_test(test_parse_rejects_nul),
        cmocka_unit_test(test_parse_rejects_raw_control_chars),
        cmocka_unit_test(test_parse_rejects_bad_grammar),
        cmocka_unit_test(test_parse_depth_limit),
        cmocka_unit_test(test_parse_depth_ignores_brackets_in_strings),
        cmocka_unit_test(test_parse_document_size_limit),
        cmocka_unit_test(test_parse_string_size_limit),
        cmocka_unit_test(test_parse_integer_range_is_ijson),
        cmocka_unit_test(test_parse_real_range_follows_canonical_form),
        cmocka_unit_test(test_parse_rejects_infinite_reals),
        cmocka_unit_test(test_parse_number_literal_length_limit),
        cmocka_unit_test(test_parse_error_has_line_and_column),
        cmocka_unit_test(test_doc_kind_by_shape),
        cmocka_unit_test(test_split_joins_the_objects_array),
        cmocka_unit_test(test_split_falls_back_to_the_whole),
        cmocka_unit_test(test_split_checks_every_limit),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
