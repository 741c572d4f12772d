/* SPDX-License-Identifier: Apache-2.0 */
/* engine/trusted_module.h — load a module of okey (okey-pam-engine.so,
 * okey-remote.so) from its path fixed at build time, in C so that the small
 * pam_okey.so can use it without libstdc++. The file-trust rules of
 * engine/file_trust.hpp, applied to the file that is loaded: the folder is
 * examined with lstat(), the module is opened once (O_NOFOLLOW) and checked
 * through its descriptor (fstat), and that descriptor is what dlopen() loads
 * (/proc/self/fd/N), so a swap between check and load cannot smuggle another
 * file in. */
#ifndef OKEY_ENGINE_TRUSTED_MODULE_H
#define OKEY_ENGINE_TRUSTED_MODULE_H

#include <stddef.h>
#include <sys/stat.h>
#include <sys/types.h>

#ifdef __cplusplus
extern "C" {
#endif

/* dlopen(RTLD_NOW | RTLD_LOCAL | RTLD_NODELETE) of `path` after the checks:
 * its folder a directory, the module a regular file with one link, both owned
 * by root (or by `trusted_owner`, when not 0), neither writable by group or
 * others, neither a symbolic link. Returns the handle, or NULL with `why`
 * naming the file and the reason ("<path>: not found", "<path>: refused:
 * writable by others", "<path>: cannot be loaded: …"). A loaded module stays
 * for the life of the process, and so does the descriptor it was loaded
 * through: /proc/self/fd/N names it in the loader's list, and a later module
 * opened on the same number would otherwise be taken for it. */
void *okey_load_trusted_module(const char *path, unsigned trusted_owner, char *why,
                               size_t why_size);

/* The file-trust rules common to every file okey trusts (engine/file_trust.cpp
 * adds a secret's), on what lstat() or fstat() saw: not a symbolic link; a
 * directory when `directory`, else a regular file with one link; owned by
 * `owner`; writable by neither group nor others. 0 when trusted, else -1 with
 * `why` = "<path>: refused: <reason>". */
int okey_check_trusted_stat(const char *path, const struct stat *st, int directory, unsigned owner,
                            char *why, size_t why_size);

#ifdef __cplusplus
}
#endif

#endif
