// Unit tests of skiff::raft::Node against Figure 2 of the Raft paper
// (Ongaro & Ousterhout, "In Search of an Understandable Consensus Algorithm").
//
// RaftRule: one test per rule of Figure 2, each named after the rule and headed
//           by a brief quote of Figure 2's wording.
// RaftBug:  one test per seeded bug (raft_options.hpp): the same scenario as the
//           rule the bug names, with the bug enabled and the opposite outcome.
//
// Each test drives one Node directly through its handlers, as the world would:
// Effects::begin() before every handler, then the outbox holds what the node
// sent and the armed byte its timers (bit 0 election, bit 1 heartbeat).
// Unless a test says otherwise the cluster has 5 nodes (a majority is 3) and
// the node under test is node 0; its peers are 1..4.
#include <gtest/gtest.h>

#include <cstdint>
#include <initializer_list>
#include <optional>
#include <ostream>
#include <string>
#include <string_view>
#include <vector>

#include "protocols/raft/raft_node.hpp"

namespace skiff::raft {

// How GoogleTest prints what it compares (found by argument-dependent lookup).
static void PrintTo(const Entry& entry, std::ostream* os) {
  *os << entry.term << ':' << entry.command;
}
static void PrintTo(Role role, std::ostream* os) { *os << role_name(role); }

namespace {

constexpr int kNodes = 5;
constexpr NodeIndex kSelf = 0;
constexpr std::uint8_t kElectionBit = 1u << Node::kElectionTimer;
constexpr std::uint8_t kHeartbeatBit = 1u << Node::kHeartbeatTimer;

Options with_bug(std::string_view name) {
  Options options;
  EXPECT_TRUE(options.enable_bug(name)) << "no seeded bug named " << name;
  return options;
}

// ---------------------------------------------------------------------------
// Messages

Message request_vote(Term term, LogIndex last_log_index, Term last_log_term) {
  Message m;
  m.type = MessageType::RequestVote;
  m.term = term;
  m.last_log_index = last_log_index;
  m.last_log_term = last_log_term;
  return m;
}

Message vote_reply(Term term, bool granted) {
  Message m;
  m.type = MessageType::RequestVoteReply;
  m.term = term;
  m.success = granted;
  return m;
}

Message append_entries(Term term, LogIndex prev_index, Term prev_term,
                       std::initializer_list<Entry> entries = {}, LogIndex leader_commit = 0) {
  Message m;
  m.type = MessageType::AppendEntries;
  m.term = term;
  m.prev_log_index = prev_index;
  m.prev_log_term = prev_term;
  m.entries.assign(entries.begin(), entries.end());
  m.leader_commit = leader_commit;
  return m;
}

Message append_reply(Term term, bool success, LogIndex match_index) {
  Message m;
  m.type = MessageType::AppendEntriesReply;
  m.term = term;
  m.success = success;
  m.match_index = match_index;
  return m;
}

std::string show(const Message& m) {
  std::string out;
  m.print(out);
  return out;
}

// ---------------------------------------------------------------------------
// A node under test, with the effects and armed timers the world would give it.

class TestNode {
 public:
  explicit TestNode(Options options = {}, int node_count = kNodes)
      : node_(kSelf, node_count, options) {
    begin();
    node_.start(fx_);
  }

  void receive(NodeIndex from, const Message& message) {
    begin();
    node_.on_message(from, message, fx_);
  }
  void fire(TimerId timer) {
    begin();
    node_.on_timer(timer, fx_);
  }
  bool client(Command command) {
    begin();
    return node_.on_client_command(command, fx_);
  }
  void crash() {
    armed_ = 0;  // as the world does: a crashed node has no timers
    node_.crash();
  }
  void restart() {
    begin();
    node_.restart(fx_);
  }

  const Node* operator->() const { return &node_; }
  std::vector<Fx::Outgoing> sent() const { return {fx_.outbox().begin(), fx_.outbox().end()}; }
  std::uint8_t armed() const { return armed_; }
  bool election_armed() const { return armed_ & kElectionBit; }
  bool heartbeat_armed() const { return armed_ & kHeartbeatBit; }
  void disarm_timers() { armed_ = 0; }  // to see which handler arms them again

  std::vector<Entry> log() const { return {node_.log().begin(), node_.log().end()}; }
  std::vector<Command> applied() const { return {node_.applied().begin(), node_.applied().end()}; }

 private:
  void begin() { fx_.begin(&armed_); }

  Node node_;
  Fx fx_;
  std::uint8_t armed_ = 0;
};

// Delivers a request and returns the one reply the node sends back for it.
Message exchange(TestNode& n, NodeIndex from, const Message& request) {
  n.receive(from, request);
  const std::vector<Fx::Outgoing> sent = n.sent();
  EXPECT_EQ(sent.size(), 1u) << "expected exactly one reply to " << show(request);
  if (sent.size() != 1) return Message{};
  EXPECT_EQ(sent[0].to, from);
  return sent[0].message;
}

bool grants_vote(TestNode& n, NodeIndex candidate, const Message& request) {
  const Message reply = exchange(n, candidate, request);
  EXPECT_EQ(reply.type, MessageType::RequestVoteReply);
  return reply.success;
}

std::vector<NodeIndex> recipients(const std::vector<Fx::Outgoing>& sent) {
  std::vector<NodeIndex> to;
  for (const Fx::Outgoing& out : sent) to.push_back(out.to);
  return to;
}

const std::vector<NodeIndex> kPeers = {1, 2, 3, 4};

// ---------------------------------------------------------------------------
// Driving a node to a state

constexpr NodeIndex kOldLeader = 4;

// Makes the node a follower in `term` whose log is `log`, as if a leader of
// that term had just replicated it (nothing committed).
void follow(TestNode& n, Term term, std::initializer_list<Entry> log) {
  const Message reply = exchange(n, kOldLeader, append_entries(term, 0, 0, log));
  ASSERT_TRUE(reply.success);
  ASSERT_EQ(n->role(), Role::Follower);
  ASSERT_EQ(n->term(), term);
  ASSERT_EQ(n.log(), std::vector<Entry>(log));
}

// Makes the node a candidate of `term` (its log is left as it is).
void make_candidate(TestNode& n, Term term) {
  ASSERT_LT(n->term(), term);
  if (n->term() + 1 < term) n.receive(kOldLeader, append_entries(term - 1, 0, 0));  // a heartbeat
  n.fire(Node::kElectionTimer);
  ASSERT_EQ(n->role(), Role::Candidate);
  ASSERT_EQ(n->term(), term);
}

// Makes the node leader of `term` with the votes of nodes 1 and 2 (and its own).
void make_leader(TestNode& n, Term term) {
  make_candidate(n, term);
  n.receive(1, vote_reply(term, true));
  n.receive(2, vote_reply(term, true));
  ASSERT_EQ(n->role(), Role::Leader);
  ASSERT_EQ(n->term(), term);
}

// ===========================================================================
// Rules for Servers — All Servers

// "If RPC request or response contains term T > currentTerm: set currentTerm = T,
//  convert to follower (§5.1)." (A new term starts with votedFor = null.)
TEST(RaftRule, AllServersAdoptHigherTermFromRequest) {
  TestNode n;
  follow(n, 1, {{1, 10}});
  make_leader(n, 2);
  ASSERT_EQ(n->voted_for(), std::optional<NodeIndex>(kSelf));

  // A RequestVote of term 4 from a candidate whose log is behind: the vote is
  // denied, but the leader still adopts term 4 and steps down.
  const Message reply = exchange(n, 3, request_vote(4, 0, 0));
  EXPECT_EQ(n->term(), 4u);
  EXPECT_EQ(n->role(), Role::Follower);
  EXPECT_EQ(n->voted_for(), std::nullopt);
  EXPECT_FALSE(reply.success);
  EXPECT_EQ(reply.term, 4u);
  EXPECT_TRUE(n.election_armed());
  EXPECT_FALSE(n.heartbeat_armed());
}

TEST(RaftRule, AllServersAdoptHigherTermFromResponse) {
  {  // a leader reading an AppendEntries reply of a later term
    TestNode n;
    make_leader(n, 2);
    n.receive(3, append_reply(5, false, 0));
    EXPECT_EQ(n->term(), 5u);
    EXPECT_EQ(n->role(), Role::Follower);
    EXPECT_EQ(n->voted_for(), std::nullopt);
    EXPECT_TRUE(n.sent().empty());
    EXPECT_TRUE(n.election_armed());
    EXPECT_FALSE(n.heartbeat_armed());
  }
  {  // a candidate reading a vote reply of a later term
    TestNode n;
    make_candidate(n, 2);
    n.receive(1, vote_reply(3, false));
    EXPECT_EQ(n->term(), 3u);
    EXPECT_EQ(n->role(), Role::Follower);
    EXPECT_EQ(n->voted_for(), std::nullopt);
  }
}

// "If commitIndex > lastApplied: increment lastApplied, apply log[lastApplied]
//  to state machine (§5.3)."
TEST(RaftRule, AllServersApplyCommittedEntriesInOrder) {
  TestNode n;
  follow(n, 1, {{1, 10}, {1, 11}, {1, 12}});
  EXPECT_EQ(n->commit_index(), 0u);
  EXPECT_TRUE(n.applied().empty());

  n.receive(kOldLeader, append_entries(1, 3, 1, {}, /*leader_commit=*/2));
  EXPECT_EQ(n->commit_index(), 2u);
  EXPECT_EQ(n.applied(), (std::vector<Command>{10, 11}));

  n.receive(kOldLeader, append_entries(1, 3, 1, {}, /*leader_commit=*/3));
  EXPECT_EQ(n->commit_index(), 3u);
  EXPECT_EQ(n.applied(), (std::vector<Command>{10, 11, 12}));
}

// ===========================================================================
// Rules for Servers — Followers

// "If election timeout elapses without receiving AppendEntries RPC from current
//  leader or granting vote to candidate: convert to candidate."
TEST(RaftRule, FollowerElectionTimeoutConvertsToCandidate) {
  TestNode n;
  EXPECT_EQ(n.armed(), kElectionBit);  // start() arms the election timer only
  EXPECT_EQ(n->role(), Role::Follower);
  n.fire(Node::kElectionTimer);
  EXPECT_EQ(n->role(), Role::Candidate);
  EXPECT_EQ(n->term(), 1u);
}

// The election timer is (re)armed by an AppendEntries from the current leader
// and by granting a vote, and not by a vote the follower denies.
TEST(RaftRule, FollowerResetsElectionTimerOnAppendEntriesOrGrantedVote) {
  TestNode n;
  follow(n, 1, {{1, 10}});

  n.disarm_timers();
  n.receive(kOldLeader, append_entries(1, 1, 1));
  EXPECT_EQ(n.armed(), kElectionBit);

  // Votes within term 1, so that no change of term arms the timer instead.
  n.disarm_timers();
  EXPECT_TRUE(grants_vote(n, 1, request_vote(1, 1, 1)));
  EXPECT_EQ(n.armed(), kElectionBit);

  n.disarm_timers();
  EXPECT_FALSE(grants_vote(n, 2, request_vote(1, 1, 1)));  // already voted for 1
  EXPECT_EQ(n.armed(), 0);
}

// ===========================================================================
// Rules for Servers — Candidates

// "On conversion to candidate, start election: increment currentTerm, vote for
//  self, reset election timer, send RequestVote RPCs to all other servers."
TEST(RaftRule, CandidateStartsElectionOnConversion) {
  TestNode n;
  follow(n, 2, {{1, 10}, {2, 20}});
  n.disarm_timers();
  n.fire(Node::kElectionTimer);

  EXPECT_EQ(n->role(), Role::Candidate);
  EXPECT_EQ(n->term(), 3u);
  EXPECT_EQ(n->voted_for(), std::optional<NodeIndex>(kSelf));
  EXPECT_EQ(n.armed(), kElectionBit);
  const std::vector<Fx::Outgoing> sent = n.sent();
  EXPECT_EQ(recipients(sent), kPeers);
  for (const Fx::Outgoing& out : sent) {
    EXPECT_EQ(out.message.type, MessageType::RequestVote) << show(out.message);
    EXPECT_EQ(out.message.term, 3u);
    EXPECT_EQ(out.message.last_log_index, 2u);
    EXPECT_EQ(out.message.last_log_term, 2u);
  }
}

// Scenario: a candidate of term 1 in 5 nodes has its own vote and receives a
// granted vote from node 1 twice (a duplicated message).
TestNode candidate_with_duplicated_vote(const Options& options) {
  TestNode n(options);
  make_candidate(n, 1);
  n.receive(1, vote_reply(1, true));
  n.receive(1, vote_reply(1, true));
  return n;
}

// "If votes received from majority of servers: become leader." A majority of
// servers means distinct voters: a duplicated vote counts once.
TEST(RaftRule, CandidateBecomesLeaderOnVotesFromMajorityOfDistinctServers) {
  TestNode n = candidate_with_duplicated_vote({});
  EXPECT_EQ(n->role(), Role::Candidate);  // nodes 0 and 1: 2 of 5

  n.receive(3, vote_reply(1, false));  // a denied vote does not count either
  EXPECT_EQ(n->role(), Role::Candidate);

  n.receive(2, vote_reply(1, true));  // nodes 0, 1 and 2: 3 of 5
  EXPECT_EQ(n->role(), Role::Leader);
  EXPECT_EQ(n->term(), 1u);
}

// Scenario: a candidate of term 1 times out into term 2, then receives votes
// granted in term 1 from nodes 1 and 2.
TestNode candidate_with_stale_votes(const Options& options) {
  TestNode n(options);
  make_candidate(n, 1);
  n.fire(Node::kElectionTimer);  // term 2
  n.receive(1, vote_reply(1, true));
  n.receive(2, vote_reply(1, true));
  return n;
}

// Votes are for the candidate's current term: a vote granted in an earlier term
// is not a vote in this election.
TEST(RaftRule, CandidateDoesNotCountVoteReplyOfEarlierTerm) {
  TestNode n = candidate_with_stale_votes({});
  EXPECT_EQ(n->role(), Role::Candidate);
  EXPECT_EQ(n->term(), 2u);
}

// "If AppendEntries RPC received from new leader: convert to follower."
TEST(RaftRule, CandidateConvertsToFollowerOnAppendEntriesFromCurrentLeader) {
  TestNode n;
  make_candidate(n, 2);
  const Message reply = exchange(n, 3, append_entries(2, 0, 0, {{2, 30}}));
  EXPECT_EQ(n->role(), Role::Follower);
  EXPECT_EQ(n->term(), 2u);
  EXPECT_EQ(n->voted_for(), std::optional<NodeIndex>(kSelf));  // same term: the vote stands
  EXPECT_TRUE(reply.success);
  EXPECT_EQ(n.log(), (std::vector<Entry>{{2, 30}}));
  EXPECT_TRUE(n.election_armed());

  // A vote arriving late no longer makes it leader.
  n.receive(1, vote_reply(2, true));
  n.receive(2, vote_reply(2, true));
  EXPECT_EQ(n->role(), Role::Follower);
}

// "If election timeout elapses: start new election."
TEST(RaftRule, CandidateElectionTimeoutStartsNewElection) {
  TestNode n;
  make_candidate(n, 1);
  n.receive(1, vote_reply(1, true));
  n.fire(Node::kElectionTimer);

  EXPECT_EQ(n->role(), Role::Candidate);
  EXPECT_EQ(n->term(), 2u);
  EXPECT_EQ(n->voted_for(), std::optional<NodeIndex>(kSelf));
  EXPECT_TRUE(n.election_armed());
  const std::vector<Fx::Outgoing> sent = n.sent();
  EXPECT_EQ(recipients(sent), kPeers);
  for (const Fx::Outgoing& out : sent) {
    EXPECT_EQ(out.message.type, MessageType::RequestVote);
    EXPECT_EQ(out.message.term, 2u);
  }

  // The votes of term 1 are gone: node 1's vote is needed again.
  n.receive(2, vote_reply(2, true));
  EXPECT_EQ(n->role(), Role::Candidate);
  n.receive(3, vote_reply(2, true));
  EXPECT_EQ(n->role(), Role::Leader);
}

// ===========================================================================
// Rules for Servers — Leaders

// "Upon election: send initial empty AppendEntries RPCs (heartbeat) to each
//  server." nextIndex is initialised to last log index + 1, matchIndex to 0.
TEST(RaftRule, LeaderSendsEmptyAppendEntriesUponElection) {
  TestNode n;
  follow(n, 1, {{1, 10}});
  make_candidate(n, 2);
  n.receive(1, vote_reply(2, true));
  n.receive(2, vote_reply(2, true));  // the winning vote

  ASSERT_EQ(n->role(), Role::Leader);
  EXPECT_EQ(n.armed(), kHeartbeatBit);  // election timer cancelled, heartbeat armed
  const std::vector<Fx::Outgoing> sent = n.sent();
  EXPECT_EQ(recipients(sent), kPeers);
  for (const Fx::Outgoing& out : sent) {
    EXPECT_EQ(out.message.type, MessageType::AppendEntries) << show(out.message);
    EXPECT_EQ(out.message.term, 2u);
    EXPECT_EQ(out.message.prev_log_index, 1u);
    EXPECT_EQ(out.message.prev_log_term, 1u);
    EXPECT_TRUE(out.message.entries.empty());
    EXPECT_EQ(out.message.leader_commit, 0u);
  }
  for (NodeIndex peer : kPeers) {
    EXPECT_EQ(n->next_index(peer), 2u);
    EXPECT_EQ(n->match_index(peer), 0u);
  }
}

// "... repeat during idle periods to prevent election timeouts (§5.2)."
TEST(RaftRule, LeaderHeartbeatTimerSendsEmptyAppendEntries) {
  TestNode n;
  make_leader(n, 1);
  ASSERT_TRUE(n.client(10));
  n.fire(Node::kHeartbeatTimer);

  const std::vector<Fx::Outgoing> sent = n.sent();
  EXPECT_EQ(recipients(sent), kPeers);
  for (const Fx::Outgoing& out : sent) {
    EXPECT_EQ(out.message.type, MessageType::AppendEntries);
    EXPECT_EQ(out.message.term, 1u);
    EXPECT_EQ(out.message.prev_log_index, 0u);  // nextIndex is still 1
    EXPECT_TRUE(out.message.entries.empty());
  }
  EXPECT_EQ(n.armed(), kHeartbeatBit);
  EXPECT_EQ(n->role(), Role::Leader);
}

// "If command received from client: append entry to local log ..." and "If last
// log index >= nextIndex for a follower: send AppendEntries RPC with log entries
// starting at nextIndex."
TEST(RaftRule, LeaderAppendsClientCommandAndSendsIt) {
  TestNode n;
  follow(n, 1, {{1, 10}});
  make_leader(n, 2);
  EXPECT_TRUE(n.client(42));

  EXPECT_EQ(n.log(), (std::vector<Entry>{{1, 10}, {2, 42}}));
  EXPECT_EQ(n->commit_index(), 0u);  // not before a majority holds it
  const std::vector<Fx::Outgoing> sent = n.sent();
  EXPECT_EQ(recipients(sent), kPeers);
  for (const Fx::Outgoing& out : sent) {
    EXPECT_EQ(out.message.type, MessageType::AppendEntries);
    EXPECT_EQ(out.message.term, 2u);
    EXPECT_EQ(out.message.prev_log_index, 1u);
    EXPECT_EQ(out.message.prev_log_term, 1u);
    EXPECT_EQ(std::vector<Entry>(out.message.entries.begin(), out.message.entries.end()),
              (std::vector<Entry>{{2, 42}}));
  }
}

// Only a leader takes client commands (others would redirect the client).
TEST(RaftRule, NonLeaderRejectsClientCommand) {
  TestNode follower;
  EXPECT_FALSE(follower.client(7));
  EXPECT_TRUE(follower.log().empty());
  EXPECT_TRUE(follower.sent().empty());

  TestNode candidate;
  make_candidate(candidate, 1);
  EXPECT_FALSE(candidate.client(7));
  EXPECT_TRUE(candidate.log().empty());
  EXPECT_TRUE(candidate.sent().empty());
}

// "If successful: update nextIndex and matchIndex for follower (§5.3)."
TEST(RaftRule, LeaderAdvancesMatchAndNextIndexOnSuccess) {
  TestNode n;
  make_leader(n, 1);
  ASSERT_TRUE(n.client(10));
  ASSERT_TRUE(n.client(11));

  n.receive(1, append_reply(1, true, 2));  // node 1 holds both entries
  EXPECT_EQ(n->match_index(1), 2u);
  EXPECT_EQ(n->next_index(1), 3u);
  EXPECT_TRUE(n.sent().empty());  // nothing left to send it

  n.receive(2, append_reply(1, true, 1));  // node 2 holds only the first
  EXPECT_EQ(n->match_index(2), 1u);
  EXPECT_EQ(n->next_index(2), 2u);
  const std::vector<Fx::Outgoing> sent = n.sent();  // so the rest is sent on
  ASSERT_EQ(sent.size(), 1u);
  EXPECT_EQ(sent[0].to, 2);
  EXPECT_EQ(sent[0].message.prev_log_index, 1u);
  EXPECT_EQ(std::vector<Entry>(sent[0].message.entries.begin(), sent[0].message.entries.end()),
            (std::vector<Entry>{{1, 11}}));

  n.receive(1, append_reply(1, true, 1));  // a late reply does not move matchIndex back
  EXPECT_EQ(n->match_index(1), 2u);
  EXPECT_EQ(n->next_index(1), 3u);
}

// "If AppendEntries fails because of log inconsistency: decrement nextIndex and
//  retry (§5.3)."
TEST(RaftRule, LeaderDecrementsNextIndexAndRetriesOnFailure) {
  TestNode n;
  follow(n, 1, {{1, 10}, {1, 11}});
  make_leader(n, 2);
  ASSERT_EQ(n->next_index(1), 3u);

  n.receive(1, append_reply(2, false, 2));  // node 1 has no entry 2 of term 1
  EXPECT_EQ(n->next_index(1), 2u);
  std::vector<Fx::Outgoing> sent = n.sent();
  ASSERT_EQ(sent.size(), 1u);
  EXPECT_EQ(sent[0].to, 1);
  EXPECT_EQ(sent[0].message.type, MessageType::AppendEntries);
  EXPECT_EQ(sent[0].message.prev_log_index, 1u);
  EXPECT_EQ(sent[0].message.prev_log_term, 1u);
  EXPECT_EQ(std::vector<Entry>(sent[0].message.entries.begin(), sent[0].message.entries.end()),
            (std::vector<Entry>{{1, 11}}));

  n.receive(1, append_reply(2, false, 1));  // nor entry 1
  EXPECT_EQ(n->next_index(1), 1u);
  sent = n.sent();
  ASSERT_EQ(sent.size(), 1u);
  EXPECT_EQ(sent[0].message.prev_log_index, 0u);
  EXPECT_EQ(sent[0].message.prev_log_term, 0u);
  EXPECT_EQ(std::vector<Entry>(sent[0].message.entries.begin(), sent[0].message.entries.end()),
            (std::vector<Entry>{{1, 10}, {1, 11}}));

  n.receive(1, append_reply(2, true, 2));
  EXPECT_EQ(n->match_index(1), 2u);
  EXPECT_EQ(n->next_index(1), 3u);
}

// "If there exists an N such that N > commitIndex, a majority of matchIndex[i] >= N,
//  and log[N].term == currentTerm: set commitIndex = N (§5.3, §5.4)."
TEST(RaftRule, LeaderCommitsCurrentTermEntryOnMajorityMatch) {
  TestNode n;
  make_leader(n, 1);
  ASSERT_TRUE(n.client(10));

  n.receive(1, append_reply(1, true, 1));  // nodes 0 and 1: 2 of 5
  EXPECT_EQ(n->commit_index(), 0u);
  EXPECT_TRUE(n.applied().empty());

  n.receive(2, append_reply(1, true, 1));  // nodes 0, 1 and 2: 3 of 5
  EXPECT_EQ(n->commit_index(), 1u);
  EXPECT_EQ(n.applied(), (std::vector<Command>{10}));

  n.fire(Node::kHeartbeatTimer);  // followers learn the new commitIndex
  for (const Fx::Outgoing& out : n.sent()) EXPECT_EQ(out.message.leader_commit, 1u);
}

// Scenario (Figure 8): node 0 holds [1:10] from term 1, becomes leader of term 2,
// and nodes 1, 2 and 3 report that they hold entry 1 (of term 1).
TestNode leader_with_replicated_earlier_term_entry(const Options& options) {
  TestNode n(options);
  follow(n, 1, {{1, 10}});
  make_leader(n, 2);
  for (NodeIndex peer : {1, 2, 3}) n.receive(peer, append_reply(2, true, 1));
  return n;
}

// §5.4.2, Figure 8: "Raft never commits log entries from previous terms by
// counting replicas" (the rule above requires log[N].term == currentTerm).
TEST(RaftRule, LeaderDoesNotCommitEarlierTermEntryByCountingReplicas) {
  TestNode n = leader_with_replicated_earlier_term_entry({});
  EXPECT_EQ(n->match_index(1), 1u);
  EXPECT_EQ(n->commit_index(), 0u);
  EXPECT_TRUE(n.applied().empty());
}

// "... once an entry from the current term has been committed, all prior entries
// are committed indirectly."
TEST(RaftRule, LeaderCommitsEarlierTermEntryBelowCommittedCurrentTermEntry) {
  TestNode n = leader_with_replicated_earlier_term_entry({});
  ASSERT_EQ(n->commit_index(), 0u);
  ASSERT_TRUE(n.client(20));  // entry 2, term 2

  n.receive(1, append_reply(2, true, 2));
  EXPECT_EQ(n->commit_index(), 0u);
  n.receive(2, append_reply(2, true, 2));
  EXPECT_EQ(n->commit_index(), 2u);
  EXPECT_EQ(n.applied(), (std::vector<Command>{10, 20}));
}

// ===========================================================================
// RequestVote RPC — receiver implementation

// "1. Reply false if term < currentTerm (§5.1)."
TEST(RaftRule, RequestVoteRejectsStaleTerm) {
  TestNode n;
  follow(n, 3, {});
  const Message reply = exchange(n, 1, request_vote(2, 5, 2));
  EXPECT_EQ(reply.type, MessageType::RequestVoteReply);
  EXPECT_FALSE(reply.success);
  EXPECT_EQ(reply.term, 3u);  // so the candidate can update itself
  EXPECT_EQ(n->term(), 3u);
  EXPECT_EQ(n->voted_for(), std::nullopt);
}

// "2. If votedFor is null or candidateId, and candidate's log is at least as
//  up-to-date as receiver's log, grant vote (§5.2, §5.4)."
TEST(RaftRule, RequestVoteGrantsWhenNotVotedAndLogUpToDate) {
  TestNode n;
  follow(n, 1, {{1, 10}});
  const Message reply = exchange(n, 1, request_vote(2, 1, 1));  // an equal log
  EXPECT_TRUE(reply.success);
  EXPECT_EQ(reply.term, 2u);
  EXPECT_EQ(n->voted_for(), std::optional<NodeIndex>(1));
  // votedFor == candidateId: a repeated request is granted again.
  EXPECT_TRUE(grants_vote(n, 1, request_vote(2, 1, 1)));
}

// Scenario: the voter's log ends 1:12 at index 3; the candidate's ends 2:_ at
// index 1 (a later last term but a shorter log).
bool grants_later_last_term_with_shorter_log(const Options& options) {
  TestNode n(options);
  follow(n, 1, {{1, 10}, {1, 11}, {1, 12}});
  return grants_vote(n, 1, request_vote(3, 1, 2));
}

// §5.4.1: "If the logs have last entries with different terms, then the log with
// the later term is more up-to-date."
TEST(RaftRule, RequestVoteHigherLastTermWinsEvenWithShorterLog) {
  EXPECT_TRUE(grants_later_last_term_with_shorter_log({}));
}

// Scenario: the voter's log ends 2:20 at index 2; the candidate's ends 1:_ at
// index 3 (an earlier last term but a longer log).
bool grants_earlier_last_term_with_longer_log(const Options& options) {
  TestNode n(options);
  follow(n, 2, {{1, 10}, {2, 20}});
  return grants_vote(n, 1, request_vote(3, 3, 1));
}

TEST(RaftRule, RequestVoteLowerLastTermLosesEvenWithLongerLog) {
  EXPECT_FALSE(grants_earlier_last_term_with_longer_log({}));
}

// Scenario: the voter's log is [1:10 1:11]; the candidate's ends 1:_ at index 1.
bool grants_same_last_term_with_shorter_log(const Options& options) {
  TestNode n(options);
  follow(n, 1, {{1, 10}, {1, 11}});
  return grants_vote(n, 1, request_vote(2, 1, 1));
}

// §5.4.1: "If the logs end with the same term, then whichever log is longer is
// more up-to-date."
TEST(RaftRule, RequestVoteSameLastTermShorterLogLoses) {
  EXPECT_FALSE(grants_same_last_term_with_shorter_log({}));
}

// votedFor must be null or candidateId: at most one candidate per term.
TEST(RaftRule, RequestVoteNeverGrantsTwoCandidatesInOneTerm) {
  TestNode n;
  EXPECT_TRUE(grants_vote(n, 1, request_vote(1, 0, 0)));
  EXPECT_FALSE(grants_vote(n, 2, request_vote(1, 0, 0)));
  EXPECT_EQ(n->voted_for(), std::optional<NodeIndex>(1));
  // In the next term the vote is free again.
  EXPECT_TRUE(grants_vote(n, 2, request_vote(2, 0, 0)));
  EXPECT_EQ(n->voted_for(), std::optional<NodeIndex>(2));

  // A candidate has voted for itself.
  TestNode candidate;
  make_candidate(candidate, 1);
  EXPECT_FALSE(grants_vote(candidate, 2, request_vote(1, 0, 0)));
  EXPECT_EQ(candidate->voted_for(), std::optional<NodeIndex>(kSelf));
}

// ===========================================================================
// AppendEntries RPC — receiver implementation

// "1. Reply false if term < currentTerm (§5.1)."
TEST(RaftRule, AppendEntriesRejectsStaleTerm) {
  TestNode n;
  follow(n, 3, {{3, 30}});
  n.disarm_timers();
  const Message reply = exchange(n, 1, append_entries(2, 0, 0, {{2, 20}}, 1));
  EXPECT_EQ(reply.type, MessageType::AppendEntriesReply);
  EXPECT_FALSE(reply.success);
  EXPECT_EQ(reply.term, 3u);
  EXPECT_EQ(n.log(), (std::vector<Entry>{{3, 30}}));
  EXPECT_EQ(n->commit_index(), 0u);
  EXPECT_EQ(n.armed(), 0);  // not from the current leader: no timer reset

  TestNode leader;  // a stale leader does not unseat the current one
  make_leader(leader, 3);
  EXPECT_FALSE(exchange(leader, 1, append_entries(2, 0, 0)).success);
  EXPECT_EQ(leader->role(), Role::Leader);
}

// "2. Reply false if log doesn't contain an entry at prevLogIndex whose term
//  matches prevLogTerm (§5.3)."
TEST(RaftRule, AppendEntriesRejectsMissingOrMismatchedPrevEntry) {
  TestNode n;
  follow(n, 1, {{1, 10}});

  Message reply = exchange(n, 1, append_entries(2, 2, 1, {{2, 20}}));  // no entry 2
  EXPECT_FALSE(reply.success);
  EXPECT_EQ(reply.match_index, 2u);
  EXPECT_EQ(n.log(), (std::vector<Entry>{{1, 10}}));

  reply = exchange(n, 1, append_entries(2, 1, 2, {{2, 20}}));  // entry 1 has term 1
  EXPECT_FALSE(reply.success);
  EXPECT_EQ(reply.match_index, 1u);
  EXPECT_EQ(n.log(), (std::vector<Entry>{{1, 10}}));

  reply = exchange(n, 1, append_entries(2, 1, 1, {{2, 20}}));  // matches
  EXPECT_TRUE(reply.success);
  EXPECT_EQ(reply.match_index, 2u);
  EXPECT_EQ(n.log(), (std::vector<Entry>{{1, 10}, {2, 20}}));
}

// "3. If an existing entry conflicts with a new one (same index but different
//  terms), delete the existing entry and all that follow it (§5.3).
//  4. Append any new entries not already in the log."
TEST(RaftRule, AppendEntriesDeletesConflictingEntryAndAllThatFollow) {
  TestNode n;
  follow(n, 1, {{1, 10}, {1, 11}, {1, 12}});
  const Message reply = exchange(n, 1, append_entries(2, 1, 1, {{2, 20}}));
  EXPECT_TRUE(reply.success);
  EXPECT_EQ(reply.match_index, 2u);
  EXPECT_EQ(n.log(), (std::vector<Entry>{{1, 10}, {2, 20}}));

  // Entries already present are not appended twice; new ones are.
  EXPECT_TRUE(exchange(n, 1, append_entries(2, 0, 0, {{1, 10}, {2, 20}, {2, 21}})).success);
  EXPECT_EQ(n.log(), (std::vector<Entry>{{1, 10}, {2, 20}, {2, 21}}));
}

// Scenario: a follower holds [1:10 1:11 1:12] from the leader of term 1, then a
// delayed, shorter AppendEntries from that same leader arrives (prev=0, [1:10]).
TestNode follower_after_stale_shorter_append(const Options& options) {
  TestNode n(options);
  follow(n, 1, {{1, 10}, {1, 11}, {1, 12}});
  const Message reply = exchange(n, kOldLeader, append_entries(1, 0, 0, {{1, 10}}));
  EXPECT_TRUE(reply.success);
  EXPECT_EQ(reply.match_index, 1u);
  return n;
}

// Rule 3 deletes entries only on a conflict: entries that match are kept, or a
// reordered request would erase entries the leader may already count as stored.
TEST(RaftRule, AppendEntriesKeepsMatchingEntriesOnStaleShorterRequest) {
  TestNode n = follower_after_stale_shorter_append({});
  EXPECT_EQ(n.log(), (std::vector<Entry>{{1, 10}, {1, 11}, {1, 12}}));
}

// Scenario: a follower holds [1:10 1:11 1:12] from the leader of term 1, none
// committed; the new leader of term 2 matches it at index 1 only and sends an
// empty AppendEntries with prev=1/1 and leaderCommit=3.
TestNode follower_after_heartbeat_with_commit_beyond_match(const Options& options) {
  TestNode n(options);
  follow(n, 1, {{1, 10}, {1, 11}, {1, 12}});
  EXPECT_TRUE(exchange(n, 1, append_entries(2, 1, 1, {}, /*leader_commit=*/3)).success);
  return n;
}

// "5. If leaderCommit > commitIndex, set commitIndex = min(leaderCommit, index
//  of last new entry)."
TEST(RaftRule, AppendEntriesSetsCommitIndexToMinOfLeaderCommitAndLastNewEntry) {
  {  // leaderCommit beyond the last new entry: entries 2 and 3 are not known to match
    TestNode n = follower_after_heartbeat_with_commit_beyond_match({});
    EXPECT_EQ(n->commit_index(), 1u);
    EXPECT_EQ(n.applied(), (std::vector<Command>{10}));
  }
  {  // leaderCommit below the last new entry
    TestNode n;
    EXPECT_TRUE(exchange(n, 1, append_entries(1, 0, 0, {{1, 10}, {1, 11}, {1, 12}}, 2)).success);
    EXPECT_EQ(n->commit_index(), 2u);
    EXPECT_EQ(n.applied(), (std::vector<Command>{10, 11}));
    // leaderCommit <= commitIndex: commitIndex does not move back.
    EXPECT_TRUE(exchange(n, 1, append_entries(1, 3, 1, {}, 1)).success);
    EXPECT_EQ(n->commit_index(), 2u);
    // Nor when the last new entry is below it (a delayed, shorter request):
    // taken literally, min(3, 1) would lower commitIndex to 1.
    EXPECT_TRUE(exchange(n, 1, append_entries(1, 1, 1, {}, 3)).success);
    EXPECT_EQ(n->commit_index(), 2u);
    EXPECT_EQ(n.applied(), (std::vector<Command>{10, 11}));
  }
}

// ===========================================================================
// Persistent state: "Updated on stable storage before responding to RPCs"

// currentTerm, votedFor and log[] are persistent; commitIndex, lastApplied and
// the leader's state are volatile.
TEST(RaftRule, CrashKeepsPersistentStateAndLosesVolatileState) {
  TestNode n;
  make_leader(n, 2);
  ASSERT_TRUE(n.client(10));
  n.receive(1, append_reply(2, true, 1));
  n.receive(2, append_reply(2, true, 1));
  ASSERT_EQ(n->commit_index(), 1u);

  n.crash();
  EXPECT_EQ(n->term(), 2u);
  EXPECT_EQ(n->voted_for(), std::optional<NodeIndex>(kSelf));
  EXPECT_EQ(n.log(), (std::vector<Entry>{{2, 10}}));
  EXPECT_EQ(n->role(), Role::Follower);
  EXPECT_EQ(n->commit_index(), 0u);
  EXPECT_TRUE(n.applied().empty());

  n.restart();
  EXPECT_EQ(n.armed(), kElectionBit);
  EXPECT_TRUE(n.sent().empty());
  EXPECT_FALSE(n.client(11));  // no longer leader

  // The new leader's commitIndex brings it back.
  n.receive(1, append_entries(3, 1, 2, {}, 1));
  EXPECT_EQ(n->commit_index(), 1u);
  EXPECT_EQ(n.applied(), (std::vector<Command>{10}));
}

// Scenario: the node votes for node 1 in term 2, crashes, restarts, and node 2
// asks for its vote in term 2. Returns whether it grants it.
bool grants_second_vote_after_restart(const Options& options) {
  TestNode n(options);
  EXPECT_TRUE(grants_vote(n, 1, request_vote(2, 0, 0)));
  n.crash();
  n.restart();
  return grants_vote(n, 2, request_vote(2, 0, 0));
}

// votedFor is persistent, so a restarted node cannot vote twice in a term.
TEST(RaftRule, RestartedNodeRemembersItsVote) {
  EXPECT_FALSE(grants_second_vote_after_restart({}));
}

// ===========================================================================
// Seeded bugs: each breaks exactly the rule it names.

TEST(RaftBug, AllSeededBugsAreKnown) {
  EXPECT_EQ(bug_table().size(), std::size_t(Bug::Count));
  EXPECT_EQ(bug_table().size(), 22u);  // 16, four of membership changes and transfer, two of snapshots
  Options options;
  EXPECT_FALSE(options.enable_bug("no-such-bug"));
  EXPECT_EQ(options.bugs, 0u);
}

// vs RaftRule.LeaderDoesNotCommitEarlierTermEntryByCountingReplicas
TEST(RaftBug, CommitPreviousTermCommitsEarlierTermEntryByCountingReplicas) {
  TestNode n = leader_with_replicated_earlier_term_entry(with_bug("commit-previous-term"));
  EXPECT_EQ(n->commit_index(), 1u);
  EXPECT_EQ(n.applied(), (std::vector<Command>{10}));
}

// vs RaftRule.RequestVoteSameLastTermShorterLogLoses
TEST(RaftBug, VoteWithoutLogCheckGrantsShorterLog) {
  EXPECT_TRUE(grants_same_last_term_with_shorter_log(with_bug("vote-without-log-check")));
}

// vs RaftRule.RequestVoteHigherLastTermWinsEvenWithShorterLog
TEST(RaftBug, UpToDateByIndexOnlyRejectsHigherLastTermWithShorterLog) {
  EXPECT_FALSE(grants_later_last_term_with_shorter_log(with_bug("up-to-date-by-index-only")));
}

// vs RaftRule.RequestVoteLowerLastTermLosesEvenWithLongerLog
TEST(RaftBug, UpToDateByIndexOnlyGrantsLowerLastTermWithLongerLog) {
  EXPECT_TRUE(grants_earlier_last_term_with_longer_log(with_bug("up-to-date-by-index-only")));
}

// vs RaftRule.RestartedNodeRemembersItsVote
TEST(RaftBug, ForgetVoteOnRestartVotesTwiceInOneTerm) {
  EXPECT_TRUE(grants_second_vote_after_restart(with_bug("forget-vote-on-restart")));
}

// vs RaftRule.AppendEntriesKeepsMatchingEntriesOnStaleShorterRequest
TEST(RaftBug, TruncateOnStaleAppendDropsMatchingEntries) {
  TestNode n = follower_after_stale_shorter_append(with_bug("truncate-on-stale-append"));
  EXPECT_EQ(n.log(), (std::vector<Entry>{{1, 10}}));
}

// vs RaftRule.AppendEntriesSetsCommitIndexToMinOfLeaderCommitAndLastNewEntry
TEST(RaftBug, CommitToLeaderCommitCommitsUnmatchedEntries) {
  TestNode n =
      follower_after_heartbeat_with_commit_beyond_match(with_bug("commit-to-leader-commit"));
  EXPECT_EQ(n->commit_index(), 3u);
  EXPECT_EQ(n.applied(), (std::vector<Command>{10, 11, 12}));
}

// vs RaftRule.CandidateBecomesLeaderOnVotesFromMajorityOfDistinctServers
TEST(RaftBug, CountDuplicateVotesWinsWithDuplicatedVote) {
  TestNode n = candidate_with_duplicated_vote(with_bug("count-duplicate-votes"));
  EXPECT_EQ(n->role(), Role::Leader);  // nodes 0 and 1 only, 1 counted twice
}

// vs RaftRule.CandidateDoesNotCountVoteReplyOfEarlierTerm
TEST(RaftBug, AcceptStaleVoteReplyWinsWithVotesOfEarlierTerm) {
  TestNode n = candidate_with_stale_votes(with_bug("accept-stale-vote-reply"));
  EXPECT_EQ(n->role(), Role::Leader);
  EXPECT_EQ(n->term(), 2u);
}

}  // namespace
}  // namespace skiff::raft
