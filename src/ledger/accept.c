/*
 * accept.c — taking entries of another party's log into the ledger:
 * one at a time, checked here (log_accept_in) or by the caller
 * (log_accept_verified_in, whose costly checks the exchange runs on the
 * ledger's worker threads before it takes the writer's lock), and keeping
 * a contradicting tree head as evidence.
 *
 * An entry is taken only if the party is known and a member of the
 * channel, its seal verifies with the party's stored key and names this
 * log, it is valid STIX, and its hotline_seq is the log's size (the next
 * entry). An entry already held is a no-op when its bytes are the same
 * and equivocation when they differ; a tree head must state the root of
 * the entries before it. Every check comes before the first write, so a
 * refused entry stores nothing.
 */
#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#include "log_int.h"

#define CANON_MAX LOG_ENTRY_MAX

/* ---- another party's entries --------------------------------------------- */

struct member_find {
    const char *party;
    bool found;
};

static int member_match(void *ctx, const struct store_party *p)
{
    struct member_find *m = ctx;
    if (strcmp(p->id, m->party) == 0)
        m->found = true;
    return 0;
}

/* The party's key, if it is a member of the channel. */
static int member_key(struct store *s, const char *party, const char *channel, uint8_t pk[32],
                      struct hl_error *err)
{
    struct store_party p;
    struct member_find m = {party, false};
    int rc = store_party_get(s, party, &p, err);
    if (rc == -HL_E_NOT_FOUND)
        return hl_fail(err, HL_E_PERM, party, "party %s is not known here", party);
    if (!rc)
        rc = store_channel_member_list(s, channel, member_match, &m, err);
    if (!rc && !m.found)
        return hl_fail(err, HL_E_PERM, party, "party %s is not a member of channel %s", party,
                       channel);
    if (!rc)
        memcpy(pk, p.public_key, 32);
    return rc;
}

/* The seal must be the log party's own, for this log. */
/* What a verified seal names must be this log and the party's stored key. */
static int accept_seal_names(const struct seal_info *info, const char *party,
                             const char *channel, const uint8_t pk[32], struct hl_error *err)
{
    if (strcmp(info->party, party) != 0 || strcmp(info->channel, channel) != 0)
        return hl_fail(err, HL_E_VERIFY, "hotline_party",
                       "sealed for %s in %s, not for the log "
                       "of %s in %s",
                       info->party, info->channel, party, channel);
    if (sodium_memcmp(info->pk, pk, 32) != 0)
        return hl_fail(err, HL_E_VERIFY, "signatures[0]", "not signed by the key of %s", party);
    return 0;
}

static int accept_check_seal(const json_t *obj, const struct buf *canon, const char *party,
                             const char *channel, const uint8_t pk[32], struct seal_info *info,
                             struct hl_error *err)
{
    int rc = seal_verify_canonical(obj, (const uint8_t *)canon->data, canon->len, info, err);
    return rc ? rc : accept_seal_names(info, party, channel, pk, err);
}

/* An entry already held: the same bytes are a no-op, others equivocation. */
static int accept_held(struct store *s, const char *party, const char *channel, uint64_t seq,
                       const uint8_t leaf[32], enum log_accept *what, struct hl_error *err)
{
    struct store_log_entry e;
    int rc = store_log_entry_get(s, party, channel, (int64_t)seq, &e, err);
    if (rc)
        return rc;
    if (memcmp(e.leaf_hash, leaf, 32) != 0)
        return hl_fail(err, HL_E_VERIFY, "hotline_seq",
                       "equivocation: %s sealed two different "
                       "entries %llu in %s",
                       party, (unsigned long long)seq, channel);
    *what = LOG_DUPLICATE;
    return 0;
}

/* A statement in the log of (party, channel) must be made by party about
 * that channel; a head must state the root of the entries before it. */
static int statement_check(const char *party, const char *channel, const json_t *obj,
                           const struct merkle_frontier *f, struct log_statement *st,
                           struct hl_error *err)
{
    uint8_t root[32];
    int rc = log_statement_read(obj, st, err);
    if (rc)
        return rc;
    if (strcmp(st->log_channel, channel) != 0 || strcmp(st->creator, party) != 0)
        return hl_fail(err, HL_E_VERIFY, "log_channel",
                       "a statement in the log of %s in %s "
                       "must be made by %s about %s",
                       party, channel, party, channel);
    if (st->kind == LOG_KIND_RECEIPT)
        return strcmp(st->log_party, party) == 0
                   ? hl_fail(err, HL_E_VERIFY, "log_party", "a party cannot cosign its own log")
                   : 0;
    if (strcmp(st->log_party, party) != 0 || st->tree_size != f->size)
        return hl_fail(err, HL_E_VERIFY, "tree_size",
                       "tree head %llu of %s must state its own "
                       "log's size %llu",
                       (unsigned long long)st->tree_size, party, (unsigned long long)f->size);
    if (merkle_frontier_root(f, root))
        return hl_fail(err, HL_E_CRYPTO, NULL, "SHA-256 failed");
    if (memcmp(root, st->root, 32) != 0)
        return hl_fail(err, HL_E_VERIFY, "root_hash",
                       "equivocation: the tree head of size %llu "
                       "states another root than the entries "
                       "held",
                       (unsigned long long)st->tree_size);
    return 0;
}

/* Indexes a stored statement: a head in tree_heads, a receipt in receipts
 * (unless the log it cosigns belongs to a party unknown here). */
static int statement_record(struct store *s, const char *party, const char *channel,
                            const struct log_statement *st, int64_t row, struct hl_error *err)
{
    if (st->kind == LOG_KIND_HEAD) {
        struct store_tree_head h = {
            .size = (int64_t)st->tree_size, .timestamp_us = st->created_us, .object_row = row};
        memcpy(h.root, st->root, 32);
        return store_tree_head_add(s, party, channel, &h, err);
    }
    struct store_party known;
    struct hl_error ignored;
    if (store_party_get(s, st->log_party, &known, &ignored) == -HL_E_NOT_FOUND)
        return 0;
    struct store_receipt r = {.size = (int64_t)st->tree_size, .object_row = row};
    memcpy(r.root, st->root, 32);
    memcpy(r.witness_id, party, strlen(party) + 1);
    return store_receipt_add(s, st->log_party, channel, &r, err);
}

/* Validates obj as STIX: the first error refuses it. */
static int accept_validate(const json_t *obj, struct hl_error *err)
{
    struct stix_report r;
    stix_report_init(&r);
    stix_validate_object(obj, "", &r);
    int rc = 0;
    for (size_t i = 0; i < r.n && !rc; i++) {
        if (r.items[i].severity == STIX_SEV_ERROR)
            rc = hl_fail(err, HL_E_STIX, r.items[i].path, "%s", r.items[i].message);
    }
    stix_report_release(&r);
    return rc;
}

/* The RFC 8785 form and leaf hash of a received entry. */
static int accept_leaf(const json_t *obj, struct buf *canon, uint8_t leaf[32],
                       struct hl_error *err)
{
    if (!json_is_object(obj))
        return hl_fail(err, HL_E_PARSE, NULL, "a log entry is one JSON object");
    int rc = stix_canon(obj, canon, err);
    if (!rc && merkle_leaf_hash(canon->data, canon->len, leaf))
        rc = hl_fail(err, HL_E_CRYPTO, NULL, "SHA-256 failed");
    return rc;
}

/* Verifies and canonicalizes one received entry (parsed). */
static int accept_check(const json_t *obj, const char *party, const char *channel,
                        const uint8_t pk[32], struct seal_info *info, struct buf *canon,
                        uint8_t leaf[32], struct hl_error *err)
{
    int rc = accept_leaf(obj, canon, leaf, err);
    if (!rc)
        rc = accept_check_seal(obj, canon, party, channel, pk, info, err);
    if (!rc)
        rc = accept_validate(obj, err);
    return rc;
}

/* Parses, verifies and canonicalizes one received entry. */
static int accept_read(const uint8_t *json, size_t len, const char *party, const char *channel,
                       const uint8_t pk[32], json_t **obj, struct seal_info *info,
                       struct buf *canon, uint8_t leaf[32], struct hl_error *err)
{
    int rc = stix_parse((const char *)json, len, obj, err);
    return rc ? rc : accept_check(*obj, party, channel, pk, info, canon, leaf, err);
}

/* The order and storage checks of an entry whose seal was checked (seq:
 * the one it claims), against the log of frontier f, which grows by the
 * entry if it is taken; added_us is its date_added (log_added_base). */
static int accept_entry(struct store *s, const char *party, const char *channel,
                        struct merkle_frontier *f, const json_t *obj, uint64_t seq,
                        const struct buf *canon, const uint8_t leaf[32], int64_t added_us,
                        enum log_accept *what, struct hl_error *err)
{
    struct log_statement st = {0};
    uint8_t stored[32];
    int64_t row = 0;
    *what = LOG_ACCEPTED;
    if (seq < f->size)
        return accept_held(s, party, channel, seq, leaf, what, err);
    if (seq > f->size)
        return hl_fail(err, HL_E_CONFLICT, "hotline_seq",
                       "entry %llu of %s in %s comes before entry %llu: a gap",
                       (unsigned long long)seq, party, channel, (unsigned long long)f->size);
    int rc = log_kind_of(obj) != LOG_KIND_OTHER
                 ? statement_check(party, channel, obj, f, &st, err)
                 : 0;
    if (!rc)
        rc = log_entry_store(s, party, channel, f, obj, canon, added_us, &row, stored, err);
    if (!rc && st.kind != LOG_KIND_OTHER)
        rc = statement_record(s, party, channel, &st, row, err);
    return rc;
}

/* accept_entry for one entry: the log's frontier and date, then the checks. */
static int accept_entry_once(struct store *s, const char *party, const char *channel,
                             const json_t *obj, uint64_t seq, const struct buf *canon,
                             const uint8_t leaf[32], int64_t now_us, enum log_accept *what,
                             struct hl_error *err)
{
    struct merkle_frontier f;
    int rc = log_tree_open(s, party, channel, &f, err);
    if (!rc)
        rc = log_added_base(s, channel, now_us, &now_us, err);
    return rc ? rc : accept_entry(s, party, channel, &f, obj, seq, canon, leaf, now_us, what, err);
}

int log_accept_in(struct store *s, const char *party, const char *channel, const uint8_t *json,
                  size_t len, int64_t now_us, enum log_accept *what, struct hl_error *err)
{
    struct seal_info info;
    struct buf canon;
    uint8_t pk[32], leaf[32];
    json_t *obj = NULL;
    *what = LOG_ACCEPTED;
    buf_init(&canon, CANON_MAX);
    int rc = member_key(s, party, channel, pk, err);
    if (!rc)
        rc = accept_read(json, len, party, channel, pk, &obj, &info, &canon, leaf, err);
    if (!rc)
        rc = accept_entry_once(s, party, channel, obj, info.seq, &canon, leaf, now_us, what, err);
    json_decref(obj);
    buf_release(&canon);
    return rc;
}

/* An open log of another party (ledger.h). */
struct log_accept_run {
    struct store *s;
    char party[SEAL_PARTY_MAX];
    char channel[SEAL_CHANNEL_MAX + 1];
    uint8_t pk[32];
    struct merkle_frontier f;
    int64_t next_added_us; /* date_added of the next row taken */
};

int log_accept_run_open(struct store *s, const char *party, const char *channel, int64_t now_us,
                        struct log_accept_run **out, struct hl_error *err)
{
    *out = NULL;
    if (!party || !channel || strlen(party) >= SEAL_PARTY_MAX || strlen(channel) > SEAL_CHANNEL_MAX)
        return hl_fail(err, HL_E_INVALID, "log", "no such log");
    struct log_accept_run *r = calloc(1, sizeof *r);
    if (!r)
        return hl_fail(err, HL_E_NOMEM, NULL, "out of memory");
    r->s = s;
    memcpy(r->party, party, strlen(party) + 1);
    memcpy(r->channel, channel, strlen(channel) + 1);
    int rc = member_key(s, party, channel, r->pk, err);
    if (!rc)
        rc = log_tree_open(s, party, channel, &r->f, err);
    if (!rc)
        rc = log_added_base(s, channel, now_us, &r->next_added_us, err);
    if (rc) {
        free(r);
        return rc;
    }
    *out = r;
    return 0;
}

int log_accept_run_take(struct log_accept_run *r, const json_t *obj,
                        const struct seal_info *info, const uint8_t *canon, size_t canon_len,
                        enum log_accept *what, struct hl_error *err)
{
    uint8_t leaf[32];
    struct buf c = {.data = (char *)canon, .len = canon_len, .cap = 0, .max = canon_len};
    *what = LOG_ACCEPTED;
    int rc = accept_seal_names(info, r->party, r->channel, r->pk, err);
    if (!rc && merkle_leaf_hash(canon, canon_len, leaf))
        rc = hl_fail(err, HL_E_CRYPTO, NULL, "SHA-256 failed");
    if (!rc)
        rc = accept_entry(r->s, r->party, r->channel, &r->f, obj, info->seq, &c, leaf,
                          r->next_added_us, what, err);
    if (!rc && *what == LOG_ACCEPTED)
        r->next_added_us++;
    return rc;
}

void log_accept_run_close(struct log_accept_run *r)
{
    free(r);
}

int log_accept_verified_in(struct store *s, const char *party, const char *channel,
                           const json_t *obj, const struct seal_info *info, const uint8_t *canon,
                           size_t canon_len, int64_t now_us, enum log_accept *what,
                           struct hl_error *err)
{
    struct log_accept_run *r = NULL;
    *what = LOG_ACCEPTED;
    int rc = log_accept_run_open(s, party, channel, now_us, &r, err);
    if (!rc)
        rc = log_accept_run_take(r, obj, info, canon, canon_len, what, err);
    log_accept_run_close(r);
    return rc;
}

int log_evidence_keep_in(struct store *s, const char *party, const char *channel,
                         const uint8_t *json, size_t len, int64_t now_us, bool *kept,
                         struct hl_error *err)
{
    struct seal_info info;
    struct log_statement st;
    struct buf canon;
    uint8_t pk[32], leaf[32], root[32];
    json_t *obj = NULL;
    int64_t row = 0, held = 0;
    *kept = false;
    buf_init(&canon, CANON_MAX);
    int rc = member_key(s, party, channel, pk, err);
    if (!rc)
        rc = accept_read(json, len, party, channel, pk, &obj, &info, &canon, leaf, err);
    if (!rc)
        rc = store_log_size(s, party, channel, &held, err);
    if (rc || log_kind_of(obj) != LOG_KIND_HEAD || log_statement_read(obj, &st, err) ||
        strcmp(st.log_party, party) != 0 || st.tree_size != info.seq ||
        st.tree_size >= (uint64_t)held)
        goto out; /* not a head of this log that can be compared */
    rc = log_root(s, party, channel, st.tree_size, root, err);
    if (rc || memcmp(root, st.root, 32) == 0)
        goto out;
    const char *id = json_string_value(json_object_get(obj, "id"));
    rc = log_added_base(s, channel, now_us, &now_us, err);
    if (rc)
        goto out;
    struct store_object o = {.channel = channel,
                             .stix_id = id,
                             .type = LOG_TREE_HEAD_TYPE,
                             .modified_us = st.created_us,
                             .date_added_us = now_us,
                             .json = (const uint8_t *)canon.data,
                             .json_len = canon.len};
    rc = store_object_add(s, &o, &row, err);
    if (!rc) {
        struct store_tree_head h = {
            .size = (int64_t)st.tree_size, .timestamp_us = st.created_us, .object_row = row};
        memcpy(h.root, st.root, 32);
        rc = store_tree_head_add(s, party, channel, &h, err);
    }
    *kept = rc == 0;
out:
    json_decref(obj);
    buf_release(&canon);
    return rc;
}
