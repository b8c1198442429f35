/*
 * workflow_test.c — the workflow module: the request state table and its
 * messages, the checks of the two SDOs, durations and percentiles, and on
 * a real store with two parties' logs (sealed with their keys, receipts
 * and tree heads at times the test chooses): responses judged in sealed
 * order (states, acknowledgments, refused ones flagged), overdue at a
 * clock the test moves, escalation once, and the scorecard's numbers; and
 * with a third party, a request that each addressee answers for itself.
 */
/* cmocka.h needs these first. */
// clang-format off
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
// clang-format on

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "ledger/ledger.h"
#include "store/store.h"
#include "test_dir.h"
#include "workflow/workflow.h"

#define US "identity--11111111-1111-4111-8111-111111111111"
#define RU "identity--22222222-2222-4222-8222-222222222222"
#define DE "identity--44444444-4444-4444-8444-444444444444"
#define INC "incident--33333333-3333-4333-8333-333333333333"
#define S 1000000LL           /* one second in µs */
#define T0 (1780000000LL * S) /* 2026-05-28T...: the test's epoch */

/* ---- the state table ------------------------------------------------------- */

static void test_transition_table_is_exactly_the_documented_one(void **state)
{
    (void)state;
    /* allowed[from][to], states in enum order */
    static const bool allowed[WORKFLOW_N_STATES][WORKFLOW_N_STATES] = {
        /*            open   ack    inprog needinf done   declined */
        [WORKFLOW_OPEN] = {0, 1, 1, 1, 0, 1},
        [WORKFLOW_ACKNOWLEDGED] = {0, 0, 1, 1, 1, 1},
        [WORKFLOW_IN_PROGRESS] = {0, 0, 0, 1, 1, 1},
        [WORKFLOW_NEEDS_INFORMATION] = {0, 0, 1, 0, 1, 1},
        [WORKFLOW_COMPLETED] = {0, 0, 0, 0, 0, 0},
        [WORKFLOW_DECLINED] = {0, 0, 0, 0, 0, 0},
    };
    for (int f = 0; f < WORKFLOW_N_STATES; f++)
        for (int t = 0; t < WORKFLOW_N_STATES; t++)
            if (workflow_transition_allowed(f, t) != allowed[f][t])
                fail_msg("%s -> %s", workflow_state_name(f), workflow_state_name(t));
    assert_false(workflow_transition_allowed(WORKFLOW_N_STATES, WORKFLOW_OPEN));
    assert_false(workflow_transition_allowed(WORKFLOW_OPEN, WORKFLOW_N_STATES));
    assert_true(workflow_state_final(WORKFLOW_COMPLETED));
    assert_true(workflow_state_final(WORKFLOW_DECLINED));
    assert_false(workflow_state_final(WORKFLOW_NEEDS_INFORMATION));
}

static void test_allowed_next_names_the_statuses_in_words(void **state)
{
    (void)state;
    char t[160];
    workflow_allowed_next(WORKFLOW_OPEN, t, sizeof t);
    assert_string_equal(t, "acknowledged, in-progress, needs-information or declined");
    workflow_allowed_next(WORKFLOW_NEEDS_INFORMATION, t, sizeof t);
    assert_string_equal(t, "in-progress, completed or declined");
    workflow_allowed_next(WORKFLOW_DECLINED, t, sizeof t);
    assert_string_equal(t, "none: the request is declined");
    workflow_allowed_next(WORKFLOW_OPEN, t, 12); /* cut, never overflows */
    assert_int_equal(strlen(t), 11);
}

static void test_status_words_map_to_states_and_outcomes(void **state)
{
    (void)state;
    enum workflow_state s;
    for (const char *const *w = workflow_statuses; *w; w++) {
        assert_true(workflow_state_from_status(*w, &s));
        assert_string_equal(workflow_state_name(s), *w);
    }
    assert_false(workflow_state_from_status("open", &s));
    assert_false(workflow_state_from_status("done", &s));
    assert_false(workflow_state_from_status(NULL, &s));
    assert_string_equal(workflow_state_task_outcome(WORKFLOW_COMPLETED), "successful");
    assert_string_equal(workflow_state_task_outcome(WORKFLOW_DECLINED), "cancelled");
    assert_string_equal(workflow_state_task_outcome(WORKFLOW_IN_PROGRESS), "ongoing");
    assert_string_equal(workflow_state_task_outcome(WORKFLOW_OPEN), "pending");
}

/* ---- the checks ---------------------------------------------------------------- */

static json_t *request_obj(void)
{
    return json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:{s:{s:s}}, s:s, s:[s], s:s, s:s, s:s}",
                     "type", WORKFLOW_REQUEST_TYPE, "spec_version", "2.1", "id",
                     "hotline-request--44444444-4444-4444-8444-444444444444", "created",
                     "2026-05-08T14:22:31.418Z", "modified", "2026-05-08T14:22:31.418Z",
                     "created_by_ref", RU, "extensions", WORKFLOW_REQUEST_EXT, "extension_type",
                     "new-sdo", "request_kind", "detain", "object_refs", INC, "due",
                     "2026-05-10T00:00:00Z", "priority", "high", "description", "Detain them");
}

static json_t *response_obj(const char *status, const char *text)
{
    json_t *o = json_pack(
        "{s:s, s:s, s:s, s:s, s:s, s:s, s:{s:{s:s}}, s:s, s:s}", "type", WORKFLOW_RESPONSE_TYPE,
        "spec_version", "2.1", "id", "hotline-response--55555555-5555-4555-8555-555555555555",
        "created", "2026-05-08T14:22:31.418Z", "modified", "2026-05-08T14:22:31.418Z",
        "created_by_ref", US, "extensions", WORKFLOW_RESPONSE_EXT, "extension_type", "new-sdo",
        "request_ref", "hotline-request--44444444-4444-4444-8444-444444444444", "status", status);
    if (text)
        json_object_set_new(o, "description", json_string(text));
    return o;
}

/* The errors of a check, as "path: message" lines. */
static void errors_of(void (*check)(const json_t *, const char *, struct stix_report *),
                      const json_t *o, char *out, size_t max)
{
    struct stix_report r;
    size_t len = 0;
    stix_report_init(&r);
    check(o, "", &r);
    out[0] = '\0';
    for (size_t i = 0; i < r.n && len < max; i++)
        if (r.items[i].severity == STIX_SEV_ERROR)
            len += (size_t)snprintf(out + len, max - len, "%s: %s\n", r.items[i].path,
                                    r.items[i].message);
    stix_report_release(&r);
}

static void test_request_check_accepts_a_request_and_names_each_violation(void **state)
{
    (void)state;
    char e[2048];
    json_t *o = request_obj();
    errors_of(workflow_request_check, o, e, sizeof e);
    assert_string_equal(e, "");
    static const struct {
        const char *key;
        const char *want; /* in the errors */
    } cases[] = {
        {"request_kind", "request_kind: required property 'request_kind' is missing"},
        {"due", "due: required property 'due' is missing"},
        {"priority", "priority: required property 'priority' is missing"},
        {"object_refs", "object_refs: must be a non-empty list"},
        {"extensions", "extensions: must hold"},
        {"created_by_ref", "created_by_ref: required property"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        json_t *c = json_deep_copy(o);
        json_object_del(c, cases[i].key);
        errors_of(workflow_request_check, c, e, sizeof e);
        if (!strstr(e, cases[i].want))
            fail_msg("without %s: %s", cases[i].key, e);
        json_decref(c);
    }
    json_t *c = json_deep_copy(o);
    json_object_set_new(c, "request_kind", json_string("arrest"));
    json_object_set_new(c, "priority", json_string("urgent"));
    json_object_set_new(c, "due", json_string("tomorrow"));
    json_object_set_new(c, "object_refs", json_pack("[s, s]", INC, "nothing"));
    errors_of(workflow_request_check, c, e, sizeof e);
    assert_non_null(strstr(e, "request_kind: must be one of: investigate, detain, take-down, "
                              "preserve-evidence, provide-information, cease-activity"));
    assert_non_null(strstr(e, "priority: must be one of: low, medium, high, critical"));
    assert_non_null(strstr(e, "due: must be a timestamp"));
    assert_non_null(strstr(e, "object_refs[1]: must be a STIX identifier"));
    json_object_set_new(
        c, "extensions",
        json_pack("{s:{s:s}}", WORKFLOW_REQUEST_EXT, "extension_type", "property-extension"));
    errors_of(workflow_request_check, c, e, sizeof e);
    assert_non_null(strstr(e, "extensions: must hold"));
    json_decref(c);
    c = response_obj("acknowledged", NULL); /* a response is no request */
    errors_of(workflow_request_check, c, e, sizeof e);
    assert_non_null(strstr(e, "type: must be 'hotline-request'"));
    json_decref(c);
    json_decref(o);
}

static void test_response_check_wants_reasons_and_counts(void **state)
{
    (void)state;
    char e[2048];
    json_t *o = response_obj("completed", "two persons detained");
    json_object_set_new(o, "persons_detained", json_integer(2));
    json_object_set_new(o, "actions_taken", json_pack("[s]", "warrants executed"));
    errors_of(workflow_response_check, o, e, sizeof e);
    assert_string_equal(e, "");
    errors_of(workflow_object_check, o, e, sizeof e);
    assert_string_equal(e, "");
    json_object_set_new(o, "persons_detained", json_integer(-1));
    json_object_set_new(o, "servers_seized", json_string("3"));
    json_object_set_new(o, "actions_taken", json_pack("[s, i]", "x", 3));
    errors_of(workflow_response_check, o, e, sizeof e);
    assert_non_null(strstr(e, "persons_detained: 'persons_detained' must be an integer >= 0"));
    assert_non_null(strstr(e, "servers_seized: 'servers_seized' must be an integer >= 0"));
    assert_non_null(strstr(e, "actions_taken[1]: must be a non-empty string"));
    json_decref(o);
    o = response_obj("declined", NULL);
    errors_of(workflow_response_check, o, e, sizeof e);
    assert_non_null(strstr(e, "description: 'description' is required when a request is "
                              "declined: the reason"));
    json_decref(o);
    o = response_obj("needs-information", "");
    errors_of(workflow_response_check, o, e, sizeof e);
    assert_non_null(strstr(e, "description: must be a non-empty string"));
    json_decref(o);
    o = response_obj("done", "x");
    json_object_set_new(o, "request_ref", json_string("request-1"));
    errors_of(workflow_response_check, o, e, sizeof e);
    assert_non_null(strstr(e, "status: must be one of: acknowledged, in-progress, completed, "
                              "declined, needs-information"));
    assert_non_null(strstr(e, "request_ref: must be the identifier"));
    json_decref(o);
}

/* ---- durations, percentiles -------------------------------------------------------- */

static void test_durations_parse_and_format(void **state)
{
    (void)state;
    int64_t s = 0;
    assert_true(workflow_duration_parse("30s", 1000000, &s) && s == 30);
    assert_true(workflow_duration_parse("30m", 1000000, &s) && s == 1800);
    assert_true(workflow_duration_parse("4h", 1000000, &s) && s == 14400);
    assert_true(workflow_duration_parse("2d", 1000000, &s) && s == 172800);
    static const char *const bad[] = {"",    "h",   "4",    "0h",  "-1h", "4x",
                                      "4 h", "4hh", "1.5h", "12d", NULL};
    for (const char *const *b = bad; *b; b++)
        if (workflow_duration_parse(*b, 1000000, &s))
            fail_msg("accepted %s", *b);
    char t[32];
    hl_duration_format(350, t);
    assert_string_equal(t, "350ms");
    hl_duration_format(42100, t);
    assert_string_equal(t, "42.1s");
    hl_duration_format(250000, t);
    assert_string_equal(t, "4m 10s");
    hl_duration_format(7500000, t);
    assert_string_equal(t, "2h 05m");
    hl_duration_format(3 * 86400000LL + 4 * 3600000LL, t);
    assert_string_equal(t, "3d 04h");
    hl_duration_format(-1500, t);
    assert_string_equal(t, "-1.5s");
}

static void test_percentile_is_nearest_rank(void **state)
{
    (void)state;
    const int64_t v[] = {10, 20, 30, 40, 50, 60, 70, 80, 90, 100};
    assert_int_equal(workflow_percentile(v, 10, 50), 50);
    assert_int_equal(workflow_percentile(v, 10, 90), 90);
    assert_int_equal(workflow_percentile(v, 10, 100), 100);
    assert_int_equal(workflow_percentile(v, 10, 1), 10);
    assert_int_equal(workflow_percentile(v, 1, 90), 10);
    assert_int_equal(workflow_percentile(v, 3, 50), 20); /* ceil(1.5) = 2 */
    assert_int_equal(workflow_percentile(v, 4, 50), 20); /* lower median */
    assert_int_equal(workflow_percentile(v, 0, 50), 0);
}

/* ---- a channel with two parties' logs --------------------------------------------- */

struct fx {
    char dir[TEST_DIR_MAX];
    struct store *s;
    struct seal_key us, ru;
    struct log_signer sus, sru;
    struct hl_error err;
};

static void add_party(struct fx *f, const char *id, const char *name, struct seal_key *k,
                      uint8_t seed_byte)
{
    uint8_t seed[32];
    memset(seed, seed_byte, sizeof seed);
    assert_int_equal(seal_key_from_seed(k, seed, NULL), 0);
    struct store_party p;
    memset(&p, 0, sizeof p);
    snprintf(p.id, sizeof p.id, "%s", id);
    snprintf(p.name, sizeof p.name, "%s", name);
    memcpy(p.public_key, k->pk, 32);
    assert_int_equal(store_party_put(f->s, &p, NULL), 0);
    assert_int_equal(store_channel_member_add(f->s, "us-ru", id, NULL), 0);
}

static int setup(void **state)
{
    struct fx *f = calloc(1, sizeof *f);
    char path[TEST_DIR_MAX + 16];
    assert_non_null(f);
    test_dir_make(f->dir, "workflow_test");
    snprintf(path, sizeof path, "%s/node.db", f->dir);
    assert_int_equal(store_open(path, NULL, &f->s, &f->err), 0);
    struct store_channel c = {.name = "us-ru", .created_us = T0};
    assert_int_equal(store_channel_create(f->s, &c, NULL), 0);
    add_party(f, US, "us", &f->us, 1);
    add_party(f, RU, "ru", &f->ru, 2);
    f->sus = (struct log_signer){US, &f->us};
    f->sru = (struct log_signer){RU, &f->ru};
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fx *f = *state;
    store_close(f->s);
    seal_key_wipe(&f->us);
    seal_key_wipe(&f->ru);
    test_dir_remove(f->dir);
    free(f);
    return 0;
}

static void iso(int64_t us, char out[32])
{
    struct stix_time t = {us / S, (uint32_t)(us % S) * 1000};
    stix_time_format(&t, out);
}

/* Appends obj (consumed) to signer's log, sealed at at_us (its batch's
 * tree head is dated at_us). Returns obj's id (static storage: copy it). */
static const char *publish(struct fx *f, const struct log_signer *who, json_t *obj, int64_t at_us)
{
    static char id[STIX_ID_MAX];
    snprintf(id, sizeof id, "%s", json_string_value(json_object_get(obj, "id")));
    if (log_append(f->s, who, "us-ru", &obj, 1, at_us, NULL, &f->err))
        fail_msg("append: %s", f->err.msg);
    json_decref(obj);
    return id;
}

static json_t *sdo(const char *type, const char *by, int64_t created_us)
{
    char id[STIX_ID_MAX], t[32];
    assert_int_equal(stix_id_new(type, id), 0);
    iso(created_us, t);
    json_t *o = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s}", "type", type, "spec_version", "2.1",
                          "id", id, "created", t, "modified", t, "created_by_ref", by);
    assert_non_null(o);
    return o;
}

static json_t *request(const char *by, int64_t created_us, int64_t due_us)
{
    char due[32];
    iso(due_us, due);
    json_t *o = sdo(WORKFLOW_REQUEST_TYPE, by, created_us);
    json_object_set_new(o, "extensions",
                        json_pack("{s:{s:s}}", WORKFLOW_REQUEST_EXT, "extension_type", "new-sdo"));
    json_object_set_new(o, "request_kind", json_string("detain"));
    json_object_set_new(o, "object_refs", json_pack("[s]", INC));
    json_object_set_new(o, "due", json_string(due));
    json_object_set_new(o, "priority", json_string("high"));
    return o;
}

static json_t *response(const char *by, int64_t created_us, const char *ref, const char *status)
{
    json_t *o = sdo(WORKFLOW_RESPONSE_TYPE, by, created_us);
    json_object_set_new(o, "extensions",
                        json_pack("{s:{s:s}}", WORKFLOW_RESPONSE_EXT, "extension_type", "new-sdo"));
    json_object_set_new(o, "request_ref", json_string(ref));
    json_object_set_new(o, "status", json_string(status));
    json_object_set_new(o, "description", json_string("words"));
    return o;
}

static json_t *notification(const char *by, int64_t created_us)
{
    json_t *o = sdo("report", by, created_us);
    char t[32];
    iso(created_us, t);
    json_object_set_new(o, "name", json_string("Incident notification"));
    json_object_set_new(o, "report_types", json_pack("[s]", "incident"));
    json_object_set_new(o, "published", json_string(t));
    json_object_set_new(o, "object_refs", json_pack("[s]", INC));
    return o;
}

static void receipt(struct fx *f, const struct log_signer *witness, const char *of, int64_t at)
{
    if (log_receipt_publish(f->s, witness, of, "us-ru", at, NULL, &f->err))
        fail_msg("receipt: %s", f->err.msg);
}

static json_t *find(json_t *list, const char *id)
{
    size_t i;
    json_t *it;
    json_array_foreach(list, i,
                       it) if (!strcmp(json_string_value(json_object_get(it, "id")), id)) return it;
    return NULL;
}

/* The scenario: us notifies at T0 (ru's receipt 2 s later, ack created
 * 60 s after); ru requests R1 at T0+100 s (due T0+1 h), us acknowledges
 * (T0+200 s) and completes it (T0+300 s), then answers it again
 * (refused); us requests R2 at T0+400 s due T0+600 s, never answered; ru
 * answers its own R1 (refused); a note at T0+700 s moves the channel's
 * as-of past R2's due. */
struct scenario {
    char rep[STIX_ID_MAX], r1[STIX_ID_MAX], r2[STIX_ID_MAX], ack[STIX_ID_MAX], bad[STIX_ID_MAX],
        self[STIX_ID_MAX];
};

static void play(struct fx *f, struct scenario *sc)
{
    snprintf(sc->rep, sizeof sc->rep, "%s", publish(f, &f->sus, notification(US, T0 - S), T0));
    receipt(f, &f->sru, US, T0 + 2 * S);
    snprintf(sc->ack, sizeof sc->ack, "%s",
             publish(f, &f->sru, response(RU, T0 + 60 * S, sc->rep, "acknowledged"), T0 + 61 * S));
    snprintf(sc->r1, sizeof sc->r1, "%s",
             publish(f, &f->sru, request(RU, T0 + 99 * S, T0 + 3600 * S), T0 + 100 * S));
    publish(f, &f->sus, response(US, T0 + 200 * S, sc->r1, "acknowledged"), T0 + 201 * S);
    publish(f, &f->sus, response(US, T0 + 300 * S, sc->r1, "completed"), T0 + 301 * S);
    json_t *bare = response(US, T0 + 350 * S, sc->r1, "in-progress");
    json_object_del(bare, "description"); /* a status without words */
    snprintf(sc->bad, sizeof sc->bad, "%s", publish(f, &f->sus, bare, T0 + 351 * S));
    snprintf(sc->r2, sizeof sc->r2, "%s",
             publish(f, &f->sus, request(US, T0 + 399 * S, T0 + 600 * S), T0 + 400 * S));
    snprintf(sc->self, sizeof sc->self, "%s",
             publish(f, &f->sru, response(RU, T0 + 450 * S, sc->r1, "declined"), T0 + 451 * S));
    publish(f, &f->sus, sdo("note", US, T0 + 699 * S), T0 + 700 * S);
}

static void test_view_judges_responses_in_sealed_order(void **state)
{
    struct fx *f = *state;
    struct scenario sc;
    struct workflow_view *v = NULL;
    enum workflow_state st;
    const char *requester = NULL;
    play(f, &sc);
    assert_int_equal(workflow_view_load(f->s, "us-ru", &v, &f->err), 0);
    assert_true(workflow_view_request_state(v, sc.r1, &st, &requester));
    assert_int_equal(st, WORKFLOW_COMPLETED);
    assert_string_equal(requester, RU);
    assert_true(workflow_view_request_state(v, sc.r2, &st, NULL));
    assert_int_equal(st, WORKFLOW_OPEN);
    assert_false(workflow_view_request_state(v, sc.rep, &st, NULL));
    struct workflow_filter fl = {.has_kind = true, .kind = WORKFLOW_KIND_RESPONSE, .now_us = T0};
    json_t *list = workflow_list(v, &fl);
    assert_int_equal(json_array_size(list), 5);
    assert_string_equal(json_string_value(json_object_get(find(list, sc.bad), "flag")),
                        "the request is completed: in-progress is not allowed (allowed: none: "
                        "the request is completed)");
    assert_string_equal(json_string_value(json_object_get(find(list, sc.self), "flag")),
                        "a response must come from a party other than the requester");
    assert_null(json_object_get(find(list, sc.ack), "flag"));
    /* The summary: the status, then the words if there are any. */
    assert_string_equal(json_string_value(json_object_get(find(list, sc.ack), "summary")),
                        "acknowledged: words");
    assert_string_equal(json_string_value(json_object_get(find(list, sc.bad), "summary")),
                        "in-progress");
    json_decref(list);
    /* may_respond: what hotline respond refuses */
    assert_int_equal(workflow_view_may_respond(v, sc.r1, US, "declined", &f->err), -HL_E_CONFLICT);
    assert_non_null(strstr(f->err.msg, "is completed: it cannot become declined"));
    assert_int_equal(workflow_view_may_respond(v, sc.r2, US, "acknowledged", &f->err),
                     -HL_E_CONFLICT);
    assert_non_null(strstr(f->err.msg, "a response must come from another party"));
    assert_int_equal(workflow_view_may_respond(v, sc.r2, RU, "completed", &f->err), -HL_E_CONFLICT);
    assert_int_equal(workflow_view_may_respond(v, sc.r2, RU, "acknowledged", &f->err), 0);
    assert_int_equal(workflow_view_may_respond(v, sc.rep, RU, "acknowledged", &f->err),
                     -HL_E_CONFLICT);
    assert_non_null(strstr(f->err.msg, sc.ack));
    assert_int_equal(workflow_view_may_respond(v, INC, RU, "acknowledged", &f->err),
                     -HL_E_NOT_FOUND);
    workflow_view_free(v);
}

static void test_overdue_follows_the_clock_and_escalates_once(void **state)
{
    struct fx *f = *state;
    struct scenario sc;
    size_t n = 9;
    int64_t ack = 0, due = 0;
    play(f, &sc);
    /* A notification nobody acknowledges, under a 1 h policy. */
    char rep2[STIX_ID_MAX];
    snprintf(rep2, sizeof rep2, "%s",
             publish(f, &f->sus, notification(US, T0 + 800 * S), T0 + 800 * S));
    assert_int_equal(store_channel_policy_set(f->s, "us-ru", 3600, &f->err), 0);
    assert_int_equal(workflow_count_overdue(f->s, T0 + 600 * S, &ack, &due, &f->err), 0);
    assert_true(ack == 0 && due == 0); /* due is not past at the due time itself */
    assert_int_equal(workflow_count_overdue(f->s, T0 + 601 * S, &ack, &due, &f->err), 0);
    assert_true(ack == 0 && due == 1);
    assert_int_equal(workflow_check(f->s, T0 + 601 * S, NULL, NULL, &n, &f->err), 0);
    assert_int_equal(n, 1);
    assert_int_equal(workflow_check(f->s, T0 + 700 * S, NULL, NULL, &n, &f->err), 0);
    assert_int_equal(n, 0);
    assert_int_equal(workflow_count_overdue(f->s, T0 + 4401 * S, &ack, &due, &f->err), 0);
    assert_true(ack == 1 && due == 1);
    assert_int_equal(workflow_check(f->s, T0 + 4401 * S, NULL, NULL, &n, &f->err), 0);
    assert_int_equal(n, 1);
    assert_int_equal(workflow_check(f->s, T0 + 9999 * S, NULL, NULL, &n, &f->err), 0);
    assert_int_equal(n, 0);
    /* An earlier clock after a later one escalates nothing again either. */
    assert_int_equal(workflow_check(f->s, T0 + 601 * S, NULL, NULL, &n, &f->err), 0);
    assert_int_equal(n, 0);
}

static void test_scorecard_counts_from_sealed_times(void **state)
{
    struct fx *f = *state;
    struct scenario sc;
    struct workflow_view *v = NULL;
    play(f, &sc);
    assert_int_equal(workflow_view_load(f->s, "us-ru", &v, &f->err), 0);
    assert_int_equal(workflow_view_as_of(v), T0 + 700 * S);
    json_t *card = workflow_scorecard(v, 0);
    char *text = json_dumps(card, JSON_SORT_KEYS | JSON_COMPACT);
    json_t *ps = json_object_get(card, "parties");
    assert_int_equal(json_array_size(ps), 2);
    json_t *ru = json_array_get(ps, 0), *us = json_array_get(ps, 1); /* name order */
    assert_string_equal(json_string_value(json_object_get(ru, "name")), "ru");
    json_t *want_ru =
        json_pack("{s:s, s:s, s:i, s:i, s:{s:i, s:i, s:i}, s:{s:i, s:i, s:i, s:i}, s:i, "
                  "s:{s:i, s:i, s:i, s:i, s:i, s:i}, s:{s:i}}",
                  "party", RU, "name", "ru", "notifications_sent", 0, "notifications_received", 1,
                  "delivery", "n", 1, "median_ms", 2000, "p90_ms", 2000, "acknowledgment", "n", 1,
                  "median_ms", 60000, "p90_ms", 60000, "pending", 0, "requests_sent", 1,
                  "requests_received", "total", 1, "completed", 0, "declined", 0, "open", 0,
                  "overdue", 1, "late", 0, "first_response", "n", 0);
    if (!json_equal(ru, want_ru))
        fail_msg("ru: %s", text);
    json_t *want_us =
        json_pack("{s:s, s:s, s:i, s:i, s:{s:i}, s:{s:i, s:i}, s:i, "
                  "s:{s:i, s:i, s:i, s:i, s:i, s:i}, s:{s:i, s:i}}",
                  "party", US, "name", "us", "notifications_sent", 1, "notifications_received", 0,
                  "delivery", "n", 0, "acknowledgment", "n", 0, "pending", 0, "requests_sent", 1,
                  "requests_received", "total", 1, "completed", 1, "declined", 0, "open", 0,
                  "overdue", 0, "late", 0, "first_response", "n", 1, "median_ms", 100000);
    if (!json_equal(us, want_us))
        fail_msg("us: %s", text);
    json_decref(want_ru);
    json_decref(want_us);
    json_decref(card);
    free(text);
    /* --since after everything: nothing counted */
    card = workflow_scorecard(v, T0 + 701 * S);
    ps = json_object_get(card, "parties");
    assert_int_equal(
        json_integer_value(json_object_get(json_array_get(ps, 1), "notifications_sent")), 0);
    json_decref(card);
    workflow_view_free(v);
}

static void test_show_gathers_the_thread(void **state)
{
    struct fx *f = *state;
    struct scenario sc;
    struct workflow_view *v = NULL;
    play(f, &sc);
    assert_int_equal(workflow_view_load(f->s, "us-ru", &v, &f->err), 0);
    json_t *s = workflow_show(v, sc.rep, T0 + 1000 * S, &f->err);
    assert_non_null(s);
    json_t *d = json_array_get(json_object_get(s, "delivery"), 0);
    assert_string_equal(json_string_value(json_object_get(d, "name")), "ru");
    assert_int_equal(json_integer_value(json_object_get(d, "after_ms")), 2000);
    json_t *a = json_array_get(json_object_get(s, "acknowledgments"), 0);
    assert_string_equal(json_string_value(json_object_get(a, "response")), sc.ack);
    assert_int_equal(json_integer_value(json_object_get(a, "after_ms")), 60000);
    /* requests about the incident the report groups */
    assert_int_equal(json_array_size(json_object_get(s, "requests")), 2);
    json_decref(s);
    s = workflow_show(v, sc.r1, T0, &f->err);
    assert_string_equal(json_string_value(json_object_get(s, "state")), "completed");
    assert_int_equal(json_array_size(json_object_get(s, "responses")), 4);
    json_decref(s);
    assert_null(workflow_show(v, INC, T0, &f->err));
    assert_int_equal(f->err.code, HL_E_NOT_FOUND);
    workflow_view_free(v);
}

struct late_members {
    char (*out)[STORE_TEXT_MAX + 1];
    int n;
};

/* A workflow_overdue_fn: "KIND MEMBER NAME" of each, up to 4. */
static int late_member(void *ctx, const struct workflow_overdue *o)
{
    struct late_members *l = ctx;
    if (l->n < 4)
        snprintf(l->out[l->n], STORE_TEXT_MAX + 1, "%s %s %s", o->kind, o->member, o->member_name);
    l->n++;
    return 0;
}

/* The one item party owes (list --todo), of notifications only when
 * notes, with its states checked against the item's kind; NULL if none.
 * Static storage: compare before the next call. */
static const char *owed_by(const struct workflow_view *v, const char *party, bool notes)
{
    static char id[STIX_ID_MAX];
    struct workflow_filter todo = {
        .owed_by = party, .has_kind = notes, .kind = WORKFLOW_KIND_NOTIFICATION, .now_us = T0};
    json_t *owed = workflow_list(v, &todo), *it = json_array_get(owed, 0);
    assert_true(json_array_size(owed) <= 1);
    snprintf(id, sizeof id, "%s", it ? json_string_value(json_object_get(it, "id")) : "");
    if (it) /* the other two members' states, the publisher's not */
        assert_int_equal(json_array_size(json_object_get(it, "states")), 2);
    json_decref(owed);
    return id[0] ? id : NULL;
}

/* Three parties: de asks us and ru to take something down (due T0+1 h).
 * ru declines, us works on it: the request stays in progress, and us may
 * still complete it, which closes it (after the due: late, for us only);
 * ru cannot answer again; each party's scorecard shows its own answer. */
static void test_each_addressee_answers_for_itself(void **state)
{
    struct fx *f = *state;
    struct seal_key de;
    struct log_signer sde = {DE, &de};
    struct workflow_view *v = NULL;
    enum workflow_state st;
    char r1[STIX_ID_MAX], ru_again[STIX_ID_MAX];
    add_party(f, DE, "de", &de, 3);
    snprintf(r1, sizeof r1, "%s", publish(f, &sde, request(DE, T0, T0 + 3600 * S), T0 + S));
    publish(f, &f->sru, response(RU, T0 + 100 * S, r1, "declined"), T0 + 101 * S);
    publish(f, &f->sus, response(US, T0 + 200 * S, r1, "in-progress"), T0 + 201 * S);
    assert_int_equal(workflow_view_load(f->s, "us-ru", &v, &f->err), 0);
    assert_true(workflow_view_request_state(v, r1, &st, NULL));
    assert_int_equal(st, WORKFLOW_IN_PROGRESS);
    assert_int_equal(workflow_view_may_respond(v, r1, US, "completed", &f->err), 0);
    assert_int_equal(workflow_view_may_respond(v, r1, RU, "completed", &f->err), -HL_E_CONFLICT);
    assert_non_null(strstr(f->err.msg, "is declined by this party: it cannot become completed"));
    json_t *s = workflow_show(v, r1, T0, &f->err);
    assert_non_null(s);
    json_t *want = json_pack(
        "[{s:s, s:s, s:s, s:s, s:s, s:s}, {s:s, s:s, s:s, s:s, s:s}]", "member", RU, "name", "ru",
        "state", "declined", "first_response", "2026-05-28T20:28:20.000Z", "final",
        "2026-05-28T20:28:20.000Z", "allowed_next", "none: the request is declined", "member", US,
        "name", "us", "state", "in-progress", "first_response", "2026-05-28T20:30:00.000Z",
        "allowed_next", "needs-information, completed or declined");
    char *text = json_dumps(json_object_get(s, "states"), JSON_COMPACT);
    if (!json_equal(json_object_get(s, "states"), want))
        fail_msg("states: %s", text);
    free(text);
    json_decref(want);
    assert_null(json_object_get(s, "allowed_next")); /* each has its own */
    json_decref(s);
    /* What each party still owes: us the request, ru (declined) nothing,
     * de (the requester) nothing. */
    assert_string_equal(owed_by(v, US, false), r1);
    assert_null(owed_by(v, RU, false));
    assert_null(owed_by(v, DE, false));
    /* Past the due, the request is overdue for us alone: one escalation,
     * naming us. */
    char late[4][STORE_TEXT_MAX + 1];
    struct late_members lm = {late, 0};
    assert_int_equal(workflow_view_overdue(v, T0 + 3601 * S, late_member, &lm), 0);
    assert_int_equal(lm.n, 1);
    assert_string_equal(late[0], "request-overdue " US " us");
    workflow_view_free(v);
    /* A node that escalated r1 as a whole (member "", before requests were
     * answered member by member) does not escalate it again per member; a
     * second request, r2, unanswered, escalates for us and for ru. */
    bool added = false;
    struct store_escalation whole = {.item_id = r1,
                                     .kind = STORE_ESCALATION_DUE,
                                     .member = "",
                                     .channel = "us-ru",
                                     .at_us = T0 + 3601 * S};
    assert_int_equal(store_escalation_add(f->s, &whole, &added, &f->err), 0);
    assert_true(added);
    publish(f, &sde, request(DE, T0 + 2 * S, T0 + 3600 * S), T0 + 3 * S);
    size_t n_new = 0;
    assert_int_equal(workflow_check(f->s, T0 + 3601 * S, NULL, NULL, &n_new, &f->err), 0);
    assert_int_equal(n_new, 2);
    assert_int_equal(workflow_check(f->s, T0 + 3700 * S, NULL, NULL, &n_new, &f->err), 0);
    assert_int_equal(n_new, 0);

    /* A notification of de's that ru acknowledges: us still owes it. */
    char rep[STIX_ID_MAX];
    snprintf(rep, sizeof rep, "%s", publish(f, &sde, notification(DE, T0 + 300 * S), T0 + 301 * S));
    publish(f, &f->sru, response(RU, T0 + 400 * S, rep, "acknowledged"), T0 + 401 * S);
    assert_int_equal(workflow_view_load(f->s, "us-ru", &v, &f->err), 0);
    assert_null(owed_by(v, RU, true));
    assert_string_equal(owed_by(v, US, true), rep);
    workflow_view_free(v);

    publish(f, &f->sus, response(US, T0 + 4000 * S, r1, "completed"), T0 + 4001 * S);
    snprintf(ru_again, sizeof ru_again, "%s",
             publish(f, &f->sru, response(RU, T0 + 4100 * S, r1, "completed"), T0 + 4101 * S));
    assert_int_equal(workflow_view_load(f->s, "us-ru", &v, &f->err), 0);
    assert_true(workflow_view_request_state(v, r1, &st, NULL));
    assert_int_equal(st, WORKFLOW_COMPLETED);
    struct workflow_filter fl = {.has_kind = true, .kind = WORKFLOW_KIND_RESPONSE, .now_us = T0};
    json_t *list = workflow_list(v, &fl);
    assert_string_equal(json_string_value(json_object_get(find(list, ru_again), "flag")),
                        "the request is declined for ru: completed is not allowed (allowed: "
                        "none: the request is declined)");
    json_decref(list);
    json_t *card = workflow_scorecard(v, 0);
    json_t *ps = json_object_get(card, "parties"); /* de, ru, us */
    json_t *dr = json_object_get(json_array_get(ps, 0), "notifications_sent");
    assert_int_equal(json_integer_value(dr), 1);
    json_t *rr = json_object_get(json_array_get(ps, 1), "requests_received"),
           *ur = json_object_get(json_array_get(ps, 2), "requests_received");
    assert_int_equal(json_integer_value(json_object_get(rr, "declined")), 1);
    assert_int_equal(json_integer_value(json_object_get(rr, "completed")), 0);
    assert_int_equal(json_integer_value(json_object_get(rr, "late")), 0);
    assert_int_equal(json_integer_value(json_object_get(ur, "completed")), 1);
    assert_int_equal(json_integer_value(json_object_get(ur, "declined")), 0);
    assert_int_equal(json_integer_value(json_object_get(ur, "late")), 1);
    assert_int_equal(json_integer_value(json_object_get(json_array_get(ps, 0), "requests_sent")),
                     2);
    json_decref(card);
    workflow_view_free(v);
    seal_key_wipe(&de);
}

/* A member retired here owes nothing: de's request is overdue for us
 * alone, ru's notification is owed by us alone, and us completing the
 * request makes it completed (ru's own state stays open, marked retired). */
static void test_a_retired_member_owes_nothing(void **state)
{
    struct fx *f = *state;
    struct seal_key de;
    struct log_signer sde = {DE, &de};
    struct workflow_view *v = NULL;
    enum workflow_state st;
    char r1[STIX_ID_MAX], late[4][STORE_TEXT_MAX + 1];
    struct late_members lm = {late, 0};
    add_party(f, DE, "de", &de, 3);
    snprintf(r1, sizeof r1, "%s", publish(f, &sde, request(DE, T0, T0 + 3600 * S), T0 + S));
    publish(f, &sde, notification(DE, T0 + 10 * S), T0 + 11 * S);
    assert_int_equal(store_channel_member_retire(f->s, "us-ru", RU, T0 + 20 * S, &f->err), 0);
    assert_int_equal(workflow_view_load(f->s, "us-ru", &v, &f->err), 0);
    assert_int_equal(workflow_view_overdue(v, T0 + 90000 * S, late_member, &lm), 0);
    assert_int_equal(lm.n, 2); /* the request and the notification, for us only */
    assert_string_equal(late[0], "request-overdue " US " us");
    assert_string_equal(late[1], "ack-overdue " US " us");
    assert_null(owed_by(v, RU, false));
    workflow_view_free(v);
    publish(f, &f->sus, response(US, T0 + 100 * S, r1, "in-progress"), T0 + 101 * S);
    publish(f, &f->sus, response(US, T0 + 200 * S, r1, "completed"), T0 + 201 * S);
    assert_int_equal(workflow_view_load(f->s, "us-ru", &v, &f->err), 0);
    assert_true(workflow_view_request_state(v, r1, &st, NULL));
    assert_int_equal(st, WORKFLOW_COMPLETED);
    json_t *s = workflow_show(v, r1, T0, &f->err);
    json_t *ru = json_array_get(json_object_get(s, "states"), 0);
    assert_string_equal(json_string_value(json_object_get(ru, "state")), "open");
    assert_non_null(json_object_get(ru, "retired"));
    json_decref(s);
    workflow_view_free(v);
    seal_key_wipe(&de);
}

/* ---- the hook -------------------------------------------------------------------- */

struct lines {
    int n;
    char text[4][WORKFLOW_HOOK_LINE_MAX + 16];
};

static void collect_line(void *ctx, const char *line)
{
    struct lines *l = ctx;
    if (l->n < 4)
        snprintf(l->text[l->n], sizeof l->text[0], "%s", line);
    l->n++;
}

/* Writes an executable shell script into dir/name. */
static void script(const char *dir, const char *name, const char *body, char *path, size_t max)
{
    snprintf(path, max, "%s/%s", dir, name);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fprintf(f, "#!/bin/sh\n%s\n", body);
    assert_int_equal(fclose(f), 0);
    assert_int_equal(chmod(path, 0700), 0);
}

static void test_hook_runs_without_shell_and_is_killed_after_its_timeout(void **state)
{
    (void)state;
    char dir[TEST_DIR_MAX], ok[TEST_DIR_MAX + 16], bad[TEST_DIR_MAX + 16], slow[TEST_DIR_MAX + 16];
    struct hl_error err;
    struct lines l = {0};
    const struct workflow_hook_io io = {-1, collect_line, &l};
    test_dir_make(dir, "workflow_hook");
    script(dir, "ok", "echo \"page $1 $2 $3 $4 $#\"; echo to-stderr >&2", ok, sizeof ok);
    script(dir, "bad", "exit 3", bad, sizeof bad);
    script(dir, "slow", "exec sleep 5", slow, sizeof slow);
    /* An argument a peer chose is one argument, never shell text. */
    struct workflow_overdue ov = {.item_id = "x; touch /tmp/pwned",
                                  .kind = "ack-overdue",
                                  .member = RU,
                                  .member_name = "CERT $(id)"};
    assert_int_equal(workflow_hook_run(ok, &ov, &io, 5000, &err), STORE_HOOK_OK);
    assert_int_equal(l.n, 2);
    assert_string_equal(l.text[0],
                        "hook: page x; touch /tmp/pwned ack-overdue " RU " CERT $(id) 4");
    assert_string_equal(l.text[1], "hook: to-stderr");
    /* No member: two arguments. */
    ov.member = "";
    l.n = 0;
    assert_int_equal(workflow_hook_run(ok, &ov, &io, 5000, &err), STORE_HOOK_OK);
    assert_string_equal(l.text[0], "hook: page x; touch /tmp/pwned ack-overdue   2");
    ov = (struct workflow_overdue){.item_id = "i", .kind = "k", .member = ""};
    /* A line longer than WORKFLOW_HOOK_LINE_MAX comes in pieces of it. */
    char longl[TEST_DIR_MAX + 16];
    script(dir, "long", "printf '%0700d\\n' 0", longl, sizeof longl);
    l.n = 0;
    assert_int_equal(workflow_hook_run(longl, &ov, &io, 5000, &err), STORE_HOOK_OK);
    assert_int_equal(l.n, 2);
    assert_int_equal(strlen(l.text[0]), strlen("hook: ") + WORKFLOW_HOOK_LINE_MAX);
    assert_int_equal(strlen(l.text[1]), strlen("hook: ") + 700 - WORKFLOW_HOOK_LINE_MAX);
    assert_int_equal(workflow_hook_run(bad, &ov, NULL, 5000, &err), STORE_HOOK_FAILED);
    assert_non_null(strstr(err.msg, "exited with status 3"));
    assert_int_equal(workflow_hook_run(slow, &ov, &io, 200, &err), STORE_HOOK_FAILED);
    assert_non_null(strstr(err.msg, "was killed after 200 ms"));
    assert_int_equal(workflow_hook_run("/nonexistent/hook", &ov, NULL, 5000, &err),
                     STORE_HOOK_FAILED);
    assert_non_null(strstr(err.msg, "cannot run /nonexistent/hook"));
    assert_int_equal(workflow_hook_run("relative/hook", &ov, NULL, 5000, &err), STORE_HOOK_FAILED);
    assert_non_null(strstr(err.msg, "absolute path"));
    test_dir_remove(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_transition_table_is_exactly_the_documented_one),
        cmocka_unit_test(test_allowed_next_names_the_statuses_in_words),
        cmocka_unit_test(test_status_words_map_to_states_and_outcomes),
        cmocka_unit_test(test_request_check_accepts_a_request_and_names_each_violation),
        cmocka_unit_test(test_response_check_wants_reasons_and_counts),
        cmocka_unit_test(test_durations_parse_and_format),
        cmocka_unit_test(test_percentile_is_nearest_rank),
        cmocka_unit_test_setup_teardown(test_view_judges_responses_in_sealed_order, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_overdue_follows_the_clock_and_escalates_once, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_scorecard_counts_from_sealed_times, setup, teardown),
        cmocka_unit_test_setup_teardown(test_show_gathers_the_thread, setup, teardown),
        cmocka_unit_test_setup_teardown(test_each_addressee_answers_for_itself, setup, teardown),
        cmocka_unit_test_setup_teardown(test_a_retired_member_owes_nothing, setup, teardown),
        cmocka_unit_test(test_hook_runs_without_shell_and_is_killed_after_its_timeout),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
