/*
 * test_dir.h — a fresh temporary directory per test, removed with what
 * the test left in it (a database and its -wal, -shm files). Header-only:
 * each test program includes it once.
 */
#ifndef HL_TEST_DIR_H
#define HL_TEST_DIR_H

#include <dirent.h>
#include <stdio.h>
#include <unistd.h>

#define TEST_DIR_MAX 64

/* Makes /tmp/PREFIX.XXXXXX into dir; fails the test if it cannot. */
static inline void test_dir_make(char dir[TEST_DIR_MAX], const char *prefix)
{
    snprintf(dir, TEST_DIR_MAX, "/tmp/%s.XXXXXX", prefix);
    assert_non_null(mkdtemp(dir));
}

/* Removes dir's files (no subdirectories) and dir itself. */
static inline void test_dir_remove(const char *dir)
{
    DIR *d = opendir(dir);
    assert_non_null(d);
    for (struct dirent *e; (e = readdir(d)) != NULL;) {
        char p[TEST_DIR_MAX + 260];
        int n = snprintf(p, sizeof p, "%s/%s", dir, e->d_name);
        if (e->d_name[0] != '.' && n > 0 && (size_t)n < sizeof p)
            unlink(p);
    }
    closedir(d);
    assert_int_equal(rmdir(dir), 0);
}

#endif
