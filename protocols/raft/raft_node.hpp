// A Raft node exactly as in Figure 2 of the Raft paper (Ongaro & Ousterhout,
// 2014), as a pure state machine: no I/O, no clock. Timers are armed or
// cancelled and the world decides when an armed timer fires.
//
// What a node must persist (currentTerm, votedFor, log) lives in Durable;
// everything else lives in Volatile and is lost by crash().
//
// Variants (raft_options.hpp), none of which changes what a node does without
// them:
// - pre-vote: when its election timer fires, a node first becomes a
//   pre-candidate and sends PreVote for term+1 without raising its own term;
//   only with a majority of granted pre-votes does it start a real election.
//   A node grants a pre-vote if it votes, is not leader, has not heard from a
//   leader of its term since its election timer last fired, the term asked
//   about is above its own and the asker's log is up to date. A pre-vote
//   request, and a granted reply, change nobody's term.
// - check-quorum: a leader arms a check-quorum timer; when it fires, the
//   leader steps down (same term) unless it received a message of its term
//   from a majority (itself included) since it last fired.
// - passive / learner nodes never start an election: their election timer
//   firing only records that no leader was heard, then is cancelled until a
//   leader is heard again. Learners also never vote and count in no majority.
// - backoff: a node counts the elections it started that failed (its
//   election timer fired again before it won or heard a leader) and arms its
//   election timer with that count (capped at 5) as the back-off exponent.
// - spare: these nodes start outside the cluster's configuration.
//
// Membership changes (Raft thesis, chapter 4: single-server changes). The
// cluster's configuration (voters and learners; every other node is outside
// it) is the boot configuration of the options (all nodes but learners and
// spares vote), until the log holds a configuration entry: then a node uses
// the LATEST configuration entry in its log, committed or not; it takes
// effect when appended, and a node whose log loses it (a conflicting
// AppendEntries) goes back to the one before. A leader accepts an
// administrative command (add-voter, add-learner, promote, remove) only
//   - if an entry of its own term is committed (the 2015 fix: a new leader
//     might otherwise hold an older uncommitted change of which it knows
//     nothing, and the two changes could have disjoint majorities), and
//   - if its latest configuration entry is committed (at most one change is
//     uncommitted at a time, so any two consecutive configurations differ by
//     one node and their majorities overlap),
// and not while it transfers leadership. The change is one entry, appended
// and replicated like any other. Everything that counts a majority counts it
// among the voters of the node's configuration: votes (a candidate asks
// only those), commitment (the leader counts itself only if it is one of
// them), pre-votes and check-quorum. Nodes vote when asked, whatever their
// own configuration (a node just added may not know it yet). Only a voter of
// its own configuration that is not passive stands for election. A leader
// replicates to the members of its configuration. A leader that removed
// itself leads until that change is committed, then steps down.
//
// Every server a cluster ever had is a node of its own: a node number names
// one server for the whole run, and a removed server's number is never given
// to another. So replacing every server of a five-voter cluster takes ten
// nodes, and Raft runs up to ten (kMaxNodes; node sets are NodeBits, 16 bits;
// the model checker still takes at most seven, kMaxCheckedNodes). The other
// way, a "new incarnation" of a removed server's slot (a wiped server with
// the same number), would be unsound unless votes, messages, configurations
// and every per-node ghost of the invariants carried an incarnation: a vote
// recorded for "node 2 in term 7" would count for both incarnations, the old
// one's replies still in flight would be taken for the new one's
// (match_index it never held), and per-node invariants (term never
// decreases, one vote per term, committed is durable) would see one server's
// state jump back to a fresh boot's. Ten nodes cost none of that and left the
// explore loop's speed unchanged (BENCHMARKS.md, "Ten nodes").
//
// Leadership transfer (thesis, section 3.10): `transfer N` to a leader that is
// not transferring, N a voter of its configuration other than itself. The
// leader stops accepting client commands and membership changes, brings N's
// log up to its own (AppendEntries), then sends it TimeoutNow; N, if it still
// is in that term and may stand, starts an election at once (without a
// pre-vote round). The transfer ends when the leader steps down, or when its
// transfer timer (armed when it began; an election timeout) fires.
//
// Snapshots (Raft paper, section 7 and Figure 13). `snapshot` on any node
// with applied entries beyond its snapshot compacts its applied prefix: the
// snapshot holds the last included index and term, the state machine's state
// (the applied commands) and the configuration in effect at that index; the
// log keeps only the entries after it (log() is that suffix, and
// log_first_index() the number of entries compacted before it). The snapshot
// is durable: a crash keeps it and the suffix, and a restarted node's state
// machine and commit index start from it. A leader whose next entry for a
// follower is at or below its snapshot's last index sends InstallSnapshot
// instead of AppendEntries. A follower (stale terms refused as for
// AppendEntries) ignores a snapshot no newer than its commit index
// (replying that it holds it); otherwise, if its entry at the last included
// index has the last included term it keeps the entries after it, else it
// discards its whole log; it takes the snapshot's state and configuration,
// its commit index becomes at least the last included index, and it
// replies success with that index. Only runs with a snapshot budget take
// snapshots, so runs without one are unchanged.
#pragma once

#include <array>
#include <optional>
#include <span>
#include <string>

#include "protocols/log_writes.hpp"
#include "protocols/protocol.hpp"
#include "protocols/state_encoder.hpp"
#include "protocols/raft/raft_message.hpp"
#include "protocols/raft/raft_options.hpp"

namespace skiff::raft {

enum class Role : std::uint8_t { Follower, Candidate, Leader, PreCandidate };
std::string_view role_name(Role role);

using Log = boost::container::small_vector<Entry, 16>;
using Fx = Effects<Message>;

class Node {
 public:
  static constexpr TimerId kElectionTimer = 0;
  static constexpr TimerId kHeartbeatTimer = 1;
  static constexpr TimerId kCheckQuorumTimer = 2;  // armed only with the check-quorum variant
  static constexpr TimerId kTransferTimer = 3;     // armed only while a leader transfers leadership
  static constexpr std::uint8_t kMaxBackoff = 5;

  Node(NodeIndex self, int node_count, const Options& options);

  void start(Fx& fx);
  void on_message(NodeIndex from, const Message& message, Fx& fx);
  void on_timer(TimerId timer, Fx& fx);
  bool on_client_command(Command command, Fx& fx);
  // Administrative commands (raft.hpp lists them: AdminOp).
  bool admin_enabled(int operation, NodeIndex target) const;
  bool on_admin(int operation, NodeIndex target, Fx& fx);
  void crash();
  void restart(Fx& fx);
  void print(std::string& out) const;
  // Everything that can influence what the node does next (for the model checker).
  void encode(StateEncoder& encoder) const;
  // Raft's logical clock, which `skiff check --max-term` bounds.
  std::uint32_t epoch() const { return durable_.current_term; }

  // Read-only view, for invariants and tests.
  Role role() const { return volatile_.role; }
  bool is_leader() const { return volatile_.role == Role::Leader; }
  bool coordinates() const { return is_leader(); }  // for aimed fault profiles
  Term term() const { return durable_.current_term; }
  std::optional<NodeIndex> voted_for() const;
  // The entries after the snapshot; log()[0] is entry log_first_index() + 1.
  std::span<const Entry> log() const { return {durable_.log.data(), durable_.log.size()}; }
  std::size_t log_first_index() const { return durable_.snapshot_index; }
  LogIndex last_log_index() const { return durable_.snapshot_index + LogIndex(durable_.log.size()); }
  // The snapshot (all zero and empty before the first).
  LogIndex snapshot_index() const { return durable_.snapshot_index; }
  Term snapshot_term() const { return durable_.snapshot_term; }
  std::span<const Command> snapshot_state() const {
    return {durable_.snapshot_state.data(), durable_.snapshot_state.size()};
  }
  Configuration snapshot_configuration() const { return durable_.snapshot_config; }
  // Which part of the log the last events wrote (protocols/log_writes.hpp).
  std::uint64_t log_writes() const { return log_writes_.writes(); }
  std::size_t log_written_from() const { return log_writes_.from(); }
  LogIndex commit_index() const { return volatile_.commit_index; }
  std::span<const Command> applied() const {
    return {volatile_.applied.data(), volatile_.applied.size()};
  }
  LogIndex next_index(NodeIndex peer) const { return volatile_.next_index[peer]; }
  LogIndex match_index(NodeIndex peer) const { return volatile_.match_index[peer]; }
  bool is_candidate() const { return volatile_.role == Role::Candidate; }
  // The node this node last heard lead its current term (itself if it leads),
  // for clients; it does not change what the node does.
  std::optional<NodeIndex> leader_hint() const {
    if (volatile_.leader < 0) return std::nullopt;
    return NodeIndex(volatile_.leader);
  }
  // The configuration in effect: the latest in the log, or the boot one.
  Configuration configuration() const { return config_; }
  LogIndex configuration_index() const { return config_index_; }
  // Whether this node counts n's vote (n a voter of its configuration): the
  // timed world's measure of who must be reachable (protocol.hpp).
  bool counts_vote(NodeIndex n) const { return config_.votes(n); }  // its entry; 0: the boot configuration
  Configuration boot_configuration() const { return boot_config_; }
  // The node a leader is transferring leadership to, if it is.
  std::optional<NodeIndex> transferring_to() const {
    if (volatile_.transfer_to < 0) return std::nullopt;
    return NodeIndex(volatile_.transfer_to);
  }
  // Variant state, for tests.
  bool heard_from_leader() const { return volatile_.heard_from_leader; }
  std::uint8_t failed_elections() const { return volatile_.failed_elections; }

 private:
  struct Durable {
    Term current_term = 0;
    std::int8_t voted_for = -1;  // -1: none
    Log log;  // the entries after the snapshot
    LogIndex snapshot_index = 0;  // its last included index; 0: no snapshot
    Term snapshot_term = 0;
    Configuration snapshot_config;  // the configuration in effect at snapshot_index
    boost::container::small_vector<Command, 16> snapshot_state;  // the applied commands 1..snapshot_index
  };
  struct Volatile {
    Role role = Role::Follower;
    LogIndex commit_index = 0;
    boost::container::small_vector<Command, 16> applied;  // applied[i] is log index i+1
    std::array<LogIndex, kMaxNodes> next_index{};
    std::array<LogIndex, kMaxNodes> match_index{};
    NodeBits votes_granted = 0;      // bit per distinct voter
    std::uint8_t vote_messages = 0;  // granted replies counted (only the seeded bug uses it)
    NodeBits pre_votes = 0;          // pre-candidate: bit per distinct pre-voter
    bool heard_from_leader = false;  // an AppendEntries of a current term since the election timer fired
    NodeBits heard_since_check = 0;     // leader with check-quorum: bit per node heard since the last check
    std::uint8_t failed_elections = 0;   // elections started in a row that did not succeed
    std::int8_t leader = -1;             // leader_hint(); -1: none known
    std::uint8_t unsynced = 0;           // seeded ack-before-persist: entries at the log's end not yet durable
    std::int8_t transfer_to = -1;        // leader: the node it transfers leadership to; -1: none
  };

  int majority() const { return config_.majority(); }
  bool may_stand() const { return config_.votes(self_) && !(options_.passive & (1u << self_)); }
  // The configuration of the latest configuration entry in the log, or the
  // boot one: recomputed whenever the log may have gained or lost one.
  void refresh_configuration();
  bool configuration_change_allowed() const;
  void send_timeout_now(Fx& fx);
  void end_transfer(Fx& fx);
  void arm_election_timer(Fx& fx);
  void start_pre_vote(Fx& fx);
  void check_quorum(Fx& fx);
  void handle_pre_vote(NodeIndex from, const Message& request, Fx& fx);
  void handle_pre_vote_reply(NodeIndex from, const Message& reply, Fx& fx);
  // Entry `index` (1-based), which must be after the snapshot.
  const Entry& entry_at(LogIndex index) const { return durable_.log[index - durable_.snapshot_index - 1]; }
  // Its term; the snapshot's last included term at its index; 0 below it.
  Term term_at(LogIndex index) const {
    if (index <= durable_.snapshot_index) return index == durable_.snapshot_index ? durable_.snapshot_term : 0;
    return entry_at(index).term;
  }
  void take_snapshot();
  void send_install_snapshot(NodeIndex peer, Fx& fx);
  void handle_install_snapshot(NodeIndex from, const Message& request, Fx& fx);
  Term last_log_term() const { return term_at(last_log_index()); }

  void become_follower(Term term, Fx& fx);
  void start_election(Fx& fx);
  void become_leader(Fx& fx);
  bool won_election() const;
  bool candidate_log_up_to_date(const Message& request) const;
  void send_append_entries(NodeIndex peer, bool with_entries, Fx& fx);
  void broadcast_append_entries(bool with_entries, Fx& fx);

  void handle_request_vote(NodeIndex from, const Message& request, Fx& fx);
  void handle_vote_reply(NodeIndex from, const Message& reply, Fx& fx);
  void handle_append_entries(NodeIndex from, const Message& request, Fx& fx);
  void handle_append_reply(NodeIndex from, const Message& reply, Fx& fx);
  void advance_leader_commit(Fx& fx);  // and steps down once its own removal is committed
  void apply_committed();

  NodeIndex self_;
  std::uint8_t node_count_;
  Options options_;
  Durable durable_;
  Volatile volatile_;
  // Derived from the durable log (refresh_configuration), so neither lost by
  // a crash nor part of the state.
  Configuration boot_config_;
  Configuration config_;
  LogIndex config_index_ = 0;
  LogWrites log_writes_;  // observes only: not durable, not volatile, not encoded
};

}  // namespace skiff::raft
