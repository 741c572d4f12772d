// SPDX-License-Identifier: Apache-2.0
// tests/store/test_dialogues.cpp — okeyd's dialogues in the store, on the
// backend of this run: saved, taken once (by whichever client asks first,
// even racing), only by their own login, never after they expire; expired
// ones swept; a store of schema version 1 migrated to have them; on
// PostgreSQL the service role may read, add and delete them, not change them.
#include "engine/store/schema.hpp"
#include "store_fixture.hpp"

#include <atomic>
#include <thread>
#include <vector>

using okey::Dialogue;
using test::on_sqlite;

namespace {

const std::int64_t t0 = 1'700'000'000;

Dialogue dialogue(const std::string& key, const std::string& login, std::int64_t expires) {
    return Dialogue{key, login, "okey-flow=1;state-of-" + login, expires};
}

void taken_once_by_its_login_before_it_expires(void**) {
    test::StoreDir d;
    auto store = d.make();
    assert_true(store.save_dialogue(dialogue("k1", "jdupont", t0 + 100)).ok());
    // Another login: nothing, and the dialogue is dropped (its id leaked).
    auto other = store.take_dialogue("k1", "mmartin", t0);
    assert_true(other.ok() && !other.value());
    auto again = store.take_dialogue("k1", "jdupont", t0);
    assert_true(again.ok() && !again.value());

    assert_true(store.save_dialogue(dialogue("k2", "jdupont", t0 + 100)).ok());
    auto taken = store.take_dialogue("k2", "jdupont", t0 + 100);
    assert_true(taken.ok() && taken.value());
    assert_string_equal(taken.value()->c_str(), "okey-flow=1;state-of-jdupont");
    auto twice = store.take_dialogue("k2", "jdupont", t0 + 100);
    assert_true(twice.ok() && !twice.value());

    // Expired: never given back.
    assert_true(store.save_dialogue(dialogue("k3", "jdupont", t0 + 100)).ok());
    auto late = store.take_dialogue("k3", "jdupont", t0 + 101);
    assert_true(late.ok() && !late.value());
    // Unknown or malformed keys: nothing.
    for (const char* key : {"", "no such", "k\n", "zz"}) {
        auto none = store.take_dialogue(key, "jdupont", t0);
        assert_true(none.ok() && !none.value());
    }
    // A key in use is not overwritten.
    assert_true(store.save_dialogue(dialogue("k4", "jdupont", t0 + 100)).ok());
    assert_false(store.save_dialogue(dialogue("k4", "mmartin", t0 + 100)).ok());
}

void expired_dialogues_are_swept(void**) {
    test::StoreDir d;
    auto store = d.make();
    for (int i = 0; i < 5; ++i)
        assert_true(store.save_dialogue(dialogue("old" + std::to_string(i), "a", t0 + i)).ok());
    assert_true(store.save_dialogue(dialogue("new", "a", t0 + 100)).ok());
    auto swept = store.sweep_dialogues(t0 + 3);
    assert_true(swept.ok());
    assert_int_equal(swept.value(), 3);
    assert_int_equal(d.raw_integer("SELECT count(*) FROM dialogues"), 3);
    assert_true(store.ping().ok());
}

void racing_takes_get_it_once(void**) {
    test::StoreDir d;
    { auto store = d.make(); }
    {
        auto store = d.open();
        assert_true(store.save_dialogue(dialogue("race", "jdupont", t0 + 100)).ok());
    }
    std::atomic<int> got{0}, failed{0};
    std::vector<std::thread> threads;
    for (int i = 0; i < 8; ++i)
        threads.emplace_back([&] {
            auto store = okey::Store::open(d.options);
            if (!store) return void(++failed);
            auto taken = store->take_dialogue("race", "jdupont", t0);
            if (!taken) ++failed;
            else if (taken.value()) ++got;
        });
    for (auto& thread : threads) thread.join();
    assert_int_equal(failed.load(), 0);
    assert_int_equal(got.load(), 1);
}

// Takes under different logins' locks (which do not exclude each other):
// the owner gets it at most once, another login never.
void racing_takes_of_two_logins(void**) {
    test::StoreDir d;
    { auto store = d.make(); }
    for (int round = 0; round < 10; ++round) {
        const std::string key = "race" + std::to_string(round);
        {
            auto store = d.open();
            assert_true(store.save_dialogue(dialogue(key, "jdupont", t0 + 100)).ok());
        }
        std::atomic<int> got{0}, intruder{0}, failed{0};
        std::vector<std::thread> threads;
        for (int i = 0; i < 6; ++i)
            threads.emplace_back([&, i] {
                auto store = okey::Store::open(d.options);
                if (!store) return void(++failed);
                const bool owner = i % 2 == 0;
                auto taken = store->take_dialogue(key, owner ? "jdupont" : "intrus", t0);
                if (!taken) ++failed;
                else if (taken.value()) ++(owner ? got : intruder);
            });
        for (auto& thread : threads) thread.join();
        assert_int_equal(failed.load(), 0);
        assert_true(got.load() <= 1);
        assert_int_equal(intruder.load(), 0);
        assert_int_equal(d.raw_integer("SELECT count(*) FROM dialogues"), 0);
    }
}

void version_1_store_is_migrated(void**) {
    test::StoreDir d;
    okey::NewStoreOptions with_role;
    with_role.service_role = on_sqlite() ? "" : "okey_service";
    assert_true(okey::Store::initialise(d.options, with_role).ok());
    assert_true(d.back_to_version(1));
    auto store = d.open();
    assert_int_equal(d.db.schema_version(), okey::store::schema_version);
    assert_true(store.save_dialogue(dialogue("k", "jdupont", t0 + 1)).ok());
    if (on_sqlite()) return;
    // The service role's rights on the new table: read, add, delete; no update.
    assert_true(d.db.exec_as("okey_service", "SELECT count(*) FROM dialogues"));
    assert_true(d.db.exec_as("okey_service", "DELETE FROM dialogues WHERE expires < 0"));
    assert_false(d.db.exec_as("okey_service", "UPDATE dialogues SET expires = 0"));
}

}  // namespace

int main() {
    const std::vector<CMUnitTest> tests = {
        cmocka_unit_test(taken_once_by_its_login_before_it_expires),
        cmocka_unit_test(expired_dialogues_are_swept),
        cmocka_unit_test(racing_takes_get_it_once),
        cmocka_unit_test(racing_takes_of_two_logins),
        cmocka_unit_test(version_1_store_is_migrated),
    };
    std::printf("store backend: %s\n", okey::test::backend_name());
    return _cmocka_run_group_tests("dialogues", tests.data(), tests.size(), nullptr, nullptr);
}
