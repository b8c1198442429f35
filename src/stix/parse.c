/*
 * parse.c — strict JSON parsing of everything hotline reads, and the shape
 * of a document (object, bundle, TAXII envelope).
 *
 * Signed JSON must mean one thing to every parser, so hotline refuses what
 * parsers disagree on. Two layers do it:
 *
 *   1. A pre-scan of the raw bytes (one pass, no allocation) that enforces
 *      our own limits before jansson sees a byte:
 *        - the document is at most HL_MAX_DOCUMENT_BYTES;
 *        - arrays and objects nest at most HL_MAX_JSON_DEPTH deep, so
 *          jansson's recursive descent never goes deep;
 *        - a string's source text (between its quotes) is at most
 *          HL_MAX_STRING_BYTES;
 *        - an integer literal (no fraction, no exponent) lies within
 *          ±(2^53 − 1) (I-JSON, RFC 7493 §2.2);
 *        - no other number has a magnitude in [2^53, 1e21): RFC 8785
 *          (§3.2.2.3) writes those as integer literals beyond I-JSON
 *          (1e20 is "100000000000000000000"), so the canonical form of
 *          the document would itself be refused. Larger ones are written
 *          with an exponent ("1e+30") and stay reals, so they pass;
 *        - a number other than an integer is at most PARSE_MAX_NUMBER
 *          characters long (no real number needs more; this keeps the
 *          conversion on a bounded copy).
 *      The scan only tracks what is inside a string (quotes, with
 *      backslash escapes) and what is outside; it never judges grammar,
 *      which is jansson's job. In valid JSON, every digit or '-' outside a
 *      string starts a number, so the integer check sees every integer.
 *
 *   2. jansson's json_loadb with JSON_REJECT_DUPLICATES and without
 *      JSON_DECODE_ANY, JSON_DISABLE_EOF_CHECK or JSON_ALLOW_NUL, which
 *      refuses: anything but the RFC 8259 grammar; a top level that is not
 *      an object or an array; trailing bytes after the value; invalid UTF-8
 *      (RFC 8259 §8.1) and lone surrogates (§7, §8.2); "\u0000" and raw
 *      control characters in strings (§7); duplicate member names
 *      (RFC 7493 §2.3); integers beyond json_int_t and reals that
 *      overflow a double (already refused by the pre-scan, kept as a
 *      second line: every real is finite).
 *
 * Every error carries where = "line:column" (1-based; the column counts
 * characters, as jansson does) and the byte offset in its message.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "stix.h"

/* Decimal digits of HL_IJSON_MAX_INT (9007199254740991). */
#define IJSON_MAX_DIGITS 16
/* Longest number literal with a fraction or exponent that is accepted. */
#define PARSE_MAX_NUMBER 127

/* Line and column (1-based, column in UTF-8 characters) of byte offset off. */
static void parse_locate(const char *data, size_t off, char where[HL_ERROR_WHERE_MAX])
{
    size_t line = 1, col = 1;
    for (size_t i = 0; i < off; i++) {
        unsigned char c = (unsigned char)data[i];
        if (c == '\n') {
            line++;
            col = 1;
        } else if ((c & 0xC0) != 0x80) {
            col++;
        }
    }
    snprintf(where, HL_ERROR_WHERE_MAX, "%zu:%zu", line, col); /* always fits */
}

/* Fails with code at byte offset off of data; see parse_locate. */
static int parse_fail_at(struct hl_error *err, int code, const char *data, size_t off,
                         const char *what)
{
    char where[HL_ERROR_WHERE_MAX];
    parse_locate(data, off, where);
    return hl_fail(err, code, where, "%s (byte offset %zu)", what, off);
}

/* Offset of the quote that closes the string opening at data[open], or len
 * if the string does not end. */
static size_t parse_string_end(const char *data, size_t len, size_t open)
{
    size_t i = open + 1;
    while (i < len) {
        const char *q = memchr(data + i, '"', len - i);
        if (!q)
            return len;
        size_t at = (size_t)(q - data);
        size_t backslashes = 0;
        while (at - backslashes > open + 1 && data[at - backslashes - 1] == '\\')
            backslashes++;
        if (backslashes % 2 == 0)
            return at;
        i = at + 1;
    }
    return len;
}

/* True if the integer literal s[0..n) (optional '-', then digits) lies
 * within ±HL_IJSON_MAX_INT. RFC 7493 §2.2. */
static bool parse_int_in_range(const char *s, size_t n)
{
    if (n && s[0] == '-') {
        s++;
        n--;
    }
    while (n > 1 && s[0] == '0') { /* jansson refuses these; be safe */
        s++;
        n--;
    }
    if (n < IJSON_MAX_DIGITS)
        return true;
    if (n > IJSON_MAX_DIGITS)
        return false;
    return memcmp(s, "9007199254740991", IJSON_MAX_DIGITS) <= 0;
}

static bool parse_is_num_char(char c)
{
    return (c >= '0' && c <= '9') || c == '-' || c == '+' || c == '.' || c == 'e' || c == 'E';
}

/* Checks the number token starting at data[at]; sets *next past it. */
static int parse_scan_number(const char *data, size_t len, size_t at, size_t *next,
                             struct hl_error *err)
{
    bool integer = true;
    size_t i = at;
    while (i < len && parse_is_num_char(data[i])) {
        if (data[i] == '.' || data[i] == 'e' || data[i] == 'E')
            integer = false;
        i++;
    }
    *next = i;
    if (integer) {
        if (!parse_int_in_range(data + at, i - at))
            return parse_fail_at(err, HL_E_PARSE, data, at,
                                 "integer outside the I-JSON range ±(2^53-1) (RFC 7493 §2.2)");
        return 0;
    }
    if (i - at > PARSE_MAX_NUMBER)
        return parse_fail_at(err, HL_E_TOO_LARGE, data, at,
                             "number literal longer than 127 characters");
    char copy[PARSE_MAX_NUMBER + 1];
    memcpy(copy, data + at, i - at);
    copy[i - at] = '\0';
    double v = fabs(strtod(copy, NULL)); /* malformed tokens are left to jansson */
    if (!isfinite(v))
        return parse_fail_at(err, HL_E_PARSE, data, at, "number too large for a double");
    if (v > (double)HL_IJSON_MAX_INT && v < 1e21)
        return parse_fail_at(err, HL_E_PARSE, data, at,
                             "number whose canonical form is an integer beyond ±(2^53-1) "
                             "(RFC 8785 §3.2.2.3, RFC 7493 §2.2)");
    return 0;
}

/* What the pre-scan notes for stix_split: where the top-level object's
 * "objects" array and each of its elements lie. Elements are objects;
 * anything else there, or a second such array, sets bad. */
struct parse_cut {
    struct stix_split *s;
    size_t key_open, key_close; /* the last string at depth 1: its quotes */
    bool top_object, in_array, bad;
};

static bool parse_is_ws(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

/* True if data[from, to) is JSON whitespace only. */
static bool parse_all_ws(const char *data, size_t from, size_t to)
{
    for (size_t i = from; i < to; i++)
        if (!parse_is_ws(data[i]))
            return false;
    return true;
}

/* Whether the '[' at data[at] (depth 1) opens the value of the key
 * "objects": the last string at depth 1 is that key, and only whitespace
 * and its ':' lie between them. */
static bool parse_is_objects_value(const char *data, const struct parse_cut *k, size_t at)
{
    static const char key[] = "\"objects\"";
    if (k->key_close <= k->key_open || k->key_close - k->key_open + 1 != sizeof key - 1 ||
        memcmp(data + k->key_open, key, sizeof key - 1) != 0)
        return false;
    size_t i = k->key_close + 1;
    while (i < at && parse_is_ws(data[i]))
        i++;
    return i < at && data[i] == ':' && parse_all_ws(data, i + 1, at);
}

static void parse_cut_part(struct parse_cut *k, size_t at, bool start)
{
    struct stix_split *s = k->s;
    if (start && s->n == s->cap) {
        size_t cap = s->cap ? s->cap * 2 : 256;
        void *p = cap <= HL_MAX_OBJECTS + 1 ? realloc(s->part, cap * sizeof *s->part) : NULL;
        if (!p) {
            k->bad = true;
            return;
        }
        s->part = p;
        s->cap = cap;
    }
    if (start)
        s->part[s->n][0] = at;
    else
        s->part[s->n++][1] = at + 1;
}

/* The cut's view of a bracket at data[at]; depth is before it. */
static void parse_cut_bracket(struct parse_cut *k, const char *data, size_t at, size_t depth)
{
    char c = data[at];
    bool opens = c == '[' || c == '{';
    if (!k || k->bad)
        return;
    if (opens && depth == 0)
        k->top_object = c == '{';
    else if (c == '[' && depth == 1 && k->top_object && parse_is_objects_value(data, k, at)) {
        k->bad = k->s->close != 0 || k->in_array;
        k->in_array = true;
        k->s->open = at;
    } else if (k->in_array && depth == 2 && c == '{')
        parse_cut_part(k, at, true);
    else if (k->in_array && depth == 2 && opens)
        k->bad = true; /* an element that is an array */
    else if (k->in_array && depth == 3 && c == '}')
        parse_cut_part(k, at, false);
    else if (k->in_array && depth == 2 && c == ']') {
        k->in_array = false;
        k->s->close = at;
    }
}

/* The cut's view of any other token at data[at], outside strings except
 * for a string's opening quote (whose closing one is at end). */
static void parse_cut_token(struct parse_cut *k, const char *data, size_t at, size_t end,
                            size_t depth)
{
    if (!k || k->bad)
        return;
    if (k->in_array && depth == 2 && data[at] != ',' && !parse_is_ws(data[at]))
        k->bad = true; /* an element that is not an object */
    else if (depth == 1 && data[at] == '"') {
        k->key_open = at;
        k->key_close = end;
    }
}

/* The pre-scan: depth, string length and integer range, before jansson;
 * with k, also the cut of stix_split. */
static HL_MUST_CHECK int parse_prescan(const char *data, size_t len, struct parse_cut *k,
                                       struct hl_error *err)
{
    size_t depth = 0;
    size_t i = 0;
    while (i < len) {
        char c = data[i];
        if (c == '"') {
            size_t end = parse_string_end(data, len, i);
            if (end - i - 1 > HL_MAX_STRING_BYTES)
                return parse_fail_at(err, HL_E_TOO_LARGE, data, i,
                                     "string longer than the limit of 8 MiB");
            parse_cut_token(k, data, i, end, depth);
            i = end + 1;
        } else if (c == '[' || c == '{') {
            parse_cut_bracket(k, data, i, depth);
            if (++depth > HL_MAX_JSON_DEPTH)
                return parse_fail_at(err, HL_E_TOO_LARGE, data, i,
                                     "arrays and objects nested deeper than the limit of 64");
            i++;
        } else if (c == ']' || c == '}') {
            parse_cut_bracket(k, data, i, depth);
            if (depth)
                depth--;
            i++;
        } else if (c == '-' || (c >= '0' && c <= '9')) {
            parse_cut_token(k, data, i, i, depth);
            int r = parse_scan_number(data, len, i, &i, err);
            if (r)
                return r;
        } else {
            parse_cut_token(k, data, i, i, depth);
            i++;
        }
    }
    return 0;
}

static int parse_check_size(size_t len, struct hl_error *err)
{
    if (len > HL_MAX_DOCUMENT_BYTES)
        return hl_fail(err, HL_E_TOO_LARGE, "1:1",
                       "document of %zu bytes is larger than the limit of %u bytes (byte offset 0)",
                       len, HL_MAX_DOCUMENT_BYTES);
    return 0;
}

int stix_parse(const char *data, size_t len, json_t **out, struct hl_error *err)
{
    *out = NULL;
    int r = parse_check_size(len, err);
    if (!r)
        r = parse_prescan(data, len, NULL, err);
    if (r)
        return r;

    json_error_t jerr;
    json_t *doc = json_loadb(data, len, JSON_REJECT_DUPLICATES, &jerr);
    if (!doc) {
        int line = jerr.line > 0 ? jerr.line : 1;
        int col = jerr.column > 0 ? jerr.column : 1;
        char where[HL_ERROR_WHERE_MAX];
        snprintf(where, sizeof where, "%d:%d", line, col); /* always fits */
        int code = json_error_code(&jerr) == json_error_out_of_memory ? HL_E_NOMEM : HL_E_PARSE;
        return hl_fail(err, code, where, "%s (byte offset %d)", jerr.text,
                       jerr.position > 0 ? jerr.position : 0);
    }
    *out = doc;
    return 0;
}

/* True if every member name of obj is one of a TAXII 2.1 envelope's
 * (TAXII 2.1 §3.7: more, next, objects; all optional). */
static bool parse_is_envelope(const json_t *obj)
{
    const char *key;
    const json_t *v;
    json_object_foreach((json_t *)obj, key, v) {
        (void)v;
        if (strcmp(key, "more") && strcmp(key, "next") && strcmp(key, "objects"))
            return false;
    }
    return true;
}

int stix_doc_kind(const json_t *doc)
{
    if (!json_is_object(doc))
        return 0;
    const json_t *type = json_object_get(doc, "type");
    if (type) {
        const char *s = json_string_value(type);
        if (s && strcmp(s, "bundle") == 0)
            return STIX_DOC_BUNDLE; /* STIX 2.1 §8 */
        return STIX_DOC_OBJECT;
    }
    return parse_is_envelope(doc) ? STIX_DOC_ENVELOPE : 0;
}

/* ---- a document in parts ------------------------------------------------ */

void stix_split_release(struct stix_split *s)
{
    free(s->part);
    *s = (struct stix_split){0};
}

int stix_split(const char *data, size_t len, struct stix_split *s, struct hl_error *err)
{
    *s = (struct stix_split){0};
    struct parse_cut k = {.s = s};
    int r = parse_check_size(len, err);
    if (!r)
        r = parse_prescan(data, len, &k, err);
    if (r || k.bad || k.in_array || !s->close || !s->n)
        stix_split_release(s);
    return r;
}

json_t *stix_split_parse(const char *data, const struct stix_split *s, size_t i)
{
    if (i >= s->n)
        return NULL;
    return json_loadb(data + s->part[i][0], s->part[i][1] - s->part[i][0], JSON_REJECT_DUPLICATES,
                      NULL);
}

/* Whether only the array's commas and whitespace lie between its parts. */
static bool split_gaps_ok(const char *data, const struct stix_split *s)
{
    if (!parse_all_ws(data, s->open + 1, s->part[0][0]) ||
        !parse_all_ws(data, s->part[s->n - 1][1], s->close))
        return false;
    for (size_t i = 0; i + 1 < s->n; i++) {
        size_t a = s->part[i][1], b = s->part[i + 1][0];
        while (a < b && parse_is_ws(data[a]))
            a++;
        if (a == b || data[a] != ',' || !parse_all_ws(data, a + 1, b))
            return false;
    }
    return true;
}

json_t *stix_split_join(const char *data, size_t len, const struct stix_split *s, json_t **parts)
{
    json_t *doc = NULL, *objects = NULL;
    size_t i = 0;
    bool ok = s->n && split_gaps_ok(data, s);
    for (size_t k = 0; ok && k < s->n; k++)
        ok = json_is_object(parts[k]);
    /* What is around the array: the document with an empty one. */
    size_t head = s->open + 1, tail = len - s->close;
    char *skeleton = ok ? malloc(head + tail) : NULL;
    if (skeleton) {
        memcpy(skeleton, data, head);
        memcpy(skeleton + head, data + s->close, tail);
        doc = json_loadb(skeleton, head + tail, JSON_REJECT_DUPLICATES, NULL);
        free(skeleton);
    }
    objects = json_object_get(doc, "objects");
    ok = json_is_object(doc) && json_is_array(objects) && json_array_size(objects) == 0;
    for (; ok && i < s->n; i++)
        ok = json_array_append_new(objects, parts[i]) == 0;
    for (size_t k = ok ? s->n : i; k < s->n; k++)
        json_decref(parts[k]);
    if (!ok) {
        json_decref(doc);
        return NULL;
    }
    return doc;
}
