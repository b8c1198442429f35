/*
 * publish.c — publishing through the local node, for `hotline send` and
 * every workflow command that makes objects (request, respond, ack,
 * notify, ...): a TAXII POST of an envelope to the channel's collection as
 * the node's admin user "cli" (DIR/cli.token), over HTTPS pinned to the
 * node's own certificate (DIR/tls.crt, reached where its `hotline serve`
 * listens: cli_node_reach), then, unless --no-wait, asking the delivery endpoint
 * (GET /api/hotline/collections/{id}/delivery/?wait=MS, docs/taxii.md),
 * which answers as soon as every other member of the channel holds a
 * receipt covering what was sent, or when MS ran out.
 *
 * What it prints (stdout):
 *     published ID                         (when the caller names one)
 *     stored N of M objects                (N sealed and appended now)
 *     K were in the channel already: ...   (when K > 0: not sealed again)
 *     refused ID: REASON                   (one per refused object)
 *     ID was published by NAME, at seq S:  (when the object followed is
 *                                           another party's)
 *     delivered to NAME (receipt #N)       (one per member, or
 *     not yet confirmed by NAME[: WHY]      when --timeout ran out; WHY
 *                                           when the worker cannot reach it)
 * or with --json one line {"id": ID, "status": STATUS, "delivery": DELIVERY}
 * ("id" only when named; "delivery" absent with --no-wait).
 *
 * Exit codes (cli.h): 0 stored and (unless --no-wait) delivered to every
 * member; 1 the node refused some objects; 2 node unreachable or refusing
 * the request, or any other operational failure (reported on stderr);
 * 3 stored, but not every member confirmed before the timeout.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <sodium.h>

#include "cli.h"
#include "exchange/exchange.h"
#include "node/node.h"
#include "stix/stix.h"
#include "taxii/taxii.h"

/* One wait asked of the node: well under the request timeout, and under
 * the client's stall limit (a waiting answer moves no byte: a longer wait
 * would be cut as a stalled transfer, "Timeout was reached"). */
#define PUBLISH_WAIT_SLICE_MS ((EXCHANGE_STALL_S - 5) * 1000)
_Static_assert(EXCHANGE_STALL_S > 5, "a wait slice needs a stall limit above 5 s");

/* What publishing needs of the node directory. */
struct publish_node {
    char url[EXCHANGE_URL_MAX + 1];
    char fingerprint[EXCHANGE_FINGERPRINT_LEN + 1];
    char token[128];
    bool serving; /* a hotline serve holds DIR/serve.lock */
};

static int publish_read_token(const char *dir, struct publish_node *sn, struct hl_error *err)
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

bool cli_node_reach(const char *dir, const struct node_config *conf, char out[NODE_LISTEN_MAX + 1])
{
    struct hl_error ignored; /* no server: hotline.conf's address */
    long pid;
    bool serving = node_serving_read(dir, out, &pid, &ignored) == 0;
    if (!serving)
        snprintf(out, NODE_LISTEN_MAX + 1, "%s", conf->listen);
    const char *colon = strrchr(out, ':');
    char port[8];
    snprintf(port, sizeof port, "%s", colon ? colon : "");
    if (strncmp(out, "0.0.0.0:", 8) == 0)
        snprintf(out, NODE_LISTEN_MAX + 1, "127.0.0.1%s", port);
    else if (strncmp(out, "[::]:", 5) == 0)
        snprintf(out, NODE_LISTEN_MAX + 1, "[::1]%s", port);
    return serving;
}

/* URL (cli_node_reach), the certificate's fingerprint, the token. */
static int publish_node_read(const char *dir, struct publish_node *sn, struct hl_error *err)
{
    struct node_config conf;
    char path[CLI_PATH_MAX], cert[CLI_PATH_MAX], reach[NODE_LISTEN_MAX + 1];
    struct buf pem;
    node_config_defaults(&conf, NULL);
    if (!cli_node_path(path, dir, NODE_CONF_FILE))
        return hl_fail(err, HL_E_TOO_LARGE, dir, "path too long");
    int r = node_config_read(path, &conf, err);
    if (r)
        return r;
    sn->serving = cli_node_reach(dir, &conf, reach);
    snprintf(sn->url, sizeof sn->url, "https://%s", reach);
    if (!cli_node_path(cert, dir, conf.tls_cert))
        return hl_fail(err, HL_E_TOO_LARGE, dir, "path too long");
    buf_init(&pem, NODE_TLS_FILE_MAX);
    r = hl_read_file(cert, NODE_TLS_FILE_MAX, &pem, err);
    if (!r)
        r = exchange_pem_fingerprint(pem.data, sn->fingerprint, err);
    buf_release(&pem);
    return r ? r : publish_read_token(dir, sn, err);
}

/* One request to the node; its answer parsed into *out. */
static int publish_call(struct exchange_client *c, const struct exchange_target *t,
                        const char *method, const char *path, const char *body, long want,
                        json_t **out, struct hl_error *err)
{
    struct exchange_answer a;
    exchange_answer_init(&a);
    int r = exchange_client_request(c, t, method, path, body, body ? strlen(body) : 0, &a, err);
    *out = r ? NULL : json_loadb(a.body.data, a.body.len, 0, NULL);
    if (!r && a.status != want) {
        const char *d = json_string_value(json_object_get(*out, "description"));
        r = hl_fail(err, HL_E_IO, path, "the node answered %ld: %s", a.status, d ? d : a.body.data);
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

/* Every member holds it, but those retired here (not waited for). */
static bool all_delivered(const json_t *d)
{
    const json_t *m = json_object_get(d, "members");
    for (size_t i = 0; i < json_array_size(m); i++) {
        const json_t *e = json_array_get(m, i);
        if (!json_is_true(json_object_get(e, "delivered")) &&
            !json_is_string(json_object_get(e, "retired")))
            return false;
    }
    return true;
}

/* Waits until every member holds oid or the timeout: the node answers
 * when the receipts are in or the wait it was given ran out (asked again
 * in slices shorter than the client's request timeout). */
static int publish_wait(struct exchange_client *c, const struct exchange_target *t,
                        const char *coll, const char *oid, unsigned timeout_s, json_t **delivery,
                        struct hl_error *err)
{
    char path[1024];
    int64_t until = hl_mono_ms() + (int64_t)timeout_s * 1000;
    for (;;) {
        int64_t left = until - hl_mono_ms();
        if (left < 0)
            left = 0;
        if (left > PUBLISH_WAIT_SLICE_MS)
            left = PUBLISH_WAIT_SLICE_MS;
        snprintf(path, sizeof path, "/api/hotline/collections/%s/delivery/?object=%s&wait=%lld",
                 coll, oid, (long long)left);
        json_decref(*delivery);
        int r = publish_call(c, t, "GET", path, NULL, 200, delivery, err);
        if (r || all_delivered(*delivery))
            return r;
        if (hl_mono_ms() >= until)
            return 1;
    }
}

/* How node n names a party: its peer name, "this node, NAME" for its own
 * identity (then true), else the identity's name or id. */
static bool member_name(struct cli_node *n, const char *party, char *out, size_t max)
{
    struct store_peer p;
    struct store_party who;
    struct hl_error err;
    bool self = strcmp(party, n->party) == 0;
    snprintf(out, max, "%s", party);
    if (self)
        snprintf(out, max, "this node, %s", n->name);
    else if (store_peer_get(n->store, party, &p, &err) == 0)
        snprintf(out, max, "%s", p.name);
    else if (store_party_get(n->store, party, &who, &err) == 0)
        snprintf(out, max, "%s", who.name);
    sodium_memzero(p.token, sizeof p.token);
    return self;
}

/* Why a member has not confirmed yet, when the node's worker failed to
 * reach it: ": " cli_unreachable "; the node keeps trying", else "". */
static void member_why(struct cli_node *n, const char *channel, const char *party, char *out,
                       size_t max)
{
    struct store_repl_state st;
    struct hl_error err;
    char since[32];
    out[0] = '\0';
    if (store_repl_state_get(n->store, party, channel, &st, &err) || !st.failures)
        return;
    stix_time_format_us_ms(st.last_ok_us, since);
    memcpy(out, ": ", 3);
    cli_unreachable(out + 2, max - 2, st.last_ok_us ? since : NULL, (long long)st.failures,
                    st.last_error);
    snprintf(out + strlen(out), max - strlen(out), "; the node keeps trying");
}

/* A success that carries a message is an object the node did not seal
 * now: that version was in the collection already, or given twice. */
static size_t publish_count_new(const json_t *s)
{
    const json_t *ok = json_object_get(s, "successes");
    size_t n = 0;
    for (size_t i = 0; i < json_array_size(ok); i++)
        n += !json_object_get(json_array_get(ok, i), "message");
    return n;
}

/* total: the objects sent, when the node refused a later envelope (its
 * status counts only those it took); 0 for the status's own count. */
static void publish_print_status(const json_t *s, size_t total)
{
    const json_t *f = json_object_get(s, "failures");
    size_t fresh = publish_count_new(s);
    size_t held = (size_t)json_integer_value(json_object_get(s, "success_count")) - fresh;
    printf("stored %zu of %lld objects\n", fresh,
           total ? (long long)total
                 : (long long)json_integer_value(json_object_get(s, "total_count")));
    if (held)
        printf("%zu %s in the channel already: not published again\n", held,
               held == 1 ? "was" : "were");
    for (size_t i = 0; i < json_array_size(f); i++) {
        const json_t *d = json_array_get(f, i);
        printf("refused %s: %s\n", json_string_value(json_object_get(d, "id")),
               json_string_value(json_object_get(d, "message")));
    }
}

/* One line per other member; first, when the object followed was sealed
 * by another party (nothing new was published), whose it is. */
static void publish_print_delivery(const struct cli_publish *a, struct cli_node *n,
                                   const json_t *d)
{
    const json_t *m = json_object_get(d, "members");
    const char *publisher = json_string_value(json_object_get(d, "party"));
    char name[STORE_TEXT_MAX + 32], why[STORE_DETAIL_MAX + 128];
    if (publisher && !member_name(n, publisher, name, sizeof name))
        printf("%s was published by %s, at seq %lld:\n",
               json_string_value(json_object_get(d, "object")), name,
               (long long)json_integer_value(json_object_get(d, "seq")));
    for (size_t i = 0; i < json_array_size(m); i++) {
        const json_t *e = json_array_get(m, i);
        const char *party = json_string_value(json_object_get(e, "party"));
        member_name(n, party, name, sizeof name);
        if (json_is_true(json_object_get(e, "delivered"))) {
            printf("delivered to %s (receipt #%lld)\n", name,
                   (long long)json_integer_value(json_object_get(e, "receipt_seq")));
            continue;
        }
        if (json_is_string(json_object_get(e, "retired"))) {
            printf("not sent to %s: retired from %s here since %s\n", name, a->channel,
                   json_string_value(json_object_get(e, "retired")));
            continue;
        }
        member_why(n, a->channel, party, why, sizeof why);
        printf("not yet confirmed by %s%s\n", name, why);
    }
}

/* The object to follow: the last one the node sealed (receipts cover a
 * log's prefix, so it covers all the others), else the last success. */
static const char *publish_last(const json_t *status)
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

/* What the node takes in one POST (its API root's max_content_length and
 * x_hotline_max_objects, docs/taxii.md). */
struct publish_limits {
    size_t max_objects, max_bytes;
};

static int publish_limits_get(struct exchange_client *c, const struct exchange_target *t,
                              struct publish_limits *lim, struct hl_error *err)
{
    json_t *root = NULL;
    int r = publish_call(c, t, "GET", "/api/", NULL, 200, &root, err);
    if (r)
        return r;
    json_int_t n = json_integer_value(json_object_get(root, "x_hotline_max_objects"));
    json_int_t b = json_integer_value(json_object_get(root, "max_content_length"));
    lim->max_objects = n > 0 && n <= HL_MAX_OBJECTS ? (size_t)n : HL_MAX_OBJECTS;
    lim->max_bytes = b > 1024 && (uint64_t)b <= HL_MAX_DOCUMENT_BYTES ? (size_t)b : 1024 * 1024;
    json_decref(root);
    return 0;
}

/* Adds status s of one POST to the merged status *into (the first is
 * taken as it is): counts summed, successes and failures appended. */
static int publish_merge(json_t **into, json_t *s)
{
    static const char *const counts[] = {"total_count", "success_count", "failure_count",
                                         "pending_count"};
    static const char *const lists[] = {"successes", "failures"};
    if (!*into) {
        *into = s;
        return 0;
    }
    int r = 0;
    for (size_t i = 0; i < 4; i++) {
        json_int_t sum = json_integer_value(json_object_get(*into, counts[i])) +
                         json_integer_value(json_object_get(s, counts[i]));
        r |= json_object_set_new(*into, counts[i], json_integer(sum));
    }
    for (size_t i = 0; i < 2; i++) {
        json_t *add = json_object_get(s, lists[i]), *to = json_object_get(*into, lists[i]);
        if (add && !to)
            r |= json_object_set(*into, lists[i], add);
        else if (add)
            r |= json_array_extend(to, add);
    }
    json_decref(s);
    return r ? -HL_E_NOMEM : 0;
}

/* Objects [*from, n) that fit one POST, as an envelope's text in body;
 * *from moves past them (at least one, which the node may refuse alone). */
static int publish_chunk(const json_t *objects, size_t *from, const struct publish_limits *lim,
                         struct buf *body, struct hl_error *err)
{
    size_t i = *from, n = json_array_size(objects);
    buf_clear(body);
    int r = buf_adds(body, "{\"objects\":[");
    for (; !r && i < n && i - *from < lim->max_objects; i++) {
        char *text = json_dumps(json_array_get(objects, i), JSON_COMPACT);
        if (!text)
            return hl_fail(err, HL_E_NOMEM, NULL, "out of memory");
        size_t len = strlen(text);
        if (i > *from && body->len + 1 + len + 2 > lim->max_bytes) {
            free(text);
            break;
        }
        r = (i > *from ? buf_addc(body, ',') : 0) || buf_add(body, text, len);
        free(text);
    }
    if (!r)
        r = buf_adds(body, "]}");
    *from = i;
    return r ? hl_fail(err, HL_E_TOO_LARGE, NULL, "an envelope would exceed %zu bytes",
                       (size_t)HL_MAX_DOCUMENT_BYTES)
             : 0;
}

/* POSTs objects in as many envelopes as the node's limits ask, in order;
 * *status is their statuses merged (also what was stored before a
 * failure). Progress goes to a terminal's stderr when there are several. */
static int publish_post(struct exchange_client *c, const struct exchange_target *t,
                        const char *path, const json_t *objects, json_t **status,
                        struct hl_error *err)
{
    struct publish_limits lim;
    struct buf body;
    size_t n = json_array_size(objects), from = 0;
    bool shown = false, tty = isatty(STDERR_FILENO);
    int r = publish_limits_get(c, t, &lim, err);
    buf_init(&body, HL_MAX_DOCUMENT_BYTES);
    do {
        json_t *s = NULL;
        if (!r)
            r = publish_chunk(objects, &from, &lim, &body, err);
        if (!r)
            r = publish_call(c, t, "POST", path, body.data, 202, &s, err);
        if (!r)
            r = publish_merge(status, s);
        if (!r && tty && from < n) {
            fprintf(stderr, "\rhotline: %zu of %zu objects stored", from, n);
            shown = true;
        }
    } while (!r && from < n);
    if (shown)
        fputc('\n', stderr);
    buf_release(&body);
    return r;
}

static int publish_run(const struct cli_publish *a, struct cli_node *n, struct exchange_client *c,
                       const struct exchange_target *t, const json_t *objects, struct hl_error *err)
{
    char coll[37], path[256];
    json_t *status = NULL, *delivery = NULL;
    if (taxii_collection_id(a->channel, coll))
        return hl_fail(err, HL_E_INVALID, a->channel, "no collection id for %s", a->channel);
    snprintf(path, sizeof path, "/api/collections/%s/objects/", coll);
    int r = publish_post(c, t, path, objects, &status, err);
    if (r) {
        if (status && !a->json) { /* what the node stored before it refused */
            publish_print_status(status, json_array_size(objects));
            fflush(stdout);
        }
        json_decref(status);
        return r;
    }
    size_t failed = json_array_size(json_object_get(status, "failures"));
    const char *last = publish_last(status);
    int waited = 0;
    if (!a->no_wait && last)
        waited = publish_wait(c, t, coll, last, a->timeout_s, &delivery, err);
    bool lost = waited < 0; /* stored: said below, then why its delivery is not known */
    if (lost) {
        json_decref(delivery);
        delivery = NULL;
        waited = 1;
    }
    if (a->json) {
        json_t *out =
            json_pack("{s:s*, s:O, s:O?}", "id", a->id, "status", status, "delivery", delivery);
        r = cli_json_print(out) == CLI_OK ? 0 : hl_fail(err, HL_E_IO, NULL, "stdout");
        json_decref(out);
    } else {
        if (a->id)
            printf("published %s\n", a->id);
        publish_print_status(status, 0);
        if (delivery)
            publish_print_delivery(a, n, delivery);
    }
    if (lost) {
        fflush(stdout);
        cli_report(err);
        fprintf(stderr,
                "hotline: stored, but its delivery could not be followed; "
                "'hotline status %s --data %s' shows it\n",
                last, a->dir);
    }
    json_decref(status);
    json_decref(delivery);
    if (r)
        return r;
    return failed ? CLI_FAIL : waited ? CLI_PENDING : CLI_OK;
}

int cli_publish_timeout(const char *cmd, const char *text, struct cli_publish *p)
{
    long long v;
    if (!text)
        return CLI_OK;
    if (!hl_parse_int(text, 0, 86400, &v))
        return cli_usage_error(cmd, "--timeout takes seconds, 0..86400");
    p->timeout_s = (unsigned)v;
    return CLI_OK;
}

/* The channel, asked of the node's store first: the node's 404 would name
 * only the collection's id. */
static int publish_channel_known(const struct cli_publish *p, struct cli_node *n,
                                 struct hl_error *err)
{
    struct store_channel ch;
    if (!p->channel)
        return 0; /* the node's answer will say */
    int r = store_channel_get(n->store, p->channel, &ch, err);
    if (r == -HL_E_NOT_FOUND)
        r = hl_fail(err, HL_E_NOT_FOUND, NULL,
                    "this node has no channel '%s' (hotline channel list --data %s)", p->channel,
                    p->dir);
    return r;
}

int cli_publish(const struct cli_publish *p, const json_t *objects)
{
    struct hl_error err;
    struct publish_node sn;
    struct exchange_client *c = NULL;
    struct cli_node n; /* open throughout: the channel, then the members' names */
    hl_error_clear(&err);
    memset(&sn, 0, sizeof sn);
    if (cli_node_open("send", p->dir, false, &n) != CLI_OK)
        return CLI_ERROR;
    int r = publish_channel_known(p, &n, &err);
    if (!r)
        r = publish_node_read(p->dir, &sn, &err);
    if (!r)
        r = exchange_client_new(0, &c, &err);
    const struct exchange_target t = {"the node", sn.url, sn.fingerprint, sn.token};
    if (!r)
        r = publish_run(p, &n, c, &t, objects, &err);
    exchange_client_free(c);
    cli_node_close(&n);
    sodium_memzero(sn.token, sizeof sn.token);
    if (r < 0) {
        cli_report(&err);
        if (r == -HL_E_IO && !sn.serving)
            fprintf(stderr,
                    "hotline: no hotline serve is running for %s; start it with "
                    "'hotline serve --data %s'\n",
                    p->dir, p->dir);
        return CLI_ERROR;
    }
    return r;
}
