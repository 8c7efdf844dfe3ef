// Unit tests of skiff::paxos::Node against the rules of "Paxos Made Simple"
// (Lamport, 2001), section 2.2, and the Multi-Paxos leader of section 3.
//
// PaxosRule: one test per rule, headed by the rule in Lamport's words or ours.
// PaxosBug:  one test per seeded bug (paxos_options.hpp): the scenario of the
//            rule the bug breaks, with the bug on and the opposite outcome.
//
// Each test drives Nodes directly through their handlers, as the world would:
// Effects::begin() before every handler; the outbox then holds what the node
// sent, and the armed byte its timer (bit 0: prepare). The node under test is
// node 0 (printed n1) of a cluster of 5 (a majority is 3) unless a test says
// otherwise. Ballots are written {round, proposer} with 0-based proposers.
#include <gtest/gtest.h>

#include <cstdint>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "protocols/paxos/paxos_node.hpp"

namespace skiff::paxos {
namespace {

constexpr int kNodes = 5;
constexpr NodeIndex kSelf = 0;
constexpr std::uint8_t kPrepareBit = 1u << Node::kPrepareTimer;

Options single(std::initializer_list<std::string_view> bugs = {}) {
  Options options;
  for (std::string_view bug : bugs) EXPECT_TRUE(options.enable_bug(bug)) << "no seeded bug named " << bug;
  return options;
}
Options multi(std::initializer_list<std::string_view> bugs = {}) {
  Options options = single(bugs);
  options.flavor = Flavor::Multi;
  return options;
}
Options serial() {
  Options options = multi();
  options.serial = true;
  return options;
}

// ---------------------------------------------------------------------------
// Messages

Message prepare(Ballot ballot) {
  Message m;
  m.type = MessageType::Prepare;
  m.ballot = ballot;
  return m;
}

// Promise at `ballot` reporting votes {slot, ballot, value}.
Message promise(Ballot ballot, std::initializer_list<SlotVote> votes = {}) {
  Message m;
  m.type = MessageType::Promise;
  m.ballot = ballot;
  m.entries.assign(votes.begin(), votes.end());
  return m;
}

// Accept or Accepted at `ballot` of values {slot, value}.
Message phase2(MessageType type, Ballot ballot, std::initializer_list<std::pair<Slot, Value>> values) {
  Message m;
  m.type = type;
  m.ballot = ballot;
  for (auto [slot, value] : values) m.entries.push_back(SlotVote{slot, Ballot{}, value});
  return m;
}
Message accept(Ballot ballot, std::initializer_list<std::pair<Slot, Value>> values) {
  return phase2(MessageType::Accept, ballot, values);
}
Message accepted(Ballot ballot, std::initializer_list<std::pair<Slot, Value>> values) {
  return phase2(MessageType::Accepted, ballot, values);
}

Message nack(Ballot refused, Ballot promised) {
  Message m;
  m.type = MessageType::Nack;
  m.ballot = refused;
  m.promised = promised;
  return m;
}

std::string text(const Message& m) {
  std::string out;
  m.print(out);
  return out;
}

// ---------------------------------------------------------------------------
// One node and what its last handler did.

struct Sent {
  NodeIndex to;
  Message message;
};

class Harness {
 public:
  explicit Harness(const Options& options, int nodes = kNodes, NodeIndex self = kSelf)
      : node(self, nodes, options), nodes_(nodes), self_(self) {
    run([&] { node.start(fx_); });
  }

  void receive(NodeIndex from, const Message& m) { run([&] { node.on_message(from, m, fx_); }); }
  void timer() { run([&] { node.on_timer(Node::kPrepareTimer, fx_); }); }
  bool client(Command command) {
    bool accepted = false;
    run([&] { accepted = node.on_client_command(command, fx_); });
    return accepted;
  }
  // As the world does it: the node's armed timers go with its volatile state.
  void crash_and_restart() {
    node.crash();
    armed = 0;
    run([&] { node.restart(fx_); });
  }

  // The texts of what the last handler sent to `to` (of type `type`, if given).
  std::vector<std::string> sent_to(NodeIndex to, std::string_view type = {}) const {
    std::vector<std::string> texts;
    for (const Sent& s : sent)
      if (s.to == to && (type.empty() || s.message.type_name() == type)) texts.push_back(text(s.message));
    return texts;
  }
  // The one message of type `type` the last handler sent to each peer (fails
  // unless every peer got exactly one, the same).
  std::string broadcast(std::string_view type) const {
    std::optional<std::string> common;
    for (NodeIndex peer = 0; peer < nodes_; ++peer) {
      if (peer == self_) continue;
      const std::vector<std::string> texts = sent_to(peer, type);
      EXPECT_EQ(texts.size(), 1u) << type << " to node index " << int(peer);
      if (texts.size() != 1) return "";
      if (common) {
        EXPECT_EQ(*common, texts[0]);
      }
      common = texts[0];
    }
    return common.value_or("");
  }

  Node node;
  std::uint8_t armed = 0;
  std::vector<Sent> sent;

 private:
  template <class F>
  void run(F&& handler) {
    fx_.begin(&armed);
    handler();
    sent.clear();
    for (const auto& out : fx_.outbox()) sent.push_back(Sent{out.to, out.message});
  }

  int nodes_;
  NodeIndex self_;
  Fx fx_;
};

// Node 0 of 5, single-decree, leads phase 1 for value `value` at round
// `round` (it first sees a Prepare of round-1 from node 4), and has the
// promise of its own acceptor. Returns its ballot.
Ballot start_proposing(Harness& h, std::uint32_t round, Value value) {
  if (round > 1) h.receive(4, prepare(Ballot{round - 1, 4}));
  EXPECT_TRUE(h.client(value));
  const Ballot ballot{round, kSelf};
  EXPECT_EQ(h.node.ballot(), ballot);
  EXPECT_EQ(h.node.phase(), Phase::Preparing);
  return ballot;
}

// ===========================================================================
// Acceptor

// "If an acceptor receives a prepare request with number n greater than that
// of any prepare request to which it has already responded, then it responds
// to the request with a promise not to accept any more proposals numbered less
// than n." Otherwise it refuses (a Nack naming the ballot it promised).
TEST(PaxosRule, AcceptorPromisesOnlyAboveItsPromisedBallot) {
  Harness h(single());
  h.receive(2, prepare(Ballot{2, 2}));
  EXPECT_EQ(h.sent_to(2), std::vector<std::string>{"Promise b2.3 []"});
  EXPECT_EQ(h.node.promised(), (Ballot{2, 2}));

  h.receive(2, prepare(Ballot{2, 2}));  // the same ballot again: not above
  EXPECT_EQ(h.sent_to(2), std::vector<std::string>{"Nack b2.3 promised=b2.3"});
  h.receive(1, prepare(Ballot{2, 1}));  // same round, lower proposer
  EXPECT_EQ(h.sent_to(1), std::vector<std::string>{"Nack b2.2 promised=b2.3"});
  h.receive(4, prepare(Ballot{1, 4}));  // lower round, higher proposer
  EXPECT_EQ(h.sent_to(4), std::vector<std::string>{"Nack b1.5 promised=b2.3"});
  EXPECT_EQ(h.node.promised(), (Ballot{2, 2}));

  h.receive(3, prepare(Ballot{2, 3}));  // same round, higher proposer: above
  EXPECT_EQ(h.sent_to(3), std::vector<std::string>{"Promise b2.4 []"});
  EXPECT_EQ(h.node.promised(), (Ballot{2, 3}));
}

// "... and with the proposal with the highest number less than n that it has
// accepted, if any." Multi-Paxos: one promise covers every slot, and reports
// every vote the acceptor holds.
TEST(PaxosRule, PromiseReportsEveryVoteHeld) {
  Harness h(multi());
  h.receive(1, accept(Ballot{1, 1}, {{0, 5}, {2, 9}}));
  h.receive(2, accept(Ballot{2, 2}, {{0, 6}}));
  h.receive(3, prepare(Ballot{3, 3}));
  EXPECT_EQ(h.sent_to(3), std::vector<std::string>{"Promise b3.4 [s0=b2.3:6 s2=b1.2:9]"});
}

// "An acceptor can accept a proposal numbered n iff it has not responded to a
// prepare request having a number greater than n."
TEST(PaxosRule, AcceptorAcceptsOnlyAtOrAboveItsPromisedBallot) {
  Harness h(single());
  h.receive(2, prepare(Ballot{2, 2}));

  h.receive(1, accept(Ballot{1, 1}, {{0, 7}}));  // below the promise: refused
  EXPECT_EQ(h.sent_to(1), std::vector<std::string>{"Nack b1.2 promised=b2.3"});
  EXPECT_FALSE(h.node.accepted(0));

  h.receive(2, accept(Ballot{2, 2}, {{0, 8}}));  // at the promise: accepted
  EXPECT_EQ(h.node.accepted(0), (Vote{Ballot{2, 2}, 8}));

  h.receive(3, accept(Ballot{3, 3}, {{0, 8}}));  // above: accepted, and promised with it
  EXPECT_EQ(h.node.accepted(0), (Vote{Ballot{3, 3}, 8}));
  EXPECT_EQ(h.node.promised(), (Ballot{3, 3}));
}

// Every acceptance is announced to every learner (every node).
TEST(PaxosRule, AcceptorTellsEveryLearner) {
  Harness h(multi());
  h.receive(2, accept(Ballot{1, 2}, {{0, 4}, {1, 5}}));
  EXPECT_EQ(h.broadcast("Accepted"), "Accepted b1.3 [s0=4 s1=5]");
}

// The promised ballot and every vote are durable: a crash keeps them, and the
// restarted acceptor still refuses what it promised not to accept. The
// proposer and the learner are volatile.
TEST(PaxosRule, CrashKeepsPromiseAndVotesAndLosesTheRest) {
  Harness h(single());
  h.receive(1, accept(Ballot{1, 1}, {{0, 7}}));
  h.receive(2, prepare(Ballot{2, 2}));
  for (NodeIndex a : {1, 2}) h.receive(a, accepted(Ballot{1, 1}, {{0, 7}}));  // learned with its own vote
  ASSERT_EQ(h.node.learned(0), Value{7});

  h.crash_and_restart();
  EXPECT_EQ(h.node.promised(), (Ballot{2, 2}));
  EXPECT_EQ(h.node.accepted(0), (Vote{Ballot{1, 1}, 7}));
  EXPECT_FALSE(h.node.learned(0));
  EXPECT_EQ(h.node.phase(), Phase::Idle);

  h.receive(1, prepare(Ballot{2, 1}));
  EXPECT_EQ(h.sent_to(1), std::vector<std::string>{"Nack b2.2 promised=b2.3"});
  h.receive(1, accept(Ballot{2, 1}, {{0, 9}}));
  EXPECT_EQ(h.node.accepted(0), (Vote{Ballot{1, 1}, 7}));
  h.receive(3, prepare(Ballot{3, 3}));
  EXPECT_EQ(h.sent_to(3), std::vector<std::string>{"Promise b3.4 [s0=b1.2:7]"});
}

// ===========================================================================
// Proposer (single-decree)

// Ballots are unique as (round, proposer): a proposer numbers its ballot above
// every round it has seen, with its own id, and its own acceptor promises it
// first; so a restarted proposer never reuses a ballot.
TEST(PaxosRule, ProposerBallotIsAboveEverythingSeenAndNeverReused) {
  Harness h(single());
  h.receive(3, prepare(Ballot{4, 3}));
  ASSERT_TRUE(h.client(7));
  EXPECT_EQ(h.node.ballot(), (Ballot{5, kSelf}));
  EXPECT_EQ(h.broadcast("Prepare"), "Prepare b5.1");
  EXPECT_EQ(h.node.promised(), (Ballot{5, kSelf}));  // its own acceptor's promise
  EXPECT_EQ(h.armed, kPrepareBit);

  h.crash_and_restart();
  ASSERT_TRUE(h.client(8));
  EXPECT_EQ(h.node.ballot(), (Ballot{6, kSelf}));
}

// "If the proposer receives a response to its prepare requests from a
// majority of acceptors, then it issues an accept request ... with value v,
// where v is the value of the highest-numbered proposal among the responses,
// or is any value if the responses reported no proposals."
TEST(PaxosRule, ProposerAdoptsTheValueOfTheHighestBallotReported) {
  Harness h(single());
  const Ballot b = start_proposing(h, 4, 7);
  h.receive(1, promise(b, {SlotVote{0, Ballot{2, 1}, 20}}));
  EXPECT_TRUE(h.sent.empty());  // 2 of 5: no majority yet
  h.receive(2, promise(b, {SlotVote{0, Ballot{3, 2}, 30}}));
  EXPECT_EQ(h.broadcast("Accept"), "Accept b4.1 [s0=30]");
  EXPECT_EQ(h.node.phase(), Phase::Accepting);
  EXPECT_EQ(h.node.accepted(0), (Vote{b, 30}));  // its own acceptor accepted it
}

TEST(PaxosRule, ProposerProposesItsOwnValueWhenNoneIsReported) {
  Harness h(single());
  const Ballot b = start_proposing(h, 1, 7);
  h.receive(3, promise(b));
  h.receive(4, promise(b));
  EXPECT_EQ(h.broadcast("Accept"), "Accept b1.1 [s0=7]");
}

// A majority is of distinct acceptors: a promise delivered twice counts once.
TEST(PaxosRule, ProposerCountsDistinctAcceptors) {
  Harness h(single());
  const Ballot b = start_proposing(h, 1, 7);
  h.receive(1, promise(b));
  h.receive(1, promise(b));
  EXPECT_TRUE(h.sent.empty());
  EXPECT_EQ(h.node.phase(), Phase::Preparing);
}

// Promises of another ballot (an earlier phase 1 of its own) do not count.
TEST(PaxosRule, ProposerIgnoresPromisesOfOtherBallots) {
  Harness h(single());
  const Ballot b = start_proposing(h, 2, 7);
  h.receive(1, promise(Ballot{1, kSelf}));
  h.receive(2, promise(Ballot{1, kSelf}));
  EXPECT_TRUE(h.sent.empty());
  h.receive(1, promise(b));
  h.receive(2, promise(b));
  EXPECT_EQ(h.broadcast("Accept"), "Accept b2.1 [s0=7]");
}

// A refusal naming a higher promise ends this attempt; the timer retries with
// a ballot above the one that beat it.
TEST(PaxosRule, ProposerRetriesAboveTheBallotThatRefusedIt) {
  Harness h(single());
  const Ballot b = start_proposing(h, 1, 7);
  h.receive(2, nack(b, Ballot{3, 2}));
  EXPECT_EQ(h.node.phase(), Phase::Idle);
  EXPECT_EQ(h.armed, kPrepareBit);
  h.timer();
  EXPECT_EQ(h.node.ballot(), (Ballot{4, kSelf}));
  EXPECT_EQ(h.broadcast("Prepare"), "Prepare b4.1");
}

// A node proposes one value, and none once it has learned the decision.
TEST(PaxosRule, ProposerStopsOnceItLearnsTheDecision) {
  Harness h(single());
  start_proposing(h, 1, 7);
  EXPECT_FALSE(h.client(8));  // already proposing 7
  for (NodeIndex a : {1, 2, 3}) h.receive(a, accepted(Ballot{1, 3}, {{0, 9}}));
  EXPECT_EQ(h.node.learned(0), Value{9});
  EXPECT_EQ(h.node.phase(), Phase::Idle);
  EXPECT_EQ(h.armed, 0);
  h.timer();
  EXPECT_TRUE(h.sent.empty());
}

// ===========================================================================
// Learner

// A value is learned once a majority of distinct acceptors have accepted it
// at one ballot: duplicates and votes of other ballots do not add up.
TEST(PaxosRule, LearnerLearnsFromAMajorityOfDistinctAcceptorsAtOneBallot) {
  Harness h(single());
  h.receive(1, accepted(Ballot{1, 1}, {{0, 7}}));
  h.receive(1, accepted(Ballot{1, 1}, {{0, 7}}));  // duplicate
  h.receive(2, accepted(Ballot{2, 2}, {{0, 7}}));  // another ballot
  EXPECT_FALSE(h.node.learned(0));
  h.receive(3, accepted(Ballot{1, 1}, {{0, 7}}));
  EXPECT_FALSE(h.node.learned(0));  // 2 of 5 at b1.2
  h.receive(4, accepted(Ballot{1, 1}, {{0, 7}}));
  EXPECT_EQ(h.node.learned(0), Value{7});
}

TEST(PaxosRule, LearnerLearnsEachSlotOnItsOwn) {
  Harness h(multi(), 3);
  h.receive(1, accepted(Ballot{1, 1}, {{0, 4}, {1, 5}}));
  h.receive(2, accepted(Ballot{1, 1}, {{1, 5}}));
  EXPECT_FALSE(h.node.learned(0));
  EXPECT_EQ(h.node.learned(1), Value{5});
}

// ===========================================================================
// Multi-Paxos

// A Multi-Paxos node is always ready to lead: its timer is armed from boot.
// Firing it runs phase 1 once, for every slot.
TEST(PaxosRule, MultiPaxosTimerRunsPhaseOneForAllSlots) {
  Harness h(multi());
  EXPECT_EQ(h.armed, kPrepareBit);
  h.timer();
  EXPECT_EQ(h.broadcast("Prepare"), "Prepare b1.1");
  EXPECT_EQ(h.node.phase(), Phase::Preparing);
}

// The new leader recovers the slots in progress: per slot, the value of the
// highest ballot among the promises, a no-op for a gap; then it gives client
// commands the slots after them.
TEST(PaxosRule, MultiPaxosLeaderRecoversInProgressSlots) {
  Harness h(multi());
  h.receive(4, prepare(Ballot{3, 4}));
  EXPECT_TRUE(h.client(42));  // waits: it does not lead
  EXPECT_TRUE(h.sent.empty());
  EXPECT_EQ(h.node.pending_commands(), 1u);
  h.timer();
  const Ballot b{4, kSelf};
  ASSERT_EQ(h.node.ballot(), b);
  h.receive(1, promise(b, {SlotVote{0, Ballot{1, 1}, 5}, SlotVote{3, Ballot{2, 1}, 11}}));
  h.receive(2, promise(b, {SlotVote{0, Ballot{3, 2}, 6}}));
  ASSERT_TRUE(h.node.is_leader());
  // The recovery, then the waiting command, to each peer.
  EXPECT_EQ(h.sent_to(3, "Accept"), (std::vector<std::string>{"Accept b4.1 [s0=6 s1=noop s2=noop s3=11]",
                                                     "Accept b4.1 [s4=42]"}));
  EXPECT_EQ(h.node.next_slot(), 5u);
  EXPECT_EQ(h.node.pending_commands(), 0u);

  // A leader runs no phase 1 again: a new command goes straight to phase 2.
  EXPECT_EQ(h.armed, 0);
  EXPECT_TRUE(h.client(43));
  EXPECT_EQ(h.broadcast("Accept"), "Accept b4.1 [s5=43]");
}

// With nothing reported, the leader starts at the first slot it has not learned.
TEST(PaxosRule, MultiPaxosLeaderWithNothingToRecoverStartsAfterWhatItLearned) {
  Harness h(multi(), 3);
  h.receive(1, accepted(Ballot{1, 1}, {{0, 5}}));
  h.receive(2, accepted(Ballot{1, 1}, {{0, 5}}));
  ASSERT_EQ(h.node.learned(0), Value{5});
  h.timer();
  h.receive(2, promise(h.node.ballot()));
  ASSERT_TRUE(h.node.is_leader());
  EXPECT_TRUE(h.sent.empty());
  EXPECT_TRUE(h.client(9));
  EXPECT_EQ(h.broadcast("Accept"), "Accept b2.1 [s1=9]");
}

// A leader whose own acceptor promises a higher ballot steps down and will
// try again; so does one told by a Nack.
TEST(PaxosRule, MultiPaxosLeaderStepsDownWhenOutbid) {
  for (bool by_nack : {false, true}) {
    Harness h(multi(), 3);
    h.timer();
    const Ballot b = h.node.ballot();
    h.receive(1, promise(b));
    ASSERT_TRUE(h.node.is_leader());
    if (by_nack)
      h.receive(2, nack(b, Ballot{2, 2}));
    else
      h.receive(2, prepare(Ballot{2, 2}));
    EXPECT_FALSE(h.node.is_leader()) << by_nack;
    EXPECT_EQ(h.armed, kPrepareBit) << by_nack;
    EXPECT_TRUE(h.client(9));
    EXPECT_TRUE(h.sent.empty()) << by_nack;  // the command waits
  }
}

// multi-paxos-serial: the leader proposes a slot only once it has learned
// every earlier one; plain Multi-Paxos pipelines.
TEST(PaxosRule, SerialLeaderWaitsForEarlierSlotsAndPlainLeaderPipelines) {
  for (bool is_serial : {true, false}) {
    Harness h(is_serial ? serial() : multi(), 3);
    h.timer();
    h.receive(1, promise(h.node.ballot()));
    ASSERT_TRUE(h.node.is_leader());
    EXPECT_TRUE(h.client(1));
    EXPECT_EQ(h.broadcast("Accept"), "Accept b1.1 [s0=1]");
    EXPECT_TRUE(h.client(2));
    if (!is_serial) {
      EXPECT_EQ(h.broadcast("Accept"), "Accept b1.1 [s1=2]");
      continue;
    }
    EXPECT_TRUE(h.sent.empty());
    h.receive(1, accepted(h.node.ballot(), {{0, 1}}));  // slot 0 learned (with its own vote)
    ASSERT_EQ(h.node.learned(0), Value{1});
    EXPECT_EQ(h.broadcast("Accept"), "Accept b1.1 [s1=2]");
  }
}

// ===========================================================================
// Seeded bugs: each breaks the rule above it names.

TEST(PaxosBug, AllSeededBugsAreKnown) {
  EXPECT_EQ(bug_table().size(), std::size_t(Bug::Count));
  for (std::string_view name : {"ignore-accepted-values", "adopt-any-accepted", "forget-promise-on-restart",
                                "forget-accepted-on-restart", "accept-below-promise", "count-duplicate-promises"})
    EXPECT_TRUE(Options{}.enable_bug(name)) << name;
  EXPECT_FALSE(Options{}.enable_bug("nope"));
}

TEST(PaxosBug, IgnoreAcceptedValuesProposesItsOwnValue) {
  Harness h(single({"ignore-accepted-values"}));
  const Ballot b = start_proposing(h, 4, 7);
  h.receive(1, promise(b, {SlotVote{0, Ballot{2, 1}, 20}}));
  h.receive(2, promise(b, {SlotVote{0, Ballot{3, 2}, 30}}));
  EXPECT_EQ(h.broadcast("Accept"), "Accept b4.1 [s0=7]");
}

TEST(PaxosBug, IgnoreAcceptedValuesRecoversNoOps) {
  Harness h(multi({"ignore-accepted-values"}), 3);
  h.receive(2, prepare(Ballot{1, 2}));
  h.timer();
  h.receive(1, promise(h.node.ballot(), {SlotVote{0, Ballot{1, 2}, 5}}));
  EXPECT_EQ(h.broadcast("Accept"), "Accept b2.1 [s0=noop]");
}

TEST(PaxosBug, AdoptAnyAcceptedTakesTheFirstReportedValue) {
  Harness h(single({"adopt-any-accepted"}));
  const Ballot b = start_proposing(h, 4, 7);
  h.receive(1, promise(b, {SlotVote{0, Ballot{2, 1}, 20}}));
  h.receive(2, promise(b, {SlotVote{0, Ballot{3, 2}, 30}}));
  EXPECT_EQ(h.broadcast("Accept"), "Accept b4.1 [s0=20]");
}

TEST(PaxosBug, ForgetPromiseOnRestartPromisesALowerBallotAgain) {
  Harness h(single({"forget-promise-on-restart"}));
  h.receive(1, accept(Ballot{1, 1}, {{0, 7}}));
  h.receive(2, prepare(Ballot{2, 2}));
  h.crash_and_restart();
  EXPECT_TRUE(h.node.promised().none());
  EXPECT_EQ(h.node.accepted(0), (Vote{Ballot{1, 1}, 7}));  // votes are still kept
  h.receive(1, prepare(Ballot{2, 1}));
  EXPECT_EQ(h.sent_to(1), std::vector<std::string>{"Promise b2.2 [s0=b1.2:7]"});
}

TEST(PaxosBug, ForgetAcceptedOnRestartReportsNoVote) {
  Harness h(single({"forget-accepted-on-restart"}));
  h.receive(1, accept(Ballot{1, 1}, {{0, 7}}));
  h.crash_and_restart();
  EXPECT_EQ(h.node.promised(), (Ballot{1, 1}));  // the promise is still kept
  EXPECT_FALSE(h.node.accepted(0));
  h.receive(3, prepare(Ballot{2, 3}));
  EXPECT_EQ(h.sent_to(3), std::vector<std::string>{"Promise b2.4 []"});
}

TEST(PaxosBug, AcceptBelowPromiseAcceptsARefusedBallot) {
  Harness h(single({"accept-below-promise"}));
  h.receive(2, prepare(Ballot{2, 2}));
  h.receive(1, accept(Ballot{1, 1}, {{0, 7}}));
  EXPECT_EQ(h.node.accepted(0), (Vote{Ballot{1, 1}, 7}));
  EXPECT_EQ(h.broadcast("Accepted"), "Accepted b1.2 [s0=7]");
}

TEST(PaxosBug, CountDuplicatePromisesReachesAMajorityWithADuplicate) {
  Harness h(single({"count-duplicate-promises"}));
  const Ballot b = start_proposing(h, 1, 7);
  h.receive(1, promise(b));
  h.receive(1, promise(b));
  EXPECT_EQ(h.broadcast("Accept"), "Accept b1.1 [s0=7]");
}

}  // namespace
}  // namespace skiff::paxos
