/*
 * scorecard.c — how each party of a channel keeps its side of the
 * agreement (docs/workflow.md, "Scorecard"), computed only from sealed,
 * logged objects and the timestamps inside them:
 *   seal time      the created of the tree head that first covers an entry
 *   delivery time  the created of the recipient's first receipt covering it
 *   answer time    the created of the response
 * so two nodes holding the same logs print the same scorecard. Every
 * count is about the party as a recipient (how fast it took delivery,
 * acknowledged, answered) except the two "sent" counts. "Overdue" is
 * judged at the channel's as-of time (the latest seal time in it), not at
 * the clock of whoever prints it.
 */
#include <stdlib.h>
#include <string.h>

#include "stix/stix.h"
#include "workflow_int.h"

int64_t workflow_percentile(const int64_t *sorted, size_t n, unsigned p)
{
    if (!n || !p)
        return n ? sorted[0] : 0;
    if (p > 100)
        p = 100;
    size_t rank = ((size_t)p * n + 99) / 100; /* ceil(p n / 100), 1-based */
    return sorted[rank ? rank - 1 : 0];
}

static int cmp_i64(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return (x > y) - (x < y);
}

/* A growing list of durations in ms. */
struct durations {
    int64_t *ms;
    size_t n;
};

static int durations_add(struct durations *d, int64_t us)
{
    int64_t *p = realloc(d->ms, (d->n + 1) * sizeof *p);
    if (!p)
        return -1;
    d->ms = p;
    d->ms[d->n++] = us / 1000;
    return 0;
}

static json_t *durations_json(struct durations *d, bool p90)
{
    if (d->n)
        qsort(d->ms, d->n, sizeof *d->ms, cmp_i64);
    json_t *j = json_pack("{s:I}", "n", (json_int_t)d->n);
    if (j && d->n)
        json_object_set_new(j, "median_ms", json_integer(workflow_percentile(d->ms, d->n, 50)));
    if (j && d->n && p90)
        json_object_set_new(j, "p90_ms", json_integer(workflow_percentile(d->ms, d->n, 90)));
    return j;
}

struct tally {
    int64_t sent, received, req_sent, total, completed, declined, open, overdue, late, pending;
    struct durations delivery, ack, first;
};

static int tally_notification(const struct workflow_view *v, const struct wf_item *it, size_t m,
                              struct tally *t)
{
    const char *me = v->members[m].id;
    if (!strcmp(it->party, me)) {
        t->sent++;
        return 0;
    }
    t->received++;
    int64_t at = it->seq >= 0 ? wf_delivered_us(v, it->party, it->seq, me, NULL) : 0;
    if (at && durations_add(&t->delivery, at - it->sealed_us))
        return -1;
    if (it->ack_by[m] == WF_NONE) {
        t->pending++;
        return 0;
    }
    return durations_add(&t->ack, it->ack_us[m] - it->sealed_us);
}

/* A request as member m answered it (request.c: each addressee answers
 * for itself). */
static int tally_request(const struct workflow_view *v, const struct wf_item *it, size_t m,
                         struct tally *t)
{
    if (!strcmp(it->party, v->members[m].id)) {
        t->req_sent++;
        return 0;
    }
    enum workflow_state st = it->track[m];
    int64_t final_us = it->track_final_us[m], first_us = it->track_first_us[m];
    t->total++;
    if (st == WORKFLOW_COMPLETED)
        t->completed++;
    else if (st == WORKFLOW_DECLINED)
        t->declined++;
    else if (it->due_us && v->as_of_us > it->due_us)
        t->overdue++;
    else
        t->open++;
    if (final_us && it->due_us && final_us > it->due_us)
        t->late++;
    if (first_us)
        return durations_add(&t->first, first_us - it->sealed_us);
    return 0;
}

static json_t *party_json(const struct workflow_view *v, size_t m, int64_t since_us)
{
    struct tally t;
    memset(&t, 0, sizeof t);
    int r = 0;
    for (size_t i = 0; !r && i < v->n; i++) {
        const struct wf_item *it = &v->items[i];
        if (it->sealed_us < since_us)
            continue;
        if (it->kind == WORKFLOW_KIND_NOTIFICATION)
            r = tally_notification(v, it, m, &t);
        else if (it->kind == WORKFLOW_KIND_REQUEST)
            r = tally_request(v, it, m, &t);
    }
    json_t *ack = r ? NULL : durations_json(&t.ack, true);
    if (ack)
        json_object_set_new(ack, "pending", json_integer(t.pending));
    json_t *j =
        r || !ack
            ? NULL
            : json_pack("{s:s, s:s, s:I, s:I, s:o, s:o, s:I, s:{s:I, s:I, s:I, s:I, "
                        "s:I, s:I}, s:o}",
                        "party", v->members[m].id, "name", v->members[m].name, "notifications_sent",
                        (json_int_t)t.sent, "notifications_received", (json_int_t)t.received,
                        "delivery", durations_json(&t.delivery, true), "acknowledgment",
                        json_incref(ack), "requests_sent", (json_int_t)t.req_sent,
                        "requests_received", "total", (json_int_t)t.total, "completed",
                        (json_int_t)t.completed, "declined", (json_int_t)t.declined, "open",
                        (json_int_t)t.open, "overdue", (json_int_t)t.overdue, "late",
                        (json_int_t)t.late, "first_response", durations_json(&t.first, false));
    json_decref(ack);
    free(t.delivery.ms);
    free(t.ack.ms);
    free(t.first.ms);
    return j;
}

json_t *workflow_scorecard(const struct workflow_view *v, int64_t since_us)
{
    char as_of[32], since[32];
    stix_time_format_us_ms(v->as_of_us, as_of);
    stix_time_format_us_ms(since_us, since);
    json_t *parties = json_array();
    json_t *j = json_pack("{s:s, s:s, s:s?, s:o}", "channel", v->channel, "as_of", as_of, "since",
                          since_us ? since : NULL, "parties", parties);
    for (size_t m = 0; j && m < v->n_members; m++) {
        if (json_array_append_new(parties, party_json(v, m, since_us))) {
            json_decref(j);
            return NULL;
        }
    }
    return j;
}
