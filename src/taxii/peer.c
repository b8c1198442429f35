/*
 * peer.c — the federation's two endpoints (taxii.h; docs/federation.md,
 * "Protocol"; docs/taxii.md):
 *
 *   POST /api/collections/{id}/objects/ by a peer node's account: the peer
 *     pushes entries of its own log. The body is checked as any POST's
 *     (415, 413, 422), then the node's peer_post hook (the exchange) takes
 *     the objects inside the writer's transaction; the status record
 *     commits with them, and the status resource (§4.3.1) is answered 202:
 *     successes for entries stored or held already, failures with the
 *     reason. A refusal of the whole request is 403 and stores nothing.
 *
 *   GET /api/hotline/collections/{id}/delivery/?object=STIX-ID: for the
 *     latest version of a sealed object, each other member's latest
 *     receipt for the object's log, and whether it covers the object.
 *     With wait=MS (at most TAXII_WAIT_MAX_MS) the answer waits until
 *     every member holds the object or MS have passed, whichever is first
 *     (the connection is suspended meanwhile and looked at again after each
 *     commit: taxii_wait; it follows the version that was latest when the
 *     request came, and each look reads only the members' latest
 *     receipts). `hotline send` asks it to print "delivered to b (receipt
 *     #N)".
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "stix/stix.h"
#include "taxii_int.h"

#define PEER_MEMBERS_MAX 1000

/* ---- a peer's POST --------------------------------------------------------- */

/* The envelope's objects, or an answer (NULL). */
static json_t *peer_parse(struct taxii_ctx *c, json_t **objects)
{
    struct hl_error err;
    json_t *doc = NULL;
    hl_error_clear(&err);
    if (!taxii_content_type_ok(c->content_type)) {
        taxii_error(c, 415, "Unsupported media type", "the body must be sent as %s",
                    TAXII_MEDIA_TYPE);
        return NULL;
    }
    if (c->body_too_large) {
        taxii_error(c, 413, "Payload too large", "the body exceeds max_content_length, %zu bytes",
                    taxii_max_content_length(c->srv));
        return NULL;
    }
    if (ledger_parse(c->body->data, c->body->len, &doc, &err)) {
        taxii_error(c, 422, "Unprocessable content", "the body is not JSON this node accepts: %s",
                    err.msg);
        return NULL;
    }
    *objects = json_object_get(doc, "objects");
    size_t max = taxii_max_objects(c->srv);
    if (!json_is_array(*objects) || json_array_size(*objects) > max) {
        taxii_error(c, json_is_array(*objects) ? 413 : 422,
                    json_is_array(*objects) ? "Payload too large" : "Unprocessable content",
                    "the body must be a TAXII 2.1 envelope (§3.7) of at most %zu objects", max);
        json_decref(doc);
        return NULL;
    }
    return doc;
}

/* The complete status resource of the request, and its stored record.
 * When every entry succeeded, "successes" (optional, TAXII 2.1 §4.3.1) is
 * left out: success_count = total_count says it, and a push of 1000
 * entries then answers (and stores) some 300 bytes instead of 90 KB,
 * which the pusher would parse only to find no failure. */
static json_t *peer_status(struct taxii_ctx *c, json_t *ok, json_t *failed, struct hl_error *err)
{
    char id[STIX_ID_MAX];
    if (stix_id_new("status", id)) {
        hl_fail(err, HL_E_CRYPTO, NULL, "no random status id");
        return NULL;
    }
    const char *sid = strstr(id, "--") ? strstr(id, "--") + 2 : id;
    json_t *s = taxii_status_complete(c, sid, ok, failed, false);
    int r = taxii_status_store(c, sid, s, NULL, err);
    if (r) {
        json_decref(s);
        return NULL;
    }
    return s;
}

/* Entries [from, to) of our own log of the channel, as sealed. */
struct own_entries {
    json_t *list;
    int64_t left;
};

static int own_entry(void *ctx, const struct store_log_entry *e, const struct store_object *o)
{
    struct own_entries *oe = ctx;
    (void)e;
    json_t *v = json_loadb((const char *)o->json, o->json_len, 0, NULL);
    if (!v || json_array_append_new(oe->list, v))
        return -HL_E_NOMEM;
    return --oe->left > 0 ? 0 : 1;
}

/* Adds "hotline_entries" (docs/federation.md, "Receipts in the answer")
 * to the answer: what the peer's push made of our own log, read back
 * after the commit. Best effort: without them the worker pushes them. */
static void peer_answer_entries(struct taxii_ctx *c, const struct taxii_peer_post *p,
                                json_t *status)
{
    struct hl_error err;
    int64_t n = p->own_to - p->own_from;
    if (n <= 0 || n > TAXII_PEER_ENTRIES_MAX || !c->srv->o.signer)
        return;
    struct own_entries oe = {json_array(), n};
    int r = oe.list ? store_log_scan(c->store, c->srv->o.signer->party, c->channel, p->own_from,
                                     own_entry, &oe, &err)
                    : -HL_E_NOMEM;
    if (r >= 0 && oe.left == 0)
        json_object_set(status, "hotline_entries", oe.list);
    taxii_rollback(c->store); /* the read's snapshot */
    json_decref(oe.list);
}

void taxii_ep_peer_post(struct taxii_ctx *c)
{
    struct hl_error err;
    json_t *objects = NULL, *status = NULL;
    hl_error_clear(&err);
    if (!(c->rights & AUTH_WRITE) || !c->srv->o.peer_post) {
        taxii_error(c, 403, "Forbidden", "you may not write to collection %s", c->collection_id);
        return;
    }
    char added_last[40];
    int64_t added_us;
    int given = taxii_query_opt(c->query, "hotline_added_last", added_last, sizeof added_last);
    if (given < 0 || (given && !taxii_time_parse(added_last, &added_us))) {
        taxii_error(c, 400, "Bad request", "hotline_added_last must be an RFC 3339 timestamp");
        return;
    }
    json_t *doc = peer_parse(c, &objects);
    if (!doc)
        return;
    json_t *ok = json_array(), *failed = json_array();
    struct taxii_peer_post p = {.party = c->user.party,
                                .user = c->user.name,
                                .channel = c->channel,
                                .objects = objects,
                                .now_us = c->now_us,
                                .successes = ok,
                                .failures = failed,
                                .added_last = given ? added_last : NULL};
    const struct taxii_options *o = &c->srv->o;
    if (ok && failed && o->peer_prepare && o->peer_prepare(o->peer_ctx, c->store, &p, &err))
        hl_error_clear(&err); /* the hook checks everything itself then */
    taxii_rollback(c->store); /* no read snapshot kept into the write */
    int r = ok && failed ? taxii_write_begin(c, &err)
                         : hl_fail(&err, HL_E_NOMEM, NULL, "out of memory");
    if (!r) {
        r = c->srv->o.peer_post(c->srv->o.peer_ctx, c->store, &p, &err);
        if (!r && !(status = peer_status(c, ok, failed, &err)))
            r = -err.code;
        c->quiet_commit = p.answered_all && p.own_to - p.own_from <= TAXII_PEER_ENTRIES_MAX;
        r = taxii_write_end(c, r, &err);
    }
    if (o->peer_prepare && o->peer_release)
        o->peer_release(o->peer_ctx, &p);
    if (!r)
        peer_answer_entries(c, &p, status);
    if (r == -HL_E_PERM)
        taxii_error(c, 403, "Forbidden", "%s", err.msg);
    else if (r)
        taxii_fail(c, &err);
    else
        taxii_json(c, 202, json_incref(status));
    json_decref(status);
    json_decref(ok);
    json_decref(failed);
    json_decref(doc);
}

/* ---- delivery ---------------------------------------------------------------- */

struct sealed {
    char party[STORE_TEXT_MAX + 1];
    int64_t seq;
    int64_t modified_us;
    bool found;
};

/* The seal of the newest version (versions come oldest first). */
static int sealed_of(void *ctx, const struct store_object *o)
{
    struct sealed *s = ctx;
    json_t *v = json_loadb((const char *)o->json, o->json_len, JSON_REJECT_DUPLICATES, NULL);
    const char *party = json_string_value(json_object_get(v, "hotline_party"));
    const json_t *seq = json_object_get(v, "hotline_seq");
    if (party && json_is_integer(seq) && strlen(party) <= STORE_TEXT_MAX &&
        (!s->found || o->modified_us >= s->modified_us)) {
        snprintf(s->party, sizeof s->party, "%s", party);
        s->seq = (int64_t)json_integer_value(seq);
        s->modified_us = o->modified_us;
        s->found = true;
    }
    json_decref(v);
    return 0;
}

/* The receipt's own seq in the witness's log, and when it was made. */
struct receipt_info {
    int64_t seq;
    char created[40];
};

static int receipt_info_of(void *ctx, const struct store_object *o)
{
    struct receipt_info *ri = ctx;
    json_t *v = json_loadb((const char *)o->json, o->json_len, JSON_REJECT_DUPLICATES, NULL);
    const json_t *seq = json_object_get(v, "hotline_seq");
    const char *created = json_string_value(json_object_get(v, "created"));
    ri->seq = json_is_integer(seq) ? (int64_t)json_integer_value(seq) : -1;
    snprintf(ri->created, sizeof ri->created, "%s", created ? created : "");
    json_decref(v);
    return 0;
}

struct delivery {
    struct taxii_ctx *c;
    const struct sealed *obj;
    json_t *members; /* NULL: only find out whether all hold it */
    struct hl_error *err;
    bool all; /* every other member holds the object */
};

/* A member's line from a receipt its push answer carried, taken and not
 * yet committed (seen.c): true as soon as it is taken. */
static json_t *delivery_seen(const char *party, const struct taxii_seen_receipt *sn)
{
    return json_pack("{s:s, s:b, s:I, s:I, s:s}", "party", party, "delivered", 1, "receipt_seq",
                     (json_int_t)sn->seq, "receipt_size", (json_int_t)sn->size, "receipt_time",
                     sn->created);
}

/* One member's line: its latest receipt for the object's log, stored or
 * taken (seen.c). */
static int delivery_member(void *ctx, const struct store_party *p)
{
    struct delivery *d = ctx;
    struct store_receipt rc;
    struct receipt_info ri = {-1, ""};
    struct taxii_seen_receipt sn;
    int64_t retired = p->retired_us;
    json_t *e;
    if (strcmp(p->id, d->obj->party) == 0)
        return 0;
    int r = store_receipt_latest(d->c->store, d->obj->party, d->c->channel, p->id, &rc, d->err);
    bool stored = r == 0;
    if (r == -HL_E_NOT_FOUND) {
        hl_error_clear(d->err);
        r = 0;
    }
    if (r)
        return r;
    bool covered = stored && rc.size > d->obj->seq;
    bool seen = !covered && taxii_seen_get(d->c->srv, d->c->channel, d->obj->party, p->id, &sn) &&
                sn.size > d->obj->seq;
    /* A member retired here is not waited for (hotline channel
     * retire-member); what it confirmed before still shows. */
    d->all = d->all && (covered || seen || retired);
    if (!d->members) /* the quick look of a waiting request */
        return 0;
    if (seen)
        e = delivery_seen(p->id, &sn);
    else if (!stored)
        e = json_pack("{s:s, s:b, s:n, s:I, s:n}", "party", p->id, "delivered", 0, "receipt_seq",
                      "receipt_size", (json_int_t)0, "receipt_time");
    else if ((r = store_object_get(d->c->store, rc.object_row, receipt_info_of, &ri, d->err)))
        return r;
    else
        e = json_pack("{s:s, s:b, s:I, s:I, s:s}", "party", p->id, "delivered", covered,
                      "receipt_seq", (json_int_t)ri.seq, "receipt_size", (json_int_t)rc.size,
                      "receipt_time", ri.created);
    if (e && retired) {
        char t[32];
        stix_time_format_us_ms(retired, t);
        if (json_object_set_new(e, "retired", json_string(t)))
            e = (json_decref(e), NULL);
    }
    return e && !json_array_append_new(d->members, e) ? 0 : -HL_E_NOMEM;
}

/* The seal of the object's latest version; a waiting request reads it
 * once (the version latest when it came) and keeps it in its memo. */
static int delivery_sealed(struct taxii_ctx *c, const char *oid, struct sealed *s,
                           struct hl_error *err)
{
    struct taxii_waiter *w = c->waiter;
    if (w && w->memo_set) {
        snprintf(s->party, sizeof s->party, "%s", w->memo_text);
        s->seq = w->memo_num;
        s->found = true;
        return 0;
    }
    int r = store_object_versions(c->store, c->channel, oid, sealed_of, s, err);
    if (!r && s->found && w) {
        snprintf(w->memo_text, sizeof w->memo_text, "%s", s->party);
        w->memo_num = s->seq;
        w->memo_set = true;
    }
    return r;
}

void taxii_ep_delivery(struct taxii_ctx *c)
{
    struct hl_error err;
    char oid[STORE_TEXT_MAX + 1];
    struct sealed s = {0};
    hl_error_clear(&err);
    if (!(c->rights & AUTH_READ)) {
        taxii_error(c, 403, "Forbidden", "you may not read collection %s", c->collection_id);
        return;
    }
    if (!taxii_query_get(c->query, "object", oid, sizeof oid) || !strstr(oid, "--")) {
        taxii_error(c, 400, "Bad request", "delivery needs object=STIX-ID");
        return;
    }
    char wait_text[16];
    long long wait_ms = 0;
    int given = taxii_query_opt(c->query, "wait", wait_text, sizeof wait_text);
    if (given < 0 || (given && !hl_parse_int(wait_text, 0, TAXII_WAIT_MAX_MS, &wait_ms))) {
        taxii_error(c, 400, "Bad request", "wait must be milliseconds from 0 to %d",
                    TAXII_WAIT_MAX_MS);
        return;
    }
    int r = delivery_sealed(c, oid, &s, &err);
    if (r == -HL_E_NOT_FOUND || (!r && !s.found)) {
        taxii_error(c, 404, "Not found", "collection %s holds no sealed object %s",
                    c->collection_id, oid);
        return;
    }
    struct delivery d = {c, &s, NULL, &err, true};
    if (!r && wait_ms > 0) { /* a quick look first: only its answer needs the details */
        r = store_channel_member_list(c->store, c->channel, delivery_member, &d, &err);
        if (!r && !d.all && taxii_wait(c, wait_ms))
            return; /* asked again after the next commit */
    }
    d.all = true;
    if (!r && !(d.members = json_array()))
        r = hl_fail(&err, HL_E_NOMEM, NULL, "out of memory");
    if (!r)
        r = store_channel_member_list(c->store, c->channel, delivery_member, &d, &err);
    json_t *out = r ? NULL
                    : json_pack("{s:s, s:s, s:I, s:O}", "object", oid, "party", s.party, "seq",
                                (json_int_t)s.seq, "members", d.members);
    if (!r && !out)
        r = hl_fail(&err, HL_E_NOMEM, NULL, "out of memory");
    if (r)
        taxii_fail(c, &err);
    else if (taxii_json(c, 200, out) == 0 && c->resp->status == 200)
        c->resp->content_type = "application/json";
    json_decref(d.members);
}
