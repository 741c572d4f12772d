// SPDX-License-Identifier: Apache-2.0
// server/okeyd/slow_clients.hpp — the time limit on a client. libmicrohttpd
// 0.9.75 closes a connection idle for its timeout, but a client that sends
// one byte a second is never idle. So every connection is watched from its
// start, and from the end of each answer: if the client has not sent its
// next whole request within client_timeout_seconds (okeyd's own work on a
// request does not count), its socket is shut down and libmicrohttpd closes
// the connection.
#pragma once

#include "engine/logger.hpp"

#include <chrono>
#include <condition_variable>
#include <map>
#include <mutex>
#include <string>
#include <thread>

namespace okeyd {

class SlowClients {
public:
    SlowClients(std::chrono::seconds limit, okey::Logger& logger);
    ~SlowClients();
    SlowClients(const SlowClients&) = delete;
    SlowClients& operator=(const SlowClients&) = delete;

    // libmicrohttpd's connection notifications (`id` is the connection).
    void opened(const void* id, int socket, std::string client);
    void closed(const void* id);
    // okeyd works on the request (not counted) / has answered it (the clock restarts).
    void working(const void* id);
    void answered(const void* id);

private:
    struct Watched {
        int socket = -1;
        std::string client;
        std::chrono::steady_clock::time_point since;
        bool working = false;
        bool cut = false;
    };
    void watch();

    const std::chrono::seconds limit_;
    okey::Logger& logger_;
    std::mutex mutex_;
    std::condition_variable wake_;
    bool stopping_ = false;
    std::map<const void*, Watched> connections_;
    std::thread watcher_;
};

}  // namespace okeyd
