/*
 * opinion.c — agreeing, disputing and commenting:
 *   hotline opinion ID... --strongly-disagree|--disagree|--neutral|--agree|
 *                         --strongly-agree [--text TEXT]
 *     a STIX opinion (§4.13) on the objects named, e.g. "we strongly
 *     disagree that we are involved in this attack" on an attribution;
 *   hotline note ID... --text TEXT [--abstract TEXT]
 *     a STIX note (§4.12): a comment, a proposal, a counter-proposal.
 * Both are built by compose_opinion / compose_note and published through
 * the local node.
 */
#include <string.h>

#include "cli.h"
#include "workflow/workflow.h"

static void opinion_help(void)
{
    printf("usage: hotline opinion ID... --strongly-disagree|--disagree|--neutral|--agree|\n"
           "           --strongly-agree [--text TEXT] --data DIR --channel NAME\n"
           "           [common options]\n\n"
           "Publishes an opinion on the objects named (a claim, an attribution, a\n"
           "report): how much the party agrees, and why (--text, the explanation).\n");
    cli_produce_help_common();
}

static void note_help(void)
{
    printf("usage: hotline note ID... --text TEXT [--abstract TEXT] --data DIR\n"
           "           --channel NAME [common options]\n\n"
           "Publishes a note on the objects named: a comment, a proposal (such as a\n"
           "working group's terms of reference) or a counter-proposal. --abstract is\n"
           "its one-line summary.\n");
    cli_produce_help_common();
}

int cli_opinion(int argc, char **argv)
{
    static const char *const words[] = {"strongly-disagree", "disagree", "neutral", "agree",
                                        "strongly-agree"};
    struct cli_produce p = {0};
    const char *text = NULL;
    bool said[5] = {false};
    const struct cli_opt opts[] = {
        CLI_PRODUCE_OPTS(p),
        {"--text", NULL, &text, NULL},
        {"--strongly-disagree", NULL, NULL, &said[0]},
        {"--disagree", NULL, NULL, &said[1]},
        {"--neutral", NULL, NULL, &said[2]},
        {"--agree", NULL, NULL, &said[3]},
        {"--strongly-agree", NULL, NULL, &said[4]},
        {NULL, NULL, NULL, NULL},
    };
    char *refs[COMPOSE_LIST_MAX];
    int n_refs = 0;
    const char *opinion = NULL;
    struct compose_ctx c;
    struct cli_node n;
    struct hl_error err;
    json_t *made = NULL;
    int rc = cli_produce_args("opinion", argc, argv, opts, opinion_help, refs, COMPOSE_LIST_MAX,
                              &n_refs);
    if (rc != CLI_PRODUCE_GO)
        return rc;
    for (size_t i = 0; i < 5; i++) {
        if (said[i] && opinion)
            return cli_usage_error("opinion", "give one of --strongly-disagree .. "
                                              "--strongly-agree, not two");
        if (said[i])
            opinion = words[i];
    }
    if (!opinion || n_refs == 0)
        return cli_usage_error("opinion", "an ID and one of --strongly-disagree, --disagree, "
                                          "--neutral, --agree, --strongly-agree are required");
    if (cli_produce_begin("opinion", &p, refs[0], &n, &c) != CLI_OK)
        return CLI_ERROR;
    cli_produce_warn_unheld("opinion", &p, &n, (const char *const *)refs, (size_t)n_refs);
    hl_error_clear(&err);
    rc = compose_opinion(&c, (const char *const *)refs, (size_t)n_refs, opinion, text, &made, &err);
    rc = cli_produce_end("opinion", &p, &n, rc, made, &err);
    return rc;
}

int cli_note(int argc, char **argv)
{
    struct cli_produce p = {0};
    const char *text = NULL, *abstract = NULL;
    const struct cli_opt opts[] = {
        CLI_PRODUCE_OPTS(p),
        {"--text", NULL, &text, NULL},
        {"--abstract", NULL, &abstract, NULL},
        {NULL, NULL, NULL, NULL},
    };
    char *refs[COMPOSE_LIST_MAX];
    int n_refs = 0;
    struct compose_ctx c;
    struct cli_node n;
    struct hl_error err;
    json_t *made = NULL;
    int rc = cli_produce_args("note", argc, argv, opts, note_help, refs, COMPOSE_LIST_MAX, &n_refs);
    if (rc != CLI_PRODUCE_GO)
        return rc;
    if (!text || n_refs == 0)
        return cli_usage_error("note", "an ID and --text TEXT are required");
    if (cli_produce_begin("note", &p, refs[0], &n, &c) != CLI_OK)
        return CLI_ERROR;
    cli_produce_warn_unheld("note", &p, &n, (const char *const *)refs, (size_t)n_refs);
    hl_error_clear(&err);
    rc = compose_note(&c, (const char *const *)refs, (size_t)n_refs, abstract, text, &made, &err);
    rc = cli_produce_end("note", &p, &n, rc, made, &err);
    return rc;
}
