// SPDX-License-Identifier: Apache-2.0
// engine/remote/http_client.cpp — libcurl under the transport rules of
// DESIGN.md §5, and the wiped form body.
#include "engine/remote/http_client.hpp"

#include <curl/curl.h>

#include <algorithm>
#include <mutex>

namespace okey::remote {

namespace {

void global_init_once() {
    // Never cleaned up: a PAM module cannot know when the host is done with curl.
    static std::once_flag once;
    std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

struct Sink {
    std::string* body;
    bool too_large = false;
};

size_t write_reply(char* data, size_t size, size_t count, void* user) {
    auto* sink = static_cast<Sink*>(user);
    const size_t length = size * count;
    if (sink->body->size() + length > max_reply_bytes) {
        sink->too_large = true;
        return 0;  // aborts the transfer
    }
    sink->body->append(data, length);
    return length;
}

// Append "name=value" percent-encoded; the escaped copy of a secret is wiped.
bool append_field(CURL* curl, std::vector<char, otp::WipingAllocator<char>>& body,
                  const FormField& field) {
    if (!body.empty()) body.push_back('&');
    for (std::string_view part : {field.name, field.value}) {
        char* escaped = curl_easy_escape(curl, part.data(), static_cast<int>(part.size()));
        if (escaped == nullptr) return false;
        std::string_view text(escaped);
        body.insert(body.end(), text.begin(), text.end());
        okey_otp_wipe(escaped, text.size());
        curl_free(escaped);
        if (part.data() == field.name.data()) body.push_back('=');
    }
    return true;
}

bool unreachable_code(CURLcode code) {
    switch (code) {
    case CURLE_COULDNT_CONNECT:
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_OPERATION_TIMEDOUT:
    case CURLE_GOT_NOTHING:
    case CURLE_SEND_ERROR:
    case CURLE_RECV_ERROR:
        return true;
    default:
        return false;
    }
}

}  // namespace

struct HttpClient::Handle {
    CURL* curl = nullptr;
    ~Handle() {
        if (curl != nullptr) curl_easy_cleanup(curl);
    }
};

HttpClient::HttpClient(std::string base_url, TransportSettings settings)
    : base_url_(std::move(base_url)), settings_(std::move(settings)),
      handle_(std::make_unique<Handle>()) {
    global_init_once();
    while (!base_url_.empty() && base_url_.back() == '/') base_url_.pop_back();
    handle_->curl = curl_easy_init();
}

HttpClient::~HttpClient() = default;

HttpReply HttpClient::post(std::string_view path, const std::vector<FormField>& fields) {
    if (handle_->curl == nullptr) {
        HttpReply reply;
        reply.reason = "cannot create a curl handle";
        return reply;
    }
    SecretChars body;
    body.reserve(256);
    for (const auto& field : fields) {
        if (!append_field(handle_->curl, body, field)) {
            HttpReply reply;
            reply.reason = "cannot encode the form";
            return reply;
        }
    }
    HttpReply reply = exchange(path, &body);
    okey_otp_wipe(body.data(), body.size());
    return reply;
}

HttpReply HttpClient::get(std::string_view path) {
    if (handle_->curl == nullptr) {
        HttpReply reply;
        reply.reason = "cannot create a curl handle";
        return reply;
    }
    return exchange(path, nullptr);
}

// One request under the transport rules: a POST of `body`, or a GET.
HttpReply HttpClient::exchange(std::string_view path, const SecretChars* body) {
    HttpReply reply;
    CURL* curl = handle_->curl;
    const long timeout = settings_.timeout_ms;
    const long connect_timeout = std::min(settings_.connect_timeout_ms, timeout);

    const std::string url = base_url_ + std::string(path);
    char error_text[CURL_ERROR_SIZE] = {0};
    reply.body.reserve(max_reply_bytes);  // appends never reallocate: one buffer to wipe
    Sink sink{&reply.body};
    curl_slist* headers = curl_slist_append(nullptr, "Accept: application/json");
    headers = curl_slist_append(headers, "Expect:");
    if (!settings_.accept_language.empty())
        headers = curl_slist_append(headers,
                                    ("Accept-Language: " + settings_.accept_language).c_str());

    curl_easy_reset(curl);  // keeps the connection cache: a challenge reuses the session
    curl_easy_setopt(curl, CURLOPT_URL, url.c_str());
    curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "https");
    curl_easy_setopt(curl, CURLOPT_REDIR_PROTOCOLS_STR, "https");
    curl_easy_setopt(curl, CURLOPT_FOLLOWLOCATION, 0L);
    curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(curl, CURLOPT_SSL_VERIFYPEER, 1L);
    curl_easy_setopt(curl, CURLOPT_SSL_VERIFYHOST, 2L);
    curl_easy_setopt(curl, CURLOPT_SSLVERSION, static_cast<long>(CURL_SSLVERSION_TLSv1_2));
    if (!settings_.ca_file.empty()) curl_easy_setopt(curl, CURLOPT_CAINFO, settings_.ca_file.c_str());
    if (!settings_.pinned_public_key.empty())
        curl_easy_setopt(curl, CURLOPT_PINNEDPUBLICKEY, settings_.pinned_public_key.c_str());
    // The client certificate and key from memory (read through the file-trust
    // rules): curl never opens a path that could be swapped after the check.
    // NOCOPY: the key stays in settings_, wiped with it, not in a curl copy.
    curl_blob certificate{settings_.client_certificate.data(),
                          settings_.client_certificate.size(), CURL_BLOB_NOCOPY};
    curl_blob key{const_cast<char*>(settings_.client_key.view().data()),
                  settings_.client_key.size(), CURL_BLOB_NOCOPY};
    if (!settings_.client_certificate.empty()) {
        curl_easy_setopt(curl, CURLOPT_SSLCERT_BLOB, &certificate);
        curl_easy_setopt(curl, CURLOPT_SSLCERTTYPE, "PEM");
        curl_easy_setopt(curl, CURLOPT_SSLKEY_BLOB, &key);
        curl_easy_setopt(curl, CURLOPT_SSLKEYTYPE, "PEM");
    }
    // "" turns proxies off, including https_proxy / ALL_PROXY from the environment.
    curl_easy_setopt(curl, CURLOPT_PROXY, "");
    curl_easy_setopt(curl, CURLOPT_NOPROXY, "*");
    curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT_MS, connect_timeout);
    curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, timeout);
    curl_easy_setopt(curl, CURLOPT_MAXFILESIZE_LARGE, static_cast<curl_off_t>(max_reply_bytes));
    curl_easy_setopt(curl, CURLOPT_USERAGENT, "okey");
    curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
    if (body != nullptr) {
        curl_easy_setopt(curl, CURLOPT_POST, 1L);
        curl_easy_setopt(curl, CURLOPT_POSTFIELDS, body->data());
        curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE, static_cast<long>(body->size()));
    } else {
        curl_easy_setopt(curl, CURLOPT_HTTPGET, 1L);
    }
    curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, write_reply);
    curl_easy_setopt(curl, CURLOPT_WRITEDATA, &sink);
    curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, error_text);

    const CURLcode code = curl_easy_perform(curl);
    // Nothing of the body may stay reachable from the handle.
    curl_easy_setopt(curl, CURLOPT_POSTFIELDS, nullptr);
    curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, nullptr);
    curl_easy_setopt(curl, CURLOPT_HTTPHEADER, nullptr);
    curl_slist_free_all(headers);

    if (sink.too_large || code == CURLE_FILESIZE_EXCEEDED) {
        okey_otp_wipe(reply.body.data(), reply.body.size());
        reply.body.clear();
        reply.reason = "reply larger than 64 KiB";
        return reply;
    }
    if (code != CURLE_OK) {
        reply.transport = unreachable_code(code) ? Transport::unreachable : Transport::failed;
        reply.reason = error_text[0] != '\0' ? std::string(error_text) : curl_easy_strerror(code);
        okey_otp_wipe(reply.body.data(), reply.body.size());
        reply.body.clear();
        return reply;
    }
    curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &reply.status);
    if (reply.status >= 500) {
        reply.transport = Transport::unreachable;
        reply.reason = "HTTP " + std::to_string(reply.status);
        okey_otp_wipe(reply.body.data(), reply.body.size());
        reply.body.clear();
        return reply;
    }
    reply.transport = Transport::answered;
    return reply;
}

}  // namespace okey::remote
