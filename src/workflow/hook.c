/*
 * hook.c — the escalation hook: a program the operator names in
 * hotline.conf (escalation_hook = /path/to/program) that pages a duty
 * officer. It runs as `program ITEM-ID KIND` through posix_spawn, never a
 * shell, so nothing in an item id (which a peer chose) is interpreted;
 * stdin is /dev/null, stdout and stderr go where the caller says (the
 * node's log), and a program still running after the timeout is killed.
 */
#include <errno.h>
#include <stdarg.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "workflow.h"

extern char **environ;

#define HOOK_POLL_MS 5

static int64_t hook_mono_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

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

int workflow_hook_run(const char *program, const char *item_id, const char *kind, int out_fd,
                      unsigned timeout_ms, struct hl_error *err)
{
    posix_spawn_file_actions_t fa;
    pid_t pid;
    int status = 0;
    char *argv[] = {(char *)program, (char *)item_id, (char *)kind, NULL};
    if (!program || program[0] != '/')
        return hook_failed(err, HL_E_INVALID, "escalation_hook",
                       "escalation_hook must be an absolute path");
    if (posix_spawn_file_actions_init(&fa))
        return hook_failed(err, HL_E_NOMEM, program, "out of memory");
    int rc = posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
    if (!rc && out_fd >= 0)
        rc = posix_spawn_file_actions_adddup2(&fa, out_fd, 1);
    if (!rc && out_fd >= 0)
        rc = posix_spawn_file_actions_adddup2(&fa, out_fd, 2);
    if (!rc && out_fd < 0)
        rc = posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
    if (!rc && out_fd < 0)
        rc = posix_spawn_file_actions_adddup2(&fa, 1, 2);
    if (!rc)
        rc = posix_spawn(&pid, program, &fa, NULL, argv, environ);
    posix_spawn_file_actions_destroy(&fa);
    if (rc)
        return hook_failed(err, HL_E_IO, program, "cannot run %s: %s", program, strerror(rc));
    int64_t until = hook_mono_ms() + timeout_ms;
    bool killed = false;
    for (;;) {
        pid_t w = waitpid(pid, &status, WNOHANG);
        if (w == pid)
            break;
        if (w < 0 && errno != EINTR) {
            return hook_failed(err, HL_E_IO, program, "waiting for %s: %s", program,
                           strerror(errno));
        }
        if (!killed && hook_mono_ms() >= until) {
            kill(pid, SIGKILL);
            killed = true;
        }
        struct timespec ts = {0, HOOK_POLL_MS * 1000000L};
        nanosleep(&ts, NULL);
    }
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
