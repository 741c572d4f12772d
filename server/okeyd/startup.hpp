// SPDX-License-Identifier: Apache-2.0
// server/okeyd/startup.hpp — what okeyd checks and reads before it serves
// (DESIGN.md §3, §9): the config, and every file it trusts, by the
// file-trust rules — the config, TLS certificate and client CA owned by root
// and writable by no one else; the key file and TLS key owned by root and
// readable by no one but root and okeyd's own group (root:okeyd 0440); the
// PostgreSQL passfile owned by okeyd's user, 0600 (libpq's own rule). An
// unsafe file stops okeyd with a message naming it and why.
#pragma once

#include "engine/config.hpp"
#include "engine/logger.hpp"
#include "server/okeyd/http_server.hpp"

namespace okeyd {

// The TLS material of server.* (certificate, key, client CA).
okey::Result<TlsMaterial> read_tls_material(const okey::ServerSettings& server);

// The passfile named in a postgresql:// store URI, if any, and the key file.
okey::Result<void> check_store_files(const okey::Config& config);

// Open the store once: an unsafe or misconfigured store stops okeyd; one
// that does not answer yet is logged, and the nodes answer 503 until it does.
okey::Result<void> try_store(const okey::Config& config, okey::Logger& logger);

}  // namespace okeyd
