/*
 * channel.c — `hotline channel create|add-member|list|show`.
 *
 *   channel create NAME [--members PEER[,PEER...]] --data DIR
 *   channel add-member NAME PEER --data DIR
 *   channel remove-member NAME PEER --data DIR     (a pending member only)
 *   channel retire-member|reinstate-member NAME PEER --data DIR   (retire.c)
 *   channel list --data DIR [--json]
 *   channel show NAME --data DIR [--json]
 *   channel policy NAME --data DIR [--ack-within DURATION]   (deadlines.c)
 *
 * A channel is a named group of parties (DESIGN.md, "Words"); every member
 * publishes into it through its own log (party, channel). This node's
 * party is always a member. Other members are named by their peer NAME
 * (`hotline peer add`): a known peer joins at once (its party becomes a
 * member and its account gets read and write on the channel), an unknown
 * one is pending until `hotline peer add` of that name. A channel is
 * active when no member is pending: only active channels replicate
 * (docs/federation.md).
 *
 * show is the channel's delivery picture: per member its log as held
 * here (size, latest tree head), how much of OUR log it confirmed holding
 * (the size of its latest receipt for our log), the replication worker's
 * state (last contact, failures, last error), and the channel's alarms.
 */
#include <sodium.h>
#include <stdio.h>
#include <string.h>

#include "auth/auth.h"
#include "cli.h"
#include "stix/stix.h"

#define CHANNEL_MEMBERS_MAX 64 /* peers named in one --members */

static void channel_help(void)
{
    printf("usage: hotline channel create NAME [--members PEER[,PEER...]] --data DIR\n"
           "       hotline channel add-member NAME PEER --data DIR\n"
           "       hotline channel remove-member NAME PEER --data DIR\n"
           "       hotline channel retire-member NAME PEER --data DIR\n"
           "       hotline channel reinstate-member NAME PEER --data DIR\n"
           "       hotline channel list --data DIR [--json]\n"
           "       hotline channel show NAME --data DIR [--json]\n"
           "       hotline channel policy NAME --data DIR [--ack-within DURATION] [--json]\n\n"
           "create: makes the channel NAME (1 to %d characters of a-z, 0-9, '.', '_',\n"
           "'-', starting with a letter or digit) in the node DIR. The node's own party\n"
           "is a member; --members names the other members by their peer names. A\n"
           "peer not added yet ('hotline peer add') is pending: the channel is active,\n"
           "and replicates, only once every member is known.\n\n"
           "add-member: makes PEER a member of NAME (pending if not known yet).\n"
           "remove-member: drops PEER from the members NAME waits for (a name given\n"
           "by mistake); a known member stays a member: its log is part of the channel.\n"
           "retire-member: this node stops exchanging with PEER in NAME and expecting\n"
           "anything of it there (it left, its node is gone): no push or pull, its\n"
           "account loses its rights on NAME, sends do not wait for it, deadlines do\n"
           "not escalate for it; its log stays, and it stays a member (retired).\n"
           "reinstate-member: undoes it; the exchange resumes where it stopped.\n\n"
           "list: every channel: its creation time, active or the members it waits\n"
           "for, its members, and for each party with a log in it, the log's size and\n"
           "its latest tree head (the size and RFC 9162 root the party signed).\n"
           "  --json   {\"channels\": [{\"name\", \"created\", \"active\", \"pending\": [PEER],\n"
           "           \"members\": [{\"id\", \"name\", \"peer\", \"retired\"}], \"logs\":\n"
           "           [{\"party\", \"size\",\n"
           "           \"head_size\", \"head_root\"}]}]}\n\n"
           "show: one channel: active or waiting for whom; per member, its log held\n"
           "here (size, latest tree head), how much of this node's log it confirmed\n"
           "holding (its latest receipt, or what it acknowledged to the replication\n"
           "if more: receipts never answer receipts), last contact and failures of\n"
           "replication, and its clock when it is 2 s or more off ours (as the Date\n"
           "of its answers shows); and the channel's alarms. When a member holds\n"
           "more of this node's log than the node (a directory restored from an\n"
           "older copy), it says so: the node publishes nothing there until the\n"
           "entries are back.\n"
           "  --json   {\"name\", \"created\", \"active\", \"pending\", \"our_log_size\",\n"
           "           \"behind\" (the reason, when so),\n"
           "           \"members\": [{\"id\", \"name\", \"peer\", \"retired\", \"self\", "
           "\"log_size\",\n"
           "           \"head_size\", \"head_root\", \"confirmed\", \"repl\": {\"push_seq\",\n"
           "           \"last_ok\", \"last_try\", \"failures\", \"last_error\",\n"
           "           \"clock_skew_ms\"}}], \"alarms\"}\n\n"
           "policy: sets (--ack-within 30m, 4h, 2d) or shows how soon every other\n"
           "member must acknowledge a notification of NAME (default 24h); see\n"
           "'hotline channel policy --help'.\n\n"
           "Exit codes: 0 done; 2 usage error, the channel exists (create) or not\n"
           "(add-member, show), or no such node.\n",
           SEAL_CHANNEL_MAX);
}

static bool channel_name_ok(const char *name)
{
    if (seal_channel_valid(name))
        return true;
    cli_usage_error("channel",
                    "'%s' is not a channel name: 1 to %d characters of a-z, 0-9, '.', '_', '-', "
                    "starting with a letter or digit",
                    name, SEAL_CHANNEL_MAX);
    return false;
}

int cli_member_add(struct store *s, const char *channel, const char *peer, bool *pending,
                   struct hl_error *err)
{
    struct store_peer p;
    int r = store_peer_get_by_name(s, peer, &p, err);
    *pending = r == -HL_E_NOT_FOUND;
    if (*pending)
        r = store_channel_pending_add(s, channel, peer, err);
    else if (!r && !(r = store_channel_member_add(s, channel, p.party_id, err)))
        r = store_user_right_set(s, peer, channel, AUTH_READ | AUTH_WRITE, err);
    sodium_memzero(&p, sizeof p);
    return r;
}

/* Splits "a,b,c" (edited in place) into names[0..*n): peer names, each
 * once. */
static int channel_parse_members(char *spec, char **names, size_t *n)
{
    *n = 0;
    for (char *item = spec, *next; item; item = next) {
        next = strchr(item, ',');
        if (next)
            *next++ = '\0';
        if (!auth_name_valid(item))
            return cli_usage_error("channel", "'%s' is not a peer name", item);
        for (size_t i = 0; i < *n; i++)
            if (strcmp(names[i], item) == 0)
                return cli_usage_error("channel", "member '%s' is named twice", item);
        if (*n == CHANNEL_MEMBERS_MAX)
            return cli_usage_error("channel", "more than %d members", CHANNEL_MEMBERS_MAX);
        names[(*n)++] = item;
    }
    return CLI_OK;
}

/* Creates the channel (create) or checks it exists, then adds members, in
 * one transaction. */
static int channel_members_in(struct cli_node *node, const char *name, bool create, char **members,
                              size_t n, struct hl_error *err)
{
    struct store_channel c = {.created_us = hl_wall_us()};
    bool pending = false;
    snprintf(c.name, sizeof c.name, "%s", name);
    int r = store_begin(node->store, err);
    if (!r && create && !(r = store_channel_create(node->store, &c, err)))
        r = store_channel_member_add(node->store, c.name, node->party, err);
    else if (!r && !create)
        r = store_channel_get(node->store, name, &c, err);
    for (size_t i = 0; !r && i < n; i++)
        r = cli_member_add(node->store, name, members[i], &pending, err);
    if (!r)
        r = store_commit(node->store, err);
    return r;
}

static int channel_create(int argc, char **argv, bool create)
{
    const char *dir = NULL, *members = NULL;
    const struct cli_opt opts[] = {{"--data", NULL, &dir, NULL},
                                   {"--members", NULL, &members, NULL},
                                   {NULL, NULL, NULL, NULL}};
    char *ops[2], spec[4096], *names[CHANNEL_MEMBERS_MAX];
    size_t n_names = 0;
    int n = 0;
    if (cli_parse_opts("channel", argc, argv, opts, ops, 2, &n))
        return CLI_ERROR;
    if (!create && members)
        return cli_usage_error("channel", "--members belongs to create");
    if (n != (create ? 1 : 2))
        return cli_usage_error("channel", create ? "create needs a channel NAME"
                                                 : "add-member needs a channel NAME and a PEER");
    if (!channel_name_ok(ops[0]))
        return CLI_ERROR;
    if (members && snprintf(spec, sizeof spec, "%s", members) >= (int)sizeof spec)
        return cli_usage_error("channel", "--members is longer than %zu bytes", sizeof spec - 1);
    if (members && channel_parse_members(spec, names, &n_names))
        return CLI_ERROR;
    if (!create && channel_parse_members(ops[1], names, &n_names))
        return CLI_ERROR;
    struct cli_node node;
    if (cli_node_open("channel", dir, false, &node))
        return CLI_ERROR;
    struct hl_error err;
    hl_error_clear(&err);
    int r = channel_members_in(&node, ops[0], create, names, n_names, &err);
    cli_node_close(&node); /* rolls back what a failure left open */
    if (r == -HL_E_EXISTS && create)
        fprintf(stderr, "hotline channel: channel '%s' already exists in %s\n", ops[0], dir);
    else if (r == -HL_E_NOT_FOUND && !create && !strcmp(err.where, ops[0]))
        fprintf(stderr, "hotline channel: no channel '%s' in %s\n", ops[0], dir);
    else if (r)
        cli_report(&err);
    return r ? CLI_ERROR : CLI_OK;
}

/* Why remove-member found nothing to remove, on stderr. */
static void channel_not_pending(struct store *s, const char *channel, const char *peer,
                                const char *dir)
{
    struct store_channel c;
    struct store_peer p;
    struct hl_error err;
    if (store_channel_get(s, channel, &c, &err) == -HL_E_NOT_FOUND)
        fprintf(stderr, "hotline channel: no channel '%s' in %s\n", channel, dir);
    else if (store_peer_get_by_name(s, peer, &p, &err) == 0)
        fprintf(stderr,
                "hotline channel: %s is a known peer; a member stays a member of %s (its log is "
                "part of the channel), only a pending member can be removed\n",
                peer, channel);
    else
        fprintf(stderr, "hotline channel: %s is not a pending member of %s\n", peer, channel);
    sodium_memzero(&p, sizeof p);
}

int cli_channel_peer_args(int argc, char **argv, const char *verb, char *ops[2], const char **dir)
{
    const struct cli_opt opts[] = {{"--data", NULL, dir, NULL}, {NULL, NULL, NULL, NULL}};
    int n = 0;
    *dir = NULL;
    if (cli_parse_opts("channel", argc, argv, opts, ops, 2, &n))
        return CLI_ERROR;
    if (n != 2)
        return cli_usage_error("channel", "%s needs a channel NAME and a PEER", verb);
    return channel_name_ok(ops[0]) ? CLI_OK : CLI_ERROR;
}

static int channel_remove_member(int argc, char **argv)
{
    const char *dir = NULL;
    char *ops[2];
    struct cli_node node;
    if (cli_channel_peer_args(argc, argv, "remove-member", ops, &dir) ||
        cli_node_open("channel", dir, false, &node))
        return CLI_ERROR;
    struct hl_error err;
    hl_error_clear(&err);
    int r = store_channel_pending_remove(node.store, ops[0], ops[1], &err);
    if (r == -HL_E_NOT_FOUND)
        channel_not_pending(node.store, ops[0], ops[1], dir);
    else if (r)
        cli_report(&err);
    cli_node_close(&node);
    return r ? CLI_ERROR : CLI_OK;
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
    struct store_peer peer;
    int64_t retired = p->retired_us;
    char t[32];
    int r = store_peer_get(l->node->store, p->id, &peer, l->err);
    if (r && r != -HL_E_NOT_FOUND)
        return r;
    stix_time_format_us_ms(retired, t);
    json_t *m = json_pack("{s:s, s:s, s:s?, s:s?}", "id", p->id, "name", p->name, "peer",
                          r ? NULL : peer.name, "retired", retired ? t : NULL);
    sodium_memzero(&peer, sizeof peer);
    return m && json_array_append_new(l->out, m) == 0 ? 0 : -HL_E_NOMEM;
}

static int list_pending(void *ctx, const char *channel, const char *name)
{
    (void)channel;
    return json_array_append_new(ctx, json_string(name)) ? -HL_E_NOMEM : 0;
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

/* The channel's common part: name, created, active, pending, members. */
static json_t *channel_json(struct cli_node *node, const struct store_channel *c,
                            struct hl_error *err, int *r)
{
    char when[32];
    bool active = false;
    stix_time_format_us_ms(c->created_us, when);
    json_t *ch =
        json_pack("{s:s, s:s, s:[], s:[]}", "name", c->name, "created", when, "pending", "members");
    struct list_ctx sub = {node, c->name, json_object_get(ch, "pending"), err};
    *r = ch ? store_channel_pending_list(node->store, c->name, list_pending, sub.out, err)
            : -HL_E_NOMEM;
    if (!*r)
        *r = store_channel_active(node->store, c->name, &active, err);
    if (!*r && json_object_set_new(ch, "active", json_boolean(active)))
        *r = -HL_E_NOMEM;
    sub.out = json_object_get(ch, "members");
    if (!*r)
        *r = store_channel_member_list(node->store, c->name, list_member, &sub, err);
    cli_members_sort(sub.out);
    return ch;
}

static int list_channel(void *ctx, const struct store_channel *c)
{
    struct list_ctx *l = ctx;
    int r = 0;
    json_t *ch = channel_json(l->node, c, l->err, &r);
    if (ch && (json_array_append_new(l->out, ch) || json_object_set_new(ch, "logs", json_array())))
        return -HL_E_NOMEM;
    struct list_ctx sub = {l->node, c->name, json_object_get(ch, "logs"), l->err};
    return r ? r : store_party_list(l->node->store, list_log, &sub, l->err);
}

/* "active" or "waiting for a, b". */
static void print_activity(const json_t *c)
{
    size_t i;
    const json_t *x;
    if (json_is_true(json_object_get(c, "active"))) {
        printf("active");
        return;
    }
    printf("waiting for");
    json_array_foreach(json_object_get(c, "pending"), i, x)
        printf("%s%s", i ? ", " : " ", json_string_value(x));
}

static void list_print_text(const json_t *channels)
{
    size_t i, j;
    const json_t *c, *x;
    json_array_foreach(channels, i, c)
    {
        printf("%s  created %s  ", cli_jstr(c, "name"), cli_jstr(c, "created"));
        print_activity(c);
        putchar('\n');
        json_array_foreach(json_object_get(c, "members"), j, x)
        {
            const char *peer = cli_jstr(x, "peer");
            printf("  member %s (%s)%s%s%s%s\n", cli_jstr(x, "id"), cli_jstr(x, "name"),
                   peer ? " peer " : "", peer ? peer : "",
                   cli_jstr(x, "retired") ? ", retired here since " : "",
                   cli_jstr(x, "retired") ? cli_jstr(x, "retired") : "");
        }
        json_array_foreach(json_object_get(c, "pending"), j, x)
            printf("  pending %s (not a known peer yet)\n", json_string_value(x));
        json_array_foreach(json_object_get(c, "logs"), j, x)
        {
            printf("  log %s (%s): %" JSON_INTEGER_FORMAT " entries", cli_jstr(x, "party"),
                   cli_jstr(x, "party_name"), cli_jint(x, "size"));
            if (json_object_get(x, "head_root"))
                printf(", tree head size %" JSON_INTEGER_FORMAT " root %s",
                       cli_jint(x, "head_size"), cli_jstr(x, "head_root"));
            putchar('\n');
        }
    }
}

/* Reports a failure of list or show; err may be empty for NOMEM. */
static void channel_report(int r, struct hl_error *err)
{
    if (!err->code)
        hl_fail(err, -r, NULL, "%s", hl_strerror(-r));
    cli_report(err);
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
        channel_report(r, &err);
        rc = CLI_ERROR;
    } else if (json) {
        json_t *o = json_pack("{s:O}", "channels", channels);
        rc = cli_json_print(o);
        json_decref(o);
    } else {
        list_print_text(channels);
    }
    json_decref(channels);
    return rc;
}

/* ---- show ------------------------------------------------------------------- */

/* Per member (an element of "members"): its log here, its receipt of ours,
 * the replication state. */
static int show_member(struct cli_node *node, const char *channel, json_t *m, struct hl_error *err)
{
    const char *party = cli_jstr(m, "id");
    struct store_tree_head h;
    struct store_receipt rc;
    struct store_repl_state st;
    int64_t size = 0;
    char hex[65], ok[32], tried[32];
    bool self = strcmp(party, node->party) == 0;
    int r = store_log_size(node->store, party, channel, &size, err);
    json_object_set_new(m, "self", json_boolean(self));
    json_object_set_new(m, "log_size", json_integer(size));
    if (!r && (r = store_tree_head_latest(node->store, party, channel, &h, err)) == 0) {
        hl_hex(hex, h.root, 32);
        json_object_set_new(m, "head_size", json_integer(h.size));
        json_object_set_new(m, "head_root", json_string(hex));
    }
    if (r == -HL_E_NOT_FOUND)
        r = 0;
    if (r || self)
        return r;
    r = store_receipt_latest(node->store, node->party, channel, party, &rc, err);
    if (!r)
        json_object_set_new(m, "confirmed", json_integer(rc.size));
    else if (r == -HL_E_NOT_FOUND)
        r = 0;
    if (!r)
        r = store_repl_state_get(node->store, party, channel, &st, err);
    if (r)
        return r;
    stix_time_format_us_ms(st.last_ok_us, ok);
    stix_time_format_us_ms(st.last_try_us, tried);
    json_t *repl =
        json_pack("{s:I, s:s?, s:s?, s:I, s:s, s:I}", "push_seq", (json_int_t)st.push_seq,
                  "last_ok", st.last_ok_us ? ok : NULL, "last_try", st.last_try_us ? tried : NULL,
                  "failures", (json_int_t)st.failures, "last_error", st.last_error, "clock_skew_ms",
                  (json_int_t)st.clock_skew_ms);
    return json_object_set_new(m, "repl", repl) ? -HL_E_NOMEM : 0;
}

static int show_alarm(void *ctx, const struct store_alarm *a)
{
    json_t *j = cli_alarm_json(a, false);
    return !j || json_array_append_new(ctx, j) ? -HL_E_NOMEM : 0;
}

static int show_build(struct cli_node *node, const char *name, json_t **out, struct hl_error *err)
{
    struct store_channel c;
    int64_t ours = 0;
    size_t i;
    json_t *m;
    int r = store_channel_get(node->store, name, &c, err);
    json_t *ch = r ? NULL : channel_json(node, &c, err, &r);
    json_array_foreach(json_object_get(ch, "members"), i, m) if (!r) r =
        show_member(node, name, m, err);
    cli_members_sort(json_object_get(ch, "members"));
    if (!r)
        r = store_log_size(node->store, node->party, name, &ours, err);
    if (!r && (json_object_set_new(ch, "our_log_size", json_integer(ours)) ||
               json_object_set_new(ch, "alarms", json_array())))
        r = -HL_E_NOMEM;
    struct hl_error behind;
    int b = r ? 0 : log_own_current(node->store, node->party, name, &behind);
    if (b == -HL_E_BEHIND)
        r = json_object_set_new(ch, "behind", json_string(behind.msg)) ? -HL_E_NOMEM : 0;
    else if (b) {
        *err = behind;
        r = b;
    }
    if (!r)
        r = store_alarm_list(node->store, name, show_alarm, json_object_get(ch, "alarms"), err);
    if (r)
        json_decref(ch);
    *out = r ? NULL : ch;
    return r;
}

/* One member's line of show. */
static void show_print_member(const json_t *m, json_int_t ours)
{
    const char *peer = cli_jstr(m, "peer");
    const json_t *repl = json_object_get(m, "repl");
    printf("  %s (%s)", cli_jstr(m, "name"), cli_jstr(m, "id"));
    if (json_is_true(json_object_get(m, "self")))
        printf(" this node");
    else if (peer)
        printf(" peer %s", peer);
    printf(": log %" JSON_INTEGER_FORMAT " entries held here", cli_jint(m, "log_size"));
    if (json_object_get(m, "head_size"))
        printf(", tree head %" JSON_INTEGER_FORMAT, cli_jint(m, "head_size"));
    if (json_is_true(json_object_get(m, "self"))) {
        putchar('\n');
        return;
    }
    /* A receipt is the signed word; the worker's push_seq also counts
     * entries the peer acknowledged that no receipt answers (receipts and
     * tree heads are never answered by receipts). */
    json_int_t held = cli_jint(m, "confirmed"), pushed = cli_jint(repl, "push_seq");
    printf("; holds %" JSON_INTEGER_FORMAT "/%" JSON_INTEGER_FORMAT " of our log",
           pushed > held ? pushed : held, ours);
    if (cli_jstr(m, "retired")) { /* not exchanged with any more */
        printf("; retired here since %s\n", cli_jstr(m, "retired"));
        return;
    }
    json_int_t failures = cli_jint(repl, "failures");
    const char *ok = cli_jstr(repl, "last_ok");
    char why[STORE_DETAIL_MAX + 128];
    cli_unreachable(why, sizeof why, ok, (long long)failures, cli_jstr(repl, "last_error"));
    if (failures)
        printf("; %s", why);
    else
        printf("; last contact %s", ok ? ok : "never");
    if (cli_clock_skew(why, sizeof why, cli_jint(repl, "clock_skew_ms")))
        printf("; %s", why);
    putchar('\n');
}

static void show_print(const json_t *ch)
{
    size_t i;
    const json_t *x;
    json_int_t ours = cli_jint(ch, "our_log_size");
    printf("%s  created %s  ", cli_jstr(ch, "name"), cli_jstr(ch, "created"));
    print_activity(ch);
    printf("\nour log: %" JSON_INTEGER_FORMAT " entries\n", ours);
    if (json_object_get(ch, "behind"))
        printf("our log is behind: %s\n", cli_jstr(ch, "behind"));
    printf("members:\n");
    json_array_foreach(json_object_get(ch, "members"), i, x) show_print_member(x, ours);
    json_array_foreach(json_object_get(ch, "pending"), i, x)
        printf("  %s: pending (not a known peer yet)\n", json_string_value(x));
    const json_t *alarms = json_object_get(ch, "alarms");
    printf("alarms: %s\n", json_array_size(alarms) ? "" : "none");
    json_array_foreach(alarms, i, x) cli_alarm_print(x);
}

static int channel_show(int argc, char **argv)
{
    const char *dir = NULL;
    bool json = false;
    const struct cli_opt opts[] = {
        {"--data", NULL, &dir, NULL}, {"--json", NULL, NULL, &json}, {NULL, NULL, NULL, NULL}};
    char *name[1];
    int n = 0;
    if (cli_parse_opts("channel", argc, argv, opts, name, 1, &n))
        return CLI_ERROR;
    if (n != 1)
        return cli_usage_error("channel", "show needs a channel NAME");
    struct cli_node node;
    if (!channel_name_ok(name[0]) || cli_node_open("channel", dir, false, &node))
        return CLI_ERROR;
    struct hl_error err;
    json_t *ch = NULL;
    hl_error_clear(&err);
    int r = store_begin_read(node.store, &err);
    if (!r)
        r = show_build(&node, name[0], &ch, &err);
    cli_node_close(&node);
    if (r == -HL_E_NOT_FOUND && !strcmp(err.where, name[0]))
        fprintf(stderr, "hotline channel: no channel '%s' in %s\n", name[0], dir);
    else if (r)
        channel_report(r, &err);
    else if (json)
        r = cli_json_print(ch) ? -HL_E_IO : 0;
    else
        show_print(ch);
    json_decref(ch);
    return r ? CLI_ERROR : CLI_OK;
}

int cli_channel(int argc, char **argv)
{
    if (argc >= 2 && strcmp(argv[1], "policy") == 0) /* its own --help */
        return cli_channel_policy(argc - 1, argv + 1);
    if (cli_wants_help(argc, argv)) {
        channel_help();
        return CLI_OK;
    }
    if (argc < 2)
        return cli_usage_error("channel", "expected a subcommand: create, add-member, "
                                          "remove-member, retire-member, reinstate-member, "
                                          "list, show, policy");
    if (strcmp(argv[1], "create") == 0)
        return channel_create(argc - 1, argv + 1, true);
    if (strcmp(argv[1], "add-member") == 0)
        return channel_create(argc - 1, argv + 1, false);
    if (strcmp(argv[1], "remove-member") == 0)
        return channel_remove_member(argc - 1, argv + 1);
    if (strcmp(argv[1], "retire-member") == 0 || strcmp(argv[1], "reinstate-member") == 0)
        return cli_channel_retire(argc - 1, argv + 1, strcmp(argv[1], "retire-member") == 0);
    if (strcmp(argv[1], "list") == 0)
        return channel_list(argc - 1, argv + 1);
    if (strcmp(argv[1], "show") == 0)
        return channel_show(argc - 1, argv + 1);
    return cli_usage_error("channel",
                           "unknown subcommand '%s' (expected: create, add-member, "
                           "remove-member, retire-member, reinstate-member, list, show, policy)",
                           argv[1]);
}
