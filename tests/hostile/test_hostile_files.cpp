// SPDX-License-Identifier: Apache-2.0
// tests/hostile/test_hostile_files.cpp — the store, its folder, the key file
// and the config replaced or loosened by someone who should not be able to:
// a symlink, a hard link, a FIFO, a directory, a group/world-writable or
// world-readable file, a file owned by another user; and a store truncated,
// corrupted, emptied or replaced by something that is not a database, a key
// file cut short or swapped. Each time the right passcode is typed and the
// login must fail closed (PAM_SERVICE_ERR or PAM_AUTHINFO_UNAVAIL, never
// success), the log must name the file, and no file may change.
#include "tests/hostile/hostile.hpp"

#include <cstdarg>
#include <cstddef>
#include <csetjmp>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <sys/stat.h>
#include <unistd.h>
#include <vector>

extern "C" {
#include <cmocka.h>
}

using namespace okey::test;
using okey::hostile::checksum;
using okey::hostile::run_in_child;

namespace {

const char* const pin = "2580";
constexpr uid_t nobody = 65534;

// One case: its own folder, store, key file, config and service.
struct Case {
    std::string name;
    std::string dir;
    std::unique_ptr<StoreFixture> store;
    std::string config;
    KeyFixture key;
};

struct World {
    TempDir dir;
    Services services{dir / "services"};
    std::map<std::string, Case> cases;
};
World* world = nullptr;

Case& make_case(const std::string& name) {
    Case c;
    c.name = name;
    c.dir = world->dir / name;
    std::filesystem::create_directory(c.dir);
    c.store = std::make_unique<StoreFixture>(c.dir);
    c.config = c.dir + "/okey.conf";
    write_file(c.config, c.store->config_text(), 0644);
    c.key = c.store->ready_login("victim", pin);
    world->services.add_okey(name, "config=" + c.config);
    return world->cases[name] = std::move(c);
}

void must_work(int rc, const std::string& what) {
    if (rc != 0) die(what + ": " + std::strerror(errno));
}

// The hostile acts, on any path.
void make_symlink(const std::string& path) {
    must_work(::rename(path.c_str(), (path + ".real").c_str()), "rename " + path);
    must_work(::symlink((path + ".real").c_str(), path.c_str()), "symlink " + path);
}
void make_hard_link(const std::string& path) {
    must_work(::link(path.c_str(), (path + ".second-link").c_str()), "link " + path);
}
void make_fifo(const std::string& path) {
    must_work(::rename(path.c_str(), (path + ".moved").c_str()), "rename " + path);
    must_work(::mkfifo(path.c_str(), 0600), "mkfifo " + path);
}
void make_directory(const std::string& path) {
    must_work(::rename(path.c_str(), (path + ".moved").c_str()), "rename " + path);
    must_work(::mkdir(path.c_str(), 0700), "mkdir " + path);
}
void add_mode(const std::string& path, mode_t bits) {
    struct stat info {};
    must_work(::lstat(path.c_str(), &info), "stat " + path);
    must_work(::chmod(path.c_str(), (info.st_mode & 07777) | bits), "chmod " + path);
}
void give_to_nobody(const std::string& path) {
    must_work(::lchown(path.c_str(), nobody, nobody), "chown nobody " + path);
}
void truncate_to(const std::string& path, off_t size) {
    must_work(::truncate(path.c_str(), size), "truncate " + path);
}
void overwrite(const std::string& path, off_t at, const std::string& bytes) {
    FILE* f = std::fopen(path.c_str(), "r+b");
    if (f == nullptr) die("open " + path);
    std::fseek(f, at, SEEK_SET);
    std::fwrite(bytes.data(), 1, bytes.size(), f);
    std::fclose(f);
}

// Every file of the case folder (recursively, symlinks not followed) → checksum.
std::map<std::string, std::string> snapshot(const Case& c) {
    std::map<std::string, std::string> sums;
    for (const auto& entry : std::filesystem::recursive_directory_iterator(c.dir))
        sums[entry.path().string()] = checksum(entry.path().string());
    return sums;
}

// Type the right passcode; expect a fail-closed refusal naming `named`, and
// every file as it was.
void expect_fail_closed(const std::string& case_name, const std::string& named) {
    Case& c = world->cases.at(case_name);
    const std::string passcode = pin + code_at(c.key.secret_base32, 0);
    const auto before = snapshot(c);
    const auto login = run_in_child([&] {
        Conversation conversation{{passcode}};
        return authenticate(case_name, "victim", conversation);
    });
    if (login.timed_out) fail_msg("%s: the login hung (killed after 20 s)", case_name.c_str());
    if (login.signal != 0) fail_msg("%s: the login died of signal %d", case_name.c_str(), login.signal);
    if (login.pam_code != PAM_SERVICE_ERR && login.pam_code != PAM_AUTHINFO_UNAVAIL)
        fail_msg("%s: PAM code %d, expected PAM_SERVICE_ERR (%d) or PAM_AUTHINFO_UNAVAIL (%d)\n%s",
                 case_name.c_str(), login.pam_code, PAM_SERVICE_ERR, PAM_AUTHINFO_UNAVAIL,
                 login.log.c_str());
    if (login.log.find(named) == std::string::npos)
        fail_msg("%s: no log line names %s:\n%s", case_name.c_str(), named.c_str(), login.log.c_str());
    const auto after = snapshot(c);
    for (const auto& [path, sum] : before) {
        auto it = after.find(path);
        if (it == after.end() || it->second != sum)
            fail_msg("%s: %s changed during the refused login", case_name.c_str(), path.c_str());
    }
    for (const auto& [path, sum] : after)
        if (before.find(path) == before.end())
            fail_msg("%s: %s was created during the refused login", case_name.c_str(), path.c_str());
}

// ---- the cases: file kind × target ----

std::string store_of(const Case& c) { return c.store->store_path; }
std::string key_of(const Case& c) { return c.store->key_path; }
std::string config_of(const Case& c) { return c.config; }
std::string store_dir_of(const Case& c) { return std::filesystem::path(c.store->store_path).parent_path(); }

struct Target {
    const char* name;
    std::string (*path)(const Case&);
    bool secret;  // readable by others is refused too
};
const Target targets[] = {{"store", store_of, true},
                          {"key", key_of, true},
                          {"config", config_of, false}};

struct Act {
    const char* name;
    std::function<void(const std::string&)> apply;
    bool secret_only;
};
const std::vector<Act>& acts() {
    static const std::vector<Act> all = {
        {"symlink", make_symlink, false},
        {"hardlink", make_hard_link, false},
        {"fifo", make_fifo, false},
        {"directory", make_directory, false},
        {"world-writable", [](const std::string& p) { add_mode(p, S_IWOTH); }, false},
        {"group-writable", [](const std::string& p) { add_mode(p, S_IWGRP); }, false},
        {"world-readable", [](const std::string& p) { add_mode(p, S_IROTH); }, true},
        {"other-owner", give_to_nobody, false},
    };
    return all;
}

std::string case_name(const Target& t, const Act& a) { return std::string(t.name) + "-" + a.name; }

void files_replaced_or_loosened(void**) {
    for (const Target& t : targets) {
        for (const Act& a : acts()) {
            if (a.secret_only && !t.secret) continue;
            const std::string name = case_name(t, a);
            Case& c = world->cases.at(name);
            const std::string path = t.path(c);
            a.apply(path);
            expect_fail_closed(name, path);
        }
    }
}

void store_folder_loosened(void**) {
    for (const char* act : {"symlink", "world-writable", "other-owner"}) {
        const std::string name = std::string("store-dir-") + act;
        Case& c = world->cases.at(name);
        const std::string dir = store_dir_of(c);
        if (std::string(act) == "symlink") make_symlink(dir);
        else if (std::string(act) == "world-writable") add_mode(dir, S_IWOTH);
        else give_to_nobody(dir);
        expect_fail_closed(name, dir);
    }
}

void store_damaged(void**) {
    {
        Case& c = world->cases.at("store-truncated");
        truncate_to(store_of(c), 1000);
        expect_fail_closed("store-truncated", store_of(c));
    }
    {
        Case& c = world->cases.at("store-corrupted");
        // Page 2 onwards: b-tree pages overwritten with garbage.
        overwrite(store_of(c), 4096, std::string(8192, '\xa5'));
        expect_fail_closed("store-corrupted", store_of(c));
    }
    {
        Case& c = world->cases.at("store-empty");
        truncate_to(store_of(c), 0);
        expect_fail_closed("store-empty", store_of(c));
    }
    {
        Case& c = world->cases.at("store-not-a-database");
        write_file(store_of(c), std::string("this is not a database\n") + std::string(5000, 'x'), 0600);
        expect_fail_closed("store-not-a-database", store_of(c));
    }
}

void key_file_damaged(void**) {
    {
        Case& c = world->cases.at("key-truncated");
        truncate_to(key_of(c), 16);
        expect_fail_closed("key-truncated", key_of(c));
    }
    {
        // Another 32-byte key: the secrets no longer open (AES-GCM fails).
        Case& c = world->cases.at("key-swapped");
        ::chmod(key_of(c).c_str(), 0600);
        overwrite(key_of(c), 0, std::string(32, '\x42'));
        ::chmod(key_of(c).c_str(), 0400);
        expect_fail_closed("key-swapped", key_of(c));
    }
}

}  // namespace

int main(int argc, char** argv) {
    run_as_root(argc, argv);
    auto owned = std::make_unique<World>();
    world = owned.get();
    // Every case's service must exist before the first pam_start.
    for (const Target& t : targets)
        for (const Act& a : acts())
            if (!a.secret_only || t.secret) make_case(case_name(t, a));
    for (const char* name : {"store-dir-symlink", "store-dir-world-writable", "store-dir-other-owner",
                             "store-truncated", "store-corrupted", "store-empty",
                             "store-not-a-database", "key-truncated", "key-swapped"})
        make_case(name);
    world->services.activate();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(files_replaced_or_loosened),
        cmocka_unit_test(store_folder_loosened),
        cmocka_unit_test(store_damaged),
        cmocka_unit_test(key_file_damaged),
    };
    return cmocka_run_group_tests(tests, nullptr, nullptr);
}
