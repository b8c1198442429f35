/*
 * repl.c — the replication worker (exchange.h): one thread that pushes the
 * node's own log of every active channel to every other member, pulls
 * every member's collection, and keeps repl_state current for `hotline
 * channel show`.
 *
 * State. Durable: repl_state.push_seq (entries of our log the member
 * confirmed holding) and the pull cursor (repl_cursors: the member's last
 * X-TAXII-Date-Added-Last, in pull_next), each written in the transaction
 * that acts on it, so a crash never loses or repeats more than one
 * envelope (and a repeat is a no-op at the member). In memory, per
 * (member, channel): when to try next (backoff), whether a pull is due,
 * and the last error logged (an error is logged once per change).
 *
 * Writes take the node's writer lock, then store_begin: the worker queues
 * with the TAXII server's writers instead of sleeping in SQLite's busy
 * handler.
 *
 * This file is the thread, its rounds and the pairs it follows;
 * transfer.c makes the pushes and pulls of a round (repl_int.h).
 */
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sodium.h>

#include "ledger/ledger.h"
#include "repl_int.h"
#include "store/store.h"

void repl_log(struct exchange *x, const char *fmt, ...)
{
    char line[STORE_DETAIL_MAX + 256];
    va_list ap;
    if (!x->o.log)
        return;
    va_start(ap, fmt);
    vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    x->o.log(x->o.log_ctx, line);
}

/* Wakes the worker: to stop, to pull from party (may be NULL), or to
 * look for work. */
static void repl_poke(struct exchange *x, bool stop, const char *party)
{
    pthread_mutex_lock(&x->lock);
    size_t max = sizeof x->pull_party / sizeof x->pull_party[0];
    if (party && x->n_pull_party < max)
        memcpy(x->pull_party[x->n_pull_party++], party, strlen(party) + 1);
    x->woken = true;
    x->stopping = x->stopping || stop;
    pthread_cond_signal(&x->cond);
    pthread_mutex_unlock(&x->lock);
}

void exchange_set_pull_interval(struct exchange *x, unsigned seconds)
{
    if (seconds < 1 || seconds > 86400)
        return;
    atomic_store(&x->pull_interval_s, seconds);
    repl_poke(x, false, NULL);
}

/* A new pull interval, on the worker's thread: no pull waits longer than
 * it from now. */
static void pull_interval_apply(struct exchange *x)
{
    unsigned s = atomic_load(&x->pull_interval_s);
    if (s == x->pull_applied_s)
        return;
    int64_t latest = hl_mono_ms() + (int64_t)s * 1000;
    for (size_t i = 0; i < x->n_pairs; i++)
        if (x->pairs[i].next_pull_ms > latest)
            x->pairs[i].next_pull_ms = latest;
    x->pull_applied_s = s;
}

void exchange_wake(struct exchange *x, const char *channel)
{
    (void)channel;
    if (x)
        repl_poke(x, false, NULL);
}

void exchange_pull_soon(struct exchange *x, const char *party)
{
    if (x && party && strlen(party) <= STORE_TEXT_MAX)
        repl_poke(x, false, party);
}

void exchange_sent_in_answer(struct exchange *x, const char *party, const char *channel,
                             int64_t from, int64_t to)
{
    if (!x || !party || !channel || strlen(party) > STORE_TEXT_MAX ||
        strlen(channel) > STORE_TEXT_MAX || from < 0 || to <= from)
        return;
    pthread_mutex_lock(&x->lock);
    if (x->n_notes < REPL_NOTES_MAX) { /* else: pushed again, a no-op there */
        struct sent_note *n = &x->notes[x->n_notes++];
        memcpy(n->party, party, strlen(party) + 1);
        memcpy(n->channel, channel, strlen(channel) + 1);
        n->from = from;
        n->to = to;
        n->at_ms = hl_mono_ms();
    }
    pthread_mutex_unlock(&x->lock);
}

void exchange_pushes_flow(struct exchange *x, const char *party, const char *channel)
{
    if (!x || !party || !channel || strlen(party) > STORE_TEXT_MAX ||
        strlen(channel) > STORE_TEXT_MAX)
        return;
    pthread_mutex_lock(&x->lock);
    size_t i = 0;
    while (i < x->n_flows &&
           (strcmp(x->flows[i].party, party) != 0 || strcmp(x->flows[i].channel, channel) != 0))
        i++;
    if (i < REPL_FLOWS_MAX) { /* else: the pull comes on schedule, no harm */
        struct flow_note *f = &x->flows[i];
        memcpy(f->party, party, strlen(party) + 1);
        memcpy(f->channel, channel, strlen(channel) + 1);
        f->at_ms = hl_mono_ms();
        x->n_flows += i == x->n_flows;
    }
    pthread_mutex_unlock(&x->lock);
}

/* Pushes from p's member arrive whole (exchange_pushes_flow): its
 * scheduled pull waits a pull interval from the latest. */
static void flows_apply(struct exchange *x, struct pair *p)
{
    pthread_mutex_lock(&x->lock);
    for (size_t i = 0; i < x->n_flows; i++) {
        struct flow_note *f = &x->flows[i];
        if (strcmp(f->party, p->party) != 0 || strcmp(f->channel, p->channel) != 0)
            continue;
        int64_t t = f->at_ms + (int64_t)x->pull_applied_s * 1000;
        if (t > p->next_pull_ms)
            p->next_pull_ms = t;
        *f = x->flows[--x->n_flows];
        break;
    }
    pthread_mutex_unlock(&x->lock);
}

/* Whether p's member pushed to us since the last round (a flow note not
 * yet applied): it is reachable, whatever our backoff toward it says. */
static bool member_spoke(struct exchange *x, const struct pair *p)
{
    bool found = false;
    pthread_mutex_lock(&x->lock);
    for (size_t i = 0; i < x->n_flows && !found; i++)
        found = strcmp(x->flows[i].party, p->party) == 0 &&
                strcmp(x->flows[i].channel, p->channel) == 0;
    pthread_mutex_unlock(&x->lock);
    return found;
}

/* Applies the notes of pair p to its state st, given our log's size
 * (read before: a note whose entries it shows committed is applied if
 * the member was pushed exactly up to them, else dropped). */
static void notes_apply(struct exchange *x, const struct pair *p, struct store_repl_state *st,
                        int64_t size)
{
    int64_t now = hl_mono_ms();
    pthread_mutex_lock(&x->lock);
    for (size_t i = 0; i < x->n_notes;) {
        struct sent_note *n = &x->notes[i];
        bool mine = strcmp(n->party, p->party) == 0 && strcmp(n->channel, p->channel) == 0;
        if (mine && n->to <= size && st->push_seq == n->from)
            st->push_seq = n->to;
        if ((mine && n->to <= size) || now - n->at_ms > REPL_NOTE_MS)
            *n = x->notes[--x->n_notes];
        else
            i++;
    }
    pthread_mutex_unlock(&x->lock);
}

/* ---- writes under the node's writer lock ---------------------------------- */

int repl_tx_begin(struct exchange *x, bool synced, struct hl_error *err)
{
    pthread_mutex_lock(x->o.write_lock);
    int r = synced ? store_begin(x->store, err) : store_begin_unsynced(x->store, err);
    if (r)
        pthread_mutex_unlock(x->o.write_lock);
    return r;
}

int repl_tx_end(struct exchange *x, int r, struct hl_error *err)
{
    struct hl_error ignored;
    if (!r)
        r = store_commit(x->store, err);
    if (r && store_rollback(x->store, &ignored))
        r = r ? r : -HL_E_STORE;
    pthread_mutex_unlock(x->o.write_lock);
    return r;
}

void repl_target_wipe(struct target *t)
{
    sodium_memzero(t->peer.token, sizeof t->peer.token);
}

/* ---- one round ---------------------------------------------------------------- */

void repl_clock_sample(struct exchange *x, struct pair *p, const struct exchange_answer *a)
{
    int64_t skew, mag;
    char words[64];
    if (!exchange_answer_clock_skew(a, &skew))
        return;
    if (skew > STORE_CLOCK_SKEW_MAX_MS || skew < -STORE_CLOCK_SKEW_MAX_MS)
        skew = skew > 0 ? STORE_CLOCK_SKEW_MAX_MS : -STORE_CLOCK_SKEW_MAX_MS;
    mag = skew < 0 ? -skew : skew;
    p->skew_ms = skew;
    if (!p->skew_warned && mag >= EXCHANGE_CLOCK_SKEW_WARN_MS) {
        exchange_clock_skew_words(skew, words, sizeof words);
        repl_log(x,
                 "exchange %s (%s) in %s: its clock is %s this node's (the Date of its answers); "
                 "seal times, deliveries and deadlines compare the two clocks: check the time "
                 "synchronisation (NTP) of both nodes",
                 p->name, p->party, p->channel, words);
        p->skew_warned = p->skew_changed = true;
    } else if (p->skew_warned && mag < REPL_SKEW_CLEAR_MS) {
        repl_log(x, "exchange %s (%s) in %s: its clock agrees with this node's again", p->name,
                 p->party, p->channel);
        p->skew_warned = false;
        p->skew_changed = true;
    }
}

/* Records a round that contacted the member (or failed to): backoff,
 * log line on a change, and repl_state with it, in one commit when it
 * failed or the member is reachable again (what channel show and the
 * metrics read); a success like the one before waits for the flush. */
static void pair_outcome(struct exchange *x, struct pair *p, struct store_repl_state *st, int r,
                         const struct hl_error *e, bool switched)
{
    struct hl_error err;
    int64_t now = hl_mono_ms();
    if (r && switched && !p->key_retried) {
        p->key_retried = true;
        p->next_try_ms = 0;
        p->next_pull_ms = 0; /* the next round contacts it, pinning what it presents */
        return;
    }
    bool recovered = !r && p->failures, changed = recovered || p->skew_changed;
    hl_error_clear(&err);
    st->last_try_us = hl_wall_us();
    st->clock_skew_ms = p->skew_ms;
    p->skew_changed = false;
    if (!r) {
        if (recovered)
            repl_log(x, "exchange %s (%s) in %s: reachable again", p->name, p->party, p->channel);
        p->failures = 0;
        p->next_try_ms = 0;
        p->key_retried = false;
        p->last_error[0] = '\0';
        st->last_ok_us = st->last_try_us;
        st->failures = 0;
        st->last_error[0] = '\0';
    } else {
        uint32_t shift = p->failures < 20 ? p->failures : 20;
        int64_t d = (int64_t)EXCHANGE_BACKOFF_MIN_MS << shift;
        if (d > EXCHANGE_BACKOFF_MAX_MS)
            d = EXCHANGE_BACKOFF_MAX_MS;
        d = d / 2 + (int64_t)randombytes_uniform((uint32_t)(d / 2 + 1));
        p->failures++;
        p->next_try_ms = now + d;
        if (strcmp(p->last_error, e->msg) != 0)
            repl_log(x, "exchange %s (%s) in %s: %s (retrying with backoff)", p->name, p->party,
                     p->channel, e->msg);
        snprintf(p->last_error, sizeof p->last_error, "%s", e->msg);
        st->failures++;
        snprintf(st->last_error, sizeof st->last_error, "%s", e->msg);
    }
    p->st = *st;
    if (!r && !changed) { /* written with the next flush; a change of state at once */
        p->dirty_ms = p->dirty ? p->dirty_ms : now;
        p->dirty = true;
        return;
    }
    p->dirty = false;
    if (!repl_tx_begin(x, false, &err) &&
        repl_tx_end(x, store_repl_state_put(x->store, p->party, p->channel, st, &err), &err))
        repl_log(x, "exchange: cannot record the replication state: %s", err.msg);
}

/* Writes the states kept in memory: all of them, or (!all) those kept
 * longer than REPL_FLUSH_MS. One transaction, synced only when the node
 * stops: a state lost to a power cut is had again (the next push of an
 * entry the member holds is a no-op there), and while single objects
 * flow the idle flush comes every few tens of ms, whose fsync competed
 * with the receipts' commits for the disk. */
static void repl_flush(struct exchange *x, bool all, bool synced)
{
    struct hl_error err;
    int64_t now = hl_mono_ms();
    bool due = false;
    hl_error_clear(&err);
    for (size_t i = 0; i < x->n_pairs && !due; i++)
        due = x->pairs[i].dirty && (all || now - x->pairs[i].dirty_ms >= REPL_FLUSH_MS);
    if (!due || repl_tx_begin(x, synced, &err))
        return;
    int r = 0;
    for (size_t i = 0; i < x->n_pairs && !r; i++) {
        struct pair *p = &x->pairs[i];
        if (p->dirty && (all || now - p->dirty_ms >= REPL_FLUSH_MS)) {
            r = store_repl_state_put(x->store, p->party, p->channel, &p->st, &err);
            p->dirty = r != 0;
        }
    }
    if (repl_tx_end(x, r, &err))
        repl_log(x, "exchange: cannot record the replication state: %s", err.msg);
}

static bool any_dirty(const struct exchange *x)
{
    for (size_t i = 0; i < x->n_pairs; i++)
        if (x->pairs[i].dirty)
            return true;
    return false;
}

static int target_of(struct exchange *x, struct pair *p, struct target *t, struct hl_error *err)
{
    int r = store_peer_get(x->store, p->party, &t->peer, err);
    if (r)
        return r;
    snprintf(p->name, sizeof p->name, "%s", t->peer.name);
    if (!t->peer.url[0] || !t->peer.token[0] || !t->peer.cert_sha256[0])
        return -HL_E_NOT_FOUND;
    t->t = (struct exchange_target){t->peer.name, t->peer.url, t->peer.cert_sha256, t->peer.token,
                                    t->peer.next_cert_sha256};
    if (x->o.collection_id(p->channel, t->coll))
        return hl_fail(err, HL_E_INVALID, p->channel, "no collection id for %s", p->channel);
    return 0;
}

/* Prepares pair p's job for this round; false if there is nothing to do
 * (backing off, not reachable yet, or the store failing: next round). */
static bool job_open(struct exchange *x, struct pair *p, struct job *j)
{
    memset(j, 0, sizeof *j);
    j->p = p;
    exchange_answer_init(&j->a);
    buf_init(&j->env.body, EXCHANGE_ANSWER_MAX);
    if (p->failures && p->next_try_ms && member_spoke(x, p))
        p->next_try_ms = 0; /* it just pushed to us: back, try it now */
    if (p->next_try_ms > hl_mono_ms())
        return false;
    if (p->dirty)
        j->st = p->st;
    else if (store_repl_state_get(x->store, p->party, p->channel, &j->st, &j->err))
        return false;
    j->r = target_of(x, p, &j->t, &j->err);
    if (j->r == -HL_E_NOT_FOUND)
        return false; /* not a peer we can reach (no URL or token yet) */
    j->worked = j->r != 0;
    if (!j->r)
        j->r = store_log_size(x->store, x->o.me->party, p->channel, &j->size, &j->err);
    if (!j->r) {
        int64_t before = j->st.push_seq;
        notes_apply(x, p, &j->st, j->size);
        j->worked = j->worked || j->st.push_seq != before;
    }
    return true;
}

static void job_close(struct job *j)
{
    json_decref(j->pending); /* NULL unless the worker stopped first */
    repl_target_wipe(&j->t);
    exchange_answer_release(&j->a);
    buf_release(&j->env.body);
    free(j->env.ids);
}

static bool pull_requested(struct exchange *x, const char *party, char (*req)[STORE_TEXT_MAX + 1],
                           size_t n)
{
    (void)x;
    for (size_t i = 0; i < n; i++)
        if (strcmp(req[i], party) == 0)
            return true;
    return false;
}

/* One round: every pair's push at once, then the pulls that are due. */
static void repl_round(struct exchange *x, char (*req)[STORE_TEXT_MAX + 1], size_t n_req)
{
    struct job *jobs = calloc(x->n_pairs ? x->n_pairs : 1, sizeof *jobs);
    size_t n = 0;
    if (!jobs)
        return;
    for (size_t i = 0; i < x->n_pairs; i++)
        if (x->pairs[i].live && job_open(x, &x->pairs[i], &jobs[n]))
            n++;
        else if (x->pairs[i].live)
            job_close(&jobs[n]);
    repl_push_all(x, jobs, n);
    for (size_t i = 0; i < n && !x->stopping; i++) {
        struct job *j = &jobs[i];
        bool pull_now = pull_requested(x, j->p->party, req, n_req);
        flows_apply(x, j->p);
        if (j->r || !(pull_now || j->p->next_pull_ms <= hl_mono_ms()))
            continue;
        j->worked = true;
        /* The pull may bring the receipt that says our log here is behind
         * (a restored copy, found at its first round): take it back now. */
        bool recovered = false;
        j->r = repl_pull_pair(x, j->p, &j->t, &j->took, &j->err);
        if (!j->r)
            j->r = repl_recover_pair(x, j->p, &j->t, &recovered, &j->err);
        j->took = j->took || recovered;
        if (!j->r)
            j->p->next_pull_ms = hl_mono_ms() + (int64_t)x->pull_applied_s * 1000;
    }
    for (size_t i = 0; i < n; i++) {
        struct job *j = &jobs[i];
        bool switched = j->r && j->t.peer.next_cert_sha256[0] &&
                        exchange_client_key_changed(x->client, j->t.peer.url);
        if (!x->stopping && (j->worked || j->r))
            pair_outcome(x, j->p, &j->st, j->r, &j->err, switched);
        if (!x->stopping && !j->r) {
            repl_cert_announce(x, j->p, &j->t);
            repl_cert_promote(x, j->p, &j->t);
        }
        if (j->took)
            exchange_wake(x, j->p->channel); /* our receipts go out */
        job_close(j);
    }
    free(jobs);
}

/* ---- the pairs -------------------------------------------------------------- */

struct scan {
    struct exchange *x;
    const char *channel;
};

static int scan_member(void *ctx, const struct store_party *m)
{
    struct scan *sc = ctx;
    struct exchange *x = sc->x;
    /* A member retired here (hotline channel retire-member): no pair, so
     * no push, no pull; one that was live drops out of the rounds. */
    if (strcmp(m->id, x->o.me->party) == 0 || m->retired_us)
        return 0;
    for (size_t i = 0; i < x->n_pairs; i++)
        if (strcmp(x->pairs[i].party, m->id) == 0 && strcmp(x->pairs[i].channel, sc->channel) == 0)
            return (x->pairs[i].live = true), 0;
    if (x->n_pairs == EXCHANGE_PAIRS_MAX)
        return 0;
    struct pair *p = &x->pairs[x->n_pairs++];
    struct store_repl_state st = {0};
    struct hl_error err;
    memset(p, 0, sizeof *p);
    snprintf(p->party, sizeof p->party, "%s", m->id);
    snprintf(p->channel, sizeof p->channel, "%s", sc->channel);
    p->live = true;
    /* Failing when the node last stopped (what channel show still says):
     * the backoff goes on from there, and "reachable again" is logged when
     * it is. The first try is at once. */
    if (store_repl_state_get(x->store, p->party, p->channel, &st, &err) == 0 && st.failures > 0) {
        p->failures = st.failures < 1000 ? (unsigned)st.failures : 1000;
        snprintf(p->last_error, sizeof p->last_error, "%s", st.last_error);
    }
    /* The skew last seen stays what channel show says until an answer
     * says otherwise; a skew still there is logged again. */
    p->skew_ms = st.clock_skew_ms;
    return 0;
}

static int scan_channel(void *ctx, const struct store_channel *c)
{
    struct scan *sc = ctx;
    struct hl_error err;
    bool active = false;
    hl_error_clear(&err);
    if (store_channel_active(sc->x->store, c->name, &active, &err) || !active)
        return 0;
    struct scan one = {sc->x, c->name};
    if (store_channel_member_list(sc->x->store, c->name, scan_member, &one, &err) < 0)
        repl_log(sc->x, "exchange: cannot list the members of %s: %s", c->name, err.msg);
    return 0;
}

/* Brings the pairs up to date with the store (new peers, channels), if
 * the last look is REPL_SCAN_MS old. */
static void pairs_scan(struct exchange *x)
{
    struct scan sc = {x, NULL};
    struct hl_error err;
    int64_t now = hl_mono_ms();
    if (x->scan_ms && now - x->scan_ms < REPL_SCAN_MS) {
        x->scan_owed = true;
        return;
    }
    x->scan_ms = now;
    x->scan_owed = false;
    hl_error_clear(&err);
    for (size_t i = 0; i < x->n_pairs; i++)
        x->pairs[i].live = false;
    if (store_channel_list(x->store, scan_channel, &sc, &err))
        repl_log(x, "exchange: cannot list channels: %s", err.msg);
}

/* The next moment anything is due (monotonic ms). */
static int64_t next_due(const struct exchange *x)
{
    int64_t due = hl_mono_ms() + (int64_t)x->pull_applied_s * 1000;
    if (x->scan_owed && x->scan_ms + REPL_SCAN_MS < due)
        due = x->scan_ms + REPL_SCAN_MS;
    for (size_t i = 0; i < x->n_pairs; i++) {
        const struct pair *p = &x->pairs[i];
        if (!p->live)
            continue;
        int64_t t = p->next_pull_ms > p->next_try_ms ? p->next_pull_ms : p->next_try_ms;
        if (t < due)
            due = t;
    }
    return due;
}

/* Waits until due_ms or a wake-up; true if woken. */
static bool wait_until(struct exchange *x, int64_t due_ms)
{
    struct timespec until = hl_realtime_in_us((due_ms - hl_mono_ms()) * 1000);
    pthread_mutex_lock(&x->lock);
    while (!x->woken && !x->stopping && pthread_cond_timedwait(&x->cond, &x->lock, &until) == 0)
        ;
    bool woken = x->woken || x->stopping;
    x->woken = false;
    pthread_mutex_unlock(&x->lock);
    return woken;
}

static void *repl_main(void *arg)
{
    struct exchange *x = arg;
    hl_thread_name("hl-repl");
    char(*req)[STORE_TEXT_MAX + 1] = calloc(64, sizeof *req);
    while (req && !x->stopping) {
        size_t n_req;
        pthread_mutex_lock(&x->lock);
        n_req = x->n_pull_party;
        memcpy(req, x->pull_party, n_req * sizeof *req);
        x->n_pull_party = 0;
        pthread_mutex_unlock(&x->lock);
        pull_interval_apply(x);
        pairs_scan(x);
        repl_round(x, req, n_req);
        repl_flush(x, false, false);
        int64_t due = next_due(x), idle = hl_mono_ms() + REPL_IDLE_MS;
        if (x->stopping)
            break;
        if (!any_dirty(x))
            wait_until(x, due);
        else if (!wait_until(x, due < idle ? due : idle))
            repl_flush(x, true, false); /* idle: write what the rounds left in memory */
    }
    repl_flush(x, true, true);
    free(req);
    return NULL;
}

int exchange_start(const struct exchange_options *o, struct exchange **out, struct hl_error *err)
{
    struct store_options so = {.busy_timeout_ms = 10000,
                               .must_exist = true,
                               .manual_checkpoint = true,
                               .concurrent = true};
    *out = NULL;
    if (!o || !o->db_path || !o->me || !o->write_lock || !o->collection_id)
        return hl_fail(err, HL_E_INVALID, "exchange",
                       "the worker needs a database, a party, a "
                       "writer lock and collection ids");
    struct exchange *x = calloc(1, sizeof *x);
    if (!x)
        return hl_fail(err, HL_E_NOMEM, NULL, "out of memory");
    x->o = *o;
    x->o.next_cert_sha256 = NULL; /* copied, signed: below */
    if (!x->o.pull_interval_s)
        x->o.pull_interval_s = EXCHANGE_PULL_INTERVAL_S;
    atomic_init(&x->pull_interval_s, x->o.pull_interval_s);
    x->pull_applied_s = x->o.pull_interval_s;
    pthread_mutex_init(&x->lock, NULL);
    pthread_cond_init(&x->cond, NULL);
    x->pairs = calloc(EXCHANGE_PAIRS_MAX, sizeof *x->pairs);
    int r = x->pairs ? store_open(o->db_path, &so, &x->store, err)
                     : hl_fail(err, HL_E_NOMEM, NULL, "out of memory");
    if (!r && o->next_cert_sha256 && o->next_cert_sha256[0])
        r = exchange_next_cert_set(x, o->next_cert_sha256, err);
    if (!r)
        r = exchange_client_new(0, &x->client, err);
    if (!r && pthread_create(&x->thread, NULL, repl_main, x))
        r = hl_fail(err, HL_E_NOMEM, "exchange", "cannot start the replication thread");
    if (r) {
        exchange_client_free(x->client);
        store_close(x->store);
        free(x->pairs);
        pthread_mutex_destroy(&x->lock);
        pthread_cond_destroy(&x->cond);
        free(x);
        return r;
    }
    *out = x;
    return 0;
}

void exchange_stop(struct exchange *x)
{
    if (!x)
        return;
    repl_poke(x, true, NULL);
    exchange_client_cancel(x->client);
    pthread_join(x->thread, NULL);
    exchange_client_free(x->client);
    store_close(x->store);
    free(x->pairs);
    pthread_mutex_destroy(&x->lock);
    pthread_cond_destroy(&x->cond);
    free(x);
}
