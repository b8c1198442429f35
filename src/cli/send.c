/*
 * send.c — `hotline send --channel NAME FILE --data DIR`: publishes a STIX
 * object, bundle or TAXII envelope through the local node (a TAXII POST,
 * as the node's admin user "cli" with DIR/cli.token, over HTTPS pinned to
 * the node's own DIR/tls.crt), prints the status, then waits until every
 * other member of the channel holds a receipt covering what was sent
 * (GET /api/hotline/collections/{id}/delivery/, docs/taxii.md) and prints
 * one line per member:
 *     delivered to b (receipt #812)
 *
 * Exit codes: 0 everything stored and (unless --no-wait) delivered to
 * every member; 1 the node refused some objects (each printed with its
 * reason); 2 usage error, unreadable file, node unreachable or refusing
 * the request; 3 stored, but not every member confirmed before --timeout.
 * The publishing itself is cli_publish (publish.c), which the
 * workflow commands share.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "stix/stix.h"

static void send_help(void)
{
    printf("usage: hotline send --channel NAME FILE --data DIR [--no-wait] [--timeout S]\n"
           "                    [--json]\n\n"
           "Publishes FILE (a STIX 2.1 object, a bundle or a TAXII envelope; - is\n"
           "stdin) into channel NAME through the node in DIR, which must be serving\n"
           "(hotline serve): the node validates, seals and appends the objects, and\n"
           "its replication worker delivers them to every other member. Prints\n"
           "    stored N of M objects          (N sealed now; a version already in\n"
           "                                    the channel is not published again)\n"
           "then waits until each member's receipt covers them:\n"
           "    delivered to NAME (receipt #N)\n"
           "    not yet confirmed by NAME[: why, while the node cannot reach it]\n"
           "    not sent to NAME: retired from CHANNEL here since TIME (not waited for)\n\n"
           "  --no-wait    return once the node has stored the objects\n"
           "  --timeout S  wait at most S seconds for receipts (default %d)\n"
           "  --json       print {\"status\": STATUS, \"delivery\": DELIVERY} instead\n\n"
           "The node is reached where its hotline serve listens (DIR/serve.lock;\n"
           "hotline.conf's listen when no server runs) with the token in\n"
           "DIR/cli.token, its certificate pinned to DIR/tls.crt.\n\n"
           "Exit codes: 0 stored and delivered; 1 some objects refused; 2 usage or\n"
           "operational error; 3 stored but not confirmed by every member in time.\n",
           CLI_PUBLISH_TIMEOUT_S);
}

/* FILE's objects (of a STIX object, bundle or envelope) as a new array. */
static int send_objects(const char *file, json_t **out, struct hl_error *err)
{
    struct buf b;
    json_t *doc = NULL;
    *out = NULL;
    buf_init(&b, HL_MAX_DOCUMENT_BYTES);
    int r = hl_read_file(file, HL_MAX_DOCUMENT_BYTES, &b, err);
    if (!r)
        r = stix_parse(b.data, b.len, &doc, err);
    buf_release(&b);
    if (r)
        return r;
    const char *type = json_string_value(json_object_get(doc, "type"));
    json_t *list = json_object_get(doc, "objects");
    if (json_is_array(list) && (!type || !strcmp(type, "bundle")))
        *out = json_incref(list);
    else if (type)
        *out = json_pack("[O]", doc);
    else
        r = hl_fail(err, HL_E_PARSE, file, "%s is not a STIX object, bundle or envelope", file);
    if (!r && !*out)
        r = hl_fail(err, HL_E_NOMEM, NULL, "out of memory");
    json_decref(doc);
    return r;
}

int cli_send(int argc, char **argv)
{
    struct cli_publish p = {.timeout_s = CLI_PUBLISH_TIMEOUT_S};
    const char *timeout = NULL;
    const struct cli_opt opts[] = {
        {"--data", NULL, &p.dir, NULL},      {"--channel", NULL, &p.channel, NULL},
        {"--timeout", NULL, &timeout, NULL}, {"--no-wait", NULL, NULL, &p.no_wait},
        {"--json", NULL, NULL, &p.json},     {NULL, NULL, NULL, NULL},
    };
    char *operands[2];
    int n = 0;
    struct hl_error err;
    json_t *objects = NULL;
    if (cli_wants_help(argc, argv)) {
        send_help();
        return CLI_OK;
    }
    if (cli_parse_opts("send", argc, argv, opts, operands, 2, &n))
        return CLI_ERROR;
    if (!p.dir || !p.channel || n != 1)
        return cli_usage_error("send", "--data DIR, --channel NAME and one FILE are required");
    if (cli_publish_timeout("send", timeout, &p))
        return CLI_ERROR;
    hl_error_clear(&err);
    if (send_objects(operands[0], &objects, &err)) {
        cli_report(&err);
        return CLI_ERROR;
    }
    int r = cli_publish(&p, objects);
    json_decref(objects);
    return r;
}
