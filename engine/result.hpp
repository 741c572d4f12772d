// SPDX-License-Identifier: Apache-2.0
// engine/result.hpp — errors as values inside the engine: Result<T> holds a
// value or an Error (a code the caller can act on + a one-line reason that
// names the file, key or record concerned). Exceptions never leave the engine.
#pragma once

#include <string>
#include <utility>
#include <variant>

namespace okey {

enum class Errc {
    invalid_argument,  // bad input from the caller (CLI argument, malformed value)
    not_found,         // no such serial / login / file
    already_exists,    // duplicate serial, store already initialised
    wrong_state,       // lifecycle rule refused the act (e.g. assign a lost key)
    unsafe_file,       // symlink, hard links, owner or mode refused
    config,            // invalid configuration (message names file, line, key)
    io,                // read/write failure
    corrupt,           // database or ciphertext failed an integrity check
    crypto,            // the crypto library failed
    busy,              // database still locked after busy_timeout
    unavailable,       // remote service unreachable
    internal,          // a bug: should never happen
};

struct Error {
    Errc code;
    std::string message;
};

template <class T>
class [[nodiscard]] Result {
public:
    Result(T value) : state_(std::move(value)) {}
    Result(Error error) : state_(std::move(error)) {}
    bool ok() const noexcept { return state_.index() == 0; }
    explicit operator bool() const noexcept { return ok(); }
    T& value() & { return std::get<0>(state_); }
    const T& value() const& { return std::get<0>(state_); }
    T&& value() && { return std::get<0>(std::move(state_)); }
    T* operator->() { return &value(); }
    const T* operator->() const { return &value(); }
    T& operator*() & { return value(); }
    const Error& error() const& { return std::get<1>(state_); }

private:
    std::variant<T, Error> state_;
};

template <>
class [[nodiscard]] Result<void> {
public:
    Result() = default;
    Result(Error error) : error_(std::move(error)), ok_(false) {}
    bool ok() const noexcept { return ok_; }
    explicit operator bool() const noexcept { return ok_; }
    const Error& error() const& { return error_; }

private:
    Error error_{Errc::internal, {}};
    bool ok_ = true;
};

inline Error make_error(Errc code, std::string message) { return Error{code, std::move(message)}; }

}  // namespace okey
