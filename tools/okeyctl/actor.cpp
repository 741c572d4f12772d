// SPDX-License-Identifier: Apache-2.0
// tools/okeyctl/actor.cpp — see actor.hpp.
#include "actor.hpp"

#include <charconv>
#include <cstdlib>
#include <optional>
#include <pwd.h>
#include <string_view>
#include <unistd.h>
#include <vector>

namespace okeyctl {
namespace {

// The login and uid NSS has for a uid or a name (reentrant calls only).
struct Account {
    std::string login;
    uid_t uid = 0;
};

template <class Lookup>
std::optional<Account> find(Lookup&& lookup) {
    long size = sysconf(_SC_GETPW_R_SIZE_MAX);
    std::vector<char> buffer(size > 0 ? static_cast<std::size_t>(size) : 16384);
    struct passwd entry {};
    struct passwd* found = nullptr;
    if (lookup(&entry, buffer.data(), buffer.size(), &found) != 0 || found == nullptr)
        return std::nullopt;
    return Account{found->pw_name, found->pw_uid};
}

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
    auto self = find([&](passwd* e, char* b, std::size_t n, passwd** r) {
        return getpwuid_r(actor.uid, e, b, n, r);
    });
    actor.login = self ? self->login : "uid " + std::to_string(actor.uid);
    if (actor.uid != 0) return actor;
    const char* sudo_user = std::getenv("SUDO_USER");
    const auto sudo_uid = parse_uid(std::getenv("SUDO_UID"));
    if (sudo_user == nullptr || *sudo_user == '\0' || !sudo_uid) return actor;
    auto named = find([&](passwd* e, char* b, std::size_t n, passwd** r) {
        return getpwnam_r(sudo_user, e, b, n, r);
    });
    if (!named || named->uid != *sudo_uid) return actor;
    actor.login = named->login;
    actor.via_sudo = true;
    return actor;
}

}  // namespace okeyctl
