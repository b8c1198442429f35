/*
 * exchange_test.c — the federation's client and accept path against a real
 * TAXII server (taxii_server_start on 127.0.0.1, real TLS, a real SQLite
 * node) in this process: node A serves, its peer_post hook is
 * exchange_accept_push; party B's entries are sealed into B's own store
 * and pushed with exchange_client_request as B's peer account at A.
 *
 * Pinning: the right fingerprint reaches the API; a wrong one fails
 * before any request carrying credentials is made (the server's request
 * log shows the credential-less probe and nothing authenticated).
 * Accepting: entries in order with a receipt in the same commit, resent
 * entries as no-ops, a gap, another party's seal, a forged signature, an
 * equivocation (alarm with both objects), a channel the peer is not in.
 * Delivery: a member's receipt handed to the server before its commit
 * (taxii_server_receipts_taken) answers a waiting delivery request.
 */
/* cmocka.h needs these first. */
// clang-format off
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
// clang-format on

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "auth/auth.h"
#include "exchange/exchange.h"
#include "ledger/ledger.h"
#include "node/node.h"
#include "stix/stix.h"
#include "store/store.h"
#include "taxii/taxii.h"

#define PA "identity--aaaaaaaa-0000-4000-8000-000000000001"
#define PB "identity--bbbbbbbb-0000-4000-8000-000000000002"
#define CH "us-ru"
#define CH2 "other"
#define NOW 1795000000000000LL

struct node {
    char path[128];
    struct store *s;
    struct seal_key key;
    struct log_signer me;
};

struct fx {
    char dir[64];
    struct node a, b, b2; /* b2: another store of B's key (a second history) */
    struct node bx;       /* B's party id with another key (an impostor) */
    char cert[128], keyfile[128], url[64], fp[EXCHANGE_FINGERPRINT_LEN + 1], coll[37];
    char token[AUTH_TOKEN_LEN + 1];
    struct taxii_options o;
    struct taxii_server *srv;
    struct exchange_client *client;
    pthread_mutex_t log_lock;
    struct buf log;
    struct hl_error err;
    bool whole_of_two; /* the latest push's exchange_accept.whole_of_two */
};

static void fx_log(void *ctx, const char *line)
{
    struct fx *f = ctx;
    pthread_mutex_lock(&f->log_lock);
    if (buf_adds(&f->log, line) || buf_addc(&f->log, '\n'))
        fail_msg("log buffer full");
    pthread_mutex_unlock(&f->log_lock);
}

/* As the node does: the costly checks before the writer's lock. */
static int fx_peer_prepare(void *ctx, struct store *s, struct taxii_peer_post *p,
                           struct hl_error *err)
{
    struct fx *f = ctx;
    struct exchange_accept a = {
        .store = s, .me = &f->a.me, .peer = p->party, .channel = p->channel};
    int r = exchange_accept_prepare(&a, (json_t *)p->objects, err);
    p->prepared = a.checks;
    return r;
}

static void fx_peer_release(void *ctx, struct taxii_peer_post *p)
{
    (void)ctx;
    exchange_checks_free(p->prepared);
}

static int fx_peer_post(void *ctx, struct store *s, struct taxii_peer_post *p,
                        struct hl_error *err)
{
    struct fx *f = ctx;
    struct exchange_accept a = {
        .checks = p->prepared,
        .store = s,
        .me = &f->a.me,
        .peer = p->party,
        .peer_name = p->user,
        .channel = p->channel,
        .now_us = p->now_us,
        .successes = (json_t *)p->successes,
        .failures = (json_t *)p->failures,
        .log = fx_log,
        .log_ctx = f,
        .added_last = p->added_last,
    };
    int r = exchange_accept_push(&a, (json_t *)p->objects, err);
    f->whole_of_two = a.whole_of_two; /* the node then lets its pulls wait */
    if (!r && a.receipts) {
        p->own_from = a.own_from;
        p->own_to = a.own_to;
    }
    return r;
}

static void party_put(struct store *s, const char *id, const uint8_t pk[32])
{
    struct store_party p = {0};
    snprintf(p.id, sizeof p.id, "%s", id);
    snprintf(p.name, sizeof p.name, "%s", strcmp(id, PA) == 0 ? "A" : "B");
    memcpy(p.public_key, pk, 32);
    assert_int_equal(store_party_put(s, &p, NULL), 0);
}

static void node_open(struct fx *f, struct node *n, const char *name, const char *party,
                      uint8_t seed_byte, const uint8_t *other_pk, const char *other)
{
    uint8_t seed[32];
    memset(seed, seed_byte, sizeof seed);
    snprintf(n->path, sizeof n->path, "%s/%s.db", f->dir, name);
    assert_int_equal(store_open(n->path, NULL, &n->s, &f->err), 0);
    assert_int_equal(seal_key_from_seed(&n->key, seed, NULL), 0);
    n->me = (struct log_signer){party, &n->key};
    party_put(n->s, party, n->key.pk);
    party_put(n->s, other, other_pk);
    struct store_channel c = {.created_us = NOW};
    snprintf(c.name, sizeof c.name, CH);
    assert_int_equal(store_channel_create(n->s, &c, NULL), 0);
    assert_int_equal(store_channel_member_add(n->s, CH, party, NULL), 0);
    assert_int_equal(store_channel_member_add(n->s, CH, other, NULL), 0);
}

static void write_file(const char *path, const struct buf *b)
{
    FILE *fp = fopen(path, "w");
    assert_non_null(fp);
    assert_int_equal(fwrite(b->data, 1, b->len, fp), b->len);
    assert_int_equal(fclose(fp), 0);
}

/* Node A's certificate, peer account "b" (party PB, rights on CH and on
 * CH2, where PB is no member), and its server. */
static void serve_a(struct fx *f)
{
    struct buf cert, key;
    struct node_tls_info info;
    buf_init(&cert, NODE_TLS_FILE_MAX);
    buf_init(&key, NODE_TLS_FILE_MAX);
    assert_int_equal(node_tls_generate("A", &cert, &key, &info, &f->err), 0);
    snprintf(f->cert, sizeof f->cert, "%s/tls.crt", f->dir);
    snprintf(f->keyfile, sizeof f->keyfile, "%s/tls.key", f->dir);
    write_file(f->cert, &cert);
    write_file(f->keyfile, &key);
    snprintf(f->fp, sizeof f->fp, "%s", info.fingerprint);
    node_tls_wipe(&key);
    buf_release(&cert);
    struct store_channel c = {.created_us = NOW};
    snprintf(c.name, sizeof c.name, CH2);
    assert_int_equal(store_channel_create(f->a.s, &c, NULL), 0);
    assert_int_equal(store_channel_member_add(f->a.s, CH2, PA, NULL), 0);
    assert_int_equal(auth_peer_user_add(f->a.s, "b", PB, f->token, &f->err), 0);
    assert_int_equal(store_user_right_set(f->a.s, "b", CH, STORE_RIGHTS_ALL, &f->err), 0);
    assert_int_equal(store_user_right_set(f->a.s, "b", CH2, STORE_RIGHTS_ALL, &f->err), 0);
    struct taxii_options *o = &f->o;
    o->listen = "127.0.0.1:0";
    o->title = "A";
    o->db_path = f->a.path;
    o->cert_path = f->cert;
    o->key_path = f->keyfile;
    o->signer = &f->a.me;
    o->log = fx_log;
    o->log_ctx = f;
    o->peer_post = fx_peer_post;
    o->peer_prepare = fx_peer_prepare;
    o->peer_release = fx_peer_release;
    o->peer_ctx = f;
    assert_int_equal(taxii_server_start(o, &f->srv, &f->err), 0);
    snprintf(f->url, sizeof f->url, "https://127.0.0.1:%u", taxii_server_port(f->srv));
}

static int setup(void **state)
{
    struct fx *f = calloc(1, sizeof *f);
    assert_non_null(f);
    snprintf(f->dir, sizeof f->dir, "/tmp/exchange_test.XXXXXX");
    assert_non_null(mkdtemp(f->dir));
    uint8_t seed[32];
    struct seal_key kb;
    memset(seed, 2, sizeof seed);
    assert_int_equal(seal_key_from_seed(&kb, seed, NULL), 0);
    node_open(f, &f->a, "a", PA, 1, kb.pk, PB);
    node_open(f, &f->b, "b", PB, 2, f->a.key.pk, PA);
    node_open(f, &f->b2, "b2", PB, 2, f->a.key.pk, PA);
    node_open(f, &f->bx, "bx", PB, 9, f->a.key.pk, PA);
    seal_key_wipe(&kb);
    pthread_mutex_init(&f->log_lock, NULL);
    buf_init(&f->log, 1u << 20);
    serve_a(f);
    assert_int_equal(exchange_client_new(10, &f->client, &f->err), 0);
    assert_int_equal(taxii_collection_id(CH, f->coll), 0);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fx *f = *state;
    char cmd[128];
    exchange_client_free(f->client);
    taxii_server_stop(f->srv);
    store_close(f->a.s);
    store_close(f->b.s);
    store_close(f->b2.s);
    store_close(f->bx.s);
    seal_key_wipe(&f->bx.key);
    seal_key_wipe(&f->a.key);
    seal_key_wipe(&f->b.key);
    seal_key_wipe(&f->b2.key);
    buf_release(&f->log);
    pthread_mutex_destroy(&f->log_lock);
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", f->dir);
    assert_int_equal(system(cmd), 0);
    free(f);
    return 0;
}

/* ---- helpers ------------------------------------------------------------------ */

static json_t *note_new(int i)
{
    char id[STIX_ID_MAX], text[64];
    assert_int_equal(stix_id_new("note", id), 0);
    snprintf(text, sizeof text, "note number %d", i);
    json_t *o = json_pack("{s:s,s:s,s:s,s:s,s:s,s:s,s:[s]}", "type", "note", "spec_version", "2.1",
                          "id", id, "created", "2026-11-18T10:00:00.000Z", "modified",
                          "2026-11-18T10:00:00.000Z", "content", text, "object_refs", PA);
    assert_non_null(o);
    return o;
}

/* Appends count notes (and the head) to n's log of CH. */
static void append_notes(struct fx *f, struct node *n, int count, const char *marking)
{
    json_t *objs[16];
    assert_true(count <= 16);
    for (int i = 0; i < count; i++) {
        objs[i] = note_new(i);
        if (marking)
            json_object_set_new(objs[i], "object_marking_refs", json_pack("[s]", marking));
    }
    int rc = log_append(n->s, &n->me, CH, objs, (size_t)count, NOW, NULL, &f->err);
    if (rc)
        fail_msg("log_append: %s", f->err.msg);
    for (int i = 0; i < count; i++)
        json_decref(objs[i]);
}

struct span {
    struct buf *body;
    int64_t to;
    size_t n;
};

static int span_add(void *ctx, const struct store_log_entry *e, const struct store_object *o)
{
    struct span *sp = ctx;
    if (e->seq >= sp->to)
        return 1;
    assert_int_equal(buf_adds(sp->body, sp->n++ ? "," : ""), 0);
    assert_int_equal(buf_add(sp->body, o->json, o->json_len), 0);
    return 0;
}

/* The envelope of entries [from, to) of party's log in n's store. */
static void envelope(struct node *n, const char *party, int64_t from, int64_t to, struct buf *out)
{
    struct span sp = {out, to, 0};
    buf_clear(out);
    assert_int_equal(buf_adds(out, "{\"objects\":["), 0);
    assert_true(store_log_scan(n->s, party, CH, from, span_add, &sp, NULL) >= 0);
    assert_int_equal(buf_adds(out, "]}"), 0);
}

/* POSTs body to A's collection coll as B's peer account; the answer's JSON. */
static json_t *push_to(struct fx *f, const char *coll, const struct buf *body, long want)
{
    char path[128];
    struct exchange_answer a;
    const struct exchange_target t = {"a", f->url, f->fp, f->token};
    snprintf(path, sizeof path, "/api/collections/%s/objects/", coll);
    exchange_answer_init(&a);
    int r =
        exchange_client_request(f->client, &t, "POST", path, body->data, body->len, &a, &f->err);
    if (r)
        fail_msg("push: %s", f->err.msg);
    if (a.status != want)
        fail_msg("push: HTTP %ld, want %ld: %s", a.status, want, a.body.data);
    json_t *j = json_loadb(a.body.data, a.body.len, 0, NULL);
    assert_non_null(j);
    exchange_answer_release(&a);
    return j;
}

/* GET path at A as B's peer account through client c (200 wanted). */
static json_t *get_json(struct fx *f, struct exchange_client *c, const char *path)
{
    struct exchange_answer a;
    struct hl_error err;
    const struct exchange_target t = {"a", f->url, f->fp, f->token};
    exchange_answer_init(&a);
    if (exchange_client_request(c, &t, "GET", path, NULL, 0, &a, &err))
        fail_msg("GET %s: %s", path, err.msg);
    if (a.status != 200)
        fail_msg("GET %s: HTTP %ld: %s", path, a.status, a.body.data);
    json_t *j = json_loadb(a.body.data, a.body.len, 0, NULL);
    assert_non_null(j);
    exchange_answer_release(&a);
    return j;
}

static json_t *push(struct fx *f, const struct buf *body)
{
    return push_to(f, f->coll, body, 202);
}

/* POSTs body to A's CH collection with hotline_added_last=added (as B);
 * the HTTP status. */
static long push_dated(struct fx *f, const struct buf *body, const char *added)
{
    char path[256];
    struct exchange_answer a;
    const struct exchange_target t = {"a", f->url, f->fp, f->token};
    snprintf(path, sizeof path, "/api/collections/%s/objects/?hotline_added_last=%s", f->coll,
             added);
    exchange_answer_init(&a);
    if (exchange_client_request(f->client, &t, "POST", path, body->data, body->len, &a, &f->err))
        fail_msg("push: %s", f->err.msg);
    long status = a.status;
    exchange_answer_release(&a);
    return status;
}

static int64_t log_size(struct store *s, const char *party)
{
    int64_t n = -1;
    assert_int_equal(store_log_size(s, party, CH, &n, NULL), 0);
    return n;
}

static long long count_of(const json_t *status, const char *key)
{
    return (long long)json_integer_value(json_object_get(status, key));
}

/* The message of the status's i-th failure. */
static const char *failure_msg(const json_t *status, size_t i)
{
    const char *m = json_string_value(
        json_object_get(json_array_get(json_object_get(status, "failures"), i), "message"));
    return m ? m : "";
}

static bool log_has(struct fx *f, const char *needle)
{
    pthread_mutex_lock(&f->log_lock);
    bool found = strstr(f->log.data, needle) != NULL;
    pthread_mutex_unlock(&f->log_lock);
    return found;
}

/* ---- pinning ---------------------------------------------------------------- */

static void test_client_reaches_a_node_with_the_pinned_certificate(void **state)
{
    struct fx *f = *state;
    struct exchange_answer a;
    const struct exchange_target t = {"a", f->url, f->fp, f->token};
    exchange_answer_init(&a);
    assert_int_equal(
        exchange_client_request(f->client, &t, "GET", "/taxii2/", NULL, 0, &a, &f->err), 0);
    assert_int_equal(a.status, 200);
    assert_non_null(strstr(a.body.data, "\"title\""));
    /* Again, on the kept connection. */
    assert_int_equal(exchange_client_request(f->client, &t, "GET", "/api/", NULL, 0, &a, &f->err),
                     0);
    assert_int_equal(a.status, 200);
    exchange_answer_release(&a);
    char fp[EXCHANGE_FINGERPRINT_LEN + 1], pin[EXCHANGE_PIN_MAX];
    assert_int_equal(exchange_client_probe(f->url, fp, pin, &f->err), 0);
    assert_string_equal(fp, f->fp);
    assert_int_equal(strncmp(pin, "sha256//", 8), 0);
}

static void test_client_refuses_a_wrong_fingerprint_before_sending_credentials(void **state)
{
    struct fx *f = *state;
    struct exchange_answer a;
    char wrong[EXCHANGE_FINGERPRINT_LEN + 1];
    snprintf(wrong, sizeof wrong, "%s", f->fp);
    wrong[0] = wrong[0] == '0' ? '1' : '0';
    const struct exchange_target t = {"a", f->url, wrong, f->token};
    exchange_answer_init(&a);
    assert_int_equal(exchange_client_request(f->client, &t, "GET", "/api/", NULL, 0, &a, &f->err),
                     -HL_E_VERIFY);
    assert_non_null(strstr(f->err.msg, wrong));
    assert_non_null(strstr(f->err.msg, f->fp));
    exchange_answer_release(&a);
    /* The server saw the probe only: no request signed in as b. */
    for (int i = 0; i < 100 && !log_has(f, "HEAD /taxii2/"); i++)
        nanosleep(&(struct timespec){0, 10000000}, NULL);
    assert_true(log_has(f, " - HEAD /taxii2/ 401"));
    assert_false(log_has(f, " b "));
}

/* ---- push ------------------------------------------------------------------- */

static void test_push_takes_entries_in_order_with_one_receipt(void **state)
{
    struct fx *f = *state;
    struct buf body;
    buf_init(&body, 1u << 24);
    append_notes(f, &f->b, 15, NULL); /* entries 0..14 and head 15: checked on every CPU */
    envelope(&f->b, PB, 0, 16, &body);
    json_t *s = push(f, &body);
    assert_int_equal(count_of(s, "success_count"), 16);
    assert_int_equal(count_of(s, "failure_count"), 0);
    assert_null(json_object_get(s, "successes")); /* all of them: the count says it */
    assert_null(json_object_get(s, "failures"));  /* TAXII 2.1 §2: no empty list */
    /* The answer carries what the push made of A's log: the receipt and
     * A's head, as sealed (entries 0 and 1). */
    const json_t *own = json_object_get(s, "hotline_entries");
    assert_int_equal(json_array_size(own), 2);
    assert_string_equal(json_string_value(json_object_get(json_array_get(own, 0), "type")),
                        "hotline-receipt");
    assert_string_equal(json_string_value(json_object_get(json_array_get(own, 1), "type")),
                        LOG_TREE_HEAD_TYPE);
    for (size_t i = 0; i < 2; i++) {
        const json_t *e = json_array_get(own, i);
        assert_string_equal(json_string_value(json_object_get(e, SEAL_PROP_PARTY)), PA);
        assert_int_equal(json_integer_value(json_object_get(e, SEAL_PROP_SEQ)), (json_int_t)i);
    }
    json_decref(s);
    assert_int_equal(log_size(f->a.s, PB), 16);
    assert_int_equal(log_size(f->a.s, PA), 2); /* the receipt and A's head */
    struct store_receipt r;
    assert_int_equal(store_receipt_latest(f->a.s, PB, CH, PA, &r, NULL), 0);
    assert_int_equal(r.size, 16);
    /* Sent again: held already, nothing stored, no new receipt. */
    s = push(f, &body);
    assert_int_equal(count_of(s, "success_count"), 16);
    assert_null(json_object_get(s, "successes"));
    assert_null(json_object_get(s, "hotline_entries")); /* nothing new made */
    json_decref(s);
    assert_int_equal(log_size(f->a.s, PB), 16);
    assert_int_equal(log_size(f->a.s, PA), 2);
    /* A page of them says where it ends: the client keeps the header
     * only as a timestamp, which goes into the next page's URL. */
    struct exchange_answer a;
    char path[200];
    const struct exchange_target t = {"a", f->url, f->fp, f->token};
    snprintf(path, sizeof path, "/api/collections/%s/objects/?limit=3", f->coll);
    exchange_answer_init(&a);
    assert_int_equal(exchange_client_request(f->client, &t, "GET", path, NULL, 0, &a, &f->err), 0);
    assert_int_equal(a.status, 200);
    assert_true(stix_time_parse(a.added_last, NULL));
    exchange_answer_release(&a);
    buf_release(&body);
}

static void test_push_reports_a_gap_and_stores_nothing(void **state)
{
    struct fx *f = *state;
    struct buf body;
    buf_init(&body, 1u << 24);
    append_notes(f, &f->b, 2, NULL); /* 0, 1, head 2 */
    envelope(&f->b, PB, 1, 3, &body);
    json_t *s = push(f, &body);
    assert_int_equal(count_of(s, "failure_count"), 2);
    assert_string_equal(failure_msg(s, 0), "gap: this node holds 0 entries of your log");
    assert_string_equal(failure_msg(s, 1), "not processed: follows refused entry 0");
    assert_null(json_object_get(s, "successes")); /* none: no empty list */
    json_decref(s);
    assert_int_equal(log_size(f->a.s, PB), 0);
    assert_true(log_has(f, "gap: this node holds 0 entries"));
    buf_release(&body);
}

static void test_push_refuses_entries_sealed_by_another_party(void **state)
{
    struct fx *f = *state;
    struct buf body;
    buf_init(&body, 1u << 24);
    append_notes(f, &f->a, 1, NULL); /* A's own entries, pushed as if by b */
    envelope(&f->a, PA, 0, 2, &body);
    json_t *s = push(f, &body);
    assert_int_equal(count_of(s, "success_count"), 0);
    assert_string_equal(failure_msg(s, 0), "sealed by " PA ", but you are " PB);
    json_decref(s);
    assert_int_equal(log_size(f->a.s, PB), 0);
    assert_true(log_has(f, "sealed by " PA));
    buf_release(&body);
}

static void test_push_refuses_a_forged_signature(void **state)
{
    struct fx *f = *state;
    struct buf body;
    buf_init(&body, 1u << 24);
    append_notes(f, &f->b, 1, NULL);
    envelope(&f->b, PB, 0, 2, &body);
    char *p = strstr(body.data, "note number 0");
    assert_non_null(p);
    p[12] = '7'; /* the content changes; the signature stays */
    json_t *s = push(f, &body);
    assert_int_equal(count_of(s, "success_count"), 0);
    assert_non_null(strstr(failure_msg(s, 0), "refused"));
    json_decref(s);
    assert_int_equal(log_size(f->a.s, PB), 0);
    buf_release(&body);
}

/* With a failure, the answer lists the successes before it, each with
 * its message ("held already" for a resend). */
static void test_push_with_a_failure_lists_the_successes(void **state)
{
    struct fx *f = *state;
    struct buf body;
    buf_init(&body, 1u << 24);
    append_notes(f, &f->b, 3, NULL);
    envelope(&f->b, PB, 0, 1, &body);
    json_decref(push(f, &body)); /* entry 0 held */
    buf_clear(&body);
    envelope(&f->b, PB, 0, 3, &body);
    char *p = strstr(body.data, "note number 2");
    assert_non_null(p);
    p[12] = '7';
    json_t *s = push(f, &body);
    assert_int_equal(count_of(s, "success_count"), 2);
    const json_t *ok = json_object_get(s, "successes");
    assert_int_equal(json_array_size(ok), 2);
    assert_string_equal(json_string_value(json_object_get(json_array_get(ok, 0), "message")),
                        "held already");
    assert_null(json_object_get(json_array_get(ok, 1), "message"));
    assert_non_null(strstr(failure_msg(s, 0), "refused"));
    json_decref(s);
    assert_int_equal(log_size(f->a.s, PB), 2);
    buf_release(&body);
}

static void test_push_refuses_a_valid_seal_by_another_key(void **state)
{
    struct fx *f = *state;
    struct buf body;
    buf_init(&body, 1u << 24);
    append_notes(f, &f->bx, 3, NULL); /* sealed for PB's log, with a key that is not PB's */
    envelope(&f->bx, PB, 0, 4, &body);
    json_t *s = push(f, &body);
    assert_int_equal(count_of(s, "success_count"), 0);
    assert_non_null(strstr(failure_msg(s, 0), "not signed by the key of " PB));
    json_decref(s);
    assert_int_equal(log_size(f->a.s, PB), 0);
    buf_release(&body);
}

static int count_alarm(void *ctx, const struct store_alarm *a)
{
    assert_string_equal(a->kind, STORE_ALARM_EQUIVOCATION);
    assert_true(a->evidence_a_len > 0 && a->evidence_b_len > 0);
    assert_true(a->evidence_a_len != a->evidence_b_len ||
                memcmp(a->evidence_a, a->evidence_b, a->evidence_a_len) != 0);
    (*(int *)ctx)++;
    return 0;
}

static void test_push_of_a_second_history_raises_an_alarm_with_both_objects(void **state)
{
    struct fx *f = *state;
    struct buf body;
    int alarms = 0;
    buf_init(&body, 1u << 24);
    append_notes(f, &f->b, 1, NULL);
    append_notes(f, &f->b2, 1, NULL); /* same key, another entry 0 */
    envelope(&f->b, PB, 0, 2, &body);
    json_decref(push(f, &body));
    envelope(&f->b2, PB, 0, 2, &body);
    json_t *s = push(f, &body);
    assert_non_null(strstr(failure_msg(s, 0), "equivocation"));
    json_decref(s);
    assert_int_equal(store_alarm_list(f->a.s, CH, count_alarm, &alarms, NULL), 0);
    assert_int_equal(alarms, 1);
    assert_int_equal(log_size(f->a.s, PB), 2); /* the first history, not the second */
    json_decref(push(f, &body));               /* again: no second alarm */
    alarms = 0;
    assert_int_equal(store_alarm_list(f->a.s, CH, count_alarm, &alarms, NULL), 0);
    assert_int_equal(alarms, 1);
    assert_true(log_has(f, "ALARM equivocation"));
    buf_release(&body);
}

static void test_push_into_a_channel_the_peer_is_not_in_is_forbidden(void **state)
{
    struct fx *f = *state;
    struct buf body;
    char coll2[37];
    buf_init(&body, 1u << 24);
    append_notes(f, &f->b, 1, NULL);
    envelope(&f->b, PB, 0, 2, &body);
    assert_int_equal(taxii_collection_id(CH2, coll2), 0);
    json_t *e = push_to(f, coll2, &body, 403);
    assert_non_null(strstr(json_string_value(json_object_get(e, "description")),
                           "not a member of channel " CH2));
    json_decref(e);
    assert_int_equal(log_size(f->a.s, PB), 0);
    assert_true(log_has(f, "refused push from b"));
    buf_release(&body);
}

static void test_a_peer_account_deletes_nothing(void **state)
{
    struct fx *f = *state;
    struct buf body;
    struct exchange_answer a;
    char path[256];
    const struct exchange_target t = {"a", f->url, f->fp, f->token};
    buf_init(&body, 1u << 24);
    append_notes(f, &f->b, 1, NULL);
    envelope(&f->b, PB, 0, 2, &body);
    json_decref(push(f, &body));
    json_t *env = json_loadb(body.data, body.len, 0, NULL);
    const char *id = json_string_value(
        json_object_get(json_array_get(json_object_get(env, "objects"), 0), "id"));
    snprintf(path, sizeof path, "/api/collections/%s/objects/%s/", f->coll, id);
    exchange_answer_init(&a);
    assert_int_equal(exchange_client_request(f->client, &t, "DELETE", path, NULL, 0, &a, &f->err),
                     0);
    assert_int_equal(a.status, 403);
    assert_int_equal(exchange_client_request(f->client, &t, "GET", path, NULL, 0, &a, &f->err), 0);
    assert_int_equal(a.status, 200); /* still served */
    exchange_answer_release(&a);
    json_decref(env);
    buf_release(&body);
}

static int tlp_one(void *ctx, const char *channel, const char *tlp)
{
    assert_string_equal(channel, CH);
    snprintf(ctx, 32, "%s", tlp);
    return 0;
}

static void test_push_records_objects_under_tlp_amber(void **state)
{
    struct fx *f = *state;
    struct buf body;
    char tlp[32] = "";
    buf_init(&body, 1u << 24);
    append_notes(f, &f->b, 1, "marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421");
    envelope(&f->b, PB, 0, 2, &body);
    json_decref(push(f, &body));
    json_t *obj = json_loadb(body.data, body.len, 0, NULL);
    const char *id = json_string_value(
        json_object_get(json_array_get(json_object_get(obj, "objects"), 0), "id"));
    assert_int_equal(store_tlp_find(f->a.s, id, tlp_one, tlp, NULL), 0);
    assert_string_equal(tlp, STORE_TLP_AMBER);
    json_decref(obj);
    buf_release(&body);
}

/* ---- the pull cursor moved by pushes ----------------------------------------- */

static void test_a_whole_push_in_a_channel_of_two_moves_the_pull_cursor(void **state)
{
    struct fx *f = *state;
    struct buf body;
    struct store_repl cur;
    buf_init(&body, 1u << 22);
    append_notes(f, &f->b, 3, NULL); /* B's entries 0..2, head 3 */
    append_notes(f, &f->b, 3, NULL); /* 4..6, head 7 */
    envelope(&f->b, PB, 0, 4, &body);
    assert_int_equal(push_dated(f, &body, "2026-11-29T06:00:00.123456Z"), 202);
    assert_true(f->whole_of_two);
    assert_int_equal(store_repl_get(f->a.s, PB, CH, &cur, NULL), 0);
    assert_string_equal(cur.pull_next, "2026-11-29T06:00:00.123456Z");
    assert_int_equal(cur.pull_added_us, 1795932000123456LL);
    /* Forward only, and by 100 ms at least: the same entries dated
     * earlier, or later by less, leave it. */
    assert_int_equal(push_dated(f, &body, "2026-11-29T05:00:00Z"), 202);
    assert_int_equal(push_dated(f, &body, "2026-11-29T06:00:00.200000Z"), 202);
    assert_int_equal(store_repl_get(f->a.s, PB, CH, &cur, NULL), 0);
    assert_string_equal(cur.pull_next, "2026-11-29T06:00:00.123456Z");
    /* Not a timestamp: refused before anything is read or stored. */
    envelope(&f->b, PB, 4, 8, &body);
    assert_int_equal(push_dated(f, &body, "yesterday"), 400);
    assert_int_equal(log_size(f->a.s, PB), 4);
    /* A push with a gap moves nothing. */
    struct buf late;
    buf_init(&late, 1u << 22);
    envelope(&f->b, PB, 5, 8, &late);
    assert_int_equal(push_dated(f, &late, "2026-11-29T07:00:00Z"), 202);
    assert_false(f->whole_of_two);
    assert_int_equal(store_repl_get(f->a.s, PB, CH, &cur, NULL), 0);
    assert_string_equal(cur.pull_next, "2026-11-29T06:00:00.123456Z");
    buf_release(&late);
    /* In a channel of three, the pusher's collection holds the third
     * member's entries too: its push says nothing of them. */
    uint8_t pk[32];
    memset(pk, 7, sizeof pk);
    struct store_party c = {.id = "identity--cccccccc-0000-4000-8000-000000000003", .name = "C"};
    memcpy(c.public_key, pk, 32);
    assert_int_equal(store_party_put(f->a.s, &c, NULL), 0);
    assert_int_equal(store_channel_member_add(f->a.s, CH, c.id, NULL), 0);
    assert_int_equal(push_dated(f, &body, "2026-11-29T08:00:00Z"), 202);
    assert_false(f->whole_of_two);
    assert_int_equal(log_size(f->a.s, PB), 8);
    assert_int_equal(store_repl_get(f->a.s, PB, CH, &cur, NULL), 0);
    assert_string_equal(cur.pull_next, "2026-11-29T06:00:00.123456Z");
    buf_release(&body);
}

/* ---- delivery from receipts taken before their commit (seen.c) ---------- */

struct asker {
    struct fx *f;
    char path[420];
    json_t *answer;
    double ms;
};

static double mono_ms(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec * 1e3 + (double)t.tv_nsec / 1e6;
}

static void *ask_delivery(void *arg)
{
    struct asker *k = arg;
    struct exchange_client *c = NULL;
    struct hl_error err;
    assert_int_equal(exchange_client_new(10, &c, &err), 0);
    double t0 = mono_ms();
    k->answer = get_json(k->f, c, k->path);
    k->ms = mono_ms() - t0;
    exchange_client_free(c);
    return NULL;
}

/* B's line in a delivery answer. */
static const json_t *member_b(const json_t *d)
{
    const json_t *m = json_array_get(json_object_get(d, "members"), 0);
    assert_string_equal(json_string_value(json_object_get(m, "party")), PB);
    return m;
}

static void test_delivery_counts_a_receipt_taken_before_its_commit(void **state)
{
    struct fx *f = *state;
    char oid[STIX_ID_MAX] = "", path[400];
    append_notes(f, &f->a, 1, NULL); /* A's log: the note (0), its head (1) */
    struct buf first;
    buf_init(&first, 1u << 20);
    envelope(&f->a, PA, 0, 1, &first);
    json_t *env = json_loadb(first.data, first.len, 0, NULL);
    snprintf(oid, sizeof oid, "%s",
             json_string_value(json_object_get(
                 json_array_get(json_object_get(env, "objects"), 0), "id")));
    json_decref(env);
    buf_release(&first);
    snprintf(path, sizeof path, "/api/hotline/collections/%s/delivery/?object=%s", f->coll, oid);
    json_t *d = get_json(f, f->client, path);
    assert_true(json_is_false(json_object_get(member_b(d), "delivered")));
    json_decref(d);
    /* B's receipt for A's log up to 2 entries, as the worker would hand
     * it over from B's answer (with B's head beside it, ignored). */
    json_t *taken = json_pack("[{s:s, s:s, s:I, s:s, s:s, s:I, s:s}, {s:s, s:s, s:I}]", "type",
                              LOG_RECEIPT_TYPE, "hotline_party", PB, "hotline_seq", 7,
                              "log_party", PA, "log_channel", CH, "tree_size", 2, "created",
                              "2026-11-29T06:00:00.000Z", "type", LOG_TREE_HEAD_TYPE,
                              "hotline_party", PB, "hotline_seq", 8);
    assert_non_null(taken);
    taxii_server_receipts_taken(f->srv, CH2, taken); /* another channel: no */
    d = get_json(f, f->client, path);
    assert_true(json_is_false(json_object_get(member_b(d), "delivered")));
    json_decref(d);
    /* A request waiting for the receipt answers once it is taken. */
    struct asker k = {.f = f};
    snprintf(k.path, sizeof k.path, "%s&wait=5000", path);
    pthread_t t;
    assert_int_equal(pthread_create(&t, NULL, ask_delivery, &k), 0);
    struct timespec pause = {0, 200 * 1000000L};
    nanosleep(&pause, NULL);
    taxii_server_receipts_taken(f->srv, CH, taken);
    assert_int_equal(pthread_join(t, NULL), 0);
    assert_true(k.ms < 4000); /* not at the wait's end */
    const json_t *m = member_b(k.answer);
    assert_true(json_is_true(json_object_get(m, "delivered")));
    assert_int_equal(json_integer_value(json_object_get(m, "receipt_seq")), 7);
    assert_int_equal(json_integer_value(json_object_get(m, "receipt_size")), 2);
    assert_string_equal(json_string_value(json_object_get(m, "receipt_time")),
                        "2026-11-29T06:00:00.000Z");
    json_decref(k.answer);
    /* Nothing was stored: the answer came from the receipt taken. */
    struct store_receipt r;
    assert_int_equal(store_receipt_latest(f->a.s, PA, CH, PB, &r, NULL), -HL_E_NOT_FOUND);
    json_decref(taken);
}

/* What an answer's Date proves of the peer's clock: the skew lies in
 * (date - date_seen, date + 1 s - sent); the bound nearer zero, or 0. */
static void test_answer_clock_skew_is_what_the_date_proves(void **state)
{
    (void)state;
    struct exchange_answer a;
    int64_t skew = 99;
    exchange_answer_init(&a);
    assert_false(exchange_answer_clock_skew(&a, &skew)); /* no Date */
    a.sent_us = 1000000000000000;
    a.date_seen_us = a.sent_us + 2000; /* a 2 ms trip */
    a.date_us = a.sent_us - 300000;    /* read within the same second */
    assert_true(exchange_answer_clock_skew(&a, &skew));
    assert_int_equal(skew, 0);
    a.date_us = a.sent_us + 3600000000; /* an hour ahead */
    assert_true(exchange_answer_clock_skew(&a, &skew));
    assert_int_equal(skew, 3599998); /* date - date_seen */
    a.date_us = a.sent_us - 5000000; /* five seconds behind */
    assert_true(exchange_answer_clock_skew(&a, &skew));
    assert_int_equal(skew, -4000);  /* date + 1 s - sent */
    a.date_seen_us = a.sent_us - 1; /* a clock that went back: no proof */
    assert_false(exchange_answer_clock_skew(&a, &skew));
    exchange_answer_release(&a);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_answer_clock_skew_is_what_the_date_proves),
        cmocka_unit_test_setup_teardown(test_client_reaches_a_node_with_the_pinned_certificate,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(
            test_client_refuses_a_wrong_fingerprint_before_sending_credentials, setup, teardown),
        cmocka_unit_test_setup_teardown(test_push_takes_entries_in_order_with_one_receipt, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_push_reports_a_gap_and_stores_nothing, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_push_refuses_entries_sealed_by_another_party, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_push_refuses_a_forged_signature, setup, teardown),
        cmocka_unit_test_setup_teardown(test_push_with_a_failure_lists_the_successes, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_push_refuses_a_valid_seal_by_another_key, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(
            test_push_of_a_second_history_raises_an_alarm_with_both_objects, setup, teardown),
        cmocka_unit_test_setup_teardown(test_push_into_a_channel_the_peer_is_not_in_is_forbidden,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(test_push_records_objects_under_tlp_amber, setup, teardown),
        cmocka_unit_test_setup_teardown(test_a_peer_account_deletes_nothing, setup, teardown),
        cmocka_unit_test_setup_teardown(test_delivery_counts_a_receipt_taken_before_its_commit,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(test_a_whole_push_in_a_channel_of_two_moves_the_pull_cursor,
                                        setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
