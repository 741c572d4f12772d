// SPDX-License-Identifier: Apache-2.0
// engine/local/flow_state.cpp — the text form of a FlowState and its seal.
// The reader refuses anything the writer would not have written, so that
// every accepted text has exactly one meaning (and fuzzing can check it).
#include "engine/local/flow_state.hpp"

#include "engine/key_serial.hpp"

#include <okey/otp.hpp>

#include <openssl/evp.h>

#include <array>
#include <charconv>
#include <limits>

namespace okey {
namespace {

constexpr std::string_view version = "1";
constexpr std::string_view mac_field = ";mac=";
constexpr std::size_t mac_bytes = 32;
constexpr std::size_t login_max_bytes = 256;  // the PAM module's cap on logins
constexpr std::size_t pin_hash_max_length = 160;
constexpr unsigned max_pin_tries = 3;
// Bound to the purpose, so the key's HMAC is never asked the same question elsewhere.
constexpr std::string_view mac_label = "okey login-flow state\n";

constexpr std::array<std::pair<FlowPhase, std::string_view>, 6> phase_names{{
    {FlowPhase::passcode, "passcode"},
    {FlowPhase::next_code, "next_code"},
    {FlowPhase::new_pin_code, "new_pin_code"},
    {FlowPhase::new_pin_choose, "new_pin_choose"},
    {FlowPhase::new_pin_confirm, "new_pin_confirm"},
    {FlowPhase::new_pin_final, "new_pin_final"},
}};

constexpr std::array<std::pair<Decoy, std::string_view>, 3> decoy_names{{
    {Decoy::none, "none"},
    {Decoy::unknown_login, "unknown_login"},
    {Decoy::no_key, "no_key"},
}};

std::string_view to_string(Decoy decoy) {
    for (const auto& [value, name] : decoy_names)
        if (value == decoy) return name;
    return "none";
}

bool plain_login_byte(unsigned char c) {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
           c == '.' || c == '_' || c == '-' || c == '@' || c == '+';
}

constexpr char upper_hex[] = "0123456789ABCDEF";

std::string escape_login(std::string_view login) {
    std::string out;
    for (unsigned char c : login) {
        if (plain_login_byte(c)) {
            out.push_back(static_cast<char>(c));
        } else {
            out.push_back('%');
            out.push_back(upper_hex[c >> 4]);
            out.push_back(upper_hex[c & 0x0F]);
        }
    }
    return out;
}

int hex_value(char c, std::string_view digits) {
    for (std::size_t i = 0; i < 16; ++i)
        if (digits[i] == c) return static_cast<int>(i);
    return -1;
}

// Canonical only: plain bytes as themselves, every other byte as %XX (upper case).
Result<std::string> unescape_login(std::string_view text) {
    std::string login;
    for (std::size_t i = 0; i < text.size(); ++i) {
        const auto c = static_cast<unsigned char>(text[i]);
        if (plain_login_byte(c)) {
            login.push_back(static_cast<char>(c));
            continue;
        }
        if (c != '%' || text.size() - i < 3) return make_error(Errc::corrupt, "login escape");
        const int high = hex_value(text[i + 1], upper_hex);
        const int low = hex_value(text[i + 2], upper_hex);
        if (high < 0 || low < 0) return make_error(Errc::corrupt, "login escape");
        const auto byte = static_cast<unsigned char>(high * 16 + low);
        if (plain_login_byte(byte)) return make_error(Errc::corrupt, "login escape");
        login.push_back(static_cast<char>(byte));
        i += 2;
    }
    if (login.empty() || login.size() > login_max_bytes)
        return make_error(Errc::corrupt, "login length");
    return login;
}

// Decimal, no sign, no leading zero (but "0"), within max.
Result<std::uint64_t> read_number(std::string_view text, std::uint64_t max) {
    if (text.empty() || text.size() > 20 || (text.size() > 1 && text[0] == '0'))
        return make_error(Errc::corrupt, "number");
    std::uint64_t value = 0;
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (ec != std::errc() || end != text.data() + text.size() || value > max)
        return make_error(Errc::corrupt, "number");
    return value;
}

// A PHC string as libotp writes them; libotp itself judges the rest.
bool plausible_pin_hash(std::string_view text) {
    if (!text.starts_with("$argon2id$v=19$") || text.size() > pin_hash_max_length) return false;
    for (unsigned char c : text) {
        const bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                        c == '$' || c == '=' || c == ',' || c == '+' || c == '/';
        if (!ok) return false;
    }
    return true;
}

// The fields a phase uses, and no others (unused ones are zero or empty).
bool fits_phase(const FlowState& s) {
    const bool decoy = s.decoy != Decoy::none;
    if (decoy != s.serial.empty()) return false;
    if (decoy && s.phase != FlowPhase::passcode) return false;
    const bool choosing = s.phase == FlowPhase::new_pin_choose || s.phase == FlowPhase::new_pin_confirm;
    const bool burnt = choosing || s.phase == FlowPhase::new_pin_final;
    const bool hashed = s.phase == FlowPhase::new_pin_confirm ||
                        s.phase == FlowPhase::new_pin_final || s.phase == FlowPhase::next_code;
    const bool stepped = burnt || s.phase == FlowPhase::next_code;
    if (stepped != (s.step != 0)) return false;
    if (choosing != (s.pin_tries != 0)) return false;
    if (hashed != !s.pin_hash.empty()) return false;
    return s.pin_tries <= max_pin_tries && s.started > 0;
}

std::array<unsigned char, mac_bytes> mac_of(std::string_view body,
                                            std::span<const std::uint8_t> key) {
    std::array<unsigned char, mac_bytes> mac{};
    std::string message(mac_label);
    message += body;
    std::size_t written = 0;
    // An empty key is refused by OpenSSL: the label stands in (decoy states).
    const std::span<const std::uint8_t> used =
        key.empty() ? std::span<const std::uint8_t>(
                          reinterpret_cast<const std::uint8_t*>(mac_label.data()), mac_label.size())
                    : key;
    if (EVP_Q_mac(nullptr, "HMAC", nullptr, "SHA256", nullptr, used.data(), used.size(),
                  reinterpret_cast<const unsigned char*>(message.data()), message.size(),
                  mac.data(), mac.size(), &written) == nullptr ||
        written != mac.size())
        mac.fill(0);  // matches no seal that was made
    return mac;
}

std::string lower_hex(std::span<const unsigned char> bytes) {
    static constexpr char digits[] = "0123456789abcdef";
    std::string out;
    for (unsigned char b : bytes) {
        out.push_back(digits[b >> 4]);
        out.push_back(digits[b & 0x0F]);
    }
    return out;
}

// Reads "name=value;" fields in a fixed order.
class FieldReader {
public:
    explicit FieldReader(std::string_view text) : rest_(text) {}
    Result<std::string_view> next(std::string_view name, bool last = false) {
        if (!rest_.starts_with(name) || rest_.size() <= name.size() || rest_[name.size()] != '=')
            return make_error(Errc::corrupt, "flow state: expected " + std::string(name));
        rest_.remove_prefix(name.size() + 1);
        const std::size_t end = last ? rest_.size() : rest_.find(';');
        if (end == std::string_view::npos)
            return make_error(Errc::corrupt, "flow state: truncated at " + std::string(name));
        std::string_view value = rest_.substr(0, end);
        rest_.remove_prefix(last ? end : end + 1);
        return value;
    }

private:
    std::string_view rest_;
};

template <class T, std::size_t N>
Result<T> named(const std::array<std::pair<T, std::string_view>, N>& names, std::string_view text) {
    for (const auto& [value, name] : names)
        if (name == text) return value;
    return make_error(Errc::corrupt, "flow state: unknown name");
}

Result<FlowState> parse_body(std::string_view body) {
    FieldReader fields(body);
    auto v = fields.next("okey-flow");
    if (!v || v.value() != version) return make_error(Errc::corrupt, "flow state: version");
    FlowState s;
    auto phase = fields.next("phase");
    if (!phase) return phase.error();
    auto phase_value = named(phase_names, phase.value());
    if (!phase_value) return phase_value.error();
    s.phase = phase_value.value();
    auto login = fields.next("login");
    if (!login) return login.error();
    auto login_value = unescape_login(login.value());
    if (!login_value) return login_value.error();
    s.login = std::move(login_value.value());
    auto serial = fields.next("serial");
    if (!serial) return serial.error();
    if (!serial->empty() && !check_serial(serial.value()))
        return make_error(Errc::corrupt, "flow state: serial");
    s.serial = std::string(serial.value());
    auto decoy = fields.next("decoy");
    if (!decoy) return decoy.error();
    auto decoy_value = named(decoy_names, decoy.value());
    if (!decoy_value) return decoy_value.error();
    s.decoy = decoy_value.value();
    auto step = fields.next("step");
    if (!step) return step.error();
    // Far above any TOTP step, and next_code's step + 1 stays a valid int64_t.
    auto step_value = read_number(step.value(), std::numeric_limits<std::int64_t>::max() - 1);
    if (!step_value) return step_value.error();
    s.step = step_value.value();
    auto tries = fields.next("tries");
    if (!tries) return tries.error();
    auto tries_value = read_number(tries.value(), max_pin_tries);
    if (!tries_value) return tries_value.error();
    s.pin_tries = static_cast<unsigned>(tries_value.value());
    auto started = fields.next("started");
    if (!started) return started.error();
    auto started_value = read_number(started.value(), std::numeric_limits<std::int64_t>::max());
    if (!started_value) return started_value.error();
    s.started = static_cast<std::int64_t>(started_value.value());
    auto pin_hash = fields.next("pin_hash", true);
    if (!pin_hash) return pin_hash.error();
    if (!pin_hash->empty() && !plausible_pin_hash(pin_hash.value()))
        return make_error(Errc::corrupt, "flow state: pin_hash");
    s.pin_hash = std::string(pin_hash.value());
    if (!fits_phase(s)) return make_error(Errc::corrupt, "flow state: fields do not fit the phase");
    return s;
}

}  // namespace

std::string_view to_string(FlowPhase phase) {
    for (const auto& [value, name] : phase_names)
        if (value == phase) return name;
    return "passcode";
}

std::string flow_state_body(const FlowState& s) {
    return "okey-flow=" + std::string(version) + ";phase=" + std::string(to_string(s.phase)) +
           ";login=" + escape_login(s.login) + ";serial=" + s.serial +
           ";decoy=" + std::string(to_string(s.decoy)) + ";step=" + std::to_string(s.step) +
           ";tries=" + std::to_string(s.pin_tries) + ";started=" + std::to_string(s.started) +
           ";pin_hash=" + s.pin_hash;
}

std::string seal_flow_state(const FlowState& state, std::span<const std::uint8_t> key) {
    std::string body = flow_state_body(state);
    const auto mac = mac_of(body, key);
    return body + std::string(mac_field) + lower_hex(mac);
}

Result<FlowState> parse_flow_state(std::string_view text) {
    if (text.size() > flow_state_max_length) return make_error(Errc::corrupt, "flow state: too long");
    const std::size_t at = text.rfind(mac_field);
    if (at == std::string_view::npos) return make_error(Errc::corrupt, "flow state: no seal");
    const std::string_view mac = text.substr(at + mac_field.size());
    if (mac.size() != 2 * mac_bytes) return make_error(Errc::corrupt, "flow state: seal");
    for (char c : mac)
        if (hex_value(c, "0123456789abcdef") < 0)
            return make_error(Errc::corrupt, "flow state: seal");
    return parse_body(text.substr(0, at));
}

bool flow_state_sealed_by(std::string_view text, std::span<const std::uint8_t> key) {
    const std::size_t at = text.rfind(mac_field);
    if (at == std::string_view::npos) return false;
    const std::string expected = lower_hex(mac_of(text.substr(0, at), key));
    return otp::equal_constant_time(text.substr(at + mac_field.size()), expected);
}

}  // namespace okey
