/*
 * store_fed_test.c — the federation part of store.h (schema step 4) on the
 * SQLite backend: peers, peer users, pending channel members, alarms,
 * replication state, TLP holdings, and the upgrade of a file written
 * before step 4. Real database files in a fresh mkdtemp directory per
 * test; where a test must reach past the interface (an older file, a
 * corrupt row) it uses the sqlite3 API on the same file.
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

#define FP_A "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
#define FP_B "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
#define RU "identity--11111111-1111-4111-8111-111111111111"
#define EU "identity--22222222-2222-4222-8222-222222222222"
#define OBJ "indicator--33333333-3333-4333-8333-333333333333"

static void add_party(struct store *s, const char *id, const char *name)
{
    struct store_party p;
    memset(&p, 0, sizeof p);
    snprintf(p.id, sizeof p.id, "%s", id);
    snprintf(p.name, sizeof p.name, "%s", name);
    memset(p.public_key, name[0], sizeof p.public_key);
    assert_int_equal(store_party_put(s, &p, NULL), 0);
}

/* An open store with parties RU, EU and channels "us-ru", "eu". */
static int setup(void **state)
{
    struct fx *f = test_store_open("store_fed_test");
    add_party(f->s, RU, "ru");
    add_party(f->s, EU, "eu");
    *state = f;
    return 0;
}

static struct store_peer peer_of(const char *party, const char *name, const char *fp)
{
    struct store_peer p;
    memset(&p, 0, sizeof p);
    snprintf(p.party_id, sizeof p.party_id, "%s", party);
    snprintf(p.name, sizeof p.name, "%s", name);
    snprintf(p.url, sizeof p.url, "https://127.0.0.1:8443");
    snprintf(p.cert_sha256, sizeof p.cert_sha256, "%s", fp);
    p.added_us = 77;
    return p;
}

struct names {
    char v[8][2][STORE_TEXT_MAX + 1];
    int n;
    int stop_at; /* return 99 from the callback at this count, or 0 */
};

static int names_add(struct names *n, const char *a, const char *b)
{
    assert_true(n->n < 8);
    snprintf(n->v[n->n][0], sizeof n->v[0][0], "%s", a);
    snprintf(n->v[n->n][1], sizeof n->v[0][1], "%s", b ? b : "");
    n->n++;
    return n->stop_at && n->n == n->stop_at ? 99 : 0;
}

static int collect_peer(void *ctx, const struct store_peer *p)
{
    return names_add(ctx, p->name, p->token);
}

static int collect_pair(void *ctx, const char *a, const char *b)
{
    return names_add(ctx, a, b);
}

/* ---- peers --------------------------------------------------------------- */

static void test_peer_put_get_list_update_and_remove(void **state)
{
    struct fx *f = *state;
    struct store_peer ru = peer_of(RU, "ru", FP_A), eu = peer_of(EU, "eu", FP_B), out;
    snprintf(ru.token, sizeof ru.token, "secret-at-ru");
    assert_int_equal(store_peer_put(f->s, &ru, &f->err), 0);
    assert_int_equal(store_peer_put(f->s, &eu, &f->err), 0);
    assert_int_equal(store_peer_get(f->s, RU, &out, &f->err), 0);
    assert_string_equal(out.name, "ru");
    assert_string_equal(out.url, "https://127.0.0.1:8443");
    assert_string_equal(out.cert_sha256, FP_A);
    assert_string_equal(out.token, "secret-at-ru");
    assert_int_equal(out.added_us, 77);
    assert_int_equal(store_peer_get_by_name(f->s, "eu", &out, &f->err), 0);
    assert_string_equal(out.party_id, EU);
    assert_string_equal(out.token, "");
    assert_string_equal(out.next_cert_sha256, "");
    /* put again: every field replaced, the name too */
    ru = peer_of(RU, "russia", FP_B);
    snprintf(ru.url, sizeof ru.url, "https://10.0.0.1:9443");
    snprintf(ru.next_cert_sha256, sizeof ru.next_cert_sha256, "%s", FP_A);
    assert_int_equal(store_peer_put(f->s, &ru, &f->err), 0);
    assert_int_equal(store_peer_get(f->s, RU, &out, &f->err), 0);
    assert_string_equal(out.name, "russia");
    assert_string_equal(out.url, "https://10.0.0.1:9443");
    assert_string_equal(out.cert_sha256, FP_B);
    assert_string_equal(out.next_cert_sha256, FP_A);
    snprintf(ru.next_cert_sha256, sizeof ru.next_cert_sha256, "ABC");
    assert_int_equal(store_peer_put(f->s, &ru, &f->err), -HL_E_INVALID);
    assert_string_equal(f->err.where, "peer.next_cert_sha256");
    assert_int_equal(store_peer_get_by_name(f->s, "ru", &out, &f->err), -HL_E_NOT_FOUND);
    assert_string_equal(out.party_id, ""); /* zeroed on failure */
    struct names n = {0};
    assert_int_equal(store_peer_list(f->s, collect_peer, &n, &f->err), 0);
    assert_int_equal(n.n, 2);
    assert_string_equal(n.v[0][0], "eu"); /* name order */
    assert_string_equal(n.v[1][0], "russia");
    struct names stop = {.stop_at = 1};
    assert_int_equal(store_peer_list(f->s, collect_peer, &stop, &f->err), 99);
    assert_int_equal(store_peer_remove(f->s, "russia", &f->err), 0);
    assert_int_equal(store_peer_get(f->s, RU, &out, &f->err), -HL_E_NOT_FOUND);
    assert_int_equal(store_peer_remove(f->s, "russia", &f->err), -HL_E_NOT_FOUND);
    struct store_party p;
    assert_int_equal(store_party_get(f->s, RU, &p, &f->err), 0); /* the party stays */
}

static void test_peer_put_refuses_bad_fields_taken_names_and_unknown_parties(void **state)
{
    struct fx *f = *state;
    struct store_peer p = peer_of(RU, "ru", FP_A), out;
    assert_int_equal(store_peer_put(f->s, &p, &f->err), 0);
    struct store_peer q = peer_of(EU, "ru", FP_B);
    assert_int_equal(store_peer_put(f->s, &q, &f->err), -HL_E_EXISTS);
    assert_non_null(strstr(f->err.msg, "ru"));
    q = peer_of("identity--99999999-9999-4999-8999-999999999999", "x", FP_B);
    assert_int_equal(store_peer_put(f->s, &q, &f->err), -HL_E_NOT_FOUND);
    q = peer_of(EU, "eu", "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA");
    assert_int_equal(store_peer_put(f->s, &q, &f->err), -HL_E_INVALID);
    q = peer_of(EU, "eu", "abc");
    assert_int_equal(store_peer_put(f->s, &q, &f->err), -HL_E_INVALID);
    q = peer_of(EU, "eu", FP_B);
    snprintf(q.url, sizeof q.url, "http://127.0.0.1:8443");
    assert_int_equal(store_peer_put(f->s, &q, &f->err), -HL_E_INVALID);
    q = peer_of(EU, "", FP_B);
    assert_int_equal(store_peer_put(f->s, &q, &f->err), -HL_E_INVALID);
    q = peer_of(EU, "eu", FP_B);
    memset(q.url, 'x', sizeof q.url); /* not terminated within STORE_URL_MAX */
    assert_int_equal(store_peer_put(f->s, &q, &f->err), -HL_E_TOO_LARGE);
    assert_int_equal(store_peer_put(f->s, NULL, &f->err), -HL_E_INVALID);
    assert_int_equal(store_peer_get(f->s, NULL, &out, &f->err), -HL_E_INVALID);
    assert_int_equal(store_peer_get_by_name(f->s, "ru", NULL, &f->err), -HL_E_INVALID);
    assert_int_equal(store_peer_list(f->s, NULL, NULL, &f->err), -HL_E_INVALID);
    assert_int_equal(store_peer_get(f->s, EU, &out, &f->err), -HL_E_NOT_FOUND); /* nothing */
}

static void test_corrupt_peer_fingerprint_is_reported(void **state)
{
    struct fx *f = *state;
    struct store_peer p = peer_of(RU, "ru", FP_A), out;
    assert_int_equal(store_peer_put(f->s, &p, &f->err), 0);
    raw(f->path, "UPDATE peers SET cert_sha256 = upper(cert_sha256)");
    assert_int_equal(store_peer_get(f->s, RU, &out, &f->err), -HL_E_STORE);
    assert_non_null(strstr(f->err.msg, "cert_sha256"));
    assert_string_equal(out.name, "");
}

/* ---- users of a peer party ------------------------------------------------ */

static void test_user_party_id_round_trips_and_must_name_a_party(void **state)
{
    struct fx *f = *state;
    struct store_user u, out;
    memset(&u, 0, sizeof u);
    snprintf(u.name, sizeof u.name, "ru");
    snprintf(u.party_id, sizeof u.party_id, "%s", RU);
    memset(u.token_hash, 1, sizeof u.token_hash);
    assert_int_equal(store_user_add(f->s, &u, &f->err), 0);
    assert_int_equal(store_user_get(f->s, "ru", &out, &f->err), 0);
    assert_string_equal(out.party_id, RU);
    assert_int_equal(store_user_find_token(f->s, u.token_hash, &out, &f->err), 0);
    assert_string_equal(out.party_id, RU);
    snprintf(u.name, sizeof u.name, "alice");
    u.party_id[0] = '\0';
    memset(u.token_hash, 2, sizeof u.token_hash);
    assert_int_equal(store_user_add(f->s, &u, &f->err), 0);
    assert_int_equal(store_user_get(f->s, "alice", &out, &f->err), 0);
    assert_string_equal(out.party_id, "");
    assert_int_equal(raw(f->path, "SELECT count(*) FROM users WHERE party_id IS NULL"), 1);
    snprintf(u.name, sizeof u.name, "ghost");
    snprintf(u.party_id, sizeof u.party_id, "identity--99999999-9999-4999-8999-999999999999");
    memset(u.token_hash, 3, sizeof u.token_hash);
    assert_int_equal(store_user_add(f->s, &u, &f->err), -HL_E_NOT_FOUND);
    assert_int_equal(store_user_get(f->s, "ghost", &out, &f->err), -HL_E_NOT_FOUND);
}

/* ---- pending members ------------------------------------------------------- */

static void test_pending_members_make_a_channel_inactive_until_removed(void **state)
{
    struct fx *f = *state;
    bool active = false;
    assert_int_equal(store_channel_active(f->s, "us-ru", &active, &f->err), 0);
    assert_true(active);
    assert_int_equal(store_channel_pending_add(f->s, "us-ru", "ru", &f->err), 0);
    assert_int_equal(store_channel_pending_add(f->s, "us-ru", "ru", &f->err), 0); /* twice */
    assert_int_equal(store_channel_pending_add(f->s, "us-ru", "cn", &f->err), 0);
    assert_int_equal(store_channel_pending_add(f->s, "eu", "de", &f->err), 0);
    assert_int_equal(store_channel_active(f->s, "us-ru", &active, &f->err), 0);
    assert_false(active);
    struct names n = {0};
    assert_int_equal(store_channel_pending_list(f->s, "us-ru", collect_pair, &n, &f->err), 0);
    assert_int_equal(n.n, 2);
    assert_string_equal(n.v[0][1], "cn");
    assert_string_equal(n.v[1][0], "us-ru");
    assert_string_equal(n.v[1][1], "ru");
    memset(&n, 0, sizeof n);
    assert_int_equal(store_channel_pending_list(f->s, NULL, collect_pair, &n, &f->err), 0);
    assert_int_equal(n.n, 3);
    assert_string_equal(n.v[0][0], "eu"); /* (channel, name) order */
    assert_string_equal(n.v[2][1], "ru");
    assert_int_equal(store_channel_pending_remove(f->s, "us-ru", "ru", &f->err), 0);
    assert_int_equal(store_channel_pending_remove(f->s, "us-ru", "ru", &f->err), -HL_E_NOT_FOUND);
    assert_int_equal(store_channel_active(f->s, "us-ru", &active, &f->err), 0);
    assert_false(active);
    assert_int_equal(store_channel_pending_remove(f->s, "us-ru", "cn", &f->err), 0);
    assert_int_equal(store_channel_active(f->s, "us-ru", &active, &f->err), 0);
    assert_true(active);
}

static void test_pending_refuses_unknown_channels_and_bad_arguments(void **state)
{
    struct fx *f = *state;
    bool active = true;
    struct names n = {0};
    assert_int_equal(store_channel_pending_add(f->s, "nope", "ru", &f->err), -HL_E_NOT_FOUND);
    assert_int_equal(store_channel_pending_list(f->s, "nope", collect_pair, &n, &f->err),
                     -HL_E_NOT_FOUND);
    assert_int_equal(store_channel_pending_remove(f->s, "nope", "ru", &f->err), -HL_E_NOT_FOUND);
    assert_int_equal(store_channel_active(f->s, "nope", &active, &f->err), -HL_E_NOT_FOUND);
    assert_false(active);
    assert_int_equal(store_channel_pending_add(f->s, "eu", "", &f->err), -HL_E_INVALID);
    assert_int_equal(store_channel_pending_add(f->s, NULL, "ru", &f->err), -HL_E_INVALID);
    assert_int_equal(store_channel_active(f->s, "eu", NULL, &f->err), -HL_E_INVALID);
    assert_int_equal(store_channel_pending_list(f->s, NULL, NULL, NULL, &f->err), -HL_E_INVALID);
}

/* ---- alarms ------------------------------------------------------------------- */

static struct store_alarm alarm_of(const char *channel, int64_t seq, const char *b)
{
    static const uint8_t a_bytes[] = "{\"id\":\"a\"}";
    struct store_alarm a = {
        .kind = STORE_ALARM_EQUIVOCATION,
        .party_id = RU,
        .channel = channel,
        .seq = seq,
        .created_us = 5,
        .detail = "two entries at one seq",
        .evidence_a = a_bytes,
        .evidence_a_len = sizeof a_bytes - 1,
        .evidence_b = (const uint8_t *)b,
        .evidence_b_len = strlen(b),
    };
    return a;
}

struct alarms_seen {
    int n;
    int64_t seq[8];
    char b[8][64];
    char kind[8][32];
};

static int collect_alarm(void *ctx, const struct store_alarm *a)
{
    struct alarms_seen *s = ctx;
    assert_true(s->n < 8);
    assert_true(a->id > 0);
    assert_string_equal(a->party_id, RU);
    assert_memory_equal(a->evidence_a, "{\"id\":\"a\"}", a->evidence_a_len);
    s->seq[s->n] = a->seq;
    snprintf(s->kind[s->n], sizeof s->kind[0], "%s", a->kind);
    snprintf(s->b[s->n++], sizeof s->b[0], "%.*s", (int)a->evidence_b_len,
             (const char *)a->evidence_b);
    return 0;
}

/* A member list's retired_us of RU, into ctx. */
static int ru_retired(void *ctx, const struct store_party *p)
{
    if (!strcmp(p->id, RU))
        *(int64_t *)ctx = p->retired_us;
    return 0;
}

/* A member retired from a channel (and reinstated): the flag and its
 * time, per channel; a party that is not a member, an unknown channel and
 * a negative time are refused and change nothing. */
static void test_member_retire_reinstate_per_channel(void **state)
{
    struct fx *f = *state;
    int64_t at = 99;
    assert_int_equal(store_channel_member_add(f->s, "us-ru", RU, &f->err), 0);
    assert_int_equal(store_channel_member_add(f->s, "eu", RU, &f->err), 0);
    assert_int_equal(store_channel_member_retired(f->s, "us-ru", RU, &at, &f->err), 0);
    assert_int_equal(at, 0);
    assert_int_equal(store_channel_member_retire(f->s, "us-ru", RU, 1234, &f->err), 0);
    assert_int_equal(store_channel_member_retired(f->s, "us-ru", RU, &at, &f->err), 0);
    assert_int_equal(at, 1234);
    assert_int_equal(store_channel_member_list(f->s, "us-ru", ru_retired, &at, &f->err), 0);
    assert_int_equal(at, 1234); /* the member list carries it */
    assert_int_equal(store_channel_member_retired(f->s, "eu", RU, &at, &f->err), 0);
    assert_int_equal(at, 0); /* the other channel keeps it */
    at = 99;
    assert_int_equal(store_channel_member_list(f->s, "eu", ru_retired, &at, &f->err), 0);
    assert_int_equal(at, 0);
    assert_int_equal(store_channel_member_retire(f->s, "us-ru", EU, 1, &f->err), -HL_E_NOT_FOUND);
    assert_int_equal(store_channel_member_retired(f->s, "us-ru", EU, &at, &f->err),
                     -HL_E_NOT_FOUND);
    assert_int_equal(store_channel_member_retire(f->s, "nope", RU, 1, &f->err), -HL_E_NOT_FOUND);
    assert_int_equal(store_channel_member_retire(f->s, "us-ru", RU, -1, &f->err), -HL_E_INVALID);
    assert_int_equal(store_channel_member_retired(f->s, "us-ru", RU, &at, &f->err), 0);
    assert_int_equal(at, 1234);
    assert_int_equal(store_channel_member_retire(f->s, "us-ru", RU, 0, &f->err), 0);
    assert_int_equal(store_channel_member_retired(f->s, "us-ru", RU, &at, &f->err), 0);
    assert_int_equal(at, 0);
    assert_int_equal(store_check(f->s, &f->err), 0);
}

static void test_alarm_add_is_idempotent_per_evidence_and_lists_by_channel(void **state)
{
    struct fx *f = *state;
    bool added = false;
    struct store_alarm a = alarm_of("us-ru", 3, "{\"id\":\"b\"}");
    assert_int_equal(store_alarm_add(f->s, &a, &added, &f->err), 0);
    assert_true(added);
    assert_int_equal(store_alarm_add(f->s, &a, &added, &f->err), 0);
    assert_false(added); /* re-detection is not a new alarm */
    a = alarm_of("us-ru", 3, "{\"id\":\"c\"}");
    assert_int_equal(store_alarm_add(f->s, &a, &added, &f->err), 0);
    assert_true(added); /* other evidence B */
    a = alarm_of("eu", 3, "{\"id\":\"b\"}");
    a.kind = STORE_ALARM_HEAD_MISMATCH;
    assert_int_equal(store_alarm_add(f->s, &a, NULL, &f->err), 0);
    struct alarms_seen s = {0};
    assert_int_equal(store_alarm_list(f->s, "us-ru", collect_alarm, &s, &f->err), 0);
    assert_int_equal(s.n, 2);
    assert_string_equal(s.b[0], "{\"id\":\"b\"}");
    assert_string_equal(s.b[1], "{\"id\":\"c\"}");
    memset(&s, 0, sizeof s);
    assert_int_equal(store_alarm_list(f->s, NULL, collect_alarm, &s, &f->err), 0);
    assert_int_equal(s.n, 3);
    assert_string_equal(s.kind[2], STORE_ALARM_HEAD_MISMATCH);
    memset(&s, 0, sizeof s);
    assert_int_equal(store_alarm_list(f->s, "nope", collect_alarm, &s, &f->err), 0);
    assert_int_equal(s.n, 0);
}

static void test_alarm_add_refuses_bad_alarms_and_adds_nothing(void **state)
{
    struct fx *f = *state;
    bool added = true;
    struct store_alarm a = alarm_of("us-ru", 1, "{}");
    a.kind = "rumour";
    assert_int_equal(store_alarm_add(f->s, &a, &added, &f->err), -HL_E_INVALID);
    assert_false(added);
    a = alarm_of("us-ru", -1, "{}");
    assert_int_equal(store_alarm_add(f->s, &a, &added, &f->err), -HL_E_INVALID);
    a = alarm_of("us-ru", 1, "");
    assert_int_equal(store_alarm_add(f->s, &a, &added, &f->err), -HL_E_INVALID);
    a = alarm_of("nope", 1, "{}");
    assert_int_equal(store_alarm_add(f->s, &a, &added, &f->err), -HL_E_NOT_FOUND);
    a = alarm_of("us-ru", 1, "{}");
    a.party_id = "identity--99999999-9999-4999-8999-999999999999";
    assert_int_equal(store_alarm_add(f->s, &a, &added, &f->err), -HL_E_NOT_FOUND);
    assert_non_null(strstr(f->err.msg, "no party"));
    assert_int_equal(store_alarm_add(f->s, NULL, &added, &f->err), -HL_E_INVALID);
    assert_int_equal(store_alarm_list(f->s, NULL, NULL, NULL, &f->err), -HL_E_INVALID);
    assert_int_equal(raw(f->path, "SELECT count(*) FROM alarms"), 0);
}

static void test_corrupt_alarm_kind_and_repl_state_are_reported(void **state)
{
    struct fx *f = *state;
    struct store_alarm a = alarm_of("us-ru", 1, "{}");
    struct store_repl_state st, out;
    struct alarms_seen seen = {0};
    memset(&st, 0, sizeof st);
    st.push_seq = 3;
    assert_int_equal(store_alarm_add(f->s, &a, NULL, &f->err), 0);
    assert_int_equal(store_repl_state_put(f->s, RU, "us-ru", &st, &f->err), 0);
    raw(f->path, "UPDATE alarms SET kind = 'rumour'; UPDATE repl_state SET push_seq = -4");
    assert_int_equal(store_alarm_list(f->s, NULL, collect_alarm, &seen, &f->err), -HL_E_STORE);
    assert_non_null(strstr(f->err.msg, "rumour"));
    assert_int_equal(seen.n, 0);
    assert_int_equal(store_repl_state_get(f->s, RU, "us-ru", &out, &f->err), -HL_E_STORE);
    assert_int_equal(out.push_seq, 0); /* zeroed on failure */
}

/* ---- replication state ------------------------------------------------------- */

static void test_repl_state_reads_zero_until_put_then_round_trips(void **state)
{
    struct fx *f = *state;
    struct store_repl_state st, out;
    memset(&out, 0x5a, sizeof out);
    assert_int_equal(store_repl_state_get(f->s, RU, "us-ru", &out, &f->err), 0);
    assert_int_equal(out.push_seq, 0);
    assert_int_equal(out.failures, 0);
    assert_int_equal(out.clock_skew_ms, 0);
    assert_string_equal(out.last_error, "");
    memset(&st, 0, sizeof st);
    st.push_seq = 812;
    st.last_ok_us = 100;
    st.last_try_us = 200;
    st.failures = 5;
    st.clock_skew_ms = -3599750;
    snprintf(st.last_error, sizeof st.last_error, "connection refused");
    assert_int_equal(store_repl_state_put(f->s, RU, "us-ru", &st, &f->err), 0);
    assert_int_equal(store_repl_state_get(f->s, RU, "us-ru", &out, &f->err), 0);
    assert_int_equal(out.push_seq, 812);
    assert_int_equal(out.last_ok_us, 100);
    assert_int_equal(out.last_try_us, 200);
    assert_int_equal(out.failures, 5);
    assert_int_equal(out.clock_skew_ms, -3599750);
    assert_string_equal(out.last_error, "connection refused");
    /* A skew past a century is refused, and the state stays. */
    st.clock_skew_ms = STORE_CLOCK_SKEW_MAX_MS + 1;
    assert_int_equal(store_repl_state_put(f->s, RU, "us-ru", &st, &f->err), -HL_E_INVALID);
    assert_string_equal(f->err.where, "state.clock_skew_ms");
    assert_int_equal(store_repl_state_get(f->s, RU, "us-ru", &out, &f->err), 0);
    assert_int_equal(out.clock_skew_ms, -3599750);
    st.clock_skew_ms = 0;
    st.failures = 0;
    st.last_error[0] = '\0';
    assert_int_equal(store_repl_state_put(f->s, RU, "us-ru", &st, &f->err), 0);
    assert_int_equal(store_repl_state_get(f->s, RU, "us-ru", &out, &f->err), 0);
    assert_int_equal(out.failures, 0);
    assert_string_equal(out.last_error, "");
    assert_int_equal(store_repl_state_get(f->s, EU, "us-ru", &out, &f->err), 0);
    assert_int_equal(out.push_seq, 0); /* another peer: its own row */
    assert_int_equal(store_repl_state_get(f->s, RU, "nope", &out, &f->err), 0);
    assert_int_equal(out.push_seq, 0);
}

static void test_repl_state_put_refuses_negative_values_and_unknown_keys(void **state)
{
    struct fx *f = *state;
    struct store_repl_state st;
    memset(&st, 0, sizeof st);
    st.failures = -1;
    assert_int_equal(store_repl_state_put(f->s, RU, "us-ru", &st, &f->err), -HL_E_INVALID);
    st.failures = 0;
    assert_int_equal(store_repl_state_put(f->s, RU, "nope", &st, &f->err), -HL_E_NOT_FOUND);
    assert_int_equal(store_repl_state_put(f->s, "identity--99999999-9999-4999-8999-999999999999",
                                          "us-ru", &st, &f->err),
                     -HL_E_NOT_FOUND);
    memset(st.last_error, 'x', sizeof st.last_error); /* not terminated */
    assert_int_equal(store_repl_state_put(f->s, RU, "us-ru", &st, &f->err), -HL_E_TOO_LARGE);
    assert_int_equal(store_repl_state_put(f->s, RU, "us-ru", NULL, &f->err), -HL_E_INVALID);
    assert_int_equal(store_repl_state_get(f->s, RU, "us-ru", NULL, &f->err), -HL_E_INVALID);
    assert_int_equal(raw(f->path, "SELECT count(*) FROM repl_state"), 0);
}

/* ---- TLP holdings --------------------------------------------------------------- */

static void test_tlp_hold_keeps_the_stricter_level_per_channel(void **state)
{
    struct fx *f = *state;
    struct names n = {0};
    assert_int_equal(store_tlp_find(f->s, OBJ, collect_pair, &n, &f->err), 0);
    assert_int_equal(n.n, 0);
    assert_int_equal(store_tlp_hold(f->s, OBJ, "us-ru", STORE_TLP_AMBER, &f->err), 0);
    assert_int_equal(store_tlp_hold(f->s, OBJ, "us-ru", STORE_TLP_RED, &f->err), 0);
    assert_int_equal(store_tlp_hold(f->s, OBJ, "us-ru", STORE_TLP_AMBER_STRICT, &f->err), 0);
    assert_int_equal(store_tlp_hold(f->s, OBJ, "eu", STORE_TLP_AMBER, &f->err), 0);
    assert_int_equal(store_tlp_hold(f->s, OBJ, "eu", STORE_TLP_AMBER_STRICT, &f->err), 0);
    assert_int_equal(store_tlp_find(f->s, OBJ, collect_pair, &n, &f->err), 0);
    assert_int_equal(n.n, 2);
    assert_string_equal(n.v[0][0], "eu");
    assert_string_equal(n.v[0][1], STORE_TLP_AMBER_STRICT);
    assert_string_equal(n.v[1][0], "us-ru");
    assert_string_equal(n.v[1][1], STORE_TLP_RED); /* never lowered */
}

static void test_tlp_hold_refuses_other_levels_and_unknown_channels(void **state)
{
    struct fx *f = *state;
    struct names n = {0};
    assert_int_equal(store_tlp_hold(f->s, OBJ, "us-ru", "TLP:GREEN", &f->err), -HL_E_INVALID);
    assert_int_equal(store_tlp_hold(f->s, OBJ, "us-ru", "amber", &f->err), -HL_E_INVALID);
    assert_int_equal(store_tlp_hold(f->s, OBJ, "nope", STORE_TLP_RED, &f->err), -HL_E_NOT_FOUND);
    assert_int_equal(store_tlp_hold(f->s, "", "us-ru", STORE_TLP_RED, &f->err), -HL_E_INVALID);
    assert_int_equal(store_tlp_find(f->s, OBJ, NULL, NULL, &f->err), -HL_E_INVALID);
    assert_int_equal(store_tlp_find(f->s, OBJ, collect_pair, &n, &f->err), 0);
    assert_int_equal(n.n, 0);
    assert_int_equal(store_tlp_hold(f->s, OBJ, "us-ru", STORE_TLP_RED, &f->err), 0);
    raw(f->path, "PRAGMA ignore_check_constraints = 1; UPDATE tlp_held SET tlp = 'TLP:CLEAR'");
    assert_int_equal(store_tlp_find(f->s, OBJ, collect_pair, &n, &f->err), -HL_E_STORE);
    assert_non_null(strstr(f->err.msg, "TLP:CLEAR"));
}

static void test_tlp_elsewhere_names_only_another_channel(void **state)
{
    struct fx *f = *state;
    char other[STORE_TEXT_MAX + 1], tlp[STORE_TEXT_MAX + 1];
    bool found = true;
    assert_int_equal(store_tlp_elsewhere(f->s, OBJ, "eu", &found, other, tlp, &f->err), 0);
    assert_false(found);
    assert_int_equal(store_tlp_hold(f->s, OBJ, "eu", STORE_TLP_AMBER, &f->err), 0);
    assert_int_equal(store_tlp_elsewhere(f->s, OBJ, "eu", &found, other, tlp, &f->err), 0);
    assert_false(found); /* its own channel */
    assert_int_equal(store_tlp_elsewhere(f->s, OBJ, "us-ru", &found, other, tlp, &f->err), 0);
    assert_true(found);
    assert_string_equal(other, "eu");
    assert_string_equal(tlp, STORE_TLP_AMBER);
    assert_int_equal(store_tlp_elsewhere(f->s, OBJ, "us-ru", NULL, other, tlp, &f->err),
                     -HL_E_INVALID);
    assert_int_equal(store_tlp_elsewhere(f->s, OBJ, NULL, &found, other, tlp, &f->err),
                     -HL_E_INVALID);
    assert_false(found);
}

/* ---- a file written before step 4 ------------------------------------------------ */

/* The tables step 4 (and later steps) made, and users as step 2 made it
 * (no party_id). */
static const char *const unstep4 =
    "PRAGMA foreign_keys = OFF;"
    "DROP TABLE peers; DROP TABLE channel_pending; DROP TABLE alarms; DROP TABLE repl_state;"
    "DROP TABLE tlp_held;"
    "DROP TABLE IF EXISTS channel_policy; DROP TABLE IF EXISTS escalations;" /* step 5 */
    "ALTER TABLE objects DROP COLUMN sealed_by;"                             /* step 6 */
    /* step 7 (its trigger is gone since step 9) */
    "DROP TRIGGER IF EXISTS objects_versions; ALTER TABLE objects DROP COLUMN versions;"
    "DROP INDEX objects_workflow;"                        /* step 8 */
    TEST_SQL_UNSTEP10 TEST_SQL_UNSTEP11 TEST_SQL_UNSTEP13 /* steps 10, 11, 13 */
    "CREATE TABLE users3(id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE,"
    " token_hash BLOB NOT NULL UNIQUE CHECK(length(token_hash) = 32),"
    " admin INTEGER NOT NULL CHECK(admin IN (0, 1)), created_us INTEGER NOT NULL) STRICT;"
    "INSERT INTO users3 SELECT id, name, token_hash, admin, created_us FROM users;"
    "DROP TABLE users; ALTER TABLE users3 RENAME TO users;"
    "PRAGMA user_version = 3;";

/* A version of OBJ in channel eu; its row. */
static int64_t add_version(struct fx *f, int64_t modified_us)
{
    struct store_object o = {.channel = "eu",
                             .stix_id = OBJ,
                             .type = "indicator",
                             .modified_us = modified_us,
                             .date_added_us = modified_us,
                             .json = (const uint8_t *)"{}",
                             .json_len = 2};
    int64_t row = 0;
    if (store_object_add(f->s, &o, &row, &f->err))
        fail_msg("object: %s", f->err.msg);
    return row;
}

static int64_t versions_of(struct fx *f, int64_t row)
{
    char sql[80];
    snprintf(sql, sizeof sql, "SELECT versions FROM objects WHERE row = %lld", (long long)row);
    return raw(f->path, sql);
}

static void test_open_upgrades_a_version_3_file_and_keeps_its_users(void **state)
{
    struct fx *f = *state;
    struct store_user u, out;
    int64_t first = add_version(f, 1);
    memset(&u, 0, sizeof u);
    snprintf(u.name, sizeof u.name, "admin");
    memset(u.token_hash, 9, sizeof u.token_hash);
    u.admin = true;
    assert_int_equal(store_user_add(f->s, &u, &f->err), 0);
    assert_int_equal(store_user_right_set(f->s, "admin", "eu", STORE_RIGHT_READ, &f->err), 0);
    int64_t current = raw(f->path, "PRAGMA user_version");
    assert_true(current >= 4);
    store_close(f->s);
    f->s = NULL;
    raw(f->path, unstep4);
    assert_int_equal(raw(f->path, "SELECT count(*) FROM pragma_table_info('users')"
                                  " WHERE name = 'party_id'"),
                     0);
    assert_int_equal(raw(f->path, "PRAGMA user_version"), 3);
    if (store_open(f->path, NULL, &f->s, &f->err))
        fail_msg("reopen: %s", f->err.msg);
    assert_int_equal(raw(f->path, "PRAGMA user_version"), current);
    assert_int_equal(store_user_get(f->s, "admin", &out, &f->err), 0);
    assert_true(out.admin);
    assert_string_equal(out.party_id, "");
    unsigned rights = 0;
    assert_int_equal(store_user_rights(f->s, "admin", "eu", &rights, &f->err), 0);
    assert_int_equal(rights, STORE_RIGHT_READ);
    struct store_peer p = peer_of(RU, "ru", FP_A);
    assert_int_equal(store_peer_put(f->s, &p, &f->err), 0);
    assert_int_equal(store_tlp_hold(f->s, OBJ, "eu", STORE_TLP_RED, &f->err), 0);
    /* step 9: no trigger; the store flags a stored row's new version */
    assert_int_equal(raw(f->path, "SELECT count(*) FROM sqlite_master WHERE type = 'trigger'"
                                  " AND name = 'objects_versions'"),
                     0);
    assert_int_equal(versions_of(f, first), 0);
    int64_t second = add_version(f, 2);
    assert_int_equal(versions_of(f, first), 1);
    assert_int_equal(versions_of(f, second), 1);
    assert_int_equal(store_check(f->s, &f->err), 0);
}

/* A database the hotline before federation wrote (tests/data/step3_node.sql,
 * dumped from a real node): opened by this store, it is upgraded to the
 * current schema, keeps its party, channel, log and users, and takes peers. */
static void test_open_upgrades_a_node_written_by_hotline_before_step_4(void **state)
{
    struct fx *f = *state;
    const char *src = getenv("HL_SRC");
    char sql_path[4200], db_path[160];
    struct buf sql;
    struct hl_error err;
    if (!src)
        skip(); /* run by meson, which sets HL_SRC */
    snprintf(sql_path, sizeof sql_path, "%s/tests/data/step3_node.sql", src);
    snprintf(db_path, sizeof db_path, "%s/old.db", f->dir);
    buf_init(&sql, 1u << 20);
    assert_int_equal(hl_read_file(sql_path, 1u << 20, &sql, &err), 0);
    sqlite3 *db = NULL;
    assert_int_equal(sqlite3_open(db_path, &db), SQLITE_OK);
    assert_int_equal(sqlite3_exec(db, sql.data, NULL, NULL, NULL), SQLITE_OK);
    sqlite3_close(db);
    buf_release(&sql);
    assert_int_equal(raw(db_path, "PRAGMA user_version"), 3);
    struct store *old = NULL;
    if (store_open(db_path, NULL, &old, &f->err))
        fail_msg("open: %s", f->err.msg);
    assert_int_equal(raw(db_path, "PRAGMA user_version"), raw(f->path, "PRAGMA user_version"));
    char party[STORE_TEXT_MAX + 1];
    int64_t size = 0;
    unsigned rights = 0;
    struct store_user u;
    assert_int_equal(store_meta_get(old, "party_id", party, &f->err), 0);
    assert_int_equal(store_log_size(old, party, "us-ru", &size, &f->err), 0);
    assert_int_equal(size, 2); /* the note and its tree head */
    /* step 10: the dump's one tile, (level 1, index 0), is found under its
     * last leaf, 1, with its hash */
    uint8_t tile[STORE_HASH_BYTES];
    char hex[2 * STORE_HASH_BYTES + 1];
    assert_int_equal(store_tile_get(old, party, "us-ru", 1, 0, tile, &f->err), 0);
    hl_hex(hex, tile, sizeof tile);
    assert_string_equal(hex, "fba82858b2e36b0f46b120d84a9f6dd6f84cb26ae42727b2bb28391965318d9f");
    assert_int_equal(raw(db_path, "SELECT count(*) FROM tiles WHERE last = 1 AND level = 1"), 1);
    char q6[STORE_TEXT_MAX + 80]; /* step 6 named the sealer of every log entry stored before it */
    snprintf(q6, sizeof q6, "SELECT count(*) FROM objects WHERE sealed_by = '%s'", party);
    assert_int_equal(raw(db_path, q6), 2);
    assert_int_equal(raw(db_path, "SELECT count(*) FROM objects WHERE sealed_by IS NULL"), 0);
    assert_int_equal(raw(db_path, "SELECT count(*) FROM objects WHERE versions = 1"), 0);
    assert_int_equal(store_user_get(old, "alice", &u, &f->err), 0);
    assert_string_equal(u.party_id, "");
    assert_int_equal(store_user_rights(old, "alice", "us-ru", &rights, &f->err), 0);
    assert_int_equal(rights, STORE_RIGHTS_ALL);
    assert_int_equal(store_user_get(old, "admin", &u, &f->err), 0);
    assert_true(u.admin);
    bool active = false;
    assert_int_equal(store_channel_active(old, "us-ru", &active, &f->err), 0);
    assert_true(active);
    add_party(old, RU, "ru");
    struct store_peer p = peer_of(RU, "ru", FP_A);
    assert_int_equal(store_peer_put(old, &p, &f->err), 0);
    assert_int_equal(store_check(old, &f->err), 0);
    store_close(old);
}

int main(void)
{
#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)
    const struct CMUnitTest tests[] = {
        T(test_peer_put_get_list_update_and_remove),
        T(test_peer_put_refuses_bad_fields_taken_names_and_unknown_parties),
        T(test_corrupt_peer_fingerprint_is_reported),
        T(test_user_party_id_round_trips_and_must_name_a_party),
        T(test_pending_members_make_a_channel_inactive_until_removed),
        T(test_pending_refuses_unknown_channels_and_bad_arguments),
        T(test_alarm_add_is_idempotent_per_evidence_and_lists_by_channel),
        T(test_alarm_add_refuses_bad_alarms_and_adds_nothing),
        T(test_corrupt_alarm_kind_and_repl_state_are_reported),
        T(test_repl_state_reads_zero_until_put_then_round_trips),
        T(test_repl_state_put_refuses_negative_values_and_unknown_keys),
        T(test_tlp_hold_keeps_the_stricter_level_per_channel),
        T(test_tlp_hold_refuses_other_levels_and_unknown_channels),
        T(test_tlp_elsewhere_names_only_another_channel),
        T(test_member_retire_reinstate_per_channel),
        T(test_open_upgrades_a_version_3_file_and_keeps_its_users),
        T(test_open_upgrades_a_node_written_by_hotline_before_step_4),
    };
#undef T
    return cmocka_run_group_tests(tests, NULL, NULL);
}
