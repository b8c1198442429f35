/*
 * compile.c — many indicators in one matcher (pattern.h, "the compiled
 * matcher"), so that the cost of one observation does not grow with the
 * number of indicators.
 *
 * Anchors. Every comparison names an SCO type, and holds only where an SCO
 * of that type is present (eval.c: no value, no match). Some hold only
 * for one key:
 *   path = 'str' | int, path IN (...)   on a path of plain keys (no _ref,
 *                                       _refs, _hex, _bin, no index)
 *                                       -> KEY (path, constant), one per member
 *   ipv4-addr:value ISSUBSET 'cidr'     -> CIDR (path, prefix length,
 *   ipv6-addr:value ISSUBSET 'cidr'        masked address)
 *   anything else, or under NOT         -> TYPE (the SCO type)
 * A bracket's anchors: a comparison's; OR: the union of its items'; AND:
 * the best item's (keys over types, then the fewest). An observation can
 * satisfy a bracket only if it carries one of its anchors. An indicator
 * whose pattern is one bracket of = / IN on keys, joined by OR, matches
 * exactly when one of its keys occurs ("equality indicator": no tree is
 * kept, its index entries are the pattern). Every other indicator keeps its
 * tree and its brackets ("leaves") are registered under their anchors;
 * it is evaluated only when one of them occurs.
 *
 * The index. One open-addressing table (linear probing, power-of-two size,
 * at most 70% full) of 16-byte slots {hash, key offset, target}; the key
 * bytes live in one growing byte array as [u32 length][tag][u32 path]
 * [payload]; tag 'S' string bytes, 'I' int64, 'C' prefix length and the
 * masked 16-byte address. A target is an indicator number (equality
 * indicators) or, with bit 31 set, a leaf number. Several slots may hold
 * the same key (one per indicator or leaf). Paths are interned per SCO
 * type: matching an SCO probes each indexed path of its type once, and
 * each CIDR prefix length in use on that path once.
 *
 * Streams. An indicator whose pattern binds several observations (AND,
 * FOLLOWEDBY or REPEATS between observation expressions) keeps a ring of
 * the last PATTERN_WINDOW observations on which one of its brackets held;
 * when the ring is full, or all rings together hold max_windowed
 * (PATTERN_MAX_WINDOWED), the oldest of the ring is dropped and counted
 * (n_dropped).
 * Each new such observation runs pattern_match over the ring, counting
 * only bindings that use the new one, so a match is reported when it
 * completes, once per completing observation.
 */
#include <stdlib.h>
#include <string.h>

#include "pattern_int.h"

#define KEY_MAX 1024 /* longer constants are anchored by type */
#define TARGET_LEAF 0x80000000u
#define NO_COMPLEX UINT32_MAX

struct slot {
    uint64_t hash; /* 0: empty */
    uint32_t key;  /* offset in keys */
    uint32_t target;
};

struct cidr_path {
    uint32_t path;
    uint8_t lens4[33]; /* prefix lengths in use, as flags */
    uint8_t lens6[129];
};

struct type_ent {
    char *name;
    uint64_t hash;   /* pattern_type_hash(name) */
    uint32_t *paths; /* indexed KEY paths of this type */
    size_t n_paths;
    struct cidr_path *cidr;
    size_t n_cidr;
    uint32_t *targets; /* TYPE anchors */
    size_t n_targets;
};

struct path_ent {
    uint32_t type;
    const char **keys; /* n_keys, malloc'ed strings */
    size_t n_keys;
    uint8_t *enc; /* the keys as a struct pattern_leaf path; NULL if deeper */
    uint32_t enc_len;
    uint64_t enc_hash;
};

struct ind {
    uint32_t id;      /* offset in ids */
    uint32_t complex; /* NO_COMPLEX for an equality indicator */
    uint32_t epoch;   /* last observation that reached it */
};

struct leaf {
    uint32_t ind;
    const struct pattern_obs *bracket;
};

struct complex {
    struct pattern *p;
    bool stream;
    uint32_t first_leaf, n_leaves;
    struct pattern_observation *win; /* PATTERN_WINDOW, allocated on first use */
    uint32_t head, count;
};

struct pending;

struct pattern_matcher {
    struct slot *slots;
    size_t cap, used;
    uint8_t *keys;
    size_t keys_len, keys_cap;
    char *ids;
    size_t ids_len, ids_cap;
    struct ind *inds;
    size_t n_inds, inds_cap;
    struct leaf *leaves;
    size_t n_leaves, leaves_cap;
    struct complex *cx;
    size_t n_cx, cx_cap;
    struct type_ent *types;
    size_t n_types, types_cap;
    struct path_ent *paths;
    size_t n_paths, paths_cap;
    size_t tree_bytes;
    size_t n_rest;                   /* CIDR paths and type anchors: 0 skips their pass */
    size_t n_windowed, max_windowed; /* observations in all windows, ceiling */
    uint8_t *scratch;                /* keys of the batch being matched */
    size_t scratch_len, scratch_cap;
    struct pending *pend; /* their hashes */
    size_t pend_cap;
    uint32_t epoch;
    struct pattern_matcher_stats st;
};

/* ---- growth ------------------------------------------------------------------------ */

/* Room for one more element in *arr (n used, *cap allocated). */
static bool grow(void **arr, size_t n, size_t *cap, size_t size)
{
    if (n < *cap)
        return true;
    size_t ncap = *cap ? *cap * 2 : 16, bytes;
    void *p;
    if (!size_mul(ncap, size, &bytes) || !(p = realloc(*arr, bytes)))
        return false;
    *arr = p;
    *cap = ncap;
    return true;
}
#define GROW(m, field, n, cap) grow((void **)&(m)->field, (m)->n, &(m)->cap, sizeof *(m)->field)

/* ---- hashing ------------------------------------------------------------------------ */

static uint64_t mix(uint64_t h)
{
    h ^= h >> 32;
    h *= 0xd6e8feb86659fd93ull;
    h ^= h >> 32;
    return h;
}

uint64_t pattern_hash(const void *data, size_t n)
{
    const uint8_t *p = data;
    uint64_t h = 0x9e3779b97f4a7c15ull ^ (n * 0xff51afd7ed558ccdull);
    while (n >= 8) {
        uint64_t w;
        memcpy(&w, p, 8);
        h = (h ^ w) * 0xbf58476d1ce4e5b9ull;
        h ^= h >> 29;
        p += 8;
        n -= 8;
    }
    if (n) {
        uint64_t w = 0;
        memcpy(&w, p, n);
        h = (h ^ w) * 0x94d049bb133111ebull;
    }
    return mix(h) | 1;
}

/* ---- names ----------------------------------------------------------------------------- */

static int type_find(const struct pattern_matcher *m, const char *name, uint64_t hash)
{
    for (size_t i = 0; i < m->n_types; i++) {
        if (m->types[i].hash == hash && strcmp(m->types[i].name, name) == 0)
            return (int)i;
    }
    return -1;
}

static int type_intern(struct pattern_matcher *m, const char *name)
{
    uint64_t hash = pattern_type_hash(name);
    int t = type_find(m, name, hash);
    if (t >= 0)
        return t;
    if (!GROW(m, types, n_types, types_cap))
        return -1;
    struct type_ent *te = &m->types[m->n_types];
    memset(te, 0, sizeof *te);
    te->hash = hash;
    if (!(te->name = strdup(name)))
        return -1;
    return (int)m->n_types++;
}

/* The id of comparison c's plain-key path, interned; -1 when out of memory. */
static long path_intern(struct pattern_matcher *m, const struct pattern_comparison *c)
{
    int t = type_intern(m, c->object_type);
    if (t < 0)
        return -1;
    for (size_t i = 0; i < m->n_paths; i++) {
        const struct path_ent *pe = &m->paths[i];
        bool same = pe->type == (uint32_t)t && pe->n_keys == c->n_steps;
        for (size_t k = 0; same && k < c->n_steps; k++)
            same = strcmp(pe->keys[k], c->steps[k].key) == 0;
        if (same)
            return (long)i;
    }
    if (!GROW(m, paths, n_paths, paths_cap))
        return -1;
    struct path_ent *pe = &m->paths[m->n_paths];
    pe->type = (uint32_t)t;
    pe->n_keys = 0;
    if (!(pe->keys = calloc(c->n_steps, sizeof *pe->keys)))
        return -1;
    for (size_t k = 0; k < c->n_steps; k++) {
        if (!(pe->keys[k] = strdup(c->steps[k].key)))
            break;
        pe->n_keys++;
    }
    pe->enc = NULL;
    if (pe->n_keys == c->n_steps && c->n_steps <= PATTERN_LEAF_DEPTH) {
        size_t len = 0;
        for (size_t k = 0; k < c->n_steps; k++)
            len += 2 + strlen(c->steps[k].key);
        if ((pe->enc = malloc(len))) {
            uint8_t *at = pe->enc;
            for (size_t k = 0; k < c->n_steps; k++) {
                size_t klen = strlen(c->steps[k].key);
                uint16_t k16 = (uint16_t)(klen > 256 ? 0 : klen);
                memcpy(at, &k16, 2);
                memcpy(at + 2, c->steps[k].key, klen);
                at += 2 + klen;
            }
            pe->enc_len = (uint32_t)len;
            pe->enc_hash = pattern_hash(pe->enc, len);
        }
    }
    if (pe->n_keys < c->n_steps || (c->n_steps <= PATTERN_LEAF_DEPTH && !pe->enc)) {
        for (size_t k = 0; k < pe->n_keys; k++)
            free((void *)pe->keys[k]);
        free(pe->keys);
        return -1;
    }
    return (long)m->n_paths++;
}

/* Lists path among te's indexed key paths; false when out of memory. */
static bool type_add_key_path(struct type_ent *te, uint32_t path)
{
    for (size_t k = 0; k < te->n_paths; k++)
        if (te->paths[k] == path)
            return true;
    uint32_t *p = realloc(te->paths, (te->n_paths + 1) * sizeof *p);
    if (!p)
        return false;
    te->paths = p;
    te->paths[te->n_paths++] = path;
    return true;
}

/* te's CIDR entry for path, added if new; NULL when out of memory. */
static struct cidr_path *type_cidr_path(struct type_ent *te, uint32_t path)
{
    for (size_t k = 0; k < te->n_cidr; k++)
        if (te->cidr[k].path == path)
            return &te->cidr[k];
    struct cidr_path *p = realloc(te->cidr, (te->n_cidr + 1) * sizeof *p);
    if (!p)
        return NULL;
    te->cidr = p;
    memset(&p[te->n_cidr], 0, sizeof *p);
    p[te->n_cidr].path = path;
    return &p[te->n_cidr++];
}

/* ---- the table --------------------------------------------------------------------------- */

static const uint8_t *key_at(const struct pattern_matcher *m, uint32_t off, uint32_t *len)
{
    memcpy(len, m->keys + off, 4);
    return m->keys + off + 4;
}

static bool table_resize(struct pattern_matcher *m, size_t cap)
{
    struct slot *s = calloc(cap, sizeof *s);
    if (!s)
        return false;
    for (size_t i = 0; i < m->cap; i++) {
        if (!m->slots[i].hash)
            continue;
        size_t j = m->slots[i].hash & (cap - 1);
        while (s[j].hash)
            j = (j + 1) & (cap - 1);
        s[j] = m->slots[i];
    }
    free(m->slots);
    m->slots = s;
    m->cap = cap;
    return true;
}

/* Adds (key, target); the key's bytes are stored once however many
 * targets share them. */
static int table_insert(struct pattern_matcher *m, const uint8_t *key, uint32_t klen,
                        uint32_t target)
{
    uint64_t h = pattern_hash(key, klen);
    uint32_t off = UINT32_MAX;
    if ((m->used + 1) * 10 > m->cap * 7 && !table_resize(m, m->cap ? m->cap * 2 : 1024))
        return -HL_E_NOMEM;
    size_t i = h & (m->cap - 1);
    for (; m->slots[i].hash; i = (i + 1) & (m->cap - 1)) {
        uint32_t len;
        const uint8_t *k;
        if (m->slots[i].hash != h || off != UINT32_MAX)
            continue;
        k = key_at(m, m->slots[i].key, &len);
        if (len == klen && memcmp(k, key, klen) == 0)
            off = m->slots[i].key;
    }
    if (off == UINT32_MAX) {
        size_t need = m->keys_len + 4 + klen;
        if (need > UINT32_MAX)
            return -HL_E_TOO_LARGE;
        if (need > m->keys_cap) {
            size_t cap = m->keys_cap ? m->keys_cap * 2 : 4096;
            while (cap < need)
                cap *= 2;
            uint8_t *k = realloc(m->keys, cap);
            if (!k)
                return -HL_E_NOMEM;
            m->keys = k;
            m->keys_cap = cap;
        }
        off = (uint32_t)m->keys_len;
        memcpy(m->keys + off, &klen, 4);
        memcpy(m->keys + off + 4, key, klen);
        m->keys_len = need;
    }
    m->slots[i].hash = h;
    m->slots[i].key = off;
    m->slots[i].target = target;
    m->used++;
    m->st.n_keys++;
    return 0;
}

/* [tag][u32 path][payload] into out (KEY_MAX + 24 bytes); its length. */
static uint32_t key_build(uint8_t *out, uint8_t tag, uint32_t path, const void *payload, size_t n)
{
    out[0] = tag;
    memcpy(out + 1, &path, 4);
    memcpy(out + 5, payload, n);
    return (uint32_t)(5 + n);
}

/* ---- anchors ------------------------------------------------------------------------------ */

enum akind { A_KEY, A_CIDR, A_TYPE };

struct anchor {
    enum akind kind;
    const struct pattern_comparison *c;
    const struct pattern_value *v; /* A_KEY: the constant */
};

struct alist {
    struct anchor *a;
    size_t n, cap;
    bool weak; /* holds a TYPE anchor */
};

static void alist_release(struct alist *l)
{
    free(l->a);
    memset(l, 0, sizeof *l);
}

static int alist_add(struct alist *l, enum akind kind, const struct pattern_comparison *c,
                     const struct pattern_value *v)
{
    if (!grow((void **)&l->a, l->n, &l->cap, sizeof *l->a))
        return -HL_E_NOMEM;
    l->a[l->n++] = (struct anchor){kind, c, v};
    if (kind == A_TYPE)
        l->weak = true;
    return 0;
}

/* A path the index can read as plain keys (eval.c treats these suffixes
 * specially). */
static bool plain_path(const struct pattern_comparison *c)
{
    for (size_t k = 0; k < c->n_steps; k++) {
        if (c->steps[k].kind != PATTERN_STEP_KEY || c->steps[k].suffix != PATTERN_SUFFIX_NONE)
            return false;
    }
    return true;
}

static bool key_const(const struct pattern_value *v)
{
    return (v->kind == PATTERN_VAL_STRING && v->u.str.len <= KEY_MAX) || v->kind == PATTERN_VAL_INT;
}

/* Is c an equality the index answers alone? */
static bool key_comparison(const struct pattern_comparison *c)
{
    if (c->negated || !plain_path(c))
        return false;
    if (c->op == PATTERN_OP_EQ)
        return key_const(&c->value);
    if (c->op == PATTERN_OP_IN) {
        for (size_t k = 0; k < c->value.u.set.n; k++)
            if (!key_const(&c->value.u.set.items[k]))
                return false;
        return true;
    }
    return false;
}

static bool cidr_comparison(const struct pattern_comparison *c)
{
    int family;
    uint8_t addr[16];
    unsigned prefix;
    return c->op == PATTERN_OP_ISSUBSET && !c->negated && c->n_steps == 1 &&
           strcmp(c->steps[0].key, "value") == 0 &&
           (strcmp(c->object_type, "ipv4-addr") == 0 || strcmp(c->object_type, "ipv6-addr") == 0) &&
           pattern_net_parse(c->value.u.str.s, c->value.u.str.len, &family, addr, &prefix);
}

/* One bracket of = / IN on plain keys joined by OR: the index is the pattern. */
static bool equality_expr(const struct pattern_expr *e)
{
    if (e->kind == PATTERN_EXPR_COMPARISON)
        return key_comparison(e->cmp);
    if (e->kind == PATTERN_EXPR_AND)
        return false;
    for (size_t k = 0; k < e->n; k++)
        if (!equality_expr(e->items[k]))
            return false;
    return true;
}

static int collect(const struct pattern_expr *e, struct alist *out)
{
    int rc = 0;
    if (e->kind == PATTERN_EXPR_COMPARISON) {
        const struct pattern_comparison *c = e->cmp;
        if (key_comparison(c)) {
            if (c->op == PATTERN_OP_EQ)
                return alist_add(out, A_KEY, c, &c->value);
            for (size_t k = 0; k < c->value.u.set.n && !rc; k++)
                rc = alist_add(out, A_KEY, c, &c->value.u.set.items[k]);
            return rc;
        }
        return alist_add(out, cidr_comparison(c) ? A_CIDR : A_TYPE, c, NULL);
    }
    if (e->kind == PATTERN_EXPR_OR) {
        for (size_t k = 0; k < e->n && !rc; k++)
            rc = collect(e->items[k], out);
        return rc;
    }
    /* AND: the best item's anchors. */
    struct alist best = {0};
    bool have = false;
    for (size_t k = 0; k < e->n; k++) {
        struct alist l = {0};
        if ((rc = collect(e->items[k], &l))) {
            alist_release(&l);
            break;
        }
        if (!have || (best.weak && !l.weak) || (best.weak == l.weak && l.n < best.n)) {
            alist_release(&best);
            best = l;
            have = true;
        } else {
            alist_release(&l);
        }
    }
    if (rc) {
        alist_release(&best);
        return rc;
    }
    for (size_t k = 0; k < best.n && !rc; k++)
        rc = alist_add(out, best.a[k].kind, best.a[k].c, best.a[k].v);
    alist_release(&best);
    return rc;
}

/* Registers the anchors of l under target. */
static int anchors_insert(struct pattern_matcher *m, const struct alist *l, uint32_t target)
{
    uint8_t key[KEY_MAX + 32];
    int rc = 0;
    for (size_t k = 0; k < l->n && !rc; k++) {
        const struct anchor *a = &l->a[k];
        if (a->kind == A_TYPE) {
            int t = type_intern(m, a->c->object_type);
            if (t < 0)
                return -HL_E_NOMEM;
            struct type_ent *te = &m->types[t];
            uint32_t *p = realloc(te->targets, (te->n_targets + 1) * sizeof *p);
            if (!p)
                return -HL_E_NOMEM;
            te->targets = p;
            te->targets[te->n_targets++] = target;
            m->n_rest++;
            continue;
        }
        long path = path_intern(m, a->c);
        if (path < 0)
            return -HL_E_NOMEM;
        struct type_ent *te = &m->types[m->paths[path].type];
        uint32_t klen;
        if (a->kind == A_KEY) {
            if (!type_add_key_path(te, (uint32_t)path))
                return -HL_E_NOMEM;
            if (a->v->kind == PATTERN_VAL_STRING) {
                klen = key_build(key, 'S', (uint32_t)path, a->v->u.str.s, a->v->u.str.len);
            } else {
                int64_t i = a->v->u.i.v;
                klen = key_build(key, 'I', (uint32_t)path, &i, sizeof i);
            }
        } else {
            int family;
            uint8_t net[18];
            unsigned prefix;
            struct cidr_path *cp = type_cidr_path(te, (uint32_t)path);
            if (!cp)
                return -HL_E_NOMEM;
            m->n_rest++;
            if (!pattern_net_parse(a->c->value.u.str.s, a->c->value.u.str.len, &family, net + 2,
                                   &prefix))
                return -HL_E_INTERNAL;
            pattern_net_mask(net + 2, prefix);
            net[0] = (uint8_t)family;
            net[1] = (uint8_t)prefix;
            if (family == 4)
                cp->lens4[prefix] = 1;
            else
                cp->lens6[prefix] = 1;
            klen = key_build(key, 'C', (uint32_t)path, net, sizeof net);
        }
        rc = table_insert(m, key, klen, target);
    }
    return rc;
}

/* Does o bind more than one observation (AND, FOLLOWEDBY, REPEATS)? */
static bool needs_stream(const struct pattern_obs *o)
{
    switch (o->kind) {
    case PATTERN_OBS_BRACKET:
        return false;
    case PATTERN_OBS_QUALIFIED:
        return o->qual.kind == PATTERN_QUAL_REPEATS || needs_stream(o->inner);
    case PATTERN_OBS_OR:
        for (size_t k = 0; k < o->n; k++)
            if (needs_stream(o->items[k]))
                return true;
        return false;
    default:
        return true;
    }
}

/* Registers every bracket of o as a leaf of indicator ind. */
static int add_leaves(struct pattern_matcher *m, const struct pattern_obs *o, uint32_t ind)
{
    int rc = 0;
    if (o->kind == PATTERN_OBS_QUALIFIED)
        return add_leaves(m, o->inner, ind);
    if (o->kind != PATTERN_OBS_BRACKET) {
        for (size_t k = 0; k < o->n && !rc; k++)
            rc = add_leaves(m, o->items[k], ind);
        return rc;
    }
    if (!GROW(m, leaves, n_leaves, leaves_cap) || m->n_leaves >= TARGET_LEAF)
        return -HL_E_NOMEM;
    uint32_t leaf = (uint32_t)m->n_leaves++;
    m->leaves[leaf] = (struct leaf){ind, o};
    struct alist l = {0};
    if (!(rc = collect(o->expr, &l)))
        rc = anchors_insert(m, &l, TARGET_LEAF | leaf);
    alist_release(&l);
    return rc;
}

/* ---- life cycle ---------------------------------------------------------------------------- */

struct pattern_matcher *pattern_matcher_new(void)
{
    struct pattern_matcher *m = calloc(1, sizeof *m);
    if (m)
        m->max_windowed = PATTERN_MAX_WINDOWED;
    return m;
}

void pattern_matcher_set_ceiling(struct pattern_matcher *m, size_t max_windowed)
{
    m->max_windowed = max_windowed ? max_windowed : 1;
}

void pattern_matcher_free(struct pattern_matcher *m)
{
    if (!m)
        return;
    for (size_t i = 0; i < m->n_cx; i++) {
        struct complex *c = &m->cx[i];
        for (uint32_t k = 0; c->win && k < c->count; k++)
            pattern_observation_release(&c->win[(c->head + k) % PATTERN_WINDOW]);
        free(c->win);
        pattern_free(c->p);
    }
    for (size_t i = 0; i < m->n_types; i++) {
        free(m->types[i].name);
        free(m->types[i].paths);
        free(m->types[i].cidr);
        free(m->types[i].targets);
    }
    for (size_t i = 0; i < m->n_paths; i++) {
        for (size_t k = 0; k < m->paths[i].n_keys; k++)
            free((void *)m->paths[i].keys[k]);
        free(m->paths[i].keys);
        free(m->paths[i].enc);
    }
    free(m->types);
    free(m->paths);
    free(m->cx);
    free(m->leaves);
    free(m->inds);
    free(m->ids);
    free(m->keys);
    free(m->slots);
    free(m->scratch);
    free(m->pend);
    free(m);
}

int pattern_matcher_add(struct pattern_matcher *m, const char *id, const char *text, size_t len,
                        uint32_t *index_out, struct hl_error *err)
{
    struct pattern *p = NULL;
    size_t idlen = strlen(id);
    int rc;
    if (m->n_inds >= PATTERN_MAX_INDICATORS)
        return hl_fail(err, HL_E_TOO_LARGE, id, "more than %u indicators in one matcher",
                       PATTERN_MAX_INDICATORS);
    if ((rc = pattern_parse(text, len, &p, err)))
        return rc;
    if (!GROW(m, inds, n_inds, inds_cap))
        goto out_nomem;
    if (m->ids_len + idlen + 1 > m->ids_cap) {
        size_t cap = m->ids_cap ? m->ids_cap * 2 : 4096;
        while (cap < m->ids_len + idlen + 1)
            cap *= 2;
        char *ids = cap <= UINT32_MAX ? realloc(m->ids, cap) : NULL;
        if (!ids)
            goto out_nomem;
        m->ids = ids;
        m->ids_cap = cap;
    }
    uint32_t ind = (uint32_t)m->n_inds;
    m->inds[ind] = (struct ind){(uint32_t)m->ids_len, NO_COMPLEX, 0};
    memcpy(m->ids + m->ids_len, id, idlen + 1);
    m->ids_len += idlen + 1;
    m->n_inds++;
    m->st.n_indicators++;
    const struct pattern_obs *root = pattern_root(p);
    if (root->kind == PATTERN_OBS_BRACKET && equality_expr(root->expr)) {
        struct alist l = {0};
        if (!(rc = collect(root->expr, &l)))
            rc = anchors_insert(m, &l, ind);
        alist_release(&l);
        pattern_free(p);
        if (rc)
            return hl_fail(err, -rc, id, "%s", hl_strerror(-rc));
        m->st.n_equality++;
    } else {
        if (!GROW(m, cx, n_cx, cx_cap))
            goto out_nomem;
        struct complex *c = &m->cx[m->n_cx];
        memset(c, 0, sizeof *c);
        c->p = p;
        c->stream = needs_stream(root);
        c->first_leaf = (uint32_t)m->n_leaves;
        m->inds[ind].complex = (uint32_t)m->n_cx++;
        m->tree_bytes += pattern_bytes(p);
        m->st.n_evaluated++;
        m->st.n_stream += c->stream;
        if ((rc = add_leaves(m, root, ind)))
            return hl_fail(err, -rc, id, "%s", hl_strerror(-rc));
        m->cx[m->inds[ind].complex].n_leaves = (uint32_t)m->n_leaves - c->first_leaf;
    }
    if (index_out)
        *index_out = ind;
    return 0;
out_nomem:
    pattern_free(p);
    return hl_fail(err, HL_E_NOMEM, id, "out of memory adding the indicator");
}

const char *pattern_matcher_id(const struct pattern_matcher *m, uint32_t i)
{
    return i < m->n_inds ? m->ids + m->inds[i].id : NULL;
}

void pattern_matcher_get_stats(const struct pattern_matcher *m, struct pattern_matcher_stats *out)
{
    *out = m->st;
    out->bytes = sizeof *m + m->cap * sizeof *m->slots + m->keys_cap + m->ids_cap +
                 m->inds_cap * sizeof *m->inds + m->leaves_cap * sizeof *m->leaves +
                 m->cx_cap * sizeof *m->cx + m->tree_bytes + m->types_cap * sizeof *m->types +
                 m->paths_cap * sizeof *m->paths;
    for (size_t i = 0; i < m->n_cx; i++)
        out->bytes += m->cx[i].win ? PATTERN_WINDOW * sizeof *m->cx[i].win : 0;
}

/* ---- matching ----------------------------------------------------------------------------------
 */

struct run {
    struct pattern_matcher *m;
    const struct pattern_observation *o;
    pattern_match_fn fn;
    void *ctx;
    int rc;
};

/* A stream indicator saw o: remember it, then look for a binding that
 * completes with it. */
static int stream_step(struct run *r, uint32_t ind, struct complex *c)
{
    struct pattern_matcher *m = r->m;
    const struct pattern_observation *list[PATTERN_WINDOW];
    struct pattern_match_result res;
    bool any = false;
    int rc;
    for (uint32_t k = 0; k < c->n_leaves && !any; k++)
        any = pattern_expr_eval(m->leaves[c->first_leaf + k].bracket->expr, r->o);
    if (!any)
        return 0;
    if (!c->win && !(c->win = calloc(PATTERN_WINDOW, sizeof *c->win)))
        return -HL_E_NOMEM;
    if (c->count == PATTERN_WINDOW || (c->count && m->n_windowed >= m->max_windowed)) {
        pattern_observation_release(&c->win[c->head]);
        c->head = (c->head + 1) % PATTERN_WINDOW;
        c->count--;
        m->n_windowed--;
        m->st.n_dropped++;
    }
    if ((rc = pattern_observation_copy(r->o, &c->win[(c->head + c->count) % PATTERN_WINDOW])))
        return rc;
    c->count++;
    m->n_windowed++;
    for (uint32_t k = 0; k < c->count; k++)
        list[k] = &c->win[(c->head + k) % PATTERN_WINDOW];
    if ((rc = pattern_match(c->p, list, c->count, c->count - 1, &res)))
        return rc;
    m->st.n_truncated += res.truncated;
    if (res.matched)
        r->fn(r->ctx, ind, r->o);
    return 0;
}

static void visit(struct run *r, uint32_t target)
{
    struct pattern_matcher *m = r->m;
    uint32_t i = target & TARGET_LEAF ? m->leaves[target & ~TARGET_LEAF].ind : target;
    struct ind *ind = &m->inds[i];
    if (ind->epoch == m->epoch || r->rc)
        return;
    ind->epoch = m->epoch;
    if (ind->complex == NO_COMPLEX) {
        r->fn(r->ctx, i, r->o);
        return;
    }
    struct complex *c = &m->cx[ind->complex];
    m->st.n_candidates++;
    if (c->stream) {
        r->rc = stream_step(r, i, c);
        return;
    }
    struct pattern_match_result res;
    if ((r->rc = pattern_match(c->p, &r->o, 1, 0, &res)))
        return;
    if (res.matched)
        r->fn(r->ctx, i, r->o);
}

/* Visits the targets of key[0..klen) with hash h. */
static void probe(struct run *r, const uint8_t *key, uint32_t klen, uint64_t h)
{
    struct pattern_matcher *m = r->m;
    if (!m->cap)
        return;
    for (size_t i = h & (m->cap - 1); m->slots[i].hash; i = (i + 1) & (m->cap - 1)) {
        uint32_t len;
        const uint8_t *k;
        if (m->slots[i].hash != h)
            continue;
        k = key_at(m, m->slots[i].key, &len);
        if (len == klen && memcmp(k, key, klen) == 0)
            visit(r, m->slots[i].target);
    }
}

/* The value at pe in sco: from the observation's leaves when they list
 * it (no JSON lookup), else from the JSON. */
static const json_t *sco_value(const struct pattern_observation *o, const struct pattern_sco *sco,
                               const struct path_ent *pe)
{
    if (pe->enc && !o->leaves_partial) {
        const struct pattern_leaf *l = o->leaves + sco->first_leaf;
        for (uint32_t i = 0; i < sco->n_leaves; i++) {
            if (l[i].hash == pe->enc_hash && l[i].path_len == pe->enc_len &&
                memcmp(l[i].path, pe->enc, pe->enc_len) == 0)
                return l[i].value;
        }
        return NULL;
    }
    const json_t *obj = sco->obj;
    for (size_t k = 0; k < pe->n_keys && obj; k++)
        obj = json_object_get(obj, pe->keys[k]);
    return obj;
}

static const json_t *path_value(const struct path_ent *pe, const json_t *obj)
{
    for (size_t k = 0; k < pe->n_keys && obj; k++)
        obj = json_object_get(obj, pe->keys[k]);
    return obj;
}

/* The CIDR probes and type anchors of one SCO. */
static void match_sco_rest(struct run *r, const struct type_ent *te, const struct pattern_sco *sco)
{
    struct pattern_matcher *m = r->m;
    uint8_t key[KEY_MAX + 32];
    for (size_t k = 0; k < te->n_cidr; k++) {
        const struct cidr_path *cp = &te->cidr[k];
        const json_t *v = path_value(&m->paths[cp->path], sco->obj);
        int family;
        uint8_t addr[16], net[18];
        unsigned prefix;
        if (!json_is_string(v) ||
            !pattern_net_parse(json_string_value(v), json_string_length(v), &family, addr, &prefix))
            continue;
        const uint8_t *lens = family == 4 ? cp->lens4 : cp->lens6;
        for (unsigned len = 0; len <= prefix; len++) {
            if (!lens[len])
                continue;
            memcpy(net + 2, addr, 16);
            pattern_net_mask(net + 2, len);
            net[0] = (uint8_t)family;
            net[1] = (uint8_t)len;
            uint32_t klen = key_build(key, 'C', cp->path, net, sizeof net);
            probe(r, key, klen, pattern_hash(key, klen));
        }
    }
    for (size_t k = 0; k < te->n_targets; k++)
        visit(r, te->targets[k]);
}

/* The key an SCO's value at path makes, into key; 0 if none. */
static uint32_t value_key(uint8_t *key, uint32_t path, const json_t *v)
{
    if (json_is_string(v)) {
        if (json_string_length(v) > KEY_MAX)
            return 0;
        return key_build(key, 'S', path, json_string_value(v), json_string_length(v));
    }
    if (json_is_integer(v)) {
        int64_t i = json_integer_value(v);
        return key_build(key, 'I', path, &i, sizeof i);
    }
    if (json_is_real(v)) {
        double d = json_real_value(v);
        if (!(d >= -9.2e18 && d <= 9.2e18) || d != (double)(int64_t)d)
            return 0;
        int64_t i = (int64_t)d;
        return key_build(key, 'I', path, &i, sizeof i);
    }
    return 0;
}

/* Observations matched together by match_many: their keys are hashed and
 * their slots prefetched first, then probed in order. */
#define BATCH 32

struct pending {
    uint64_t hash;
    uint32_t off, len; /* in m->scratch */
};

static int match_batch(struct pattern_matcher *m, const struct pattern_observation *const *obs,
                       size_t n, pattern_match_fn fn, void *ctx)
{
    struct run r = {m, NULL, fn, ctx, 0};
    size_t first[BATCH + 1], n_pend = 0;
    /* phase 1: keys, hashes, prefetches */
    m->scratch_len = 0;
    for (size_t i = 0; i < n; i++) {
        first[i] = n_pend;
        for (size_t k = 0; k < obs[i]->n_scos; k++) {
            const struct pattern_sco *sco = &obs[i]->scos[k];
            int t = type_find(m, sco->type, sco->type_hash);
            if (t < 0)
                continue;
            const struct type_ent *te = &m->types[t];
            for (size_t p = 0; p < te->n_paths; p++) {
                uint32_t path = te->paths[p];
                if (m->scratch_len + KEY_MAX + 32 > m->scratch_cap) {
                    size_t cap = m->scratch_cap ? m->scratch_cap * 2 : 65536;
                    uint8_t *s = realloc(m->scratch, cap);
                    if (!s)
                        return -HL_E_NOMEM;
                    m->scratch = s;
                    m->scratch_cap = cap;
                }
                if (!grow((void **)&m->pend, n_pend, &m->pend_cap, sizeof *m->pend))
                    return -HL_E_NOMEM;
                uint8_t *key = m->scratch + m->scratch_len;
                uint32_t klen = value_key(key, path, sco_value(obs[i], sco, &m->paths[path]));
                if (!klen)
                    continue;
                uint64_t h = pattern_hash(key, klen);
                if (m->cap)
                    __builtin_prefetch(&m->slots[h & (m->cap - 1)]);
                m->pend[n_pend++] = (struct pending){h, (uint32_t)m->scratch_len, klen};
                m->scratch_len += klen;
            }
        }
    }
    first[n] = n_pend;
    /* phase 2: in observation order */
    for (size_t i = 0; i < n && !r.rc; i++) {
        r.o = obs[i];
        if (++m->epoch == 0) {
            for (size_t k = 0; k < m->n_inds; k++)
                m->inds[k].epoch = 0;
            m->epoch = 1;
        }
        for (size_t p = first[i]; p < first[i + 1]; p++)
            probe(&r, m->scratch + m->pend[p].off, m->pend[p].len, m->pend[p].hash);
        for (size_t k = 0; m->n_rest && k < obs[i]->n_scos && !r.rc; k++) {
            const struct pattern_sco *sco = &obs[i]->scos[k];
            int t = type_find(m, sco->type, sco->type_hash);
            if (t >= 0 && (m->types[t].n_cidr || m->types[t].n_targets))
                match_sco_rest(&r, &m->types[t], sco);
        }
    }
    return r.rc;
}

int pattern_matcher_match_many(struct pattern_matcher *m,
                               const struct pattern_observation *const *obs, size_t n,
                               pattern_match_fn fn, void *ctx)
{
    for (size_t i = 0; i < n; i += BATCH) {
        int rc = match_batch(m, obs + i, n - i < BATCH ? n - i : BATCH, fn, ctx);
        if (rc)
            return rc;
    }
    return 0;
}

int pattern_matcher_match(struct pattern_matcher *m, const struct pattern_observation *o,
                          pattern_match_fn fn, void *ctx)
{
    return match_batch(m, &o, 1, fn, ctx);
}
