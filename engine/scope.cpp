// SPDX-License-Identifier: Apache-2.0
// engine/scope.cpp — see scope.hpp. Exemptions win over `groups`: an
// administrator in both the staff group and an exempt group is not asked.
#include "engine/scope.hpp"

#include "engine/account.hpp"
#include "engine/log_text.hpp"

#include <algorithm>
#include <vector>

namespace okey {
namespace {

ScopeDecision not_asked(std::string reason) { return {false, std::move(reason), {}}; }
ScopeDecision asked_anyway(std::string warning) { return {true, {}, std::move(warning)}; }

// The first of `names` whose group holds one of `gids`; "" when none. A group
// NSS does not know holds nobody; one it cannot look up is reported in `trouble`.
std::string first_member_group(const std::vector<std::string>& names,
                               const std::vector<gid_t>& gids, std::string& trouble) {
    for (const std::string& name : names) {
        auto gid = find_group(name);
        if (!gid) {
            trouble = gid.error().message;
            continue;
        }
        if (gid->has_value() && std::find(gids.begin(), gids.end(), **gid) != gids.end())
            return name;
    }
    return {};
}

std::string joined(const std::vector<std::string>& names) {
    std::string out;
    for (const auto& name : names) out += (out.empty() ? "" : ",") + name;
    return out;
}

}  // namespace

ScopeDecision decide_scope(const ScopeSettings& scope, std::string_view login,
                           const std::optional<Account>& account) {
    const auto& exempt = scope.exempt_users;
    if (std::find(exempt.begin(), exempt.end(), login) != exempt.end())
        return not_asked("scope: exempt user");
    if (scope.groups.empty() && scope.exempt_groups.empty()) return {};

    // Not an account of this system: asked like any login (nothing to warn about).
    if (!account) return {};
    auto gids = group_ids(*account);
    if (!gids) return asked_anyway("scope: " + gids.error().message);

    std::string trouble;
    const std::string exempt_group = first_member_group(scope.exempt_groups, *gids, trouble);
    if (!exempt_group.empty())
        return not_asked("scope: member of exempt group " + log_field(exempt_group));
    const bool member =
        scope.groups.empty() || !first_member_group(scope.groups, *gids, trouble).empty();
    // Not shown to be a member is not enough when a group could not be looked up.
    if (!member && trouble.empty())
        return not_asked("scope: not a member of " + log_field(joined(scope.groups)));
    return trouble.empty() ? ScopeDecision{} : asked_anyway("scope: " + trouble);
}

}  // namespace okey
