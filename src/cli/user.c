/*
 * user.c — `hotline user add|grant|list|remove|token`: who may use the
 * node's TAXII API, and with which rights on which channel (src/auth/auth.h).
 *
 *   user add NAME [--channels CH:r|w|rw[,...]] [--admin] --data DIR [--json]
 *   user grant NAME --channels CH:r|w|rw|none[,...] --data DIR
 *   user list --data DIR [--json]
 *   user remove NAME --data DIR
 *   user token NAME --data DIR [--json]
 *
 * A token is printed once, as the last word of add's (and token's) output;
 * the node keeps only its SHA-256, so a lost token is replaced (`user
 * token`), never recovered. These commands work on the database directly:
 * a running `hotline serve` sees a change at its next request.
 */
#include <sodium.h>
#include <stdio.h>
#include <string.h>

#include "auth/auth.h"
#include "cli.h"
#include "stix/stix.h"

#define USER_GRANTS_MAX 256 /* channels named in one --channels */

struct user_args {
    const char *dir, *channels;
    bool admin, json;
    char *operands[2];
    int n_operands;
};

static void user_help(void)
{
    printf("usage: hotline user add NAME [--channels CH:r|w|rw[,CH:...]] [--admin] --data DIR "
           "[--json]\n"
           "       hotline user grant NAME --channels CH:r|w|rw|none[,CH:...] --data DIR\n"
           "       hotline user list --data DIR [--json]\n"
           "       hotline user remove NAME --data DIR\n"
           "       hotline user token NAME --data DIR [--json]\n\n"
           "Users of the node's TAXII API. A user signs in with HTTP Basic (NAME and\n"
           "its token as the password) or 'Authorization: Bearer TOKEN'.\n\n"
           "add: a new user NAME (1 to %d characters of A-Z a-z 0-9 . _ @ -, starting\n"
           "with a letter or digit) with read (r), write (w) or both (rw) on each\n"
           "channel named; the channels must exist. --admin: read and write on every\n"
           "channel. Prints the new token as the last word of its output: it is shown\n"
           "only now, and the node keeps only its hash.\n"
           "grant: sets NAME's rights on each channel named (none: takes them away);\n"
           "its other channels and its token stay as they are.\n"
           "list: every user with its rights (a peer node's account, made by\n"
           "'hotline peer add', names the peer's party).\n"
           "remove: deletes NAME and its rights; its token stops working at once (a\n"
           "peer's account goes with the peer: 'hotline peer remove').\n"
           "token: gives NAME a new token (printed last) and retires the old one.\n"
           "  --json   add, token: {\"name\", \"admin\", \"channels\", \"token\"};\n"
           "           list: {\"users\": [{\"name\", \"admin\", \"created\", \"channels\":\n"
           "           {CH: \"r\"|\"w\"|\"rw\"}, \"party\" (peer accounts)}]}\n\n"
           "Exit codes: 0 done; 2 usage error, unknown user or channel, a taken name,\n"
           "or no such node.\n",
           AUTH_NAME_MAX);
}

static const char *rights_text(unsigned rights)
{
    return rights == (AUTH_READ | AUTH_WRITE) ? "rw" : rights == AUTH_WRITE ? "w" : "r";
}

/* Parses "CH:r|w|rw[,...]" (edited in place) into g[0..*n); with
 * allow_none, "CH:none" too (rights 0). */
static int user_parse_grants(char *spec, bool allow_none, struct auth_grant *g, size_t *n)
{
    *n = 0;
    for (char *item = spec, *next; item; item = next) {
        next = strchr(item, ',');
        if (next)
            *next++ = '\0';
        char *colon = strrchr(item, ':');
        if (!colon)
            return cli_usage_error("user", "'%s' is not CHANNEL:r|w|rw", item);
        *colon = '\0';
        const char *r = colon + 1;
        unsigned bits = strcmp(r, "r") == 0    ? AUTH_READ
                        : strcmp(r, "w") == 0  ? AUTH_WRITE
                        : strcmp(r, "rw") == 0 ? AUTH_READ | AUTH_WRITE
                                               : 0;
        if (!bits && !(allow_none && strcmp(r, "none") == 0))
            return cli_usage_error("user", "'%s': rights are r, w, rw%s", r,
                                   allow_none ? " or none" : "");
        if (!seal_channel_valid(item))
            return cli_usage_error("user", "'%s' is not a channel name", item);
        for (size_t i = 0; i < *n; i++)
            if (strcmp(g[i].channel, item) == 0)
                return cli_usage_error("user", "channel '%s' is named twice", item);
        if (*n == USER_GRANTS_MAX)
            return cli_usage_error("user", "more than %d channels", USER_GRANTS_MAX);
        g[*n].channel = item;
        g[(*n)++].rights = bits;
    }
    return CLI_OK;
}

/* Prints a new token: JSON, or a line whose last word is the token. */
static void user_print_token(const struct user_args *a, const char *name, bool admin,
                             const struct auth_grant *g, size_t n, const char *token)
{
    if (a->json) {
        json_t *ch = g ? json_object() : NULL; /* token: rights unchanged, not shown */
        for (size_t i = 0; ch && i < n; i++)
            json_object_set_new(ch, g[i].channel, json_string(rights_text(g[i].rights)));
        json_t *j = json_pack("{s:s, s:b, s:o*, s:s}", "name", name, "admin", admin, "channels", ch,
                              "token", token);
        if (j && json_dumpf(j, stdout, JSON_COMPACT | JSON_ENSURE_ASCII) == 0)
            putchar('\n');
        json_decref(j);
        return;
    }
    printf("token of user %s (shown only now; the node keeps only its hash): %s\n", name, token);
}

/* The reason a grant failed, naming the channel the store did not know. */
static void user_report_add(const char *name, const char *dir, const struct hl_error *err)
{
    if (err->code == HL_E_EXISTS)
        fprintf(stderr, "hotline user: user '%s' already exists in %s\n", name, dir);
    else if (err->code == HL_E_NOT_FOUND)
        fprintf(stderr,
                "hotline user: no channel '%s' in %s; make it with "
                "'hotline channel create %s --data %s'\n",
                err->where, dir, err->where, dir);
    else
        cli_report(err);
}

static int user_add(const struct user_args *a, const char *name)
{
    struct auth_grant g[USER_GRANTS_MAX];
    char spec[4096], token[AUTH_TOKEN_LEN + 1];
    size_t n = 0;
    struct cli_node node;
    struct hl_error err;
    if (!auth_name_valid(name))
        return cli_usage_error("user",
                               "'%s' is not a user name: 1 to %d characters of "
                               "A-Z a-z 0-9 . _ @ -, starting with a letter or digit",
                               name, AUTH_NAME_MAX);
    if (a->channels && snprintf(spec, sizeof spec, "%s", a->channels) >= (int)sizeof spec)
        return cli_usage_error("user", "--channels is longer than %zu bytes", sizeof spec - 1);
    if (a->channels && user_parse_grants(spec, false, g, &n))
        return CLI_ERROR;
    if (cli_node_open("user", a->dir, false, &node))
        return CLI_ERROR;
    hl_error_clear(&err);
    int r = store_begin(node.store, &err);
    if (!r)
        r = auth_user_add(node.store, name, a->admin, g, n, token, &err);
    if (!r)
        r = store_commit(node.store, &err);
    if (r)
        user_report_add(name, a->dir, &err);
    else
        user_print_token(a, name, a->admin, g, n, token);
    sodium_memzero(token, sizeof token);
    cli_node_close(&node);
    return r ? CLI_ERROR : CLI_OK;
}

/* ---- grant ----------------------------------------------------------------------- */

static int user_grant(const struct user_args *a, const char *name)
{
    struct auth_grant g[USER_GRANTS_MAX];
    char spec[4096];
    size_t n = 0;
    struct cli_node node;
    struct hl_error err;
    struct store_user u;
    if (!a->channels)
        return cli_usage_error("user", "grant needs --channels CH:r|w|rw|none[,...]");
    if (snprintf(spec, sizeof spec, "%s", a->channels) >= (int)sizeof spec)
        return cli_usage_error("user", "--channels is longer than %zu bytes", sizeof spec - 1);
    if (user_parse_grants(spec, true, g, &n) || cli_node_open("user", a->dir, false, &node))
        return CLI_ERROR;
    hl_error_clear(&err);
    int r = store_begin(node.store, &err);
    if (!r && store_user_get(node.store, name, &u, &err) == -HL_E_NOT_FOUND) {
        fprintf(stderr, "hotline user: no user '%s' in %s\n", name, a->dir);
        r = -HL_E_NOT_FOUND;
    } else if (!r && err.code) {
        r = -err.code;
        cli_report(&err);
    }
    for (size_t i = 0; !r && i < n; i++) {
        r = store_user_right_set(node.store, name, g[i].channel, g[i].rights, &err);
        if (r)
            user_report_add(name, a->dir, &err);
    }
    if (!r && (r = store_commit(node.store, &err)) != 0)
        cli_report(&err);
    cli_node_close(&node); /* rolls back what a failure left open */
    return r ? CLI_ERROR : CLI_OK;
}

/* ---- list ---------------------------------------------------------------------- */

struct user_list_ctx {
    struct store *store;
    json_t *users;
    struct hl_error *err;
};

static int user_list_right(void *ctx, const struct store_user_right *r)
{
    return json_object_set_new(ctx, r->channel, json_string(rights_text(r->rights))) ? -HL_E_NOMEM
                                                                                     : 0;
}

static int user_list_one(void *ctx, const struct store_user *u)
{
    struct user_list_ctx *l = ctx;
    char when[32];
    stix_time_format_us_ms(u->created_us, when);
    json_t *j =
        json_pack("{s:s, s:b, s:s, s:{}, s:s?}", "name", u->name, "admin", u->admin, "created",
                  when, "channels", "party", u->party_id[0] ? u->party_id : NULL);
    if (!j || json_array_append_new(l->users, j))
        return hl_fail(l->err, HL_E_NOMEM, NULL, "out of memory");
    return store_user_right_list(l->store, u->name, user_list_right, json_object_get(j, "channels"),
                                 l->err);
}

static void user_list_print(const json_t *users)
{
    size_t i;
    const json_t *u;
    json_array_foreach(users, i, u)
    {
        const char *key;
        const json_t *v;
        const json_t *ch = json_object_get(u, "channels");
        printf("%s", json_string_value(json_object_get(u, "name")));
        if (json_is_string(json_object_get(u, "party")))
            printf("  (account of peer party %s)", json_string_value(json_object_get(u, "party")));
        if (json_is_true(json_object_get(u, "admin")))
            printf("  admin (read and write on every channel)");
        json_object_foreach((json_t *)ch, key, v) printf("  %s:%s", key, json_string_value(v));
        if (!json_is_true(json_object_get(u, "admin")) && json_object_size(ch) == 0)
            printf("  (no rights)");
        printf("\n");
    }
}

static int user_list(const struct user_args *a)
{
    struct cli_node node;
    struct hl_error err;
    if (cli_node_open("user", a->dir, false, &node))
        return CLI_ERROR;
    hl_error_clear(&err);
    struct user_list_ctx l = {node.store, json_array(), &err};
    int r = l.users ? store_user_list(node.store, user_list_one, &l, &err)
                    : hl_fail(&err, HL_E_NOMEM, NULL, "out of memory");
    if (r)
        cli_report(&err);
    else if (!a->json)
        user_list_print(l.users);
    else {
        json_t *j = json_pack("{s:O}", "users", l.users);
        if (j && json_dumpf(j, stdout, JSON_COMPACT | JSON_ENSURE_ASCII) == 0)
            putchar('\n');
        json_decref(j);
    }
    json_decref(l.users);
    cli_node_close(&node);
    return r ? CLI_ERROR : CLI_OK;
}

/* ---- remove, token ------------------------------------------------------------ */

static int user_remove_or_token(const struct user_args *a, const char *verb, const char *name)
{
    struct cli_node node;
    struct hl_error err;
    char token[AUTH_TOKEN_LEN + 1] = "";
    bool remove = strcmp(verb, "remove") == 0;
    struct store_user u;
    if (cli_node_open("user", a->dir, false, &node))
        return CLI_ERROR;
    hl_error_clear(&err);
    bool peer = remove && store_user_get(node.store, name, &u, &err) == 0 && u.party_id[0];
    int r = peer     ? -HL_E_PERM
            : remove ? store_user_remove(node.store, name, &err)
                     : auth_token_reset(node.store, name, token, &err);
    if (peer)
        fprintf(stderr,
                "hotline user: %s is the account of a peer's node; 'hotline peer remove %s' "
                "removes it with the peer\n",
                name, name);
    else if (r == -HL_E_NOT_FOUND)
        fprintf(stderr, "hotline user: no user '%s' in %s\n", name, a->dir);
    else if (r)
        cli_report(&err);
    else if (!r && !remove) {
        bool admin = store_user_get(node.store, name, &u, &err) == 0 && u.admin;
        user_print_token(a, name, admin, NULL, 0, token);
    }
    sodium_memzero(token, sizeof token);
    cli_node_close(&node);
    return r ? CLI_ERROR : CLI_OK;
}

int cli_user(int argc, char **argv)
{
    struct user_args a;
    memset(&a, 0, sizeof a);
    const struct cli_opt opts[] = {
        {"--data", NULL, &a.dir, NULL},    {"--channels", NULL, &a.channels, NULL},
        {"--admin", NULL, NULL, &a.admin}, {"--json", NULL, NULL, &a.json},
        {NULL, NULL, NULL, NULL},
    };
    if (cli_wants_help(argc, argv)) {
        user_help();
        return CLI_OK;
    }
    if (cli_parse_opts("user", argc, argv, opts, a.operands, 2, &a.n_operands))
        return CLI_ERROR;
    const char *verb = a.n_operands ? a.operands[0] : "";
    bool list = strcmp(verb, "list") == 0;
    bool add = strcmp(verb, "add") == 0, grant = strcmp(verb, "grant") == 0;
    if (!list && !add && !grant && strcmp(verb, "remove") && strcmp(verb, "token"))
        return cli_usage_error("user", "expected add, grant, list, remove or token");
    if (a.n_operands != (list ? 1 : 2))
        return cli_usage_error("user", list ? "list takes no NAME" : "%s needs one NAME", verb);
    if ((!add && a.admin) || (!add && !grant && a.channels))
        return cli_usage_error("user", "--channels belongs to add and grant, --admin to add");
    if (list)
        return user_list(&a);
    if (add)
        return user_add(&a, a.operands[1]);
    if (grant)
        return user_grant(&a, a.operands[1]);
    return user_remove_or_token(&a, verb, a.operands[1]);
}
