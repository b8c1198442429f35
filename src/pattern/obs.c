/*
 * obs.c — observations for the matcher: a STIX observed-data (STIX 2.1
 * §4.13) with its SCOs, or one line of the line format, read into a
 * struct pattern_observation (pattern.h).
 *
 * Invariants of an observation: doc holds one reference that keeps every
 * pointer in it alive (the observed-data, and for object_refs the SCOs
 * taken from the bundle, collected in one array); scos[] is malloc'ed and
 * the observation's own; 1 <= number_observed <= PATTERN_MAX_NUMBER_OBSERVED;
 * first_ns <= last_ns is not checked (STIX requires it; a matcher only
 * compares them).
 *
 * The line format (docs/matching.md), for sensors that do not speak STIX:
 *     ipv4-addr:value=198.51.100.7 network-traffic:dst_port=443 ts=2026-11-29T10:00:00Z
 * builds {"type": "observed-data", "objects": {"0": {"type": "ipv4-addr",
 * "value": "198.51.100.7"}, "1": {...}}, ...}: one SCO per TYPE, in order
 * of first appearance.
 */
#include <stdlib.h>
#include <string.h>

#include "pattern_int.h"

bool pattern_time_parse(const char *s, size_t n, int64_t *ns)
{
    int64_t sec;
    uint32_t nanos;
    if (!pattern_timestamp_parse(s, n, &sec, &nanos))
        return false;
    *ns = pattern_ts_ns(sec, nanos);
    return true;
}

bool pattern_is_type(const json_t *obj, const char *type)
{
    const char *t = json_string_value(json_object_get(obj, "type"));
    return t && strcmp(t, type) == 0;
}

uint64_t pattern_type_hash(const char *type)
{
    uint64_t h = 0xcbf29ce484222325ull;
    for (; *type; type++)
        h = (h ^ (unsigned char)*type) * 0x100000001b3ull;
    return h;
}

/* ---- leaves: what the matcher looks up ---------------------------------------- */

#define LEAF_PATH_BYTES (64u * 1024)

struct flat {
    struct pattern_leaf *leaves; /* NULL while counting */
    uint8_t *bytes;
    size_t n, len;
    bool partial;
};

/* Lists the scalars under obj whose path (prefix[0..plen) so far) has
 * depth keys. */
static void flat_walk(struct flat *f, const json_t *obj, const uint8_t *prefix, size_t plen,
                      int depth)
{
    const char *key;
    json_t *v;
    uint8_t path[PATTERN_LEAF_DEPTH * 258];
    json_object_foreach((json_t *)obj, key, v)
    {
        size_t klen = strlen(key);
        if (klen > 256) {
            f->partial = true;
            continue;
        }
        uint16_t k16 = (uint16_t)klen;
        if (plen)
            memcpy(path, prefix, plen);
        memcpy(path + plen, &k16, 2);
        memcpy(path + plen + 2, key, klen);
        size_t len = plen + 2 + klen;
        if (json_is_object(v)) {
            if (depth + 1 < PATTERN_LEAF_DEPTH)
                flat_walk(f, v, path, len, depth + 1);
            else
                f->partial = true;
            continue;
        }
        if (!json_is_string(v) && !json_is_number(v))
            continue;
        if (f->n >= PATTERN_MAX_LEAVES || f->len + len > LEAF_PATH_BYTES) {
            f->partial = true;
            continue;
        }
        if (f->leaves) {
            uint8_t *at = f->bytes + f->len;
            memcpy(at, path, len);
            f->leaves[f->n] = (struct pattern_leaf){pattern_hash(at, len), at, (uint32_t)len, v};
        }
        f->n++;
        f->len += len;
    }
}

/* Fills o->leaves from its SCOs: one pass to count, one to fill. */
static int flatten(struct pattern_observation *o)
{
    struct flat f = {0};
    for (size_t k = 0; k < o->n_scos; k++)
        flat_walk(&f, o->scos[k].obj, NULL, 0, 0);
    size_t n = f.n, len = f.len;
    o->leaves_partial = f.partial;
    if (!n)
        return 0;
    if (!(o->leaves = malloc(n * sizeof *o->leaves + len)))
        return -HL_E_NOMEM;
    f = (struct flat){o->leaves, (uint8_t *)(o->leaves + n), 0, 0, false};
    for (size_t k = 0; k < o->n_scos; k++) {
        o->scos[k].first_leaf = (uint32_t)f.n;
        flat_walk(&f, o->scos[k].obj, NULL, 0, 0);
        o->scos[k].n_leaves = (uint32_t)f.n - o->scos[k].first_leaf;
    }
    o->n_leaves = f.n;
    return 0;
}

void pattern_observation_release(struct pattern_observation *o)
{
    if (!o)
        return;
    free(o->leaves);
    free(o->scos);
    json_decref(o->doc);
    memset(o, 0, sizeof *o);
}

int pattern_observation_copy(const struct pattern_observation *o, struct pattern_observation *out)
{
    *out = *o;
    out->scos = NULL;
    if (o->n_scos) {
        size_t bytes;
        if (!size_mul(o->n_scos, sizeof *o->scos, &bytes) || !(out->scos = malloc(bytes))) {
            memset(out, 0, sizeof *out);
            return -HL_E_NOMEM;
        }
        memcpy(out->scos, o->scos, bytes);
    }
    out->leaves = NULL;
    if (o->n_leaves) {
        const uint8_t *base = (const uint8_t *)(o->leaves + o->n_leaves);
        size_t bytes = 0;
        for (size_t i = 0; i < o->n_leaves; i++)
            bytes += o->leaves[i].path_len;
        if (!(out->leaves = malloc(o->n_leaves * sizeof *o->leaves + bytes))) {
            free(out->scos);
            memset(out, 0, sizeof *out);
            return -HL_E_NOMEM;
        }
        memcpy(out->leaves, o->leaves, o->n_leaves * sizeof *o->leaves + bytes);
        uint8_t *nbase = (uint8_t *)(out->leaves + o->n_leaves);
        for (size_t i = 0; i < o->n_leaves; i++)
            out->leaves[i].path = nbase + (o->leaves[i].path - base);
    }
    json_incref(out->doc);
    return 0;
}

static int time_member(const json_t *od, const char *name, int64_t *ns, struct hl_error *err)
{
    const json_t *v = json_object_get(od, name);
    if (!json_is_string(v) || !pattern_time_parse(json_string_value(v), json_string_length(v), ns))
        return hl_fail(err, HL_E_PARSE, name, "observed-data needs %s as a STIX timestamp", name);
    return 0;
}

static int add_sco(struct pattern_observation *o, const char *key, json_t *sco,
                   struct hl_error *err)
{
    const char *type = json_string_value(json_object_get(sco, "type"));
    if (!json_is_object(sco) || !type)
        return hl_fail(err, HL_E_PARSE, key, "SCO '%s' is not an object with a type", key);
    if (o->n_scos >= PATTERN_MAX_SCOS)
        return hl_fail(err, HL_E_TOO_LARGE, "objects", "more than %d SCOs in one observation",
                       PATTERN_MAX_SCOS);
    o->scos[o->n_scos].key = key;
    o->scos[o->n_scos].type = type;
    o->scos[o->n_scos].type_hash = pattern_type_hash(type);
    o->scos[o->n_scos].obj = sco;
    o->n_scos++;
    return 0;
}

int pattern_observation_from_json(json_t *od, const json_t *by_id, struct pattern_observation *out,
                                  struct hl_error *err)
{
    const json_t *objects = json_object_get(od, "objects");
    const json_t *refs = json_object_get(od, "object_refs");
    const json_t *nobs = json_object_get(od, "number_observed");
    size_t n = json_is_object(objects) ? json_object_size(objects) : json_array_size(refs);
    int rc;

    memset(out, 0, sizeof *out);
    if (!json_is_object(od) || !pattern_is_type(od, "observed-data"))
        return hl_fail(err, HL_E_PARSE, "type", "not an observed-data object");
    if ((rc = time_member(od, "first_observed", &out->first_ns, err)) ||
        (rc = time_member(od, "last_observed", &out->last_ns, err)))
        return rc;
    if (!json_is_integer(nobs) || json_integer_value(nobs) < 1)
        return hl_fail(err, HL_E_PARSE, "number_observed", "number_observed must be >= 1");
    out->number_observed = json_integer_value(nobs) > PATTERN_MAX_NUMBER_OBSERVED
                               ? PATTERN_MAX_NUMBER_OBSERVED
                               : (uint32_t)json_integer_value(nobs);
    out->id = json_string_value(json_object_get(od, "id"));
    if (n > PATTERN_MAX_SCOS)
        return hl_fail(err, HL_E_TOO_LARGE, "objects", "more than %d SCOs in one observation",
                       PATTERN_MAX_SCOS);
    if (n && !(out->scos = calloc(n, sizeof *out->scos)))
        return hl_fail(err, HL_E_NOMEM, NULL, "out of memory");
    if (json_is_object(objects)) {
        const char *key;
        json_t *sco;
        json_object_foreach((json_t *)objects, key, sco)
        {
            if ((rc = add_sco(out, key, sco, err)))
                goto out_release;
        }
        out->doc = json_incref(od);
        if (flatten(out)) {
            rc = hl_fail(err, HL_E_NOMEM, NULL, "out of memory");
            goto out_release;
        }
        return 0;
    }
    /* STIX 2.1 object_refs: the SCOs travel beside the observed-data. */
    if (!(out->doc = json_array()) || json_array_append(out->doc, od)) {
        rc = hl_fail(err, HL_E_NOMEM, NULL, "out of memory");
        goto out_release;
    }
    for (size_t i = 0; i < n; i++) {
        const char *ref = json_string_value(json_array_get(refs, i));
        json_t *sco = ref ? json_object_get(by_id, ref) : NULL;
        if (!sco)
            continue; /* not in this bundle: nothing to match on */
        if (json_array_append(out->doc, sco)) {
            rc = hl_fail(err, HL_E_NOMEM, NULL, "out of memory");
            goto out_release;
        }
        if ((rc = add_sco(out, ref, sco, err)))
            goto out_release;
    }
    if (flatten(out)) {
        rc = hl_fail(err, HL_E_NOMEM, NULL, "out of memory");
        goto out_release;
    }
    return 0;
out_release:
    pattern_observation_release(out);
    return rc;
}

/* ---- the line format --------------------------------------------------------- */

/* The value text[0..n) as JSON: an integer if it is one, a JSON string if
 * quoted, else the text as a string. */
static json_t *line_value(const char *text, size_t n)
{
    long long v;
    char tmp[24];
    if (n && text[0] == '"') {
        json_error_t je;
        json_t *j = json_loadb(text, n, JSON_DECODE_ANY | JSON_REJECT_DUPLICATES, &je);
        if (j && !json_is_string(j)) {
            json_decref(j);
            return NULL;
        }
        return j;
    }
    if (n && n < sizeof tmp) {
        memcpy(tmp, text, n);
        tmp[n] = '\0';
        if ((tmp[0] == '-' || (tmp[0] >= '0' && tmp[0] <= '9')) &&
            hl_parse_int(tmp, -HL_IJSON_MAX_INT, HL_IJSON_MAX_INT, &v))
            return json_integer(v);
    }
    return json_stringn(text, n);
}

/* Sets path (keys joined by '.') in sco to val (consumed). */
static int line_set(json_t *sco, const char *path, size_t n, json_t *val, struct hl_error *err)
{
    json_t *cur = sco;
    char key[256];
    for (;;) {
        const char *dot = memchr(path, '.', n);
        size_t k = dot ? (size_t)(dot - path) : n;
        if (k == 0 || k >= sizeof key) {
            json_decref(val);
            return hl_fail(err, HL_E_PARSE, NULL, "empty or overlong key in a path");
        }
        memcpy(key, path, k);
        key[k] = '\0';
        if (!dot) {
            if (!json_is_object(cur) || json_object_set_new(cur, key, val))
                return hl_fail(err, HL_E_PARSE, key, "cannot set '%s'", key);
            return 0;
        }
        json_t *next = json_object_get(cur, key);
        if (!next) {
            next = json_object();
            if (!next || json_object_set_new(cur, key, next)) {
                json_decref(val);
                return hl_fail(err, HL_E_NOMEM, NULL, "out of memory");
            }
        }
        if (!json_is_object(next)) {
            json_decref(val);
            return hl_fail(err, HL_E_PARSE, key, "'%s' is both a value and an object", key);
        }
        cur = next;
        path = dot + 1;
        n -= k + 1;
    }
}

int pattern_observation_from_line(const char *line, size_t len, int64_t now_ns,
                                  struct pattern_observation *out, struct hl_error *err)
{
    json_t *od = json_object(), *objects = json_object();
    int64_t ts = now_ns;
    long long count = 1;
    size_t i = 0, n_pairs = 0;
    int rc = 0;
    char where[32];

    memset(out, 0, sizeof *out);
    if (!od || !objects || json_object_set_new(od, "type", json_string("observed-data")) ||
        json_object_set(od, "objects", objects)) {
        rc = hl_fail(err, HL_E_NOMEM, NULL, "out of memory");
        goto out;
    }
    while (i < len) {
        while (i < len && (line[i] == ' ' || line[i] == '\t' || line[i] == '\r' || line[i] == '\n'))
            i++;
        if (i >= len)
            break;
        size_t start = i, eq = 0;
        bool quoted = false;
        for (; i < len; i++) {
            if (!eq && line[i] == '=') {
                eq = i;
                quoted = i + 1 < len && line[i + 1] == '"';
                if (quoted) { /* a JSON string: to its closing quote */
                    for (i += 2; i < len && line[i] != '"'; i++)
                        if (line[i] == '\\')
                            i++;
                    continue;
                }
            } else if (line[i] == ' ' || line[i] == '\t' || line[i] == '\r' || line[i] == '\n') {
                break;
            }
        }
        snprintf(where, sizeof where, "column %zu", start + 1);
        if (!eq || eq == start) {
            rc = hl_fail(err, HL_E_PARSE, where, "expected TYPE:PATH=VALUE, ts=TIME or n=COUNT");
            goto out;
        }
        if (++n_pairs > PATTERN_MAX_LINE_PAIRS) {
            rc = hl_fail(err, HL_E_TOO_LARGE, where, "more than %d pairs on one line",
                         PATTERN_MAX_LINE_PAIRS);
            goto out;
        }
        const char *name = line + start, *val = line + eq + 1;
        size_t name_len = eq - start, val_len = i - eq - 1;
        if (name_len == 2 && memcmp(name, "ts", 2) == 0) {
            if (!pattern_time_parse(val, val_len, &ts)) {
                rc = hl_fail(err, HL_E_PARSE, where, "ts= needs a STIX timestamp");
                goto out;
            }
            continue;
        }
        if (name_len == 1 && name[0] == 'n') {
            char tmp[16];
            if (val_len == 0 || val_len >= sizeof tmp ||
                (memcpy(tmp, val, val_len), tmp[val_len] = '\0',
                 !hl_parse_int(tmp, 1, PATTERN_MAX_NUMBER_OBSERVED, &count))) {
                rc = hl_fail(err, HL_E_PARSE, where, "n= needs a count from 1 to %d",
                             PATTERN_MAX_NUMBER_OBSERVED);
                goto out;
            }
            continue;
        }
        const char *colon = memchr(name, ':', name_len);
        if (!colon || colon == name || colon + 1 == name + name_len) {
            rc = hl_fail(err, HL_E_PARSE, where, "expected TYPE:PATH before '='");
            goto out;
        }
        char type[128];
        size_t tlen = (size_t)(colon - name);
        if (tlen >= sizeof type) {
            rc = hl_fail(err, HL_E_PARSE, where, "type too long");
            goto out;
        }
        memcpy(type, name, tlen);
        type[tlen] = '\0';
        /* The SCO of this type, or a new one. */
        json_t *sco = NULL, *o;
        const char *k;
        json_object_foreach(objects, k, o)
        {
            if (strcmp(json_string_value(json_object_get(o, "type")), type) == 0)
                sco = o;
        }
        if (!sco) {
            char key[24];
            snprintf(key, sizeof key, "%zu", json_object_size(objects));
            if (!(sco = json_object()) || json_object_set_new(objects, key, sco) ||
                json_object_set_new(sco, "type", json_string(type))) {
                rc = hl_fail(err, HL_E_NOMEM, NULL, "out of memory");
                goto out;
            }
        }
        json_t *jv = line_value(val, val_len);
        if (!jv) {
            rc = hl_fail(err, HL_E_PARSE, where, "the value is not a valid JSON string");
            goto out;
        }
        if ((rc = line_set(sco, colon + 1, (size_t)(name + name_len - colon - 1), jv, err)))
            goto out;
    }
    if (json_object_size(objects) == 0) {
        rc = hl_fail(err, HL_E_PARSE, NULL, "no TYPE:PATH=VALUE on the line");
        goto out;
    }
    out->doc = od;
    od = NULL;
    out->first_ns = out->last_ns = ts;
    out->number_observed = (uint32_t)count;
    if (!(out->scos = calloc(json_object_size(objects), sizeof *out->scos))) {
        rc = hl_fail(err, HL_E_NOMEM, NULL, "out of memory");
        goto out;
    }
    const char *key;
    json_t *sco;
    json_object_foreach(objects, key, sco)
    {
        out->scos[out->n_scos].key = key;
        out->scos[out->n_scos].type = json_string_value(json_object_get(sco, "type"));
        out->scos[out->n_scos].type_hash = pattern_type_hash(out->scos[out->n_scos].type);
        out->scos[out->n_scos].obj = sco;
        out->n_scos++;
    }
    if (flatten(out))
        rc = hl_fail(err, HL_E_NOMEM, NULL, "out of memory");
out:
    json_decref(objects);
    json_decref(od);
    if (rc)
        pattern_observation_release(out);
    return rc;
}
