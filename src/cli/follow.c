/*
 * follow.c — `hotline list --follow`: the duty officer's running view.
 * It lists what the filters select, then, every second, lists the channel
 * again from the store (what the node received is there the moment it
 * commits) and prints each item it has not printed or passed over before,
 * oldest seal first, until SIGINT or SIGTERM.
 *
 * New items are told by their id, not by their seal time: an item sealed
 * an hour ago by a member that was cut off arrives now, behind newer ones,
 * and is new here all the same. --since chooses what the first listing
 * shows; everything that arrives later is shown.
 */
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli.h"
#include "stix/stix.h"
#include "workflow/workflow.h"

#define FOLLOW_EVERY_MS 1000
#define FOLLOW_NAP_MS 100 /* how soon a signal is noticed */

static volatile sig_atomic_t follow_stop;

static void follow_on_signal(int sig)
{
    (void)sig;
    follow_stop = 1;
}

static int by_sealed(const void *a, const void *b)
{
    const char *x = cli_jstr(*(json_t *const *)a, "sealed");
    const char *y = cli_jstr(*(json_t *const *)b, "sealed");
    return strcmp(x ? x : "", y ? y : "");
}

/* The items of found not in seen, oldest seal first (a new array), and
 * with since_us only those sealed then or later; all of found go into
 * seen. */
static json_t *follow_new(json_t *seen, const json_t *found, int64_t since_us)
{
    size_t n = 0, i;
    const json_t *it;
    json_t **v = calloc(json_array_size(found) + 1, sizeof *v), *out = json_array();
    if (!v || !out) {
        free(v);
        json_decref(out);
        return NULL;
    }
    json_array_foreach(found, i, it)
    {
        const char *id = cli_jstr(it, "id");
        int64_t t = 0;
        if (!id || json_object_get(seen, id))
            continue;
        json_object_set_new(seen, id, json_true());
        if (since_us && (!stix_time_parse_us(cli_jstr(it, "sealed"), &t) || t < since_us))
            continue;
        v[n++] = (json_t *)it;
    }
    qsort(v, n, sizeof *v, by_sealed);
    for (i = 0; i < n; i++)
        json_array_append(out, v[i]);
    free(v);
    return out;
}

static void follow_print(const json_t *items, bool json)
{
    size_t i;
    const json_t *it;
    if (json)
        json_array_foreach(items, i, it) cli_json_print(it);
    else
        cli_list_print(items, hl_wall_us());
    fflush(stdout);
}

/* Sleeps FOLLOW_EVERY_MS, or less when a signal came. */
static void follow_nap(void)
{
    struct timespec nap = {0, FOLLOW_NAP_MS * 1000000L};
    for (int waited = 0; waited < FOLLOW_EVERY_MS && !follow_stop; waited += FOLLOW_NAP_MS)
        nanosleep(&nap, NULL);
}

int cli_list_follow(struct cli_node *n, const char *channel, const struct workflow_filter *f,
                    bool json)
{
    struct sigaction sa;
    struct workflow_filter look = *f;
    json_t *seen = json_object();
    int rc = seen ? CLI_OK : CLI_ERROR;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = follow_on_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    look.since_us = 0; /* every item, so that each is known by its id */
    for (bool first = true; rc == CLI_OK && !follow_stop; first = false) {
        json_t *found = json_array(), *fresh = NULL;
        if (!first)
            follow_nap();
        look.now_us = hl_wall_us();
        rc = found && !follow_stop ? cli_list_collect(n, channel, &look, found) : rc;
        if (rc == CLI_OK && !follow_stop &&
            !(fresh = follow_new(seen, found, first ? f->since_us : 0)))
            rc = CLI_ERROR;
        if (json_array_size(fresh))
            follow_print(fresh, json);
        json_decref(fresh);
        json_decref(found);
    }
    json_decref(seen);
    return rc;
}
