// SPDX-License-Identifier: Apache-2.0
// tools/okeyctl/verbs_store.cpp — the verbs about the store itself: creating
// it (init: a SQLite file, or the schema in an empty PostgreSQL database,
// with the grants of the service role), moving it (migrate: a copy into a
// new PostgreSQL store, checked row by row), and backing it up and
// restoring it (DESIGN.md §12).
#include "verbs.hpp"

#include "engine/store/location.hpp"
#include "engine/store/schema.hpp"

#include <sys/stat.h>

namespace okeyctl {
namespace {

bool exists(const std::string& path) {
    struct stat st {};
    return ::lstat(path.c_str(), &st) == 0;
}

std::string shown(const std::string& location) {
    return okey::store::is_postgresql_uri(location) ? okey::store::displayed_uri(location) : location;
}

// The tables copied, as an administrator calls them.
std::string rows_of(const std::string& table, std::int64_t rows) {
    if (table == "tokens") return counted(rows, "key", "keys");
    if (table == "users") return counted(rows, "login", "logins");
    if (table == "audit") return counted(rows, "audit row", "audit rows");
    if (table == "offline_batches") return counted(rows, "offline batch", "offline batches");
    if (table == "offline_values") return counted(rows, "offline value", "offline values");
    if (table == "dialogues") return counted(rows, "okeyd dialogue", "okeyd dialogues");
    if (table == "emergency_codes") return counted(rows, "emergency code", "emergency codes");
    return counted(rows, "row", "rows") + " of " + table;
}

std::string service_role(const Arguments& args, const std::string& store) {
    auto role = args.value("service-role");
    if (!role) return {};
    if (!okey::store::is_postgresql_uri(store))
        refuse("--service-role: " + shown(store) + " is a SQLite store; roles are PostgreSQL's");
    if (role->empty() || role->size() > 63)
        throw UsageError{"--service-role: a PostgreSQL role name of 1 to 63 characters"};
    return *role;
}

// "3 keys, 1 logins, …" and the same as a JSON object.
std::pair<std::string, nlohmann::json> counted_rows(
    const std::vector<std::pair<std::string, std::int64_t>>& rows) {
    std::string counts;
    nlohmann::json tables = nlohmann::json::object();
    for (const auto& [table, n] : rows) {
        counts += (counts.empty() ? "" : ", ") + rows_of(table, n);
        tables[table] = n;
    }
    return {counts, tables};
}

}  // namespace

void admin_init(Context& ctx, Words words) {
    auto args = parse_arguments(words, {{"service-role", true}}, 0, 0);
    ctx.merge_global(args);
    const auto options = ctx.store_options();
    okey::NewStoreOptions extra;
    extra.service_role = service_role(args, options.path);
    const bool key_file_existed = exists(options.key_file);
    unwrap(okey::Store::initialise(options, extra));
    const std::string where = shown(options.path);
    std::string sentence = "store created: " + where + " (key file " + options.key_file +
                           (key_file_existed ? ", kept" : "") + ")";
    if (!extra.service_role.empty())
        sentence += "; role " + extra.service_role + " may log in but never change the audit";
    ctx.out().done(sentence, {{"store", where},
                              {"key_file", options.key_file},
                              {"key_file_created", !key_file_existed},
                              {"service_role", extra.service_role}});
}

void admin_migrate(Context& ctx, Words words) {
    auto args = parse_arguments(words, {{"to", true}, {"service-role", true}}, 0, 0);
    ctx.merge_global(args);
    const auto to = args.value("to");
    if (!to) throw UsageError{"--to URI is required"};
    if (!okey::store::is_postgresql_uri(*to))
        refuse("migrate --to " + printable(*to) + ": not a postgresql:// URI (a store moves to "
               "PostgreSQL; the key file stays the same)");
    auto target = ctx.store_options();
    target.path = *to;
    const std::string role = service_role(args, target.path);
    const std::string from = shown(ctx.store_options().path);
    const auto report = unwrap(ctx.store().copy_into(target, role));

    const auto [counts, tables] = counted_rows(report.rows);
    if (ctx.json()) {
        ctx.out().document({{"result", "ok"},
                            {"from", from},
                            {"to", shown(*to)},
                            {"rows", tables},
                            {"secrets_opened", report.secrets_opened},
                            {"checked", true}});
        return;
    }
    ctx.out().line("store copied from " + from + " to " + shown(*to) + ": " + counts);
    ctx.out().line("checked: every row equal to the original, " +
                   counted(report.secrets_opened, "sealed value opens", "sealed values open") +
                   " with " + target.key_file);
    ctx.out().line("next: set store = \"" + printable(*to) + "\" in the configuration; " + from +
                   " is left as it was");
}

void admin_backup(Context& ctx, Words words) {
    auto args = parse_arguments(words, {}, 1, 1);
    ctx.merge_global(args);
    const std::string& file = args.positional[0];
    const auto key_file = ctx.store_options().key_file;
    const auto contents = unwrap(ctx.store().backup_to(file, ctx.act()));
    const auto [counts, tables] = counted_rows(contents.rows);
    if (ctx.json()) {
        ctx.out().document({{"result", "ok"},
                            {"file", file},
                            {"rows", tables},
                            {"secrets_opened", contents.secrets_opened}});
        return;
    }
    ctx.out().line("store backed up to " + printable(file) + " (mode 0600): " + counts);
    ctx.out().line("checked: " +
                   counted(contents.secrets_opened, "sealed value in it opens", "sealed values in it open") +
                   " with " + key_file);
    ctx.out().line("keep it, and a copy of " + key_file +
                   " stored apart from it: the one is no use without the other");
}

void admin_restore(Context& ctx, Words words) {
    auto args = parse_arguments(words, {}, 1, 1);
    ctx.merge_global(args);
    const std::string& file = args.positional[0];
    const auto options = ctx.store_options();
    const auto report = unwrap(okey::Store::restore(options, file, ctx.act()));
    const auto [counts, tables] = counted_rows(report.contents.rows);
    if (ctx.json()) {
        ctx.out().document({{"result", "ok"},
                            {"file", file},
                            {"store", shown(options.path)},
                            {"schema_version", report.schema_version},
                            {"rows", tables},
                            {"secrets_opened", report.contents.secrets_opened},
                            {"set_aside", report.set_aside.empty() ? nlohmann::json(nullptr)
                                                                   : nlohmann::json(report.set_aside)}});
        return;
    }
    const int now_version = okey::store::schema_version;
    std::string version = "schema version " + std::to_string(report.schema_version);
    if (report.schema_version < now_version)
        version += ", upgraded to " + std::to_string(now_version);
    ctx.out().line("store " + shown(options.path) + " restored from " + printable(file) + " (" +
                   version + "): " + counts);
    ctx.out().line("checked before it replaced the store: the file is whole, and its " +
                   counted(report.contents.secrets_opened, "sealed value opens", "sealed values open") +
                   " with " + options.key_file);
    ctx.out().line(report.set_aside.empty()
                       ? std::string("there was no store to replace")
                       : "the store it replaced is kept as " + report.set_aside);
    ctx.out().line("what changed since the backup is as it was then: keys assigned, PINs chosen, "
                   "failure counters");
}

}  // namespace okeyctl
