/*
 * fuzz_compose.c — libFuzzer harness for what `hotline dossier` and
 * `hotline notify` read from a file: the dossier's CSV
 * (compose_dossier_csv) and JSON (stix_parse, compose_dossier), and the
 * notify file (compose_incident_read, compose_notify). The first byte of
 * the input chooses the reader (0: CSV, 1: dossier JSON, 2: notify JSON),
 * the rest is the file.
 *
 * Properties checked (abort() on violation, so libFuzzer keeps the input):
 *   - no reader crashes, leaks or reads out of bounds (ASan/UBSan);
 *   - a failure always names what failed (err.msg set) and makes nothing;
 *   - what a builder makes is an envelope whose last object is the report
 *     referring to every other object, each of which passed the checks
 *     (the builders validate before they return).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "workflow/workflow.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const struct compose_ctx fuzz_ctx = {"identity--c69e7861-d66a-40f6-b5a4-3cebb7cec925",
                                            1778250151418000LL, NULL};

/* Aborts unless a builder's result is as promised. */
static void fuzz_check(int rc, json_t *out, const struct hl_error *err)
{
    if (rc) {
        if (out || !err->msg[0])
            abort();
        return;
    }
    const json_t *objs = json_object_get(out, "objects");
    size_t n = json_array_size(objs);
    const json_t *report = json_array_get(objs, n - 1);
    if (n < 2 || strcmp(json_string_value(json_object_get(report, "type")), "report") != 0 ||
        json_array_size(json_object_get(report, "object_refs")) != n - 1)
        abort();
    json_decref(out);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct hl_error err;
    json_t *doc = NULL, *out = NULL;
    struct compose_incident in;
    if (size < 1 || size > 64 * 1024)
        return 0;
    const char *text = (const char *)data + 1;
    size_t len = size - 1;
    hl_error_clear(&err);
    int rc;
    switch (data[0] % 3) {
    case 0:
        rc = compose_dossier_csv(text, len, "fuzz", &doc, &err);
        if (rc && (doc || !err.msg[0]))
            abort();
        if (!rc) {
            hl_error_clear(&err);
            rc = compose_dossier(&fuzz_ctx, doc, &out, &err);
            fuzz_check(rc, out, &err);
        }
        break;
    case 1:
        if (stix_parse(text, len, &doc, &err) == 0) {
            rc = compose_dossier(&fuzz_ctx, doc, &out, &err);
            fuzz_check(rc, out, &err);
        }
        break;
    default:
        if (stix_parse(text, len, &doc, &err) == 0 && compose_incident_read(doc, &in, &err) == 0) {
            rc = compose_notify(&fuzz_ctx, &in, &out, &err);
            fuzz_check(rc, out, &err);
        }
        break;
    }
    json_decref(doc);
    return 0;
}
