// SPDX-License-Identifier: Apache-2.0
// engine/clock.hpp — the one source of time for the engine: Unix seconds for
// codes, expiry and audit; a monotonic count of milliseconds for durations
// (the remote backend's time limits), which a wall-clock step cannot stretch
// or shrink. Tests inject a fake clock (a person pausing 30 s at a prompt
// costs the test nothing); production uses the system clocks.
#pragma once

#include <chrono>
#include <cstdint>
#include <ctime>

namespace okey {

class Clock {
public:
    virtual ~Clock() = default;
    virtual std::int64_t now() const = 0;  // Unix time, seconds
    // Milliseconds on a monotonic clock (any origin): only differences mean anything.
    virtual std::int64_t monotonic_ms() const {
        return std::chrono::duration_cast<std::chrono::milliseconds>(
                   std::chrono::steady_clock::now().time_since_epoch())
            .count();
    }
};

class SystemClock final : public Clock {
public:
    std::int64_t now() const override { return static_cast<std::int64_t>(std::time(nullptr)); }
};

}  // namespace okey
