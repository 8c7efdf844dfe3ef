// Raft's messages: the two RPCs of Figure 2 and their replies, and the
// pre-vote round of the pre-vote variant (Raft thesis, section 9.6).
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

struct Entry {
  Term term = 0;
  Command command = 0;
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

  std::string_view type_name() const;
  void print(std::string& out) const;  // "AppendEntries t3 prev=2/1 entries=[3:9] commit=2"
  void encode(StateEncoder& encoder) const;
};

void print_entries(std::string& out, const Entry* begin, const Entry* end);

}  // namespace skiff::raft
