/*
 * tls.c — the certificate the server presents, replaceable while it runs.
 *
 * libmicrohttpd takes a certificate and key once, at MHD_start_daemon
 * (MHD_OPTION_HTTPS_MEM_CERT/KEY), so renewing them meant a restart. The
 * server instead gives MHD a callback (MHD_OPTION_HTTPS_CERT_CALLBACK,
 * GnuTLS's gnutls_certificate_retrieve_function2) that GnuTLS calls in
 * each handshake; it answers with the pair current at that moment, and
 * taxii_server_set_tls makes another pair current. A handshake already
 * under way finishes with the pair it was given.
 *
 * Lifetime. GnuTLS keeps using the certificate and key a handshake was
 * given for as long as its session lives, and the callback cannot tell
 * when that ends. So a pair is never freed while the server runs: every
 * pair set is kept on a list until taxii_server_stop, and a run takes at
 * most TAXII_TLS_PAIRS_MAX of them (a renewal a year makes one or two).
 *
 * Connections made before a change keep their pair for the requests in
 * flight; their next answer closes them ("Connection: close", server.c),
 * so that a client's next connection, a peer node's included, meets the
 * pair current now (a member pins it once it sees it, docs/federation.md
 * section 12).
 *
 * The callback finds its server through the connection: MHD puts the
 * struct MHD_Connection in the GnuTLS session's pointer, and watch.c's
 * record of the connection, made when it was accepted (before any byte
 * of the handshake), names the server. A connection without one (its
 * record could not be allocated) fails its handshake.
 */
#include <stdlib.h>
#include <string.h>

#include <gnutls/abstract.h>
#include <gnutls/gnutls.h>
#include <microhttpd.h>

#include "taxii_int.h"

/* Certificates in a chain (the leaf first). */
#define TAXII_TLS_CHAIN_MAX 8

struct taxii_tls {
    gnutls_pcert_st chain[TAXII_TLS_CHAIN_MAX];
    unsigned n;
    gnutls_privkey_t key;
    struct taxii_tls *older; /* the pair current before this one */
};

static void tls_free_one(struct taxii_tls *t)
{
    for (unsigned i = 0; i < t->n; i++)
        gnutls_pcert_deinit(&t->chain[i]);
    if (t->key)
        gnutls_privkey_deinit(t->key);
    free(t);
}

void taxii_tls_free(struct taxii_server *srv)
{
    struct taxii_tls *t = srv->tls;
    while (t) {
        struct taxii_tls *older = t->older;
        tls_free_one(t);
        t = older;
    }
    srv->tls = NULL;
    srv->n_tls = 0;
}

/* The pair in PEM bytes, imported (owned by *out). */
static int tls_import(const char *cert_pem, size_t cert_len, const char *key_pem, size_t key_len,
                      struct taxii_tls **out, struct hl_error *err)
{
    *out = NULL;
    if (cert_len > TAXII_PEM_MAX || key_len > TAXII_PEM_MAX)
        return hl_fail(err, HL_E_TOO_LARGE, "tls", "a certificate or key over %u bytes",
                       (unsigned)TAXII_PEM_MAX);
    struct taxii_tls *t = calloc(1, sizeof *t);
    if (!t)
        return hl_fail(err, HL_E_NOMEM, "tls", "out of memory");
    gnutls_datum_t cd = {(unsigned char *)cert_pem, (unsigned)cert_len};
    gnutls_datum_t kd = {(unsigned char *)key_pem, (unsigned)key_len};
    t->n = TAXII_TLS_CHAIN_MAX;
    int rc = gnutls_pcert_list_import_x509_raw(t->chain, &t->n, &cd, GNUTLS_X509_FMT_PEM,
                                               GNUTLS_X509_CRT_LIST_FAIL_IF_UNSORTED);
    if (rc < 0 || t->n == 0) {
        t->n = 0;
        tls_free_one(t);
        if (rc == GNUTLS_E_SHORT_MEMORY_BUFFER)
            return hl_fail(err, HL_E_TOO_LARGE, "tls", "a chain of more than %d certificates",
                           TAXII_TLS_CHAIN_MAX);
        return hl_fail(err, HL_E_PARSE, "tls", "not a PEM certificate chain (leaf first): %s",
                       rc < 0 ? gnutls_strerror(rc) : "no certificate");
    }
    rc = gnutls_privkey_init(&t->key);
    if (rc >= 0)
        rc = gnutls_privkey_import_x509_raw(t->key, &kd, GNUTLS_X509_FMT_PEM, NULL, 0);
    if (rc < 0) {
        tls_free_one(t);
        return hl_fail(err, HL_E_PARSE, "tls", "not an unencrypted PEM private key: %s",
                       gnutls_strerror(rc));
    }
    *out = t;
    return 0;
}

int taxii_server_set_tls(struct taxii_server *srv, const char *cert_pem, size_t cert_len,
                         const char *key_pem, size_t key_len, struct hl_error *err)
{
    struct taxii_tls *t = NULL;
    int r = tls_import(cert_pem, cert_len, key_pem, key_len, &t, err);
    if (r)
        return r;
    pthread_mutex_lock(&srv->tls_lock);
    bool full = srv->n_tls >= TAXII_TLS_PAIRS_MAX;
    if (!full) {
        t->older = srv->tls;
        srv->tls = t;
        srv->n_tls++;
    }
    pthread_mutex_unlock(&srv->tls_lock);
    if (full) {
        tls_free_one(t);
        return hl_fail(err, HL_E_TOO_LARGE, "tls",
                       "%u certificates presented since the server started; restart it to "
                       "present another",
                       (unsigned)TAXII_TLS_PAIRS_MAX);
    }
    return 0;
}

unsigned taxii_tls_gen(struct taxii_server *srv)
{
    pthread_mutex_lock(&srv->tls_lock);
    unsigned gen = srv->n_tls;
    pthread_mutex_unlock(&srv->tls_lock);
    return gen;
}

int taxii_tls_retrieve(gnutls_session_t session, const gnutls_datum_t *req_ca_dn, int n_req,
                       const gnutls_pk_algorithm_t *pk_algos, int n_algos, gnutls_pcert_st **chain,
                       unsigned *n, gnutls_privkey_t *key)
{
    (void)req_ca_dn;
    (void)n_req;
    (void)pk_algos;
    (void)n_algos;
    struct MHD_Connection *con = gnutls_session_get_ptr(session);
    struct taxii_server *srv = taxii_watch_server(con);
    if (!srv)
        return -1;
    pthread_mutex_lock(&srv->tls_lock);
    struct taxii_tls *t = srv->tls;
    unsigned gen = srv->n_tls;
    pthread_mutex_unlock(&srv->tls_lock);
    if (!t)
        return -1;
    taxii_watch_tls_given(con, gen);
    *chain = t->chain;
    *n = t->n;
    *key = t->key;
    return 0;
}
