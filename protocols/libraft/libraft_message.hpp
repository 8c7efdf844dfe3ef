// canonical/raft's RPC messages as skiff values. A struct raft_message points
// at memory the library owns (entry buffers, batches); the adapter copies what
// the library sends into a Message, which the world can copy, duplicate and
// print, and rebuilds a struct raft_message (in memory the library may take
// over) when a Message is delivered.
#pragma once

#include <bit>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "protocols/protocol.hpp"
#include "protocols/state_encoder.hpp"

namespace skiff::libraft {

// One log entry as it travels or is stored: the library's term and type
// (RAFT_COMMAND, RAFT_BARRIER, RAFT_CHANGE) and its payload bytes.
struct StoredEntry {
  std::uint64_t term = 0;
  std::uint16_t type = 0;
  std::vector<std::uint8_t> data;
  friend bool operator==(const StoredEntry&, const StoredEntry&) = default;
};

// A configuration as the library holds it (struct raft_configuration), as
// bits per node: RAFT_VOTER (replicated to, counted in majorities),
// RAFT_STANDBY (replicated to, not counted), RAFT_SPARE (neither). A node in
// none of them is outside the configuration.
struct Configuration {
  std::uint8_t voters = 0;
  std::uint8_t standbys = 0;
  std::uint8_t spares = 0;
  bool votes(NodeIndex node) const { return voters & (1u << node); }
  bool member(NodeIndex node) const { return (voters | standbys | spares) & (1u << node); }
  int voter_count() const { return std::popcount(unsigned(voters)); }
  friend bool operator==(const Configuration&, const Configuration&) = default;
};
// "1,2,3", then " standby=4" and " spare=5" if there are some.
void print_configuration(std::string& out, Configuration config);
// The configuration a RAFT_CHANGE entry's payload encodes (0.15's format:
// version byte, server count, then id, address and role per server).
Configuration decode_configuration(const std::uint8_t* data, std::size_t size);

// An entry as the invariants read it: term and client command (0 for the
// library's own entries: configuration, barrier), and for a configuration
// entry (RAFT_CHANGE) the configuration it holds.
struct Entry {
  std::uint64_t term = 0;
  Command command = 0;
  bool change = false;  // a RAFT_CHANGE entry
  Configuration config{};
  bool is_configuration() const { return change; }
  Configuration configuration() const { return config; }
  friend bool operator==(const Entry&, const Entry&) = default;
};

// The client command a RAFT_COMMAND payload carries (8 bytes, little-endian),
// or 0 for any other entry (configuration, barrier) or payload.
Command command_of(std::uint16_t type, const std::uint8_t* data, std::size_t size);
std::vector<std::uint8_t> command_payload(Command command);

// An entry's words for a state digest (Message::encode, Node::encode).
void encode_stored_entry(StateEncoder& encoder, const StoredEntry& entry);
void encode_view_entry(StateEncoder& encoder, const Entry& entry);

// "2:5" (term 2, command 5), "1:conf", "3:barrier"
void print_entry(std::string& out, const StoredEntry& entry);

struct Message {
  // One of RAFT_IO_APPEND_ENTRIES, RAFT_IO_APPEND_ENTRIES_RESULT,
  // RAFT_IO_REQUEST_VOTE, RAFT_IO_REQUEST_VOTE_RESULT, RAFT_IO_TIMEOUT_NOW.
  std::uint16_t type = 0;
  std::uint64_t term = 0;
  // RequestVote, TimeoutNow: the sender's last log entry. AppendEntries: the
  // entry before `entries`. AppendEntriesResult: last_index is the
  // receiver's last log index, `rejected` the index it rejected (0: success).
  std::uint64_t last_index = 0;
  std::uint64_t last_term = 0;
  std::uint64_t leader_commit = 0;  // AppendEntries
  std::uint64_t rejected = 0;       // AppendEntriesResult
  std::uint64_t candidate = 0;      // RequestVote: the candidate's server id
  bool granted = false;             // RequestVoteResult
  bool disrupt_leader = false;      // RequestVote
  bool pre_vote = false;            // RequestVote; RequestVoteResult: answers a pre-vote
  std::vector<StoredEntry> entries; // AppendEntries
  // InstallSnapshot: last_index/last_term are the snapshot's last entry;
  // the configuration it holds and the index of that configuration's entry;
  // the FSM's bytes. `prefix` is ghost state, not sent by the library and
  // not printed: the entries 1..last_index as the node that took the
  // snapshot held them, so that the receiver's log view (for invariants)
  // can still be read from index 1.
  Configuration conf{};
  std::uint64_t conf_index = 0;
  std::vector<std::uint8_t> data;
  std::vector<Entry> prefix;

  // ---- read-only view, for rule invariants (as skiff's raft::Message) -----
  bool is_vote_request() const;      // a RequestVote, not a pre-vote
  bool grants_vote() const;          // a RequestVoteResult granting a vote, not a pre-vote
  bool is_append() const;            // AppendEntries
  bool acknowledges_append() const;  // an AppendEntriesResult reporting success
  bool is_install_snapshot() const;  // InstallSnapshot (its last entry: prev_index(), prev_term())
  std::uint64_t advertised_last_index() const { return last_index; }  // a RequestVote's
  std::uint64_t advertised_last_term() const { return last_term; }
  std::uint64_t prev_index() const { return last_index; }  // an AppendEntries'
  std::uint64_t prev_term() const { return last_term; }
  std::uint64_t acknowledged_index() const { return last_index; }  // a success result's

  std::string_view type_name() const;
  // Every field, for the stateless model checker's state digests
  // (checker/stateless_checker.hpp); nodes by their ids, as put() values:
  // libraft is not checked under symmetry.
  void encode(StateEncoder& encoder) const;
  // "AppendEntries t2 prev=1/1 entries=[2:5] commit=1"
  void print(std::string& out) const;
};

}  // namespace skiff::libraft
