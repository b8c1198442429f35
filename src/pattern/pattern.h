/*
 * pattern.h — the STIX 2.1 Patterning language (STIX 2.1 §9): parse a
 * pattern into a tree a matcher can walk, check one for syntax only, and
 * print the canonical text of a tree.
 *
 * Grammar, lowest precedence first (STIX 2.1 §9, and the normative ANTLR
 * grammar STIXPattern.g4 of oasis-open/cti-stix2-json-schemas):
 *
 *   pattern      = obs-fb EOF
 *   obs-fb       = obs-or  *( "FOLLOWEDBY" obs-or )       left-assoc
 *   obs-or       = obs-and *( "OR" obs-and )
 *   obs-and      = obs-qual *( "AND" obs-qual )
 *   obs-qual     = obs-primary *( qualifier )              postfix
 *   obs-primary  = "[" cmp-or "]" / "(" obs-fb ")"
 *   qualifier    = "WITHIN" pos-number "SECONDS" / "REPEATS" pos-int "TIMES"
 *                / "START" timestamp "STOP" timestamp
 *   cmp-or       = cmp-and *( "OR" cmp-and )
 *   cmp-and      = cmp *( "AND" cmp )
 *   cmp          = path ["NOT"] op constant / "EXISTS" path / "(" cmp-or ")"
 *   path         = type ":" first *( "." key / "[" (int / "*") "]" )
 *
 * Keywords are upper case and case-sensitive; true and false are lower
 * case. Whitespace (ASCII and the Unicode spaces the grammar lists) and
 * comments (slash-star ... star-slash, and // to end of line) separate
 * tokens.
 *
 * The tree. A parsed pattern owns every node, string and byte array it
 * holds in one arena: pattern_free() releases all of it at once, and
 * every pointer into the tree is valid until then. The tree is read-only
 * for its users. Chains of one operator are n-ary (a OR b OR c is one OR
 * node with three items, in source order), so the depth of the tree is
 * bounded by the nesting of parentheses and brackets, itself bounded by
 * PATTERN_MAX_DEPTH: a recursive walker cannot overflow the stack. A node
 * of the same kind as its parent exists only where the source had
 * parentheses (a AND (b AND c)); FOLLOWEDBY is left-associative, so an
 * n-ary FOLLOWEDBY means each item follows the one before it.
 *
 * Constants arrive decoded: strings unescaped (NUL-terminated, with their
 * length), binary (b'..') and hex (h'..') constants as bytes, timestamps
 * (t'..') as seconds since 1970 plus nanoseconds, with their text.
 */
#ifndef HL_PATTERN_H
#define HL_PATTERN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/base.h"

/* ---- limits -------------------------------------------------------------- */

/* The text of one pattern is at most HL_MAX_PATTERN_BYTES (base.h). */
/* Nesting of parentheses and brackets, at both levels together. */
#define PATTERN_MAX_DEPTH 64
/* Tree nodes: observation and comparison-expression nodes, comparisons,
 * path steps and set members, all counted. */
#define PATTERN_MAX_NODES 10000

/* ---- the tree ------------------------------------------------------------ */

/* Where a node starts in the source: 1-based line and column (columns
 * count characters), and the 0-based byte offset. */
struct pattern_pos {
    uint32_t line;
    uint32_t column;
    size_t offset;
};

/* Comparison operators (STIX 2.1 §9, Comparison Operators). */
enum pattern_op {
    PATTERN_OP_EQ = 1,  /* =  (also written ==) */
    PATTERN_OP_NEQ,     /* != (also written <>) */
    PATTERN_OP_GT,      /* >  */
    PATTERN_OP_LT,      /* <  */
    PATTERN_OP_GE,      /* >= */
    PATTERN_OP_LE,      /* <= */
    PATTERN_OP_IN,      /* IN (set) */
    PATTERN_OP_LIKE,    /* LIKE 'sql-like' */
    PATTERN_OP_MATCHES, /* MATCHES 'pcre' (checked to compile with PCRE2) */
    PATTERN_OP_ISSUBSET,
    PATTERN_OP_ISSUPERSET,
    PATTERN_OP_EXISTS /* EXISTS path: no constant */
};

enum pattern_value_kind {
    PATTERN_VAL_NONE = 0, /* EXISTS has no constant */
    PATTERN_VAL_STRING,
    PATTERN_VAL_INT,
    PATTERN_VAL_FLOAT,
    PATTERN_VAL_BOOL,
    PATTERN_VAL_BINARY, /* b'base64' */
    PATTERN_VAL_HEX,    /* h'hex' */
    PATTERN_VAL_TIMESTAMP,
    PATTERN_VAL_SET /* ( constant, ... ), possibly empty */
};

/* An instant with a t'YYYY-MM-DDTHH:MM:SS[.frac]Z' constant's text. */
struct pattern_timestamp {
    int64_t seconds;  /* since 1970-01-01T00:00:00Z; :60 counts as :59 + 1s */
    uint32_t nanos;   /* fraction, cut after 9 digits */
    const char *text; /* as written, without t'' (arena) */
};

struct pattern_value {
    enum pattern_value_kind kind;
    struct pattern_pos pos;
    union {
        struct {
            const char *s; /* unescaped, NUL-terminated (arena) */
            size_t len;
        } str;
        struct {
            long long v;
        } i;
        struct {
            double v;
            const char *text; /* as written, sign kept, leading '+' dropped */
        } f;
        bool b;
        struct {
            const uint8_t *bytes; /* decoded (arena); NULL when len == 0 */
            size_t len;
        } bin; /* BINARY and HEX */
        struct pattern_timestamp ts;
        struct {
            const struct pattern_value *items; /* n values, none a set */
            size_t n;
        } set;
    } u;
};

enum pattern_step_kind {
    PATTERN_STEP_KEY = 1,   /* .name or .'quoted name' (also the first step) */
    PATTERN_STEP_INDEX,     /* [n] */
    PATTERN_STEP_ANY_INDEX, /* [*] */
};

struct pattern_step {
    enum pattern_step_kind kind;
    const char *key; /* KEY: unquoted, NUL-terminated (arena) */
    long long index; /* INDEX; the grammar admits negative values */
};

/* path [NOT] op value, or EXISTS path. */
struct pattern_comparison {
    const char *object_type; /* "file", "ipv4-addr", "x-usb-device" */
    const struct pattern_step *steps;
    size_t n_steps; /* >= 1; steps[0] is always a KEY */
    enum pattern_op op;
    bool negated;               /* NOT before the operator */
    struct pattern_value value; /* kind NONE for EXISTS */
    struct pattern_pos pos;
};

enum pattern_expr_kind {
    PATTERN_EXPR_AND = 1, /* every item holds on one object */
    PATTERN_EXPR_OR,
    PATTERN_EXPR_COMPARISON
};

/* A comparison expression: what stands inside [ ]. */
struct pattern_expr {
    enum pattern_expr_kind kind;
    struct pattern_pos pos;
    const struct pattern_expr *const *items; /* AND, OR: n >= 2 items */
    size_t n;
    const struct pattern_comparison *cmp; /* COMPARISON */
};

enum pattern_qual_kind {
    PATTERN_QUAL_WITHIN = 1,
    PATTERN_QUAL_REPEATS,
    PATTERN_QUAL_START_STOP
};

struct pattern_qualifier {
    enum pattern_qual_kind kind;
    struct pattern_pos pos;
    double within_seconds;      /* WITHIN: > 0 */
    const char *within_text;    /* WITHIN: the number as written */
    long long repeats;          /* REPEATS: >= 1 */
    struct pattern_timestamp start, stop; /* START_STOP: start < stop */
};

enum pattern_obs_kind {
    PATTERN_OBS_BRACKET = 1, /* [ expr ] */
    PATTERN_OBS_AND,
    PATTERN_OBS_OR,
    PATTERN_OBS_FOLLOWEDBY,
    PATTERN_OBS_QUALIFIED /* inner, restricted by qual */
};

/* An observation expression. */
struct pattern_obs {
    enum pattern_obs_kind kind;
    struct pattern_pos pos;
    const struct pattern_expr *expr;        /* BRACKET */
    const struct pattern_obs *const *items; /* AND, OR, FOLLOWEDBY: n >= 2 */
    size_t n;
    const struct pattern_obs *inner; /* QUALIFIED */
    struct pattern_qualifier qual;   /* QUALIFIED */
};

/* A parsed pattern (opaque): the root and the arena that holds the tree. */
struct pattern;

/* ---- life cycle ---------------------------------------------------------- */

/* Parses text[0..len) (no NUL needed; a NUL byte inside is an error).
 * On success *out is a new pattern the caller frees with pattern_free.
 * On failure *out is NULL and err says what was expected and what was
 * found, where = "line:column" of the offending token; codes:
 * HL_E_PARSE (syntax or a constant that is not valid), HL_E_TOO_LARGE
 * (HL_MAX_PATTERN_BYTES, PATTERN_MAX_DEPTH, PATTERN_MAX_NODES),
 * HL_E_NOMEM. */
HL_MUST_CHECK int pattern_parse(const char *text, size_t len, struct pattern **out,
                                struct hl_error *err);

/* Frees p and its whole tree. NULL is a no-op. */
void pattern_free(struct pattern *p);

/* Parses and discards: 0 if text is a valid pattern, else as
 * pattern_parse. */
HL_MUST_CHECK int pattern_check(const char *text, size_t len, struct hl_error *err);

/* The root observation expression; borrowed, valid until pattern_free. */
const struct pattern_obs *pattern_root(const struct pattern *p);

/* Number of tree nodes (as counted against PATTERN_MAX_NODES). */
size_t pattern_node_count(const struct pattern *p);

/* Appends the canonical text of p to out: single spaces around operators
 * and keywords, parentheses only where precedence needs them, keys
 * quoted only when they are not plain identifiers, strings with only '
 * and \ escaped, hex in lower case, binary re-encoded in base64 with
 * padding. Parsing the result gives a tree that prints the same text.
 * On failure (HL_E_TOO_LARGE past out->max, HL_E_NOMEM) out is cut back
 * to its length on entry. */
HL_MUST_CHECK int pattern_to_string(const struct pattern *p, struct buf *out,
                                    struct hl_error *err);

/* Name of an operator as written in a pattern ("=", "ISSUBSET"). */
const char *pattern_op_name(enum pattern_op op);

#endif
