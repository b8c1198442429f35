/*
 * store.h — the one interface through which hotline reads and writes
 * persistent state. The ledger (logs, Merkle tiles, tree heads, receipts)
 * and the TAXII server (objects, status records, replication cursors) use
 * only this header; they never see SQL or an engine's types.
 *
 * The store knows bytes, hashes, integers and strings. It knows nothing of
 * STIX validation, seals, TAXII or HTTP: what it is handed has already been
 * validated by the layer above, and what it hands back is exactly what was
 * stored — or an error, because the database file is hostile input too
 * (a stored value of the wrong type or size is HL_E_STORE naming the table
 * and row, never a silently short hash).
 *
 * Backends. store_open() picks one from its first argument:
 *   "sqlite:PATH" or a plain PATH   one SQLite file per node (sqlite.c)
 *   "postgresql://..."              reserved for pg.c (HL_E_INVALID today)
 * Every backend fills the same operation table (store_int.h), so callers
 * never change when a backend is added.
 *
 * Invariants every backend keeps:
 *   - Objects have a row number: arrival order, unique per node, never
 *     reused, increasing with date_added_us for rows of the same channel
 *     as long as callers pass non-decreasing arrival times.
 *   - A log (party, channel) holds entries 0..size-1 with no gap and no
 *     duplicate: store_log_append refuses anything else with
 *     HL_E_CONFLICT, and the engine enforces it again (unique key, check).
 *   - Inside store_begin .. store_commit every write is one atomic,
 *     durable unit (one fsync at commit). Writers in different processes
 *     on the same node serialize at store_begin (they wait up to the busy
 *     timeout, then fail with HL_E_STORE). A write call made outside an
 *     explicit transaction is its own transaction.
 *   - After a failed write inside a transaction the caller must
 *     store_rollback: a partial batch is never committed by the store.
 *
 * Times are int64 microseconds since the Unix epoch, UTC (suffix _us);
 * the layer above converts RFC 3339 text. Strings are NUL-terminated
 * UTF-8 of at most STORE_TEXT_MAX bytes.
 *
 * Ownership. Results come through caller-owned structs (fixed arrays, so
 * nothing to free) or callbacks. Pointers a callback receives are borrowed
 * and valid only until the callback returns. A callback returns 0 to go on
 * or any non-zero value to stop; that value is then returned by the call
 * (so a callback may return a negative HL_E_* of its own). A callback may
 * call other store functions, but not the listing that is calling it
 * (HL_E_INVALID).
 *
 * Threads. A struct store is one connection: use it from one thread at a
 * time. Open one per thread (or process) that needs the database.
 */
#ifndef HL_STORE_H
#define HL_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/base.h"

#define STORE_HASH_BYTES 32 /* SHA-256, RFC 9162 §2.1.1 */
#define STORE_KEY_BYTES 32  /* Ed25519 public key, RFC 8032 §5.1.5 */
/* Longest id, name, type or meta value: a STIX id is a type of at most
 * 250 characters, "--" and a 36-character UUID (STIX 2.1 §2.9, §3.1). */
#define STORE_TEXT_MAX 320
#define STORE_PATH_MAX 4095                /* a file the store writes (store_backup) */
#define STORE_JSON_MAX HL_MAX_STRING_BYTES /* one stored object or status */
#define STORE_LIST_MAX 1000                /* ids or types in one filter  */
#define STORE_PAGE_MAX 10000               /* rows in one page             */

struct store;

struct store_options {
    unsigned busy_timeout_ms; /* wait for other writers; 0 means 10000 */
    bool must_exist;          /* refuse to create a new database */
    /* Never checkpoint from this connection's commits: a long-running
     * process (hotline serve) calls store_checkpoint from a thread of its
     * own instead, so that no request pays for copying the journal back
     * into the database (SQLite's default: the commit that crosses 1000
     * journal pages does it, the p99 of single-object POSTs). */
    bool manual_checkpoint;
    /* One of several connections of a process whose threads take turns
     * writing (hotline serve). It reads without a memory map of the
     * file: SQLite's pager unmaps the whole map whenever another
     * connection committed since this one's last read, and faults every
     * page in again - the first query of most requests. A connection
     * alone in its process (the CLI: an audit reads every page) reads
     * through the map. */
    bool concurrent;
};

/* Opens (and creates, unless opt->must_exist) the store named by
 * uri_or_path and brings its schema up to date. opt may be NULL for the
 * defaults. On success *out is a new store the caller frees with
 * store_close(); on failure *out is NULL. A database written by a newer
 * hotline (higher schema version) is refused with HL_E_STORE. */
HL_MUST_CHECK int store_open(const char *uri_or_path, const struct store_options *opt,
                             struct store **out, struct hl_error *err);
/* Closes the connection and frees s. An open transaction is rolled back.
 * store_close(NULL) is a no-op. */
void store_close(struct store *s);

/* ---- transactions ------------------------------------------------------ */

/* Starts a write transaction, waiting for writers in other processes.
 * Nesting is refused (HL_E_INVALID). */
HL_MUST_CHECK int store_begin(struct store *s, struct hl_error *err);
/* store_begin, for a transaction whose store_commit does not wait for the
 * disk. It is as atomic as any and ordered after every earlier one; it is
 * durable once a later synced commit on this database returns (that
 * commit writes the journal up to itself), and until then a power cut or
 * a kernel crash may lose it, whole, with any other unsynced ones since
 * the last synced commit. A crash of the process alone loses nothing.
 * For writes that can be had again: another party's entries that made no
 * statement of this node, replication progress. */
HL_MUST_CHECK int store_begin_unsynced(struct store *s, struct hl_error *err);
/* Starts a read-only transaction: every read until store_commit or
 * store_rollback sees one consistent snapshot, and writers in other
 * processes are not blocked (export, verify). Nesting is HL_E_INVALID. */
HL_MUST_CHECK int store_begin_read(struct store *s, struct hl_error *err);
/* Makes every write since store_begin durable (fsync) before returning. */
HL_MUST_CHECK int store_commit(struct store *s, struct hl_error *err);
/* Copies what the journal holds back into the database as far as readers
 * allow, without waiting for them or for writers (SQLite's PASSIVE
 * checkpoint); a busy database is not an error. *left (may be NULL): the
 * pages of the journal that readers of older snapshots kept it from
 * copying, which a restart (below) would have to copy while it holds the
 * writers. For the checkpointing thread of a process whose connections
 * set manual_checkpoint. */
HL_MUST_CHECK int store_checkpoint(struct store *s, int64_t *left, struct hl_error *err);
/* Writes a consistent copy of the whole database, as of one moment, to the
 * new file path (mode 0600, fsynced), beside the store's other users and
 * their writes; outside a transaction. HL_E_EXISTS if path exists; on
 * failure no file is left (sqlite_backup.c). */
HL_MUST_CHECK int store_backup(struct store *s, const char *path, struct hl_error *err);
/* Copies the rest of the journal back while no writer runs, then waits at
 * most wait_us for the readers of older snapshots to end, so that the
 * next commit writes the journal from its start (SQLite's RESTART
 * checkpoint). A journal restarts only at a commit that finds it wholly
 * copied back and no reader on it: under steady load passive checkpoints
 * alone may never meet that moment, and the journal then grows without
 * end (a node took 280 MB in 10 s), every commit growing the file, its
 * fdatasync also writing the inode. *restarted: whether the readers ended
 * in time (false is no error: the next call tries again). The caller
 * keeps its own process's writers out meanwhile (they would wait in
 * SQLite's busy loop instead); other processes' writers are waited for,
 * within wait_us. Call it right after a store_checkpoint that left little:
 * that one copies the bulk without holding writers. */
HL_MUST_CHECK int store_checkpoint_restart(struct store *s, unsigned wait_us, bool *restarted,
                                           struct hl_error *err);
/* Undoes every write since store_begin. Without a transaction, a no-op. */
HL_MUST_CHECK int store_rollback(struct store *s, struct hl_error *err);
/* Runs the engine's own consistency check (page structure, indexes,
 * foreign keys). HL_E_STORE with the first problem found. */
HL_MUST_CHECK int store_check(struct store *s, struct hl_error *err);

/* ---- node metadata: key/value ("party_id", "name", ...) --------------- */

HL_MUST_CHECK int store_meta_set(struct store *s, const char *key, const char *value,
                                 struct hl_error *err);
/* Copies the value into out[STORE_TEXT_MAX + 1]. HL_E_NOT_FOUND if unset. */
HL_MUST_CHECK int store_meta_get(struct store *s, const char *key, char *out, struct hl_error *err);

/* ---- parties ------------------------------------------------------------ */

struct store_party {
    char id[STORE_TEXT_MAX + 1];   /* STIX identity id */
    char name[STORE_TEXT_MAX + 1]; /* display name */
    uint8_t public_key[STORE_KEY_BYTES];
    /* store_channel_member_list only: since when the member is retired from
     * that channel here (store_channel_member_retire), 0 if it is not; 0
     * from every other call, and ignored by store_party_put. */
    int64_t retired_us;
};

/* Inserts the party, or updates name and key of an existing id. */
HL_MUST_CHECK int store_party_put(struct store *s, const struct store_party *p,
                                  struct hl_error *err);
/* HL_E_NOT_FOUND if unknown; *out is zeroed on failure. */
HL_MUST_CHECK int store_party_get(struct store *s, const char *id, struct store_party *out,
                                  struct hl_error *err);
typedef int (*store_party_fn)(void *ctx, const struct store_party *p);
/* Every party, in id order. */
HL_MUST_CHECK int store_party_list(struct store *s, store_party_fn fn, void *ctx,
                                   struct hl_error *err);

/* ---- channels ----------------------------------------------------------- */

struct store_channel {
    char name[STORE_TEXT_MAX + 1];
    int64_t created_us;
};

/* HL_E_EXISTS if a channel of that name exists. */
HL_MUST_CHECK int store_channel_create(struct store *s, const struct store_channel *c,
                                       struct hl_error *err);
HL_MUST_CHECK int store_channel_get(struct store *s, const char *name, struct store_channel *out,
                                    struct hl_error *err);
typedef int (*store_channel_fn)(void *ctx, const struct store_channel *c);
HL_MUST_CHECK int store_channel_list(struct store *s, store_channel_fn fn, void *ctx,
                                     struct hl_error *err);
/* Adds a known party to a known channel (HL_E_NOT_FOUND otherwise);
 * adding a member twice is not an error. */
HL_MUST_CHECK int store_channel_member_add(struct store *s, const char *channel,
                                           const char *party_id, struct hl_error *err);
/* Members of the channel, in party id order, each with its retired_us. */
HL_MUST_CHECK int store_channel_member_list(struct store *s, const char *channel, store_party_fn fn,
                                            void *ctx, struct hl_error *err);

/* ---- objects ------------------------------------------------------------ */

struct store_object {
    int64_t row;         /* arrival order; ignored by store_object_add */
    const char *channel; /* channel name */
    const char *stix_id; /* "type--uuid" */
    const char *type;    /* STIX type */
    int64_t modified_us; /* the version (STIX 2.1 §3.2 modified/created) */
    int64_t date_added_us;
    const uint8_t *json; /* the object's bytes, as received */
    size_t json_len;
    const char *sealed_by; /* the party whose log holds it as an entry, or NULL;
                              stored by store_object_add, not read back */
};
typedef int (*store_object_fn)(void *ctx, const struct store_object *o);

/* Stores one object version in a known channel and sets *row_out (may be
 * NULL) to its row. HL_E_EXISTS if (channel, stix_id, modified_us) is
 * stored already; HL_E_NOT_FOUND for an unknown channel. */
HL_MUST_CHECK int store_object_add(struct store *s, const struct store_object *o, int64_t *row_out,
                                   struct hl_error *err);
/* Calls fn once with the object of that row; HL_E_NOT_FOUND if none. */
HL_MUST_CHECK int store_object_get(struct store *s, int64_t row, store_object_fn fn, void *ctx,
                                   struct hl_error *err);
/* Every stored version of stix_id in channel, oldest modified first
 * (TAXII 2.1 §5.7). HL_E_NOT_FOUND if there is none. */
HL_MUST_CHECK int store_object_versions(struct store *s, const char *channel, const char *stix_id,
                                        store_object_fn fn, void *ctx, struct hl_error *err);
/* *found: whether channel holds stix_id at version modified_us (deleted
 * or not); one index lookup, no row read. HL_E_NOT_FOUND for an unknown
 * channel only. */
HL_MUST_CHECK int store_object_held(struct store *s, const char *channel, const char *stix_id,
                                    int64_t modified_us, bool *found, struct hl_error *err);

enum store_version {
    STORE_VERSION_ALL = 0,   /* every version */
    STORE_VERSION_LAST = 1,  /* newest modified of each id (TAXII default) */
    STORE_VERSION_FIRST = 2, /* oldest modified of each id */
};

/* Position in a channel's arrival order: rows after (date_added_us, row).
 * The zero cursor is the start. */
struct store_cursor {
    int64_t date_added_us;
    int64_t row;
};

/* A page request over a channel, in arrival order (TAXII 2.1 §3.4, §3.5).
 * Keyset pagination: a page starts strictly after `after`, so rows that
 * arrive between two page requests never shift or repeat earlier rows. */
struct store_query {
    const char *channel;
    struct store_cursor after; /* zero for the first page */
    bool has_added_after;      /* TAXII added_after */
    int64_t added_after_us;    /* rows with date_added_us > this */
    const char *const *types;  /* match[type], n_types entries, or NULL */
    size_t n_types;
    const char *const *ids; /* match[id], n_ids entries, or NULL */
    size_t n_ids;
    enum store_version version; /* match[version] */
    size_t limit;               /* 1..STORE_PAGE_MAX */
    const char *except_sealed_by; /* leave out the entries of this party's log, or NULL */
    /* Only the workflow's own objects (types report, hotline-request,
     * hotline-response: workflow.h), read through an index of them alone,
     * whatever the channel's history holds besides. */
    bool workflow;
};

/* Where a page ended: `next` is the cursor of the last row delivered,
 * `more` says whether rows follow it. n_rows counts delivered rows. */
struct store_page {
    struct store_cursor next;
    size_t n_rows;
    bool more;
};

/* Calls fn for each matching row in (date_added_us, row) order, at most
 * q->limit rows. Types and ids in filters are STIX tokens
 * ([a-z0-9-] for types, type--uuid for ids); others are HL_E_INVALID. */
HL_MUST_CHECK int store_object_list(struct store *s, const struct store_query *q,
                                    store_object_fn fn, void *ctx, struct store_page *page,
                                    struct hl_error *err);
/* Deletes the object version of row from the channel as TAXII serves it
 * (TAXII 2.1 §5.7): store_object_list no longer returns it, nor counts it
 * for match[version] first / last. The row itself stays, with every log
 * entry, tree head or receipt pointing at it (a ledger forgets nothing),
 * so store_object_get, store_object_versions and store_log_scan still see
 * it. Deleting a deleted row again is not an error; HL_E_NOT_FOUND if
 * there is no such row. */
HL_MUST_CHECK int store_object_delete(struct store *s, int64_t row, int64_t deleted_us,
                                      struct hl_error *err);

/* The greatest date_added_us of the channel's rows, 0 if none (or no such
 * channel). Writers date new rows after it, so that arrival order and
 * date order agree whatever clocks the writers read (TAXII added_after). */
HL_MUST_CHECK int store_channel_last_added(struct store *s, const char *channel, int64_t *out,
                                           struct hl_error *err);

/* ---- logs: one per (party, channel) ------------------------------------ */

struct store_log_entry {
    int64_t seq;                         /* 0, 1, 2, ... */
    uint8_t leaf_hash[STORE_HASH_BYTES]; /* RFC 9162 §2.1.1 leaf hash */
    int64_t object_row;                  /* the sealed object */
    int64_t batch;                       /* caller's group-commit number */
};

/* Number of entries in the log; 0 for a log never appended to. */
HL_MUST_CHECK int store_log_size(struct store *s, const char *party_id, const char *channel,
                                 int64_t *size_out, struct hl_error *err);
/* Appends n entries (1..HL_MAX_OBJECTS) whose seqs must be size,
 * size+1, ..., size+n-1: anything else is HL_E_CONFLICT and nothing is
 * written (a caller's transaction stays as it was and may be committed).
 * The party and channel must be known; each object_row must exist (any
 * other failure: roll back). Call it inside store_begin/commit with the
 * objects it points at (group commit: one transaction, one fsync per
 * batch). */
HL_MUST_CHECK int store_log_append(struct store *s, const char *party_id, const char *channel,
                                   const struct store_log_entry *entries, size_t n,
                                   struct hl_error *err);
/* HL_E_NOT_FOUND if seq is not in the log. */
HL_MUST_CHECK int store_log_entry_get(struct store *s, const char *party_id, const char *channel,
                                      int64_t seq, struct store_log_entry *out,
                                      struct hl_error *err);
typedef int (*store_log_fn)(void *ctx, const struct store_log_entry *e,
                            const struct store_object *o);
/* Entries from_seq.. in seq order, each with its object (verify, export). */
HL_MUST_CHECK int store_log_scan(struct store *s, const char *party_id, const char *channel,
                                 int64_t from_seq, store_log_fn fn, void *ctx,
                                 struct hl_error *err);

/* Hashes of complete subtrees ("tiles"): (level, index) names the subtree
 * of 2^level leaves starting at leaf index * 2^level (RFC 9162 §2.1.1).
 * Putting the same hash twice is fine; a different one is HL_E_CONFLICT. */
HL_MUST_CHECK int store_tile_put(struct store *s, const char *party_id, const char *channel,
                                 unsigned level, int64_t index,
                                 const uint8_t hash[STORE_HASH_BYTES], struct hl_error *err);
/* HL_E_NOT_FOUND if absent; out is zeroed on failure. */
HL_MUST_CHECK int store_tile_get(struct store *s, const char *party_id, const char *channel,
                                 unsigned level, int64_t index, uint8_t out[STORE_HASH_BYTES],
                                 struct hl_error *err);

/* ---- signed tree heads and receipts ------------------------------------- */

struct store_tree_head {
    int64_t size;
    uint8_t root[STORE_HASH_BYTES];
    int64_t timestamp_us;
    int64_t object_row; /* the sealed tree-head object */
};
typedef int (*store_tree_head_fn)(void *ctx, const struct store_tree_head *h);

/* Stores a head of log (party, channel), ours or a peer's. Two heads of
 * one size with different roots are both kept: that pair is the proof of
 * equivocation, and judging it is the ledger's work. */
HL_MUST_CHECK int store_tree_head_add(struct store *s, const char *party_id, const char *channel,
                                      const struct store_tree_head *h, struct hl_error *err);
/* The head of greatest size (latest stored among equals). NOT_FOUND if none. */
HL_MUST_CHECK int store_tree_head_latest(struct store *s, const char *party_id, const char *channel,
                                         struct store_tree_head *out, struct hl_error *err);
/* The first head of the log that covers entry seq: the smallest size >
 * seq, the first stored among equals. NOT_FOUND if none does (yet). */
HL_MUST_CHECK int store_tree_head_covering(struct store *s, const char *party_id,
                                           const char *channel, int64_t seq,
                                           struct store_tree_head *out, struct hl_error *err);
/* Every head of the log in (size, arrival) order. */
HL_MUST_CHECK int store_tree_head_list(struct store *s, const char *party_id, const char *channel,
                                       store_tree_head_fn fn, void *ctx, struct hl_error *err);

struct store_receipt {
    char witness_id[STORE_TEXT_MAX + 1]; /* the party that cosigned */
    int64_t size;
    uint8_t root[STORE_HASH_BYTES];
    int64_t object_row; /* the sealed receipt object, in the witness's log */
};
typedef int (*store_receipt_fn)(void *ctx, const struct store_receipt *r);

/* Stores witness's receipt for log (party, channel). */
HL_MUST_CHECK int store_receipt_add(struct store *s, const char *party_id, const char *channel,
                                    const struct store_receipt *r, struct hl_error *err);
/* Sets aside witness's receipts of the log for more than size entries:
 * the witness could not show the entries they claim (a receipt of our own
 * log that holds it back: ledger.h, log_own_current). They stay stored
 * (and audited) but no longer count for store_receipt_latest. */
HL_MUST_CHECK int store_receipt_refute(struct store *s, const char *party_id, const char *channel,
                                       const char *witness_id, int64_t size, struct hl_error *err);
/* The receipt of greatest size from witness_id, or (witness_id NULL) from
 * any witness, leaving refuted ones out; NOT_FOUND if none. */
HL_MUST_CHECK int store_receipt_latest(struct store *s, const char *party_id, const char *channel,
                                       const char *witness_id, struct store_receipt *out,
                                       struct hl_error *err);
/* Every receipt for the log, in (size, arrival) order. */
HL_MUST_CHECK int store_receipt_list(struct store *s, const char *party_id, const char *channel,
                                     store_receipt_fn fn, void *ctx, struct hl_error *err);

/* ---- TAXII status records (TAXII 2.1 §4.3) ------------------------------ */

/* Inserts or replaces the status resource `id` (its JSON body, built by
 * the TAXII layer) of a known channel. */
HL_MUST_CHECK int store_status_put(struct store *s, const char *id, const char *channel,
                                   int64_t created_us, const uint8_t *body, size_t body_len,
                                   struct hl_error *err);
/* Appends the body to out (an initialised buffer; on failure it keeps its
 * old contents). HL_E_NOT_FOUND if unknown. */
HL_MUST_CHECK int store_status_get(struct store *s, const char *id, struct buf *out,
                                   struct hl_error *err);
/* Removes, of the max oldest status records (1..STORE_STATUS_PRUNE_MAX),
 * those made before before_us, and says how many in *removed: a bounded
 * step for a periodic caller, who repeats it while it removes max. A
 * record made before an older one (the clock stepped back) waits until
 * the older one goes. Status records are the TAXII layer's answers, not
 * the ledger: removing one loses no object, entry or proof. */
#define STORE_STATUS_PRUNE_MAX 100000
HL_MUST_CHECK int store_status_prune(struct store *s, int64_t before_us, size_t max,
                                     size_t *removed, struct hl_error *err);

/* ---- replication cursors, one per (peer, channel) ----------------------- */

struct store_repl {
    int64_t push_row;                   /* last local row the peer acknowledged */
    int64_t pull_added_us;              /* peer's last date_added we hold */
    char pull_next[STORE_TEXT_MAX + 1]; /* peer's opaque "next", or "" */
};

HL_MUST_CHECK int store_repl_set(struct store *s, const char *peer_id, const char *channel,
                                 const struct store_repl *r, struct hl_error *err);
/* A cursor never set reads as all zero, not as an error. */
HL_MUST_CHECK int store_repl_get(struct store *s, const char *peer_id, const char *channel,
                                 struct store_repl *out, struct hl_error *err);

/* ---- users of the node's API and their rights (schema step 2) ----------
 * The store keeps a user's name, the SHA-256 of its token (never the
 * token), whether it is an administrator, and per-channel rights bits
 * (STORE_RIGHT_*; src/auth/ gives them meaning). Names are unique, and so
 * are token hashes. */

#define STORE_RIGHT_READ 1u
#define STORE_RIGHT_WRITE 2u
#define STORE_RIGHTS_ALL (STORE_RIGHT_READ | STORE_RIGHT_WRITE)

struct store_user {
    char name[STORE_TEXT_MAX + 1];
    uint8_t token_hash[STORE_HASH_BYTES];
    bool admin;
    int64_t created_us;
    /* Schema step 4: the identity id of the peer party this account
     * belongs to (a peer node's inbound account, `hotline peer add`), or
     * "" for a person. store_user_add stores "" as NULL; a non-empty id
     * must name a known party (HL_E_NOT_FOUND otherwise). */
    char party_id[STORE_TEXT_MAX + 1];
};
typedef int (*store_user_fn)(void *ctx, const struct store_user *u);

struct store_user_right {
    char channel[STORE_TEXT_MAX + 1];
    unsigned rights; /* STORE_RIGHT_* bits, never 0 */
};
typedef int (*store_user_right_fn)(void *ctx, const struct store_user_right *r);

/* Adds a user with no rights. HL_E_EXISTS if the name (or, against all
 * odds, the token hash) is taken; an empty name is HL_E_INVALID. */
HL_MUST_CHECK int store_user_add(struct store *s, const struct store_user *u, struct hl_error *err);
/* HL_E_NOT_FOUND if unknown; *out is zeroed on failure. */
HL_MUST_CHECK int store_user_get(struct store *s, const char *name, struct store_user *out,
                                 struct hl_error *err);
/* The user whose token hashes to hash; HL_E_NOT_FOUND if none. *out is
 * zeroed on failure. */
HL_MUST_CHECK int store_user_find_token(struct store *s, const uint8_t hash[STORE_HASH_BYTES],
                                        struct store_user *out, struct hl_error *err);
/* Replaces the user's token hash (a new token); HL_E_NOT_FOUND if unknown. */
HL_MUST_CHECK int store_user_token_set(struct store *s, const char *name,
                                       const uint8_t hash[STORE_HASH_BYTES], struct hl_error *err);
/* Removes the user and all its rights; HL_E_NOT_FOUND if unknown. */
HL_MUST_CHECK int store_user_remove(struct store *s, const char *name, struct hl_error *err);
/* Every user, in name order. */
HL_MUST_CHECK int store_user_list(struct store *s, store_user_fn fn, void *ctx,
                                  struct hl_error *err);
/* Sets the user's rights on a channel to exactly `rights` (0 removes
 * them). HL_E_NOT_FOUND for an unknown user or channel; bits outside
 * STORE_RIGHTS_ALL are HL_E_INVALID. */
HL_MUST_CHECK int store_user_right_set(struct store *s, const char *name, const char *channel,
                                       unsigned rights, struct hl_error *err);
/* The user's rights bits on channel: 0 when it has none there, or when the
 * user or the channel is unknown (an unknown name is not an error here, so
 * a caller cannot tell the two apart by the answer). */
HL_MUST_CHECK int store_user_rights(struct store *s, const char *name, const char *channel,
                                    unsigned *rights, struct hl_error *err);
/* The user's rights, one row per channel, in channel name order. */
HL_MUST_CHECK int store_user_right_list(struct store *s, const char *name, store_user_right_fn fn,
                                        void *ctx, struct hl_error *err);

/* ---- federation (schema step 4) -----------------------------------------
 * What a node knows of the other parties it exchanges with (peers), the
 * members a channel still waits for, the alarms raised when a party shows
 * two histories, the replication worker's per-(peer, channel) state, and
 * the STIX ids held under a restrictive TLP (docs/federation.md).
 *
 * Tables: peers(party_id, name, url, cert_sha256, token, added_us),
 * channel_pending(channel_id, name), alarms(id, kind, party_id,
 * channel_id, seq, created_us, detail, evidence_a, evidence_b, b_sha256),
 * repl_state(peer_id, channel_id, push_seq, last_ok_us, last_try_us,
 * last_error, failures), tlp_held(stix_id, channel_id, tlp), and the
 * column users.party_id. */

#define STORE_URL_MAX 512        /* bytes of a peer's base URL */
#define STORE_FINGERPRINT_LEN 64 /* lowercase hex SHA-256 */
#define STORE_DETAIL_MAX 2048    /* bytes of an alarm's detail or a last error */

/* A peer: another party this node exchanges with. The party (id, name,
 * key) is its row in parties; this is the rest. */
struct store_peer {
    char party_id[STORE_TEXT_MAX + 1]; /* its STIX identity id (a known party) */
    char name[STORE_TEXT_MAX + 1];     /* local name, unique; also its user's name */
    char url[STORE_URL_MAX + 1];       /* "https://HOST:PORT"; the API root is url + "/api/" */
    char cert_sha256[STORE_FINGERPRINT_LEN + 1]; /* SHA-256 of its TLS leaf's DER, hex */
    /* The certificate it announced it will present next (signed with its
     * party key: exchange, POST /api/hotline/certificate/next), hex, or
     * "": pinned beside cert_sha256 until it presents it. */
    char next_cert_sha256[STORE_FINGERPRINT_LEN + 1];
    /* Our credential AT the peer (secret: never print it, never log it;
     * wipe copies with sodium_memzero). "" until the peer's operator sent it. */
    char token[STORE_TEXT_MAX + 1];
    int64_t added_us;
};
typedef int (*store_peer_fn)(void *ctx, const struct store_peer *p);

/* Inserts the peer, or replaces every field of the peer with the same
 * party_id. The party must be known (HL_E_NOT_FOUND); a name held by
 * another party's peer is HL_E_EXISTS. Empty party_id or name, a
 * cert_sha256 that is not 64 lowercase hex digits, or an url that does not
 * start with "https://" is HL_E_INVALID; an url over STORE_URL_MAX bytes
 * HL_E_TOO_LARGE. */
HL_MUST_CHECK int store_peer_put(struct store *s, const struct store_peer *p, struct hl_error *err);
/* The peer of party_id; HL_E_NOT_FOUND if the party is not a peer. *out
 * is zeroed on failure. */
HL_MUST_CHECK int store_peer_get(struct store *s, const char *party_id, struct store_peer *out,
                                 struct hl_error *err);
/* The peer named name; HL_E_NOT_FOUND if none. *out is zeroed on failure. */
HL_MUST_CHECK int store_peer_get_by_name(struct store *s, const char *name, struct store_peer *out,
                                         struct hl_error *err);
/* Every peer, in name order. The struct handed to fn holds the token:
 * the callback must not print or log it. */
HL_MUST_CHECK int store_peer_list(struct store *s, store_peer_fn fn, void *ctx,
                                  struct hl_error *err);
/* Removes the peer row named name (its party row, logs, user and
 * memberships stay: the caller removes what it means to).
 * HL_E_NOT_FOUND if none. */
HL_MUST_CHECK int store_peer_remove(struct store *s, const char *name, struct hl_error *err);

/* ---- channel membership waiting for a peer -------------------------------
 * A channel member named (by peer name) before the node knows that peer is
 * pending. A channel is active when it has no pending member: only active
 * channels replicate and accept. */

/* channel and name of one pending member; borrowed until fn returns. */
typedef int (*store_pending_fn)(void *ctx, const char *channel, const char *name);

/* Records name as a pending member of channel (a known channel:
 * HL_E_NOT_FOUND otherwise). Adding it twice is not an error. */
HL_MUST_CHECK int store_channel_pending_add(struct store *s, const char *channel, const char *name,
                                            struct hl_error *err);
/* The pending members of channel, in name order; with channel NULL, of
 * every channel, in (channel name, name) order. An unknown channel is
 * HL_E_NOT_FOUND. */
HL_MUST_CHECK int store_channel_pending_list(struct store *s, const char *channel,
                                             store_pending_fn fn, void *ctx, struct hl_error *err);
/* Drops name from channel's pending members; HL_E_NOT_FOUND if it was
 * not pending there (or no such channel). */
HL_MUST_CHECK int store_channel_pending_remove(struct store *s, const char *channel,
                                               const char *name, struct hl_error *err);
/* Retires member party_id of channel since at_us (> 0), or reinstates
 * it (at_us 0): a retired member is one this node no longer exchanges
 * with nor expects anything of there (it left the agreement, its node is
 * gone; docs/federation.md section 11). Its log, objects and receipts
 * stay. HL_E_NOT_FOUND: not a member of that channel (or no such
 * channel); HL_E_INVALID: a negative at_us. */
HL_MUST_CHECK int store_channel_member_retire(struct store *s, const char *channel,
                                              const char *party_id, int64_t at_us,
                                              struct hl_error *err);
/* *at_us: since when party_id is retired from channel, 0 if it is not.
 * HL_E_NOT_FOUND: not a member of that channel (or no such channel). */
HL_MUST_CHECK int store_channel_member_retired(struct store *s, const char *channel,
                                               const char *party_id, int64_t *at_us,
                                               struct hl_error *err);
/* *active = the channel has no pending member. HL_E_NOT_FOUND for an
 * unknown channel (*active false). */
HL_MUST_CHECK int store_channel_active(struct store *s, const char *channel, bool *active,
                                       struct hl_error *err);

/* ---- alarms ---------------------------------------------------------------
 * Evidence that a party equivocated: two signed objects that cannot both
 * be true. Kept forever; never deleted. */

#define STORE_ALARM_EQUIVOCATION "equivocation"
#define STORE_ALARM_HEAD_MISMATCH "head-mismatch"

struct store_alarm {
    int64_t id;           /* set by the store; ignored by store_alarm_add */
    const char *kind;     /* STORE_ALARM_* */
    const char *party_id; /* the party whose log is in question (a known party) */
    const char *channel;  /* a known channel */
    int64_t seq;          /* the log position (or tree size) in question, >= 0 */
    int64_t created_us;
    const char *detail; /* a sentence for the operator, at most STORE_DETAIL_MAX bytes */
    /* The two signed objects' canonical (RFC 8785) bytes: A the one held,
     * B the one that contradicts it; 1..STORE_JSON_MAX bytes each. For
     * store_alarm_add the caller owns them; in a listing they are borrowed
     * until the callback returns. */
    const uint8_t *evidence_a;
    size_t evidence_a_len;
    const uint8_t *evidence_b;
    size_t evidence_b_len;
};
typedef int (*store_alarm_fn)(void *ctx, const struct store_alarm *a);

/* Stores the alarm unless one with the same (kind, party_id, channel, seq,
 * SHA-256 of evidence B) is stored: then nothing changes and *added is
 * false (re-detection is not a new alarm). *added (may be NULL) is true
 * when a row was made. HL_E_NOT_FOUND for an unknown party or channel;
 * an unknown kind, negative seq or empty evidence is HL_E_INVALID. */
HL_MUST_CHECK int store_alarm_add(struct store *s, const struct store_alarm *a, bool *added,
                                  struct hl_error *err);
/* The alarms of channel (NULL: of every channel), oldest first. An unknown
 * channel lists nothing (not an error). */
HL_MUST_CHECK int store_alarm_list(struct store *s, const char *channel, store_alarm_fn fn,
                                   void *ctx, struct hl_error *err);

/* ---- replication state, one per (peer, channel) --------------------------
 * Written by the replication worker, read by `hotline channel show`. */

struct store_repl_state {
    int64_t push_seq;    /* entries of OUR log of the channel the peer confirmed holding */
    int64_t last_ok_us;  /* last successful exchange with the peer, 0 never */
    int64_t last_try_us; /* last attempt, 0 never */
    int64_t failures;    /* consecutive failed attempts since last_ok_us */
    char last_error[STORE_DETAIL_MAX + 1]; /* why the last attempt failed, "" if it did not */
    /* How far the peer's clock is from ours, as the HTTP Date of its
     * latest answers shows (exchange: at least this much; 0 within the
     * Date's one second); positive: the peer's is ahead. At most
     * STORE_CLOCK_SKEW_MAX_MS either way. */
    int64_t clock_skew_ms;
};
#define STORE_CLOCK_SKEW_MAX_MS (366LL * 86400 * 1000 * 100) /* a century */

/* Inserts or replaces the state of (peer_id, channel): a known party and
 * channel (HL_E_NOT_FOUND). Negative counts or times are HL_E_INVALID. */
HL_MUST_CHECK int store_repl_state_put(struct store *s, const char *peer_id, const char *channel,
                                       const struct store_repl_state *st, struct hl_error *err);
/* A state never put reads as all zero and "", not as an error. */
HL_MUST_CHECK int store_repl_state_get(struct store *s, const char *peer_id, const char *channel,
                                       struct store_repl_state *out, struct hl_error *err);

/* ---- TLP 2.0 onward sharing ------------------------------------------------
 * The ids of objects that came in from a peer under TLP:RED,
 * TLP:AMBER+STRICT or TLP:AMBER (TLP 2.0, and the TLP 1.0 red and amber
 * definitions recorded as TLP:RED and TLP:AMBER), per channel they came
 * in on. Such an object is never published into another channel. */

#define STORE_TLP_RED "TLP:RED"
#define STORE_TLP_AMBER_STRICT "TLP:AMBER+STRICT"
#define STORE_TLP_AMBER "TLP:AMBER"

/* channel and tlp (a STORE_TLP_* text) of one holding; borrowed. */
typedef int (*store_tlp_fn)(void *ctx, const char *channel, const char *tlp);

/* Records that stix_id came in on channel under tlp (STORE_TLP_*, else
 * HL_E_INVALID). Holding it again keeps the stricter TLP of the two
 * (RED > AMBER+STRICT > AMBER). HL_E_NOT_FOUND for an unknown channel. */
HL_MUST_CHECK int store_tlp_hold(struct store *s, const char *stix_id, const char *channel,
                                 const char *tlp, struct hl_error *err);
/* Every (channel, tlp) stix_id is held under, in channel name order;
 * nothing (not an error) if it is held nowhere. */
HL_MUST_CHECK int store_tlp_find(struct store *s, const char *stix_id, store_tlp_fn fn, void *ctx,
                                 struct hl_error *err);
/* The onward-sharing question for publishing stix_id into channel: is it
 * held under a TLP in ANOTHER channel? *found says; if so, other and tlp
 * (each STORE_TEXT_MAX + 1 bytes) name the first such channel (name
 * order) and its TLP. Same errors as store_tlp_find. */
HL_MUST_CHECK int store_tlp_elsewhere(struct store *s, const char *stix_id, const char *channel,
                                      bool *found, char *other, char *tlp, struct hl_error *err);

/* ---- workflow (schema step 5) ---------------------------------------------
 * What the workflow keeps that is not in the logs: each channel's policy
 * (how soon every other member must acknowledge a notification) and the
 * escalations made, so that an overdue item escalates once per (item,
 * kind, member), whoever runs the check and however often.
 *
 * Tables: channel_policy(channel_id, ack_within_s), escalations(id,
 * item_id, kind, member, channel_id, at_us, hook). */

#define STORE_ESCALATION_ACK "ack-overdue"     /* a notification not acknowledged in time */
#define STORE_ESCALATION_DUE "request-overdue" /* a request past due, not completed/declined */
#define STORE_ACK_WITHIN_MAX (366LL * 86400)   /* longest ack_within_s, one year */

/* What became of an escalation's hook command. */
enum store_hook {
    STORE_HOOK_NONE = 0,   /* no hook configured (or not run yet) */
    STORE_HOOK_OK = 1,     /* ran and exited 0 */
    STORE_HOOK_FAILED = 2, /* could not start, exited non-zero, or was killed */
};

/* Sets the channel's ack_within_s (1..STORE_ACK_WITHIN_MAX, else
 * HL_E_INVALID); HL_E_NOT_FOUND for an unknown channel. */
HL_MUST_CHECK int store_channel_policy_set(struct store *s, const char *channel,
                                           int64_t ack_within_s, struct hl_error *err);
/* The channel's ack_within_s; HL_E_NOT_FOUND if never set (or no such
 * channel): the caller applies its default. *out is 0 on failure. */
HL_MUST_CHECK int store_channel_policy_get(struct store *s, const char *channel,
                                           int64_t *out, struct hl_error *err);

struct store_escalation {
    int64_t id;          /* set by the store; ignored by store_escalation_add */
    const char *item_id; /* the overdue object's STIX id */
    const char *kind;    /* STORE_ESCALATION_* */
    const char *member;  /* the party that has not acknowledged, "" for a request */
    const char *channel; /* a known channel */
    int64_t at_us;       /* when it was found overdue (the check's clock) */
    int hook;            /* enum store_hook */
};
typedef int (*store_escalation_fn)(void *ctx, const struct store_escalation *e);

/* Records the escalation unless (item_id, kind, member) is recorded: then
 * nothing changes and *added (may be NULL) is false. An unknown kind or a
 * hook outside enum store_hook is HL_E_INVALID; an unknown channel
 * HL_E_NOT_FOUND. */
HL_MUST_CHECK int store_escalation_add(struct store *s, const struct store_escalation *e,
                                       bool *added, struct hl_error *err);
/* Sets the hook outcome of a recorded escalation; HL_E_NOT_FOUND if there
 * is none of (item_id, kind, member). */
HL_MUST_CHECK int store_escalation_hook_set(struct store *s, const char *item_id, const char *kind,
                                            const char *member, int hook, struct hl_error *err);
/* The escalations of channel (NULL: of every channel), oldest first
 * (at_us, then id). Strings are borrowed until fn returns. */
HL_MUST_CHECK int store_escalation_list(struct store *s, const char *channel,
                                        store_escalation_fn fn, void *ctx, struct hl_error *err);

#endif
