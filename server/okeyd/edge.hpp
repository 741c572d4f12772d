// SPDX-License-Identifier: Apache-2.0
// server/okeyd/edge.hpp — what crosses okeyd's HTTP edge: the form of a
// /validate/check request as read by the HTTP layer (http_server.cpp), who
// asked, and the answer to send. The Handler interface keeps the HTTP layer
// (libmicrohttpd) apart from the login logic (validate.cpp), so each can be
// tested and fuzzed alone.
#pragma once

#include <okey/otp.hpp>

#include <string>
#include <string_view>

namespace okeyd {

// The fields of privacyIDEA's /validate/check that okeyd reads; others are
// ignored. Each was given at most once (a repeated field is refused).
struct CheckForm {
    std::string user;
    okey::otp::SecretString pass;  // PIN + code, a code, or a new PIN: wiped
    std::string realm;             // accepted for compatibility; okey has one realm
    std::string transaction_id;
    bool has_user = false;
    bool has_pass = false;
};

// Who asked: its address, and the subject of its verified client
// certificate when okeyd asks for one (server.client_ca_file).
struct Caller {
    std::string address;
    std::string certificate;
    // How logs and the audit name it: the certificate's subject, else the address.
    const std::string& name() const { return certificate.empty() ? address : certificate; }
};

struct Answer {
    unsigned status = 200;
    std::string body;
    std::string content_type = "application/json";
};

class Handler {
public:
    virtual ~Handler() = default;
    // POST /validate/check with a well-formed form.
    virtual Answer check(const CheckForm& form, const Caller& caller,
                         std::string_view accept_language) = 0;
    // GET /healthz: 200 only while the database answers.
    virtual Answer health() = 0;
    // A request refused before check(): the body of a 4xx (privacyIDEA's error form).
    virtual Answer refusal(unsigned status, std::string_view why) = 0;
};

}  // namespace okeyd
