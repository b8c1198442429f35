/*
 * cert.c — `hotline cert next|switch`: renewing the node's TLS
 * certificate without a flag day (docs/federation.md section 12).
 *
 *   cert next --data DIR [--cert FILE --key FILE]
 *       makes DIR/tls.next.crt and DIR/tls.next.key (a new self-signed
 *       certificate as init makes, or the pair given); the node announces
 *       the new certificate's SHA-256 to every member's node, signed with
 *       the party key, and each pins it beside the current one.
 *   cert switch --data DIR
 *       puts the next pair in place of the node's (the old one kept as
 *       tls.prev.crt / tls.prev.key); the node presents it from its next
 *       connection on, and each member pins it for good when it sees it.
 *
 * Both send SIGHUP to the node serving DIR, if one runs, on which it reads
 * the files again (src/node/node.c, node_reload_tls): no restart.
 *
 * The certificate files the node serves are hotline.conf's tls_cert and
 * tls_key; the next and previous pairs sit beside them in DIR.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"

static void cert_help(void)
{
    printf("usage: hotline cert next --data DIR [--cert FILE --key FILE] [--json]\n"
           "       hotline cert switch --data DIR [--json]\n\n"
           "Renews the node's TLS certificate without every peer's operator: peers\n"
           "pin it by its SHA-256, so the node first announces the next one.\n\n"
           "next: makes DIR/%s and DIR/%s, a new self-signed\n"
           "certificate and its key (or copies the pair --cert and --key name, after\n"
           "checking that they belong together), and prints its SHA-256. The node\n"
           "tells every member's node the new fingerprint, signed with the party\n"
           "key, and each pins it beside the current one (the node's log says\n"
           "'announced our next certificate' per member). Refused when a next pair\n"
           "exists.\n"
           "switch: puts the next pair in place (the current one is kept as\n"
           "DIR/tls.prev.crt and DIR/tls.prev.key); the node presents it from its\n"
           "next connection on.\n"
           "Both signal the running node (SIGHUP) to read the files now; a node\n"
           "that is not running reads them when it starts.\n"
           "--json: one object, {sha256, file, node: {state, pid}}; state is\n"
           "signalled, not_running, other_executable or signal_failed.\n"
           "A member that had the announcement takes it at once; one that did not\n"
           "needs the new card (hotline peer card) and 'hotline peer set --card'.\n\n"
           "Exit codes: 0 done; 2 usage error, no node, files missing or in the way.\n",
           NODE_TLS_NEXT_CERT, NODE_TLS_NEXT_KEY);
}

/* dir/name into out (CLI_PATH_MAX); false, said, when it does not fit. */
static bool cert_path(char *out, const char *dir, const char *name)
{
    if (cli_node_path(out, dir, name))
        return true;
    fprintf(stderr, "hotline cert: %s/%s: path too long\n", dir, name);
    return false;
}

/* The next pair: made, or read from the given files; checked. */
static int cert_next_make(const char *name, const char *cert_file, const char *key_file,
                          struct buf *cert, struct buf *key, struct node_tls_info *info,
                          struct hl_error *err)
{
    if (!cert_file)
        return node_tls_generate(name, cert, key, info, err);
    int r = node_tls_read(cert_file, false, cert, err);
    if (!r)
        r = node_tls_read(key_file, true, key, err);
    return r ? r : node_tls_check(cert, key, info, err);
}

/* Whether process pid runs the very executable file this process runs.
 * A hotline older than SIGHUP's reload ends on it (the default action),
 * and an upgrade replaces the file before the node restarts: such a
 * server, or one whose executable cannot be looked at, is not sent it. */
static bool cert_same_binary(long pid)
{
    char path[64];
    struct stat a, b;
    snprintf(path, sizeof path, "/proc/%ld/exe", pid);
    return stat(path, &a) == 0 && stat("/proc/self/exe", &b) == 0 && a.st_dev == b.st_dev &&
           a.st_ino == b.st_ino;
}

/* Has the hotline serve of dir, if one runs and listens, read the TLS
 * files again (SIGHUP; node.c, node_reload_tls) and says what follows:
 * now if it does, done (a node that is not running) from its start if
 * not. A server not yet listening has not blocked SIGHUP and is not
 * sent it: it reads the files as it starts. */
/* What became of the running node (cert_tell_node). */
enum cert_node { CERT_NOT_RUNNING, CERT_SIGNALLED, CERT_OTHER_EXECUTABLE, CERT_SIGNAL_FAILED };

static const char *const cert_node_words[] = {"not_running", "signalled", "other_executable",
                                              "signal_failed"};

static enum cert_node cert_tell_node(const char *dir, long *pid)
{
    char listen[NODE_LISTEN_MAX + 1];
    struct hl_error e;
    hl_error_clear(&e);
    *pid = 0;
    if (node_serving_read(dir, listen, pid, &e) || *pid <= 0)
        return CERT_NOT_RUNNING;
    if (!cert_same_binary(*pid))
        return CERT_OTHER_EXECUTABLE;
    if (kill((pid_t)*pid, SIGHUP) != 0) {
        fprintf(stderr,
                "hotline cert: cannot signal the node serving %s (pid %ld): %s; restart it, or "
                "send it SIGHUP\n",
                dir, *pid, strerror(errno));
        return CERT_SIGNAL_FAILED;
    }
    return CERT_SIGNALLED;
}

/* Prints what the command did (sha256 the certificate it made or put in
 * place, file where it now is) and what the node does with it: now if it
 * was signalled, done (a node that is not running) from its start if not;
 * with json, one object. */
static int cert_report(bool json, const char *sha256, const char *file, const char *dir,
                       const char *line, const char *now, const char *done)
{
    long pid = 0;
    enum cert_node st = cert_tell_node(dir, &pid);
    if (json) {
        json_t *o = json_pack("{s:s, s:s, s:{s:s, s:I}}", "sha256", sha256, "file", file, "node",
                              "state", cert_node_words[st], "pid", (json_int_t)pid);
        int rc = o ? cli_json_print(o) : CLI_ERROR;
        json_decref(o);
        return rc;
    }
    printf("%s\n", line);
    if (st == CERT_NOT_RUNNING)
        printf("%s from its start\n", done);
    else if (st == CERT_OTHER_EXECUTABLE)
        printf("%s once it restarts: the node serving %s (pid %ld) runs another hotline "
               "executable than this one (an upgrade not restarted yet?), and one older than "
               "this version stops on SIGHUP; restart it, or send it SIGHUP if it is this "
               "version\n",
               done, dir, pid);
    else if (st == CERT_SIGNAL_FAILED)
        printf("%s once it reads the files again\n", done);
    else
        printf("the node serving %s (pid %ld) %s\n", dir, pid, now);
    return CLI_OK;
}

static int cert_next(const char *dir, const char *cert_file, const char *key_file, bool json)
{
    char next_cert[CLI_PATH_MAX], next_key[CLI_PATH_MAX];
    struct cli_node node;
    struct buf cert, key;
    struct node_tls_info info;
    struct hl_error err;
    if (!!cert_file != !!key_file)
        return cli_usage_error("cert", "--cert and --key go together");
    if (!cert_path(next_cert, dir, NODE_TLS_NEXT_CERT) ||
        !cert_path(next_key, dir, NODE_TLS_NEXT_KEY) ||
        cli_node_open("cert", dir, false, &node) != CLI_OK)
        return CLI_ERROR;
    hl_error_clear(&err);
    buf_init(&cert, NODE_TLS_FILE_MAX);
    buf_init(&key, NODE_TLS_FILE_MAX);
    int r = 0;
    if (access(next_cert, F_OK) == 0 || access(next_key, F_OK) == 0)
        r = hl_fail(&err, HL_E_EXISTS, next_cert,
                    "a next certificate is waiting already ('hotline cert switch' puts it in "
                    "place; remove %s and %s to make another)",
                    NODE_TLS_NEXT_CERT, NODE_TLS_NEXT_KEY);
    if (!r)
        r = cert_next_make(node.name, cert_file, key_file, &cert, &key, &info, &err);
    if (!r)
        r = hl_write_file(next_key, key.data, key.len, 0600, &err);
    if (!r && (r = hl_write_file(next_cert, cert.data, cert.len, 0644, &err)) != 0)
        (void)unlink(next_key);
    buf_release(&cert);
    node_tls_wipe(&key);
    cli_node_close(&node);
    if (r) {
        cli_report(&err);
        return CLI_ERROR;
    }
    char line[2 * CLI_PATH_MAX + 160];
    snprintf(line, sizeof line,
             "next certificate sha256 %s in %s; once every member has it, 'hotline cert "
             "switch --data %s'",
             info.fingerprint, next_cert, dir);
    return cert_report(json, info.fingerprint, next_cert, dir, line,
                       "announces it to every member's node now (its log says 'announced our "
                       "next certificate' for each)",
                       "the node announces it to every member's node");
}

/* Renames from to to, saying why it could not. */
static int cert_rename(const char *from, const char *to, struct hl_error *err)
{
    if (rename(from, to) != 0)
        return hl_fail(err, HL_E_IO, from, "cannot rename %s to %s: %s", from, to, strerror(errno));
    return 0;
}

static int cert_switch(const char *dir, bool json)
{
    char cur_cert[CLI_PATH_MAX], cur_key[CLI_PATH_MAX], next_cert[CLI_PATH_MAX],
        next_key[CLI_PATH_MAX], prev_cert[CLI_PATH_MAX], prev_key[CLI_PATH_MAX],
        conf_path[CLI_PATH_MAX];
    struct node_config conf;
    struct node_tls_info info;
    struct hl_error err;
    hl_error_clear(&err);
    node_config_defaults(&conf, "");
    if (!cert_path(conf_path, dir, NODE_CONF_FILE) ||
        !cert_path(next_cert, dir, NODE_TLS_NEXT_CERT) ||
        !cert_path(next_key, dir, NODE_TLS_NEXT_KEY) ||
        !cert_path(prev_cert, dir, "tls.prev.crt") || !cert_path(prev_key, dir, "tls.prev.key"))
        return CLI_ERROR;
    int r = node_config_read(conf_path, &conf, &err);
    if (!r && (!cert_path(cur_cert, dir, conf.tls_cert) || !cert_path(cur_key, dir, conf.tls_key)))
        return CLI_ERROR;
    if (!r && (r = node_tls_load(next_cert, next_key, &info, &err)) == -HL_E_NOT_FOUND)
        r = hl_fail(&err, HL_E_NOT_FOUND, next_cert,
                    "no next certificate to put in place (hotline cert next --data %s)", dir);
    /* The current pair to tls.prev.*, then the next one in its place; a
     * failure half-way puts back what moved. */
    if (!r && (r = cert_rename(cur_cert, prev_cert, &err)) == 0 &&
        (r = cert_rename(cur_key, prev_key, &err)) != 0)
        (void)rename(prev_cert, cur_cert);
    if (!r && (r = cert_rename(next_cert, cur_cert, &err)) == 0 &&
        (r = cert_rename(next_key, cur_key, &err)) != 0)
        (void)rename(cur_cert, next_cert);
    if (r && access(prev_cert, F_OK) == 0 && access(cur_cert, F_OK) != 0) {
        (void)rename(prev_cert, cur_cert);
        (void)rename(prev_key, cur_key);
    }
    if (!r)
        r = hl_sync_dir(dir, &err);
    if (r) {
        cli_report(&err);
        return CLI_ERROR;
    }
    char line[sizeof info.fingerprint + 96];
    snprintf(line, sizeof line,
             "the node's certificate is now sha256 %s (the previous one kept as tls.prev.crt)",
             info.fingerprint);
    return cert_report(json, info.fingerprint, cur_cert, dir, line,
                       "presents it from its next connection on", "the node presents it");
}

int cli_cert(int argc, char **argv)
{
    const char *dir = NULL, *cert_file = NULL, *key_file = NULL;
    bool json = false;
    const struct cli_opt opts[] = {{"--data", NULL, &dir, NULL},
                                   {"--cert", NULL, &cert_file, NULL},
                                   {"--key", NULL, &key_file, NULL},
                                   {"--json", NULL, NULL, &json},
                                   {NULL, NULL, NULL, NULL}};
    char *ops[1];
    int n = 0;
    if (cli_wants_help(argc, argv)) {
        cert_help();
        return CLI_OK;
    }
    if (argc < 2)
        return cli_usage_error("cert", "expected a subcommand: next, switch");
    bool next = strcmp(argv[1], "next") == 0;
    if (!next && strcmp(argv[1], "switch") != 0)
        return cli_usage_error("cert", "unknown subcommand '%s' (expected: next, switch)", argv[1]);
    if (cli_parse_opts("cert", argc - 1, argv + 1, opts, ops, 0, &n))
        return CLI_ERROR;
    if (!dir)
        return cli_usage_error("cert", "--data DIR is required");
    if (!next && (cert_file || key_file))
        return cli_usage_error("cert", "--cert and --key belong to next");
    return next ? cert_next(dir, cert_file, key_file, json) : cert_switch(dir, json);
}
