/*
 * cli.h — the `hotline` command line. One file per group of subcommands;
 * each exports `int cli_<name>(int argc, char **argv)` where argv[0] is the
 * subcommand's own name. Only this module (and main) prints for the user
 * or chooses exit codes.
 *
 * Exit codes, the same for every subcommand:
 *   0  success (for checks: everything holds)
 *   1  the check ran and found a problem (invalid object, bad signature)
 *   2  usage error, unreadable input, or an operational failure
 *   3  (hotline status) the object is not yet delivered to every member
 */
#ifndef HL_CLI_H
#define HL_CLI_H

#include <stdbool.h>
#include <stdio.h>

#include "base/base.h"
#include "ledger/ledger.h"
#include "node/node.h"
#include "store/store.h"

enum { CLI_OK = 0, CLI_FAIL = 1, CLI_ERROR = 2, CLI_PENDING = 3 };

struct cli_command {
    const char *name;
    int (*run)(int argc, char **argv);
    const char *summary; /* one line for `hotline help` */
};

/* Dispatches argv[1] to its subcommand. */
int cli_main(int argc, char **argv);

/* The table of subcommands, NULL-terminated by name. */
extern const struct cli_command cli_commands[];

/* Prints "hotline: <where>: <msg>" (or without where) to stderr. */
void cli_report(const struct hl_error *err);
/* Prints "hotline <cmd>: <message>" to stderr and returns CLI_ERROR. */
int cli_usage_error(const char *cmd, const char *fmt, ...) HL_PRINTF(2, 3);
/* True if argv holds -h or --help before any "--". */
bool cli_wants_help(int argc, char **argv);

/* One option of a subcommand, for cli_parse_opts: a flag (flag set) or an
 * option taking a value (value set; the last occurrence wins). A table
 * ends with a NULL name. */
struct cli_opt {
    const char *name;   /* "--data" */
    const char *alias;  /* "-q", or NULL */
    const char **value; /* receives the option's argument */
    bool *flag;         /* set to true when the flag is given */
};
/* Parses argv[1..argc): options from opts anywhere, everything else (and
 * all after "--"; "-" alone is an operand) into operands[0..max). Sets
 * *n_operands. CLI_OK, or CLI_ERROR after a usage message naming cmd. */
int cli_parse_opts(const char *cmd, int argc, char **argv, const struct cli_opt *opts,
                   char **operands, int max, int *n_operands);

/* Prints j on stdout as one compact ASCII line (json_decref is the
 * caller's). CLI_OK, or CLI_ERROR if it could not be written. */
int cli_json_print(const json_t *j);
/* Member k of object o as a string (NULL if absent or not a string) or as
 * an integer (0 if absent): for printing what a command built as JSON. */
static inline const char *cli_jstr(const json_t *o, const char *k)
{
    return json_string_value(json_object_get(o, k));
}
static inline json_int_t cli_jint(const json_t *o, const char *k)
{
    return json_integer_value(json_object_get(o, k));
}
/* Sorts the members of a channel as built by channel.c and status.c
 * (objects with "self", "peer" and "name"): this node first, then by peer
 * name, then by name. The store lists them by party id, which is random. */
void cli_members_sort(json_t *members);

struct stix_report;
/* Prints each finding of r as "FILE:PATH: error|warning: message" to out,
 * the format of `hotline validate`, and a last line if r had more
 * findings than it kept. */
void cli_print_findings(FILE *out, const char *file, const struct stix_report *r);

/* ---- the node directory (init.c) -------------------------------------
 * `hotline init --data DIR` makes it; the other commands open it:
 *   DIR/hotline.db      the store (meta party_id, name; the party's row)
 *   DIR/party.key       the party's Ed25519 secret key, mode 0600
 *   DIR/party.pub       its public key
 *   DIR/identity.json   the party's STIX 2.1 identity */
#define CLI_PATH_MAX 4096

struct cli_node {
    struct store *store;
    char party[STORE_TEXT_MAX + 1]; /* identity id (meta party_id) */
    char name[STORE_TEXT_MAX + 1];  /* meta name */
    struct seal_key key;            /* zero unless opened with the key */
    bool has_key;
};

/* dir + "/" + name into out[CLI_PATH_MAX], or name itself when it is
 * absolute: node_file_path, the rule serve reads its files by. False if
 * it does not fit. */
bool cli_node_path(char *out, const char *dir, const char *name);
/* Opens the node in dir (which must exist), with its secret key when
 * with_key. CLI_OK, or CLI_ERROR after reporting (n then needs no close). */
int cli_node_open(const char *cmd, const char *dir, bool with_key, struct cli_node *n);
/* Closes the store and wipes the key. */
void cli_node_close(struct cli_node *n);
/* Why the replication worker has not reached a member, in words, into
 * out: "unreachable since SINCE, N failures: ERROR", or "never reached,
 * N failures: ERROR" when since is NULL (cli.c). */
void cli_unreachable(char *out, size_t max, const char *since, long long failures,
                     const char *error);
/* A member's clock skew (ms, positive: ahead) in words, "its clock is at
 * least 2m 05s ahead of ours", into out; false (out "") when it is under
 * the replication's warning threshold (2 s) (cli.c). */
bool cli_clock_skew(char *out, size_t max, long long skew_ms);

/* Where the command line reaches the node in dir (publish.c): the address
 * its running `hotline serve` listens on (DIR/serve.lock: the bound port,
 * whatever --listen said), else conf's listen (hotline.conf, read by the
 * caller); a wildcard address as loopback. "ADDR:PORT" into out. True
 * when a server holds DIR/serve.lock. */
bool cli_node_reach(const char *dir, const struct node_config *conf, char out[NODE_LISTEN_MAX + 1]);

/* ---- federation (peer.c, channel.c) -------------------------------------
 * The node's party card (card.json, docs/federation.md): what another
 * operator needs to add this node as a peer. */
#define CLI_CARD_FILE "card.json"
#define CLI_TOKEN_FILE "cli.token" /* the token of the admin user "cli", mode 0600 */
#define CLI_TOKEN_USER "cli"
/* Builds the card of the node in dir (n open on it): party, name and key
 * from the store, cert_fingerprint from the certificate hotline.conf
 * names, url given or made from hotline.conf's listen. *out is a new
 * object (the caller's to json_decref) or NULL on failure. */
HL_MUST_CHECK int cli_card_build(const char *dir, const struct cli_node *n, const char *url,
                                 json_t **out, struct hl_error *err);
/* Writes dir/card.json (mode 0644) from the node's current state. */
HL_MUST_CHECK int cli_card_write(const char *dir, const struct cli_node *n, struct hl_error *err);
/* Makes peer (a peer name) a member of channel: when the peer is known,
 * its party joins channel_members and its user gets read and write on
 * the channel; otherwise the name is recorded as pending. *pending says
 * which. No transaction of its own. */
HL_MUST_CHECK int cli_member_add(struct store *s, const char *channel, const char *peer,
                                 bool *pending, struct hl_error *err);
/* An alarm as JSON (alarms.c): {"id", "kind", "party", "channel", "seq",
 * "created", "detail"}, and with evidence, "evidence_a" and "evidence_b"
 * (the signed objects, parsed; as strings if they do not parse). NULL
 * when out of memory. */
json_t *cli_alarm_json(const struct store_alarm *a, bool evidence);
/* Prints an alarm made by cli_alarm_json as two indented lines. */
void cli_alarm_print(const json_t *alarm);

/* ---- publishing through the local node (publish.c) ---------------------
 * What `hotline send` does, for every command that publishes: a TAXII
 * POST of an envelope into the channel's collection through the node in
 * dir (reached at cli_node_reach, with DIR/cli.token, the certificate
 * pinned to DIR/tls.crt; the node must be serving), then, unless no_wait,
 * waiting until every other member's receipt covers what was stored. */
#define CLI_PUBLISH_TIMEOUT_S 60
struct cli_publish {
    const char *dir;     /* the node directory (--data) */
    const char *channel; /* the channel (--channel) */
    bool no_wait;        /* --no-wait: return once the node stored the objects */
    bool json;           /* --json: print one JSON line instead of text */
    unsigned timeout_s;  /* --timeout: longest wait for receipts, in seconds */
    /* The object the command made, or NULL: printed first ("published ID")
     * and, with json, as "id". */
    const char *id;
};
/* Sets p->timeout_s from --timeout's text (seconds, 0..86400; NULL keeps
 * it). CLI_OK, or CLI_ERROR after a usage message naming cmd. */
int cli_publish_timeout(const char *cmd, const char *text, struct cli_publish *p);
/* Publishes objects (a JSON array of STIX objects, borrowed) through the
 * node, in as many envelopes as the node's API root allows (its
 * max_content_length and x_hotline_max_objects), in order, and prints the
 * outcome: "published ID" (when p->id), "stored N of M objects" (N sealed
 * now), "K were in the channel already: ...", one "refused ID: REASON" per
 * refused object, then one "delivered to NAME (receipt #N)" or "not yet
 * confirmed by NAME[: WHY]" per other member; with p->json one line {"id",
 * "status" (the TAXII status resources, merged), "delivery" (the delivery
 * endpoint's answer, null with no_wait)}. Operational failures go to
 * stderr, after what was stored before them. Returns the exit code: CLI_OK
 * stored and delivered (or stored, with no_wait), CLI_FAIL some objects
 * refused, CLI_ERROR the node could not be reached or refused the request,
 * CLI_PENDING stored but not every member confirmed within timeout_s. */
int cli_publish(const struct cli_publish *p, const json_t *objects);

/* ---- producing objects (produce.c) ---------------------------------------
 * What notify, dossier, request, opinion, note and translate share: the
 * common options, a table row group for cli_parse_opts: */
struct cli_produce {
    const char *dir, *channel, *timeout, *tlp;
    bool no_wait, json, print; /* --print: the objects on stdout, not published */
    char found[STORE_TEXT_MAX + 1]; /* the channel cli_produce_begin found */
};
#define CLI_PRODUCE_OPTS(p)                                                                       \
    {"--data", NULL, &(p).dir, NULL}, {"--channel", NULL, &(p).channel, NULL},                    \
        {"--timeout", NULL, &(p).timeout, NULL}, {"--no-wait", NULL, NULL, &(p).no_wait},         \
        {"--json", NULL, NULL, &(p).json}, {"--print", NULL, NULL, &(p).print},                  \
        {"--tlp", NULL, &(p).tlp, NULL}
/* Moves every "NAME VALUE" of a repeatable option out of argv[1..*argc)
 * (before any "--") into out[*n..max), closing the gaps. CLI_OK, or
 * CLI_ERROR after a usage message. */
int cli_produce_take(const char *cmd, int *argc, char **argv, const char *name, const char **out,
                     size_t max, size_t *n);
struct compose_ctx;
/* Checks --data and --channel (a channel the node knows; without it, the
 * first channel holding the object about, when not NULL, which p->channel
 * then names) and --timeout, opens the node (closed by the caller with
 * cli_node_close) and sets c: the node's party, now. CLI_OK or CLI_ERROR
 * after a message. */
int cli_produce_begin(const char *cmd, struct cli_produce *p, const char *about,
                      struct cli_node *n, struct compose_ctx *c);
/* --help (help printed: CLI_OK) or cli_parse_opts (CLI_ERROR on a usage
 * error); CLI_PRODUCE_GO when the command goes on. */
#define CLI_PRODUCE_GO (-1)
int cli_produce_args(const char *cmd, int argc, char **argv, const struct cli_opt *opts,
                     void (*help)(void), char **operands, int max, int *n);
/* Ends a producing command: built is the builder's result (err its
 * detail, printed when not 0), made its object or envelope. Publishes
 * with cli_publish, naming the last object (the report of a notification
 * or dossier), or prints with --print. Then closes n (when not NULL) and
 * frees made. The exit code. */
int cli_produce_end(const char *cmd, const struct cli_produce *p, struct cli_node *n, int built,
                    json_t *made, const struct hl_error *err);
/* Warns on stderr of each of refs that p's channel does not hold (STIX
 * allows it: what is referred to may be elsewhere; it may be a typo). */
void cli_produce_warn_unheld(const char *cmd, const struct cli_produce *p,
                             const struct cli_node *n, const char *const *refs, size_t n_refs);
/* The common options' part of a producing command's --help. */
void cli_produce_help_common(void);
int cli_notify(int argc, char **argv);
int cli_dossier(int argc, char **argv);
int cli_request(int argc, char **argv);
int cli_opinion(int argc, char **argv);
int cli_note(int argc, char **argv);
int cli_translate(int argc, char **argv);

/* ---- the workflow's commands (wfview.c, respond.c, deadlines.c) ----------
 * They read the store directly (no node needed), except respond and ack,
 * which publish through the node (cli_publish). */
struct workflow_view;
struct workflow_filter;
/* The workflow's items of channel (every channel when NULL) that f
 * selects, appended to all, escalations annotated (wfview.c). */
int cli_list_collect(struct cli_node *n, const char *channel, const struct workflow_filter *f,
                     json_t *all);
/* One line per item, and under it what it waits for as of now_us (0: not). */
void cli_list_print(const json_t *items, int64_t now_us);
/* list --follow (follow.c): lists what f selects, then every item that
 * arrives later, each second, until SIGINT or SIGTERM; json: one item per
 * line. CLI_OK when stopped so. */
int cli_list_follow(struct cli_node *n, const char *channel, const struct workflow_filter *f,
                    bool json);
/* A time argument: a STIX timestamp (2026-05-08T14:22:31Z), or now plus or
 * minus a duration ("+25h", "-30m"; s, m, h, d). */
bool cli_time_arg(const char *s, int64_t *out_us);
/* The view of the channel holding id (with channel given, that channel
 * alone; id NULL: the channel itself). *chosen (may be NULL) gets the
 * channel's name. CLI_OK, or CLI_ERROR after reporting (no such channel,
 * or id in no channel). */
int cli_view_open(const char *cmd, struct cli_node *n, const char *channel, const char *id,
                  struct workflow_view **v, char *chosen);
/* `hotline channel policy NAME --ack-within DURATION --data DIR` (channel.c
 * dispatches argv[0] == "policy" here). */
int cli_channel_policy(int argc, char **argv);
/* The operands of `channel VERB NAME PEER --data DIR` into ops and *dir:
 * CLI_OK, or CLI_ERROR after saying what is wrong (channel.c). */
int cli_channel_peer_args(int argc, char **argv, const char *verb, char *ops[2], const char **dir);
/* `channel retire-member` (retire) or `reinstate-member` (retire.c). */
int cli_channel_retire(int argc, char **argv, bool retire);

int cli_help(int argc, char **argv);
int cli_version(int argc, char **argv);
int cli_validate(int argc, char **argv);
int cli_canon(int argc, char **argv);
int cli_keygen(int argc, char **argv);
int cli_seal(int argc, char **argv);
int cli_merkle(int argc, char **argv);
int cli_init(int argc, char **argv);
int cli_channel(int argc, char **argv);
int cli_log(int argc, char **argv);
/* `hotline log append --quiet` of objects made in this process (objs, an
 * array: held versions are removed from it, the rest sealed in place): each validated as STIX (findings on stderr), held
 * versions skipped, the TLP onward-sharing check, one batch sealed into
 * the node's log of channel. CLI_OK, CLI_FAIL (invalid objects, nothing
 * appended) or CLI_ERROR (reported on stderr). Nothing on stdout. */
int cli_log_append_objects(const char *dir, const char *channel, json_t *objs);
int cli_verify(int argc, char **argv);
int cli_backup(int argc, char **argv);
int cli_doctor(int argc, char **argv); /* doctor.c */
int cli_cert(int argc, char **argv);   /* cert.c */
int cli_user(int argc, char **argv);
int cli_serve(int argc, char **argv);
int cli_peer(int argc, char **argv);
int cli_status(int argc, char **argv);
int cli_alarms(int argc, char **argv);
int cli_match(int argc, char **argv);
int cli_send(int argc, char **argv); /* send.c, when it is built (HL_CLI_SEND) */
int cli_respond(int argc, char **argv);   /* respond.c */
int cli_ack(int argc, char **argv);       /* respond.c */
int cli_deadlines(int argc, char **argv); /* deadlines.c */
int cli_list(int argc, char **argv);      /* wfview.c */
int cli_show(int argc, char **argv);      /* wfview.c */
int cli_scorecard(int argc, char **argv); /* wfview.c */

#endif
