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
    uint64_t size;        /* leaves in the tree */
    unsigned n;           /* == popcount(size) */
    uint8_t hash[64][32]; /* hash[0] covers the leftmost, largest subtree */
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
#define SEAL_SK_BYTES 64 /* libsodium's form: seed || public key */
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

/* A statement a party signs outside its log: Ed25519 over the bytes
 * CONTEXT "\n" A "\n" B (texts without a newline, so that the bytes read
 * one way only; together under SEAL_STATEMENT_MAX bytes), the context
 * naming what it says, so that a signature for one kind of statement is
 * never one for another. sig is
 * base64 (standard, padded) into out[SEAL_STATEMENT_SIG_B64]. Used for
 * the next certificate a node announces (docs/federation.md section 12). */
#define SEAL_STATEMENT_MAX 1024
#define SEAL_STATEMENT_SIG_B64 89
#define SEAL_NEXT_CERT_CONTEXT "hotline-next-certificate-v1"
HL_MUST_CHECK int seal_statement_sign(const struct seal_key *key, const char *context,
                                      const char *a, const char *b,
                                      char out[static SEAL_STATEMENT_SIG_B64],
                                      struct hl_error *err);
/* Whether sig_b64 is pk's signature of the statement; false for a
 * malformed signature or statement. */
bool seal_statement_verify(const uint8_t pk[static SEAL_PK_BYTES], const char *context,
                           const char *a, const char *b, const char *sig_b64);

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

/* ---- the ledger's worker threads (batch.c) ------------------------------
 * A parallel loop for the costly per-object steps (sealing, verifying,
 * canonicalizing) of a batch. The threads, one fewer than the CPUs, are
 * started on first use and kept for the process's life: fn(ctx, i) runs
 * once for every i < n, concurrently for different i (fn must allow that;
 * each i writes only its own slots), roughly in order. ledger_par_wait(j,
 * i) returns once fn(ctx, i) has, running unclaimed items on the caller's
 * thread meanwhile. A loop of fewer than min_pooled items runs on the
 * caller's thread only (LEDGER_PAR_MIN: where a thread's hand-over costs
 * about as much as an item, as a seal; an item of many times that, as a
 * signature check, is worth a thread from 2). free waits for the workers
 * to leave the loop; always call it. */
#define LEDGER_PAR_MIN 16
struct ledger_par;
HL_MUST_CHECK int ledger_par_start(void (*fn)(void *ctx, size_t i), void *ctx, size_t n,
                                   size_t min_pooled, struct ledger_par **out,
                                   struct hl_error *err);
void ledger_par_wait(struct ledger_par *j, size_t i);
void ledger_par_free(struct ledger_par *j);

/* stix_parse, with the same result and errors; a large bundle or envelope
 * is parsed on the worker threads, its "objects" element by element
 * (stix_split). On success *out is a new reference. (parse.c) */
HL_MUST_CHECK int ledger_parse(const char *data, size_t len, json_t **out, struct hl_error *err);

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
    size_t n;                            /* entries checked */
    uint8_t pk[X590_MAX_SIGNATURES][32]; /* signer of entry i */
};

/* Verifies every entry of obj's top-level signatures array (X.590 §8.1):
 * each is checked on the object with that entry alone, its value removed.
 * Fails with HL_E_VERIFY if there is none, or any entry is malformed or
 * does not verify (err->where is "signatures[i]"). out (may be NULL)
 * lists the signers on success and is zeroed on failure. */
HL_MUST_CHECK int x590_verify_all(const json_t *obj, struct x590_result *out, struct hl_error *err);

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
    uint8_t pk[32]; /* the signer (first signature) */
    char party[SEAL_PARTY_MAX];
    char channel[SEAL_CHANNEL_MAX + 1];
    uint64_t seq;
    size_t n_signatures; /* all of which verified */
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

/* seal_object, and the sealed object's RFC 8785 form into canon_out (an
 * initialised buffer; may be NULL): derived from the form the signature
 * covers when it can, instead of canonicalizing the object again. */
HL_MUST_CHECK int seal_object_canon(json_t *obj, const struct seal_key *key, const char *party,
                                    const char *channel, uint64_t seq, struct buf *canon_out,
                                    struct hl_error *err);

/* Verifies a sealed object: the three properties well-formed, the
 * extension declared, and every top-level X.590 signature valid. out (may
 * be NULL) is filled on success and zeroed on failure. */
HL_MUST_CHECK int seal_verify(const json_t *obj, struct seal_info *out, struct hl_error *err);
/* seal_verify of an object whose RFC 8785 form canon (len bytes) the
 * caller has made or checked already (an audit compares every entry's
 * bytes with it): with one signature, the signed digest is hashed from
 * canon directly instead of canonicalizing the object once more. canon
 * MUST be obj's RFC 8785 form, else the answer means nothing. */
HL_MUST_CHECK int seal_verify_canonical(const json_t *obj, const uint8_t *canon, size_t len,
                                        struct seal_info *out, struct hl_error *err);

/* ==== log: appends, tree heads, receipts (log.c, verify.c, export.c) ===
 *
 * One log per (party, channel): entry n is the n-th object that party
 * sealed into that channel, hotline_seq n. The leaf of entry n is the RFC
 * 8785 form of the sealed object, signatures included, and the store keeps
 * exactly those bytes, so leaf hash = SHA-256(0x00 || stored bytes).
 *
 * Every batch a party appends ends with a tree head: a sealed object of
 * type hotline-tree-head, entry number N, stating that the log's first N
 * entries (everything before the head itself) have Merkle root R. So the
 * last entry of a log is always a head, and every head in a log states
 * tree_size == its own hotline_seq.
 *
 * A receipt is a sealed hotline-receipt object in the witness's own log
 * of the same channel: "I hold log (log_party, log_channel) up to
 * tree_size entries, with root root_hash". It is appended like any other
 * object (and followed by the witness's own tree head).
 *
 * The store also keeps the hashes of every complete subtree (level >= 1;
 * level 0 is the leaf hash of the log entry), written as a batch
 * completes them, so an append costs O(1) amortized rows and a proof
 * reads at most 2 log2(n) rows.
 *
 * docs/protocol.md is the normative description of these bytes. */

#define LOG_TREE_HEAD_TYPE "hotline-tree-head"
#define LOG_RECEIPT_TYPE "hotline-receipt"
/* Whether obj is a party's statement about a log (a tree head or a
 * receipt, by its type; no other check). */
bool log_is_statement(const json_t *obj);
/* extensions/hotline-tree-head.json and extensions/hotline-receipt.json
 * (STIX 2.1 §7.3, extension_type new-sdo). */
#define LOG_TREE_HEAD_EXT "extension-definition--0c3f5b8e-3d0a-4f4b-9c62-6a2f1f0b7d41"
#define LOG_RECEIPT_EXT "extension-definition--5f8e2c1a-7b94-4e0d-a3c6-2d9b8e4f1a37"

/* Most objects in one appended batch (the head not counted). */
#define LOG_BATCH_MAX 10000

struct store;

/* The local party: its identity id and key (borrowed, not copied). */
struct log_signer {
    const char *party;          /* "identity--..." */
    const struct seal_key *key; /* the party's key pair */
};

/* What one append did. */
struct log_append_result {
    uint64_t first_seq; /* hotline_seq of the first object */
    size_t n;           /* objects appended, head not counted */
    uint64_t head_seq;  /* the head's seq == the size it states */
    uint8_t root[32];   /* root of the first head_seq entries */
    int64_t first_row;  /* store row of the first object */
    int64_t head_row;   /* store row of the head */
};

/* Seals objs[0..n) (1 <= n <= LOG_BATCH_MAX) in place with me's key as
 * entries size, size+1, ... of log (me->party, channel), stores their
 * canonical bytes, log entries and subtree hashes, then appends and
 * stores a sealed tree head (entry size+n). The objects must have been
 * validated as STIX already (stix_validate_object); each needs a type,
 * an id, and no seal property. Object i is dated (date_added) now_us + i
 * µs and the head now_us + n, so that every row of a batch has its own
 * time (TAXII clients page by added_after); the head's created/modified is
 * now_us. A caller keeps its batches' now_us increasing by more than the
 * previous batch's n.
 *
 * log_append_in runs inside the caller's store_begin/commit (so a TAXII
 * status can commit with the batch); log_append wraps it in its own
 * transaction: one fsync, all or nothing. On failure nothing is stored,
 * but objects may carry a seal: discard them. out (may be NULL). A log
 * that some member holds more of than this store does is HL_E_BEHIND
 * (log_own_current). */
HL_MUST_CHECK int log_append_in(struct store *s, const struct log_signer *me, const char *channel,
                                json_t *const *objs, size_t n, int64_t now_us,
                                struct log_append_result *out, struct hl_error *err);
HL_MUST_CHECK int log_append(struct store *s, const struct log_signer *me, const char *channel,
                             json_t *const *objs, size_t n, int64_t now_us,
                             struct log_append_result *out, struct hl_error *err);

/* 0 if no receipt of party's own log in channel covers more entries than
 * the store holds; else HL_E_BEHIND, err naming the witness and both
 * sizes. Such a store is older than what party published (a database
 * restored from a backup or a snapshot): appending would seal again
 * sequence numbers that members hold with other contents, which they
 * would rightly call equivocation. Every append to party's own log checks
 * it (one index descent); the missing entries come back by pull
 * (exchange: sealed by party, they need no trust in whoever hands them
 * over). */
HL_MUST_CHECK int log_own_current(struct store *s, const char *party, const char *channel,
                                  struct hl_error *err);

/* Whether the channel holds this version of obj (its id and modified,
 * else created: STIX 2.1 §3.6) already: *held is true if a stored
 * version equals obj apart from seals and signatures (a TLP marking every
 * bundle repeats; a resent object), false if the version is not held. A
 * different object under the same id and version is HL_E_CONFLICT naming
 * it: a version is immutable once published. */
HL_MUST_CHECK int log_held_version(struct store *s, const char *channel, const json_t *obj,
                                   bool *held, struct hl_error *err);
/* The version time of a STIX object in µs since the epoch: modified,
 * else created, else 0 (an SCO has one version). */
int64_t log_object_time_us(const json_t *obj);

/* What log_accept_in did with one entry of another party's log. */
enum log_accept {
    LOG_ACCEPTED = 0,  /* stored as the next entry */
    LOG_DUPLICATE = 1, /* that entry is held already, byte for byte */
};

/* Takes one sealed object of another party's log (party, channel), as
 * received (bytes, any JSON form): verifies the seal with the party's
 * stored public key, that it names (party, channel), and that its
 * hotline_seq is the log's size (the next entry) -- or an entry already
 * held with the same canonical bytes (*what = LOG_DUPLICATE). A later seq
 * is HL_E_CONFLICT (a gap: nothing stored); an earlier seq with other
 * bytes is HL_E_VERIFY (equivocation: the caller keeps both as evidence).
 * A tree head whose root differs from the held log's is HL_E_VERIFY too.
 * Stores the object (canonical bytes), the entry, subtree hashes, and for
 * a tree head or receipt, its row in tree_heads or receipts. The party
 * must be known and a member of the channel. Runs inside the caller's
 * transaction; call store_rollback on failure. */
HL_MUST_CHECK int log_accept_in(struct store *s, const char *party, const char *channel,
                                const uint8_t *json, size_t len, int64_t now_us,
                                enum log_accept *what, struct hl_error *err);

/* log_accept_in of an entry the caller parsed (obj), whose seal it
 * verified (info: seal_verify's answer for obj), which it validated as
 * STIX (stix_validate_object: no error), and whose RFC 8785 form is canon:
 * the party, channel and key the seal names are still checked against the
 * log and the party's stored key, and every order and storage rule of
 * log_accept_in applies; only the costly steps (signature, validation,
 * canonicalization), which the caller may run in parallel before taking
 * the writer's lock, are not repeated. Anything else in info or canon and
 * the answer means nothing. */
HL_MUST_CHECK int log_accept_verified_in(struct store *s, const char *party, const char *channel,
                                         const json_t *obj, const struct seal_info *info,
                                         const uint8_t *canon, size_t canon_len, int64_t now_us,
                                         enum log_accept *what, struct hl_error *err);

/* log_accept_verified_in for many entries of one log in a row, inside one
 * transaction: open looks the party's membership and key up, loads the
 * log's frontier and reads the date of the next row once; each take then
 * costs only the entry's own checks and rows. Entries taken through a run
 * must be the only writes to that log until it is closed (another run or
 * log_accept_* call on the same log in between leaves the run's frontier
 * stale: refused or, worse, misplaced entries). After a failing store
 * (not a refusal) roll back and close the run. close frees it (NULL is a
 * no-op). */
struct log_accept_run;
HL_MUST_CHECK int log_accept_run_open(struct store *s, const char *party, const char *channel,
                                      int64_t now_us, struct log_accept_run **out,
                                      struct hl_error *err);
HL_MUST_CHECK int log_accept_run_take(struct log_accept_run *r, const json_t *obj,
                                      const struct seal_info *info, const uint8_t *canon,
                                      size_t canon_len, enum log_accept *what,
                                      struct hl_error *err);
void log_accept_run_close(struct log_accept_run *r);

/* Appends to me's log of channel a receipt for log (party, channel) at
 * its current held size and root (and the head after it), in one
 * transaction, and records it in the receipts table. HL_E_NOT_FOUND if
 * nothing of that log is held. */
HL_MUST_CHECK int log_receipt_publish(struct store *s, const struct log_signer *me,
                                      const char *party, const char *channel, int64_t now_us,
                                      struct log_append_result *out, struct hl_error *err);

/* log_receipt_publish inside the caller's transaction. */
HL_MUST_CHECK int log_receipt_publish_in(struct store *s, const struct log_signer *me,
                                         const char *party, const char *channel, int64_t now_us,
                                         struct log_append_result *out, struct hl_error *err);
/* Keeps a tree head of (party, channel) that the party really sealed but
 * that contradicts the entries held (equivocation): the object and its
 * tree_heads row are stored, so that log_audit_store shows both signed
 * heads as the proof. *kept says whether it was such a head. */
HL_MUST_CHECK int log_evidence_keep_in(struct store *s, const char *party, const char *channel,
                                       const uint8_t *json, size_t len, int64_t now_us, bool *kept,
                                       struct hl_error *err);

/* The root of the first size entries of log (party, channel), from the
 * stored subtree hashes. size <= the log's size. */
HL_MUST_CHECK int log_root(struct store *s, const char *party, const char *channel, uint64_t size,
                           uint8_t out[static 32], struct hl_error *err);
/* RFC 9162 §2.1.3.1 inclusion proof of entry index in the tree of the
 * first size entries, from stored subtree hashes (at most 2 log2(size)
 * reads). */
HL_MUST_CHECK int log_prove_inclusion(struct store *s, const char *party, const char *channel,
                                      uint64_t size, uint64_t index,
                                      uint8_t proof[MERKLE_MAX_PROOF][32], size_t *n_proof,
                                      struct hl_error *err);
/* RFC 9162 §2.1.4.1 consistency proof between sizes size1 <= size2. */
HL_MUST_CHECK int log_prove_consistency(struct store *s, const char *party, const char *channel,
                                        uint64_t size1, uint64_t size2,
                                        uint8_t proof[MERKLE_MAX_PROOF][32], size_t *n_proof,
                                        struct hl_error *err);

/* ---- audit (verify.c): checking logs, from a store or an evidence file - */

/* One thing found wrong. Borrowed; valid during the callback. */
struct log_failure {
    const char *party;   /* the log's party ("" if not known) */
    const char *channel; /* the log's channel ("" if not known) */
    int64_t seq;         /* the entry, or -1 for the log as a whole */
    long line;           /* in an evidence file: its line, else 0 */
    int code;            /* HL_E_VERIFY, HL_E_PARSE, HL_E_STORE, ... */
    const char *what;    /* a sentence: what is wrong */
    /* Equivocation: the two signed statements that contradict each other
     * (their stored bytes), else NULL. */
    const char *evidence[2];
};
/* Return 0 to go on auditing, non-zero to stop (verify without --all). */
typedef int (*log_failure_fn)(void *ctx, const struct log_failure *f);

struct log_audit_options {
    unsigned threads;    /* seal checks in parallel; 0: one per CPU */
    log_failure_fn fail; /* may be NULL: stop at the first failure */
    void *ctx;
    /* Called as entries are checked, for progress (may be NULL). */
    void (*progress)(void *ctx, uint64_t entries_done);
};

/* What an audit covered. */
struct log_audit_summary {
    size_t logs;
    uint64_t entries;
    uint64_t tree_heads; /* heads checked against the recomputed roots */
    uint64_t receipts;   /* receipts checked against the logs they cosign */
    uint64_t failures;
};

/* Audits every log in the store: each entry's bytes are canonical, hash to
 * the stored leaf hash, carry a seal by the log's party (its stored key)
 * naming that log and the entry's seq, seqs 0..size-1 without gap or
 * duplicate; every stored subtree hash equals the recomputed one; every
 * tree head (logged, or in the tree_heads table) states the recomputed
 * root of its size; every receipt states the recomputed root of the log it
 * cosigns; two heads of one log and size with different roots are
 * equivocation (both statements are the evidence). Returns 0 if all holds,
 * -HL_E_VERIFY if anything failed (each failure went to opt->fail), or
 * another error if the audit itself could not run. */
HL_MUST_CHECK int log_audit_store(struct store *s, const struct log_audit_options *opt,
                                  struct log_audit_summary *sum, struct hl_error *err);

/* ---- evidence files (export.c) ------------------------------------------
 * An evidence file is JSON Lines (docs/protocol.md, "Evidence files"):
 *   line 1: {"hotline_evidence":1,"exported":TIME,"parties":[{"id":ID,
 *            "name":NAME,"public_key":SPKI-B64},...],"logs":[{"party":ID,
 *            "channel":NAME,"size":N},...]}
 *   then, log by log in the header's order, each entry's stored bytes
 *   (its RFC 8785 form) on one line, seq 0..size-1.
 * It carries everything needed to check it and nothing else. */

#define LOG_EVIDENCE_VERSION 1

/* Which logs to export: NULL party / channel mean all. */
struct log_export_filter {
    const char *party;
    const char *channel;
};

/* Writes the evidence file of the selected logs to fd (one read
 * transaction: a consistent snapshot even while appends go on).
 * HL_E_NOT_FOUND if no log matches. */
HL_MUST_CHECK int log_export(struct store *s, const struct log_export_filter *f, int fd,
                             uint64_t *entries_out, struct hl_error *err);

/* Audits an evidence file exactly as log_audit_store audits a store (but
 * the keys come from the header, and heads and receipts from the logged
 * objects). A failure's location is the file's line. */
HL_MUST_CHECK int log_audit_file(const char *path, const struct log_audit_options *opt,
                                 struct log_audit_summary *sum, struct hl_error *err);

/* What an import did, per file. */
/* Receipts an import reports one by one (more are counted in receipts). */
#define LOG_IMPORT_RECEIPTS_MAX 64

/* One receipt an import published: this node holds the log of party in
 * channel up to tree_size entries with root. */
struct log_import_receipt {
    char party[SEAL_PARTY_MAX];
    char channel[SEAL_CHANNEL_MAX + 1];
    uint64_t tree_size;
    uint8_t root[32];
};

struct log_import_result {
    size_t logs;         /* logs of other parties found in the file */
    uint64_t accepted;   /* entries stored */
    uint64_t duplicates; /* entries held already */
    size_t receipts;     /* receipts published (one per log that grew) */
    /* the first min(receipts, LOG_IMPORT_RECEIPTS_MAX) of them */
    struct log_import_receipt published[LOG_IMPORT_RECEIPTS_MAX];
};

/* Imports an evidence file made by another node (air-gapped exchange):
 * audits the whole file first (log_audit_file; any failure: nothing is
 * stored), then, for each log in it whose party is not me, takes its
 * entries with log_accept_in and publishes a receipt for it in me's log
 * of that channel. The channel must exist here. The log's party must be
 * known with the key the file names; when pin_key is not NULL, a party
 * unknown here whose key in the file equals pin_key is added (and made a
 * member of the channel) -- the operator vouches for that key. Everything
 * commits in one transaction: all or nothing. */
HL_MUST_CHECK int log_import(struct store *s, const struct log_signer *me, const char *path,
                             const uint8_t *pin_key, int64_t now_us, struct log_import_result *out,
                             struct hl_error *err);

/* ==== end of log ======================================================== */

#endif
