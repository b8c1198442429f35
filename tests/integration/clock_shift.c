/*
 * clock_shift.c — a test's LD_PRELOAD that sets a process's wall clock
 * HL_TEST_CLOCK_SHIFT_S seconds (a signed integer) away from the
 * machine's: clock_gettime of the realtime clocks, gettimeofday and time
 * are shifted; monotonic clocks are not. fed_clock.sh runs a node with it
 * to play a member whose clock is wrong.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <stdlib.h>
#include <sys/time.h>
#include <time.h>

typedef int (*clock_gettime_fn)(clockid_t, struct timespec *);
typedef int (*gettimeofday_fn)(struct timeval *, void *);

/* The shift: an optional '-' and at most 9 digits; anything else is 0. */
static long shift_s(void)
{
    const char *s = getenv("HL_TEST_CLOCK_SHIFT_S");
    long v = 0, sign = 1;
    int n = 0;
    if (!s)
        return 0;
    if (*s == '-')
        sign = -1, s++;
    for (; *s >= '0' && *s <= '9' && n < 9; s++, n++)
        v = v * 10 + (*s - '0');
    return *s ? 0 : sign * v;
}

int clock_gettime(clockid_t id, struct timespec *ts)
{
    static clock_gettime_fn real;
    if (!real)
        real = (clock_gettime_fn)dlsym(RTLD_NEXT, "clock_gettime");
    int r = real(id, ts);
    if (r == 0 && (id == CLOCK_REALTIME || id == CLOCK_REALTIME_COARSE))
        ts->tv_sec += shift_s();
    return r;
}

int gettimeofday(struct timeval *tv, void *tz)
{
    static gettimeofday_fn real;
    if (!real)
        real = (gettimeofday_fn)dlsym(RTLD_NEXT, "gettimeofday");
    int r = real(tv, tz);
    if (r == 0)
        tv->tv_sec += shift_s();
    return r;
}

time_t time(time_t *out)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    if (out)
        *out = ts.tv_sec;
    return ts.tv_sec;
}
