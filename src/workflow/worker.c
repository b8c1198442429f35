/*
 * worker.c — the deadline worker of `hotline serve`: a thread that runs
 * the deadline check (workflow_escalate) with the real clock at start and
 * every interval_s after, on its own store connection, until stopped.
 * Escalations are made once whatever the interval (the escalations
 * table), so a node restarted, or a check run by `hotline deadlines` in
 * between, escalates nothing twice. A failing check is logged and retried
 * at the next interval; it never stops the node.
 */
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "workflow.h"

struct workflow_worker {
    struct workflow_worker_options o;
    char hook[WORKFLOW_HOOK_PATH_MAX + 1]; /* the thread's, for the check it runs */
    struct store *s;
    pthread_t thread;
    pthread_mutex_t lock;
    pthread_cond_t wake;
    bool stop;
    /* Under lock: what workflow_worker_set gave, taken before the next
     * check. */
    bool changed;
    unsigned interval_set;
    char hook_set[WORKFLOW_HOOK_PATH_MAX + 1];
};

static HL_MUST_CHECK int hook_check(const char *hook, struct hl_error *err)
{
    if (hook && strlen(hook) > WORKFLOW_HOOK_PATH_MAX)
        return hl_fail(err, HL_E_TOO_LARGE, "escalation_hook", "escalation_hook is too long");
    if (hook && hook[0] && hook[0] != '/')
        return hl_fail(err, HL_E_INVALID, "escalation_hook",
                       "escalation_hook must be an absolute path, not %s", hook);
    return 0;
}

static void worker_log(struct workflow_worker *w, const char *fmt, ...) HL_PRINTF(2, 3);
static void worker_log(struct workflow_worker *w, const char *fmt, ...)
{
    char line[1024];
    va_list ap;
    if (!w->o.log)
        return;
    va_start(ap, fmt);
    vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    w->o.log(w->o.log_ctx, line);
}

static void *worker_main(void *arg)
{
    struct workflow_worker *w = arg;
    hl_thread_name("hl-workflow");
    struct timespec until;
    pthread_mutex_lock(&w->lock);
    while (!w->stop) {
        if (w->changed) {
            w->o.interval_s = w->interval_set;
            memcpy(w->hook, w->hook_set, sizeof w->hook);
            w->changed = false;
        }
        pthread_mutex_unlock(&w->lock);
        struct hl_error err;
        size_t n = 0;
        hl_error_clear(&err);
        const struct workflow_escalate_options eo = {
            .hook = w->hook, .hook_fd = -1, .log = w->o.log, .ctx = w->o.log_ctx};
        if (workflow_escalate(w->s, hl_wall_us(), &eo, &n, &err))
            worker_log(w, "deadline check failed: %s", err.msg);
        pthread_mutex_lock(&w->lock);
        clock_gettime(CLOCK_MONOTONIC, &until);
        until.tv_sec += w->o.interval_s;
        while (!w->stop && !w->changed && pthread_cond_timedwait(&w->wake, &w->lock, &until) == 0)
            ;
    }
    pthread_mutex_unlock(&w->lock);
    return NULL;
}

int workflow_worker_start(const struct workflow_worker_options *o, struct workflow_worker **out,
                          struct hl_error *err)
{
    struct store_options so = {.must_exist = true, .manual_checkpoint = true, .concurrent = true};
    pthread_condattr_t ca;
    *out = NULL;
    if (!o || !o->db_path || !o->interval_s)
        return hl_fail(err, HL_E_INVALID, "workflow", "deadline worker: no database or interval");
    int r = hook_check(o->hook, err);
    if (r)
        return r;
    struct workflow_worker *w = calloc(1, sizeof *w);
    if (!w)
        return hl_fail(err, HL_E_NOMEM, NULL, "out of memory");
    w->o = *o;
    snprintf(w->hook, sizeof w->hook, "%s", o->hook ? o->hook : "");
    r = store_open(o->db_path, &so, &w->s, err);
    if (r) {
        free(w);
        return r;
    }
    pthread_mutex_init(&w->lock, NULL);
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&w->wake, &ca);
    pthread_condattr_destroy(&ca);
    if (pthread_create(&w->thread, NULL, worker_main, w) != 0) {
        pthread_cond_destroy(&w->wake);
        pthread_mutex_destroy(&w->lock);
        store_close(w->s);
        free(w);
        return hl_fail(err, HL_E_NOMEM, "workflow", "cannot start the deadline worker");
    }
    *out = w;
    return 0;
}

int workflow_worker_set(struct workflow_worker *w, unsigned interval_s, const char *hook,
                        struct hl_error *err)
{
    if (!interval_s)
        return hl_fail(err, HL_E_INVALID, "deadline_interval_s", "must be at least 1");
    int r = hook_check(hook, err);
    if (r)
        return r;
    pthread_mutex_lock(&w->lock);
    w->interval_set = interval_s;
    snprintf(w->hook_set, sizeof w->hook_set, "%s", hook ? hook : "");
    w->changed = true;
    pthread_cond_signal(&w->wake);
    pthread_mutex_unlock(&w->lock);
    return 0;
}

void workflow_worker_stop(struct workflow_worker *w)
{
    if (!w)
        return;
    pthread_mutex_lock(&w->lock);
    w->stop = true;
    pthread_cond_signal(&w->wake);
    pthread_mutex_unlock(&w->lock);
    pthread_join(w->thread, NULL);
    pthread_cond_destroy(&w->wake);
    pthread_mutex_destroy(&w->lock);
    store_close(w->s);
    free(w);
}
