/*
 * bench_db.h — a benchmark's database file in a fresh directory under
 * $TMPDIR (else /tmp), and its removal with the files SQLite keeps beside
 * it (-wal, -shm, -journal). Header-only: each benchmark that needs one
 * file includes it once (bench_log.c, with three files and a signal
 * handler, keeps its own).
 */
#ifndef HL_BENCH_DB_H
#define HL_BENCH_DB_H

#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

struct bench_db {
    char dir[512];
    char path[600];
};

/* Makes d->dir as TMPDIR/prog.XXXXXX and names d->path = dir/file in it.
 * Exits with a message on failure. */
static inline void bench_db_make(struct bench_db *d, const char *prog, const char *file)
{
    const char *tmp = getenv("TMPDIR");
    int n = snprintf(d->dir, sizeof d->dir, "%s/%s.XXXXXX", tmp ? tmp : "/tmp", prog);
    if (n < 0 || (size_t)n >= sizeof d->dir || !mkdtemp(d->dir)) {
        fprintf(stderr, "%s: cannot make a directory under %s\n", prog, tmp ? tmp : "/tmp");
        d->dir[0] = '\0';
        exit(1);
    }
    snprintf(d->path, sizeof d->path, "%s/%s", d->dir, file);
}

/* Removes the file, its SQLite siblings and the directory (what exists). */
static inline void bench_db_remove(const struct bench_db *d)
{
    static const char *const sfx[] = {"", "-wal", "-shm", "-journal"};
    char p[640];
    for (size_t i = 0; d->path[0] && i < sizeof sfx / sizeof sfx[0]; i++) {
        snprintf(p, sizeof p, "%s%s", d->path, sfx[i]);
        unlink(p);
    }
    if (d->dir[0])
        rmdir(d->dir);
}

#endif
