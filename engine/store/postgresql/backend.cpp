// SPDX-License-Identifier: Apache-2.0
// engine/store/postgresql/backend.cpp — see backend.hpp. The database and its
// roles are the administrator's (README); a new store needs an empty
// database, and makes the key file when there is none yet (a store moved
// from SQLite keeps its key file: its sealed secrets open only under it).
#include "engine/store/postgresql/backend.hpp"

#include "engine/file_trust.hpp"
#include "engine/store/backend.hpp"
#include "engine/store/postgresql/connection.hpp"
#include "engine/store/secret_box.hpp"

#include <sys/stat.h>
#include <unistd.h>

namespace okey::store {
namespace {

class PgBackend final : public Backend {
public:
    Result<std::unique_ptr<Connection>> open(const StoreOptions& options) const override {
        auto db = postgresql::PgConnection::connect(options.path, options.busy_timeout_ms);
        if (!db) return db.error();
        return std::unique_ptr<Connection>(std::move(db.value()));
    }

    Result<NewStore> create(const StoreOptions& options,
                            std::string_view service_role) const override {
        auto db = postgresql::PgConnection::connect(options.path, options.busy_timeout_ms);
        if (!db) return db.error();
        db.value()->set_service_role(std::string(service_role));
        const std::string& key_file = options.key_file;
        struct stat st {};
        if (::lstat(key_file.c_str(), &st) == 0) {
            // An existing key file must pass the rules and hold a key.
            if (auto box = SecretBox::load(key_file, options.trusted_owner); !box)
                return box.error();
            return NewStore{std::move(db.value()), {}};
        }
        if (auto dir = ensure_trusted_directory(parent_directory(key_file), options.trusted_owner);
            !dir)
            return dir.error();
        if (auto made = create_key_file(key_file); !made) return made.error();
        return NewStore{std::move(db.value()), [key_file] { ::unlink(key_file.c_str()); }};
    }
};

}  // namespace

void enable_postgresql() {
    static const PgBackend backend;
    register_postgresql(backend);
}

}  // namespace okey::store
