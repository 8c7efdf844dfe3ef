// Raft's variants (protocols/raft/raft_options.hpp): one unit test per rule,
// driving one Node through its handlers as the world would, then explore
// tests: every combination of variants keeps every safety invariant, and the
// seeded bugs are still found with variants on.
//
// Unless a test says otherwise the cluster has 5 nodes (a majority is 3) and
// the node under test is node 0.
#include <gtest/gtest.h>

#include <cstdint>
#include <string>
#include <vector>

#include "checker/driver.hpp"
#include "checker/explore.hpp"
#include "checker/trace.hpp"
#include "invariants/raft_invariants.hpp"
#include "protocols/raft/raft.hpp"
#include "tests/sanitizers.hpp"

namespace skiff::raft {
namespace {

constexpr int kNodes = 5;
constexpr NodeIndex kSelf = 0;
constexpr std::uint8_t kElectionBit = 1u << Node::kElectionTimer;
constexpr std::uint8_t kHeartbeatBit = 1u << Node::kHeartbeatTimer;
constexpr std::uint8_t kCheckQuorumBit = 1u << Node::kCheckQuorumTimer;

Options with_variants(std::vector<std::string> specs, int nodes = kNodes) {
  Options options;
  for (const std::string& spec : specs) EXPECT_EQ(options.enable_variant(spec, nodes), "") << spec;
  return options;
}

Message message(MessageType type, Term term) {
  Message m;
  m.type = type;
  m.term = term;
  return m;
}
Message vote_request(MessageType type, Term term, LogIndex last_index, Term last_term) {
  Message m = message(type, term);
  m.last_log_index = last_index;
  m.last_log_term = last_term;
  return m;
}
Message reply(MessageType type, Term term, bool success, LogIndex match = 0) {
  Message m = message(type, term);
  m.success = success;
  m.match_index = match;
  return m;
}
Message heartbeat(Term term, LogIndex prev_index = 0, Term prev_term = 0) {
  Message m = message(MessageType::AppendEntries, term);
  m.prev_log_index = prev_index;
  m.prev_log_term = prev_term;
  return m;
}

// A node under test with the effects and armed timers the world would give it.
class TestNode {
 public:
  explicit TestNode(Options options, int node_count = kNodes, NodeIndex self = kSelf)
      : node_(self, node_count, options) {
    fx_.begin(&armed_);
    node_.start(fx_);
  }
  void receive(NodeIndex from, const Message& m) {
    fx_.begin(&armed_);
    node_.on_message(from, m, fx_);
  }
  void fire(TimerId timer) {
    fx_.begin(&armed_);
    node_.on_timer(timer, fx_);
  }
  bool client(Command command) {
    fx_.begin(&armed_);
    return node_.on_client_command(command, fx_);
  }
  const Node* operator->() const { return &node_; }
  const Fx& fx() const { return fx_; }
  std::uint8_t armed() const { return armed_; }
  // What was sent by the last handler, as (to, type, term) triples.
  std::vector<std::tuple<int, MessageType, Term>> sent() const {
    std::vector<std::tuple<int, MessageType, Term>> out;
    for (const auto& o : fx_.outbox()) out.emplace_back(int(o.to), o.message.type, o.message.term);
    return out;
  }
  // The one reply to the last request.
  Message answer() const {
    EXPECT_EQ(fx_.outbox().size(), 1u);
    return fx_.outbox().empty() ? Message{} : fx_.outbox()[0].message;
  }

 private:
  Node node_;
  Fx fx_;
  std::uint8_t armed_ = 0;
};

// Makes the node leader of term 1 with the votes of nodes 1 and 2 (5 nodes).
void make_leader(TestNode& n) {
  n.fire(Node::kElectionTimer);
  if (n->role() == Role::PreCandidate) {
    n.receive(1, reply(MessageType::PreVoteReply, 1, true));
    n.receive(2, reply(MessageType::PreVoteReply, 1, true));
  }
  ASSERT_EQ(n->role(), Role::Candidate);
  n.receive(1, reply(MessageType::RequestVoteReply, 1, true));
  n.receive(2, reply(MessageType::RequestVoteReply, 1, true));
  ASSERT_EQ(n->role(), Role::Leader);
}

// ---- options ---------------------------------------------------------------

TEST(RaftVariantOptions, ParsesNamesAndNodeSets) {
  Options options;
  EXPECT_EQ(options.enable_variant("pre-vote", 5), "");
  EXPECT_EQ(options.enable_variant("learner=5", 5), "");
  EXPECT_EQ(options.enable_variant("passive=4,3", 5), "");
  EXPECT_EQ(options.enable_variant("check-quorum", 5), "");
  EXPECT_EQ(options.enabled_variants(),
            (std::vector<std::string>{"pre-vote", "check-quorum", "passive=3,4", "learner=5"}));
  EXPECT_TRUE(options.votes(2) && !options.may_stand(2));
  EXPECT_TRUE(!options.votes(4) && !options.may_stand(4));
  EXPECT_TRUE(options.votes(0) && options.may_stand(0));
}

TEST(RaftVariantOptions, RefusesWhatIsWrongWithOneLine) {
  Options options;
  EXPECT_EQ(options.enable_variant("pre-votes", 3), "unknown variant 'pre-votes' for protocol raft (see 'skiff list')");
  EXPECT_EQ(options.enable_variant("passive", 3), "variant 'passive' needs its nodes: passive=N,...");
  EXPECT_EQ(options.enable_variant("pre-vote=1", 3), "variant 'pre-vote' takes no value");
  EXPECT_EQ(options.enable_variant("passive=4", 3), "variant 'passive=4' names node 4, out of range (1 to 3)");
  EXPECT_EQ(options.enable_variant("passive=0", 3), "variant 'passive=0' names node 0, out of range (1 to 3)");
  EXPECT_EQ(options.enable_variant("passive=1,", 3), "variant 'passive=1,' has an empty node number");
  EXPECT_EQ(options.enable_variant("passive=x", 3), "variant 'passive=x' has a bad node number 'x'");
  EXPECT_EQ(options.enable_variant("passive=", 3), "variant 'passive=' needs at least one node");
  EXPECT_EQ(options.enable_variant("passive=1,2,3", 3), "variant 'passive=1,2,3': no node would be left to stand for election");
  EXPECT_EQ(options.enable_variant("passive=1", 3), "");
  EXPECT_EQ(options.enable_variant("learner=1", 3), "variant 'learner=1': a node can be only one of passive, learner and spare");
  EXPECT_EQ(options.enable_variant("learner=2,3", 3), "variant 'learner=2,3': no node would be left to stand for election");
  EXPECT_EQ(options.enabled_variants(), (std::vector<std::string>{"passive=1"}));
}

// ---- pre-vote ----------------------------------------------------------------

TEST(RaftPreVote, ElectionTimeoutStartsAPreVoteWithoutRaisingTheTerm) {
  TestNode n(with_variants({"pre-vote"}));
  n.fire(Node::kElectionTimer);
  EXPECT_EQ(n->role(), Role::PreCandidate);
  EXPECT_EQ(n->term(), 0u);
  EXPECT_FALSE(n->voted_for());
  EXPECT_TRUE(n.armed() & kElectionBit);
  using T = std::tuple<int, MessageType, Term>;
  EXPECT_EQ(n.sent(), (std::vector<T>{{1, MessageType::PreVote, 1}, {2, MessageType::PreVote, 1},
                                      {3, MessageType::PreVote, 1}, {4, MessageType::PreVote, 1}}));
}

TEST(RaftPreVote, AMajorityOfPreVotesStartsTheRealElection) {
  TestNode n(with_variants({"pre-vote"}));
  n.fire(Node::kElectionTimer);
  n.receive(1, reply(MessageType::PreVoteReply, 1, true));
  EXPECT_EQ(n->role(), Role::PreCandidate);
  n.receive(1, reply(MessageType::PreVoteReply, 1, true));  // the same voter twice counts once
  EXPECT_EQ(n->role(), Role::PreCandidate);
  n.receive(2, reply(MessageType::PreVoteReply, 1, true));
  EXPECT_EQ(n->role(), Role::Candidate);
  EXPECT_EQ(n->term(), 1u);
  EXPECT_EQ(n.sent().size(), 4u);
  EXPECT_EQ(std::get<1>(n.sent()[0]), MessageType::RequestVote);
}

TEST(RaftPreVote, AStalePreVoteReplyIsNotCounted) {
  TestNode n(with_variants({"pre-vote"}));
  n.receive(4, heartbeat(3));  // term 3, leader 4
  n.fire(Node::kElectionTimer);
  ASSERT_EQ(n->role(), Role::PreCandidate);
  n.receive(1, reply(MessageType::PreVoteReply, 3, true));  // an answer about term 3, not 4
  n.receive(2, reply(MessageType::PreVoteReply, 3, true));
  EXPECT_EQ(n->role(), Role::PreCandidate);
  EXPECT_EQ(n->term(), 3u);
}

TEST(RaftPreVote, APreVoteChangesNobodysTerm) {
  TestNode n(with_variants({"pre-vote"}));
  n.receive(3, vote_request(MessageType::PreVote, 7, 0, 0));
  EXPECT_EQ(n->term(), 0u);
  const Message granted = n.answer();
  EXPECT_EQ(granted.type, MessageType::PreVoteReply);
  EXPECT_TRUE(granted.success);
  EXPECT_EQ(granted.term, 7u);  // the term asked about
  EXPECT_FALSE(n->voted_for());

  TestNode candidate(with_variants({"pre-vote"}));
  candidate.fire(Node::kElectionTimer);
  candidate.receive(1, reply(MessageType::PreVoteReply, 1, true));
  EXPECT_EQ(candidate->term(), 0u);  // a granted reply names the term to come
}

TEST(RaftPreVote, ANodeThatHeardALeaderSinceItsTimerFiredRefuses) {
  TestNode n(with_variants({"pre-vote"}));
  n.receive(4, heartbeat(2));
  EXPECT_TRUE(n->heard_from_leader());
  n.receive(3, vote_request(MessageType::PreVote, 3, 0, 0));
  Message refused = n.answer();
  EXPECT_FALSE(refused.success);
  EXPECT_EQ(refused.term, 2u);  // its own term
  n.fire(Node::kElectionTimer);  // no leader heard for a whole timeout
  EXPECT_FALSE(n->heard_from_leader());
  n.receive(3, vote_request(MessageType::PreVote, 3, 0, 0));
  EXPECT_TRUE(n.answer().success);
}

TEST(RaftPreVote, AStaleLeaderDoesNotCountAsHeard) {
  TestNode n(with_variants({"pre-vote"}));
  n.receive(4, heartbeat(2));
  n.fire(Node::kElectionTimer);
  n.receive(1, heartbeat(1));  // a leader of an old term
  EXPECT_FALSE(n->heard_from_leader());
}

TEST(RaftPreVote, RefusedForAnOutOfDateLogALowTermOrByALeader) {
  TestNode n(with_variants({"pre-vote"}));
  Message entries = heartbeat(2);
  entries.entries.push_back(Entry{2, 9});
  n.receive(4, entries);
  n.fire(Node::kElectionTimer);  // forget the leader
  n.receive(3, vote_request(MessageType::PreVote, 3, 0, 0));  // an empty log
  EXPECT_FALSE(n.answer().success);
  n.receive(3, vote_request(MessageType::PreVote, 2, 1, 2));  // term 2 is not above its own
  EXPECT_FALSE(n.answer().success);
  n.receive(3, vote_request(MessageType::PreVote, 3, 1, 2));
  EXPECT_TRUE(n.answer().success);

  TestNode leader(with_variants({"pre-vote"}));
  make_leader(leader);
  leader.receive(3, vote_request(MessageType::PreVote, 5, 0, 0));
  EXPECT_FALSE(leader.answer().success);
  EXPECT_TRUE(leader->is_leader());
}

TEST(RaftPreVote, ARefusalFromAHigherTermEndsThePreVote) {
  TestNode n(with_variants({"pre-vote"}));
  n.fire(Node::kElectionTimer);
  n.receive(2, reply(MessageType::PreVoteReply, 4, false));
  EXPECT_EQ(n->role(), Role::Follower);
  EXPECT_EQ(n->term(), 4u);
}

TEST(RaftPreVote, APreCandidateStepsDownForALeader) {
  TestNode n(with_variants({"pre-vote"}));
  n.fire(Node::kElectionTimer);
  n.receive(4, heartbeat(0));
  EXPECT_EQ(n->role(), Role::Follower);
  EXPECT_TRUE(n->heard_from_leader());
}

TEST(RaftPreVote, WithoutTheVariantTimeoutsStartRealElections) {
  TestNode n(Options{});
  n.fire(Node::kElectionTimer);
  EXPECT_EQ(n->role(), Role::Candidate);
  EXPECT_EQ(n->term(), 1u);
}

// ---- check-quorum ------------------------------------------------------------

TEST(RaftCheckQuorum, ALeaderThatHearsFromAMajorityStays) {
  TestNode n(with_variants({"check-quorum"}));
  make_leader(n);
  EXPECT_TRUE(n.armed() & kCheckQuorumBit);
  n.receive(1, reply(MessageType::AppendEntriesReply, 1, true));
  n.receive(3, reply(MessageType::AppendEntriesReply, 1, true));
  n.fire(Node::kCheckQuorumTimer);
  EXPECT_TRUE(n->is_leader());
  EXPECT_TRUE(n.armed() & kCheckQuorumBit);
}

TEST(RaftCheckQuorum, ALeaderThatDoesNotStepsDownInItsTerm) {
  TestNode n(with_variants({"check-quorum"}));
  make_leader(n);
  n.receive(1, reply(MessageType::AppendEntriesReply, 1, true));  // one other node: 2 of 5
  n.fire(Node::kCheckQuorumTimer);
  EXPECT_EQ(n->role(), Role::Follower);
  EXPECT_EQ(n->term(), 1u);
  EXPECT_EQ(n->voted_for(), std::optional<NodeIndex>(0));
  EXPECT_EQ(n.armed(), kElectionBit);  // heartbeat and check-quorum cancelled
}

TEST(RaftCheckQuorum, WhatWasHeardIsForgottenAtEachCheck) {
  TestNode n(with_variants({"check-quorum"}));
  make_leader(n);
  n.receive(1, reply(MessageType::AppendEntriesReply, 1, true));
  n.receive(2, reply(MessageType::AppendEntriesReply, 1, true));
  n.fire(Node::kCheckQuorumTimer);
  ASSERT_TRUE(n->is_leader());
  n.receive(2, reply(MessageType::AppendEntriesReply, 1, true));
  n.receive(2, reply(MessageType::AppendEntriesReply, 1, true));  // one node, twice
  n.fire(Node::kCheckQuorumTimer);
  EXPECT_FALSE(n->is_leader());
}

TEST(RaftCheckQuorum, MessagesOfAnOldTermDoNotCount) {
  TestNode n(with_variants({"check-quorum"}));
  n.receive(4, heartbeat(1));
  n.fire(Node::kElectionTimer);  // term 2
  n.receive(1, reply(MessageType::RequestVoteReply, 2, true));
  n.receive(2, reply(MessageType::RequestVoteReply, 2, true));
  ASSERT_TRUE(n->is_leader());
  n.receive(3, reply(MessageType::AppendEntriesReply, 1, true));
  n.receive(4, reply(MessageType::AppendEntriesReply, 1, true));
  n.fire(Node::kCheckQuorumTimer);
  EXPECT_FALSE(n->is_leader());
}

TEST(RaftCheckQuorum, LearnersAreNotAQuorum) {
  TestNode n(with_variants({"check-quorum", "learner=4,5"}));  // 3 voters, majority 2
  n.fire(Node::kElectionTimer);
  n.receive(1, reply(MessageType::RequestVoteReply, 1, true));
  ASSERT_TRUE(n->is_leader());
  n.receive(3, reply(MessageType::AppendEntriesReply, 1, true));
  n.receive(4, reply(MessageType::AppendEntriesReply, 1, true));
  n.fire(Node::kCheckQuorumTimer);
  EXPECT_FALSE(n->is_leader());
}

TEST(RaftCheckQuorum, WithoutTheVariantNoCheckQuorumTimer) {
  TestNode n(Options{});
  make_leader(n);
  EXPECT_EQ(n.armed(), kHeartbeatBit);
}

// ---- passive and learner nodes ------------------------------------------------

TEST(RaftPassive, APassiveNodeNeverStandsButVotes) {
  TestNode n(with_variants({"pre-vote", "passive=1"}));
  n.receive(4, heartbeat(2));
  n.fire(Node::kElectionTimer);
  EXPECT_EQ(n->role(), Role::Follower);
  EXPECT_EQ(n->term(), 2u);
  EXPECT_TRUE(n.sent().empty());
  EXPECT_FALSE(n.armed() & kElectionBit);  // cancelled until a leader is heard again
  EXPECT_FALSE(n->heard_from_leader());
  n.receive(3, vote_request(MessageType::PreVote, 3, 0, 0));
  EXPECT_TRUE(n.answer().success);
  n.receive(3, vote_request(MessageType::RequestVote, 3, 0, 0));
  EXPECT_TRUE(n.answer().success);
  n.receive(3, heartbeat(3));
  EXPECT_TRUE(n.armed() & kElectionBit);
  EXPECT_FALSE(n.client(5));
}

TEST(RaftLearner, ALearnerNeitherVotesNorStands) {
  TestNode n(with_variants({"learner=1"}));
  n.fire(Node::kElectionTimer);
  EXPECT_EQ(n->role(), Role::Follower);
  EXPECT_TRUE(n.sent().empty());
  n.receive(3, vote_request(MessageType::RequestVote, 1, 0, 0));
  EXPECT_FALSE(n.answer().success);
  EXPECT_EQ(n->term(), 1u);  // it still learns the term
  TestNode pre(with_variants({"pre-vote", "learner=1"}));
  pre.receive(3, vote_request(MessageType::PreVote, 1, 0, 0));
  EXPECT_FALSE(pre.answer().success);
}

// A node outside its configuration (a spare, or one added as a voter whose
// configuration entry has not reached it yet) answers votes as any node does
// (Ongaro's dissertation, 4.1): a majority of the new configuration may need it.
TEST(RaftSpare, ANodeOutsideItsConfigurationStillGrantsVotes) {
  TestNode n(with_variants({"spare=1"}));
  n.receive(3, vote_request(MessageType::RequestVote, 1, 0, 0));
  EXPECT_TRUE(n.answer().success);
  TestNode pre(with_variants({"pre-vote", "spare=1"}));
  pre.receive(3, vote_request(MessageType::PreVote, 1, 0, 0));
  EXPECT_TRUE(pre.answer().success);
}

TEST(RaftLearner, CandidatesAskOnlyVotersAndLeadersCountOnlyVoters) {
  TestNode n(with_variants({"learner=4,5"}));  // voters 1, 2, 3: a majority is 2
  n.fire(Node::kElectionTimer);
  using T = std::tuple<int, MessageType, Term>;
  EXPECT_EQ(n.sent(), (std::vector<T>{{1, MessageType::RequestVote, 1}, {2, MessageType::RequestVote, 1}}));
  n.receive(3, reply(MessageType::RequestVoteReply, 1, true));  // a learner's vote (never sent) counts for nothing
  EXPECT_EQ(n->role(), Role::Candidate);
  n.receive(1, reply(MessageType::RequestVoteReply, 1, true));
  ASSERT_TRUE(n->is_leader());
  EXPECT_EQ(n.sent().size(), 4u);  // heartbeats go to learners too
  ASSERT_TRUE(n.client(7));
  n.receive(3, reply(MessageType::AppendEntriesReply, 1, true, 1));
  n.receive(4, reply(MessageType::AppendEntriesReply, 1, true, 1));
  EXPECT_EQ(n->commit_index(), 0u);  // two learners hold it: not committed
  n.receive(2, reply(MessageType::AppendEntriesReply, 1, true, 1));
  EXPECT_EQ(n->commit_index(), 1u);  // with one voter: 2 of 3 voters
}

// ---- back-off ----------------------------------------------------------------

TEST(RaftBackoff, EachFailedElectionWidensTheNextTimeout) {
  TestNode n(with_variants({"backoff"}));
  n.fire(Node::kElectionTimer);
  EXPECT_EQ(n.fx().backoff(Node::kElectionTimer), 0);  // the first election
  for (int failed = 1; failed <= 7; ++failed) {
    n.fire(Node::kElectionTimer);
    EXPECT_EQ(n->failed_elections(), failed);
    EXPECT_EQ(n.fx().backoff(Node::kElectionTimer), std::min(failed, 5));
  }
  n.receive(4, heartbeat(n->term()));
  EXPECT_EQ(n->failed_elections(), 0);
  EXPECT_EQ(n.fx().backoff(Node::kElectionTimer), 0);
}

TEST(RaftBackoff, WithoutTheVariantNoBackoffIsAskedFor) {
  TestNode n(Options{});
  for (int i = 0; i < 3; ++i) n.fire(Node::kElectionTimer);
  EXPECT_EQ(n.fx().backoff(Node::kElectionTimer), 0);
}

}  // namespace
}  // namespace skiff::raft

// ---- exploration -------------------------------------------------------------

namespace skiff {
namespace {

using Raft = raft::Protocol;
using RaftInvariants = invariants::RaftInvariants;

ExploreConfig config_for(int nodes, std::vector<std::string> variants, std::vector<std::string> bugs,
                         std::uint64_t runs) {
  ExploreConfig config;
  config.nodes = nodes;
  config.variants = std::move(variants);
  config.bugs = std::move(bugs);
  config.runs = runs;
  config.jobs = 2;
  return config;
}

// Every subset of the five variants, passive and learner with a node set
// that depends on the cluster size, at 3 and 5 nodes.
std::vector<std::vector<std::string>> every_combination(int nodes) {
  const char* passive = nodes == 3 ? "passive=2" : "passive=2,4";
  const char* learner = nodes == 3 ? "learner=3" : "learner=5";
  std::vector<std::vector<std::string>> combinations;
  for (unsigned mask = 0; mask < 32; ++mask) {
    std::vector<std::string> variants;
    if (mask & 1) variants.push_back("pre-vote");
    if (mask & 2) variants.push_back("check-quorum");
    if (mask & 4) variants.push_back(passive);
    if (mask & 8) variants.push_back(learner);
    if (mask & 16) variants.push_back("backoff");
    combinations.push_back(variants);
  }
  return combinations;
}

std::string joined(const std::vector<std::string>& items) {
  std::string out;
  for (const std::string& item : items) {
    if (!out.empty()) out += ' ';
    out += item;
  }
  return out.empty() ? "(none)" : out;
}

TEST(RaftVariantsExplore, EveryCombinationKeepsEverySafetyInvariant) {
  for (int nodes : {3, 5}) {
    for (const auto& variants : every_combination(nodes)) {
      const std::uint64_t runs = test_support::scaled_for_sanitizers(150);
      ExploreOutcome outcome = explore_seeds<Raft, RaftInvariants>(config_for(nodes, variants, {}, runs));
      EXPECT_EQ(outcome.runs, runs);
      EXPECT_TRUE(outcome.found.empty())
          << nodes << " nodes, variants " << joined(variants) << ": seed " << outcome.found[0].seed << ": "
          << outcome.found[0].violation.invariant << ": " << outcome.found[0].violation.explanation;
    }
  }
}

// The variants are exercised, not idle: with all of them on, leaders are
// elected after pre-votes, commands commit, and leaders step down by
// check-quorum.
TEST(RaftVariantsExplore, VariantRunsElectCommitAndStepDown) {
  raft::Options options;
  for (const char* spec : {"pre-vote", "check-quorum", "passive=2", "backoff"})
    ASSERT_EQ(options.enable_variant(spec, 3), "");
  Simulation<Raft, RaftInvariants> sim(3, options, Budgets{});
  std::vector<Event> events;
  int runs_with_commit = 0, step_downs = 0, pre_votes_delivered = 0;
  for (std::uint64_t seed = 1; seed <= 300; ++seed) {
    SeededChoices choices(seed);
    sim.reset();
    const Swarm swarm = draw_swarm(choices);
    while (auto event = choose_event(sim.world(), choices, swarm)) {
      const bool was_leader = event->kind == EventKind::Timer && sim.world().node(event->node).is_leader();
      if (event->kind == EventKind::Deliver) {
        const int i = sim.world().find(event->message);
        if (sim.world().in_flight()[std::size_t(i)].message.type == raft::MessageType::PreVote)
          ++pre_votes_delivered;
      }
      ASSERT_FALSE(sim.step(*event)) << "seed " << seed;
      if (was_leader && event->timer == raft::Node::kCheckQuorumTimer && !sim.world().node(event->node).is_leader())
        ++step_downs;
      EXPECT_FALSE(sim.world().node(1).is_leader()) << "passive node 2 leads, seed " << seed;
    }
    for (int i = 0; i < 3; ++i)
      if (sim.world().node(NodeIndex(i)).commit_index() > 0) {
        ++runs_with_commit;
        break;
      }
  }
  EXPECT_GT(runs_with_commit, 50);
  EXPECT_GT(step_downs, 20);
  EXPECT_GT(pre_votes_delivered, 300);
}

struct BugWithVariants {
  const char* bug;
  int nodes;
  std::vector<std::string> variants;
};

// Every seeded bug is still found with variants on (they change elections,
// not the rule each bug breaks). Each bug gets a set that, over all bugs,
// covers every variant. (Two combinations hide a bug: with learner=3 of 3
// nodes only two nodes vote, and commit-previous-term and
// up-to-date-by-index-only need a third voter to show.)
TEST(RaftVariantsExplore, SeededBugsAreStillFoundWithVariantsOn) {
  const std::vector<std::string> liveness = {"pre-vote", "check-quorum", "backoff"};
  const BugWithVariants bugs[] = {
      {"commit-previous-term", 3, {"check-quorum", "backoff"}},
      {"vote-without-log-check", 3, liveness},
      {"up-to-date-by-index-only", 3, {"check-quorum", "passive=2"}},
      {"forget-vote-on-restart", 3, liveness},
      {"truncate-on-stale-append", 3, liveness},
      {"commit-to-leader-commit", 3, liveness},
      {"count-duplicate-votes", 5, {"pre-vote", "passive=4,5"}},
      {"count-duplicate-votes", 5, {"check-quorum", "learner=5"}},
      {"accept-stale-vote-reply", 3, liveness},
  };
  for (const BugWithVariants& b : bugs) {
    ExploreOutcome outcome = explore_seeds<Raft, RaftInvariants>(config_for(b.nodes, b.variants, {b.bug}, 100000));
    EXPECT_EQ(outcome.found.size(), 1u) << b.bug << " not found in 100000 runs with " << joined(b.variants);
  }
}

// A trace of a run with variants names them in its header, and replays and
// shrinks with them.
TEST(RaftVariantsExplore, TracesCarryTheirVariants) {
  const std::vector<std::string> variants = {"pre-vote", "passive=3"};
  ExploreOutcome outcome =
      explore_seeds<Raft, RaftInvariants>(config_for(3, variants, {"vote-without-log-check"}, 100000));
  ASSERT_EQ(outcome.found.size(), 1u);
  const ProtocolDriver& driver = *find_protocol("raft");
  TraceHeader header{"raft", 3, {"vote-without-log-check"}, outcome.found[0].seed, Budgets{}};
  header.variants = variants;
  Trace full = driver.make_trace(header, outcome.found[0].events);
  const std::string text = format_trace(full);
  EXPECT_NE(text.find("\nbugs vote-without-log-check\nvariants pre-vote passive=3\nseed "), std::string::npos);
  Trace reread = parse_trace(text, "t.trace");
  EXPECT_EQ(reread.header.variants, variants);
  EXPECT_EQ(reread.header.variants_line, 5);
  ReplayReport report = driver.replay(reread, "t.trace", nullptr);
  ASSERT_FALSE(report.divergence) << report.divergence->reason;
  ASSERT_TRUE(report.violation);
  ShrinkStats stats;
  Trace shrunk = driver.shrink(reread, "t.trace", stats);
  ASSERT_TRUE(shrunk.violation);
  EXPECT_EQ(shrunk.header.variants, variants);
  // Without its variants the same events need not even replay: the variants matter.
  Trace without = shrunk;
  without.header.variants.clear();
  ReplayReport plain = driver.replay(without, "t.trace", nullptr);
  EXPECT_TRUE(plain.divergence || !plain.violation);
}

TEST(RaftVariantsTrace, ABadVariantNamesTheVariantsLine) {
  const std::string text =
      "skiff-trace 1\nprotocol raft\nnodes 3\nbugs -\nvariants pre-vote passive=7\nseed 1\n"
      "budgets steps=300 drops=30 duplicates=30 crashes=4 link-changes=10 commands=6\nevents\nno-violation\nend\n";
  Trace trace = parse_trace(text, "v.trace");
  EXPECT_EQ(trace.header.variants, (std::vector<std::string>{"pre-vote", "passive=7"}));
  try {
    find_protocol("raft")->replay(trace, "v.trace", nullptr);
    FAIL() << "expected an InputError";
  } catch (const InputError& e) {
    EXPECT_STREQ(e.what(), "v.trace:5: variant 'passive=7' names node 7, out of range (1 to 3)");
  }
  try {
    parse_trace("skiff-trace 1\nprotocol raft\nnodes 3\nbugs -\nvariants\nseed 1\n", "w.trace");
    FAIL() << "expected an InputError";
  } catch (const InputError& e) {
    EXPECT_STREQ(e.what(), "w.trace:5: 'variants' needs at least one variant");
  }
}

TEST(RaftVariantsTrace, PaxosHasNoVariants) {
  ExploreConfig config = config_for(3, {"pre-vote"}, {}, 1);
  try {
    find_protocol("paxos")->explore(config);
    FAIL() << "expected an InputError";
  } catch (const InputError& e) {
    EXPECT_STREQ(e.what(), "--variant: protocol paxos has no variants, not 'pre-vote'");
  }
}

}  // namespace
}  // namespace skiff
