/*
 * cli.h — the `hotline` command line. One file per group of subcommands;
 * each exports `int cli_<name>(int argc, char **argv)` where argv[0] is the
 * subcommand's own name. Only this module (and main) prints for the user
 * or chooses exit codes.
 *
 * Exit codes, the same for every subcommand:
 *   0  success (for checks: everything holds)
 *   1  the check ran and found a problem (invalid object, bad signature)
 *   2  usage error, unreadable input, or an operational failure
 */
#ifndef HL_CLI_H
#define HL_CLI_H

#include <stdbool.h>
#include <stdio.h>

#include "base/base.h"

enum { CLI_OK = 0, CLI_FAIL = 1, CLI_ERROR = 2 };

struct cli_command {
    const char *name;
    int (*run)(int argc, char **argv);
    const char *summary; /* one line for `hotline help` */
};

/* Dispatches argv[1] to its subcommand. */
int cli_main(int argc, char **argv);

/* The table of subcommands, NULL-terminated by name. */
extern const struct cli_command cli_commands[];

/* Prints "hotline: <where>: <msg>" (or without where) to stderr. */
void cli_report(const struct hl_error *err);
/* Prints "hotline <cmd>: <message>" to stderr and returns CLI_ERROR. */
int cli_usage_error(const char *cmd, const char *fmt, ...) HL_PRINTF(2, 3);
/* True if argv holds -h or --help before any "--". */
bool cli_wants_help(int argc, char **argv);

int cli_help(int argc, char **argv);
int cli_version(int argc, char **argv);
int cli_validate(int argc, char **argv);
int cli_canon(int argc, char **argv);
int cli_keygen(int argc, char **argv);
int cli_seal(int argc, char **argv);
int cli_merkle(int argc, char **argv);
int cli_init(int argc, char **argv);
int cli_channel(int argc, char **argv);
int cli_log(int argc, char **argv);
int cli_verify(int argc, char **argv);

#endif
