/* SPDX-License-Identifier: Apache-2.0 */
/* pam/engine.h — the one entry point of okey-pam-engine.so, the C++ side of
 * pam_okey.so (the engine, SQLite, OpenSSL, libconfig++, libstdc++). The small
 * C pam_okey.so (pam_okey.c) loads it at the first pam_sm_authenticate, so
 * that a process opening a PAM stack that names okey pays for those libraries
 * only when okey is asked. C on both sides; no exception crosses. */
#ifndef OKEY_PAM_ENGINE_H
#define OKEY_PAM_ENGINE_H

#include <security/pam_modules.h>
#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef int (*okey_pam_hook)(pam_handle_t *pamh, int flags, int argc, const char **argv);

struct okey_pam_engine {
    const char *version; /* OKEY_VERSION of the engine's build: must be pam_okey.so's */
    size_t size;         /* sizeof(struct okey_pam_engine) as the engine saw it */
    okey_pam_hook authenticate;
};

/* The exported symbol: const struct okey_pam_engine *okey_pam_engine_v1(void). */
#define OKEY_PAM_ENGINE_SYMBOL "okey_pam_engine_v1"
typedef const struct okey_pam_engine *(*okey_pam_engine_function)(void);

#ifdef __cplusplus
}
#endif

#endif
