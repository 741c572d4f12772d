/* SPDX-License-Identifier: Apache-2.0
 * tests/support/nss_nocase.c — a test NSS module playing a directory that
 * compares names without case, as SSSD or LDAP with case_sensitive = false:
 * getpwnam_r finds the entry whose name equals the one asked for ignoring
 * ASCII case and answers under the entry's own spelling ("JDupont" →
 * jdupont); getpwuid_r finds by uid. The directory's entries are those of the
 * passwd-format file OKEY_TEST_NSS_DIRECTORY names, else /etc/passwd. Groups
 * are left to the next source ("not found" here).
 *
 * Loaded by nss_wrapper's module backend (NSS_WRAPPER_MODULE_SO_PATH=…/
 * libnss_okeynocase.so, NSS_WRAPPER_MODULE_FN_PREFIX=okeynocase), which asks
 * its files (NSS_WRAPPER_PASSWD, the host's local accounts) first and this
 * module next, as `passwd: files sss` does. With OKEY_TEST_NSS_DOWN set the
 * directory is unreachable: NSS_STATUS_UNAVAIL, EHOSTDOWN.
 *
 * Built a second time with OKEY_NSS_PREFIX=hesiod (okey-nss-nocase-glibc)
 * for glibc's own NSS: tests/helper mounts it, in a private mount namespace,
 * over libnss_hesiod.so.2 and names it in nsswitch.conf, for the setuid
 * okey-check, which no LD_PRELOAD reaches.
 *
 * "Not found" sets *errnop to ENOENT: nss_wrapper passes &errno, and takes a
 * stale non-zero errno with NSS_STATUS_NOTFOUND for an error. */
#include <errno.h>
#include <nss.h>
#include <pwd.h>
#include <grp.h>
#include <stdio.h>
#include <stdlib.h>
#include <strings.h>

#define EXPORTED __attribute__((visibility("default")))
#ifndef OKEY_NSS_PREFIX
#define OKEY_NSS_PREFIX okeynocase
#endif
#define NSS_NAME_(prefix, function) _nss_##prefix##_##function
#define NSS_NAME__(prefix, function) NSS_NAME_(prefix, function)
#define NSS_NAME(function) NSS_NAME__(OKEY_NSS_PREFIX, function)

static enum nss_status not_found(int* errnop) {
    *errnop = ENOENT;
    return NSS_STATUS_NOTFOUND;
}

typedef int (*Matches)(const struct passwd* entry, const void* wanted);

static int same_name_ignoring_case(const struct passwd* entry, const void* wanted) {
    return strcasecmp(entry->pw_name, (const char*)wanted) == 0;
}

static int same_uid(const struct passwd* entry, const void* wanted) {
    return entry->pw_uid == *(const uid_t*)wanted;
}

/* The first directory entry that matches, parsed into the caller's buffer. */
static enum nss_status find(Matches matches, const void* wanted, struct passwd* result,
                            char* buffer, size_t size, int* errnop) {
    if (getenv("OKEY_TEST_NSS_DOWN") != NULL) {
        *errnop = EHOSTDOWN;
        return NSS_STATUS_UNAVAIL;
    }
    const char* path = getenv("OKEY_TEST_NSS_DIRECTORY");
    FILE* file = fopen(path != NULL ? path : "/etc/passwd", "re");
    if (file == NULL) {
        *errnop = errno;
        return NSS_STATUS_UNAVAIL;
    }
    struct passwd* entry = NULL;
    int rc;
    while ((rc = fgetpwent_r(file, result, buffer, size, &entry)) == 0) {
        if (matches(entry, wanted)) {
            fclose(file);
            return NSS_STATUS_SUCCESS;
        }
    }
    fclose(file);
    if (rc == ERANGE) {
        *errnop = ERANGE;
        return NSS_STATUS_TRYAGAIN;
    }
    return not_found(errnop);
}

EXPORTED enum nss_status NSS_NAME(getpwnam_r)(const char* name, struct passwd* result,
                                                    char* buffer, size_t size, int* errnop) {
    return find(same_name_ignoring_case, name, result, buffer, size, errnop);
}

EXPORTED enum nss_status NSS_NAME(getpwuid_r)(uid_t uid, struct passwd* result, char* buffer,
                                                    size_t size, int* errnop) {
    return find(same_uid, &uid, result, buffer, size, errnop);
}

EXPORTED enum nss_status NSS_NAME(getpwent_r)(struct passwd* result, char* buffer,
                                                    size_t size, int* errnop) {
    (void)result, (void)buffer, (void)size;
    return not_found(errnop);
}

EXPORTED enum nss_status NSS_NAME(setpwent)(void) { return NSS_STATUS_SUCCESS; }
EXPORTED enum nss_status NSS_NAME(endpwent)(void) { return NSS_STATUS_SUCCESS; }

EXPORTED enum nss_status NSS_NAME(getgrnam_r)(const char* name, struct group* result,
                                                    char* buffer, size_t size, int* errnop) {
    (void)name, (void)result, (void)buffer, (void)size;
    return not_found(errnop);
}

EXPORTED enum nss_status NSS_NAME(getgrgid_r)(gid_t gid, struct group* result, char* buffer,
                                                    size_t size, int* errnop) {
    (void)gid, (void)result, (void)buffer, (void)size;
    return not_found(errnop);
}

EXPORTED enum nss_status NSS_NAME(getgrent_r)(struct group* result, char* buffer,
                                                    size_t size, int* errnop) {
    (void)result, (void)buffer, (void)size;
    return not_found(errnop);
}

EXPORTED enum nss_status NSS_NAME(setgrent)(void) { return NSS_STATUS_SUCCESS; }
EXPORTED enum nss_status NSS_NAME(endgrent)(void) { return NSS_STATUS_SUCCESS; }

EXPORTED enum nss_status NSS_NAME(initgroups_dyn)(const char* user, gid_t group,
                                                        long* start, long* size, gid_t** groups,
                                                        long limit, int* errnop) {
    (void)user, (void)group, (void)start, (void)size, (void)groups, (void)limit;
    return not_found(errnop);
}
