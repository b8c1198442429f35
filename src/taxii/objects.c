/*
 * objects.c — the TAXII 2.1 endpoints that read a collection: objects
 * (§5.4 GET), manifest (§5.3), one object (§5.6), its versions (§5.8),
 * and DELETE of an object (§5.7).
 *
 * One listing engine serves them all: a store_object_list page in
 * (date_added, arrival) order, starting after the opaque "next" cursor
 * (keyset pagination: stable while writers append), with the filters of
 * the request. Objects are sent as the bytes the store holds (the RFC
 * 8785 form of each sealed object, valid JSON), spliced into the envelope
 * without parsing: a page of 1000 objects costs copies, not parses.
 *
 * Versions (§3.6.1 match[version]). A version is the object's modified
 * time, else created (the store's modified_us); an object with neither (an
 * SCO) has one version, named by its date_added. "first" and "last" alone
 * go to the store; timestamps are checked per row; "first" or "last"
 * together with other values need the first / last version of each id,
 * looked up after the page is read (a listing may not be reentered).
 *
 * A page holds at most `limit` objects and ends early once it passes
 * TAXII_PAGE_BYTES (§3.4 lets a server return fewer than asked). Pages
 * carry X-TAXII-Date-Added-First / -Last (§3.3) of the objects in them, "more", and "next" whenever
 * more is true (also on manifests and version lists, where clients such as taxii2-client's as_pages
 * follow it: a batch shares one date_added, so added_after alone could skip rows).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "stix/stix.h"
#include "taxii_int.h"

enum page_kind { PAGE_OBJECTS, PAGE_MANIFEST, PAGE_VERSIONS };

/* A page ends early, "more" true, once its body passes this many bytes:
 * a limit counts objects, and objects may be large. */
#define TAXII_PAGE_BYTES (16u * 1024 * 1024)
#define PAGE_FULL 1 /* page_row's answer to stop the listing there */

/* A row whose version must be checked once the listing is done. */
struct candidate {
    int64_t row;
    int64_t added_us;
    int64_t version_us;
    char id[STORE_TEXT_MAX + 1];
};

struct page {
    struct taxii_ctx *c;
    const struct taxii_filter *f;
    enum page_kind kind;
    bool by_time;    /* keep rows whose version is one of f->times */
    bool deferred;   /* first/last with more: collect candidates */
    struct buf *out; /* the answer's body: items go straight into it */
    size_t n;
    int64_t first_added, last_added;
    struct candidate *cand;
    size_t n_cand;
    int64_t *rows; /* DELETE: the rows, not their text */
    size_t n_rows;
    struct hl_error *err;
};

static int64_t version_us(const struct store_object *o)
{
    return o->modified_us ? o->modified_us : o->date_added_us;
}

static bool time_listed(const struct taxii_filter *f, int64_t us)
{
    for (size_t i = 0; i < f->n_times; i++)
        if (f->times[i] == us)
            return true;
    return false;
}

/* STIX ids are [A-Za-z0-9-] (store.c checks what it serves); anything
 * else in a stored row is corruption, never copied into JSON unescaped. */
static bool id_plain(const char *s)
{
    for (; *s; s++)
        if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || (*s >= '0' && *s <= '9') ||
              *s == '-'))
            return false;
    return true;
}

/* Appends one row, in the form of the page, to p->out: the resource's
 * list comes first ({"objects":[...],"more":...}: member order is free),
 * so nothing is copied twice. */
static int page_emit(struct page *p, const struct store_object *o)
{
    char added[32], version[32];
    if (p->rows) {
        if (p->n_rows == TAXII_PAGE_MAX)
            return hl_fail(p->err, HL_E_INTERNAL, "objects", "page longer than its limit");
        p->rows[p->n_rows++] = o->row;
        p->n++;
        return 0;
    }
    int r = p->n
                ? buf_addc(p->out, ',')
                : buf_adds(p->out, p->kind == PAGE_VERSIONS ? "{\"versions\":[" : "{\"objects\":[");
    if (!r && p->kind == PAGE_OBJECTS) {
        r = buf_add(p->out, o->json, o->json_len);
    } else if (!r) {
        if (!id_plain(o->stix_id))
            return hl_fail(p->err, HL_E_STORE, "objects", "stored id of row %lld is not a STIX id",
                           (long long)o->row);
        taxii_time_format(o->date_added_us, true, added);
        taxii_time_format(version_us(o), false, version);
        if (p->kind == PAGE_VERSIONS)
            r = buf_addf(p->out, "\"%s\"", version);
        else
            r = buf_addf(p->out,
                         "{\"id\":\"%s\",\"date_added\":\"%s\",\"version\":\"%s\","
                         "\"media_type\":\"" TAXII_STIX_MEDIA_TYPE "\"}",
                         o->stix_id, added, version);
    }
    if (r)
        return hl_fail(p->err, HL_E_TOO_LARGE, "objects", "the page is too large to send");
    if (p->n++ == 0)
        p->first_added = o->date_added_us;
    p->last_added = o->date_added_us;
    return 0;
}

static int page_row(void *ctx, const struct store_object *o)
{
    struct page *p = ctx;
    if (p->deferred) {
        if (p->n_cand == TAXII_PAGE_MAX)
            return hl_fail(p->err, HL_E_INTERNAL, "objects", "page longer than its limit");
        struct candidate *k = &p->cand[p->n_cand++];
        k->row = o->row;
        k->added_us = o->date_added_us;
        k->version_us = version_us(o);
        snprintf(k->id, sizeof k->id, "%s", o->stix_id);
        return 0;
    }
    if (p->by_time && !time_listed(p->f, version_us(o)))
        return 0;
    if (p->out && p->out->len > TAXII_PAGE_BYTES)
        return PAGE_FULL; /* this row opens the next page */
    return page_emit(p, o);
}

/* The store's version filter for f, and how the page checks the rest. */
static enum store_version page_version(struct page *p)
{
    unsigned v = p->f->versions;
    if (v & TAXII_V_ALL)
        return STORE_VERSION_ALL;
    if (p->f->n_times == 0 && (v == 0 || v == TAXII_V_LAST))
        return STORE_VERSION_LAST; /* §3.6.1: the default */
    if (p->f->n_times == 0 && v == TAXII_V_FIRST)
        return STORE_VERSION_FIRST;
    if (v == 0)
        p->by_time = true;
    else
        p->deferred = true;
    return STORE_VERSION_ALL;
}

struct row_pick {
    int64_t row;
};

static int pick_row(void *ctx, const struct store_object *o)
{
    ((struct row_pick *)ctx)->row = o->row;
    return 0;
}

/* The row of the first or last version of id in the channel, 0 if none. */
static int version_row(struct page *p, const char *id, enum store_version which, int64_t *row)
{
    const char *ids[1] = {id};
    struct store_query q = {
        .channel = p->c->channel, .ids = ids, .n_ids = 1, .version = which, .limit = 1};
    struct store_page pg;
    struct row_pick pick = {0};
    int r = store_object_list(p->c->store, &q, pick_row, &pick, &pg, p->err);
    *row = pick.row;
    return r;
}

static int emit_row(void *ctx, const struct store_object *o)
{
    return page_emit(ctx, o);
}

/* Decides the collected candidates (first / last / listed times) and
 * emits the kept ones in page order; a page that fills up ends before
 * candidate i, which opens the next one. */
static int page_decide(struct page *p, struct store_page *pg)
{
    unsigned v = p->f->versions;
    for (size_t i = 0; i < p->n_cand; i++) {
        const struct candidate *k = &p->cand[i];
        if (i && p->out->len > TAXII_PAGE_BYTES) {
            pg->next.date_added_us = p->cand[i - 1].added_us;
            pg->next.row = p->cand[i - 1].row;
            pg->more = true;
            return 0;
        }
        bool keep = time_listed(p->f, k->version_us);
        int64_t row = 0;
        int r = 0;
        if (!keep && (v & TAXII_V_FIRST) && !(r = version_row(p, k->id, STORE_VERSION_FIRST, &row)))
            keep = row == k->row;
        if (!r && !keep && (v & TAXII_V_LAST) &&
            !(r = version_row(p, k->id, STORE_VERSION_LAST, &row)))
            keep = row == k->row;
        if (!r && keep)
            r = store_object_get(p->c->store, k->row, emit_row, p, p->err);
        if (r)
            return r;
    }
    return 0;
}

/* Lists one page of the collection for f (ids: one id for the object
 * endpoints, else f's match[id]); the result is in p. */
static int page_list(struct page *p, const char *const *ids, size_t n_ids, bool all_versions,
                     struct store_page *pg)
{
    const struct taxii_filter *f = p->f;
    struct store_query q = {
        .channel = p->c->channel,
        .after = f->next,
        .has_added_after = f->has_added_after,
        .added_after_us = f->added_after_us,
        .types = f->n_types ? f->types : NULL,
        .n_types = f->n_types,
        .ids = ids,
        .n_ids = n_ids,
        .limit = f->limit,
        .except_sealed_by = f->except_party,
    };
    memset(pg, 0, sizeof *pg);
    q.version = all_versions ? STORE_VERSION_ALL : page_version(p);
    if (f->spec_none)
        return 0; /* all objects here are STIX 2.1 */
    if (p->deferred && !(p->cand = calloc(f->limit, sizeof *p->cand)))
        return hl_fail(p->err, HL_E_NOMEM, "objects", "out of memory");
    int r = store_object_list(p->c->store, &q, page_row, p, pg, p->err);
    if (r == PAGE_FULL) {
        r = 0;
        pg->more = true; /* pg->next is the last row sent */
    }
    if (!r && p->deferred)
        r = page_decide(p, pg);
    return r;
}

/* Closes the page's resource in the answer's body ("more", and "next"
 * when more is true) and answers 200 with the date headers. */
static void page_answer(struct page *p, const struct store_page *pg)
{
    struct taxii_ctx *c = p->c;
    char next[TAXII_NEXT_MAX], t[32];
    int r = buf_addf(p->out, "%s\"more\":%s", p->n ? "]," : "{", pg->more ? "true" : "false");
    if (!r && pg->more) {
        taxii_cursor_encode(&pg->next, next);
        r = buf_addf(p->out, ",\"next\":\"%s\"", next);
    }
    if (!r)
        r = buf_addc(p->out, '}');
    if (r) {
        taxii_error(c, 500, "Internal error", "the page is too large to send");
        return;
    }
    c->resp->status = 200;
    if (p->n) { /* §3.3 */
        taxii_time_format(p->first_added, true, t);
        taxii_header(c->resp, "X-TAXII-Date-Added-First", t);
        taxii_time_format(p->last_added, true, t);
        taxii_header(c->resp, "X-TAXII-Date-Added-Last", t);
    }
}

static void page_release(struct page *p)
{
    free(p->cand);
    free(p->rows);
}

static bool filters_parse(struct taxii_ctx *c, unsigned allowed, struct taxii_filter *f)
{
    struct hl_error err;
    hl_error_clear(&err);
    if (taxii_filter_parse(c->query, allowed, f, &err) == 0)
        return true;
    taxii_error(c, 400, "Bad request", "%s", err.msg);
    return false;
}

static bool can_read(struct taxii_ctx *c)
{
    if (c->rights & AUTH_READ)
        return true;
    taxii_error(c, 403, "Forbidden", "you may not read collection %s", c->collection_id);
    return false;
}

/* Runs one listing endpoint; oid is the object of the path or NULL. */
static void list_run(struct taxii_ctx *c, enum page_kind kind, unsigned allowed, const char *oid)
{
    struct taxii_filter f;
    struct hl_error err;
    struct store_page pg;
    hl_error_clear(&err);
    if (!can_read(c) || !filters_parse(c, allowed, &f))
        return;
    struct page p = {.c = c, .f = &f, .kind = kind, .out = &c->resp->body, .err = &err};
    size_t hint = kind == PAGE_OBJECTS ? f.limit * 2048 : f.limit * 160;
    if (buf_grow(p.out, hint < (4u << 20) ? hint : (4u << 20)) != 0) {
        /* the body grows as it is written instead */
    }
    const char *one[1] = {oid};
    int r = 0;
    if (oid && !stix_id_valid(oid, NULL))
        r = -HL_E_NOT_FOUND;
    if (!r && oid) { /* §5.6, §5.8: 404 for an object the collection does not hold */
        struct taxii_filter all = {.limit = 1, .versions = TAXII_V_ALL};
        struct buf scratch;
        buf_init(&scratch, TAXII_RESP_MAX);
        struct page probe = {
            .c = c, .f = &all, .kind = PAGE_VERSIONS, .out = &scratch, .err = &err};
        r = page_list(&probe, one, 1, true, &pg);
        if (!r && probe.n == 0)
            r = -HL_E_NOT_FOUND;
        page_release(&probe);
        buf_release(&scratch);
    }
    if (!r)
        r = oid ? page_list(&p, one, 1, kind == PAGE_VERSIONS, &pg)
                : page_list(&p, f.n_ids ? f.ids : NULL, f.n_ids, false, &pg);
    if (r == -HL_E_NOT_FOUND && oid)
        taxii_error(c, 404, "Not found", "collection %s holds no object %.100s", c->collection_id,
                    oid);
    else if (r)
        taxii_fail(c, &err);
    else
        page_answer(&p, &pg);
    page_release(&p);
    taxii_filter_release(&f);
}

void taxii_ep_objects(struct taxii_ctx *c, bool manifest)
{
    list_run(c, manifest ? PAGE_MANIFEST : PAGE_OBJECTS, TAXII_Q_LIST, NULL);
}

void taxii_ep_object(struct taxii_ctx *c, const char *oid)
{
    list_run(c, PAGE_OBJECTS, TAXII_Q_LIST & ~(TAXII_Q_ID | TAXII_Q_TYPE), oid);
}

void taxii_ep_versions(struct taxii_ctx *c, const char *oid)
{
    list_run(c, PAGE_VERSIONS,
             TAXII_Q_ADDED_AFTER | TAXII_Q_LIMIT | TAXII_Q_NEXT | TAXII_Q_SPEC_VERSION, oid);
}

/* Deletes every version of oid that the filters select, page by page, in
 * the caller's write transaction. *n counts them. */
static int delete_rows(struct taxii_ctx *c, struct taxii_filter *f, const char *oid, size_t *n,
                       struct hl_error *err)
{
    const char *one[1] = {oid};
    struct store_page pg = {0};
    int r = 0;
    *n = 0;
    f->limit = TAXII_PAGE_MAX;
    do {
        struct page p = {.c = c, .f = f, .kind = PAGE_VERSIONS, .err = err};
        p.rows = calloc(TAXII_PAGE_MAX, sizeof *p.rows);
        r = p.rows ? page_list(&p, one, 1, false, &pg)
                   : hl_fail(err, HL_E_NOMEM, "objects", "out of memory");
        for (size_t i = 0; !r && i < p.n_rows; i++)
            r = store_object_delete(c->store, p.rows[i], c->now_us, err);
        *n += p.n_rows;
        f->next = pg.next;
        page_release(&p);
    } while (!r && pg.more);
    return r;
}

void taxii_ep_delete(struct taxii_ctx *c, const char *oid)
{
    struct taxii_filter f;
    struct hl_error err;
    size_t n = 0;
    hl_error_clear(&err);
    if ((c->rights & (AUTH_READ | AUTH_WRITE)) != (AUTH_READ | AUTH_WRITE)) {
        /* §5.7: deleting needs both rights; one right without the other is
         * 403 (none at all was 404 already) */
        taxii_error(c, 403, "Forbidden", "deleting from collection %s needs read and write",
                    c->collection_id);
        return;
    }
    if (!filters_parse(c, TAXII_Q_VERSION | TAXII_Q_SPEC_VERSION, &f))
        return;
    if (f.versions == 0 && f.n_times == 0)
        f.versions = TAXII_V_ALL; /* "delete an object": every version unless narrowed */
    int r = stix_id_valid(oid, NULL) ? taxii_write_begin(c, &err) : -HL_E_NOT_FOUND;
    if (r == 0) {
        r = delete_rows(c, &f, oid, &n, &err);
        if (!r && n == 0)
            r = -HL_E_NOT_FOUND;
        r = taxii_write_end(c, r, &err);
    }
    if (r == -HL_E_NOT_FOUND)
        taxii_error(c, 404, "Not found", "collection %s holds no such version of %.100s",
                    c->collection_id, oid);
    else if (r)
        taxii_fail(c, &err);
    else
        c->resp->status = 200; /* §5.7: no body */
    taxii_filter_release(&f);
}
