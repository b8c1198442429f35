/*
 * post.c — Add Objects (TAXII 2.1 §5.5): an envelope in, a status
 * resource (§4.3.1) out, and the objects sealed into the node's log.
 *
 * Parse, then validate, then act:
 *   1. the body must be application/taxii+json;version=2.1 (else 415), an
 *      envelope (§3.7) of at most max_objects objects (else 422, 413); it
 *      was cut at max_content_length already (413, nothing read further);
 *   2. every object goes through the STIX core (stix_validate_object, or
 *      the node's object_check, which adds the rules of hotline's SDOs); an
 *      object with errors is a failure whose message lists them ("path:
 *      message; ..."), and is not stored; so is a tree head or receipt (the
 *      node's own statements: a user cannot make the node say them);
 *   3. under the process's write lock, in ONE store transaction: an
 *      object whose id came in from a peer on ANOTHER channel under
 *      TLP:RED, TLP:AMBER+STRICT or TLP:AMBER (store_tlp_find) is a
 *      failure naming that channel and level (TLP 2.0: such information
 *      is not shared beyond the recipients it was given to; DESIGN.md,
 *      "Security model"), and nothing of it is stored; versions
 *      the channel holds already (log_held_version: equal apart from seals)
 *      are successes stored nothing; another object under a held version,
 *      or a version given twice with different contents, is a failure (a
 *      published version never changes, STIX 2.1 §3.6); the rest are
 *      sealed and appended (log_append_in: one batch, one tree head), and
 *      the status record is stored with them;
 *   4. the commit makes it all durable (one fsync) before the 202.
 * A failure of the store in step 3 or 4 stores nothing and answers 500:
 * the client may send the envelope again.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "stix/stix.h"
#include "taxii_int.h"

/* Longest failure message kept in a status. */
#define POST_MESSAGE_MAX 2000

struct post {
    struct taxii_ctx *c;
    json_t *objects;   /* the envelope's array (borrowed) */
    size_t n;          /* its size */
    json_t *successes; /* status-details, owned */
    json_t *failures;
    json_t **append; /* objects to seal, borrowed from objects */
    size_t n_append;
    json_t *seen; /* "id version" -> object, within this envelope */
    struct hl_error err;
};

/* The version string of a status-details (§4.3.1): modified, else
 * created, else the request time (an SCO has one version). */
static void post_version(const json_t *o, int64_t now_us, char out[static 32])
{
    const char *v = json_string_value(json_object_get(o, "modified"));
    if (!v)
        v = json_string_value(json_object_get(o, "created"));
    if (v && strlen(v) < 32)
        snprintf(out, 32, "%s", v);
    else
        taxii_time_format(now_us, true, out);
}

static int post_detail(struct post *p, json_t *list, const json_t *o, const char *message)
{
    char version[32];
    const char *id = json_string_value(json_object_get(o, "id"));
    post_version(o, p->c->now_us, version);
    json_t *d = json_object(); /* json_pack would parse its format for every object */
    if (d && (json_object_set_new_nocheck(d, "id", json_string(id ? id : "")) ||
              json_object_set_new_nocheck(d, "version", json_string(version)))) {
        json_decref(d);
        d = NULL;
    }
    if (d && message && json_object_set_new(d, "message", json_string(message)))
        json_object_set_new(d, "message", json_string("(message not UTF-8)"));
    if (!d || json_array_append_new(list, d))
        return hl_fail(&p->err, HL_E_NOMEM, NULL, "out of memory");
    return 0;
}

/* The errors of a validation report as one message. */
static void post_findings(const struct stix_report *rep, char out[static POST_MESSAGE_MAX])
{
    size_t len = 0;
    out[0] = '\0';
    for (size_t i = 0; i < rep->n && len < POST_MESSAGE_MAX - 1; i++) {
        const struct stix_finding *f = &rep->items[i];
        if (f->severity != STIX_SEV_ERROR)
            continue;
        int w = snprintf(out + len, POST_MESSAGE_MAX - len, "%s%s%s%s", len ? "; " : "", f->path,
                         *f->path ? ": " : "", f->message);
        len = w < 0 ? POST_MESSAGE_MAX - 1 : len + (size_t)w;
    }
    if (len >= POST_MESSAGE_MAX - 1)
        snprintf(out + POST_MESSAGE_MAX - 5, 5, "...");
    if (!out[0])
        snprintf(out, POST_MESSAGE_MAX, "invalid STIX 2.1 object");
}

/* Step 2: validation, outside the write lock, on the ledger's worker
 * threads (each object's findings into its own report; the failures are
 * then listed in envelope order). Sets valid[i]. */
struct post_check {
    struct post *p;
    struct stix_report *reps;
};

static void post_check_one(void *ctx, size_t i)
{
    struct post_check *k = ctx;
    json_t *o = json_array_get(k->p->objects, i);
    struct stix_report *rep = &k->reps[i];
    const char *type = json_string_value(json_object_get(o, "type"));
    if (!json_is_object(o))
        stix_report_add(rep, STIX_SEV_ERROR, "", "an envelope's objects must be objects");
    else if (log_is_statement(o))
        stix_report_add(rep, STIX_SEV_ERROR, "type",
                        "a %s is the node's own statement about its log; the node makes "
                        "them, users do not POST them",
                        type);
    else if (k->p->c->srv->o.object_check)
        k->p->c->srv->o.object_check(o, "", rep);
    else
        stix_validate_object(o, "", rep);
}

static int post_validate(struct post *p, bool *valid)
{
    char msg[POST_MESSAGE_MAX];
    struct hl_error e;
    struct ledger_par *par = NULL;
    struct post_check k = {p, calloc(p->n ? p->n : 1, sizeof *k.reps)};
    if (!k.reps)
        return -HL_E_NOMEM;
    for (size_t i = 0; i < p->n; i++)
        stix_report_init(&k.reps[i]);
    int r = ledger_par_start(post_check_one, &k, p->n, LEDGER_PAR_MIN, &par, &e) ? -HL_E_NOMEM : 0;
    for (size_t i = 0; !r && i < p->n; i++) {
        ledger_par_wait(par, i);
        valid[i] = stix_report_ok(&k.reps[i]);
        if (!valid[i])
            post_findings(&k.reps[i], msg);
        if (!valid[i] && post_detail(p, p->failures, json_array_get(p->objects, i), msg))
            r = -HL_E_NOMEM;
    }
    ledger_par_free(par); /* first: its threads write into the reports */
    for (size_t i = 0; i < p->n; i++)
        stix_report_release(&k.reps[i]);
    free(k.reps);
    return r;
}

static bool post_sealed(const json_t *o)
{
    return json_object_get(o, SEAL_PROP_PARTY) || json_object_get(o, SEAL_PROP_CHANNEL) ||
           json_object_get(o, SEAL_PROP_SEQ);
}

/* Whether the channel stores a row of id at version_us, deleted or not:
 * a lookup by index, without the canonical forms log_held_version
 * compares (most objects of a POST are new). */
static int post_version_stored(struct post *p, const char *id, int64_t version_us, bool *found)
{
    *found = false;
    return id ? store_object_held(p->c->store, p->c->channel, id, version_us, found, &p->err) : 0;
}

/* TLP 2.0 onward sharing: *refused when o's id came in on another channel
 * under TLP:RED, AMBER+STRICT or AMBER; the failure is recorded. */
static int post_tlp_check(struct post *p, const json_t *o, const char *id, bool *refused)
{
    char msg[POST_MESSAGE_MAX], other[STORE_TEXT_MAX + 1], tlp[STORE_TEXT_MAX + 1];
    *refused = false;
    int r =
        id ? store_tlp_elsewhere(p->c->store, id, p->c->channel, refused, other, tlp, &p->err) : 0;
    if (r || !*refused)
        return r;
    snprintf(msg, sizeof msg,
             "%s came in on channel %s under %s; TLP 2.0 forbids sharing it into channel %s", id,
             other, tlp, p->c->channel);
    return post_detail(p, p->failures, o, msg);
}

/* Step 3 for one valid object: a success held already, a failure, or
 * queued for sealing. */
static int post_sort(struct post *p, json_t *o)
{
    char key[STORE_TEXT_MAX + 32];
    const char *id = json_string_value(json_object_get(o, "id"));
    snprintf(key, sizeof key, "%.*s %lld", STORE_TEXT_MAX, id ? id : "",
             (long long)log_object_time_us(o));
    const json_t *prev = json_object_get(p->seen, key);
    bool held = false;
    int r = 0;
    if (prev) {
        if (!json_equal(prev, o))
            return post_detail(p, p->failures, o,
                               "this version is given twice in the envelope with different "
                               "contents; a version never changes (STIX 2.1 §3.6)");
        return post_detail(p, p->successes, o, "given twice in the envelope; added once");
    }
    r = post_tlp_check(p, o, id, &held);
    if (r || held)
        return r;
    r = post_version_stored(p, id, log_object_time_us(o), &held);
    if (!r && held)
        r = log_held_version(p->c->store, p->c->channel, o, &held, &p->err);
    if (r == -HL_E_CONFLICT) {
        char msg[HL_ERROR_MSG_MAX + 64];
        snprintf(msg, sizeof msg, "%s", p->err.msg);
        hl_error_clear(&p->err);
        return post_detail(p, p->failures, o, msg);
    }
    if (r)
        return r;
    if (held)
        return post_detail(p, p->successes, o, "this version is in the collection already");
    if (post_sealed(o))
        return post_detail(p, p->failures, o,
                           "the object carries a hotline seal of another log; sealed entries "
                           "travel by replication, not by TAXII POST");
    if (json_object_set(p->seen, key, o))
        return hl_fail(&p->err, HL_E_NOMEM, NULL, "out of memory");
    p->append[p->n_append++] = o;
    return 0;
}

json_t *taxii_status_complete(struct taxii_ctx *c, const char *id, json_t *ok, json_t *failed,
                              bool list_all)
{
    char ts[32];
    taxii_time_format(c->now_us, true, ts);
    size_t ns = json_array_size(ok), nf = json_array_size(failed);
    json_t *s =
        json_pack("{s:s, s:s, s:s, s:I, s:I, s:I, s:I}", "id", id, "status", "complete",
                  "request_timestamp", ts, "total_count", (json_int_t)(ns + nf), "success_count",
                  (json_int_t)ns, "failure_count", (json_int_t)nf, "pending_count", (json_int_t)0);
    if (s && ns && (list_all || nf))
        json_object_set(s, "successes", ok);
    if (s && nf)
        json_object_set(s, "failures", failed);
    return s;
}

/* The record is {"channel": NAME, "status": s} (endpoints.c), made
 * around s's text so that a POST's answer, which is that text, is dumped
 * once: a status of 1000 successes is some 100 KB. */
int taxii_status_store(struct taxii_ctx *c, const char *id, const json_t *s, char **text,
                       struct hl_error *err)
{
    struct buf rec;
    char *st = s ? json_dumps(s, JSON_COMPACT) : NULL;
    json_t *name = json_string(c->channel);
    char *ch = name ? json_dumps(name, JSON_ENCODE_ANY) : NULL;
    buf_init(&rec, STORE_JSON_MAX);
    int r = st && ch ? 0 : hl_fail(err, HL_E_NOMEM, NULL, "out of memory");
    if (!r && (buf_adds(&rec, "{\"channel\":") || buf_adds(&rec, ch) ||
               buf_adds(&rec, ",\"status\":") || buf_adds(&rec, st) || buf_addc(&rec, '}')))
        r = hl_fail(err, HL_E_TOO_LARGE, "status", "the status record exceeds %zu bytes",
                    (size_t)STORE_JSON_MAX);
    if (!r)
        r = store_status_put(c->store, id, c->channel, c->now_us, (const uint8_t *)rec.data,
                             rec.len, err);
    if (!r && text) {
        *text = st;
        st = NULL;
    }
    buf_release(&rec);
    free(ch);
    free(st);
    json_decref(name);
    return r;
}

/* Steps 3 and 4: sorts the valid objects, seals and appends, stores the
 * status; *status gets the resource's text (malloc'd). */
static int post_commit(struct post *p, const bool *valid, char **status)
{
    char id[STIX_ID_MAX];
    struct log_append_result res;
    int r = taxii_write_begin(p->c, &p->err);
    if (r)
        return r;
    for (size_t i = 0; !r && i < p->n; i++)
        if (valid[i])
            r = post_sort(p, json_array_get(p->objects, i));
    if (!r && p->n_append)
        r = log_append_in(p->c->store, p->c->srv->o.signer, p->c->channel, p->append, p->n_append,
                          p->c->now_us, &res, &p->err);
    for (size_t i = 0; !r && i < p->n_append; i++)
        r = post_detail(p, p->successes, p->append[i], NULL);
    if (!r && stix_id_new("status", id))
        r = hl_fail(&p->err, HL_E_CRYPTO, NULL, "no random status id");
    const char *sid = strstr(id, "--") ? strstr(id, "--") + 2 : id;
    json_t *s = r ? NULL : taxii_status_complete(p->c, sid, p->successes, p->failures, true);
    char *text = NULL;
    if (!r)
        r = taxii_status_store(p->c, sid, s, &text, &p->err);
    json_decref(s);
    r = taxii_write_end(p->c, r, &p->err);
    if (r)
        free(text);
    else
        *status = text;
    return r;
}

/* Step 1: the envelope of the body, or an answer (returns NULL). */
static json_t *post_parse(struct taxii_ctx *c, json_t **objects)
{
    struct hl_error err;
    json_t *doc = NULL;
    hl_error_clear(&err);
    if (ledger_parse(c->body->data, c->body->len, &doc, &err)) {
        taxii_error(c, 422, "Unprocessable content",
                    "the body is not JSON this node accepts: %s%s%s", err.where,
                    *err.where ? ": " : "", err.msg);
        return NULL;
    }
    *objects = json_object_get(doc, "objects");
    if (stix_doc_kind(doc) != STIX_DOC_ENVELOPE || (*objects && !json_is_array(*objects))) {
        taxii_error(c, 422, "Unprocessable content",
                    "the body must be a TAXII 2.1 envelope (§3.7): {\"objects\": [...]}");
        json_decref(doc);
        return NULL;
    }
    size_t n = json_array_size(*objects), max = taxii_max_objects(c->srv);
    if (n > max) {
        taxii_error(c, 413, "Payload too large",
                    "the envelope holds %zu objects; this API root takes at most %zu", n, max);
        json_decref(doc);
        return NULL;
    }
    return doc;
}

void taxii_ep_post(struct taxii_ctx *c)
{
    if (!(c->rights & AUTH_WRITE)) {
        taxii_error(c, 403, "Forbidden", "you may not write to collection %s", c->collection_id);
        return;
    }
    if (!taxii_content_type_ok(c->content_type)) {
        taxii_error(c, 415, "Unsupported media type", "the body must be sent as %s",
                    TAXII_MEDIA_TYPE);
        return;
    }
    if (c->body_too_large) {
        taxii_error(c, 413, "Payload too large", "the body exceeds max_content_length, %zu bytes",
                    taxii_max_content_length(c->srv));
        return;
    }
    struct post p = {.c = c};
    hl_error_clear(&p.err);
    char *status = NULL;
    json_t *doc = post_parse(c, &p.objects);
    if (!doc)
        return;
    p.n = json_array_size(p.objects);
    bool *valid = calloc(p.n ? p.n : 1, sizeof *valid);
    p.append = calloc(p.n ? p.n : 1, sizeof *p.append);
    p.successes = json_array();
    p.failures = json_array();
    p.seen = json_object();
    int r = -HL_E_NOMEM;
    if (valid && p.append && p.successes && p.failures && p.seen) {
        r = post_validate(&p, valid);
        if (!r)
            r = post_commit(&p, valid, &status);
    } else {
        hl_fail(&p.err, HL_E_NOMEM, NULL, "out of memory");
    }
    if (r)
        taxii_fail(c, &p.err);
    else
        taxii_text(c, 202, status);
    free(status);
    free(valid);
    free(p.append);
    json_decref(p.successes);
    json_decref(p.failures);
    json_decref(p.seen);
    json_decref(doc);
}
