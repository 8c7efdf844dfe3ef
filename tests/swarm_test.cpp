// Swarm verification (checker/swarm_search.hpp, `skiff check --swarm N`):
// it finds seeded bugs with counterexamples that replay, finds nothing in a
// correct protocol, is the same for the same seed on one thread, and its
// members together reach more than one of them in the same memory.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "checker/driver.hpp"
#include "checker/model_checker.hpp"
#include "checker/swarm_search.hpp"
#include "invariants/raft_invariants.hpp"
#include "protocols/raft/raft.hpp"
#include "tests/raft_counterexample.hpp"

namespace skiff {
namespace {

using Raft = raft::Protocol;
using RaftInvariants = invariants::RaftInvariants;

CheckConfig raft_bounds(std::uint32_t depth, std::uint32_t term, std::uint32_t commands, std::uint32_t crashes) {
  CheckConfig config;
  config.nodes = 3;
  config.max_depth = depth;
  config.max_epoch = term;
  config.budgets = Budgets{0, 0, 0, crashes, 0, commands};
  return config;
}

CheckOutcome swarm(CheckConfig config, std::uint32_t members, int bits, std::uint64_t seed, int threads = 1) {
  config.swarm = members;
  config.bitstate_bits = bits;
  config.seed = seed;
  config.threads = threads;
  return ModelChecker<Raft, RaftInvariants>(config).run();
}

struct SeededBug {
  const char* bug;
  CheckConfig config;
  const char* invariant;
};

TEST(Swarm, FindsSeededBugsWithCounterexamplesThatReplay) {
  for (const SeededBug& seeded :
       {SeededBug{"vote-without-log-check", raft_bounds(12, 2, 1, 0), "vote-for-up-to-date-log"},
        SeededBug{"forget-vote-on-restart", raft_bounds(12, 2, 0, 1), "one-vote-per-term"},
        SeededBug{"truncate-on-stale-append", raft_bounds(12, 2, 1, 0), "truncate-only-on-conflict"},
        SeededBug{"accept-stale-vote-reply", raft_bounds(12, 3, 0, 0), "election-safety"}}) {
    CheckConfig config = seeded.config;
    config.bugs = {seeded.bug};
    for (int threads : {1, 2}) {
      const CheckOutcome found = swarm(config, 6, 18, 7, threads);
      ASSERT_TRUE(found.violation) << seeded.bug;
      EXPECT_EQ(found.violation->invariant, seeded.invariant) << seeded.bug;
      EXPECT_GE(found.swarm_member, 0);
      EXPECT_EQ(found.swarm_member_seed, member_seed(7, std::uint64_t(found.swarm_member)));
      const ProtocolDriver& driver = *find_protocol("raft");
      Trace trace = parse_trace(test_support::raft_counterexample_text(config, found), "swarm.trace");
      ReplayReport report = driver.replay(trace, "swarm.trace", nullptr);
      ASSERT_FALSE(report.divergence) << report.divergence->reason;
      ASSERT_TRUE(report.violation) << seeded.bug;
      EXPECT_EQ(report.violation->invariant, seeded.invariant);
    }
  }
}

TEST(Swarm, FindsNothingInCorrectRaftAndEstimatesTheStatesItSaw) {
  const CheckConfig config = raft_bounds(8, 2, 1, 0);
  CheckConfig exact = config;
  exact.threads = 2;
  const CheckOutcome all = ModelChecker<Raft, RaftInvariants>(exact).run();
  ASSERT_FALSE(all.violation);
  for (int threads : {1, 2}) {
    const CheckOutcome outcome = swarm(config, 4, 22, 1, threads);
    EXPECT_FALSE(outcome.violation);
    EXPECT_FALSE(outcome.interrupted);
    EXPECT_EQ(outcome.swarm_members_run, 4u);
    // Filters far larger than the space: every member sees (nearly) all of
    // it, and the estimate is within the sketch's error of the exact count.
    EXPECT_GT(outcome.swarm_estimated_states, 0.93 * double(all.distinct_states));
    EXPECT_LT(outcome.swarm_estimated_states, 1.07 * double(all.distinct_states));
  }
}

TEST(Swarm, SameSeedSameResultOnOneThread) {
  CheckConfig config = raft_bounds(12, 2, 1, 0);
  config.bugs = {"vote-without-log-check"};
  const CheckOutcome a = swarm(config, 5, 14, 99);
  const CheckOutcome b = swarm(config, 5, 14, 99);
  ASSERT_TRUE(a.violation);
  EXPECT_EQ(a.swarm_member, b.swarm_member);
  EXPECT_EQ(a.generated_states, b.generated_states);
  EXPECT_EQ(a.swarm_estimated_states, b.swarm_estimated_states);
  EXPECT_EQ(test_support::raft_counterexample_text(config, a), test_support::raft_counterexample_text(config, b));
  const CheckConfig correct = raft_bounds(9, 2, 1, 0);
  const CheckOutcome c = swarm(correct, 3, 14, 5), d = swarm(correct, 3, 14, 5);
  EXPECT_EQ(c.generated_states, d.generated_states);
  EXPECT_EQ(c.swarm_stored_states, d.swarm_stored_states);
  EXPECT_EQ(c.swarm_estimated_states, d.swarm_estimated_states);
}

// The point of a swarm: with a filter too small for the space, each member
// loses states, differently ordered members lose different ones, and
// together they see more than one member (or the same member again).
TEST(Swarm, MembersTogetherSeeMoreThanOneInTheSameMemory) {
  const CheckConfig config = raft_bounds(9, 2, 1, 0);
  const CheckOutcome one = swarm(config, 1, 12, 3);
  const CheckOutcome many = swarm(config, 8, 12, 3);
  EXPECT_GT(many.swarm_estimated_states, 1.5 * one.swarm_estimated_states);
}

TEST(DistinctCounter, EstimatesWithinAFewPercent) {
  for (std::uint64_t n : {100u, 5000u, 200000u}) {
    DistinctCounter a, b;
    for (std::uint64_t i = 0; i < n; ++i) (i % 2 ? a : b).add(member_seed(42, i));
    for (std::uint64_t i = 0; i < n; i += 3) a.add(member_seed(42, i));  // repeats do not count
    a.merge(b);
    EXPECT_NEAR(a.estimate(), double(n), 0.05 * double(n)) << n;
  }
}

}  // namespace
}  // namespace skiff
