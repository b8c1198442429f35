/*
 * bench_bare.h — the bare cost of making an object durable in a log,
 * without hotline's code around it: what X.590 does per signature once
 * the canonical bytes exist (SHA-256, lowercase hex, Ed25519 over the 64
 * hex characters), and a bare SQLite loop that keeps, per object, a row
 * of its bytes and a row of its 32-byte hash, with the store's pragmas
 * (WAL, synchronous=FULL) and one transaction, so one fsync, per batch.
 *
 * bench_log compares log_append with it (issue 3's ceiling); bench_taxii
 * adds jansson's parse to it for the floor of a POST (issue 4).
 * Header-only; failures print and exit, as benchmarks do.
 */
#ifndef HL_BENCH_BARE_H
#define HL_BENCH_BARE_H

#include <sodium.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>

#include "base/base.h"
#include "ledger/ledger.h"

struct bench_bare_db {
    sqlite3 *db;
    sqlite3_stmt *ins_object, *ins_hash;
};

static inline void bench_bare_die(sqlite3 *db, const char *what)
{
    fprintf(stderr, "bench: sqlite: %s: %s\n", what, db ? sqlite3_errmsg(db) : "no handle");
    exit(1);
}

/* Opens (creates) the bare database at path. */
static inline void bench_bare_db_open(struct bench_bare_db *b, const char *path)
{
    static const char schema[] =
        "PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL;"
        "CREATE TABLE objects(row INTEGER PRIMARY KEY, json BLOB NOT NULL);"
        "CREATE TABLE hashes(row INTEGER PRIMARY KEY, hash BLOB NOT NULL);";
    if (sqlite3_open_v2(path, &b->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL) !=
        SQLITE_OK)
        bench_bare_die(b->db, path);
    if (sqlite3_exec(b->db, schema, NULL, NULL, NULL) != SQLITE_OK)
        bench_bare_die(b->db, "schema");
    if (sqlite3_prepare_v2(b->db, "INSERT INTO objects(json) VALUES (?)", -1, &b->ins_object,
                           NULL) != SQLITE_OK ||
        sqlite3_prepare_v2(b->db, "INSERT INTO hashes(hash) VALUES (?)", -1, &b->ins_hash, NULL) !=
            SQLITE_OK)
        bench_bare_die(b->db, "prepare");
}

static inline void bench_bare_db_close(struct bench_bare_db *b)
{
    sqlite3_finalize(b->ins_object);
    sqlite3_finalize(b->ins_hash);
    sqlite3_close(b->db);
    b->db = NULL;
}

static inline void bench_bare_exec(struct bench_bare_db *b, const char *sql)
{
    if (sqlite3_exec(b->db, sql, NULL, NULL, NULL) != SQLITE_OK)
        bench_bare_die(b->db, sql);
}

/* One object's two rows, inside the caller's transaction. */
static inline void bench_bare_insert(struct bench_bare_db *b, const struct buf *bytes,
                                     const uint8_t hash[static 32])
{
    sqlite3_stmt *st[2] = {b->ins_object, b->ins_hash};
    if (sqlite3_bind_blob(st[0], 1, bytes->data, (int)bytes->len, SQLITE_STATIC) != SQLITE_OK ||
        sqlite3_bind_blob(st[1], 1, hash, 32, SQLITE_STATIC) != SQLITE_OK)
        bench_bare_die(b->db, "bind");
    for (int i = 0; i < 2; i++) {
        if (sqlite3_step(st[i]) != SQLITE_DONE)
            bench_bare_die(b->db, "insert");
        sqlite3_reset(st[i]);
    }
}

/* What X.590 does per signature once the canonical bytes exist: SHA-256,
 * lowercase hex, Ed25519 over the 64 hex characters. */
static inline void bench_bare_sign(const struct seal_key *key, const struct buf *bytes,
                                   uint8_t hash[static 32])
{
    char hex[65];
    uint8_t sig[SEAL_SIG_BYTES];
    if (ledger_sha256(bytes->data, bytes->len, hash)) {
        fprintf(stderr, "bench: SHA-256 failed\n");
        exit(1);
    }
    hl_hex(hex, hash, 32);
    crypto_sign_detached(sig, NULL, (const unsigned char *)hex, 64, key->sk);
}

#endif
