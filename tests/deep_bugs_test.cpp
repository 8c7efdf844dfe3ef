// The deep seeded bugs (issue 14; `skiff list` marks them "(deep)"): skiff
// finds each, and its shrunk (1-minimal) trace shows what it needs: at least
// two leaderships, and for the durable-state bugs a crash. (The others need
// only messages reordered, which the asynchronous world allows for free;
// BENCHMARKS.md says which are slow to find without a profile.) BENCHMARKS.md has how fast each
// profile finds them (bench/deep_bugs.sh).
#include <gtest/gtest.h>

#include <algorithm>
#include <set>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "checker/driver.hpp"
#include "checker/explore.hpp"

namespace skiff {
namespace {

struct DeepBug {
  const char* protocol;
  const char* bug;
  int nodes;
  Profile profile;           // the profile the test hunts with
  std::uint64_t runs;        // enough for it, from seed 1
  std::set<std::string> invariants;  // what it may violate
  bool needs_crash;          // its shrunk trace must crash a node (a durable-state bug)
};

// The distinct leaderships a trace goes through: (node, term or ballot) of
// every node whose state line says it leads, after any event.
std::set<std::pair<std::string, std::string>> leaderships(const ProtocolDriver& driver, const Trace& trace) {
  std::set<std::pair<std::string, std::string>> seen;
  driver.replay(trace, "t.trace", [&](const TraceEvent&, const std::vector<std::string>& states) {
    for (const std::string& line : states) {
      std::istringstream words(line);
      std::string node, role, term;
      words >> node >> role >> term;
      if (role == "leader" || role == "leading") seen.emplace(node, term);
    }
  });
  return seen;
}

class DeepBugs : public ::testing::TestWithParam<DeepBug> {};

TEST_P(DeepBugs, FoundAndDeep) {
  const DeepBug& d = GetParam();
  const ProtocolDriver& driver = *find_protocol(d.protocol);
  ExploreConfig config;
  config.nodes = d.nodes;
  config.bugs = {d.bug};
  config.runs = d.runs;
  config.jobs = 2;
  config.aim.profile = d.profile;
  const ExploreOutcome outcome = driver.explore(config);
  ASSERT_FALSE(outcome.found.empty()) << d.bug << " not found in " << d.runs << " runs";
  const FoundRun& found = outcome.found.front();
  // A state invariant of the set, or a rule invariant (invariants/, docs/rules.md),
  // which catches the broken step before any state shows it.
  const bool state_level = d.invariants.count(found.violation.invariant) != 0;
  const auto& known = driver.info().invariants;
  EXPECT_TRUE(std::any_of(known.begin(), known.end(),
                          [&](const InvariantInfo& i) { return i.name == found.violation.invariant; }))
      << found.violation.invariant;
  TraceHeader header{d.protocol, d.nodes, config.bugs, found.seed, config.budgets};
  const Trace full = driver.make_trace(header, found.events);
  ShrinkStats stats;
  const Trace shrunk = driver.shrink(parse_trace(format_trace(full), "t.trace"), "t.trace", stats);
  ASSERT_TRUE(shrunk.violation);
  int crashes = 0;
  for (const TraceEvent& e : shrunk.events) crashes += e.event.kind == EventKind::Crash;
  if (d.needs_crash) {
    EXPECT_GE(crashes, 1) << format_trace(shrunk);
  }
  // At least two leaderships: the bug shows in a state only after a leader
  // change (a rule may catch its broken step sooner).
  if (state_level) {
    EXPECT_GE(leaderships(driver, shrunk).size(), 2u) << format_trace(shrunk);
  }
}

INSTANTIATE_TEST_SUITE_P(
    Seeded, DeepBugs,
    ::testing::Values(
        DeepBug{"raft", "commit-to-last-log-index", 3, Profile::Mix, 20000, {"state-machine-safety", "leader-completeness"}, false},
        DeepBug{"raft", "commit-whole-log-on-restart", 3, Profile::Mix, 20000, {"leader-completeness", "state-machine-safety"}, true},
        DeepBug{"raft", "keep-suffix-on-conflict", 3, Profile::Mix, 20000, {"log-matching", "leader-completeness", "state-machine-safety"}, false},
        DeepBug{"raft", "ack-before-persist", 3, Profile::Mix, 20000, {"leader-completeness", "state-machine-safety"}, true},
        DeepBug{"multi-paxos", "compare-rounds-only", 3, Profile::Mix, 20000, {"agreement", "learner-consistency"}, false},
        DeepBug{"multi-paxos", "forget-unlearned-votes-on-restart", 3, Profile::Mix, 20000, {"agreement", "learner-consistency"}, true}),
    [](const ::testing::TestParamInfo<DeepBug>& info) {
      std::string name = std::string(info.param.protocol) + "_" + info.param.bug;
      for (char& c : name)
        if (c == '-') c = '_';
      return name;
    });

}  // namespace
}  // namespace skiff
