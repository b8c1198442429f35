/*
 * timestamp.c — STIX timestamps (STIX 2.1 §2.14 "timestamp", §3.2).
 *
 * A STIX timestamp is an RFC 3339 date-time in UTC written with an
 * upper-case "T" and "Z" and no offset: YYYY-MM-DDTHH:MM:SS[.s+]Z. The
 * fraction has any number of digits (the precision of a property is the
 * property's rule, not the syntax's: created and modified need at least
 * milliseconds, checked in validate.c). RFC 3339 §5.6 allows a leap second
 * (:60) but STIX timestamps are compared as instants, and no leap second
 * can be represented as seconds since the epoch, so :60 is refused.
 *
 * Invariant of struct stix_time: nsec < 1000000000. Digits past the ninth
 * are checked for syntax and dropped.
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "stix_int.h"

/* Reads n decimal digits at s; -1 if any is not a digit. */
static int time_digits(const char *s, int n)
{
    int v = 0;
    for (int i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return -1;
        v = v * 10 + (s[i] - '0');
    }
    return v;
}

static bool time_is_leap(long y)
{
    return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static int time_month_days(long y, int m)
{
    static const int days[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    return m == 2 && time_is_leap(y) ? 29 : days[m - 1];
}

/* Days from 1970-01-01 to y-m-d in the proleptic Gregorian calendar
 * (H. Hinnant's days_from_civil). */
static int64_t time_days_from_civil(int64_t y, int m, int d)
{
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    int64_t yoe = y - era * 400;
    int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

/* The inverse of time_days_from_civil. */
static void time_civil_from_days(int64_t z, int64_t *y, int *m, int *d)
{
    z += 719468;
    int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    int64_t doe = z - era * 146097;
    int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    int64_t mp = (5 * doy + 2) / 153;
    *d = (int)(doy - (153 * mp + 2) / 5 + 1);
    *m = (int)(mp < 10 ? mp + 3 : mp - 9);
    *y = yoe + era * 400 + (*m <= 2);
}

bool stix_time_parse(const char *s, struct stix_time *out)
{
    if (!s || strlen(s) < 20)
        return false;
    /* YYYY-MM-DDTHH:MM:SS, RFC 3339 §5.6 with STIX's "T" and "Z" (§2.14) */
    if (s[4] != '-' || s[7] != '-' || s[10] != 'T' || s[13] != ':' || s[16] != ':')
        return false;
    int y = time_digits(s, 4), mo = time_digits(s + 5, 2), d = time_digits(s + 8, 2);
    int h = time_digits(s + 11, 2), mi = time_digits(s + 14, 2), sec = time_digits(s + 17, 2);
    if (y < 0 || mo < 1 || mo > 12 || d < 1 || d > time_month_days(y, mo) || h < 0 || h > 23 ||
        mi < 0 || mi > 59 || sec < 0 || sec > 59)
        return false;
    const char *p = s + 19;
    uint32_t nsec = 0;
    if (*p == '.') {
        p++;
        int n = 0;
        for (; *p >= '0' && *p <= '9'; p++, n++) {
            if (n < 9)
                nsec = nsec * 10 + (uint32_t)(*p - '0');
        }
        if (n == 0)
            return false;
        for (; n < 9; n++)
            nsec *= 10;
    }
    if (p[0] != 'Z' || p[1] != '\0')
        return false;
    if (out) {
        out->sec = time_days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + sec;
        out->nsec = nsec;
    }
    return true;
}

int stix_time_cmp(const struct stix_time *a, const struct stix_time *b)
{
    if (a->sec != b->sec)
        return a->sec < b->sec ? -1 : 1;
    if (a->nsec != b->nsec)
        return a->nsec < b->nsec ? -1 : 1;
    return 0;
}

/* t with `digits` fractional digits (3 or 6), truncated. */
static void time_format(const struct stix_time *t, int digits, char out[32])
{
    int64_t days = t->sec >= 0 ? t->sec / 86400 : -((-t->sec + 86399) / 86400);
    int64_t rem = t->sec - days * 86400;
    int64_t y;
    int m, d;
    time_civil_from_days(days, &y, &m, &d);
    unsigned frac = digits == 6 ? (unsigned)(t->nsec / 1000) : (unsigned)(t->nsec / 1000000);
    int n = snprintf(out, 32, "%04lld-%02d-%02dT%02d:%02d:%02d.%0*uZ", (long long)y, m, d,
                     (int)(rem / 3600), (int)(rem / 60 % 60), (int)(rem % 60), digits, frac);
    if (n < 0 || n >= 32)
        out[0] = '\0'; /* only for years beyond 10^15: not a STIX time */
}

void stix_time_format(const struct stix_time *t, char out[32])
{
    time_format(t, 3, out);
}

struct stix_time stix_time_from_us(int64_t us)
{
    int64_t sec = us / 1000000, frac = us % 1000000;
    if (frac < 0) {
        frac += 1000000;
        sec--;
    }
    return (struct stix_time){sec, (uint32_t)frac * 1000u};
}

int64_t stix_time_us(const struct stix_time *t)
{
    return t->sec * 1000000 + (int64_t)(t->nsec / 1000);
}

bool stix_time_parse_us(const char *s, int64_t *us)
{
    struct stix_time t;
    if (!s || !stix_time_parse(s, &t))
        return false;
    *us = stix_time_us(&t);
    return true;
}

void stix_time_format_us_ms(int64_t us, char out[32])
{
    struct stix_time t = stix_time_from_us(us);
    time_format(&t, 3, out);
}

void stix_time_format_us(int64_t us, char out[32])
{
    struct stix_time t = stix_time_from_us(us);
    time_format(&t, 6, out);
}

struct stix_time stix_time_now(void)
{
    struct timespec ts;
    struct stix_time t = {0, 0};
    if (clock_gettime(CLOCK_REALTIME, &ts) == 0) {
        t.sec = (int64_t)ts.tv_sec;
        t.nsec = (uint32_t)(ts.tv_nsec / 1000000) * 1000000;
    }
    return t;
}
