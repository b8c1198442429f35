/*
 * client.c — the TAXII 2.1 client of the replication worker and of
 * `hotline send`: libcurl (GnuTLS backend), one multi handle per client so
 * that connections to every peer stay open between requests (keep-alive),
 * and the pinning scheme of exchange.h.
 *
 * Requests. Each is an easy handle on the client's multi handle, so
 * several (to several peers) run at once (exchange_client_start, then
 * exchange_client_run, then exchange_client_end for each), and their
 * connections stay in the multi handle's cache between requests.
 *
 * Pins. The client keeps, per peer URL, the fingerprint it was asked to
 * pin and the public-key pin the probe derived from the certificate that
 * had that fingerprint. A request whose (url, fingerprint) has no pin
 * probes first. When the handshake of a real request fails the public-key
 * pin (CURLE_SSL_PINNEDPUBKEYNOTMATCH: the peer changed its key), the pin
 * is forgotten, and the next request probes again: it takes the
 * certificate the peer announced (exchange_client_key_changed lets the
 * worker make that request at once), or fails, naming both fingerprints,
 * until the operator pins the new certificate.
 *
 * Secrets: the token is sent only as "Authorization: Bearer" on a pinned
 * connection; it is never logged, and the header text is wiped after use.
 */
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <curl/curl.h>
#include <gnutls/abstract.h>
#include <gnutls/gnutls.h>
#include <gnutls/x509.h>
#include <sodium.h>

#include "exchange.h"
#include "ledger/ledger.h"
#include "stix/stix.h"

#define TAXII_MEDIA "application/taxii+json;version=2.1"
#define AUTH_HEADER_MAX 256

struct pin {
    char url[EXCHANGE_URL_MAX + 1];
    char fingerprint[EXCHANGE_FINGERPRINT_LEN + 1];
    char pin[EXCHANGE_PIN_MAX]; /* "" until probed */
    bool next;                  /* the probe found the announced next certificate */
    bool key_changed;           /* a handshake failed the pin; unset by the next probe */
};

struct exchange_client {
    CURLM *multi;
    atomic_bool cancelled;
    unsigned timeout_s;
    struct pin pins[EXCHANGE_PINS_MAX];
    size_t n_pins;
};

void exchange_answer_init(struct exchange_answer *a)
{
    a->status = 0;
    a->added_last[0] = '\0';
    a->date_us = a->sent_us = a->date_seen_us = 0;
    buf_init(&a->body, EXCHANGE_ANSWER_MAX);
}

void exchange_answer_release(struct exchange_answer *a)
{
    buf_release(&a->body);
    a->status = 0;
    a->added_last[0] = '\0';
    a->date_us = a->sent_us = a->date_seen_us = 0;
}

void exchange_clock_skew_words(int64_t skew_ms, char *out, size_t max)
{
    char d[32];
    hl_duration_format(skew_ms < 0 ? -skew_ms : skew_ms, d);
    snprintf(out, max, "at least %s %s", d, skew_ms > 0 ? "ahead of" : "behind");
}

bool exchange_answer_clock_skew(const struct exchange_answer *a, int64_t *skew_ms)
{
    if (!a->date_us || !a->sent_us || a->date_seen_us < a->sent_us)
        return false;
    int64_t lo = a->date_us - a->date_seen_us, hi = a->date_us + 1000000 - a->sent_us;
    *skew_ms = lo > 0 ? lo / 1000 : hi < 0 ? hi / 1000 : 0;
    return true;
}

int exchange_client_new(unsigned timeout_s, struct exchange_client **out, struct hl_error *err)
{
    *out = NULL;
    if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
        return hl_fail(err, HL_E_INTERNAL, "curl", "libcurl does not initialise");
    struct exchange_client *c = calloc(1, sizeof *c);
    if (!c)
        return hl_fail(err, HL_E_NOMEM, NULL, "out of memory");
    c->multi = curl_multi_init();
    if (!c->multi) {
        free(c);
        return hl_fail(err, HL_E_NOMEM, "curl", "no curl multi handle");
    }
    curl_multi_setopt(c->multi, CURLMOPT_MAX_HOST_CONNECTIONS, 4L);
    c->timeout_s = timeout_s ? timeout_s : EXCHANGE_TIMEOUT_S;
    *out = c;
    return 0;
}

void exchange_client_free(struct exchange_client *c)
{
    if (!c)
        return;
    curl_multi_cleanup(c->multi);
    free(c);
}

void exchange_client_cancel(struct exchange_client *c)
{
    atomic_store(&c->cancelled, true);
    curl_multi_wakeup(c->multi);
}

bool exchange_client_key_changed(const struct exchange_client *c, const char *url)
{
    for (size_t i = 0; i < c->n_pins; i++)
        if (strcmp(c->pins[i].url, url) == 0)
            return c->pins[i].key_changed;
    return false;
}

bool exchange_client_presents_next(const struct exchange_client *c, const char *url)
{
    for (size_t i = 0; i < c->n_pins; i++)
        if (strcmp(c->pins[i].url, url) == 0)
            return c->pins[i].pin[0] && c->pins[i].next;
    return false;
}

void exchange_client_forget(struct exchange_client *c, const char *url)
{
    for (size_t i = 0; i < c->n_pins; i++)
        if (strcmp(c->pins[i].url, url) == 0)
            c->pins[i].pin[0] = '\0';
}

/* ---- the probe ------------------------------------------------------------- */

/* The "Cert:" PEM of the leaf in curl's certificate information. */
static const char *certinfo_leaf_pem(CURL *h)
{
    struct curl_certinfo *ci = NULL;
    if (curl_easy_getinfo(h, CURLINFO_CERTINFO, &ci) != CURLE_OK || !ci || ci->num_of_certs < 1)
        return NULL;
    for (struct curl_slist *l = ci->certinfo[0]; l; l = l->next)
        if (strncmp(l->data, "Cert:", 5) == 0)
            return l->data + 5;
    return NULL;
}

/* Fingerprint of the leaf's DER and the pin of its SubjectPublicKeyInfo. */
static int leaf_pins(const char *pem, char fingerprint[static EXCHANGE_FINGERPRINT_LEN + 1],
                     char pin[static EXCHANGE_PIN_MAX], struct hl_error *err)
{
    gnutls_x509_crt_t crt = NULL;
    gnutls_pubkey_t pub = NULL;
    gnutls_datum_t in = {(unsigned char *)pem, (unsigned)strlen(pem)}, spki = {NULL, 0};
    uint8_t fp[32], digest[32];
    size_t n = sizeof fp;
    int r = -HL_E_VERIFY;
    if (gnutls_x509_crt_init(&crt) < 0 ||
        gnutls_x509_crt_import(crt, &in, GNUTLS_X509_FMT_PEM) < 0 ||
        gnutls_x509_crt_get_fingerprint(crt, GNUTLS_DIG_SHA256, fp, &n) < 0 || n != 32 ||
        gnutls_pubkey_init(&pub) < 0 || gnutls_pubkey_import_x509(pub, crt, 0) < 0 ||
        gnutls_pubkey_export2(pub, GNUTLS_X509_FMT_DER, &spki) < 0 ||
        ledger_sha256(spki.data, spki.size, digest) != 0) {
        hl_fail(err, HL_E_VERIFY, "certificate", "the server's certificate does not parse");
        goto out;
    }
    hl_hex(fingerprint, fp, 32);
    memcpy(pin, "sha256//", 8);
    sodium_bin2base64(pin + 8, EXCHANGE_PIN_MAX - 8, digest, 32, sodium_base64_VARIANT_ORIGINAL);
    r = 0;
out:
    gnutls_free(spki.data);
    if (pub)
        gnutls_pubkey_deinit(pub);
    if (crt)
        gnutls_x509_crt_deinit(crt);
    return r;
}

int exchange_pem_fingerprint(const char *pem, char fingerprint[static EXCHANGE_FINGERPRINT_LEN + 1],
                             struct hl_error *err)
{
    char pin[EXCHANGE_PIN_MAX];
    return leaf_pins(pem, fingerprint, pin, err);
}

/* No CA store for a peer's connection: the pin decides, and libcurl with
 * GnuTLS would otherwise read the system's whole CA directory for every
 * new connection, verification off or not (40-50 ms of CPU each here,
 * twice on a member's first contact: the probe, then the request). */
static void no_ca_store(CURL *h)
{
    curl_easy_setopt(h, CURLOPT_CAINFO, NULL);
    curl_easy_setopt(h, CURLOPT_CAPATH, NULL);
}

static size_t discard(char *p, size_t size, size_t n, void *ctx)
{
    (void)p;
    (void)ctx;
    return size * n;
}

/* libcurl's progress callback of a probe: non-zero ends it once the
 * client is cancelled (it is called at least about once a second, so a
 * stopping node does not wait out the probe's timeout). */
static int probe_progress(void *ctx, curl_off_t dt, curl_off_t dn, curl_off_t ut, curl_off_t un)
{
    (void)dt;
    (void)dn;
    (void)ut;
    (void)un;
    const atomic_bool *cancelled = ctx;
    return cancelled && atomic_load(cancelled) ? 1 : 0;
}

/* exchange_client_probe, ended early once *cancelled (may be NULL). */
static int probe_until(const atomic_bool *cancelled, const char *url,
                       char fingerprint[static EXCHANGE_FINGERPRINT_LEN + 1],
                       char pin[static EXCHANGE_PIN_MAX], struct hl_error *err)
{
    char target[EXCHANGE_URL_MAX + 16];
    fingerprint[0] = pin[0] = '\0';
    if (strncmp(url, "https://", 8) != 0 || strlen(url) > EXCHANGE_URL_MAX)
        return hl_fail(err, HL_E_INVALID, "url", "a peer's URL is https://HOST:PORT, not '%.80s'",
                       url);
    snprintf(target, sizeof target, "%s/taxii2/", url);
    CURL *h = curl_easy_init();
    if (!h)
        return hl_fail(err, HL_E_NOMEM, "curl", "no curl handle");
    /* No credentials, no reuse: this connection only shows the certificate. */
    curl_easy_setopt(h, CURLOPT_URL, target);
    curl_easy_setopt(h, CURLOPT_NOBODY, 1L);
    curl_easy_setopt(h, CURLOPT_CERTINFO, 1L);
    curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, 0L);
    curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, 0L);
    no_ca_store(h);
    curl_easy_setopt(h, CURLOPT_FRESH_CONNECT, 1L);
    curl_easy_setopt(h, CURLOPT_FORBID_REUSE, 1L);
    curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT, (long)EXCHANGE_CONNECT_TIMEOUT_S);
    curl_easy_setopt(h, CURLOPT_TIMEOUT, (long)EXCHANGE_CONNECT_TIMEOUT_S * 2);
    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "https");
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, discard);
    curl_easy_setopt(h, CURLOPT_NOPROGRESS, 0L);
    curl_easy_setopt(h, CURLOPT_XFERINFOFUNCTION, probe_progress);
    curl_easy_setopt(h, CURLOPT_XFERINFODATA, (void *)cancelled);
    CURLcode cc = curl_easy_perform(h);
    int r = 0;
    const char *pem = cc == CURLE_OK ? certinfo_leaf_pem(h) : NULL;
    if (cc != CURLE_OK)
        r = hl_fail(err, HL_E_IO, url, "cannot reach %s: %s", url, curl_easy_strerror(cc));
    else if (!pem)
        r = hl_fail(err, HL_E_VERIFY, url, "%s presented no certificate", url);
    else
        r = leaf_pins(pem, fingerprint, pin, err);
    curl_easy_cleanup(h);
    return r;
}

int exchange_client_probe(const char *url, char fingerprint[static EXCHANGE_FINGERPRINT_LEN + 1],
                          char pin[static EXCHANGE_PIN_MAX], struct hl_error *err)
{
    return probe_until(NULL, url, fingerprint, pin, err);
}

/* The pin slot of t, probed and checked; NULL with err set on failure. */
static struct pin *pin_for(struct exchange_client *c, const struct exchange_target *t,
                           struct hl_error *err)
{
    struct pin *p = NULL;
    char fp[EXCHANGE_FINGERPRINT_LEN + 1];
    for (size_t i = 0; i < c->n_pins && !p; i++)
        if (strcmp(c->pins[i].url, t->url) == 0)
            p = &c->pins[i];
    if (!p && c->n_pins == EXCHANGE_PINS_MAX) {
        hl_fail(err, HL_E_TOO_LARGE, "peers", "more than %d peers", EXCHANGE_PINS_MAX);
        return NULL;
    }
    if (!p) {
        p = &c->pins[c->n_pins++];
        memset(p, 0, sizeof *p);
        snprintf(p->url, sizeof p->url, "%s", t->url);
    }
    if (strcmp(p->fingerprint, t->fingerprint) != 0) {
        snprintf(p->fingerprint, sizeof p->fingerprint, "%s", t->fingerprint);
        p->pin[0] = '\0';
    }
    if (p->pin[0])
        return p;
    char pin[EXCHANGE_PIN_MAX];
    p->key_changed = false;
    if (probe_until(&c->cancelled, t->url, fp, pin, err))
        return NULL;
    p->next = t->next_fingerprint && t->next_fingerprint[0] &&
              strcmp(fp, t->next_fingerprint) == 0 && strcmp(fp, t->fingerprint) != 0;
    if (strcmp(fp, t->fingerprint) != 0 && !p->next) {
        hl_fail(err, HL_E_VERIFY, "cert_fingerprint",
                "the certificate of %s at %s has SHA-256 %s, but %s is pinned: not contacting it",
                t->name ? t->name : "the peer", t->url, fp, t->fingerprint);
        return NULL;
    }
    memcpy(p->pin, pin, sizeof pin);
    return p;
}

/* ---- one request ----------------------------------------------------------- */

static size_t on_body(char *data, size_t size, size_t n, void *ctx)
{
    struct exchange_answer *a = ctx;
    size_t len = size * n;
    return buf_add(&a->body, data, len) == 0 ? len : 0;
}

/* The Date header's time (an IMF-fixdate, or what curl_getdate reads),
 * noted with the moment it arrived; a peer's bytes, bounded. */
static void on_date(struct exchange_answer *a, const char *v, const char *end)
{
    char text[64];
    while (v < end && (*v == ' ' || *v == '\t'))
        v++;
    while (end > v && (end[-1] == '\r' || end[-1] == '\n' || end[-1] == ' '))
        end--;
    if ((size_t)(end - v) >= sizeof text)
        return;
    memcpy(text, v, (size_t)(end - v));
    text[end - v] = '\0';
    time_t t = curl_getdate(text, NULL);
    if (t > 0 && (int64_t)t < INT64_MAX / 1000000 - 1) {
        a->date_us = (int64_t)t * 1000000;
        a->date_seen_us = hl_wall_us();
    }
}

static size_t on_header(char *line, size_t size, size_t n, void *ctx)
{
    static const char name[] = "X-TAXII-Date-Added-Last:", date[] = "Date:";
    struct exchange_answer *a = ctx;
    size_t len = size * n, nl = sizeof name - 1;
    if (len > sizeof date - 1 && strncasecmp(line, date, sizeof date - 1) == 0)
        on_date(a, line + sizeof date - 1, line + len);
    if (len > nl && strncasecmp(line, name, nl) == 0) {
        const char *v = line + nl, *end = line + len;
        while (v < end && (*v == ' ' || *v == '\t'))
            v++;
        while (end > v && (end[-1] == '\r' || end[-1] == '\n' || end[-1] == ' '))
            end--;
        /* A peer's bytes that go into our next request's URL and our
         * cursor: a timestamp (RFC 3339, as STIX writes them) or nothing. */
        if ((size_t)(end - v) < sizeof a->added_last) {
            memcpy(a->added_last, v, (size_t)(end - v));
            a->added_last[end - v] = '\0';
            if (!stix_time_parse(a->added_last, NULL))
                a->added_last[0] = '\0';
        }
    }
    return len;
}

/* A request in flight on the multi handle. */
struct exchange_call {
    CURL *easy;
    struct curl_slist *hdr;
    struct exchange_answer *a;
    const struct exchange_target *t;
    struct pin *pin;
    CURLcode result;
};

void exchange_client_run(struct exchange_client *c)
{
    int running = 1;
    while (running && !atomic_load(&c->cancelled)) {
        if (curl_multi_perform(c->multi, &running) != CURLM_OK)
            break;
        int left = 0;
        for (CURLMsg *m; (m = curl_multi_info_read(c->multi, &left)) != NULL;) {
            struct exchange_call *call = NULL;
            curl_easy_getinfo(m->easy_handle, CURLINFO_PRIVATE, (char **)&call);
            if (m->msg == CURLMSG_DONE && call)
                call->result = m->data.result;
        }
        if (running && curl_multi_poll(c->multi, NULL, 0, 1000, NULL) != CURLM_OK)
            break;
    }
}

static void request_setup(struct exchange_client *c, CURL *h, const struct pin *p,
                          const char *method, const char *url, const char *body, size_t len,
                          struct exchange_answer *a)
{
    curl_easy_reset(h);
    curl_easy_setopt(h, CURLOPT_URL, url);
    curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "https");
    curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, 0L); /* the pin replaces the CA check */
    curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, 0L);
    no_ca_store(h);
    curl_easy_setopt(h, CURLOPT_PINNEDPUBLICKEY, p->pin);
    curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT, (long)EXCHANGE_CONNECT_TIMEOUT_S);
    curl_easy_setopt(h, CURLOPT_TIMEOUT, (long)c->timeout_s);
    /* A peer that stops answering mid-transfer is given up on sooner. */
    curl_easy_setopt(h, CURLOPT_LOW_SPEED_LIMIT, 1L);
    curl_easy_setopt(h, CURLOPT_LOW_SPEED_TIME, (long)EXCHANGE_STALL_S);
    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(h, CURLOPT_TCP_NODELAY, 1L);
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, a);
    curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(h, CURLOPT_HEADERDATA, a);
    a->date_us = a->date_seen_us = 0;
    a->sent_us = hl_wall_us();
    curl_easy_setopt(h, CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)EXCHANGE_ANSWER_MAX);
    if (strcmp(method, "POST") == 0) {
        curl_easy_setopt(h, CURLOPT_POST, 1L);
        curl_easy_setopt(h, CURLOPT_POSTFIELDS, body ? body : "");
        curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)(body ? len : 0));
    } else if (strcmp(method, "GET") != 0) {
        curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, method);
    }
}

int exchange_client_start(struct exchange_client *c, const struct exchange_target *t,
                          const char *method, const char *path, const char *body, size_t body_len,
                          struct exchange_answer *a, struct exchange_call **out,
                          struct hl_error *err)
{
    char url[EXCHANGE_URL_MAX + 1024], auth[AUTH_HEADER_MAX];
    struct curl_slist *h2;
    *out = NULL;
    buf_clear(&a->body);
    a->status = 0;
    a->added_last[0] = '\0';
    int n = snprintf(url, sizeof url, "%s%s", t->url, path);
    if (n < 0 || (size_t)n >= sizeof url)
        return hl_fail(err, HL_E_TOO_LARGE, "url", "request URL too long");
    if (atomic_load(&c->cancelled))
        return hl_fail(err, HL_E_IO, t->url, "stopping");
    struct pin *p = pin_for(c, t, err);
    if (!p)
        return -err->code;
    struct exchange_call *call = calloc(1, sizeof *call);
    if (!call || !(call->easy = curl_easy_init())) {
        free(call);
        return hl_fail(err, HL_E_NOMEM, "curl", "no curl handle");
    }
    *call = (struct exchange_call){call->easy, NULL, a, t, p, CURLE_FAILED_INIT};
    request_setup(c, call->easy, p, method, url, body, body_len, a);
    curl_easy_setopt(call->easy, CURLOPT_PRIVATE, (char *)call);
    call->hdr = curl_slist_append(NULL, "Accept: " TAXII_MEDIA);
    if (call->hdr && body && (h2 = curl_slist_append(call->hdr, "Content-Type: " TAXII_MEDIA)))
        call->hdr = h2;
    if (call->hdr && t->token && t->token[0]) {
        snprintf(auth, sizeof auth, "Authorization: Bearer %s", t->token);
        if ((h2 = curl_slist_append(call->hdr, auth)))
            call->hdr = h2;
        sodium_memzero(auth, sizeof auth);
    }
    curl_easy_setopt(call->easy, CURLOPT_HTTPHEADER, call->hdr);
    if (!call->hdr || curl_multi_add_handle(c->multi, call->easy) != CURLM_OK) {
        call->result = CURLE_OUT_OF_MEMORY;
        int r = exchange_client_end(c, call, err);
        return r ? r : hl_fail(err, HL_E_NOMEM, NULL, "out of memory");
    }
    *out = call;
    return 0;
}

int exchange_client_end(struct exchange_client *c, struct exchange_call *call, struct hl_error *err)
{
    const struct exchange_target *t = call->t;
    CURLcode cc = call->result;
    curl_multi_remove_handle(c->multi, call->easy);
    for (struct curl_slist *l = call->hdr; l; l = l->next)
        sodium_memzero(l->data, strlen(l->data));
    curl_slist_free_all(call->hdr);
    if (cc == CURLE_OK)
        curl_easy_getinfo(call->easy, CURLINFO_RESPONSE_CODE, &call->a->status);
    curl_easy_cleanup(call->easy);
    struct pin *p = call->pin;
    free(call);
    if (cc == CURLE_SSL_PINNEDPUBKEYNOTMATCH) {
        p->pin[0] = '\0';
        p->key_changed = true;
        bool announced = t->next_fingerprint && t->next_fingerprint[0];
        return hl_fail(err, HL_E_VERIFY, "cert_fingerprint",
                       "%s at %s presented another public key than the pinned certificate's%s",
                       t->name ? t->name : "the peer", t->url,
                       announced ? " (it announced a next certificate: the next try checks it)"
                                 : "");
    }
    if (cc == CURLE_WRITE_ERROR || cc == CURLE_FILESIZE_EXCEEDED)
        return hl_fail(err, HL_E_TOO_LARGE, t->url, "the answer of %s exceeds %u bytes", t->url,
                       EXCHANGE_ANSWER_MAX);
    if (cc == CURLE_FAILED_INIT && atomic_load(&c->cancelled))
        return hl_fail(err, HL_E_IO, t->url, "%s: stopped", t->url);
    if (cc != CURLE_OK) /* worded as the probe's: one log line per outage, not two */
        return hl_fail(err, HL_E_IO, t->url, "cannot reach %s: %s", t->url,
                       curl_easy_strerror(cc));
    return 0;
}

int exchange_client_request(struct exchange_client *c, const struct exchange_target *t,
                            const char *method, const char *path, const char *body, size_t body_len,
                            struct exchange_answer *a, struct hl_error *err)
{
    struct exchange_call *call = NULL;
    int r = exchange_client_start(c, t, method, path, body, body_len, a, &call, err);
    if (r)
        return r;
    exchange_client_run(c);
    return exchange_client_end(c, call, err);
}
