// SPDX-License-Identifier: Apache-2.0
// tools/okeyctl/context.hpp — what every verb needs: the global options, the
// configuration, the store (opened on first use, files trusted when owned by
// the invoking user), the clock, the output, and the one way a verb refuses
// (throw Refusal → "okeyctl: <reason>" on stderr, exit 1).
#pragma once

#include "actor.hpp"
#include "args.hpp"
#include "output.hpp"

#include "engine/clock.hpp"
#include "engine/config.hpp"
#include "engine/result.hpp"
#include "engine/store/store.hpp"

#include <optional>
#include <string>

namespace okeyctl {

struct Refusal {
    std::string message;
};

[[noreturn]] inline void refuse(std::string message) { throw Refusal{std::move(message)}; }

template <class T>
T unwrap(okey::Result<T> result) {
    if (!result) refuse(result.error().message);
    return std::move(result.value());
}
inline void unwrap(okey::Result<void> result) {
    if (!result) refuse(result.error().message);
}

class Context {
public:
    explicit Context(Arguments global);

    // Global options given after the verb words count too.
    void merge_global(const Arguments& verb_arguments);

    Output& out() { return output_; }
    bool json() const { return output_.json(); }
    const okey::Clock& clock() const { return clock_; }
    std::int64_t now() const { return clock_.now(); }
    unsigned trusted_owner() const { return owner_; }

    // The config (--config or the default path) with --store/--key-file applied.
    const okey::Config& config();
    okey::StoreOptions store_options();
    okey::Store& store();
    // One act, by the administrator running okeyctl, audited with `comment`.
    okey::Act act(std::string comment = {}) const {
        return okey::Act{now(), std::move(comment), actor_.login};
    }
    const Actor& actor() const { return actor_; }
    // What the act is about, for its syslog line (main.cpp): set by the verb
    // once its arguments are checked, so that a refusal names them too.
    void about(std::string login, std::string serial = {}) {
        subject_login_ = std::move(login);
        subject_serial_ = std::move(serial);
    }
    const std::string& subject_login() const { return subject_login_; }
    const std::string& subject_serial() const { return subject_serial_; }

private:
    Arguments global_;
    Output output_;
    Actor actor_ = acting_administrator();
    std::string subject_login_, subject_serial_;
    okey::SystemClock clock_;
    unsigned owner_;
    std::optional<okey::Config> config_;
    std::optional<okey::Store> store_;
};

}  // namespace okeyctl
