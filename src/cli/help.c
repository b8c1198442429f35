/* help.c — `hotline help [COMMAND]` and `hotline version`. */
#include "cli.h"

#include <string.h>

int cli_help(int argc, char **argv)
{
    if (argc >= 2 && strcmp(argv[1], "--help") && strcmp(argv[1], "-h")) {
        for (const struct cli_command *c = cli_commands; c->name; c++) {
            if (strcmp(c->name, argv[1]) == 0) {
                char *sub[] = {argv[1], "--help", NULL};
                return c->run(2, sub);
            }
        }
        fprintf(stderr, "hotline help: no command '%s'\n", argv[1]);
        return CLI_ERROR;
    }
    printf("usage: hotline <command> [options] [args]\n\n"
           "hotline carries STIX 2.1 objects between national cyber points of contact,\n"
           "signed and kept in append-only Merkle logs. Commands:\n\n");
    for (const struct cli_command *c = cli_commands; c->name; c++)
        printf("  %-10s %s\n", c->name, c->summary);
    printf("\n'hotline <command> --help' shows a command's options; man hotline(1)\n"
           "and docs/ have the rest. Exit codes: 0 success, 1 check failed,\n"
           "2 usage or operational error, 3 not yet delivered to every member\n"
           "(status).\n");
    return CLI_OK;
}

int cli_version(int argc, char **argv)
{
    (void)argv;
    if (argc > 1 && cli_wants_help(argc, argv)) {
        printf("usage: hotline version\n\nPrints the version of hotline.\n");
        return CLI_OK;
    }
    printf("hotline %s\n", HL_VERSION);
    return CLI_OK;
}
