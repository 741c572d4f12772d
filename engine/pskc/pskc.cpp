// SPDX-License-Identifier: Apache-2.0
// engine/pskc/pskc.cpp — the PSKC reader (see pskc.hpp): walks the libxml2
// tree of one KeyContainer, decrypts and authenticates secrets, and turns each
// KeyPackage into a Store::NewToken or refuses the whole file.
#include "engine/pskc/pskc.hpp"

#include "engine/calendar_date.hpp"
#include "engine/key_serial.hpp"
#include "engine/pskc/base64.hpp"
#include "engine/pskc/crypto.hpp"

#include <libxml/parser.h>
#include <libxml/tree.h>

#include <cstring>
#include <memory>
#include <set>

namespace okey::pskc {
namespace {

constexpr const char* ns_pskc = "urn:ietf:params:xml:ns:keyprov:pskc";
constexpr const char* ns_xenc = "http://www.w3.org/2001/04/xmlenc#";
constexpr const char* ns_ds = "http://www.w3.org/2000/09/xmldsig#";
constexpr std::string_view aes128_cbc = "http://www.w3.org/2001/04/xmlenc#aes128-cbc";
constexpr std::string_view algorithm_totp = "urn:ietf:params:xml:ns:keyprov:pskc:totp";
constexpr std::string_view algorithm_hotp = "urn:ietf:params:xml:ns:keyprov:pskc:hotp";

using SecretText = std::vector<char, otp::WipingAllocator<char>>;

// ---- small libxml2 helpers ------------------------------------------------

bool is_element(const xmlNode* node, const char* ns, const char* name) {
    return node != nullptr && node->type == XML_ELEMENT_NODE && node->ns != nullptr &&
           std::strcmp(reinterpret_cast<const char*>(node->ns->href), ns) == 0 &&
           std::strcmp(reinterpret_cast<const char*>(node->name), name) == 0;
}

const xmlNode* child(const xmlNode* parent, const char* ns, const char* name) {
    if (parent == nullptr) return nullptr;
    for (const xmlNode* c = parent->children; c != nullptr; c = c->next) {
        if (is_element(c, ns, name)) return c;
    }
    return nullptr;
}

std::vector<const xmlNode*> children(const xmlNode* parent, const char* ns, const char* name) {
    std::vector<const xmlNode*> found;
    for (const xmlNode* c = parent->children; c != nullptr; c = c->next) {
        if (is_element(c, ns, name)) found.push_back(c);
    }
    return found;
}

std::optional<std::string> attribute(const xmlNode* node, const char* name) {
    xmlChar* value = xmlGetNoNsProp(node, reinterpret_cast<const xmlChar*>(name));
    if (value == nullptr) return std::nullopt;
    std::string text(reinterpret_cast<const char*>(value));
    xmlFree(value);
    return text;
}

// The text directly inside an element (no copy through libxml2's allocator,
// so a secret's text is only ever in wiping storage).
SecretText raw_text(const xmlNode* node) {
    SecretText text;
    for (const xmlNode* c = node->children; c != nullptr; c = c->next) {
        if ((c->type == XML_TEXT_NODE || c->type == XML_CDATA_SECTION_NODE) && c->content) {
            const char* content = reinterpret_cast<const char*>(c->content);
            text.insert(text.end(), content, content + std::strlen(content));
        }
    }
    return text;
}

std::string trimmed_text(const xmlNode* node) {
    const SecretText raw = raw_text(node);
    std::string_view view(raw.data(), raw.size());
    const auto first = view.find_first_not_of(" \t\r\n");
    if (first == std::string_view::npos) return {};
    const auto last = view.find_last_not_of(" \t\r\n");
    return std::string(view.substr(first, last - first + 1));
}

// File content shown in a message: printable ASCII only, capped.
std::string printable(std::string_view text) {
    std::string out;
    for (char c : text.substr(0, 64)) out += (c >= 0x20 && c < 0x7F) ? c : '?';
    if (text.size() > 64) out += "…";
    return out;
}

// Overwrite every text node before the tree is freed: the document held the
// plaintext secrets of a PlainValue file.
void scrub(xmlDoc* doc, xmlNode* node) {
    for (xmlNode* c = node; c != nullptr; c = c->next) {
        if ((c->type == XML_TEXT_NODE || c->type == XML_CDATA_SECTION_NODE) && c->content &&
            (doc->dict == nullptr || xmlDictOwns(doc->dict, c->content) == 0)) {
            okey_otp_wipe(c->content, std::strlen(reinterpret_cast<const char*>(c->content)));
        }
        if (c->children) scrub(doc, c->children);
    }
}

struct DocFree {
    void operator()(xmlDoc* doc) const noexcept {
        scrub(doc, doc->children);
        xmlFreeDoc(doc);
    }
};
struct ParserFree {
    void operator()(xmlParserCtxt* ctxt) const noexcept { xmlFreeParserCtxt(ctxt); }
};

// ---- values ---------------------------------------------------------------

std::optional<unsigned> small_number(std::string_view text, unsigned max) {
    if (text.empty() || text.size() > 9) return std::nullopt;
    unsigned value = 0;
    for (char c : text) {
        if (c < '0' || c > '9') return std::nullopt;
        value = value * 10 + static_cast<unsigned>(c - '0');
    }
    if (value > max) return std::nullopt;
    return value;
}

// xs:dateTime → the last UTC day on which the key is still valid: an expiry at
// 2028-01-01T00:00:00Z means valid through 2027-12-31.
std::optional<std::string> expiry_day(std::string_view t) {
    if (t.size() < 19 || t[10] != 'T' || t[13] != ':' || t[16] != ':') return std::nullopt;
    const auto day = parse_calendar_date(t.substr(0, 10));
    const auto hh = small_number(t.substr(11, 2), 23), mm = small_number(t.substr(14, 2), 59),
               ss = small_number(t.substr(17, 2), 60);
    if (!day || !hh || !mm || !ss) return std::nullopt;
    std::string_view rest = t.substr(19);
    if (!rest.empty() && rest[0] == '.') {  // fractional seconds: ignored
        std::size_t i = 1;
        while (i < rest.size() && rest[i] >= '0' && rest[i] <= '9') ++i;
        if (i == 1) return std::nullopt;
        rest.remove_prefix(i);
    }
    std::int64_t offset = 0;
    if (rest == "Z" || rest.empty()) {
        offset = 0;
    } else if (rest.size() == 6 && (rest[0] == '+' || rest[0] == '-') && rest[3] == ':') {
        const auto oh = small_number(rest.substr(1, 2), 14), om = small_number(rest.substr(4, 2), 59);
        if (!oh || !om) return std::nullopt;
        offset = (rest[0] == '+' ? 1 : -1) * static_cast<std::int64_t>(*oh * 3600 + *om * 60);
    } else {
        return std::nullopt;
    }
    const std::int64_t instant = *day + *hh * 3600 + *mm * 60 + *ss - offset;
    return format_calendar_date(instant - 1);
}

std::optional<otp::Algorithm> suite_algorithm(std::string suite) {
    std::string folded;
    for (char c : suite) {
        if (c == '-' || c == ' ') continue;
        folded += static_cast<char>((c >= 'A' && c <= 'Z') ? c + 32 : c);
    }
    if (folded.rfind("hmac", 0) == 0) folded.erase(0, 4);
    if (folded == "sha1") return OKEY_OTP_SHA1;
    if (folded == "sha256") return OKEY_OTP_SHA256;
    if (folded == "sha512") return OKEY_OTP_SHA512;
    return std::nullopt;
}

// ---- the container ----------------------------------------------------------

// What the container says about encryption, resolved with the pre-shared key.
struct Protection {
    bool encryption_declared = false;
    std::optional<Error> problem;     // why encrypted values cannot be read
    const otp::SecretBytes* psk = nullptr;
    std::optional<otp::SecretBytes> mac_key;
    std::string mac_digest;           // "" when there is no usable MACMethod
};

Result<otp::SecretBytes> decrypt_element(const xmlNode* encrypted, const otp::SecretBytes& psk,
                                         otp::SecretBytes* ciphertext_out) {
    const xmlNode* method = child(encrypted, ns_xenc, "EncryptionMethod");
    const auto algorithm = method ? attribute(method, "Algorithm") : std::nullopt;
    if (!algorithm) return make_error(Errc::invalid_argument, "no xenc:EncryptionMethod");
    if (*algorithm != aes128_cbc) {
        return make_error(Errc::invalid_argument,
                          "unsupported encryption " + printable(*algorithm) + " (only aes128-cbc)");
    }
    const xmlNode* value = child(child(encrypted, ns_xenc, "CipherData"), ns_xenc, "CipherValue");
    if (value == nullptr) return make_error(Errc::invalid_argument, "no xenc:CipherValue");
    const SecretText text = raw_text(value);
    auto ciphertext = base64_decode({text.data(), text.size()});
    if (!ciphertext) return make_error(Errc::invalid_argument, "CipherValue is not base64");
    auto plain = aes128_cbc_decrypt(psk, *ciphertext);
    if (!plain) {
        return make_error(Errc::invalid_argument,
                          "cannot decrypt (wrong pre-shared key or damaged value)");
    }
    if (ciphertext_out) *ciphertext_out = std::move(*ciphertext);
    return std::move(*plain);
}

Protection read_protection(const xmlNode* root, const ImportOptions& options) {
    Protection p;
    const xmlNode* encryption = child(root, ns_pskc, "EncryptionKey");
    p.encryption_declared = encryption != nullptr;
    if (encryption) {
        if (child(encryption, ns_pskc, "DerivedKey")) {
            p.problem = make_error(Errc::invalid_argument,
                                   "password-based (DerivedKey) encryption is not supported: ask "
                                   "the vendor for a pre-shared key");
            return p;
        }
        if (child(encryption, ns_ds, "X509Data")) {
            p.problem = make_error(Errc::invalid_argument,
                                   "certificate-based encryption is not supported: ask the "
                                   "vendor for a pre-shared key");
            return p;
        }
    }
    if (!options.pre_shared_key) {
        p.problem = make_error(Errc::invalid_argument,
                               "the secrets are encrypted: give the pre-shared key with --psk-file");
        return p;
    }
    p.psk = &*options.pre_shared_key;
    const xmlNode* mac_method = child(root, ns_pskc, "MACMethod");
    if (mac_method == nullptr) return p;  // refused at the first encrypted value
    const auto uri = attribute(mac_method, "Algorithm");
    const auto digest = uri ? mac_digest_for(*uri) : std::nullopt;
    if (!digest) {
        p.problem = make_error(Errc::invalid_argument,
                               "unsupported MACMethod " + printable(uri.value_or("(none)")));
        return p;
    }
    const xmlNode* mac_key = child(mac_method, ns_pskc, "MACKey");
    if (mac_key == nullptr) {
        p.problem = make_error(Errc::invalid_argument, "MACMethod has no MACKey");
        return p;
    }
    auto key = decrypt_element(mac_key, *p.psk, nullptr);
    if (!key) {
        p.problem = make_error(Errc::invalid_argument, "MACKey: " + key.error().message);
        return p;
    }
    p.mac_key = std::move(key.value());
    p.mac_digest = *digest;
    return p;
}

Result<otp::SecretBytes> read_secret(const xmlNode* secret, const Protection& protection) {
    if (const xmlNode* plain = child(secret, ns_pskc, "PlainValue")) {
        const SecretText text = raw_text(plain);
        auto bytes = base64_decode({text.data(), text.size()});
        if (!bytes) return make_error(Errc::invalid_argument, "secret PlainValue is not base64");
        return std::move(*bytes);
    }
    const xmlNode* encrypted = child(secret, ns_pskc, "EncryptedValue");
    if (encrypted == nullptr) return make_error(Errc::invalid_argument, "no secret value");
    if (protection.problem) return *protection.problem;
    if (protection.psk == nullptr) {
        return make_error(Errc::invalid_argument,
                          "the secrets are encrypted: give the pre-shared key with --psk-file");
    }
    if (!protection.mac_key) {
        return make_error(Errc::invalid_argument, "encrypted secret without MACMethod: refused");
    }
    const xmlNode* value_mac = child(secret, ns_pskc, "ValueMAC");
    if (value_mac == nullptr) return make_error(Errc::invalid_argument, "no ValueMAC: refused");
    const auto expected = base64_decode(trimmed_text(value_mac));
    if (!expected) return make_error(Errc::invalid_argument, "ValueMAC is not base64");
    otp::SecretBytes ciphertext;
    auto plain = decrypt_element(encrypted, *protection.psk, &ciphertext);
    // The MAC covers IV ‖ ciphertext; checked even when decryption failed so a
    // wrong MAC is reported as such.
    if (!hmac_matches(protection.mac_digest, *protection.mac_key, ciphertext, *expected)) {
        if (!plain) return make_error(Errc::invalid_argument, "secret: " + plain.error().message);
        return make_error(Errc::invalid_argument, "ValueMAC does not match: refused");
    }
    if (!plain) return make_error(Errc::invalid_argument, "secret: " + plain.error().message);
    return std::move(plain.value());
}

std::optional<std::string> plain_value(const xmlNode* data, const char* name, bool& encrypted) {
    const xmlNode* element = child(data, ns_pskc, name);
    if (element == nullptr) return std::nullopt;
    if (child(element, ns_pskc, "EncryptedValue")) encrypted = true;
    const xmlNode* plain = child(element, ns_pskc, "PlainValue");
    if (plain == nullptr) return std::nullopt;
    return trimmed_text(plain);
}

// One KeyPackage → one key. `name` is set as soon as it is known, for messages.
Result<Store::NewToken> read_package(const xmlNode* package, const Protection& protection,
                                     const ImportOptions& options, std::string& name) {
    const xmlNode* device = child(package, ns_pskc, "DeviceInfo");
    const xmlNode* key = child(package, ns_pskc, "Key");
    if (key == nullptr) return make_error(Errc::invalid_argument, "no Key element");
    if (children(package, ns_pskc, "Key").size() > 1) {
        return make_error(Errc::invalid_argument, "more than one Key in a KeyPackage");
    }
    std::string serial;
    if (const xmlNode* serial_no = child(device, ns_pskc, "SerialNo")) serial = trimmed_text(serial_no);
    if (serial.empty()) serial = attribute(key, "Id").value_or("");
    if (serial.empty()) return make_error(Errc::invalid_argument, "no SerialNo and no Key Id");
    if (auto ok = check_serial(serial); !ok) return ok.error();
    name = serial;

    const auto algorithm = attribute(key, "Algorithm").value_or("");
    if (algorithm == algorithm_hotp) {
        return make_error(Errc::invalid_argument,
                          "HOTP (counter-based) key: okey stores time-based (TOTP) keys only");
    }
    if (algorithm != algorithm_totp) {
        return make_error(Errc::invalid_argument,
                          "unsupported algorithm " + printable(algorithm.empty() ? "(none)" : algorithm));
    }

    Store::NewToken token;
    token.spec.serial = serial;
    token.spec.kind = KeyKind::hardware;
    token.spec.lot = options.lot;
    if (const xmlNode* parameters = child(key, ns_pskc, "AlgorithmParameters")) {
        if (const xmlNode* suite = child(parameters, ns_pskc, "Suite")) {
            const std::string text = trimmed_text(suite);
            const auto hash = suite_algorithm(text);
            if (!hash) {
                return make_error(Errc::invalid_argument,
                                  "unsupported Suite " + printable(text) +
                                      " (HMAC-SHA1, HMAC-SHA256 or HMAC-SHA512)");
            }
            token.spec.algorithm = *hash;
        }
        if (const xmlNode* format = child(parameters, ns_pskc, "ResponseFormat")) {
            const auto encoding = attribute(format, "Encoding").value_or("DECIMAL");
            if (encoding != "DECIMAL") {
                return make_error(Errc::invalid_argument,
                                  "response encoding " + printable(encoding) + " (only DECIMAL)");
            }
            if (attribute(format, "CheckDigits").value_or("false") == "true") {
                return make_error(Errc::invalid_argument, "check digits are not supported");
            }
            const auto length = small_number(attribute(format, "Length").value_or(""), 99);
            if (!length || (*length != 6 && *length != 8)) {
                return make_error(Errc::invalid_argument, "response length must be 6 or 8");
            }
            token.spec.digits = *length;
        }
    }

    const xmlNode* data = child(key, ns_pskc, "Data");
    const xmlNode* secret = child(data, ns_pskc, "Secret");
    if (secret == nullptr) return make_error(Errc::invalid_argument, "no Secret");
    bool encrypted_field = false;
    if (const auto interval = plain_value(data, "TimeInterval", encrypted_field)) {
        const auto period = small_number(*interval, 100000);
        if (!period || (*period != 30 && *period != 60)) {
            return make_error(Errc::invalid_argument,
                              "TimeInterval must be 30 or 60 seconds (got " + printable(*interval) + ")");
        }
        token.spec.period = *period;
    }
    if (const auto origin = plain_value(data, "Time", encrypted_field)) {
        const auto t0 = small_number(*origin, 999999999);
        if (!t0 || *t0 != 0) {
            return make_error(Errc::invalid_argument, "a start time (Time) other than 0 is not supported");
        }
    }
    if (encrypted_field) {
        return make_error(Errc::invalid_argument, "encrypted TimeInterval or Time is not supported");
    }

    auto bytes = read_secret(secret, protection);
    if (!bytes) return bytes.error();
    if (bytes->size() < OKEY_OTP_SECRET_MIN || bytes->size() > OKEY_OTP_SECRET_MAX) {
        return make_error(Errc::invalid_argument,
                          "secret of " + std::to_string(bytes->size()) + " bytes (10 to 64 needed)");
    }
    token.secret = std::move(bytes.value());

    const xmlNode* expiry = child(child(key, ns_pskc, "Policy"), ns_pskc, "ExpiryDate");
    if (expiry == nullptr) expiry = child(device, ns_pskc, "ExpiryDate");
    if (expiry != nullptr) {
        const std::string text = trimmed_text(expiry);
        const auto day = expiry_day(text);
        if (!day) return make_error(Errc::invalid_argument, "invalid ExpiryDate " + printable(text));
        token.spec.expires = *day;
    }
    return token;
}

Result<std::vector<Store::NewToken>> read_container(const xmlNode* root, const ImportOptions& options) {
    if (!is_element(root, ns_pskc, "KeyContainer")) {
        return make_error(Errc::invalid_argument, "not a PSKC file (no RFC 6030 KeyContainer)");
    }
    if (attribute(root, "Version").value_or("") != "1.0") {
        return make_error(Errc::invalid_argument, "unsupported PSKC version (1.0 expected)");
    }
    const auto packages = children(root, ns_pskc, "KeyPackage");
    if (packages.empty()) return make_error(Errc::invalid_argument, "no KeyPackage: empty lot");
    const Protection protection = read_protection(root, options);

    std::vector<Store::NewToken> tokens;
    tokens.reserve(packages.size());
    std::set<std::string> serials;
    for (std::size_t i = 0; i < packages.size(); ++i) {
        std::string name;
        auto token = read_package(packages[i], protection, options, name);
        const std::string who = name.empty() ? "key #" + std::to_string(i + 1) : "key " + name;
        if (!token) return make_error(Errc::invalid_argument, who + ": " + token.error().message);
        if (!serials.insert(token->spec.serial).second) {
            return make_error(Errc::already_exists, who + ": serial appears twice in the file");
        }
        tokens.push_back(std::move(token.value()));
        if (options.progress) options.progress(i + 1, packages.size());
    }
    return tokens;
}

}  // namespace

Result<std::vector<Store::NewToken>> parse(std::string_view xml, const ImportOptions& options) {
    if (xml.size() > max_file_bytes) {
        return make_error(Errc::invalid_argument,
                          "file larger than " + std::to_string(max_file_bytes / (1024 * 1024)) + " MiB");
    }
    // No DTD at all: nothing for entity expansion or external loading to act on.
    if (xml.find("<!DOCTYPE") != std::string_view::npos || xml.find("<!ENTITY") != std::string_view::npos) {
        return make_error(Errc::invalid_argument, "a DOCTYPE is not allowed in a PSKC file");
    }
    std::unique_ptr<xmlParserCtxt, ParserFree> ctxt(xmlNewParserCtxt());
    if (!ctxt) return make_error(Errc::internal, "libxml2: out of memory");
    const int flags = XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING;
    std::unique_ptr<xmlDoc, DocFree> doc(xmlCtxtReadMemory(
        ctxt.get(), xml.data(), static_cast<int>(xml.size()), "pskc.xml", nullptr, flags));
    if (!doc) {
        const xmlError* error = xmlCtxtGetLastError(ctxt.get());
        std::string why = error && error->message ? printable(error->message) : "not well-formed";
        while (!why.empty() && (why.back() == '?' || why.back() == ' ')) why.pop_back();
        return make_error(Errc::invalid_argument,
                          "not well-formed XML (line " + std::to_string(error ? error->line : 0) +
                              "): " + why);
    }
    if (doc->intSubset != nullptr || doc->extSubset != nullptr) {
        return make_error(Errc::invalid_argument, "a DOCTYPE is not allowed in a PSKC file");
    }
    return read_container(xmlDocGetRootElement(doc.get()), options);
}

Result<otp::SecretBytes> parse_pre_shared_key(std::string_view content) {
    auto hex_value = [](char c) -> int {
        if (c >= '0' && c <= '9') return c - '0';
        if (c >= 'a' && c <= 'f') return c - 'a' + 10;
        if (c >= 'A' && c <= 'F') return c - 'A' + 10;
        return -1;
    };
    otp::SecretBytes key;
    int high = -1;
    bool hex = true;
    for (char c : content) {
        if (c == ' ' || c == '\n' || c == '\r' || c == '\t') continue;
        const int v = hex_value(c);
        if (v < 0) {
            hex = false;
            break;
        }
        if (high < 0) {
            high = v;
        } else {
            key.push_back(static_cast<std::uint8_t>(high * 16 + v));
            high = -1;
        }
    }
    if (hex && high < 0 && key.size() == aes128_key_bytes) return key;
    if (content.size() == aes128_key_bytes) {
        return otp::SecretBytes(content.begin(), content.end());
    }
    return make_error(Errc::invalid_argument,
                      "pre-shared key must be 32 hex digits or 16 bytes (AES-128)");
}

}  // namespace okey::pskc
