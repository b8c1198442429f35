/*
 * cli.c — dispatch of `hotline <command>` and the shared reporting helpers.
 * To add a subcommand: implement cli_<name> in its own file, declare it in
 * cli.h, and add one row to cli_commands below.
 */
#include "cli.h"

#include <stdarg.h>
#include <string.h>

const struct cli_command cli_commands[] = {
    {"help", cli_help, "show the commands, or the manual of one"},
    {"version", cli_version, "print the version"},
    {"validate", cli_validate, "check STIX 2.1 objects, bundles or TAXII envelopes"},
    {"canon", cli_canon, "print the RFC 8785 canonical form of a JSON document"},
    {"keygen", cli_keygen, "generate an Ed25519 key pair (PREFIX.key, PREFIX.pub)"},
    {"seal", cli_seal, "sign JSON objects (X.590) or verify their signatures"},
    {"merkle", cli_merkle, "verify RFC 9162 Merkle inclusion and consistency proofs"},
    {NULL, NULL, NULL},
};

void cli_report(const struct hl_error *err)
{
    const char *msg = err->msg[0] ? err->msg : hl_strerror(err->code);
    if (err->where[0])
        fprintf(stderr, "hotline: %s: %s\n", err->where, msg);
    else
        fprintf(stderr, "hotline: %s\n", msg);
}

int cli_usage_error(const char *cmd, const char *fmt, ...)
{
    va_list ap;
    fprintf(stderr, "hotline %s: ", cmd);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fprintf(stderr, "\nTry 'hotline %s --help'.\n", cmd);
    return CLI_ERROR;
}

bool cli_wants_help(int argc, char **argv)
{
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--") == 0)
            return false;
        if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0)
            return true;
    }
    return false;
}

int cli_main(int argc, char **argv)
{
    if (argc < 2)
        return cli_help(1, argv) ? CLI_ERROR : CLI_ERROR;
    const char *name = argv[1];
    if (strcmp(name, "--help") == 0 || strcmp(name, "-h") == 0)
        return cli_help(1, argv);
    if (strcmp(name, "--version") == 0 || strcmp(name, "-V") == 0)
        return cli_version(1, argv);
    for (const struct cli_command *c = cli_commands; c->name; c++) {
        if (strcmp(c->name, name) == 0)
            return c->run(argc - 1, argv + 1);
    }
    fprintf(stderr, "hotline: '%s' is not a hotline command. See 'hotline help'.\n", name);
    return CLI_ERROR;
}
