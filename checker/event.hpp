// The events the scheduler can choose between, and how they are named.
#pragma once

#include <array>
#include <cstdint>
#include <string_view>

#include "protocols/protocol.hpp"

namespace skiff {

enum class EventKind : std::uint8_t {
  Deliver,    // hand a message in flight to its receiver
  Drop,       // lose a message in flight
  Duplicate,  // put a second copy of a message in flight
  Timer,      // fire one of a node's armed timers
  Crash,      // a node loses its volatile state and stops
  Restart,    // a crashed node boots on its durable state
  Cut,        // the link from one node to another goes down (one direction only)
  Heal,       // that link comes back
  Client,     // a client hands a command to a node
  Admin,      // an operator hands an administrative command to a node (P::admin_operations)
};
inline constexpr int kEventKinds = 10;
using PerKind = std::array<std::uint32_t, kEventKinds>;

std::string_view event_kind_name(EventKind kind);  // the trace's word: "deliver", "link-cut"...

// A message's identity in a trace: the n-th message sent from one node to
// another, and which copy of it (0 the original, 1.. duplicates). Identities
// are per directed channel, so removing an event elsewhere leaves them alone.
struct MessageId {
  NodeIndex from = 0;
  NodeIndex to = 0;
  std::uint16_t copy = 0;
  std::uint32_t seq = 0;
  friend bool operator==(const MessageId&, const MessageId&) = default;
};

struct Event {
  EventKind kind = EventKind::Deliver;
  NodeIndex node = 0;    // Timer, Crash, Restart, Client, Admin: the node. Cut, Heal: the sender side.
  NodeIndex peer = 0;    // Cut, Heal: the receiver side. Admin: the node operated on, or kNoTarget (protocol.hpp).
  TimerId timer = 0;     // Timer. Admin: the operation, an index into P::admin_operations().
  Command command = 0;   // Client
  MessageId message;     // Deliver, Drop, Duplicate
};

inline bool is_message_event(EventKind kind) {
  return kind == EventKind::Deliver || kind == EventKind::Drop || kind == EventKind::Duplicate;
}

}  // namespace skiff
