// SPDX-License-Identifier: Apache-2.0
// server/okeyd/http_server.cpp — see http_server.hpp. libmicrohttpd calls
// the access handler several times per request: first with the headers (the
// route, content type and declared length are judged there, and a refusal
// sent before any body is read), then with each piece of the body (fed to
// its form parser, counted against the cap), then once more at the end
// (the Handler answers).
#include "server/okeyd/http_server.hpp"

#include "engine/log_text.hpp"
#include "server/okeyd/client_identity.hpp"
#include "server/okeyd/slow_clients.hpp"

#include <microhttpd.h>

#include <arpa/inet.h>
#include <cerrno>
#include <cstring>
#include <netinet/in.h>
#include <strings.h>
#include <sys/socket.h>
#include <thread>
#include <unistd.h>

namespace okeyd {
namespace {

constexpr std::size_t max_field_bytes = 512;
constexpr const char* check_path = "/validate/check";
constexpr const char* health_path = "/healthz";
// TLS 1.2 and 1.3 only, GnuTLS's NORMAL suites otherwise, the server's order.
constexpr const char* tls_priorities = "NORMAL:-VERS-ALL:+VERS-TLS1.3:+VERS-TLS1.2:%SERVER_PRECEDENCE";

enum class Route { check, health, refused };

// One request, from its headers to its end (libmicrohttpd's *con_cls).
struct Request {
    Route route = Route::refused;
    std::size_t body_bytes = 0;
    MHD_PostProcessor* form_parser = nullptr;
    CheckForm form;
    std::string bad_form;  // why the form is refused, "" while it is fine
    std::vector<std::string> fields_seen;
    Caller caller;
    ~Request() {
        if (form_parser) MHD_destroy_post_processor(form_parser);
    }
};

std::string address_of(const sockaddr* address) {
    char text[INET6_ADDRSTRLEN] = {};
    if (!address) return "?";
    if (address->sa_family == AF_INET)
        inet_ntop(AF_INET, &reinterpret_cast<const sockaddr_in*>(address)->sin_addr, text, sizeof text);
    else if (address->sa_family == AF_INET6)
        inet_ntop(AF_INET6, &reinterpret_cast<const sockaddr_in6*>(address)->sin6_addr, text,
                  sizeof text);
    else
        return "?";
    return text;
}

bool is_form_content_type(const char* value) {
    if (!value) return false;
    std::string_view type(value);
    type = type.substr(0, type.find(';'));
    while (!type.empty() && type.back() == ' ') type.remove_suffix(1);
    return type.size() == 33 && strncasecmp(type.data(), "application/x-www-form-urlencoded", 33) == 0;
}

// A field of the form, possibly in pieces (`offset` > 0 continues one).
MHD_Result take_field(void* cls, MHD_ValueKind, const char* key, const char*, const char*,
                      const char*, const char* data, uint64_t offset, size_t size) {
    auto* request = static_cast<Request*>(cls);
    CheckForm& form = request->form;
    const std::string name(key ? key : "");
    std::string* text = nullptr;
    if (name == "user") text = &form.user;
    else if (name == "realm") text = &form.realm;
    else if (name == "transaction_id") text = &form.transaction_id;
    else if (name != "pass") return MHD_YES;  // other fields of privacyIDEA's API are ignored
    if (offset == 0) {
        // A field given twice is ambiguous: refused, whichever one a client meant.
        for (const auto& seen : request->fields_seen)
            if (seen == name) {
                request->bad_form = "Parameter '" + name + "' given twice";
                return MHD_NO;
            }
        request->fields_seen.push_back(name);
        if (name == "user") form.has_user = true;
        if (name == "pass") form.has_pass = true;
    }
    const std::size_t have = text ? text->size() : form.pass.size();
    if (have + size > max_field_bytes) {
        request->bad_form = "Parameter '" + name + "' is too long";
        return MHD_NO;
    }
    if (text) {
        text->append(data, size);
        return MHD_YES;
    }
    std::string joined(form.pass.view());
    joined.append(data, size);
    form.pass = okey::otp::SecretString(joined);
    okey_otp_wipe(joined.data(), joined.size());
    return MHD_YES;
}

}  // namespace

struct HttpServer::Impl {
    Handler& handler;
    okey::Logger& logger;
    okey::ServerSettings limits;
    bool client_certificates = false;
    std::string certificate;
    okey::otp::SecretString key;
    std::string client_ca;
    SlowClients slow;
    std::vector<MHD_Daemon*> daemons;

    Impl(Handler& h, okey::Logger& l, const okey::ServerSettings& s)
        : handler(h), logger(l), limits(s),
          slow(std::chrono::seconds(s.client_timeout_seconds), l) {}

    MHD_Result send(MHD_Connection* connection, const Answer& answer, bool close = false,
                    const char* allow = nullptr) {
        MHD_Response* response = MHD_create_response_from_buffer(
            answer.body.size(), const_cast<char*>(answer.body.data()), MHD_RESPMEM_MUST_COPY);
        if (!response) return MHD_NO;
        MHD_add_response_header(response, MHD_HTTP_HEADER_CONTENT_TYPE, answer.content_type.c_str());
        MHD_add_response_header(response, MHD_HTTP_HEADER_CACHE_CONTROL, "no-store");
        if (allow) MHD_add_response_header(response, MHD_HTTP_HEADER_ALLOW, allow);
        if (close) MHD_add_response_header(response, MHD_HTTP_HEADER_CONNECTION, "close");
        MHD_Result queued = MHD_queue_response(connection, answer.status, response);
        MHD_destroy_response(response);
        return queued;
    }

    // A refusal before or after the body, logged naming the client.
    MHD_Result refuse(MHD_Connection* connection, const Caller& caller, unsigned status,
                      const std::string& why, const char* allow = nullptr) {
        logger.log(okey::LogLevel::info, "request refused: " + std::to_string(status) + " " +
                                             okey::log_text(why) +
                                             " client=" + okey::log_field(caller.name()));
        // The body may be unread: the connection cannot serve another request.
        return send(connection, handler.refusal(status, why), true, allow);
    }

    // The headers are in: choose the route, or refuse at once.
    MHD_Result begin(MHD_Connection* connection, const std::string& url, const std::string& method,
                     Request& request) {
        const bool get = method == "GET" || method == "HEAD";
        if (url == health_path) {
            if (!get) return refuse(connection, request.caller, 405, "method not allowed", "GET, HEAD");
            request.route = Route::health;
            return MHD_YES;
        }
        if (url != check_path) return refuse(connection, request.caller, 404, "no such path");
        if (method != "POST") return refuse(connection, request.caller, 405, "method not allowed", "POST");
        if (client_certificates) {
            auto info = MHD_get_connection_info(connection, MHD_CONNECTION_INFO_GNUTLS_SESSION);
            auto subject = verified_client_subject(info ? info->tls_session : nullptr);
            if (!subject) return refuse(connection, request.caller, 403, subject.error().message);
            request.caller.certificate = std::move(subject.value());
        }
        const char* type = MHD_lookup_connection_value(connection, MHD_HEADER_KIND,
                                                       MHD_HTTP_HEADER_CONTENT_TYPE);
        if (!is_form_content_type(type))
            return refuse(connection, request.caller, 415,
                          "Content-Type must be application/x-www-form-urlencoded");
        const char* length = MHD_lookup_connection_value(connection, MHD_HEADER_KIND,
                                                         MHD_HTTP_HEADER_CONTENT_LENGTH);
        if (length && std::strtoull(length, nullptr, 10) > limits.max_body_bytes)
            return refuse(connection, request.caller, 413,
                          "body over " + std::to_string(limits.max_body_bytes) + " bytes");
        request.form_parser = MHD_create_post_processor(connection, 1024, take_field, &request);
        if (!request.form_parser)
            return refuse(connection, request.caller, 400, "unreadable form");
        request.route = Route::check;
        return MHD_YES;
    }

    MHD_Result handle(MHD_Connection* connection, const char* url, const char* method,
                      const char* upload_data, size_t* upload_size, void** state) {
        auto* request = static_cast<Request*>(*state);
        if (!request) {
            request = new (std::nothrow) Request;
            if (!request) return MHD_NO;
            *state = request;
            auto info = MHD_get_connection_info(connection, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
            request->caller.address = address_of(info ? info->client_addr : nullptr);
            return begin(connection, url ? url : "", method ? method : "", *request);
        }
        if (*upload_size > 0) {
            request->body_bytes += *upload_size;
            const std::size_t size = *upload_size;
            *upload_size = 0;
            // A chunked body has no length to judge first: past the cap the
            // connection is closed (a response cannot be queued mid-body).
            if (request->body_bytes > limits.max_body_bytes) {
                logger.log(okey::LogLevel::info,
                           "request refused: body over " + std::to_string(limits.max_body_bytes) +
                               " bytes, connection closed client=" +
                               okey::log_field(request->caller.name()));
                return MHD_NO;
            }
            if (request->route == Route::check && request->bad_form.empty() &&
                MHD_post_process(request->form_parser, upload_data, size) != MHD_YES &&
                request->bad_form.empty())
                request->bad_form = "malformed form";
            return MHD_YES;
        }
        // The whole request is in.
        if (request->route == Route::health) {
            slow.working(connection);
            return send(connection, handler.health());
        }
        if (request->route != Route::check) return MHD_NO;
        if (MHD_destroy_post_processor(request->form_parser) != MHD_YES && request->bad_form.empty())
            request->bad_form = "malformed form";
        request->form_parser = nullptr;
        if (!request->bad_form.empty())
            return refuse(connection, request->caller, 400, request->bad_form);
        const char* language = MHD_lookup_connection_value(connection, MHD_HEADER_KIND,
                                                           MHD_HTTP_HEADER_ACCEPT_LANGUAGE);
        slow.working(connection);
        Answer answer;
        try {
            answer = handler.check(request->form, request->caller, language ? language : "");
        } catch (...) {  // bad_alloc and the like: no decision, nothing half-said
            logger.log(okey::LogLevel::error, "internal error while answering client=" +
                                                  okey::log_field(request->caller.name()));
            answer = handler.refusal(500, "internal error");
        }
        return send(connection, answer);
    }
};

namespace {

MHD_Result access_handler(void* cls, MHD_Connection* connection, const char* url,
                          const char* method, const char*, const char* upload_data,
                          size_t* upload_size, void** state) {
    return static_cast<HttpServer::Impl*>(cls)->handle(connection, url, method, upload_data,
                                                       upload_size, state);
}

void request_completed(void* cls, MHD_Connection* connection, void** state,
                       MHD_RequestTerminationCode) {
    delete static_cast<Request*>(*state);
    *state = nullptr;
    static_cast<HttpServer::Impl*>(cls)->slow.answered(connection);
}

void connection_notice(void* cls, MHD_Connection* connection, void**,
                       MHD_ConnectionNotificationCode code) {
    auto* impl = static_cast<HttpServer::Impl*>(cls);
    if (code == MHD_CONNECTION_NOTIFY_STARTED) {
        auto fd = MHD_get_connection_info(connection, MHD_CONNECTION_INFO_CONNECTION_FD);
        auto address = MHD_get_connection_info(connection, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
        if (fd) impl->slow.opened(connection, fd->connect_fd,
                                  address_of(address ? address->client_addr : nullptr));
    } else {
        impl->slow.closed(connection);
    }
}

__attribute__((format(printf, 2, 0))) void library_log(void* cls, const char* format,
                                                       va_list arguments) {
    char text[512];
    std::vsnprintf(text, sizeof text, format, arguments);
    std::string line(text);
    while (!line.empty() && (line.back() == '\n' || line.back() == '\r')) line.pop_back();
    static_cast<HttpServer::Impl*>(cls)->logger.log(okey::LogLevel::debug,
                                                    "libmicrohttpd: " + okey::log_text(line));
}

}  // namespace

okey::Result<std::unique_ptr<HttpServer>> HttpServer::start(const std::vector<int>& sockets,
                                                            const TlsMaterial* tls,
                                                            const okey::ServerSettings& limits,
                                                            Handler& handler,
                                                            okey::Logger& logger) {
    auto impl = std::make_unique<Impl>(handler, logger, limits);
    unsigned threads = limits.threads ? limits.threads : std::thread::hardware_concurrency();
    if (threads == 0) threads = 1;
    // poll(), not epoll: libmicrohttpd's edge-triggered epoll can miss the
    // end of a client that sent its request and closed its side at once,
    // and holds such a connection until the timeout.
    unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_POLL | MHD_USE_ITC | MHD_USE_ERROR_LOG;
    if (tls) {
        flags |= MHD_USE_TLS;
        impl->certificate = tls->certificate;
        // libmicrohttpd wants a C string: the key with its NUL, in wiped memory.
        std::string key(tls->key.view());
        key.push_back('\0');
        impl->key = okey::otp::SecretString(key);
        okey_otp_wipe(key.data(), key.size());
        impl->client_ca = tls->client_ca;
        impl->client_certificates = !tls->client_ca.empty();
    }
    for (int socket : sockets) {
        std::vector<MHD_OptionItem> options{
            {MHD_OPTION_LISTEN_SOCKET, socket, nullptr},
            {MHD_OPTION_CONNECTION_LIMIT, static_cast<intptr_t>(limits.max_connections), nullptr},
            {MHD_OPTION_CONNECTION_TIMEOUT, static_cast<intptr_t>(limits.client_timeout_seconds), nullptr},
            {MHD_OPTION_CONNECTION_MEMORY_LIMIT, 64 * 1024, nullptr},
            {MHD_OPTION_NOTIFY_COMPLETED, reinterpret_cast<intptr_t>(&request_completed), impl.get()},
            {MHD_OPTION_NOTIFY_CONNECTION, reinterpret_cast<intptr_t>(&connection_notice), impl.get()},
            {MHD_OPTION_EXTERNAL_LOGGER, reinterpret_cast<intptr_t>(&library_log), impl.get()},
        };
        if (threads > 1)  // one thread: the polling thread itself, no pool
            options.push_back({MHD_OPTION_THREAD_POOL_SIZE, static_cast<intptr_t>(threads), nullptr});
        if (tls) {
            options.push_back({MHD_OPTION_HTTPS_MEM_CERT, 0, const_cast<char*>(impl->certificate.c_str())});
            options.push_back({MHD_OPTION_HTTPS_MEM_KEY, 0, const_cast<char*>(impl->key.view().data())});
            options.push_back({MHD_OPTION_HTTPS_PRIORITIES, 0, const_cast<char*>(tls_priorities)});
            if (impl->client_certificates)
                options.push_back({MHD_OPTION_HTTPS_MEM_TRUST, 0, const_cast<char*>(impl->client_ca.c_str())});
        }
        options.push_back({MHD_OPTION_END, 0, nullptr});
        MHD_Daemon* daemon = MHD_start_daemon(flags, 0, nullptr, nullptr, &access_handler, impl.get(),
                                              MHD_OPTION_ARRAY, options.data(), MHD_OPTION_END);
        if (!daemon) {
            for (auto* started : impl->daemons) MHD_stop_daemon(started);
            impl->daemons.clear();
            return okey::make_error(okey::Errc::config,
                                    "cannot serve on " + bound_address(socket) +
                                        " (libmicrohttpd refused: TLS certificate and key "
                                        "must match and be PEM)");
        }
        impl->daemons.push_back(daemon);
    }
    return std::unique_ptr<HttpServer>(new HttpServer(std::move(impl)));
}

HttpServer::HttpServer(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

HttpServer::~HttpServer() { stop(); }

void HttpServer::stop() {
    if (!impl_) return;
    for (auto* daemon : impl_->daemons) {
        MHD_socket listening = MHD_quiesce_daemon(daemon);
        if (listening != MHD_INVALID_SOCKET) ::close(listening);
    }
    for (auto* daemon : impl_->daemons) MHD_stop_daemon(daemon);
    impl_->daemons.clear();
}

okey::Result<int> listen_on(const std::string& text) {
    auto address = okey::parse_listen_address(text);
    if (!address) return okey::make_error(okey::Errc::config, text + ": not ADDRESS:PORT");
    sockaddr_storage storage{};
    socklen_t size = 0;
    if (address->ipv6) {
        auto* in6 = reinterpret_cast<sockaddr_in6*>(&storage);
        in6->sin6_family = AF_INET6;
        in6->sin6_port = htons(address->port);
        inet_pton(AF_INET6, address->host.c_str(), &in6->sin6_addr);
        size = sizeof *in6;
    } else {
        auto* in4 = reinterpret_cast<sockaddr_in*>(&storage);
        in4->sin_family = AF_INET;
        in4->sin_port = htons(address->port);
        inet_pton(AF_INET, address->host.c_str(), &in4->sin_addr);
        size = sizeof *in4;
    }
    int fd = ::socket(storage.ss_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    if (fd < 0) return okey::make_error(okey::Errc::io, text + ": " + std::strerror(errno));
    int on = 1;
    ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof on);
    if (address->ipv6) ::setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &on, sizeof on);
    if (::bind(fd, reinterpret_cast<sockaddr*>(&storage), size) != 0 || ::listen(fd, 128) != 0) {
        int error = errno;
        ::close(fd);
        return okey::make_error(okey::Errc::io, text + ": cannot listen: " + std::strerror(error));
    }
    return fd;
}

std::string bound_address(int socket) {
    sockaddr_storage storage{};
    socklen_t size = sizeof storage;
    if (::getsockname(socket, reinterpret_cast<sockaddr*>(&storage), &size) != 0) return "?";
    const auto* address = reinterpret_cast<const sockaddr*>(&storage);
    if (storage.ss_family == AF_INET6)
        return "[" + address_of(address) + "]:" +
               std::to_string(ntohs(reinterpret_cast<const sockaddr_in6*>(&storage)->sin6_port));
    return address_of(address) + ":" +
           std::to_string(ntohs(reinterpret_cast<const sockaddr_in*>(&storage)->sin_port));
}

}  // namespace okeyd
