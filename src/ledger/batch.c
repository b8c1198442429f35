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

/* One parallel loop. Workers claim items in order through next (so they
 * finish roughly in order, as the caller consumes them) and the caller
 * waits for item i alone. */
struct ledger_par {
    void (*fn)(void *ctx, size_t i);
    void *ctx;
    size_t n;
    bool pooled;         /* run by the pool, else on the caller's thread */
    atomic_size_t next;  /* the next item to claim */
    unsigned char *done; /* per item, under the pool's lock */
    size_t waiting_for;  /* the item the caller sleeps on, or SIZE_MAX */
    unsigned busy;       /* workers inside this loop, under the lock */
    struct ledger_par *next_job;
};

/* The threads: started once per process, on the first loop big enough to
 * use them, and kept (a thread start costs as much as sealing a few
 * objects). They sleep while no loop is open. */
static struct {
    pthread_once_t once;
    pthread_mutex_t lock;
    pthread_cond_t work; /* a loop was opened */
    pthread_cond_t done; /* an item was done, or a worker left a loop */
    struct ledger_par *jobs;
    unsigned threads;
} pool = {.once = PTHREAD_ONCE_INIT,
          .lock = PTHREAD_MUTEX_INITIALIZER,
          .work = PTHREAD_COND_INITIALIZER,
          .done = PTHREAD_COND_INITIALIZER};

/* A loop with items left to claim, or NULL. Under the lock. */
static struct ledger_par *pool_job(void)
{
    for (struct ledger_par *j = pool.jobs; j; j = j->next_job)
        if (atomic_load(&j->next) < j->n)
            return j;
    return NULL;
}

/* Runs item i and says so to a caller waiting for it. */
static void par_run(struct ledger_par *j, size_t i)
{
    j->fn(j->ctx, i);
    pthread_mutex_lock(&pool.lock);
    j->done[i] = 1;
    if (j->waiting_for == i)
        pthread_cond_broadcast(&pool.done);
    pthread_mutex_unlock(&pool.lock);
}

static void *pool_run(void *arg)
{
    (void)arg;
    hl_thread_name("hl-pool");
    pthread_mutex_lock(&pool.lock);
    for (;;) {
        struct ledger_par *j;
        while (!(j = pool_job()))
            pthread_cond_wait(&pool.work, &pool.lock);
        j->busy++;
        pthread_mutex_unlock(&pool.lock);
        size_t i;
        while ((i = atomic_fetch_add(&j->next, 1)) < j->n)
            par_run(j, i);
        pthread_mutex_lock(&pool.lock);
        if (--j->busy == 0)
            pthread_cond_broadcast(&pool.done);
    }
    return NULL;
}

static void pool_start(void)
{
    /* One CPU is the caller's: it runs items too while it waits. */
    long cpus = sysconf(_SC_NPROCESSORS_ONLN);
    unsigned want = cpus > 1 ? (unsigned)cpus - 1 : 1;
    if (want > SEAL_MAX_THREADS)
        want = SEAL_MAX_THREADS;
    json_object_seed(0); /* before threads build objects */
    for (unsigned k = 0; k < want; k++) {
        pthread_t t;
        if (pthread_create(&t, NULL, pool_run, NULL) != 0)
            break;
        pthread_detach(t);
        pool.threads++;
    }
}

/* Whether a loop of n items is worth the pool (started here if so). */
static bool pool_use(size_t n, size_t min_pooled)
{
    if (n < 2 || n < min_pooled)
        return false;
    pthread_once(&pool.once, pool_start);
    return pool.threads > 0;
}

int ledger_par_start(void (*fn)(void *ctx, size_t i), void *ctx, size_t n, size_t min_pooled,
                     struct ledger_par **out, struct hl_error *err)
{
    struct ledger_par *j = calloc(1, sizeof *j);
    *out = NULL;
    if (j)
        j->done = calloc(n ? n : 1, 1);
    if (!j || !j->done) {
        free(j);
        return hl_fail(err, HL_E_NOMEM, NULL, "out of memory");
    }
    j->fn = fn;
    j->ctx = ctx;
    j->n = n;
    j->waiting_for = SIZE_MAX;
    atomic_init(&j->next, 0);
    *out = j;
    j->pooled = pool_use(n, min_pooled);
    if (!j->pooled)
        return 0; /* run one by one as the caller waits */
    pthread_mutex_lock(&pool.lock);
    j->next_job = pool.jobs;
    pool.jobs = j;
    pthread_cond_broadcast(&pool.work);
    pthread_mutex_unlock(&pool.lock);
    return 0;
}

void ledger_par_wait(struct ledger_par *j, size_t i)
{
    if (!j->pooled) {
        if (!j->done[i]) {
            j->fn(j->ctx, i);
            j->done[i] = 1;
        }
        return;
    }
    /* Rather than sleep while i is run, run the next unclaimed item here;
     * sleep only when every item is claimed. */
    pthread_mutex_lock(&pool.lock);
    while (!j->done[i]) {
        size_t k = atomic_load(&j->next) < j->n ? atomic_fetch_add(&j->next, 1) : j->n;
        if (k < j->n) {
            pthread_mutex_unlock(&pool.lock);
            par_run(j, k);
            pthread_mutex_lock(&pool.lock);
            continue;
        }
        j->waiting_for = i;
        pthread_cond_wait(&pool.done, &pool.lock);
        j->waiting_for = SIZE_MAX;
    }
    pthread_mutex_unlock(&pool.lock);
}

void ledger_par_free(struct ledger_par *j)
{
    if (!j)
        return;
    if (j->pooled) {
        /* No worker may claim more of it, and those inside must leave
         * before the caller's arrays go: they write into them. */
        pthread_mutex_lock(&pool.lock);
        atomic_store(&j->next, j->n);
        while (j->busy)
            pthread_cond_wait(&pool.done, &pool.lock);
        struct ledger_par **p = &pool.jobs;
        while (*p && *p != j)
            p = &(*p)->next_job;
        if (*p)
            *p = j->next_job;
        pthread_mutex_unlock(&pool.lock);
    }
    free(j->done);
    free(j);
}

/* ---- sealing a batch ------------------------------------------------------ */

struct log_sealer {
    const struct log_signer *me;
    const char *channel;
    json_t *const *objs;
    struct buf *canons;
    uint64_t first_seq;
    int *rc;               /* per object */
    struct hl_error *errs; /* per object */
    struct ledger_par *par;
};

static void seal_one(void *ctx, size_t i)
{
    struct log_sealer *j = ctx;
    j->rc[i] = seal_object_canon(j->objs[i], j->me->key, j->me->party, j->channel, j->first_seq + i,
                                 &j->canons[i], &j->errs[i]);
}

int log_sealer_start(const struct log_signer *me, const char *channel, json_t *const *objs,
                     size_t n, uint64_t first_seq, struct buf *canons, struct log_sealer **out,
                     struct hl_error *err)
{
    struct log_sealer *j = calloc(1, sizeof *j);
    *out = NULL;
    if (!j)
        return hl_fail(err, HL_E_NOMEM, NULL, "out of memory");
    *j = (struct log_sealer){
        .me = me, .channel = channel, .objs = objs, .canons = canons, .first_seq = first_seq};
    j->rc = calloc(n ? n : 1, sizeof *j->rc);
    j->errs = calloc(n ? n : 1, sizeof *j->errs);
    int rc = j->rc && j->errs ? ledger_par_start(seal_one, j, n, LEDGER_PAR_MIN, &j->par, err)
                              : hl_fail(err, HL_E_NOMEM, NULL, "out of memory");
    if (rc) {
        log_sealer_free(j);
        return rc;
    }
    *out = j;
    return 0;
}

int log_sealer_wait(struct log_sealer *j, size_t i, struct hl_error *err)
{
    ledger_par_wait(j->par, i);
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
    ledger_par_free(j->par); /* first: its workers write into the arrays */
    free(j->rc);
    free(j->errs);
    free(j);
}
