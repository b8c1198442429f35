/*
 * taxii_int.h — private to src/taxii/: the server's state, one request's
 * context and answer, and the pure helpers (URL and query parsing, filters,
 * media types, TAXII timestamps, cursors, error bodies) that
 * tests/unit/taxii_test.c checks without a network.
 *
 * Files:
 *   server.c     libmicrohttpd daemon, TLS, limits, rate limit, request
 *                bodies, per-thread stores, logging, dispatch
 *   route.c      authentication, routing, collections (channels)
 *   query.c      the pure helpers below
 *   endpoints.c  discovery, API root, collections, status (§4, §5.1-5.2)
 *   objects.c    objects, manifest, one object, versions, DELETE (§5.3-5.8)
 *   post.c       add objects: validate, seal, append, status (§5.5)
 *   proofs.c     the ledger endpoints (tree heads, proofs)
 *   peer.c       a peer node's POST, and the delivery ledger
 *   watch.c      deadlines for slow clients (a watchdog thread)
 *
 * Life of a request: server.c collects the body (never past the ceiling),
 * then taxii_route() authenticates, finds the endpoint and calls it with a
 * struct taxii_ctx; the endpoint fills ctx->resp; server.c sends it and
 * logs one line when the connection reports the request complete.
 */
#ifndef HL_TAXII_INT_H
#define HL_TAXII_INT_H

#include <jansson.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "auth/auth.h"
#include "base/base.h"
#include "ledger/ledger.h"
#include "store/store.h"
#include "taxii.h"

/* Defaults of struct taxii_options. */
#define TAXII_DEFAULT_THREADS 4
#define TAXII_MAX_THREADS 64
#define TAXII_DEFAULT_CONTENT_LENGTH (10u * 1024 * 1024)
#define TAXII_DEFAULT_MAX_OBJECTS 1000
#define TAXII_DEFAULT_CONNECTIONS 256
#define TAXII_DEFAULT_PER_CLIENT 32
#define TAXII_DEFAULT_RATE 6000
#define TAXII_DEFAULT_TIMEOUT_S 30
/* A body declared past max_content_length by at most this much is read
 * and dropped before its 413 (server.c, body_drained). */
#define TAXII_DRAIN_MAX (16u * 1024 * 1024)

/* Longest request URI (path and query) accepted; longer is 414. */
#define TAXII_URI_MAX 8192
/* Most headers added to one answer. */
#define TAXII_MAX_HEADERS 6
/* Largest answer built in memory: a page ends past 16 MiB (objects.c),
 * plus its last object (at most STORE_JSON_MAX); a status of LOG_BATCH_MAX
 * objects with their messages. */
#define TAXII_RESP_MAX (64u * 1024 * 1024)

struct taxii_rate;  /* server.c */
struct taxii_watch; /* watch.c */
struct taxii_tls;   /* tls.c */

/* Largest certificate chain or key file, PEM. */
#define TAXII_PEM_MAX (64u * 1024)
/* Certificate and key pairs presented in one run of the server (tls.c:
 * each is kept until it stops). */
#define TAXII_TLS_PAIRS_MAX 64

struct taxii_server {
    struct taxii_options o; /* defaults filled in */
    void *daemon;           /* struct MHD_Daemon * */
    pthread_mutex_t tls_lock;
    struct taxii_tls *tls; /* presented from the next handshake; older ones after it */
    unsigned n_tls;
    char host[64]; /* the listen address, for URLs when Host is unusable */
    uint16_t port;
    pthread_key_t store_key; /* this thread's struct store * */
    pthread_mutex_t stores_lock;
    struct store **stores; /* every store opened by a worker, closed at stop */
    size_t n_stores, cap_stores;
    pthread_mutex_t write_lock; /* one writer of this process at a time */
    pthread_mutex_t *wlock;     /* o.write_lock, or &write_lock */
    struct taxii_rate *rate;
    /* What taxii_server_set_live changes: the limits read once per
     * request, the discovery texts under live_lock ("" when left out). */
    _Atomic size_t max_content_length, max_objects;
    pthread_mutex_t live_lock;
    char title[TAXII_LIVE_TEXT_MAX + 1], description[TAXII_LIVE_TEXT_MAX + 1],
        contact[TAXII_LIVE_TEXT_MAX + 1];
    pthread_mutex_t busy_lock;
    pthread_cond_t idle;
    unsigned busy; /* requests being processed */
    struct taxii_watch *watch;
    struct taxii_seen *seen; /* members' receipts taken, not yet committed */
    atomic_bool stopping;    /* set by taxii_server_stop */
};

/* The request limits in force (taxii_server_set_live). */
static inline size_t taxii_max_content_length(struct taxii_server *s)
{
    return atomic_load(&s->max_content_length);
}
static inline size_t taxii_max_objects(struct taxii_server *s)
{
    return atomic_load(&s->max_objects);
}

/* ---- receipts taken before their commit (seen.c) -------------------------- */

/* A member's receipt for a log of a channel, as the worker took it. */
struct taxii_seen_receipt {
    char channel[STORE_TEXT_MAX + 1];
    char log_party[STORE_TEXT_MAX + 1]; /* whose log it cosigns */
    char witness[STORE_TEXT_MAX + 1];   /* the member that holds it */
    int64_t size;                       /* entries of that log it holds */
    int64_t seq;                        /* the receipt's own seq in its log */
    char created[40];
};

HL_MUST_CHECK int taxii_seen_init(struct taxii_server *srv); /* 0 or -HL_E_NOMEM */
void taxii_seen_free(struct taxii_server *srv);
/* The latest receipt taken of witness for (channel, log_party), if any. */
bool taxii_seen_get(struct taxii_server *srv, const char *channel, const char *log_party,
                    const char *witness, struct taxii_seen_receipt *out);

/* ---- slow-client deadlines (watch.c) ------------------------------------ */

/* The phase of a connection's current request (watch.c explains). */
enum { TAXII_PHASE_WAITING, TAXII_PHASE_HEADERS, TAXII_PHASE_UPLOAD, TAXII_PHASE_BUSY };

/* Starts the watchdog thread of srv (srv->o.timeout_s set). */
HL_MUST_CHECK int taxii_watch_start(struct taxii_server *srv, struct hl_error *err);
/* Stops the thread; connections are still tracked until they close. */
void taxii_watch_stop(struct taxii_server *srv);
/* Stops the thread if running and frees the watch (after MHD stopped). */
void taxii_watch_free(struct taxii_server *srv);
#ifdef MHD_VERSION
/* The server of con, as its record made at accept says; NULL when it has
 * none (not tracked) or con is NULL. */
struct taxii_server *taxii_watch_server(struct MHD_Connection *con);
/* Notes that con's handshake was given the pair of generation gen (tls.c). */
void taxii_watch_tls_given(struct MHD_Connection *con, unsigned gen);
/* Whether con's handshake was given a pair older than its server's current
 * one (taxii_tls_gen): its answers then close it, and the client's next
 * connection gets the current one. */
bool taxii_watch_tls_stale(struct MHD_Connection *con);
/* MHD_OPTION_NOTIFY_CONNECTION callback; cls is the server. */
void taxii_watch_connection(void *cls, struct MHD_Connection *con, void **socket_context,
                            enum MHD_ConnectionNotificationCode toe);
/* The connection's request entered phase (TAXII_PHASE_*). */
void taxii_watch_phase(struct taxii_server *srv, struct MHD_Connection *con, int phase);
#endif

/* ---- requests that wait for a commit (watch.c) ---------------------------
 * An endpoint that may wait (the delivery endpoint's wait=) answers at
 * once when it has what was asked, and otherwise asks to be called again
 * (taxii_wait): the server suspends the connection (MHD_suspend_connection;
 * it holds no worker thread) until the next commit of this process, the
 * request's deadline, or the stop, whichever comes first, and then routes
 * the request again. */

/* A suspended request; lives in the server's struct request. */
struct taxii_waiter {
    void *con;           /* struct MHD_Connection * */
    int64_t deadline_us; /* monotonic; 0 until the endpoint first waits */
    struct taxii_waiter *prev, *next;
    /* What the endpoint learnt at its first look and need not read again
     * (the delivery endpoint: the object's log and seq). */
    bool memo_set;
    char memo_text[STORE_TEXT_MAX + 1];
    int64_t memo_num;
};

/* The number of commits the server was told of (taxii_watch_notify). */
uint64_t taxii_watch_gen(struct taxii_server *srv);
/* Suspends w->con unless a commit came after gen was read, or the server
 * stops; true if suspended (the access handler then returns MHD_YES
 * without an answer). Call from the access handler only. */
bool taxii_watch_suspend(struct taxii_server *srv, struct taxii_waiter *w, uint64_t gen);
/* Something committed (or the server stops): every suspended request is
 * resumed and routed again. Never blocks for long; any thread. */
void taxii_watch_notify(struct taxii_server *srv);

/* One answer. */
struct taxii_resp {
    int status;               /* HTTP status */
    const char *content_type; /* static string */
    struct buf body;
    unsigned n_headers;
    struct {
        const char *name; /* static string */
        char value[96];
    } headers[TAXII_MAX_HEADERS];
};

/* What an endpoint gets. */
struct taxii_ctx {
    struct taxii_server *srv;
    struct store *store; /* this thread's */
    const char *method;  /* "GET", "POST", "DELETE", ... */
    const char *query;   /* raw query text after '?', "" if none */
    const char *accept;  /* header or NULL */
    const char *content_type;
    const char *host;   /* Host header or NULL */
    const char *seg[8]; /* decoded path segments */
    size_t n_seg;
    const struct buf *body; /* request body (POST) */
    bool body_too_large;    /* past max_content_length: discarded */
    struct auth_user user;
    int64_t now_us;
    struct taxii_resp *resp;
    /* The collection of the request, when the path names one. */
    char channel[STORE_TEXT_MAX + 1];
    char collection_id[40];
    unsigned rights; /* AUTH_READ | AUTH_WRITE on channel */
    /* Waiting (watch.c): the request's waiter (its deadline and memo),
     * and whether the endpoint asked to wait instead of answering. */
    struct taxii_waiter *waiter;
    bool suspend;
    bool quiet_commit; /* taxii_write_end skips the committed hook */
};

/* Whether the endpoint should wait rather than answer now: true (and
 * c->suspend set, no answer given) until wait_ms after the request first
 * waited, unless the server is stopping. wait_ms is at most
 * TAXII_WAIT_MAX_MS. */
bool taxii_wait(struct taxii_ctx *c, int64_t wait_ms);
#define TAXII_WAIT_MAX_MS (60 * 1000)

/* ---- answers (route.c) --------------------------------------------------- */

/* Sets resp to a TAXII error message (§3.6.1) with status; always 0 (the
 * error is the answer) unless the body cannot be built (-HL_E_NOMEM). */
int taxii_error(struct taxii_ctx *c, int status, const char *title, const char *fmt, ...)
    HL_PRINTF(4, 5);
/* Sets resp to status with the compact JSON of v (consumed) as body. */
int taxii_json(struct taxii_ctx *c, int status, json_t *v);
/* The same with the answer's JSON text given (borrowed); NULL answers 500. */
int taxii_text(struct taxii_ctx *c, int status, const char *json);
/* Adds a header to the answer (name static, value copied, cut at 95). */
void taxii_header(struct taxii_resp *r, const char *name, const char *value);
/* An internal failure: 500 (503 for a busy store, a full disk, our log
 * behind), detail not shown but logged. */
int taxii_fail(struct taxii_ctx *c, const struct hl_error *err);
/* in into out[max] for a log line, up to stop (or its end): any byte
 * outside printable ASCII (and a space, unless spaces) shown as '?', so
 * what a client sent cannot forge or split log lines. in NULL is "?". */
void taxii_log_clean(char *out, size_t max, const char *in, char stop, bool spaces);

/* The writer's critical section (server.c): takes the process's write
 * lock and starts a store transaction; taxii_write_end commits when r is
 * 0 (else rolls back), releases the lock and returns r or the commit's
 * error. Every write of the server goes between the two. */
HL_MUST_CHECK int taxii_write_begin(struct taxii_ctx *c, struct hl_error *err);
HL_MUST_CHECK int taxii_write_end(struct taxii_ctx *c, int r, struct hl_error *err);
/* Ends whatever transaction s has open, ignoring the outcome. */
void taxii_rollback(struct store *s);

/* Authenticates the request with its Authorization header (may be NULL),
 * finds its endpoint and calls it; fills c->resp. Always answers. */
void taxii_route(struct taxii_ctx *c, const char *authorization);

/* ---- collections (route.c) -------------------------------------------- */

/* Resolves collection id to a channel the user has a right on, setting
 * c->channel, c->collection_id and c->rights; answers 404 (returning 1)
 * if there is none. */
int taxii_collection_find(struct taxii_ctx *c, const char *id);

/* ---- endpoints ------------------------------------------------------------ */

void taxii_ep_discovery(struct taxii_ctx *c);
void taxii_ep_api_root(struct taxii_ctx *c);
void taxii_ep_status(struct taxii_ctx *c, const char *id);
void taxii_ep_collections(struct taxii_ctx *c);
void taxii_ep_collection(struct taxii_ctx *c);
void taxii_ep_objects(struct taxii_ctx *c, bool manifest);
void taxii_ep_object(struct taxii_ctx *c, const char *oid);
void taxii_ep_versions(struct taxii_ctx *c, const char *oid);
void taxii_ep_delete(struct taxii_ctx *c, const char *oid);
void taxii_ep_post(struct taxii_ctx *c);
void taxii_ep_heads(struct taxii_ctx *c);
void taxii_ep_inclusion(struct taxii_ctx *c);
void taxii_ep_consistency(struct taxii_ctx *c);
/* peer.c: a peer's POST (to o.peer_post) and the delivery ledger. */
void taxii_ep_peer_post(struct taxii_ctx *c);
void taxii_ep_delivery(struct taxii_ctx *c);
/* metrics.c: GET /api/hotline/metrics (o.metrics). */
void taxii_ep_metrics(struct taxii_ctx *c);
/* POST /api/hotline/certificate/next (cert.c). */
void taxii_ep_cert_next(struct taxii_ctx *c);

/* ---- pure helpers (query.c) ---------------------------------------------- */

/* Splits path ("/api/collections/X/") into its percent-decoded segments,
 * written into store (len + 1 bytes at least, the path's length) and
 * pointed at by seg[0..*n). Empty segments (a trailing or doubled '/')
 * are dropped. HL_E_PARSE for a bad escape or a decoded NUL or '/';
 * HL_E_TOO_LARGE for more than max segments. */
HL_MUST_CHECK int taxii_path_split(const char *path, char *store, const char **seg, size_t max,
                                   size_t *n);

/* Which query parameters an endpoint takes (others are ignored). */
enum {
    TAXII_Q_ADDED_AFTER = 1 << 0,
    TAXII_Q_LIMIT = 1 << 1,
    TAXII_Q_NEXT = 1 << 2,
    TAXII_Q_ID = 1 << 3,
    TAXII_Q_TYPE = 1 << 4,
    TAXII_Q_VERSION = 1 << 5,
    TAXII_Q_SPEC_VERSION = 1 << 6,
    TAXII_Q_EXCEPT_PARTY = 1 << 7, /* hotline_except_party: a member's pull */
};
#define TAXII_Q_LIST                                                                               \
    (TAXII_Q_ADDED_AFTER | TAXII_Q_LIMIT | TAXII_Q_NEXT | TAXII_Q_ID | TAXII_Q_TYPE |              \
     TAXII_Q_VERSION | TAXII_Q_SPEC_VERSION | TAXII_Q_EXCEPT_PARTY)

/* match[version] values, as bits; 0 means the default (last). */
enum { TAXII_V_LAST = 1, TAXII_V_FIRST = 2, TAXII_V_ALL = 4 };

/* Values of one filter list at most (STORE_LIST_MAX). */
#define TAXII_LIST_MAX STORE_LIST_MAX

/* A request's filters (TAXII 2.1 §3.4-3.6). Pointers point into text,
 * owned by the filter: free with taxii_filter_release. */
struct taxii_filter {
    bool has_added_after;
    int64_t added_after_us;
    size_t limit; /* 1..TAXII_PAGE_MAX */
    bool has_next;
    struct store_cursor next;
    const char **ids;
    size_t n_ids;
    const char **types;
    size_t n_types;
    unsigned versions; /* TAXII_V_* bits */
    int64_t *times;    /* match[version] timestamps */
    size_t n_times;
    bool spec_none; /* match[spec_version] without "2.1": nothing matches */
    const char *except_party; /* hotline_except_party: an identity id, or NULL */
    char *text;
};

/* Parses a query string (the part after '?', may be NULL or "") taking
 * the parameters in `allowed`. On failure (HL_E_PARSE or HL_E_TOO_LARGE)
 * err says which parameter and why, in words fit for a 400 answer, and f
 * holds nothing. */
HL_MUST_CHECK int taxii_filter_parse(const char *query, unsigned allowed, struct taxii_filter *f,
                                     struct hl_error *err);
void taxii_filter_release(struct taxii_filter *f);

/* The value of parameter name in query (percent-decoded) copied into
 * out[max]; false if absent, too long or badly encoded. */
bool taxii_query_get(const char *query, const char *name, char *out, size_t max);
/* The same for an optional parameter: 1 copied, 0 absent, -1 given but
 * unusable (too long, badly encoded): a 400, never the default. */
int taxii_query_opt(const char *query, const char *name, char *out, size_t max);

/* True if the Accept header admits application/taxii+json;version=2.1. */
bool taxii_accept_ok(const char *accept);
/* True if Content-Type is application/taxii+json;version=2.1 (or without
 * version: the latest, 2.1). */
bool taxii_content_type_ok(const char *ct);

/* TAXII timestamps (§2.1, RFC 3339 in UTC with "Z"). Parses s into
 * microseconds since the epoch (finer digits are cut); false if malformed. */
bool taxii_time_parse(const char *s, int64_t *us);
/* Formats us as YYYY-MM-DDTHH:MM:SS.ssssssZ (micro) or, when !micro and
 * us has no sub-millisecond part, .sssZ. out has at least 32 bytes. */
void taxii_time_format(int64_t us, bool micro, char out[static 32]);

/* A complete status resource (TAXII 2.1 §4.3.1: nothing left pending) with
 * the request's status details, ok and failed (borrowed); an empty list is
 * left out (§2: a list has at least one value), and so are the successes
 * when nothing failed unless list_all. post.c. NULL: out of memory. */
json_t *taxii_status_complete(struct taxii_ctx *c, const char *id, json_t *ok, json_t *failed,
                              bool list_all);
/* Stores status resource s (its compact text, made here) under id for the
 * request's channel (endpoints.c reads the record back); *text (may be
 * NULL) gets that text, malloc'd, for the caller to answer with and free.
 * post.c. */
HL_MUST_CHECK int taxii_status_store(struct taxii_ctx *c, const char *id, const json_t *s,
                                     char **text, struct hl_error *err);

/* The opaque "next" of a page: "<date_added_us>.<row>". */
#define TAXII_NEXT_MAX 48
void taxii_cursor_encode(const struct store_cursor *c, char out[static TAXII_NEXT_MAX]);
bool taxii_cursor_decode(const char *s, struct store_cursor *c);

/* taxii_collection_id (taxii.h) is in query.c. */

/* The TAXII error message (§3.6.1) of status as compact JSON into out. */
HL_MUST_CHECK int taxii_error_body(int status, const char *title, const char *description,
                                   struct buf *out);

/* ---- the certificate presented (tls.c) ------------------------------------ */

#ifdef GNUTLS_ABSTRACT_H
/* MHD_OPTION_HTTPS_CERT_CALLBACK (a gnutls_certificate_retrieve_function2):
 * the pair current at this handshake. */
int taxii_tls_retrieve(gnutls_session_t session, const gnutls_datum_t *req_ca_dn, int n_req,
                       const gnutls_pk_algorithm_t *pk_algos, int n_algos, gnutls_pcert_st **chain,
                       unsigned *n, gnutls_privkey_t *key);
#endif
/* Frees every pair set (after MHD stopped). */
void taxii_tls_free(struct taxii_server *srv);
/* The generation of the pair presented now: 1 for the first, counting. */
unsigned taxii_tls_gen(struct taxii_server *srv);

#endif
