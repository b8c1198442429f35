/*
 * alarms.c — `hotline alarms --data DIR [--channel C] [--json]`: the
 * node's equivocation alarms (docs/federation.md, "Alarms").
 *
 * An alarm is raised by the replication worker when a party showed two
 * histories: two sealed objects of one log position (kind "equivocation")
 * or two tree heads of one size with different roots ("head-mismatch").
 * Both signed objects are kept as evidence; either one alone proves what
 * the party signed, and together they prove the party lied to someone.
 * Alarms are never deleted.
 */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "stix/stix.h"

static void alarms_help(void)
{
    printf("usage: hotline alarms --data DIR [--channel C] [--json]\n\n"
           "Lists the alarms of the node (of channel C only with --channel), oldest\n"
           "first: parties that showed two different histories of their log. Each\n"
           "alarm names its kind (equivocation: two entries at one sequence number;\n"
           "head-mismatch: two tree heads of one size with different roots), the\n"
           "party, the channel, the sequence number or size, when it was raised, and\n"
           "keeps both signed objects as evidence.\n"
           "  --json   {\"alarms\": [{\"id\", \"kind\", \"party\", \"channel\", \"seq\",\n"
           "           \"created\", \"detail\", \"evidence_a\", \"evidence_b\"}]}, the\n"
           "           evidence as the signed objects themselves\n\n"
           "Exit codes: 0 no alarm; 1 there are alarms; 2 usage error or no such node.\n");
}

/* The bytes of one piece of evidence: parsed, or as a string. */
static json_t *alarm_evidence(const uint8_t *p, size_t n)
{
    json_t *j = json_loadb((const char *)p, n, JSON_REJECT_DUPLICATES, NULL);
    return j ? j : json_stringn_nocheck((const char *)p, n);
}

json_t *cli_alarm_json(const struct store_alarm *a, bool evidence)
{
    char when[32];
    stix_time_format_us_ms(a->created_us, when);
    json_t *j = json_pack("{s:I, s:s, s:s, s:s, s:I, s:s, s:s}", "id", (json_int_t)a->id, "kind",
                          a->kind, "party", a->party_id, "channel", a->channel, "seq",
                          (json_int_t)a->seq, "created", when, "detail", a->detail);
    if (j && evidence &&
        (json_object_set_new(j, "evidence_a", alarm_evidence(a->evidence_a, a->evidence_a_len)) ||
         json_object_set_new(j, "evidence_b", alarm_evidence(a->evidence_b, a->evidence_b_len)))) {
        json_decref(j);
        return NULL;
    }
    return j;
}

void cli_alarm_print(const json_t *a)
{
    printf("  #%" JSON_INTEGER_FORMAT " %s  %s  party %s  channel %s  seq %" JSON_INTEGER_FORMAT
           "\n    %s\n",
           cli_jint(a, "id"), cli_jstr(a, "created"), cli_jstr(a, "kind"), cli_jstr(a, "party"),
           cli_jstr(a, "channel"), cli_jint(a, "seq"), cli_jstr(a, "detail"));
}

static int alarms_collect(void *ctx, const struct store_alarm *a)
{
    json_t *j = cli_alarm_json(a, true);
    return !j || json_array_append_new(ctx, j) ? -HL_E_NOMEM : 0;
}

int cli_alarms(int argc, char **argv)
{
    const char *dir = NULL, *channel = NULL;
    bool json = false;
    const struct cli_opt opts[] = {{"--data", NULL, &dir, NULL},
                                   {"--channel", NULL, &channel, NULL},
                                   {"--json", NULL, NULL, &json},
                                   {NULL, NULL, NULL, NULL}};
    int n = 0;
    if (cli_wants_help(argc, argv)) {
        alarms_help();
        return CLI_OK;
    }
    if (cli_parse_opts("alarms", argc, argv, opts, NULL, 0, &n))
        return CLI_ERROR;
    if (channel && !seal_channel_valid(channel))
        return cli_usage_error("alarms", "'%s' is not a channel name", channel);
    struct cli_node node;
    if (cli_node_open("alarms", dir, false, &node))
        return CLI_ERROR;
    struct hl_error err;
    struct store_channel c;
    hl_error_clear(&err);
    json_t *alarms = json_array();
    int r = alarms ? 0 : hl_fail(&err, HL_E_NOMEM, NULL, "out of memory");
    if (!r && channel)
        r = store_channel_get(node.store, channel, &c, &err);
    if (!r)
        r = store_alarm_list(node.store, channel, alarms_collect, alarms, &err);
    cli_node_close(&node);
    if (r == -HL_E_NOT_FOUND && channel)
        fprintf(stderr, "hotline alarms: no channel '%s' in %s\n", channel, dir);
    else if (r) {
        if (!err.code)
            hl_fail(&err, -r, NULL, "%s", hl_strerror(-r));
        cli_report(&err);
    } else if (json) {
        json_t *o = json_pack("{s:O}", "alarms", alarms);
        r = cli_json_print(o) ? -HL_E_IO : 0;
        json_decref(o);
    } else if (json_array_size(alarms) == 0) {
        printf("no alarms\n");
    } else {
        size_t i;
        const json_t *a;
        printf("%zu alarm(s):\n", json_array_size(alarms));
        json_array_foreach(alarms, i, a) cli_alarm_print(a);
    }
    size_t count = json_array_size(alarms);
    json_decref(alarms);
    return r ? CLI_ERROR : count ? CLI_FAIL : CLI_OK;
}
