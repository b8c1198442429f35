/*
 * send.c — `hotline send --channel NAME FILE --data DIR`: publishes a STIX
 * object, bundle or TAXII envelope through the local node (a TAXII POST,
 * as the node's admin user "cli" with DIR/cli.token, over HTTPS pinned to
 * the node's own DIR/tls.crt), prints the status, then waits until every
 * other member of the channel holds a receipt covering what was sent
 * (GET /api/hotline/collections/{id}/delivery/, docs/taxii.md) and prints
 * one line per member:
 *     delivered to b (receipt #812)
 *
 * Exit codes: 0 everything stored and (unless --no-wait) delivered to
 * every member; 1 the node refused some objects (each printed with its
 * reason); 2 usage error, unreadable file, node unreachable or refusing
 * the request; 3 stored, but not every member confirmed before --timeout.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sodium.h>

#include "cli.h"
#include "exchange/exchange.h"
#include "node/node.h"
#include "stix/stix.h"
#include "taxii/taxii.h"

#define SEND_TIMEOUT_S 60
#define SEND_POLL_MAX_MS 200

static void send_help(void)
{
    printf("usage: hotline send --channel NAME FILE --data DIR [--no-wait] [--timeout S]\n"
           "                    [--json]\n\n"
           "Publishes FILE (a STIX 2.1 object, a bundle or a TAXII envelope; - is\n"
           "stdin) into channel NAME through the node in DIR, which must be serving\n"
           "(hotline serve): the node validates, seals and appends the objects, and\n"
           "its replication worker delivers them to every other member. Then waits\n"
           "until each member's receipt covers them:\n"
           "    delivered to NAME (receipt #N)\n\n"
           "  --no-wait    return once the node has stored the objects\n"
           "  --timeout S  wait at most S seconds for receipts (default %d)\n"
           "  --json       print {\"status\": STATUS, \"delivery\": DELIVERY} instead\n\n"
           "The node is reached at hotline.conf's listen address with the token in\n"
           "DIR/cli.token, its certificate pinned to DIR/tls.crt.\n\n"
           "Exit codes: 0 stored and delivered; 1 some objects refused; 2 usage or\n"
           "operational error; 3 stored but not confirmed by every member in time.\n",
           SEND_TIMEOUT_S);
}

/* What send needs of the node directory. */
struct send_node {
    char url[EXCHANGE_URL_MAX + 1];
    char fingerprint[EXCHANGE_FINGERPRINT_LEN + 1];
    char token[128];
};

static int send_read_token(const char *dir, struct send_node *sn, struct hl_error *err)
{
    char path[CLI_PATH_MAX];
    struct buf b;
    if (!cli_node_path(path, dir, CLI_TOKEN_FILE))
        return hl_fail(err, HL_E_TOO_LARGE, dir, "path too long");
    buf_init(&b, 1024);
    int r = hl_read_file(path, 1024, &b, err);
    while (!r && b.len && (b.data[b.len - 1] == '\n' || b.data[b.len - 1] == '\r'))
        b.data[--b.len] = '\0';
    if (!r && (b.len == 0 || b.len >= sizeof sn->token))
        r = hl_fail(err, HL_E_PARSE, path, "%s does not hold a token", path);
    if (!r)
        memcpy(sn->token, b.data, b.len + 1);
    sodium_memzero(b.data, b.len);
    buf_release(&b);
    return r;
}

/* URL (hotline.conf's listen; 0.0.0.0 and [::] reached on loopback), the
 * certificate's fingerprint, the token. */
static int send_node_read(const char *dir, struct send_node *sn, struct hl_error *err)
{
    struct node_config conf;
    char path[CLI_PATH_MAX], cert[CLI_PATH_MAX];
    struct buf pem;
    node_config_defaults(&conf, NULL);
    if (!cli_node_path(path, dir, NODE_CONF_FILE))
        return hl_fail(err, HL_E_TOO_LARGE, dir, "path too long");
    int r = node_config_read(path, &conf, err);
    if (r)
        return r;
    const char *colon = strrchr(conf.listen, ':');
    int host_len = colon ? (int)(colon - conf.listen) : 0;
    const char *host = conf.listen;
    if (strncmp(host, "0.0.0.0:", 8) == 0)
        host = "127.0.0.1", host_len = 9;
    else if (strncmp(host, "[::]:", 5) == 0)
        host = "[::1]", host_len = 5;
    snprintf(sn->url, sizeof sn->url, "https://%.*s%s", host_len, host, colon ? colon : "");
    if (conf.tls_cert[0] == '/')
        snprintf(cert, sizeof cert, "%s", conf.tls_cert);
    else if (!cli_node_path(cert, dir, conf.tls_cert))
        return hl_fail(err, HL_E_TOO_LARGE, dir, "path too long");
    buf_init(&pem, NODE_TLS_FILE_MAX);
    r = hl_read_file(cert, NODE_TLS_FILE_MAX, &pem, err);
    if (!r)
        r = exchange_pem_fingerprint(pem.data, sn->fingerprint, err);
    buf_release(&pem);
    return r ? r : send_read_token(dir, sn, err);
}

/* FILE as a TAXII envelope's compact JSON. */
static int send_envelope(const char *file, char **out, struct hl_error *err)
{
    struct buf b;
    json_t *doc = NULL, *env = NULL;
    buf_init(&b, HL_MAX_DOCUMENT_BYTES);
    int r = hl_read_file(file, HL_MAX_DOCUMENT_BYTES, &b, err);
    if (!r)
        r = stix_parse(b.data, b.len, &doc, err);
    buf_release(&b);
    if (r)
        return r;
    const char *type = json_string_value(json_object_get(doc, "type"));
    if (json_is_array(json_object_get(doc, "objects")) && (!type || !strcmp(type, "bundle")))
        env = json_pack("{s:O}", "objects", json_object_get(doc, "objects"));
    else if (type)
        env = json_pack("{s:[O]}", "objects", doc);
    else
        r = hl_fail(err, HL_E_PARSE, file, "%s is not a STIX object, bundle or envelope", file);
    *out = env ? json_dumps(env, JSON_COMPACT) : NULL;
    if (!r && !*out)
        r = hl_fail(err, HL_E_NOMEM, NULL, "out of memory");
    json_decref(env);
    json_decref(doc);
    return r;
}

/* One request to the node; its answer parsed into *out. */
static int send_call(struct exchange_client *c, const struct exchange_target *t,
                     const char *method, const char *path, const char *body, long want,
                     json_t **out, struct hl_error *err)
{
    struct exchange_answer a;
    exchange_answer_init(&a);
    int r = exchange_client_request(c, t, method, path, body, body ? strlen(body) : 0, &a, err);
    *out = r ? NULL : json_loadb(a.body.data, a.body.len, 0, NULL);
    if (!r && a.status != want) {
        const char *d = json_string_value(json_object_get(*out, "description"));
        r = hl_fail(err, HL_E_IO, path, "the node answered %ld: %s", a.status,
                    d ? d : a.body.data);
    } else if (!r && !*out) {
        r = hl_fail(err, HL_E_PARSE, path, "the node's answer is not JSON");
    }
    if (r) {
        json_decref(*out);
        *out = NULL;
    }
    exchange_answer_release(&a);
    return r;
}

static int64_t mono_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static bool all_delivered(const json_t *d)
{
    const json_t *m = json_object_get(d, "members");
    for (size_t i = 0; i < json_array_size(m); i++)
        if (!json_is_true(json_object_get(json_array_get(m, i), "delivered")))
            return false;
    return true;
}

/* Polls the delivery of oid until every member holds it or the timeout. */
static int send_wait(struct exchange_client *c, const struct exchange_target *t, const char *coll,
                     const char *oid, unsigned timeout_s, json_t **delivery, struct hl_error *err)
{
    char path[1024];
    int64_t until = mono_ms() + (int64_t)timeout_s * 1000, pause_ms = 1;
    snprintf(path, sizeof path, "/api/hotline/collections/%s/delivery/?object=%s", coll, oid);
    for (;;) {
        json_decref(*delivery);
        int r = send_call(c, t, "GET", path, NULL, 200, delivery, err);
        if (r || all_delivered(*delivery))
            return r;
        if (mono_ms() >= until)
            return 1;
        struct timespec ts = {0, (long)pause_ms * 1000000};
        nanosleep(&ts, NULL);
        pause_ms = pause_ms * 2 > SEND_POLL_MAX_MS ? SEND_POLL_MAX_MS : pause_ms * 2;
    }
}

/* The member's peer name, or its identity id. */
static void member_name(const char *dir, const char *party, char *out, size_t max)
{
    struct cli_node n;
    struct store_peer p;
    struct hl_error err;
    snprintf(out, max, "%s", party);
    if (cli_node_open("send", dir, false, &n) != CLI_OK)
        return;
    if (store_peer_get(n.store, party, &p, &err) == 0)
        snprintf(out, max, "%s", p.name);
    sodium_memzero(p.token, sizeof p.token);
    cli_node_close(&n);
}

static void send_print_status(const json_t *s)
{
    const json_t *f = json_object_get(s, "failures");
    printf("stored %lld of %lld objects\n",
           (long long)json_integer_value(json_object_get(s, "success_count")),
           (long long)json_integer_value(json_object_get(s, "total_count")));
    for (size_t i = 0; i < json_array_size(f); i++) {
        const json_t *d = json_array_get(f, i);
        printf("refused %s: %s\n", json_string_value(json_object_get(d, "id")),
               json_string_value(json_object_get(d, "message")));
    }
}

static void send_print_delivery(const char *dir, const json_t *d)
{
    const json_t *m = json_object_get(d, "members");
    char name[STORE_TEXT_MAX + 1];
    for (size_t i = 0; i < json_array_size(m); i++) {
        const json_t *e = json_array_get(m, i);
        member_name(dir, json_string_value(json_object_get(e, "party")), name, sizeof name);
        if (json_is_true(json_object_get(e, "delivered")))
            printf("delivered to %s (receipt #%lld)\n", name,
                   (long long)json_integer_value(json_object_get(e, "receipt_seq")));
        else
            printf("not yet confirmed by %s\n", name);
    }
}

/* The object to follow: the last one the node sealed (receipts cover a
 * log's prefix, so it covers all the others), else the last success. */
static const char *send_last(const json_t *status)
{
    const json_t *s = json_object_get(status, "successes");
    const char *last = NULL;
    for (size_t i = json_array_size(s); i-- > 0 && !last;)
        if (!json_object_get(json_array_get(s, i), "message"))
            last = json_string_value(json_object_get(json_array_get(s, i), "id"));
    if (!last && json_array_size(s))
        last = json_string_value(json_object_get(json_array_get(s, json_array_size(s) - 1), "id"));
    return last;
}

struct send_args {
    const char *dir, *channel, *file, *timeout;
    bool no_wait, json;
    unsigned timeout_s;
};

static int send_run(const struct send_args *a, struct exchange_client *c,
                    const struct exchange_target *t, const char *body, struct hl_error *err)
{
    char coll[37], path[256];
    json_t *status = NULL, *delivery = NULL;
    if (taxii_collection_id(a->channel, coll))
        return hl_fail(err, HL_E_INVALID, a->channel, "no collection id for %s", a->channel);
    snprintf(path, sizeof path, "/api/collections/%s/objects/", coll);
    int r = send_call(c, t, "POST", path, body, 202, &status, err);
    if (r)
        return r;
    size_t failed = json_array_size(json_object_get(status, "failures"));
    const char *last = send_last(status);
    int waited = 0;
    if (!a->no_wait && last)
        waited = send_wait(c, t, coll, last, a->timeout_s, &delivery, err);
    if (waited < 0) {
        r = waited;
    } else if (a->json) {
        json_t *out = json_pack("{s:O, s:O?}", "status", status, "delivery", delivery);
        r = cli_json_print(out) == CLI_OK ? 0 : hl_fail(err, HL_E_IO, NULL, "stdout");
        json_decref(out);
    } else {
        send_print_status(status);
        if (delivery)
            send_print_delivery(a->dir, delivery);
    }
    json_decref(status);
    json_decref(delivery);
    if (r)
        return r;
    return failed ? CLI_FAIL : waited ? CLI_PENDING : CLI_OK;
}

int cli_send(int argc, char **argv)
{
    struct send_args a = {.timeout_s = SEND_TIMEOUT_S};
    const struct cli_opt opts[] = {
        {"--data", NULL, &a.dir, NULL},          {"--channel", NULL, &a.channel, NULL},
        {"--timeout", NULL, &a.timeout, NULL},   {"--no-wait", NULL, NULL, &a.no_wait},
        {"--json", NULL, NULL, &a.json},         {NULL, NULL, NULL, NULL},
    };
    char *operands[2];
    int n = 0;
    long long v;
    struct hl_error err;
    struct send_node sn;
    struct exchange_client *c = NULL;
    char *body = NULL;
    if (cli_wants_help(argc, argv)) {
        send_help();
        return CLI_OK;
    }
    if (cli_parse_opts("send", argc, argv, opts, operands, 2, &n))
        return CLI_ERROR;
    if (!a.dir || !a.channel || n != 1)
        return cli_usage_error("send", "--data DIR, --channel NAME and one FILE are required");
    if (a.timeout && !hl_parse_int(a.timeout, 0, 86400, &v))
        return cli_usage_error("send", "--timeout takes seconds, 0..86400");
    if (a.timeout)
        a.timeout_s = (unsigned)v;
    a.file = operands[0];
    hl_error_clear(&err);
    memset(&sn, 0, sizeof sn);
    int r = send_node_read(a.dir, &sn, &err);
    if (!r)
        r = send_envelope(a.file, &body, &err);
    if (!r)
        r = exchange_client_new(0, &c, &err);
    const struct exchange_target t = {"the node", sn.url, sn.fingerprint, sn.token};
    if (!r)
        r = send_run(&a, c, &t, body, &err);
    exchange_client_free(c);
    free(body);
    sodium_memzero(sn.token, sizeof sn.token);
    if (r < 0) {
        cli_report(&err);
        return CLI_ERROR;
    }
    return r;
}
