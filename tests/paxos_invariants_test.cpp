// The Paxos invariants fire on hand-built views (so none is vacuous), and do
// not fire on their near misses. A view here is a stand-in world: per node the
// acceptor's votes and the learner's values, set directly, and the number of
// client commands handed out so far; after each change the invariant is
// checked with the changed node as `touched`, as the simulation does.
#include <gtest/gtest.h>

#include <optional>
#include <span>
#include <string>
#include <vector>

#include "invariants/agreement.hpp"
#include "invariants/chosen_prefix.hpp"
#include "invariants/learner_consistency.hpp"
#include "invariants/validity.hpp"

namespace skiff::invariants {
namespace {

using paxos::Ballot;
using paxos::kNoOp;
using paxos::kNoValue;
using paxos::Slot;
using paxos::Value;
using paxos::Vote;

struct FakeNode {
  std::vector<Vote> votes_held;
  std::vector<Value> learned;
  std::span<const Vote> votes() const { return votes_held; }
  std::span<const Value> learned_values() const { return learned; }
};

struct FakeWorld {
  std::vector<FakeNode> nodes = std::vector<FakeNode>(3);
  Command commands_handed_out = 0;

  int node_count() const { return int(nodes.size()); }
  const FakeNode& node(NodeIndex i) const { return nodes[i]; }
  Command next_command() const { return commands_handed_out + 1; }
};

// Sets node n's vote in `slot`, then checks `invariant` as after an event at n.
template <class Invariant>
std::optional<std::string> vote(Invariant& invariant, FakeWorld& world, NodeIndex n, Slot slot, Ballot ballot,
                                Value value) {
  auto& votes = world.nodes[n].votes_held;
  if (votes.size() <= slot) votes.resize(slot + 1);
  votes[slot] = Vote{ballot, value};
  return invariant.check(world, n);
}

template <class Invariant>
std::optional<std::string> learn(Invariant& invariant, FakeWorld& world, NodeIndex n, Slot slot, Value value) {
  auto& learned = world.nodes[n].learned;
  if (learned.size() <= slot) learned.resize(slot + 1, kNoValue);
  learned[slot] = value;
  return invariant.check(world, n);
}

const Ballot b1{1, 0}, b2{2, 1}, b3{3, 2};

TEST(PaxosInvariant, AgreementFiresWhenASecondValueIsChosenInASlot) {
  Agreement agreement;
  FakeWorld world;
  world.commands_handed_out = 2;
  EXPECT_FALSE(vote(agreement, world, 0, 0, b1, 1));
  EXPECT_FALSE(vote(agreement, world, 1, 0, b1, 1));  // 1 chosen by nodes 1,2
  EXPECT_FALSE(vote(agreement, world, 1, 0, b2, 2));  // node 2 moves on: 1 stays chosen
  const auto violation = vote(agreement, world, 2, 0, b2, 2);
  ASSERT_TRUE(violation);
  EXPECT_EQ(*violation, "slot 0: value 1 at b1.1 by nodes 1,2 was chosen, then value 2 at b2.2 by nodes 2,3");
}

TEST(PaxosInvariant, AgreementAllowsTheSameValueAtSeveralBallotsAndOtherSlots) {
  Agreement agreement;
  FakeWorld world;
  world.commands_handed_out = 2;
  EXPECT_FALSE(vote(agreement, world, 0, 0, b1, 1));
  EXPECT_FALSE(vote(agreement, world, 1, 0, b1, 1));
  EXPECT_FALSE(vote(agreement, world, 1, 0, b2, 1));
  EXPECT_FALSE(vote(agreement, world, 2, 0, b2, 1));
  EXPECT_FALSE(vote(agreement, world, 2, 1, b3, 2));
  EXPECT_FALSE(vote(agreement, world, 0, 1, b3, 2));
}

// Judged from the acceptors' votes: learners claiming two values do not make
// two values chosen (that is learner-consistency's business), and two
// acceptors' votes for two values at one ballot choose nothing.
TEST(PaxosInvariant, AgreementReadsVotesNotLearners) {
  Agreement agreement;
  FakeWorld world;
  world.commands_handed_out = 2;
  EXPECT_FALSE(learn(agreement, world, 0, 0, 1));
  EXPECT_FALSE(learn(agreement, world, 1, 0, 2));
  EXPECT_FALSE(vote(agreement, world, 0, 0, b1, 1));
  EXPECT_FALSE(vote(agreement, world, 1, 0, b1, 2));
}

// A vote forgotten (a seeded bug's restart) and cast again counts once.
TEST(PaxosInvariant, AVoteForgottenAndCastAgainCountsOnce) {
  Agreement agreement;
  FakeWorld world;
  world.commands_handed_out = 2;
  EXPECT_FALSE(vote(agreement, world, 0, 0, b1, 1));
  world.nodes[0].votes_held.clear();
  EXPECT_FALSE(agreement.check(world, 0));
  EXPECT_FALSE(vote(agreement, world, 0, 0, b1, 1));  // node 1 twice: still one acceptor, 1 not chosen
  EXPECT_FALSE(vote(agreement, world, 1, 0, b2, 2));
  EXPECT_FALSE(vote(agreement, world, 2, 0, b2, 2));  // 2 chosen, the only value chosen
}

TEST(PaxosInvariant, ValidityFiresOnAValueNoClientProposed) {
  Validity validity;
  FakeWorld world;
  world.commands_handed_out = 2;
  EXPECT_FALSE(vote(validity, world, 0, 0, b1, 2));
  EXPECT_FALSE(vote(validity, world, 1, 0, b1, 2));  // 2 was proposed
  EXPECT_FALSE(vote(validity, world, 0, 1, b1, kNoOp));
  EXPECT_FALSE(vote(validity, world, 1, 1, b1, kNoOp));  // a no-op fills a gap
  EXPECT_FALSE(vote(validity, world, 0, 2, b1, 3));
  const auto violation = vote(validity, world, 1, 2, b1, 3);
  ASSERT_TRUE(violation);
  EXPECT_EQ(*violation, "slot 2: value 3 at b1.1 by nodes 1,2 was chosen, but no client proposed it (commands so far: 1 to 2)");
}

TEST(PaxosInvariant, LearnerConsistencyFiresOnALearnedValueNotChosen) {
  LearnerConsistency consistency;
  FakeWorld world;
  world.commands_handed_out = 2;
  EXPECT_FALSE(vote(consistency, world, 0, 0, b1, 1));
  const auto early = learn(consistency, world, 2, 0, 1);  // one vote: not chosen
  ASSERT_TRUE(early);
  EXPECT_EQ(*early, "node 3 learned value 1 in slot 0, which no majority of acceptors accepted at one ballot");

  LearnerConsistency fresh;
  FakeWorld later;
  later.commands_handed_out = 2;
  EXPECT_FALSE(vote(fresh, later, 0, 0, b1, 1));
  EXPECT_FALSE(vote(fresh, later, 1, 0, b1, 1));
  EXPECT_FALSE(learn(fresh, later, 2, 0, 1));          // chosen: fine
  EXPECT_FALSE(vote(fresh, later, 1, 0, b2, 1));       // votes move on; 1 stays chosen
  EXPECT_FALSE(learn(fresh, later, 0, 0, 1));
  EXPECT_TRUE(learn(fresh, later, 1, 1, 2));           // slot 1: nothing chosen
}

TEST(PaxosInvariant, ChosenPrefixFiresWhenALaterSlotIsChosenFirst) {
  ChosenPrefix prefix;
  FakeWorld world;
  world.commands_handed_out = 2;
  EXPECT_FALSE(vote(prefix, world, 0, 0, b1, 1));
  EXPECT_FALSE(vote(prefix, world, 0, 1, b1, 2));
  EXPECT_FALSE(vote(prefix, world, 1, 0, b1, 1));  // slot 0 chosen first
  EXPECT_FALSE(vote(prefix, world, 1, 1, b1, 2));  // then slot 1: a prefix

  ChosenPrefix other;
  FakeWorld gap;
  gap.commands_handed_out = 2;
  EXPECT_FALSE(vote(other, gap, 0, 1, b1, 2));
  const auto violation = vote(other, gap, 1, 1, b1, 2);
  ASSERT_TRUE(violation);
  EXPECT_EQ(*violation, "slot 1: value 2 at b1.1 by nodes 1,2 was chosen while slot 0 had nothing chosen");
}

}  // namespace
}  // namespace skiff::invariants
