// SPDX-License-Identifier: Apache-2.0
// engine/remote/module_loader.cpp — the engine's side of engine/remote/module.hpp
// (built into the engine, not into the module): run_remote_login loads
// okey-remote.so from the path fixed at build time (OKEY_REMOTE_MODULE_PATH:
// /usr/lib/<multiarch>/okey/okey-remote.so in packages; the build tree's
// module only in a build configured with OKEY_MODULES_FROM_BUILD_TREE, which
// refuses to be installed), after checking the file and its folder with the
// file-trust rules of the store, and refuses a module of another version.
// Once accepted it stays for the life of the process (RTLD_NODELETE: libcurl
// and OpenSSL do not unload cleanly); a refused one is unloaded at once.
#include "engine/file_trust.hpp"
#include "engine/login.hpp"
#include "engine/remote/module.hpp"

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

// Root's, or (okeyctl --store, test builds) the trusted owner's; nobody else
// may write the module or its folder.
Result<void> check_module_file(const std::string& path, FileRole role, unsigned trusted_owner) {
    auto as_root = check_trusted_path(path, role, 0);
    if (as_root || trusted_owner == 0) return as_root;
    auto as_owner = check_trusted_path(path, role, trusted_owner);
    if (as_owner) return as_owner;
    return as_root;
}

// The module accepted in this process, if any (it stays loaded: RTLD_NODELETE).
std::atomic<const ModuleEntry*> loaded{nullptr};

Result<const ModuleEntry*> load_module(unsigned trusted_owner) {
    if (const ModuleEntry* entry = loaded.load()) return entry;
    const std::string path = OKEY_REMOTE_MODULE_PATH;
    const std::string folder = path.substr(0, path.rfind('/'));
    if (auto trusted = check_module_file(folder, FileRole::directory, trusted_owner); !trusted)
        return trusted.error();
    if (auto trusted = check_module_file(path, FileRole::config, trusted_owner); !trusted)
        return trusted.error();
    void* handle = ::dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
    if (handle == nullptr) {
        const char* why = ::dlerror();
        return make_error(Errc::unavailable, path + ": cannot be loaded: " + (why ? why : "?"));
    }
    auto refuse = [&](const std::string& why) -> Error {
        ::dlclose(handle);  // a refused module does not stay in the process
        return make_error(Errc::unsafe_file, path + ": " + why);
    };
    void* symbol = ::dlsym(handle, remote::module_symbol);
    if (symbol == nullptr) return refuse("not an okey remote module");
    const ModuleEntry* entry = reinterpret_cast<remote::ModuleFunction>(symbol)();
    if (entry == nullptr || entry->version == nullptr || entry->run_login == nullptr ||
        std::strcmp(entry->version, OKEY_VERSION) != 0 || entry->layout != remote::layout)
        return refuse("built from another version of okey (" +
                      std::string(entry && entry->version ? entry->version : "?") + ", not " +
                      OKEY_VERSION + ")");
    // Accepted: it stays for the life of the process.
    ::dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL | RTLD_NOLOAD | RTLD_NODELETE);
    ::dlclose(handle);  // the reference above keeps it
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
