/*
 * cli.c — dispatch of `hotline <command>` and the shared reporting helpers.
 * To add a subcommand: implement cli_<name> in its own file, declare it in
 * cli.h, and add one row to cli_commands below.
 */
#include "cli.h"

#include <stdarg.h>
#include <string.h>

#include "exchange/exchange.h"
#include "stix/stix.h"

const struct cli_command cli_commands[] = {
    {"help", cli_help, "show the commands, or the manual of one"},
    {"version", cli_version, "print the version"},
    {"validate", cli_validate, "check STIX 2.1 objects, bundles or TAXII envelopes"},
    {"canon", cli_canon, "print the RFC 8785 canonical form of a JSON document"},
    {"keygen", cli_keygen, "generate an Ed25519 key pair (PREFIX.key, PREFIX.pub)"},
    {"seal", cli_seal, "sign JSON objects (X.590) or verify their signatures"},
    {"merkle", cli_merkle, "verify RFC 9162 Merkle inclusion and consistency proofs"},
    {"init", cli_init, "create a node directory: the party's keys, identity and database"},
    {"channel", cli_channel, "create channels and list them with their logs"},
    {"log", cli_log, "append to the party's log; export, import, prove entries"},
    {"verify", cli_verify, "audit every seal, entry, tree head and receipt of a node or file"},
    {"backup", cli_backup, "copy a node directory, while it serves, into a new one"},
    {"doctor", cli_doctor, "look a node over: files, certificate, disk, server, peers, alarms"},
    {"cert", cli_cert, "renew the node's TLS certificate: announce the next one, switch to it"},
    {"user", cli_user, "add, list and remove the users of the node's TAXII API"},
    {"serve", cli_serve, "run the node: the TAXII 2.1 API over HTTPS, until SIGTERM"},
    {"peer", cli_peer, "the other parties: print our card, add, set, list, remove peers"},
#ifdef HL_CLI_SEND
    {"send", cli_send, "publish objects into a channel through the local node"},
#endif
    {"status", cli_status, "where an object is and which members confirmed holding it"},
    {"alarms", cli_alarms, "equivocation alarms: parties that showed two histories"},
    {"match", cli_match, "match STIX indicators against observations; report sightings"},
    {"notify", cli_notify,
     "notify the channel of an incident (incident, victim, indicators, report)"},
    {"dossier", cli_dossier, "hand over a dossier on persons of interest (JSON or CSV)"},
    {"request", cli_request,
     "ask the other members to act (investigate, detain, ...) by a due time"},
    {"opinion", cli_opinion, "agree with or dispute a claim (STIX opinion)"},
    {"note", cli_note, "comment on objects, propose or counter-propose (STIX note)"},
    {"translate", cli_translate, "translate a text property of an object (language-content)"},
    {"respond", cli_respond,
     "answer a request (acknowledged, in-progress, completed, declined, ...)"},
    {"ack", cli_ack, "acknowledge a notification (or a request)"},
    {"list", cli_list, "the workflow's items: notifications, requests, responses, ..."},
    {"show", cli_show, "the whole thread of an object: responses, translations, delivery"},
    {"scorecard", cli_scorecard, "per party: delivery, acknowledgment and answer times, outcomes"},
    {"deadlines", cli_deadlines, "escalate overdue acknowledgments and requests (once each)"},
    {NULL, NULL, NULL},
};

void cli_report(const struct hl_error *err)
{
    const char *msg = err->msg[0] ? err->msg : hl_strerror(err->code);
    /* "where" leads, unless the message names that file or URL already. */
    bool named = strchr(err->where, '/') && strstr(msg, err->where);
    if (err->where[0] && !named)
        fprintf(stderr, "hotline: %s: %s\n", err->where, msg);
    else
        fprintf(stderr, "hotline: %s\n", msg);
}

void cli_unreachable(char *out, size_t max, const char *since, long long failures,
                     const char *error)
{
    const char *s = failures == 1 ? "" : "s";
    error = error ? error : "";
    if (since)
        snprintf(out, max, "unreachable since %s, %lld failure%s: %s", since, failures, s, error);
    else
        snprintf(out, max, "never reached, %lld failure%s: %s", failures, s, error);
}

bool cli_clock_skew(char *out, size_t max, long long skew_ms)
{
    char words[64];
    long long mag = skew_ms < 0 ? -skew_ms : skew_ms;
    out[0] = '\0';
    if (mag < EXCHANGE_CLOCK_SKEW_WARN_MS)
        return false;
    exchange_clock_skew_words(skew_ms, words, sizeof words);
    snprintf(out, max, "its clock is %s ours", words);
    return true;
}

int cli_json_print(const json_t *j)
{
    if (!j || json_dumpf(j, stdout, JSON_COMPACT | JSON_ENSURE_ASCII) != 0)
        return CLI_ERROR;
    putchar('\n');
    return CLI_OK;
}

/* <0, 0, >0 as member x goes before, with, after y (cli_members_sort). */
static int members_order(const json_t *x, const json_t *y)
{
    bool sx = json_is_true(json_object_get(x, "self")),
         sy = json_is_true(json_object_get(y, "self"));
    if (sx != sy)
        return sx ? -1 : 1;
    const char *px = cli_jstr(x, "peer"), *py = cli_jstr(y, "peer");
    int c = strcmp(px ? px : "", py ? py : "");
    if (!c) {
        const char *nx = cli_jstr(x, "name"), *ny = cli_jstr(y, "name");
        c = strcmp(nx ? nx : "", ny ? ny : "");
    }
    return c;
}

void cli_members_sort(json_t *members)
{
    /* Insertion sort: a channel has a handful of members. */
    for (size_t i = 1; i < json_array_size(members); i++) {
        json_t *m = json_incref(json_array_get(members, i));
        size_t j = i;
        while (j > 0 && members_order(json_array_get(members, j - 1), m) > 0) {
            json_array_set(members, j, json_array_get(members, j - 1));
            j--;
        }
        json_array_set_new(members, j, m);
    }
}

int cli_usage_error(const char *cmd, const char *fmt, ...)
{
    va_list ap;
    fprintf(stderr, "hotline %s: ", cmd);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fprintf(stderr, "\nTry 'hotline %s --help'.\n", cmd);
    return CLI_ERROR;
}

bool cli_wants_help(int argc, char **argv)
{
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--") == 0)
            return false;
        if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0)
            return true;
    }
    return false;
}

/* The row of opts named arg, or NULL. */
static const struct cli_opt *cli_opt_find(const struct cli_opt *opts, const char *arg)
{
    for (const struct cli_opt *o = opts; o->name; o++) {
        if (strcmp(o->name, arg) == 0 || (o->alias && strcmp(o->alias, arg) == 0))
            return o;
    }
    return NULL;
}

int cli_parse_opts(const char *cmd, int argc, char **argv, const struct cli_opt *opts,
                   char **operands, int max, int *n_operands)
{
    bool only_operands = false;
    *n_operands = 0;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (!only_operands && strcmp(a, "--") == 0) {
            only_operands = true;
            continue;
        }
        if (only_operands || a[0] != '-' || a[1] == '\0') {
            if (*n_operands >= max)
                return max ? cli_usage_error(cmd, "too many arguments (at most %d)", max)
                           : cli_usage_error(cmd, "unexpected argument '%s'", a);
            operands[(*n_operands)++] = argv[i];
            continue;
        }
        const struct cli_opt *o = cli_opt_find(opts, a);
        if (!o)
            return cli_usage_error(cmd, "unknown option '%s'", a);
        if (o->flag) {
            *o->flag = true;
        } else {
            if (i + 1 >= argc)
                return cli_usage_error(cmd, "%s needs a value", a);
            *o->value = argv[++i];
        }
    }
    return CLI_OK;
}

void cli_print_findings(FILE *out, const char *file, const struct stix_report *r)
{
    for (size_t i = 0; i < r->n; i++) {
        const struct stix_finding *f = &r->items[i];
        const char *sev = f->severity == STIX_SEV_ERROR ? "error" : "warning";
        fprintf(out, "%s:%s: %s: %s\n", file, f->path, sev, f->message);
    }
    if (r->truncated)
        fprintf(out, "%s:: warning: %zu errors and %zu warnings in all; only the first %d shown\n",
                file, r->n_errors, r->n_warnings, HL_MAX_FINDINGS);
}

int cli_main(int argc, char **argv)
{
    if (argc < 2)
        return cli_help(1, argv) ? CLI_ERROR : CLI_ERROR;
    const char *name = argv[1];
    if (strcmp(name, "--help") == 0 || strcmp(name, "-h") == 0)
        return cli_help(1, argv);
    if (strcmp(name, "--version") == 0 || strcmp(name, "-V") == 0)
        return cli_version(1, argv);
    for (const struct cli_command *c = cli_commands; c->name; c++) {
        if (strcmp(c->name, name) == 0)
            return c->run(argc - 1, argv + 1);
    }
    fprintf(stderr, "hotline: '%s' is not a hotline command. See 'hotline help'.\n", name);
    return CLI_ERROR;
}
