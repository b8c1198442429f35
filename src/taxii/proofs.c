/*
 * proofs.c — the ledger endpoints under /api/hotline/collections/{id}/
 * (taxii.h documents the URLs and bodies): the latest signed tree head of
 * each log of the channel, RFC 9162 §2.1.3 inclusion proofs of one entry,
 * and §2.1.4 consistency proofs between two sizes of a log.
 *
 * Each answer is read in the request's one snapshot (route.c starts it
 * for every GET), so the sizes, roots and proof hashes of one answer
 * agree even while POSTs append.
 * Proofs come in the shape `hotline merkle verify` reads (base64 hashes,
 * leafIdx / treeSize or size1 / size2, wantErr false), so anyone can
 * check an answer offline; the signed tree head of the proved size is
 * attached when the log has one, binding the root to the party's key.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "stix/stix.h"
#include "taxii_int.h"

#define PROOF_MAX_MEMBERS 1000

static json_t *b64(const uint8_t h[32])
{
    char s[sodium_base64_ENCODED_LEN(32, sodium_base64_VARIANT_ORIGINAL)];
    sodium_bin2base64(s, sizeof s, h, 32, sodium_base64_VARIANT_ORIGINAL);
    return json_string(s);
}

static json_t *proof_list(uint8_t (*proof)[32], size_t n)
{
    json_t *list = json_array();
    for (size_t i = 0; list && i < n; i++)
        json_array_append_new(list, b64(proof[i]));
    return list;
}

static int take_json(void *ctx, const struct store_object *o)
{
    *(json_t **)ctx = json_loadb((const char *)o->json, o->json_len, JSON_REJECT_DUPLICATES, NULL);
    return 0;
}

/* The stored object of row, parsed; NULL on failure (err set). */
static json_t *row_json(struct store *s, int64_t row, struct hl_error *err)
{
    json_t *v = NULL;
    if (store_object_get(s, row, take_json, &v, err))
        return NULL;
    if (!v)
        hl_fail(err, HL_E_STORE, "objects", "stored object of row %lld is not JSON",
                (long long)row);
    return v;
}

static bool need_read(struct taxii_ctx *c)
{
    if (c->rights & AUTH_READ)
        return true;
    taxii_error(c, 403, "Forbidden", "you may not read collection %s", c->collection_id);
    return false;
}

/* Answers v (consumed) as application/json, or the failure. */
static void proof_answer(struct taxii_ctx *c, int r, json_t *v, const struct hl_error *err)
{
    if (r == -HL_E_NOT_FOUND)
        taxii_error(c, 404, "Not found", "%s", err->msg);
    else if (r == -HL_E_INVALID)
        taxii_error(c, 400, "Bad request", "%s", err->msg);
    else if (r)
        taxii_fail(c, err);
    else if (taxii_json(c, 200, json_incref(v)) == 0 && c->resp->status == 200)
        c->resp->content_type = "application/json";
    json_decref(v);
}

/* ---- heads ----------------------------------------------------------------- */

struct members {
    char (*id)[STORE_TEXT_MAX + 1];
    size_t n;
};

static int member_one(void *ctx, const struct store_party *p)
{
    struct members *m = ctx;
    if (m->n == PROOF_MAX_MEMBERS)
        return 0;
    snprintf(m->id[m->n++], STORE_TEXT_MAX + 1, "%s", p->id);
    return 0;
}

static int head_entry(struct taxii_ctx *c, const char *party, json_t *logs, struct hl_error *err)
{
    struct store_tree_head h;
    char ts[32];
    int r = store_tree_head_latest(c->store, party, c->channel, &h, err);
    if (r == -HL_E_NOT_FOUND)
        return 0; /* no log of that member here yet */
    json_t *obj = r ? NULL : row_json(c->store, h.object_row, err);
    if (!obj)
        return r ? r : -HL_E_STORE;
    taxii_time_format(h.timestamp_us, false, ts);
    json_t *e = json_pack("{s:s, s:I, s:o, s:s, s:o}", "party", party, "size", (json_int_t)h.size,
                          "root", b64(h.root), "timestamp", ts, "tree_head", obj);
    if (!e || json_array_append_new(logs, e))
        return hl_fail(err, HL_E_NOMEM, NULL, "out of memory");
    return 0;
}

void taxii_ep_heads(struct taxii_ctx *c)
{
    struct hl_error err;
    struct members m = {calloc(PROOF_MAX_MEMBERS, sizeof *m.id), 0};
    json_t *logs = json_array(), *out = NULL;
    hl_error_clear(&err);
    if (!need_read(c))
        goto out;
    int r = m.id && logs ? store_channel_member_list(c->store, c->channel, member_one, &m, &err)
                         : hl_fail(&err, HL_E_NOMEM, NULL, "out of memory");
    for (size_t i = 0; !r && i < m.n; i++)
        r = head_entry(c, m.id[i], logs, &err);
    if (!r)
        out = json_pack("{s:s, s:s, s:O}", "collection", c->collection_id, "channel", c->channel,
                        "logs", logs);
    if (!r && !out)
        r = hl_fail(&err, HL_E_NOMEM, NULL, "out of memory");
    proof_answer(c, r, out, &err);
out:
    json_decref(logs);
    free(m.id);
}

/* ---- inclusion and consistency ------------------------------------------------ */

struct head_pick {
    int64_t size;
    int64_t row; /* the head of that size (latest stored), 0 if none */
};

static int head_of_size(void *ctx, const struct store_tree_head *h)
{
    struct head_pick *p = ctx;
    if (h->size == p->size)
        p->row = h->object_row;
    return 0;
}

/* The signed head of size `size` of the log, or JSON null. */
static json_t *head_json(struct taxii_ctx *c, const char *party, int64_t size, struct hl_error *err)
{
    struct head_pick p = {size, 0};
    if (store_tree_head_list(c->store, party, c->channel, head_of_size, &p, err) || !p.row)
        return json_null();
    json_t *v = row_json(c->store, p.row, err);
    return v ? v : json_null();
}

/* The size a proof is made for: the `name` parameter if given (within
 * lo..the log's size), else the latest head's size, else the log's. */
static int proof_size(struct taxii_ctx *c, const char *party, const char *name, int64_t lo,
                      int64_t *size, struct hl_error *err)
{
    char v[24];
    long long n;
    int64_t log_size = 0;
    struct store_tree_head h;
    int r = store_log_size(c->store, party, c->channel, &log_size, err);
    if (r)
        return r;
    if (log_size == 0)
        return hl_fail(err, HL_E_NOT_FOUND, party, "no log of %s in this collection", party);
    int given = taxii_query_opt(c->query, name, v, sizeof v);
    if (given) {
        if (given < 0 || !hl_parse_int(v, lo, log_size, &n))
            return hl_fail(err, HL_E_INVALID, name, "%s must be an integer from %lld to %lld", name,
                           (long long)lo, (long long)log_size);
        *size = n;
        return 0;
    }
    r = store_tree_head_latest(c->store, party, c->channel, &h, err);
    *size = r == 0 && h.size >= lo ? h.size : log_size;
    return r == -HL_E_NOT_FOUND ? 0 : r;
}

struct version_pick {
    int64_t want; /* modified_us wanted, 0 for the latest */
    int64_t row;
    int64_t best;
};

static int pick_version(void *ctx, const struct store_object *o)
{
    struct version_pick *p = ctx;
    if (p->want ? o->modified_us == p->want : o->modified_us >= p->best) {
        p->best = o->modified_us;
        p->row = o->row;
    }
    return 0;
}

/* The log entry the seal of the object of row names. */
static int seal_entry(struct taxii_ctx *c, int64_t row, char party[static STORE_TEXT_MAX + 1],
                      int64_t *index, struct hl_error *err)
{
    json_t *o = row_json(c->store, row, err);
    if (!o)
        return -HL_E_STORE;
    const char *p = json_string_value(json_object_get(o, SEAL_PROP_PARTY));
    json_t *seq = json_object_get(o, SEAL_PROP_SEQ);
    int r = 0;
    if (!p || strlen(p) > STORE_TEXT_MAX || !json_is_integer(seq) || json_integer_value(seq) < 0)
        r = hl_fail(err, HL_E_NOT_FOUND, "object", "the object carries no hotline seal");
    else {
        snprintf(party, STORE_TEXT_MAX + 1, "%s", p);
        *index = json_integer_value(seq);
    }
    json_decref(o);
    return r;
}

/* The entry an inclusion request names: party and index given, or the
 * seal of the object (its version, default the latest stored). */
static int inclusion_entry(struct taxii_ctx *c, char party[static STORE_TEXT_MAX + 1],
                           int64_t *index, struct hl_error *err)
{
    char oid[STIX_ID_MAX], ver[40], idx[24];
    long long n;
    int given = taxii_query_opt(c->query, "party", party, STORE_TEXT_MAX + 1);
    if (given) {
        if (given < 0 || !stix_id_valid(party, "identity") ||
            !taxii_query_get(c->query, "index", idx, sizeof idx) ||
            !hl_parse_int(idx, 0, HL_IJSON_MAX_INT, &n))
            return hl_fail(err, HL_E_INVALID, "party",
                           "party needs an identity id, and index an integer >= 0");
        *index = n;
        return 0;
    }
    if (!taxii_query_get(c->query, "object", oid, sizeof oid) || !stix_id_valid(oid, NULL))
        return hl_fail(err, HL_E_INVALID, "object",
                       "name the entry: object=STIX-ID[&version=T], or party=ID&index=N");
    struct version_pick pick = {0, 0, -1};
    given = taxii_query_opt(c->query, "version", ver, sizeof ver);
    if (given < 0 || (given && !taxii_time_parse(ver, &pick.want)))
        return hl_fail(err, HL_E_INVALID, "version", "version must be a timestamp");
    int r = store_object_versions(c->store, c->channel, oid, pick_version, &pick, err);
    if (!r && !pick.row)
        r = hl_fail(err, HL_E_NOT_FOUND, oid, "no such version of %s in this collection", oid);
    return r ? r : seal_entry(c, pick.row, party, index, err);
}

static int inclusion_run(struct taxii_ctx *c, json_t **out, struct hl_error *err)
{
    static _Thread_local uint8_t proof[MERKLE_MAX_PROOF][32];
    char party[STORE_TEXT_MAX + 1];
    struct store_log_entry e;
    uint8_t root[32];
    int64_t index = 0, size = 0;
    size_t n_proof = 0;
    int r = inclusion_entry(c, party, &index, err);
    if (!r)
        r = proof_size(c, party, "size", index + 1, &size, err);
    if (!r && index >= size)
        r = hl_fail(err, HL_E_NOT_FOUND, "index", "entry %lld is not in the log's %lld entries",
                    (long long)index, (long long)size);
    if (!r)
        r = store_log_entry_get(c->store, party, c->channel, index, &e, err);
    if (!r)
        r = log_root(c->store, party, c->channel, (uint64_t)size, root, err);
    if (!r)
        r = log_prove_inclusion(c->store, party, c->channel, (uint64_t)size, (uint64_t)index, proof,
                                &n_proof, err);
    json_t *list = r ? NULL : proof_list(proof, n_proof);
    if (list)
        *out =
            json_pack("{s:I, s:I, s:o, s:o, s:o, s:b, s:s, s:s, s:o}", "leafIdx", (json_int_t)index,
                      "treeSize", (json_int_t)size, "leafHash", b64(e.leaf_hash), "root", b64(root),
                      "proof", list, "wantErr", 0, "log_party", party, "log_channel", c->channel,
                      "tree_head", head_json(c, party, size, err));
    if (!r && !*out)
        r = hl_fail(err, HL_E_NOMEM, NULL, "out of memory");
    return r;
}

static int consistency_run(struct taxii_ctx *c, json_t **out, struct hl_error *err)
{
    static _Thread_local uint8_t proof[MERKLE_MAX_PROOF][32];
    char party[STORE_TEXT_MAX + 1];
    uint8_t root1[32], root2[32];
    int64_t size1 = 0, size2 = 0;
    size_t n_proof = 0;
    if (!taxii_query_get(c->query, "party", party, sizeof party) ||
        !stix_id_valid(party, "identity"))
        return hl_fail(err, HL_E_INVALID, "party", "party must be an identity id");
    char from[24];
    if (!taxii_query_get(c->query, "from", from, sizeof from))
        return hl_fail(err, HL_E_INVALID, "from", "from (the smaller tree size) is required");
    int r = proof_size(c, party, "from", 0, &size1, err);
    if (!r)
        r = proof_size(c, party, "to", size1, &size2, err);
    if (!r)
        r = log_root(c->store, party, c->channel, (uint64_t)size1, root1, err);
    if (!r)
        r = log_root(c->store, party, c->channel, (uint64_t)size2, root2, err);
    if (!r)
        r = log_prove_consistency(c->store, party, c->channel, (uint64_t)size1, (uint64_t)size2,
                                  proof, &n_proof, err);
    json_t *list = r ? NULL : proof_list(proof, n_proof);
    if (list)
        *out =
            json_pack("{s:I, s:I, s:o, s:o, s:o, s:b, s:s, s:s}", "size1", (json_int_t)size1,
                      "size2", (json_int_t)size2, "root1", b64(root1), "root2", b64(root2), "proof",
                      list, "wantErr", 0, "log_party", party, "log_channel", c->channel);
    if (!r && !*out)
        r = hl_fail(err, HL_E_NOMEM, NULL, "out of memory");
    return r;
}

typedef int (*proof_fn)(struct taxii_ctx *c, json_t **out, struct hl_error *err);

/* Runs a proof (in the request's read snapshot) and answers it. */
static void proof_run(struct taxii_ctx *c, proof_fn run)
{
    struct hl_error err;
    json_t *out = NULL;
    hl_error_clear(&err);
    if (!need_read(c))
        return;
    int r = run(c, &out, &err);
    proof_answer(c, r, out, &err);
}

void taxii_ep_inclusion(struct taxii_ctx *c)
{
    proof_run(c, inclusion_run);
}

void taxii_ep_consistency(struct taxii_ctx *c)
{
    proof_run(c, consistency_run);
}
