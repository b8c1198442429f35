/*
 * verify.c — the audit: everything a log claims, checked from its bytes.
 *
 * One engine serves a node's store and an evidence file (export.c). The
 * source hands it entries log by log, in seq order; the engine trusts
 * nothing it is given but the bytes of each entry and the public key of the
 * log's party, and rebuilds every Merkle tree in memory from the leaves:
 *
 *   per entry (in parallel, they are independent): the bytes parse as one
 *     JSON object and are its RFC 8785 form; the seal verifies (X.590);
 *     a tree head or receipt reads as one;
 *   per entry (in order): the seq is the next one (no gap, no duplicate);
 *     the stored leaf hash, if any, is SHA-256(0x00 || bytes); the seal
 *     names this log's party, channel and seq and is made by its key; a
 *     statement is the party's own about this channel; a head states this
 *     log's size at its own seq and the root of the entries before it;
 *   at the end: every receipt states the recomputed root of the log it
 *     cosigns, where that log is held far enough to tell.
 *
 * A source adds what only it has (a store's subtree hashes and its
 * tree_heads and receipts tables: log_audit_store below).
 */
#include <pthread.h>
#include <sodium.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log_int.h"

#define AUDIT_BATCH 1024
#define AUDIT_MAX_THREADS 64
#define AUDIT_MAX_CLAIMS 1000000
#define AUDIT_WHAT_MAX 400

/* ---- the in-memory tree ------------------------------------------------- */

void log_memtree_init(struct log_memtree *t)
{
    memset(t, 0, sizeof *t);
}

void log_memtree_release(struct log_memtree *t)
{
    for (int l = 0; l < 64; l++)
        free(t->level[l]);
    log_memtree_init(t);
}

static int memtree_put(struct log_memtree *t, unsigned l, uint64_t i, const uint8_t h[32])
{
    if (i >= t->cap[l]) {
        uint64_t cap = t->cap[l] ? t->cap[l] * 2 : 1024;
        size_t bytes;
        if (!size_mul((size_t)cap, 32, &bytes))
            return -HL_E_TOO_LARGE;
        void *p = realloc(t->level[l], bytes);
        if (!p)
            return -HL_E_NOMEM;
        t->level[l] = p;
        t->cap[l] = cap;
    }
    memcpy(t->level[l][i], h, 32);
    return 0;
}

int log_memtree_push(struct log_memtree *t, const uint8_t leaf[static 32])
{
    if (t->size >= LOG_AUDIT_MAX_ENTRIES)
        return -HL_E_TOO_LARGE;
    uint64_t i = t->size;
    uint8_t h[32];
    memcpy(h, leaf, 32);
    int rc = memtree_put(t, 0, i, h);
    /* Leaf i completes the subtree of level l + 1 whenever bit l of i is
     * set in every position below: RFC 9162 §2.1.1 on power-of-two ranges. */
    for (unsigned l = 0; !rc && ((i >> l) & 1); l++) {
        if (merkle_node_hash(t->level[l][(i >> l) - 1], h, h))
            return -HL_E_CRYPTO;
        rc = memtree_put(t, l + 1, i >> (l + 1), h);
    }
    if (!rc)
        t->size++;
    return rc;
}

int log_memtree_subtree(void *ctx, unsigned level, uint64_t index, uint8_t out[32])
{
    struct log_memtree *t = ctx;
    if (level >= 64 || ((index + 1) << level) > t->size)
        return -HL_E_INTERNAL;
    memcpy(out, t->level[level][index], 32);
    return 0;
}

int log_memtree_root(struct log_memtree *t, uint64_t size, uint8_t out[static 32])
{
    struct hl_error ignored;
    if (size > t->size)
        return -HL_E_INVALID;
    return merkle_tree_root(size, log_memtree_subtree, t, out, &ignored);
}

/* ---- the engine --------------------------------------------------------- */

struct audit_item {
    int64_t seq;
    long line;
    uint8_t *bytes; /* owned */
    size_t len;
    bool has_stored;
    uint8_t stored_leaf[32];
    /* results of the parallel phase */
    int code;
    char what[AUDIT_WHAT_MAX];
    uint8_t leaf[32];
    struct seal_info seal;
    struct log_statement st;
};

struct audit_log {
    char party[SEAL_PARTY_MAX];
    char channel[SEAL_CHANNEL_MAX + 1];
    uint8_t pk[32];
    struct log_memtree tree;
};

struct audit_claim {
    struct log_statement st;
    long line;
    char *bytes; /* owned, the signed statement */
    char source[SEAL_PARTY_MAX + SEAL_CHANNEL_MAX + 48];
};

struct log_audit {
    struct log_audit_options opt;
    struct log_audit_summary sum;
    bool stopped;
    unsigned threads;
    struct audit_log **logs; /* every log begun; the last is current */
    size_t n_logs;
    struct audit_log *cur;
    int64_t next_seq;
    enum log_kind last_kind; /* of the current log's last entry */
    long line;               /* of the entry being checked, in a file */
    long last_line;          /* of the current log's last entry */
    bool strict;
    char own[SEAL_PARTY_MAX];
    /* Two batches: while workers check one, this thread reads the next
     * from the source (a store scan or a file), then applies the checked
     * one in order. */
    struct audit_batch {
        struct audit_item item[AUDIT_BATCH];
        size_t n;
        bool running;
        unsigned started; /* workers 0..started-1 run */
        pthread_t tid[AUDIT_MAX_THREADS];
        struct worker {
            struct audit_batch *b;
            unsigned k, stride;
        } w[AUDIT_MAX_THREADS];
    } batch[2];
    unsigned fill; /* the batch being filled */
    struct audit_claim *claims;
    size_t n_claims, cap_claims;
};

static void report(struct log_audit *a, const char *party, const char *channel, int64_t seq,
                   int code, const char *what, const char *ev0, const char *ev1)
{
    struct log_failure f = {party ? party : "", channel ? channel : "", seq, a->line, code, what,
                            {ev0, ev1}};
    a->sum.failures++;
    if (!a->opt.fail || a->opt.fail(a->opt.ctx, &f) != 0)
        a->stopped = true;
}

void log_audit_fail(struct log_audit *a, const char *party, const char *channel, int64_t seq,
                    int code, const char *fmt, ...)
{
    char what[AUDIT_WHAT_MAX];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(what, sizeof what, fmt, ap);
    va_end(ap);
    report(a, party, channel, seq, code, what, NULL, NULL);
}

bool log_audit_stopped(const struct log_audit *a)
{
    return a->stopped;
}

void log_audit_set_line(struct log_audit *a, long line)
{
    a->line = line;
}

void log_audit_set_strict(struct log_audit *a, bool all, const char *own)
{
    a->strict = all;
    snprintf(a->own, sizeof a->own, "%s", own ? own : "");
}

static bool strict_for(const struct log_audit *a, const char *party)
{
    return a->strict || (a->own[0] && strcmp(a->own, party) == 0);
}

int log_audit_new(const struct log_audit_options *opt, struct log_audit **out, struct hl_error *err)
{
    *out = NULL;
    if (sodium_init() < 0)
        return hl_fail(err, HL_E_CRYPTO, NULL, "libsodium could not start");
    json_object_seed(0); /* before any thread builds a JSON object */
    struct log_audit *a = calloc(1, sizeof *a);
    if (!a)
        return hl_fail(err, HL_E_NOMEM, NULL, "out of memory");
    if (opt)
        a->opt = *opt;
    long cpus = sysconf(_SC_NPROCESSORS_ONLN);
    a->threads = a->opt.threads ? a->opt.threads : (cpus > 0 ? (unsigned)cpus : 1);
    if (a->threads > AUDIT_MAX_THREADS)
        a->threads = AUDIT_MAX_THREADS;
    *out = a;
    return 0;
}

static void batch_clear(struct audit_batch *b)
{
    for (size_t i = 0; i < b->n; i++)
        free(b->item[i].bytes);
    b->n = 0;
}

static void batch_wait(struct log_audit *a, struct audit_batch *b);

void log_audit_free(struct log_audit *a)
{
    if (!a)
        return;
    for (int i = 0; i < 2; i++) {
        batch_wait(a, &a->batch[i]);
        batch_clear(&a->batch[i]);
    }
    for (size_t i = 0; i < a->n_logs; i++) {
        log_memtree_release(&a->logs[i]->tree);
        free(a->logs[i]);
    }
    free(a->logs);
    for (size_t i = 0; i < a->n_claims; i++)
        free(a->claims[i].bytes);
    free(a->claims);
    free(a);
}

struct log_memtree *log_audit_tree(struct log_audit *a)
{
    return a->cur ? &a->cur->tree : NULL;
}

/* ---- per entry, in parallel --------------------------------------------- */

static void item_failf(struct audit_item *it, int code, const char *fmt, ...) HL_PRINTF(3, 4);
static void item_failf(struct audit_item *it, int code, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(it->what, sizeof it->what, fmt, ap);
    va_end(ap);
    it->code = code;
}

static void item_check(struct audit_item *it)
{
    struct hl_error e = {0};
    struct buf canon;
    json_t *obj = NULL;
    buf_init(&canon, LOG_ENTRY_MAX);
    if (merkle_leaf_hash(it->bytes, it->len, it->leaf))
        item_failf(it, HL_E_CRYPTO, "SHA-256 failed");
    else if (stix_parse((const char *)it->bytes, it->len, &obj, &e))
        item_failf(it, HL_E_PARSE, "not one JSON object: %s%s%s", e.where, e.where[0] ? ": " : "",
                   e.msg);
    else if (!json_is_object(obj))
        item_failf(it, HL_E_PARSE, "not a JSON object");
    else if (stix_canon(obj, &canon, &e))
        item_failf(it, e.code, "cannot be canonicalized: %s", e.msg);
    else if (canon.len != it->len || memcmp(canon.data, it->bytes, it->len) != 0)
        item_failf(it, HL_E_VERIFY, "the bytes are not the RFC 8785 form of the object");
    else if (seal_verify_canonical(obj, it->bytes, it->len, &it->seal, &e))
        item_failf(it, HL_E_VERIFY, "seal does not verify: %s%s%s", e.where, e.where[0] ? ": " : "",
                   e.msg);
    else if (log_kind_of(obj) != LOG_KIND_OTHER && log_statement_read(obj, &it->st, &e))
        item_failf(it, HL_E_VERIFY, "malformed %s: %s: %s",
                   json_string_value(json_object_get(obj, "type")), e.where, e.msg);
    json_decref(obj);
    buf_release(&canon);
}

static void *worker_run(void *arg)
{
    struct worker *w = arg;
    hl_thread_name("hl-audit");
    for (size_t i = w->k; i < w->b->n; i += w->stride)
        item_check(&w->b->item[i]);
    return NULL;
}

/* Starts checking b on the workers (a->threads of them). */
static void batch_start(struct log_audit *a, struct audit_batch *b)
{
    unsigned n = a->threads < b->n ? a->threads : (unsigned)b->n;
    b->started = 0;
    b->running = true;
    for (unsigned k = 0; k < n; k++) {
        b->w[k] = (struct worker){b, k, n};
        if (pthread_create(&b->tid[k], NULL, worker_run, &b->w[k]) != 0)
            break;
        b->started = k + 1;
    }
    /* Shares of workers that did not start are checked here. */
    for (unsigned k = b->started; k < n; k++)
        worker_run(&b->w[k]);
}

static void batch_wait(struct log_audit *a, struct audit_batch *b)
{
    (void)a;
    for (unsigned k = 0; b->running && k < b->started; k++)
        pthread_join(b->tid[k], NULL);
    b->running = false;
    b->started = 0;
}

/* ---- per entry, in order ----------------------------------------------- */

static int claim_add(struct log_audit *a, const struct log_statement *st, const char *bytes,
                     size_t len, const char *source, long line)
{
    if (a->n_claims == a->cap_claims) {
        size_t cap = a->cap_claims ? a->cap_claims * 2 : 64;
        if (cap > AUDIT_MAX_CLAIMS)
            return -HL_E_TOO_LARGE;
        void *p = realloc(a->claims, cap * sizeof *a->claims);
        if (!p)
            return -HL_E_NOMEM;
        a->claims = p;
        a->cap_claims = cap;
    }
    struct audit_claim *c = &a->claims[a->n_claims];
    c->bytes = bytes ? strndup(bytes, len) : NULL;
    if (bytes && !c->bytes)
        return -HL_E_NOMEM;
    c->st = *st;
    c->line = line;
    snprintf(c->source, sizeof c->source, "%s", source);
    a->n_claims++;
    return 0;
}

/* The seal and the statement of an entry against its place in the log. */
static void item_place(struct log_audit *a, struct audit_item *it)
{
    struct audit_log *l = a->cur;
    const struct seal_info *s = &it->seal;
    if (strcmp(s->party, l->party) != 0 || strcmp(s->channel, l->channel) != 0)
        log_audit_fail(a, l->party, l->channel, it->seq, HL_E_VERIFY,
                       "sealed for the log of %s in %s, not this one", s->party, s->channel);
    else if (s->seq != (uint64_t)it->seq)
        log_audit_fail(a, l->party, l->channel, it->seq, HL_E_VERIFY,
                       "sealed as entry %llu, stored as entry %lld", (unsigned long long)s->seq,
                       (long long)it->seq);
    else if (sodium_memcmp(s->pk, l->pk, 32) != 0)
        log_audit_fail(a, l->party, l->channel, it->seq, HL_E_VERIFY,
                       "signed by a key that is not %s's", l->party);
    if (it->st.kind == LOG_KIND_OTHER)
        return;
    if (strcmp(it->st.creator, l->party) != 0 || strcmp(it->st.log_channel, l->channel) != 0)
        log_audit_fail(a, l->party, l->channel, it->seq, HL_E_VERIFY,
                       "a statement in this log must be %s's own about channel %s", l->party,
                       l->channel);
}

static void item_head(struct log_audit *a, struct audit_item *it)
{
    struct audit_log *l = a->cur;
    uint8_t root[32];
    char want[65], got[65];
    if (strcmp(it->st.log_party, l->party) != 0 || it->st.tree_size != (uint64_t)it->seq) {
        log_audit_fail(a, l->party, l->channel, it->seq, HL_E_VERIFY,
                       "tree head states size %llu of %s's log; at entry %lld it must state "
                       "size %lld of its own",
                       (unsigned long long)it->st.tree_size, it->st.log_party, (long long)it->seq,
                       (long long)it->seq);
        return;
    }
    if (log_memtree_root(&l->tree, it->st.tree_size, root)) {
        log_audit_fail(a, l->party, l->channel, it->seq, HL_E_INTERNAL, "root not computable");
        return;
    }
    a->sum.tree_heads++;
    if (memcmp(root, it->st.root, 32) != 0) {
        hl_hex(want, root, 32);
        hl_hex(got, it->st.root, 32);
        log_audit_fail(a, l->party, l->channel, it->seq, HL_E_VERIFY,
                       "tree head of size %llu states root %s, the entries give %s",
                       (unsigned long long)it->st.tree_size, got, want);
    }
}

static int item_apply(struct log_audit *a, struct audit_item *it)
{
    struct audit_log *l = a->cur;
    a->line = it->line;
    a->last_line = it->line;
    if (it->seq != a->next_seq)
        log_audit_fail(a, l->party, l->channel, it->seq, HL_E_VERIFY,
                       it->seq > a->next_seq ? "entries %lld to %lld are missing"
                                             : "entry %lld is duplicated (or out of order: "
                                               "expected %lld)",
                       (long long)(it->seq > a->next_seq ? a->next_seq : it->seq),
                       (long long)(it->seq > a->next_seq ? it->seq - 1 : a->next_seq));
    a->next_seq = it->seq + 1;
    if (it->code)
        log_audit_fail(a, l->party, l->channel, it->seq, it->code, "%s", it->what);
    else
        item_place(a, it);
    if (it->has_stored && memcmp(it->stored_leaf, it->leaf, 32) != 0)
        log_audit_fail(a, l->party, l->channel, it->seq, HL_E_VERIFY,
                       "stored leaf hash differs from the hash of the stored object");
    if (!it->code && it->st.kind == LOG_KIND_HEAD)
        item_head(a, it);
    if (!it->code && it->st.kind == LOG_KIND_RECEIPT) {
        char src[sizeof a->claims[0].source];
        snprintf(src, sizeof src, "entry %lld of %s in %s", (long long)it->seq, l->party,
                 l->channel);
        int rc = claim_add(a, &it->st, (const char *)it->bytes, it->len, src, it->line);
        if (rc)
            return rc;
    }
    int rc = log_memtree_push(&l->tree, it->leaf);
    a->last_kind = it->code ? LOG_KIND_OTHER : it->st.kind;
    a->sum.entries++;
    if (a->opt.progress && a->sum.entries % 4096 == 0)
        a->opt.progress(a->opt.ctx, a->sum.entries);
    return rc;
}

/* Waits for b's checks and applies its entries in order. */
static int batch_apply(struct log_audit *a, struct audit_batch *b, struct hl_error *err)
{
    int rc = 0;
    batch_wait(a, b);
    for (size_t i = 0; i < b->n && !rc && !a->stopped; i++)
        rc = item_apply(a, &b->item[i]);
    a->line = 0;
    batch_clear(b);
    if (rc == -HL_E_TOO_LARGE)
        return hl_fail(err, HL_E_TOO_LARGE, NULL,
                       "an audit holds at most %llu entries or %d "
                       "receipts",
                       (unsigned long long)LOG_AUDIT_MAX_ENTRIES, AUDIT_MAX_CLAIMS);
    return rc ? hl_fail(err, -rc, NULL, "audit: %s", hl_strerror(-rc)) : 0;
}

/* The batch being filled is full: apply the one in flight, start this
 * one, fill the other. */
static int batch_rotate(struct log_audit *a, struct hl_error *err)
{
    struct audit_batch *full = &a->batch[a->fill], *prev = &a->batch[a->fill ^ 1];
    int rc = batch_apply(a, prev, err);
    batch_start(a, full);
    a->fill ^= 1;
    return rc;
}

/* Everything read so far checked and applied, in order. */
static int batch_drain(struct log_audit *a, struct hl_error *err)
{
    int rc = batch_apply(a, &a->batch[a->fill ^ 1], err);
    struct audit_batch *cur = &a->batch[a->fill];
    if (cur->n) {
        batch_start(a, cur);
        int rc2 = batch_apply(a, cur, err);
        rc = rc ? rc : rc2;
    }
    return rc;
}

/* Entries read but not yet applied (for a failure's place). */
static size_t batch_pending(const struct log_audit *a)
{
    return a->batch[0].n + a->batch[1].n;
}

int log_audit_log_begin(struct log_audit *a, const char *party, const char *channel,
                        const uint8_t pk[static 32], struct hl_error *err)
{
    if (strlen(party) >= SEAL_PARTY_MAX || strlen(channel) > SEAL_CHANNEL_MAX)
        return hl_fail(err, HL_E_INVALID, party, "party id or channel name too long");
    void *p = realloc(a->logs, (a->n_logs + 1) * sizeof *a->logs);
    if (!p)
        return hl_fail(err, HL_E_NOMEM, NULL, "out of memory");
    a->logs = p;
    struct audit_log *l = calloc(1, sizeof *l);
    if (!l)
        return hl_fail(err, HL_E_NOMEM, NULL, "out of memory");
    memcpy(l->party, party, strlen(party) + 1);
    memcpy(l->channel, channel, strlen(channel) + 1);
    memcpy(l->pk, pk, 32);
    log_memtree_init(&l->tree);
    a->logs[a->n_logs++] = l;
    a->cur = l;
    a->next_seq = 0;
    a->last_kind = LOG_KIND_OTHER;
    a->last_line = 0;
    a->sum.logs++;
    return 0;
}

int log_audit_entry(struct log_audit *a, int64_t seq, const uint8_t *bytes, size_t len,
                    const uint8_t *stored_leaf, long line, struct hl_error *err)
{
    if (a->stopped)
        return 0;
    if (!a->cur)
        return hl_fail(err, HL_E_INTERNAL, NULL, "audit: entry outside a log");
    struct audit_batch *b = &a->batch[a->fill];
    struct audit_item *it = &b->item[b->n];
    memset(it, 0, sizeof *it);
    it->bytes = malloc(len ? len : 1);
    if (!it->bytes)
        return hl_fail(err, HL_E_NOMEM, NULL, "out of memory");
    memcpy(it->bytes, bytes, len);
    it->len = len;
    it->seq = seq;
    it->line = line;
    if (stored_leaf) {
        it->has_stored = true;
        memcpy(it->stored_leaf, stored_leaf, 32);
    }
    b->n++;
    return b->n == AUDIT_BATCH ? batch_rotate(a, err) : 0;
}

int log_audit_log_end(struct log_audit *a, int64_t declared_size, struct hl_error *err)
{
    int rc = batch_drain(a, err);
    if (rc || a->stopped || !a->cur)
        return rc;
    struct audit_log *l = a->cur;
    if (declared_size >= 0 && (uint64_t)declared_size != l->tree.size)
        log_audit_fail(a, l->party, l->channel, -1, HL_E_VERIFY,
                       "the log is said to hold %lld entries, %llu were found",
                       (long long)declared_size, (unsigned long long)l->tree.size);
    else if (l->tree.size > 0 && a->last_kind != LOG_KIND_HEAD && strict_for(a, l->party)) {
        a->line = a->last_line;
        log_audit_fail(a, l->party, l->channel, (int64_t)l->tree.size - 1, HL_E_VERIFY,
                       "the log does not end with a tree head: it was cut after entry %llu, or "
                       "its last batch is incomplete",
                       (unsigned long long)l->tree.size - 1);
        a->line = 0;
    }
    return 0;
}

int log_audit_claim(struct log_audit *a, const struct log_statement *st, const char *witness,
                    const char *bytes, const char *source, struct hl_error *err)
{
    struct log_statement copy = *st;
    if (witness)
        snprintf(copy.creator, sizeof copy.creator, "%s", witness);
    int rc = claim_add(a, &copy, bytes, bytes ? strlen(bytes) : 0, source, 0);
    return rc ? hl_fail(err, -rc, NULL, "audit: %s", hl_strerror(-rc)) : 0;
}

static struct audit_log *log_find(struct log_audit *a, const char *party, const char *channel)
{
    for (size_t i = 0; i < a->n_logs; i++) {
        if (strcmp(a->logs[i]->party, party) == 0 && strcmp(a->logs[i]->channel, channel) == 0)
            return a->logs[i];
    }
    return NULL;
}

static void claim_check(struct log_audit *a, const struct audit_claim *c)
{
    const struct log_statement *st = &c->st;
    struct audit_log *l = log_find(a, st->log_party, st->log_channel);
    uint8_t root[32];
    char want[65], got[65];
    a->line = c->line;
    if (l && st->tree_size > l->tree.size && strict_for(a, l->party))
        log_audit_fail(a, l->party, l->channel, (int64_t)l->tree.size, HL_E_VERIFY,
                       "%s (%s) cosigned %llu entries of this log, only %llu are here: entries "
                       "are missing at its end",
                       st->creator, c->source, (unsigned long long)st->tree_size,
                       (unsigned long long)l->tree.size);
    if (!l || st->tree_size > l->tree.size)
        return; /* not held far enough here to tell */
    if (log_memtree_root(&l->tree, st->tree_size, root))
        return;
    a->sum.receipts += st->kind == LOG_KIND_RECEIPT;
    if (memcmp(root, st->root, 32) == 0)
        return;
    hl_hex(want, root, 32);
    hl_hex(got, st->root, 32);
    char what[AUDIT_WHAT_MAX + 256];
    snprintf(what, sizeof what, "%s by %s (%s) states root %s for size %llu, the entries give %s",
             st->kind == LOG_KIND_RECEIPT ? "receipt" : "tree head", st->creator, c->source, got,
             (unsigned long long)st->tree_size, want);
    report(a, l->party, l->channel, (int64_t)st->tree_size, HL_E_VERIFY, what, c->bytes, NULL);
}

int log_audit_finish(struct log_audit *a, struct log_audit_summary *sum, struct hl_error *err)
{
    for (size_t i = 0; i < a->n_claims && !a->stopped; i++)
        claim_check(a, &a->claims[i]);
    if (sum)
        *sum = a->sum;
    if (a->sum.failures)
        return hl_fail(err, HL_E_VERIFY, NULL, "%llu failure%s found",
                       (unsigned long long)a->sum.failures, a->sum.failures == 1 ? "" : "s");
    return 0;
}

/* ---- a node's store ----------------------------------------------------- */

struct party_list {
    struct store_party *p;
    size_t n;
};

static int party_collect(void *ctx, const struct store_party *p)
{
    struct party_list *l = ctx;
    void *q = realloc(l->p, (l->n + 1) * sizeof *l->p);
    if (!q)
        return -HL_E_NOMEM;
    l->p = q;
    l->p[l->n++] = *p;
    return 0;
}

struct scan_ctx {
    struct log_audit *a;
    const char *channel;
    struct hl_error *err;
};

static int scan_entry(void *ctx, const struct store_log_entry *e, const struct store_object *o)
{
    struct scan_ctx *c = ctx;
    if (strcmp(o->channel, c->channel) != 0)
        log_audit_fail(c->a, c->a->cur->party, c->channel, e->seq, HL_E_VERIFY,
                       "the entry's object row %lld is in channel %s", (long long)o->row,
                       o->channel);
    int rc = log_audit_entry(c->a, e->seq, o->json, o->json_len, e->leaf_hash, 0, c->err);
    return rc ? rc : c->a->stopped;
}

/* Every stored subtree hash against the one rebuilt from the entries. */
static int check_tiles(struct store *s, struct log_audit *a, struct hl_error *err)
{
    struct audit_log *l = a->cur;
    uint8_t h[32];
    for (unsigned lv = 1; lv < 64 && (l->tree.size >> lv) > 0 && !a->stopped; lv++) {
        for (uint64_t i = 0; i < (l->tree.size >> lv) && !a->stopped; i++) {
            int rc = store_tile_get(s, l->party, l->channel, lv, (int64_t)i, h, err);
            if (rc && rc != -HL_E_NOT_FOUND && rc != -HL_E_STORE)
                return rc;
            if (rc || memcmp(h, l->tree.level[lv][i], 32) != 0)
                log_audit_fail(a, l->party, l->channel, (int64_t)(i << lv), HL_E_VERIFY,
                               "stored subtree hash of entries %llu..%llu (level %u) is %s",
                               (unsigned long long)(i << lv),
                               (unsigned long long)(((i + 1) << lv) - 1), lv,
                               rc ? "missing or unreadable" : "not the hash of those entries");
        }
    }
    return 0;
}

struct row_text {
    char *text; /* owned */
};

static int row_copy(void *ctx, const struct store_object *o)
{
    struct row_text *t = ctx;
    t->text = strndup((const char *)o->json, o->json_len);
    return t->text ? 0 : -HL_E_NOMEM;
}

/* The stored object of row, if it is a head of the current log the
 * party signed: its root in root. The text (owned) is kept in *text. */
static bool signed_head_row(struct store *s, struct log_audit *a, int64_t row, uint64_t size,
                            char **text, uint8_t root[32])
{
    struct row_text t = {0};
    struct log_statement st;
    struct seal_info si;
    struct hl_error ignored;
    json_t *obj = NULL;
    bool ok = store_object_get(s, row, row_copy, &t, &ignored) == 0 &&
              stix_parse(t.text, strlen(t.text), &obj, &ignored) == 0 &&
              seal_verify(obj, &si, &ignored) == 0 && sodium_memcmp(si.pk, a->cur->pk, 32) == 0 &&
              log_statement_read(obj, &st, &ignored) == 0 && st.kind == LOG_KIND_HEAD &&
              st.tree_size == size;
    json_decref(obj);
    if (ok)
        memcpy(root, st.root, 32);
    *text = t.text;
    return ok;
}

/* A stored head whose root is not the one the entries give. If it is the
 * logged head itself, the entries changed (reported at the head's entry).
 * If the party signed it and its logged head of that size states another
 * root, the party equivocated: both signed heads are the proof. Else the
 * row was tampered with. */
static void head_mismatch(struct store *s, struct log_audit *a, const struct store_tree_head *h)
{
    struct audit_log *l = a->cur;
    char *mine = NULL, *theirs = NULL;
    uint8_t r_mine[32], r_theirs[32];
    struct store_log_entry e;
    struct hl_error ignored;
    bool theirs_ok = signed_head_row(s, a, h->object_row, (uint64_t)h->size, &theirs, r_theirs);
    bool logged = (uint64_t)h->size < l->tree.size &&
                  store_log_entry_get(s, l->party, l->channel, h->size, &e, &ignored) == 0;
    bool mine_ok = logged && signed_head_row(s, a, e.object_row, (uint64_t)h->size, &mine, r_mine);
    if (theirs_ok && memcmp(r_theirs, h->root, 32) != 0)
        theirs_ok = false; /* the row's root is not its object's */
    if (theirs_ok && logged && e.object_row == h->object_row)
        goto out; /* the logged head: its entry's failure says it */
    if (theirs_ok && (!mine_ok || memcmp(r_mine, r_theirs, 32) != 0))
        report(a, l->party, l->channel, h->size, HL_E_VERIFY,
               mine_ok ? "equivocation: two tree heads of this log for one size, both signed by "
                         "the party, state different roots"
                       : "equivocation: a tree head the party signed states a root its own "
                         "signed entries do not give",
               theirs, mine_ok ? mine : NULL);
    else if (!theirs_ok)
        log_audit_fail(a, l->party, l->channel, h->size, HL_E_VERIFY,
                       "stored tree head of size %lld (object row %lld) states a root the "
                       "entries do not give, and is not a head the party signed",
                       (long long)h->size, (long long)h->object_row);
out:
    free(mine);
    free(theirs);
}

struct head_ctx {
    struct store *s;
    struct log_audit *a;
};

static int check_head_row(void *ctx, const struct store_tree_head *h)
{
    struct head_ctx *c = ctx;
    struct audit_log *l = c->a->cur;
    uint8_t root[32];
    if (h->size < 0 || (uint64_t)h->size > l->tree.size)
        log_audit_fail(c->a, l->party, l->channel, h->size, HL_E_VERIFY,
                       "a tree head of size %lld is stored, but the log holds %llu entries: "
                       "entries are missing at its end",
                       (long long)h->size, (unsigned long long)l->tree.size);
    else if (log_memtree_root(&l->tree, (uint64_t)h->size, root) == 0 &&
             memcmp(root, h->root, 32) != 0)
        head_mismatch(c->s, c->a, h); /* checked, not counted: the logged heads are */
    return c->a->stopped;
}

static int check_receipt_row(void *ctx, const struct store_receipt *r)
{
    struct head_ctx *c = ctx;
    struct audit_log *l = c->a->cur;
    uint8_t root[32];
    if (r->size < 0 || (uint64_t)r->size > l->tree.size)
        log_audit_fail(c->a, l->party, l->channel, r->size, HL_E_VERIFY,
                       "%s's receipt (object row %lld) states size %lld, but the log holds "
                       "%llu entries: entries are missing at its end",
                       r->witness_id, (long long)r->object_row, (long long)r->size,
                       (unsigned long long)l->tree.size);
    else if (log_memtree_root(&l->tree, (uint64_t)r->size, root) == 0 &&
             memcmp(root, r->root, 32) != 0)
        log_audit_fail(c->a, l->party, l->channel, r->size, HL_E_VERIFY,
                       "%s's receipt (object row %lld) for size %lld states a root the entries "
                       "do not give",
                       r->witness_id, (long long)r->object_row, (long long)r->size);
    return c->a->stopped;
}

static int audit_store_log(struct store *s, struct log_audit *a, const struct store_party *p,
                           const char *channel, struct hl_error *err)
{
    int64_t size = 0;
    struct store_tree_head latest;
    struct hl_error ignored;
    int rc = store_log_size(s, p->id, channel, &size, err);
    if (rc || (size == 0 && store_tree_head_latest(s, p->id, channel, &latest, &ignored)))
        return rc;
    struct scan_ctx sc = {a, channel, err};
    struct head_ctx hc = {s, a};
    rc = log_audit_log_begin(a, p->id, channel, p->public_key, err);
    if (!rc)
        rc = store_log_scan(s, p->id, channel, 0, scan_entry, &sc, err);
    if (rc > 0) /* the scan stopped because the audit did */
        rc = 0;
    if (rc == -HL_E_STORE) { /* rows the store itself finds damaged end this log */
        log_audit_fail(a, p->id, channel, a->next_seq + (int64_t)batch_pending(a), HL_E_STORE,
                       "the log's rows are damaged: %s", err->msg);
        rc = 0;
    }
    if (!rc)
        rc = log_audit_log_end(a, size, err);
    if (!rc && !a->stopped)
        rc = check_tiles(s, a, err);
    if (!rc && !a->stopped)
        rc = store_tree_head_list(s, p->id, channel, check_head_row, &hc, err);
    if (!rc && !a->stopped)
        rc = store_receipt_list(s, p->id, channel, check_receipt_row, &hc, err);
    return rc > 0 ? 0 : rc;
}

struct store_audit {
    struct store *s;
    struct log_audit *a;
    struct party_list parties;
    struct hl_error *err;
};

static int channel_audit(void *ctx, const struct store_channel *c)
{
    struct store_audit *sa = ctx;
    for (size_t i = 0; i < sa->parties.n && !sa->a->stopped; i++) {
        int rc = audit_store_log(sa->s, sa->a, &sa->parties.p[i], c->name, sa->err);
        if (rc)
            return rc;
    }
    return 0;
}

int log_audit_store(struct store *s, const struct log_audit_options *opt,
                    struct log_audit_summary *sum, struct hl_error *err)
{
    struct store_audit sa = {.s = s, .err = err};
    struct hl_error check;
    if (sum)
        memset(sum, 0, sizeof *sum);
    int rc = log_audit_new(opt, &sa.a, err);
    if (rc)
        return rc;
    rc = store_begin_read(s, err);
    if (rc)
        goto out;
    char own[STORE_TEXT_MAX + 1];
    if (store_meta_get(s, "party_id", own, &check) == 0)
        log_audit_set_strict(sa.a, false, own);
    if (store_check(s, &check))
        log_audit_fail(sa.a, "", "", -1, HL_E_STORE, "the database is damaged: %s", check.msg);
    rc = store_party_list(s, party_collect, &sa.parties, err);
    if (!rc && !sa.a->stopped)
        rc = store_channel_list(s, channel_audit, &sa, err);
    if (!rc)
        rc = log_audit_finish(sa.a, sum, err);
    struct hl_error ignored;
    if (store_rollback(s, &ignored) && !rc)
        rc = hl_fail(err, HL_E_STORE, NULL, "could not end the read transaction");
out:
    free(sa.parties.p);
    log_audit_free(sa.a);
    return rc;
}
