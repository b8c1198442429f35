/*
 * seal.c — ITU-T X.590 (10/2023) JSON Signature Scheme with Ed25519, and
 * the hotline seal built on it.
 *
 * An X.590 signature entry, one element of the object's top-level
 * "signatures" array (X.590 §6.2):
 *     algorithm        "Ed25519"
 *     hash_algorithm   "sha-256"
 *     public_key       base64, no padding, of the DER SubjectPublicKeyInfo
 *     value            base64url, no padding, of the 64-byte signature
 * (other members an entry carries are covered by its signature).
 *
 * Signing (X.590 §7.1): set the existing signatures aside (§7.1.2), make
 * the new entry without value the only element (§7.1.3), take the RFC 8785
 * form of the whole object (§7.1.4), SHA-256 it (§7.1.5), sign the 64
 * lowercase hex characters of the hash (§7.1.6), put the signature in
 * value and put the earlier signatures back before the new one (§7.1.7).
 * Verification (X.590 §8.1) reverses it for each entry: the object with
 * that entry alone, its value removed. Signatures are thus independent:
 * adding or removing another one never breaks them, and every other byte
 * of the object is covered. (The three vectors in shared/data/x590, made
 * by the reference tooling, carry one entry each and verify this way.)
 *
 * Strictness: exact lengths are checked before decoding; base64 must be
 * canonical (re-encoding gives the same text); the SPKI prefix must match
 * byte for byte; libsodium refuses non-canonical S and small-order keys.
 *
 * The hotline seal adds three top-level properties, declared by the
 * toplevel-property-extension extensions/hotline-seal.json (STIX 2.1 §7.3):
 *     hotline_party    identity id of the publishing party
 *     hotline_channel  channel name
 *     hotline_seq      the object's sequence number in the party's log
 * and "extensions": {SEAL_EXTENSION_ID: {"extension_type":
 * "toplevel-property-extension"}}, then signs it all with x590_sign.
 */
#include <sodium.h>
#include <stdio.h>
#include <string.h>

#include "ledger.h"
#include "stix/stix.h"

#define SIG_B64_LEN 86 /* base64url of 64 bytes, unpadded */
#define CANON_MAX ((size_t)HL_MAX_DOCUMENT_BYTES * 6)
#define EXT_TYPE "toplevel-property-extension"

/* The X.590 digest: lowercase hex of SHA-256 of the RFC 8785 form of obj
 * with its top-level signatures replaced by [entry]. */
static int x590_digest_keep(const json_t *obj, json_t *entry, char hex[65], struct buf *keep,
                            struct hl_error *err)
{
    struct buf canon;
    uint8_t hash[32];
    int rc;
    json_t *view = json_copy((json_t *)obj); /* shallow: members are shared */
    json_t *sigs = json_array();
    buf_init(&canon, CANON_MAX);
    if (keep)
        buf_clear(keep);
    if (!view || !sigs || json_array_append(sigs, entry) ||
        json_object_set(view, "signatures", sigs)) {
        rc = hl_fail(err, HL_E_NOMEM, NULL, "out of memory");
        goto out;
    }
    rc = stix_canon(view, keep ? keep : &canon, err); /* X.590 §7.1.4 */
    if (rc)
        goto out;
    const struct buf *c = keep ? keep : &canon;
    if (ledger_sha256(c->data, c->len, hash)) { /* X.590 §7.1.5 */
        rc = hl_fail(err, HL_E_CRYPTO, NULL, "SHA-256 failed");
        goto out;
    }
    hl_hex(hex, hash, sizeof hash);
out:
    json_decref(sigs);
    json_decref(view);
    buf_release(&canon);
    return rc;
}

static int x590_digest(const json_t *obj, json_t *entry, char hex[65], struct hl_error *err)
{
    return x590_digest_keep(obj, entry, hex, NULL, err);
}

/* The first n bytes equal to pat in [p, end), or NULL. */
static const uint8_t *find_bytes(const uint8_t *p, const uint8_t *end, const char *pat, size_t n)
{
    while (p && (size_t)(end - p) >= n) {
        p = memchr(p, pat[0], (size_t)(end - p) - n + 1);
        if (!p || memcmp(p, pat, n) == 0)
            return p;
        p++;
    }
    return NULL;
}

/* After signing an object that had no signatures: its RFC 8785 form is
 * the signed form (in out) with the entry's value member added, last in
 * the entry (members sort by name: algorithm, hash_algorithm, public_key,
 * value). Done in place where the entry's text occurs once; otherwise
 * (1) the caller canonicalizes the object the long way. */
static int canon_add_value(struct buf *out, const char *spki, const char *b64)
{
    char pat[160];
    int n = snprintf(pat, sizeof pat,
                     "\"signatures\":[{\"algorithm\":\"Ed25519\",\"hash_algorithm\":"
                     "\"sha-256\",\"public_key\":\"%s\"}]",
                     spki);
    if (n <= 0 || (size_t)n >= sizeof pat)
        return 1;
    const uint8_t *start = (const uint8_t *)out->data, *end = start + out->len;
    const uint8_t *hit = find_bytes(start, end, pat, (size_t)n);
    if (!hit || find_bytes(hit + 1, end, pat, (size_t)n))
        return 1;
    char ins[SIG_B64_LEN + 16];
    int m = snprintf(ins, sizeof ins, ",\"value\":\"%s\"", b64);
    size_t at = (size_t)(hit - start) + (size_t)n - 2; /* before the entry's '}' */
    size_t tail = out->len - at;
    if (m <= 0 || buf_grow(out, (size_t)m))
        return 1;
    memmove(out->data + at + m, out->data + at, tail + 1); /* with its NUL */
    memcpy(out->data + at, ins, (size_t)m);
    out->len += (size_t)m;
    return 0;
}

/* X.590 §7.1.4-7.1.6 for an object whose signatures are [entry] alone:
 * its RFC 8785 form (into canon, which stays that form), SHA-256, and
 * the Ed25519 signature of the hash's hex, base64url into b64. */
static int x590_sign_digest(const json_t *obj, const struct seal_key *key, struct buf *canon,
                            char b64[SIG_B64_LEN + 1], struct hl_error *err)
{
    uint8_t hash[32], sig[SEAL_SIG_BYTES];
    char hex[65];
    buf_clear(canon);
    int rc = stix_canon(obj, canon, err); /* X.590 §7.1.4 */
    if (rc)
        return rc;
    if (ledger_sha256(canon->data, canon->len, hash)) /* X.590 §7.1.5 */
        return hl_fail(err, HL_E_CRYPTO, NULL, "SHA-256 failed");
    hl_hex(hex, hash, sizeof hash);
    /* X.590 §7.1.6: the signed message is the hex string of the hash. */
    if (crypto_sign_detached(sig, NULL, (const unsigned char *)hex, 64, key->sk) != 0)
        return hl_fail(err, HL_E_CRYPTO, NULL, "Ed25519 signing failed");
    sodium_bin2base64(b64, SIG_B64_LEN + 1, sig, sizeof sig,
                      sodium_base64_VARIANT_URLSAFE_NO_PADDING);
    return 0;
}

/* x590_sign of an object without signatures, the common case of a fresh
 * seal: the entry goes straight into obj (no copy of the object is made:
 * for a 1.7 KB object the copies cost a third of the signature), and
 * comes out again on failure. */
static int x590_sign_fresh(json_t *obj, const struct seal_key *key, json_t *entry,
                           const char *spki, struct buf *canon_out, struct hl_error *err)
{
    char b64[SIG_B64_LEN + 1];
    struct buf scratch, *canon = canon_out ? canon_out : &scratch;
    json_t *sigs = json_array();
    buf_init(&scratch, CANON_MAX);
    int rc = 0;
    if (!sigs || json_array_append(sigs, entry) || json_object_set_new(obj, "signatures", sigs)) {
        sigs = NULL; /* json_object_set_new released it on failure */
        rc = hl_fail(err, HL_E_NOMEM, NULL, "out of memory");
        goto out;
    }
    rc = x590_sign_digest(obj, key, canon, b64, err);
    if (!rc && json_object_set_new(entry, "value", json_string(b64)))
        rc = hl_fail(err, HL_E_NOMEM, NULL, "out of memory");
    if (!rc && canon_out && canon_add_value(canon_out, spki, b64) != 0) {
        buf_clear(canon_out);
        rc = stix_canon(obj, canon_out, err);
    }
out:
    if (rc)
        json_object_del(obj, "signatures");
    buf_release(&scratch);
    return rc;
}

/* x590_sign; with canon_out (may be NULL) also the signed object's RFC
 * 8785 form, without canonicalizing it a second time when it can. */
static int x590_sign_canon(json_t *obj, const struct seal_key *key, struct buf *canon_out,
                           struct hl_error *err)
{
    if (!json_is_object(obj))
        return hl_fail(err, HL_E_INVALID, NULL, "only a JSON object can be signed");
    json_t *old = json_object_get(obj, "signatures");
    if (old && !json_is_array(old))
        return hl_fail(err, HL_E_INVALID, "signatures", "signatures is not an array");
    if (old && json_array_size(old) >= X590_MAX_SIGNATURES)
        return hl_fail(err, HL_E_TOO_LARGE, "signatures", "more than %d signatures",
                       X590_MAX_SIGNATURES);
    if (sodium_init() < 0)
        return hl_fail(err, HL_E_CRYPTO, NULL, "libsodium cannot be initialised");

    char spki[SEAL_SPKI_B64_MAX], hex[65], b64[SIG_B64_LEN + 1];
    uint8_t sig[SEAL_SIG_BYTES];
    int rc;
    seal_spki_encode(key->pk, spki);
    json_t *all = NULL;
    json_t *entry = json_pack("{s:s, s:s, s:s}", "algorithm", "Ed25519", "hash_algorithm",
                              "sha-256", "public_key", spki); /* X.590 §7.1.3 */
    if (!entry) {
        rc = hl_fail(err, HL_E_NOMEM, NULL, "out of memory");
        goto out;
    }
    if (!old) {
        rc = x590_sign_fresh(obj, key, entry, spki, canon_out, err);
        goto out;
    }
    rc = x590_digest_keep(obj, entry, hex, canon_out, err);
    if (rc)
        goto out;
    /* X.590 §7.1.6: the signed message is the hex string of the hash. */
    if (crypto_sign_detached(sig, NULL, (const unsigned char *)hex, 64, key->sk) != 0) {
        rc = hl_fail(err, HL_E_CRYPTO, NULL, "Ed25519 signing failed");
        goto out;
    }
    sodium_bin2base64(b64, sizeof b64, sig, sizeof sig, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
    /* X.590 §7.1.7: earlier signatures, then the new one. */
    all = json_copy(old);
    if (!all || json_object_set_new(entry, "value", json_string(b64)) ||
        json_array_append(all, entry) || json_object_set(obj, "signatures", all)) {
        rc = hl_fail(err, HL_E_NOMEM, NULL, "out of memory");
        goto out;
    }
    if (canon_out) {
        buf_clear(canon_out);
        rc = stix_canon(obj, canon_out, err);
    }
out:
    json_decref(all);
    json_decref(entry);
    return rc;
}

int x590_sign(json_t *obj, const struct seal_key *key, struct hl_error *err)
{
    return x590_sign_canon(obj, key, NULL, err);
}

/* Checks a string member of a signature entry against the one value we
 * accept. */
static int entry_expect(const json_t *entry, const char *name, const char *want, const char *where,
                        struct hl_error *err)
{
    const char *s = json_string_value(json_object_get(entry, name));
    if (!s || strcmp(s, want) != 0)
        return hl_fail(err, HL_E_VERIFY, where, "%s must be \"%s\"", name, want);
    return 0;
}

/* The X.590 digest of an object whose RFC 8785 form canon is known and
 * whose one signature entry carries value: canon without the entry's
 * `,"value":"..."` member is exactly the form X.590 §8.1.4 hashes (members
 * keep their order and escapes when one is removed). Usable only if that
 * text occurs once in canon (inside a string a '"' is always escaped, so
 * only a member can match); 1 if it does not, and the caller hashes the
 * long way. */
static int x590_digest_spliced(const uint8_t *canon, size_t len, const char *value, char hex[65],
                               struct hl_error *err)
{
    char pat[SIG_B64_LEN + 16];
    int plen = snprintf(pat, sizeof pat, ",\"value\":\"%s\"", value);
    const uint8_t *hit = NULL, *p = canon, *end = canon + len;
    while (plen > 0 && (p = find_bytes(p, end, pat, (size_t)plen)) != NULL) {
        if (hit)
            return 1;
        hit = p++;
    }
    if (!hit)
        return 1;
    struct ledger_sha256 h;
    uint8_t hash[32];
    if (ledger_sha256_init(&h) || ledger_sha256_update(&h, canon, (size_t)(hit - canon)) ||
        ledger_sha256_update(&h, hit + plen, (size_t)(end - hit - plen)) ||
        ledger_sha256_final(&h, hash)) {
        ledger_sha256_release(&h);
        return hl_fail(err, HL_E_CRYPTO, NULL, "SHA-256 failed");
    }
    hl_hex(hex, hash, sizeof hash);
    return 0;
}

/* Verifies entry i of obj's signatures; its signer into pk. canon (may
 * be NULL) is obj's RFC 8785 form, known only when obj has one entry. */
static int x590_verify_entry(const json_t *obj, const json_t *entry, const char *where,
                             const uint8_t *canon, size_t canon_len, uint8_t pk[32],
                             struct hl_error *err)
{
    uint8_t sig[SEAL_SIG_BYTES];
    char hex[65], again[SIG_B64_LEN + 1];
    size_t n = 0;
    const char *end = NULL;
    if (!json_is_object(entry))
        return hl_fail(err, HL_E_VERIFY, where, "a signature entry must be an object");
    int rc = entry_expect(entry, "algorithm", "Ed25519", where, err);
    if (rc == 0)
        rc = entry_expect(entry, "hash_algorithm", "sha-256", where, err);
    if (rc)
        return rc;
    const char *spki = json_string_value(json_object_get(entry, "public_key"));
    if (!spki)
        return hl_fail(err, HL_E_VERIFY, where, "public_key is missing");
    struct hl_error why;
    hl_error_clear(&why);
    if (seal_spki_decode(spki, pk, &why))
        return hl_fail(err, HL_E_VERIFY, where, "%s", why.msg);
    /* X.590 §8.1.2: value, base64url without padding, exactly 64 bytes. */
    const char *value = json_string_value(json_object_get(entry, "value"));
    if (!value || strlen(value) != SIG_B64_LEN ||
        sodium_base642bin(sig, sizeof sig, value, SIG_B64_LEN, NULL, &n, &end,
                          sodium_base64_VARIANT_URLSAFE_NO_PADDING) != 0 ||
        n != sizeof sig || end != value + SIG_B64_LEN)
        return hl_fail(err, HL_E_VERIFY, where, "value is not 86 characters of base64url");
    sodium_bin2base64(again, sizeof again, sig, sizeof sig,
                      sodium_base64_VARIANT_URLSAFE_NO_PADDING);
    if (strcmp(again, value) != 0)
        return hl_fail(err, HL_E_VERIFY, where, "value is not canonical base64url");

    rc = canon ? x590_digest_spliced(canon, canon_len, value, hex, err) : 1;
    if (rc == 1) {
        json_t *bare = json_copy((json_t *)entry);
        if (!bare || json_object_del(bare, "value")) {
            json_decref(bare);
            return hl_fail(err, HL_E_NOMEM, where, "out of memory");
        }
        rc = x590_digest(obj, bare, hex, err); /* X.590 §8.1.4, §8.1.5 */
        json_decref(bare);
    }
    if (rc)
        return rc;
    /* X.590 §8.1.6 */
    if (crypto_sign_verify_detached(sig, (const unsigned char *)hex, 64, pk) != 0)
        return hl_fail(err, HL_E_VERIFY, where, "the Ed25519 signature does not verify");
    return 0;
}

static int x590_verify(const json_t *obj, const uint8_t *canon, size_t canon_len,
                       struct x590_result *out, struct hl_error *err)
{
    struct x590_result tmp;
    struct x590_result *r = out ? out : &tmp;
    memset(r, 0, sizeof *r);
    if (sodium_init() < 0)
        return hl_fail(err, HL_E_CRYPTO, NULL, "libsodium cannot be initialised");
    if (!json_is_object(obj))
        return hl_fail(err, HL_E_VERIFY, NULL, "not a JSON object");
    const json_t *sigs = json_object_get(obj, "signatures");
    if (!json_is_array(sigs) || json_array_size(sigs) == 0)
        return hl_fail(err, HL_E_VERIFY, "signatures", "no top-level signatures array");
    size_t count = json_array_size(sigs);
    if (count > X590_MAX_SIGNATURES)
        return hl_fail(err, HL_E_VERIFY, "signatures", "more than %d signatures",
                       X590_MAX_SIGNATURES);
    for (size_t i = 0; i < count; i++) {
        char where[32];
        snprintf(where, sizeof where, "signatures[%zu]", i);
        int rc = x590_verify_entry(obj, json_array_get(sigs, i), where, count == 1 ? canon : NULL,
                                   canon_len, r->pk[i], err);
        if (rc) {
            memset(r, 0, sizeof *r);
            return rc;
        }
    }
    r->n = count;
    return 0;
}

int x590_verify_all(const json_t *obj, struct x590_result *out, struct hl_error *err)
{
    return x590_verify(obj, NULL, 0, out, err);
}

/* "identity--" and a UUID in its 8-4-4-4-12 hex form. STIX 2.1 §2.9 */
static bool seal_party_valid(const char *s)
{
    static const char prefix[] = "identity--";
    if (strlen(s) != SEAL_PARTY_MAX - 1 || strncmp(s, prefix, sizeof prefix - 1) != 0)
        return false;
    const char *u = s + sizeof prefix - 1;
    for (int i = 0; i < 36; i++) {
        bool dash = i == 8 || i == 13 || i == 18 || i == 23;
        char c = u[i];
        bool hex = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
        if (dash ? c != '-' : !hex)
            return false;
    }
    return true;
}

bool seal_channel_valid(const char *s)
{
    size_t n = strlen(s);
    if (n == 0 || n > SEAL_CHANNEL_MAX)
        return false;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        bool alnum = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
        if (!alnum && (i == 0 || (c != '.' && c != '_' && c != '-')))
            return false;
    }
    return true;
}

/* *out = a copy of obj's extensions (or a new object) declaring the
 * seal's extension; a new reference the caller decrefs. NULL on failure. */
static int seal_extensions(const json_t *obj, json_t **out, struct hl_error *err)
{
    *out = NULL;
    const json_t *ext = json_object_get(obj, "extensions");
    if (ext && !json_is_object(ext)) /* STIX 2.1 §3.2: extensions is a dictionary */
        return hl_fail(err, HL_E_STIX, "extensions", "extensions is not an object");
    json_t *copy = ext ? json_copy((json_t *)ext) : json_object();
    json_t *decl = json_object(); /* STIX 2.1 §7.3; every object: no json_pack format parse */
    if (decl &&
        json_object_set_new_nocheck(decl, "extension_type", json_string_nocheck(EXT_TYPE))) {
        json_decref(decl);
        decl = NULL;
    }
    if (!copy || !decl || json_object_set_new(copy, SEAL_EXTENSION_ID, decl)) {
        if (!copy)
            json_decref(decl); /* json_object_set_new took it otherwise */
        json_decref(copy);
        return hl_fail(err, HL_E_NOMEM, NULL, "out of memory");
    }
    *out = copy;
    return 0;
}

int seal_object_canon(json_t *obj, const struct seal_key *key, const char *party,
                      const char *channel, uint64_t seq, struct buf *canon_out,
                      struct hl_error *err)
{
    if (!json_is_object(obj))
        return hl_fail(err, HL_E_INVALID, NULL, "only a JSON object can be sealed");
    if (!seal_party_valid(party))
        return hl_fail(err, HL_E_INVALID, SEAL_PROP_PARTY, "'%s' is not an identity id", party);
    if (!seal_channel_valid(channel))
        return hl_fail(err, HL_E_INVALID, SEAL_PROP_CHANNEL, "'%s' is not a channel name", channel);
    if (seq > (uint64_t)HL_IJSON_MAX_INT) /* RFC 7493 §2.2 */
        return hl_fail(err, HL_E_INVALID, SEAL_PROP_SEQ, "sequence number beyond 2^53 - 1");
    const char *props[] = {SEAL_PROP_PARTY, SEAL_PROP_CHANNEL, SEAL_PROP_SEQ};
    for (size_t i = 0; i < 3; i++) {
        if (json_object_get(obj, props[i]))
            return hl_fail(err, HL_E_EXISTS, props[i], "the object is already sealed");
    }
    /* The properties go straight into obj (a copy of a 1.7 KB object costs
     * a fifth of a seal) and come out again if signing fails. */
    json_t *ext = NULL, *old_ext = json_incref(json_object_get(obj, "extensions"));
    int rc = seal_extensions(obj, &ext, err);
    if (rc)
        goto out;
    if (json_object_set_new(obj, SEAL_PROP_PARTY, json_string(party)) ||
        json_object_set_new(obj, SEAL_PROP_CHANNEL, json_string(channel)) ||
        json_object_set_new(obj, SEAL_PROP_SEQ, json_integer((json_int_t)seq)) ||
        json_object_set(obj, "extensions", ext))
        rc = hl_fail(err, HL_E_NOMEM, NULL, "out of memory");
    if (!rc)
        rc = x590_sign_canon(obj, key, canon_out, err);
    if (rc) {
        for (size_t i = 0; i < 3; i++)
            json_object_del(obj, props[i]);
        if (old_ext)
            json_object_set(obj, "extensions", old_ext);
        else
            json_object_del(obj, "extensions");
    }
out:
    json_decref(ext);
    json_decref(old_ext);
    return rc;
}

int seal_object(json_t *obj, const struct seal_key *key, const char *party, const char *channel,
                uint64_t seq, struct hl_error *err)
{
    return seal_object_canon(obj, key, party, channel, seq, NULL, err);
}

/* Reads and checks the three seal properties and the extension. */
static int seal_read_props(const json_t *obj, struct seal_info *info, struct hl_error *err)
{
    const char *party = json_string_value(json_object_get(obj, SEAL_PROP_PARTY));
    if (!party || !seal_party_valid(party))
        return hl_fail(err, HL_E_VERIFY, SEAL_PROP_PARTY, "missing or not an identity id");
    const char *channel = json_string_value(json_object_get(obj, SEAL_PROP_CHANNEL));
    if (!channel || !seal_channel_valid(channel))
        return hl_fail(err, HL_E_VERIFY, SEAL_PROP_CHANNEL, "missing or not a channel name");
    const json_t *seq = json_object_get(obj, SEAL_PROP_SEQ);
    if (!json_is_integer(seq) || json_integer_value(seq) < 0 ||
        json_integer_value(seq) > HL_IJSON_MAX_INT)
        return hl_fail(err, HL_E_VERIFY, SEAL_PROP_SEQ, "missing or not an integer >= 0");
    /* STIX 2.1 §7.3: a toplevel-property-extension is declared in extensions. */
    const json_t *decl = json_object_get(json_object_get(obj, "extensions"), SEAL_EXTENSION_ID);
    const char *type = json_string_value(json_object_get(decl, "extension_type"));
    if (!type || strcmp(type, EXT_TYPE) != 0)
        return hl_fail(err, HL_E_VERIFY, "extensions",
                       "the hotline seal extension is not declared as " EXT_TYPE);
    memcpy(info->party, party, SEAL_PARTY_MAX);
    snprintf(info->channel, sizeof info->channel, "%s", channel);
    info->seq = (uint64_t)json_integer_value(seq);
    return 0;
}

static int seal_check(const json_t *obj, const uint8_t *canon, size_t canon_len,
                      struct seal_info *out, struct hl_error *err)
{
    struct seal_info tmp;
    struct seal_info *info = out ? out : &tmp;
    struct x590_result res;
    memset(info, 0, sizeof *info);
    if (!json_is_object(obj))
        return hl_fail(err, HL_E_VERIFY, NULL, "not a JSON object");
    int rc = seal_read_props(obj, info, err);
    if (rc == 0)
        rc = x590_verify(obj, canon, canon_len, &res, err);
    if (rc) {
        memset(info, 0, sizeof *info);
        return rc;
    }
    memcpy(info->pk, res.pk[0], 32);
    info->n_signatures = res.n;
    return 0;
}

int seal_verify(const json_t *obj, struct seal_info *out, struct hl_error *err)
{
    return seal_check(obj, NULL, 0, out, err);
}

int seal_verify_canonical(const json_t *obj, const uint8_t *canon, size_t len,
                          struct seal_info *out, struct hl_error *err)
{
    return seal_check(obj, canon, len, out, err);
}
