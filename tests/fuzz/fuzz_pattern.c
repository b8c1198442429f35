/*
 * fuzz_pattern.c — libFuzzer harness for the STIX pattern engine
 * (src/pattern): arbitrary bytes into pattern_parse, the canonical
 * printer, then the compiled matcher and the plain evaluator on an
 * observation made from the pattern itself (one SCO per object type, each
 * comparison's path set to its constant), so that the paths, types and
 * operators the input names are exercised with values that can match.
 *
 * Properties checked (abort() on violation, so libFuzzer keeps the input):
 *   - whatever pattern_parse accepts, pattern_to_string prints;
 *   - the printed text parses again and prints the same bytes (the
 *     canonical form is a fixed point), with the same node count;
 *   - a refusal always carries a code and a "line:column" or empty where;
 *   - pattern_matcher_add accepts what pattern_parse accepts, and on the
 *     generated observation the matcher answers as pattern_match does
 *     (unless the bounded search was cut);
 *   - nothing crashes, leaks, overflows the stack or reads out of bounds
 *     (ASan/UBSan in the fuzz build), whatever the nesting.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pattern/pattern.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FUZZ_MAX_SCOS 16
#define FUZZ_MAX_INDEX 8

/* The constant of c as JSON (a set gives its first member). */
static json_t *constant_json(const struct pattern_value *v, const char *last_key)
{
    char hex[2 * 64 + 1];
    switch (v->kind) {
    case PATTERN_VAL_STRING:
        return json_stringn(v->u.str.s, v->u.str.len);
    case PATTERN_VAL_INT:
        return json_integer(v->u.i.v);
    case PATTERN_VAL_FLOAT:
        return json_real(v->u.f.v);
    case PATTERN_VAL_BOOL:
        return json_boolean(v->u.b);
    case PATTERN_VAL_BINARY:
    case PATTERN_VAL_HEX: {
        size_t n = v->u.bin.len < 64 ? v->u.bin.len : 64;
        if (!last_key || !strstr(last_key, "_hex"))
            return json_stringn((const char *)v->u.bin.bytes, n);
        hl_hex(hex, v->u.bin.bytes, n);
        return json_string(hex);
    }
    case PATTERN_VAL_TIMESTAMP:
        return json_string(v->u.ts.text);
    case PATTERN_VAL_SET:
        return v->u.set.n ? constant_json(&v->u.set.items[0], last_key) : json_string("");
    default:
        return json_string("x");
    }
}

/* Sets c's path in the SCO of its type (made if new) to c's constant. */
static void plant(json_t *objects, const struct pattern_comparison *c)
{
    json_t *sco = NULL, *o;
    const char *k;
    json_object_foreach(objects, k, o)
    {
        if (strcmp(json_string_value(json_object_get(o, "type")), c->object_type) == 0)
            sco = o;
    }
    if (!sco) {
        char key[16];
        if (json_object_size(objects) >= FUZZ_MAX_SCOS)
            return;
        snprintf(key, sizeof key, "%zu", json_object_size(objects));
        sco = json_pack("{s:s}", "type", c->object_type);
        if (!sco || json_object_set_new(objects, key, sco))
            return;
    }
    json_t *cur = sco;
    const char *last = NULL;
    for (size_t i = 0; i < c->n_steps; i++) {
        const struct pattern_step *st = &c->steps[i];
        bool final = i + 1 == c->n_steps;
        const struct pattern_step *next = final ? NULL : &c->steps[i + 1];
        json_t *child;
        if (st->kind == PATTERN_STEP_KEY) {
            if (!json_is_object(cur) || strcmp(st->key, "type") == 0)
                return;
            last = st->key;
            if (final) {
                json_object_set_new(cur, st->key, constant_json(&c->value, last));
                return;
            }
            child = json_object_get(cur, st->key);
            if (!child) {
                child = next->kind == PATTERN_STEP_KEY ? json_object() : json_array();
                if (json_object_set_new(cur, st->key, child))
                    return;
            }
        } else {
            size_t at = st->kind == PATTERN_STEP_INDEX ? (size_t)st->index : 0;
            if (!json_is_array(cur) ||
                (st->kind == PATTERN_STEP_INDEX && (st->index < 0 || st->index >= FUZZ_MAX_INDEX)))
                return;
            while (json_array_size(cur) <= at)
                json_array_append_new(cur, json_null());
            if (final) {
                json_array_set_new(cur, at, constant_json(&c->value, last));
                return;
            }
            child = json_array_get(cur, at);
            if (json_is_null(child)) {
                child = next->kind == PATTERN_STEP_KEY ? json_object() : json_array();
                json_array_set_new(cur, at, child);
            }
        }
        cur = child;
    }
}

static void plant_expr(json_t *objects, const struct pattern_expr *e)
{
    if (e->kind == PATTERN_EXPR_COMPARISON) {
        plant(objects, e->cmp);
        return;
    }
    for (size_t i = 0; i < e->n; i++)
        plant_expr(objects, e->items[i]);
}

static void plant_obs(json_t *objects, const struct pattern_obs *o)
{
    if (o->kind == PATTERN_OBS_BRACKET)
        plant_expr(objects, o->expr);
    else if (o->kind == PATTERN_OBS_QUALIFIED)
        plant_obs(objects, o->inner);
    else
        for (size_t i = 0; i < o->n; i++)
            plant_obs(objects, o->items[i]);
}

static void on_match(void *ctx, uint32_t indicator, const struct pattern_observation *o)
{
    (void)indicator;
    (void)o;
    *(bool *)ctx = true;
}

/* The matcher and the plain evaluator agree on an observation made from p. */
static void check_match(const struct pattern *p, const uint8_t *data, size_t size)
{
    struct hl_error err;
    json_t *objects = json_object();
    json_t *od = json_pack("{s:s, s:s, s:s, s:i, s:o}", "type", "observed-data", "first_observed",
                           "2026-01-01T00:00:00Z", "last_observed", "2026-01-01T00:00:01Z",
                           "number_observed", 2, "objects", objects);
    struct pattern_observation o;
    if (!od)
        abort();
    plant_obs(objects, pattern_root(p));
    if (pattern_observation_from_json(od, NULL, &o, &err)) {
        json_decref(od);
        return; /* e.g. no SCO could be planted */
    }
    json_decref(od);
    struct pattern_matcher *m = pattern_matcher_new();
    if (!m || pattern_matcher_add(m, "indicator--fuzz", (const char *)data, size, NULL, &err))
        abort(); /* parsed once, refused now */
    bool indexed = false;
    const struct pattern_observation *list = &o;
    struct pattern_match_result res;
    if (pattern_matcher_match(m, &o, on_match, &indexed) || pattern_match(p, &list, 1, 0, &res))
        abort();
    if (!res.truncated && res.matched != indexed)
        abort(); /* the index and the plain evaluator disagree */
    pattern_matcher_free(m);
    pattern_observation_release(&o);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct pattern *p = NULL, *again = NULL;
    struct hl_error err;
    struct buf once, twice;

    hl_error_clear(&err);
    if (pattern_parse((const char *)data, size, &p, &err)) {
        if (p || err.code <= 0)
            abort();
        return 0;
    }
    buf_init(&once, (size_t)HL_MAX_PATTERN_BYTES * 8);
    buf_init(&twice, (size_t)HL_MAX_PATTERN_BYTES * 8);
    if (pattern_to_string(p, &once, &err))
        abort();
    if (pattern_parse(once.data, once.len, &again, &err))
        abort(); /* canonical text refused by our own parser */
    if (pattern_to_string(again, &twice, &err))
        abort();
    if (once.len != twice.len || memcmp(once.data, twice.data, once.len) != 0)
        abort(); /* not a fixed point */
    if (pattern_node_count(p) != pattern_node_count(again))
        abort();
    check_match(p, data, size);
    buf_release(&once);
    buf_release(&twice);
    pattern_free(p);
    pattern_free(again);
    return 0;
}
