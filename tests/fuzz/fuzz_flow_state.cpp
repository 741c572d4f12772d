// SPDX-License-Identifier: Apache-2.0
// tests/fuzz/fuzz_flow_state.cpp — libFuzzer target for parse_flow_state
// (engine/local/flow_state.hpp): the dialogue state okeyd reads back from its
// database between two questions. Any input must be refused, or read into a
// state that fits its phase and whose canonical text is exactly the input
// (one meaning per text); sealed again, it must read back equal and carry a
// seal its own key accepts — and another key refuses.
#include "fuzz_support.hpp"

#include "engine/local/flow_state.hpp"

#include <array>
#include <cstdint>
#include <string>

using okey::fuzz::check;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    static constexpr std::array<std::uint8_t, 20> key = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10,
                                                         11, 12, 13, 14, 15, 16, 17, 18, 19, 20};
    static constexpr std::array<std::uint8_t, 20> other_key = {};
    const okey::fuzz::ExactCopy text(data, size);
    (void)okey::flow_state_sealed_by(text.view(), key);
    auto state = okey::parse_flow_state(text.view());
    if (!state) return 0;

    const std::string body = okey::flow_state_body(state.value());
    check(text.size() == body.size() + 5 + 64, "accepted text is not body + seal");
    check(text.view().substr(0, body.size()) == body, "accepted text is not canonical");
    check(state->login.size() >= 1 && state->login.size() <= 256, "login length out of bounds");

    const std::string sealed = okey::seal_flow_state(state.value(), key);
    auto again = okey::parse_flow_state(sealed);
    check(again.ok() && again.value() == state.value(), "sealed state does not read back");
    check(okey::flow_state_sealed_by(sealed, key), "own seal refused");
    check(!okey::flow_state_sealed_by(sealed, other_key), "seal accepted under another key");
    return 0;
}
