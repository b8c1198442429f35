/*
 * channel.c — `hotline channel create NAME --data DIR` and
 * `hotline channel list --data DIR [--json]`.
 *
 * A channel is a named group of parties (DESIGN.md, "Words"); every member
 * publishes into it through its own log (party, channel). create makes a
 * channel whose only member is this node's party (the federation issue
 * adds the others); list shows each channel with its members and, for every
 * party with a log in it, the log's size and its latest tree head.
 */
#include <stdio.h>
#include <string.h>

#include "cli.h"

static void channel_help(void)
{
    printf("usage: hotline channel create NAME --data DIR\n"
           "       hotline channel list --data DIR [--json]\n\n"
           "create: makes the channel NAME (1 to %d characters of a-z, 0-9, '.', '_',\n"
           "'-', starting with a letter or digit) in the node DIR, with the node's own\n"
           "party as its only member.\n\n"
           "list: prints every channel: its creation time, its members, and for each\n"
           "party with a log in it, the log's size and its latest tree head (the size\n"
           "and RFC 9162 root the party signed).\n"
           "  --json   print {\"channels\": [{\"name\", \"created\", \"members\": [{\"id\",\n"
           "           \"name\"}], \"logs\": [{\"party\", \"size\", \"head_size\",\n"
           "           \"head_root\"}]}]} instead\n\n"
           "Exit codes: 0 done; 2 usage error, the channel exists, or no such node.\n",
           SEAL_CHANNEL_MAX);
}

static int channel_create(int argc, char **argv)
{
    const char *dir = NULL;
    const struct cli_opt opts[] = {{"--data", NULL, &dir, NULL}, {NULL, NULL, NULL, NULL}};
    char *name[1];
    int n = 0;
    if (cli_parse_opts("channel", argc, argv, opts, name, 1, &n))
        return CLI_ERROR;
    if (n != 1)
        return cli_usage_error("channel", "create needs a channel NAME");
    if (!seal_channel_valid(name[0]))
        return cli_usage_error("channel",
                               "'%s' is not a channel name: 1 to %d characters of a-z, 0-9, "
                               "'.', '_', '-', starting with a letter or digit",
                               name[0], SEAL_CHANNEL_MAX);
    struct cli_node node;
    if (cli_node_open("channel", dir, false, &node))
        return CLI_ERROR;
    struct store_channel c = {.created_us = cli_now_us()};
    struct hl_error err;
    hl_error_clear(&err);
    snprintf(c.name, sizeof c.name, "%s", name[0]);
    int r = store_begin(node.store, &err);
    if (!r && !(r = store_channel_create(node.store, &c, &err)) &&
        !(r = store_channel_member_add(node.store, c.name, node.party, &err)))
        r = store_commit(node.store, &err);
    cli_node_close(&node); /* rolls back what a failure left open */
    if (r == -HL_E_EXISTS) {
        fprintf(stderr, "hotline channel: channel '%s' already exists in %s\n", c.name, dir);
        return CLI_ERROR;
    }
    if (r) {
        cli_report(&err);
        return CLI_ERROR;
    }
    return CLI_OK;
}

/* ---- list ----------------------------------------------------------------- */

struct list_ctx {
    struct cli_node *node;
    const char *channel;
    json_t *out; /* the array being filled */
    struct hl_error *err;
};

static int list_member(void *ctx, const struct store_party *p)
{
    struct list_ctx *l = ctx;
    json_t *m = json_pack("{s:s, s:s}", "id", p->id, "name", p->name);
    return m && json_array_append_new(l->out, m) == 0 ? 0 : -HL_E_NOMEM;
}

/* The log of party p in the channel, if it has one. */
static int list_log(void *ctx, const struct store_party *p)
{
    struct list_ctx *l = ctx;
    struct store_tree_head h;
    int64_t size = 0;
    int r = store_log_size(l->node->store, p->id, l->channel, &size, l->err);
    if (r || size == 0)
        return r;
    json_t *log = json_pack("{s:s, s:s, s:I}", "party", p->id, "party_name", p->name, "size",
                            (json_int_t)size);
    if (!log || json_array_append_new(l->out, log) != 0)
        return -HL_E_NOMEM;
    r = store_tree_head_latest(l->node->store, p->id, l->channel, &h, l->err);
    if (r == -HL_E_NOT_FOUND)
        return 0;
    if (r)
        return r;
    char hex[65];
    hl_hex(hex, h.root, 32);
    if (json_object_set_new(log, "head_size", json_integer(h.size)) ||
        json_object_set_new(log, "head_root", json_string(hex)))
        return -HL_E_NOMEM;
    return 0;
}

static int list_channel(void *ctx, const struct store_channel *c)
{
    struct list_ctx *l = ctx;
    char when[32];
    cli_format_us(c->created_us, when);
    json_t *ch =
        json_pack("{s:s, s:s, s:[], s:[]}", "name", c->name, "created", when, "members", "logs");
    if (!ch || json_array_append_new(l->out, ch) != 0)
        return -HL_E_NOMEM;
    struct list_ctx sub = {l->node, c->name, json_object_get(ch, "members"), l->err};
    int r = store_channel_member_list(l->node->store, c->name, list_member, &sub, l->err);
    sub.out = json_object_get(ch, "logs");
    return r ? r : store_party_list(l->node->store, list_log, &sub, l->err);
}

static void list_print_text(const json_t *channels)
{
    size_t i, j;
    const json_t *c, *x;
    json_array_foreach(channels, i, c)
    {
        printf("%s  created %s\n", json_string_value(json_object_get(c, "name")),
               json_string_value(json_object_get(c, "created")));
        json_array_foreach(json_object_get(c, "members"), j, x)
        {
            printf("  member %s (%s)\n", json_string_value(json_object_get(x, "id")),
                   json_string_value(json_object_get(x, "name")));
        }
        json_array_foreach(json_object_get(c, "logs"), j, x)
        {
            printf("  log %s (%s): %" JSON_INTEGER_FORMAT " entries",
                   json_string_value(json_object_get(x, "party")),
                   json_string_value(json_object_get(x, "party_name")),
                   json_integer_value(json_object_get(x, "size")));
            if (json_object_get(x, "head_root"))
                printf(", tree head size %" JSON_INTEGER_FORMAT " root %s",
                       json_integer_value(json_object_get(x, "head_size")),
                       json_string_value(json_object_get(x, "head_root")));
            putchar('\n');
        }
    }
}

static int channel_list(int argc, char **argv)
{
    const char *dir = NULL;
    bool json = false;
    const struct cli_opt opts[] = {
        {"--data", NULL, &dir, NULL}, {"--json", NULL, NULL, &json}, {NULL, NULL, NULL, NULL}};
    int n = 0;
    if (cli_parse_opts("channel", argc, argv, opts, NULL, 0, &n))
        return CLI_ERROR;
    struct cli_node node;
    if (cli_node_open("channel", dir, false, &node))
        return CLI_ERROR;
    struct hl_error err;
    hl_error_clear(&err);
    json_t *channels = json_array();
    struct list_ctx l = {&node, NULL, channels, &err};
    int r = channels ? store_begin_read(node.store, &err) : -HL_E_NOMEM;
    if (!r)
        r = store_channel_list(node.store, list_channel, &l, &err);
    cli_node_close(&node);
    int rc = CLI_OK;
    if (r) {
        if (!err.code)
            hl_fail(&err, -r, NULL, "%s", hl_strerror(-r));
        cli_report(&err);
        rc = CLI_ERROR;
    } else if (json) {
        json_t *o = json_pack("{s:O}", "channels", channels);
        if (!o || json_dumpf(o, stdout, JSON_COMPACT | JSON_ENSURE_ASCII) != 0)
            rc = CLI_ERROR;
        putchar('\n');
        json_decref(o);
    } else {
        list_print_text(channels);
    }
    json_decref(channels);
    return rc;
}

int cli_channel(int argc, char **argv)
{
    if (cli_wants_help(argc, argv)) {
        channel_help();
        return CLI_OK;
    }
    if (argc < 2)
        return cli_usage_error("channel", "expected a subcommand: create or list");
    if (strcmp(argv[1], "create") == 0)
        return channel_create(argc - 1, argv + 1);
    if (strcmp(argv[1], "list") == 0)
        return channel_list(argc - 1, argv + 1);
    return cli_usage_error("channel", "unknown subcommand '%s' (expected: create, list)", argv[1]);
}
