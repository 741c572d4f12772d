// SPDX-License-Identifier: Apache-2.0
// libotp/src/uri.cpp — otpauth:// URIs (Google Key URI format) for software keys.
//
// Format: otpauth://TYPE/LABEL?secret=B32&issuer=I&algorithm=A&digits=D&period=P
// (counter=C for HOTP); LABEL is "Issuer:account" or "account". The parser is
// strict because a URI may come from anywhere: bad input is URI_FORMAT, never
// a guess.
#include <okey/otp.h>

#include <openssl/crypto.h>

#include <cstdint>
#include <cstring>
#include <memory>
#include <string>
#include <string_view>

struct okey_otp_uri {
    okey_otp_uri_type type = OKEY_OTP_URI_TOTP;
    std::string issuer;
    std::string account;
    okey_otp_algorithm algorithm = OKEY_OTP_SHA1;
    unsigned digits = 6;
    unsigned period = 30;
    std::uint64_t counter = 0;
    std::uint8_t secret[OKEY_OTP_SECRET_MAX] = {};
    std::size_t secret_length = 0;

    ~okey_otp_uri() { OPENSSL_cleanse(secret, sizeof secret); }
};

namespace {

constexpr std::size_t kMaxUri = 2048;
constexpr unsigned kMaxPeriod = 86400;

bool is_control(unsigned char c) noexcept { return c < 0x20 || c == 0x7f; }

bool valid_algorithm(okey_otp_algorithm a) noexcept {
    return a == OKEY_OTP_SHA1 || a == OKEY_OTP_SHA256 || a == OKEY_OTP_SHA512;
}

const char* algorithm_name(okey_otp_algorithm a) noexcept {
    switch (a) {
    case OKEY_OTP_SHA256: return "SHA256";
    case OKEY_OTP_SHA512: return "SHA512";
    default: return "SHA1";
    }
}

// Writes into the caller's buffer; remembers running out of room and counts
// the length the whole URI would have.
struct Writer {
    char* out;
    std::size_t capacity;
    std::size_t at = 0;
    std::size_t total = 0;
    bool full = false;

    void put(char c) noexcept {
        ++total;
        if (full || at + 1 >= capacity) {  // keep room for the NUL
            full = true;
            return;
        }
        out[at++] = c;
    }
    void put(std::string_view s) noexcept {
        for (char c : s) put(c);
    }
    void put_encoded(std::string_view s) noexcept {
        static constexpr char kHex[] = "0123456789ABCDEF";
        for (char c : s) {
            const auto u = static_cast<unsigned char>(c);
            if ((u >= 'A' && u <= 'Z') || (u >= 'a' && u <= 'z') || (u >= '0' && u <= '9') ||
                u == '-' || u == '.' || u == '_' || u == '~') {
                put(c);
            } else {
                put('%');
                put(kHex[u >> 4]);
                put(kHex[u & 0x0f]);
            }
        }
    }
    void put_number(std::uint64_t n) noexcept {
        char digits[21];
        int i = 0;
        do {
            digits[i++] = static_cast<char>('0' + n % 10);
            n /= 10;
        } while (n > 0);
        while (i > 0) put(digits[--i]);
    }
};

int hex_value(char c) noexcept {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

// Well-formed UTF-8 (no overlongs, surrogates or code points past U+10FFFF).
bool valid_utf8(std::string_view s) noexcept {
    std::size_t i = 0;
    while (i < s.size()) {
        const auto c = static_cast<unsigned char>(s[i]);
        std::size_t extra = 0;
        std::uint32_t cp = 0;
        if (c < 0x80) { ++i; continue; }
        if (c >= 0xc2 && c <= 0xdf) { extra = 1; cp = c & 0x1f; }
        else if (c >= 0xe0 && c <= 0xef) { extra = 2; cp = c & 0x0f; }
        else if (c >= 0xf0 && c <= 0xf4) { extra = 3; cp = c & 0x07; }
        else return false;
        if (i + extra >= s.size()) return false;
        for (std::size_t k = 1; k <= extra; ++k) {
            const auto d = static_cast<unsigned char>(s[i + k]);
            if ((d & 0xc0) != 0x80) return false;
            cp = (cp << 6) | (d & 0x3f);
        }
        if ((extra == 2 && (cp < 0x800 || (cp >= 0xd800 && cp <= 0xdfff))) ||
            (extra == 3 && (cp < 0x10000 || cp > 0x10ffff)))
            return false;
        i += extra + 1;
    }
    return true;
}

// An issuer or account as both the builder and the parser accept it: UTF-8
// without control characters or ':' (the label's separator); an account is not
// empty and does not start with a space (spaces after the separator are the
// format's padding).
bool acceptable_field(std::string_view s, bool account) noexcept {
    if (s.size() > kMaxUri || (account && (s.empty() || s[0] == ' '))) return false;
    for (char c : s)
        if (is_control(static_cast<unsigned char>(c)) || c == ':') return false;
    return valid_utf8(s);
}

// Percent-decodes `in` into `out`; false on a bad escape, a control character
// or invalid UTF-8 in the result.
bool decode(std::string_view in, std::string& out) {
    out.clear();
    out.reserve(in.size());
    for (std::size_t i = 0; i < in.size(); ++i) {
        char c = in[i];
        if (c == '%') {
            if (i + 2 >= in.size()) return false;
            const int high = hex_value(in[i + 1]), low = hex_value(in[i + 2]);
            if (high < 0 || low < 0) return false;
            c = static_cast<char>((high << 4) | low);
            i += 2;
        }
        if (is_control(static_cast<unsigned char>(c))) return false;
        out.push_back(c);
    }
    return valid_utf8(out);
}

bool equal_nocase(std::string_view a, std::string_view b) noexcept {
    if (a.size() != b.size()) return false;
    for (std::size_t i = 0; i < a.size(); ++i) {
        char x = a[i], y = b[i];
        if (x >= 'A' && x <= 'Z') x = static_cast<char>(x - 'A' + 'a');
        if (y >= 'A' && y <= 'Z') y = static_cast<char>(y - 'A' + 'a');
        if (x != y) return false;
    }
    return true;
}

// Decimal digits only (1 to 20 of them), no overflow.
bool parse_number(std::string_view s, std::uint64_t* value) noexcept {
    if (s.empty() || s.size() > 20) return false;
    std::uint64_t v = 0;
    for (char c : s) {
        if (c < '0' || c > '9') return false;
        const auto digit = static_cast<std::uint64_t>(c - '0');
        if (v > (UINT64_MAX - digit) / 10) return false;
        v = v * 10 + digit;
    }
    *value = v;
    return true;
}

// Wipes a std::string's characters (it held a secret).
struct WipeOnExit {
    std::string& text;
    ~WipeOnExit() { OPENSSL_cleanse(text.data(), text.size()); }
};

int parse(std::string_view uri, okey_otp_uri& result) {
    if (uri.size() > kMaxUri) return OKEY_OTP_ERR_URI_FORMAT;
    for (char c : uri) {
        const auto u = static_cast<unsigned char>(c);
        if (u <= 0x20 || u >= 0x7f || c == '#') return OKEY_OTP_ERR_URI_FORMAT;
    }
    constexpr std::string_view kScheme = "otpauth://";
    if (uri.size() < kScheme.size() || !equal_nocase(uri.substr(0, kScheme.size()), kScheme))
        return OKEY_OTP_ERR_URI_FORMAT;
    uri.remove_prefix(kScheme.size());
    const std::size_t slash = uri.find('/');
    if (slash == std::string_view::npos) return OKEY_OTP_ERR_URI_FORMAT;
    const std::string_view type = uri.substr(0, slash);
    if (equal_nocase(type, "totp")) result.type = OKEY_OTP_URI_TOTP;
    else if (equal_nocase(type, "hotp")) result.type = OKEY_OTP_URI_HOTP;
    else return OKEY_OTP_ERR_URI_FORMAT;
    uri.remove_prefix(slash + 1);

    const std::size_t question = uri.find('?');
    const std::string_view raw_label = uri.substr(0, question);
    std::string_view query =
        question == std::string_view::npos ? std::string_view{} : uri.substr(question + 1);

    std::string label;
    if (raw_label.empty() || !decode(raw_label, label)) return OKEY_OTP_ERR_URI_FORMAT;
    std::string label_issuer;
    bool label_has_issuer = false;
    const std::size_t colon = label.find(':');
    if (colon != std::string::npos) {
        label_has_issuer = true;
        label_issuer = label.substr(0, colon);
        std::size_t start = colon + 1;
        while (start < label.size() && label[start] == ' ') ++start;  // "Issuer: account"
        result.account = label.substr(start);
    } else {
        result.account = label;
    }
    if (!acceptable_field(result.account, true) ||
        (label_has_issuer && (label_issuer.empty() || !acceptable_field(label_issuer, false))))
        return OKEY_OTP_ERR_URI_FORMAT;

    bool seen_secret = false, seen_issuer = false, seen_algorithm = false, seen_digits = false,
         seen_period = false, seen_counter = false;
    std::string value;
    value.reserve(query.size());  // never reallocated: no unwiped copy of the secret
    WipeOnExit wipe_value{value};
    while (!query.empty()) {
        const std::size_t amp = query.find('&');
        const std::string_view pair = query.substr(0, amp);
        query = amp == std::string_view::npos ? std::string_view{} : query.substr(amp + 1);
        if (amp != std::string_view::npos && query.empty()) return OKEY_OTP_ERR_URI_FORMAT;
        const std::size_t equals = pair.find('=');
        if (pair.empty() || equals == std::string_view::npos || equals == 0)
            return OKEY_OTP_ERR_URI_FORMAT;
        const std::string_view name = pair.substr(0, equals);
        if (!decode(pair.substr(equals + 1), value)) return OKEY_OTP_ERR_URI_FORMAT;
        std::uint64_t number = 0;
        if (name == "secret") {
            if (seen_secret) return OKEY_OTP_ERR_URI_FORMAT;
            seen_secret = true;
            std::size_t written = 0;
            const bool decoded = value.find(' ') == std::string::npos &&
                                 okey_otp_base32_decode(value.data(), value.size(), result.secret,
                                                        sizeof result.secret, &written) == OKEY_OTP_OK;
            OPENSSL_cleanse(value.data(), value.size());
            if (!decoded || written < OKEY_OTP_SECRET_MIN) return OKEY_OTP_ERR_URI_FORMAT;
            result.secret_length = written;
        } else if (name == "issuer") {
            if (seen_issuer) return OKEY_OTP_ERR_URI_FORMAT;
            seen_issuer = true;
            if (!acceptable_field(value, false)) return OKEY_OTP_ERR_URI_FORMAT;
            result.issuer = value;
        } else if (name == "algorithm") {
            if (seen_algorithm) return OKEY_OTP_ERR_URI_FORMAT;
            seen_algorithm = true;
            if (equal_nocase(value, "SHA1")) result.algorithm = OKEY_OTP_SHA1;
            else if (equal_nocase(value, "SHA256")) result.algorithm = OKEY_OTP_SHA256;
            else if (equal_nocase(value, "SHA512")) result.algorithm = OKEY_OTP_SHA512;
            else return OKEY_OTP_ERR_URI_FORMAT;
        } else if (name == "digits") {
            if (seen_digits || (value != "6" && value != "8")) return OKEY_OTP_ERR_URI_FORMAT;
            seen_digits = true;
            result.digits = value == "6" ? 6u : 8u;
        } else if (name == "period") {
            if (seen_period || !parse_number(value, &number) || number == 0 || number > kMaxPeriod)
                return OKEY_OTP_ERR_URI_FORMAT;
            seen_period = true;
            result.period = static_cast<unsigned>(number);
        } else if (name == "counter") {
            if (seen_counter || !parse_number(value, &number)) return OKEY_OTP_ERR_URI_FORMAT;
            seen_counter = true;
            result.counter = number;
        }  // other parameters (image, color…) are not ours: ignored
    }
    if (!seen_secret || (result.type == OKEY_OTP_URI_HOTP && !seen_counter))
        return OKEY_OTP_ERR_URI_FORMAT;
    if (label_has_issuer) {
        if (seen_issuer && result.issuer != label_issuer) return OKEY_OTP_ERR_URI_FORMAT;
        result.issuer = label_issuer;
    }
    return OKEY_OTP_OK;
}

}  // namespace

extern "C" {

int okey_otp_uri_build(const okey_otp_uri_fields* fields, char* out, size_t capacity,
                       size_t* written) {
    if (written != nullptr) *written = 0;
    if (fields == nullptr || out == nullptr || fields->account == nullptr ||
        fields->account[0] == '\0' || fields->secret == nullptr ||
        (fields->type != OKEY_OTP_URI_TOTP && fields->type != OKEY_OTP_URI_HOTP) ||
        !valid_algorithm(fields->algorithm) || (fields->digits != 6 && fields->digits != 8) ||
        (fields->type == OKEY_OTP_URI_TOTP && (fields->period == 0 || fields->period > kMaxPeriod)))
        return OKEY_OTP_ERR_INVALID_ARGUMENT;
    if (fields->secret_length < OKEY_OTP_SECRET_MIN || fields->secret_length > OKEY_OTP_SECRET_MAX)
        return OKEY_OTP_ERR_SECRET_LENGTH;
    const char* issuer = fields->issuer != nullptr ? fields->issuer : "";
    if (!acceptable_field(issuer, false) || !acceptable_field(fields->account, true))
        return OKEY_OTP_ERR_INVALID_ARGUMENT;

    char secret[(OKEY_OTP_SECRET_MAX + 4) / 5 * 8 + 1];
    std::size_t secret_chars = 0;
    if (okey_otp_base32_encode(fields->secret, fields->secret_length, secret, sizeof secret,
                               &secret_chars) != OKEY_OTP_OK)
        return OKEY_OTP_ERR_INVALID_ARGUMENT;
    while (secret_chars > 0 && secret[secret_chars - 1] == '=') --secret_chars;  // unpadded

    Writer w{out, capacity};
    w.put(fields->type == OKEY_OTP_URI_TOTP ? "otpauth://totp/" : "otpauth://hotp/");
    if (issuer[0] != '\0') {
        w.put_encoded(issuer);
        w.put(':');
    }
    w.put_encoded(fields->account);
    w.put("?secret=");
    w.put(std::string_view(secret, secret_chars));
    OPENSSL_cleanse(secret, sizeof secret);
    if (issuer[0] != '\0') {
        w.put("&issuer=");
        w.put_encoded(issuer);
    }
    w.put("&algorithm=");
    w.put(algorithm_name(fields->algorithm));
    w.put("&digits=");
    w.put_number(fields->digits);
    if (fields->type == OKEY_OTP_URI_TOTP) {
        w.put("&period=");
        w.put_number(fields->period);
    } else {
        w.put("&counter=");
        w.put_number(fields->counter);
    }
    if (w.total > kMaxUri || w.full || capacity == 0) {
        OPENSSL_cleanse(out, capacity);
        // Longer than okey_otp_uri_parse reads is a refusal, not a buffer size.
        return w.total > kMaxUri ? OKEY_OTP_ERR_INVALID_ARGUMENT : OKEY_OTP_ERR_BUFFER_TOO_SMALL;
    }
    out[w.at] = '\0';
    if (written != nullptr) *written = w.at;
    return OKEY_OTP_OK;
}

int okey_otp_uri_parse(const char* uri, size_t length, okey_otp_uri** parsed) {
    if (parsed == nullptr) return OKEY_OTP_ERR_INVALID_ARGUMENT;
    *parsed = nullptr;
    if (uri == nullptr && length > 0) return OKEY_OTP_ERR_INVALID_ARGUMENT;
    if (length == 0) return OKEY_OTP_ERR_URI_FORMAT;  // also (NULL, 0)
    try {
        auto result = std::make_unique<okey_otp_uri>();
        const int rc = parse(std::string_view(uri, length), *result);
        if (rc != OKEY_OTP_OK) return rc;
        // Only what builds again within kMaxUri (an issuer from the label is
        // written twice): parse → build → parse then gives the same fields.
        okey_otp_uri_fields fields;
        okey_otp_uri_get(result.get(), &fields);
        char rebuilt[kMaxUri + 1];
        const int built = okey_otp_uri_build(&fields, rebuilt, sizeof rebuilt, nullptr);
        OPENSSL_cleanse(rebuilt, sizeof rebuilt);
        if (built != OKEY_OTP_OK) return OKEY_OTP_ERR_URI_FORMAT;
        *parsed = result.release();
        return OKEY_OTP_OK;
    } catch (...) {  // std::bad_alloc from the strings: nothing else throws
        return OKEY_OTP_ERR_NO_MEMORY;
    }
}

void okey_otp_uri_free(okey_otp_uri* parsed) { delete parsed; }

void okey_otp_uri_get(const okey_otp_uri* parsed, okey_otp_uri_fields* fields) {
    if (fields == nullptr) return;
    *fields = okey_otp_uri_fields{};
    if (parsed == nullptr) return;
    fields->type = parsed->type;
    fields->issuer = parsed->issuer.c_str();
    fields->account = parsed->account.c_str();
    fields->secret = parsed->secret;
    fields->secret_length = parsed->secret_length;
    fields->algorithm = parsed->algorithm;
    fields->digits = parsed->digits;
    fields->period = parsed->period;
    fields->counter = parsed->counter;
}

}  // extern "C"
