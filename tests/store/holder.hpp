// SPDX-License-Identifier: Apache-2.0
// tests/store/holder.hpp — another client of the test store holding one
// transaction open, to see which of the store's own transactions wait for it.
// SQLite: BEGIN IMMEDIATE (the file's write lock). PostgreSQL: the given
// commands, e.g. the ones a store transaction begins with
// (engine/store/postgresql/connection.hpp: begin_sql) or a row lock.
#pragma once

#include "store_fixture.hpp"

#include <libpq-fe.h>
#include <sqlite3.h>

namespace test {

class Holder {
public:
    Holder(const StoreDir& d, const std::string& postgresql_commands) {
        if (on_sqlite()) {
            assert_int_equal(sqlite3_open(d.options.path.c_str(), &sqlite_), SQLITE_OK);
            assert_int_equal(sqlite3_exec(sqlite_, "BEGIN IMMEDIATE", nullptr, nullptr, nullptr),
                             SQLITE_OK);
            return;
        }
        pg_ = PQconnectdb(d.options.path.c_str());
        assert_int_equal(PQstatus(pg_), CONNECTION_OK);
        PGresult* r = PQexec(pg_, postgresql_commands.c_str());
        auto status = PQresultStatus(r);
        PQclear(r);
        assert_true(status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK);
    }
    ~Holder() { release(); }
    Holder(const Holder&) = delete;
    Holder& operator=(const Holder&) = delete;
    // End the transaction (nothing was written) and disconnect.
    void release() {
        if (sqlite_) sqlite3_exec(sqlite_, "ROLLBACK", nullptr, nullptr, nullptr);
        sqlite3_close(sqlite_);
        sqlite_ = nullptr;
        if (pg_) PQclear(PQexec(pg_, "ROLLBACK"));
        PQfinish(pg_);
        pg_ = nullptr;
    }

private:
    sqlite3* sqlite_ = nullptr;
    PGconn* pg_ = nullptr;
};

}  // namespace test
