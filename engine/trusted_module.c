/* SPDX-License-Identifier: Apache-2.0 */
/* engine/trusted_module.c — see trusted_module.h. okey_check_trusted_stat is
 * also engine/file_trust.cpp's: one set of rules, one set of refusals
 * ("<path>: refused: is a symbolic link"). */
#define _GNU_SOURCE
#include "engine/trusted_module.h"

#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static void say(char *why, size_t why_size, const char *format, ...) {
    va_list args;
    va_start(args, format);
    vsnprintf(why, why_size, format, args);
    va_end(args);
}

static const char *file_kind(mode_t mode) {
    if (S_ISLNK(mode)) return "is a symbolic link";
    if (S_ISDIR(mode)) return "is a directory";
    if (S_ISFIFO(mode)) return "is a FIFO";
    if (S_ISSOCK(mode)) return "is a socket";
    if (S_ISCHR(mode) || S_ISBLK(mode)) return "is a device";
    return "is not a regular file";
}

int okey_check_trusted_stat(const char *path, const struct stat *st, int directory, unsigned owner,
                            char *why, size_t why_size) {
    if (S_ISLNK(st->st_mode)) {
        say(why, why_size, "%s: refused: is a symbolic link", path);
        return -1;
    }
    if (directory && !S_ISDIR(st->st_mode)) {
        say(why, why_size, "%s: refused: is not a directory", path);
        return -1;
    }
    if (!directory && !S_ISREG(st->st_mode)) {
        say(why, why_size, "%s: refused: %s", path, file_kind(st->st_mode));
        return -1;
    }
    if (!directory && st->st_nlink > 1) {
        say(why, why_size, "%s: refused: has %lu hard links", path, (unsigned long)st->st_nlink);
        return -1;
    }
    if (st->st_uid != owner) {
        say(why, why_size, "%s: refused: owned by uid %u, not uid %u", path, (unsigned)st->st_uid,
            owner);
        return -1;
    }
    if (st->st_mode & S_IWOTH) {
        say(why, why_size, "%s: refused: writable by others", path);
        return -1;
    }
    if (st->st_mode & S_IWGRP) {
        say(why, why_size, "%s: refused: writable by group", path);
        return -1;
    }
    return 0;
}

/* A module and its folder: root's, or (okeyctl --store, test builds) the
 * trusted owner's when not 0; a file of anyone else is named as not root's. */
static int check_module_stat(const char *path, const struct stat *st, int directory,
                             unsigned trusted_owner, char *why, size_t why_size) {
    const unsigned owner = trusted_owner != 0 && st->st_uid == trusted_owner ? trusted_owner : 0;
    return okey_check_trusted_stat(path, st, directory, owner, why, why_size);
}

static int check_folder(const char *path, unsigned trusted_owner, char *why, size_t why_size) {
    char folder[4096];
    const char *slash = strrchr(path, '/');
    if (slash == NULL || (size_t)(slash - path) >= sizeof folder) {
        say(why, why_size, "%s: refused: not an absolute path", path);
        return -1;
    }
    size_t length = slash == path ? 1 : (size_t)(slash - path);
    memcpy(folder, path, length);
    folder[length] = '\0';
    struct stat st;
    if (lstat(folder, &st) != 0) {
        if (errno == ENOENT) say(why, why_size, "%s: not found", folder);
        else say(why, why_size, "%s: cannot examine: %s", folder, strerror(errno));
        return -1;
    }
    return check_module_stat(folder, &st, 1, trusted_owner, why, why_size);
}

void *okey_load_trusted_module(const char *path, unsigned trusted_owner, char *why,
                               size_t why_size) {
    if (path[0] != '/') {
        say(why, why_size, "%s: refused: not an absolute path", path);
        return NULL;
    }
    if (check_folder(path, trusted_owner, why, why_size) != 0) return NULL;
    /* O_NONBLOCK: a FIFO put there must not hang the login; it is refused below. */
    const int fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
    if (fd < 0) {
        if (errno == ENOENT) say(why, why_size, "%s: not found", path);
        else if (errno == ELOOP) say(why, why_size, "%s: refused: is a symbolic link", path);
        else say(why, why_size, "%s: cannot open: %s", path, strerror(errno));
        return NULL;
    }
    struct stat st;
    if (fstat(fd, &st) != 0) {
        say(why, why_size, "%s: cannot examine: %s", path, strerror(errno));
        close(fd);
        return NULL;
    }
    if (check_module_stat(path, &st, 0, trusted_owner, why, why_size) != 0) {
        close(fd);
        return NULL;
    }
    /* The descriptor checked is the file loaded: /proc/self/fd/N, which must
     * be that very file (no /proc, or another one mounted there: refused). */
    char by_fd[64];
    snprintf(by_fd, sizeof by_fd, "/proc/self/fd/%d", fd);
    struct stat seen;
    if (stat(by_fd, &seen) != 0 || seen.st_dev != st.st_dev || seen.st_ino != st.st_ino) {
        say(why, why_size, "%s: cannot be loaded: /proc/self/fd is not available", path);
        close(fd);
        return NULL;
    }
    void *handle = dlopen(by_fd, RTLD_NOW | RTLD_LOCAL | RTLD_NODELETE);
    if (handle == NULL) {
        const char *error = dlerror();
        say(why, why_size, "%s: cannot be loaded: %s", path, error ? error : "?");
        close(fd);
        return NULL;
    }
    /* fd stays open: see trusted_module.h. */
    return handle;
}
