// SPDX-License-Identifier: Apache-2.0
// tools/okeyctl/actor.hpp — who runs okeyctl (DESIGN.md §12), for the audit
// rows and the syslog line of every act.
//
// The login of the real uid; under sudo, the administrator sudo names. Only
// root's environment is believed, and only when it is consistent: SUDO_USER
// is taken when the real uid is 0, SUDO_UID is a number, and the account NSS
// has for SUDO_USER has exactly that uid. Anyone else's SUDO_USER is their
// own environment and names no one (a user cannot pose as another). Root can
// write any SUDO_USER it likes — root can also write the store: the actor is
// an honest root's account of who acted, and sudo's own log (its COMMAND=
// line in the journal) is the record root does not write.
#pragma once

#include <string>
#include <sys/types.h>

namespace okeyctl {

struct Actor {
    std::string login;  // "alice"; "uid 1234" when NSS knows no login for the uid
    uid_t uid = 0;      // the real uid okeyctl runs as (0 and another login: sudo)
};

Actor acting_administrator();

}  // namespace okeyctl
