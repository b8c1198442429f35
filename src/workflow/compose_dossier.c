/*
 * compose_dossier.c — a dossier on persons of interest (`hotline
 * dossier`) as STIX 2.1 objects, in one report. The input (docs/compose.md)
 * is JSON, or CSV turned into the same JSON by compose_dossier_csv:
 *
 *   {"name": TEXT, "description": TEXT,
 *    "group": {"name": TEXT, "aliases": [TEXT], "description": TEXT},
 *    "persons": [{"name", "aliases", "handles", "nationality", "country",
 *                 "city", "accounts", "wallets", "incidents",
 *                 "description"}]}
 *
 * For each person:
 *   identity (individual)  the person, named by name (else alias, handle)
 *   threat-actor           the person as an actor, named by the first
 *                          handle (else alias, name), aliases the others;
 *                          attributed-to the identity
 *   location               country (ISO 3166-1 alpha-2) and city, shared by
 *                          everyone there; identity and threat-actor
 *                          located-at it
 *   location (nationality) the country; identity citizen-of it
 *   user-account SCOs      accounts "service:login"; wallets
 *                          "currency:address" (account_type
 *                          cryptocurrency-wallet); threat-actor related-to
 *   incident attributed-to threat-actor, for each linked incident id
 * The group, when given, is a threat-actor attributed-to every identity.
 * The report (report_types threat-actor, identity) comes last.
 */
#include <string.h>

#include "compose_int.h"

#define DOSSIER_PERSONS_MAX 10000
#define DOSSIER_CELL_MAX 4096

/* Person fields and which of them are lists. */
static const char *const dossier_fields[] = {"name",      "aliases",     "handles",  "nationality",
                                             "country",   "city",        "accounts", "wallets",
                                             "incidents", "description", NULL};
static const bool dossier_is_list[] = {false, true, true, false, false,
                                       false, true, true, true,  false};

/* The value of key in p if a string, its first element if a list; NULL
 * if absent or empty. */
static const char *dossier_first(const json_t *p, const char *key)
{
    const json_t *v = json_object_get(p, key);
    const char *s = json_string_value(json_is_array(v) ? json_array_get(v, 0) : v);
    return s && s[0] ? s : NULL;
}

static int dossier_check_person(const json_t *p, size_t i, struct hl_error *err)
{
    char where[64];
    const char *key;
    const json_t *v;
    size_t j;
    const json_t *e;
    snprintf(where, sizeof where, "persons[%zu]", i);
    if (!json_is_object(p))
        return hl_fail(err, HL_E_PARSE, where, "a person is a JSON object");
    json_object_foreach((json_t *)p, key, v)
    {
        int k = compose_lookup(dossier_fields, key);
        if (k < 0)
            return hl_fail(err, HL_E_PARSE, where, "'%s' is not a field of a person", key);
        if (!dossier_is_list[k] && !json_is_string(v))
            return hl_fail(err, HL_E_PARSE, where, "'%s' must be a string", key);
        if (dossier_is_list[k] && !json_is_array(v))
            return hl_fail(err, HL_E_PARSE, where, "'%s' must be a list of strings", key);
        json_array_foreach(v, j, e)
        {
            if (!json_is_string(e) || json_string_length(e) == 0)
                return hl_fail(err, HL_E_PARSE, where, "'%s' must list non-empty strings", key);
        }
    }
    if (!dossier_first(p, "name") && !dossier_first(p, "aliases") && !dossier_first(p, "handles"))
        return hl_fail(err, HL_E_INVALID, where, "a person needs a name, an alias or a handle");
    const char *codes[] = {"country", "nationality"};
    for (size_t k = 0; k < 2; k++) {
        const char *cc = dossier_first(p, codes[k]);
        if (cc && (strlen(cc) != 2 || cc[0] < 'A' || cc[0] > 'Z' || cc[1] < 'A' || cc[1] > 'Z'))
            return hl_fail(err, HL_E_INVALID, where,
                           "%s '%s' is not an ISO 3166-1 alpha-2 code (such as RU, US)", codes[k],
                           cc);
    }
    json_array_foreach(json_object_get(p, "incidents"), j, e)
    {
        if (!stix_id_valid(json_string_value(e), "incident"))
            return hl_fail(err, HL_E_INVALID, where, "'%s' is not an incident id (incident--UUID)",
                           json_string_value(e));
    }
    return 0;
}

static int dossier_check(const json_t *doc, struct hl_error *err)
{
    static const char *const top[] = {"name", "description", "group", "persons", NULL};
    static const char *const group[] = {"name", "aliases", "description", NULL};
    const char *key;
    const json_t *v, *persons = json_object_get(doc, "persons");
    if (!json_is_object(doc))
        return hl_fail(err, HL_E_PARSE, "", "a dossier is one JSON object");
    json_object_foreach((json_t *)doc, key, v)
    {
        if (compose_lookup(top, key) < 0)
            return hl_fail(err, HL_E_PARSE, key, "'%s' is not a field of a dossier", key);
        if (strcmp(key, "group") && strcmp(key, "persons") && !json_is_string(v))
            return hl_fail(err, HL_E_PARSE, key, "'%s' must be a string", key);
    }
    const json_t *g = json_object_get(doc, "group");
    if (g) {
        if (!json_is_object(g) || !dossier_first(g, "name"))
            return hl_fail(err, HL_E_PARSE, "group", "a group is an object with a name");
        json_object_foreach((json_t *)g, key, v)
        {
            size_t j;
            const json_t *e;
            if (compose_lookup(group, key) < 0)
                return hl_fail(err, HL_E_PARSE, "group", "'%s' is not a field of a group", key);
            if (strcmp(key, "aliases") ? !json_is_string(v) : !json_is_array(v))
                return hl_fail(err, HL_E_PARSE, "group", "'%s' has the wrong type", key);
            json_array_foreach(v, j, e)
            {
                if (!json_is_string(e))
                    return hl_fail(err, HL_E_PARSE, "group", "aliases must be strings");
            }
        }
    }
    if (!json_is_array(persons) || json_array_size(persons) == 0)
        return hl_fail(err, HL_E_INVALID, "persons", "a dossier lists at least one person");
    if (json_array_size(persons) > DOSSIER_PERSONS_MAX)
        return hl_fail(err, HL_E_TOO_LARGE, "persons", "at most %d persons", DOSSIER_PERSONS_MAX);
    for (size_t i = 0; i < json_array_size(persons); i++) {
        int rc = dossier_check_person(json_array_get(persons, i), i, err);
        if (rc)
            return rc;
    }
    return 0;
}

/* The location of (country, city), made once per dossier. */
static json_t *dossier_location(struct compose_set *s, const char *country, const char *city)
{
    size_t i;
    json_t *o;
    json_array_foreach(s->objects, i, o)
    {
        const char *t = json_string_value(json_object_get(o, "type"));
        const char *cc = json_string_value(json_object_get(o, "country"));
        const char *ci = json_string_value(json_object_get(o, "city"));
        if (t && !strcmp(t, "location") && cc && !strcmp(cc, country) &&
            !strcmp(ci ? ci : "", city ? city : ""))
            return o;
    }
    json_t *loc = compose_sdo(s, "location");
    compose_set(s, loc, "country", json_string(country));
    compose_str(s, loc, "city", city);
    if (city) {
        char name[512];
        snprintf(name, sizeof name, "%s, %s", city, country);
        compose_set(s, loc, "name", json_string(name));
    } else {
        compose_set(s, loc, "name", json_string(country));
    }
    return loc;
}

/* A user-account SCO from "kind:value" (or "value"). */
static json_t *dossier_account(struct compose_set *s, const char *spec, bool wallet)
{
    const char *colon = strchr(spec, ':');
    json_t *a = json_object();
    compose_set(s, a, "type", json_string("user-account"));
    if (wallet) {
        compose_set(s, a, "account_type", json_string("cryptocurrency-wallet"));
        if (colon)
            compose_set(s, a, "display_name", json_stringn(spec, (size_t)(colon - spec)));
    } else if (colon) {
        compose_set(s, a, "account_type", json_stringn(spec, (size_t)(colon - spec)));
    }
    compose_set(s, a, "account_login", json_string(colon && colon[1] ? colon + 1 : spec));
    return compose_sco(s, a);
}

/* The threat-actor's aliases: every alias and handle but its name. */
static json_t *dossier_aliases(struct compose_set *s, const json_t *p, const char *name)
{
    json_t *out = json_array();
    const char *keys[] = {"aliases", "handles"};
    for (size_t k = 0; out && k < 2; k++) {
        size_t i;
        const json_t *e;
        json_array_foreach(json_object_get(p, keys[k]), i, e)
        {
            if (strcmp(json_string_value(e), name) != 0)
                json_array_append(out, (json_t *)e);
        }
    }
    if (!out)
        s->failed = true;
    if (out && json_array_size(out) == 0) {
        json_decref(out);
        return NULL;
    }
    return out;
}

static void dossier_person(struct compose_set *s, const json_t *p, const json_t *group)
{
    const char *name = dossier_first(p, "name"), *alias = dossier_first(p, "aliases"),
               *handle = dossier_first(p, "handles");
    const char *country = dossier_first(p, "country"), *city = dossier_first(p, "city"),
               *nationality = dossier_first(p, "nationality");
    json_t *who = compose_sdo(s, "identity");
    compose_set(s, who, "name", json_string(name ? name : alias ? alias : handle));
    compose_set(s, who, "identity_class", json_string("individual"));
    compose_str(s, who, "description", dossier_first(p, "description"));
    json_t *actor = compose_sdo(s, "threat-actor");
    const char *actor_name = handle ? handle : alias ? alias : name;
    compose_set(s, actor, "name", json_string(actor_name));
    json_t *aliases = dossier_aliases(s, p, actor_name);
    if (aliases)
        compose_set(s, actor, "aliases", aliases);
    compose_rel(s, "attributed-to", compose_id(actor), compose_id(who), NULL);
    if (group)
        compose_rel(s, "attributed-to", compose_id(group), compose_id(who), NULL);
    if (country) {
        const json_t *loc = dossier_location(s, country, city);
        compose_rel(s, "located-at", compose_id(who), compose_id(loc), NULL);
        compose_rel(s, "located-at", compose_id(actor), compose_id(loc), NULL);
    }
    if (nationality) {
        const json_t *loc = dossier_location(s, nationality, NULL);
        compose_rel(s, "citizen-of", compose_id(who), compose_id(loc), "nationality");
    }
    const char *lists[] = {"accounts", "wallets"};
    for (size_t k = 0; k < 2; k++) {
        size_t i;
        const json_t *e;
        json_array_foreach(json_object_get(p, lists[k]), i, e)
        {
            const json_t *acc = dossier_account(s, json_string_value(e), k == 1);
            compose_rel(s, "related-to", compose_id(actor), compose_id(acc),
                        k ? "cryptocurrency wallet" : "account");
        }
    }
    size_t i;
    const json_t *e;
    json_array_foreach(json_object_get(p, "incidents"), i, e)
    {
        compose_rel(s, "attributed-to", json_string_value(e), compose_id(actor), NULL);
    }
}

int compose_dossier(const struct compose_ctx *c, const json_t *doc, json_t **out,
                    struct hl_error *err)
{
    struct compose_set s;
    json_t *group = NULL;
    char title[128];
    *out = NULL;
    int rc = dossier_check(doc, err);
    if (rc)
        return rc;
    compose_set_init(&s, c);
    const json_t *g = json_object_get(doc, "group");
    if (g) {
        group = compose_sdo(&s, "threat-actor");
        compose_set(&s, group, "name", json_string(dossier_first(g, "name")));
        if (json_array_size(json_object_get(g, "aliases")))
            compose_set(&s, group, "aliases", json_deep_copy(json_object_get(g, "aliases")));
        compose_str(&s, group, "description", dossier_first(g, "description"));
    }
    const json_t *persons = json_object_get(doc, "persons");
    for (size_t i = 0; i < json_array_size(persons); i++)
        dossier_person(&s, json_array_get(persons, i), group);
    json_t *refs = compose_refs(&s);
    json_t *report = compose_sdo(&s, "report");
    snprintf(title, sizeof title, "Dossier: %zu persons of interest", json_array_size(persons));
    compose_set(&s, report, "name",
                json_string(dossier_first(doc, "name") ? dossier_first(doc, "name") : title));
    compose_str(&s, report, "description", dossier_first(doc, "description"));
    compose_set(&s, report, "report_types", json_pack("[s,s]", "threat-actor", "identity"));
    compose_set(&s, report, "published", json_string(s.when));
    compose_set(&s, report, "object_refs", refs);
    return compose_finish(&s, true, out, err);
}

/* ---- CSV (RFC 4180) -------------------------------------------------------
 * A record is cells separated by ',' and ended by LF or CRLF; a cell in
 * double quotes may hold ',', line breaks and "" (one quote). The first
 * record names the columns. */

struct csv {
    const char *p, *end;
    size_t line;
};

/* Reads one cell into out; *last says whether it ended its record. */
static int csv_cell(struct csv *c, struct buf *out, bool *last, struct hl_error *err)
{
    char where[32];
    size_t start = c->line;
    buf_clear(out);
    *last = false;
    if (c->p < c->end && *c->p == '"') {
        for (c->p++;; c->p++) {
            if (c->p >= c->end) {
                snprintf(where, sizeof where, "line %zu", start);
                return hl_fail(err, HL_E_PARSE, where, "a quoted cell is not closed");
            }
            if (*c->p == '"') {
                if (c->p + 1 < c->end && c->p[1] == '"')
                    c->p++;
                else
                    break;
            }
            if (*c->p == '\n')
                c->line++;
            if (*c->p == '\0') {
                snprintf(where, sizeof where, "line %zu", c->line);
                return hl_fail(err, HL_E_PARSE, where, "a NUL byte in a cell");
            }
            if (buf_addc(out, *c->p))
                return hl_fail(err, HL_E_TOO_LARGE, NULL, "a cell is too long");
        }
        c->p++;
    } else {
        while (c->p < c->end && *c->p != ',' && *c->p != '\n' && *c->p != '\r') {
            if (*c->p == '"' || *c->p == '\0') {
                snprintf(where, sizeof where, "line %zu", c->line);
                return hl_fail(err, HL_E_PARSE, where, "a %s inside an unquoted cell",
                               *c->p ? "quote" : "NUL byte");
            }
            if (buf_addc(out, *c->p++))
                return hl_fail(err, HL_E_TOO_LARGE, NULL, "a cell is too long");
        }
    }
    if (c->p < c->end && *c->p == ',') {
        c->p++;
        return 0;
    }
    if (c->p < c->end && *c->p == '\r')
        c->p++;
    if (c->p < c->end && *c->p != '\n') {
        snprintf(where, sizeof where, "line %zu", c->line);
        return hl_fail(err, HL_E_PARSE, where, "text after a quoted cell");
    }
    if (c->p < c->end)
        c->p++;
    c->line++;
    *last = true;
    return 0;
}

/* Trims spaces around s[0..n) in place; returns the new start. */
static char *csv_trim(char *s, size_t *n)
{
    while (*n && (*s == ' ' || *s == '\t'))
        s++, (*n)--;
    while (*n && (s[*n - 1] == ' ' || s[*n - 1] == '\t'))
        (*n)--;
    s[*n] = '\0';
    return s;
}

/* Sets field k of person from a cell: a string, or ';'-separated items.
 * 0, or HL_E_PARSE (not UTF-8) or HL_E_NOMEM with err filled. */
static int csv_set(json_t *person, int k, char *cell, size_t n, const char *where,
                   struct hl_error *err)
{
    cell = csv_trim(cell, &n);
    if (n == 0)
        return 0;
    json_t *v = json_stringn(cell, n); /* NULL for text that is not UTF-8 */
    if (v && dossier_is_list[k]) {
        json_decref(v);
        v = json_array();
        for (char *item = cell; v && item;) {
            char *semi = strchr(item, ';');
            size_t len = semi ? (size_t)(semi - item) : strlen(item);
            char *t = csv_trim(item, &len);
            if (len && json_array_append_new(v, json_stringn(t, len)) != 0) {
                json_decref(v);
                v = NULL;
            }
            item = semi ? semi + 1 : NULL;
        }
    }
    if (!v)
        return hl_fail(err, HL_E_PARSE, where, "the %s cell is not UTF-8 text", dossier_fields[k]);
    if (json_object_set_new(person, dossier_fields[k], v) != 0)
        return hl_fail(err, HL_E_NOMEM, NULL, "out of memory");
    return 0;
}

int compose_dossier_csv(const char *data, size_t len, const char *name, json_t **doc,
                        struct hl_error *err)
{
    struct csv c = {data, data + len, 1};
    struct buf cell;
    int cols[64], n_cols = 0, rc = 0;
    bool last = false;
    char where[32];
    json_t *persons = json_array();
    *doc = NULL;
    buf_init(&cell, DOSSIER_CELL_MAX);
    if (len >= 3 && !memcmp(data, "\xef\xbb\xbf", 3))
        c.p += 3; /* a byte order mark, as spreadsheets write */
    while (!rc && !last) {
        rc = csv_cell(&c, &cell, &last, err);
        size_t n = cell.len;
        char *h = csv_trim(cell.data, &n);
        int k = rc ? -1 : compose_lookup(dossier_fields, h);
        if (!rc && (k < 0 || n_cols == 64))
            rc = hl_fail(err, HL_E_PARSE, "line 1",
                         "'%s' is not a column of a dossier (name, aliases, handles, "
                         "nationality, country, city, accounts, wallets, incidents, "
                         "description)",
                         h);
        if (!rc)
            cols[n_cols++] = k;
    }
    while (!rc && c.p < c.end) {
        size_t line = c.line;
        json_t *person = json_object();
        int col = 0;
        if (!person || json_array_append_new(persons, person))
            rc = hl_fail(err, HL_E_NOMEM, NULL, "out of memory");
        for (last = false; !rc && !last; col++) {
            rc = csv_cell(&c, &cell, &last, err);
            snprintf(where, sizeof where, "line %zu", line);
            if (!rc && col >= n_cols)
                rc = hl_fail(err, HL_E_PARSE, where, "more cells than columns (%d)", n_cols);
            if (!rc)
                rc = csv_set(person, cols[col], cell.data, cell.len, where, err);
        }
        if (!rc && json_object_size(person) == 0)
            json_array_remove(persons, json_array_size(persons) - 1); /* blank line */
        if (!rc && json_array_size(persons) > DOSSIER_PERSONS_MAX)
            rc = hl_fail(err, HL_E_TOO_LARGE, where, "at most %d persons", DOSSIER_PERSONS_MAX);
    }
    buf_release(&cell);
    if (!rc) {
        *doc = json_pack("{s:O}", "persons", persons);
        if (*doc && name && name[0])
            json_object_set_new(*doc, "name", json_string(name));
        if (!*doc)
            rc = hl_fail(err, HL_E_NOMEM, NULL, "out of memory");
    }
    json_decref(persons);
    return rc;
}
