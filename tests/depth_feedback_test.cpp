// The fuzz targets' depth stages (fuzz/raft_depth_feedback.hpp,
// fuzz/paxos_feedback.hpp) are reached by the counterexamples they are meant
// to lead to, and not by correct runs where the stage cannot happen.
#include <gtest/gtest.h>

#include <set>
#include <string>

#include "checker/simulation.hpp"
#include "checker/trace.hpp"
#include "fuzz/paxos_feedback.hpp"
#include "fuzz/raft_depth_feedback.hpp"
#include "invariants/paxos_invariants.hpp"
#include "invariants/raft_invariants.hpp"
#include "protocols/paxos/paxos.hpp"
#include "protocols/raft/raft.hpp"

namespace skiff {
namespace {

using fuzz::feature;

std::string read_trace_file(const std::string& name) {
  const std::string path = std::string(SKIFF_SOURCE_DIR) + "/tests/data/" + name;
  std::FILE* f = std::fopen(path.c_str(), "rb");
  EXPECT_NE(f, nullptr) << path;
  std::string text;
  if (!f) return text;
  char buffer[4096];
  for (std::size_t n; (n = std::fread(buffer, 1, sizeof buffer, f)) > 0;) text.append(buffer, n);
  std::fclose(f);
  return text;
}

// The state invariants alone: these traces (tests/data/, the regression
// traces as they were before the rule invariants) run on past the step a
// rule would stop them at, through the stages below.
using RaftStateInvariants = InvariantSet<invariants::ElectionSafety, invariants::LeaderAppendOnly,
                                         invariants::LogMatching, invariants::LeaderCompleteness,
                                         invariants::StateMachineSafety>;
using PaxosStateInvariants = InvariantSet<invariants::Agreement, invariants::Validity, invariants::LearnerConsistency>;

// Every feature marked while a trace of tests/data replays.
template <class P, class Invariants, class Abstraction>
std::set<std::uint64_t> features_of(const std::string& name, Abstraction& abstraction) {
  const Trace trace = parse_trace(read_trace_file(name), name);
  Executor<P, Invariants> executor(trace.header, "");
  std::set<std::uint64_t> marked;
  auto mark = [&](std::uint64_t hash) { marked.insert(hash); };
  if constexpr (requires { abstraction.begin_run(); }) abstraction.begin_run();
  const Execution run = executor.execute(trace.events, ExecuteMode::Strict, /*describe=*/true,
                                         [&](const TraceEvent&, const World<P>& world) {
                                           abstraction.features(world, mark);
                                         });
  EXPECT_TRUE(run.violation);
  return marked;
}

// Figure 8: leader 3 of term 9 commits entry 2, of term 4, by counting
// replicas; node 1's log differs from node 3's at that committed index.
TEST(DepthStages, Figure8PassesThroughEachRaftStage) {
  fuzz::RaftDepthStages stages;
  const auto marked = features_of<raft::Protocol, RaftStateInvariants>("depth-raft-figure-8.trace", stages);
  EXPECT_TRUE(marked.count(feature(0xC0E7, 2)));                 // a commit of an entry 2+ terms old
  EXPECT_TRUE(marked.count(feature(0xD1F0, 1, 2, true)) || marked.count(feature(0xD1F0, 2, 2, true)) ||
              marked.count(feature(0xD1F0, 3, 2, true)));         // logs differ at committed index 2
}

// Without the seeded bug a leader never raises its commit index to an entry
// of an earlier term: correct Raft never reaches that stage.
TEST(DepthStages, CorrectRaftNeverCommitsAnEarlierTermDirectly) {
  fuzz::RaftDepthStages stages;
  Simulation<raft::Protocol, invariants::RaftInvariants> sim(3, raft::Options{}, Budgets{});
  std::vector<Event> record;
  bool elected = false;
  for (std::uint64_t seed = 1; seed <= 300; ++seed) {
    stages.begin_run();
    SeededChoices choices(seed);
    auto mark = [&](std::uint64_t hash) {
      for (std::uint64_t terms = 0; terms <= 2; ++terms) ASSERT_NE(hash, feature(0xC0E7, terms)) << "seed " << seed;
      for (std::uint64_t ahead = 0; ahead <= 2; ++ahead)
        for (bool beyond : {false, true}) elected |= hash == feature(0x1EAD, ahead, beyond);
    };
    run_choices(sim, choices, record, [&](const World<raft::Protocol>& world) { stages.features(world, mark); });
  }
  EXPECT_TRUE(elected);  // the election stage is reached at all
}

// Paxos: a proposer that ignores the accepted value sends an Accept that
// contradicts the value already chosen, one event before agreement breaks.
TEST(DepthStages, IgnoredAcceptedValueContradictsTheChosenOne) {
  fuzz::PaxosAbstraction<paxos::SingleDecree> abstraction;
  const auto marked = features_of<paxos::SingleDecree, PaxosStateInvariants>(
      "depth-paxos-ignore-accepted-values.trace", abstraction);
  EXPECT_TRUE(marked.count(feature(0xAD09, 0, false, true)) || marked.count(feature(0xAD09, 0, true, true)));
  abstraction.depth_stages(false);
  const auto without = features_of<paxos::SingleDecree, PaxosStateInvariants>(
      "depth-paxos-ignore-accepted-values.trace", abstraction);
  EXPECT_FALSE(without.count(feature(0xAD09, 0, false, true)) || without.count(feature(0xAD09, 0, true, true)));
}

}  // namespace
}  // namespace skiff
