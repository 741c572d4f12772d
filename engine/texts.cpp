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
    t.new_pin_intro =
        "Première utilisation de votre clé OTP ou code PIN réinitialisé : saisissez uniquement "
        "les 6 chiffres affichés sur votre clé, puis créez votre code PIN.";
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
    t.new_pin_intro =
        "First use of your OTP key or PIN reset: enter only the 6 digits shown on your key, "
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

std::string fill_pin_bounds(std::string_view text, unsigned pin_min, unsigned pin_max) {
    std::string out;
    out.reserve(text.size());
    for (std::size_t i = 0; i < text.size();) {
        if (text.substr(i, 5) == "{min}") {
            out += std::to_string(pin_min);
            i += 5;
        } else if (text.substr(i, 5) == "{max}") {
            out += std::to_string(pin_max);
            i += 5;
        } else {
            out += text[i++];
        }
    }
    return out;
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

}  // namespace okey
