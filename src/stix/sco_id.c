/*
 * sco_id.c — STIX identifiers made by hotline: random ones (UUIDv4, for
 * SDOs, SROs, SMOs and SCOs without ID-contributing properties) and the
 * deterministic identifiers of STIX Cyber-observable Objects (UUIDv5).
 *
 * Deterministic SCO identifier (STIX 2.1 §2.9, RFC 4122 §4.3):
 *
 *   name  = RFC 8785 form of {p: obj[p] for each ID-contributing property p
 *           of the type that obj has}          (list: the type's table row)
 *   hash  = SHA-1(namespace bytes || name)
 *           namespace = 00abedb4-aa42-466c-9c01-fed23315a9b7 (16 bytes)
 *   uuid  = hash[0..15], then byte 6 = 0x50 | (byte 6 & 0x0f)   (version 5)
 *                             byte 8 = 0x80 | (byte 8 & 0x3f)   (variant)
 *   id    = type + "--" + lowercase 8-4-4-4-12 hex of uuid
 *
 * "hashes", when it contributes, contributes one hash only: MD5, else
 * SHA-1, else SHA-256, else SHA-512 (STIX 2.1 §6.1, §6.7: "include only
 * one hash ... [MD5, SHA-1, SHA-256, SHA-512]"); a dictionary with none of
 * them contributes its first member in document order, as the OASIS
 * python-stix2 library does. Other values contribute whole, nested
 * dictionaries included (file "extensions", registry key "values").
 *
 * When the type has no ID-contributing properties (process) or the object
 * has none of them, the spec requires a UUIDv4 (§2.9), which is what
 * stix_sco_id then returns, with *deterministic false.
 *
 * Random identifiers: 16 bytes from getrandom(2), version 4 and variant
 * bits set (RFC 4122 §4.4). Output buffers are always NUL-terminated; on
 * failure they hold "".
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>

#include <gnutls/crypto.h>

#include "stix_int.h"

/* The name of the name space of deterministic SCO ids (STIX 2.1 §2.9). */
static const uint8_t sco_namespace[16] = {0x00, 0xab, 0xed, 0xb4, 0xaa, 0x42, 0x46, 0x6c,
                                          0x9c, 0x01, 0xfe, 0xd2, 0x33, 0x15, 0xa9, 0xb7};

/* Hash algorithms in order of preference for the one contributing hash
 * (STIX 2.1 §6.7). */
static const char *const sco_hash_preference[] = {"MD5", "SHA-1", "SHA-256", "SHA-512", NULL};

/* A canonical name longer than this is refused: ID-contributing
 * properties are a few short values, or a file's extensions. */
#define SCO_ID_NAME_MAX (HL_MAX_DOCUMENT_BYTES)

/* True if type is a syntactically valid STIX type name: 3..250 of
 * [a-z0-9-] (STIX 2.1 §3.1, "type"); looser callers check the rest. */
static bool sco_type_name_ok(const char *type)
{
    size_t n = type ? strlen(type) : 0;
    if (n < 3 || n > 250)
        return false;
    for (size_t i = 0; i < n; i++) {
        char c = type[i];
        if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-'))
            return false;
    }
    return true;
}

/* Writes "type--xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx" into out. */
static int sco_id_format(const char *type, const uint8_t u[16], char out[STIX_ID_MAX])
{
    char hex[33];
    hl_hex(hex, u, 16);
    int n = snprintf(out, STIX_ID_MAX, "%s--%.8s-%.4s-%.4s-%.4s-%.12s", type, hex, hex + 8,
                     hex + 12, hex + 16, hex + 20);
    if (n < 0 || (size_t)n >= STIX_ID_MAX) {
        out[0] = '\0';
        return -HL_E_INVALID;
    }
    return 0;
}

int stix_id_new(const char *type, char out[STIX_ID_MAX])
{
    uint8_t u[16];
    size_t got = 0;

    out[0] = '\0';
    if (!sco_type_name_ok(type))
        return -HL_E_INVALID;
    while (got < sizeof u) {
        ssize_t n = getrandom(u + got, sizeof u - got, 0);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            return -HL_E_CRYPTO;
        }
        got += (size_t)n;
    }
    u[6] = (uint8_t)(0x40 | (u[6] & 0x0f)); /* RFC 4122 §4.4: version 4 */
    u[8] = (uint8_t)(0x80 | (u[8] & 0x3f)); /* RFC 4122 §4.1.1: variant */
    return sco_id_format(type, u, out);
}

/* The SCO table row of type, NULL if type is not an SCO hotline knows. */
static const struct stix_type *sco_type_row(const char *type)
{
    for (const struct stix_type *t = stix_sco_types; t->type; t++)
        if (strcmp(t->type, type) == 0)
            return t;
    return NULL;
}

/* The one hash of hashes that contributes to an id, as a new object
 * {alg: value} (caller decrefs); NULL if hashes is empty or not an
 * object, or out of memory. STIX 2.1 §6.7. */
static json_t *sco_id_one_hash(const json_t *hashes)
{
    const char *alg = NULL;
    json_t *value = NULL;

    if (!json_is_object(hashes) || json_object_size(hashes) == 0)
        return NULL;
    for (size_t i = 0; sco_hash_preference[i] && !value; i++) {
        value = json_object_get(hashes, sco_hash_preference[i]);
        alg = sco_hash_preference[i];
    }
    if (!value) {
        void *it = json_object_iter((json_t *)hashes);
        alg = json_object_iter_key(it);
        value = json_object_iter_value(it);
    }
    json_t *one = json_object();
    if (!one || json_object_set(one, alg, value) != 0) {
        json_decref(one);
        return NULL;
    }
    return one;
}

/* Builds the object of the ID-contributing properties obj has, into
 * *out (new reference, caller decrefs; NULL when obj has none). */
static int sco_id_contributing(const json_t *obj, const struct stix_type *t, json_t **out,
                               struct hl_error *err)
{
    *out = NULL;
    json_t *name = json_object();
    if (!name)
        return hl_fail(err, HL_E_NOMEM, NULL, "out of memory");
    for (size_t i = 0; t->id_contrib && t->id_contrib[i]; i++) {
        const char *p = t->id_contrib[i];
        json_t *v = json_object_get(obj, p);
        if (!v)
            continue;
        json_t *add = strcmp(p, "hashes") == 0 ? sco_id_one_hash(v) : json_incref(v);
        if (!add)
            continue; /* an empty hashes dictionary contributes nothing */
        if (json_object_set_new(name, p, add) != 0) {
            json_decref(name);
            return hl_fail(err, HL_E_NOMEM, NULL, "out of memory");
        }
    }
    if (json_object_size(name) == 0) {
        json_decref(name);
        return 0;
    }
    *out = name;
    return 0;
}

/* UUIDv5 of the canonical form of name in the SCO name space. */
static int sco_id_uuid5(const json_t *name, uint8_t u[16], struct hl_error *err)
{
    struct buf in;
    uint8_t digest[20];
    int rc;

    buf_init(&in, SCO_ID_NAME_MAX);
    rc = buf_add(&in, sco_namespace, sizeof sco_namespace);
    if (rc) {
        rc = hl_fail(err, -rc, NULL, "deterministic id name: %s", hl_strerror(-rc));
        goto out_release;
    }
    rc = stix_canon(name, &in, err);
    if (rc)
        goto out_release;
    if (gnutls_hash_fast(GNUTLS_DIG_SHA1, in.data, in.len, digest) < 0) {
        rc = hl_fail(err, HL_E_CRYPTO, NULL, "SHA-1 failed");
        goto out_release;
    }
    memcpy(u, digest, 16);
    u[6] = (uint8_t)(0x50 | (u[6] & 0x0f)); /* RFC 4122 §4.3: version 5 */
    u[8] = (uint8_t)(0x80 | (u[8] & 0x3f)); /* RFC 4122 §4.1.1: variant */
out_release:
    buf_release(&in);
    return rc;
}

int stix_sco_id(const json_t *sco, char out[STIX_ID_MAX], bool *deterministic, struct hl_error *err)
{
    json_t *name = NULL;
    uint8_t u[16];
    int rc;

    out[0] = '\0';
    *deterministic = false;
    const char *type = json_string_value(json_object_get(sco, "type"));
    if (!type)
        return hl_fail(err, HL_E_INVALID, "type", "the object has no string \"type\"");
    const struct stix_type *t = sco_type_row(type);
    if (!t)
        return hl_fail(err, HL_E_INVALID, "type",
                       "\"%s\" is not a STIX Cyber-observable Object type hotline knows", type);
    rc = sco_id_contributing(sco, t, &name, err);
    if (rc)
        return rc;
    if (!name) {
        rc = stix_id_new(type, out); /* STIX 2.1 §2.9: none present: UUIDv4 */
        return rc ? hl_fail(err, -rc, NULL, "no random identifier: %s", hl_strerror(-rc)) : 0;
    }
    rc = sco_id_uuid5(name, u, err);
    json_decref(name);
    if (rc)
        return rc;
    rc = sco_id_format(type, u, out);
    if (rc)
        return hl_fail(err, HL_E_INVALID, "type", "type name too long for an identifier");
    *deterministic = true;
    return 0;
}
