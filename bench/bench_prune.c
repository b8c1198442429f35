/*
 * bench_prune.c — what removing old TAXII status records costs the
 * writers of a node: the checkpointing thread of `hotline serve` removes
 * them a step at a time (store_status_prune, NODE_PRUNE_BATCH = 250
 * records, one commit) while holding the process's writer lock, so one
 * step's time is a stall of every POST and push behind it.
 *
 * A store file with BP_RECORDS status records of BP_BODY bytes (the answer
 * to an envelope of 1000 objects is some 90 KB), then one step of 250,
 * timed with its commit and fsync, and the journal it wrote; beside it,
 * in the same run, the same DELETE on a bare SQLite file of the same rows
 * with secure_delete ON, Debian's build default, which store_status_prune
 * turns to FAST for its statement (every freed overflow page would be
 * zeroed through the journal). Medians of BP_RUNS. The files live in a
 * fresh directory under $TMPDIR (else /tmp), removed at exit.
 */
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bench_db.h"
#include "store/store.h"

#define BP_RECORDS 1000
#define BP_STEP 250 /* NODE_PRUNE_BATCH */
#define BP_BODY (90 * 1024)
#define BP_RUNS 3
#define BP_CHANNEL "bench"

static struct bench_db bp_db, bp_bare;

static double now_s(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static void bp_exit(void)
{
    bench_db_remove(&bp_db);
    bench_db_remove(&bp_bare);
    exit(1);
}

static void check(int r, const struct hl_error *err, const char *what)
{
    if (r) {
        fprintf(stderr, "bench_prune: %s: %s%s%s\n", what, err->where, err->where[0] ? ": " : "",
                err->msg);
        bp_exit();
    }
}

static void sql(sqlite3 *db, const char *text)
{
    if (sqlite3_exec(db, text, NULL, NULL, NULL) != SQLITE_OK) {
        fprintf(stderr, "bench_prune: sqlite: %s: %s\n", text, sqlite3_errmsg(db));
        bp_exit();
    }
}

/* MB of the frames the journal (WAL) holds since its last restart: the
 * frames whose salts are the header's (a restart keeps the file's size,
 * so its size says nothing of what a commit wrote). */
static double wal_mb(const char *path)
{
    char wal[700];
    unsigned char hdr[32], fh[24];
    double mb = 0;
    snprintf(wal, sizeof wal, "%s-wal", path);
    FILE *f = fopen(wal, "rb");
    if (!f || fread(hdr, 1, sizeof hdr, f) != sizeof hdr) {
        if (f)
            fclose(f);
        return 0;
    }
    long page = (long)hdr[8] << 24 | (long)hdr[9] << 16 | (long)hdr[10] << 8 | hdr[11];
    while (page > 0 && fread(fh, 1, sizeof fh, f) == sizeof fh &&
           memcmp(fh + 8, hdr + 16, 8) == 0 && fseek(f, page, SEEK_CUR) == 0)
        mb += (double)(page + 24) / 1e6;
    fclose(f);
    return mb;
}

/* One step through the store: ms, and the journal's MB after it. */
static void store_step(const uint8_t *body, double *ms, double *mb)
{
    struct store *s = NULL;
    struct hl_error err;
    size_t removed = 0;
    check(store_open(bp_db.path, NULL, &s, &err), &err, "open");
    struct store_channel c = {.name = BP_CHANNEL, .created_us = 1};
    check(store_channel_create(s, &c, &err), &err, "channel");
    check(store_begin(s, &err), &err, "begin");
    for (int i = 0; i < BP_RECORDS; i++) {
        char id[40];
        snprintf(id, sizeof id, "%08x-0000-4000-8000-%012x", (unsigned)rand(), (unsigned)i);
        check(store_status_put(s, id, BP_CHANNEL, i, body, BP_BODY, &err), &err, "put");
    }
    check(store_commit(s, &err), &err, "commit");
    check(store_checkpoint_restart(s, 0, &(bool){false}, &err), &err, "checkpoint");
    double t = now_s();
    check(store_begin(s, &err), &err, "begin");
    check(store_status_prune(s, BP_RECORDS, BP_STEP, &removed, &err), &err, "prune");
    check(store_commit(s, &err), &err, "commit");
    *ms = (now_s() - t) * 1e3;
    *mb = wal_mb(bp_db.path);
    if (removed != BP_STEP) {
        fprintf(stderr, "bench_prune: removed %zu, not %d\n", removed, BP_STEP);
        bp_exit();
    }
    store_close(s);
}

/* The same rows and DELETE on a bare file, secure_delete ON. */
static void bare_step(const uint8_t *body, double *ms, double *mb)
{
    sqlite3 *db = NULL;
    sqlite3_stmt *st = NULL;
    if (sqlite3_open(bp_bare.path, &db) != SQLITE_OK)
        bp_exit();
    sql(db,
        "PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL; PRAGMA secure_delete = ON;"
        "CREATE TABLE statuses(row INTEGER PRIMARY KEY, id TEXT NOT NULL UNIQUE,"
        " channel_id INTEGER NOT NULL, created_us INTEGER NOT NULL, body BLOB NOT NULL) STRICT");
    sql(db, "BEGIN");
    if (sqlite3_prepare_v2(db,
                           "INSERT INTO statuses(id, channel_id, created_us, body)"
                           " VALUES(?1, 1, ?2, ?3)",
                           -1, &st, NULL) != SQLITE_OK)
        bp_exit();
    for (int i = 0; i < BP_RECORDS; i++) {
        char id[40];
        snprintf(id, sizeof id, "%08x-0000-4000-8000-%012x", (unsigned)rand(), (unsigned)i);
        sqlite3_bind_text(st, 1, id, -1, SQLITE_TRANSIENT);
        sqlite3_bind_int64(st, 2, i);
        sqlite3_bind_blob(st, 3, body, BP_BODY, SQLITE_STATIC);
        if (sqlite3_step(st) != SQLITE_DONE)
            bp_exit();
        sqlite3_reset(st);
    }
    sqlite3_finalize(st);
    sql(db, "COMMIT; PRAGMA wal_checkpoint(TRUNCATE)");
    double t = now_s();
    sql(db, "BEGIN IMMEDIATE; DELETE FROM statuses WHERE row IN (SELECT row FROM"
            " (SELECT row, created_us FROM statuses ORDER BY row LIMIT 250)"
            " WHERE created_us < 1000); COMMIT");
    *ms = (now_s() - t) * 1e3;
    *mb = wal_mb(bp_bare.path);
    sqlite3_close(db);
}

static int cmp(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static double median(double *v)
{
    qsort(v, BP_RUNS, sizeof *v, cmp);
    return v[BP_RUNS / 2];
}

int main(void)
{
    static uint8_t body[BP_BODY];
    double ms[2][BP_RUNS], mb[2][BP_RUNS];
    for (size_t i = 0; i < sizeof body; i++)
        body[i] = (uint8_t)('a' + i % 26);
    for (int r = 0; r < BP_RUNS; r++) {
        bench_db_make(&bp_db, "bench_prune", "store.db");
        bench_db_make(&bp_bare, "bench_prune", "bare.db");
        store_step(body, &ms[0][r], &mb[0][r]);
        bare_step(body, &ms[1][r], &mb[1][r]);
        bench_db_remove(&bp_db);
        bench_db_remove(&bp_bare);
    }
    printf("one prune step, %d of %d status records of %d KB, commit and fsync included;\n"
           "medians of %d runs:\n",
           BP_STEP, BP_RECORDS, BP_BODY / 1024, BP_RUNS);
    printf("  store_status_prune (secure_delete FAST)   %7.1f ms, journal %6.1f MB\n",
           median(ms[0]), median(mb[0]));
    printf("  bare DELETE, secure_delete ON             %7.1f ms, journal %6.1f MB\n",
           median(ms[1]), median(mb[1]));
    return 0;
}
