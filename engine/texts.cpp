// SPDX-License-Identifier: Apache-2.0
// engine/texts.cpp — the default texts in French (the seeds' wording) and
// English, and how overrides from `prompts:` are laid over them.
#include "engine/texts.hpp"

namespace okey {
namespace {

Texts french() {
    Texts t;
    t.passcode = "Passcode OTP : ";
    t.code_only = "Code affiché sur votre clé OTP : ";
    t.new_pin = "Saisissez votre nouveau code PIN ({min} à {max} chiffres) : ";
    t.confirm_pin = "Confirmez votre nouveau code PIN : ";
    t.new_pin_passcode =
        "Attendez que le code de votre clé change, puis saisissez votre passcode (PIN + code) : ";
    t.next_code = "Attendez que le code de votre clé change, puis saisissez le code suivant : ";
    t.acknowledge = "Appuyez sur Entrée pour continuer.";
    t.password_passcode = "Mot de passe suivi du passcode OTP : ";
    t.new_pin_intro =
        "Première utilisation de votre clé OTP ou code PIN réinitialisé : saisissez uniquement "
        "les {digits} chiffres affichés sur votre clé, puis créez votre code PIN.";
    t.next_code_reason =
        "Votre clé est désynchronisée : un second code est nécessaire pour la resynchroniser.";
    t.pin_mismatch = "Les deux codes PIN saisis sont différents. Veuillez recommencer.";
    t.pin_invalid = "Le code PIN doit contenir de {min} à {max} chiffres.";
    t.pin_trivial =
        "Ce code PIN est trop simple (chiffres identiques ou suite de chiffres). "
        "Choisissez-en un autre.";
    t.pin_saved = "Votre clé est désormais initialisée et opérationnelle.";
    t.key_expired =
        "Votre clé OTP a expiré. Contactez votre chef d'établissement pour la renouveler.";
    t.login_locked =
        "Trop d'échecs : votre connexion est temporairement bloquée. Réessayez plus tard ou "
        "contactez votre administrateur.";
    return t;
}

Texts english() {
    Texts t;
    t.passcode = "OTP passcode: ";
    t.code_only = "Code shown on your OTP key: ";
    t.new_pin = "Enter your new PIN ({min} to {max} digits): ";
    t.confirm_pin = "Confirm your new PIN: ";
    t.new_pin_passcode =
        "Wait for the code on your key to change, then enter your passcode (PIN + code): ";
    t.next_code = "Wait for the code on your key to change, then enter the next code: ";
    t.acknowledge = "Press Enter to continue.";
    t.password_passcode = "Password followed by the OTP passcode: ";
    t.new_pin_intro =
        "First use of your OTP key or PIN reset: enter only the {digits} digits shown on your key, "
        "then create your PIN.";
    t.next_code_reason =
        "Your key has drifted: a second code is needed to resynchronise it.";
    t.pin_mismatch = "The two PINs differ. Please try again.";
    t.pin_invalid = "The PIN must have {min} to {max} digits.";
    t.pin_trivial =
        "This PIN is too simple (one repeated digit or a straight run). Choose another one.";
    t.pin_saved = "Your key is now initialised and ready to use.";
    t.key_expired = "Your OTP key has expired. Contact your head of school to renew it.";
    t.login_locked =
        "Too many failures: your login is temporarily locked. Try again later or contact your "
        "administrator.";
    return t;
}

}  // namespace

namespace {

// `text` with every `name` replaced by `value`.
std::string fill(std::string_view text, std::string_view name, std::string_view value) {
    std::string out;
    out.reserve(text.size());
    for (std::size_t i = 0; i < text.size();) {
        if (text.substr(i, name.size()) == name) {
            out += value;
            i += name.size();
        } else {
            out += text[i++];
        }
    }
    return out;
}

}  // namespace

std::string fill_pin_bounds(std::string_view text, unsigned pin_min, unsigned pin_max) {
    return fill(fill(text, "{min}", std::to_string(pin_min)), "{max}", std::to_string(pin_max));
}

std::string fill_code_digits(std::string_view text, unsigned digits) {
    return fill(text, "{digits}", std::to_string(digits));
}

Texts default_texts(Language language, unsigned pin_min, unsigned pin_max) {
    Texts t = language == Language::en ? english() : french();
    for (const auto& field : text_fields)
        t.*field.member = fill_pin_bounds(t.*field.member, pin_min, pin_max);
    return t;
}

Texts compose_texts(const Config& config) {
    Texts t = default_texts(config.language, config.pin.min_length, config.pin.max_length);
    for (const auto& [name, text] : config.text_overrides)
        for (const auto& field : text_fields)
            if (field.name == name)
                t.*field.member = fill_pin_bounds(text, config.pin.min_length,
                                                  config.pin.max_length);
    return t;
}

namespace {

struct Folding {
    char32_t code;
    const char* ascii;
};

// Latin-1 and the few typographic characters French texts use.
constexpr Folding foldings[] = {
    {U'à', "a"}, {U'á', "a"}, {U'â', "a"}, {U'ä', "a"}, {U'ã', "a"}, {U'å', "a"},
    {U'À', "A"}, {U'Á', "A"}, {U'Â', "A"}, {U'Ä', "A"}, {U'Ã', "A"}, {U'Å', "A"},
    {U'ç', "c"}, {U'Ç', "C"},
    {U'é', "e"}, {U'è', "e"}, {U'ê', "e"}, {U'ë', "e"},
    {U'É', "E"}, {U'È', "E"}, {U'Ê', "E"}, {U'Ë', "E"},
    {U'í', "i"}, {U'ì', "i"}, {U'î', "i"}, {U'ï', "i"},
    {U'Í', "I"}, {U'Ì', "I"}, {U'Î', "I"}, {U'Ï', "I"},
    {U'ñ', "n"}, {U'Ñ', "N"},
    {U'ó', "o"}, {U'ò', "o"}, {U'ô', "o"}, {U'ö', "o"}, {U'õ', "o"},
    {U'Ó', "O"}, {U'Ò', "O"}, {U'Ô', "O"}, {U'Ö', "O"}, {U'Õ', "O"},
    {U'ú', "u"}, {U'ù', "u"}, {U'û', "u"}, {U'ü', "u"},
    {U'Ú', "U"}, {U'Ù', "U"}, {U'Û', "U"}, {U'Ü', "U"},
    {U'ý', "y"}, {U'ÿ', "y"}, {U'Ý', "Y"}, {U'Ÿ', "Y"},
    {U'œ', "oe"}, {U'Œ', "OE"}, {U'æ', "ae"}, {U'Æ', "AE"}, {U'ß', "ss"},
    {U'«', "\""}, {U'»', "\""}, {U'“', "\""}, {U'”', "\""}, {U'„', "\""},
    {U'‘', "'"}, {U'’', "'"}, {U'‹', "<"}, {U'›', ">"},
    {U'–', "-"}, {U'—', "-"}, {U'…', "..."}, {U'€', "EUR"}, {U'°', "o"},
    {U'\u00A0', " "}, {U'\u202F', " "}, {U'\u2009', " "},
};

// One UTF-8 sequence at text[i]: its code point and length, or length 0.
std::size_t decode(std::string_view text, std::size_t i, char32_t& code) {
    const auto byte = [&](std::size_t k) { return static_cast<unsigned char>(text[i + k]); };
    const unsigned char lead = byte(0);
    std::size_t length = lead >= 0xF0 && lead < 0xF5 ? 4 : lead >= 0xE0 ? 3 : lead >= 0xC2 ? 2 : 0;
    if (length == 0 || lead >= 0xF5 || i + length > text.size()) return 0;
    code = lead & (0x7F >> length);
    for (std::size_t k = 1; k < length; ++k) {
        if ((byte(k) & 0xC0) != 0x80) return 0;
        code = (code << 6) | (byte(k) & 0x3F);
    }
    // Overlong forms and surrogates are invalid.
    if ((length == 3 && code < 0x800) || (length == 4 && code < 0x10000) ||
        (code >= 0xD800 && code <= 0xDFFF) || code > 0x10FFFF)
        return 0;
    return length;
}

}  // namespace

std::string ascii_text(std::string_view utf8) {
    std::string out;
    out.reserve(utf8.size());
    for (std::size_t i = 0; i < utf8.size();) {
        const auto byte = static_cast<unsigned char>(utf8[i]);
        if (byte < 0x80) {
            out.push_back(static_cast<char>(byte));
            ++i;
            continue;
        }
        char32_t code = 0;
        const std::size_t length = decode(utf8, i, code);
        if (length == 0) {
            out.push_back('?');
            ++i;
            continue;
        }
        const char* ascii = "?";
        for (const Folding& f : foldings)
            if (f.code == code) ascii = f.ascii;
        out += ascii;
        i += length;
    }
    return out;
}

}  // namespace okey
