/*
 * bench_fed.c — issue 5's bench: two nodes on 127.0.0.1, A and B, each a
 * real `hotline serve` (fsync on both), peered as operators do it; figures
 * in bench/README.md.
 *
 *   (a) latency of one object end to end: a TAXII POST of one note to A
 *       (as A's user cli, as `hotline send` does) until A's delivery
 *       endpoint shows B's receipt covering it (asked with wait=, as
 *       `hotline send` does: it answers after the commit that brings the
 *       receipt): A commits, A's worker
 *       pushes to B, B accepts and commits the entry with its receipt, B's
 *       worker pushes the receipt back, A commits it. p50 and p99;
 *   (b) sustained A -> B: envelopes of 1000 notes POSTed to A back to
 *       back, until B's receipt covers the last one: objects/s; and B's
 *       share of it (the time B spent answering A's pushes, from B's
 *       request log): B's accept rate alone; and the CPU time each node
 *       spent per object delivered (user + system, all its threads, from
 *       /proc/PID/stat), which the host's speed moves less than the rate;
 *   (c) replication alone: the same envelopes into A's log while B is
 *       frozen (SIGSTOP), then B thawed: objects/s until B's receipt for
 *       the last is back at A (bf_backlog);
 *   (d) the floor measured in the same run: one fsync (4 KiB write and
 *       fdatasync in the nodes' directory) and one TLS round trip (GET on
 *       a kept connection to A). One object's trip needs three commits
 *       (A, B, A) and at least two request round trips (push, receipt).
 *
 * Both nodes and this client share the machine's CPUs. The hotline binary
 * next to this one (HL_BIN overrides) makes the nodes, in a fresh
 * directory under $TMPDIR (else /tmp), removed at exit (HL_BENCH_KEEP=1
 * leaves it). HL_BENCH_LATENCY (default 300) single objects,
 * HL_BENCH_BATCHES (default 20) envelopes of 1000.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <sodium.h>

#include "bench_proc.h"
#include "exchange/exchange.h"
#include "stix/stix.h"
#include "taxii/taxii.h"

#define BF_CHANNEL "bench"
#define BF_BATCH 1000
#define BF_SAMPLES_MAX 100000

static char bf_dir[512], bf_hotline[PATH_MAX];
static pid_t bf_pid[2] = {-1, -1};

static double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static void bf_cleanup(void)
{
    for (int i = 0; i < 2; i++)
        if (bf_pid[i] > 0) {
            kill(bf_pid[i], SIGTERM);
            waitpid(bf_pid[i], NULL, 0);
            bf_pid[i] = -1;
        }
    if (bf_dir[0] && !getenv("HL_BENCH_KEEP")) {
        char cmd[600];
        snprintf(cmd, sizeof cmd, "rm -rf '%s'", bf_dir);
        if (system(cmd) != 0)
            fprintf(stderr, "bench_fed: could not remove %s\n", bf_dir);
    }
}

static void bf_on_signal(int sig)
{
    bf_cleanup();
    signal(sig, SIG_DFL);
    raise(sig);
}

static void die(const char *fmt, ...) HL_PRINTF(1, 2);
static void die(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "bench_fed: ");
    vfprintf(stderr, fmt, ap);
    fprintf(stderr, "\n");
    va_end(ap);
    bf_cleanup();
    exit(2);
}

static void sh(const char *fmt, ...) HL_PRINTF(1, 2);
static void sh(const char *fmt, ...)
{
    char cmd[4096];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(cmd, sizeof cmd, fmt, ap);
    va_end(ap);
    if (system(cmd) != 0)
        die("failed: %s", cmd);
}

/* Two nodes, peered, channel BF_CHANNEL, rate limits lifted, on ports
 * from scripts/free-port (as the tests and the demo take theirs). */
static void bf_setup(void)
{
    static const char script[] =
        "set -e; H='%s'; D='%s'; P='%s'; cd \"$D\"\n"
        "for n in a b; do\n"
        "  $H init --party $n --data $n >/dev/null 2>&1\n"
        "  sed -i \"s/^listen = .*/listen = 127.0.0.1:$($P)/; "
        "s/^rate_per_minute = .*/rate_per_minute = 10000000/\" $n/hotline.conf\n"
        "  $H peer card --data $n >$n.card 2>/dev/null\n"
        "done\n"
        "$H peer add b --data a --card b.card >t1 2>&1\n"
        "tr -s ' \\n' '\\n\\n' <t1 | grep -v '^$' | tail -1 | "
        "$H peer add a --data b --card a.card --token - >t2 2>&1\n"
        "tr -s ' \\n' '\\n\\n' <t2 | grep -v '^$' | tail -1 | "
        "$H peer set b --data a --token - >/dev/null 2>&1\n"
        "$H channel create " BF_CHANNEL " --members b --data a >/dev/null\n"
        "$H channel create " BF_CHANNEL " --members a --data b >/dev/null\n";
    sh(script, bf_hotline, bf_dir, HL_SOURCE_ROOT "/scripts/free-port");
}

static void bf_serve(int i, const char *name)
{
    char data[600], logf[600], line[512];
    snprintf(data, sizeof data, "%s/%s", bf_dir, name);
    snprintf(logf, sizeof logf, "%s/%s.log", bf_dir, name);
    pid_t p = fork();
    if (p < 0)
        die("fork: %s", strerror(errno));
    if (p == 0) {
        int fd = open(logf, O_WRONLY | O_CREAT | O_TRUNC, 0600);
        if (fd < 0 || dup2(fd, 2) < 0)
            _exit(127);
        execl(bf_hotline, bf_hotline, "serve", "--data", data, (char *)NULL);
        _exit(127);
    }
    bf_pid[i] = p;
    for (int k = 0; k < 200; k++) {
        FILE *f = fopen(logf, "r");
        bool up = false;
        while (f && fgets(line, sizeof line, f))
            up = up || strstr(line, "hotline: serving") != NULL;
        if (f)
            fclose(f);
        if (up)
            return;
        usleep(25000);
    }
    die("%s did not start (see %s)", name, logf);
}

/* ---- A's API as `hotline send` uses it --------------------------------------- */

struct bf_node {
    char url[EXCHANGE_URL_MAX + 1], fp[EXCHANGE_FINGERPRINT_LEN + 1], token[128], coll[37];
    struct exchange_target t;
    struct exchange_client *c;
    struct exchange_answer a;
};

static void bf_read(const char *path, char *out, size_t max)
{
    FILE *f = fopen(path, "r");
    if (!f || !fgets(out, (int)max, f))
        die("cannot read %s", path);
    fclose(f);
    out[strcspn(out, "\r\n")] = '\0';
}

static void bf_connect(struct bf_node *n, const char *name)
{
    char path[700], listen[128], pem[8192];
    struct hl_error err;
    snprintf(path, sizeof path, "grep '^listen = ' '%s/%s/hotline.conf' | sed 's/.* = //'", bf_dir,
             name);
    FILE *p = popen(path, "r");
    if (!p || !fgets(listen, sizeof listen, p))
        die("no listen in %s's hotline.conf", name);
    pclose(p);
    listen[strcspn(listen, "\n")] = '\0';
    snprintf(n->url, sizeof n->url, "https://%s", listen);
    snprintf(path, sizeof path, "%s/%s/cli.token", bf_dir, name);
    bf_read(path, n->token, sizeof n->token);
    snprintf(path, sizeof path, "%s/%s/tls.crt", bf_dir, name);
    FILE *f = fopen(path, "r");
    size_t len = f ? fread(pem, 1, sizeof pem - 1, f) : 0;
    if (f)
        fclose(f);
    pem[len] = '\0';
    hl_error_clear(&err);
    if (exchange_pem_fingerprint(pem, n->fp, &err) || exchange_client_new(0, &n->c, &err) ||
        taxii_collection_id(BF_CHANNEL, n->coll))
        die("%s: %s", name, err.msg);
    n->t = (struct exchange_target){name, n->url, n->fp, n->token};
    exchange_answer_init(&n->a);
}

static void bf_call(struct bf_node *n, const char *method, const char *path, const char *body,
                    size_t len, long want)
{
    struct hl_error err;
    hl_error_clear(&err);
    if (exchange_client_request(n->c, &n->t, method, path, body, len, &n->a, &err))
        die("%s %s: %s", method, path, err.msg);
    if (n->a.status != want)
        die("%s %s: HTTP %ld: %.300s", method, path, n->a.status, n->a.body.data);
}

/* An envelope of count new notes into b; the last note's id into last. */
static void bf_notes(size_t count, struct buf *b, char last[STIX_ID_MAX])
{
    buf_clear(b);
    if (buf_adds(b, "{\"objects\":["))
        die("out of memory");
    for (size_t i = 0; i < count; i++) {
        if (stix_id_new("note", last))
            die("no random id");
        if (buf_addf(b,
                     "%s{\"type\":\"note\",\"spec_version\":\"2.1\",\"id\":\"%s\",\"created\":"
                     "\"2026-11-18T10:00:00.000Z\",\"modified\":\"2026-11-18T10:00:00.000Z\","
                     "\"content\":\"Beacon to 203.0.113.77 every 240 s from the historian; "
                     "block it and keep memory images (%zu).\",\"object_refs\":[\"%s\"]}",
                     i ? "," : "", last, i, last))
            die("out of memory");
    }
    if (buf_adds(b, "]}"))
        die("out of memory");
}

/* Waits on A's delivery endpoint until every member holds oid. */
static void bf_wait_delivered(struct bf_node *a, const char *oid, double limit_ms)
{
    char path[256];
    double until = now_ms() + limit_ms;
    for (;;) {
        double left = until - now_ms();
        snprintf(path, sizeof path, "/api/hotline/collections/%s/delivery/?object=%s&wait=%.0f",
                 a->coll, oid, left < 0 ? 0 : left > 20000 ? 20000 : left);
        bf_call(a, "GET", path, NULL, 0, 200);
        if (strstr(a->a.body.data, "\"delivered\":true") &&
            !strstr(a->a.body.data, "\"delivered\":false"))
            return;
        if (now_ms() > until)
            die("%s not delivered within %.0f ms: %s", oid, limit_ms, a->a.body.data);
    }
}

static int cmp_double(const void *x, const void *y)
{
    double a = *(const double *)x, b = *(const double *)y;
    return a < b ? -1 : a > b;
}

static double pct(double *v, size_t n, double p)
{
    qsort(v, n, sizeof *v, cmp_double);
    size_t i = (size_t)(p * (double)(n - 1) + 0.5);
    return v[i < n ? i : n - 1];
}

static size_t env_size(const char *name, size_t dflt)
{
    long long v;
    const char *s = getenv(name);
    return s && hl_parse_int(s, 1, BF_SAMPLES_MAX, &v) ? (size_t)v : dflt;
}

/* ---- the floor -------------------------------------------------------------- */

static double bf_fsync_p50(void)
{
    char path[600], block[4096];
    double v[200];
    memset(block, 'x', sizeof block);
    snprintf(path, sizeof path, "%s/fsync.probe", bf_dir);
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    if (fd < 0)
        die("%s: %s", path, strerror(errno));
    for (size_t i = 0; i < 200; i++) {
        double t = now_ms();
        if (pwrite(fd, block, sizeof block, (off_t)(i * sizeof block)) != (ssize_t)sizeof block ||
            fdatasync(fd) != 0)
            die("fsync probe: %s", strerror(errno));
        v[i] = now_ms() - t;
    }
    close(fd);
    return pct(v, 200, 0.5);
}

static double bf_rtt_p50(struct bf_node *a)
{
    double v[200];
    for (size_t i = 0; i < 200; i++) {
        double t = now_ms();
        bf_call(a, "GET", "/taxii2/", NULL, 0, 200);
        v[i] = now_ms() - t;
    }
    return pct(v, 200, 0.5);
}

/* The signature work every delivered object needs, measured now (this
 * machine's speed varies from minute to minute): one Ed25519 signature
 * (A seals it) and one verification (B checks the seal), over a message
 * the size of a sealed note's canonical form. The nodes cannot deliver
 * more than CPUs / (sign + verify) objects per second. */
static double bf_crypto_ceiling(double *sign_us, double *verify_us)
{
    enum { N = 2000, LEN = 1100 };
    unsigned char pk[crypto_sign_PUBLICKEYBYTES], sk[crypto_sign_SECRETKEYBYTES];
    unsigned char sig[crypto_sign_BYTES], msg[LEN];
    int bad = 0;
    if (sodium_init() < 0 || crypto_sign_keypair(pk, sk) != 0)
        die("libsodium");
    randombytes_buf(msg, sizeof msg);
    double t = now_ms();
    for (int i = 0; i < N; i++) {
        msg[0] = (unsigned char)i;
        bad |= crypto_sign_detached(sig, NULL, msg, sizeof msg, sk);
    }
    *sign_us = (now_ms() - t) * 1e3 / N;
    t = now_ms();
    for (int i = 0; i < N; i++)
        bad |= crypto_sign_verify_detached(sig, msg, sizeof msg, pk);
    *verify_us = (now_ms() - t) * 1e3 / N;
    sodium_memzero(sk, sizeof sk);
    if (bad)
        die("libsodium: a signature did not verify");
    long cpus = sysconf(_SC_NPROCESSORS_ONLN);
    return (double)(cpus > 0 ? cpus : 1) * 1e6 / (*sign_us + *verify_us);
}

/* ---- (a) latency, (b) throughput ------------------------------------------ */

static void bf_latency(struct bf_node *a, size_t n, double *p50, double *p99)
{
    char path[256], last[STIX_ID_MAX];
    struct buf body;
    double *v = calloc(n, sizeof *v);
    if (!v)
        die("out of memory");
    buf_init(&body, 1u << 20);
    snprintf(path, sizeof path, "/api/collections/%s/objects/", a->coll);
    for (size_t i = 0; i < n; i++) {
        bf_notes(1, &body, last);
        double t = now_ms();
        bf_call(a, "POST", path, body.data, body.len, 202);
        bf_wait_delivered(a, last, 10000);
        v[i] = now_ms() - t;
    }
    *p50 = pct(v, n, 0.5);
    *p99 = pct(v, n, 0.99);
    buf_release(&body);
    free(v);
}

/* Seconds B spent answering A's pushes, from B's request log after offset. */
static double bf_b_push_seconds(long offset, size_t *posts)
{
    char path[600], line[1024];
    double total = 0;
    snprintf(path, sizeof path, "%s/b.log", bf_dir);
    FILE *f = fopen(path, "r");
    *posts = 0;
    if (!f || fseek(f, offset, SEEK_SET) != 0)
        die("cannot read %s", path);
    while (fgets(line, sizeof line, f)) {
        char *p = strstr(line, " a POST /api/collections/");
        char *ms = p ? strrchr(line, ' ') : NULL;
        if (ms) {
            total += strtod(ms + 1, NULL) / 1e3;
            (*posts)++;
        }
    }
    fclose(f);
    return total;
}

/* CPU seconds node i has used so far (bench_proc.h). */
static double bf_cpu_seconds(int i)
{
    double s = bench_proc_cpu_seconds(bf_pid[i]);
    if (s < 0)
        die("cannot read the CPU time of node %d (pid %d)", i, (int)bf_pid[i]);
    return s;
}

static double bf_self_cpu_seconds(void)
{
    double s = bench_proc_self_cpu_seconds();
    if (s < 0)
        die("getrusage: %s", strerror(errno));
    return s;
}

static long bf_log_size(const char *name)
{
    char path[600];
    snprintf(path, sizeof path, "%s/%s.log", bf_dir, name);
    FILE *f = fopen(path, "r");
    long n = f && fseek(f, 0, SEEK_END) == 0 ? ftell(f) : 0;
    if (f)
        fclose(f);
    return n;
}

struct bf_rates {
    double delivered, a_ingest, b_accept; /* objects/s */
    double a_cpu_us, b_cpu_us;            /* CPU time per object delivered */
    double client_cpu_us; /* this process's (the publisher's client), the same */
};

static void bf_throughput(struct bf_node *a, size_t batches, struct bf_rates *out)
{
    char path[256], last[STIX_ID_MAX];
    struct buf *body = calloc(batches, sizeof *body);
    size_t posts = 0;
    if (!body)
        die("out of memory");
    snprintf(path, sizeof path, "/api/collections/%s/objects/", a->coll);
    for (size_t i = 0; i < batches; i++) {
        buf_init(&body[i], 8u << 20);
        bf_notes(BF_BATCH, &body[i], last);
    }
    long offset = bf_log_size("b");
    double cpu0[2] = {bf_cpu_seconds(0), bf_cpu_seconds(1)}, self0 = bf_self_cpu_seconds();
    double t = now_ms();
    for (size_t i = 0; i < batches; i++)
        bf_call(a, "POST", path, body[i].data, body[i].len, 202);
    double published = now_ms();
    bf_wait_delivered(a, last, 600000);
    double secs = (now_ms() - t) / 1e3;
    double total = (double)(batches * BF_BATCH);
    out->a_cpu_us = (bf_cpu_seconds(0) - cpu0[0]) * 1e6 / total;
    out->b_cpu_us = (bf_cpu_seconds(1) - cpu0[1]) * 1e6 / total;
    out->client_cpu_us = (bf_self_cpu_seconds() - self0) * 1e6 / total;
    out->delivered = total / secs;
    out->a_ingest = total / ((published - t) / 1e3);
    double b_secs = bf_b_push_seconds(offset, &posts);
    out->b_accept = b_secs > 0 ? (double)(batches * (BF_BATCH + 1)) / b_secs : 0;
    for (size_t i = 0; i < batches; i++)
        buf_release(&body[i]);
    free(body);
}

/* The size of a node's journal file (its -wal), MB. The file keeps the
 * largest size it reached (cut back to 64 MiB at a restart past that), so
 * it shows the most the node wrote between two restarts of it. */
static double bf_journal_mb(const char *who)
{
    char path[600];
    struct stat st;
    snprintf(path, sizeof path, "%s/%s/hotline.db-wal", bf_dir, who);
    return stat(path, &st) == 0 ? (double)st.st_size / 1e6 : 0;
}

/* (c) Replication alone: B is frozen (SIGSTOP) while the same envelopes
 * go into A's log, then thawed; from then until B's receipt covers the
 * last object at A, A's worker pushes the backlog and B accepts it, with
 * no ingest competing for the CPUs. A push in flight when B froze waits
 * in the socket (well inside the client's 15 s without a byte). */
static double bf_backlog(struct bf_node *a, size_t batches)
{
    char path[256], last[STIX_ID_MAX];
    struct buf body;
    buf_init(&body, 8u << 20);
    snprintf(path, sizeof path, "/api/collections/%s/objects/", a->coll);
    if (kill(bf_pid[1], SIGSTOP) != 0)
        die("SIGSTOP b: %s", strerror(errno));
    for (size_t i = 0; i < batches; i++) {
        bf_notes(BF_BATCH, &body, last);
        bf_call(a, "POST", path, body.data, body.len, 202);
    }
    double t = now_ms();
    if (kill(bf_pid[1], SIGCONT) != 0)
        die("SIGCONT b: %s", strerror(errno));
    bf_wait_delivered(a, last, 600000);
    double secs = (now_ms() - t) / 1e3;
    buf_release(&body);
    return (double)(batches * BF_BATCH) / secs;
}

int main(int argc, char **argv)
{
    (void)argc;
    const char *bin = getenv("HL_BIN");
    if (bin)
        snprintf(bf_hotline, sizeof bf_hotline, "%s", bin);
    else {
        char self[PATH_MAX - 16];
        ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
        self[n > 0 ? n : 0] = '\0';
        char *slash = strrchr(self, '/');
        if (slash)
            *slash = '\0';
        snprintf(bf_hotline, sizeof bf_hotline, "%.*s/../hotline", PATH_MAX - 16,
                 n > 0 ? self : argv[0]);
    }
    const char *tmpdir = getenv("TMPDIR");
    snprintf(bf_dir, sizeof bf_dir, "%s/bench_fed.XXXXXX", tmpdir ? tmpdir : "/tmp");
    if (!mkdtemp(bf_dir))
        die("mkdtemp: %s", strerror(errno));
    signal(SIGINT, bf_on_signal);
    signal(SIGTERM, bf_on_signal);
    signal(SIGHUP, bf_on_signal);
    bf_setup();
    bf_serve(0, "a");
    bf_serve(1, "b");
    struct bf_node a;
    bf_connect(&a, "a");
    size_t n_lat = env_size("HL_BENCH_LATENCY", 300), batches = env_size("HL_BENCH_BATCHES", 20);
    double fsync50 = bf_fsync_p50(), rtt50 = bf_rtt_p50(&a);
    double p50, p99;
    struct bf_rates b;
    bf_latency(&a, 20, &p50, &p99); /* warm-up: connections, caches */
    bf_latency(&a, n_lat, &p50, &p99);
    bf_throughput(&a, batches, &b);
    double journal_mb[2] = {bf_journal_mb("a"), bf_journal_mb("b")};
    double backlog = bf_backlog(&a, batches);
    double sign_us, verify_us, ceiling = bf_crypto_ceiling(&sign_us, &verify_us);
    printf("nodes' malloc: %s / %s\n", bench_proc_malloc(bf_pid[0]), bench_proc_malloc(bf_pid[1]));
    printf("floor: fsync p50 %.3f ms, TLS round trip p50 %.3f ms; one object's trip needs 3 "
           "commits and 2 pushes: >= %.2f ms\n",
           fsync50, rtt50, 3 * fsync50 + 2 * rtt50);
    printf("(a) send -> receipt back at A, single objects (%zu): p50 %.2f ms, p99 %.2f ms "
           "(goals 3 and 10)\n",
           n_lat, p50, p99);
    printf("(b) A -> B sustained, %zu envelopes of %d: %.0f objects/s delivered "
           "(goal 10000); A's ingest while B accepts %.0f/s; B's accept alone %.0f entries/s\n",
           batches, BF_BATCH, b.delivered, b.a_ingest, b.b_accept);
    printf("(b) CPU per object delivered: A %.1f us, B %.1f us, together %.1f us (%ld CPUs: at "
           "most %.0f objects/s at this speed); the client %.1f us\n",
           b.a_cpu_us, b.b_cpu_us, b.a_cpu_us + b.b_cpu_us, sysconf(_SC_NPROCESSORS_ONLN),
           1e6 * (double)sysconf(_SC_NPROCESSORS_ONLN) / (b.a_cpu_us + b.b_cpu_us),
           b.client_cpu_us);
    printf("(b) journal files after it: A %.1f MB, B %.1f MB\n", journal_mb[0], journal_mb[1]);
    printf("(c) A -> B replication alone (a backlog of %zu objects in A's log, B thawed): %.0f "
           "objects/s\n",
           batches * BF_BATCH, backlog);
    printf("signature ceiling: %.0f objects/s (sign %.1f + verify %.1f us per object on %ld "
           "CPUs); (b) %.0f%% of it, (c) %.0f%%\n",
           ceiling, sign_us, verify_us, sysconf(_SC_NPROCESSORS_ONLN), 100 * b.delivered / ceiling,
           100 * backlog / ceiling);
    exchange_answer_release(&a.a);
    exchange_client_free(a.c);
    bf_cleanup();
    return 0;
}
