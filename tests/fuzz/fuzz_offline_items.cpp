// SPDX-License-Identifier: Apache-2.0
// tests/fuzz/fuzz_offline_items.cpp — libFuzzer target for the reading of
// privacyIDEA offline items (`auth_items.offline`, engine/remote/offline.hpp,
// DESIGN.md §5) from a server's JSON reply. The first byte picks whether the
// entry must name the user and whether a refill's serial is supplied. Any
// reply must give nothing, a batch fit to store, or Errc::corrupt.
#include "fuzz_support.hpp"

#include "engine/remote/offline.hpp"

#include <nlohmann/json.hpp>

#include <cstdint>

using okey::fuzz::check;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    okey::fuzz::Reader reader(data, size);
    const std::uint8_t pick = reader.byte();
    const okey::fuzz::ExactCopy body(reader.rest(), reader.rest_size());
    const nlohmann::json reply =
        nlohmann::json::parse(body.view().begin(), body.view().end(), nullptr, false);
    if (reply.is_discarded() || !reply.is_object()) return 0;  // reply.cpp refuses these first

    const bool require_user = (pick & 1) != 0;
    const std::string_view fallback_serial = (pick & 2) ? "OK000042" : "";
    auto batch = okey::remote::read_offline_items(reply, "jdupont", require_user, fallback_serial);
    if (!batch) {
        check(batch.error().code == okey::Errc::corrupt, "a refusal that is not Errc::corrupt");
        return 0;
    }
    if (!batch.value()) return 0;
    const okey::OfflineBatch& b = *batch.value();
    check(b.login == "jdupont", "a batch for another login");
    check(!b.serial.empty(), "a batch without a serial");
    check(!b.refill_token.empty(), "a batch without a refill token");
    check(b.values.size() <= okey::remote::max_offline_values, "more values than allowed");
    for (std::size_t i = 0; i < b.values.size(); ++i) {
        if (i > 0) check(b.values[i - 1].first < b.values[i].first, "counters not ascending");
        check(b.values[i].second.rfind("$pbkdf2-sha512$", 0) == 0, "a value that is not pbkdf2-sha512");
    }
    return 0;
}
