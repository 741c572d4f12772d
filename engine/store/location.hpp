// SPDX-License-Identifier: Apache-2.0
// engine/store/location.hpp — the `store` value: an absolute path (SQLite) or
// a libpq connection URI postgresql://… (PostgreSQL). A URI never carries a
// password (it would sit in the config, in argv, in logs): libpq reads it
// from a passfile. Nothing here needs libpq, so the config loader and the
// PAM module can check a store value too.
#pragma once

#include "engine/result.hpp"

#include <string>
#include <string_view>

namespace okey::store {

// postgresql:// or postgres://
bool is_postgresql_uri(std::string_view location);
// A path, or a URI without a password (user:pw@… or password=…).
Result<void> check_location(std::string_view location);
// The URI as messages show it: without its query (passfile=, sslmode=…) and
// with any password in it masked.
std::string displayed_uri(std::string_view uri);

}  // namespace okey::store
