/*
 * canon.c — `hotline canon FILE|-`: the RFC 8785 canonical bytes of a JSON
 * document, exactly the bytes hotline signs and hashes.
 *
 * The document is parsed as strictly as everything hotline reads
 * (stix_parse: duplicates, bad UTF-8, NUL, depth and I-JSON limits) and
 * written to stdout with nothing added: no trailing newline, so that
 * `hotline canon x.json | sha256sum` is the hash of the canonical form.
 * Exit codes: 0 written; 2 usage, unreadable or malformed input (with
 * "FILE:line:col: message" on stderr), or a failed write.
 */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "stix/stix.h"

/* The canonical form can outgrow its source (1e20 is printed as 21
 * digits); this bounds it without ever being approached by real input. */
#define CANON_MAX_OUTPUT ((size_t)HL_MAX_DOCUMENT_BYTES * 6)

static void canon_help(void)
{
    printf("usage: hotline canon FILE|-\n\n"
           "Prints the RFC 8785 (JSON Canonicalization Scheme) form of the JSON\n"
           "document in FILE ('-' reads stdin): members sorted, no whitespace,\n"
           "numbers and strings in their one canonical spelling. These are the\n"
           "bytes hotline signs and hashes. Exactly those bytes are written, with\n"
           "no newline added.\n\n"
           "The document is parsed strictly: duplicate member names, invalid\n"
           "UTF-8, lone surrogates, \\u0000, integers beyond +-(2^53-1), nesting\n"
           "deeper than %d and files over %u bytes are refused.\n\n"
           "Exit codes: 0 printed; 2 usage error, unreadable or malformed input\n"
           "(reported as FILE:LINE:COLUMN: message), or output error.\n",
           HL_MAX_JSON_DEPTH, HL_MAX_DOCUMENT_BYTES);
}

/* Writes b to stdout in full; false if the write failed. */
static bool canon_write(const struct buf *b)
{
    if (b->len && fwrite(b->data, 1, b->len, stdout) != b->len)
        return false;
    return fflush(stdout) == 0;
}

int cli_canon(int argc, char **argv)
{
    if (cli_wants_help(argc, argv)) {
        canon_help();
        return CLI_OK;
    }
    int first = (argc > 1 && strcmp(argv[1], "--") == 0) ? 2 : 1;
    if (argc - first != 1)
        return cli_usage_error("canon", "expected exactly one FILE (or '-' for stdin)");
    const char *path = argv[first];
    if (path[0] == '-' && path[1] && first == 1)
        return cli_usage_error("canon", "unknown option '%s'", path);

    int rc = CLI_ERROR;
    struct hl_error err;
    struct buf in, out;
    json_t *doc = NULL;
    hl_error_clear(&err);
    buf_init(&in, HL_MAX_DOCUMENT_BYTES);
    buf_init(&out, CANON_MAX_OUTPUT);
    if (hl_read_file(path, HL_MAX_DOCUMENT_BYTES, &in, &err)) {
        cli_report(&err);
        goto out;
    }
    if (stix_parse(in.data, in.len, &doc, &err)) {
        fprintf(stderr, "%s:%s: %s\n", path, err.where, err.msg);
        goto out;
    }
    if (stix_canon(doc, &out, &err)) {
        fprintf(stderr, "%s: %s\n", path, err.msg);
        goto out;
    }
    if (!canon_write(&out)) {
        fprintf(stderr, "hotline canon: cannot write to stdout\n");
        goto out;
    }
    rc = CLI_OK;
out:
    json_decref(doc);
    buf_release(&in);
    buf_release(&out);
    return rc;
}
