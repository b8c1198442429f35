/*
 * metrics.c — GET /api/hotline/metrics: the node's counters in the
 * Prometheus text exposition format (version 0.0.4), for an
 * administrator's monitoring. What is counted is the node's business
 * (taxii_options.metrics; `hotline serve` gives the workflow's: objects,
 * receipts, overdue items, escalations, hook failures, alarms); this
 * endpoint only guards and serves it: 403 for a user who is not an
 * administrator (a peer node's account included), 404 when the node
 * counts nothing.
 */
#include "taxii_int.h"

#define METRICS_TYPE "text/plain; version=0.0.4; charset=utf-8"

void taxii_ep_metrics(struct taxii_ctx *c)
{
    const struct taxii_options *o = &c->srv->o;
    struct hl_error err;
    hl_error_clear(&err);
    if (!c->user.admin || c->user.party[0]) {
        taxii_error(c, 403, "Forbidden", "the metrics are for the node's administrators");
        return;
    }
    if (!o->metrics) {
        taxii_error(c, 404, "Not found", "this node keeps no metrics");
        return;
    }
    buf_clear(&c->resp->body);
    if (o->metrics(o->metrics_ctx, c->store, c->now_us, &c->resp->body, &err)) {
        buf_clear(&c->resp->body);
        taxii_fail(c, &err);
        return;
    }
    c->resp->status = 200;
    c->resp->content_type = METRICS_TYPE;
}
