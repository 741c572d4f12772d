// SPDX-License-Identifier: Apache-2.0
// tests/fuzz/fuzz_support.hpp — what every fuzz target shares: a byte reader
// that carves parameters out of the input, exact-size heap copies (so that
// AddressSanitizer sees any read one byte past the end), and a check that
// aborts — libFuzzer records the input — when an invariant breaks.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>
#include <string_view>

namespace okey::fuzz {

// An invariant of the code under test did not hold: report and crash.
[[noreturn]] inline void fail(const char* what) {
    std::fprintf(stderr, "fuzz invariant broken: %s\n", what);
    std::abort();
}

inline void check(bool condition, const char* what) {
    if (!condition) fail(what);
}

// The input copied to a heap block of exactly its size (no terminator).
class ExactCopy {
public:
    ExactCopy(const std::uint8_t* data, std::size_t size)
        : bytes_(new char[size == 0 ? 1 : size]), size_(size) {
        for (std::size_t i = 0; i < size; ++i) bytes_[i] = static_cast<char>(data[i]);
    }
    const char* data() const { return bytes_.get(); }
    std::size_t size() const { return size_; }
    std::string_view view() const { return {bytes_.get(), size_}; }

private:
    std::unique_ptr<char[]> bytes_;
    std::size_t size_;
};

// Takes parameters from the front of the input; what is left is the payload.
class Reader {
public:
    Reader(const std::uint8_t* data, std::size_t size) : data_(data), size_(size) {}
    std::uint8_t byte() {
        if (size_ == 0) return 0;
        --size_;
        return *data_++;
    }
    std::uint64_t u64() {
        std::uint64_t value = 0;
        for (int i = 0; i < 8; ++i) value = (value << 8) | byte();
        return value;
    }
    // Up to `max` bytes up to (not including) the next NUL, which is consumed.
    std::string text(std::size_t max) {
        std::string out;
        while (size_ > 0 && out.size() < max) {
            std::uint8_t b = byte();
            if (b == 0) break;
            out.push_back(static_cast<char>(b));
        }
        return out;
    }
    const std::uint8_t* rest() const { return data_; }
    std::size_t rest_size() const { return size_; }

private:
    const std::uint8_t* data_;
    std::size_t size_;
};

}  // namespace okey::fuzz
