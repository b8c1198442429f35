/*
 * bench_log.c — what a durable append to a hotline log costs next to the
 * bare cost of the same work, and what proofs and audits cost at 10^6
 * entries: the figures issue 3 asks for (bench/README.md records them).
 *
 *   (a) log_append of batches of 1, 100 and 1000 copies of a realistic
 *       indicator (about 1.2 KB; 1.7 KB once sealed): seal each, store
 *       its RFC 8785 bytes, its log entry and the subtree hashes it
 *       completes, then seal and store the batch's tree head; one
 *       transaction, so one fsync, per batch (the store runs SQLite with
 *       journal_mode=WAL, synchronous=FULL). Only the log_append call is
 *       timed: copying the parsed object and giving it a fresh id is not
 *       (a node parses once and keeps the tree).
 *   (b) the ceiling of that work, measured in the same run on the same
 *       disk: per object, SHA-256 of its sealed canonical bytes and one
 *       Ed25519 signature of the 64-hex digest (X.590 signs the hex), and
 *       the same for the head; then a bare SQLite loop in its own file —
 *       per object and per head a row of the same bytes and a row of the
 *       32-byte hash, same pragmas, one transaction per batch. The log
 *       does more (canonical form, leaf hash, ids and indexes, tiles, the
 *       head's own row), so (a)/(b) says what that costs; goal: >= 50%
 *       for batches. log_append seals on every CPU, so the ceiling is
 *       also given with its signatures ideally spread over every CPU.
 *   (c) a log of HL_BENCH_ENTRIES entries (default 10^6) built with
 *       log_append, 1000 entries per batch (999 objects and their head),
 *       timed; then log_prove_inclusion of random entries and
 *       log_prove_consistency from a random earlier size to the full one:
 *       median and p99 of each call (goal: inclusion < 100 us), as the
 *       API takes its own read snapshot and inside one the caller holds
 *       (a server answering several proofs at once). Outside
 *       the timing, the proofs of a further sample are checked with
 *       merkle_verify_*: a wrong proof must not pass as a fast one.
 *   (d) log_audit_store over that store with threads = 0 (one per CPU)
 *       and threads = 1: wall time (goal: 10^6 entries in < 60 s on 2
 *       cores).
 *
 * (a) and (b) alternate, batch size by batch size, BENCH_RUNS times, and
 * each ratio is taken within one run before the median, so a burst of
 * load on a shared machine weighs on both sides of it. The files live in
 * a fresh directory under $TMPDIR (else /tmp), removed at exit, also on
 * SIGINT, SIGTERM, SIGHUP and SIGPIPE. On tmpfs an fsync costs nothing:
 * the bench says so.
 */
#include <errno.h>
#include <signal.h>
#include <sodium.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <time.h>
#include <unistd.h>

#include "bench_bare.h"
#include "ledger/ledger.h"
#include "stix/stix.h"
#include "store/store.h"

#define BENCH_RUNS 5
#define BENCH_BATCH_MAX 1000 /* largest batch of (a) and (b) */
#define BENCH_BIG_BATCH 1000 /* entries per batch of (c), head included */
#define BENCH_ENTRIES_DEFAULT 1000000
#define BENCH_ENTRIES_MIN 1000
#define BENCH_ENTRIES_MAX 100000000 /* randombytes_uniform draws 32 bits */
#define BENCH_PROOFS 10000          /* timed proofs of each kind */
#define BENCH_CHECKS 1000           /* proofs verified, untimed */
#define BENCH_TMPFS_MAGIC 0x01021994
#define BENCH_CHANNEL "bench"
#define BENCH_PARTY "identity--0f6b3e0a-6d1c-4b8e-9a57-3c2d8e1f4a60"

/* Batch sizes of (a) and (b), and how many batches one run appends. */
static const struct {
    size_t batch, n_batches;
} bench_sizes[] = {{1, 200}, {100, 20}, {1000, 5}};
#define BENCH_N_SIZES (sizeof bench_sizes / sizeof bench_sizes[0])

/* A supply-chain indicator as a CERT would send it: name, description,
 * a pattern over a file hash and a domain, kill chain, marking. */
static const char bench_indicator[] =
    "{\"type\":\"indicator\",\"spec_version\":\"2.1\","
    "\"id\":\"indicator--5b0d3a57-2f0c-4e55-8d0e-7c1e9a4b6f21\","
    "\"created_by_ref\":\"identity--0f6b3e0a-6d1c-4b8e-9a57-3c2d8e1f4a60\","
    "\"created\":\"2026-07-04T11:30:00.250Z\",\"modified\":\"2026-07-04T11:30:00.250Z\","
    "\"name\":\"Trojanised update of the accounting suite used by food distributors\","
    "\"description\":\"The vendor's update server delivered a signed installer whose "
    "post-install script fetches a second stage from a look-alike domain. We found it at "
    "three wholesale food distributors between 20 and 28 June; "
    "the second stage beacons every 300 seconds over HTTPS and stages archives of the "
    "finance share before exfiltration. Block the domain and keep disk images of any host "
    "where it ran.\","
    "\"indicator_types\":[\"malicious-activity\",\"compromised\"],"
    "\"pattern\":\"[file:hashes.'SHA-256' = "
    "'4bc5f3a1e0d27c9b88f1e6a3d4c2b7a90e1f5d6c3b2a1908f7e6d5c4b3a29180'] OR "
    "[domain-name:value = 'updates-acctsuite.example.org']\","
    "\"pattern_type\":\"stix\",\"pattern_version\":\"2.1\","
    "\"valid_from\":\"2026-06-20T00:00:00Z\",\"valid_until\":\"2026-12-20T00:00:00Z\","
    "\"kill_chain_phases\":[{\"kill_chain_name\":\"mitre-attack\","
    "\"phase_name\":\"initial-access\"}],\"confidence\":85,"
    "\"labels\":[\"supply-chain\",\"food-sector\"],\"object_marking_refs\":"
    "[\"marking-definition--f88d31f6-486f-44da-b317-01333bde0b82\"]}";

/* ---- the temporary directory ------------------------------------------- */

/* Paths are made once, so that the signal handler only calls unlink and
 * rmdir (async-signal-safe). */
static const char *const bench_dbs[] = {"log.db", "bare.db", "big.db"};
static const char *const bench_suffixes[] = {"", "-wal", "-shm", "-journal"};
#define BENCH_N_FILES (3 * 4)
static char bench_dir[512];
static char bench_files[BENCH_N_FILES][600];

static void bench_cleanup(void)
{
    if (!bench_dir[0])
        return;
    for (size_t i = 0; i < BENCH_N_FILES; i++)
        unlink(bench_files[i]);
    rmdir(bench_dir);
    bench_dir[0] = 0;
}

static void bench_on_signal(int sig)
{
    bench_cleanup();
    _exit(128 + sig);
}

static const char *bench_path(const char *db)
{
    for (size_t i = 0; i < BENCH_N_FILES; i += 4)
        if (strcmp(bench_dbs[i / 4], db) == 0)
            return bench_files[i];
    abort();
}

/* Makes the directory under $TMPDIR (else /tmp) and says what disk it is on. */
static void bench_dir_make(void)
{
    const char *base = getenv("TMPDIR");
    if (!base || !*base)
        base = "/tmp";
    int n = snprintf(bench_dir, sizeof bench_dir, "%s/hl-bench-log-XXXXXX", base);
    if (n < 0 || (size_t)n >= sizeof bench_dir || !mkdtemp(bench_dir)) {
        fprintf(stderr, "bench_log: cannot make a directory under %s: %s\n", base, strerror(errno));
        exit(2);
    }
    for (size_t i = 0; i < BENCH_N_FILES; i++)
        snprintf(bench_files[i], sizeof bench_files[i], "%s/%s%s", bench_dir, bench_dbs[i / 4],
                 bench_suffixes[i % 4]); /* cannot truncate: 512 + 16 < 600 */
    atexit(bench_cleanup);
    signal(SIGINT, bench_on_signal);
    signal(SIGTERM, bench_on_signal);
    signal(SIGHUP, bench_on_signal);
    signal(SIGPIPE, bench_on_signal); /* `bench_log | head` */
    struct statfs fs;
    bool tmpfs = statfs(bench_dir, &fs) == 0 && (unsigned long)fs.f_type == BENCH_TMPFS_MAGIC;
    printf("files in %s%s\n", bench_dir,
           tmpfs ? " -- ON TMPFS: fsync is free, these are not durable figures" : "");
}

/* ---- helpers ------------------------------------------------------------ */

static double bench_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static int64_t bench_now_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static int bench_cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* The q-quantile (0..1) of v[0..n), which it sorts. */
static double bench_quantile(double *v, size_t n, double q)
{
    qsort(v, n, sizeof *v, bench_cmp_double);
    size_t i = (size_t)(q * (double)(n - 1) + 0.5);
    return v[i < n ? i : n - 1];
}

static void bench_die(const char *what, const struct hl_error *err)
{
    fprintf(stderr, "bench_log: %s: %s%s%s\n", what, err->where[0] ? err->where : "",
            err->where[0] ? ": " : "", err->msg);
    exit(1);
}

static bool bench_progress_shown(void)
{
    return isatty(STDERR_FILENO);
}

/* The number of log entries of (c) and (d): HL_BENCH_ENTRIES or 10^6. */
static uint64_t bench_entries(void)
{
    const char *s = getenv("HL_BENCH_ENTRIES");
    long long v = BENCH_ENTRIES_DEFAULT;
    if (s && !hl_parse_int(s, BENCH_ENTRIES_MIN, BENCH_ENTRIES_MAX, &v)) {
        fprintf(stderr, "bench_log: HL_BENCH_ENTRIES must be an integer from %d to %d\n",
                BENCH_ENTRIES_MIN, BENCH_ENTRIES_MAX);
        exit(2);
    }
    return (uint64_t)v;
}

/* ---- the log side: a store with one party and one channel ------------- */

struct bench_log {
    struct store *s;
    struct seal_key key;
    struct log_signer me;
    json_t *proto;                 /* the parsed, validated indicator */
    json_t *objs[BENCH_BATCH_MAX]; /* the batch being appended */
};

static void bench_log_open(struct bench_log *b, const char *path, json_t *proto)
{
    struct hl_error err;
    struct store_party p = {.id = BENCH_PARTY, .name = "bench"};
    struct store_channel c = {.name = BENCH_CHANNEL, .created_us = bench_now_us()};
    memset(b->objs, 0, sizeof b->objs);
    b->proto = proto;
    if (seal_key_generate(&b->key, &err))
        bench_die("key", &err);
    memcpy(p.public_key, b->key.pk, sizeof p.public_key);
    b->me = (struct log_signer){.party = BENCH_PARTY, .key = &b->key};
    if (store_open(path, NULL, &b->s, &err) || store_party_put(b->s, &p, &err) ||
        store_channel_create(b->s, &c, &err) ||
        store_channel_member_add(b->s, BENCH_CHANNEL, BENCH_PARTY, &err))
        bench_die(path, &err);
}

static void bench_log_close(struct bench_log *b)
{
    store_close(b->s);
    b->s = NULL;
    seal_key_wipe(&b->key);
}

/* Fills objs[0..n) with copies of the prototype under fresh ids. */
static void bench_batch_make(struct bench_log *b, size_t n)
{
    char id[STIX_ID_MAX];
    for (size_t i = 0; i < n; i++) {
        b->objs[i] = json_deep_copy(b->proto);
        if (!b->objs[i] || stix_id_new("indicator", id) ||
            json_object_set_new(b->objs[i], "id", json_string(id))) {
            fprintf(stderr, "bench_log: out of memory copying the indicator\n");
            exit(1);
        }
    }
}

static void bench_batch_free(struct bench_log *b, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        json_decref(b->objs[i]);
        b->objs[i] = NULL;
    }
}

/* Appends one batch of n copies; returns the seconds log_append took. */
static double bench_log_batch(struct bench_log *b, size_t n, struct log_append_result *res)
{
    struct hl_error err;
    bench_batch_make(b, n);
    double t0 = bench_now();
    int rc = log_append(b->s, &b->me, BENCH_CHANNEL, b->objs, n, bench_now_us(), res, &err);
    double t = bench_now() - t0;
    bench_batch_free(b, n);
    if (rc)
        bench_die("log_append", &err);
    return t;
}

static int bench_copy_object(void *ctx, const struct store_object *o)
{
    struct buf *out = ctx;
    buf_clear(out);
    return buf_add(out, o->json, o->json_len);
}

/* The stored bytes of a row: what the bare loop hashes, signs and inserts. */
static void bench_row_bytes(struct bench_log *b, int64_t row, struct buf *out)
{
    struct hl_error err;
    if (store_object_get(b->s, row, bench_copy_object, out, &err))
        bench_die("store_object_get", &err);
}

/* ---- the bare ceiling: SHA-256 + Ed25519 + a bare SQLite loop --------- */

struct bench_bare {
    struct bench_bare_db db;
    const struct seal_key *key;
    struct buf object, head; /* sealed bytes of an object and of a head */
    uint8_t hashes[BENCH_BATCH_MAX + 1][32];
};

/* The ceiling of one batch of n objects and its head: the signatures,
 * then one transaction. Adds the seconds of each part to crypto, sql. */
static void bench_bare_batch(struct bench_bare *b, size_t n, double *crypto, double *sql)
{
    double t0 = bench_now();
    for (size_t i = 0; i < n; i++)
        bench_bare_sign(b->key, &b->object, b->hashes[i]);
    bench_bare_sign(b->key, &b->head, b->hashes[n]);
    double t1 = bench_now();
    bench_bare_exec(&b->db, "BEGIN IMMEDIATE");
    for (size_t i = 0; i < n; i++)
        bench_bare_insert(&b->db, &b->object, b->hashes[i]);
    bench_bare_insert(&b->db, &b->head, b->hashes[n]);
    bench_bare_exec(&b->db, "COMMIT");
    double t2 = bench_now();
    *crypto += t1 - t0;
    *sql += t2 - t1;
}

/* ---- (a) and (b) -------------------------------------------------------- */

/* Per batch size and run: objects per second of each side. log_append
 * seals a batch on every CPU (batch.c) while the bare loop signs on one,
 * so the ceiling is also given with its signatures ideally spread over
 * every CPU (crypto time / CPUs, no thread costs): the ratio to that one
 * compares like with like. */
struct bench_rates {
    double log[BENCH_N_SIZES][BENCH_RUNS];
    double bare[BENCH_N_SIZES][BENCH_RUNS];   /* signatures on one CPU */
    double bare_n[BENCH_N_SIZES][BENCH_RUNS]; /* signatures over every CPU */
    double crypto[BENCH_N_SIZES][BENCH_RUNS]; /* the signatures alone, one CPU */
    double sql[BENCH_N_SIZES][BENCH_RUNS];    /* the SQLite loop alone */
    double ratio[BENCH_N_SIZES][BENCH_RUNS];  /* log / bare, within the run */
    double ratio_n[BENCH_N_SIZES][BENCH_RUNS];
    unsigned cpus;
};

static void bench_append_run(struct bench_log *lg, struct bench_bare *bare, size_t k, int run,
                             struct bench_rates *r)
{
    size_t batch = bench_sizes[k].batch, n_batches = bench_sizes[k].n_batches;
    double objects = (double)(batch * n_batches), t_log = 0, crypto = 0, sql = 0;
    for (size_t i = 0; i < n_batches; i++)
        t_log += bench_log_batch(lg, batch, NULL);
    for (size_t i = 0; i < n_batches; i++)
        bench_bare_batch(bare, batch, &crypto, &sql);
    r->log[k][run] = objects / t_log;
    r->bare[k][run] = objects / (crypto + sql);
    r->bare_n[k][run] = objects / (crypto / r->cpus + sql);
    r->crypto[k][run] = objects / crypto;
    r->sql[k][run] = objects / sql;
    r->ratio[k][run] = r->log[k][run] / r->bare[k][run];
    r->ratio_n[k][run] = r->log[k][run] / r->bare_n[k][run];
}

static void bench_append_report(struct bench_rates *r)
{
    printf("(a) log_append vs (b) bare ceiling, objects/s, median of %d runs; the ceiling "
           "signs on 1 CPU, or ideally on all %u:\n",
           BENCH_RUNS, r->cpus);
    printf("  %5s %10s %10s %10s %10s %10s %7s %7s %8s\n", "batch", "log_append", "ceiling",
           "ceiling/N", "(crypto)", "(sqlite)", "ratio", "ratio/N", "ms/batch");
    for (size_t k = 0; k < BENCH_N_SIZES; k++) {
        double log = bench_quantile(r->log[k], BENCH_RUNS, 0.5);
        printf("  %5zu %10.0f %10.0f %10.0f %10.0f %10.0f %6.0f%% %6.0f%% %8.2f\n",
               bench_sizes[k].batch, log, bench_quantile(r->bare[k], BENCH_RUNS, 0.5),
               bench_quantile(r->bare_n[k], BENCH_RUNS, 0.5),
               bench_quantile(r->crypto[k], BENCH_RUNS, 0.5),
               bench_quantile(r->sql[k], BENCH_RUNS, 0.5),
               100 * bench_quantile(r->ratio[k], BENCH_RUNS, 0.5),
               100 * bench_quantile(r->ratio_n[k], BENCH_RUNS, 0.5),
               1e3 * (double)bench_sizes[k].batch / log);
    }
    printf("  goal: ratio >= 50%% for batches (100, 1000)\n");
}

/* Appends one warm-up batch to learn the sizes of a sealed object and of
 * a head, which the bare loop then writes. */
static void bench_append_warm(struct bench_log *lg, struct bench_bare *bare)
{
    struct log_append_result res;
    bench_log_batch(lg, 1, &res);
    bench_row_bytes(lg, res.first_row, &bare->object);
    bench_row_bytes(lg, res.head_row, &bare->head);
    printf("sealed indicator %zu bytes, tree head %zu bytes (RFC 8785 form)\n", bare->object.len,
           bare->head.len);
}

static void bench_append(json_t *proto)
{
    static struct bench_log lg;
    static struct bench_bare bare;
    static struct bench_rates rates;
    long cpus = sysconf(_SC_NPROCESSORS_ONLN);
    rates.cpus = cpus > 0 ? (unsigned)cpus : 1;
    bench_log_open(&lg, bench_path("log.db"), proto);
    bench_bare_db_open(&bare.db, bench_path("bare.db"));
    bare.key = &lg.key;
    buf_init(&bare.object, STORE_JSON_MAX);
    buf_init(&bare.head, STORE_JSON_MAX);
    bench_append_warm(&lg, &bare);
    for (int run = 0; run < BENCH_RUNS; run++)
        for (size_t k = 0; k < BENCH_N_SIZES; k++)
            bench_append_run(&lg, &bare, k, run, &rates);
    bench_append_report(&rates);
    buf_release(&bare.object);
    buf_release(&bare.head);
    bench_bare_db_close(&bare.db);
    bench_log_close(&lg);
}

/* ---- (c) a log of 10^6 entries, and proofs ------------------------------ */

/* Builds a log of exactly `entries` entries: batches of at most
 * BENCH_BIG_BATCH entries, each its objects and its head. Prints the
 * rate overall and over the first and the last tenth of the batches, as
 * appends slow down while the indexes outgrow the caches. */
static void bench_big_build(struct bench_log *lg, uint64_t entries)
{
    uint64_t batches = (entries + BENCH_BIG_BATCH - 1) / BENCH_BIG_BATCH;
    uint64_t objects = entries - batches, tenth = batches / 10 ? batches / 10 : 1;
    struct log_append_result res = {0};
    double t0 = bench_now(), t_append = 0, t_first = 0, t_last = 0;
    for (uint64_t i = 0; i < batches; i++) {
        size_t n = (size_t)(objects / batches + (i < objects % batches));
        double t = bench_log_batch(lg, n, &res);
        t_append += t;
        t_first += i < tenth ? t : 0;
        t_last += i >= batches - tenth ? t : 0;
        if (bench_progress_shown() && (i % 20 == 0 || i + 1 == batches))
            fprintf(stderr, "\r  building: %llu of %llu entries",
                    (unsigned long long)res.head_seq + 1, (unsigned long long)entries);
    }
    if (bench_progress_shown())
        fprintf(stderr, "\n");
    if (res.head_seq + 1 != entries) {
        fprintf(stderr, "bench_log: built %llu entries, not %llu\n",
                (unsigned long long)res.head_seq + 1, (unsigned long long)entries);
        exit(1);
    }
    struct stat st;
    long long mb = stat(bench_path("big.db"), &st) == 0 ? (long long)(st.st_size >> 20) : -1;
    double per_tenth = (double)(tenth * (entries / batches));
    printf("(c) built a log of %llu entries in %llu batches: %.1f s (%.1f s in log_append), "
           "%.0f entries/s (first tenth %.0f, last tenth %.0f), database %lld MiB\n",
           (unsigned long long)entries, (unsigned long long)batches, bench_now() - t0, t_append,
           (double)entries / t_append, per_tenth / t_first, per_tenth / t_last, mb);
}

static uint64_t bench_random_below(uint64_t n)
{
    return randombytes_uniform((uint32_t)n);
}

/* One proof of entry (or from size) x to size; with snapshot, inside a
 * read transaction the caller holds (else log.c takes its own). */
static int bench_prove_one(struct bench_log *lg, uint64_t size, uint64_t x, bool consistency,
                           bool snapshot, struct hl_error *err)
{
    uint8_t proof[MERKLE_MAX_PROOF][32];
    size_t n_proof = 0;
    struct hl_error ignored;
    int rc = snapshot ? store_begin_read(lg->s, err) : 0;
    if (!rc)
        rc = consistency ? log_prove_consistency(lg->s, BENCH_PARTY, BENCH_CHANNEL, x, size, proof,
                                                 &n_proof, err)
                         : log_prove_inclusion(lg->s, BENCH_PARTY, BENCH_CHANNEL, size, x, proof,
                                               &n_proof, err);
    if (snapshot && store_rollback(lg->s, &ignored) && !rc)
        rc = hl_fail(err, HL_E_STORE, NULL, "cannot end the read transaction");
    return rc ? rc : (int)n_proof;
}

/* Times BENCH_PROOFS inclusion (consistency == false) or consistency
 * proofs against the full size; prints median, p99 and proof length. */
static void bench_big_prove(struct bench_log *lg, uint64_t size, bool consistency, bool snapshot)
{
    static double t[BENCH_PROOFS];
    size_t hashes = 0;
    struct hl_error err;
    for (size_t i = 0; i < BENCH_PROOFS; i++) {
        uint64_t x = consistency ? 1 + bench_random_below(size - 1) : bench_random_below(size);
        double t0 = bench_now();
        int n = bench_prove_one(lg, size, x, consistency, snapshot, &err);
        t[i] = bench_now() - t0;
        if (n < 0)
            bench_die(consistency ? "log_prove_consistency" : "log_prove_inclusion", &err);
        hashes += (size_t)n;
    }
    double p50 = bench_quantile(t, BENCH_PROOFS, 0.5), p99 = bench_quantile(t, BENCH_PROOFS, 0.99);
    printf("    %-11s %-11s median %6.1f us, p99 %6.1f us, max %7.1f us (%.1f hashes)\n",
           consistency ? "consistency" : "inclusion", snapshot ? "(caller tx)" : "", p50 * 1e6,
           p99 * 1e6, t[BENCH_PROOFS - 1] * 1e6, (double)hashes / BENCH_PROOFS);
}

/* Checks one random inclusion and one random consistency proof against
 * the roots the log itself states (merkle_verify_*). */
static void bench_big_check_one(struct bench_log *lg, uint64_t size, const uint8_t root[32])
{
    uint8_t proof[MERKLE_MAX_PROOF][32], root1[32];
    size_t n_proof = 0;
    struct store_log_entry e;
    struct hl_error err;
    uint64_t index = bench_random_below(size), size1 = 1 + bench_random_below(size - 1);
    if (log_prove_inclusion(lg->s, BENCH_PARTY, BENCH_CHANNEL, size, index, proof, &n_proof,
                            &err) ||
        store_log_entry_get(lg->s, BENCH_PARTY, BENCH_CHANNEL, (int64_t)index, &e, &err) ||
        merkle_verify_inclusion(index, size, e.leaf_hash, (const uint8_t(*)[32])proof, n_proof,
                                root, &err))
        bench_die("an inclusion proof does not verify", &err);
    if (log_prove_consistency(lg->s, BENCH_PARTY, BENCH_CHANNEL, size1, size, proof, &n_proof,
                              &err) ||
        log_root(lg->s, BENCH_PARTY, BENCH_CHANNEL, size1, root1, &err) ||
        merkle_verify_consistency(size1, size, root1, root, (const uint8_t(*)[32])proof, n_proof,
                                  &err))
        bench_die("a consistency proof does not verify", &err);
}

static void bench_big_check(struct bench_log *lg, uint64_t size)
{
    uint8_t root[32];
    struct hl_error err;
    if (log_root(lg->s, BENCH_PARTY, BENCH_CHANNEL, size, root, &err))
        bench_die("log_root", &err);
    for (size_t i = 0; i < BENCH_CHECKS; i++)
        bench_big_check_one(lg, size, root);
    printf("    %d further inclusion and consistency proofs verified\n", BENCH_CHECKS);
}

/* ---- (d) audits --------------------------------------------------------- */

static void bench_audit_progress(void *ctx, uint64_t done)
{
    uint64_t *last = ctx;
    if (done - *last >= 50000 || done < *last) {
        fprintf(stderr, "\r  auditing: %llu entries", (unsigned long long)done);
        *last = done;
    }
}

/* Audits the whole store with that many threads; prints the wall time. */
static void bench_big_audit(struct bench_log *lg, uint64_t entries, unsigned threads)
{
    uint64_t last = 0;
    struct log_audit_options opt = {.threads = threads, .ctx = &last};
    struct log_audit_summary sum = {0};
    struct hl_error err;
    if (bench_progress_shown())
        opt.progress = bench_audit_progress;
    double t0 = bench_now();
    int rc = log_audit_store(lg->s, &opt, &sum, &err);
    double t = bench_now() - t0;
    if (bench_progress_shown())
        fprintf(stderr, "\n");
    if (rc)
        bench_die("log_audit_store", &err);
    if (sum.entries != entries || sum.failures != 0 || sum.logs != 1) {
        fprintf(stderr,
                "bench_log: the audit covered %llu entries of %zu logs with %llu "
                "failures; expected %llu entries of 1 log and none\n",
                (unsigned long long)sum.entries, sum.logs, (unsigned long long)sum.failures,
                (unsigned long long)entries);
        exit(1);
    }
    printf("(d) log_audit_store, threads = %u%s: %.1f s for %llu entries (%llu tree heads), "
           "%.0f entries/s\n",
           threads, threads ? "" : " (one per CPU)", t, (unsigned long long)sum.entries,
           (unsigned long long)sum.tree_heads, (double)sum.entries / t);
}

static void bench_big(json_t *proto, uint64_t entries)
{
    static struct bench_log lg;
    bench_log_open(&lg, bench_path("big.db"), proto);
    bench_big_build(&lg, entries);
    printf("    %d proofs of each kind against size %llu, random entries and earlier sizes:\n",
           BENCH_PROOFS, (unsigned long long)entries);
    for (int snapshot = 0; snapshot < 2; snapshot++) {
        bench_big_prove(&lg, entries, false, snapshot);
        bench_big_prove(&lg, entries, true, snapshot);
    }
    bench_big_check(&lg, entries);
    printf("    goal: inclusion proofs under 100 us at 10^6 entries\n");
    bench_big_audit(&lg, entries, 0);
    bench_big_audit(&lg, entries, 1);
    printf("    goal: 10^6 entries in under 60 s on 2 cores\n");
    bench_log_close(&lg);
}

/* ---- main --------------------------------------------------------------- */

/* The indicator, parsed strictly and validated once as a node would. */
static json_t *bench_proto(void)
{
    json_t *obj = NULL;
    struct hl_error err;
    struct stix_report report;
    if (stix_parse(bench_indicator, sizeof bench_indicator - 1, &obj, &err))
        bench_die("the indicator", &err);
    stix_report_init(&report);
    stix_validate_object(obj, "", &report);
    bool ok = stix_report_ok(&report);
    stix_report_release(&report);
    if (!ok) {
        fprintf(stderr, "bench_log: the indicator is not valid STIX 2.1\n");
        exit(1);
    }
    return obj;
}

int main(void)
{
    uint64_t entries = bench_entries();
    setvbuf(stdout, NULL, _IOLBF, 0); /* each figure as soon as it is measured */
    if (sodium_init() < 0) {
        fprintf(stderr, "bench_log: libsodium cannot start\n");
        return 1;
    }
    json_t *proto = bench_proto();
    bench_dir_make();
    bench_append(proto);
    bench_big(proto, entries);
    json_decref(proto);
    return 0;
}
