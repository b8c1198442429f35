/*
 * batch.c — sealing a batch in parallel. A seal's cost is one RFC 8785
 * form, one SHA-256 and one Ed25519 signature (about 25 µs for a 1.7 KB
 * object here), while storing the entry is a few row writes; so a batch is
 * sealed on every CPU first, each object knowing its sequence number in
 * advance, and stored in order afterwards (log.c). The objects of a batch
 * are separate JSON trees, so workers never touch the same one.
 */
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "log_int.h"

#define SEAL_MAX_THREADS 16
#define SEAL_MIN_PER_THREAD 8 /* below this, a thread costs more than it saves */

struct seal_job {
    const struct log_signer *me;
    const char *channel;
    json_t *const *objs;
    struct buf *canons;
    uint64_t first_seq;
    size_t n;
    unsigned stride;
    int *rc;               /* per object */
    struct hl_error *errs; /* per object */
};

struct seal_worker {
    struct seal_job *job;
    unsigned k;
};

static void seal_one(struct seal_job *j, size_t i)
{
    int rc = seal_object(j->objs[i], j->me->key, j->me->party, j->channel, j->first_seq + i,
                         &j->errs[i]);
    if (!rc)
        rc = stix_canon(j->objs[i], &j->canons[i], &j->errs[i]);
    j->rc[i] = rc;
}

static void *seal_run(void *arg)
{
    struct seal_worker *w = arg;
    for (size_t i = w->k; i < w->job->n; i += w->job->stride)
        seal_one(w->job, i);
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

int log_seal_batch(const struct log_signer *me, const char *channel, json_t *const *objs, size_t n,
                   uint64_t first_seq, struct buf *canons, struct hl_error *err)
{
    pthread_t tid[SEAL_MAX_THREADS];
    struct seal_worker w[SEAL_MAX_THREADS];
    struct seal_job job = {me, channel, objs, canons, first_seq, n, seal_threads(n), NULL, NULL};
    unsigned started = 0;
    int rc = 0;
    job.rc = calloc(n ? n : 1, sizeof *job.rc);
    job.errs = calloc(n ? n : 1, sizeof *job.errs);
    if (!job.rc || !job.errs) {
        rc = hl_fail(err, HL_E_NOMEM, NULL, "out of memory");
        goto out;
    }
    json_object_seed(0); /* before threads build objects */
    for (unsigned k = 1; k < job.stride; k++) {
        w[k] = (struct seal_worker){&job, k};
        if (pthread_create(&tid[k], NULL, seal_run, &w[k]) != 0)
            break;
        started = k;
    }
    /* This thread takes its share, and the share of any that did not start. */
    for (size_t i = 0; i < n; i++) {
        if (i % job.stride == 0 || i % job.stride > started)
            seal_one(&job, i);
    }
    for (unsigned k = 1; k <= started; k++)
        pthread_join(tid[k], NULL);
    for (size_t i = 0; i < n && !rc; i++) {
        if (job.rc[i]) {
            char where[HL_ERROR_WHERE_MAX + 32];
            snprintf(where, sizeof where, "objects[%zu]%s%.200s", i,
                     job.errs[i].where[0] ? "." : "", job.errs[i].where);
            rc = hl_fail(err, -job.rc[i], where, "%s", job.errs[i].msg);
        }
    }
out:
    free(job.rc);
    free(job.errs);
    return rc;
}
