/*
 * stream.c — a whole pattern against a set of observations: the
 * observation-expression operators and qualifiers of STIX 2.1 §9.6 and
 * §9.7, by the bindings the OASIS reference matcher defines.
 *
 * A binding assigns observations to the brackets of an observation
 * expression. An observed-data with number_observed N stands for N
 * observations (§4.13), so a binding records how many times it uses each
 * observed-data, never more than its number_observed ("distinct
 * observations"). For the qualifiers a binding needs only two instants:
 * the latest first_observed and the earliest last_observed of what it uses.
 *   [expr]            one binding per observation expr holds on (eval.c)
 *   A OR B            the bindings of A and those of B
 *   A AND B           a of A with b of B where the uses add up within
 *                     number_observed
 *   A FOLLOWEDBY B    the same, and a's latest first_observed <= b's
 *                     earliest last_observed (timestamps can be chosen in
 *                     order within each [first, last] interval)
 *   A WITHIN d        latest first - earliest last <= d: one window of d
 *                     seconds meets every interval
 *   A START s STOP t  every interval meets [s, t): latest first < t and
 *                     earliest last >= s
 *   A REPEATS k       k bindings of A (one may be used again) whose uses
 *                     add up within number_observed
 * The pattern matches when the root has a binding (with must_include:
 * one that uses that observation).
 *
 * Bounds: each node keeps at most PATTERN_MAX_BINDINGS bindings and the
 * whole search at most MATCH_MAX_WORK steps; past either the answer found
 * so far stands and the result says truncated.
 */
#include <stdlib.h>
#include <string.h>

#include "pattern_int.h"

#define MATCH_MAX_WORK (1u << 20)

struct use {
    uint32_t obs;
    uint32_t count;
};

struct binding {
    int64_t max_first, min_last;
    uint32_t n; /* uses, sorted by obs */
    struct use *uses;
};

struct blist {
    struct binding *items;
    size_t n, cap;
};

struct mctx {
    struct arena arena;   /* bindings kept in lists */
    struct arena scratch; /* bindings being tried, reset after each */
    const struct pattern_observation *const *obs;
    size_t n_obs;
    size_t work;
    bool truncated;
    bool nomem;
};

static bool stop(struct mctx *m)
{
    if (++m->work > MATCH_MAX_WORK)
        m->truncated = true;
    return m->truncated || m->nomem;
}

static void push(struct mctx *m, struct blist *l, const struct binding *b);

/* Pushes a copy of scratch binding b whose uses live in the main arena. */
static void keep(struct mctx *m, struct blist *l, const struct binding *b)
{
    struct binding c = *b;
    if (l->n >= PATTERN_MAX_BINDINGS) {
        m->truncated = true;
        return;
    }
    if (!(c.uses = arena_alloc(&m->arena, (size_t)b->n * sizeof *c.uses))) {
        m->nomem = true;
        return;
    }
    memcpy(c.uses, b->uses, (size_t)b->n * sizeof *c.uses);
    push(m, l, &c);
}

static void push(struct mctx *m, struct blist *l, const struct binding *b)
{
    if (l->n >= PATTERN_MAX_BINDINGS) {
        m->truncated = true;
        return;
    }
    if (l->n == l->cap) {
        size_t cap = l->cap ? l->cap * 2 : 8;
        struct binding *items = arena_alloc(&m->arena, cap * sizeof *items);
        if (!items) {
            m->nomem = true;
            return;
        }
        if (l->n)
            memcpy(items, l->items, l->n * sizeof *items);
        l->items = items;
        l->cap = cap;
    }
    l->items[l->n++] = *b;
}

/* a's uses plus times x b's into out (in the scratch arena), if they fit
 * number_observed. */
static bool combine(struct mctx *m, const struct binding *a, const struct binding *b,
                    uint64_t times, struct binding *out)
{
    struct use *u = arena_alloc(&m->scratch, ((size_t)a->n + b->n) * sizeof *u);
    uint32_t i = 0, j = 0, k = 0;
    if (!u) {
        m->nomem = true;
        return false;
    }
    while (i < a->n || j < b->n) {
        uint64_t c;
        uint32_t obs;
        if (j >= b->n || (i < a->n && a->uses[i].obs < b->uses[j].obs)) {
            obs = a->uses[i].obs;
            c = a->uses[i++].count;
        } else if (i >= a->n || b->uses[j].obs < a->uses[i].obs) {
            obs = b->uses[j].obs;
            c = (uint64_t)b->uses[j++].count * times;
        } else {
            obs = a->uses[i].obs;
            c = a->uses[i++].count + (uint64_t)b->uses[j++].count * times;
        }
        if (c > m->obs[obs]->number_observed)
            return false;
        u[k].obs = obs;
        u[k++].count = (uint32_t)c;
    }
    out->uses = u;
    out->n = k;
    out->max_first = a->max_first > b->max_first ? a->max_first : b->max_first;
    out->min_last = a->min_last < b->min_last ? a->min_last : b->min_last;
    return true;
}

/* What the root asks when one binding is enough: it uses observation need
 * (SIZE_MAX: any), fits a window of within ns (< 0: any) and meets
 * [start, stop). A node evaluated with a goal returns at most one binding,
 * one that meets it, and stops looking once it has it; without a goal
 * (NULL: inside REPEATS, or a join's operand) it returns them all. The
 * qualifiers only filter, so the ones between the root and a node are
 * handed down as part of the goal. */
struct goal {
    size_t need;
    double within;
    int64_t start, stop;
};

/* Does one window of within ns meet every interval of b (WITHIN)? */
static bool fits(const struct binding *b, double within)
{
    return within < 0 || b->max_first <= b->min_last ||
           (double)b->max_first - (double)b->min_last <= within;
}

/* b meets g's time constraints; adding to b never makes it meet them again. */
static bool in_time(const struct binding *b, const struct goal *g)
{
    return !g || (fits(b, g->within) && b->max_first < g->stop && b->min_last >= g->start);
}

static bool meets(const struct binding *b, const struct goal *g)
{
    if (!g)
        return true;
    if (!in_time(b, g))
        return false;
    if (g->need == SIZE_MAX)
        return true;
    for (uint32_t k = 0; k < b->n; k++)
        if (b->uses[k].obs == g->need)
            return true;
    return false;
}

static void eval_node(struct mctx *m, const struct pattern_obs *o, const struct goal *g,
                      struct blist *out);

/* AND (ordered = false) or FOLLOWEDBY (true) of the items of o. With a
 * goal, partial joins are pruned by its times and the last join stops at
 * the first binding that meets it. */
static void eval_join(struct mctx *m, const struct pattern_obs *o, bool ordered,
                      const struct goal *g, struct blist *out)
{
    struct blist acc = {0};
    eval_node(m, o->items[0], NULL, &acc);
    for (size_t k = 1; k < o->n && acc.n; k++) {
        struct blist next = {0}, joined = {0};
        bool last = k + 1 == o->n;
        eval_node(m, o->items[k], NULL, &next);
        for (size_t i = 0; i < acc.n; i++) {
            for (size_t j = 0; j < next.n; j++) {
                struct binding b;
                struct arena_mark mk = arena_mark(&m->scratch);
                if (stop(m))
                    goto done;
                if (ordered && acc.items[i].max_first > next.items[j].min_last)
                    continue;
                if (combine(m, &acc.items[i], &next.items[j], 1, &b) &&
                    (last ? meets(&b, g) : in_time(&b, g))) {
                    keep(m, &joined, &b);
                    if (last && g) {
                        acc = joined;
                        goto out;
                    }
                }
                arena_reset(&m->scratch, mk);
            }
        }
    done:
        acc = joined;
    }
out:
    *out = acc;
}

/* How many times b fits into the observations at most. */
static uint64_t max_times(const struct mctx *m, const struct binding *b)
{
    uint64_t t = UINT64_MAX;
    for (uint32_t i = 0; i < b->n; i++) {
        uint64_t fit = m->obs[b->uses[i].obs]->number_observed / b->uses[i].count;
        if (fit < t)
            t = fit;
    }
    return t;
}

/* REPEATS: multisets of `left` more bindings from in->items[i..], pruned
 * by within (a WITHIN right above) and by the goal's times as they grow;
 * with a goal, the first that meets it ends the search (*found). */
static void repeats(struct mctx *m, const struct blist *in, size_t i, uint64_t left,
                    const struct binding *acc, double within, const struct goal *g, bool *found,
                    struct blist *out)
{
    static const struct binding none = {INT64_MIN, INT64_MAX, 0, NULL};
    if (acc && (!fits(acc, within) || !in_time(acc, g)))
        return;
    if (left == 0) {
        if (meets(acc, g)) {
            keep(m, out, acc);
            *found = g != NULL;
        }
        return;
    }
    for (; i < in->n && !*found; i++) {
        uint64_t t = max_times(m, &in->items[i]);
        if (t > left)
            t = left;
        for (; t >= 1 && !*found; t--) {
            struct binding b;
            struct arena_mark mk = arena_mark(&m->scratch);
            if (stop(m) || out->n >= PATTERN_MAX_BINDINGS)
                return;
            if (combine(m, acc ? acc : &none, &in->items[i], t, &b))
                repeats(m, in, i + 1, left - t, &b, within, g, found, out);
            if (!*found)
                arena_reset(&m->scratch, mk);
        }
    }
}

static void eval_node(struct mctx *m, const struct pattern_obs *o, const struct goal *g,
                      struct blist *out)
{
    memset(out, 0, sizeof *out);
    switch (o->kind) {
    case PATTERN_OBS_BRACKET:
        /* Newest first: when the search is cut, what it kept binds the
         * latest observations (a stream's new one is the last). */
        for (size_t i = m->n_obs; i-- > 0 && !stop(m);) {
            if (g && g->need != SIZE_MAX && i != g->need)
                continue;
            const struct binding one = {m->obs[i]->first_ns, m->obs[i]->last_ns, 1,
                                        &(struct use){(uint32_t)i, 1}};
            if (!meets(&one, g) || !pattern_expr_eval(o->expr, m->obs[i]))
                continue;
            keep(m, out, &one);
            if (g)
                return;
        }
        return;
    case PATTERN_OBS_OR:
        for (size_t k = 0; k < o->n; k++) {
            struct blist part;
            eval_node(m, o->items[k], g, &part);
            for (size_t i = 0; i < part.n; i++)
                push(m, out, &part.items[i]);
            if (g && out->n)
                return;
        }
        return;
    case PATTERN_OBS_AND:
        eval_join(m, o, false, g, out);
        return;
    case PATTERN_OBS_FOLLOWEDBY:
        eval_join(m, o, true, g, out);
        return;
    case PATTERN_OBS_QUALIFIED: {
        struct blist in;
        const struct pattern_obs *inner = o->inner;
        bool found = false;
        if (g) {
            /* a filter: hand it down with the goal */
            struct goal sub = *g;
            if (o->qual.kind == PATTERN_QUAL_WITHIN) {
                double d = o->qual.within_seconds * 1e9;
                sub.within = sub.within < 0 || d < sub.within ? d : sub.within;
            } else if (o->qual.kind == PATTERN_QUAL_START_STOP) {
                int64_t t0 = pattern_ts_ns(o->qual.start.seconds, o->qual.start.nanos);
                int64_t t1 = pattern_ts_ns(o->qual.stop.seconds, o->qual.stop.nanos);
                sub.start = t0 > sub.start ? t0 : sub.start;
                sub.stop = t1 < sub.stop ? t1 : sub.stop;
            } else {
                eval_node(m, inner, NULL, &in);
                repeats(m, &in, 0, (uint64_t)o->qual.repeats, NULL, -1, g, &found, out);
                return;
            }
            eval_node(m, inner, &sub, out);
            return;
        }
        if (o->qual.kind == PATTERN_QUAL_WITHIN && inner->kind == PATTERN_OBS_QUALIFIED &&
            inner->qual.kind == PATTERN_QUAL_REPEATS) {
            /* [x] REPEATS k TIMES WITHIN d: prune while repeating */
            eval_node(m, inner->inner, NULL, &in);
            repeats(m, &in, 0, (uint64_t)inner->qual.repeats, NULL, o->qual.within_seconds * 1e9,
                    NULL, &found, out);
            return;
        }
        eval_node(m, inner, NULL, &in);
        if (o->qual.kind == PATTERN_QUAL_REPEATS) {
            repeats(m, &in, 0, (uint64_t)o->qual.repeats, NULL, -1, NULL, &found, out);
            return;
        }
        if (o->qual.kind == PATTERN_QUAL_WITHIN) {
            /* one window of d meets every [first, last] interval */
            for (size_t i = 0; i < in.n; i++)
                if (fits(&in.items[i], o->qual.within_seconds * 1e9))
                    push(m, out, &in.items[i]);
            return;
        }
        int64_t start = pattern_ts_ns(o->qual.start.seconds, o->qual.start.nanos);
        int64_t stop_ns = pattern_ts_ns(o->qual.stop.seconds, o->qual.stop.nanos);
        for (size_t i = 0; i < in.n; i++) {
            const struct binding *b = &in.items[i];
            if (b->max_first < stop_ns && b->min_last >= start)
                push(m, out, b);
        }
        return;
    }
    }
}

int pattern_match(const struct pattern *p, const struct pattern_observation *const *obs, size_t n,
                  size_t must_include, struct pattern_match_result *res)
{
    struct mctx m = {.obs = obs, .n_obs = n};
    struct blist root;
    memset(res, 0, sizeof *res);
    /* The common case: one bracket, one observation. */
    if (p->root->kind == PATTERN_OBS_BRACKET && n == 1) {
        res->matched = pattern_expr_eval(p->root->expr, obs[0]);
        return 0;
    }
    arena_init(&m.arena);
    arena_init(&m.scratch);
    /* Whether the pattern matches needs one binding: the root's goal. */
    const struct goal g = {must_include < n ? must_include : SIZE_MAX, -1, INT64_MIN, INT64_MAX};
    eval_node(&m, p->root, &g, &root);
    for (size_t i = 0; i < root.n && !res->matched; i++) {
        if (must_include >= n) {
            res->matched = true;
            break;
        }
        for (uint32_t k = 0; k < root.items[i].n; k++) {
            if (root.items[i].uses[k].obs == must_include)
                res->matched = true;
        }
    }
    res->truncated = m.truncated;
    arena_release(&m.arena);
    arena_release(&m.scratch);
    return m.nomem ? -HL_E_NOMEM : 0;
}
