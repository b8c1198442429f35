/*
 * init.c — `hotline init --party NAME --data DIR [--json]`, and how every
 * other command opens the node directory it makes.
 *
 * A node directory (mode 0700) holds, and init writes in this order:
 *   party.key      the party's Ed25519 secret key (mode 0600, ledger.h format)
 *   party.pub      its public key
 *   identity.json  the party's STIX 2.1 identity (STIX 2.1 §4.5): a new
 *                  identity id, name NAME, identity_class "organization"
 *   hotline.db     the store: meta party_id (the identity id) and name, and
 *                  the party's row with its public key
 * The identity id is the party's name on the wire: it is the hotline_party
 * of every object the node seals.
 *
 * init never touches an existing node: a DIR that exists and is not empty
 * is refused (exit 2) before anything is written. If a step fails midway,
 * every file init created (and DIR, if it made it) is removed again.
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "stix/stix.h"

#define INIT_IDENTITY_MAX (64u * 1024)

/* Files init creates, in order; removed in reverse on failure. */
static const char *const init_files[] = {
    "party.key", "party.pub", "identity.json", "hotline.db", "hotline.db-wal", "hotline.db-shm",
};
#define INIT_N_FILES (sizeof init_files / sizeof init_files[0])

struct init_args {
    const char *name, *dir;
    bool json;
};

static void init_help(void)
{
    printf("usage: hotline init --party NAME --data DIR [--json]\n\n"
           "Creates a node directory DIR (mode 0700) for the party NAME:\n"
           "  DIR/party.key      a new Ed25519 secret key (mode 0600)\n"
           "  DIR/party.pub      its public key\n"
           "  DIR/identity.json  the party's STIX 2.1 identity (a new identity id,\n"
           "                     identity_class organization)\n"
           "  DIR/hotline.db     the node's database\n"
           "and prints the party's identity id, the name it publishes under.\n"
           "DIR may exist if it is empty; an existing node is never touched.\n\n"
           "  --json   print {\"id\", \"name\", \"public_key\", \"data\"} instead\n\n"
           "Exit codes: 0 created; 2 usage error, DIR not empty, or I/O error\n"
           "(then nothing is left behind).\n");
}

bool cli_node_path(char *out, const char *dir, const char *name)
{
    int n = snprintf(out, CLI_PATH_MAX, "%s/%s", dir, name);
    return n >= 0 && n < CLI_PATH_MAX;
}

int64_t cli_now_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

void cli_format_us(int64_t us, char out[32])
{
    int64_t sec = us / 1000000, rem = us % 1000000;
    if (rem < 0) {
        sec--;
        rem += 1000000;
    }
    struct stix_time t = {sec, (uint32_t)(rem * 1000)};
    stix_time_format(&t, out);
}

/* Makes DIR (0700) or accepts an empty one. *made says whether init made
 * it. CLI_OK, or CLI_ERROR after reporting. */
static int init_dir(const char *dir, bool *made)
{
    *made = false;
    if (mkdir(dir, 0700) == 0) {
        *made = true;
        return CLI_OK;
    }
    if (errno != EEXIST) {
        fprintf(stderr, "hotline init: cannot create %s: %s\n", dir, strerror(errno));
        return CLI_ERROR;
    }
    DIR *d = opendir(dir);
    if (!d) {
        fprintf(stderr, "hotline init: %s exists and cannot be read as a directory: %s\n", dir,
                strerror(errno));
        return CLI_ERROR;
    }
    const struct dirent *e;
    bool empty = true;
    while (empty && (e = readdir(d)) != NULL)
        empty = strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0;
    closedir(d);
    if (!empty) {
        fprintf(stderr, "hotline init: %s is not empty; refusing to touch an existing node\n", dir);
        return CLI_ERROR;
    }
    if (chmod(dir, 0700) != 0) {
        fprintf(stderr, "hotline init: cannot make %s private: %s\n", dir, strerror(errno));
        return CLI_ERROR;
    }
    return CLI_OK;
}

/* The party's STIX identity, checked by the validator (a new reference). */
static json_t *init_identity(const char *name, struct hl_error *err)
{
    char id[STIX_ID_MAX], now[32];
    struct stix_report rep;
    if (stix_id_new("identity", id)) {
        hl_fail(err, HL_E_CRYPTO, NULL, "cannot make a random identity id");
        return NULL;
    }
    struct stix_time t = stix_time_now();
    stix_time_format(&t, now);
    json_t *o = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s}", "type", "identity", "spec_version",
                          "2.1", "id", id, "created", now, "modified", now, "name", name,
                          "identity_class", "organization");
    if (!o) {
        hl_fail(err, HL_E_INVALID, "--party", "the name must be valid UTF-8");
        return NULL;
    }
    stix_report_init(&rep);
    stix_validate_object(o, "", &rep);
    if (!stix_report_ok(&rep)) {
        hl_fail(err, HL_E_STIX, rep.n ? rep.items[0].path : NULL, "identity is not valid: %s",
                rep.n ? rep.items[0].message : "?");
        json_decref(o);
        o = NULL;
    }
    stix_report_release(&rep);
    return o;
}

/* Writes DIR/identity.json. */
static int init_write_identity(const char *dir, const json_t *identity, struct hl_error *err)
{
    char path[CLI_PATH_MAX];
    struct buf b;
    int r;
    buf_init(&b, INIT_IDENTITY_MAX);
    char *s = json_dumps(identity, JSON_INDENT(4) | JSON_ENSURE_ASCII);
    if (!s)
        return hl_fail(err, HL_E_NOMEM, NULL, "cannot serialize the identity");
    if (!cli_node_path(path, dir, "identity.json"))
        r = hl_fail(err, HL_E_INVALID, dir, "path too long");
    else if ((r = buf_adds(&b, s)) != 0 || (r = buf_addc(&b, '\n')) != 0)
        hl_fail(err, -r, path, "identity too large");
    else
        r = hl_write_file(path, b.data, b.len, 0644, err);
    free(s);
    buf_release(&b);
    return r;
}

/* Creates hotline.db with the node's meta and its party row. */
static int init_store(const char *dir, const char *id, const char *name, const uint8_t pk[32],
                      struct hl_error *err)
{
    char path[CLI_PATH_MAX];
    struct store *s = NULL;
    struct store_party p;
    if (!cli_node_path(path, dir, "hotline.db"))
        return hl_fail(err, HL_E_INVALID, dir, "path too long");
    memset(&p, 0, sizeof p);
    snprintf(p.id, sizeof p.id, "%s", id);
    snprintf(p.name, sizeof p.name, "%s", name);
    memcpy(p.public_key, pk, 32);
    int r = store_open(path, NULL, &s, err);
    if (r)
        return r;
    if (!(r = store_begin(s, err)) && !(r = store_meta_set(s, "party_id", id, err)) &&
        !(r = store_meta_set(s, "name", name, err)) && !(r = store_party_put(s, &p, err)))
        r = store_commit(s, err);
    store_close(s); /* rolls back what a failure left open */
    return r;
}

/* Removes what init made in dir, newest first. */
static void init_undo(const char *dir, bool made_dir)
{
    char path[CLI_PATH_MAX];
    for (size_t i = INIT_N_FILES; i-- > 0;) {
        if (cli_node_path(path, dir, init_files[i]))
            (void)unlink(path);
    }
    if (made_dir)
        (void)rmdir(dir);
}

static void init_print(const struct init_args *a, const char *id, const uint8_t pk[32])
{
    char spki[SEAL_SPKI_B64_MAX];
    seal_spki_encode(pk, spki);
    if (!a->json) {
        printf("%s\n", id);
        return;
    }
    json_t *o = json_pack("{s:s, s:s, s:s, s:s}", "id", id, "name", a->name, "public_key", spki,
                          "data", a->dir);
    if (o && json_dumpf(o, stdout, JSON_COMPACT | JSON_ENSURE_ASCII) == 0)
        putchar('\n');
    json_decref(o);
}

/* Writes the node's files into dir; CLI_OK or CLI_ERROR after reporting. */
static int init_node(const struct init_args *a)
{
    char sk_path[CLI_PATH_MAX], pk_path[CLI_PATH_MAX];
    struct seal_key key;
    struct hl_error err;
    json_t *identity = NULL;
    int rc = CLI_ERROR;
    hl_error_clear(&err);
    memset(&key, 0, sizeof key);
    if (!cli_node_path(sk_path, a->dir, "party.key") ||
        !cli_node_path(pk_path, a->dir, "party.pub")) {
        fprintf(stderr, "hotline init: %s: path too long\n", a->dir);
        return CLI_ERROR;
    }
    if (seal_key_generate(&key, &err) || seal_key_write_secret(sk_path, &key, &err) ||
        seal_key_write_public(pk_path, key.pk, &err))
        goto out;
    identity = init_identity(a->name, &err);
    if (!identity || init_write_identity(a->dir, identity, &err))
        goto out;
    const char *id = json_string_value(json_object_get(identity, "id"));
    if (init_store(a->dir, id, a->name, key.pk, &err))
        goto out;
    init_print(a, id, key.pk);
    rc = CLI_OK;
out:
    if (rc != CLI_OK)
        cli_report(&err);
    seal_key_wipe(&key);
    json_decref(identity);
    return rc;
}

int cli_init(int argc, char **argv)
{
    struct init_args a = {NULL, NULL, false};
    const struct cli_opt opts[] = {
        {"--party", NULL, &a.name, NULL},
        {"--data", NULL, &a.dir, NULL},
        {"--json", NULL, NULL, &a.json},
        {NULL, NULL, NULL, NULL},
    };
    int n_operands = 0;
    if (cli_wants_help(argc, argv)) {
        init_help();
        return CLI_OK;
    }
    if (cli_parse_opts("init", argc, argv, opts, NULL, 0, &n_operands))
        return CLI_ERROR;
    if (!a.name || !a.dir || !a.dir[0])
        return cli_usage_error("init", "--party NAME and --data DIR are required");
    size_t len = strlen(a.name);
    if (len == 0 || len > STORE_TEXT_MAX)
        return cli_usage_error("init", "NAME must have 1 to %d bytes", STORE_TEXT_MAX);
    for (size_t i = 0; i < len; i++) {
        if ((unsigned char)a.name[i] < 0x20 || a.name[i] == 0x7f)
            return cli_usage_error("init", "NAME must not contain control characters");
    }
    bool made_dir = false;
    if (init_dir(a.dir, &made_dir))
        return CLI_ERROR;
    int rc = init_node(&a);
    if (rc != CLI_OK)
        init_undo(a.dir, made_dir);
    return rc;
}

int cli_node_open(const char *cmd, const char *dir, bool with_key, struct cli_node *n)
{
    char path[CLI_PATH_MAX];
    struct hl_error err;
    struct store_options so = {0, true};
    memset(n, 0, sizeof *n);
    hl_error_clear(&err);
    if (!dir || !dir[0])
        return cli_usage_error(cmd, "--data DIR is required");
    if (!cli_node_path(path, dir, "hotline.db"))
        return cli_usage_error(cmd, "--data: path too long");
    if (access(path, F_OK) != 0) {
        fprintf(stderr,
                "hotline %s: %s is not a node directory (no hotline.db); "
                "make one with 'hotline init'\n",
                cmd, dir);
        return CLI_ERROR;
    }
    if (store_open(path, &so, &n->store, &err) ||
        store_meta_get(n->store, "party_id", n->party, &err) ||
        store_meta_get(n->store, "name", n->name, &err))
        goto fail;
    if (with_key) {
        if (!cli_node_path(path, dir, "party.key")) {
            hl_fail(&err, HL_E_INVALID, dir, "path too long");
            goto fail;
        }
        if (seal_key_read_secret(path, &n->key, &err))
            goto fail;
        n->has_key = true;
    }
    return CLI_OK;
fail:
    fprintf(stderr, "hotline %s: cannot open the node in %s\n", cmd, dir);
    cli_report(&err);
    cli_node_close(n);
    return CLI_ERROR;
}

void cli_node_close(struct cli_node *n)
{
    store_close(n->store);
    n->store = NULL;
    seal_key_wipe(&n->key);
    n->has_key = false;
}
