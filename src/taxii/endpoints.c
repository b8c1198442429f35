/*
 * endpoints.c — the TAXII 2.1 resources that describe the server rather
 * than hold objects: discovery (§4.1), the one API root "/api/" (§4.2),
 * status (§4.3), collections (§5.1) and one collection (§5.2).
 *
 * Status records are stored (store_status_put) as
 *     {"channel": NAME, "status": {the TAXII status resource}}
 * so that a status is shown only to users with a right on the channel it
 * concerns (404 to anyone else, as for an unknown id).
 */
#include <stdio.h>
#include <string.h>

#include "taxii_int.h"

/* "https://HOST/api/" with the request's Host when it is a plain
 * host[:port], else the listen address. */
static void api_root_url(const struct taxii_ctx *c, char out[static 320])
{
    const char *h = c->host;
    bool ok = h && *h && strlen(h) < 256;
    for (const char *p = h; ok && *p; p++)
        ok = (*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
             strchr(".-:[]", *p);
    if (ok)
        snprintf(out, 320, "https://%s/api/", h);
    else
        snprintf(out, 320, "https://%s:%u/api/", c->srv->host, (unsigned)c->srv->port);
}

/* The discovery texts in force (taxii_server_set_live), "" when left out. */
struct live_texts {
    char title[TAXII_LIVE_TEXT_MAX + 1], description[TAXII_LIVE_TEXT_MAX + 1],
        contact[TAXII_LIVE_TEXT_MAX + 1];
};

static void live_texts(struct taxii_server *srv, struct live_texts *t)
{
    pthread_mutex_lock(&srv->live_lock);
    memcpy(t->title, srv->title, sizeof t->title);
    memcpy(t->description, srv->description, sizeof t->description);
    memcpy(t->contact, srv->contact, sizeof t->contact);
    pthread_mutex_unlock(&srv->live_lock);
}

void taxii_ep_discovery(struct taxii_ctx *c)
{
    struct live_texts t;
    char url[320];
    live_texts(c->srv, &t);
    api_root_url(c, url);
    json_t *d = json_pack("{s:s, s:s, s:[s]}", "title", t.title, "default", url, "api_roots", url);
    if (d && t.description[0])
        json_object_set_new(d, "description", json_string(t.description));
    if (d && t.contact[0])
        json_object_set_new(d, "contact", json_string(t.contact));
    taxii_json(c, 200, d);
}

void taxii_ep_api_root(struct taxii_ctx *c)
{
    struct live_texts t;
    live_texts(c->srv, &t);
    json_t *d =
        json_pack("{s:s, s:[s], s:I, s:i, s:I}", "title", t.title, "versions", TAXII_MEDIA_TYPE,
                  "max_content_length", (json_int_t)taxii_max_content_length(c->srv),
                  "x_hotline_max_page_size", TAXII_PAGE_MAX, "x_hotline_max_objects",
                  (json_int_t)taxii_max_objects(c->srv));
    if (d && t.description[0])
        json_object_set_new(d, "description", json_string(t.description));
    taxii_json(c, 200, d);
}

/* The collection resource (§5.2.1) of channel for rights. */
static json_t *collection_json(const char *channel, unsigned rights)
{
    char id[37];
    if (taxii_collection_id(channel, id))
        return NULL;
    return json_pack("{s:s, s:s, s:s+, s:b, s:b, s:[s]}", "id", id, "title", channel, "description",
                     "hotline channel ", channel, "can_read", (rights & AUTH_READ) != 0,
                     "can_write", (rights & AUTH_WRITE) != 0, "media_types", TAXII_STIX_MEDIA_TYPE);
}

struct list_ctx {
    struct taxii_ctx *c;
    json_t *list;
    struct hl_error *err;
};

static int list_one(void *ctx, const struct store_channel *ch)
{
    struct list_ctx *l = ctx;
    unsigned rights = 0;
    int r = auth_rights(l->c->store, &l->c->user, ch->name, &rights, l->err);
    if (r || rights == 0)
        return r;
    json_t *o = collection_json(ch->name, rights);
    if (!o || json_array_append_new(l->list, o))
        return hl_fail(l->err, HL_E_NOMEM, NULL, "out of memory");
    return 0;
}

void taxii_ep_collections(struct taxii_ctx *c)
{
    struct hl_error err;
    hl_error_clear(&err);
    json_t *list = json_array();
    struct list_ctx l = {c, list, &err};
    int r = list ? store_channel_list(c->store, list_one, &l, &err)
                 : hl_fail(&err, HL_E_NOMEM, NULL, "out of memory");
    if (r) {
        json_decref(list);
        taxii_fail(c, &err);
        return;
    }
    json_t *d = json_object();
    if (d && json_array_size(list)) /* §5.1.1: collections is optional, empty lists are not */
        json_object_set(d, "collections", list);
    json_decref(list);
    taxii_json(c, 200, d);
}

void taxii_ep_collection(struct taxii_ctx *c)
{
    taxii_json(c, 200, collection_json(c->channel, c->rights));
}

void taxii_ep_status(struct taxii_ctx *c, const char *id)
{
    struct hl_error err;
    struct buf b;
    json_t *rec = NULL;
    hl_error_clear(&err);
    buf_init(&b, STORE_JSON_MAX);
    int r =
        strlen(id) <= STORE_TEXT_MAX ? store_status_get(c->store, id, &b, &err) : -HL_E_NOT_FOUND;
    if (r == 0)
        rec = json_loadb(b.data, b.len, 0, NULL);
    buf_release(&b);
    const char *channel = json_string_value(json_object_get(rec, "channel"));
    json_t *status = json_object_get(rec, "status");
    unsigned rights = 0;
    if (r == 0 && (!channel || !json_is_object(status)))
        r = hl_fail(&err, HL_E_STORE, id, "status %s is not a status record", id);
    if (r == 0)
        r = auth_rights(c->store, &c->user, channel, &rights, &err);
    if (r == 0 && rights == 0)
        r = -HL_E_NOT_FOUND;
    if (r == -HL_E_NOT_FOUND)
        taxii_error(c, 404, "Not found", "there is no status %.40s for you here", id);
    else if (r)
        taxii_fail(c, &err);
    else
        taxii_json(c, 200, json_incref(status));
    json_decref(rec);
}
