/*
 * log.c — the per-(party, channel) logs: appending sealed batches with
 * their tree heads, receipts, and proofs served from the stored subtree
 * hashes (accept.c takes another party's entries).
 *
 * Storage of a log (store.h): entry n is a row (seq n, leaf hash, object
 * row); the object row holds the RFC 8785 bytes of the sealed object,
 * which are the leaf (RFC 9162 §2.1.1: leaf hash = SHA-256(0x00 || leaf)).
 * Every complete subtree of 2^l leaves, l >= 1, is a tile row (l, index),
 * written when its last leaf is appended: appending leaf i completes
 * exactly ctz(i + 1) subtrees, one new row per leaf on average, and the
 * frontier (merkle.c) is rebuilt at the start of a batch from popcount(size)
 * rows. A proof then reads at most 2 log2(n) rows.
 *
 * Batches: everything of one batch (objects, entries, tiles, the tree head
 * and its row) is written in one store transaction, so it is durable with
 * one fsync, and a crash leaves all of it or none.
 */
#include <stdlib.h>
#include <string.h>

#include "log_int.h"

#define CANON_MAX LOG_ENTRY_MAX

/* ---- statements: tree heads and receipts --------------------------------- */

enum log_kind log_kind_of(const json_t *obj)
{
    const char *type = json_string_value(json_object_get(obj, "type"));
    if (type && strcmp(type, LOG_TREE_HEAD_TYPE) == 0)
        return LOG_KIND_HEAD;
    if (type && strcmp(type, LOG_RECEIPT_TYPE) == 0)
        return LOG_KIND_RECEIPT;
    return LOG_KIND_OTHER;
}

bool log_is_statement(const json_t *obj)
{
    return log_kind_of(obj) != LOG_KIND_OTHER;
}

static int copy_text(const json_t *obj, const char *name, char *out, size_t max,
                     struct hl_error *err)
{
    const char *s = json_string_value(json_object_get(obj, name));
    if (!s || !*s || strlen(s) >= max)
        return hl_fail(err, HL_E_VERIFY, name, "'%s' must be a string of 1 to %zu bytes", name,
                       max - 1);
    memcpy(out, s, strlen(s) + 1);
    return 0;
}

static bool parse_hex32(const char *s, uint8_t out[32])
{
    static const char digits[] = "0123456789abcdef";
    if (!s || strlen(s) != 64)
        return false;
    for (size_t i = 0; i < 64; i++) {
        const char *d = memchr(digits, s[i], 16);
        if (!d || !s[i])
            return false;
        unsigned v = (unsigned)(d - digits);
        out[i / 2] = (uint8_t)(i % 2 ? (out[i / 2] | v) : (v << 4));
    }
    return true;
}

int64_t log_object_time_us(const json_t *obj)
{
    const char *t = json_string_value(json_object_get(obj, "modified"));
    if (!t)
        t = json_string_value(json_object_get(obj, "created"));
    int64_t us = 0;
    return stix_time_parse_us(t, &us) ? us : 0;
}

int log_statement_read(const json_t *obj, struct log_statement *st, struct hl_error *err)
{
    memset(st, 0, sizeof *st);
    st->kind = log_kind_of(obj);
    if (st->kind == LOG_KIND_OTHER)
        return hl_fail(err, HL_E_VERIFY, "type", "not a tree head or receipt");
    int rc = copy_text(obj, "created_by_ref", st->creator, sizeof st->creator, err);
    if (!rc)
        rc = copy_text(obj, "log_party", st->log_party, sizeof st->log_party, err);
    if (!rc)
        rc = copy_text(obj, "log_channel", st->log_channel, sizeof st->log_channel, err);
    if (rc)
        return rc;
    if (!stix_id_valid(st->creator, "identity") || !stix_id_valid(st->log_party, "identity"))
        return hl_fail(err, HL_E_VERIFY, "log_party",
                       "created_by_ref and log_party must be "
                       "identity ids");
    const json_t *size = json_object_get(obj, "tree_size");
    if (!json_is_integer(size) || json_integer_value(size) < 0 ||
        json_integer_value(size) > HL_IJSON_MAX_INT)
        return hl_fail(err, HL_E_VERIFY, "tree_size",
                       "tree_size must be an integer from 0 to "
                       "2^53 - 1");
    st->tree_size = (uint64_t)json_integer_value(size);
    if (!parse_hex32(json_string_value(json_object_get(obj, "root_hash")), st->root))
        return hl_fail(err, HL_E_VERIFY, "root_hash",
                       "root_hash must be 64 lowercase hex "
                       "digits");
    const char *ext = st->kind == LOG_KIND_HEAD ? LOG_TREE_HEAD_EXT : LOG_RECEIPT_EXT;
    const json_t *decl = json_object_get(json_object_get(obj, "extensions"), ext);
    const char *et = json_string_value(json_object_get(decl, "extension_type"));
    if (!et || strcmp(et, "new-sdo") != 0)
        return hl_fail(err, HL_E_VERIFY, "extensions",
                       "a %s must declare its extension %s as "
                       "new-sdo",
                       st->kind == LOG_KIND_HEAD ? LOG_TREE_HEAD_TYPE : LOG_RECEIPT_TYPE, ext);
    if (st->kind == LOG_KIND_RECEIPT && strcmp(st->creator, st->log_party) == 0)
        return hl_fail(err, HL_E_VERIFY, "log_party", "a party cannot cosign its own log");
    st->created_us = log_object_time_us(obj);
    return 0;
}

static int set_new(json_t *obj, const char *key, json_t *v)
{
    return v ? json_object_set_new(obj, key, v) : -1;
}

json_t *log_statement_new(enum log_kind kind, const char *creator, const char *log_party,
                          const char *channel, uint64_t tree_size, const uint8_t root[static 32],
                          int64_t now_us)
{
    const char *type = kind == LOG_KIND_HEAD ? LOG_TREE_HEAD_TYPE : LOG_RECEIPT_TYPE;
    const char *ext = kind == LOG_KIND_HEAD ? LOG_TREE_HEAD_EXT : LOG_RECEIPT_EXT;
    char id[STIX_ID_MAX], when[32], hex[65];
    struct stix_time t = {.sec = now_us / 1000000, .nsec = (uint32_t)(now_us % 1000000) * 1000};
    if (stix_id_new(type, id))
        return NULL;
    stix_time_format(&t, when);
    hl_hex(hex, root, 32);
    json_t *obj = json_object();
    json_t *exts = json_object();
    int bad = !obj || !exts;
    bad = bad || set_new(obj, "type", json_string(type));
    bad = bad || set_new(obj, "spec_version", json_string("2.1"));
    bad = bad || set_new(obj, "id", json_string(id));
    bad = bad || set_new(obj, "created_by_ref", json_string(creator));
    bad = bad || set_new(obj, "created", json_string(when));
    bad = bad || set_new(obj, "modified", json_string(when));
    bad = bad || set_new(obj, "log_party", json_string(log_party));
    bad = bad || set_new(obj, "log_channel", json_string(channel));
    bad = bad || set_new(obj, "tree_size", json_integer((json_int_t)tree_size));
    bad = bad || set_new(obj, "root_hash", json_string(hex));
    bad = bad || set_new(exts, ext, json_pack("{s:s}", "extension_type", "new-sdo"));
    bad = bad || json_object_set(obj, "extensions", exts);
    json_decref(exts);
    if (bad) {
        json_decref(obj);
        return NULL;
    }
    return obj;
}

/* ---- versions already held ------------------------------------------------ */

/* obj without what sealing and signing add (a shallow copy), in RFC 8785
 * form: what two publications of one version must share. */
static int unsealed_canon(const json_t *obj, struct buf *out, struct hl_error *err)
{
    json_t *v = json_copy((json_t *)obj);
    json_t *exts = json_copy(json_object_get(v, "extensions"));
    int rc = v ? 0 : hl_fail(err, HL_E_NOMEM, NULL, "out of memory");
    if (!rc) {
        json_object_del(v, SEAL_PROP_PARTY);
        json_object_del(v, SEAL_PROP_CHANNEL);
        json_object_del(v, SEAL_PROP_SEQ);
        json_object_del(v, "signatures");
        json_object_del(v, "extensions");
        if (exts && !json_object_del(exts, SEAL_EXTENSION_ID) && json_object_size(exts) == 0) {
            json_decref(exts);
            exts = NULL;
        }
        if (exts && json_object_set(v, "extensions", exts))
            rc = hl_fail(err, HL_E_NOMEM, NULL, "out of memory");
    }
    if (!rc)
        rc = stix_canon(v, out, err);
    json_decref(exts);
    json_decref(v);
    return rc;
}

struct held {
    const json_t *obj;
    int64_t version_us;
    struct buf want, got;
    int found; /* 0 none, 1 equal, 2 different */
    struct hl_error *err;
};

/* Compares a stored row of the version sought with the object; the
 * canonical forms are made only then (most objects published are new). */
static int held_compare(void *ctx, const struct store_object *o)
{
    struct held *h = ctx;
    json_t *stored = NULL;
    if (o->modified_us != h->version_us)
        return 0;
    int rc = unsealed_canon(h->obj, &h->want, h->err);
    if (!rc)
        rc = stix_parse((const char *)o->json, o->json_len, &stored, h->err);
    if (!rc)
        rc = unsealed_canon(stored, &h->got, h->err);
    json_decref(stored);
    if (rc)
        return rc;
    h->found =
        h->got.len == h->want.len && memcmp(h->got.data, h->want.data, h->got.len) == 0 ? 1 : 2;
    return 1;
}

int log_held_version(struct store *s, const char *channel, const json_t *obj, bool *held,
                     struct hl_error *err)
{
    const char *id = json_string_value(json_object_get(obj, "id"));
    struct held h = {.obj = obj, .version_us = log_object_time_us(obj), .err = err};
    *held = false;
    if (!id)
        return hl_fail(err, HL_E_STIX, "id", "an object needs an id");
    buf_init(&h.want, CANON_MAX);
    buf_init(&h.got, CANON_MAX);
    int rc = store_object_versions(s, channel, id, held_compare, &h, err);
    if (rc == -HL_E_NOT_FOUND || rc == 1) {
        hl_error_clear(err);
        rc = 0;
    }
    if (!rc && h.found == 2)
        rc = hl_fail(err, HL_E_CONFLICT, id,
                     "another object with the id %s and this version is "
                     "in channel %s already: a published version cannot "
                     "change (publish a new modified time)",
                     id, channel);
    *held = !rc && h.found == 1;
    buf_release(&h.want);
    buf_release(&h.got);
    return rc;
}

/* ---- subtree hashes from the store --------------------------------------- */

struct store_src {
    struct store *s;
    const char *party, *channel;
    struct hl_error *err;
};

static int store_subtree(void *ctx, unsigned level, uint64_t index, uint8_t out[32])
{
    struct store_src *src = ctx;
    if (level == 0) {
        struct store_log_entry e;
        int rc =
            store_log_entry_get(src->s, src->party, src->channel, (int64_t)index, &e, src->err);
        if (!rc)
            memcpy(out, e.leaf_hash, 32);
        return rc;
    }
    return store_tile_get(src->s, src->party, src->channel, level, (int64_t)index, out, src->err);
}

/* Opens a tree of the log for appending: its size and frontier. */
int log_tree_open(struct store *s, const char *party, const char *channel,
                     struct merkle_frontier *f, struct hl_error *err)
{
    int64_t size = 0;
    int rc = store_log_size(s, party, channel, &size, err);
    if (rc)
        return rc;
    struct store_src src = {s, party, channel, err};
    return merkle_frontier_load(f, (uint64_t)size, store_subtree, &src, err);
}

/* Appends a leaf to the frontier and stores the subtrees it completes:
 * leaf i closes ctz(i + 1) of them, whose left halves are the frontier's
 * smallest entries (RFC 9162 §2.1.1, MTH of a power-of-two range). */
static int tree_push(struct store *s, const char *party, const char *channel,
                     struct merkle_frontier *f, const uint8_t leaf[static 32], struct hl_error *err)
{
    uint8_t h[32];
    uint64_t next = f->size + 1;
    unsigned merges = (unsigned)__builtin_ctzll(next);
    memcpy(h, leaf, 32);
    if (merges > f->n)
        return hl_fail(err, HL_E_INTERNAL, "log", "frontier of size %llu has %u entries",
                       (unsigned long long)f->size, f->n);
    for (unsigned j = 0; j < merges; j++) {
        if (merkle_node_hash(f->hash[f->n - 1 - j], h, h))
            return hl_fail(err, HL_E_CRYPTO, "log", "SHA-256 failed");
        int rc = store_tile_put(s, party, channel, j + 1, (int64_t)((next >> (j + 1)) - 1), h, err);
        if (rc)
            return rc;
    }
    f->n -= merges;
    memcpy(f->hash[f->n++], h, 32);
    f->size = next;
    return 0;
}

/* Stores obj's canonical bytes as the next entry of the log. With defer,
 * the log entry row is only filled in there, for the caller to append a
 * whole batch of them in one store call. */
static int entry_store_as(struct store *s, const char *party, const char *channel,
                          struct merkle_frontier *f, const json_t *obj, const struct buf *canon,
                          int64_t now_us, int64_t *row, uint8_t leaf[static 32],
                          struct store_log_entry *defer, struct hl_error *err)
{
    const char *id = json_string_value(json_object_get(obj, "id"));
    const char *type = json_string_value(json_object_get(obj, "type"));
    if (!id || !type)
        return hl_fail(err, HL_E_STIX, "id", "an object in a log needs a type and an id");
    if (merkle_leaf_hash(canon->data, canon->len, leaf))
        return hl_fail(err, HL_E_CRYPTO, NULL, "SHA-256 failed");
    struct store_object o = {
        .channel = channel,
        .stix_id = id,
        .type = type,
        .modified_us = log_object_time_us(obj),
        .date_added_us = now_us,
        .json = (const uint8_t *)canon->data,
        .json_len = canon->len,
        .sealed_by = party,
    };
    int rc = store_object_add(s, &o, row, err);
    if (rc == -HL_E_EXISTS)
        return hl_fail(err, HL_E_EXISTS, id, "this version of %s is already in channel %s", id,
                       channel);
    if (rc)
        return rc;
    struct store_log_entry e = {.seq = (int64_t)f->size, .object_row = *row, .batch = now_us};
    memcpy(e.leaf_hash, leaf, 32);
    if (defer)
        *defer = e;
    else
        rc = store_log_append(s, party, channel, &e, 1, err);
    return rc ? rc : tree_push(s, party, channel, f, leaf, err);
}

int log_entry_store(struct store *s, const char *party, const char *channel,
                       struct merkle_frontier *f, const json_t *obj, const struct buf *canon,
                       int64_t now_us, int64_t *row, uint8_t leaf[static 32], struct hl_error *err)
{
    return entry_store_as(s, party, channel, f, obj, canon, now_us, row, leaf, NULL, err);
}

/* Seals obj as the next entry of me's log and stores it. */
static int seal_and_store(struct store *s, const struct log_signer *me, const char *channel,
                          struct merkle_frontier *f, json_t *obj, int64_t now_us, int64_t *row,
                          struct buf *canon, struct hl_error *err)
{
    uint8_t leaf[32];
    buf_clear(canon);
    int rc = seal_object(obj, me->key, me->party, channel, f->size, err);
    if (!rc)
        rc = stix_canon(obj, canon, err);
    return rc ? rc : log_entry_store(s, me->party, channel, f, obj, canon, now_us, row, leaf, err);
}

/* The date_added of the next row of channel: now, or just after the
 * channel's last row if a writer with a later clock came first (keyset
 * pagination by (date_added, row) must never see a row appear behind a
 * cursor). Call inside the write transaction. */
int log_added_base(struct store *s, const char *channel, int64_t now_us, int64_t *base,
                      struct hl_error *err)
{
    int64_t last = 0;
    int rc = store_channel_last_added(s, channel, &last, err);
    *base = rc == 0 && last >= now_us ? last + 1 : now_us;
    return rc;
}

/* log_own_current for a log whose size the caller has read. */
static int own_current_at(struct store *s, const char *party, const char *channel, uint64_t size,
                          struct hl_error *err)
{
    struct store_receipt r;
    struct hl_error e;
    int rc = store_receipt_latest(s, party, channel, NULL, &r, &e);
    if (rc == -HL_E_NOT_FOUND || (!rc && (uint64_t)r.size <= size))
        return 0;
    if (rc) {
        *err = e;
        return rc;
    }
    return hl_fail(err, HL_E_BEHIND, channel,
                   "%s holds %lld entries of this node's log in %s, but this node holds %llu: "
                   "its database is older than what it published (restored from a backup or a "
                   "snapshot?). It appends nothing to that log until the missing entries are "
                   "back; they come with the next pull from a member that holds them",
                   r.witness_id, (long long)r.size, channel, (unsigned long long)size);
}

int log_own_current(struct store *s, const char *party, const char *channel, struct hl_error *err)
{
    int64_t size = 0;
    int rc = store_log_size(s, party, channel, &size, err);
    return rc ? rc : own_current_at(s, party, channel, (uint64_t)size, err);
}

static int check_batch(const struct log_signer *me, const char *channel, json_t *const *objs,
                       size_t n, bool statements, struct hl_error *err)
{
    if (!me || !me->party || !me->key || !objs)
        return hl_fail(err, HL_E_INVALID, "log", "log_append needs a signer and objects");
    if (!seal_channel_valid(channel))
        return hl_fail(err, HL_E_INVALID, "channel", "'%s' is not a valid channel name",
                       channel ? channel : "");
    if (n < 1 || n > LOG_BATCH_MAX)
        return hl_fail(err, HL_E_TOO_LARGE, "log", "a batch holds 1 to %d objects, not %zu",
                       LOG_BATCH_MAX, n);
    for (size_t i = 0; i < n; i++) {
        if (!json_is_object(objs[i]))
            return hl_fail(err, HL_E_INVALID, "log", "batch item %zu is not an object", i);
        if (!statements && log_kind_of(objs[i]) != LOG_KIND_OTHER)
            return hl_fail(err, HL_E_INVALID, "type",
                           "batch item %zu: tree heads and receipts "
                           "are made by hotline itself, not published",
                           i);
    }
    return 0;
}

/* Appends a batch and its head. Statements (heads, receipts) are made by
 * this module only: a caller's batch may not carry one (statements). */
static int append_batch(struct store *s, const struct log_signer *me, const char *channel,
                        json_t *const *objs, size_t n, bool statements, int64_t now_us,
                        struct log_append_result *out, struct hl_error *err)
{
    struct merkle_frontier f;
    struct log_append_result res = {0};
    struct buf canon, *canons = NULL;
    struct store_log_entry *entries = NULL;
    struct log_sealer *sealer = NULL;
    json_t *head = NULL;
    uint8_t leaf[32];
    int64_t row = 0;
    int rc = check_batch(me, channel, objs, n, statements, err);
    if (rc)
        return rc;
    buf_init(&canon, CANON_MAX);
    canons = calloc(n, sizeof *canons);
    entries = calloc(n, sizeof *entries);
    if (!canons || !entries) {
        rc = hl_fail(err, HL_E_NOMEM, NULL, "out of memory");
        goto out;
    }
    for (size_t i = 0; i < n; i++)
        buf_init(&canons[i], CANON_MAX);
    rc = log_tree_open(s, me->party, channel, &f, err);
    res.first_seq = f.size;
    if (!rc)
        rc = own_current_at(s, me->party, channel, f.size, err);
    if (!rc)
        rc = log_added_base(s, channel, now_us, &now_us, err);
    if (!rc)
        rc = log_sealer_start(me, channel, objs, n, f.size, canons, &sealer, err);
    /* Each object its own date_added, 1 µs apart, so that a TAXII client
     * paging by added_after alone never skips the rest of a batch. Object
     * i is stored as soon as it is sealed, while the next are. */
    for (size_t i = 0; !rc && i < n; i++) {
        rc = log_sealer_wait(sealer, i, err);
        if (!rc)
            rc = entry_store_as(s, me->party, channel, &f, objs[i], &canons[i], now_us + (int64_t)i,
                                &row, leaf, &entries[i], err);
        if (!rc && i == 0)
            res.first_row = row;
    }
    if (!rc) /* one store call for the batch's entries: one size check */
        rc = store_log_append(s, me->party, channel, entries, n, err);
    if (!rc && merkle_frontier_root(&f, res.root))
        rc = hl_fail(err, HL_E_CRYPTO, NULL, "SHA-256 failed");
    if (!rc) {
        res.head_seq = f.size;
        head = log_statement_new(LOG_KIND_HEAD, me->party, me->party, channel, f.size, res.root,
                                 now_us);
        rc = head ? seal_and_store(s, me, channel, &f, head, now_us + (int64_t)n, &res.head_row,
                                   &canon, err)
                  : hl_fail(err, HL_E_NOMEM, NULL, "out of memory");
    }
    if (!rc) {
        struct store_tree_head h = {
            .size = (int64_t)res.head_seq, .timestamp_us = now_us, .object_row = res.head_row};
        memcpy(h.root, res.root, 32);
        rc = store_tree_head_add(s, me->party, channel, &h, err);
    }
    res.n = n;
    if (!rc && out)
        *out = res;
out:
    log_sealer_free(sealer); /* first: its workers write into canons */
    json_decref(head);
    buf_release(&canon);
    for (size_t i = 0; canons && i < n; i++)
        buf_release(&canons[i]);
    free(entries);
    free(canons);
    return rc;
}

int log_append_in(struct store *s, const struct log_signer *me, const char *channel,
                  json_t *const *objs, size_t n, int64_t now_us, struct log_append_result *out,
                  struct hl_error *err)
{
    return append_batch(s, me, channel, objs, n, false, now_us, out, err);
}

/* Ends the transaction of a body that returned rc: commit if it
 * succeeded, else roll back and return rc (err keeps the body's detail). */
static int tx_end(struct store *s, int rc, struct hl_error *err)
{
    if (rc) {
        struct hl_error ignored;
        int rb = store_rollback(s, &ignored); /* rc, not rb, says what went wrong */
        (void)rb;
        return rc;
    }
    return store_commit(s, err);
}

int log_append(struct store *s, const struct log_signer *me, const char *channel,
               json_t *const *objs, size_t n, int64_t now_us, struct log_append_result *out,
               struct hl_error *err)
{
    int rc = store_begin(s, err);
    if (rc)
        return rc;
    rc = log_append_in(s, me, channel, objs, n, now_us, out, err);
    return tx_end(s, rc, err);
}

/* ---- roots and proofs ---------------------------------------------------- */

static int check_size(struct store *s, const char *party, const char *channel, uint64_t size,
                      struct hl_error *err)
{
    int64_t held = 0;
    int rc = store_log_size(s, party, channel, &held, err);
    if (rc)
        return rc;
    if (size > (uint64_t)held)
        return hl_fail(err, HL_E_NOT_FOUND, "size",
                       "the log of %s in %s holds %lld entries, "
                       "not %llu",
                       party, channel, (long long)held, (unsigned long long)size);
    return 0;
}

/* Proof reads go inside one read transaction (one snapshot, and SQLite
 * takes its WAL read lock once instead of once per row: four times faster
 * here), unless the caller has a transaction open already. */
static bool snapshot_begin(struct store *s)
{
    struct hl_error ignored;
    return store_begin_read(s, &ignored) == 0;
}

static void snapshot_end(struct store *s, bool own)
{
    struct hl_error ignored;
    if (own) {
        int rb = store_rollback(s, &ignored); /* a read transaction has nothing to undo */
        (void)rb;
    }
}

int log_root(struct store *s, const char *party, const char *channel, uint64_t size,
             uint8_t out[static 32], struct hl_error *err)
{
    struct store_src src = {s, party, channel, err};
    bool own = snapshot_begin(s);
    int rc = check_size(s, party, channel, size, err);
    if (!rc)
        rc = merkle_tree_root(size, store_subtree, &src, out, err);
    snapshot_end(s, own);
    return rc;
}

int log_prove_inclusion(struct store *s, const char *party, const char *channel, uint64_t size,
                        uint64_t index, uint8_t proof[MERKLE_MAX_PROOF][32], size_t *n_proof,
                        struct hl_error *err)
{
    struct store_src src = {s, party, channel, err};
    *n_proof = 0;
    bool own = snapshot_begin(s);
    int rc = check_size(s, party, channel, size, err);
    if (!rc)
        rc = merkle_inclusion_proof(size, index, store_subtree, &src, proof, n_proof, err);
    snapshot_end(s, own);
    return rc;
}

int log_prove_consistency(struct store *s, const char *party, const char *channel, uint64_t size1,
                          uint64_t size2, uint8_t proof[MERKLE_MAX_PROOF][32], size_t *n_proof,
                          struct hl_error *err)
{
    struct store_src src = {s, party, channel, err};
    *n_proof = 0;
    bool own = snapshot_begin(s);
    int rc = check_size(s, party, channel, size2, err);
    if (!rc)
        rc = merkle_consistency_proof(size1, size2, store_subtree, &src, proof, n_proof, err);
    snapshot_end(s, own);
    return rc;
}

/* ---- receipts ------------------------------------------------------------ */

int log_receipt_publish_in(struct store *s, const struct log_signer *me, const char *party,
                           const char *channel, int64_t now_us, struct log_append_result *out,
                           struct hl_error *err)
{
    struct log_append_result res = {0};
    struct merkle_frontier f;
    uint8_t root[32];
    json_t *receipt = NULL;
    if (!me || !me->party || !party || strcmp(me->party, party) == 0 ||
        strlen(me->party) >= sizeof((struct store_receipt *)0)->witness_id)
        return hl_fail(err, HL_E_INVALID, "receipt", "a party cosigns another party's log");
    int rc = log_tree_open(s, party, channel, &f, err);
    if (!rc && f.size == 0)
        rc = hl_fail(err, HL_E_NOT_FOUND, channel, "nothing of the log of %s in %s is held", party,
                     channel);
    if (!rc && merkle_frontier_root(&f, root))
        rc = hl_fail(err, HL_E_CRYPTO, NULL, "SHA-256 failed");
    if (!rc) {
        receipt =
            log_statement_new(LOG_KIND_RECEIPT, me->party, party, channel, f.size, root, now_us);
        rc = receipt ? append_batch(s, me, channel, &receipt, 1, true, now_us, &res, err)
                     : hl_fail(err, HL_E_NOMEM, NULL, "out of memory");
    }
    if (!rc) {
        struct store_receipt r = {.size = (int64_t)f.size, .object_row = res.first_row};
        memcpy(r.root, root, 32);
        memcpy(r.witness_id, me->party, strlen(me->party) + 1);
        rc = store_receipt_add(s, party, channel, &r, err);
    }
    json_decref(receipt);
    if (!rc && out)
        *out = res;
    return rc;
}

int log_receipt_publish(struct store *s, const struct log_signer *me, const char *party,
                        const char *channel, int64_t now_us, struct log_append_result *out,
                        struct hl_error *err)
{
    int rc = store_begin(s, err);
    if (rc)
        return rc;
    rc = log_receipt_publish_in(s, me, party, channel, now_us, out, err);
    return tx_end(s, rc, err);
}
