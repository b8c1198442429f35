/*
 * parse.c — stix_parse of a large document on the ledger's worker threads.
 *
 * A peer's push or a user's POST of 1000 objects is about 1.7 MB of JSON,
 * which jansson parses at about 60 MB/s here: some 25 ms on one CPU while
 * the other waits, before the first signature can be checked. stix_split
 * cuts the document's "objects" array into its elements; the elements are
 * parsed on the worker threads (each a separate tree) and joined in order.
 * The result is the tree stix_parse makes; where the parts do not come
 * together, stix_parse of the whole decides, with its own error.
 */
#include <stdlib.h>

#include "log_int.h"

/* Below this, one stix_parse on the caller's thread is as quick. */
#define PARSE_SPLIT_MIN (64u * 1024)

struct parse_job {
    const char *data;
    const struct stix_split *s;
    json_t **parts;
};

static void parse_part(void *ctx, size_t i)
{
    struct parse_job *j = ctx;
    j->parts[i] = stix_split_parse(j->data, j->s, i);
}

/* The document parsed in parts, or NULL (then stix_parse decides). */
static json_t *parse_parts(const char *data, size_t len, const struct stix_split *s)
{
    struct hl_error e;
    struct ledger_par *par = NULL;
    struct parse_job j = {data, s, calloc(s->n, sizeof *j.parts)};
    if (!j.parts || ledger_par_start(parse_part, &j, s->n, LEDGER_PAR_MIN, &par, &e)) {
        free(j.parts); /* every part NULL: nothing parsed */
        return NULL;
    }
    for (size_t i = 0; i < s->n; i++)
        ledger_par_wait(par, i);
    ledger_par_free(par);
    json_t *doc = stix_split_join(data, len, s, j.parts); /* takes the parts */
    free(j.parts);
    return doc;
}

int ledger_parse(const char *data, size_t len, json_t **out, struct hl_error *err)
{
    struct stix_split s;
    *out = NULL;
    if (len < PARSE_SPLIT_MIN)
        return stix_parse(data, len, out, err);
    int r = stix_split(data, len, &s, err); /* a limit crossed: stix_parse's error */
    if (!r && s.n)
        *out = parse_parts(data, len, &s);
    stix_split_release(&s);
    if (r || *out)
        return r;
    return stix_parse(data, len, out, err);
}
