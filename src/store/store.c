/*
 * store.c — the front of the storage interface: picks a backend from the
 * URI, checks every argument once, and dispatches through the backend's
 * operation table (store_int.h). Backends rely on these checks: each
 * string is non-NULL and at most STORE_TEXT_MAX bytes, counts and limits
 * are within store.h's bounds, out-pointers are non-NULL.
 *
 * Failures of argument checks are HL_E_INVALID (a caller's bug) or
 * HL_E_TOO_LARGE (a limit of store.h), and touch nothing stored.
 */
#include "store_int.h"

#include <string.h>

#define SQLITE_PREFIX "sqlite:"
#define PG_PREFIX "postgresql://"

static bool text_ok(const char *t)
{
    return t && strnlen(t, STORE_TEXT_MAX + 1) <= STORE_TEXT_MAX;
}

/* Checks n strings given as varargs-free list. */
static HL_MUST_CHECK int check_text(struct hl_error *err, const char *what, const char *t)
{
    if (!t)
        return hl_fail(err, HL_E_INVALID, what, "store: %s is missing", what);
    if (!text_ok(t))
        return hl_fail(err, HL_E_TOO_LARGE, what, "store: %s is longer than %d bytes", what,
                       STORE_TEXT_MAX);
    return 0;
}

static HL_MUST_CHECK int check_ptr(struct hl_error *err, const char *what, const void *p)
{
    if (!p)
        return hl_fail(err, HL_E_INVALID, what, "store: %s is missing", what);
    return 0;
}

/* Party and channel of a log, which every log call names. */
static HL_MUST_CHECK int check_log(struct store *s, const char *party_id, const char *channel,
                                   struct hl_error *err)
{
    int r = check_ptr(err, "store", s);
    if (!r)
        r = check_text(err, "party_id", party_id);
    if (!r)
        r = check_text(err, "channel", channel);
    return r;
}

int store_open(const char *uri_or_path, const struct store_options *opt, struct store **out,
               struct hl_error *err)
{
    if (!out)
        return hl_fail(err, HL_E_INVALID, NULL, "store: no place for the result");
    *out = NULL;
    if (!uri_or_path || !*uri_or_path)
        return hl_fail(err, HL_E_INVALID, NULL, "store: no database named");
    if (strnlen(uri_or_path, 4097) > 4096)
        return hl_fail(err, HL_E_TOO_LARGE, NULL, "store: database name is too long");
    struct store_options defaults = {0};
    if (!opt)
        opt = &defaults;
    if (strncmp(uri_or_path, PG_PREFIX, strlen(PG_PREFIX)) == 0)
        return hl_fail(err, HL_E_INVALID, uri_or_path,
                       "store: PostgreSQL is not built into this hotline");
    const char *path = uri_or_path;
    if (strncmp(path, SQLITE_PREFIX, strlen(SQLITE_PREFIX)) == 0)
        path += strlen(SQLITE_PREFIX);
    if (!*path)
        return hl_fail(err, HL_E_INVALID, uri_or_path, "store: no database file named");
    return store_sqlite_open(path, opt, out, err);
}

void store_close(struct store *s)
{
    if (s)
        s->ops->close(s);
}

/* ---- transactions ------------------------------------------------------ */

int store_begin(struct store *s, struct hl_error *err)
{
    int r = check_ptr(err, "store", s);
    return r ? r : s->ops->begin(s, true, err);
}

int store_begin_unsynced(struct store *s, struct hl_error *err)
{
    int r = check_ptr(err, "store", s);
    return r ? r : s->ops->begin(s, false, err);
}

int store_begin_read(struct store *s, struct hl_error *err)
{
    int r = check_ptr(err, "store", s);
    return r ? r : s->ops->begin_read(s, err);
}

int store_commit(struct store *s, struct hl_error *err)
{
    int r = check_ptr(err, "store", s);
    return r ? r : s->ops->commit(s, err);
}

int store_checkpoint(struct store *s, int64_t *left, struct hl_error *err)
{
    int64_t ignored;
    int r = check_ptr(err, "store", s);
    return r ? r : s->ops->checkpoint(s, left ? left : &ignored, err);
}

int store_backup(struct store *s, const char *path, struct hl_error *err)
{
    int r = check_ptr(err, "store", s);
    if (!r)
        r = check_ptr(err, "path", path);
    if (!r && strnlen(path, STORE_PATH_MAX + 1) > STORE_PATH_MAX)
        r = hl_fail(err, HL_E_TOO_LARGE, "path", "store: the path is longer than %d bytes",
                    STORE_PATH_MAX);
    return r ? r : s->ops->backup(s, path, err);
}

int store_checkpoint_restart(struct store *s, unsigned wait_us, bool *restarted,
                             struct hl_error *err)
{
    int r = check_ptr(err, "store", s);
    if (!r)
        r = check_ptr(err, "restarted", restarted);
    return r ? r : s->ops->checkpoint_restart(s, wait_us, restarted, err);
}

int store_rollback(struct store *s, struct hl_error *err)
{
    int r = check_ptr(err, "store", s);
    return r ? r : s->ops->rollback(s, err);
}

int store_check(struct store *s, struct hl_error *err)
{
    int r = check_ptr(err, "store", s);
    return r ? r : s->ops->check(s, err);
}

/* ---- meta, parties, channels -------------------------------------------- */

int store_meta_set(struct store *s, const char *key, const char *value, struct hl_error *err)
{
    int r = check_ptr(err, "store", s);
    if (!r)
        r = check_text(err, "key", key);
    if (!r)
        r = check_text(err, "value", value);
    return r ? r : s->ops->meta_set(s, key, value, err);
}

int store_meta_get(struct store *s, const char *key, char *out, struct hl_error *err)
{
    int r = check_ptr(err, "store", s);
    if (!r)
        r = check_text(err, "key", key);
    if (!r)
        r = check_ptr(err, "out", out);
    if (r)
        return r;
    out[0] = '\0';
    return s->ops->meta_get(s, key, out, err);
}

int store_party_put(struct store *s, const struct store_party *p, struct hl_error *err)
{
    int r = check_ptr(err, "store", s);
    if (!r)
        r = check_ptr(err, "party", p);
    if (!r)
        r = check_text(err, "party.id", p->id);
    if (!r)
        r = check_text(err, "party.name", p->name);
    if (!r && !p->id[0])
        r = hl_fail(err, HL_E_INVALID, "party.id", "store: party id is empty");
    return r ? r : s->ops->party_put(s, p, err);
}

int store_party_get(struct store *s, const char *id, struct store_party *out, struct hl_error *err)
{
    int r = check_ptr(err, "store", s);
    if (!r)
        r = check_text(err, "party_id", id);
    if (!r)
        r = check_ptr(err, "out", out);
    if (r)
        return r;
    memset(out, 0, sizeof *out);
    r = s->ops->party_get(s, id, out, err);
    if (r)
        memset(out, 0, sizeof *out);
    return r;
}

int store_party_list(struct store *s, store_party_fn fn, void *ctx, struct hl_error *err)
{
    int r = check_ptr(err, "store", s);
    if (!r)
        r = check_ptr(err, "callback", (const void *)fn);
    return r ? r : s->ops->party_list(s, fn, ctx, err);
}

int store_channel_create(struct store *s, const struct store_channel *c, struct hl_error *err)
{
    int r = check_ptr(err, "store", s);
    if (!r)
        r = check_ptr(err, "channel", c);
    if (!r)
        r = check_text(err, "channel.name", c->name);
    if (!r && !c->name[0])
        r = hl_fail(err, HL_E_INVALID, "channel.name", "store: channel name is empty");
    return r ? r : s->ops->channel_create(s, c, err);
}

int store_channel_get(struct store *s, const char *name, struct store_channel *out,
                      struct hl_error *err)
{
    int r = check_ptr(err, "store", s);
    if (!r)
        r = check_text(err, "channel", name);
    if (!r)
        r = check_ptr(err, "out", out);
    if (r)
        return r;
    memset(out, 0, sizeof *out);
    r = s->ops->channel_get(s, name, out, err);
    if (r)
        memset(out, 0, sizeof *out);
    return r;
}

int store_channel_list(struct store *s, store_channel_fn fn, void *ctx, struct hl_error *err)
{
    int r = check_ptr(err, "store", s);
    if (!r)
        r = check_ptr(err, "callback", (const void *)fn);
    return r ? r : s->ops->channel_list(s, fn, ctx, err);
}

int store_channel_member_add(struct store *s, const char *channel, const char *party_id,
                             struct hl_error *err)
{
    int r = check_log(s, party_id, channel, err);
    return r ? r : s->ops->channel_member_add(s, channel, party_id, err);
}

int store_channel_member_list(struct store *s, const char *channel, store_party_fn fn, void *ctx,
                              struct hl_error *err)
{
    int r = check_ptr(err, "store", s);
    if (!r)
        r = check_text(err, "channel", channel);
    if (!r)
        r = check_ptr(err, "callback", (const void *)fn);
    return r ? r : s->ops->channel_member_list(s, channel, fn, ctx, err);
}

/* ---- objects ------------------------------------------------------------ */

int store_object_add(struct store *s, const struct store_object *o, int64_t *row_out,
                     struct hl_error *err)
{
    int r = check_ptr(err, "store", s);
    if (!r)
        r = check_ptr(err, "object", o);
    if (!r)
        r = check_text(err, "object.channel", o->channel);
    if (!r)
        r = check_text(err, "object.stix_id", o->stix_id);
    if (!r)
        r = check_text(err, "object.type", o->type);
    if (!r)
        r = check_ptr(err, "object.json", o->json);
    if (!r && o->json_len > STORE_JSON_MAX)
        r = hl_fail(err, HL_E_TOO_LARGE, "object.json", "store: object of %zu bytes exceeds %u",
                    o->json_len, (unsigned)STORE_JSON_MAX);
    int64_t row = 0;
    if (!r)
        r = s->ops->object_add(s, o, &row, err);
    if (row_out)
        *row_out = r ? 0 : row;
    return r;
}

int store_object_get(struct store *s, int64_t row, store_object_fn fn, void *ctx,
                     struct hl_error *err)
{
    int r = check_ptr(err, "store", s);
    if (!r)
        r = check_ptr(err, "callback", (const void *)fn);
    return r ? r : s->ops->object_get(s, row, fn, ctx, err);
}

/* The arguments naming one object id of a channel, and where its answer
 * goes (what, out). */
static HL_MUST_CHECK int check_object_id(struct hl_error *err, const struct store *s,
                                         const char *channel, const char *stix_id, const char *what,
                                         const void *out)
{
    int r = check_ptr(err, "store", s);
    if (!r)
        r = check_text(err, "channel", channel);
    if (!r)
        r = check_text(err, "stix_id", stix_id);
    return r ? r : check_ptr(err, what, out);
}

int store_object_versions(struct store *s, const char *channel, const char *stix_id,
                          store_object_fn fn, void *ctx, struct hl_error *err)
{
    int r = check_object_id(err, s, channel, stix_id, "callback", (const void *)fn);
    return r ? r : s->ops->object_versions(s, channel, stix_id, fn, ctx, err);
}

int store_object_held(struct store *s, const char *channel, const char *stix_id,
                      int64_t modified_us, bool *found, struct hl_error *err)
{
    int r = check_object_id(err, s, channel, stix_id, "found", found);
    if (!r)
        *found = false;
    return r ? r : s->ops->object_held(s, channel, stix_id, modified_us, found, err);
}

int store_object_delete(struct store *s, int64_t row, int64_t deleted_us, struct hl_error *err)
{
    int r = check_ptr(err, "store", s);
    if (!r && row < 1)
        r = hl_fail(err, HL_E_NOT_FOUND, "row", "store: no object in row %lld", (long long)row);
    return r ? r : s->ops->object_delete(s, row, deleted_us, err);
}

/* A STIX type token (STIX 2.1 §3.1: [a-z0-9-], 3..250 characters) or, with
 * allow_id, a STIX id "type--uuid" (STIX 2.1 §2.9). Filters are passed to
 * the engine as data; this keeps them plain tokens. */
static bool token_ok(const char *t, bool allow_id)
{
    if (!text_ok(t) || !*t)
        return false;
    for (const char *p = t; *p; p++) {
        bool ok = (*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '-';
        if (!ok && !(allow_id && *p >= 'A' && *p <= 'F'))
            return false;
    }
    return true;
}

static HL_MUST_CHECK int check_list(const char *const *v, size_t n, bool ids, struct hl_error *err)
{
    const char *what = ids ? "query.ids" : "query.types";
    if (n > STORE_LIST_MAX)
        return hl_fail(err, HL_E_TOO_LARGE, what, "store: more than %d filter values",
                       STORE_LIST_MAX);
    if (n && !v)
        return hl_fail(err, HL_E_INVALID, what, "store: filter values are missing");
    for (size_t i = 0; i < n; i++)
        if (!token_ok(v[i], ids))
            return hl_fail(err, HL_E_INVALID, what, "store: filter value %zu is not a STIX %s", i,
                           ids ? "id" : "type");
    return 0;
}

int store_object_list(struct store *s, const struct store_query *q, store_object_fn fn, void *ctx,
                      struct store_page *page, struct hl_error *err)
{
    int r = check_ptr(err, "store", s);
    if (!r)
        r = check_ptr(err, "query", q);
    if (!r)
        r = check_ptr(err, "page", page);
    if (!r)
        r = check_ptr(err, "callback", (const void *)fn);
    if (r)
        return r;
    memset(page, 0, sizeof *page);
    page->next = q->after;
    r = check_text(err, "query.channel", q->channel);
    if (!r)
        r = check_list(q->types, q->n_types, false, err);
    if (!r)
        r = check_list(q->ids, q->n_ids, true, err);
    if (!r && (q->limit < 1 || q->limit > STORE_PAGE_MAX))
        r = hl_fail(err, HL_E_INVALID, "query.limit", "store: limit must be 1..%d", STORE_PAGE_MAX);
    if (!r && q->version != STORE_VERSION_ALL && q->version != STORE_VERSION_LAST &&
        q->version != STORE_VERSION_FIRST)
        r = hl_fail(err, HL_E_INVALID, "query.version", "store: unknown version filter");
    return r ? r : s->ops->object_list(s, q, fn, ctx, page, err);
}

/* ---- logs, tiles, heads, receipts --------------------------------------- */

int store_channel_last_added(struct store *s, const char *channel, int64_t *out,
                             struct hl_error *err)
{
    int r = check_ptr(err, "store", s);
    if (!r)
        r = check_text(err, "channel", channel);
    if (!r)
        r = check_ptr(err, "out", out);
    if (r)
        return r;
    *out = 0;
    return s->ops->last_added(s, channel, out, err);
}

int store_log_size(struct store *s, const char *party_id, const char *channel, int64_t *size_out,
                   struct hl_error *err)
{
    int r = check_log(s, party_id, channel, err);
    if (!r)
        r = check_ptr(err, "size_out", size_out);
    if (r)
        return r;
    *size_out = 0;
    return s->ops->log_size(s, party_id, channel, size_out, err);
}

int store_log_append(struct store *s, const char *party_id, const char *channel,
                     const struct store_log_entry *entries, size_t n, struct hl_error *err)
{
    int r = check_log(s, party_id, channel, err);
    if (!r)
        r = check_ptr(err, "entries", entries);
    if (!r && (n < 1 || n > HL_MAX_OBJECTS))
        r = hl_fail(err, n ? HL_E_TOO_LARGE : HL_E_INVALID, "entries",
                    "store: a batch holds 1..%d entries, not %zu", HL_MAX_OBJECTS, n);
    return r ? r : s->ops->log_append(s, party_id, channel, entries, n, err);
}

int store_log_entry_get(struct store *s, const char *party_id, const char *channel, int64_t seq,
                        struct store_log_entry *out, struct hl_error *err)
{
    int r = check_log(s, party_id, channel, err);
    if (!r)
        r = check_ptr(err, "out", out);
    if (r)
        return r;
    memset(out, 0, sizeof *out);
    r = s->ops->log_entry_get(s, party_id, channel, seq, out, err);
    if (r)
        memset(out, 0, sizeof *out);
    return r;
}

int store_log_scan(struct store *s, const char *party_id, const char *channel, int64_t from_seq,
                   store_log_fn fn, void *ctx, struct hl_error *err)
{
    int r = check_log(s, party_id, channel, err);
    if (!r)
        r = check_ptr(err, "callback", (const void *)fn);
    return r ? r : s->ops->log_scan(s, party_id, channel, from_seq, fn, ctx, err);
}

/* RFC 9162 §2.1.1: a tree of at most 2^63 leaves has levels 0..63, and
 * subtree (level, index) covers leaves up to (index + 1) * 2^level - 1,
 * which must be a leaf of such a tree (the backends key tiles by it). */
static HL_MUST_CHECK int check_tile(unsigned level, int64_t index, struct hl_error *err)
{
    if (level > 63 || index < 0 || (uint64_t)index >= (UINT64_C(1) << (63 - level)))
        return hl_fail(err, HL_E_INVALID, "tile", "store: no tile at level %u index %lld", level,
                       (long long)index);
    return 0;
}

int store_tile_put(struct store *s, const char *party_id, const char *channel, unsigned level,
                   int64_t index, const uint8_t hash[STORE_HASH_BYTES], struct hl_error *err)
{
    int r = check_log(s, party_id, channel, err);
    if (!r)
        r = check_tile(level, index, err);
    if (!r)
        r = check_ptr(err, "hash", hash);
    return r ? r : s->ops->tile_put(s, party_id, channel, level, index, hash, err);
}

int store_tile_get(struct store *s, const char *party_id, const char *channel, unsigned level,
                   int64_t index, uint8_t out[STORE_HASH_BYTES], struct hl_error *err)
{
    int r = check_log(s, party_id, channel, err);
    if (!r)
        r = check_ptr(err, "out", out);
    if (r)
        return r;
    memset(out, 0, STORE_HASH_BYTES);
    r = check_tile(level, index, err);
    if (!r)
        r = s->ops->tile_get(s, party_id, channel, level, index, out, err);
    if (r)
        memset(out, 0, STORE_HASH_BYTES);
    return r;
}

int store_tree_head_add(struct store *s, const char *party_id, const char *channel,
                        const struct store_tree_head *h, struct hl_error *err)
{
    int r = check_log(s, party_id, channel, err);
    if (!r)
        r = check_ptr(err, "tree_head", h);
    if (!r && h->size < 0)
        r = hl_fail(err, HL_E_INVALID, "tree_head.size", "store: negative tree size");
    return r ? r : s->ops->tree_head_add(s, party_id, channel, h, err);
}

/* One head of the log: the latest (seq < 0) or the one covering seq;
 * out is zeroed unless found. */
static int tree_head_one(struct store *s, const char *party_id, const char *channel, int64_t seq,
                         struct store_tree_head *out, struct hl_error *err)
{
    int r = check_log(s, party_id, channel, err);
    if (!r)
        r = check_ptr(err, "out", out);
    if (r)
        return r;
    memset(out, 0, sizeof *out);
    r = seq < 0 ? s->ops->tree_head_latest(s, party_id, channel, out, err)
                : s->ops->tree_head_covering(s, party_id, channel, seq, out, err);
    if (r)
        memset(out, 0, sizeof *out);
    return r;
}

int store_tree_head_latest(struct store *s, const char *party_id, const char *channel,
                           struct store_tree_head *out, struct hl_error *err)
{
    return tree_head_one(s, party_id, channel, -1, out, err);
}

int store_tree_head_covering(struct store *s, const char *party_id, const char *channel,
                             int64_t seq, struct store_tree_head *out, struct hl_error *err)
{
    if (seq < 0)
        return hl_fail(err, HL_E_INVALID, "seq", "store: negative sequence number");
    return tree_head_one(s, party_id, channel, seq, out, err);
}

int store_tree_head_list(struct store *s, const char *party_id, const char *channel,
                         store_tree_head_fn fn, void *ctx, struct hl_error *err)
{
    int r = check_log(s, party_id, channel, err);
    if (!r)
        r = check_ptr(err, "callback", (const void *)fn);
    return r ? r : s->ops->tree_head_list(s, party_id, channel, fn, ctx, err);
}

int store_receipt_add(struct store *s, const char *party_id, const char *channel,
                      const struct store_receipt *rc, struct hl_error *err)
{
    int r = check_log(s, party_id, channel, err);
    if (!r)
        r = check_ptr(err, "receipt", rc);
    if (!r)
        r = check_text(err, "receipt.witness_id", rc->witness_id);
    if (!r && rc->size < 0)
        r = hl_fail(err, HL_E_INVALID, "receipt.size", "store: negative tree size");
    return r ? r : s->ops->receipt_add(s, party_id, channel, rc, err);
}

int store_receipt_refute(struct store *s, const char *party_id, const char *channel,
                         const char *witness_id, int64_t size, struct hl_error *err)
{
    int r = check_log(s, party_id, channel, err);
    if (!r)
        r = check_text(err, "witness_id", witness_id);
    if (!r && size < 0)
        r = hl_fail(err, HL_E_INVALID, "size", "store: negative tree size");
    return r ? r : s->ops->receipt_refute(s, party_id, channel, witness_id, size, err);
}

int store_receipt_latest(struct store *s, const char *party_id, const char *channel,
                         const char *witness_id, struct store_receipt *out, struct hl_error *err)
{
    int r = check_log(s, party_id, channel, err);
    if (!r && witness_id)
        r = check_text(err, "witness_id", witness_id);
    if (!r)
        r = check_ptr(err, "out", out);
    if (r)
        return r;
    memset(out, 0, sizeof *out);
    r = s->ops->receipt_latest(s, party_id, channel, witness_id, out, err);
    if (r)
        memset(out, 0, sizeof *out);
    return r;
}

int store_receipt_list(struct store *s, const char *party_id, const char *channel,
                       store_receipt_fn fn, void *ctx, struct hl_error *err)
{
    int r = check_log(s, party_id, channel, err);
    if (!r)
        r = check_ptr(err, "callback", (const void *)fn);
    return r ? r : s->ops->receipt_list(s, party_id, channel, fn, ctx, err);
}

/* ---- status records, replication cursors -------------------------------- */

int store_status_put(struct store *s, const char *id, const char *channel, int64_t created_us,
                     const uint8_t *body, size_t body_len, struct hl_error *err)
{
    int r = check_ptr(err, "store", s);
    if (!r)
        r = check_text(err, "status_id", id);
    if (!r)
        r = check_text(err, "channel", channel);
    if (!r)
        r = check_ptr(err, "body", body);
    if (!r && body_len > STORE_JSON_MAX)
        r = hl_fail(err, HL_E_TOO_LARGE, "body", "store: status of %zu bytes is too large",
                    body_len);
    return r ? r : s->ops->status_put(s, id, channel, created_us, body, body_len, err);
}

int store_status_prune(struct store *s, int64_t before_us, size_t max, size_t *removed,
                       struct hl_error *err)
{
    int r = check_ptr(err, "store", s);
    if (!r)
        r = check_ptr(err, "removed", removed);
    if (!r)
        *removed = 0;
    if (!r && (max < 1 || max > STORE_STATUS_PRUNE_MAX))
        r = hl_fail(err, HL_E_INVALID, "max",
                    "store: prune 1..%d status records at a time, not %zu", STORE_STATUS_PRUNE_MAX,
                    max);
    return r ? r : s->ops->status_prune(s, before_us, max, removed, err);
}

int store_status_get(struct store *s, const char *id, struct buf *out, struct hl_error *err)
{
    int r = check_ptr(err, "store", s);
    if (!r)
        r = check_text(err, "status_id", id);
    if (!r)
        r = check_ptr(err, "out", out);
    return r ? r : s->ops->status_get(s, id, out, err);
}

int store_repl_set(struct store *s, const char *peer_id, const char *channel,
                   const struct store_repl *rp, struct hl_error *err)
{
    int r = check_log(s, peer_id, channel, err);
    if (!r)
        r = check_ptr(err, "cursor", rp);
    if (!r && strnlen(rp->pull_next, sizeof rp->pull_next) > STORE_TEXT_MAX)
        r = hl_fail(err, HL_E_INVALID, "cursor.pull_next", "store: pull_next not terminated");
    return r ? r : s->ops->repl_set(s, peer_id, channel, rp, err);
}

int store_repl_get(struct store *s, const char *peer_id, const char *channel,
                   struct store_repl *out, struct hl_error *err)
{
    int r = check_log(s, peer_id, channel, err);
    if (!r)
        r = check_ptr(err, "out", out);
    if (r)
        return r;
    memset(out, 0, sizeof *out);
    r = s->ops->repl_get(s, peer_id, channel, out, err);
    if (r)
        memset(out, 0, sizeof *out);
    return r;
}

/* ---- users and their rights --------------------------------------------- */

/* A user name the store accepts: text of 1..STORE_TEXT_MAX bytes (the auth
 * layer narrows the alphabet). */
static HL_MUST_CHECK int check_user(struct store *s, const char *name, struct hl_error *err)
{
    int r = check_ptr(err, "store", s);
    if (!r)
        r = check_text(err, "user", name);
    if (!r && !name[0])
        r = hl_fail(err, HL_E_INVALID, "user", "store: user name is empty");
    return r;
}

int store_user_add(struct store *s, const struct store_user *u, struct hl_error *err)
{
    int r = check_ptr(err, "user", u);
    if (!r)
        r = check_user(s, u->name, err);
    if (!r && strnlen(u->party_id, sizeof u->party_id) > STORE_TEXT_MAX)
        r = hl_fail(err, HL_E_INVALID, "user.party_id", "store: party_id not terminated");
    return r ? r : s->ops->user_add(s, u, err);
}

int store_user_get(struct store *s, const char *name, struct store_user *out, struct hl_error *err)
{
    int r = check_user(s, name, err);
    if (!r)
        r = check_ptr(err, "out", out);
    if (r)
        return r;
    r = s->ops->user_get(s, name, out, err);
    if (r)
        memset(out, 0, sizeof *out);
    return r;
}

int store_user_find_token(struct store *s, const uint8_t hash[STORE_HASH_BYTES],
                          struct store_user *out, struct hl_error *err)
{
    int r = check_ptr(err, "store", s);
    if (!r)
        r = check_ptr(err, "hash", hash);
    if (!r)
        r = check_ptr(err, "out", out);
    if (r)
        return r;
    r = s->ops->user_find_token(s, hash, out, err);
    if (r)
        memset(out, 0, sizeof *out);
    return r;
}

int store_user_token_set(struct store *s, const char *name, const uint8_t hash[STORE_HASH_BYTES],
                         struct hl_error *err)
{
    int r = check_user(s, name, err);
    if (!r)
        r = check_ptr(err, "hash", hash);
    return r ? r : s->ops->user_token_set(s, name, hash, err);
}

int store_user_remove(struct store *s, const char *name, struct hl_error *err)
{
    int r = check_user(s, name, err);
    return r ? r : s->ops->user_remove(s, name, err);
}

int store_user_list(struct store *s, store_user_fn fn, void *ctx, struct hl_error *err)
{
    int r = check_ptr(err, "store", s);
    if (!r)
        r = check_ptr(err, "callback", (const void *)fn);
    return r ? r : s->ops->user_list(s, fn, ctx, err);
}

int store_user_right_set(struct store *s, const char *name, const char *channel, unsigned rights,
                         struct hl_error *err)
{
    int r = check_user(s, name, err);
    if (!r)
        r = check_text(err, "channel", channel);
    if (!r && (rights & ~STORE_RIGHTS_ALL))
        r = hl_fail(err, HL_E_INVALID, "rights", "store: unknown rights bits %#x", rights);
    return r ? r : s->ops->user_right_set(s, name, channel, rights, err);
}

int store_user_rights(struct store *s, const char *name, const char *channel, unsigned *rights,
                      struct hl_error *err)
{
    int r = check_user(s, name, err);
    if (!r)
        r = check_text(err, "channel", channel);
    if (!r)
        r = check_ptr(err, "rights", rights);
    if (r)
        return r;
    *rights = 0;
    r = s->ops->user_rights(s, name, channel, rights, err);
    if (r)
        *rights = 0;
    return r;
}

int store_user_right_list(struct store *s, const char *name, store_user_right_fn fn, void *ctx,
                          struct hl_error *err)
{
    int r = check_user(s, name, err);
    if (!r)
        r = check_ptr(err, "callback", (const void *)fn);
    return r ? r : s->ops->user_right_list(s, name, fn, ctx, err);
}
