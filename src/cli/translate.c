/*
 * translate.c — `hotline translate ID --lang ru --field description
 * --text ...`: a translation of one free-text property of an object the
 * channel holds, as a STIX language-content (§7.1) for the object's
 * newest version (object_modified), built by compose_translation and
 * published through the local node. `hotline show ID` prints the original
 * and its translations side by side.
 */
#include <string.h>

#include "cli.h"
#include "stix/stix.h"
#include "workflow/workflow.h"

static void translate_help(void)
{
    printf("usage: hotline translate ID --lang TAG --field NAME --text TEXT --data DIR\n"
           "           --channel NAME [common options]\n\n"
           "Publishes a translation of the text property NAME (name, description,\n"
           "explanation, content, ...) of object ID, which the channel must hold, into\n"
           "language TAG (RFC 5646: ru, en, zh-Hant), for the object's newest version.\n"
           "hotline show ID prints the original and the translations side by side.\n");
    cli_produce_help_common();
}

/* Keeps the newest version's JSON (versions come oldest first). */
static int translate_keep(void *ctx, const struct store_object *o)
{
    struct buf *b = ctx;
    buf_clear(b);
    return buf_add(b, o->json, o->json_len);
}

/* The newest version of id in the channel, parsed. */
static int translate_original(struct store *s, const char *channel, const char *id, json_t **out,
                              struct hl_error *err)
{
    struct buf b;
    buf_init(&b, HL_MAX_DOCUMENT_BYTES);
    int rc = stix_id_valid(id, NULL)
                 ? store_object_versions(s, channel, id, translate_keep, &b, err)
                 : hl_fail(err, HL_E_INVALID, id, "not a STIX identifier");
    if (rc == -HL_E_NOT_FOUND)
        rc = hl_fail(err, HL_E_NOT_FOUND, id, "channel %s holds no object %s", channel, id);
    if (!rc)
        rc = stix_parse(b.data, b.len, out, err);
    buf_release(&b);
    return rc;
}

int cli_translate(int argc, char **argv)
{
    struct cli_produce p = {0};
    const char *lang = NULL, *field = NULL, *text = NULL;
    const struct cli_opt opts[] = {
        CLI_PRODUCE_OPTS(p),
        {"--lang", NULL, &lang, NULL},
        {"--field", NULL, &field, NULL},
        {"--text", NULL, &text, NULL},
        {NULL, NULL, NULL, NULL},
    };
    char *operands[2];
    int n_op = 0;
    struct compose_ctx c;
    struct cli_node n;
    struct hl_error err;
    json_t *original = NULL, *made = NULL;
    int rc = cli_produce_args("translate", argc, argv, opts, translate_help, operands, 2, &n_op);
    if (rc != CLI_PRODUCE_GO)
        return rc;
    if (n_op != 1 || !lang || !field || !text)
        return cli_usage_error("translate", "one ID, --lang, --field and --text are required");
    if (cli_produce_begin("translate", &p, operands[0], &n, &c) != CLI_OK)
        return CLI_ERROR;
    hl_error_clear(&err);
    rc = translate_original(n.store, p.channel, operands[0], &original, &err);
    if (!rc)
        rc = compose_translation(&c, original, lang, field, text, &made, &err);
    rc = cli_produce_end("translate", &p, &n, rc, made, &err);
    json_decref(original);
    return rc;
}
