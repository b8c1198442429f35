/*
 * follow.c — `hotline list --follow`: the duty officer's running view.
 * After the list, every second, the items sealed since the newest one
 * shown are listed again from the store, as `hotline list` reads them
 * (what the node received is in the store the moment it commits), and
 * those not shown yet are printed, oldest first, until SIGINT or SIGTERM.
 *
 * An item's "sealed" time has millisecond precision and several items may
 * share one: the next look starts at the newest millisecond shown, and
 * the ids shown at that millisecond are skipped.
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

/* Where the next look starts: the newest "sealed" time among items, and
 * the ids sealed at that millisecond (seen, rebuilt when it moves on). */
struct follow_edge {
    int64_t at_us;
    json_t *seen; /* id -> true */
};

static void edge_take(struct follow_edge *e, const json_t *items)
{
    size_t i;
    const json_t *it;
    json_array_foreach(items, i, it)
    {
        int64_t t;
        if (!stix_time_parse_us(cli_jstr(it, "sealed"), &t) || t < e->at_us)
            continue;
        if (t > e->at_us) {
            e->at_us = t;
            json_object_clear(e->seen);
        }
        json_object_set_new(e->seen, cli_jstr(it, "id"), json_true());
    }
}

static int by_sealed(const void *a, const void *b)
{
    const char *x = cli_jstr(*(json_t *const *)a, "sealed");
    const char *y = cli_jstr(*(json_t *const *)b, "sealed");
    return strcmp(x ? x : "", y ? y : "");
}

/* The items of found not seen at the edge, oldest first (a new array). */
static json_t *follow_new(const struct follow_edge *e, const json_t *found)
{
    size_t n = 0, i;
    const json_t *it;
    json_t **v = calloc(json_array_size(found) + 1, sizeof *v), *out = json_array();
    if (!v || !out) {
        free(v);
        json_decref(out);
        return NULL;
    }
    json_array_foreach(found, i, it) if (!json_object_get(e->seen, cli_jstr(it, "id"))) v[n++] =
        (json_t *)it;
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
                    const json_t *first, bool json)
{
    struct sigaction sa;
    struct workflow_filter look = *f;
    struct follow_edge e = {f->since_us, json_object()};
    int rc = e.seen ? CLI_OK : CLI_ERROR;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = follow_on_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    if (rc == CLI_OK) {
        follow_print(first, json);
        edge_take(&e, first);
    }
    while (rc == CLI_OK && !follow_stop) {
        follow_nap();
        json_t *found = json_array(), *fresh = NULL;
        look.since_us = e.at_us;
        look.now_us = hl_wall_us();
        rc = found && !follow_stop ? cli_list_collect(n, channel, &look, found) : rc;
        if (rc == CLI_OK && !follow_stop && !(fresh = follow_new(&e, found)))
            rc = CLI_ERROR;
        if (json_array_size(fresh)) {
            follow_print(fresh, json);
            edge_take(&e, fresh);
        }
        json_decref(fresh);
        json_decref(found);
    }
    json_decref(e.seen);
    return rc;
}
