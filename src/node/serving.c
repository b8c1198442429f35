/*
 * serving.c — DIR/serve.lock: one `hotline serve` per node directory, and
 * where it listens, for the command line.
 *
 * hotline serve holds a POSIX record lock (fcntl F_SETLK, F_WRLCK, the
 * whole file) on DIR/serve.lock from before it opens the database until
 * it exits. The kernel drops the lock when the process ends, however it
 * ends (kill -9 and power cuts included), so a lock held is a server
 * alive: a file left behind by a crash misleads nobody, and no pid in a
 * file is ever trusted. A second serve of the same directory finds the
 * lock taken and refuses to start, naming the holder's pid (F_GETLK):
 * two processes would each run a replication worker and a deadline
 * worker over one database.
 *
 * Once listening, the server writes its address into the file,
 * "ADDR:PORT\n" with the port it really bound (`--listen` may have asked
 * for port 0, and overrides hotline.conf), and removes the file at a
 * clean stop. The command line's send, status, match and workflow
 * commands reach the node there, and at hotline.conf's listen address
 * only when no server holds the lock.
 *
 * Readers test the lock with F_GETLK, which takes nothing: a reader
 * holding even a shared lock for a moment would make a starting server's
 * F_SETLK fail. A record lock belongs to the process and is lost when
 * the process closes any descriptor of the file, so the server opens it
 * once and never reads it back.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "node.h"

static int lock_path(char out[NODE_PATH_MAX + 1], const char *dir, struct hl_error *err)
{
    int n = snprintf(out, NODE_PATH_MAX + 1, "%s/%s", dir, NODE_SERVE_LOCK_FILE);
    if (n < 0 || n > NODE_PATH_MAX)
        return hl_fail(err, HL_E_TOO_LARGE, dir, "path too long");
    return 0;
}

/* The pid holding a write lock on fd's file, or 0 if none does. */
static long lock_holder(int fd)
{
    struct flock fl = {.l_type = F_WRLCK, .l_whence = SEEK_SET, .l_start = 0, .l_len = 0};
    if (fcntl(fd, F_GETLK, &fl) != 0 || fl.l_type == F_UNLCK)
        return 0;
    return (long)fl.l_pid;
}

int node_serve_lock_take(const char *dir, struct node_serve_lock *l, struct hl_error *err)
{
    l->fd = -1;
    int r = lock_path(l->path, dir, err);
    if (r)
        return r;
    int fd = open(l->path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
    if (fd < 0)
        return hl_fail(err, HL_E_IO, l->path, "cannot open %s: %s", l->path, strerror(errno));
    struct flock fl = {.l_type = F_WRLCK, .l_whence = SEEK_SET, .l_start = 0, .l_len = 0};
    if (fcntl(fd, F_SETLK, &fl) != 0) {
        int e = errno;
        long pid = lock_holder(fd);
        close(fd);
        if (e == EACCES || e == EAGAIN)
            return hl_fail(err, HL_E_EXISTS, dir,
                           "another hotline serve (pid %ld) is serving %s; stop it first", pid,
                           dir);
        return hl_fail(err, HL_E_IO, l->path, "cannot lock %s: %s", l->path, strerror(e));
    }
    if (ftruncate(fd, 0) != 0) { /* what a crashed server left says nothing now */
        int e = errno;
        close(fd);
        return hl_fail(err, HL_E_IO, l->path, "cannot empty %s: %s", l->path, strerror(e));
    }
    l->fd = fd;
    return 0;
}

int node_serve_lock_publish(struct node_serve_lock *l, const char *listen, struct hl_error *err)
{
    char line[NODE_LISTEN_MAX + 2];
    int n = snprintf(line, sizeof line, "%s\n", listen);
    if (n < 0 || (size_t)n >= sizeof line)
        return hl_fail(err, HL_E_TOO_LARGE, listen, "listen address too long");
    if (pwrite(l->fd, line, (size_t)n, 0) != n || ftruncate(l->fd, n) != 0)
        return hl_fail(err, HL_E_IO, l->path, "cannot write %s: %s", l->path, strerror(errno));
    return 0;
}

void node_serve_lock_release(struct node_serve_lock *l)
{
    if (l->fd < 0)
        return;
    (void)unlink(l->path); /* before the lock goes: a new server makes its own */
    close(l->fd);
    l->fd = -1;
}

int node_serving_read(const char *dir, char listen[NODE_LISTEN_MAX + 1], long *pid,
                      struct hl_error *err)
{
    char path[NODE_PATH_MAX + 1], text[NODE_LISTEN_MAX + 2];
    int r = lock_path(path, dir, err);
    if (r)
        return r;
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
    if (fd < 0)
        return hl_fail(err, HL_E_NOT_FOUND, path, "no hotline serve holds %s", dir);
    *pid = lock_holder(fd);
    ssize_t n = *pid ? pread(fd, text, sizeof text - 1, 0) : -1;
    close(fd);
    if (!*pid)
        return hl_fail(err, HL_E_NOT_FOUND, path, "no hotline serve holds %s", dir);
    /* Empty until the server listens; one line after. */
    if (n < 2 || text[n - 1] != '\n')
        return hl_fail(err, HL_E_NOT_FOUND, path, "the server of %s is not listening yet", dir);
    text[n - 1] = '\0';
    if (node_listen_check(text, err))
        return hl_fail(err, HL_E_PARSE, path, "%s does not hold a listen address", path);
    memcpy(listen, text, (size_t)n);
    return 0;
}
