/*
 * sqlite_backup.c — a consistent copy of a node's database while it
 * serves (store_backup; `hotline backup`).
 *
 * VACUUM INTO writes the database as one read transaction of this
 * connection sees it: a snapshot of one moment, taken beside the node's
 * writers (WAL mode: readers and the writer do not wait for each other),
 * with every committed row and none of a transaction in flight. The copy
 * is compact and has no journal of its own. Copying hotline.db with cp
 * instead loses what sits in hotline.db-wal, or copies a file that a
 * checkpoint is rewriting.
 *
 * The file is made first, empty and private (mode 0600: the database holds
 * the tokens this node presents to its peers), and VACUUM INTO, which
 * accepts an empty file, fills it; SQLite does not sync what VACUUM INTO
 * writes, so the file is fsynced here.
 */
#include "sqlite_int.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

int sq_backup(struct store *s, const char *path, struct hl_error *err)
{
    struct store_sqlite *q = sq_of(s);
    sqlite3_stmt *st = NULL;
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
    if (fd < 0)
        return hl_fail(err, errno == EEXIST ? HL_E_EXISTS : HL_E_IO, path, "cannot create %s: %s",
                       path, strerror(errno));
    close(fd);
    int rc = sqlite3_prepare_v2(q->db, "VACUUM INTO ?1", -1, &st, NULL);
    if (rc == SQLITE_OK)
        rc = sqlite3_bind_text(st, 1, path, -1, SQLITE_STATIC);
    if (rc == SQLITE_OK)
        rc = sqlite3_step(st) == SQLITE_DONE ? SQLITE_OK : sqlite3_errcode(q->db);
    int r = rc == SQLITE_OK ? 0 : sq_fail(q, rc, "backup", err);
    sqlite3_finalize(st);
    if (!r && ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW)) < 0 || fsync(fd) != 0))
        r = hl_fail(err, HL_E_IO, path, "cannot sync %s: %s", path, strerror(errno));
    if (fd >= 0)
        close(fd);
    if (r)
        (void)unlink(path);
    return r;
}
