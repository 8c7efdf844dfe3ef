// Paxos's vocabulary (ballots, values, slots) and its messages: the two phases
// of "Paxos Made Simple" (Lamport, 2001), and a refusal.
#pragma once

#include <boost/container/small_vector.hpp>
#include <compare>
#include <cstdint>
#include <limits>
#include <string>
#include <string_view>

#include "protocols/protocol.hpp"
#include "protocols/state_encoder.hpp"

namespace skiff::paxos {

// A ballot is unique as (round, proposer): two proposers never share one, and
// one proposer never reuses one. Ordered by round, then by proposer. Round 0 is
// "no ballot", below every ballot a proposer uses. Printed "b3.2": round 3 of
// node 2; "-" for none.
struct Ballot {
  std::uint32_t round = 0;
  std::uint32_t proposer = 0;  // a NodeIndex, widened so that the struct has no padding

  bool none() const { return round == 0; }
  friend auto operator<=>(const Ballot&, const Ballot&) = default;
};

void print_ballot(std::string& out, Ballot ballot);
// For the model checker: the proposer is a node id, renamed under symmetry.
// (Node symmetry is not exact for Paxos: ballots of one round are ordered by
// their proposers' ids, which a renaming can reorder.)
void encode_ballot(StateEncoder& encoder, Ballot ballot);

// A value is a client command, or a no-op (what a Multi-Paxos leader proposes
// for a gap in the log). kNoValue means "none" (client commands start at 1).
using Value = std::uint32_t;
inline constexpr Value kNoValue = 0;
inline constexpr Value kNoOp = std::numeric_limits<Value>::max();

void print_value(std::string& out, Value value);  // "7", "noop", "-"

// A slot of the log: Multi-Paxos decides one value per slot, from 0;
// single-decree Paxos decides slot 0 only.
using Slot = std::uint32_t;

// What an acceptor has accepted in one slot (ballot none: nothing).
struct Vote {
  Ballot ballot;
  Value value = kNoValue;
  friend bool operator==(const Vote&, const Vote&) = default;
};

// One slot's part of a message. In a Promise, the vote the acceptor holds
// there (ballot and value); in an Accept or Accepted, the value proposed or
// accepted at the message's ballot (ballot unused).
struct SlotVote {
  Slot slot = 0;
  Ballot ballot;
  Value value = kNoValue;

  SlotVote() = default;
  SlotVote(Slot s, Ballot b, Value v) : slot(s), ballot(b), value(v) {}
  // Copied member by member, not as raw bytes: g++ 12 misreads boost's memcpy
  // of a small_vector's inline elements as reading past them
  // (-Wstringop-overread, a false positive) when a message moves.
  SlotVote(const SlotVote& other) : slot(other.slot), ballot(other.ballot), value(other.value) {}
  SlotVote& operator=(const SlotVote& other) {
    slot = other.slot;
    ballot = other.ballot;
    value = other.value;
    return *this;
  }
  friend bool operator==(const SlotVote&, const SlotVote&) = default;
};

using SlotVotes = boost::container::small_vector<SlotVote, 2>;

enum class MessageType : std::uint8_t {
  Prepare,   // 1a: proposer -> acceptors
  Promise,   // 1b: acceptor -> proposer, with every vote it holds
  Accept,    // 2a: proposer -> acceptors, one value per slot
  Accepted,  // 2b: acceptor -> every learner
  Nack,      // a refused Prepare or Accept, naming the higher promised ballot
};

// One struct for every type keeps messages value types without a variant;
// fields a type does not use stay zero.
struct Message {
  MessageType type = MessageType::Prepare;
  Ballot ballot;       // the ballot the message is about (a Nack: the refused one)
  Ballot promised;     // Nack: the acceptor's promised ballot
  SlotVotes entries;   // Promise, Accept, Accepted

  std::string_view type_name() const;
  void print(std::string& out) const;  // "Promise b2.1 [s0=b1.3:7]", "Accept b2.1 [s0=7 s1=noop]"
  void encode(StateEncoder& encoder) const;
};

}  // namespace skiff::paxos
