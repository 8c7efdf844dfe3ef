// skiff check on canonical/raft (checker/stateless_checker.hpp): states are
// rebuilt, not copied, and told apart by digests; the search finds findings
// 2 and 3 of docs/findings-libraft.md at their shortest depths, with and
// without reduction, and verifies small bounds of the stable-disk variant.
#include <gtest/gtest.h>

#include <functional>
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

namespace skiff {
namespace {

CheckOutcome check(const std::string& protocol, std::uint32_t depth, const std::vector<std::string>& variants,
                   const std::function<void(CheckConfig&)>& tweak = {}) {
  const ProtocolDriver* driver = find_protocol(protocol);
  EXPECT_NE(driver, nullptr);
  CheckConfig config;
  config.max_depth = depth;
  config.max_epoch = 2;
  config.variants = variants;
  config.budgets = Budgets{0, 0, 0, 0, 0, 1};
  if (tweak) tweak(config);
  return driver->check(config);
}

TEST(StatelessCheck, LibraftIsCheckedStatelessly) {
  const ProtocolInfo& info = find_protocol("libraft")->info();
  EXPECT_TRUE(info.checkable);
  EXPECT_TRUE(info.stateless);
  EXPECT_FALSE(find_protocol("raft")->info().stateless);
}

// Finding 2 of docs/findings-libraft.md at its shortest depth: with
// timeout-now, an election is 3 events (timeout, vote, reply), then a
// command and the disk failure: 5. Sleep sets and the search by forking
// find it at that depth too.
TEST(StatelessCheck, FindsTheLeaderDeletingItsEntryAtTheShortestDepth) {
  for (bool reduce : {true, false}) {
    const CheckOutcome out = check("libraft", 6, {"timeout-now"}, [&](CheckConfig& c) { c.reduction = reduce; });
    ASSERT_TRUE(out.violation);
    EXPECT_EQ(out.violation->invariant, "truncate-only-on-conflict");
    ASSERT_EQ(out.counterexample.size(), 5u);
    EXPECT_EQ(out.counterexample[3].kind, EventKind::Client);
    EXPECT_EQ(out.counterexample[4].kind, EventKind::Timer);
    EXPECT_EQ(out.counterexample[4].timer, libraft::Node::kDiskFail);
  }
}

// The same without timeout-now: node 1 times out after 4 ticks, as in the
// 8-event trace in corpus/regressions.
TEST(StatelessCheck, FindsTheLeaderDeletingItsEntryWithTicks) {
  const CheckOutcome out = check("libraft", 9, {});
  ASSERT_TRUE(out.violation);
  EXPECT_EQ(out.violation->invariant, "truncate-only-on-conflict");
  EXPECT_EQ(out.counterexample.size(), 8u);
}

// Finding 3: past finding 2 (ignored), two commands whose appends fail
// together crash the library: a library-survives violation, found by the
// parent of the process that died, at depth 6 with and without reduction.
TEST(StatelessCheck, FindsTheCrashOnTwoFailedAppends) {
  for (bool reduce : {true, false}) {
    const CheckOutcome out = check("libraft", 7, {"timeout-now"}, [&](CheckConfig& c) {
      c.budgets.commands = 2;
      c.ignored_invariants = {"truncate-only-on-conflict", "leader-append-only"};
      c.reduction = reduce;
    });
    ASSERT_TRUE(out.violation);
    EXPECT_EQ(out.violation->invariant, "library-survives");
    EXPECT_NE(out.violation->explanation.find("SIGSEGV"), std::string::npos) << out.violation->explanation;
    ASSERT_EQ(out.counterexample.size(), 6u);
    EXPECT_EQ(out.counterexample[5].timer, libraft::Node::kDiskFail);
  }
}

// The correct configuration (disks that never fail) within a small bound:
// nothing violated, with or without reduction, by replay or by forking; the
// states are told apart alike either way.
TEST(StatelessCheck, VerifiesStableDisksWithinASmallBound) {
  const CheckOutcome replayed = check("libraft-stable-disk", 3, {"timeout-now"});
  EXPECT_FALSE(replayed.violation);
  EXPECT_FALSE(replayed.interrupted);
  EXPECT_EQ(replayed.depth, 3u);
  EXPECT_GT(replayed.distinct_states, 100u);
  const CheckOutcome forked = check("libraft-stable-disk", 3, {"timeout-now"}, [](CheckConfig& c) { c.fork_per_state = true; });
  EXPECT_FALSE(forked.violation);
  EXPECT_EQ(forked.distinct_states, replayed.distinct_states);
  EXPECT_EQ(forked.generated_states, replayed.generated_states);
  const CheckOutcome unreduced = check("libraft-stable-disk", 3, {"timeout-now"}, [](CheckConfig& c) { c.reduction = false; });
  EXPECT_FALSE(unreduced.violation);
  EXPECT_GT(unreduced.generated_states, replayed.generated_states);  // sleep sets save events tried
}

}  // namespace
}  // namespace skiff
