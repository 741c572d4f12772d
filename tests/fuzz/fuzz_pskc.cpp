// SPDX-License-Identifier: Apache-2.0
// tests/fuzz/fuzz_pskc.cpp — libFuzzer target for okey::pskc::parse, the PSKC
// (RFC 6030) importer behind `okeyctl token import-pskc`. The first byte says
// whether a pre-shared key is given (the RFC 6030 example key); the rest is
// the file. Any file must give keys that are all valid for the store, or a
// refusal — never a crash, a hang, an escaping exception or a partial lot.
#include "fuzz_support.hpp"

#include "engine/pskc/pskc.hpp"

#include <cstdint>
#include <set>
#include <string>

using okey::fuzz::check;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    okey::fuzz::Reader reader(data, size);
    const std::uint8_t pick = reader.byte();
    okey::pskc::ImportOptions options;
    options.lot = "LOT-FUZZ";
    if (pick & 1) {
        // RFC 6030 §6.1: 12345678901234567890123456789012 (hex).
        auto psk = okey::pskc::parse_pre_shared_key("12345678901234567890123456789012");
        check(psk.ok(), "the RFC 6030 pre-shared key is refused");
        options.pre_shared_key = std::move(psk).value();
    }
    std::size_t progress_calls = 0;
    if (pick & 2) options.progress = [&](std::size_t, std::size_t) { ++progress_calls; };

    const okey::fuzz::ExactCopy xml(reader.rest(), reader.rest_size());
    auto tokens = okey::pskc::parse(xml.view(), options);
    if (!tokens) {
        check(!tokens.error().message.empty(), "a refusal without a reason");
        return 0;
    }
    check(!tokens->empty(), "an empty lot accepted");
    std::set<std::string> serials;
    for (const auto& token : tokens.value()) {
        const okey::KeySpec& spec = token.spec;
        check(!spec.serial.empty(), "a key without a serial");
        check(serials.insert(spec.serial).second, "a serial twice in one lot");
        check(spec.digits == 6 || spec.digits == 8, "digits neither 6 nor 8");
        check(spec.period == 30 || spec.period == 60, "period neither 30 nor 60");
        check(spec.algorithm == OKEY_OTP_SHA1 || spec.algorithm == OKEY_OTP_SHA256 ||
                  spec.algorithm == OKEY_OTP_SHA512,
              "algorithm out of range");
        check(token.secret.size() >= OKEY_OTP_SECRET_MIN && token.secret.size() <= OKEY_OTP_SECRET_MAX,
              "secret length outside 10..64 bytes");
        check(spec.lot == options.lot, "the lot was not applied");
    }
    return 0;
}
