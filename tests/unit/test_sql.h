/*
 * test_sql.h — reaching past the store interface in a test: runs SQL on a
 * database file directly (sqlite3 API), to make a file as an older hotline
 * wrote it or to corrupt a row the way a hostile file would. Header-only:
 * each test program includes it once, after cmocka.h and sqlite3.h.
 */
#ifndef HL_TEST_SQL_H
#define HL_TEST_SQL_H

#include <stdint.h>

#include "base/base.h"

static inline int test_sql_last(void *ctx, int n, char **values, char **names)
{
    (void)names;
    long long v = 0;
    if (n > 0 && values[0] && !hl_parse_int(values[0], INT64_MIN, INT64_MAX, &v))
        v = -1;
    *(int64_t *)ctx = v;
    return 0;
}

/* Runs SQL on the file at path, bypassing the store, and returns the first
 * column of the last row it produced (0 if none); fails the test if the
 * SQL fails. */
static inline int64_t raw(const char *path, const char *sql)
{
    sqlite3 *db = NULL;
    char *msg = NULL;
    int64_t v = 0;
    assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
    if (sqlite3_exec(db, sql, test_sql_last, &v, &msg) != SQLITE_OK)
        fail_msg("raw sql failed: %s", msg ? msg : "?");
    sqlite3_close(db);
    return v;
}

/* Undoes schema step 10: tiles keyed by (level, index) again, as steps
 * 1-9 kept them (an older hotline's file is made from a current one). */
#define TEST_SQL_UNSTEP10                                                                          \
    "CREATE TABLE tiles_idx(log_id INTEGER NOT NULL REFERENCES logs(id),"                          \
    " level INTEGER NOT NULL CHECK(level BETWEEN 0 AND 63), idx INTEGER NOT NULL CHECK(idx >= 0)," \
    " hash BLOB NOT NULL CHECK(length(hash) = 32),"                                                \
    " PRIMARY KEY(log_id, level, idx)) STRICT, WITHOUT ROWID;"                                     \
    "INSERT INTO tiles_idx SELECT log_id, level, ((last + 1) >> level) - 1, hash FROM tiles;"      \
    "DROP TABLE tiles; ALTER TABLE tiles_idx RENAME TO tiles;"

/* Undoes schema step 11: no index of receipts by size. */
#define TEST_SQL_UNSTEP11 "DROP INDEX receipts_size; ALTER TABLE receipts DROP COLUMN refuted;"

/* Undoes schema step 13 (step 12 changed only repl_state, a table of
 * step 4): no retirement of members. */
#define TEST_SQL_UNSTEP13 "ALTER TABLE channel_members DROP COLUMN retired_us;"

#endif
