/*
 * findings.c — the validator's report: a bounded list of findings.
 *
 * A finding is (severity, JSON path, message). Validation never fails: it
 * records findings and goes on, so recording one must never fail either.
 * Invariants of struct stix_report (stix.h):
 *   - n <= cap, n <= HL_MAX_FINDINGS; items[0..n) own their path and
 *     message (both heap strings, never NULL);
 *   - n_errors + n_warnings counts every finding ever added, stored or not;
 *   - truncated is set once a finding arrived with n == HL_MAX_FINDINGS;
 *   - out_of_memory is set once a finding could not be stored for lack of
 *     memory; such a report is never "ok" (stix_report_ok), because a lost
 *     finding might have been an error.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "stix_int.h"

void stix_report_init(struct stix_report *r)
{
    memset(r, 0, sizeof *r);
}

/* Frees every finding; r is as after stix_report_init. */
void stix_report_release(struct stix_report *r)
{
    for (size_t i = 0; i < r->n; i++) {
        free(r->items[i].path);
        free(r->items[i].message);
    }
    free(r->items);
    stix_report_init(r);
}

/* Makes room for one more item. false when out of memory. */
static bool report_reserve(struct stix_report *r)
{
    if (r->n < r->cap)
        return true;
    size_t cap = r->cap ? r->cap * 2 : 16;
    if (cap > HL_MAX_FINDINGS)
        cap = HL_MAX_FINDINGS;
    size_t bytes;
    if (!size_mul(cap, sizeof *r->items, &bytes))
        return false;
    struct stix_finding *items = realloc(r->items, bytes);
    if (!items)
        return false;
    r->items = items;
    r->cap = cap;
    return true;
}

/* A new heap string of fmt/ap (caller frees), NULL when out of memory.
 * Messages longer than HL_ERROR_MSG_MAX are cut. */
static char *report_format(const char *fmt, va_list ap) HL_PRINTF(1, 0);
static char *report_format(const char *fmt, va_list ap)
{
    char tmp[HL_ERROR_MSG_MAX];
    int n = vsnprintf(tmp, sizeof tmp, fmt, ap);
    if (n < 0)
        tmp[0] = '\0';
    if (n >= (int)sizeof tmp) {
        /* Cut at a UTF-8 character boundary, so the message stays text. */
        size_t len = sizeof tmp - 1, lead = len;
        while (lead > 0 && ((unsigned char)tmp[lead - 1] & 0xC0) == 0x80)
            lead--;
        if (lead > 0) {
            unsigned char c = (unsigned char)tmp[lead - 1];
            size_t need = c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : c >= 0xC0 ? 2 : 1;
            if (lead - 1 + need > len)
                tmp[lead - 1] = '\0';
        }
    }
    return strdup(tmp);
}

void stix_report_add(struct stix_report *r, enum stix_severity sev, const char *path,
                     const char *fmt, ...)
{
    if (sev == STIX_SEV_ERROR)
        r->n_errors++;
    else
        r->n_warnings++;
    if (r->n >= HL_MAX_FINDINGS) {
        r->truncated = true;
        return;
    }
    if (!report_reserve(r)) {
        r->out_of_memory = true;
        return;
    }
    va_list ap;
    va_start(ap, fmt);
    char *msg = report_format(fmt, ap);
    va_end(ap);
    char *p = strdup(path ? path : "");
    if (!msg || !p) {
        free(msg);
        free(p);
        r->out_of_memory = true;
        return;
    }
    r->items[r->n].severity = sev;
    r->items[r->n].path = p;
    r->items[r->n].message = msg;
    r->n++;
}
