/*
 * bench_proc.h — what a benchmark can read of a node it started from
 * /proc: which malloc the process runs (the `allocator` build option
 * decides it; a figure is only comparable with one taken under the same).
 * Header-only.
 */
#ifndef HL_BENCH_PROC_H
#define HL_BENCH_PROC_H

#include <stdio.h>
#include <string.h>
#include <sys/types.h>

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

#endif
