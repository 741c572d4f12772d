// SPDX-License-Identifier: Apache-2.0
// engine/store/postgresql/administration.cpp — what okeyctl asks of a
// PostgreSQL store beyond its rows (DESIGN.md §12): what becomes of a deleted
// row's bytes (nothing okey can scrub: MVCC), a read of every table as the
// integrity check, and backups, which are pg_dump's job.
#include "engine/store/postgresql/connection.hpp"

namespace okey::store::postgresql {

// A DELETE leaves the old row version in the table's pages until VACUUM
// reclaims the space (and its bytes until they are overwritten), in the
// write-ahead log until it is recycled, and in every base backup and dump.
Result<std::string> PgConnection::scrub_deleted() {
    return std::string(
        "deleted; PostgreSQL keeps the old row version until VACUUM reuses its space, and in "
        "its write-ahead log and backups: there the secret stays sealed under the key file");
}

// The server checks its own pages (data checksums, when the cluster has
// them); reading every row of every table of the store's schema makes it
// look at each of them now.
Result<std::string> PgConnection::integrity_problems() {
    std::vector<std::string> tables;
    {
        auto list = prepare(
            "SELECT c.relname FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n "
            "ON n.oid = c.relnamespace WHERE c.relkind = 'r' AND n.nspname = current_schema() "
            "ORDER BY c.relname");
        if (!list) return list.error();
        for (;;) {
            auto row = list->step();
            if (!row) return row.error();
            if (!row.value()) break;
            tables.push_back(list->text(0));
        }
    }
    std::string problems;
    for (const auto& table : tables) {
        char* quoted = PQescapeIdentifier(handle(), table.c_str(), table.size());
        if (!quoted) return error(nullptr, "table name");
        // Every column of every row read (an index-only count would skip
        // the table's pages), one number sent back.
        std::string sql = std::string("SELECT sum(length(t::text)) FROM ") + quoted + " AS t";
        PQfreemem(quoted);
        if (auto read = command(sql, "read table " + table); !read) {
            if (read.error().code == Errc::unavailable) return read.error();
            problems += (problems.empty() ? "" : "; ") + read.error().message;
        }
    }
    return problems;
}

Result<void> PgConnection::backup_to(const std::string&) {
    return make_error(Errc::invalid_argument,
                      name() + ": a PostgreSQL store is backed up with pg_dump (README, \"Backup "
                               "and recovery\": pg_dump --format=custom), with a copy of the key "
                               "file kept apart");
}

}  // namespace okey::store::postgresql
