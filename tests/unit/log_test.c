/*
 * log_test.c — the per-(party, channel) logs (ledger.h, log section) on
 * real SQLite files: sealed batches and their tree heads, subtree hashes
 * that serve RFC 9162 proofs, another party's entries taken only in order
 * under their own seal, receipts, the audit of a store and of an evidence
 * file, imports, and equivocation kept as evidence. Where a test must
 * reach past the interface (to tamper with a row) it uses sqlite3 on the
 * same file, as an attacker with the file would.
 */
/* cmocka.h needs these first. */
// clang-format off
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
// clang-format on

#include <fcntl.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ledger/ledger.h"
#include "stix/stix.h"
#include "store/store.h"

#define PA "identity--aaaaaaaa-0000-4000-8000-000000000001"
#define PB "identity--bbbbbbbb-0000-4000-8000-000000000002"
#define CH "us-ru"
#define NOW 1795000000000000LL /* µs, 2026-11-18 */

struct node {
    char path[128];
    struct store *s;
    struct seal_key key;
    struct log_signer me;
};

struct fx {
    char dir[64];
    struct node a, b;
    struct hl_error err;
};

static void node_open(struct fx *f, struct node *n, const char *name, const char *party,
                      uint8_t seed_byte)
{
    uint8_t seed[32];
    memset(seed, seed_byte, sizeof seed);
    snprintf(n->path, sizeof n->path, "%s/%s.db", f->dir, name);
    assert_int_equal(store_open(n->path, NULL, &n->s, &f->err), 0);
    assert_int_equal(seal_key_from_seed(&n->key, seed, NULL), 0);
    n->me = (struct log_signer){party, &n->key};
    struct store_party p = {0};
    snprintf(p.id, sizeof p.id, "%s", party);
    snprintf(p.name, sizeof p.name, "%s", name);
    memcpy(p.public_key, n->key.pk, 32);
    assert_int_equal(store_party_put(n->s, &p, NULL), 0);
    struct store_channel c = {.created_us = NOW};
    snprintf(c.name, sizeof c.name, CH);
    assert_int_equal(store_channel_create(n->s, &c, NULL), 0);
    assert_int_equal(store_channel_member_add(n->s, CH, party, NULL), 0);
}

/* Makes node n know party p of node o (its key) as a channel member. */
static void node_trust(struct node *n, const struct node *o)
{
    struct store_party p = {0};
    snprintf(p.id, sizeof p.id, "%s", o->me.party);
    snprintf(p.name, sizeof p.name, "peer");
    memcpy(p.public_key, o->key.pk, 32);
    assert_int_equal(store_party_put(n->s, &p, NULL), 0);
    assert_int_equal(store_channel_member_add(n->s, CH, o->me.party, NULL), 0);
}

static int setup(void **state)
{
    struct fx *f = calloc(1, sizeof *f);
    assert_non_null(f);
    snprintf(f->dir, sizeof f->dir, "/tmp/log_test.XXXXXX");
    assert_non_null(mkdtemp(f->dir));
    node_open(f, &f->a, "a", PA, 1);
    node_open(f, &f->b, "b", PB, 2);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fx *f = *state;
    char cmd[128];
    store_close(f->a.s);
    store_close(f->b.s);
    seal_key_wipe(&f->a.key);
    seal_key_wipe(&f->b.key);
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", f->dir);
    assert_int_equal(system(cmd), 0);
    free(f);
    return 0;
}

/* A fresh, valid note (a new id every call). */
static json_t *note_new(int i)
{
    char id[STIX_ID_MAX], text[64];
    assert_int_equal(stix_id_new("note", id), 0);
    snprintf(text, sizeof text, "note number %d: ünïcödé and \"quotes\"", i);
    json_t *o =
        json_pack("{s:s,s:s,s:s,s:s,s:s,s:s,s:[s]}", "type", "note", "spec_version", "2.1", "id",
                  id, "created", "2026-11-18T10:00:00.000Z", "modified", "2026-11-18T10:00:00.000Z",
                  "content", text, "object_refs", "identity--aaaaaaaa-0000-4000-8000-000000000001");
    assert_non_null(o);
    return o;
}

/* Appends n notes in one batch to node's log. */
static void append_notes(struct fx *f, struct node *n, int count, struct log_append_result *res)
{
    json_t *objs[64];
    assert_true(count <= 64);
    for (int i = 0; i < count; i++)
        objs[i] = note_new(i);
    int rc = log_append(n->s, &n->me, CH, objs, (size_t)count, NOW, res, &f->err);
    if (rc)
        fail_msg("log_append: %s: %s", f->err.where, f->err.msg);
    for (int i = 0; i < count; i++)
        json_decref(objs[i]);
}

struct leaves {
    uint8_t h[512][32];
    uint64_t n;
    int heads;
};

static int collect_leaf(void *ctx, const struct store_log_entry *e, const struct store_object *o)
{
    struct leaves *l = ctx;
    uint8_t h[32];
    assert_int_equal(merkle_leaf_hash(o->json, o->json_len, h), 0);
    assert_memory_equal(h, e->leaf_hash, 32);
    assert_int_equal(e->seq, (int64_t)l->n);
    l->heads += strcmp(o->type, LOG_TREE_HEAD_TYPE) == 0;
    memcpy(l->h[l->n++], h, 32);
    return 0;
}

static void test_append_batches_end_with_heads(void **state)
{
    struct fx *f = *state;
    struct log_append_result r1, r2;
    struct leaves l = {0};
    uint8_t root[32];
    int64_t size;
    append_notes(f, &f->a, 3, &r1);
    assert_int_equal(r1.first_seq, 0);
    assert_int_equal(r1.n, 3);
    assert_int_equal(r1.head_seq, 3);
    append_notes(f, &f->a, 5, &r2);
    assert_int_equal(r2.first_seq, 4);
    assert_int_equal(r2.head_seq, 9);
    assert_int_equal(store_log_size(f->a.s, PA, CH, &size, NULL), 0);
    assert_int_equal(size, 10);
    assert_int_equal(store_log_scan(f->a.s, PA, CH, 0, collect_leaf, &l, NULL), 0);
    assert_int_equal(l.heads, 2);
    /* The heads state the RFC 9162 root of the entries before them. */
    assert_int_equal(merkle_root(l.h, 3, root), 0);
    assert_memory_equal(root, r1.root, 32);
    assert_int_equal(merkle_root(l.h, 9, root), 0);
    assert_memory_equal(root, r2.root, 32);
    assert_int_equal(log_root(f->a.s, PA, CH, 9, root, NULL), 0);
    assert_memory_equal(root, r2.root, 32);
    struct store_tree_head h;
    assert_int_equal(store_tree_head_latest(f->a.s, PA, CH, &h, NULL), 0);
    assert_int_equal(h.size, 9);
    assert_memory_equal(h.root, r2.root, 32);
}

/* Rows are dated in arrival order whatever clock a writer reads: each
 * object of a batch 1 µs after the previous, and a batch whose clock is
 * behind the channel's last row after that row. */
static void test_rows_dated_in_arrival_order(void **state)
{
    struct fx *f = *state;
    json_t *objs[3] = {note_new(1), note_new(2), note_new(3)};
    int64_t last = 0;
    assert_int_equal(log_append(f->a.s, &f->a.me, CH, objs, 2, NOW, NULL, &f->err), 0);
    assert_int_equal(store_channel_last_added(f->a.s, CH, &last, NULL), 0);
    assert_int_equal(last, NOW + 2); /* two objects, then the head */
    assert_int_equal(log_append(f->a.s, &f->a.me, CH, objs + 2, 1, NOW - 5000000, NULL, &f->err),
                     0);
    assert_int_equal(store_channel_last_added(f->a.s, CH, &last, NULL), 0);
    assert_int_equal(last, NOW + 4);
    for (int i = 0; i < 3; i++)
        json_decref(objs[i]);
}

/* Proofs served from the stored subtree hashes verify against roots
 * recomputed from the leaves, at every size of a log built in batches of
 * varying length. */
static void test_proofs_from_tiles(void **state)
{
    struct fx *f = *state;
    struct leaves l = {0};
    uint8_t proof[MERKLE_MAX_PROOF][32], r1[32], r2[32];
    size_t np;
    for (int b = 1; b <= 12; b++)
        append_notes(f, &f->a, b % 7 + 1, NULL);
    assert_int_equal(store_log_scan(f->a.s, PA, CH, 0, collect_leaf, &l, NULL), 0);
    for (uint64_t size = 1; size <= l.n; size++) {
        assert_int_equal(merkle_root(l.h, size, r2), 0);
        for (uint64_t i = 0; i < size; i += 3) {
            assert_int_equal(log_prove_inclusion(f->a.s, PA, CH, size, i, proof, &np, NULL), 0);
            assert_int_equal(merkle_verify_inclusion(i, size, l.h[i], proof, np, r2, NULL), 0);
        }
        for (uint64_t m = 1; m <= size; m += 5) {
            assert_int_equal(merkle_root(l.h, m, r1), 0);
            assert_int_equal(log_prove_consistency(f->a.s, PA, CH, m, size, proof, &np, NULL), 0);
            assert_int_equal(merkle_verify_consistency(m, size, r1, r2, proof, np, NULL), 0);
        }
    }
    assert_int_equal(log_prove_inclusion(f->a.s, PA, CH, l.n + 1, 0, proof, &np, &f->err),
                     -HL_E_NOT_FOUND);
}

static void test_append_refusals_store_nothing(void **state)
{
    struct fx *f = *state;
    int64_t size;
    json_t *objs[2] = {note_new(1), NULL};
    objs[1] = json_deep_copy(objs[0]); /* same id and version twice */
    assert_int_equal(log_append(f->a.s, &f->a.me, CH, objs, 2, NOW, NULL, &f->err), -HL_E_EXISTS);
    assert_int_equal(store_log_size(f->a.s, PA, CH, &size, NULL), 0);
    assert_int_equal(size, 0);
    json_decref(objs[1]);
    objs[1] = json_pack("{s:s,s:s,s:s}", "type", LOG_TREE_HEAD_TYPE, "spec_version", "2.1", "id",
                        "hotline-tree-head--aaaaaaaa-0000-4000-8000-000000000009");
    json_decref(objs[0]);
    objs[0] = note_new(2);
    assert_int_equal(log_append(f->a.s, &f->a.me, CH, objs, 2, NOW, NULL, &f->err), -HL_E_INVALID);
    assert_int_equal(log_append(f->a.s, &f->a.me, "Bad Name", objs, 1, NOW, NULL, &f->err),
                     -HL_E_INVALID);
    assert_int_equal(log_append(f->a.s, &f->a.me, CH, objs, 0, NOW, NULL, &f->err),
                     -HL_E_TOO_LARGE);
    assert_int_equal(log_append(f->a.s, &f->a.me, "no-such-channel", objs, 1, NOW, NULL, &f->err),
                     -HL_E_NOT_FOUND);
    assert_int_equal(store_log_size(f->a.s, PA, CH, &size, NULL), 0);
    assert_int_equal(size, 0);
    json_decref(objs[0]);
    json_decref(objs[1]);
}

struct entries {
    char *json[512];
    size_t len[512];
    size_t n;
};

static int collect_json(void *ctx, const struct store_log_entry *e, const struct store_object *o)
{
    struct entries *l = ctx;
    (void)e;
    l->json[l->n] = strndup((const char *)o->json, o->json_len);
    l->len[l->n++] = o->json_len;
    return 0;
}

static void entries_free(struct entries *l)
{
    for (size_t i = 0; i < l->n; i++)
        free(l->json[i]);
    l->n = 0;
}

static int accept(struct fx *f, struct node *n, const char *party, const char *json, size_t len,
                  enum log_accept *what)
{
    int rc = store_begin(n->s, NULL);
    assert_int_equal(rc, 0);
    rc = log_accept_in(n->s, party, CH, (const uint8_t *)json, len, NOW, what, &f->err);
    if (rc)
        assert_int_equal(store_rollback(n->s, NULL), 0);
    else
        assert_int_equal(store_commit(n->s, NULL), 0);
    return rc;
}

static void test_accept_in_order_under_own_seal(void **state)
{
    struct fx *f = *state;
    struct entries l = {0};
    enum log_accept what;
    int64_t size;
    append_notes(f, &f->a, 3, NULL);
    assert_int_equal(store_log_scan(f->a.s, PA, CH, 0, collect_json, &l, NULL), 0);
    /* Unknown party: refused. */
    assert_int_equal(accept(f, &f->b, PA, l.json[0], l.len[0], &what), -HL_E_PERM);
    node_trust(&f->b, &f->a);
    /* A gap: entry 1 before entry 0. */
    assert_int_equal(accept(f, &f->b, PA, l.json[1], l.len[1], &what), -HL_E_CONFLICT);
    /* Claimed for another party's log. */
    assert_int_equal(accept(f, &f->b, PB, l.json[0], l.len[0], &what), -HL_E_VERIFY);
    /* One byte changed: the seal fails. */
    char *bad = strdup(l.json[0]);
    char *c = strstr(bad, "note number");
    c[0] = 'N';
    assert_int_equal(accept(f, &f->b, PA, bad, l.len[0], &what), -HL_E_VERIFY);
    free(bad);
    for (size_t i = 0; i < l.n; i++) {
        assert_int_equal(accept(f, &f->b, PA, l.json[i], l.len[i], &what), 0);
        assert_int_equal(what, LOG_ACCEPTED);
    }
    /* The same entry again is a no-op. */
    assert_int_equal(accept(f, &f->b, PA, l.json[1], l.len[1], &what), 0);
    assert_int_equal(what, LOG_DUPLICATE);
    assert_int_equal(store_log_size(f->b.s, PA, CH, &size, NULL), 0);
    assert_int_equal(size, 4);
    struct store_tree_head h;
    assert_int_equal(store_tree_head_latest(f->b.s, PA, CH, &h, NULL), 0);
    assert_int_equal(h.size, 3);
    entries_free(&l);
}

/* A run takes checked entries in a row: in order, a resent one as a
 * duplicate, a gap refused without breaking the run, another party's
 * seal refused; the log then audits clean. */
static void test_accept_run_takes_in_order(void **state)
{
    struct fx *f = *state;
    struct entries l = {0};
    struct log_accept_run *run = NULL;
    enum log_accept what;
    int64_t size = 0;
    append_notes(f, &f->a, 5, NULL);
    assert_int_equal(store_log_scan(f->a.s, PA, CH, 0, collect_json, &l, NULL), 0);
    node_trust(&f->b, &f->a);
    assert_int_equal(store_begin(f->b.s, NULL), 0);
    assert_int_equal(log_accept_run_open(f->b.s, PB, CH, NOW, &run, &f->err), 0);
    log_accept_run_close(run); /* B's own log opens too; a peer's is what matters */
    assert_int_equal(log_accept_run_open(f->b.s, PA, CH, NOW, &run, &f->err), 0);
    size_t order[] = {0, 1, 1, 3, 2, 3, 4, 5};
    int want[] = {0, 0, 0, -HL_E_CONFLICT, 0, 0, 0, 0};
    for (size_t k = 0; k < sizeof order / sizeof order[0]; k++) {
        size_t i = order[k];
        json_t *o = json_loadb(l.json[i], l.len[i], 0, NULL);
        struct seal_info info;
        assert_int_equal(seal_verify_canonical(o, (const uint8_t *)l.json[i], l.len[i], &info,
                                               NULL),
                         0);
        assert_int_equal(log_accept_run_take(run, o, &info, (const uint8_t *)l.json[i], l.len[i],
                                             &what, &f->err),
                         want[k]);
        if (k == 2)
            assert_int_equal(what, LOG_DUPLICATE);
        json_decref(o);
    }
    log_accept_run_close(run);
    assert_int_equal(store_commit(f->b.s, NULL), 0);
    assert_int_equal(store_log_size(f->b.s, PA, CH, &size, NULL), 0);
    assert_int_equal(size, 6);
    assert_int_equal(log_audit_store(f->b.s, NULL, NULL, &f->err), 0);
    entries_free(&l);
}

static int count_failure(void *ctx, const struct log_failure *fl)
{
    int *n = ctx;
    (*n)++;
    (void)fl;
    return 0;
}

/* Copies A's log to B, B cosigns, and both stores audit clean. */
static void exchange(struct fx *f, struct log_audit_summary *sum)
{
    struct entries l = {0};
    enum log_accept what;
    struct log_append_result r;
    append_notes(f, &f->a, 4, NULL);
    append_notes(f, &f->a, 2, NULL);
    node_trust(&f->b, &f->a);
    assert_int_equal(store_log_scan(f->a.s, PA, CH, 0, collect_json, &l, NULL), 0);
    for (size_t i = 0; i < l.n; i++)
        assert_int_equal(accept(f, &f->b, PA, l.json[i], l.len[i], &what), 0);
    entries_free(&l);
    assert_int_equal(log_receipt_publish(f->b.s, &f->b.me, PA, CH, NOW, &r, &f->err), 0);
    assert_int_equal(r.first_seq, 0);
    assert_int_equal(log_receipt_publish(f->b.s, &f->b.me, PB, CH, NOW, &r, &f->err),
                     -HL_E_INVALID);
    struct store_receipt rc;
    assert_int_equal(store_receipt_latest(f->b.s, PA, CH, PB, &rc, NULL), 0);
    assert_int_equal(rc.size, 8);
    int fails = 0;
    struct log_audit_options opt = {.threads = 2, .fail = count_failure, .ctx = &fails};
    assert_int_equal(log_audit_store(f->b.s, &opt, sum, &f->err), 0);
    assert_int_equal(fails, 0);
}

static void test_receipts_and_clean_audit(void **state)
{
    struct fx *f = *state;
    struct log_audit_summary sum;
    exchange(f, &sum);
    assert_int_equal(sum.logs, 2);
    assert_int_equal(sum.entries, 8 + 2);
    assert_int_equal(sum.receipts, 1);
    assert_true(sum.tree_heads >= 3);
    assert_int_equal(log_audit_store(f->a.s, NULL, &sum, &f->err), 0);
}

struct first_failure {
    char what[512];
    char party[64];
    int64_t seq;
    int n;
    bool evidence;
    bool equivocation; /* any failure said so */
};

static int note_failure(void *ctx, const struct log_failure *fl)
{
    struct first_failure *ff = ctx;
    if (strstr(fl->what, "equivocation"))
        ff->equivocation = true;
    if (ff->n++ == 0) {
        snprintf(ff->what, sizeof ff->what, "%s", fl->what);
        snprintf(ff->party, sizeof ff->party, "%s", fl->party);
        ff->seq = fl->seq;
        ff->evidence = fl->evidence[0] && fl->evidence[1];
    }
    return 0;
}

static void tamper(const char *path, const char *sql)
{
    sqlite3 *db;
    assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
    char *msg = NULL;
    int rc = sqlite3_exec(db, sql, NULL, NULL, &msg);
    if (rc != SQLITE_OK)
        fail_msg("%s: %s", sql, msg);
    sqlite3_close(db);
}

static void audit_expect(struct fx *f, struct node *n, const char *needle, int64_t seq)
{
    struct first_failure ff = {0};
    struct log_audit_options opt = {.fail = note_failure, .ctx = &ff};
    int rc = log_audit_store(n->s, &opt, NULL, &f->err);
    if (rc != -HL_E_VERIFY)
        fail_msg("audit returned %d (%s: %s), expected a failure '%s'", rc, f->err.where,
                 f->err.msg, needle);
    if (!strstr(ff.what, needle))
        fail_msg("expected '%s' in '%s'", needle, ff.what);
    assert_int_equal(ff.seq, seq);
    /* Tampering by whoever holds the file is not the party equivocating. */
    assert_false(ff.equivocation);
}

static void test_audit_names_tampering(void **state)
{
    struct fx *f = *state;
    struct log_audit_summary sum;
    exchange(f, &sum);
    store_close(f->b.s);
    f->b.s = NULL;
    char copy[160], cmd[1024];
    snprintf(copy, sizeof copy, "%s/t.db", f->dir);
    static const struct {
        const char *sql, *needle;
        int64_t seq;
    } cases[] = {
        {"UPDATE objects SET json = CAST(replace(CAST(json AS TEXT), 'number 2', 'number 7') AS "
         "BLOB) WHERE row = "
         "(SELECT object_row FROM log_entries WHERE seq = 2 AND log_id = 1)",
         "seal does not verify", 2},
        {"DROP TRIGGER log_entries_in_order; DELETE FROM log_entries WHERE seq = 3 AND log_id = 1",
         "expected seq 3", 3},
        {"UPDATE log_entries SET object_row = CASE seq WHEN 1 THEN (SELECT object_row FROM "
         "log_entries WHERE seq = 2 AND log_id = 1) ELSE (SELECT object_row FROM log_entries "
         "WHERE seq = 1 AND log_id = 1) END WHERE seq IN (1, 2) AND log_id = 1",
         "sealed as entry", 1},
        {"UPDATE tiles SET hash = zeroblob(32) WHERE level = 2 AND last = 3 AND log_id = 1",
         "subtree hash", 0},
        {"DELETE FROM log_entries WHERE seq >= 5 AND log_id = 1", "missing at its end", 7},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        snprintf(cmd, sizeof cmd, "cp '%s' '%s' && rm -f '%s-wal' '%s-shm'", f->b.path, copy, copy,
                 copy);
        assert_int_equal(system(cmd), 0);
        tamper(copy, cases[i].sql);
        struct node t = {.s = NULL};
        assert_int_equal(store_open(copy, NULL, &t.s, &f->err), 0);
        audit_expect(f, &t, cases[i].needle, cases[i].seq);
        store_close(t.s);
    }
    assert_int_equal(store_open(f->b.path, NULL, &f->b.s, &f->err), 0);
}

static int export_to(struct fx *f, struct node *n, const char *name, char *path, size_t max)
{
    snprintf(path, max, "%s/%s.jsonl", f->dir, name);
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    assert_true(fd >= 0);
    uint64_t entries = 0;
    int rc = log_export(n->s, NULL, fd, &entries, &f->err);
    close(fd);
    return rc;
}

static void test_export_import_both_ways(void **state)
{
    struct fx *f = *state;
    char fa[160], fb[160];
    struct log_import_result res;
    struct log_audit_summary sum;
    append_notes(f, &f->a, 3, NULL);
    assert_int_equal(export_to(f, &f->a, "a", fa, sizeof fa), 0);
    assert_int_equal(log_audit_file(fa, NULL, &sum, &f->err), 0);
    assert_int_equal(sum.entries, 4);
    /* Unpinned, unknown key: refused, nothing stored. */
    assert_int_equal(log_import(f->b.s, &f->b.me, fa, NULL, NOW, &res, &f->err), -HL_E_PERM);
    assert_int_equal(log_import(f->b.s, &f->b.me, fa, f->a.key.pk, NOW, &res, &f->err), 0);
    assert_int_equal(res.accepted, 4);
    assert_int_equal(res.receipts, 1);
    uint8_t root[32];
    assert_string_equal(res.published[0].party, PA);
    assert_string_equal(res.published[0].channel, CH);
    assert_int_equal(res.published[0].tree_size, 4);
    assert_int_equal(log_root(f->b.s, PA, CH, 4, root, NULL), 0);
    assert_memory_equal(res.published[0].root, root, 32);
    /* Importing again changes nothing and publishes no receipt. */
    assert_int_equal(log_import(f->b.s, &f->b.me, fa, NULL, NOW, &res, &f->err), 0);
    assert_int_equal(res.duplicates, 4);
    assert_int_equal(res.receipts, 0);
    assert_int_equal(export_to(f, &f->b, "b", fb, sizeof fb), 0);
    assert_int_equal(log_import(f->a.s, &f->a.me, fb, f->b.key.pk, NOW, &res, &f->err), 0);
    assert_int_equal(res.accepted, 2); /* B's receipt and B's head */
    assert_int_equal(log_audit_store(f->a.s, NULL, &sum, &f->err), 0);
    assert_int_equal(sum.receipts, 2); /* B's of A's log, A's of B's */
    assert_int_equal(log_audit_store(f->b.s, NULL, &sum, &f->err), 0);
    assert_int_equal(log_audit_file(fb, NULL, &sum, &f->err), 0);
    assert_int_equal(sum.receipts, 1);
}

static void test_file_audit_names_lines(void **state)
{
    struct fx *f = *state;
    char fa[160], cmd[1024], bad[200];
    struct first_failure ff = {0};
    struct log_audit_options opt = {.fail = note_failure, .ctx = &ff};
    append_notes(f, &f->a, 3, NULL);
    append_notes(f, &f->a, 1, NULL);
    assert_int_equal(export_to(f, &f->a, "a", fa, sizeof fa), 0);
    snprintf(bad, sizeof bad, "%s/bad.jsonl", f->dir);
    /* Lines 3 and 4 (entries 1 and 2) swapped. */
    snprintf(cmd, sizeof cmd,
             "awk 'NR==3{h=$0;next} NR==4{print;print h;next} {print}' '%s' > '%s'", fa, bad);
    assert_int_equal(system(cmd), 0);
    assert_int_equal(log_audit_file(bad, &opt, NULL, &f->err), -HL_E_VERIFY);
    assert_non_null(strstr(ff.what, "sealed as entry 2"));
    assert_int_equal(ff.seq, 1);
    /* The last line cut off. */
    snprintf(cmd, sizeof cmd, "head -n 6 '%s' > '%s'", fa, bad);
    assert_int_equal(system(cmd), 0);
    memset(&ff, 0, sizeof ff);
    assert_int_equal(log_audit_file(bad, &opt, NULL, &f->err), -HL_E_VERIFY);
    assert_non_null(strstr(ff.what, "should hold 6 entries"));
    /* A non-canonical line (a space added). */
    snprintf(cmd, sizeof cmd, "sed '2s/^{/{ /' '%s' > '%s'", fa, bad);
    assert_int_equal(system(cmd), 0);
    memset(&ff, 0, sizeof ff);
    assert_int_equal(log_audit_file(bad, &opt, NULL, &f->err), -HL_E_VERIFY);
    assert_non_null(strstr(ff.what, "RFC 8785"));
    assert_int_equal(ff.seq, 0);
}

/* An evidence file cut at a batch boundary, its header edited to match:
 * the witness's receipt in the same file still tells. */
static void test_file_cut_is_caught(void **state)
{
    struct fx *f = *state;
    char fb[160], cmd[1024], bad[200];
    struct log_import_result res;
    struct first_failure ff = {0};
    struct log_audit_options opt = {.fail = note_failure, .ctx = &ff};
    append_notes(f, &f->a, 2, NULL); /* entries 0-2 */
    append_notes(f, &f->a, 1, NULL); /* entries 3-4 */
    assert_int_equal(export_to(f, &f->a, "a", fb, sizeof fb), 0);
    assert_int_equal(log_import(f->b.s, &f->b.me, fb, f->a.key.pk, NOW, &res, &f->err), 0);
    assert_int_equal(export_to(f, &f->b, "b", fb, sizeof fb), 0);
    snprintf(bad, sizeof bad, "%s/cut.jsonl", f->dir);
    /* Lines 2-6 are A's entries 0-4: drop entries 3 and 4, say size 3. */
    snprintf(cmd, sizeof cmd,
             "sed -e '5,6d' -e '1s/\\(\"party\":\"%s\",\"size\":\\)5/\\13/' "
             "'%s' > '%s' && grep -q '\"size\":3' '%s'",
             PA, fb, bad, bad);
    assert_int_equal(system(cmd), 0);
    assert_int_equal(log_audit_file(bad, &opt, NULL, &f->err), -HL_E_VERIFY);
    assert_non_null(strstr(ff.what, "cosigned 5 entries"));
    /* Only the last head dropped: the log no longer ends with a head. */
    snprintf(cmd, sizeof cmd,
             "sed -e '6d' -e '1s/\\(\"party\":\"%s\",\"size\":\\)5/\\14/' "
             "'%s' > '%s'",
             PA, fb, bad);
    assert_int_equal(system(cmd), 0);
    memset(&ff, 0, sizeof ff);
    assert_int_equal(log_audit_file(bad, &opt, NULL, &f->err), -HL_E_VERIFY);
    assert_non_null(strstr(ff.what, "does not end with a tree head"));
    /* A header that is not in RFC 8785 form. */
    snprintf(cmd, sizeof cmd, "sed -e '1s/^{/{ /' '%s' > '%s'", fb, bad);
    assert_int_equal(system(cmd), 0);
    memset(&ff, 0, sizeof ff);
    assert_int_equal(log_audit_file(bad, &opt, NULL, &f->err), -HL_E_VERIFY);
    assert_non_null(strstr(ff.what, "RFC 8785"));
}

/* A peer's log held partway through a batch (replication catching up) is
 * exported up to its last held tree head, so the file still verifies. */
static void test_export_stops_at_last_head(void **state)
{
    struct fx *f = *state;
    struct entries l = {0};
    enum log_accept what;
    char fb[160];
    struct log_audit_summary sum;
    append_notes(f, &f->a, 2, NULL); /* 0, 1, head 2 */
    append_notes(f, &f->a, 2, NULL); /* 3, 4, head 5 */
    node_trust(&f->b, &f->a);
    assert_int_equal(store_log_scan(f->a.s, PA, CH, 0, collect_json, &l, NULL), 0);
    for (size_t i = 0; i < 5; i++)
        assert_int_equal(accept(f, &f->b, PA, l.json[i], l.len[i], &what), 0);
    entries_free(&l);
    append_notes(f, &f->b, 1, NULL);
    assert_int_equal(export_to(f, &f->b, "b", fb, sizeof fb), 0);
    struct first_failure ff = {0};
    struct log_audit_options opt = {.fail = note_failure, .ctx = &ff};
    if (log_audit_file(fb, &opt, &sum, &f->err) != 0)
        fail_msg("%s / %s", ff.what, f->err.msg);
    assert_int_equal(sum.entries, 3 + 2);
}

/* Node A2 holds A's key and forks A's log: B, holding A's log, refuses
 * the fork, keeps A2's contradicting signed head, and its audit then
 * shows both signed heads. */
static void test_equivocation_is_kept_and_shown(void **state)
{
    struct fx *f = *state;
    struct node a2 = {0};
    char fa[160], fa2[160];
    struct log_import_result res;
    node_open(f, &a2, "a2", PA, 1); /* same seed: A's key */
    append_notes(f, &f->a, 2, NULL);
    append_notes(f, &a2, 2, NULL);
    assert_int_equal(export_to(f, &f->a, "a", fa, sizeof fa), 0);
    assert_int_equal(export_to(f, &a2, "a2", fa2, sizeof fa2), 0);
    assert_int_equal(log_import(f->b.s, &f->b.me, fa, f->a.key.pk, NOW, &res, &f->err), 0);
    assert_int_equal(log_import(f->b.s, &f->b.me, fa2, NULL, NOW, &res, &f->err), -HL_E_VERIFY);
    assert_non_null(strstr(f->err.msg, "equivocation"));
    assert_non_null(strstr(f->err.msg, "1 contradicting signed tree head kept"));
    struct first_failure ff = {0};
    struct log_audit_options opt = {.fail = note_failure, .ctx = &ff};
    assert_int_equal(log_audit_store(f->b.s, &opt, NULL, &f->err), -HL_E_VERIFY);
    assert_non_null(strstr(ff.what, "equivocation"));
    assert_string_equal(ff.party, PA);
    assert_int_equal(ff.seq, 2);
    assert_true(ff.evidence);
    store_close(a2.s);
    seal_key_wipe(&a2.key);
}

/* A copy of a's database from before its last batch (into old), once b
 * holds that batch and cosigned it, and the copy took b's log with that
 * receipt: a's entries as b holds them into l. */
static void restored_copy(struct fx *f, struct node *old, struct entries *l)
{
    struct entries lb = {0};
    enum log_accept what;
    char cmd[512];
    *old = (struct node){.me = f->a.me};
    append_notes(f, &f->a, 2, NULL); /* seq 0, 1 and the head 2 */
    store_close(f->a.s);
    snprintf(old->path, sizeof old->path, "%s/a-old.db", f->dir);
    snprintf(cmd, sizeof cmd, "cp '%s' '%s'", f->a.path, old->path);
    assert_int_equal(system(cmd), 0);
    assert_int_equal(store_open(f->a.path, NULL, &f->a.s, &f->err), 0);
    append_notes(f, &f->a, 2, NULL); /* 3, 4 and the head 5 */
    node_trust(&f->b, &f->a);
    assert_int_equal(store_log_scan(f->a.s, PA, CH, 0, collect_json, l, NULL), 0);
    for (size_t i = 0; i < l->n; i++)
        assert_int_equal(accept(f, &f->b, PA, l->json[i], l->len[i], &what), 0);
    assert_int_equal(log_receipt_publish(f->b.s, &f->b.me, PA, CH, NOW, NULL, &f->err), 0);
    assert_int_equal(store_open(old->path, NULL, &old->s, &f->err), 0);
    node_trust(old, &f->b);
    assert_int_equal(store_log_scan(f->b.s, PB, CH, 0, collect_json, &lb, NULL), 0);
    for (size_t i = 0; i < lb.n; i++)
        assert_int_equal(accept(f, old, PB, lb.json[i], lb.len[i], &what), 0);
    entries_free(&lb);
}

/* The copy appends nothing to a's log (it would seal seq 3.. again) nor
 * cosigns b's, until a's own entries, sealed by a, are taken back from
 * b's copy; then it publishes again. */
static void test_a_restored_copy_appends_nothing_until_whole(void **state)
{
    struct fx *f = *state;
    struct entries l = {0};
    enum log_accept what;
    struct log_append_result r;
    struct node old;
    int64_t size;
    restored_copy(f, &old, &l);
    assert_int_equal(log_own_current(old.s, PA, CH, &f->err), -HL_E_BEHIND);
    assert_non_null(strstr(f->err.msg, PB " holds 6 entries of this node's log in us-ru, but "
                                          "this node holds 3"));
    json_t *objs[1] = {note_new(9)};
    assert_int_equal(log_append(old.s, &old.me, CH, objs, 1, NOW + 10, NULL, &f->err),
                     -HL_E_BEHIND);
    assert_int_equal(log_receipt_publish(old.s, &old.me, PB, CH, NOW + 10, NULL, &f->err),
                     -HL_E_BEHIND);
    assert_int_equal(store_log_size(old.s, PA, CH, &size, NULL), 0);
    assert_int_equal(size, 3);
    /* a's entries 3..5, from whoever holds them: sealed by a, they are a's. */
    for (size_t i = 3; i < l.n; i++)
        assert_int_equal(accept(f, &old, PA, l.json[i], l.len[i], &what), 0);
    assert_int_equal(log_own_current(old.s, PA, CH, &f->err), 0);
    assert_int_equal(log_append(old.s, &old.me, CH, objs, 1, NOW + 10, &r, &f->err), 0);
    assert_int_equal(r.first_seq, 6);
    assert_int_equal(log_receipt_publish(old.s, &old.me, PB, CH, NOW + 20, NULL, &f->err), 0);
    json_decref(objs[0]);
    entries_free(&l);
    store_close(old.s);
}

/* A receipt whose witness could not show the entries it claims is set
 * aside: it holds the log back no longer, and counts for nothing. */
static void test_a_refuted_receipt_holds_nothing_back(void **state)
{
    struct fx *f = *state;
    struct entries l = {0};
    struct store_receipt rc;
    struct log_append_result r;
    struct node old;
    restored_copy(f, &old, &l);
    assert_int_equal(store_receipt_latest(old.s, PA, CH, PB, &rc, &f->err), 0);
    assert_int_equal(rc.size, 6);
    assert_int_equal(store_receipt_refute(old.s, PA, CH, PB, 3, &f->err), 0);
    assert_int_equal(store_receipt_latest(old.s, PA, CH, PB, &rc, &f->err), -HL_E_NOT_FOUND);
    assert_int_equal(store_receipt_latest(old.s, PA, CH, NULL, &rc, &f->err), -HL_E_NOT_FOUND);
    assert_int_equal(log_own_current(old.s, PA, CH, &f->err), 0);
    json_t *objs[1] = {note_new(9)};
    assert_int_equal(log_append(old.s, &old.me, CH, objs, 1, NOW + 10, &r, &f->err), 0);
    assert_int_equal(r.first_seq, 3);
    json_decref(objs[0]);
    entries_free(&l);
    store_close(old.s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_append_batches_end_with_heads, setup, teardown),
        cmocka_unit_test_setup_teardown(test_rows_dated_in_arrival_order, setup, teardown),
        cmocka_unit_test_setup_teardown(test_proofs_from_tiles, setup, teardown),
        cmocka_unit_test_setup_teardown(test_append_refusals_store_nothing, setup, teardown),
        cmocka_unit_test_setup_teardown(test_accept_in_order_under_own_seal, setup, teardown),
        cmocka_unit_test_setup_teardown(test_accept_run_takes_in_order, setup, teardown),
        cmocka_unit_test_setup_teardown(test_receipts_and_clean_audit, setup, teardown),
        cmocka_unit_test_setup_teardown(test_audit_names_tampering, setup, teardown),
        cmocka_unit_test_setup_teardown(test_export_import_both_ways, setup, teardown),
        cmocka_unit_test_setup_teardown(test_file_audit_names_lines, setup, teardown),
        cmocka_unit_test_setup_teardown(test_file_cut_is_caught, setup, teardown),
        cmocka_unit_test_setup_teardown(test_export_stops_at_last_head, setup, teardown),
        cmocka_unit_test_setup_teardown(test_equivocation_is_kept_and_shown, setup, teardown),
        cmocka_unit_test_setup_teardown(test_a_restored_copy_appends_nothing_until_whole, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_a_refuted_receipt_holds_nothing_back, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
