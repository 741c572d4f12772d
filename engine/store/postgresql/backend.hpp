// SPDX-License-Identifier: Apache-2.0
// engine/store/postgresql/backend.hpp — the PostgreSQL store (DESIGN.md §9),
// a library of its own (it links libpq) for okeyctl, okeyd, the tests and
// the benchmarks — never pam_okey.so. A program calls enable_postgresql()
// once at start; from then on Store::open and Store::initialise take a
// postgresql:// URI as the store.
#pragma once

namespace okey::store {

void enable_postgresql();

}  // namespace okey::store
