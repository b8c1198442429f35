/*
 * auth.c — tokens, credential checks and rights (auth.h).
 *
 * The stored form of a token is SHA-256 over its 43 ASCII characters, so
 * a check hashes what the client sent, as sent, and never decodes it. A
 * presented token that is not 43 characters of the base64url alphabet
 * cannot be one we issued and is refused before any lookup (its length is
 * no secret). Secrets on the stack — raw token bytes, hashes — are wiped
 * on every path.
 */
#include "auth.h"

#include <sodium.h>
#include <string.h>
#include <time.h>

#include "ledger/ledger.h"

_Static_assert(AUTH_READ == STORE_RIGHT_READ && AUTH_WRITE == STORE_RIGHT_WRITE,
               "auth rights are the store's rights bits");
_Static_assert(LEDGER_HASH_BYTES == STORE_HASH_BYTES, "a token hash is one store hash");

#define AUTH_TOKEN_RAW 32

static HL_MUST_CHECK int auth_invalid(struct hl_error *err)
{
    return hl_fail(err, HL_E_PERM, NULL, "invalid credentials");
}

static bool b64url_char(char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
           c == '_';
}

/* True if t has the form of a token we issue: exactly AUTH_TOKEN_LEN
 * base64url characters. */
static bool token_well_formed(const char *t)
{
    if (!t || strnlen(t, AUTH_TOKEN_LEN + 1) != AUTH_TOKEN_LEN)
        return false;
    for (size_t i = 0; i < AUTH_TOKEN_LEN; i++)
        if (!b64url_char(t[i]))
            return false;
    return true;
}

static HL_MUST_CHECK int token_hash(const char *token, uint8_t hash[32], struct hl_error *err)
{
    if (ledger_sha256(token, AUTH_TOKEN_LEN, hash))
        return hl_fail(err, HL_E_CRYPTO, NULL, "auth: SHA-256 failed");
    return 0;
}

int auth_token_new(char token[AUTH_TOKEN_LEN + 1], uint8_t hash[32], struct hl_error *err)
{
    uint8_t raw[AUTH_TOKEN_RAW];
    memset(token, 0, AUTH_TOKEN_LEN + 1);
    memset(hash, 0, 32);
    if (sodium_init() < 0)
        return hl_fail(err, HL_E_CRYPTO, NULL, "auth: libsodium did not initialise");
    randombytes_buf(raw, sizeof raw);
    sodium_bin2base64(token, AUTH_TOKEN_LEN + 1, raw, sizeof raw,
                      sodium_base64_VARIANT_URLSAFE_NO_PADDING);
    sodium_memzero(raw, sizeof raw);
    int r = token_hash(token, hash, err);
    if (r)
        sodium_memzero(token, AUTH_TOKEN_LEN + 1);
    return r;
}

/* Basic: the user's hash against the token's, in constant time; an
 * unknown user is compared against a dummy so that it costs the same. */
static HL_MUST_CHECK int check_basic(struct store *s, const char *user, const uint8_t hash[32],
                                     struct store_user *u, struct hl_error *err)
{
    static const uint8_t dummy[STORE_HASH_BYTES];
    int r = auth_name_valid(user) ? store_user_get(s, user, u, err) : -HL_E_NOT_FOUND;
    if (r && r != -HL_E_NOT_FOUND)
        return r;
    int differs = sodium_memcmp(r ? dummy : u->token_hash, hash, STORE_HASH_BYTES);
    return r || differs ? auth_invalid(err) : 0;
}

int auth_check(struct store *s, const char *user, const char *token, struct auth_user *out,
               struct hl_error *err)
{
    uint8_t hash[STORE_HASH_BYTES];
    struct store_user u;
    if (!out)
        return hl_fail(err, HL_E_INVALID, NULL, "auth: no place for the user");
    memset(out, 0, sizeof *out);
    memset(&u, 0, sizeof u);
    if (!token_well_formed(token))
        return auth_invalid(err);
    int r = token_hash(token, hash, err);
    if (!r && user)
        r = check_basic(s, user, hash, &u, err);
    else if (!r) {
        r = store_user_find_token(s, hash, &u, err);
        if (r == -HL_E_NOT_FOUND)
            r = auth_invalid(err);
    }
    if (!r) {
        memcpy(out->name, u.name, sizeof out->name);
        memcpy(out->party, u.party_id, sizeof out->party);
        out->admin = u.admin;
    }
    sodium_memzero(hash, sizeof hash);
    sodium_memzero(&u, sizeof u);
    return r;
}

int auth_rights(struct store *s, const struct auth_user *u, const char *channel, unsigned *rights,
                struct hl_error *err)
{
    if (!rights || !u)
        return hl_fail(err, HL_E_INVALID, NULL, "auth: no user or no place for the rights");
    *rights = 0;
    if (u->admin) {
        *rights = AUTH_READ | AUTH_WRITE;
        return 0;
    }
    if (!u->name[0])
        return 0;
    return store_user_rights(s, u->name, channel, rights, err);
}

bool auth_name_valid(const char *name)
{
    if (!name || !name[0] || strnlen(name, AUTH_NAME_MAX + 1) > AUTH_NAME_MAX)
        return false;
    for (const char *p = name; *p; p++) {
        bool alnum =
            (*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9');
        if (!alnum && (p == name || !strchr("._@-", *p)))
            return false;
    }
    return true;
}

/* Adds user name (party_id "" for a person) with a new token and the
 * rights of grants[0..n). */
static HL_MUST_CHECK int user_add(struct store *s, const char *name, bool admin,
                                  const char *party_id, const struct auth_grant *grants, size_t n,
                                  char token[AUTH_TOKEN_LEN + 1], struct hl_error *err)
{
    struct store_user u;
    memset(&u, 0, sizeof u);
    memset(token, 0, AUTH_TOKEN_LEN + 1);
    if (!auth_name_valid(name))
        return hl_fail(err, HL_E_INVALID, name,
                       "a user name is 1 to %d characters of A-Z a-z 0-9 . _ @ -, "
                       "starting with a letter or digit",
                       AUTH_NAME_MAX);
    for (size_t i = 0; i < n; i++)
        if (!grants[i].channel || grants[i].rights == 0 ||
            (grants[i].rights & ~(unsigned)(AUTH_READ | AUTH_WRITE)))
            return hl_fail(err, HL_E_INVALID, grants[i].channel, "auth: bad rights in grant %zu",
                           i);
    if (!party_id || strnlen(party_id, sizeof u.party_id) >= sizeof u.party_id)
        return hl_fail(err, HL_E_INVALID, NULL, "auth: bad party id");
    memcpy(u.name, name, strlen(name) + 1);
    memcpy(u.party_id, party_id, strlen(party_id) + 1);
    u.admin = admin;
    u.created_us = hl_wall_us();
    int r = auth_token_new(token, u.token_hash, err);
    if (!r)
        r = store_user_add(s, &u, err);
    for (size_t i = 0; !r && i < n; i++)
        r = store_user_right_set(s, name, grants[i].channel, grants[i].rights, err);
    if (r)
        sodium_memzero(token, AUTH_TOKEN_LEN + 1);
    sodium_memzero(&u, sizeof u);
    return r;
}

int auth_user_add(struct store *s, const char *name, bool admin, const struct auth_grant *grants,
                  size_t n, char token[AUTH_TOKEN_LEN + 1], struct hl_error *err)
{
    return user_add(s, name, admin, "", grants, n, token, err);
}

int auth_peer_user_add(struct store *s, const char *name, const char *party_id,
                       char token[AUTH_TOKEN_LEN + 1], struct hl_error *err)
{
    if (!party_id || !party_id[0]) {
        memset(token, 0, AUTH_TOKEN_LEN + 1);
        return hl_fail(err, HL_E_INVALID, NULL, "auth: a peer's user needs its party");
    }
    return user_add(s, name, false, party_id, NULL, 0, token, err);
}

int auth_token_reset(struct store *s, const char *name, char token[AUTH_TOKEN_LEN + 1],
                     struct hl_error *err)
{
    uint8_t hash[STORE_HASH_BYTES];
    int r = auth_token_new(token, hash, err);
    if (!r)
        r = store_user_token_set(s, name, hash, err);
    if (r)
        sodium_memzero(token, AUTH_TOKEN_LEN + 1);
    sodium_memzero(hash, sizeof hash);
    return r;
}
