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
 *   hotline_escalations_total{kind}          escalations made (counter)
 *   hotline_escalation_hook_failures_total   hooks that failed (counter)
 *   hotline_alarms_total                     equivocation alarms (counter)
 */
#include <string.h>

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

struct metrics {
    struct store *s;
    int64_t now_us;
    struct buf *out;
    struct hl_error *err;
    const char *channel; /* the one being counted */
    int64_t objects, receipts;
};

/* A channel name as a label value: \\, \" and \n escaped (Prometheus). */
static int label(struct buf *out, const char *v)
{
    int r = 0;
    for (; *v && !r; v++)
        r = *v == '\\' || *v == '"' ? buf_addc(out, '\\') || buf_addc(out, *v)
            : *v == '\n'            ? buf_adds(out, "\\n")
                                    : buf_addc(out, *v);
    return r;
}

static int receipt_one(void *ctx, const struct store_receipt *r)
{
    (void)r;
    (*(int64_t *)ctx)++;
    return 0;
}

/* Objects held (the sum of the members' log sizes here) and receipts. */
static int member_counts(void *ctx, const struct store_party *p)
{
    struct metrics *m = ctx;
    int64_t size = 0;
    int r = store_log_size(m->s, p->id, m->channel, &size, m->err);
    if (!r)
        m->objects += size;
    if (!r)
        r = store_receipt_list(m->s, p->id, m->channel, receipt_one, &m->receipts, m->err);
    return r == -HL_E_NOT_FOUND ? 0 : r;
}

static int channel_metrics(void *ctx, const struct store_channel *c)
{
    struct metrics *m = ctx;
    struct workflow_view *v = NULL;
    struct wf_overdue_count oc = {0, 0};
    m->channel = c->name;
    m->objects = m->receipts = 0;
    int r = wf_view_load(m->s, c->name, true, &v, m->err);
    if (!r)
        r = workflow_view_overdue(v, m->now_us, wf_overdue_count, &oc);
    workflow_view_free(v);
    if (!r)
        r = store_channel_member_list(m->s, c->name, member_counts, m, m->err);
    int64_t objects = m->objects, receipts = m->receipts;
    const char *names[] = {"hotline_objects", "hotline_receipts", "hotline_overdue_items",
                           "hotline_overdue_items"};
    const char *kinds[] = {NULL, NULL, STORE_ESCALATION_ACK, STORE_ESCALATION_DUE};
    int64_t values[] = {objects, receipts, oc.ack, oc.due};
    for (int i = 0; !r && i < 4; i++) {
        r = buf_addf(m->out, "%s{channel=\"", names[i]) || label(m->out, c->name);
        if (!r && kinds[i])
            r = buf_addf(m->out, "\",kind=\"%s", kinds[i]);
        if (!r)
            r = buf_addf(m->out, "\"} %lld\n", (long long)values[i]);
        if (r)
            r = hl_fail(m->err, HL_E_TOO_LARGE, NULL, "metrics: too large");
    }
    return r;
}

int workflow_metrics(struct store *s, int64_t now_us, struct buf *out, struct hl_error *err)
{
    struct esc_count e = {0, 0, 0};
    int64_t alarms = 0;
    struct metrics m = {s, now_us, out, err, NULL, 0, 0};
    int r = buf_adds(out, "# HELP hotline_objects Object versions held, per channel.\n"
                          "# TYPE hotline_objects gauge\n"
                          "# HELP hotline_receipts Receipts (cosignatures) held, per channel.\n"
                          "# TYPE hotline_receipts gauge\n"
                          "# HELP hotline_overdue_items Notifications not acknowledged in time "
                          "and requests past due, now.\n"
                          "# TYPE hotline_overdue_items gauge\n");
    if (r)
        return hl_fail(err, HL_E_TOO_LARGE, NULL, "metrics: too large");
    r = store_channel_list(s, channel_metrics, &m, err);
    if (!r)
        r = store_escalation_list(s, NULL, esc_one, &e, err);
    if (!r)
        r = store_alarm_list(s, NULL, alarm_one, &alarms, err);
    if (r)
        return r;
    r = buf_addf(out,
                 "# HELP hotline_escalations_total Overdue items escalated (each once).\n"
                 "# TYPE hotline_escalations_total counter\n"
                 "hotline_escalations_total{kind=\"%s\"} %lld\n"
                 "hotline_escalations_total{kind=\"%s\"} %lld\n"
                 "# HELP hotline_escalation_hook_failures_total Escalation hooks that failed.\n"
                 "# TYPE hotline_escalation_hook_failures_total counter\n"
                 "hotline_escalation_hook_failures_total %lld\n"
                 "# HELP hotline_alarms_total Equivocation alarms raised.\n"
                 "# TYPE hotline_alarms_total counter\n"
                 "hotline_alarms_total %lld\n",
                 STORE_ESCALATION_ACK, (long long)e.ack, STORE_ESCALATION_DUE, (long long)e.due,
                 (long long)e.failed, (long long)alarms);
    return r ? hl_fail(err, HL_E_TOO_LARGE, NULL, "metrics: too large") : 0;
}
