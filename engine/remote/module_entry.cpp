// SPDX-License-Identifier: Apache-2.0
// engine/remote/module_entry.cpp — the module's side of engine/remote/module.hpp:
// the only symbol okey-remote.so exports (okey-remote.map keeps the rest local).
#include "engine/remote/module.hpp"
#include "engine/remote/remote_login.hpp"

namespace okey::remote {
namespace {

LoginResult run_login(const Config& config, const LoginContext& context, Prompter& prompter,
                      const Clock& clock, Logger& logger, unsigned trusted_owner) noexcept {
    try {
        return RemoteLogin(config, context, prompter, clock, logger, trusted_owner).run();
    } catch (...) {  // bad_alloc and the like: fail closed
        try {
            return make_result(LoginOutcome::refused, "", "internal error in the remote backend");
        } catch (...) {
            return LoginResult{};  // refused, no reason: nothing could be allocated
        }
    }
}

constexpr ModuleEntry entry{OKEY_VERSION, layout, &run_login};

}  // namespace
}  // namespace okey::remote

extern "C" __attribute__((visibility("default"))) const okey::remote::ModuleEntry*
okey_remote_module_v1() {
    return &okey::remote::entry;
}
