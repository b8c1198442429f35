/*
 * taxii_client_write.c — Add Objects (TAXII 2.1 §5.5) and the status
 * resource (§4.3): media types of a POST (415, 406), what the STIX core
 * refuses (with its reasons), duplicates and held versions, forged
 * seals, malformed bodies, and the rights of each user (403/404) — and
 * in every refused case, that nothing was stored.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ledger/ledger.h"
#include "taxii_client.h"

static const char *const tc_v[3] = {"2026-03-01T00:00:00.000Z", "2026-03-02T00:00:00.000Z",
                                    "2026-03-03T00:00:00.000Z"};

long long tc_log_size(struct tc_conn *c)
{
    char path[256];
    tc_fmt(path, sizeof(path), "/api/hotline/collections/%s/heads/", tc_cfg.coll);
    struct tc_resp r;
    tc_get(c, path, &tc_cfg.rw, &r);
    long long size = -1;
    size_t i;
    const json_t *v;
    if (r.status == 200)
        json_array_foreach(json_object_get(r.json, "logs"), i, v)
        {
            const char *p = json_string_value(json_object_get(v, "party"));
            if (p && !strcmp(p, tc_cfg.party))
                size = json_integer_value(json_object_get(v, "size"));
        }
    TC_CHECK(size >= 0, "heads: no log of the node's party: HTTP %ld %s", r.status,
             tc_resp_excerpt(&r));
    tc_resp_release(&r);
    return size;
}

bool tc_absent(struct tc_conn *c, const char *id, const char *why)
{
    char path[256];
    tc_fmt(path, sizeof(path), "/api/collections/%s/objects/%s/", tc_cfg.coll, id);
    struct tc_resp r;
    tc_get(c, path, &tc_cfg.rw, &r);
    bool ok = TC_CHECK(r.status == 404, "%s: %s was stored (GET: HTTP %ld)", why, id, r.status);
    tc_resp_release(&r);
    return ok;
}

/* The counts of a status resource (§4.3.1), and its shape. */
static bool tc_check_status(const json_t *st, long total, long ok, long failed, const char *what)
{
    if (!TC_CHECK(json_is_object(st), "%s: no status resource", what))
        return false;
    const char *id = json_string_value(json_object_get(st, "id"));
    const char *s = json_string_value(json_object_get(st, "status"));
    bool good =
        TC_CHECK(tc_is_uuid(id, true), "%s: status id \"%s\" is not an identifier (a UUIDv4, §2)",
                 what, id ? id : "");
    good &=
        TC_CHECK(s && !strcmp(s, "complete"), "%s: status \"%s\", want complete", what, s ? s : "");
    const char *keys[4] = {"total_count", "success_count", "failure_count", "pending_count"};
    long want[4] = {total, ok, failed, 0};
    for (int i = 0; i < 4; i++) {
        const json_t *n = json_object_get(st, keys[i]);
        good &= TC_CHECK(json_is_integer(n) && json_integer_value(n) == want[i],
                         "%s: %s is %lld, want %ld", what, keys[i],
                         (long long)json_integer_value(n), want[i]);
    }
    const char *lists[3] = {"successes", "failures", "pendings"};
    for (int i = 0; i < 3; i++) {
        const json_t *l = json_object_get(st, lists[i]);
        good &=
            TC_CHECK(!l || (json_is_array(l) && json_array_size(l) > 0),
                     "%s: %s present but empty (§2: empty lists are prohibited)", what, lists[i]);
        size_t k;
        const json_t *d;
        json_array_foreach(l, k, d) good &=
            TC_CHECK(json_is_string(json_object_get(d, "id")) &&
                         json_is_string(json_object_get(d, "version")),
                     "%s: %s[%zu] lacks the id or version status-details require (§4.3.1)", what,
                     lists[i], k);
    }
    const char *ts = json_string_value(json_object_get(st, "request_timestamp"));
    good &= TC_CHECK(!json_object_get(st, "request_timestamp") || tc_is_taxii_timestamp(ts),
                     "%s: request_timestamp \"%s\" is not a TAXII timestamp", what, ts);
    return good;
}

/* The status-details entry of id in list ("successes", "failures"). */
static const json_t *tc_detail(const json_t *st, const char *list, const char *id)
{
    size_t i;
    const json_t *v;
    json_array_foreach(json_object_get(st, list), i, v)
    {
        const char *d = json_string_value(json_object_get(v, "id"));
        if (d && !strcmp(d, id))
            return v;
    }
    return NULL;
}

/* POSTs an envelope of objects as u (NULL: rw) into the main collection. */
static void tc_post_objects(struct tc_conn *c, const struct tc_user *u, char **objs, size_t n,
                            struct tc_resp *r)
{
    char path[256];
    tc_coll_path(path, sizeof(path), tc_cfg.coll, "objects/");
    char *env = tc_envelope((const char *const *)objs, n);
    tc_post(c, path, u, env, r);
    free(env);
}

static void test_post_returns_status_resource(struct tc_conn *c)
{
    char id[2][64];
    char *objs[2];
    for (int i = 0; i < 2; i++) {
        tc_stix_id(id[i], sizeof(id[i]), "indicator");
        objs[i] = tc_indicator(id[i], tc_v[i], "status test");
    }
    struct tc_resp r, s;
    tc_post_objects(c, NULL, objs, 2, &r);
    if (TC_STATUS(&r, 202, "POST objects") &&
        TC_CHECK(tc_is_taxii_type(r.content_type), "POST: Content-Type %s", r.content_type) &&
        tc_check_status(r.json, 2, 2, 0, "POST answer")) {
        for (int i = 0; i < 2; i++) {
            const json_t *d = tc_detail(r.json, "successes", id[i]);
            const char *v = json_string_value(json_object_get(d, "version"));
            TC_CHECK(d && v && !strcmp(v, tc_v[i]),
                     "successes lacks %s with version = its modified (§4.3.1)", id[i]);
        }
        char path[256];
        tc_fmt(path, sizeof(path), "/api/status/%s/",
               json_string_value(json_object_get(r.json, "id")));
        if (tc_get_ok(c, path, NULL, &s, "GET status"))
            TC_CHECK(json_equal(s.json, r.json), "GET status differs from the POST's answer: %s",
                     tc_resp_excerpt(&s));
        tc_resp_release(&s);
    }
    tc_resp_release(&r);
    free(objs[0]);
    free(objs[1]);
}

static void test_status_not_found_or_hidden(struct tc_conn *c)
{
    char uuid[37], path[256];
    tc_uuid4(uuid);
    tc_fmt(path, sizeof(path), "/api/status/%s/", uuid);
    struct tc_resp r;
    tc_get(c, path, NULL, &r);
    tc_check_error(&r, 404, "status of an unknown id (§4.3)");
    tc_resp_release(&r);
    tc_get(c, "/api/status/not-a-uuid/", NULL, &r);
    TC_CHECK(r.status == 404 || r.status == 400, "malformed status id: HTTP %ld", r.status);
    tc_resp_release(&r);
    /* A status names objects of a collection: not for a user without
     * rights on it (Appendix B: do not leak existence). */
    tc_fmt(path, sizeof(path), "/api/status/%s/", tc_fix.status_id);
    tc_get(c, path, &tc_cfg.none, &r);
    TC_CHECK(r.status == 403 || r.status == 404,
             "status of another collection's POST shown to a user without rights: HTTP %ld",
             r.status);
    tc_resp_release(&r);
}

static void test_post_invalid_objects_reported(struct tc_conn *c)
{
    char ok_id[64], bad_id[64];
    tc_stix_id(ok_id, sizeof(ok_id), "indicator");
    tc_stix_id(bad_id, sizeof(bad_id), "indicator");
    json_t *bad = tc_indicator_json(bad_id, tc_v[0], "no pattern");
    json_object_del(bad, "pattern");
    char *objs[3] = {tc_indicator(ok_id, tc_v[0], "valid"), json_dumps(bad, JSON_COMPACT),
                     strdup("{\"type\":\"indicator\",\"spec_version\":\"2.1\",\"id\":\"indicator--"
                            "1\"}")};
    long long before = tc_log_size(c);
    struct tc_resp r;
    tc_post_objects(c, NULL, objs, 3, &r);
    if (TC_STATUS(&r, 202, "POST with invalid objects") &&
        tc_check_status(r.json, 3, 1, 2, "mixed envelope")) {
        const json_t *f = tc_detail(r.json, "failures", bad_id);
        const char *msg = json_string_value(json_object_get(f, "message"));
        TC_CHECK(f && msg && strstr(msg, "pattern"),
                 "failure of %s must carry the validator's reason (pattern): %s", bad_id,
                 tc_resp_excerpt(&r));
        TC_CHECK(tc_detail(r.json, "successes", ok_id) != NULL, "valid object not a success");
    }
    tc_resp_release(&r);
    tc_absent(c, bad_id, "an invalid object");
    TC_CHECK(tc_log_size(c) == before + 2, "log grew by %lld, want 2 (one object and its head)",
             tc_log_size(c) - before);
    json_decref(bad);
    for (int i = 0; i < 3; i++)
        free(objs[i]);
}

static void test_post_duplicate_not_stored_twice(struct tc_conn *c)
{
    char *dup = tc_indicator(tc_fix.ind, tc_fix.ind_versions[2], "version 2");
    long long before = tc_log_size(c);
    struct tc_resp r;
    tc_post_objects(c, NULL, &dup, 1, &r);
    if (TC_STATUS(&r, 202, "POST an exact duplicate"))
        tc_check_status(r.json, 1, 1, 0, "duplicate is no error (§5.5)");
    tc_resp_release(&r);
    TC_CHECK(tc_log_size(c) == before, "a duplicate grew the log from %lld to %lld", before,
             tc_log_size(c));
    char path[256];
    tc_fmt(path, sizeof(path), "/api/collections/%s/objects/%s/versions/", tc_cfg.coll, tc_fix.ind);
    if (tc_get_ok(c, path, NULL, &r, "versions after a duplicate"))
        TC_CHECK(json_array_size(json_object_get(r.json, "versions")) == 3,
                 "versions after a duplicate POST: %s", tc_resp_excerpt(&r));
    tc_resp_release(&r);
    free(dup);
}

static void test_post_changed_held_version_fails(struct tc_conn *c)
{
    char *changed = tc_indicator(tc_fix.ind, tc_fix.ind_versions[2], "rewritten history");
    struct tc_resp r;
    tc_post_objects(c, NULL, &changed, 1, &r);
    if (TC_STATUS(&r, 202, "POST another object under a held version") &&
        tc_check_status(r.json, 1, 0, 1, "a published version never changes")) {
        const json_t *f = tc_detail(r.json, "failures", tc_fix.ind);
        TC_CHECK(f && json_is_string(json_object_get(f, "message")),
                 "failure without id or message: %s", tc_resp_excerpt(&r));
    }
    tc_resp_release(&r);
    char path[256];
    tc_fmt(path, sizeof(path), "/api/collections/%s/objects/%s/", tc_cfg.coll, tc_fix.ind);
    if (tc_get_ok(c, path, NULL, &r, "object after a refused rewrite")) {
        const char *name =
            json_string_value(json_object_get(json_array_get(tc_objects(&r), 0), "name"));
        TC_CHECK(name && !strcmp(name, "version 2"), "held version rewritten: name %s", name);
    }
    tc_resp_release(&r);
    free(changed);
}

static void test_post_forged_seal_not_taken(struct tc_conn *c)
{
    char id[64];
    tc_stix_id(id, sizeof(id), "indicator");
    json_t *o = tc_indicator_json(id, tc_v[0], "forged seal");
    json_object_set_new(o, SEAL_PROP_PARTY, json_string(tc_cfg.peer));
    json_object_set_new(o, SEAL_PROP_CHANNEL, json_string(tc_cfg.channel));
    json_object_set_new(o, SEAL_PROP_SEQ, json_integer(999999));
    char *text = json_dumps(o, JSON_COMPACT);
    struct tc_resp r;
    tc_post_objects(c, NULL, &text, 1, &r);
    TC_CHECK(r.status == 202 || r.status == 422, "POST of a forged seal: HTTP %ld", r.status);
    tc_resp_release(&r);
    char path[256];
    tc_fmt(path, sizeof(path), "/api/collections/%s/objects/%s/", tc_cfg.coll, id);
    tc_get(c, path, NULL, &r);
    if (r.status == 200) {
        const json_t *got = json_array_get(tc_objects(&r), 0);
        const char *p = json_string_value(json_object_get(got, SEAL_PROP_PARTY));
        TC_CHECK(p && !strcmp(p, tc_cfg.party), "stored under the forged party %s", p);
    } else {
        TC_STATUS(&r, 404, "forged-seal object");
    }
    tc_resp_release(&r);
    json_decref(o);
    free(text);
}

static void test_post_write_rights(struct tc_conn *c)
{
    char uuid[37], unknown[256], other[256], main_path[256];
    tc_uuid4(uuid);
    tc_coll_path(unknown, sizeof(unknown), uuid, "objects/");
    tc_coll_path(other, sizeof(other), tc_cfg.coll_other, "objects/");
    tc_coll_path(main_path, sizeof(main_path), tc_cfg.coll, "objects/");
    const struct tc_denial cases[] = {
        {main_path, &tc_cfg.r, 403, "POST without write (can_write false)"},
        {main_path, &tc_cfg.none, 404, "POST without any right"},
        {unknown, &tc_cfg.rw, 404, "POST to an unknown collection"},
        {other, &tc_cfg.rw, 404, "POST to a collection the user has no right on"},
        {main_path, &tc_cfg.w, 202, "POST with write only"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        char id[64];
        tc_stix_id(id, sizeof(id), "indicator");
        char *obj = tc_indicator(id, tc_v[0], cases[i].what);
        char *env = tc_envelope((const char *const *)&obj, 1);
        struct tc_resp r;
        tc_post(c, cases[i].path, cases[i].u, env, &r);
        if (cases[i].want == 202) {
            if (TC_STATUS(&r, 202, cases[i].what))
                tc_check_status(r.json, 1, 1, 0, cases[i].what);
        } else {
            tc_check_error(&r, cases[i].want, cases[i].what);
            tc_absent(c, id, cases[i].what);
        }
        tc_resp_release(&r);
        free(obj);
        free(env);
    }
}

/* POSTs one new object with these headers; true if it was stored. */
static bool tc_post_with(struct tc_conn *c, const char *ct, const char *accept, long want,
                         const char *what)
{
    char id[64], path[256];
    tc_stix_id(id, sizeof(id), "indicator");
    char *obj = tc_indicator(id, tc_v[0], what);
    char *env = tc_envelope((const char *const *)&obj, 1);
    tc_coll_path(path, sizeof(path), tc_cfg.coll, "objects/");
    struct tc_req req = {.path = path, .body = env, .content_type = ct, .accept = accept};
    struct tc_resp r;
    tc_do(c, &req, &r);
    char label[512];
    tc_fmt(label, sizeof(label), "%s (Content-Type \"%s\", Accept \"%s\")", what,
           ct ? ct : TC_MEDIA, accept ? accept : TC_MEDIA);
    if (want == 202)
        TC_STATUS(&r, 202, label);
    else if (want == 415 && !*ct)
        TC_CHECK(r.status == 415 || r.status == 400, "%s: HTTP %ld, want 415 or 400", label,
                 r.status);
    else
        tc_check_error(&r, (int)want, label);
    tc_resp_release(&r);
    bool stored = want == 202 || tc_absent(c, id, label);
    free(obj);
    free(env);
    return stored;
}

static void test_post_media_types_415_406(struct tc_conn *c)
{
    static const char *const good[] = {"application/taxii+json; version=2.1",
                                       "Application/TAXII+JSON;Version=2.1",
                                       "application/taxii+json"};
    static const char *const bad[] = {"application/json", TC_STIX_MEDIA,
                                      "application/taxii+json;version=2.0", "text/plain", ""};
    for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++)
        tc_post_with(c, good[i], NULL, 202, "a defined Content-Type must not be 415 (§3.1)");
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        tc_post_with(c, bad[i], NULL, 415, "a POST in another media type");
    tc_post_with(c, NULL, "application/json", 406, "a POST not accepting TAXII");
}

static void test_post_malformed_body(struct tc_conn *c)
{
    static const char *const bodies[] = {
        "not json at all",       "[]",         "{\"objects\": \"x\"}", "{\"objects\": [{\"type\": ",
        "{\"objects\": [1, 2]}", "\xff\xfe{}",
    };
    long long before = tc_log_size(c);
    char path[256];
    tc_coll_path(path, sizeof(path), tc_cfg.coll, "objects/");
    for (size_t i = 0; i < sizeof(bodies) / sizeof(bodies[0]); i++) {
        struct tc_resp r;
        tc_post(c, path, NULL, bodies[i], &r);
        if (r.status == 202)
            tc_check_status(r.json, 2, 0, 2, bodies[i]);
        else
            TC_CHECK((r.status == 400 || r.status == 422) &&
                         tc_check_error(&r, (int)r.status, bodies[i]),
                     "malformed body \"%s\": HTTP %ld, want 400 or 422 (§5.5)", bodies[i],
                     r.status);
        tc_resp_release(&r);
    }
    TC_CHECK(tc_log_size(c) == before, "malformed bodies grew the log");
}

static void test_post_unsupported_stix_version(struct tc_conn *c)
{
    char id[64];
    tc_stix_id(id, sizeof(id), "indicator");
    json_t *o = tc_indicator_json(id, tc_v[0], "STIX 2.0");
    json_object_set_new(o, "spec_version", json_string("2.0"));
    char *text = json_dumps(o, JSON_COMPACT);
    struct tc_resp r;
    tc_post_objects(c, NULL, &text, 1, &r);
    if (r.status == 202)
        tc_check_status(r.json, 1, 0, 1, "a STIX 2.0 object");
    else
        tc_check_error(&r, 422, "a STIX 2.0 object (§5.5: 422)");
    tc_resp_release(&r);
    tc_absent(c, id, "a STIX 2.0 object");
    json_decref(o);
    free(text);
}

static void test_post_ledger_statements_refused(struct tc_conn *c)
{
    /* Tree heads are the node's own statements about its log: a user
     * POSTing one (a copy of a real head, new id) must not get it sealed
     * into the log as if the node had said it. */
    char path[256];
    tc_fmt(path, sizeof(path), "/api/hotline/collections/%s/heads/", tc_cfg.coll);
    struct tc_req req = {.path = path, .accept = "application/json"};
    struct tc_resp r;
    tc_do(c, &req, &r);
    json_t *head = json_deep_copy(
        json_object_get(json_array_get(json_object_get(r.json, "logs"), 0), "tree_head"));
    tc_resp_release(&r);
    if (!TC_CHECK(json_is_object(head), "no tree head to copy"))
        return;
    char id[80];
    tc_stix_id(id, sizeof(id), "hotline-tree-head");
    json_object_set_new(head, "id", json_string(id));
    json_object_set_new(head, "tree_size", json_integer(1000000));
    const char *drop[] = {SEAL_PROP_PARTY, SEAL_PROP_CHANNEL, SEAL_PROP_SEQ, "signatures"};
    for (int i = 0; i < 4; i++)
        json_object_del(head, drop[i]);
    char *text = json_dumps(head, JSON_COMPACT);
    tc_post_objects(c, NULL, &text, 1, &r);
    if (r.status == 202)
        tc_check_status(r.json, 1, 0, 1, "a user's forged tree head");
    else
        TC_CHECK(r.status == 400 || r.status == 422, "a forged tree head: HTTP %ld", r.status);
    tc_resp_release(&r);
    tc_absent(c, id, "a user's forged tree head");
    json_decref(head);
    free(text);
}

const struct tc_test tc_write_tests[] = {
    {"test_post_returns_status_resource", test_post_returns_status_resource},
    {"test_status_not_found_or_hidden", test_status_not_found_or_hidden},
    {"test_post_invalid_objects_reported", test_post_invalid_objects_reported},
    {"test_post_duplicate_not_stored_twice", test_post_duplicate_not_stored_twice},
    {"test_post_changed_held_version_fails", test_post_changed_held_version_fails},
    {"test_post_forged_seal_not_taken", test_post_forged_seal_not_taken},
    {"test_post_ledger_statements_refused", test_post_ledger_statements_refused},
    {"test_post_write_rights", test_post_write_rights},
    {"test_post_media_types_415_406", test_post_media_types_415_406},
    {"test_post_malformed_body", test_post_malformed_body},
    {"test_post_unsupported_stix_version", test_post_unsupported_stix_version},
    {NULL, NULL},
};
