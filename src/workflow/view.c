/*
 * view.c — a channel's replica read for the workflow (workflow.h, "a
 * channel's replica"), the judging of responses, and the list and show
 * views built on it.
 *
 * Everything derived here comes from sealed objects: the objects' own
 * created times, their seals (party, seq), the tree heads (seal times) and
 * receipts (delivery times) in the logs. Two replicas that hold the same
 * logs derive the same view, whatever their clocks; only "overdue" takes
 * a clock, given by the caller.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ledger/ledger.h"
#include "stix/stix.h"
#include "workflow_int.h"

#define WF_LOAD_PAGE 1000
#define WF_SUMMARY_MAX 100

static const char *const kind_names[WORKFLOW_N_KINDS] = {
    "other",   "notification", "request",     "response", "dossier",
    "opinion", "note",         "translation", "sighting", "ledger"};

const char *workflow_kind_name(enum workflow_kind k)
{
    return (unsigned)k < WORKFLOW_N_KINDS ? kind_names[k] : "?";
}

bool workflow_kind_parse(const char *s, enum workflow_kind *out)
{
    for (unsigned k = 0; s && k < WORKFLOW_N_KINDS; k++) {
        if (strcmp(kind_names[k], s) == 0) {
            *out = (enum workflow_kind)k;
            return true;
        }
    }
    return false;
}

/* ---- loading -------------------------------------------------------------- */

static bool list_has(const json_t *list, const char *s)
{
    size_t i;
    const json_t *v;
    json_array_foreach(list, i, v)
    {
        if (json_is_string(v) && strcmp(json_string_value(v), s) == 0)
            return true;
    }
    return false;
}

static bool refs_have_type(const json_t *list, const char *prefix)
{
    size_t i, n = strlen(prefix);
    const json_t *v;
    json_array_foreach(list, i, v)
    {
        const char *s = json_string_value(v);
        if (s && strncmp(s, prefix, n) == 0)
            return true;
    }
    return false;
}

static enum workflow_kind kind_of(const json_t *o, const char *type)
{
    if (!strcmp(type, WORKFLOW_REQUEST_TYPE))
        return WORKFLOW_KIND_REQUEST;
    if (!strcmp(type, WORKFLOW_RESPONSE_TYPE))
        return WORKFLOW_KIND_RESPONSE;
    if (!strcmp(type, "report")) {
        const json_t *rt = json_object_get(o, "report_types");
        if (list_has(rt, "incident") ||
            refs_have_type(json_object_get(o, "object_refs"), "incident--"))
            return WORKFLOW_KIND_NOTIFICATION;
        if (list_has(rt, "threat-actor"))
            return WORKFLOW_KIND_DOSSIER;
        return WORKFLOW_KIND_OTHER;
    }
    if (!strcmp(type, "opinion"))
        return WORKFLOW_KIND_OPINION;
    if (!strcmp(type, "note"))
        return WORKFLOW_KIND_NOTE;
    if (!strcmp(type, "language-content"))
        return WORKFLOW_KIND_TRANSLATION;
    if (!strcmp(type, "sighting"))
        return WORKFLOW_KIND_SIGHTING;
    if (!strcmp(type, LOG_TREE_HEAD_TYPE) || !strcmp(type, LOG_RECEIPT_TYPE))
        return WORKFLOW_KIND_LEDGER;
    return WORKFLOW_KIND_OTHER;
}

struct load {
    struct workflow_view *v;
    struct hl_error *err;
    int fail;
};

static int grow(void **p, size_t *cap, size_t n, size_t size)
{
    if (n < *cap)
        return 0;
    size_t c = *cap ? *cap * 2 : 64, bytes;
    if (!size_mul(c, size, &bytes))
        return -HL_E_TOO_LARGE;
    void *q = realloc(*p, bytes);
    if (!q)
        return -HL_E_NOMEM;
    *p = q;
    *cap = c;
    return 0;
}

static void copy_str(char *out, size_t max, const json_t *v)
{
    const char *s = json_string_value(v);
    snprintf(out, max, "%s", s ? s : "");
}

/* A receipt: its row in receipts. */
static int load_ledger(struct workflow_view *v, const json_t *o, const char *type,
                       int64_t created_us)
{
    int64_t size = json_integer_value(json_object_get(o, "tree_size"));
    if (strcmp(type, LOG_RECEIPT_TYPE))
        return 0;
    int r = grow((void **)&v->receipts, &v->cap_receipts, v->n_receipts, sizeof *v->receipts);
    if (r)
        return r;
    struct wf_receipt *c = &v->receipts[v->n_receipts++];
    copy_str(c->witness, sizeof c->witness, json_object_get(o, SEAL_PROP_PARTY));
    copy_str(c->log_party, sizeof c->log_party, json_object_get(o, "log_party"));
    c->size = size;
    c->created_us = created_us;
    c->seq = json_integer_value(json_object_get(o, SEAL_PROP_SEQ));
    return 0;
}

static int load_one(void *ctx, const struct store_object *so)
{
    struct load *l = ctx;
    struct workflow_view *v = l->v;
    if (so->type && !strcmp(so->type, LOG_TREE_HEAD_TYPE))
        return 0; /* heads come from the store's tree_heads table (load_heads) */
    json_t *o = json_loadb((const char *)so->json, so->json_len, JSON_REJECT_DUPLICATES, NULL);
    const char *type = json_string_value(json_object_get(o, "type"));
    const char *id = json_string_value(json_object_get(o, "id"));
    int64_t created_us = 0;
    if (!json_is_object(o) || !type || !id) {
        json_decref(o);
        return 0; /* not ours to judge: the audit reports it */
    }
    (void)stix_time_parse_us(json_string_value(json_object_get(o, "created")), &created_us);
    enum workflow_kind kind = kind_of(o, type);
    if (kind == WORKFLOW_KIND_LEDGER) {
        int r = load_ledger(v, o, type, created_us);
        json_decref(o);
        return r ? (l->fail = r) : 0;
    }
    int r = grow((void **)&v->items, &v->cap, v->n, sizeof *v->items);
    if (r) {
        json_decref(o);
        return l->fail = r;
    }
    struct wf_item *it = &v->items[v->n++];
    memset(it, 0, sizeof *it);
    it->obj = o;
    it->id = id;
    it->type = type;
    it->kind = kind;
    it->created_us = created_us;
    const json_t *seq = json_object_get(o, SEAL_PROP_SEQ);
    it->seq = json_is_integer(seq) ? json_integer_value(seq) : -1;
    const json_t *party = json_object_get(o, SEAL_PROP_PARTY);
    copy_str(it->party, sizeof it->party, party ? party : json_object_get(o, "created_by_ref"));
    it->target = WF_NONE;
    return 0;
}

struct heads_of {
    struct workflow_view *v;
    const char *party;
};

/* A tree head's time as the tree_heads table holds it: the head's created
 * (parsed on accept; our own heads' time floored to the milliseconds its
 * created shows), so every replica reads the same. */
static int64_t head_created_us(const struct store_tree_head *h)
{
    return h->timestamp_us - ((h->timestamp_us % 1000) + 1000) % 1000;
}

static int head_one(void *ctx, const struct store_tree_head *h)
{
    struct heads_of *ho = ctx;
    struct workflow_view *v = ho->v;
    int r = grow((void **)&v->heads, &v->cap_heads, v->n_heads, sizeof *v->heads);
    if (r)
        return r;
    struct wf_head *w = &v->heads[v->n_heads++];
    snprintf(w->party, sizeof w->party, "%s", ho->party);
    w->size = h->size;
    w->created_us = head_created_us(h);
    if (w->created_us > v->as_of_us)
        v->as_of_us = w->created_us;
    return 0;
}

/* Every member's tree heads of the channel. */
static int load_heads(struct store *s, struct workflow_view *v, struct hl_error *err)
{
    for (size_t i = 0; i < v->n_members; i++) {
        struct heads_of ho = {v, v->members[i].id};
        int r = store_tree_head_list(s, v->members[i].id, v->channel, head_one, &ho, err);
        if (r == -HL_E_NOT_FOUND)
            continue; /* no log of that member here yet */
        if (r == -HL_E_NOMEM || r == -HL_E_TOO_LARGE)
            return hl_fail(err, -r, v->channel, "reading tree heads: %s", hl_strerror(-r));
        if (r)
            return r;
    }
    return 0;
}

static int cmp_head(const void *a, const void *b)
{
    const struct wf_head *x = a, *y = b;
    int c = strcmp(x->party, y->party);
    return c ? c : (x->size > y->size) - (x->size < y->size);
}

static int cmp_receipt(const void *a, const void *b)
{
    const struct wf_receipt *x = a, *y = b;
    int c = strcmp(x->witness, y->witness);
    if (!c)
        c = strcmp(x->log_party, y->log_party);
    return c ? c : (x->size > y->size) - (x->size < y->size);
}

/* Sealed order: created, party, seq, then id (unsealed objects). */
static int cmp_item(const void *a, const void *b)
{
    const struct wf_item *x = a, *y = b;
    if (x->created_us != y->created_us)
        return x->created_us < y->created_us ? -1 : 1;
    int c = strcmp(x->party, y->party);
    if (c)
        return c;
    if (x->seq != y->seq)
        return x->seq < y->seq ? -1 : 1;
    return strcmp(x->id, y->id);
}

static int cmp_member(const void *a, const void *b)
{
    const struct wf_member *x = a, *y = b;
    int c = strcmp(x->name, y->name);
    return c ? c : strcmp(x->id, y->id);
}

/* The seal time of entry seq of party's log: the first head covering it. */
static int64_t sealed_at(const struct workflow_view *v, const char *party, int64_t seq)
{
    size_t lo = 0, hi = v->n_heads;
    while (lo < hi) { /* first head with (party, size) > (party, seq) */
        size_t mid = lo + (hi - lo) / 2;
        int c = strcmp(v->heads[mid].party, party);
        if (c < 0 || (c == 0 && v->heads[mid].size <= seq))
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < v->n_heads && !strcmp(v->heads[lo].party, party) ? v->heads[lo].created_us : 0;
}

int64_t wf_delivered_us(const struct workflow_view *v, const char *party, int64_t seq,
                        const char *member, int64_t *receipt_seq)
{
    size_t lo = 0, hi = v->n_receipts;
    while (lo < hi) { /* first receipt (member, party, size > seq) */
        size_t mid = lo + (hi - lo) / 2;
        const struct wf_receipt *c = &v->receipts[mid];
        int d = strcmp(c->witness, member);
        if (!d)
            d = strcmp(c->log_party, party);
        if (d < 0 || (d == 0 && c->size <= seq))
            lo = mid + 1;
        else
            hi = mid;
    }
    if (lo >= v->n_receipts || strcmp(v->receipts[lo].witness, member) ||
        strcmp(v->receipts[lo].log_party, party))
        return 0;
    if (receipt_seq)
        *receipt_seq = v->receipts[lo].min_after_seq;
    return v->receipts[lo].min_after_us;
}

static int member_collect(void *ctx, const struct store_party *p)
{
    struct workflow_view *v = ctx;
    struct wf_member *m = realloc(v->members, (v->n_members + 1) * sizeof *m);
    if (!m)
        return -HL_E_NOMEM;
    v->members = m;
    snprintf(m[v->n_members].id, sizeof m->id, "%s", p->id);
    snprintf(m[v->n_members].name, sizeof m->name, "%s", p->name);
    m[v->n_members].retired_us = p->retired_us;
    v->n_members++;
    return 0;
}

size_t wf_member_index(const struct workflow_view *v, const char *party)
{
    for (size_t i = 0; i < v->n_members; i++)
        if (!strcmp(v->members[i].id, party))
            return i;
    return WF_NONE;
}

const struct wf_item *wf_find(const struct workflow_view *v, const char *id)
{
    const json_t *i = id ? json_object_get(v->index, id) : NULL;
    return i ? &v->items[json_integer_value(i)] : NULL;
}

/* ---- judging responses ------------------------------------------------------ */

void wf_flag(struct wf_item *it, const char *fmt, ...)
{
    va_list ap;
    if (it->flag[0])
        return; /* the first reason stands */
    va_start(ap, fmt);
    vsnprintf(it->flag, sizeof it->flag, fmt, ap);
    va_end(ap);
}

/* The first error of a check as a flag. */
static void flag_invalid(struct wf_item *it, const char *what)
{
    struct stix_report r;
    stix_report_init(&r);
    workflow_object_check(it->obj, "", &r);
    for (size_t i = 0; i < r.n; i++) {
        if (r.items[i].severity == STIX_SEV_ERROR) {
            wf_flag(it, "not a valid %s: %s%s%s", what, r.items[i].path,
                    r.items[i].path[0] ? ": " : "", r.items[i].message);
            break;
        }
    }
    if (!stix_report_ok(&r))
        wf_flag(it, "not a valid %s", what);
    stix_report_release(&r);
}

static void judge_response(struct workflow_view *v, struct wf_item *resp)
{
    const char *ref = json_string_value(json_object_get(resp->obj, WORKFLOW_PROP_REQUEST_REF));
    const json_t *ti = ref ? json_object_get(v->index, ref) : NULL;
    flag_invalid(resp, "hotline-response");
    if (!ti) {
        wf_flag(resp, "answers %s, which this channel does not hold", ref ? ref : "nothing");
        return;
    }
    resp->target = (size_t)json_integer_value(ti);
    struct wf_item *t = &v->items[resp->target];
    if (resp->flag[0])
        return;
    if (t->kind != WORKFLOW_KIND_REQUEST && t->kind != WORKFLOW_KIND_NOTIFICATION) {
        wf_flag(resp, "answers a %s, which is neither a request nor a notification", t->type);
        return;
    }
    if (!strcmp(resp->party, t->party)) {
        wf_flag(resp, "a response must come from a party other than the %s",
                t->kind == WORKFLOW_KIND_REQUEST ? "requester" : "notifier");
        return;
    }
    if (t->kind == WORKFLOW_KIND_NOTIFICATION) {
        size_t m = wf_member_index(v, resp->party);
        if (m == WF_NONE) {
            wf_flag(resp, "%s is not a member of the channel", resp->party);
        } else if (t->ack_by[m] != WF_NONE) {
            wf_flag(resp, "%s answered this notification already (%s)", resp->party,
                    v->items[t->ack_by[m]].id);
        } else {
            t->ack_by[m] = (size_t)(resp - v->items);
            t->ack_us[m] = resp->created_us;
        }
        return;
    }
    wf_request_answer(v, t, resp);
}

static int judge(struct workflow_view *v)
{
    for (size_t i = 0; i < v->n; i++) {
        struct wf_item *it = &v->items[i];
        if (it->kind == WORKFLOW_KIND_NOTIFICATION) {
            it->ack_us = calloc(v->n_members ? v->n_members : 1, sizeof *it->ack_us);
            it->ack_by = malloc((v->n_members ? v->n_members : 1) * sizeof *it->ack_by);
            if (!it->ack_us || !it->ack_by)
                return -HL_E_NOMEM;
            for (size_t m = 0; m < v->n_members; m++)
                it->ack_by[m] = WF_NONE;
        } else if (it->kind == WORKFLOW_KIND_REQUEST) {
            if (wf_request_init(v, it))
                return -HL_E_NOMEM;
            flag_invalid(it, "hotline-request");
            (void)stix_time_parse_us(json_string_value(json_object_get(it->obj, WORKFLOW_PROP_DUE)),
                             &it->due_us);
        }
    }
    for (size_t i = 0; i < v->n; i++) /* sealed order: each request's own order */
        if (v->items[i].kind == WORKFLOW_KIND_RESPONSE)
            judge_response(v, &v->items[i]);
    for (size_t i = 0; i < v->n; i++)
        if (v->items[i].kind == WORKFLOW_KIND_REQUEST)
            wf_request_settle(v, &v->items[i]);
    return 0;
}

static int view_index(struct workflow_view *v)
{
    v->index = json_object();
    if (!v->index)
        return -HL_E_NOMEM;
    for (size_t i = 0; i < v->n; i++)
        if (json_object_set_new(v->index, v->items[i].id, json_integer((json_int_t)i)))
            return -HL_E_NOMEM;
    return 0;
}

/* The light view's seal times, looked up in the store: each item's
 * covering head (the first head of its log past its seq), and each
 * member's latest head for as_of. The same times load_heads and
 * sealed_at give, without reading every head of every log. */
static int light_times(struct store *s, struct workflow_view *v, struct hl_error *err)
{
    struct store_tree_head h;
    for (size_t i = 0; i < v->n_members; i++) {
        int r = store_tree_head_latest(s, v->members[i].id, v->channel, &h, err);
        if (r && r != -HL_E_NOT_FOUND)
            return r;
        if (!r && head_created_us(&h) > v->as_of_us)
            v->as_of_us = head_created_us(&h);
    }
    for (size_t i = 0; i < v->n; i++) {
        struct wf_item *it = &v->items[i];
        int r = it->seq >= 0
                    ? store_tree_head_covering(s, it->party, v->channel, it->seq, &h, err)
                    : -HL_E_NOT_FOUND;
        if (r && r != -HL_E_NOT_FOUND && r != -HL_E_INVALID) /* INVALID: not a party's log */
            return r;
        it->sealed_us = r ? it->created_us : head_created_us(&h);
        if (it->sealed_us > v->as_of_us)
            v->as_of_us = it->sealed_us;
    }
    hl_error_clear(err); /* a log without a head yet is no error */
    return 0;
}

/* Seal times (unless light_times gave them), receipts' running minima. */
static void view_times(struct workflow_view *v, bool light)
{
    if (v->n_heads)
        qsort(v->heads, v->n_heads, sizeof *v->heads, cmp_head);
    if (v->n_receipts)
        qsort(v->receipts, v->n_receipts, sizeof *v->receipts, cmp_receipt);
    for (size_t i = v->n_receipts; i-- > 0;) {
        struct wf_receipt *c = &v->receipts[i], *next = i + 1 < v->n_receipts ? c + 1 : NULL;
        c->min_after_us = c->created_us;
        c->min_after_seq = c->seq;
        if (next && !strcmp(next->witness, c->witness) && !strcmp(next->log_party, c->log_party) &&
            next->min_after_us < c->min_after_us) {
            c->min_after_us = next->min_after_us;
            c->min_after_seq = next->min_after_seq;
        }
    }
    for (size_t i = 0; i < v->n && !light; i++) {
        struct wf_item *it = &v->items[i];
        int64_t t = it->seq >= 0 ? sealed_at(v, it->party, it->seq) : 0;
        it->sealed_us = t ? t : it->created_us;
        if (it->sealed_us > v->as_of_us)
            v->as_of_us = it->sealed_us;
    }
    if (v->n)
        qsort(v->items, v->n, sizeof *v->items, cmp_item);
    if (v->n_members)
        qsort(v->members, v->n_members, sizeof *v->members, cmp_member);
}

int wf_view_load(struct store *s, const char *channel, bool light, struct workflow_view **out,
                 struct hl_error *err)
{
    struct store_channel ch;
    *out = NULL;
    int r = store_channel_get(s, channel, &ch, err);
    if (r)
        return r;
    struct workflow_view *v = calloc(1, sizeof *v);
    if (!v)
        return hl_fail(err, HL_E_NOMEM, NULL, "out of memory");
    snprintf(v->channel, sizeof v->channel, "%s", channel);
    r = store_channel_policy_get(s, channel, &v->ack_within_s, err);
    if (r == -HL_E_NOT_FOUND) {
        v->ack_within_s = WORKFLOW_ACK_WITHIN_DEFAULT_S;
        r = 0;
    }
    if (!r)
        r = store_channel_member_list(s, channel, member_collect, v, err);
    if (!r && !light)
        r = load_heads(s, v, err);
    struct load l = {v, err, 0};
    /* light: reports, requests and responses only (the store's index of
     * them), and no receipts: what the deadline check and /metrics need,
     * at a cost that does not grow with the channel's other objects. */
    struct store_query q = {.channel = channel,
                            .version = STORE_VERSION_LAST,
                            .limit = WF_LOAD_PAGE,
                            .workflow = light};
    struct store_page page = {.more = true};
    while (!r && page.more) {
        r = store_object_list(s, &q, load_one, &l, &page, err);
        q.after = page.next;
    }
    if (r && l.fail)
        r = hl_fail(err, -l.fail, channel, "reading channel %s: %s", channel, hl_strerror(-l.fail));
    if (!r && light)
        r = light_times(s, v, err);
    if (!r) {
        view_times(v, light);
        r = view_index(v);
        if (!r)
            r = judge(v);
        if (r)
            r = hl_fail(err, -r, channel, "out of memory");
    }
    if (r) {
        workflow_view_free(v);
        return r;
    }
    *out = v;
    return 0;
}

int workflow_view_load(struct store *s, const char *channel, struct workflow_view **out,
                       struct hl_error *err)
{
    return wf_view_load(s, channel, false, out, err);
}

void workflow_view_free(struct workflow_view *v)
{
    if (!v)
        return;
    for (size_t i = 0; i < v->n; i++) {
        json_decref(v->items[i].obj);
        free(v->items[i].ack_us);
        free(v->items[i].ack_by);
        wf_request_release(&v->items[i]);
    }
    free(v->items);
    json_decref(v->index);
    free(v->members);
    free(v->heads);
    free(v->receipts);
    free(v);
}

bool workflow_view_has(const struct workflow_view *v, const char *id)
{
    return wf_find(v, id) != NULL;
}

int64_t workflow_view_as_of(const struct workflow_view *v)
{
    return v->as_of_us;
}

bool workflow_view_request_state(const struct workflow_view *v, const char *id,
                                 enum workflow_state *state, const char **requester)
{
    const struct wf_item *it = wf_find(v, id);
    if (!it || it->kind != WORKFLOW_KIND_REQUEST)
        return false;
    *state = it->state;
    if (requester)
        *requester = it->party;
    return true;
}

int workflow_view_may_respond(const struct workflow_view *v, const char *id, const char *party,
                              const char *status, struct hl_error *err)
{
    const struct wf_item *it = wf_find(v, id);
    enum workflow_state to;
    if (!it)
        return hl_fail(err, HL_E_NOT_FOUND, id, "channel %s holds no %s", v->channel, id);
    if (it->kind != WORKFLOW_KIND_REQUEST && it->kind != WORKFLOW_KIND_NOTIFICATION)
        return hl_fail(err, HL_E_CONFLICT, id,
                       "%s is a %s: only a request or a notification is answered", id, it->type);
    if (!strcmp(it->party, party))
        return hl_fail(err, HL_E_CONFLICT, id,
                       "%s was published by this party: a response must come from another "
                       "party",
                       id);
    if (!workflow_state_from_status(status, &to))
        return hl_fail(err, HL_E_INVALID, status, "'%s' is not a response status", status);
    if (it->kind == WORKFLOW_KIND_NOTIFICATION) {
        size_t m = wf_member_index(v, party);
        if (m != WF_NONE && it->ack_by[m] != WF_NONE) {
            char when[32];
            stix_time_format_us_ms(it->ack_us[m], when);
            return hl_fail(err, HL_E_CONFLICT, id,
                           "this party answered notification %s already at %s (%s)", id, when,
                           v->items[it->ack_by[m]].id);
        }
        return 0;
    }
    return wf_request_may_respond(v, it, party, to, status, err);
}

/* ---- overdue ---------------------------------------------------------------------- */

bool wf_item_overdue(const struct workflow_view *v, const struct wf_item *it, int64_t now_us)
{
    if (it->kind == WORKFLOW_KIND_REQUEST ? !it->due_us || now_us <= it->due_us
        : it->kind == WORKFLOW_KIND_NOTIFICATION
            ? now_us <= it->sealed_us + v->ack_within_s * 1000000
            : true)
        return false;
    for (size_t m = 0; m < v->n_members; m++)
        if (wf_item_owed(v, it, v->members[m].id))
            return true;
    return false;
}

/* ---- list ----------------------------------------------------------------------- */

/* The party's name among the members, else the id. */
static const char *party_name(const struct workflow_view *v, const char *party)
{
    size_t m = wf_member_index(v, party);
    return m == WF_NONE ? party : v->members[m].name;
}

/* A short line saying what the object is. */
static void summary(const struct wf_item *it, char out[WF_SUMMARY_MAX + 8])
{
    static const char *const keys[] = {"name",        "abstract", "description",
                                       "explanation", "content",  NULL};
    const json_t *o = it->obj;
    const char *text = NULL;
    char head[64] = "";
    const char *word = it->kind == WORKFLOW_KIND_REQUEST    ? WORKFLOW_PROP_REQUEST_KIND
                       : it->kind == WORKFLOW_KIND_RESPONSE ? WORKFLOW_PROP_STATUS
                       : it->kind == WORKFLOW_KIND_OPINION  ? "opinion"
                                                            : NULL;
    if (word) {
        const char *w = json_string_value(json_object_get(o, word));
        snprintf(head, sizeof head, "%s: ", w ? w : "?");
    }
    for (const char *const *k = keys; *k && !text; k++)
        text = json_string_value(json_object_get(o, *k));
    if (!text && it->kind == WORKFLOW_KIND_TRANSLATION)
        text = json_string_value(json_object_get(o, "object_ref"));
    if (!text && it->kind == WORKFLOW_KIND_SIGHTING)
        text = json_string_value(json_object_get(o, "sighting_of_ref"));
    if (!text)
        text = "";
    if (!*text && head[0])
        head[strlen(head) - 2] = '\0'; /* "acknowledged", not "acknowledged: " */
    /* Cut at a character boundary (UTF-8) and at the first line end. */
    size_t len = strlen(head), n = 0, max = WF_SUMMARY_MAX;
    memcpy(out, head, len);
    while (text[n] && text[n] != '\n' && len + n < max)
        n++;
    while (n && text[n] && ((unsigned char)text[n] & 0xC0) == 0x80)
        n--;
    memcpy(out + len, text, n);
    out[len + n] = '\0';
    if (text[n] && text[n] != '\n')
        memcpy(out + len + n, "...", 4);
}

/* The item's status in the list: a request's state, a response's status,
 * a notification's "acknowledged" (by every other member) or "open". */
static const char *item_status(const struct workflow_view *v, const struct wf_item *it)
{
    switch (it->kind) {
    case WORKFLOW_KIND_REQUEST:
        return workflow_state_name(it->state);
    case WORKFLOW_KIND_RESPONSE:
        return json_string_value(json_object_get(it->obj, WORKFLOW_PROP_STATUS));
    case WORKFLOW_KIND_NOTIFICATION:
        for (size_t m = 0; m < v->n_members; m++)
            if (strcmp(v->members[m].id, it->party) && it->ack_by[m] == WF_NONE)
                return "open";
        return "acknowledged";
    default:
        return NULL;
    }
}

static int set(json_t *o, const char *k, json_t *v)
{
    return json_object_set_new(o, k, v);
}

static int set_str(json_t *o, const char *k, const char *s)
{
    return s ? json_object_set_new(o, k, json_string(s)) : 0;
}

static int set_time(json_t *o, const char *k, int64_t us)
{
    char t[32];
    stix_time_format_us_ms(us, t);
    return json_object_set_new(o, k, json_string(t));
}

static int copy_prop(json_t *out, const json_t *obj, const char *from, const char *to)
{
    json_t *v = json_object_get(obj, from);
    return v ? json_object_set(out, to, v) : 0;
}

static json_t *item_json(const struct workflow_view *v, const struct wf_item *it, int64_t now_us)
{
    char sum[WF_SUMMARY_MAX + 8];
    json_t *j = json_object();
    if (!j)
        return NULL;
    summary(it, sum);
    int r = set_str(j, "id", it->id) | set_str(j, "kind", workflow_kind_name(it->kind)) |
            set_str(j, "type", it->type) | set_str(j, "channel", v->channel) |
            set_str(j, "from", it->party) | set_str(j, "from_name", party_name(v, it->party)) |
            set_time(j, "created", it->created_us) | set_time(j, "sealed", it->sealed_us) |
            set(j, "seq", json_integer(it->seq)) | set_str(j, "summary", sum);
    const char *st = item_status(v, it);
    if (st)
        r |= set_str(j, "status", st);
    if (it->kind == WORKFLOW_KIND_REQUEST || it->kind == WORKFLOW_KIND_NOTIFICATION)
        r |= set(j, "overdue", json_boolean(wf_item_overdue(v, it, now_us)));
    if (it->kind == WORKFLOW_KIND_REQUEST) {
        r |= copy_prop(j, it->obj, WORKFLOW_PROP_REQUEST_KIND, "request_kind") |
             copy_prop(j, it->obj, WORKFLOW_PROP_PRIORITY, "priority") |
             copy_prop(j, it->obj, WORKFLOW_PROP_DUE, "due") |
             copy_prop(j, it->obj, WORKFLOW_PROP_OBJECT_REFS, "about") |
             set(j, "states", wf_item_states(v, it, false));
    } else if (it->kind == WORKFLOW_KIND_NOTIFICATION) {
        char due[32];
        stix_time_format_us_ms(it->sealed_us + v->ack_within_s * 1000000, due);
        r |= set_str(j, "ack_due", due) | set(j, "states", wf_item_states(v, it, false));
    } else if (it->kind == WORKFLOW_KIND_RESPONSE) {
        r |= copy_prop(j, it->obj, WORKFLOW_PROP_REQUEST_REF, "answers");
    } else if (it->kind == WORKFLOW_KIND_OPINION || it->kind == WORKFLOW_KIND_NOTE ||
               it->kind == WORKFLOW_KIND_DOSSIER) {
        r |= copy_prop(j, it->obj, "object_refs", "about");
    } else if (it->kind == WORKFLOW_KIND_TRANSLATION) {
        r |= copy_prop(j, it->obj, "object_ref", "about");
        const json_t *c = json_object_get(it->obj, "contents");
        json_t *langs = json_array();
        const char *lang;
        json_t *val;
        json_object_foreach((json_t *)c, lang, val)
        {
            (void)val;
            r |= json_array_append_new(langs, json_string(lang));
        }
        r |= set(j, "langs", langs);
    } else if (it->kind == WORKFLOW_KIND_SIGHTING) {
        r |= copy_prop(j, it->obj, "sighting_of_ref", "about");
    }
    if (it->flag[0])
        r |= set_str(j, "flag", it->flag);
    if (r) {
        json_decref(j);
        return NULL;
    }
    return j;
}

static bool listed(const struct workflow_view *v, const struct wf_item *it,
                   const struct workflow_filter *f)
{
    if (f->has_kind ? it->kind != f->kind
                    : (it->kind == WORKFLOW_KIND_OTHER || it->kind == WORKFLOW_KIND_LEDGER))
        return false;
    if (f->from && strcmp(f->from, it->party))
        return false;
    if (f->since_us && it->sealed_us < f->since_us)
        return false;
    if (f->status) {
        const char *st = item_status(v, it);
        if (!st || strcmp(st, f->status))
            return false;
    }
    if (f->owed_by && !wf_item_owed(v, it, f->owed_by))
        return false;
    return !f->overdue || wf_item_overdue(v, it, f->now_us);
}

json_t *workflow_list(const struct workflow_view *v, const struct workflow_filter *f)
{
    json_t *a = json_array();
    for (size_t i = 0; a && i < v->n; i++) {
        if (!listed(v, &v->items[i], f))
            continue;
        json_t *j = item_json(v, &v->items[i], f->now_us);
        if (!j || json_array_append_new(a, j)) {
            json_decref(a);
            return NULL;
        }
    }
    return a;
}

/* ---- show ------------------------------------------------------------------------ */

/* Whether o refers to one of ids (object_refs, object_ref, request_ref,
 * sighting_of_ref). */
static bool refers_to(const json_t *o, const json_t *ids)
{
    static const char *const one[] = {"object_ref", WORKFLOW_PROP_REQUEST_REF, "sighting_of_ref",
                                      NULL};
    for (const char *const *k = one; *k; k++) {
        const char *s = json_string_value(json_object_get(o, *k));
        if (s && json_object_get(ids, s))
            return true;
    }
    size_t i;
    const json_t *r;
    json_array_foreach(json_object_get(o, "object_refs"), i, r)
    {
        const char *s = json_string_value(r);
        if (s && json_object_get(ids, s))
            return true;
    }
    return false;
}

/* Each (lang, field) of a language-content beside the original's text. */
static int translations_of(const struct workflow_view *v, const struct wf_item *tr, json_t *out)
{
    const char *of = json_string_value(json_object_get(tr->obj, "object_ref"));
    const struct wf_item *orig = wf_find(v, of);
    const char *olang = orig ? json_string_value(json_object_get(orig->obj, "lang")) : NULL;
    const char *lang, *field;
    json_t *fields, *text;
    int r = 0;
    json_object_foreach(json_object_get(tr->obj, "contents"), lang, fields)
    {
        json_object_foreach(fields, field, text)
        {
            const json_t *o = orig ? json_object_get(orig->obj, field) : NULL;
            json_t *e = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:O, s:O?}", "id", tr->id, "from",
                                  tr->party, "from_name", party_name(v, tr->party), "object",
                                  of ? of : "", "lang", lang, "field", field, "translation", text,
                                  "original", (json_t *)o);
            if (e && olang)
                r |= set_str(e, "original_lang", olang);
            if (!e || json_array_append_new(out, e))
                return -HL_E_NOMEM;
        }
    }
    return r ? -HL_E_NOMEM : 0;
}

static int show_delivery(const struct workflow_view *v, const struct wf_item *it, json_t *show)
{
    json_t *del = json_array(), *acks = json_array();
    int r = !del || !acks;
    for (size_t m = 0; !r && m < v->n_members; m++) {
        const struct wf_member *mb = &v->members[m];
        if (!strcmp(mb->id, it->party))
            continue;
        int64_t rseq = -1,
                at = it->seq >= 0 ? wf_delivered_us(v, it->party, it->seq, mb->id, &rseq) : 0;
        json_t *d =
            json_pack("{s:s, s:s, s:b}", "member", mb->id, "name", mb->name, "delivered", at != 0);
        if (d && at)
            r |= set_time(d, "at", at) | set(d, "receipt_seq", json_integer(rseq)) |
                 set(d, "after_ms", json_integer((at - it->sealed_us) / 1000));
        r |= !d || json_array_append_new(del, d);
        if (it->kind != WORKFLOW_KIND_NOTIFICATION)
            continue;
        json_t *a = json_pack("{s:s, s:s, s:b}", "member", mb->id, "name", mb->name, "acknowledged",
                              it->ack_by[m] != WF_NONE);
        if (a && it->ack_by[m] != WF_NONE)
            r |= set_time(a, "at", it->ack_us[m]) |
                 set_str(a, "response", v->items[it->ack_by[m]].id) |
                 set(a, "after_ms", json_integer((it->ack_us[m] - it->sealed_us) / 1000));
        r |= !a || json_array_append_new(acks, a);
    }
    r |= set(show, "delivery", del);
    if (it->kind == WORKFLOW_KIND_NOTIFICATION)
        r |= set(show, "acknowledgments", acks);
    else
        json_decref(acks);
    return r ? -HL_E_NOMEM : 0;
}

/* The ids the thread gathers around: id, and for a report what it groups. */
static json_t *thread_ids(const struct wf_item *it)
{
    json_t *ids = json_object();
    size_t i;
    const json_t *r;
    if (!ids || json_object_set_new(ids, it->id, json_true()))
        return NULL;
    if (!strcmp(it->type, "report"))
        json_array_foreach(
            json_object_get(it->obj, "object_refs"), i,
            r) if (json_is_string(r) &&
                   json_object_set_new(ids, json_string_value(r), json_true())) return NULL;
    return ids;
}

json_t *workflow_show(const struct workflow_view *v, const char *id, int64_t now_us,
                      struct hl_error *err)
{
    const struct wf_item *it = wf_find(v, id);
    if (!it) {
        hl_fail(err, HL_E_NOT_FOUND, id, "channel %s holds no %s", v->channel, id);
        return NULL;
    }
    static const char *const groups[WORKFLOW_N_KINDS] = {[WORKFLOW_KIND_REQUEST] = "requests",
                                                         [WORKFLOW_KIND_RESPONSE] = "responses",
                                                         [WORKFLOW_KIND_OPINION] = "opinions",
                                                         [WORKFLOW_KIND_NOTE] = "notes",
                                                         [WORKFLOW_KIND_SIGHTING] = "sightings"};
    json_t *ids = thread_ids(it), *show = json_object(), *contains = json_array(),
           *trans = json_array();
    int r = !ids || !show || !contains || !trans;
    r = r || set(show, "item", item_json(v, it, now_us)) ||
        json_object_set(show, "object", it->obj);
    for (unsigned k = 0; !r && k < WORKFLOW_N_KINDS; k++)
        if (groups[k])
            r = set(show, groups[k], json_array());
    for (size_t i = 0; !r && i < v->n; i++) {
        const struct wf_item *o = &v->items[i];
        if (o == it)
            continue;
        if (json_object_get(ids, o->id))
            r = json_array_append_new(contains, item_json(v, o, now_us));
        if (r || !refers_to(o->obj, ids))
            continue;
        if (o->kind == WORKFLOW_KIND_TRANSLATION)
            r = translations_of(v, o, trans);
        else if (groups[o->kind])
            r = json_array_append_new(json_object_get(show, groups[o->kind]),
                                      item_json(v, o, now_us));
    }
    if (!r && !strcmp(it->type, "language-content"))
        r = translations_of(v, it, trans);
    if (!r) {
        r = set(show, "contains", contains);
        contains = NULL;
    }
    if (!r) {
        r = set(show, "translations", trans);
        trans = NULL;
    }
    if (!r)
        r = show_delivery(v, it, show);
    if (!r && it->kind == WORKFLOW_KIND_REQUEST) {
        char allowed[160];
        workflow_allowed_next(it->state, allowed, sizeof allowed);
        r = set_str(show, "state", workflow_state_name(it->state)) ||
            set(show, "states", wf_item_states(v, it, true));
        /* several addressees answer for themselves: each one's in states */
        if (!r && wf_request_addressees(v, it) <= 1)
            r = set_str(show, "allowed_next", allowed);
    }
    json_decref(ids);
    json_decref(contains);
    json_decref(trans);
    if (r) {
        json_decref(show);
        hl_fail(err, HL_E_NOMEM, NULL, "out of memory");
        return NULL;
    }
    return show;
}
