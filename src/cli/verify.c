/*
 * verify.c — `hotline verify --data DIR | --file FILE [--all] [--json]
 * [--threads N] [--progress]`: the audit of issue 3, over a node's
 * database (log_audit_store) or an evidence file (log_audit_file).
 *
 * What is checked is the ledger's business (src/ledger/verify.c): every
 * seal, every sequence number, every stored subtree hash, tree head and
 * receipt against the roots recomputed from the entries, and heads of one
 * log against each other (equivocation). This file reports:
 *
 *   PARTY/CHANNEL seq N: what is wrong          (a node)
 *   FILE:LINE: PARTY/CHANNEL seq N: what        (an evidence file)
 *   evidence: {the signed statement, as stored} (one line per statement,
 *                                                after an equivocation)
 *   verified L logs, E entries, H tree heads, R receipts   (success)
 *
 * on stdout; progress on stderr (if it is a terminal, or with --progress).
 * Without --all the audit stops at the first failure.
 * Exit codes: 0 everything holds; 1 something does not; 2 the audit could
 * not run (usage, unreadable file, no such node).
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"

#define VERIFY_MAX_THREADS 256
#define VERIFY_PROGRESS_NS 250000000LL /* at most 4 progress lines a second */

struct verify_ctx {
    const char *file; /* NULL for a node */
    bool all, json, progress, tty;
    json_t *failures; /* --json: the list being built */
    uint64_t n_failures;
    int64_t last_progress_ns;
    bool progress_shown;
};

static void verify_help(void)
{
    printf("usage: hotline verify --data DIR [--all] [--json] [--threads N] [--progress]\n"
           "       hotline verify --file FILE [--all] [--json] [--threads N] [--progress]\n\n"
           "Audits every log of the node DIR, or of an evidence file made by 'hotline log\n"
           "export': each entry's bytes are canonical (RFC 8785) and sealed by the log's\n"
           "party for that log and sequence number; sequence numbers have no gap and no\n"
           "duplicate; every stored subtree hash, tree head and receipt states the root\n"
           "recomputed from the entries (RFC 9162); two heads of one log and size with\n"
           "different roots are equivocation, and both signed statements are printed.\n\n"
           "Prints each failure as\n"
           "  PARTY/CHANNEL seq N: what is wrong       (FILE:LINE: first, for a file)\n"
           "and on success\n"
           "  verified L logs, E entries, H tree heads, R receipts\n\n"
           "  --all         list every failure (default: stop at the first)\n"
           "  --json        print one report: {\"verified\", \"logs\", \"entries\",\n"
           "                \"tree_heads\", \"receipts\", \"failures\": [{\"party\", \"channel\",\n"
           "                \"seq\", \"line\", \"error\", \"what\", \"evidence\"}]}\n"
           "  --threads N   seal checks in parallel (default: one per CPU)\n"
           "  --progress    report progress on stderr even if it is not a terminal\n\n"
           "Exit codes: 0 everything holds; 1 something does not; 2 the audit could\n"
           "not run (usage error, unreadable file, no such node).\n");
}

static int64_t verify_clock_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static void verify_progress(void *ctx, uint64_t done)
{
    struct verify_ctx *v = ctx;
    int64_t now = verify_clock_ns();
    if (now - v->last_progress_ns < VERIFY_PROGRESS_NS)
        return;
    v->last_progress_ns = now;
    v->progress_shown = true;
    fprintf(stderr, "%sverify: %" PRIu64 " entries checked%s", v->tty ? "\r" : "", done,
            v->tty ? "" : "\n");
}

/* Ends a progress line on a terminal before other output. */
static void verify_progress_end(struct verify_ctx *v)
{
    if (v->progress_shown && v->tty)
        fputc('\n', stderr);
    v->progress_shown = false;
}

/* A statement as evidence: its JSON if it parses, else its text. */
static json_t *verify_evidence(const char *bytes)
{
    json_t *v = json_loads(bytes, JSON_REJECT_DUPLICATES, NULL);
    return v ? v : json_string(bytes);
}

static int verify_fail_json(struct verify_ctx *v, const struct log_failure *f)
{
    json_t *ev = json_array();
    for (int i = 0; i < 2 && ev; i++) {
        if (f->evidence[i])
            json_array_append_new(ev, verify_evidence(f->evidence[i]));
    }
    json_t *o = json_pack("{s:s, s:s, s:I, s:I, s:s, s:s, s:o*}", "party", f->party, "channel",
                          f->channel, "seq", (json_int_t)f->seq, "line", (json_int_t)f->line,
                          "error", hl_strerror(f->code), "what", f->what, "evidence", ev);
    return o && json_array_append_new(v->failures, o) == 0 ? 0 : -HL_E_NOMEM;
}

/* Prints one failure (or records it for --json); tells the audit whether
 * to go on. */
static int verify_fail(void *ctx, const struct log_failure *f)
{
    struct verify_ctx *v = ctx;
    if (!v->all && v->n_failures > 0)
        return 1; /* the engine may finish checks already under way */
    v->n_failures++;
    verify_progress_end(v);
    if (v->json) {
        if (verify_fail_json(v, f))
            return -HL_E_NOMEM;
        return v->all ? 0 : 1;
    }
    if (v->file && f->line > 0)
        printf("%s:%ld: ", v->file, f->line);
    else if (v->file)
        printf("%s: ", v->file);
    if (f->party[0]) { /* else the file or store as a whole */
        printf("%s/%s", f->party, f->channel);
        if (f->seq >= 0)
            printf(" seq %" PRId64, f->seq);
        printf(": ");
    }
    printf("%s\n", f->what);
    for (int i = 0; i < 2; i++) {
        if (f->evidence[i])
            printf("evidence: %s\n", f->evidence[i]);
    }
    return v->all ? 0 : 1;
}

static int verify_report(struct verify_ctx *v, int r, const struct log_audit_summary *sum)
{
    if (v->json) {
        json_t *o = json_pack("{s:b, s:I, s:I, s:I, s:I, s:O}", "verified", r == 0, "logs",
                              (json_int_t)sum->logs, "entries", (json_int_t)sum->entries,
                              "tree_heads", (json_int_t)sum->tree_heads, "receipts",
                              (json_int_t)sum->receipts, "failures", v->failures);
        int ok = o && json_dumpf(o, stdout, JSON_COMPACT | JSON_ENSURE_ASCII) == 0;
        putchar('\n');
        json_decref(o);
        if (!ok)
            return CLI_ERROR;
    } else if (r == 0) {
        printf("verified %zu log%s, %" PRIu64 " entr%s, %" PRIu64 " tree head%s, %" PRIu64
               " receipt%s\n",
               sum->logs, sum->logs == 1 ? "" : "s", sum->entries, sum->entries == 1 ? "y" : "ies",
               sum->tree_heads, sum->tree_heads == 1 ? "" : "s", sum->receipts,
               sum->receipts == 1 ? "" : "s");
    } else {
        if (v->all)
            printf("verification FAILED: %" PRIu64 " failure(s)\n", v->n_failures);
        else
            printf("verification FAILED (stopped at the first failure; --all lists every one)\n");
    }
    return r == 0 ? CLI_OK : CLI_FAIL;
}

/* An evidence file that breaks the rules of its form (a cut last line, a
 * NUL byte, a bad header: docs/protocol.md V1-V5) failed the check: it is
 * reported as a failure, not as input that could not be read. The message
 * names FILE:LINE itself. */
static int verify_file_broken(struct verify_ctx *v, const struct hl_error *err)
{
    v->n_failures++;
    if (!v->json) {
        printf("%s\n", err->msg);
        return 0;
    }
    json_t *o = json_pack("{s:s, s:s, s:I, s:I, s:s, s:s, s:[]}", "party", "", "channel", "", "seq",
                          (json_int_t)-1, "line", (json_int_t)0, "error", hl_strerror(err->code),
                          "what", err->msg, "evidence");
    return o && json_array_append_new(v->failures, o) == 0 ? 0 : -HL_E_NOMEM;
}

/* Runs the audit of the node in dir, or of the evidence file. */
static int verify_run(struct verify_ctx *v, const char *dir, const struct log_audit_options *o,
                      struct log_audit_summary *sum, struct hl_error *err)
{
    if (v->file)
        return log_audit_file(v->file, o, sum, err);
    struct cli_node node;
    if (cli_node_open("verify", dir, false, &node))
        return -HL_E_NOT_FOUND;
    int r = log_audit_store(node.store, o, sum, err);
    cli_node_close(&node);
    return r;
}

int cli_verify(int argc, char **argv)
{
    struct verify_ctx v = {0};
    const char *dir = NULL, *threads = NULL;
    const struct cli_opt opts[] = {{"--data", NULL, &dir, NULL},
                                   {"--file", NULL, &v.file, NULL},
                                   {"--all", NULL, NULL, &v.all},
                                   {"--json", NULL, NULL, &v.json},
                                   {"--threads", NULL, &threads, NULL},
                                   {"--progress", NULL, NULL, &v.progress},
                                   {NULL, NULL, NULL, NULL}};
    int n = 0;
    long long n_threads = 0;
    if (cli_wants_help(argc, argv)) {
        verify_help();
        return CLI_OK;
    }
    if (cli_parse_opts("verify", argc, argv, opts, NULL, 0, &n))
        return CLI_ERROR;
    if (!dir == !v.file)
        return cli_usage_error("verify", "give either --data DIR or --file FILE");
    if (threads && !hl_parse_int(threads, 0, VERIFY_MAX_THREADS, &n_threads))
        return cli_usage_error("verify", "--threads needs an integer from 0 to %d",
                               VERIFY_MAX_THREADS);
    v.tty = isatty(STDERR_FILENO);
    struct log_audit_options o = {(unsigned)n_threads, verify_fail, &v,
                                  v.progress || v.tty ? verify_progress : NULL};
    struct log_audit_summary sum = {0};
    struct hl_error err;
    hl_error_clear(&err);
    v.failures = json_array();
    if (!v.failures)
        return CLI_ERROR;
    int r = verify_run(&v, dir, &o, &sum, &err);
    verify_progress_end(&v);
    int rc;
    if (r == -HL_E_PARSE && v.file && verify_file_broken(&v, &err) == 0)
        r = -HL_E_VERIFY;
    if (r == 0 || (r == -HL_E_VERIFY && v.n_failures > 0)) {
        rc = verify_report(&v, r, &sum);
    } else {
        if (err.code && v.file && err.where[0])
            fprintf(stderr, "%s:%s: %s\n", v.file, err.where, err.msg);
        else if (err.code)
            cli_report(&err);
        rc = r == -HL_E_VERIFY ? CLI_FAIL : CLI_ERROR;
    }
    json_decref(v.failures);
    return fflush(stdout) == 0 ? rc : CLI_ERROR;
}
