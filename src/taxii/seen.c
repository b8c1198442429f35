/*
 * seen.c — members' receipts the node holds before it has committed them,
 * for the delivery endpoint (docs/federation.md, "Receipts in the answer").
 *
 * A member commits what a push brought, with its receipt for it, before it
 * answers, and the answer carries that receipt. The node's replication
 * worker checks it like any pulled entry (seal, STIX, the member's log
 * order), takes it inside its transaction, and commits: one more fsync on
 * an object's way. What the delivery endpoint reports is the member's
 * signed statement that it holds the object, durable at the member; it is
 * true from the moment the worker has checked it. So the worker hands the
 * receipts it took to the server before its commit (exchange_options.
 * receipts_taken), and a delivery request, waiting or not, counts them
 * beside the stored ones. Were this node to stop before its commit, its
 * store would lack the receipt until the next pull from the member brings
 * it again; what was reported stays true.
 *
 * The table keeps the latest receipt per (channel, log's party, witness),
 * at most TAXII_SEEN_MAX of them, replacing the least recently updated.
 * Only receipts are kept: a witness's statement about a log it does not
 * hold is not one the worker takes.
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "ledger/ledger.h"
#include "taxii_int.h"

#define TAXII_SEEN_MAX 64

struct taxii_seen {
    pthread_mutex_t lock;
    struct taxii_seen_receipt r[TAXII_SEEN_MAX];
    uint64_t used[TAXII_SEEN_MAX]; /* 0: free; else when last set */
    uint64_t clock;
};

int taxii_seen_init(struct taxii_server *srv)
{
    srv->seen = calloc(1, sizeof *srv->seen);
    if (!srv->seen)
        return -HL_E_NOMEM;
    pthread_mutex_init(&srv->seen->lock, NULL);
    return 0;
}

void taxii_seen_free(struct taxii_server *srv)
{
    if (!srv->seen)
        return;
    pthread_mutex_destroy(&srv->seen->lock);
    free(srv->seen);
    srv->seen = NULL;
}

static bool same_key(const struct taxii_seen_receipt *a, const struct taxii_seen_receipt *b)
{
    return strcmp(a->channel, b->channel) == 0 && strcmp(a->log_party, b->log_party) == 0 &&
           strcmp(a->witness, b->witness) == 0;
}

/* The slot of r's key, else a free or the least recently set one. */
static size_t seen_slot(const struct taxii_seen *t, const struct taxii_seen_receipt *r)
{
    size_t oldest = 0;
    for (size_t i = 0; i < TAXII_SEEN_MAX; i++) {
        if (t->used[i] && same_key(&t->r[i], r))
            return i;
        if (t->used[i] < t->used[oldest])
            oldest = i;
    }
    return oldest;
}

static bool text_copy(char *dst, size_t cap, const char *src)
{
    size_t n = src ? strlen(src) : cap;
    if (n >= cap)
        return false;
    memcpy(dst, src, n + 1);
    return true;
}

/* o's receipt fields, or false if o is not a receipt (or out of bounds). */
static bool seen_read(const json_t *o, const char *channel, struct taxii_seen_receipt *r)
{
    const char *type = json_string_value(json_object_get(o, "type"));
    const json_t *size = json_object_get(o, "tree_size"), *seq = json_object_get(o, SEAL_PROP_SEQ);
    const char *created = json_string_value(json_object_get(o, "created"));
    if (!type || strcmp(type, LOG_RECEIPT_TYPE) != 0 || !json_is_integer(size) ||
        !json_is_integer(seq) || json_integer_value(size) < 1 || json_integer_value(seq) < 0)
        return false;
    r->size = (int64_t)json_integer_value(size);
    r->seq = (int64_t)json_integer_value(seq);
    return text_copy(r->channel, sizeof r->channel, channel) &&
           text_copy(r->witness, sizeof r->witness,
                     json_string_value(json_object_get(o, SEAL_PROP_PARTY))) &&
           text_copy(r->log_party, sizeof r->log_party,
                     json_string_value(json_object_get(o, "log_party"))) &&
           text_copy(r->created, sizeof r->created, created ? created : "");
}

void taxii_server_receipts_taken(struct taxii_server *s, const char *channel,
                                 const struct json_t *objects)
{
    if (!s || !s->seen || !channel)
        return;
    bool any = false;
    struct taxii_seen *t = s->seen;
    for (size_t i = 0; i < json_array_size(objects); i++) {
        struct taxii_seen_receipt r;
        if (!seen_read(json_array_get(objects, i), channel, &r))
            continue;
        pthread_mutex_lock(&t->lock);
        size_t k = seen_slot(t, &r);
        if (!t->used[k] || !same_key(&t->r[k], &r) || t->r[k].size < r.size) {
            t->r[k] = r;
            t->used[k] = ++t->clock;
            any = true;
        }
        pthread_mutex_unlock(&t->lock);
    }
    if (any)
        taxii_watch_notify(s);
}

bool taxii_seen_get(struct taxii_server *srv, const char *channel, const char *log_party,
                    const char *witness, struct taxii_seen_receipt *out)
{
    struct taxii_seen_receipt key;
    if (!srv->seen || !text_copy(key.channel, sizeof key.channel, channel) ||
        !text_copy(key.log_party, sizeof key.log_party, log_party) ||
        !text_copy(key.witness, sizeof key.witness, witness))
        return false;
    struct taxii_seen *t = srv->seen;
    bool found = false;
    pthread_mutex_lock(&t->lock);
    size_t k = seen_slot(t, &key);
    if (t->used[k] && same_key(&t->r[k], &key)) {
        *out = t->r[k];
        found = true;
    }
    pthread_mutex_unlock(&t->lock);
    return found;
}
