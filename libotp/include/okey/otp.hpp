// SPDX-License-Identifier: Apache-2.0
// okey/otp.hpp — header-only C++20 wrapper over okey/otp.h: RAII handles,
// string_view / span parameters, wiping buffers. No exceptions: operations
// return okey::otp::Result<T> (a value or an okey_otp_error).
#ifndef OKEY_OTP_HPP
#define OKEY_OTP_HPP

#include <okey/otp.h>

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace okey::otp {

// An allocator that wipes what it frees: the storage of every secret buffer.
template <class T>
struct WipingAllocator {
    using value_type = T;
    WipingAllocator() noexcept = default;
    template <class U>
    WipingAllocator(const WipingAllocator<U>&) noexcept {}
    T* allocate(std::size_t n) { return std::allocator<T>{}.allocate(n); }
    void deallocate(T* p, std::size_t n) noexcept {
        okey_otp_wipe(p, n * sizeof(T));
        std::allocator<T>{}.deallocate(p, n);
    }
    template <class U>
    bool operator==(const WipingAllocator<U>&) const noexcept { return true; }
};

// Bytes of a secret (key seed, derived key). Heap only: no small-buffer copy
// that a destructor would miss.
using SecretBytes = std::vector<std::uint8_t, WipingAllocator<std::uint8_t>>;

// Text that is secret (PIN, code, passcode). Wiped when destroyed or cleared.
class SecretString {
public:
    SecretString() = default;
    explicit SecretString(std::string_view text) : chars_(text.begin(), text.end()) {}
    std::string_view view() const noexcept { return {chars_.data(), chars_.size()}; }
    std::size_t size() const noexcept { return chars_.size(); }
    bool empty() const noexcept { return chars_.empty(); }
    void clear() noexcept { SecretChars{}.swap(chars_); }

private:
    using SecretChars = std::vector<char, WipingAllocator<char>>;
    SecretChars chars_;
};

inline bool equal_constant_time(std::string_view a, std::string_view b) noexcept {
    return a.size() == b.size() && okey_otp_memequal(a.data(), b.data(), a.size()) == 1;
}

inline std::string_view error_text(int error) noexcept { return okey_otp_strerror(error); }

// A value or an okey_otp_error (negative). `error()` is OKEY_OTP_OK on success.
template <class T>
class [[nodiscard]] Result {
public:
    Result(T value) : value_(std::move(value)), error_(OKEY_OTP_OK) {}
    static Result failure(int error) { return Result(error); }
    bool ok() const noexcept { return error_ == OKEY_OTP_OK; }
    explicit operator bool() const noexcept { return ok(); }
    int error() const noexcept { return error_; }
    T& value() & { return value_; }
    const T& value() const& { return value_; }
    T&& value() && { return std::move(value_); }
    T* operator->() { return &value_; }
    const T* operator->() const { return &value_; }

private:
    explicit Result(int error) : value_{}, error_(error) {}
    T value_;
    int error_;
};

using Algorithm = okey_otp_algorithm;
using Match = okey_otp_match;
using Window = okey_otp_window;
using TokenState = okey_otp_token_state;
using PinPolicy = okey_otp_pin_policy;
using Argon2Params = okey_otp_argon2_params;
using PasscodeRules = okey_otp_passcode_rules;

struct Code {
    char digits[OKEY_OTP_CODE_BUFFER] = {};
    std::string_view view() const noexcept { return digits; }
    ~Code() { okey_otp_wipe(digits, sizeof digits); }
};

// A key with its keyed HMAC: move-only, frees (and wipes) on destruction.
class Key {
public:
    static Result<Key> make(std::span<const std::uint8_t> secret, Algorithm algorithm,
                            unsigned digits, unsigned period) {
        okey_otp_key* raw = nullptr;
        int rc = okey_otp_key_new(&raw, secret.data(), secret.size(), algorithm, digits, period);
        if (rc != OKEY_OTP_OK) return Result<Key>::failure(rc);
        return Key(raw);
    }
    Key() = default;
    unsigned digits() const noexcept { return okey_otp_key_digits(handle_.get()); }
    unsigned period() const noexcept { return okey_otp_key_period(handle_.get()); }
    const okey_otp_key* get() const noexcept { return handle_.get(); }

    Result<Code> hotp(std::uint64_t counter) const {
        Code code;
        int rc = okey_otp_hotp(handle_.get(), counter, code.digits);
        if (rc != OKEY_OTP_OK) return Result<Code>::failure(rc);
        return code;
    }
    Result<Code> totp(std::int64_t unix_time) const {
        Code code;
        int rc = okey_otp_totp(handle_.get(), unix_time, code.digits);
        if (rc != OKEY_OTP_OK) return Result<Code>::failure(rc);
        return code;
    }
    Result<std::uint64_t> step_at(std::int64_t unix_time) const {
        std::uint64_t step = 0;
        int rc = okey_otp_totp_step(handle_.get(), unix_time, &step);
        if (rc != OKEY_OTP_OK) return Result<std::uint64_t>::failure(rc);
        return step;
    }
    Result<Match> verify(std::string_view code, std::int64_t unix_time, const Window& window,
                         const TokenState& state) const {
        Match match{};
        int rc = okey_otp_verify(handle_.get(), code.data(), code.size(), unix_time, &window,
                                 &state, &match);
        if (rc != OKEY_OTP_OK) return Result<Match>::failure(rc);
        return match;
    }
    Result<bool> verify_step(std::string_view code, std::uint64_t step) const {
        int equal = 0;
        int rc = okey_otp_verify_step(handle_.get(), code.data(), code.size(), step, &equal);
        if (rc != OKEY_OTP_OK) return Result<bool>::failure(rc);
        return equal == 1;
    }
    Result<Match> resync(std::string_view code1, std::string_view code2, std::int64_t unix_time,
                         unsigned search_steps) const {
        Match match{};
        int rc = okey_otp_resync(handle_.get(), code1.data(), code1.size(), code2.data(),
                                 code2.size(), unix_time, search_steps, &match);
        if (rc != OKEY_OTP_OK) return Result<Match>::failure(rc);
        return match;
    }

private:
    struct Free {
        void operator()(okey_otp_key* k) const noexcept { okey_otp_key_free(k); }
    };
    explicit Key(okey_otp_key* raw) : handle_(raw) {}
    std::unique_ptr<okey_otp_key, Free> handle_;
};

// The PIN and code of a parsed passcode, as views into the caller's text.
struct Passcode {
    std::string_view pin;
    std::string_view code;
};

inline Result<Passcode> parse_passcode(std::string_view passcode, const PasscodeRules& rules) {
    std::size_t pin_length = 0;
    int rc = okey_otp_passcode_parse(passcode.data(), passcode.size(), &rules, &pin_length);
    if (rc != OKEY_OTP_OK) return Result<Passcode>::failure(rc);
    return Passcode{passcode.substr(0, pin_length), passcode.substr(pin_length)};
}

inline int check_pin(const PinPolicy& policy, std::string_view pin) {
    return okey_otp_pin_check(&policy, pin.data(), pin.size());
}

inline Result<std::string> hash_pin(const Argon2Params& params, std::string_view pin) {
    char phc[OKEY_OTP_PHC_BUFFER] = {};
    int rc = okey_otp_pin_hash(&params, pin.data(), pin.size(), phc, sizeof phc);
    if (rc != OKEY_OTP_OK) return Result<std::string>::failure(rc);
    return std::string(phc);
}

// OKEY_OTP_OK, OKEY_OTP_ERR_PIN_MISMATCH or OKEY_OTP_ERR_HASH_FORMAT.
inline int verify_pin(const std::string& phc, std::string_view pin) {
    return okey_otp_pin_verify(phc.c_str(), pin.data(), pin.size());
}

inline Result<bool> pin_needs_rehash(const std::string& phc, const Argon2Params& params) {
    int needs = 0;
    int rc = okey_otp_pin_needs_rehash(phc.c_str(), &params, &needs);
    if (rc != OKEY_OTP_OK) return Result<bool>::failure(rc);
    return needs == 1;
}

inline Result<std::string> base32_encode(std::span<const std::uint8_t> data) {
    std::string out((data.size() + 4) / 5 * 8 + 1, '\0');
    std::size_t written = 0;
    int rc = okey_otp_base32_encode(data.data(), data.size(), out.data(), out.size(), &written);
    if (rc != OKEY_OTP_OK) return Result<std::string>::failure(rc);
    out.resize(written);
    return out;
}

inline Result<SecretBytes> base32_decode(std::string_view text) {
    SecretBytes out(text.size() * 5 / 8 + 1);
    std::size_t written = 0;
    int rc = okey_otp_base32_decode(text.data(), text.size(), out.data(), out.size(), &written);
    if (rc != OKEY_OTP_OK) return Result<SecretBytes>::failure(rc);
    out.resize(written);
    return out;
}

inline Result<std::string> hex_encode(std::span<const std::uint8_t> data) {
    std::string out(data.size() * 2 + 1, '\0');
    std::size_t written = 0;
    int rc = okey_otp_hex_encode(data.data(), data.size(), out.data(), out.size(), &written);
    if (rc != OKEY_OTP_OK) return Result<std::string>::failure(rc);
    out.resize(written);
    return out;
}

inline Result<SecretBytes> hex_decode(std::string_view text) {
    SecretBytes out(text.size() / 2 + 1);
    std::size_t written = 0;
    int rc = okey_otp_hex_decode(text.data(), text.size(), out.data(), out.size(), &written);
    if (rc != OKEY_OTP_OK) return Result<SecretBytes>::failure(rc);
    out.resize(written);
    return out;
}

struct UriFields {
    okey_otp_uri_type type = OKEY_OTP_URI_TOTP;
    std::string issuer;
    std::string account;
    SecretBytes secret;
    Algorithm algorithm = OKEY_OTP_SHA1;
    unsigned digits = 6;
    unsigned period = 30;
    std::uint64_t counter = 0;
};

inline Result<std::string> build_uri(const UriFields& f) {
    okey_otp_uri_fields raw{f.type, f.issuer.c_str(), f.account.c_str(), f.secret.data(),
                            f.secret.size(), f.algorithm, f.digits, f.period, f.counter};
    std::string out(512 + f.issuer.size() * 6 + f.account.size() * 3 + f.secret.size() * 2, '\0');
    std::size_t written = 0;
    int rc = okey_otp_uri_build(&raw, out.data(), out.size(), &written);
    if (rc != OKEY_OTP_OK) return Result<std::string>::failure(rc);
    out.resize(written);
    return out;
}

inline Result<UriFields> parse_uri(std::string_view uri) {
    okey_otp_uri* raw_handle = nullptr;
    int rc = okey_otp_uri_parse(uri.data(), uri.size(), &raw_handle);
    if (rc != OKEY_OTP_OK) return Result<UriFields>::failure(rc);
    struct Free {
        void operator()(okey_otp_uri* u) const noexcept { okey_otp_uri_free(u); }
    };
    std::unique_ptr<okey_otp_uri, Free> parsed(raw_handle);  // freed even if a copy throws
    okey_otp_uri_fields raw{};
    okey_otp_uri_get(parsed.get(), &raw);
    UriFields f;
    f.type = raw.type;
    f.issuer = raw.issuer ? raw.issuer : "";
    f.account = raw.account ? raw.account : "";
    f.secret.assign(raw.secret, raw.secret + raw.secret_length);
    f.algorithm = raw.algorithm;
    f.digits = raw.digits;
    f.period = raw.period;
    f.counter = raw.counter;
    return f;
}

}  // namespace okey::otp

#endif  // OKEY_OTP_HPP
