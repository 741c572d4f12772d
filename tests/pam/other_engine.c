/* SPDX-License-Identifier: Apache-2.0 */
/* tests/pam/other_engine.c — an engine pam_okey.so must refuse: built from
 * another version of okey. Its authenticate says yes to everyone, so a test
 * sees at once if it was ever called. Test builds only. */
#include "pam/engine.h"

static int say_yes(pam_handle_t *pamh, int flags, int argc, const char **argv) {
    (void)pamh;
    (void)flags;
    (void)argc;
    (void)argv;
    return PAM_SUCCESS;
}

static const struct okey_pam_engine other = {"0.0.0-other", sizeof(struct okey_pam_engine), say_yes};

__attribute__((visibility("default"))) const struct okey_pam_engine *okey_pam_engine_v1(void) {
    return &other;
}
