/*
 * sqlite_fed.c — the SQLite backend of store.h's federation part (schema
 * step 4): peers, pending channel members, alarms, replication state and
 * TLP holdings. store_fed.c has checked every argument.
 *
 * What is stored, and what is enforced by the engine as well:
 *   peers          one row per peer party (party_id is a parties row);
 *                  name UNIQUE; cert_sha256 exactly 64 characters. The
 *                  token is our secret at the peer: stored as given (we
 *                  must present it), read back only into the caller's
 *                  struct, never into an error message.
 *   channel_pending (channel, peer name) of members named before the peer
 *                  was known; a channel with no row here is active.
 *   alarms         kept forever; UNIQUE(kind, party_id, channel_id, seq,
 *                  b_sha256), b_sha256 = SHA-256 of evidence B computed
 *                  here (GnuTLS), so re-detecting one equivocation adds
 *                  nothing (INSERT ... ON CONFLICT DO NOTHING).
 *   repl_state     one row per (peer, channel), replaced whole.
 *   tlp_held       one row per (stix id, channel); a second hold keeps the
 *                  stricter TLP (rank: RED 3, AMBER+STRICT 2, AMBER 1).
 *
 * Reading back. The file is hostile: a fingerprint that is not 64 hex
 * digits, a TLP outside the three, an alarm kind we do not know, or a
 * negative count is HL_E_STORE naming table and row.
 */
#include "sqlite_int.h"

#include <gnutls/crypto.h>
#include <string.h>

#define PEER_COLS "party_id, name, url, cert_sha256, token, added_us, next_cert_sha256"
#define TLP_RANK(x)                                                                                \
    "(CASE " x " WHEN 'TLP:RED' THEN 3 WHEN 'TLP:AMBER+STRICT' THEN 2 WHEN 'TLP:AMBER' THEN 1"     \
    " ELSE 0 END)"

static const char *const fed_sql[SQ_WF_FIRST - SQ_FED_FIRST] = {
    [SQ_PEER_PUT - SQ_FED_FIRST] =
        "INSERT INTO peers(" PEER_COLS ") VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7)"
        " ON CONFLICT(party_id) DO UPDATE SET name = excluded.name, url = excluded.url,"
        " cert_sha256 = excluded.cert_sha256, token = excluded.token,"
        " added_us = excluded.added_us, next_cert_sha256 = excluded.next_cert_sha256",
    [SQ_PEER_GET - SQ_FED_FIRST] = "SELECT " PEER_COLS " FROM peers WHERE party_id = ?1",
    [SQ_PEER_BY_NAME - SQ_FED_FIRST] = "SELECT " PEER_COLS " FROM peers WHERE name = ?1",
    [SQ_PEER_LIST - SQ_FED_FIRST] = "SELECT " PEER_COLS " FROM peers ORDER BY name",
    [SQ_PEER_REMOVE - SQ_FED_FIRST] = "DELETE FROM peers WHERE name = ?1",
    [SQ_MEMBER_RETIRE - SQ_FED_FIRST] = "UPDATE channel_members SET retired_us = ?3"
                                        " WHERE channel_id = ?1 AND party_id = ?2",
    [SQ_MEMBER_RETIRED - SQ_FED_FIRST] = "SELECT retired_us FROM channel_members"
                                         " WHERE channel_id = ?1 AND party_id = ?2",
    [SQ_PENDING_ADD - SQ_FED_FIRST] = "INSERT INTO channel_pending(channel_id, name)"
                                      " VALUES(?1, ?2) ON CONFLICT DO NOTHING",
    [SQ_PENDING_LIST - SQ_FED_FIRST] = "SELECT c.name, p.name FROM channel_pending p"
                                       " JOIN channels c ON c.id = p.channel_id"
                                       " WHERE p.channel_id = ?1 ORDER BY p.name",
    [SQ_PENDING_LIST_ALL - SQ_FED_FIRST] = "SELECT c.name, p.name FROM channel_pending p"
                                           " JOIN channels c ON c.id = p.channel_id"
                                           " ORDER BY c.name, p.name",
    [SQ_PENDING_REMOVE - SQ_FED_FIRST] =
        "DELETE FROM channel_pending WHERE channel_id = ?1 AND name = ?2",
    [SQ_PENDING_COUNT - SQ_FED_FIRST] =
        "SELECT count(*) FROM channel_pending WHERE channel_id = ?1",
    [SQ_ALARM_ADD - SQ_FED_FIRST] =
        "INSERT INTO alarms(kind, party_id, channel_id, seq, created_us, detail, evidence_a,"
        " evidence_b, b_sha256) VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)"
        " ON CONFLICT(kind, party_id, channel_id, seq, b_sha256) DO NOTHING",
    [SQ_ALARM_LIST - SQ_FED_FIRST] =
        "SELECT a.id, a.kind, a.party_id, c.name, a.seq, a.created_us, a.detail, a.evidence_a,"
        " a.evidence_b FROM alarms a JOIN channels c ON c.id = a.channel_id"
        " WHERE ?1 IS NULL OR c.name = ?1 ORDER BY a.id",
    [SQ_REPL_STATE_PUT - SQ_FED_FIRST] =
        "INSERT INTO repl_state(peer_id, channel_id, push_seq, last_ok_us, last_try_us,"
        " last_error, failures, clock_skew_ms) VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)"
        " ON CONFLICT(peer_id, channel_id) DO UPDATE SET push_seq = excluded.push_seq,"
        " last_ok_us = excluded.last_ok_us, last_try_us = excluded.last_try_us,"
        " last_error = excluded.last_error, failures = excluded.failures,"
        " clock_skew_ms = excluded.clock_skew_ms",
    [SQ_REPL_STATE_GET - SQ_FED_FIRST] =
        "SELECT push_seq, last_ok_us, last_try_us, last_error, failures, clock_skew_ms"
        " FROM repl_state WHERE peer_id = ?1 AND channel_id = ?2",
    [SQ_TLP_HOLD - SQ_FED_FIRST] =
        "INSERT INTO tlp_held(stix_id, channel_id, tlp) VALUES(?1, ?2, ?3)"
        " ON CONFLICT(stix_id, channel_id) DO UPDATE SET tlp = CASE WHEN " TLP_RANK(
            "excluded.tlp") " > " TLP_RANK("tlp") " THEN excluded.tlp ELSE tlp END",
    [SQ_TLP_FIND - SQ_FED_FIRST] = "SELECT c.name, t.tlp FROM tlp_held t"
                                   " JOIN channels c ON c.id = t.channel_id"
                                   " WHERE t.stix_id = ?1 ORDER BY c.name",
};

const char *sq_fed_sql(enum sq_stmt_id id)
{
    if (id < SQ_FED_FIRST || id >= SQ_WF_FIRST)
        return NULL;
    return fed_sql[id - SQ_FED_FIRST];
}

/* ---- peers ------------------------------------------------------------------ */

/* The PEER_COLS of the current row into *p (zeroed on failure). */
static HL_MUST_CHECK int peer_read(sqlite3_stmt *st, struct store_peer *p, struct hl_error *err)
{
    memset(p, 0, sizeof *p);
    int r = sq_col_text(st, 0, "peers", 0, p->party_id, STORE_TEXT_MAX, err);
    if (!r)
        r = sq_col_text(st, 1, "peers", 0, p->name, STORE_TEXT_MAX, err);
    if (!r)
        r = sq_col_text(st, 2, "peers", 0, p->url, STORE_URL_MAX, err);
    if (!r)
        r = sq_col_text(st, 3, "peers", 0, p->cert_sha256, STORE_FINGERPRINT_LEN, err);
    if (!r && !hl_hex_is(p->cert_sha256, STORE_FINGERPRINT_LEN))
        r = hl_fail(err, HL_E_STORE, "peers",
                    "store corrupt: table peers, peer %s: cert_sha256 is not 64 hex digits",
                    p->name);
    if (!r)
        r = sq_col_text(st, 4, "peers", 0, p->token, STORE_TEXT_MAX, err);
    if (!r)
        r = sq_col_i64(st, 5, "peers", 0, &p->added_us, err);
    if (!r)
        r = sq_col_text(st, 6, "peers", 0, p->next_cert_sha256, STORE_FINGERPRINT_LEN, err);
    if (!r && p->next_cert_sha256[0] && !hl_hex_is(p->next_cert_sha256, STORE_FINGERPRINT_LEN))
        r = hl_fail(err, HL_E_STORE, "peers",
                    "store corrupt: table peers, peer %s: next_cert_sha256 is not 64 hex digits",
                    p->name);
    if (r)
        memset(p, 0, sizeof *p);
    return r;
}

int sq_peer_put(struct store *s, const struct store_peer *p, struct hl_error *err)
{
    struct store_sqlite *q = sq_of(s);
    sqlite3_stmt *st = NULL;
    int r = sq_stmt(q, SQ_PEER_PUT, &st, err);
    if (!r)
        r = sq_bind_text(q, st, 1, p->party_id, err);
    if (!r)
        r = sq_bind_text(q, st, 2, p->name, err);
    if (!r)
        r = sq_bind_text(q, st, 3, p->url, err);
    if (!r)
        r = sq_bind_text(q, st, 4, p->cert_sha256, err);
    if (!r)
        r = sq_bind_text(q, st, 5, p->token, err);
    if (!r)
        r = sq_bind_i64(q, st, 6, p->added_us, err);
    if (!r)
        r = sq_bind_text(q, st, 7, p->next_cert_sha256, err);
    if (!r)
        r = sq_exec(q, st, "peer", err);
    if (r == -HL_E_EXISTS)
        return hl_fail(err, HL_E_EXISTS, p->name, "store: a peer named %s exists", p->name);
    if (r == -HL_E_NOT_FOUND)
        return hl_fail(err, HL_E_NOT_FOUND, p->party_id, "store: no party %s", p->party_id);
    return r;
}

int sq_peer_get(struct store *s, const char *party_id, const char *name, struct store_peer *out,
                struct hl_error *err)
{
    struct store_sqlite *q = sq_of(s);
    sqlite3_stmt *st = NULL;
    const char *key = party_id ? party_id : name;
    int r = sq_stmt(q, party_id ? SQ_PEER_GET : SQ_PEER_BY_NAME, &st, err);
    if (!r)
        r = sq_bind_text(q, st, 1, key, err);
    if (!r)
        r = sq_step(q, st, "peer", err);
    if (r == 0)
        return hl_fail(err, HL_E_NOT_FOUND, key, "store: no peer %s", key);
    if (r == 1)
        r = peer_read(st, out, err);
    sqlite3_reset(st);
    return r;
}

int sq_peer_list(struct store *s, store_peer_fn fn, void *ctx, struct hl_error *err)
{
    struct store_sqlite *q = sq_of(s);
    sqlite3_stmt *st = NULL;
    struct store_peer p;
    int r = sq_stmt(q, SQ_PEER_LIST, &st, err);
    while (!r && (r = sq_step(q, st, "peer", err)) == 1) {
        r = peer_read(st, &p, err);
        if (!r)
            r = fn(ctx, &p);
    }
    if (st)
        sqlite3_reset(st);
    memset(&p, 0, sizeof p); /* the token */
    return r;
}

/* Runs the bound DELETE or UPDATE st: HL_E_NOT_FOUND (saying what) if it
 * changed no row. */
static HL_MUST_CHECK int one_changed(struct store_sqlite *q, sqlite3_stmt *st, const char *where,
                                    const char *what, struct hl_error *err)
{
    int r = sq_exec(q, st, what, err);
    if (!r && sqlite3_changes(q->db) == 0)
        r = hl_fail(err, HL_E_NOT_FOUND, where, "store: no %s %s", what, where);
    return r;
}

int sq_peer_remove(struct store *s, const char *name, struct hl_error *err)
{
    struct store_sqlite *q = sq_of(s);
    sqlite3_stmt *st = NULL;
    int r = sq_stmt(q, SQ_PEER_REMOVE, &st, err);
    if (!r)
        r = sq_bind_text(q, st, 1, name, err);
    return r ? r : one_changed(q, st, name, "peer", err);
}

/* ---- pending members --------------------------------------------------------- */

/* Statement id on the channel's id (bound as ?1), name bound as ?2 when
 * not NULL. */
static HL_MUST_CHECK int pending_stmt(struct store_sqlite *q, enum sq_stmt_id id,
                                      const char *channel, const char *name, sqlite3_stmt **st,
                                      struct hl_error *err)
{
    int64_t cid = 0;
    int r = sq_channel_id(q, channel, &cid, err);
    if (!r)
        r = sq_stmt(q, id, st, err);
    if (!r)
        r = sq_bind_i64(q, *st, 1, cid, err);
    if (!r && name)
        r = sq_bind_text(q, *st, 2, name, err);
    return r;
}

int sq_pending_add(struct store *s, const char *channel, const char *name, struct hl_error *err)
{
    struct store_sqlite *q = sq_of(s);
    sqlite3_stmt *st = NULL;
    int r = pending_stmt(q, SQ_PENDING_ADD, channel, name, &st, err);
    return r ? r : sq_exec(q, st, "pending member", err);
}

int sq_pending_list(struct store *s, const char *channel, store_pending_fn fn, void *ctx,
                    struct hl_error *err)
{
    struct store_sqlite *q = sq_of(s);
    sqlite3_stmt *st = NULL;
    const char *ch = NULL, *name = NULL;
    int r = channel ? pending_stmt(q, SQ_PENDING_LIST, channel, NULL, &st, err)
                    : sq_stmt(q, SQ_PENDING_LIST_ALL, &st, err);
    while (!r && (r = sq_step(q, st, "pending member", err)) == 1) {
        r = sq_col_text_ref(st, 0, "channel_pending", 0, STORE_TEXT_MAX, &ch, err);
        if (!r)
            r = sq_col_text_ref(st, 1, "channel_pending", 0, STORE_TEXT_MAX, &name, err);
        if (!r)
            r = fn(ctx, ch, name);
    }
    if (st)
        sqlite3_reset(st);
    return r;
}

int sq_pending_remove(struct store *s, const char *channel, const char *name, struct hl_error *err)
{
    struct store_sqlite *q = sq_of(s);
    sqlite3_stmt *st = NULL;
    int r = pending_stmt(q, SQ_PENDING_REMOVE, channel, name, &st, err);
    return r ? r : one_changed(q, st, name, "pending member", err);
}

int sq_member_retire(struct store *s, const char *channel, const char *party_id, int64_t at_us,
                     struct hl_error *err)
{
    struct store_sqlite *q = sq_of(s);
    sqlite3_stmt *st = NULL;
    int r = pending_stmt(q, SQ_MEMBER_RETIRE, channel, party_id, &st, err);
    if (!r)
        r = sq_bind_i64(q, st, 3, at_us, err);
    return r ? r : one_changed(q, st, party_id, "member", err);
}

int sq_member_retired(struct store *s, const char *channel, const char *party_id, int64_t *at_us,
                      struct hl_error *err)
{
    struct store_sqlite *q = sq_of(s);
    sqlite3_stmt *st = NULL;
    int r = pending_stmt(q, SQ_MEMBER_RETIRED, channel, party_id, &st, err);
    if (!r)
        r = sq_step(q, st, "member", err);
    if (r == 1)
        r = sq_col_i64(st, 0, "channel_members", 0, at_us, err);
    else if (r == 0)
        r = hl_fail(err, HL_E_NOT_FOUND, party_id, "store: %s is no member of channel %s", party_id,
                    channel);
    if (st)
        sqlite3_reset(st);
    if (!r && *at_us < 0)
        r = hl_fail(err, HL_E_STORE, "channel_members",
                    "store corrupt: table channel_members: negative retired_us");
    return r;
}

int sq_channel_active(struct store *s, const char *channel, bool *active, struct hl_error *err)
{
    struct store_sqlite *q = sq_of(s);
    sqlite3_stmt *st = NULL;
    int64_t n = 0;
    int r = pending_stmt(q, SQ_PENDING_COUNT, channel, NULL, &st, err);
    if (!r)
        r = sq_step(q, st, "pending member", err);
    if (r == 1)
        r = sq_col_i64(st, 0, "channel_pending", 0, &n, err);
    else if (r == 0)
        r = hl_fail(err, HL_E_STORE, channel, "store: count returned nothing");
    if (st)
        sqlite3_reset(st);
    *active = !r && n == 0;
    return r;
}

/* ---- alarms ------------------------------------------------------------------- */

static HL_MUST_CHECK int alarm_bind(struct store_sqlite *q, sqlite3_stmt *st,
                                    const struct store_alarm *a, int64_t cid,
                                    const uint8_t b_hash[32], struct hl_error *err)
{
    int r = sq_bind_text(q, st, 1, a->kind, err);
    if (!r)
        r = sq_bind_text(q, st, 2, a->party_id, err);
    if (!r)
        r = sq_bind_i64(q, st, 3, cid, err);
    if (!r)
        r = sq_bind_i64(q, st, 4, a->seq, err);
    if (!r)
        r = sq_bind_i64(q, st, 5, a->created_us, err);
    if (!r)
        r = sq_bind_text(q, st, 6, a->detail, err);
    if (!r)
        r = sq_bind_blob(q, st, 7, a->evidence_a, a->evidence_a_len, err);
    if (!r)
        r = sq_bind_blob(q, st, 8, a->evidence_b, a->evidence_b_len, err);
    if (!r)
        r = sq_bind_blob(q, st, 9, b_hash, 32, err);
    return r;
}

int sq_alarm_add(struct store *s, const struct store_alarm *a, bool *added, struct hl_error *err)
{
    struct store_sqlite *q = sq_of(s);
    sqlite3_stmt *st = NULL;
    uint8_t b_hash[32];
    int64_t cid = 0;
    *added = false;
    if (gnutls_hash_fast(GNUTLS_DIG_SHA256, a->evidence_b, a->evidence_b_len, b_hash) != 0)
        return hl_fail(err, HL_E_CRYPTO, "alarm", "store: SHA-256 failed");
    int r = sq_channel_id(q, a->channel, &cid, err);
    if (!r)
        r = sq_stmt(q, SQ_ALARM_ADD, &st, err);
    if (!r)
        r = alarm_bind(q, st, a, cid, b_hash, err);
    if (!r)
        r = sq_exec(q, st, "alarm", err);
    if (r == -HL_E_NOT_FOUND && cid)
        return hl_fail(err, HL_E_NOT_FOUND, a->party_id, "store: no party %s", a->party_id);
    *added = !r && sqlite3_changes(q->db) == 1;
    return r;
}

/* The alarm row of SQ_ALARM_LIST into *a, borrowing the statement's text
 * and blobs. */
static HL_MUST_CHECK int alarm_read(sqlite3_stmt *st, struct store_alarm *a, struct hl_error *err)
{
    memset(a, 0, sizeof *a);
    int r = sq_col_i64(st, 0, "alarms", -1, &a->id, err);
    if (!r)
        r = sq_col_text_ref(st, 1, "alarms", a->id, STORE_TEXT_MAX, &a->kind, err);
    if (!r && strcmp(a->kind, STORE_ALARM_EQUIVOCATION) &&
        strcmp(a->kind, STORE_ALARM_HEAD_MISMATCH))
        r = hl_fail(err, HL_E_STORE, "alarms", "store corrupt: table alarms row %lld: kind \"%s\"",
                    (long long)a->id, a->kind);
    if (!r)
        r = sq_col_text_ref(st, 2, "alarms", a->id, STORE_TEXT_MAX, &a->party_id, err);
    if (!r)
        r = sq_col_text_ref(st, 3, "alarms", a->id, STORE_TEXT_MAX, &a->channel, err);
    if (!r)
        r = sq_col_i64(st, 4, "alarms", a->id, &a->seq, err);
    if (!r)
        r = sq_col_i64(st, 5, "alarms", a->id, &a->created_us, err);
    if (!r)
        r = sq_col_text_ref(st, 6, "alarms", a->id, STORE_DETAIL_MAX, &a->detail, err);
    if (!r)
        r = sq_col_blob_ref(st, 7, "alarms", a->id, STORE_JSON_MAX, &a->evidence_a,
                            &a->evidence_a_len, err);
    if (!r)
        r = sq_col_blob_ref(st, 8, "alarms", a->id, STORE_JSON_MAX, &a->evidence_b,
                            &a->evidence_b_len, err);
    return r;
}

int sq_alarm_list(struct store *s, const char *channel, store_alarm_fn fn, void *ctx,
                  struct hl_error *err)
{
    struct store_sqlite *q = sq_of(s);
    sqlite3_stmt *st = NULL;
    struct store_alarm a;
    int r = sq_stmt(q, SQ_ALARM_LIST, &st, err);
    if (!r && channel)
        r = sq_bind_text(q, st, 1, channel, err);
    while (!r && (r = sq_step(q, st, "alarm", err)) == 1) {
        r = alarm_read(st, &a, err);
        if (!r)
            r = fn(ctx, &a);
    }
    if (st)
        sqlite3_reset(st);
    return r;
}

/* ---- replication state ------------------------------------------------------------ */

int sq_repl_state_put(struct store *s, const char *peer_id, const char *channel,
                      const struct store_repl_state *rs, struct hl_error *err)
{
    struct store_sqlite *q = sq_of(s);
    sqlite3_stmt *st = NULL;
    int64_t cid = 0;
    int r = sq_channel_id(q, channel, &cid, err);
    if (!r)
        r = sq_stmt(q, SQ_REPL_STATE_PUT, &st, err);
    if (!r)
        r = sq_bind_text(q, st, 1, peer_id, err);
    if (!r)
        r = sq_bind_i64(q, st, 2, cid, err);
    if (!r)
        r = sq_bind_i64(q, st, 3, rs->push_seq, err);
    if (!r)
        r = sq_bind_i64(q, st, 4, rs->last_ok_us, err);
    if (!r)
        r = sq_bind_i64(q, st, 5, rs->last_try_us, err);
    if (!r)
        r = sq_bind_text(q, st, 6, rs->last_error, err);
    if (!r)
        r = sq_bind_i64(q, st, 7, rs->failures, err);
    if (!r)
        r = sq_bind_i64(q, st, 8, rs->clock_skew_ms, err);
    if (!r)
        r = sq_exec(q, st, "repl state", err);
    if (r == -HL_E_NOT_FOUND && cid)
        return hl_fail(err, HL_E_NOT_FOUND, peer_id, "store: no party %s", peer_id);
    return r;
}

int sq_repl_state_get(struct store *s, const char *peer_id, const char *channel,
                      struct store_repl_state *out, struct hl_error *err)
{
    struct store_sqlite *q = sq_of(s);
    sqlite3_stmt *st = NULL;
    int64_t cid = 0;
    int r = sq_channel_id(q, channel, &cid, err);
    if (r == -HL_E_NOT_FOUND) /* never put: zeros, as store.h says */
        return 0;
    if (!r)
        r = sq_stmt(q, SQ_REPL_STATE_GET, &st, err);
    if (!r)
        r = sq_bind_text(q, st, 1, peer_id, err);
    if (!r)
        r = sq_bind_i64(q, st, 2, cid, err);
    if (!r)
        r = sq_step(q, st, "repl state", err);
    if (r != 1)
        return r;
    r = sq_col_i64(st, 0, "repl_state", cid, &out->push_seq, err);
    if (!r)
        r = sq_col_i64(st, 1, "repl_state", cid, &out->last_ok_us, err);
    if (!r)
        r = sq_col_i64(st, 2, "repl_state", cid, &out->last_try_us, err);
    if (!r)
        r = sq_col_text(st, 3, "repl_state", cid, out->last_error, STORE_DETAIL_MAX, err);
    if (!r)
        r = sq_col_i64(st, 4, "repl_state", cid, &out->failures, err);
    if (!r)
        r = sq_col_i64(st, 5, "repl_state", cid, &out->clock_skew_ms, err);
    if (!r && (out->push_seq < 0 || out->failures < 0))
        r = hl_fail(err, HL_E_STORE, "repl_state",
                    "store corrupt: table repl_state: negative push_seq or failures");
    sqlite3_reset(st);
    return r;
}

/* ---- TLP holdings ------------------------------------------------------------------ */

int sq_tlp_hold(struct store *s, const char *stix_id, const char *channel, const char *tlp,
                struct hl_error *err)
{
    struct store_sqlite *q = sq_of(s);
    sqlite3_stmt *st = NULL;
    int64_t cid = 0;
    int r = sq_channel_id(q, channel, &cid, err);
    if (!r)
        r = sq_stmt(q, SQ_TLP_HOLD, &st, err);
    if (!r)
        r = sq_bind_text(q, st, 1, stix_id, err);
    if (!r)
        r = sq_bind_i64(q, st, 2, cid, err);
    if (!r)
        r = sq_bind_text(q, st, 3, tlp, err);
    return r ? r : sq_exec(q, st, "tlp", err);
}

int sq_tlp_find(struct store *s, const char *stix_id, store_tlp_fn fn, void *ctx,
                struct hl_error *err)
{
    struct store_sqlite *q = sq_of(s);
    sqlite3_stmt *st = NULL;
    const char *channel = NULL, *tlp = NULL;
    int r = sq_stmt(q, SQ_TLP_FIND, &st, err);
    if (!r)
        r = sq_bind_text(q, st, 1, stix_id, err);
    while (!r && (r = sq_step(q, st, "tlp", err)) == 1) {
        r = sq_col_text_ref(st, 0, "tlp_held", 0, STORE_TEXT_MAX, &channel, err);
        if (!r)
            r = sq_col_text_ref(st, 1, "tlp_held", 0, STORE_TEXT_MAX, &tlp, err);
        if (!r && strcmp(tlp, STORE_TLP_RED) && strcmp(tlp, STORE_TLP_AMBER_STRICT) &&
            strcmp(tlp, STORE_TLP_AMBER))
            r = hl_fail(err, HL_E_STORE, "tlp_held",
                        "store corrupt: table tlp_held: \"%s\" is not a TLP we hold under", tlp);
        if (!r)
            r = fn(ctx, channel, tlp);
    }
    if (st)
        sqlite3_reset(st);
    return r;
}
