/*
 * base.h — what every hotline module stands on: the one error enum, the
 * caller-owned error detail, the bounded byte buffer, checked size
 * arithmetic, file reading with a ceiling, and the project's limits.
 *
 * Errors. Actions return 0 or a negative HL_E_* value; predicates return
 * bool. The enum is append-only: values are never renumbered, because they
 * reach exit codes, logs and JSON reports. Detail (a message a person
 * understands and where the problem is: a JSON path, or line:column) goes
 * into a caller-owned struct hl_error.
 *
 * struct buf. The only byte buffer. Invariants, true after buf_init and
 * after every call, successful or not:
 *   - data is never NULL and data[len] == '\0' (so text is a C string);
 *   - len < cap whenever cap > 0 (cap == 0 means data points at a shared,
 *     read-only empty string and nothing is allocated);
 *   - len <= max: growth past max fails with HL_E_TOO_LARGE and leaves the
 *     buffer as it was.
 * Life cycle: buf_init → buf_add* → buf_detach (caller owns the bytes) or
 * buf_release (frees them). buf_clear empties it for reuse.
 */
#ifndef HL_BASE_H
#define HL_BASE_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#define HL_MUST_CHECK __attribute__((warn_unused_result))
#define HL_PRINTF(f, a) __attribute__((format(printf, f, a)))

/* ---- errors ------------------------------------------------------------ */

/* Append-only. Each value has a fixed human string in hl_strerror(). */
enum hl_err {
    HL_OK = 0,
    HL_E_NOMEM = 1,     /* out of memory */
    HL_E_TOO_LARGE = 2, /* a size or count limit was exceeded */
    HL_E_INVALID = 3,   /* invalid argument or usage */
    HL_E_PARSE = 4,     /* malformed input (JSON, pattern, file format) */
    HL_E_STIX = 5,      /* input violates STIX 2.1 */
    HL_E_IO = 6,        /* file or device I/O failed */
    HL_E_CRYPTO = 7,    /* cryptographic primitive failed */
    HL_E_VERIFY = 8,    /* a signature, hash or proof does not verify */
    HL_E_NOT_FOUND = 9, /* no such object, file, key or record */
    HL_E_EXISTS = 10,   /* already exists */
    HL_E_STORE = 11,    /* storage engine error */
    HL_E_PERM = 12,     /* permission denied (file mode, access right) */
    HL_E_CONFLICT = 13, /* conflicts with what is stored (sequence, version) */
    HL_E_INTERNAL = 14, /* broken invariant of our own */
    HL_E_BEHIND = 15,   /* our own log here is shorter than what members hold of it */
    HL_E_FULL = 16,     /* the storage (disk, file system) has no room left */
    HL_E__COUNT
};

const char *hl_strerror(int code);

#define HL_ERROR_MSG_MAX 512
#define HL_ERROR_WHERE_MAX 256

/* Detail of the last failure. Caller-owned, plain data, no cleanup. */
struct hl_error {
    int code;                       /* positive enum hl_err value, 0 if none */
    char where[HL_ERROR_WHERE_MAX]; /* "objects[3].valid_from", "12:7", "" */
    char msg[HL_ERROR_MSG_MAX];     /* a sentence a person understands */
};

void hl_error_clear(struct hl_error *err);

/* Fills err (if not NULL) and returns -code, so that callers write
 * `return hl_fail(err, HL_E_PARSE, path, "...", ...)`. where may be NULL.
 * Overlong text is cut, never overflows. */
int hl_fail(struct hl_error *err, int code, const char *where, const char *fmt, ...)
    HL_PRINTF(4, 5);
int hl_failv(struct hl_error *err, int code, const char *where, const char *fmt, va_list ap)
    HL_PRINTF(4, 0);

/* ---- limits ------------------------------------------------------------ */

/* Every size and count limit of hotline, in one place. Each has a test. */
#define HL_MAX_DOCUMENT_BYTES (64u * 1024 * 1024) /* one JSON document read  */
#define HL_MAX_JSON_DEPTH 64                      /* nesting of arrays/objects */
#define HL_MAX_STRING_BYTES (8u * 1024 * 1024)    /* one JSON string          */
#define HL_MAX_OBJECTS 100000                     /* objects in one bundle    */
#define HL_MAX_PATH_BYTES 256                     /* a JSON path in a report  */
#define HL_MAX_FINDINGS 1000                      /* findings per report      */
#define HL_MAX_PATTERN_BYTES (64u * 1024)         /* one STIX pattern         */
#define HL_MAX_KEY_FILE_BYTES 4096                /* a key file               */
/* I-JSON (RFC 7493 §2.2): integers outside ±(2^53 − 1) are not exchanged. */
#define HL_IJSON_MAX_INT 9007199254740991LL

/* ---- checked size arithmetic ----------------------------------------- */

static inline HL_MUST_CHECK bool size_add(size_t a, size_t b, size_t *out)
{
    return !__builtin_add_overflow(a, b, out);
}

static inline HL_MUST_CHECK bool size_mul(size_t a, size_t b, size_t *out)
{
    return !__builtin_mul_overflow(a, b, out);
}

/* ---- struct buf -------------------------------------------------------- */

struct buf {
    char *data; /* never NULL; data[len] == '\0' */
    size_t len; /* bytes in use, excluding the terminating NUL */
    size_t cap; /* bytes allocated, 0 when data is the shared empty string */
    size_t max; /* ceiling on len */
};

void buf_init(struct buf *b, size_t max);
/* Frees the bytes; b is as after buf_init with the same max. */
void buf_release(struct buf *b);
/* Empties b, keeping its allocation. */
void buf_clear(struct buf *b);
/* Ensures room for n more bytes. Fails with -HL_E_TOO_LARGE past max. */
HL_MUST_CHECK int buf_grow(struct buf *b, size_t n);
HL_MUST_CHECK int buf_add(struct buf *b, const void *p, size_t n);
HL_MUST_CHECK int buf_addc(struct buf *b, char c);
HL_MUST_CHECK int buf_adds(struct buf *b, const char *s);
HL_MUST_CHECK int buf_addf(struct buf *b, const char *fmt, ...) HL_PRINTF(2, 3);
/* Returns the bytes (NUL-terminated, caller frees with free()) and leaves
 * b empty. Never NULL except when out of memory. *len_out may be NULL. */
char *buf_detach(struct buf *b, size_t *len_out);
/* Shortens to n bytes (n <= len). */
void buf_truncate(struct buf *b, size_t n);

/* ---- files ------------------------------------------------------------- */

/* Reads a whole file ("-" is stdin) into out, failing with HL_E_TOO_LARGE
 * past max bytes and HL_E_IO / HL_E_NOT_FOUND otherwise. out must have
 * been initialised; on failure it is left empty. */
HL_MUST_CHECK int hl_read_file(const char *path, size_t max, struct buf *out, struct hl_error *err);

/* Writes data to path atomically: a temporary file in the same directory,
 * fsync, rename, fsync of the directory. mode is the new file's mode. */
HL_MUST_CHECK int hl_write_file(const char *path, const void *data, size_t len, unsigned mode,
                                struct hl_error *err);

/* hl_write_file for content written as it is made: fill writes it to fd
 * (returning 0 or -HL_E_* with err filled); then the same fsync, rename
 * and directory fsync, so a reader sees the old file or the whole new one.
 * On failure the temporary file is removed and path is untouched. */
typedef int (*hl_fill_fn)(void *ctx, int fd, struct hl_error *err);

/* fsync of the directory dir: the entries made in it are durable. */
HL_MUST_CHECK int hl_sync_dir(const char *dir, struct hl_error *err);
HL_MUST_CHECK int hl_write_file_with(const char *path, unsigned mode, hl_fill_fn fill, void *ctx,
                                     struct hl_error *err);

/* ---- text -------------------------------------------------------------- */

/* Lowercase hex of n bytes into out (2n+1 bytes, NUL-terminated). */
void hl_hex(char *out, const uint8_t *in, size_t n);
/* Whether s (may be NULL) is exactly len lowercase hex digits, as
 * hl_hex writes them (a SHA-256 fingerprint: len 64). */
bool hl_hex_is(const char *s, size_t len);

/* Parses a decimal integer in [min, max], the whole string, no sign games.
 * The replacement for atoi/strtol at every call site. */
HL_MUST_CHECK bool hl_parse_int(const char *s, long long min, long long max, long long *out);

/* Microseconds: since the Unix epoch (CLOCK_REALTIME: timestamps that are
 * stored or shown), and of CLOCK_MONOTONIC (durations, deadlines). */
int64_t hl_wall_us(void);
int64_t hl_mono_us(void);
/* Formats a duration in ms as "350ms", "42.1s", "4m 10s", "2h 05m",
 * "3d 04h" (a "-" before a negative one) into out. */
void hl_duration_format(int64_t ms, char out[32]);
/* hl_mono_us in milliseconds (timers kept in ms). */
int64_t hl_mono_ms(void);
/* The CLOCK_REALTIME moment us microseconds from now (0 if negative),
 * for pthread_cond_timedwait. */
struct timespec hl_realtime_in_us(int64_t us);

/* Names the calling thread (at most 15 bytes shown), so that `top -H`,
 * `ps -L` and a profiler tell the node's threads apart: "hl-repl",
 * "hl-checkpoint", ... Best effort. */
void hl_thread_name(const char *name);

#endif
