/*
 * request.c — `hotline request --channel C --kind KIND --about ID...
 * --due TIME --priority P --text TEXT`: a request for action (a
 * hotline-request, extensions/hotline-request.json, built by
 * compose_request and checked by workflow_request_check), published
 * through the local node. The other members answer it with `hotline
 * respond`; its state is derived from those responses (hotline show).
 */
#include <string.h>

#include "cli.h"
#include "stix/stix.h"
#include "workflow/workflow.h"

#define REQUEST_DUE_MAX_S (366LL * 86400)

static void request_help(void)
{
    printf("usage: hotline request --data DIR --channel NAME --kind KIND --about ID...\n"
           "           --due TIME|DURATION [--priority P] [--text TEXT] [common options]\n\n"
           "Asks the other members to act: publishes a hotline-request and prints\n"
           "\"published REQUEST-ID\", the id their responses answer (hotline respond).\n\n"
           "  --kind KIND     investigate, detain, take-down, preserve-evidence,\n"
           "                  provide-information or cease-activity\n"
           "  --about ID      what the request concerns (an incident, a report, a\n"
           "                  threat-actor, ...), repeatable\n"
           "  --due TIME      when the outcome is due: a STIX timestamp (UTC), or a\n"
           "                  duration from now such as 72h, 30m, 2d\n"
           "  --priority P    low, medium (default), high or critical\n"
           "  --text TEXT     the request in words\n");
    cli_produce_help_common();
}

/* --due as a STIX timestamp, or a duration from now_us. */
static int request_due(const char *text, int64_t now_us, char out[32])
{
    struct stix_time t;
    int64_t s;
    if (stix_time_parse(text, &t)) {
        snprintf(out, 32, "%s", text);
        return CLI_OK;
    }
    if (!workflow_duration_parse(text, REQUEST_DUE_MAX_S, &s))
        return cli_usage_error("request",
                               "--due takes a STIX timestamp (2026-07-30T12:00:00Z) or a "
                               "duration (72h, 30m, 2d)");
    t.sec = now_us / 1000000 + s;
    t.nsec = (uint32_t)(now_us % 1000000) * 1000;
    stix_time_format(&t, out);
    return CLI_OK;
}

int cli_request(int argc, char **argv)
{
    struct cli_produce p = {0};
    struct compose_request rq = {0};
    const char *due = NULL;
    const struct cli_opt opts[] = {
        CLI_PRODUCE_OPTS(p),
        {"--kind", NULL, &rq.kind, NULL},
        {"--due", NULL, &due, NULL},
        {"--priority", NULL, &rq.priority, NULL},
        {"--text", NULL, &rq.description, NULL},
        {NULL, NULL, NULL, NULL},
    };
    char *operands[1], when[32];
    int n_op = 0;
    struct compose_ctx c;
    struct cli_node n;
    struct hl_error err;
    json_t *made = NULL;
    if (cli_produce_take("request", &argc, argv, "--about", rq.refs, COMPOSE_LIST_MAX, &rq.n_refs))
        return CLI_ERROR;
    int rc = cli_produce_args("request", argc, argv, opts, request_help, operands, 1, &n_op);
    if (rc != CLI_PRODUCE_GO)
        return rc;
    if (n_op)
        return cli_usage_error("request", "unexpected '%s'", operands[0]);
    if (!rq.kind || !rq.n_refs || !due)
        return cli_usage_error("request", "--kind, --about ID and --due are required");
    if (cli_produce_begin("request", &p, rq.refs[0], &n, &c) != CLI_OK)
        return CLI_ERROR;
    cli_produce_warn_unheld("request", &p, &n, rq.refs, rq.n_refs);
    if (request_due(due, c.now_us, when) != CLI_OK) {
        cli_node_close(&n);
        return CLI_ERROR;
    }
    rq.due = when;
    hl_error_clear(&err);
    rc = compose_request(&c, &rq, &made, &err);
    return cli_produce_end("request", &p, &n, rc, made, &err);
}
