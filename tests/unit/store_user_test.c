/*
 * store_user_test.c — the users and rights of store.h (schema step 2) on
 * the SQLite backend: real database files in a fresh mkdtemp directory per
 * test. Where a test must reach past the interface (a file made by an
 * older hotline, a corrupt row) it uses the sqlite3 API on the same file.
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

/* An open store with channels "us-ru" and "eu". */
static int setup(void **state)
{
    struct fx *f = test_store_open("store_user_test");
    *state = f;
    return 0;
}

/* A user whose token hash is 32 bytes of hash_byte. */
static struct store_user user_of(const char *name, uint8_t hash_byte, bool admin)
{
    struct store_user u;
    memset(&u, 0, sizeof u);
    snprintf(u.name, sizeof u.name, "%s", name);
    memset(u.token_hash, hash_byte, sizeof u.token_hash);
    u.admin = admin;
    u.created_us = 42;
    return u;
}

struct names {
    char v[8][STORE_TEXT_MAX + 1];
    unsigned rights[8];
    int n;
};

static int collect_user(void *ctx, const struct store_user *u)
{
    struct names *n = ctx;
    assert_true(n->n < 8);
    snprintf(n->v[n->n++], sizeof n->v[0], "%s", u->name);
    return 0;
}

static int collect_right(void *ctx, const struct store_user_right *r)
{
    struct names *n = ctx;
    assert_true(n->n < 8);
    n->rights[n->n] = r->rights;
    snprintf(n->v[n->n++], sizeof n->v[0], "%s", r->channel);
    return 0;
}

static void test_user_add_get_and_find_by_token_hash(void **state)
{
    struct fx *f = *state;
    struct store_user a = user_of("alice", 0xa1, false), out;
    assert_int_equal(store_user_add(f->s, &a, &f->err), 0);
    assert_int_equal(store_user_get(f->s, "alice", &out, &f->err), 0);
    assert_string_equal(out.name, "alice");
    assert_memory_equal(out.token_hash, a.token_hash, STORE_HASH_BYTES);
    assert_false(out.admin);
    assert_int_equal(out.created_us, 42);

    uint8_t h[STORE_HASH_BYTES];
    memset(h, 0xa1, sizeof h);
    assert_int_equal(store_user_find_token(f->s, h, &out, &f->err), 0);
    assert_string_equal(out.name, "alice");
    h[31] ^= 1;
    assert_int_equal(store_user_find_token(f->s, h, &out, &f->err), -HL_E_NOT_FOUND);
    assert_string_equal(out.name, ""); /* zeroed on failure */
    assert_int_equal(store_user_get(f->s, "bob", &out, &f->err), -HL_E_NOT_FOUND);
}

static void test_user_add_refuses_a_taken_name_or_token_hash(void **state)
{
    struct fx *f = *state;
    struct store_user a = user_of("alice", 0xa1, false);
    struct store_user again = user_of("alice", 0xb2, true);
    struct store_user same_hash = user_of("bob", 0xa1, false);
    struct store_user empty = user_of("", 0xc3, false);
    assert_int_equal(store_user_add(f->s, &a, &f->err), 0);
    assert_int_equal(store_user_add(f->s, &again, &f->err), -HL_E_EXISTS);
    assert_non_null(strstr(f->err.msg, "alice"));
    assert_int_equal(store_user_add(f->s, &same_hash, &f->err), -HL_E_EXISTS);
    assert_int_equal(store_user_add(f->s, &empty, &f->err), -HL_E_INVALID);
    assert_int_equal(raw(f->path, "SELECT count(*) FROM users"), 1);
}

static void test_rights_set_replace_remove_and_list_in_channel_order(void **state)
{
    struct fx *f = *state;
    struct store_user a = user_of("alice", 0xa1, false);
    unsigned rights = 99;
    assert_int_equal(store_user_add(f->s, &a, &f->err), 0);
    assert_int_equal(store_user_rights(f->s, "alice", "us-ru", &rights, &f->err), 0);
    assert_int_equal(rights, 0);
    assert_int_equal(store_user_right_set(f->s, "alice", "us-ru", STORE_RIGHT_READ, &f->err), 0);
    assert_int_equal(store_user_right_set(f->s, "alice", "eu", STORE_RIGHTS_ALL, &f->err), 0);
    assert_int_equal(store_user_right_set(f->s, "alice", "us-ru", STORE_RIGHT_WRITE, &f->err), 0);
    assert_int_equal(store_user_rights(f->s, "alice", "us-ru", &rights, &f->err), 0);
    assert_int_equal(rights, STORE_RIGHT_WRITE);

    struct names n = {0};
    assert_int_equal(store_user_right_list(f->s, "alice", collect_right, &n, &f->err), 0);
    assert_int_equal(n.n, 2);
    assert_string_equal(n.v[0], "eu");
    assert_int_equal(n.rights[0], STORE_RIGHTS_ALL);
    assert_string_equal(n.v[1], "us-ru");
    assert_int_equal(n.rights[1], STORE_RIGHT_WRITE);

    assert_int_equal(store_user_right_set(f->s, "alice", "us-ru", 0, &f->err), 0);
    assert_int_equal(store_user_rights(f->s, "alice", "us-ru", &rights, &f->err), 0);
    assert_int_equal(rights, 0);
    assert_int_equal(raw(f->path, "SELECT count(*) FROM user_rights"), 1);
}

static void test_rights_refuse_unknown_user_channel_and_bits(void **state)
{
    struct fx *f = *state;
    struct store_user a = user_of("alice", 0xa1, false);
    unsigned rights = 99;
    assert_int_equal(store_user_add(f->s, &a, &f->err), 0);
    assert_int_equal(store_user_right_set(f->s, "bob", "eu", STORE_RIGHT_READ, &f->err),
                     -HL_E_NOT_FOUND);
    assert_int_equal(store_user_right_set(f->s, "alice", "nowhere", STORE_RIGHT_READ, &f->err),
                     -HL_E_NOT_FOUND);
    assert_non_null(strstr(f->err.msg, "nowhere"));
    assert_int_equal(store_user_right_set(f->s, "alice", "eu", 4, &f->err), -HL_E_INVALID);
    /* An unknown user or channel has no rights, and that is not an error. */
    assert_int_equal(store_user_rights(f->s, "bob", "eu", &rights, &f->err), 0);
    assert_int_equal(rights, 0);
    rights = 99;
    assert_int_equal(store_user_rights(f->s, "alice", "nowhere", &rights, &f->err), 0);
    assert_int_equal(rights, 0);
    struct names n = {0};
    assert_int_equal(store_user_right_list(f->s, "bob", collect_right, &n, &f->err),
                     -HL_E_NOT_FOUND);
}

static void test_remove_takes_the_rights_and_list_is_in_name_order(void **state)
{
    struct fx *f = *state;
    struct store_user c = user_of("carol", 0xc3, false), a = user_of("alice", 0xa1, true);
    struct store_user b = user_of("bob", 0xb2, false);
    assert_int_equal(store_user_add(f->s, &c, &f->err), 0);
    assert_int_equal(store_user_add(f->s, &a, &f->err), 0);
    assert_int_equal(store_user_add(f->s, &b, &f->err), 0);
    assert_int_equal(store_user_right_set(f->s, "bob", "eu", STORE_RIGHT_READ, &f->err), 0);
    assert_int_equal(store_user_right_set(f->s, "carol", "eu", STORE_RIGHT_READ, &f->err), 0);
    struct names n = {0};
    assert_int_equal(store_user_list(f->s, collect_user, &n, &f->err), 0);
    assert_int_equal(n.n, 3);
    assert_string_equal(n.v[0], "alice");
    assert_string_equal(n.v[1], "bob");
    assert_string_equal(n.v[2], "carol");

    assert_int_equal(store_user_remove(f->s, "bob", &f->err), 0);
    assert_int_equal(store_user_remove(f->s, "bob", &f->err), -HL_E_NOT_FOUND);
    assert_int_equal(raw(f->path, "SELECT count(*) FROM user_rights"), 1);
    /* A new user of the old name starts with no rights. */
    struct store_user b2 = user_of("bob", 0xb3, false);
    unsigned rights = 99;
    assert_int_equal(store_user_add(f->s, &b2, &f->err), 0);
    assert_int_equal(store_user_rights(f->s, "bob", "eu", &rights, &f->err), 0);
    assert_int_equal(rights, 0);
}

static void test_token_set_replaces_the_hash(void **state)
{
    struct fx *f = *state;
    struct store_user a = user_of("alice", 0xa1, false), out;
    uint8_t h[STORE_HASH_BYTES];
    assert_int_equal(store_user_add(f->s, &a, &f->err), 0);
    memset(h, 0x5e, sizeof h);
    assert_int_equal(store_user_token_set(f->s, "alice", h, &f->err), 0);
    assert_int_equal(store_user_find_token(f->s, a.token_hash, &out, &f->err), -HL_E_NOT_FOUND);
    assert_int_equal(store_user_find_token(f->s, h, &out, &f->err), 0);
    assert_string_equal(out.name, "alice");
    assert_int_equal(store_user_token_set(f->s, "bob", h, &f->err), -HL_E_NOT_FOUND);
}

/* The tables of schema step 1; a file holding only these, at user_version
 * 1, is what hotline wrote before users existed. */
static const char *const step1_tables =
    "'meta','parties','channels','channel_members','objects','logs','log_entries','tiles',"
    "'tree_heads','receipts','statuses','repl_cursors'";

/* Turns the file into a version-1 file: drops every later table (whatever
 * steps came after users), then sets user_version 1. */
static void forge_version_1(const char *path)
{
    char sql[640], names[16][64];
    int n = 0;
    sqlite3 *db = NULL;
    sqlite3_stmt *st = NULL;
    snprintf(sql, sizeof sql,
             "SELECT name FROM sqlite_schema WHERE type = 'table' AND name NOT IN (%s)"
             " AND name NOT LIKE 'sqlite_%%'",
             step1_tables);
    assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
    assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &st, NULL), SQLITE_OK);
    while (sqlite3_step(st) == SQLITE_ROW && n < 16)
        snprintf(names[n++], sizeof names[0], "%s", (const char *)sqlite3_column_text(st, 0));
    sqlite3_finalize(st);
    assert_int_equal(sqlite3_exec(db, "PRAGMA foreign_keys = OFF", NULL, NULL, NULL), SQLITE_OK);
    for (int i = 0; i < n; i++) {
        snprintf(sql, sizeof sql, "DROP TABLE \"%.63s\"", names[i]);
        assert_int_equal(sqlite3_exec(db, sql, NULL, NULL, NULL), SQLITE_OK);
    }
    /* columns later steps added to step 1's tables */
    assert_int_equal(sqlite3_exec(db,
                                  TEST_SQL_UNSTEP10 TEST_SQL_UNSTEP11 TEST_SQL_UNSTEP13
                                  "DROP INDEX objects_workflow;" /* step 8 */
                                  "DROP TRIGGER IF EXISTS objects_versions;"
                                  "ALTER TABLE objects DROP COLUMN versions;"
                                  "ALTER TABLE objects DROP COLUMN sealed_by",
                                  NULL, NULL, NULL),
                     SQLITE_OK);
    assert_int_equal(sqlite3_exec(db, "PRAGMA user_version = 1", NULL, NULL, NULL), SQLITE_OK);
    sqlite3_close(db);
    assert_true(n >= 2); /* users, user_rights at least */
}

/* A file written before step 2 (schema version 1) gains the user tables at
 * open and keeps what it held. */
static void test_open_migrates_a_version_1_file(void **state)
{
    struct fx *f = *state;
    int64_t current = raw(f->path, "PRAGMA user_version");
    assert_true(current >= 2);
    store_close(f->s);
    f->s = NULL;
    forge_version_1(f->path);
    if (store_open(f->path, NULL, &f->s, &f->err))
        fail_msg("reopen: %s", f->err.msg);
    assert_int_equal(raw(f->path, "PRAGMA user_version"), current);
    struct store_channel c;
    assert_int_equal(store_channel_get(f->s, "eu", &c, &f->err), 0);
    struct store_user a = user_of("alice", 0xa1, false);
    assert_int_equal(store_user_add(f->s, &a, &f->err), 0);
    assert_int_equal(store_check(f->s, &f->err), 0);
}

static void test_corrupt_admin_flag_hash_and_rights_are_reported(void **state)
{
    struct fx *f = *state;
    struct store_user a = user_of("alice", 0xa1, false), out;
    unsigned rights = 99;
    assert_int_equal(store_user_add(f->s, &a, &f->err), 0);
    assert_int_equal(store_user_right_set(f->s, "alice", "eu", STORE_RIGHT_READ, &f->err), 0);
    raw(f->path, "PRAGMA ignore_check_constraints = 1;"
                 "UPDATE user_rights SET rights = 7");
    assert_int_equal(store_user_rights(f->s, "alice", "eu", &rights, &f->err), -HL_E_STORE);
    assert_int_equal(rights, 0); /* never a widened right */
    assert_non_null(strstr(f->err.msg, "rights 7"));
    raw(f->path, "PRAGMA ignore_check_constraints = 1; UPDATE users SET admin = 5");
    assert_int_equal(store_user_get(f->s, "alice", &out, &f->err), -HL_E_STORE);
    assert_false(out.admin);
    assert_non_null(strstr(f->err.msg, "admin is 5"));
    raw(f->path, "PRAGMA ignore_check_constraints = 1;"
                 "UPDATE users SET admin = 1, token_hash = zeroblob(31)");
    assert_int_equal(store_user_get(f->s, "alice", &out, &f->err), -HL_E_STORE);
    assert_non_null(strstr(f->err.msg, "token_hash has 31 bytes"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_user_add_get_and_find_by_token_hash, setup, teardown),
        cmocka_unit_test_setup_teardown(test_user_add_refuses_a_taken_name_or_token_hash, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_rights_set_replace_remove_and_list_in_channel_order,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(test_rights_refuse_unknown_user_channel_and_bits, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_remove_takes_the_rights_and_list_is_in_name_order,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(test_token_set_replaces_the_hash, setup, teardown),
        cmocka_unit_test_setup_teardown(test_open_migrates_a_version_1_file, setup, teardown),
        cmocka_unit_test_setup_teardown(test_corrupt_admin_flag_hash_and_rights_are_reported, setup,
                                        teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
