// Exploration finds every seeded Raft bug, and finds nothing in correct Raft.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "checker/driver.hpp"
#include "checker/explore.hpp"
#include "checker/shrink.hpp"
#include "invariants/raft_invariants.hpp"
#include "protocols/raft/raft.hpp"
#include "tests/sanitizers.hpp"

namespace skiff {
namespace {

using Raft = raft::Protocol;
using RaftInvariants = invariants::RaftInvariants;

ExploreOutcome explore(int nodes, std::vector<std::string> bugs, std::uint64_t seed, std::uint64_t runs) {
  ExploreConfig config;
  config.nodes = nodes;
  config.bugs = std::move(bugs);
  config.seed = seed;
  config.runs = runs;
  config.jobs = 2;
  return explore_seeds<Raft, RaftInvariants>(config);
}

TEST(CorrectRaft, NoViolationIn20000SchedulesOf3Nodes) {
  const std::uint64_t runs = test_support::scaled_for_sanitizers(20000);
  ExploreOutcome outcome = explore(3, {}, 1, runs);
  EXPECT_EQ(outcome.runs, runs);
  ASSERT_TRUE(outcome.found.empty()) << "seed " << outcome.found[0].seed << ": "
                                     << outcome.found[0].violation.invariant << ": "
                                     << outcome.found[0].violation.explanation;
}

TEST(CorrectRaft, NoViolationIn5000SchedulesOf5Nodes) {
  const std::uint64_t runs = test_support::scaled_for_sanitizers(5000);
  ExploreOutcome outcome = explore(5, {}, 1, runs);
  EXPECT_EQ(outcome.runs, runs);
  ASSERT_TRUE(outcome.found.empty()) << "seed " << outcome.found[0].seed << ": "
                                     << outcome.found[0].violation.invariant << ": "
                                     << outcome.found[0].violation.explanation;
}

// The runs of correct Raft are not idle: leaders are elected and commands
// committed, under every kind of fault, or "no violation" would mean little.
TEST(CorrectRaft, SchedulesElectLeadersCommitAndSpendEveryFault) {
  Simulation<Raft, RaftInvariants> sim(3, raft::Options{}, Budgets{});
  std::vector<Event> events;
  int runs_with_commit = 0;
  PerKind kinds_seen{};
  for (std::uint64_t seed = 1; seed <= 200; ++seed) {
    ASSERT_FALSE(run_seed(sim, seed, events).violation);
    for (const Event& e : events) kinds_seen[int(e.kind)] += 1;
    for (int i = 0; i < 3; ++i)
      if (sim.world().node(NodeIndex(i)).commit_index() > 0) {
        ++runs_with_commit;
        break;
      }
  }
  EXPECT_GT(runs_with_commit, 100);
  // Every kind but the administrative commands, whose budgets are 0 by default.
  for (int k = 0; k < kEventKinds; ++k)
    if (EventKind(k) != EventKind::Admin) {
      EXPECT_GT(kinds_seen[k], 0u) << event_kind_name(EventKind(k));
    }
  EXPECT_EQ(kinds_seen[int(EventKind::Admin)], 0u);
}

struct SeededBug {
  std::string bug;
  int nodes;
  std::string invariant;  // the invariant its counterexample violates: the
                          // rule it breaks, where one judges it (docs/rules.md)
};

std::ostream& operator<<(std::ostream& out, const SeededBug& b) { return out << b.bug << "/" << b.nodes; }

class SeededBugTest : public ::testing::TestWithParam<SeededBug> {};

// Found within seeds 1..100000; the trace replays to the same invariant; the
// shrunk trace replays and is 1-minimal.
TEST_P(SeededBugTest, FoundReplayedAndShrunkToOneMinimal) {
  const SeededBug& param = GetParam();
  ExploreOutcome outcome = explore(param.nodes, {param.bug}, 1, 100000);
  ASSERT_EQ(outcome.found.size(), 1u) << "not found in seeds 1..100000";
  const FoundRun& found = outcome.found[0];
  EXPECT_EQ(found.violation.invariant, param.invariant) << found.violation.explanation;

  const ProtocolDriver& driver = *find_protocol("raft");
  TraceHeader header{"raft", param.nodes, {param.bug}, found.seed, Budgets{}};
  Trace full = driver.make_trace(header, found.events);
  ASSERT_TRUE(full.violation);
  EXPECT_EQ(full.violation->invariant, param.invariant);
  EXPECT_EQ(full.events.size(), found.events.size());

  // What is written is what replays.
  Trace reread = parse_trace(format_trace(full), "full.trace");
  ReplayReport replayed = driver.replay(reread, "full.trace", nullptr);
  ASSERT_FALSE(replayed.divergence) << replayed.divergence->reason;
  ASSERT_TRUE(replayed.violation);
  EXPECT_EQ(replayed.violation->invariant, param.invariant);
  EXPECT_EQ(replayed.events_replayed, full.events.size());

  ShrinkStats stats;
  Trace shrunk = driver.shrink(reread, "full.trace", stats);
  ASSERT_TRUE(shrunk.violation);
  EXPECT_EQ(shrunk.violation->invariant, param.invariant);
  EXPECT_LT(shrunk.events.size(), full.events.size());
  EXPECT_EQ(stats.events_after, shrunk.events.size());

  Trace shrunk_reread = parse_trace(format_trace(shrunk), "small.trace");
  ReplayReport small = driver.replay(shrunk_reread, "small.trace", nullptr);
  ASSERT_FALSE(small.divergence) << small.divergence->reason;
  ASSERT_TRUE(small.violation);
  EXPECT_EQ(small.violation->invariant, param.invariant);
  EXPECT_EQ(small.events_replayed, shrunk.events.size());

  // 1-minimal: without any one event, the (leniently replayed) rest no longer violates it.
  Shrinker<Raft, RaftInvariants> checker(header, param.invariant, "");
  for (std::size_t i = 0; i < shrunk.events.size(); ++i) {
    std::vector<TraceEvent> without = shrunk.events;
    without.erase(without.begin() + std::ptrdiff_t(i));
    EXPECT_FALSE(checker.violates(without, nullptr)) << "event " << i + 1 << " is not needed: "
                                                     << format_event(shrunk.events[i].event, shrunk.events[i].detail);
  }
}

INSTANTIATE_TEST_SUITE_P(
    Raft, SeededBugTest,
    ::testing::Values(SeededBug{"commit-previous-term", 3, "commit-current-term-on-majority"},
                      SeededBug{"commit-previous-term", 5, "commit-current-term-on-majority"},
                      SeededBug{"vote-without-log-check", 3, "vote-for-up-to-date-log"},
                      SeededBug{"up-to-date-by-index-only", 3, "vote-for-up-to-date-log"},
                      SeededBug{"forget-vote-on-restart", 3, "one-vote-per-term"},
                      SeededBug{"truncate-on-stale-append", 3, "truncate-only-on-conflict"},
                      SeededBug{"commit-to-leader-commit", 3, "state-machine-safety"},
                      SeededBug{"count-duplicate-votes", 5, "election-safety"},
                      SeededBug{"accept-stale-vote-reply", 3, "election-safety"},
                      SeededBug{"forget-term-on-restart", 3, "term-never-decreases"},
                      SeededBug{"ack-last-log-index", 3, "ack-covers-only-sent"},
                      SeededBug{"throw-on-long-log", 3, "node-survives"}),
    [](const ::testing::TestParamInfo<SeededBug>& info) {
      std::string name = info.param.bug + "_" + std::to_string(info.param.nodes) + "_nodes";
      for (char& c : name)
        if (c == '-') c = '_';
      return name;
    });

// count-duplicate-votes needs a duplicated vote to matter: with 3 nodes one
// other vote is already a majority, so the bug cannot show.
TEST(SeededBugs, CountDuplicateVotesIsHarmlessWithThreeNodes) {
  EXPECT_TRUE(explore(3, {"count-duplicate-votes"}, 1, 5000).found.empty());
}

TEST(Explore, SameOutcomeForOneAndTwoThreads) {
  for (const char* bug : {"commit-previous-term", "forget-vote-on-restart"}) {
    ExploreConfig config;
    config.bugs = {bug};
    config.runs = test_support::scaled_for_sanitizers(3000);
    config.keep_going = true;
    config.jobs = 1;
    ExploreOutcome one = explore_seeds<Raft, RaftInvariants>(config);
    config.jobs = 2;
    ExploreOutcome two = explore_seeds<Raft, RaftInvariants>(config);
    EXPECT_EQ(one.runs, two.runs);
    EXPECT_EQ(one.events, two.events);
    ASSERT_EQ(one.found.size(), two.found.size());
    ASSERT_FALSE(one.found.empty());
    for (std::size_t i = 0; i < one.found.size(); ++i) {
      EXPECT_EQ(one.found[i].seed, two.found[i].seed);
      EXPECT_EQ(one.found[i].violation.explanation, two.found[i].violation.explanation);
    }
  }
}

TEST(Explore, StopsAtTheLowestViolatingSeedWhateverTheThreads) {
  ExploreConfig config;
  config.bugs = {"commit-previous-term"};
  config.runs = 100000;
  config.jobs = 1;
  ExploreOutcome one = explore_seeds<Raft, RaftInvariants>(config);
  config.jobs = 2;
  ExploreOutcome two = explore_seeds<Raft, RaftInvariants>(config);
  ASSERT_EQ(one.found.size(), 1u);
  ASSERT_EQ(two.found.size(), 1u);
  EXPECT_EQ(one.found[0].seed, two.found[0].seed);
  EXPECT_EQ(one.runs, one.found[0].seed);  // seeds start at 1: run r has seed r+1
  EXPECT_EQ(one.runs, two.runs);
  EXPECT_EQ(one.events, two.events);
}

}  // namespace
}  // namespace skiff
