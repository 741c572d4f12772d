// SPDX-License-Identifier: Apache-2.0
// engine/store/schema.cpp — see schema.hpp.
#include "engine/store/schema.hpp"

#include <string>

namespace okey::store {
namespace {

Result<void> refuse_newer(Connection& db, int version) {
    return make_error(Errc::corrupt, db.name() + ": schema version " + std::to_string(version) +
                                         " is newer than this okey knows (" +
                                         std::to_string(schema_version) + "): upgrade okey");
}

// Inside a transaction: from `from` to schema_version.
Result<void> apply_migrations(Connection& db, int from) {
    auto migrations = db.migrations();
    if (migrations.size() != static_cast<std::size_t>(schema_version))
        return make_error(Errc::internal, db.name() + ": this okey has " +
                                              std::to_string(migrations.size()) +
                                              " migrations for schema version " +
                                              std::to_string(schema_version));
    for (int v = from; v < schema_version; ++v)
        if (auto done = db.exec(migrations[static_cast<std::size_t>(v)]); !done)
            return make_error(done.error().code, db.name() + ": schema version " +
                                                     std::to_string(v + 1) + ": " +
                                                     done.error().message);
    if (auto set = db.set_schema_version(schema_version); !set) return set;
    return db.after_migrations();
}

// Run body() in a transaction of the given access; roll back on refusal.
template <class F>
Result<void> in_transaction(Connection& db, Access access, F&& body) {
    if (auto begun = db.begin(access, {}); !begun) return begun;
    auto done = body();
    if (!done) {
        db.rollback();
        return done;
    }
    return db.commit();
}

}  // namespace

Result<void> require_schema(Connection& db) {
    auto version = db.schema_version();
    if (!version) return version.error();
    if (version.value() == 0)
        return make_error(Errc::corrupt, db.name() + ": no okey schema in it: not an okey store "
                                                     "(restore it from a backup)");
    return {};
}

Result<void> migrate(Connection& db) {
    if (auto schema = require_schema(db); !schema) return schema;
    auto version = db.schema_version();
    if (!version) return version.error();
    if (version.value() == schema_version) return {};
    if (version.value() > schema_version) return refuse_newer(db, version.value());
    auto upgraded = in_transaction(db, Access::migrate, [&]() -> Result<void> {
        // Another process may have migrated while we waited for the lock.
        auto now = db.schema_version();
        if (!now) return now.error();
        if (now.value() > schema_version) return refuse_newer(db, now.value());
        if (now.value() == schema_version) return {};
        return apply_migrations(db, now.value());
    });
    if (!upgraded)
        // A PostgreSQL service role may not change the schema: its owner must.
        return make_error(upgraded.error().code,
                          upgraded.error().message + " (upgrading the schema from version " +
                              std::to_string(version.value()) + " to " +
                              std::to_string(schema_version) + ": the store's owner can)");
    return upgraded;
}

Result<void> create_schema(Connection& db,
                           const std::function<Result<void>(Connection&)>& populate) {
    return in_transaction(db, Access::write, [&]() -> Result<void> {
        auto empty = db.is_empty();
        if (!empty) return empty.error();
        if (!empty.value())
            return make_error(Errc::already_exists,
                              db.name() + ": the database is not empty: a new store needs an "
                                          "empty one (nothing was changed)");
        if (auto made = apply_migrations(db, 0); !made) return made;
        return populate ? populate(db) : Result<void>();
    });
}

}  // namespace okey::store
