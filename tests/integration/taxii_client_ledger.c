/*
 * taxii_client_ledger.c — one object at a time: Get an Object (TAXII 2.1
 * §5.6), Get Object Versions (§5.8), Delete an Object (§5.7) and its
 * table of rights; then hotline's ledger endpoints (docs/taxii.md): the
 * tree heads of a collection's logs, and inclusion and consistency
 * proofs, each verified here per RFC 9162 §2.1.3.2 / §2.1.4.2 over the
 * very bytes the node serves (leaf = RFC 8785 form of the sealed object).
 * A DELETE hides an object from TAXII, never from the ledger.
 */
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ledger/ledger.h"
#include "stix/stix.h"
#include "taxii_client.h"

static const char *const tc_dv[2] = {"2026-04-01T00:00:00.000Z", "2026-04-02T00:00:00.000Z"};

static void tc_object_path(char *out, size_t size, const char *id, const char *rest)
{
    tc_fmt(out, size, "/api/collections/%s/objects/%s/%s", tc_cfg.coll, id, rest);
}

static void test_get_object_endpoint(struct tc_conn *c)
{
    char path[256];
    tc_object_path(path, sizeof(path), tc_fix.ind, "");
    struct tc_resp r;
    if (tc_get_ok(c, path, NULL, &r, "GET an object")) {
        const json_t *objs = tc_objects(&r);
        TC_CHECK(json_array_size(objs) == 1 &&
                     tc_find(objs, tc_fix.ind, tc_fix.ind_versions[2]) == 0,
                 "GET an object without match[version]: its latest version only: %s",
                 tc_resp_excerpt(&r));
        TC_CHECK(r.has_date_first && r.has_date_last && tc_is_taxii_timestamp(r.date_first) &&
                     tc_is_taxii_timestamp(r.date_last),
                 "GET an object: X-TAXII-Date-Added-First/-Last required (§3.2)");
    }
    tc_resp_release(&r);
    char missing[64], mpath[256];
    tc_stix_id(missing, sizeof(missing), "indicator");
    tc_object_path(mpath, sizeof(mpath), missing, "");
    const struct tc_denial deny[] = {
        {mpath, &tc_cfg.rw, 404, "an object the collection does not hold"},
        {path, &tc_cfg.w, 403, "an object without read"},
        {path, &tc_cfg.none, 404, "an object without any right"},
    };
    tc_expect_denials(c, deny, 3);
}

/* The versions list of id (NULL after a failed check; caller decrefs). */
static json_t *tc_versions_of(struct tc_conn *c, const char *id, const char *query)
{
    char path[256];
    tc_object_path(path, sizeof(path), id, query);
    struct tc_resp r;
    json_t *out = NULL;
    if (tc_get_ok(c, path, NULL, &r, "versions")) {
        TC_CHECK(r.has_date_first && r.has_date_last,
                 "versions: X-TAXII-Date-Added-First/-Last required (§3.2)");
        const json_t *v = json_object_get(r.json, "versions");
        TC_CHECK(!v || json_array_size(v) > 0, "versions: an empty list must be omitted (§5.8.1)");
        out = json_deep_copy(r.json);
    }
    tc_resp_release(&r);
    return out;
}

static void test_versions_endpoint(struct tc_conn *c)
{
    json_t *all = tc_versions_of(c, tc_fix.ind, "versions/");
    const json_t *list = json_object_get(all, "versions");
    TC_CHECK(json_array_size(list) == 3, "versions of a 3-version object: %zu",
             json_array_size(list));
    for (int i = 0; i < 3; i++) {
        bool in = false;
        size_t k;
        const json_t *v;
        json_array_foreach(list, k, v) in |=
            !strcmp(json_string_value(v) ?: "", tc_fix.ind_versions[i]);
        TC_CHECK(in, "versions lacks %s", tc_fix.ind_versions[i]);
    }
    json_decref(all);
    json_t *one = tc_versions_of(c, tc_fix.ind, "versions/?limit=1");
    TC_CHECK(json_array_size(json_object_get(one, "versions")) == 1 &&
                 json_is_true(json_object_get(one, "more")),
             "versions with limit=1: one version and more=true");
    json_decref(one);
    char missing[64], path[256], known[256];
    tc_stix_id(missing, sizeof(missing), "indicator");
    tc_object_path(path, sizeof(path), missing, "versions/");
    tc_object_path(known, sizeof(known), tc_fix.ind, "versions/");
    struct tc_resp r;
    tc_get(c, path, NULL, &r);
    tc_check_error(&r, 404, "versions of an unknown object");
    tc_resp_release(&r);
    tc_get(c, known, &tc_cfg.w, &r);
    tc_check_error(&r, 403, "versions without read");
    tc_resp_release(&r);
    tc_get(c, known, &tc_cfg.none, &r);
    tc_check_error(&r, 404, "versions without any right");
    tc_resp_release(&r);
}

static void tc_delete(struct tc_conn *c, const char *path, const struct tc_user *u,
                      struct tc_resp *r)
{
    struct tc_req req = {.method = "DELETE", .path = path, .user = u};
    tc_do(c, &req, r);
}

/* The hotline_seq of id's version (NULL: latest) as served, or -1. */
static long long tc_seq_of(struct tc_conn *c, const char *id, const char *version)
{
    char path[256], q[128];
    tc_fmt(q, sizeof(q), "?match[version]=%s", version ? version : "last");
    tc_object_path(path, sizeof(path), id, q);
    struct tc_resp r;
    long long seq = -1;
    if (tc_get_ok(c, path, NULL, &r, "object for its seq"))
        seq = json_integer_value(json_object_get(json_array_get(tc_objects(&r), 0), SEAL_PROP_SEQ));
    tc_resp_release(&r);
    return seq;
}

static bool tc_verify_inclusion_of(struct tc_conn *c, const char *query, long long seq);

static void test_delete_rights_table(struct tc_conn *c)
{
    char path[256], missing[64], mpath[256];
    tc_object_path(path, sizeof(path), tc_fix.notes[1], "");
    tc_stix_id(missing, sizeof(missing), "note");
    tc_object_path(mpath, sizeof(mpath), missing, "");
    /* §5.7's table: read-only 403, write-only 403, neither 404. */
    const struct {
        const char *path;
        const struct tc_user *u;
        int want;
    } cases[] = {
        {path, &tc_cfg.r, 403},
        {path, &tc_cfg.w, 403},
        {path, &tc_cfg.none, 404},
        {mpath, &tc_cfg.rw, 404},
    };
    for (size_t i = 0; i < 4; i++) {
        struct tc_resp r;
        tc_delete(c, cases[i].path, cases[i].u, &r);
        char what[128];
        tc_fmt(what, sizeof(what), "DELETE as %s", cases[i].u->name);
        tc_check_error(&r, cases[i].want, what);
        tc_resp_release(&r);
    }
    struct tc_resp r;
    tc_get(c, path, NULL, &r);
    TC_STATUS(&r, 200, "the object a refused DELETE named is still there");
    tc_resp_release(&r);
}

/* Checks that id is gone from every TAXII listing. */
static void tc_check_gone(struct tc_conn *c, const char *id)
{
    char path[256], rest[256];
    struct tc_resp r;
    tc_object_path(path, sizeof(path), id, "");
    tc_get(c, path, NULL, &r);
    tc_check_error(&r, 404, "GET a deleted object (§5.7)");
    tc_resp_release(&r);
    tc_object_path(path, sizeof(path), id, "versions/");
    tc_get(c, path, NULL, &r);
    TC_CHECK(r.status == 404 || !json_object_get(r.json, "versions"),
             "versions of a deleted object still listed: %s", tc_resp_excerpt(&r));
    tc_resp_release(&r);
    const char *lists[2] = {"objects", "manifest"};
    for (int i = 0; i < 2; i++) {
        tc_fmt(rest, sizeof(rest), "%s/?match[id]=%s&match[version]=all", lists[i], id);
        tc_coll_path(path, sizeof(path), tc_cfg.coll, rest);
        if (tc_get_ok(c, path, NULL, &r, rest))
            TC_CHECK(json_array_size(tc_objects(&r)) == 0, "%s still lists a deleted object",
                     lists[i]);
        tc_resp_release(&r);
    }
}

static void test_delete_object_and_version(struct tc_conn *c)
{
    char id[64];
    tc_stix_id(id, sizeof(id), "indicator");
    for (int i = 0; i < 2; i++) {
        char *o = tc_indicator(id, tc_dv[i], "to be deleted");
        json_decref(tc_publish(c, (const char *const *)&o, 1));
        free(o);
    }
    long long seq0 = tc_seq_of(c, id, tc_dv[0]), size = tc_log_size(c);
    char path[256], q[128];
    tc_fmt(q, sizeof(q), "?match[version]=%s", tc_dv[0]);
    tc_object_path(path, sizeof(path), id, q);
    struct tc_resp r;
    tc_delete(c, path, NULL, &r);
    if (TC_STATUS(&r, 200, "DELETE one version"))
        TC_CHECK(tc_is_taxii_type(r.content_type), "DELETE: Content-Type %s", r.content_type);
    tc_resp_release(&r);
    json_t *left = tc_versions_of(c, id, "versions/");
    const json_t *list = json_object_get(left, "versions");
    TC_CHECK(json_array_size(list) == 1 &&
                 !strcmp(json_string_value(json_array_get(list, 0)) ?: "", tc_dv[1]),
             "after deleting version %s, versions must be [%s]", tc_dv[0], tc_dv[1]);
    json_decref(left);
    tc_object_path(path, sizeof(path), id, "");
    tc_delete(c, path, NULL, &r);
    TC_STATUS(&r, 200, "DELETE the object");
    tc_resp_release(&r);
    tc_check_gone(c, id);
    /* taxii.h: a deleted version POSTed again counts as held (a success)
     * and stays deleted. */
    char *again = tc_indicator(id, tc_dv[1], "to be deleted");
    json_decref(tc_publish(c, (const char *const *)&again, 1));
    free(again);
    tc_check_gone(c, id);
    /* The ledger forgets nothing: same log, the entry still proved. */
    TC_CHECK(tc_log_size(c) == size, "DELETE changed the log size");
    char query[256];
    tc_fmt(query, sizeof(query), "?party=%s&index=%lld", tc_cfg.party, seq0);
    tc_verify_inclusion_of(c, query, seq0);
}

/* ---- ledger endpoints --------------------------------------------------- */

static bool tc_b64_32(const json_t *v, uint8_t out[32])
{
    const char *s = json_string_value(v);
    size_t len = 0;
    return s &&
           sodium_base642bin(out, 32, s, strlen(s), NULL, &len, NULL,
                             sodium_base64_VARIANT_ORIGINAL) == 0 &&
           len == 32;
}

/* Two base64 hashes (keys ka, kb) and the proof list of a proof answer. */
static bool tc_proof_parse(const json_t *j, const char *ka, uint8_t a[32], const char *kb,
                           uint8_t b[32], uint8_t proof[MERKLE_MAX_PROOF][32], size_t *n)
{
    const json_t *p = json_object_get(j, "proof");
    *n = json_array_size(p);
    bool ok = json_is_array(p) && *n <= MERKLE_MAX_PROOF && tc_b64_32(json_object_get(j, ka), a) &&
              tc_b64_32(json_object_get(j, kb), b);
    for (size_t i = 0; ok && i < *n; i++)
        ok = tc_b64_32(json_array_get(p, i), proof[i]);
    return ok;
}

static bool tc_ledger_get(struct tc_conn *c, const char *rest, const struct tc_user *u,
                          struct tc_resp *r)
{
    char path[512];
    tc_fmt(path, sizeof(path), "/api/hotline/collections/%s/%s", tc_cfg.coll, rest);
    struct tc_req req = {.path = path, .user = u, .accept = "application/json"};
    tc_do(c, &req, r);
    return TC_STATUS(r, 200, rest) &&
           TC_CHECK(!strncmp(r->content_type, "application/json", 16),
                    "%s: Content-Type %s, want application/json", rest, r->content_type) &&
           TC_CHECK(json_is_object(r->json), "%s: not a JSON object", rest);
}

static void tc_check_head(const json_t *log)
{
    const char *party = json_string_value(json_object_get(log, "party"));
    json_int_t size = json_integer_value(json_object_get(log, "size"));
    uint8_t root[32];
    TC_CHECK(party && size > 0 && tc_b64_32(json_object_get(log, "root"), root),
             "heads: a log without party, size or a base64 root");
    const json_t *th = json_object_get(log, "tree_head");
    struct seal_info si;
    struct hl_error err;
    if (!TC_CHECK(seal_verify(th, &si, &err) == 0, "heads: tree_head of %s not sealed: %s", party,
                  err.msg))
        return;
    char hex[65];
    hl_hex(hex, root, 32);
    const char *rh = json_string_value(json_object_get(th, "root_hash"));
    TC_CHECK(json_integer_value(json_object_get(th, "tree_size")) == size && rh && !strcmp(rh, hex),
             "heads: the signed head of %s says another size or root than the listing", party);
    TC_CHECK(party && !strcmp(si.party, party), "heads: the head of %s is sealed by %s", party,
             si.party);
}

static void test_ledger_heads(struct tc_conn *c)
{
    struct tc_resp r;
    if (tc_ledger_get(c, "heads/", NULL, &r)) {
        TC_CHECK(
            !strcmp(json_string_value(json_object_get(r.json, "collection")) ?: "", tc_cfg.coll) &&
                !strcmp(json_string_value(json_object_get(r.json, "channel")) ?: "",
                        tc_cfg.channel),
            "heads: collection or channel wrong: %s", tc_resp_excerpt(&r));
        bool mine = false, peer = false;
        size_t i;
        const json_t *log;
        json_array_foreach(json_object_get(r.json, "logs"), i, log)
        {
            const char *p = json_string_value(json_object_get(log, "party"));
            mine |= p && !strcmp(p, tc_cfg.party);
            peer |= p && !strcmp(p, tc_cfg.peer);
            tc_check_head(log);
        }
        TC_CHECK(mine && peer, "heads: want the logs of both members: %s", tc_resp_excerpt(&r));
    }
    tc_resp_release(&r);
}

/* Fetches an inclusion proof and verifies it; the leaf must be entry seq. */
static bool tc_verify_inclusion_of(struct tc_conn *c, const char *query, long long seq)
{
    char rest[512];
    tc_fmt(rest, sizeof(rest), "inclusion/%s", query);
    struct tc_resp r;
    bool ok = false;
    if (tc_ledger_get(c, rest, NULL, &r)) {
        uint8_t leaf[32], root[32], proof[MERKLE_MAX_PROOF][32];
        size_t n = 0;
        bool shape = tc_proof_parse(r.json, "leafHash", leaf, "root", root, proof, &n);
        json_int_t idx = json_integer_value(json_object_get(r.json, "leafIdx"));
        json_int_t size = json_integer_value(json_object_get(r.json, "treeSize"));
        struct hl_error err = {0};
        ok = TC_CHECK(shape, "%s: malformed proof: %s", rest, tc_resp_excerpt(&r)) &&
             TC_CHECK(idx == seq, "%s: leafIdx %lld, want %lld", rest, (long long)idx, seq) &&
             TC_CHECK(merkle_verify_inclusion((uint64_t)idx, (uint64_t)size, leaf,
                                              (const uint8_t(*)[32])proof, n, root, &err) == 0,
                      "%s: the inclusion proof does not verify: %s", rest, err.msg);
    }
    tc_resp_release(&r);
    return ok;
}

/* The leaf hash of the object as served: SHA-256(0x00 || RFC 8785 form). */
static bool tc_leaf_of_served(struct tc_conn *c, const char *id, uint8_t out[32], long long *seq)
{
    char path[256];
    tc_object_path(path, sizeof(path), id, "");
    struct tc_resp r;
    bool ok = false;
    if (tc_get_ok(c, path, NULL, &r, "object for its leaf")) {
        const json_t *o = json_array_get(tc_objects(&r), 0);
        struct buf b;
        struct hl_error err;
        buf_init(&b, TC_BODY_MAX);
        ok = o && stix_canon(o, &b, &err) == 0 && merkle_leaf_hash(b.data, b.len, out) == 0;
        *seq = json_integer_value(json_object_get(o, SEAL_PROP_SEQ));
        buf_release(&b);
    }
    tc_resp_release(&r);
    return ok;
}

static void test_ledger_inclusion_proofs(struct tc_conn *c)
{
    uint8_t want[32];
    long long seq = -1;
    if (!TC_CHECK(tc_leaf_of_served(c, tc_fix.ind, want, &seq), "no leaf of the fixture"))
        return;
    char q[256];
    tc_fmt(q, sizeof(q), "?object=%s", tc_fix.ind);
    tc_verify_inclusion_of(c, q, seq);
    struct tc_resp r;
    char rest[512];
    tc_fmt(rest, sizeof(rest), "inclusion/%s", q);
    if (tc_ledger_get(c, rest, NULL, &r)) {
        uint8_t got[32];
        TC_CHECK(tc_b64_32(json_object_get(r.json, "leafHash"), got) && !memcmp(got, want, 32),
                 "leafHash is not SHA-256(0x00 || RFC 8785 form) of the object as served");
        const json_t *th = json_object_get(r.json, "tree_head");
        TC_CHECK(json_is_null(th) || seal_verify(th, NULL, &(struct hl_error){0}) == 0,
                 "inclusion: tree_head not sealed");
    }
    tc_resp_release(&r);
    tc_fmt(q, sizeof(q), "?object=%s&version=%s", tc_fix.ind, tc_fix.ind_versions[0]);
    tc_verify_inclusion_of(c, q, tc_seq_of(c, tc_fix.ind, tc_fix.ind_versions[0]));
    tc_fmt(q, sizeof(q), "?party=%s&index=0", tc_cfg.party);
    tc_verify_inclusion_of(c, q, 0);
}

static void test_ledger_consistency_proof(struct tc_conn *c)
{
    long long size = tc_log_size(c);
    char rest[512];
    tc_fmt(rest, sizeof(rest), "consistency/?party=%s&from=1", tc_cfg.party);
    struct tc_resp r;
    if (size > 1 && tc_ledger_get(c, rest, NULL, &r)) {
        uint8_t r1[32], r2[32], proof[MERKLE_MAX_PROOF][32];
        size_t n = 0;
        bool shape = tc_proof_parse(r.json, "root1", r1, "root2", r2, proof, &n);
        json_int_t s1 = json_integer_value(json_object_get(r.json, "size1"));
        json_int_t s2 = json_integer_value(json_object_get(r.json, "size2"));
        struct hl_error err = {0};
        TC_CHECK(shape && s1 == 1 && s2 == size, "consistency: shape or sizes: %s",
                 tc_resp_excerpt(&r));
        TC_CHECK(shape && merkle_verify_consistency((uint64_t)s1, (uint64_t)s2, r1, r2,
                                                    (const uint8_t(*)[32])proof, n, &err) == 0,
                 "consistency proof 1..%lld does not verify: %s", size, err.msg);
    }
    tc_resp_release(&r);
}

static void test_ledger_errors_and_rights(struct tc_conn *c)
{
    char bad[6][256];
    tc_fmt(bad[0], 256, "consistency/?party=%s&from=999999999", tc_cfg.party);
    tc_fmt(bad[1], 256, "inclusion/?party=%s&index=999999999", tc_cfg.party);
    tc_fmt(bad[2], 256, "inclusion/?index=0");
    tc_fmt(bad[3], 256, "consistency/?party=%s&from=x", tc_cfg.party);
    tc_fmt(bad[4], 256, "inclusion/?party=%s&index=5&size=3", tc_cfg.party);
    tc_fmt(bad[5], 256, "consistency/?party=%s&from=5&to=3", tc_cfg.party);
    for (int i = 0; i < 6; i++) {
        char path[512];
        tc_fmt(path, sizeof(path), "/api/hotline/collections/%s/%s", tc_cfg.coll, bad[i]);
        struct tc_req req = {.path = path, .accept = "application/json"};
        struct tc_resp r;
        tc_do(c, &req, &r);
        TC_CHECK(r.status == 400 || r.status == 404, "%s: HTTP %ld, want 400 or 404", bad[i],
                 r.status);
        tc_resp_release(&r);
    }
    const struct tc_user *u[2] = {&tc_cfg.w, &tc_cfg.none};
    const long want[2] = {403, 404};
    for (int i = 0; i < 2; i++) {
        char path[512];
        tc_fmt(path, sizeof(path), "/api/hotline/collections/%s/heads/", tc_cfg.coll);
        struct tc_req req = {.path = path, .user = u[i], .accept = "application/json"};
        struct tc_resp r;
        tc_do(c, &req, &r);
        TC_CHECK(r.status == want[i], "heads as %s: HTTP %ld, want %ld", u[i]->name, r.status,
                 want[i]);
        tc_resp_release(&r);
    }
}

const struct tc_test tc_ledger_tests[] = {
    {"test_get_object_endpoint", test_get_object_endpoint},
    {"test_versions_endpoint", test_versions_endpoint},
    {"test_delete_rights_table", test_delete_rights_table},
    {"test_delete_object_and_version", test_delete_object_and_version},
    {"test_ledger_heads", test_ledger_heads},
    {"test_ledger_inclusion_proofs", test_ledger_inclusion_proofs},
    {"test_ledger_consistency_proof", test_ledger_consistency_proof},
    {"test_ledger_errors_and_rights", test_ledger_errors_and_rights},
    {NULL, NULL},
};
