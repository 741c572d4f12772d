// SPDX-License-Identifier: Apache-2.0
// tests/store/test_file_trust.cpp — the file-trust rules: every unsafe kind
// of file is refused with a message naming the file and the reason, and a
// safe one is read whole.
#include "engine/file_trust.hpp"

#include "support.hpp"

#include <fcntl.h>
#include <sys/stat.h>

using okey::Errc;
using okey::FileRole;

namespace {

const unsigned me = static_cast<unsigned>(::getuid());

void expect_refused(const std::string& path, FileRole role, std::string_view reason,
                    unsigned owner = me) {
    auto checked = okey::check_trusted_path(path, role, owner);
    assert_false(checked.ok());
    assert_int_equal(static_cast<int>(checked.error().code), static_cast<int>(Errc::unsafe_file));
    assert_contains(checked.error().message, path + ": refused: ");
    assert_contains(checked.error().message, reason);
    if (role == FileRole::directory) return;
    auto read = okey::read_trusted_file(path, role, owner, 4096);
    assert_false(read.ok());
    assert_int_equal(static_cast<int>(read.error().code), static_cast<int>(Errc::unsafe_file));
    assert_contains(read.error().message, reason);
}

void safe_files_are_read(void**) {
    test::TempDir dir;
    test::write_file(dir / "seed.key", std::string("\x01\x02\0\x03", 4), 0400);
    test::write_file(dir / "okey.conf", "lang = \"fr\";\n", 0644);
    auto secret = okey::read_trusted_file(dir / "seed.key", FileRole::secret, me, 64);
    assert_true(secret.ok());
    assert_int_equal(secret->size(), 4);
    assert_memory_equal(secret->data(), "\x01\x02\0\x03", 4);
    auto config = okey::read_trusted_file(dir / "okey.conf", FileRole::config, me, 64);
    assert_true(config.ok());
    assert_string_equal(config->c_str(), "lang = \"fr\";\n");
    assert_true(okey::check_trusted_path(dir.path(), FileRole::directory, me).ok());
    // An empty file is a file.
    test::write_file(dir / "empty", "", 0600);
    auto empty = okey::read_trusted_file(dir / "empty", FileRole::secret, me, 64);
    assert_true(empty.ok());
    assert_true(empty->empty());
}

void symlink_refused(void**) {
    test::TempDir dir;
    test::write_file(dir / "real.key", "0123456789", 0400);
    assert_int_equal(::symlink((dir / "real.key").c_str(), (dir / "link.key").c_str()), 0);
    expect_refused(dir / "link.key", FileRole::secret, "is a symbolic link");
    // A symlink to a directory is not the directory.
    assert_int_equal(::symlink(dir.path().c_str(), (dir / "dirlink").c_str()), 0);
    expect_refused(dir / "dirlink", FileRole::directory, "is a symbolic link");
}

void hard_link_refused(void**) {
    test::TempDir dir;
    test::write_file(dir / "okey.db", "x", 0600);
    assert_int_equal(::link((dir / "okey.db").c_str(), (dir / "copy.db").c_str()), 0);
    expect_refused(dir / "okey.db", FileRole::secret, "has 2 hard links");
    expect_refused(dir / "copy.db", FileRole::config, "has 2 hard links");
}

void fifo_refused_without_blocking(void**) {
    test::TempDir dir;
    assert_int_equal(::mkfifo((dir / "okey.conf").c_str(), 0600), 0);
    expect_refused(dir / "okey.conf", FileRole::config, "is a FIFO");
}

void directory_where_file_expected(void**) {
    test::TempDir dir;
    assert_int_equal(::mkdir((dir / "seed.key").c_str(), 0700), 0);
    expect_refused(dir / "seed.key", FileRole::secret, "is a directory");
    test::write_file(dir / "file", "x", 0600);
    expect_refused(dir / "file", FileRole::directory, "is not a directory");
}

void device_refused(void**) {
    expect_refused("/dev/null", FileRole::config, "is a device", 0);
}

void writable_by_others_refused(void**) {
    test::TempDir dir;
    test::write_file(dir / "a.conf", "", 0646);
    expect_refused(dir / "a.conf", FileRole::config, "writable by others");
    test::write_file(dir / "b.conf", "", 0664);
    expect_refused(dir / "b.conf", FileRole::config, "writable by group");
    assert_int_equal(::mkdir((dir / "d").c_str(), 0770), 0);
    assert_int_equal(::chmod((dir / "d").c_str(), 0770), 0);
    expect_refused(dir / "d", FileRole::directory, "writable by group");
    assert_int_equal(::chmod((dir / "d").c_str(), 0707), 0);
    expect_refused(dir / "d", FileRole::directory, "writable by others");
}

void readable_secret_refused(void**) {
    test::TempDir dir;
    test::write_file(dir / "g.key", "k", 0440);
    expect_refused(dir / "g.key", FileRole::secret, "readable by group");
    test::write_file(dir / "o.key", "k", 0604);
    expect_refused(dir / "o.key", FileRole::secret, "readable by others");
    // A config may be world-readable.
    test::write_file(dir / "okey.conf", "", 0644);
    assert_true(okey::check_trusted_path(dir / "okey.conf", FileRole::config, me).ok());
}

void wrong_owner_refused(void**) {
    test::TempDir dir;
    test::write_file(dir / "seed.key", "k", 0400);
    expect_refused(dir / "seed.key", FileRole::secret, "owned by uid " + std::to_string(me),
                   me + 1);
    if (me == 0) {
        // As root, a file really owned by someone else (nobody).
        test::write_file(dir / "nobody.key", "k", 0400);
        assert_int_equal(::chown((dir / "nobody.key").c_str(), 65534, 65534), 0);
        expect_refused(dir / "nobody.key", FileRole::secret, "owned by uid 65534, not uid 0");
    }
}

void missing_and_oversized(void**) {
    test::TempDir dir;
    auto missing = okey::read_trusted_file(dir / "none", FileRole::config, me, 10);
    assert_false(missing.ok());
    assert_int_equal(static_cast<int>(missing.error().code), static_cast<int>(Errc::not_found));
    assert_contains(missing.error().message, dir / "none");
    test::write_file(dir / "big.conf", std::string(11, 'x'), 0600);
    auto big = okey::read_trusted_file(dir / "big.conf", FileRole::config, me, 10);
    assert_false(big.ok());
    assert_contains(big.error().message, "larger than 10 bytes");
    test::write_file(dir / "ok.conf", std::string(10, 'x'), 0600);
    assert_true(okey::read_trusted_file(dir / "ok.conf", FileRole::config, me, 10).ok());
}

}  // namespace

int main() {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(safe_files_are_read),
        cmocka_unit_test(symlink_refused),
        cmocka_unit_test(hard_link_refused),
        cmocka_unit_test(fifo_refused_without_blocking),
        cmocka_unit_test(directory_where_file_expected),
        cmocka_unit_test(device_refused),
        cmocka_unit_test(writable_by_others_refused),
        cmocka_unit_test(readable_secret_refused),
        cmocka_unit_test(wrong_owner_refused),
        cmocka_unit_test(missing_and_oversized),
    };
    return cmocka_run_group_tests(tests, nullptr, nullptr);
}
