#include "fuzz/state_feedback.hpp"

namespace skiff::fuzz {

// libFuzzer finds this array through the linker's __start_/__stop_ symbols of
// the section, on Linux. Another engine (AFL++, honggfuzz) ignores it.
__attribute__((section("__libfuzzer_extra_counters"), used))
std::uint8_t feature_counters[kFeatureCounters];

}  // namespace skiff::fuzz
