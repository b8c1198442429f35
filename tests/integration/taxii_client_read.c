/*
 * taxii_client_read.c — the reading side of TAXII 2.1: transport and
 * authentication (§1.6.6, §1.6.9, §8.2.2), content negotiation (§1.6.8,
 * §3.1), discovery and the API root (§4.1, §4.2), collections (§5.1,
 * §5.2) and the manifest (§5.3); the fixtures every test reads, and the
 * page walker (§3.5) the object tests share.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "taxii_client.h"

static const char *const tc_versions[3] = {"2026-02-01T00:00:00.000Z", "2026-02-02T00:00:00.000Z",
                                           "2026-02-03T00:00:00.000Z"};

/* Publishes one object alone (its own POST, so its own date_added). */
static bool tc_publish_one(struct tc_conn *c, char *obj)
{
    const char *list[1] = {obj};
    json_t *st = tc_publish(c, list, 1);
    free(obj);
    json_decref(st);
    return st != NULL;
}

bool tc_seed(struct tc_conn *c)
{
    tc_stix_id(tc_fix.ind, sizeof(tc_fix.ind), "indicator");
    for (int i = 0; i < 3; i++)
        tc_fix.ind_versions[i] = tc_versions[i];
    /* Added in the order 1, 2, 0: "first" and "last" are about versions,
     * not about the order of arrival (§3.4.1). */
    static const int order[3] = {1, 2, 0};
    for (int i = 0; i < 3; i++) {
        char name[32];
        tc_fmt(name, sizeof(name), "version %d", order[i]);
        if (!tc_publish_one(c, tc_indicator(tc_fix.ind, tc_versions[order[i]], name)))
            return false;
    }
    char *notes[2];
    for (int i = 0; i < 2; i++) {
        tc_stix_id(tc_fix.notes[i], sizeof(tc_fix.notes[i]), "note");
        notes[i] = tc_note(tc_fix.notes[i], tc_versions[0], "a fixture note");
    }
    json_t *st = tc_publish(c, (const char *const *)notes, 2);
    free(notes[0]);
    free(notes[1]);
    json_decref(st);
    if (!st)
        return false;
    char *batch[TC_BATCH];
    for (int i = 0; i < TC_BATCH; i++) {
        tc_stix_id(tc_fix.batch[i], sizeof(tc_fix.batch[i]), "indicator");
        batch[i] = tc_indicator(tc_fix.batch[i], tc_versions[0], "batch member");
    }
    st = tc_publish(c, (const char *const *)batch, TC_BATCH);
    for (int i = 0; i < TC_BATCH; i++)
        free(batch[i]);
    if (!st)
        return false;
    tc_fmt(tc_fix.status_id, sizeof(tc_fix.status_id), "%s",
           json_string_value(json_object_get(st, "id")) ?: "");
    json_decref(st);
    return true;
}

bool tc_get_ok(struct tc_conn *c, const char *path, const struct tc_user *u, struct tc_resp *r,
               const char *what)
{
    tc_get(c, path, u, r);
    return TC_STATUS(r, 200, what) &&
           TC_CHECK(tc_is_taxii_type(r->content_type), "%s: Content-Type \"%s\", want %s", what,
                    r->content_type, TC_MEDIA) &&
           TC_CHECK(json_is_object(r->json), "%s: body is not a JSON object: %s", what,
                    tc_resp_excerpt(r));
}

void tc_with(char *out, size_t size, const char *path, const char *key, const char *value)
{
    char enc[1024];
    tc_urlencode(enc, sizeof(enc), value);
    tc_fmt(out, size, "%s%c%s=%s", path, strchr(path, '?') ? '&' : '?', key, enc);
}

json_t *tc_walk(struct tc_conn *c, const char *path, const struct tc_user *u, unsigned limit,
                bool by_date)
{
    return tc_walk_key(c, path, u, limit, by_date, "objects");
}

json_t *tc_walk_key(struct tc_conn *c, const char *path, const struct tc_user *u, unsigned limit,
                    bool by_date, const char *key)
{
    json_t *all = json_array(), *empty = json_array();
    char base[TC_URL_MAX], url[TC_URL_MAX], lim[16];
    tc_fmt(lim, sizeof(lim), "%u", limit);
    tc_with(base, sizeof(base), path, "limit", lim);
    tc_fmt(url, sizeof(url), "%s", base);
    for (int page = 0; page < 10000; page++) {
        struct tc_resp r;
        if (!tc_get_ok(c, url, u, &r, "walk page")) {
            tc_resp_release(&r);
            json_decref(all);
            json_decref(empty);
            return NULL;
        }
        const json_t *objs = json_object_get(r.json, key);
        if (!json_is_array(objs))
            objs = empty;
        bool more = json_is_true(json_object_get(r.json, "more"));
        const char *next = json_string_value(json_object_get(r.json, "next"));
        TC_CHECK(json_array_size(objs) <= limit, "page %d has %zu objects over limit %u", page,
                 json_array_size(objs), limit);
        TC_CHECK(!json_is_array(json_object_get(r.json, key)) || json_array_size(objs) > 0,
                 "page %d: an empty %s list must be omitted (§2 list)", page, key);
        json_array_extend(all, (json_t *)objs);
        if (!more || (by_date && !json_array_size(objs))) {
            tc_resp_release(&r);
            json_decref(empty);
            return all;
        }
        if (by_date) {
            TC_CHECK(r.has_date_last, "page %d: no X-TAXII-Date-Added-Last to go on from", page);
            tc_with(url, sizeof(url), base, "added_after", r.date_last);
        } else if (!TC_CHECK(next && *next, "page %d: more is true but there is no next", page)) {
            tc_resp_release(&r);
            json_decref(all);
            json_decref(empty);
            return NULL;
        } else {
            tc_with(url, sizeof(url), base, "next", next);
        }
        tc_resp_release(&r);
    }
    TC_CHECK(false, "walk of %s did not end after 10000 pages", path);
    json_decref(all);
    json_decref(empty);
    return NULL;
}

/* ---- transport and authentication ------------------------------------ */

static void test_tls_node_certificate_verified(struct tc_conn *c)
{
    struct tc_resp r;
    struct tc_req ok = {.path = "/taxii2/"};
    tc_do(c, &ok, &r);
    TC_STATUS(&r, 200, "GET /taxii2/ verified against DIR/tls.crt");
    tc_resp_release(&r);
    /* The same request verified against the system's roots must fail:
     * verification is real, and the node's self-signed certificate is
     * what it checks. */
    struct tc_req sys = {.path = "/taxii2/", .no_ca = true};
    tc_do(c, &sys, &r);
    TC_CHECK(r.curl == CURLE_PEER_FAILED_VERIFICATION && r.status == 0,
             "without the node's certificate: %s, HTTP %ld", curl_easy_strerror(r.curl), r.status);
    tc_resp_release(&r);
    /* HTTPS only (§1.6.6): plain HTTP on the port gets no TAXII answer. */
    char url[TC_URL_MAX];
    const char *hostport = strstr(tc_cfg.url, "://");
    tc_fmt(url, sizeof(url), "http%s/taxii2/", hostport ? hostport : "");
    struct tc_req plain = {.path = url};
    tc_do(c, &plain, &r);
    TC_CHECK(r.status != 200 && !json_is_object(r.json), "plain HTTP was answered: HTTP %ld %s",
             r.status, tc_resp_excerpt(&r));
    tc_resp_release(&r);
}

static void test_tls_versions_accepted(struct tc_conn *c)
{
    /* §8.2.2: TLS 1.2 MUST be accepted, TLS 1.3 SHOULD. */
    long v[2] = {CURL_SSLVERSION_TLSv1_2, CURL_SSLVERSION_TLSv1_3};
    for (int i = 0; i < 2; i++) {
        struct tc_req req = {.path = "/taxii2/", .tls_version = v[i]};
        struct tc_resp r;
        tc_do(c, &req, &r);
        TC_STATUS(&r, 200, i ? "TLS 1.3" : "TLS 1.2");
        tc_resp_release(&r);
    }
}

/* Every endpoint of §3.1's table, with what it needs. */
static void tc_endpoints(char paths[][256], size_t *n)
{
    char oid[128];
    tc_fmt(oid, sizeof(oid), "objects/%s/", tc_fix.ind);
    size_t k = 0;
    tc_fmt(paths[k++], 256, "/taxii2/");
    tc_fmt(paths[k++], 256, "/api/");
    tc_fmt(paths[k++], 256, "/api/collections/");
    tc_fmt(paths[k++], 256, "/api/status/%s/", tc_fix.status_id);
    tc_coll_path(paths[k++], 256, tc_cfg.coll, "");
    tc_coll_path(paths[k++], 256, tc_cfg.coll, "manifest/");
    tc_coll_path(paths[k++], 256, tc_cfg.coll, "objects/");
    tc_coll_path(paths[k++], 256, tc_cfg.coll, oid);
    tc_fmt(oid, sizeof(oid), "objects/%s/versions/", tc_fix.ind);
    tc_coll_path(paths[k++], 256, tc_cfg.coll, oid);
    tc_fmt(paths[k++], 256, "/api/hotline/collections/%s/heads/", tc_cfg.coll);
    *n = k;
}

static void test_auth_missing_is_401_everywhere(struct tc_conn *c)
{
    char paths[16][256];
    size_t n;
    tc_endpoints(paths, &n);
    for (size_t i = 0; i < n; i++) {
        struct tc_req req = {.path = paths[i], .auth = TC_NO_AUTH};
        struct tc_resp r;
        tc_do(c, &req, &r);
        if (tc_check_error(&r, 401, paths[i]))
            TC_CHECK(r.has_www_authenticate && strstr(r.www_authenticate, "Basic"),
                     "%s: 401 without a WWW-Authenticate challenge for Basic (§1.6.9, RFC 7235)",
                     paths[i]);
        tc_resp_release(&r);
    }
    /* The writing endpoints too: nothing is stored. */
    char path[256], id[64], del[256];
    tc_stix_id(id, sizeof(id), "indicator");
    char *obj = tc_indicator(id, tc_versions[0], "unauthenticated");
    char *env = tc_envelope((const char *const *)&obj, 1);
    tc_coll_path(path, sizeof(path), tc_cfg.coll, "objects/");
    struct tc_req post = {.path = path, .auth = TC_NO_AUTH, .body = env};
    struct tc_resp r;
    tc_do(c, &post, &r);
    tc_check_error(&r, 401, "POST objects without credentials");
    tc_resp_release(&r);
    tc_fmt(del, sizeof(del), "/api/collections/%s/objects/%s/", tc_cfg.coll, tc_fix.notes[0]);
    struct tc_req d = {.method = "DELETE", .path = del, .auth = TC_NO_AUTH};
    tc_do(c, &d, &r);
    tc_check_error(&r, 401, "DELETE without credentials");
    tc_resp_release(&r);
    tc_fmt(path, sizeof(path), "/api/collections/%s/objects/%s/", tc_cfg.coll, id);
    tc_get(c, path, NULL, &r);
    TC_STATUS(&r, 404, "object POSTed without credentials must not be stored");
    tc_resp_release(&r);
    tc_get(c, del, NULL, &r);
    TC_STATUS(&r, 200, "object DELETEd without credentials must still be there");
    tc_resp_release(&r);
    free(obj);
    free(env);
}

static void test_auth_wrong_credentials_401(struct tc_conn *c)
{
    struct tc_user wrong_token = {tc_cfg.rw.name, "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"};
    struct tc_user unknown = {"nobody-here", tc_cfg.rw.token};
    struct tc_user crossed = {tc_cfg.r.name, tc_cfg.rw.token}; /* a real token, wrong user */
    struct tc_user empty = {tc_cfg.rw.name, ""};
    const struct tc_user *basic[] = {&wrong_token, &unknown, &crossed, &empty};
    for (size_t i = 0; i < 4; i++) {
        struct tc_req req = {.path = "/api/collections/", .user = basic[i]};
        struct tc_resp r;
        tc_do(c, &req, &r);
        char what[128];
        tc_fmt(what, sizeof(what), "Basic case %zu (user %s)", i, basic[i]->name);
        tc_check_error(&r, 401, what);
        tc_resp_release(&r);
    }
    static const char *const raw[] = {
        "Bearer AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
        "Bearer ",
        "Bearer",
        "Basic !!!not-base64!!!",
        "Basic bm8tY29sb24tYXQtYWxs", /* "no-colon-at-all" */
        "Basic ",
        "Digest username=\"rw\"",
        "bearer",
    };
    for (size_t i = 0; i < sizeof(raw) / sizeof(raw[0]); i++) {
        struct tc_req req = {
            .path = "/api/collections/", .auth = TC_RAW_AUTH, .authorization = raw[i]};
        struct tc_resp r;
        tc_do(c, &req, &r);
        char what[128];
        tc_fmt(what, sizeof(what), "Authorization: %s", raw[i]);
        tc_check_error(&r, 401, what);
        tc_resp_release(&r);
    }
}

static void test_auth_oversized_header_refused(struct tc_conn *c)
{
    /* A 16 KB token: refused (401, or a header-size error), the node lives. */
    char *line = malloc(16 * 1024 + 16);
    memcpy(line, "Bearer ", 7);
    memset(line + 7, 'A', 16 * 1024);
    line[7 + 16 * 1024] = '\0';
    struct tc_req req = {.path = "/api/collections/", .auth = TC_RAW_AUTH, .authorization = line};
    struct tc_resp r;
    tc_do(c, &req, &r);
    TC_CHECK(r.status == 401 || r.status == 400 || r.status == 431 || r.status == 413,
             "a 16 KB Authorization header: HTTP %ld (%s)", r.status, tc_resp_excerpt(&r));
    tc_resp_release(&r);
    free(line);
    tc_get(c, "/api/", NULL, &r);
    TC_STATUS(&r, 200, "the node after an oversized header");
    tc_resp_release(&r);
}

static void test_auth_basic_and_bearer_accepted(struct tc_conn *c)
{
    const struct tc_user *users[] = {&tc_cfg.rw, &tc_cfg.admin, &tc_cfg.r};
    for (size_t i = 0; i < 3; i++) {
        for (int bearer = 0; bearer < 2; bearer++) {
            struct tc_req req = {.path = "/api/collections/",
                                 .user = users[i],
                                 .auth = bearer ? TC_BEARER : TC_BASIC};
            struct tc_resp r;
            tc_do(c, &req, &r);
            char what[128];
            tc_fmt(what, sizeof(what), "%s as %s", bearer ? "Bearer" : "Basic", users[i]->name);
            TC_STATUS(&r, 200, what);
            tc_resp_release(&r);
        }
    }
}

/* ---- content negotiation (§1.6.8, §3.1) ------------------------------- */

static void test_accept_defined_media_types_not_406(struct tc_conn *c)
{
    static const char *const ok[] = {
        TC_MEDIA,
        "application/taxii+json",
        "application/taxii+json; version=2.1",
        "APPLICATION/TAXII+JSON;VERSION=2.1",
        "application/json, application/taxii+json;version=2.1",
        "application/taxii+json;version=2.1;q=0.9",
        "text/html;q=0.5, application/taxii+json",
    };
    char paths[16][256];
    size_t n;
    tc_endpoints(paths, &n);
    for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
        for (size_t p = 0; p < n; p++) {
            if (strstr(paths[p], "/hotline/"))
                continue;
            struct tc_req req = {.path = paths[p], .accept = ok[i]};
            struct tc_resp r;
            tc_do(c, &req, &r);
            char what[512];
            tc_fmt(what, sizeof(what), "GET %s with Accept: %s", paths[p], ok[i]);
            if (TC_STATUS(&r, 200, what))
                TC_CHECK(tc_is_taxii_type(r.content_type), "%s: Content-Type \"%s\"", what,
                         r.content_type);
            tc_resp_release(&r);
        }
    }
    /* §5.3 names both media types in the manifest's Accept line. */
    char path[256];
    tc_coll_path(path, sizeof(path), tc_cfg.coll, "manifest/");
    struct tc_req req = {.path = path, .accept = TC_MEDIA "," TC_STIX_MEDIA};
    struct tc_resp r;
    tc_do(c, &req, &r);
    TC_STATUS(&r, 200, "manifest with the Accept line of §5.3");
    tc_resp_release(&r);
}

static void test_accept_other_media_types_406(struct tc_conn *c)
{
    static const char *const bad[] = {
        "application/taxii+json;version=2.0",
        "application/taxii+json;version=3.0",
        "application/json",
        "text/html",
        "application/vnd.oasis.taxii+json; version=2.0",
        "application/taxii+json;version=2.1;q=0",
        "*/*", /* taxii.h: the Accept header must name the TAXII type */
        "application/*",
    };
    char paths[16][256];
    size_t n;
    tc_endpoints(paths, &n);
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        for (size_t p = 0; p < n; p++) {
            if (strstr(paths[p], "/hotline/"))
                continue;
            struct tc_req req = {.path = paths[p], .accept = bad[i]};
            struct tc_resp r;
            tc_do(c, &req, &r);
            char what[512];
            tc_fmt(what, sizeof(what), "GET %s with Accept: %s", paths[p], bad[i]);
            tc_check_error(&r, 406, what);
            tc_resp_release(&r);
        }
    }
}

static void test_methods_405_and_long_uri_414(struct tc_conn *c)
{
    char objects[256], coll[256];
    tc_coll_path(objects, sizeof(objects), tc_cfg.coll, "objects/");
    tc_coll_path(coll, sizeof(coll), tc_cfg.coll, "");
    const struct {
        const char *method, *path, *allows;
    } cases[] = {
        {"PUT", objects, "POST"},
        {"PATCH", objects, "GET"},
        {"DELETE", coll, "GET"},
        {"POST", "/taxii2/", "GET"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct tc_req req = {.method = cases[i].method, .path = cases[i].path};
        if (!strcmp(cases[i].method, "POST"))
            req.body = "{}";
        struct tc_resp r;
        tc_do(c, &req, &r);
        char what[320];
        tc_fmt(what, sizeof(what), "%s %s", cases[i].method, cases[i].path);
        if (tc_check_error(&r, 405, what))
            TC_CHECK(r.has_allow && strstr(r.allow, cases[i].allows),
                     "%s: 405 with Allow \"%s\", which must name %s (RFC 9110 §15.5.6)", what,
                     r.allow, cases[i].allows);
        tc_resp_release(&r);
    }
    /* A 20 KB request target: refused, and the node lives on. */
    struct buf q;
    buf_init(&q, 32 * 1024);
    int rc = buf_adds(&q, objects) | buf_adds(&q, "?match[type]=");
    for (int i = 0; i < 2000 && rc == 0; i++)
        rc = buf_adds(&q, "indicator,");
    struct tc_resp r;
    tc_get(c, q.data, NULL, &r);
    TC_CHECK(rc == 0 && (r.status == 414 || r.status == 400), "a 20 KB URI: HTTP %ld", r.status);
    tc_resp_release(&r);
    buf_release(&q);
    tc_get(c, "/api/", NULL, &r);
    TC_STATUS(&r, 200, "the node after a 20 KB URI");
    tc_resp_release(&r);
}

/* ---- discovery and API root (§4.1, §4.2) ------------------------------ */

static void test_discovery_resource(struct tc_conn *c)
{
    struct tc_resp r;
    if (!tc_get_ok(c, "/taxii2/", NULL, &r, "discovery")) {
        tc_resp_release(&r);
        return;
    }
    TC_CHECK(json_is_string(json_object_get(r.json, "title")), "discovery: title is required");
    const json_t *roots = json_object_get(r.json, "api_roots");
    char want[TC_URL_MAX];
    tc_fmt(want, sizeof(want), "%s/api/", tc_cfg.url);
    bool found = false;
    size_t i;
    const json_t *v;
    TC_CHECK(json_is_array(roots) && json_array_size(roots) > 0,
             "discovery: api_roots must be a non-empty list");
    json_array_foreach(roots, i, v)
    {
        const char *u = json_string_value(v);
        TC_CHECK(u && (strncmp(u, "https://", 8) == 0 || (u[0] == '/' && u[1] != '/')) &&
                     !strchr(u, '?'),
                 "discovery: api root \"%s\" is not an HTTPS or /relative URL without query",
                 TC_S(u));
        found |= u && strcmp(u, want) == 0;
    }
    TC_CHECK(found, "discovery: api_roots lacks %s: %s", want, tc_resp_excerpt(&r));
    const json_t *def = json_object_get(r.json, "default");
    if (def) {
        bool in = false;
        json_array_foreach(roots, i, v) in |= json_equal(v, def);
        TC_CHECK(in, "discovery: default must be one of api_roots");
    }
    tc_resp_release(&r);
}

static void test_api_root_resource(struct tc_conn *c)
{
    struct tc_resp r;
    if (tc_get_ok(c, "/api/", NULL, &r, "API root")) {
        TC_CHECK(json_is_string(json_object_get(r.json, "title")), "API root: title required");
        const json_t *vs = json_object_get(r.json, "versions");
        bool has = false;
        size_t i;
        const json_t *v;
        json_array_foreach(vs, i, v) has |=
            json_is_string(v) && !strcmp(json_string_value(v), TC_MEDIA);
        TC_CHECK(has, "API root: versions must include %s", TC_MEDIA);
        const json_t *m = json_object_get(r.json, "max_content_length");
        TC_CHECK(json_is_integer(m) && json_integer_value(m) > 0,
                 "API root: max_content_length must be a positive integer");
    }
    tc_resp_release(&r);
    static const char *const missing[] = {"/nope/", "/api2/", "/taxii2/nope/", "/api/nope/"};
    for (size_t i = 0; i < 4; i++) {
        tc_get(c, missing[i], NULL, &r);
        tc_check_error(&r, 404, missing[i]);
        tc_resp_release(&r);
    }
}

/* ---- collections (§5.1, §5.2) ------------------------------------------ */

/* The collection with this id in a collections answer, or NULL. */
static const json_t *tc_coll_in(const json_t *list, const char *id)
{
    size_t i;
    const json_t *v;
    json_array_foreach(list, i, v)
    {
        const char *cid = json_string_value(json_object_get(v, "id"));
        if (cid && strcmp(cid, id) == 0)
            return v;
    }
    return NULL;
}

static void tc_check_collection(const json_t *col, const char *who, bool can_read, bool can_write)
{
    const char *title = json_string_value(json_object_get(col, "title"));
    TC_CHECK(title && strcmp(title, tc_cfg.channel) == 0, "%s: title \"%s\", want the channel", who,
             title ? title : "(none)");
    TC_CHECK(json_is_boolean(json_object_get(col, "can_read")) &&
                 json_is_true(json_object_get(col, "can_read")) == can_read,
             "%s: can_read must be %s", who, can_read ? "true" : "false");
    TC_CHECK(json_is_boolean(json_object_get(col, "can_write")) &&
                 json_is_true(json_object_get(col, "can_write")) == can_write,
             "%s: can_write must be %s", who, can_write ? "true" : "false");
    const json_t *mt = json_object_get(col, "media_types");
    bool stix = false;
    size_t i;
    const json_t *v;
    json_array_foreach(mt, i, v) stix |=
        json_is_string(v) && !strcmp(json_string_value(v), TC_STIX_MEDIA);
    TC_CHECK(stix, "%s: media_types must list %s", who, TC_STIX_MEDIA);
}

static void test_collections_only_permitted(struct tc_conn *c)
{
    struct {
        const struct tc_user *u;
        bool sees, sees_other, can_read, can_write;
    } cases[] = {
        {&tc_cfg.admin, true, true, true, true},   {&tc_cfg.rw, true, false, true, true},
        {&tc_cfg.r, true, false, true, false},     {&tc_cfg.w, true, false, false, true},
        {&tc_cfg.none, false, true, false, false}, {&tc_cfg.nobody, false, false, false, false},
    };
    for (size_t k = 0; k < sizeof(cases) / sizeof(cases[0]); k++) {
        struct tc_resp r;
        if (tc_get_ok(c, "/api/collections/", cases[k].u, &r, cases[k].u->name)) {
            const json_t *list = json_object_get(r.json, "collections");
            TC_CHECK(!list || json_array_size(list) > 0,
                     "%s: an empty collections list must be omitted (§5.1.1)", cases[k].u->name);
            const json_t *col = tc_coll_in(list, tc_cfg.coll);
            TC_CHECK(!!col == cases[k].sees, "%s: main collection %s", cases[k].u->name,
                     cases[k].sees ? "missing" : "listed without a right on it");
            TC_CHECK(!!tc_coll_in(list, tc_cfg.coll_other) == cases[k].sees_other,
                     "%s: other collection %s", cases[k].u->name,
                     cases[k].sees_other ? "missing" : "listed without a right on it");
            if (col)
                tc_check_collection(col, cases[k].u->name, cases[k].can_read, cases[k].can_write);
            if (cases[k].u == &tc_cfg.nobody)
                TC_CHECK(json_object_size(r.json) == 0,
                         "no collection: the answer must be the empty object (§5.1.1): %s",
                         tc_resp_excerpt(&r));
        }
        tc_resp_release(&r);
    }
}

static void test_collections_sort_consistent(struct tc_conn *c)
{
    struct tc_resp a, b;
    if (tc_get_ok(c, "/api/collections/", &tc_cfg.admin, &a, "collections 1") &&
        tc_get_ok(c, "/api/collections/", &tc_cfg.admin, &b, "collections 2"))
        TC_CHECK(json_equal(a.json, b.json), "two GETs listed the collections differently (§3.3)");
    tc_resp_release(&a);
    tc_resp_release(&b);
}

static void test_collection_resource(struct tc_conn *c)
{
    char path[256];
    tc_coll_path(path, sizeof(path), tc_cfg.coll, "");
    const struct tc_user *u[] = {&tc_cfg.rw, &tc_cfg.r, &tc_cfg.w};
    const bool rd[] = {true, true, false}, wr[] = {true, false, true};
    for (int i = 0; i < 3; i++) {
        struct tc_resp r;
        if (tc_get_ok(c, path, u[i], &r, u[i]->name)) {
            const char *id = json_string_value(json_object_get(r.json, "id"));
            TC_CHECK(id && strcmp(id, tc_cfg.coll) == 0,
                     "collection id \"%s\", want the UUIDv5 of the channel, %s", id ? id : "",
                     tc_cfg.coll);
            tc_check_collection(r.json, u[i]->name, rd[i], wr[i]);
        }
        tc_resp_release(&r);
    }
    char uuid[37], p2[256];
    tc_uuid4(uuid);
    const char *const missing[][2] = {{path, "none"}, {uuid, "rw"}, {"not-a-uuid", "rw"}};
    for (int i = 0; i < 3; i++) {
        if (i)
            tc_coll_path(p2, sizeof(p2), missing[i][0], "");
        struct tc_resp r;
        tc_get(c, i ? p2 : path, i ? &tc_cfg.rw : &tc_cfg.none, &r);
        tc_check_error(&r, 404, i ? p2 : "collection as a user without rights on it");
        tc_resp_release(&r);
    }
}

/* ---- manifest and objects (§3.2, §3.3, §5.3, §5.4) -------------------- */

void tc_check_date_headers(const struct tc_resp *r, const json_t *records, const char *what)
{
    /* An empty answer has no first or last object to date. */
    size_t n = json_array_size(records);
    if (n == 0 || !TC_CHECK(r->has_date_first && r->has_date_last,
                            "%s: 200 without X-TAXII-Date-Added-First/-Last (§3.2)", what))
        return;
    TC_CHECK(tc_is_taxii_timestamp(r->date_first) && tc_is_taxii_timestamp(r->date_last),
             "%s: X-TAXII-Date-Added headers \"%s\" \"%s\" are not TAXII timestamps (§2)", what,
             r->date_first, r->date_last);
    const char *first =
        json_string_value(json_object_get(json_array_get(records, 0), "date_added"));
    const char *last =
        json_string_value(json_object_get(json_array_get(records, n - 1), "date_added"));
    if (first && last)
        TC_CHECK(!strcmp(first, r->date_first) && !strcmp(last, r->date_last),
                 "%s: headers %s..%s, records %s..%s", what, r->date_first, r->date_last, first,
                 last);
}

void tc_expect_denials(struct tc_conn *c, const struct tc_denial *d, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        struct tc_resp r;
        tc_get(c, d[i].path, d[i].u, &r);
        tc_check_error(&r, d[i].want, d[i].what);
        tc_resp_release(&r);
    }
}

void tc_check_record_order(const json_t *records, json_t *seen, const char *what)
{
    const char *prev = "";
    size_t i;
    const json_t *v;
    json_array_foreach(records, i, v)
    {
        const char *id = json_string_value(json_object_get(v, "id"));
        const char *da = json_string_value(json_object_get(v, "date_added"));
        if (!TC_CHECK(id && tc_is_taxii_timestamp(da),
                      "%s record %zu: id and date_added (a TAXII timestamp) required", what, i))
            continue;
        TC_CHECK(strcmp(prev, da) <= 0, "%s not sorted by date_added: %s then %s", what, prev, da);
        prev = da;
        if (seen) {
            TC_CHECK(!json_object_get(seen, id), "%s listed %s twice", what, id);
            json_object_set_new(seen, id, json_true());
        }
    }
}

static void test_manifest_records(struct tc_conn *c)
{
    char path[256];
    tc_coll_path(path, sizeof(path), tc_cfg.coll, "manifest/");
    struct tc_resp r;
    if (tc_get_ok(c, path, NULL, &r, "manifest")) {
        const json_t *recs = tc_objects(&r);
        TC_CHECK(json_array_size(recs) > 0, "manifest: no records");
        tc_check_record_order(recs, NULL, "manifest");
        size_t i;
        const json_t *v;
        json_array_foreach(recs, i, v)
        {
            const char *ver = json_string_value(json_object_get(v, "version"));
            const char *mt = json_string_value(json_object_get(v, "media_type"));
            TC_CHECK(ver != NULL, "manifest record %zu: version is required", i);
            TC_CHECK(!mt || !strcmp(mt, TC_STIX_MEDIA), "manifest record %zu: media_type %s", i,
                     mt);
        }
        tc_check_date_headers(&r, recs, "manifest");
        TC_CHECK(tc_find(recs, tc_fix.ind, NULL) >= 0, "manifest lacks the fixture indicator");
    }
    tc_resp_release(&r);
    const struct tc_denial deny[] = {
        {path, &tc_cfg.w, 403, "manifest without read right"},
        {path, &tc_cfg.none, 404, "manifest without any right"},
    };
    tc_expect_denials(c, deny, 2);
}

const struct tc_test tc_read_tests[] = {
    {"test_tls_node_certificate_verified", test_tls_node_certificate_verified},
    {"test_tls_versions_accepted", test_tls_versions_accepted},
    {"test_auth_missing_is_401_everywhere", test_auth_missing_is_401_everywhere},
    {"test_auth_wrong_credentials_401", test_auth_wrong_credentials_401},
    {"test_auth_basic_and_bearer_accepted", test_auth_basic_and_bearer_accepted},
    {"test_auth_oversized_header_refused", test_auth_oversized_header_refused},
    {"test_accept_defined_media_types_not_406", test_accept_defined_media_types_not_406},
    {"test_accept_other_media_types_406", test_accept_other_media_types_406},
    {"test_methods_405_and_long_uri_414", test_methods_405_and_long_uri_414},
    {"test_discovery_resource", test_discovery_resource},
    {"test_api_root_resource", test_api_root_resource},
    {"test_collections_only_permitted", test_collections_only_permitted},
    {"test_collections_sort_consistent", test_collections_sort_consistent},
    {"test_collection_resource", test_collection_resource},
    {"test_manifest_records", test_manifest_records},
    {NULL, NULL},
};
