// Raft as a skiff protocol (see protocols/protocol.hpp for the contract).
#pragma once

#include <span>
#include <string_view>
#include <utility>

#include "protocols/raft/raft_message.hpp"
#include "protocols/raft/raft_node.hpp"
#include "protocols/raft/raft_options.hpp"

namespace skiff::raft {

struct Protocol {
  static constexpr std::string_view name = "raft";
  static constexpr std::string_view description =
      "Raft (Figure 2 of the Raft paper): leader election, log replication, commitment";
  static constexpr int min_nodes = 3;
  static constexpr int max_nodes = kMaxNodes;  // 10: a five-voter cluster and five spares
  static constexpr int timer_count = 4;

  using Message = raft::Message;
  using Options = raft::Options;
  using Node = raft::Node;

  static std::span<const BugInfo> bugs() { return bug_table(); }
  static std::span<const BugInfo> variants() { return variant_table(); }
  static std::span<const AdminOperation> admin_operations() { return admin_table(); }
  // Timer durations for timed worlds (milliseconds, low and high end of the
  // range each arming draws from): the Raft paper's 150-300 ms election
  // timeout, heartbeats well inside it, quorum checks once per longest timeout,
  // a leadership transfer given up after an election timeout.
  static std::pair<int, int> default_timer_ms(TimerId timer) {
    switch (timer) {
      case Node::kElectionTimer: return {150, 300};
      case Node::kHeartbeatTimer: return {50, 50};
      case Node::kTransferTimer: return {300, 300};
      default: return {300, 300};
    }
  }
  static std::string_view timer_name(TimerId timer) {
    switch (timer) {
      case Node::kElectionTimer: return "election";
      case Node::kHeartbeatTimer: return "heartbeat";
      case Node::kTransferTimer: return "transfer";
      default: return "check-quorum";
    }
  }
};

}  // namespace skiff::raft
