/*
 * workflow_int.h — private to src/workflow/ (W1's files): the view of a
 * channel that view.c builds and scorecard.c and deadline.c read.
 *
 * Invariants after workflow_view_load succeeds:
 *   - items[0..n) are the channel's objects but tree heads and receipts,
 *     newest version of each id, in sealed order (created, party, seq);
 *     index maps each id to its position (a JSON integer);
 *   - members[0..n_members) are the channel's members in (name, id) order;
 *   - heads are sorted by (party, size), receipts by (witness, log_party,
 *     size), with min_after[i] = the smallest created_us of receipts i..
 *     the end of their (witness, log_party) run;
 *   - every response's target is the index of what it answers, or
 *     WF_NONE; flag is "" unless the response (or request) is refused.
 */
#ifndef HL_WORKFLOW_INT_H
#define HL_WORKFLOW_INT_H

#include "workflow.h"

#define WF_NONE ((size_t)-1)
#define WF_FLAG_MAX 400

struct wf_member {
    char id[STORE_TEXT_MAX + 1];
    char name[STORE_TEXT_MAX + 1];
    int64_t retired_us; /* retired from the channel on this node since, 0 not */
};

struct wf_item {
    json_t *obj;                    /* owned */
    const char *id, *type;          /* borrowed from obj */
    char party[STORE_TEXT_MAX + 1]; /* hotline_party, else created_by_ref, else "" */
    int64_t seq;                    /* hotline_seq, -1 if none */
    int64_t created_us, sealed_us;
    enum workflow_kind kind;
    char flag[WF_FLAG_MAX]; /* why refused, "" if not */
    /* responses */
    size_t target;
    /* requests: the state their addressees' answers add up to
     * (wf_request_settle, request.c), and per member (members[] order) the
     * state of its own answers and the created of its first accepted
     * response and of the one that made it final (0 none); the requester's
     * entry stays open and counts for nothing */
    enum workflow_state state;
    int64_t due_us;            /* 0 when it has no valid due */
    int64_t first_response_us; /* the earliest first response of any addressee, 0 none */
    int64_t final_us;          /* when the last addressee's state became final, 0 none */
    enum workflow_state *track;
    int64_t *track_first_us, *track_final_us;
    /* notifications: per member (members[] order), the created of its first
     * answer and the answer's index, 0 / WF_NONE when none */
    int64_t *ack_us;
    size_t *ack_by;
};

struct wf_head {
    char party[STORE_TEXT_MAX + 1];
    int64_t size, created_us;
};

struct wf_receipt {
    char witness[STORE_TEXT_MAX + 1];
    char log_party[STORE_TEXT_MAX + 1];
    int64_t size, created_us, seq;
    int64_t min_after_us; /* smallest created_us from here to the end of the run */
    int64_t min_after_seq;
};

struct workflow_view {
    char channel[STORE_TEXT_MAX + 1];
    int64_t ack_within_s;
    struct wf_item *items;
    size_t n, cap;
    json_t *index;
    struct wf_member *members;
    size_t n_members;
    struct wf_head *heads;
    size_t n_heads, cap_heads;
    struct wf_receipt *receipts;
    size_t n_receipts, cap_receipts;
    int64_t as_of_us;
};

/* workflow_view_load; light reads only what deadlines need (reports,
 * requests, responses and the heads: no receipts, no other objects), for
 * the node's periodic check and its metrics. */
HL_MUST_CHECK int wf_view_load(struct store *s, const char *channel, bool light,
                               struct workflow_view **out, struct hl_error *err);
/* The item of id, or NULL. */
const struct wf_item *wf_find(const struct workflow_view *v, const char *id);
/* The member index of party, or WF_NONE. */
size_t wf_member_index(const struct workflow_view *v, const char *party);
/* When member (a party id) first held entry seq of party's log: the
 * created of its first covering receipt; 0 if none. *receipt_seq (may be
 * NULL) gets that receipt's hotline_seq. */
int64_t wf_delivered_us(const struct workflow_view *v, const char *party, int64_t seq,
                        const char *member, int64_t *receipt_seq);
/* Sets it's flag (why it is refused) unless one is set: the first
 * reason stands. */
void wf_flag(struct wf_item *it, const char *fmt, ...) HL_PRINTF(2, 3);

/* A request's states, member by member (request.c). init allocates the
 * tracks (HL_E_NOMEM), release frees them; answer judges resp (a
 * response to t from resp->party) against that member's own state and
 * moves it, or flags resp; settle derives t's own state once every
 * response is judged. */
HL_MUST_CHECK int wf_request_init(const struct workflow_view *v, struct wf_item *it);
void wf_request_release(struct wf_item *it);
void wf_request_answer(const struct workflow_view *v, struct wf_item *t, struct wf_item *resp);
void wf_request_settle(const struct workflow_view *v, struct wf_item *it);
/* The members a request asks: every member but the requester. */
size_t wf_request_addressees(const struct workflow_view *v, const struct wf_item *it);
/* Whether party may answer request it with status (state to): 0, or
 * HL_E_CONFLICT naming party's own state and what it may answer next. */
HL_MUST_CHECK int wf_request_may_respond(const struct workflow_view *v, const struct wf_item *it,
                                         const char *party, enum workflow_state to,
                                         const char *status, struct hl_error *err);
/* [{member, name, state}] of each member a request or a notification
 * asks (all but its publisher), in members[] order: a request's member's
 * own state, a notification's "acknowledged" or "open"; for a request with
 * detail also first_response, final (STIX timestamps, when there are some)
 * and allowed_next. A new reference, NULL when out of memory. */
json_t *wf_item_states(const struct workflow_view *v, const struct wf_item *it, bool detail);
/* Whether party owes an answer to it: a notification it has not
 * acknowledged, a request it has not completed or declined (it must be a
 * member and not the publisher). */
bool wf_item_owed(const struct workflow_view *v, const struct wf_item *it, const char *party);

/* Whether it is overdue at now, and for a notification which member
 * first (members[] order) has not answered (WF_NONE for a request). */
bool wf_item_overdue(const struct workflow_view *v, const struct wf_item *it, int64_t now_us);
/* Counts overdue items by kind: a workflow_overdue_fn over a struct
 * wf_overdue_count (deadline.c). */
struct wf_overdue_count {
    int64_t ack, due;
};
int wf_overdue_count(void *ctx, const struct workflow_overdue *o);

#endif
