/*
 * store_test.c — the storage interface (store.h) on its SQLite backend,
 * with real database files in a fresh mkdtemp directory per test, removed
 * afterwards. Where the test must reach past the interface (to forge a
 * future schema version or a corrupt row) it uses the sqlite3 API on the
 * same file, as an attacker or a broken disk would.
 */
/* cmocka.h needs these first. */
// clang-format off
#define _GNU_SOURCE /* RTLD_NEXT */
#include <dlfcn.h>
#include <errno.h>
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

#define A "identity--aaaaaaaa-0000-4000-8000-000000000001"
#define B "identity--bbbbbbbb-0000-4000-8000-000000000002"
#define CH "us-ru"

struct fx {
    char dir[64];
    char path[128];
    struct store *s;
    struct hl_error err;
};

static void fx_path(struct fx *f)
{
    int n = snprintf(f->path, sizeof f->path, "%s/node.db", f->dir);
    assert_true(n > 0 && (size_t)n < sizeof f->path);
}

static int setup_empty(void **state)
{
    struct fx *f = calloc(1, sizeof *f);
    assert_non_null(f);
    snprintf(f->dir, sizeof f->dir, "/tmp/store_test.XXXXXX");
    assert_non_null(mkdtemp(f->dir));
    fx_path(f);
    *state = f;
    return 0;
}

static void add_party(struct store *s, const char *id, uint8_t key_byte)
{
    struct store_party p = {0};
    snprintf(p.id, sizeof p.id, "%s", id);
    snprintf(p.name, sizeof p.name, "party %c", id[10]);
    memset(p.public_key, key_byte, sizeof p.public_key);
    assert_int_equal(store_party_put(s, &p, NULL), 0);
}

/* An open store with parties A and B and channel CH holding both. */
static int setup(void **state)
{
    setup_empty(state);
    struct fx *f = *state;
    assert_int_equal(store_open(f->path, NULL, &f->s, &f->err), 0);
    add_party(f->s, A, 0xaa);
    add_party(f->s, B, 0xbb);
    struct store_channel c = {.name = CH, .created_us = 1000};
    assert_int_equal(store_channel_create(f->s, &c, NULL), 0);
    assert_int_equal(store_channel_member_add(f->s, CH, A, NULL), 0);
    assert_int_equal(store_channel_member_add(f->s, CH, B, NULL), 0);
    return 0;
}

static int teardown(void **state)
{
    struct fx *f = *state;
    char p[160];
    store_close(f->s);
    static const char *const sfx[] = {"", "-wal", "-shm", "-journal"};
    for (size_t i = 0; i < 4; i++) {
        snprintf(p, sizeof p, "%s%s", f->path, sfx[i]);
        unlink(p);
    }
    assert_int_equal(rmdir(f->dir), 0);
    free(f);
    return 0;
}

/* fdatasync, counted: SQLite (a shared library) calls this one, which
 * calls libc's. How the store's commits reach the disk is seen so. */
static int n_syncs;

int fdatasync(int fd)
{
    static int (*real)(int);
    if (!real)
        *(void **)&real = dlsym(RTLD_NEXT, "fdatasync");
    n_syncs++;
    return real(fd);
}

/* pwrite64, failing as on a full disk while disk_full is set: SQLite
 * writes its journal and database through it. */
static bool disk_full;

ssize_t pwrite64(int fd, const void *buf, size_t n, off_t at)
{
    static ssize_t (*real)(int, const void *, size_t, off_t);
    if (!real)
        *(void **)&real = dlsym(RTLD_NEXT, "pwrite64");
    if (disk_full) {
        errno = ENOSPC;
        return -1;
    }
    return real(fd, buf, n, at);
}

/* Runs SQL on the file directly, bypassing the store. */
static void raw_exec(const char *path, const char *sql)
{
    sqlite3 *db = NULL;
    assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
    char *msg = NULL;
    int rc = sqlite3_exec(db, sql, NULL, NULL, &msg);
    if (rc != SQLITE_OK)
        fail_msg("raw sql failed: %s", msg ? msg : "?");
    sqlite3_close(db);
}

static int64_t raw_int(const char *path, const char *sql)
{
    sqlite3 *db = NULL;
    sqlite3_stmt *st = NULL;
    assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
    assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &st, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_step(st), SQLITE_ROW);
    int64_t v = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    sqlite3_close(db);
    return v;
}

/* Adds an object version to CH, an entry of sealed_by's log (may be
 * NULL), and returns its row. */
static int64_t add_sealed(struct store *s, const char *id, int64_t modified, int64_t added,
                          const char *sealed_by)
{
    char json[128];
    int n = snprintf(json, sizeof json, "{\"id\":\"%s\",\"m\":%lld}", id, (long long)modified);
    char type[64];
    snprintf(type, sizeof type, "%.*s", (int)(strstr(id, "--") - id), id);
    struct store_object o = {.channel = CH,
                             .stix_id = id,
                             .type = type,
                             .modified_us = modified,
                             .date_added_us = added,
                             .json = (const uint8_t *)json,
                             .json_len = (size_t)n,
                             .sealed_by = sealed_by};
    int64_t row = 0;
    struct hl_error err;
    int r = store_object_add(s, &o, &row, &err);
    if (r)
        fail_msg("object_add: %s", err.msg);
    assert_true(row > 0);
    return row;
}

static int64_t add_obj(struct store *s, const char *id, int64_t modified, int64_t added)
{
    return add_sealed(s, id, modified, added, NULL);
}

static void entries(struct store_log_entry *e, size_t n, int64_t first_seq, int64_t row,
                    int64_t batch)
{
    for (size_t i = 0; i < n; i++) {
        memset(&e[i], 0, sizeof e[i]);
        e[i].seq = first_seq + (int64_t)i;
        memset(e[i].leaf_hash, (int)(e[i].seq & 0xff), STORE_HASH_BYTES);
        e[i].object_row = row;
        e[i].batch = batch;
    }
}

/* ---- open and schema --------------------------------------------------- */

static void test_open_migrates_an_empty_file(void **state)
{
    struct fx *f = *state;
    FILE *fp = fopen(f->path, "w"); /* zero bytes: a valid empty database */
    assert_non_null(fp);
    fclose(fp);
    assert_int_equal(store_open(f->path, NULL, &f->s, &f->err), 0);
    assert_true(raw_int(f->path, "PRAGMA user_version") >= 1);
    assert_int_equal(raw_int(f->path, "SELECT count(*) FROM pragma_journal_mode"
                                      " WHERE journal_mode = 'wal'"),
                     1);
    store_close(f->s);
    f->s = NULL;
    /* Reopening an up-to-date file changes nothing. */
    assert_int_equal(store_open("sqlite:"
                                "/dev/null/x",
                                NULL, &f->s, &f->err),
                     -HL_E_IO);
    assert_int_equal(store_open(f->path, NULL, &f->s, &f->err), 0);
    assert_int_equal(store_check(f->s, &f->err), 0);
}

static void test_open_refuses_a_future_schema_version(void **state)
{
    struct fx *f = *state;
    assert_int_equal(store_open(f->path, NULL, &f->s, &f->err), 0);
    store_close(f->s);
    f->s = NULL;
    raw_exec(f->path, "PRAGMA user_version = 999");
    assert_int_equal(store_open(f->path, NULL, &f->s, &f->err), -HL_E_STORE);
    assert_null(f->s);
    assert_non_null(strstr(f->err.msg, "newer than this hotline"));
    assert_int_equal(raw_int(f->path, "PRAGMA user_version"), 999); /* untouched */
}

static void test_open_refuses_another_applications_file(void **state)
{
    struct fx *f = *state;
    raw_exec(f->path, "PRAGMA application_id = 1234; CREATE TABLE t(x)");
    assert_int_equal(store_open(f->path, NULL, &f->s, &f->err), -HL_E_STORE);
    assert_non_null(strstr(f->err.msg, "another application"));
}

static void test_open_must_exist_refuses_a_missing_file(void **state)
{
    struct fx *f = *state;
    struct store_options o = {.must_exist = true};
    assert_int_equal(store_open(f->path, &o, &f->s, &f->err), -HL_E_NOT_FOUND);
    assert_int_equal(access(f->path, F_OK), -1);
    assert_int_equal(store_open("postgresql://db/x", NULL, &f->s, &f->err), -HL_E_INVALID);
}

/* ---- meta, parties, channels -------------------------------------------- */

static void test_meta_roundtrip_and_missing_key(void **state)
{
    struct fx *f = *state;
    char v[STORE_TEXT_MAX + 1];
    assert_int_equal(store_meta_get(f->s, "party_id", v, &f->err), -HL_E_NOT_FOUND);
    assert_int_equal(store_meta_set(f->s, "party_id", A, &f->err), 0);
    assert_int_equal(store_meta_set(f->s, "party_id", B, &f->err), 0);
    assert_int_equal(store_meta_get(f->s, "party_id", v, &f->err), 0);
    assert_string_equal(v, B);
    char big[STORE_TEXT_MAX + 2];
    memset(big, 'x', sizeof big - 1);
    big[sizeof big - 1] = '\0';
    assert_int_equal(store_meta_set(f->s, "name", big, &f->err), -HL_E_TOO_LARGE);
}

static int count_party(void *ctx, const struct store_party *p)
{
    (void)p;
    (*(int *)ctx)++;
    return 0;
}

static void test_party_put_updates_and_lists(void **state)
{
    struct fx *f = *state;
    struct store_party p;
    assert_int_equal(store_party_get(f->s, A, &p, &f->err), 0);
    assert_int_equal(p.public_key[31], 0xaa);
    add_party(f->s, A, 0x11);
    assert_int_equal(store_party_get(f->s, A, &p, &f->err), 0);
    assert_int_equal(p.public_key[0], 0x11);
    assert_int_equal(store_party_get(f->s, "identity--nobody", &p, &f->err), -HL_E_NOT_FOUND);
    int n = 0;
    assert_int_equal(store_party_list(f->s, count_party, &n, &f->err), 0);
    assert_int_equal(n, 2);
}

static int stop_at_first(void *ctx, const struct store_party *p)
{
    (void)ctx;
    (void)p;
    return 42;
}

static void test_channels_members_and_callback_stop(void **state)
{
    struct fx *f = *state;
    struct store_channel c = {.name = CH, .created_us = 5};
    assert_int_equal(store_channel_create(f->s, &c, &f->err), -HL_E_EXISTS);
    assert_int_equal(store_channel_get(f->s, CH, &c, &f->err), 0);
    assert_int_equal(c.created_us, 1000);
    assert_int_equal(store_channel_get(f->s, "nope", &c, &f->err), -HL_E_NOT_FOUND);
    assert_int_equal(store_channel_member_add(f->s, CH, A, &f->err), 0); /* twice: fine */
    assert_int_equal(store_channel_member_add(f->s, CH, "identity--x", &f->err), -HL_E_NOT_FOUND);
    assert_int_equal(store_channel_member_add(f->s, "nope", A, &f->err), -HL_E_NOT_FOUND);
    int n = 0;
    assert_int_equal(store_channel_member_list(f->s, CH, count_party, &n, &f->err), 0);
    assert_int_equal(n, 2);
    assert_int_equal(store_channel_member_list(f->s, CH, stop_at_first, NULL, &f->err), 42);
}

/* ---- objects --------------------------------------------------------------- */

struct seen {
    int64_t rows[64];
    int64_t modified[64];
    size_t n;
};

static int collect(void *ctx, const struct store_object *o)
{
    struct seen *s = ctx;
    assert_true(s->n < 64);
    assert_non_null(o->json);
    assert_non_null(strstr((const char *)o->json, o->stix_id) ? "" : NULL);
    s->rows[s->n] = o->row;
    s->modified[s->n++] = o->modified_us;
    return 0;
}

#define IND1 "indicator--11111111-1111-4111-8111-111111111111"
#define IND2 "indicator--22222222-2222-4222-8222-222222222222"
#define NOTE1 "note--33333333-3333-4333-8333-333333333333"

static void test_object_versions_and_duplicates(void **state)
{
    struct fx *f = *state;
    int64_t r2 = add_obj(f->s, IND1, 200, 10);
    int64_t r1 = add_obj(f->s, IND1, 100, 11);
    struct seen s = {0};
    assert_int_equal(store_object_versions(f->s, CH, IND1, collect, &s, &f->err), 0);
    assert_int_equal(s.n, 2);
    assert_int_equal(s.rows[0], r1); /* oldest modified first */
    assert_int_equal(s.rows[1], r2);
    assert_true(r1 > r2); /* rows in arrival order */
    char json[] = "{}";
    struct store_object o = {.channel = CH,
                             .stix_id = IND1,
                             .type = "indicator",
                             .modified_us = 100,
                             .date_added_us = 12,
                             .json = (const uint8_t *)json,
                             .json_len = 2};
    assert_int_equal(store_object_add(f->s, &o, NULL, &f->err), -HL_E_EXISTS);
    o.channel = "nope";
    assert_int_equal(store_object_add(f->s, &o, NULL, &f->err), -HL_E_NOT_FOUND);
    assert_int_equal(store_object_versions(f->s, CH, IND2, collect, &s, &f->err), -HL_E_NOT_FOUND);
    s.n = 0;
    assert_int_equal(store_object_get(f->s, r1, collect, &s, &f->err), 0);
    assert_int_equal(s.n, 1);
    assert_int_equal(store_object_get(f->s, r1 + 100, collect, &s, &f->err), -HL_E_NOT_FOUND);
}

/* A channel made by a transaction that rolled back is forgotten with it,
 * though its id was looked up meanwhile: the next channel may take the
 * same id, and an object for the first name must not land in it. */
static void test_rolled_back_channel_is_not_remembered(void **state)
{
    struct fx *f = *state;
    struct store_channel c = {.created_us = 1};
    char json[] = "{}";
    struct store_object o = {.channel = "gone",
                             .stix_id = IND1,
                             .type = "indicator",
                             .modified_us = 1,
                             .date_added_us = 1,
                             .json = (const uint8_t *)json,
                             .json_len = 2};
    assert_int_equal(store_begin(f->s, &f->err), 0);
    snprintf(c.name, sizeof c.name, "gone");
    assert_int_equal(store_channel_create(f->s, &c, &f->err), 0);
    assert_int_equal(store_object_add(f->s, &o, NULL, &f->err), 0);
    assert_int_equal(store_rollback(f->s, &f->err), 0);
    snprintf(c.name, sizeof c.name, "next");
    assert_int_equal(store_channel_create(f->s, &c, &f->err), 0);
    assert_int_equal(store_object_add(f->s, &o, NULL, &f->err), -HL_E_NOT_FOUND);
}

/* An id's rows say whether it has other versions (step 7), which is what
 * lets match[version] last and first skip the search for the others; with
 * the newest deleted, last is the one before. */
static void test_versions_flag_and_last_after_a_delete(void **state)
{
    struct fx *f = *state;
    char sql[128];
    int64_t one = add_obj(f->s, NOTE1, 100, 10);
    int64_t v1 = add_obj(f->s, IND1, 100, 20);
    snprintf(sql, sizeof sql, "SELECT versions FROM objects WHERE row = %lld", (long long)v1);
    assert_int_equal(raw_int(f->path, sql), 0);
    int64_t v2 = add_obj(f->s, IND1, 300, 30);
    assert_int_equal(raw_int(f->path, sql), 1);
    snprintf(sql, sizeof sql, "SELECT versions FROM objects WHERE row = %lld", (long long)v2);
    assert_int_equal(raw_int(f->path, sql), 1);
    snprintf(sql, sizeof sql, "SELECT versions FROM objects WHERE row = %lld", (long long)one);
    assert_int_equal(raw_int(f->path, sql), 0);
    struct store_page pg;
    struct seen s = {0};
    struct store_query q = {.channel = CH, .limit = 100, .version = STORE_VERSION_LAST};
    assert_int_equal(store_object_list(f->s, &q, collect, &s, &pg, &f->err), 0);
    assert_int_equal(s.n, 2);
    assert_int_equal(s.rows[0], one);
    assert_int_equal(s.rows[1], v2);
    assert_int_equal(store_object_delete(f->s, v2, 40, &f->err), 0);
    s.n = 0;
    assert_int_equal(store_object_list(f->s, &q, collect, &s, &pg, &f->err), 0);
    assert_int_equal(s.n, 2);
    assert_int_equal(s.rows[1], v1);
}

/* A version is held by index lookup: that version only, deleted or not;
 * an unknown channel is the one error. */
static void test_object_held_names_one_version(void **state)
{
    struct fx *f = *state;
    bool found = true;
    assert_int_equal(store_object_held(f->s, CH, IND1, 100, &found, &f->err), 0);
    assert_false(found);
    int64_t row = add_obj(f->s, IND1, 100, 10);
    assert_int_equal(store_object_held(f->s, CH, IND1, 100, &found, &f->err), 0);
    assert_true(found);
    assert_int_equal(store_object_held(f->s, CH, IND1, 101, &found, &f->err), 0);
    assert_false(found);
    assert_int_equal(store_object_held(f->s, CH, NOTE1, 100, &found, &f->err), 0);
    assert_false(found);
    assert_int_equal(store_object_delete(f->s, row, 20, &f->err), 0);
    assert_int_equal(store_object_held(f->s, CH, IND1, 100, &found, &f->err), 0);
    assert_true(found);
    assert_int_equal(store_object_held(f->s, "nowhere", IND1, 100, &found, &f->err),
                     -HL_E_NOT_FOUND);
    assert_false(found);
}

/* store_query.workflow: the workflow's own types only, in arrival order,
 * with the same version rules and paging as any page. */
static void test_workflow_query_reads_the_workflow_objects_only(void **state)
{
    struct fx *f = *state;
    static const char *const ids[] = {
        "report--44444444-4444-4444-8444-444444444444",
        "hotline-request--55555555-5555-4555-8555-555555555555",
        "hotline-response--66666666-6666-4666-8666-666666666666",
    };
    add_obj(f->s, IND1, 1, 1);
    int64_t rep = add_obj(f->s, ids[0], 1, 2);
    add_obj(f->s, NOTE1, 1, 3);
    add_obj(f->s, ids[1], 1, 4);
    int64_t resp = add_obj(f->s, ids[2], 1, 5);
    int64_t req2 = add_obj(f->s, ids[1], 2, 6); /* a newer version */
    add_obj(f->s, "hotline-tree-head--77777777-7777-4777-8777-777777777777", 1, 7);
    struct store_page pg;
    struct seen s = {0};
    struct store_query q = {
        .channel = CH, .limit = 2, .version = STORE_VERSION_LAST, .workflow = true};
    assert_int_equal(store_object_list(f->s, &q, collect, &s, &pg, &f->err), 0);
    assert_true(pg.more);
    q.after = pg.next;
    assert_int_equal(store_object_list(f->s, &q, collect, &s, &pg, &f->err), 0);
    assert_false(pg.more);
    assert_int_equal(s.n, 3);
    assert_int_equal(s.rows[0], rep);
    assert_int_equal(s.rows[1], resp);
    assert_int_equal(s.rows[2], req2);
    assert_int_equal(raw_int(f->path, "SELECT count(*) FROM objects INDEXED BY objects_workflow"
                                      " WHERE type IN ('report', 'hotline-request',"
                                      " 'hotline-response')"),
                     4); /* the index holds those rows only */
}

/* A member's pull leaves out its own log's entries (except_sealed_by),
 * and keeps everything else: other logs' entries and unsealed rows. */
static void test_object_list_leaves_out_one_partys_log(void **state)
{
    struct fx *f = *state;
    const char *a = "identity--6f1c1b59-3b7c-4b6e-9a8e-2c7d1b0f4a10";
    const char *b = "identity--0c8a3a4e-5b6f-4d1e-8a2b-9c3d4e5f6a70";
    int64_t r1 = add_sealed(f->s, IND1, 100, 10, a);
    int64_t r2 = add_sealed(f->s, NOTE1, 100, 20, b);
    int64_t r3 = add_sealed(f->s, IND2, 100, 30, NULL);
    add_sealed(f->s, IND1, 200, 40, a);
    struct store_page pg;
    struct seen s = {0};
    struct store_query q = {
        .channel = CH, .limit = 100, .version = STORE_VERSION_ALL, .except_sealed_by = a};
    assert_int_equal(store_object_list(f->s, &q, collect, &s, &pg, &f->err), 0);
    assert_int_equal(s.n, 2);
    assert_int_equal(s.rows[0], r2);
    assert_int_equal(s.rows[1], r3);
    q.except_sealed_by = b;
    s.n = 0;
    assert_int_equal(store_object_list(f->s, &q, collect, &s, &pg, &f->err), 0);
    assert_int_equal(s.n, 3);
    assert_int_equal(s.rows[0], r1);
    q.except_sealed_by = NULL; /* the same statement again: nothing left out */
    s.n = 0;
    assert_int_equal(store_object_list(f->s, &q, collect, &s, &pg, &f->err), 0);
    assert_int_equal(s.n, 4);
}

static void test_object_list_filters(void **state)
{
    struct fx *f = *state;
    int64_t i1a = add_obj(f->s, IND1, 100, 10);
    int64_t n1 = add_obj(f->s, NOTE1, 100, 20);
    int64_t i1b = add_obj(f->s, IND1, 300, 30);
    int64_t i2 = add_obj(f->s, IND2, 100, 40);
    struct store_page pg;
    struct seen s = {0};
    struct store_query q = {.channel = CH, .limit = 100, .version = STORE_VERSION_ALL};
    assert_int_equal(store_object_list(f->s, &q, collect, &s, &pg, &f->err), 0);
    assert_int_equal(s.n, 4);
    assert_false(pg.more);

    const char *types[] = {"indicator"};
    q.types = types;
    q.n_types = 1;
    q.version = STORE_VERSION_LAST;
    s.n = 0;
    assert_int_equal(store_object_list(f->s, &q, collect, &s, &pg, &f->err), 0);
    assert_int_equal(s.n, 2);
    assert_int_equal(s.rows[0], i1b);
    assert_int_equal(s.rows[1], i2);

    q.version = STORE_VERSION_FIRST;
    const char *ids[] = {IND1};
    q.ids = ids;
    q.n_ids = 1;
    s.n = 0;
    assert_int_equal(store_object_list(f->s, &q, collect, &s, &pg, &f->err), 0);
    assert_int_equal(s.n, 1);
    assert_int_equal(s.rows[0], i1a);

    struct store_query q2 = {
        .channel = CH, .limit = 100, .has_added_after = true, .added_after_us = 20};
    s.n = 0;
    assert_int_equal(store_object_list(f->s, &q2, collect, &s, &pg, &f->err), 0);
    assert_int_equal(s.n, 2);
    assert_int_equal(s.rows[0], i1b);
    (void)n1;

    const char *bad[] = {"x' OR 1=1 --"};
    q2.types = bad;
    q2.n_types = 1;
    assert_int_equal(store_object_list(f->s, &q2, collect, &s, &pg, &f->err), -HL_E_INVALID);
    q2.n_types = 0;
    q2.limit = 0;
    assert_int_equal(store_object_list(f->s, &q2, collect, &s, &pg, &f->err), -HL_E_INVALID);
}

static void test_pagination_is_stable_while_inserting(void **state)
{
    struct fx *f = *state;
    char id[80];
    int64_t added = 1;
    for (int i = 0; i < 10; i++) {
        snprintf(id, sizeof id, "note--00000000-0000-4000-8000-%012d", i);
        add_obj(f->s, id, 1, added++ / 3); /* equal date_added: row breaks the tie */
    }
    struct store_query q = {.channel = CH, .limit = 3};
    struct store_page pg;
    struct seen s = {0};
    int pages = 0, next = 10;
    do {
        assert_int_equal(store_object_list(f->s, &q, collect, &s, &pg, &f->err), 0);
        q.after = pg.next;
        pages++;
        /* Two more arrive between page requests. */
        for (int k = 0; k < 2 && next < 20; k++, next++) {
            snprintf(id, sizeof id, "note--00000000-0000-4000-8000-%012d", next);
            add_obj(f->s, id, 1, added++ / 3);
        }
    } while (pg.more);
    assert_int_equal(s.n, 20); /* every row once: none missing */
    for (size_t i = 1; i < s.n; i++)
        assert_true(s.rows[i] > s.rows[i - 1]); /* none repeated, in order */
    assert_true(pages >= 7);
}

/* ---- logs ------------------------------------------------------------------ */

struct scan {
    int64_t seqs[256];
    size_t n;
};

static int scan_collect(void *ctx, const struct store_log_entry *e, const struct store_object *o)
{
    struct scan *s = ctx;
    assert_true(s->n < 256);
    assert_int_equal(e->object_row, o->row);
    s->seqs[s->n++] = e->seq;
    return 0;
}

static void test_log_append_in_one_transaction_and_scan(void **state)
{
    struct fx *f = *state;
    int64_t size = -1;
    assert_int_equal(store_log_size(f->s, A, CH, &size, &f->err), 0);
    assert_int_equal(size, 0);
    assert_int_equal(store_begin(f->s, &f->err), 0);
    int64_t row = add_obj(f->s, IND1, 1, 1);
    struct store_log_entry e[5];
    entries(e, 5, 0, row, 7);
    assert_int_equal(store_log_append(f->s, A, CH, e, 5, &f->err), 0);
    assert_int_equal(store_commit(f->s, &f->err), 0);
    entries(e, 2, 5, row, 8); /* outside a transaction: its own */
    assert_int_equal(store_log_append(f->s, A, CH, e, 2, &f->err), 0);
    assert_int_equal(store_log_size(f->s, A, CH, &size, &f->err), 0);
    assert_int_equal(size, 7);
    assert_int_equal(store_log_size(f->s, B, CH, &size, &f->err), 0);
    assert_int_equal(size, 0); /* logs are per party */

    struct store_log_entry got;
    assert_int_equal(store_log_entry_get(f->s, A, CH, 6, &got, &f->err), 0);
    assert_int_equal(got.batch, 8);
    assert_int_equal(got.leaf_hash[0], 6);
    assert_int_equal(store_log_entry_get(f->s, A, CH, 7, &got, &f->err), -HL_E_NOT_FOUND);
    struct scan sc = {0};
    assert_int_equal(store_log_scan(f->s, A, CH, 3, scan_collect, &sc, &f->err), 0);
    assert_int_equal(sc.n, 4);
    assert_int_equal(sc.seqs[0], 3);
    assert_int_equal(sc.seqs[3], 6);
}

static void test_log_append_rejects_gap_and_duplicate(void **state)
{
    struct fx *f = *state;
    int64_t row = add_obj(f->s, IND1, 1, 1);
    struct store_log_entry e[3];
    entries(e, 2, 0, row, 1);
    assert_int_equal(store_log_append(f->s, A, CH, e, 2, &f->err), 0);
    entries(e, 1, 3, row, 2); /* gap: size is 2 */
    assert_int_equal(store_log_append(f->s, A, CH, e, 1, &f->err), -HL_E_CONFLICT);
    assert_non_null(strstr(f->err.msg, "a gap"));
    entries(e, 1, 1, row, 2); /* duplicate */
    assert_int_equal(store_log_append(f->s, A, CH, e, 1, &f->err), -HL_E_CONFLICT);
    assert_non_null(strstr(f->err.msg, "a duplicate"));
    entries(e, 3, 2, row, 2);
    e[2].seq = 5; /* gap inside the batch: nothing of it is appended */
    assert_int_equal(store_log_append(f->s, A, CH, e, 3, &f->err), -HL_E_CONFLICT);
    int64_t size;
    assert_int_equal(store_log_size(f->s, A, CH, &size, &f->err), 0);
    assert_int_equal(size, 2);
    entries(e, 2, 2, row, 2);
    e[1].object_row = row + 99; /* no such object: all or nothing */
    assert_int_equal(store_log_append(f->s, A, CH, e, 2, &f->err), -HL_E_NOT_FOUND);
    assert_int_equal(store_log_size(f->s, A, CH, &size, &f->err), 0);
    assert_int_equal(size, 2);
    assert_int_equal(store_log_append(f->s, "identity--x", CH, e, 1, &f->err), -HL_E_NOT_FOUND);
}

/* A refused append inside a caller's transaction writes nothing, not even
 * the new log's row: the caller may commit the rest (an accept refuses a
 * gap and goes on). */
static void test_log_append_refusal_writes_nothing(void **state)
{
    struct fx *f = *state;
    struct store_log_entry e[2];
    int64_t row = add_obj(f->s, IND1, 1, 1);
    assert_int_equal(store_begin(f->s, &f->err), 0);
    entries(e, 2, 1, row, 1); /* a new log starts at seq 0 */
    assert_int_equal(store_log_append(f->s, A, CH, e, 2, &f->err), -HL_E_CONFLICT);
    assert_non_null(strstr(f->err.msg, "a gap"));
    assert_int_equal(store_commit(f->s, &f->err), 0);
    assert_int_equal(raw_int(f->path, "SELECT count(*) FROM logs"), 0);
    assert_int_equal(raw_int(f->path, "SELECT count(*) FROM log_entries"), 0);
    entries(e, 2, 0, row, 2);
    assert_int_equal(store_log_append(f->s, A, CH, e, 2, &f->err), 0);
    assert_int_equal(store_begin(f->s, &f->err), 0);
    entries(e, 2, 1, row, 3); /* a duplicate of a known log */
    assert_int_equal(store_log_append(f->s, A, CH, e, 2, &f->err), -HL_E_CONFLICT);
    assert_int_equal(store_commit(f->s, &f->err), 0);
    assert_int_equal(raw_int(f->path, "SELECT count(*) FROM log_entries"), 2);
}

/* One entry per call, as an accept appends: inside a write transaction
 * the connection keeps the log's size between calls (the checks still
 * name a gap or a duplicate), and a transaction later, after another
 * connection appended, it reads the size again. */
static void test_log_append_one_by_one_across_connections(void **state)
{
    struct fx *f = *state;
    struct store_log_entry e[1];
    int64_t size = -1;
    assert_int_equal(store_begin(f->s, &f->err), 0);
    int64_t row = add_obj(f->s, IND1, 1, 1);
    for (int64_t i = 0; i < 4; i++) {
        entries(e, 1, i, row, 1);
        assert_int_equal(store_log_append(f->s, A, CH, e, 1, &f->err), 0);
    }
    entries(e, 1, 2, row, 1);
    assert_int_equal(store_log_append(f->s, A, CH, e, 1, &f->err), -HL_E_CONFLICT);
    assert_non_null(strstr(f->err.msg, "a duplicate"));
    assert_int_equal(store_rollback(f->s, &f->err), 0); /* a failed write: roll back */
    assert_int_equal(store_log_size(f->s, A, CH, &size, &f->err), 0);
    assert_int_equal(size, 0);
    assert_int_equal(store_begin(f->s, &f->err), 0);
    row = add_obj(f->s, IND1, 1, 1);
    entries(e, 1, 0, row, 1);
    assert_int_equal(store_log_append(f->s, A, CH, e, 1, &f->err), 0);
    assert_int_equal(store_commit(f->s, &f->err), 0);
    struct store *other = NULL;
    assert_int_equal(store_open(f->path, NULL, &other, &f->err), 0);
    entries(e, 1, 1, row, 2);
    assert_int_equal(store_log_append(other, A, CH, e, 1, &f->err), 0);
    store_close(other);
    assert_int_equal(store_begin(f->s, &f->err), 0);
    entries(e, 1, 1, row, 3); /* held by the other connection's commit */
    assert_int_equal(store_log_append(f->s, A, CH, e, 1, &f->err), -HL_E_CONFLICT);
    assert_non_null(strstr(f->err.msg, "a duplicate"));
    assert_int_equal(store_rollback(f->s, &f->err), 0);
    entries(e, 1, 2, row, 3);
    assert_int_equal(store_log_append(f->s, A, CH, e, 1, &f->err), 0);
    assert_int_equal(store_log_size(f->s, A, CH, &size, &f->err), 0);
    assert_int_equal(size, 3);
}

/* An unsynced commit is written (another connection reads it) without a
 * sync; the next synced one syncs, and so does every transaction after an
 * unsynced one, however it ended. */
static void test_unsynced_commit_skips_only_its_own_sync(void **state)
{
    struct fx *f = *state;
    struct store_log_entry e[1];
    n_syncs = 0;
    assert_int_equal(store_begin(f->s, &f->err), 0);
    add_obj(f->s, IND1, 1, 1);
    assert_int_equal(store_commit(f->s, &f->err), 0);
    assert_true(n_syncs > 0); /* the fdatasync above is SQLite's */
    n_syncs = 0;
    assert_int_equal(store_begin_unsynced(f->s, &f->err), 0);
    int64_t row = add_obj(f->s, IND1, 2, 2);
    assert_int_equal(store_commit(f->s, &f->err), 0);
    assert_int_equal(n_syncs, 0);
    assert_int_equal(raw_int(f->path, "SELECT count(*) FROM objects"), 2);
    n_syncs = 0;
    entries(e, 1, 0, row, 1); /* its own transaction inside the store */
    assert_int_equal(store_log_append(f->s, A, CH, e, 1, &f->err), 0);
    assert_true(n_syncs > 0);
    assert_int_equal(store_begin_unsynced(f->s, &f->err), 0);
    add_obj(f->s, IND1, 3, 3);
    assert_int_equal(store_rollback(f->s, &f->err), 0);
    n_syncs = 0;
    assert_int_equal(store_begin(f->s, &f->err), 0);
    add_obj(f->s, IND1, 4, 4);
    assert_int_equal(store_commit(f->s, &f->err), 0);
    assert_true(n_syncs > 0);
    assert_int_equal(raw_int(f->path, "SELECT count(*) FROM objects"), 3);
}

/* Begins a transaction that appends IND1 as entry 0 of A's log. */
static void begin_first_entry(struct fx *f)
{
    struct store_log_entry e[1];
    assert_int_equal(store_begin(f->s, &f->err), 0);
    entries(e, 1, 0, add_obj(f->s, IND1, 1, 1), 1);
    assert_int_equal(store_log_append(f->s, A, CH, e, 1, &f->err), 0);
}

/* A disk that fills up fails the commit with HL_E_FULL, saying so; the
 * store is as it was, and takes the same write once there is room. */
static void test_a_full_disk_fails_the_commit_and_changes_nothing(void **state)
{
    struct fx *f = *state;
    int64_t size = -1;
    begin_first_entry(f);
    disk_full = true;
    int r = store_commit(f->s, &f->err);
    disk_full = false;
    assert_int_equal(r, -HL_E_FULL);
    assert_non_null(strstr(f->err.msg, "disk is full"));
    assert_int_equal(store_rollback(f->s, &f->err), 0);
    assert_int_equal(raw_int(f->path, "SELECT count(*) FROM objects"), 0);
    assert_int_equal(store_log_size(f->s, A, CH, &size, &f->err), 0);
    assert_int_equal(size, 0);
    begin_first_entry(f);
    assert_int_equal(store_commit(f->s, &f->err), 0);
    assert_int_equal(store_log_size(f->s, A, CH, &size, &f->err), 0);
    assert_int_equal(size, 1);
}

static void test_schema_refuses_gap_written_directly(void **state)
{
    struct fx *f = *state;
    int64_t row = add_obj(f->s, IND1, 1, 1);
    struct store_log_entry e[1];
    entries(e, 1, 0, row, 1);
    assert_int_equal(store_log_append(f->s, A, CH, e, 1, &f->err), 0);
    sqlite3 *db;
    assert_int_equal(sqlite3_open(f->path, &db), SQLITE_OK);
    char sql[200];
    snprintf(sql, sizeof sql,
             "INSERT INTO log_entries VALUES((SELECT id FROM logs), 5, zeroblob(32), %lld, 1)",
             (long long)row);
    assert_int_not_equal(sqlite3_exec(db, sql, NULL, NULL, NULL), SQLITE_OK);
    assert_non_null(strstr(sqlite3_errmsg(db), "not the log size"));
    sqlite3_close(db);
}

static void test_rollback_leaves_nothing(void **state)
{
    struct fx *f = *state;
    assert_int_equal(store_begin(f->s, &f->err), 0);
    assert_int_equal(store_begin(f->s, &f->err), -HL_E_INVALID); /* no nesting */
    int64_t row = add_obj(f->s, IND1, 1, 1);
    struct store_log_entry e[3];
    entries(e, 3, 0, row, 1);
    assert_int_equal(store_log_append(f->s, A, CH, e, 3, &f->err), 0);
    uint8_t h[STORE_HASH_BYTES] = {1};
    assert_int_equal(store_tile_put(f->s, A, CH, 1, 0, h, &f->err), 0);
    assert_int_equal(store_meta_set(f->s, "k", "v", &f->err), 0);
    assert_int_equal(store_rollback(f->s, &f->err), 0);
    int64_t size;
    assert_int_equal(store_log_size(f->s, A, CH, &size, &f->err), 0);
    assert_int_equal(size, 0);
    struct seen s = {0};
    assert_int_equal(store_object_get(f->s, row, collect, &s, &f->err), -HL_E_NOT_FOUND);
    assert_int_equal(store_tile_get(f->s, A, CH, 1, 0, h, &f->err), -HL_E_NOT_FOUND);
    char v[STORE_TEXT_MAX + 1];
    assert_int_equal(store_meta_get(f->s, "k", v, &f->err), -HL_E_NOT_FOUND);
    assert_int_equal(store_commit(f->s, &f->err), -HL_E_INVALID);
    /* The log row A's append made was rolled back: B's new log may get its
     * id, and nothing remembered of A's may point there. */
    row = add_obj(f->s, IND1, 1, 1);
    entries(e, 2, 0, row, 2);
    assert_int_equal(store_log_append(f->s, B, CH, e, 2, &f->err), 0);
    assert_int_equal(store_log_size(f->s, A, CH, &size, &f->err), 0);
    assert_int_equal(size, 0);
    assert_int_equal(store_log_size(f->s, B, CH, &size, &f->err), 0);
    assert_int_equal(size, 2);
}

static void test_second_writer_waits_then_fails_busy(void **state)
{
    struct fx *f = *state;
    struct store *s2 = NULL;
    struct store_options o = {.busy_timeout_ms = 50};
    assert_int_equal(store_open(f->path, &o, &s2, &f->err), 0);
    assert_int_equal(store_begin(f->s, &f->err), 0);
    assert_int_equal(store_begin(s2, &f->err), -HL_E_STORE);
    assert_int_equal(store_commit(f->s, &f->err), 0);
    assert_int_equal(store_begin(s2, &f->err), 0);
    assert_int_equal(store_rollback(s2, &f->err), 0);
    store_close(s2);
}

/* ---- tiles, heads, receipts ------------------------------------------------- */

static void test_tiles_put_get_and_conflict(void **state)
{
    struct fx *f = *state;
    uint8_t h[STORE_HASH_BYTES], got[STORE_HASH_BYTES];
    memset(h, 0x5a, sizeof h);
    assert_int_equal(store_tile_put(f->s, A, CH, 3, 7, h, &f->err), 0);
    assert_int_equal(store_tile_put(f->s, A, CH, 3, 7, h, &f->err), 0); /* same: fine */
    assert_int_equal(store_tile_get(f->s, A, CH, 3, 7, got, &f->err), 0);
    assert_memory_equal(got, h, sizeof h);
    h[0] ^= 1;
    assert_int_equal(store_tile_put(f->s, A, CH, 3, 7, h, &f->err), -HL_E_CONFLICT);
    assert_int_equal(store_tile_get(f->s, A, CH, 3, 8, got, &f->err), -HL_E_NOT_FOUND);
    assert_int_equal(store_tile_get(f->s, B, CH, 3, 7, got, &f->err), -HL_E_NOT_FOUND);
    assert_int_equal(store_tile_put(f->s, A, CH, 64, 0, h, &f->err), -HL_E_INVALID);
}

static int count_head(void *ctx, const struct store_tree_head *h)
{
    (void)h;
    (*(int *)ctx)++;
    return 0;
}

static int count_receipt(void *ctx, const struct store_receipt *r)
{
    (void)r;
    (*(int *)ctx)++;
    return 0;
}

static void test_tree_heads_and_receipts(void **state)
{
    struct fx *f = *state;
    int64_t row = add_obj(f->s, NOTE1, 1, 1);
    struct store_tree_head h = {.size = 5, .timestamp_us = 9, .object_row = row}, got;
    assert_int_equal(store_tree_head_latest(f->s, A, CH, &got, &f->err), -HL_E_NOT_FOUND);
    assert_int_equal(store_tree_head_add(f->s, A, CH, &h, &f->err), 0);
    h.size = 9;
    h.root[0] = 9;
    assert_int_equal(store_tree_head_add(f->s, A, CH, &h, &f->err), 0);
    h.size = 5;
    h.root[0] = 0xee; /* equivocation: both kept */
    assert_int_equal(store_tree_head_add(f->s, A, CH, &h, &f->err), 0);
    assert_int_equal(store_tree_head_latest(f->s, A, CH, &got, &f->err), 0);
    assert_int_equal(got.size, 9);
    assert_int_equal(got.root[0], 9);
    int n = 0;
    assert_int_equal(store_tree_head_list(f->s, A, CH, count_head, &n, &f->err), 0);
    assert_int_equal(n, 3);
    /* the head that covers an entry: the first past it, the first of equals */
    static const int64_t seq[] = {0, 4, 5, 8}, size[] = {5, 5, 9, 9};
    for (size_t i = 0; i < 4; i++) {
        assert_int_equal(store_tree_head_covering(f->s, A, CH, seq[i], &got, &f->err), 0);
        assert_int_equal(got.size, size[i]);
        assert_int_equal(got.root[0], size[i] == 9 ? 9 : 0);
    }
    assert_int_equal(store_tree_head_covering(f->s, A, CH, 9, &got, &f->err), -HL_E_NOT_FOUND);
    assert_int_equal(store_tree_head_covering(f->s, B, CH, 0, &got, &f->err), -HL_E_NOT_FOUND);
    assert_int_equal(store_tree_head_covering(f->s, A, CH, -1, &got, &f->err), -HL_E_INVALID);
    h.object_row = row + 50;
    assert_int_equal(store_tree_head_add(f->s, A, CH, &h, &f->err), -HL_E_NOT_FOUND);

    struct store_receipt rc = {.witness_id = B, .size = 4, .object_row = row}, rgot;
    assert_int_equal(store_receipt_latest(f->s, A, CH, B, &rgot, &f->err), -HL_E_NOT_FOUND);
    assert_int_equal(store_receipt_add(f->s, A, CH, &rc, &f->err), 0);
    rc.size = 8;
    assert_int_equal(store_receipt_add(f->s, A, CH, &rc, &f->err), 0);
    assert_int_equal(store_receipt_latest(f->s, A, CH, B, &rgot, &f->err), 0);
    assert_int_equal(rgot.size, 8);
    assert_string_equal(rgot.witness_id, B);
    n = 0;
    assert_int_equal(store_receipt_list(f->s, A, CH, count_receipt, &n, &f->err), 0);
    assert_int_equal(n, 2);
    snprintf(rc.witness_id, sizeof rc.witness_id, "identity--stranger");
    assert_int_equal(store_receipt_add(f->s, A, CH, &rc, &f->err), -HL_E_NOT_FOUND);
}

/* ---- status, cursors ---------------------------------------------------------- */

static void test_status_and_replication_cursor(void **state)
{
    struct fx *f = *state;
    struct buf b;
    buf_init(&b, 1024);
    const char *body = "{\"status\":\"complete\"}";
    assert_int_equal(store_status_get(f->s, "st-1", &b, &f->err), -HL_E_NOT_FOUND);
    assert_int_equal(store_status_put(f->s, "st-1", CH, 5, (const uint8_t *)"x", 1, &f->err), 0);
    assert_int_equal(
        store_status_put(f->s, "st-1", CH, 6, (const uint8_t *)body, strlen(body), &f->err), 0);
    assert_int_equal(store_status_get(f->s, "st-1", &b, &f->err), 0);
    assert_string_equal(b.data, body);
    assert_int_equal(store_status_put(f->s, "st-2", "nope", 5, (const uint8_t *)"x", 1, &f->err),
                     -HL_E_NOT_FOUND);
    buf_release(&b);

    struct store_repl r = {.push_row = 1}, got;
    assert_int_equal(store_repl_get(f->s, B, CH, &got, &f->err), 0);
    assert_int_equal(got.push_row, 0);
    r.push_row = 17;
    r.pull_added_us = 99;
    snprintf(r.pull_next, sizeof r.pull_next, "tok");
    assert_int_equal(store_repl_set(f->s, B, CH, &r, &f->err), 0);
    r.push_row = 18;
    assert_int_equal(store_repl_set(f->s, B, CH, &r, &f->err), 0);
    assert_int_equal(store_repl_get(f->s, B, CH, &got, &f->err), 0);
    assert_int_equal(got.push_row, 18);
    assert_int_equal(got.pull_added_us, 99);
    assert_string_equal(got.pull_next, "tok");
    assert_int_equal(store_repl_set(f->s, "identity--x", CH, &r, &f->err), -HL_E_NOT_FOUND);
}

/* Status records go the oldest first, a bounded step at a time: of the
 * max oldest, those made before the cut. A record made after an older
 * one was (the clock stepped back) waits for it. */
static void test_status_prune_oldest_first(void **state)
{
    struct fx *f = *state;
    struct buf b;
    size_t removed = 99;
    const int64_t made[5] = {100, 200, 300, 250, 400}; /* in the order put */
    buf_init(&b, 1024);
    for (int i = 0; i < 5; i++) {
        char id[16];
        snprintf(id, sizeof id, "st-%d", i);
        assert_int_equal(store_status_put(f->s, id, CH, made[i], (const uint8_t *)"x", 1, &f->err),
                         0);
    }
    assert_int_equal(store_status_prune(f->s, 1000, 0, &removed, &f->err), -HL_E_INVALID);
    assert_int_equal(removed, 0);
    assert_int_equal(store_status_prune(f->s, 1000, STORE_STATUS_PRUNE_MAX + 1, &removed, &f->err),
                     -HL_E_INVALID);
    /* The two oldest looked at: only st-0 is older than 150. */
    assert_int_equal(store_status_prune(f->s, 150, 2, &removed, &f->err), 0);
    assert_int_equal(removed, 1);
    assert_int_equal(store_status_get(f->s, "st-0", &b, &f->err), -HL_E_NOT_FOUND);
    assert_int_equal(store_status_get(f->s, "st-1", &b, &f->err), 0);
    /* Before 280: st-1 goes; st-3 (250) waits behind st-2 (300). */
    assert_int_equal(store_status_prune(f->s, 280, 2, &removed, &f->err), 0);
    assert_int_equal(removed, 1);
    assert_int_equal(store_status_get(f->s, "st-3", &b, &f->err), 0);
    assert_int_equal(store_status_prune(f->s, 350, 1, &removed, &f->err), 0);
    assert_int_equal(removed, 1); /* st-2 */
    assert_int_equal(store_status_prune(f->s, 350, 1, &removed, &f->err), 0);
    assert_int_equal(removed, 1); /* then st-3 */
    assert_int_equal(store_status_prune(f->s, 350, 10, &removed, &f->err), 0);
    assert_int_equal(removed, 0);
    assert_int_equal(store_status_get(f->s, "st-4", &b, &f->err), 0);
    /* A record put again under its id takes its new time. */
    assert_int_equal(store_status_put(f->s, "st-4", CH, 500, (const uint8_t *)"y", 1, &f->err), 0);
    assert_int_equal(store_status_prune(f->s, 450, 10, &removed, &f->err), 0);
    assert_int_equal(removed, 0);
    assert_int_equal(store_status_prune(f->s, 1000, 10, &removed, &f->err), 0);
    assert_int_equal(removed, 1);
    assert_int_equal(store_status_get(f->s, "st-4", &b, &f->err), -HL_E_NOT_FOUND);
    buf_release(&b);
}

/* ---- the file as hostile input ------------------------------------------------- */

static void test_short_leaf_hash_is_reported_as_corruption(void **state)
{
    struct fx *f = *state;
    int64_t row = add_obj(f->s, IND1, 1, 1);
    struct store_log_entry e[3];
    entries(e, 3, 0, row, 1);
    assert_int_equal(store_log_append(f->s, A, CH, e, 3, &f->err), 0);
    raw_exec(f->path, "PRAGMA ignore_check_constraints = 1;"
                      "UPDATE log_entries SET leaf_hash = zeroblob(31) WHERE seq = 1");
    struct store_log_entry got;
    assert_int_equal(store_log_entry_get(f->s, A, CH, 0, &got, &f->err), 0);
    assert_int_equal(store_log_entry_get(f->s, A, CH, 1, &got, &f->err), -HL_E_STORE);
    assert_non_null(strstr(f->err.msg, "log_entries row 1"));
    assert_non_null(strstr(f->err.msg, "leaf_hash has 31 bytes, expected 32"));
    for (size_t i = 0; i < sizeof got.leaf_hash; i++)
        assert_int_equal(got.leaf_hash[i], 0); /* cleared on failure */
    struct scan sc = {0};
    assert_int_equal(store_log_scan(f->s, A, CH, 0, scan_collect, &sc, &f->err), -HL_E_STORE);
    assert_int_equal(sc.n, 1);
}

static int count_channel(void *ctx, const struct store_channel *c)
{
    (void)c;
    (*(int *)ctx)++;
    return 0;
}

static void test_wrong_key_length_and_text_are_corruption(void **state)
{
    struct fx *f = *state;
    raw_exec(f->path, "PRAGMA ignore_check_constraints = 1;"
                      "UPDATE parties SET public_key = zeroblob(33) WHERE id = '" B "'");
    struct store_party p;
    assert_int_equal(store_party_get(f->s, B, &p, &f->err), -HL_E_STORE);
    assert_non_null(strstr(f->err.msg, "public_key has 33 bytes"));
    assert_int_equal(store_party_get(f->s, A, &p, &f->err), 0);
    raw_exec(f->path, "UPDATE channels SET name = 'a' || char(0) || 'b' WHERE name = '" CH "'");
    int n = 0;
    assert_int_not_equal(store_channel_list(f->s, count_channel, &n, &f->err), 0);
    assert_int_equal(f->err.code, HL_E_STORE);
    assert_non_null(strstr(f->err.msg, "NUL"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_open_migrates_an_empty_file, setup_empty, teardown),
        cmocka_unit_test_setup_teardown(test_open_refuses_a_future_schema_version, setup_empty,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_open_refuses_another_applications_file, setup_empty,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_open_must_exist_refuses_a_missing_file, setup_empty,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_meta_roundtrip_and_missing_key, setup, teardown),
        cmocka_unit_test_setup_teardown(test_party_put_updates_and_lists, setup, teardown),
        cmocka_unit_test_setup_teardown(test_channels_members_and_callback_stop, setup, teardown),
        cmocka_unit_test_setup_teardown(test_object_versions_and_duplicates, setup, teardown),
        cmocka_unit_test_setup_teardown(test_object_list_filters, setup, teardown),
        cmocka_unit_test_setup_teardown(test_pagination_is_stable_while_inserting, setup, teardown),
        cmocka_unit_test_setup_teardown(test_log_append_in_one_transaction_and_scan, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_log_append_refusal_writes_nothing, setup, teardown),
        cmocka_unit_test_setup_teardown(test_log_append_one_by_one_across_connections, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_log_append_rejects_gap_and_duplicate, setup, teardown),
        cmocka_unit_test_setup_teardown(test_a_full_disk_fails_the_commit_and_changes_nothing,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(test_unsynced_commit_skips_only_its_own_sync, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_schema_refuses_gap_written_directly, setup, teardown),
        cmocka_unit_test_setup_teardown(test_rollback_leaves_nothing, setup, teardown),
        cmocka_unit_test_setup_teardown(test_second_writer_waits_then_fails_busy, setup, teardown),
        cmocka_unit_test_setup_teardown(test_object_list_leaves_out_one_partys_log, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_rolled_back_channel_is_not_remembered, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_object_held_names_one_version, setup, teardown),
        cmocka_unit_test_setup_teardown(test_versions_flag_and_last_after_a_delete, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_tiles_put_get_and_conflict, setup, teardown),
        cmocka_unit_test_setup_teardown(test_tree_heads_and_receipts, setup, teardown),
        cmocka_unit_test_setup_teardown(test_workflow_query_reads_the_workflow_objects_only, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_status_and_replication_cursor, setup, teardown),
        cmocka_unit_test_setup_teardown(test_status_prune_oldest_first, setup, teardown),
        cmocka_unit_test_setup_teardown(test_short_leaf_hash_is_reported_as_corruption, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_wrong_key_length_and_text_are_corruption, setup,
                                        teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
