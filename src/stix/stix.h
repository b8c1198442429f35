/*
 * stix.h — the STIX 2.1 core: strict parsing, validation, RFC 8785
 * canonical form, deterministic SCO identifiers, timestamps.
 *
 * The model is a jansson tree (json_t). It is parsed once, strictly
 * (stix_parse), and every later step works on that tree: validation never
 * re-parses, canonicalization serializes the tree.
 *
 * Validation (STIX 2.1, OASIS Standard, 10 June 2021) reports findings:
 * what the spec says MUST is an error, SHOULD a warning. Validation never
 * stops at the first finding. Each finding has a JSON path relative to the
 * document ("objects[3].valid_from"; for a lone object, "valid_from"; ""
 * for the document itself) and a message a person understands.
 */
#ifndef HL_STIX_H
#define HL_STIX_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "base/base.h"

/* ---- strict parsing ---------------------------------------------------- */

/* Parses one JSON document strictly: RFC 8259 grammar, valid UTF-8, no
 * duplicate keys, no NUL in strings, depth <= HL_MAX_JSON_DEPTH, length <=
 * HL_MAX_DOCUMENT_BYTES, integers within I-JSON (±(2^53−1)), finite
 * numbers. On success *out is a new reference (caller json_decref()s). On
 * failure *out is NULL and err->where is "line:column" (1-based) with the
 * byte offset in the message. */
HL_MUST_CHECK int stix_parse(const char *data, size_t len, json_t **out, struct hl_error *err);

/* ---- a large document, parsed in parts --------------------------------
 * Nearly all the bytes of a bundle or a TAXII envelope are its "objects"
 * array. stix_split runs stix_parse's pre-scan (every limit, the same
 * errors) and notes where the top-level object's "objects" array and each
 * of its elements lie; each element is then parsed alone
 * (stix_split_parse, on any thread), and stix_split_join parses what is
 * around the array and puts the elements back in order. When every step
 * succeeds, the tree is the one stix_parse makes of the same bytes: the
 * parts and the gaps between them (commas and whitespace, checked) make
 * up the document, and each is judged by the same jansson rules.
 * Otherwise (n == 0 after stix_split: not of that shape, or an element
 * that is not an object; NULL from a step: a part that does not parse)
 * the caller parses the whole with stix_parse, whose answer stands. */
struct stix_split {
    size_t open, close; /* offsets of the array's '[' and ']' */
    size_t n, cap;
    size_t (*part)[2]; /* element i is data[part[i][0], part[i][1]) */
};

/* 0 (s->n may be 0: see above) or stix_parse's error for a limit. The
 * caller stix_split_release()s s either way. */
HL_MUST_CHECK int stix_split(const char *data, size_t len, struct stix_split *s,
                             struct hl_error *err);
/* Element i, or NULL if it does not parse. A new reference. */
json_t *stix_split_parse(const char *data, const struct stix_split *s, size_t i);
/* The document, with parts[0..n) (each NULL or an element: taken, every
 * one, whatever the outcome); NULL if it does not come together. */
json_t *stix_split_join(const char *data, size_t len, const struct stix_split *s, json_t **parts);
void stix_split_release(struct stix_split *s);

enum stix_doc_kind {
    STIX_DOC_OBJECT = 1, /* one STIX object: {"type": ..., ...} */
    STIX_DOC_BUNDLE,     /* {"type": "bundle", "id": ..., "objects": [...]} */
    STIX_DOC_ENVELOPE,   /* TAXII 2.1 envelope: {"more":..,"next":..,"objects":[..]} */
};

/* What kind of document doc is (by shape only; validation checks the rest).
 * 0 if it is none of them. */
int stix_doc_kind(const json_t *doc);

/* ---- findings ---------------------------------------------------------- */

enum stix_severity { STIX_SEV_ERROR = 1, STIX_SEV_WARNING = 2 };

struct stix_finding {
    enum stix_severity severity;
    char *path;    /* owned; "" for the document itself */
    char *message; /* owned */
};

/* A list of findings. At most HL_MAX_FINDINGS are kept; past that
 * `truncated` is set and n_errors / n_warnings still count every one. */
struct stix_report {
    struct stix_finding *items;
    size_t n, cap;
    size_t n_errors, n_warnings;
    bool truncated;
    bool out_of_memory; /* a finding could not be recorded: treat as invalid */
};

void stix_report_init(struct stix_report *r);
void stix_report_release(struct stix_report *r);
/* Records a finding. Never fails: a finding that cannot be stored still
 * counts (and sets out_of_memory). */
void stix_report_add(struct stix_report *r, enum stix_severity sev, const char *path,
                     const char *fmt, ...) HL_PRINTF(4, 5);
static inline bool stix_report_ok(const struct stix_report *r)
{
    return r->n_errors == 0 && !r->out_of_memory;
}

/* ---- validation -------------------------------------------------------- */

/* Validates a document of any kind (object, bundle, envelope), adding its
 * findings to r. Paths of objects inside a bundle or envelope start with
 * "objects[i]". */
void stix_validate_document(const json_t *doc, struct stix_report *r);

/* Validates one STIX object; path is the prefix of its findings ("" for a
 * lone object, "objects[3]" inside a bundle). */
void stix_validate_object(const json_t *obj, const char *path, struct stix_report *r);

/* ---- canonical form (RFC 8785) ----------------------------------------- */

/* Appends the RFC 8785 (JCS) canonical form of v to out: object members
 * sorted by the UTF-16 code units of their names, no whitespace, strings
 * with the minimal escapes of RFC 8785 §3.2.2.2, numbers as ECMAScript's
 * Number.prototype.toString (RFC 8785 §3.2.2.3). Fails with HL_E_INVALID
 * for a non-finite number, HL_E_TOO_LARGE past out->max; out is then
 * truncated back to its length on entry. */
HL_MUST_CHECK int stix_canon(const json_t *v, struct buf *out, struct hl_error *err);

/* Appends the ECMAScript form of the double d (RFC 8785 §3.2.2.3). */
HL_MUST_CHECK int stix_canon_number(double d, struct buf *out);

/* ---- identifiers -------------------------------------------------------- */

/* "type--" + 36 characters of UUID + NUL, for the longest type we accept. */
#define STIX_ID_MAX (250 + 2 + 36 + 1)

/* True if id is "<type>--<RFC 4122 UUID>" with a syntactically valid type;
 * if type is not NULL, the prefix must equal it. STIX 2.1 §2.9. */
bool stix_id_valid(const char *id, const char *type);

/* Writes a new random (version 4) identifier for type into out. */
HL_MUST_CHECK int stix_id_new(const char *type, char out[STIX_ID_MAX]);

/* Computes the deterministic identifier of an SCO (STIX 2.1 §2.9): UUIDv5
 * in namespace 00abedb4-aa42-466c-9c01-fed23315a9b7 over the RFC 8785 form
 * of its ID-contributing properties. Falls back to UUIDv4 when the type
 * has none, or none of them is present (as the spec says), in which case
 * *deterministic is false. Fails with HL_E_INVALID for a type that is not
 * a known SCO. */
HL_MUST_CHECK int stix_sco_id(const json_t *sco, char out[STIX_ID_MAX], bool *deterministic,
                              struct hl_error *err);

/* ---- timestamps ---------------------------------------------------------- */

/* A STIX timestamp (STIX 2.1 §3.2: RFC 3339, UTC, "Z", any sub-second
 * precision). Digits past nanoseconds are kept only for ordering ties. */
struct stix_time {
    int64_t sec;   /* seconds since 1970-01-01T00:00:00Z */
    uint32_t nsec; /* 0..999999999 */
};

/* Parses s strictly: YYYY-MM-DDTHH:MM:SS[.s+]Z with a real calendar date.
 * Returns false for anything else (offsets, lowercase t/z, leap second
 * 60, missing seconds). */
bool stix_time_parse(const char *s, struct stix_time *out);
/* <0, 0, >0 as a is before, equal to, after b. */
int stix_time_cmp(const struct stix_time *a, const struct stix_time *b);
/* Formats t as YYYY-MM-DDTHH:MM:SS.sssZ (millisecond precision, as STIX
 * requires of created/modified) into out (at least 25 bytes). */
void stix_time_format(const struct stix_time *t, char out[32]);
/* Microseconds since the epoch as YYYY-MM-DDTHH:MM:SS.ssssssZ (the
 * precision of TAXII's date_added) into out. */
void stix_time_format_us(int64_t us, char out[32]);
/* The same at millisecond precision (YYYY-MM-DDTHH:MM:SS.sssZ, the
 * sub-millisecond digits cut), as stix_time_format writes a stix_time. */
void stix_time_format_us_ms(int64_t us, char out[32]);
/* The time us microseconds from the epoch (negative: before it), and
 * back: t in microseconds since the epoch (sub-microsecond digits cut). */
struct stix_time stix_time_from_us(int64_t us);
int64_t stix_time_us(const struct stix_time *t);
/* stix_time_parse into microseconds since the epoch; false (and *us left
 * as it was) if s is NULL or not a STIX timestamp. */
bool stix_time_parse_us(const char *s, int64_t *us);
/* The current time, millisecond precision. */
struct stix_time stix_time_now(void);

#endif
