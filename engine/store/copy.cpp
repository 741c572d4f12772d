// SPDX-License-Identifier: Apache-2.0
// engine/store/copy.cpp — a whole store copied into a new one (okeyctl
// migrate: SQLite → PostgreSQL). Rows are copied as they are, sealed secrets
// included (the same key file opens them, the serial being their additional
// data), inside the transaction that creates the new store's schema: the new
// store exists complete or not at all. Then the copy is checked against the
// same snapshot of the original: every row of every table equal, every
// secret and refill token opening under the key file.
#include "engine/store/schema.hpp"
#include "engine/store/store_impl.hpp"

#include <algorithm>
#include <string>

namespace okey {
namespace {

// Every table of the schema, its columns (without generated ones: the audit's
// id is given again, in the same order) and the order that makes two copies
// comparable. A migration that adds a table adds it here.
struct Table {
    const char* name;
    const char* columns;
    int count;
    const char* order;
};
constexpr Table tables[] = {
    {"tokens",
     "serial, kind, algorithm, digits, period, secret, state, owner, lot, expires, last_step, "
     "drift, last_login, created, updated, lost_owner",
     16, "serial"},
    {"users", "login, pin_hash, pin_state, failures, locked_until, created, updated", 7, "login"},
    {"audit", "time, login, serial, service, remote_host, event, outcome, reason, actor", 9, "id"},
    {"offline_batches", "login, serial, refill_token, received", 4, "login"},
    {"offline_values", "login, counter, hash", 3, "login, counter"},
    {"dialogues", "transaction_key, login, state, expires", 4, "transaction_key"},
    {"emergency_codes", "login, hash, expires, created", 4, "login, hash"},
};

std::string select_sql(const Table& t) {
    return std::string("SELECT ") + t.columns + " FROM " + t.name + " ORDER BY " + t.order;
}

std::string insert_sql(const Table& t) {
    std::string values;
    for (int i = 1; i <= t.count; ++i) values += (i > 1 ? ", ?" : "?") + std::to_string(i);
    return std::string("INSERT INTO ") + t.name + " (" + t.columns + ") VALUES (" + values + ")";
}

void bind_column(store::Statement& to, int index, const store::Statement& from, int column) {
    switch (from.type(column)) {
    case store::ColumnType::null: to.bind_null(index); break;
    case store::ColumnType::integer: to.bind_int(index, from.integer(column)); break;
    case store::ColumnType::text: to.bind_text(index, from.text(column)); break;
    case store::ColumnType::blob: to.bind_blob(index, from.blob(column)); break;
    }
}

bool same_column(const store::Statement& a, const store::Statement& b, int column) {
    auto type = a.type(column);
    if (type != b.type(column)) return false;
    switch (type) {
    case store::ColumnType::null: return true;
    case store::ColumnType::integer: return a.integer(column) == b.integer(column);
    case store::ColumnType::text: return a.text(column) == b.text(column);
    case store::ColumnType::blob: {
        auto x = a.blob(column);
        auto y = b.blob(column);
        return std::equal(x.begin(), x.end(), y.begin(), y.end());
    }
    }
    return false;
}

Result<std::int64_t> copy_table(store::Connection& from, store::Connection& to, const Table& t) {
    const std::string select = select_sql(t), insert = insert_sql(t);
    auto rows = from.prepare(select.c_str());
    if (!rows) return rows.error();
    std::int64_t copied = 0;
    for (;;) {
        auto row = rows->step();
        if (!row) return row.error();
        if (!row.value()) return copied;
        auto put = to.prepare(insert.c_str());
        if (!put) return put.error();
        for (int c = 0; c < t.count; ++c) bind_column(put.value(), c + 1, rows.value(), c);
        if (auto done = put->run(); !done) return done.error();
        ++copied;
    }
}

// Both tables read in the same order: equal row for row, and as many.
Result<void> compare_table(store::Connection& a, store::Connection& b, const Table& t) {
    const std::string select = select_sql(t);
    auto left = a.prepare(select.c_str());
    if (!left) return left.error();
    auto right = b.prepare(select.c_str());
    if (!right) return right.error();
    for (std::int64_t n = 1;; ++n) {
        auto l = left->step();
        if (!l) return l.error();
        auto r = right->step();
        if (!r) return r.error();
        if (l.value() != r.value())
            return make_error(Errc::corrupt, b.name() + ": table " + t.name + ": " +
                                                 (l.value() ? "fewer" : "more") +
                                                 " rows than in " + a.name());
        if (!l.value()) return {};
        for (int c = 0; c < t.count; ++c)
            if (!same_column(left.value(), right.value(), c))
                return make_error(Errc::corrupt, b.name() + ": table " + t.name + ": row " +
                                                     std::to_string(n) + " differs from " + a.name());
    }
}

}  // namespace

Result<std::vector<std::pair<std::string, std::int64_t>>> Store::Impl::count_rows(
    store::Connection& in) {
    std::vector<std::pair<std::string, std::int64_t>> counts;
    for (const auto& t : tables) {
        // The decoy row (Store::charge_decoy) is nobody's login: not counted.
        const bool users = std::string_view(t.name) == "users";
        const std::string sql =
            std::string("SELECT count(*) FROM ") + t.name + (users ? " WHERE login <> ?1" : "");
        auto stmt = in.prepare(sql.c_str());
        if (!stmt) return stmt.error();
        if (users) stmt->bind_text(1, decoy_login);
        auto row = stmt->step();
        if (!row) return row.error();
        counts.emplace_back(t.name, stmt->integer(0));
    }
    return counts;
}

Result<std::int64_t> Store::Impl::open_every_sealed_value(store::Connection& in) {
    std::int64_t opened = 0;
    auto secrets = in.prepare("SELECT serial, secret FROM tokens ORDER BY serial");
    if (!secrets) return secrets.error();
    for (;;) {
        auto row = secrets->step();
        if (!row) return row.error();
        if (!row.value()) break;
        if (auto secret = open_secret(secrets->text(0), secrets->blob(1)); !secret)
            return secret.error();
        ++opened;
    }
    auto tokens = in.prepare("SELECT login, refill_token FROM offline_batches ORDER BY login");
    if (!tokens) return tokens.error();
    for (;;) {
        auto row = tokens->step();
        if (!row) return row.error();
        if (!row.value()) return opened;
        if (!box.open(tokens->blob(1), store::offline_aad(tokens->text(0))))
            return make_error(Errc::corrupt, "offline values of login " + tokens->text(0) +
                                                 ": refill token does not decrypt with " +
                                                 options.key_file);
        ++opened;
    }
}

Result<CopyReport> Store::copy_into(const StoreOptions& target, const std::string& service_role) {
    using R = Result<CopyReport>;
    // One read transaction on this store: the copy and its check see the
    // same snapshot while logins may go on.
    return impl_->read([&]() -> R {
        CopyReport report;
        NewStoreOptions extra;
        extra.service_role = service_role;
        extra.populate = [&](store::Connection& to) -> Result<void> {
            for (const auto& t : tables) {
                auto copied = copy_table(*impl_->db, to, t);
                if (!copied) return copied.error();
                report.rows.emplace_back(t.name, copied.value());
            }
            // Before the copy is committed: the key file opens what it holds.
            auto opened = impl_->open_every_sealed_value(to);
            if (!opened) return opened.error();
            report.secrets_opened = opened.value();
            return {};
        };
        if (auto made = initialise(target, extra); !made) return made.error();

        // Committed: read it back through a new connection, row by row.
        auto copy = open(target);
        if (!copy) return copy.error();
        Impl& other = *copy->impl_;
        auto checked = other.read([&]() -> Result<void> {
            for (const auto& t : tables)
                if (auto same = compare_table(*impl_->db, *other.db, t); !same) return same;
            return {};
        });
        if (!checked) return checked.error();
        return report;
    });
}

}  // namespace okey
