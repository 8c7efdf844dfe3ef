// Exploration and model checking of the Paxos family, through the same
// drivers as the command line: correct paxos, multi-paxos and
// multi-paxos-serial violate nothing in many schedules (which do choose values
// under every kind of fault); every seeded bug of paxos and multi-paxos is
// found in a fixed seed range, its trace replays to the same invariant and
// shrinks to a 1-minimal trace that replays; skiff check finds the bugs it can
// within small bounds and nothing in correct Paxos; and chosen-prefix, the
// invariant only multi-paxos-serial keeps (docs/adding-an-invariant.md), holds
// there and is violated by plain multi-paxos.
#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "checker/driver.hpp"
#include "checker/explore.hpp"
#include "checker/model_checker.hpp"
#include "checker/shrink.hpp"
#include "invariants/paxos_invariants.hpp"
#include "protocols/paxos/paxos.hpp"
#include "tests/sanitizers.hpp"

namespace skiff {
namespace {

using invariants::PaxosInvariants;
using invariants::SerialMultiPaxosInvariants;

// Under the sanitizers the numbers of schedules are cut by 10 and the slowest
// search is skipped (tests/sanitizers.hpp).
using test_support::kSanitized;
constexpr std::uint64_t scaled(std::uint64_t runs) { return test_support::scaled_for_sanitizers(runs); }

ExploreConfig config_of(int nodes, std::vector<std::string> bugs, std::uint64_t runs) {
  ExploreConfig config;
  config.nodes = nodes;
  config.bugs = std::move(bugs);
  config.seed = 1;
  config.runs = runs;
  config.jobs = 2;
  return config;
}

ExploreOutcome explore(const std::string& protocol, int nodes, std::vector<std::string> bugs, std::uint64_t runs) {
  return find_protocol(protocol)->explore(config_of(nodes, std::move(bugs), runs));
}

std::string first_violation(const ExploreOutcome& outcome) {
  if (outcome.found.empty()) return "none";
  const FoundRun& f = outcome.found[0];
  return "seed " + std::to_string(f.seed) + ": " + f.violation.invariant + ": " + f.violation.explanation;
}

// ---------------------------------------------------------------------------
// Correct protocols

struct Correct {
  std::string protocol;
  int nodes;
  std::uint64_t runs;
};
std::ostream& operator<<(std::ostream& out, const Correct& c) { return out << c.protocol << "/" << c.nodes; }

class CorrectPaxos : public ::testing::TestWithParam<Correct> {};

TEST_P(CorrectPaxos, NoViolationInManySchedules) {
  const Correct& param = GetParam();
  const ExploreOutcome outcome = explore(param.protocol, param.nodes, {}, scaled(param.runs));
  EXPECT_EQ(outcome.runs, scaled(param.runs));
  EXPECT_TRUE(outcome.found.empty()) << first_violation(outcome);
}

INSTANTIATE_TEST_SUITE_P(Paxos, CorrectPaxos,
                         ::testing::Values(Correct{"paxos", 3, 20000}, Correct{"paxos", 5, 5000},
                                           Correct{"multi-paxos", 3, 20000}, Correct{"multi-paxos", 5, 5000},
                                           Correct{"multi-paxos-serial", 3, 5000},
                                           Correct{"multi-paxos-serial", 5, 2000}),
                         [](const ::testing::TestParamInfo<Correct>& info) {
                           std::string name = info.param.protocol + "_" + std::to_string(info.param.nodes) + "_nodes";
                           std::replace(name.begin(), name.end(), '-', '_');
                           return name;
                         });

// What the first `runs` schedules of 3 nodes did, read from the nodes' views
// at the end of each run.
struct Activity {
  int runs_with_a_decision = 0;      // some node learned slot 0
  int runs_with_two_proposers = 0;   // single-decree: two nodes proposed
  int runs_with_three_slots = 0;     // Multi-Paxos: some node learned slots 0..2
  int runs_with_leader_change = 0;   // Multi-Paxos: a leader at round 2 or more
  PerKind kinds_seen{};
};

template <class P>
Activity activity(int runs) {
  Simulation<P, PaxosInvariants> sim(3, typename P::Options{}, Budgets{});
  std::vector<Event> events;
  Activity a;
  for (int seed = 1; seed <= runs; ++seed) {
    EXPECT_FALSE(run_seed(sim, std::uint64_t(seed), events).violation) << "seed " << seed;
    for (const Event& e : events) a.kinds_seen[int(e.kind)] += 1;
    bool decided = false, three = false, change = false;
    int proposers = 0;
    for (NodeIndex i = 0; i < 3; ++i) {
      const paxos::Node& node = sim.world().node(i);
      decided |= bool(node.learned(0));
      three |= node.learned(0) && node.learned(1) && node.learned(2);
      change |= node.is_leader() && node.ballot().round >= 2;
      proposers += !node.ballot().none();
    }
    a.runs_with_a_decision += decided;
    a.runs_with_two_proposers += proposers >= 2;
    a.runs_with_three_slots += three;
    a.runs_with_leader_change += change;
  }
  return a;
}

// "No violation" means something only if the runs decide values, with
// competing proposers or changing leaders, under every kind of fault.
TEST(CorrectPaxos, SchedulesDecideWithCompetingProposersUnderEveryFault) {
  const Activity a = activity<paxos::SingleDecree>(300);
  EXPECT_GT(a.runs_with_a_decision, 150);
  EXPECT_GT(a.runs_with_two_proposers, 100);
  for (int k = 0; k < kEventKinds; ++k)  // Paxos has no administrative commands
    if (EventKind(k) != EventKind::Admin) {
      EXPECT_GT(a.kinds_seen[k], 0u) << event_kind_name(EventKind(k));
    }
}

TEST(CorrectPaxos, MultiPaxosSchedulesFillSlotsAndChangeLeaders) {
  const Activity a = activity<paxos::MultiPaxos>(300);
  EXPECT_GT(a.runs_with_three_slots, 100);
  EXPECT_GT(a.runs_with_leader_change, 50);
  for (int k = 0; k < kEventKinds; ++k)  // Paxos has no administrative commands
    if (EventKind(k) != EventKind::Admin) {
      EXPECT_GT(a.kinds_seen[k], 0u) << event_kind_name(EventKind(k));
    }
}

// ---------------------------------------------------------------------------
// Seeded bugs

// Lenient replay of `events`: does it still violate `invariant`?
template <class P, class Invariants>
bool still_violates(const TraceHeader& header, const std::string& invariant, const std::vector<TraceEvent>& events) {
  Shrinker<P, Invariants> shrinker(header, invariant, "");
  return shrinker.violates(events, nullptr);
}

bool still_violates(const TraceHeader& header, const std::string& invariant, const std::vector<TraceEvent>& events) {
  if (header.protocol == "paxos") return still_violates<paxos::SingleDecree, PaxosInvariants>(header, invariant, events);
  if (header.protocol == "multi-paxos") return still_violates<paxos::MultiPaxos, PaxosInvariants>(header, invariant, events);
  ADD_FAILURE() << "no lenient replay for " << header.protocol;
  return false;
}

struct SeededBug {
  std::string protocol;
  std::string bug;
  int nodes;
  std::uint64_t runs;  // found within seeds 1..runs
  bool slow = false;   // skipped under sanitizers
};
std::ostream& operator<<(std::ostream& out, const SeededBug& b) {
  return out << b.protocol << "/" << b.bug << "/" << b.nodes;
}

class PaxosSeededBug : public ::testing::TestWithParam<SeededBug> {};

// The invariant a seeded bug's counterexample violates: the rule it breaks,
// judged at the step (docs/rules.md); agreement for forget-accepted-on-restart,
// which breaks no rule the list has.
std::string invariant_broken_by(const std::string& bug) {
  if (bug == "forget-promise-on-restart") return "promise-never-decreases";
  if (bug == "accept-below-promise") return "accept-at-or-above-promise";
  if (bug == "ignore-accepted-values" || bug == "adopt-any-accepted" || bug == "count-duplicate-promises")
    return "phase2-value-from-promises";
  return "agreement";
}

// Found within the seed range; the trace replays to the same invariant
// (invariant_broken_by); the shrunk trace replays and is 1-minimal.
TEST_P(PaxosSeededBug, FoundReplayedAndShrunkToOneMinimal) {
  const SeededBug& param = GetParam();
  if (kSanitized && param.slow) GTEST_SKIP() << "thousands of runs: Release only";
  const ExploreOutcome outcome = explore(param.protocol, param.nodes, {param.bug}, param.runs);
  ASSERT_EQ(outcome.found.size(), 1u) << "not found in seeds 1.." << param.runs;
  const FoundRun& found = outcome.found[0];
  const std::string invariant = invariant_broken_by(param.bug);
  EXPECT_EQ(found.violation.invariant, invariant) << found.violation.explanation;

  const ProtocolDriver& driver = *find_protocol(param.protocol);
  const TraceHeader header{param.protocol, param.nodes, {param.bug}, found.seed, Budgets{}};
  const Trace full = parse_trace(format_trace(driver.make_trace(header, found.events)), "full.trace");
  ASSERT_TRUE(full.violation);
  EXPECT_EQ(full.violation->invariant, found.violation.invariant);
  EXPECT_EQ(full.events.size(), found.events.size());
  const ReplayReport replayed = driver.replay(full, "full.trace", nullptr);
  ASSERT_FALSE(replayed.divergence) << replayed.divergence->reason;
  ASSERT_TRUE(replayed.violation);
  EXPECT_EQ(replayed.violation->invariant, found.violation.invariant);
  EXPECT_EQ(replayed.events_replayed, full.events.size());

  ShrinkStats stats;
  const Trace shrunk = parse_trace(format_trace(driver.shrink(full, "full.trace", stats)), "small.trace");
  ASSERT_TRUE(shrunk.violation);
  EXPECT_EQ(shrunk.violation->invariant, found.violation.invariant);
  EXPECT_LE(shrunk.events.size(), full.events.size());
  const ReplayReport small = driver.replay(shrunk, "small.trace", nullptr);
  ASSERT_FALSE(small.divergence) << small.divergence->reason;
  ASSERT_TRUE(small.violation);
  EXPECT_EQ(small.violation->invariant, found.violation.invariant);
  EXPECT_EQ(small.events_replayed, shrunk.events.size());

  for (std::size_t i = 0; i < shrunk.events.size(); ++i) {
    std::vector<TraceEvent> without = shrunk.events;
    without.erase(without.begin() + std::ptrdiff_t(i));
    EXPECT_FALSE(still_violates(header, found.violation.invariant, without))
        << "event " << i + 1 << " is not needed: " << format_event(shrunk.events[i].event, shrunk.events[i].detail);
  }
}

// count-duplicate-promises needs 5 nodes: with 3, the proposer's own promise
// and one other are already a majority (see CountDuplicatePromisesIsHarmlessWithThreeNodes).
INSTANTIATE_TEST_SUITE_P(
    Paxos, PaxosSeededBug,
    ::testing::Values(SeededBug{"paxos", "ignore-accepted-values", 3, 1000},
                      SeededBug{"paxos", "adopt-any-accepted", 3, 10000},
                      SeededBug{"paxos", "forget-promise-on-restart", 3, 10000},
                      SeededBug{"paxos", "forget-accepted-on-restart", 3, 1000},
                      SeededBug{"paxos", "accept-below-promise", 3, 1000},
                      SeededBug{"paxos", "count-duplicate-promises", 5, 20000},
                      SeededBug{"multi-paxos", "ignore-accepted-values", 3, 1000},
                      SeededBug{"multi-paxos", "adopt-any-accepted", 3, 10000},
                      SeededBug{"multi-paxos", "forget-promise-on-restart", 3, 10000},
                      SeededBug{"multi-paxos", "forget-accepted-on-restart", 3, 1000},
                      SeededBug{"multi-paxos", "accept-below-promise", 3, 1000},
                      SeededBug{"multi-paxos", "count-duplicate-promises", 5, 40000, true}),
    [](const ::testing::TestParamInfo<SeededBug>& info) {
      std::string name = info.param.protocol + "_" + info.param.bug + "_" + std::to_string(info.param.nodes);
      std::replace(name.begin(), name.end(), '-', '_');
      return name;
    });

TEST(PaxosSeededBugs, CountDuplicatePromisesIsHarmlessWithThreeNodes) {
  for (const char* protocol : {"paxos", "multi-paxos"}) {
    const ExploreOutcome outcome = explore(protocol, 3, {"count-duplicate-promises"}, scaled(3000));
    EXPECT_TRUE(outcome.found.empty()) << protocol << ": " << first_violation(outcome);
  }
}

// ---------------------------------------------------------------------------
// skiff check

CheckConfig bounds(int nodes, std::uint32_t depth, std::uint32_t round, std::uint32_t commands,
                   std::uint32_t crashes = 0, std::uint32_t duplicates = 0) {
  CheckConfig config;
  config.nodes = nodes;
  config.max_depth = depth;
  config.max_epoch = round;
  config.budgets = Budgets{0, 0, duplicates, crashes, 0, commands};
  config.threads = 2;
  return config;
}

struct BugInBounds {
  std::string protocol;
  std::string bug;
  CheckConfig config;
  std::size_t shortest;  // events in the shortest counterexample
};
std::ostream& operator<<(std::ostream& out, const BugInBounds& b) { return out << b.protocol << "/" << b.bug; }

class PaxosBugFoundByCheck : public ::testing::TestWithParam<BugInBounds> {};

// A shortest counterexample (of the rule the bug breaks, docs/rules.md), which
// replays as a trace.
TEST_P(PaxosBugFoundByCheck, ShortestCounterexampleReplays) {
  const BugInBounds& param = GetParam();
  CheckConfig config = param.config;
  config.bugs = {param.bug};
  const ProtocolDriver& driver = *find_protocol(param.protocol);
  const CheckOutcome outcome = driver.check(config);
  ASSERT_TRUE(outcome.violation);
  EXPECT_EQ(outcome.violation->invariant, invariant_broken_by(param.bug));
  EXPECT_EQ(outcome.counterexample.size(), param.shortest);

  TraceHeader header{param.protocol, config.nodes, config.bugs, 0, config.budgets};
  header.budgets.steps = std::uint32_t(outcome.counterexample.size());
  const Trace trace = parse_trace(format_trace(driver.make_trace(header, outcome.counterexample)), "check.trace");
  const ReplayReport report = driver.replay(trace, "check.trace", nullptr);
  ASSERT_FALSE(report.divergence) << report.divergence->reason;
  ASSERT_TRUE(report.violation);
  EXPECT_EQ(report.violation->invariant, invariant_broken_by(param.bug));
  EXPECT_EQ(report.events_replayed, param.shortest);
}

// The bugs whose shortest counterexample is short enough for CI. The others
// are found too, at a cost of seconds to a minute each (BENCHMARKS.md, Paxos:
// paxos adopt-any-accepted in 11 events, forget-promise-on-restart and
// forget-accepted-on-restart in 10 with one crash, multi-paxos
// accept-below-promise in 10).
INSTANTIATE_TEST_SUITE_P(
    Paxos, PaxosBugFoundByCheck,
    ::testing::Values(BugInBounds{"paxos", "ignore-accepted-values", bounds(3, 10, 2, 2), 6},
                      BugInBounds{"paxos", "accept-below-promise", bounds(3, 10, 2, 2), 5},
                      BugInBounds{"multi-paxos", "ignore-accepted-values", bounds(3, 10, 2, 1), 7}),
    [](const ::testing::TestParamInfo<BugInBounds>& info) {
      std::string name = info.param.protocol + "_" + info.param.bug;
      std::replace(name.begin(), name.end(), '-', '_');
      return name;
    });

// Correct single-decree Paxos, two client commands (so at most two competing
// proposers) on 3 nodes, ballot rounds up to 3: every state up to depth 7.
TEST(PaxosCheck, CorrectPaxosVerifiedWithinBounds) {
  const CheckOutcome outcome = find_protocol("paxos")->check(bounds(3, 7, 3, 2));
  EXPECT_FALSE(outcome.violation) << outcome.violation->explanation;
  EXPECT_EQ(outcome.depth, 7u);
  EXPECT_GT(outcome.distinct_states, 10000u);
}

// Paxos nodes are not interchangeable (ballots of one round are ordered by
// their proposers' ids), so skiff check refuses to reduce them by symmetry.
TEST(PaxosCheck, RefusesSymmetry) {
  CheckConfig config = bounds(3, 3, 2, 1);
  config.symmetry = true;
  for (const char* protocol : {"paxos", "multi-paxos", "multi-paxos-serial"})
    EXPECT_THROW(find_protocol(protocol)->check(config), InputError) << protocol;
}

// ---------------------------------------------------------------------------
// chosen-prefix: the worked example of docs/adding-an-invariant.md

TEST(ChosenPrefix, IsCheckedOnMultiPaxosSerialOnly) {
  auto names = [](const char* protocol) {
    std::vector<std::string_view> out;
    for (const InvariantInfo& i : find_protocol(protocol)->info().invariants) out.push_back(i.name);
    return out;
  };
  const std::vector<std::string_view> base{"node-survives",     "promise-never-decreases", "accept-at-or-above-promise",
                                           "phase2-value-from-promises", "agreement", "validity",
                                           "learner-consistency"};
  EXPECT_EQ(names("paxos"), base);
  EXPECT_EQ(names("multi-paxos"), base);
  std::vector<std::string_view> serial = base;
  serial.push_back("chosen-prefix");
  EXPECT_EQ(names("multi-paxos-serial"), serial);
}

// Holds on multi-paxos-serial in every state up to depth 8 (7 under
// sanitizers) with two client commands and ballot rounds up to 2: the bounds
// in which plain multi-paxos violates it (below) in 6 events.
TEST(ChosenPrefix, HoldsOnMultiPaxosSerialInSkiffCheck) {
  const std::uint32_t depth = kSanitized ? 7 : 8;
  const CheckOutcome outcome = find_protocol("multi-paxos-serial")->check(bounds(3, depth, 2, 2));
  EXPECT_FALSE(outcome.violation) << outcome.violation->explanation;
  EXPECT_EQ(outcome.depth, depth);
}

// Plain multi-paxos, checked against chosen-prefix as well, breaks it: the
// invariant is not vacuous, and it is what tells the two variants apart.
TEST(ChosenPrefix, PlainMultiPaxosViolatesItInExploreAndCheck) {
  ExploreConfig config = config_of(3, {}, 1000);
  const ExploreOutcome explored = explore_seeds<paxos::MultiPaxos, SerialMultiPaxosInvariants>(config);
  ASSERT_EQ(explored.found.size(), 1u);
  EXPECT_EQ(explored.found[0].violation.invariant, "chosen-prefix") << explored.found[0].violation.explanation;

  const CheckOutcome checked = ModelChecker<paxos::MultiPaxos, SerialMultiPaxosInvariants>(bounds(3, 8, 2, 2)).run();
  ASSERT_TRUE(checked.violation);
  EXPECT_EQ(checked.violation->invariant, "chosen-prefix");
  EXPECT_EQ(checked.counterexample.size(), 6u);
}

}  // namespace
}  // namespace skiff
