/*
 * taxii_client.h — the TAXII 2.1 conformance client (test code, not a
 * mock): it talks HTTPS to a real `hotline serve` through libcurl, checks
 * every answer against TAXII 2.1 (OASIS Standard, 10 June 2021) and
 * hotline's own rules, and names each failed check.
 *
 * Files: taxii_client.c (arguments, the test table, the runner),
 * taxii_client_http.c (one request, its headers and JSON body; object
 * builders), taxii_client_read.c (discovery, API root, collections,
 * manifest, objects, filters, pagination), taxii_client_write.c (add
 * objects, status, seals, delete, versions, ledger endpoints),
 * taxii_client_load.c (concurrent writers and readers, and every
 * advertised limit crossed). docs/taxii.md maps each server MUST of the
 * specification to the test function that shows it.
 *
 * Trust: the server certificate is verified against the node's own
 * DIR/tls.crt (CURLOPT_CAINFO) with host name checking on; nothing here
 * turns verification off.
 */
#ifndef HL_TAXII_CLIENT_H
#define HL_TAXII_CLIENT_H

#include <curl/curl.h>
#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "base/base.h"

#define TC_MEDIA "application/taxii+json;version=2.1"
#define TC_STIX_MEDIA "application/stix+json;version=2.1"
#define TC_BODY_MAX (64u * 1024 * 1024) /* largest answer the client keeps */
#define TC_HEADER_MAX 256               /* longest header value kept */
#define TC_URL_MAX 4096

/* A user of the node and its token (`hotline user add` printed it). */
struct tc_user {
    const char *name;
    const char *token;
};

/* What the harness (taxii.sh) set up, from the command line. */
struct tc_config {
    const char *url;        /* https://127.0.0.1:PORT */
    const char *ca;         /* DIR/tls.crt */
    const char *coll;       /* collection id of the main channel (UUIDv5, computed by python) */
    const char *coll_other; /* collection id of the channel only admin and "none" see */
    const char *channel;    /* the main channel's name */
    const char *party;      /* the node's identity id */
    const char *party_key;  /* the node's X.590 public key (base64 SPKI) */
    const char *peer;       /* the identity of the party whose log was imported */
    const char *out_dir;    /* where the client leaves files for the harness */
    struct tc_user admin, rw, r, w, none, nobody; /* nobody: no right anywhere */
    /* The limits taxii.sh wrote into hotline.conf for phase "limits"
     * (--limit KEY=N; 0 when not given). */
    long max_objects, max_connections, max_per_client, rate_per_minute, timeout_s;
};

extern struct tc_config tc_cfg;

/* ---- checks ------------------------------------------------------------ */

/* Records a failed check of the running test (thread-safe), prints
 * "FAIL test: file:line: message" and returns false. */
/* The running test's name; worker threads take their test's name. */
const char *tc_test_name(void);
void tc_thread_name(const char *name);
bool tc_fail_false(const char *file, int line, const char *fmt, ...) HL_PRINTF(3, 4);
/* A string for messages, never NULL. */
#define TC_S(s) ((s) ? (s) : "(none)")
#define TC_CHECK(cond, ...)                                                                        \
    __extension__({                                                                                \
        bool tc_ok_ = (cond);                                                                      \
        if (!tc_ok_)                                                                               \
            tc_fail_false(__FILE__, __LINE__, __VA_ARGS__);                                        \
        tc_ok_;                                                                                    \
    })
/* Checks the answer's status, printing the body when it differs. */
#define TC_STATUS(resp, want, what)                                                                \
    TC_CHECK((resp)->status == (want), "%s: HTTP %ld, want %d (%s)", (what), (resp)->status,       \
             (want), tc_resp_excerpt(resp))

/* ---- requests ---------------------------------------------------------- */

enum tc_auth { TC_BASIC = 0, TC_BEARER, TC_NO_AUTH, TC_RAW_AUTH };

struct tc_req {
    const char *method;         /* NULL: GET (POST when body is set) */
    const char *path;           /* "/api/..." (appended to the base URL), or a whole URL */
    const struct tc_user *user; /* NULL: rw */
    enum tc_auth auth;
    const char *authorization; /* TC_RAW_AUTH: the whole header value */
    const char *accept;        /* NULL: TC_MEDIA; "": no Accept header at all */
    const char *content_type;  /* NULL: TC_MEDIA (with a body); "": none */
    const char *body;
    size_t body_len;
    bool chunked;         /* send the body with chunked transfer coding */
    bool expect_continue; /* send "Expect: 100-continue" */
    const char *source;   /* local address to connect from, e.g. "127.0.0.2" */
    bool no_ca;           /* verify against the system store instead of tls.crt */
    long tls_version;     /* CURL_SSLVERSION_* pinning min = max; 0: default */
};

struct tc_resp {
    CURLcode curl; /* CURLE_OK when an answer came */
    long status;   /* HTTP status, 0 if none */
    struct buf body;
    json_t *json; /* the body parsed (duplicate keys refused), or NULL */
    char content_type[TC_HEADER_MAX];
    char date_first[TC_HEADER_MAX]; /* X-TAXII-Date-Added-First, "" if absent */
    char date_last[TC_HEADER_MAX];  /* X-TAXII-Date-Added-Last */
    char www_authenticate[TC_HEADER_MAX];
    char retry_after[TC_HEADER_MAX];
    char allow[TC_HEADER_MAX];
    bool has_date_first, has_date_last, has_www_authenticate, has_retry_after, has_allow;
};

/* One connection per thread (libcurl keeps it alive between requests). */
struct tc_conn {
    CURL *h;
};

void tc_conn_init(struct tc_conn *c);
void tc_conn_release(struct tc_conn *c);

/* Performs req, filling resp (which the caller releases with
 * tc_resp_release, also after a transport error). */
void tc_do(struct tc_conn *c, const struct tc_req *req, struct tc_resp *resp);
void tc_resp_release(struct tc_resp *resp);
/* The first bytes of the body, for messages. */
const char *tc_resp_excerpt(const struct tc_resp *resp);

/* GET path as user (NULL: rw) with the TAXII Accept header. */
void tc_get(struct tc_conn *c, const char *path, const struct tc_user *u, struct tc_resp *resp);
/* POST an envelope (TAXII media types both ways). */
void tc_post(struct tc_conn *c, const char *path, const struct tc_user *u, const char *body,
             struct tc_resp *resp);

/* ---- what answers must look like ------------------------------------- */

/* A TAXII error message (§3.6.1) with Content-Type TC_MEDIA: title a
 * string, http_status (when present) equal to the status line. */
bool tc_check_error(const struct tc_resp *resp, int status, const char *what);
/* Content-Type exactly TC_MEDIA (parameters compared without OWS, case
 * of the parameter name ignored). */
bool tc_is_taxii_type(const char *content_type);
/* A TAXII timestamp (§2): YYYY-MM-DDTHH:MM:SS.ssssssZ, microseconds. */
bool tc_is_taxii_timestamp(const char *s);
/* A STIX 2.1 timestamp (RFC 3339, UTC, "Z"). */
bool tc_is_stix_timestamp(const char *s);
/* An RFC 4122 UUID in lowercase text form; version 4 if v4. */
bool tc_is_uuid(const char *s, bool v4);

/* ---- paths and objects ------------------------------------------------ */

/* snprintf into a static-size buffer; aborts on truncation (test bug). */
void tc_fmt(char *out, size_t size, const char *fmt, ...) HL_PRINTF(3, 4);
#define TC_PATH(buf, ...) tc_fmt((buf), sizeof(buf), __VA_ARGS__)

/* A fresh random UUIDv4. */
void tc_uuid4(char out[37]);
/* A STIX id "type--uuid4". */
void tc_stix_id(char *out, size_t size, const char *type);
/* A valid STIX 2.1 indicator, as JSON text (caller frees), with this id,
 * modified (created = the earliest of all tests' versions) and name. */
char *tc_indicator(const char *id, const char *modified, const char *name);
json_t *tc_indicator_json(const char *id, const char *modified, const char *name);
/* A valid STIX 2.1 note. */
char *tc_note(const char *id, const char *modified, const char *text);
/* An envelope {"objects": [texts...]} (caller frees). */
char *tc_envelope(const char *const *objects, size_t n);

/* POSTs the objects as rw and checks 202 with every one a success;
 * returns the status resource (caller decrefs) or NULL. */
json_t *tc_publish(struct tc_conn *c, const char *const *objects, size_t n);

/* The objects of a GET answer (empty array when "objects" is absent). */
const json_t *tc_objects(const struct tc_resp *resp);
/* Index of the object with this id (and modified, when not NULL), or -1. */
long tc_find(const json_t *objects, const char *id, const char *modified);
/* URL-encodes s (RFC 3986 unreserved kept) into out. */
void tc_urlencode(char *out, size_t size, const char *s);

/* Collection paths. */
void tc_coll_path(char *out, size_t size, const char *coll, const char *rest);

/* Objects every read test can rely on, published by tc_seed before the
 * tests run (taxii_client_read.c). */
#define TC_BATCH 25
struct tc_fixture {
    char ind[64];                /* an indicator in three versions, */
    const char *ind_versions[3]; /* ascending; POSTed in the order 1, 2, 0 */
    char notes[2][64];           /* two notes, one version each */
    char batch[TC_BATCH][64];    /* indicators POSTed in one envelope */
    char status_id[64];          /* the status of that envelope's POST */
};
extern struct tc_fixture tc_fix;
bool tc_seed(struct tc_conn *c);

/* GET path, checking 200, Content-Type TC_MEDIA and a JSON object body. */
bool tc_get_ok(struct tc_conn *c, const char *path, const struct tc_user *u, struct tc_resp *r,
               const char *what);
/* Follows a listing page by page (limit per page; next, or added_after
 * from X-TAXII-Date-Added-Last when by_date), checking each page, and
 * returns all "objects" items in order (caller decrefs), or NULL. */
json_t *tc_walk(struct tc_conn *c, const char *path, const struct tc_user *u, unsigned limit,
                bool by_date);
/* The same over the items of key ("versions" of §5.8.1). */
json_t *tc_walk_key(struct tc_conn *c, const char *path, const struct tc_user *u, unsigned limit,
                    bool by_date, const char *key);
/* path + ("?" or "&") + key=urlencoded(value). */
void tc_with(char *out, size_t size, const char *path, const char *key, const char *value);
/* Checks X-TAXII-Date-Added-First/-Last against a manifest's records. */
void tc_check_date_headers(const struct tc_resp *r, const json_t *records, const char *what);

/* A request a user must be refused, and how. */
struct tc_denial {
    const char *path;
    const struct tc_user *u;
    int want; /* the status (a TAXII error message) */
    const char *what;
};
/* GETs each path as its user and checks the error. */
void tc_expect_denials(struct tc_conn *c, const struct tc_denial *d, size_t n);
/* Checks manifest records: date_added ascending (§3.3) and, with seen
 * (a JSON object used as a set, filled here), no id twice. */
void tc_check_record_order(const json_t *records, json_t *seen, const char *what);

/* The size of the node's own log of the main channel (its latest tree
 * head, from the ledger endpoint), or -1 after a failed check. */
long long tc_log_size(struct tc_conn *c);
/* Checks that id is not in the main collection (GET by id is 404). */
bool tc_absent(struct tc_conn *c, const char *id, const char *why);

/* ---- test groups (one function per behaviour, named in docs/taxii.md) - */

typedef void (*tc_test_fn)(struct tc_conn *c);
struct tc_test {
    const char *name;
    tc_test_fn fn;
};
extern const struct tc_test tc_read_tests[];
extern const struct tc_test tc_object_tests[];
extern const struct tc_test tc_write_tests[];
extern const struct tc_test tc_ledger_tests[];
extern const struct tc_test tc_load_tests[];
extern const struct tc_test tc_limit_tests[];
extern const struct tc_test tc_drain_tests[];
extern const struct tc_test tc_acked_tests[];

#endif
