/*
 * merkle.c — RFC 9162 §2.1 Merkle tree math. Pure functions: no I/O, no
 * allocation; every hash goes through ledger_sha256.
 *
 * The tree over n leaves d[0..n) (RFC 9162 §2.1.1):
 *     MTH({})      = SHA-256()
 *     MTH({d0})    = SHA-256(0x00 || d0)                      leaf hash
 *     MTH(D[n])    = SHA-256(0x01 || MTH(D[0:k]) || MTH(D[k:n]))
 * where k is the largest power of two smaller than n. Hence every left
 * subtree is complete, and every range met while descending, [lo, hi),
 * starts at a multiple of the largest power of two not above hi - lo.
 *
 * A complete subtree is named (level, index): the 2^level leaves from
 * index << level on. Proof generation asks a merkle_subtree_fn for those
 * and combines them for incomplete right edges, so a store that keeps
 * complete-subtree rows serves any proof with O(log n) reads.
 *
 * Proofs are bottom-up lists of at most MERKLE_MAX_PROOF hashes.
 * Verification follows RFC 9162 §2.1.3.2 (inclusion) and §2.1.4.2
 * (consistency) step by step; the step numbers are cited in the code.
 */
#include <string.h>

#include "ledger.h"

#define LEAF_STACK_BYTES 4096

int merkle_leaf_hash(const void *data, size_t len, uint8_t out[static 32])
{
    static const uint8_t prefix = 0x00;
    if (len < LEAF_STACK_BYTES) {
        uint8_t tmp[LEAF_STACK_BYTES];
        tmp[0] = prefix;
        if (len)
            memcpy(tmp + 1, data, len);
        return ledger_sha256(tmp, len + 1, out);
    }
    struct ledger_sha256 h;
    int rc = ledger_sha256_init(&h);
    if (rc == 0)
        rc = ledger_sha256_update(&h, &prefix, 1);
    if (rc == 0)
        rc = ledger_sha256_update(&h, data, len);
    if (rc == 0)
        return ledger_sha256_final(&h, out);
    ledger_sha256_release(&h);
    memset(out, 0, 32);
    return rc;
}

int merkle_node_hash(const uint8_t left[static 32], const uint8_t right[static 32],
                     uint8_t out[static 32])
{
    uint8_t tmp[65];
    tmp[0] = 0x01;
    memcpy(tmp + 1, left, 32);
    memcpy(tmp + 33, right, 32);
    return ledger_sha256(tmp, sizeof tmp, out);
}

/* The largest power of two strictly below n (n >= 2). */
static uint64_t split_point(uint64_t n)
{
    uint64_t k = (uint64_t)1 << (63 - __builtin_clzll(n - 1));
    return k;
}

static bool is_pow2(uint64_t n)
{
    return n && !(n & (n - 1));
}

int merkle_leaves_subtree(void *ctx, unsigned level, uint64_t index, uint8_t out[32])
{
    const struct merkle_leaves *l = ctx;
    if (level >= 64 || index > (UINT64_MAX >> level))
        return -HL_E_INVALID;
    uint64_t width = (uint64_t)1 << level, lo = index << level;
    if (lo >= l->n || width > l->n - lo)
        return -HL_E_INVALID;
    return merkle_root(l->hashes + lo, width, out);
}

int merkle_root(const uint8_t (*leaf_hashes)[32], uint64_t n, uint8_t out[static 32])
{
    if (n == 0)
        return ledger_sha256(NULL, 0, out);
    struct merkle_frontier f;
    merkle_frontier_init(&f);
    for (uint64_t i = 0; i < n; i++) {
        int rc = merkle_frontier_append(&f, leaf_hashes[i]);
        if (rc)
            return rc;
    }
    return merkle_frontier_root(&f, out);
}

/* MTH(D[lo:hi]) from complete subtrees; lo < hi, and lo is a multiple of
 * the largest power of two <= hi - lo (true of every range the RFC 9162
 * recursion visits). Recursion depth <= 64. */
static int range_hash(uint64_t lo, uint64_t hi, merkle_subtree_fn get, void *ctx, uint8_t out[32])
{
    uint64_t w = hi - lo;
    if (is_pow2(w)) {
        unsigned level = (unsigned)__builtin_ctzll(w);
        if (lo & (w - 1))
            return -HL_E_INTERNAL;
        return get(ctx, level, lo >> level, out);
    }
    uint64_t k = split_point(w);
    uint8_t l[32], r[32];
    int rc = range_hash(lo, lo + k, get, ctx, l);
    if (rc == 0)
        rc = range_hash(lo + k, hi, get, ctx, r);
    if (rc == 0)
        rc = merkle_node_hash(l, r, out);
    return rc;
}

int merkle_tree_root(uint64_t size, merkle_subtree_fn get, void *ctx, uint8_t out[static 32],
                     struct hl_error *err)
{
    int rc = size ? range_hash(0, size, get, ctx, out) : ledger_sha256(NULL, 0, out);
    if (rc)
        return hl_fail(err, -rc, NULL, "cannot compute the root of a tree of %llu leaves",
                       (unsigned long long)size);
    return 0;
}

/* Reverses the first n hashes of p: proofs are built top-down. */
static void reverse_proof(uint8_t p[][32], size_t n)
{
    uint8_t t[32];
    for (size_t i = 0; i < n / 2; i++) {
        memcpy(t, p[i], 32);
        memcpy(p[i], p[n - 1 - i], 32);
        memcpy(p[n - 1 - i], t, 32);
    }
}

int merkle_inclusion_proof(uint64_t size, uint64_t index, merkle_subtree_fn get, void *ctx,
                           uint8_t proof[MERKLE_MAX_PROOF][32], size_t *n_proof,
                           struct hl_error *err)
{
    *n_proof = 0;
    if (index >= size)
        return hl_fail(err, HL_E_INVALID, NULL, "leaf %llu is not in a tree of %llu leaves",
                       (unsigned long long)index, (unsigned long long)size);
    /* RFC 9162 §2.1.3.1: PATH(m, D[n]) = PATH(m, D[0:k]) : MTH(D[k:n]) for
     * m < k, else PATH(m - k, D[k:n]) : MTH(D[0:k]). */
    uint64_t lo = 0, hi = size;
    size_t n = 0;
    while (hi - lo > 1) {
        uint64_t k = split_point(hi - lo);
        int rc;
        if (index < lo + k) {
            rc = range_hash(lo + k, hi, get, ctx, proof[n]);
            hi = lo + k;
        } else {
            rc = range_hash(lo, lo + k, get, ctx, proof[n]);
            lo += k;
        }
        if (rc)
            return hl_fail(err, -rc, NULL, "cannot read a subtree hash for the proof");
        n++;
    }
    reverse_proof(proof, n);
    *n_proof = n;
    return 0;
}

int merkle_consistency_proof(uint64_t size1, uint64_t size2, merkle_subtree_fn get, void *ctx,
                             uint8_t proof[MERKLE_MAX_PROOF][32], size_t *n_proof,
                             struct hl_error *err)
{
    *n_proof = 0;
    if (size1 > size2)
        return hl_fail(err, HL_E_INVALID, NULL, "size1 %llu exceeds size2 %llu",
                       (unsigned long long)size1, (unsigned long long)size2);
    if (size1 == 0 || size1 == size2)
        return 0;
    /* RFC 9162 §2.1.4.1: SUBPROOF(m, D[n], b). m is relative to lo. */
    uint64_t lo = 0, hi = size2, m = size1;
    bool whole = true; /* b: D[lo:lo+m] is the whole old tree, known to the verifier */
    size_t n = 0;
    int rc = 0;
    for (;;) {
        if (m == hi - lo) {
            if (!whole)
                rc = range_hash(lo, hi, get, ctx, proof[n++]);
            if (rc)
                goto fail;
            break;
        }
        uint64_t k = split_point(hi - lo);
        if (m <= k) {
            rc = range_hash(lo + k, hi, get, ctx, proof[n++]);
            hi = lo + k;
        } else {
            rc = range_hash(lo, lo + k, get, ctx, proof[n++]);
            lo += k;
            m -= k;
            whole = false;
        }
        if (rc)
            goto fail;
    }
    reverse_proof(proof, n);
    *n_proof = n;
    return 0;
fail:
    return hl_fail(err, -rc, NULL, "cannot read a subtree hash for the proof");
}

static int verify_fail(struct hl_error *err, const char *why)
{
    return hl_fail(err, HL_E_VERIFY, NULL, "%s", why);
}

int merkle_verify_inclusion(uint64_t index, uint64_t size, const uint8_t leaf_hash[static 32],
                            const uint8_t (*proof)[32], size_t n_proof,
                            const uint8_t root[static 32], struct hl_error *err)
{
    /* RFC 9162 §2.1.3.2 step 1 */
    if (index >= size)
        return verify_fail(err, "leaf index is not below the tree size");
    /* steps 2, 3 */
    uint64_t fn = index, sn = size - 1;
    uint8_t r[32];
    memcpy(r, leaf_hash, 32);
    /* step 4 */
    for (size_t i = 0; i < n_proof; i++) {
        if (sn == 0) /* 4a */
            return verify_fail(err, "inclusion proof is longer than the tree is deep");
        int rc;
        if ((fn & 1) || fn == sn) { /* 4b */
            rc = merkle_node_hash(proof[i], r, r);
            if (!(fn & 1)) {
                while (!(fn & 1) && fn != 0) {
                    fn >>= 1;
                    sn >>= 1;
                }
            }
        } else {
            rc = merkle_node_hash(r, proof[i], r);
        }
        if (rc)
            return hl_fail(err, HL_E_CRYPTO, NULL, "hashing failed");
        fn >>= 1; /* 4c */
        sn >>= 1;
    }
    /* step 5 */
    if (sn != 0)
        return verify_fail(err, "inclusion proof is shorter than the tree is deep");
    if (memcmp(r, root, 32) != 0)
        return verify_fail(err, "inclusion proof does not lead to the root");
    return 0;
}

int merkle_verify_consistency(uint64_t size1, uint64_t size2, const uint8_t root1[static 32],
                              const uint8_t root2[static 32], const uint8_t (*proof)[32],
                              size_t n_proof, struct hl_error *err)
{
    if (size1 > size2)
        return verify_fail(err, "the first tree is larger than the second");
    if (size1 == size2) {
        if (n_proof != 0)
            return verify_fail(err, "trees of equal size need an empty proof");
        if (memcmp(root1, root2, 32) != 0)
            return verify_fail(err, "trees of equal size have different roots");
        return 0;
    }
    if (size1 == 0)
        return n_proof ? verify_fail(err, "the empty tree needs an empty proof") : 0;
    /* RFC 9162 §2.1.4.2 step 1 */
    if (n_proof == 0)
        return verify_fail(err, "consistency proof is empty");
    /* step 2: a power-of-two first tree is itself the first node. */
    const uint8_t *first_node = proof[0];
    size_t next = 1;
    if (is_pow2(size1)) {
        first_node = root1;
        next = 0;
    }
    /* step 3 */
    uint64_t fn = size1 - 1, sn = size2 - 1;
    /* step 4 */
    while (fn & 1) {
        fn >>= 1;
        sn >>= 1;
    }
    /* step 5 */
    uint8_t fr[32], sr[32];
    memcpy(fr, first_node, 32);
    memcpy(sr, first_node, 32);
    /* step 6 */
    for (size_t i = next; i < n_proof; i++) {
        const uint8_t *c = proof[i];
        if (sn == 0) /* 6a */
            return verify_fail(err, "consistency proof is longer than the tree is deep");
        int rc = 0;
        if ((fn & 1) || fn == sn) { /* 6b */
            rc |= merkle_node_hash(c, fr, fr);
            rc |= merkle_node_hash(c, sr, sr);
            if (!(fn & 1)) {
                while (!(fn & 1) && fn != 0) {
                    fn >>= 1;
                    sn >>= 1;
                }
            }
        } else {
            rc = merkle_node_hash(sr, c, sr);
        }
        if (rc)
            return hl_fail(err, HL_E_CRYPTO, NULL, "hashing failed");
        fn >>= 1; /* 6c */
        sn >>= 1;
    }
    /* step 7 */
    if (sn != 0)
        return verify_fail(err, "consistency proof is shorter than the tree is deep");
    if (memcmp(fr, root1, 32) != 0)
        return verify_fail(err, "consistency proof does not lead to the first root");
    if (memcmp(sr, root2, 32) != 0)
        return verify_fail(err, "consistency proof does not lead to the second root");
    return 0;
}

void merkle_frontier_init(struct merkle_frontier *f)
{
    memset(f, 0, sizeof *f);
}

int merkle_frontier_append(struct merkle_frontier *f, const uint8_t leaf_hash[static 32])
{
    if (f->size == UINT64_MAX)
        return -HL_E_TOO_LARGE;
    /* Each trailing set bit of size is a complete subtree the new leaf
     * completes; merge them right to left into one. */
    uint8_t h[32];
    memcpy(h, leaf_hash, 32);
    unsigned n = f->n;
    for (uint64_t s = f->size; s & 1; s >>= 1) {
        if (n == 0)
            return -HL_E_INTERNAL;
        if (merkle_node_hash(f->hash[n - 1], h, h))
            return -HL_E_CRYPTO;
        n--;
    }
    memcpy(f->hash[n], h, 32);
    f->n = n + 1;
    f->size++;
    return 0;
}

int merkle_frontier_root(const struct merkle_frontier *f, uint8_t out[static 32])
{
    if (f->n == 0)
        return ledger_sha256(NULL, 0, out);
    uint8_t r[32];
    memcpy(r, f->hash[f->n - 1], 32);
    for (unsigned i = f->n - 1; i-- > 0;) {
        if (merkle_node_hash(f->hash[i], r, r))
            return -HL_E_CRYPTO;
    }
    memcpy(out, r, 32);
    return 0;
}

int merkle_frontier_load(struct merkle_frontier *f, uint64_t size, merkle_subtree_fn get, void *ctx,
                         struct hl_error *err)
{
    merkle_frontier_init(f);
    uint64_t lo = 0;
    unsigned n = 0;
    for (int level = 63; level >= 0; level--) {
        if (!(size & ((uint64_t)1 << level)))
            continue;
        int rc = get(ctx, (unsigned)level, lo >> level, f->hash[n]);
        if (rc) {
            merkle_frontier_init(f);
            return hl_fail(err, -rc, NULL, "cannot read the subtree at level %d", level);
        }
        lo += (uint64_t)1 << level;
        n++;
    }
    f->n = n;
    f->size = size;
    return 0;
}
