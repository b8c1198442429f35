/*
 * taxii.h — the node's HTTPS face: a TAXII 2.1 server (OASIS Standard,
 * 10 June 2021) over libmicrohttpd and GnuTLS, plus hotline's ledger
 * endpoints. The node (src/node/) starts one; nothing else is public.
 *
 * Transport. HTTPS only, TLS 1.3 preferred and 1.2 accepted (GnuTLS
 * priorities "NORMAL:-VERS-ALL:+VERS-TLS1.3:+VERS-TLS1.2"). A bounded pool
 * of worker threads serves every connection; each worker opens its own
 * struct store on the node's database once and keeps it. Writes (POST,
 * DELETE) are serialized inside the process before store_begin, and the
 * store serializes them against other processes (`hotline log append`).
 *
 * Every request is authenticated: HTTP Basic with a user name and its
 * token as the password (TAXII 2.1 §1.6.9), or "Authorization: Bearer
 * TOKEN". No credentials, or wrong ones: 401.
 *
 * URL layout ("{id}" is a collection id, "{oid}" a STIX id):
 *   GET    /taxii2/                                 discovery (§4.1)
 *   GET    /api/                                    API root (§4.2)
 *   GET    /api/status/{status-id}/                 status (§4.3)
 *   GET    /api/collections/                        collections (§5.1)
 *   GET    /api/collections/{id}/                   one collection (§5.2)
 *   GET    /api/collections/{id}/manifest/          manifest (§5.3)
 *   GET    /api/collections/{id}/objects/           objects (§5.4)
 *   POST   /api/collections/{id}/objects/           add objects (§5.5)
 *   GET    /api/collections/{id}/objects/{oid}/     one object (§5.6)
 *   DELETE /api/collections/{id}/objects/{oid}/     delete it (§5.7)
 *   GET    /api/collections/{id}/objects/{oid}/versions/   (§5.8)
 *   GET    /api/hotline/collections/{id}/heads/             ledger, below
 *   GET    /api/hotline/collections/{id}/inclusion/?...
 *   GET    /api/hotline/collections/{id}/consistency/?...
 *   GET    /api/hotline/collections/{id}/delivery/?object=STIX-ID
 *
 * Collections are channels. Each channel the authenticated user has a
 * right on is one collection: id = the UUIDv5 (RFC 4122 §4.3, SHA-1) of
 * the channel name in the name space TAXII_COLLECTION_NS, so every member
 * node of a channel serves it under the same id; title = the channel
 * name; can_read / can_write = the user's rights (auth_rights). Without
 * read, GET of its objects is 403; without write, POST is 403; a
 * collection id that names no channel the user has a right on is 404.
 *
 * Media types (§1.6.8). Every TAXII resource is answered as
 * "application/taxii+json;version=2.1". A request's Accept header must
 * name it: "application/taxii+json;version=2.1", or
 * "application/taxii+json" (the latest version, i.e. 2.1), with q > 0;
 * anything else, wildcards and other versions included, is 406. A POST
 * body must be sent as "application/taxii+json;version=2.1" (or without
 * version), else 415. Collections list "application/stix+json;version=2.1"
 * as their media type, and manifest records carry it.
 *
 * Errors are TAXII error messages (§3.6.1): {"title", "description",
 * "http_status"} with 400 (malformed filter or parameter), 401, 403, 404,
 * 405 (with Allow), 406, 413 (body over max_content_length, or more than
 * max_objects objects: nothing is stored), 414, 415, 422 (a body that is
 * not JSON hotline accepts, too deep, or not an envelope: §5.5 "malformed
 * body"), 429 (over rate_per_minute, with Retry-After), 500 and 503.
 *
 * Filters (§3.4, §3.6) on the list endpoints: added_after, limit (at most
 * TAXII_PAGE_MAX, which the API root advertises as x_hotline_max_page_size;
 * larger values are lowered), next (opaque), match[id], match[type],
 * match[version] (first, last, all, or timestamps; default last),
 * match[spec_version] (default: the latest, i.e. 2.1). Values of one
 * filter are comma-separated (OR); different filters AND. Pages are
 * keyset pages on (date added, arrival): stable under concurrent writes.
 * A page ends early (more true) once its body passes 16 MiB. Lists carry
 * X-TAXII-Date-Added-First / -Last of the page's objects,
 * and "next" whenever "more" is true (manifests and version lists too).
 * Every row has its own date_added, in arrival order (log_append_in), so
 * a client resuming with added_after alone misses nothing either.
 *
 * POST (§5.5) answers 202 with a status resource (§4.3.1) that is already
 * "complete": every object was validated with the STIX core (failures
 * carry its findings as the message), versions the collection holds were
 * counted as successes and not stored again, and the rest were sealed and
 * appended to the node's log of the channel in ONE store transaction with
 * the status record, made durable before the answer. Failures also
 * include another object under a version held or given twice (a version
 * never changes), objects carrying a hotline seal that is not held, and
 * tree heads or receipts (the node's own statements).
 *
 * DELETE (§5.7) removes the matching versions (match[version]; without
 * it, every version) from the collection as TAXII serves it (every list,
 * manifest and version endpoint); the sealed log entries stay, and proofs
 * and evidence files still cover them: a ledger forgets nothing. A
 * deleted version POSTed again counts as held (a success) and stays
 * deleted.
 *
 * Ledger endpoints (JSON, "application/json"; the caller needs read on
 * the collection; documented in docs/taxii.md). Hashes in base64 with
 * padding, proofs in the shape `hotline merkle verify` checks:
 *
 *   GET /api/hotline/collections/{id}/heads/
 *     {"collection": ID, "channel": NAME, "logs": [{"party": IDENTITY,
 *      "size": N, "root": B64, "timestamp": TIME, "tree_head": {sealed
 *      hotline-tree-head object}}, ...]}   one entry per member's log that
 *     has a tree head, the head of greatest size.
 *
 *   GET /api/hotline/collections/{id}/inclusion/?object=STIX-ID[&version=TIME][&size=N]
 *   GET /api/hotline/collections/{id}/inclusion/?party=IDENTITY&index=SEQ[&size=N]
 *     The RFC 9162 §2.1.3 inclusion proof of one log entry: the entry the
 *     object's seal names (its latest version unless version is given), or
 *     entry SEQ of party's log. size defaults to the log's latest head.
 *     {"leafIdx": SEQ, "treeSize": N, "leafHash": B64, "root": B64,
 *      "proof": [B64...], "wantErr": false, "log_party": IDENTITY,
 *      "log_channel": NAME, "tree_head": {sealed head of size N} | null}
 *
 *   GET /api/hotline/collections/{id}/consistency/?party=IDENTITY&from=N1[&to=N2]
 *     The RFC 9162 §2.1.4 consistency proof between sizes N1 <= N2
 *     (default N2: the latest head).
 *     {"size1": N1, "size2": N2, "root1": B64, "root2": B64, "proof":
 *      [B64...], "wantErr": false, "log_party": IDENTITY, "log_channel":
 *      NAME}
 *
 *   GET /api/hotline/collections/{id}/delivery/?object=STIX-ID
 *     Where the latest version of the object stands with every other
 *     member (docs/taxii.md): {"object": ID, "party": IDENTITY, "seq": N,
 *     "members": [{"party": IDENTITY, "delivered": BOOL, "receipt_seq":
 *     N|null, "receipt_size": N, "receipt_time": TIME|null}, ...]}; a
 *     member has it when its latest receipt for the object's log covers
 *     entry N (receipt_size > N).
 *
 * Peers. A POST by a peer node's account (a user bound to a party) goes
 * to o->peer_post instead of being sealed as the node's own: the peer
 * pushes entries of its log (docs/federation.md, "Protocol"). The answer
 * is the same status resource (§4.3.1), its failures naming the reason.
 *
 * Limits, enforced, and advertised in the API root (max_content_length,
 * x_hotline_max_objects, x_hotline_max_page_size): body size (413),
 * objects per envelope (413), JSON depth (422, stix_parse), connections in
 * all and per client address (refused at accept), requests per client
 * address per minute (429, a bucket of rate_per_minute refilled
 * continuously), idle connections and slow requests (closed timeout_s
 * after the request line: watch.c).
 *
 * Stopping: taxii_server_stop closes the listening socket, answers
 * requests that begin afterwards 503 with "Connection: close", lets those
 * in flight finish (up to timeout_s) and closes the rest.
 *
 * Logging: one line per finished request through o->log:
 *   "taxii ADDR USER METHOD PATH STATUS BYTES MS" (no credentials, no
 *   query values beyond the path's own text).
 */
#ifndef HL_TAXII_H
#define HL_TAXII_H

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>

#include "base/base.h"

struct log_signer;
struct store;
struct json_t;
struct stix_report;

/* The name space of collection ids (a random UUID chosen for hotline). */
#define TAXII_COLLECTION_NS "b403c8e5-2431-409e-8f0f-2090ced0a658"
/* Largest page, and the page of a request without limit. */
#define TAXII_PAGE_MAX 1000
/* "application/taxii+json;version=2.1" and the STIX media type. */
#define TAXII_MEDIA_TYPE "application/taxii+json;version=2.1"
#define TAXII_STIX_MEDIA_TYPE "application/stix+json;version=2.1"

/* A POST to a collection by a peer node's account (auth_user.party set):
 * what the node's exchange gets to accept it (src/exchange/, wired by the
 * node; this module never sees exchange.h). Borrowed for the call. */
struct taxii_peer_post {
    const char *party;      /* the authenticated peer's identity id */
    const char *user;       /* its account name */
    const char *channel;    /* the collection's channel */
    struct json_t *objects; /* the envelope's "objects" array */
    int64_t now_us;
    struct json_t *successes, *failures; /* status-details arrays (§4.3.1) to fill */
    void *prepared; /* what peer_prepare made, for peer_post and peer_release */
    /* Set by peer_post: the entries of the node's own log it made (its
     * receipts and their heads), [own_from, own_to). After the commit the
     * answer carries them (TAXII_PEER_ENTRIES_MAX at most), so that the
     * peer holds the receipts one round trip after its push. */
    int64_t own_from, own_to;
    /* Set by peer_post: the commit leaves nothing for the node's own
     * pushes (the answer carries all it made, and the pusher is the only
     * other member): the committed hook is not called for it. */
    bool answered_all;
    /* hotline_added_last: the pusher's date_added of the last entry it
     * pushed (RFC 3339, checked), or NULL (docs/federation.md, "The pull
     * cursor moved by pushes"). */
    const char *added_last;
};

/* Most own entries a peer's answer carries (more: they go by the
 * node's own pushes only). */
#define TAXII_PEER_ENTRIES_MAX 64

struct taxii_options {
    const char *db_path; /* the node's database; every server thread opens its own store */
    const char *listen;  /* "ADDR:PORT"; port 0 picks a free port (tests) */
    const char *cert_path, *key_path;          /* PEM files */
    const struct log_signer *signer;           /* the node's party and key: seals what users POST */
    const char *title, *description, *contact; /* discovery */
    unsigned threads;                          /* worker threads (default 4) */
    size_t max_content_length; /* bytes of one request body (default 10 MiB), advertised */
    size_t max_objects;        /* objects per envelope (default 1000) */
    unsigned max_connections, max_per_client; /* connection limits */
    unsigned rate_per_minute; /* requests per client address per minute (0 = default 6000) */
    unsigned timeout_s;       /* idle / slow client timeout (default 30) */
    void (*log)(void *ctx, const char *line); /* one line per request, no secrets; may be NULL */
    void *log_ctx;
    /* A peer's POST (above), called inside the writer's transaction with
     * this thread's store. 0: the status record commits with what the hook
     * wrote, 202; -HL_E_PERM: the whole request is refused, 403 with
     * err->msg, nothing stored; anything else: 500, nothing stored. NULL:
     * a peer's POST is 403. */
    int (*peer_post)(void *ctx, struct store *s, struct taxii_peer_post *p, struct hl_error *err);
    /* Optional: called first, before the writer's lock, with this
     * thread's store outside any transaction (costly checks that need no
     * lock); may set p->prepared. A failure is not an answer: peer_post
     * then runs without it. peer_release is called at the end whenever
     * peer_prepare was. */
    int (*peer_prepare)(void *ctx, struct store *s, struct taxii_peer_post *p,
                        struct hl_error *err);
    void (*peer_release)(void *ctx, struct taxii_peer_post *p);
    void *peer_ctx;
    /* Called after every write of the server committed (POST, a peer's
     * POST, DELETE), outside the writer's lock, with the channel; may be
     * NULL. Must not block. */
    void (*committed)(void *ctx, const char *channel);
    void *committed_ctx;
    /* The node's writer lock, shared with its other writers in this
     * process (the replication worker), or NULL for the server's own. */
    pthread_mutex_t *write_lock;
    /* The worker threads' stores never checkpoint on their own
     * (store_options.manual_checkpoint): set when the process runs a
     * checkpointing thread (`hotline serve` does). */
    bool manual_checkpoint;
    /* The validation of each object a user POSTs (step 2 of post.c): adds
     * findings to r. NULL: stix_validate_object. `hotline serve` gives
     * workflow_object_check, which adds the rules of hotline's own SDOs.
     * Called on the ledger's worker threads, for several objects at once:
     * it must only read obj and write r. */
    void (*object_check)(const struct json_t *obj, const char *path, struct stix_report *r);
    /* GET /api/hotline/metrics (administrators only): appends the
     * Prometheus text of the node's metrics at now_us to out, reading
     * this thread's store (in a read transaction). NULL: 404. */
    int (*metrics)(void *ctx, struct store *s, int64_t now_us, struct buf *out,
                   struct hl_error *err);
    void *metrics_ctx;
};

struct taxii_server;

/* Starts the server: reads the certificate and key, checks that the
 * database opens, binds o->listen and starts the worker threads. o and
 * what it points at (signer, strings) must stay valid until
 * taxii_server_stop. On failure *out is NULL. */
HL_MUST_CHECK int taxii_server_start(const struct taxii_options *o, struct taxii_server **out,
                                     struct hl_error *err);
uint16_t taxii_server_port(const struct taxii_server *s); /* the bound port */
/* Presents the certificate chain (PEM, the leaf first) and private key
 * (unencrypted PEM) given from the next TLS handshake on; connections
 * already open keep the one they have. The caller has checked that they
 * belong together (a mismatch would fail every handshake). The bytes are
 * not kept: the caller wipes the key's. At most 64 pairs per run of the
 * server (each stays in memory until it stops): then HL_E_TOO_LARGE,
 * and the server keeps the current one; HL_E_PARSE when they do not
 * parse. Safe to call from any thread while the server runs. */
HL_MUST_CHECK int taxii_server_set_tls(struct taxii_server *s, const char *cert_pem,
                                       size_t cert_len, const char *key_pem, size_t key_len,
                                       struct hl_error *err);
/* What may change while the server runs (`hotline serve` reads
 * hotline.conf again on SIGHUP): the limits of a request, advertised in
 * the API root, the request rate per client address, and the discovery
 * texts (NULL or "": left out). A request that has begun keeps the
 * limits it began with; the strings are copied. Out-of-range limits or a
 * text longer than TAXII_LIVE_TEXT_MAX bytes are HL_E_INVALID and change
 * nothing. Safe to call from any thread while the server runs. */
#define TAXII_LIVE_TEXT_MAX 512
struct taxii_live {
    size_t max_content_length; /* 1..HL_MAX_DOCUMENT_BYTES */
    size_t max_objects;        /* 1..LOG_BATCH_MAX */
    unsigned rate_per_minute;  /* >= 1 */
    const char *title, *description, *contact;
};
HL_MUST_CHECK int taxii_server_set_live(struct taxii_server *s, const struct taxii_live *l,
                                        struct hl_error *err);
/* Something committed outside the server's own requests (the node's
 * replication worker): requests waiting for a commit look again. Any
 * thread; s may be NULL. */
void taxii_server_notify(struct taxii_server *s);
/* The receipts among objects (sealed hotline-receipt objects of one
 * channel that the node's replication worker checked and took from a
 * member's push answer, not yet committed): from now on the delivery
 * endpoint counts them as the members' receipts, and requests waiting
 * for a commit look again (seen.c explains why that is true before the
 * commit). Other objects are ignored. Any thread; s may be NULL. */
void taxii_server_receipts_taken(struct taxii_server *s, const char *channel,
                                 const struct json_t *objects);
/* The collection id of a channel: the UUIDv5 (RFC 4122 §4.3) of its name
 * in TAXII_COLLECTION_NS, lowercase 8-4-4-4-12, into out[37]. */
HL_MUST_CHECK int taxii_collection_id(const char *channel, char out[static 37]);
/* Stops accepting, lets in-flight requests finish, frees s. NULL is a no-op. */
void taxii_server_stop(struct taxii_server *s);

#endif
