/*
 * deadlines.c — `hotline deadlines` (one deadline check at a given time,
 * the same check `hotline serve` runs every deadline_interval_s) and
 * `hotline channel policy` (how soon a notification must be acknowledged).
 *
 * A check escalates what became overdue (workflow.h, "deadlines and
 * escalation") once: a line on stderr, a row in the store's escalations
 * table (counted in the node's metrics), and the hotline.conf
 * escalation_hook run with ITEM-ID KIND [MEMBER-ID MEMBER-NAME]. --now moves the clock, so a test
 * (or an operator replaying a day) needs no sleep.
 */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "node/node.h"
#include "stix/stix.h"
#include "workflow/workflow.h"

static void deadlines_help(void)
{
    printf("usage: hotline deadlines --data DIR [--now TIME] [--json]\n\n"
           "Runs the deadline check once, at TIME (default: now): every notification\n"
           "a member has not acknowledged within the channel's policy (hotline\n"
           "channel policy; 24h when unset) and every request past its due time\n"
           "that is not completed or declined is escalated, once per item (and per\n"
           "member): a line below, a row counted in the metrics, and\n"
           "hotline.conf's escalation_hook run as PROGRAM ITEM-ID KIND, then\n"
           "MEMBER-ID MEMBER-NAME when it concerns one member (KIND is ack-overdue\n"
           "or request-overdue; output to stderr, killed after 10 s).\n"
           "A later check does not escalate the same item again. Prints one line per\n"
           "new escalation:\n"
           "    escalated KIND ITEM-ID [member NAME] (due TIME) [hook: ok|failed: WHY]\n"
           "then how many items are overdue in all.\n"
           "  --now TIME  a STIX timestamp, or now +/- a duration (+25h)\n"
           "  --json      {\"now\", \"escalated\": [{\"channel\", \"item\", \"kind\",\n"
           "              \"member\", \"member_name\", \"due\", \"hook\", \"hook_error\"}],\n"
           "              \"overdue\": {\"ack\", \"request\"}}\n");
}

struct deadlines {
    json_t *escalated;
    bool json;
};

/* The check's log: escalations are this command's output (stdout), so
 * only the rest (hook failures) goes to stderr. */
static void deadlines_log(void *ctx, const char *line)
{
    (void)ctx;
    if (strncmp(line, "escalation: ", 12) != 0)
        fprintf(stderr, "hotline deadlines: %s\n", line);
}

static int deadlines_each(void *ctx, const struct workflow_overdue *o)
{
    struct deadlines *d = ctx;
    static const char *const hook[] = {"none", "ok", "failed"};
    char due[32];
    stix_time_format_us_ms(o->deadline_us, due);
    json_t *e = json_pack(
        "{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s}", "channel", o->channel, "item", o->item_id,
        "kind", o->kind, "member", o->member, "member_name", o->member_name, "due", due, "hook",
        hook[o->hook >= 0 && o->hook <= 2 ? o->hook : 2], "hook_error", o->hook_error);
    if (!e || json_array_append_new(d->escalated, e))
        return -HL_E_NOMEM;
    if (d->json)
        return 0;
    printf("escalated %s %s", o->kind, o->item_id);
    if (o->member[0])
        printf(" member %s", o->member_name[0] ? o->member_name : o->member);
    printf(" (due %s)", due);
    if (o->hook == STORE_HOOK_OK)
        printf(" hook: ok");
    else if (o->hook == STORE_HOOK_FAILED)
        printf(" hook: failed: %s", o->hook_error);
    printf("\n");
    return 0;
}

/* hotline.conf's escalation_hook into hook (empty when none). */
static int deadlines_hook(const char *dir, char hook[NODE_PATH_MAX + 1], struct hl_error *err)
{
    struct node_config conf;
    char path[CLI_PATH_MAX];
    node_config_defaults(&conf, NULL);
    hook[0] = '\0';
    if (!cli_node_path(path, dir, NODE_CONF_FILE))
        return hl_fail(err, HL_E_TOO_LARGE, dir, "path too long");
    if (access(path, F_OK) != 0)
        return 0; /* a node made before hotline.conf existed has no hook */
    int r = node_config_read(path, &conf, err);
    if (!r)
        snprintf(hook, NODE_PATH_MAX + 1, "%s", conf.escalation_hook);
    return r;
}

int cli_deadlines(int argc, char **argv)
{
    const char *dir = NULL, *now = NULL;
    bool json = false;
    const struct cli_opt opts[] = {
        {"--data", NULL, &dir, NULL},
        {"--now", NULL, &now, NULL},
        {"--json", NULL, NULL, &json},
        {NULL, NULL, NULL, NULL},
    };
    char *operands[1], hook[NODE_PATH_MAX + 1], when[32];
    int n_ops = 0;
    int64_t now_us = hl_wall_us(), n_ack = 0, n_due = 0;
    struct hl_error err;
    if (cli_wants_help(argc, argv)) {
        deadlines_help();
        return CLI_OK;
    }
    if (cli_parse_opts("deadlines", argc, argv, opts, operands, 1, &n_ops))
        return CLI_ERROR;
    if (!dir || n_ops)
        return cli_usage_error("deadlines", "--data DIR is required, and no operand");
    if (now && !cli_time_arg(now, &now_us))
        return cli_usage_error("deadlines", "--now %s is not a time", now);
    hl_error_clear(&err);
    if (deadlines_hook(dir, hook, &err)) {
        cli_report(&err);
        return CLI_ERROR;
    }
    struct cli_node n;
    if (cli_node_open("deadlines", dir, false, &n) != CLI_OK)
        return CLI_ERROR;
    fflush(stdout); /* the hook writes to our stderr; keep our lines in order */
    struct deadlines d = {json_array(), json};
    struct workflow_escalate_options o = {.hook = hook,
                                          .hook_fd = STDERR_FILENO,
                                          .log = deadlines_log,
                                          .each = deadlines_each,
                                          .ctx = &d};
    int r = d.escalated ? workflow_escalate(n.store, now_us, &o, NULL, &err)
                        : hl_fail(&err, HL_E_NOMEM, NULL, "out of memory");
    if (!r)
        r = workflow_count_overdue(n.store, now_us, &n_ack, &n_due, &err);
    cli_node_close(&n);
    stix_time_format_us_ms(now_us, when);
    int rc = CLI_OK;
    if (r) {
        cli_report(&err);
        rc = CLI_ERROR;
    } else if (json) {
        json_t *out = json_pack("{s:s, s:O, s:{s:I, s:I}}", "now", when, "escalated", d.escalated,
                                "overdue", "ack", (json_int_t)n_ack, "request", (json_int_t)n_due);
        rc = cli_json_print(out);
        json_decref(out);
    } else {
        printf("%zu escalated at %s; overdue now: %lld notification acknowledgment(s), %lld "
               "request(s)\n",
               json_array_size(d.escalated), when, (long long)n_ack, (long long)n_due);
    }
    json_decref(d.escalated);
    return rc;
}

/* ---- hotline channel policy ---------------------------------------------- */

static void policy_help(void)
{
    printf("usage: hotline channel policy NAME --data DIR [--ack-within DURATION] [--json]\n\n"
           "Sets (with --ack-within) or shows how soon every other member must\n"
           "acknowledge a notification published in channel NAME (hotline ack),\n"
           "counted from the notification's seal time. DURATION is a positive\n"
           "number and a unit: 30m, 4h, 2d (s, m, h, d; at most 366d). Unset: 24h.\n"
           "The policy is this node's: its deadline checks escalate by it.\n");
}

int cli_channel_policy(int argc, char **argv)
{
    const char *dir = NULL, *within = NULL;
    bool json = false;
    const struct cli_opt opts[] = {
        {"--data", NULL, &dir, NULL},
        {"--ack-within", NULL, &within, NULL},
        {"--json", NULL, NULL, &json},
        {NULL, NULL, NULL, NULL},
    };
    char *operands[2], text[32];
    int n_ops = 0;
    int64_t secs = 0;
    bool set = false;
    struct hl_error err;
    if (cli_wants_help(argc, argv)) {
        policy_help();
        return CLI_OK;
    }
    if (cli_parse_opts("channel policy", argc, argv, opts, operands, 2, &n_ops))
        return CLI_ERROR;
    if (!dir || n_ops != 1)
        return cli_usage_error("channel policy", "--data DIR and one channel NAME are required");
    if (within && !workflow_duration_parse(within, STORE_ACK_WITHIN_MAX, &secs))
        return cli_usage_error("channel policy",
                               "--ack-within %s is not a duration (30m, 4h, 2d; at most 366d)",
                               within);
    struct cli_node n;
    if (cli_node_open("channel policy", dir, false, &n) != CLI_OK)
        return CLI_ERROR;
    hl_error_clear(&err);
    int r = within ? store_channel_policy_set(n.store, operands[0], secs, &err) : 0;
    if (!r) {
        r = store_channel_policy_get(n.store, operands[0], &secs, &err);
        set = r == 0;
        if (r == -HL_E_NOT_FOUND) {
            struct store_channel c;
            r = store_channel_get(n.store, operands[0], &c, &err);
            secs = WORKFLOW_ACK_WITHIN_DEFAULT_S;
        }
    }
    cli_node_close(&n);
    if (r) {
        cli_report(&err);
        return CLI_ERROR;
    }
    hl_duration_format(secs * 1000, text);
    if (json) {
        json_t *out = json_pack("{s:s, s:I, s:b}", "channel", operands[0], "ack_within_s",
                                (json_int_t)secs, "set", set);
        int rc = cli_json_print(out);
        json_decref(out);
        return rc;
    }
    printf("channel %s: notifications must be acknowledged within %s%s\n", operands[0], text,
           set ? "" : " (the default)");
    return CLI_OK;
}
