/*
 * ledger.h — the ledger module: what makes hotline's history provable.
 *
 *   SHA-256        through GnuTLS (uses the CPU's SHA instructions).
 *   Merkle math    RFC 9162 §2.1, pure functions, no I/O: leaf and node
 *                  hashes, tree roots, inclusion and consistency proofs
 *                  (generation from a source of complete-subtree hashes,
 *                  and verification exactly per §2.1.3.2 and §2.1.4.2),
 *                  and the compact frontier for O(1) amortized appends.
 *   Keys           Ed25519 (libsodium): generation, key files, the X.590
 *                  public-key form (base64 DER SubjectPublicKeyInfo).
 *   Seals          ITU-T X.590 (JSS) signatures of JSON objects, and the
 *                  hotline seal: X.590 signature plus the publishing party,
 *                  channel and sequence number.
 *   Log            (appends, tree heads, receipts; see the marked section
 *                  at the end of this header).
 *
 * Secret keys never leave this module except as struct seal_key, whose
 * bytes callers wipe with seal_key_wipe() on every path.
 *
 * Hashes, keys and signatures are fixed-size byte arrays everywhere.
 */
#ifndef HL_LEDGER_H
#define HL_LEDGER_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/base.h"

#define LEDGER_HASH_BYTES 32

/* ---- SHA-256 (sha256.c) ------------------------------------------------ */

/* out = SHA-256(data[0..len)). Fails only if the crypto library does
 * (HL_E_CRYPTO); out is then zeroed. */
HL_MUST_CHECK int ledger_sha256(const void *data, size_t len, uint8_t out[static 32]);

/* Incremental SHA-256. Life cycle: ledger_sha256_init → update* → final
 * (which releases it) or ledger_sha256_release (abandon). */
struct ledger_sha256 {
    void *hd; /* gnutls_hash_hd_t, owned */
};
HL_MUST_CHECK int ledger_sha256_init(struct ledger_sha256 *h);
HL_MUST_CHECK int ledger_sha256_update(struct ledger_sha256 *h, const void *data, size_t len);
/* Writes the digest and releases h (also on failure, out then zeroed). */
HL_MUST_CHECK int ledger_sha256_final(struct ledger_sha256 *h, uint8_t out[static 32]);
void ledger_sha256_release(struct ledger_sha256 *h);

/* ---- Merkle trees, RFC 9162 §2.1 (merkle.c) ---------------------------- */

/* Longest proof of a tree of up to 2^64 - 1 leaves. */
#define MERKLE_MAX_PROOF 64

/* SHA-256(0x00 || data): the hash of one leaf. RFC 9162 §2.1.1 */
HL_MUST_CHECK int merkle_leaf_hash(const void *data, size_t len, uint8_t out[static 32]);
/* SHA-256(0x01 || left || right): an interior node. RFC 9162 §2.1.1 */
HL_MUST_CHECK int merkle_node_hash(const uint8_t left[static 32], const uint8_t right[static 32],
                                   uint8_t out[static 32]);
/* MTH of n leaves given their leaf hashes; for n == 0, SHA-256(""). */
HL_MUST_CHECK int merkle_root(const uint8_t (*leaf_hashes)[32], uint64_t n, uint8_t out[static 32]);

/* Source of complete-subtree hashes: writes into out the root of the
 * complete subtree of 2^level leaves whose first leaf is index << level
 * (level 0: the leaf hash of leaf index). Called only for subtrees lying
 * wholly inside the tree being proved. Returns 0 or -HL_E_*. */
typedef int (*merkle_subtree_fn)(void *ctx, unsigned level, uint64_t index, uint8_t out[32]);

/* A merkle_subtree_fn over an array of leaf hashes (ctx is a pointer to
 * struct merkle_leaves), computing each subtree from its leaves. For
 * tests and small trees; a store serves stored subtree rows instead. */
struct merkle_leaves {
    const uint8_t (*hashes)[32];
    uint64_t n;
};
int merkle_leaves_subtree(void *ctx, unsigned level, uint64_t index, uint8_t out[32]);

/* The root of a tree of size leaves, from complete-subtree hashes. */
HL_MUST_CHECK int merkle_tree_root(uint64_t size, merkle_subtree_fn get, void *ctx,
                                   uint8_t out[static 32], struct hl_error *err);

/* The inclusion proof (audit path) of leaf index in a tree of size leaves,
 * RFC 9162 §2.1.3.1, bottom-up. Needs index < size. Writes *n_proof
 * hashes into proof. On failure *n_proof is 0. */
HL_MUST_CHECK int merkle_inclusion_proof(uint64_t size, uint64_t index, merkle_subtree_fn get,
                                         void *ctx, uint8_t proof[MERKLE_MAX_PROOF][32],
                                         size_t *n_proof, struct hl_error *err);

/* The consistency proof between the trees of size1 and size2 leaves,
 * RFC 9162 §2.1.4.1. Needs size1 <= size2; empty when size1 is 0 or
 * equals size2. On failure *n_proof is 0. */
HL_MUST_CHECK int merkle_consistency_proof(uint64_t size1, uint64_t size2, merkle_subtree_fn get,
                                           void *ctx, uint8_t proof[MERKLE_MAX_PROOF][32],
                                           size_t *n_proof, struct hl_error *err);

/* Verifies that leaf_hash is leaf index of the tree of size leaves whose
 * root is root, RFC 9162 §2.1.3.2. 0, or -HL_E_VERIFY with the reason. */
HL_MUST_CHECK int merkle_verify_inclusion(uint64_t index, uint64_t size,
                                          const uint8_t leaf_hash[static 32],
                                          const uint8_t (*proof)[32], size_t n_proof,
                                          const uint8_t root[static 32], struct hl_error *err);

/* Verifies that the tree of size1 leaves with root root1 is a prefix of
 * the tree of size2 leaves with root root2, RFC 9162 §2.1.4.2. Outside the
 * RFC's 0 < size1 < size2: size1 == size2 needs an empty proof and equal
 * roots; size1 == 0 needs an empty proof (the empty tree is a prefix of
 * every tree). 0, or -HL_E_VERIFY with the reason. */
HL_MUST_CHECK int merkle_verify_consistency(uint64_t size1, uint64_t size2,
                                            const uint8_t root1[static 32],
                                            const uint8_t root2[static 32],
                                            const uint8_t (*proof)[32], size_t n_proof,
                                            struct hl_error *err);

/* The frontier of a tree: the roots of its maximal complete subtrees, left
 * (largest) to right, one per set bit of size. Appending a leaf costs
 * O(1) amortized node hashes; the root is folded from the frontier.
 * Plain data; zero-initialise (or merkle_frontier_init) for the empty tree. */
struct merkle_frontier {
    uint64_t size;          /* leaves in the tree */
    unsigned n;             /* == popcount(size) */
    uint8_t hash[64][32];   /* hash[0] covers the leftmost, largest subtree */
};
void merkle_frontier_init(struct merkle_frontier *f);
/* Appends the leaf whose leaf hash is leaf_hash. On failure f is unchanged. */
HL_MUST_CHECK int merkle_frontier_append(struct merkle_frontier *f,
                                         const uint8_t leaf_hash[static 32]);
/* The root (MTH) of the tree f describes. */
HL_MUST_CHECK int merkle_frontier_root(const struct merkle_frontier *f, uint8_t out[static 32]);
/* Loads the frontier of the tree of size leaves from subtree hashes
 * (popcount(size) calls of get). On failure f is the empty tree. */
HL_MUST_CHECK int merkle_frontier_load(struct merkle_frontier *f, uint64_t size,
                                       merkle_subtree_fn get, void *ctx, struct hl_error *err);

/* ---- Ed25519 keys (keys.c) --------------------------------------------- */

#define SEAL_PK_BYTES 32
#define SEAL_SK_BYTES 64  /* libsodium's form: seed || public key */
#define SEAL_SIG_BYTES 64
/* DER SubjectPublicKeyInfo of an Ed25519 key (RFC 8410 §4): this 12-byte
 * prefix, then the 32 key bytes. */
#define SEAL_SPKI_PREFIX "\x30\x2a\x30\x05\x06\x03\x2b\x65\x70\x03\x21\x00"
#define SEAL_SPKI_BYTES 44
/* Base64 (no padding) of the SPKI: 59 characters + NUL. */
#define SEAL_SPKI_B64_LEN 59
#define SEAL_SPKI_B64_MAX 60

/* An Ed25519 key pair. Holds secret bytes: wipe with seal_key_wipe() on
 * every path once done. */
struct seal_key {
    uint8_t pk[SEAL_PK_BYTES];
    uint8_t sk[SEAL_SK_BYTES];
};

/* A fresh random key pair. */
HL_MUST_CHECK int seal_key_generate(struct seal_key *key, struct hl_error *err);
/* The key pair of a 32-byte seed (deterministic; for tests and imports). */
HL_MUST_CHECK int seal_key_from_seed(struct seal_key *key, const uint8_t seed[static 32],
                                     struct hl_error *err);
/* Zeroes every byte of key. */
void seal_key_wipe(struct seal_key *key);

/* Key files. Secret key file, mode 0600, two lines:
 *     hotline-ed25519-secret-v1
 *     <standard base64 with padding of the 32-byte seed>  (44 characters)
 * Public key file, two lines:
 *     hotline-ed25519-public-v1
 *     <the X.590 public_key: base64 of the DER SPKI, no padding>
 * Writing refuses to overwrite (HL_E_EXISTS). Reading a secret key file
 * whose mode grants anything to group or others fails with HL_E_PERM. */
#define SEAL_SECRET_MAGIC "hotline-ed25519-secret-v1"
#define SEAL_PUBLIC_MAGIC "hotline-ed25519-public-v1"
HL_MUST_CHECK int seal_key_write_secret(const char *path, const struct seal_key *key,
                                        struct hl_error *err);
HL_MUST_CHECK int seal_key_write_public(const char *path, const uint8_t pk[static 32],
                                        struct hl_error *err);
/* On failure key is zeroed. */
HL_MUST_CHECK int seal_key_read_secret(const char *path, struct seal_key *key,
                                       struct hl_error *err);
HL_MUST_CHECK int seal_key_read_public(const char *path, uint8_t pk[static 32],
                                       struct hl_error *err);

/* pk → base64 (no padding) of its DER SPKI, the X.590 public_key form. */
void seal_spki_encode(const uint8_t pk[static 32], char out[static SEAL_SPKI_B64_MAX]);
/* The reverse, exactly: 59 characters of canonical base64, the 12-byte
 * Ed25519 SPKI prefix, 32 key bytes. On failure pk is zeroed. */
HL_MUST_CHECK int seal_spki_decode(const char *s, uint8_t pk[static 32], struct hl_error *err);

/* ---- X.590 signatures and the hotline seal (seal.c) -------------------- */

/* At most this many top-level signatures are checked on one object. */
#define X590_MAX_SIGNATURES 16

/* Signs obj (a JSON object) per ITU-T X.590 §7.1 with key: the other
 * top-level signatures are set aside (§7.1.2), the entry {algorithm
 * "Ed25519", hash_algorithm "sha-256", public_key} becomes the only one,
 * the RFC 8785 form of the whole object is hashed with SHA-256, the
 * lowercase hex of the hash is signed, and the signature goes into the
 * entry's value (base64url, no padding). The entry is then appended to
 * the earlier signatures. On failure obj is as on entry. */
HL_MUST_CHECK int x590_sign(json_t *obj, const struct seal_key *key, struct hl_error *err);

/* The outcome of checking the top-level signatures of one object. */
struct x590_result {
    size_t n;                                   /* entries checked */
    uint8_t pk[X590_MAX_SIGNATURES][32];        /* signer of entry i */
};

/* Verifies every entry of obj's top-level signatures array (X.590 §8.1):
 * each is checked on the object with that entry alone, its value removed.
 * Fails with HL_E_VERIFY if there is none, or any entry is malformed or
 * does not verify (err->where is "signatures[i]"). out (may be NULL)
 * lists the signers on success and is zeroed on failure. */
HL_MUST_CHECK int x590_verify_all(const json_t *obj, struct x590_result *out,
                                  struct hl_error *err);

/* The hotline seal: the properties below, declared by the extension
 * definition extensions/hotline-seal.json (STIX 2.1 §7.3,
 * toplevel-property-extension), and an X.590 signature over all of it. */
#define SEAL_EXTENSION_ID "extension-definition--baae12af-2d48-454a-8ee9-0344aa2e53f9"
#define SEAL_PROP_PARTY "hotline_party"     /* identity id of the publisher */
#define SEAL_PROP_CHANNEL "hotline_channel" /* channel name */
#define SEAL_PROP_SEQ "hotline_seq"         /* sequence number, integer >= 0 */
#define SEAL_CHANNEL_MAX 128                /* bytes of a channel name */
#define SEAL_PARTY_MAX 47                   /* "identity--" + UUID + NUL */

/* What a verified seal says. */
struct seal_info {
    uint8_t pk[32];                     /* the signer (first signature) */
    char party[SEAL_PARTY_MAX];
    char channel[SEAL_CHANNEL_MAX + 1];
    uint64_t seq;
    size_t n_signatures;                /* all of which verified */
};

/* True if s is a channel name hotline accepts: 1..SEAL_CHANNEL_MAX bytes
 * of [a-z0-9._-], starting with a letter or digit. */
bool seal_channel_valid(const char *s);

/* Seals obj (a STIX object): sets hotline_party, hotline_channel and
 * hotline_seq, declares the extension in obj's extensions, and signs with
 * x590_sign. Refuses (HL_E_EXISTS) an object already carrying a seal
 * property. seq <= 2^53 - 1 (I-JSON). On failure obj is as on entry. */
HL_MUST_CHECK int seal_object(json_t *obj, const struct seal_key *key, const char *party,
                              const char *channel, uint64_t seq, struct hl_error *err);

/* Verifies a sealed object: the three properties well-formed, the
 * extension declared, and every top-level X.590 signature valid. out (may
 * be NULL) is filled on success and zeroed on failure. */
HL_MUST_CHECK int seal_verify(const json_t *obj, struct seal_info *out, struct hl_error *err);

/* ==== log: appends, tree heads, receipts ================================
 * Reserved for log.c (owned by the log's author): declarations of the
 * per-(party, channel) log, its tree heads and receipts go here. */

/* ==== end of log ======================================================== */

#endif
