/*
 * eval.c — the plain evaluator: does one comparison expression (what stands
 * inside [ ]) hold on one observation? STIX 2.1 §9.5 and the operator and
 * type rules of §9 (Comparison Operators), with the conventions of the
 * OASIS reference matcher (cti-pattern-matcher) where the text leaves room.
 *
 * Object paths (§9.5, Object Path Syntax). A comparison on type T is tried
 * on every SCO of type T in the observation; a path step .key enters an
 * object, [n] an array element, [*] every element. A key ending in _ref
 * followed by more steps is dereferenced to the SCO it names (its key in
 * "objects", or its id for object_refs), and so is an element of a
 * _refs list; a reference that names nothing yields no value. Where a
 * path yields several values, the comparison holds if it holds for one
 * of them; where it yields none, it does not hold (NOT and != included).
 *
 * Types (§9, Comparison Operators). A property whose name ends in _hex or
 * _bin is binary (hex or base64 decoded). int and float compare with each
 * other; binary compares with binary, and with a string whose code points
 * are all below 256 (taken as those bytes); a timestamp constant compares
 * with a string property read as a STIX timestamp. Any other pairing is
 * "not equal" for = and IN (so != and NOT = hold), and false for the
 * order operators, LIKE, MATCHES, ISSUBSET and ISSUPERSET whatever NOT
 * says. Strings compare by code point (= UTF-8 byte order), exactly.
 *
 * MATCHES on a binary property matches its bytes as the code points
 * U+0000..U+00FF (so '\\xd4' finds the byte 0xd4).
 * LIKE is SQL LIKE: % any run of characters, _ one character (a UTF-8
 * code point), the whole string. MATCHES is a PCRE2 search (compiled once
 * at parse, UTF mode) with match and depth limits, so that a hostile
 * expression costs bounded time: a match that hits a limit does not hold.
 * ISSUBSET: the property (an address or CIDR) lies in the constant's
 * network; ISSUPERSET: the property's network holds the constant.
 */
#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include "pattern_int.h"

/* PCRE2 limits per MATCHES evaluation (pcre2_set_match_limit, depth). */
#define EVAL_REGEX_MATCH_LIMIT 100000
#define EVAL_REGEX_DEPTH_LIMIT 1000
/* Decoded _hex / _bin and latin-1 strings above this are not compared. */
#define EVAL_MAX_BIN 4096

/* ---- typed values -------------------------------------------------------------- */

enum vkind { V_NONE, V_STR, V_INT, V_FLOAT, V_BOOL, V_BIN, V_TS };

struct val {
    enum vkind kind;
    const char *s; /* STR, BIN */
    size_t len;
    long long i;
    double f;
    bool b;
    int64_t ts;
    uint8_t buf[EVAL_MAX_BIN]; /* BIN storage */
};

/* The JSON value j found under a key with that suffix as a typed value. */
static void val_of_json(const json_t *j, enum pattern_suffix suffix, struct val *v)
{
    v->kind = V_NONE;
    switch (json_typeof(j)) {
    case JSON_STRING:
        v->s = json_string_value(j);
        v->len = json_string_length(j);
        v->kind = V_STR;
        if (suffix == PATTERN_SUFFIX_HEX) {
            if (v->len % 2 || v->len / 2 > sizeof v->buf) {
                v->kind = V_NONE;
                return;
            }
            for (size_t k = 0; k < v->len / 2; k++) {
                int hi = pattern_hex_digit(v->s[2 * k]), lo = pattern_hex_digit(v->s[2 * k + 1]);
                if (hi < 0 || lo < 0) {
                    v->kind = V_NONE;
                    return;
                }
                v->buf[k] = (uint8_t)(hi << 4 | lo);
            }
            v->len /= 2;
            v->s = (const char *)v->buf;
            v->kind = V_BIN;
        } else if (suffix == PATTERN_SUFFIX_BIN) {
            size_t out;
            if (v->len % 4 || v->len / 4 * 3 > sizeof v->buf ||
                (v->len && !pattern_base64_decode(v->s, v->len, v->buf, &out))) {
                v->kind = V_NONE;
                return;
            }
            v->len = v->len ? out : 0;
            v->s = (const char *)v->buf;
            v->kind = V_BIN;
        }
        return;
    case JSON_INTEGER:
        v->kind = V_INT;
        v->i = json_integer_value(j);
        return;
    case JSON_REAL:
        v->kind = V_FLOAT;
        v->f = json_real_value(j);
        return;
    case JSON_TRUE:
    case JSON_FALSE:
        v->kind = V_BOOL;
        v->b = json_is_true(j);
        return;
    default:
        return;
    }
}

/* A string as latin-1 bytes into out (code points < 256), or false. */
static bool latin1(const char *s, size_t n, uint8_t *out, size_t cap, size_t *out_len)
{
    size_t k = 0;
    for (size_t i = 0; i < n; k++) {
        unsigned char c = (unsigned char)s[i];
        if (k >= cap)
            return false;
        if (c < 0x80) {
            out[k] = c;
            i++;
        } else if ((c & 0xe0) == 0xc0 && i + 1 < n && c <= 0xc3) {
            out[k] = (uint8_t)((c & 0x1f) << 6 | ((unsigned char)s[i + 1] & 0x3f));
            i += 2;
        } else {
            return false;
        }
    }
    *out_len = k;
    return true;
}

static int cmp_bytes(const void *a, size_t an, const void *b, size_t bn)
{
    size_t n = an < bn ? an : bn;
    int c = n ? memcmp(a, b, n) : 0; /* an empty constant's bytes are NULL */
    if (c)
        return c;
    return an < bn ? -1 : an > bn;
}

/* Orders property value v against constant c: sets *order (<0, 0, >0) and
 * returns true, or false when the two do not compare. */
static bool compare(const struct val *v, const struct pattern_value *c, int *order)
{
    uint8_t tmp[EVAL_MAX_BIN];
    size_t tn;
    switch (c->kind) {
    case PATTERN_VAL_STRING:
        if (v->kind == V_STR) {
            *order = cmp_bytes(v->s, v->len, c->u.str.s, c->u.str.len);
            return true;
        }
        if (v->kind == V_BIN && latin1(c->u.str.s, c->u.str.len, tmp, sizeof tmp, &tn)) {
            *order = cmp_bytes(v->s, v->len, tmp, tn);
            return true;
        }
        return false;
    case PATTERN_VAL_INT:
        if (v->kind == V_INT) {
            *order = (v->i > c->u.i.v) - (v->i < c->u.i.v);
            return true;
        }
        if (v->kind == V_FLOAT) {
            double d = (double)c->u.i.v;
            *order = (v->f > d) - (v->f < d);
            return v->f == v->f;
        }
        return false;
    case PATTERN_VAL_FLOAT:
        if (v->kind == V_INT || v->kind == V_FLOAT) {
            double a = v->kind == V_INT ? (double)v->i : v->f;
            *order = (a > c->u.f.v) - (a < c->u.f.v);
            return a == a;
        }
        return false;
    case PATTERN_VAL_BOOL:
        if (v->kind == V_BOOL) {
            *order = v->b == c->u.b ? 0 : 1;
            return true;
        }
        return false;
    case PATTERN_VAL_BINARY:
    case PATTERN_VAL_HEX:
        if (v->kind == V_BIN) {
            *order = cmp_bytes(v->s, v->len, c->u.bin.bytes, c->u.bin.len);
            return true;
        }
        if (v->kind == V_STR && latin1(v->s, v->len, tmp, sizeof tmp, &tn)) {
            *order = cmp_bytes(tmp, tn, c->u.bin.bytes, c->u.bin.len);
            return true;
        }
        return false;
    case PATTERN_VAL_TIMESTAMP: {
        int64_t t, k = pattern_ts_ns(c->u.ts.seconds, c->u.ts.nanos);
        if (v->kind != V_STR || !pattern_time_parse(v->s, v->len, &t))
            return false;
        *order = (t > k) - (t < k);
        return true;
    }
    default:
        return false;
    }
}

static bool equals(const struct val *v, const struct pattern_value *c)
{
    int order;
    return compare(v, c, &order) && order == 0;
}

/* ---- LIKE ------------------------------------------------------------------------ */

/* Length of the UTF-8 sequence starting with byte c (1 for a stray byte). */
static size_t utf8_len(unsigned char c)
{
    if (c >= 0xf0)
        return 4;
    if (c >= 0xe0)
        return 3;
    if (c >= 0xc0)
        return 2;
    return 1;
}

/* SQL LIKE of s against pat, iterative with one backtrack point for the
 * last %: linear in practice, O(n*m) at worst. */
static bool like(const char *s, size_t n, const char *pat, size_t m)
{
    size_t i = 0, j = 0, star_j = SIZE_MAX, star_i = 0;
    while (i < n) {
        if (j < m && pat[j] == '%') {
            star_j = ++j;
            star_i = i;
        } else if (j < m && pat[j] == '_') {
            i += utf8_len((unsigned char)s[i]);
            j++;
        } else if (j < m && pat[j] == s[i]) {
            i++;
            j++;
        } else if (star_j != SIZE_MAX) {
            star_i += utf8_len((unsigned char)s[star_i]);
            i = star_i;
            j = star_j;
        } else {
            return false;
        }
    }
    while (j < m && pat[j] == '%')
        j++;
    return j == m && i == n;
}

/* ---- MATCHES --------------------------------------------------------------------- */

/* One match context and one match block per thread, made on first use and
 * kept: a MATCHES costs no allocation (one ovector pair is enough to know
 * whether it matched). */
static _Thread_local pcre2_match_context *regex_mc;
static _Thread_local pcre2_match_data *regex_md;

static bool regex_search(const void *code, const char *s, size_t n)
{
    if (!regex_mc) {
        if (!(regex_mc = pcre2_match_context_create(NULL)))
            return false;
        pcre2_set_match_limit(regex_mc, EVAL_REGEX_MATCH_LIMIT);
        pcre2_set_depth_limit(regex_mc, EVAL_REGEX_DEPTH_LIMIT);
    }
    if (!regex_md && !(regex_md = pcre2_match_data_create(1, NULL)))
        return false;
    /* Invalid UTF-8 cannot reach us (JSON), but do not trust it. */
    return pcre2_match(code, (PCRE2_SPTR)s, n, 0, 0, regex_md, regex_mc) >= 0;
}

/* ---- CIDR ------------------------------------------------------------------------ */

/* An IPv4 or IPv6 address with an optional /prefix: family (4 or 6),
 * 16 bytes (IPv4 in the first 4), prefix length. */
struct net {
    int family;
    uint8_t addr[16];
    unsigned prefix;
};

bool pattern_net_parse(const char *s, size_t n, int *family, uint8_t addr[16], unsigned *prefix)
{
    char tmp[64];
    const char *slash = memchr(s, '/', n);
    size_t alen = slash ? (size_t)(slash - s) : n;
    if (alen == 0 || alen >= sizeof tmp)
        return false;
    memcpy(tmp, s, alen);
    tmp[alen] = '\0';
    memset(addr, 0, 16);
    if (inet_pton(AF_INET, tmp, addr) == 1)
        *family = 4;
    else if (inet_pton(AF_INET6, tmp, addr) == 1)
        *family = 6;
    else
        return false;
    unsigned max = *family == 4 ? 32 : 128;
    *prefix = max;
    if (slash) {
        size_t plen = n - alen - 1;
        long long p;
        if (plen == 0 || plen > 3)
            return false;
        memcpy(tmp, slash + 1, plen);
        tmp[plen] = '\0';
        if (!hl_parse_int(tmp, 0, max, &p))
            return false;
        *prefix = (unsigned)p;
    }
    return true;
}

void pattern_net_mask(uint8_t addr[16], unsigned prefix)
{
    for (unsigned b = 0; b < 16; b++) {
        unsigned keep = prefix >= (b + 1) * 8 ? 8 : prefix > b * 8 ? prefix - b * 8 : 0;
        addr[b] &= (uint8_t)(keep ? 0xff << (8 - keep) : 0);
    }
}

static bool net_of(const char *s, size_t n, struct net *out)
{
    return pattern_net_parse(s, n, &out->family, out->addr, &out->prefix);
}

/* Does network outer contain inner? */
static bool net_contains(const struct net *outer, const struct net *inner)
{
    uint8_t a[16], b[16];
    if (outer->family != inner->family || outer->prefix > inner->prefix)
        return false;
    memcpy(a, outer->addr, 16);
    memcpy(b, inner->addr, 16);
    pattern_net_mask(a, outer->prefix);
    pattern_net_mask(b, outer->prefix);
    return memcmp(a, b, 16) == 0;
}

/* ---- one comparison on one value ------------------------------------------------ */

/* Does c hold for the value j found under a key with that suffix? */
static bool holds(const struct pattern_comparison *c, const json_t *j, enum pattern_suffix suffix)
{
    struct val v;
    int order;
    bool r;
    if (c->op == PATTERN_OP_EXISTS)
        return true;
    val_of_json(j, suffix, &v);
    switch (c->op) {
    case PATTERN_OP_EQ:
        r = equals(&v, &c->value);
        break;
    case PATTERN_OP_NEQ:
        r = !equals(&v, &c->value);
        break;
    case PATTERN_OP_IN:
        r = false;
        for (size_t k = 0; k < c->value.u.set.n && !r; k++)
            r = equals(&v, &c->value.u.set.items[k]);
        break;
    case PATTERN_OP_GT:
    case PATTERN_OP_LT:
    case PATTERN_OP_GE:
    case PATTERN_OP_LE:
        if (!compare(&v, &c->value, &order) || c->value.kind == PATTERN_VAL_BOOL)
            return false;
        r = c->op == PATTERN_OP_GT   ? order > 0
            : c->op == PATTERN_OP_LT ? order < 0
            : c->op == PATTERN_OP_GE ? order >= 0
                                     : order <= 0;
        break;
    case PATTERN_OP_LIKE:
        if (v.kind != V_STR)
            return false;
        r = like(v.s, v.len, c->value.u.str.s, c->value.u.str.len);
        break;
    case PATTERN_OP_MATCHES:
        if (!c->regex)
            return false;
        if (v.kind == V_BIN) {
            /* binary: each byte is the code point of that value (latin-1) */
            char u[2 * EVAL_MAX_BIN];
            size_t k = 0;
            for (size_t b = 0; b < v.len; b++) {
                unsigned char x = (unsigned char)v.s[b];
                if (x < 0x80) {
                    u[k++] = (char)x;
                } else {
                    u[k++] = (char)(0xc0 | x >> 6);
                    u[k++] = (char)(0x80 | (x & 0x3f));
                }
            }
            r = regex_search(c->regex, u, k);
            break;
        }
        if (v.kind != V_STR)
            return false;
        r = regex_search(c->regex, v.s, v.len);
        break;
    case PATTERN_OP_ISSUBSET:
    case PATTERN_OP_ISSUPERSET: {
        struct net pv, cv;
        if (v.kind != V_STR || !net_of(v.s, v.len, &pv) ||
            !net_of(c->value.u.str.s, c->value.u.str.len, &cv))
            return false;
        r = c->op == PATTERN_OP_ISSUBSET ? net_contains(&cv, &pv) : net_contains(&pv, &cv);
        break;
    }
    default:
        return false;
    }
    return c->negated ? !r : r;
}

/* ---- object paths ------------------------------------------------------------------ */

static const json_t *deref(const struct pattern_observation *o, const json_t *ref)
{
    const char *name = json_string_value(ref);
    if (!name)
        return NULL;
    for (size_t k = 0; k < o->n_scos; k++) {
        if (strcmp(o->scos[k].key, name) == 0)
            return o->scos[k].obj;
    }
    return NULL;
}

/* Walks steps[i..n) from cur (reached under a key with that suffix); true
 * as soon as c holds for one value at the end. in_refs: cur is an element
 * of a _refs list. */
static bool walk(const struct pattern_observation *o, const struct pattern_comparison *c,
                 const json_t *cur, size_t i, enum pattern_suffix suffix, bool in_refs)
{
    const struct pattern_step *st;
    if (i == c->n_steps)
        return holds(c, cur, suffix);
    st = &c->steps[i];
    if (in_refs || suffix == PATTERN_SUFFIX_REF) {
        /* STIX 2.1 §9.5: a reference followed by more steps is followed. */
        if (!(cur = deref(o, cur)))
            return false;
    }
    switch (st->kind) {
    case PATTERN_STEP_KEY: {
        const json_t *next = json_is_object(cur) ? json_object_get(cur, st->key) : NULL;
        return next && walk(o, c, next, i + 1, st->suffix, false);
    }
    case PATTERN_STEP_INDEX: {
        bool refs = suffix == PATTERN_SUFFIX_REFS;
        if (!json_is_array(cur) || st->index < 0 || (size_t)st->index >= json_array_size(cur))
            return false;
        return walk(o, c, json_array_get(cur, (size_t)st->index), i + 1, suffix, refs);
    }
    case PATTERN_STEP_ANY_INDEX: {
        bool refs = suffix == PATTERN_SUFFIX_REFS;
        if (!json_is_array(cur))
            return false;
        for (size_t k = 0; k < json_array_size(cur); k++) {
            if (walk(o, c, json_array_get(cur, k), i + 1, suffix, refs))
                return true;
        }
        return false;
    }
    }
    return false;
}

static bool cmp_eval(const struct pattern_comparison *c, const struct pattern_observation *o)
{
    for (size_t k = 0; k < o->n_scos; k++) {
        if (o->scos[k].type_hash == c->type_hash && strcmp(o->scos[k].type, c->object_type) == 0 &&
            walk(o, c, o->scos[k].obj, 0, PATTERN_SUFFIX_NONE, false))
            return true;
    }
    return false;
}

bool pattern_expr_eval(const struct pattern_expr *e, const struct pattern_observation *o)
{
    switch (e->kind) {
    case PATTERN_EXPR_COMPARISON:
        return cmp_eval(e->cmp, o);
    case PATTERN_EXPR_AND:
        for (size_t k = 0; k < e->n; k++) {
            if (!pattern_expr_eval(e->items[k], o))
                return false;
        }
        return true;
    case PATTERN_EXPR_OR:
        for (size_t k = 0; k < e->n; k++) {
            if (pattern_expr_eval(e->items[k], o))
                return true;
        }
        return false;
    }
    return false;
}
