/*
 * auth_test.c — tokens, credentials and rights (auth.h) against a real
 * store in a fresh mkdtemp directory per test: channels "us-ru" and "eu",
 * user "alice" (read us-ru, read+write eu) and admin "root".
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

#include "auth/auth.h"
#include "ledger/ledger.h"
#include "test_dir.h"

struct fx {
    char dir[TEST_DIR_MAX];
    char path[128];
    struct store *s;
    struct hl_error err;
    char alice[AUTH_TOKEN_LEN + 1];
    char root[AUTH_TOKEN_LEN + 1];
};

static int setup(void **state)
{
    struct fx *f = calloc(1, sizeof *f);
    assert_non_null(f);
    test_dir_make(f->dir, "auth_test");
    snprintf(f->path, sizeof f->path, "%s/node.db", f->dir);
    assert_int_equal(store_open(f->path, NULL, &f->s, &f->err), 0);
    struct store_channel c = {.name = "us-ru", .created_us = 1};
    assert_int_equal(store_channel_create(f->s, &c, NULL), 0);
    snprintf(c.name, sizeof c.name, "eu");
    assert_int_equal(store_channel_create(f->s, &c, NULL), 0);
    const struct auth_grant g[] = {{"us-ru", AUTH_READ}, {"eu", AUTH_READ | AUTH_WRITE}};
    assert_int_equal(store_begin(f->s, &f->err), 0);
    assert_int_equal(auth_user_add(f->s, "alice", false, g, 2, f->alice, &f->err), 0);
    assert_int_equal(auth_user_add(f->s, "root", true, NULL, 0, f->root, &f->err), 0);
    assert_int_equal(store_commit(f->s, &f->err), 0);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fx *f = *state;
    store_close(f->s);
    test_dir_remove(f->dir);
    free(f);
    return 0;
}

static bool is_b64url(const char *t)
{
    for (; *t; t++)
        if (!strchr("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_", *t))
            return false;
    return true;
}

static void test_token_is_43_base64url_chars_and_its_hash_is_sha256(void **state)
{
    (void)state;
    char t1[AUTH_TOKEN_LEN + 1], t2[AUTH_TOKEN_LEN + 1];
    uint8_t h1[32], h2[32], want[32];
    assert_int_equal(auth_token_new(t1, h1, NULL), 0);
    assert_int_equal(auth_token_new(t2, h2, NULL), 0);
    assert_int_equal(strlen(t1), AUTH_TOKEN_LEN);
    assert_true(is_b64url(t1));
    assert_string_not_equal(t1, t2);
    assert_int_equal(ledger_sha256(t1, AUTH_TOKEN_LEN, want), 0);
    assert_memory_equal(h1, want, 32);
    assert_memory_not_equal(h1, h2, 32);
}

static void test_bearer_and_basic_accept_the_right_token(void **state)
{
    struct fx *f = *state;
    struct auth_user u;
    assert_int_equal(auth_check(f->s, NULL, f->alice, &u, &f->err), 0);
    assert_string_equal(u.name, "alice");
    assert_false(u.admin);
    assert_int_equal(auth_check(f->s, "alice", f->alice, &u, &f->err), 0);
    assert_string_equal(u.name, "alice");
    assert_int_equal(auth_check(f->s, "root", f->root, &u, &f->err), 0);
    assert_true(u.admin);
}

/* Every wrong credential is the same answer: nothing says which part. */
static void expect_invalid(struct fx *f, const char *user, const char *token)
{
    struct auth_user u = {.name = "x", .admin = true};
    hl_error_clear(&f->err);
    assert_int_equal(auth_check(f->s, user, token, &u, &f->err), -HL_E_PERM);
    assert_string_equal(f->err.msg, "invalid credentials");
    assert_string_equal(u.name, "");
    assert_false(u.admin);
}

static void test_wrong_unknown_or_malformed_credentials_are_one_error(void **state)
{
    struct fx *f = *state;
    char wrong[AUTH_TOKEN_LEN + 1];
    memcpy(wrong, f->alice, sizeof wrong);
    wrong[5] = wrong[5] == 'A' ? 'B' : 'A';
    expect_invalid(f, NULL, wrong);
    expect_invalid(f, "alice", wrong);
    expect_invalid(f, "alice", f->root); /* another user's token */
    expect_invalid(f, "bob", f->alice);  /* unknown user */
    expect_invalid(f, "alice:x", f->alice);
    expect_invalid(f, "", f->alice);
    expect_invalid(f, NULL, NULL);
    expect_invalid(f, NULL, "");
    char shorter[AUTH_TOKEN_LEN];
    memcpy(shorter, f->alice, sizeof shorter - 1);
    shorter[sizeof shorter - 1] = '\0';
    expect_invalid(f, NULL, shorter);
    char longer[AUTH_TOKEN_LEN + 2];
    snprintf(longer, sizeof longer, "%sA", f->alice);
    expect_invalid(f, "alice", longer);
    char plus[AUTH_TOKEN_LEN + 1];
    memcpy(plus, f->alice, sizeof plus);
    plus[0] = '+'; /* standard base64, not base64url */
    expect_invalid(f, NULL, plus);
}

static void test_a_failing_store_is_not_a_credential_error(void **state)
{
    struct fx *f = *state;
    sqlite3 *db = NULL;
    assert_int_equal(sqlite3_open(f->path, &db), SQLITE_OK);
    assert_int_equal(sqlite3_exec(db,
                                  "PRAGMA ignore_check_constraints = 1;"
                                  "UPDATE users SET admin = 7 WHERE name = 'alice'",
                                  NULL, NULL, NULL),
                     SQLITE_OK);
    sqlite3_close(db);
    struct auth_user u;
    assert_int_equal(auth_check(f->s, NULL, f->alice, &u, &f->err), -HL_E_STORE);
    assert_int_equal(auth_check(f->s, "alice", f->alice, &u, &f->err), -HL_E_STORE);
    assert_false(u.admin);
}

static void test_rights_per_channel_admin_everywhere_unknown_nowhere(void **state)
{
    struct fx *f = *state;
    struct auth_user u;
    unsigned rights = 99;
    assert_int_equal(auth_check(f->s, NULL, f->alice, &u, &f->err), 0);
    assert_int_equal(auth_rights(f->s, &u, "us-ru", &rights, &f->err), 0);
    assert_int_equal(rights, AUTH_READ);
    assert_int_equal(auth_rights(f->s, &u, "eu", &rights, &f->err), 0);
    assert_int_equal(rights, AUTH_READ | AUTH_WRITE);
    assert_int_equal(auth_rights(f->s, &u, "nowhere", &rights, &f->err), 0);
    assert_int_equal(rights, 0);
    assert_int_equal(auth_check(f->s, NULL, f->root, &u, &f->err), 0);
    assert_int_equal(auth_rights(f->s, &u, "us-ru", &rights, &f->err), 0);
    assert_int_equal(rights, AUTH_READ | AUTH_WRITE);
    struct auth_user ghost = {.name = "ghost"};
    rights = 99;
    assert_int_equal(auth_rights(f->s, &ghost, "eu", &rights, &f->err), 0);
    assert_int_equal(rights, 0);
}

static void test_user_names(void **state)
{
    (void)state;
    static const char *const good[] = {"alice", "a", "cert-a.duty_officer@ncsc", "0day"};
    static const char *const bad[] = {"", "-x", ".x", "a b", "a:b", "é", "a/b", "a\n"};
    for (size_t i = 0; i < sizeof good / sizeof good[0]; i++)
        assert_true(auth_name_valid(good[i]));
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        assert_false(auth_name_valid(bad[i]));
    char n[AUTH_NAME_MAX + 2];
    memset(n, 'a', sizeof n);
    n[AUTH_NAME_MAX] = '\0';
    assert_true(auth_name_valid(n));
    n[AUTH_NAME_MAX] = 'a';
    n[AUTH_NAME_MAX + 1] = '\0';
    assert_false(auth_name_valid(n));
    assert_false(auth_name_valid(NULL));
}

static void test_user_add_is_all_or_nothing_in_a_transaction(void **state)
{
    struct fx *f = *state;
    char token[AUTH_TOKEN_LEN + 1];
    const struct auth_grant g[] = {{"eu", AUTH_READ}, {"nowhere", AUTH_WRITE}};
    assert_int_equal(store_begin(f->s, &f->err), 0);
    assert_int_equal(auth_user_add(f->s, "bob", false, g, 2, token, &f->err), -HL_E_NOT_FOUND);
    assert_int_equal(store_rollback(f->s, &f->err), 0);
    assert_string_equal(token, "");
    struct store_user su;
    assert_int_equal(store_user_get(f->s, "bob", &su, &f->err), -HL_E_NOT_FOUND);
    assert_int_equal(auth_user_add(f->s, "alice", false, g, 1, token, &f->err), -HL_E_EXISTS);
    assert_int_equal(auth_user_add(f->s, "bad name", false, g, 1, token, &f->err), -HL_E_INVALID);
    const struct auth_grant none[] = {{"eu", 0}};
    assert_int_equal(auth_user_add(f->s, "carol", false, none, 1, token, &f->err), -HL_E_INVALID);
    const struct auth_grant four[] = {{"eu", 4}};
    assert_int_equal(auth_user_add(f->s, "carol", false, four, 1, token, &f->err), -HL_E_INVALID);
}

static void test_token_reset_retires_the_old_token(void **state)
{
    struct fx *f = *state;
    char fresh[AUTH_TOKEN_LEN + 1];
    struct auth_user u;
    assert_int_equal(auth_token_reset(f->s, "alice", fresh, &f->err), 0);
    assert_string_not_equal(fresh, f->alice);
    expect_invalid(f, NULL, f->alice);
    expect_invalid(f, "alice", f->alice);
    assert_int_equal(auth_check(f->s, "alice", fresh, &u, &f->err), 0);
    assert_int_equal(auth_token_reset(f->s, "bob", fresh, &f->err), -HL_E_NOT_FOUND);
    assert_string_equal(fresh, "");
}

static bool contains(const char *hay, size_t n, const char *needle)
{
    size_t k = strlen(needle);
    for (size_t i = 0; i + k <= n; i++)
        if (memcmp(hay + i, needle, k) == 0)
            return true;
    return false;
}

/* The database file holds hashes, never a token's text. */
static void test_database_never_holds_a_token(void **state)
{
    struct fx *f = *state;
    store_close(f->s); /* checkpoint the WAL into the file */
    f->s = NULL;
    FILE *fp = fopen(f->path, "rb");
    assert_non_null(fp);
    static char bytes[1 << 20];
    size_t n = fread(bytes, 1, sizeof bytes, fp);
    fclose(fp);
    assert_true(n > 0 && n < sizeof bytes);
    assert_false(contains(bytes, n, f->alice));
    assert_false(contains(bytes, n, f->root));
    assert_true(contains(bytes, n, "alice")); /* the file was read */
}

/* A peer node's account carries the peer's party through auth_check; a
 * person's carries "". */
static void test_peer_account_carries_its_party(void **state)
{
    struct fx *f = *state;
    const char *ru = "identity--11111111-1111-4111-8111-111111111111";
    char tok[AUTH_TOKEN_LEN + 1];
    struct auth_user u;
    struct store_party p;
    memset(&p, 0, sizeof p);
    snprintf(p.id, sizeof p.id, "%s", ru);
    snprintf(p.name, sizeof p.name, "CERT RU");
    assert_int_equal(store_party_put(f->s, &p, &f->err), 0);
    assert_int_equal(auth_peer_user_add(f->s, "ru", ru, tok, &f->err), 0);
    assert_int_equal(auth_check(f->s, "ru", tok, &u, &f->err), 0);
    assert_string_equal(u.party, ru);
    assert_false(u.admin);
    assert_int_equal(auth_check(f->s, NULL, tok, &u, &f->err), 0);
    assert_string_equal(u.party, ru);
    unsigned rights = 9;
    assert_int_equal(auth_rights(f->s, &u, "us-ru", &rights, &f->err), 0);
    assert_int_equal(rights, 0); /* rights come with membership, not with the account */
    assert_int_equal(auth_check(f->s, "alice", f->alice, &u, &f->err), 0);
    assert_string_equal(u.party, "");
    assert_int_equal(auth_peer_user_add(f->s, "cn",
                                        "identity--99999999-9999-4999-8999-999999999999", tok,
                                        &f->err),
                     -HL_E_NOT_FOUND);
    assert_string_equal(tok, "");
    assert_int_equal(auth_peer_user_add(f->s, "nobody", "", tok, &f->err), -HL_E_INVALID);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_token_is_43_base64url_chars_and_its_hash_is_sha256),
        cmocka_unit_test_setup_teardown(test_bearer_and_basic_accept_the_right_token, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_wrong_unknown_or_malformed_credentials_are_one_error,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(test_a_failing_store_is_not_a_credential_error, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_rights_per_channel_admin_everywhere_unknown_nowhere,
                                        setup, teardown),
        cmocka_unit_test(test_user_names),
        cmocka_unit_test_setup_teardown(test_user_add_is_all_or_nothing_in_a_transaction, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_token_reset_retires_the_old_token, setup, teardown),
        cmocka_unit_test_setup_teardown(test_database_never_holds_a_token, setup, teardown),
        cmocka_unit_test_setup_teardown(test_peer_account_carries_its_party, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
