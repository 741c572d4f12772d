// SPDX-License-Identifier: Apache-2.0
// engine/remote/http_client.hpp — one HTTPS server of the validation service,
// reached with libcurl under fixed rules (DESIGN.md §5): HTTPS only, no
// redirects, peer and host verification always on, optional CA file and
// public-key pin, optional client certificate, environment proxies ignored,
// connect and total timeouts (each call gets its whole timeout: the login's
// time limits decide whether a call starts, never cut one short), reply size
// capped, no signals (thread-safe inside sshd), Accept-Language from `lang`.
// The form body is built here and wiped after use: it carries the passcode.
#pragma once

#include "engine/config.hpp"
#include "engine/result.hpp"

#include <okey/otp.hpp>

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace okey::remote {

inline constexpr std::size_t max_reply_bytes = 64 * 1024;

struct TransportSettings {
    std::string ca_file;            // "" = the system's CA bundle
    std::string pinned_public_key;  // "" = no pin; curl syntax (file or sha256//…)
    long connect_timeout_ms = 2000;
    long timeout_ms = 5000;
    std::string accept_language;    // "fr", "en": the language of the server's texts
    // A client certificate for servers that ask for one (PEM, read through
    // the file-trust rules by the caller); both empty = none.
    std::string client_certificate;
    otp::SecretString client_key;
};

enum class Transport {
    answered,     // an HTTP reply other than 5xx: the body is the service's word
    unreachable,  // connect failure, timeout or 5xx: another server may be tried
    failed,       // TLS verification, oversized or otherwise unusable reply: refusal
    time_limit,   // not sent: the login's time limits came first (remote_login.cpp)
};

// The transport settings of the config's `remote:` group, the client
// certificate and key read through the file-trust rules (the key as
// strictly as the key file).
Result<TransportSettings> transport_settings(const Config& config, unsigned trusted_owner);

struct FormField {
    std::string_view name;
    std::string_view value;  // may be secret: copied only into the wiped body
};

struct HttpReply {
    HttpReply() = default;
    HttpReply(HttpReply&&) = default;
    HttpReply& operator=(HttpReply&&) = default;
    // The body may carry a refill token and offline hashes: wiped when done.
    ~HttpReply() { okey_otp_wipe(body.data(), body.size()); }

    Transport transport = Transport::failed;
    long status = 0;
    std::string body;    // capped at max_reply_bytes, reserved once (no stray copies)
    std::string reason;  // why unreachable or failed, for the log: never a secret
};

class HttpClient {
public:
    // `base_url` is the server's URL ("https://otp1.example.org").
    HttpClient(std::string base_url, TransportSettings settings);
    ~HttpClient();
    HttpClient(const HttpClient&) = delete;
    HttpClient& operator=(const HttpClient&) = delete;

    const std::string& base_url() const noexcept { return base_url_; }

    // POST an application/x-www-form-urlencoded form to base_url + path,
    // within connect_timeout_ms / timeout_ms.
    HttpReply post(std::string_view path, const std::vector<FormField>& fields);
    // GET base_url + path under the same rules (okeyctl doctor: /healthz).
    HttpReply get(std::string_view path);

private:
    using SecretChars = std::vector<char, otp::WipingAllocator<char>>;
    HttpReply exchange(std::string_view path, const SecretChars* body);

    struct Handle;
    std::string base_url_;
    TransportSettings settings_;
    std::unique_ptr<Handle> handle_;  // kept between calls: a challenge reuses the connection
};

}  // namespace okey::remote
