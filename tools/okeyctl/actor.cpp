// SPDX-License-Identifier: Apache-2.0
// tools/okeyctl/actor.cpp — see actor.hpp. Accounts come from NSS through
// engine/account.hpp, as the module's scope and okey-check's caller do.
#include "actor.hpp"

#include "engine/account.hpp"

#include <charconv>
#include <cstdlib>
#include <optional>
#include <string_view>
#include <unistd.h>

namespace okeyctl {
namespace {

std::optional<uid_t> parse_uid(const char* text) {
    if (text == nullptr || *text == '\0') return std::nullopt;
    std::string_view digits(text);
    uid_t value = 0;
    auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), value);
    if (ec != std::errc() || end != digits.data() + digits.size()) return std::nullopt;
    return value;
}

}  // namespace

Actor acting_administrator() {
    Actor actor;
    actor.uid = getuid();
    auto self = okey::find_account(actor.uid);
    actor.login = self && self->has_value() ? (*self)->login : "uid " + std::to_string(actor.uid);
    if (actor.uid != 0) return actor;
    const char* sudo_user = std::getenv("SUDO_USER");
    const auto sudo_uid = parse_uid(std::getenv("SUDO_UID"));
    if (sudo_user == nullptr || *sudo_user == '\0' || !sudo_uid) return actor;
    auto named = okey::find_account(std::string_view(sudo_user));
    if (!named || !named->has_value() || (*named)->uid != *sudo_uid) return actor;
    actor.login = (*named)->login;
    return actor;
}

}  // namespace okeyctl
