/*
 * init.c — `hotline init --party NAME --data DIR [--cert FILE --key FILE]
 * [--listen ADDR:PORT] [--json]`, `hotline init --upgrade --data DIR`, and how every other
 * command opens the node directory init makes.
 *
 * A node directory (mode 0700) holds, and init writes in this order:
 *   party.key      the party's Ed25519 secret key (mode 0600, ledger.h format)
 *   party.pub      its public key
 *   identity.json  the party's STIX 2.1 identity (STIX 2.1 §4.5): a new
 *                  identity id, name NAME, identity_class "organization"
 *   hotline.db     the store: meta party_id (the identity id) and name, the
 *                  party's row with its public key, and the user "admin"
 *                  (administrator; its token is stored only as a hash)
 *   tls.crt        the HTTPS certificate: a new self-signed one (node.h:
 *                  ECDSA P-256, CN NAME, localhost and 127.0.0.1, 730 days)
 *                  or a copy of --cert, checked to parse and to match --key
 *   tls.key        its private key (mode 0600)
 *   hotline.conf   `hotline serve`'s settings, every key with its comment
 *   cli.token      the token of the admin user "cli" (mode 0600), through
 *                  which the CLI talks to the running node (hotline send)
 *   card.json      the party card (public, 0644; peer.c): what another
 *                  operator needs for `hotline peer add --card`
 * The identity id is the party's name on the wire: it is the hotline_party
 * of every object the node seals.
 *
 * Output. stdout carries the identity id alone, as before the node had a
 * server (scripts keep `id=$(hotline init ...)`); the admin token, shown
 * this once, goes to stderr, so that it reaches the operator but not a
 * file stdout was redirected to. --json puts everything, token included,
 * in one object on stdout.
 *
 * init never touches an existing node: a DIR that exists and is not empty
 * is refused (exit 2) before anything is written. If a step fails midway,
 * every file init created (and DIR, if it made it) is removed again.
 *
 * --upgrade completes a node made by an older hotline: it adds whichever
 * of tls.crt + tls.key, hotline.conf, (when the node has no user at all)
 * the admin user, card.json and cli.token are missing, and touches nothing
 * else that exists (a missing cli.token gives the user "cli" a new token),
 * except that it takes group and other access away from DIR and hotline.db.
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <sodium.h>

#include "auth/auth.h"
#include "cli.h"
#include "node/node.h"
#include "stix/stix.h"

#define INIT_IDENTITY_MAX (64u * 1024)

/* Files init creates, in order; removed in reverse on failure. */
static const char *const init_files[] = {
    "party.key",      "party.pub",      "identity.json", "hotline.db",
    "hotline.db-wal", "hotline.db-shm", NODE_CERT_FILE,  NODE_KEY_FILE,
    NODE_CONF_FILE,   CLI_TOKEN_FILE,   CLI_CARD_FILE,
};
#define INIT_N_FILES (sizeof init_files / sizeof init_files[0])
#define INIT_ADMIN "admin"

struct init_args {
    const char *name, *dir, *cert, *key;
    const char *listen; /* hotline.conf's listen, or NULL: the default */
    bool json, upgrade;
};

/* The certificate and key init writes (the operator's, checked, or new)
 * and what init made, for its report. */
struct init_out {
    struct buf cert, key;
    struct node_tls_info tls;
    bool have_tls;
    char token[AUTH_TOKEN_LEN + 1];     /* the admin's, or "" */
    char cli_token[AUTH_TOKEN_LEN + 1]; /* the user cli's, or "" */
};

static void init_help(void)
{
    printf("usage: hotline init --party NAME --data DIR [--cert FILE --key FILE]\n"
           "                    [--listen ADDR:PORT] [--json]\n"
           "       hotline init --upgrade --data DIR [--cert FILE --key FILE] [--json]\n\n"
           "Creates a node directory DIR (mode 0700) for the party NAME:\n"
           "  DIR/party.key      a new Ed25519 secret key (mode 0600)\n"
           "  DIR/party.pub      its public key\n"
           "  DIR/identity.json  the party's STIX 2.1 identity (a new identity id,\n"
           "                     identity_class organization)\n"
           "  DIR/hotline.db     the node's database, with the user 'admin'\n"
           "  DIR/tls.crt        a self-signed HTTPS certificate (ECDSA P-256, CN NAME,\n"
           "                     DNS:localhost, IP:127.0.0.1, valid 730 days)\n"
           "  DIR/tls.key        its private key (mode 0600)\n"
           "  DIR/hotline.conf   the settings of 'hotline serve', each explained\n"
           "  DIR/cli.token      the token of the admin user 'cli' (mode 0600), with\n"
           "                     which the command line talks to the running node\n"
           "  DIR/card.json      the party card: give it to the other parties'\n"
           "                     operators for 'hotline peer add --card'\n"
           "prints the party's identity id (the name it publishes under) on stdout,\n"
           "and the admin token on stderr: it is shown this once and stored only\n"
           "hashed. DIR may exist if it is empty; an existing node is never touched.\n\n"
           "  --cert FILE, --key FILE  use this certificate chain (PEM, leaf first)\n"
           "           and unencrypted PEM key instead of a self-signed pair; they\n"
           "           must parse, belong together and not have expired\n"
           "  --listen ADDR:PORT  hotline.conf's listen (default %s), and the\n"
           "           URL of card.json: a second node on the same machine needs\n"
           "           its own port\n"
           "  --upgrade  add to the existing node DIR what this hotline needs and it\n"
           "           lacks (tls.crt and tls.key, hotline.conf, the admin user if the\n"
           "           node has no user, card.json, cli.token); nothing else that\n"
           "           exists is changed\n"
           "  --json   print {\"id\", \"name\", \"public_key\", \"data\", \"cert_sha256\",\n"
           "           \"admin_user\", \"admin_token\"} instead (with --upgrade: \"added\"\n"
           "           and those it made)\n\n"
           "Exit codes: 0 created; 2 usage error, DIR not empty, unusable --cert/--key,\n"
           "or I/O error (then nothing is left behind).\n",
           NODE_DEFAULT_LISTEN);
}

bool cli_node_path(char *out, const char *dir, const char *name)
{
    _Static_assert(CLI_PATH_MAX == NODE_PATH_MAX + 1, "one path size for CLI and node");
    return node_file_path(out, dir, name);
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

/* Creates hotline.db with the node's meta, its party row and the users
 * admin and cli, in one transaction; their tokens go to o. */
static int init_store(const char *dir, const char *id, const char *name, const uint8_t pk[32],
                      struct init_out *o, struct hl_error *err)
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
        !(r = store_meta_set(s, "name", name, err)) && !(r = store_party_put(s, &p, err)) &&
        !(r = auth_user_add(s, INIT_ADMIN, true, NULL, 0, o->token, err)) &&
        !(r = auth_user_add(s, CLI_TOKEN_USER, true, NULL, 0, o->cli_token, err)))
        r = store_commit(s, err);
    if (r) {
        sodium_memzero(o->token, sizeof o->token);
        sodium_memzero(o->cli_token, sizeof o->cli_token);
    }
    store_close(s); /* rolls back what a failure left open */
    return r;
}

/* Removes the files of init_files[] made by this run (made[i]), newest
 * first, and dir if init made it. */
static void init_undo(const char *dir, const bool made[INIT_N_FILES], bool made_dir)
{
    char path[CLI_PATH_MAX];
    for (size_t i = INIT_N_FILES; i-- > 0;) {
        if (made[i] && cli_node_path(path, dir, init_files[i]))
            (void)unlink(path);
    }
    if (made_dir)
        (void)rmdir(dir);
}

/* ---- the files of `hotline serve` ------------------------------------------ */

/* Reads --cert and --key and checks them: they parse, belong together,
 * and the certificate has not expired. */
static int init_tls_given(const struct init_args *a, struct init_out *o, struct hl_error *err)
{
    int r = node_tls_read(a->cert, false, &o->cert, err);
    if (!r)
        r = node_tls_read(a->key, false, &o->key, err);
    if (!r)
        r = node_tls_check(&o->cert, &o->key, &o->tls, err);
    if (!r && o->tls.not_after <= (int64_t)time(NULL))
        r = hl_fail(err, HL_E_INVALID, a->cert, "the certificate has expired");
    if (r) {
        struct hl_error why = *err;
        return hl_fail(err, -r, why.where[0] ? why.where : a->cert, "--cert/--key: %s", why.msg);
    }
    o->have_tls = true;
    return 0;
}

/* Writes data to dir/name (mode) unless the file exists; marks it made. */
static int init_write_new(const char *dir, size_t file, const void *data, size_t len, unsigned mode,
                          bool made[INIT_N_FILES], struct hl_error *err)
{
    char path[CLI_PATH_MAX];
    if (!cli_node_path(path, dir, init_files[file]))
        return hl_fail(err, HL_E_INVALID, dir, "path too long");
    if (access(path, F_OK) == 0)
        return hl_fail(err, HL_E_EXISTS, path, "exists; refusing to overwrite it");
    int r = hl_write_file(path, data, len, mode, err);
    made[file] = r == 0;
    return r;
}

static size_t init_file_index(const char *name)
{
    size_t i = 0;
    while (i < INIT_N_FILES && strcmp(init_files[i], name) != 0)
        i++;
    return i;
}

/* Writes tls.crt and tls.key (made now unless given) when tls, and
 * hotline.conf when conf (listen there, unless NULL). */
static int init_serve_files(const char *dir, const char *name, bool tls, bool conf,
                            const char *listen, struct init_out *o, bool made[INIT_N_FILES],
                            struct hl_error *err)
{
    struct node_config c;
    struct buf text;
    int r = 0;
    if (tls && !o->have_tls) {
        r = node_tls_generate(name, &o->cert, &o->key, &o->tls, err);
        o->have_tls = r == 0;
    }
    if (!r && tls)
        r = init_write_new(dir, init_file_index(NODE_CERT_FILE), o->cert.data, o->cert.len, 0644,
                           made, err);
    if (!r && tls)
        r = init_write_new(dir, init_file_index(NODE_KEY_FILE), o->key.data, o->key.len, 0600, made,
                           err);
    if (r || !conf)
        return r;
    node_config_defaults(&c, name);
    if (listen)
        snprintf(c.listen, sizeof c.listen, "%s", listen);
    buf_init(&text, NODE_CONF_MAX);
    r = node_config_render(&c, &text, err);
    if (!r)
        r = init_write_new(dir, init_file_index(NODE_CONF_FILE), text.data, text.len, 0644, made,
                           err);
    buf_release(&text);
    return r;
}

static void init_out_release(struct init_out *o)
{
    buf_release(&o->cert);
    node_tls_wipe(&o->key);
    sodium_memzero(o->token, sizeof o->token);
    sodium_memzero(o->cli_token, sizeof o->cli_token);
}

/* ---- the federation's files: cli.token and card.json ----------------------------- */

/* Writes o->cli_token to cli.token (0600) unless it exists. */
static int init_cli_token(const char *dir, const struct init_out *o, bool made[INIT_N_FILES],
                          struct hl_error *err)
{
    char line[AUTH_TOKEN_LEN + 2];
    snprintf(line, sizeof line, "%s\n", o->cli_token);
    int r =
        init_write_new(dir, init_file_index(CLI_TOKEN_FILE), line, strlen(line), 0600, made, err);
    sodium_memzero(line, sizeof line);
    return r;
}

/* Writes card.json of node n in dir (which must not have one yet). */
static int init_card(const char *dir, const struct cli_node *n, bool made[INIT_N_FILES],
                     struct hl_error *err)
{
    size_t i = init_file_index(CLI_CARD_FILE);
    char path[CLI_PATH_MAX];
    if (!cli_node_path(path, dir, CLI_CARD_FILE))
        return hl_fail(err, HL_E_INVALID, dir, "path too long");
    if (access(path, F_OK) == 0)
        return hl_fail(err, HL_E_EXISTS, path, "exists; refusing to overwrite it");
    int r = cli_card_write(dir, n, err);
    made[i] = r == 0;
    return r;
}

/* The card of the node just made (its store opened for the purpose). */
static int init_card_new(const char *dir, const char *id, const char *name, bool made[INIT_N_FILES],
                         struct hl_error *err)
{
    char path[CLI_PATH_MAX];
    struct cli_node n;
    memset(&n, 0, sizeof n);
    snprintf(n.party, sizeof n.party, "%s", id);
    snprintf(n.name, sizeof n.name, "%s", name);
    if (!cli_node_path(path, dir, "hotline.db"))
        return hl_fail(err, HL_E_INVALID, dir, "path too long");
    int r = store_open(path, NULL, &n.store, err);
    if (!r)
        r = init_card(dir, &n, made, err);
    store_close(n.store);
    return r;
}

/* ---- reporting --------------------------------------------------------------- */

/* The one-time notice of the admin token, on stderr (see the top). */
static void init_print_token(const char *token)
{
    if (token[0])
        fprintf(stderr,
                "hotline init: user '%s' token (shown only now; the node keeps only its hash): "
                "%s\n",
                INIT_ADMIN, token);
}

/* Adds what init made to a --json object. */
static void init_json_made(json_t *j, const struct init_out *o)
{
    if (o->have_tls)
        json_object_set_new(j, "cert_sha256", json_string(o->tls.fingerprint));
    if (o->token[0]) {
        json_object_set_new(j, "admin_user", json_string(INIT_ADMIN));
        json_object_set_new(j, "admin_token", json_string(o->token));
    }
}

static void init_json_print(json_t *j)
{
    if (j && json_dumpf(j, stdout, JSON_COMPACT | JSON_ENSURE_ASCII) == 0)
        putchar('\n');
    json_decref(j);
}

static void init_print(const struct init_args *a, const char *id, const uint8_t pk[32],
                       const struct init_out *o)
{
    char spki[SEAL_SPKI_B64_MAX];
    seal_spki_encode(pk, spki);
    if (!a->json) {
        printf("%s\n", id);
        fflush(stdout);
        init_print_token(o->token);
        return;
    }
    json_t *j = json_pack("{s:s, s:s, s:s, s:s}", "id", id, "name", a->name, "public_key", spki,
                          "data", a->dir);
    if (j)
        init_json_made(j, o);
    init_json_print(j);
}

/* ---- init ------------------------------------------------------------------------ */

/* Writes the node's files into dir; CLI_OK or CLI_ERROR after reporting. */
static int init_node(const struct init_args *a, struct init_out *o, bool made[INIT_N_FILES])
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
    if (init_store(a->dir, id, a->name, key.pk, o, &err) ||
        init_serve_files(a->dir, a->name, true, true, a->listen, o, made, &err) ||
        init_cli_token(a->dir, o, made, &err) || init_card_new(a->dir, id, a->name, made, &err))
        goto out;
    init_print(a, id, key.pk, o);
    rc = CLI_OK;
out:
    if (rc != CLI_OK)
        cli_report(&err);
    seal_key_wipe(&key);
    json_decref(identity);
    return rc;
}

/* ---- init --upgrade ------------------------------------------------------------ */

static int init_count_user(void *ctx, const struct store_user *u)
{
    (void)u;
    (*(size_t *)ctx)++;
    return 0;
}

static bool init_has(const char *dir, const char *name)
{
    char path[CLI_PATH_MAX];
    return cli_node_path(path, dir, name) && access(path, F_OK) == 0;
}

/* Takes group and other access away from dir (0700) and its database
 * files (0600): they hold the node's tokens at its peers. *changed says
 * whether anything had to change. */
static int init_private(const char *dir, bool *changed, struct hl_error *err)
{
    static const char *const names[] = {".", "hotline.db", "hotline.db-wal", "hotline.db-shm"};
    char path[CLI_PATH_MAX];
    struct stat st;
    *changed = false;
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        if (!cli_node_path(path, dir, names[i]))
            return hl_fail(err, HL_E_INVALID, dir, "path too long");
        if (stat(path, &st) != 0 || !(st.st_mode & 077))
            continue;
        if (chmod(path, i ? 0600 : 0700) != 0)
            return hl_fail(err, HL_E_IO, path, "cannot make it private: %s", strerror(errno));
        *changed = true;
    }
    return 0;
}

/* cli.token (the user cli made, or given a new token) and card.json, for
 * a node made before federation, unless it has them. */
static int init_upgrade_fed(const char *dir, struct cli_node *n, struct init_out *o,
                            bool made[INIT_N_FILES], struct hl_error *err)
{
    struct store_user u;
    int r = 0;
    if (!init_has(dir, CLI_TOKEN_FILE)) {
        r = store_begin(n->store, err);
        int had = r ? r : store_user_get(n->store, CLI_TOKEN_USER, &u, err);
        if (!r && had == 0)
            r = auth_token_reset(n->store, CLI_TOKEN_USER, o->cli_token, err);
        else if (!r && had == -HL_E_NOT_FOUND)
            r = auth_user_add(n->store, CLI_TOKEN_USER, true, NULL, 0, o->cli_token, err);
        else if (!r)
            r = had;
        if (!r)
            r = store_commit(n->store, err);
        if (!r)
            r = init_cli_token(dir, o, made, err);
    }
    if (!r && !init_has(dir, CLI_CARD_FILE))
        r = init_card(dir, n, made, err);
    return r;
}

/* What --upgrade adds to node n; CLI_OK or CLI_ERROR after reporting. */
static int init_upgrade_node(const struct init_args *a, struct cli_node *n, struct init_out *o,
                             bool made[INIT_N_FILES], json_t *added)
{
    struct hl_error err;
    size_t n_users = 0;
    bool changed = false;
    hl_error_clear(&err);
    bool crt = init_has(a->dir, NODE_CERT_FILE), key = init_has(a->dir, NODE_KEY_FILE);
    bool conf = !init_has(a->dir, NODE_CONF_FILE);
    if (crt != key)
        hl_fail(&err, HL_E_INVALID, a->dir,
                "has %s but not %s; add the missing file or remove both",
                crt ? NODE_CERT_FILE : NODE_KEY_FILE, crt ? NODE_KEY_FILE : NODE_CERT_FILE);
    else if (crt && a->cert)
        hl_fail(&err, HL_E_EXISTS, a->dir, "has a certificate already; --cert is not used");
    else if (!store_user_list(n->store, init_count_user, &n_users, &err) &&
             !init_serve_files(a->dir, n->name, !crt, conf, NULL, o, made, &err) &&
             (n_users > 0 || (!store_begin(n->store, &err) &&
                              !auth_user_add(n->store, INIT_ADMIN, true, NULL, 0, o->token, &err) &&
                              !store_commit(n->store, &err))) &&
             !init_upgrade_fed(a->dir, n, o, made, &err)) {
        static const char *const names[] = {NODE_CERT_FILE, NODE_KEY_FILE, NODE_CONF_FILE};
        for (size_t i = 0; i < 3; i++)
            if (made[init_file_index(names[i])])
                json_array_append_new(added, json_string(names[i]));
        if (o->token[0])
            json_array_append_new(added, json_string("user " INIT_ADMIN));
        for (size_t i = init_file_index(CLI_TOKEN_FILE); i < INIT_N_FILES; i++)
            if (made[i])
                json_array_append_new(added, json_string(init_files[i]));
        if (!init_private(a->dir, &changed, &err)) {
            if (changed)
                json_array_append_new(added, json_string("mode 0700/0600 of DIR and hotline.db"));
            return CLI_OK;
        }
    }
    cli_report(&err);
    return CLI_ERROR;
}

static int init_upgrade(const struct init_args *a, struct init_out *o, bool made[INIT_N_FILES])
{
    struct cli_node n;
    json_t *added = json_array();
    if (!added || cli_node_open("init", a->dir, false, &n)) {
        json_decref(added);
        return CLI_ERROR;
    }
    int rc = init_upgrade_node(a, &n, o, made, added);
    if (rc == CLI_OK && a->json) {
        json_t *j = json_pack("{s:s, s:s, s:O}", "id", n.party, "data", a->dir, "added", added);
        if (j)
            init_json_made(j, o);
        init_json_print(j);
    } else if (rc == CLI_OK) {
        size_t k = json_array_size(added);
        printf("%s: %s", a->dir, k ? "added" : "nothing to add; it has what `hotline serve` needs");
        for (size_t i = 0; i < k; i++)
            printf("%s %s", i ? "," : "", json_string_value(json_array_get(added, i)));
        printf("\n");
        fflush(stdout);
        init_print_token(o->token);
    }
    json_decref(added);
    cli_node_close(&n);
    return rc;
}

/* Checks the options; CLI_OK or CLI_ERROR after a usage message. */
static int init_check_args(const struct init_args *a)
{
    if (!a->dir || !a->dir[0])
        return cli_usage_error("init", "--data DIR is required");
    if (!a->cert != !a->key)
        return cli_usage_error("init", "--cert and --key go together");
    struct hl_error why;
    if (a->listen && node_listen_check(a->listen, &why))
        return cli_usage_error("init", "--listen: %s", why.msg);
    if (a->upgrade && a->listen)
        return cli_usage_error("init", "--upgrade leaves hotline.conf as it is; edit its listen "
                                       "line instead of --listen");
    if (a->upgrade)
        return a->name ? cli_usage_error("init", "--upgrade takes the party's name from DIR; "
                                                 "drop --party")
                       : CLI_OK;
    if (!a->name)
        return cli_usage_error("init", "--party NAME and --data DIR are required");
    size_t len = strlen(a->name);
    if (len == 0 || len > STORE_TEXT_MAX)
        return cli_usage_error("init", "NAME must have 1 to %d bytes", STORE_TEXT_MAX);
    for (size_t i = 0; i < len; i++) {
        if ((unsigned char)a->name[i] < 0x20 || a->name[i] == 0x7f)
            return cli_usage_error("init", "NAME must not contain control characters");
    }
    return CLI_OK;
}

int cli_init(int argc, char **argv)
{
    struct init_args a = {NULL, NULL, NULL, NULL, NULL, false, false};
    const struct cli_opt opts[] = {
        {"--party", NULL, &a.name, NULL},      {"--data", NULL, &a.dir, NULL},
        {"--cert", NULL, &a.cert, NULL},       {"--key", NULL, &a.key, NULL},
        {"--listen", NULL, &a.listen, NULL},   {"--json", NULL, NULL, &a.json},
        {"--upgrade", NULL, NULL, &a.upgrade}, {NULL, NULL, NULL, NULL},
    };
    int n_operands = 0;
    if (cli_wants_help(argc, argv)) {
        init_help();
        return CLI_OK;
    }
    if (cli_parse_opts("init", argc, argv, opts, NULL, 0, &n_operands) || init_check_args(&a))
        return CLI_ERROR;
    struct init_out o;
    struct hl_error err;
    bool made[INIT_N_FILES] = {false}, made_dir = false;
    memset(&o, 0, sizeof o);
    buf_init(&o.cert, NODE_TLS_FILE_MAX);
    buf_init(&o.key, NODE_TLS_FILE_MAX);
    hl_error_clear(&err);
    int rc = CLI_ERROR;
    if (a.cert && init_tls_given(&a, &o, &err)) /* before anything is written */
        cli_report(&err);
    else if (a.upgrade)
        rc = init_upgrade(&a, &o, made);
    else if (init_dir(a.dir, &made_dir) == CLI_OK) {
        rc = init_node(&a, &o, made);
        for (size_t i = 0; rc != CLI_OK && i < INIT_N_FILES; i++)
            made[i] = true; /* DIR was empty: all that is in it is init's */
    }
    if (rc != CLI_OK)
        init_undo(a.dir, made, made_dir);
    init_out_release(&o);
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
