/*
 * bench_validate.c — how much the strict STIX path costs over bare JSON
 * parsing, on a realistic bundle.
 *
 * A bundle of BENCH_OBJECTS objects is built in memory from the OASIS
 * examples in $HL_SHARED/stix2/examples (recursively; $HL_SHARED/stix2/
 * interop is read too, but its files are JSON Schemas, not STIX objects,
 * and are skipped for lacking a "type"). Each copy gets a fresh id, so no
 * two objects are the same. The bundle is serialized once (compact, as on
 * the wire), then, BENCH_RUNS times each, with the median reported:
 *
 *   (a) bare      json_loadb of the whole bundle, then json_decref;
 *   (b) strict    stix_parse of the whole bundle, stix_validate_document,
 *                 stix_canon of every object, json_decref — what a node
 *                 does to every batch it receives before it signs.
 *
 * Printed: objects/s and MB/s of each, the time of each step of (b), and
 * the ratio (b)/(a). The goal (issue: validation benchmark) is a ratio of
 * at most 2. When hotline is built without the validator (src/stix/
 * validate.c and findings.c not yet written) the build does not define
 * HL_HAVE_VALIDATE and (b) skips validation; the output says so.
 */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "stix/stix.h"

#define BENCH_OBJECTS 10000
#define BENCH_RUNS 5
#define BENCH_MAX_TEMPLATES 4096
#define BENCH_MAX_FILE (16u * 1024 * 1024)

struct bench_templates {
    json_t *items[BENCH_MAX_TEMPLATES]; /* owned references */
    size_t n;
};

static double bench_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static int bench_cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static double bench_median(double *v, size_t n)
{
    qsort(v, n, sizeof *v, bench_cmp_double);
    return v[n / 2];
}

/* Keeps obj (a new reference is taken) if it looks like a STIX object. */
static void bench_keep(struct bench_templates *t, json_t *obj)
{
    if (t->n < BENCH_MAX_TEMPLATES && json_is_string(json_object_get(obj, "type")) &&
        json_is_string(json_object_get(obj, "id")))
        t->items[t->n++] = json_incref(obj);
}

/* Adds the objects of one file (a bundle, or a lone object). */
static void bench_load_file(struct bench_templates *t, const char *path)
{
    struct buf b;
    struct hl_error err;
    json_t *doc = NULL;
    buf_init(&b, BENCH_MAX_FILE);
    if (hl_read_file(path, BENCH_MAX_FILE, &b, &err) == 0 &&
        stix_parse(b.data, b.len, &doc, &err) == 0) {
        json_t *objects = json_object_get(doc, "objects");
        if (stix_doc_kind(doc) == STIX_DOC_BUNDLE && json_is_array(objects)) {
            size_t i;
            json_t *o;
            json_array_foreach(objects, i, o) bench_keep(t, o);
        } else if (stix_doc_kind(doc) == STIX_DOC_OBJECT) {
            bench_keep(t, doc);
        }
    } else {
        fprintf(stderr, "bench_validate: skipping %s: %s\n", path, err.msg);
    }
    json_decref(doc);
    buf_release(&b);
}

/* Loads every *.json under dir, one level of subdirectories deep. */
static void bench_load_dir(struct bench_templates *t, const char *dir, int depth)
{
    DIR *d = opendir(dir);
    if (!d)
        return;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        char path[1024];
        if (e->d_name[0] == '.')
            continue;
        int n = snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
        if (n < 0 || (size_t)n >= sizeof path)
            continue;
        size_t len = strlen(e->d_name);
        if (len > 5 && strcmp(e->d_name + len - 5, ".json") == 0)
            bench_load_file(t, path);
        else if (depth > 0 && e->d_type == DT_DIR)
            bench_load_dir(t, path, depth - 1);
    }
    closedir(d);
}

/* A version-4-shaped UUID from a fixed-seed generator: the same bundle on
 * every run and machine. */
static void bench_uuid(uint64_t *state, char out[37])
{
    uint64_t w[2];
    for (int i = 0; i < 2; i++) {
        *state ^= *state << 13;
        *state ^= *state >> 7;
        *state ^= *state << 17;
        w[i] = *state;
    }
    snprintf(out, 37, "%08x-%04x-4%03x-%04x-%012llx", (unsigned)(w[0] >> 32),
             (unsigned)(w[0] >> 16) & 0xFFFFu, (unsigned)w[0] & 0xFFFu,
             (unsigned)(0x8000u | ((w[1] >> 48) & 0x3FFFu)),
             (unsigned long long)(w[1] & 0xFFFFFFFFFFFFull));
}

/* The bundle's bytes (caller frees), or NULL. */
static char *bench_build_bundle(const struct bench_templates *t, size_t *len)
{
    uint64_t rng = 0x9E3779B97F4A7C15ull;
    json_t *objects = json_array();
    for (size_t i = 0; objects && i < BENCH_OBJECTS; i++) {
        json_t *copy = json_deep_copy(t->items[i % t->n]);
        const char *type = json_string_value(json_object_get(copy, "type"));
        char uuid[37], id[STIX_ID_MAX];
        bench_uuid(&rng, uuid);
        snprintf(id, sizeof id, "%s--%s", type, uuid); /* types are short */
        json_object_set_new(copy, "id", json_string(id));
        json_array_append_new(objects, copy);
    }
    char uuid[37], id[STIX_ID_MAX];
    bench_uuid(&rng, uuid);
    snprintf(id, sizeof id, "bundle--%s", uuid);
    json_t *bundle = json_pack("{s:s, s:s, s:o}", "type", "bundle", "id", id, "objects", objects);
    char *text = bundle ? json_dumps(bundle, JSON_COMPACT) : NULL;
    *len = text ? strlen(text) : 0;
    json_decref(bundle);
    return text;
}

/* (a): seconds for json_loadb + json_decref of the bundle. */
static double bench_bare(const char *text, size_t len)
{
    json_error_t e;
    double t0 = bench_now();
    json_t *doc = json_loadb(text, len, 0, &e);
    if (!doc) {
        fprintf(stderr, "bench_validate: json_loadb: %s\n", e.text);
        exit(2);
    }
    json_decref(doc);
    return bench_now() - t0;
}

struct bench_strict_times {
    double parse, validate, canon, total;
    size_t canon_bytes;
};

/* (b): stix_parse, validation, stix_canon of each object, json_decref. */
static void bench_strict(const char *text, size_t len, struct buf *out,
                         struct bench_strict_times *bt)
{
    struct hl_error err;
    json_t *doc = NULL;
    double t0 = bench_now();
    if (stix_parse(text, len, &doc, &err)) {
        fprintf(stderr, "bench_validate: stix_parse: %s: %s\n", err.where, err.msg);
        exit(2);
    }
    double t1 = bench_now();
#ifdef HL_HAVE_VALIDATE
    struct stix_report report;
    stix_report_init(&report);
    stix_validate_document(doc, &report);
    if (!stix_report_ok(&report))
        fprintf(stderr, "bench_validate: %zu validation errors (first: %s: %s)\n",
                report.n_errors, report.n ? report.items[0].path : "",
                report.n ? report.items[0].message : "");
    stix_report_release(&report);
#endif
    double t2 = bench_now();
    size_t i, bytes = 0;
    json_t *o;
    json_array_foreach(json_object_get(doc, "objects"), i, o) {
        buf_clear(out);
        if (stix_canon(o, out, &err)) {
            fprintf(stderr, "bench_validate: stix_canon: %s\n", err.msg);
            exit(2);
        }
        bytes += out->len;
    }
    double t3 = bench_now();
    json_decref(doc);
    double t4 = bench_now();
    bt->parse = (t1 - t0) + (t4 - t3); /* freeing the tree is the parser's cost */
    bt->validate = t2 - t1;
    bt->canon = t3 - t2;
    bt->total = t4 - t0;
    bt->canon_bytes = bytes;
}

static void bench_report(const char *what, double secs, size_t len)
{
    printf("  %-34s %8.2f ms  %9.0f objects/s  %7.1f MB/s\n", what, secs * 1e3,
           BENCH_OBJECTS / secs, (double)len / secs / 1e6);
}

static void bench_run(const char *text, size_t len)
{
    double bare[BENCH_RUNS], total[BENCH_RUNS], parse[BENCH_RUNS], validate[BENCH_RUNS],
        canon[BENCH_RUNS];
    struct buf out;
    struct bench_strict_times bt = {0};
    buf_init(&out, HL_MAX_DOCUMENT_BYTES);
    for (int r = 0; r < BENCH_RUNS; r++) {
        bare[r] = bench_bare(text, len);
        bench_strict(text, len, &out, &bt);
        total[r] = bt.total;
        parse[r] = bt.parse;
        validate[r] = bt.validate;
        canon[r] = bt.canon;
    }
    buf_release(&out);
    double a = bench_median(bare, BENCH_RUNS), b = bench_median(total, BENCH_RUNS);
    printf("median of %d runs, %d objects, bundle of %zu bytes:\n", BENCH_RUNS, BENCH_OBJECTS,
           len);
    bench_report("(a) json_loadb", a, len);
#ifdef HL_HAVE_VALIDATE
    bench_report("(b) parse + validate + canon", b, len);
#else
    bench_report("(b) parse + canon (NO VALIDATION)", b, len);
#endif
    bench_report("    stix_parse (+ json_decref)", bench_median(parse, BENCH_RUNS), len);
#ifdef HL_HAVE_VALIDATE
    bench_report("    stix_validate_document", bench_median(validate, BENCH_RUNS), len);
#else
    (void)validate;
    printf("  %-34s not built: src/stix/validate.c is not there yet\n",
           "    stix_validate_document");
#endif
    bench_report("    stix_canon of each object", bench_median(canon, BENCH_RUNS), bt.canon_bytes);
    printf("ratio (b)/(a): %.2f (goal: <= 2)\n", b / a);
}

int main(void)
{
    const char *shared = getenv("HL_SHARED");
    if (!shared) {
        fprintf(stderr, "bench_validate: set HL_SHARED to shared/data\n");
        return 2;
    }
    static struct bench_templates t;
    char dir[1024];
    snprintf(dir, sizeof dir, "%s/stix2/examples", shared); /* truncation: opendir fails */
    bench_load_dir(&t, dir, 1);
    snprintf(dir, sizeof dir, "%s/stix2/interop", shared);
    bench_load_dir(&t, dir, 0);
    if (t.n == 0) {
        fprintf(stderr, "bench_validate: no STIX objects under %s/stix2\n", shared);
        return 2;
    }
    size_t len;
    char *text = bench_build_bundle(&t, &len);
    if (!text) {
        fprintf(stderr, "bench_validate: out of memory building the bundle\n");
        return 2;
    }
    printf("bench_validate: %zu distinct example objects, copied with fresh ids\n", t.n);
    bench_run(text, len);
    free(text);
    for (size_t i = 0; i < t.n; i++)
        json_decref(t.items[i]);
    return 0;
}
