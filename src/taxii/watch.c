/*
 * watch.c — deadlines for slow clients, which libmicrohttpd's own timeout
 * cannot give: MHD_OPTION_CONNECTION_TIMEOUT closes a connection idle for
 * timeout_s, but one byte every few seconds keeps it "active" forever (a
 * header or body dripped byte by byte holds a connection slot and a
 * worker's buffer as long as the client likes).
 *
 * Every connection is tracked from accept (MHD_OPTION_NOTIFY_CONNECTION)
 * to close, in the phase of its current request:
 *   WAITING  since accept or the end of the last request: the TLS
 *            handshake and the next request line must come within
 *            timeout_s (an idle connection is closed by MHD at the same
 *            bound);
 *   HEADERS  since the request line: the headers must follow within
 *            timeout_s;
 *   UPLOAD   since the request line: the body too;
 *   BUSY     the node works or answers: no deadline of the client's.
 * A watchdog thread wakes four times per timeout_s and shuts down (never
 * closes: the descriptor stays MHD's) the socket of every connection past
 * its deadline; MHD then sees the end of the stream and frees the
 * connection as for any client that hung up. A request cut this way was
 * never answered, so nothing it sent was acknowledged or stored.
 *
 * The same thread ends the waits of suspended requests (taxii_wait): a
 * commit of this process resumes every waiter at once (each routes its
 * request again and decides whether it has what it waits for), and the
 * thread resumes a waiter whose deadline passed, sleeping until the
 * earliest one. A waiter is in the list exactly while its connection is
 * suspended, so MHD_resume_connection is called once per suspension. A
 * commit between an endpoint's look at the store and its suspension is
 * not missed: the generation of commits read before the look is compared
 * under the lock that notify takes.
 */
#include <stdlib.h>
#include <sys/socket.h>
#include <time.h>

#include <microhttpd.h>

#include "taxii_int.h"

struct taxii_conn {
    struct taxii_server *srv;
    unsigned tls_gen; /* the pair its handshake was given (tls.c); 0: none seen */
    int fd;
    int phase;        /* TAXII_PHASE_* */
    int64_t since_us; /* monotonic start of the phase's deadline */
    bool cut;
    struct taxii_conn *prev, *next;
};

struct taxii_watch {
    pthread_mutex_t lock;
    pthread_cond_t wake;
    pthread_t thread;
    bool running, stop;
    int64_t timeout_us;
    struct taxii_conn *head;
    struct taxii_waiter *waiters;
    _Atomic uint64_t gen; /* commits told by taxii_watch_notify */
};

void taxii_watch_connection(void *cls, struct MHD_Connection *con, void **socket_context,
                            enum MHD_ConnectionNotificationCode toe)
{
    struct taxii_watch *w = ((struct taxii_server *)cls)->watch;
    struct taxii_conn *k = *socket_context;
    if (toe == MHD_CONNECTION_NOTIFY_STARTED) {
        const union MHD_ConnectionInfo *ci =
            MHD_get_connection_info(con, MHD_CONNECTION_INFO_CONNECTION_FD);
        k = ci ? calloc(1, sizeof *k) : NULL;
        if (!k)
            return; /* untracked: MHD's idle timeout still applies */
        k->srv = cls;
        k->fd = ci->connect_fd;
        k->since_us = hl_mono_us();
        pthread_mutex_lock(&w->lock);
        k->next = w->head;
        if (w->head)
            w->head->prev = k;
        w->head = k;
        pthread_mutex_unlock(&w->lock);
        *socket_context = k;
        return;
    }
    if (!k) /* MHD_CONNECTION_NOTIFY_CLOSED of an untracked connection */
        return;
    pthread_mutex_lock(&w->lock);
    if (k->prev)
        k->prev->next = k->next;
    else
        w->head = k->next;
    if (k->next)
        k->next->prev = k->prev;
    pthread_mutex_unlock(&w->lock);
    *socket_context = NULL;
    free(k);
}

struct taxii_server *taxii_watch_server(struct MHD_Connection *con)
{
    const union MHD_ConnectionInfo *ci =
        con ? MHD_get_connection_info(con, MHD_CONNECTION_INFO_SOCKET_CONTEXT) : NULL;
    const struct taxii_conn *k = ci ? ci->socket_context : NULL;
    return k ? k->srv : NULL;
}

/* tls_gen is the connection's thread's alone: MHD handles a connection,
 * its handshake included, on one thread. */
void taxii_watch_tls_given(struct MHD_Connection *con, unsigned gen)
{
    const union MHD_ConnectionInfo *ci =
        con ? MHD_get_connection_info(con, MHD_CONNECTION_INFO_SOCKET_CONTEXT) : NULL;
    struct taxii_conn *k = ci ? ci->socket_context : NULL;
    if (k)
        k->tls_gen = gen;
}

bool taxii_watch_tls_stale(struct MHD_Connection *con)
{
    const union MHD_ConnectionInfo *ci =
        con ? MHD_get_connection_info(con, MHD_CONNECTION_INFO_SOCKET_CONTEXT) : NULL;
    const struct taxii_conn *k = ci ? ci->socket_context : NULL;
    return k && k->tls_gen && k->tls_gen != taxii_tls_gen(k->srv);
}

void taxii_watch_phase(struct taxii_server *srv, struct MHD_Connection *con, int phase)
{
    const union MHD_ConnectionInfo *ci =
        MHD_get_connection_info(con, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
    struct taxii_conn *k = ci ? ci->socket_context : NULL;
    if (!k)
        return;
    pthread_mutex_lock(&srv->watch->lock);
    /* UPLOAD keeps the deadline of the request line. */
    if (phase != TAXII_PHASE_UPLOAD)
        k->since_us = hl_mono_us();
    k->phase = phase;
    pthread_mutex_unlock(&srv->watch->lock);
}

/* ---- waiting requests ---------------------------------------------------- */

static void waiter_unlink(struct taxii_watch *w, struct taxii_waiter *k)
{
    if (k->prev)
        k->prev->next = k->next;
    else
        w->waiters = k->next;
    if (k->next)
        k->next->prev = k->prev;
    k->prev = k->next = NULL;
}

uint64_t taxii_watch_gen(struct taxii_server *srv)
{
    return atomic_load(&srv->watch->gen);
}

bool taxii_watch_suspend(struct taxii_server *srv, struct taxii_waiter *k, uint64_t gen)
{
    struct taxii_watch *w = srv->watch;
    bool suspended = false;
    pthread_mutex_lock(&w->lock);
    if (!w->stop && !atomic_load(&srv->stopping) && atomic_load(&w->gen) == gen) {
        MHD_suspend_connection(k->con);
        k->prev = NULL;
        k->next = w->waiters;
        if (w->waiters)
            w->waiters->prev = k;
        w->waiters = k;
        suspended = true;
        pthread_cond_signal(&w->wake); /* a new deadline to sleep towards */
    }
    pthread_mutex_unlock(&w->lock);
    return suspended;
}

/* Resumes the waiters past their deadline (all of them if all); under
 * w->lock. */
static void waiters_resume(struct taxii_watch *w, bool all, int64_t now)
{
    struct taxii_waiter *k = w->waiters;
    while (k) {
        struct taxii_waiter *next = k->next;
        if (all || k->deadline_us <= now) {
            waiter_unlink(w, k);
            MHD_resume_connection(k->con);
        }
        k = next;
    }
}

void taxii_watch_notify(struct taxii_server *srv)
{
    struct taxii_watch *w = srv ? srv->watch : NULL;
    if (!w)
        return;
    pthread_mutex_lock(&w->lock);
    atomic_fetch_add(&w->gen, 1);
    waiters_resume(w, true, 0);
    pthread_mutex_unlock(&w->lock);
}

/* ---- the thread --------------------------------------------------------- */

/* The next moment the thread has work: a quarter of the timeout, or the
 * earliest waiter's deadline. */
static int64_t watch_next_us(const struct taxii_watch *w, int64_t now)
{
    int64_t next = now + w->timeout_us / 4;
    for (const struct taxii_waiter *k = w->waiters; k; k = k->next)
        if (k->deadline_us < next)
            next = k->deadline_us;
    return next > now ? next : now;
}

static void *watch_run(void *arg)
{
    struct taxii_watch *w = arg;
    hl_thread_name("hl-watch");
    pthread_mutex_lock(&w->lock);
    while (!w->stop) {
        int64_t now = hl_mono_us();
        for (struct taxii_conn *k = w->head; k; k = k->next)
            if (!k->cut && k->phase != TAXII_PHASE_BUSY && now - k->since_us > w->timeout_us) {
                shutdown(k->fd, SHUT_RDWR);
                k->cut = true;
            }
        waiters_resume(w, false, now);
        struct timespec until = hl_realtime_in_us(watch_next_us(w, now) - now);
        pthread_cond_timedwait(&w->wake, &w->lock, &until);
    }
    waiters_resume(w, true, 0); /* stopping: every wait ends now */
    pthread_mutex_unlock(&w->lock);
    return NULL;
}

int taxii_watch_start(struct taxii_server *srv, struct hl_error *err)
{
    struct taxii_watch *w = calloc(1, sizeof *w);
    if (!w)
        return hl_fail(err, HL_E_NOMEM, NULL, "out of memory");
    pthread_mutex_init(&w->lock, NULL);
    pthread_cond_init(&w->wake, NULL);
    w->timeout_us = (int64_t)srv->o.timeout_s * 1000000;
    srv->watch = w;
    if (pthread_create(&w->thread, NULL, watch_run, w) != 0)
        return hl_fail(err, HL_E_NOMEM, NULL, "cannot start the connection watchdog");
    w->running = true;
    return 0;
}

void taxii_watch_stop(struct taxii_server *srv)
{
    struct taxii_watch *w = srv->watch;
    if (!w)
        return;
    if (w->running) {
        pthread_mutex_lock(&w->lock);
        w->stop = true;
        pthread_cond_signal(&w->wake);
        pthread_mutex_unlock(&w->lock);
        pthread_join(w->thread, NULL);
        w->running = false;
    }
}

void taxii_watch_free(struct taxii_server *srv)
{
    struct taxii_watch *w = srv->watch;
    if (!w)
        return;
    taxii_watch_stop(srv);
    /* MHD_stop_daemon reported every connection closed: the list is empty. */
    pthread_mutex_destroy(&w->lock);
    pthread_cond_destroy(&w->wake);
    free(w);
    srv->watch = NULL;
}
