/*
 * sqlite_user.c — the SQLite backend's users of the node's API and their
 * per-channel rights (schema step 2: tables users, user_rights).
 *
 * What is stored. A user is a name, the SHA-256 of its token (src/auth/
 * makes tokens and hashes them; the token itself never reaches the store),
 * an admin flag, a creation time and (schema step 4) the party a peer
 * node's account belongs to, NULL for a person. Rights are one row per (user,
 * channel) holding STORE_RIGHT_* bits, 1..3: "no rights" is the absence of
 * a row, never a row holding 0. Removing a user removes its rights (the
 * foreign key cascades), in the same statement.
 *
 * Reading back. As everywhere in the store, the file is hostile: a hash
 * that is not 32 bytes, an admin flag other than 0 or 1, or rights outside
 * 1..3 are HL_E_STORE naming the table and row, never a silently widened
 * right.
 */
#include "sqlite_int.h"

#include <string.h>

/* The columns of SQ_USER_GET, SQ_USER_BY_TOKEN and SQ_USER_LIST, in this
 * order: id, name, token_hash, admin, created_us, party_id (NULL for a
 * person). *id may be NULL. */
static HL_MUST_CHECK int user_read(sqlite3_stmt *st, struct store_user *u, int64_t *id,
                                   struct hl_error *err)
{
    int64_t key = 0, admin = 0;
    memset(u, 0, sizeof *u);
    int r = sq_col_i64(st, 0, "users", -1, &key, err);
    if (!r)
        r = sq_col_text(st, 1, "users", key, u->name, STORE_TEXT_MAX, err);
    if (!r)
        r = sq_col_fixed(st, 2, "users", key, u->token_hash, STORE_HASH_BYTES, err);
    if (!r)
        r = sq_col_i64(st, 3, "users", key, &admin, err);
    if (!r && admin != 0 && admin != 1)
        r = hl_fail(err, HL_E_STORE, "users",
                    "store corrupt: table users row %lld: admin is %lld, expected 0 or 1",
                    (long long)key, (long long)admin);
    if (!r)
        r = sq_col_i64(st, 4, "users", key, &u->created_us, err);
    if (!r && sqlite3_column_type(st, 5) != SQLITE_NULL)
        r = sq_col_text(st, 5, "users", key, u->party_id, STORE_TEXT_MAX, err);
    u->admin = admin == 1;
    if (id)
        *id = key;
    if (r)
        memset(u, 0, sizeof *u);
    return r;
}

/* Runs the bound single-row user query st; HL_E_NOT_FOUND (naming what)
 * if it returns no row. */
static HL_MUST_CHECK int user_one(struct store_sqlite *q, sqlite3_stmt *st, const char *what,
                                  struct store_user *out, int64_t *id, struct hl_error *err)
{
    int r = sq_step(q, st, "user", err);
    if (r == 0)
        return hl_fail(err, HL_E_NOT_FOUND, what, "store: no user %s", what);
    if (r == 1)
        r = user_read(st, out, id, err);
    sqlite3_reset(st);
    return r;
}

/* The user named name, and its row id. */
static HL_MUST_CHECK int user_by_name(struct store_sqlite *q, const char *name,
                                      struct store_user *out, int64_t *id, struct hl_error *err)
{
    sqlite3_stmt *st = NULL;
    int r = sq_stmt(q, SQ_USER_GET, &st, err);
    if (!r)
        r = sq_bind_text(q, st, 1, name, err);
    return r ? r : user_one(q, st, name, out, id, err);
}

int sq_user_add(struct store *s, const struct store_user *u, struct hl_error *err)
{
    struct store_sqlite *q = sq_of(s);
    sqlite3_stmt *st = NULL;
    int r = sq_stmt(q, SQ_USER_ADD, &st, err);
    if (!r)
        r = sq_bind_text(q, st, 1, u->name, err);
    if (!r)
        r = sq_bind_blob(q, st, 2, u->token_hash, STORE_HASH_BYTES, err);
    if (!r)
        r = sq_bind_i64(q, st, 3, u->admin ? 1 : 0, err);
    if (!r)
        r = sq_bind_i64(q, st, 4, u->created_us, err);
    if (!r && u->party_id[0])
        r = sq_bind_text(q, st, 5, u->party_id, err); /* else NULL: a person */
    if (!r)
        r = sq_exec(q, st, "user", err);
    if (r == -HL_E_NOT_FOUND)
        return hl_fail(err, HL_E_NOT_FOUND, u->party_id, "store: no party %s", u->party_id);
    if (r == -HL_E_EXISTS)
        return hl_fail(err, HL_E_EXISTS, u->name, "store: user %s exists", u->name);
    return r;
}

int sq_user_get(struct store *s, const char *name, struct store_user *out, struct hl_error *err)
{
    return user_by_name(sq_of(s), name, out, NULL, err);
}

int sq_user_find_token(struct store *s, const uint8_t hash[STORE_HASH_BYTES],
                       struct store_user *out, struct hl_error *err)
{
    struct store_sqlite *q = sq_of(s);
    sqlite3_stmt *st = NULL;
    int r = sq_stmt(q, SQ_USER_BY_TOKEN, &st, err);
    if (!r)
        r = sq_bind_blob(q, st, 1, hash, STORE_HASH_BYTES, err);
    return r ? r : user_one(q, st, "with that token", out, NULL, err);
}

/* Runs the bound statement st, which changes the row of user name:
 * HL_E_NOT_FOUND if it changed none. */
static HL_MUST_CHECK int user_change(struct store_sqlite *q, sqlite3_stmt *st, const char *name,
                                     struct hl_error *err)
{
    int r = sq_exec(q, st, "user", err);
    if (!r && sqlite3_changes(q->db) == 0)
        r = hl_fail(err, HL_E_NOT_FOUND, name, "store: no user %s", name);
    return r;
}

int sq_user_token_set(struct store *s, const char *name, const uint8_t hash[STORE_HASH_BYTES],
                      struct hl_error *err)
{
    struct store_sqlite *q = sq_of(s);
    sqlite3_stmt *st = NULL;
    int r = sq_stmt(q, SQ_USER_TOKEN_SET, &st, err);
    if (!r)
        r = sq_bind_text(q, st, 1, name, err);
    if (!r)
        r = sq_bind_blob(q, st, 2, hash, STORE_HASH_BYTES, err);
    return r ? r : user_change(q, st, name, err);
}

int sq_user_remove(struct store *s, const char *name, struct hl_error *err)
{
    struct store_sqlite *q = sq_of(s);
    sqlite3_stmt *st = NULL;
    int r = sq_stmt(q, SQ_USER_REMOVE, &st, err);
    if (!r)
        r = sq_bind_text(q, st, 1, name, err);
    return r ? r : user_change(q, st, name, err);
}

int sq_user_list(struct store *s, store_user_fn fn, void *ctx, struct hl_error *err)
{
    struct store_sqlite *q = sq_of(s);
    sqlite3_stmt *st = NULL;
    struct store_user u;
    int r = sq_stmt(q, SQ_USER_LIST, &st, err);
    while (!r && (r = sq_step(q, st, "user", err)) == 1) {
        r = user_read(st, &u, NULL, err);
        if (!r)
            r = fn(ctx, &u);
    }
    if (st)
        sqlite3_reset(st);
    return r;
}

int sq_user_right_set(struct store *s, const char *name, const char *channel, unsigned rights,
                      struct hl_error *err)
{
    struct store_sqlite *q = sq_of(s);
    sqlite3_stmt *st = NULL;
    struct store_user u;
    int64_t uid = 0, cid = 0;
    int r = user_by_name(q, name, &u, &uid, err);
    if (!r)
        r = sq_channel_id(q, channel, &cid, err);
    if (!r)
        r = sq_stmt(q, rights ? SQ_USER_RIGHT_PUT : SQ_USER_RIGHT_DELETE, &st, err);
    if (!r)
        r = sq_bind_i64(q, st, 1, uid, err);
    if (!r)
        r = sq_bind_i64(q, st, 2, cid, err);
    if (!r && rights)
        r = sq_bind_i64(q, st, 3, (int64_t)rights, err);
    return r ? r : sq_exec(q, st, "user rights", err);
}

/* Rights bits read back from the file: 1..3 or corruption. */
static HL_MUST_CHECK int rights_read(sqlite3_stmt *st, int col, unsigned *out, struct hl_error *err)
{
    int64_t v = 0;
    *out = 0;
    int r = sq_col_i64(st, col, "user_rights", -1, &v, err);
    if (!r && (v < 1 || v > (int64_t)STORE_RIGHTS_ALL))
        r = hl_fail(err, HL_E_STORE, "user_rights",
                    "store corrupt: table user_rights: rights %lld, expected 1..3", (long long)v);
    if (!r)
        *out = (unsigned)v;
    return r;
}

int sq_user_rights(struct store *s, const char *name, const char *channel, unsigned *rights,
                   struct hl_error *err)
{
    struct store_sqlite *q = sq_of(s);
    sqlite3_stmt *st = NULL;
    *rights = 0;
    int r = sq_stmt(q, SQ_USER_RIGHTS, &st, err);
    if (!r)
        r = sq_bind_text(q, st, 1, name, err);
    if (!r)
        r = sq_bind_text(q, st, 2, channel, err);
    if (!r)
        r = sq_step(q, st, "user rights", err);
    if (r == 1)
        r = rights_read(st, 0, rights, err);
    if (st)
        sqlite3_reset(st);
    return r;
}

int sq_user_right_list(struct store *s, const char *name, store_user_right_fn fn, void *ctx,
                       struct hl_error *err)
{
    struct store_sqlite *q = sq_of(s);
    sqlite3_stmt *st = NULL;
    struct store_user u;
    struct store_user_right ur;
    int64_t uid = 0;
    int r = user_by_name(q, name, &u, &uid, err);
    if (!r)
        r = sq_stmt(q, SQ_USER_RIGHT_LIST, &st, err);
    if (!r)
        r = sq_bind_i64(q, st, 1, uid, err);
    while (!r && (r = sq_step(q, st, "user rights", err)) == 1) {
        memset(&ur, 0, sizeof ur);
        r = sq_col_text(st, 0, "user_rights", uid, ur.channel, STORE_TEXT_MAX, err);
        if (!r)
            r = rights_read(st, 1, &ur.rights, err);
        if (!r)
            r = fn(ctx, &ur);
    }
    if (st)
        sqlite3_reset(st);
    return r;
}
