// SPDX-License-Identifier: Apache-2.0
// tests/fuzz/fuzz_config.cpp — libFuzzer target for okey::parse_config
// (DESIGN.md §7), the one reading of okey.conf. Any text must give either a
// Config whose every value is within its documented range, or an Errc::config
// error naming the file — never a crash, a hang or an escaping exception.
#include "fuzz_support.hpp"

#include "engine/config.hpp"

#include <cstdint>
#include <string>

using okey::fuzz::check;

namespace {

bool printable_text(const std::string& text) {
    for (unsigned char c : text)
        if ((c < 0x20 && c != '\n') || c == 0x7f) return false;
    return true;
}

void check_ranges(const okey::Config& c) {
    check(c.totp.window <= 10, "totp.window over 10");
    check(c.totp.window <= c.totp.resync_window && c.totp.resync_window <= 100,
          "totp.resync_window out of range");
    check(c.pin.min_length >= 4 && c.pin.min_length <= c.pin.max_length && c.pin.max_length <= 12,
          "PIN bounds out of range");
    check(c.pin.argon2.memory_kib >= 8 && c.pin.argon2.memory_kib <= 4194304,
          "argon2.memory_kib out of range");
    check(c.pin.argon2.iterations >= 1 && c.pin.argon2.iterations <= 100,
          "argon2.iterations out of range");
    check(c.pin.argon2.parallelism >= 1 && c.pin.argon2.parallelism <= 16,
          "argon2.parallelism out of range");
    check(c.lockout.max_failures >= 1 && c.lockout.max_failures <= 1000,
          "lockout.max_failures out of range");
    check(c.remote.connect_timeout_ms >= 1 && c.remote.connect_timeout_ms <= c.remote.timeout_ms &&
              c.remote.timeout_ms <= 30000,
          "remote timeouts out of range");
    check(c.remote.max_rounds >= 1 && c.remote.max_rounds <= 16, "remote.max_rounds out of range");
    for (const auto& url : c.remote.urls)
        check(url.rfind("https://", 0) == 0 && url.size() > 8, "a remote URL that is not https://");
    check(c.backend != okey::BackendKind::remote || !c.remote.urls.empty(),
          "remote backend without a URL");
    check(c.remote.ca_file.empty() || c.remote.ca_file[0] == '/', "relative ca_file");
    check(!c.store.empty() && c.store[0] == '/', "relative store path");
    check(!c.key_file.empty() && c.key_file[0] == '/', "relative key_file path");
    check(c.offline.max_age_days >= 1 && c.offline.max_age_days <= 365,
          "offline.max_age_days out of range");
    for (const auto& [name, text] : c.text_overrides) {
        check(text.size() <= 1024, "a prompt text over 1024 bytes");
        check(printable_text(text), "a prompt text with a control character");
    }
    const okey::Texts& t = c.texts;
    for (const std::string* text : {&t.passcode, &t.code_only, &t.new_pin, &t.confirm_pin,
                                    &t.new_pin_passcode, &t.next_code, &t.new_pin_intro,
                                    &t.next_code_reason, &t.pin_mismatch, &t.pin_invalid,
                                    &t.pin_trivial, &t.pin_saved, &t.key_expired, &t.login_locked})
        check(printable_text(*text), "a composed text with a control character");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const okey::fuzz::ExactCopy text(data, size);
    const std::string name = "/etc/okey/fuzz.conf";
    auto config = okey::parse_config(text.view(), name);
    if (!config) {
        check(config.error().code == okey::Errc::config, "a config error that is not Errc::config");
        check(config.error().message.rfind(name, 0) == 0, "a config error not naming the file");
        return 0;
    }
    check_ranges(config.value());
    check(config->source == name, "source is not the file name");
    return 0;
}
