// SPDX-License-Identifier: Apache-2.0
// server/okeyd/dialogues.cpp — see dialogues.hpp.
#include "server/okeyd/dialogues.hpp"

#include <openssl/rand.h>
#include <openssl/sha.h>

namespace okeyd {
namespace {

constexpr std::size_t id_bytes = 16;

std::string hex(const unsigned char* bytes, std::size_t size) {
    static constexpr char digits[] = "0123456789abcdef";
    std::string out;
    out.reserve(size * 2);
    for (std::size_t i = 0; i < size; ++i) {
        out.push_back(digits[bytes[i] >> 4]);
        out.push_back(digits[bytes[i] & 0x0f]);
    }
    return out;
}

}  // namespace

okey::Result<std::string> new_transaction_id() {
    unsigned char bytes[id_bytes];
    if (RAND_bytes(bytes, sizeof bytes) != 1)
        return okey::make_error(okey::Errc::crypto, "no random bytes for a transaction id");
    return hex(bytes, sizeof bytes);
}

std::string dialogue_key(std::string_view transaction_id) {
    if (transaction_id.size() != 2 * id_bytes) return {};
    for (char c : transaction_id)
        if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return {};
    unsigned char digest[SHA256_DIGEST_LENGTH];
    SHA256(reinterpret_cast<const unsigned char*>(transaction_id.data()), transaction_id.size(),
           digest);
    return hex(digest, sizeof digest);
}

}  // namespace okeyd
