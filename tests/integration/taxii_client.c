/*
 * taxii_client.c — runs the TAXII 2.1 conformance tests against a real
 * node (taxii.sh starts it and passes what it set up):
 *
 *   taxii_client --phase main|drain|acked|limits --url https://127.0.0.1:PORT
 *       --ca DIR/tls.crt --coll ID --coll-other ID --channel NAME
 *       --party IDENTITY --party-key B64 --peer IDENTITY --out DIR
 *       --user admin:NAME:TOKEN --user rw:NAME:TOKEN --user r:... --user w:...
 *       --user none:... --user nobody:... [--limit KEY=N]... [--test NAME]...
 *
 * Phase "main" seeds fixtures, then runs the read, write and load groups
 * against a node with generous limits; "drain" writes while taxii.sh
 * stops the node and "acked" checks after a restart that nothing
 * acknowledged was lost; phase "limits" runs against the
 * same node restarted with small limits (taxii.sh writes them into
 * hotline.conf) and crosses each one. Every test prints "ok NAME" or its
 * failed checks and "FAIL NAME"; the exit status is 0 only if every check
 * of every test that ran passed, 1 if one failed, 2 for a usage error.
 */
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "taxii_client.h"

struct tc_config tc_cfg;
struct tc_fixture tc_fix;

static atomic_int tc_failed_checks;
static _Thread_local const char *tc_current = "setup";

const char *tc_test_name(void)
{
    return tc_current;
}

void tc_thread_name(const char *name)
{
    tc_current = name;
}

bool tc_fail_false(const char *file, int line, const char *fmt, ...)
{
    char msg[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    const char *base = strrchr(file, '/');
    fprintf(stderr, "  FAIL %s: %s:%d: %s\n", tc_current, base ? base + 1 : file, line, msg);
    atomic_fetch_add(&tc_failed_checks, 1);
    return false;
}

static int tc_usage(const char *why)
{
    fprintf(stderr,
            "taxii_client: %s\nusage: taxii_client --phase main|limits --url URL --ca "
            "FILE --coll ID --coll-other ID --channel NAME --party ID --party-key B64 "
            "--peer ID --out DIR --user ROLE:NAME:TOKEN... [--test NAME]...\n",
            why);
    return 2;
}

static bool tc_user_arg(char *spec)
{
    char *name = strchr(spec, ':');
    char *token = name ? strchr(name + 1, ':') : NULL;
    if (!token)
        return false;
    *name++ = '\0';
    *token++ = '\0';
    struct tc_user *u = strcmp(spec, "admin") == 0    ? &tc_cfg.admin
                        : strcmp(spec, "rw") == 0     ? &tc_cfg.rw
                        : strcmp(spec, "r") == 0      ? &tc_cfg.r
                        : strcmp(spec, "w") == 0      ? &tc_cfg.w
                        : strcmp(spec, "none") == 0   ? &tc_cfg.none
                        : strcmp(spec, "nobody") == 0 ? &tc_cfg.nobody
                                                      : NULL;
    if (!u)
        return false;
    u->name = name;
    u->token = token;
    return true;
}

static bool tc_limit_arg(const char *spec)
{
    static const struct {
        const char *key;
        long *dst;
    } keys[] = {
        {"max_objects", &tc_cfg.max_objects},       {"max_connections", &tc_cfg.max_connections},
        {"max_per_client", &tc_cfg.max_per_client}, {"rate_per_minute", &tc_cfg.rate_per_minute},
        {"timeout_s", &tc_cfg.timeout_s},
    };
    const char *eq = strchr(spec, '=');
    long long v;
    if (!eq || !hl_parse_int(eq + 1, 1, 1000000, &v))
        return false;
    for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
        if (strlen(keys[i].key) == (size_t)(eq - spec) && !strncmp(spec, keys[i].key, eq - spec)) {
            *keys[i].dst = (long)v;
            return true;
        }
    }
    return false;
}

struct tc_args {
    const char *phase;
    const char *only[64];
    size_t n_only;
};

static bool tc_opt(const char *arg, const char *name, const char **dst, const char *val)
{
    if (strcmp(arg, name) != 0)
        return false;
    *dst = val;
    return true;
}

static int tc_parse_args(int argc, char **argv, struct tc_args *a)
{
    for (int i = 1; i < argc; i++) {
        if (i + 1 >= argc)
            return tc_usage("an option lacks its value");
        const char *k = argv[i], *v = argv[++i];
        if (strcmp(k, "--user") == 0) {
            if (!tc_user_arg(argv[i]))
                return tc_usage("--user wants ROLE:NAME:TOKEN, ROLE one of admin rw r w none "
                                "nobody");
        } else if (strcmp(k, "--limit") == 0) {
            if (!tc_limit_arg(v))
                return tc_usage("--limit wants KEY=N, KEY one of max_objects max_connections "
                                "max_per_client rate_per_minute timeout_s");
        } else if (strcmp(k, "--test") == 0) {
            if (a->n_only == sizeof(a->only) / sizeof(a->only[0]))
                return tc_usage("too many --test");
            a->only[a->n_only++] = v;
        } else if (!(tc_opt(k, "--phase", &a->phase, v) || tc_opt(k, "--url", &tc_cfg.url, v) ||
                     tc_opt(k, "--ca", &tc_cfg.ca, v) || tc_opt(k, "--coll", &tc_cfg.coll, v) ||
                     tc_opt(k, "--coll-other", &tc_cfg.coll_other, v) ||
                     tc_opt(k, "--channel", &tc_cfg.channel, v) ||
                     tc_opt(k, "--party", &tc_cfg.party, v) ||
                     tc_opt(k, "--party-key", &tc_cfg.party_key, v) ||
                     tc_opt(k, "--peer", &tc_cfg.peer, v) ||
                     tc_opt(k, "--out", &tc_cfg.out_dir, v))) {
            return tc_usage("unknown option");
        }
    }
    const struct tc_user *users[] = {&tc_cfg.admin, &tc_cfg.rw,   &tc_cfg.r,
                                     &tc_cfg.w,     &tc_cfg.none, &tc_cfg.nobody};
    for (size_t i = 0; i < sizeof(users) / sizeof(users[0]); i++) {
        if (!users[i]->name)
            return tc_usage("each of the users admin, rw, r, w, none and nobody is needed");
    }
    if (!a->phase || !tc_cfg.url || !tc_cfg.ca || !tc_cfg.coll || !tc_cfg.coll_other ||
        !tc_cfg.channel || !tc_cfg.party || !tc_cfg.party_key || !tc_cfg.peer || !tc_cfg.out_dir)
        return tc_usage("missing option");
    static const char *const phases[] = {"main", "drain", "acked", "limits"};
    bool known = false;
    for (size_t i = 0; i < 4; i++)
        known |= strcmp(a->phase, phases[i]) == 0;
    if (!known)
        return tc_usage("--phase is main, drain, acked or limits");
    return 0;
}

/* Every --test names a test of some phase (a typo must not pass as "not
 * in this phase"). */
static bool tc_names_known(const struct tc_args *a)
{
    const struct tc_test *groups[] = {tc_read_tests,   tc_object_tests, tc_write_tests,
                                      tc_ledger_tests, tc_load_tests,   tc_limit_tests,
                                      tc_drain_tests,  tc_acked_tests};
    for (size_t i = 0; i < a->n_only; i++) {
        bool found = false;
        for (size_t g = 0; g < sizeof(groups) / sizeof(groups[0]) && !found; g++) {
            for (const struct tc_test *t = groups[g]; t->name && !found; t++)
                found = strcmp(t->name, a->only[i]) == 0;
        }
        if (!found) {
            fprintf(stderr, "taxii_client: no test named %s\n", a->only[i]);
            return false;
        }
    }
    return true;
}

static bool tc_selected(const struct tc_args *a, const char *name)
{
    if (a->n_only == 0)
        return true;
    for (size_t i = 0; i < a->n_only; i++) {
        if (strcmp(a->only[i], name) == 0)
            return true;
    }
    return false;
}

static double tc_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Runs a group; returns the number of tests that failed. */
static int tc_run_group(const struct tc_test *tests, const struct tc_args *a, struct tc_conn *c,
                        int *ran)
{
    int failed = 0;
    for (const struct tc_test *t = tests; t->name; t++) {
        if (!tc_selected(a, t->name))
            continue;
        tc_current = t->name;
        int before = atomic_load(&tc_failed_checks);
        double t0 = tc_now();
        t->fn(c);
        double ms = (tc_now() - t0) * 1000;
        int n = atomic_load(&tc_failed_checks) - before;
        if (n) {
            printf("FAIL %s (%d failed checks, %.0f ms)\n", t->name, n, ms);
            failed++;
        } else {
            printf("ok %s (%.0f ms)\n", t->name, ms);
        }
        fflush(stdout);
        (*ran)++;
    }
    tc_current = "between tests";
    return failed;
}

int main(int argc, char **argv)
{
    struct tc_args a = {0};
    int rc = tc_parse_args(argc, argv, &a);
    if (rc)
        return rc;
    if (!tc_names_known(&a))
        return 2;
    if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
        return 2;
    struct tc_conn c;
    tc_conn_init(&c);
    int failed = 0, ran = 0;
    if (strcmp(a.phase, "main") == 0) {
        tc_current = "tc_seed";
        if (!tc_seed(&c)) {
            printf("FAIL tc_seed: the fixtures could not be published; nothing else ran\n");
            tc_conn_release(&c);
            curl_global_cleanup();
            return 1;
        }
        failed += tc_run_group(tc_read_tests, &a, &c, &ran);
        failed += tc_run_group(tc_object_tests, &a, &c, &ran);
        failed += tc_run_group(tc_write_tests, &a, &c, &ran);
        failed += tc_run_group(tc_ledger_tests, &a, &c, &ran);
        failed += tc_run_group(tc_load_tests, &a, &c, &ran);
    } else if (strcmp(a.phase, "drain") == 0) {
        failed += tc_run_group(tc_drain_tests, &a, &c, &ran);
    } else if (strcmp(a.phase, "acked") == 0) {
        failed += tc_run_group(tc_acked_tests, &a, &c, &ran);
    } else {
        if (!tc_cfg.max_objects || !tc_cfg.max_connections || !tc_cfg.max_per_client ||
            !tc_cfg.rate_per_minute || !tc_cfg.timeout_s) {
            tc_conn_release(&c);
            return tc_usage("phase limits needs --limit for each of the five limits");
        }
        failed += tc_run_group(tc_limit_tests, &a, &c, &ran);
    }
    tc_conn_release(&c);
    curl_global_cleanup();
    if (ran == 0 && a.n_only == 0) {
        printf("FAIL: no test ran\n");
        return 1;
    }
    printf("%s: %d tests, %d failed, %d failed checks\n", a.phase, ran, failed,
           atomic_load(&tc_failed_checks));
    return failed || atomic_load(&tc_failed_checks) ? 1 : 0;
}
