/*
 * produce.c — what the commands that make new objects share (notify,
 * dossier, request, opinion, note, translate): their common options
 * (--data, --channel, --no-wait, --timeout, --json, --print), repeatable
 * options, the publishing party and time the builders need
 * (workflow.h, compose), and the end: publishing through the local node
 * with cli_publish (the output and exit codes of `hotline send`), or with
 * --print, writing the objects as one TAXII envelope on stdout instead,
 * without a node.
 */
#include <string.h>

#include "cli.h"
#include "stix/stix.h"
#include "workflow/workflow.h"

static int produce_end(const char *cmd, const struct cli_produce *p, int built, json_t *made,
                       const struct hl_error *err);

int cli_produce_take(const char *cmd, int *argc, char **argv, const char *name, const char **out,
                     size_t max, size_t *n)
{
    int w = 1, i = 1;
    for (; i < *argc && strcmp(argv[i], "--") != 0; i++) {
        if (strcmp(argv[i], name) != 0) {
            argv[w++] = argv[i];
            continue;
        }
        if (i + 1 >= *argc)
            return cli_usage_error(cmd, "%s needs a value", name);
        if (*n >= max)
            return cli_usage_error(cmd, "at most %zu times %s", max, name);
        out[(*n)++] = argv[++i];
    }
    for (; i < *argc; i++)
        argv[w++] = argv[i];
    *argc = w;
    return CLI_OK;
}

/* store_channel_list: the first channel holding ctx's id. */
struct produce_find {
    struct store *s;
    const char *id;
    char channel[STORE_TEXT_MAX + 1];
};

static int produce_any(void *ctx, const struct store_object *o)
{
    (void)ctx;
    (void)o;
    return 0;
}

static int produce_find_channel(void *ctx, const struct store_channel *c)
{
    struct produce_find *f = ctx;
    struct hl_error err;
    if (!f->channel[0] && store_object_versions(f->s, c->name, f->id, produce_any, NULL, &err) == 0)
        snprintf(f->channel, sizeof f->channel, "%s", c->name);
    return 0;
}

int cli_produce_begin(const char *cmd, struct cli_produce *p, const char *about, struct cli_node *n,
                      struct compose_ctx *c)
{
    struct store_channel ch;
    struct hl_error err;
    struct cli_publish pub = {0};
    if (!p->dir || (!p->channel && !about))
        return cli_usage_error(cmd, "--data DIR and --channel NAME are required");
    if (cli_publish_timeout(cmd, p->timeout, &pub) != CLI_OK)
        return CLI_ERROR;
    if (cli_node_open(cmd, p->dir, false, n) != CLI_OK)
        return CLI_ERROR;
    hl_error_clear(&err);
    int rc = 0;
    if (!p->channel) {
        struct produce_find f = {.s = n->store, .id = about};
        rc = store_channel_list(n->store, produce_find_channel, &f, &err);
        if (!rc && !f.channel[0]) {
            fprintf(stderr, "hotline %s: no channel at %s holds %s; name one with --channel\n", cmd,
                    p->dir, about);
            cli_node_close(n);
            return CLI_ERROR;
        }
        snprintf(p->found, sizeof p->found, "%s", f.channel);
        p->channel = p->found;
    }
    if (!rc)
        rc = store_channel_get(n->store, p->channel, &ch, &err);
    if (rc) {
        if (rc == -HL_E_NOT_FOUND)
            fprintf(stderr, "hotline %s: no channel '%s' at %s\n", cmd, p->channel, p->dir);
        else
            cli_report(&err);
        cli_node_close(n);
        return CLI_ERROR;
    }
    c->party = n->party;
    c->now_us = hl_wall_us();
    c->tlp = p->tlp;
    return CLI_OK;
}

void cli_produce_warn_unheld(const char *cmd, const struct cli_produce *p, const struct cli_node *n,
                             const char *const *refs, size_t n_refs)
{
    struct hl_error err;
    for (size_t i = 0; i < n_refs; i++) {
        if (stix_id_valid(refs[i], NULL) &&
            store_object_versions(n->store, p->channel, refs[i], produce_any, NULL, &err) ==
                -HL_E_NOT_FOUND)
            fprintf(stderr, "hotline %s: warning: channel %s holds no %s\n", cmd, p->channel,
                    refs[i]);
    }
}

int cli_produce_args(const char *cmd, int argc, char **argv, const struct cli_opt *opts,
                     void (*help)(void), char **operands, int max, int *n)
{
    if (cli_wants_help(argc, argv)) {
        help();
        return CLI_OK;
    }
    return cli_parse_opts(cmd, argc, argv, opts, operands, max, n) ? CLI_ERROR : CLI_PRODUCE_GO;
}

int cli_produce_end(const char *cmd, const struct cli_produce *p, struct cli_node *n, int built,
                    json_t *made, const struct hl_error *err)
{
    int rc = produce_end(cmd, p, built, made, err);
    if (n)
        cli_node_close(n);
    json_decref(made);
    return rc;
}

/* Prints the builder's failure, or publishes (or prints) what it made. */
static int produce_end(const char *cmd, const struct cli_produce *p, int built, json_t *made,
                       const struct hl_error *err)
{
    if (built) {
        const char *msg = err->msg[0] ? err->msg : hl_strerror(err->code);
        if (err->where[0])
            fprintf(stderr, "hotline %s: %s: %s\n", cmd, err->where, msg);
        else
            fprintf(stderr, "hotline %s: %s\n", cmd, msg);
        return CLI_ERROR;
    }
    json_t *objects = json_object_get(made, "objects");
    json_t *one = objects ? NULL : json_pack("[O]", made);
    const json_t *list = objects ? objects : one;
    /* What the command made: a notification's or dossier's report (last),
     * or the one object. */
    const char *id = cli_jstr(json_array_get(list, json_array_size(list) - 1), "id");
    int rc;
    if (!list) {
        rc = CLI_ERROR;
    } else if (p->print) {
        json_t *env = json_pack("{s:O}", "objects", list);
        rc = cli_json_print(env);
        json_decref(env);
    } else {
        struct cli_publish pub = {.dir = p->dir,
                                  .channel = p->channel,
                                  .no_wait = p->no_wait,
                                  .json = p->json,
                                  .timeout_s = CLI_PUBLISH_TIMEOUT_S,
                                  .id = id};
        if (cli_publish_timeout(cmd, p->timeout, &pub) != CLI_OK)
            rc = CLI_ERROR;
        else
            rc = cli_publish(&pub, list);
    }
    json_decref(one);
    return rc;
}

void cli_produce_help_common(void)
{
    printf("\nCommon options:\n"
           "  --data DIR      the node directory (the party that publishes)\n"
           "  --channel NAME  the channel to publish into (opinion, note, translate,\n"
           "                  request: by default the one holding the first ID)\n"
           "  --no-wait       return once the node has stored the objects\n"
           "  --timeout S     wait at most S seconds for every member's receipt (default %d)\n"
           "  --json          print {\"id\", \"status\", \"delivery\"} on one line instead\n"
           "  --print         print the objects as one TAXII envelope, publish nothing\n"
           "  --tlp LEVEL     mark every object TLP 2.0 clear, green, amber, amber+strict\n"
           "                  or red (the official marking-definitions): nodes never share\n"
           "                  amber, amber+strict or red outside the channel\n\n"
           "Publishing goes through the node in DIR, which must be serving (hotline\n"
           "serve), as `hotline send` does. Exit codes: 0 stored and delivered; 1 the\n"
           "node refused some objects; 2 usage error, invalid argument (named) or\n"
           "operational error; 3 stored but not confirmed by every member in time.\n",
           CLI_PUBLISH_TIMEOUT_S);
}
