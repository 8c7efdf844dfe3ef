// Whether the tests run under AddressSanitizer, and the schedule counts they
// use there.
//
// Under the sanitizers (CI's clang -O1 build with ASan and UBSan, or
// `scripts/build sanitize`) a run costs 5 to 25 times what it costs in
// Release. Tests that explore many schedules of a correct protocol to show it
// keeps its invariants run a tenth of them there: the sanitizers look for
// memory errors and undefined behaviour, which the first schedules exercise
// as well as the rest. The Release run of the same test covers every
// schedule. Tests that must find a seeded bug keep their counts.
#pragma once

#include <algorithm>
#include <cstdint>

namespace skiff::test_support {

#if defined(__SANITIZE_ADDRESS__)  // gcc
inline constexpr bool kSanitized = true;
#elif defined(__has_feature)       // clang
#if __has_feature(address_sanitizer)
inline constexpr bool kSanitized = true;
#else
inline constexpr bool kSanitized = false;
#endif
#else
inline constexpr bool kSanitized = false;
#endif

// `runs` in Release; a tenth of it (at least 1) under the sanitizers.
constexpr std::uint64_t scaled_for_sanitizers(std::uint64_t runs) {
  return kSanitized ? std::max<std::uint64_t>(1, runs / 10) : runs;
}

}  // namespace skiff::test_support
