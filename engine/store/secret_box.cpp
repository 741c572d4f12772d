// SPDX-License-Identifier: Apache-2.0
// engine/store/secret_box.cpp — AES-256-GCM sealing with OpenSSL's EVP API,
// and the creation of the key file.
#include "engine/store/secret_box.hpp"

#include "engine/file_trust.hpp"

#include <openssl/evp.h>
#include <openssl/rand.h>

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <memory>
#include <sys/stat.h>
#include <unistd.h>

namespace okey::store {
namespace {

struct CipherFree {
    void operator()(EVP_CIPHER_CTX* ctx) const noexcept { EVP_CIPHER_CTX_free(ctx); }
};
using Cipher = std::unique_ptr<EVP_CIPHER_CTX, CipherFree>;

Error crypto_failed(const char* what) {
    return make_error(Errc::crypto, std::string("AES-256-GCM: ") + what + " failed");
}

}  // namespace

Result<SecretBox> SecretBox::load(const std::string& key_file, unsigned trusted_owner) {
    auto content = read_trusted_file(key_file, FileRole::secret, trusted_owner, 4096);
    if (!content) return content.error();
    otp::SecretBytes key(content->begin(), content->end());
    okey_otp_wipe(content->data(), content->size());
    if (key.size() != seal_key_bytes)
        return make_error(Errc::corrupt, key_file + ": refused: holds " +
                                             std::to_string(key.size()) +
                                             " bytes, a key file holds exactly 32");
    return SecretBox(std::move(key));
}

Result<std::vector<std::uint8_t>> SecretBox::seal(std::span<const std::uint8_t> plaintext,
                                                  std::string_view additional_data) const {
    std::vector<std::uint8_t> out(seal_nonce_bytes + plaintext.size() + seal_tag_bytes);
    if (RAND_bytes(out.data(), static_cast<int>(seal_nonce_bytes)) != 1)
        return crypto_failed("random nonce");
    Cipher ctx(EVP_CIPHER_CTX_new());
    int n = 0;
    if (!ctx ||
        EVP_EncryptInit_ex(ctx.get(), EVP_aes_256_gcm(), nullptr, key_.data(), out.data()) != 1 ||
        EVP_EncryptUpdate(ctx.get(), nullptr, &n,
                          reinterpret_cast<const unsigned char*>(additional_data.data()),
                          static_cast<int>(additional_data.size())) != 1 ||
        EVP_EncryptUpdate(ctx.get(), out.data() + seal_nonce_bytes, &n, plaintext.data(),
                          static_cast<int>(plaintext.size())) != 1 ||
        EVP_EncryptFinal_ex(ctx.get(), out.data() + seal_nonce_bytes + n, &n) != 1 ||
        EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_GET_TAG, static_cast<int>(seal_tag_bytes),
                            out.data() + seal_nonce_bytes + plaintext.size()) != 1)
        return crypto_failed("sealing");
    return out;
}

Result<otp::SecretBytes> SecretBox::open(std::span<const std::uint8_t> sealed,
                                         std::string_view additional_data) const {
    if (sealed.size() < seal_nonce_bytes + seal_tag_bytes)
        return make_error(Errc::corrupt, "sealed value too short");
    std::size_t length = sealed.size() - seal_nonce_bytes - seal_tag_bytes;
    otp::SecretBytes plain(length == 0 ? 1 : length);
    Cipher ctx(EVP_CIPHER_CTX_new());
    int n = 0;
    // The tag is checked by EVP_DecryptFinal_ex: set it before.
    std::uint8_t tag[seal_tag_bytes];
    std::memcpy(tag, sealed.data() + seal_nonce_bytes + length, seal_tag_bytes);
    if (!ctx ||
        EVP_DecryptInit_ex(ctx.get(), EVP_aes_256_gcm(), nullptr, key_.data(), sealed.data()) != 1 ||
        EVP_DecryptUpdate(ctx.get(), nullptr, &n,
                          reinterpret_cast<const unsigned char*>(additional_data.data()),
                          static_cast<int>(additional_data.size())) != 1 ||
        EVP_DecryptUpdate(ctx.get(), plain.data(), &n, sealed.data() + seal_nonce_bytes,
                          static_cast<int>(length)) != 1 ||
        EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_SET_TAG, static_cast<int>(seal_tag_bytes),
                            tag) != 1)
        return crypto_failed("opening");
    int last = 0;
    if (EVP_DecryptFinal_ex(ctx.get(), plain.data() + n, &last) != 1)
        return make_error(Errc::corrupt, "authentication failed");
    plain.resize(length);
    return plain;
}

Result<std::vector<std::uint8_t>> SecretBox::keyed_hash(std::string_view purpose,
                                                        std::string_view message) const {
    constexpr std::size_t bytes = 32;
    otp::SecretBytes derived(bytes);
    std::vector<std::uint8_t> out(bytes);
    std::size_t n = 0, m = 0;
    if (EVP_Q_mac(nullptr, "HMAC", nullptr, "SHA256", nullptr, key_.data(), key_.size(),
                  reinterpret_cast<const unsigned char*>(purpose.data()), purpose.size(),
                  derived.data(), derived.size(), &n) == nullptr ||
        n != bytes ||
        EVP_Q_mac(nullptr, "HMAC", nullptr, "SHA256", nullptr, derived.data(), derived.size(),
                  reinterpret_cast<const unsigned char*>(message.data()), message.size(),
                  out.data(), out.size(), &m) == nullptr ||
        m != bytes)
        return make_error(Errc::crypto, "HMAC-SHA256 failed");
    return out;
}

Result<void> create_key_file(const std::string& key_file) {
    otp::SecretBytes key(seal_key_bytes);
    if (RAND_bytes(key.data(), static_cast<int>(key.size())) != 1)
        return crypto_failed("random key");
    int fd = ::open(key_file.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0400);
    if (fd < 0) {
        if (errno == EEXIST)
            return make_error(Errc::already_exists, key_file + ": already exists: not overwritten");
        return make_error(Errc::io, key_file + ": cannot create: " + std::strerror(errno));
    }
    // The mode given to open() is masked by the umask; set it exactly.
    bool ok = ::fchmod(fd, 0400) == 0;
    std::size_t written = 0;
    while (ok && written < key.size()) {
        ssize_t n = ::write(fd, key.data() + written, key.size() - written);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) ok = false;
        else written += static_cast<std::size_t>(n);
    }
    ok = ok && ::fsync(fd) == 0;
    int err = errno;
    ::close(fd);
    if (!ok) {
        ::unlink(key_file.c_str());
        return make_error(Errc::io, key_file + ": cannot write: " + std::strerror(err));
    }
    return {};
}

}  // namespace okey::store
