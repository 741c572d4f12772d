// SPDX-License-Identifier: Apache-2.0
// tests/store/support.hpp — what the store suite's tests share: cmocka,
// a private temporary directory removed at the end, small file helpers.
#pragma once

#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <string>
#include <string_view>
#include <sys/stat.h>
#include <unistd.h>

// cmocka last: it defines a fail() macro that breaks <ios> included after it.
// Test files include this header after every other one.
#include <cstdarg>
#include <cstddef>
#include <cstdint>
#include <csetjmp>
extern "C" {
#include <cmocka.h>
}

namespace test {

// A fresh directory under $TMPDIR (or /tmp), 0700, removed with its content.
class TempDir {
public:
    TempDir() {
        const char* base = std::getenv("TMPDIR");
        std::string pattern = std::string(base && *base ? base : "/tmp") + "/okey-store-XXXXXX";
        char* made = ::mkdtemp(pattern.data());
        if (!made) std::abort();
        path_ = made;
    }
    ~TempDir() {
        std::error_code ignored;
        std::filesystem::remove_all(path_, ignored);
    }
    TempDir(const TempDir&) = delete;
    TempDir& operator=(const TempDir&) = delete;
    const std::string& path() const { return path_; }
    std::string operator/(std::string_view name) const { return path_ + "/" + std::string(name); }

private:
    std::string path_;
};

inline void write_file(const std::string& path, std::string_view content, mode_t mode) {
    {
        std::ofstream out(path, std::ios::binary | std::ios::trunc);
        out.write(content.data(), static_cast<std::streamsize>(content.size()));
    }
    if (::chmod(path.c_str(), mode) != 0) std::abort();
}

inline bool contains(std::string_view text, std::string_view part) {
    return text.find(part) != std::string_view::npos;
}

}  // namespace test

// Assert that `text` contains `part`, printing both when it does not.
#define assert_contains(text, part)                                                      \
    do {                                                                                 \
        std::string okey_t_(text);                                                       \
        if (!test::contains(okey_t_, part)) {                                            \
            print_error("\"%s\" does not contain \"%s\"\n", okey_t_.c_str(),             \
                        std::string(part).c_str());                                      \
            fail();                                                                      \
        }                                                                                \
    } while (0)
