/*
 * dossier.c — `hotline dossier --channel C FILE`: a dossier on persons of
 * interest (compose_dossier: per person an identity, a threat-actor,
 * locations, accounts and wallets, attributed-to / located-at /
 * citizen-of relationships, links to incidents; in one report), published
 * through the local node. FILE is JSON or CSV (docs/compose.md): CSV when
 * its name ends in .csv or with --csv, else JSON.
 */
#include <string.h>

#include "cli.h"
#include "stix/stix.h"
#include "workflow/workflow.h"

static void dossier_help(void)
{
    printf("usage: hotline dossier --data DIR --channel NAME FILE [--csv] [--name TEXT]\n"
           "           [common options]\n\n"
           "Hands over a dossier on persons of interest: for each person an identity\n"
           "(individual), a threat-actor (named by the first handle), their location\n"
           "and nationality, accounts and wallets (user-account), the incidents they\n"
           "are linked to (incident attributed-to threat-actor), and, with a group, a\n"
           "threat-actor for the group; all in one report, whose id is printed.\n\n"
           "FILE (- is stdin) is JSON, or CSV when it ends in .csv or with --csv: a\n"
           "header row naming the columns name, aliases, handles, nationality,\n"
           "country, city, accounts, wallets, incidents, description; several values\n"
           "in one cell separated by ';'. Formats and examples: docs/compose.md.\n\n"
           "  --csv         read FILE as CSV whatever its name\n"
           "  --name TEXT   the report's name (default \"Dossier: N persons of interest\")\n");
    cli_produce_help_common();
}

static bool dossier_is_csv(const char *file, bool csv)
{
    size_t n = strlen(file);
    return csv || (n > 4 && strcmp(file + n - 4, ".csv") == 0);
}

int cli_dossier(int argc, char **argv)
{
    struct cli_produce p = {0};
    const char *name = NULL;
    bool csv = false;
    const struct cli_opt opts[] = {
        CLI_PRODUCE_OPTS(p),
        {"--name", NULL, &name, NULL},
        {"--csv", NULL, NULL, &csv},
        {NULL, NULL, NULL, NULL},
    };
    char *operands[2];
    int n_op = 0;
    struct compose_ctx c;
    struct cli_node n;
    struct hl_error err;
    struct buf b;
    json_t *doc = NULL, *made = NULL;
    int rc = cli_produce_args("dossier", argc, argv, opts, dossier_help, operands, 2, &n_op);
    if (rc != CLI_PRODUCE_GO)
        return rc;
    if (n_op != 1)
        return cli_usage_error("dossier", "one FILE (JSON or CSV) is required");
    if (cli_produce_begin("dossier", &p, NULL, &n, &c) != CLI_OK)
        return CLI_ERROR;
    hl_error_clear(&err);
    buf_init(&b, HL_MAX_DOCUMENT_BYTES);
    rc = hl_read_file(operands[0], HL_MAX_DOCUMENT_BYTES, &b, &err);
    if (!rc && dossier_is_csv(operands[0], csv))
        rc = compose_dossier_csv(b.data, b.len, name, &doc, &err);
    else if (!rc)
        rc = stix_parse(b.data, b.len, &doc, &err);
    buf_release(&b);
    if (!rc && name && json_is_object(doc) && json_object_set_new(doc, "name", json_string(name)))
        rc = hl_fail(&err, HL_E_NOMEM, NULL, "out of memory");
    if (!rc)
        rc = compose_dossier(&c, doc, &made, &err);
    rc = cli_produce_end("dossier", &p, &n, rc, made, &err);
    json_decref(doc);
    return rc;
}
