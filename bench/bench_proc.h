/*
 * bench_proc.h — what a benchmark can read of a node it started from
 * /proc: which malloc the process runs (the `allocator` build option
 * decides it; a figure is only comparable with one taken under the same),
 * and the CPU time a process has used, to divide by the work it did.
 * Header-only.
 */
#ifndef HL_BENCH_PROC_H
#define HL_BENCH_PROC_H

#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/types.h>
#include <unistd.h>

/* "jemalloc" when process pid has libjemalloc mapped, "libc" when not,
 * "unknown" when its maps cannot be read. Static strings. */
static inline const char *bench_proc_malloc(pid_t pid)
{
    char path[64], line[1024];
    snprintf(path, sizeof path, "/proc/%d/maps", (int)pid);
    FILE *f = fopen(path, "r");
    if (!f)
        return "unknown";
    const char *name = "libc";
    while (fgets(line, sizeof line, f))
        if (strstr(line, "/libjemalloc.")) {
            name = "jemalloc";
            break;
        }
    fclose(f);
    return name;
}

/* CPU seconds (user + system, every thread, live or ended) process pid
 * has used so far: fields 14 and 15 of /proc/PID/stat, in clock ticks
 * (10 ms: measure over seconds). Negative when it cannot be read. */
static inline double bench_proc_cpu_seconds(pid_t pid)
{
    char path[64], line[1024];
    unsigned long long ut = 0, st = 0;
    snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
    FILE *f = fopen(path, "r");
    char *p = f && fgets(line, sizeof line, f) ? strrchr(line, ')') : NULL;
    if (f)
        fclose(f);
    /* after "(comm)": state is field 3, utime 14, stime 15 */
    if (!p || sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu", &ut, &st) != 2)
        return -1;
    return (double)(ut + st) / (double)sysconf(_SC_CLK_TCK);
}

/* This process's CPU time (user + system, all threads), seconds. */
static inline double bench_proc_self_cpu_seconds(void)
{
    struct rusage ru;
    if (getrusage(RUSAGE_SELF, &ru) != 0)
        return -1;
    return (double)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) +
           (double)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
}

#endif
