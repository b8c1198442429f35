/*
 * pattern_int.h — what lexer.c, parser.c and pattern.c share and no other
 * module sees: the token, the lexer state, the arena, and the checks of
 * constant bodies.
 *
 * The lexer turns text into tokens on demand (one token of lookahead is
 * all the grammar needs). A token points into the text: [start, start +
 * len) is its lexeme, quotes and prefixes included; literals are decoded
 * by the parser, which owns the arena. Positions are 1-based line and
 * column (columns count UTF-8 characters) plus the byte offset.
 *
 * The arena hands out aligned blocks from a chain of malloc'ed chunks and
 * never frees one alone: arena_release frees all of them.
 */
#ifndef HL_PATTERN_INT_H
#define HL_PATTERN_INT_H

#include <string.h>

#include "pattern.h"

enum tok_kind {
    TOK_EOF = 0,
    TOK_LBRACK,
    TOK_RBRACK,
    TOK_LPAREN,
    TOK_RPAREN,
    TOK_COMMA,
    TOK_COLON,
    TOK_DOT,
    TOK_STAR,
    TOK_EQ,
    TOK_NEQ,
    TOK_LT,
    TOK_LE,
    TOK_GT,
    TOK_GE,
    /* keywords (case-sensitive) */
    TOK_AND,
    TOK_OR,
    TOK_NOT,
    TOK_FOLLOWEDBY,
    TOK_LIKE,
    TOK_MATCHES,
    TOK_ISSUBSET,
    TOK_ISSUPERSET,
    TOK_EXISTS,
    TOK_LAST, /* reserved by the grammar, used nowhere */
    TOK_IN,
    TOK_START,
    TOK_STOP,
    TOK_SECONDS,
    TOK_WITHIN,
    TOK_REPEATS,
    TOK_TIMES,
    TOK_TRUE,
    TOK_FALSE,
    /* identifiers and literals */
    TOK_IDENT,     /* [A-Za-z_][A-Za-z0-9_-]*; has_hyphen says if '-' occurs */
    TOK_STRING,    /* '...' with \' and \\ */
    TOK_INT,       /* [+-]?(0|[1-9][0-9]*) */
    TOK_FLOAT,     /* [+-]?[0-9]*.[0-9]+ */
    TOK_BINARY,    /* b'...' */
    TOK_HEX,       /* h'...' */
    TOK_TIMESTAMP, /* t'...' */
};

struct token {
    enum tok_kind kind;
    const char *start; /* into the text */
    size_t len;
    struct pattern_pos pos;
    bool has_hyphen; /* IDENT */
    bool negative;   /* INT, FLOAT: written with '-' */
    bool signed_;    /* INT, FLOAT: written with '+' or '-' */
};

struct lexer {
    const char *text;
    size_t len;
    size_t off;
    uint32_t line;
    uint32_t column;
};

void lexer_init(struct lexer *lx, const char *text, size_t len);
/* Reads the next token into *t. Fails with HL_E_PARSE (bad character,
 * unterminated string or comment, malformed number) with err->where at
 * the offending character. */
HL_MUST_CHECK int lexer_next(struct lexer *lx, struct token *t, struct hl_error *err);
/* Describes t for a message: "'AND'", "end of pattern", "'foo'"; the text
 * is cut to fit n bytes. */
void token_describe(const struct token *t, char *out, size_t n);
/* Keyword spelled by [s, s+n), or TOK_IDENT when it is none. */
enum tok_kind lexer_keyword(const char *s, size_t n);

/* ---- arena ----------------------------------------------------------------- */

struct arena_chunk;
struct arena {
    struct arena_chunk *head;
    size_t used;  /* bytes handed out from head */
    size_t cap;   /* bytes usable in head */
    size_t total; /* bytes of every chunk */
};

void arena_init(struct arena *a);
/* Zeroed block of n bytes aligned for any type, or NULL when out of
 * memory; owned by the arena. */
void *arena_alloc(struct arena *a, size_t n);
/* Copy of [s, s+n) with a NUL after it, owned by the arena. */
char *arena_strndup(struct arena *a, const char *s, size_t n);
void arena_release(struct arena *a);
/* A point to return to: arena_reset frees every block handed out since
 * arena_mark (and the chunks that held only those). */
struct arena_mark {
    struct arena_chunk *head;
    size_t used, cap;
};
struct arena_mark arena_mark(const struct arena *a);
void arena_reset(struct arena *a, struct arena_mark m);

/* ---- constant bodies ------------------------------------------------------- */

/* Checks a t'..' body (between the quotes): YYYY-MM-DDTHH:MM:SS[.f+]Z,
 * a real calendar date, and fills seconds and nanos. */
HL_MUST_CHECK bool pattern_timestamp_parse(const char *s, size_t n, int64_t *seconds,
                                           uint32_t *nanos);
/* Decodes a b'..' body: base64 (RFC 4648 §4) with padding, length a
 * positive multiple of 4, pad bits zero. out holds n / 4 * 3 bytes. */
HL_MUST_CHECK bool pattern_base64_decode(const char *s, size_t n, uint8_t *out, size_t *out_len);

/* Builds the tree of text into p; defined in parser.c. */
/* A compiled MATCHES expression (pcre2_code), freed by pattern_free. */
struct pattern_regex {
    void *re;
    struct pattern_regex *next;
};
struct pattern {
    struct arena arena;
    const struct pattern_obs *root;
    size_t n_nodes;
    struct pattern_regex *regexes; /* in the arena; the codes are not */
};
HL_MUST_CHECK int pattern_parse_into(struct pattern *p, const char *text, size_t len,
                                     struct hl_error *err);

/* ---- shared by eval.c and compile.c ---------------------------------------- */

/* An IPv4 or IPv6 address with an optional "/prefix" in s[0..n): family 4
 * or 6, the address in addr (IPv4 in the first 4 bytes, the rest zero),
 * the prefix (32 or 128 when absent). */
HL_MUST_CHECK bool pattern_net_parse(const char *s, size_t n, int *family, uint8_t addr[16],
                                     unsigned *prefix);
/* t as ns since 1970, saturated to the int64 range. */
static inline int64_t pattern_ts_ns(int64_t seconds, uint32_t nanos)
{
    if (seconds > INT64_MAX / 1000000000 - 1)
        return INT64_MAX;
    if (seconds < INT64_MIN / 1000000000 + 1)
        return INT64_MIN;
    return seconds * 1000000000 + nanos;
}
/* Value of hex digit c, or -1. */
static inline int pattern_hex_digit(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}
/* Does s end with suffix? */
static inline bool pattern_ends_with(const char *s, const char *suffix)
{
    size_t n = strlen(s), k = strlen(suffix);
    return n >= k && memcmp(s + n - k, suffix, k) == 0;
}
/* Bytes held by p's arena. */
size_t pattern_bytes(const struct pattern *p);
/* Clears the bits of addr past prefix. */
void pattern_net_mask(uint8_t addr[16], unsigned prefix);

#endif
