// SPDX-License-Identifier: Apache-2.0
// tools/okeyctl/pam_stack.hpp — which PAM services ask for an okey passcode
// (okeyctl doctor, DESIGN.md §12): the service files of a pam.d folder read
// as Linux-PAM reads them — comments, continued lines, `@include FILE`, and
// `auth include|substack FILE` followed — looking for pam_okey.so among the
// `auth` lines. Reading only: nothing here decides a login.
#pragma once

#include "engine/result.hpp"

#include <string>
#include <vector>

namespace okeyctl {

inline constexpr const char* default_pam_dir = "/etc/pam.d";

struct PamUse {
    std::vector<std::string> services;  // service files whose auth stack reaches pam_okey.so
    bool common_auth = false;           // common-auth itself does (pam-auth-update's profile)
};

okey::Result<PamUse> find_pam_okey(const std::string& pam_dir);

}  // namespace okeyctl
