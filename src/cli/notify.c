/*
 * notify.c — `hotline notify --channel C (--file FILE | flags)`: an
 * incident notification (compose_notify: the incident with the Incident
 * Core Extension, its victim, impact, first-seen event, indicators, the
 * suspected malware and actor, relationships, and the report grouping
 * them), published through the local node. The report is what the other
 * members acknowledge (`hotline ack REPORT-ID`); the channel's policy
 * says how soon. The file format is in docs/compose.md; flags given with
 * --file override its fields (lists add to them).
 */
#include <string.h>

#include "cli.h"
#include "stix/stix.h"
#include "workflow/workflow.h"

static void notify_help(void)
{
    printf("usage: hotline notify --data DIR --channel NAME [--file FILE] [--name TEXT]\n"
           "           [--description TEXT] [--first-seen TIME] [--organization TEXT]\n"
           "           [--sector SECTOR]... [--impact TEXT] [--severity LEVEL]\n"
           "           [--indicator PATTERN]... [--malware NAME] [--actor NAME]\n"
           "           [--type INCIDENT-TYPE] [--determination VALUE] [common options]\n\n"
           "Notifies the channel of an incident: publishes an incident (with the OASIS\n"
           "Incident Core Extension: determination, investigation_status, criticality,\n"
           "incident_types, impacts, events), the victim organization, one indicator\n"
           "per STIX pattern, the suspected malware and threat actor, their\n"
           "relationships, and a report (report_types incident) grouping them. Prints\n"
           "\"published REPORT-ID\": the other members acknowledge that id (hotline ack).\n\n"
           "  --file FILE        the fields as a JSON object (docs/compose.md)\n"
           "  --name TEXT        the incident's name (required, here or in the file)\n"
           "  --first-seen TIME  when the activity began (STIX timestamp, UTC)\n"
           "  --organization T   the victim organization\n"
           "  --sector SECTOR    the victim's sector (industry-sector-ov), repeatable\n"
           "  --impact TEXT      what the victim lost (an availability impact)\n"
           "  --severity LEVEL   low, medium, high, critical, or 0..100 (criticality)\n"
           "  --indicator PAT    a STIX pattern, repeatable\n"
           "  --malware NAME     the suspected malware family\n"
           "  --actor NAME       the suspected threat actor\n"
           "  --type TYPE        the Incident Core incident_types (ransomware, wiper, ...)\n"
           "  --determination V  blocked, failed-attempt, false-positive, low-value,\n"
           "                     successful-attempt (default), suspected\n");
    cli_produce_help_common();
}

/* Reads FILE (strict JSON) into in; *doc keeps the strings alive. */
static int notify_read_file(const char *file, struct compose_incident *in, json_t **doc,
                            struct hl_error *err)
{
    struct buf b;
    buf_init(&b, HL_MAX_DOCUMENT_BYTES);
    int rc = hl_read_file(file, HL_MAX_DOCUMENT_BYTES, &b, err);
    if (!rc)
        rc = stix_parse(b.data, b.len, doc, err);
    buf_release(&b);
    if (!rc)
        rc = compose_incident_read(*doc, in, err);
    return rc;
}

int cli_notify(int argc, char **argv)
{
    struct cli_produce p = {0};
    const char *file = NULL, *name = NULL, *description = NULL, *first_seen = NULL,
               *organization = NULL, *impact = NULL, *severity = NULL, *malware = NULL,
               *actor = NULL, *type = NULL, *determination = NULL;
    const struct cli_opt opts[] = {
        CLI_PRODUCE_OPTS(p),
        {"--file", NULL, &file, NULL},
        {"--name", NULL, &name, NULL},
        {"--description", NULL, &description, NULL},
        {"--first-seen", NULL, &first_seen, NULL},
        {"--organization", NULL, &organization, NULL},
        {"--impact", NULL, &impact, NULL},
        {"--severity", NULL, &severity, NULL},
        {"--malware", NULL, &malware, NULL},
        {"--actor", NULL, &actor, NULL},
        {"--type", NULL, &type, NULL},
        {"--determination", NULL, &determination, NULL},
        {NULL, NULL, NULL, NULL},
    };
    const char *sectors[COMPOSE_LIST_MAX], *indicators[COMPOSE_LIST_MAX];
    size_t n_sectors = 0, n_indicators = 0;
    struct compose_incident in;
    struct compose_ctx c;
    struct cli_node n;
    struct hl_error err;
    json_t *doc = NULL, *made = NULL;
    char *operands[1];
    int n_op = 0;
    if (cli_produce_take("notify", &argc, argv, "--sector", sectors, COMPOSE_LIST_MAX,
                         &n_sectors) ||
        cli_produce_take("notify", &argc, argv, "--indicator", indicators, COMPOSE_LIST_MAX,
                         &n_indicators))
        return CLI_ERROR;
    int rc = cli_produce_args("notify", argc, argv, opts, notify_help, operands, 1, &n_op);
    if (rc != CLI_PRODUCE_GO)
        return rc;
    if (n_op)
        return cli_usage_error("notify", "unexpected '%s' (the file goes after --file)",
                               operands[0]);
    if (!file && !name)
        return cli_usage_error("notify", "give --name (and other flags) or --file FILE");
    hl_error_clear(&err);
    memset(&in, 0, sizeof in);
    rc = file ? notify_read_file(file, &in, &doc, &err) : 0;
    if (rc) {
        json_decref(doc);
        return cli_produce_end("notify", &p, NULL, rc, NULL, &err);
    }
    const char **fields[] = {&in.name,          &in.description,  &in.first_seen, &in.organization,
                             &in.impact,        &in.severity,     &in.malware,    &in.actor,
                             &in.incident_type, &in.determination};
    const char *flags[] = {name,     description, first_seen, organization, impact,
                           severity, malware,     actor,      type,         determination};
    for (size_t i = 0; i < sizeof flags / sizeof flags[0]; i++) {
        if (flags[i])
            *fields[i] = flags[i];
    }
    for (size_t i = 0; i < n_sectors && in.n_sectors < COMPOSE_LIST_MAX; i++)
        in.sectors[in.n_sectors++] = sectors[i];
    for (size_t i = 0; i < n_indicators && in.n_indicators < COMPOSE_LIST_MAX; i++)
        in.indicators[in.n_indicators++] = indicators[i];
    if (cli_produce_begin("notify", &p, NULL, &n, &c) != CLI_OK) {
        json_decref(doc);
        return CLI_ERROR;
    }
    rc = compose_notify(&c, &in, &made, &err);
    rc = cli_produce_end("notify", &p, &n, rc, made, &err);
    json_decref(doc);
    return rc;
}
