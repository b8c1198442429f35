/*
 * keygen.c — `hotline keygen --out PREFIX`: a new Ed25519 key pair in
 * PREFIX.key (secret, mode 0600) and PREFIX.pub (public), in the formats
 * documented in src/ledger/ledger.h. Existing files are never
 * overwritten. Prints the public key in its X.590 form (base64 SPKI).
 * Exit codes: 0 written; 2 usage error, a file exists, or I/O failure.
 */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "ledger/ledger.h"

static void keygen_help(void)
{
    printf("usage: hotline keygen --out PREFIX\n\n"
           "Generates an Ed25519 key pair and writes\n"
           "  PREFIX.key  the secret key, mode 0600 ('%s' and the base64 seed)\n"
           "  PREFIX.pub  the public key ('%s' and the X.590 public_key:\n"
           "              base64 of the DER SubjectPublicKeyInfo, no padding)\n"
           "then prints the public key. Existing files are never overwritten.\n"
           "hotline refuses to read a secret key file that group or others can access.\n\n"
           "Exit codes: 0 written; 2 usage error, existing file, or I/O error.\n",
           SEAL_SECRET_MAGIC, SEAL_PUBLIC_MAGIC);
}

/* prefix + suffix into out; false if it does not fit. */
static bool keygen_path(char *out, size_t n, const char *prefix, const char *suffix)
{
    int w = snprintf(out, n, "%s%s", prefix, suffix);
    return w >= 0 && (size_t)w < n;
}

int cli_keygen(int argc, char **argv)
{
    if (cli_wants_help(argc, argv)) {
        keygen_help();
        return CLI_OK;
    }
    const char *prefix = NULL;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--out") == 0 && i + 1 < argc)
            prefix = argv[++i];
        else
            return cli_usage_error("keygen", "unexpected argument '%s'", argv[i]);
    }
    if (!prefix || !prefix[0])
        return cli_usage_error("keygen", "--out PREFIX is required");
    char sk_path[4096], pk_path[4096];
    if (!keygen_path(sk_path, sizeof sk_path, prefix, ".key") ||
        !keygen_path(pk_path, sizeof pk_path, prefix, ".pub"))
        return cli_usage_error("keygen", "PREFIX is too long");
    if (access(sk_path, F_OK) == 0 || access(pk_path, F_OK) == 0) {
        fprintf(stderr, "hotline keygen: %s or %s already exists; keys are never overwritten\n",
                sk_path, pk_path);
        return CLI_ERROR;
    }

    struct seal_key key;
    struct hl_error err;
    int rc = CLI_ERROR;
    hl_error_clear(&err);
    if (seal_key_generate(&key, &err) || seal_key_write_secret(sk_path, &key, &err)) {
        cli_report(&err);
        goto out;
    }
    if (seal_key_write_public(pk_path, key.pk, &err)) {
        cli_report(&err);
        unlink(sk_path); /* no half-written pair */
        goto out;
    }
    char spki[SEAL_SPKI_B64_MAX];
    seal_spki_encode(key.pk, spki);
    printf("%s\n", spki);
    rc = CLI_OK;
out:
    seal_key_wipe(&key);
    return rc;
}
