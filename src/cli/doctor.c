/*
 * doctor.c — `hotline doctor --data DIR [--json]`: what may be wrong with
 * a node, for its operator, in one look (docs/operations.md):
 *
 *   files         the directory and the secrets only their owner can read
 *   configuration hotline.conf parses
 *   certificate   the TLS files parse, belong together, are not expiring
 *   disk          room left where the node writes; the journal's size
 *   server        whether a hotline serve runs for DIR (DIR/serve.lock), and
 *                 presents the certificate of the file
 *   database      the node opens; it has users
 *   channel C     members waiting to be known, our log behind what members
 *                 hold, members the replication cannot reach, alarms
 *   workflow      items overdue now
 *
 * Each check is ok, a warning (the node works; something wants a look) or
 * a problem (something is broken or unsafe). It reads, and changes
 * nothing (but for the schema upgrade every command makes). Exit 0
 * without problems, 1 with, 2 when the node cannot be looked at at all.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include "cli.h"
#include "exchange/exchange.h"
#include "ledger/ledger.h"
#include "node/node.h"
#include "stix/stix.h"
#include "workflow/workflow.h"

#define DOCTOR_CERT_WARN_DAYS 30
#define DOCTOR_DISK_LOW (1024ull * 1024 * 1024) /* a warning under 1 GiB free */
#define DOCTOR_DISK_FULL (100ull * 1024 * 1024) /* a problem under 100 MiB */
#define DOCTOR_WAL_LARGE (1024ll * 1024 * 1024) /* a journal not copied back */

enum doctor_status { DOCTOR_OK, DOCTOR_WARNING, DOCTOR_PROBLEM };

static const char *const doctor_words[] = {"ok", "warning", "problem"};

struct doctor {
    const char *dir;
    json_t *checks;
    size_t count[3];
    struct cli_node node;
    const char *channel; /* the one being looked at */
    char retired[256];   /* its members retired here, "a, b", cut at the size */
    size_t n_channels;
    int64_t now_us;
    char cert_sha256[65]; /* of the certificate file, "" when it does not load */
};

static void doctor_help(void)
{
    printf("usage: hotline doctor --data DIR [--json]\n\n"
           "Looks the node in DIR over and prints one line per check: ok, warning\n"
           "(it works; something wants a look) or PROBLEM (broken or unsafe):\n"
           "  files          DIR and its secrets (party.key, tls.key, cli.token)\n"
           "                 readable by their owner only\n"
           "  configuration  hotline.conf\n"
           "  certificate    the TLS files, and their expiry (a warning %d days before)\n"
           "  disk           room left where the node writes, the journal's size\n"
           "  server         whether a hotline serve runs for DIR, with the\n"
           "                 certificate of the file\n"
           "  database       the node opens, and has users\n"
           "  channel C      members not known yet, our log behind, members the\n"
           "                 replication cannot reach, equivocation alarms\n"
           "  workflow       items overdue now\n\n"
           "  --json   {\"checks\": [{\"check\", \"status\", \"detail\"}], \"problems\",\n"
           "           \"warnings\"}\n\n"
           "Changes nothing. Exit codes: 0 no problem (warnings allowed); 1 some\n"
           "problem; 2 usage error, or DIR is not a node directory.\n",
           DOCTOR_CERT_WARN_DAYS);
}

static void doctor_add(struct doctor *d, enum doctor_status st, const char *check, const char *fmt,
                       ...) HL_PRINTF(4, 5);
static void doctor_add(struct doctor *d, enum doctor_status st, const char *check, const char *fmt,
                       ...)
{
    char detail[1024], name[STORE_TEXT_MAX + 16];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(detail, sizeof detail, fmt, ap);
    va_end(ap);
    if (d->channel && !strcmp(check, "channel")) /* "channel C" */
        snprintf(name, sizeof name, "%s %s", check, d->channel);
    else
        snprintf(name, sizeof name, "%s", check);
    d->count[st]++;
    json_array_append_new(d->checks, json_pack("{s:s, s:s, s:s}", "check", name, "status",
                                               doctor_words[st], "detail", detail));
}

/* A secret must be its owner's alone; a missing one is a problem only
 * for the party's key. */
static void doctor_secret(struct doctor *d, const char *name, bool required, size_t *ok)
{
    char path[CLI_PATH_MAX];
    struct stat st;
    if (!cli_node_path(path, d->dir, name) || stat(path, &st) != 0) {
        doctor_add(d, required ? DOCTOR_PROBLEM : DOCTOR_WARNING, "files", "%s is missing%s", name,
                   required ? ": it is the party's identity"
                            : " ('hotline init --upgrade' adds it)");
        return;
    }
    if (st.st_mode & 077) {
        doctor_add(d, DOCTOR_PROBLEM, "files", "%s is mode %04o: others may read it; chmod 600 %s",
                   name, (unsigned)(st.st_mode & 07777), path);
        return;
    }
    (*ok)++;
}

static void doctor_files(struct doctor *d, const struct node_config *conf)
{
    struct stat st;
    size_t ok = 0;
    if (stat(d->dir, &st) == 0 && (st.st_mode & 077))
        doctor_add(d, DOCTOR_WARNING, "files",
                   "%s is mode %04o: others may list it; 0700 keeps the node's files its own",
                   d->dir, (unsigned)(st.st_mode & 07777));
    else if (stat(d->dir, &st) == 0 && st.st_uid != geteuid())
        doctor_add(d, DOCTOR_WARNING, "files", "%s belongs to uid %u, not to this user (uid %u)",
                   d->dir, (unsigned)st.st_uid, (unsigned)geteuid());
    doctor_secret(d, "party.key", true, &ok);
    doctor_secret(d, conf->tls_key, false, &ok);
    doctor_secret(d, CLI_TOKEN_FILE, false, &ok);
    if (ok == 3)
        doctor_add(d, DOCTOR_OK, "files", "party.key, %s and %s are readable by their owner only",
                   conf->tls_key, CLI_TOKEN_FILE);
}

static void doctor_cert(struct doctor *d, const struct node_config *conf)
{
    char cp[CLI_PATH_MAX], kp[CLI_PATH_MAX], until[32];
    struct buf cert, key;
    struct node_tls_info info;
    struct hl_error err;
    hl_error_clear(&err);
    buf_init(&cert, NODE_TLS_FILE_MAX);
    buf_init(&key, NODE_TLS_FILE_MAX);
    int r = cli_node_path(cp, d->dir, conf->tls_cert) && cli_node_path(kp, d->dir, conf->tls_key)
                ? 0
                : hl_fail(&err, HL_E_TOO_LARGE, d->dir, "path too long");
    if (!r && !(r = node_tls_read(cp, false, &cert, &err)) &&
        !(r = node_tls_read(kp, false, &key, &err)))
        r = node_tls_check(&cert, &key, &info, &err);
    node_tls_wipe(&key);
    buf_release(&cert);
    if (r) {
        doctor_add(d, DOCTOR_PROBLEM, "certificate", "%s", err.msg);
        return;
    }
    memcpy(d->cert_sha256, info.fingerprint, sizeof d->cert_sha256);
    int64_t left = info.not_after - d->now_us / 1000000;
    stix_time_format_us_ms(info.not_after * 1000000, until);
    if (left <= 0)
        doctor_add(d, DOCTOR_PROBLEM, "certificate", "%s expired at %s", conf->tls_cert, until);
    else if (left < DOCTOR_CERT_WARN_DAYS * 86400)
        doctor_add(d, DOCTOR_WARNING, "certificate",
                   "%s expires at %s, in %lld days: peers pin it; renew it with 'hotline cert "
                   "next' (docs/operations.md)",
                   conf->tls_cert, until, (long long)(left / 86400));
    else
        doctor_add(d, DOCTOR_OK, "certificate", "valid until %s (%lld days), sha256 %s", until,
                   (long long)(left / 86400), info.fingerprint);
    /* A renewal under way (hotline cert next). */
    int rn = cli_node_path(cp, d->dir, NODE_TLS_NEXT_CERT) &&
                     cli_node_path(kp, d->dir, NODE_TLS_NEXT_KEY)
                 ? node_tls_load(cp, kp, &info, &err)
                 : -HL_E_NOT_FOUND;
    if (!rn)
        doctor_add(d, DOCTOR_OK, "certificate",
                   "the next one waits, sha256 %s: the node announces it to every member; "
                   "'hotline cert switch' once they have it",
                   info.fingerprint);
    else if (rn != -HL_E_NOT_FOUND)
        doctor_add(d, DOCTOR_PROBLEM, "certificate", "%s: %s", NODE_TLS_NEXT_CERT, err.msg);
}

/* A size in MiB under a GiB, else in GiB. */
static void doctor_size(unsigned long long bytes, char out[32])
{
    if (bytes < 1073741824ull)
        snprintf(out, 32, "%llu MiB", bytes >> 20);
    else
        snprintf(out, 32, "%.1f GiB", bytes / 1073741824.0);
}

static void doctor_disk(struct doctor *d)
{
    struct statvfs vfs;
    struct stat wal;
    char path[CLI_PATH_MAX];
    if (statvfs(d->dir, &vfs) != 0) {
        doctor_add(d, DOCTOR_WARNING, "disk", "cannot tell the free space of %s", d->dir);
        return;
    }
    unsigned long long room = (unsigned long long)vfs.f_bavail * vfs.f_frsize;
    unsigned long long total = (unsigned long long)vfs.f_blocks * vfs.f_frsize;
    enum doctor_status st = room < DOCTOR_DISK_FULL                       ? DOCTOR_PROBLEM
                            : room < DOCTOR_DISK_LOW || room * 20 < total ? DOCTOR_WARNING
                                                                          : DOCTOR_OK;
    char a[32], b[32];
    doctor_size(room, a);
    doctor_size(total, b);
    doctor_add(d, st, "disk", "%s free of %s on the file system of %s%s", a, b, d->dir,
               st == DOCTOR_OK ? ""
                               : ": a full disk stops every write (docs/federation.md, section 9)");
    if (cli_node_path(path, d->dir, "hotline.db-wal") && stat(path, &wal) == 0 &&
        wal.st_size > DOCTOR_WAL_LARGE)
        doctor_add(d, DOCTOR_WARNING, "disk",
                   "the journal hotline.db-wal is %lld MiB: it is not being copied back "
                   "(a full disk, or a reader that never ends; see the node's log)",
                   (long long)(wal.st_size >> 20));
}

/* The certificate the running node presents against its file's: they
 * differ when the file changed and the node has not read it again. */
static void doctor_presented(struct doctor *d, const struct node_config *conf, long pid)
{
    char reach[NODE_LISTEN_MAX + 1], url[NODE_LISTEN_MAX + 16];
    char fp[EXCHANGE_FINGERPRINT_LEN + 1], pin[EXCHANGE_PIN_MAX];
    struct hl_error err;
    hl_error_clear(&err);
    if (!d->cert_sha256[0] || !cli_node_reach(d->dir, conf, reach))
        return;
    snprintf(url, sizeof url, "https://%s", reach);
    if (exchange_client_probe(url, fp, pin, &err))
        doctor_add(d, DOCTOR_WARNING, "server", "cannot see the certificate it presents: %s",
                   err.msg);
    else if (strcmp(fp, d->cert_sha256) != 0)
        doctor_add(d, DOCTOR_WARNING, "server",
                   "it presents the certificate sha256 %s, not %s's (sha256 %s): have it read the "
                   "files again with 'systemctl reload' or 'kill -HUP %ld'",
                   fp, conf->tls_cert, d->cert_sha256, pid);
}

static void doctor_server(struct doctor *d, const struct node_config *conf)
{
    char listen[NODE_LISTEN_MAX + 1];
    long pid = 0;
    struct hl_error err;
    if (node_serving_read(d->dir, listen, &pid, &err) == 0) {
        doctor_add(d, DOCTOR_OK, "server", "hotline serve (pid %ld) listens on %s", pid, listen);
        doctor_presented(d, conf, pid);
    } else
        doctor_add(d, DOCTOR_WARNING, "server",
                   "no hotline serve runs for %s: nothing is received or delivered; "
                   "start it with 'hotline serve --data %s'",
                   d->dir, d->dir);
}

static int doctor_count_user(void *ctx, const struct store_user *u)
{
    (void)u;
    (*(size_t *)ctx)++;
    return 0;
}

static int doctor_pending(void *ctx, const char *channel, const char *name)
{
    struct doctor *d = ctx;
    (void)channel;
    doctor_add(d, DOCTOR_WARNING, "channel",
               "waits for %s, not a known peer yet: the channel does not replicate until "
               "'hotline peer add %s'",
               name, name);
    return 0;
}

static int doctor_count_alarm(void *ctx, const struct store_alarm *a)
{
    (void)a;
    (*(size_t *)ctx)++;
    return 0;
}

/* A member the replication worker fails to reach. */
static int doctor_member(void *ctx, const struct store_party *p)
{
    struct doctor *d = ctx;
    struct store_repl_state st;
    struct store_peer peer;
    struct hl_error err;
    char since[32], why[STORE_DETAIL_MAX + 128];
    if (!strcmp(p->id, d->node.party) || store_peer_get(d->node.store, p->id, &peer, &err) != 0)
        return 0;
    memset(peer.token, 0, sizeof peer.token);
    if (p->retired_us) { /* not exchanged with any more: named in the channel's line */
        size_t len = strlen(d->retired);
        snprintf(d->retired + len, sizeof d->retired - len, "%s%s", len ? ", " : "", peer.name);
        return 0;
    }
    if (store_repl_state_get(d->node.store, p->id, d->channel, &st, &err) != 0)
        return 0;
    if (cli_clock_skew(why, sizeof why, st.clock_skew_ms))
        doctor_add(d, DOCTOR_WARNING, "channel", "%s: %s (check NTP on both nodes)", peer.name,
                   why);
    if (!st.failures)
        return 0;
    stix_time_format_us_ms(st.last_ok_us, since);
    cli_unreachable(why, sizeof why, st.last_ok_us ? since : NULL, (long long)st.failures,
                    st.last_error);
    doctor_add(d, DOCTOR_WARNING, "channel", "%s %s", peer.name, why);
    return 0;
}

static int doctor_channel(void *ctx, const struct store_channel *c)
{
    struct doctor *d = ctx;
    struct hl_error err, behind;
    size_t alarms = 0, before = d->count[DOCTOR_WARNING] + d->count[DOCTOR_PROBLEM];
    d->channel = c->name;
    d->retired[0] = '\0';
    d->n_channels++;
    int r = store_channel_pending_list(d->node.store, c->name, doctor_pending, d, &err);
    if (!r && log_own_current(d->node.store, d->node.party, c->name, &behind) == -HL_E_BEHIND)
        doctor_add(d, DOCTOR_PROBLEM, "channel", "our log is behind: %s", behind.msg);
    if (!r)
        r = store_channel_member_list(d->node.store, c->name, doctor_member, d, &err);
    if (!r)
        r = store_alarm_list(d->node.store, c->name, doctor_count_alarm, &alarms, &err);
    if (!r && alarms)
        doctor_add(d, DOCTOR_PROBLEM, "channel",
                   "%zu equivocation alarm%s: a party showed two histories (hotline alarms)",
                   alarms, alarms == 1 ? "" : "s");
    if (r)
        doctor_add(d, DOCTOR_PROBLEM, "channel", "cannot be read: %s", err.msg);
    else if (d->count[DOCTOR_WARNING] + d->count[DOCTOR_PROBLEM] == before)
        doctor_add(d, DOCTOR_OK, "channel", "every member known and reachable, no alarm%s%s",
                   d->retired[0] ? "; retired here: " : "", d->retired);
    d->channel = NULL;
    return 0;
}

static void doctor_store(struct doctor *d)
{
    struct hl_error err;
    size_t users = 0;
    int64_t ack = 0, due = 0;
    hl_error_clear(&err);
    if (store_user_list(d->node.store, doctor_count_user, &users, &err) == 0 && users == 0)
        doctor_add(d, DOCTOR_WARNING, "database",
                   "party %s (%s): no users, so nobody can sign in ('hotline user add')",
                   d->node.name, d->node.party);
    else
        doctor_add(d, DOCTOR_OK, "database", "party %s (%s), %zu users", d->node.name,
                   d->node.party, users);
    if (store_channel_list(d->node.store, doctor_channel, d, &err) != 0)
        doctor_add(d, DOCTOR_PROBLEM, "database", "the channels cannot be read: %s", err.msg);
    else if (d->n_channels == 0)
        doctor_add(d, DOCTOR_OK, "channels",
                   "none yet: 'hotline peer add' the other parties, then 'hotline channel create "
                   "NAME --members PEER,...' (docs/federation.md)");
    if (workflow_count_overdue(d->node.store, d->now_us, &ack, &due, &err) != 0)
        doctor_add(d, DOCTOR_PROBLEM, "workflow", "cannot be read: %s", err.msg);
    else if (ack || due)
        doctor_add(d, DOCTOR_WARNING, "workflow",
                   "overdue now: %lld acknowledgment(s), %lld request(s) (hotline list --overdue)",
                   (long long)ack, (long long)due);
    else
        doctor_add(d, DOCTOR_OK, "workflow", "nothing overdue");
}

static void doctor_print(const struct doctor *d, bool json)
{
    size_t i;
    json_t *c;
    if (json) {
        json_t *o = json_pack("{s:O, s:I, s:I}", "checks", d->checks, "problems",
                              (json_int_t)d->count[DOCTOR_PROBLEM], "warnings",
                              (json_int_t)d->count[DOCTOR_WARNING]);
        cli_json_print(o);
        json_decref(o);
        return;
    }
    json_array_foreach(d->checks, i, c)
    {
        const char *st = cli_jstr(c, "status");
        printf("%-8s %s: %s\n", !strcmp(st, "problem") ? "PROBLEM" : st, cli_jstr(c, "check"),
               cli_jstr(c, "detail"));
    }
    printf("%zu problem%s, %zu warning%s\n", d->count[DOCTOR_PROBLEM],
           d->count[DOCTOR_PROBLEM] == 1 ? "" : "s", d->count[DOCTOR_WARNING],
           d->count[DOCTOR_WARNING] == 1 ? "" : "s");
}

int cli_doctor(int argc, char **argv)
{
    struct doctor d = {.now_us = hl_wall_us()};
    bool json = false;
    const struct cli_opt opts[] = {
        {"--data", NULL, &d.dir, NULL}, {"--json", NULL, NULL, &json}, {NULL, NULL, NULL, NULL}};
    char *operands[1], path[CLI_PATH_MAX];
    int n = 0;
    struct node_config conf;
    struct hl_error err;
    if (cli_wants_help(argc, argv)) {
        doctor_help();
        return CLI_OK;
    }
    if (cli_parse_opts("doctor", argc, argv, opts, operands, 1, &n))
        return CLI_ERROR;
    if (!d.dir || n)
        return cli_usage_error("doctor", "--data DIR is required, and no operand");
    if (cli_node_open("doctor", d.dir, false, &d.node) != CLI_OK)
        return CLI_ERROR;
    d.checks = json_array();
    hl_error_clear(&err);
    node_config_defaults(&conf, NULL);
    if (!cli_node_path(path, d.dir, NODE_CONF_FILE) || node_config_read(path, &conf, &err))
        doctor_add(&d, DOCTOR_PROBLEM, "configuration", "%s",
                   err.msg[0] ? err.msg : "path too long");
    else
        doctor_add(&d, DOCTOR_OK, "configuration", "%s reads; listen %s", NODE_CONF_FILE,
                   conf.listen);
    doctor_files(&d, &conf);
    doctor_cert(&d, &conf);
    doctor_disk(&d);
    doctor_server(&d, &conf);
    doctor_store(&d);
    cli_node_close(&d.node);
    doctor_print(&d, json);
    int rc = d.count[DOCTOR_PROBLEM] ? CLI_FAIL : CLI_OK;
    json_decref(d.checks);
    return rc;
}
