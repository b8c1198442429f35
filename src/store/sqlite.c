/*
 * sqlite.c — the SQLite backend of store.h: one database file per node.
 *
 * Connection settings, made at open and relied on everywhere:
 *   journal_mode = WAL       readers never block the writer, nor it them;
 *   synchronous = FULL       a COMMIT returns after the WAL is fsynced, so
 *                            what the caller acknowledges is durable
 *                            (DESIGN.md principle 3);
 *   busy_timeout             writers of other processes are waited for;
 *   foreign_keys = ON        rows point only at rows that exist;
 *   trusted_schema = OFF     the file's schema cannot call risky functions.
 * Transactions start with BEGIN IMMEDIATE: the write lock is taken at the
 * start, so `hotline log append` and a running server serialize instead of
 * failing with a deadlock when a read lock is upgraded.
 *
 * This file also holds the statement table (every SQL text of the backend),
 * the helpers of sqlite_int.h, and the small tables: meta, parties,
 * channels. Objects, statuses and cursors are in sqlite_data.c; logs,
 * tiles, heads and receipts in sqlite_log.c; users and their rights in
 * sqlite_user.c; peers, pending members, alarms, replication state and
 * TLP holdings in sqlite_fed.c; the schema in schema.c.
 */
#include "sqlite_int.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define OBJ_FROM " FROM objects o JOIN channels c ON c.id = o.channel_id"

/* A page of objects: TAXII 2.1 §3.4 (pagination), §3.5 (filtering).
 * Keyset pagination on (date_added_us, row): never OFFSET. ?5 and ?6 are
 * JSON arrays of plain tokens built by sqlite_data.c from checked values.
 * INDEX and TYPES narrow it to one index and its own WHERE term. */
#define SQ_OBJECT_LIST_SQL(INDEX, TYPES) \
        /* SQ_OBJECT_COLS with the channel's name bound (?12): no join per row */ \
        "SELECT o.row, ?12, o.stix_id, o.type, o.modified_us, o.date_added_us, o.json" \
        " FROM objects o" INDEX " WHERE o.channel_id = ?1" TYPES \
        /* ?9, the lowest date_added a row of this page can have, is a \
         * plain range on the index (objects_added, or INDEX): a page \
         * starts with one index descent, not a scan of the channel. */ \
        " AND o.date_added_us >= ?9" \
        " AND (?2 IS NULL OR (o.date_added_us, o.row) > (?2, ?3))" \
        " AND (?4 IS NULL OR o.date_added_us > ?4)" \
        " AND (?5 IS NULL OR o.type IN (SELECT value FROM json_each(?5)))" \
        " AND (?6 IS NULL OR o.stix_id IN (SELECT value FROM json_each(?6)))" \
        /* ?11 = 0: nothing was ever deleted (SQ_ANY_DELETED), and no row \
         * needs the deletion checks, one index probe each */ \
        " AND (?11 = 0 OR NOT EXISTS (SELECT 1 FROM deleted_objects d WHERE d.row = o.row))" \
        " AND (?10 IS NULL OR o.sealed_by IS NULL OR o.sealed_by <> ?10)" \
        /* an id with one version is its own first and last (step 7) */ \
        " AND (?7 = 0 OR o.versions = 0 OR o.modified_us = (SELECT CASE ?7 WHEN 1 THEN" \
        "      max(v.modified_us)" \
        "      ELSE min(v.modified_us) END FROM objects v" \
        "      WHERE v.channel_id = o.channel_id AND v.stix_id = o.stix_id" \
        "      AND (?11 = 0 OR NOT EXISTS (SELECT 1 FROM deleted_objects d WHERE d.row = v.row))))" \
        " ORDER BY o.date_added_us, o.row LIMIT ?8"

static const char *const stmt_sql[SQ__COUNT] = {
    [SQ_BEGIN] = "BEGIN IMMEDIATE",
    [SQ_BEGIN_READ] = "BEGIN DEFERRED",
    [SQ_COMMIT] = "COMMIT",
    [SQ_ROLLBACK] = "ROLLBACK",
    [SQ_META_SET] = "INSERT INTO meta(key, value) VALUES(?1, ?2)"
                    " ON CONFLICT(key) DO UPDATE SET value = excluded.value",
    [SQ_META_GET] = "SELECT value FROM meta WHERE key = ?1",
    [SQ_PARTY_PUT] = "INSERT INTO parties(id, name, public_key) VALUES(?1, ?2, ?3)"
                     " ON CONFLICT(id) DO UPDATE SET name = excluded.name,"
                     " public_key = excluded.public_key",
    [SQ_PARTY_GET] = "SELECT id, name, public_key FROM parties WHERE id = ?1",
    [SQ_PARTY_LIST] = "SELECT id, name, public_key FROM parties ORDER BY id",
    [SQ_CHANNEL_CREATE] = "INSERT INTO channels(name, created_us) VALUES(?1, ?2)",
    [SQ_CHANNEL_GET] = "SELECT id, name, created_us FROM channels WHERE name = ?1",
    [SQ_CHANNEL_LIST] = "SELECT id, name, created_us FROM channels ORDER BY name",
    [SQ_CHANNEL_ID] = "SELECT id FROM channels WHERE name = ?1",
    [SQ_MEMBER_ADD] = "INSERT INTO channel_members(channel_id, party_id) VALUES(?1, ?2)"
                      " ON CONFLICT DO NOTHING",
    [SQ_MEMBER_LIST] = "SELECT p.id, p.name, p.public_key, m.retired_us FROM channel_members m"
                       " JOIN parties p ON p.id = m.party_id WHERE m.channel_id = ?1"
                       " ORDER BY p.id",
    [SQ_OBJECT_ADD] = "INSERT INTO objects(channel_id, stix_id, type, modified_us,"
                      " date_added_us, json, sealed_by, versions)"
                      " VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
    [SQ_OBJECT_ANY] = "SELECT 1 FROM objects WHERE channel_id = ?1 AND stix_id = ?2 LIMIT 1",
    [SQ_OBJECT_HELD] = "SELECT 1 FROM objects"
                       " WHERE channel_id = ?1 AND stix_id = ?2 AND modified_us = ?3",
    [SQ_OBJECT_MARK] = "UPDATE objects SET versions = 1"
                       " WHERE channel_id = ?1 AND stix_id = ?2 AND versions = 0",
    [SQ_OBJECT_GET] = "SELECT " SQ_OBJECT_COLS OBJ_FROM " WHERE o.row = ?1",
    [SQ_OBJECT_VERSIONS] = "SELECT " SQ_OBJECT_COLS OBJ_FROM
                           " WHERE o.channel_id = ?1 AND o.stix_id = ?2 ORDER BY o.modified_us",
    /* TAXII 2.1 §3.4 (pagination), §3.5 (filtering) */
    [SQ_OBJECT_LIST] = SQ_OBJECT_LIST_SQL("", ""),
    /* The same for the workflow's objects alone, through their partial
     * index (schema step 8: SQLite uses it only when the query names it
     * or repeats its WHERE term; INDEXED BY makes that certain). */
    [SQ_OBJECT_LIST_WF] =
        SQ_OBJECT_LIST_SQL(" INDEXED BY objects_workflow",
                           " AND o.type IN ('report', 'hotline-request', 'hotline-response')"),
    [SQ_ANY_DELETED] = "SELECT EXISTS (SELECT 1 FROM deleted_objects)",
    [SQ_LOG_ID] = "SELECT l.id FROM logs l JOIN channels c ON c.id = l.channel_id"
                  " WHERE l.party_id = ?1 AND c.name = ?2",
    [SQ_LOG_CREATE] = "INSERT INTO logs(party_id, channel_id)"
                      " SELECT ?1, id FROM channels WHERE name = ?2",
    [SQ_LOG_SIZE] = "SELECT coalesce(max(seq) + 1, 0) FROM log_entries WHERE log_id = ?1",
    [SQ_LOG_INSERT] = "INSERT INTO log_entries(log_id, seq, leaf_hash, object_row, batch)"
                      " VALUES(?1, ?2, ?3, ?4, ?5)",
    [SQ_LOG_ENTRY_GET] = "SELECT seq, leaf_hash, object_row, batch FROM log_entries"
                         " WHERE log_id = ?1 AND seq = ?2",
    /* LEFT JOIN: an entry whose object is missing is corruption, reported,
     * not silently skipped. */
    [SQ_LOG_SCAN] = "SELECT e.seq, e.leaf_hash, e.object_row, e.batch, " SQ_OBJECT_COLS
                    " FROM log_entries e LEFT JOIN objects o ON o.row = e.object_row"
                    " LEFT JOIN channels c ON c.id = o.channel_id"
                    " WHERE e.log_id = ?1 AND e.seq >= ?2 ORDER BY e.seq",
    /* ?2 the subtree's last leaf, ?3 its level (schema step 10) */
    [SQ_TILE_PUT] = "INSERT INTO tiles(log_id, last, level, hash) VALUES(?1, ?2, ?3, ?4)",
    [SQ_TILE_GET] = "SELECT hash FROM tiles WHERE log_id = ?1 AND last = ?2 AND level = ?3",
    [SQ_HEAD_ADD] = "INSERT INTO tree_heads(log_id, size, root, timestamp_us, object_row)"
                    " VALUES(?1, ?2, ?3, ?4, ?5)",
    [SQ_HEAD_LATEST] = "SELECT id, size, root, timestamp_us, object_row FROM tree_heads"
                       " WHERE log_id = ?1 ORDER BY size DESC, id DESC LIMIT 1",
    [SQ_HEAD_LIST] = "SELECT id, size, root, timestamp_us, object_row FROM tree_heads"
                     " WHERE log_id = ?1 ORDER BY size, id",
    [SQ_HEAD_COVERING] = "SELECT id, size, root, timestamp_us, object_row FROM tree_heads"
                         " WHERE log_id = ?1 AND size > ?2 ORDER BY size, id LIMIT 1",
    [SQ_RECEIPT_ADD] = "INSERT INTO receipts(witness_id, log_id, size, root, object_row)"
                       " VALUES(?1, ?2, ?3, ?4, ?5)",
    [SQ_RECEIPT_LATEST] = "SELECT id, witness_id, size, root, object_row FROM receipts"
                          " WHERE log_id = ?1 AND witness_id = ?2 AND refuted = 0"
                          " ORDER BY size DESC, id DESC LIMIT 1",
    /* one descent of receipts_size (schema step 11) */
    [SQ_RECEIPT_GREATEST] = "SELECT id, witness_id, size, root, object_row FROM receipts"
                            " WHERE log_id = ?1 AND refuted = 0"
                            " ORDER BY size DESC, id DESC LIMIT 1",
    [SQ_RECEIPT_REFUTE] = "UPDATE receipts SET refuted = 1"
                          " WHERE log_id = ?1 AND witness_id = ?2 AND size > ?3 AND refuted = 0",
    [SQ_RECEIPT_LIST] = "SELECT id, witness_id, size, root, object_row FROM receipts"
                        " WHERE log_id = ?1 ORDER BY size, id",
    [SQ_STATUS_PUT] = "INSERT INTO statuses(id, channel_id, created_us, body)"
                      " VALUES(?1, ?2, ?3, ?4) ON CONFLICT(id) DO UPDATE SET"
                      " channel_id = excluded.channel_id, created_us = excluded.created_us,"
                      " body = excluded.body",
    [SQ_STATUS_GET] = "SELECT body FROM statuses WHERE id = ?1",
    /* reads only the ?2 oldest records (schema step 15) */
    [SQ_STATUS_PRUNE] = "DELETE FROM statuses WHERE row IN (SELECT row FROM"
                        " (SELECT row, created_us FROM statuses ORDER BY row LIMIT ?2)"
                        " WHERE created_us < ?1)",
    [SQ_REPL_SET] = "INSERT INTO repl_cursors(peer_id, channel_id, push_row, pull_added_us,"
                    " pull_next) VALUES(?1, ?2, ?3, ?4, ?5) ON CONFLICT(peer_id, channel_id)"
                    " DO UPDATE SET push_row = excluded.push_row,"
                    " pull_added_us = excluded.pull_added_us, pull_next = excluded.pull_next",
    [SQ_REPL_GET] = "SELECT push_row, pull_added_us, pull_next FROM repl_cursors"
                    " WHERE peer_id = ?1 AND channel_id = ?2",
    /* Users (sqlite_user.c). */
    [SQ_USER_ADD] = "INSERT INTO users(name, token_hash, admin, created_us, party_id)"
                    " VALUES(?1, ?2, ?3, ?4, ?5)",
    [SQ_USER_GET] = "SELECT id, name, token_hash, admin, created_us, party_id FROM users"
                    " WHERE name = ?1",
    [SQ_USER_BY_TOKEN] = "SELECT id, name, token_hash, admin, created_us, party_id FROM users"
                         " WHERE token_hash = ?1",
    [SQ_USER_TOKEN_SET] = "UPDATE users SET token_hash = ?2 WHERE name = ?1",
    [SQ_USER_REMOVE] = "DELETE FROM users WHERE name = ?1",
    [SQ_USER_LIST] = "SELECT id, name, token_hash, admin, created_us, party_id FROM users"
                     " ORDER BY name",
    [SQ_USER_RIGHT_PUT] =
        "INSERT INTO user_rights(user_id, channel_id, rights) VALUES(?1, ?2, ?3)"
        " ON CONFLICT(user_id, channel_id) DO UPDATE SET rights = excluded.rights",
    [SQ_USER_RIGHT_DELETE] = "DELETE FROM user_rights WHERE user_id = ?1 AND channel_id = ?2",
    [SQ_USER_RIGHTS] = "SELECT r.rights FROM user_rights r JOIN users u ON u.id = r.user_id"
                       " JOIN channels c ON c.id = r.channel_id WHERE u.name = ?1 AND c.name = ?2",
    [SQ_USER_RIGHT_LIST] = "SELECT c.name, r.rights FROM user_rights r"
                           " JOIN channels c ON c.id = r.channel_id WHERE r.user_id = ?1"
                           " ORDER BY c.name",
    [SQ_OBJECT_DELETE] = "INSERT INTO deleted_objects(row, deleted_us) VALUES(?1, ?2)"
                         " ON CONFLICT(row) DO NOTHING",
    [SQ_LAST_ADDED] = "SELECT coalesce(max(o.date_added_us), 0) FROM objects o"
                      " JOIN channels c ON c.id = o.channel_id WHERE c.name = ?1",
};

/* ---- helpers (sqlite_int.h) --------------------------------------------- */

int sq_fail(struct store_sqlite *q, int rc, const char *what, struct hl_error *err)
{
    const char *msg = q && q->db ? sqlite3_errmsg(q->db) : sqlite3_errstr(rc);
    int code = HL_E_STORE;
    switch (rc) {
    case SQLITE_CONSTRAINT_UNIQUE:
    case SQLITE_CONSTRAINT_PRIMARYKEY:
        code = HL_E_EXISTS;
        break;
    case SQLITE_CONSTRAINT_FOREIGNKEY:
        code = HL_E_NOT_FOUND;
        break;
    case SQLITE_CONSTRAINT_TRIGGER:
        code = HL_E_CONFLICT;
        break;
    case SQLITE_NOMEM:
        code = HL_E_NOMEM;
        break;
    case SQLITE_TOOBIG:
        code = HL_E_TOO_LARGE;
        break;
    case SQLITE_CANTOPEN:
        code = HL_E_IO;
        break;
    case SQLITE_FULL:
        code = HL_E_FULL;
        break;
    default:
        if ((rc & 0xff) == SQLITE_IOERR)
            code = HL_E_IO;
        else if ((rc & 0xff) == SQLITE_READONLY || (rc & 0xff) == SQLITE_PERM)
            code = HL_E_PERM;
    }
    return hl_fail(err, code, what, "store: %s: %s (sqlite %d)", what, msg, rc);
}

int sq_stmt(struct store_sqlite *q, enum sq_stmt_id id, sqlite3_stmt **out, struct hl_error *err)
{
    *out = NULL;
    const char *sql = (unsigned)id < SQ__COUNT ? stmt_sql[id] : NULL;
    if (!sql && (unsigned)id < SQ__COUNT)
        sql = sq_fed_sql(id);
    if (!sql && (unsigned)id < SQ__COUNT)
        sql = sq_wf_sql(id);
    if (!sql)
        return hl_fail(err, HL_E_INTERNAL, "sqlite", "store: no statement %d", (int)id);
    if (!q->stmt[id]) {
        int rc = sqlite3_prepare_v3(q->db, sql, -1, SQLITE_PREPARE_PERSISTENT, &q->stmt[id], NULL);
        if (rc != SQLITE_OK)
            return sq_fail(q, rc, "prepare", err);
    } else if (sqlite3_stmt_busy(q->stmt[id])) {
        /* A callback re-entered the query that is calling it. */
        return hl_fail(err, HL_E_INVALID, "sqlite",
                       "store: a query was called again from its own callback");
    } else {
        sqlite3_reset(q->stmt[id]);
        sqlite3_clear_bindings(q->stmt[id]);
    }
    *out = q->stmt[id];
    return 0;
}

int sq_bind_text(struct store_sqlite *q, sqlite3_stmt *st, int i, const char *t,
                 struct hl_error *err)
{
    int rc = sqlite3_bind_text(st, i, t, -1, SQLITE_STATIC);
    return rc == SQLITE_OK ? 0 : sq_fail(q, rc, "bind", err);
}

int sq_bind_i64(struct store_sqlite *q, sqlite3_stmt *st, int i, int64_t v, struct hl_error *err)
{
    int rc = sqlite3_bind_int64(st, i, v);
    return rc == SQLITE_OK ? 0 : sq_fail(q, rc, "bind", err);
}

int sq_bind_blob(struct store_sqlite *q, sqlite3_stmt *st, int i, const void *p, size_t n,
                 struct hl_error *err)
{
    /* A zero-length blob must be bound as a blob, not as NULL. */
    int rc = n ? sqlite3_bind_blob64(st, i, p, n, SQLITE_STATIC) : sqlite3_bind_zeroblob(st, i, 0);
    return rc == SQLITE_OK ? 0 : sq_fail(q, rc, "bind", err);
}

int sq_step(struct store_sqlite *q, sqlite3_stmt *st, const char *what, struct hl_error *err)
{
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW)
        return 1;
    if (rc == SQLITE_DONE) {
        sqlite3_reset(st);
        return 0;
    }
    /* The extended code, so that constraint kinds are told apart. */
    rc = sqlite3_extended_errcode(q->db);
    int r = sq_fail(q, rc, what, err);
    sqlite3_reset(st);
    return r;
}

int sq_exec(struct store_sqlite *q, sqlite3_stmt *st, const char *what, struct hl_error *err)
{
    int r = sq_step(q, st, what, err);
    if (r == 1) {
        sqlite3_reset(st);
        r = 0;
    }
    return r;
}

static const char *class_name(int t)
{
    switch (t) {
    case SQLITE_INTEGER:
        return "an integer";
    case SQLITE_FLOAT:
        return "a float";
    case SQLITE_TEXT:
        return "text";
    case SQLITE_BLOB:
        return "a blob";
    default:
        return "NULL";
    }
}

static HL_MUST_CHECK int corrupt_class(sqlite3_stmt *st, int col, const char *table, int64_t key,
                                       const char *want, struct hl_error *err)
{
    return hl_fail(err, HL_E_STORE, table,
                   "store corrupt: table %s row %lld: %s is %s, expected %s", table, (long long)key,
                   sqlite3_column_name(st, col), class_name(sqlite3_column_type(st, col)), want);
}

int sq_col_i64(sqlite3_stmt *st, int col, const char *table, int64_t key, int64_t *out,
               struct hl_error *err)
{
    *out = 0;
    if (sqlite3_column_type(st, col) != SQLITE_INTEGER)
        return corrupt_class(st, col, table, key, "an integer", err);
    *out = sqlite3_column_int64(st, col);
    return 0;
}

int sq_col_text_ref(sqlite3_stmt *st, int col, const char *table, int64_t key, size_t max,
                    const char **out, struct hl_error *err)
{
    *out = NULL;
    if (sqlite3_column_type(st, col) != SQLITE_TEXT)
        return corrupt_class(st, col, table, key, "text", err);
    const char *t = (const char *)sqlite3_column_text(st, col);
    if (!t)
        return hl_fail(err, HL_E_NOMEM, table, "store: out of memory reading %s", table);
    size_t n = (size_t)sqlite3_column_bytes(st, col);
    if (n > max || strlen(t) != n)
        return hl_fail(err, HL_E_STORE, table,
                       "store corrupt: table %s row %lld: %s has %zu bytes%s, at most %zu allowed",
                       table, (long long)key, sqlite3_column_name(st, col), n,
                       strlen(t) != n ? " with a NUL inside" : "", max);
    *out = t;
    return 0;
}

int sq_col_text(sqlite3_stmt *st, int col, const char *table, int64_t key, char *out, size_t max,
                struct hl_error *err)
{
    const char *t;
    out[0] = '\0';
    int r = sq_col_text_ref(st, col, table, key, max, &t, err);
    if (!r)
        memcpy(out, t, strlen(t) + 1);
    return r;
}

int sq_col_blob_ref(sqlite3_stmt *st, int col, const char *table, int64_t key, size_t max,
                    const uint8_t **out, size_t *len, struct hl_error *err)
{
    static const uint8_t nothing[1];
    *out = NULL;
    *len = 0;
    if (sqlite3_column_type(st, col) != SQLITE_BLOB)
        return corrupt_class(st, col, table, key, "a blob", err);
    const uint8_t *p = sqlite3_column_blob(st, col);
    size_t n = (size_t)sqlite3_column_bytes(st, col);
    if (!p && n)
        return hl_fail(err, HL_E_NOMEM, table, "store: out of memory reading %s", table);
    if (n > max)
        return hl_fail(err, HL_E_STORE, table,
                       "store corrupt: table %s row %lld: %s has %zu bytes, at most %zu allowed",
                       table, (long long)key, sqlite3_column_name(st, col), n, max);
    *out = p ? p : nothing;
    *len = n;
    return 0;
}

int sq_col_fixed(sqlite3_stmt *st, int col, const char *table, int64_t key, uint8_t *out, size_t n,
                 struct hl_error *err)
{
    const uint8_t *p;
    size_t len;
    memset(out, 0, n);
    int r = sq_col_blob_ref(st, col, table, key, n, &p, &len, err);
    if (r && sqlite3_column_type(st, col) == SQLITE_BLOB)
        len = (size_t)sqlite3_column_bytes(st, col); /* too long: say how long */
    else if (r)
        return r;
    if (len != n)
        return hl_fail(err, HL_E_STORE, table,
                       "store corrupt: table %s row %lld: %s has %zu bytes, expected %zu", table,
                       (long long)key, sqlite3_column_name(st, col), len, n);
    memcpy(out, p, n);
    return 0;
}

int sq_col_object(sqlite3_stmt *st, int first, struct store_object *o, struct hl_error *err)
{
    memset(o, 0, sizeof *o);
    int r = sq_col_i64(st, first, "objects", -1, &o->row, err);
    if (!r)
        r = sq_col_text_ref(st, first + 1, "objects", o->row, STORE_TEXT_MAX, &o->channel, err);
    if (!r)
        r = sq_col_text_ref(st, first + 2, "objects", o->row, STORE_TEXT_MAX, &o->stix_id, err);
    if (!r)
        r = sq_col_text_ref(st, first + 3, "objects", o->row, STORE_TEXT_MAX, &o->type, err);
    if (!r)
        r = sq_col_i64(st, first + 4, "objects", o->row, &o->modified_us, err);
    if (!r)
        r = sq_col_i64(st, first + 5, "objects", o->row, &o->date_added_us, err);
    if (!r)
        r = sq_col_blob_ref(st, first + 6, "objects", o->row, STORE_JSON_MAX, &o->json,
                            &o->json_len, err);
    return r;
}

/* BEGIN IMMEDIATE at the sync level the transaction needs; counted. */
static int begin_write(struct store_sqlite *q, bool synced, struct hl_error *err)
{
    sqlite3_stmt *st = NULL;
    int r = sq_sync_level(q, synced, err);
    if (!r)
        r = sq_stmt(q, SQ_BEGIN, &st, err);
    if (!r)
        r = sq_exec(q, st, "begin", err);
    q->write_tx += r == 0;
    return r;
}

int sq_tx_enter(struct store_sqlite *q, bool *own, struct hl_error *err)
{
    *own = false;
    if (!sqlite3_get_autocommit(q->db))
        return 0;
    int r = begin_write(q, true, err);
    *own = r == 0;
    return r;
}

int sq_tx_leave(struct store_sqlite *q, bool own, int r, struct hl_error *err)
{
    if (!own)
        return r;
    sqlite3_stmt *st = NULL;
    if (r == 0) {
        r = sq_stmt(q, SQ_COMMIT, &st, err);
        if (!r)
            r = sq_exec(q, st, "commit", err);
        if (!r)
            return 0;
    }
    sq_cache_forget(q);
    if (!sqlite3_get_autocommit(q->db))
        (void)sqlite3_exec(q->db, "ROLLBACK", NULL, NULL, NULL);
    return r;
}

int sq_channel_id(struct store_sqlite *q, const char *name, int64_t *out, struct hl_error *err)
{
    sqlite3_stmt *st = NULL;
    *out = 0;
    if (q->cache.channel_id && strcmp(q->cache.channel_name, name) == 0) {
        *out = q->cache.channel_id;
        return 0;
    }
    int r = sq_stmt(q, SQ_CHANNEL_ID, &st, err);
    if (!r)
        r = sq_bind_text(q, st, 1, name, err);
    if (!r)
        r = sq_step(q, st, "channel", err);
    if (r == 0)
        return hl_fail(err, HL_E_NOT_FOUND, name, "store: no channel \"%s\"", name);
    if (r == 1)
        r = sq_col_i64(st, 0, "channels", -1, out, err);
    sqlite3_reset(st);
    size_t n = strlen(name);
    if (r == 0 && n <= STORE_TEXT_MAX) {
        memcpy(q->cache.channel_name, name, n + 1);
        q->cache.channel_id = *out;
    }
    return r;
}

static void log_id_remember(struct store_sqlite *q, const char *party_id, const char *channel,
                            int64_t id)
{
    size_t lp = strlen(party_id), lc = strlen(channel);
    q->cache.log_id = 0;
    if (lp > STORE_TEXT_MAX || lc > STORE_TEXT_MAX)
        return;
    memcpy(q->cache.party, party_id, lp + 1);
    memcpy(q->cache.channel, channel, lc + 1);
    q->cache.log_id = id;
}

static HL_MUST_CHECK int log_id_find(struct store_sqlite *q, const char *party_id,
                                     const char *channel, int64_t *out, struct hl_error *err)
{
    if ((*out = sq_log_cached(q, party_id, channel)) != 0)
        return 0;
    sqlite3_stmt *st = NULL;
    int r = sq_stmt(q, SQ_LOG_ID, &st, err);
    if (!r)
        r = sq_bind_text(q, st, 1, party_id, err);
    if (!r)
        r = sq_bind_text(q, st, 2, channel, err);
    if (!r)
        r = sq_step(q, st, "log", err);
    if (r == 0)
        return hl_fail(err, HL_E_NOT_FOUND, channel, "store: no log of %s in channel \"%s\"",
                       party_id, channel);
    if (r == 1)
        r = sq_col_i64(st, 0, "logs", -1, out, err);
    sqlite3_reset(st);
    if (r == 0)
        log_id_remember(q, party_id, channel, *out);
    return r;
}

int sq_log_id(struct store_sqlite *q, const char *party_id, const char *channel, bool create,
              int64_t *out, struct hl_error *err)
{
    *out = 0;
    int r = log_id_find(q, party_id, channel, out, err);
    if (r != -HL_E_NOT_FOUND || !create)
        return r;
    sqlite3_stmt *st = NULL;
    r = sq_stmt(q, SQ_LOG_CREATE, &st, err);
    if (!r)
        r = sq_bind_text(q, st, 1, party_id, err);
    if (!r)
        r = sq_bind_text(q, st, 2, channel, err);
    if (!r)
        r = sq_exec(q, st, "log", err);
    if (r == -HL_E_NOT_FOUND) /* foreign key: the party is unknown */
        return hl_fail(err, HL_E_NOT_FOUND, party_id, "store: no party %s", party_id);
    if (r)
        return r;
    if (sqlite3_changes(q->db) == 0)
        return hl_fail(err, HL_E_NOT_FOUND, channel, "store: no channel \"%s\"", channel);
    *out = sqlite3_last_insert_rowid(q->db);
    return 0;
}

/* ---- open, close, transactions, check ----------------------------------- */

static HL_MUST_CHECK int configure(struct store_sqlite *q, unsigned busy_ms, bool concurrent,
                                   struct hl_error *err)
{
    q->busy_ms = (int)(busy_ms ? busy_ms : 10000);
    int rc = sqlite3_busy_timeout(q->db, q->busy_ms);
    if (rc != SQLITE_OK)
        return sq_fail(q, rc, "busy_timeout", err);
    rc = sqlite3_extended_result_codes(q->db, 1);
    if (rc == SQLITE_OK)
        rc = sqlite3_db_config(q->db, SQLITE_DBCONFIG_TRUSTED_SCHEMA, 0, (int *)NULL);
    if (rc == SQLITE_OK)
        rc = sqlite3_db_config(q->db, SQLITE_DBCONFIG_DEFENSIVE, 1, (int *)NULL);
    if (rc != SQLITE_OK)
        return sq_fail(q, rc, "configure", err);
    static const char *const pragmas[] = {
        "PRAGMA journal_mode = WAL",
        "PRAGMA synchronous = FULL",
        "PRAGMA foreign_keys = ON",
        /* 32 MiB of page cache (default 2 MiB): the indexes over random STIX
         * ids and the tiles stay in memory far longer as a node grows. */
        "PRAGMA cache_size = -32768",
        /* A journal that a burst grew past 64 MiB is cut back to it when it
         * restarts (store_checkpoint_restart); below that its blocks stay
         * allocated, so that a commit overwrites them instead of growing
         * the file (an fdatasync that must also write the inode). */
        "PRAGMA journal_size_limit = 67108864",
    };
    for (size_t i = 0; i < sizeof pragmas / sizeof pragmas[0]; i++) {
        rc = sqlite3_exec(q->db, pragmas[i], NULL, NULL, NULL);
        if (rc != SQLITE_OK)
            return sq_fail(q, rc, pragmas[i], err);
    }
    /* Alone in its process, a connection reads through a memory map of the
     * file (up to SQLite's ceiling, 2 GiB in Debian's build) instead of a
     * pread and a copy per page: an audit of 10^6 entries reads every
     * page. Writes still go through the WAL. An I/O error while reading
     * then shows as SIGBUS instead of an error code (SQLite's documented
     * trade). A concurrent connection (store_options) does without: in
     * hotline serve the map's resets were most requests' first query, 52
     * us median and 149 at p90 against 16 and 30 without; bench_fed (b)
     * spent some 10% less CPU per object without it (bench/README.md). */
    if (!concurrent &&
        (rc = sqlite3_exec(q->db, "PRAGMA mmap_size = 2147418112", NULL, NULL, NULL)) != SQLITE_OK)
        return sq_fail(q, rc, "mmap_size", err);
    return 0;
}

static void sq_close(struct store *s)
{
    struct store_sqlite *q = sq_of(s);
    if (q->db && !sqlite3_get_autocommit(q->db))
        (void)sqlite3_exec(q->db, "ROLLBACK", NULL, NULL, NULL);
    for (int i = 0; i < SQ__COUNT; i++)
        sqlite3_finalize(q->stmt[i]);
    sqlite3_close(q->db);
    free(q);
}

/* WAL mode with synchronous = NORMAL: a commit appends to the WAL without
 * its fsync; FULL (the default here) adds it. A pragma takes effect when
 * it is prepared, so it runs through sqlite3_exec, not a kept statement. */
int sq_sync_level(struct store_sqlite *q, bool synced, struct hl_error *err)
{
    if (q->unsynced == !synced)
        return 0;
    int rc =
        sqlite3_exec(q->db, synced ? "PRAGMA synchronous = FULL" : "PRAGMA synchronous = NORMAL",
                     NULL, NULL, NULL);
    if (rc != SQLITE_OK)
        return sq_fail(q, rc, "begin", err);
    q->unsynced = !synced;
    return 0;
}

/* Back to FULL once an unsynced transaction ends, so that a statement
 * outside any transaction is synced too; if that fails, the next begin
 * tries again and fails if it cannot. */
static void sq_sync_reset(struct store_sqlite *q)
{
    struct hl_error ignored;
    if (q->unsynced && sqlite3_get_autocommit(q->db))
        (void)(sq_sync_level(q, true, &ignored) == 0);
}

static int sq_begin(struct store *s, bool synced, struct hl_error *err)
{
    struct store_sqlite *q = sq_of(s);
    if (!sqlite3_get_autocommit(q->db))
        return hl_fail(err, HL_E_INVALID, "begin", "store: a transaction is already open");
    return begin_write(q, synced, err);
}

/* A deferred transaction that only reads sees one snapshot of the WAL
 * database from its first read to its end, without blocking writers. */
static int sq_begin_read(struct store *s, struct hl_error *err)
{
    struct store_sqlite *q = sq_of(s);
    if (!sqlite3_get_autocommit(q->db))
        return hl_fail(err, HL_E_INVALID, "begin", "store: a transaction is already open");
    sqlite3_stmt *st = NULL;
    q->write_tx++; /* it may write later: it is a transaction of its own */
    int r = sq_sync_level(q, true, err);
    if (!r)
        r = sq_stmt(q, SQ_BEGIN_READ, &st, err);
    return r ? r : sq_exec(q, st, "begin", err);
}

static int sq_commit(struct store *s, struct hl_error *err)
{
    struct store_sqlite *q = sq_of(s);
    if (sqlite3_get_autocommit(q->db))
        return hl_fail(err, HL_E_INVALID, "commit", "store: no transaction is open");
    sqlite3_stmt *st = NULL;
    int r = sq_stmt(q, SQ_COMMIT, &st, err);
    if (!r)
        r = sq_exec(q, st, "commit", err);
    if (r) {
        sq_cache_forget(q);
        if (!sqlite3_get_autocommit(q->db))
            (void)sqlite3_exec(q->db, "ROLLBACK", NULL, NULL, NULL);
    }
    sq_sync_reset(q);
    return r;
}

static int sq_checkpoint(struct store *s, int64_t *left, struct hl_error *err)
{
    struct store_sqlite *q = sq_of(s);
    int frames = -1, copied = -1;
    int rc = sqlite3_wal_checkpoint_v2(q->db, NULL, SQLITE_CHECKPOINT_PASSIVE, &frames, &copied);
    *left = frames >= 0 && copied >= 0 && copied < frames ? frames - copied : 0;
    return rc == SQLITE_OK || rc == SQLITE_BUSY || rc == SQLITE_LOCKED
               ? 0
               : sq_fail(q, rc, "checkpoint", err);
}

/* The busy handler of a restart: polls every 50 us until the deadline,
 * instead of SQLite's sleeps of 1 ms and more. */
static int restart_busy(void *arg, int count)
{
    const int64_t *deadline_us = arg;
    (void)count;
    if (hl_mono_us() >= *deadline_us)
        return 0;
    struct timespec t = {0, 50 * 1000};
    nanosleep(&t, NULL);
    return 1;
}

static int sq_checkpoint_restart(struct store *s, unsigned wait_us, bool *restarted,
                                 struct hl_error *err)
{
    struct store_sqlite *q = sq_of(s);
    int64_t deadline_us = hl_mono_us() + wait_us;
    int rc = sqlite3_busy_handler(q->db, restart_busy, &deadline_us);
    if (rc == SQLITE_OK)
        rc = sqlite3_wal_checkpoint_v2(q->db, NULL, SQLITE_CHECKPOINT_RESTART, NULL, NULL);
    int rc2 = sqlite3_busy_timeout(q->db, q->busy_ms);
    if (rc == SQLITE_OK)
        rc = rc2;
    *restarted = rc == SQLITE_OK;
    return rc == SQLITE_OK || rc == SQLITE_BUSY || rc == SQLITE_LOCKED
               ? 0
               : sq_fail(q, rc, "checkpoint", err);
}

static int sq_rollback(struct store *s, struct hl_error *err)
{
    struct store_sqlite *q = sq_of(s);
    /* A cached id may name a row the rollback removes - only if this
     * transaction wrote: ending a read keeps them (a TAXII GET ends each
     * request with a rollback). */
    if (sqlite3_txn_state(q->db, NULL) == SQLITE_TXN_WRITE)
        sq_cache_forget(q);
    if (sqlite3_get_autocommit(q->db))
        return 0;
    sqlite3_stmt *st = NULL;
    int r = sq_stmt(q, SQ_ROLLBACK, &st, err);
    r = r ? r : sq_exec(q, st, "rollback", err);
    sq_sync_reset(q);
    return r;
}

static const char *text_or(const unsigned char *t)
{
    return t ? (const char *)t : "?";
}

/* PRAGMA integrity_check, then foreign_key_check: the first problem. */
static int sq_check(struct store *s, struct hl_error *err)
{
    struct store_sqlite *q = sq_of(s);
    sqlite3_stmt *st = NULL;
    int rc = sqlite3_prepare_v2(q->db, "PRAGMA integrity_check", -1, &st, NULL);
    if (rc != SQLITE_OK)
        return sq_fail(q, rc, "integrity_check", err);
    int r = sq_step(q, st, "integrity_check", err);
    const char *t = NULL;
    if (r == 1)
        r = sq_col_text_ref(st, 0, "integrity_check", 0, 65536, &t, err);
    if (!r && t && strcmp(t, "ok") != 0)
        r = hl_fail(err, HL_E_STORE, q->path, "store corrupt: integrity_check: %s", t);
    sqlite3_finalize(st);
    if (r)
        return r;
    rc = sqlite3_prepare_v2(q->db, "PRAGMA foreign_key_check", -1, &st, NULL);
    if (rc != SQLITE_OK)
        return sq_fail(q, rc, "foreign_key_check", err);
    r = sq_step(q, st, "foreign_key_check", err);
    if (r == 1)
        r = hl_fail(err, HL_E_STORE, q->path,
                    "store corrupt: table %s row %lld points at a missing %s row",
                    text_or(sqlite3_column_text(st, 0)), (long long)sqlite3_column_int64(st, 1),
                    text_or(sqlite3_column_text(st, 2)));
    sqlite3_finalize(st);
    return r;
}

/* ---- meta ----------------------------------------------------------------- */

static int sq_meta_set(struct store *s, const char *key, const char *value, struct hl_error *err)
{
    struct store_sqlite *q = sq_of(s);
    sqlite3_stmt *st = NULL;
    int r = sq_stmt(q, SQ_META_SET, &st, err);
    if (!r)
        r = sq_bind_text(q, st, 1, key, err);
    if (!r)
        r = sq_bind_text(q, st, 2, value, err);
    return r ? r : sq_exec(q, st, "meta", err);
}

static int sq_meta_get(struct store *s, const char *key, char *out, struct hl_error *err)
{
    struct store_sqlite *q = sq_of(s);
    sqlite3_stmt *st = NULL;
    int r = sq_stmt(q, SQ_META_GET, &st, err);
    if (!r)
        r = sq_bind_text(q, st, 1, key, err);
    if (!r)
        r = sq_step(q, st, "meta", err);
    if (r == 0)
        return hl_fail(err, HL_E_NOT_FOUND, key, "store: no metadata \"%s\"", key);
    if (r == 1)
        r = sq_col_text(st, 0, "meta", 0, out, STORE_TEXT_MAX, err);
    sqlite3_reset(st);
    return r;
}

/* ---- parties ---------------------------------------------------------- */

static HL_MUST_CHECK int party_read(sqlite3_stmt *st, struct store_party *p, struct hl_error *err)
{
    memset(p, 0, sizeof *p);
    int r = sq_col_text(st, 0, "parties", 0, p->id, STORE_TEXT_MAX, err);
    if (!r)
        r = sq_col_text(st, 1, "parties", 0, p->name, STORE_TEXT_MAX, err);
    if (!r)
        r = sq_col_fixed(st, 2, "parties", 0, p->public_key, STORE_KEY_BYTES, err);
    if (!r && sqlite3_column_count(st) > 3) /* a member list's row */
        r = sq_col_i64(st, 3, "channel_members", 0, &p->retired_us, err);
    if (!r && p->retired_us < 0)
        r = hl_fail(err, HL_E_STORE, "channel_members",
                    "store corrupt: table channel_members: negative retired_us");
    return r;
}

static int sq_party_put(struct store *s, const struct store_party *p, struct hl_error *err)
{
    struct store_sqlite *q = sq_of(s);
    sqlite3_stmt *st = NULL;
    int r = sq_stmt(q, SQ_PARTY_PUT, &st, err);
    if (!r)
        r = sq_bind_text(q, st, 1, p->id, err);
    if (!r)
        r = sq_bind_text(q, st, 2, p->name, err);
    if (!r)
        r = sq_bind_blob(q, st, 3, p->public_key, STORE_KEY_BYTES, err);
    return r ? r : sq_exec(q, st, "party", err);
}

static int sq_party_get(struct store *s, const char *id, struct store_party *out,
                        struct hl_error *err)
{
    struct store_sqlite *q = sq_of(s);
    sqlite3_stmt *st = NULL;
    int r = sq_stmt(q, SQ_PARTY_GET, &st, err);
    if (!r)
        r = sq_bind_text(q, st, 1, id, err);
    if (!r)
        r = sq_step(q, st, "party", err);
    if (r == 0)
        return hl_fail(err, HL_E_NOT_FOUND, id, "store: no party %s", id);
    if (r == 1)
        r = party_read(st, out, err);
    sqlite3_reset(st);
    return r;
}

/* Runs a party query whose parameters are bound, calling fn per row. */
static HL_MUST_CHECK int party_rows(struct store_sqlite *q, sqlite3_stmt *st, store_party_fn fn,
                                    void *ctx, struct hl_error *err)
{
    struct store_party p;
    int r;
    while ((r = sq_step(q, st, "party", err)) == 1) {
        r = party_read(st, &p, err);
        if (!r)
            r = fn(ctx, &p);
        if (r)
            break;
    }
    sqlite3_reset(st);
    return r;
}

static int sq_party_list(struct store *s, store_party_fn fn, void *ctx, struct hl_error *err)
{
    struct store_sqlite *q = sq_of(s);
    sqlite3_stmt *st = NULL;
    int r = sq_stmt(q, SQ_PARTY_LIST, &st, err);
    return r ? r : party_rows(q, st, fn, ctx, err);
}

/* ---- channels ------------------------------------------------------------ */

static HL_MUST_CHECK int channel_read(sqlite3_stmt *st, struct store_channel *c,
                                      struct hl_error *err)
{
    int64_t id = 0;
    memset(c, 0, sizeof *c);
    int r = sq_col_i64(st, 0, "channels", -1, &id, err);
    if (!r)
        r = sq_col_text(st, 1, "channels", id, c->name, STORE_TEXT_MAX, err);
    if (!r)
        r = sq_col_i64(st, 2, "channels", id, &c->created_us, err);
    return r;
}

static int sq_channel_create(struct store *s, const struct store_channel *c, struct hl_error *err)
{
    struct store_sqlite *q = sq_of(s);
    sqlite3_stmt *st = NULL;
    int r = sq_stmt(q, SQ_CHANNEL_CREATE, &st, err);
    if (!r)
        r = sq_bind_text(q, st, 1, c->name, err);
    if (!r)
        r = sq_bind_i64(q, st, 2, c->created_us, err);
    if (!r)
        r = sq_exec(q, st, "channel", err);
    if (r == -HL_E_EXISTS)
        return hl_fail(err, HL_E_EXISTS, c->name, "store: channel \"%s\" exists", c->name);
    return r;
}

static int sq_channel_get(struct store *s, const char *name, struct store_channel *out,
                          struct hl_error *err)
{
    struct store_sqlite *q = sq_of(s);
    sqlite3_stmt *st = NULL;
    int r = sq_stmt(q, SQ_CHANNEL_GET, &st, err);
    if (!r)
        r = sq_bind_text(q, st, 1, name, err);
    if (!r)
        r = sq_step(q, st, "channel", err);
    if (r == 0)
        return hl_fail(err, HL_E_NOT_FOUND, name, "store: no channel \"%s\"", name);
    if (r == 1)
        r = channel_read(st, out, err);
    sqlite3_reset(st);
    return r;
}

static int sq_channel_list(struct store *s, store_channel_fn fn, void *ctx, struct hl_error *err)
{
    struct store_sqlite *q = sq_of(s);
    sqlite3_stmt *st = NULL;
    struct store_channel c;
    int r = sq_stmt(q, SQ_CHANNEL_LIST, &st, err);
    while (!r && (r = sq_step(q, st, "channel", err)) == 1) {
        r = channel_read(st, &c, err);
        if (!r)
            r = fn(ctx, &c);
    }
    if (st)
        sqlite3_reset(st);
    return r;
}

static int sq_member_add(struct store *s, const char *channel, const char *party_id,
                         struct hl_error *err)
{
    struct store_sqlite *q = sq_of(s);
    sqlite3_stmt *st = NULL;
    int64_t cid;
    int r = sq_channel_id(q, channel, &cid, err);
    if (!r)
        r = sq_stmt(q, SQ_MEMBER_ADD, &st, err);
    if (!r)
        r = sq_bind_i64(q, st, 1, cid, err);
    if (!r)
        r = sq_bind_text(q, st, 2, party_id, err);
    if (!r)
        r = sq_exec(q, st, "member", err);
    if (r == -HL_E_NOT_FOUND && cid)
        return hl_fail(err, HL_E_NOT_FOUND, party_id, "store: no party %s", party_id);
    return r;
}

static int sq_member_list(struct store *s, const char *channel, store_party_fn fn, void *ctx,
                          struct hl_error *err)
{
    struct store_sqlite *q = sq_of(s);
    sqlite3_stmt *st = NULL;
    int64_t cid;
    int r = sq_channel_id(q, channel, &cid, err);
    if (!r)
        r = sq_stmt(q, SQ_MEMBER_LIST, &st, err);
    if (!r)
        r = sq_bind_i64(q, st, 1, cid, err);
    return r ? r : party_rows(q, st, fn, ctx, err);
}

/* ---- open ------------------------------------------------------------------ */

static const struct store_ops sqlite_ops = {
    .close = sq_close,
    .begin = sq_begin,
    .begin_read = sq_begin_read,
    .commit = sq_commit,
    .rollback = sq_rollback,
    .checkpoint = sq_checkpoint,
    .backup = sq_backup,
    .checkpoint_restart = sq_checkpoint_restart,
    .check = sq_check,
    .meta_set = sq_meta_set,
    .meta_get = sq_meta_get,
    .party_put = sq_party_put,
    .party_get = sq_party_get,
    .party_list = sq_party_list,
    .channel_create = sq_channel_create,
    .channel_get = sq_channel_get,
    .channel_list = sq_channel_list,
    .channel_member_add = sq_member_add,
    .channel_member_list = sq_member_list,
    .object_add = sq_object_add,
    .object_get = sq_object_get,
    .object_versions = sq_object_versions,
    .object_held = sq_object_held,
    .object_list = sq_object_list,
    .log_size = sq_log_size,
    .log_append = sq_log_append,
    .log_entry_get = sq_log_entry_get,
    .log_scan = sq_log_scan,
    .tile_put = sq_tile_put,
    .tile_get = sq_tile_get,
    .tree_head_add = sq_tree_head_add,
    .tree_head_latest = sq_tree_head_latest,
    .tree_head_covering = sq_tree_head_covering,
    .tree_head_list = sq_tree_head_list,
    .receipt_add = sq_receipt_add,
    .receipt_latest = sq_receipt_latest,
    .receipt_refute = sq_receipt_refute,
    .receipt_list = sq_receipt_list,
    .status_put = sq_status_put,
    .status_get = sq_status_get,
    .status_prune = sq_status_prune,
    .repl_set = sq_repl_set,
    .repl_get = sq_repl_get,
    .user_add = sq_user_add,
    .user_get = sq_user_get,
    .user_find_token = sq_user_find_token,
    .user_token_set = sq_user_token_set,
    .user_remove = sq_user_remove,
    .user_list = sq_user_list,
    .user_right_set = sq_user_right_set,
    .user_rights = sq_user_rights,
    .user_right_list = sq_user_right_list,
    .object_delete = sq_object_delete,
    .last_added = sq_last_added,
    .peer_put = sq_peer_put,
    .peer_get = sq_peer_get,
    .peer_list = sq_peer_list,
    .peer_remove = sq_peer_remove,
    .pending_add = sq_pending_add,
    .pending_list = sq_pending_list,
    .pending_remove = sq_pending_remove,
    .member_retire = sq_member_retire,
    .member_retired = sq_member_retired,
    .channel_active = sq_channel_active,
    .alarm_add = sq_alarm_add,
    .alarm_list = sq_alarm_list,
    .repl_state_put = sq_repl_state_put,
    .repl_state_get = sq_repl_state_get,
    .tlp_hold = sq_tlp_hold,
    .tlp_find = sq_tlp_find,
    .policy_set = sq_policy_set,
    .policy_get = sq_policy_get,
    .escalation_add = sq_escalation_add,
    .escalation_hook_set = sq_escalation_hook_set,
    .escalation_list = sq_escalation_list,
};

int store_sqlite_open(const char *path, const struct store_options *opt, struct store **out,
                      struct hl_error *err)
{
    *out = NULL;
    struct store_sqlite *q = calloc(1, sizeof *q);
    if (!q)
        return hl_fail(err, HL_E_NOMEM, path, "store: out of memory");
    q->base.ops = &sqlite_ops;
    int n = snprintf(q->path, sizeof q->path, "%s", path);
    if (n < 0 || (size_t)n >= sizeof q->path) {
        free(q);
        return hl_fail(err, HL_E_TOO_LARGE, NULL, "store: database path is too long");
    }
    int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX | SQLITE_OPEN_EXRESCODE;
    if (!opt->must_exist) {
        flags |= SQLITE_OPEN_CREATE;
        /* A new database is private from its first byte: the node's
         * tokens at its peers live in it. SQLite makes the -wal and -shm
         * files with the mode of this one; an existing file is left as is. */
        int fd = open(path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
        if (fd >= 0)
            close(fd);
    }
    int rc = sqlite3_open_v2(path, &q->db, flags, NULL);
    int r = 0;
    if (rc != SQLITE_OK)
        r = (rc & 0xff) == SQLITE_CANTOPEN
                ? hl_fail(err, opt->must_exist ? HL_E_NOT_FOUND : HL_E_IO, path,
                          "store: cannot open %s: %s", path,
                          q->db ? sqlite3_errmsg(q->db) : sqlite3_errstr(rc))
                : sq_fail(q, rc, path, err);
    if (!r)
        r = configure(q, opt->busy_timeout_ms, opt->concurrent, err);
    if (!r && opt->manual_checkpoint &&
        (rc = sqlite3_exec(q->db, "PRAGMA wal_autocheckpoint = 0", NULL, NULL, NULL)) != SQLITE_OK)
        r = sq_fail(q, rc, "wal_autocheckpoint", err);
    if (!r)
        r = sq_schema_migrate(q, err);
    if (r) {
        sq_close(&q->base);
        return r;
    }
    *out = &q->base;
    return 0;
}
