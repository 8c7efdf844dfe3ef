// Rule invariants (docs/rules.md): each judges a step, not a state.
//
// CorrectProtocolsKeepTheRules: the correct protocols break no rule (nor any
//   other invariant) over thousands of random schedules.
// SeededBugCaughtAtTheStep: for each rule, a seeded bug that breaks it is
//   reported by that rule first, and no later in its run than a state
//   invariant alone would report the same run (usually much earlier).
// RuleView: the world's account of the last event that rules read.
#include <gtest/gtest.h>

#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include "checker/explore.hpp"
#include "checker/world.hpp"
#include "invariants/paxos_invariants.hpp"
#include "invariants/raft_invariants.hpp"
#include "protocols/paxos/paxos.hpp"
#include "protocols/raft/raft.hpp"
#include "tests/sanitizers.hpp"

namespace skiff {
namespace {

using namespace invariants;

// Fewer schedules of the correct protocols under the sanitizers (tests/sanitizers.hpp).
constexpr auto scaled = test_support::scaled_for_sanitizers;

// The state invariants alone, as the lists were before the rules.
using RaftStates = InvariantSet<ElectionSafety, LeaderAppendOnly, LogMatching, LeaderCompleteness, StateMachineSafety>;
using PaxosStates = InvariantSet<Agreement, Validity, LearnerConsistency>;

template <class P, class Invariants>
ExploreOutcome explore(int nodes, std::vector<std::string> bugs, std::uint64_t seed, std::uint64_t runs,
                       std::vector<std::string> variants = {}) {
  ExploreConfig config;
  config.nodes = nodes;
  config.bugs = std::move(bugs);
  config.variants = std::move(variants);
  config.seed = seed;
  config.runs = runs;
  config.jobs = 2;
  return explore_seeds<P, Invariants>(config);
}

std::string describe(const ExploreOutcome& outcome) {
  if (outcome.found.empty()) return "nothing";
  const FoundRun& f = outcome.found[0];
  return "seed " + std::to_string(f.seed) + ": " + f.violation.invariant + ": " + f.violation.explanation;
}

// ---------------------------------------------------------------------------
// The correct protocols keep every rule.

TEST(CorrectProtocolsKeepTheRules, Raft3Nodes) {
  const ExploreOutcome outcome = explore<raft::Protocol, RaftInvariants>(3, {}, 1, scaled(5000));
  EXPECT_EQ(outcome.runs, scaled(5000));
  EXPECT_TRUE(outcome.found.empty()) << describe(outcome);
}

TEST(CorrectProtocolsKeepTheRules, Raft5Nodes) {
  const ExploreOutcome outcome = explore<raft::Protocol, RaftInvariants>(5, {}, 1, scaled(2000));
  EXPECT_TRUE(outcome.found.empty()) << describe(outcome);
}

TEST(CorrectProtocolsKeepTheRules, RaftWithEveryVariant) {
  for (const char* variant : {"pre-vote", "check-quorum", "passive=3", "learner=3"}) {
    const ExploreOutcome outcome = explore<raft::Protocol, RaftInvariants>(3, {}, 1, scaled(2000), {variant});
    EXPECT_TRUE(outcome.found.empty()) << variant << ": " << describe(outcome);
  }
}

TEST(CorrectProtocolsKeepTheRules, Paxos) {
  const ExploreOutcome single = explore<paxos::SingleDecree, PaxosInvariants>(3, {}, 1, scaled(5000));
  EXPECT_TRUE(single.found.empty()) << describe(single);
  const ExploreOutcome five = explore<paxos::SingleDecree, PaxosInvariants>(5, {}, 1, scaled(2000));
  EXPECT_TRUE(five.found.empty()) << describe(five);
}

TEST(CorrectProtocolsKeepTheRules, MultiPaxos) {
  const ExploreOutcome multi = explore<paxos::MultiPaxos, PaxosInvariants>(3, {}, 1, scaled(5000));
  EXPECT_TRUE(multi.found.empty()) << describe(multi);
  const ExploreOutcome serial = explore<paxos::SerialMultiPaxos, SerialMultiPaxosInvariants>(3, {}, 1, scaled(3000));
  EXPECT_TRUE(serial.found.empty()) << describe(serial);
}

// ---------------------------------------------------------------------------
// Each rule catches a seeded bug that breaks it, at the step.

struct RuleBug {
  std::string protocol;  // raft, paxos, multi-paxos
  int nodes;
  std::string bug;
  std::string rule;  // the rule that must report it first
};

std::ostream& operator<<(std::ostream& out, const RuleBug& b) {
  return out << b.protocol << "/" << b.bug << "/" << b.nodes;
}

// The first run with a violation in seeds 1..20000, with every invariant
// (`rules`) or the state invariants alone; and the same seed's run with
// the other list.
struct Found {
  ExploreOutcome with_rules;
  ExploreOutcome states_only;  // the same seed
};

template <class P, class All, class States>
Found find(const RuleBug& b) {
  Found f;
  f.with_rules = explore<P, All>(b.nodes, {b.bug}, 1, 20000);
  if (!f.with_rules.found.empty()) {
    f.states_only = explore<P, States>(b.nodes, {b.bug}, f.with_rules.found[0].seed, 1);
  }
  return f;
}

class SeededBugCaughtAtTheStep : public ::testing::TestWithParam<RuleBug> {};

TEST_P(SeededBugCaughtAtTheStep, TheRuleReportsItFirst) {
  const RuleBug& b = GetParam();
  Found f = b.protocol == "raft"    ? find<raft::Protocol, RaftInvariants, RaftStates>(b)
            : b.protocol == "paxos" ? find<paxos::SingleDecree, PaxosInvariants, PaxosStates>(b)
                                    : find<paxos::MultiPaxos, PaxosInvariants, PaxosStates>(b);
  ASSERT_FALSE(f.with_rules.found.empty()) << "not found in seeds 1..20000";
  const FoundRun& found = f.with_rules.found[0];
  EXPECT_EQ(found.violation.invariant, b.rule) << found.violation.explanation;
  // Same seed, same schedule: the state invariants alone report it no
  // earlier (or not at all in that run).
  if (!f.states_only.found.empty()) {
    EXPECT_LE(found.events.size(), f.states_only.found[0].events.size()) << describe(f.states_only);
  }
}

INSTANTIATE_TEST_SUITE_P(
    Rules, SeededBugCaughtAtTheStep,
    ::testing::Values(RuleBug{"raft", 3, "forget-term-on-restart", "term-never-decreases"},
                      RuleBug{"raft", 3, "forget-vote-on-restart", "one-vote-per-term"},
                      RuleBug{"raft", 3, "vote-without-log-check", "vote-for-up-to-date-log"},
                      RuleBug{"raft", 3, "up-to-date-by-index-only", "vote-for-up-to-date-log"},
                      RuleBug{"raft", 3, "commit-previous-term", "commit-current-term-on-majority"},
                      RuleBug{"raft", 5, "commit-previous-term", "commit-current-term-on-majority"},
                      RuleBug{"raft", 3, "truncate-on-stale-append", "truncate-only-on-conflict"},
                      RuleBug{"raft", 3, "ack-last-log-index", "ack-covers-only-sent"},
                      RuleBug{"paxos", 3, "forget-promise-on-restart", "promise-never-decreases"},
                      RuleBug{"multi-paxos", 3, "forget-promise-on-restart", "promise-never-decreases"},
                      RuleBug{"paxos", 3, "accept-below-promise", "accept-at-or-above-promise"},
                      RuleBug{"multi-paxos", 3, "accept-below-promise", "accept-at-or-above-promise"},
                      RuleBug{"paxos", 3, "ignore-accepted-values", "phase2-value-from-promises"},
                      RuleBug{"multi-paxos", 3, "ignore-accepted-values", "phase2-value-from-promises"},
                      RuleBug{"paxos", 3, "adopt-any-accepted", "phase2-value-from-promises"},
                      RuleBug{"multi-paxos", 3, "adopt-any-accepted", "phase2-value-from-promises"},
                      RuleBug{"paxos", 5, "count-duplicate-promises", "phase2-value-from-promises"}),
    [](const ::testing::TestParamInfo<RuleBug>& info) {
      std::string name = info.param.protocol + "_" + info.param.bug + "_" + std::to_string(info.param.nodes);
      for (char& c : name)
        if (c == '-') c = '_';
      return name;
    });

// The rules catch them far earlier than the state invariants: over the
// first violating seeds, the rule's run is shorter than the state
// invariants' run of the same seed at least once for each of these bugs.
TEST(SeededBugCaughtAtTheStep, EarlierThanTheStateInvariants) {
  for (const char* bug : {"commit-previous-term", "forget-vote-on-restart", "truncate-on-stale-append"}) {
    const RuleBug b{"raft", 3, bug, ""};
    const Found f = find<raft::Protocol, RaftInvariants, RaftStates>(b);
    ASSERT_FALSE(f.with_rules.found.empty()) << bug;
    const std::size_t rule_step = f.with_rules.found[0].events.size();
    const std::size_t state_step =
        f.states_only.found.empty() ? SIZE_MAX : f.states_only.found[0].events.size();
    EXPECT_LT(rule_step, state_step) << bug;
  }
}

// ---------------------------------------------------------------------------
// What the world tells a rule about the last event.

TEST(RuleView, DeliveredMessageAndWhatTheNodeSent) {
  World<raft::Protocol> world(3, raft::Options{}, Budgets{});
  Event timer;
  timer.kind = EventKind::Timer;
  timer.node = 0;
  timer.timer = raft::Node::kElectionTimer;
  ASSERT_EQ(world.apply(timer), 0);
  EXPECT_EQ(world.delivered(), nullptr);
  int requests = 0;
  world.for_each_sent([&](NodeIndex to, const raft::Message& m) {
    EXPECT_TRUE(m.is_vote_request());
    EXPECT_NE(to, 0);
    ++requests;
  });
  EXPECT_EQ(requests, 2);

  // Cut 1->2 first: node 2's reply is lost, yet it is still what node 2 sent.
  Event cut;
  cut.kind = EventKind::Cut;
  cut.node = 1;
  cut.peer = 0;
  world.apply(cut);
  Event deliver;
  deliver.kind = EventKind::Deliver;
  deliver.message = world.in_flight()[0].id;
  ASSERT_EQ(deliver.message.to, 1);
  ASSERT_EQ(world.apply(deliver), 1);
  ASSERT_NE(world.delivered(), nullptr);
  EXPECT_TRUE(world.delivered()->is_vote_request());
  EXPECT_EQ(world.delivered_from(), 0);
  int grants = 0;
  world.for_each_sent([&](NodeIndex to, const raft::Message& m) {
    EXPECT_EQ(to, 0);
    grants += m.grants_vote();
  });
  EXPECT_EQ(grants, 1);

  // An event that touches no node's handlers sends nothing.
  Event crash;
  crash.kind = EventKind::Crash;
  crash.node = 2;
  world.apply(crash);
  EXPECT_EQ(world.delivered(), nullptr);
  world.for_each_sent([&](NodeIndex, const raft::Message&) { ADD_FAILURE() << "a crash sent a message"; });
}

}  // namespace
}  // namespace skiff
