// Membership changes and leadership transfer in skiff's Raft (issue 15): the
// rules of raft_node.hpp step by step, the administrative events in the
// world and in traces, and every seeded bug of them found by explore, by the
// fuzz target's byte-driven runs and, where the bounds allow, by check.
#include <gtest/gtest.h>

#include <random>
#include <string>
#include <vector>

#include "checker/driver.hpp"
#include "checker/errors.hpp"
#include "checker/model_checker.hpp"
#include "checker/shrink.hpp"
#include "checker/trace.hpp"
#include "checker/world.hpp"
#include "invariants/raft_invariants.hpp"
#include "protocols/raft/raft.hpp"

namespace skiff {
namespace {

using Raft = raft::Protocol;
using RaftInvariants = invariants::RaftInvariants;
using raft::AdminOp;
using raft::Configuration;

Budgets admin_budgets(std::uint32_t config_changes, std::uint32_t transfers) {
  Budgets b;
  b.config_changes = config_changes;
  b.transfers = transfers;
  return b;
}

raft::Options options_with(std::vector<std::string> bugs, std::vector<std::string> variants, int nodes) {
  raft::Options options;
  for (const std::string& bug : bugs) EXPECT_TRUE(options.enable_bug(bug)) << bug;
  for (const std::string& variant : variants) EXPECT_EQ(options.enable_variant(variant, nodes), "") << variant;
  return options;
}

// A world driven by hand: every message delivered in the order sent.
struct Cluster {
  Cluster(int nodes, const raft::Options& options, Budgets budgets = admin_budgets(4, 2))
      : world(nodes, options, budgets) {}

  void deliver_all() {
    for (int guard = 0; guard < 1000; ++guard) {
      const auto& flying = world.in_flight();
      auto it = std::find_if(flying.begin(), flying.end(), [&](const auto& m) { return world.deliverable(m); });
      if (it == flying.end()) return;
      Event e;
      e.kind = EventKind::Deliver;
      e.message = it->id;
      step(e);
    }
    FAIL() << "messages never stopped";
  }
  void step(const Event& e) {
    ASSERT_EQ(world.why_not_enabled(e), nullptr) << format_event(e, "");
    world.apply(e);
    auto violation = invariants.check(world, handling_node(e));
    ASSERT_FALSE(violation) << violation->invariant << ": " << violation->explanation;
  }
  void fire_election(NodeIndex node) {
    Event e;
    e.kind = EventKind::Timer;
    e.node = node;
    e.timer = raft::Node::kElectionTimer;
    step(e);
    deliver_all();
  }
  bool client(NodeIndex node) {
    Event e;
    e.kind = EventKind::Client;
    e.node = node;
    e.command = world.next_command();
    const auto before = world.remaining().commands;
    step(e);
    deliver_all();
    return world.remaining().commands < before;
  }
  bool enabled(NodeIndex node, AdminOp op, NodeIndex target) const {
    return world.node(node).admin_enabled(int(op), target);
  }
  void admin(NodeIndex node, AdminOp op, NodeIndex target, bool deliver = true) {
    Event e;
    e.kind = EventKind::Admin;
    e.node = node;
    e.timer = TimerId(op);
    e.peer = target;
    step(e);
    if (deliver) deliver_all();
  }
  const raft::Node& node(int i) const { return world.node(NodeIndex(i)); }

  World<Raft> world;
  RaftInvariants invariants;
};

Configuration config_of(std::uint8_t voters, std::uint8_t learners = 0) { return Configuration{voters, learners}; }

// ---- the rules, step by step ------------------------------------------------

TEST(Membership, SparesStartOutsideTheConfigurationAndNeverStand) {
  Cluster c(4, options_with({}, {"spare=4"}, 4));
  EXPECT_EQ(c.node(0).configuration(), config_of(0b0111));
  EXPECT_EQ(c.node(3).configuration(), config_of(0b0111));
  c.fire_election(3);  // a spare's timer only watches for a leader
  EXPECT_FALSE(c.node(3).is_candidate());
  EXPECT_EQ(c.node(3).term(), 0u);
  c.fire_election(0);
  ASSERT_TRUE(c.node(0).is_leader());
  EXPECT_EQ(c.node(3).term(), 0u);  // not asked to vote, sent no entries
}

// The 2015 fix: no change before an entry of the leader's term is committed;
// then one at a time, each in effect once appended, before it commits.
TEST(Membership, OneChangeAtATimeAfterTheLeadersTermCommits) {
  Cluster c(4, options_with({}, {"spare=4"}, 4));
  c.fire_election(0);
  ASSERT_TRUE(c.node(0).is_leader());
  EXPECT_FALSE(c.enabled(0, AdminOp::AddVoter, 3));  // nothing of term 1 committed yet
  EXPECT_FALSE(c.enabled(1, AdminOp::AddVoter, 3));  // followers refuse
  ASSERT_TRUE(c.client(0));
  EXPECT_EQ(c.node(0).commit_index(), 1u);
  EXPECT_TRUE(c.enabled(0, AdminOp::AddVoter, 3));
  EXPECT_FALSE(c.enabled(0, AdminOp::AddVoter, 1));  // already a voter
  EXPECT_FALSE(c.enabled(0, AdminOp::Promote, 3));   // not a learner

  c.admin(0, AdminOp::AddVoter, 3, /*deliver=*/false);
  EXPECT_EQ(c.world.remaining().config_changes, 3u);
  EXPECT_EQ(c.node(0).configuration(), config_of(0b1111));  // in effect when appended
  EXPECT_EQ(c.node(0).configuration_index(), 2u);
  EXPECT_FALSE(c.enabled(0, AdminOp::Remove, 2));  // the first is not committed yet
  c.deliver_all();
  EXPECT_EQ(c.node(0).commit_index(), 2u);
  EXPECT_EQ(c.node(3).configuration(), config_of(0b1111));  // the newcomer caught up, config and all
  EXPECT_EQ(c.node(3).log().size(), 2u);
  EXPECT_TRUE(c.enabled(0, AdminOp::Remove, 2));
}

TEST(Membership, SeededBugsLiftExactlyTheirCheck) {
  Cluster early(4, options_with({"config-change-before-term-commit"}, {"spare=4"}, 4));
  early.fire_election(0);
  EXPECT_TRUE(early.enabled(0, AdminOp::AddVoter, 3));
  Cluster concurrent(4, options_with({"concurrent-config-changes"}, {"spare=4"}, 4));
  concurrent.fire_election(0);
  EXPECT_FALSE(concurrent.enabled(0, AdminOp::AddVoter, 3));
  ASSERT_TRUE(concurrent.client(0));
  concurrent.admin(0, AdminOp::AddLearner, 3, /*deliver=*/false);
  EXPECT_TRUE(concurrent.enabled(0, AdminOp::Promote, 3));
}

TEST(Membership, LearnersArePromotedAndCountOnlyThen) {
  Cluster c(3, options_with({}, {"learner=3"}, 3));
  c.fire_election(0);
  ASSERT_TRUE(c.client(0));
  EXPECT_TRUE(c.enabled(0, AdminOp::Promote, 2));
  c.admin(0, AdminOp::Promote, 2);
  EXPECT_EQ(c.node(0).configuration(), config_of(0b111));
  EXPECT_EQ(c.node(2).configuration(), config_of(0b111));
  EXPECT_EQ(c.node(0).commit_index(), 2u);
}

// A leader that removes itself leads until that is committed, then steps
// down, and never stands again.
TEST(Membership, ALeaderThatRemovesItselfStepsDownOnceCommitted) {
  Cluster c(3, raft::Options{});
  c.fire_election(0);
  ASSERT_TRUE(c.client(0));
  c.admin(0, AdminOp::Remove, 0, /*deliver=*/false);
  EXPECT_TRUE(c.node(0).is_leader());
  EXPECT_EQ(c.node(0).configuration(), config_of(0b110));
  c.deliver_all();
  EXPECT_FALSE(c.node(0).is_leader());
  EXPECT_EQ(c.node(0).commit_index(), 2u);  // committed by nodes 2 and 3 alone
  const auto term = c.node(0).term();
  c.fire_election(0);
  EXPECT_EQ(c.node(0).term(), term);
  c.fire_election(1);
  EXPECT_TRUE(c.node(1).is_leader());  // elected by node 3 and itself: a majority of {2,3}
}

// ---- leadership transfer ----------------------------------------------------

TEST(Transfer, TheTargetIsBroughtUpToDateThenStandsAndTheLeaderRefusesCommands) {
  Cluster c(3, raft::Options{});
  c.fire_election(0);
  ASSERT_TRUE(c.client(0));
  Event command;
  command.kind = EventKind::Client;
  command.node = 0;
  command.command = c.world.next_command();
  c.step(command);  // appended, not yet sent on: node 2 lags
  c.admin(0, AdminOp::Transfer, 1, /*deliver=*/false);
  EXPECT_EQ(c.node(0).transferring_to(), NodeIndex(1));
  EXPECT_FALSE(c.enabled(0, AdminOp::Transfer, 2));
  EXPECT_FALSE(c.enabled(0, AdminOp::AddLearner, 2));
  const auto commands = c.world.remaining().commands;
  command.command = c.world.next_command();
  c.step(command);
  EXPECT_EQ(c.world.remaining().commands, commands);  // refused while transferring
  for (const auto& m : c.world.in_flight()) EXPECT_NE(m.message.type, raft::MessageType::TimeoutNow);
  c.deliver_all();
  EXPECT_TRUE(c.node(1).is_leader());
  EXPECT_EQ(c.node(1).term(), 2u);
  EXPECT_FALSE(c.node(0).is_leader());
  EXPECT_FALSE(c.node(0).transferring_to());
}

TEST(Transfer, GivenUpWhenTheTransferTimerFires) {
  Cluster c(3, raft::Options{});
  c.fire_election(0);
  c.admin(0, AdminOp::Transfer, 2, /*deliver=*/false);
  Event timer;
  timer.kind = EventKind::Timer;
  timer.node = 0;
  timer.timer = raft::Node::kTransferTimer;
  c.step(timer);
  EXPECT_FALSE(c.node(0).transferring_to());
  EXPECT_TRUE(c.node(0).is_leader());
}

// ---- traces ---------------------------------------------------------------

TEST(AdminTrace, BudgetsLineIsUnchangedWithoutAdministrativeBudgets) {
  EXPECT_EQ(format_budgets(Budgets{}), "steps=300 drops=30 duplicates=30 crashes=4 link-changes=10 commands=6");
  EXPECT_EQ(format_budgets(admin_budgets(2, 1)),
            "steps=300 drops=30 duplicates=30 crashes=4 link-changes=10 commands=6 config-changes=2 transfers=1");
}

std::string trace_with(std::string_view budgets, std::string_view events) {
  return fmt::format(
      "skiff-trace 1\nprotocol raft\nnodes 4\nbugs -\nvariants spare=4\nseed 1\nbudgets {}\nevents\n{}no-violation\nend\n",
      budgets, events);
}
constexpr std::string_view kBudgets = "steps=300 drops=0 duplicates=0 crashes=0 link-changes=0 commands=2 config-changes=2";

TEST(AdminTrace, AdminLinesReadBackAndReplayByteForByte) {
  const std::string text = trace_with(kBudgets,
                                      "timer 1 election\n"
                                      "deliver 1->2#1 RequestVote t1 last=0/0\n"
                                      "deliver 2->1#1 RequestVoteReply t1 granted\n"
                                      "client 1 1\n"
                                      "deliver 1->2#3 AppendEntries t1 prev=0/0 entries=[1:1] commit=0\n"
                                      "deliver 2->1#2 AppendEntriesReply t1 ok match=1\n"
                                      "admin 1 add-voter 4\n"
                                      "deliver 1->4#1 AppendEntries t1 prev=1/1 entries=[1:cfg=1,2,3,4] commit=1\n");
  const Trace trace = parse_trace(text, "t.trace");
  ASSERT_EQ(trace.events.size(), 8u);
  EXPECT_EQ(trace.header.budgets.config_changes, 2u);
  EXPECT_EQ(trace.events[6].event.kind, EventKind::Admin);
  EXPECT_EQ(trace.events[6].event.peer, NodeIndex(3));
  EXPECT_EQ(trace.events[6].detail, "add-voter");
  const ProtocolDriver& driver = *find_protocol("raft");
  const ReplayReport report = driver.replay(trace, "t.trace", nullptr);
  EXPECT_FALSE(report.divergence) << report.divergence->reason;
  EXPECT_FALSE(report.violation);
  EXPECT_EQ(format_trace(trace), text);
}

TEST(AdminTrace, MalformedLinesAreOneLineErrorsNamingTheLine) {
  auto error_of = [](const std::string& text) {
    try {
      parse_trace(text, "t.trace");
    } catch (const InputError& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  EXPECT_EQ(error_of(trace_with(kBudgets, "admin 1\n")), "t.trace:9: 'admin' needs a node and an operation");
  EXPECT_EQ(error_of(trace_with(kBudgets, "admin 1 add-voter 9\n")), "t.trace:9: node 9 is out of range (1 to 4)");
  EXPECT_EQ(error_of(trace_with(kBudgets, "admin 1 add-voter 4 4\n")), "t.trace:9: unexpected '4' after 'admin'");
  EXPECT_EQ(error_of(trace_with(kBudgets, "admin 1 Add_voter 4\n")), "t.trace:9: bad operation name 'Add_voter'");
  EXPECT_EQ(error_of(trace_with(std::string(kBudgets) + " config-changes=1", "")),
            "t.trace:7: repeated budget 'config-changes'");
  EXPECT_EQ(error_of(trace_with("steps=1 config-changes=1", "")),
            "t.trace:7: budgets needs steps, drops, duplicates, crashes, link-changes and commands");
}

TEST(AdminTrace, AnUnknownOperationOrARefusedCommandDoesNotReplay) {
  const ProtocolDriver& driver = *find_protocol("raft");
  const ReplayReport unknown = driver.replay(parse_trace(trace_with(kBudgets, "admin 1 snapshotx\n"), "t.trace"),
                                             "t.trace", nullptr);
  ASSERT_TRUE(unknown.divergence);
  EXPECT_EQ(unknown.divergence->line, 9);
  EXPECT_EQ(unknown.divergence->reason, "raft has no administrative operation named 'snapshotx'");
  const ReplayReport refused = driver.replay(parse_trace(trace_with(kBudgets, "admin 1 add-voter 4\n"), "t.trace"),
                                             "t.trace", nullptr);
  ASSERT_TRUE(refused.divergence);
  EXPECT_EQ(refused.divergence->reason, "'admin 1 add-voter 4' is not enabled: the node refuses it now");
}

// ---- correct Raft keeps every invariant, and the changes really happen ------

struct Activity {
  int committed_changes = 0;  // runs that ended with a committed configuration change
  int leaders_after_transfer = 0;
};

Activity run_correct(int nodes, std::vector<std::string> variants, std::uint64_t runs) {
  Simulation<Raft, RaftInvariants> sim(nodes, options_with({}, variants, nodes), admin_budgets(3, 2));
  std::vector<Event> events;
  Activity a;
  for (std::uint64_t seed = 1; seed <= runs; ++seed) {
    const RunOutcome outcome = run_seed(sim, seed, events);
    EXPECT_FALSE(outcome.violation) << "seed " << seed << ": " << outcome.violation->invariant << ": "
                                    << outcome.violation->explanation;
    if (outcome.violation) break;
    for (int i = 0; i < nodes; ++i) {
      const raft::Node& n = sim.world().node(NodeIndex(i));
      if (n.configuration_index() > 0 && n.commit_index() >= n.configuration_index()) {
        ++a.committed_changes;
        break;
      }
    }
    bool transferred = false;
    for (const Event& e : events) transferred |= e.kind == EventKind::Admin && e.timer == TimerId(AdminOp::Transfer);
    a.leaders_after_transfer += transferred;
  }
  return a;
}

TEST(CorrectRaftMembership, NoViolationAndChangesCommitWithThreeNodesAndTwoSpares) {
  const Activity a = run_correct(5, {"spare=4,5"}, 3000);
  EXPECT_GT(a.committed_changes, 300);
  EXPECT_GT(a.leaders_after_transfer, 300);
}

TEST(CorrectRaftMembership, NoViolationWithLearnersPreVoteAndCheckQuorum) {
  const Activity a = run_correct(5, {"learner=4", "spare=5", "pre-vote", "check-quorum"}, 2000);
  EXPECT_GT(a.committed_changes, 100);
}

// ---- seeded bugs: explore, shrink, the fuzz target's runs, check -----------

struct AdminBug {
  std::string bug;
  int nodes;
  std::vector<std::string> variants;
  std::vector<std::string> invariants;  // the first invariant its counterexamples violate is one of these
};

bool one_of(const std::vector<std::string>& names, const std::string& name) {
  return std::find(names.begin(), names.end(), name) != names.end();
}

std::ostream& operator<<(std::ostream& out, const AdminBug& b) { return out << b.bug; }

class AdminBugTest : public ::testing::TestWithParam<AdminBug> {};

TEST_P(AdminBugTest, FoundByExploreReplayedAndShrunk) {
  const AdminBug& param = GetParam();
  ExploreConfig config;
  config.nodes = param.nodes;
  config.bugs = {param.bug};
  config.variants = param.variants;
  config.budgets = admin_budgets(3, 2);
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
  EXPECT_EQ(shrunk.violation->invariant, found.violation.invariant);
  const Trace reread = parse_trace(format_trace(shrunk), "small.trace");
  EXPECT_EQ(format_trace(reread), format_trace(shrunk));
  const ReplayReport small = driver.replay(reread, "small.trace", nullptr);
  ASSERT_FALSE(small.divergence) << small.divergence->reason;
  ASSERT_TRUE(small.violation);
  EXPECT_EQ(small.violation->invariant, found.violation.invariant);
  bool has_admin = false;
  for (const TraceEvent& e : shrunk.events) has_admin |= e.event.kind == EventKind::Admin;
  EXPECT_TRUE(has_admin) << "the bug needs an administrative command";
}

// The fuzz target's runs (bytes -> choices, as fuzz/raft.cpp with
// SKIFF_MAX_CONFIG_CHANGES=3 SKIFF_MAX_TRANSFERS=2): arbitrary bytes find it.
TEST_P(AdminBugTest, FoundByTheFuzzTargetsByteRuns) {
  const AdminBug& param = GetParam();
  const ProtocolDriver& driver = *find_protocol("raft");
  TraceHeader header{"raft", param.nodes, {param.bug}, 0, admin_budgets(3, 2), 0, 0, 0, param.variants};
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
    Raft, AdminBugTest,
    ::testing::Values(AdminBug{"concurrent-config-changes", 5, {"spare=4,5"}, {"one-uncommitted-config-change"}},
                      // Two leaders of one term, elected in configurations two changes apart.
                      AdminBug{"config-change-before-term-commit", 5, {"spare=5"},
                               {"election-safety", "leader-completeness", "election-quorums-overlap"}},
                      // A leader without an entry committed by the larger configuration's majority.
                      AdminBug{"count-votes-of-old-config", 5, {"spare=4,5"}, {"election-safety", "leader-completeness"}},
                      AdminBug{"transfer-to-lagging-node", 3, {}, {"transfer-to-up-to-date-node"}}),
    [](const ::testing::TestParamInfo<AdminBug>& info) {
      std::string name = info.param.bug;
      std::replace(name.begin(), name.end(), '-', '_');
      return name;
    });

// Within check's bounds: a shortest counterexample, which replays. (The
// other two need more than the bounds allow: config-change-before-term-commit's
// shortest known trace has 21 events over four terms; 4 nodes to depth 12 are
// 2.5 million states.)
TEST(AdminBugByCheck, ConcurrentChangesAndTransferToALaggingNode) {
  struct Case {
    std::string bug;
    int nodes;
    std::vector<std::string> variants;
    Budgets budgets;
    std::string invariant;
    std::size_t shortest;
  };
  Budgets changes = admin_budgets(2, 0), transfer = admin_budgets(0, 1);
  for (Budgets* b : {&changes, &transfer}) b->drops = b->duplicates = b->crashes = b->link_changes = 0, b->commands = 1;
  const Case cases[] = {
      {"concurrent-config-changes", 4, {"spare=4"}, changes, "one-uncommitted-config-change", 8},
      {"transfer-to-lagging-node", 3, {}, transfer, "transfer-to-up-to-date-node", 5},
  };
  const ProtocolDriver& driver = *find_protocol("raft");
  for (const Case& c : cases) {
    SCOPED_TRACE(c.bug);
    CheckConfig config;
    config.nodes = c.nodes;
    config.bugs = {c.bug};
    config.variants = c.variants;
    config.budgets = c.budgets;
    config.max_depth = 10;
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
  }
  // Correct Raft in the same bounds: nothing.
  CheckConfig correct;
  correct.nodes = 4;
  correct.variants = {"spare=4"};
  correct.budgets = changes;
  correct.budgets.transfers = 1;
  correct.max_depth = 10;
  correct.max_epoch = 1;
  correct.threads = 2;
  EXPECT_FALSE(driver.check(correct).violation);
}

}  // namespace
}  // namespace skiff
