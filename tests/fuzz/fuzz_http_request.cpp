// SPDX-License-Identifier: Apache-2.0
// tests/fuzz/fuzz_http_request.cpp — libFuzzer target for okeyd's request
// handling (server/okeyd/http_server.cpp, DESIGN.md §9): anyone who reaches
// the port chooses these bytes. Each input is one connection's whole byte
// stream to a real okeyd HTTP edge (plain HTTP on 127.0.0.1: TLS is
// libmicrohttpd's and GnuTLS's, the routing, limits and form reading are
// ours), its write side then closed. The handler behind checks what reaches
// it: every field within its cap, user and pass present as the flags say,
// and the Accept-Language choice always one of the two languages.
#include "fuzz_support.hpp"

#include "engine/clock.hpp"
#include "engine/config.hpp"
#include "engine/logger.hpp"
#include "server/okeyd/http_server.hpp"
#include "server/okeyd/validate.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdint>
#include <memory>
#include <string_view>

namespace {

using okey::fuzz::check;

class CheckingHandler final : public okeyd::Handler {
public:
    CheckingHandler() : validator_(config_, clock_, logger_) {}

    okeyd::Answer check(const okeyd::CheckForm& form, const okeyd::Caller& caller,
                        std::string_view accept_language) override {
        okey::fuzz::check(form.user.size() <= 512 && form.pass.size() <= 512 &&
                              form.realm.size() <= 512 && form.transaction_id.size() <= 512,
                          "a form field over its cap");
        okey::fuzz::check(form.has_user || form.user.empty(), "user without has_user");
        okey::fuzz::check(form.has_pass || form.pass.empty(), "pass without has_pass");
        okey::fuzz::check(caller.address == "127.0.0.1", "caller address");
        const okey::Texts& texts = validator_.texts_for(accept_language);
        okey::fuzz::check(texts.passcode == "Passcode OTP : " || texts.passcode == "OTP passcode: ",
                          "a language other than fr or en");
        return okeyd::Answer{200, "{}"};
    }
    okeyd::Answer health() override { return okeyd::Answer{200, "{}"}; }
    okeyd::Answer refusal(unsigned status, std::string_view why) override {
        return validator_.refusal(status, why);
    }

private:
    okey::Config config_;
    okey::SystemClock clock_;
    okey::NullLogger logger_;
    okeyd::Validator validator_;
};

struct Edge {
    CheckingHandler handler;
    okey::NullLogger logger;
    std::unique_ptr<okeyd::HttpServer> server;
    sockaddr_in address{};

    // GET /healthz on a fresh connection: a 200 within 5 s.
    bool healthy() const {
        int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (fd < 0) return false;
        bool ok = false;
        if (::connect(fd, reinterpret_cast<const sockaddr*>(&address), sizeof address) == 0) {
            const char request[] = "GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n";
            ::send(fd, request, sizeof request - 1, MSG_NOSIGNAL);
            char reply[64] = {};
            pollfd p{fd, POLLIN, 0};
            if (::poll(&p, 1, 5000) > 0 && ::recv(fd, reply, sizeof reply - 1, 0) > 12)
                ok = std::string_view(reply).starts_with("HTTP/1.1 200");
        }
        ::close(fd);
        return ok;
    }

    Edge() {
        auto socket = okeyd::listen_on("127.0.0.1:0");
        check(socket.ok(), "cannot listen on 127.0.0.1");
        okey::ServerSettings limits;
        limits.threads = 1;
        limits.client_timeout_seconds = 1;
        // Inputs that leave the edge waiting (an unfinished request) hold a
        // connection until the time limit cuts it: room for them all.
        limits.max_connections = 16384;
        auto started = okeyd::HttpServer::start({socket.value()}, nullptr, limits, handler, logger);
        check(started.ok(), "cannot start the HTTP edge");
        server = std::move(started.value());
        socklen_t size = sizeof address;
        getsockname(socket.value(), reinterpret_cast<sockaddr*>(&address), &size);
    }
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    static Edge edge;
    int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    check(fd >= 0, "socket");
    check(::connect(fd, reinterpret_cast<sockaddr*>(&edge.address), sizeof edge.address) == 0,
          "the edge stopped accepting connections");
    std::size_t sent = 0;
    while (sent < size) {
        ssize_t n = ::send(fd, data + sent, size - sent, MSG_NOSIGNAL);
        if (n <= 0) break;  // the edge closed early (a refusal): fine
        sent += static_cast<std::size_t>(n);
    }
    ::shutdown(fd, SHUT_WR);
    // Read what the edge says until it closes, or for 50 ms of silence (an
    // unfinished request is the edge's to time out: slow_clients.cpp).
    char buffer[4096];
    for (;;) {
        pollfd p{fd, POLLIN, 0};
        if (::poll(&p, 1, 50) <= 0) break;
        ssize_t n = ::recv(fd, buffer, sizeof buffer, 0);
        if (n <= 0) break;
    }
    ::close(fd);
    // Whatever came before, the edge still answers a plain request.
    static unsigned inputs = 0;
    if (++inputs % 64 == 0) check(edge.healthy(), "the edge stopped answering /healthz");
    return 0;
}
