/*
 * store_wf_test.c — the workflow part of store.h (schema step 5) on the
 * SQLite backend: channel policies, escalations recorded once per (item,
 * kind, member), their hook outcome, listings, refused arguments and a
 * corrupt row read back. Real database files in a fresh mkdtemp directory.
 */
/* cmocka.h needs these first. */
// clang-format off
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
// clang-format on

#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "store/store.h"
#include "test_dir.h"
#include "test_sql.h"
#include "test_store.h"

#define RU "identity--11111111-1111-4111-8111-111111111111"
#define REQ "hotline-request--33333333-3333-4333-8333-333333333333"
#define REP "report--44444444-4444-4444-8444-444444444444"

static int setup(void **state)
{
    struct fx *f = test_store_open("store_wf_test");
    *state = f;
    return 0;
}

static void test_policy_unset_is_not_found_then_set_replaces(void **state)
{
    struct fx *f = *state;
    int64_t v = 7;
    assert_int_equal(store_channel_policy_get(f->s, "us-ru", &v, &f->err), -HL_E_NOT_FOUND);
    assert_int_equal(v, 0);
    assert_int_equal(store_channel_policy_set(f->s, "us-ru", 4 * 3600, &f->err), 0);
    assert_int_equal(store_channel_policy_get(f->s, "us-ru", &v, &f->err), 0);
    assert_int_equal(v, 4 * 3600);
    assert_int_equal(store_channel_policy_set(f->s, "us-ru", 60, &f->err), 0);
    assert_int_equal(store_channel_policy_get(f->s, "us-ru", &v, &f->err), 0);
    assert_int_equal(v, 60);
    assert_int_equal(store_channel_policy_get(f->s, "eu", &v, &f->err), -HL_E_NOT_FOUND);
}

static void test_policy_refuses_bad_values_and_unknown_channels(void **state)
{
    struct fx *f = *state;
    assert_int_equal(store_channel_policy_set(f->s, "us-ru", 0, &f->err), -HL_E_INVALID);
    assert_int_equal(store_channel_policy_set(f->s, "us-ru", -5, &f->err), -HL_E_INVALID);
    assert_int_equal(store_channel_policy_set(f->s, "us-ru", STORE_ACK_WITHIN_MAX + 1, &f->err),
                     -HL_E_INVALID);
    assert_int_equal(store_channel_policy_set(f->s, "nowhere", 60, &f->err), -HL_E_NOT_FOUND);
    assert_int_equal(store_channel_policy_set(NULL, "us-ru", 60, &f->err), -HL_E_INVALID);
}

struct seen {
    int n;
    char items[8][STORE_TEXT_MAX + 1];
    char members[8][STORE_TEXT_MAX + 1];
    int hooks[8];
    int64_t at[8];
};

static int collect(void *ctx, const struct store_escalation *e)
{
    struct seen *s = ctx;
    if (s->n < 8) {
        snprintf(s->items[s->n], sizeof s->items[0], "%s", e->item_id);
        snprintf(s->members[s->n], sizeof s->members[0], "%s", e->member);
        s->hooks[s->n] = e->hook;
        s->at[s->n] = e->at_us;
    }
    s->n++;
    return 0;
}

static void test_escalation_is_recorded_once_per_item_kind_member(void **state)
{
    struct fx *f = *state;
    bool added = false;
    struct store_escalation e = {.item_id = REP,
                                 .kind = STORE_ESCALATION_ACK,
                                 .member = RU,
                                 .channel = "us-ru",
                                 .at_us = 2000};
    assert_int_equal(store_escalation_add(f->s, &e, &added, &f->err), 0);
    assert_true(added);
    e.at_us = 3000;
    assert_int_equal(store_escalation_add(f->s, &e, &added, &f->err), 0);
    assert_false(added);
    struct store_escalation d = {
        .item_id = REQ, .kind = STORE_ESCALATION_DUE, .member = "", .channel = "eu", .at_us = 1500};
    assert_int_equal(store_escalation_add(f->s, &d, &added, &f->err), 0);
    assert_true(added);
    struct seen s = {0};
    assert_int_equal(store_escalation_list(f->s, NULL, collect, &s, &f->err), 0);
    assert_int_equal(s.n, 2);
    assert_string_equal(s.items[0], REQ); /* oldest first */
    assert_string_equal(s.members[0], "");
    assert_string_equal(s.items[1], REP);
    assert_int_equal(s.at[1], 2000); /* the first add stands */
    memset(&s, 0, sizeof s);
    assert_int_equal(store_escalation_list(f->s, "us-ru", collect, &s, &f->err), 0);
    assert_int_equal(s.n, 1);
    memset(&s, 0, sizeof s);
    assert_int_equal(store_escalation_list(f->s, "nowhere", collect, &s, &f->err), 0);
    assert_int_equal(s.n, 0);
}

static void test_escalation_hook_outcome_is_kept(void **state)
{
    struct fx *f = *state;
    struct store_escalation e = {.item_id = REQ,
                                 .kind = STORE_ESCALATION_DUE,
                                 .member = "",
                                 .channel = "us-ru",
                                 .at_us = 2000};
    assert_int_equal(store_escalation_add(f->s, &e, NULL, &f->err), 0);
    assert_int_equal(
        store_escalation_hook_set(f->s, REQ, STORE_ESCALATION_DUE, "", STORE_HOOK_FAILED, &f->err),
        0);
    assert_int_equal(
        store_escalation_hook_set(f->s, REQ, STORE_ESCALATION_ACK, "", STORE_HOOK_OK, &f->err),
        -HL_E_NOT_FOUND);
    struct seen s = {0};
    assert_int_equal(store_escalation_list(f->s, NULL, collect, &s, &f->err), 0);
    assert_int_equal(s.n, 1);
    assert_int_equal(s.hooks[0], STORE_HOOK_FAILED);
}

static void test_escalation_refuses_bad_arguments(void **state)
{
    struct fx *f = *state;
    struct store_escalation e = {.item_id = REQ, .kind = "late", .member = "", .channel = "us-ru"};
    assert_int_equal(store_escalation_add(f->s, &e, NULL, &f->err), -HL_E_INVALID);
    e.kind = STORE_ESCALATION_DUE;
    e.hook = 3;
    assert_int_equal(store_escalation_add(f->s, &e, NULL, &f->err), -HL_E_INVALID);
    e.hook = STORE_HOOK_NONE;
    e.item_id = "";
    assert_int_equal(store_escalation_add(f->s, &e, NULL, &f->err), -HL_E_INVALID);
    e.item_id = REQ;
    e.member = NULL;
    assert_int_equal(store_escalation_add(f->s, &e, NULL, &f->err), -HL_E_INVALID);
    e.member = "";
    e.channel = "nowhere";
    assert_int_equal(store_escalation_add(f->s, &e, NULL, &f->err), -HL_E_NOT_FOUND);
    assert_int_equal(store_escalation_list(f->s, NULL, NULL, NULL, &f->err), -HL_E_INVALID);
}

static void test_escalation_corrupt_hook_is_a_store_error(void **state)
{
    struct fx *f = *state;
    struct store_escalation e = {.item_id = REQ,
                                 .kind = STORE_ESCALATION_DUE,
                                 .member = "",
                                 .channel = "us-ru",
                                 .at_us = 2000};
    assert_int_equal(store_escalation_add(f->s, &e, NULL, &f->err), 0);
    raw(f->path, "PRAGMA ignore_check_constraints = ON; UPDATE escalations SET hook = 9;");
    struct seen s = {0};
    assert_int_equal(store_escalation_list(f->s, NULL, collect, &s, &f->err), -HL_E_STORE);
    assert_int_equal(s.n, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_policy_unset_is_not_found_then_set_replaces, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_policy_refuses_bad_values_and_unknown_channels, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_escalation_is_recorded_once_per_item_kind_member,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(test_escalation_hook_outcome_is_kept, setup, teardown),
        cmocka_unit_test_setup_teardown(test_escalation_refuses_bad_arguments, setup, teardown),
        cmocka_unit_test_setup_teardown(test_escalation_corrupt_hook_is_a_store_error, setup,
                                        teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
