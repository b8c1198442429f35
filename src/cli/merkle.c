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
 */
#include <math.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "ledger/ledger.h"

#define VECTOR_MAX_BYTES (1u << 20)

struct merkle_opts {
    bool verbose;
    bool json;
};

static void merkle_help(void)
{
    printf("usage: hotline merkle verify [--verbose] [--json] FILE...\n\n"
           "Checks RFC 9162 Merkle inclusion and consistency proofs. Each FILE is a JSON\n"
           "object, either\n"
           "  {\"leafIdx\", \"treeSize\", \"root\", \"leafHash\", \"proof\", \"wantErr\"}  or\n"
           "  {\"size1\", \"size2\", \"root1\", \"root2\", \"proof\", \"wantErr\"}\n"
           "with hashes in base64 (as in the transparency-dev test data). A file\n"
           "matches when its proof verifies exactly if wantErr is false.\n\n"
           "  --verbose  print one line per file, not only per mismatch\n"
           "  --json     print a JSON array with one result per file\n\n"
           "Exit codes: 0 every file matches; 1 some file does not; 2 usage error or\n"
           "a file that cannot be read or is not a proof file.\n");
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
        if (__builtin_mul_overflow(x, 10, &x) || __builtin_add_overflow(x, (uint64_t)(*p - '0'), &x))
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
            return hl_fail(err, HL_E_VERIFY, "proof", "proof[%zu] is not a base64 SHA-256 hash",
                           i);
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
                              rc == CLI_OK ? "match" : rc == CLI_FAIL ? "mismatch" : "error");
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
        printf("%s: %s %s: %s%s%s (wantErr %s)\n", path, rc == CLI_OK ? "ok," : "MISMATCH,",
               kind, verified ? "verifies" : "rejected", verified ? "" : ": ",
               verified ? "" : why.msg, want_err ? "true" : "false");
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

int cli_merkle(int argc, char **argv)
{
    if (cli_wants_help(argc, argv)) {
        merkle_help();
        return CLI_OK;
    }
    if (argc < 2)
        return cli_usage_error("merkle", "expected a subcommand: verify");
    if (strcmp(argv[1], "verify") == 0)
        return merkle_verify_cmd(argc - 1, argv + 1);
    return cli_usage_error("merkle", "unknown subcommand '%s' (expected: verify)", argv[1]);
}
