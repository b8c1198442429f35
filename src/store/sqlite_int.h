/*
 * sqlite_int.h — private to the SQLite backend (sqlite.c, sqlite_data.c,
 * sqlite_log.c, sqlite_user.c, sqlite_fed.c, schema.c): the connection
 * struct, the statement cache and the helpers every query goes through.
 *
 * Statements. Every SQL text lives in one table in sqlite.c (the
 * federation's in sqlite_fed.c, ids from SQ_FED_FIRST), indexed by
 * enum sq_stmt_id; each is prepared once per connection on first use and
 * kept (sqlite3_prepare_v3 with SQLITE_PREPARE_PERSISTENT). No SQL is ever
 * built from input: values only travel as bound parameters.
 *
 * Reading back. The database file is hostile input. Every column is read
 * through sq_col_* which check the storage class and the size, and fail
 * with HL_E_STORE naming table, row and column ("store corrupt: table
 * log_entries row 7: leaf_hash has 31 bytes, expected 32").
 */
#ifndef HL_SQLITE_INT_H
#define HL_SQLITE_INT_H

#include <sqlite3.h>
#include <string.h>

#include "store_int.h"

enum sq_stmt_id {
    SQ_BEGIN,
    SQ_BEGIN_READ,
    SQ_COMMIT,
    SQ_ROLLBACK,
    SQ_META_SET,
    SQ_META_GET,
    SQ_PARTY_PUT,
    SQ_PARTY_GET,
    SQ_PARTY_LIST,
    SQ_CHANNEL_CREATE,
    SQ_CHANNEL_GET,
    SQ_CHANNEL_LIST,
    SQ_CHANNEL_ID,
    SQ_MEMBER_ADD,
    SQ_MEMBER_LIST,
    SQ_OBJECT_ADD,
    SQ_OBJECT_ANY,
    SQ_OBJECT_HELD,
    SQ_OBJECT_MARK,
    SQ_OBJECT_GET,
    SQ_OBJECT_VERSIONS,
    SQ_OBJECT_LIST,
    SQ_OBJECT_LIST_WF,
    SQ_ANY_DELETED,
    SQ_LOG_ID,
    SQ_LOG_CREATE,
    SQ_LOG_SIZE,
    SQ_LOG_INSERT,
    SQ_LOG_ENTRY_GET,
    SQ_LOG_SCAN,
    SQ_TILE_PUT,
    SQ_TILE_GET,
    SQ_HEAD_ADD,
    SQ_HEAD_LATEST,
    SQ_HEAD_LIST,
    SQ_HEAD_COVERING,
    SQ_RECEIPT_ADD,
    SQ_RECEIPT_LATEST,
    SQ_RECEIPT_GREATEST,
    SQ_RECEIPT_REFUTE,
    SQ_RECEIPT_LIST,
    SQ_STATUS_PUT,
    SQ_STATUS_GET,
    SQ_STATUS_PRUNE,
    SQ_REPL_SET,
    SQ_REPL_GET,
    SQ_USER_ADD,
    SQ_USER_GET,
    SQ_USER_BY_TOKEN,
    SQ_USER_TOKEN_SET,
    SQ_USER_REMOVE,
    SQ_USER_LIST,
    SQ_USER_RIGHT_PUT,
    SQ_USER_RIGHT_DELETE,
    SQ_USER_RIGHTS,
    SQ_USER_RIGHT_LIST,
    SQ_OBJECT_DELETE,
    SQ_LAST_ADDED,
    /* federation (sqlite_fed.c holds their SQL: sq_fed_sql) */
    SQ_FED_FIRST,
    SQ_PEER_PUT = SQ_FED_FIRST,
    SQ_PEER_GET,
    SQ_PEER_BY_NAME,
    SQ_PEER_LIST,
    SQ_PEER_REMOVE,
    SQ_PENDING_ADD,
    SQ_PENDING_LIST,
    SQ_PENDING_LIST_ALL,
    SQ_PENDING_REMOVE,
    SQ_PENDING_COUNT,
    SQ_MEMBER_RETIRE,
    SQ_MEMBER_RETIRED,
    SQ_ALARM_ADD,
    SQ_ALARM_LIST,
    SQ_REPL_STATE_PUT,
    SQ_REPL_STATE_GET,
    SQ_TLP_HOLD,
    SQ_TLP_FIND,
    /* workflow (sqlite_wf.c holds their SQL: sq_wf_sql) */
    SQ_WF_FIRST,
    SQ_POLICY_SET = SQ_WF_FIRST,
    SQ_POLICY_GET,
    SQ_ESCALATION_ADD,
    SQ_ESCALATION_HOOK,
    SQ_ESCALATION_LIST,
    SQ__COUNT
};

struct store_sqlite {
    struct store base; /* first: struct store * casts to this */
    sqlite3 *db;
    sqlite3_stmt *stmt[SQ__COUNT]; /* prepared on first use, finalized at close */
    char path[4097];
    /* The last log looked up (party, channel) -> id, and the last channel
     * name -> id: an append touches one log and one channel many times per
     * batch. Log and channel rows are never deleted, so an entry stays
     * true, except for a row created by a transaction that is then rolled
     * back: every rollback forgets both (sq_cache_forget). An id of 0:
     * nothing cached. */
    struct {
        int64_t log_id;
        char party[STORE_TEXT_MAX + 1];
        char channel[STORE_TEXT_MAX + 1];
        int64_t channel_id;
        char channel_name[STORE_TEXT_MAX + 1];
        /* The size of log size_log_id after this connection's last append,
         * true only inside the write transaction numbered size_tx (no
         * other connection writes while it is open): an accept appends
         * its entries one call each, and each call read the size again. */
        int64_t size_log_id, size;
        uint64_t size_tx;
    } cache;
    uint64_t write_tx; /* transactions begun on this connection */
    bool unsynced;     /* synchronous is NORMAL (sq_sync_level) */
    int busy_ms;       /* the busy timeout set at open */
};

/* Sets the connection's synchronous level, FULL (synced) or NORMAL, if it
 * is not that already; outside a transaction only (SQLite's rule). Every
 * BEGIN sets the level its transaction needs, so no synced transaction
 * runs at NORMAL after an unsynced one. */
HL_MUST_CHECK int sq_sync_level(struct store_sqlite *q, bool synced, struct hl_error *err);

/* The cached id of log (party_id, channel), or 0. */
static inline int64_t sq_log_cached(const struct store_sqlite *q, const char *party_id,
                                    const char *channel)
{
    return q->cache.log_id && strcmp(q->cache.party, party_id) == 0 &&
                   strcmp(q->cache.channel, channel) == 0
               ? q->cache.log_id
               : 0;
}

static inline void sq_cache_forget(struct store_sqlite *q)
{
    q->cache.log_id = 0;
    q->cache.channel_id = 0;
    q->cache.size_log_id = 0;
}

static inline struct store_sqlite *sq_of(struct store *s)
{
    return (struct store_sqlite *)s;
}

/* The columns every object query selects, in this order, from
 * "objects o JOIN channels c ON c.id = o.channel_id" (or a LEFT JOIN). */
#define SQ_OBJECT_COLS "o.row, c.name, o.stix_id, o.type, o.modified_us, o.date_added_us, o.json"
#define SQ_OBJECT_NCOLS 7

/* Turns an SQLite result code into -HL_E_*, with the engine's message:
 * constraint kinds map to EXISTS (unique), NOT_FOUND (foreign key),
 * CONFLICT (our triggers), I/O and full disk to IO, the rest to STORE. */
HL_MUST_CHECK int sq_fail(struct store_sqlite *q, int rc, const char *what, struct hl_error *err);

/* Returns the cached statement id, reset and with bindings cleared,
 * preparing it on first use. */
HL_MUST_CHECK int sq_stmt(struct store_sqlite *q, enum sq_stmt_id id, sqlite3_stmt **out,
                          struct hl_error *err);

/* Binding; each returns 0 or -HL_E_*. */
HL_MUST_CHECK int sq_bind_text(struct store_sqlite *q, sqlite3_stmt *st, int i, const char *t,
                               struct hl_error *err);
HL_MUST_CHECK int sq_bind_i64(struct store_sqlite *q, sqlite3_stmt *st, int i, int64_t v,
                              struct hl_error *err);
HL_MUST_CHECK int sq_bind_blob(struct store_sqlite *q, sqlite3_stmt *st, int i, const void *p,
                               size_t n, struct hl_error *err);

/* Steps a statement that returns no rows (or whose rows are ignored) to
 * completion and resets it. */
HL_MUST_CHECK int sq_exec(struct store_sqlite *q, sqlite3_stmt *st, const char *what,
                          struct hl_error *err);

/* Steps once: 1 for a row, 0 for done (statement reset), or -HL_E_*. */
HL_MUST_CHECK int sq_step(struct store_sqlite *q, sqlite3_stmt *st, const char *what,
                          struct hl_error *err);

/* Checked column readers. table and key name the row in errors. */
HL_MUST_CHECK int sq_col_i64(sqlite3_stmt *st, int col, const char *table, int64_t key,
                             int64_t *out, struct hl_error *err);
/* Copies text of at most max bytes (no NUL inside) into out[max + 1]. */
HL_MUST_CHECK int sq_col_text(sqlite3_stmt *st, int col, const char *table, int64_t key, char *out,
                              size_t max, struct hl_error *err);
/* Text borrowed from the statement, at most max bytes, valid until the
 * next step or reset. */
HL_MUST_CHECK int sq_col_text_ref(sqlite3_stmt *st, int col, const char *table, int64_t key,
                                  size_t max, const char **out, struct hl_error *err);
/* A blob of exactly n bytes, copied into out. */
HL_MUST_CHECK int sq_col_fixed(sqlite3_stmt *st, int col, const char *table, int64_t key,
                               uint8_t *out, size_t n, struct hl_error *err);
/* A blob of at most max bytes, borrowed like sq_col_text_ref. A zero-length
 * blob reads as a non-NULL pointer to nothing. */
HL_MUST_CHECK int sq_col_blob_ref(sqlite3_stmt *st, int col, const char *table, int64_t key,
                                  size_t max, const uint8_t **out, size_t *len,
                                  struct hl_error *err);

/* Reads the SQ_OBJECT_COLS starting at column first into *o (borrowed). */
HL_MUST_CHECK int sq_col_object(sqlite3_stmt *st, int first, struct store_object *o,
                                struct hl_error *err);

/* A write outside an explicit transaction runs in its own: sq_tx_enter
 * begins one (BEGIN IMMEDIATE) if none is open and sets *own;
 * sq_tx_leave commits it when r == 0 and rolls it back otherwise, and
 * returns r (or the commit's error). Inside a caller's transaction both
 * do nothing. */
HL_MUST_CHECK int sq_tx_enter(struct store_sqlite *q, bool *own, struct hl_error *err);
HL_MUST_CHECK int sq_tx_leave(struct store_sqlite *q, bool own, int r, struct hl_error *err);

/* Id of channel name; HL_E_NOT_FOUND if unknown. */
HL_MUST_CHECK int sq_channel_id(struct store_sqlite *q, const char *name, int64_t *out,
                                struct hl_error *err);
/* Id of log (party, channel). With create, makes it (party and channel
 * must exist: HL_E_NOT_FOUND otherwise); without, HL_E_NOT_FOUND if absent. */
HL_MUST_CHECK int sq_log_id(struct store_sqlite *q, const char *party_id, const char *channel,
                            bool create, int64_t *out, struct hl_error *err);

/* schema.c: brings the schema of an open connection up to date. */
HL_MUST_CHECK int sq_schema_migrate(struct store_sqlite *q, struct hl_error *err);
/* The schema version this binary writes (PRAGMA user_version). */
int sq_schema_version(void);

/* sqlite_data.c */
int sq_object_add(struct store *s, const struct store_object *o, int64_t *row_out,
                  struct hl_error *err);
int sq_object_get(struct store *s, int64_t row, store_object_fn fn, void *ctx,
                  struct hl_error *err);
int sq_object_versions(struct store *s, const char *channel, const char *stix_id,
                       store_object_fn fn, void *ctx, struct hl_error *err);
int sq_object_held(struct store *s, const char *channel, const char *stix_id, int64_t modified_us,
                   bool *found, struct hl_error *err);
int sq_object_list(struct store *s, const struct store_query *qr, store_object_fn fn, void *ctx,
                   struct store_page *page, struct hl_error *err);
int sq_status_put(struct store *s, const char *id, const char *channel, int64_t created_us,
                  const uint8_t *body, size_t body_len, struct hl_error *err);
int sq_status_get(struct store *s, const char *id, struct buf *out, struct hl_error *err);
int sq_status_prune(struct store *s, int64_t before_us, size_t max, size_t *removed,
                    struct hl_error *err);
int sq_repl_set(struct store *s, const char *peer_id, const char *channel,
                const struct store_repl *r, struct hl_error *err);
int sq_repl_get(struct store *s, const char *peer_id, const char *channel, struct store_repl *out,
                struct hl_error *err);

/* sqlite_log.c */
int sq_log_size(struct store *s, const char *party_id, const char *channel, int64_t *size_out,
                struct hl_error *err);
int sq_log_append(struct store *s, const char *party_id, const char *channel,
                  const struct store_log_entry *entries, size_t n, struct hl_error *err);
int sq_log_entry_get(struct store *s, const char *party_id, const char *channel, int64_t seq,
                     struct store_log_entry *out, struct hl_error *err);
int sq_log_scan(struct store *s, const char *party_id, const char *channel, int64_t from_seq,
                store_log_fn fn, void *ctx, struct hl_error *err);
int sq_tile_put(struct store *s, const char *party_id, const char *channel, unsigned level,
                int64_t index, const uint8_t hash[STORE_HASH_BYTES], struct hl_error *err);
int sq_tile_get(struct store *s, const char *party_id, const char *channel, unsigned level,
                int64_t index, uint8_t out[STORE_HASH_BYTES], struct hl_error *err);
int sq_tree_head_add(struct store *s, const char *party_id, const char *channel,
                     const struct store_tree_head *h, struct hl_error *err);
int sq_tree_head_latest(struct store *s, const char *party_id, const char *channel,
                        struct store_tree_head *out, struct hl_error *err);
int sq_tree_head_covering(struct store *s, const char *party_id, const char *channel, int64_t seq,
                          struct store_tree_head *out, struct hl_error *err);
int sq_tree_head_list(struct store *s, const char *party_id, const char *channel,
                      store_tree_head_fn fn, void *ctx, struct hl_error *err);
int sq_receipt_add(struct store *s, const char *party_id, const char *channel,
                   const struct store_receipt *r, struct hl_error *err);
int sq_backup(struct store *s, const char *path, struct hl_error *err);
int sq_receipt_refute(struct store *s, const char *party_id, const char *channel,
                      const char *witness_id, int64_t size, struct hl_error *err);
int sq_receipt_latest(struct store *s, const char *party_id, const char *channel,
                      const char *witness_id, struct store_receipt *out, struct hl_error *err);
int sq_receipt_list(struct store *s, const char *party_id, const char *channel, store_receipt_fn fn,
                    void *ctx, struct hl_error *err);

/* sqlite_user.c */
int sq_user_add(struct store *s, const struct store_user *u, struct hl_error *err);
int sq_user_get(struct store *s, const char *name, struct store_user *out, struct hl_error *err);
int sq_user_find_token(struct store *s, const uint8_t hash[STORE_HASH_BYTES],
                       struct store_user *out, struct hl_error *err);
int sq_user_token_set(struct store *s, const char *name, const uint8_t hash[STORE_HASH_BYTES],
                      struct hl_error *err);
int sq_user_remove(struct store *s, const char *name, struct hl_error *err);
int sq_user_list(struct store *s, store_user_fn fn, void *ctx, struct hl_error *err);
int sq_user_right_set(struct store *s, const char *name, const char *channel, unsigned rights,
                      struct hl_error *err);
int sq_user_rights(struct store *s, const char *name, const char *channel, unsigned *rights,
                   struct hl_error *err);
int sq_user_right_list(struct store *s, const char *name, store_user_right_fn fn, void *ctx,
                       struct hl_error *err);

/* sqlite_fed.c: the SQL text of a federation statement id (SQ_FED_FIRST..),
 * NULL for any other id; and the federation operations. */
const char *sq_fed_sql(enum sq_stmt_id id);
int sq_peer_put(struct store *s, const struct store_peer *p, struct hl_error *err);
int sq_peer_get(struct store *s, const char *party_id, const char *name, struct store_peer *out,
                struct hl_error *err);
int sq_peer_list(struct store *s, store_peer_fn fn, void *ctx, struct hl_error *err);
int sq_peer_remove(struct store *s, const char *name, struct hl_error *err);
int sq_pending_add(struct store *s, const char *channel, const char *name, struct hl_error *err);
int sq_pending_list(struct store *s, const char *channel, store_pending_fn fn, void *ctx,
                    struct hl_error *err);
int sq_pending_remove(struct store *s, const char *channel, const char *name, struct hl_error *err);
int sq_member_retire(struct store *s, const char *channel, const char *party_id, int64_t at_us,
                     struct hl_error *err);
int sq_member_retired(struct store *s, const char *channel, const char *party_id, int64_t *at_us,
                      struct hl_error *err);
int sq_channel_active(struct store *s, const char *channel, bool *active, struct hl_error *err);
int sq_alarm_add(struct store *s, const struct store_alarm *a, bool *added, struct hl_error *err);
int sq_alarm_list(struct store *s, const char *channel, store_alarm_fn fn, void *ctx,
                  struct hl_error *err);
int sq_repl_state_put(struct store *s, const char *peer_id, const char *channel,
                      const struct store_repl_state *st, struct hl_error *err);
int sq_repl_state_get(struct store *s, const char *peer_id, const char *channel,
                      struct store_repl_state *out, struct hl_error *err);
int sq_tlp_hold(struct store *s, const char *stix_id, const char *channel, const char *tlp,
                struct hl_error *err);
int sq_tlp_find(struct store *s, const char *stix_id, store_tlp_fn fn, void *ctx,
                struct hl_error *err);

/* sqlite_wf.c: the SQL text of a workflow statement id (SQ_WF_FIRST..),
 * NULL for any other id; and the workflow operations (schema step 5). */
const char *sq_wf_sql(enum sq_stmt_id id);
int sq_policy_set(struct store *s, const char *channel, int64_t ack_within_s,
                  struct hl_error *err);
int sq_policy_get(struct store *s, const char *channel, int64_t *out, struct hl_error *err);
int sq_escalation_add(struct store *s, const struct store_escalation *e, bool *added,
                      struct hl_error *err);
int sq_escalation_hook_set(struct store *s, const char *item_id, const char *kind,
                           const char *member, int hook, struct hl_error *err);
int sq_escalation_list(struct store *s, const char *channel, store_escalation_fn fn, void *ctx,
                       struct hl_error *err);

/* sqlite_taxii.c */
int sq_object_delete(struct store *s, int64_t row, int64_t deleted_us, struct hl_error *err);
int sq_last_added(struct store *s, const char *channel, int64_t *out, struct hl_error *err);

#endif
