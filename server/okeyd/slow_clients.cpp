// SPDX-License-Identifier: Apache-2.0
// server/okeyd/slow_clients.cpp — see slow_clients.hpp.
#include "server/okeyd/slow_clients.hpp"

#include "engine/log_text.hpp"

#include <sys/socket.h>

#include <utility>

namespace okeyd {

SlowClients::SlowClients(std::chrono::seconds limit, okey::Logger& logger)
    : limit_(limit), logger_(logger), watcher_([this] { watch(); }) {}

SlowClients::~SlowClients() {
    {
        std::lock_guard lock(mutex_);
        stopping_ = true;
    }
    wake_.notify_all();
    watcher_.join();
}

void SlowClients::opened(const void* id, int socket, std::string client) {
    std::lock_guard lock(mutex_);
    connections_[id] = Watched{socket, std::move(client), std::chrono::steady_clock::now(), false,
                               false};
}

// libmicrohttpd notifies the close before it closes the socket: once this
// returns, the watcher never touches that descriptor again (it may be reused).
void SlowClients::closed(const void* id) {
    std::lock_guard lock(mutex_);
    connections_.erase(id);
}

void SlowClients::working(const void* id) {
    std::lock_guard lock(mutex_);
    if (auto it = connections_.find(id); it != connections_.end()) it->second.working = true;
}

void SlowClients::answered(const void* id) {
    std::lock_guard lock(mutex_);
    if (auto it = connections_.find(id); it != connections_.end()) {
        it->second.working = false;
        it->second.since = std::chrono::steady_clock::now();
    }
}

void SlowClients::watch() {
    std::unique_lock lock(mutex_);
    while (!stopping_) {
        wake_.wait_for(lock, std::chrono::milliseconds(500));
        const auto now = std::chrono::steady_clock::now();
        for (auto& [id, watched] : connections_) {
            if (watched.working || watched.cut || now - watched.since <= limit_) continue;
            // Under the lock: the connection cannot be closed meanwhile.
            ::shutdown(watched.socket, SHUT_RDWR);
            watched.cut = true;
            logger_.log(okey::LogLevel::notice,
                        "connection cut: no whole request within " +
                            std::to_string(limit_.count()) + " s client=" +
                            okey::log_field(watched.client));
        }
    }
}

}  // namespace okeyd
