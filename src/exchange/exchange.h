/*
 * exchange.h — federation: how sealed entries travel between the nodes of
 * a channel's members (issue 5; docs/federation.md, "Protocol").
 *
 *   client.c  a TAXII 2.1 client on libcurl: one multi handle for every
 *             peer (keep-alive), Bearer credentials, the TAXII media
 *             types, a ceiling on answers, timeouts, and certificate
 *             pinning (below);
 *   accept.c  entries offered by a peer (a TAXII POST by its peer account,
 *             "push") or fetched from a peer ("pull") checked and taken
 *             into the ledger, with the receipt, in one transaction;
 *   repl.c    the replication worker inside `hotline serve`: pushes our
 *             log to every other member, pulls every member's collection,
 *             backs off while a member is unreachable.
 *
 * Pinning. A peer is pinned by the SHA-256 of its TLS leaf certificate's
 * DER. libcurl's GnuTLS backend cannot check a certificate fingerprint
 * before the request goes out, so: a probe without credentials (HEAD
 * /taxii2/ with CURLOPT_CERTINFO, on a connection never reused) fetches
 * the leaf; its DER's SHA-256 must equal the pinned fingerprint (else
 * HL_E_VERIFY naming both, and the peer is not contacted further); then
 * the SHA-256 of the leaf's SubjectPublicKeyInfo becomes
 * CURLOPT_PINNEDPUBLICKEY ("sha256//BASE64") of every real request, which
 * libcurl checks during the handshake, before any token is sent. Peer
 * verification by a CA is off only because the pin replaces it.
 *
 * Layering: exchange uses store, ledger, stix and auth. The TAXII server
 * never includes this header: the node (src/node/node.c) hands
 * exchange_accept_push to the server as its peer_post hook and
 * exchange_wake as its committed hook.
 */
#ifndef HL_EXCHANGE_H
#define HL_EXCHANGE_H

#include <jansson.h>
#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/base.h"

struct store;
struct log_signer;

/* ---- client (client.c) --------------------------------------------------- */

#define EXCHANGE_URL_MAX 512            /* "https://HOST:PORT" of a peer */
#define EXCHANGE_FINGERPRINT_LEN 64     /* lowercase hex SHA-256 */
#define EXCHANGE_ANSWER_MAX (80u << 20) /* largest answer kept: a 16 MiB page and more */
#define EXCHANGE_CONNECT_TIMEOUT_S 5
#define EXCHANGE_TIMEOUT_S 60      /* a whole request */
#define EXCHANGE_STALL_S 15        /* no byte moving for this long ends a request */
#define EXCHANGE_PINS_MAX 64       /* peers one client pins at once */
#define EXCHANGE_ENVELOPE_MAX 1000 /* entries per push envelope, objects per pull page */
/* Bytes of one push envelope at most (one entry is always sent): under a
 * node's default max_content_length (10 MiB). A member answering 413 gets
 * envelopes of half as many entries from then on. */
#define EXCHANGE_ENVELOPE_BYTES (8u << 20)

/* Where and how to reach a peer's node. Borrowed strings. */
struct exchange_target {
    const char *name;        /* the peer's local NAME, for messages */
    const char *url;         /* "https://HOST:PORT"; the API root is url + "/api/" */
    const char *fingerprint; /* EXCHANGE_FINGERPRINT_LEN hex digits */
    const char *token;       /* our credential at the peer (Bearer), or NULL */
    /* The certificate the peer announced it presents next (hex), or NULL /
     * "": taken as well as fingerprint (exchange_client_presents_next). */
    const char *next_fingerprint;
};

/* One answer. Life cycle: exchange_answer_init, a request (which empties
 * it first), exchange_answer_release. */
struct exchange_answer {
    long status;         /* HTTP status */
    struct buf body;     /* at most EXCHANGE_ANSWER_MAX bytes */
    char added_last[48]; /* X-TAXII-Date-Added-Last, or "" */
    /* The peer's clock: its Date header (RFC 9110 §6.6.1, whole seconds;
     * 0 when it sent none that parses), our wall clock when the request
     * started and when that header arrived. */
    int64_t date_us, sent_us, date_seen_us;
};
void exchange_answer_init(struct exchange_answer *a);
void exchange_answer_release(struct exchange_answer *a);
/* How far the peer's clock was from ours while it answered a, in ms,
 * as much as the answer proves: its Date was read at some moment between
 * a->sent_us and a->date_seen_us, and truncated to the second, so the
 * skew lies in (date - date_seen, date + 1 s - sent); *skew_ms is the
 * bound nearer zero when that range excludes zero, else 0. False when a
 * has no Date. */
bool exchange_answer_clock_skew(const struct exchange_answer *a, int64_t *skew_ms);
/* From this skew on (either way) the replication warns of a member's
 * clock: sealed times, deliveries and deadlines compare two clocks. */
#define EXCHANGE_CLOCK_SKEW_WARN_MS 2000
/* A skew in words, "at least 59m 59s ahead of" or "at least 3.0s
 * behind" (to be followed by whose clock), into out[max]. */
void exchange_clock_skew_words(int64_t skew_ms, char *out, size_t max);

struct exchange_client;

/* Whether the connection to url was pinned to the target's
 * next_fingerprint (the peer presents the certificate it announced): the
 * worker then makes it the pinned one. */
bool exchange_client_presents_next(const struct exchange_client *c, const char *url);
/* Whether the last request to url failed because the peer presented
 * another public key than the pinned one (its pin forgotten: the next
 * request probes again). */
bool exchange_client_key_changed(const struct exchange_client *c, const char *url);

/* A client with its own curl multi handle. timeout_s bounds each request
 * (0: EXCHANGE_TIMEOUT_S). Free with exchange_client_free (NULL: no-op). */
HL_MUST_CHECK int exchange_client_new(unsigned timeout_s, struct exchange_client **out,
                                      struct hl_error *err);
void exchange_client_free(struct exchange_client *c);

/* One request to t: method "GET" or "POST", path from the server's root
 * ("/api/collections/ID/objects/?..."), body (POST, with the TAXII media
 * type) or NULL. Accept is the TAXII media type. Probes and pins the peer
 * first when the client holds no pin for (url, fingerprint). 0 when an
 * answer came, whatever its status (see a->status); HL_E_VERIFY for a
 * certificate that is not the pinned one; HL_E_IO when the peer cannot be
 * reached or the transfer fails; HL_E_TOO_LARGE past EXCHANGE_ANSWER_MAX. */
HL_MUST_CHECK int exchange_client_request(struct exchange_client *c,
                                          const struct exchange_target *t, const char *method,
                                          const char *path, const char *body, size_t body_len,
                                          struct exchange_answer *a, struct hl_error *err);

/* The same request in three steps, so that requests to several peers run
 * at once: start (probes and pins first, like exchange_client_request;
 * on failure nothing is in flight), then exchange_client_run until every
 * started request is done, then end for each: its outcome, as
 * exchange_client_request's, and the call freed. a must stay valid until
 * end. */
struct exchange_call;
HL_MUST_CHECK int exchange_client_start(struct exchange_client *c, const struct exchange_target *t,
                                        const char *method, const char *path, const char *body,
                                        size_t body_len, struct exchange_answer *a,
                                        struct exchange_call **out, struct hl_error *err);
void exchange_client_run(struct exchange_client *c);
HL_MUST_CHECK int exchange_client_end(struct exchange_client *c, struct exchange_call *call,
                                      struct hl_error *err);

/* Makes a request in flight (from another thread) end soon with HL_E_IO,
 * and every later one fail at once: used to stop a worker. */
void exchange_client_cancel(struct exchange_client *c);

/* Forgets the pin of url (the next request probes again). */
void exchange_client_forget(struct exchange_client *c, const char *url);

/* The SHA-256 fingerprint (hex) of the DER of the first certificate of a
 * PEM text (a node's own tls.crt), as pinned. HL_E_VERIFY if it does not
 * parse. */
HL_MUST_CHECK int exchange_pem_fingerprint(const char *pem,
                                           char fingerprint[static EXCHANGE_FINGERPRINT_LEN + 1],
                                           struct hl_error *err);

/* The SHA-256 fingerprint (hex) of the leaf certificate that the server at
 * url presents, and the pin string of its public key ("sha256//B64"):
 * the probe, without credentials. */
#define EXCHANGE_PIN_MAX 64
HL_MUST_CHECK int exchange_client_probe(const char *url,
                                        char fingerprint[static EXCHANGE_FINGERPRINT_LEN + 1],
                                        char pin[static EXCHANGE_PIN_MAX], struct hl_error *err);

/* ---- accepting a peer's entries (accept.c) -------------------------------
 *
 * Push (a peer's account POSTs an envelope to a channel's collection):
 * every object must be a sealed entry of the authenticated peer's own log
 * of that channel ("sealed by X, but you are Y" otherwise). Objects are
 * taken in array order with log_accept_in: the next entry is stored, an
 * entry held byte for byte is a success that stores nothing, a later one
 * is the failure "gap: this node holds N entries of your log" (and the
 * worker pulls from that peer), an earlier one with other bytes is
 * equivocation (failure, and an alarm keeping both objects). After the
 * first refusal every later object fails "not processed: follows refused
 * entry K". Whole-request refusals are HL_E_PERM: the peer is not a member
 * of the channel, the channel is not active, an object names another
 * channel.
 *
 * Pull (the worker fetched a page of a member's collection): entries of
 * any member's log (relayed copies: the seal proves the origin), each log
 * in seq order; a refusal does not stop the page.
 *
 * Either way: objects arriving under TLP:RED, AMBER+STRICT or AMBER are
 * recorded (store_tlp_hold), and for every log that gained anything but
 * receipts and tree heads a receipt is published into our log of the
 * channel (log_receipt_publish_in) -- all inside the caller's transaction,
 * so the entries and the receipt commit together. */

/* One log line (no secrets); ctx is the caller's. */
typedef void (*exchange_log_fn)(void *ctx, const char *line);

/* The costly checks of an envelope, made ahead (opaque; accept.c). */
struct exchange_checks;

struct exchange_accept {
    /* in */
    struct store *store;         /* inside store_begin .. commit */
    const struct log_signer *me; /* publishes the receipts */
    const char *peer;            /* the peer's identity id (push: authenticated) */
    const char *peer_name;       /* for log lines (may be NULL) */
    const char *channel;
    bool pull;
    int64_t now_us;
    json_t *successes, *failures; /* TAXII status-details arrays (push), or NULL */
    exchange_log_fn log;          /* may be NULL */
    void *log_ctx;
    struct exchange_checks *checks; /* from exchange_accept_prepare, or NULL */
    /* Push: the pusher's date_added of its last entry (hotline_added_last),
     * or NULL: when the whole push is taken in a channel of two, the
     * pulls from the pusher resume there. */
    const char *added_last;
    /* Pull: called once every object is taken and none was refused,
     * before this node's receipts for them are made (may be NULL). */
    void (*taken)(void *ctx, const char *channel, const json_t *objects);
    void *taken_ctx;
    /* out */
    size_t accepted, duplicates, refused, alarms, receipts;
    size_t recovered;  /* pull: of accepted, entries of our own log taken back */
    bool of_two;       /* push: the channel's members are this node and the pusher */
    bool whole_of_two; /* push: taken whole with added_last, and of_two */
    bool gap; /* a later entry than the next came: pull */
    /* The entries of our own log the receipts made (receipts and heads):
     * [own_from, own_to), when receipts > 0. */
    int64_t own_from, own_to;
};

/* The costly checks of objects (canonical form, seal signature, STIX
 * validation), on every CPU, started before the writer's lock is taken
 * (a->store may be outside a transaction: it is only read) and still
 * running when it returns: the push or pull waits for each object's as it
 * takes it, so that storing one entry overlaps checking the next. Sets
 * a->checks, which the objects must outlive; release it with
 * exchange_checks_free (which stops what is left). On failure a->checks
 * is NULL and the push makes the checks itself. */
HL_MUST_CHECK int exchange_accept_prepare(struct exchange_accept *a, json_t *objects,
                                          struct hl_error *err);
void exchange_checks_free(struct exchange_checks *c);

/* Push: the whole-request checks (HL_E_PERM with the reason, for a 403),
 * then every object. Returns 0 when the transaction may commit (refused
 * objects are in a->failures), or a store or memory error (roll back). */
HL_MUST_CHECK int exchange_accept_push(struct exchange_accept *a, json_t *objects,
                                       struct hl_error *err);
/* Pull: every object, refusals logged and counted. */
HL_MUST_CHECK int exchange_accept_pull(struct exchange_accept *a, json_t *objects,
                                       struct hl_error *err);

/* ---- the replication worker (repl.c) --------------------------------------
 *
 * One thread inside `hotline serve`. For every active channel and every
 * other member that is a peer with a URL and a token:
 *   push  our log's entries after repl_state.push_seq, in envelopes of
 *         EXCHANGE_ENVELOPE_MAX, to the member's collection; push_seq
 *         follows the status (a gap failure sets it to what the member
 *         holds);
 *   pull  the member's collection (match[version]=all, added_after = the
 *         cursor in repl_cursors, pages of EXCHANGE_ENVELOPE_MAX), every
 *         page accepted (exchange_accept_pull) and the cursor moved in one
 *         transaction.
 * It wakes on exchange_wake (a local commit), on exchange_pull_soon (a
 * peer's push showed a gap), and every pull_interval_s; a member that
 * cannot be reached is retried after 1 s, doubling to 5 min, with jitter
 * (each wait drawn from [d/2, d]). Every attempt updates repl_state. */

#define EXCHANGE_PULL_INTERVAL_S 5
#define EXCHANGE_BACKOFF_MIN_MS 1000
#define EXCHANGE_BACKOFF_MAX_MS (300 * 1000)
#define EXCHANGE_PAIRS_MAX 1024 /* (peer, channel) pairs a worker follows */

struct exchange_options {
    const char *db_path;         /* the node's database (the worker opens its own store) */
    const struct log_signer *me; /* the node's party and key */
    pthread_mutex_t *write_lock; /* the node's writer lock (shared with the server) */
    unsigned pull_interval_s;    /* 0: EXCHANGE_PULL_INTERVAL_S */
    /* The collection id of a channel (the TAXII server's rule), into out. */
    int (*collection_id)(const char *channel, char out[static 37]);
    exchange_log_fn log; /* may be NULL */
    void *log_ctx;
    /* Called after the worker committed entries it took (a pulled page);
     * may be NULL. Must not block. */
    void (*committed)(void *ctx);
    void *committed_ctx;
    /* Called with committed_ctx when the worker has checked and taken,
     * in its transaction and before its commit (before even its own
     * receipts for them), every entry of a page (a pull's, or the
     * receipts a push's answer carried: statements the member committed
     * before it sent them): the node may report the receipts among them
     * at once (taxii_server_receipts_taken). May be NULL. Must not
     * block. */
    void (*receipts_taken)(void *ctx, const char *channel, const json_t *objects);
    /* The SHA-256 (hex) of the certificate this node presents next (hotline
     * cert next: DIR/tls.next.crt), announced to every member's node; NULL
     * or "" for none. Copied. */
    const char *next_cert_sha256;
};

struct exchange;

/* Starts the worker; o and what it points at stay valid until
 * exchange_stop. On failure *out is NULL. */
HL_MUST_CHECK int exchange_start(const struct exchange_options *o, struct exchange **out,
                                 struct hl_error *err);
/* Our next certificate is now the one of SHA-256 sha256 (lowercase hex),
 * or none (NULL or ""): signs the statement and has the worker announce it
 * to every member's node soon (again to those told an earlier one).
 * HL_E_INVALID for a malformed sha256. Any thread. */
HL_MUST_CHECK int exchange_next_cert_set(struct exchange *x, const char *sha256,
                                         struct hl_error *err);
/* Pulls every seconds (1..86400) from now on: a pull due later than that
 * from now comes sooner. Any thread; never blocks. */
void exchange_set_pull_interval(struct exchange *x, unsigned seconds);
/* Something committed in channel (NULL: anything): push soon. Never blocks. */
void exchange_wake(struct exchange *x, const char *channel);
/* A push from party showed a gap: pull from it now. Never blocks. */
void exchange_pull_soon(struct exchange *x, const char *party);
/* The answer to party's push in channel carried entries [from, to) of
 * our own log (taxii_peer_post.own_from): the worker counts them as
 * pushed to party if it had pushed exactly `from` (a member that lost
 * them answers the next push with a gap, and pulls). Never blocks. */
void exchange_sent_in_answer(struct exchange *x, const char *party, const char *channel,
                             int64_t from, int64_t to);
/* A push from party in channel was taken whole in a channel of two, and
 * moved the pull cursor (exchange_accept.whole_of_two): the scheduled
 * pull from party waits a pull interval from now, since the pushes bring
 * what it would (docs/federation.md). A gap still pulls at once. Never
 * blocks. */
void exchange_pushes_flow(struct exchange *x, const char *party, const char *channel);
/* Stops the worker: a transfer in flight is abandoned (nothing half
 * stored: a page commits whole or not at all), the thread joined, x freed.
 * NULL is a no-op. */
void exchange_stop(struct exchange *x);

#endif
