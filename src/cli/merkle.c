/*
 * merkle.c — `hotline merkle verify FILE...`: checks RFC 9162 inclusion and
 * consistency proofs given as JSON files, in the shape of the
 * transparency-dev test data (shared/data/merkle):
 *
 *   inclusion:    {"leafIdx": N, "treeSize": N, "root": B64, "leafHash": B64,
 *                  "proof": [B64...] | null, "wantErr": BOOL}
 *   consistency:  {"size1": N, "size2": N, "root1": B64, "root2": B64,
 *                  "proof": [B64...] | null, "wantErr": BOOL}
 *
 * B64 is standard base64 of a 32-byte SHA-256 hash; a hash that is not
 * one makes the proof fail, like any other wrong hash. Sizes and indexes
 * are unsigned 64-bit integers (the data holds 2^64 - 1, so they are read
 * exactly from the text; jansson's integers stop at 2^63 - 1).
 *
 * A file "matches" when the proof verifies exactly if wantErr is false.
 * Exit codes: 0 every file matches; 1 some file does not (one line each);
 * 2 usage error, or a file that is unreadable or not in this shape.
 *
 * `hotline merkle leaf FILE|-` and `hotline merkle root [--size N] FILE|-`
 * compute what a hotline log commits to, so that docs/protocol.md's worked
 * examples (and an auditor) can check a stated hash against the code:
 *
 *   leaf   the RFC 9162 §2.1.1 leaf hash SHA-256(0x00 || c) of the JSON
 *          document in FILE, c being its RFC 8785 form (a log's leaf is
 *          the canonical form of the sealed object, signatures included).
 *   root   the Merkle Tree Hash (RFC 9162 §2.1.1) of the first N lines
 *          (all by default) of a JSON Lines file, each line one leaf as
 *          above; the MTH of no leaves is SHA-256 of the empty string.
 *
 * Both print lowercase hex, or with --json {"leaf_hash": HEX} and
 * {"size": N, "root_hash": HEX}. Lines are read one at a time (each at
 * most HL_MAX_DOCUMENT_BYTES), and the tree is folded in a frontier, so a
 * log of any length costs constant memory. Exit codes: 0 printed; 2 usage
 * error, unreadable or malformed input ("FILE:LINE: message"), fewer
 * lines than --size.
 */
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "ledger/ledger.h"
#include "stix/stix.h"

#define VECTOR_MAX_BYTES (1u << 20)

struct merkle_opts {
    bool verbose;
    bool json;
};

static void merkle_help(void)
{
    printf("usage: hotline merkle verify [--verbose] [--json] FILE...\n"
           "       hotline merkle leaf [--json] FILE|-\n"
           "       hotline merkle root [--size N] [--json] FILE|-\n\n"
           "Checks RFC 9162 Merkle inclusion and consistency proofs. Each FILE is a JSON\n"
           "object, either\n"
           "  {\"leafIdx\", \"treeSize\", \"root\", \"leafHash\", \"proof\", \"wantErr\"}  or\n"
           "  {\"size1\", \"size2\", \"root1\", \"root2\", \"proof\", \"wantErr\"}\n"
           "with hashes in base64 (as in the transparency-dev test data). A file\n"
           "matches when its proof verifies exactly if wantErr is false.\n\n"
           "  --verbose  print one line per file, not only per mismatch\n"
           "  --json     print a JSON array with one result per file\n\n"
           "leaf: prints the RFC 9162 leaf hash, SHA-256(0x00 || bytes), of the RFC 8785\n"
           "form of the JSON document in FILE ('-' reads stdin), in lowercase hex.\n\n"
           "root: prints the RFC 9162 Merkle Tree Hash of the first N lines (--size;\n"
           "default all) of the JSON Lines FILE, each line one leaf as for 'leaf'.\n"
           "The entries of one log in an evidence file are such lines.\n\n"
           "  --json     print {\"leaf_hash\": HEX} or {\"size\": N, \"root_hash\": HEX}\n\n"
           "Exit codes: 0 every file matches (verify) or the hash was printed; 1 some\n"
           "file does not match; 2 usage error, or input that cannot be read, is not\n"
           "a proof file or JSON, or has fewer lines than --size.\n");
}

/* The unsigned integer member key of doc, exactly: the parsed number must
 * be a non-negative integer, and its digits are re-read from the text. */
static bool vector_u64(const json_t *doc, const char *text, const char *key, uint64_t *out)
{
    const json_t *v = json_object_get(doc, key);
    if (!json_is_number(v))
        return false;
    double d = json_number_value(v);
    if (!(d >= 0) || d != floor(d))
        return false;
    char quoted[32];
    int n = snprintf(quoted, sizeof quoted, "\"%s\"", key);
    if (n < 0 || (size_t)n >= sizeof quoted)
        return false;
    const char *p = strstr(text, quoted);
    if (!p)
        return false;
    p += n;
    p += strspn(p, " \t\r\n");
    if (*p++ != ':')
        return false;
    p += strspn(p, " \t\r\n");
    uint64_t x = 0;
    if (*p < '0' || *p > '9')
        return false;
    for (; *p >= '0' && *p <= '9'; p++) {
        if (__builtin_mul_overflow(x, 10, &x) ||
            __builtin_add_overflow(x, (uint64_t)(*p - '0'), &x))
            return false;
    }
    if ((double)x != d) /* the text and the parse must agree */
        return false;
    *out = x;
    return true;
}

/* A base64 SHA-256 hash; false if v is anything else. */
static bool vector_hash(const json_t *v, uint8_t out[32])
{
    const char *s = json_string_value(v);
    size_t n = 0;
    const char *end = NULL;
    if (!s || strlen(s) != 44)
        return false;
    if (sodium_base642bin(out, 32, s, 44, NULL, &n, &end, sodium_base64_VARIANT_ORIGINAL) != 0)
        return false;
    return n == 32 && end == s + 44;
}

/* Verifies the proof of doc. Returns 0 if it verifies, -HL_E_VERIFY with
 * the reason if not, or -HL_E_PARSE if doc is not a proof file. */
static int vector_verify(const json_t *doc, const char *text, const char **kind,
                         struct hl_error *err)
{
    static uint8_t proof[MERKLE_MAX_PROOF][32];
    uint8_t a[32], b[32];
    uint64_t x, y;
    bool inclusion = json_object_get(doc, "leafIdx") != NULL;
    *kind = inclusion ? "inclusion" : "consistency";
    const char *kx = inclusion ? "leafIdx" : "size1", *ky = inclusion ? "treeSize" : "size2";
    if (!vector_u64(doc, text, kx, &x) || !vector_u64(doc, text, ky, &y))
        return hl_fail(err, HL_E_PARSE, NULL, "%s and %s must be integers in [0, 2^64)", kx, ky);
    const json_t *arr = json_object_get(doc, "proof");
    if (!json_is_array(arr) && !json_is_null(arr))
        return hl_fail(err, HL_E_PARSE, "proof", "proof must be an array or null");
    size_t len = json_array_size(arr);
    if (len > MERKLE_MAX_PROOF)
        return hl_fail(err, HL_E_VERIFY, "proof", "longer than %d hashes", MERKLE_MAX_PROOF);
    for (size_t i = 0; i < len; i++) {
        if (!vector_hash(json_array_get(arr, i), proof[i]))
            return hl_fail(err, HL_E_VERIFY, "proof", "proof[%zu] is not a base64 SHA-256 hash", i);
    }
    const char *ka = inclusion ? "leafHash" : "root1", *kb = inclusion ? "root" : "root2";
    if (!vector_hash(json_object_get(doc, ka), a))
        return hl_fail(err, HL_E_VERIFY, ka, "%s is not a base64 SHA-256 hash", ka);
    if (!vector_hash(json_object_get(doc, kb), b))
        return hl_fail(err, HL_E_VERIFY, kb, "%s is not a base64 SHA-256 hash", kb);
    const uint8_t(*p)[32] = (const uint8_t(*)[32])proof;
    if (inclusion)
        return merkle_verify_inclusion(x, y, a, p, len, b, err);
    return merkle_verify_consistency(x, y, a, b, p, len, err);
}

/* Checks one file; CLI_OK if it matches, CLI_FAIL if not, CLI_ERROR if it
 * cannot be checked. Prints its line (or JSON element) as asked. */
static int merkle_check_file(const char *path, const struct merkle_opts *o, bool first)
{
    struct buf in;
    struct hl_error err, why;
    json_error_t jerr;
    json_t *doc = NULL;
    int rc = CLI_ERROR;
    const char *kind = "?";
    bool verified = false, want_err = false;
    hl_error_clear(&err);
    hl_error_clear(&why);
    buf_init(&in, VECTOR_MAX_BYTES);
    if (hl_read_file(path, VECTOR_MAX_BYTES, &in, &err)) {
        snprintf(why.msg, sizeof why.msg, "%s", err.msg);
        goto report;
    }
    doc = json_loadb(in.data, in.len, JSON_DECODE_INT_AS_REAL | JSON_REJECT_DUPLICATES, &jerr);
    if (!json_is_object(doc) || !json_is_boolean(json_object_get(doc, "wantErr"))) {
        snprintf(why.msg, sizeof why.msg, "%s",
                 doc ? "not a proof file (no boolean wantErr)" : jerr.text);
        goto report;
    }
    want_err = json_is_true(json_object_get(doc, "wantErr"));
    int v = vector_verify(doc, in.data, &kind, &why);
    if (v == -HL_E_PARSE)
        goto report;
    verified = v == 0;
    rc = verified == !want_err ? CLI_OK : CLI_FAIL;
report:
    if (o->json) {
        json_t *r = json_pack("{s:s, s:s, s:s}", "file", path, "kind", kind, "result",
                              rc == CLI_OK     ? "match"
                              : rc == CLI_FAIL ? "mismatch"
                                               : "error");
        if (r && rc != CLI_ERROR) {
            json_object_set_new(r, "verified", json_boolean(verified));
            json_object_set_new(r, "wantErr", json_boolean(want_err));
        }
        if (r && why.msg[0])
            json_object_set_new(r, "reason", json_string(why.msg));
        char *s = r ? json_dumps(r, JSON_COMPACT) : NULL;
        printf("%s%s", first ? "[\n  " : ",\n  ", s ? s : "null");
        free(s);
        json_decref(r);
    } else if (rc == CLI_ERROR) {
        fprintf(stderr, "%s: cannot check: %s\n", path, why.msg);
    } else if (rc == CLI_FAIL || o->verbose) {
        printf("%s: %s %s: %s%s%s (wantErr %s)\n", path, rc == CLI_OK ? "ok," : "MISMATCH,", kind,
               verified ? "verifies" : "rejected", verified ? "" : ": ", verified ? "" : why.msg,
               want_err ? "true" : "false");
    }
    json_decref(doc);
    buf_release(&in);
    return rc;
}

static int merkle_verify_cmd(int argc, char **argv)
{
    struct merkle_opts o = {false, false};
    int i = 1;
    for (; i < argc; i++) {
        if (strcmp(argv[i], "--") == 0) {
            i++;
            break;
        }
        if (strcmp(argv[i], "--verbose") == 0 || strcmp(argv[i], "-v") == 0)
            o.verbose = true;
        else if (strcmp(argv[i], "--json") == 0)
            o.json = true;
        else if (argv[i][0] == '-' && argv[i][1])
            return cli_usage_error("merkle", "unknown option '%s'", argv[i]);
        else
            break;
    }
    if (i >= argc)
        return cli_usage_error("merkle", "verify needs at least one FILE");
    int worst = CLI_OK;
    size_t n = 0, mismatched = 0;
    for (; i < argc; i++, n++) {
        int rc = merkle_check_file(argv[i], &o, n == 0);
        mismatched += rc == CLI_FAIL;
        if (rc > worst)
            worst = rc;
    }
    if (o.json)
        printf("\n]\n");
    else if (o.verbose || mismatched)
        printf("%zu file(s), %zu mismatch(es)\n", n, mismatched);
    return worst;
}

/* ---- leaf and root: what a log commits to ------------------------------ */

#define HASH_CANON_MAX ((size_t)HL_MAX_DOCUMENT_BYTES * 6)

struct hash_opts {
    bool json;
    bool has_size;    /* root: --size given */
    long long size;   /* root: leaves to take */
    const char *path; /* FILE or "-" */
};

/* Options of `merkle leaf|root` (argv[0] is the subcommand). */
static int hash_parse(int argc, char **argv, bool root, struct hash_opts *o)
{
    memset(o, 0, sizeof *o);
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--json") == 0) {
            o->json = true;
        } else if (root && strcmp(argv[i], "--size") == 0) {
            if (i + 1 >= argc || !hl_parse_int(argv[i + 1], 0, HL_IJSON_MAX_INT, &o->size))
                return cli_usage_error("merkle", "--size needs an integer in [0, 2^53 - 1]");
            o->has_size = true;
            i++;
        } else if (argv[i][0] == '-' && argv[i][1]) {
            return cli_usage_error("merkle", "unknown option '%s'", argv[i]);
        } else if (o->path) {
            return cli_usage_error("merkle", "%s takes one FILE (or '-')", argv[0]);
        } else {
            o->path = argv[i];
        }
    }
    if (!o->path)
        return cli_usage_error("merkle", "%s needs a FILE (or '-' for stdin)", argv[0]);
    return CLI_OK;
}

/* out = SHA-256(0x00 || RFC 8785 form of the JSON text), RFC 9162 §2.1.1. */
static int hash_leaf_of(const char *text, size_t len, uint8_t out[32], struct hl_error *err)
{
    json_t *doc = NULL;
    struct buf canon;
    buf_init(&canon, HASH_CANON_MAX);
    int rc = stix_parse(text, len, &doc, err);
    if (rc == 0)
        rc = stix_canon(doc, &canon, err);
    if (rc == 0 && merkle_leaf_hash(canon.data, canon.len, out) != 0)
        rc = hl_fail(err, HL_E_CRYPTO, NULL, "SHA-256 failed");
    json_decref(doc);
    buf_release(&canon);
    return rc;
}

/* Prints a hash as hex, or as {"leaf_hash"} / {"size", "root_hash"}. */
static int hash_print(const struct hash_opts *o, const char *name, const uint8_t h[32],
                      long long size)
{
    char hex[65];
    hl_hex(hex, h, 32);
    if (!o->json)
        printf("%s\n", hex);
    else if (size < 0)
        printf("{\"%s\":\"%s\"}\n", name, hex);
    else
        printf("{\"size\":%lld,\"%s\":\"%s\"}\n", size, name, hex);
    if (fflush(stdout) != 0) {
        fprintf(stderr, "hotline merkle: cannot write to stdout\n");
        return CLI_ERROR;
    }
    return CLI_OK;
}

static int merkle_leaf_cmd(int argc, char **argv)
{
    struct hash_opts o;
    int rc = hash_parse(argc, argv, false, &o);
    if (rc)
        return rc;
    struct hl_error err;
    struct buf in;
    uint8_t leaf[32];
    hl_error_clear(&err);
    buf_init(&in, HL_MAX_DOCUMENT_BYTES);
    rc = CLI_ERROR;
    if (hl_read_file(o.path, HL_MAX_DOCUMENT_BYTES, &in, &err))
        cli_report(&err);
    else if (hash_leaf_of(in.data, in.len, leaf, &err))
        fprintf(stderr, "%s:%s: %s\n", o.path, err.where, err.msg);
    else
        rc = hash_print(&o, "leaf_hash", leaf, -1);
    buf_release(&in);
    return rc;
}

/* Reads the next line of f, without its '\n', into line (whose ceiling
 * bounds it). *eof is set when no line was left. */
static int hash_read_line(FILE *f, struct buf *line, bool *eof, struct hl_error *err)
{
    int c;
    buf_clear(line);
    while ((c = getc(f)) != EOF && c != '\n') {
        if (buf_addc(line, (char)c))
            return hl_fail(err, HL_E_TOO_LARGE, NULL, "a line is longer than %u bytes",
                           HL_MAX_DOCUMENT_BYTES);
    }
    if (c == EOF && ferror(f))
        return hl_fail(err, HL_E_IO, NULL, "cannot read: %s", strerror(errno));
    *eof = c == EOF && line->len == 0;
    return 0;
}

/* Folds the first o->size lines (all without --size) of f into fr. */
static int hash_fold_lines(FILE *f, const struct hash_opts *o, struct merkle_frontier *fr)
{
    struct hl_error err;
    struct buf line;
    uint8_t leaf[32];
    bool eof = false;
    int rc = CLI_OK;
    hl_error_clear(&err);
    buf_init(&line, HL_MAX_DOCUMENT_BYTES);
    for (uint64_t n = 1; !o->has_size || fr->size < (uint64_t)o->size; n++) {
        if (hash_read_line(f, &line, &eof, &err)) {
            fprintf(stderr, "%s:%" PRIu64 ": %s\n", o->path, n, err.msg);
            rc = CLI_ERROR;
        } else if (eof) {
            break;
        } else if (hash_leaf_of(line.data, line.len, leaf, &err)) {
            fprintf(stderr, "%s:%" PRIu64 ": %s\n", o->path, n, err.msg);
            rc = CLI_ERROR;
        } else if (merkle_frontier_append(fr, leaf)) {
            fprintf(stderr, "hotline merkle: SHA-256 failed\n");
            rc = CLI_ERROR;
        }
        if (rc)
            break;
    }
    buf_release(&line);
    if (rc == CLI_OK && o->has_size && fr->size < (uint64_t)o->size) {
        fprintf(stderr, "%s: %" PRIu64 " line(s), fewer than --size %lld\n", o->path, fr->size,
                o->size);
        rc = CLI_ERROR;
    }
    return rc;
}

static int merkle_root_cmd(int argc, char **argv)
{
    struct hash_opts o;
    int rc = hash_parse(argc, argv, true, &o);
    if (rc)
        return rc;
    bool is_stdin = strcmp(o.path, "-") == 0;
    FILE *f = is_stdin ? stdin : fopen(o.path, "rb");
    if (!f) {
        fprintf(stderr, "hotline: %s: cannot open: %s\n", o.path, strerror(errno));
        return CLI_ERROR;
    }
    struct merkle_frontier fr;
    uint8_t root[32];
    merkle_frontier_init(&fr);
    rc = hash_fold_lines(f, &o, &fr);
    if (rc == CLI_OK && merkle_frontier_root(&fr, root) != 0) {
        fprintf(stderr, "hotline merkle: SHA-256 failed\n");
        rc = CLI_ERROR;
    }
    if (rc == CLI_OK)
        rc = hash_print(&o, "root_hash", root, (long long)fr.size);
    if (!is_stdin)
        fclose(f);
    return rc;
}

int cli_merkle(int argc, char **argv)
{
    if (cli_wants_help(argc, argv)) {
        merkle_help();
        return CLI_OK;
    }
    if (argc < 2)
        return cli_usage_error("merkle", "expected a subcommand: verify, leaf or root");
    if (strcmp(argv[1], "verify") == 0)
        return merkle_verify_cmd(argc - 1, argv + 1);
    if (strcmp(argv[1], "leaf") == 0)
        return merkle_leaf_cmd(argc - 1, argv + 1);
    if (strcmp(argv[1], "root") == 0)
        return merkle_root_cmd(argc - 1, argv + 1);
    return cli_usage_error("merkle", "unknown subcommand '%s' (expected: verify, leaf, root)",
                           argv[1]);
}
