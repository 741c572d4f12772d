// SPDX-License-Identifier: Apache-2.0
// tools/okeyctl/doctor.cpp — `okeyctl doctor` (DESIGN.md §12): one line per
// check, ok / warning / error, exit 1 on any error. It reads and never
// changes anything: the config; the owners and modes of the config, the
// store, its folder and the key file; the store's integrity and schema; the
// key file opening every sealed value in the store; the clock's
// synchronisation; which PAM services ask for a passcode; whether root or an
// administrator would be locked out; keys held under another spelling than
// NSS's; and the remote servers.
//
// --pam-dir DIR reads another pam.d folder (tests, a chroot): it only
// changes what is read and reported, never what is trusted.
#include "pam_stack.hpp"
#include "verbs.hpp"

#include "engine/calendar_date.hpp"
#include "engine/file_trust.hpp"
#include "engine/remote/http_client.hpp"
#include "engine/scope.hpp"
#include "engine/store/location.hpp"

#include <grp.h>
#include <pwd.h>
#include <sys/stat.h>
#include <sys/timex.h>

#include <cerrno>
#include <cstring>
#include <set>

namespace okeyctl {
namespace {

// The groups whose members administer a Debian system (sudo), or another
// distribution's (wheel, admin).
constexpr const char* admin_groups[] = {"sudo", "wheel", "admin"};

// Where pam_okey.so runs okey-check for callers that are not root (fixed at
// build time, as in the module).
constexpr const char* helper_path = OKEY_HELPER_PATH;

class Doctor {
public:
    explicit Doctor(Context& ctx) : ctx_(ctx) {}

    void add(CheckLine::Status status, std::string name, std::string detail) {
        lines_.push_back(CheckLine{status, std::move(name), std::move(detail)});
    }
    const std::vector<CheckLine>& lines() const { return lines_; }

    const okey::Config* config();
    void files(const okey::Config& config);
    void helper();
    okey::Store* store(const okey::Config& config);
    void clock();
    std::optional<PamUse> pam(const std::string& pam_dir);
    void lockout(const okey::Config& config, okey::Store* store, const std::optional<PamUse>& pam);
    void names(const okey::Config& config, okey::Store* store);
    void remote(const okey::Config& config);

private:
    void file(const std::string& what, const std::string& path, okey::FileRole role);
    Context& ctx_;
    std::vector<CheckLine> lines_;
};

constexpr auto ok = CheckLine::Status::ok;
constexpr auto warning = CheckLine::Status::warning;
constexpr auto error = CheckLine::Status::error;

std::string joined(const std::vector<std::string>& items) {
    std::string out;
    for (const auto& item : items) out += (out.empty() ? "" : ", ") + item;
    return out;
}

// "root:root 0600"
std::string owner_and_mode(const std::string& path) {
    struct stat st {};
    if (::lstat(path.c_str(), &st) != 0) return std::strerror(errno);
    const passwd* user = getpwuid(st.st_uid);
    const group* grp = getgrgid(st.st_gid);
    char mode[8];
    std::snprintf(mode, sizeof mode, "%04o", static_cast<unsigned>(st.st_mode & 07777));
    return (user ? std::string(user->pw_name) : std::to_string(st.st_uid)) + ":" +
           (grp ? std::string(grp->gr_name) : std::to_string(st.st_gid)) + " " + mode;
}

const okey::Config* Doctor::config() {
    try {
        const okey::Config& config = ctx_.config();
        std::string where = config.source.empty() ? "no config file: the defaults" : config.source;
        add(ok, "config",
            where + ": valid (backend " + (config.backend == okey::BackendKind::remote ? "remote" : "local") +
                ", store " + (okey::store::is_postgresql_uri(config.store)
                                  ? okey::store::displayed_uri(config.store)
                                  : config.store) +
                ")");
        return &config;
    } catch (const Refusal& r) {
        add(error, "config", r.message);
        return nullptr;
    }
}

void Doctor::file(const std::string& what, const std::string& path, okey::FileRole role) {
    if (auto trusted = okey::check_trusted_path(path, role, ctx_.trusted_owner()); !trusted)
        add(error, what, trusted.error().message);
    else
        add(ok, what, path + ": " + owner_and_mode(path));
}

void Doctor::files(const okey::Config& config) {
    if (!config.source.empty()) file("config file", config.source, okey::FileRole::config);
    if (!okey::store::is_postgresql_uri(config.store)) {
        file("store folder", okey::parent_directory(config.store), okey::FileRole::directory);
        file("store file", config.store, okey::FileRole::secret);
    }
    file("key file", config.key_file, okey::FileRole::secret);
}

// okey-check must be setuid root for screen lockers (DESIGN.md §10), and
// root's alone; when it is not installed there is nothing to say.
void Doctor::helper() {
    struct stat st {};
    if (::lstat(helper_path, &st) != 0) {
        add(ok, "okey-check", std::string(helper_path) + ": not installed (callers that are not root "
                                                          "cannot log in with okey)");
        return;
    }
    const std::string shown = std::string(helper_path) + ": " + owner_and_mode(helper_path);
    if (!S_ISREG(st.st_mode) || st.st_uid != 0 || (st.st_mode & 022) != 0)
        add(error, "okey-check", shown + ": must be a file of root's that nobody else can write");
    else if ((st.st_mode & S_ISUID) == 0)
        add(error, "okey-check", shown + ": not setuid: screen lockers cannot log in (dpkg-statoverride?)");
    else
        add(ok, "okey-check", shown);
}

okey::Store* Doctor::store(const okey::Config& config) {
    okey::Store* store = nullptr;
    try {
        store = &ctx_.store();
    } catch (const Refusal& r) {
        add(error, "store", r.message);
        return nullptr;
    }
    const bool sqlite = !okey::store::is_postgresql_uri(config.store);
    auto problems = store->integrity_problems();
    if (!problems)
        add(error, "store", problems.error().message);
    else if (!problems->empty())
        add(error, "store", "damaged: " + problems.value() + " (restore a backup: okeyctl restore)");
    else
        add(ok, "store",
            std::string(sqlite ? "PRAGMA integrity_check: ok" : "every table read") +
                ", schema version " + std::to_string(store->schema_version()));
    // Every sealed value, not a sample: a damaged one shows at its login.
    auto contents = store->open_every_secret();
    if (!contents) {
        add(error, "secrets", contents.error().message);
        return store;
    }
    std::int64_t keys = 0;
    for (const auto& [table, rows] : contents->rows)
        if (table == "tokens") keys = rows;
    add(ok, "secrets",
        "every sealed value opens with " + config.key_file + ": " +
            counted(contents->secrets_opened, "value", "values") + ", of " +
            counted(keys, "key", "keys"));
    return store;
}

// TOTP compares the key's clock with this one: the kernel says whether it
// is kept in step (adjtimex, read only: modes = 0).
void Doctor::clock() {
    struct timex tx {};
    const int state = ::adjtimex(&tx);
    if (state == -1) {
        add(warning, "clock", std::string("cannot read the clock's state (adjtimex): ") + std::strerror(errno));
        return;
    }
    if (state == TIME_ERROR || (tx.status & STA_UNSYNC))
        add(warning, "clock",
            "not synchronised (adjtimex: STA_UNSYNC): codes are checked against this clock; run "
            "chrony or systemd-timesyncd");
    else
        add(ok, "clock", "synchronised (estimated error " + std::to_string(tx.esterror) + " µs)");
}

std::optional<PamUse> Doctor::pam(const std::string& pam_dir) {
    auto use = find_pam_okey(pam_dir);
    if (!use) {
        add(warning, "pam", use.error().message);
        return std::nullopt;
    }
    if (use->services.empty() && !use->common_auth)
        add(warning, "pam",
            "no PAM service in " + pam_dir + " asks for a passcode (pam-auth-update --enable okey)");
    else
        add(ok, "pam",
            "passcode asked by " + (use->services.empty() ? std::string("no service") : joined(use->services)) +
                (use->common_auth ? " (common-auth includes pam_okey)" : ""));
    return use.value();
}

// Members of the administrators' groups, and root.
std::vector<std::string> administrators() {
    std::set<std::string> logins{"root"};
    for (const char* name : admin_groups)
        if (const group* grp = getgrnam(name))
            for (char** member = grp->gr_mem; member && *member; ++member) logins.insert(*member);
    return {logins.begin(), logins.end()};
}

void Doctor::lockout(const okey::Config& config, okey::Store* store, const std::optional<PamUse>& pam) {
    if (config.backend == okey::BackendKind::remote) {
        add(ok, "lockout", "not checked here: the validation service holds the keys");
        return;
    }
    if (!store) {
        add(warning, "lockout", "cannot tell: the store did not open");
        return;
    }
    const bool deny = config.unknown_user == okey::UnknownUserPolicy::deny;
    std::vector<std::string> at_risk, safe;
    for (const auto& login : administrators()) {
        // Not asked at all (scope): nothing to fear from okey. The names come
        // from NSS already; one it cannot look up now is judged as asked.
        auto account = okey::find_account(login);
        const okey::ScopeDecision scope = okey::decide_scope(
            config.scope, login, account ? account.value() : std::optional<okey::Account>());
        if (!scope.asked) {
            safe.push_back(login + " (" + scope.reason + ")");
            continue;
        }
        okey::TokenFilter filter;
        filter.login = login;
        filter.state = okey::KeyState::assigned;
        auto keys = store->list_tokens(filter);
        auto known = store->get_user(login);
        const bool has_key = keys && !keys->empty();
        // Refused at every login: no key, and either every login without a
        // record is refused, or this one has a record (without a key).
        if (!has_key && (deny || known)) at_risk.push_back(login);
        else safe.push_back(login + (has_key ? " (holds a key)" : " (unknown_user = \"ignore\")"));
    }
    if (at_risk.empty()) {
        add(ok, "lockout", "nobody who administers is refused: " + joined(safe));
        return;
    }
    const std::string who = joined(at_risk);
    const std::string how = "exempt them (scope.exempt_users or scope.exempt_groups) or give them a key";
    if (pam && pam->common_auth)
        add(error, "lockout",
            who + ": hold no key and are not exempt, and common-auth asks every login for a "
                  "passcode: they are refused everywhere (" + how +
                  ", or pam-auth-update --disable okey from a root shell)");
    else
        add(warning, "lockout",
            who + ": hold no key and are not exempt: once okey is enabled in common-auth they are "
                  "refused (" + how + " before enabling)");
}

// pam_okey asks for the key of the login as NSS spells it (SECURITY.md §22):
// a key held under another spelling (assigned before okeyctl respelled, or on
// a machine whose NSS differs) is never asked for.
void Doctor::names(const okey::Config& config, okey::Store* store) {
    if (config.backend == okey::BackendKind::remote || !store) return;  // said by lockout
    okey::TokenFilter filter;
    filter.state = okey::KeyState::assigned;
    auto keys = store->list_tokens(filter);
    if (!keys) {
        add(warning, "names", "cannot list the assigned keys: " + keys.error().message);
        return;
    }
    std::vector<std::string> respelled;
    std::int64_t unknown = 0;
    for (const auto& key : keys.value()) {
        const std::string& owner = key.owner;
        auto account = okey::find_account(owner);
        if (!account) {
            add(warning, "names", "cannot tell: " + account.error().message);
            return;
        }
        if (!account.value()) ++unknown;
        else if (account.value()->login != owner)
            respelled.push_back(printable(owner) + " (key " + printable(key.spec.serial) +
                                ", NSS says " + printable(account.value()->login) + ")");
    }
    const std::string held = counted(static_cast<std::int64_t>(keys->size()), "assigned key", "assigned keys");
    const std::string not_known =
        unknown == 0 ? "" : ", " + counted(unknown, "holder", "holders") + " unknown to NSS on this machine";
    if (respelled.empty()) {
        add(ok, "names", held + " held under NSS's spelling of their login" + not_known);
        return;
    }
    add(warning, "names",
        joined(respelled) + ": pam_okey asks for the key of the login as NSS spells it, so these "
                            "keys are never asked for (okeyctl token return SERIAL --comment …, then "
                            "okeyctl token assign SERIAL LOGIN)");
}

void Doctor::remote(const okey::Config& config) {
    if (config.backend != okey::BackendKind::remote) {
        add(ok, "remote", "not used (backend = \"local\")");
        return;
    }
    if (config.remote.urls.empty()) {
        add(error, "remote", "backend = \"remote\" and no remote.urls");
        return;
    }
    auto settings = okey::remote::transport_settings(config, ctx_.trusted_owner());
    if (!settings) {
        add(error, "remote", settings.error().message);
        return;
    }
    for (const auto& url : config.remote.urls) {
        okey::remote::TransportSettings copy = settings.value();
        okey::remote::HttpClient server(url, std::move(copy));
        const auto reply = server.get("/healthz");
        const std::string name = "remote " + url;
        if (reply.transport == okey::remote::Transport::answered && reply.status == 200)
            add(ok, name, "TLS certificate valid; /healthz: 200 (okeyd and its database answer)");
        else if (reply.transport == okey::remote::Transport::answered)
            add(ok, name, "TLS certificate valid; /healthz: HTTP " + std::to_string(reply.status) +
                              " (not okeyd: no health check)");
        else if (reply.status >= 500)
            add(error, name, "TLS certificate valid; /healthz: HTTP " + std::to_string(reply.status) +
                                 " (okeyd answers, its database does not)");
        else
            add(error, name, (reply.transport == okey::remote::Transport::unreachable ? "unreachable: "
                                                                                      : "refused: ") +
                                 reply.reason);
    }
}

}  // namespace

void admin_doctor(Context& ctx, Words words) {
    auto args = parse_arguments(words, {{"pam-dir", true}}, 0, 0);
    ctx.merge_global(args);
    Doctor doctor(ctx);
    const okey::Config* config = doctor.config();
    okey::Store* store = nullptr;
    if (config) {
        doctor.files(*config);
        doctor.helper();
        store = doctor.store(*config);
    }
    doctor.clock();
    const auto pam = doctor.pam(args.value("pam-dir").value_or(default_pam_dir));
    if (config) {
        doctor.lockout(*config, store, pam);
        doctor.names(*config, store);
        doctor.remote(*config);
    }
    ctx.out().checks(doctor.lines());
    std::size_t errors = 0;
    for (const auto& line : doctor.lines()) errors += line.status == CheckLine::Status::error;
    if (errors > 0)
        refuse("doctor: " + std::to_string(errors) + (errors > 1 ? " checks" : " check") + " failed");
}

}  // namespace okeyctl
