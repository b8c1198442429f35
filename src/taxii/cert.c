/*
 * cert.c — POST /api/hotline/certificate/next: a peer node announces the
 * TLS certificate it will present next (docs/federation.md section 12).
 *
 * Peers pin each other's certificate by its SHA-256. A node whose
 * certificate is renewed (`hotline cert next`) has its replication worker
 * tell every peer the fingerprint of the new one, in a statement signed
 * with its party key (seal_statement_sign, context
 * SEAL_NEXT_CERT_CONTEXT, A the party's identity id, B the fingerprint).
 * This node takes it only from that party's own account, checks the
 * signature with the party's key, and keeps the fingerprint beside the
 * pinned one (peers.next_cert_sha256): the exchange then accepts either,
 * and pins the new one for good once the peer presents it. No operator
 * of another node has to act.
 *
 * The body: {"party", "next_cert_sha256", "signature"} (application/json).
 * The answer: 200 {"party", "next_cert_sha256"}; 400 a malformed body
 * (where, for JSON that does not parse); 413 past max_content_length;
 * 403 not a peer's account, or another party's statement; 422 a
 * signature that does not verify.
 */
#include <stdio.h>
#include <string.h>

#include <sodium.h>

#include "stix/stix.h"
#include "taxii_int.h"

/* Keeps fp as party's next certificate (none when it is the pinned one). */
static int cert_next_store(struct taxii_ctx *c, const char *party, const char *fp,
                           struct hl_error *err)
{
    struct store_peer p;
    int r = taxii_write_begin(c, err);
    if (r)
        return r;
    r = store_peer_get(c->store, party, &p, err);
    if (!r) {
        snprintf(p.next_cert_sha256, sizeof p.next_cert_sha256, "%s",
                 strcmp(fp, p.cert_sha256) ? fp : "");
        r = store_peer_put(c->store, &p, err);
    }
    sodium_memzero(&p, sizeof p);
    return taxii_write_end(c, r, err);
}

void taxii_ep_cert_next(struct taxii_ctx *c)
{
    struct hl_error err;
    struct store_party who;
    hl_error_clear(&err);
    if (!c->user.party[0]) {
        taxii_error(c, 403, "Forbidden", "only a peer node's account announces its certificate");
        return;
    }
    json_t *doc = NULL;
    if (c->body_too_large) {
        taxii_error(c, 413, "Payload too large", "the body exceeds max_content_length, %zu bytes",
                    taxii_max_content_length(c->srv));
        return;
    }
    /* The strict parse of every body (depth, UTF-8, duplicate keys). */
    if (!c->body || stix_parse(c->body->data, c->body->len, &doc, &err)) {
        taxii_error(c, 400, "Bad request", "the body is not JSON this node accepts: %s%s%s",
                    err.where[0] ? err.where : "", err.where[0] ? ": " : "",
                    c->body ? err.msg : "no body");
        return;
    }
    const char *party = json_string_value(json_object_get(doc, "party"));
    const char *fp = json_string_value(json_object_get(doc, "next_cert_sha256"));
    const char *sig = json_string_value(json_object_get(doc, "signature"));
    if (!json_is_object(doc) || !party || !sig || !hl_hex_is(fp, STORE_FINGERPRINT_LEN))
        taxii_error(c, 400, "Bad request",
                    "the body is {\"party\", \"next_cert_sha256\" (64 lowercase hex digits), "
                    "\"signature\"}");
    else if (strcmp(party, c->user.party) != 0)
        taxii_error(c, 403, "Forbidden", "you are %s; a party announces only its own certificate",
                    c->user.party);
    else if (store_party_get(c->store, party, &who, &err) != 0)
        taxii_fail(c, &err);
    else if (!seal_statement_verify(who.public_key, SEAL_NEXT_CERT_CONTEXT, party, fp, sig))
        taxii_error(c, 422, "Unprocessable", "the signature does not verify with the key of %s",
                    party);
    else if (cert_next_store(c, party, fp, &err) != 0)
        taxii_fail(c, &err);
    else if (taxii_json(c, 200, json_pack("{s:s, s:s}", "party", party, "next_cert_sha256", fp)) ==
                 0 &&
             c->srv->o.log) {
        char line[STORE_TEXT_MAX * 2 + 160];
        snprintf(line, sizeof line,
                 "peer %s (%s) announced its next certificate, sha256 %s: pinned beside its "
                 "current one until it presents it",
                 c->user.name, party, fp);
        c->srv->o.log(c->srv->o.log_ctx, line);
    }
    if (c->resp->status == 200)
        c->resp->content_type = "application/json";
    json_decref(doc);
}
