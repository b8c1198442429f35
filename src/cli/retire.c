/*
 * retire.c — `hotline channel retire-member|reinstate-member`.
 *
 *   channel retire-member NAME PEER --data DIR
 *   channel reinstate-member NAME PEER --data DIR
 *
 * A party leaves an agreement, or its node is gone for good: the channel
 * keeps it as a member (its log is part of the channel's history, and
 * the other members may still hold it as one), but this node stops
 * exchanging with it there and stops expecting anything of it: no push,
 * no pull, its account loses its rights on the channel (its requests find
 * no collection: 404), sends and `status` no longer wait for its receipt, and
 * deadlines no longer escalate for it (docs/federation.md section 11).
 * Everything it published and signed stays, and audits as before.
 * reinstate-member undoes it: rights back, exchange again from where it
 * stopped. Both are one transaction.
 */
#include <sodium.h>
#include <stdio.h>
#include <string.h>

#include "auth/auth.h"
#include "cli.h"
#include "stix/stix.h"

/* Retires (at_us > 0) or reinstates (0) peer in channel, with its
 * account's rights, in one transaction. */
static int retire_in(struct cli_node *node, const char *channel, const struct store_peer *p,
                     int64_t at_us, struct hl_error *err)
{
    int r = store_begin(node->store, err);
    if (r)
        return r;
    r = store_channel_member_retire(node->store, channel, p->party_id, at_us, err);
    if (!r)
        r = store_user_right_set(node->store, p->name, channel, at_us ? 0 : AUTH_READ | AUTH_WRITE,
                                 err);
    if (!r)
        r = store_commit(node->store, err);
    return r; /* cli_node_close rolls back what a failure left open */
}

/* What the member is now, for the operator; at_us its retirement (0 none)
 * before the command. */
static void retire_say(const char *channel, const struct store_peer *p, bool retire, int64_t was_us,
                       int64_t now_us)
{
    char t[32];
    stix_time_format_us_ms(was_us ? was_us : now_us, t);
    if (retire && was_us)
        printf("%s was retired from %s already, at %s\n", p->name, channel, t);
    else if (retire)
        printf("retired %s from %s at %s: this node no longer exchanges with it there, nor waits "
               "for it, nor escalates for it; its log stays\n",
               p->name, channel, t);
    else if (!was_us)
        printf("%s is a member of %s like the others already\n", p->name, channel);
    else
        printf("reinstated %s in %s: the exchange with it resumes where it stopped\n", p->name,
               channel);
}

int cli_channel_retire(int argc, char **argv, bool retire)
{
    const char *dir = NULL;
    char *ops[2];
    struct cli_node node;
    if (cli_channel_peer_args(argc, argv, retire ? "retire-member" : "reinstate-member", ops,
                              &dir) ||
        cli_node_open("channel", dir, false, &node))
        return CLI_ERROR;
    struct store_peer p;
    struct store_channel c;
    struct hl_error err;
    int64_t was = 0, now = hl_wall_us();
    memset(&p, 0, sizeof p);
    hl_error_clear(&err);
    int r = store_peer_get_by_name(node.store, ops[1], &p, &err);
    if (!r)
        r = store_channel_member_retired(node.store, ops[0], p.party_id, &was, &err);
    if (r == -HL_E_NOT_FOUND) {
        if (store_channel_get(node.store, ops[0], &c, &err) == -HL_E_NOT_FOUND)
            fprintf(stderr, "hotline channel: no channel '%s' in %s\n", ops[0], dir);
        else if (!p.party_id[0])
            fprintf(stderr, "hotline channel: %s is not a peer of this node (hotline peer list)\n",
                    ops[1]);
        else
            fprintf(stderr, "hotline channel: %s is not a member of channel '%s'\n", ops[1],
                    ops[0]);
    }
    bool said = r == -HL_E_NOT_FOUND;
    if (!r && (retire ? !was : was))
        r = retire_in(&node, ops[0], &p, retire ? now : 0, &err);
    if (r && !said)
        cli_report(&err);
    if (!r)
        retire_say(ops[0], &p, retire, was, now);
    sodium_memzero(&p, sizeof p);
    cli_node_close(&node);
    return r ? CLI_ERROR : CLI_OK;
}
