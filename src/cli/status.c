/*
 * status.c — `hotline status OBJECT-ID --data DIR [--channel C] [--json]`:
 * where an object is, and which members confirmed holding it.
 *
 * Delivery (DESIGN.md, "A notification, end to end"): an object is
 * published when it is entry n of its publisher's log of the channel; it is
 * delivered to member M once M's receipt for that log has a size greater
 * than n (M signed "I hold your log up to size N"). The receipt is itself
 * an entry of M's log: its sequence number there and its time are shown.
 * Acknowledgment by a person is the workflow's (a later issue).
 *
 * The latest version of the object is the one reported, in every channel
 * that holds it (or only --channel). Exit 0 when it is delivered to every
 * other member everywhere it is, 3 when some member does not hold it yet
 * (or is still pending), 2 when the object is nowhere or on usage errors.
 */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "stix/stix.h"

static void status_help(void)
{
    printf("usage: hotline status OBJECT-ID --data DIR [--channel C] [--json]\n\n"
           "Where the object OBJECT-ID (its latest version) is: in each channel holding\n"
           "it (only C with --channel), the party that published it, its sequence\n"
           "number in that party's log, and its version; then per other member of\n"
           "the channel whether it is delivered: the member's receipt for that log\n"
           "covers the entry (receipt size > seq). A delivered member shows the\n"
           "receipt's sequence number in its own log and the receipt's time; the\n"
           "others show 'not yet' and how much of the log they confirmed, or that\n"
           "they are pending (not a known peer yet), or retired from the channel here\n"
           "(hotline channel retire-member: not expected, and not waited for).\n"
           "  --json   {\"object\", \"delivered_to_all\", \"locations\": [{\"channel\",\n"
           "           \"publisher\", \"publisher_name\", \"seq\", \"version\", \"members\":\n"
           "           [{\"party\", \"name\", \"peer\", \"pending\", \"delivered\",\n"
           "           \"confirmed\", \"receipt_seq\", \"receipt_time\", \"retired\"}]}]}\n\n"
           "Exit codes: 0 delivered to every member (but those retired); 3 not yet\n"
           "delivered to every member; 2 usage error, no such object, or no such\n"
           "node.\n");
}

struct status_ctx {
    struct cli_node *node;
    const char *id;
    const char *channel; /* the channel being looked at */
    json_t *locations;
    json_t *latest; /* the newest version found in channel, owned */
    const char *publisher;
    int64_t seq;
    bool all;
    struct hl_error *err;
};

static int status_version(void *ctx, const struct store_object *o)
{
    struct status_ctx *s = ctx;
    json_t *j = json_loadb((const char *)o->json, o->json_len, JSON_REJECT_DUPLICATES, NULL);
    if (!j)
        return hl_fail(s->err, HL_E_PARSE, o->stix_id, "stored object does not parse");
    json_decref(s->latest); /* versions come oldest first */
    s->latest = j;
    return 0;
}

/* The object of a receipt (row): its seq in the witness's log and time. */
static int status_receipt_object(void *ctx, const struct store_object *o)
{
    json_t *m = ctx;
    json_t *j = json_loadb((const char *)o->json, o->json_len, JSON_REJECT_DUPLICATES, NULL);
    json_t *seq = json_object_get(j, SEAL_PROP_SEQ), *created = json_object_get(j, "created");
    char when[32];
    stix_time_format_us_ms(o->date_added_us, when);
    json_object_set(m, "receipt_seq", seq ? seq : json_null());
    json_object_set_new(m, "receipt_time",
                        json_string(json_is_string(created) ? json_string_value(created) : when));
    json_decref(j);
    return 0;
}

/* One member of the location's channel. */
static int status_member(void *ctx, const struct store_party *p)
{
    struct status_ctx *s = ctx;
    struct store_receipt rc;
    struct store_peer peer;
    if (strcmp(p->id, s->publisher) == 0)
        return 0;
    int r = store_peer_get(s->node->store, p->id, &peer, s->err);
    if (r && r != -HL_E_NOT_FOUND)
        return r;
    json_t *m = json_pack("{s:s, s:s, s:s?, s:b, s:b}", "party", p->id, "name", p->name, "peer",
                          r ? NULL : peer.name, "pending", false, "self",
                          strcmp(p->id, s->node->party) == 0);
    memset(&peer, 0, sizeof peer);
    json_t *members =
        json_object_get(json_array_get(s->locations, json_array_size(s->locations) - 1), "members");
    if (!m || json_array_append_new(members, m))
        return -HL_E_NOMEM;
    int64_t retired = p->retired_us;
    if (retired) { /* not waited for: hotline channel retire-member */
        char t[32];
        stix_time_format_us_ms(retired, t);
        json_object_set_new(m, "retired", json_string(t));
    }
    r = store_receipt_latest(s->node->store, s->publisher, s->channel, p->id, &rc, s->err);
    bool delivered = !r && rc.size > s->seq;
    json_object_set_new(m, "delivered", json_boolean(delivered));
    json_object_set_new(m, "confirmed", json_integer(r ? 0 : rc.size));
    s->all = s->all && (delivered || retired);
    if (r == -HL_E_NOT_FOUND)
        return 0;
    return r || !delivered
               ? r
               : store_object_get(s->node->store, rc.object_row, status_receipt_object, m, s->err);
}

static int status_pending(void *ctx, const char *channel, const char *name)
{
    struct status_ctx *s = ctx;
    (void)channel;
    json_t *members =
        json_object_get(json_array_get(s->locations, json_array_size(s->locations) - 1), "members");
    s->all = false;
    json_t *m = json_pack("{s:n, s:s, s:s, s:b, s:b, s:i}", "party", "name", name, "peer", name,
                          "pending", true, "delivered", false, "confirmed", 0);
    return !m || json_array_append_new(members, m) ? -HL_E_NOMEM : 0;
}

/* The object's latest version in one channel, with its members. */
static int status_channel(void *ctx, const struct store_channel *c)
{
    struct status_ctx *s = ctx;
    struct store_party pub;
    s->channel = c->name;
    json_decref(s->latest);
    s->latest = NULL;
    int r = store_object_versions(s->node->store, c->name, s->id, status_version, s, s->err);
    if (r == -HL_E_NOT_FOUND) {
        hl_error_clear(s->err);
        return 0;
    }
    json_t *party = json_object_get(s->latest, SEAL_PROP_PARTY);
    json_t *seq = json_object_get(s->latest, SEAL_PROP_SEQ);
    const char *version = cli_jstr(s->latest, "modified");
    if (!version)
        version = cli_jstr(s->latest, "created");
    if (!r && (!json_is_string(party) || !json_is_integer(seq)))
        r = hl_fail(s->err, HL_E_STORE, s->id, "the stored object in %s carries no seal", c->name);
    if (r)
        return r;
    s->publisher = json_string_value(party);
    s->seq = json_integer_value(seq);
    r = store_party_get(s->node->store, s->publisher, &pub, s->err);
    json_t *loc = r ? NULL
                    : json_pack("{s:s, s:s, s:s, s:I, s:s?, s:[]}", "channel", c->name, "publisher",
                                s->publisher, "publisher_name", pub.name, "seq", (json_int_t)s->seq,
                                "version", version, "members");
    if (!r && (!loc || json_array_append_new(s->locations, loc)))
        r = -HL_E_NOMEM;
    if (!r)
        r = store_channel_member_list(s->node->store, c->name, status_member, s, s->err);
    if (!r)
        r = store_channel_pending_list(s->node->store, c->name, status_pending, s, s->err);
    cli_members_sort(json_object_get(loc, "members"));
    return r;
}

static void status_print(const json_t *locations)
{
    size_t i, k;
    const json_t *l, *m;
    json_array_foreach(locations, i, l)
    {
        printf("%s in channel %s: published by %s (%s) at seq %" JSON_INTEGER_FORMAT
               ", version %s\n",
               cli_jstr(l, "object"), cli_jstr(l, "channel"), cli_jstr(l, "publisher_name"),
               cli_jstr(l, "publisher"), cli_jint(l, "seq"), cli_jstr(l, "version"));
        json_array_foreach(json_object_get(l, "members"), k, m)
        {
            const char *peer = cli_jstr(m, "peer");
            if (json_is_true(json_object_get(m, "self")))
                printf("  this node, %s", cli_jstr(m, "name"));
            else
                printf("  %s", peer ? peer : cli_jstr(m, "name"));
            if (json_is_true(json_object_get(m, "pending")))
                printf(": not yet (pending: not a known peer)\n");
            else if (json_is_true(json_object_get(m, "delivered")))
                printf(": delivered, receipt #%" JSON_INTEGER_FORMAT " in its log at %s\n",
                       cli_jint(m, "receipt_seq"), cli_jstr(m, "receipt_time"));
            else if (cli_jstr(m, "retired"))
                printf(": not expected (retired from the channel here since %s)\n",
                       cli_jstr(m, "retired"));
            else
                printf(": not yet (it confirmed %" JSON_INTEGER_FORMAT " entries of the log)\n",
                       cli_jint(m, "confirmed"));
        }
    }
}

static int status_run(struct cli_node *node, const char *id, const char *channel, bool json)
{
    struct hl_error err;
    struct store_channel c;
    hl_error_clear(&err);
    struct status_ctx s = {node, id, NULL, json_array(), NULL, NULL, 0, true, &err};
    int r = s.locations ? store_begin_read(node->store, &err) : -HL_E_NOMEM;
    if (!r && channel && !(r = store_channel_get(node->store, channel, &c, &err)))
        r = status_channel(&s, &c);
    else if (!r && !channel)
        r = store_channel_list(node->store, status_channel, &s, &err);
    json_decref(s.latest);
    size_t i;
    json_t *l;
    json_array_foreach(s.locations, i, l) json_object_set_new(l, "object", json_string(id));
    if (r == -HL_E_NOT_FOUND && channel && !strcmp(err.where, channel))
        fprintf(stderr, "hotline status: no channel '%s'\n", channel);
    else if (r)
        cli_report(&err);
    else if (!json_array_size(s.locations))
        fprintf(stderr, "hotline status: no object %s in %s\n", id,
                channel ? channel : "any channel of this node");
    else if (json) {
        json_t *o = json_pack("{s:s, s:b, s:O}", "object", id, "delivered_to_all", s.all,
                              "locations", s.locations);
        r = cli_json_print(o) ? -HL_E_IO : 0;
        json_decref(o);
    } else
        status_print(s.locations);
    bool found = json_array_size(s.locations) > 0;
    json_decref(s.locations);
    return r || !found ? CLI_ERROR : s.all ? CLI_OK : CLI_PENDING;
}

int cli_status(int argc, char **argv)
{
    const char *dir = NULL, *channel = NULL;
    bool json = false;
    const struct cli_opt opts[] = {{"--data", NULL, &dir, NULL},
                                   {"--channel", NULL, &channel, NULL},
                                   {"--json", NULL, NULL, &json},
                                   {NULL, NULL, NULL, NULL}};
    char *id[1];
    int n = 0;
    if (cli_wants_help(argc, argv)) {
        status_help();
        return CLI_OK;
    }
    if (cli_parse_opts("status", argc, argv, opts, id, 1, &n))
        return CLI_ERROR;
    if (n != 1)
        return cli_usage_error("status", "expected one OBJECT-ID");
    if (!stix_id_valid(id[0], NULL))
        return cli_usage_error("status", "'%s' is not a STIX id (type--UUID)", id[0]);
    if (channel && !seal_channel_valid(channel))
        return cli_usage_error("status", "'%s' is not a channel name", channel);
    struct cli_node node;
    if (cli_node_open("status", dir, false, &node))
        return CLI_ERROR;
    int rc = status_run(&node, id[0], channel, json);
    cli_node_close(&node);
    return rc;
}
