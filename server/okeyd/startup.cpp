// SPDX-License-Identifier: Apache-2.0
// server/okeyd/startup.cpp — see startup.hpp.
#include "server/okeyd/startup.hpp"

#include "engine/file_trust.hpp"
#include "engine/log_text.hpp"
#include "engine/store/location.hpp"
#include "engine/store/store.hpp"

#include <libpq-fe.h>
#include <unistd.h>

namespace okeyd {
namespace {

constexpr std::size_t max_pem_bytes = 256 * 1024;

okey::Result<std::string> read_as(const std::string& key, const std::string& path,
                                  okey::FileRole role) {
    auto text = okey::read_trusted_file(path, role, 0, max_pem_bytes);
    if (!text) return okey::make_error(okey::Errc::config, "server." + key + ": " + text.error().message);
    return text;
}

// libpq's reading of the URI: where its passfile is, if it names one.
std::string passfile_of(const std::string& uri) {
    char* error = nullptr;
    PQconninfoOption* options = PQconninfoParse(uri.c_str(), &error);
    if (error) PQfreemem(error);
    if (!options) return {};
    std::string passfile;
    for (PQconninfoOption* o = options; o->keyword; ++o)
        if (std::string_view(o->keyword) == "passfile" && o->val) passfile = o->val;
    PQconninfoFree(options);
    return passfile;
}

}  // namespace

okey::Result<TlsMaterial> read_tls_material(const okey::ServerSettings& server) {
    TlsMaterial tls;
    auto certificate = read_as("tls_certificate", server.tls_certificate, okey::FileRole::config);
    if (!certificate) return certificate.error();
    tls.certificate = std::move(certificate.value());
    auto key = read_as("tls_key", server.tls_key, okey::FileRole::secret);
    if (!key) return key.error();
    tls.key = okey::otp::SecretString(key.value());
    okey_otp_wipe(key.value().data(), key.value().size());
    if (!server.client_ca_file.empty()) {
        auto ca = read_as("client_ca_file", server.client_ca_file, okey::FileRole::config);
        if (!ca) return ca.error();
        if (ca->find("-----BEGIN CERTIFICATE-----") == std::string::npos)
            return okey::make_error(okey::Errc::config, "server.client_ca_file: " +
                                                            server.client_ca_file +
                                                            ": no PEM certificate in it");
        tls.client_ca = std::move(ca.value());
    }
    return tls;
}

okey::Result<void> check_store_files(const okey::Config& config) {
    if (auto key = okey::check_trusted_path(config.key_file, okey::FileRole::secret, 0); !key)
        return okey::make_error(okey::Errc::config, "key_file: " + key.error().message);
    if (!okey::store::is_postgresql_uri(config.store)) return {};
    const std::string passfile = passfile_of(config.store);
    if (passfile.empty()) return {};
    // libpq reads it as this process and ignores it unless 0600 or stricter.
    if (auto ok = okey::check_trusted_path(passfile, okey::FileRole::secret, ::geteuid()); !ok)
        return okey::make_error(okey::Errc::config,
                                "store passfile: " + ok.error().message +
                                    " (it must belong to the user okeyd runs as, mode 0600)");
    return {};
}

okey::Result<void> try_store(const okey::Config& config, okey::Logger& logger) {
    okey::StoreOptions options;
    options.path = config.store;
    options.key_file = config.key_file;
    auto store = okey::Store::open(options);
    if (store) return {};
    const okey::Error& error = store.error();
    if (error.code == okey::Errc::unavailable || error.code == okey::Errc::io ||
        error.code == okey::Errc::busy) {
        logger.log(okey::LogLevel::warning,
                   "store not answering yet (answering 503 until it does): " +
                       okey::log_text(error.message));
        return {};
    }
    return okey::make_error(error.code, "store: " + error.message);
}

}  // namespace okeyd
