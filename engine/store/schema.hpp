// SPDX-License-Identifier: Apache-2.0
// engine/store/schema.hpp — the store's schema version and the one driver of
// its migrations, over any backend. Each backend writes its own DDL (SQLite:
// engine/store/sqlite/schema.cpp, PostgreSQL: engine/store/postgresql/schema.cpp)
// as a list of migrations, one per version; adding a version means raising
// schema_version below and adding one migration to each list (a static_assert
// in each backend fails until both have it); a new table also gets its line
// in engine/store/copy.cpp (what okeyctl migrate copies) and, on PostgreSQL,
// in the service role's rights (engine/store/postgresql/schema.cpp).
#pragma once

#include "engine/result.hpp"
#include "engine/store/database.hpp"

#include <functional>

namespace okey::store {

inline constexpr int schema_version = 3;

// Refuse a database without okey's schema (version 0): opening an existing
// store never creates one — only Store::initialise does — so an emptied store
// or another program's database is refused untouched.
Result<void> require_schema(Connection& db);

// Bring an existing store to schema_version. A database from a newer okey
// is refused, never downgraded.
Result<void> migrate(Connection& db);

// In one write transaction: refuse a database that is not empty, create the
// whole schema, then run `populate` (may be empty) on it. Nothing is left
// half-made: a failure rolls everything back.
Result<void> create_schema(Connection& db, const std::function<Result<void>(Connection&)>& populate);

}  // namespace okey::store
