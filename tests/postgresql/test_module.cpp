// SPDX-License-Identifier: Apache-2.0
// tests/postgresql/test_module.cpp — pam_okey.so opens only SQLite (DESIGN.md
// §9): a module whose config names a postgresql:// store fails closed
// (PAM_SERVICE_ERR) before asking anything, and its log line says why and
// names the store without its query. (That it loads no libpq at all is
// tests/pam/check_needed.cmake.)
#include "tests/pam/harness.hpp"

#include <security/pam_appl.h>

#include <cstdarg>
#include <cstddef>
#include <csetjmp>
#include <cstring>
#include <memory>

extern "C" {
#include <cmocka.h>
}

using namespace okey::test;

namespace {

struct World {
    TempDir dir;
    StoreFixture store{dir.path()};
    Services services{dir / "services"};
};
World* world = nullptr;

void postgresql_store_refused_by_the_module(void**) {
    Conversation conversation{{"123456123456"}};
    int rc = -1;
    const std::string log =
        capture_log([&] { rc = authenticate("okey-postgresql", "jdupont", conversation); });
    assert_int_equal(rc, PAM_SERVICE_ERR);
    assert_true(conversation.prompts().empty());
    for (const char* mention :
         {"outcome=service_error", "postgresql://okey@db.example.org/okey",
          "this program opens only a SQLite store"})
        if (log.find(mention) == std::string::npos)
            fail_msg("log does not mention \"%s\":\n%s", mention, log.c_str());
    assert_null(strstr(log.c_str(), "passfile"));
}

}  // namespace

int main(int argc, char** argv) {
    run_as_root(argc, argv);
    auto owned = std::make_unique<World>();
    world = owned.get();
    // The fixture's config, its store line naming a PostgreSQL database.
    std::string config = world->store.config_text();
    const auto line = config.find("store = ");
    config.replace(line, config.find('\n', line) - line,
                   "store = \"postgresql://okey@db.example.org/okey?passfile=/etc/okey/pgpass\";");
    write_file(world->dir / "pg.conf", config, 0644);
    world->services.add_okey("okey-postgresql", "config=" + (world->dir / "pg.conf"));
    world->services.activate();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(postgresql_store_refused_by_the_module),
    };
    return cmocka_run_group_tests(tests, nullptr, nullptr);
}
