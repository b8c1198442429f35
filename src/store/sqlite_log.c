/*
 * sqlite_log.c — the SQLite backend's logs: entries of each (party,
 * channel) log, hashes of complete subtrees, signed tree heads, receipts.
 *
 * Invariants (store.h): a log holds seqs 0..size-1, no gap, no duplicate.
 * log_append checks the first seq against the size read in the same write
 * transaction (so no other writer can interleave: BEGIN IMMEDIATE) and
 * each following seq against its predecessor; the table's primary key
 * and the log_entries_in_order trigger (schema.c) enforce it again for
 * anything else that writes the file. An append is all or nothing
 * through the transaction it runs in: its own, rolled back on any
 * failure, or the caller's, which store.h has the caller roll back after
 * a failed write.
 *
 * Reading back, a seq out of order, a hash that is not 32 bytes or an
 * entry whose object is missing is reported as corruption (HL_E_STORE).
 */
#include "sqlite_int.h"

#include <string.h>

/* Log id for reading: *found is false (and the result 0) for a log that
 * was never written. */
static HL_MUST_CHECK int log_find(struct store_sqlite *q, const char *party_id, const char *channel,
                                  int64_t *id, bool *found, struct hl_error *err)
{
    struct hl_error ignored;
    *found = false;
    int r = sq_log_id(q, party_id, channel, false, id, &ignored);
    if (r == -HL_E_NOT_FOUND)
        return 0;
    if (r)
        return hl_fail(err, -r, ignored.where, "%s", ignored.msg);
    *found = true;
    return 0;
}

static HL_MUST_CHECK int size_of(struct store_sqlite *q, int64_t log_id, int64_t *size,
                                 struct hl_error *err)
{
    sqlite3_stmt *st = NULL;
    int r = sq_stmt(q, SQ_LOG_SIZE, &st, err);
    if (!r)
        r = sq_bind_i64(q, st, 1, log_id, err);
    if (!r)
        r = sq_step(q, st, "log size", err);
    if (r == 0)
        return hl_fail(err, HL_E_STORE, "log_entries", "store: log size query returned nothing");
    if (r == 1)
        r = sq_col_i64(st, 0, "log_entries", log_id, size, err);
    sqlite3_reset(st);
    return r;
}

int sq_log_size(struct store *s, const char *party_id, const char *channel, int64_t *size_out,
                struct hl_error *err)
{
    struct store_sqlite *q = sq_of(s);
    int64_t id;
    bool found;
    int r = log_find(q, party_id, channel, &id, &found, err);
    if (r || !found)
        return r;
    return size_of(q, id, size_out, err);
}

/* RFC 9162 §2.1: entries are numbered 0, 1, 2, ... in append order. */
static HL_MUST_CHECK int check_seqs(const char *party_id, const char *channel, int64_t size,
                                    const struct store_log_entry *e, size_t n, struct hl_error *err)
{
    for (size_t i = 0; i < n; i++) {
        int64_t want = size + (int64_t)i;
        if (e[i].seq != want)
            return hl_fail(err, HL_E_CONFLICT, channel,
                           "store: log of %s in \"%s\": entry %zu has seq %lld, expected %lld "
                           "(%s)",
                           party_id, channel, i, (long long)e[i].seq, (long long)want,
                           e[i].seq < want ? "a duplicate" : "a gap");
    }
    return 0;
}

static HL_MUST_CHECK int insert_entries(struct store_sqlite *q, int64_t log_id,
                                        const struct store_log_entry *e, size_t n,
                                        struct hl_error *err)
{
    sqlite3_stmt *st = NULL;
    int r = 0;
    for (size_t i = 0; !r && i < n; i++) {
        r = sq_stmt(q, SQ_LOG_INSERT, &st, err);
        if (!r)
            r = sq_bind_i64(q, st, 1, log_id, err);
        if (!r)
            r = sq_bind_i64(q, st, 2, e[i].seq, err);
        if (!r)
            r = sq_bind_blob(q, st, 3, e[i].leaf_hash, STORE_HASH_BYTES, err);
        if (!r)
            r = sq_bind_i64(q, st, 4, e[i].object_row, err);
        if (!r)
            r = sq_bind_i64(q, st, 5, e[i].batch, err);
        if (!r)
            r = sq_exec(q, st, "log entry", err);
        if (r == -HL_E_NOT_FOUND)
            r = hl_fail(err, HL_E_NOT_FOUND, "object_row", "store: entry %zu: no object row %lld",
                        i, (long long)e[i].object_row);
        else if (r == -HL_E_EXISTS)
            r = hl_fail(err, HL_E_CONFLICT, "seq", "store: seq %lld is already in the log",
                        (long long)e[i].seq);
    }
    return r;
}

/* The size of log id, from the cache while it is true (sqlite_int.h). */
static HL_MUST_CHECK int size_known(struct store_sqlite *q, int64_t id, int64_t *size,
                                    struct hl_error *err)
{
    if (q->cache.size_log_id == id && q->cache.size_tx == q->write_tx &&
        sqlite3_txn_state(q->db, NULL) == SQLITE_TXN_WRITE) {
        *size = q->cache.size;
        return 0;
    }
    return size_of(q, id, size, err);
}

/* That a log's party and channel exist, before its first append. */
static HL_MUST_CHECK int owner_known(struct store *s, struct store_sqlite *q, const char *party_id,
                                     const char *channel, struct hl_error *err)
{
    struct store_party p;
    int64_t cid;
    int r = store_party_get(s, party_id, &p, err);
    return r ? r : sq_channel_id(q, channel, &cid, err);
}

int sq_log_append(struct store *s, const char *party_id, const char *channel,
                  const struct store_log_entry *entries, size_t n, struct hl_error *err)
{
    struct store_sqlite *q = sq_of(s);
    bool own, found = false;
    int64_t id = 0, size = 0;
    /* No savepoint: the statements of a failed append are undone by the
     * transaction's rollback (sq_tx_leave's, or the caller's, which
     * store.h requires after a failed write). A savepoint around a batch
     * made SQLite keep every INSERT's statement journal on top of the
     * savepoint's, past the 64 KiB it holds in memory: a temporary file,
     * two writes per page journaled, about one page for every three
     * entries (bench/README.md, bench_log). */
    int r = sq_tx_enter(q, &own, err);
    if (r)
        return r;
    /* The seqs are checked before anything is written, the log's row
     * included: a refused append (a gap, a duplicate) leaves the caller's
     * transaction as it was, and a caller may go on and commit it. */
    r = log_find(q, party_id, channel, &id, &found, err);
    if (!r && found)
        r = size_known(q, id, &size, err);
    if (!r && !found)
        r = owner_known(s, q, party_id, channel, err);
    if (!r)
        r = check_seqs(party_id, channel, size, entries, n, err);
    if (!r && !found)
        r = sq_log_id(q, party_id, channel, true, &id, err);
    if (!r)
        r = insert_entries(q, id, entries, n, err);
    if (!r) {
        q->cache.size_log_id = id;
        q->cache.size = size + (int64_t)n;
        q->cache.size_tx = q->write_tx;
    } else {
        sq_cache_forget(q); /* rows may have been made */
    }
    return sq_tx_leave(q, own, r, err);
}

static HL_MUST_CHECK int entry_read(sqlite3_stmt *st, struct store_log_entry *e,
                                    struct hl_error *err)
{
    memset(e, 0, sizeof *e);
    int r = sq_col_i64(st, 0, "log_entries", -1, &e->seq, err);
    if (!r)
        r = sq_col_fixed(st, 1, "log_entries", e->seq, e->leaf_hash, STORE_HASH_BYTES, err);
    if (!r)
        r = sq_col_i64(st, 2, "log_entries", e->seq, &e->object_row, err);
    if (!r)
        r = sq_col_i64(st, 3, "log_entries", e->seq, &e->batch, err);
    return r;
}

int sq_log_entry_get(struct store *s, const char *party_id, const char *channel, int64_t seq,
                     struct store_log_entry *out, struct hl_error *err)
{
    struct store_sqlite *q = sq_of(s);
    sqlite3_stmt *st = NULL;
    int64_t id;
    bool found;
    int r = log_find(q, party_id, channel, &id, &found, err);
    if (!r && !found)
        r = -HL_E_NOT_FOUND;
    if (!r)
        r = sq_stmt(q, SQ_LOG_ENTRY_GET, &st, err);
    if (!r)
        r = sq_bind_i64(q, st, 1, id, err);
    if (!r)
        r = sq_bind_i64(q, st, 2, seq, err);
    if (!r)
        r = sq_step(q, st, "log entry", err);
    if (r == 0 || r == -HL_E_NOT_FOUND)
        return hl_fail(err, HL_E_NOT_FOUND, channel, "store: log of %s in \"%s\" has no seq %lld",
                       party_id, channel, (long long)seq);
    if (r == 1) {
        r = entry_read(st, out, err);
        sqlite3_reset(st);
    }
    if (!r && out->seq != seq)
        r = hl_fail(err, HL_E_STORE, "log_entries", "store corrupt: asked seq %lld, read %lld",
                    (long long)seq, (long long)out->seq);
    return r;
}

static HL_MUST_CHECK int scan_rows(struct store_sqlite *q, sqlite3_stmt *st, int64_t from_seq,
                                   store_log_fn fn, void *ctx, struct hl_error *err)
{
    struct store_log_entry e;
    struct store_object o;
    int64_t want = from_seq;
    int r;
    while ((r = sq_step(q, st, "log scan", err)) == 1) {
        r = entry_read(st, &e, err);
        if (!r && e.seq != want)
            r = hl_fail(err, HL_E_STORE, "log_entries",
                        "store corrupt: table log_entries row %lld: expected seq %lld",
                        (long long)e.seq, (long long)want);
        if (!r && sqlite3_column_type(st, 4) == SQLITE_NULL)
            r = hl_fail(err, HL_E_STORE, "log_entries",
                        "store corrupt: table log_entries row %lld: object row %lld is missing",
                        (long long)e.seq, (long long)e.object_row);
        if (!r)
            r = sq_col_object(st, 4, &o, err);
        if (!r)
            r = fn(ctx, &e, &o);
        if (r)
            break;
        want++;
    }
    sqlite3_reset(st);
    return r;
}

int sq_log_scan(struct store *s, const char *party_id, const char *channel, int64_t from_seq,
                store_log_fn fn, void *ctx, struct hl_error *err)
{
    struct store_sqlite *q = sq_of(s);
    sqlite3_stmt *st = NULL;
    int64_t id;
    bool found;
    if (from_seq < 0)
        from_seq = 0;
    int r = log_find(q, party_id, channel, &id, &found, err);
    if (r || !found)
        return r;
    r = sq_stmt(q, SQ_LOG_SCAN, &st, err);
    if (!r)
        r = sq_bind_i64(q, st, 1, id, err);
    if (!r)
        r = sq_bind_i64(q, st, 2, from_seq, err);
    return r ? r : scan_rows(q, st, from_seq, fn, ctx, err);
}

/* ---- tiles ------------------------------------------------------------------- */

/* The last leaf of subtree (level, index): rows are keyed by it (schema
 * step 10). store.c lets through only subtrees whose last leaf is an
 * int64. */
static int64_t tile_last(unsigned level, int64_t index)
{
    return (int64_t)((((uint64_t)index + 1) << level) - 1);
}

static HL_MUST_CHECK int tile_read(struct store_sqlite *q, int64_t log_id, unsigned level,
                                   int64_t index, uint8_t out[STORE_HASH_BYTES],
                                   struct hl_error *err)
{
    sqlite3_stmt *st = NULL;
    int r = sq_stmt(q, SQ_TILE_GET, &st, err);
    if (!r)
        r = sq_bind_i64(q, st, 1, log_id, err);
    if (!r)
        r = sq_bind_i64(q, st, 2, tile_last(level, index), err);
    if (!r)
        r = sq_bind_i64(q, st, 3, level, err);
    if (!r)
        r = sq_step(q, st, "tile", err);
    if (r == 0)
        return hl_fail(err, HL_E_NOT_FOUND, "tile", "store: no tile at level %u index %lld", level,
                       (long long)index);
    if (r == 1) {
        r = sq_col_fixed(st, 0, "tiles", index, out, STORE_HASH_BYTES, err);
        sqlite3_reset(st);
    }
    return r;
}

int sq_tile_put(struct store *s, const char *party_id, const char *channel, unsigned level,
                int64_t index, const uint8_t hash[STORE_HASH_BYTES], struct hl_error *err)
{
    struct store_sqlite *q = sq_of(s);
    sqlite3_stmt *st = NULL;
    int64_t id;
    uint8_t old[STORE_HASH_BYTES];
    int r = sq_log_id(q, party_id, channel, true, &id, err);
    if (!r)
        r = sq_stmt(q, SQ_TILE_PUT, &st, err);
    if (!r)
        r = sq_bind_i64(q, st, 1, id, err);
    if (!r)
        r = sq_bind_i64(q, st, 2, tile_last(level, index), err);
    if (!r)
        r = sq_bind_i64(q, st, 3, level, err);
    if (!r)
        r = sq_bind_blob(q, st, 4, hash, STORE_HASH_BYTES, err);
    if (!r)
        r = sq_exec(q, st, "tile", err);
    if (r != -HL_E_EXISTS)
        return r;
    r = tile_read(q, id, level, index, old, err);
    if (!r && memcmp(old, hash, STORE_HASH_BYTES) != 0)
        r = hl_fail(err, HL_E_CONFLICT, "tile",
                    "store: tile at level %u index %lld holds a different hash", level,
                    (long long)index);
    return r;
}

int sq_tile_get(struct store *s, const char *party_id, const char *channel, unsigned level,
                int64_t index, uint8_t out[STORE_HASH_BYTES], struct hl_error *err)
{
    struct store_sqlite *q = sq_of(s);
    int64_t id;
    bool found;
    int r = log_find(q, party_id, channel, &id, &found, err);
    if (!r && !found)
        r = hl_fail(err, HL_E_NOT_FOUND, channel, "store: no log of %s in \"%s\"", party_id,
                    channel);
    return r ? r : tile_read(q, id, level, index, out, err);
}

/* ---- tree heads ------------------------------------------------------------- */

int sq_tree_head_add(struct store *s, const char *party_id, const char *channel,
                     const struct store_tree_head *h, struct hl_error *err)
{
    struct store_sqlite *q = sq_of(s);
    sqlite3_stmt *st = NULL;
    int64_t id;
    int r = sq_log_id(q, party_id, channel, true, &id, err);
    if (!r)
        r = sq_stmt(q, SQ_HEAD_ADD, &st, err);
    if (!r)
        r = sq_bind_i64(q, st, 1, id, err);
    if (!r)
        r = sq_bind_i64(q, st, 2, h->size, err);
    if (!r)
        r = sq_bind_blob(q, st, 3, h->root, STORE_HASH_BYTES, err);
    if (!r)
        r = sq_bind_i64(q, st, 4, h->timestamp_us, err);
    if (!r)
        r = sq_bind_i64(q, st, 5, h->object_row, err);
    if (!r)
        r = sq_exec(q, st, "tree head", err);
    if (r == -HL_E_NOT_FOUND && id)
        r = hl_fail(err, HL_E_NOT_FOUND, "object_row", "store: no object row %lld",
                    (long long)h->object_row);
    return r;
}

static HL_MUST_CHECK int head_read(sqlite3_stmt *st, struct store_tree_head *h,
                                   struct hl_error *err)
{
    int64_t row = 0;
    memset(h, 0, sizeof *h);
    int r = sq_col_i64(st, 0, "tree_heads", -1, &row, err);
    if (!r)
        r = sq_col_i64(st, 1, "tree_heads", row, &h->size, err);
    if (!r)
        r = sq_col_fixed(st, 2, "tree_heads", row, h->root, STORE_HASH_BYTES, err);
    if (!r)
        r = sq_col_i64(st, 3, "tree_heads", row, &h->timestamp_us, err);
    if (!r)
        r = sq_col_i64(st, 4, "tree_heads", row, &h->object_row, err);
    return r;
}

/* Runs a head query for log (party, channel), with ?2 = above if it is
 * not negative; at most one row if one. */
static HL_MUST_CHECK int head_rows(struct store_sqlite *q, enum sq_stmt_id sid,
                                   const char *party_id, const char *channel, int64_t above,
                                   store_tree_head_fn fn, void *ctx, struct store_tree_head *one,
                                   struct hl_error *err)
{
    sqlite3_stmt *st = NULL;
    struct store_tree_head h;
    int64_t id;
    bool found;
    int r = log_find(q, party_id, channel, &id, &found, err);
    if (!r && !found)
        r = one ? -HL_E_NOT_FOUND : 0;
    if (r || !found)
        return r;
    r = sq_stmt(q, sid, &st, err);
    if (!r)
        r = sq_bind_i64(q, st, 1, id, err);
    if (!r && above >= 0)
        r = sq_bind_i64(q, st, 2, above, err);
    while (!r && (r = sq_step(q, st, "tree head", err)) == 1) {
        r = head_read(st, one ? one : &h, err);
        if (!r && !one)
            r = fn(ctx, &h);
        if (!r && one) {
            sqlite3_reset(st);
            return 1;
        }
    }
    sqlite3_reset(st);
    return r;
}

/* The one head a query finds (covering seq, or the latest if seq < 0). */
static int head_one(struct store *s, enum sq_stmt_id sid, const char *party_id,
                    const char *channel, int64_t seq, struct store_tree_head *out,
                    struct hl_error *err)
{
    int r = head_rows(sq_of(s), sid, party_id, channel, seq, NULL, NULL, out, err);
    if (r == 1)
        return 0;
    if ((r == 0 || r == -HL_E_NOT_FOUND) && seq < 0)
        return hl_fail(err, HL_E_NOT_FOUND, channel, "store: no tree head of %s in \"%s\"",
                       party_id, channel);
    if (r == 0 || r == -HL_E_NOT_FOUND)
        return hl_fail(err, HL_E_NOT_FOUND, channel,
                       "store: no tree head of %s in \"%s\" covers entry %lld yet", party_id,
                       channel, (long long)seq);
    return r;
}

int sq_tree_head_latest(struct store *s, const char *party_id, const char *channel,
                        struct store_tree_head *out, struct hl_error *err)
{
    return head_one(s, SQ_HEAD_LATEST, party_id, channel, -1, out, err);
}

int sq_tree_head_covering(struct store *s, const char *party_id, const char *channel, int64_t seq,
                          struct store_tree_head *out, struct hl_error *err)
{
    return head_one(s, SQ_HEAD_COVERING, party_id, channel, seq, out, err); /* seq >= 0: store.c */
}

int sq_tree_head_list(struct store *s, const char *party_id, const char *channel,
                      store_tree_head_fn fn, void *ctx, struct hl_error *err)
{
    return head_rows(sq_of(s), SQ_HEAD_LIST, party_id, channel, -1, fn, ctx, NULL, err);
}

/* ---- receipts ------------------------------------------------------------------ */

int sq_receipt_add(struct store *s, const char *party_id, const char *channel,
                   const struct store_receipt *rc, struct hl_error *err)
{
    struct store_sqlite *q = sq_of(s);
    sqlite3_stmt *st = NULL;
    int64_t id;
    int r = sq_log_id(q, party_id, channel, true, &id, err);
    if (!r)
        r = sq_stmt(q, SQ_RECEIPT_ADD, &st, err);
    if (!r)
        r = sq_bind_text(q, st, 1, rc->witness_id, err);
    if (!r)
        r = sq_bind_i64(q, st, 2, id, err);
    if (!r)
        r = sq_bind_i64(q, st, 3, rc->size, err);
    if (!r)
        r = sq_bind_blob(q, st, 4, rc->root, STORE_HASH_BYTES, err);
    if (!r)
        r = sq_bind_i64(q, st, 5, rc->object_row, err);
    if (!r)
        r = sq_exec(q, st, "receipt", err);
    if (r == -HL_E_NOT_FOUND && id)
        r = hl_fail(err, HL_E_NOT_FOUND, "receipt", "store: no party %s or no object row %lld",
                    rc->witness_id, (long long)rc->object_row);
    return r;
}

int sq_receipt_refute(struct store *s, const char *party_id, const char *channel,
                      const char *witness_id, int64_t size, struct hl_error *err)
{
    struct store_sqlite *q = sq_of(s);
    sqlite3_stmt *st = NULL;
    int64_t id;
    bool found;
    int r = log_find(q, party_id, channel, &id, &found, err);
    if (r || !found)
        return r;
    r = sq_stmt(q, SQ_RECEIPT_REFUTE, &st, err);
    if (!r)
        r = sq_bind_i64(q, st, 1, id, err);
    if (!r)
        r = sq_bind_text(q, st, 2, witness_id, err);
    if (!r)
        r = sq_bind_i64(q, st, 3, size, err);
    return r ? r : sq_exec(q, st, "receipt", err);
}

static HL_MUST_CHECK int receipt_read(sqlite3_stmt *st, struct store_receipt *rc,
                                      struct hl_error *err)
{
    int64_t row = 0;
    memset(rc, 0, sizeof *rc);
    int r = sq_col_i64(st, 0, "receipts", -1, &row, err);
    if (!r)
        r = sq_col_text(st, 1, "receipts", row, rc->witness_id, STORE_TEXT_MAX, err);
    if (!r)
        r = sq_col_i64(st, 2, "receipts", row, &rc->size, err);
    if (!r)
        r = sq_col_fixed(st, 3, "receipts", row, rc->root, STORE_HASH_BYTES, err);
    if (!r)
        r = sq_col_i64(st, 4, "receipts", row, &rc->object_row, err);
    return r;
}

int sq_receipt_latest(struct store *s, const char *party_id, const char *channel,
                      const char *witness_id, struct store_receipt *out, struct hl_error *err)
{
    struct store_sqlite *q = sq_of(s);
    sqlite3_stmt *st = NULL;
    int64_t id;
    bool found;
    int r = log_find(q, party_id, channel, &id, &found, err);
    if (!r && found)
        r = sq_stmt(q, witness_id ? SQ_RECEIPT_LATEST : SQ_RECEIPT_GREATEST, &st, err);
    if (!r && found)
        r = sq_bind_i64(q, st, 1, id, err);
    if (!r && found && witness_id)
        r = sq_bind_text(q, st, 2, witness_id, err);
    if (!r && found)
        r = sq_step(q, st, "receipt", err);
    if (r == 0)
        return hl_fail(err, HL_E_NOT_FOUND, channel, "store: no receipt from %s for %s in \"%s\"",
                       witness_id ? witness_id : "any witness", party_id, channel);
    if (r == 1) {
        r = receipt_read(st, out, err);
        sqlite3_reset(st);
    }
    return r;
}

int sq_receipt_list(struct store *s, const char *party_id, const char *channel, store_receipt_fn fn,
                    void *ctx, struct hl_error *err)
{
    struct store_sqlite *q = sq_of(s);
    sqlite3_stmt *st = NULL;
    struct store_receipt rc;
    int64_t id;
    bool found;
    int r = log_find(q, party_id, channel, &id, &found, err);
    if (r || !found)
        return r;
    r = sq_stmt(q, SQ_RECEIPT_LIST, &st, err);
    if (!r)
        r = sq_bind_i64(q, st, 1, id, err);
    while (!r && (r = sq_step(q, st, "receipt", err)) == 1) {
        r = receipt_read(st, &rc, err);
        if (!r)
            r = fn(ctx, &rc);
    }
    sqlite3_reset(st);
    return r;
}
