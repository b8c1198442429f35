/*
 * merkle_test.c — RFC 9162 §2.1 math of src/ledger/merkle.c: the shared
 * transparency-dev vectors ($HL_SHARED/merkle) give the expected outcome
 * of every verification; generated trees of 1..300 leaves check that
 * every generated inclusion and consistency proof verifies, and that any
 * changed bit, index, size or root makes it fail. Roots are compared with
 * a recursive MTH written straight from the RFC's definition.
 */
#include <dirent.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <sodium.h>

#include "ledger/ledger.h"

#define MAX_LEAVES 300

static uint8_t leaves[MAX_LEAVES][32];
/* subtree[level][index]: root of leaves [index << level, (index + 1) << level). */
static uint8_t subtree[9][MAX_LEAVES][32];
static unsigned subtree_calls;

static void must(int rc)
{
    if (rc)
        fail_msg("unexpected failure %d", rc);
}

static int setup_tree(void **state)
{
    (void)state;
    for (int i = 0; i < MAX_LEAVES; i++) {
        char data[32];
        int n = snprintf(data, sizeof data, "leaf %d", i);
        must(merkle_leaf_hash(data, (size_t)n, leaves[i]));
        memcpy(subtree[0][i], leaves[i], 32);
    }
    for (int level = 1; level < 9; level++) {
        for (int i = 0; ((i + 1) << level) <= MAX_LEAVES; i++)
            must(merkle_node_hash(subtree[level - 1][2 * i], subtree[level - 1][2 * i + 1],
                                  subtree[level][i]));
    }
    return 0;
}

/* A subtree source from the table, refusing subtrees beyond ctx's size. */
static int table_subtree(void *ctx, unsigned level, uint64_t index, uint8_t out[32])
{
    uint64_t size = *(const uint64_t *)ctx;
    subtree_calls++;
    if (level >= 9 || ((index + 1) << level) > size)
        return -HL_E_NOT_FOUND;
    memcpy(out, subtree[level][index], 32);
    return 0;
}

/* MTH straight from RFC 9162 §2.1.1. */
static void reference_mth(const uint8_t (*d)[32], uint64_t n, uint8_t out[32])
{
    if (n == 1) {
        memcpy(out, d[0], 32);
        return;
    }
    uint64_t k = 1;
    while (k * 2 < n)
        k *= 2;
    uint8_t l[32], r[32];
    reference_mth(d, k, l);
    reference_mth(d + k, n - k, r);
    must(merkle_node_hash(l, r, out));
}

static void test_leaf_and_node_hashes_use_domain_prefixes(void **state)
{
    (void)state;
    uint8_t got[32], want[32], buf[65];
    /* The empty leaf: SHA-256(0x00) = 6e340b9c... (RFC 6962 test vector). */
    must(merkle_leaf_hash("", 0, got));
    char hex[65];
    hl_hex(hex, got, 32);
    assert_string_equal(hex, "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d");
    memset(buf, 0, sizeof buf);
    buf[0] = 1;
    memcpy(buf + 1, leaves[0], 32);
    memcpy(buf + 33, leaves[1], 32);
    crypto_hash_sha256(want, buf, 65);
    must(merkle_node_hash(leaves[0], leaves[1], got));
    assert_memory_equal(got, want, 32);
    /* A long leaf goes through the incremental path and agrees. */
    static uint8_t big[10000], pre[10001];
    memset(big, 'x', sizeof big);
    pre[0] = 0;
    memcpy(pre + 1, big, sizeof big);
    crypto_hash_sha256(want, pre, sizeof pre);
    must(merkle_leaf_hash(big, sizeof big, got));
    assert_memory_equal(got, want, 32);
}

static void test_empty_tree_root_is_hash_of_nothing(void **state)
{
    (void)state;
    uint8_t got[32];
    char hex[65];
    must(merkle_root(NULL, 0, got));
    hl_hex(hex, got, 32);
    assert_string_equal(hex, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
}

static void test_roots_agree_with_rfc_definition(void **state)
{
    (void)state;
    struct merkle_frontier f, loaded;
    merkle_frontier_init(&f);
    for (uint64_t n = 1; n <= MAX_LEAVES; n++) {
        uint8_t want[32], a[32], b[32], c[32], d[32];
        reference_mth(leaves, n, want);
        must(merkle_root(leaves, n, a));
        must(merkle_frontier_append(&f, leaves[n - 1]));
        must(merkle_frontier_root(&f, b));
        must(merkle_tree_root(n, table_subtree, &n, c, NULL));
        must(merkle_frontier_load(&loaded, n, table_subtree, &n, NULL));
        must(merkle_frontier_root(&loaded, d));
        assert_memory_equal(a, want, 32);
        assert_memory_equal(b, want, 32);
        assert_memory_equal(c, want, 32);
        assert_memory_equal(d, want, 32);
        assert_int_equal(f.n, __builtin_popcountll(n));
        assert_int_equal(loaded.n, f.n);
    }
}

static void test_leaves_subtree_source_matches_table(void **state)
{
    (void)state;
    struct merkle_leaves src = {leaves, 100};
    uint8_t out[32];
    must(merkle_leaves_subtree(&src, 3, 2, out));
    assert_memory_equal(out, subtree[3][2], 32);
    assert_int_equal(merkle_leaves_subtree(&src, 3, 12, out), -HL_E_INVALID); /* leaves 96..103 */
    assert_int_equal(merkle_leaves_subtree(&src, 64, 0, out), -HL_E_INVALID);
}

/* Verifies inclusion after flipping bit `bit` of proof[i]; must fail. */
static void expect_flip_fails_inclusion(uint64_t m, uint64_t n, uint8_t (*proof)[32], size_t len,
                                        const uint8_t root[32], size_t i, unsigned bit)
{
    proof[i][bit / 8] ^= (uint8_t)(1u << (bit % 8));
    int rc = merkle_verify_inclusion(m, n, leaves[m], (const uint8_t(*)[32])proof, len, root,
                                     NULL);
    proof[i][bit / 8] ^= (uint8_t)(1u << (bit % 8));
    if (rc != -HL_E_VERIFY)
        fail_msg("flipped bit %u of proof[%zu] for leaf %llu of %llu verified", bit, i,
                 (unsigned long long)m, (unsigned long long)n);
}

static void test_every_inclusion_proof_verifies_and_any_change_fails(void **state)
{
    (void)state;
    uint8_t proof[MERKLE_MAX_PROOF][32];
    for (uint64_t n = 1; n <= MAX_LEAVES; n++) {
        uint8_t root[32], bad[32];
        reference_mth(leaves, n, root);
        for (uint64_t m = 0; m < n; m++) {
            size_t len = 0;
            must(merkle_inclusion_proof(n, m, table_subtree, &n, proof, &len, NULL));
            const uint8_t(*p)[32] = (const uint8_t(*)[32])proof;
            must(merkle_verify_inclusion(m, n, leaves[m], p, len, root, NULL));
            /* Every bit of every element when small, one bit each otherwise. */
            for (size_t i = 0; i < len; i++) {
                if (n <= 24) {
                    for (unsigned bit = 0; bit < 256; bit++)
                        expect_flip_fails_inclusion(m, n, proof, len, root, i, bit);
                } else {
                    expect_flip_fails_inclusion(m, n, proof, len, root, i,
                                                (unsigned)((m * 31 + i * 7) % 256));
                }
            }
            memcpy(bad, root, 32);
            bad[m % 32] ^= 0x80;
            assert_int_equal(merkle_verify_inclusion(m, n, leaves[m], p, len, bad, NULL),
                             -HL_E_VERIFY);
            assert_int_equal(merkle_verify_inclusion(m, n, leaves[(m + 1) % MAX_LEAVES], p, len,
                                                     root, NULL),
                             -HL_E_VERIFY);
            if (m + 1 < n)
                assert_int_equal(merkle_verify_inclusion(m + 1, n, leaves[m], p, len, root, NULL),
                                 -HL_E_VERIFY);
            if (len > 0)
                assert_int_equal(
                    merkle_verify_inclusion(m, n, leaves[m], p, len - 1, root, NULL),
                    -HL_E_VERIFY);
        }
    }
}

static void expect_flip_fails_consistency(uint64_t m, uint64_t n, uint8_t (*proof)[32],
                                          size_t len, const uint8_t r1[32],
                                          const uint8_t r2[32], size_t i, unsigned bit)
{
    proof[i][bit / 8] ^= (uint8_t)(1u << (bit % 8));
    int rc = merkle_verify_consistency(m, n, r1, r2, (const uint8_t(*)[32])proof, len, NULL);
    proof[i][bit / 8] ^= (uint8_t)(1u << (bit % 8));
    if (rc != -HL_E_VERIFY)
        fail_msg("flipped bit %u of proof[%zu] for %llu -> %llu verified", bit, i,
                 (unsigned long long)m, (unsigned long long)n);
}

static void test_every_consistency_proof_verifies_and_any_change_fails(void **state)
{
    (void)state;
    uint8_t proof[MERKLE_MAX_PROOF][32];
    static uint8_t roots[MAX_LEAVES + 1][32];
    for (uint64_t n = 1; n <= MAX_LEAVES; n++)
        reference_mth(leaves, n, roots[n]);
    for (uint64_t n = 1; n <= MAX_LEAVES; n++) {
        for (uint64_t m = 1; m <= n; m++) {
            size_t len = 0;
            must(merkle_consistency_proof(m, n, table_subtree, &n, proof, &len, NULL));
            const uint8_t(*p)[32] = (const uint8_t(*)[32])proof;
            must(merkle_verify_consistency(m, n, roots[m], roots[n], p, len, NULL));
            if (m == n) {
                assert_int_equal(len, 0);
                continue;
            }
            for (size_t i = 0; i < len; i++) {
                if (n <= 24) {
                    for (unsigned bit = 0; bit < 256; bit++)
                        expect_flip_fails_consistency(m, n, proof, len, roots[m], roots[n], i,
                                                      bit);
                } else {
                    expect_flip_fails_consistency(m, n, proof, len, roots[m], roots[n], i,
                                                  (unsigned)((m * 13 + i * 5) % 256));
                }
            }
            assert_int_equal(merkle_verify_consistency(m, n, roots[m - 1 ? m - 1 : n], roots[n],
                                                       p, len, NULL),
                             -HL_E_VERIFY);
            assert_int_equal(merkle_verify_consistency(m, n, roots[m], roots[n - 1], p, len,
                                                       NULL),
                             -HL_E_VERIFY);
            assert_int_equal(merkle_verify_consistency(m, n, roots[m], roots[n], p, len - 1,
                                                       NULL),
                             -HL_E_VERIFY);
        }
    }
}

static void test_consistency_edges_outside_rfc_domain(void **state)
{
    (void)state;
    uint8_t r[32], other[32], proof[MERKLE_MAX_PROOF][32];
    reference_mth(leaves, 5, r);
    reference_mth(leaves, 6, other);
    memcpy(proof[0], r, 32);
    const uint8_t(*p)[32] = (const uint8_t(*)[32])proof;
    must(merkle_verify_consistency(5, 5, r, r, NULL, 0, NULL));
    assert_int_equal(merkle_verify_consistency(5, 5, r, other, NULL, 0, NULL), -HL_E_VERIFY);
    assert_int_equal(merkle_verify_consistency(5, 5, r, r, p, 1, NULL), -HL_E_VERIFY);
    must(merkle_verify_consistency(0, 5, other, r, NULL, 0, NULL));
    assert_int_equal(merkle_verify_consistency(0, 5, other, r, p, 1, NULL), -HL_E_VERIFY);
    assert_int_equal(merkle_verify_consistency(6, 5, other, r, NULL, 0, NULL), -HL_E_VERIFY);
    assert_int_equal(merkle_verify_consistency(4, 5, r, r, NULL, 0, NULL), -HL_E_VERIFY);
    size_t len = 9;
    uint64_t n = 5;
    assert_int_equal(merkle_consistency_proof(6, 5, table_subtree, &n, proof, &len, NULL),
                     -HL_E_INVALID);
    assert_int_equal(len, 0);
    assert_int_equal(merkle_inclusion_proof(5, 5, table_subtree, &n, proof, &len, NULL),
                     -HL_E_INVALID);
}

static void test_proof_reads_logarithmic_subtrees(void **state)
{
    (void)state;
    uint8_t proof[MERKLE_MAX_PROOF][32];
    size_t len = 0;
    uint64_t n = 300;
    subtree_calls = 0;
    must(merkle_inclusion_proof(n, 137, table_subtree, &n, proof, &len, NULL));
    assert_true(subtree_calls <= 2 * 9);
    subtree_calls = 0;
    must(merkle_consistency_proof(77, n, table_subtree, &n, proof, &len, NULL));
    assert_true(subtree_calls <= 2 * 9 + 9);
}

static void test_subtree_source_failure_is_reported(void **state)
{
    (void)state;
    uint8_t proof[MERKLE_MAX_PROOF][32];
    size_t len = 7;
    uint64_t small = 3; /* the source knows only 3 leaves */
    struct hl_error err;
    assert_int_equal(merkle_inclusion_proof(8, 0, table_subtree, &small, proof, &len, &err),
                     -HL_E_NOT_FOUND);
    assert_int_equal(len, 0);
    assert_int_equal(merkle_consistency_proof(3, 8, table_subtree, &small, proof, &len, &err),
                     -HL_E_NOT_FOUND);
}

/* ---- shared vectors ---------------------------------------------------- */

static bool b64_hash(const json_t *v, uint8_t out[32])
{
    const char *s = json_string_value(v);
    size_t n = 0;
    const char *end = NULL;
    if (!s || sodium_base642bin(out, 32, s, strlen(s), NULL, &n, &end,
                                sodium_base64_VARIANT_ORIGINAL) != 0)
        return false;
    return n == 32 && end == s + strlen(s);
}

/* The unsigned integer member key of the flat JSON object in text, read
 * from the text itself: the vectors hold 2^64 - 1, beyond jansson's range. */
static bool text_u64(const char *text, const char *key, uint64_t *out)
{
    char quoted[64];
    snprintf(quoted, sizeof quoted, "\"%s\"", key);
    const char *p = strstr(text, quoted);
    if (!p)
        return false;
    p += strlen(quoted);
    while (*p == ' ' || *p == '\n' || *p == '\t' || *p == '\r')
        p++;
    if (*p++ != ':')
        return false;
    while (*p == ' ' || *p == '\n' || *p == '\t' || *p == '\r')
        p++;
    if (*p < '0' || *p > '9')
        return false;
    uint64_t v = 0;
    for (; *p >= '0' && *p <= '9'; p++) {
        if (__builtin_mul_overflow(v, 10, &v) || __builtin_add_overflow(v, (uint64_t)(*p - '0'), &v))
            return false;
    }
    *out = v;
    return true;
}

/* Verifies one vector; true if the proof verified. Malformed data fails. */
static bool vector_verifies(const json_t *doc, const char *text)
{
    uint64_t x = 0, y = 0;
    uint8_t proof[MERKLE_MAX_PROOF][32], a[32], b[32];
    const json_t *arr = json_object_get(doc, "proof");
    size_t len = json_is_array(arr) ? json_array_size(arr) : 0;
    if (len > MERKLE_MAX_PROOF)
        return false;
    for (size_t i = 0; i < len; i++) {
        if (!b64_hash(json_array_get(arr, i), proof[i]))
            return false;
    }
    const uint8_t(*p)[32] = (const uint8_t(*)[32])proof;
    if (json_object_get(doc, "leafIdx")) {
        if (!b64_hash(json_object_get(doc, "leafHash"), a) ||
            !b64_hash(json_object_get(doc, "root"), b))
            return false;
        if (!text_u64(text, "leafIdx", &x) || !text_u64(text, "treeSize", &y))
            return false;
        return merkle_verify_inclusion(x, y, a, p, len, b, NULL) == 0;
    }
    if (!b64_hash(json_object_get(doc, "root1"), a) || !b64_hash(json_object_get(doc, "root2"), b))
        return false;
    if (!text_u64(text, "size1", &x) || !text_u64(text, "size2", &y))
        return false;
    return merkle_verify_consistency(x, y, a, b, p, len, NULL) == 0;
}

static int run_vector_dir(const char *dir, int *n_ok_expected)
{
    DIR *d = opendir(dir);
    if (!d)
        fail_msg("cannot open %s", dir);
    int n = 0;
    struct dirent *e;
    while ((e = readdir(d))) {
        size_t l = strlen(e->d_name);
        if (l < 6 || strcmp(e->d_name + l - 5, ".json") != 0)
            continue;
        char path[2048];
        int w = snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
        if (w < 0 || (size_t)w >= sizeof path)
            fail_msg("path too long");
        json_error_t jerr;
        static char text[1 << 16];
        FILE *fp = fopen(path, "rb");
        if (!fp)
            fail_msg("cannot open %s", path);
        size_t tl = fread(text, 1, sizeof text - 1, fp);
        fclose(fp);
        text[tl] = '\0';
        json_t *doc = json_loadb(text, tl, JSON_DECODE_INT_AS_REAL, &jerr);
        if (!doc)
            fail_msg("%s: %s", path, jerr.text);
        bool want_err = json_is_true(json_object_get(doc, "wantErr"));
        bool ok = vector_verifies(doc, text);
        if (ok == want_err)
            fail_msg("%s: verified=%d but wantErr=%d", path, ok, want_err);
        *n_ok_expected += !want_err;
        json_decref(doc);
        n++;
    }
    closedir(d);
    return n;
}

static void test_shared_vectors_match_want_err(void **state)
{
    (void)state;
    const char *shared = getenv("HL_SHARED");
    if (!shared)
        fail_msg("HL_SHARED is not set");
    int n = 0, happy = 0;
    const char *kinds[] = {"inclusion", "consistency"};
    for (int k = 0; k < 2; k++) {
        for (int i = 0; i < 4; i++) {
            char dir[1024];
            snprintf(dir, sizeof dir, "%s/merkle/%s/%d", shared, kinds[k], i);
            if (k == 0 && i == 3)
                continue;
            n += run_vector_dir(dir, &happy);
        }
    }
    assert_int_equal(n, 112);
    assert_int_equal(happy, 7);
}

int main(void)
{
    if (sodium_init() < 0)
        return 1;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_leaf_and_node_hashes_use_domain_prefixes),
        cmocka_unit_test(test_empty_tree_root_is_hash_of_nothing),
        cmocka_unit_test(test_roots_agree_with_rfc_definition),
        cmocka_unit_test(test_leaves_subtree_source_matches_table),
        cmocka_unit_test(test_every_inclusion_proof_verifies_and_any_change_fails),
        cmocka_unit_test(test_every_consistency_proof_verifies_and_any_change_fails),
        cmocka_unit_test(test_consistency_edges_outside_rfc_domain),
        cmocka_unit_test(test_proof_reads_logarithmic_subtrees),
        cmocka_unit_test(test_subtree_source_failure_is_reported),
        cmocka_unit_test(test_shared_vectors_match_want_err),
    };
    return cmocka_run_group_tests(tests, setup_tree, NULL);
}
