/*
 * taxii_client_load.c — concurrent writers and readers on one node.
 *
 * TC_WRITERS threads POST envelopes of fresh indicators while TC_READERS
 * threads walk the manifest page by page (next) over and over. Every walk
 * must be in date_added order (§3.3), hold no record twice, and hold every
 * object whose POST was acknowledged (202, success) before the walk began:
 * keyset pagination is stable under concurrent writes, no duplicate and
 * no gap. A follower meanwhile syncs as TAXII clients do (next, then
 * added_after from the last X-TAXII-Date-Added-Last) and must in the end
 * have seen every acknowledged object. Afterwards every acknowledged
 * object is served, sealed with a
 * sequence number no other entry of the node's log has.
 *
 * Phases "drain" and "acked": writers POST while taxii.sh stops the node
 * with SIGTERM; after a restart every object that was acknowledged (202)
 * is there (DESIGN.md principle 3: nothing acknowledged is ever lost).
 */
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ledger/ledger.h"
#include "taxii_client.h"

#define TC_WRITERS 8
#define TC_READERS 3
#define TC_ENVELOPES 6 /* per writer, even: envelopes of 2 and 18 alternate */
_Static_assert(TC_ENVELOPES % 2 == 0, "writers alternate envelopes of 2 and 18");
#define TC_PER_ENVELOPE 10
#define TC_ACKED_MAX (TC_WRITERS * TC_ENVELOPES * TC_PER_ENVELOPE)

static struct {
    pthread_mutex_t lock;
    char ids[TC_ACKED_MAX][64];
    size_t n;
    int writers_done;
    int walks;
} tc_load = {.lock = PTHREAD_MUTEX_INITIALIZER};

/* Writer w alternates envelopes of 2 and 18 objects (10 on average), so
 * that requests take unequal times before the write lock and overtake
 * each other. */
static void *tc_writer(void *arg)
{
    int w = (int)(intptr_t)arg;
    tc_thread_name("test_concurrent_writers_and_readers (writer)");
    struct tc_conn c;
    tc_conn_init(&c);
    for (int e = 0; e < TC_ENVELOPES; e++) {
        int n = (w + e) % 2 ? 2 : 2 * TC_PER_ENVELOPE - 2;
        char ids[2 * TC_PER_ENVELOPE][64];
        char *objs[2 * TC_PER_ENVELOPE];
        for (int i = 0; i < n; i++) {
            tc_stix_id(ids[i], sizeof(ids[i]), "indicator");
            objs[i] = tc_indicator(ids[i], "2026-05-01T00:00:00.000Z", "concurrent");
        }
        json_t *st = tc_publish(&c, (const char *const *)objs, (size_t)n);
        if (st) {
            pthread_mutex_lock(&tc_load.lock);
            for (int i = 0; i < n && tc_load.n < TC_ACKED_MAX; i++)
                memcpy(tc_load.ids[tc_load.n++], ids[i], 64);
            pthread_mutex_unlock(&tc_load.lock);
        }
        json_decref(st);
        for (int i = 0; i < n; i++)
            free(objs[i]);
    }
    pthread_mutex_lock(&tc_load.lock);
    tc_load.writers_done++;
    pthread_mutex_unlock(&tc_load.lock);
    tc_conn_release(&c);
    return NULL;
}

/* One walk: ordered, no duplicate, nothing acknowledged before it missing. */
static void tc_reader_walk(struct tc_conn *c, const char *path)
{
    pthread_mutex_lock(&tc_load.lock);
    size_t known = tc_load.n;
    pthread_mutex_unlock(&tc_load.lock);
    json_t *recs = tc_walk(c, path, NULL, 40, false);
    if (!recs)
        return;
    json_t *seen = json_object();
    tc_check_record_order(recs, seen, "walk during writes");
    for (size_t k = 0; k < known; k++)
        if (!TC_CHECK(json_object_get(seen, tc_load.ids[k]),
                      "walk missed %s, acknowledged before it began (a gap)", tc_load.ids[k]))
            break;
    pthread_mutex_lock(&tc_load.lock);
    tc_load.walks++;
    pthread_mutex_unlock(&tc_load.lock);
    json_decref(seen);
    json_decref(recs);
}

static void *tc_reader(void *arg)
{
    (void)arg;
    tc_thread_name("test_concurrent_writers_and_readers (reader)");
    struct tc_conn c;
    tc_conn_init(&c);
    char path[256];
    tc_coll_path(path, sizeof(path), tc_cfg.coll, "manifest/?match[type]=indicator");
    for (;;) {
        pthread_mutex_lock(&tc_load.lock);
        bool done = tc_load.writers_done == TC_WRITERS;
        pthread_mutex_unlock(&tc_load.lock);
        tc_reader_walk(&c, path);
        if (done)
            break;
    }
    tc_conn_release(&c);
    return NULL;
}

/* A follower syncs as TAXII clients do between sessions: pages through
 * what is new with next, and when nothing more is left, asks again with
 * added_after set to the last X-TAXII-Date-Added-Last it saw (§3.5). What
 * it collects must in the end hold every acknowledged object: date_added
 * may never go backwards in the order objects become visible. */
static struct {
    json_t *seen;
    char last[TC_HEADER_MAX];
} tc_follow;

/* One round: pages until more is false; true if it saw anything. */
static bool tc_follow_round(struct tc_conn *c)
{
    char start[TC_URL_MAX], base[TC_URL_MAX], url[TC_URL_MAX];
    tc_coll_path(start, sizeof(start), tc_cfg.coll, "manifest/?match[type]=indicator&limit=50");
    if (tc_follow.last[0])
        tc_with(base, sizeof(base), start, "added_after", tc_follow.last);
    else
        tc_fmt(base, sizeof(base), "%s", start);
    tc_fmt(url, sizeof(url), "%s", base);
    bool any = false;
    for (int page = 0; page < 1000; page++) {
        struct tc_resp r;
        if (!tc_get_ok(c, url, NULL, &r, "follower page")) {
            tc_resp_release(&r);
            return any;
        }
        size_t i;
        const json_t *v;
        json_array_foreach(tc_objects(&r), i, v) json_object_set(
            tc_follow.seen, json_string_value(json_object_get(v, "id")) ?: "", json_true());
        if (json_array_size(tc_objects(&r)) && r.has_date_last) {
            any = true;
            tc_fmt(tc_follow.last, sizeof(tc_follow.last), "%s", r.date_last);
        }
        const char *next = json_string_value(json_object_get(r.json, "next"));
        bool more = json_is_true(json_object_get(r.json, "more")) && next;
        if (more)
            tc_with(url, sizeof(url), base, "next", next);
        tc_resp_release(&r);
        if (!more)
            break;
    }
    return any;
}

static void *tc_follower(void *arg)
{
    (void)arg;
    tc_thread_name("test_concurrent_writers_and_readers (follower)");
    struct tc_conn c;
    tc_conn_init(&c);
    for (;;) {
        pthread_mutex_lock(&tc_load.lock);
        bool done = tc_load.writers_done == TC_WRITERS;
        pthread_mutex_unlock(&tc_load.lock);
        tc_follow_round(&c);
        if (done)
            break;
    }
    tc_follow_round(&c);
    tc_conn_release(&c);
    return NULL;
}

static void test_concurrent_writers_and_readers(struct tc_conn *c)
{
    pthread_t w[TC_WRITERS], r[TC_READERS], f;
    tc_follow.seen = json_object();
    tc_follow_round(c); /* start from the present end */
    pthread_create(&f, NULL, tc_follower, NULL);
    for (int i = 0; i < TC_READERS; i++)
        pthread_create(&r[i], NULL, tc_reader, NULL);
    for (int i = 0; i < TC_WRITERS; i++)
        pthread_create(&w[i], NULL, tc_writer, (void *)(intptr_t)i);
    for (int i = 0; i < TC_WRITERS; i++)
        pthread_join(w[i], NULL);
    for (int i = 0; i < TC_READERS; i++)
        pthread_join(r[i], NULL);
    pthread_join(f, NULL);
    size_t missed = 0;
    for (size_t k = 0; k < tc_load.n; k++) {
        if (!json_object_get(tc_follow.seen, tc_load.ids[k]) && missed++ < 3)
            TC_CHECK(false,
                     "a follower syncing by added_after never saw %s: it became visible "
                     "with a date_added before one already seen",
                     tc_load.ids[k]);
    }
    TC_CHECK(missed == 0, "the added_after follower missed %zu of %zu objects", missed, tc_load.n);
    json_decref(tc_follow.seen);
    TC_CHECK(tc_load.n == TC_ACKED_MAX, "%zu of %d concurrent objects acknowledged", tc_load.n,
             TC_ACKED_MAX);
    TC_CHECK(tc_load.walks >= 2 * TC_READERS, "only %d walks ran during the writes", tc_load.walks);
    /* After the writes, a walk holds every acknowledged object. */
    char path[256];
    tc_coll_path(path, sizeof(path), tc_cfg.coll, "manifest/?match[type]=indicator");
    tc_reader_walk(c, path);
}

static void test_concurrent_seqs_unique(struct tc_conn *c)
{
    char path[256];
    tc_coll_path(path, sizeof(path), tc_cfg.coll, "objects/?match[version]=all");
    json_t *all = tc_walk(c, path, NULL, 500, false);
    json_t *seqs = json_object();
    long long max = -1;
    size_t i, mine = 0;
    const json_t *v;
    json_array_foreach(all, i, v)
    {
        const char *p = json_string_value(json_object_get(v, SEAL_PROP_PARTY));
        if (!p || strcmp(p, tc_cfg.party) != 0)
            continue;
        json_int_t seq = json_integer_value(json_object_get(v, SEAL_PROP_SEQ));
        char key[32];
        tc_fmt(key, sizeof(key), "%lld", (long long)seq);
        TC_CHECK(!json_object_get(seqs, key), "hotline_seq %s sealed on two objects", key);
        json_object_set_new(seqs, key, json_true());
        max = seq > max ? seq : max;
        mine++;
    }
    long long size = tc_log_size(c);
    /* The latest head is entry size itself, covering the size before it. */
    TC_CHECK(mine >= TC_ACKED_MAX && max <= size,
             "%zu of the node's objects served, highest seq %lld, log size %lld", mine, max, size);
    json_decref(seqs);
    json_decref(all);
}

/* The version key of an object or manifest record: "id version". */
static void tc_version_key(const json_t *o, const char *version_prop, char *out, size_t size)
{
    const char *id = json_string_value(json_object_get(o, "id"));
    const char *v = json_string_value(json_object_get(o, version_prop));
    if (!v && !strcmp(version_prop, "modified"))
        v = json_string_value(json_object_get(o, "created"));
    tc_fmt(out, size, "%s %s", TC_S(id), TC_S(v));
}

static int tc_cmp_pair(const void *a, const void *b)
{
    const long long *x = a, *y = b;
    return (x[0] > y[0]) - (x[0] < y[0]);
}

static void test_dates_follow_commit_order(struct tc_conn *c)
{
    /* The node's sequence numbers are given under its write lock, in the
     * order batches commit; date_added must not go backwards in that order,
     * or a client that syncs by added_after (§3.5) misses the objects of a
     * batch that committed after a later-dated one. */
    char path[256];
    tc_coll_path(path, sizeof(path), tc_cfg.coll, "manifest/?match[version]=all");
    json_t *recs = tc_walk(c, path, NULL, 1000, false), *dates = json_object();
    tc_coll_path(path, sizeof(path), tc_cfg.coll, "objects/?match[version]=all");
    json_t *objs = tc_walk(c, path, NULL, 500, false);
    size_t i, n = 0;
    const json_t *v;
    char key[256];
    json_array_foreach(recs, i, v)
    {
        tc_version_key(v, "version", key, sizeof(key));
        json_object_set(dates, key, json_object_get(v, "date_added"));
    }
    long long(*pairs)[2] = calloc(json_array_size(objs) + 1, sizeof(*pairs));
    json_t *texts = json_array();
    json_array_foreach(objs, i, v)
    {
        const char *p = json_string_value(json_object_get(v, SEAL_PROP_PARTY));
        tc_version_key(v, "modified", key, sizeof(key));
        const json_t *d = json_object_get(dates, key);
        if (!p || strcmp(p, tc_cfg.party) != 0 || !json_is_string(d))
            continue;
        pairs[n][0] = json_integer_value(json_object_get(v, SEAL_PROP_SEQ));
        pairs[n][1] = (long long)json_array_size(texts);
        json_array_append(texts, (json_t *)d);
        n++;
    }
    qsort(pairs, n, sizeof(*pairs), tc_cmp_pair);
    size_t back = 0;
    for (size_t k = 1; k < n; k++) {
        const char *a = json_string_value(json_array_get(texts, (size_t)pairs[k - 1][1]));
        const char *b = json_string_value(json_array_get(texts, (size_t)pairs[k][1]));
        if (strcmp(a, b) > 0 && back++ < 3)
            TC_CHECK(false, "seq %lld was added %s, after seq %lld added %s: date_added went back",
                     pairs[k][0], b, pairs[k - 1][0], a);
    }
    TC_CHECK(n >= TC_ACKED_MAX && back == 0,
             "%zu of %zu of the node's entries dated earlier than the entry before them", back, n);
    free(pairs);
    json_decref(texts);
    json_decref(objs);
    json_decref(dates);
    json_decref(recs);
}

/* ---- SIGTERM: in-flight requests finish, nothing acknowledged is lost -- */

#define TC_DRAIN_THREADS 8
#define TC_DRAIN_MAX 40000

static struct {
    pthread_mutex_t lock;
    char ids[TC_DRAIN_MAX][64];
    size_t n;
} tc_drain = {.lock = PTHREAD_MUTEX_INITIALIZER};

/* Once TC_DRAIN_STARTED objects are acknowledged, the file drain.started
 * tells taxii.sh to send SIGTERM now: the writers are surely running, at
 * any load (a fixed delay left none acknowledged on a loaded machine).
 * Under tc_drain.lock. */
#define TC_DRAIN_STARTED 40
static void tc_drain_started(void)
{
    static bool told;
    char path[512];
    if (told || tc_drain.n < TC_DRAIN_STARTED)
        return;
    told = true;
    tc_fmt(path, sizeof(path), "%s/drain.started", tc_cfg.out_dir);
    FILE *f = fopen(path, "w");
    if (f)
        fclose(f);
}

/* POSTs envelopes of 1 and 9 objects in turn (unequal work before the
 * write lock) until the node is gone (taxii.sh sends SIGTERM meanwhile).
 * Every answer is a complete success or a refusal to start (503); a cut
 * connection is no answer. */
static void *tc_drain_writer(void *arg)
{
    (void)arg;
    tc_thread_name("test_sigterm_writers_drained");
    struct tc_conn c;
    tc_conn_init(&c);
    char path[256];
    tc_coll_path(path, sizeof(path), tc_cfg.coll, "objects/");
    for (int k = 0; k < 5000; k++) {
        int n = k % 2 ? 1 : 9;
        char ids[9][64], *objs[9];
        for (int i = 0; i < n; i++) {
            tc_stix_id(ids[i], sizeof(ids[i]), "indicator");
            objs[i] = tc_indicator(ids[i], "2026-07-01T00:00:00.000Z", "in flight at SIGTERM");
        }
        char *env = tc_envelope((const char *const *)objs, (size_t)n);
        struct tc_resp r;
        tc_post(&c, path, NULL, env, &r);
        bool gone = r.curl != CURLE_OK || r.status == 503;
        if (!gone && TC_STATUS(&r, 202, "a POST while the node stops") &&
            TC_CHECK(json_integer_value(json_object_get(r.json, "success_count")) == n,
                     "a POST while the node stops: %s", tc_resp_excerpt(&r))) {
            pthread_mutex_lock(&tc_drain.lock);
            for (int i = 0; i < n && tc_drain.n < TC_DRAIN_MAX; i++)
                memcpy(tc_drain.ids[tc_drain.n++], ids[i], 64);
            tc_drain_started();
            pthread_mutex_unlock(&tc_drain.lock);
        }
        tc_resp_release(&r);
        free(env);
        for (int i = 0; i < n; i++)
            free(objs[i]);
        if (gone)
            break;
    }
    tc_conn_release(&c);
    return NULL;
}

static void test_sigterm_writers_drained(struct tc_conn *c)
{
    (void)c;
    pthread_t t[TC_DRAIN_THREADS];
    for (int i = 0; i < TC_DRAIN_THREADS; i++)
        pthread_create(&t[i], NULL, tc_drain_writer, NULL);
    for (int i = 0; i < TC_DRAIN_THREADS; i++)
        pthread_join(t[i], NULL);
    char path[512];
    tc_fmt(path, sizeof(path), "%s/acked.txt", tc_cfg.out_dir);
    FILE *f = fopen(path, "w");
    if (!TC_CHECK(f != NULL, "cannot write %s", path))
        return;
    for (size_t i = 0; i < tc_drain.n; i++)
        fprintf(f, "%s\n", tc_drain.ids[i]);
    TC_CHECK(fclose(f) == 0 && tc_drain.n > 0, "%zu objects acknowledged before SIGTERM",
             tc_drain.n);
}

static void test_sigterm_nothing_acknowledged_lost(struct tc_conn *c)
{
    char path[512], line[128];
    tc_fmt(path, sizeof(path), "%s/acked.txt", tc_cfg.out_dir);
    FILE *f = fopen(path, "r");
    if (!TC_CHECK(f != NULL, "no %s from the drain phase", path))
        return;
    tc_coll_path(path, sizeof(path), tc_cfg.coll, "manifest/?match[type]=indicator");
    json_t *recs = tc_walk(c, path, NULL, 1000, false), *held = json_object();
    size_t i, n = 0, lost = 0;
    const json_t *v;
    json_array_foreach(recs, i, v)
        json_object_set(held, json_string_value(json_object_get(v, "id")) ?: "", json_true());
    while (fgets(line, sizeof(line), f)) {
        line[strcspn(line, "\n")] = '\0';
        n++;
        if (!json_object_get(held, line) && lost++ < 3)
            TC_CHECK(false, "%s was acknowledged (202) before SIGTERM and is gone", line);
    }
    fclose(f);
    TC_CHECK(n > 0 && lost == 0, "%zu of %zu acknowledged objects lost", lost, n);
    json_decref(held);
    json_decref(recs);
}

const struct tc_test tc_drain_tests[] = {
    {"test_sigterm_writers_drained", test_sigterm_writers_drained},
    {NULL, NULL},
};

const struct tc_test tc_acked_tests[] = {
    {"test_sigterm_nothing_acknowledged_lost", test_sigterm_nothing_acknowledged_lost},
    {"test_dates_follow_commit_order_after_drain", test_dates_follow_commit_order},
    {NULL, NULL},
};

const struct tc_test tc_load_tests[] = {
    {"test_concurrent_writers_and_readers", test_concurrent_writers_and_readers},
    {"test_concurrent_seqs_unique", test_concurrent_seqs_unique},
    {"test_dates_follow_commit_order", test_dates_follow_commit_order},
    {NULL, NULL},
};
