/*
 * route.c — from an authenticated request to its endpoint: credentials
 * (TAXII 2.1 §1.6.9: HTTP Basic; Bearer too), the URL table of taxii.h,
 * methods (405 with Allow), content negotiation (406, §1.6.8), and the
 * collection a path names (channels the user has a right on; 404 for any
 * other id, so a client learns nothing of channels it may not see).
 *
 * A POST of objects by a peer node's account (auth_user.party set) goes
 * to peer.c: a peer pushes its sealed log entries, never new objects; a
 * DELETE by it is 403 (what it may write is its own log, nothing else).
 *
 * Order of checks, so that an answer never reveals more than the client
 * may know: credentials (401) before anything; then the path (404), the
 * method (405), the Accept header (406), the collection (404); rights
 * (403) and the request's own content (400, 413, 415, 422) in the
 * endpoint.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <sodium.h>

#include "taxii_int.h"

/* ---- answers ------------------------------------------------------------- */

void taxii_header(struct taxii_resp *r, const char *name, const char *value)
{
    if (r->n_headers == TAXII_MAX_HEADERS)
        return;
    r->headers[r->n_headers].name = name;
    snprintf(r->headers[r->n_headers].value, sizeof r->headers[0].value, "%s", value);
    r->n_headers++;
}

int taxii_error(struct taxii_ctx *c, int status, const char *title, const char *fmt, ...)
{
    char desc[HL_ERROR_MSG_MAX + 64] = "";
    if (fmt) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(desc, sizeof desc, fmt, ap);
        va_end(ap);
    }
    c->resp->status = status;
    c->resp->content_type = TAXII_MEDIA_TYPE;
    return taxii_error_body(status, title, desc, &c->resp->body);
}

int taxii_text(struct taxii_ctx *c, int status, const char *json)
{
    if (!json)
        return taxii_error(c, 500, "Internal error", "the answer could not be built");
    buf_clear(&c->resp->body);
    if (buf_adds(&c->resp->body, json))
        return taxii_error(c, 500, "Internal error", "the answer is too large");
    c->resp->status = status;
    return 0;
}

int taxii_json(struct taxii_ctx *c, int status, json_t *v)
{
    char *s = v ? json_dumps(v, JSON_COMPACT) : NULL;
    json_decref(v);
    int r = taxii_text(c, status, s);
    free(s);
    return r;
}

/* What went wrong, for the operator: one log line beside the request's
 * (the answer says less). Our own messages, cut at 300 bytes, any byte
 * outside printable ASCII shown as '?' (taxii_log_clean). */
static void fail_log(struct taxii_ctx *c, const struct hl_error *err)
{
    char what[301], line[400];
    if (!c->srv->o.log)
        return;
    taxii_log_clean(what, sizeof what, err->msg, '\0', true);
    snprintf(line, sizeof line, "taxii error %s %s: %s", c->method, hl_strerror(err->code), what);
    c->srv->o.log(c->srv->o.log_ctx, line);
}

int taxii_fail(struct taxii_ctx *c, const struct hl_error *err)
{
    /* The transaction was rolled back: nothing of the request is stored. */
    if (err->code == HL_E_FULL) {
        fail_log(c, err);
        return taxii_error(c, 503, "Service unavailable",
                           "the node's storage is full; nothing of this request was stored");
    }
    if (err->code == HL_E_STORE && strstr(err->msg, "locked"))
        return taxii_error(c, 503, "Service unavailable", "the node is busy; try again");
    if (err->code == HL_E_NOMEM)
        return taxii_error(c, 503, "Service unavailable", "the node is out of memory");
    /* Our own log is behind what members hold (log_own_current): the
     * message says why and that it passes; it names sizes, no secret. */
    if (err->code == HL_E_BEHIND)
        return taxii_error(c, 503, "Service unavailable", "%s", err->msg);
    fail_log(c, err);
    return taxii_error(c, 500, "Internal error", "the node could not answer this request");
}

/* ---- credentials ---------------------------------------------------------- */

#define AUTH_HEADER_MAX 1024

static bool scheme_is(const char *h, const char *scheme, const char **rest)
{
    size_t n = strlen(scheme);
    if (strncasecmp(h, scheme, n) != 0 || (h[n] != ' ' && h[n] != '\t'))
        return false;
    h += n;
    while (*h == ' ' || *h == '\t')
        h++;
    *rest = h;
    return true;
}

/* 0 with c->user set, 1 after answering 401, or an internal failure
 * answered 500. Basic NAME:TOKEN (RFC 7617) or Bearer TOKEN (RFC 6750). */
static int authenticate(struct taxii_ctx *c, const char *authorization)
{
    char decoded[AUTH_HEADER_MAX];
    const char *rest = NULL, *user = NULL, *token = NULL;
    size_t n = 0;
    struct hl_error err;
    hl_error_clear(&err);
    if (authorization && strlen(authorization) < AUTH_HEADER_MAX) {
        if (scheme_is(authorization, "Basic", &rest) &&
            sodium_base642bin((unsigned char *)decoded, sizeof decoded - 1, rest, strlen(rest),
                              NULL, &n, NULL, sodium_base64_VARIANT_ORIGINAL) == 0) {
            decoded[n] = '\0';
            char *colon = strchr(decoded, ':');
            if (colon && strlen(decoded) == n) {
                *colon = '\0';
                user = decoded;
                token = colon + 1;
            }
        } else if (scheme_is(authorization, "Bearer", &rest) && *rest) {
            token = rest;
        }
    }
    int r = token ? auth_check(c->store, user, token, &c->user, &err) : -HL_E_PERM;
    sodium_memzero(decoded, sizeof decoded);
    if (r == 0)
        return 0;
    if (r != -HL_E_PERM) {
        taxii_fail(c, &err);
        return 1;
    }
    taxii_error(c, 401, "Unauthorized",
                "this node needs credentials: HTTP Basic with your user name and token, or "
                "a Bearer token");
    taxii_header(c->resp, "WWW-Authenticate",
                 "Basic realm=\"hotline\", charset=\"UTF-8\", Bearer realm=\"hotline\"");
    return 1;
}

/* ---- collections ---------------------------------------------------------- */

struct find_ctx {
    const char *id;
    char *name;
};

static int find_one(void *ctx, const struct store_channel *ch)
{
    struct find_ctx *f = ctx;
    char id[37];
    if (taxii_collection_id(ch->name, id) || strcmp(id, f->id) != 0)
        return 0;
    snprintf(f->name, STORE_TEXT_MAX + 1, "%s", ch->name);
    return 1;
}

int taxii_collection_find(struct taxii_ctx *c, const char *id)
{
    struct hl_error err;
    hl_error_clear(&err);
    c->channel[0] = '\0';
    c->rights = 0;
    struct find_ctx f = {id, c->channel};
    int r = strlen(id) == 36 ? store_channel_list(c->store, find_one, &f, &err) : 0;
    if (r >= 0 && c->channel[0])
        r = auth_rights(c->store, &c->user, c->channel, &c->rights, &err);
    if (r < 0) {
        taxii_fail(c, &err);
        return 1;
    }
    if (!c->channel[0] || c->rights == 0) {
        taxii_error(c, 404, "Not found",
                    "there is no collection %.40s here, or you have no right on it", id);
        return 1;
    }
    snprintf(c->collection_id, sizeof c->collection_id, "%s", id);
    return 0;
}

/* ---- the URL table -------------------------------------------------------- */

enum ep {
    EP_NONE,
    EP_DISCOVERY,
    EP_API_ROOT,
    EP_STATUS,
    EP_COLLECTIONS,
    EP_COLLECTION,
    EP_OBJECTS,
    EP_MANIFEST,
    EP_OBJECT,
    EP_VERSIONS,
    EP_HEADS,
    EP_INCLUSION,
    EP_CONSISTENCY,
    EP_DELIVERY,
    EP_METRICS,
    EP_CERT_NEXT,
};

static bool seg_is(const struct taxii_ctx *c, size_t i, const char *s)
{
    return i < c->n_seg && strcmp(c->seg[i], s) == 0;
}

/* The endpoint of the path, and the index of its collection id segment
 * (0 if none). */
static enum ep route_path(const struct taxii_ctx *c, size_t *coll)
{
    size_t n = c->n_seg;
    *coll = 0;
    if (n == 1 && seg_is(c, 0, "taxii2"))
        return EP_DISCOVERY;
    if (!seg_is(c, 0, "api"))
        return EP_NONE;
    if (n == 1)
        return EP_API_ROOT;
    if (n == 3 && seg_is(c, 1, "status"))
        return EP_STATUS;
    if (n == 3 && seg_is(c, 1, "hotline") && seg_is(c, 2, "metrics"))
        return EP_METRICS;
    if (n == 4 && seg_is(c, 1, "hotline") && seg_is(c, 2, "certificate") && seg_is(c, 3, "next"))
        return EP_CERT_NEXT;
    if (seg_is(c, 1, "hotline") && seg_is(c, 2, "collections") && n == 5) {
        *coll = 3;
        return seg_is(c, 4, "heads")         ? EP_HEADS
               : seg_is(c, 4, "inclusion")   ? EP_INCLUSION
               : seg_is(c, 4, "consistency") ? EP_CONSISTENCY
               : seg_is(c, 4, "delivery")    ? EP_DELIVERY
                                             : EP_NONE;
    }
    if (!seg_is(c, 1, "collections"))
        return EP_NONE;
    if (n == 2)
        return EP_COLLECTIONS;
    *coll = 2;
    if (n == 3)
        return EP_COLLECTION;
    if (n == 4 && seg_is(c, 3, "objects"))
        return EP_OBJECTS;
    if (n == 4 && seg_is(c, 3, "manifest"))
        return EP_MANIFEST;
    if (n == 5 && seg_is(c, 3, "objects"))
        return EP_OBJECT;
    if (n == 6 && seg_is(c, 3, "objects") && seg_is(c, 5, "versions"))
        return EP_VERSIONS;
    return EP_NONE;
}

/* The methods an endpoint takes, as in an Allow header. */
static const char *route_allow(enum ep e)
{
    switch (e) {
    case EP_OBJECTS:
        return "GET, POST";
    case EP_OBJECT:
        return "GET, DELETE";
    case EP_CERT_NEXT:
        return "POST";
    default:
        return "GET";
    }
}

static bool method_allowed(const char *allow, const char *method)
{
    size_t n = strlen(method);
    for (const char *p = allow; (p = strstr(p, method)) != NULL; p += n)
        if ((p == allow || p[-1] == ' ') && (p[n] == ',' || p[n] == '\0'))
            return true;
    return false;
}

static void route_call(struct taxii_ctx *c, enum ep e)
{
    bool get = strcmp(c->method, "GET") == 0 || strcmp(c->method, "HEAD") == 0;
    switch (e) {
    case EP_DISCOVERY:
        return taxii_ep_discovery(c);
    case EP_API_ROOT:
        return taxii_ep_api_root(c);
    case EP_STATUS:
        return taxii_ep_status(c, c->seg[2]);
    case EP_COLLECTIONS:
        return taxii_ep_collections(c);
    case EP_COLLECTION:
        return taxii_ep_collection(c);
    case EP_OBJECTS:
        if (get)
            return taxii_ep_objects(c, false);
        return c->user.party[0] ? taxii_ep_peer_post(c) : taxii_ep_post(c);
    case EP_MANIFEST:
        return taxii_ep_objects(c, true);
    case EP_OBJECT:
        if (get)
            return taxii_ep_object(c, c->seg[4]);
        if (c->user.party[0]) {
            taxii_error(c, 403, "Forbidden",
                        "a peer node's account pushes its own log entries; it deletes nothing");
            return;
        }
        return taxii_ep_delete(c, c->seg[4]);
    case EP_VERSIONS:
        return taxii_ep_versions(c, c->seg[4]);
    case EP_HEADS:
        return taxii_ep_heads(c);
    case EP_INCLUSION:
        return taxii_ep_inclusion(c);
    case EP_CONSISTENCY:
        return taxii_ep_consistency(c);
    case EP_DELIVERY:
        return taxii_ep_delivery(c);
    case EP_METRICS:
        return taxii_ep_metrics(c);
    case EP_CERT_NEXT:
        return taxii_ep_cert_next(c);
    case EP_NONE:
        break;
    }
    taxii_error(c, 404, "Not found", "no such resource");
}

void taxii_route(struct taxii_ctx *c, const char *authorization)
{
    struct hl_error err;
    hl_error_clear(&err);
    /* A read request sees one snapshot from credentials to its last row
     * (and SQLite takes its read lock once, not once per query); the
     * server ends it after the answer. */
    bool read = strcmp(c->method, "GET") == 0 || strcmp(c->method, "HEAD") == 0;
    if (read && store_begin_read(c->store, &err)) {
        taxii_fail(c, &err);
        return;
    }
    if (authenticate(c, authorization))
        return;
    size_t coll = 0;
    enum ep e = route_path(c, &coll);
    if (e == EP_NONE) {
        taxii_error(c, 404, "Not found", "no such resource");
        return;
    }
    const char *allow = route_allow(e);
    if (!method_allowed(allow, c->method) && strcmp(c->method, "HEAD") != 0) {
        taxii_error(c, 405, "Method not allowed", "%s takes %s", c->method, allow);
        taxii_header(c->resp, "Allow", allow);
        return;
    }
    bool ledger = e == EP_HEADS || e == EP_INCLUSION || e == EP_CONSISTENCY || e == EP_DELIVERY ||
                  e == EP_METRICS || e == EP_CERT_NEXT;
    if (!ledger && !taxii_accept_ok(c->accept)) {
        taxii_error(c, 406, "Not acceptable",
                    "this server answers %s; the Accept header must allow it", TAXII_MEDIA_TYPE);
        return;
    }
    if (coll && taxii_collection_find(c, c->seg[coll]))
        return;
    route_call(c, e);
}
