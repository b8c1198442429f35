/*
 * tls.c — the node's TLS certificate: made by `hotline init` (self-signed,
 * through GnuTLS), or given by the operator and checked; read by `hotline
 * serve` before the server starts, so that a wrong file is a clear error
 * and not a failed handshake later.
 *
 * The self-signed certificate (RFC 5280):
 *   version 3, a random positive 128-bit serial (§4.1.2.2);
 *   subject = issuer = CN=<party name> (§4.1.2.6);
 *   validity: an hour ago (clocks differ) to 730 days later (§4.1.2.5);
 *   key: ECDSA on P-256 (RFC 5480), signature ecdsa-with-SHA256;
 *   subjectAltName DNS:localhost, IP:127.0.0.1 (§4.2.1.6: clients match
 *   the SAN, not the CN); basicConstraints cA FALSE; extKeyUsage
 *   serverAuth; subjectKeyIdentifier. No keyUsage: with one that lacks
 *   keyCertSign, OpenSSL does not take the certificate as its own issuer,
 *   and clients that pin it as their CA file (curl --cacert, CURLOPT_CAINFO)
 *   would refuse it.
 * Peers pin the certificate by its SHA-256 fingerprint (DESIGN.md), which
 * init prints with --json.
 *
 * Secrets: the private key's PEM goes from GnuTLS's buffer into one
 * exactly-sized struct buf (no realloc copies), and every copy is zeroed
 * before it is freed.
 */
#include "node.h"

#include <errno.h>
#include <fcntl.h>
#include <gnutls/crypto.h>
#include <gnutls/gnutls.h>
#include <gnutls/x509.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define TLS_VALID_DAYS 730
#define TLS_SKEW_S 3600
#define TLS_CN_MAX 64 /* RFC 5280 ub-common-name */

static HL_MUST_CHECK int tls_fail(int rc, const char *what, struct hl_error *err)
{
    return hl_fail(err, HL_E_CRYPTO, "tls", "TLS: %s: %s", what, gnutls_strerror(rc));
}

void node_tls_wipe(struct buf *b)
{
    if (b->cap)
        gnutls_memset(b->data, 0, b->cap);
    buf_release(b);
}

/* Appends a GnuTLS datum to out in one allocation. */
static HL_MUST_CHECK int datum_take(const gnutls_datum_t *d, struct buf *out, struct hl_error *err)
{
    int r = buf_grow(out, d->size);
    if (!r)
        r = buf_add(out, d->data, d->size);
    return r ? hl_fail(err, -r, "tls", "TLS: PEM text too large") : 0;
}

/* The leaf's fingerprint and validity. */
static HL_MUST_CHECK int info_fill(gnutls_x509_crt_t crt, struct node_tls_info *info,
                                   struct hl_error *err)
{
    uint8_t fp[32];
    size_t n = sizeof fp;
    int rc = gnutls_x509_crt_get_fingerprint(crt, GNUTLS_DIG_SHA256, fp, &n);
    if (rc < 0 || n != sizeof fp)
        return tls_fail(rc, "fingerprint", err);
    hl_hex(info->fingerprint, fp, sizeof fp);
    info->not_before = (int64_t)gnutls_x509_crt_get_activation_time(crt);
    info->not_after = (int64_t)gnutls_x509_crt_get_expiration_time(crt);
    return 0;
}

/* Length of the longest prefix of s of at most max bytes that does not
 * cut a UTF-8 sequence. */
static size_t utf8_prefix(const char *s, size_t max)
{
    size_t n = strlen(s);
    if (n <= max)
        return n;
    n = max;
    while (n > 0 && ((unsigned char)s[n] & 0xc0) == 0x80)
        n--;
    return n;
}

/* Every field of the certificate but the signature. */
static HL_MUST_CHECK int crt_fill(gnutls_x509_crt_t crt, gnutls_x509_privkey_t key, const char *cn)
{
    static const uint8_t loopback[4] = {127, 0, 0, 1};
    uint8_t serial[16], kid[64];
    size_t kid_len = sizeof kid;
    time_t now = time(NULL);
    int rc = gnutls_rnd(GNUTLS_RND_NONCE, serial, sizeof serial);
    serial[0] = (uint8_t)((serial[0] & 0x7f) | 0x40); /* positive, 16 bytes long */
    if (rc >= 0)
        rc = gnutls_x509_crt_set_version(crt, 3);
    if (rc >= 0)
        rc = gnutls_x509_crt_set_serial(crt, serial, sizeof serial);
    if (rc >= 0)
        rc = gnutls_x509_crt_set_activation_time(crt, now - TLS_SKEW_S);
    if (rc >= 0)
        rc = gnutls_x509_crt_set_expiration_time(crt, now + (time_t)TLS_VALID_DAYS * 86400);
    if (rc >= 0)
        rc = gnutls_x509_crt_set_dn_by_oid(crt, GNUTLS_OID_X520_COMMON_NAME, 0, cn,
                                           (unsigned)utf8_prefix(cn, TLS_CN_MAX));
    if (rc >= 0)
        rc = gnutls_x509_crt_set_key(crt, key);
    if (rc >= 0)
        rc = gnutls_x509_crt_set_subject_alt_name(crt, GNUTLS_SAN_DNSNAME, "localhost", 9,
                                                  GNUTLS_FSAN_APPEND);
    if (rc >= 0)
        rc = gnutls_x509_crt_set_subject_alt_name(crt, GNUTLS_SAN_IPADDRESS, loopback,
                                                  sizeof loopback, GNUTLS_FSAN_APPEND);
    if (rc >= 0)
        rc = gnutls_x509_crt_set_basic_constraints(crt, 0, -1);
    if (rc >= 0)
        rc = gnutls_x509_crt_set_key_purpose_oid(crt, GNUTLS_KP_TLS_WWW_SERVER, 0);
    if (rc >= 0)
        rc = gnutls_x509_crt_get_key_id(crt, 0, kid, &kid_len);
    if (rc >= 0)
        rc = gnutls_x509_crt_set_subject_key_id(crt, kid, kid_len);
    return rc;
}

int node_tls_generate(const char *common_name, struct buf *cert_pem, struct buf *key_pem,
                      struct node_tls_info *info, struct hl_error *err)
{
    gnutls_x509_privkey_t key = NULL;
    gnutls_x509_crt_t crt = NULL;
    gnutls_datum_t c = {NULL, 0}, k = {NULL, 0};
    memset(info, 0, sizeof *info);
    int r = 0, rc = gnutls_x509_privkey_init(&key);
    if (rc >= 0)
        rc = gnutls_x509_privkey_generate(key, GNUTLS_PK_ECDSA,
                                          GNUTLS_CURVE_TO_BITS(GNUTLS_ECC_CURVE_SECP256R1), 0);
    if (rc >= 0)
        rc = gnutls_x509_crt_init(&crt);
    if (rc >= 0)
        rc = crt_fill(crt, key, common_name);
    if (rc >= 0)
        rc = gnutls_x509_crt_sign2(crt, crt, key, GNUTLS_DIG_SHA256, 0);
    if (rc >= 0)
        rc = gnutls_x509_crt_export2(crt, GNUTLS_X509_FMT_PEM, &c);
    if (rc >= 0)
        rc = gnutls_x509_privkey_export2_pkcs8(key, GNUTLS_X509_FMT_PEM, NULL, GNUTLS_PKCS_PLAIN,
                                               &k);
    if (rc < 0)
        r = tls_fail(rc, "cannot make the certificate", err);
    if (!r)
        r = info_fill(crt, info, err);
    if (!r)
        r = datum_take(&c, cert_pem, err);
    if (!r)
        r = datum_take(&k, key_pem, err);
    if (k.data) {
        gnutls_memset(k.data, 0, k.size);
        gnutls_free(k.data);
    }
    gnutls_free(c.data);
    gnutls_x509_crt_deinit(crt);
    gnutls_x509_privkey_deinit(key);
    return r;
}

/* Key ids (SHA-256 of the public key) of the leaf and the private key. */
static HL_MUST_CHECK int key_match(gnutls_x509_crt_t crt, gnutls_x509_privkey_t key,
                                   struct hl_error *err)
{
    uint8_t a[32], b[32];
    size_t na = sizeof a, nb = sizeof b;
    int rc = gnutls_x509_crt_get_key_id(crt, GNUTLS_KEYID_USE_SHA256, a, &na);
    if (rc < 0)
        return tls_fail(rc, "the certificate's public key", err);
    rc = gnutls_x509_privkey_get_key_id(key, GNUTLS_KEYID_USE_SHA256, b, &nb);
    if (rc < 0)
        return tls_fail(rc, "the private key's public key", err);
    if (na != nb || memcmp(a, b, na) != 0)
        return hl_fail(err, HL_E_VERIFY, "tls",
                       "the private key does not belong to the certificate");
    return 0;
}

int node_tls_check(const struct buf *cert_pem, const struct buf *key_pem,
                   struct node_tls_info *info, struct hl_error *err)
{
    gnutls_x509_crt_t *list = NULL;
    unsigned n = 0;
    gnutls_x509_privkey_t key = NULL;
    gnutls_datum_t cd = {(unsigned char *)cert_pem->data, (unsigned)cert_pem->len};
    gnutls_datum_t kd = {(unsigned char *)key_pem->data, (unsigned)key_pem->len};
    memset(info, 0, sizeof *info);
    int r = 0;
    int rc = gnutls_x509_crt_list_import2(&list, &n, &cd, GNUTLS_X509_FMT_PEM,
                                          GNUTLS_X509_CRT_LIST_FAIL_IF_UNSORTED);
    if (rc < 0 || n == 0)
        r = hl_fail(err, HL_E_PARSE, "tls", "not a PEM certificate chain (leaf first): %s",
                    rc < 0 ? gnutls_strerror(rc) : "no certificate");
    if (!r && (rc = gnutls_x509_privkey_init(&key)) >= 0)
        rc = gnutls_x509_privkey_import2(key, &kd, GNUTLS_X509_FMT_PEM, NULL, 0);
    if (!r && rc < 0)
        r = hl_fail(err, HL_E_PARSE, "tls",
                    "not an unencrypted PEM private key (PKCS #8 or traditional): %s",
                    gnutls_strerror(rc));
    if (!r)
        r = key_match(list[0], key, err);
    if (!r)
        r = info_fill(list[0], info, err);
    gnutls_x509_privkey_deinit(key);
    for (unsigned i = 0; i < n; i++)
        gnutls_x509_crt_deinit(list[i]);
    gnutls_free(list);
    return r;
}

int node_tls_read(const char *path, bool secret, struct buf *out, struct hl_error *err)
{
    struct stat st;
    int r = 0, fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return hl_fail(err, errno == ENOENT ? HL_E_NOT_FOUND : HL_E_IO, path, "cannot open: %s",
                       strerror(errno));
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode))
        r = hl_fail(err, HL_E_IO, path, "not a regular file");
    else if (st.st_size > (off_t)NODE_TLS_FILE_MAX)
        r = hl_fail(err, HL_E_TOO_LARGE, path, "larger than %u bytes", NODE_TLS_FILE_MAX);
    else if (secret && (st.st_mode & 077))
        r = hl_fail(err, HL_E_PERM, path,
                    "a private key readable by others (mode %03o); chmod 600 it",
                    (unsigned)(st.st_mode & 0777));
    else if ((r = buf_grow(out, (size_t)st.st_size + 1)) != 0)
        r = hl_fail(err, -r, path, "out of memory");
    while (!r && out->len < (size_t)st.st_size) {
        ssize_t got = read(fd, out->data + out->len, (size_t)st.st_size - out->len);
        if (got < 0 && errno == EINTR)
            continue;
        if (got <= 0)
            r = hl_fail(err, HL_E_IO, path, "cannot read: %s",
                        got ? strerror(errno) : "short file");
        else
            out->len += (size_t)got;
    }
    if (out->cap)
        out->data[out->len] = '\0'; /* the buf invariant; cap 0 is the shared "" */
    close(fd);
    return r;
}

int node_tls_load(const char *cert_path, const char *key_path, struct node_tls_info *info,
                  struct hl_error *err)
{
    struct buf cert, key;
    if (access(cert_path, F_OK) != 0 && errno == ENOENT)
        return -HL_E_NOT_FOUND;
    buf_init(&cert, NODE_TLS_FILE_MAX);
    buf_init(&key, NODE_TLS_FILE_MAX);
    int r = node_tls_read(cert_path, false, &cert, err);
    if (!r)
        r = node_tls_read(key_path, true, &key, err);
    if (!r)
        r = node_tls_check(&cert, &key, info, err);
    buf_release(&cert);
    node_tls_wipe(&key);
    return r;
}
