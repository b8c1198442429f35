/*
 * crash_writer.c — the writer and the checker of the crash test
 * (crash.sh), through the real store interface.
 *
 *   crash_writer write DB SEED [BATCHES]
 *       Appends batches to the log (party P, channel "crash"): each batch
 *       holds 1..200 objects of about 1 KB, added with their log entries
 *       in ONE transaction (one fsync). After each commit returns it prints
 *       "acked N" (N = log size) and flushes: what it printed is durable.
 *       Runs until killed, or for BATCHES batches.
 *   crash_writer check DB ACKED
 *       After a crash: the database passes the engine's integrity check;
 *       the log holds at least ACKED entries with seqs 0..n-1 (the store
 *       reports gaps as corruption); and every batch is whole: the entries
 *       of batch b are consecutive, each says it is index i of k in batch
 *       b, and exactly k of them are there (all or nothing).
 * Exit: 0 ok, 1 check failed, 2 usage or store error.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "store/store.h"

#define PARTY "identity--cccccccc-0000-4000-8000-00000000c0de"
#define CHANNEL "crash"
#define MAX_BATCH 200
#define PAYLOAD_BYTES 1000

static uint64_t rng_state;

static uint64_t rng_next(void)
{
    /* xorshift64* */
    rng_state ^= rng_state >> 12;
    rng_state ^= rng_state << 25;
    rng_state ^= rng_state >> 27;
    return rng_state * 2685821657736338717ULL;
}

static int fail(const char *what, const struct hl_error *err)
{
    fprintf(stderr, "crash_writer: %s: %s\n", what, err->msg);
    return 2;
}

static int prepare(struct store *s, struct hl_error *err)
{
    struct store_party p = {.id = PARTY, .name = "crash"};
    struct store_channel c = {.name = CHANNEL, .created_us = 1};
    int r = store_party_put(s, &p, err);
    if (r)
        return r;
    r = store_channel_create(s, &c, err);
    return r == -HL_E_EXISTS ? 0 : r;
}

/* Appends one batch of k objects, numbered from seq, as batch b. */
static int append_batch(struct store *s, int64_t seq, int64_t b, size_t k, struct hl_error *err)
{
    static struct store_log_entry e[MAX_BATCH];
    char json[PAYLOAD_BYTES + 128], id[80];
    int r = store_begin(s, err);
    for (size_t i = 0; !r && i < k; i++) {
        int n = snprintf(json, sizeof json,
                         "{\"batch\":%" PRId64 ",\"size\":%zu,\"index\":%zu,"
                         "\"pad\":\"%0*d\"}",
                         b, k, i, PAYLOAD_BYTES - 60, 0);
        int m =
            snprintf(id, sizeof id, "note--00000000-0000-4000-8000-%012" PRId64, seq + (int64_t)i);
        if (n < 0 || (size_t)n >= sizeof json || m < 0 || (size_t)m >= sizeof id)
            return hl_fail(err, HL_E_INTERNAL, NULL, "payload truncated");
        struct store_object o = {.channel = CHANNEL,
                                 .stix_id = id,
                                 .type = "note",
                                 .modified_us = 1,
                                 .date_added_us = seq + (int64_t)i,
                                 .json = (const uint8_t *)json,
                                 .json_len = (size_t)n};
        memset(&e[i], 0, sizeof e[i]);
        e[i].seq = seq + (int64_t)i;
        e[i].batch = b;
        memcpy(e[i].leaf_hash, &e[i].seq, sizeof e[i].seq);
        r = store_object_add(s, &o, &e[i].object_row, err);
    }
    if (!r)
        r = store_log_append(s, PARTY, CHANNEL, e, k, err);
    if (!r)
        return store_commit(s, err);
    struct hl_error ignored;
    if (store_rollback(s, &ignored)) {
        /* closing the store rolls back anyway */
    }
    return r;
}

static int last_batch(void *ctx, const struct store_log_entry *e, const struct store_object *o)
{
    (void)o;
    *(int64_t *)ctx = e->batch;
    return 0;
}

static int do_write(const char *db, uint64_t seed, long long batches)
{
    struct hl_error err = {0};
    struct store *s = NULL;
    int64_t size = 0, b = 0;
    rng_state = seed * 2 + 1;
    int r = store_open(db, NULL, &s, &err);
    if (!r)
        r = prepare(s, &err);
    if (!r)
        r = store_log_size(s, PARTY, CHANNEL, &size, &err);
    if (!r && size > 0)
        r = store_log_scan(s, PARTY, CHANNEL, size - 1, last_batch, &b, &err);
    for (long long i = 0; !r && (batches < 0 || i < batches); i++) {
        size_t k = 1 + (size_t)(rng_next() % MAX_BATCH);
        b++;
        r = append_batch(s, size, b, k, &err);
        if (!r) {
            size += (int64_t)k;
            printf("acked %" PRId64 "\n", size);
            fflush(stdout);
        }
    }
    store_close(s);
    return r ? fail("write", &err) : 0;
}

struct checker {
    int64_t batch, size, next_index, n_batches;
    char problem[256];
};

static int check_entry(void *ctx, const struct store_log_entry *e, const struct store_object *o)
{
    struct checker *c = ctx;
    char text[128];
    long long b, k, i;
    size_t n = o->json_len < sizeof text - 1 ? o->json_len : sizeof text - 1;
    memcpy(text, o->json, n);
    text[n] = '\0';
    if (sscanf(text, "{\"batch\":%lld,\"size\":%lld,\"index\":%lld", &b, &k, &i) != 3 ||
        b != e->batch) {
        snprintf(c->problem, sizeof c->problem, "seq %" PRId64 ": payload does not match entry",
                 e->seq);
        return 1;
    }
    if (c->next_index == c->size) { /* previous batch complete: a new one starts */
        if (i != 0 || b == c->batch) {
            snprintf(c->problem, sizeof c->problem,
                     "seq %" PRId64 ": batch %lld starts at index %lld", e->seq, b, i);
            return 1;
        }
        c->batch = b;
        c->size = k;
        c->next_index = 0;
        c->n_batches++;
    }
    if (b != c->batch || k != c->size || i != c->next_index) {
        snprintf(c->problem, sizeof c->problem,
                 "seq %" PRId64 ": batch %" PRId64 " of %" PRId64 " entries is cut at %" PRId64,
                 e->seq, c->batch, c->size, c->next_index);
        return 1;
    }
    c->next_index++;
    return 0;
}

static int do_check(const char *db, long long acked)
{
    struct hl_error err = {0};
    struct store *s = NULL;
    struct store_options opt = {.must_exist = true};
    struct checker c = {.batch = -1};
    int64_t size = 0;
    int r = store_open(db, &opt, &s, &err);
    if (!r)
        r = store_check(s, &err);
    if (!r)
        r = store_log_size(s, PARTY, CHANNEL, &size, &err);
    if (!r)
        r = store_log_scan(s, PARTY, CHANNEL, 0, check_entry, &c, &err);
    store_close(s);
    if (r == 1 || (!r && c.next_index != c.size)) {
        fprintf(stderr, "crash_writer: partial batch: %s\n",
                r == 1 ? c.problem : "the last batch is incomplete");
        return 1;
    }
    if (r)
        return fail("check", &err);
    if (size < acked) {
        fprintf(stderr,
                "crash_writer: lost acknowledged entries: log has %" PRId64 ", acked %lld\n", size,
                acked);
        return 1;
    }
    printf("ok %" PRId64 " entries in %" PRId64 " whole batches (acked %lld)\n", size, c.n_batches,
           acked);
    return 0;
}

int main(int argc, char **argv)
{
    long long n = -1, seed = 0;
    if (argc >= 4 && strcmp(argv[1], "write") == 0 && hl_parse_int(argv[3], 0, INT64_MAX, &seed) &&
        (argc == 4 || (argc == 5 && hl_parse_int(argv[4], 0, INT64_MAX, &n))))
        return do_write(argv[2], (uint64_t)seed, n);
    if (argc == 4 && strcmp(argv[1], "check") == 0 && hl_parse_int(argv[3], 0, INT64_MAX, &n))
        return do_check(argv[2], n);
    fprintf(stderr, "usage: crash_writer write DB SEED [BATCHES] | check DB ACKED\n");
    return 2;
}
