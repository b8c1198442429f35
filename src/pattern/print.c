/*
 * print.c — the canonical text of a parsed STIX pattern (pattern.h,
 * pattern_to_string). The output parses back to a tree that prints the
 * same bytes, so tests can compare patterns as strings and a matcher's
 * diagnostics can quote what it evaluates.
 *
 *   tree                          text
 *   ----------------------------  --------------------------------------
 *   n-ary AND / OR / FOLLOWEDBY   items joined by " AND " / " OR " /
 *                                 " FOLLOWEDBY "; an item in parentheses
 *                                 when it binds no tighter than its parent
 *   QUALIFIED                     inner + " WITHIN 5 SECONDS",
 *                                 " REPEATS 2 TIMES", " START t'..' STOP
 *                                 t'..'"; inner in parentheses when it is
 *                                 an operator node or already carries a
 *                                 qualifier of the same kind
 *   BRACKET                       "[" expression "]"
 *   comparison                    type ":" path [" NOT"] " op " constant,
 *                                 or "EXISTS " type ":" path
 *   path key                      bare when [A-Za-z_][A-Za-z0-9_]* and no
 *                                 keyword, else quoted
 *   constants                     'str' (only ' and \ escaped), integers
 *                                 in decimal, floats as written (no '+'),
 *                                 true/false, b'base64' padded, h'hex'
 *                                 lower case, t'as written', (a, b)
 *
 * Depth: the walk recurses once per tree level, and the tree is at most
 * about three levels per nesting of parentheses (PATTERN_MAX_DEPTH).
 */
#include <stdio.h>
#include <string.h>

#include "pattern_int.h"

static int print_obs(struct buf *b, const struct pattern_obs *o);
static int print_expr(struct buf *b, const struct pattern_expr *e);

/* Binding strength; higher binds tighter. */
static int obs_prec(const struct pattern_obs *o)
{
    switch (o->kind) {
    case PATTERN_OBS_FOLLOWEDBY: return 1;
    case PATTERN_OBS_OR: return 2;
    case PATTERN_OBS_AND: return 3;
    case PATTERN_OBS_QUALIFIED: return 4;
    default: return 5;
    }
}

static int expr_prec(const struct pattern_expr *e)
{
    return e->kind == PATTERN_EXPR_OR ? 1 : e->kind == PATTERN_EXPR_AND ? 2 : 3;
}

static int print_quoted(struct buf *b, const char *s, size_t n)
{
    int rc = buf_addc(b, '\'');
    for (size_t i = 0; i < n && !rc; i++) {
        if (s[i] == '\'' || s[i] == '\\')
            rc = buf_addc(b, '\\');
        if (!rc)
            rc = buf_addc(b, s[i]);
    }
    return rc ? rc : buf_addc(b, '\'');
}

static bool plain_key(const char *s)
{
    size_t n = strlen(s);
    if (n == 0 || !((s[0] >= 'a' && s[0] <= 'z') || (s[0] >= 'A' && s[0] <= 'Z') || s[0] == '_'))
        return false;
    for (size_t i = 1; i < n; i++) {
        char c = s[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '_'))
            return false;
    }
    return lexer_keyword(s, n) == TOK_IDENT;
}

static int print_key(struct buf *b, const char *key)
{
    return plain_key(key) ? buf_adds(b, key) : print_quoted(b, key, strlen(key));
}

static int print_base64(struct buf *b, const uint8_t *p, size_t n)
{
    static const char abc[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    int rc = 0;
    for (size_t i = 0; i < n && !rc; i += 3) {
        unsigned v = (unsigned)p[i] << 16;
        char q[4];
        if (i + 1 < n)
            v |= (unsigned)p[i + 1] << 8;
        if (i + 2 < n)
            v |= p[i + 2];
        q[0] = abc[v >> 18 & 63];
        q[1] = abc[v >> 12 & 63];
        q[2] = i + 1 < n ? abc[v >> 6 & 63] : '=';
        q[3] = i + 2 < n ? abc[v & 63] : '=';
        rc = buf_add(b, q, 4);
    }
    return rc;
}

static int print_value(struct buf *b, const struct pattern_value *v)
{
    int rc = 0;
    switch (v->kind) {
    case PATTERN_VAL_STRING:
        return print_quoted(b, v->u.str.s, v->u.str.len);
    case PATTERN_VAL_INT:
        return buf_addf(b, "%lld", v->u.i.v);
    case PATTERN_VAL_FLOAT:
        return buf_adds(b, v->u.f.text);
    case PATTERN_VAL_BOOL:
        return buf_adds(b, v->u.b ? "true" : "false");
    case PATTERN_VAL_BINARY:
        if ((rc = buf_adds(b, "b'")) || (rc = print_base64(b, v->u.bin.bytes, v->u.bin.len)))
            return rc;
        return buf_addc(b, '\'');
    case PATTERN_VAL_HEX:
        rc = buf_adds(b, "h'");
        for (size_t i = 0; i < v->u.bin.len && !rc; i++)
            rc = buf_addf(b, "%02x", v->u.bin.bytes[i]);
        return rc ? rc : buf_addc(b, '\'');
    case PATTERN_VAL_TIMESTAMP:
        return buf_addf(b, "t'%s'", v->u.ts.text);
    case PATTERN_VAL_SET:
        rc = buf_addc(b, '(');
        for (size_t i = 0; i < v->u.set.n && !rc; i++) {
            if (i > 0)
                rc = buf_adds(b, ", ");
            if (!rc)
                rc = print_value(b, &v->u.set.items[i]);
        }
        return rc ? rc : buf_addc(b, ')');
    default:
        return 0;
    }
}

static int print_comparison(struct buf *b, const struct pattern_comparison *c)
{
    int rc = 0;
    if (c->op == PATTERN_OP_EXISTS)
        rc = buf_adds(b, "EXISTS ");
    if (rc || (rc = buf_adds(b, c->object_type)) || (rc = buf_addc(b, ':')))
        return rc;
    for (size_t i = 0; i < c->n_steps && !rc; i++) {
        const struct pattern_step *s = &c->steps[i];
        if (s->kind == PATTERN_STEP_KEY) {
            if (i > 0)
                rc = buf_addc(b, '.');
            if (!rc)
                rc = print_key(b, s->key);
        } else if (s->kind == PATTERN_STEP_INDEX) {
            rc = buf_addf(b, "[%lld]", s->index);
        } else {
            rc = buf_adds(b, "[*]");
        }
    }
    if (rc || c->op == PATTERN_OP_EXISTS)
        return rc;
    if ((rc = buf_addf(b, "%s %s ", c->negated ? " NOT" : "", pattern_op_name(c->op))))
        return rc;
    return print_value(b, &c->value);
}

static int print_expr_item(struct buf *b, const struct pattern_expr *e, bool paren)
{
    int rc;
    if (!paren)
        return print_expr(b, e);
    if ((rc = buf_addc(b, '(')) || (rc = print_expr(b, e)))
        return rc;
    return buf_addc(b, ')');
}

static int print_expr(struct buf *b, const struct pattern_expr *e)
{
    int rc = 0;
    if (e->kind == PATTERN_EXPR_COMPARISON)
        return print_comparison(b, e->cmp);
    for (size_t i = 0; i < e->n && !rc; i++) {
        if (i > 0)
            rc = buf_adds(b, e->kind == PATTERN_EXPR_AND ? " AND " : " OR ");
        if (!rc)
            rc = print_expr_item(b, e->items[i], expr_prec(e->items[i]) <= expr_prec(e));
    }
    return rc;
}

static int print_obs_item(struct buf *b, const struct pattern_obs *o, bool paren)
{
    int rc;
    if (!paren)
        return print_obs(b, o);
    if ((rc = buf_addc(b, '(')) || (rc = print_obs(b, o)))
        return rc;
    return buf_addc(b, ')');
}

/* Whether the run of qualifiers directly on o holds one of kind k. */
static bool chain_has(const struct pattern_obs *o, enum pattern_qual_kind k)
{
    for (; o->kind == PATTERN_OBS_QUALIFIED; o = o->inner) {
        if (o->qual.kind == k)
            return true;
    }
    return false;
}

static int print_qualifier(struct buf *b, const struct pattern_qualifier *q)
{
    switch (q->kind) {
    case PATTERN_QUAL_WITHIN:
        return buf_addf(b, " WITHIN %s SECONDS", q->within_text);
    case PATTERN_QUAL_REPEATS:
        return buf_addf(b, " REPEATS %lld TIMES", q->repeats);
    default:
        return buf_addf(b, " START t'%s' STOP t'%s'", q->start.text, q->stop.text);
    }
}

static int print_obs(struct buf *b, const struct pattern_obs *o)
{
    static const char *const ops[] = {"", "", " AND ", " OR ", " FOLLOWEDBY "};
    int rc = 0;
    switch (o->kind) {
    case PATTERN_OBS_BRACKET:
        if ((rc = buf_addc(b, '[')) || (rc = print_expr(b, o->expr)))
            return rc;
        return buf_addc(b, ']');
    case PATTERN_OBS_QUALIFIED: {
        bool paren = obs_prec(o->inner) < obs_prec(o) || chain_has(o->inner, o->qual.kind);
        if ((rc = print_obs_item(b, o->inner, paren)))
            return rc;
        return print_qualifier(b, &o->qual);
    }
    default:
        for (size_t i = 0; i < o->n && !rc; i++) {
            if (i > 0)
                rc = buf_adds(b, ops[o->kind]);
            if (!rc)
                rc = print_obs_item(b, o->items[i], obs_prec(o->items[i]) <= obs_prec(o));
        }
        return rc;
    }
}

int pattern_to_string(const struct pattern *p, struct buf *out, struct hl_error *err)
{
    size_t start = out->len;
    int rc = print_obs(out, p->root);
    if (rc) {
        buf_truncate(out, start);
        return hl_fail(err, -rc, NULL, "cannot print the pattern: %s", hl_strerror(-rc));
    }
    return 0;
}
