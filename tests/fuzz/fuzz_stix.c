/*
 * fuzz_stix.c — libFuzzer harness for the STIX core's hostile-input path:
 * stix_parse, then stix_validate_document, then stix_canon.
 *
 * Properties checked (abort() on violation, so libFuzzer keeps the input):
 *   - whatever stix_parse accepts, stix_canon canonicalizes (the parser
 *     refuses every value RFC 8785 cannot write: non-finite numbers,
 *     integers beyond I-JSON, nesting past the limit);
 *   - the canonical bytes parse again, and canonicalizing them gives the
 *     same bytes (RFC 8785 §3.2: the canonical form is a fixed point);
 *   - validation never crashes, leaks or reads out of bounds (ASan/UBSan
 *     in the fuzz build), and its report is self-consistent.
 * Validation is compiled in when the build defines HL_HAVE_VALIDATE (once
 * src/stix/validate.c and findings.c exist); until then the harness fuzzes
 * parse and canon only.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "stix/stix.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FUZZ_MAX_CANON ((size_t)HL_MAX_DOCUMENT_BYTES * 6)

#ifdef HL_HAVE_VALIDATE
static void fuzz_validate(const json_t *doc)
{
    struct stix_report r;
    stix_report_init(&r);
    stix_validate_document(doc, &r);
    if (r.n > HL_MAX_FINDINGS || r.n > r.n_errors + r.n_warnings)
        abort();
    for (size_t i = 0; i < r.n; i++) {
        if (!r.items[i].path || !r.items[i].message)
            abort();
    }
    stix_report_release(&r);
}
#endif

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    json_t *doc = NULL, *again = NULL;
    struct hl_error err;
    struct buf once, twice;

    if (stix_parse((const char *)data, size, &doc, &err))
        return 0;
    (void)stix_doc_kind(doc);
#ifdef HL_HAVE_VALIDATE
    fuzz_validate(doc);
#endif
    buf_init(&once, FUZZ_MAX_CANON);
    buf_init(&twice, FUZZ_MAX_CANON);
    if (stix_canon(doc, &once, &err))
        abort(); /* accepted but not canonicalizable */
    if (stix_parse(once.data, once.len, &again, &err))
        abort(); /* canonical form refused by our own parser */
    if (stix_canon(again, &twice, &err))
        abort();
    if (once.len != twice.len || memcmp(once.data, twice.data, once.len) != 0)
        abort(); /* canon is not idempotent */
    json_decref(again);
    json_decref(doc);
    buf_release(&once);
    buf_release(&twice);
    return 0;
}
