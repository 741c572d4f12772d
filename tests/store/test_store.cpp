// SPDX-License-Identifier: Apache-2.0
// tests/store/test_store.cpp — the store on the backend of this run
// (OKEY_TEST_STORE): every lifecycle act's success and refusal paths with its
// audit row, the login path (look-up, failure counter, step acceptance),
// sealed secrets that do not survive tampering, offline values. Creating and
// opening a store: test_store_open.cpp.
#include "store_fixture.hpp"

using okey::Errc;
using okey::KeyState;
using okey::PinState;
using okey::StepVerdict;
using okey::Store;
using test::act;
using test::last_audit;
using test::rfc_secret;
using test::spec;

namespace {

const std::int64_t t0 = 1'700'000'000;

void expect_audit(Store& store, const char* event, const char* login, const char* serial,
                  const char* reason) {
    auto e = last_audit(store);
    assert_string_equal(e.event.c_str(), event);
    assert_string_equal(e.login.c_str(), login);
    assert_string_equal(e.serial.c_str(), serial);
    assert_string_equal(e.reason.c_str(), reason);
    assert_string_equal(e.outcome.c_str(), "success");
    assert_string_equal(e.service.c_str(), "okeyctl");
}

okey::LoginView view_of(Store& store, const char* login) {
    auto view = store.load_login(login);
    assert_ok(view);
    assert_true(view->has_value());
    return std::move(*view.value());
}

void add_and_read_keys(void**) {
    test::StoreDir d;
    auto store = d.make();
    okey::KeySpec s = spec("OK-0001", "lot-2024");
    s.algorithm = OKEY_OTP_SHA256;
    s.digits = 8;
    s.period = 60;
    s.expires = "2027-06-30";
    assert_ok(store.add_token(s, rfc_secret, act(t0, "new lot")));
    auto t = store.get_token("OK-0001");
    assert_ok(t);
    assert_string_equal(t->spec.serial.c_str(), "OK-0001");
    assert_int_equal(t->spec.algorithm, OKEY_OTP_SHA256);
    assert_int_equal(t->spec.digits, 8);
    assert_int_equal(t->spec.period, 60);
    assert_string_equal(t->spec.lot.c_str(), "lot-2024");
    assert_string_equal(t->spec.expires.c_str(), "2027-06-30");
    assert_true(t->state == KeyState::stock);
    assert_true(t->owner.empty());
    assert_false(t->last_step.has_value());
    assert_int_equal(t->created, t0);
    expect_audit(store, "token.add", "", "OK-0001", "new lot (lot lot-2024)");
    auto secret = store.token_secret("OK-0001");
    assert_ok(secret);
    assert_int_equal(secret->size(), sizeof rfc_secret);
    assert_memory_equal(secret->data(), rfc_secret, sizeof rfc_secret);
    // The secret is not stored in clear.
    assert_false(d.db.column_contains("tokens", "secret", "1234567890"));

    assert_refused(store.add_token(s, rfc_secret, act(t0)), Errc::already_exists,
                   "serial OK-0001: already in the store");
    assert_refused(store.add_token(spec("bad serial"), rfc_secret, act(t0)),
                   Errc::invalid_argument, "serial \"bad serial\"");
    assert_refused(store.add_token(spec("A/1"), rfc_secret, act(t0)), Errc::invalid_argument,
                   "serial \"A/1\"");
    assert_refused(store.add_token(spec("offline:jdupont"), rfc_secret, act(t0)),
                   Errc::invalid_argument, "offline:");
    assert_refused(store.add_token(spec("SHORT"), std::span(rfc_secret, 9), act(t0)),
                   Errc::invalid_argument, "10 to 64 bytes");
    auto seven = spec("SEVEN");
    seven.digits = 7;
    assert_refused(store.add_token(seven, rfc_secret, act(t0)), Errc::invalid_argument,
                   "6 or 8");
    auto date = spec("DATE");
    date.expires = "2025-02-30";
    assert_refused(store.add_token(date, rfc_secret, act(t0)), Errc::invalid_argument,
                   "YYYY-MM-DD");
    assert_refused(store.get_token("NOPE"), Errc::not_found, "serial NOPE: not in the store");
    assert_refused(store.token_secret("NOPE"), Errc::not_found, "NOPE");

    // Lists and their filters.
    assert_ok(store.add_token(spec("OK-0002", "lot-2024"), rfc_secret, act(t0)));
    assert_ok(store.add_token(spec("OK-0003", "other"), rfc_secret, act(t0)));
    assert_ok(store.assign("OK-0002", "jdupont", act(t0)));
    auto all = store.list_tokens({});
    assert_ok(all);
    assert_int_equal(all->size(), 3);
    okey::TokenFilter by_lot;
    by_lot.lot = "lot-2024";
    assert_int_equal(store.list_tokens(by_lot)->size(), 2);
    okey::TokenFilter by_state;
    by_state.state = KeyState::stock;
    assert_int_equal(store.list_tokens(by_state)->size(), 2);
    okey::TokenFilter by_login;
    by_login.login = "jdupont";
    auto mine = store.list_tokens(by_login);
    assert_int_equal(mine->size(), 1);
    assert_string_equal(mine->front().spec.serial.c_str(), "OK-0002");
}

void import_is_all_or_nothing(void**) {
    test::StoreDir d;
    auto store = d.make();
    assert_ok(store.add_token(spec("L-2"), rfc_secret, act(t0)));
    std::vector<Store::NewToken> lot;
    for (const char* serial : {"L-1", "L-2", "L-3"})
        lot.push_back({spec(serial, "lot-A"), okey::otp::SecretBytes(rfc_secret, rfc_secret + 20)});
    assert_refused(store.add_tokens(lot, act(t0)), Errc::already_exists, "serial L-2");
    assert_refused(store.get_token("L-1"), Errc::not_found, "L-1");
    assert_int_equal(store.audit({})->size(), 1);
    lot[1].spec.serial = "L-4";
    assert_ok(store.add_tokens(lot, act(t0, "delivery 12")));
    assert_int_equal(store.list_tokens({})->size(), 4);
    auto rows = store.audit({});
    assert_int_equal(rows->size(), 4);
    assert_string_equal(rows->back().event.c_str(), "token.import");
    assert_string_equal(rows->back().reason.c_str(), "delivery 12 (lot lot-A)");
}

void assign_rules(void**) {
    test::StoreDir d;
    auto store = d.make();
    for (const char* serial : {"K1", "K2", "K3"})
        assert_ok(store.add_token(spec(serial), rfc_secret, act(t0)));
    assert_ok(store.assign("K1", "jdupont", act(t0 + 1, "remise en main propre")));
    expect_audit(store, "token.assign", "jdupont", "K1", "remise en main propre");
    auto t = store.get_token("K1");
    assert_true(t->state == KeyState::assigned);
    assert_string_equal(t->owner.c_str(), "jdupont");
    auto user = store.get_user("jdupont");
    assert_ok(user);
    assert_true(user->pin_state == PinState::new_pin_required);
    assert_true(user->pin_hash.empty());

    assert_refused(store.assign("K2", "jdupont", act(t0)), Errc::wrong_state,
                   "login jdupont: already has key K1");
    assert_refused(store.assign("K1", "cjoseph1", act(t0)), Errc::wrong_state,
                   "serial K1: is assigned");
    assert_ok(store.mark_lost("K3", act(t0, "tombée")));
    assert_refused(store.assign("K3", "cjoseph1", act(t0)), Errc::wrong_state, "serial K3: is lost");
    assert_refused(store.assign("NOPE", "cjoseph1", act(t0)), Errc::not_found, "NOPE");
    assert_refused(store.assign("K2", "bad login", act(t0)), Errc::invalid_argument, "login");
    assert_refused(store.get_user("cjoseph1"), Errc::not_found, "cjoseph1");
}

void lost_is_never_valid_again(void**) {
    test::StoreDir d;
    auto store = d.make();
    assert_ok(store.add_token(spec("K1"), rfc_secret, act(t0)));
    assert_ok(store.assign("K1", "jdupont", act(t0)));
    assert_ok(store.mark_lost("K1", act(t0 + 5, "perdue dans le bus")));
    expect_audit(store, "token.lost", "jdupont", "K1", "perdue dans le bus");
    auto t = store.get_token("K1");
    assert_true(t->state == KeyState::lost);
    assert_true(t->owner.empty());
    auto view = view_of(store, "jdupont");
    assert_false(view.token.has_value());
    assert_true(view.secret.empty());
    okey::StepAcceptance a{"jdupont", "K1", 100, 0, t0, true, std::nullopt};
    assert_int_equal(static_cast<int>(store.accept_step(a).value()),
                     static_cast<int>(StepVerdict::key_changed));
    assert_refused(store.mark_lost("K1", act(t0)), Errc::wrong_state, "is lost");
    assert_refused(store.return_to_stock("K1", act(t0)), Errc::wrong_state, "is lost");
    assert_refused(store.assign("K1", "jdupont", act(t0)), Errc::wrong_state, "is lost");
    assert_refused(store.set_expiry("K1", "2030-01-01", act(t0)), Errc::wrong_state, "is lost");
    assert_refused(store.record_resync("K1", 5, 0, act(t0)), Errc::wrong_state, "is lost");
    // The login may get a new key.
    assert_ok(store.add_token(spec("K2"), rfc_secret, act(t0)));
    assert_ok(store.assign("K2", "jdupont", act(t0)));
}

void return_to_stock_keeps_the_steps(void**) {
    test::StoreDir d;
    auto store = d.make();
    assert_ok(store.add_token(spec("K1"), rfc_secret, act(t0)));
    assert_refused(store.return_to_stock("K1", act(t0)), Errc::wrong_state, "is stock");
    assert_ok(store.assign("K1", "jdupont", act(t0)));
    okey::StepAcceptance a{"jdupont", "K1", 56'666'666, 2, t0, true, std::string("$argon2id$x")};
    assert_int_equal(static_cast<int>(store.accept_step(a).value()),
                     static_cast<int>(StepVerdict::accepted));
    assert_ok(store.return_to_stock("K1", act(t0 + 9, "départ à la retraite")));
    expect_audit(store, "token.return", "jdupont", "K1", "départ à la retraite");
    auto t = store.get_token("K1");
    assert_true(t->state == KeyState::stock);
    assert_true(t->owner.empty());
    // The last accepted step and the drift are the key's, for its whole life.
    assert_int_equal(*t->last_step, 56'666'666);
    assert_int_equal(t->drift, 2);
    assert_false(view_of(store, "jdupont").token.has_value());
    // Back in stock, it can go to someone else, who cannot use a code already used.
    assert_ok(store.assign("K1", "cjoseph2", act(t0)));
    t = store.get_token("K1");
    assert_int_equal(*t->last_step, 56'666'666);
    assert_int_equal(t->drift, 2);
    okey::StepAcceptance b{"cjoseph2", "K1", 56'666'666, 2, t0 + 10, false, std::nullopt};
    assert_int_equal(static_cast<int>(store.accept_step(b).value()),
                     static_cast<int>(StepVerdict::replayed));
    b.step = 56'666'667;
    assert_int_equal(static_cast<int>(store.accept_step(b).value()),
                     static_cast<int>(StepVerdict::accepted));
}

void renew_keeps_the_pin(void**) {
    test::StoreDir d;
    auto store = d.make();
    for (const char* serial : {"OLD", "NEW", "SPARE"})
        assert_ok(store.add_token(spec(serial), rfc_secret, act(t0)));
    assert_refused(store.renew("jdupont", "NEW", act(t0)), Errc::wrong_state, "has no key");
    assert_ok(store.assign("OLD", "jdupont", act(t0)));
    okey::StepAcceptance a{"jdupont", "OLD", 10, 0, t0, true, std::string("$argon2id$pin")};
    assert_int_equal(static_cast<int>(store.accept_step(a).value()),
                     static_cast<int>(StepVerdict::accepted));
    // NEW was someone else's before, and came back to stock.
    assert_ok(store.assign("NEW", "other", act(t0)));
    okey::StepAcceptance b{"other", "NEW", 20, -1, t0, true, std::string("$argon2id$other")};
    assert_int_equal(static_cast<int>(store.accept_step(b).value()),
                     static_cast<int>(StepVerdict::accepted));
    assert_ok(store.return_to_stock("NEW", act(t0)));
    assert_ok(store.mark_lost("SPARE", act(t0)));
    assert_refused(store.renew("jdupont", "SPARE", act(t0)), Errc::wrong_state, "SPARE: is lost");
    assert_ok(store.renew("jdupont", "NEW", act(t0 + 3, "clé expirée")));
    expect_audit(store, "user.renew", "jdupont", "NEW", "clé expirée (replaces OLD)");
    assert_true(store.get_token("OLD")->state == KeyState::retired);
    assert_true(store.get_token("OLD")->owner.empty());
    auto t = store.get_token("NEW");
    assert_true(t->state == KeyState::assigned);
    assert_string_equal(t->owner.c_str(), "jdupont");
    // Both keys keep their last accepted steps and drifts.
    assert_int_equal(*t->last_step, 20);
    assert_int_equal(t->drift, -1);
    assert_int_equal(*store.get_token("OLD")->last_step, 10);
    auto user = store.get_user("jdupont");
    assert_true(user->pin_state == PinState::set);
    assert_string_equal(user->pin_hash.c_str(), "$argon2id$pin");
    auto view = view_of(store, "jdupont");
    assert_string_equal(view.token->spec.serial.c_str(), "NEW");
    // A retired key is out of use for good.
    assert_refused(store.assign("OLD", "other", act(t0)), Errc::wrong_state, "is retired");
    assert_refused(store.return_to_stock("OLD", act(t0)), Errc::wrong_state, "is retired");
}

void reset_pin_and_unlock(void**) {
    test::StoreDir d;
    auto store = d.make();
    assert_ok(store.add_token(spec("K1"), rfc_secret, act(t0)));
    assert_ok(store.assign("K1", "jdupont", act(t0)));
    okey::StepAcceptance a{"jdupont", "K1", 10, 0, t0, true, std::string("$argon2id$pin")};
    assert_true(store.accept_step(a).ok());
    assert_ok(store.reset_pin("jdupont", act(t0, "PIN oublié")));
    expect_audit(store, "user.reset-pin", "jdupont", "K1", "PIN oublié");
    auto user = store.get_user("jdupont");
    assert_true(user->pin_state == PinState::new_pin_required);
    assert_true(user->pin_hash.empty());
    assert_refused(store.reset_pin("nobody", act(t0)), Errc::not_found, "login nobody");

    for (int i = 0; i < 3; ++i) assert_ok(store.charge_failure("jdupont", t0, 3, 0));
    assert_int_equal(store.get_user("jdupont")->locked_until, okey::lock_forever);
    assert_ok(store.unlock("jdupont", act(t0, "appel au support")));
    expect_audit(store, "user.unlock", "jdupont", "K1", "appel au support");
    user = store.get_user("jdupont");
    assert_int_equal(user->failures, 0);
    assert_int_equal(user->locked_until, 0);
    assert_refused(store.unlock("nobody", act(t0)), Errc::not_found, "login nobody");
}

void expiry_and_resync(void**) {
    test::StoreDir d;
    auto store = d.make();
    assert_ok(store.add_token(spec("K1"), rfc_secret, act(t0)));
    assert_ok(store.set_expiry("K1", "2028-02-29", act(t0)));
    expect_audit(store, "token.expire-on", "", "K1", "expires 2028-02-29");
    assert_string_equal(store.get_token("K1")->spec.expires.c_str(), "2028-02-29");
    for (const char* bad : {"2027-02-29", "2027-13-01", "27-01-01", "2027-1-01", "2027/01/01", ""})
        assert_refused(store.set_expiry("K1", bad, act(t0)), Errc::invalid_argument, "YYYY-MM-DD");
    assert_refused(store.set_expiry("NOPE", "2028-01-01", act(t0)), Errc::not_found, "NOPE");

    assert_ok(store.assign("K1", "jdupont", act(t0)));
    assert_ok(store.record_resync("K1", 1000, -4, act(t0, "clé désynchronisée")));
    expect_audit(store, "token.resync", "jdupont", "K1", "clé désynchronisée (drift -4 steps)");
    auto t = store.get_token("K1");
    assert_int_equal(*t->last_step, 1000);
    assert_int_equal(t->drift, -4);
    assert_refused(store.record_resync("K1", 1000, 0, act(t0)), Errc::wrong_state, "already used");
}

void enroll_software_key(void**) {
    test::StoreDir d;
    auto store = d.make();
    auto s = spec("SW-jdupont-1");
    s.kind = okey::KeyKind::software;
    assert_ok(store.enroll(s, rfc_secret, "jdupont", act(t0, "téléphone")));
    expect_audit(store, "user.enroll-software", "jdupont", "SW-jdupont-1", "téléphone");
    auto view = view_of(store, "jdupont");
    assert_true(view.token->spec.kind == okey::KeyKind::software);
    assert_true(view.user.pin_state == PinState::new_pin_required);
    s.serial = "SW-jdupont-2";
    assert_refused(store.enroll(s, rfc_secret, "jdupont", act(t0)), Errc::wrong_state,
                   "already has key SW-jdupont-1");
    assert_refused(store.get_token("SW-jdupont-2"), Errc::not_found, "SW-jdupont-2");
}

void logins_like_homonyms(void**) {
    test::StoreDir d;
    auto store = d.make();
    const char* logins[] = {"jdupont", "jdupont1", "jdupont12", "jdupontx", "jdupon", "jdupont-2"};
    int n = 0;
    for (const char* login : logins) {
        std::string serial = "K" + std::to_string(n++);
        assert_ok(store.add_token(spec(serial), rfc_secret, act(t0)));
        assert_ok(store.assign(serial, login, act(t0)));
    }
    auto like = store.logins_like("jdupont");
    assert_ok(like);
    assert_int_equal(like->size(), 3);
    assert_string_equal((*like)[0].c_str(), "jdupont");
    assert_string_equal((*like)[1].c_str(), "jdupont1");
    assert_string_equal((*like)[2].c_str(), "jdupont12");
    assert_int_equal(store.logins_like("cjoseph")->size(), 0);
}

void audit_filters_and_append_only(void**) {
    test::StoreDir d;
    auto store = d.make();
    okey::AuditEntry e{t0 + 100, "jdupont", "K1", "sshd", "192.0.2.7", "login", "refused",
                       "wrong passcode"};
    assert_ok(store.append_audit(e));
    e.login = "cjoseph1";
    e.time = t0 + 200;
    assert_ok(store.append_audit(e));
    okey::AuditFilter by_login;
    by_login.login = "jdupont";
    auto rows = store.audit(by_login);
    assert_int_equal(rows->size(), 1);
    assert_string_equal(rows->front().remote_host.c_str(), "192.0.2.7");
    assert_string_equal(rows->front().service.c_str(), "sshd");
    okey::AuditFilter since;
    since.since = t0 + 150;
    assert_int_equal(store.audit(since)->size(), 1);
    // The table refuses to be rewritten, even behind the store's back.
    assert_false(d.raw("UPDATE audit SET outcome = 'success'"));
    assert_false(d.raw("DELETE FROM audit"));
    assert_int_equal(d.db.audit_triggers(), 2);
    assert_int_equal(store.audit({})->size(), 2);
}

void login_path_lookup(void**) {
    test::StoreDir d;
    auto store = d.make();
    auto unknown = store.load_login("nobody");
    assert_ok(unknown);
    assert_false(unknown->has_value());
    assert_ok(store.add_token(spec("K1"), rfc_secret, act(t0)));
    assert_ok(store.assign("K1", "jdupont", act(t0)));
    auto view = view_of(store, "jdupont");
    assert_string_equal(view.user.login.c_str(), "jdupont");
    assert_true(view.token.has_value());
    assert_string_equal(view.token->spec.serial.c_str(), "K1");
    assert_int_equal(view.secret.size(), 20);
    assert_memory_equal(view.secret.data(), rfc_secret, 20);
}

void failure_counter_and_lock(void**) {
    test::StoreDir d;
    auto store = d.make();
    assert_refused(store.charge_failure("nobody", t0, 5, 900), Errc::not_found, "nobody");
    assert_ok(store.add_token(spec("K1"), rfc_secret, act(t0)));
    assert_ok(store.assign("K1", "jdupont", act(t0)));
    for (unsigned i = 1; i <= 2; ++i) {
        auto c = store.charge_failure("jdupont", t0, 3, 900);
        assert_ok(c);
        assert_false(c->was_locked);
        assert_int_equal(c->failures, i);
        assert_int_equal(c->locked_until, 0);
    }
    auto third = store.charge_failure("jdupont", t0, 3, 900);
    assert_int_equal(third->failures, 3);
    assert_int_equal(third->locked_until, t0 + 900);
    // While locked nothing is charged.
    auto locked = store.charge_failure("jdupont", t0 + 899, 3, 900);
    assert_true(locked->was_locked);
    assert_int_equal(store.get_user("jdupont")->failures, 3);
    // The lock runs out, but failures stay consecutive: one more locks again.
    auto after = store.charge_failure("jdupont", t0 + 900, 3, 900);
    assert_false(after->was_locked);
    assert_int_equal(after->failures, 4);
    assert_int_equal(after->locked_until, t0 + 1800);
    assert_true(store.charge_failure("jdupont", t0 + 1000, 3, 900)->was_locked);
    // A success clears the count.
    okey::StepAcceptance a{"jdupont", "K1", 7, 1, t0 + 1801, true, std::nullopt};
    assert_int_equal(static_cast<int>(store.accept_step(a).value()),
                     static_cast<int>(StepVerdict::accepted));
    assert_int_equal(store.get_user("jdupont")->failures, 0);
    assert_int_equal(store.get_user("jdupont")->locked_until, 0);
    // lock_seconds = 0: until an administrator unlocks.
    assert_ok(store.charge_failure("jdupont", t0, 1, 0));
    assert_int_equal(store.get_user("jdupont")->locked_until, okey::lock_forever);
    assert_true(store.charge_failure("jdupont", t0 + 100'000'000, 1, 0)->was_locked);
}

void accept_step_rules(void**) {
    test::StoreDir d;
    auto store = d.make();
    assert_ok(store.add_token(spec("K1"), rfc_secret, act(t0)));
    assert_ok(store.add_token(spec("K2"), rfc_secret, act(t0)));
    assert_ok(store.assign("K1", "jdupont", act(t0)));
    okey::StepAcceptance a{"jdupont", "K1", 500, -1, t0 + 10, false, std::nullopt};
    assert_int_equal(static_cast<int>(store.accept_step(a).value()),
                     static_cast<int>(StepVerdict::accepted));
    auto t = store.get_token("K1");
    assert_int_equal(*t->last_step, 500);
    assert_int_equal(t->drift, -1);
    assert_false(t->last_login.has_value());  // not a finished login (new-PIN mode step)
    // The same step and an earlier one are replays.
    assert_int_equal(static_cast<int>(store.accept_step(a).value()),
                     static_cast<int>(StepVerdict::replayed));
    a.step = 499;
    assert_int_equal(static_cast<int>(store.accept_step(a).value()),
                     static_cast<int>(StepVerdict::replayed));
    // A later step with a new PIN finishes the login.
    a.step = 501;
    a.login_succeeded = true;
    a.new_pin_hash = "$argon2id$v=19$new";
    a.now = t0 + 40;
    assert_int_equal(static_cast<int>(store.accept_step(a).value()),
                     static_cast<int>(StepVerdict::accepted));
    t = store.get_token("K1");
    assert_int_equal(*t->last_step, 501);
    assert_int_equal(*t->last_login, t0 + 40);
    auto user = store.get_user("jdupont");
    assert_true(user->pin_state == PinState::set);
    assert_string_equal(user->pin_hash.c_str(), "$argon2id$v=19$new");
    // Another login, or a key not assigned to this login.
    a.step = 600;
    a.login = "cjoseph1";
    assert_int_equal(static_cast<int>(store.accept_step(a).value()),
                     static_cast<int>(StepVerdict::key_changed));
    a.login = "jdupont";
    a.serial = "K2";
    assert_int_equal(static_cast<int>(store.accept_step(a).value()),
                     static_cast<int>(StepVerdict::key_changed));
    a.serial = "NOPE";
    assert_int_equal(static_cast<int>(store.accept_step(a).value()),
                     static_cast<int>(StepVerdict::key_changed));
    // The PIN hash upgrade.
    assert_ok(store.upgrade_pin_hash("jdupont", "$argon2id$v=19$upgraded"));
    assert_string_equal(store.get_user("jdupont")->pin_hash.c_str(), "$argon2id$v=19$upgraded");
    assert_refused(store.upgrade_pin_hash("nobody", "$x"), Errc::not_found, "nobody");
}

// The accepting transaction re-checks the PIN the flow judged: a reset, or a
// PIN set in another session, since the flow read it voids the passcode.
void accept_step_rechecks_the_pin(void**) {
    test::StoreDir d;
    auto store = d.make();
    assert_ok(store.add_token(spec("K1"), rfc_secret, act(t0)));
    assert_ok(store.assign("K1", "jdupont", act(t0)));
    auto verdict = [&](okey::StepAcceptance a) { return static_cast<int>(store.accept_step(a).value()); };
    const int accepted = static_cast<int>(StepVerdict::accepted);
    const int pin_changed = static_cast<int>(StepVerdict::pin_changed);
    // New-PIN mode: "" judged; a PIN stored meanwhile is not overwritten.
    okey::StepAcceptance first{"jdupont", "K1", 100, 0, t0, true, std::string("$argon2id$v=19$one"),
                               std::string()};
    okey::StepAcceptance second = first;
    second.step = 101;
    second.new_pin_hash = "$argon2id$v=19$two";
    assert_int_equal(verdict(first), accepted);
    assert_int_equal(verdict(second), pin_changed);
    assert_string_equal(store.get_user("jdupont")->pin_hash.c_str(), "$argon2id$v=19$one");
    assert_int_equal(*store.get_token("K1")->last_step, 100);
    // Normal mode: the hash judged must be the login's.
    okey::StepAcceptance login{"jdupont", "K1", 102, 0, t0, true, std::nullopt,
                               std::string("$argon2id$v=19$one")};
    okey::StepAcceptance stale = login;
    stale.pin_judged = "$argon2id$v=19$old";
    assert_int_equal(verdict(stale), pin_changed);
    assert_int_equal(verdict(login), accepted);
    // After a reset the login is in new-PIN mode: the old hash is stale …
    assert_ok(store.reset_pin("jdupont", act(t0, "PIN vu par un tiers")));
    login.step = 103;
    assert_int_equal(verdict(login), pin_changed);
    // … and so it stays once a new PIN is chosen (the same text cannot come back:
    // every hash has a fresh salt).
    okey::StepAcceptance chosen{"jdupont", "K1", 104, 0, t0, true, std::string("$argon2id$v=19$new"),
                                std::string()};
    assert_int_equal(verdict(chosen), accepted);
    login.step = 105;
    assert_int_equal(verdict(login), pin_changed);
    assert_int_equal(*store.get_token("K1")->last_step, 104);
    assert_int_equal(store.get_user("jdupont")->failures, 0);
    // No PIN judged (a locked login's proof of possession): not checked.
    okey::StepAcceptance proof{"jdupont", "K1", 106, 0, t0, false, std::nullopt, std::nullopt};
    assert_int_equal(verdict(proof), accepted);
}

void tampered_secrets_refused(void**) {
    test::StoreDir d;
    {
        auto store = d.make();
        for (const char* serial : {"K1", "K2", "K3"})
            assert_ok(store.add_token(spec(serial), rfc_secret, act(t0)));
        assert_ok(store.assign("K1", "jdupont", act(t0)));
        assert_ok(store.assign("K2", "cjoseph1", act(t0)));
    }
    // One flipped bit in K1's ciphertext.
    assert_true(d.flip_secret_bit("K1", 13));
    // K3's sealed secret copied into K2's record.
    assert_true(d.raw("UPDATE tokens SET secret = (SELECT secret FROM tokens WHERE serial = 'K3') "
                      "WHERE serial = 'K2'"));
    auto store = d.open();
    assert_refused(store.load_login("jdupont"), Errc::corrupt, "serial K1: secret does not decrypt");
    assert_refused(store.token_secret("K1"), Errc::corrupt, "serial K1");
    assert_refused(store.load_login("cjoseph1"), Errc::corrupt, "serial K2: secret does not decrypt");
    assert_ok(store.token_secret("K3"));
}

void wrong_key_file_refused(void**) {
    test::StoreDir d;
    {
        auto store = d.make();
        assert_ok(store.add_token(spec("K1"), rfc_secret, act(t0)));
        assert_ok(store.assign("K1", "jdupont", act(t0)));
    }
    ::unlink(d.options.key_file.c_str());
    test::write_file(d.options.key_file, std::string(32, 'Z'), 0400);
    auto store = d.open();
    assert_refused(store.load_login("jdupont"), Errc::corrupt, "serial K1");
    assert_refused(store.token_secret("K1"), Errc::corrupt, "key file");
}

void offline_values(void**) {
    test::StoreDir d;
    auto store = d.make();
    auto none = store.load_offline("jdupont");
    assert_ok(none);
    assert_false(none->has_value());
    okey::OfflineBatch batch;
    batch.login = "jdupont";
    batch.serial = "K1";
    batch.refill_token = okey::otp::SecretString("refill-abc");
    batch.values = {{1, "$pbkdf2-sha512$1"}, {2, "$pbkdf2-sha512$2"}, {3, "$pbkdf2-sha512$3"}};
    batch.received = t0;
    assert_ok(store.replace_offline(batch));
    assert_false(d.db.column_contains("offline_batches", "refill_token", "refill"));
    auto loaded = store.load_offline("jdupont");
    assert_ok(loaded);
    assert_true(loaded->has_value());
    assert_true((*loaded)->refill_token.view() == "refill-abc");
    assert_int_equal((*loaded)->values.size(), 3);
    assert_int_equal((*loaded)->received, t0);
    // Using value 2 removes 1 and 2; using 2 again fails.
    assert_true(store.consume_offline("jdupont", 2).value());
    assert_false(store.consume_offline("jdupont", 2).value());
    assert_false(store.consume_offline("jdupont", 1).value());
    loaded = store.load_offline("jdupont");
    assert_int_equal((*loaded)->values.size(), 1);
    assert_int_equal((*loaded)->values[0].first, 3);
    // A refill replaces everything.
    batch.values = {{10, "$pbkdf2-sha512$10"}};
    assert_ok(store.replace_offline(batch));
    assert_int_equal((*store.load_offline("jdupont").value()).values.size(), 1);
    // The sealed refill token is bound to its login.
    batch.login = "cjoseph1";
    assert_ok(store.replace_offline(batch));
    assert_true(d.raw("UPDATE offline_batches SET refill_token = (SELECT refill_token FROM "
                      "offline_batches WHERE login = 'jdupont') WHERE login = 'cjoseph1'"));
    assert_refused(store.load_offline("cjoseph1"), Errc::corrupt, "cjoseph1");
    assert_ok(store.drop_offline("jdupont"));
    assert_false(store.load_offline("jdupont")->has_value());
    assert_int_equal(d.raw_integer("SELECT count(*) FROM offline_values WHERE login = 'jdupont'"), 0);
}

}  // namespace

int main() {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(add_and_read_keys),
        cmocka_unit_test(import_is_all_or_nothing),
        cmocka_unit_test(assign_rules),
        cmocka_unit_test(lost_is_never_valid_again),
        cmocka_unit_test(return_to_stock_keeps_the_steps),
        cmocka_unit_test(renew_keeps_the_pin),
        cmocka_unit_test(reset_pin_and_unlock),
        cmocka_unit_test(expiry_and_resync),
        cmocka_unit_test(enroll_software_key),
        cmocka_unit_test(logins_like_homonyms),
        cmocka_unit_test(audit_filters_and_append_only),
        cmocka_unit_test(login_path_lookup),
        cmocka_unit_test(failure_counter_and_lock),
        cmocka_unit_test(accept_step_rules),
        cmocka_unit_test(accept_step_rechecks_the_pin),
        cmocka_unit_test(tampered_secrets_refused),
        cmocka_unit_test(wrong_key_file_refused),
        cmocka_unit_test(offline_values),
    };
    std::printf("store backend: %s\n", okey::test::backend_name());
    return cmocka_run_group_tests(tests, nullptr, nullptr);
}
