// SPDX-License-Identifier: Apache-2.0
/* bench/login/module_load.c — `okey-bench-module-load MODULE`: milliseconds
 * to load a PAM module and its libraries into a fresh process (as libpam does,
 * RTLD_NOW), the cost sshd pays once per connection. Links only libc and
 * libpam, like a small PAM application. Prints the CPU time of the load (this
 * process's user + system time: steady on a busy machine), then the wall time. */
#include <dlfcn.h>
#include <security/pam_appl.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

int main(int argc, char **argv) {
    /* --preload LIB: load LIB first, untimed (sshd already holds libcrypto). */
    if (argc == 4 && strcmp(argv[1], "--preload") == 0) {
        if (dlopen(argv[2], RTLD_NOW | RTLD_GLOBAL) == NULL) {
            fprintf(stderr, "%s\n", dlerror());
            return 1;
        }
        argv += 2;
        argc -= 2;
    }
    if (argc != 2) {
        fputs("usage: okey-bench-module-load [--preload LIB] MODULE\n", stderr);
        return 2;
    }
    (void)pam_strerror; /* libpam is loaded, as in any PAM application */
    struct timespec a, b, cpu_a, cpu_b;
    clock_gettime(CLOCK_MONOTONIC, &a);
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &cpu_a);
    void *module = dlopen(argv[1], RTLD_NOW);
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &cpu_b);
    clock_gettime(CLOCK_MONOTONIC, &b);
    if (module == NULL) {
        fprintf(stderr, "%s\n", dlerror());
        return 1;
    }
    printf("%.3f %.3f\n",
           (double)(cpu_b.tv_sec - cpu_a.tv_sec) * 1e3 + (double)(cpu_b.tv_nsec - cpu_a.tv_nsec) / 1e6,
           (double)(b.tv_sec - a.tv_sec) * 1e3 + (double)(b.tv_nsec - a.tv_nsec) / 1e6);
    return 0;
}
