// SPDX-License-Identifier: Apache-2.0
// engine/pskc/pskc.hpp — reading an RFC 6030 PSKC key container (a vendor's
// lot of hardware keys) into keys ready for Store::add_tokens.
//
// What is accepted: TOTP keys (urn:ietf:params:xml:ns:keyprov:pskc:totp) with
// 6 or 8 decimal digits, a period of 30 or 60 s, HMAC-SHA1/SHA256/SHA512, a
// secret of 10 to 64 bytes given as a PlainValue or as an EncryptedValue under
// a pre-shared key (AES-128-CBC, IV prepended) with a ValueMAC that must be
// present and correct. HOTP keys are refused: the store holds time-based keys
// only. Everything else (password-based or certificate encryption, another
// cipher, a start time T0 other than 0) is refused with the reason.
//
// All or nothing: the first invalid key refuses the whole file, naming the key
// (its serial, else its Id, else its position) and the reason.
//
// Hostile input: the size is capped, a DOCTYPE (and so any entity) is
// refused before parsing, libxml2 runs with no network and no entity
// substitution or DTD loading.
#pragma once

#include "engine/result.hpp"
#include "engine/store/store.hpp"

#include <okey/otp.hpp>

#include <cstddef>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace okey::pskc {

inline constexpr std::size_t max_file_bytes = 32u * 1024 * 1024;

struct ImportOptions {
    std::string lot;                           // given to every key
    std::optional<otp::SecretBytes> pre_shared_key;  // 16 bytes (AES-128)
    // Called after each key is read: (keys done, keys in the file).
    std::function<void(std::size_t, std::size_t)> progress;
};

Result<std::vector<Store::NewToken>> parse(std::string_view xml, const ImportOptions& options);

// The pre-shared key as a vendor sends it: 32 hex digits (spaces and a final
// newline allowed) or the 16 raw bytes.
Result<otp::SecretBytes> parse_pre_shared_key(std::string_view file_content);

}  // namespace okey::pskc
