// SPDX-License-Identifier: Apache-2.0
// tools/okeyctl/pam_stack.cpp — see pam_stack.hpp.
#include "pam_stack.hpp"

#include <dirent.h>
#include <fstream>
#include <set>
#include <sys/stat.h>

namespace okeyctl {
namespace {

constexpr int max_include_depth = 16;  // Linux-PAM stops a little deeper; cycles end here too
constexpr std::size_t max_file_bytes = 1 << 20;

std::vector<std::string> words(const std::string& line) {
    std::vector<std::string> out;
    std::size_t i = 0;
    while (i < line.size()) {
        while (i < line.size() && (line[i] == ' ' || line[i] == '\t')) ++i;
        if (i >= line.size()) break;
        std::size_t start = i;
        // A control in brackets ("[success=1 default=ignore]") is one word.
        if (line[i] == '[') {
            while (i < line.size() && line[i] != ']') ++i;
            if (i < line.size()) ++i;
        } else {
            while (i < line.size() && line[i] != ' ' && line[i] != '\t') ++i;
        }
        out.push_back(line.substr(start, i - start));
    }
    return out;
}

// The file's lines as Linux-PAM reads them: a trailing backslash continues
// the line, "#" starts a comment.
std::vector<std::string> pam_lines(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    std::vector<std::string> lines;
    if (!in) return lines;
    std::string line, pending;
    std::size_t read = 0;
    while (std::getline(in, line) && (read += line.size() + 1) <= max_file_bytes) {
        if (!line.empty() && line.back() == '\\') {
            pending += line.substr(0, line.size() - 1) + " ";
            continue;
        }
        std::string text = pending + line;
        pending.clear();
        if (auto hash = text.find('#'); hash != std::string::npos) text.erase(hash);
        lines.push_back(text);
    }
    return lines;
}

bool is_okey_module(const std::string& module) {
    const std::size_t slash = module.find_last_of('/');
    return module.substr(slash == std::string::npos ? 0 : slash + 1) == "pam_okey.so";
}

std::string include_path(const std::string& pam_dir, const std::string& name) {
    return !name.empty() && name[0] == '/' ? name : pam_dir + "/" + name;
}

// Whether the auth stack of `path` reaches pam_okey.so.
bool asks_okey(const std::string& pam_dir, const std::string& path, int depth,
               std::set<std::string>& open) {
    if (depth > max_include_depth || open.count(path)) return false;
    open.insert(path);
    bool found = false;
    for (const std::string& line : pam_lines(path)) {
        const auto w = words(line);
        if (w.empty()) continue;
        if (w[0] == "@include") {
            if (w.size() > 1) found = asks_okey(pam_dir, include_path(pam_dir, w[1]), depth + 1, open) || found;
            continue;
        }
        if ((w[0] != "auth" && w[0] != "-auth") || w.size() < 3) continue;
        if (w[1] == "include" || w[1] == "substack")
            found = asks_okey(pam_dir, include_path(pam_dir, w[2]), depth + 1, open) || found;
        else if (is_okey_module(w[2]))
            found = true;
    }
    open.erase(path);
    return found;
}

// What PAM would not take for a service: editors' and dpkg's leftovers.
bool is_service_name(const std::string& name) {
    return !name.empty() && name[0] != '.' && name.back() != '~' &&
           name.find(".dpkg-") == std::string::npos && name.find(".ucf-") == std::string::npos;
}

}  // namespace

okey::Result<PamUse> find_pam_okey(const std::string& pam_dir) {
    DIR* dir = ::opendir(pam_dir.c_str());
    if (dir == nullptr)
        return okey::make_error(okey::Errc::not_found, pam_dir + ": cannot read the folder");
    std::set<std::string> names;
    while (const dirent* entry = ::readdir(dir)) names.insert(entry->d_name);
    ::closedir(dir);
    PamUse use;
    for (const auto& name : names) {
        if (!is_service_name(name)) continue;
        const std::string path = pam_dir + "/" + name;
        struct stat st {};
        if (::stat(path.c_str(), &st) != 0 || !S_ISREG(st.st_mode)) continue;
        std::set<std::string> open;
        if (!asks_okey(pam_dir, path, 0, open)) continue;
        if (name == "common-auth") use.common_auth = true;
        if (name.rfind("common-", 0) != 0) use.services.push_back(name);
    }
    return use;
}

}  // namespace okeyctl
