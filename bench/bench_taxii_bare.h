/* bench_taxii_bare.h — a bare HTTPS server answering one fixed page
 * (bench_taxii_bare.c), the ceiling of bench_taxii's GET pages. */
#ifndef HL_BENCH_TAXII_BARE_H
#define HL_BENCH_TAXII_BARE_H

#include <stddef.h>
#include <stdint.h>

struct bt_bare;

/* Serves body (copied) on 127.0.0.1 at a free port (into *port) with the
 * PEM certificate and key files given. NULL on failure. */
struct bt_bare *bt_bare_start(const char *cert_path, const char *key_path, const char *body,
                              size_t len, uint16_t *port);
/* Stops the server and frees b (NULL is a no-op). */
void bt_bare_stop(struct bt_bare *b);

#endif
