// SPDX-License-Identifier: Apache-2.0
// server/okeyd/client_identity.hpp — who is at the other end of a TLS
// connection: with server.client_ca_file, the peer's certificate must chain to
// that CA (GnuTLS verifies it against the trust list libmicrohttpd was given,
// as systemd-journal-remote does) and be fit for TLS client authentication;
// its subject then names the client in logs and the audit.
#pragma once

#include "engine/result.hpp"

#include <string>

namespace okeyd {

// `session` is the connection's gnutls_session_t. The subject DN
// ("CN=server-a,O=…") of a verified client certificate, or an error saying
// why there is none (no certificate, untrusted, expired, wrong purpose …).
okey::Result<std::string> verified_client_subject(void* session);

}  // namespace okeyd
