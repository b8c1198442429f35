/*
 * validate.c — `hotline validate [--json] [--quiet] FILE...|-`: strict
 * parse and STIX 2.1 validation of each file (a lone object, a bundle or
 * a TAXII 2.1 envelope); see docs/validation.md.
 *
 * Output, one line per finding on stdout:
 *     FILE:PATH: error|warning: message
 * (PATH is empty for the document itself), a parse error as
 *     FILE:LINE:COL: message
 * on stderr. --json prints instead one report on stdout:
 *     {"files":[{"file":F,"valid":B,"findings":[{"severity","path","message"}]}]}
 * with a parse error as a finding of severity "error" whose path is
 * "LINE:COL". --quiet prints nothing; only the exit code speaks.
 * Exit codes: 0 every file valid (warnings allowed); 1 some file has a
 * validation error; 2 usage error, an unreadable file or malformed JSON.
 */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "stix/stix.h"

struct validate_opts {
    bool json, quiet;
};

static void validate_help(void)
{
    printf("usage: hotline validate [--json] [--quiet] FILE...|-\n\n"
           "Parses each FILE ('-' reads stdin) strictly and validates it as STIX 2.1:\n"
           "a lone object, a bundle, or a TAXII 2.1 envelope. Prints one line per\n"
           "finding, FILE:PATH: error|warning: message; a parse error is printed as\n"
           "FILE:LINE:COLUMN: message. What the specification says MUST is an\n"
           "error, SHOULD a warning.\n\n"
           "  --json   print one machine-readable report instead:\n"
           "           {\"files\":[{\"file\",\"valid\",\"findings\":[{\"severity\",\"path\",\"message\"}]}]}\n"
           "  --quiet  print nothing\n\n"
           "Exit codes: 0 all valid (warnings allowed); 1 a STIX error in some file;\n"
           "2 usage error, unreadable input or malformed JSON.\n");
}

/* Adds {"severity","path","message"} to list; false when out of memory. */
static bool validate_json_add(json_t *list, const char *sev, const char *path, const char *msg)
{
    json_t *f = json_pack("{s:s, s:s, s:s}", "severity", sev, "path", path, "message", msg);
    return f && json_array_append_new(list, f) == 0;
}

/* Validates one file. Returns CLI_OK, CLI_FAIL or CLI_ERROR. With --json,
 * appends the file's entry to files (borrowed). */
static int validate_file(const char *path, const struct validate_opts *o, json_t *files)
{
    struct hl_error err;
    struct buf in;
    struct stix_report rep;
    json_t *doc = NULL, *findings = NULL;
    int rc = CLI_ERROR;
    hl_error_clear(&err);
    buf_init(&in, HL_MAX_DOCUMENT_BYTES);
    stix_report_init(&rep);
    if (hl_read_file(path, HL_MAX_DOCUMENT_BYTES, &in, &err)) {
        if (!o->quiet)
            fprintf(stderr, "%s: %s\n", path, err.msg[0] ? err.msg : hl_strerror(err.code));
        goto out;
    }
    findings = o->json ? json_array() : NULL;
    if (o->json && !findings)
        goto out;
    if (stix_parse(in.data, in.len, &doc, &err)) {
        rc = CLI_ERROR; /* malformed input, as for every command */
        if (o->json)
            (void)validate_json_add(findings, "error", err.where, err.msg);
        else if (!o->json && !o->quiet)
            fprintf(stderr, "%s:%s: %s\n", path, err.where, err.msg);
    } else {
        stix_validate_document(doc, &rep);
        rc = stix_report_ok(&rep) ? CLI_OK : CLI_FAIL;
        for (size_t i = 0; o->json && i < rep.n; i++) {
            const struct stix_finding *f = &rep.items[i];
            const char *sev = f->severity == STIX_SEV_ERROR ? "error" : "warning";
            if (!validate_json_add(findings, sev, f->path, f->message))
                rc = CLI_ERROR;
        }
        if (!o->json && !o->quiet)
            cli_print_findings(stdout, path, &rep);
    }
    if (o->json) {
        json_t *entry = json_pack("{s:s, s:b, s:O}", "file", path, "valid", rc == CLI_OK,
                                  "findings", findings);
        if (!entry || json_array_append_new(files, entry) != 0)
            rc = CLI_ERROR;
    }
out:
    json_decref(findings);
    json_decref(doc);
    stix_report_release(&rep);
    buf_release(&in);
    return rc;
}

int cli_validate(int argc, char **argv)
{
    struct validate_opts o = {false, false};
    if (cli_wants_help(argc, argv)) {
        validate_help();
        return CLI_OK;
    }
    int i = 1;
    for (; i < argc && argv[i][0] == '-' && argv[i][1]; i++) {
        if (strcmp(argv[i], "--") == 0) {
            i++;
            break;
        }
        if (strcmp(argv[i], "--json") == 0)
            o.json = true;
        else if (strcmp(argv[i], "--quiet") == 0 || strcmp(argv[i], "-q") == 0)
            o.quiet = true;
        else
            return cli_usage_error("validate", "unknown option '%s'", argv[i]);
    }
    if (i == argc)
        return cli_usage_error("validate", "expected at least one FILE (or '-' for stdin)");
    json_t *files = json_array();
    if (!files)
        return CLI_ERROR;
    int worst = CLI_OK;
    for (; i < argc; i++) {
        int rc = validate_file(argv[i], &o, files);
        if (rc > worst)
            worst = rc;
    }
    if (o.json && !o.quiet) {
        json_t *report = json_pack("{s:O}", "files", files);
        if (!report || json_dumpf(report, stdout, JSON_COMPACT | JSON_ENSURE_ASCII) != 0)
            worst = CLI_ERROR;
        else
            putchar('\n');
        json_decref(report);
    }
    json_decref(files);
    if (fflush(stdout) != 0)
        worst = CLI_ERROR;
    return worst;
}
