/*
 * store_journal_test.c — the journal's life on the SQLite backend
 * (store.h: store_checkpoint, store_checkpoint_restart): a restart makes
 * the next commits overwrite the journal from its start instead of
 * growing the file, and a reader of an older snapshot keeps it from
 * restarting, for the time given and no longer; a passive checkpoint says
 * how much the readers kept it from copying (what a restart would copy).
 * And the memory map: a connection alone in its process reads the file
 * through one, a concurrent one (store_options) does not
 * (/proc/self/maps says which). Real database files in a
 * fresh directory; the journal's size is read with stat(2).
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

#include "base/base.h"
#include "test_dir.h"
#include "test_store.h"

static int setup(void **state)
{
    struct fx *f = test_store_open("store_journal_test");
    store_close(f->s); /* again as hotline serve opens it */
    struct store_options o = {.must_exist = true, .manual_checkpoint = true};
    assert_int_equal(store_open(f->path, &o, &f->s, &f->err), 0);
    *state = f;
    return 0;
}

static off_t journal_size(const struct fx *f)
{
    char p[160];
    struct stat st;
    snprintf(p, sizeof p, "%s-wal", f->path);
    assert_int_equal(stat(p, &st), 0);
    return st.st_size;
}

/* n commits of one row each: a journal frame (a page) or more each. */
static void commits(struct fx *f, int n)
{
    char key[32], value[STORE_TEXT_MAX + 1];
    memset(value, 'v', sizeof value - 1);
    value[sizeof value - 1] = '\0';
    static int round;
    round++;
    for (int i = 0; i < n; i++) {
        snprintf(key, sizeof key, "k%d", i);
        value[0] = (char)('a' + round % 26); /* a new value: a row written */
        assert_int_equal(store_meta_set(f->s, key, value, &f->err), 0);
    }
}

static void test_restart_makes_commits_reuse_the_journal(void **state)
{
    struct fx *f = *state;
    bool restarted = false;
    int64_t left = -1;
    commits(f, 40);
    off_t full = journal_size(f);
    assert_true(full > 40 * 4096);
    assert_int_equal(store_checkpoint(f->s, &left, &f->err), 0);
    assert_int_equal(left, 0);
    assert_int_equal(store_checkpoint_restart(f->s, 2000, &restarted, &f->err), 0);
    assert_true(restarted);
    commits(f, 20);
    assert_int_equal(journal_size(f), full); /* written from its start */
    char v[STORE_TEXT_MAX + 1];
    assert_int_equal(store_meta_get(f->s, "k39", v, &f->err), 0);
    assert_int_equal(strlen(v), STORE_TEXT_MAX);
    commits(f, 40);
    assert_true(journal_size(f) > full); /* then it grows past its size */
}

static void test_reader_of_an_older_snapshot_holds_the_restart_off(void **state)
{
    struct fx *f = *state;
    struct store *reader = NULL;
    bool restarted = true;
    int64_t left = 0;
    char v[STORE_TEXT_MAX + 1];
    assert_int_equal(store_open(f->path, NULL, &reader, &f->err), 0);
    commits(f, 40);
    assert_int_equal(store_begin_read(reader, &f->err), 0);
    assert_int_equal(store_meta_get(reader, "k0", v, &f->err), 0); /* takes its snapshot */
    commits(f, 10);
    off_t full = journal_size(f);
    /* What came after the reader's snapshot stays in the journal. */
    assert_int_equal(store_checkpoint(f->s, &left, &f->err), 0);
    assert_true(left >= 10);
    int64_t t0 = hl_mono_us();
    assert_int_equal(store_checkpoint_restart(f->s, 3000, &restarted, &f->err), 0);
    int64_t waited = hl_mono_us() - t0;
    assert_false(restarted);
    assert_true(waited >= 3000);
    commits(f, 20);
    assert_true(journal_size(f) > full); /* appended after the old frames */
    assert_int_equal(store_rollback(reader, &f->err), 0);
    store_close(reader);
    full = journal_size(f);
    assert_int_equal(store_checkpoint(f->s, &left, &f->err), 0);
    assert_int_equal(left, 0);
    assert_int_equal(store_checkpoint_restart(f->s, 3000, &restarted, &f->err), 0);
    assert_true(restarted);
    commits(f, 20);
    assert_int_equal(journal_size(f), full);
}

static void test_empty_journal_and_a_missing_flag(void **state)
{
    struct fx *f = *state;
    int64_t left = -1;
    assert_int_equal(store_checkpoint(f->s, &left, &f->err), 0);
    assert_int_equal(left, 0); /* an empty journal */
    assert_int_equal(store_checkpoint(f->s, NULL, &f->err), 0);
    assert_int_equal(store_checkpoint_restart(f->s, 0, NULL, &f->err), -HL_E_INVALID);
}

/* Whether the database file is mapped into this process. */
static bool file_mapped(const struct fx *f)
{
    char line[4096];
    bool found = false;
    FILE *maps = fopen("/proc/self/maps", "r");
    assert_non_null(maps);
    while (!found && fgets(line, sizeof line, maps)) {
        size_t n = strlen(line);
        if (n && line[n - 1] == '\n')
            line[--n] = '\0';
        size_t k = strlen(f->path);
        found = n >= k && strcmp(line + n - k, f->path) == 0;
    }
    fclose(maps);
    return found;
}

static void test_memory_map_only_for_a_connection_alone(void **state)
{
    struct fx *f = *state;
    char v[STORE_TEXT_MAX + 1];
    store_close(f->s);
    f->s = NULL;
    struct store_options concurrent = {.must_exist = true, .concurrent = true};
    assert_int_equal(store_open(f->path, &concurrent, &f->s, &f->err), 0);
    commits(f, 5);
    assert_int_equal(store_meta_get(f->s, "k1", v, &f->err), 0);
    assert_false(file_mapped(f));
    store_close(f->s);
    f->s = NULL;
    assert_int_equal(store_open(f->path, NULL, &f->s, &f->err), 0);
    assert_int_equal(store_meta_get(f->s, "k1", v, &f->err), 0);
    assert_true(file_mapped(f));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_restart_makes_commits_reuse_the_journal, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_reader_of_an_older_snapshot_holds_the_restart_off,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(test_empty_journal_and_a_missing_flag, setup, teardown),
        cmocka_unit_test_setup_teardown(test_memory_map_only_for_a_connection_alone, setup,
                                        teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
