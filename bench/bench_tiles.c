/*
 * bench_tiles.c — why the tiles table is keyed by where a subtree ends
 * (schema step 10): the journal pages one small commit writes, under the
 * key steps 1-9 used, (log_id, level, idx), and under step 10's, (log_id,
 * last leaf, level).
 *
 * Raw SQLite, the table alone, with the store's pragmas: two logs grown
 * to HL_BENCH_ENTRIES entries each (default 100,000) in commits of 1000,
 * then 300 commits that each append one entry to each log — what a member
 * commits for a one-object push (the peer's entry, then its own receipt).
 * Every entry stores the subtrees it completes (log.c). SQLite's WAL hook
 * gives the frames each commit wrote; the journal is emptied after every
 * commit so that the count is that commit's alone. Each frame is a 4 KiB
 * page that the commit's fsync must carry to the disk.
 *
 * The file lives in a fresh directory under $TMPDIR (else /tmp), removed
 * at exit. Figures in bench/README.md ("bench_store").
 */
#include <errno.h>
#include <sqlite3.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bench_db.h"

#define BT_SMALL_COMMITS 300
#define BT_BATCH 1000

static struct bench_db bt_db;
static int bt_frames; /* of the last commit (WAL hook) */

static void bt_die(sqlite3 *db, const char *what)
{
    fprintf(stderr, "bench_tiles: %s: %s\n", what, db ? sqlite3_errmsg(db) : strerror(errno));
    bench_db_remove(&bt_db);
    exit(1);
}

static void bt_exec(sqlite3 *db, const char *sql)
{
    if (sqlite3_exec(db, sql, NULL, NULL, NULL) != SQLITE_OK)
        bt_die(db, sql);
}

static int bt_hook(void *ctx, sqlite3 *db, const char *name, int frames)
{
    (void)ctx;
    (void)db;
    (void)name;
    bt_frames = frames;
    return SQLITE_OK;
}

/* Appends entry seq (0-based) of log to the table: the subtrees of 2, 4,
 * 8, ... leaves that it completes. */
static void bt_append(sqlite3 *db, sqlite3_stmt *st, bool by_last, int log, long long seq)
{
    long long next = seq + 1;
    for (int j = 0; j < 62 && ((next >> (j + 1)) << (j + 1)) == next; j++) {
        long long idx = (next >> (j + 1)) - 1, last = ((idx + 1) << (j + 1)) - 1;
        sqlite3_bind_int(st, 1, log);
        sqlite3_bind_int64(st, 2, by_last ? last : j + 1);
        sqlite3_bind_int64(st, 3, by_last ? j + 1 : idx);
        if (sqlite3_step(st) != SQLITE_DONE)
            bt_die(db, "insert");
        sqlite3_reset(st);
    }
}

/* Journal pages per small commit under one layout. */
static double bt_run(bool by_last, long long entries)
{
    sqlite3 *db = NULL;
    sqlite3_stmt *st = NULL;
    unlink(bt_db.path);
    if (sqlite3_open(bt_db.path, &db) != SQLITE_OK)
        bt_die(db, "open");
    bt_exec(db, "PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL;"
                " PRAGMA wal_autocheckpoint = 0");
    bt_exec(db, by_last ? "CREATE TABLE tiles(log_id INTEGER NOT NULL, last INTEGER NOT NULL,"
                          " level INTEGER NOT NULL, hash BLOB NOT NULL,"
                          " PRIMARY KEY(log_id, last, level)) STRICT, WITHOUT ROWID"
                        : "CREATE TABLE tiles(log_id INTEGER NOT NULL, level INTEGER NOT NULL,"
                          " idx INTEGER NOT NULL, hash BLOB NOT NULL,"
                          " PRIMARY KEY(log_id, level, idx)) STRICT, WITHOUT ROWID");
    if (sqlite3_prepare_v2(db, "INSERT INTO tiles VALUES(?1, ?2, ?3, randomblob(32))", -1, &st,
                           NULL) != SQLITE_OK)
        bt_die(db, "prepare");
    long long seq = 0;
    for (; seq < entries; seq += BT_BATCH) {
        bt_exec(db, "BEGIN IMMEDIATE");
        for (long long k = seq; k < seq + BT_BATCH; k++)
            for (int log = 1; log <= 2; log++)
                bt_append(db, st, by_last, log, k);
        bt_exec(db, "COMMIT; PRAGMA wal_checkpoint(TRUNCATE)");
    }
    sqlite3_wal_hook(db, bt_hook, NULL);
    long frames = 0;
    for (int c = 0; c < BT_SMALL_COMMITS; c++, seq++) {
        bt_exec(db, "BEGIN IMMEDIATE");
        for (int log = 1; log <= 2; log++)
            bt_append(db, st, by_last, log, seq);
        bt_exec(db, "COMMIT");
        frames += bt_frames;
        bt_exec(db, "PRAGMA wal_checkpoint(TRUNCATE)");
    }
    sqlite3_finalize(st);
    sqlite3_close(db);
    return (double)frames / BT_SMALL_COMMITS;
}

int main(void)
{
    long long entries = 100000;
    const char *e = getenv("HL_BENCH_ENTRIES");
    if (e)
        entries = strtoll(e, NULL, 10) / BT_BATCH * BT_BATCH;
    if (entries < BT_BATCH || entries > 100000000) {
        fprintf(stderr, "bench_tiles: HL_BENCH_ENTRIES must be 1000..10^8\n");
        return 2;
    }
    bench_db_make(&bt_db, "bench_tiles", "tiles.db");
    double by_level = bt_run(false, entries), by_last = bt_run(true, entries);
    printf("tiles, two logs of %lld entries, %d commits of one entry to each: journal pages per "
           "commit %.2f keyed (log_id, level, idx), %.2f keyed (log_id, last, level)\n",
           entries, BT_SMALL_COMMITS, by_level, by_last);
    bench_db_remove(&bt_db);
    return 0;
}
