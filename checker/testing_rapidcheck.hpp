// A RapidCheck generator of schedules: a property of a user's protocol can
// take "any schedule" as an argument (docs/bring-your-own.md).
//
//   RC_GTEST_PROP(Kv, AnyScheduleKeepsTheInvariants, (const skiff::testing::Schedule& schedule)) {
//     const auto run = skiff::testing::run_schedule<kv::Protocol, kv::Invariants>(schedule);
//     RC_ASSERT(!run.violation);
//   }
//
// A schedule is the run's decisions as bytes, as a fuzz target reads its
// input (checker/choice.hpp, docs/fuzzing.md): RapidCheck shrinks a failing
// schedule by shrinking its bytes. Link rapidcheck (and rapidcheck_gtest).
#pragma once

#include <rapidcheck.h>

#include <cstdint>
#include <vector>

#include "checker/testing.hpp"

namespace skiff::testing {

struct Schedule {
  std::vector<std::uint8_t> choices;
};

struct ScheduleSpec {
  int nodes = 3;
  std::vector<std::string> bugs = {};
  std::vector<std::string> variants = {};
  Budgets budgets = {};
};

// The run the schedule's bytes choose (ProtocolDriver::run_bytes).
template <class P, class Invariants>
ByteRun run_schedule(const Schedule& schedule, const ScheduleSpec& spec = {}) {
  TraceHeader header{std::string(P::name), spec.nodes, spec.bugs, 0, spec.budgets};
  header.variants = spec.variants;
  return detail::driver<P, Invariants>().run_bytes(header, schedule.choices, {});
}

}  // namespace skiff::testing

namespace rc {
template <>
struct Arbitrary<skiff::testing::Schedule> {
  static Gen<skiff::testing::Schedule> arbitrary() {
    return gen::map(gen::arbitrary<std::vector<std::uint8_t>>(),
                    [](std::vector<std::uint8_t> choices) { return skiff::testing::Schedule{std::move(choices)}; });
  }
};
}  // namespace rc
