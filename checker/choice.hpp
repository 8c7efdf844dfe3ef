// Choice sources: where the scheduler's decisions come from. Every decision
// in a run is one call to `below(n)`, which returns a number in [0, n).
// Later sources (libFuzzer's bytes, an exhaustive enumerator) implement the
// same one-function interface.
#pragma once

#include <cstdint>
#include <random>

namespace skiff {

// Decisions drawn from one 64-bit seed. std::mt19937_64's sequence is fixed by
// the C++ standard, and below() maps it to a range without a library
// distribution (whose output the standard leaves to each library), so a seed
// means the same run with every compiler and build type.
class SeededChoices {
 public:
  explicit SeededChoices(std::uint64_t seed) : rng_(seed) {}
  std::uint32_t below(std::uint32_t n) {
    return std::uint32_t(((rng_() >> 32) * std::uint64_t(n)) >> 32);
  }

 private:
  std::mt19937_64 rng_;
};

}  // namespace skiff
