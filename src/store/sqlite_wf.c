/*
 * sqlite_wf.c — the SQLite backend of store.h's workflow part (schema
 * step 5). store_wf.c has checked every argument.
 *
 *   channel_policy  one row per channel that has a policy; replaced whole.
 *   escalations     UNIQUE(item_id, kind, member): a second add of the
 *                   same key changes nothing (INSERT ... ON CONFLICT DO
 *                   NOTHING), which is what makes an escalation happen once.
 *
 * Reading back. The file is hostile: a kind we do not know, a hook value
 * outside 0..2 or a non-positive ack_within_s is HL_E_STORE naming table
 * and row.
 */
#include "sqlite_int.h"

#include <string.h>

#define ESC_COLS "e.id, e.item_id, e.kind, e.member, c.name, e.at_us, e.hook"

static const char *const wf_sql[SQ__COUNT - SQ_WF_FIRST] = {
    [SQ_POLICY_SET - SQ_WF_FIRST] =
        "INSERT INTO channel_policy(channel_id, ack_within_s) VALUES(?1, ?2)"
        " ON CONFLICT(channel_id) DO UPDATE SET ack_within_s = excluded.ack_within_s",
    [SQ_POLICY_GET - SQ_WF_FIRST] = "SELECT ack_within_s FROM channel_policy WHERE channel_id = ?1",
    [SQ_ESCALATION_ADD - SQ_WF_FIRST] =
        "INSERT INTO escalations(item_id, kind, member, channel_id, at_us, hook)"
        " VALUES(?1, ?2, ?3, ?4, ?5, ?6) ON CONFLICT(item_id, kind, member) DO NOTHING",
    [SQ_ESCALATION_HOOK - SQ_WF_FIRST] =
        "UPDATE escalations SET hook = ?4 WHERE item_id = ?1 AND kind = ?2 AND member = ?3",
    [SQ_ESCALATION_LIST - SQ_WF_FIRST] =
        "SELECT " ESC_COLS " FROM escalations e JOIN channels c ON c.id = e.channel_id"
        " WHERE ?1 IS NULL OR c.name = ?1 ORDER BY e.at_us, e.id",
};

const char *sq_wf_sql(enum sq_stmt_id id)
{
    if (id < SQ_WF_FIRST || id >= SQ__COUNT)
        return NULL;
    return wf_sql[id - SQ_WF_FIRST];
}

int sq_policy_set(struct store *s, const char *channel, int64_t ack_within_s, struct hl_error *err)
{
    struct store_sqlite *q = sq_of(s);
    sqlite3_stmt *st = NULL;
    int64_t cid = 0;
    int r = sq_channel_id(q, channel, &cid, err);
    if (!r)
        r = sq_stmt(q, SQ_POLICY_SET, &st, err);
    if (!r)
        r = sq_bind_i64(q, st, 1, cid, err);
    if (!r)
        r = sq_bind_i64(q, st, 2, ack_within_s, err);
    return r ? r : sq_exec(q, st, "channel policy", err);
}

int sq_policy_get(struct store *s, const char *channel, int64_t *out, struct hl_error *err)
{
    struct store_sqlite *q = sq_of(s);
    sqlite3_stmt *st = NULL;
    int64_t cid = 0;
    int r = sq_channel_id(q, channel, &cid, err);
    if (!r)
        r = sq_stmt(q, SQ_POLICY_GET, &st, err);
    if (!r)
        r = sq_bind_i64(q, st, 1, cid, err);
    if (!r)
        r = sq_step(q, st, "channel policy", err);
    if (r == 1)
        r = sq_col_i64(st, 0, "channel_policy", cid, out, err);
    else if (r == 0)
        r = hl_fail(err, HL_E_NOT_FOUND, channel, "store: channel %s has no policy", channel);
    if (!r && *out <= 0)
        r = hl_fail(err, HL_E_STORE, "channel_policy",
                    "store corrupt: table channel_policy row %lld: ack_within_s %lld",
                    (long long)cid, (long long)*out);
    if (st)
        sqlite3_reset(st);
    return r;
}

int sq_escalation_add(struct store *s, const struct store_escalation *e, bool *added,
                      struct hl_error *err)
{
    struct store_sqlite *q = sq_of(s);
    sqlite3_stmt *st = NULL;
    int64_t cid = 0;
    int r = sq_channel_id(q, e->channel, &cid, err);
    if (!r)
        r = sq_stmt(q, SQ_ESCALATION_ADD, &st, err);
    if (!r)
        r = sq_bind_text(q, st, 1, e->item_id, err);
    if (!r)
        r = sq_bind_text(q, st, 2, e->kind, err);
    if (!r)
        r = sq_bind_text(q, st, 3, e->member, err);
    if (!r)
        r = sq_bind_i64(q, st, 4, cid, err);
    if (!r)
        r = sq_bind_i64(q, st, 5, e->at_us, err);
    if (!r)
        r = sq_bind_i64(q, st, 6, e->hook, err);
    if (!r)
        r = sq_exec(q, st, "escalation", err);
    *added = !r && sqlite3_changes(q->db) == 1;
    return r;
}

int sq_escalation_hook_set(struct store *s, const char *item_id, const char *kind,
                           const char *member, int hook, struct hl_error *err)
{
    struct store_sqlite *q = sq_of(s);
    sqlite3_stmt *st = NULL;
    int r = sq_stmt(q, SQ_ESCALATION_HOOK, &st, err);
    if (!r)
        r = sq_bind_text(q, st, 1, item_id, err);
    if (!r)
        r = sq_bind_text(q, st, 2, kind, err);
    if (!r)
        r = sq_bind_text(q, st, 3, member, err);
    if (!r)
        r = sq_bind_i64(q, st, 4, hook, err);
    if (!r)
        r = sq_exec(q, st, "escalation", err);
    if (!r && sqlite3_changes(q->db) != 1)
        r = hl_fail(err, HL_E_NOT_FOUND, item_id, "store: no %s escalation of %s", kind, item_id);
    return r;
}

/* The ESC_COLS row into *e, borrowing the statement's text. */
static HL_MUST_CHECK int escalation_read(sqlite3_stmt *st, struct store_escalation *e,
                                         struct hl_error *err)
{
    int64_t hook = 0;
    memset(e, 0, sizeof *e);
    int r = sq_col_i64(st, 0, "escalations", -1, &e->id, err);
    if (!r)
        r = sq_col_text_ref(st, 1, "escalations", e->id, STORE_TEXT_MAX, &e->item_id, err);
    if (!r)
        r = sq_col_text_ref(st, 2, "escalations", e->id, STORE_TEXT_MAX, &e->kind, err);
    if (!r && strcmp(e->kind, STORE_ESCALATION_ACK) && strcmp(e->kind, STORE_ESCALATION_DUE))
        r = hl_fail(err, HL_E_STORE, "escalations",
                    "store corrupt: table escalations row %lld: kind \"%s\"", (long long)e->id,
                    e->kind);
    if (!r)
        r = sq_col_text_ref(st, 3, "escalations", e->id, STORE_TEXT_MAX, &e->member, err);
    if (!r)
        r = sq_col_text_ref(st, 4, "escalations", e->id, STORE_TEXT_MAX, &e->channel, err);
    if (!r)
        r = sq_col_i64(st, 5, "escalations", e->id, &e->at_us, err);
    if (!r)
        r = sq_col_i64(st, 6, "escalations", e->id, &hook, err);
    if (!r && (hook < STORE_HOOK_NONE || hook > STORE_HOOK_FAILED))
        r = hl_fail(err, HL_E_STORE, "escalations",
                    "store corrupt: table escalations row %lld: hook %lld", (long long)e->id,
                    (long long)hook);
    e->hook = (int)hook;
    return r;
}

int sq_escalation_list(struct store *s, const char *channel, store_escalation_fn fn, void *ctx,
                       struct hl_error *err)
{
    struct store_sqlite *q = sq_of(s);
    sqlite3_stmt *st = NULL;
    struct store_escalation e;
    int r = sq_stmt(q, SQ_ESCALATION_LIST, &st, err);
    if (!r && channel)
        r = sq_bind_text(q, st, 1, channel, err);
    while (!r && (r = sq_step(q, st, "escalation", err)) == 1) {
        r = escalation_read(st, &e, err);
        if (!r)
            r = fn(ctx, &e);
    }
    if (st)
        sqlite3_reset(st);
    return r;
}
