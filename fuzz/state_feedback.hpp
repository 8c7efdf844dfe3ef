// Protocol-level coverage feedback for libFuzzer. After each event, the
// protocol's StateAbstraction (fuzz/protocol_target.hpp) names a few features
// of the world's state (a 64-bit hash each: one node's role and coarse
// counters, the cluster's highest term, the message types in flight...), and
// each marks one of libFuzzer's extra counters. libFuzzer treats a counter
// that becomes non-zero as new coverage, exactly as it does a new code edge:
// an input that reaches a new protocol situation is kept and mutated further
// even when it runs no new line of code.
//
// Features are marked, not counted (a counter is 0 or 1): how often a run
// passes through a situation says little, and libFuzzer would otherwise see
// each new power of two of a count as new coverage, and keep inputs for it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <initializer_list>

namespace skiff::fuzz {

inline constexpr std::size_t kFeatureCounters = 1 << 15;

// The counters, in the section libFuzzer reads (`__libfuzzer_extra_counters`);
// libFuzzer clears them before each input. Defined in state_feedback.cpp.
extern std::uint8_t feature_counters[kFeatureCounters];

inline void mark_feature(std::uint64_t hash) {
  feature_counters[(hash ^ hash >> 29) % kFeatureCounters] = 1;
}

// A feature's hash: its kind and up to a few small values.
inline std::uint64_t feature(std::uint64_t kind, std::uint64_t a = 0, std::uint64_t b = 0, std::uint64_t c = 0) {
  std::uint64_t h = kind * 0x9E3779B97F4A7C15ull;
  for (std::uint64_t v : {a, b, c}) {
    h ^= v + 0x7F4A7C159E3779B9ull + (h << 6) + (h >> 2);
    h *= 0xBF58476D1CE4E5B9ull;
  }
  return h ^ (h >> 31);
}

}  // namespace skiff::fuzz
