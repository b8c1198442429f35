/*
 * backup.c — `hotline backup --data DIR --to DEST [--json]`: a copy of a
 * node directory that `hotline serve --data DEST` can run, taken while the
 * node serves (docs/federation.md, section 8).
 *
 * DEST is made (mode 0700) and receives the database as of one moment
 * (store_backup: VACUUM INTO inside a read transaction, beside the node's
 * writers) and the node's own files, each with the mode it had: the keys
 * and the command line's token private (0600). The files are read after
 * the database; none of them changes while a node serves (init, upgrade
 * and `peer card` write them). What is not copied: serve.lock (the running
 * server's), and files hotline.conf names outside DIR (a certificate under
 * /etc): they stay where they are.
 *
 * A copy is older than the node the moment it is made. Restored, the node
 * takes back from the members what it published since (ledger.h,
 * log_own_current; exchange/transfer.c), before it publishes again.
 *
 * On any failure DEST is removed with what was written into it, and the
 * exit code is 2. DIR is only read (opening the database of a node made
 * by an older hotline brings its schema up to date, as every command
 * does).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sodium.h>

#include "cli.h"

#define BACKUP_FILE_MAX (1024u * 1024) /* the largest of a node's small files */

/* The node directory's files besides the database, in copy order. */
static const char *const backup_files[] = {
    "party.key", "party.pub", "identity.json", "tls.crt", "tls.key",
    "card.json", "cli.token", NODE_CONF_FILE, /* last: a copy without it does not serve */
};
#define BACKUP_N_FILES (sizeof backup_files / sizeof backup_files[0])

static void backup_help(void)
{
    printf("usage: hotline backup --data DIR --to DEST [--json]\n\n"
           "Copies the node directory DIR into the new directory DEST (mode 0700),\n"
           "while the node serves or not: the database as of one moment (all that\n"
           "was committed then, nothing of what was in flight) and the node's files\n"
           "(party.key, party.pub, identity.json, tls.crt, tls.key, card.json,\n"
           "cli.token, hotline.conf), each with its mode. 'hotline serve --data DEST'\n"
           "runs the copy; 'hotline verify --data DEST' audits it.\n"
           "Files hotline.conf names outside DIR are not copied.\n\n"
           "A restored copy is older than what the node published since; the node\n"
           "takes those entries back from the members before it publishes again\n"
           "(docs/federation.md, section 8).\n\n"
           "  --json   {\"data\", \"to\", \"db_bytes\", \"files\": [NAME]}\n\n"
           "Exit codes: 0 copied; 2 usage error, no such node, DEST exists, or an\n"
           "I/O error (then DEST is removed).\n");
}

/* Removes what the backup wrote into dest, and dest. */
static void backup_undo(const char *dest)
{
    char path[CLI_PATH_MAX];
    if (cli_node_path(path, dest, "hotline.db"))
        (void)unlink(path);
    for (size_t i = 0; i < BACKUP_N_FILES; i++)
        if (cli_node_path(path, dest, backup_files[i]))
            (void)unlink(path);
    (void)rmdir(dest);
}

/* Copies dir/name to dest/name with its mode, if it exists; *copied says
 * so. A secret's bytes are wiped from memory. */
static int backup_file(const char *dir, const char *dest, const char *name, bool *copied,
                       struct hl_error *err)
{
    char from[CLI_PATH_MAX], to[CLI_PATH_MAX];
    struct stat st;
    struct buf b;
    *copied = false;
    if (!cli_node_path(from, dir, name) || !cli_node_path(to, dest, name))
        return hl_fail(err, HL_E_TOO_LARGE, dir, "path too long");
    if (lstat(from, &st) != 0)
        return errno == ENOENT ? 0 : hl_fail(err, HL_E_IO, from, "%s", strerror(errno));
    if (!S_ISREG(st.st_mode))
        return hl_fail(err, HL_E_IO, from, "not a regular file");
    buf_init(&b, BACKUP_FILE_MAX);
    int r = hl_read_file(from, BACKUP_FILE_MAX, &b, err);
    if (!r)
        r = hl_write_file(to, b.data, b.len, st.st_mode & 0777, err);
    sodium_memzero(b.data, b.len);
    buf_release(&b);
    *copied = r == 0;
    return r;
}

/* The database, then the files; the names copied into files. */
static int backup_run(const char *dir, const char *dest, json_t *files, int64_t *db_bytes,
                      struct hl_error *err)
{
    struct cli_node node;
    char path[CLI_PATH_MAX];
    struct stat st;
    if (!cli_node_path(path, dest, "hotline.db"))
        return hl_fail(err, HL_E_TOO_LARGE, dest, "path too long");
    if (cli_node_open("backup", dir, false, &node))
        return -HL_E_NOT_FOUND; /* reported */
    int r = store_backup(node.store, path, err);
    cli_node_close(&node);
    if (!r && stat(path, &st) == 0)
        *db_bytes = (int64_t)st.st_size;
    for (size_t i = 0; !r && i < BACKUP_N_FILES; i++) {
        bool copied = false;
        r = backup_file(dir, dest, backup_files[i], &copied, err);
        if (!r && copied && json_array_append_new(files, json_string(backup_files[i])))
            r = hl_fail(err, HL_E_NOMEM, NULL, "out of memory");
    }
    return r ? r : hl_sync_dir(dest, err);
}

int cli_backup(int argc, char **argv)
{
    const char *dir = NULL, *dest = NULL;
    bool json = false;
    const struct cli_opt opts[] = {{"--data", NULL, &dir, NULL},
                                   {"--to", NULL, &dest, NULL},
                                   {"--json", NULL, NULL, &json},
                                   {NULL, NULL, NULL, NULL}};
    int n = 0;
    if (cli_wants_help(argc, argv)) {
        backup_help();
        return CLI_OK;
    }
    if (cli_parse_opts("backup", argc, argv, opts, NULL, 0, &n))
        return CLI_ERROR;
    if (!dir || !dir[0] || !dest || !dest[0])
        return cli_usage_error("backup", "--data DIR and --to DEST are required");
    if (mkdir(dest, 0700) != 0) {
        fprintf(stderr, "hotline backup: cannot make %s: %s\n", dest, strerror(errno));
        return CLI_ERROR;
    }
    struct hl_error err;
    int64_t db_bytes = 0;
    json_t *files = json_array();
    hl_error_clear(&err);
    int r = files ? backup_run(dir, dest, files, &db_bytes, &err)
                  : hl_fail(&err, HL_E_NOMEM, NULL, "out of memory");
    if (r) {
        if (err.code)
            cli_report(&err);
        backup_undo(dest);
    } else if (json) {
        json_t *o = json_pack("{s:s, s:s, s:I, s:O}", "data", dir, "to", dest, "db_bytes",
                              (json_int_t)db_bytes, "files", files);
        r = cli_json_print(o) ? -HL_E_IO : 0;
        json_decref(o);
    } else {
        printf("backed up %s to %s: hotline.db (%lld bytes) and %zu files\n", dir, dest,
               (long long)db_bytes, json_array_size(files));
    }
    json_decref(files);
    return r ? CLI_ERROR : CLI_OK;
}
