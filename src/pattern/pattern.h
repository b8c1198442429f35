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

#include <jansson.h>

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

/* What the end of a property name says about its value (STIX 2.1 §2.7,
 * §3.1): a reference, a list of references, hex or base64 binary. */
enum pattern_suffix {
    PATTERN_SUFFIX_NONE = 0,
    PATTERN_SUFFIX_REF,  /* _ref */
    PATTERN_SUFFIX_REFS, /* _refs */
    PATTERN_SUFFIX_HEX,  /* _hex */
    PATTERN_SUFFIX_BIN,  /* _bin */
};

struct pattern_step {
    enum pattern_step_kind kind;
    const char *key;            /* KEY: unquoted, NUL-terminated (arena) */
    long long index;            /* INDEX; the grammar admits negative values */
    enum pattern_suffix suffix; /* KEY: of its name */
};

/* path [NOT] op value, or EXISTS path. */
struct pattern_comparison {
    const char *object_type; /* "file", "ipv4-addr", "x-usb-device" */
    uint64_t type_hash;      /* pattern_type_hash(object_type) */
    const struct pattern_step *steps;
    size_t n_steps; /* >= 1; steps[0] is always a KEY */
    enum pattern_op op;
    bool negated;               /* NOT before the operator */
    struct pattern_value value; /* kind NONE for EXISTS */
    struct pattern_pos pos;
    const void *regex; /* MATCHES: the compiled pcre2_code (owned by the pattern) */
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

enum pattern_qual_kind { PATTERN_QUAL_WITHIN = 1, PATTERN_QUAL_REPEATS, PATTERN_QUAL_START_STOP };

struct pattern_qualifier {
    enum pattern_qual_kind kind;
    struct pattern_pos pos;
    double within_seconds;                /* WITHIN: > 0 */
    const char *within_text;              /* WITHIN: the number as written */
    long long repeats;                    /* REPEATS: >= 1 */
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
HL_MUST_CHECK int pattern_to_string(const struct pattern *p, struct buf *out, struct hl_error *err);

/* Name of an operator as written in a pattern ("=", "ISSUBSET"). */
const char *pattern_op_name(enum pattern_op op);

/* ---- observations (obs.c) -------------------------------------------------
 * What a pattern is matched against: one STIX observed-data (STIX 2.1
 * §4.13) with its SCOs, from the observed-data's "objects" map (the keys
 * are what _ref properties name) or from "object_refs" resolved in the
 * bundle the observed-data came in (the SCO ids are what _ref properties
 * name). An observation holds one reference to a JSON document that owns
 * everything it points to; scos[] is its own array. */

/* SCOs in one observation; more are refused. */
#define PATTERN_MAX_SCOS 1000
/* number_observed above this counts as this (STIX 2.1 caps it at 999999999). */
#define PATTERN_MAX_NUMBER_OBSERVED 999999999
/* Pairs on one line of the line format. */
#define PATTERN_MAX_LINE_PAIRS 64

struct pattern_sco {
    const char *key;               /* key in "objects", or the SCO's id */
    const char *type;              /* its "type" */
    uint64_t type_hash;            /* pattern_type_hash(type) */
    json_t *obj;                   /* borrowed from the observation's doc */
    uint32_t first_leaf, n_leaves; /* its leaves in the observation's */
};

/* A scalar (string or number) reached from an SCO through plain keys, at
 * most PATTERN_LEAF_DEPTH of them: what the compiled matcher looks up, made
 * once when the observation is read. path is the keys, each as a 2-byte
 * length (host order) and its bytes; hash is pattern_hash(path, path_len). */
#define PATTERN_LEAF_DEPTH 4
/* Leaves per observation; past it (or past 64 KiB of paths) the
 * observation is marked leaves_partial and the matcher reads the JSON. */
#define PATTERN_MAX_LEAVES 4096
struct pattern_leaf {
    uint64_t hash;
    const uint8_t *path;
    uint32_t path_len;
    const json_t *value; /* borrowed from the observation's doc */
};

/* Is obj a JSON object whose "type" is type? */
bool pattern_is_type(const json_t *obj, const char *type);
/* The hash of an SCO type name the matcher dispatches on (FNV-1a). */
uint64_t pattern_type_hash(const char *type);

struct pattern_observation {
    const char *id;           /* the observed-data's id; NULL for the line format */
    int64_t first_ns;         /* first_observed, ns since 1970 (saturated) */
    int64_t last_ns;          /* last_observed */
    uint32_t number_observed; /* >= 1 */
    struct pattern_sco *scos; /* n_scos entries (malloc'ed, the observation's) */
    size_t n_scos;
    struct pattern_leaf *leaves; /* the SCOs' leaves, with their path bytes (one malloc) */
    size_t n_leaves;
    bool leaves_partial; /* some leaves were not listed */
    json_t *doc;         /* one reference, owned */
};

/* Reads observed-data od. by_id (may be NULL) maps SCO ids to SCOs for
 * object_refs. On success *out holds new references the caller gives back
 * with pattern_observation_release; on failure *out is zeroed and err
 * says why (HL_E_PARSE, HL_E_TOO_LARGE, HL_E_NOMEM). */
HL_MUST_CHECK int pattern_observation_from_json(json_t *od, const json_t *by_id,
                                                struct pattern_observation *out,
                                                struct hl_error *err);
/* Reads one line of the line format (docs/matching.md):
 *     TYPE:PATH=VALUE [TYPE:PATH=VALUE ...] [ts=TIMESTAMP] [n=COUNT]
 * PATH is keys joined by '.'; pairs of one TYPE fill one SCO; VALUE runs
 * to the next blank, is an integer when it is one, and a JSON string when
 * it starts with '"'. ts sets first and last observed (default now_ns).
 * Same contract as pattern_observation_from_json. */
HL_MUST_CHECK int pattern_observation_from_line(const char *line, size_t len, int64_t now_ns,
                                                struct pattern_observation *out,
                                                struct hl_error *err);
/* A second owner of the same observation (one more reference, a copy of
 * scos). */
HL_MUST_CHECK int pattern_observation_copy(const struct pattern_observation *o,
                                           struct pattern_observation *out);
/* Gives back what an observation holds and zeroes it; a zeroed one is a no-op. */
void pattern_observation_release(struct pattern_observation *o);
/* A STIX timestamp (YYYY-MM-DDTHH:MM:SS[.f]Z) as ns since 1970, saturated
 * to the int64 range. */
HL_MUST_CHECK bool pattern_time_parse(const char *s, size_t n, int64_t *ns);

/* ---- the plain evaluator (eval.c, stream.c) -------------------------------
 * Exact STIX 2.1 §9 semantics, one pattern at a time. */

/* Does comparison expression e (what stands inside [ ]) hold on o? All
 * its comparisons are evaluated against the SCOs of the one observation
 * (STIX 2.1 §9.5). */
bool pattern_expr_eval(const struct pattern_expr *e, const struct pattern_observation *o);

/* Bindings kept per node of the observation tree while matching a set;
 * past it the search stops and says so (truncated). */
#define PATTERN_MAX_BINDINGS 4096

struct pattern_match_result {
    bool matched;
    bool truncated; /* PATTERN_MAX_BINDINGS was reached: a match may be missed */
};

/* Matches p against the observations obs[0..n) as STIX 2.1 §9.6 and §9.7
 * define it: observation expressions bind distinct observations (an
 * observed-data counts number_observed times), AND and OR between them,
 * FOLLOWEDBY ordered by first_observed / last_observed, WITHIN, REPEATS,
 * START/STOP. With must_include < n, only bindings that use
 * obs[must_include] count (a stream's new observation). 0 or -HL_E_NOMEM. */
HL_MUST_CHECK int pattern_match(const struct pattern *p,
                                const struct pattern_observation *const *obs, size_t n,
                                size_t must_include, struct pattern_match_result *res);

/* ---- the compiled matcher (compile.c) -------------------------------------
 * Many indicators in one matcher. Equality on a property path of plain
 * keys (ipv4-addr:value, file:hashes.'SHA-256', ...) with a string or
 * integer constant, and ISSUBSET with a CIDR constant on ipv4-addr:value
 * and ipv6-addr:value, go into one open-addressing hash table (CIDR as one
 * key per prefix length); every bracket is reached through such a key or,
 * failing one, through the SCO type it needs. An indicator whose whole
 * pattern is such equalities needs no further evaluation and keeps no
 * tree; any other is evaluated (pattern_expr_eval, pattern_match) only
 * when one of its keys or types occurs in the observation. Cost per
 * observation: one probe per indexed path of each SCO, one per CIDR
 * prefix length in use, plus the candidates. Patterns that span several
 * observations keep the last PATTERN_WINDOW observations that matched one
 * of their brackets; older ones are dropped and counted. */

#define PATTERN_WINDOW 64
/* Observations held in all windows together (each holds a reference to
 * the observation's document and copies of its SCO and leaf arrays); at
 * the ceiling a window no longer grows: each new observation replaces its
 * oldest (counted in n_dropped). */
#define PATTERN_MAX_WINDOWED 1000000
/* Indicators in one matcher. */
#define PATTERN_MAX_INDICATORS 50000000u

struct pattern_matcher;

struct pattern_matcher_stats {
    size_t n_indicators;
    size_t n_equality;     /* answered by the index alone */
    size_t n_evaluated;    /* kept as trees, evaluated on candidates */
    size_t n_stream;       /* of those, spanning several observations */
    size_t n_keys;         /* index entries */
    size_t bytes;          /* memory held by the matcher */
    uint64_t n_dropped;    /* observations dropped from full windows */
    uint64_t n_truncated;  /* matches cut at PATTERN_MAX_BINDINGS */
    uint64_t n_candidates; /* evaluations run */
};

/* A new empty matcher, or NULL when out of memory. */
struct pattern_matcher *pattern_matcher_new(void);
void pattern_matcher_free(struct pattern_matcher *m);
/* Adds indicator id (NUL-terminated, copied) with pattern text[0..len).
 * *index_out (may be NULL) is its number, counting from 0 in order of
 * addition. On a syntax error nothing is added (HL_E_PARSE with the
 * position); HL_E_TOO_LARGE past PATTERN_MAX_INDICATORS; HL_E_NOMEM. */
HL_MUST_CHECK int pattern_matcher_add(struct pattern_matcher *m, const char *id, const char *text,
                                      size_t len, uint32_t *index_out, struct hl_error *err);
/* Called once per indicator that matches, with its number. */
typedef void (*pattern_match_fn)(void *ctx, uint32_t indicator,
                                 const struct pattern_observation *o);
/* Matches o against every indicator, calling fn for each that matches
 * (once per observation). Indicators spanning several observations
 * remember o when one of their brackets holds on it. 0 or -HL_E_NOMEM.
 * A matcher is used by one thread at a time. */
HL_MUST_CHECK int pattern_matcher_match(struct pattern_matcher *m,
                                        const struct pattern_observation *o, pattern_match_fn fn,
                                        void *ctx);
/* pattern_matcher_match of obs[0], obs[1], ... in that order, with the
 * same reports, faster: the index probes of a batch are prefetched
 * together so that their cache misses overlap. */
HL_MUST_CHECK int pattern_matcher_match_many(struct pattern_matcher *m,
                                             const struct pattern_observation *const *obs, size_t n,
                                             pattern_match_fn fn, void *ctx);
/* The 64-bit hash the matcher's index uses (never 0), for benchmarks that
 * set a bare table of the same keys beside it. */
uint64_t pattern_hash(const void *p, size_t n);
/* Sets the ceiling of windowed observations (default PATTERN_MAX_WINDOWED;
 * at least 1). */
void pattern_matcher_set_ceiling(struct pattern_matcher *m, size_t max_windowed);
/* The id of indicator i (borrowed until the matcher is freed). */
const char *pattern_matcher_id(const struct pattern_matcher *m, uint32_t i);
void pattern_matcher_get_stats(const struct pattern_matcher *m, struct pattern_matcher_stats *out);

#endif
