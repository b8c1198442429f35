/*
 * repl_int.h — what the replication worker's two files share: repl.c (the
 * thread, its rounds, the pairs it follows, its bookkeeping) and
 * transfer.c (one push and one pull, over exchange_client). Not part of
 * exchange.h.
 */
#ifndef HL_REPL_INT_H
#define HL_REPL_INT_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "exchange.h"
#include "ledger/ledger.h"
#include "store/store.h"

#define REPL_PATH_MAX 1400
/* A successful round's repl_state waits (in memory) until the worker has
 * been idle this long, or at most REPL_FLUSH_MS: the commit then stays
 * off the path of the receipt coming back. It is not synced (repl_flush)
 * but at the node's stop. */
#define REPL_IDLE_MS 20
#define REPL_FLUSH_MS 1000
/* Channels, members and peers change by other processes (the CLI): the
 * worker rereads them before a round at most this often, and within this
 * long after a round that did not (a round on a commit costs no scan). */
#define REPL_SCAN_MS 200

/* One (member, channel) the worker follows. */
struct pair {
    char party[STORE_TEXT_MAX + 1];
    char name[STORE_TEXT_MAX + 1]; /* its peer name, once known */
    char channel[STORE_TEXT_MAX + 1];
    bool live;            /* seen in the latest scan */
    int64_t next_try_ms;  /* monotonic; 0: now */
    int64_t next_pull_ms; /* monotonic; 0: now */
    unsigned failures;
    char last_error[STORE_DETAIL_MAX + 1];
    struct store_repl_state st; /* the latest state, when dirty */
    bool dirty;                 /* st not written yet */
    int64_t dirty_ms;           /* since when */
    size_t envelope_max;        /* entries per push; 0: EXCHANGE_ENVELOPE_MAX */
    /* The member's clock against ours (repl_clock_sample): the latest
     * answer's skew, whether it is being warned of, and whether that
     * changed since the state was written. */
    int64_t skew_ms;
    bool skew_warned, skew_changed;
    /* Our next certificate (cert.c): the one of generation next_gen told
     * to this member's node in this run; a refusal said once, the next try
     * not before next_retry_ms (monotonic; a node too old for it refuses
     * every time). */
    uint64_t next_gen;
    bool next_announced, next_refused;
    int64_t next_retry_ms;
    /* The member presented another key while it had announced a next
     * certificate (it switched to it): tried again at once, not after a
     * backoff and a warning; once, until a round succeeds. */
    bool key_retried;
};

/* A skew of the member's clock of EXCHANGE_CLOCK_SKEW_WARN_MS or more is
 * logged and written at once (channel show, doctor, metrics); the warning
 * ends when an answer shows less than REPL_SKEW_CLEAR_MS (an answer proves
 * the skew to within a second, so a clock near the limit does not flap). */
#define REPL_SKEW_CLEAR_MS 1000

/* Own entries a member's answer carried (exchange_sent_in_answer). The
 * note is made inside the transaction that makes the entries, so a round
 * that sees them committed finds the note; one whose entries never commit
 * is dropped after REPL_NOTE_MS. */
struct sent_note {
    char party[STORE_TEXT_MAX + 1];
    char channel[STORE_TEXT_MAX + 1];
    int64_t from, to;
    int64_t at_ms;
};
#define REPL_NOTES_MAX 64
#define REPL_NOTE_MS 2000

/* A member whose pushes to us arrive whole in a channel of two
 * (exchange_pushes_flow): the pair's scheduled pull waits. */
struct flow_note {
    char party[STORE_TEXT_MAX + 1];
    char channel[STORE_TEXT_MAX + 1];
    int64_t at_ms; /* monotonic: the latest such push */
};

#define REPL_FLOWS_MAX 64

struct exchange {
    struct exchange_options o;
    /* o.pull_interval_s as exchange_set_pull_interval last set it, and as
     * the worker last applied it to its pairs' next pulls. */
    _Atomic unsigned pull_interval_s;
    unsigned pull_applied_s;
    struct store *store;
    struct exchange_client *client;
    pthread_t thread;
    pthread_mutex_t lock;
    pthread_cond_t cond;
    bool woken, stopping;
    char pull_party[EXCHANGE_PAIRS_MAX > 64 ? 64 : EXCHANGE_PAIRS_MAX][STORE_TEXT_MAX + 1];
    size_t n_pull_party;
    struct pair *pairs;
    size_t n_pairs;
    int64_t scan_ms;                        /* monotonic: the last pairs_scan */
    bool scan_owed;                         /* a round ran without one since */
    struct sent_note notes[REPL_NOTES_MAX]; /* under lock */
    size_t n_notes;
    struct flow_note flows[REPL_FLOWS_MAX]; /* under lock */
    size_t n_flows;
    /* Our next certificate, hex, and our party's signature of it
     * (exchange_options.next_cert_sha256, exchange_next_cert_set), or "";
     * next_gen counts the changes. Under lock. */
    char next_cert[EXCHANGE_FINGERPRINT_LEN + 1];
    char next_sig[SEAL_STATEMENT_SIG_B64];
    uint64_t next_gen;
};

/* ---- the peer of a pair ------------------------------------------------------ */

/* Notes what answer a says of the member's clock (exchange_answer_clock_skew)
 * in p, and logs a skew that starts or ends. */
void repl_clock_sample(struct exchange *x, struct pair *p, const struct exchange_answer *a);

struct target;
/* Tells the member's node our next certificate, once per run (cert.c). */
void repl_cert_announce(struct exchange *x, struct pair *p, struct target *t);
/* Pins the member's announced certificate once it presents it (cert.c). */
void repl_cert_promote(struct exchange *x, struct pair *p, const struct target *t);

struct target {
    struct store_peer peer;
    struct exchange_target t;
    char coll[37];
};

/* ---- push ------------------------------------------------------------------- */

/* What identifies an entry in a status (TAXII 2.1 §4.3.1: id and version). */
struct env_entry {
    char id[STORE_TEXT_MAX + 1];
    int64_t version_us; /* the object's modified (else created) */
};

struct envelope {
    struct buf body;
    struct env_entry *ids; /* cap of them */
    size_t n, cap;
    size_t max; /* entries at most (the member's limit, as learnt, and what is left) */
    int64_t added_last_us; /* date_added here of its last entry */
};

/* One pair's work in a round: what it pushes, and how it went. */
struct job {
    struct pair *p;
    struct target t;
    struct store_repl_state st;
    int64_t size; /* of our log of the channel */
    struct envelope env;
    struct exchange_answer a;
    struct exchange_call *call;
    int r;
    struct hl_error err;
    bool worked, took;
    /* The member's own entries its answers carried, not taken yet (the
     * writer's lock was busy: the next push went first), in order. */
    json_t *pending;
};

void repl_log(struct exchange *x, const char *fmt, ...) HL_PRINTF(2, 3);
/* A write: the node's writer lock, then store_begin; tx_end commits (r
 * 0) or rolls back, and unlocks. synced false: the commit does not wait
 * for the disk (store_begin_unsynced), for what can be had again after a
 * power cut: replication state, a member's statements about its log
 * (receipts, tree heads), which make no statement of ours. Anything of
 * our own log waits for the disk, before it can leave this node. */
HL_MUST_CHECK int repl_tx_begin(struct exchange *x, bool synced, struct hl_error *err);
HL_MUST_CHECK int repl_tx_end(struct exchange *x, int r, struct hl_error *err);
void repl_target_wipe(struct target *t);

/* transfer.c. Pushes what every job's member lacks of our log, the
 * envelopes to all members at once (one round trip for all of them). */
void repl_push_all(struct exchange *x, struct job *jobs, size_t n);
/* Pulls the member's collection from the cursor on. *took: anything new. */
HL_MUST_CHECK int repl_pull_pair(struct exchange *x, struct pair *p, struct target *t, bool *took,
                                 struct hl_error *err);
/* When the member's receipts say it holds more of our own log than we do,
 * takes the missing entries back from it (transfer.c), after each pull of
 * it. *took: anything. */
HL_MUST_CHECK int repl_recover_pair(struct exchange *x, struct pair *p, struct target *t,
                                    bool *took, struct hl_error *err);

#endif
