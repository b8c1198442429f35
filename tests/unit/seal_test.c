/*
 * seal_test.c — Ed25519 keys and key files, ITU-T X.590 signatures and
 * the hotline seal (src/ledger/keys.c, seal.c). The three objects in
 * $HL_SHARED/x590, signed by an implementation no one here wrote, must
 * verify, must be reproduced byte for byte from the X.590 example key
 * (Ed25519 is deterministic), and must fail with any byte changed.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>
#include <sodium.h>

#include "ledger/ledger.h"
#include "stix/stix.h"

#define EXAMPLE_SPKI "MCowBQYDK2VwAyEAubMonBfU9pvIbj5RCiWQLD45Jvu6mKr+kQXjvjW8ZkU"
/* X.590 Appendix II.2, PKCS#8: the last 32 bytes are the seed. */
#define EXAMPLE_PKCS8 "MC4CAQAwBQYDK2VwBCIEIDnZ5bPmXnB3OfU/5fNVfxfr7iRZtqH06AZ3b6c6liTL"
#define PARTY "identity--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f"

static const char *indicator_text =
    "{\"type\":\"indicator\",\"spec_version\":\"2.1\","
    "\"id\":\"indicator--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f\","
    "\"created\":\"2016-04-06T20:03:48.000Z\",\"modified\":\"2016-04-06T20:03:48.000Z\","
    "\"indicator_types\":[\"malicious-activity\"],\"name\":\"Poison Ivy C2\","
    "\"description\":\"\\u00e9t\\u00e9 \\u2014 C2 of the campaign\","
    "\"pattern\":\"[ipv4-addr:value = '198.51.100.1']\",\"pattern_type\":\"stix\","
    "\"valid_from\":\"2016-01-01T00:00:00Z\",\"confidence\":85,\"x_score\":0.25}";

static json_t *parse(const char *text, size_t len)
{
    json_t *doc = NULL;
    struct hl_error err;
    if (stix_parse(text, len, &doc, &err))
        fail_msg("parse: %s: %s", err.where, err.msg);
    return doc;
}

static char *read_shared(const char *name, size_t *len)
{
    const char *shared = getenv("HL_SHARED");
    if (!shared)
        fail_msg("HL_SHARED is not set");
    char path[1024];
    snprintf(path, sizeof path, "%s/x590/%s", shared, name);
    struct buf b;
    struct hl_error err;
    buf_init(&b, 1u << 20);
    if (hl_read_file(path, 1u << 20, &b, &err))
        fail_msg("%s: %s", path, err.msg);
    return buf_detach(&b, len);
}

static void example_key(struct seal_key *key)
{
    uint8_t der[48];
    size_t n = 0;
    assert_int_equal(sodium_base642bin(der, sizeof der, EXAMPLE_PKCS8, strlen(EXAMPLE_PKCS8), NULL,
                                       &n, NULL, sodium_base64_VARIANT_ORIGINAL),
                     0);
    assert_int_equal(n, 48);
    assert_int_equal(seal_key_from_seed(key, der + 16, NULL), 0);
}

static void test_example_key_has_x590_public_key(void **state)
{
    (void)state;
    struct seal_key key;
    char spki[SEAL_SPKI_B64_MAX];
    example_key(&key);
    seal_spki_encode(key.pk, spki);
    assert_string_equal(spki, EXAMPLE_SPKI);
    uint8_t pk[32];
    assert_int_equal(seal_spki_decode(EXAMPLE_SPKI, pk, NULL), 0);
    assert_memory_equal(pk, key.pk, 32);
    seal_key_wipe(&key);
    uint8_t zero[sizeof key];
    memset(zero, 0, sizeof zero);
    assert_memory_equal(&key, zero, sizeof key);
}

static void test_spki_decode_rejects_noncanonical_and_foreign_keys(void **state)
{
    (void)state;
    uint8_t pk[32];
    /* Last character carries unused bits: 'U' -> 'V' decodes to the same key. */
    char s[] = EXAMPLE_SPKI;
    s[58] = 'V';
    assert_int_equal(seal_spki_decode(s, pk, NULL), -HL_E_VERIFY);
    assert_int_equal(seal_spki_decode(EXAMPLE_SPKI "=", pk, NULL), -HL_E_VERIFY);
    assert_int_equal(seal_spki_decode("MCowBQYDK2VwAyEA", pk, NULL), -HL_E_VERIFY);
    /* An X25519 SPKI (OID 1.3.101.110, "K2Vu") is not an Ed25519 key. */
    char x[] = EXAMPLE_SPKI;
    memcpy(x + 10, "K2Vu", 4);
    assert_int_equal(seal_spki_decode(x, pk, NULL), -HL_E_VERIFY);
    char url[] = EXAMPLE_SPKI; /* '+' spelled base64url */
    char *plus = strchr(url, '+');
    assert_non_null(plus);
    *plus = '-';
    assert_int_equal(seal_spki_decode(url, pk, NULL), -HL_E_VERIFY);
}

static void test_shared_x590_objects_verify(void **state)
{
    (void)state;
    const char *names[] = {"signed1.json", "signed2.json", "signed3.json"};
    uint8_t want[32];
    assert_int_equal(seal_spki_decode(EXAMPLE_SPKI, want, NULL), 0);
    for (int i = 0; i < 3; i++) {
        size_t len;
        char *text = read_shared(names[i], &len);
        json_t *doc = parse(text, len);
        struct x590_result r;
        struct hl_error err;
        if (x590_verify_all(doc, &r, &err))
            fail_msg("%s: %s: %s", names[i], err.where, err.msg);
        assert_int_equal(r.n, 1);
        assert_memory_equal(r.pk[0], want, 32);
        json_decref(doc);
        free(text);
    }
}

static void test_signing_reproduces_shared_x590_objects(void **state)
{
    (void)state;
    const char *names[] = {"signed1.json", "signed2.json", "signed3.json"};
    struct seal_key key;
    example_key(&key);
    for (int i = 0; i < 3; i++) {
        size_t len;
        char *text = read_shared(names[i], &len);
        json_t *want = parse(text, len);
        json_t *doc = json_deep_copy(want);
        json_object_del(doc, "signatures");
        assert_int_equal(x590_sign(doc, &key, NULL), 0);
        assert_true(json_equal(doc, want));
        json_decref(doc);
        json_decref(want);
        free(text);
    }
    seal_key_wipe(&key);
}

/* Changes every byte of text to each of a few other values; whenever the
 * result still parses, verify must fail. Returns how many parsed. */
static int flip_every_byte(const char *text, size_t len, bool sealed)
{
    static const uint8_t deltas[] = {0x01, 0x20, 0x02};
    char *copy = malloc(len + 1);
    int parsed = 0;
    assert_non_null(copy);
    for (size_t i = 0; i < len; i++) {
        for (size_t d = 0; d < sizeof deltas; d++) {
            memcpy(copy, text, len);
            copy[i] = (char)(copy[i] ^ deltas[d]);
            json_t *doc = NULL;
            if (stix_parse(copy, len, &doc, NULL))
                continue;
            parsed++;
            int rc = sealed ? seal_verify(doc, NULL, NULL) : x590_verify_all(doc, NULL, NULL);
            json_decref(doc);
            if (rc == 0)
                fail_msg("byte %zu ^ 0x%02x still verifies: %.*s", i, deltas[d], (int)len, copy);
        }
    }
    free(copy);
    return parsed;
}

static void test_shared_x590_objects_fail_with_any_byte_changed(void **state)
{
    (void)state;
    const char *names[] = {"signed1.json", "signed2.json", "signed3.json"};
    for (int i = 0; i < 3; i++) {
        size_t len;
        char *text = read_shared(names[i], &len);
        /* The canonical form: every byte of it is signed. */
        json_t *doc = parse(text, len);
        struct buf canon;
        buf_init(&canon, 1u << 20);
        assert_int_equal(stix_canon(doc, &canon, NULL), 0);
        int parsed = flip_every_byte(canon.data, canon.len, false);
        assert_true(parsed > (int)canon.len); /* most changes still parse */
        buf_release(&canon);
        json_decref(doc);
        free(text);
    }
}

static json_t *sealed_indicator(struct seal_key *key, uint64_t seq)
{
    json_t *obj = parse(indicator_text, strlen(indicator_text));
    struct hl_error err;
    if (seal_object(obj, key, PARTY, "us-ru", seq, &err))
        fail_msg("seal: %s: %s", err.where, err.msg);
    return obj;
}

static void test_seal_round_trip_reports_party_channel_seq(void **state)
{
    (void)state;
    struct seal_key key;
    struct seal_info info;
    struct hl_error err;
    assert_int_equal(seal_key_generate(&key, NULL), 0);
    json_t *obj = sealed_indicator(&key, 812);
    if (seal_verify(obj, &info, &err))
        fail_msg("%s: %s", err.where, err.msg);
    assert_string_equal(info.party, PARTY);
    assert_string_equal(info.channel, "us-ru");
    assert_int_equal(info.seq, 812);
    assert_int_equal(info.n_signatures, 1);
    assert_memory_equal(info.pk, key.pk, 32);
    const json_t *decl = json_object_get(json_object_get(obj, "extensions"), SEAL_EXTENSION_ID);
    assert_string_equal(json_string_value(json_object_get(decl, "extension_type")),
                        "toplevel-property-extension");
    json_decref(obj);
    seal_key_wipe(&key);
}

static int verify_with_canon(const json_t *obj)
{
    struct buf c;
    buf_init(&c, HL_MAX_DOCUMENT_BYTES);
    assert_int_equal(stix_canon(obj, &c, NULL), 0);
    int rc = seal_verify_canonical(obj, (const uint8_t *)c.data, c.len, NULL, NULL);
    buf_release(&c);
    return rc;
}

/* seal_verify_canonical hashes the signed form from the object's RFC 8785
 * bytes; it must agree with seal_verify on good and bad objects, also
 * when the signature's value text appears twice (it then hashes the long
 * way), and with two signatures. */
static void test_verify_from_canonical_bytes_agrees(void **state)
{
    (void)state;
    struct seal_key key, other;
    assert_int_equal(seal_key_generate(&key, NULL), 0);
    assert_int_equal(seal_key_generate(&other, NULL), 0);
    json_t *obj = sealed_indicator(&key, 7);
    assert_int_equal(verify_with_canon(obj), 0);
    /* A changed byte anywhere fails both ways. */
    json_object_set_new(obj, "name", json_string("changed"));
    assert_int_equal(verify_with_canon(obj), -HL_E_VERIFY);
    assert_int_equal(seal_verify(obj, NULL, NULL), -HL_E_VERIFY);
    json_decref(obj);
    /* The value repeated as a member elsewhere: still correct. */
    obj = parse(indicator_text, strlen(indicator_text));
    json_object_set_new(obj, "x_copy", json_pack("{s:s,s:s}", "a", "b", "value", "placeholder"));
    assert_int_equal(seal_object(obj, &key, PARTY, "us-ru", 8, NULL), 0);
    const char *v = json_string_value(
        json_object_get(json_array_get(json_object_get(obj, "signatures"), 0), "value"));
    json_t *copy = json_deep_copy(obj);
    json_object_set_new(json_object_get(copy, "x_copy"), "value", json_string(v));
    assert_int_equal(seal_verify(copy, NULL, NULL), -HL_E_VERIFY); /* x_copy changed */
    assert_int_equal(verify_with_canon(copy), -HL_E_VERIFY);
    json_decref(copy);
    /* Two signatures: each checked on its own form. */
    assert_int_equal(x590_sign(obj, &other, NULL), 0);
    assert_int_equal(verify_with_canon(obj), 0);
    json_decref(obj);
    seal_key_wipe(&key);
    seal_key_wipe(&other);
}

/* The sealed object's RFC 8785 form that seal_object_canon derives from
 * the signed form is byte for byte stix_canon's: plain, with an earlier
 * X.590 signature (derived the long way), and with the entry's text
 * planted elsewhere in the object (found twice: the long way too). */
static void test_seal_canon_equals_canonical_form(void **state)
{
    (void)state;
    struct seal_key key, other;
    struct buf got, want;
    char spki[SEAL_SPKI_B64_MAX];
    assert_int_equal(seal_key_generate(&key, NULL), 0);
    assert_int_equal(seal_key_generate(&other, NULL), 0);
    seal_spki_encode(key.pk, spki);
    for (int variant = 0; variant < 3; variant++) {
        json_t *obj = parse(indicator_text, strlen(indicator_text));
        if (variant == 1)
            assert_int_equal(x590_sign(obj, &other, NULL), 0);
        if (variant == 2)
            json_object_set_new(obj, "x_planted",
                                json_pack("{s:[{s:s,s:s,s:s}]}", "signatures", "algorithm",
                                          "Ed25519", "hash_algorithm", "sha-256", "public_key",
                                          spki));
        buf_init(&got, HL_MAX_DOCUMENT_BYTES);
        buf_init(&want, HL_MAX_DOCUMENT_BYTES);
        assert_int_equal(seal_object_canon(obj, &key, PARTY, "us-ru", 9, &got, NULL), 0);
        assert_int_equal(stix_canon(obj, &want, NULL), 0);
        assert_int_equal(got.len, want.len);
        assert_memory_equal(got.data, want.data, want.len);
        /* (the earlier signature of variant 1 did not cover the seal) */
        assert_int_equal(seal_verify(obj, NULL, NULL), variant == 1 ? -HL_E_VERIFY : 0);
        buf_release(&got);
        buf_release(&want);
        json_decref(obj);
    }
    seal_key_wipe(&key);
    seal_key_wipe(&other);
}

static void expect_seal_fails(json_t *obj, const char *what)
{
    if (seal_verify(obj, NULL, NULL) != -HL_E_VERIFY)
        fail_msg("seal still verifies after %s", what);
}

static void test_seal_rejects_changed_sequence_number(void **state)
{
    (void)state;
    struct seal_key key;
    assert_int_equal(seal_key_generate(&key, NULL), 0);
    json_t *obj = sealed_indicator(&key, 7);
    json_object_set_new(obj, SEAL_PROP_SEQ, json_integer(8));
    expect_seal_fails(obj, "changing hotline_seq");
    json_object_set_new(obj, SEAL_PROP_SEQ, json_integer(-1));
    expect_seal_fails(obj, "a negative hotline_seq");
    json_object_set_new(obj, SEAL_PROP_SEQ, json_real(7.0));
    expect_seal_fails(obj, "a real hotline_seq");
    json_object_set_new(obj, SEAL_PROP_SEQ, json_integer(7));
    assert_int_equal(seal_verify(obj, NULL, NULL), 0);
    json_decref(obj);
    seal_key_wipe(&key);
}

static void test_seal_rejects_changed_channel_party_or_extension(void **state)
{
    (void)state;
    struct seal_key key;
    assert_int_equal(seal_key_generate(&key, NULL), 0);
    json_t *obj = sealed_indicator(&key, 7);
    json_t *copy = json_deep_copy(obj);
    json_object_set_new(copy, SEAL_PROP_CHANNEL, json_string("us-cn"));
    expect_seal_fails(copy, "changing hotline_channel");
    json_decref(copy);
    copy = json_deep_copy(obj);
    json_object_set_new(copy, SEAL_PROP_PARTY,
                        json_string("identity--00000000-17d4-4cbf-938f-98ee46b3cd3f"));
    expect_seal_fails(copy, "changing hotline_party");
    json_decref(copy);
    copy = json_deep_copy(obj);
    json_object_del(copy, "extensions");
    expect_seal_fails(copy, "removing the extension declaration");
    json_decref(copy);
    copy = json_deep_copy(obj);
    json_object_del(copy, "signatures");
    expect_seal_fails(copy, "removing the signature");
    json_decref(copy);
    json_decref(obj);
    seal_key_wipe(&key);
}

static void test_sealed_object_fails_with_any_byte_changed(void **state)
{
    (void)state;
    struct seal_key key;
    assert_int_equal(seal_key_generate(&key, NULL), 0);
    json_t *obj = sealed_indicator(&key, 42);
    struct buf canon;
    buf_init(&canon, 1u << 20);
    assert_int_equal(stix_canon(obj, &canon, NULL), 0);
    assert_true(flip_every_byte(canon.data, canon.len, true) > 0);
    buf_release(&canon);
    json_decref(obj);
    seal_key_wipe(&key);
}

/* A failure after the seal's properties went into the object (here the
 * RFC 8785 form refuses a tree deeper than HL_MAX_JSON_DEPTH) takes them
 * out again: with and without earlier extensions and signatures. */
static void test_seal_failing_late_leaves_object_unchanged(void **state)
{
    (void)state;
    struct seal_key key;
    assert_int_equal(seal_key_generate(&key, NULL), 0);
    for (int variant = 0; variant < 3; variant++) {
        json_t *obj = parse(indicator_text, strlen(indicator_text));
        json_t *deep = json_object(), *at = deep;
        for (int d = 0; d < HL_MAX_JSON_DEPTH + 2; d++) {
            json_t *next = json_object();
            json_object_set_new(at, "x", next);
            at = next;
        }
        json_object_set_new(obj, "x_deep", deep);
        if (variant == 1)
            json_object_del(obj, "extensions");
        if (variant == 2)
            json_object_set_new(obj, "signatures", json_array());
        json_t *orig = json_deep_copy(obj);
        struct hl_error err;
        assert_int_equal(seal_object(obj, &key, PARTY, "us-ru", 3, &err), -HL_E_TOO_LARGE);
        assert_non_null(strstr(err.msg, "nested deeper"));
        assert_true(json_equal(obj, orig));
        json_decref(orig);
        json_decref(obj);
    }
    seal_key_wipe(&key);
}

static void test_seal_refuses_bad_arguments_and_leaves_object_unchanged(void **state)
{
    (void)state;
    struct seal_key key;
    assert_int_equal(seal_key_generate(&key, NULL), 0);
    json_t *obj = parse(indicator_text, strlen(indicator_text));
    json_t *orig = json_deep_copy(obj);
    assert_int_equal(seal_object(obj, &key, "identity--nope", "us-ru", 1, NULL), -HL_E_INVALID);
    assert_int_equal(seal_object(obj, &key, PARTY, "Us Ru", 1, NULL), -HL_E_INVALID);
    assert_int_equal(seal_object(obj, &key, PARTY, "", 1, NULL), -HL_E_INVALID);
    assert_int_equal(seal_object(obj, &key, PARTY, "us-ru", (uint64_t)HL_IJSON_MAX_INT + 1, NULL),
                     -HL_E_INVALID);
    json_object_set_new(obj, "extensions", json_string("x"));
    assert_int_equal(seal_object(obj, &key, PARTY, "us-ru", 1, NULL), -HL_E_STIX);
    json_object_set(obj, "extensions", json_object_get(orig, "extensions"));
    json_object_del(obj, "extensions");
    assert_true(json_equal(obj, orig));
    assert_int_equal(seal_object(obj, &key, PARTY, "us-ru", HL_IJSON_MAX_INT, NULL), 0);
    assert_int_equal(seal_object(obj, &key, PARTY, "us-ru", 2, NULL), -HL_E_EXISTS);
    json_decref(orig);
    json_decref(obj);
    seal_key_wipe(&key);
}

static void test_second_signature_keeps_first_valid(void **state)
{
    (void)state;
    struct seal_key a, b;
    struct x590_result r;
    assert_int_equal(seal_key_generate(&a, NULL), 0);
    assert_int_equal(seal_key_generate(&b, NULL), 0);
    json_t *obj = sealed_indicator(&a, 1);
    assert_int_equal(x590_sign(obj, &b, NULL), 0);
    assert_int_equal(x590_verify_all(obj, &r, NULL), 0);
    assert_int_equal(r.n, 2);
    assert_memory_equal(r.pk[0], a.pk, 32);
    assert_memory_equal(r.pk[1], b.pk, 32);
    /* Independent (X.590 §7.1.2): dropping one leaves the other valid. */
    json_array_remove(json_object_get(obj, "signatures"), 0);
    assert_int_equal(x590_verify_all(obj, &r, NULL), 0);
    assert_memory_equal(r.pk[0], b.pk, 32);
    json_decref(obj);
    seal_key_wipe(&a);
    seal_key_wipe(&b);
}

/* Replaces signatures[0].value of doc with the base64url of sig. */
static void set_value(json_t *doc, const uint8_t sig[64])
{
    char b64[90];
    sodium_bin2base64(b64, sizeof b64, sig, 64, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
    json_t *entry = json_array_get(json_object_get(doc, "signatures"), 0);
    json_object_set_new(entry, "value", json_string(b64));
}

static void test_verify_rejects_malleated_and_malformed_signatures(void **state)
{
    (void)state;
    size_t len;
    char *text = read_shared("signed3.json", &len);
    json_t *doc = parse(text, len);
    json_t *entry = json_array_get(json_object_get(doc, "signatures"), 0);
    char value[100];
    snprintf(value, sizeof value, "%s", json_string_value(json_object_get(entry, "value")));
    uint8_t sig[64], bad[64];
    size_t n = 0;
    assert_int_equal(sodium_base642bin(sig, 64, value, strlen(value), NULL, &n, NULL,
                                       sodium_base64_VARIANT_URLSAFE_NO_PADDING),
                     0);
    /* S + L (the group order): the same signature, non-canonical. */
    static const uint8_t L[32] = {0xed, 0xd3, 0xf5, 0x5c, 0x1a, 0x63, 0x12, 0x58, 0xd6, 0x9c, 0xf7,
                                  0xa2, 0xde, 0xf9, 0xde, 0x14, 0,    0,    0,    0,    0,    0,
                                  0,    0,    0,    0,    0,    0,    0,    0,    0,    0x10};
    memcpy(bad, sig, 64);
    unsigned carry = 0;
    for (int i = 0; i < 32; i++) {
        unsigned s = bad[32 + i] + L[i] + carry;
        bad[32 + i] = (uint8_t)s;
        carry = s >> 8;
    }
    set_value(doc, bad);
    assert_int_equal(x590_verify_all(doc, NULL, NULL), -HL_E_VERIFY);
    set_value(doc, sig);
    assert_int_equal(x590_verify_all(doc, NULL, NULL), 0);
    /* Padded, standard alphabet, wrong algorithm, missing hash_algorithm. */
    char padded[128];
    snprintf(padded, sizeof padded, "%s==", value);
    json_t *saved = json_incref(json_object_get(entry, "value"));
    json_object_set_new(entry, "value", json_string(padded));
    assert_int_equal(x590_verify_all(doc, NULL, NULL), -HL_E_VERIFY);
    json_object_set(entry, "value", saved);
    json_object_set_new(entry, "algorithm", json_string("ed25519"));
    assert_int_equal(x590_verify_all(doc, NULL, NULL), -HL_E_VERIFY);
    json_object_set_new(entry, "algorithm", json_string("Ed25519"));
    json_object_del(entry, "hash_algorithm");
    assert_int_equal(x590_verify_all(doc, NULL, NULL), -HL_E_VERIFY);
    json_object_set_new(entry, "hash_algorithm", json_string("sha-256"));
    assert_int_equal(x590_verify_all(doc, NULL, NULL), 0);
    json_object_set_new(doc, "signatures", json_array());
    assert_int_equal(x590_verify_all(doc, NULL, NULL), -HL_E_VERIFY);
    json_decref(saved);
    json_decref(doc);
    free(text);
}

/* ---- key files --------------------------------------------------------- */

static void temp_path(char *out, size_t n, const char *name)
{
    static char dir[64];
    if (!dir[0]) {
        snprintf(dir, sizeof dir, "/tmp/seal_test.XXXXXX");
        if (!mkdtemp(dir))
            fail_msg("mkdtemp");
    }
    snprintf(out, n, "%s/%s", dir, name);
}

static void test_key_files_round_trip_and_refuse_overwrite(void **state)
{
    (void)state;
    char sk_path[128], pk_path[128];
    temp_path(sk_path, sizeof sk_path, "a.key");
    temp_path(pk_path, sizeof pk_path, "a.pub");
    struct seal_key key, back;
    uint8_t pk[32];
    assert_int_equal(seal_key_generate(&key, NULL), 0);
    assert_int_equal(seal_key_write_secret(sk_path, &key, NULL), 0);
    assert_int_equal(seal_key_write_public(pk_path, key.pk, NULL), 0);
    struct stat st;
    assert_int_equal(stat(sk_path, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0600);
    assert_int_equal(seal_key_read_secret(sk_path, &back, NULL), 0);
    assert_memory_equal(&back, &key, sizeof key);
    assert_int_equal(seal_key_read_public(pk_path, pk, NULL), 0);
    assert_memory_equal(pk, key.pk, 32);
    assert_int_equal(seal_key_write_secret(sk_path, &key, NULL), -HL_E_EXISTS);
    assert_int_equal(seal_key_write_public(pk_path, key.pk, NULL), -HL_E_EXISTS);
    /* A public key file is not a secret key file, and the reverse. */
    chmod(pk_path, 0600);
    assert_int_equal(seal_key_read_secret(pk_path, &back, NULL), -HL_E_PARSE);
    assert_int_equal(seal_key_read_public(sk_path, pk, NULL), -HL_E_PARSE);
    seal_key_wipe(&key);
    seal_key_wipe(&back);
}

static void test_secret_key_file_readable_by_others_is_refused(void **state)
{
    (void)state;
    char path[128];
    temp_path(path, sizeof path, "b.key");
    struct seal_key key, back;
    struct hl_error err;
    assert_int_equal(seal_key_generate(&key, NULL), 0);
    assert_int_equal(seal_key_write_secret(path, &key, NULL), 0);
    assert_int_equal(chmod(path, 0644), 0);
    assert_int_equal(seal_key_read_secret(path, &back, &err), -HL_E_PERM);
    assert_non_null(strstr(err.msg, "chmod 600"));
    uint8_t zero[sizeof back];
    memset(zero, 0, sizeof zero);
    assert_memory_equal(&back, zero, sizeof back);
    assert_int_equal(chmod(path, 0640), 0);
    assert_int_equal(seal_key_read_secret(path, &back, NULL), -HL_E_PERM);
    assert_int_equal(chmod(path, 0400), 0);
    assert_int_equal(seal_key_read_secret(path, &back, NULL), 0);
    seal_key_wipe(&key);
    seal_key_wipe(&back);
}

static void test_malformed_secret_key_files_are_refused(void **state)
{
    (void)state;
    const char *bodies[] = {
        "",
        SEAL_SECRET_MAGIC "\n",
        SEAL_SECRET_MAGIC "\nOdnls+ZecHc59T/l81V/F+vuJFm2ofToBndvpzqWJMs=\n\n",
        SEAL_SECRET_MAGIC "\nOdnls+ZecHc59T/l81V/F+vuJFm2ofToBndvpzqWJMs\n",
        "hotline-ed25519-secret-v2\nOdnls+ZecHc59T/l81V/F+vuJFm2ofToBndvpzqWJMs=\n",
        SEAL_SECRET_MAGIC "\r\nOdnls+ZecHc59T/l81V/F+vuJFm2ofToBndvpzqWJMs=\n",
    };
    struct seal_key key;
    for (size_t i = 0; i < sizeof bodies / sizeof bodies[0]; i++) {
        char path[128], name[32];
        snprintf(name, sizeof name, "bad%zu.key", i);
        temp_path(path, sizeof path, name);
        FILE *f = fopen(path, "wb");
        assert_non_null(f);
        fputs(bodies[i], f);
        fclose(f);
        chmod(path, 0600);
        if (seal_key_read_secret(path, &key, NULL) != -HL_E_PARSE)
            fail_msg("accepted key file %zu", i);
    }
    /* The well-formed one, for contrast: the X.590 example seed. */
    char path[128];
    temp_path(path, sizeof path, "good.key");
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    fputs(SEAL_SECRET_MAGIC "\nOdnls+ZecHc59T/l81V/F+vuJFm2ofToBndvpzqWJMs=", f);
    fclose(f);
    chmod(path, 0600);
    assert_int_equal(seal_key_read_secret(path, &key, NULL), 0);
    char spki[SEAL_SPKI_B64_MAX];
    seal_spki_encode(key.pk, spki);
    assert_string_equal(spki, EXAMPLE_SPKI);
    seal_key_wipe(&key);
}

/* ---- ledger_parse ------------------------------------------------------- */

/* An envelope of n notes (about 120 bytes each); bad >= 0 gives object
 * bad a duplicate key. The caller frees it. */
static char *big_envelope(size_t n, long bad)
{
    size_t cap = 64 + n * 160, len = 0;
    char *s = malloc(cap);
    assert_non_null(s);
    len += (size_t)snprintf(s, cap, "{\"more\": false, \"objects\": [");
    for (size_t i = 0; i < n; i++)
        len += (size_t)snprintf(s + len, cap - len,
                                "%s\n {\"type\": \"note\", \"id\": \"note--%zu\", \"content\": "
                                "\"[{\\\"x\\\"}] \\u00e9\", \"n\": %zu%s}",
                                i ? "," : "", i, i, (long)i == bad ? ", \"n\": 1" : "");
    snprintf(s + len, cap - len, "]}");
    return s;
}

static void test_ledger_parse_agrees_with_stix_parse(void **state)
{
    (void)state;
    struct hl_error e1, e2;
    for (long bad = -1; bad <= 1500; bad += 1501) {
        char *s = big_envelope(2000, bad);
        size_t len = strlen(s);
        assert_true(len > 128 * 1024); /* cut in parts, on the threads */
        json_t *whole = NULL, *parts = NULL;
        hl_error_clear(&e1);
        hl_error_clear(&e2);
        int r1 = stix_parse(s, len, &whole, &e1);
        int r2 = ledger_parse(s, len, &parts, &e2);
        assert_int_equal(r1, r2);
        if (bad < 0) {
            assert_int_equal(r1, 0);
            assert_true(json_equal(whole, parts));
            assert_int_equal(json_array_size(json_object_get(parts, "objects")), 2000);
            struct stix_split sp; /* the shape ledger_parse cuts */
            assert_int_equal(stix_split(s, len, &sp, &e1), 0);
            assert_int_equal(sp.n, 2000);
            stix_split_release(&sp);
        } else {
            assert_int_equal(r1, -HL_E_PARSE);
            assert_null(parts);
            assert_string_equal(e1.where, e2.where);
            assert_string_equal(e1.msg, e2.msg);
        }
        json_decref(whole);
        json_decref(parts);
        free(s);
    }
}

/* A statement outside the log: verifies with the signer's key only, for
 * the same context and texts only. */
static void test_statement_signs_context_and_texts(void **state)
{
    (void)state;
    struct seal_key a, b;
    uint8_t seed[32];
    char sig[SEAL_STATEMENT_SIG_B64];
    struct hl_error err;
    memset(seed, 1, sizeof seed);
    assert_int_equal(seal_key_from_seed(&a, seed, NULL), 0);
    memset(seed, 2, sizeof seed);
    assert_int_equal(seal_key_from_seed(&b, seed, NULL), 0);
    assert_int_equal(
        seal_statement_sign(&a, SEAL_NEXT_CERT_CONTEXT, "identity--a", "ff", sig, &err), 0);
    assert_int_equal(strlen(sig), 88);
    assert_true(seal_statement_verify(a.pk, SEAL_NEXT_CERT_CONTEXT, "identity--a", "ff", sig));
    assert_false(seal_statement_verify(b.pk, SEAL_NEXT_CERT_CONTEXT, "identity--a", "ff", sig));
    assert_false(seal_statement_verify(a.pk, "another-context", "identity--a", "ff", sig));
    assert_false(seal_statement_verify(a.pk, SEAL_NEXT_CERT_CONTEXT, "identity--b", "ff", sig));
    assert_false(seal_statement_verify(a.pk, SEAL_NEXT_CERT_CONTEXT, "identity--a", "fe", sig));
    /* the separator is in what is signed: moving it changes the statement */
    assert_false(seal_statement_verify(a.pk, SEAL_NEXT_CERT_CONTEXT, "identity--a\nf", "f", sig));
    assert_false(seal_statement_verify(a.pk, SEAL_NEXT_CERT_CONTEXT, "identity--a", "ff", "AAAA"));
    assert_false(seal_statement_verify(a.pk, SEAL_NEXT_CERT_CONTEXT, "identity--a", "ff", NULL));
    char big[SEAL_STATEMENT_MAX + 1];
    memset(big, 'x', sizeof big - 1);
    big[sizeof big - 1] = '\0';
    assert_int_equal(seal_statement_sign(&a, SEAL_NEXT_CERT_CONTEXT, big, "ff", sig, &err),
                     -HL_E_TOO_LARGE);
    assert_int_equal(seal_statement_sign(&a, SEAL_NEXT_CERT_CONTEXT, "x\ny", "ff", sig, &err),
                     -HL_E_TOO_LARGE);
    seal_key_wipe(&a);
    seal_key_wipe(&b);
}

int main(void)
{
    if (sodium_init() < 0)
        return 1;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_statement_signs_context_and_texts),
        cmocka_unit_test(test_example_key_has_x590_public_key),
        cmocka_unit_test(test_spki_decode_rejects_noncanonical_and_foreign_keys),
        cmocka_unit_test(test_shared_x590_objects_verify),
        cmocka_unit_test(test_signing_reproduces_shared_x590_objects),
        cmocka_unit_test(test_shared_x590_objects_fail_with_any_byte_changed),
        cmocka_unit_test(test_seal_round_trip_reports_party_channel_seq),
        cmocka_unit_test(test_seal_rejects_changed_sequence_number),
        cmocka_unit_test(test_seal_rejects_changed_channel_party_or_extension),
        cmocka_unit_test(test_sealed_object_fails_with_any_byte_changed),
        cmocka_unit_test(test_seal_refuses_bad_arguments_and_leaves_object_unchanged),
        cmocka_unit_test(test_seal_failing_late_leaves_object_unchanged),
        cmocka_unit_test(test_second_signature_keeps_first_valid),
        cmocka_unit_test(test_verify_rejects_malleated_and_malformed_signatures),
        cmocka_unit_test(test_verify_from_canonical_bytes_agrees),
        cmocka_unit_test(test_seal_canon_equals_canonical_form),
        cmocka_unit_test(test_key_files_round_trip_and_refuse_overwrite),
        cmocka_unit_test(test_secret_key_file_readable_by_others_is_refused),
        cmocka_unit_test(test_malformed_secret_key_files_are_refused),
        cmocka_unit_test(test_ledger_parse_agrees_with_stix_parse),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
