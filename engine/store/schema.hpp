// SPDX-License-Identifier: Apache-2.0
// engine/store/schema.hpp — the store's tables and their migrations. The
// schema version is SQLite's PRAGMA user_version; each migration moves it up
// by one, inside one write transaction.
#pragma once

#include "engine/result.hpp"
#include "engine/store/sqlite.hpp"

namespace okey::store {

inline constexpr int schema_version = 1;

// Bring the database to schema_version (a new, empty database included).
// A database from a newer okey is refused, never downgraded.
Result<void> migrate(Database& db);

// Refuse a database without okey's schema (PRAGMA user_version 0): opening an
// existing store never creates one — only Store::initialise does — so an
// emptied store or another program's database is refused untouched.
Result<void> require_schema(Database& db);

}  // namespace okey::store
