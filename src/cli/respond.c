/*
 * respond.c — `hotline respond REQUEST-ID --status S` and `hotline ack ID`:
 * a duty officer answers a request, or acknowledges a notification, with a
 * hotline-response (extensions/hotline-response.json) published through
 * the local node like `hotline send`.
 *
 * Before anything is published the answer is judged against the replica
 * the node holds (workflow_view_may_respond): the object must be a request
 * or notification of the channel, published by another party; a request
 * must allow the new status from its current state (workflow.h, State);
 * a notification is answered once per party. A refusal names the current
 * state and the statuses allowed next, and exits 1; nothing is sent.
 * Then the response is checked as the extension defines it
 * (workflow_response_check): a declined request needs its reason, a
 * request for information the question.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "stix/stix.h"
#include "workflow/workflow.h"

/* --persons-detained and the other counts, in workflow_count_props order. */
static const char *const count_flags[] = {"--persons-detained", "--persons-charged",
                                          "--servers-seized",   "--domains-taken-down",
                                          "--accounts-frozen",  NULL};
#define N_COUNTS 5

static void respond_help(bool ack)
{
    if (ack) {
        printf("usage: hotline ack ID --data DIR [--text TEXT] [--channel C] [--no-wait]\n"
               "                  [--timeout S] [--json]\n\n"
               "Acknowledges the notification (or request) ID: publishes a\n"
               "hotline-response with status acknowledged and request_ref ID. A\n"
               "notification is acknowledged once by each other member of the channel;\n"
               "the channel's policy (hotline channel policy) says how soon.\n");
    } else {
        printf(
            "usage: hotline respond ID --status STATUS --data DIR [--text TEXT]\n"
            "                      [--action TEXT] [--persons-detained N] [--persons-charged N]\n"
            "                      [--servers-seized N] [--domains-taken-down N]\n"
            "                      [--accounts-frozen N] [--channel C] [--no-wait]\n"
            "                      [--timeout S] [--json]\n\n"
            "Answers the request ID with a hotline-response. STATUS is one of\n"
            "acknowledged, in-progress, needs-information, completed, declined; the\n"
            "request's state allows:\n"
            "    open              -> acknowledged, in-progress, needs-information, declined\n"
            "    acknowledged      -> in-progress, needs-information, completed, declined\n"
            "    in-progress       -> needs-information, completed, declined\n"
            "    needs-information -> in-progress, completed, declined\n"
            "    completed, declined: final\n"
            "A refused transition names the current state and exits 1. declined needs\n"
            "--text (the reason), needs-information --text (what is needed).\n\n"
            "  --text TEXT   what was done, or why not (description)\n"
            "  --action TEXT one action taken (actions_taken)\n"
            "  --persons-detained N ... counts of what was done (integers >= 0)\n");
    }
    printf("  --channel C   the channel holding ID (default: the one that does)\n"
           "  --no-wait, --timeout S, --json   as for hotline send\n\n"
           "Prints the response's id, then what hotline send prints. Exit codes: 0\n"
           "published and delivered; 1 refused (here, or by the node); 2 usage or\n"
           "operational error; 3 published but not yet confirmed by every member.\n");
}

struct respond_args {
    const char *dir, *channel, *status, *text, *action, *timeout;
    const char *counts[N_COUNTS];
    bool no_wait, json;
    const char *id;
};

/* The response object, checked; NULL after reporting. */
static json_t *respond_build(const struct respond_args *a, const char *party)
{
    char rid[STIX_ID_MAX], now[32];
    struct stix_time t = stix_time_now();
    stix_time_format(&t, now);
    if (stix_id_new(WORKFLOW_RESPONSE_TYPE, rid)) {
        fprintf(stderr, "hotline: cannot make an identifier\n");
        return NULL;
    }
    json_t *o = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:{s:{s:s}}, s:s, s:s}", "type",
                          WORKFLOW_RESPONSE_TYPE, "spec_version", "2.1", "id", rid, "created", now,
                          "modified", now, "created_by_ref", party, "extensions",
                          WORKFLOW_RESPONSE_EXT, "extension_type", "new-sdo",
                          WORKFLOW_PROP_REQUEST_REF, a->id, WORKFLOW_PROP_STATUS, a->status);
    int r = !o;
    if (!r && a->text)
        r = json_object_set_new(o, WORKFLOW_PROP_DESCRIPTION, json_string(a->text));
    if (!r && a->action)
        r = json_object_set_new(o, WORKFLOW_PROP_ACTIONS_TAKEN, json_pack("[s]", a->action));
    for (int i = 0; !r && i < N_COUNTS; i++) {
        long long v;
        if (!a->counts[i])
            continue;
        if (!hl_parse_int(a->counts[i], 0, HL_IJSON_MAX_INT, &v)) {
            fprintf(stderr, "hotline respond: %s takes an integer >= 0\n", count_flags[i]);
            json_decref(o);
            return NULL;
        }
        r = json_object_set_new(o, workflow_count_props[i], json_integer(v));
    }
    if (r) {
        fprintf(stderr, "hotline: out of memory (or text not UTF-8)\n");
        json_decref(o);
        return NULL;
    }
    struct stix_report rep;
    stix_report_init(&rep);
    workflow_response_check(o, "", &rep);
    if (!stix_report_ok(&rep)) {
        cli_print_findings(stderr, "response", &rep);
        json_decref(o);
        o = NULL;
    }
    stix_report_release(&rep);
    return o;
}

/* Judges, builds and publishes; the exit code. */
static int respond_run(const char *cmd, struct respond_args *a)
{
    struct cli_node n;
    struct workflow_view *v = NULL;
    char channel[STORE_TEXT_MAX + 1];
    struct hl_error err;
    hl_error_clear(&err);
    if (cli_node_open(cmd, a->dir, false, &n) != CLI_OK)
        return CLI_ERROR;
    int rc = cli_view_open(cmd, &n, a->channel, a->id, &v, channel);
    json_t *o = NULL;
    if (rc == CLI_OK && workflow_view_may_respond(v, a->id, n.party, a->status, &err)) {
        fprintf(stderr, "hotline %s: %s\n", cmd, err.msg);
        rc = err.code == HL_E_INVALID ? CLI_ERROR : CLI_FAIL;
    }
    if (rc == CLI_OK && !(o = respond_build(a, n.party)))
        rc = CLI_FAIL;
    workflow_view_free(v);
    cli_node_close(&n);
    if (rc != CLI_OK)
        return rc;
    struct cli_publish p = {.dir = a->dir,
                            .channel = channel,
                            .no_wait = a->no_wait,
                            .json = a->json,
                            .timeout_s = CLI_PUBLISH_TIMEOUT_S,
                            .id = json_string_value(json_object_get(o, "id"))};
    json_t *objs = json_pack("[O]", o);
    rc = cli_publish_timeout(cmd, a->timeout, &p);
    if (rc == CLI_OK)
        rc = objs ? cli_publish(&p, objs) : CLI_ERROR;
    json_decref(objs);
    json_decref(o);
    return rc;
}

static int respond_main(int argc, char **argv, bool ack)
{
    const char *cmd = ack ? "ack" : "respond";
    struct respond_args a;
    memset(&a, 0, sizeof a);
    const struct cli_opt opts[] = {
        {"--data", NULL, &a.dir, NULL},
        {"--channel", NULL, &a.channel, NULL},
        {"--status", NULL, ack ? NULL : &a.status, NULL},
        {"--text", NULL, &a.text, NULL},
        {"--action", NULL, ack ? NULL : &a.action, NULL},
        {count_flags[0], NULL, ack ? NULL : &a.counts[0], NULL},
        {count_flags[1], NULL, ack ? NULL : &a.counts[1], NULL},
        {count_flags[2], NULL, ack ? NULL : &a.counts[2], NULL},
        {count_flags[3], NULL, ack ? NULL : &a.counts[3], NULL},
        {count_flags[4], NULL, ack ? NULL : &a.counts[4], NULL},
        {"--timeout", NULL, &a.timeout, NULL},
        {"--no-wait", NULL, NULL, &a.no_wait},
        {"--json", NULL, NULL, &a.json},
        {NULL, NULL, NULL, NULL},
    };
    char *operands[2];
    int n = 0;
    if (cli_wants_help(argc, argv)) {
        respond_help(ack);
        return CLI_OK;
    }
    /* ack takes none of respond's own options: their rows have no target. */
    struct cli_opt table[sizeof opts / sizeof opts[0]];
    size_t k = 0;
    for (size_t i = 0; opts[i].name; i++)
        if (opts[i].value || opts[i].flag)
            table[k++] = opts[i];
    table[k] = (struct cli_opt){NULL, NULL, NULL, NULL};
    if (cli_parse_opts(cmd, argc, argv, table, operands, 2, &n))
        return CLI_ERROR;
    if (!a.dir || n != 1)
        return cli_usage_error(cmd, "--data DIR and one ID are required");
    if (ack)
        a.status = "acknowledged";
    if (!a.status)
        return cli_usage_error(cmd, "--status is required (one of acknowledged, in-progress, "
                                    "needs-information, completed, declined)");
    if (!workflow_in_vocab(workflow_statuses, a.status))
        return cli_usage_error(cmd,
                               "--status %s is not one of acknowledged, in-progress, "
                               "needs-information, completed, declined",
                               a.status);
    if (!stix_id_valid(operands[0], NULL))
        return cli_usage_error(cmd, "%s is not a STIX identifier", operands[0]);
    a.id = operands[0];
    return respond_run(cmd, &a);
}

int cli_respond(int argc, char **argv)
{
    return respond_main(argc, argv, false);
}

int cli_ack(int argc, char **argv)
{
    return respond_main(argc, argv, true);
}
