/*
 * accept.c — entries of other parties' logs coming in from a peer, by
 * push (its POST) or pull (our GET of its collection), checked and taken
 * into the ledger (exchange.h states the rules; docs/federation.md,
 * "Protocol", the wire).
 *
 * Everything here runs inside the caller's store transaction: the
 * entries, the alarms, the TLP holdings and the receipts of one envelope
 * or page commit together or not at all. A refused object stores nothing:
 * log_accept_in checks before it writes, so a refusal leaves the
 * transaction as it was (only a failing store, which the caller rolls
 * back, can leave a partial write).
 *
 * Equivocation. log_accept_in reports an entry held with other bytes, or
 * a tree head whose root contradicts the entries held, as HL_E_VERIFY
 * with a message beginning "equivocation:"; a bad seal is HL_E_VERIFY
 * without it. An equivocation raises an alarm (store_alarm_add, both
 * signed objects' canonical bytes: A held, B received) and, for a tree
 * head, keeps the received head (log_evidence_keep_in) so that an audit
 * of the store shows both heads too.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "exchange.h"
#include "ledger/ledger.h"
#include "stix/stix.h"
#include "store/store.h"

#define ACCEPT_MESSAGE_MAX (HL_ERROR_MSG_MAX + 128)
#define ACCEPT_LOGS_MAX 64     /* logs one envelope or page may grow */

/* The TLP markings that restrict onward sharing (TLP 2.0 and 1.0 ids,
 * stix/marking.c lists all of them). */
static const struct {
    const char *id, *tlp;
} restrictive[] = {
    {"marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1", STORE_TLP_RED},
    {"marking-definition--939a9414-2ddd-4d32-a0cd-375ea402b003", STORE_TLP_AMBER_STRICT},
    {"marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421", STORE_TLP_AMBER},
    {"marking-definition--5e57c739-391a-4eb3-b6be-7d15ca92d5ed", STORE_TLP_RED},   /* 1.0 red */
    {"marking-definition--f88d31f6-486f-44da-b317-01333bde0b82", STORE_TLP_AMBER}, /* 1.0 amber */
};

/* What one envelope or page did, log by log. */
struct grown {
    char party[ACCEPT_LOGS_MAX][SEAL_PARTY_MAX];
    size_t n;
    /* The logs entries were taken into, open (log_accept_run) so that
     * each further entry costs only its own checks and rows. */
    struct {
        char party[SEAL_PARTY_MAX];
        struct log_accept_run *run;
    } open[ACCEPT_LOGS_MAX];
    size_t n_open;
};

/* The open run of party's log, opened now if need be (NULL: none could be
 * opened; the caller takes the entry the one-off way, which names why). */
static struct log_accept_run *grown_run(struct exchange_accept *a, struct grown *g,
                                        const char *party)
{
    struct hl_error e;
    for (size_t i = 0; i < g->n_open; i++)
        if (strcmp(g->open[i].party, party) == 0)
            return g->open[i].run;
    if (g->n_open == ACCEPT_LOGS_MAX || strlen(party) >= SEAL_PARTY_MAX)
        return NULL;
    struct log_accept_run *r = NULL;
    if (log_accept_run_open(a->store, party, a->channel, a->now_us, &r, &e) != 0)
        return NULL;
    memcpy(g->open[g->n_open].party, party, strlen(party) + 1);
    g->open[g->n_open++].run = r;
    return r;
}

/* Closes party's run (NULL: every run): after a refusal or another write
 * to that log, its frontier may no longer be the log's. */
static void grown_close(struct grown *g, const char *party)
{
    for (size_t i = g->n_open; i-- > 0;) {
        if (party && strcmp(g->open[i].party, party) != 0)
            continue;
        log_accept_run_close(g->open[i].run);
        g->open[i] = g->open[--g->n_open];
    }
}

static void accept_log(struct exchange_accept *a, const char *fmt, ...) HL_PRINTF(2, 3);
static void accept_log(struct exchange_accept *a, const char *fmt, ...)
{
    char line[ACCEPT_MESSAGE_MAX + 256];
    va_list ap;
    if (!a->log)
        return;
    va_start(ap, fmt);
    vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    a->log(a->log_ctx, line);
}

/* o's id for a log line ("?" if it has none). */
static const char *object_id(const json_t *o)
{
    const char *id = json_string_value(json_object_get(o, "id"));
    return id ? id : "?";
}

/* A TAXII status-details (§4.3.1) for o, with message (may be NULL). */
static int accept_detail(json_t *list, const json_t *o, const char *message, struct hl_error *err)
{
    if (!list)
        return 0;
    const char *id = json_string_value(json_object_get(o, "id"));
    const char *v = json_string_value(json_object_get(o, "modified"));
    if (!v)
        v = json_string_value(json_object_get(o, "created"));
    json_t *d = json_pack("{s:s, s:s}", "id", id ? id : "", "version", v ? v : "");
    if (d && message && json_object_set_new(d, "message", json_string(message)))
        json_object_set_new(d, "message", json_string("(message not UTF-8)"));
    if (!d || json_array_append_new(list, d))
        return hl_fail(err, HL_E_NOMEM, NULL, "out of memory");
    return 0;
}

/* Records the holding of o under the strictest restrictive TLP it names. */
static int accept_tlp(struct exchange_accept *a, const json_t *o, struct hl_error *err)
{
    const json_t *refs = json_object_get(o, "object_marking_refs");
    const char *id = json_string_value(json_object_get(o, "id"));
    size_t best = sizeof restrictive / sizeof restrictive[0];
    for (size_t i = 0; id && i < json_array_size(refs); i++) {
        const char *ref = json_string_value(json_array_get(refs, i));
        for (size_t k = 0; ref && k < sizeof restrictive / sizeof restrictive[0]; k++)
            if (strcmp(ref, restrictive[k].id) == 0 && k < best)
                best = k;
    }
    if (best == sizeof restrictive / sizeof restrictive[0])
        return 0;
    return store_tlp_hold(a->store, id, a->channel, restrictive[best].tlp, err);
}

/* The stored bytes of entry seq of (party, channel) into out. */
struct copy_ctx {
    struct buf *out;
};

static int copy_object(void *ctx, const struct store_object *o)
{
    struct copy_ctx *c = ctx;
    return buf_add(c->out, o->json, o->json_len) ? -HL_E_TOO_LARGE : 1;
}

static int entry_bytes(struct store *s, const char *party, const char *channel, int64_t seq,
                       struct buf *out, struct hl_error *err)
{
    struct store_log_entry e;
    struct copy_ctx c = {out};
    int r = store_log_entry_get(s, party, channel, seq, &e, err);
    if (!r)
        r = store_object_get(s, e.object_row, copy_object, &c, err);
    return r == 1 ? 0 : r;
}

/* An equivocation of party at seq: the alarm, with the held entry (or,
 * for a head at the log's end, the latest head held) as evidence A. */
static int accept_alarm(struct exchange_accept *a, const char *party, int64_t seq, int64_t held,
                        const json_t *o, const char *why, struct hl_error *err)
{
    struct buf ea, eb;
    bool added = false, kept = false;
    struct store_tree_head h;
    struct copy_ctx c = {&ea};
    buf_init(&ea, STORE_JSON_MAX);
    buf_init(&eb, STORE_JSON_MAX);
    int r = stix_canon(o, &eb, err);
    if (!r && seq < held)
        r = entry_bytes(a->store, party, a->channel, seq, &ea, err);
    else if (!r && !(r = store_tree_head_latest(a->store, party, a->channel, &h, err)))
        r = store_object_get(a->store, h.object_row, copy_object, &c, err) == 1 ? 0 : r;
    if (!r && seq < held)
        r = log_evidence_keep_in(a->store, party, a->channel, (const uint8_t *)eb.data, eb.len,
                                 a->now_us, &kept, err);
    struct store_alarm al = {
        .kind = seq < held ? STORE_ALARM_EQUIVOCATION : STORE_ALARM_HEAD_MISMATCH,
        .party_id = party,
        .channel = a->channel,
        .seq = seq,
        .created_us = a->now_us,
        .detail = why,
        .evidence_a = (const uint8_t *)ea.data,
        .evidence_a_len = ea.len,
        .evidence_b = (const uint8_t *)eb.data,
        .evidence_b_len = eb.len,
    };
    if (!r)
        r = store_alarm_add(a->store, &al, &added, err);
    if (!r && added) {
        a->alarms++;
        accept_log(a, "exchange ALARM %s: %s in %s at %lld: %s", al.kind, party, a->channel,
                   (long long)seq, why);
    }
    buf_release(&ea);
    buf_release(&eb);
    return r;
}

static void grown_add(struct grown *g, const char *party)
{
    for (size_t i = 0; i < g->n; i++)
        if (strcmp(g->party[i], party) == 0)
            return;
    if (g->n < ACCEPT_LOGS_MAX && strlen(party) < SEAL_PARTY_MAX)
        memcpy(g->party[g->n++], party, strlen(party) + 1);
}

/* ---- the costly checks, first and in parallel ----------------------------
 * Canonical form, seal signature (over that form) and STIX validation of
 * every object, on the ledger's worker threads (ledger_par), before the
 * entries are taken one by one in order: log_accept_verified_in then
 * repeats none of them. An object that fails here goes the slow way
 * (log_accept_in), which names the reason. */

struct checked {
    struct seal_info info;
    struct buf canon;
    bool canon_ok; /* canon holds the object's RFC 8785 form */
    bool ok;       /* and the seal and the STIX checks passed */
};

/* The held size of each log an envelope or page names, read before the
 * threads start: an entry already held needs its canonical form only (a
 * resend is recognised by its bytes); entries of skip's log need nothing. */
struct held_sizes {
    const char *party[ACCEPT_LOGS_MAX];
    int64_t size[ACCEPT_LOGS_MAX];
    size_t n;
    const char *skip;
};

struct precheck {
    json_t *objects;
    struct checked *c;
    const struct held_sizes *held;
};

/* -1: check all of it; 0: nothing (skip); 1: the canonical form only. */
static int precheck_depth(const struct held_sizes *h, const json_t *o)
{
    const char *party = json_string_value(json_object_get(o, SEAL_PROP_PARTY));
    const json_t *seq = json_object_get(o, SEAL_PROP_SEQ);
    if (!party || !json_is_integer(seq))
        return -1;
    if (h->skip && strcmp(party, h->skip) == 0)
        return 0;
    for (size_t i = 0; i < h->n; i++)
        if (strcmp(h->party[i], party) == 0)
            return json_integer_value(seq) < h->size[i] ? 1 : -1;
    return -1;
}

static int held_sizes_read(struct store *s, const char *channel, json_t *objects,
                           struct held_sizes *h, struct hl_error *err)
{
    for (size_t i = 0; i < json_array_size(objects); i++) {
        const char *party =
            json_string_value(json_object_get(json_array_get(objects, i), SEAL_PROP_PARTY));
        bool known = !party || (h->skip && strcmp(party, h->skip) == 0);
        for (size_t k = 0; k < h->n && !known; k++)
            known = strcmp(h->party[k], party) == 0;
        if (known || h->n == ACCEPT_LOGS_MAX)
            continue;
        int r = store_log_size(s, party, channel, &h->size[h->n], err);
        if (r)
            return r;
        h->party[h->n++] = party;
    }
    return 0;
}

static bool stix_clean(const json_t *o)
{
    struct stix_report rep;
    stix_report_init(&rep);
    stix_validate_object(o, "", &rep);
    bool ok = stix_report_ok(&rep);
    stix_report_release(&rep);
    return ok;
}

/* The checks of object i (a ledger_par loop body). */
static void precheck_one(void *ctx, size_t i)
{
    struct precheck *p = ctx;
    struct hl_error e;
    json_t *o = json_array_get(p->objects, i);
    struct checked *c = &p->c[i];
    int depth = precheck_depth(p->held, o);
    if (depth == 0 || !json_is_object(o))
        return;
    c->canon_ok = stix_canon(o, &c->canon, &e) == 0;
    c->ok = depth < 0 && c->canon_ok &&
            seal_verify_canonical(o, (const uint8_t *)c->canon.data, c->canon.len, &c->info,
                                  &e) == 0 &&
            stix_clean(o);
}

static void checked_free(struct checked *c, size_t n)
{
    for (size_t i = 0; c && i < n; i++)
        buf_release(&c[i].canon);
    free(c);
}

/* The checks of every object, running: started before the writer's lock,
 * and waited for one by one as the entries are taken in order
 * (checks_wait), so that taking entry i overlaps the checks of the
 * entries after it. */
struct exchange_checks {
    struct checked *c;
    size_t n;
    struct held_sizes held;
    struct precheck p;
    struct ledger_par *par; /* NULL once every check is done */
};

/* Starts the checks of objects into k (0), or -HL_E_NOMEM. */
static int precheck_start(struct exchange_checks *k, json_t *objects)
{
    struct hl_error e;
    size_t n = json_array_size(objects);
    k->c = calloc(n ? n : 1, sizeof *k->c);
    if (!k->c)
        return -HL_E_NOMEM;
    k->n = n;
    for (size_t i = 0; i < n; i++)
        buf_init(&k->c[i].canon, STORE_JSON_MAX);
    k->p = (struct precheck){.objects = objects, .c = k->c, .held = &k->held};
    /* A signature check costs several thread hand-overs: two are worth it. */
    return ledger_par_start(precheck_one, &k->p, n, 2, &k->par, &e) ? -HL_E_NOMEM : 0;
}

/* Object i's checks, once done (NULL: none were made). */
static struct checked *checks_wait(struct exchange_checks *k, size_t i)
{
    if (!k || i >= k->n)
        return NULL;
    if (k->par)
        ledger_par_wait(k->par, i);
    return &k->c[i];
}

void exchange_checks_free(struct exchange_checks *c)
{
    if (c) {
        ledger_par_free(c->par); /* first: its threads write into c->c */
        checked_free(c->c, c->n);
    }
    free(c);
}

/* Whether entry seq (< the held size) of party's log is held with exactly
 * o's canonical bytes: a resent entry, which needs no seal check (the
 * held bytes were checked when they came). */
static int accept_held_same(struct exchange_accept *a, const char *party, int64_t seq,
                            const json_t *o, const struct checked *ck, bool *same,
                            struct hl_error *err)
{
    struct buf canon;
    struct store_log_entry e;
    uint8_t leaf[32];
    *same = false;
    buf_init(&canon, STORE_JSON_MAX);
    int r = ck && ck->canon_ok ? buf_add(&canon, ck->canon.data, ck->canon.len)
                               : stix_canon(o, &canon, err);
    if (!r && merkle_leaf_hash(canon.data, canon.len, leaf))
        r = hl_fail(err, HL_E_CRYPTO, NULL, "SHA-256 failed");
    if (!r)
        r = store_log_entry_get(a->store, party, a->channel, seq, &e, err);
    if (!r)
        *same = memcmp(e.leaf_hash, leaf, 32) == 0;
    buf_release(&canon);
    return r == -HL_E_PARSE || r == -HL_E_STIX ? (hl_error_clear(err), 0) : r;
}

/* The outcome of log_accept_in for a refused entry: message into msg;
 * a store or memory failure is returned (roll back). */
static int accept_refusal(struct exchange_accept *a, const char *party, int64_t seq, int64_t held,
                          const json_t *o, int rc, struct hl_error *e, char *msg,
                          struct hl_error *err)
{
    bool mine = a->pull ? false : true;
    if (rc == -HL_E_CONFLICT) {
        a->gap = true;
        if (mine)
            snprintf(msg, ACCEPT_MESSAGE_MAX, "gap: this node holds %lld entries of your log",
                     (long long)held);
        else
            snprintf(msg, ACCEPT_MESSAGE_MAX, "gap: this node holds %lld entries of the log of %s",
                     (long long)held, party);
        return 0;
    }
    if (rc == -HL_E_VERIFY && strncmp(e->msg, "equivocation", 12) == 0) {
        snprintf(msg, ACCEPT_MESSAGE_MAX, "%s", e->msg);
        return accept_alarm(a, party, seq, held, o, e->msg, err);
    }
    if (rc == -HL_E_VERIFY || rc == -HL_E_PERM || rc == -HL_E_STIX || rc == -HL_E_PARSE ||
        rc == -HL_E_TOO_LARGE || rc == -HL_E_INVALID) {
        snprintf(msg, ACCEPT_MESSAGE_MAX, "refused: %.100s%s%.500s", e->where,
                 *e->where ? ": " : "", e->msg);
        return 0;
    }
    *err = *e;
    return rc;
}

/* One object. *refused says it was not taken (msg says why). */
static int accept_one(struct exchange_accept *a, json_t *o, const struct checked *ck,
                      struct grown *g, bool *refused, char *msg, struct hl_error *err)
{
    struct hl_error e;
    enum log_accept what = LOG_ACCEPTED;
    int64_t held = 0;
    hl_error_clear(&e);
    *refused = true;
    const char *party = json_string_value(json_object_get(o, SEAL_PROP_PARTY));
    const json_t *jseq = json_object_get(o, SEAL_PROP_SEQ);
    int64_t seq = json_is_integer(jseq) ? (int64_t)json_integer_value(jseq) : -1;
    if (!json_is_object(o) || !party || seq < 0 ||
        !json_is_string(json_object_get(o, SEAL_PROP_CHANNEL))) {
        snprintf(msg, ACCEPT_MESSAGE_MAX, "not a sealed entry: %s, %s and %s are required",
                 SEAL_PROP_PARTY, SEAL_PROP_CHANNEL, SEAL_PROP_SEQ);
        return 0;
    }
    if (!a->pull && strcmp(party, a->peer) != 0) {
        snprintf(msg, ACCEPT_MESSAGE_MAX, "sealed by %.60s, but you are %.60s", party, a->peer);
        return 0;
    }
    bool same = false, checked = ck && ck->ok;
    /* A fully checked entry was not held when the checks ran; if it is
     * now (a resend racing it), the ledger says so (LOG_DUPLICATE). */
    int rc = checked ? 0 : store_log_size(a->store, party, a->channel, &held, err);
    if (!rc && !checked && seq < held)
        rc = accept_held_same(a, party, seq, o, ck, &same, err);
    if (rc)
        return rc;
    if (same) {
        *refused = false;
        a->duplicates++;
        snprintf(msg, ACCEPT_MESSAGE_MAX, "held already");
        return 0;
    }
    struct log_accept_run *run = checked ? grown_run(a, g, party) : NULL;
    if (run) {
        rc = log_accept_run_take(run, o, &ck->info, (const uint8_t *)ck->canon.data,
                                 ck->canon.len, &what, &e);
        if (rc)
            grown_close(g, party);
    } else if (checked) {
        rc = log_accept_verified_in(a->store, party, a->channel, o, &ck->info,
                                    (const uint8_t *)ck->canon.data, ck->canon.len, a->now_us,
                                    &what, &e);
    } else {
        grown_close(g, party);
        char *text = json_dumps(o, JSON_COMPACT);
        if (!text)
            return hl_fail(err, HL_E_NOMEM, NULL, "out of memory");
        rc = log_accept_in(a->store, party, a->channel, (const uint8_t *)text, strlen(text),
                           a->now_us, &what, &e);
        free(text);
    }
    if (rc && checked && store_log_size(a->store, party, a->channel, &held, err))
        return -err->code;
    if (rc)
        return accept_refusal(a, party, seq, held, o, rc, &e, msg, err);
    *refused = false;
    if (what == LOG_DUPLICATE) {
        a->duplicates++;
        snprintf(msg, ACCEPT_MESSAGE_MAX, "held already");
        return 0;
    }
    msg[0] = '\0';
    a->accepted++;
    bool mine = a->me && strcmp(party, a->me->party) == 0;
    a->recovered += mine;
    if (!log_is_statement(o)) {
        grown_add(g, party);
        return mine ? 0 : accept_tlp(a, o, err); /* ours: published here, not come in */
    }
    return 0;
}

struct owed {
    struct exchange_accept *a;
    struct grown *g;
    struct hl_error *err;
};

/* Whether o, an entry of our own log (sealed by us), is held here: all of
 * them but those a database restored from an older copy lacks, which a
 * pull takes back (repl_recover_pair). */
static int own_held(struct exchange_accept *a, const json_t *o, bool *held, struct hl_error *err)
{
    int64_t size = 0;
    const json_t *seq = json_object_get(o, SEAL_PROP_SEQ);
    int r = store_log_size(a->store, a->me->party, a->channel, &size, err);
    *held = r || !json_is_integer(seq) || json_integer_value(seq) < size;
    return r;
}

/* After our own log came back: every member's log whose entries were
 * taken while it could not be cosigned (accept_receipts) is owed a
 * receipt, added to g. */
static int owed_one(void *ctx, const struct store_party *m)
{
    struct owed *o = ctx;
    struct store_receipt last;
    struct hl_error none;
    int64_t size = 0;
    if (strcmp(m->id, o->a->me->party) == 0)
        return 0;
    int r = store_log_size(o->a->store, m->id, o->a->channel, &size, o->err);
    if (r || size == 0)
        return r;
    if (store_receipt_latest(o->a->store, m->id, o->a->channel, o->a->me->party, &last, &none) ||
        last.size < size)
        grown_add(o->g, m->id);
    return 0;
}

static int receipts_owed(struct exchange_accept *a, struct grown *g, struct hl_error *err)
{
    struct owed o = {a, g, err};
    return store_channel_member_list(a->store, a->channel, owed_one, &o, err);
}

/* Receipts for every log that gained objects (not only statements). A
 * receipt is an entry of our own log: while that log is behind what a
 * member holds (log_own_current), the ledger refuses it before writing
 * anything, and the receipts wait until the log is whole. */
static int accept_receipts(struct exchange_accept *a, const struct grown *g, struct hl_error *err)
{
    for (size_t i = 0; i < g->n; i++) {
        struct log_append_result res;
        if (strcmp(g->party[i], a->me->party) == 0)
            continue;
        int r =
            log_receipt_publish_in(a->store, a->me, g->party[i], a->channel, a->now_us, &res, err);
        if (r == -HL_E_BEHIND) {
            accept_log(a, "exchange: no receipt in %s for now: %s", a->channel, err->msg);
            hl_error_clear(err);
            return 0;
        }
        if (r)
            return r;
        if (!a->receipts)
            a->own_from = (int64_t)res.first_seq;
        a->own_to = (int64_t)res.head_seq + 1;
        a->receipts++;
    }
    return 0;
}

/* The channel's members as a push sees them: is the pusher one, and who
 * else is (this node aside). */
struct members_seen {
    const struct exchange_accept *a;
    bool peer;
    size_t others;
};

static int member_seen(void *ctx, const struct store_party *p)
{
    struct members_seen *m = ctx;
    const char *me = m->a->me ? m->a->me->party : "";
    if (strcmp(p->id, m->a->peer) == 0)
        m->peer = true;
    else if (strcmp(p->id, me) != 0)
        m->others++;
    return 0;
}

/* A push taken whole in a channel of two (this node and the pusher): we
 * hold the pusher's log up to its last entry, and its collection holds
 * nothing else for us (our own log aside, which pulls leave out), so
 * the pulls from it may resume at that entry's date_added. The cursor
 * moves forward only, and by at least ACCEPT_CURSOR_STEP_US (a write per
 * push would cost every single-object push a page of its commit; a pull
 * fetches at most that much again). docs/federation.md, "The pull cursor
 * moved by pushes". */
#define ACCEPT_CURSOR_STEP_US 100000
static int push_moves_cursor(struct exchange_accept *a, struct hl_error *err)
{
    struct store_repl cur;
    int64_t us = 0;
    if (!a->of_two || a->refused || a->gap || !stix_time_parse_us(a->added_last, &us))
        return 0;
    a->whole_of_two = true;
    int r = store_repl_get(a->store, a->peer, a->channel, &cur, err);
    if (r || us - cur.pull_added_us < ACCEPT_CURSOR_STEP_US ||
        strlen(a->added_last) >= sizeof cur.pull_next)
        return r;
    snprintf(cur.pull_next, sizeof cur.pull_next, "%s", a->added_last);
    cur.pull_added_us = us;
    return store_repl_set(a->store, a->peer, a->channel, &cur, err);
}

/* The whole-request checks of a push: HL_E_PERM with the reason. */
static int push_check(struct exchange_accept *a, json_t *objects, struct hl_error *err)
{
    bool active = false;
    int r = store_channel_active(a->store, a->channel, &active, err);
    if (!r && !active)
        return hl_fail(err, HL_E_PERM, a->channel,
                       "channel %s is not active on this node: it waits for members not known "
                       "yet",
                       a->channel);
    struct members_seen m = {a, false, 0};
    if (!r)
        r = store_channel_member_list(a->store, a->channel, member_seen, &m, err);
    if (!r && !m.peer)
        return hl_fail(err, HL_E_PERM, a->channel, "%s is not a member of channel %s", a->peer,
                       a->channel);
    a->of_two = !r && m.others == 0;
    for (size_t i = 0; !r && i < json_array_size(objects); i++) {
        const char *ch =
            json_string_value(json_object_get(json_array_get(objects, i), SEAL_PROP_CHANNEL));
        if (ch && strcmp(ch, a->channel) != 0)
            return hl_fail(err, HL_E_PERM, "hotline_channel",
                           "object %zu is sealed for channel %.130s, but this collection is "
                           "channel %s",
                           i, ch, a->channel);
    }
    return r;
}

int exchange_accept_prepare(struct exchange_accept *a, json_t *objects, struct hl_error *err)
{
    a->checks = calloc(1, sizeof *a->checks);
    if (!a->checks)
        return hl_fail(err, HL_E_NOMEM, NULL, "out of memory");
    a->checks->held.skip = a->pull && a->me ? a->me->party : NULL;
    int r = held_sizes_read(a->store, a->channel, objects, &a->checks->held, err);
    if (!r && precheck_start(a->checks, objects))
        r = hl_fail(err, HL_E_NOMEM, NULL, "out of memory");
    if (r) {
        exchange_checks_free(a->checks);
        a->checks = NULL;
    }
    return r;
}

int exchange_accept_push(struct exchange_accept *a, json_t *objects, struct hl_error *err)
{
    char msg[ACCEPT_MESSAGE_MAX];
    struct grown *g = calloc(1, sizeof *g);
    size_t refused_at = 0, n = json_array_size(objects);
    bool stopped = false, own = !a->checks;
    if (!g)
        return hl_fail(err, HL_E_NOMEM, NULL, "out of memory");
    int r = push_check(a, objects, err);
    if (!r && own && exchange_accept_prepare(a, objects, err))
        hl_error_clear(err); /* every object goes the slow way */
    struct exchange_checks *ck = !r && a->checks && a->checks->n == n ? a->checks : NULL;
    if (r == -HL_E_PERM)
        accept_log(a, "exchange refused push from %s (%s) to %s: %s",
                   a->peer_name ? a->peer_name : "-", a->peer, a->channel, err->msg);
    for (size_t i = 0; !r && i < json_array_size(objects); i++) {
        json_t *o = json_array_get(objects, i);
        bool refused = true;
        if (stopped)
            snprintf(msg, sizeof msg, "not processed: follows refused entry %zu", refused_at);
        else
            r = accept_one(a, o, checks_wait(ck, i), g, &refused, msg, err);
        if (!r && refused && !stopped) {
            stopped = true;
            refused_at = i;
            accept_log(a, "exchange refused from %s (%s) in %s: object %.100s: %s",
                       a->peer_name ? a->peer_name : "-", a->peer, a->channel, object_id(o), msg);
        }
        if (!r && refused)
            a->refused++;
        if (!r)
            r = accept_detail(refused ? a->failures : a->successes, o, msg[0] ? msg : NULL, err);
    }
    if (!r)
        r = accept_receipts(a, g, err);
    if (!r)
        r = push_moves_cursor(a, err);
    if (own) {
        exchange_checks_free(a->checks);
        a->checks = NULL;
    }
    grown_close(g, NULL);
    free(g);
    return r;
}

/* Hands the page's receipts to the delivery endpoint before the commit
 * (a->taken), unless our own log here is behind what a member holds
 * (log_own_current): a receipt for more of it than we hold confirms
 * nothing we could tell a sender. */
static int hand_taken(struct exchange_accept *a, const json_t *objects, struct hl_error *err)
{
    struct hl_error e;
    int b = a->me ? log_own_current(a->store, a->me->party, a->channel, &e) : 0;
    if (!b)
        a->taken(a->taken_ctx, a->channel, objects);
    else if (b != -HL_E_BEHIND)
        *err = e;
    return b == -HL_E_BEHIND ? 0 : b;
}

int exchange_accept_pull(struct exchange_accept *a, json_t *objects, struct hl_error *err)
{
    char msg[ACCEPT_MESSAGE_MAX];
    struct grown *g = calloc(1, sizeof *g);
    size_t n = json_array_size(objects);
    bool own = !a->checks;
    if (!g)
        return hl_fail(err, HL_E_NOMEM, NULL, "out of memory");
    int r = 0;
    if (own && exchange_accept_prepare(a, objects, err))
        hl_error_clear(err); /* every object goes the slow way */
    struct exchange_checks *ck = a->checks && a->checks->n == n ? a->checks : NULL;
    for (size_t i = 0; !r && i < n; i++) {
        json_t *o = json_array_get(objects, i);
        const char *party = json_string_value(json_object_get(o, SEAL_PROP_PARTY));
        const char *ch = json_string_value(json_object_get(o, SEAL_PROP_CHANNEL));
        bool refused = false;
        if (party && a->me && strcmp(party, a->me->party) == 0) {
            bool held = true;
            if ((r = own_held(a, o, &held, err)) != 0)
                break;
            if (held) {
                a->duplicates++; /* our own log: we are its source */
                continue;
            }
        }
        if (ch && strcmp(ch, a->channel) != 0)
            snprintf(msg, sizeof msg, "sealed for channel %.130s", ch), refused = true;
        else
            r = accept_one(a, o, checks_wait(ck, i), g, &refused, msg, err);
        if (!r && refused) {
            a->refused++;
            accept_log(a, "exchange refused pulled from %s (%s) in %s: object %.100s: %s",
                       a->peer_name ? a->peer_name : "-", a->peer, a->channel, object_id(o), msg);
        }
    }
    if (!r && !a->refused && a->taken)
        r = hand_taken(a, objects, err);
    if (!r && a->recovered)
        r = receipts_owed(a, g, err);
    if (!r)
        r = accept_receipts(a, g, err);
    if (own) {
        exchange_checks_free(a->checks);
        a->checks = NULL;
    }
    grown_close(g, NULL);
    free(g);
    return r;
}
