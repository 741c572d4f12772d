// SPDX-License-Identifier: Apache-2.0
// engine/store/backend.cpp — see backend.hpp.
#include "engine/store/backend.hpp"

#include "engine/store/location.hpp"

#include <atomic>

namespace okey::store {
namespace {

std::atomic<const Backend*> postgresql{nullptr};

}  // namespace

void register_postgresql(const Backend& backend) { postgresql.store(&backend); }

Result<const Backend*> backend_for(std::string_view location) {
    if (auto ok = check_location(location); !ok) return ok.error();
    if (!is_postgresql_uri(location)) return &sqlite_backend();
    if (const Backend* backend = postgresql.load()) return backend;
    return make_error(Errc::config,
                      displayed_uri(location) +
                          ": this program opens only a SQLite store (a PostgreSQL store is "
                          "reached through okeyd with backend = \"remote\", or by okeyctl)");
}

}  // namespace okey::store
