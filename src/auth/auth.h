/*
 * auth.h — who may use a node's API, and what each may do on each channel.
 *
 * Users and tokens. A user of the TAXII API has a name, a token and per-
 * channel rights (AUTH_READ, AUTH_WRITE); an administrator has both on
 * every channel. A token is 32 random bytes written as 43 characters of
 * base64url without padding (RFC 4648 §5). The node keeps only SHA-256 of
 * the token's 43 characters: the token is shown once when it is made and
 * cannot be recovered from the database, only replaced. Since a token
 * carries 256 bits of randomness, one SHA-256 is enough (no slow password
 * hash): nobody can search a space that size.
 *
 * Credentials (TAXII 2.1 §1.6.9 names HTTP Basic; Bearer is accepted too):
 *   - Basic NAME:TOKEN — the user's stored hash is compared with the
 *     token's hash in constant time (sodium_memcmp); an unknown NAME costs
 *     the same comparison against a dummy hash;
 *   - Bearer TOKEN — the token's hash is looked up (a unique index); the
 *     lookup's timing depends only on the hash, which reveals nothing of
 *     a token not yet known.
 * Every failure is the same HL_E_PERM "invalid credentials": an answer
 * never says whether the name or the token was wrong.
 *
 * Layering: auth uses store (users, rights) and ledger (SHA-256); taxii
 * and the CLI use auth.
 */
#ifndef HL_AUTH_H
#define HL_AUTH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/base.h"
#include "store/store.h"

#define AUTH_TOKEN_LEN 43 /* base64url, no padding, of 32 random bytes */
enum { AUTH_READ = 1, AUTH_WRITE = 2 };
struct auth_user {
    char name[STORE_TEXT_MAX + 1];
    bool admin;
    /* The identity id of the peer party this account belongs to (a peer
     * node's inbound account, made by `hotline peer add`), "" for a
     * person. A request of a peer user carries the peer's party. */
    char party[STORE_TEXT_MAX + 1];
};

/* New random token (NUL-terminated, AUTH_TOKEN_LEN chars) and its stored
 * hash. On failure both are zeroed. */
HL_MUST_CHECK int auth_token_new(char token[AUTH_TOKEN_LEN + 1], uint8_t hash[32],
                                 struct hl_error *err);
/* Checks credentials against the store: user NULL means a bearer token
 * (looked up by its hash); otherwise the user's stored hash is compared
 * with the token's in constant time. 0 and *out filled, or -HL_E_PERM
 * ("invalid credentials", never saying which part); a failing store is its
 * own error (HL_E_STORE, ...), so that a server answers 500, not 401. */
HL_MUST_CHECK int auth_check(struct store *s, const char *user, const char *token,
                             struct auth_user *out, struct hl_error *err);
/* AUTH_READ|AUTH_WRITE bits of user on channel (admin: both on every
 * channel; unknown: 0). */
HL_MUST_CHECK int auth_rights(struct store *s, const struct auth_user *u, const char *channel,
                              unsigned *rights, struct hl_error *err);

/* ---- managing users (hotline init, hotline user) ------------------------ */

/* A user name is 1..AUTH_NAME_MAX characters of [A-Za-z0-9._@-], starting
 * with a letter or digit: it travels in HTTP Basic credentials (no ':',
 * RFC 7617 §2), in log lines and on command lines. */
#define AUTH_NAME_MAX 64
bool auth_name_valid(const char *name);

/* One channel's rights in a grant list. */
struct auth_grant {
    const char *channel;
    unsigned rights; /* AUTH_READ | AUTH_WRITE, not 0 */
};

/* Adds user name (admin or not) with the rights of grants[0..n) and a new
 * token, written to token. It opens no transaction: call it between
 * store_begin and store_commit so that the user and all its rights are
 * stored together or not at all. HL_E_INVALID for a bad name or rights,
 * HL_E_EXISTS for a taken name, HL_E_NOT_FOUND for an unknown channel. On
 * failure token is zeroed. */
HL_MUST_CHECK int auth_user_add(struct store *s, const char *name, bool admin,
                                const struct auth_grant *grants, size_t n,
                                char token[AUTH_TOKEN_LEN + 1], struct hl_error *err);
/* Adds the inbound account of a peer party: user name (not admin, no
 * rights yet: grant them per channel the peer is a member of) bound to
 * the known party party_id, with a new token written to token. Same
 * contract as auth_user_add otherwise (no transaction of its own;
 * HL_E_NOT_FOUND for an unknown party). On failure token is zeroed. */
HL_MUST_CHECK int auth_peer_user_add(struct store *s, const char *name, const char *party_id,
                                     char token[AUTH_TOKEN_LEN + 1], struct hl_error *err);
/* Gives user name a new token (the old one stops working at once).
 * HL_E_NOT_FOUND if unknown. On failure token is zeroed. */
HL_MUST_CHECK int auth_token_reset(struct store *s, const char *name,
                                   char token[AUTH_TOKEN_LEN + 1], struct hl_error *err);

#endif
