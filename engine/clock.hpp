// SPDX-License-Identifier: Apache-2.0
// engine/clock.hpp — the one source of time for the engine. Tests inject a
// fake clock; production uses the system clock (Unix seconds).
#pragma once

#include <cstdint>
#include <ctime>

namespace okey {

class Clock {
public:
    virtual ~Clock() = default;
    virtual std::int64_t now() const = 0;  // Unix time, seconds
};

class SystemClock final : public Clock {
public:
    std::int64_t now() const override { return static_cast<std::int64_t>(std::time(nullptr)); }
};

}  // namespace okey
