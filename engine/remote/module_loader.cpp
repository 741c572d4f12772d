// SPDX-License-Identifier: Apache-2.0
// engine/remote/module_loader.cpp — the engine's side of engine/remote/module.hpp
// (built into the engine, not into the module): run_remote_login loads
// okey-remote.so from the path fixed at build time (OKEY_REMOTE_MODULE_PATH:
// /usr/lib/<multiarch>/okey/okey-remote.so in packages; the build tree's
// module only in a build configured with OKEY_MODULES_FROM_BUILD_TREE, which
// refuses to be installed), through engine/trusted_module.h (the file-trust
// rules of the store, checked on the descriptor that is loaded; shared with
// pam_okey.so's load of its engine), and refuses a module of another version.
// Every module loaded stays for the life of the process (RTLD_NODELETE:
// libcurl and OpenSSL do not unload cleanly); a refused one is never called.
#include "engine/login.hpp"
#include "engine/remote/module.hpp"
#include "engine/trusted_module.h"

#include <atomic>
#include <cstring>
#include <dlfcn.h>
#include <string>

#ifndef OKEY_REMOTE_MODULE_PATH
#error "OKEY_REMOTE_MODULE_PATH must be fixed by the build"
#endif

namespace okey {
namespace {

using remote::ModuleEntry;

// The module accepted in this process, if any.
std::atomic<const ModuleEntry*> loaded{nullptr};

Result<const ModuleEntry*> load_module(unsigned trusted_owner) {
    if (const ModuleEntry* entry = loaded.load()) return entry;
    const std::string path = OKEY_REMOTE_MODULE_PATH;
    // Root's, or (okeyctl --store, test builds) the trusted owner's; nobody
    // else may write the module or its folder.
    char why[512] = "";
    void* handle = okey_load_trusted_module(path.c_str(), trusted_owner, why, sizeof why);
    if (handle == nullptr) return make_error(Errc::unsafe_file, why);  // names file and reason
    auto refuse = [&](const std::string& reason) -> Error {
        return make_error(Errc::unsafe_file, path + ": " + reason);  // loaded, never called
    };
    void* symbol = ::dlsym(handle, remote::module_symbol);
    if (symbol == nullptr) return refuse("not an okey remote module");
    const ModuleEntry* entry = reinterpret_cast<remote::ModuleFunction>(symbol)();
    if (entry == nullptr || entry->version == nullptr || entry->run_login == nullptr ||
        std::strcmp(entry->version, OKEY_VERSION) != 0 || entry->layout != remote::layout)
        return refuse("built from another version of okey (" +
                      std::string(entry && entry->version ? entry->version : "?") + ", not " +
                      OKEY_VERSION + ")");
    loaded.store(entry);
    return entry;
}

}  // namespace

LoginResult run_remote_login(const Config& config, const LoginContext& context, Prompter& prompter,
                             const Clock& clock, Logger& logger, unsigned trusted_owner) {
    auto module = load_module(trusted_owner);
    if (!module)  // a broken installation: fail closed, and say why (run_login logs it)
        return LoginResult{LoginOutcome::service_error, "",
                           "remote module: " + module.error().message};
    return module.value()->run_login(config, context, prompter, clock, logger, trusted_owner);
}

}  // namespace okey
