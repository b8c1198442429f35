/*
 * node.c — `hotline serve`: a node directory brought up as a TAXII 2.1
 * server until the operator stops it.
 *
 * Start-up checks everything that can be checked before the first client
 * comes, so that a mistake is one clear error at start and not a failed
 * handshake later: the database opens (and its schema is brought up to
 * date), hotline.conf parses, the certificate and key parse and belong
 * together, the party's key is readable and private. Then the server
 * starts, and the operator is told where it listens.
 *
 * Signals. SIGTERM and SIGINT are blocked before the server's threads
 * exist, so every thread inherits the mask and the signal stays pending
 * until the main thread takes it with sigwait(): no handler runs, so no
 * work is ever done in signal context. Then taxii_server_stop stops
 * accepting and lets in-flight requests finish; a POST that was answered
 * was durable before its answer (DESIGN.md principle 3), and one that was
 * not answered was not acknowledged. SIGPIPE is ignored: a client that
 * goes away is an error on its connection, not the end of the node.
 * SIGHUP, taken the same way, reads the TLS files again (node_reload_tls):
 * a renewed certificate is presented from the next handshake and a next
 * one announced, with no restart; and hotline.conf (node_reload_conf):
 * what a running node can change applies at once.
 *
 * Federation. The replication worker (src/exchange/repl.c) starts before
 * the server and stops after it; the two meet here: the server hands a
 * peer's POST to exchange_accept_push (node_peer_post), tells the worker
 * of every commit (exchange_wake), and both take the node's one writer
 * lock before a store transaction.
 *
 * Deadlines. The workflow's deadline worker (src/workflow/worker.c) runs
 * the deadline check every deadline_interval_s with the real clock and
 * escalates what became overdue, once, running escalation_hook; it
 * starts after the server and stops before it.
 *
 * Logging. Every line, the server's one per request included, goes to
 * o->log prefixed by an RFC 3339 UTC timestamp with milliseconds; control
 * characters a client might have smuggled into a path become '?'.
 */
#include "node.h"

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "exchange/exchange.h"
#include "ledger/ledger.h"
#include "store/store.h"
#include "taxii/taxii.h"
#include "workflow/workflow.h"

#define NODE_LOG_LINE_MAX 2048
#define NODE_EXPIRY_WARN_S (30 * 86400)

/* Everything serving needs, gathered before the server starts. */
struct node_run {
    const struct node_serve_options *o;
    const char *dir;
    char db[NODE_PATH_MAX + 1], cert[NODE_PATH_MAX + 1], key[NODE_PATH_MAX + 1];
    char party[STORE_TEXT_MAX + 1], name[STORE_TEXT_MAX + 1];
    struct node_config conf;
    struct node_tls_info tls;          /* the main thread's */
    _Atomic int64_t tls_expiry;        /* tls.not_after, for the metrics' threads */
    struct node_tls_info next;         /* DIR/tls.next.crt: fingerprint "" when none */
    char next_error[HL_ERROR_MSG_MAX]; /* why a next pair there is not announced */
    struct seal_key seal;
    size_t n_users;
    struct log_signer signer;
    pthread_mutex_t write_lock; /* every writer of the process */
    struct exchange *exchange;
    pthread_mutex_t server_lock;  /* over server: the worker's hook and the stop */
    struct taxii_server *server;  /* while serving: the worker's commits wake its waiters */
    struct node_serve_lock lock;  /* DIR/serve.lock, from before the store opens (serving.c) */
};

/* Passes one line, timestamped and cleaned, to the operator's log. */
static void node_log_line(void *ctx, const char *text)
{
    const struct node_serve_options *o = ctx;
    char line[NODE_LOG_LINE_MAX];
    struct timespec ts;
    struct tm tm;
    if (!o->log)
        return;
    clock_gettime(CLOCK_REALTIME, &ts);
    gmtime_r(&ts.tv_sec, &tm);
    size_t n = strftime(line, sizeof line, "%Y-%m-%dT%H:%M:%S", &tm);
    int k = snprintf(line + n, sizeof line - n, ".%03ldZ %s", ts.tv_nsec / 1000000, text);
    if (k < 0)
        return;
    for (char *p = line; *p; p++)
        if ((unsigned char)*p < 0x20 || *p == 0x7f)
            *p = '?';
    o->log(o->ctx, line);
}

static void node_log(const struct node_serve_options *o, const char *fmt, ...) HL_PRINTF(2, 3);
static void node_log(const struct node_serve_options *o, const char *fmt, ...)
{
    char text[NODE_LOG_LINE_MAX];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(text, sizeof text, fmt, ap);
    va_end(ap);
    node_log_line((void *)o, text);
}

/* dir/name, or name itself when it is absolute. */
bool node_file_path(char out[NODE_PATH_MAX + 1], const char *dir, const char *name)
{
    int n = name[0] == '/' ? snprintf(out, NODE_PATH_MAX + 1, "%s", name)
                           : snprintf(out, NODE_PATH_MAX + 1, "%s/%s", dir, name);
    return n >= 0 && n <= NODE_PATH_MAX;
}

static HL_MUST_CHECK int node_path(char out[NODE_PATH_MAX + 1], const char *dir, const char *name,
                                   struct hl_error *err)
{
    return node_file_path(out, dir, name) ? 0 : hl_fail(err, HL_E_TOO_LARGE, name, "path too long");
}

/* A file serving needs, present: or the remedy for a node made before
 * `hotline serve` existed. */
static HL_MUST_CHECK int node_need(const char *dir, const char *path, const char *what,
                                   struct hl_error *err)
{
    if (access(path, F_OK) == 0)
        return 0;
    return hl_fail(err, HL_E_NOT_FOUND, path,
                   "%s has no %s, which `hotline serve` needs; add what is missing "
                   "(TLS certificate and key, hotline.conf, an admin token) with "
                   "'hotline init --upgrade --data %s'",
                   dir, what, dir);
}

static int count_user(void *ctx, const struct store_user *u)
{
    (void)u;
    (*(size_t *)ctx)++;
    return 0;
}

/* The party's identity and name, and how many users may sign in. */
static HL_MUST_CHECK int node_read_store(struct node_run *n, struct hl_error *err)
{
    struct store *s = NULL;
    struct store_options so = {0, true};
    int r = store_open(n->db, &so, &s, err);
    if (!r)
        r = store_meta_get(s, "party_id", n->party, err);
    if (!r)
        r = store_meta_get(s, "name", n->name, err);
    if (!r)
        r = store_user_list(s, count_user, &n->n_users, err);
    store_close(s);
    return r;
}

/* The node's certificate and key files, read and checked, into info; with
 * srv, presented by it from the next handshake if they are not the ones
 * it presents (n->tls). */
static HL_MUST_CHECK int node_tls_current(const struct node_run *n, struct node_tls_info *info,
                                          struct taxii_server *srv, struct hl_error *err)
{
    struct buf cert, key;
    buf_init(&cert, NODE_TLS_FILE_MAX);
    buf_init(&key, NODE_TLS_FILE_MAX);
    int r = node_tls_read(n->cert, false, &cert, err);
    if (!r)
        r = node_tls_read(n->key, true, &key, err);
    if (!r)
        r = node_tls_check(&cert, &key, info, err);
    if (!r && srv && strcmp(info->fingerprint, n->tls.fingerprint) != 0)
        r = taxii_server_set_tls(srv, cert.data, cert.len, key.data, key.len, err);
    buf_release(&cert);
    node_tls_wipe(&key);
    return r;
}

/* DIR/tls.next.crt and .key into n->next; none when absent. A pair there
 * that does not load is no error: the node serves with its certificate
 * and announces nothing, and n->next_error says why. */
static HL_MUST_CHECK int node_tls_next(struct node_run *n, struct hl_error *err)
{
    char next_cert[NODE_PATH_MAX + 1], next_key[NODE_PATH_MAX + 1];
    memset(&n->next, 0, sizeof n->next);
    n->next_error[0] = '\0';
    int r = node_path(next_cert, n->dir, NODE_TLS_NEXT_CERT, err);
    if (!r)
        r = node_path(next_key, n->dir, NODE_TLS_NEXT_KEY, err);
    if (r)
        return r;
    struct hl_error e;
    hl_error_clear(&e);
    r = node_tls_load(next_cert, next_key, &n->next, &e);
    if (r) {
        if (r != -HL_E_NOT_FOUND)
            snprintf(n->next_error, sizeof n->next_error, "%s", e.msg);
        memset(&n->next, 0, sizeof n->next);
    }
    return 0;
}

/* Configuration, TLS files and the party's key, checked. */
static HL_MUST_CHECK int node_prepare(struct node_run *n, struct hl_error *err)
{
    char conf[NODE_PATH_MAX + 1];
    int r = node_path(n->db, n->dir, "hotline.db", err);
    if (!r && access(n->db, F_OK) != 0)
        r = hl_fail(err, HL_E_NOT_FOUND, n->dir,
                    "%s is not a node directory (no hotline.db); make one with 'hotline init'",
                    n->dir);
    if (!r) /* before the store opens: a second serve must not even migrate it */
        r = node_serve_lock_take(n->dir, &n->lock, err);
    if (!r)
        r = node_read_store(n, err);
    if (!r)
        r = node_path(conf, n->dir, NODE_CONF_FILE, err);
    if (!r)
        r = node_need(n->dir, conf, NODE_CONF_FILE, err);
    node_config_defaults(&n->conf, n->name);
    if (!r)
        r = node_config_read(conf, &n->conf, err);
    if (!r && n->o->listen) {
        r = node_listen_check(n->o->listen, err);
        if (!r)
            snprintf(n->conf.listen, sizeof n->conf.listen, "%s", n->o->listen);
    }
    if (!r)
        r = node_path(n->cert, n->dir, n->conf.tls_cert, err);
    if (!r)
        r = node_path(n->key, n->dir, n->conf.tls_key, err);
    if (!r)
        r = node_need(n->dir, n->cert, "TLS certificate", err);
    if (!r)
        r = node_need(n->dir, n->key, "TLS private key", err);
    if (!r)
        r = node_tls_current(n, &n->tls, NULL, err);
    atomic_store(&n->tls_expiry, n->tls.not_after);
    if (!r)
        r = node_tls_next(n, err);
    char sk[NODE_PATH_MAX + 1];
    if (!r)
        r = node_path(sk, n->dir, "party.key", err);
    if (!r)
        r = seal_key_read_secret(sk, &n->seal, err);
    return r;
}

/* Start-up lines: who serves, with which certificate, and what to fix. */
/* Says, if it is so, that the certificate has expired or ends within
 * NODE_EXPIRY_WARN_S: at start, and once a day while the node runs (peers
 * pin it: renew it with hotline cert next, docs/operations.md). */
static void node_log_expiry(const struct node_run *n)
{
    int64_t now = (int64_t)time(NULL);
    if (n->tls.not_after <= now)
        node_log(n->o, "warning: the TLS certificate %s has expired; clients will refuse it",
                 n->cert);
    else if (n->tls.not_after - now < NODE_EXPIRY_WARN_S)
        node_log(n->o, "warning: the TLS certificate %s expires in %lld days", n->cert,
                 (long long)((n->tls.not_after - now) / 86400));
}

/* What is announced as the next certificate, or why nothing is. */
static void node_log_next(const struct node_run *n)
{
    if (n->next_error[0])
        node_log(n->o, "warning: %s: %s; nothing is announced until it loads", NODE_TLS_NEXT_CERT,
                 n->next_error);
    if (n->next.fingerprint[0])
        node_log(n->o,
                 "next certificate sha256 %s (%s): announced to every member's node; put it in "
                 "place with 'hotline cert switch' once they have it",
                 n->next.fingerprint, NODE_TLS_NEXT_CERT);
}

static void node_log_start(const struct node_run *n, uint16_t port)
{
    const struct node_serve_options *o = n->o;
    node_log(o, "start party %s (%s) listen %s port %u threads %u certificate sha256 %s", n->name,
             n->party, n->conf.listen, (unsigned)port, n->conf.threads, n->tls.fingerprint);
    node_log_expiry(n);
    node_log_next(n);
    if (n->n_users == 0)
        node_log(o, "warning: no users, so nobody can sign in; add one with 'hotline user add'");
}

/* "ADDR:PORT" for the bound port. */
static void node_bound(const struct node_run *n, uint16_t port, char out[NODE_LISTEN_MAX + 1])
{
    const char *colon = strrchr(n->conf.listen, ':');
    int host_len = colon ? (int)(colon - n->conf.listen) : 0;
    snprintf(out, NODE_LISTEN_MAX + 1, "%.*s:%u", host_len, n->conf.listen, (unsigned)port);
}

/* The server's peer_prepare hook: the costly checks, before the lock. */
static int node_peer_prepare(void *ctx, struct store *s, struct taxii_peer_post *p,
                             struct hl_error *err)
{
    struct node_run *n = ctx;
    struct exchange_accept a = {
        .store = s, .me = &n->signer, .peer = p->party, .channel = p->channel};
    int r = exchange_accept_prepare(&a, (json_t *)p->objects, err);
    p->prepared = a.checks;
    return r;
}

static void node_peer_release(void *ctx, struct taxii_peer_post *p)
{
    (void)ctx;
    exchange_checks_free(p->prepared);
    p->prepared = NULL;
}

/* The server's peer_post hook: a peer's envelope to the exchange. */
static int node_peer_post(void *ctx, struct store *s, struct taxii_peer_post *p,
                          struct hl_error *err)
{
    struct node_run *n = ctx;
    struct exchange_accept a = {
        .checks = p->prepared,
        .store = s,
        .me = &n->signer,
        .peer = p->party,
        .peer_name = p->user,
        .channel = p->channel,
        .now_us = p->now_us,
        .successes = (json_t *)p->successes,
        .failures = (json_t *)p->failures,
        .added_last = p->added_last,
        .log = node_log_line,
        .log_ctx = (void *)n->o,
    };
    int r = exchange_accept_push(&a, (json_t *)p->objects, err);
    if (!r && a.gap)
        exchange_pull_soon(n->exchange, p->party);
    if (!r && a.whole_of_two)
        exchange_pushes_flow(n->exchange, p->party, p->channel);
    if (!r && a.receipts) {
        p->own_from = a.own_from;
        p->own_to = a.own_to;
        if (a.own_to - a.own_from <= TAXII_PEER_ENTRIES_MAX) {
            exchange_sent_in_answer(n->exchange, p->party, p->channel, a.own_from, a.own_to);
            p->answered_all = a.of_two;
        }
    }
    return r;
}

static void node_committed(void *ctx, const char *channel)
{
    exchange_wake(ctx, channel);
}

static void node_exchange_committed(void *ctx)
{
    struct node_run *n = ctx;
    pthread_mutex_lock(&n->server_lock);
    taxii_server_notify(n->server);
    pthread_mutex_unlock(&n->server_lock);
}

static void node_exchange_receipts(void *ctx, const char *channel, const struct json_t *objects)
{
    struct node_run *n = ctx;
    pthread_mutex_lock(&n->server_lock);
    taxii_server_receipts_taken(n->server, channel, objects);
    pthread_mutex_unlock(&n->server_lock);
}

/* The workflow's and ledger's metrics, then the node's own: when its TLS
 * certificate expires (peers pin it: a new one must reach every peer's
 * operator before, docs/operations.md). */
static int node_metrics(void *ctx, struct store *s, int64_t now_us, struct buf *out,
                        struct hl_error *err)
{
    const struct node_run *n = ctx;
    int r = workflow_metrics(s, now_us, out, err);
    if (!r && buf_addf(out,
                       "# HELP hotline_tls_certificate_expiry_timestamp_seconds When the node's "
                       "TLS certificate expires, Unix time.\n"
                       "# TYPE hotline_tls_certificate_expiry_timestamp_seconds gauge\n"
                       "hotline_tls_certificate_expiry_timestamp_seconds %lld\n",
                       (long long)atomic_load(&n->tls_expiry)))
        r = hl_fail(err, HL_E_TOO_LARGE, NULL, "metrics: too large");
    return r;
}

static int node_collection_id(const char *channel, char out[static 37])
{
    return taxii_collection_id(channel, out);
}

/* ---- the checkpointer ----------------------------------------------------
 * Every connection of the server, the replication worker and the deadline
 * worker sets manual_checkpoint: copying the journal back into the
 * database is this thread's work, every NODE_CHECKPOINT_MS, so that no
 * request waits for it (it was the p99 of a single-object POST). A page
 * written again between two checkpoints is copied once: under sustained
 * ingest (the random pages of the id index are written by every batch)
 * 500 ms took this thread from 3.1-4.3% of the CPU to 1.7-2.5% against
 * 100 ms (bench_fed, perf by thread name; bench/README.md), with a
 * journal of some 30 MB at most at 10,000 objects/s.
 *
 * Each round copies the bulk without holding anyone (passive), then,
 * holding the process's writers for the few pages written meanwhile,
 * restarts the journal (store_checkpoint_restart): without it, under a
 * steady flow of commits and reads the journal never restarted and
 * grew by some 40 MB/s, and every commit's fdatasync then also wrote the
 * file's inode. Readers of older snapshots are waited for at most
 * NODE_RESTART_WAIT_US; a writer waits that long at worst, twice a
 * second. A reader whose snapshot kept more than NODE_RESTART_LEFT_MAX
 * pages from the passive copy (an audit, an export) is not waited for:
 * the copy left to the restart would hold the writers meanwhile. */

#define NODE_CHECKPOINT_MS 500
#define NODE_RESTART_WAIT_US 2000
#define NODE_RESTART_LEFT_MAX 256 /* journal pages: 1 MiB */

/* The same thread removes the TAXII status records older than
 * status_retention_days: a bounded step (the NODE_PRUNE_BATCH oldest
 * records looked at, one commit under the writers' lock) at its first
 * round and then every NODE_PRUNE_ROUNDS, or at every round while a step
 * removes a whole batch (a node upgraded with years of them catches up at
 * 500 records a second). A step of 250 answers of 90 KB, each an envelope
 * of 1000 objects, holds the writers some 25 ms (bench_prune). */
#define NODE_PRUNE_ROUNDS 120 /* a minute */
#define NODE_PRUNE_BATCH 250

struct node_checkpointer {
    struct store *s;
    const struct node_serve_options *o; /* the log */
    _Atomic int64_t status_keep_us;     /* status_retention_days: SIGHUP may change it */
    unsigned prune_wait;                /* rounds until the next prune */
    bool prune_failing;                 /* the last prune failed (logged once) */
    bool failing;                       /* the last round failed (logged once) */
    pthread_mutex_t *write_lock;        /* the process's writers (struct node_run) */
    pthread_t thread;
    pthread_mutex_t lock;
    pthread_cond_t cond;
    bool stop;
};

/* One round; failures are retried at the next (and the next open
 * recovers whatever is left). A failing checkpoint (a full disk: the
 * database file cannot grow) is logged when it starts and when it ends:
 * meanwhile the journal only grows. */
static void node_checkpoint_round(struct node_checkpointer *c)
{
    struct hl_error e;
    int64_t left = 0;
    bool restarted;
    hl_error_clear(&e);
    int r = store_checkpoint(c->s, &left, &e);
    if (r && !c->failing)
        node_log(c->o, "checkpoint failing: %s; the journal grows until it succeeds", e.msg);
    else if (!r && c->failing)
        node_log(c->o, "checkpoint succeeds again");
    c->failing = r != 0;
    if (r || left > NODE_RESTART_LEFT_MAX)
        return; /* a failure, or a long reader: the restart would hold writers */
    pthread_mutex_lock(c->write_lock);
    int failed = store_checkpoint_restart(c->s, NODE_RESTART_WAIT_US, &restarted, &e);
    pthread_mutex_unlock(c->write_lock);
    (void)failed;
}

static void node_prune_round(struct node_checkpointer *c)
{
    struct hl_error e, ignored;
    size_t removed = 0;
    if (c->prune_wait > 0) {
        c->prune_wait--;
        return;
    }
    hl_error_clear(&e);
    pthread_mutex_lock(c->write_lock);
    int r = store_begin(c->s, &e);
    if (!r) {
        r = store_status_prune(c->s, hl_wall_us() - atomic_load(&c->status_keep_us),
                               NODE_PRUNE_BATCH, &removed, &e);
        r = r ? r : store_commit(c->s, &e);
        if (r && store_rollback(c->s, &ignored) != 0)
            hl_error_clear(&ignored); /* e says why; the connection rolls back at close */
    }
    pthread_mutex_unlock(c->write_lock);
    if (r && !c->prune_failing)
        node_log(c->o, "removing old TAXII status records failing: %s; retried every minute",
                 e.msg);
    else if (!r && c->prune_failing)
        node_log(c->o, "removing old TAXII status records succeeds again");
    c->prune_failing = r != 0;
    c->prune_wait = !r && removed == NODE_PRUNE_BATCH ? 0 : NODE_PRUNE_ROUNDS;
}

static void *node_checkpoint_run(void *arg)
{
    struct node_checkpointer *c = arg;
    hl_thread_name("hl-checkpoint");
    pthread_mutex_lock(&c->lock);
    while (!c->stop) {
        struct timespec t = hl_realtime_in_us(NODE_CHECKPOINT_MS * 1000);
        pthread_cond_timedwait(&c->cond, &c->lock, &t);
        pthread_mutex_unlock(&c->lock);
        node_checkpoint_round(c);
        node_prune_round(c);
        pthread_mutex_lock(&c->lock);
    }
    pthread_mutex_unlock(&c->lock);
    return NULL;
}

static HL_MUST_CHECK int node_checkpoint_start(struct node_run *n, struct node_checkpointer *c,
                                               struct hl_error *err)
{
    struct store_options so = {.must_exist = true, .concurrent = true};
    memset(c, 0, sizeof *c);
    c->write_lock = &n->write_lock;
    c->o = n->o;
    atomic_init(&c->status_keep_us, (int64_t)n->conf.status_retention_days * 86400 * 1000000);
    int r = store_open(n->db, &so, &c->s, err);
    if (r)
        return r;
    pthread_mutex_init(&c->lock, NULL);
    pthread_cond_init(&c->cond, NULL);
    if (pthread_create(&c->thread, NULL, node_checkpoint_run, c) != 0) {
        store_close(c->s);
        return hl_fail(err, HL_E_IO, "checkpoint", "cannot start the checkpointing thread");
    }
    return 0;
}

/* Stops the thread after one last checkpoint, and closes its store. */
static void node_checkpoint_stop(struct node_checkpointer *c)
{
    struct hl_error e;
    pthread_mutex_lock(&c->lock);
    c->stop = true;
    pthread_cond_signal(&c->cond);
    pthread_mutex_unlock(&c->lock);
    pthread_join(c->thread, NULL);
    int failed = store_checkpoint(c->s, NULL, &e); /* the next open recovers the rest */
    (void)failed;
    store_close(c->s);
    pthread_cond_destroy(&c->cond);
    pthread_mutex_destroy(&c->lock);
}

/* What SIGHUP reaches while the node serves. */
struct node_live {
    struct taxii_server *srv;
    struct workflow_worker *deadlines;
    struct node_checkpointer *ckpt;
};

/* Gives the workers the NODE_KEYS_LIVE values of c. */
static HL_MUST_CHECK int node_apply_live(struct node_run *n, const struct node_live *l,
                                         const struct node_config *c, struct hl_error *e)
{
    const struct taxii_live tl = {.max_content_length = c->max_content_length,
                                  .max_objects = c->max_objects,
                                  .rate_per_minute = c->rate_per_minute,
                                  .title = c->title,
                                  .description = c->description,
                                  .contact = c->contact};
    int r = workflow_worker_set(l->deadlines, c->deadline_interval_s, c->escalation_hook, e);
    if (!r)
        r = taxii_server_set_live(l->srv, &tl, e);
    if (r)
        return r;
    exchange_set_pull_interval(n->exchange, c->pull_interval_s);
    atomic_store(&l->ckpt->status_keep_us, (int64_t)c->status_retention_days * 86400 * 1000000);
    return 0;
}

/* SIGHUP reads hotline.conf again: what a running node can change (the
 * NODE_KEYS_LIVE keys) applies at once, and the log names it; what takes
 * a restart is named too, so that an operator who edited a listening
 * address or a timeout and reloaded is not left believing it applies. A
 * file that no longer reads changes nothing. */
static void node_reload_conf(struct node_run *n, const struct node_live *l)
{
    char path[NODE_PATH_MAX + 1], changed[256];
    struct node_config c;
    struct hl_error e;
    hl_error_clear(&e);
    node_config_defaults(&c, n->name);
    if (node_path(path, n->dir, NODE_CONF_FILE, &e) || node_config_read(path, &c, &e)) {
        node_log(n->o, "warning: SIGHUP: %s: %s; the node runs with what it read before",
                 e.where[0] ? e.where : NODE_CONF_FILE, e.msg);
        return;
    }
    if (n->o->listen) /* --listen overrides the file's */
        memcpy(c.listen, n->conf.listen, sizeof c.listen);
    if (node_config_diff(&n->conf, &c, NODE_KEYS_LIVE, changed, sizeof changed)) {
        if (node_apply_live(n, l, &c, &e))
            node_log(n->o, "warning: SIGHUP: %s: %s%s%s; the node runs with what it read before",
                     NODE_CONF_FILE, e.where, e.where[0] ? ": " : "", e.msg);
        else {
            node_config_take_live(&n->conf, &c);
            node_log(n->o, "SIGHUP: %s: %s now in force", NODE_CONF_FILE, changed);
        }
    }
    if (node_config_diff(&n->conf, &c, NODE_KEYS_RESTART, changed, sizeof changed))
        node_log(n->o, "SIGHUP: %s changed %s since the node started: a restart applies it",
                 NODE_CONF_FILE, changed);
}

/* SIGHUP: the certificate and key files read again, and presented from
 * the next handshake if they changed (hotline cert switch); the next pair
 * read again, and announced if it changed (hotline cert next). A pair
 * that does not load leaves the node as it was, said in the log. */
static void node_reload_tls(struct node_run *n, struct taxii_server *srv)
{
    struct node_tls_info info;
    struct hl_error e;
    char was[sizeof n->tls.fingerprint], next_was[sizeof n->next.fingerprint];
    memcpy(was, n->tls.fingerprint, sizeof was);
    memcpy(next_was, n->next.fingerprint, sizeof next_was);
    hl_error_clear(&e);
    if (node_tls_current(n, &info, srv, &e)) {
        node_log(n->o, "warning: SIGHUP: %s and %s: %s; still presenting the certificate sha256 %s",
                 n->cert, n->key, e.msg, was);
    } else if (strcmp(info.fingerprint, was) != 0) {
        n->tls = info;
        atomic_store(&n->tls_expiry, info.not_after);
        node_log(n->o, "SIGHUP: presenting the certificate sha256 %s from %s (was %s)",
                 info.fingerprint, n->cert, was);
        node_log_expiry(n);
    } else {
        node_log(n->o, "SIGHUP: the certificate %s is the one presented (sha256 %s)", n->cert, was);
    }
    hl_error_clear(&e);
    int r = node_tls_next(n, &e);
    if (!r)
        r = exchange_next_cert_set(n->exchange, n->next.fingerprint, &e);
    if (r)
        node_log(n->o, "warning: SIGHUP: the next certificate: %s", e.msg);
    else if (strcmp(next_was, n->next.fingerprint) != 0 || n->next_error[0])
        node_log_next(n);
}

/* Serves until SIGTERM or SIGINT; the signals are blocked by the caller. */
static HL_MUST_CHECK int node_run_server(struct node_run *n, const sigset_t *stop,
                                         struct hl_error *err)
{
    n->signer = (struct log_signer){n->party, &n->seal};
    const struct exchange_options xo = {
        .db_path = n->db,
        .me = &n->signer,
        .write_lock = &n->write_lock,
        .pull_interval_s = n->conf.pull_interval_s,
        .collection_id = node_collection_id,
        .log = node_log_line,
        .log_ctx = (void *)n->o,
        .committed = node_exchange_committed,
        .committed_ctx = n,
        .receipts_taken = node_exchange_receipts,
        .next_cert_sha256 = n->next.fingerprint,
    };
    const struct taxii_options t = {
        .db_path = n->db,
        .listen = n->conf.listen,
        .cert_path = n->cert,
        .key_path = n->key,
        .signer = &n->signer,
        .title = n->conf.title,
        .description = n->conf.description[0] ? n->conf.description : NULL,
        .contact = n->conf.contact[0] ? n->conf.contact : NULL,
        .threads = n->conf.threads,
        .max_content_length = n->conf.max_content_length,
        .max_objects = n->conf.max_objects,
        .max_connections = n->conf.max_connections,
        .max_per_client = n->conf.max_per_client,
        .rate_per_minute = n->conf.rate_per_minute,
        .timeout_s = n->conf.timeout_s,
        .log = node_log_line,
        .log_ctx = (void *)n->o,
        .peer_post = node_peer_post,
        .peer_prepare = node_peer_prepare,
        .peer_release = node_peer_release,
        .peer_ctx = n,
        .committed = node_committed,
        .write_lock = &n->write_lock,
        .manual_checkpoint = true,
        .metrics = node_metrics,
        .metrics_ctx = n,
        .object_check = workflow_object_check,
    };
    struct taxii_server *srv = NULL;
    char bound[NODE_LISTEN_MAX + 1], url[NODE_LISTEN_MAX + 32];
    int sig = 0;
    struct node_checkpointer ckpt;
    int r = node_checkpoint_start(n, &ckpt, err);
    if (r)
        return r;
    r = exchange_start(&xo, &n->exchange, err);
    if (r) {
        node_checkpoint_stop(&ckpt);
        return r;
    }
    struct taxii_options tw = t;
    tw.committed_ctx = n->exchange;
    r = taxii_server_start(&tw, &srv, err);
    if (r) {
        exchange_stop(n->exchange);
        node_checkpoint_stop(&ckpt);
        return r;
    }
    const struct workflow_worker_options wo = {
        .db_path = n->db,
        .interval_s = n->conf.deadline_interval_s,
        .hook = n->conf.escalation_hook,
        .log = node_log_line,
        .log_ctx = (void *)n->o,
    };
    struct workflow_worker *deadlines = NULL;
    r = workflow_worker_start(&wo, &deadlines, err);
    if (r) {
        taxii_server_stop(srv);
        exchange_stop(n->exchange);
        node_checkpoint_stop(&ckpt);
        return r;
    }
    pthread_mutex_lock(&n->server_lock);
    n->server = srv;
    pthread_mutex_unlock(&n->server_lock);
    uint16_t port = taxii_server_port(srv);
    node_log_start(n, port);
    node_bound(n, port, bound);
    snprintf(url, sizeof url, "https://%s/taxii2/", bound);
    struct hl_error lerr;
    hl_error_clear(&lerr);
    if (node_serve_lock_publish(&n->lock, bound, &lerr)) /* the CLI then tries hotline.conf's */
        node_log(n->o, "warning: %s", lerr.msg);
    if (n->o->ready)
        n->o->ready(n->o->ctx, url, n->name);
    /* Until SIGTERM or SIGINT; SIGHUP reloads the TLS files and applies
     * hotline.conf's live keys; each day without a signal, the
     * certificate's expiry is looked at again. */
    const struct timespec day = {86400, 0};
    const struct node_live live = {srv, deadlines, &ckpt};
    while ((sig = sigtimedwait(stop, NULL, &day)) != SIGTERM && sig != SIGINT) {
        if (sig == SIGHUP) {
            node_reload_tls(n, srv);
            node_reload_conf(n, &live);
        } else if (sig < 0 && errno == EAGAIN)
            node_log_expiry(n);
    }
    node_log(n->o, "stopping on %s: finishing requests in flight",
             sig == SIGTERM ? "SIGTERM" : "SIGINT");
    workflow_worker_stop(deadlines);
    pthread_mutex_lock(&n->server_lock);
    n->server = NULL;
    pthread_mutex_unlock(&n->server_lock);
    taxii_server_stop(srv);
    exchange_stop(n->exchange); /* a page in flight commits whole or not at all */
    node_checkpoint_stop(&ckpt);
    node_log(n->o, "stopped");
    return 0;
}

int node_serve(const char *dir, const struct node_serve_options *o, struct hl_error *err)
{
    struct node_run n;
    sigset_t stop;
    struct sigaction ign;
    if (!dir || !o)
        return hl_fail(err, HL_E_INVALID, NULL, "node: no directory or options");
    memset(&n, 0, sizeof n);
    n.lock.fd = -1;
    n.o = o;
    n.dir = dir;
    pthread_mutex_init(&n.write_lock, NULL);
    pthread_mutex_init(&n.server_lock, NULL);
    /* SIGHUP from the start: its default action ends the process, and a
     * `systemctl reload` during a long start (a migration) would stop
     * the node as if cleanly; pending, it reloads once serving. */
    sigemptyset(&stop);
    sigaddset(&stop, SIGHUP);
    pthread_sigmask(SIG_BLOCK, &stop, NULL);
    int r = node_prepare(&n, err);
    if (!r) {
        memset(&ign, 0, sizeof ign);
        ign.sa_handler = SIG_IGN;
        sigemptyset(&ign.sa_mask);
        sigaction(SIGPIPE, &ign, NULL);
        /* Stays blocked after the server stopped: a second signal while
         * the node winds down does not cut the clean exit short. */
        sigemptyset(&stop);
        sigaddset(&stop, SIGTERM);
        sigaddset(&stop, SIGINT);
        sigaddset(&stop, SIGHUP);
        pthread_sigmask(SIG_BLOCK, &stop, NULL);
        r = node_run_server(&n, &stop, err);
    }
    seal_key_wipe(&n.seal);
    node_serve_lock_release(&n.lock); /* last: every thread has stopped */
    pthread_mutex_destroy(&n.write_lock);
    pthread_mutex_destroy(&n.server_lock);
    return r;
}
