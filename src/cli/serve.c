/*
 * serve.c — `hotline serve --data DIR [--listen ADDR:PORT]`: runs the node
 * (src/node/node.h) until SIGTERM or SIGINT.
 *
 * Output, all on stderr (stdout stays empty): once the server listens,
 *   hotline: serving https://ADDR:PORT/taxii2/ (party NAME)
 * (scripts wait for that line, and read the port from it when --listen
 * asked for port 0), then the node's log: one line per request and per
 * event, each starting with an RFC 3339 UTC timestamp. Exit 0 after a
 * clean stop; 2 if the node cannot start (the reason, and for a node made
 * before `hotline serve` existed, the command that completes it).
 */
#include <stdio.h>

#include "cli.h"
#include "node/node.h"

static void serve_help(void)
{
    printf("usage: hotline serve --data DIR [--listen ADDR:PORT]\n\n"
           "Runs the node in DIR: the TAXII 2.1 API over HTTPS (TLS 1.3 preferred,\n"
           "1.2 accepted) with DIR/tls.crt and DIR/tls.key, as DIR/hotline.conf\n"
           "says, until SIGTERM or SIGINT; then requests in flight finish and it\n"
           "exits 0. SIGHUP reads the certificate and key files again (a renewal,\n"
           "'hotline cert') and hotline.conf: its limits of a request, rate, texts,\n"
           "intervals, hook and status retention apply at once, the log names any\n"
           "other key changed, which a restart applies. Users sign in with the\n"
           "tokens of 'hotline user'.\n\n"
           "  --listen ADDR:PORT  overrides hotline.conf's listen (default %s);\n"
           "                      ADDR an IPv4 address or [IPv6]; port 0: any free port\n\n"
           "On stderr: 'hotline: serving https://ADDR:PORT/taxii2/ (party NAME)' once\n"
           "it listens, then one timestamped line per request and event.\n"
           "A node made before 'hotline serve' existed lacks tls.crt, tls.key and\n"
           "hotline.conf: 'hotline init --upgrade --data DIR' adds them.\n\n"
           "Exit codes: 0 stopped by a signal; 2 usage error or the node cannot start.\n",
           NODE_DEFAULT_LISTEN);
}

static void serve_ready(void *ctx, const char *url, const char *party_name)
{
    (void)ctx;
    fprintf(stderr, "hotline: serving %s (party %s)\n", url, party_name);
}

/* One fprintf per line: stderr's lock keeps lines of different threads
 * whole. */
static void serve_log(void *ctx, const char *line)
{
    (void)ctx;
    fprintf(stderr, "%s\n", line);
}

int cli_serve(int argc, char **argv)
{
    const char *dir = NULL, *listen = NULL;
    const struct cli_opt opts[] = {
        {"--data", NULL, &dir, NULL},
        {"--listen", NULL, &listen, NULL},
        {NULL, NULL, NULL, NULL},
    };
    int n_operands = 0;
    struct hl_error err;
    if (cli_wants_help(argc, argv)) {
        serve_help();
        return CLI_OK;
    }
    if (cli_parse_opts("serve", argc, argv, opts, NULL, 0, &n_operands))
        return CLI_ERROR;
    if (!dir || !dir[0])
        return cli_usage_error("serve", "--data DIR is required");
    hl_error_clear(&err);
    if (listen && node_listen_check(listen, &err))
        return cli_usage_error("serve", "--listen: %s", err.msg);
    const struct node_serve_options o = {listen, serve_ready, serve_log, NULL};
    if (node_serve(dir, &o, &err)) {
        cli_report(&err);
        return CLI_ERROR;
    }
    return CLI_OK;
}
