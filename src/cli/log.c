/*
 * log.c — `hotline log append|export|import|proof`: the node's own log
 * without a running server (air-gapped use, tests), evidence files, and
 * RFC 9162 proofs a third party can check with `hotline merkle verify`.
 *
 *   append --data DIR --channel C [-q] [--json] FILE...
 *       Every object of every FILE (a STIX object, bundle or TAXII
 *       envelope; '-' is stdin) is validated first; any error: the
 *       findings (FILE:PATH: severity: message) and exit 1, nothing
 *       appended. Then all of them are one batch: one log_append, one
 *       transaction, one fsync, closed by one tree head. An object whose
 *       version (id and modified, else created) is in the channel already
 *       (a TLP marking every bundle repeats, an SCO) is skipped and named:
 *       STIX 2.1 §3.6 makes (id, modified) one version, and the store holds
 *       each version of a channel once.
 *   export --data DIR [--party P] [--channel C] [--output FILE]
 *       The evidence file (ledger.h) on stdout, or written atomically.
 *   import --data DIR [--pin-key PUBFILE] FILE
 *       log_import: audits FILE, stores what is new, publishes receipts.
 *   proof --data DIR --party P --channel C --index I [--size N] [--json]
 *   proof --data DIR --party P --channel C --consistency --from N1 [--to N2]
 *       Prints the proof; --json prints it in the shape `hotline merkle
 *       verify` reads (transparency-dev test data, hashes in base64).
 *
 * Exit codes: 0 done; 1 invalid objects (append) or a file that fails its
 * audit (import); 2 usage error, unreadable input, or operational failure.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "stix/stix.h"

#define LOG_MAX_FILES 1024

static void log_help(void)
{
    printf("usage: hotline log append --data DIR --channel C [-q] [--json] FILE...|-\n"
           "       hotline log export --data DIR [--party P] [--channel C] [--output FILE]\n"
           "       hotline log import --data DIR [--pin-key PUBFILE] FILE\n"
           "       hotline log proof --data DIR [--party P] --channel C --index I [--size N]\n"
           "                         [--json]\n"
           "       hotline log proof --data DIR [--party P] --channel C --consistency\n"
           "                         --from N1 [--to N2] [--json]\n\n"
           "append: validates every object of every FILE (STIX object, bundle or TAXII\n"
           "envelope); on any error prints the findings and appends nothing (exit 1).\n"
           "Otherwise seals them as one batch of at most %d objects into the party's log\n"
           "of channel C, closed by a signed tree head, and prints\n"
           "  appended N objects to C as seq A..B; tree head seq H root HEX\n"
           "Objects whose version is in the channel already are skipped and named.\n"
           "  -q, --quiet  print nothing on success    --json  print the result as JSON\n\n"
           "export: writes an evidence file (JSON Lines: a header with the parties'\n"
           "public keys and the logs, then every entry) of the logs selected by --party\n"
           "(an identity id) and --channel (default: all), to stdout or atomically to\n"
           "--output FILE (mode 0600). 'hotline verify --file' checks it alone.\n\n"
           "import: audits an evidence file made by another node, stores the entries\n"
           "of other parties' logs that are new, and publishes a receipt for each log\n"
           "that grew. A party unknown here is accepted only with --pin-key, the public\n"
           "key file the operator vouches for (and is made a member of the channel).\n\n"
           "proof: the RFC 9162 inclusion proof of entry I in the tree of the first N\n"
           "entries (default: the size of the latest tree head), or the consistency\n"
           "proof between sizes N1 and N2 (default: the latest head). --party defaults\n"
           "to this node's party. --json prints it in the shape 'hotline merkle verify'\n"
           "reads, so a third party can check it.\n\n"
           "Exit codes: 0 done; 1 invalid objects (append) or a file that fails its\n"
           "audit (import); 2 usage error, unreadable input, or operational failure.\n",
           LOG_BATCH_MAX);
}

/* Prints a JSON value on one line; CLI_OK or CLI_ERROR. */
static int log_print_json(json_t *v)
{
    int rc = v && json_dumpf(v, stdout, JSON_COMPACT | JSON_ENSURE_ASCII) == 0 ? CLI_OK : CLI_ERROR;
    putchar('\n');
    json_decref(v);
    return rc;
}

/* ---- append ------------------------------------------------------------- */

struct append_args {
    const char *dir, *channel;
    bool quiet, json;
    char *files[LOG_MAX_FILES];
    int n_files;
};

/* Reads, parses and validates one file, appending its objects to objs.
 * CLI_OK; CLI_FAIL if STIX errors were found (printed); CLI_ERROR if it
 * could not be read or parsed. */
static int append_load(const char *path, bool quiet, json_t *objs)
{
    struct buf in;
    struct hl_error err;
    struct stix_report rep;
    json_t *doc = NULL;
    int rc = CLI_ERROR;
    hl_error_clear(&err);
    buf_init(&in, HL_MAX_DOCUMENT_BYTES);
    stix_report_init(&rep);
    if (hl_read_file(path, HL_MAX_DOCUMENT_BYTES, &in, &err)) {
        fprintf(stderr, "%s: %s\n", path, err.msg[0] ? err.msg : hl_strerror(err.code));
        goto out;
    }
    if (stix_parse(in.data, in.len, &doc, &err)) {
        fprintf(stderr, "%s:%s: %s\n", path, err.where, err.msg);
        goto out;
    }
    stix_validate_document(doc, &rep);
    if (!stix_report_ok(&rep) || !quiet)
        cli_print_findings(stderr, path, &rep);
    rc = stix_report_ok(&rep) ? CLI_OK : CLI_FAIL;
    if (rc == CLI_OK && stix_doc_kind(doc) == STIX_DOC_OBJECT)
        rc = json_array_append(objs, doc) ? CLI_ERROR : CLI_OK;
    else if (rc == CLI_OK)
        rc = json_array_extend(objs, json_object_get(doc, "objects")) ? CLI_ERROR : CLI_OK;
out:
    json_decref(doc);
    stix_report_release(&rep);
    buf_release(&in);
    return rc;
}

/* TLP 2.0 onward sharing (DESIGN.md, "Security model"): an object that came
 * in from a peer on another channel under TLP:RED, AMBER+STRICT or AMBER
 * is not published into this one (HL_E_PERM naming both). */
static int append_tlp_check(struct store *s, const char *channel, const char *id,
                            struct hl_error *err)
{
    char other[STORE_TEXT_MAX + 1], tlp[STORE_TEXT_MAX + 1];
    bool found = false;
    int r = store_tlp_elsewhere(s, id, channel, &found, other, tlp, err);
    if (!r && found)
        r = hl_fail(err, HL_E_PERM, id,
                    "came in on channel %s under %s; TLP 2.0 forbids sharing it into channel %s",
                    other, tlp, channel);
    return r;
}

/* Removes from objs every object whose version the channel holds
 * (log_held_version: identical apart from seals), or that an earlier
 * object of the batch has; names each on stderr. A different object under
 * a held version is refused (HL_E_CONFLICT), and so is an object held under
 * a restrictive TLP from another channel (HL_E_PERM). */
static int append_skip_held(struct store *s, const struct append_args *a, json_t *objs,
                            size_t *skipped, struct hl_error *err)
{
    json_t *seen = json_object();
    char key[STIX_ID_MAX + 32];
    int r = seen ? 0 : hl_fail(err, HL_E_NOMEM, NULL, "out of memory");
    *skipped = 0;
    for (size_t i = 0; !r && i < json_array_size(objs);) {
        json_t *o = json_array_get(objs, i);
        const char *id = json_string_value(json_object_get(o, "id"));
        const json_t *prev = NULL;
        bool held = false;
        snprintf(key, sizeof key, "%.*s %lld", STIX_ID_MAX - 1, id ? id : "",
                 (long long)log_object_time_us(o));
        if (id && (prev = json_object_get(seen, key)) != NULL)
            held = json_equal(prev, o) ? true
                                       : (r = hl_fail(err, HL_E_CONFLICT, id,
                                                      "%s is given twice in one version with "
                                                      "different contents",
                                                      id)) == 0;
        else if (id && !(r = append_tlp_check(s, a->channel, id, err)))
            r = log_held_version(s, a->channel, o, &held, err);
        if (!r && !held && id)
            r = json_object_set(seen, key, o) ? hl_fail(err, HL_E_NOMEM, NULL, "out of memory") : 0;
        if (r || !held) {
            i++;
            continue;
        }
        if (!a->quiet)
            fprintf(stderr, "hotline log: skipped %s: %s\n", id,
                    prev ? "given twice; appended once" : "this version is in the channel already");
        r = json_array_remove(objs, i) ? hl_fail(err, HL_E_NOMEM, NULL, "out of memory") : 0;
        (*skipped)++;
    }
    json_decref(seen);
    return r;
}

static void append_print(const struct append_args *a, const struct log_append_result *res,
                         size_t skipped)
{
    char hex[65];
    hl_hex(hex, res->root, 32);
    if (a->json) {
        (void)log_print_json(json_pack(
            "{s:s, s:I, s:I, s:I, s:I, s:s, s:I, s:I, s:I}", "channel", a->channel, "first_seq",
            (json_int_t)res->first_seq, "last_seq", (json_int_t)(res->first_seq + res->n - 1), "n",
            (json_int_t)res->n, "head_seq", (json_int_t)res->head_seq, "root", hex, "first_row",
            (json_int_t)res->first_row, "head_row", (json_int_t)res->head_row, "skipped",
            (json_int_t)skipped));
    } else if (!a->quiet) {
        printf("appended %zu objects to %s as seq %" PRIu64 "..%" PRIu64 "; tree head seq %" PRIu64
               " root %s\n",
               res->n, a->channel, res->first_seq, res->first_seq + res->n - 1, res->head_seq, hex);
    }
}

/* Appends objs to the node's log in one transaction: skip what is held,
 * then log_append_in. CLI_OK or CLI_ERROR after reporting. */
static int append_commit(const struct append_args *a, json_t *objs)
{
    struct cli_node node;
    struct hl_error err;
    struct log_append_result res;
    struct store_channel ch;
    size_t skipped = 0;
    hl_error_clear(&err);
    if (cli_node_open("log", a->dir, true, &node))
        return CLI_ERROR;
    struct log_signer me = {node.party, &node.key};
    int r = store_channel_get(node.store, a->channel, &ch, &err);
    if (r == -HL_E_NOT_FOUND) {
        fprintf(stderr,
                "hotline log: no channel '%s' in %s (make it with 'hotline channel "
                "create')\n",
                a->channel, a->dir);
        cli_node_close(&node);
        return CLI_ERROR;
    }
    if (!r)
        r = store_begin(node.store, &err);
    if (!r)
        r = append_skip_held(node.store, a, objs, &skipped, &err);
    size_t n = json_array_size(objs);
    json_t **items = n ? calloc(n, sizeof *items) : NULL;
    for (size_t i = 0; items && i < n; i++)
        items[i] = json_array_get(objs, i);
    if (!r && n && !items)
        r = hl_fail(&err, HL_E_NOMEM, NULL, "out of memory");
    if (!r && n)
        r = log_append_in(node.store, &me, a->channel, items, n, hl_wall_us(), &res, &err);
    if (!r)
        r = store_commit(node.store, &err);
    free(items);
    cli_node_close(&node); /* rolls back what a failure left open */
    if (r) {
        cli_report(&err);
        return CLI_ERROR;
    }
    if (n)
        append_print(a, &res, skipped);
    else if (!a->quiet)
        printf("nothing appended: all %zu objects are in channel %s already\n", skipped,
               a->channel);
    return CLI_OK;
}

int cli_log_append_objects(const char *dir, const char *channel, json_t *objs)
{
    struct append_args a = {.dir = dir, .channel = channel, .quiet = true};
    struct stix_report rep;
    size_t n = json_array_size(objs);
    if (n == 0 || n > LOG_BATCH_MAX) {
        fprintf(stderr, "hotline log: %zu objects; one append takes 1 to %d\n", n, LOG_BATCH_MAX);
        return CLI_ERROR;
    }
    stix_report_init(&rep);
    for (size_t i = 0; i < n; i++) {
        char path[32];
        snprintf(path, sizeof path, "objects[%zu]", i);
        stix_validate_object(json_array_get(objs, i), path, &rep);
    }
    bool ok = stix_report_ok(&rep);
    if (!ok)
        cli_print_findings(stderr, channel, &rep);
    stix_report_release(&rep);
    return ok ? append_commit(&a, objs) : CLI_FAIL;
}

static int log_append_cmd(int argc, char **argv)
{
    struct append_args a = {0};
    const struct cli_opt opts[] = {{"--data", NULL, &a.dir, NULL},
                                   {"--channel", NULL, &a.channel, NULL},
                                   {"--quiet", "-q", NULL, &a.quiet},
                                   {"--json", NULL, NULL, &a.json},
                                   {NULL, NULL, NULL, NULL}};
    if (cli_parse_opts("log", argc, argv, opts, a.files, LOG_MAX_FILES, &a.n_files))
        return CLI_ERROR;
    if (!a.channel || a.n_files == 0)
        return cli_usage_error("log", "append needs --channel C and at least one FILE (or '-')");
    int stdin_uses = 0;
    for (int i = 0; i < a.n_files; i++)
        stdin_uses += strcmp(a.files[i], "-") == 0;
    if (stdin_uses > 1)
        return cli_usage_error("log", "'-' (stdin) can be given once");
    json_t *objs = json_array();
    int worst = objs ? CLI_OK : CLI_ERROR;
    for (int i = 0; objs && i < a.n_files; i++) {
        int rc = append_load(a.files[i], a.quiet, objs);
        worst = rc > worst ? rc : worst;
    }
    size_t n = json_array_size(objs);
    if (worst == CLI_OK && n == 0)
        worst = cli_usage_error("log", "the files hold no objects");
    else if (worst == CLI_OK && n > LOG_BATCH_MAX)
        worst =
            cli_usage_error("log", "%zu objects; one append takes at most %d", n, LOG_BATCH_MAX);
    else if (worst == CLI_FAIL)
        fprintf(stderr, "hotline log: invalid objects; nothing appended\n");
    if (worst == CLI_OK)
        worst = append_commit(&a, objs);
    json_decref(objs);
    return worst;
}

/* ---- export ------------------------------------------------------------- */

struct export_job {
    struct store *s;
    const struct log_export_filter *f;
    uint64_t *entries;
};

static int export_fill(void *ctx, int fd, struct hl_error *err)
{
    struct export_job *j = ctx;
    return log_export(j->s, j->f, fd, j->entries, err);
}

/* Exports into a temporary file beside path, then renames it over path
 * (hl_write_file_with): a reader sees the old file or the whole new one. */
static int export_atomic(struct store *s, const struct log_export_filter *f, const char *path,
                         uint64_t *entries, struct hl_error *err)
{
    struct export_job j = {s, f, entries};
    return hl_write_file_with(path, 0600, export_fill, &j, err);
}

static int log_export_cmd(int argc, char **argv)
{
    const char *dir = NULL, *party = NULL, *channel = NULL, *output = NULL;
    const struct cli_opt opts[] = {{"--data", NULL, &dir, NULL},
                                   {"--party", NULL, &party, NULL},
                                   {"--channel", NULL, &channel, NULL},
                                   {"--output", "-o", &output, NULL},
                                   {NULL, NULL, NULL, NULL}};
    int n = 0;
    if (cli_parse_opts("log", argc, argv, opts, NULL, 0, &n))
        return CLI_ERROR;
    if (output && !output[0])
        return cli_usage_error("log", "--output needs a file name");
    struct cli_node node;
    if (cli_node_open("log", dir, false, &node))
        return CLI_ERROR;
    struct log_export_filter f = {party, channel};
    struct hl_error err;
    uint64_t entries = 0;
    hl_error_clear(&err);
    int r = output ? export_atomic(node.store, &f, output, &entries, &err)
                   : log_export(node.store, &f, STDOUT_FILENO, &entries, &err);
    cli_node_close(&node);
    if (r == -HL_E_NOT_FOUND)
        fprintf(stderr, "hotline log: no log matches%s%s%s%s\n", party ? " party " : "",
                party ? party : "", channel ? " channel " : "", channel ? channel : "");
    else if (r)
        cli_report(&err);
    return r ? CLI_ERROR : CLI_OK;
}

/* ---- import ------------------------------------------------------------- */

/* The receipts an import published, as JSON. */
static json_t *import_published(const struct log_import_result *res)
{
    json_t *list = json_array();
    char hex[65];
    for (size_t i = 0; list && i < res->receipts && i < LOG_IMPORT_RECEIPTS_MAX; i++) {
        const struct log_import_receipt *r = &res->published[i];
        hl_hex(hex, r->root, 32);
        if (json_array_append_new(list, json_pack("{s:s, s:s, s:I, s:s}", "party", r->party,
                                                  "channel", r->channel, "tree_size",
                                                  (json_int_t)r->tree_size, "root_hash", hex))) {
            json_decref(list);
            return NULL;
        }
    }
    return list;
}

static int import_print(const char *file, const struct log_import_result *res, bool json)
{
    json_t *published = import_published(res);
    if (!published)
        return CLI_ERROR;
    if (json)
        return log_print_json(json_pack(
            "{s:s, s:I, s:I, s:I, s:I, s:o}", "file", file, "logs", (json_int_t)res->logs,
            "accepted", (json_int_t)res->accepted, "duplicates", (json_int_t)res->duplicates,
            "receipts", (json_int_t)res->receipts, "published", published));
    printf("imported %s: %zu log(s) of other parties, %" PRIu64 " entries stored, %" PRIu64
           " already held; %zu receipt(s) published\n",
           file, res->logs, res->accepted, res->duplicates, res->receipts);
    size_t i;
    json_t *r;
    json_array_foreach(published, i, r)
    {
        printf("receipt: holds %s/%s up to %" JSON_INTEGER_FORMAT " entries, root %s\n",
               json_string_value(json_object_get(r, "party")),
               json_string_value(json_object_get(r, "channel")),
               json_integer_value(json_object_get(r, "tree_size")),
               json_string_value(json_object_get(r, "root_hash")));
    }
    if (res->receipts > LOG_IMPORT_RECEIPTS_MAX)
        printf("receipt: and %zu more\n", res->receipts - LOG_IMPORT_RECEIPTS_MAX);
    json_decref(published);
    return CLI_OK;
}

static int log_import_cmd(int argc, char **argv)
{
    const char *dir = NULL, *pin = NULL;
    bool json = false;
    const struct cli_opt opts[] = {{"--data", NULL, &dir, NULL},
                                   {"--pin-key", NULL, &pin, NULL},
                                   {"--json", NULL, NULL, &json},
                                   {NULL, NULL, NULL, NULL}};
    char *file[1];
    int n = 0;
    if (cli_parse_opts("log", argc, argv, opts, file, 1, &n))
        return CLI_ERROR;
    if (n != 1)
        return cli_usage_error("log", "import needs one evidence FILE");
    struct hl_error err;
    uint8_t pk[32];
    hl_error_clear(&err);
    if (pin && seal_key_read_public(pin, pk, &err)) {
        cli_report(&err);
        return CLI_ERROR;
    }
    struct cli_node node;
    if (cli_node_open("log", dir, true, &node))
        return CLI_ERROR;
    struct log_signer me = {node.party, &node.key};
    struct log_import_result res = {0};
    int r = log_import(node.store, &me, file[0], pin ? pk : NULL, hl_wall_us(), &res, &err);
    cli_node_close(&node);
    if (r) {
        fprintf(stderr, "hotline log: %s not imported; nothing stored\n", file[0]);
        cli_report(&err);
        return r == -HL_E_VERIFY ? CLI_FAIL : CLI_ERROR;
    }
    return import_print(file[0], &res, json);
}

/* ---- proof -------------------------------------------------------------- */

struct proof_args {
    const char *dir, *party, *channel, *index, *size, *from, *to;
    bool consistency, json;
};

static json_t *proof_b64(const uint8_t h[32])
{
    char s[sodium_base64_ENCODED_LEN(32, sodium_base64_VARIANT_ORIGINAL)];
    sodium_bin2base64(s, sizeof s, h, 32, sodium_base64_VARIANT_ORIGINAL);
    return json_string(s);
}

/* Prints a proof: hex lines (label hash), or with --json the object
 * `hotline merkle verify` reads. */
static int proof_print(const struct proof_args *a, const char *keys[4], const uint64_t nums[2],
                       const uint8_t a_hash[32], const uint8_t b_hash[32],
                       uint8_t proof[MERKLE_MAX_PROOF][32], size_t n_proof)
{
    char hex[65];
    if (!a->json) {
        printf("%s %" PRIu64 "\n%s %" PRIu64 "\n", keys[0], nums[0], keys[1], nums[1]);
        hl_hex(hex, a_hash, 32);
        printf("%s %s\n", keys[2], hex);
        hl_hex(hex, b_hash, 32);
        printf("%s %s\n", keys[3], hex);
        for (size_t i = 0; i < n_proof; i++) {
            hl_hex(hex, proof[i], 32);
            printf("proof %s\n", hex);
        }
        return CLI_OK;
    }
    json_t *list = json_array(), *o = json_object();
    for (size_t i = 0; list && i < n_proof; i++)
        json_array_append_new(list, proof_b64(proof[i]));
    if (o) {
        json_object_set_new(o, keys[0], json_integer((json_int_t)nums[0]));
        json_object_set_new(o, keys[1], json_integer((json_int_t)nums[1]));
        json_object_set_new(o, keys[2], proof_b64(a_hash));
        json_object_set_new(o, keys[3], proof_b64(b_hash));
        json_object_set(o, "proof", list);
        json_object_set_new(o, "wantErr", json_false());
        json_object_set_new(o, "log_party", json_string(a->party));
        json_object_set_new(o, "log_channel", json_string(a->channel));
    }
    json_decref(list);
    return log_print_json(o);
}

/* The default tree size: the latest tree head's, else the log's size. */
static int proof_default_size(struct cli_node *node, const struct proof_args *a, uint64_t *size,
                              struct hl_error *err)
{
    struct store_tree_head h;
    int64_t n = 0;
    int r = store_tree_head_latest(node->store, a->party, a->channel, &h, err);
    if (!r) {
        *size = (uint64_t)h.size;
        return 0;
    }
    if (r != -HL_E_NOT_FOUND || (r = store_log_size(node->store, a->party, a->channel, &n, err)))
        return r;
    *size = (uint64_t)n;
    return 0;
}

static int proof_inclusion(struct cli_node *node, const struct proof_args *a, uint64_t size,
                           struct hl_error *err)
{
    static uint8_t proof[MERKLE_MAX_PROOF][32];
    struct store_log_entry e;
    uint8_t root[32];
    size_t n_proof = 0;
    long long index = 0;
    if (!hl_parse_int(a->index, 0, HL_IJSON_MAX_INT, &index))
        return hl_fail(err, HL_E_INVALID, "--index", "--index needs an integer >= 0");
    if ((uint64_t)index >= size)
        return hl_fail(err, HL_E_INVALID, "--index",
                       "entry %lld is not in a tree of %" PRIu64 " entries", index, size);
    int r = store_log_entry_get(node->store, a->party, a->channel, index, &e, err);
    if (!r)
        r = log_root(node->store, a->party, a->channel, size, root, err);
    if (!r)
        r = log_prove_inclusion(node->store, a->party, a->channel, size, (uint64_t)index, proof,
                                &n_proof, err);
    if (r)
        return r;
    const char *keys[4] = {"leafIdx", "treeSize", "leafHash", "root"};
    const uint64_t nums[2] = {(uint64_t)index, size};
    if (proof_print(a, keys, nums, e.leaf_hash, root, proof, n_proof))
        return hl_fail(err, HL_E_NOMEM, NULL, "cannot print the proof");
    return 0;
}

static int proof_consistency(struct cli_node *node, const struct proof_args *a, uint64_t size2,
                             struct hl_error *err)
{
    static uint8_t proof[MERKLE_MAX_PROOF][32];
    uint8_t root1[32], root2[32];
    size_t n_proof = 0;
    long long size1 = 0;
    if (!a->from || !hl_parse_int(a->from, 0, HL_IJSON_MAX_INT, &size1))
        return hl_fail(err, HL_E_INVALID, "--from", "--consistency needs --from N1, N1 >= 0");
    if ((uint64_t)size1 > size2)
        return hl_fail(err, HL_E_INVALID, "--from", "--from %lld is larger than --to %" PRIu64,
                       size1, size2);
    int r = log_root(node->store, a->party, a->channel, (uint64_t)size1, root1, err);
    if (!r)
        r = log_root(node->store, a->party, a->channel, size2, root2, err);
    if (!r)
        r = log_prove_consistency(node->store, a->party, a->channel, (uint64_t)size1, size2, proof,
                                  &n_proof, err);
    if (r)
        return r;
    const char *keys[4] = {"size1", "size2", "root1", "root2"};
    const uint64_t nums[2] = {(uint64_t)size1, size2};
    if (proof_print(a, keys, nums, root1, root2, proof, n_proof))
        return hl_fail(err, HL_E_NOMEM, NULL, "cannot print the proof");
    return 0;
}

/* Resolves the tree size (--size / --to, or the default) and proves. */
static int proof_run(struct cli_node *node, struct proof_args *a, struct hl_error *err)
{
    const char *given = a->consistency ? a->to : a->size;
    long long n = 0;
    uint64_t size = 0;
    int64_t log_size = 0;
    int r = store_begin_read(node->store, err); /* one snapshot for sizes, roots, proof */
    if (!r)
        r = store_log_size(node->store, a->party, a->channel, &log_size, err);
    if (r)
        return r;
    if (log_size == 0)
        return hl_fail(err, HL_E_NOT_FOUND, NULL, "no log of %s in channel %s here", a->party,
                       a->channel);
    if (given && (!hl_parse_int(given, 0, HL_IJSON_MAX_INT, &n) || n > log_size))
        return hl_fail(err, HL_E_INVALID, a->consistency ? "--to" : "--size",
                       "the tree size must be an integer from 0 to the log's size, %" PRId64,
                       log_size);
    size = (uint64_t)n;
    if (!given && (r = proof_default_size(node, a, &size, err)) != 0)
        return r;
    return a->consistency ? proof_consistency(node, a, size, err)
                          : proof_inclusion(node, a, size, err);
}

static int log_proof_cmd(int argc, char **argv)
{
    struct proof_args a = {0};
    const struct cli_opt opts[] = {
        {"--data", NULL, &a.dir, NULL},        {"--party", NULL, &a.party, NULL},
        {"--channel", NULL, &a.channel, NULL}, {"--index", NULL, &a.index, NULL},
        {"--size", NULL, &a.size, NULL},       {"--from", NULL, &a.from, NULL},
        {"--to", NULL, &a.to, NULL},           {"--consistency", NULL, NULL, &a.consistency},
        {"--json", NULL, NULL, &a.json},       {NULL, NULL, NULL, NULL}};
    int n = 0;
    if (cli_parse_opts("log", argc, argv, opts, NULL, 0, &n))
        return CLI_ERROR;
    if (!a.channel || (!a.consistency && !a.index) || (a.consistency && (a.index || a.size)))
        return cli_usage_error("log", "proof needs --channel C and either --index I [--size N] "
                                      "or --consistency --from N1 [--to N2]");
    struct cli_node node;
    if (cli_node_open("log", a.dir, false, &node))
        return CLI_ERROR;
    if (!a.party)
        a.party = node.party;
    struct hl_error err;
    hl_error_clear(&err);
    int r = proof_run(&node, &a, &err);
    cli_node_close(&node);
    if (r)
        cli_report(&err);
    return r ? CLI_ERROR : CLI_OK;
}

int cli_log(int argc, char **argv)
{
    if (cli_wants_help(argc, argv)) {
        log_help();
        return CLI_OK;
    }
    if (argc < 2)
        return cli_usage_error("log", "expected a subcommand: append, export, import or proof");
    const char *sub = argv[1];
    if (strcmp(sub, "append") == 0)
        return log_append_cmd(argc - 1, argv + 1);
    if (strcmp(sub, "export") == 0)
        return log_export_cmd(argc - 1, argv + 1);
    if (strcmp(sub, "import") == 0)
        return log_import_cmd(argc - 1, argv + 1);
    if (strcmp(sub, "proof") == 0)
        return log_proof_cmd(argc - 1, argv + 1);
    return cli_usage_error("log",
                           "unknown subcommand '%s' (expected: append, export, import, "
                           "proof)",
                           sub);
}
