/*
 * server.c — the HTTPS server under the TAXII endpoints: libmicrohttpd
 * with GnuTLS, a thread pool, limits, request bodies, per-thread stores,
 * the writer lock, one log line per request, and a graceful stop.
 *
 * Threads. MHD runs `threads` workers (MHD_OPTION_THREAD_POOL_SIZE), each
 * polling its share of the connections (epoll) and running the handlers of
 * its requests. A worker opens its own struct store on first use and keeps
 * it (pthread key; closed at stop): a connection is used by one thread at
 * a time, as store.h requires, and no request pays for an open. Writers of
 * this process queue on the writer lock (the node's, shared with its
 * replication worker, or the server's own) before store_begin, so they
 * wait on a mutex rather than on SQLite's sleeping busy handler; other
 * processes still serialize at store_begin. After a commit the node's
 * committed hook is told the channel (it wakes the replication worker).
 *
 * A request's life in MHD's access handler:
 *   first call      (headers read) rate limit (429), URI length (414), a
 *                   declared Content-Length over max_content_length (413,
 *                   answered at once: the body is never read);
 *   upload calls    the body is appended to a buffer whose ceiling is
 *                   max_content_length; past it the buffer is dropped and
 *                   the rest discarded (413 at the end, nothing stored); a
 *                   request still uploading timeout_s after it began is
 *                   cut (slow client);
 *   last call       routing, the endpoint, the answer.
 * The completion callback logs the request and frees its context.
 *
 * Limits at the socket: connections in all (MHD_OPTION_CONNECTION_LIMIT),
 * per client address (MHD_OPTION_PER_IP_CONNECTION_LIMIT), idle timeout
 * (MHD_OPTION_CONNECTION_TIMEOUT). Requests per client address and minute:
 * a token bucket per address (capacity rate_per_minute, refilled
 * continuously), in a fixed table.
 *
 * Stop: MHD_quiesce_daemon closes the listening socket, a request that
 * begins after it is answered 503 with "Connection: close" (keep-alive
 * clients cannot keep the node up), requests in flight finish (up to
 * timeout_s), then MHD_stop_daemon closes idle connections and joins the
 * workers; only then are the stores closed.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <gnutls/abstract.h>
#include <microhttpd.h>
#include <sodium.h>

#include "taxii_int.h"

#define TAXII_PRIORITIES "NORMAL:-VERS-ALL:+VERS-TLS1.3:+VERS-TLS1.2"
#define RATE_SLOTS 4096
#define RATE_PROBE 8

/* ---- rate limit ------------------------------------------------------------ */

struct rate_slot {
    uint8_t addr[16];
    bool used;
    double tokens;
    int64_t last_us;
};

struct taxii_rate {
    pthread_mutex_t lock;
    double capacity, per_us;
    struct rate_slot slot[RATE_SLOTS];
};

static uint32_t rate_hash(const uint8_t a[16])
{
    uint32_t h = 2166136261u; /* FNV-1a */
    for (int i = 0; i < 16; i++)
        h = (h ^ a[i]) * 16777619u;
    return h;
}

/* Takes one token for addr; false if its bucket is empty. A full table
 * reuses the probed slot idle longest (a refilled bucket loses nothing). */
static bool rate_take(struct taxii_rate *rt, const uint8_t addr[16])
{
    int64_t now = hl_mono_us();
    uint32_t h = rate_hash(addr);
    pthread_mutex_lock(&rt->lock);
    struct rate_slot *s = NULL, *victim = NULL;
    for (unsigned i = 0; i < RATE_PROBE && !s; i++) {
        struct rate_slot *t = &rt->slot[(h + i) % RATE_SLOTS];
        if (t->used && memcmp(t->addr, addr, 16) == 0)
            s = t;
        else if (!victim || (victim->used && (!t->used || t->last_us < victim->last_us)))
            victim = t;
    }
    if (!s) {
        s = victim;
        memcpy(s->addr, addr, 16);
        s->used = true;
        s->tokens = rt->capacity;
        s->last_us = now;
    }
    s->tokens += (double)(now - s->last_us) * rt->per_us;
    if (s->tokens > rt->capacity)
        s->tokens = rt->capacity;
    s->last_us = now;
    bool ok = s->tokens >= 1.0;
    if (ok)
        s->tokens -= 1.0;
    pthread_mutex_unlock(&rt->lock);
    return ok;
}

/* A new rate: each bucket keeps its tokens up to the new capacity. */
static void rate_set(struct taxii_rate *rt, unsigned per_minute)
{
    pthread_mutex_lock(&rt->lock);
    rt->capacity = per_minute;
    rt->per_us = per_minute / 60e6;
    pthread_mutex_unlock(&rt->lock);
}

/* ---- what changes while the server runs ------------------------------------- */

static void live_text(char dst[static TAXII_LIVE_TEXT_MAX + 1], const char *src)
{
    snprintf(dst, TAXII_LIVE_TEXT_MAX + 1, "%s", src ? src : "");
}

int taxii_server_set_live(struct taxii_server *s, const struct taxii_live *l, struct hl_error *err)
{
    const char *texts[3] = {l->title, l->description, l->contact};
    for (int i = 0; i < 3; i++)
        if (texts[i] && strlen(texts[i]) > TAXII_LIVE_TEXT_MAX)
            return hl_fail(err, HL_E_INVALID, i ? (i == 1 ? "description" : "contact") : "title",
                           "longer than %d bytes", TAXII_LIVE_TEXT_MAX);
    if (l->max_content_length < 1 || l->max_content_length > HL_MAX_DOCUMENT_BYTES)
        return hl_fail(err, HL_E_INVALID, "max_content_length", "not in 1..%d",
                       HL_MAX_DOCUMENT_BYTES);
    if (l->max_objects < 1 || l->max_objects > LOG_BATCH_MAX)
        return hl_fail(err, HL_E_INVALID, "max_objects", "not in 1..%d", LOG_BATCH_MAX);
    if (l->rate_per_minute < 1)
        return hl_fail(err, HL_E_INVALID, "rate_per_minute", "must be at least 1");
    atomic_store(&s->max_content_length, l->max_content_length);
    atomic_store(&s->max_objects, l->max_objects);
    rate_set(s->rate, l->rate_per_minute);
    pthread_mutex_lock(&s->live_lock);
    live_text(s->title, l->title && l->title[0] ? l->title : "hotline node");
    live_text(s->description, l->description);
    live_text(s->contact, l->contact);
    pthread_mutex_unlock(&s->live_lock);
    return 0;
}

/* ---- per-thread stores and the writer ----------------------------------------- */

static struct store *thread_store(struct taxii_server *srv, struct hl_error *err)
{
    struct store *s = pthread_getspecific(srv->store_key);
    if (s)
        return s;
    struct store_options so = {.busy_timeout_ms = 10000,
                               .must_exist = true,
                               .manual_checkpoint = srv->o.manual_checkpoint,
                               .concurrent = true};
    if (store_open(srv->o.db_path, &so, &s, err))
        return NULL;
    pthread_mutex_lock(&srv->stores_lock);
    if (srv->n_stores == srv->cap_stores) {
        size_t cap = srv->cap_stores ? srv->cap_stores * 2 : 8;
        struct store **v = realloc(srv->stores, cap * sizeof *v);
        if (v) {
            srv->stores = v;
            srv->cap_stores = cap;
        }
    }
    bool kept = srv->n_stores < srv->cap_stores;
    if (kept)
        srv->stores[srv->n_stores++] = s;
    pthread_mutex_unlock(&srv->stores_lock);
    if (!kept || pthread_setspecific(srv->store_key, s)) {
        if (!kept)
            store_close(s);
        hl_fail(err, HL_E_NOMEM, NULL, "out of memory");
        return NULL;
    }
    return s;
}

int taxii_write_begin(struct taxii_ctx *c, struct hl_error *err)
{
    pthread_mutex_lock(c->srv->wlock);
    int r = store_begin(c->store, err);
    if (r)
        pthread_mutex_unlock(c->srv->wlock);
    return r;
}

void taxii_rollback(struct store *s)
{
    struct hl_error ignored;
    if (store_rollback(s, &ignored) != 0)
        return; /* nothing more to undo: the connection rolls back at close */
}

int taxii_write_end(struct taxii_ctx *c, int r, struct hl_error *err)
{
    if (r == 0)
        r = store_commit(c->store, err);
    if (r)
        taxii_rollback(c->store);
    pthread_mutex_unlock(c->srv->wlock);
    if (r == 0 && c->srv->o.committed && !c->quiet_commit)
        c->srv->o.committed(c->srv->o.committed_ctx, c->channel);
    if (r == 0)
        taxii_watch_notify(c->srv);
    return r;
}

/* ---- one request ------------------------------------------------------------- */

struct request {
    struct taxii_server *srv;
    char *uri; /* as received: path and query, undecoded */
    bool uri_too_long;
    bool started, answered, counted, too_large;
    struct buf body; /* its max: max_content_length when the request began */
    int64_t start_mono_us;
    int status;
    size_t bytes;
    char method[8];
    char addr[INET6_ADDRSTRLEN];
    char user[STORE_TEXT_MAX + 1];
    struct taxii_waiter waiter; /* while the endpoint waits (taxii_wait) */
};

static void *on_uri(void *cls, const char *uri, struct MHD_Connection *con)
{
    struct taxii_server *srv = cls;
    taxii_watch_phase(srv, con, TAXII_PHASE_HEADERS);
    struct request *rq = calloc(1, sizeof *rq);
    if (!rq)
        return NULL;
    rq->srv = srv;
    rq->start_mono_us = hl_mono_us();
    size_t n = strlen(uri);
    rq->uri_too_long = n > TAXII_URI_MAX;
    rq->uri = strndup(uri, rq->uri_too_long ? 1 : n);
    buf_init(&rq->body, taxii_max_content_length(srv));
    snprintf(rq->user, sizeof rq->user, "-");
    snprintf(rq->addr, sizeof rq->addr, "-");
    return rq;
}

static void busy_add(struct taxii_server *srv, int d)
{
    pthread_mutex_lock(&srv->busy_lock);
    srv->busy = (unsigned)((int)srv->busy + d);
    if (srv->busy == 0)
        pthread_cond_broadcast(&srv->idle);
    pthread_mutex_unlock(&srv->busy_lock);
}

void taxii_log_clean(char *out, size_t max, const char *in, char stop, bool spaces)
{
    size_t n = 0;
    for (const char *p = in ? in : "?"; *p && *p != stop && n + 1 < max; p++)
        out[n++] = (*p > ' ' || (spaces && *p == ' ')) && *p < 0x7f ? *p : '?';
    out[n] = '\0';
}

/* The request's line in the log: its path (the query, which may name
 * what was searched, is left out) cut at 300 bytes, so a request cannot
 * forge log lines (taxii_log_clean). */
static void log_request(struct taxii_server *srv, const struct request *rq, bool complete)
{
    char path[301], method[sizeof rq->method], line[800];
    taxii_log_clean(path, sizeof path, rq->uri, '?', false);
    taxii_log_clean(method, sizeof method, rq->method, '\0', false);
    snprintf(line, sizeof line, "taxii %s %s %s %s %d %zu %.1fms%s", rq->addr, rq->user, method,
             path, rq->answered ? rq->status : 0, rq->bytes,
             (double)(hl_mono_us() - rq->start_mono_us) / 1000.0, complete ? "" : " (cut)");
    srv->o.log(srv->o.log_ctx, line);
}

static void on_completed(void *cls, struct MHD_Connection *con, void **con_cls,
                         enum MHD_RequestTerminationCode toe)
{
    struct taxii_server *srv = cls;
    taxii_watch_phase(srv, con, TAXII_PHASE_WAITING);
    struct request *rq = *con_cls;
    if (!rq)
        return;
    *con_cls = NULL;
    if (srv->o.log && rq->started)
        log_request(srv, rq, toe == MHD_REQUEST_TERMINATED_COMPLETED_OK);
    if (rq->counted)
        busy_add(srv, -1);
    buf_release(&rq->body);
    free(rq->uri);
    free(rq);
}

static enum MHD_Result send_resp(struct MHD_Connection *con, struct request *rq,
                                 struct taxii_resp *r)
{
    size_t len = 0;
    char *data = buf_detach(&r->body, &len);
    struct MHD_Response *mr =
        data ? MHD_create_response_from_buffer(len, data, MHD_RESPMEM_MUST_FREE) : NULL;
    if (!mr) {
        free(data);
        return MHD_NO;
    }
    MHD_add_response_header(mr, MHD_HTTP_HEADER_CONTENT_TYPE, r->content_type);
    bool closes = false;
    for (unsigned i = 0; i < r->n_headers; i++) {
        MHD_add_response_header(mr, r->headers[i].name, r->headers[i].value);
        closes = closes || strcasecmp(r->headers[i].name, MHD_HTTP_HEADER_CONNECTION) == 0;
    }
    /* A connection made with a certificate since replaced (tls.c) */
    if (!closes && taxii_watch_tls_stale(con))
        MHD_add_response_header(mr, MHD_HTTP_HEADER_CONNECTION, "close");
    enum MHD_Result ok = MHD_queue_response(con, (unsigned)r->status, mr);
    MHD_destroy_response(mr);
    rq->answered = true;
    rq->status = r->status;
    rq->bytes = len;
    return ok;
}

/* Answers a TAXII error without routing (limits met before the body). */
static enum MHD_Result send_error(struct MHD_Connection *con, struct request *rq, int status,
                                  const char *title, const char *desc)
{
    struct taxii_resp r = {.status = status, .content_type = TAXII_MEDIA_TYPE};
    buf_init(&r.body, TAXII_RESP_MAX);
    if (taxii_error_body(status, title, desc, &r.body))
        return MHD_NO;
    if (status == 429)
        taxii_header(&r, "Retry-After", "60");
    if (status == 503) /* stopping: this connection carries nothing more */
        taxii_header(&r, MHD_HTTP_HEADER_CONNECTION, "close");
    enum MHD_Result ok = send_resp(con, rq, &r);
    buf_release(&r.body);
    return ok;
}

static void client_addr(struct MHD_Connection *con, struct request *rq, uint8_t key[16])
{
    const union MHD_ConnectionInfo *ci =
        MHD_get_connection_info(con, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
    memset(key, 0, 16);
    const struct sockaddr *sa = ci ? ci->client_addr : NULL;
    if (sa && sa->sa_family == AF_INET) {
        const struct sockaddr_in *in = (const struct sockaddr_in *)sa;
        memcpy(key + 12, &in->sin_addr, 4);
        inet_ntop(AF_INET, &in->sin_addr, rq->addr, sizeof rq->addr);
    } else if (sa && sa->sa_family == AF_INET6) {
        const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *)sa;
        memcpy(key, &in6->sin6_addr, 16);
        inet_ntop(AF_INET6, &in6->sin6_addr, rq->addr, sizeof rq->addr);
    }
}

/* Whether a body declared past max_content_length is read (and dropped)
 * before its 413 rather than answered at once: a server that answers and
 * closes while the client still sends can have its answer lost to the TCP
 * reset its unread data causes (RFC 9112 §9.6), and the client then sees
 * a broken connection where it should see 413 (a peer's worker would back
 * off instead of halving its envelopes). A client that asked for "100
 * Continue" has sent nothing yet, and one that declares more than
 * TAXII_DRAIN_MAX past the limit is not worth reading: both are answered
 * at once. */
static bool body_drained(struct MHD_Connection *con, size_t limit, unsigned long long declared)
{
    const char *expect = MHD_lookup_connection_value(con, MHD_HEADER_KIND, MHD_HTTP_HEADER_EXPECT);
    return !(expect && strcasecmp(expect, "100-continue") == 0) &&
           declared - limit <= TAXII_DRAIN_MAX;
}

/* The first call: limits that need no body. */
static enum MHD_Result request_start(struct MHD_Connection *con, struct request *rq,
                                     const char *method)
{
    struct taxii_server *srv = rq->srv;
    uint8_t key[16];
    long long declared;
    rq->started = true;
    rq->counted = true;
    busy_add(srv, 1);
    taxii_watch_phase(srv, con, TAXII_PHASE_UPLOAD);
    snprintf(rq->method, sizeof rq->method, "%s", method);
    client_addr(con, rq, key);
    if (atomic_load(&srv->stopping))
        return send_error(con, rq, 503, "Service unavailable", "the node is stopping");
    if (!rate_take(srv->rate, key))
        return send_error(con, rq, 429, "Too many requests",
                          "this client sent more requests than the node takes per minute");
    if (rq->uri_too_long || !rq->uri)
        return send_error(con, rq, 414, "URI too long", "the request URI is too long");
    const char *cl =
        MHD_lookup_connection_value(con, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_LENGTH);
    if (cl && hl_parse_int(cl, 0, INT64_MAX, &declared) &&
        (unsigned long long)declared > rq->body.max) {
        if (!body_drained(con, rq->body.max, (unsigned long long)declared))
            return send_error(con, rq, 413, "Payload too large",
                              "the body exceeds max_content_length");
        rq->too_large = true; /* read and dropped, then answered 413 */
        buf_release(&rq->body);
    }
    return MHD_YES;
}

/* The endpoint's answer into resp (c->suspend: none, it waits). */
static void request_route(struct MHD_Connection *con, struct request *rq, struct taxii_ctx *c)
{
    struct hl_error err;
    hl_error_clear(&err);
    char *q = strchr(rq->uri, '?');
    size_t plen = q ? (size_t)(q - rq->uri) : strlen(rq->uri);
    char *path = malloc(plen + 1), *segs = malloc(plen + 1);
    c->query = q ? q + 1 : "";
    if (path && segs) {
        memcpy(path, rq->uri, plen);
        path[plen] = '\0';
    }
    if (!path || !segs)
        taxii_error(c, 503, "Service unavailable", "the node is out of memory");
    else if (taxii_path_split(path, segs, c->seg, sizeof c->seg / sizeof c->seg[0], &c->n_seg))
        taxii_error(c, 404, "Not found", "no such resource");
    else if (!(c->store = thread_store(rq->srv, &err)))
        taxii_error(c, 503, "Service unavailable", "the node's database cannot be opened");
    else
        taxii_route(
            c, MHD_lookup_connection_value(con, MHD_HEADER_KIND, MHD_HTTP_HEADER_AUTHORIZATION));
    if (c->user.name[0])
        snprintf(rq->user, sizeof rq->user, "%s", c->user.name);
    if (c->store)
        taxii_rollback(c->store); /* ends a GET's snapshot, or what a failure left open */
    free(path);
    free(segs);
}

/* The last call (again after each resume of a waiting request): the
 * endpoint's answer, or the connection suspended until a commit. */
static enum MHD_Result request_finish(struct MHD_Connection *con, struct request *rq)
{
    struct taxii_server *srv = rq->srv;
    taxii_watch_phase(srv, con, TAXII_PHASE_BUSY);
    for (;;) {
        struct taxii_resp resp = {.status = 500, .content_type = TAXII_MEDIA_TYPE};
        uint64_t gen = taxii_watch_gen(srv); /* before the endpoint looks */
        buf_init(&resp.body, TAXII_RESP_MAX);
        struct taxii_ctx c = {
            .srv = srv,
            .method = rq->method,
            .accept = MHD_lookup_connection_value(con, MHD_HEADER_KIND, MHD_HTTP_HEADER_ACCEPT),
            .content_type =
                MHD_lookup_connection_value(con, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_TYPE),
            .host = MHD_lookup_connection_value(con, MHD_HEADER_KIND, MHD_HTTP_HEADER_HOST),
            .body = &rq->body,
            .body_too_large = rq->too_large,
            .now_us = hl_wall_us(),
            .resp = &resp,
            .waiter = &rq->waiter,
        };
        request_route(con, rq, &c);
        if (c.suspend) {
            buf_release(&resp.body);
            rq->waiter.con = con;
            if (taxii_watch_suspend(srv, &rq->waiter, gen))
                return MHD_YES;
            continue; /* a commit came meanwhile: look again */
        }
        enum MHD_Result ok = send_resp(con, rq, &resp);
        buf_release(&resp.body);
        return ok;
    }
}

bool taxii_wait(struct taxii_ctx *c, int64_t wait_ms)
{
    int64_t now = hl_mono_us();
    if (wait_ms <= 0 || atomic_load(&c->srv->stopping))
        return false;
    if (wait_ms > TAXII_WAIT_MAX_MS)
        wait_ms = TAXII_WAIT_MAX_MS;
    if (!c->waiter->deadline_us)
        c->waiter->deadline_us = now + wait_ms * 1000;
    c->suspend = now < c->waiter->deadline_us;
    return c->suspend;
}

void taxii_server_notify(struct taxii_server *s)
{
    taxii_watch_notify(s);
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *con, const char *url,
                                  const char *method, const char *version, const char *upload_data,
                                  size_t *upload_size, void **con_cls)
{
    (void)cls;
    (void)url;
    (void)version;
    struct request *rq = *con_cls;
    if (!rq)
        return MHD_NO; /* out of memory at the URI */
    if (!rq->started)
        return request_start(con, rq, method);
    if (*upload_size) {
        if (!rq->answered && !rq->too_large && buf_add(&rq->body, upload_data, *upload_size) != 0) {
            rq->too_large = true; /* past max_content_length: keep nothing */
            buf_release(&rq->body);
        }
        *upload_size = 0;
        if (hl_mono_us() - rq->start_mono_us > (int64_t)rq->srv->o.timeout_s * 1000000)
            return MHD_NO; /* slow client: the connection is closed */
        return MHD_YES;
    }
    if (rq->answered)
        return MHD_YES;
    return request_finish(con, rq);
}

/* ---- start and stop ---------------------------------------------------------- */

/* Parses "ADDR:PORT" or "[ADDR6]:PORT" into sa. */
static int parse_listen(const char *listen, struct sockaddr_storage *sa, char host[static 64],
                        struct hl_error *err)
{
    char addr[48];
    long long port;
    const char *colon = listen ? strrchr(listen, ':') : NULL;
    if (!colon || (size_t)(colon - listen) >= sizeof addr ||
        !hl_parse_int(colon + 1, 0, 65535, &port))
        return hl_fail(err, HL_E_INVALID, "listen", "listen must be ADDR:PORT, not '%s'",
                       listen ? listen : "");
    memcpy(addr, listen, (size_t)(colon - listen));
    addr[colon - listen] = '\0';
    memset(sa, 0, sizeof *sa);
    struct sockaddr_in *in = (struct sockaddr_in *)sa;
    struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)sa;
    size_t n = strlen(addr);
    if (n > 2 && addr[0] == '[' && addr[n - 1] == ']') {
        addr[n - 1] = '\0';
        if (inet_pton(AF_INET6, addr + 1, &in6->sin6_addr) != 1)
            return hl_fail(err, HL_E_INVALID, "listen", "'%s' is not an IPv6 address", addr + 1);
        in6->sin6_family = AF_INET6;
        in6->sin6_port = htons((uint16_t)port);
        snprintf(host, 64, "[%s]", addr + 1);
        return 0;
    }
    if (inet_pton(AF_INET, addr, &in->sin_addr) != 1)
        return hl_fail(err, HL_E_INVALID, "listen", "'%s' is not an IPv4 address", addr);
    in->sin_family = AF_INET;
    in->sin_port = htons((uint16_t)port);
    snprintf(host, 64, "%s", addr);
    return 0;
}

static void options_defaults(struct taxii_options *o)
{
    if (!o->threads)
        o->threads = TAXII_DEFAULT_THREADS;
    if (o->threads > TAXII_MAX_THREADS)
        o->threads = TAXII_MAX_THREADS;
    if (!o->max_content_length)
        o->max_content_length = TAXII_DEFAULT_CONTENT_LENGTH;
    if (o->max_content_length > HL_MAX_DOCUMENT_BYTES)
        o->max_content_length = HL_MAX_DOCUMENT_BYTES;
    if (!o->max_objects)
        o->max_objects = TAXII_DEFAULT_MAX_OBJECTS;
    if (o->max_objects > LOG_BATCH_MAX)
        o->max_objects = LOG_BATCH_MAX;
    if (!o->max_connections)
        o->max_connections = TAXII_DEFAULT_CONNECTIONS;
    if (!o->max_per_client)
        o->max_per_client = TAXII_DEFAULT_PER_CLIENT;
    if (!o->rate_per_minute)
        o->rate_per_minute = TAXII_DEFAULT_RATE;
    if (!o->timeout_s)
        o->timeout_s = TAXII_DEFAULT_TIMEOUT_S;
}

static void server_free(struct taxii_server *srv)
{
    taxii_watch_free(srv);
    taxii_seen_free(srv);
    for (size_t i = 0; i < srv->n_stores; i++)
        store_close(srv->stores[i]);
    free(srv->stores);
    taxii_tls_free(srv);
    pthread_mutex_destroy(&srv->tls_lock);
    pthread_mutex_destroy(&srv->live_lock);
    free(srv->rate);
    pthread_key_delete(srv->store_key);
    pthread_mutex_destroy(&srv->stores_lock);
    pthread_mutex_destroy(&srv->write_lock);
    pthread_mutex_destroy(&srv->busy_lock);
    pthread_cond_destroy(&srv->idle);
    free(srv);
}

static char *read_pem(const char *path, const char *what, struct hl_error *err)
{
    struct buf b;
    buf_init(&b, TAXII_PEM_MAX);
    if (!path) {
        hl_fail(err, HL_E_INVALID, what, "no %s file given", what);
        return NULL;
    }
    if (hl_read_file(path, TAXII_PEM_MAX, &b, err))
        return NULL;
    char *s = buf_detach(&b, NULL);
    if (!s)
        hl_fail(err, HL_E_NOMEM, what, "out of memory");
    return s;
}

/* Checks that the database opens (and is a node's) before serving. */
static int check_store(const struct taxii_options *o, struct hl_error *err)
{
    struct store_options so = {.must_exist = true};
    struct store *s = NULL;
    int r = o->db_path ? store_open(o->db_path, &so, &s, err)
                       : hl_fail(err, HL_E_INVALID, "db_path", "no database given");
    store_close(s);
    if (!r && (!o->signer || !o->signer->party || !o->signer->key))
        r = hl_fail(err, HL_E_INVALID, "signer", "the server needs the node's party and key");
    return r;
}

static int server_init(struct taxii_server *srv, const struct taxii_options *o,
                       struct hl_error *err)
{
    srv->o = *o;
    options_defaults(&srv->o);
    pthread_mutex_init(&srv->tls_lock, NULL);
    pthread_mutex_init(&srv->live_lock, NULL);
    srv->rate = calloc(1, sizeof *srv->rate);
    if (!srv->rate)
        return hl_fail(err, HL_E_NOMEM, NULL, "out of memory");
    pthread_mutex_init(&srv->rate->lock, NULL);
    rate_set(srv->rate, srv->o.rate_per_minute);
    atomic_init(&srv->max_content_length, srv->o.max_content_length);
    atomic_init(&srv->max_objects, srv->o.max_objects);
    live_text(srv->title, srv->o.title ? srv->o.title : "hotline node");
    live_text(srv->description, srv->o.description);
    live_text(srv->contact, srv->o.contact);
    if (pthread_key_create(&srv->store_key, NULL))
        return hl_fail(err, HL_E_NOMEM, NULL, "no thread key");
    pthread_mutex_init(&srv->stores_lock, NULL);
    pthread_mutex_init(&srv->write_lock, NULL);
    srv->wlock = o->write_lock ? o->write_lock : &srv->write_lock;
    pthread_mutex_init(&srv->busy_lock, NULL);
    pthread_cond_init(&srv->idle, NULL);
    int r = check_store(&srv->o, err);
    if (!r && taxii_seen_init(srv))
        r = hl_fail(err, HL_E_NOMEM, NULL, "out of memory");
    char *cert = NULL, *key = NULL;
    if (!r && !(cert = read_pem(o->cert_path, "certificate", err)))
        r = -err->code;
    if (!r && !(key = read_pem(o->key_path, "key", err)))
        r = -err->code;
    if (!r)
        r = taxii_server_set_tls(srv, cert, strlen(cert), key, strlen(key), err);
    if (key)
        sodium_memzero(key, strlen(key));
    free(key);
    free(cert);
    return r;
}

int taxii_server_start(const struct taxii_options *o, struct taxii_server **out,
                       struct hl_error *err)
{
    struct sockaddr_storage sa = {0};
    *out = NULL;
    struct taxii_server *srv = calloc(1, sizeof *srv);
    if (!srv)
        return hl_fail(err, HL_E_NOMEM, NULL, "out of memory");
    int r = server_init(srv, o, err);
    if (!r)
        r = parse_listen(o->listen, &sa, srv->host, err);
    if (!r)
        r = taxii_watch_start(srv, err);
    if (r) {
        server_free(srv);
        return r;
    }
    unsigned flags = MHD_USE_TLS | MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL | MHD_USE_ITC |
                     MHD_ALLOW_SUSPEND_RESUME | (sa.ss_family == AF_INET6 ? MHD_USE_IPv6 : 0);
    struct MHD_Daemon *d = MHD_start_daemon(
        flags, 0, NULL, NULL, on_request, srv, MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&sa,
        MHD_OPTION_HTTPS_CERT_CALLBACK, taxii_tls_retrieve, MHD_OPTION_HTTPS_PRIORITIES,
        TAXII_PRIORITIES, MHD_OPTION_THREAD_POOL_SIZE, (unsigned)srv->o.threads,
        MHD_OPTION_CONNECTION_LIMIT, (unsigned)srv->o.max_connections,
        MHD_OPTION_PER_IP_CONNECTION_LIMIT, (unsigned)srv->o.max_per_client,
        MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)srv->o.timeout_s, MHD_OPTION_URI_LOG_CALLBACK,
        on_uri, srv, MHD_OPTION_NOTIFY_COMPLETED, on_completed, srv, MHD_OPTION_NOTIFY_CONNECTION,
        taxii_watch_connection, srv, MHD_OPTION_END);
    if (!d) {
        int e = errno;
        server_free(srv);
        return hl_fail(err, HL_E_IO, "listen",
                       "cannot serve HTTPS on %s: %s (address in use, "
                       "or an unreadable certificate or key?)",
                       o->listen, strerror(e));
    }
    const union MHD_DaemonInfo *di = MHD_get_daemon_info(d, MHD_DAEMON_INFO_BIND_PORT);
    srv->port = di ? di->port : 0;
    srv->daemon = d;
    *out = srv;
    return 0;
}

uint16_t taxii_server_port(const struct taxii_server *s)
{
    return s ? s->port : 0;
}

void taxii_server_stop(struct taxii_server *s)
{
    if (!s)
        return;
    struct MHD_Daemon *d = s->daemon;
    atomic_store(&s->stopping, true);      /* no new requests */
    taxii_watch_notify(s);                 /* and no more waiting */
    MHD_socket fd = MHD_quiesce_daemon(d); /* no new connections */
    if (fd != MHD_INVALID_SOCKET)
        close(fd);
    struct timespec until = hl_realtime_in_us((int64_t)s->o.timeout_s * 1000000);
    pthread_mutex_lock(&s->busy_lock);
    while (s->busy > 0 && pthread_cond_timedwait(&s->idle, &s->busy_lock, &until) == 0)
        ;
    pthread_mutex_unlock(&s->busy_lock);
    taxii_watch_stop(s);
    MHD_stop_daemon(d);
    server_free(s);
}
