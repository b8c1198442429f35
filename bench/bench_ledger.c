/*
 * bench_ledger.c — what the ledger's crypto costs, before any storage:
 *   - SHA-256 throughput, GnuTLS (ledger_sha256, the CPU's SHA
 *     instructions) against libsodium, on 1 MiB buffers and on the 65-byte
 *     Merkle node input (DESIGN.md claims GnuTLS is ~4x faster here);
 *   - Ed25519 signatures and verifications per second (libsodium);
 *   - hotline seals per second of a ~1 KB STIX object (seal_object: RFC
 *     8785 form + SHA-256 + Ed25519) and seal verifications per second.
 * Each figure is the median of 5 runs. The store-backed append
 * measurements go in the marked section at the end (not written yet).
 */
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ledger/ledger.h"
#include "stix/stix.h"

#define RUNS 5

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* A benchmark body: does n operations, returns 0 or fails. */
typedef int (*bench_fn)(void *ctx, size_t n);

/* Median seconds per operation over RUNS runs of n operations. */
static double bench_median(bench_fn fn, void *ctx, size_t n)
{
    double t[RUNS];
    for (int r = 0; r < RUNS; r++) {
        double t0 = now_s();
        if (fn(ctx, n) != 0) {
            fprintf(stderr, "bench_ledger: an operation failed\n");
            exit(1);
        }
        t[r] = (now_s() - t0) / (double)n;
    }
    qsort(t, RUNS, sizeof t[0], cmp_double);
    return t[RUNS / 2];
}

static uint8_t big[1 << 20];
static uint8_t node_in[65];
static uint8_t sink[32];

static int sha_gnutls_big(void *ctx, size_t n)
{
    (void)ctx;
    for (size_t i = 0; i < n; i++)
        if (ledger_sha256(big, sizeof big, sink))
            return -1;
    return 0;
}

static int sha_sodium_big(void *ctx, size_t n)
{
    (void)ctx;
    for (size_t i = 0; i < n; i++)
        crypto_hash_sha256(sink, big, sizeof big);
    return 0;
}

static int sha_gnutls_node(void *ctx, size_t n)
{
    (void)ctx;
    for (size_t i = 0; i < n; i++) {
        node_in[1] = (uint8_t)i;
        if (ledger_sha256(node_in, sizeof node_in, sink))
            return -1;
    }
    return 0;
}

static int sha_sodium_node(void *ctx, size_t n)
{
    (void)ctx;
    for (size_t i = 0; i < n; i++) {
        node_in[1] = (uint8_t)i;
        crypto_hash_sha256(sink, node_in, sizeof node_in);
    }
    return 0;
}

static struct seal_key key;
static uint8_t msg[64], sig[64];

static int ed_sign(void *ctx, size_t n)
{
    (void)ctx;
    for (size_t i = 0; i < n; i++) {
        msg[0] = (uint8_t)i;
        crypto_sign_detached(sig, NULL, msg, sizeof msg, key.sk);
    }
    return 0;
}

static int ed_verify(void *ctx, size_t n)
{
    (void)ctx;
    msg[0] = 7;
    crypto_sign_detached(sig, NULL, msg, sizeof msg, key.sk);
    for (size_t i = 0; i < n; i++)
        if (crypto_sign_verify_detached(sig, msg, sizeof msg, key.pk) != 0)
            return -1;
    return 0;
}

#define PARTY "identity--24568ec7-953a-47e2-8b30-cb40b93f5c94"

/* ctx: the unsealed object. Each seal works on a shallow copy. */
static int do_seal(void *ctx, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        json_t *obj = json_copy(ctx);
        int rc = obj ? seal_object(obj, &key, PARTY, "us-ru", i, NULL) : -1;
        json_decref(obj);
        if (rc)
            return -1;
    }
    return 0;
}

/* ctx: a sealed object. */
static int do_verify(void *ctx, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (seal_verify(ctx, NULL, NULL))
            return -1;
    return 0;
}

static const char *indicator =
    "{\"type\":\"indicator\",\"spec_version\":\"2.1\","
    "\"id\":\"indicator--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f\","
    "\"created_by_ref\":\"identity--f431f809-377b-45e0-aa1c-6a4751cae5ff\","
    "\"created\":\"2026-03-02T10:15:00.000Z\",\"modified\":\"2026-03-02T10:15:00.000Z\","
    "\"name\":\"C2 of the pipeline intrusion\",\"indicator_types\":[\"malicious-activity\","
    "\"attribution\"],\"description\":\"Command-and-control address contacted by the "
    "implant found on the SCADA historian of the eastern pipeline operator between 12 and "
    "19 February. The same address served the loader seen at two food processing plants "
    "and one IT supplier; traffic is TLS on port 443 with a self-signed certificate whose "
    "subject imitates a CDN. We assess with moderate confidence that the infrastructure is "
    "operated by the group described in the attached dossier.\","
    "\"pattern\":\"[ipv4-addr:value = '198.51.100.17'] OR [domain-name:value = "
    "'cdn-update.example.net']\",\"pattern_type\":\"stix\",\"pattern_version\":\"2.1\","
    "\"valid_from\":\"2026-02-12T00:00:00Z\",\"valid_until\":\"2026-08-12T00:00:00Z\","
    "\"kill_chain_phases\":[{\"kill_chain_name\":\"lockheed-martin-cyber-kill-chain\","
    "\"phase_name\":\"command-and-control\"}],\"confidence\":70,\"lang\":\"en\","
    "\"labels\":[\"pipeline\",\"c2\"],\"object_marking_refs\":"
    "[\"marking-definition--f88d31f6-486f-44da-b317-01333bde0b82\"]}";

int main(void)
{
    if (sodium_init() < 0 || seal_key_generate(&key, NULL))
        return 1;
    randombytes_buf(big, sizeof big);
    randombytes_buf(node_in, sizeof node_in);
    node_in[0] = 1;

    double g = bench_median(sha_gnutls_big, NULL, 200);
    double s = bench_median(sha_sodium_big, NULL, 50);
    double gn = bench_median(sha_gnutls_node, NULL, 500000);
    double sn = bench_median(sha_sodium_node, NULL, 500000);
    printf("SHA-256, 1 MiB buffers:   gnutls %8.1f MB/s   libsodium %8.1f MB/s   ratio %.2f\n",
           1.048576 / g, 1.048576 / s, s / g);
    printf("SHA-256, 65-byte nodes:   gnutls %8.0f /s     libsodium %8.0f /s     ratio %.2f\n",
           1 / gn, 1 / sn, sn / gn);

    double es = bench_median(ed_sign, NULL, 20000);
    double ev = bench_median(ed_verify, NULL, 10000);
    printf("Ed25519 (libsodium):      sign %8.0f /s       verify %8.0f /s\n", 1 / es, 1 / ev);

    json_t *obj = NULL;
    struct hl_error err;
    if (stix_parse(indicator, strlen(indicator), &obj, &err)) {
        fprintf(stderr, "bench_ledger: %s\n", err.msg);
        return 1;
    }
    json_t *sealed = json_deep_copy(obj);
    struct buf canon;
    buf_init(&canon, 1u << 20);
    if (!sealed || seal_object(sealed, &key, PARTY, "us-ru", 1, &err) ||
        stix_canon(sealed, &canon, &err)) {
        fprintf(stderr, "bench_ledger: cannot seal: %s\n", err.msg);
        return 1;
    }
    double ss = bench_median(do_seal, obj, 5000);
    double sv = bench_median(do_verify, sealed, 5000);
    printf("seal of a %zu-byte sealed STIX object: %8.0f seals/s (%.1f us), "
           "%8.0f verifications/s (%.1f us)\n",
           canon.len, 1 / ss, ss * 1e6, 1 / sv, sv * 1e6);

    /* ==== store-backed appends: reserved for the log's author ==== */

    buf_release(&canon);
    json_decref(sealed);
    json_decref(obj);
    seal_key_wipe(&key);
    return 0;
}
