/*
 * log_int.h — what log.c, verify.c and export.c share and nothing else
 * sees: the signed statements (tree heads and receipts) as C values, the
 * in-memory Merkle tree an audit rebuilds from verified leaves, and the
 * audit engine that checks entries from a store or an evidence file alike.
 */
#ifndef HL_LOG_INT_H
#define HL_LOG_INT_H

#include "ledger.h"
#include "stix/stix.h"
#include "store/store.h"

/* Bytes of one stored entry: the store's limit on one object. */
#define LOG_ENTRY_MAX ((size_t)STORE_JSON_MAX)
/* Entries one audit keeps in memory (two 32-byte hashes each). */
#define LOG_AUDIT_MAX_ENTRIES (1ull << 25)

enum log_kind {
    LOG_KIND_OTHER = 0, /* any other STIX object */
    LOG_KIND_HEAD = 1,  /* hotline-tree-head */
    LOG_KIND_RECEIPT = 2,
};

/* A tree head or receipt, read from its object. */
struct log_statement {
    enum log_kind kind;
    char creator[SEAL_PARTY_MAX]; /* created_by_ref */
    char log_party[SEAL_PARTY_MAX];
    char log_channel[SEAL_CHANNEL_MAX + 1];
    uint64_t tree_size;
    uint8_t root[32];
    int64_t created_us;
};

/* LOG_KIND_* of obj by its type (no checks). */
enum log_kind log_kind_of(const json_t *obj);
/* Reads a tree head or receipt strictly: every property present, of its
 * type, root_hash 64 lowercase hex, tree_size an integer in [0, 2^53),
 * created_by_ref a party id. HL_E_VERIFY naming the property otherwise. */
HL_MUST_CHECK int log_statement_read(const json_t *obj, struct log_statement *st,
                                     struct hl_error *err);
/* A new, unsealed statement object of kind (head or receipt) by creator
 * about log (log_party, channel) of tree_size entries with root. New
 * reference (caller decrefs), or NULL when out of memory. */
json_t *log_statement_new(enum log_kind kind, const char *creator, const char *log_party,
                          const char *channel, uint64_t tree_size, const uint8_t root[static 32],
                          int64_t now_us);

/* Shared by log.c and accept.c: the log's size and frontier; storing
 * obj (canonical bytes canon) as the next entry of the log in f, dated
 * now_us (its object row into *row, its leaf hash into leaf); the
 * date_added of the next row of channel (now_us, or just after the
 * channel's last row). */
HL_MUST_CHECK int log_tree_open(struct store *s, const char *party, const char *channel,
                                struct merkle_frontier *f, struct hl_error *err);
HL_MUST_CHECK int log_entry_store(struct store *s, const char *party, const char *channel,
                                  struct merkle_frontier *f, const json_t *obj,
                                  const struct buf *canon, int64_t now_us, int64_t *row,
                                  uint8_t leaf[static 32], struct hl_error *err);
HL_MUST_CHECK int log_added_base(struct store *s, const char *channel, int64_t now_us,
                                 int64_t *base, struct hl_error *err);

/* Sealing a batch while it is stored (batch.c). Life cycle: start (the
 * workers begin sealing objs[i] as entry first_seq + i of me's log and
 * writing its RFC 8785 form into canons[i], initialised buffers) → wait
 * for each i in order (0, or the error of that object, err->where
 * "objects[i]...") → free (joins the workers; always call it). Objects may
 * carry seals after a failure. */
struct log_sealer;
HL_MUST_CHECK int log_sealer_start(const struct log_signer *me, const char *channel,
                                   json_t *const *objs, size_t n, uint64_t first_seq,
                                   struct buf *canons, struct log_sealer **out,
                                   struct hl_error *err);
HL_MUST_CHECK int log_sealer_wait(struct log_sealer *j, size_t i, struct hl_error *err);
void log_sealer_free(struct log_sealer *j);

/* ---- the in-memory tree of an audit ----------------------------------- */

/* Every complete subtree hash of a growing tree: level[l][i] is the root
 * of leaves [i << l, (i + 1) << l). Grows by doubling; owned arrays. */
struct log_memtree {
    uint8_t (*level[64])[32];
    uint64_t cap[64];
    uint64_t size;
};
void log_memtree_init(struct log_memtree *t);
void log_memtree_release(struct log_memtree *t);
HL_MUST_CHECK int log_memtree_push(struct log_memtree *t, const uint8_t leaf[static 32]);
/* merkle_subtree_fn over a struct log_memtree. */
int log_memtree_subtree(void *ctx, unsigned level, uint64_t index, uint8_t out[32]);
/* The root of the first size leaves (size <= t->size). */
HL_MUST_CHECK int log_memtree_root(struct log_memtree *t, uint64_t size, uint8_t out[static 32]);

/* ---- the audit engine (verify.c) ---------------------------------------- */

struct log_audit;

/* Life cycle: new → (log_begin → entry* → log_end)* → claim* → finish →
 * free. Every call after a stop (the failure callback said so) is a no-op
 * returning 0; audit_finish then reports. */
HL_MUST_CHECK int log_audit_new(const struct log_audit_options *opt, struct log_audit **out,
                                struct hl_error *err);
void log_audit_free(struct log_audit *a);
/* Starts the log of (party, channel), whose entries the party's key pk
 * must have sealed. file_line: for evidence files, the line of the
 * header naming it (0 for stores). */
HL_MUST_CHECK int log_audit_log_begin(struct log_audit *a, const char *party, const char *channel,
                                      const uint8_t pk[static 32], struct hl_error *err);
/* One entry as stored: seq as the store or file places it, its bytes
 * (copied), the stored leaf hash (NULL in a file), and its line (0 in a
 * store). */
HL_MUST_CHECK int log_audit_entry(struct log_audit *a, int64_t seq, const uint8_t *bytes,
                                  size_t len, const uint8_t *stored_leaf, long line,
                                  struct hl_error *err);
/* Ends the current log; declared_size (or -1) is what the source says its
 * size is. */
HL_MUST_CHECK int log_audit_log_end(struct log_audit *a, int64_t declared_size,
                                    struct hl_error *err);
/* The tree of the log just ended (valid until the next log_begin), to
 * compare stored subtree hashes with. */
struct log_memtree *log_audit_tree(struct log_audit *a);
/* A statement found outside the logs (a store's tree_heads and receipts
 * tables): checked at finish against the recomputed logs, like those in
 * the logs. bytes (may be NULL) is the signed object, kept as evidence. */
HL_MUST_CHECK int log_audit_claim(struct log_audit *a, const struct log_statement *st,
                                  const char *witness, const char *bytes, const char *source,
                                  struct hl_error *err);
/* Reports one failure found by the caller (a store's row). */
void log_audit_fail(struct log_audit *a, const char *party, const char *channel, int64_t seq,
                    int code, const char *fmt, ...) HL_PRINTF(6, 7);
bool log_audit_stopped(const struct log_audit *a);
/* The line failures reported next refer to (evidence files). */
void log_audit_set_line(struct log_audit *a, long line);
/* Strict: the source claims to hold the logs whole (an evidence file, or
 * the node's own logs in its store, party own): a log must end with a tree
 * head, and a receipt of a held log cannot state more entries than held. */
void log_audit_set_strict(struct log_audit *a, bool all, const char *own);
/* Checks every claim; fills sum; 0 if nothing failed, else -HL_E_VERIFY. */
HL_MUST_CHECK int log_audit_finish(struct log_audit *a, struct log_audit_summary *sum,
                                   struct hl_error *err);

#endif
