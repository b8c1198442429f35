/*
 * batch.c — sealing a batch in parallel, while it is being stored.
 *
 * A seal's cost is one RFC 8785 form, one SHA-256 and one Ed25519
 * signature (about 25 µs for a 1.7 KB object here); storing an entry is a
 * few row writes that must happen in order on the caller's connection. So
 * worker threads seal the objects (each knows its sequence number in
 * advance), claiming them in order, and the caller stores object i as
 * soon as it is sealed: the writes overlap the signatures instead of
 * following them. The objects of a batch are separate JSON trees, so
 * workers never touch the same one. The workers (one per CPU) are started
 * with the process's first batch and kept for the next ones; a batch too
 * small to be worth them is sealed on the caller's thread.
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "log_int.h"

#define SEAL_MAX_THREADS 16
#define SEAL_MIN_PER_THREAD 8 /* below this, a thread costs more than it saves */

/* One batch being sealed. Workers claim objects in order through next
 * (so they finish roughly in order, as the caller stores them) and the
 * caller waits for object i alone. */
struct log_sealer {
    const struct log_signer *me;
    const char *channel;
    json_t *const *objs;
    struct buf *canons;
    uint64_t first_seq;
    size_t n;
    bool pooled;           /* sealed by the pool, else on the caller's thread */
    atomic_size_t next;    /* the next object to claim */
    int *rc;               /* per object */
    struct hl_error *errs; /* per object */
    unsigned char *done;   /* per object, under the pool's lock */
    size_t waiting_for;    /* the object the caller sleeps on, or SIZE_MAX */
    unsigned busy;         /* workers inside this batch, under the lock */
    struct log_sealer *next_job;
};

/* The sealing threads: started once per process, on the first batch big
 * enough to use them, and kept (a thread start costs as much as sealing
 * a few objects). They sleep on work while no batch is open. */
static struct {
    pthread_once_t once;
    pthread_mutex_t lock;
    pthread_cond_t work; /* a batch was opened */
    pthread_cond_t done; /* an object was sealed, or a worker left a batch */
    struct log_sealer *jobs;
    unsigned threads;
} pool = {.once = PTHREAD_ONCE_INIT,
          .lock = PTHREAD_MUTEX_INITIALIZER,
          .work = PTHREAD_COND_INITIALIZER,
          .done = PTHREAD_COND_INITIALIZER};

static void seal_one(struct log_sealer *j, size_t i)
{
    j->rc[i] = seal_object_canon(j->objs[i], j->me->key, j->me->party, j->channel, j->first_seq + i,
                                 &j->canons[i], &j->errs[i]);
}

/* A batch with objects left to claim, or NULL. Under the lock. */
static struct log_sealer *pool_job(void)
{
    for (struct log_sealer *j = pool.jobs; j; j = j->next_job)
        if (atomic_load(&j->next) < j->n)
            return j;
    return NULL;
}

/* Seals object i and says so to a caller waiting for it. */
static void seal_claimed(struct log_sealer *j, size_t i)
{
    seal_one(j, i);
    pthread_mutex_lock(&pool.lock);
    j->done[i] = 1;
    if (j->waiting_for == i)
        pthread_cond_broadcast(&pool.done);
    pthread_mutex_unlock(&pool.lock);
}

static void *seal_run(void *arg)
{
    (void)arg;
    pthread_mutex_lock(&pool.lock);
    for (;;) {
        struct log_sealer *j;
        while (!(j = pool_job()))
            pthread_cond_wait(&pool.work, &pool.lock);
        j->busy++;
        pthread_mutex_unlock(&pool.lock);
        size_t i;
        while ((i = atomic_fetch_add(&j->next, 1)) < j->n)
            seal_claimed(j, i);
        pthread_mutex_lock(&pool.lock);
        if (--j->busy == 0)
            pthread_cond_broadcast(&pool.done);
    }
    return NULL;
}

static void pool_start(void)
{
    /* One CPU is the caller's: it seals too while it has nothing to store. */
    long cpus = sysconf(_SC_NPROCESSORS_ONLN);
    unsigned want = cpus > 1 ? (unsigned)cpus - 1 : 1;
    if (want > SEAL_MAX_THREADS)
        want = SEAL_MAX_THREADS;
    json_object_seed(0); /* before threads build objects */
    for (unsigned k = 0; k < want; k++) {
        pthread_t t;
        if (pthread_create(&t, NULL, seal_run, NULL) != 0)
            break;
        pthread_detach(t);
        pool.threads++;
    }
}

/* Whether a batch of n objects is worth the pool (started here if so). */
static bool pool_use(size_t n)
{
    if (n < 2 * SEAL_MIN_PER_THREAD)
        return false;
    pthread_once(&pool.once, pool_start);
    return pool.threads > 0;
}

int log_sealer_start(const struct log_signer *me, const char *channel, json_t *const *objs,
                     size_t n, uint64_t first_seq, struct buf *canons, struct log_sealer **out,
                     struct hl_error *err)
{
    struct log_sealer *j = calloc(1, sizeof *j);
    *out = NULL;
    if (!j)
        return hl_fail(err, HL_E_NOMEM, NULL, "out of memory");
    j->me = me;
    j->channel = channel;
    j->objs = objs;
    j->canons = canons;
    j->first_seq = first_seq;
    j->n = n;
    j->waiting_for = SIZE_MAX;
    atomic_init(&j->next, 0);
    j->rc = calloc(n ? n : 1, sizeof *j->rc);
    j->errs = calloc(n ? n : 1, sizeof *j->errs);
    j->done = calloc(n ? n : 1, 1);
    if (!j->rc || !j->errs || !j->done) {
        log_sealer_free(j);
        return hl_fail(err, HL_E_NOMEM, NULL, "out of memory");
    }
    *out = j;
    j->pooled = pool_use(n);
    if (!j->pooled)
        return 0; /* sealed one by one as the caller asks */
    pthread_mutex_lock(&pool.lock);
    j->next_job = pool.jobs;
    pool.jobs = j;
    pthread_cond_broadcast(&pool.work);
    pthread_mutex_unlock(&pool.lock);
    return 0;
}

int log_sealer_wait(struct log_sealer *j, size_t i, struct hl_error *err)
{
    if (!j->pooled) {
        seal_one(j, i);
    } else {
        /* Rather than sleep while i is sealed, seal the next unclaimed
         * object here; sleep only when every object is claimed. */
        pthread_mutex_lock(&pool.lock);
        while (!j->done[i]) {
            size_t k = atomic_load(&j->next) < j->n ? atomic_fetch_add(&j->next, 1) : j->n;
            if (k < j->n) {
                pthread_mutex_unlock(&pool.lock);
                seal_claimed(j, k);
                pthread_mutex_lock(&pool.lock);
                continue;
            }
            j->waiting_for = i;
            pthread_cond_wait(&pool.done, &pool.lock);
            j->waiting_for = SIZE_MAX;
        }
        pthread_mutex_unlock(&pool.lock);
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
    if (j->pooled) {
        /* No worker may claim more of it, and those inside must leave
         * before its arrays go: they write into them. */
        pthread_mutex_lock(&pool.lock);
        atomic_store(&j->next, j->n);
        while (j->busy)
            pthread_cond_wait(&pool.done, &pool.lock);
        struct log_sealer **p = &pool.jobs;
        while (*p && *p != j)
            p = &(*p)->next_job;
        if (*p)
            *p = j->next_job;
        pthread_mutex_unlock(&pool.lock);
    }
    free(j->rc);
    free(j->errs);
    free(j->done);
    free(j);
}
