/*
 * pattern_match_test.c — the compiled matcher (src/pattern/compile.c):
 * equality indicators answered by the index alone, CIDR by prefix length,
 * candidates evaluated, stream indicators with their window (drops
 * counted), one report per indicator and observation, refusals that add
 * nothing; and the differential test: random indicators and random
 * observation streams (seeded, bounded in time), the indexed matcher's
 * answers against the plain evaluator's (pattern_match over the stream,
 * counting only bindings that use the new observation), which must agree
 * on every indicator at every observation.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "pattern/pattern.h"

/* ---- helpers ---------------------------------------------------------------------- */

struct hits {
    uint32_t ind[4096];
    size_t n;
};

static void on_match(void *ctx, uint32_t indicator, const struct pattern_observation *o)
{
    struct hits *h = ctx;
    (void)o;
    if (h->n < sizeof h->ind / sizeof h->ind[0])
        h->ind[h->n++] = indicator;
}

static void add_ok(struct pattern_matcher *m, const char *id, const char *pat)
{
    struct hl_error err;
    if (pattern_matcher_add(m, id, pat, strlen(pat), NULL, &err))
        fail_msg("add %s: %s: %s", pat, err.where, err.msg);
}

/* The indicators that match line, in report order, into h. */
static void match_line(struct pattern_matcher *m, const char *line, struct hits *h)
{
    struct pattern_observation o;
    struct hl_error err;
    if (pattern_observation_from_line(line, strlen(line), 0, &o, &err))
        fail_msg("line %s: %s", line, err.msg);
    h->n = 0;
    assert_int_equal(pattern_matcher_match(m, &o, on_match, h), 0);
    pattern_observation_release(&o);
}

static bool hit(const struct hits *h, uint32_t ind)
{
    for (size_t i = 0; i < h->n; i++)
        if (h->ind[i] == ind)
            return true;
    return false;
}

/* ---- the matcher ------------------------------------------------------------------ */

static void test_matcher_equality_indicators_need_no_tree(void **state)
{
    (void)state;
    struct pattern_matcher *m = pattern_matcher_new();
    struct pattern_matcher_stats st;
    struct hits h;
    add_ok(m, "indicator--0", "[ipv4-addr:value = '198.51.100.7']");
    add_ok(m, "indicator--1",
           "[domain-name:value = 'evil.example' OR domain-name:value = 'bad.example']");
    add_ok(m, "indicator--2", "[file:hashes.'SHA-256' IN ('aa', 'bb')]");
    add_ok(m, "indicator--3", "[network-traffic:dst_port = 443]");
    add_ok(m, "indicator--4", "[ipv4-addr:value = '198.51.100.7']"); /* same key, other indicator */
    add_ok(m, "indicator--5", "[ipv4-addr:value ISSUBSET '198.51.100.0/24']");
    add_ok(m, "indicator--6", "[ipv6-addr:value ISSUBSET '2001:db8::/32']");
    add_ok(m, "indicator--7", "[file:name LIKE '%.exe' AND file:hashes.MD5 = 'cc']");
    pattern_matcher_get_stats(m, &st);
    assert_int_equal(st.n_indicators, 8);
    assert_int_equal(st.n_equality, 5);
    assert_int_equal(st.n_evaluated, 3);
    assert_int_equal(st.n_stream, 0);
    assert_string_equal(pattern_matcher_id(m, 3), "indicator--3");
    assert_null(pattern_matcher_id(m, 8));

    match_line(m, "ipv4-addr:value=198.51.100.7", &h);
    assert_int_equal(h.n, 3);
    assert_true(hit(&h, 0) && hit(&h, 4) && hit(&h, 5));
    match_line(m, "ipv4-addr:value=198.51.100.8", &h);
    assert_int_equal(h.n, 1);
    assert_true(hit(&h, 5));
    match_line(m, "ipv4-addr:value=198.51.101.7", &h);
    assert_int_equal(h.n, 0);
    match_line(m, "domain-name:value=bad.example", &h);
    assert_true(h.n == 1 && hit(&h, 1));
    match_line(m, "file:hashes.SHA-256=bb", &h);
    assert_true(h.n == 1 && hit(&h, 2));
    match_line(m, "file:hashes.SHA-256=\"443\" network-traffic:dst_port=443", &h);
    assert_true(h.n == 1 && hit(&h, 3));
    match_line(m, "network-traffic:dst_port=\"443\"", &h); /* a string is not 443 */
    assert_int_equal(h.n, 0);
    match_line(m, "ipv6-addr:value=2001:db8:0:1::5", &h);
    assert_true(h.n == 1 && hit(&h, 6));
    match_line(m, "file:name=a.exe file:hashes.MD5=cc", &h);
    assert_true(h.n == 1 && hit(&h, 7));
    match_line(m, "file:name=a.dll file:hashes.MD5=cc", &h);
    assert_int_equal(h.n, 0);
    pattern_matcher_get_stats(m, &st);
    assert_true(st.n_candidates == 5 && st.bytes > 0);
    pattern_matcher_free(m);
    pattern_matcher_free(NULL);
}

/* Paths deeper than the observation's leaves, and observations whose
 * leaves are partial, are read from the JSON: same answers. */
static void test_matcher_deep_paths_and_partial_leaves(void **state)
{
    (void)state;
    struct pattern_matcher *m = pattern_matcher_new();
    struct hits h;
    char longkey[300];
    add_ok(m, "indicator--deep", "[x-a:a.b.c.d.e = 'v']");
    add_ok(m, "indicator--flat", "[x-a:k = 7]");
    add_ok(m, "indicator--type", "[x-a:type = 'x-a']");
    match_line(m, "x-a:a.b.c.d.e=v x-a:k=7", &h);
    assert_int_equal(h.n, 3);
    match_line(m, "x-a:a.b.c.d.e=w x-a:k=7.0", &h); /* 7.0 is a string here */
    assert_true(h.n == 1 && hit(&h, 2));
    memset(longkey, 'q', 299);
    longkey[299] = '\0';
    /* a key too long for a leaf: the leaves are partial, and the indicator
     * on that key is found in the JSON */
    char longpat[400];
    snprintf(longpat, sizeof longpat, "[x-a:'%s' = 1]", longkey);
    add_ok(m, "indicator--long", longpat);
    json_t *od = json_pack("{s:s, s:s, s:s, s:i, s:{s:{s:s, s:i, s:i, s:{s:{s:{s:{s:s}}}}}}}",
                           "type", "observed-data", "first_observed", "2026-01-01T00:00:00Z",
                           "last_observed", "2026-01-01T00:00:00Z", "number_observed", 1, "objects",
                           "0", "type", "x-a", longkey, 1, "k", 7, "a", "b", "c", "d", "e", "v");
    struct pattern_observation o;
    struct hl_error err;
    assert_non_null(od);
    assert_int_equal(pattern_observation_from_json(od, NULL, &o, &err), 0);
    json_decref(od);
    assert_true(o.leaves_partial);
    h.n = 0;
    assert_int_equal(pattern_matcher_match(m, &o, on_match, &h), 0);
    assert_int_equal(h.n, 4);
    pattern_observation_release(&o);
    pattern_matcher_free(m);
}

/* An OR of two keys that both occur is one report. */
static void test_matcher_reports_an_indicator_once_per_observation(void **state)
{
    (void)state;
    struct pattern_matcher *m = pattern_matcher_new();
    struct hits h;
    add_ok(m, "indicator--a", "[ipv4-addr:value = '1.1.1.1' OR domain-name:value = 'x.example']");
    add_ok(m, "indicator--b",
           "[ipv4-addr:value = '1.1.1.1'] OR [domain-name:value LIKE 'x.%'] START "
           "t'2000-01-01T00:00:00Z' STOP t'2100-01-01T00:00:00Z'");
    match_line(m, "ipv4-addr:value=1.1.1.1 domain-name:value=x.example ts=2026-01-01T00:00:00Z",
               &h);
    assert_int_equal(h.n, 2);
    match_line(m, "ipv4-addr:value=1.1.1.1 domain-name:value=x.example ts=2026-01-01T00:00:00Z",
               &h);
    assert_int_equal(h.n, 2);
    pattern_matcher_free(m);
}

/* A stream indicator keeps PATTERN_WINDOW observations; the oldest go. */
static void test_matcher_stream_window_drops_the_oldest(void **state)
{
    (void)state;
    struct pattern_matcher *m = pattern_matcher_new();
    struct pattern_matcher_stats st;
    struct hits h;
    char line[128];
    add_ok(m, "indicator--s", "[file:name = 'a'] FOLLOWEDBY [file:name = 'b']");
    add_ok(m, "indicator--r", "[file:name = 'a'] REPEATS 3 TIMES WITHIN 10 SECONDS");
    for (int i = 0; i < PATTERN_WINDOW + 6; i++) {
        snprintf(line, sizeof line, "file:name=a ts=2026-01-01T00:%02d:%02dZ", i / 60, i % 60);
        match_line(m, line, &h);
        /* REPEATS 3 within 10 s: from the third 'a' on, every 'a' completes one */
        assert_int_equal(h.n, i >= 2 ? 1 : 0);
    }
    match_line(m, "file:name=b ts=2026-01-01T01:00:00Z", &h);
    assert_true(h.n == 1 && hit(&h, 0));
    match_line(m, "file:name=c ts=2026-01-01T01:00:01Z", &h);
    assert_int_equal(h.n, 0);
    pattern_matcher_get_stats(m, &st);
    assert_int_equal(st.n_stream, 2);
    assert_int_equal(st.n_dropped, 6 + 6 + 1); /* both windows, and 'b' pushed one more out */
    pattern_matcher_free(m);
}

/* All windows together stop growing at the ceiling. */
static void test_matcher_window_ceiling_across_indicators(void **state)
{
    (void)state;
    struct pattern_matcher *m = pattern_matcher_new();
    struct pattern_matcher_stats st;
    struct hits h;
    pattern_matcher_set_ceiling(m, 3);
    add_ok(m, "indicator--1", "[file:name = 'a'] AND [file:name = 'z']");
    add_ok(m, "indicator--2", "[file:name = 'b'] AND [file:name = 'z']");
    match_line(m, "file:name=a", &h);
    match_line(m, "file:name=a", &h);
    match_line(m, "file:name=b", &h); /* three held: the ceiling */
    pattern_matcher_get_stats(m, &st);
    assert_int_equal(st.n_dropped, 0);
    match_line(m, "file:name=b", &h); /* replaces the older b */
    match_line(m, "file:name=a", &h); /* replaces the oldest a */
    pattern_matcher_get_stats(m, &st);
    assert_int_equal(st.n_dropped, 2);
    /* a 'z' goes into both windows, each dropping its oldest: indicator 1
     * keeps an 'a' and matches, indicator 2 loses its only 'b' */
    match_line(m, "file:name=z", &h);
    assert_true(h.n == 1 && hit(&h, 0));
    pattern_matcher_get_stats(m, &st);
    assert_int_equal(st.n_dropped, 4);
    pattern_matcher_free(m);
}

static void test_matcher_refuses_a_bad_pattern_and_adds_nothing(void **state)
{
    (void)state;
    struct pattern_matcher *m = pattern_matcher_new();
    struct pattern_matcher_stats st;
    struct hl_error err;
    uint32_t idx = 99;
    const char *bad = "[ipv4-addr:value = '1.1.1.1'] AND\n  [file:name ~ 'x']";
    assert_int_equal(pattern_matcher_add(m, "indicator--x", bad, strlen(bad), &idx, &err),
                     -HL_E_PARSE);
    assert_string_equal(err.where, "2:14");
    assert_int_equal(idx, 99);
    pattern_matcher_get_stats(m, &st);
    assert_int_equal(st.n_indicators, 0);
    add_ok(m, "indicator--y", "[ipv4-addr:value = '1.1.1.1']");
    assert_string_equal(pattern_matcher_id(m, 0), "indicator--y");
    pattern_matcher_free(m);
}

/* ---- the differential test ------------------------------------------------------- */

static uint64_t rng_state;

static uint32_t rnd(uint32_t n)
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return (uint32_t)(rng_state % n);
}

#define PICK(a) (a)[rnd(sizeof(a) / sizeof((a)[0]))]

static const char *const ips[] = {"10.0.0.1", "10.0.0.2", "10.0.0.5", "10.0.1.9", "192.0.2.1"};
static const char *const cidrs[] = {"10.0.0.0/29",  "10.0.0.4/30", "10.0.0.0/16",
                                    "192.0.2.0/24", "10.0.0.1",    "0.0.0.0/0"};
static const char *const domains[] = {"a.example", "b.example", "c.test", "a.test"};
static const char *const names[] = {"x.exe", "y.dll", "z.txt", "x.dll"};
static const char *const md5s[] = {"aa11", "bb22", "cc33"};

/* A random comparison into b. */
static void gen_cmp(struct buf *b)
{
    const char *neg = rnd(6) == 0 ? "NOT " : "";
    int r;
    switch (rnd(12)) {
    case 0:
        r = buf_addf(b, "ipv4-addr:value %s= '%s'", neg, PICK(ips));
        break;
    case 1:
        r = buf_addf(b, "ipv4-addr:value %sISSUBSET '%s'", neg, PICK(cidrs));
        break;
    case 2:
        r = buf_addf(b, "domain-name:value %s= '%s'", neg, PICK(domains));
        break;
    case 3:
        r = buf_addf(b, "domain-name:value %sLIKE '%%.%s'", neg, rnd(2) ? "example" : "test");
        break;
    case 4:
        r = buf_addf(b, "file:name %sIN ('%s', '%s')", neg, PICK(names), PICK(names));
        break;
    case 5:
        r = buf_addf(b, "file:name %sMATCHES '^x\\\\.'", neg);
        break;
    case 6:
        r = buf_addf(b, "file:hashes.MD5 %s= '%s'", neg, PICK(md5s));
        break;
    case 7:
        r = buf_addf(b, "file:size %s%s %u", neg, rnd(2) ? "=" : ">", rnd(4));
        break;
    case 8:
        r = buf_addf(b, "file:size != %u", rnd(4));
        break;
    case 9:
        r = buf_addf(b, "network-traffic:dst_ref.value %s= '%s'", neg, PICK(ips));
        break;
    case 10:
        r = buf_addf(b, "EXISTS file:hashes.MD5");
        break;
    default:
        r = buf_addf(b, "file:size %s= '%u'", neg, rnd(4)); /* a string never equals an int */
        break;
    }
    assert_int_equal(r, 0);
}

static void gen_expr(struct buf *b, int depth)
{
    if (depth == 0 || rnd(3) == 0) {
        gen_cmp(b);
        return;
    }
    assert_int_equal(buf_addc(b, '('), 0);
    gen_expr(b, depth - 1);
    assert_int_equal(buf_adds(b, rnd(2) ? " AND " : " OR "), 0);
    gen_expr(b, depth - 1);
    assert_int_equal(buf_addc(b, ')'), 0);
}

static void gen_obs_expr(struct buf *b, int depth)
{
    static const char *const ops[] = {" AND ", " OR ", " FOLLOWEDBY "};
    if (depth == 0 || rnd(4) != 0) {
        assert_int_equal(buf_addc(b, '['), 0);
        gen_expr(b, 2);
        assert_int_equal(buf_addc(b, ']'), 0);
    } else {
        assert_int_equal(buf_addc(b, '('), 0);
        gen_obs_expr(b, depth - 1);
        assert_int_equal(buf_adds(b, PICK(ops)), 0);
        gen_obs_expr(b, depth - 1);
        assert_int_equal(buf_addc(b, ')'), 0);
    }
    switch (rnd(10)) {
    case 0:
        assert_int_equal(buf_addf(b, " WITHIN %u SECONDS", 1 + rnd(120)), 0);
        break;
    case 1:
        assert_int_equal(buf_addf(b, " REPEATS %u TIMES", 1 + rnd(3)), 0);
        break;
    case 2:
        assert_int_equal(buf_adds(b, " START t'2026-01-01T00:00:30Z' STOP t'2026-01-01T00:02:00Z'"),
                         0);
        break;
    default:
        break;
    }
}

/* A random observation line at time t seconds past 2026-01-01. */
static void gen_line(struct buf *b, unsigned t)
{
    buf_clear(b);
    if (rnd(2))
        assert_int_equal(buf_addf(b, "ipv4-addr:value=%s ", PICK(ips)), 0);
    if (rnd(3) == 0)
        assert_int_equal(buf_addf(b, "domain-name:value=%s ", PICK(domains)), 0);
    if (rnd(2)) {
        assert_int_equal(buf_addf(b, "file:name=%s file:size=%u ", PICK(names), rnd(4)), 0);
        if (rnd(2))
            assert_int_equal(buf_addf(b, "file:hashes.MD5=%s ", PICK(md5s)), 0);
    }
    if (rnd(3) == 0)
        assert_int_equal(buf_addf(b, "network-traffic:dst_ref=\"0\" "), 0);
    if (b->len == 0)
        assert_int_equal(buf_addf(b, "domain-name:value=%s ", PICK(domains)), 0);
    assert_int_equal(
        buf_addf(b, "ts=2026-01-01T00:%02u:%02uZ n=%u", t / 60 % 60, t % 60, 1 + (rnd(4) == 0)), 0);
}

#define DIFF_INDICATORS 150
#define DIFF_STREAM 40 /* observations per round, below PATTERN_WINDOW: no drops */
#define DIFF_SECONDS 4

static void test_matcher_agrees_with_the_plain_evaluator(void **state)
{
    (void)state;
    time_t start = time(NULL);
    unsigned rounds = 0;
    uint64_t compared = 0, matches = 0, skipped = 0;
    struct buf b;
    buf_init(&b, 1u << 16);
    for (uint64_t seed = 1; rounds < 5 || (rounds < 200 && time(NULL) - start < DIFF_SECONDS);
         seed++, rounds++) {
        struct pattern_matcher *m = pattern_matcher_new();
        struct pattern *plain[DIFF_INDICATORS];
        struct pattern_observation obs[DIFF_STREAM];
        const struct pattern_observation *list[DIFF_STREAM];
        struct hl_error err;
        rng_state = seed * 0x9e3779b97f4a7c15ull;
        for (int i = 0; i < DIFF_INDICATORS; i++) {
            char id[32];
            buf_clear(&b);
            gen_obs_expr(&b, 2);
            snprintf(id, sizeof id, "indicator--%d", i);
            if (pattern_parse(b.data, b.len, &plain[i], &err))
                fail_msg("generated pattern %s: %s: %s", b.data, err.where, err.msg);
            add_ok(m, id, b.data);
        }
        unsigned t = 0;
        for (int k = 0; k < DIFF_STREAM; k++) {
            struct hits h = {.n = 0};
            t += rnd(20);
            gen_line(&b, t);
            if (pattern_observation_from_line(b.data, b.len, 0, &obs[k], &err))
                fail_msg("generated line %s: %s", b.data, err.msg);
            list[k] = &obs[k];
            assert_int_equal(pattern_matcher_match(m, &obs[k], on_match, &h), 0);
            for (int i = 0; i < DIFF_INDICATORS; i++) {
                struct pattern_match_result res;
                assert_int_equal(pattern_match(plain[i], list, (size_t)k + 1, (size_t)k, &res), 0);
                if (res.truncated) {
                    skipped++;
                    continue;
                }
                compared++;
                matches += res.matched;
                if (res.matched != hit(&h, (uint32_t)i)) {
                    struct buf pb;
                    buf_init(&pb, 1u << 16);
                    assert_int_equal(pattern_to_string(plain[i], &pb, &err), 0);
                    fail_msg("seed %llu observation %d (%s): indicator %d %s: plain %s, "
                             "indexed %s",
                             (unsigned long long)seed, k, b.data, i, pb.data,
                             res.matched ? "match" : "no match",
                             res.matched ? "no match" : "match");
                }
            }
        }
        struct pattern_matcher_stats st;
        pattern_matcher_get_stats(m, &st);
        assert_int_equal(st.n_dropped, 0);
        for (int k = 0; k < DIFF_STREAM; k++)
            pattern_observation_release(&obs[k]);
        for (int i = 0; i < DIFF_INDICATORS; i++)
            pattern_free(plain[i]);
        pattern_matcher_free(m);
    }
    buf_release(&b);
    print_message("differential: %u rounds, %llu answers compared (%llu matches), %llu "
                  "truncated and skipped\n",
                  rounds, (unsigned long long)compared, (unsigned long long)matches,
                  (unsigned long long)skipped);
    assert_true(matches > 100 && compared > 10 * matches / 10);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_matcher_equality_indicators_need_no_tree),
        cmocka_unit_test(test_matcher_deep_paths_and_partial_leaves),
        cmocka_unit_test(test_matcher_reports_an_indicator_once_per_observation),
        cmocka_unit_test(test_matcher_stream_window_drops_the_oldest),
        cmocka_unit_test(test_matcher_window_ceiling_across_indicators),
        cmocka_unit_test(test_matcher_refuses_a_bad_pattern_and_adds_nothing),
        cmocka_unit_test(test_matcher_agrees_with_the_plain_evaluator),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
