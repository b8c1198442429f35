/*
 * transfer.c — one push and one pull of the replication worker (repl.c
 * runs them; repl_int.h):
 *
 *   push  our log's entries from the member's push_seq, as TAXII envelopes
 *         POSTed to the member's collection, to every member at once; the
 *         status moves push_seq by what it confirms (a gap answer sets it to
 *         what the member holds), and the receipts the answer carries
 *         ("hotline_entries") are taken as a pulled page;
 *   pull  the member's collection, less our own log, from the cursor on,
 *         page by page, each page and its cursor in one transaction;
 *   recover  our own log's entries a member holds and we lack (a database
 *         restored from an older copy), after the pull.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ledger/ledger.h"
#include "repl_int.h"
#include "stix/stix.h"

static int envelope_add(void *ctx, const struct store_log_entry *e, const struct store_object *o)
{
    struct envelope *env = ctx;
    (void)e;
    if (env->n == env->max || (env->n && env->body.len + o->json_len + 2 > EXCHANGE_ENVELOPE_BYTES))
        return 1;
    if (buf_adds(&env->body, env->n ? "," : "{\"objects\":[") ||
        buf_add(&env->body, o->json, o->json_len))
        return -HL_E_TOO_LARGE;
    snprintf(env->ids[env->n].id, sizeof env->ids[0].id, "%s", o->stix_id);
    env->ids[env->n++].version_us = o->modified_us;
    env->added_last_us = o->date_added_us;
    return 0;
}

/* The number of leading entries of the envelope the status confirms, the
 * member's own count when it reported a gap (else -1), and the entries of
 * its own log it made of them (its receipts: "hotline_entries", else
 * NULL; the caller's reference). -HL_E_PARSE, with why it does not parse
 * in why, for an answer that is not a JSON object. */
static int push_read_status(const struct envelope *env, const struct exchange_answer *a,
                            size_t *confirmed, int64_t *holds, json_t **entries, char *why,
                            size_t why_max)
{
    struct hl_error e;
    json_t *s = NULL; /* strict: the entries it carries are signed JSON */
    *entries = NULL;
    if (ledger_parse(a->body.data, a->body.len, &s, &e) || !json_is_object(s)) {
        snprintf(why, why_max, "%s%s%s", s ? "" : e.where, s ? "" : ": ",
                 s ? "not a JSON object" : e.msg);
        json_decref(s);
        return -HL_E_PARSE;
    }
    json_t *own = json_object_get(s, "hotline_entries");
    *entries = json_is_array(own) && json_array_size(own) > 0 &&
                       json_array_size(own) <= EXCHANGE_ENVELOPE_MAX
                   ? json_incref(own)
                   : NULL;
    json_t *failures = json_object_get(s, "failures");
    size_t first = env->n;
    const char *msg = NULL;
    *holds = -1;
    for (size_t i = 0; i < json_array_size(failures); i++) {
        const json_t *f = json_array_get(failures, i);
        const char *id = json_string_value(json_object_get(f, "id"));
        const char *version = json_string_value(json_object_get(f, "version"));
        int64_t us = 0;
        bool timed = stix_time_parse_us(version, &us);
        for (size_t k = 0; id && k < first; k++)
            if (strcmp(env->ids[k].id, id) == 0 && (!timed || env->ids[k].version_us == us)) {
                first = k;
                msg = json_string_value(json_object_get(f, "message"));
            }
    }
    long long n = 0;
    if (msg && sscanf(msg, "gap: this node holds %lld entries", &n) == 1)
        *holds = n;
    else if (msg)
        snprintf(why, why_max, "refused entry %zu: %.600s", first, msg);
    *confirmed = first;
    json_decref(s);
    return 0;
}

static int pull_page(struct exchange *x, struct pair *p, struct target *t, json_t *objects,
                     const char *added_last, bool *took, struct hl_error *err);

/* Whether the node's writer lock is free now (a local POST may hold it
 * for a batch's whole transaction: tens of ms). */
static bool writer_free(struct exchange *x)
{
    if (pthread_mutex_trylock(x->o.write_lock) != 0)
        return false;
    pthread_mutex_unlock(x->o.write_lock);
    return true;
}

/* Starts the job's next envelope (our log from st.push_seq). */
static int push_start(struct exchange *x, struct job *j)
{
    char path[REPL_PATH_MAX];
    struct hl_error *err = &j->err;
    size_t max = j->p->envelope_max ? j->p->envelope_max : EXCHANGE_ENVELOPE_MAX;
    if ((int64_t)max > j->size - j->st.push_seq)
        max = (size_t)(j->size - j->st.push_seq); /* > 0: there is something to push */
    if (max > j->env.cap) {
        free(j->env.ids);
        j->env.cap = 0;
        if (!(j->env.ids = calloc(max, sizeof *j->env.ids)))
            return hl_fail(err, HL_E_NOMEM, NULL, "out of memory");
        j->env.cap = max;
    }
    buf_clear(&j->env.body);
    j->env.n = 0;
    j->env.max = max;
    j->worked = true;
    int r = store_log_scan(x->store, x->o.me->party, j->p->channel, j->st.push_seq, envelope_add,
                           &j->env, err);
    if (r == 1)
        r = 0;
    if (!r && (j->env.n == 0 || buf_adds(&j->env.body, "]}")))
        r = hl_fail(err, HL_E_INTERNAL, NULL, "no entries to push after %lld",
                    (long long)j->st.push_seq);
    /* Where the member's pulls from us may resume once it holds these
     * (docs/federation.md, "The pull cursor moved by pushes"). */
    char added_last[32];
    stix_time_format_us(j->env.added_last_us, added_last);
    snprintf(path, sizeof path, "/api/collections/%s/objects/?hotline_added_last=%s", j->t.coll,
             added_last);
    if (!r)
        r = exchange_client_start(x->client, &j->t.t, "POST", path, j->env.body.data,
                                  j->env.body.len, &j->a, &j->call, err);
    return r;
}

/* Takes the entries of the member's own log its answer carried (its
 * receipts), as a pulled page. If we lack entries before them (an answer
 * lost to a crash here, which the member counted as delivered), they are
 * left for a pull from that member, made in this round. */
static void take_answer_entries(struct exchange *x, struct job *j, json_t *entries)
{
    struct hl_error e;
    bool took = false;
    int64_t held = 0; /* store_log_size leaves it for a log not held at all */
    const json_t *first = json_array_get(entries, 0);
    const char *party = json_string_value(json_object_get(first, SEAL_PROP_PARTY));
    const json_t *seq = json_object_get(first, SEAL_PROP_SEQ);
    hl_error_clear(&e);
    if (!party || !json_is_integer(seq) ||
        store_log_size(x->store, party, j->p->channel, &held, &e) ||
        json_integer_value(seq) > held) {
        j->p->next_pull_ms = 0;
        return;
    }
    if (pull_page(x, j->p, &j->t, entries, "", &took, &e))
        repl_log(x, "exchange %s (%s) in %s: the receipts in the answer: %s (a pull brings them)",
                 j->t.peer.name, j->p->party, j->p->channel, e.msg);
    j->took = j->took || took;
}

/* The answer to the job's envelope: push_seq moves by what the member
 * confirmed (a gap failure sets it to what the member holds). The state
 * is committed between envelopes (progress survives a crash); after the
 * last one the round's outcome writes it. */
static int push_finish(struct exchange *x, struct job *j)
{
    char why[STORE_DETAIL_MAX] = "";
    size_t confirmed = 0;
    int64_t holds = -1;
    json_t *entries = NULL;
    struct hl_error *err = &j->err;
    const char *name = j->t.peer.name;
    int r = exchange_client_end(x->client, j->call, err);
    j->call = NULL;
    if (!r)
        repl_clock_sample(x, j->p, &j->a);
    if (!r && j->a.status == 413 && j->env.n > 1) {
        j->p->envelope_max = j->env.n / 2; /* the member takes fewer: halve until it fits */
        return 0;                          /* and send again at once */
    }
    if (!r && j->a.status != 202)
        r = hl_fail(err, HL_E_IO, name, "push to %s: HTTP %ld: %.300s", name, j->a.status,
                    j->a.body.data);
    if (!r && push_read_status(&j->env, &j->a, &confirmed, &holds, &entries, why, sizeof why))
        r = hl_fail(err, HL_E_PARSE, name, "push to %s: the status does not parse: %s", name,
                    why);
    if (r) {
        json_decref(entries);
        return r;
    }
    j->st.push_seq = holds >= 0 ? holds : j->st.push_seq + (int64_t)confirmed;
    /* The member's receipts: taken as from a pull (take_pending). */
    if (entries && j->pending && json_array_extend(j->pending, entries))
        r = hl_fail(err, HL_E_NOMEM, NULL, "out of memory");
    if (entries && !j->pending)
        j->pending = entries;
    else
        json_decref(entries);
    if (!r && holds < 0 && why[0])
        return hl_fail(err, HL_E_CONFLICT, name, "push to %s: %s", name, why);
    /* Progress, between envelopes, when the writer's lock is free (a
     * crash before it resends an envelope the member holds: a no-op). */
    if (!r && j->st.push_seq < j->size && writer_free(x) && !repl_tx_begin(x, false, err))
        r = repl_tx_end(x, store_repl_state_put(x->store, j->p->party, j->p->channel, &j->st, err),
                        err);
    return r;
}

/* Takes the entries the job's answers carried. Unless must, not while
 * the writer's lock is busy (a local POST storing a batch): the next push
 * goes out first, and the member is not left waiting for it behind that
 * commit. A few answers' worth at most wait so. */
#define TRANSFER_PENDING_MAX 256 /* entries: four full answers */
static void take_pending(struct exchange *x, struct job *j, bool must)
{
    if (!j->pending || x->stopping)
        return;
    if (!must && json_array_size(j->pending) < TRANSFER_PENDING_MAX && !writer_free(x))
        return;
    take_answer_entries(x, j, j->pending);
    json_decref(j->pending);
    j->pending = NULL;
}

/* Pushes what every job's member lacks of our log, the envelopes to all
 * members at once (one round trip for all of them, not one each). */
void repl_push_all(struct exchange *x, struct job *jobs, size_t n)
{
    for (;;) {
        size_t started = 0;
        for (size_t i = 0; i < n && !x->stopping; i++) {
            struct job *j = &jobs[i];
            take_pending(x, j, j->r || j->st.push_seq >= j->size);
            if (!j->r && j->st.push_seq < j->size) {
                j->r = push_start(x, j);
                started += j->call != NULL;
            }
        }
        if (!started)
            break;
        exchange_client_run(x->client);
        for (size_t i = 0; i < n; i++)
            if (jobs[i].call)
                jobs[i].r = push_finish(x, &jobs[i]);
    }
    for (size_t i = 0; i < n; i++)
        take_pending(x, &jobs[i], true);
}

/* ---- pull ------------------------------------------------------------------- */

/* Whether taking objects may publish statements of ours: a receipt for
 * any object that is not itself a member's statement (accept.c). Those
 * must be on disk before they can leave this node; a page of statements
 * alone can be pulled again after a power cut, and its commit need not
 * wait for the disk. */
static bool page_needs_sync(const json_t *objects)
{
    for (size_t i = 0; i < json_array_size(objects); i++)
        if (!log_is_statement(json_array_get(objects, i)))
            return true;
    return false;
}

/* Makes every commit so far durable: a synced commit that rewrites the
 * pair's cursor (an alarm raised by an unsynced page is evidence). */
static int sync_now(struct exchange *x, const struct pair *p, struct hl_error *err)
{
    struct store_repl cur;
    int r = repl_tx_begin(x, true, err);
    if (r)
        return r;
    r = store_repl_get(x->store, p->party, p->channel, &cur, err);
    if (!r)
        r = store_repl_set(x->store, p->party, p->channel, &cur, err);
    return repl_tx_end(x, r, err);
}

/* Accepts one page and moves the cursor, in one transaction. */
static int pull_page(struct exchange *x, struct pair *p, struct target *t, json_t *objects,
                     const char *added_last, bool *took, struct hl_error *err)
{
    struct store_repl cur;
    struct exchange_accept acc = {
        .me = x->o.me,
        .store = x->store,
        .peer = p->party,
        .peer_name = t->peer.name,
        .channel = p->channel,
        .pull = true,
        .now_us = hl_wall_us(),
        .log = x->o.log,
        .log_ctx = x->o.log_ctx,
        .taken = x->o.receipts_taken,
        .taken_ctx = x->o.committed_ctx,
    };
    /* The costly checks start before the writer's lock (on failure, inside). */
    if (exchange_accept_prepare(&acc, objects, err))
        hl_error_clear(err);
    bool synced = page_needs_sync(objects);
    int r = repl_tx_begin(x, synced, err);
    if (r) {
        exchange_checks_free(acc.checks);
        return r;
    }
    r = exchange_accept_pull(&acc, objects, err);
    exchange_checks_free(acc.checks);
    if (!r && added_last[0]) { /* a page, not an answer's receipts: move the cursor */
        r = store_repl_get(x->store, p->party, p->channel, &cur, err);
        snprintf(cur.pull_next, sizeof cur.pull_next, "%s", added_last);
        if (!r)
            (void)stix_time_parse_us(added_last, &cur.pull_added_us); /* else as it was */
        if (!r)
            r = store_repl_set(x->store, p->party, p->channel, &cur, err);
    }
    r = repl_tx_end(x, r, err);
    if (!r && !synced && acc.alarms)
        r = sync_now(x, p, err);
    *took = !r && (acc.accepted || acc.receipts);
    if (*took && x->o.committed)
        x->o.committed(x->o.committed_ctx);
    return r;
}

/* One page of the member's collection at path: GET, then a strict parse
 * (on the worker threads for a large page). *doc (the caller's) holds
 * *objects; *more and a->added_last say where the next page starts. */
static int pull_get(struct exchange *x, struct pair *p, struct target *t, const char *path,
                    struct exchange_answer *a, json_t **doc, json_t **objects, bool *more,
                    struct hl_error *err)
{
    struct hl_error pe;
    *doc = NULL;
    *objects = NULL;
    *more = false;
    int r = exchange_client_request(x->client, &t->t, "GET", path, NULL, 0, a, err);
    if (!r)
        repl_clock_sample(x, p, a);
    if (!r && a->status != 200)
        r = hl_fail(err, HL_E_IO, t->peer.name, "pull from %s: HTTP %ld: %.300s", t->peer.name,
                    a->status, a->body.data);
    if (!r && ledger_parse(a->body.data, a->body.len, doc, &pe))
        r = hl_fail(err, HL_E_PARSE, t->peer.name, "pull from %s: %s: %s", t->peer.name, pe.where,
                    pe.msg);
    if (!r && !json_is_object(*doc))
        r = hl_fail(err, HL_E_PARSE, t->peer.name, "pull from %s: not a TAXII envelope",
                    t->peer.name);
    if (!r) {
        *objects = json_object_get(*doc, "objects");
        *more = json_is_true(json_object_get(*doc, "more")) && json_array_size(*objects) > 0;
    }
    /* TAXII 2.1 §3.4.1: a page of objects carries X-TAXII-Date-Added-Last,
     * where the next one starts (client.c keeps it only if a timestamp). */
    if (!r && json_array_size(*objects) && !a->added_last[0])
        r = hl_fail(err, HL_E_PARSE, t->peer.name,
                    "pull from %s: a page of objects without a valid X-TAXII-Date-Added-Last",
                    t->peer.name);
    return r;
}

/* Pulls the member's collection from the cursor on. *took: anything new. */
int repl_pull_pair(struct exchange *x, struct pair *p, struct target *t, bool *took,
                   struct hl_error *err)
{
    struct store_repl cur;
    struct exchange_answer a;
    char path[REPL_PATH_MAX];
    bool more = true;
    exchange_answer_init(&a);
    *took = false;
    int r = 0;
    while (!r && more && !x->stopping) {
        bool page_took = false;
        json_t *doc = NULL, *objects = NULL;
        r = store_repl_get(x->store, p->party, p->channel, &cur, err);
        if (r)
            break;
        /* Our own log's entries we hold: the member leaves them out (a
         * node that does not know the parameter ignores it, and they are
         * skipped here). */
        snprintf(path, sizeof path,
                 "/api/collections/%s/objects/?match%%5Bversion%%5D=all&limit=%d"
                 "&hotline_except_party=%s%s%s",
                 t->coll, EXCHANGE_ENVELOPE_MAX, x->o.me->party,
                 cur.pull_next[0] ? "&added_after=" : "", cur.pull_next);
        r = pull_get(x, p, t, path, &a, &doc, &objects, &more, err);
        if (!r && json_array_size(objects))
            r = pull_page(x, p, t, objects, a.added_last, &page_took, err);
        *took = *took || page_took;
        json_decref(doc);
    }
    exchange_answer_release(&a);
    return r;
}

/* ---- our own log back from a member -------------------------------------------
 * A node whose database was restored from an older copy holds less of its
 * own log than the members do; it appends nothing to that log meanwhile
 * (log_own_current). The entries it lacks are sealed with its own key, so
 * any member may hand them back without being trusted: the pull takes an
 * entry of our own log at the next sequence number like any other sealed
 * entry (exchange_accept_pull). The ordinary pull leaves our entries out
 * and its cursor has passed them, so this walks the member's collection
 * from the moment it added the last entry we still hold. */

struct version_of {
    char id[STORE_TEXT_MAX + 1];
    char version[32]; /* its modified (else created), as match[version] takes it */
};

static int version_read(void *ctx, const struct store_object *o)
{
    struct version_of *v = ctx;
    snprintf(v->id, sizeof v->id, "%s", o->stix_id);
    stix_time_format_us(o->modified_us, v->version);
    return 1;
}

/* When the member added entry seq of our log, into after ("" when it
 * does not say: then the walk starts at its collection's beginning). */
static int own_entry_added(struct exchange *x, struct pair *p, struct target *t, int64_t seq,
                           char *after, size_t max, struct hl_error *err)
{
    struct store_log_entry e;
    struct version_of v = {0};
    struct exchange_answer a;
    char path[REPL_PATH_MAX];
    after[0] = '\0';
    int r = store_log_entry_get(x->store, x->o.me->party, p->channel, seq, &e, err);
    if (!r)
        r = store_object_get(x->store, e.object_row, version_read, &v, err);
    if (r < 0)
        return r;
    if (r != 1 || !v.version[0])
        return 0;
    snprintf(path, sizeof path,
             "/api/collections/%s/objects/?match%%5Bid%%5D=%s&match%%5Bversion%%5D=%s", t->coll,
             v.id, v.version);
    exchange_answer_init(&a);
    r = exchange_client_request(x->client, &t->t, "GET", path, NULL, 0, &a, err);
    if (!r)
        repl_clock_sample(x, p, &a);
    if (!r && a.status == 200)
        snprintf(after, max, "%s", a.added_last);
    exchange_answer_release(&a);
    return r;
}

/* The member's collection ended without the entries its receipts claim:
 * either they were never ours to sign, or it no longer shows them (a
 * TAXII DELETE there). Its receipts beyond what we hold are set aside, so
 * that a member cannot close a channel to our publishing by claiming more
 * than it can show; the signed receipts stay as they came. */
static int recover_refute(struct exchange *x, struct pair *p, int64_t held, int64_t claimed,
                          struct hl_error *err)
{
    int r = repl_tx_begin(x, true, err);
    if (!r)
        r = repl_tx_end(
            x, store_receipt_refute(x->store, x->o.me->party, p->channel, p->party, held, err),
            err);
    if (!r)
        repl_log(x,
                 "exchange %s (%s) in %s: its receipt says it holds %lld entries of this node's "
                 "log, but its collection shows none past %lld: that receipt is set aside",
                 p->name, p->party, p->channel, (long long)claimed, (long long)held);
    return r;
}

int repl_recover_pair(struct exchange *x, struct pair *p, struct target *t, bool *took,
                      struct hl_error *err)
{
    struct store_receipt rc;
    struct hl_error none;
    struct exchange_answer a;
    char path[REPL_PATH_MAX], after[48] = "";
    int64_t held = 0, before;
    const char *me = x->o.me->party;
    if (store_receipt_latest(x->store, me, p->channel, p->party, &rc, &none) != 0)
        return 0; /* no receipt of ours from it: it holds nothing we lack */
    int r = store_log_size(x->store, me, p->channel, &held, err);
    if (r || rc.size <= held)
        return r;
    before = held;
    r = held ? own_entry_added(x, p, t, held - 1, after, sizeof after, err) : 0;
    if (r)
        return r;
    repl_log(x,
             "exchange %s (%s) in %s: it holds %lld entries of this node's log, this node %lld "
             "(its database is older than what it published): taking the missing ones back",
             p->name, p->party, p->channel, (long long)rc.size, (long long)held);
    exchange_answer_init(&a);
    bool more = true;
    while (!r && more && !x->stopping && held < rc.size) {
        bool page_took = false;
        json_t *doc = NULL, *objects = NULL;
        snprintf(path, sizeof path,
                 "/api/collections/%s/objects/?match%%5Bversion%%5D=all&limit=%d%s%s", t->coll,
                 EXCHANGE_ENVELOPE_MAX, after[0] ? "&added_after=" : "", after);
        r = pull_get(x, p, t, path, &a, &doc, &objects, &more, err);
        if (!r && json_array_size(objects)) /* "": the cursor stays */
            r = pull_page(x, p, t, objects, "", &page_took, err);
        snprintf(after, sizeof after, "%s", a.added_last);
        *took = *took || page_took;
        json_decref(doc);
        if (!r)
            r = store_log_size(x->store, me, p->channel, &held, err);
    }
    exchange_answer_release(&a);
    /* Below rc.size every entry came back: nothing is appended before. */
    if (!r)
        repl_log(x, "exchange %s (%s) in %s: took back %lld entries of this node's log: %s",
                 p->name, p->party, p->channel,
                 (long long)((held < rc.size ? held : rc.size) - before),
                 held >= rc.size ? "it is whole again" : "some are still missing");
    if (!r && !x->stopping && held < rc.size)
        r = recover_refute(x, p, held, rc.size, err);
    return r;
}
