/*
 * node.h — a hotline node as an operator runs it: the node directory's
 * configuration file (config.c), its TLS certificate (tls.c), and
 * `hotline serve` (node.c: the TAXII server and the replication worker
 * started with all of it, until SIGTERM or SIGINT).
 *
 * The node directory (made by `hotline init`):
 *   party.key, party.pub, identity.json, hotline.db   the party and its ledger
 *   tls.crt        the server's certificate chain (PEM; leaf first)
 *   tls.key        its private key (PEM, unencrypted; mode 0600 enforced)
 *   hotline.conf   the server's settings (below)
 *   serve.lock     while `hotline serve` runs: its lock, and where it
 *                  listens (serving.c)
 * A node made before `hotline serve` existed has only the first four; its
 * ledger commands work as before, and `hotline init --upgrade --data DIR`
 * adds the rest.
 *
 * hotline.conf, read strictly. UTF-8 text, at most NODE_CONF_MAX bytes,
 * lines of at most NODE_CONF_LINE_MAX bytes:
 *   # a comment (only at the start of a line, after optional blanks)
 *   key = value      blanks around key and value are dropped; the value is
 *                    the rest of the line, '#' included; no quoting
 * Every key is optional (absent: the default that init writes); an unknown
 * key, a key given twice, a line without '=', a value out of its range, a
 * control character or invalid UTF-8 is an error naming the file and line
 * ("hotline.conf:7: threads: ..."), and the node does not start.
 */
#ifndef HL_NODE_H
#define HL_NODE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/base.h"

#define NODE_CONF_FILE "hotline.conf"
#define NODE_CERT_FILE "tls.crt"
#define NODE_KEY_FILE "tls.key"
#define NODE_CONF_MAX (64u * 1024)
#define NODE_CONF_LINE_MAX 1024
#define NODE_LISTEN_MAX 63 /* "[IPv6]:PORT" fits (at most 47 bytes) */
#define NODE_TEXT_MAX 512  /* title, description, contact */
#define NODE_PATH_MAX 4095
#define NODE_DEFAULT_LISTEN "127.0.0.1:8443"

/* ---- configuration (config.c) ------------------------------------------- */

/* The settings of hotline.conf: the operator's part of struct
 * taxii_options (the database, the signer and the log are the node's). */
struct node_config {
    char listen[NODE_LISTEN_MAX + 1]; /* "ADDR:PORT", an IP address */
    char tls_cert[NODE_PATH_MAX + 1]; /* relative paths are in the node directory */
    char tls_key[NODE_PATH_MAX + 1];
    char title[NODE_TEXT_MAX + 1];       /* TAXII discovery (§4.1.1) */
    char description[NODE_TEXT_MAX + 1]; /* may be empty */
    char contact[NODE_TEXT_MAX + 1];     /* may be empty */
    unsigned threads;
    size_t max_content_length;
    size_t max_objects;
    unsigned max_connections;
    unsigned max_per_client;
    unsigned rate_per_minute;
    unsigned timeout_s;
    unsigned pull_interval_s; /* replication: seconds between pulls (exchange.h) */
    unsigned deadline_interval_s;             /* workflow: seconds between deadline checks */
    char escalation_hook[NODE_PATH_MAX + 1]; /* workflow: program run per escalation, or "" */
    unsigned status_retention_days;          /* TAXII status records older than this are removed */
};

/* The defaults: what a fresh hotline.conf says. The title names the party
 * (party_name may be NULL: "hotline node"). */
void node_config_defaults(struct node_config *c, const char *party_name);
/* Reads the file at path over the defaults already in *c. On failure err
 * names "PATH:LINE" (or PATH) and *c may be partly changed. */
HL_MUST_CHECK int node_config_read(const char *path, struct node_config *c, struct hl_error *err);
/* Which keys: all of them, those a running node applies when it reads the
 * file again (SIGHUP: limits of a request, the request rate, discovery
 * texts, the workers' intervals, the hook, status retention), or those
 * that take a restart (the listening socket, TLS paths, threads,
 * connection limits, timeouts). */
enum node_conf_keys { NODE_KEYS_ALL, NODE_KEYS_LIVE, NODE_KEYS_RESTART };
/* The number of keys of `which` whose values differ between a and b;
 * their names, ", "-separated, in names (of size bytes, cut to fit). */
size_t node_config_diff(const struct node_config *a, const struct node_config *b,
                        enum node_conf_keys which, char *names, size_t size);
/* Copies the values of the NODE_KEYS_LIVE keys of src into dst. */
void node_config_take_live(struct node_config *dst, const struct node_config *src);
/* Appends the text of a hotline.conf holding c, every key explained by a
 * comment, to out. */
HL_MUST_CHECK int node_config_render(const struct node_config *c, struct buf *out,
                                     struct hl_error *err);
/* Checks "ADDR:PORT": ADDR an IPv4 address or a bracketed IPv6 address,
 * PORT 0..65535 (0: any free port). HL_E_INVALID with the reason. */
HL_MUST_CHECK int node_listen_check(const char *listen, struct hl_error *err);

/* ---- who serves the directory (serving.c) ------------------------------- */

#define NODE_SERVE_LOCK_FILE "serve.lock"

/* DIR/serve.lock, held by the one `hotline serve` of DIR while it runs. */
struct node_serve_lock {
    int fd; /* -1 when not held */
    char path[NODE_PATH_MAX + 1];
};

/* Takes dir's serve lock and empties the file. HL_E_EXISTS, naming its
 * pid, when another process holds it. */
HL_MUST_CHECK int node_serve_lock_take(const char *dir, struct node_serve_lock *l,
                                       struct hl_error *err);
/* Writes the address the server listens on ("ADDR:PORT", the bound port)
 * into the lock's file, for node_serving_read. */
HL_MUST_CHECK int node_serve_lock_publish(struct node_serve_lock *l, const char *listen,
                                          struct hl_error *err);
/* Removes the file and lets the lock go (a clean stop). Safe to repeat. */
void node_serve_lock_release(struct node_serve_lock *l);
/* Where the server holding dir's lock listens ("ADDR:PORT") and its pid.
 * HL_E_NOT_FOUND when no process holds the lock (none runs, or a crash
 * left the file) or the server does not listen yet; HL_E_PARSE when the
 * file holds no address. Takes no lock. */
HL_MUST_CHECK int node_serving_read(const char *dir, char listen[NODE_LISTEN_MAX + 1], long *pid,
                                    struct hl_error *err);

/* ---- TLS certificate and key (tls.c) ------------------------------------ */

#define NODE_TLS_FILE_MAX (256u * 1024)

struct node_tls_info {
    char fingerprint[65]; /* lowercase hex SHA-256 of the leaf certificate's DER */
    int64_t not_before;   /* seconds since the epoch */
    int64_t not_after;
};

/* A new self-signed certificate for a node: ECDSA P-256 key, SHA-256
 * signature, subject CN = common_name (cut to 64 bytes on a UTF-8 boundary,
 * RFC 5280 ub-common-name), subjectAltName DNS:localhost and IP:127.0.0.1,
 * serverAuth, valid from an hour ago (clock skew) for 730 days. Appends
 * the PEM certificate to cert_pem and the PEM (PKCS #8, unencrypted) key to
 * key_pem, and fills info. The caller wipes key_pem (node_tls_wipe). */
HL_MUST_CHECK int node_tls_generate(const char *common_name, struct buf *cert_pem,
                                    struct buf *key_pem, struct node_tls_info *info,
                                    struct hl_error *err);
/* Checks PEM bytes: a certificate chain (the leaf first) and a private
 * key that parse and belong together (same public key). Fills info from
 * the leaf. HL_E_PARSE (unreadable), HL_E_VERIFY (key and certificate do
 * not match). */
HL_MUST_CHECK int node_tls_check(const struct buf *cert_pem, const struct buf *key_pem,
                                 struct node_tls_info *info, struct hl_error *err);
/* Reads a file of at most NODE_TLS_FILE_MAX bytes into out (initialised,
 * empty) in one allocation, so that a key leaves no copies behind; with
 * secret, a file granting anything to group or others is HL_E_PERM. */
HL_MUST_CHECK int node_tls_read(const char *path, bool secret, struct buf *out,
                                struct hl_error *err);
/* Zeroes the bytes of b and releases it. */
void node_tls_wipe(struct buf *b);

/* The next certificate and key of a renewal (hotline cert next; the
 * node announces it, hotline cert switch puts it in place): in the node
 * directory, beside the current ones. */
#define NODE_TLS_NEXT_CERT "tls.next.crt"
#define NODE_TLS_NEXT_KEY "tls.next.key"
/* Reads and checks the pair at cert_path and key_path into info (as
 * node_tls_check). HL_E_NOT_FOUND when cert_path does not exist. */
HL_MUST_CHECK int node_tls_load(const char *cert_path, const char *key_path,
                                struct node_tls_info *info, struct hl_error *err);

/* ---- serving (node.c) ----------------------------------------------------- */

/* The path of a node file: name itself when absolute (hotline.conf's
 * tls_cert and tls_key may be), else dir/name. False when it does not fit. */
bool node_file_path(char out[NODE_PATH_MAX + 1], const char *dir, const char *name);

struct node_serve_options {
    const char *listen; /* overrides hotline.conf's listen, or NULL */
    /* Called once the server is listening, with its discovery URL
     * ("https://ADDR:PORT/taxii2/") and the party's name. */
    void (*ready)(void *ctx, const char *url, const char *party_name);
    /* One log line: an RFC 3339 UTC timestamp, a blank, the event (a
     * request, start, stop, a warning). Called from several threads. */
    void (*log)(void *ctx, const char *line);
    void *ctx;
};

/* Runs the node in dir: takes DIR/serve.lock, reads hotline.conf, checks
 * the TLS files, opens the party's key, starts the replication worker
 * (src/exchange/) and the TAXII server, and blocks until SIGTERM or
 * SIGINT arrives; then stops the server (in-flight requests finish), then
 * the worker (a transfer in flight is abandoned; nothing half stored),
 * and returns 0. SIGHUP meanwhile reads the TLS files again (a renewed
 * certificate presented, a next one announced). It blocks those three
 * signals in the calling thread before
 * any server thread starts (so that they inherit the mask and the signal
 * is taken by sigwait, never by a handler) and ignores SIGPIPE. Call it
 * from the process's main thread before any other thread exists. A node
 * without TLS files or configuration is HL_E_NOT_FOUND, saying what is
 * missing and how to add it; a directory another process serves is
 * HL_E_EXISTS (DIR/serve.lock, serving.c). */
HL_MUST_CHECK int node_serve(const char *dir, const struct node_serve_options *o,
                             struct hl_error *err);

#endif
