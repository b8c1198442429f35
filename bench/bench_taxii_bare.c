/*
 * bench_taxii_bare.c — the physical limit of bench_taxii's (b): the same
 * bytes over the same HTTPS stack with nothing else to do.
 *
 * A libmicrohttpd daemon set up as the node's (src/taxii/server.c): GnuTLS
 * with the node's certificate, key and priorities, an internal epoll
 * thread pool of the node's default size, keep-alive. It answers every
 * request with one fixed body (a real page of the collection, taken from
 * the node): no authentication, no store, no JSON. bench_taxii's GET
 * clients walk it exactly as they walk the node, so the ratio of the two
 * rates is what the node's own work (credentials, rights, the page query,
 * assembling the page) costs beside transport, TLS and the client.
 */
#include <arpa/inet.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/base.h"
#include "bench_taxii_bare.h"

/* The node's TLS priorities (TAXII_PRIORITIES in src/taxii/server.c). */
#define BARE_PRIORITIES "NORMAL:-VERS-ALL:+VERS-TLS1.3:+VERS-TLS1.2"
#define BARE_THREADS 4 /* the node's default (node_config_defaults) */

struct bt_bare {
    struct MHD_Daemon *d;
    struct MHD_Response *page; /* shared by every answer */
    char *cert, *key;
};

static enum MHD_Result bare_answer(void *cls, struct MHD_Connection *con, const char *url,
                                   const char *method, const char *version,
                                   const char *upload_data, size_t *upload_size, void **req)
{
    (void)url, (void)method, (void)version, (void)upload_data, (void)upload_size;
    struct bt_bare *b = cls;
    if (!*req) { /* headers only so far: answer once they are complete */
        *req = b;
        return MHD_YES;
    }
    return MHD_queue_response(con, MHD_HTTP_OK, b->page);
}

static char *bare_read(const char *path)
{
    FILE *f = fopen(path, "rb");
    char *s = f ? calloc(1, 256 * 1024) : NULL;
    size_t n = s ? fread(s, 1, 256 * 1024 - 1, f) : 0;
    if (f)
        fclose(f);
    if (s && n == 0) {
        free(s);
        s = NULL;
    }
    return s;
}

struct bt_bare *bt_bare_start(const char *cert_path, const char *key_path, const char *body,
                              size_t len, uint16_t *port)
{
    struct bt_bare *b = calloc(1, sizeof *b);
    if (!b)
        return NULL;
    b->cert = bare_read(cert_path);
    b->key = bare_read(key_path);
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = 0}; /* loopback only */
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    b->page = MHD_create_response_from_buffer(len, (void *)body, MHD_RESPMEM_MUST_COPY);
    if (b->cert && b->key && b->page &&
        MHD_add_response_header(b->page, "Content-Type", "application/taxii+json;version=2.1") ==
            MHD_YES)
        b->d = MHD_start_daemon(MHD_USE_TLS | MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL |
                                    MHD_USE_ITC,
                                0, NULL, NULL, bare_answer, b, MHD_OPTION_SOCK_ADDR,
                                (struct sockaddr *)&sa, MHD_OPTION_HTTPS_MEM_CERT, b->cert,
                                MHD_OPTION_HTTPS_MEM_KEY, b->key, MHD_OPTION_HTTPS_PRIORITIES,
                                BARE_PRIORITIES, MHD_OPTION_THREAD_POOL_SIZE,
                                (unsigned)BARE_THREADS, MHD_OPTION_END);
    const union MHD_DaemonInfo *di =
        b->d ? MHD_get_daemon_info(b->d, MHD_DAEMON_INFO_BIND_PORT) : NULL;
    if (!di) {
        bt_bare_stop(b);
        return NULL;
    }
    *port = di->port;
    return b;
}

void bt_bare_stop(struct bt_bare *b)
{
    if (!b)
        return;
    if (b->d)
        MHD_stop_daemon(b->d);
    if (b->page)
        MHD_destroy_response(b->page);
    if (b->key)
        sodium_memzero(b->key, strlen(b->key));
    free(b->cert);
    free(b->key);
    free(b);
}
