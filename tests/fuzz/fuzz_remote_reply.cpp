// SPDX-License-Identifier: Apache-2.0
// tests/fuzz/fuzz_remote_reply.cpp — libFuzzer target for the reading of a
// validation server's JSON replies (engine/remote/reply.hpp, DESIGN.md §5): a
// hostile or compromised server, or anyone on the path, chooses these bytes.
// The first byte picks /validate/check or /validate/offlinerefill. Any body
// must give a consistent verdict or Errc::corrupt, and every text that may
// reach the user's terminal must be valid UTF-8 without control characters.
#include "fuzz_support.hpp"
#include "utf8.hpp"

#include "engine/remote/reply.hpp"

#include <cstdint>

using okey::fuzz::check;
using okey::remote::Verdict;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    okey::fuzz::Reader reader(data, size);
    const std::uint8_t pick = reader.byte();
    const okey::fuzz::ExactCopy body(reader.rest(), reader.rest_size());

    // The sanitiser alone, on raw bytes, at a limit from the input.
    const std::size_t limit = pick >> 1;
    const std::string cleaned = okey::remote::sanitise_text(body.view(), limit);
    check(cleaned.size() <= limit, "sanitised text over its limit");
    okey::fuzz::check_terminal_safe(cleaned, "sanitise_text");

    auto reply = (pick & 1) ? okey::remote::read_refill_reply(body.view())
                            : okey::remote::read_check_reply(body.view());
    if (!reply) {
        check(reply.error().code == okey::Errc::corrupt, "a refusal that is not Errc::corrupt");
        return 0;
    }
    const okey::remote::CheckReply& r = reply.value();
    check(r.verdict == Verdict::accept || r.verdict == Verdict::reject ||
              r.verdict == Verdict::challenge || r.verdict == Verdict::error,
          "verdict out of range");
    if (pick & 1) check(r.verdict != Verdict::challenge, "a challenge to a refill");
    check((r.verdict == Verdict::challenge) == !r.transaction_id.empty(),
          "a transaction_id without a challenge, or a challenge without one");
    check(r.transaction_id.size() <= 256, "transaction_id over 256 bytes");
    for (unsigned char c : r.transaction_id)
        check(c >= 0x21 && c <= 0x7e, "transaction_id with a non-printable byte");
    check(r.message.size() <= okey::remote::max_challenge_message, "message over its limit");
    check(r.error_message.size() <= okey::remote::max_challenge_message, "error message over its limit");
    check(r.serial.size() <= 64, "serial over 64 bytes");
    okey::fuzz::check_terminal_safe(r.message, "detail.message");
    okey::fuzz::check_terminal_safe(r.error_message, "result.error.message");
    okey::fuzz::check_terminal_safe(r.serial, "detail.serial");
    check(r.document.is_object(), "the kept document is not an object");
    return 0;
}
