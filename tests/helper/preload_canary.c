/* SPDX-License-Identifier: Apache-2.0 */
/* tests/helper/preload_canary.c — a library that, once loaded (LD_PRELOAD,
 * LD_AUDIT), appends a line to the file OKEY_CANARY names. okey-check is
 * setuid: the loader must never load it there. */
#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>

__attribute__((constructor)) static void okey_canary(void) {
    const char *path = getenv("OKEY_CANARY");
    if (path == NULL) return;
    int fd = open(path, O_WRONLY | O_CREAT | O_APPEND, 0666);
    if (fd < 0) return;
    (void)!write(fd, "loaded\n", 7);
    close(fd);
}

/* For LD_AUDIT: the loader wants this symbol. */
unsigned int la_version(unsigned int version) { return version; }
