/*
 * base.c — errors, struct buf, files, small text helpers. See base.h for
 * the contracts and the invariants of struct buf.
 */
#include "base.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static const char *const hl_err_strings[HL_E__COUNT] = {
    [HL_OK] = "success",
    [HL_E_NOMEM] = "out of memory",
    [HL_E_TOO_LARGE] = "limit exceeded",
    [HL_E_INVALID] = "invalid argument",
    [HL_E_PARSE] = "malformed input",
    [HL_E_STIX] = "not valid STIX 2.1",
    [HL_E_IO] = "input/output error",
    [HL_E_CRYPTO] = "cryptographic failure",
    [HL_E_VERIFY] = "verification failed",
    [HL_E_NOT_FOUND] = "not found",
    [HL_E_EXISTS] = "already exists",
    [HL_E_STORE] = "storage error",
    [HL_E_PERM] = "permission denied",
    [HL_E_CONFLICT] = "conflict with stored state",
    [HL_E_INTERNAL] = "internal error",
    [HL_E_BEHIND] = "own log behind what members hold",
    [HL_E_FULL] = "storage full",
};

const char *hl_strerror(int code)
{
    if (code < 0)
        code = -code;
    if (code >= HL_E__COUNT || !hl_err_strings[code])
        return "unknown error";
    return hl_err_strings[code];
}

void hl_error_clear(struct hl_error *err)
{
    if (!err)
        return;
    err->code = 0;
    err->where[0] = '\0';
    err->msg[0] = '\0';
}

int hl_failv(struct hl_error *err, int code, const char *where, const char *fmt, va_list ap)
{
    if (code < 0)
        code = -code;
    if (err) {
        err->code = code;
        snprintf(err->where, sizeof err->where, "%s", where ? where : "");
        vsnprintf(err->msg, sizeof err->msg, fmt, ap); /* truncation is acceptable here */
    }
    return -code;
}

int hl_fail(struct hl_error *err, int code, const char *where, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int r = hl_failv(err, code, where, fmt, ap);
    va_end(ap);
    return r;
}

/* ---- struct buf -------------------------------------------------------- */

static char buf_empty[1];

void buf_init(struct buf *b, size_t max)
{
    b->data = buf_empty;
    b->len = 0;
    b->cap = 0;
    b->max = max;
}

void buf_release(struct buf *b)
{
    if (b->cap)
        free(b->data);
    buf_init(b, b->max);
}

void buf_clear(struct buf *b)
{
    buf_truncate(b, 0);
}

void buf_truncate(struct buf *b, size_t n)
{
    if (n > b->len)
        return;
    b->len = n;
    if (b->cap)
        b->data[n] = '\0';
}

int buf_grow(struct buf *b, size_t n)
{
    size_t need;
    if (!size_add(b->len, n, &need) || need > b->max)
        return -HL_E_TOO_LARGE;
    if (need < b->cap)
        return 0;
    size_t cap = b->cap ? b->cap : 64;
    while (cap <= need) {
        if (!size_mul(cap, 2, &cap))
            return -HL_E_TOO_LARGE;
    }
    char *p = realloc(b->cap ? b->data : NULL, cap);
    if (!p)
        return -HL_E_NOMEM;
    if (!b->cap)
        p[0] = '\0';
    b->data = p;
    b->cap = cap;
    return 0;
}

int buf_add(struct buf *b, const void *p, size_t n)
{
    int r = buf_grow(b, n);
    if (r)
        return r;
    if (n)
        memcpy(b->data + b->len, p, n);
    b->len += n;
    b->data[b->len] = '\0';
    return 0;
}

int buf_addc(struct buf *b, char c)
{
    return buf_add(b, &c, 1);
}

int buf_adds(struct buf *b, const char *s)
{
    return buf_add(b, s, strlen(s));
}

int buf_addf(struct buf *b, const char *fmt, ...)
{
    va_list ap;
    char small[256];
    va_start(ap, fmt);
    int n = vsnprintf(small, sizeof small, fmt, ap);
    va_end(ap);
    if (n < 0)
        return -HL_E_INVALID;
    if ((size_t)n < sizeof small)
        return buf_add(b, small, (size_t)n);
    int r = buf_grow(b, (size_t)n);
    if (r)
        return r;
    va_start(ap, fmt);
    vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
    va_end(ap);
    b->len += (size_t)n;
    return 0;
}

char *buf_detach(struct buf *b, size_t *len_out)
{
    char *p = b->cap ? b->data : strdup("");
    if (len_out)
        *len_out = b->len;
    buf_init(b, b->max);
    return p;
}

/* ---- files ------------------------------------------------------------- */

static int read_fd(int fd, const char *path, size_t max, struct buf *out, struct hl_error *err)
{
    for (;;) {
        ssize_t n;
        if (out->len == max) {
            char probe;
            n = read(fd, &probe, 1);
            if (n < 0 && errno == EINTR)
                continue;
            if (n == 0)
                return 0;
            if (n < 0)
                return hl_fail(err, HL_E_IO, path, "cannot read: %s", strerror(errno));
            return hl_fail(err, HL_E_TOO_LARGE, path, "file is larger than %zu bytes", max);
        }
        size_t want = max - out->len < 65536 ? max - out->len : 65536;
        int r = buf_grow(out, want);
        if (r)
            return hl_fail(err, r, path, "%s", hl_strerror(r));
        n = read(fd, out->data + out->len, want);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return hl_fail(err, HL_E_IO, path, "cannot read: %s", strerror(errno));
        if (n == 0)
            return 0;
        out->len += (size_t)n;
        out->data[out->len] = '\0';
    }
}

int hl_read_file(const char *path, size_t max, struct buf *out, struct hl_error *err)
{
    bool is_stdin = strcmp(path, "-") == 0;
    int fd = is_stdin ? STDIN_FILENO : open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        int code = errno == ENOENT ? HL_E_NOT_FOUND : errno == EACCES ? HL_E_PERM : HL_E_IO;
        return hl_fail(err, code, path, "cannot open: %s", strerror(errno));
    }
    buf_clear(out);
    size_t saved_max = out->max;
    out->max = max;
    int r = read_fd(fd, path, max, out, err);
    out->max = saved_max;
    if (!is_stdin)
        close(fd);
    if (r)
        buf_release(out);
    return r;
}

int hl_sync_dir(const char *dir, struct hl_error *err)
{
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    int r = fd < 0 || fsync(fd) != 0
                ? hl_fail(err, HL_E_IO, dir, "cannot sync directory: %s", strerror(errno))
                : 0;
    if (fd >= 0)
        close(fd);
    return r;
}

static int fsync_dir_of(const char *path)
{
    char dir[PATH_MAX];
    const char *slash = strrchr(path, '/');
    if (!slash) {
        dir[0] = '.';
        dir[1] = '\0';
    } else {
        size_t n = (size_t)(slash - path);
        if (n == 0)
            n = 1;
        if (n >= sizeof dir)
            return -1;
        memcpy(dir, path, n);
        dir[n] = '\0';
    }
    struct hl_error ignored; /* the caller names the file */
    return hl_sync_dir(dir, &ignored) ? -1 : 0;
}

int hl_write_file_with(const char *path, unsigned mode, hl_fill_fn fill, void *ctx,
                       struct hl_error *err)
{
    char tmp[PATH_MAX];
    int n = snprintf(tmp, sizeof tmp, "%s.tmp.%ld", path, (long)getpid());
    if (n < 0 || (size_t)n >= sizeof tmp)
        return hl_fail(err, HL_E_INVALID, path, "path too long");
    int fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, (mode_t)mode);
    if (fd < 0)
        return hl_fail(err, HL_E_IO, tmp, "cannot create: %s", strerror(errno));
    int rc = fill(ctx, fd, err);
    if (rc)
        goto out_unlink;
    if (fchmod(fd, (mode_t)mode) || fsync(fd))
        goto out_errno;
    rc = close(fd);
    fd = -1;
    if (rc || rename(tmp, path))
        goto out_errno;
    if (fsync_dir_of(path))
        return hl_fail(err, HL_E_IO, path, "cannot sync directory: %s", strerror(errno));
    return 0;
out_errno:
    rc = hl_fail(err, HL_E_IO, path, "cannot write: %s", strerror(errno));
out_unlink:
    if (fd >= 0)
        close(fd);
    unlink(tmp);
    return rc;
}

struct fill_bytes {
    const char *p;
    size_t len;
};

static int fill_bytes(void *ctx, int fd, struct hl_error *err)
{
    struct fill_bytes *b = ctx;
    while (b->len) {
        ssize_t w = write(fd, b->p, b->len);
        if (w < 0 && errno == EINTR)
            continue;
        if (w < 0)
            return hl_fail(err, HL_E_IO, NULL, "cannot write: %s", strerror(errno));
        b->p += w;
        b->len -= (size_t)w;
    }
    return 0;
}

int hl_write_file(const char *path, const void *data, size_t len, unsigned mode,
                  struct hl_error *err)
{
    struct fill_bytes b = {data, len};
    return hl_write_file_with(path, mode, fill_bytes, &b, err);
}

/* ---- text -------------------------------------------------------------- */

void hl_hex(char *out, const uint8_t *in, size_t n)
{
    static const char digits[] = "0123456789abcdef";
    for (size_t i = 0; i < n; i++) {
        out[2 * i] = digits[in[i] >> 4];
        out[2 * i + 1] = digits[in[i] & 15];
    }
    out[2 * n] = '\0';
}

bool hl_hex_is(const char *s, size_t len)
{
    size_t n = 0;
    for (; s && s[n]; n++)
        if (n == len || !((s[n] >= '0' && s[n] <= '9') || (s[n] >= 'a' && s[n] <= 'f')))
            return false;
    return s && n == len;
}

bool hl_parse_int(const char *s, long long min, long long max, long long *out)
{
    if (!s || !*s)
        return false;
    const char *p = s;
    bool neg = false;
    if (*p == '-') {
        neg = true;
        p++;
    }
    if (!*p)
        return false;
    unsigned long long v = 0;
    for (; *p; p++) {
        if (*p < '0' || *p > '9')
            return false;
        if (v > (ULLONG_MAX - 9) / 10)
            return false;
        v = v * 10 + (unsigned)(*p - '0');
    }
    if (!neg && v > (unsigned long long)LLONG_MAX)
        return false;
    if (neg && v > (unsigned long long)LLONG_MAX + 1)
        return false;
    long long x = neg ? (long long)(0 - v) : (long long)v;
    if (x < min || x > max)
        return false;
    *out = x;
    return true;
}

void hl_duration_format(int64_t ms, char out[32])
{
    const char *sign = ms < 0 ? "-" : "";
    int64_t a = ms < 0 ? -ms : ms, s = a / 1000;
    if (a < 1000)
        snprintf(out, 32, "%s%lldms", sign, (long long)a);
    else if (s < 60)
        snprintf(out, 32, "%s%lld.%01llds", sign, (long long)s, (long long)(a % 1000 / 100));
    else if (s < 3600)
        snprintf(out, 32, "%s%lldm %02llds", sign, (long long)(s / 60), (long long)(s % 60));
    else if (s < 86400)
        snprintf(out, 32, "%s%lldh %02lldm", sign, (long long)(s / 3600),
                 (long long)(s % 3600 / 60));
    else
        snprintf(out, 32, "%s%lldd %02lldh", sign, (long long)(s / 86400),
                 (long long)(s % 86400 / 3600));
}

int64_t hl_wall_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

int64_t hl_mono_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

int64_t hl_mono_ms(void)
{
    return hl_mono_us() / 1000;
}

struct timespec hl_realtime_in_us(int64_t us)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    int64_t ns = (int64_t)ts.tv_nsec + (us > 0 ? us : 0) % 1000000 * 1000;
    ts.tv_sec += (time_t)((us > 0 ? us : 0) / 1000000 + ns / 1000000000);
    ts.tv_nsec = (long)(ns % 1000000000);
    return ts;
}

void hl_thread_name(const char *name)
{
    char n[16]; /* the kernel's TASK_COMM_LEN */
    snprintf(n, sizeof n, "%s", name);
    (void)prctl(PR_SET_NAME, (unsigned long)n, 0UL, 0UL, 0UL);
}
