// SPDX-License-Identifier: Apache-2.0
// tests/pam/okey_fixture.cpp — `okey-test-fixture`: the store fixture of the
// PAM harness as a command, for the sshd test, the demo and the benchmark
// (they are not C++). Writes a throwaway store with cheap Argon2 parameters.
//   okey-test-fixture init DIR [EXTRA-CONFIG]  store, key file, DIR/okey.conf
//   okey-test-fixture ready DIR LOGIN PIN [EXPIRES]  a key assigned, PIN set → secret
//   okey-test-fixture newpin DIR LOGIN         a key assigned, new-PIN mode → secret
//   okey-test-fixture code SECRET OFFSET       the code at now + OFFSET steps
//   okey-test-fixture user DIR LOGIN           failures, lock and PIN state
//   okey-test-fixture audit DIR LOGIN          the login's audit rows, one a line
#include "tests/pam/harness.hpp"

#include <cstdlib>
#include <ctime>
#include <iostream>
#include <string>

using namespace okey;
using namespace okey::test;

namespace {

int usage() {
    std::cerr << "usage: okey-test-fixture init DIR [EXTRA-CONFIG] | ready DIR LOGIN PIN [EXPIRES] |"
                 " newpin DIR LOGIN | code SECRET OFFSET | user DIR LOGIN | audit DIR LOGIN\n";
    return 2;
}

// A serial nobody else in this store has: the login and the time.
std::string fresh_serial(const std::string& login) {
    return "FX" + std::to_string(std::time(nullptr)) + "-" + login;
}

}  // namespace

int main(int argc, char** argv) {
    run_as_root(argc, argv);
    if (argc < 3) return usage();
    const std::string verb = argv[1];
    if (verb == "init" && (argc == 3 || argc == 4)) {
        const std::string dir = argv[2];
        StoreFixture store(dir);
        write_file(dir + "/okey.conf", store.config_text(argc == 4 ? argv[3] : ""), 0644);
        return 0;
    }
    if (verb == "ready" && (argc == 5 || argc == 6)) {
        StoreFixture store(argv[2], false);
        std::cout << store.ready_login(argv[3], argv[4], argc == 6 ? argv[5] : "").secret_base32
                  << "\n";
        return 0;
    }
    if (verb == "newpin" && argc == 4) {
        StoreFixture store(argv[2], false);
        const KeyFixture key = store.add_key(fresh_serial(argv[3]));
        store.assign(key.serial, argv[3]);
        std::cout << key.secret_base32 << "\n";
        return 0;
    }
    if (verb == "code" && argc == 4) {
        std::cout << code_at(argv[2], std::atoll(argv[3])) << "\n";
        return 0;
    }
    if (verb == "user" && argc == 4) {
        StoreFixture store(argv[2], false);
        const UserRecord user = store.user(argv[3]);
        std::cout << "failures=" << user.failures << " locked_until=" << user.locked_until
                  << " pin_state=" << to_string(user.pin_state) << "\n";
        return 0;
    }
    if (verb == "audit" && argc == 4) {
        StoreFixture store(argv[2], false);
        AuditFilter filter;
        filter.login = argv[3];
        for (const AuditEntry& e : must(store.open().audit(filter), "audit"))
            std::cout << "event=" << e.event << " serial=" << e.serial << " service=" << e.service
                      << " rhost=" << e.remote_host << " outcome=" << e.outcome << "\n";
        return 0;
    }
    return usage();
}
