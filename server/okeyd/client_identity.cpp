// SPDX-License-Identifier: Apache-2.0
// server/okeyd/client_identity.cpp — see client_identity.hpp.
#include "server/okeyd/client_identity.hpp"

#include <gnutls/gnutls.h>
#include <gnutls/x509.h>

namespace okeyd {

okey::Result<std::string> verified_client_subject(void* opaque) {
    auto session = static_cast<gnutls_session_t>(opaque);
    if (!session) return okey::make_error(okey::Errc::invalid_argument, "not a TLS connection");
    gnutls_typed_vdata_st purpose{};
    purpose.type = GNUTLS_DT_KEY_PURPOSE_OID;
    purpose.data = reinterpret_cast<unsigned char*>(const_cast<char*>(GNUTLS_KP_TLS_WWW_CLIENT));
    unsigned status = 0;
    int rc = gnutls_certificate_verify_peers(session, &purpose, 1, &status);
    if (rc == GNUTLS_E_NO_CERTIFICATE_FOUND)
        return okey::make_error(okey::Errc::invalid_argument, "no client certificate");
    if (rc != GNUTLS_E_SUCCESS)
        return okey::make_error(okey::Errc::invalid_argument,
                                std::string("client certificate: ") + gnutls_strerror(rc));
    if (status != 0) {
        gnutls_datum_t why{};
        std::string text = "client certificate refused";
        if (gnutls_certificate_verification_status_print(status, GNUTLS_CRT_X509, &why, 0) == 0) {
            text += std::string(": ") + reinterpret_cast<const char*>(why.data);
            gnutls_free(why.data);
        }
        return okey::make_error(okey::Errc::invalid_argument, text);
    }

    unsigned count = 0;
    const gnutls_datum_t* chain = gnutls_certificate_get_peers(session, &count);
    if (!chain || count == 0)
        return okey::make_error(okey::Errc::invalid_argument, "no client certificate");
    gnutls_x509_crt_t certificate = nullptr;
    if (gnutls_x509_crt_init(&certificate) != 0)
        return okey::make_error(okey::Errc::crypto, "cannot read the client certificate");
    std::string subject;
    gnutls_datum_t dn{};
    if (gnutls_x509_crt_import(certificate, &chain[0], GNUTLS_X509_FMT_DER) == 0 &&
        gnutls_x509_crt_get_dn3(certificate, &dn, 0) == 0) {
        subject.assign(reinterpret_cast<const char*>(dn.data), dn.size);
        gnutls_free(dn.data);
    }
    gnutls_x509_crt_deinit(certificate);
    if (subject.empty())
        return okey::make_error(okey::Errc::invalid_argument, "client certificate without a subject");
    return subject;
}

}  // namespace okeyd
