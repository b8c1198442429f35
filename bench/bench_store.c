/*
 * bench_store.c — the store's share of one log entry, alone: the rows a
 * node writes for every object it publishes or accepts (store_object_add,
 * store_log_append of one entry as an accept makes it, store_tile_put of
 * the subtrees it completes), in write transactions of 1000 objects with
 * their fsync, through the real store API on a real file. No sealing, no
 * JSON: what the schema and its indexes cost per object.
 *
 * Prints microseconds per object (the inserts, and the commit apart); the
 * first five batches warm the cache and are not counted. The time moves
 * with the host's speed; the instructions do not, so the figure to
 * compare two schemas by is
 *     HL_BENCH_BATCHES=16 valgrind --tool=callgrind B/bench/bench_store
 * against HL_BENCH_BATCHES=6, divided by the 10,000 objects between them
 * (bench/README.md). The file lives in a fresh directory under $TMPDIR
 * (else /tmp), removed at exit.
 */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <sodium.h>

#include "bench_db.h"
#include "store/store.h"

#define BS_BATCH 1000
#define BS_WARM 5
#define BS_JSON 1700 /* a sealed indicator's bytes */
#define BS_PARTY "identity--aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa"
#define BS_CHANNEL "bench"

static struct bench_db bs_db;

static double now_s(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static void check(int r, const struct hl_error *err, const char *what)
{
    if (r) {
        fprintf(stderr, "bench_store: %s: %s%s%s\n", what, err->where, err->where[0] ? ": " : "",
                err->msg);
        bench_db_remove(&bs_db);
        exit(1);
    }
}

static void setup(struct store **s, struct hl_error *err)
{
    bench_db_make(&bs_db, "bench_store", "store.db");
    check(store_open(bs_db.path, NULL, s, err), err, "open");
    struct store_party p = {0};
    snprintf(p.id, sizeof p.id, "%s", BS_PARTY);
    snprintf(p.name, sizeof p.name, "a");
    check(store_party_put(*s, &p, err), err, "party");
    struct store_channel c = {.name = BS_CHANNEL, .created_us = 1};
    check(store_channel_create(*s, &c, err), err, "channel");
    check(store_channel_member_add(*s, BS_CHANNEL, BS_PARTY, err), err, "member");
}

/* Object seq and its log entry, with the tiles it completes (log.c). */
static void add_one(struct store *s, int64_t seq, const uint8_t *json, struct hl_error *err)
{
    char id[64];
    uint8_t u[16], h[STORE_HASH_BYTES];
    randombytes_buf(u, sizeof u);
    snprintf(id, sizeof id,
             "note--%02x%02x%02x%02x-%02x%02x-4%x%02x-8%x%02x-%02x%02x%02x%02x%02x%02x", u[0], u[1],
             u[2], u[3], u[4], u[5], u[6] & 15, u[7], u[8] & 15, u[9], u[10], u[11], u[12], u[13],
             u[14], u[15]);
    struct store_object o = {.channel = BS_CHANNEL,
                             .stix_id = id,
                             .type = "note",
                             .modified_us = 1700000000000000 + seq,
                             .date_added_us = 1800000000000000 + seq,
                             .json = json,
                             .json_len = BS_JSON,
                             .sealed_by = BS_PARTY};
    struct store_log_entry e = {.seq = seq, .batch = seq / BS_BATCH};
    memset(e.leaf_hash, (int)(seq & 0xff), sizeof e.leaf_hash);
    check(store_object_add(s, &o, &e.object_row, err), err, "object");
    check(store_log_append(s, BS_PARTY, BS_CHANNEL, &e, 1, err), err, "entry");
    memset(h, 7, sizeof h);
    int64_t next = seq + 1;
    for (unsigned j = 0; j < 62 && ((next >> (j + 1)) << (j + 1)) == next; j++)
        check(store_tile_put(s, BS_PARTY, BS_CHANNEL, j + 1, (next >> (j + 1)) - 1, h, err), err,
              "tile");
}

int main(void)
{
    struct hl_error err;
    struct store *s = NULL;
    long batches = 40;
    const char *b = getenv("HL_BENCH_BATCHES");
    if (b)
        batches = strtol(b, NULL, 10);
    if (batches <= BS_WARM || batches > 10000 || sodium_init() < 0) {
        fprintf(stderr, "bench_store: HL_BENCH_BATCHES must be %d..10000\n", BS_WARM + 1);
        return 2;
    }
    hl_error_clear(&err);
    setup(&s, &err);
    uint8_t *json = malloc(BS_JSON);
    if (!json)
        return 1;
    memset(json, 'x', BS_JSON);
    double ins = 0, commit = 0;
    int64_t seq = 0;
    for (long k = 0; k < batches; k++) {
        double t0 = now_s();
        check(store_begin(s, &err), &err, "begin");
        for (int i = 0; i < BS_BATCH; i++, seq++)
            add_one(s, seq, json, &err);
        double t1 = now_s();
        check(store_commit(s, &err), &err, "commit");
        double t2 = now_s();
        if (k >= BS_WARM) {
            ins += t1 - t0;
            commit += t2 - t1;
        }
        if (k % 10 == 9)
            check(store_checkpoint(s, NULL, &err), &err, "checkpoint");
    }
    double n = (double)(batches - BS_WARM) * BS_BATCH;
    printf("store rows of one entry (object, log entry, tiles), %ld batches of %d: inserts %.2f "
           "us/object, commit %.2f us/object\n",
           batches - BS_WARM, BS_BATCH, ins / n * 1e6, commit / n * 1e6);
    free(json);
    store_close(s);
    bench_db_remove(&bs_db);
    return 0;
}
