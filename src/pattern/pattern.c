/*
 * pattern.c — life cycle of a parsed STIX pattern, its arena, the checks
 * of constant bodies (timestamps, base64), and the canonical printer.
 *
 * Ownership: struct pattern owns one arena; every node, string and byte
 * array of its tree lives there, so pattern_free releases the whole tree
 * with one walk over the arena's chunks. A failed parse frees what it
 * built before returning.
 *
 * The canonical text (pattern_to_string) is a fixed point: printing the
 * tree of a printed pattern gives the same bytes. It uses one space around
 * binary operators and keywords, parentheses only where the tree differs
 * from what precedence alone would build, and one spelling per constant.
 */
#include <stdalign.h>
#include <stdlib.h>
#include <string.h>

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include "pattern_int.h"

/* ---- arena ----------------------------------------------------------------- */

#define ARENA_CHUNK_BYTES 8192
#define ARENA_FIRST_BYTES 512

struct arena_chunk {
    struct arena_chunk *next;
    size_t cap;
    max_align_t data[]; /* cap bytes */
};

void arena_init(struct arena *a)
{
    a->head = NULL;
    a->used = 0;
    a->cap = 0;
    a->total = 0;
}

void *arena_alloc(struct arena *a, size_t n)
{
    const size_t align = alignof(max_align_t);
    size_t need, at;
    void *p;
    if (n == 0)
        n = 1;
    if (!size_add(n, align - 1, &need))
        return NULL;
    need -= need % align;
    if (!a->head || a->cap - a->used < need) {
        /* Chunks double from ARENA_FIRST_BYTES up to ARENA_CHUNK_BYTES, so
         * that a small pattern kept by a matcher costs little memory. */
        size_t grow = a->cap ? a->cap * 2 : ARENA_FIRST_BYTES, total, cap;
        if (grow > ARENA_CHUNK_BYTES)
            grow = ARENA_CHUNK_BYTES;
        cap = need > grow ? need : grow;
        struct arena_chunk *c;
        if (!size_add(sizeof *c, cap, &total) || !(c = malloc(total)))
            return NULL;
        c->next = a->head;
        c->cap = cap;
        a->total += total;
        a->head = c;
        a->used = 0;
        a->cap = cap;
    }
    at = a->used;
    a->used += need;
    p = (char *)a->head->data + at;
    memset(p, 0, n);
    return p;
}

char *arena_strndup(struct arena *a, const char *s, size_t n)
{
    size_t total;
    char *d;
    if (!size_add(n, 1, &total) || !(d = arena_alloc(a, total)))
        return NULL;
    memcpy(d, s, n);
    d[n] = '\0';
    return d;
}

struct arena_mark arena_mark(const struct arena *a)
{
    return (struct arena_mark){a->head, a->used, a->cap};
}

void arena_reset(struct arena *a, struct arena_mark m)
{
    while (a->head != m.head) {
        struct arena_chunk *next = a->head->next;
        a->total -= sizeof *a->head + a->head->cap;
        free(a->head);
        a->head = next;
    }
    a->used = m.used;
    a->cap = m.cap;
}

void arena_release(struct arena *a)
{
    struct arena_chunk *c = a->head;
    while (c) {
        struct arena_chunk *next = c->next;
        free(c);
        c = next;
    }
    arena_init(a);
}

/* ---- constant bodies ------------------------------------------------------- */

static bool digits(const char *s, size_t n, int *out)
{
    int v = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return false;
        v = v * 10 + (s[i] - '0');
    }
    *out = v;
    return true;
}

static bool is_leap(int y)
{
    return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

/* Days from 1970-01-01 to y-m-d in the proleptic Gregorian calendar. */
static int64_t days_from_civil(int y, int m, int d)
{
    int64_t yy = y - (m <= 2);
    int64_t era = (yy >= 0 ? yy : yy - 399) / 400;
    int64_t yoe = yy - era * 400;
    int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

/* STIX 2.1 §9 (Constants: Timestamp) and STIXPattern.g4 TimestampLiteral:
 * RFC 3339 §5.6 date-time in UTC with 'Z'; the day exists in its month
 * (RFC 3339 §5.7); second 60 only at 23:59 (a leap second). */
bool pattern_timestamp_parse(const char *s, size_t n, int64_t *seconds, uint32_t *nanos)
{
    static const int mdays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    int y, mo, d, h, mi, se, dim;
    uint32_t frac = 0;
    size_t i = 19, nd = 0;
    if (n < 20 || s[4] != '-' || s[7] != '-' || s[10] != 'T' || s[13] != ':' || s[16] != ':')
        return false;
    if (!digits(s, 4, &y) || !digits(s + 5, 2, &mo) || !digits(s + 8, 2, &d) ||
        !digits(s + 11, 2, &h) || !digits(s + 14, 2, &mi) || !digits(s + 17, 2, &se))
        return false;
    if (s[i] == '.') {
        for (i++; i < n && s[i] >= '0' && s[i] <= '9'; i++, nd++) {
            if (nd < 9)
                frac = frac * 10 + (uint32_t)(s[i] - '0');
        }
        if (nd == 0)
            return false;
        for (size_t k = nd; k < 9; k++)
            frac *= 10;
    }
    if (i != n - 1 || s[i] != 'Z')
        return false;
    if (mo < 1 || mo > 12 || h > 23 || mi > 59 || se > 60 || (se == 60 && (h != 23 || mi != 59)))
        return false;
    dim = mdays[mo - 1] + (mo == 2 && is_leap(y));
    if (d < 1 || d > dim)
        return false;
    *seconds = days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + se;
    *nanos = frac;
    return true;
}

static const char b64_alphabet[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

static int b64_value(char c)
{
    const char *p = c ? strchr(b64_alphabet, c) : NULL;
    return p ? (int)(p - b64_alphabet) : -1;
}

/* RFC 4648 §4, padded; pad bits must be zero (§3.5) so that every byte
 * string has one spelling; STIXPattern.g4 BinaryLiteral (at least one
 * group). */
bool pattern_base64_decode(const char *s, size_t n, uint8_t *out, size_t *out_len)
{
    size_t len = 0;
    if (n == 0 || n % 4 != 0)
        return false;
    for (size_t i = 0; i < n; i += 4) {
        bool last = i + 4 == n;
        int pad = last ? (s[i + 3] == '=') + (s[i + 2] == '=' && s[i + 3] == '=') : 0;
        int v[4] = {0, 0, 0, 0};
        for (int k = 0; k < 4 - pad; k++) {
            if ((v[k] = b64_value(s[i + (size_t)k])) < 0)
                return false;
        }
        out[len++] = (uint8_t)(v[0] << 2 | v[1] >> 4);
        if (pad == 2 && (v[1] & 0x0F))
            return false;
        if (pad < 2)
            out[len++] = (uint8_t)((v[1] & 0x0F) << 4 | v[2] >> 2);
        if (pad == 1 && (v[2] & 0x03))
            return false;
        if (pad == 0)
            out[len++] = (uint8_t)((v[2] & 0x03) << 6 | v[3]);
    }
    *out_len = len;
    return true;
}

/* ---- life cycle ------------------------------------------------------------ */

int pattern_parse(const char *text, size_t len, struct pattern **out, struct hl_error *err)
{
    struct pattern *p;
    int rc;
    *out = NULL;
    if (!text)
        return hl_fail(err, HL_E_INVALID, NULL, "no pattern text");
    if (len > HL_MAX_PATTERN_BYTES)
        return hl_fail(err, HL_E_TOO_LARGE, "1:1", "pattern is %zu bytes, more than %u", len,
                       (unsigned)HL_MAX_PATTERN_BYTES);
    if (memchr(text, '\0', len)) {
        /* JSON strings may carry U+0000; a pattern never needs it. */
        return hl_fail(err, HL_E_PARSE, NULL, "pattern contains a NUL byte at offset %zu",
                       (size_t)((const char *)memchr(text, '\0', len) - text));
    }
    if (!(p = calloc(1, sizeof *p)))
        return hl_fail(err, HL_E_NOMEM, NULL, "out of memory parsing the pattern");
    arena_init(&p->arena);
    rc = pattern_parse_into(p, text, len, err);
    if (rc) {
        pattern_free(p);
        return rc;
    }
    *out = p;
    return 0;
}

void pattern_free(struct pattern *p)
{
    if (!p)
        return;
    for (struct pattern_regex *r = p->regexes; r; r = r->next)
        pcre2_code_free(r->re);
    arena_release(&p->arena);
    free(p);
}

int pattern_check(const char *text, size_t len, struct hl_error *err)
{
    struct pattern *p = NULL;
    int rc = pattern_parse(text, len, &p, err);
    pattern_free(p);
    return rc;
}

const struct pattern_obs *pattern_root(const struct pattern *p)
{
    return p->root;
}

size_t pattern_bytes(const struct pattern *p)
{
    return sizeof *p + p->arena.total;
}

size_t pattern_node_count(const struct pattern *p)
{
    return p->n_nodes;
}

const char *pattern_op_name(enum pattern_op op)
{
    static const char *const names[] = {
        "?", "=", "!=", ">", "<", ">=", "<=", "IN", "LIKE", "MATCHES", "ISSUBSET", "ISSUPERSET",
        "EXISTS",
    };
    return (unsigned)op < sizeof names / sizeof names[0] ? names[op] : "?";
}
