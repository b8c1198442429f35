/*
 * fuzz_split.c — libFuzzer harness for stix_split: cutting a document's
 * "objects" array into its elements, parsing them apart and joining them
 * must answer every input exactly as stix_parse of the whole does (the
 * claim of stix.h that ledger_parse rests on).
 *
 * Properties checked (abort() on violation):
 *   - the parts, joined, or else stix_parse of the whole (as ledger_parse
 *     does), give stix_parse's outcome: the same error code, place and
 *     message, or an equal tree;
 *   - whenever the parts join, stix_parse accepts the document too, and
 *     the trees are equal (a join never accepts what the whole refuses);
 *   - stix_split fails only where stix_parse fails, with the same error.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "stix/stix.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static bool same_error(const struct hl_error *a, const struct hl_error *b)
{
    return a->code == b->code && strcmp(a->where, b->where) == 0 && strcmp(a->msg, b->msg) == 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *s = (const char *)data;
    json_t *whole = NULL, *joined = NULL;
    struct hl_error e1, e2;
    struct stix_split sp;
    hl_error_clear(&e1);
    hl_error_clear(&e2);
    int r1 = stix_parse(s, size, &whole, &e1);
    int r2 = stix_split(s, size, &sp, &e2);
    if (r2 && (r2 != r1 || !same_error(&e1, &e2)))
        abort(); /* the pre-scan answered otherwise */
    if (!r2 && sp.n) {
        json_t **parts = calloc(sp.n, sizeof *parts);
        if (!parts)
            abort();
        for (size_t i = 0; i < sp.n; i++)
            parts[i] = stix_split_parse(s, &sp, i);
        joined = stix_split_join(s, size, &sp, parts); /* takes the parts */
        free(parts);
    }
    stix_split_release(&sp);
    if (joined && (r1 || !json_equal(whole, joined)))
        abort(); /* the parts accepted what the whole refuses, or differ */
    json_decref(joined);
    json_decref(whole);
    return 0;
}
