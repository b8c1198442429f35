/*
 * hook.c — the escalation hook: a program the operator names in
 * hotline.conf (escalation_hook = /path/to/program) that pages a duty
 * officer. It runs as `program ITEM-ID KIND [MEMBER-ID MEMBER-NAME]`
 * through posix_spawn, never a shell, so nothing in an item id or a party
 * name (which a peer chose) is interpreted;
 * stdin is /dev/null, stdout and stderr go where the caller says (the
 * node's log, line by line, or a descriptor), and a program still running
 * after the timeout is killed (SIGKILL).
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "workflow.h"

extern char **environ;

#define HOOK_POLL_MS 5

/* Fills err and returns STORE_HOOK_FAILED. */
static int hook_failed(struct hl_error *err, int code, const char *where, const char *fmt, ...)
    HL_PRINTF(4, 5);
static int hook_failed(struct hl_error *err, int code, const char *where, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    (void)hl_failv(err, code, where, fmt, ap);
    va_end(ap);
    return STORE_HOOK_FAILED;
}

/* The pipe the hook writes to, read without blocking: complete lines go
 * to io->line as they come, the rest when the hook is done. */
struct drain {
    int fd;
    char buf[WORKFLOW_HOOK_LINE_MAX + 1];
    size_t len;
    const struct workflow_hook_io *io;
};

static void drain_emit(struct drain *d, size_t n)
{
    char line[WORKFLOW_HOOK_LINE_MAX + 16];
    snprintf(line, sizeof line, "hook: %.*s", (int)n, d->buf);
    d->io->line(d->io->ctx, line);
}

static void drain_read(struct drain *d, bool last)
{
    for (;;) {
        ssize_t k = d->fd >= 0 ? read(d->fd, d->buf + d->len, WORKFLOW_HOOK_LINE_MAX - d->len) : 0;
        if (k > 0)
            d->len += (size_t)k;
        for (char *nl; d->len && (nl = memchr(d->buf, '\n', d->len)) != NULL;) {
            size_t n = (size_t)(nl - d->buf);
            drain_emit(d, n);
            memmove(d->buf, nl + 1, d->len - n - 1);
            d->len -= n + 1;
        }
        if (d->len == WORKFLOW_HOOK_LINE_MAX || (last && d->len && k <= 0)) {
            drain_emit(d, d->len); /* a line too long, or the last one */
            d->len = 0;
        }
        if (k <= 0)
            return;
    }
}

int workflow_hook_run(const char *program, const struct workflow_overdue *ov,
                      const struct workflow_hook_io *io, unsigned timeout_ms, struct hl_error *err)
{
    posix_spawn_file_actions_t fa;
    pid_t pid;
    int status = 0, fds[2] = {-1, -1};
    bool member = ov->member && ov->member[0];
    char *argv[] = {(char *)program,
                    (char *)ov->item_id,
                    (char *)ov->kind,
                    member ? (char *)ov->member : NULL,
                    member ? (char *)(ov->member_name ? ov->member_name : "") : NULL,
                    NULL};
    struct drain d = {.fd = -1, .io = io};
    if (!program || program[0] != '/')
        return hook_failed(err, HL_E_INVALID, "escalation_hook",
                           "escalation_hook must be an absolute path");
    int out = io && io->out_fd >= 0 ? io->out_fd : -1;
    if (out < 0 && io && io->line) {
        if (pipe(fds) != 0)
            return hook_failed(err, HL_E_IO, program, "pipe: %s", strerror(errno));
        fcntl(fds[0], F_SETFD, FD_CLOEXEC);
        fcntl(fds[1], F_SETFD, FD_CLOEXEC);
        fcntl(fds[0], F_SETFL, O_NONBLOCK);
        d.fd = fds[0];
        out = fds[1];
    }
    if (posix_spawn_file_actions_init(&fa)) {
        close(fds[0]);
        close(fds[1]);
        return hook_failed(err, HL_E_NOMEM, program, "out of memory");
    }
    int rc = posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
    if (!rc && out >= 0)
        rc = posix_spawn_file_actions_adddup2(&fa, out, 1);
    if (!rc && out < 0)
        rc = posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
    if (!rc)
        rc = posix_spawn_file_actions_adddup2(&fa, 1, 2);
    if (!rc)
        rc = posix_spawn(&pid, program, &fa, NULL, argv, environ);
    posix_spawn_file_actions_destroy(&fa);
    if (fds[1] >= 0)
        close(fds[1]); /* the child holds its copy */
    if (rc) {
        if (fds[0] >= 0)
            close(fds[0]);
        return hook_failed(err, HL_E_IO, program, "cannot run %s: %s", program, strerror(rc));
    }
    int64_t until = hl_mono_ms() + timeout_ms;
    bool killed = false;
    for (;;) {
        pid_t w = waitpid(pid, &status, WNOHANG);
        if (w == pid)
            break;
        if (w < 0 && errno != EINTR) {
            int e = errno;
            if (fds[0] >= 0)
                close(fds[0]);
            return hook_failed(err, HL_E_IO, program, "waiting for %s: %s", program, strerror(e));
        }
        if (!killed && hl_mono_ms() >= until) {
            kill(pid, SIGKILL);
            killed = true;
        }
        drain_read(&d, false);
        struct timespec ts = {0, HOOK_POLL_MS * 1000000L};
        nanosleep(&ts, NULL);
    }
    drain_read(&d, true);
    if (fds[0] >= 0)
        close(fds[0]);
    if (killed)
        return hook_failed(err, HL_E_IO, program, "%s was killed after %u ms", program, timeout_ms);
    if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
        return STORE_HOOK_OK;
    if (WIFEXITED(status))
        return hook_failed(err, HL_E_IO, program, "%s exited with status %d", program,
                           WEXITSTATUS(status));
    return hook_failed(err, HL_E_IO, program, "%s ended by signal %d", program,
                       WIFSIGNALED(status) ? WTERMSIG(status) : 0);
}
