/*
 * seal.c — `hotline seal sign` and `hotline seal verify`: ITU-T X.590
 * signatures on JSON objects, and hotline's seal (X.590 plus publishing
 * party, channel and sequence number; see src/ledger/seal.c).
 *
 *   hotline seal sign --key FILE [--party ID --channel NAME --seq N] IN|-
 *       prints the signed object in its RFC 8785 form and a newline.
 *   hotline seal verify [--json] FILE...
 *       checks every top-level X.590 signature of each file and names the
 *       key (base64 SPKI) that made it; a hotline seal's party, channel
 *       and sequence number are checked and shown too.
 *
 * Exit codes: 0 signed / every signature verifies; 1 some signature does
 * not verify; 2 usage error, unreadable or malformed input, bad key file.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "ledger/ledger.h"
#include "stix/stix.h"

#define SEAL_OUT_MAX ((size_t)HL_MAX_DOCUMENT_BYTES * 6)

static void seal_help(void)
{
    printf("usage: hotline seal sign --key FILE [--party ID --channel NAME --seq N] IN|-\n"
           "       hotline seal verify [--json] FILE...\n\n"
           "sign: adds an ITU-T X.590 signature (Ed25519, sha-256) made with the secret\n"
           "key in FILE to the top-level 'signatures' of the JSON object IN ('-' reads\n"
           "stdin) and prints the result in its RFC 8785 form. With --party (an\n"
           "identity id), --channel and --seq it makes a hotline seal: those become\n"
           "hotline_party, hotline_channel and hotline_seq, declared by the extension\n"
           "%s, and are signed too.\n\n"
           "verify: checks every top-level X.590 signature of each FILE and prints\n"
           "the public key (base64 DER SPKI) that made it, and a hotline seal's party,\n"
           "channel and sequence number. --json prints one JSON result per file.\n\n"
           "Exit codes: 0 signed, or every signature verifies; 1 a signature does not\n"
           "verify; 2 usage error, unreadable or malformed input, or bad key file.\n",
           SEAL_EXTENSION_ID);
}

/* Reads and strictly parses path. CLI_OK, or CLI_ERROR after reporting. */
static int seal_load(const char *path, json_t **doc)
{
    struct buf in;
    struct hl_error err;
    int rc = CLI_OK;
    *doc = NULL;
    hl_error_clear(&err);
    buf_init(&in, HL_MAX_DOCUMENT_BYTES);
    if (hl_read_file(path, HL_MAX_DOCUMENT_BYTES, &in, &err)) {
        cli_report(&err);
        rc = CLI_ERROR;
    } else if (stix_parse(in.data, in.len, doc, &err)) {
        fprintf(stderr, "%s:%s: %s\n", path, err.where, err.msg);
        rc = CLI_ERROR;
    }
    buf_release(&in);
    return rc;
}

struct sign_args {
    const char *key, *party, *channel, *seq, *in;
};

static int seal_sign_parse(int argc, char **argv, struct sign_args *a)
{
    memset(a, 0, sizeof *a);
    for (int i = 1; i < argc; i++) {
        const char **slot = NULL;
        if (strcmp(argv[i], "--key") == 0)
            slot = &a->key;
        else if (strcmp(argv[i], "--party") == 0)
            slot = &a->party;
        else if (strcmp(argv[i], "--channel") == 0)
            slot = &a->channel;
        else if (strcmp(argv[i], "--seq") == 0)
            slot = &a->seq;
        if (slot) {
            if (i + 1 >= argc)
                return cli_usage_error("seal", "%s needs a value", argv[i]);
            *slot = argv[++i];
        } else if (argv[i][0] == '-' && argv[i][1]) {
            return cli_usage_error("seal", "unknown option '%s'", argv[i]);
        } else if (a->in) {
            return cli_usage_error("seal", "sign takes one input");
        } else {
            a->in = argv[i];
        }
    }
    if (!a->key || !a->in)
        return cli_usage_error("seal", "sign needs --key FILE and an input (or '-')");
    int given = !!a->party + !!a->channel + !!a->seq;
    if (given != 0 && given != 3)
        return cli_usage_error("seal", "--party, --channel and --seq go together");
    return CLI_OK;
}

static int seal_sign(int argc, char **argv)
{
    struct sign_args a;
    int rc = seal_sign_parse(argc, argv, &a);
    if (rc)
        return rc;
    long long seq = 0;
    if (a.seq && !hl_parse_int(a.seq, 0, HL_IJSON_MAX_INT, &seq))
        return cli_usage_error("seal", "--seq must be an integer in [0, 2^53 - 1]");
    struct seal_key key;
    struct hl_error err;
    struct buf out;
    json_t *doc = NULL;
    hl_error_clear(&err);
    buf_init(&out, SEAL_OUT_MAX);
    rc = CLI_ERROR;
    if (seal_key_read_secret(a.key, &key, &err)) {
        cli_report(&err);
        goto out;
    }
    if (seal_load(a.in, &doc))
        goto out;
    int r = a.party ? seal_object(doc, &key, a.party, a.channel, (uint64_t)seq, &err)
                    : x590_sign(doc, &key, &err);
    if (r || stix_canon(doc, &out, &err) || buf_addc(&out, '\n')) {
        cli_report(&err);
        goto out;
    }
    if (fwrite(out.data, 1, out.len, stdout) != out.len || fflush(stdout) != 0) {
        fprintf(stderr, "hotline seal: cannot write to stdout\n");
        goto out;
    }
    rc = CLI_OK;
out:
    seal_key_wipe(&key);
    json_decref(doc);
    buf_release(&out);
    return rc;
}

/* Verifies one file and prints its result. */
static int seal_verify_file(const char *path, bool as_json)
{
    json_t *doc = NULL;
    if (seal_load(path, &doc))
        return CLI_ERROR;
    struct x590_result r;
    struct seal_info info;
    struct hl_error err;
    hl_error_clear(&err);
    bool sealed = json_object_get(doc, SEAL_PROP_SEQ) || json_object_get(doc, SEAL_PROP_PARTY);
    int v = x590_verify_all(doc, &r, &err);
    if (v == 0 && sealed)
        v = seal_verify(doc, &info, &err);
    json_t *keys = json_array();
    for (size_t i = 0; i < r.n; i++) {
        char spki[SEAL_SPKI_B64_MAX];
        seal_spki_encode(r.pk[i], spki);
        json_array_append_new(keys, json_string(spki));
    }
    if (as_json) {
        json_t *o = json_pack("{s:s, s:b, s:O}", "file", path, "verified", v == 0, "signers",
                              keys);
        if (o && v)
            json_object_set_new(o, "reason", json_pack("{s:s, s:s}", "where", err.where,
                                                      "message", err.msg));
        if (o && v == 0 && sealed)
            json_object_set_new(o, "seal", json_pack("{s:s, s:s, s:I}", "party", info.party,
                                                    "channel", info.channel,
                                                    "seq", (json_int_t)info.seq));
        char *s = o ? json_dumps(o, JSON_COMPACT) : NULL;
        printf("%s\n", s ? s : "null");
        free(s);
        json_decref(o);
    } else if (v) {
        printf("%s: FAILED: %s%s%s\n", path, err.where, err.where[0] ? ": " : "", err.msg);
    } else {
        printf("%s: ok, signed by", path);
        for (size_t i = 0; i < json_array_size(keys); i++)
            printf("%s %s", i ? "," : "", json_string_value(json_array_get(keys, i)));
        if (sealed)
            printf(" (hotline seal: party %s, channel %s, seq %llu)", info.party, info.channel,
                   (unsigned long long)info.seq);
        printf("\n");
    }
    json_decref(keys);
    json_decref(doc);
    return v ? CLI_FAIL : CLI_OK;
}

static int seal_verify_cmd(int argc, char **argv)
{
    bool as_json = false;
    int i = 1;
    for (; i < argc; i++) {
        if (strcmp(argv[i], "--") == 0) {
            i++;
            break;
        }
        if (strcmp(argv[i], "--json") == 0)
            as_json = true;
        else if (argv[i][0] == '-' && argv[i][1])
            return cli_usage_error("seal", "unknown option '%s'", argv[i]);
        else
            break;
    }
    if (i >= argc)
        return cli_usage_error("seal", "verify needs at least one FILE");
    int worst = CLI_OK;
    for (; i < argc; i++) {
        int rc = seal_verify_file(argv[i], as_json);
        if (rc > worst)
            worst = rc;
    }
    return worst;
}

int cli_seal(int argc, char **argv)
{
    if (cli_wants_help(argc, argv)) {
        seal_help();
        return CLI_OK;
    }
    if (argc < 2)
        return cli_usage_error("seal", "expected a subcommand: sign or verify");
    if (strcmp(argv[1], "sign") == 0)
        return seal_sign(argc - 1, argv + 1);
    if (strcmp(argv[1], "verify") == 0)
        return seal_verify_cmd(argc - 1, argv + 1);
    return cli_usage_error("seal", "unknown subcommand '%s' (expected: sign, verify)", argv[1]);
}
