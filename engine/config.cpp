// SPDX-License-Identifier: Apache-2.0
// engine/config.cpp — the one reading of okey.conf (DESIGN.md §7) and of the
// PAM module's arguments. libconfig++ parses; this file checks every key's
// type and range and refuses what it does not know, naming file, line and key,
// so a typo can never silently leave a weaker default in force.
#include "engine/config.hpp"

#include "engine/file_trust.hpp"
#include "engine/store/location.hpp"
#include "engine/texts.hpp"

#include <libconfig.h++>

#include <arpa/inet.h>
#include <sys/socket.h>

#include <cstddef>
#include <initializer_list>
#include <map>
#include <utility>

namespace okey {
namespace {

constexpr std::size_t max_config_bytes = 256 * 1024;
constexpr std::size_t max_text_bytes = 1024;
constexpr std::size_t max_names = 1000;
constexpr std::size_t max_name_bytes = 256;

// Thrown inside this file only; parse_config turns it into an Error.
struct ConfigError {
    std::string message;
};

class Reader {
public:
    Reader(const std::string& name, Config& config) : name_(name), config_(config) {}

    void root(const libconfig::Setting& root) {
        for (int i = 0; i < root.getLength(); ++i) top_level(root[i]);
        check_invariants();
        config_.texts = compose_texts(config_);
    }

private:
    [[noreturn]] void fail(const libconfig::Setting& s, const std::string& what) const {
        fail_at(s.getSourceLine(), s.getPath(), what);
    }
    [[noreturn]] void fail_at(unsigned line, const std::string& key, const std::string& what) const {
        throw ConfigError{name_ + ":" + std::to_string(line) + ": " + key + ": " + what};
    }
    void seen(const libconfig::Setting& s) { lines_[s.getPath()] = s.getSourceLine(); }

    long long integer(const libconfig::Setting& s, long long low, long long high) {
        seen(s);
        long long v = 0;
        if (s.getType() == libconfig::Setting::TypeInt)
            v = static_cast<int>(s);
        else if (s.getType() == libconfig::Setting::TypeInt64)
            v = static_cast<long long>(s);
        else
            fail(s, "must be an integer");
        if (v < low || v > high)
            fail(s, "must be between " + std::to_string(low) + " and " + std::to_string(high));
        return v;
    }
    bool boolean(const libconfig::Setting& s) {
        seen(s);
        if (s.getType() != libconfig::Setting::TypeBoolean) fail(s, "must be true or false");
        return static_cast<bool>(s);
    }
    std::string string(const libconfig::Setting& s) {
        seen(s);
        if (s.getType() != libconfig::Setting::TypeString) fail(s, "must be a string");
        return static_cast<const char*>(s);
    }
    std::string absolute_path(const libconfig::Setting& s) {
        std::string v = string(s);
        if (v.empty() || v[0] != '/') fail(s, "must be an absolute path");
        return v;
    }
    // "" (none) or an absolute path.
    std::string optional_absolute_path(const libconfig::Setting& s) {
        std::string v = string(s);
        if (!v.empty() && v[0] != '/') fail(s, "must be an absolute path (or \"\" for none)");
        return v;
    }
    // A SQLite file, or a PostgreSQL URI without a password (DESIGN.md §9).
    std::string store_location(const libconfig::Setting& s) {
        std::string v = string(s);
        if (!store::is_postgresql_uri(v)) {
            if (v.empty() || v[0] != '/') fail(s, "must be an absolute path or a postgresql:// URI");
            return v;
        }
        if (auto ok = store::check_location(v); !ok) {
            const std::string& why = ok.error().message;
            fail(s, why.substr(why.find(": ") + 2));  // the setting already names it
        }
        return v;
    }
    template <class E>
    E choice(const libconfig::Setting& s, std::initializer_list<std::pair<const char*, E>> options) {
        std::string v = string(s);
        std::string names;
        for (const auto& [text, value] : options) {
            if (v == text) return value;
            names += names.empty() ? "" : " or ";
            names += std::string("\"") + text + "\"";
        }
        fail(s, "must be " + names);
    }
    void group(const libconfig::Setting& s) {
        seen(s);
        if (!s.isGroup()) fail(s, "must be a group { … }");
    }
    [[noreturn]] void unknown(const libconfig::Setting& s) { fail(s, "unknown key"); }

    void top_level(const libconfig::Setting& s) {
        std::string name = s.getName() ? s.getName() : "";
        if (name == "backend")
            config_.backend = choice<BackendKind>(
                s, {{"local", BackendKind::local}, {"remote", BackendKind::remote}});
        else if (name == "store")
            config_.store = store_location(s);
        else if (name == "key_file")
            config_.key_file = absolute_path(s);
        else if (name == "lang")
            config_.language = choice<Language>(s, {{"fr", Language::fr}, {"en", Language::en}});
        else if (name == "unknown_user")
            config_.unknown_user = choice<UnknownUserPolicy>(
                s, {{"deny", UnknownUserPolicy::deny}, {"ignore", UnknownUserPolicy::ignore}});
        else if (name == "totp")
            totp(s);
        else if (name == "pin")
            pin(s);
        else if (name == "lockout")
            lockout(s);
        else if (name == "remote")
            remote(s);
        else if (name == "offline")
            offline(s);
        else if (name == "prompts")
            prompts(s);
        else if (name == "scope")
            scope(s);
        else if (name == "server")
            server(s);
        else
            unknown(s);
    }

    void totp(const libconfig::Setting& g) {
        group(g);
        for (int i = 0; i < g.getLength(); ++i) {
            const auto& s = g[i];
            std::string name = s.getName();
            if (name == "window")
                config_.totp.window = static_cast<unsigned>(integer(s, 0, 10));
            else if (name == "resync_window")
                config_.totp.resync_window = static_cast<unsigned>(integer(s, 0, 100));
            else
                unknown(s);
        }
    }

    void pin(const libconfig::Setting& g) {
        group(g);
        for (int i = 0; i < g.getLength(); ++i) {
            const auto& s = g[i];
            std::string name = s.getName();
            if (name == "min_length")
                config_.pin.min_length = static_cast<unsigned>(integer(s, 4, 12));
            else if (name == "max_length")
                config_.pin.max_length = static_cast<unsigned>(integer(s, 4, 12));
            else if (name == "refuse_trivial")
                config_.pin.refuse_trivial = boolean(s);
            else if (name == "argon2")
                argon2(s);
            else
                unknown(s);
        }
    }

    void argon2(const libconfig::Setting& g) {
        group(g);
        auto& a = config_.pin.argon2;
        for (int i = 0; i < g.getLength(); ++i) {
            const auto& s = g[i];
            std::string name = s.getName();
            if (name == "memory_kib")
                a.memory_kib = static_cast<std::uint32_t>(integer(s, 8, 4194304));
            else if (name == "iterations")
                a.iterations = static_cast<std::uint32_t>(integer(s, 1, 100));
            else if (name == "parallelism")
                a.parallelism = static_cast<std::uint32_t>(integer(s, 1, 16));
            else
                unknown(s);
        }
    }

    void lockout(const libconfig::Setting& g) {
        group(g);
        for (int i = 0; i < g.getLength(); ++i) {
            const auto& s = g[i];
            std::string name = s.getName();
            if (name == "max_failures")
                config_.lockout.max_failures = static_cast<unsigned>(integer(s, 1, 1000));
            else if (name == "lock_seconds")  // up to ten years; 0: until unlocked
                config_.lockout.lock_seconds = static_cast<unsigned>(integer(s, 0, 315360000));
            else
                unknown(s);
        }
    }

    void remote(const libconfig::Setting& g) {
        group(g);
        auto& r = config_.remote;
        for (int i = 0; i < g.getLength(); ++i) {
            const auto& s = g[i];
            std::string name = s.getName();
            if (name == "urls")
                urls(s);
            else if (name == "realm")
                r.realm = string(s);
            else if (name == "ca_file")
                r.ca_file = string(s);
            else if (name == "pinned_public_key")
                r.pinned_public_key = string(s);
            else if (name == "client_certificate")
                r.client_certificate = absolute_path(s);
            else if (name == "client_key")
                r.client_key = absolute_path(s);
            // A call is never cut short, and every call must end within the
            // login's 100 s: 30 s is the longest that leaves room for failover.
            else if (name == "connect_timeout_ms")
                r.connect_timeout_ms = static_cast<long>(integer(s, 1, 30000));
            else if (name == "timeout_ms")
                r.timeout_ms = static_cast<long>(integer(s, 1, 30000));
            else if (name == "max_rounds")
                r.max_rounds = static_cast<unsigned>(integer(s, 1, 16));
            else if (name == "failmode")
                r.failmode = choice<FailMode>(
                    s, {{"secure", FailMode::secure}, {"local", FailMode::local}});
            else
                unknown(s);
        }
        if (!r.ca_file.empty() && r.ca_file[0] != '/')
            fail(g["ca_file"], "must be an absolute path");
    }

    void urls(const libconfig::Setting& s) {
        seen(s);
        if (!s.isArray() && !s.isList()) fail(s, "must be a list of strings [ \"https://…\" ]");
        config_.remote.urls.clear();
        for (int i = 0; i < s.getLength(); ++i) {
            const auto& u = s[i];
            if (u.getType() != libconfig::Setting::TypeString) fail(s, "must be a list of strings");
            std::string url = static_cast<const char*>(u);
            if (url.rfind("https://", 0) != 0 || url.size() == 8)
                fail_at(u.getSourceLine() ? u.getSourceLine() : s.getSourceLine(), s.getPath(),
                        "\"" + url + "\": must be an https:// URL");
            config_.remote.urls.push_back(url);
        }
    }

    void offline(const libconfig::Setting& g) {
        group(g);
        for (int i = 0; i < g.getLength(); ++i) {
            const auto& s = g[i];
            std::string name = s.getName();
            if (name == "enabled")
                config_.offline.enabled = boolean(s);
            else if (name == "max_age_days")
                config_.offline.max_age_days = static_cast<unsigned>(integer(s, 1, 365));
            else
                unknown(s);
        }
    }

    void scope(const libconfig::Setting& g) {
        group(g);
        auto& sc = config_.scope;
        for (int i = 0; i < g.getLength(); ++i) {
            const auto& s = g[i];
            std::string name = s.getName();
            if (name == "groups")
                sc.groups = names(s);
            else if (name == "exempt_groups")
                sc.exempt_groups = names(s);
            else if (name == "exempt_users")
                sc.exempt_users = names(s);
            else
                unknown(s);
        }
    }

    void server(const libconfig::Setting& g) {
        group(g);
        auto& v = config_.server;
        for (int i = 0; i < g.getLength(); ++i) {
            const auto& s = g[i];
            std::string name = s.getName();
            if (name == "listen")
                listen(s);
            else if (name == "tls_certificate")
                v.tls_certificate = absolute_path(s);
            else if (name == "tls_key")
                v.tls_key = absolute_path(s);
            else if (name == "client_ca_file")
                v.client_ca_file = optional_absolute_path(s);
            else if (name == "threads")
                v.threads = static_cast<unsigned>(integer(s, 0, 256));
            else if (name == "max_connections")
                v.max_connections = static_cast<unsigned>(integer(s, 1, 65536));
            else if (name == "max_body_bytes")
                v.max_body_bytes = static_cast<unsigned>(integer(s, 1024, 1048576));
            else if (name == "client_timeout_seconds")
                v.client_timeout_seconds = static_cast<unsigned>(integer(s, 1, 300));
            else
                unknown(s);
        }
    }

    // "ADDRESS:PORT" with a dotted IPv4 address or a bracketed IPv6 one
    // (server/okeyd resolves nothing: a name could change under it).
    void listen(const libconfig::Setting& s) {
        seen(s);
        if (!s.isArray() && !s.isList()) fail(s, "must be a list of strings [ \"0.0.0.0:8443\" ]");
        if (s.getLength() == 0) fail(s, "must name at least one ADDRESS:PORT");
        config_.server.listen.clear();
        for (int i = 0; i < s.getLength(); ++i) {
            const auto& entry = s[i];
            if (entry.getType() != libconfig::Setting::TypeString) fail(s, "must be a list of strings");
            std::string text = static_cast<const char*>(entry);
            if (!parse_listen_address(text))
                fail(s, "\"" + text + "\": must be ADDRESS:PORT (IPv4, or [IPv6]:PORT; port 0-65535)");
            config_.server.listen.push_back(text);
        }
    }

    // A list of login or group names, as NSS would spell them.
    std::vector<std::string> names(const libconfig::Setting& s) {
        seen(s);
        if (!s.isArray() && !s.isList()) fail(s, "must be a list of names [ \"…\" ]");
        if (s.getLength() > static_cast<int>(max_names))
            fail(s, "more than " + std::to_string(max_names) + " names");
        std::vector<std::string> out;
        for (int i = 0; i < s.getLength(); ++i) {
            if (s[i].getType() != libconfig::Setting::TypeString)
                fail(s, "must be a list of strings");
            std::string value = static_cast<const char*>(s[i]);
            if (value.empty() || value.size() > max_name_bytes)
                fail(s, "a name must have 1 to " + std::to_string(max_name_bytes) + " bytes");
            for (unsigned char c : value)
                if (c <= 0x20 || c == 0x7f || c == ':' || c == ',')
                    fail(s, "a name contains a space, a control character, ':' or ','");
            out.push_back(std::move(value));
        }
        return out;
    }

    void prompts(const libconfig::Setting& g) {
        group(g);
        for (int i = 0; i < g.getLength(); ++i) {
            const auto& s = g[i];
            std::string name = s.getName();
            bool known = false;
            for (const auto& field : text_fields) known = known || field.name == name;
            if (!known) unknown(s);
            std::string text = string(s);
            if (text.size() > max_text_bytes)
                fail(s, "longer than " + std::to_string(max_text_bytes) + " bytes");
            for (unsigned char c : text)
                if ((c < 0x20 && c != '\n') || c == 0x7f) fail(s, "contains a control character");
            config_.text_overrides.emplace_back(name, text);
        }
    }

    // Rules between keys: reported at the line of the key that breaks them.
    void check_invariants() const {
        if (config_.pin.min_length > config_.pin.max_length)
            fail_key("pin.min_length", "pin.max_length",
                     "must not be smaller than pin.min_length (" +
                         std::to_string(config_.pin.min_length) + ")");
        if (config_.totp.window > config_.totp.resync_window)
            fail_key("totp.window", "totp.resync_window",
                     "must not be smaller than totp.window (" +
                         std::to_string(config_.totp.window) + ")");
        if (config_.remote.connect_timeout_ms > config_.remote.timeout_ms)
            fail_key("remote.connect_timeout_ms", "remote.timeout_ms",
                     "must not be smaller than remote.connect_timeout_ms");
        if (config_.remote.client_certificate.empty() != config_.remote.client_key.empty())
            fail_key("remote.client_certificate", "remote.client_key",
                     "remote.client_certificate and remote.client_key go together");
        if (config_.backend == BackendKind::remote && config_.remote.urls.empty())
            fail_key("backend", "remote.urls", "backend \"remote\" needs at least one URL");
    }
    // Name the second key if the file set it, else the first.
    [[noreturn]] void fail_key(const std::string& first, const std::string& second,
                               const std::string& what) const {
        if (auto it = lines_.find(second); it != lines_.end()) fail_at(it->second, second, what);
        auto it = lines_.find(first);
        fail_at(it != lines_.end() ? it->second : 0, second, what);
    }

    const std::string& name_;
    Config& config_;
    std::map<std::string, unsigned> lines_;
};

// libconfig would open "@include" files itself, past the file-trust rules.
Result<void> refuse_includes(std::string_view text, const std::string& name) {
    unsigned line = 1;
    std::size_t start = 0;
    while (start <= text.size()) {
        std::size_t end = text.find('\n', start);
        std::string_view l = text.substr(start, end == std::string_view::npos ? end : end - start);
        std::size_t first = l.find_first_not_of(" \t\r");
        if (first != std::string_view::npos && l.substr(first, 8) == "@include")
            return make_error(Errc::config,
                              name + ":" + std::to_string(line) + ": @include is not allowed");
        if (end == std::string_view::npos) break;
        start = end + 1;
        ++line;
    }
    return {};
}

}  // namespace

std::optional<ListenAddress> parse_listen_address(std::string_view text) {
    auto colon = text.rfind(':');
    if (colon == std::string_view::npos || colon + 1 >= text.size()) return std::nullopt;
    std::string_view host = text.substr(0, colon), port = text.substr(colon + 1);
    if (port.size() > 5) return std::nullopt;
    unsigned number = 0;
    for (char c : port) {
        if (c < '0' || c > '9') return std::nullopt;
        number = number * 10 + static_cast<unsigned>(c - '0');
    }
    if (number > 65535) return std::nullopt;
    ListenAddress address;
    address.port = static_cast<std::uint16_t>(number);
    if (host.size() > 2 && host.front() == '[' && host.back() == ']') {
        address.ipv6 = true;
        host = host.substr(1, host.size() - 2);
    } else if (host.find(':') != std::string_view::npos) {
        return std::nullopt;  // IPv6 needs brackets: [::1]:8443
    }
    address.host = std::string(host);
    unsigned char bytes[16];
    if (::inet_pton(address.ipv6 ? AF_INET6 : AF_INET, address.host.c_str(), bytes) != 1)
        return std::nullopt;
    return address;
}

Result<Config> parse_config(std::string_view text, const std::string& name) {
    if (text.find('\0') != std::string_view::npos)
        return make_error(Errc::config, name + ": contains a NUL byte");
    if (auto ok = refuse_includes(text, name); !ok) return ok.error();
    Config config;
    config.source = name;
    try {
        libconfig::Config parsed;
        parsed.readString(std::string(text));
        Reader(name, config).root(parsed.getRoot());
    } catch (const ConfigError& e) {
        return make_error(Errc::config, e.message);
    } catch (const libconfig::ParseException& e) {
        return make_error(Errc::config,
                          name + ":" + std::to_string(e.getLine()) + ": " + e.getError());
    } catch (const libconfig::SettingException& e) {
        return make_error(Errc::config, name + ": " + e.getPath() + ": " + e.what());
    } catch (const std::exception& e) {
        return make_error(Errc::config, name + ": " + e.what());
    } catch (...) {
        return make_error(Errc::config, name + ": cannot be read");
    }
    return config;
}

Result<Config> load_config(const std::string& path, unsigned trusted_owner) {
    auto text = read_trusted_file(path, FileRole::config, trusted_owner, max_config_bytes);
    if (!text) {
        if (text.error().code == Errc::not_found && path == default_config_path) {
            Config defaults;
            defaults.source = "";
            return defaults;
        }
        return make_error(Errc::config, text.error().message);
    }
    return parse_config(text.value(), path);
}

Result<void> apply_module_argument(Config& config, std::string_view argument) {
    auto bad = [&](const std::string& what) {
        return make_error(Errc::config,
                          "module argument \"" + std::string(argument) + "\": " + what);
    };
    if (argument == "debug") {
        config.debug = true;
    } else if (argument == "use_first_pass") {
        config.use_first_pass = true;
    } else if (argument == "try_first_pass") {
        config.try_first_pass = true;
    } else if (argument == "forward_pass") {
        config.forward_pass = true;
    } else if (argument.starts_with("unknown_user=")) {
        auto value = argument.substr(13);
        if (value == "deny")
            config.unknown_user = UnknownUserPolicy::deny;
        else if (value == "ignore")
            config.unknown_user = UnknownUserPolicy::ignore;
        else
            return bad("must be unknown_user=deny or unknown_user=ignore");
    } else if (argument.starts_with("lang=")) {
        auto value = argument.substr(5);
        if (value == "fr")
            config.language = Language::fr;
        else if (value == "en")
            config.language = Language::en;
        else
            return bad("must be lang=fr or lang=en");
        config.texts = compose_texts(config);
    } else {
        return bad("unknown argument");
    }
    return {};
}

}  // namespace okey
