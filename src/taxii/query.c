/*
 * query.c — the pure parts of the TAXII server: no I/O, no store, no
 * network, so tests/unit/taxii_test.c checks them on their own.
 *
 *   paths        percent-decoded segments (RFC 3986 §2.1)
 *   filters      added_after, limit, next, match[id|type|version|
 *                spec_version] (TAXII 2.1 §3.4-3.6): values of one filter
 *                are comma-separated and ORed, different filters ANDed;
 *                every parameter may appear once (a repeated one is
 *                ambiguous: 400), match[version] names a value once and
 *                "all" alone; hotline_except_party=IDENTITY-ID (hotline's
 *                own: the objects of every log but that party's, for a
 *                member's pull, docs/taxii.md)
 *   media types  Accept and Content-Type against
 *                application/taxii+json;version=2.1 (§1.6.8)
 *   timestamps   RFC 3339 UTC with "Z" (§2.1), microsecond precision for
 *                date_added so added_after never loses a row
 *   cursors      "next": the keyset position "<date_added_us>.<row>"
 *   collection   UUIDv5 ids (RFC 4122 §4.3) of channel names
 *   errors       TAXII error messages (§3.6.1)
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <gnutls/crypto.h>

#include "stix/stix.h"
#include "taxii_int.h"

/* ---- percent decoding ------------------------------------------------ */

static int hex_val(char c)
{
    static const char digits[] = "0123456789abcdef";
    const char *p = c ? strchr(digits, tolower((unsigned char)c)) : NULL;
    return p ? (int)(p - digits) : -1;
}

/* Decodes src[0..n) into dst (which may be src: never longer), with '+'
 * as a space when plus. Refuses bad escapes and decoded NULs. Returns the
 * decoded length, or -1. */
static long pct_decode(const char *src, size_t n, char *dst, bool plus)
{
    size_t o = 0;
    for (size_t i = 0; i < n; i++) {
        char c = src[i];
        if (c == '%') {
            if (i + 2 >= n || hex_val(src[i + 1]) < 0 || hex_val(src[i + 2]) < 0)
                return -1;
            c = (char)(hex_val(src[i + 1]) * 16 + hex_val(src[i + 2]));
            if (c == '\0')
                return -1;
            i += 2;
        } else if (c == '+' && plus) {
            c = ' ';
        }
        dst[o++] = c;
    }
    dst[o] = '\0';
    return (long)o;
}

int taxii_path_split(const char *path, char *store, const char **seg, size_t max, size_t *n)
{
    *n = 0;
    const char *p = path;
    char *w = store;
    while (*p) {
        if (*p == '/') {
            p++;
            continue;
        }
        size_t len = strcspn(p, "/");
        if (*n == max)
            return -HL_E_TOO_LARGE;
        long d = pct_decode(p, len, w, false);
        if (d < 0 || memchr(w, '/', (size_t)d))
            return -HL_E_PARSE;
        seg[(*n)++] = w;
        w += d + 1;
        p += len;
    }
    return 0;
}

/* ---- query strings ------------------------------------------------------ */

/* Calls fn(ctx, key, value) for each "key=value" of query, both decoded
 * (in a copy). Stops at fn's non-zero answer; -HL_E_PARSE for bad
 * encoding. */
typedef int (*param_fn)(void *ctx, char *key, char *value, struct hl_error *err);

static int query_each(char *text, param_fn fn, void *ctx, struct hl_error *err)
{
    char *p = text;
    while (p && *p) {
        char *amp = strchr(p, '&');
        size_t len = amp ? (size_t)(amp - p) : strlen(p);
        char *eq = memchr(p, '=', len);
        size_t klen = eq ? (size_t)(eq - p) : len;
        char *v = eq ? eq + 1 : p + len;
        size_t vlen = eq ? len - klen - 1 : 0;
        char *next = amp ? amp + 1 : NULL;
        if (len) {
            if (pct_decode(v, vlen, v, true) < 0 || pct_decode(p, klen, p, true) < 0)
                return hl_fail(err, HL_E_PARSE, "query",
                               "the query string has a malformed percent escape");
            int r = fn(ctx, p, v, err);
            if (r)
                return r;
        }
        p = next;
    }
    return 0;
}

struct get_ctx {
    const char *name;
    char *out;
    size_t max;
    bool found, given; /* found: copied; given: present at all */
};

static int get_one(void *ctx, char *key, char *value, struct hl_error *err)
{
    (void)err;
    struct get_ctx *g = ctx;
    if (strcmp(key, g->name) != 0)
        return 0;
    g->given = true;
    size_t n = strlen(value);
    if (n >= g->max)
        return 1;
    memcpy(g->out, value, n + 1);
    g->found = true;
    return 0;
}

int taxii_query_opt(const char *query, const char *name, char *out, size_t max)
{
    if (!query || !*query || max == 0)
        return 0;
    char *copy = strdup(query);
    if (!copy)
        return -1;
    struct get_ctx g = {name, out, max, false, false};
    int r = query_each(copy, get_one, &g, NULL);
    free(copy);
    return r == 0 && g.found ? 1 : g.given || r < 0 ? -1 : 0;
}

bool taxii_query_get(const char *query, const char *name, char *out, size_t max)
{
    return taxii_query_opt(query, name, out, max) == 1;
}

/* ---- filters ------------------------------------------------------------- */

struct filter_ctx {
    struct taxii_filter *f;
    unsigned allowed;
    unsigned seen; /* single-valued parameters met */
};

/* STIX 2.1 §3.1: a type is 3..250 of [a-z0-9-]. */
static bool type_ok(const char *t)
{
    size_t n = strlen(t);
    if (n < 3 || n > 250)
        return false;
    for (size_t i = 0; i < n; i++)
        if (!((t[i] >= 'a' && t[i] <= 'z') || (t[i] >= '0' && t[i] <= '9') || t[i] == '-'))
            return false;
    return true;
}

static bool spec_version_ok(const char *v)
{
    size_t n = strlen(v);
    const char *dot = strchr(v, '.');
    if (!dot || dot == v || dot[1] == '\0' || n > 16)
        return false;
    for (const char *p = v; *p; p++)
        if (p != dot && !isdigit((unsigned char)*p))
            return false;
    return true;
}

/* Appends item to a list of at most TAXII_LIST_MAX entries. */
static int list_add(const char ***list, size_t *n, const char *item, const char *param,
                    struct hl_error *err)
{
    if (*n == TAXII_LIST_MAX)
        return hl_fail(err, HL_E_TOO_LARGE, param, "%s has more than %d values", param,
                       TAXII_LIST_MAX);
    if (*n == 0 || (*n & (*n - 1)) == 0) { /* grow at powers of two */
        size_t cap = *n ? *n * 2 : 4;
        const char **l = realloc((void *)*list, cap * sizeof *l);
        if (!l)
            return hl_fail(err, HL_E_NOMEM, param, "out of memory");
        *list = l;
    }
    (*list)[(*n)++] = item;
    return 0;
}

static bool time_listed_in(const struct taxii_filter *f, int64_t us)
{
    for (size_t i = 0; i < f->n_times; i++)
        if (f->times[i] == us)
            return true;
    return false;
}

static int time_add(struct taxii_filter *f, int64_t us, struct hl_error *err)
{
    if (f->n_times == TAXII_LIST_MAX)
        return hl_fail(err, HL_E_TOO_LARGE, "match[version]",
                       "match[version] has more than %d "
                       "values",
                       TAXII_LIST_MAX);
    if (f->n_times == 0 || (f->n_times & (f->n_times - 1)) == 0) {
        size_t cap = f->n_times ? f->n_times * 2 : 4;
        int64_t *t = realloc(f->times, cap * sizeof *t);
        if (!t)
            return hl_fail(err, HL_E_NOMEM, "match[version]", "out of memory");
        f->times = t;
    }
    f->times[f->n_times++] = us;
    return 0;
}

/* One value of a match[...] filter. */
static int match_value(struct filter_ctx *fc, unsigned which, char *v, struct hl_error *err)
{
    struct taxii_filter *f = fc->f;
    int64_t us;
    switch (which) {
    case TAXII_Q_ID:
        if (!stix_id_valid(v, NULL))
            return hl_fail(err, HL_E_PARSE, "match[id]", "match[id]: '%.80s' is not a STIX id", v);
        return list_add(&f->ids, &f->n_ids, v, "match[id]", err);
    case TAXII_Q_TYPE:
        if (!type_ok(v))
            return hl_fail(err, HL_E_PARSE, "match[type]",
                           "match[type]: '%.80s' is not a STIX type", v);
        return list_add(&f->types, &f->n_types, v, "match[type]", err);
    case TAXII_Q_VERSION: {
        unsigned bit = strcmp(v, "last") == 0    ? TAXII_V_LAST
                       : strcmp(v, "first") == 0 ? TAXII_V_FIRST
                       : strcmp(v, "all") == 0   ? TAXII_V_ALL
                                                 : 0;
        if (!bit && !taxii_time_parse(v, &us))
            return hl_fail(err, HL_E_PARSE, "match[version]",
                           "match[version]: '%.80s' is not first, last, all or a timestamp", v);
        if ((bit && (f->versions & bit)) || (!bit && time_listed_in(f, us)))
            return hl_fail(err, HL_E_PARSE, "match[version]",
                           "match[version]: '%.80s' is given twice", v);
        f->versions |= bit;
        return bit ? 0 : time_add(f, us, err);
    }
    default: /* TAXII_Q_SPEC_VERSION */
        if (!spec_version_ok(v))
            return hl_fail(err, HL_E_PARSE, "match[spec_version]",
                           "match[spec_version]: '%.40s' is not a version such as 2.1", v);
        if (strcmp(v, "2.1") == 0)
            f->spec_none = false;
        return 0;
    }
}

/* One match[...] parameter: given once, its values comma-separated. */
static int match_param(struct filter_ctx *fc, unsigned which, const char *key, char *value,
                       struct hl_error *err)
{
    if (fc->seen & which)
        return hl_fail(err, HL_E_PARSE, key,
                       "%s is given more than once; list its values in one, separated by commas",
                       key);
    if (which == TAXII_Q_SPEC_VERSION)
        fc->f->spec_none = true; /* until a "2.1" is met */
    fc->seen |= which;
    char *p = value;
    for (;;) {
        char *comma = strchr(p, ',');
        if (comma)
            *comma = '\0';
        while (*p == ' ')
            p++;
        size_t n = strlen(p);
        while (n && p[n - 1] == ' ')
            p[--n] = '\0';
        if (!*p)
            return hl_fail(err, HL_E_PARSE, "query", "a match filter has an empty value");
        int r = match_value(fc, which, p, err);
        if (r)
            return r;
        if (!comma)
            break;
        p = comma + 1;
    }
    const struct taxii_filter *f = fc->f;
    if (which == TAXII_Q_VERSION && (f->versions & TAXII_V_ALL) &&
        (f->versions != TAXII_V_ALL || f->n_times))
        return hl_fail(err, HL_E_PARSE, key,
                       "match[version]: all cannot be combined with other "
                       "values");
    return 0;
}

static int single_param(struct filter_ctx *fc, unsigned which, const char *key, char *value,
                        struct hl_error *err)
{
    struct taxii_filter *f = fc->f;
    long long n;
    if (fc->seen & which)
        return hl_fail(err, HL_E_PARSE, key, "%s is given more than once", key);
    fc->seen |= which;
    if (which == TAXII_Q_ADDED_AFTER) {
        if (!taxii_time_parse(value, &f->added_after_us))
            return hl_fail(err, HL_E_PARSE, key, "added_after: '%.80s' is not a timestamp", value);
        f->has_added_after = true;
    } else if (which == TAXII_Q_EXCEPT_PARTY) {
        if (!stix_id_valid(value, "identity"))
            return hl_fail(err, HL_E_PARSE, key,
                           "hotline_except_party: '%.80s' is not an identity id", value);
        f->except_party = value;
    } else if (which == TAXII_Q_LIMIT) {
        if (!hl_parse_int(value, 1, HL_IJSON_MAX_INT, &n))
            return hl_fail(err, HL_E_PARSE, key, "limit: '%.40s' is not an integer >= 1", value);
        f->limit = n > TAXII_PAGE_MAX ? TAXII_PAGE_MAX : (size_t)n; /* §3.4: server maximum */
    } else {
        if (!taxii_cursor_decode(value, &f->next))
            return hl_fail(err, HL_E_PARSE, key, "next: '%.60s' is not a value this server gave",
                           value);
        f->has_next = true;
    }
    return 0;
}

static int filter_param(void *ctx, char *key, char *value, struct hl_error *err)
{
    struct filter_ctx *fc = ctx;
    static const struct {
        const char *name;
        unsigned which;
    } params[] = {
        {"added_after", TAXII_Q_ADDED_AFTER},
        {"limit", TAXII_Q_LIMIT},
        {"next", TAXII_Q_NEXT},
        {"match[id]", TAXII_Q_ID},
        {"match[type]", TAXII_Q_TYPE},
        {"match[version]", TAXII_Q_VERSION},
        {"match[spec_version]", TAXII_Q_SPEC_VERSION},
        {"hotline_except_party", TAXII_Q_EXCEPT_PARTY},
    };
    for (size_t i = 0; i < sizeof params / sizeof params[0]; i++) {
        if (strcmp(key, params[i].name) != 0)
            continue;
        unsigned w = params[i].which;
        if (!(fc->allowed & w))
            return 0; /* not a filter of this endpoint: ignored */
        if (w == TAXII_Q_ADDED_AFTER || w == TAXII_Q_LIMIT || w == TAXII_Q_NEXT ||
            w == TAXII_Q_EXCEPT_PARTY)
            return single_param(fc, w, key, value, err);
        return match_param(fc, w, key, value, err);
    }
    return 0; /* unknown parameters are ignored */
}

int taxii_filter_parse(const char *query, unsigned allowed, struct taxii_filter *f,
                       struct hl_error *err)
{
    memset(f, 0, sizeof *f);
    f->limit = TAXII_PAGE_MAX;
    if (!query || !*query)
        return 0;
    f->text = strdup(query);
    if (!f->text)
        return hl_fail(err, HL_E_NOMEM, "query", "out of memory");
    struct filter_ctx fc = {f, allowed, 0};
    int r = query_each(f->text, filter_param, &fc, err);
    if (r)
        taxii_filter_release(f);
    return r;
}

void taxii_filter_release(struct taxii_filter *f)
{
    free((void *)f->ids);
    free((void *)f->types);
    free(f->times);
    free(f->text);
    memset(f, 0, sizeof *f);
    f->limit = TAXII_PAGE_MAX;
}

/* ---- media types (§1.6.8) -------------------------------------------------- */

/* Parses one media range "type/subtype *(; name=value)" of s[0..n):
 * whether it is application/taxii+json, its version parameter (copied,
 * unquoted; "" if none) and its q (1000ths). False if malformed. */
static bool media_range(const char *s, size_t n, bool *taxii, char version[16], int *q)
{
    while (n && (*s == ' ' || *s == '\t'))
        s++, n--;
    const char *semi = memchr(s, ';', n);
    size_t tlen = semi ? (size_t)(semi - s) : n;
    while (tlen && (s[tlen - 1] == ' ' || s[tlen - 1] == '\t'))
        tlen--;
    static const char want[] = "application/taxii+json";
    *taxii = tlen == sizeof want - 1 && strncasecmp(s, want, tlen) == 0;
    version[0] = '\0';
    *q = 1000;
    const char *p = semi;
    while (p && p < s + n) {
        p++; /* past ';' */
        const char *end = memchr(p, ';', (size_t)(s + n - p));
        if (!end)
            end = s + n;
        while (p < end && (*p == ' ' || *p == '\t'))
            p++;
        const char *eq = memchr(p, '=', (size_t)(end - p));
        if (!eq)
            return false;
        size_t klen = (size_t)(eq - p);
        while (klen && (p[klen - 1] == ' ' || p[klen - 1] == '\t'))
            klen--;
        const char *v = eq + 1;
        size_t vlen = (size_t)(end - v);
        while (vlen && (*v == ' ' || *v == '\t'))
            v++, vlen--;
        while (vlen && (v[vlen - 1] == ' ' || v[vlen - 1] == '\t'))
            vlen--;
        if (vlen >= 2 && v[0] == '"' && v[vlen - 1] == '"')
            v++, vlen -= 2;
        if (klen == 7 && strncasecmp(p, "version", 7) == 0) {
            if (vlen >= 16)
                return false;
            memcpy(version, v, vlen);
            version[vlen] = '\0';
        } else if (klen == 1 && (*p == 'q' || *p == 'Q')) {
            /* RFC 9110 §12.4.2: qvalue = ( "0" [ "." 0*3DIGIT ] ) / ( "1" ... ) */
            if (vlen == 0 || (v[0] != '0' && v[0] != '1'))
                return false;
            int val = (v[0] - '0') * 1000, scale = 100;
            for (size_t i = 2; i < vlen && i < 5; i++, scale /= 10)
                val += (v[i] - '0') * scale;
            *q = val;
        }
        p = end;
    }
    return true;
}

bool taxii_accept_ok(const char *accept)
{
    if (!accept)
        return false;
    const char *p = accept;
    for (;;) {
        size_t n = strcspn(p, ",");
        bool taxii;
        char version[16];
        int q;
        if (media_range(p, n, &taxii, version, &q) && taxii && q > 0 &&
            (version[0] == '\0' || strcmp(version, "2.1") == 0))
            return true;
        if (!p[n])
            return false;
        p += n + 1;
    }
}

bool taxii_content_type_ok(const char *ct)
{
    bool taxii;
    char version[16];
    int q;
    if (!ct || strchr(ct, ','))
        return false;
    return media_range(ct, strlen(ct), &taxii, version, &q) && taxii &&
           (version[0] == '\0' || strcmp(version, "2.1") == 0);
}

/* ---- timestamps ------------------------------------------------------------ */

bool taxii_time_parse(const char *s, int64_t *us)
{
    struct stix_time t;
    if (!s || !stix_time_parse(s, &t))
        return false;
    if (t.sec < 0 || t.sec > 253402300799LL) /* years 1970..9999 */
        return false;
    *us = stix_time_us(&t);
    return true;
}

void taxii_time_format(int64_t us, bool micro, char out[static 32])
{
    if (micro || us % 1000)
        stix_time_format_us(us, out);
    else
        stix_time_format_us_ms(us, out);
}

/* ---- cursors ---------------------------------------------------------------- */

void taxii_cursor_encode(const struct store_cursor *c, char out[static TAXII_NEXT_MAX])
{
    snprintf(out, TAXII_NEXT_MAX, "%lld.%lld", (long long)c->date_added_us, (long long)c->row);
}

bool taxii_cursor_decode(const char *s, struct store_cursor *c)
{
    char a[24], b[24];
    const char *dot = s ? strchr(s, '.') : NULL;
    if (!dot || (size_t)(dot - s) >= sizeof a || strlen(dot + 1) >= sizeof b)
        return false;
    memcpy(a, s, (size_t)(dot - s));
    a[dot - s] = '\0';
    snprintf(b, sizeof b, "%s", dot + 1);
    long long x, y;
    if (!hl_parse_int(a, 0, INT64_MAX, &x) || !hl_parse_int(b, 1, INT64_MAX, &y))
        return false;
    c->date_added_us = x;
    c->row = y;
    return true;
}

/* ---- collection ids ----------------------------------------------------------- */

int taxii_collection_id(const char *channel, char out[static 37])
{
    static const uint8_t ns[16] = {0xb4, 0x03, 0xc8, 0xe5, 0x24, 0x31, 0x40, 0x9e,
                                   0x8f, 0x0f, 0x20, 0x90, 0xce, 0xd0, 0xa6, 0x58};
    uint8_t in[16 + STORE_TEXT_MAX], d[20];
    size_t n = strlen(channel);
    out[0] = '\0';
    if (n > STORE_TEXT_MAX)
        return -HL_E_TOO_LARGE;
    memcpy(in, ns, 16);
    memcpy(in + 16, channel, n);
    if (gnutls_hash_fast(GNUTLS_DIG_SHA1, in, 16 + n, d) < 0)
        return -HL_E_CRYPTO;
    d[6] = (uint8_t)(0x50 | (d[6] & 0x0f)); /* RFC 4122 §4.3: version 5 */
    d[8] = (uint8_t)(0x80 | (d[8] & 0x3f)); /* §4.1.1: variant */
    snprintf(out, 37, "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x", d[0],
             d[1], d[2], d[3], d[4], d[5], d[6], d[7], d[8], d[9], d[10], d[11], d[12], d[13],
             d[14], d[15]);
    return 0;
}

/* ---- error messages (§3.6.1) ---------------------------------------------------- */

int taxii_error_body(int status, const char *title, const char *description, struct buf *out)
{
    char code[8];
    snprintf(code, sizeof code, "%d", status);
    json_t *e = json_pack("{s:s, s:s}", "title", title, "http_status", code);
    if (e && description && *description &&
        json_object_set_new(e, "description", json_string(description)))
        json_object_del(e, "description"); /* invalid UTF-8 in detail: title alone */
    char *s = e ? json_dumps(e, JSON_COMPACT) : NULL;
    json_decref(e);
    if (!s)
        return -HL_E_NOMEM;
    buf_clear(out);
    int r = buf_adds(out, s);
    free(s);
    return r;
}
