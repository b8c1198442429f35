/*
 * cert.c — the replication worker's side of a certificate renewal
 * (docs/federation.md section 12).
 *
 * Announcing: when the node runs with a next certificate
 * (exchange_options.next_cert_sha256: `hotline cert next` made
 * DIR/tls.next.crt), the worker tells each member's node once per run,
 * POST /api/hotline/certificate/next/ with the statement signed by our
 * party key (seal_statement_sign, SEAL_NEXT_CERT_CONTEXT). The member
 * keeps it beside our pinned certificate.
 *
 * Taking: a member that announced its next certificate to us has it in
 * peers.next_cert_sha256, and the client takes either (client.c,
 * pin_for); once the member presents the announced one, it becomes the
 * pinned certificate (and the announcement is spent).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "repl_int.h"

#define CERT_NEXT_PATH "/api/hotline/certificate/next/"
#define CERT_RETRY_MS (10 * 60 * 1000) /* after a refusal */

int exchange_next_cert_set(struct exchange *x, const char *sha256, struct hl_error *err)
{
    char cert[EXCHANGE_FINGERPRINT_LEN + 1] = "", sig[SEAL_STATEMENT_SIG_B64] = "";
    if (sha256 && sha256[0]) {
        if (!hl_hex_is(sha256, EXCHANGE_FINGERPRINT_LEN))
            return hl_fail(err, HL_E_INVALID, "next_cert_sha256",
                           "not a SHA-256 in lowercase hex: %.80s", sha256);
        memcpy(cert, sha256, EXCHANGE_FINGERPRINT_LEN + 1);
        int r = seal_statement_sign(x->o.me->key, SEAL_NEXT_CERT_CONTEXT, x->o.me->party, cert, sig,
                                    err);
        if (r)
            return r;
    }
    pthread_mutex_lock(&x->lock);
    bool changed = strcmp(x->next_cert, cert) != 0;
    if (changed) {
        memcpy(x->next_cert, cert, sizeof cert);
        memcpy(x->next_sig, sig, sizeof sig);
        x->next_gen++;
    }
    pthread_mutex_unlock(&x->lock);
    if (changed)
        exchange_wake(x, NULL);
    return 0;
}

void repl_cert_announce(struct exchange *x, struct pair *p, struct target *t)
{
    struct exchange_answer a;
    struct hl_error err;
    char cert[EXCHANGE_FINGERPRINT_LEN + 1], sig[SEAL_STATEMENT_SIG_B64];
    pthread_mutex_lock(&x->lock);
    memcpy(cert, x->next_cert, sizeof cert);
    memcpy(sig, x->next_sig, sizeof sig);
    uint64_t gen = x->next_gen;
    pthread_mutex_unlock(&x->lock);
    if (p->next_gen != gen) { /* another next certificate, or none now */
        p->next_gen = gen;
        p->next_announced = p->next_refused = false;
        p->next_retry_ms = 0;
    }
    if (!cert[0] || p->next_announced || hl_mono_ms() < p->next_retry_ms)
        return;
    hl_error_clear(&err);
    json_t *body = json_pack("{s:s, s:s, s:s}", "party", x->o.me->party, "next_cert_sha256", cert,
                             "signature", sig);
    char *text = body ? json_dumps(body, JSON_COMPACT) : NULL;
    json_decref(body);
    if (!text)
        return;
    exchange_answer_init(&a);
    int r = exchange_client_request(x->client, &t->t, "POST", CERT_NEXT_PATH, text, strlen(text),
                                    &a, &err);
    free(text);
    if (!r && a.status != 200)
        r = hl_fail(&err, HL_E_IO, t->peer.name, "HTTP %ld: %.200s", a.status, a.body.data);
    exchange_answer_release(&a);
    if (!r) {
        p->next_announced = true;
        repl_log(x, "exchange %s (%s) in %s: announced our next certificate, sha256 %s", p->name,
                 p->party, p->channel, cert);
        return;
    }
    p->next_retry_ms = hl_mono_ms() + CERT_RETRY_MS;
    if (!p->next_refused) {
        p->next_refused = true; /* said once; tried again every CERT_RETRY_MS */
        repl_log(x, "exchange %s (%s) in %s: cannot announce our next certificate: %s", p->name,
                 p->party, p->channel, err.msg);
    }
}

void repl_cert_promote(struct exchange *x, struct pair *p, const struct target *t)
{
    struct store_peer peer;
    struct hl_error err;
    if (!t->peer.next_cert_sha256[0] || !exchange_client_presents_next(x->client, t->peer.url))
        return;
    hl_error_clear(&err);
    if (repl_tx_begin(x, true, &err))
        return;
    int r = store_peer_get(x->store, p->party, &peer, &err);
    bool same = !r && strcmp(peer.next_cert_sha256, t->peer.next_cert_sha256) == 0;
    if (same) {
        memcpy(peer.cert_sha256, peer.next_cert_sha256, sizeof peer.cert_sha256);
        peer.next_cert_sha256[0] = '\0';
        r = store_peer_put(x->store, &peer, &err);
    }
    sodium_memzero(&peer, sizeof peer);
    r = repl_tx_end(x, r, &err);
    if (r)
        repl_log(x, "exchange %s (%s): cannot pin its new certificate: %s", p->name, p->party,
                 err.msg);
    else if (same)
        repl_log(x,
                 "exchange %s (%s): it presents the certificate it announced, sha256 %s: pinned "
                 "from now on",
                 p->name, p->party, t->peer.next_cert_sha256);
}
