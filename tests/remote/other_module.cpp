// SPDX-License-Identifier: Apache-2.0
// tests/remote/other_module.cpp — modules the loader must refuse: one built
// from another version of okey (OTHER_VERSION), one without the entry point
// (NO_ENTRY). Test builds only.
#include "engine/remote/module.hpp"

#ifdef OTHER_VERSION
namespace {

okey::LoginResult run_login(const okey::Config&, const okey::LoginContext&, okey::Prompter&,
                            const okey::Clock&, okey::Logger&, unsigned) noexcept {
    return okey::LoginResult{okey::LoginOutcome::success, "", "must never be called"};
}

constexpr okey::remote::ModuleEntry entry{"0.0.0-other", okey::remote::layout, &run_login};

}  // namespace

extern "C" __attribute__((visibility("default"))) const okey::remote::ModuleEntry*
okey_remote_module_v1() {
    return &entry;
}
#else
extern "C" __attribute__((visibility("default"))) int okey_remote_something_else() { return 0; }
#endif
