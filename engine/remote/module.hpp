// SPDX-License-Identifier: Apache-2.0
// engine/remote/module.hpp — the one entry point of okey-remote.so, the
// remote backend (libcurl and its libraries) as a module of the engine,
// loaded only when backend = "remote" (DESIGN.md §5): a module on the local
// store loads no network library. module_loader.cpp (in the engine) finds it
// at a path fixed at build time, checks it with the file-trust rules, loads
// it and refuses one built from another version of okey; module_entry.cpp
// (in the module) is the other side. Everything else in the module is local.
//
// Both sides are built from the same sources: the engine's C++ types cross
// as they are, and the entry checks that version and layouts agree. No
// exception crosses: run_login is noexcept and catches everything.
#pragma once

#include "engine/login.hpp"

#include <array>
#include <cstddef>

#ifndef OKEY_VERSION
#error "OKEY_VERSION (the project version) must be defined by the build"
#endif

namespace okey::remote {

using RunLogin = LoginResult (*)(const Config&, const LoginContext&, Prompter&, const Clock&,
                                 Logger&, unsigned trusted_owner) noexcept;

// The sizes of what crosses: a change in any type's layout changes these.
using Layout = std::array<std::size_t, 5>;
inline constexpr Layout layout{sizeof(Config), sizeof(LoginContext), sizeof(LoginResult),
                               sizeof(Texts), sizeof(RemoteSettings)};

struct ModuleEntry {
    const char* version;  // OKEY_VERSION of the module's build
    Layout layout;        // `layout` as the module saw it
    RunLogin run_login;
};

// The exported symbol: extern "C" const ModuleEntry* okey_remote_module_v1(void).
inline constexpr const char* module_symbol = "okey_remote_module_v1";
using ModuleFunction = const ModuleEntry* (*)();

}  // namespace okey::remote
