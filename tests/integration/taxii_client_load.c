/*
 * taxii_client_load.c — concurrent writers and readers on one node.
 *
 * TC_WRITERS threads POST envelopes of fresh indicators while TC_READERS
 * threads walk the manifest page by page (next) over and over. Every walk
 * must be in date_added order (§3.3), hold no record twice, and hold every
 * object whose POST was acknowledged (202, success) before the walk began:
 * keyset pagination is stable under concurrent writes, no duplicate and
 * no gap. Afterwards every acknowledged object is served, sealed with a
 * sequence number no other entry of the node's log has.
 *
 * Phases "drain" and "acked": writers POST while taxii.sh stops the node
 * with SIGTERM; after a restart every object that was acknowledged (202)
 * is there (DESIGN.md principle 3: nothing acknowledged is ever lost).
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ledger/ledger.h"
#include "taxii_client.h"

#define TC_WRITERS 8
#define TC_READERS 3
#define TC_ENVELOPES 6 /* per writer */
#define TC_PER_ENVELOPE 10
#define TC_ACKED_MAX (TC_WRITERS * TC_ENVELOPES * TC_PER_ENVELOPE)

static struct {
    pthread_mutex_t lock;
    char ids[TC_ACKED_MAX][64];
    size_t n;
    int writers_done;
    int walks;
} tc_load = {.lock = PTHREAD_MUTEX_INITIALIZER};

static void *tc_writer(void *arg)
{
    (void)arg;
    tc_thread_name("test_concurrent_writers_and_readers (writer)");
    struct tc_conn c;
    tc_conn_init(&c);
    for (int e = 0; e < TC_ENVELOPES; e++) {
        char ids[TC_PER_ENVELOPE][64];
        char *objs[TC_PER_ENVELOPE];
        for (int i = 0; i < TC_PER_ENVELOPE; i++) {
            tc_stix_id(ids[i], sizeof(ids[i]), "indicator");
            objs[i] = tc_indicator(ids[i], "2026-05-01T00:00:00.000Z", "concurrent");
        }
        json_t *st = tc_publish(&c, (const char *const *)objs, TC_PER_ENVELOPE);
        if (st) {
            pthread_mutex_lock(&tc_load.lock);
            for (int i = 0; i < TC_PER_ENVELOPE; i++)
                memcpy(tc_load.ids[tc_load.n++], ids[i], 64);
            pthread_mutex_unlock(&tc_load.lock);
        }
        json_decref(st);
        for (int i = 0; i < TC_PER_ENVELOPE; i++)
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

static void test_concurrent_writers_and_readers(struct tc_conn *c)
{
    pthread_t w[TC_WRITERS], r[TC_READERS];
    for (int i = 0; i < TC_READERS; i++)
        pthread_create(&r[i], NULL, tc_reader, NULL);
    for (int i = 0; i < TC_WRITERS; i++)
        pthread_create(&w[i], NULL, tc_writer, NULL);
    for (int i = 0; i < TC_WRITERS; i++)
        pthread_join(w[i], NULL);
    for (int i = 0; i < TC_READERS; i++)
        pthread_join(r[i], NULL);
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

/* ---- SIGTERM: in-flight requests finish, nothing acknowledged is lost -- */

#define TC_DRAIN_THREADS 4
#define TC_DRAIN_MAX 4000

static struct {
    pthread_mutex_t lock;
    char ids[TC_DRAIN_MAX][64];
    size_t n;
} tc_drain = {.lock = PTHREAD_MUTEX_INITIALIZER};

/* POSTs envelopes of 5 until the node is gone (taxii.sh sends SIGTERM
 * meanwhile). Every answer is a complete success or a refusal to start
 * (503); a cut connection is no answer. */
static void *tc_drain_writer(void *arg)
{
    (void)arg;
    tc_thread_name("test_sigterm_writers_drained");
    struct tc_conn c;
    tc_conn_init(&c);
    char path[256];
    tc_coll_path(path, sizeof(path), tc_cfg.coll, "objects/");
    for (int k = 0; k < 2000; k++) {
        char ids[5][64], *objs[5];
        for (int i = 0; i < 5; i++) {
            tc_stix_id(ids[i], sizeof(ids[i]), "indicator");
            objs[i] = tc_indicator(ids[i], "2026-07-01T00:00:00.000Z", "in flight at SIGTERM");
        }
        char *env = tc_envelope((const char *const *)objs, 5);
        struct tc_resp r;
        tc_post(&c, path, NULL, env, &r);
        bool gone = r.curl != CURLE_OK || r.status == 503;
        if (!gone && TC_STATUS(&r, 202, "a POST while the node stops") &&
            TC_CHECK(json_integer_value(json_object_get(r.json, "success_count")) == 5,
                     "a POST while the node stops: %s", tc_resp_excerpt(&r))) {
            pthread_mutex_lock(&tc_drain.lock);
            for (int i = 0; i < 5 && tc_drain.n < TC_DRAIN_MAX; i++)
                memcpy(tc_drain.ids[tc_drain.n++], ids[i], 64);
            pthread_mutex_unlock(&tc_drain.lock);
        }
        tc_resp_release(&r);
        free(env);
        for (int i = 0; i < 5; i++)
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
    {NULL, NULL},
};

const struct tc_test tc_load_tests[] = {
    {"test_concurrent_writers_and_readers", test_concurrent_writers_and_readers},
    {"test_concurrent_seqs_unique", test_concurrent_seqs_unique},
    {NULL, NULL},
};
