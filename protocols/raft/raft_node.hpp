// A Raft node exactly as in Figure 2 of the Raft paper (Ongaro & Ousterhout,
// 2014), as a pure state machine: no I/O, no clock. Timers are armed or
// cancelled and the world decides when an armed timer fires.
//
// What a node must persist (currentTerm, votedFor, log) lives in Durable;
// everything else lives in Volatile and is lost by crash().
#pragma once

#include <array>
#include <optional>
#include <span>
#include <string>

#include "protocols/protocol.hpp"
#include "protocols/state_encoder.hpp"
#include "protocols/raft/raft_message.hpp"
#include "protocols/raft/raft_options.hpp"

namespace skiff::raft {

enum class Role : std::uint8_t { Follower, Candidate, Leader };
std::string_view role_name(Role role);

using Log = boost::container::small_vector<Entry, 16>;
using Fx = Effects<Message>;

class Node {
 public:
  static constexpr TimerId kElectionTimer = 0;
  static constexpr TimerId kHeartbeatTimer = 1;

  Node(NodeIndex self, int node_count, const Options& options);

  void start(Fx& fx);
  void on_message(NodeIndex from, const Message& message, Fx& fx);
  void on_timer(TimerId timer, Fx& fx);
  bool on_client_command(Command command, Fx& fx);
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
  Term term() const { return durable_.current_term; }
  std::optional<NodeIndex> voted_for() const;
  std::span<const Entry> log() const { return {durable_.log.data(), durable_.log.size()}; }
  LogIndex last_log_index() const { return LogIndex(durable_.log.size()); }
  LogIndex commit_index() const { return volatile_.commit_index; }
  std::span<const Command> applied() const {
    return {volatile_.applied.data(), volatile_.applied.size()};
  }
  LogIndex next_index(NodeIndex peer) const { return volatile_.next_index[peer]; }
  LogIndex match_index(NodeIndex peer) const { return volatile_.match_index[peer]; }

 private:
  struct Durable {
    Term current_term = 0;
    std::int8_t voted_for = -1;  // -1: none
    Log log;
  };
  struct Volatile {
    Role role = Role::Follower;
    LogIndex commit_index = 0;
    boost::container::small_vector<Command, 16> applied;  // applied[i] is log index i+1
    std::array<LogIndex, kMaxNodes> next_index{};
    std::array<LogIndex, kMaxNodes> match_index{};
    std::uint8_t votes_granted = 0;  // bit per distinct voter
    std::uint8_t vote_messages = 0;  // granted replies counted (only the seeded bug uses it)
  };

  int majority() const { return node_count_ / 2 + 1; }
  Term term_at(LogIndex index) const { return index == 0 ? 0 : durable_.log[index - 1].term; }
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
  void advance_leader_commit();
  void apply_committed();

  NodeIndex self_;
  std::uint8_t node_count_;
  Options options_;
  Durable durable_;
  Volatile volatile_;
};

}  // namespace skiff::raft
