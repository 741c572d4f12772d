// SPDX-License-Identifier: Apache-2.0
// bench/store/populate.hpp — the stores the store bench measures: n keys
// assigned to n logins with a PIN, each secret sealed under the store's key
// file with its serial as additional data, bulk-loaded in one transaction
// (SQLite: one prepared INSERT; PostgreSQL: COPY). For PostgreSQL the bench
// keeps a throwaway cluster of its own (tests/support/pg-cluster, durable
// settings: fsync on, as SQLite's synchronous = FULL).
#pragma once

#include "engine/store/store.hpp"

#include <okey/otp.hpp>

#include <cstddef>
#include <cstdint>
#include <string>

namespace bench {

inline constexpr std::int64_t base_time = 1'800'000'000;

[[noreturn]] void die(const std::string& what);

std::string serial_of(std::size_t i);
std::string login_of(std::size_t i);
// The secret of key i, derived so the bench can compute its codes without
// reading the store: 20 bytes, distinct per key.
okey::otp::SecretBytes secret_of(std::size_t i);

// The bench's own PostgreSQL cluster, started (or restarted with its data
// kept from an earlier run) in `dir`, stopped by stop().
struct Cluster {
    std::string dir;
    std::string port;
    std::string passfile;
    std::string socket;
    void start();
    void stop() const;
    // A store URI as the role okey_owner (password in the passfile).
    std::string uri(const std::string& database) const;
    // Create the database unless it exists (as the superuser, over the socket).
    void ensure_database(const std::string& database) const;
};

// The keys a store holds now (-1: no store there yet), and the highest last
// accepted step (a reused store remembers earlier runs' logins).
long long count_keys(const okey::StoreOptions& o);
long long last_step(const okey::StoreOptions& o);

// Create the store at o (removing an old one) with n keys and logins.
void populate(const okey::StoreOptions& o, std::size_t n);

}  // namespace bench
