/*
 * taxii_client_objects.c — Get Objects (TAXII 2.1 §5.4) and the manifest
 * behind it: the envelope, sorting by date added (§3.3), the date
 * headers (§3.2), seals on what comes back, every filter of §3.4 and
 * §3.4.1 (added_after, limit, next, match[id|type|version|spec_version])
 * with their defaults, malformed filters (400), and pagination (§3.5)
 * both through next and through added_after.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ledger/ledger.h"
#include "taxii_client.h"

/* GET collection-relative rest (query included) as rw, checked as a 200. */
static bool tc_list(struct tc_conn *c, const char *rest, struct tc_resp *r)
{
    char path[TC_URL_MAX];
    tc_coll_path(path, sizeof(path), tc_cfg.coll, rest);
    return tc_get_ok(c, path, NULL, r, rest);
}

/* The number of objects with this id (and version, unless NULL). */
static size_t tc_count(const json_t *objs, const char *id, const char *modified)
{
    size_t n = 0, i;
    const json_t *v;
    json_array_foreach(objs, i, v)
    {
        const char *oid = json_string_value(json_object_get(v, "id"));
        const char *m = json_string_value(json_object_get(v, "modified"));
        n += oid && !strcmp(oid, id) && (!modified || (m && !strcmp(m, modified)));
    }
    return n;
}

/* rest's answer has exactly want objects, each of the wanted type. */
static void tc_expect(struct tc_conn *c, const char *rest, size_t want, const char *type)
{
    struct tc_resp r;
    if (tc_list(c, rest, &r)) {
        const json_t *objs = tc_objects(&r);
        TC_CHECK(json_array_size(objs) == want, "%s: %zu objects, want %zu: %s", rest,
                 json_array_size(objs), want, tc_resp_excerpt(&r));
        size_t i;
        const json_t *v;
        json_array_foreach(objs, i, v)
        {
            const char *t = json_string_value(json_object_get(v, "type"));
            TC_CHECK(!type || (t && !strcmp(t, type)), "%s: object of type %s", rest, t);
        }
        if (want == 0)
            TC_CHECK(!json_object_get(r.json, "objects"),
                     "%s: no objects must be an envelope without an objects list (§3.7)", rest);
    }
    tc_resp_release(&r);
}

static void test_objects_sorted_like_manifest(struct tc_conn *c)
{
    struct tc_resp o, m;
    if (tc_list(c, "objects/?limit=1000", &o) && tc_list(c, "manifest/?limit=1000", &m)) {
        const json_t *objs = tc_objects(&o), *recs = tc_objects(&m);
        TC_CHECK(!json_is_true(json_object_get(o.json, "more")),
                 "the test collection outgrew one page of 1000");
        TC_CHECK(json_array_size(objs) == json_array_size(recs),
                 "objects %zu and manifest %zu differ in length", json_array_size(objs),
                 json_array_size(recs));
        for (size_t i = 0; i < json_array_size(objs) && i < json_array_size(recs); i++) {
            const json_t *a = json_array_get(objs, i), *b = json_array_get(recs, i);
            if (!TC_CHECK(json_equal(json_object_get(a, "id"), json_object_get(b, "id")),
                          "object %zu is %s, manifest record %zu is %s: not both in date_added "
                          "order (§3.3)",
                          i, json_string_value(json_object_get(a, "id")), i,
                          json_string_value(json_object_get(b, "id"))))
                break;
        }
        tc_check_date_headers(&o, recs, "objects");
    }
    tc_resp_release(&o);
    tc_resp_release(&m);
}

static void test_objects_default_latest_version(struct tc_conn *c)
{
    struct tc_resp r;
    if (tc_list(c, "objects/?limit=1000", &r)) {
        const json_t *objs = tc_objects(&r);
        TC_CHECK(tc_count(objs, tc_fix.ind, NULL) == 1 &&
                     tc_count(objs, tc_fix.ind, tc_fix.ind_versions[2]) == 1,
                 "without match[version], only the latest version (§3.4.1): %zu versions of %s",
                 tc_count(objs, tc_fix.ind, NULL), tc_fix.ind);
    }
    tc_resp_release(&r);
}

/* One sealed object: the node's seal on the node's objects, valid. */
static void tc_check_seal(const json_t *o, const char *party, const uint8_t *pk)
{
    const char *id = json_string_value(json_object_get(o, "id"));
    struct seal_info si;
    struct hl_error err;
    if (!TC_CHECK(seal_verify(o, &si, &err) == 0, "%s: seal does not verify: %s %s", id, err.where,
                  err.msg))
        return;
    TC_CHECK(!strcmp(si.party, party), "%s: hotline_party %s, want %s", id, si.party, party);
    TC_CHECK(!strcmp(si.channel, tc_cfg.channel), "%s: hotline_channel %s", id, si.channel);
    TC_CHECK(!pk || !memcmp(si.pk, pk, 32), "%s: sealed by another key than the party's", id);
}

static void test_objects_come_back_sealed(struct tc_conn *c)
{
    uint8_t pk[32];
    struct hl_error err;
    if (!TC_CHECK(seal_spki_decode(tc_cfg.party_key, pk, &err) == 0, "--party-key: %s", err.msg))
        return;
    char rest[256];
    tc_fmt(rest, sizeof(rest), "objects/%s/?match[version]=all", tc_fix.ind);
    struct tc_resp r;
    if (tc_list(c, rest, &r)) {
        const json_t *objs = tc_objects(&r);
        TC_CHECK(json_array_size(objs) == 3, "%zu versions of the fixture", json_array_size(objs));
        size_t i;
        const json_t *v;
        json_array_foreach(objs, i, v)
        {
            tc_check_seal(v, tc_cfg.party, pk);
            TC_CHECK(json_is_integer(json_object_get(v, SEAL_PROP_SEQ)), "no hotline_seq");
            const char *name = json_string_value(json_object_get(v, "name"));
            TC_CHECK(name && !strncmp(name, "version ", 8), "POSTed properties lost: %s", name);
        }
    }
    tc_resp_release(&r);
    /* Every member's objects are in the collection, under their own seal. */
    if (tc_list(c, "objects/?limit=1000", &r)) {
        size_t i, peers = 0;
        const json_t *v;
        json_array_foreach(tc_objects(&r), i, v)
        {
            const char *p = json_string_value(json_object_get(v, SEAL_PROP_PARTY));
            if (p && !strcmp(p, tc_cfg.peer)) {
                peers++;
                tc_check_seal(v, tc_cfg.peer, NULL);
            }
        }
        TC_CHECK(peers > 0, "no object of the other member %s in its channel's collection",
                 tc_cfg.peer);
    }
    tc_resp_release(&r);
}

static void test_unversioned_objects_use_created(struct tc_conn *c)
{
    /* §3.4.1, §5.3.1, §5.8: an object without modified (a marking
     * definition) has its created timestamp as its version. */
    struct tc_resp r;
    size_t seen = 0;
    if (tc_list(c, "objects/?match[type]=marking-definition", &r)) {
        size_t i;
        const json_t *o;
        json_array_foreach(tc_objects(&r), i, o)
        {
            const char *id = json_string_value(json_object_get(o, "id"));
            const char *created = json_string_value(json_object_get(o, "created"));
            if (!id || !created || json_object_get(o, "modified"))
                continue;
            seen++;
            char rest[512], enc[64];
            tc_fmt(rest, sizeof(rest), "manifest/?match[id]=%s", id);
            struct tc_resp m;
            if (tc_list(c, rest, &m)) {
                const char *v = json_string_value(
                    json_object_get(json_array_get(tc_objects(&m), 0), "version"));
                TC_CHECK(v && !strcmp(v, created), "%s: manifest version %s, want created %s", id,
                         TC_S(v), created);
            }
            tc_resp_release(&m);
            tc_urlencode(enc, sizeof(enc), created);
            tc_fmt(rest, sizeof(rest), "objects/?match[id]=%s&match[version]=%s", id, enc);
            tc_expect(c, rest, 1, "marking-definition");
        }
    }
    tc_resp_release(&r);
    TC_CHECK(seen > 0, "no marking definition without modified in the collection to check");
}

static void test_filter_match_type(struct tc_conn *c)
{
    struct tc_resp r;
    if (tc_list(c, "objects/?match[type]=note", &r)) {
        const json_t *objs = tc_objects(&r);
        TC_CHECK(tc_count(objs, tc_fix.notes[0], NULL) == 1 &&
                     tc_count(objs, tc_fix.notes[1], NULL) == 1,
                 "match[type]=note lacks a fixture note");
        size_t i;
        const json_t *v;
        json_array_foreach(objs, i, v)
            TC_CHECK(!strcmp(json_string_value(json_object_get(v, "type")) ?: "", "note"),
                     "match[type]=note let a %s through",
                     TC_S(json_string_value(json_object_get(v, "type"))));
    }
    tc_resp_release(&r);
    if (tc_list(c, "objects/?match[type]=note,indicator&limit=1000", &r)) {
        const json_t *objs = tc_objects(&r);
        TC_CHECK(tc_count(objs, tc_fix.notes[0], NULL) && tc_count(objs, tc_fix.ind, NULL) &&
                     tc_count(objs, tc_fix.batch[0], NULL),
                 "match[type]=note,indicator is an OR (§3.4)");
        size_t i;
        const json_t *v;
        json_array_foreach(objs, i, v)
        {
            const char *t = json_string_value(json_object_get(v, "type"));
            TC_CHECK(t && (!strcmp(t, "note") || !strcmp(t, "indicator")), "type %s", t);
        }
    }
    tc_resp_release(&r);
    /* STIX types with nothing stored are no error (§3.4.1). */
    tc_expect(c, "objects/?match[type]=course-of-action", 0, NULL);
    tc_expect(c, "objects/?match[type]=x-unknown-thing", 0, NULL);
    tc_expect(c, "manifest/?match[type]=course-of-action", 0, NULL);
}

static void test_filter_match_id(struct tc_conn *c)
{
    char rest[512];
    tc_fmt(rest, sizeof(rest), "objects/?match[id]=%s", tc_fix.notes[0]);
    tc_expect(c, rest, 1, "note");
    tc_fmt(rest, sizeof(rest), "objects/?match[id]=%s,%s", tc_fix.notes[0], tc_fix.ind);
    struct tc_resp r;
    if (tc_list(c, rest, &r)) {
        const json_t *objs = tc_objects(&r);
        TC_CHECK(json_array_size(objs) == 2 && tc_count(objs, tc_fix.notes[0], NULL) == 1 &&
                     tc_count(objs, tc_fix.ind, tc_fix.ind_versions[2]) == 1,
                 "match[id] with two ids: %s", tc_resp_excerpt(&r));
    }
    tc_resp_release(&r);
    tc_fmt(rest, sizeof(rest), "objects/?match[id]=indicator--%s",
           "00000000-0000-4000-8000-000000000000");
    tc_expect(c, rest, 0, NULL);
    /* Filters AND together (§3.4). */
    tc_fmt(rest, sizeof(rest), "objects/?match[type]=note&match[id]=%s", tc_fix.ind);
    tc_expect(c, rest, 0, NULL);
}

/* match[version]=spec on the fixture indicator yields exactly the listed
 * versions (indexes into ind_versions, -1 ends). */
static void tc_expect_versions(struct tc_conn *c, const char *endpoint, const char *spec,
                               const int *want)
{
    char rest[512], enc[256];
    tc_urlencode(enc, sizeof(enc), spec);
    if (!strcmp(endpoint, "objects"))
        tc_fmt(rest, sizeof(rest), "objects/?match[id]=%s&match[version]=%s", tc_fix.ind, enc);
    else
        tc_fmt(rest, sizeof(rest), "objects/%s/?match[version]=%s", tc_fix.ind, enc);
    struct tc_resp r;
    if (tc_list(c, rest, &r)) {
        const json_t *objs = tc_objects(&r);
        size_t n = 0;
        for (; want[n] >= 0; n++)
            TC_CHECK(tc_count(objs, tc_fix.ind, tc_fix.ind_versions[want[n]]) == 1,
                     "%s match[version]=%s: version %s missing: %s", endpoint, spec,
                     tc_fix.ind_versions[want[n]], tc_resp_excerpt(&r));
        TC_CHECK(json_array_size(objs) == n, "%s match[version]=%s: %zu objects, want %zu",
                 endpoint, spec, json_array_size(objs), n);
    }
    tc_resp_release(&r);
}

static void test_filter_match_version(struct tc_conn *c)
{
    static const int last[] = {2, -1}, first[] = {0, -1}, all[] = {0, 1, 2, -1}, mid[] = {1, -1},
                     ends[] = {0, 2, -1}, two[] = {0, 1, -1}, none[] = {-1};
    char both[64], pair[64];
    tc_fmt(both, sizeof(both), "%s,%s", tc_fix.ind_versions[0], tc_fix.ind_versions[1]);
    tc_fmt(pair, sizeof(pair), "first,%s,last", tc_fix.ind_versions[2]);
    const struct {
        const char *spec;
        const int *want;
    } cases[] = {
        {"last", last},
        {"first", first},
        {"all", all},
        {"first,last", ends},
        {both, two},
        {"2026-02-02T00:00:00.000Z", mid},
        {"2030-01-01T00:00:00.000Z", none},
    };
    for (const char *ep = "objects";; ep = "object") {
        for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
            tc_expect_versions(c, ep, cases[i].spec, cases[i].want);
        if (!strcmp(ep, "object"))
            break;
    }
    /* A keyword and the version it names: still one object each. */
    static const int firstlast[] = {0, 2, -1};
    tc_expect_versions(c, "objects", pair, firstlast);
}

static void test_filter_match_spec_version(struct tc_conn *c)
{
    char rest[512];
    tc_fmt(rest, sizeof(rest), "objects/?match[id]=%s&match[spec_version]=2.1", tc_fix.ind);
    tc_expect(c, rest, 1, "indicator");
    tc_fmt(rest, sizeof(rest), "objects/?match[id]=%s&match[spec_version]=2.0,2.1", tc_fix.ind);
    tc_expect(c, rest, 1, "indicator");
    tc_fmt(rest, sizeof(rest), "objects/?match[id]=%s&match[spec_version]=2.0", tc_fix.ind);
    tc_expect(c, rest, 0, NULL);
    tc_fmt(rest, sizeof(rest), "manifest/?match[id]=%s&match[spec_version]=2.0", tc_fix.ind);
    tc_expect(c, rest, 0, NULL);
}

static void tc_expect_400(struct tc_conn *c, const char *const *queries, size_t n);

/* hotline_except_party (docs/taxii.md): a member's pull leaves out the
 * entries of its own log. The indicator is the node's own entry; the
 * imported log is the peer's. */
static void test_filter_except_party(struct tc_conn *c)
{
    char rest[512];
    tc_fmt(rest, sizeof(rest), "objects/?match[id]=%s&hotline_except_party=%s", tc_fix.ind,
           tc_cfg.party);
    tc_expect(c, rest, 0, NULL);
    tc_fmt(rest, sizeof(rest), "manifest/?match[id]=%s&hotline_except_party=%s", tc_fix.ind,
           tc_cfg.party);
    tc_expect(c, rest, 0, NULL);
    tc_fmt(rest, sizeof(rest), "objects/?match[id]=%s&hotline_except_party=%s", tc_fix.ind,
           tc_cfg.peer);
    tc_expect(c, rest, 1, "indicator");
    const char *const bad[] = {"hotline_except_party=nobody",
                               "hotline_except_party=indicator--00000000-0000-4000-8000-000000000000",
                               "hotline_except_party=identity--00000000-0000-4000-8000-000000000000"
                               "&hotline_except_party=identity--00000000-0000-4000-8000-000000000001"};
    tc_expect_400(c, bad, sizeof bad / sizeof bad[0]);
}

static void test_filter_added_after(struct tc_conn *c)
{
    struct tc_resp m;
    if (!tc_list(c, "manifest/?limit=1000", &m)) {
        tc_resp_release(&m);
        return;
    }
    const json_t *recs = tc_objects(&m);
    size_t n = json_array_size(recs), k = 0;
    const char *cut = json_string_value(json_object_get(json_array_get(recs, k), "date_added"));
    size_t after = 0;
    for (size_t i = 0; i < n; i++) {
        const char *d = json_string_value(json_object_get(json_array_get(recs, i), "date_added"));
        after += d && cut && strcmp(d, cut) > 0;
    }
    char rest[TC_URL_MAX];
    tc_with(rest, sizeof(rest), "manifest/?limit=1000", "added_after", cut ? cut : "");
    struct tc_resp r;
    if (cut && tc_list(c, rest, &r)) {
        const json_t *got = tc_objects(&r);
        TC_CHECK(json_array_size(got) == after, "added_after=%s: %zu records, want %zu", cut,
                 json_array_size(got), after);
        size_t i;
        const json_t *v;
        json_array_foreach(got, i, v)
        {
            const char *d = json_string_value(json_object_get(v, "date_added"));
            TC_CHECK(d && strcmp(d, cut) > 0, "added_after=%s returned one added %s", cut, d);
        }
        tc_check_date_headers(&r, got, "manifest added_after");
    }
    tc_resp_release(&r);
    tc_resp_release(&m);
}

/* Each query on the objects and manifest endpoints is a 400 error. */
static void tc_expect_400(struct tc_conn *c, const char *const *queries, size_t n)
{
    const char *const endpoints[] = {"objects/", "manifest/"};
    for (size_t e = 0; e < 2; e++) {
        for (size_t i = 0; i < n; i++) {
            char path[TC_URL_MAX], rest[TC_URL_MAX];
            tc_fmt(rest, sizeof(rest), "%s?%s", endpoints[e], queries[i]);
            tc_coll_path(path, sizeof(path), tc_cfg.coll, rest);
            struct tc_resp r;
            tc_get(c, path, NULL, &r);
            tc_check_error(&r, 400, rest);
            tc_resp_release(&r);
        }
    }
}

static void test_filter_malformed_400(struct tc_conn *c)
{
    static const char *const bad[] = {
        "added_after=yesterday",
        "added_after=2026-13-01T00:00:00.000000Z",
        "added_after=2026-01-01T00:00:00.000000Z&added_after=2026-01-02T00:00:00.000000Z",
        "limit=0",
        "limit=-1",
        "limit=ten",
        "limit=1&limit=2",
        "next=%00%01not-a-cursor",
        "match[version]=newest",
        "match[version]=2026-02-01",
    };
    tc_expect_400(c, bad, sizeof(bad) / sizeof(bad[0]));
}

static void test_filter_forbidden_combinations_400(struct tc_conn *c)
{
    /* §3.4.1: "all" MUST NOT be used with any other version; no keyword
     * twice; §3.4: each match field at most once. A request breaking
     * these is malformed, and malformed parameters MUST be 400 (§3.4). */
    static const char *const bad[] = {
        "match[version]=all,last",
        "match[version]=last,last",
        "match[type]=note&match[type]=indicator",
    };
    tc_expect_400(c, bad, sizeof(bad) / sizeof(bad[0]));
}

static void test_filter_hostile_values(struct tc_conn *c)
{
    static const char *const hostile[] = {
        "match[id]=%27%20OR%201%3D1%20--",
        "match[type]=%25",
        "match[id]=*",
        "match[type]=indicator%27%20--",
        "match[id]=indicator--%00",
        "match[version]=%27%3B%20DROP%20TABLE%20objects%3B%20--",
    };
    for (size_t i = 0; i < sizeof(hostile) / sizeof(hostile[0]); i++) {
        char path[TC_URL_MAX], rest[TC_URL_MAX];
        tc_fmt(rest, sizeof(rest), "objects/?%s", hostile[i]);
        tc_coll_path(path, sizeof(path), tc_cfg.coll, rest);
        struct tc_resp r;
        tc_get(c, path, NULL, &r);
        TC_CHECK((r.status == 200 && json_array_size(tc_objects(&r)) == 0) || r.status == 400,
                 "%s: HTTP %ld with %zu objects, want nothing or 400", hostile[i], r.status,
                 json_array_size(tc_objects(&r)));
        tc_resp_release(&r);
    }
    /* Many ids at once: served or refused, never a failure of the node. */
    struct buf q;
    buf_init(&q, TC_URL_MAX * 4);
    int rc = buf_adds(&q, "objects/?match[id]=");
    for (int i = 0; i < 60 && rc == 0; i++) {
        char id[64];
        tc_stix_id(id, sizeof(id), "indicator");
        rc = buf_addf(&q, "%s%s", i ? "," : "", id);
    }
    char path[TC_URL_MAX * 4];
    tc_coll_path(path, sizeof(path), tc_cfg.coll, q.data);
    struct tc_resp r;
    tc_get(c, path, NULL, &r);
    TC_CHECK(rc == 0 && (r.status == 200 || r.status == 400 || r.status == 414),
             "60 ids in match[id]: HTTP %ld", r.status);
    tc_resp_release(&r);
    buf_release(&q);
}

/* The ids (and versions) of a list, for comparing two listings. */
static json_t *tc_keys(const json_t *items)
{
    json_t *keys = json_array();
    size_t i;
    const json_t *v;
    json_array_foreach(items, i, v)
    {
        json_t *k =
            json_pack("[O,O]", json_object_get(v, "id"),
                      json_object_get(v, json_object_get(v, "version") ? "version" : "modified"));
        json_array_append_new(keys, k);
    }
    return keys;
}

/* Walks path in pages of limit (by next or by date) and compares with one
 * page of everything. */
static void tc_check_walk(struct tc_conn *c, const char *rest, unsigned limit, bool by_date)
{
    char path[TC_URL_MAX], full[TC_URL_MAX];
    tc_coll_path(path, sizeof(path), tc_cfg.coll, rest);
    tc_with(full, sizeof(full), path, "limit", "1000");
    struct tc_resp r;
    json_t *pages = tc_walk(c, path, NULL, limit, by_date);
    if (tc_get_ok(c, full, NULL, &r, "one page of everything") && pages) {
        json_t *a = tc_keys(pages), *b = tc_keys(tc_objects(&r));
        TC_CHECK(json_equal(a, b),
                 "%s in pages of %u (by %s): %zu items, one page: %zu; a duplicate, a gap or "
                 "another order (§3.5)",
                 rest, limit, by_date ? "added_after" : "next", json_array_size(a),
                 json_array_size(b));
        json_decref(a);
        json_decref(b);
    }
    json_decref(pages);
    tc_resp_release(&r);
}

static void test_paging_limit_next_complete(struct tc_conn *c)
{
    tc_check_walk(c, "objects/", 3, false);
    tc_check_walk(c, "objects/?match[type]=indicator", 4, false);
    tc_check_walk(c, "manifest/", 5, false);
    char rest[256];
    tc_fmt(rest, sizeof(rest), "objects/%s/?match[version]=all", tc_fix.ind);
    tc_check_walk(c, rest, 1, false);
    /* Versions page too (§5.8), with next whenever more. */
    char path[256];
    tc_fmt(path, sizeof(path), "/api/collections/%s/objects/%s/versions/", tc_cfg.coll, tc_fix.ind);
    json_t *vs = tc_walk_key(c, path, NULL, 1, false, "versions");
    TC_CHECK(json_array_size(vs) == 3, "versions in pages of 1: %zu of 3", json_array_size(vs));
    json_decref(vs);
    struct tc_resp r;
    if (tc_list(c, "objects/?limit=1", &r)) {
        TC_CHECK(
            json_array_size(tc_objects(&r)) == 1 && json_is_true(json_object_get(r.json, "more")),
            "limit=1 over many objects: one object and more=true (§3.4): %s", tc_resp_excerpt(&r));
    }
    tc_resp_release(&r);
}

static void test_paging_added_after_complete(struct tc_conn *c)
{
    /* §3.5: with more=true a client may go on with added_after set to
     * X-TAXII-Date-Added-Last. Every row has its own date_added (a batch's
     * rows 1 µs apart, in arrival order), so such a walk sees everything,
     * across POSTs and inside the fixture batch of 25. */
    tc_check_walk(c, "objects/", 4, true);
    tc_check_walk(c, "manifest/?match[type]=indicator", 7, true);
    char rest[256];
    tc_fmt(rest, sizeof(rest), "objects/?match[id]=%s&match[version]=all", tc_fix.ind);
    tc_check_walk(c, rest, 1, true);
}

static void test_paging_limit_capped(struct tc_conn *c)
{
    struct tc_resp r;
    if (tc_list(c, "objects/?limit=100000", &r))
        TC_CHECK(json_array_size(tc_objects(&r)) <= 1000,
                 "limit=100000: %zu objects, over the server's page",
                 json_array_size(tc_objects(&r)));
    tc_resp_release(&r);
}

static void test_next_reevaluated_in_context(struct tc_conn *c)
{
    /* Appendix B: next MUST be reevaluated in the context of the query. */
    struct tc_resp r;
    char next[1024] = "";
    if (tc_list(c, "objects/?match[type]=indicator&limit=2", &r)) {
        const char *n = json_string_value(json_object_get(r.json, "next"));
        TC_CHECK(n != NULL, "no next for a first page of 2 indicators");
        tc_fmt(next, sizeof(next), "%s", n ? n : "");
    }
    tc_resp_release(&r);
    if (!*next)
        return;
    struct tc_resp q;
    char path[TC_URL_MAX];
    tc_with(path, sizeof(path), "objects/?match[type]=note&limit=2", "next", next);
    if (tc_list(c, path, &q)) {
        size_t i;
        const json_t *v;
        json_array_foreach(tc_objects(&q), i, v)
            TC_CHECK(!strcmp(json_string_value(json_object_get(v, "type")) ?: "", "note"),
                     "a next of an indicator query let an indicator through a note query");
    }
    tc_resp_release(&q);
    /* The same cursor on another collection shows nothing of this one. */
    char other[TC_URL_MAX], rel[TC_URL_MAX];
    tc_with(rel, sizeof(rel), "objects/?limit=2", "next", next);
    tc_coll_path(other, sizeof(other), tc_cfg.coll_other, rel);
    tc_get(c, other, &tc_cfg.none, &q);
    if (q.status == 200) {
        size_t i;
        const json_t *v;
        json_array_foreach(tc_objects(&q), i, v)
            TC_CHECK(strcmp(json_string_value(json_object_get(v, SEAL_PROP_CHANNEL)) ?: "",
                            tc_cfg.channel) != 0,
                     "a next of one collection showed its objects through another");
    } else {
        tc_check_error(&q, 400, "a next of another collection");
    }
    tc_resp_release(&q);
}

static void test_manifest_versions_and_filters(struct tc_conn *c)
{
    char rest[512];
    tc_fmt(rest, sizeof(rest), "manifest/?match[id]=%s&match[version]=all", tc_fix.ind);
    struct tc_resp r;
    if (tc_list(c, rest, &r)) {
        const json_t *recs = tc_objects(&r);
        TC_CHECK(json_array_size(recs) == 3,
                 "manifest of 3 versions: %zu records (§5.3.1: one "
                 "record per version)",
                 json_array_size(recs));
        /* Arrival order was 1, 2, 0 (tc_seed). */
        static const int order[3] = {1, 2, 0};
        for (size_t i = 0; i < json_array_size(recs) && i < 3; i++) {
            const char *v = json_string_value(json_object_get(json_array_get(recs, i), "version"));
            TC_CHECK(v && !strcmp(v, tc_fix.ind_versions[order[i]]),
                     "manifest record %zu has version %s, want %s (date_added order)", i, v,
                     tc_fix.ind_versions[order[i]]);
        }
    }
    tc_resp_release(&r);
    tc_fmt(rest, sizeof(rest), "manifest/?match[id]=%s", tc_fix.ind);
    if (tc_list(c, rest, &r)) {
        const json_t *recs = tc_objects(&r);
        const char *v = json_string_value(json_object_get(json_array_get(recs, 0), "version"));
        TC_CHECK(json_array_size(recs) == 1 && v && !strcmp(v, tc_fix.ind_versions[2]),
                 "manifest without match[version]: the latest version only (§3.4.1)");
    }
    tc_resp_release(&r);
}

static void test_objects_read_rights(struct tc_conn *c)
{
    char path[256], uuid[37], missing[256];
    tc_coll_path(path, sizeof(path), tc_cfg.coll, "objects/");
    tc_uuid4(uuid);
    tc_coll_path(missing, sizeof(missing), uuid, "objects/");
    const struct tc_denial deny[] = {
        {path, &tc_cfg.w, 403, "objects without read (can_read false)"},
        {path, &tc_cfg.none, 404, "objects without any right"},
        {missing, &tc_cfg.rw, 404, "objects of an unknown collection"},
    };
    tc_expect_denials(c, deny, 3);
}

const struct tc_test tc_object_tests[] = {
    {"test_objects_sorted_like_manifest", test_objects_sorted_like_manifest},
    {"test_objects_default_latest_version", test_objects_default_latest_version},
    {"test_objects_come_back_sealed", test_objects_come_back_sealed},
    {"test_unversioned_objects_use_created", test_unversioned_objects_use_created},
    {"test_filter_match_type", test_filter_match_type},
    {"test_filter_match_id", test_filter_match_id},
    {"test_filter_match_version", test_filter_match_version},
    {"test_filter_match_spec_version", test_filter_match_spec_version},
    {"test_filter_except_party", test_filter_except_party},
    {"test_filter_added_after", test_filter_added_after},
    {"test_filter_malformed_400", test_filter_malformed_400},
    {"test_filter_forbidden_combinations_400", test_filter_forbidden_combinations_400},
    {"test_filter_hostile_values", test_filter_hostile_values},
    {"test_paging_limit_next_complete", test_paging_limit_next_complete},
    {"test_paging_added_after_complete", test_paging_added_after_complete},
    {"test_paging_limit_capped", test_paging_limit_capped},
    {"test_next_reevaluated_in_context", test_next_reevaluated_in_context},
    {"test_manifest_versions_and_filters", test_manifest_versions_and_filters},
    {"test_objects_read_rights", test_objects_read_rights},
    {NULL, NULL},
};
