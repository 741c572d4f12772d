// SPDX-License-Identifier: Apache-2.0
// server/okeyd/http_server.hpp — okeyd's HTTP edge on libmicrohttpd (the
// library systemd-journal-remote uses; no HTTP or form parsing of our own):
// HTTPS only (GnuTLS, TLS 1.2 and 1.3), optional client certificates, a
// thread pool, and a limit on every client: connections at once, body size
// (413 beyond), and time — a client must send each whole request, and may
// stay idle, at most client_timeout_seconds (slow_clients.hpp). Routes:
// POST /validate/check (application/x-www-form-urlencoded only) and
// GET /healthz; anything else is a 4xx, never a crash.
#pragma once

#include "engine/config.hpp"
#include "engine/logger.hpp"
#include "engine/result.hpp"
#include "server/okeyd/edge.hpp"

#include <memory>
#include <string>
#include <vector>

namespace okeyd {

// PEM texts, read through the file-trust rules by the caller.
struct TlsMaterial {
    std::string certificate;
    okey::otp::SecretString key;
    std::string client_ca;  // "" : no client certificate asked
};

class HttpServer {
public:
    // Serve on already bound, listening sockets (one per server.listen
    // entry). `tls` null: plain HTTP, for the fuzz target only — okeyd
    // itself always passes TLS material.
    static okey::Result<std::unique_ptr<HttpServer>> start(const std::vector<int>& sockets,
                                                            const TlsMaterial* tls,
                                                            const okey::ServerSettings& limits,
                                                            Handler& handler,
                                                            okey::Logger& logger);
    ~HttpServer();
    HttpServer(const HttpServer&) = delete;
    HttpServer& operator=(const HttpServer&) = delete;

    // Stop accepting, let requests in progress finish, close everything.
    void stop();

    struct Impl;

private:
    explicit HttpServer(std::unique_ptr<Impl> impl);
    std::unique_ptr<Impl> impl_;
};

// Bind and listen on "ADDRESS:PORT" (server.listen); the socket, or an error
// naming the address.
okey::Result<int> listen_on(const std::string& address);
// The "ADDRESS:PORT" a socket is bound to (port 0 resolved).
std::string bound_address(int socket);

}  // namespace okeyd
