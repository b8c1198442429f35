/*
 * taxii_client_limits.c — every advertised limit crossed (issue 4,
 * "Limits and abuse"), against a node taxii.sh restarted with small
 * limits: body size (413, with Content-Length, chunked, and behind
 * Expect: 100-continue), objects per envelope (413), JSON depth (400 or
 * 422),
 * connections in all and per client address (refused), requests per
 * client address per minute (429 + Retry-After), idle connections,
 * slowly dripped headers and a stalled body (closed). Each check that a
 * limit refused a write also checks that nothing was stored.
 *
 * Client addresses: the kernel routes all of 127.0.0.0/8 to loopback, so
 * CURLOPT_INTERFACE "127.0.0.N" makes N a separate client for the
 * per-address limits; each test uses its own N.
 */
#include <poll.h>
#include <pthread.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "taxii_client.h"

/* ---- raw HTTP over a verified TLS connection (CURLOPT_CONNECT_ONLY) ---- */

struct tc_raw {
    CURL *h;
    curl_socket_t fd;
};

static CURLcode tc_raw_open(struct tc_raw *r, const char *source, long connect_ms)
{
    r->h = curl_easy_init();
    curl_easy_setopt(r->h, CURLOPT_URL, tc_cfg.url);
    curl_easy_setopt(r->h, CURLOPT_CAINFO, tc_cfg.ca);
    curl_easy_setopt(r->h, CURLOPT_SSL_VERIFYPEER, 1L);
    curl_easy_setopt(r->h, CURLOPT_SSL_VERIFYHOST, 2L);
    curl_easy_setopt(r->h, CURLOPT_CONNECT_ONLY, 1L);
    curl_easy_setopt(r->h, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(r->h, CURLOPT_CONNECTTIMEOUT_MS, connect_ms);
    if (source)
        curl_easy_setopt(r->h, CURLOPT_INTERFACE, source);
    CURLcode cc = curl_easy_perform(r->h);
    if (cc == CURLE_OK)
        curl_easy_getinfo(r->h, CURLINFO_ACTIVESOCKET, &r->fd);
    return cc;
}

static void tc_raw_close(struct tc_raw *r)
{
    if (r->h)
        curl_easy_cleanup(r->h);
    r->h = NULL;
}

/* Sends all of data; false if the connection failed. */
static bool tc_raw_send(struct tc_raw *r, const char *data, size_t len)
{
    while (len) {
        size_t n = 0;
        CURLcode cc = curl_easy_send(r->h, data, len, &n);
        if (cc == CURLE_AGAIN) {
            struct pollfd p = {.fd = r->fd, .events = POLLOUT};
            poll(&p, 1, 1000);
            continue;
        }
        if (cc != CURLE_OK)
            return false;
        data += n;
        len -= n;
    }
    return true;
}

/* Reads what arrives within ms: > 0 bytes into out, 0 closed, -1 error,
 * -2 nothing in time. */
static long tc_raw_read(struct tc_raw *r, int ms, char *out, size_t cap)
{
    struct timespec t0, t;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    for (;;) {
        size_t n = 0;
        CURLcode cc = curl_easy_recv(r->h, out, cap - 1, &n);
        if (cc == CURLE_OK) {
            out[n] = '\0';
            return (long)n;
        }
        if (cc != CURLE_AGAIN)
            return -1;
        clock_gettime(CLOCK_MONOTONIC, &t);
        long spent = (t.tv_sec - t0.tv_sec) * 1000 + (t.tv_nsec - t0.tv_nsec) / 1000000;
        if (spent >= ms)
            return -2;
        struct pollfd p = {.fd = r->fd, .events = POLLIN};
        poll(&p, 1, (int)(ms - spent));
    }
}

static void tc_sleep_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000};
    nanosleep(&ts, NULL);
}

/* "Authorization: Basic ..." of rw. */
static void tc_basic_line(char *out, size_t size)
{
    char pair[256], b64[512];
    tc_fmt(pair, sizeof(pair), "%s:%s", tc_cfg.rw.name, tc_cfg.rw.token);
    sodium_bin2base64(b64, sizeof(b64), (const unsigned char *)pair, strlen(pair),
                      sodium_base64_VARIANT_ORIGINAL);
    tc_fmt(out, size, "Authorization: Basic %s\r\n", b64);
}

/* ---- body size, objects, depth ----------------------------------------- */

static long tc_max_content_length(struct tc_conn *c)
{
    struct tc_resp r;
    long max = 0;
    if (tc_get_ok(c, "/api/", NULL, &r, "API root"))
        max = (long)json_integer_value(json_object_get(r.json, "max_content_length"));
    tc_resp_release(&r);
    TC_CHECK(max > 0, "no max_content_length advertised");
    return max;
}

/* An envelope of one new object (its id in id) padded with blanks to len. */
static char *tc_padded(char *id, size_t id_size, size_t len)
{
    tc_stix_id(id, id_size, "indicator");
    char *obj = tc_indicator(id, "2026-06-01T00:00:00.000Z", "padded");
    char *env = tc_envelope((const char *const *)&obj, 1);
    free(obj);
    size_t n = strlen(env);
    if (n > len)
        abort();
    char *out = malloc(len + 1);
    memcpy(out, env, n);
    memset(out + n, ' ', len - n);
    out[len] = '\0';
    free(env);
    return out;
}

static void test_limit_body_size_413(struct tc_conn *c)
{
    long max = tc_max_content_length(c);
    if (max <= 0 || max > 16L * 1024 * 1024)
        return;
    long long size = tc_log_size(c);
    char path[256], id[64];
    tc_coll_path(path, sizeof(path), tc_cfg.coll, "objects/");
    const char *how[3] = {"Content-Length", "chunked", "Expect: 100-continue"};
    for (int i = 0; i < 3; i++) {
        char *body = tc_padded(id, sizeof(id), (size_t)max + 1);
        struct tc_req req = {.path = path,
                             .body = body,
                             .body_len = (size_t)max + 1,
                             .chunked = i == 1,
                             .expect_continue = i == 2};
        struct tc_resp r;
        tc_do(c, &req, &r);
        char what[128];
        tc_fmt(what, sizeof(what), "a body of max_content_length + 1 bytes (%s)", how[i]);
        tc_check_error(&r, 413, what);
        tc_resp_release(&r);
        tc_absent(c, id, what);
        free(body);
    }
    TC_CHECK(tc_log_size(c) == size, "a body over the limit changed the log");
    /* §4.2.1: a body under max_content_length MUST NOT be 413. */
    char *body = tc_padded(id, sizeof(id), (size_t)max - 1);
    struct tc_resp r;
    tc_post(c, path, NULL, body, &r);
    TC_STATUS(&r, 202, "a body of max_content_length - 1 bytes");
    tc_resp_release(&r);
    free(body);
}

static void test_limit_objects_per_envelope_413(struct tc_conn *c)
{
    struct tc_resp root;
    if (tc_get_ok(c, "/api/", NULL, &root, "API root"))
        TC_CHECK(json_integer_value(json_object_get(root.json, "x_hotline_max_objects")) ==
                     tc_cfg.max_objects,
                 "API root advertises x_hotline_max_objects %lld, configured %ld",
                 (long long)json_integer_value(json_object_get(root.json, "x_hotline_max_objects")),
                 tc_cfg.max_objects);
    tc_resp_release(&root);
    long n = tc_cfg.max_objects + 1;
    char(*ids)[64] = calloc((size_t)n, 64);
    char **objs = calloc((size_t)n, sizeof(char *));
    for (long i = 0; i < n; i++) {
        tc_stix_id(ids[i], 64, "indicator");
        objs[i] = tc_indicator(ids[i], "2026-06-01T00:00:00.000Z", "one too many");
    }
    long long size = tc_log_size(c);
    char path[256];
    tc_coll_path(path, sizeof(path), tc_cfg.coll, "objects/");
    char *env = tc_envelope((const char *const *)objs, (size_t)n);
    struct tc_resp r;
    tc_post(c, path, NULL, env, &r);
    tc_check_error(&r, 413, "an envelope of max_objects + 1 objects");
    tc_resp_release(&r);
    tc_absent(c, ids[0], "first object of an envelope over the limit");
    tc_absent(c, ids[n - 1], "last object of an envelope over the limit");
    TC_CHECK(tc_log_size(c) == size, "an envelope over the limit changed the log");
    free(env);
    env = tc_envelope((const char *const *)objs, (size_t)n - 1);
    tc_post(c, path, NULL, env, &r);
    if (TC_STATUS(&r, 202, "an envelope of exactly max_objects objects"))
        TC_CHECK(json_integer_value(json_object_get(r.json, "success_count")) == n - 1,
                 "max_objects objects: not all stored: %s", tc_resp_excerpt(&r));
    tc_resp_release(&r);
    free(env);
    for (long i = 0; i < n; i++)
        free(objs[i]);
    free(objs);
    free(ids);
}

static void test_limit_json_depth(struct tc_conn *c)
{
    char id[64], path[256];
    tc_coll_path(path, sizeof(path), tc_cfg.coll, "objects/");
    long long size = tc_log_size(c);
    const size_t depths[2] = {HL_MAX_JSON_DEPTH + 8, 20000};
    for (int k = 0; k < 2; k++) {
        tc_stix_id(id, sizeof(id), "indicator");
        json_t *o = tc_indicator_json(id, "2026-06-01T00:00:00.000Z", "deep");
        json_object_set_new(o, "x_deep", json_string("@"));
        char *text = json_dumps(o, JSON_COMPACT);
        char *at = strstr(text, "\"@\"");
        struct buf b;
        buf_init(&b, TC_BODY_MAX);
        int rc = buf_adds(&b, "{\"objects\":[") | buf_add(&b, text, (size_t)(at - text));
        for (size_t i = 0; i < depths[k]; i++)
            rc |= buf_addc(&b, '[');
        for (size_t i = 0; i < depths[k]; i++)
            rc |= buf_addc(&b, ']');
        rc |= buf_adds(&b, at + 3) | buf_adds(&b, "]}");
        if (rc)
            abort();
        struct tc_resp r;
        tc_post(c, path, NULL, b.data, &r);
        char what[96];
        tc_fmt(what, sizeof(what), "an envelope nested %zu deep", depths[k] + 2);
        /* §5.5 allows 400 (not understood) and 422 (malformed body). */
        if (TC_CHECK(r.status == 400 || r.status == 422, "%s: HTTP %ld, want 400 or 422", what,
                     r.status))
            tc_check_error(&r, (int)r.status, what);
        tc_resp_release(&r);
        tc_absent(c, id, what);
        buf_release(&b);
        free(text);
        json_decref(o);
    }
    TC_CHECK(tc_log_size(c) == size, "a too deep envelope changed the log");
}

/* ---- connections ------------------------------------------------------ */

/* A request from source, retried for up to a second while closed
 * connections are being reaped; true on 200. */
static bool tc_served_from(struct tc_conn *c, const char *source)
{
    for (int i = 0; i < 10; i++) {
        struct tc_req req = {.path = "/api/", .source = source};
        struct tc_resp r;
        tc_do(c, &req, &r);
        long st = r.status;
        tc_resp_release(&r);
        if (st == 200)
            return true;
        tc_sleep_ms(100);
    }
    return false;
}

static void test_limit_connections(struct tc_conn *c)
{
    long per = tc_cfg.max_per_client, max = tc_cfg.max_connections;
    if (!TC_CHECK(per > 0 && max > per && max <= 64, "limits phase: want 0 < per-client < all"))
        return;
    tc_conn_release(c); /* our keep-alive connection would count */
    tc_conn_init(c);
    struct tc_raw open[64] = {0};
    long n = 0;
    char src[32];
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    for (long i = 0; i < per; i++) {
        CURLcode cc = tc_raw_open(&open[n++], "127.0.0.2", 5000);
        TC_CHECK(cc == CURLE_OK, "connection %ld of %ld from one client refused: %s", i + 1, per,
                 curl_easy_strerror(cc));
    }
    struct tc_raw extra = {0};
    /* The node closes idle connections after timeout_s: all of them must
     * still be open when the one too many comes (taxii.sh gives this test
     * a long timeout_s). A connection over the limit is closed at accept,
     * or left unaccepted: 2 s without a TLS handshake counts as refused. */
    CURLcode cc = tc_raw_open(&extra, "127.0.0.2", 2000);
    TC_CHECK(cc != CURLE_OK, "connection %ld from one client (max_per_client %ld) accepted",
             per + 1, per);
    tc_raw_close(&extra);
    /* Other clients fill the node up to max_connections, each within its
     * own per-client limit; then one more is refused. */
    for (int a = 3; n < max; a++) {
        tc_fmt(src, sizeof(src), "127.0.0.%d", a);
        for (long i = 0; i < per && n < max; i++) {
            cc = tc_raw_open(&open[n++], src, 5000);
            TC_CHECK(cc == CURLE_OK, "connection %ld of max_connections %ld refused: %s", n, max,
                     curl_easy_strerror(cc));
        }
    }
    cc = tc_raw_open(&extra, "127.0.0.40", 2000);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    long ms = (t1.tv_sec - t0.tv_sec) * 1000 + (t1.tv_nsec - t0.tv_nsec) / 1000000;
    TC_CHECK(cc != CURLE_OK, "connection %ld (max_connections %ld) accepted", max + 1, max);
    /* Past timeout_s the node may have closed the first ones: no verdict. */
    TC_CHECK(ms < tc_cfg.timeout_s * 1000 - 300,
             "filling the node took %ld ms, too close to timeout_s %ld to conclude", ms,
             tc_cfg.timeout_s);
    tc_raw_close(&extra);
    for (long i = 0; i < n; i++)
        tc_raw_close(&open[i]);
    TC_CHECK(tc_served_from(c, "127.0.0.41"), "no service after the connections closed");
}

/* ---- request rate --------------------------------------------------- */

static void test_limit_rate_429(struct tc_conn *c)
{
    long rate = tc_cfg.rate_per_minute, ok = 0, limited = 0;
    for (long i = 0; i < rate + 10; i++) {
        struct tc_req req = {.path = "/api/", .source = "127.0.0.5"};
        struct tc_resp r;
        tc_do(c, &req, &r);
        if (r.status == 200) {
            ok++;
        } else if (r.status == 429 && limited++ == 0) {
            tc_check_error(&r, 429, "over the request rate");
            long long s;
            TC_CHECK(r.has_retry_after && hl_parse_int(r.retry_after, 0, 3600, &s),
                     "429 without a Retry-After of seconds: \"%s\"", r.retry_after);
        } else if (r.status != 429) {
            TC_STATUS(&r, 200, "a request while counting the rate");
        }
        tc_resp_release(&r);
    }
    TC_CHECK(ok >= rate && ok <= rate + 3 && limited >= 7,
             "%ld requests in a burst at rate_per_minute %ld: %ld served, %ld refused", rate + 10,
             rate, ok, limited);
    /* A refused write stores nothing (the bucket refills as time passes,
     * so a POST may find a fresh token: try until one is refused). */
    char path[256];
    tc_coll_path(path, sizeof(path), tc_cfg.coll, "objects/");
    bool refused = false;
    for (int k = 0; k < 5 && !refused; k++) {
        char id[64];
        tc_stix_id(id, sizeof(id), "indicator");
        char *obj = tc_indicator(id, "2026-06-01T00:00:00.000Z", "over the rate");
        char *env = tc_envelope((const char *const *)&obj, 1);
        struct tc_req req = {.path = path, .body = env, .source = "127.0.0.5"};
        struct tc_resp r;
        tc_do(c, &req, &r);
        if (r.status == 429) {
            refused = true;
            tc_check_error(&r, 429, "a POST over the request rate");
            tc_absent(c, id, "a POST over the request rate");
        } else {
            TC_STATUS(&r, 202, "a POST on a refilled token");
        }
        tc_resp_release(&r);
        free(obj);
        free(env);
    }
    TC_CHECK(refused, "no POST over the rate was refused");
    TC_CHECK(tc_served_from(c, "127.0.0.6"), "another client was limited too");
}

/* ---- timeouts ------------------------------------------------------- */

struct tc_slow {
    const char *name, *source;
    bool (*run)(struct tc_raw *r, struct tc_slow *s);
    char id[64];
    bool served; /* the server answered although it should have closed */
    CURLcode open;
};

static const char tc_get_head[] = "GET /api/ HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                                  "Accept: application/taxii+json;version=2.1\r\n";

/* True if an HTTP answer arrives within ms. */
static bool tc_raw_answered(struct tc_raw *r, int ms)
{
    char buf[512];
    long n = tc_raw_read(r, ms, buf, sizeof(buf));
    return n > 0 && strncmp(buf, "HTTP/1.1 ", 9) == 0;
}

static bool tc_slow_control(struct tc_raw *r, struct tc_slow *s)
{
    (void)s;
    char auth[600];
    tc_basic_line(auth, sizeof(auth));
    return tc_raw_send(r, tc_get_head, strlen(tc_get_head)) && tc_raw_send(r, auth, strlen(auth)) &&
           tc_raw_send(r, "\r\n", 2) && tc_raw_answered(r, 3000);
}

static bool tc_slow_idle(struct tc_raw *r, struct tc_slow *s)
{
    tc_sleep_ms(tc_cfg.timeout_s * 1000 + 1500);
    return tc_slow_control(r, s);
}

static bool tc_slow_drip(struct tc_raw *r, struct tc_slow *s)
{
    /* One byte of the request every 0.6 timeout: never idle for a whole
     * timeout, but the request takes 2.4 timeouts to arrive. */
    (void)s;
    char auth[600], req[1024];
    tc_basic_line(auth, sizeof(auth));
    tc_fmt(req, sizeof(req), "%s%s\r\n", tc_get_head, auth);
    long step = tc_cfg.timeout_s * 600, total = tc_cfg.timeout_s * 2400;
    size_t sent = 0;
    for (long t = 0; t < total; t += step, sent++) {
        if (!tc_raw_send(r, req + sent, 1))
            return false;
        tc_sleep_ms(step);
    }
    return tc_raw_send(r, req + sent, strlen(req) - sent) && tc_raw_answered(r, 3000);
}

static bool tc_slow_body(struct tc_raw *r, struct tc_slow *s)
{
    char path[256], head[1024], auth[600];
    tc_stix_id(s->id, sizeof(s->id), "indicator");
    char *obj = tc_indicator(s->id, "2026-06-01T00:00:00.000Z", "stalled body");
    char *env = tc_envelope((const char *const *)&obj, 1);
    size_t len = strlen(env);
    tc_coll_path(path, sizeof(path), tc_cfg.coll, "objects/");
    tc_basic_line(auth, sizeof(auth));
    tc_fmt(head, sizeof(head),
           "POST %s HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: %s\r\nContent-Type: %s\r\n"
           "Content-Length: %zu\r\n%s\r\n",
           path, TC_MEDIA, TC_MEDIA, len, auth);
    bool answered = tc_raw_send(r, head, strlen(head)) && tc_raw_send(r, env, len / 2);
    if (answered) {
        tc_sleep_ms(tc_cfg.timeout_s * 1000 + 1500);
        answered = tc_raw_send(r, env + len / 2, len - len / 2) && tc_raw_answered(r, 3000);
    }
    free(obj);
    free(env);
    return answered;
}

static void *tc_slow_thread(void *arg)
{
    struct tc_slow *s = arg;
    tc_thread_name("test_limit_timeouts");
    struct tc_raw r = {0};
    s->open = tc_raw_open(&r, s->source, 5000);
    if (s->open == CURLE_OK)
        s->served = s->run(&r, s);
    tc_raw_close(&r);
    return NULL;
}

static void test_limit_timeouts(struct tc_conn *c)
{
    struct tc_slow cases[4] = {
        {"control: a prompt request", "127.0.0.7", tc_slow_control, "", false, 0},
        {"an idle connection", "127.0.0.8", tc_slow_idle, "", false, 0},
        {"a header dripped byte by byte", "127.0.0.9", tc_slow_drip, "", false, 0},
        {"a stalled body", "127.0.0.10", tc_slow_body, "", false, 0},
    };
    pthread_t t[4];
    for (int i = 0; i < 4; i++)
        pthread_create(&t[i], NULL, tc_slow_thread, &cases[i]);
    for (int i = 0; i < 4; i++)
        pthread_join(t[i], NULL);
    for (int i = 0; i < 4; i++) {
        TC_CHECK(cases[i].open == CURLE_OK, "%s: no connection: %s", cases[i].name,
                 curl_easy_strerror(cases[i].open));
        TC_CHECK(cases[i].served == (i == 0), "%s: %s (timeout_s %ld)", cases[i].name,
                 i == 0 ? "not answered" : "served instead of closed", tc_cfg.timeout_s);
    }
    tc_absent(c, cases[3].id, "a stalled body");
}

const struct tc_test tc_limit_tests[] = {
    {"test_limit_body_size_413", test_limit_body_size_413},
    {"test_limit_objects_per_envelope_413", test_limit_objects_per_envelope_413},
    {"test_limit_json_depth", test_limit_json_depth},
    {"test_limit_connections", test_limit_connections},
    {"test_limit_rate_429", test_limit_rate_429},
    {"test_limit_timeouts", test_limit_timeouts},
    {NULL, NULL},
};
