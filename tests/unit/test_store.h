/*
 * test_store.h — the fixture the store's unit tests share: a fresh
 * database in a directory of its own, with channels "us-ru" and "eu".
 * Header-only: each test program includes it once, after cmocka.h and
 * test_dir.h.
 */
#ifndef HL_TEST_STORE_H
#define HL_TEST_STORE_H

#include <stdio.h>
#include <stdlib.h>

#include "store/store.h"

struct fx {
    char dir[TEST_DIR_MAX];
    char path[128];
    struct store *s;
    struct hl_error err;
};

static inline void add_channel(struct store *s, const char *name)
{
    struct store_channel c = {.created_us = 1000};
    snprintf(c.name, sizeof c.name, "%s", name);
    assert_int_equal(store_channel_create(s, &c, NULL), 0);
}

/* A new fixture under a directory named after the test program. */
static inline struct fx *test_store_open(const char *name)
{
    struct fx *f = calloc(1, sizeof *f);
    assert_non_null(f);
    test_dir_make(f->dir, name);
    snprintf(f->path, sizeof f->path, "%s/node.db", f->dir);
    assert_int_equal(store_open(f->path, NULL, &f->s, &f->err), 0);
    add_channel(f->s, "us-ru");
    add_channel(f->s, "eu");
    return f;
}

static inline int teardown(void **state)
{
    struct fx *f = *state;
    store_close(f->s);
    test_dir_remove(f->dir);
    free(f);
    return 0;
}

#endif
