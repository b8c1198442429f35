/*
 * sqlite_taxii.c — what the SQLite backend keeps for the TAXII server
 * beyond objects and statuses: deletions (TAXII 2.1 §5.7).
 *
 * A deletion is a row of deleted_objects (schema step 3) naming the
 * object row; SQ_OBJECT_LIST skips such rows and leaves them out of the
 * first / last version of their id. The object row is never removed: log
 * entries, tree heads and receipts reference it, and the ledger's proofs
 * and audits must keep working on every entry ever sealed.
 */
#include "sqlite_int.h"

int sq_object_delete(struct store *s, int64_t row, int64_t deleted_us, struct hl_error *err)
{
    struct store_sqlite *q = sq_of(s);
    sqlite3_stmt *st = NULL;
    int r = sq_stmt(q, SQ_OBJECT_DELETE, &st, err);
    if (!r)
        r = sq_bind_i64(q, st, 1, row, err);
    if (!r)
        r = sq_bind_i64(q, st, 2, deleted_us, err);
    if (!r)
        r = sq_exec(q, st, "deleted object", err);
    if (r == -HL_E_NOT_FOUND)
        return hl_fail(err, HL_E_NOT_FOUND, "row", "store: no object in row %lld", (long long)row);
    return r;
}

/* The objects_added index (channel_id, date_added_us) makes this one
 * B-tree descent. */
int sq_last_added(struct store *s, const char *channel, int64_t *out, struct hl_error *err)
{
    struct store_sqlite *q = sq_of(s);
    sqlite3_stmt *st = NULL;
    int r = sq_stmt(q, SQ_LAST_ADDED, &st, err);
    if (!r)
        r = sq_bind_text(q, st, 1, channel, err);
    if (!r)
        r = sq_step(q, st, "last date_added", err);
    if (r == 1)
        r = sq_col_i64(st, 0, "objects", -1, out, err);
    else if (r == 0)
        r = hl_fail(err, HL_E_STORE, channel, "store: no answer for the last date_added");
    sqlite3_reset(st);
    return r;
}
