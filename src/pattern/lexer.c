/*
 * lexer.c — the tokens of the STIX 2.1 Patterning language, exactly as
 * the lexer rules of STIXPattern.g4 (oasis-open/cti-stix2-json-schemas)
 * define them (STIX 2.1 §9):
 *
 *   token        form
 *   -----------  ------------------------------------------------------
 *   keyword      AND OR NOT FOLLOWEDBY LIKE MATCHES ISSUBSET ISSUPERSET
 *                EXISTS LAST IN START STOP SECONDS WITHIN REPEATS TIMES,
 *                true false: case-sensitive, else an identifier
 *   identifier   [A-Za-z_][A-Za-z0-9_-]*   (the parser refuses '-'
 *                outside object types)
 *   string       ' ( any byte but ' and \ | \' | \\ )* '
 *   int          [+-]? ( 0 | [1-9][0-9]* )
 *   float        [+-]? [0-9]* . [0-9]+     (no exponent)
 *   binary       b' base64 '    hex  h' (hex hex)* '
 *   timestamp    t' YYYY-MM-DDTHH:MM:SS[.frac]Z '
 *   operators    = == != <> < <= > >= and [ ] ( ) , : . *
 *
 * Whitespace is ASCII space, \t \r \n \v \f and the Unicode spaces the
 * grammar lists (U+0085, U+00A0, U+1680, U+2000..U+200A, U+2028, U+2029,
 * U+202F, U+205F, U+3000); comments are slash-star to star-slash and //
 * to end of line. Anything else is an error: the grammar's catch-all
 * InvalidCharacter rule.
 *
 * Invariant: every read is checked against the end of the text first;
 * the lexer never reads past text + len and never writes to the text.
 * Constant bodies (escapes, base64, hex, timestamp) are checked by the
 * parser, which reports them with the token's position.
 */
#include <stdio.h>
#include <string.h>

#include "pattern_int.h"

struct keyword {
    const char *word;
    enum tok_kind kind;
};

static const struct keyword keywords[] = {
    {"AND", TOK_AND},           {"OR", TOK_OR},
    {"NOT", TOK_NOT},           {"FOLLOWEDBY", TOK_FOLLOWEDBY},
    {"LIKE", TOK_LIKE},         {"MATCHES", TOK_MATCHES},
    {"ISSUBSET", TOK_ISSUBSET}, {"ISSUPERSET", TOK_ISSUPERSET},
    {"EXISTS", TOK_EXISTS},     {"LAST", TOK_LAST},
    {"IN", TOK_IN},             {"START", TOK_START},
    {"STOP", TOK_STOP},         {"SECONDS", TOK_SECONDS},
    {"WITHIN", TOK_WITHIN},     {"REPEATS", TOK_REPEATS},
    {"TIMES", TOK_TIMES},       {"true", TOK_TRUE},
    {"false", TOK_FALSE},
};

enum tok_kind lexer_keyword(const char *s, size_t n)
{
    for (size_t i = 0; i < sizeof keywords / sizeof keywords[0]; i++) {
        if (strlen(keywords[i].word) == n && memcmp(keywords[i].word, s, n) == 0)
            return keywords[i].kind;
    }
    return TOK_IDENT;
}

void lexer_init(struct lexer *lx, const char *text, size_t len)
{
    lx->text = text;
    lx->len = len;
    lx->off = 0;
    lx->line = 1;
    lx->column = 1;
}

static bool is_digit(char c)
{
    return c >= '0' && c <= '9';
}

static bool is_ident_start(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}

static bool is_ident_char(char c)
{
    return is_ident_start(c) || is_digit(c) || c == '-';
}

/* Bytes left from the current offset. */
static size_t left(const struct lexer *lx)
{
    return lx->len - lx->off;
}

/* Byte at off + k, or 0 past the end (the text holds no NUL: refused up
 * front). */
static char peek(const struct lexer *lx, size_t k)
{
    return k < left(lx) ? lx->text[lx->off + k] : '\0';
}

/* Moves n bytes ahead, keeping line and column: a newline starts a line,
 * a UTF-8 continuation byte is not a new column. */
static void advance(struct lexer *lx, size_t n)
{
    for (size_t i = 0; i < n && lx->off < lx->len; i++) {
        unsigned char c = (unsigned char)lx->text[lx->off++];
        if (c == '\n') {
            lx->line++;
            lx->column = 1;
        } else if ((c & 0xC0) != 0x80) {
            lx->column++;
        }
    }
}

/* Length of the Unicode whitespace sequence at the current offset, 0 if
 * none (STIXPattern.g4, rule WS). */
static size_t unicode_space(const struct lexer *lx)
{
    unsigned char a = (unsigned char)peek(lx, 0), b = (unsigned char)peek(lx, 1);
    unsigned char c = (unsigned char)peek(lx, 2);
    if (a == 0xC2 && (b == 0x85 || b == 0xA0))
        return 2;
    if (a == 0xE1 && b == 0x9A && c == 0x80)
        return 3;
    if (a == 0xE2 && b == 0x80 && ((c >= 0x80 && c <= 0x8A) || c == 0xA8 || c == 0xA9 || c == 0xAF))
        return 3;
    if (a == 0xE2 && b == 0x81 && c == 0x9F)
        return 3;
    if (a == 0xE3 && b == 0x80 && c == 0x80)
        return 3;
    return 0;
}

static int lex_fail(const struct lexer *lx, struct hl_error *err, const char *msg)
{
    char where[32];
    snprintf(where, sizeof where, "%u:%u", (unsigned)lx->line, (unsigned)lx->column);
    return hl_fail(err, HL_E_PARSE, where, "%s", msg);
}

/* Skips whitespace and comments. */
static int skip_space(struct lexer *lx, struct hl_error *err)
{
    for (;;) {
        char c = peek(lx, 0);
        size_t u;
        if (left(lx) == 0)
            return 0;
        if (c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\v' || c == '\f') {
            advance(lx, 1);
        } else if ((u = unicode_space(lx)) > 0) {
            advance(lx, u);
        } else if (c == '/' && peek(lx, 1) == '*') {
            struct lexer at = *lx;
            advance(lx, 2);
            while (left(lx) > 0 && !(peek(lx, 0) == '*' && peek(lx, 1) == '/'))
                advance(lx, 1);
            if (left(lx) == 0)
                return lex_fail(&at, err, "comment opened here is never closed with '*/'");
            advance(lx, 2);
        } else if (c == '/' && peek(lx, 1) == '/') {
            while (left(lx) > 0 && peek(lx, 0) != '\n' && peek(lx, 0) != '\r')
                advance(lx, 1);
        } else {
            return 0;
        }
    }
}

/* A quoted body starting at the quote at offset k: returns the length up
 * to and including the closing quote, or 0 if it never closes. A
 * backslash always takes the next byte with it; which escapes are allowed
 * is the parser's concern. */
static size_t quoted_len(const struct lexer *lx, size_t k)
{
    size_t i = k + 1;
    while (i < left(lx)) {
        char c = peek(lx, i);
        if (c == '\\') {
            i += 2;
            continue;
        }
        if (c == '\'')
            return i + 1 - k;
        i++;
    }
    return 0;
}

static int lex_number(struct lexer *lx, struct token *t, struct hl_error *err)
{
    size_t i = 0, int_digits = 0, frac_digits = 0;
    bool dot = false;
    if (peek(lx, 0) == '+' || peek(lx, 0) == '-') {
        t->signed_ = true;
        t->negative = peek(lx, 0) == '-';
        i = 1;
    }
    while (is_digit(peek(lx, i))) {
        i++;
        int_digits++;
    }
    if (peek(lx, i) == '.' && is_digit(peek(lx, i + 1))) {
        dot = true;
        i++;
        while (is_digit(peek(lx, i))) {
            i++;
            frac_digits++;
        }
    }
    if (int_digits == 0 && frac_digits == 0)
        return lex_fail(lx, err, "a sign must be followed by a number");
    if (!dot && int_digits > 1 && peek(lx, t->signed_ ? 1 : 0) == '0')
        return lex_fail(lx, err, "an integer has no leading zeros");
    if (is_ident_char(peek(lx, i)) || peek(lx, i) == '.')
        return lex_fail(lx, err, "a number must end before a letter, '_', '-' or '.'");
    t->kind = dot ? TOK_FLOAT : TOK_INT;
    t->len = i;
    return 0;
}

static int lex_prefixed(struct lexer *lx, struct token *t, struct hl_error *err)
{
    size_t n = quoted_len(lx, 1);
    char c = peek(lx, 0);
    if (n == 0)
        return lex_fail(lx, err, c == 'b'   ? "binary constant is never closed with '"
                                 : c == 'h' ? "hex constant is never closed with '"
                                            : "timestamp constant is never closed with '");
    t->kind = c == 'b' ? TOK_BINARY : c == 'h' ? TOK_HEX : TOK_TIMESTAMP;
    t->len = n + 1;
    return 0;
}

/* Two-byte and one-byte operators and punctuation. */
static bool lex_punct(const struct lexer *lx, struct token *t)
{
    static const struct {
        const char *s;
        enum tok_kind kind;
    } ops[] = {
        {"==", TOK_EQ}, {"!=", TOK_NEQ}, {"<>", TOK_NEQ}, {"<=", TOK_LE}, {">=", TOK_GE},
        {"=", TOK_EQ},  {"<", TOK_LT},   {">", TOK_GT},   {"[", TOK_LBRACK},
        {"]", TOK_RBRACK}, {"(", TOK_LPAREN}, {")", TOK_RPAREN}, {",", TOK_COMMA},
        {":", TOK_COLON}, {".", TOK_DOT},  {"*", TOK_STAR},
    };
    for (size_t i = 0; i < sizeof ops / sizeof ops[0]; i++) {
        size_t n = strlen(ops[i].s);
        if (n <= left(lx) && memcmp(lx->text + lx->off, ops[i].s, n) == 0) {
            t->kind = ops[i].kind;
            t->len = n;
            return true;
        }
    }
    return false;
}

int lexer_next(struct lexer *lx, struct token *t, struct hl_error *err)
{
    int rc = skip_space(lx, err);
    char c, d;
    if (rc)
        return rc;
    memset(t, 0, sizeof *t);
    t->start = lx->text + lx->off;
    t->pos.line = lx->line;
    t->pos.column = lx->column;
    t->pos.offset = lx->off;
    if (left(lx) == 0) {
        t->kind = TOK_EOF;
        return 0;
    }
    c = peek(lx, 0);
    d = peek(lx, 1);
    if ((c == 'b' || c == 'h' || c == 't') && d == '\'') {
        rc = lex_prefixed(lx, t, err);
    } else if (is_ident_start(c)) {
        size_t n = 1;
        while (is_ident_char(peek(lx, n))) {
            if (peek(lx, n) == '-')
                t->has_hyphen = true;
            n++;
        }
        t->len = n;
        t->kind = lexer_keyword(t->start, n);
    } else if (c == '\'') {
        t->len = quoted_len(lx, 0);
        t->kind = TOK_STRING;
        if (t->len == 0)
            return lex_fail(lx, err, "string is never closed with '");
    } else if (is_digit(c) || c == '+' || c == '-' || (c == '.' && is_digit(d))) {
        rc = lex_number(lx, t, err);
    } else if (!lex_punct(lx, t)) {
        char msg[64];
        if ((unsigned char)c >= 0x20 && (unsigned char)c < 0x7F)
            snprintf(msg, sizeof msg, "unexpected character '%c'", c);
        else
            snprintf(msg, sizeof msg, "unexpected byte 0x%02X", (unsigned)(unsigned char)c);
        return lex_fail(lx, err, msg);
    }
    if (rc)
        return rc;
    advance(lx, t->len);
    return 0;
}

void token_describe(const struct token *t, char *out, size_t n)
{
    size_t show = t->len;
    const char *more = "", *q = "'";
    int w;
    if (n == 0)
        return;
    if (t->kind == TOK_EOF) {
        snprintf(out, n, "end of pattern");
        return;
    }
    if (t->kind == TOK_STRING || t->kind == TOK_BINARY || t->kind == TOK_HEX ||
        t->kind == TOK_TIMESTAMP)
        q = ""; /* the lexeme carries its own quotes */
    if (show > 40) {
        show = 40;
        more = "...";
    }
    /* Cutting is the intent: a message names the token, not all of it. */
    w = snprintf(out, n, "%s%.*s%s%s", q, (int)show, t->start, more, q);
    if (w < 0 || (size_t)w >= n)
        out[n - 1] = '\0';
}
