// Snapshots in skiff's Raft (issue 15): a node compacts its applied prefix,
// InstallSnapshot brings a follower behind the leader's snapshot up (Figure
// 13), a restart restores the snapshot; correct Raft with snapshots,
// membership changes and transfers keeps every invariant; the seeded
// snapshot bugs are found by explore, the fuzz target's byte-driven runs and
// check; snapshot events replay byte for byte.
#include <gtest/gtest.h>

#include <algorithm>
#include <random>
#include <string>
#include <vector>

#include "checker/driver.hpp"
#include "checker/model_checker.hpp"
#include "checker/shrink.hpp"
#include "checker/simulation.hpp"
#include "checker/trace.hpp"
#include "checker/world.hpp"
#include "invariants/raft_invariants.hpp"
#include "protocols/raft/raft.hpp"

namespace skiff {
namespace {

using Raft = raft::Protocol;
using RaftInvariants = invariants::RaftInvariants;
using raft::AdminOp;

Budgets snapshot_budgets(std::uint32_t config_changes, std::uint32_t transfers, std::uint32_t snapshots) {
  Budgets b;
  b.config_changes = config_changes;
  b.transfers = transfers;
  b.snapshots = snapshots;
  return b;
}

raft::Options options_with(std::vector<std::string> bugs, std::vector<std::string> variants, int nodes) {
  raft::Options options;
  for (const std::string& bug : bugs) EXPECT_TRUE(options.enable_bug(bug)) << bug;
  for (const std::string& variant : variants) EXPECT_EQ(options.enable_variant(variant, nodes), "") << variant;
  return options;
}

// ---- correct Raft: no violation, and snapshots really are taken and sent -----

struct Activity {
  int snapshotted = 0;  // runs that ended with a node holding a snapshot
  int installed = 0;    // runs in which an InstallSnapshot was delivered
};

Activity run_correct(int nodes, std::vector<std::string> variants, std::uint64_t runs) {
  Simulation<Raft, RaftInvariants> sim(nodes, options_with({}, variants, nodes), snapshot_budgets(2, 1, 3));
  std::vector<Event> events;
  Activity a;
  for (std::uint64_t seed = 1; seed <= runs; ++seed) {
    const RunOutcome outcome = run_seed(sim, seed, events);
    EXPECT_FALSE(outcome.violation) << "seed " << seed << ": " << outcome.violation->invariant << ": "
                                    << outcome.violation->explanation;
    if (outcome.violation) break;
    bool snapshot = false;
    for (int i = 0; i < nodes; ++i) snapshot |= sim.world().node(NodeIndex(i)).snapshot_index() > 0;
    a.snapshotted += snapshot;
    int admin_snapshots = 0;
    for (const Event& e : events) admin_snapshots += e.kind == EventKind::Admin && e.timer == TimerId(AdminOp::Snapshot);
    int holders = 0;
    for (int i = 0; i < nodes; ++i) holders += sim.world().node(NodeIndex(i)).snapshot_index() > 0;
    a.installed += holders > admin_snapshots;  // more nodes hold one than took one: some were installed
  }
  return a;
}

TEST(CorrectRaftSnapshots, NoViolationWithThreeNodes) {
  const Activity a = run_correct(3, {}, 1500);
  EXPECT_GT(a.snapshotted, 300);
  EXPECT_GT(a.installed, 15);  // 28 of 1500 when written
}

TEST(CorrectRaftSnapshots, NoViolationWithFourNodesOneSpare) {
  const Activity a = run_correct(4, {"spare=4"}, 1500);
  EXPECT_GT(a.snapshotted, 300);
}

TEST(CorrectRaftSnapshots, NoViolationWithFiveNodesPreVoteAndCheckQuorum) {
  const Activity a = run_correct(5, {"pre-vote", "check-quorum"}, 1000);
  EXPECT_GT(a.snapshotted, 200);
}

// The same seed twice: the same events.
TEST(CorrectRaftSnapshots, Deterministic) {
  Simulation<Raft, RaftInvariants> a(3, raft::Options{}, snapshot_budgets(2, 1, 3));
  Simulation<Raft, RaftInvariants> b(3, raft::Options{}, snapshot_budgets(2, 1, 3));
  std::vector<Event> ea, eb;
  for (std::uint64_t seed = 1; seed <= 200; ++seed) {
    run_seed(a, seed, ea);
    run_seed(b, seed, eb);
    ASSERT_EQ(ea.size(), eb.size()) << seed;
    for (std::size_t i = 0; i < ea.size(); ++i) ASSERT_EQ(format_event(ea[i], ""), format_event(eb[i], "")) << seed;
  }
}

// A run with snapshots, written as a trace, reads back and replays byte for
// byte (admin N snapshot lines, InstallSnapshot deliveries).
TEST(SnapshotTrace, ReplaysByteForByte) {
  const ProtocolDriver& driver = *find_protocol("raft");
  Simulation<Raft, RaftInvariants> sim(3, raft::Options{}, snapshot_budgets(0, 0, 3));
  std::vector<Event> events;
  int replayed = 0;
  for (std::uint64_t seed = 1; seed <= 300 && replayed < 5; ++seed) {
    run_seed(sim, seed, events);
    TraceHeader header{"raft", 3, {}, seed, snapshot_budgets(0, 0, 3), 0, 0, 0, {}};
    const std::string text = format_trace(driver.make_trace(header, events));
    if (text.find("InstallSnapshot") == std::string::npos || text.find("snapshot\n") == std::string::npos) continue;
    const Trace trace = parse_trace(text, "s.trace");
    EXPECT_EQ(format_trace(trace), text);
    const ReplayReport report = driver.replay(trace, "s.trace", nullptr);
    ASSERT_FALSE(report.divergence) << report.divergence->reason;
    EXPECT_FALSE(report.violation);
    ++replayed;
  }
  EXPECT_EQ(replayed, 5);
}

// ---- seeded bugs ----------------------------------------------------------------

struct SnapshotBug {
  std::string bug;
  int nodes;
  std::vector<std::string> variants;
  std::vector<std::string> invariants;  // the first invariant its counterexamples violate is one of these
};

bool one_of(const std::vector<std::string>& names, const std::string& name) {
  return std::find(names.begin(), names.end(), name) != names.end();
}

std::ostream& operator<<(std::ostream& out, const SnapshotBug& b) { return out << b.bug; }

class SnapshotBugTest : public ::testing::TestWithParam<SnapshotBug> {};

TEST_P(SnapshotBugTest, FoundByExploreReplayedAndShrunk) {
  const SnapshotBug& param = GetParam();
  ExploreConfig config;
  config.nodes = param.nodes;
  config.bugs = {param.bug};
  config.variants = param.variants;
  config.budgets = snapshot_budgets(2, 1, 3);
  config.runs = 20000;
  config.jobs = 2;
  const ProtocolDriver& driver = *find_protocol("raft");
  const ExploreOutcome outcome = driver.explore(config);
  ASSERT_EQ(outcome.found.size(), 1u) << "not found in 20000 seeds";
  const FoundRun& found = outcome.found[0];
  EXPECT_TRUE(one_of(param.invariants, found.violation.invariant)) << found.violation.explanation;

  TraceHeader header{"raft", param.nodes, {param.bug}, found.seed, config.budgets, 0, 0, 0, param.variants};
  const Trace full = parse_trace(format_trace(driver.make_trace(header, found.events)), "full.trace");
  ShrinkStats stats;
  const Trace shrunk = driver.shrink(full, "full.trace", stats);
  ASSERT_TRUE(shrunk.violation);
  const Trace reread = parse_trace(format_trace(shrunk), "small.trace");
  EXPECT_EQ(format_trace(reread), format_trace(shrunk));
  const ReplayReport small = driver.replay(reread, "small.trace", nullptr);
  ASSERT_FALSE(small.divergence) << small.divergence->reason;
  ASSERT_TRUE(small.violation);
  bool has_snapshot = false;
  for (const TraceEvent& e : shrunk.events) has_snapshot |= e.event.kind == EventKind::Admin && e.detail == "snapshot";
  EXPECT_TRUE(has_snapshot) << "the bug needs a snapshot";
}

// The fuzz target's runs (bytes -> choices, as fuzz/raft.cpp with
// SKIFF_MAX_CONFIG_CHANGES=2 SKIFF_MAX_TRANSFERS=1 SKIFF_MAX_SNAPSHOTS=3).
TEST_P(SnapshotBugTest, FoundByTheFuzzTargetsByteRuns) {
  const SnapshotBug& param = GetParam();
  const ProtocolDriver& driver = *find_protocol("raft");
  TraceHeader header{"raft", param.nodes, {param.bug}, 0, snapshot_budgets(2, 1, 3), 0, 0, 0, param.variants};
  std::mt19937_64 rng(15);
  std::vector<std::uint8_t> bytes(4096);
  for (int input = 0; input < 20000; ++input) {
    for (auto& b : bytes) b = std::uint8_t(rng());
    const ByteRun run = driver.run_bytes(header, bytes, {});
    if (!run.violation) continue;
    EXPECT_TRUE(one_of(param.invariants, run.violation->invariant)) << run.violation->explanation;
    return;
  }
  FAIL() << "no input of 20000 found it";
}

INSTANTIATE_TEST_SUITE_P(
    Raft, SnapshotBugTest,
    ::testing::Values(
        // The snapshot's configuration is the boot one, not the one in effect.
        SnapshotBug{"snapshot-without-config", 4, {"spare=4"}, {"snapshot-matches-applied-prefix",
                                                                "election-quorums-overlap"}},
        // The follower drops entries it acknowledged: the rule, or a commit without a majority.
        SnapshotBug{"install-snapshot-discards-newer-entries", 3, {}, {"truncate-only-on-conflict",
                                                                        "commit-current-term-on-majority"}}),
    [](const ::testing::TestParamInfo<SnapshotBug>& info) {
      std::string name = info.param.bug;
      std::replace(name.begin(), name.end(), '-', '_');
      return name;
    });

// Within check's bounds: the shortest counterexample, which replays; and
// correct Raft in the same bounds finds nothing.
TEST(SnapshotBugByCheck, BothBugsWithinBounds) {
  struct Case {
    std::string bug;
    int nodes;
    std::vector<std::string> variants;
    Budgets budgets;
    std::size_t depth;
    std::string invariant;
    std::size_t shortest;
  };
  Budgets without_config = snapshot_budgets(1, 0, 1), discards = snapshot_budgets(0, 0, 1);
  for (Budgets* b : {&without_config, &discards}) b->drops = b->duplicates = b->crashes = b->link_changes = 0;
  without_config.commands = 1;
  discards.commands = 2;
  const Case cases[] = {
      {"snapshot-without-config", 4, {"spare=4"}, without_config, 10, "snapshot-matches-applied-prefix", 10},
      {"install-snapshot-discards-newer-entries", 3, {}, discards, 11, "truncate-only-on-conflict", 11},
  };
  const ProtocolDriver& driver = *find_protocol("raft");
  for (const Case& c : cases) {
    SCOPED_TRACE(c.bug);
    CheckConfig config;
    config.nodes = c.nodes;
    config.bugs = {c.bug};
    config.variants = c.variants;
    config.budgets = c.budgets;
    config.max_depth = c.depth;
    config.max_epoch = 1;
    config.threads = 2;
    const CheckOutcome outcome = driver.check(config);
    ASSERT_TRUE(outcome.violation);
    EXPECT_EQ(outcome.violation->invariant, c.invariant);
    EXPECT_EQ(outcome.counterexample.size(), c.shortest);
    TraceHeader header{"raft", c.nodes, config.bugs, 0, c.budgets, 0, 0, 0, c.variants};
    const Trace trace = parse_trace(format_trace(driver.make_trace(header, outcome.counterexample)), "check.trace");
    const ReplayReport report = driver.replay(trace, "check.trace", nullptr);
    ASSERT_FALSE(report.divergence) << report.divergence->reason;
    ASSERT_TRUE(report.violation);
    EXPECT_EQ(report.violation->invariant, c.invariant);

    CheckConfig correct = config;
    correct.bugs = {};
    EXPECT_FALSE(driver.check(correct).violation);
  }
}

}  // namespace
}  // namespace skiff
