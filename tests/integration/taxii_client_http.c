/*
 * taxii_client_http.c — one HTTPS request through libcurl, its answer
 * (status, the headers TAXII defines, the body parsed as JSON with
 * duplicate keys refused), the shape checks every answer shares (error
 * messages, media types, timestamps, UUIDs), and builders of the STIX
 * objects and envelopes the tests send.
 */
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/random.h>

#include "taxii_client.h"

void tc_fmt(char *out, size_t size, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(out, size, fmt, ap);
    va_end(ap);
    if (n < 0 || (size_t)n >= size) {
        fprintf(stderr, "taxii_client: text too long for its buffer: %s\n", fmt);
        abort();
    }
}

void tc_conn_init(struct tc_conn *c)
{
    c->h = curl_easy_init();
    if (!c->h) {
        fprintf(stderr, "taxii_client: curl_easy_init failed\n");
        abort();
    }
}

void tc_conn_release(struct tc_conn *c)
{
    if (c->h)
        curl_easy_cleanup(c->h);
    c->h = NULL;
}

static size_t tc_on_body(char *p, size_t size, size_t n, void *ctx)
{
    struct tc_resp *r = ctx;
    size_t len = size * n;
    return buf_add(&r->body, p, len) == 0 ? len : 0;
}

/* Copies a header's value (without surrounding blanks) if name matches. */
static bool tc_header_take(const char *line, size_t len, const char *name, char *out)
{
    size_t nl = strlen(name);
    if (len <= nl || strncasecmp(line, name, nl) != 0 || line[nl] != ':')
        return false;
    const char *v = line + nl + 1, *end = line + len;
    while (v < end && (*v == ' ' || *v == '\t'))
        v++;
    while (end > v && isspace((unsigned char)end[-1]))
        end--;
    size_t vl = (size_t)(end - v);
    if (vl >= TC_HEADER_MAX)
        vl = TC_HEADER_MAX - 1;
    memcpy(out, v, vl);
    out[vl] = '\0';
    return true;
}

static size_t tc_on_header(char *p, size_t size, size_t n, void *ctx)
{
    struct tc_resp *r = ctx;
    size_t len = size * n;
    if (len >= 5 && strncmp(p, "HTTP/", 5) == 0) {
        /* A new header block (after a 100 Continue): forget the old one. */
        r->content_type[0] = r->date_first[0] = r->date_last[0] = '\0';
        r->www_authenticate[0] = r->retry_after[0] = r->allow[0] = '\0';
        r->has_date_first = r->has_date_last = false;
        r->has_www_authenticate = r->has_retry_after = r->has_allow = false;
        return len;
    }
    tc_header_take(p, len, "Content-Type", r->content_type);
    r->has_date_first |= tc_header_take(p, len, "X-TAXII-Date-Added-First", r->date_first);
    r->has_date_last |= tc_header_take(p, len, "X-TAXII-Date-Added-Last", r->date_last);
    r->has_www_authenticate |= tc_header_take(p, len, "WWW-Authenticate", r->www_authenticate);
    r->has_retry_after |= tc_header_take(p, len, "Retry-After", r->retry_after);
    r->has_allow |= tc_header_take(p, len, "Allow", r->allow);
    return len;
}

struct tc_upload {
    const char *p;
    size_t left;
};

static size_t tc_on_read(char *out, size_t size, size_t n, void *ctx)
{
    struct tc_upload *u = ctx;
    size_t k = size * n < u->left ? size * n : u->left;
    memcpy(out, u->p, k);
    u->p += k;
    u->left -= k;
    return k;
}

static struct curl_slist *tc_headers(const struct tc_req *req)
{
    struct curl_slist *h = NULL;
    char line[TC_URL_MAX];
    const char *accept = req->accept ? req->accept : TC_MEDIA;
    if (*accept) {
        tc_fmt(line, sizeof(line), "Accept: %s", accept);
        h = curl_slist_append(h, line);
    } else {
        h = curl_slist_append(h, "Accept:"); /* curl would send its own otherwise */
    }
    if (req->body) {
        const char *ct = req->content_type ? req->content_type : TC_MEDIA;
        if (*ct) {
            tc_fmt(line, sizeof(line), "Content-Type: %s", ct);
            h = curl_slist_append(h, line);
        } else {
            h = curl_slist_append(h, "Content-Type:");
        }
        h = curl_slist_append(h, req->expect_continue ? "Expect: 100-continue" : "Expect:");
        if (req->chunked)
            h = curl_slist_append(h, "Transfer-Encoding: chunked");
    }
    const struct tc_user *u = req->user ? req->user : &tc_cfg.rw;
    if (req->auth == TC_BEARER || req->auth == TC_RAW_AUTH) {
        const char *v = req->auth == TC_BEARER ? u->token : req->authorization;
        struct buf auth;
        buf_init(&auth, TC_BODY_MAX);
        if (buf_addf(&auth, "Authorization: %s%s", req->auth == TC_BEARER ? "Bearer " : "", v))
            abort();
        h = curl_slist_append(h, auth.data); /* copies */
        buf_release(&auth);
    }
    h = curl_slist_append(h, "User-Agent: hotline-taxii-client/1");
    return h;
}

static void tc_setopt_transport(CURL *h, const struct tc_req *req)
{
    if (!req->no_ca)
        curl_easy_setopt(h, CURLOPT_CAINFO, tc_cfg.ca);
    curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, 1L);
    curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, 2L);
    if (req->tls_version) {
        curl_easy_setopt(h, CURLOPT_SSLVERSION, req->tls_version | (req->tls_version << 16));
    }
    if (req->source)
        curl_easy_setopt(h, CURLOPT_INTERFACE, req->source);
    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, 10000L);
    curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, 30000L);
}

void tc_do(struct tc_conn *c, const struct tc_req *req, struct tc_resp *resp)
{
    memset(resp, 0, sizeof(*resp));
    buf_init(&resp->body, TC_BODY_MAX);
    CURL *h = c->h;
    curl_easy_reset(h);
    struct buf url;
    buf_init(&url, TC_BODY_MAX);
    if (buf_addf(&url, "%s%s", strncmp(req->path, "http", 4) ? tc_cfg.url : "", req->path))
        abort();
    curl_easy_setopt(h, CURLOPT_URL, url.data);
    tc_setopt_transport(h, req);
    const char *method = req->method ? req->method : req->body ? "POST" : "GET";
    struct tc_upload up = {req->body, req->body_len ? req->body_len
                                      : req->body   ? strlen(req->body)
                                                    : 0};
    if (req->body) {
        curl_easy_setopt(h, CURLOPT_POST, 1L);
        curl_easy_setopt(h, CURLOPT_READFUNCTION, tc_on_read);
        curl_easy_setopt(h, CURLOPT_READDATA, &up);
        if (!req->chunked)
            curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)up.left);
    }
    if (strcmp(method, "GET") != 0 && strcmp(method, "POST") != 0)
        curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, method);
    const struct tc_user *u = req->user ? req->user : &tc_cfg.rw;
    if (req->auth == TC_BASIC) {
        curl_easy_setopt(h, CURLOPT_HTTPAUTH, CURLAUTH_BASIC);
        curl_easy_setopt(h, CURLOPT_USERNAME, u->name);
        curl_easy_setopt(h, CURLOPT_PASSWORD, u->token);
    }
    struct curl_slist *headers = tc_headers(req);
    curl_easy_setopt(h, CURLOPT_HTTPHEADER, headers);
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, tc_on_body);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, resp);
    curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, tc_on_header);
    curl_easy_setopt(h, CURLOPT_HEADERDATA, resp);
    resp->curl = curl_easy_perform(h);
    curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &resp->status);
    curl_slist_free_all(headers);
    buf_release(&url);
    if (resp->body.len) {
        json_error_t jerr;
        resp->json = json_loadb(resp->body.data, resp->body.len, JSON_REJECT_DUPLICATES, &jerr);
    }
}

void tc_resp_release(struct tc_resp *resp)
{
    json_decref(resp->json);
    resp->json = NULL;
    buf_release(&resp->body);
}

const char *tc_resp_excerpt(const struct tc_resp *resp)
{
    static _Thread_local char out[320];
    if (resp->curl != CURLE_OK) {
        tc_fmt(out, sizeof(out), "transport: %s", curl_easy_strerror(resp->curl));
        return out;
    }
    size_t n = resp->body.len < sizeof(out) - 1 ? resp->body.len : sizeof(out) - 1;
    memcpy(out, resp->body.data, n);
    out[n] = '\0';
    return out;
}

void tc_get(struct tc_conn *c, const char *path, const struct tc_user *u, struct tc_resp *resp)
{
    struct tc_req req = {.path = path, .user = u};
    tc_do(c, &req, resp);
}

void tc_post(struct tc_conn *c, const char *path, const struct tc_user *u, const char *body,
             struct tc_resp *resp)
{
    struct tc_req req = {.path = path, .user = u, .body = body};
    tc_do(c, &req, resp);
}

/* ---- shapes ------------------------------------------------------------ */

bool tc_is_taxii_type(const char *ct)
{
    /* type/subtype and the parameter name are case-insensitive (RFC 7231
     * §3.1.1.1); OWS may surround ';'. */
    char norm[TC_HEADER_MAX];
    size_t n = 0;
    for (const char *p = ct; *p && n + 1 < sizeof(norm); p++) {
        if (*p != ' ' && *p != '\t')
            norm[n++] = (char)tolower((unsigned char)*p);
    }
    norm[n] = '\0';
    return strcmp(norm, TC_MEDIA) == 0;
}

bool tc_check_error(const struct tc_resp *resp, int status, const char *what)
{
    if (!TC_STATUS(resp, status, what))
        return false;
    bool ok =
        TC_CHECK(tc_is_taxii_type(resp->content_type), "%s: error Content-Type \"%s\", want %s",
                 what, resp->content_type, TC_MEDIA);
    const json_t *j = resp->json;
    if (!TC_CHECK(json_is_object(j), "%s: error body is not a JSON object: %s", what,
                  tc_resp_excerpt(resp)))
        return false;
    ok &= TC_CHECK(json_is_string(json_object_get(j, "title")),
                   "%s: error message without a title (TAXII 2.1 §3.6.1): %s", what,
                   tc_resp_excerpt(resp));
    const json_t *hs = json_object_get(j, "http_status");
    if (hs) {
        char want[8];
        tc_fmt(want, sizeof(want), "%d", status);
        ok &= TC_CHECK(json_is_string(hs) && strcmp(json_string_value(hs), want) == 0,
                       "%s: http_status must be the string \"%s\" (§3.6.1): %s", what, want,
                       tc_resp_excerpt(resp));
    }
    return ok;
}

static bool tc_digits(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (!isdigit((unsigned char)s[i]))
            return false;
    }
    return true;
}

/* YYYY-MM-DDTHH:MM:SS, the part both timestamp forms share. */
static bool tc_is_datetime(const char *s)
{
    return strlen(s) >= 19 && tc_digits(s, 4) && s[4] == '-' && tc_digits(s + 5, 2) &&
           s[7] == '-' && tc_digits(s + 8, 2) && s[10] == 'T' && tc_digits(s + 11, 2) &&
           s[13] == ':' && tc_digits(s + 14, 2) && s[16] == ':' && tc_digits(s + 17, 2);
}

bool tc_is_taxii_timestamp(const char *s)
{
    return s && tc_is_datetime(s) && strlen(s) == 27 && s[19] == '.' && tc_digits(s + 20, 6) &&
           s[26] == 'Z';
}

bool tc_is_stix_timestamp(const char *s)
{
    if (!s || !tc_is_datetime(s))
        return false;
    const char *p = s + 19;
    if (*p == '.') {
        p++;
        size_t n = 0;
        while (isdigit((unsigned char)p[n]))
            n++;
        if (n == 0)
            return false;
        p += n;
    }
    return strcmp(p, "Z") == 0;
}

bool tc_is_uuid(const char *s, bool v4)
{
    if (!s || strlen(s) != 36)
        return false;
    for (int i = 0; i < 36; i++) {
        bool dash = i == 8 || i == 13 || i == 18 || i == 23;
        if (dash ? s[i] != '-' : !(isdigit((unsigned char)s[i]) || (s[i] >= 'a' && s[i] <= 'f')))
            return false;
    }
    return !v4 || (s[14] == '4' && strchr("89ab", s[19]) != NULL);
}

/* ---- objects ----------------------------------------------------------- */

void tc_uuid4(char out[37])
{
    uint8_t b[16];
    if (getrandom(b, sizeof(b), 0) != (ssize_t)sizeof(b))
        abort();
    b[6] = (uint8_t)((b[6] & 0x0f) | 0x40);
    b[8] = (uint8_t)((b[8] & 0x3f) | 0x80);
    char hex[33];
    hl_hex(hex, b, 16);
    tc_fmt(out, 37, "%.8s-%.4s-%.4s-%.4s-%.12s", hex, hex + 8, hex + 12, hex + 16, hex + 20);
}

void tc_stix_id(char *out, size_t size, const char *type)
{
    char u[37];
    tc_uuid4(u);
    tc_fmt(out, size, "%s--%s", type, u);
}

static char *tc_dump(json_t *o)
{
    char *s = json_dumps(o, JSON_COMPACT);
    json_decref(o);
    if (!s)
        abort();
    return s;
}

json_t *tc_indicator_json(const char *id, const char *modified, const char *name)
{
    json_t *o = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s}", "type", "indicator",
                          "spec_version", "2.1", "id", id, "created", "2026-01-01T00:00:00.000Z",
                          "modified", modified, "name", name, "pattern",
                          "[ipv4-addr:value = '198.51.100.1']", "pattern_type", "stix",
                          "valid_from", "2026-01-01T00:00:00Z");
    if (!o)
        abort();
    return o;
}

char *tc_indicator(const char *id, const char *modified, const char *name)
{
    return tc_dump(tc_indicator_json(id, modified, name));
}

char *tc_note(const char *id, const char *modified, const char *text)
{
    return tc_dump(json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:[s]}", "type", "note",
                             "spec_version", "2.1", "id", id, "created", "2026-01-01T00:00:00.000Z",
                             "modified", modified, "content", text, "object_refs",
                             "indicator--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f"));
}

char *tc_envelope(const char *const *objects, size_t n)
{
    struct buf b;
    buf_init(&b, TC_BODY_MAX);
    int rc = buf_adds(&b, "{\"objects\":[");
    for (size_t i = 0; i < n && rc == 0; i++) {
        if (i)
            rc = buf_addc(&b, ',');
        if (rc == 0)
            rc = buf_adds(&b, objects[i]);
    }
    if (rc == 0)
        rc = buf_adds(&b, "]}");
    if (rc != 0)
        abort();
    return buf_detach(&b, NULL);
}

json_t *tc_publish(struct tc_conn *c, const char *const *objects, size_t n)
{
    char path[256];
    tc_coll_path(path, sizeof(path), tc_cfg.coll, "objects/");
    char *body = tc_envelope(objects, n);
    struct tc_resp r;
    tc_post(c, path, NULL, body, &r);
    free(body);
    json_t *st = NULL;
    if (TC_STATUS(&r, 202, "publish") && TC_CHECK(json_is_object(r.json), "publish: no status")) {
        json_int_t ok = json_integer_value(json_object_get(r.json, "success_count"));
        if (TC_CHECK(ok == (json_int_t)n, "publish: %lld of %zu objects succeeded: %s",
                     (long long)ok, n, tc_resp_excerpt(&r)))
            st = json_incref(r.json);
    }
    tc_resp_release(&r);
    return st;
}

const json_t *tc_objects(const struct tc_resp *resp)
{
    static json_t *empty;
    if (!empty)
        empty = json_array();
    const json_t *o = resp->json ? json_object_get(resp->json, "objects") : NULL;
    return json_is_array(o) ? o : empty;
}

long tc_find(const json_t *objects, const char *id, const char *modified)
{
    size_t i;
    const json_t *o;
    json_array_foreach(objects, i, o)
    {
        const char *oid = json_string_value(json_object_get(o, "id"));
        const char *mod = json_string_value(json_object_get(o, "modified"));
        if (oid && strcmp(oid, id) == 0 && (!modified || (mod && strcmp(mod, modified) == 0)))
            return (long)i;
    }
    return -1;
}

void tc_urlencode(char *out, size_t size, const char *s)
{
    static const char hex[] = "0123456789ABCDEF";
    size_t n = 0;
    for (; *s; s++) {
        unsigned char ch = (unsigned char)*s;
        bool keep = isalnum(ch) || ch == '-' || ch == '.' || ch == '_' || ch == '~';
        if (n + (keep ? 1 : 3) >= size)
            abort();
        if (keep) {
            out[n++] = (char)ch;
        } else {
            out[n++] = '%';
            out[n++] = hex[ch >> 4];
            out[n++] = hex[ch & 15];
        }
    }
    out[n] = '\0';
}

void tc_coll_path(char *out, size_t size, const char *coll, const char *rest)
{
    tc_fmt(out, size, "/api/collections/%s/%s", coll, rest);
}
