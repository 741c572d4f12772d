// SPDX-License-Identifier: Apache-2.0
// engine/store/backup.cpp — the store as a whole (okeyctl backup, restore
// and doctor; DESIGN.md §12): a consistent copy taken while logins go on, a
// backup put back only once it is known to be whole and to open under the
// key file, and the checks doctor runs.
#include "engine/store/backend.hpp"
#include "engine/store/location.hpp"
#include "engine/store/schema.hpp"
#include "engine/store/sqlite/files.hpp"
#include "engine/store/store_impl.hpp"

namespace okey {

Result<StoreContents> Store::backup_to(const std::string& file, const Act& act) {
    if (auto copied = impl_->db->backup_to(file); !copied) return copied.error();
    // What the copy holds, read from the copy itself.
    auto copy = store::sqlite::SqliteConnection::open(file, impl_->options.busy_timeout_ms);
    if (!copy) return copy.error();
    StoreContents contents;
    auto counted = Impl::count_rows(*copy.value());
    if (!counted) return counted.error();
    contents.rows = std::move(counted.value());
    auto opened = impl_->open_every_sealed_value(*copy.value());
    if (!opened) return opened.error();
    contents.secrets_opened = opened.value();
    copy.value().reset();
    auto audited = impl_->write([&] { return impl_->audit_act(act, "store.backup", "", "", file); });
    if (!audited) return audited.error();
    return contents;
}

Result<RestoreReport> Store::restore(const StoreOptions& options, const std::string& file,
                                     const Act& act) {
    if (store::is_postgresql_uri(options.path))
        return make_error(Errc::invalid_argument,
                          store::displayed_uri(options.path) +
                              ": a PostgreSQL store is restored with pg_restore (README, \"Backup "
                              "and recovery\")");
    if (auto location = store::check_location(options.path); !location) return location.error();
    auto box = store::SecretBox::load(options.key_file, options.trusted_owner);
    if (!box) return box.error();
    auto staged = store::sqlite::StagedRestore::stage(file, options);
    if (!staged) return staged.error();

    // Every check on the copy that will be put in place, before anything changes.
    RestoreReport report;
    store::sqlite::SqliteConnection& copy = staged->database();
    // The private copy's name means nothing to the administrator: the file's does.
    auto refused = [&](const Error& e) {
        return make_error(e.code, file + ": not an okey store that opens (" + e.message + ")");
    };
    auto version = copy.schema_version();
    if (!version) return refused(version.error());
    if (version.value() == 0)
        return make_error(Errc::corrupt, file + ": no okey schema in it: not an okey store");
    if (version.value() > store::schema_version)
        return make_error(Errc::corrupt, file + ": schema version " + std::to_string(version.value()) +
                                             " is newer than this okey knows (" +
                                             std::to_string(store::schema_version) + "): upgrade okey");
    report.schema_version = version.value();
    auto problems = copy.integrity_problems();
    if (!problems) return refused(problems.error());
    if (!problems->empty())
        return make_error(Errc::corrupt, file + ": damaged: " + problems.value());
    // A copy an older okey made is brought to this schema in the private
    // copy, before the checks below read it as this okey will.
    if (auto migrated = store::migrate(copy); !migrated) return refused(migrated.error());
    Impl checker{options, nullptr, std::move(box.value())};
    auto opened = checker.open_every_sealed_value(copy);
    if (!opened)
        return make_error(opened.error().code, file + ": " + opened.error().message +
                                                   " (is it this key file's store?)");
    report.contents.secrets_opened = opened.value();
    auto counted = Impl::count_rows(copy);
    if (!counted) return refused(counted.error());
    report.contents.rows = std::move(counted.value());

    auto aside = staged->put_in_place(act.now);
    if (!aside) return aside.error();
    report.set_aside = aside.value();
    auto restored = open(options);
    if (!restored) return restored.error();
    std::string detail = "from " + file;
    if (!report.set_aside.empty()) detail += "; the store replaced is kept as " + report.set_aside;
    auto audited = restored->impl_->write(
        [&] { return restored->impl_->audit_act(act, "store.restore", "", "", detail); });
    if (!audited) return audited.error();
    return report;
}

Result<std::string> Store::integrity_problems() {
    return impl_->read([&] { return impl_->db->integrity_problems(); });
}

int Store::schema_version() const { return store::schema_version; }

Result<StoreContents> Store::open_every_secret() {
    return impl_->read([&]() -> Result<StoreContents> {
        StoreContents contents;
        auto counted = Impl::count_rows(*impl_->db);
        if (!counted) return counted.error();
        contents.rows = std::move(counted.value());
        auto opened = impl_->open_every_sealed_value(*impl_->db);
        if (!opened) return opened.error();
        contents.secrets_opened = opened.value();
        return contents;
    });
}

}  // namespace okey
