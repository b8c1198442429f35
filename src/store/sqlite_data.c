/*
 * sqlite_data.c — the SQLite backend's channel data: objects (arrival
 * order, versions, TAXII listing with keyset pagination), TAXII status
 * records, and per-(peer, channel) replication cursors.
 *
 * Listing (TAXII 2.1 §3.4, §3.5). Rows come in (date_added_us, row) order;
 * a page starts strictly after the caller's cursor, never at an OFFSET, so
 * a row inserted between two page requests can only appear later, and no
 * row is skipped or repeated. One extra row is fetched to tell whether
 * more follow. match[type] and match[id] travel as one bound JSON array
 * each (json_each), built here from values store.c has checked to be
 * plain STIX tokens, so the SQL text never changes with input.
 */
#include "sqlite_int.h"

#include <string.h>

/* ---- objects -------------------------------------------------------------- */

/* Whether channel cid holds stix_id at version *modified_us, or at any
 * version (modified_us NULL). */
static HL_MUST_CHECK int object_probe(struct store_sqlite *q, int64_t cid, const char *stix_id,
                                      const int64_t *modified_us, bool *found, struct hl_error *err)
{
    sqlite3_stmt *st = NULL;
    int r = sq_stmt(q, modified_us ? SQ_OBJECT_HELD : SQ_OBJECT_ANY, &st, err);
    if (!r)
        r = sq_bind_i64(q, st, 1, cid, err);
    if (!r)
        r = sq_bind_text(q, st, 2, stix_id, err);
    if (!r && modified_us)
        r = sq_bind_i64(q, st, 3, *modified_us, err);
    if (!r)
        r = sq_step(q, st, "object", err);
    *found = r == 1;
    sqlite3_reset(st);
    return r < 0 ? r : 0;
}

int sq_object_held(struct store *s, const char *channel, const char *stix_id, int64_t modified_us,
                   bool *found, struct hl_error *err)
{
    struct store_sqlite *q = sq_of(s);
    int64_t cid;
    int r = sq_channel_id(q, channel, &cid, err);
    return r ? r : object_probe(q, cid, stix_id, &modified_us, found, err);
}

/* The INSERT, with the row's versions flag (schema step 7) set to others. */
static HL_MUST_CHECK int object_insert(struct store_sqlite *q, int64_t cid,
                                       const struct store_object *o, bool others,
                                       struct hl_error *err)
{
    sqlite3_stmt *st = NULL;
    int r = sq_stmt(q, SQ_OBJECT_ADD, &st, err);
    if (!r)
        r = sq_bind_i64(q, st, 1, cid, err);
    if (!r)
        r = sq_bind_text(q, st, 2, o->stix_id, err);
    if (!r)
        r = sq_bind_text(q, st, 3, o->type, err);
    if (!r)
        r = sq_bind_i64(q, st, 4, o->modified_us, err);
    if (!r)
        r = sq_bind_i64(q, st, 5, o->date_added_us, err);
    if (!r)
        r = sq_bind_blob(q, st, 6, o->json, o->json_len, err);
    if (!r && o->sealed_by)
        r = sq_bind_text(q, st, 7, o->sealed_by, err);
    else if (!r && sqlite3_bind_null(st, 7) != SQLITE_OK)
        r = sq_fail(q, sqlite3_errcode(q->db), "bind", err);
    if (!r)
        r = sq_bind_i64(q, st, 8, others, err);
    return r ? r : sq_exec(q, st, "object", err);
}

/* Marks the other versions of the new row's id (schema step 9). */
static HL_MUST_CHECK int object_mark(struct store_sqlite *q, int64_t cid, const char *stix_id,
                                     struct hl_error *err)
{
    sqlite3_stmt *st = NULL;
    int r = sq_stmt(q, SQ_OBJECT_MARK, &st, err);
    if (!r)
        r = sq_bind_i64(q, st, 1, cid, err);
    if (!r)
        r = sq_bind_text(q, st, 2, stix_id, err);
    return r ? r : sq_exec(q, st, "object versions", err);
}

/* Inside the caller's transaction (whose rollback undoes a half-done add:
 * store.h) or one of its own, so that the row and its siblings' flags
 * land together. */
int sq_object_add(struct store *s, const struct store_object *o, int64_t *row_out,
                  struct hl_error *err)
{
    struct store_sqlite *q = sq_of(s);
    int64_t cid;
    bool own, others = false;
    int r = sq_channel_id(q, o->channel, &cid, err);
    if (r)
        return r;
    r = sq_tx_enter(q, &own, err);
    if (r)
        return r;
    r = object_probe(q, cid, o->stix_id, NULL, &others, err);
    if (!r)
        r = object_insert(q, cid, o, others, err);
    if (r == -HL_E_EXISTS)
        r = hl_fail(err, HL_E_EXISTS, o->stix_id,
                    "store: %s version %lld is already in channel \"%s\"", o->stix_id,
                    (long long)o->modified_us, o->channel);
    if (!r)
        *row_out = sqlite3_last_insert_rowid(q->db);
    if (!r && others)
        r = object_mark(q, cid, o->stix_id, err);
    return sq_tx_leave(q, own, r, err);
}

/* Runs an object query whose parameters are bound; at most limit rows
 * reach fn (0: no limit). Sets *last to the last delivered row and *more
 * if a row beyond the limit exists. */
static HL_MUST_CHECK int object_rows(struct store_sqlite *q, sqlite3_stmt *st, size_t limit,
                                     store_object_fn fn, void *ctx, struct store_page *page,
                                     struct hl_error *err)
{
    struct store_object o;
    int r;
    while ((r = sq_step(q, st, "object", err)) == 1) {
        if (limit && page->n_rows == limit) {
            page->more = true;
            r = 0;
            break;
        }
        r = sq_col_object(st, 0, &o, err);
        if (!r)
            r = fn(ctx, &o);
        if (r)
            break;
        page->n_rows++;
        page->next.date_added_us = o.date_added_us;
        page->next.row = o.row;
    }
    sqlite3_reset(st);
    return r;
}

int sq_object_get(struct store *s, int64_t row, store_object_fn fn, void *ctx, struct hl_error *err)
{
    struct store_sqlite *q = sq_of(s);
    sqlite3_stmt *st = NULL;
    struct store_page page = {0};
    int r = sq_stmt(q, SQ_OBJECT_GET, &st, err);
    if (!r)
        r = sq_bind_i64(q, st, 1, row, err);
    if (!r)
        r = object_rows(q, st, 0, fn, ctx, &page, err);
    if (!r && page.n_rows == 0)
        r = hl_fail(err, HL_E_NOT_FOUND, "object", "store: no object in row %lld", (long long)row);
    return r;
}

int sq_object_versions(struct store *s, const char *channel, const char *stix_id,
                       store_object_fn fn, void *ctx, struct hl_error *err)
{
    struct store_sqlite *q = sq_of(s);
    sqlite3_stmt *st = NULL;
    struct store_page page = {0};
    int64_t cid;
    int r = sq_channel_id(q, channel, &cid, err);
    if (!r)
        r = sq_stmt(q, SQ_OBJECT_VERSIONS, &st, err);
    if (!r)
        r = sq_bind_i64(q, st, 1, cid, err);
    if (!r)
        r = sq_bind_text(q, st, 2, stix_id, err);
    if (!r)
        r = object_rows(q, st, 0, fn, ctx, &page, err);
    if (!r && page.n_rows == 0)
        r = hl_fail(err, HL_E_NOT_FOUND, stix_id, "store: no %s in channel \"%s\"", stix_id,
                    channel);
    return r;
}

/* ["t1","t2",...] of tokens checked by store.c ([A-Za-z0-9-] only), so
 * no character needs escaping. */
static HL_MUST_CHECK int token_array(const char *const *v, size_t n, struct buf *b,
                                     struct hl_error *err)
{
    int r = buf_addc(b, '[');
    for (size_t i = 0; !r && i < n; i++) {
        if (i)
            r = buf_addc(b, ',');
        if (!r)
            r = buf_addc(b, '"');
        if (!r)
            r = buf_adds(b, v[i]);
        if (!r)
            r = buf_addc(b, '"');
    }
    if (!r)
        r = buf_addc(b, ']');
    return r ? hl_fail(err, r, "query", "store: filter list too long") : 0;
}

static HL_MUST_CHECK int bind_list(struct store_sqlite *q, sqlite3_stmt *st, int i,
                                   const char *const *v, size_t n, struct buf *b,
                                   struct hl_error *err)
{
    if (!v)
        return 0; /* stays NULL: no filter */
    int r = token_array(v, n, b, err);
    return r ? r : sq_bind_text(q, st, i, b->data, err);
}

/* The lowest date_added a row of the page can have: the cursor's (rows of
 * the same time with a higher row still follow it) and just after
 * added_after. */
static int64_t page_floor(const struct store_query *qr)
{
    int64_t lo = INT64_MIN;
    if (qr->after.date_added_us || qr->after.row)
        lo = qr->after.date_added_us;
    if (qr->has_added_after && qr->added_after_us < INT64_MAX && qr->added_after_us + 1 > lo)
        lo = qr->added_after_us + 1;
    return lo;
}

/* Whether any object version was ever deleted (TAXII DELETE), in the
 * connection's current snapshot: if not, a page skips the checks. */
static HL_MUST_CHECK int any_deleted(struct store_sqlite *q, int64_t *out, struct hl_error *err)
{
    sqlite3_stmt *st = NULL;
    int r = sq_stmt(q, SQ_ANY_DELETED, &st, err);
    if (!r)
        r = sq_step(q, st, "deleted objects", err);
    if (r == 1)
        r = sq_col_i64(st, 0, "deleted_objects", 0, out, err);
    else if (r == 0)
        r = hl_fail(err, HL_E_STORE, "deleted_objects", "store: EXISTS returned nothing");
    if (st)
        sqlite3_reset(st);
    return r;
}

int sq_object_list(struct store *s, const struct store_query *qr, store_object_fn fn, void *ctx,
                   struct store_page *page, struct hl_error *err)
{
    struct store_sqlite *q = sq_of(s);
    sqlite3_stmt *st = NULL;
    struct buf types, ids;
    size_t list_max = (size_t)STORE_LIST_MAX * (STORE_TEXT_MAX + 3) + 2;
    buf_init(&types, list_max);
    buf_init(&ids, list_max);
    int64_t cid;
    int r = sq_channel_id(q, qr->channel, &cid, err);
    if (!r)
        r = sq_stmt(q, qr->workflow ? SQ_OBJECT_LIST_WF : SQ_OBJECT_LIST, &st, err);
    if (!r)
        r = sq_bind_i64(q, st, 1, cid, err);
    if (!r && (qr->after.date_added_us || qr->after.row)) {
        r = sq_bind_i64(q, st, 2, qr->after.date_added_us, err);
        if (!r)
            r = sq_bind_i64(q, st, 3, qr->after.row, err);
    }
    if (!r && qr->has_added_after)
        r = sq_bind_i64(q, st, 4, qr->added_after_us, err);
    if (!r)
        r = bind_list(q, st, 5, qr->types, qr->n_types, &types, err);
    if (!r)
        r = bind_list(q, st, 6, qr->ids, qr->n_ids, &ids, err);
    if (!r)
        r = sq_bind_i64(q, st, 7, (int64_t)qr->version, err);
    if (!r)
        r = sq_bind_i64(q, st, 8, (int64_t)qr->limit + 1, err);
    if (!r)
        r = sq_bind_i64(q, st, 9, page_floor(qr), err);
    if (!r && qr->except_sealed_by)
        r = sq_bind_text(q, st, 10, qr->except_sealed_by, err);
    int64_t deleted = 1;
    if (!r)
        r = any_deleted(q, &deleted, err);
    if (!r)
        r = sq_bind_i64(q, st, 11, deleted, err);
    if (!r)
        r = sq_bind_text(q, st, 12, qr->channel, err);
    if (!r)
        r = object_rows(q, st, qr->limit, fn, ctx, page, err);
    if (st) {
        sqlite3_reset(st);
        sqlite3_clear_bindings(st); /* the lists' bytes are freed below */
    }
    buf_release(&types);
    buf_release(&ids);
    return r;
}

/* ---- TAXII status records --------------------------------------------------- */

int sq_status_put(struct store *s, const char *id, const char *channel, int64_t created_us,
                  const uint8_t *body, size_t body_len, struct hl_error *err)
{
    struct store_sqlite *q = sq_of(s);
    sqlite3_stmt *st = NULL;
    int64_t cid;
    int r = sq_channel_id(q, channel, &cid, err);
    if (!r)
        r = sq_stmt(q, SQ_STATUS_PUT, &st, err);
    if (!r)
        r = sq_bind_text(q, st, 1, id, err);
    if (!r)
        r = sq_bind_i64(q, st, 2, cid, err);
    if (!r)
        r = sq_bind_i64(q, st, 3, created_us, err);
    if (!r)
        r = sq_bind_blob(q, st, 4, body, body_len, err);
    return r ? r : sq_exec(q, st, "status", err);
}

/* The connection's secure_delete (0 off, 1 on, 2 fast), or -1. */
static int secure_delete_get(struct store_sqlite *q)
{
    sqlite3_stmt *st = NULL;
    int v = -1;
    if (sqlite3_prepare_v2(q->db, "PRAGMA secure_delete", -1, &st, NULL) == SQLITE_OK &&
        sqlite3_step(st) == SQLITE_ROW)
        v = sqlite3_column_int(st, 0);
    sqlite3_finalize(st);
    return v;
}

/* With secure_delete FAST for the statement: Debian builds SQLite with
 * secure_delete on, which overwrites every freed page with zeros, and a
 * step of 250 answers of 90 KB then wrote 24 MB to the journal in 141 ms
 * under the writers' lock (FAST: 0.1 MB, 26 ms; bench/bench_prune). FAST
 * still clears the rows on the pages the delete rewrites; the overflow
 * pages of a body are freed as they are, until reused. An answer names
 * objects the store keeps anyway. */
int sq_status_prune(struct store *s, int64_t before_us, size_t max, size_t *removed,
                    struct hl_error *err)
{
    static const char *const restore[] = {"PRAGMA secure_delete = OFF", "PRAGMA secure_delete = ON",
                                          "PRAGMA secure_delete = FAST"};
    struct store_sqlite *q = sq_of(s);
    sqlite3_stmt *st = NULL;
    int was = secure_delete_get(q);
    int rc = sqlite3_exec(q->db, "PRAGMA secure_delete = FAST", NULL, NULL, NULL);
    int r = rc == SQLITE_OK ? sq_stmt(q, SQ_STATUS_PRUNE, &st, err)
                            : sq_fail(q, rc, "secure_delete", err);
    if (!r)
        r = sq_bind_i64(q, st, 1, before_us, err);
    if (!r)
        r = sq_bind_i64(q, st, 2, (int64_t)max, err);
    if (!r)
        r = sq_exec(q, st, "status prune", err);
    if (!r)
        *removed = (size_t)sqlite3_changes64(q->db);
    if (was >= 0 && was <= 2 && sqlite3_exec(q->db, restore[was], NULL, NULL, NULL) != SQLITE_OK &&
        !r)
        r = sq_fail(q, SQLITE_ERROR, "secure_delete", err);
    return r;
}

int sq_status_get(struct store *s, const char *id, struct buf *out, struct hl_error *err)
{
    struct store_sqlite *q = sq_of(s);
    sqlite3_stmt *st = NULL;
    const uint8_t *p;
    size_t n;
    int r = sq_stmt(q, SQ_STATUS_GET, &st, err);
    if (!r)
        r = sq_bind_text(q, st, 1, id, err);
    if (!r)
        r = sq_step(q, st, "status", err);
    if (r == 0)
        return hl_fail(err, HL_E_NOT_FOUND, id, "store: no status %s", id);
    if (r == 1)
        r = sq_col_blob_ref(st, 0, "statuses", 0, STORE_JSON_MAX, &p, &n, err);
    if (!r) {
        size_t old = out->len;
        r = buf_add(out, p, n);
        if (r) {
            buf_truncate(out, old);
            r = hl_fail(err, r, id, "store: status %s does not fit the buffer", id);
        }
    }
    sqlite3_reset(st);
    return r;
}

/* ---- replication cursors ------------------------------------------------------ */

int sq_repl_set(struct store *s, const char *peer_id, const char *channel,
                const struct store_repl *rp, struct hl_error *err)
{
    struct store_sqlite *q = sq_of(s);
    sqlite3_stmt *st = NULL;
    int64_t cid;
    int r = sq_channel_id(q, channel, &cid, err);
    if (!r)
        r = sq_stmt(q, SQ_REPL_SET, &st, err);
    if (!r)
        r = sq_bind_text(q, st, 1, peer_id, err);
    if (!r)
        r = sq_bind_i64(q, st, 2, cid, err);
    if (!r)
        r = sq_bind_i64(q, st, 3, rp->push_row, err);
    if (!r)
        r = sq_bind_i64(q, st, 4, rp->pull_added_us, err);
    if (!r)
        r = sq_bind_text(q, st, 5, rp->pull_next, err);
    if (!r)
        r = sq_exec(q, st, "cursor", err);
    if (r == -HL_E_NOT_FOUND && cid)
        return hl_fail(err, HL_E_NOT_FOUND, peer_id, "store: no party %s", peer_id);
    return r;
}

int sq_repl_get(struct store *s, const char *peer_id, const char *channel, struct store_repl *out,
                struct hl_error *err)
{
    struct store_sqlite *q = sq_of(s);
    sqlite3_stmt *st = NULL;
    int64_t cid;
    int r = sq_channel_id(q, channel, &cid, err);
    if (!r)
        r = sq_stmt(q, SQ_REPL_GET, &st, err);
    if (!r)
        r = sq_bind_text(q, st, 1, peer_id, err);
    if (!r)
        r = sq_bind_i64(q, st, 2, cid, err);
    if (!r)
        r = sq_step(q, st, "cursor", err);
    if (r == 0)
        return 0; /* never set: all zero */
    if (r == 1) {
        r = sq_col_i64(st, 0, "repl_cursors", 0, &out->push_row, err);
        if (!r)
            r = sq_col_i64(st, 1, "repl_cursors", 0, &out->pull_added_us, err);
        if (!r)
            r = sq_col_text(st, 2, "repl_cursors", 0, out->pull_next, STORE_TEXT_MAX, err);
    }
    sqlite3_reset(st);
    return r;
}
