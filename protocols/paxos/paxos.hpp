// Paxos as skiff protocols (see protocols/protocol.hpp for the contract): one
// node type, three protocol types whose Options default to their flavour.
//   paxos               single-decree Paxos, competing proposers
//   multi-paxos         Multi-Paxos: a leader, a log of slots, pipelined phase 2
//   multi-paxos-serial  the variant of Multi-Paxos without pipelining
//                       (docs/adding-a-protocol.md walks through it)
#pragma once

#include <span>
#include <string_view>

#include "protocols/paxos/paxos_message.hpp"
#include "protocols/paxos/paxos_node.hpp"
#include "protocols/paxos/paxos_options.hpp"

namespace skiff::paxos {

// What the three share: the node, its messages, its bugs and its one timer.
struct ProtocolBase {
  static constexpr int min_nodes = 3;
  static constexpr int max_nodes = 7;
  static constexpr int timer_count = 1;
  // Renaming nodes is not a symmetry: ballots of one round are ordered by
  // their proposers' ids, which a renaming can reorder (skiff check refuses
  // --symmetry).
  static constexpr bool symmetric = false;

  using Message = paxos::Message;
  using Node = paxos::Node;

  static std::span<const BugInfo> bugs() { return bug_table(); }
  static std::string_view timer_name(TimerId) { return "prepare"; }
};

struct SingleDecree : ProtocolBase {
  static constexpr std::string_view name = "paxos";
  static constexpr std::string_view description =
      "single-decree Paxos (Paxos Made Simple): competing proposers, acceptors, learners";
  using Options = SingleDecreeOptions;
};

struct MultiPaxos : ProtocolBase {
  static constexpr std::string_view name = "multi-paxos";
  static constexpr std::string_view description =
      "Multi-Paxos: a leader runs phase 1 once for all slots, then phase 2 per slot; leader change recovers slots";
  using Options = MultiPaxosOptions;
};

struct SerialMultiPaxos : ProtocolBase {
  static constexpr std::string_view name = "multi-paxos-serial";
  static constexpr std::string_view description =
      "Multi-Paxos without pipelining: a leader proposes a slot only once every earlier slot is chosen";
  using Options = SerialMultiPaxosOptions;
};

}  // namespace skiff::paxos
