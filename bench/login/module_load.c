// SPDX-License-Identifier: Apache-2.0
/* bench/login/module_load.c — `okey-bench-module-load MODULE`: milliseconds
 * to load a PAM module and its libraries into a fresh process (as libpam does,
 * RTLD_NOW), the cost sshd pays once per connection. Links only libc and
 * libpam, like a small PAM application. */
#include <dlfcn.h>
#include <security/pam_appl.h>
#include <stdio.h>
#include <time.h>

int main(int argc, char **argv) {
    if (argc != 2) {
        fputs("usage: okey-bench-module-load MODULE\n", stderr);
        return 2;
    }
    (void)pam_strerror; /* libpam is loaded, as in any PAM application */
    struct timespec a, b;
    clock_gettime(CLOCK_MONOTONIC, &a);
    void *module = dlopen(argv[1], RTLD_NOW);
    clock_gettime(CLOCK_MONOTONIC, &b);
    if (module == NULL) {
        fprintf(stderr, "%s\n", dlerror());
        return 1;
    }
    printf("%.3f\n", (double)(b.tv_sec - a.tv_sec) * 1e3 + (double)(b.tv_nsec - a.tv_nsec) / 1e6);
    return 0;
}
