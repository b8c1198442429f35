/*
 * sha256.c — SHA-256 for the ledger, through GnuTLS.
 *
 * GnuTLS (nettle underneath) uses the CPU's SHA extensions where present;
 * on the project machine that is about 4x the speed of libsodium's
 * portable SHA-256 (measured by bench/bench_ledger.c). Every hash in the
 * ledger — Merkle leaves and nodes, X.590 digests — goes through here, so
 * the choice of implementation is made once.
 *
 * Invariant: on any failure the output digest is zeroed, never partial.
 */
#include <gnutls/crypto.h>
#include <gnutls/gnutls.h>
#include <string.h>

#include "ledger.h"

int ledger_sha256(const void *data, size_t len, uint8_t out[static 32])
{
    /* gnutls_hash_fast rejects a NULL pointer even for zero bytes. */
    static const uint8_t empty;
    if (gnutls_hash_fast(GNUTLS_DIG_SHA256, len ? data : &empty, len, out) < 0) {
        memset(out, 0, 32);
        return -HL_E_CRYPTO;
    }
    return 0;
}

int ledger_sha256_init(struct ledger_sha256 *h)
{
    gnutls_hash_hd_t hd;
    h->hd = NULL;
    if (gnutls_hash_init(&hd, GNUTLS_DIG_SHA256) < 0)
        return -HL_E_CRYPTO;
    h->hd = hd;
    return 0;
}

int ledger_sha256_update(struct ledger_sha256 *h, const void *data, size_t len)
{
    if (!h->hd)
        return -HL_E_INVALID;
    if (len == 0)
        return 0;
    return gnutls_hash((gnutls_hash_hd_t)h->hd, data, len) < 0 ? -HL_E_CRYPTO : 0;
}

int ledger_sha256_final(struct ledger_sha256 *h, uint8_t out[static 32])
{
    if (!h->hd) {
        memset(out, 0, 32);
        return -HL_E_INVALID;
    }
    gnutls_hash_deinit((gnutls_hash_hd_t)h->hd, out);
    h->hd = NULL;
    return 0;
}

void ledger_sha256_release(struct ledger_sha256 *h)
{
    if (h->hd) {
        gnutls_hash_deinit((gnutls_hash_hd_t)h->hd, NULL);
        h->hd = NULL;
    }
}
