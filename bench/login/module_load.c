// SPDX-License-Identifier: Apache-2.0
/* bench/login/module_load.c — `okey-bench-module-load MODULE`: milliseconds
 * to load a PAM module and its libraries into a fresh process (as libpam does,
 * RTLD_NOW), the cost sshd pays once per connection. Links only libc and
 * libpam, like a small PAM application. Prints the CPU time of the load (this
 * process's user + system time: steady on a busy machine), then the wall time.
 * With THEN (pam_okey.so's engine), also the CPU and wall time of loading
 * THEN afterwards: what the first pam_sm_authenticate of a process adds. */
#include <dlfcn.h>
#include <security/pam_appl.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

static double ms_between(const struct timespec *a, const struct timespec *b) {
    return (double)(b->tv_sec - a->tv_sec) * 1e3 + (double)(b->tv_nsec - a->tv_nsec) / 1e6;
}

/* dlopen(file, flags): its CPU and wall milliseconds; 0, or 1 on failure. */
static int timed_load(const char *file, int flags, double *cpu_ms, double *wall_ms) {
    struct timespec a, b, cpu_a, cpu_b;
    clock_gettime(CLOCK_MONOTONIC, &a);
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &cpu_a);
    void *module = dlopen(file, flags);
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &cpu_b);
    clock_gettime(CLOCK_MONOTONIC, &b);
    if (module == NULL) {
        fprintf(stderr, "%s\n", dlerror());
        return 1;
    }
    *cpu_ms = ms_between(&cpu_a, &cpu_b);
    *wall_ms = ms_between(&a, &b);
    return 0;
}

int main(int argc, char **argv) {
    /* --preload LIB: load LIB first, untimed (sshd already holds libcrypto). */
    if (argc >= 4 && strcmp(argv[1], "--preload") == 0) {
        if (dlopen(argv[2], RTLD_NOW | RTLD_GLOBAL) == NULL) {
            fprintf(stderr, "%s\n", dlerror());
            return 1;
        }
        argv += 2;
        argc -= 2;
    }
    if (argc != 2 && argc != 3) {
        fputs("usage: okey-bench-module-load [--preload LIB] MODULE [THEN]\n", stderr);
        return 2;
    }
    (void)pam_strerror; /* libpam is loaded, as in any PAM application */
    double cpu_ms = 0, wall_ms = 0;
    if (timed_load(argv[1], RTLD_NOW, &cpu_ms, &wall_ms) != 0) return 1;
    printf("%.3f %.3f", cpu_ms, wall_ms);
    if (argc == 3) {
        if (timed_load(argv[2], RTLD_NOW | RTLD_LOCAL, &cpu_ms, &wall_ms) != 0) return 1;
        printf(" %.3f %.3f", cpu_ms, wall_ms);
    }
    printf("\n");
    return 0;
}
