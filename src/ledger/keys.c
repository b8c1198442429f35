/*
 * keys.c — Ed25519 key pairs (libsodium), their files, and the X.590
 * public-key form.
 *
 * Secret key file (mode 0600; refused with HL_E_PERM if group or others
 * have any access bit):
 *     line 1  "hotline-ed25519-secret-v1"
 *     line 2  base64 (RFC 4648 §4, with padding) of the 32-byte seed: 44 chars
 *     a final newline is optional; nothing else is accepted.
 * Public key file:
 *     line 1  "hotline-ed25519-public-v1"
 *     line 2  base64 (no padding) of the DER SubjectPublicKeyInfo: 59 chars
 * The SPKI of an Ed25519 key (RFC 8410 §4) is exactly 44 bytes:
 *     30 2a 30 05 06 03 2b 65 70 03 21 00 | 32 key bytes
 * which is the form X.590 puts in a signature's public_key.
 *
 * Secrets: seeds and expanded keys live only in struct seal_key and in
 * stack buffers that are wiped with sodium_memzero before every return.
 * Files are created with O_EXCL: a key is never overwritten.
 */
#include <errno.h>
#include <fcntl.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ledger.h"

#define SEED_B64_LEN 44 /* base64 of 32 bytes, padded */

static int keys_sodium_init(struct hl_error *err)
{
    if (sodium_init() < 0)
        return hl_fail(err, HL_E_CRYPTO, NULL, "libsodium cannot be initialised");
    return 0;
}

void seal_key_wipe(struct seal_key *key)
{
    sodium_memzero(key, sizeof *key);
}

int seal_key_generate(struct seal_key *key, struct hl_error *err)
{
    int rc = keys_sodium_init(err);
    if (rc)
        return rc;
    if (crypto_sign_keypair(key->pk, key->sk) != 0) {
        seal_key_wipe(key);
        return hl_fail(err, HL_E_CRYPTO, NULL, "cannot generate an Ed25519 key pair");
    }
    return 0;
}

int seal_key_from_seed(struct seal_key *key, const uint8_t seed[static 32], struct hl_error *err)
{
    int rc = keys_sodium_init(err);
    if (rc)
        return rc;
    if (crypto_sign_seed_keypair(key->pk, key->sk, seed) != 0) {
        seal_key_wipe(key);
        return hl_fail(err, HL_E_CRYPTO, NULL, "cannot derive an Ed25519 key pair");
    }
    return 0;
}

void seal_spki_encode(const uint8_t pk[static 32], char out[static SEAL_SPKI_B64_MAX])
{
    uint8_t der[SEAL_SPKI_BYTES];
    memcpy(der, SEAL_SPKI_PREFIX, 12);
    memcpy(der + 12, pk, 32);
    sodium_bin2base64(out, SEAL_SPKI_B64_MAX, der, sizeof der,
                      sodium_base64_VARIANT_ORIGINAL_NO_PADDING);
}

int seal_spki_decode(const char *s, uint8_t pk[static 32], struct hl_error *err)
{
    uint8_t der[SEAL_SPKI_BYTES];
    size_t n = 0;
    const char *end = NULL;
    memset(pk, 0, 32);
    /* X.590 §6.2.1: public_key is base64 of the DER SPKI; exact length first. */
    if (strlen(s) != SEAL_SPKI_B64_LEN)
        return hl_fail(err, HL_E_VERIFY, NULL, "public_key is not %d characters of base64",
                       SEAL_SPKI_B64_LEN);
    if (sodium_base642bin(der, sizeof der, s, SEAL_SPKI_B64_LEN, NULL, &n, &end,
                          sodium_base64_VARIANT_ORIGINAL_NO_PADDING) != 0 ||
        n != sizeof der || end != s + SEAL_SPKI_B64_LEN)
        return hl_fail(err, HL_E_VERIFY, NULL, "public_key is not canonical unpadded base64");
    /* RFC 8410 §4: the one DER encoding of an Ed25519 SubjectPublicKeyInfo. */
    if (memcmp(der, SEAL_SPKI_PREFIX, 12) != 0)
        return hl_fail(err, HL_E_VERIFY, NULL, "public_key is not an Ed25519 SubjectPublicKeyInfo");
    /* Re-encoding must give the same text: no second spelling of a key. */
    char again[SEAL_SPKI_B64_MAX];
    seal_spki_encode(der + 12, again);
    if (strcmp(again, s) != 0)
        return hl_fail(err, HL_E_VERIFY, NULL, "public_key is not canonical base64");
    memcpy(pk, der + 12, 32);
    return 0;
}

/* Creates path (never overwriting) with mode and writes data, fsynced.
 * On failure nothing is left at path. */
static int keys_create_file(const char *path, const char *data, size_t len, mode_t mode,
                            struct hl_error *err)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode);
    if (fd < 0) {
        if (errno == EEXIST)
            return hl_fail(err, HL_E_EXISTS, path, "already exists; keys are never overwritten");
        return hl_fail(err, HL_E_IO, path, "cannot create: %s", strerror(errno));
    }
    const char *why = NULL;
    if (fchmod(fd, mode) != 0)
        why = "cannot set its mode";
    for (size_t off = 0; !why && off < len;) {
        ssize_t w = write(fd, data + off, len - off);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            why = "cannot write";
        else
            off += (size_t)w;
    }
    if (!why && fsync(fd) != 0)
        why = "cannot sync";
    if (close(fd) != 0 && !why)
        why = "cannot close";
    if (why) {
        int e = errno;
        unlink(path);
        return hl_fail(err, HL_E_IO, path, "%s: %s", why, strerror(e));
    }
    return 0;
}

int seal_key_write_secret(const char *path, const struct seal_key *key, struct hl_error *err)
{
    /* magic \n 44 chars \n NUL */
    char text[sizeof SEAL_SECRET_MAGIC + SEED_B64_LEN + 2];
    char b64[SEED_B64_LEN + 1];
    sodium_bin2base64(b64, sizeof b64, key->sk, 32, sodium_base64_VARIANT_ORIGINAL);
    int n = snprintf(text, sizeof text, "%s\n%s\n", SEAL_SECRET_MAGIC, b64);
    int rc;
    if (n < 0 || (size_t)n >= sizeof text)
        rc = hl_fail(err, HL_E_INTERNAL, path, "secret key text does not fit");
    else
        rc = keys_create_file(path, text, (size_t)n, 0600, err);
    sodium_memzero(b64, sizeof b64);
    sodium_memzero(text, sizeof text);
    return rc;
}

int seal_key_write_public(const char *path, const uint8_t pk[static 32], struct hl_error *err)
{
    char text[sizeof SEAL_PUBLIC_MAGIC + SEAL_SPKI_B64_MAX + 2];
    char spki[SEAL_SPKI_B64_MAX];
    seal_spki_encode(pk, spki);
    int n = snprintf(text, sizeof text, "%s\n%s\n", SEAL_PUBLIC_MAGIC, spki);
    if (n < 0 || (size_t)n >= sizeof text)
        return hl_fail(err, HL_E_INTERNAL, path, "public key text does not fit");
    return keys_create_file(path, text, (size_t)n, 0644, err);
}

/* Reads a key file into buf (cap bytes, NUL-terminated), checking that it
 * is a regular file and, if secret, that only its owner may access it. */
static int keys_read_file(const char *path, bool secret, char *buf, size_t cap, size_t *len,
                          struct hl_error *err)
{
    *len = 0;
    int fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0)
        return hl_fail(err, errno == ENOENT ? HL_E_NOT_FOUND : HL_E_IO, path, "cannot open: %s",
                       strerror(errno));
    struct stat st;
    int rc = 0;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        rc = hl_fail(err, HL_E_IO, path, "not a regular file");
        goto out;
    }
    /* DESIGN.md, security model: secret keys live in files of mode 0600. */
    if (secret && (st.st_mode & 077)) {
        rc = hl_fail(err, HL_E_PERM, path,
                     "secret key file is accessible by group or others (mode %04o); "
                     "run 'chmod 600 %s'",
                     (unsigned)(st.st_mode & 07777), path);
        goto out;
    }
    size_t n = 0;
    for (;;) {
        ssize_t r = read(fd, buf + n, cap - 1 - n);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0) {
            rc = hl_fail(err, HL_E_IO, path, "cannot read: %s", strerror(errno));
            goto out;
        }
        if (r == 0)
            break;
        n += (size_t)r;
        if (n == cap - 1) {
            rc = hl_fail(err, HL_E_TOO_LARGE, path, "key file is larger than %zu bytes", cap - 2);
            goto out;
        }
    }
    buf[n] = '\0';
    *len = n;
out:
    close(fd);
    return rc;
}

/* Finds the payload line of "magic\npayload[\n]" in text; its length in *n. */
static const char *keys_payload(const char *text, size_t len, const char *magic, size_t *n)
{
    size_t m = strlen(magic);
    if (len < m + 1 || memcmp(text, magic, m) != 0 || text[m] != '\n')
        return NULL;
    const char *p = text + m + 1;
    size_t rest = len - m - 1;
    if (rest > 0 && p[rest - 1] == '\n')
        rest--;
    if (memchr(p, '\n', rest) || memchr(p, '\r', rest))
        return NULL;
    *n = rest;
    return p;
}

int seal_key_read_secret(const char *path, struct seal_key *key, struct hl_error *err)
{
    char text[HL_MAX_KEY_FILE_BYTES + 2];
    uint8_t seed[32];
    size_t len = 0, n = 0, got = 0;
    const char *end = NULL;
    seal_key_wipe(key);
    int rc = keys_read_file(path, true, text, sizeof text, &len, err);
    if (rc)
        goto out;
    const char *p = keys_payload(text, len, SEAL_SECRET_MAGIC, &n);
    if (!p || n != SEED_B64_LEN ||
        sodium_base642bin(seed, sizeof seed, p, n, NULL, &got, &end,
                          sodium_base64_VARIANT_ORIGINAL) != 0 ||
        got != sizeof seed || end != p + n) {
        rc = hl_fail(err, HL_E_PARSE, path,
                     "not a hotline secret key file (want '%s' and 44 characters of base64)",
                     SEAL_SECRET_MAGIC);
        goto out;
    }
    rc = seal_key_from_seed(key, seed, err);
out:
    sodium_memzero(seed, sizeof seed);
    sodium_memzero(text, sizeof text);
    return rc;
}

int seal_key_read_public(const char *path, uint8_t pk[static 32], struct hl_error *err)
{
    char text[HL_MAX_KEY_FILE_BYTES + 2];
    char line[SEAL_SPKI_B64_MAX];
    size_t len = 0, n = 0;
    memset(pk, 0, 32);
    int rc = keys_read_file(path, false, text, sizeof text, &len, err);
    if (rc)
        return rc;
    const char *p = keys_payload(text, len, SEAL_PUBLIC_MAGIC, &n);
    if (!p || n != SEAL_SPKI_B64_LEN)
        return hl_fail(err, HL_E_PARSE, path, "not a hotline public key file (want '%s')",
                       SEAL_PUBLIC_MAGIC);
    memcpy(line, p, n);
    line[n] = '\0';
    struct hl_error why;
    hl_error_clear(&why);
    if (seal_spki_decode(line, pk, &why))
        return hl_fail(err, HL_E_PARSE, path, "%s", why.msg);
    return 0;
}

/* CONTEXT "\n" A "\n" B into out[SEAL_STATEMENT_MAX]; its length, or 0
 * when it does not fit. */
static size_t statement_bytes(const char *context, const char *a, const char *b,
                              char out[static SEAL_STATEMENT_MAX])
{
    if (!context || !a || !b || strchr(context, '\n') || strchr(a, '\n') || strchr(b, '\n'))
        return 0; /* one statement, one reading */
    int n = snprintf(out, SEAL_STATEMENT_MAX, "%s\n%s\n%s", context, a, b);
    return n > 0 && n < SEAL_STATEMENT_MAX ? (size_t)n : 0;
}

int seal_statement_sign(const struct seal_key *key, const char *context, const char *a,
                        const char *b, char out[static SEAL_STATEMENT_SIG_B64],
                        struct hl_error *err)
{
    char msg[SEAL_STATEMENT_MAX];
    uint8_t sig[crypto_sign_BYTES];
    size_t n = statement_bytes(context, a, b, msg);
    if (!n)
        return hl_fail(err, HL_E_TOO_LARGE, "statement",
                       "a statement of more than %d bytes, or with a newline in a text",
                       SEAL_STATEMENT_MAX - 1);
    if (crypto_sign_detached(sig, NULL, (const unsigned char *)msg, n, key->sk) != 0)
        return hl_fail(err, HL_E_INTERNAL, "statement", "signing failed");
    sodium_bin2base64(out, SEAL_STATEMENT_SIG_B64, sig, sizeof sig, sodium_base64_VARIANT_ORIGINAL);
    return 0;
}

bool seal_statement_verify(const uint8_t pk[static SEAL_PK_BYTES], const char *context,
                           const char *a, const char *b, const char *sig_b64)
{
    char msg[SEAL_STATEMENT_MAX];
    uint8_t sig[crypto_sign_BYTES];
    size_t n = statement_bytes(context, a, b, msg), len = 0;
    if (!n || !sig_b64 ||
        sodium_base642bin(sig, sizeof sig, sig_b64, strlen(sig_b64), NULL, &len, NULL,
                          sodium_base64_VARIANT_ORIGINAL) != 0 ||
        len != sizeof sig)
        return false;
    return crypto_sign_verify_detached(sig, (const unsigned char *)msg, n, pk) == 0;
}
