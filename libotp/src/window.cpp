// SPDX-License-Identifier: Apache-2.0
// libotp/src/window.cpp — window verification with replay protection and drift,
// single-step checks and the administrator's two-code resync.
#include "key.hpp"

#include <cstdint>
#include <limits>

namespace okey::otp::detail {
namespace {

// The best candidate of one kind: the matched step closest to the centre
// (ties go to the earlier step, which consumes less of the future).
struct Best {
    bool found = false;
    std::int64_t step = 0;
    std::int64_t distance = std::numeric_limits<std::int64_t>::max();

    void offer(std::int64_t candidate, std::int64_t candidate_distance) noexcept {
        if (candidate_distance < distance) {
            found = true;
            step = candidate;
            distance = candidate_distance;
        }
    }
};

void set_match(okey_otp_match* match, okey_otp_verdict verdict, std::int64_t step,
               std::int64_t now_step) noexcept {
    match->verdict = verdict;
    match->step = static_cast<std::uint64_t>(step);
    match->offset = step - now_step;
}

void set_no_match(okey_otp_match* match) noexcept {
    match->verdict = OKEY_OTP_NO_MATCH;
    match->step = 0;
    match->offset = 0;
}

// [centre - radius, centre + radius] clamped at step 0 (empty when high < 0);
// false if the arithmetic would overflow (an absurd drift).
bool candidate_range(std::int64_t centre, std::int64_t radius, std::int64_t* low,
                     std::int64_t* high) noexcept {
    if (__builtin_sub_overflow(centre, radius, low)) return false;
    // high < INT64_MAX so that step + 1 never overflows in the loops below.
    if (__builtin_add_overflow(centre, radius, high) ||
        *high == std::numeric_limits<std::int64_t>::max())
        return false;
    if (*low < 0) *low = 0;
    return true;
}

std::int64_t distance(std::int64_t a, std::int64_t b) noexcept { return a > b ? a - b : b - a; }

}  // namespace
}  // namespace okey::otp::detail

using namespace okey::otp::detail;

extern "C" {

int okey_otp_verify(const okey_otp_key* key, const char* code, size_t code_length,
                    int64_t unix_time, const okey_otp_window* window,
                    const okey_otp_token_state* state, okey_otp_match* match) {
    if (key == nullptr || window == nullptr || state == nullptr || match == nullptr ||
        unix_time < 0 || window->window > OKEY_OTP_WINDOW_MAX ||
        window->resync_window > OKEY_OTP_WINDOW_MAX)
        return OKEY_OTP_ERR_INVALID_ARGUMENT;
    set_no_match(match);
    const std::int64_t now_step = unix_time / key->period;
    std::int64_t centre = 0;
    if (__builtin_add_overflow(now_step, state->drift, &centre))
        return OKEY_OTP_ERR_INVALID_ARGUMENT;
    const std::int64_t accept = window->window;
    const std::int64_t resync = window->resync_window > window->window ? window->resync_window
                                                                        : window->window;
    std::int64_t low = 0, high = 0;
    if (!candidate_range(centre, resync, &low, &high)) return OKEY_OTP_ERR_INVALID_ARGUMENT;
    if (!is_code_format(*key, code, code_length)) return OKEY_OTP_OK;

    Best in_window, in_resync, replayed;
    CodeGenerator generator(*key);
    // Every candidate is computed and compared; no early exit. A band wholly
    // before step 0 (high < 0) has no candidate.
    for (std::int64_t step = low; step <= high; ++step) {
        const bool equal = generator.matches(static_cast<std::uint64_t>(step), code);
        const bool later = !state->has_last_step || static_cast<std::uint64_t>(step) > state->last_step;
        const std::int64_t from_centre = distance(step, centre);
        if (equal) {
            if (!later) replayed.offer(step, from_centre);
            else if (from_centre <= accept) in_window.offer(step, from_centre);
            else in_resync.offer(step, from_centre);
        }
    }
    if (in_window.found) set_match(match, OKEY_OTP_MATCH, in_window.step, now_step);
    else if (in_resync.found) set_match(match, OKEY_OTP_MATCH_RESYNC, in_resync.step, now_step);
    else if (replayed.found) set_match(match, OKEY_OTP_REPLAY, replayed.step, now_step);
    return OKEY_OTP_OK;
}

int okey_otp_verify_step(const okey_otp_key* key, const char* code, size_t code_length,
                         uint64_t step, int* equal) {
    if (key == nullptr || equal == nullptr) return OKEY_OTP_ERR_INVALID_ARGUMENT;
    *equal = 0;
    if (!is_code_format(*key, code, code_length)) return OKEY_OTP_OK;
    CodeGenerator generator(*key);
    *equal = generator.matches(step, code) ? 1 : 0;
    return OKEY_OTP_OK;
}

int okey_otp_resync(const okey_otp_key* key, const char* code1, size_t length1,
                    const char* code2, size_t length2, int64_t unix_time,
                    unsigned search_steps, okey_otp_match* match) {
    if (key == nullptr || match == nullptr || unix_time < 0 || search_steps > OKEY_OTP_WINDOW_MAX)
        return OKEY_OTP_ERR_INVALID_ARGUMENT;
    set_no_match(match);
    if (!is_code_format(*key, code1, length1) || !is_code_format(*key, code2, length2))
        return OKEY_OTP_OK;
    const std::int64_t now_step = unix_time / key->period;
    std::int64_t low = 0, high = 0;
    if (!candidate_range(now_step, search_steps, &low, &high)) return OKEY_OTP_ERR_INVALID_ARGUMENT;

    Best found;
    CodeGenerator generator(*key);
    for (std::int64_t step = low; step <= high; ++step) {
        const bool first = generator.matches(static_cast<std::uint64_t>(step), code1);
        const bool second = generator.matches(static_cast<std::uint64_t>(step + 1), code2);
        if (first && second) found.offer(step + 1, distance(step, now_step));
    }
    if (found.found) set_match(match, OKEY_OTP_MATCH, found.step, now_step);
    return OKEY_OTP_OK;
}

}  // extern "C"
