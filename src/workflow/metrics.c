/*
 * metrics.c — the node's workflow and ledger counters as Prometheus text
 * (exposition format 0.0.4), for GET /api/hotline/metrics. Everything is
 * read from the store at the time of the request: nothing is kept in
 * memory between scrapes, so every process of a node answers the same,
 * and a restart loses nothing. Overdue items are judged at the request's
 * clock, as the deadline check judges them.
 *
 *   hotline_objects{channel}                 object versions held (gauge)
 *   hotline_receipts{channel}                receipts held (gauge)
 *   hotline_overdue_items{channel,kind}      items overdue now (gauge)
 *   hotline_peer_unconfirmed_entries{channel,peer}
 *                                            our entries it has not confirmed (gauge)
 *   hotline_peer_failures{channel,peer}      consecutive failed exchanges (gauge)
 *   hotline_peer_last_contact_timestamp_seconds{channel,peer}
 *                                            last successful exchange (gauge)
 *   hotline_peer_clock_skew_seconds{channel,peer}
 *                                            its clock ahead of ours, at least (gauge)
 *   hotline_escalations_total{kind}          escalations made (counter)
 *   hotline_escalation_hook_failures_total   hooks that failed (counter)
 *   hotline_alarms_total                     equivocation alarms (counter)
 */
#include <string.h>

#include <sodium.h>

#include "workflow_int.h"

struct esc_count {
    int64_t ack, due, failed;
};

static int esc_one(void *ctx, const struct store_escalation *e)
{
    struct esc_count *c = ctx;
    if (!strcmp(e->kind, STORE_ESCALATION_ACK))
        c->ack++;
    else
        c->due++;
    c->failed += e->hook == STORE_HOOK_FAILED;
    return 0;
}

static int alarm_one(void *ctx, const struct store_alarm *a)
{
    (void)a;
    (*(int64_t *)ctx)++;
    return 0;
}

/* The families of one scrape, in the order they are printed. The text
 * format wants every sample of a family together, after its HELP and
 * TYPE: the channels are walked once, each family's samples gathered in
 * a buffer of its own. */
enum metric_family {
    MF_OBJECTS,
    MF_RECEIPTS,
    MF_OVERDUE,
    MF_PEER_UNCONFIRMED,
    MF_PEER_FAILURES,
    MF_PEER_CONTACT,
    MF_PEER_SKEW,
    MF__COUNT
};

static const char *const mf_head[MF__COUNT] = {
    "# HELP hotline_objects Object versions held, per channel.\n"
    "# TYPE hotline_objects gauge\n",
    "# HELP hotline_receipts Receipts (cosignatures) held, per channel.\n"
    "# TYPE hotline_receipts gauge\n",
    "# HELP hotline_overdue_items Notifications not acknowledged in time and requests past "
    "due, now (per member, as escalated).\n"
    "# TYPE hotline_overdue_items gauge\n",
    "# HELP hotline_peer_unconfirmed_entries Entries of this node's log a member has not "
    "confirmed holding.\n"
    "# TYPE hotline_peer_unconfirmed_entries gauge\n",
    "# HELP hotline_peer_failures Consecutive failed exchanges with a member (0: reachable).\n"
    "# TYPE hotline_peer_failures gauge\n",
    "# HELP hotline_peer_last_contact_timestamp_seconds Last successful exchange with a "
    "member, Unix time (0: never).\n"
    "# TYPE hotline_peer_last_contact_timestamp_seconds gauge\n",
    "# HELP hotline_peer_clock_skew_seconds How far a member's clock is ahead of this node's "
    "(negative: behind), at least, as the Date of its answers shows (0: within a second).\n"
    "# TYPE hotline_peer_clock_skew_seconds gauge\n",
};

struct metrics {
    struct store *s;
    int64_t now_us;
    struct hl_error *err;
    const char *self;    /* this node's party id */
    const char *channel; /* the one being counted */
    int64_t objects, receipts, ours;
    struct buf fam[MF__COUNT];
};

/* A label value: \\, \" and \n escaped (Prometheus). */
static int label(struct buf *out, const char *v)
{
    int r = 0;
    for (; *v && !r; v++)
        r = *v == '\\' || *v == '"' ? buf_addc(out, '\\') || buf_addc(out, *v)
            : *v == '\n'            ? buf_adds(out, "\\n")
                                    : buf_addc(out, *v);
    return r;
}

/* One sample: NAME{channel="C"[,KEY="VALUE"]} V. */
/* One sample of family f: name{channel="...",key="value"} v, or with
 * milli v / 1000 with three decimals. */
static int sample_v(struct metrics *m, enum metric_family f, const char *name, const char *key,
                    const char *value, int64_t v, bool milli)
{
    struct buf *out = &m->fam[f];
    uint64_t a = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;
    int r = buf_addf(out, "%s{channel=\"", name) || label(out, m->channel);
    if (!r && key)
        r = buf_addf(out, "\",%s=\"", key) || label(out, value);
    if (!r && milli)
        r = buf_addf(out, "\"} %s%llu.%03llu\n", v < 0 ? "-" : "", (unsigned long long)(a / 1000),
                     (unsigned long long)(a % 1000));
    else if (!r)
        r = buf_addf(out, "\"} %lld\n", (long long)v);
    return r ? hl_fail(m->err, HL_E_TOO_LARGE, NULL, "metrics: too large") : 0;
}

static int sample(struct metrics *m, enum metric_family f, const char *name, const char *key,
                  const char *value, int64_t v)
{
    return sample_v(m, f, name, key, value, v, false);
}

static int receipt_one(void *ctx, const struct store_receipt *r)
{
    (void)r;
    (*(int64_t *)ctx)++;
    return 0;
}

/* Where a member stands with this node's log: what it has not confirmed
 * (its receipt or, if more, what it acknowledged to the replication), its
 * failures, its last contact. Labelled by its peer name. */
static int member_peer(struct metrics *m, const struct store_party *p)
{
    struct store_peer peer;
    struct store_receipt rc;
    struct store_repl_state st;
    struct hl_error ignored;
    int r = store_peer_get(m->s, p->id, &peer, m->err);
    sodium_memzero(peer.token, sizeof peer.token);
    if (r == -HL_E_NOT_FOUND) {
        hl_error_clear(m->err);
        return 0; /* a party known from an import, not replicated with */
    }
    int64_t held =
        store_receipt_latest(m->s, m->self, m->channel, p->id, &rc, &ignored) ? 0 : rc.size;
    if (!r && !p->retired_us)
        r = store_repl_state_get(m->s, p->id, m->channel, &st, m->err);
    if (r || p->retired_us) /* a member retired here: nothing to watch */
        return r;
    held = st.push_seq > held ? st.push_seq : held;
    r = sample(m, MF_PEER_UNCONFIRMED, "hotline_peer_unconfirmed_entries", "peer", peer.name,
               m->ours > held ? m->ours - held : 0);
    if (!r)
        r = sample(m, MF_PEER_FAILURES, "hotline_peer_failures", "peer", peer.name, st.failures);
    if (!r)
        r = sample(m, MF_PEER_CONTACT, "hotline_peer_last_contact_timestamp_seconds", "peer",
                   peer.name, st.last_ok_us / 1000000);
    if (!r)
        r = sample_v(m, MF_PEER_SKEW, "hotline_peer_clock_skew_seconds", "peer", peer.name,
                     st.clock_skew_ms, true);
    return r;
}

/* Objects held (the sum of the members' log sizes here) and receipts;
 * for each other member, member_peer. */
static int member_counts(void *ctx, const struct store_party *p)
{
    struct metrics *m = ctx;
    int64_t size = 0;
    int r = store_log_size(m->s, p->id, m->channel, &size, m->err);
    if (!r)
        m->objects += size;
    if (!r)
        r = store_receipt_list(m->s, p->id, m->channel, receipt_one, &m->receipts, m->err);
    if (r == -HL_E_NOT_FOUND) {
        hl_error_clear(m->err);
        r = 0;
    }
    return r || strcmp(p->id, m->self) == 0 ? r : member_peer(m, p);
}

static int channel_metrics(void *ctx, const struct store_channel *c)
{
    struct metrics *m = ctx;
    struct workflow_view *v = NULL;
    struct wf_overdue_count oc = {0, 0};
    m->channel = c->name;
    m->objects = m->receipts = m->ours = 0;
    int r = wf_view_load(m->s, c->name, true, &v, m->err);
    if (!r)
        r = workflow_view_overdue(v, m->now_us, wf_overdue_count, &oc);
    workflow_view_free(v);
    if (!r)
        r = store_log_size(m->s, m->self, c->name, &m->ours, m->err);
    if (!r)
        r = store_channel_member_list(m->s, c->name, member_counts, m, m->err);
    if (!r)
        r = sample(m, MF_OBJECTS, "hotline_objects", NULL, NULL, m->objects);
    if (!r)
        r = sample(m, MF_RECEIPTS, "hotline_receipts", NULL, NULL, m->receipts);
    if (!r)
        r = sample(m, MF_OVERDUE, "hotline_overdue_items", "kind", STORE_ESCALATION_ACK, oc.ack);
    if (!r)
        r = sample(m, MF_OVERDUE, "hotline_overdue_items", "kind", STORE_ESCALATION_DUE, oc.due);
    return r;
}

/* The per-channel families, then the node's counters. */
static int metrics_print(struct metrics *m, const struct esc_count *e, int64_t alarms,
                         struct buf *out)
{
    int r = 0;
    for (int f = 0; !r && f < MF__COUNT; f++)
        r = buf_adds(out, mf_head[f]) || buf_add(out, m->fam[f].data, m->fam[f].len);
    if (!r)
        r = buf_addf(out,
                     "# HELP hotline_escalations_total Overdue items escalated (each once).\n"
                     "# TYPE hotline_escalations_total counter\n"
                     "hotline_escalations_total{kind=\"%s\"} %lld\n"
                     "hotline_escalations_total{kind=\"%s\"} %lld\n"
                     "# HELP hotline_escalation_hook_failures_total Escalation hooks that "
                     "failed.\n"
                     "# TYPE hotline_escalation_hook_failures_total counter\n"
                     "hotline_escalation_hook_failures_total %lld\n"
                     "# HELP hotline_alarms_total Equivocation alarms raised.\n"
                     "# TYPE hotline_alarms_total counter\n"
                     "hotline_alarms_total %lld\n",
                     STORE_ESCALATION_ACK, (long long)e->ack, STORE_ESCALATION_DUE,
                     (long long)e->due, (long long)e->failed, (long long)alarms);
    return r ? hl_fail(m->err, HL_E_TOO_LARGE, NULL, "metrics: too large") : 0;
}

int workflow_metrics(struct store *s, int64_t now_us, struct buf *out, struct hl_error *err)
{
    struct esc_count e = {0, 0, 0};
    int64_t alarms = 0;
    char self[STORE_TEXT_MAX + 1];
    struct metrics m = {.s = s, .now_us = now_us, .err = err, .self = self};
    for (int f = 0; f < MF__COUNT; f++)
        buf_init(&m.fam[f], out->max);
    int r = store_meta_get(s, "party_id", self, err);
    if (!r)
        r = store_channel_list(s, channel_metrics, &m, err);
    if (!r)
        r = store_escalation_list(s, NULL, esc_one, &e, err);
    if (!r)
        r = store_alarm_list(s, NULL, alarm_one, &alarms, err);
    if (!r)
        r = metrics_print(&m, &e, alarms, out);
    for (int f = 0; f < MF__COUNT; f++)
        buf_release(&m.fam[f]);
    return r;
}
