// SPDX-License-Identifier: Apache-2.0
// tools/okeyctl/secret_input.cpp — see secret_input.hpp.
#include "secret_input.hpp"

#include "context.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace okeyctl {

okey::otp::SecretBytes read_input_file(const std::string& path, std::size_t max_bytes) {
    int fd = STDIN_FILENO;
    if (path != "-") {
        fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOCTTY);
        if (fd < 0) refuse(path + ": " + std::strerror(errno));
        struct stat st {};
        if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
            ::close(fd);
            refuse(path + ": not a regular file");
        }
    }
    okey::otp::SecretBytes content;
    std::uint8_t buffer[4096];
    for (;;) {
        const ssize_t n = ::read(fd, buffer, sizeof buffer);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) {
            const int saved = errno;
            okey_otp_wipe(buffer, sizeof buffer);
            if (fd != STDIN_FILENO) ::close(fd);
            refuse((path == "-" ? std::string("stdin") : path) + ": " + std::strerror(saved));
        }
        if (n == 0) break;
        if (content.size() + static_cast<std::size_t>(n) > max_bytes) {
            okey_otp_wipe(buffer, sizeof buffer);
            if (fd != STDIN_FILENO) ::close(fd);
            refuse((path == "-" ? std::string("stdin") : path) + ": larger than " +
                   std::to_string(max_bytes) + " bytes");
        }
        content.insert(content.end(), buffer, buffer + n);
    }
    okey_otp_wipe(buffer, sizeof buffer);
    if (fd != STDIN_FILENO) ::close(fd);
    return content;
}

okey::otp::SecretBytes decode_key_secret(const okey::otp::SecretBytes& text, bool hex) {
    std::size_t begin = 0, end = text.size();
    auto space = [](std::uint8_t c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; };
    while (begin < end && space(text[begin])) ++begin;
    while (end > begin && space(text[end - 1])) --end;
    const std::string_view view(reinterpret_cast<const char*>(text.data()) + begin, end - begin);
    if (view.empty()) refuse("the secret file is empty");
    auto decoded = hex ? okey::otp::hex_decode(view) : okey::otp::base32_decode(view);
    if (!decoded) {
        refuse(std::string("the secret is not valid ") + (hex ? "hex" : "base32 (use --hex for hex)") +
               ": " + std::string(okey::otp::error_text(decoded.error())));
    }
    if (decoded->size() < OKEY_OTP_SECRET_MIN || decoded->size() > OKEY_OTP_SECRET_MAX) {
        refuse("the secret is " + std::to_string(decoded->size()) + " bytes long (10 to 64 needed)");
    }
    return std::move(decoded.value());
}

}  // namespace okeyctl
