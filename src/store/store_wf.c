/*
 * store_wf.c — the front of the workflow part of store.h (schema step 5):
 * channel policies and escalations. As in store.c and store_fed.c, every
 * argument is checked here once, before a backend's operation runs; a
 * failed check is HL_E_INVALID or HL_E_TOO_LARGE and touches nothing.
 */
#include "store_int.h"

#include <string.h>

static HL_MUST_CHECK int wf_missing(struct hl_error *err, const char *what)
{
    return hl_fail(err, HL_E_INVALID, what, "store: %s is missing", what);
}

/* s non-NULL, and t a NUL-terminated text of 1..STORE_TEXT_MAX bytes
 * (0.. with may_be_empty). */
static HL_MUST_CHECK int wf_text(struct store *s, struct hl_error *err, const char *what,
                                 const char *t, bool may_be_empty)
{
    if (!s)
        return wf_missing(err, "store");
    if (!t)
        return wf_missing(err, what);
    size_t n = strnlen(t, STORE_TEXT_MAX + 1);
    if (n > STORE_TEXT_MAX)
        return hl_fail(err, HL_E_TOO_LARGE, what, "store: %s is longer than %d bytes", what,
                       STORE_TEXT_MAX);
    if (!n && !may_be_empty)
        return hl_fail(err, HL_E_INVALID, what, "store: %s is empty", what);
    return 0;
}

static bool wf_kind_ok(const char *kind)
{
    return !strcmp(kind, STORE_ESCALATION_ACK) || !strcmp(kind, STORE_ESCALATION_DUE);
}

/* item, kind and member of an escalation's key. */
static HL_MUST_CHECK int wf_key(struct store *s, const char *item_id, const char *kind,
                                const char *member, int hook, struct hl_error *err)
{
    int r = wf_text(s, err, "escalation.item_id", item_id, false);
    if (!r)
        r = wf_text(s, err, "escalation.kind", kind, false);
    if (!r && !wf_kind_ok(kind))
        r = hl_fail(err, HL_E_INVALID, "escalation.kind", "store: unknown escalation kind \"%s\"",
                    kind);
    if (!r)
        r = wf_text(s, err, "escalation.member", member, true);
    if (!r && (hook < STORE_HOOK_NONE || hook > STORE_HOOK_FAILED))
        r = hl_fail(err, HL_E_INVALID, "escalation.hook", "store: unknown hook outcome %d", hook);
    return r;
}

int store_channel_policy_set(struct store *s, const char *channel, int64_t ack_within_s,
                             struct hl_error *err)
{
    int r = wf_text(s, err, "channel", channel, false);
    if (!r && (ack_within_s < 1 || ack_within_s > STORE_ACK_WITHIN_MAX))
        r = hl_fail(err, HL_E_INVALID, "ack_within_s",
                    "store: ack_within_s must be 1..%lld seconds", (long long)STORE_ACK_WITHIN_MAX);
    return r ? r : s->ops->policy_set(s, channel, ack_within_s, err);
}

int store_channel_policy_get(struct store *s, const char *channel, int64_t *out,
                             struct hl_error *err)
{
    if (!out)
        return wf_missing(err, "out");
    *out = 0;
    int r = wf_text(s, err, "channel", channel, false);
    if (!r)
        r = s->ops->policy_get(s, channel, out, err);
    if (r)
        *out = 0;
    return r;
}

int store_escalation_add(struct store *s, const struct store_escalation *e, bool *added,
                         struct hl_error *err)
{
    bool ignored;
    if (!added)
        added = &ignored;
    *added = false;
    if (!e)
        return wf_missing(err, "escalation");
    int r = wf_key(s, e->item_id, e->kind, e->member, e->hook, err);
    if (!r)
        r = wf_text(s, err, "escalation.channel", e->channel, false);
    return r ? r : s->ops->escalation_add(s, e, added, err);
}

int store_escalation_hook_set(struct store *s, const char *item_id, const char *kind,
                              const char *member, int hook, struct hl_error *err)
{
    int r = wf_key(s, item_id, kind, member, hook, err);
    return r ? r : s->ops->escalation_hook_set(s, item_id, kind, member, hook, err);
}

int store_escalation_list(struct store *s, const char *channel, store_escalation_fn fn, void *ctx,
                          struct hl_error *err)
{
    int r = s ? 0 : wf_missing(err, "store");
    if (!r && channel)
        r = wf_text(s, err, "channel", channel, false);
    if (!r && !fn)
        r = wf_missing(err, "callback");
    return r ? r : s->ops->escalation_list(s, channel, fn, ctx, err);
}
