/*
 * request.c — a request's state, member by member (workflow.h, State).
 *
 * A request is addressed to every member of its channel but the
 * requester. Each addressee answers for itself: its responses, in sealed
 * order, move ITS state through the table (workflow_transition_allowed),
 * so that one member declining does not close the request for a member
 * that is taking it down, and the scorecard credits each party with what
 * it did. In a channel of two parties there is one addressee, and its
 * state is the request's.
 *
 * The request's own state summarises its addressees' (wf_request_settle):
 *   - when every addressee's is final: completed if any completed, else
 *     declined; it became final when the last of them did;
 *   - otherwise the furthest state among those not final, in the table's
 *     order (open, acknowledged, in-progress, needs-information): a
 *     question waiting for the requester shows first.
 * A member this node retired from the channel (store_channel_member_retire)
 * owes nothing here and is left out of that sum, though its own state
 * stays what its responses made it (the scorecard's, the same everywhere).
 * Its first response is the earliest first response of any addressee.
 * Everything here is derived from sealed objects in sealed order, so
 * every replica derives the same states.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "workflow_int.h"

int wf_request_init(const struct workflow_view *v, struct wf_item *it)
{
    size_t n = v->n_members ? v->n_members : 1;
    it->track = calloc(n, sizeof *it->track); /* WORKFLOW_OPEN is 0 */
    it->track_first_us = calloc(n, sizeof *it->track_first_us);
    it->track_final_us = calloc(n, sizeof *it->track_final_us);
    return it->track && it->track_first_us && it->track_final_us ? 0 : -HL_E_NOMEM;
}

void wf_request_release(struct wf_item *it)
{
    free(it->track);
    free(it->track_first_us);
    free(it->track_final_us);
}

/* Whether member m is one the item asks (a request to act, a notification
 * to acknowledge): any member but its publisher. */
static bool addressee(const struct workflow_view *v, const struct wf_item *it, size_t m)
{
    return strcmp(v->members[m].id, it->party) != 0;
}

size_t wf_request_addressees(const struct workflow_view *v, const struct wf_item *it)
{
    size_t n = 0;
    for (size_t m = 0; m < v->n_members; m++)
        n += addressee(v, it, m);
    return n;
}

/* "the request is S" or, with several addressees, "the request is S for
 * NAME": what a refusal names. */
static void state_words(const struct workflow_view *v, const struct wf_item *it, size_t m,
                        char *out, size_t max)
{
    const char *st = workflow_state_name(it->track[m]);
    if (wf_request_addressees(v, it) > 1)
        snprintf(out, max, "the request is %s for %s", st, v->members[m].name);
    else
        snprintf(out, max, "the request is %s", st);
}

void wf_request_answer(const struct workflow_view *v, struct wf_item *t, struct wf_item *resp)
{
    const char *status = json_string_value(json_object_get(resp->obj, WORKFLOW_PROP_STATUS));
    size_t m = wf_member_index(v, resp->party);
    enum workflow_state to;
    char words[STORE_TEXT_MAX + 64], allowed[160];
    if (m == WF_NONE) {
        wf_flag(resp, "%s is not a member of the channel", resp->party);
        return;
    }
    if (!workflow_state_from_status(status, &to) || !workflow_transition_allowed(t->track[m], to)) {
        state_words(v, t, m, words, sizeof words);
        workflow_allowed_next(t->track[m], allowed, sizeof allowed);
        wf_flag(resp, "%s: %s is not allowed (allowed: %s)", words, status ? status : "?", allowed);
        return;
    }
    t->track[m] = to;
    if (!t->track_first_us[m])
        t->track_first_us[m] = resp->created_us;
    if (workflow_state_final(to))
        t->track_final_us[m] = resp->created_us;
}

void wf_request_settle(const struct workflow_view *v, struct wf_item *it)
{
    bool all_final = true, completed = false, any = false;
    enum workflow_state furthest = WORKFLOW_OPEN;
    int64_t last_final = 0;
    it->first_response_us = 0;
    for (size_t m = 0; m < v->n_members; m++) {
        if (!addressee(v, it, m) || v->members[m].retired_us)
            continue;
        enum workflow_state s = it->track[m];
        any = true;
        if (it->track_first_us[m] &&
            (!it->first_response_us || it->track_first_us[m] < it->first_response_us))
            it->first_response_us = it->track_first_us[m];
        if (workflow_state_final(s)) {
            completed |= s == WORKFLOW_COMPLETED;
            if (it->track_final_us[m] > last_final)
                last_final = it->track_final_us[m];
        } else {
            all_final = false;
            if (s > furthest)
                furthest = s;
        }
    }
    if (any && all_final) {
        it->state = completed ? WORKFLOW_COMPLETED : WORKFLOW_DECLINED;
        it->final_us = last_final;
    } else {
        it->state = furthest;
        it->final_us = 0;
    }
}

int wf_request_may_respond(const struct workflow_view *v, const struct wf_item *it,
                           const char *party, enum workflow_state to, const char *status,
                           struct hl_error *err)
{
    size_t m = wf_member_index(v, party);
    char words[STORE_TEXT_MAX + 64], allowed[160];
    if (m == WF_NONE)
        return hl_fail(err, HL_E_CONFLICT, it->id, "%s is not a member of channel %s", party,
                       v->channel);
    if (workflow_transition_allowed(it->track[m], to))
        return 0;
    workflow_allowed_next(it->track[m], allowed, sizeof allowed);
    if (wf_request_addressees(v, it) > 1)
        snprintf(words, sizeof words, "is %s by this party", workflow_state_name(it->track[m]));
    else
        snprintf(words, sizeof words, "is %s", workflow_state_name(it->track[m]));
    return hl_fail(err, HL_E_CONFLICT, it->id, "request %s %s: it cannot become %s (allowed: %s)",
                   it->id, words, status, allowed);
}

/* One addressee's state: {member, name, state}, and with detail its first
 * response, the time it became final, and what it may answer next. */
static json_t *state_json(const struct workflow_view *v, const struct wf_item *it, size_t m,
                          bool detail)
{
    char t[32], allowed[160];
    const char *st = it->kind == WORKFLOW_KIND_REQUEST ? workflow_state_name(it->track[m])
                     : it->ack_by[m] != WF_NONE        ? "acknowledged"
                                                       : "open";
    json_t *j = json_pack("{s:s, s:s, s:s}", "member", v->members[m].id, "name", v->members[m].name,
                          "state", st);
    int r = 0;
    if (j && v->members[m].retired_us) {
        stix_time_format_us_ms(v->members[m].retired_us, t);
        r |= json_object_set_new(j, "retired", json_string(t));
    }
    if (!j || !detail || it->kind != WORKFLOW_KIND_REQUEST)
        return r ? (json_decref(j), NULL) : j;
    if (it->track_first_us[m]) {
        stix_time_format_us_ms(it->track_first_us[m], t);
        r |= json_object_set_new(j, "first_response", json_string(t));
    }
    if (it->track_final_us[m]) {
        stix_time_format_us_ms(it->track_final_us[m], t);
        r |= json_object_set_new(j, "final", json_string(t));
    }
    workflow_allowed_next(it->track[m], allowed, sizeof allowed);
    r |= json_object_set_new(j, "allowed_next", json_string(allowed));
    if (r) {
        json_decref(j);
        return NULL;
    }
    return j;
}

json_t *wf_item_states(const struct workflow_view *v, const struct wf_item *it, bool detail)
{
    json_t *a = json_array();
    for (size_t m = 0; a && m < v->n_members; m++) {
        if (addressee(v, it, m) && json_array_append_new(a, state_json(v, it, m, detail))) {
            json_decref(a);
            return NULL;
        }
    }
    return a;
}

bool wf_item_owed(const struct workflow_view *v, const struct wf_item *it, const char *party)
{
    size_t m = wf_member_index(v, party);
    if (m == WF_NONE || !addressee(v, it, m) || v->members[m].retired_us)
        return false;
    if (it->kind == WORKFLOW_KIND_NOTIFICATION)
        return it->ack_by[m] == WF_NONE;
    return it->kind == WORKFLOW_KIND_REQUEST && !workflow_state_final(it->track[m]);
}
