// SPDX-License-Identifier: Apache-2.0
// engine/store/backend.hpp — where a store lives, chosen by the `store` value
// (DESIGN.md §9): a path is a SQLite file (built into the engine), a
// postgresql:// URI a PostgreSQL database. The PostgreSQL backend is a
// library of its own (libpq) that okeyctl, okeyd and the tests link and
// enable; pam_okey.so does not, so a module whose store is a URI refuses it.
#pragma once

#include "engine/result.hpp"
#include "engine/store/database.hpp"
#include "engine/store/store.hpp"

#include <functional>
#include <memory>
#include <string>
#include <string_view>

namespace okey::store {

struct NewStore {
    std::unique_ptr<Connection> connection;
    std::function<void()> undo;  // removes what create() made, if the schema fails
};

class Backend {
public:
    virtual ~Backend() = default;
    // Connect to an existing store after this backend's own checks.
    virtual Result<std::unique_ptr<Connection>> open(const StoreOptions& options) const = 0;
    // Make what a new store needs besides its schema (the file, the key
    // file) and connect to it. `service_role`: a PostgreSQL role granted the
    // service's rights ("" for none).
    virtual Result<NewStore> create(const StoreOptions& options,
                                    std::string_view service_role) const = 0;
};

const Backend& sqlite_backend();
// Called once by a program linking the PostgreSQL backend, before any store
// is opened (engine/store/postgresql/backend.hpp: enable_postgresql()).
void register_postgresql(const Backend& backend);
// The backend of a location, or a configuration error naming it.
Result<const Backend*> backend_for(std::string_view location);

}  // namespace okey::store
