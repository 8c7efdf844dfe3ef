// Raft's messages: the two RPCs of Figure 2 and their replies, the
// pre-vote round of the pre-vote variant (Raft thesis, section 9.6), and
// TimeoutNow of leadership transfer (section 3.10). And Raft's log entries,
// of which some carry a cluster configuration (chapter 4).
#pragma once

#include <boost/container/small_vector.hpp>
#include <cstdint>
#include <string>
#include <string_view>

#include "protocols/protocol.hpp"
#include "protocols/state_encoder.hpp"

namespace skiff::raft {

using Term = std::uint32_t;
using LogIndex = std::uint32_t;  // 1-based; 0 means "before the first entry"

// A cluster configuration: which nodes vote (and count in majorities) and
// which replicate without voting (learners). Nodes in neither are outside the
// cluster (spares, or removed).
struct Configuration {
  NodeBits voters = 0;    // bit per node
  NodeBits learners = 0;  // bit per node, disjoint from voters

  bool votes(NodeIndex node) const { return voters & (1u << node); }
  bool learns(NodeIndex node) const { return learners & (1u << node); }
  bool member(NodeIndex node) const { return (voters | learners) & (1u << node); }
  int voter_count() const;
  int majority() const { return voter_count() / 2 + 1; }
  friend bool operator==(const Configuration&, const Configuration&) = default;
};

// A configuration entry is a command with the top bit set, the voters in
// its low 15 bits and the learners in the 15 above them; client commands never have that bit (the
// world numbers them from 1, and a node refuses one that has it). The entry
// is 8 bytes either way, which keeps logs and messages as small as before.
inline constexpr Command kConfigurationBit = 0x80000000u;
inline constexpr int kLearnerShift = 15;
inline constexpr Command kNodeMask = (1u << kLearnerShift) - 1;
static_assert(kMaxNodes <= kLearnerShift);

struct Entry {
  Term term = 0;
  Command command = 0;

  bool is_configuration() const { return command & kConfigurationBit; }
  Configuration configuration() const {
    return Configuration{NodeBits(command & kNodeMask), NodeBits(command >> kLearnerShift & kNodeMask)};
  }
  static Entry of_configuration(Term term, Configuration config) {
    return Entry{term, kConfigurationBit | Command(config.learners) << kLearnerShift | config.voters};
  }
  friend bool operator==(const Entry&, const Entry&) = default;
};

using Entries = boost::container::small_vector<Entry, 4>;

enum class MessageType : std::uint8_t {
  RequestVote,
  RequestVoteReply,
  AppendEntries,
  AppendEntriesReply,
  PreVote,       // "could I win term `term`?", with the sender's last log entry
  PreVoteReply,  // granted: `term` is the term asked about; refused: the voter's term
  TimeoutNow,    // leadership transfer: "start an election now" (Raft thesis, section 3.10)
  // Log compaction (Figure 13): prev_log_index/prev_log_term are the
  // snapshot's last included index and term; entries[0] is a configuration
  // entry (term 1) holding the snapshot's configuration, entries[1..] the
  // state machine's state (the applied commands, term 0). The reply is an
  // AppendEntriesReply.
  InstallSnapshot,
};

// One struct for all four types keeps messages value types without a variant;
// fields a type does not use stay zero.
struct Message {
  MessageType type = MessageType::RequestVote;
  Term term = 0;
  // RequestVote, PreVote: the candidate's last log entry.
  LogIndex last_log_index = 0;
  Term last_log_term = 0;
  // AppendEntries.
  LogIndex prev_log_index = 0;
  Term prev_log_term = 0;
  LogIndex leader_commit = 0;
  Entries entries;
  // Replies. For AppendEntriesReply, match_index is the index of the last entry
  // the follower now holds from this request (success) or the prev_log_index
  // that failed the consistency check (failure).
  bool success = false;
  LogIndex match_index = 0;

  // ---- read-only view, for rule invariants (libraft's messages share it) ---
  bool is_vote_request() const { return type == MessageType::RequestVote; }  // not a pre-vote
  bool grants_vote() const { return type == MessageType::RequestVoteReply && success; }
  bool is_append() const { return type == MessageType::AppendEntries; }
  bool acknowledges_append() const { return type == MessageType::AppendEntriesReply && success; }
  LogIndex advertised_last_index() const { return last_log_index; }  // a vote request's
  Term advertised_last_term() const { return last_log_term; }
  LogIndex prev_index() const { return prev_log_index; }  // an append's
  Term prev_term() const { return prev_log_term; }
  LogIndex acknowledged_index() const { return match_index; }  // a success reply's
  bool is_timeout_now() const { return type == MessageType::TimeoutNow; }
  bool is_install_snapshot() const { return type == MessageType::InstallSnapshot; }
  LogIndex snapshot_last_index() const { return prev_log_index; }  // an install's

  std::string_view type_name() const;
  void print(std::string& out) const;  // "AppendEntries t3 prev=2/1 entries=[3:9] commit=2"
  void encode(StateEncoder& encoder) const;
};

// "[1:5 2:cfg=1,2,3/4]": term:command, or term:cfg=VOTERS[/LEARNERS].
void print_entries(std::string& out, const Entry* begin, const Entry* end);
// "1,2,3/4": the voters, then the learners if there are some.
void print_configuration(std::string& out, Configuration config);
// An entry's word in a log, for encoders: a configuration's nodes renamed.
void encode_entry(StateEncoder& encoder, const Entry& entry);

}  // namespace skiff::raft
