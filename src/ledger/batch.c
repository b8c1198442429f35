/*
 * batch.c — sealing a batch in parallel, while it is being stored.
 *
 * A seal's cost is one RFC 8785 form, one SHA-256 and one Ed25519
 * signature (about 25 µs for a 1.7 KB object here); storing an entry is a
 * few row writes that must happen in order on the caller's connection. So
 * worker threads seal the objects (each knows its sequence number in
 * advance), object i by worker i mod T, and the caller stores object i as
 * soon as it is sealed: the writes overlap the signatures instead of
 * following them. The objects of a batch are separate JSON trees, so
 * workers never touch the same one. A batch too small to be worth a thread
 * is sealed on the caller's thread.
 */
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "log_int.h"

#define SEAL_MAX_THREADS 16
#define SEAL_MIN_PER_THREAD 8 /* below this, a thread costs more than it saves */

struct log_sealer {
    const struct log_signer *me;
    const char *channel;
    json_t *const *objs;
    struct buf *canons;
    uint64_t first_seq;
    size_t n;
    unsigned stride;       /* worker threads, or 1 on the caller's thread */
    unsigned started;      /* workers running */
    int *rc;               /* per object */
    struct hl_error *errs; /* per object */
    unsigned char *done;   /* per object, under lock */
    pthread_mutex_t lock;
    pthread_cond_t cond;
    pthread_t tid[SEAL_MAX_THREADS];
    struct seal_worker {
        struct log_sealer *s;
        unsigned k;
    } w[SEAL_MAX_THREADS];
};

static void seal_one(struct log_sealer *j, size_t i)
{
    j->rc[i] = seal_object_canon(j->objs[i], j->me->key, j->me->party, j->channel, j->first_seq + i,
                                 &j->canons[i], &j->errs[i]);
}

static void *seal_run(void *arg)
{
    struct seal_worker *w = arg;
    struct log_sealer *j = w->s;
    for (size_t i = w->k; i < j->n; i += j->stride) {
        seal_one(j, i);
        pthread_mutex_lock(&j->lock);
        j->done[i] = 1;
        pthread_cond_broadcast(&j->cond);
        pthread_mutex_unlock(&j->lock);
    }
    return NULL;
}

static unsigned seal_threads(size_t n)
{
    long cpus = sysconf(_SC_NPROCESSORS_ONLN);
    size_t t = cpus > 0 ? (size_t)cpus : 1;
    if (t > SEAL_MAX_THREADS)
        t = SEAL_MAX_THREADS;
    if (t > n / SEAL_MIN_PER_THREAD)
        t = n / SEAL_MIN_PER_THREAD;
    return t ? (unsigned)t : 1;
}

int log_sealer_start(const struct log_signer *me, const char *channel, json_t *const *objs,
                     size_t n, uint64_t first_seq, struct buf *canons, struct log_sealer **out,
                     struct hl_error *err)
{
    struct log_sealer *j = calloc(1, sizeof *j);
    *out = NULL;
    if (!j)
        return hl_fail(err, HL_E_NOMEM, NULL, "out of memory");
    *j = (struct log_sealer){.me = me,
                             .channel = channel,
                             .objs = objs,
                             .canons = canons,
                             .first_seq = first_seq,
                             .n = n,
                             .stride = seal_threads(n)};
    j->rc = calloc(n ? n : 1, sizeof *j->rc);
    j->errs = calloc(n ? n : 1, sizeof *j->errs);
    j->done = calloc(n ? n : 1, 1);
    if (!j->rc || !j->errs || !j->done || pthread_mutex_init(&j->lock, NULL) != 0) {
        free(j->rc);
        free(j->errs);
        free(j->done);
        free(j);
        return hl_fail(err, HL_E_NOMEM, NULL, "out of memory");
    }
    pthread_cond_init(&j->cond, NULL);
    *out = j;
    if (j->stride == 1)
        return 0;        /* sealed one by one as the caller asks */
    json_object_seed(0); /* before threads build objects */
    for (unsigned k = 0; k < j->stride; k++) {
        j->w[k] = (struct seal_worker){j, k};
        if (pthread_create(&j->tid[k], NULL, seal_run, &j->w[k]) != 0)
            break;
        j->started = k + 1;
    }
    /* Shares of workers that did not start: sealed here, now. */
    for (unsigned k = j->started; k < j->stride; k++)
        seal_run(&j->w[k]);
    return 0;
}

int log_sealer_wait(struct log_sealer *j, size_t i, struct hl_error *err)
{
    if (j->stride == 1) {
        seal_one(j, i);
    } else {
        pthread_mutex_lock(&j->lock);
        while (!j->done[i])
            pthread_cond_wait(&j->cond, &j->lock);
        pthread_mutex_unlock(&j->lock);
    }
    if (!j->rc[i])
        return 0;
    char where[HL_ERROR_WHERE_MAX + 32];
    snprintf(where, sizeof where, "objects[%zu]%s%.200s", i, j->errs[i].where[0] ? "." : "",
             j->errs[i].where);
    return hl_fail(err, -j->rc[i], where, "%s", j->errs[i].msg);
}

void log_sealer_free(struct log_sealer *j)
{
    if (!j)
        return;
    for (unsigned k = 0; k < j->started; k++)
        pthread_join(j->tid[k], NULL);
    pthread_cond_destroy(&j->cond);
    pthread_mutex_destroy(&j->lock);
    free(j->rc);
    free(j->errs);
    free(j->done);
    free(j);
}
