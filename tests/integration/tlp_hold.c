/*
 * tlp_hold.c — `tlp_hold DB STIX-ID CHANNEL TLP`: records, through
 * store_tlp_hold, that STIX-ID came in on CHANNEL under TLP (TLP:RED,
 * TLP:AMBER+STRICT or TLP:AMBER), as a node's accept path does for an
 * object a peer sent. peers.sh uses it to show that a local POST of that
 * object into another channel is refused (src/taxii/post.c) without
 * needing a second node. Exit 0, or 1 with the store's error on stderr.
 */
#include <stdio.h>

#include "store/store.h"

int main(int argc, char **argv)
{
    struct store *s = NULL;
    struct hl_error err;
    hl_error_clear(&err);
    if (argc != 5) {
        fprintf(stderr, "usage: tlp_hold DB STIX-ID CHANNEL TLP\n");
        return 2;
    }
    int r = store_open(argv[1], NULL, &s, &err);
    if (!r)
        r = store_tlp_hold(s, argv[2], argv[3], argv[4], &err);
    store_close(s);
    if (r)
        fprintf(stderr, "tlp_hold: %s\n", err.msg);
    return r ? 1 : 0;
}
