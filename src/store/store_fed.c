/*
 * store_fed.c — the front of the federation part of store.h (schema step
 * 4): peers, pending channel members, alarms, replication state and TLP
 * holdings. As in store.c, every argument is checked here once, before a
 * backend's operation runs: each string is non-NULL and at most its
 * bound, enumerated texts are one of their values, counts are in range.
 * A failed check is HL_E_INVALID or HL_E_TOO_LARGE and touches nothing.
 */
#include "store_int.h"

#include <string.h>

static HL_MUST_CHECK int fed_missing(struct hl_error *err, const char *what)
{
    return hl_fail(err, HL_E_INVALID, what, "store: %s is missing", what);
}

/* A NUL-terminated text of 1..max bytes (0..max with may_be_empty). */
static HL_MUST_CHECK int fed_text(struct hl_error *err, const char *what, const char *t, size_t max,
                                  bool may_be_empty)
{
    if (!t)
        return fed_missing(err, what);
    size_t n = strnlen(t, max + 1);
    if (n > max)
        return hl_fail(err, HL_E_TOO_LARGE, what, "store: %s is longer than %zu bytes", what, max);
    if (!n && !may_be_empty)
        return hl_fail(err, HL_E_INVALID, what, "store: %s is empty", what);
    return 0;
}

static HL_MUST_CHECK int fed_store(struct store *s, struct hl_error *err)
{
    return s ? 0 : fed_missing(err, "store");
}

/* 64 lowercase hex digits: a SHA-256 fingerprint. */
static bool fed_fingerprint_ok(const char *f)
{
    if (strnlen(f, STORE_FINGERPRINT_LEN + 1) != STORE_FINGERPRINT_LEN)
        return false;
    for (size_t i = 0; i < STORE_FINGERPRINT_LEN; i++)
        if (!((f[i] >= '0' && f[i] <= '9') || (f[i] >= 'a' && f[i] <= 'f')))
            return false;
    return true;
}

/* ---- peers --------------------------------------------------------------- */

int store_peer_put(struct store *s, const struct store_peer *p, struct hl_error *err)
{
    if (!p)
        return fed_missing(err, "peer");
    int r = fed_store(s, err);
    if (!r)
        r = fed_text(err, "peer.party_id", p->party_id, STORE_TEXT_MAX, false);
    if (!r)
        r = fed_text(err, "peer.name", p->name, STORE_TEXT_MAX, false);
    if (!r)
        r = fed_text(err, "peer.url", p->url, STORE_URL_MAX, false);
    if (!r)
        r = fed_text(err, "peer.token", p->token, STORE_TEXT_MAX, true);
    if (!r && strncmp(p->url, "https://", 8) != 0)
        r = hl_fail(err, HL_E_INVALID, "peer.url", "store: a peer's url starts with https://");
    if (!r && !fed_fingerprint_ok(p->cert_sha256))
        r = hl_fail(err, HL_E_INVALID, "peer.cert_sha256",
                    "store: a certificate fingerprint is 64 lowercase hex digits");
    if (!r && p->next_cert_sha256[0] && !fed_fingerprint_ok(p->next_cert_sha256))
        r = hl_fail(err, HL_E_INVALID, "peer.next_cert_sha256",
                    "store: a certificate fingerprint is 64 lowercase hex digits");
    return r ? r : s->ops->peer_put(s, p, err);
}

/* By party id (name NULL) or by name (party_id NULL). */
static HL_MUST_CHECK int fed_peer_get(struct store *s, const char *party_id, const char *name,
                                      struct store_peer *out, struct hl_error *err)
{
    if (!out)
        return fed_missing(err, "out");
    int r = fed_store(s, err);
    if (!r)
        r = party_id ? fed_text(err, "party_id", party_id, STORE_TEXT_MAX, false)
                     : fed_text(err, "name", name, STORE_TEXT_MAX, false);
    if (r)
        return r;
    memset(out, 0, sizeof *out);
    r = s->ops->peer_get(s, party_id, name, out, err);
    if (r)
        memset(out, 0, sizeof *out);
    return r;
}

int store_peer_get(struct store *s, const char *party_id, struct store_peer *out,
                   struct hl_error *err)
{
    return party_id ? fed_peer_get(s, party_id, NULL, out, err) : fed_missing(err, "party_id");
}

int store_peer_get_by_name(struct store *s, const char *name, struct store_peer *out,
                           struct hl_error *err)
{
    return name ? fed_peer_get(s, NULL, name, out, err) : fed_missing(err, "name");
}

int store_peer_list(struct store *s, store_peer_fn fn, void *ctx, struct hl_error *err)
{
    int r = fed_store(s, err);
    if (!r && !fn)
        r = fed_missing(err, "callback");
    return r ? r : s->ops->peer_list(s, fn, ctx, err);
}

int store_peer_remove(struct store *s, const char *name, struct hl_error *err)
{
    int r = fed_store(s, err);
    if (!r)
        r = fed_text(err, "name", name, STORE_TEXT_MAX, false);
    return r ? r : s->ops->peer_remove(s, name, err);
}

/* ---- pending members ------------------------------------------------------ */

static HL_MUST_CHECK int fed_pending(struct store *s, const char *channel, const char *name,
                                     struct hl_error *err)
{
    int r = fed_store(s, err);
    if (!r)
        r = fed_text(err, "channel", channel, STORE_TEXT_MAX, false);
    if (!r)
        r = fed_text(err, "name", name, STORE_TEXT_MAX, false);
    return r;
}

int store_channel_pending_add(struct store *s, const char *channel, const char *name,
                              struct hl_error *err)
{
    int r = fed_pending(s, channel, name, err);
    return r ? r : s->ops->pending_add(s, channel, name, err);
}

/* A listing's arguments: the store, a channel or NULL (every channel), a
 * callback. */
static HL_MUST_CHECK int fed_list(struct store *s, const char *channel, bool has_fn,
                                  struct hl_error *err)
{
    int r = fed_store(s, err);
    if (!r && channel)
        r = fed_text(err, "channel", channel, STORE_TEXT_MAX, false);
    if (!r && !has_fn)
        r = fed_missing(err, "callback");
    return r;
}

int store_channel_pending_list(struct store *s, const char *channel, store_pending_fn fn, void *ctx,
                               struct hl_error *err)
{
    int r = fed_list(s, channel, fn != NULL, err);
    return r ? r : s->ops->pending_list(s, channel, fn, ctx, err);
}

int store_channel_pending_remove(struct store *s, const char *channel, const char *name,
                                 struct hl_error *err)
{
    int r = fed_pending(s, channel, name, err);
    return r ? r : s->ops->pending_remove(s, channel, name, err);
}

int store_channel_member_retire(struct store *s, const char *channel, const char *party_id,
                                int64_t at_us, struct hl_error *err)
{
    int r = fed_pending(s, channel, party_id, err);
    if (!r && at_us < 0)
        r = hl_fail(err, HL_E_INVALID, "at_us", "store: negative retirement time");
    return r ? r : s->ops->member_retire(s, channel, party_id, at_us, err);
}

int store_channel_member_retired(struct store *s, const char *channel, const char *party_id,
                                 int64_t *at_us, struct hl_error *err)
{
    if (!at_us)
        return fed_missing(err, "at_us");
    *at_us = 0;
    int r = fed_pending(s, channel, party_id, err);
    return r ? r : s->ops->member_retired(s, channel, party_id, at_us, err);
}

int store_channel_active(struct store *s, const char *channel, bool *active, struct hl_error *err)
{
    if (!active)
        return fed_missing(err, "active");
    *active = false;
    int r = fed_store(s, err);
    if (!r)
        r = fed_text(err, "channel", channel, STORE_TEXT_MAX, false);
    if (r)
        return r;
    r = s->ops->channel_active(s, channel, active, err);
    if (r)
        *active = false;
    return r;
}

/* ---- alarms ----------------------------------------------------------------- */

static HL_MUST_CHECK int fed_evidence(struct hl_error *err, const char *what, const uint8_t *p,
                                      size_t n)
{
    if (!p || !n)
        return hl_fail(err, HL_E_INVALID, what, "store: %s is empty", what);
    if (n > STORE_JSON_MAX)
        return hl_fail(err, HL_E_TOO_LARGE, what, "store: %s has %zu bytes, more than %u", what, n,
                       (unsigned)STORE_JSON_MAX);
    return 0;
}

int store_alarm_add(struct store *s, const struct store_alarm *a, bool *added, struct hl_error *err)
{
    bool ignored;
    if (!added)
        added = &ignored;
    *added = false;
    if (!a)
        return fed_missing(err, "alarm");
    int r = fed_store(s, err);
    if (!r)
        r = fed_text(err, "alarm.kind", a->kind, STORE_TEXT_MAX, false);
    if (!r && strcmp(a->kind, STORE_ALARM_EQUIVOCATION) &&
        strcmp(a->kind, STORE_ALARM_HEAD_MISMATCH))
        r = hl_fail(err, HL_E_INVALID, "alarm.kind", "store: unknown alarm kind \"%s\"", a->kind);
    if (!r)
        r = fed_text(err, "alarm.party_id", a->party_id, STORE_TEXT_MAX, false);
    if (!r)
        r = fed_text(err, "alarm.channel", a->channel, STORE_TEXT_MAX, false);
    if (!r)
        r = fed_text(err, "alarm.detail", a->detail, STORE_DETAIL_MAX, true);
    if (!r && a->seq < 0)
        r = hl_fail(err, HL_E_INVALID, "alarm.seq", "store: negative sequence number");
    if (!r)
        r = fed_evidence(err, "alarm.evidence_a", a->evidence_a, a->evidence_a_len);
    if (!r)
        r = fed_evidence(err, "alarm.evidence_b", a->evidence_b, a->evidence_b_len);
    return r ? r : s->ops->alarm_add(s, a, added, err);
}

int store_alarm_list(struct store *s, const char *channel, store_alarm_fn fn, void *ctx,
                     struct hl_error *err)
{
    int r = fed_list(s, channel, fn != NULL, err);
    return r ? r : s->ops->alarm_list(s, channel, fn, ctx, err);
}

/* ---- replication state ------------------------------------------------------ */

static HL_MUST_CHECK int fed_peer_channel(struct store *s, const char *peer_id, const char *channel,
                                          const void *p, struct hl_error *err)
{
    int r = fed_store(s, err);
    if (!r)
        r = fed_text(err, "peer_id", peer_id, STORE_TEXT_MAX, false);
    if (!r)
        r = fed_text(err, "channel", channel, STORE_TEXT_MAX, false);
    if (!r && !p)
        r = fed_missing(err, "state");
    return r;
}

int store_repl_state_put(struct store *s, const char *peer_id, const char *channel,
                         const struct store_repl_state *st, struct hl_error *err)
{
    int r = fed_peer_channel(s, peer_id, channel, st, err);
    if (!r && (st->push_seq < 0 || st->last_ok_us < 0 || st->last_try_us < 0 || st->failures < 0))
        r = hl_fail(err, HL_E_INVALID, "state", "store: negative count or time in repl state");
    if (!r && (st->clock_skew_ms > STORE_CLOCK_SKEW_MAX_MS ||
               st->clock_skew_ms < -STORE_CLOCK_SKEW_MAX_MS))
        r = hl_fail(err, HL_E_INVALID, "state.clock_skew_ms",
                    "store: clock skew %lld ms is out of range", (long long)st->clock_skew_ms);
    if (!r)
        r = fed_text(err, "state.last_error", st->last_error, STORE_DETAIL_MAX, true);
    return r ? r : s->ops->repl_state_put(s, peer_id, channel, st, err);
}

int store_repl_state_get(struct store *s, const char *peer_id, const char *channel,
                         struct store_repl_state *out, struct hl_error *err)
{
    int r = fed_peer_channel(s, peer_id, channel, out, err);
    if (r)
        return r;
    memset(out, 0, sizeof *out);
    r = s->ops->repl_state_get(s, peer_id, channel, out, err);
    if (r)
        memset(out, 0, sizeof *out);
    return r;
}

/* ---- TLP holdings ------------------------------------------------------------- */

int store_tlp_hold(struct store *s, const char *stix_id, const char *channel, const char *tlp,
                   struct hl_error *err)
{
    int r = fed_store(s, err);
    if (!r)
        r = fed_text(err, "stix_id", stix_id, STORE_TEXT_MAX, false);
    if (!r)
        r = fed_text(err, "channel", channel, STORE_TEXT_MAX, false);
    if (!r)
        r = fed_text(err, "tlp", tlp, STORE_TEXT_MAX, false);
    if (!r && strcmp(tlp, STORE_TLP_RED) && strcmp(tlp, STORE_TLP_AMBER_STRICT) &&
        strcmp(tlp, STORE_TLP_AMBER))
        r = hl_fail(err, HL_E_INVALID, "tlp",
                    "store: \"%s\" is not TLP:RED, TLP:AMBER+STRICT or TLP:AMBER", tlp);
    return r ? r : s->ops->tlp_hold(s, stix_id, channel, tlp, err);
}

int store_tlp_find(struct store *s, const char *stix_id, store_tlp_fn fn, void *ctx,
                   struct hl_error *err)
{
    int r = fed_store(s, err);
    if (!r)
        r = fed_text(err, "stix_id", stix_id, STORE_TEXT_MAX, false);
    if (!r && !fn)
        r = fed_missing(err, "callback");
    return r ? r : s->ops->tlp_find(s, stix_id, fn, ctx, err);
}

struct tlp_elsewhere {
    const char *channel;
    char *other, *tlp;
};

static int tlp_other_channel(void *ctx, const char *channel, const char *tlp)
{
    struct tlp_elsewhere *t = ctx;
    if (strcmp(channel, t->channel) == 0)
        return 0;
    memcpy(t->other, channel, strlen(channel) + 1);
    memcpy(t->tlp, tlp, strlen(tlp) + 1);
    return 1;
}

int store_tlp_elsewhere(struct store *s, const char *stix_id, const char *channel, bool *found,
                        char *other, char *tlp, struct hl_error *err)
{
    struct tlp_elsewhere t = {channel, other, tlp};
    if (!found || !other || !tlp)
        return fed_missing(err, "out");
    *found = false;
    other[0] = tlp[0] = '\0';
    int r = fed_text(err, "channel", channel, STORE_TEXT_MAX, false);
    if (!r)
        r = store_tlp_find(s, stix_id, tlp_other_channel, &t, err);
    *found = r == 1;
    return r == 1 ? 0 : r;
}
