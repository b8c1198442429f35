/*
 * config.c — hotline.conf: its keys, their defaults and ranges, the text
 * `hotline init` writes, and the strict reader `hotline serve` uses.
 *
 * One table (conf_keys) drives both: each row names a key, where its value
 * lives in struct node_config, its kind and range, and the comment that
 * explains it in the written file. So the file init writes lists exactly
 * the keys the reader accepts, with the same ranges, and a key added here
 * appears in both. The format is in node.h.
 */
#include "node.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>

#include "ledger/ledger.h"

enum conf_kind {
    CONF_TEXT,   /* UTF-8 text, no control characters, may be empty */
    CONF_NAME,   /* like CONF_TEXT, but not empty (a path, a title) */
    CONF_LISTEN, /* ADDR:PORT */
    CONF_UINT,   /* unsigned field, decimal in [min, max] */
    CONF_SIZE,   /* size_t field, decimal in [min, max] */
};

struct conf_key {
    const char *name;
    enum conf_kind kind;
    size_t offset; /* of the field in struct node_config */
    size_t size;   /* of a text field, NUL included */
    unsigned long long min, max;
    const char *help; /* the comment above the key in the written file */
    bool live;        /* a running node applies a change on SIGHUP (node.c) */
};

#define TEXT(f) offsetof(struct node_config, f), sizeof(((struct node_config *)0)->f)
#define NUM(f) offsetof(struct node_config, f), 0

/* The ranges. Most objects per envelope is one log batch (LOG_BATCH_MAX):
 * a POST is sealed and appended as one batch. */
static const struct conf_key conf_keys[] = {
    {"listen", CONF_LISTEN, TEXT(listen), 0, 0,
     "Address and port to serve HTTPS on: an IPv4 address, or an IPv6 address\n"
     "in brackets ([::1]:8443). 0.0.0.0 serves every interface; port 0 takes any\n"
     "free port. `hotline serve --listen` overrides it."},
    {"tls_cert", CONF_NAME, TEXT(tls_cert), 0, 0,
     "The server's certificate chain (PEM, leaf first) and its private key\n"
     "(PEM, unencrypted, mode 0600). Relative paths are in the node directory."},
    {"tls_key", CONF_NAME, TEXT(tls_key), 0, 0, NULL},
    {"title", CONF_NAME, TEXT(title), 0, 0,
     "What TAXII discovery (/taxii2/) says about this server: a title, a\n"
     "description and a contact (both may be empty).",
     .live = true},
    {"description", CONF_TEXT, TEXT(description), 0, 0, NULL, .live = true},
    {"contact", CONF_TEXT, TEXT(contact), 0, 0, NULL, .live = true},
    {"threads", CONF_UINT, NUM(threads), 1, 64, "Worker threads serving requests (1..64)."},
    {"max_content_length", CONF_SIZE, NUM(max_content_length), 1024, HL_MAX_DOCUMENT_BYTES,
     "Largest request body in bytes, advertised in the API root; a larger POST\n"
     "is refused with 413 and nothing of it is stored (1024..67108864).",
     .live = true},
    {"max_objects", CONF_SIZE, NUM(max_objects), 1, LOG_BATCH_MAX,
     "Most objects in one POSTed envelope; more is 413 (1..10000).", .live = true},
    {"max_connections", CONF_UINT, NUM(max_connections), 1, 65536,
     "Open connections at most, in all and from one client address\n"
     "(max_per_client <= max_connections); more are refused."},
    {"max_per_client", CONF_UINT, NUM(max_per_client), 1, 65536, NULL},
    {"rate_per_minute", CONF_UINT, NUM(rate_per_minute), 1, 10000000,
     "Requests one client address may make per minute; more are answered 429\n"
     "with Retry-After (1..10000000).",
     .live = true},
    {"timeout_s", CONF_UINT, NUM(timeout_s), 1, 3600,
     "Seconds a connection may stay idle, or a request take to arrive, before\n"
     "it is closed (1..3600)."},
    {"pull_interval_s", CONF_UINT, NUM(pull_interval_s), 1, 86400,
     "Seconds between two pulls of every channel member's collection by the\n"
     "replication worker (a push to a member, and a gap a member's push shows,\n"
     "do not wait for it) (1..86400).",
     .live = true},
    {"deadline_interval_s", CONF_UINT, NUM(deadline_interval_s), 1, 86400,
     "Seconds between two deadline checks: notifications not acknowledged\n"
     "within the channel's policy and requests past due are escalated, each\n"
     "once (docs/workflow.md) (1..86400).",
     .live = true},
    {"escalation_hook", CONF_TEXT, TEXT(escalation_hook), 0, 0,
     "A program run once per escalation, with arguments ITEM-ID KIND, then\n"
     "MEMBER-ID MEMBER-NAME when it concerns one member (an absolute path;\n"
     "no shell; killed after 10 s; its output goes to the node's log).\n"
     "Empty: none.",
     .live = true},
    {"status_retention_days", CONF_UINT, NUM(status_retention_days), 1, 3650,
     "Days the answer to a POST (its TAXII status resource) stays readable at\n"
     "/api/status/ID/; older ones are removed, the oldest first, and then\n"
     "answer 404. The objects, their log entries and proofs stay (1..3650).",
     .live = true},
};
#define N_KEYS (sizeof conf_keys / sizeof conf_keys[0])

void node_config_defaults(struct node_config *c, const char *party_name)
{
    memset(c, 0, sizeof *c);
    snprintf(c->listen, sizeof c->listen, "%s", NODE_DEFAULT_LISTEN);
    snprintf(c->tls_cert, sizeof c->tls_cert, "%s", NODE_CERT_FILE);
    snprintf(c->tls_key, sizeof c->tls_key, "%s", NODE_KEY_FILE);
    if (party_name)
        snprintf(c->title, sizeof c->title, "hotline node of %s", party_name);
    else
        snprintf(c->title, sizeof c->title, "hotline node");
    c->threads = 4;
    c->max_content_length = 10u * 1024 * 1024;
    c->max_objects = 1000;
    c->max_connections = 256;
    c->max_per_client = 32;
    c->rate_per_minute = 6000;
    c->timeout_s = 30;
    c->pull_interval_s = 5;
    c->deadline_interval_s = 10;
    c->status_retention_days = 7;
}

/* ---- values ---------------------------------------------------------------- */

/* Length of the UTF-8 sequence at s (RFC 3629 §4: no overlong forms, no
 * surrogates, nothing past U+10FFFF), or 0 if it is not one. */
static size_t utf8_seq(const unsigned char *s, size_t left)
{
    unsigned c = s[0];
    size_t n = c < 0x80             ? 1
               : (c & 0xe0) == 0xc0 ? 2
               : (c & 0xf0) == 0xe0 ? 3
               : (c & 0xf8) == 0xf0 ? 4
                                    : 0;
    if (n == 0 || n > left || (n == 2 && c < 0xc2) || (n == 4 && c > 0xf4))
        return 0;
    for (size_t i = 1; i < n; i++)
        if ((s[i] & 0xc0) != 0x80)
            return 0;
    if (n == 3 && ((c == 0xe0 && s[1] < 0xa0) || (c == 0xed && s[1] >= 0xa0)))
        return 0; /* overlong, or a UTF-16 surrogate */
    if (n == 4 && ((c == 0xf0 && s[1] < 0x90) || (c == 0xf4 && s[1] >= 0x90)))
        return 0; /* overlong, or past U+10FFFF */
    return n;
}

/* Text a value may hold: valid UTF-8 without control characters. */
static HL_MUST_CHECK int text_check(const char *v, const char *key, const char *where,
                                    struct hl_error *err)
{
    const unsigned char *s = (const unsigned char *)v;
    size_t len = strlen(v);
    for (size_t i = 0; i < len;) {
        size_t n = utf8_seq(s + i, len - i);
        if (n == 0)
            return hl_fail(err, HL_E_PARSE, where, "%s: not valid UTF-8", key);
        if (n == 1 && (s[i] < 0x20 || s[i] == 0x7f))
            return hl_fail(err, HL_E_PARSE, where, "%s: control character 0x%02x", key, s[i]);
        i += n;
    }
    return 0;
}

int node_listen_check(const char *listen, struct hl_error *err)
{
    char host[NODE_LISTEN_MAX + 1];
    unsigned char addr[16];
    const char *colon = listen ? strrchr(listen, ':') : NULL;
    long long port = 0;
    if (!colon || strlen(listen) > NODE_LISTEN_MAX)
        return hl_fail(err, HL_E_INVALID, "listen", "'%s' is not ADDR:PORT", listen ? listen : "");
    size_t hlen = (size_t)(colon - listen);
    memcpy(host, listen, hlen);
    host[hlen] = '\0';
    if (!hl_parse_int(colon + 1, 0, 65535, &port))
        return hl_fail(err, HL_E_INVALID, "listen", "'%s': the port must be 0..65535", colon + 1);
    bool v6 = hlen >= 2 && host[0] == '[' && host[hlen - 1] == ']';
    if (v6) {
        host[hlen - 1] = '\0';
        if (inet_pton(AF_INET6, host + 1, addr) == 1)
            return 0;
    } else if (inet_pton(AF_INET, host, addr) == 1) {
        return 0;
    }
    return hl_fail(err, HL_E_INVALID, "listen",
                   "'%s' is not an IPv4 address or a bracketed IPv6 address", host + v6);
}

/* Sets the key's field from v; err names where. */
static HL_MUST_CHECK int key_set(const struct conf_key *k, const char *v, struct node_config *c,
                                 const char *where, struct hl_error *err)
{
    char *field = (char *)c + k->offset;
    long long n = 0;
    int r;
    switch (k->kind) {
    case CONF_LISTEN: {
        struct hl_error why;
        if (node_listen_check(v, &why))
            return hl_fail(err, HL_E_PARSE, where, "listen: %s", why.msg);
        break;
    }
    case CONF_NAME:
        if (!v[0])
            return hl_fail(err, HL_E_PARSE, where, "%s: must not be empty", k->name);
        /* fall through */
    case CONF_TEXT:
        r = text_check(v, k->name, where, err);
        if (r)
            return r;
        break;
    case CONF_UINT:
    case CONF_SIZE:
        if (!hl_parse_int(v, (long long)k->min, (long long)k->max, &n))
            return hl_fail(err, HL_E_PARSE, where,
                           "%s: '%s' is not a whole number from %llu to %llu", k->name, v, k->min,
                           k->max);
        if (k->kind == CONF_UINT)
            *(unsigned *)(void *)field = (unsigned)n;
        else
            *(size_t *)(void *)field = (size_t)n;
        return 0;
    }
    if (strlen(v) >= k->size)
        return hl_fail(err, HL_E_PARSE, where, "%s: longer than %zu bytes", k->name, k->size - 1);
    memcpy(field, v, strlen(v) + 1);
    return 0;
}

/* ---- reading ----------------------------------------------------------------- */

static const struct conf_key *key_find(const char *name)
{
    for (size_t i = 0; i < N_KEYS; i++)
        if (strcmp(conf_keys[i].name, name) == 0)
            return &conf_keys[i];
    return NULL;
}

static char *trim(char *s)
{
    while (*s == ' ' || *s == '\t')
        s++;
    size_t n = strlen(s);
    while (n && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\r'))
        s[--n] = '\0';
    return s;
}

/* Parses one line (NUL-terminated, without its '\n'); seen[] holds the
 * line each key was given on. */
static HL_MUST_CHECK int line_parse(char *line, unsigned lineno, const char *where,
                                    struct node_config *c, unsigned seen[N_KEYS],
                                    struct hl_error *err)
{
    char *s = trim(line);
    if (!*s || *s == '#')
        return 0;
    char *eq = strchr(s, '=');
    if (!eq)
        return hl_fail(err, HL_E_PARSE, where, "expected 'key = value', found '%.60s'", s);
    *eq = '\0';
    char *key = trim(s), *value = trim(eq + 1);
    const struct conf_key *k = key_find(key);
    if (!k)
        return hl_fail(err, HL_E_PARSE, where, "unknown key '%.60s'", key);
    size_t i = (size_t)(k - conf_keys);
    if (seen[i])
        return hl_fail(err, HL_E_PARSE, where, "%s given twice (first on line %u)", key, seen[i]);
    seen[i] = lineno;
    return key_set(k, value, c, where, err);
}

/* Rules between keys, checked once the whole file is read; a broken one
 * is reported at the later of the lines involved. */
static HL_MUST_CHECK int config_cross_check(const char *path, const struct node_config *c,
                                            const unsigned seen[N_KEYS], struct hl_error *err)
{
    if (c->max_per_client <= c->max_connections)
        return 0;
    char where[HL_ERROR_WHERE_MAX];
    unsigned a = seen[key_find("max_connections") - conf_keys];
    unsigned b = seen[key_find("max_per_client") - conf_keys];
    snprintf(where, sizeof where, "%s:%u", path, a > b ? a : b);
    return hl_fail(err, HL_E_PARSE, where, "max_per_client (%u) exceeds max_connections (%u)",
                   c->max_per_client, c->max_connections);
}

int node_config_read(const char *path, struct node_config *c, struct hl_error *err)
{
    struct buf b;
    unsigned seen[N_KEYS] = {0};
    char where[HL_ERROR_WHERE_MAX];
    buf_init(&b, NODE_CONF_MAX);
    int r = hl_read_file(path, NODE_CONF_MAX, &b, err);
    unsigned lineno = 0;
    for (size_t pos = 0; !r && pos < b.len;) {
        char *line = b.data + pos;
        char *nl = memchr(line, '\n', b.len - pos);
        size_t n = nl ? (size_t)(nl - line) : b.len - pos;
        snprintf(where, sizeof where, "%s:%u", path, ++lineno);
        if (memchr(line, '\0', n))
            r = hl_fail(err, HL_E_PARSE, where, "NUL byte");
        else if (n > NODE_CONF_LINE_MAX)
            r = hl_fail(err, HL_E_PARSE, where, "line longer than %d bytes", NODE_CONF_LINE_MAX);
        line[n] = '\0';
        if (!r)
            r = line_parse(line, lineno, where, c, seen, err);
        pos += n + 1;
    }
    if (!r)
        r = config_cross_check(path, c, seen, err);
    buf_release(&b);
    return r;
}

/* ---- writing ------------------------------------------------------------------- */

static HL_MUST_CHECK int render_key(const struct conf_key *k, const struct node_config *c,
                                    struct buf *out)
{
    const char *field = (const char *)c + k->offset;
    int r = 0;
    if (k->help) {
        r = buf_adds(out, "\n# ");
        for (const char *p = k->help; !r && *p; p++)
            r = *p == '\n' ? buf_adds(out, "\n# ") : buf_addc(out, *p);
        if (!r)
            r = buf_addc(out, '\n');
    }
    if (r)
        return r;
    if (k->kind == CONF_UINT)
        return buf_addf(out, "%s = %u\n", k->name, *(const unsigned *)(const void *)field);
    if (k->kind == CONF_SIZE)
        return buf_addf(out, "%s = %zu\n", k->name, *(const size_t *)(const void *)field);
    return field[0] ? buf_addf(out, "%s = %s\n", k->name, field) : buf_addf(out, "%s =\n", k->name);
}

int node_config_render(const struct node_config *c, struct buf *out, struct hl_error *err)
{
    int r =
        buf_adds(out, "# hotline.conf — settings of `hotline serve` for this node directory.\n"
                      "# Written by `hotline init`. After an edit, `systemctl reload` (SIGHUP)\n"
                      "# applies title, description, contact, max_content_length, max_objects,\n"
                      "# rate_per_minute, the intervals, escalation_hook and\n"
                      "# status_retention_days at once; the others take a restart.\n"
                      "# Lines are 'key = value' (the value is the rest of the line, no\n"
                      "# quotes); '#' starts a comment only at the start of a line. A key left\n"
                      "# out takes the default shown here when the file was written; an\n"
                      "# unknown key or a bad value stops the node, naming the line.\n");
    for (size_t i = 0; !r && i < N_KEYS; i++)
        r = render_key(&conf_keys[i], c, out);
    return r ? hl_fail(err, -r, NODE_CONF_FILE, "configuration text too large") : 0;
}

/* ---- comparing ----------------------------------------------------------------- */

/* Whether key k holds the same value in a and b. */
static bool key_same(const struct conf_key *k, const struct node_config *a,
                     const struct node_config *b)
{
    const char *fa = (const char *)a + k->offset, *fb = (const char *)b + k->offset;
    switch (k->kind) {
    case CONF_UINT:
        return *(const unsigned *)(const void *)fa == *(const unsigned *)(const void *)fb;
    case CONF_SIZE:
        return *(const size_t *)(const void *)fa == *(const size_t *)(const void *)fb;
    default:
        return strcmp(fa, fb) == 0;
    }
}

size_t node_config_diff(const struct node_config *a, const struct node_config *b,
                        enum node_conf_keys which, char *names, size_t size)
{
    size_t n = 0, len = 0;
    if (size)
        names[0] = '\0';
    for (size_t i = 0; i < N_KEYS; i++) {
        if (key_same(&conf_keys[i], a, b) || (which == NODE_KEYS_LIVE && !conf_keys[i].live) ||
            (which == NODE_KEYS_RESTART && conf_keys[i].live))
            continue;
        n++;
        int w = size > len
                    ? snprintf(names + len, size - len, "%s%s", len ? ", " : "", conf_keys[i].name)
                    : 0;
        if (w > 0)
            len = (size_t)w < size - len ? len + (size_t)w : size - 1;
    }
    return n;
}

void node_config_take_live(struct node_config *dst, const struct node_config *src)
{
    for (size_t i = 0; i < N_KEYS; i++) {
        const struct conf_key *k = &conf_keys[i];
        size_t size = k->kind == CONF_UINT   ? sizeof(unsigned)
                      : k->kind == CONF_SIZE ? sizeof(size_t)
                                             : k->size;
        if (k->live)
            memcpy((char *)dst + k->offset, (const char *)src + k->offset, size);
    }
}
