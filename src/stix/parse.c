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

/* The pre-scan: depth, string length and integer range, before jansson. */
static HL_MUST_CHECK int parse_prescan(const char *data, size_t len, struct hl_error *err)
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
            i = end + 1;
        } else if (c == '[' || c == '{') {
            if (++depth > HL_MAX_JSON_DEPTH)
                return parse_fail_at(err, HL_E_TOO_LARGE, data, i,
                                     "arrays and objects nested deeper than the limit of 64");
            i++;
        } else if (c == ']' || c == '}') {
            if (depth)
                depth--;
            i++;
        } else if (c == '-' || (c >= '0' && c <= '9')) {
            int r = parse_scan_number(data, len, i, &i, err);
            if (r)
                return r;
        } else {
            i++;
        }
    }
    return 0;
}

int stix_parse(const char *data, size_t len, json_t **out, struct hl_error *err)
{
    *out = NULL;
    if (len > HL_MAX_DOCUMENT_BYTES)
        return hl_fail(err, HL_E_TOO_LARGE, "1:1",
                       "document of %zu bytes is larger than the limit of %u bytes (byte offset 0)",
                       len, HL_MAX_DOCUMENT_BYTES);
    int r = parse_prescan(data, len, err);
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
