/* SPDX-License-Identifier: Apache-2.0 */
/* pam/pam_okey.c — pam_okey.so: the PAM hooks, in C, needing only libc and
 * libpam. libpam loads every module of a service at pam_start(), so a
 * process whose stack names okey but never asks it (a skipped auth line, an
 * account- or session-only caller, sudo NOPASSWD) must not pay for the
 * engine's libraries: pam_sm_authenticate loads okey-pam-engine.so (pam/engine.h)
 * the first time it runs, from the one path fixed at build time
 * (OKEY_PAM_ENGINE_PATH), after the file-trust checks of
 * engine/trusted_module.h, once per process (pthread_once). A module refused
 * or missing refuses every login (PAM_SERVICE_ERR, as any internal failure
 * of the engine) with one syslog line naming the file and the reason. */
#include "engine/trusted_module.h"
#include "pam/engine.h"

#include <dlfcn.h>
#include <pthread.h>
#include <security/pam_ext.h>
#include <security/pam_modules.h>
#include <stdio.h>
#include <string.h>
#include <syslog.h>

#ifndef OKEY_PAM_ENGINE_PATH
#error "OKEY_PAM_ENGINE_PATH must be fixed by the build"
#endif
#ifndef OKEY_VERSION
#error "OKEY_VERSION (the project version) must be defined by the build"
#endif

#define OKEY_PAM_HOOK __attribute__((visibility("default"))) int

static pthread_once_t engine_once = PTHREAD_ONCE_INIT;
/* Written once under engine_once, read only after it: no lock needed. */
static const struct okey_pam_engine *engine;
static char engine_refused[512];

static void load_engine(void) {
    void *handle = okey_load_trusted_module(OKEY_PAM_ENGINE_PATH, 0, engine_refused,
                                            sizeof engine_refused);
    if (handle == NULL) return;
    /* A refused module stays loaded (RTLD_NODELETE) but is never called. */
    void *symbol = dlsym(handle, OKEY_PAM_ENGINE_SYMBOL);
    if (symbol == NULL) {
        snprintf(engine_refused, sizeof engine_refused, "%s: not an okey PAM engine",
                 OKEY_PAM_ENGINE_PATH);
        return;
    }
    okey_pam_engine_function entry;
    memcpy(&entry, &symbol, sizeof entry); /* object pointer → function pointer */
    const struct okey_pam_engine *found = entry();
    if (found == NULL || found->size != sizeof *found || found->version == NULL ||
        strcmp(found->version, OKEY_VERSION) != 0 || found->authenticate == NULL) {
        snprintf(engine_refused, sizeof engine_refused,
                 "%s: built from another version of okey (%s, not %s)", OKEY_PAM_ENGINE_PATH,
                 found && found->version ? found->version : "?", OKEY_VERSION);
        return;
    }
    engine = found;
}

OKEY_PAM_HOOK pam_sm_authenticate(pam_handle_t *pamh, int flags, int argc, const char **argv) {
    if (pthread_once(&engine_once, load_engine) != 0 || engine == NULL) {
        pam_syslog(pamh, LOG_ERR, "refusing every login: %s",
                   engine_refused[0] ? engine_refused : OKEY_PAM_ENGINE_PATH ": cannot be loaded");
        return PAM_SERVICE_ERR;
    }
    return engine->authenticate(pamh, flags, argc, argv);
}

/* okey grants no credentials of its own; succeeding keeps stacks with
 * `auth [success=…]` lines and pam_setcred() callers working. The engine is
 * not needed for that. */
OKEY_PAM_HOOK pam_sm_setcred(pam_handle_t *pamh, int flags, int argc, const char **argv) {
    (void)pamh;
    (void)flags;
    (void)argc;
    (void)argv;
    return PAM_SUCCESS;
}
