// SPDX-License-Identifier: Apache-2.0
// engine/account.cpp — see account.hpp. The *_r calls want a caller's buffer:
// it starts at sysconf's suggestion and doubles on ERANGE up to a cap (an
// LDAP group with thousands of members has a large entry).
#include "engine/account.hpp"

#include <grp.h>
#include <pwd.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace okey {
namespace {

constexpr std::size_t max_entry_bytes = 1 << 20;
constexpr int max_groups = 1 << 16;
constexpr std::size_t max_name_bytes = 256;

// Call lookup(buffer, size) → an *_r return code, growing the buffer on ERANGE.
// The entry's strings point into `buffer`: the caller copies them out.
template <class Lookup>
int with_growing_buffer(std::vector<char>& buffer, int sysconf_name, Lookup lookup) {
    const long suggested = sysconf(sysconf_name);
    buffer.resize(suggested > 0 && suggested < 65536 ? static_cast<std::size_t>(suggested) : 4096);
    for (;;) {
        const int rc = lookup(buffer.data(), buffer.size());
        if (rc != ERANGE || buffer.size() >= max_entry_bytes) return rc;
        buffer.resize(buffer.size() * 2);
    }
}

// The _r functions return 0 with no entry for "no such entry"; some NSS
// modules return ENOENT or ESRCH instead, with the same meaning.
bool absent(int rc) { return rc == 0 || rc == ENOENT || rc == ESRCH; }

Error nss_error(const std::string& what, int rc) {
    return make_error(Errc::unavailable, "NSS: " + what + ": " + std::strerror(rc));
}

bool plausible_name(std::string_view name) {
    return !name.empty() && name.size() <= max_name_bytes &&
           name.find('\0') == std::string_view::npos;
}

Result<std::optional<Account>> account_of(int rc, const passwd* found, const std::string& what) {
    if (rc == 0 && found != nullptr) {
        if (found->pw_name == nullptr || *found->pw_name == '\0')
            return make_error(Errc::unavailable, "NSS: " + what + ": an entry without a name");
        return std::optional<Account>(Account{found->pw_name, found->pw_uid, found->pw_gid});
    }
    if (absent(rc)) return std::optional<Account>();
    return nss_error(what, rc);
}

}  // namespace

Result<std::optional<Account>> find_account(std::string_view login) {
    if (!plausible_name(login)) return std::optional<Account>();
    const std::string name(login);
    std::vector<char> buffer;
    passwd entry{};
    passwd* found = nullptr;
    const int rc = with_growing_buffer(buffer, _SC_GETPW_R_SIZE_MAX, [&](char* b, std::size_t n) {
        return getpwnam_r(name.c_str(), &entry, b, n, &found);
    });
    return account_of(rc, found, "passwd entry of a login");
}

Result<std::optional<Account>> find_account(uid_t uid) {
    std::vector<char> buffer;
    passwd entry{};
    passwd* found = nullptr;
    const int rc = with_growing_buffer(buffer, _SC_GETPW_R_SIZE_MAX, [&](char* b, std::size_t n) {
        return getpwuid_r(uid, &entry, b, n, &found);
    });
    return account_of(rc, found, "passwd entry of uid " + std::to_string(uid));
}

Result<std::vector<gid_t>> group_ids(const Account& account) {
    std::vector<gid_t> groups(64);
    for (;;) {
        int count = static_cast<int>(groups.size());
        // -1 with `count` set to the number needed when the array is too small.
        if (getgrouplist(account.login.c_str(), account.primary_gid, groups.data(), &count) >= 0) {
            groups.resize(static_cast<std::size_t>(count));
            return groups;
        }
        if (count <= static_cast<int>(groups.size()) || count > max_groups)
            return make_error(Errc::unavailable, "NSS: cannot list the groups of a login");
        groups.resize(static_cast<std::size_t>(count));
    }
}

Result<std::optional<gid_t>> find_group(std::string_view name) {
    if (!plausible_name(name)) return std::optional<gid_t>();
    const std::string text(name);
    std::vector<char> buffer;
    group entry{};
    group* found = nullptr;
    const int rc = with_growing_buffer(buffer, _SC_GETGR_R_SIZE_MAX, [&](char* b, std::size_t n) {
        return getgrnam_r(text.c_str(), &entry, b, n, &found);
    });
    if (rc == 0 && found != nullptr) return std::optional<gid_t>(found->gr_gid);
    if (absent(rc)) return std::optional<gid_t>();
    return nss_error("group entry of a name", rc);
}

}  // namespace okey
