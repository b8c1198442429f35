/*
 * deadline.c — what is overdue (workflow.h, "deadlines and escalation"),
 * escalation once per (item, kind, member) through the store's
 * escalations table, and the durations the channel policy is written in.
 *
 * The check is a pure function of the replica and the clock it is given:
 * `hotline serve` gives it the real clock every deadline_interval_s,
 * `hotline deadlines --now TIME` any time (the tests' clock). What makes
 * an escalation happen once is the table's unique key, not the clock: a
 * check at an earlier time after a later one escalates nothing new that
 * the later one escalated.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "stix/stix.h"
#include "workflow_int.h"

bool workflow_duration_parse(const char *s, int64_t max_s, int64_t *out_s)
{
    static const struct {
        char unit;
        int64_t s;
    } units[] = {{'s', 1}, {'m', 60}, {'h', 3600}, {'d', 86400}};
    size_t n = s ? strlen(s) : 0;
    char digits[24];
    long long v;
    if (n < 2 || n - 1 >= sizeof digits)
        return false;
    memcpy(digits, s, n - 1);
    digits[n - 1] = '\0';
    if (!hl_parse_int(digits, 1, max_s, &v))
        return false;
    for (size_t i = 0; i < sizeof units / sizeof units[0]; i++) {
        if (s[n - 1] != units[i].unit)
            continue;
        if (v > max_s / units[i].s)
            return false;
        *out_s = v * units[i].s;
        return true;
    }
    return false;
}

int workflow_view_overdue(const struct workflow_view *v, int64_t now_us, workflow_overdue_fn fn,
                          void *ctx)
{
    for (size_t i = 0; i < v->n; i++) {
        const struct wf_item *it = &v->items[i];
        struct workflow_overdue o = {.channel = v->channel, .item_id = it->id};
        if (!wf_item_overdue(v, it, now_us))
            continue;
        bool request = it->kind == WORKFLOW_KIND_REQUEST;
        o.kind = request ? STORE_ESCALATION_DUE : STORE_ESCALATION_ACK;
        o.deadline_us = request ? it->due_us : it->sealed_us + v->ack_within_s * 1000000;
        /* A request asked of one member escalates as a whole (member "",
         * as before requests were answered member by member). */
        if (request && wf_request_addressees(v, it) <= 1) {
            o.member = o.member_name = "";
            int r = fn(ctx, &o);
            if (r)
                return r;
            continue;
        }
        for (size_t m = 0; m < v->n_members; m++) {
            if (!wf_item_owed(v, it, v->members[m].id))
                continue;
            o.member = v->members[m].id;
            o.member_name = v->members[m].name;
            int r = fn(ctx, &o);
            if (r)
                return r;
        }
    }
    return 0;
}

/* Every channel's name, for the loops below. */
static int channel_collect(void *ctx, const struct store_channel *c)
{
    return json_array_append_new(ctx, json_string(c->name)) ? -HL_E_NOMEM : 0;
}

static int channels(struct store *s, json_t **out, struct hl_error *err)
{
    *out = json_array();
    if (!*out)
        return hl_fail(err, HL_E_NOMEM, NULL, "out of memory");
    int r = store_channel_list(s, channel_collect, *out, err);
    if (r == -HL_E_NOMEM)
        r = hl_fail(err, HL_E_NOMEM, NULL, "out of memory");
    if (r) {
        json_decref(*out);
        *out = NULL;
    }
    return r;
}

int wf_overdue_count(void *ctx, const struct workflow_overdue *o)
{
    struct wf_overdue_count *c = ctx;
    if (!strcmp(o->kind, STORE_ESCALATION_DUE))
        c->due++;
    else
        c->ack++;
    return 0;
}

int workflow_count_overdue(struct store *s, int64_t now_us, int64_t *n_ack, int64_t *n_due,
                           struct hl_error *err)
{
    struct wf_overdue_count c = {0, 0};
    json_t *names = NULL;
    size_t i;
    json_t *name;
    int r = channels(s, &names, err);
    json_array_foreach(names, i, name)
    {
        struct workflow_view *v = NULL;
        if (!r)
            r = wf_view_load(s, json_string_value(name), true, &v, err);
        if (!r)
            r = workflow_view_overdue(v, now_us, wf_overdue_count, &c);
        workflow_view_free(v);
    }
    json_decref(names);
    *n_ack = c.ack;
    *n_due = c.due;
    return r;
}

/* The escalations recorded already, as "item kind member" keys. */
static int known_key(char *out, size_t max, const char *item, const char *kind, const char *member)
{
    int n = snprintf(out, max, "%s %s %s", item, kind, member);
    return n < 0 || (size_t)n >= max ? -HL_E_TOO_LARGE : 0;
}

static int known_add(void *ctx, const struct store_escalation *e)
{
    json_t *keys = ctx;
    char key[3 * (STORE_TEXT_MAX + 1)];
    int r = known_key(key, sizeof key, e->item_id, e->kind, e->member);
    return r ? r : json_object_set_new(keys, key, json_true()) ? -HL_E_NOMEM : 0;
}

/* Whether o was escalated already: its own key, or for one member of a
 * request the whole request's (member "": a node that escalated it before
 * requests were answered member by member does not page again). */
static int known_has(const json_t *keys, const struct workflow_overdue *o, bool *has)
{
    char key[3 * (STORE_TEXT_MAX + 1)];
    int r = known_key(key, sizeof key, o->item_id, o->kind, o->member);
    *has = !r && json_object_get(keys, key);
    if (!r && !*has && o->member[0] && !strcmp(o->kind, STORE_ESCALATION_DUE)) {
        r = known_key(key, sizeof key, o->item_id, o->kind, "");
        *has = !r && json_object_get(keys, key);
    }
    return r;
}

/* What one channel's check found new, kept past the view's lifetime
 * only as long as the transaction commits; n_new counts it first,
 * without writing. */
struct check {
    struct store *s;
    int64_t now_us;
    const json_t *known;
    size_t n_new;
    json_t *added; /* [[item, kind, member, member_name, deadline_us], ...] */
    struct hl_error *err;
};

static int count_new(void *ctx, const struct workflow_overdue *o)
{
    struct check *c = ctx;
    bool has = false;
    int r = known_has(c->known, o, &has);
    c->n_new += !r && !has;
    return r;
}

static int check_one(void *ctx, const struct workflow_overdue *o)
{
    struct check *c = ctx;
    bool added = false, has = false;
    struct store_escalation e = {.item_id = o->item_id,
                                 .kind = o->kind,
                                 .member = o->member,
                                 .channel = o->channel,
                                 .at_us = c->now_us,
                                 .hook = STORE_HOOK_NONE};
    int r = known_has(c->known, o, &has);
    if (r || has)
        return r;
    r = store_escalation_add(c->s, &e, &added, c->err);
    if (r || !added)
        return r;
    json_t *row = json_pack("[s, s, s, s, I]", o->item_id, o->kind, o->member, o->member_name,
                            (json_int_t)o->deadline_us);
    if (!row || json_array_append_new(c->added, row))
        return hl_fail(c->err, HL_E_NOMEM, NULL, "out of memory");
    return 0;
}

/* Records what is newly overdue in channel, in one transaction. */
static int check_channel(struct store *s, const char *channel, int64_t now_us, json_t *added,
                         struct hl_error *err)
{
    struct workflow_view *v = NULL;
    json_t *known = json_object();
    struct check c = {s, now_us, known, 0, added, err};
    int r = known ? wf_view_load(s, channel, true, &v, err)
                  : hl_fail(err, HL_E_NOMEM, NULL, "out of memory");
    /* Most checks find nothing new: no write transaction for them. */
    if (!r)
        r = store_escalation_list(s, channel, known_add, known, err);
    if (!r)
        r = workflow_view_overdue(v, now_us, count_new, &c);
    if (r == -HL_E_NOMEM)
        r = hl_fail(err, HL_E_NOMEM, NULL, "out of memory");
    if (!r && c.n_new)
        r = store_begin(s, err);
    if (!r && c.n_new) {
        r = workflow_view_overdue(v, now_us, check_one, &c);
        if (!r)
            r = store_commit(s, err);
        if (r) {
            struct hl_error ignored;
            if (store_rollback(s, &ignored) != 0)
                hl_error_clear(&ignored); /* the failure reported is the first */
            json_array_clear(added);
        }
    }
    json_decref(known);
    workflow_view_free(v);
    return r;
}

int workflow_check(struct store *s, int64_t now_us, workflow_overdue_fn fn, void *ctx,
                   size_t *n_new, struct hl_error *err)
{
    json_t *names = NULL, *added = json_array();
    size_t i, j, total = 0;
    json_t *name, *row;
    int r = added ? channels(s, &names, err) : hl_fail(err, HL_E_NOMEM, NULL, "out of memory");
    json_array_foreach(names, i, name)
    {
        const char *ch = json_string_value(name);
        if (r)
            break;
        json_array_clear(added);
        r = check_channel(s, ch, now_us, added, err);
        json_array_foreach(added, j, row)
        {
            struct workflow_overdue o = {
                .channel = ch,
                .item_id = json_string_value(json_array_get(row, 0)),
                .kind = json_string_value(json_array_get(row, 1)),
                .member = json_string_value(json_array_get(row, 2)),
                .member_name = json_string_value(json_array_get(row, 3)),
                .deadline_us = json_integer_value(json_array_get(row, 4)),
            };
            total++;
            if (fn && !r)
                r = fn(ctx, &o);
        }
    }
    json_decref(names);
    json_decref(added);
    if (n_new)
        *n_new = total;
    return r;
}

/* ---- escalating ---------------------------------------------------------------- */

struct escalate {
    struct store *s;
    const struct workflow_escalate_options *o;
    struct hl_error *err;
};

static void esc_log(const struct workflow_escalate_options *o, const char *fmt, ...)
    HL_PRINTF(2, 3);
static void esc_log(const struct workflow_escalate_options *o, const char *fmt, ...)
{
    char line[1024];
    va_list ap;
    if (!o->log)
        return;
    va_start(ap, fmt);
    vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    o->log(o->ctx, line);
}

static int escalate_one(void *ctx, const struct workflow_overdue *ov)
{
    struct escalate *e = ctx;
    const struct workflow_escalate_options *o = e->o;
    struct workflow_overdue out = *ov;
    struct hl_error herr;
    char since[32];
    stix_time_format_us_ms(ov->deadline_us, since);
    out.hook = STORE_HOOK_NONE;
    out.hook_error = "";
    if (ov->member[0])
        esc_log(o, "escalation: %s %s in %s: %s (%s) has not %s; due %s", ov->kind, ov->item_id,
                ov->channel, ov->member_name, ov->member,
                strcmp(ov->kind, STORE_ESCALATION_DUE) ? "answered" : "completed or declined it",
                since);
    else
        esc_log(o, "escalation: %s %s in %s: not completed or declined; due %s", ov->kind,
                ov->item_id, ov->channel, since);
    if (o->hook && o->hook[0]) {
        hl_error_clear(&herr);
        const struct workflow_hook_io io = {o->hook_fd, o->log, o->ctx};
        out.hook = workflow_hook_run(
            o->hook, ov, &io, o->hook_timeout_ms ? o->hook_timeout_ms : WORKFLOW_HOOK_TIMEOUT_MS,
            &herr);
        if (out.hook == STORE_HOOK_FAILED) {
            out.hook_error = herr.msg;
            esc_log(o, "escalation hook failed for %s %s: %s", ov->kind, ov->item_id, herr.msg);
        }
        int r =
            store_escalation_hook_set(e->s, ov->item_id, ov->kind, ov->member, out.hook, e->err);
        if (r)
            return r;
    }
    return o->each ? o->each(o->ctx, &out) : 0;
}

int workflow_escalate(struct store *s, int64_t now_us, const struct workflow_escalate_options *o,
                      size_t *n_new, struct hl_error *err)
{
    struct escalate e = {s, o, err};
    return workflow_check(s, now_us, escalate_one, &e, n_new, err);
}
