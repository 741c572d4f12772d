// SPDX-License-Identifier: Apache-2.0
// tests/support/syslog_capture.c — preloaded into a program under test
// (LD_PRELOAD) so that a test can read its syslog lines: openlog, syslog,
// vsyslog, closelog and their _FORTIFY_SOURCE variants append one line per
// message to the file named by OKEY_SYSLOG_CAPTURE, as
//   <PRIORITY> IDENT: MESSAGE
// with PRIORITY the facility and level together (LOG_AUTHPRIV|LOG_INFO = 86).
// Nothing reaches the machine's own syslog. A test harness only: it changes
// nothing in the program, which is the installed one's build.
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>

// The project builds with hidden visibility: these must be seen to override.
#define EXPORT __attribute__((visibility("default")))

static char capture_ident[64] = "";
static int capture_facility = LOG_USER;

EXPORT void openlog(const char* ident, int option, int facility) {
    (void)option;
    snprintf(capture_ident, sizeof capture_ident, "%s", ident ? ident : "");
    capture_facility = facility;
}

EXPORT void closelog(void) {}

EXPORT void vsyslog(int priority, const char* format, va_list args) {
    const char* path = getenv("OKEY_SYSLOG_CAPTURE");
    if (path == NULL || *path == '\0') return;
    if ((priority & LOG_FACMASK) == 0) priority |= capture_facility;
    char message[4096];
    vsnprintf(message, sizeof message, format, args);
    char line[4200];
    int n = snprintf(line, sizeof line, "<%d> %s: %s\n", priority, capture_ident, message);
    if (n < 0) return;
    if ((size_t)n >= sizeof line) n = (int)sizeof line - 1;
    int fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
    if (fd < 0) return;
    ssize_t written = write(fd, line, (size_t)n);
    (void)written;
    close(fd);
}

EXPORT void syslog(int priority, const char* format, ...) {
    va_list args;
    va_start(args, format);
    vsyslog(priority, format, args);
    va_end(args);
}

EXPORT void __vsyslog_chk(int priority, int flag, const char* format, va_list args) {
    (void)flag;
    vsyslog(priority, format, args);
}

EXPORT void __syslog_chk(int priority, int flag, const char* format, ...) {
    (void)flag;
    va_list args;
    va_start(args, format);
    vsyslog(priority, format, args);
    va_end(args);
}
