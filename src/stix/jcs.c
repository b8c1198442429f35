/*
 * jcs.c — the RFC 8785 JSON Canonicalization Scheme (JCS): the one byte
 * string of a JSON value that every signature and every Merkle leaf of
 * hotline is computed over. Two implementations that disagree on one byte
 * make a valid signature look forged, so every rule below is RFC 8785's,
 * to the letter.
 *
 *   value     output (RFC 8785 §3.2.2)
 *   --------  -----------------------------------------------------------
 *   null      null          true / false: true / false
 *   number    ECMAScript Number.prototype.toString (§3.2.2.3): shortest
 *             digits that read back as the same double; plain notation
 *             for 1e-7 < |x| < 1e21, else d[.ddd]e±x; -0 is "0";
 *             NaN and ±Infinity are errors (§3.2.2.3)
 *   string    '"' + UTF-8 as is, except \b \t \n \f \r \" \\ and the
 *             other code points below U+0020 as \u00xx, lowercase (§3.2.2.2)
 *   array     '[' + elements joined by ',' + ']', order kept
 *   object    '{' + "name":value joined by ',' + '}', members sorted by
 *             the UTF-16 code units of their names (§3.2.3)
 *
 * No whitespace anywhere (§3.2.1). Integers in the jansson tree
 * (json_int_t) are printed in decimal: they are exactly what a double
 * would print as long as they lie within I-JSON's ±(2^53 − 1) (RFC 7493
 * §2.2); one outside that range would change value in any other JCS
 * implementation, so it is refused with HL_E_INVALID.
 *
 * Invariants: output is appended to the caller's struct buf and, on any
 * failure, the buffer is cut back to its length on entry. Nesting deeper
 * than HL_MAX_JSON_DEPTH is refused (trees built in code are not
 * pre-scanned as parsed ones are). Numbers are formatted with snprintf and
 * strtod, which assume the "C" locale (hotline never calls setlocale).
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "stix.h"

/* Members sorted on the stack up to this many; larger objects malloc. */
#define JCS_STACK_MEMBERS 32

struct jcs_member {
    const char *key; /* borrowed from the tree, valid while it lives */
    size_t key_len;
    json_t *value; /* borrowed */
};

/* ---- member order: UTF-16 code units (RFC 8785 §3.2.3) ----------------- */

/* Decodes the UTF-8 sequence whose lead byte is at s (jansson guarantees
 * valid UTF-8 in every string it holds) and returns its first UTF-16 code
 * unit: the code point itself in the BMP, the high surrogate above it. */
static unsigned jcs_utf16_first_unit(const unsigned char *s, size_t n)
{
    unsigned c = s[0];
    unsigned cp;
    if (c < 0x80 || n < 2)
        return c;
    if (c < 0xE0)
        return ((c & 0x1Fu) << 6) | (s[1] & 0x3Fu);
    if (c < 0xF0 || n < 4) {
        if (n < 3)
            return c;
        return ((c & 0x0Fu) << 12) | ((s[1] & 0x3Fu) << 6) | (s[2] & 0x3Fu);
    }
    cp = ((c & 0x07u) << 18) | ((s[1] & 0x3Fu) << 12) | ((s[2] & 0x3Fu) << 6) | (s[3] & 0x3Fu);
    return 0xD800u + ((cp - 0x10000u) >> 10);
}

/* Compares two UTF-8 names in UTF-16 code-unit order. Byte order of UTF-8
 * is code-point order, which agrees with UTF-16 order except between a
 * supplementary character (surrogates D800–DBFF) and U+E000–U+FFFF; so the
 * names are compared bytewise up to the first difference, and the two
 * characters that differ are compared by their first UTF-16 unit. */
static int jcs_name_cmp(const char *a, size_t alen, const char *b, size_t blen)
{
    const unsigned char *x = (const unsigned char *)a;
    const unsigned char *y = (const unsigned char *)b;
    size_t n = alen < blen ? alen : blen;
    size_t i = 0;
    while (i < n && x[i] == y[i])
        i++;
    if (i == n)
        return alen < blen ? -1 : alen > blen;
    if (x[i] < 0x80 && y[i] < 0x80)
        return x[i] < y[i] ? -1 : 1;
    /* Back up to the lead byte of the character holding the difference;
     * the common prefix has the same character boundaries in both. */
    size_t lead = i;
    while (lead > 0 && (x[lead] & 0xC0) == 0x80)
        lead--;
    unsigned ua = jcs_utf16_first_unit(x + lead, alen - lead);
    unsigned ub = jcs_utf16_first_unit(y + lead, blen - lead);
    if (ua != ub)
        return ua < ub ? -1 : 1;
    return x[i] < y[i] ? -1 : 1; /* same unit: bytewise is code-point order */
}

static int jcs_member_cmp(const void *pa, const void *pb)
{
    const struct jcs_member *a = pa, *b = pb;
    return jcs_name_cmp(a->key, a->key_len, b->key, b->key_len);
}

/* ---- strings (RFC 8785 §3.2.2.2) --------------------------------------- */

static bool jcs_needs_escape(unsigned char c)
{
    return c < 0x20 || c == '"' || c == '\\';
}

static HL_MUST_CHECK int jcs_add_escape(struct buf *out, unsigned char c)
{
    static const char hex[] = "0123456789abcdef";
    char e[6] = {'\\', 0, 0, 0, 0, 0};
    switch (c) {
    case '\b': e[1] = 'b'; return buf_add(out, e, 2);
    case '\t': e[1] = 't'; return buf_add(out, e, 2);
    case '\n': e[1] = 'n'; return buf_add(out, e, 2);
    case '\f': e[1] = 'f'; return buf_add(out, e, 2);
    case '\r': e[1] = 'r'; return buf_add(out, e, 2);
    case '"': e[1] = '"'; return buf_add(out, e, 2);
    case '\\': e[1] = '\\'; return buf_add(out, e, 2);
    default:
        e[1] = 'u';
        e[2] = '0';
        e[3] = '0';
        e[4] = hex[c >> 4];
        e[5] = hex[c & 0xF];
        return buf_add(out, e, 6);
    }
}

/* Appends s[0..len) as a JSON string: runs of plain bytes are copied at
 * once, only the bytes that must be escaped are rewritten. */
static HL_MUST_CHECK int jcs_add_string(struct buf *out, const char *s, size_t len)
{
    int r = buf_addc(out, '"');
    size_t run = 0;
    for (size_t i = 0; r == 0 && i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        if (!jcs_needs_escape(c))
            continue;
        r = buf_add(out, s + run, i - run);
        if (r == 0)
            r = jcs_add_escape(out, c);
        run = i + 1;
    }
    if (r == 0)
        r = buf_add(out, s + run, len - run);
    if (r == 0)
        r = buf_addc(out, '"');
    return r;
}

/* ---- numbers (RFC 8785 §3.2.2.3, ECMA-262 Number::toString) ------------ */

/* Writes d with p digits after the point in C's %e form into sci. */
static void jcs_sci(char sci[40], int p, double d)
{
    snprintf(sci, 40, "%.*e", p, d); /* at most 1+1+1+16+1+1+3 bytes: fits */
}

/* The ECMAScript layout of the shortest digits s[0..k) with decimal point
 * position n (value = 0.s × 10^n), into out[40]; returns the length. */
static size_t jcs_layout(char out[40], bool neg, const char *s, int k, int n)
{
    size_t o = 0;
    if (neg)
        out[o++] = '-';
    if (k <= n && n <= 21) {
        memcpy(out + o, s, (size_t)k);
        o += (size_t)k;
        for (int i = k; i < n; i++)
            out[o++] = '0';
    } else if (0 < n && n <= 21) {
        memcpy(out + o, s, (size_t)n);
        o += (size_t)n;
        out[o++] = '.';
        memcpy(out + o, s + n, (size_t)(k - n));
        o += (size_t)(k - n);
    } else if (-6 < n && n <= 0) {
        out[o++] = '0';
        out[o++] = '.';
        for (int i = 0; i < -n; i++)
            out[o++] = '0';
        memcpy(out + o, s, (size_t)k);
        o += (size_t)k;
    } else {
        int e = n - 1;
        out[o++] = s[0];
        if (k > 1) {
            out[o++] = '.';
            memcpy(out + o, s + 1, (size_t)(k - 1));
            o += (size_t)(k - 1);
        }
        out[o++] = 'e';
        out[o++] = e < 0 ? '-' : '+';
        int m = snprintf(out + o, 40 - o, "%d", e < 0 ? -e : e); /* <= 3 digits */
        o += (size_t)m;
    }
    return o;
}

int stix_canon_number(double d, struct buf *out)
{
    if (!isfinite(d))
        return -HL_E_INVALID; /* RFC 8785 §3.2.2.3: no NaN, no Infinity */
    if (d == 0)
        return buf_addc(out, '0'); /* -0 too */
    char text[40];
    if (fabs(d) <= 9007199254740992.0 && d == trunc(d)) {
        /* Integers up to 2^53 are exact and their own shortest digits. */
        int m = snprintf(text, sizeof text, "%lld", (long long)d);
        return buf_add(out, text, (size_t)m);
    }
    /* The fewest digits that read back as d: round-tripping is monotone in
     * the number of digits, and 17 significant digits always suffice. */
    char sci[40];
    int lo = 0, hi = 16;
    while (lo < hi) {
        int mid = (lo + hi) / 2;
        jcs_sci(sci, mid, d);
        if (strtod(sci, NULL) == d)
            hi = mid;
        else
            lo = mid + 1;
    }
    jcs_sci(sci, lo, d);
    /* sci is [-]d[.ddd]e±xx: gather the digits and the exponent. */
    const char *p = sci;
    bool neg = *p == '-';
    if (neg)
        p++;
    char digits[20];
    int k = 0;
    for (; *p != 'e'; p++) {
        if (*p != '.')
            digits[k++] = *p;
    }
    int exp10 = (int)strtol(p + 1, NULL, 10);
    size_t m = jcs_layout(text, neg, digits, k, exp10 + 1);
    return buf_add(out, text, m);
}

/* ---- values -------------------------------------------------------------- */

static HL_MUST_CHECK int jcs_value(const json_t *v, struct buf *out, int depth,
                                   struct hl_error *err);

static int jcs_out_fail(struct hl_error *err, int r)
{
    if (r == -HL_E_TOO_LARGE)
        return hl_fail(err, HL_E_TOO_LARGE, "", "canonical form larger than its buffer allows");
    return hl_fail(err, r, "", "%s", hl_strerror(-r));
}

static HL_MUST_CHECK int jcs_members(const json_t *obj, struct buf *out, int depth,
                                     struct jcs_member *m, size_t n, struct hl_error *err)
{
    size_t i = 0;
    for (void *it = json_object_iter((json_t *)obj); it && i < n;
         it = json_object_iter_next((json_t *)obj, it), i++) {
        m[i].key = json_object_iter_key(it);
        m[i].key_len = json_object_iter_key_len(it);
        m[i].value = json_object_iter_value(it);
    }
    if (n > 1)
        qsort(m, n, sizeof *m, jcs_member_cmp);
    int r = buf_addc(out, '{');
    for (i = 0; r == 0 && i < n; i++) {
        if (i)
            r = buf_addc(out, ',');
        if (r == 0)
            r = jcs_add_string(out, m[i].key, m[i].key_len);
        if (r == 0)
            r = buf_addc(out, ':');
        if (r)
            break;
        r = jcs_value(m[i].value, out, depth + 1, err);
        if (r)
            return r; /* err already filled */
    }
    if (r == 0)
        r = buf_addc(out, '}');
    return r ? jcs_out_fail(err, r) : 0;
}

/* Members are gathered into an array (on the stack when few), sorted by
 * name, then written. */
static HL_MUST_CHECK int jcs_object(const json_t *obj, struct buf *out, int depth,
                                    struct hl_error *err)
{
    struct jcs_member stack[JCS_STACK_MEMBERS];
    size_t n = json_object_size(obj);
    if (n <= JCS_STACK_MEMBERS)
        return jcs_members(obj, out, depth, stack, n, err);
    size_t bytes;
    if (!size_mul(n, sizeof(struct jcs_member), &bytes))
        return hl_fail(err, HL_E_TOO_LARGE, "", "object has too many members");
    struct jcs_member *heap = malloc(bytes);
    if (!heap)
        return hl_fail(err, HL_E_NOMEM, "", "out of memory sorting %zu members", n);
    int r = jcs_members(obj, out, depth, heap, n, err);
    free(heap);
    return r;
}

static HL_MUST_CHECK int jcs_array(const json_t *arr, struct buf *out, int depth,
                                   struct hl_error *err)
{
    int r = buf_addc(out, '[');
    size_t n = json_array_size(arr);
    for (size_t i = 0; r == 0 && i < n; i++) {
        if (i && (r = buf_addc(out, ',')) != 0)
            break;
        int vr = jcs_value(json_array_get(arr, i), out, depth + 1, err);
        if (vr)
            return vr;
    }
    if (r == 0)
        r = buf_addc(out, ']');
    return r ? jcs_out_fail(err, r) : 0;
}

static HL_MUST_CHECK int jcs_scalar(const json_t *v, struct buf *out, struct hl_error *err)
{
    int r;
    switch (json_typeof(v)) {
    case JSON_STRING:
        r = jcs_add_string(out, json_string_value(v), json_string_length(v));
        break;
    case JSON_INTEGER: {
        json_int_t i = json_integer_value(v);
        if (i > HL_IJSON_MAX_INT || i < -HL_IJSON_MAX_INT)
            return hl_fail(err, HL_E_INVALID, "",
                           "integer %" JSON_INTEGER_FORMAT " outside ±(2^53-1) (RFC 7493 §2.2)", i);
        char text[24];
        int m = snprintf(text, sizeof text, "%" JSON_INTEGER_FORMAT, i); /* <= 17 bytes */
        r = buf_add(out, text, (size_t)m);
        break;
    }
    case JSON_REAL:
        r = stix_canon_number(json_real_value(v), out);
        if (r == -HL_E_INVALID)
            return hl_fail(err, HL_E_INVALID, "",
                           "a number is NaN or infinite (RFC 8785 §3.2.2.3)");
        break;
    case JSON_TRUE:
        r = buf_add(out, "true", 4);
        break;
    case JSON_FALSE:
        r = buf_add(out, "false", 5);
        break;
    case JSON_NULL:
        r = buf_add(out, "null", 4);
        break;
    default:
        return hl_fail(err, HL_E_INTERNAL, "", "unknown jansson value type");
    }
    return r ? jcs_out_fail(err, r) : 0;
}

/* depth counts the arrays and objects that enclose v. */
static int jcs_value(const json_t *v, struct buf *out, int depth, struct hl_error *err)
{
    if (!json_is_object(v) && !json_is_array(v))
        return jcs_scalar(v, out, err);
    if (depth >= HL_MAX_JSON_DEPTH)
        return hl_fail(err, HL_E_TOO_LARGE, "", "nested deeper than the limit of %d",
                       HL_MAX_JSON_DEPTH);
    if (json_is_object(v))
        return jcs_object(v, out, depth, err);
    return jcs_array(v, out, depth, err);
}

int stix_canon(const json_t *v, struct buf *out, struct hl_error *err)
{
    size_t entry_len = out->len;
    if (!v)
        return hl_fail(err, HL_E_INVALID, "", "no value to canonicalize");
    int r = jcs_value(v, out, 0, err);
    if (r)
        buf_truncate(out, entry_len);
    return r;
}
