/*
 * peer.c — `hotline peer card|add|set|list|remove`: the other parties this
 * node exchanges with (docs/federation.md), and the node's own party card.
 *
 *   peer card --data DIR [--url URL]
 *   peer add NAME --data DIR (--card FILE | --party ID --public-key FILE
 *            --cert-fingerprint HEX) [--url URL] [--token TOKEN|-] [--json]
 *   peer set NAME --data DIR [--token TOKEN|-] [--url URL] [--cert-fingerprint HEX]
 *   peer list --data DIR [--json]
 *   peer remove NAME --data DIR
 *
 * A party card (card.json, written by `hotline init`) is public:
 *   {"hotline_card": 1, "party": IDENTITY-ID, "name": NAME,
 *    "public_key": X.590 SPKI base64, "cert_fingerprint": HEX, "url": URL}
 * The operators exchange cards out of band (and check the fingerprint by
 * voice: a card is only as trustworthy as the channel it came over).
 *
 * `peer add` in ONE transaction: the party (refused if its id or key
 * conflicts with a known party, which is named), the peer row, the peer's
 * inbound user NAME bound to its party (its new token printed once, the
 * last word of the output), and every channel that was waiting for NAME:
 * the party becomes a member, its user gets read and write there. A
 * refused add changes nothing.
 *
 * Secrets. The outbound token (our credential at the peer) is stored as
 * given, never printed by `peer list` ("token: set" / "missing"), never
 * logged; `--token -` reads it from stdin so that it stays out of the
 * process list. Copies on the stack are wiped.
 */
#include <sodium.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "auth/auth.h"
#include "cli.h"
#include "exchange/exchange.h"
#include "node/node.h"
#include "stix/stix.h"

#define CARD_MAX (64u * 1024)

struct peer_args {
    const char *dir, *card, *party, *public_key, *fingerprint, *url, *token;
    bool json;
    char *operands[2];
    int n_operands;
};

/* What `peer add` or `peer set` will store, from the card and the flags. */
struct peer_in {
    struct store_peer peer;           /* party_id, name, url, cert_sha256, token */
    char display[STORE_TEXT_MAX + 1]; /* the party's own name (card), or NAME */
    uint8_t pk[32];
    bool has_pk;
};

static void peer_help(void)
{
    printf("usage: hotline peer card --data DIR [--url URL]\n"
           "       hotline peer add NAME --data DIR (--card FILE | --party ID --public-key FILE\n"
           "                        --cert-fingerprint HEX) [--url URL] [--token TOKEN|-] "
           "[--json]\n"
           "       hotline peer set NAME --data DIR [--card FILE] [--token TOKEN|-]\n"
           "                        [--url URL] [--cert-fingerprint HEX]\n"
           "       hotline peer list --data DIR [--json]\n"
           "       hotline peer remove NAME --data DIR\n\n"
           "card: prints this node's party card (party id, name, public key, TLS\n"
           "certificate fingerprint, URL from hotline.conf's listen unless --url): the\n"
           "JSON another operator gives to 'hotline peer add --card'.\n\n"
           "add: makes the party of the card (or of --party, --public-key and\n"
           "--cert-fingerprint) the peer NAME (1 to %d characters of A-Z a-z 0-9 . _ @ -).\n"
           "Flags override the card; the card's url is the default of --url. Adds the\n"
           "party, the peer, and the peer's account NAME on this node, whose token is\n"
           "printed as the last word of the output, once: send it to the peer's\n"
           "operator, who gives it to their own 'hotline peer add ... --token'.\n"
           "Channels waiting for NAME get it as a member (read and write for its\n"
           "account). --token is the token the peer's operator sent us (our\n"
           "credential at their node); '-' reads it from stdin. A party id or key that\n"
           "conflicts with a known party is refused, and nothing changes.\n\n"
           "set: changes the peer's token, url or certificate fingerprint; --card\n"
           "takes the fingerprint and url of the peer's renewed card (its party and\n"
           "key must be the ones known here), flags over it.\n"
           "list: every peer with its party, url, fingerprint, channels and whether\n"
           "its token is set (tokens are never printed).\n"
           "remove: forgets the peer and its account (its party, logs and objects\n"
           "stay); refused while it is a member of a channel.\n"
           "  --json   add: {\"name\", \"party\", \"url\", \"cert_fingerprint\",\n"
           "           \"activated\": [CHANNEL], \"token\"}; list: {\"peers\": [{\"name\",\n"
           "           \"party\", \"party_name\", \"url\", \"cert_fingerprint\", \"token\":\n"
           "           \"set\"|\"missing\", \"channels\": [CHANNEL], \"retired\": [CHANNEL],\n"
           "           \"added\"}]}\n\n"
           "Exit codes: 0 done; 2 usage error, a conflict, an unknown peer, or no such\n"
           "node.\n",
           AUTH_NAME_MAX);
}

/* ---- the card ---------------------------------------------------------------- */

/* The SHA-256 of the DER of the first certificate in the PEM file path
 * (the fingerprint peers pin, computed as the exchange checks it). */
static int card_cert_fingerprint(const char *path, char out[65], struct hl_error *err)
{
    struct buf pem;
    buf_init(&pem, NODE_TLS_FILE_MAX);
    int r = node_tls_read(path, false, &pem, err);
    if (!r)
        r = exchange_pem_fingerprint(pem.data, out, err);
    buf_release(&pem);
    return r;
}

int cli_card_build(const char *dir, const struct cli_node *n, const char *url, json_t **out,
                   struct hl_error *err)
{
    char path[CLI_PATH_MAX], fp[65], spki[SEAL_SPKI_B64_MAX], made[NODE_LISTEN_MAX + 16];
    struct node_config c;
    struct store_party me;
    *out = NULL;
    node_config_defaults(&c, n->name);
    if (!cli_node_path(path, dir, NODE_CONF_FILE))
        return hl_fail(err, HL_E_INVALID, dir, "path too long");
    int r = node_config_read(path, &c, err);
    if (!r &&
        !(c.tls_cert[0] == '/' ? snprintf(path, sizeof path, "%s", c.tls_cert) < (int)sizeof path
                               : cli_node_path(path, dir, c.tls_cert)))
        r = hl_fail(err, HL_E_INVALID, c.tls_cert, "path too long");
    if (!r)
        r = card_cert_fingerprint(path, fp, err);
    if (!r)
        r = store_party_get(n->store, n->party, &me, err);
    if (r)
        return r;
    seal_spki_encode(me.public_key, spki);
    snprintf(made, sizeof made, "https://%s", c.listen);
    *out = json_pack("{s:i, s:s, s:s, s:s, s:s, s:s}", "hotline_card", 1, "party", n->party, "name",
                     n->name, "public_key", spki, "cert_fingerprint", fp, "url", url ? url : made);
    return *out ? 0 : hl_fail(err, HL_E_NOMEM, NULL, "out of memory");
}

int cli_card_write(const char *dir, const struct cli_node *n, struct hl_error *err)
{
    char path[CLI_PATH_MAX];
    json_t *card = NULL;
    int r = cli_card_build(dir, n, NULL, &card, err);
    char *text = r ? NULL : json_dumps(card, JSON_INDENT(4) | JSON_ENSURE_ASCII);
    json_decref(card);
    if (!r && !text)
        r = hl_fail(err, HL_E_NOMEM, NULL, "out of memory");
    if (!r && !cli_node_path(path, dir, CLI_CARD_FILE))
        r = hl_fail(err, HL_E_INVALID, dir, "path too long");
    if (!r) {
        size_t len = strlen(text);
        text[len] = '\n'; /* json_dumps leaves no newline; its NUL becomes one */
        r = hl_write_file(path, text, len + 1, 0644, err);
    }
    free(text);
    return r;
}

/* ---- checking what the operator gave ----------------------------------------- */

/* "AB:CD:..." or "abcd..." into 64 lowercase hex digits. */
static bool peer_fingerprint(const char *in, char out[65])
{
    size_t n = 0;
    for (const char *p = in; *p; p++) {
        char c = *p >= 'A' && *p <= 'F' ? (char)(*p - 'A' + 'a') : *p;
        if (c == ':')
            continue;
        if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f')) || n == 64)
            return false;
        out[n++] = c;
    }
    out[n] = '\0';
    return n == 64;
}

/* An https URL without blanks or control characters, trailing '/' dropped. */
static bool peer_url(const char *in, char out[STORE_URL_MAX + 1])
{
    size_t n = strnlen(in, STORE_URL_MAX + 1);
    if (n > STORE_URL_MAX || strncmp(in, "https://", 8) != 0 || n <= 8)
        return false;
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)in[i] <= 0x20 || in[i] == 0x7f)
            return false;
    memcpy(out, in, n + 1);
    while (n > 8 && out[n - 1] == '/')
        out[--n] = '\0';
    return true;
}

/* The token given (or, for "-", stdin's first line): printable ASCII
 * without blanks, at most STORE_TEXT_MAX bytes. */
static int peer_token(const char *in, char out[STORE_TEXT_MAX + 1])
{
    char line[STORE_TEXT_MAX + 2] = "";
    if (strcmp(in, "-") == 0) {
        if (!fgets(line, sizeof line, stdin))
            return cli_usage_error("peer", "--token -: nothing on stdin");
        line[strcspn(line, "\r\n")] = '\0';
        in = line;
    }
    size_t n = strnlen(in, STORE_TEXT_MAX + 1);
    bool ok = n > 0 && n <= STORE_TEXT_MAX;
    for (size_t i = 0; ok && i < n; i++)
        ok = in[i] > 0x20 && in[i] < 0x7f;
    if (ok)
        memcpy(out, in, n + 1);
    sodium_memzero(line, sizeof line);
    return ok ? CLI_OK
              : cli_usage_error("peer", "a token is 1 to %d printable characters without blanks",
                                STORE_TEXT_MAX);
}

/* The card's fields into in (strings checked as the flags are). */
static int peer_read_card(const char *file, struct peer_in *in)
{
    struct buf b;
    struct hl_error err;
    json_t *card = NULL;
    int rc = CLI_ERROR;
    buf_init(&b, CARD_MAX);
    hl_error_clear(&err);
    if (hl_read_file(file, CARD_MAX, &b, &err) || stix_parse(b.data, b.len, &card, &err)) {
        cli_report(&err);
        goto out;
    }
    const char *party = cli_jstr(card, "party");
    const char *name = cli_jstr(card, "name");
    const char *pk = cli_jstr(card, "public_key");
    const char *fp = cli_jstr(card, "cert_fingerprint");
    const char *url = cli_jstr(card, "url");
    if (cli_jint(card, "hotline_card") != 1 || !party || !name || !pk || !fp)
        fprintf(stderr,
                "hotline peer: %s is not a hotline party card (hotline_card 1 with "
                "party, name, public_key, cert_fingerprint)\n",
                file);
    else if (!stix_id_valid(party, "identity") || strlen(name) > STORE_TEXT_MAX)
        fprintf(stderr, "hotline peer: %s: party is not an identity id, or the name is too long\n",
                file);
    else if (seal_spki_decode(pk, in->pk, &err))
        fprintf(stderr, "hotline peer: %s: public_key: %s\n", file, err.msg);
    else if (!peer_fingerprint(fp, in->peer.cert_sha256))
        fprintf(stderr, "hotline peer: %s: cert_fingerprint is not a SHA-256 in hex\n", file);
    else if (url && !peer_url(url, in->peer.url))
        fprintf(stderr, "hotline peer: %s: url is not https://HOST:PORT\n", file);
    else {
        snprintf(in->peer.party_id, sizeof in->peer.party_id, "%s", party);
        snprintf(in->display, sizeof in->display, "%s", name);
        in->has_pk = true;
        rc = CLI_OK;
    }
out:
    json_decref(card);
    buf_release(&b);
    return rc;
}

/* The flags over what the card gave; then every field add needs is there. */
static int peer_read_flags(const struct peer_args *a, struct peer_in *in, bool add)
{
    struct hl_error err;
    hl_error_clear(&err);
    if (a->party && !stix_id_valid(a->party, "identity"))
        return cli_usage_error("peer", "--party '%s' is not an identity id", a->party);
    if (a->party)
        snprintf(in->peer.party_id, sizeof in->peer.party_id, "%s", a->party);
    if (a->public_key && seal_key_read_public(a->public_key, in->pk, &err)) {
        cli_report(&err);
        return CLI_ERROR;
    }
    in->has_pk = in->has_pk || a->public_key;
    if (a->fingerprint && !peer_fingerprint(a->fingerprint, in->peer.cert_sha256))
        return cli_usage_error("peer", "--cert-fingerprint is 64 hex digits (a SHA-256)");
    if (a->url && !peer_url(a->url, in->peer.url))
        return cli_usage_error("peer", "--url must be https://HOST:PORT (at most %d bytes)",
                               STORE_URL_MAX);
    if (a->token && peer_token(a->token, in->peer.token))
        return CLI_ERROR;
    if (add && (!in->peer.party_id[0] || !in->has_pk || !in->peer.cert_sha256[0]))
        return cli_usage_error("peer", "add needs --card FILE, or --party, --public-key and "
                                       "--cert-fingerprint");
    if (add && !in->peer.url[0])
        return cli_usage_error("peer", "add needs --url (the card has none)");
    return CLI_OK;
}

/* ---- add ---------------------------------------------------------------------------- */

struct key_owner {
    const uint8_t *pk;
    const char *party;
    struct store_party found;
};

static int find_key_owner(void *ctx, const struct store_party *p)
{
    struct key_owner *k = ctx;
    if (strcmp(p->id, k->party) != 0 && sodium_memcmp(p->public_key, k->pk, 32) == 0) {
        k->found = *p;
        return 1;
    }
    return 0;
}

/* Says why a peer is refused, on stderr; returns -HL_E_EXISTS with err
 * cleared (the message is said already). */
static int peer_refuse(struct hl_error *err, const char *fmt, ...) HL_PRINTF(2, 3);
static int peer_refuse(struct hl_error *err, const char *fmt, ...)
{
    va_list ap;
    fprintf(stderr, "hotline peer: ");
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    hl_error_clear(err);
    return -HL_E_EXISTS;
}

/* Refuses a peer that conflicts with what the node knows: 0 if none,
 * -HL_E_EXISTS after saying why, or a store error. A known party with the
 * same key keeps its name (in->display). */
static int peer_conflicts(struct cli_node *n, const char *name, struct peer_in *in,
                          struct hl_error *err)
{
    struct store_peer other;
    struct store_party known;
    struct store_user u;
    struct key_owner k = {in->pk, in->peer.party_id, {{0}, {0}, {0}}};
    const char *id = in->peer.party_id;
    if (strcmp(id, n->party) == 0)
        return peer_refuse(err, "%s is this node's own party", id);
    int r = store_peer_get_by_name(n->store, name, &other, err);
    if (!r)
        r = peer_refuse(err, "a peer named '%s' exists (party %s); use 'hotline peer set'", name,
                        other.party_id);
    if (r == -HL_E_NOT_FOUND && !(r = store_peer_get(n->store, id, &other, err)))
        r = peer_refuse(err, "party %s is already the peer '%s'", id, other.name);
    sodium_memzero(&other, sizeof other);
    if (r != -HL_E_NOT_FOUND)
        return r;
    r = store_party_get(n->store, id, &known, err);
    if (!r && sodium_memcmp(known.public_key, in->pk, 32) != 0)
        return peer_refuse(err,
                           "party %s (%s) is known here with another public key; refusing "
                           "to replace it",
                           id, known.name);
    if (!r)
        snprintf(in->display, sizeof in->display, "%s", known.name);
    else if (r != -HL_E_NOT_FOUND)
        return r;
    r = store_party_list(n->store, find_key_owner, &k, err);
    if (r == 1)
        return peer_refuse(err, "that public key is the key of party %s (%s)", k.found.id,
                           k.found.name);
    if (!r && !(r = store_user_get(n->store, name, &u, err)))
        return peer_refuse(err, "a user named '%s' exists; choose another peer name", name);
    if (r == -HL_E_NOT_FOUND)
        hl_error_clear(err);
    return r == -HL_E_NOT_FOUND ? 0 : r;
}

struct pending_of {
    const char *name;
    json_t *channels;
};

static int pending_collect(void *ctx, const char *channel, const char *name)
{
    struct pending_of *p = ctx;
    if (strcmp(name, p->name) == 0 && json_array_append_new(p->channels, json_string(channel)))
        return -HL_E_NOMEM;
    return 0;
}

/* Every channel waiting for peer name gets it as a member; their names
 * go to activated. */
static int peer_activate(struct store *s, const char *name, json_t *activated, struct hl_error *err)
{
    struct pending_of p = {name, activated};
    bool pending = false;
    size_t i;
    json_t *c;
    int r = store_channel_pending_list(s, NULL, pending_collect, &p, err);
    json_array_foreach(activated, i, c)
    {
        const char *ch = json_string_value(c);
        if (!r)
            r = store_channel_pending_remove(s, ch, name, err);
        if (!r)
            r = cli_member_add(s, ch, name, &pending, err);
    }
    return r;
}

/* The party, the peer, its user and its channels, in the open transaction. */
static int peer_store(struct cli_node *n, const char *name, struct peer_in *in,
                      char token[AUTH_TOKEN_LEN + 1], json_t *activated, struct hl_error *err)
{
    struct store_party p;
    memset(&p, 0, sizeof p);
    snprintf(p.id, sizeof p.id, "%s", in->peer.party_id);
    snprintf(p.name, sizeof p.name, "%s", in->display[0] ? in->display : name);
    memcpy(p.public_key, in->pk, 32);
    snprintf(in->peer.name, sizeof in->peer.name, "%s", name);
    in->peer.added_us = hl_wall_us();
    int r = store_party_put(n->store, &p, err);
    if (!r)
        r = store_peer_put(n->store, &in->peer, err);
    if (!r)
        r = auth_peer_user_add(n->store, name, in->peer.party_id, token, err);
    if (!r)
        r = peer_activate(n->store, name, activated, err);
    return r;
}

static void peer_add_print(const struct peer_args *a, const char *name, const struct peer_in *in,
                           const json_t *activated, const char *token)
{
    if (a->json) {
        json_t *j = json_pack("{s:s, s:s, s:s, s:s, s:O, s:s}", "name", name, "party",
                              in->peer.party_id, "url", in->peer.url, "cert_fingerprint",
                              in->peer.cert_sha256, "activated", activated, "token", token);
        cli_json_print(j);
        json_decref(j);
        return;
    }
    size_t i;
    const json_t *c;
    printf("peer %s added: party %s at %s\n", name, in->peer.party_id, in->peer.url);
    json_array_foreach(activated, i, c)
        printf("channel %s: %s is a member now\n", json_string_value(c), name);
    if (!in->peer.token[0])
        printf("no token for %s's node yet: add it with 'hotline peer set %s --token TOKEN'\n",
               name, name);
    printf("token of %s's account here, for %s's operator (shown only now; the node keeps "
           "only its hash): %s\n",
           name, name, token);
}

static int peer_add(const struct peer_args *a, const char *name)
{
    struct peer_in in;
    struct cli_node n;
    struct hl_error err;
    char token[AUTH_TOKEN_LEN + 1] = "";
    memset(&in, 0, sizeof in);
    hl_error_clear(&err);
    if (!auth_name_valid(name))
        return cli_usage_error("peer",
                               "'%s' is not a peer name: 1 to %d characters of A-Z a-z 0-9 . _ @ "
                               "-, starting with a letter or digit",
                               name, AUTH_NAME_MAX);
    if ((a->card && peer_read_card(a->card, &in)) || peer_read_flags(a, &in, true) ||
        cli_node_open("peer", a->dir, false, &n)) {
        sodium_memzero(&in, sizeof in);
        return CLI_ERROR;
    }
    json_t *activated = json_array();
    int r = activated ? store_begin(n.store, &err) : -HL_E_NOMEM;
    if (!r)
        r = peer_conflicts(&n, name, &in, &err);
    if (!r)
        r = peer_store(&n, name, &in, token, activated, &err);
    if (!r)
        r = store_commit(n.store, &err);
    if (!r)
        peer_add_print(a, name, &in, activated, token);
    else if (err.code)
        cli_report(&err);
    cli_node_close(&n); /* rolls back what a failure left open */
    json_decref(activated);
    sodium_memzero(token, sizeof token);
    sodium_memzero(&in, sizeof in);
    return r ? CLI_ERROR : CLI_OK;
}

/* ---- set, list, remove ---------------------------------------------------------------- */

/* A renewed card (--card) may change the peer's certificate and url, never
 * its party or key: true if it is the same party with the same key. */
static bool peer_card_same(struct cli_node *n, const struct store_peer *p, const struct peer_in *in,
                           const char *file)
{
    struct store_party party;
    struct hl_error err;
    if (strcmp(in->peer.party_id, p->party_id) != 0) {
        fprintf(stderr, "hotline peer: %s is the card of %s, not of %s (%s)\n", file,
                in->peer.party_id, p->name, p->party_id);
        return false;
    }
    if (store_party_get(n->store, p->party_id, &party, &err) != 0 ||
        sodium_memcmp(party.public_key, in->pk, 32) != 0) {
        fprintf(stderr,
                "hotline peer: %s gives %s another public key than the one known here: a "
                "party's key never changes; ask its operator\n",
                file, p->name);
        return false;
    }
    return true;
}

static int peer_set(const struct peer_args *a, const char *name)
{
    struct peer_in in;
    struct cli_node n;
    struct hl_error err;
    if (!a->token && !a->url && !a->fingerprint && !a->card)
        return cli_usage_error("peer", "set needs --card, --token, --url or --cert-fingerprint");
    memset(&in, 0, sizeof in);
    hl_error_clear(&err);
    if ((a->card && peer_read_card(a->card, &in)) || peer_read_flags(a, &in, false) ||
        cli_node_open("peer", a->dir, false, &n)) {
        sodium_memzero(&in, sizeof in);
        return CLI_ERROR;
    }
    struct store_peer p;
    int r = store_peer_get_by_name(n.store, name, &p, &err);
    if (r == -HL_E_NOT_FOUND)
        fprintf(stderr, "hotline peer: no peer '%s' in %s\n", name, a->dir);
    else if (!r && a->card && !peer_card_same(&n, &p, &in, a->card))
        r = -HL_E_CONFLICT;
    else if (!r) {
        if (a->token)
            memcpy(p.token, in.peer.token, sizeof p.token);
        if (a->url || (a->card && in.peer.url[0]))
            memcpy(p.url, in.peer.url, sizeof p.url);
        if (a->fingerprint || a->card)
            memcpy(p.cert_sha256, in.peer.cert_sha256, sizeof p.cert_sha256);
        r = store_peer_put(n.store, &p, &err);
    }
    if (r && r != -HL_E_NOT_FOUND && r != -HL_E_CONFLICT)
        cli_report(&err);
    sodium_memzero(&p, sizeof p);
    sodium_memzero(&in, sizeof in);
    cli_node_close(&n);
    return r ? CLI_ERROR : CLI_OK;
}

struct member_of {
    struct store *s;
    const char *party;
    json_t *channels, *retired; /* retired may be NULL */
    struct hl_error *err;
    bool found, is_retired;
};

static int member_is(void *ctx, const struct store_party *p)
{
    struct member_of *m = ctx;
    if (strcmp(p->id, m->party) == 0) {
        m->found = true;
        m->is_retired = p->retired_us != 0;
    }
    return 0;
}

static int member_channel(void *ctx, const struct store_channel *c)
{
    struct member_of *m = ctx;
    m->found = m->is_retired = false;
    int r = store_channel_member_list(m->s, c->name, member_is, m, m->err);
    if (!r && m->found && json_array_append_new(m->channels, json_string(c->name)))
        r = -HL_E_NOMEM;
    if (!r && m->found && m->is_retired && m->retired &&
        json_array_append_new(m->retired, json_string(c->name)))
        r = -HL_E_NOMEM;
    return r;
}

/* The channels party is a member of, appended to channels, and those it is
 * retired from here to retired (may be NULL). */
static int peer_channels(struct store *s, const char *party, json_t *channels, json_t *retired,
                         struct hl_error *err)
{
    struct member_of m = {s, party, channels, retired, err, false, false};
    return store_channel_list(s, member_channel, &m, err);
}

struct list_ctx {
    struct store *s;
    json_t *peers;
    struct hl_error *err;
};

static int list_peer(void *ctx, const struct store_peer *p)
{
    struct list_ctx *l = ctx;
    struct store_party party;
    char when[32];
    stix_time_format_us_ms(p->added_us, when);
    int r = store_party_get(l->s, p->party_id, &party, l->err);
    json_t *j = r ? NULL
                  : json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:[], s:[], s:s}", "name", p->name,
                              "party", p->party_id, "party_name", party.name, "url", p->url,
                              "cert_fingerprint", p->cert_sha256, "token",
                              p->token[0] ? "set" : "missing", "channels", "retired", "added",
                              when);
    if (!r && (!j || json_array_append_new(l->peers, j)))
        r = hl_fail(l->err, HL_E_NOMEM, NULL, "out of memory");
    /* With the channels it is retired from here (hotline channel retire-member). */
    return r ? r
             : peer_channels(l->s, p->party_id, json_object_get(j, "channels"),
                             json_object_get(j, "retired"), l->err);
}

/* Whether channel c is among the peer's retired ones. */
static bool peer_retired_in(const json_t *p, const json_t *c)
{
    size_t i;
    const json_t *x;
    json_array_foreach(json_object_get(p, "retired"), i, x)
        if (json_equal(x, c))
            return true;
    return false;
}

static void peer_list_print(const json_t *peers)
{
    size_t i, k;
    const json_t *p, *c;
    json_array_foreach(peers, i, p)
    {
        printf("%s  party %s (%s)  %s  cert %s  token: %s  channels:", cli_jstr(p, "name"),
               cli_jstr(p, "party"), cli_jstr(p, "party_name"), cli_jstr(p, "url"),
               cli_jstr(p, "cert_fingerprint"), cli_jstr(p, "token"));
        json_array_foreach(json_object_get(p, "channels"), k, c)
            printf("%s%s%s", k ? ", " : " ", json_string_value(c),
                   peer_retired_in(p, c) ? " (retired)" : "");
        printf("%s\n", json_array_size(json_object_get(p, "channels")) ? "" : " (none)");
    }
}

static int peer_list(const struct peer_args *a)
{
    struct cli_node n;
    struct hl_error err;
    if (cli_node_open("peer", a->dir, false, &n))
        return CLI_ERROR;
    hl_error_clear(&err);
    struct list_ctx l = {n.store, json_array(), &err};
    int r = l.peers ? store_peer_list(n.store, list_peer, &l, &err)
                    : hl_fail(&err, HL_E_NOMEM, NULL, "out of memory");
    if (r)
        cli_report(&err);
    else if (a->json) {
        json_t *j = json_pack("{s:O}", "peers", l.peers);
        r = cli_json_print(j) ? -HL_E_IO : 0;
        json_decref(j);
    } else
        peer_list_print(l.peers);
    json_decref(l.peers);
    cli_node_close(&n);
    return r ? CLI_ERROR : CLI_OK;
}

/* The peer row and its account go; refused while it is in a channel. */
static int peer_remove_in(struct cli_node *n, const char *name, struct hl_error *err)
{
    struct store_peer p;
    struct store_user u;
    json_t *channels = json_array();
    int r = channels ? store_peer_get_by_name(n->store, name, &p, err) : -HL_E_NOMEM;
    if (!r)
        r = peer_channels(n->store, p.party_id, channels, NULL, err);
    if (!r && json_array_size(channels)) {
        size_t i;
        const json_t *c;
        fprintf(stderr, "hotline peer: %s is a member of channel", name);
        json_array_foreach(channels, i, c)
            fprintf(stderr, "%s%s", i ? ", " : " ", json_string_value(c));
        fprintf(stderr, "; a member stays a member (its log is part of the channel), so it "
                        "cannot be removed\n");
        r = -HL_E_CONFLICT;
        hl_error_clear(err);
    }
    if (!r)
        r = store_begin(n->store, err);
    if (!r)
        r = store_peer_remove(n->store, name, err);
    if (!r && store_user_get(n->store, name, &u, err) == 0 && strcmp(u.party_id, p.party_id) == 0)
        r = store_user_remove(n->store, name, err);
    if (!r)
        r = store_commit(n->store, err);
    sodium_memzero(&p, sizeof p);
    json_decref(channels);
    return r;
}

static int peer_remove(const struct peer_args *a, const char *name)
{
    struct cli_node n;
    struct hl_error err;
    if (cli_node_open("peer", a->dir, false, &n))
        return CLI_ERROR;
    hl_error_clear(&err);
    int r = peer_remove_in(&n, name, &err);
    if (r == -HL_E_NOT_FOUND)
        fprintf(stderr, "hotline peer: no peer '%s' in %s\n", name, a->dir);
    else if (r && err.code)
        cli_report(&err);
    cli_node_close(&n);
    return r ? CLI_ERROR : CLI_OK;
}

static int peer_card(const struct peer_args *a)
{
    struct cli_node n;
    struct hl_error err;
    json_t *card = NULL;
    char url[STORE_URL_MAX + 1];
    if (a->url && !peer_url(a->url, url))
        return cli_usage_error("peer", "--url must be https://HOST:PORT");
    if (cli_node_open("peer", a->dir, false, &n))
        return CLI_ERROR;
    hl_error_clear(&err);
    int r = cli_card_build(a->dir, &n, a->url ? url : NULL, &card, &err);
    const char *made = cli_jstr(card, "url");
    if (r)
        cli_report(&err);
    else
        r = cli_json_print(card);
    /* A wildcard or loopback listen address reaches no other machine. */
    if (!r && !a->url && made &&
        (strncmp(made, "https://0.0.0.0:", 16) == 0 || strncmp(made, "https://[::]:", 13) == 0 ||
         strncmp(made, "https://127.", 12) == 0 || strncmp(made, "https://[::1]:", 14) == 0))
        fprintf(stderr,
                "hotline peer: the card's url %s comes from hotline.conf's listen and is not "
                "reachable from another machine; give --url https://HOST:PORT\n",
                made);
    json_decref(card);
    cli_node_close(&n);
    return r ? CLI_ERROR : CLI_OK;
}

/* Which options each verb takes: card add set list remove. */
static int peer_check_opts(const struct peer_args *a, const char *verb)
{
    bool add = !strcmp(verb, "add"), set = !strcmp(verb, "set"), card = !strcmp(verb, "card");
    if ((a->party || a->public_key) && !add)
        return cli_usage_error("peer", "--party and --public-key belong to add");
    if (a->card && !add && !set)
        return cli_usage_error("peer", "--card belongs to add and set");
    if ((a->token || a->fingerprint) && !add && !set)
        return cli_usage_error("peer", "--token and --cert-fingerprint belong to add and set");
    if (a->url && !add && !set && !card)
        return cli_usage_error("peer", "--url belongs to card, add and set");
    if (a->json && strcmp(verb, "list") && !add)
        return cli_usage_error("peer", "--json belongs to add and list");
    bool named = add || set || !strcmp(verb, "remove");
    if (a->n_operands != (named ? 2 : 1))
        return cli_usage_error("peer", named ? "%s needs one NAME" : "%s takes no NAME", verb);
    return CLI_OK;
}

int cli_peer(int argc, char **argv)
{
    struct peer_args a;
    memset(&a, 0, sizeof a);
    const struct cli_opt opts[] = {
        {"--data", NULL, &a.dir, NULL},
        {"--card", NULL, &a.card, NULL},
        {"--party", NULL, &a.party, NULL},
        {"--public-key", NULL, &a.public_key, NULL},
        {"--cert-fingerprint", NULL, &a.fingerprint, NULL},
        {"--url", NULL, &a.url, NULL},
        {"--token", NULL, &a.token, NULL},
        {"--json", NULL, NULL, &a.json},
        {NULL, NULL, NULL, NULL},
    };
    if (cli_wants_help(argc, argv)) {
        peer_help();
        return CLI_OK;
    }
    if (cli_parse_opts("peer", argc, argv, opts, a.operands, 2, &a.n_operands))
        return CLI_ERROR;
    const char *verb = a.n_operands ? a.operands[0] : "";
    static const char *const verbs[] = {"card", "add", "set", "list", "remove"};
    size_t v = 0;
    while (v < 5 && strcmp(verb, verbs[v]))
        v++;
    if (v == 5)
        return cli_usage_error("peer", "expected card, add, set, list or remove");
    if (peer_check_opts(&a, verb))
        return CLI_ERROR;
    switch (v) {
    case 0:
        return peer_card(&a);
    case 1:
        return peer_add(&a, a.operands[1]);
    case 2:
        return peer_set(&a, a.operands[1]);
    case 3:
        return peer_list(&a);
    default:
        return peer_remove(&a, a.operands[1]);
    }
}
