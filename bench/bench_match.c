/*
 * bench_match.c — the compiled STIX pattern matcher (issue 7) on one core:
 * observations per second against 10^3, 10^5 and 10^6 equality indicators
 * (a third each ipv4-addr:value, domain-name:value and
 * file:hashes.'SHA-256'), and against the same counts where 10% are
 * complex (LIKE, MATCHES, FOLLOWEDBY ... WITHIN, each with an equality
 * beside it), and once more at 10^5 with 8 patterns that have no key at
 * all ("mixed+8": evaluated on every observation of their type); bytes
 * per indicator (the matcher's own
 * count, and the growth of the process's resident memory); compile time
 * (parse + index, per indicator).
 *
 * Beside each figure, measured in the same run on the same observations:
 *   read   the floor of any matcher on this observation form: for every
 *          SCO, find the value at the indexed path among the leaves the
 *          observation lists (pattern.h, struct pattern_leaf), hash it;
 *   probe  read, plus one probe per observation of a bare open-addressing
 *          table of 64-bit hashes with as many entries as the matcher's
 *          index (the cost of a cache miss at that size).
 * The matcher's ratio to probe says what the engine adds to the physical
 * limit; its ratio from 10^3 to 10^6 says how flat it is.
 *
 * Observations: a pool of 1024 observed-data (one SCO each, a third of
 * each type; 10% carry a value some indicator has), matched round-robin:
 * small enough to stay in the core's cache next to a large index, as a
 * sensor's parser hands over what it just read. (With 8192, at 10^6
 * indicators the index's misses evict the observations themselves, and
 * half the matcher's time went to reading its SCO array back.)
 *
 * Environment: HL_BENCH_MATCH_MAX caps the largest count (default
 * 1000000); HL_BENCH_MATCH_REPS the repetitions per figure (median,
 * default 5); HL_BENCH_MATCH_ONLY=0|1|2 runs only the equality, mixed or
 * mixed+8 figures.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "pattern/pattern.h"

#define POOL 1024
#define MATCHES_PER_REP 2000000

static uint64_t rng = 0x2545f4914f6cdd1dull;

static uint64_t rnd(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return rng;
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static size_t rss_bytes(void)
{
    long pages = 0, resident = 0;
    FILE *f = fopen("/proc/self/statm", "r");
    if (f) {
        if (fscanf(f, "%ld %ld", &pages, &resident) != 2)
            resident = 0;
        fclose(f);
    }
    return (size_t)resident * (size_t)sysconf(_SC_PAGESIZE);
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* The value of indicator i of kind i % 3, deterministic, into out. */
static void value_of(uint64_t i, char *out, size_t n)
{
    uint64_t h = i * 0x9e3779b97f4a7c15ull + 0x1234567;
    h ^= h >> 29;
    switch (i % 3) {
    case 0:
        snprintf(out, n, "%u.%u.%u.%u", 10 + (unsigned)(h >> 56) % 200, (unsigned)(h >> 48) & 255,
                 (unsigned)(h >> 40) & 255, (unsigned)(h >> 32) & 255);
        break;
    case 1:
        snprintf(out, n, "h%llx.example", (unsigned long long)(h & 0xffffffffffull));
        break;
    default:
        snprintf(out, n, "%016llx%016llx%016llx%016llx", (unsigned long long)h,
                 (unsigned long long)(h * 3), (unsigned long long)(h * 5),
                 (unsigned long long)(h * 7));
        break;
    }
}

static const char *const kind_path[] = {"ipv4-addr:value", "domain-name:value",
                                        "file:hashes.'SHA-256'"};

/* Pattern of indicator i into out; complex every tenth when mixed. */
static void pattern_of(uint64_t i, bool mixed, char *out, size_t n)
{
    char v[80], w[80];
    value_of(i, v, sizeof v);
    if (!mixed || i % 10 != 7) {
        snprintf(out, n, "[%s = '%s']", kind_path[i % 3], v);
        return;
    }
    switch (i / 10 % 3) {
    case 0:
        snprintf(out, n, "[%s = '%s' AND %s LIKE '%%.e_ample']", kind_path[1], i % 3 == 1 ? v : "x",
                 kind_path[1]);
        if (i % 3 != 1)
            snprintf(out, n, "[%s = '%s' AND file:name LIKE '%%.exe']", kind_path[i % 3], v);
        break;
    case 1:
        snprintf(out, n, "[%s = '%s' AND file:name MATCHES '^[a-z]+\\\\.(exe|dll)$']",
                 kind_path[i % 3], v);
        if (i % 3 != 2)
            snprintf(out, n, "[%s = '%s' AND %s MATCHES '^[0-9a-z.]+$']", kind_path[i % 3], v,
                     kind_path[i % 3]);
        break;
    default:
        value_of(i + 1, w, sizeof w);
        snprintf(out, n, "[%s = '%s'] FOLLOWEDBY [%s = '%s'] WITHIN 300 SECONDS", kind_path[i % 3],
                 v, kind_path[(i + 1) % 3], w);
        break;
    }
}

static const char *const unanchored[] = {
    "[domain-name:value LIKE '%.evil.example']",
    "[domain-name:value MATCHES '^(www|mail)\\\\.bad[0-9]+\\\\.']",
    "[file:name MATCHES '^invoice.*\\\\.exe$']",
    "[file:name LIKE 'payload%.dll']",
    "[ipv4-addr:value NOT ISSUBSET '10.0.0.0/8' AND ipv4-addr:value ISSUPERSET '203.0.113.0/24']",
    "[domain-name:value LIKE 'c2-%']",
    "[file:size > 100000000]",
    "[EXISTS ipv4-addr:resolves_to_refs]",
};

/* The observation pool: 10% hits on indicators below n. */
static void make_pool(struct pattern_observation *pool, uint64_t n)
{
    char v[80], line[256];
    struct hl_error err;
    for (size_t k = 0; k < POOL; k++) {
        uint64_t i = rnd() % 10 == 0 ? rnd() % n : n + rnd() % (1ull << 40);
        unsigned kind = (unsigned)(k % 3);
        i = i - i % 3 + kind; /* the kind of this slot, same hit or miss */
        value_of(i, v, sizeof v);
        if (kind == 2)
            snprintf(line, sizeof line,
                     "file:hashes.SHA-256=%s file:name=%s ts=2026-01-01T00:%02zu:%02zuZ", v,
                     k % 2 ? "setup.exe" : "report.pdf", k / 60 % 60, k % 60);
        else
            snprintf(line, sizeof line, "%s=%s ts=2026-01-01T00:%02zu:%02zuZ",
                     kind == 0 ? "ipv4-addr:value" : "domain-name:value", v, k / 60 % 60, k % 60);
        if (pattern_observation_from_line(line, strlen(line), 0, &pool[k], &err)) {
            fprintf(stderr, "bench_match: %s: %s\n", line, err.msg);
            exit(2);
        }
    }
}

static uint64_t n_hits;

static void on_match(void *ctx, uint32_t indicator, const struct pattern_observation *o)
{
    (void)ctx;
    (void)indicator;
    (void)o;
    n_hits++;
}

/* The value an SCO is matched by, found as the matcher finds it: among
 * the leaves the observation lists (pattern.h), by path. */
struct leaf_path {
    uint8_t enc[32];
    uint32_t len;
    uint64_t hash;
};
static struct leaf_path path_value, path_sha256;

static void leaf_path_init(struct leaf_path *p, const char *k1, const char *k2)
{
    uint16_t n1 = (uint16_t)strlen(k1), n2 = k2 ? (uint16_t)strlen(k2) : 0;
    memcpy(p->enc, &n1, 2);
    memcpy(p->enc + 2, k1, n1);
    p->len = 2u + n1;
    if (k2) {
        memcpy(p->enc + p->len, &n2, 2);
        memcpy(p->enc + p->len + 2, k2, n2);
        p->len += 2u + n2;
    }
    p->hash = pattern_hash(p->enc, p->len);
}

static const json_t *indexed_value(const struct pattern_observation *o, const struct pattern_sco *s)
{
    const struct leaf_path *p = s->type[0] == 'f' ? &path_sha256 : &path_value;
    const struct pattern_leaf *l = o->leaves + s->first_leaf;
    for (uint32_t i = 0; i < s->n_leaves; i++)
        if (l[i].hash == p->hash && l[i].path_len == p->len && !memcmp(l[i].path, p->enc, p->len))
            return l[i].value;
    return NULL;
}

static volatile uint64_t sink;
static const struct pattern_observation *pool_ptr[POOL];

/* Observations per second of: 0 the matcher, 1 read, 2 read + bare probe. */
static double run(int what, struct pattern_matcher *m, const struct pattern_observation *pool,
                  const uint64_t *table, size_t cap)
{
    double t0 = now_s();
    uint64_t acc = 0;
    for (size_t r = 0; r < MATCHES_PER_REP; r++) {
        const struct pattern_observation *o = &pool[r % POOL];
        if (what == 0) {
            /* batches of 32 (pattern_matcher_match_many) */
            if (r % 32 == 0 &&
                pattern_matcher_match_many(m, &pool_ptr[r % POOL], 32, on_match, NULL))
                exit(2);
            continue;
        }
        for (size_t k = 0; k < o->n_scos; k++) {
            const json_t *v = indexed_value(o, &o->scos[k]);
            uint64_t h = pattern_hash(json_string_value(v), json_string_length(v));
            if (what == 2) {
                size_t i = h & (cap - 1);
                while (table[i] && table[i] != h)
                    i = (i + 1) & (cap - 1);
                h = table[i];
            }
            acc += h;
        }
    }
    sink = acc;
    return MATCHES_PER_REP / (now_s() - t0);
}

static double median(double *v, int n)
{
    qsort(v, (size_t)n, sizeof *v, cmp_double);
    return v[n / 2];
}

static void bench(uint64_t n, int mode, int reps)
{
    char pat[512], id[64];
    struct hl_error err;
    struct pattern_matcher_stats st;
    size_t rss0 = rss_bytes();
    double t0 = now_s();
    struct pattern_matcher *m = pattern_matcher_new();
    bool mixed = mode > 0;
    for (uint64_t i = 0; i < n; i++) {
        pattern_of(i, mixed, pat, sizeof pat);
        snprintf(id, sizeof id, "indicator--%08llx-0000-4000-8000-000000000000",
                 (unsigned long long)i);
        if (pattern_matcher_add(m, id, pat, strlen(pat), NULL, &err)) {
            fprintf(stderr, "bench_match: %s: %s: %s\n", pat, err.where, err.msg);
            exit(2);
        }
    }
    for (size_t k = 0; mode == 2 && k < sizeof unanchored / sizeof unanchored[0]; k++) {
        if (pattern_matcher_add(m, "indicator--unanchored", unanchored[k], strlen(unanchored[k]),
                                NULL, &err)) {
            fprintf(stderr, "bench_match: %s: %s\n", unanchored[k], err.msg);
            exit(2);
        }
    }
    double compile = now_s() - t0;
    pattern_matcher_get_stats(m, &st);
    size_t rss = rss_bytes() - rss0;

    /* the bare table: as many 64-bit hashes as the matcher has keys */
    size_t cap = 1024;
    while (cap * 7 < st.n_keys * 10)
        cap *= 2;
    uint64_t *table = calloc(cap, sizeof *table);
    for (uint64_t i = 0; i < st.n_keys; i++) {
        char v[80];
        value_of(i, v, sizeof v);
        uint64_t h = pattern_hash(v, strlen(v));
        size_t j = h & (cap - 1);
        while (table[j])
            j = (j + 1) & (cap - 1);
        table[j] = h;
    }
    struct pattern_observation *pool = calloc(POOL, sizeof *pool);
    make_pool(pool, n);
    for (size_t k = 0; k < POOL; k++)
        pool_ptr[k] = &pool[k];

    double mt[16], rd[16], pr[16];
    n_hits = 0;
    for (int r = 0; r < reps; r++) {
        mt[r] = run(0, m, pool, NULL, 0);
        rd[r] = run(1, m, pool, NULL, 0);
        pr[r] = run(2, m, pool, table, cap);
    }
    pattern_matcher_get_stats(m, &st);
    double a = median(mt, reps), b = median(rd, reps), c = median(pr, reps);
    printf("%-8s %9llu  %6.2f M/s  read %6.2f M/s  probe %6.2f M/s  matcher/probe %.2f  "
           "%5.1f B/ind (rss %5.1f)  compile %.2f s (%.2f us/ind)  hits/obs %.3f  "
           "evaluated/obs %.3f\n",
           mode == 0   ? "equality"
           : mode == 1 ? "mixed"
                       : "mixed+8",
           (unsigned long long)n, a / 1e6, b / 1e6, c / 1e6, a / c, (double)st.bytes / (double)n,
           (double)rss / (double)n, compile, compile * 1e6 / (double)n,
           (double)n_hits / (double)(reps * MATCHES_PER_REP),
           (double)st.n_candidates / (double)(reps * MATCHES_PER_REP));
    fflush(stdout);
    for (size_t k = 0; k < POOL; k++)
        pattern_observation_release(&pool[k]);
    free(pool);
    free(table);
    pattern_matcher_free(m);
}

int main(void)
{
    const char *max_env = getenv("HL_BENCH_MATCH_MAX"), *reps_env = getenv("HL_BENCH_MATCH_REPS");
    long long max = 1000000, reps = 5;
    if (max_env && !hl_parse_int(max_env, 1000, 100000000, &max)) {
        fprintf(stderr, "bench_match: HL_BENCH_MATCH_MAX must be 1000..100000000\n");
        return 2;
    }
    if (reps_env && !hl_parse_int(reps_env, 1, 15, &reps)) {
        fprintf(stderr, "bench_match: HL_BENCH_MATCH_REPS must be 1..15\n");
        return 2;
    }
    leaf_path_init(&path_value, "value", NULL);
    leaf_path_init(&path_sha256, "hashes", "SHA-256");
    printf("bench_match: %d observations per figure, median of %lld; one core\n", MATCHES_PER_REP,
           reps);
    const char *only_env = getenv("HL_BENCH_MATCH_ONLY");
    long long only = -1;
    if (only_env && !hl_parse_int(only_env, 0, 2, &only)) {
        fprintf(stderr, "bench_match: HL_BENCH_MATCH_ONLY must be 0 (equality), 1 (mixed) or 2\n");
        return 2;
    }
    for (int mode = 0; mode < 2; mode++) {
        if (only >= 0 && only != mode)
            continue;
        for (uint64_t n = 1000; n <= (uint64_t)max; n *= 100) {
            bench(n, mode, (int)reps);
            if (n * 100 > (uint64_t)max && n != (uint64_t)max && n < (uint64_t)max)
                bench((uint64_t)max, mode, (int)reps);
        }
    }
    /* the mixed set plus 8 patterns with no key, evaluated on every
     * observation of their type */
    if (only < 0 || only == 2)
        bench(max < 100000 ? (uint64_t)max : 100000, 2, (int)reps);
    return 0;
}
