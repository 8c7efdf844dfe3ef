// Raft as a skiff protocol (see protocols/protocol.hpp for the contract).
#pragma once

#include <span>
#include <string_view>

#include "protocols/raft/raft_message.hpp"
#include "protocols/raft/raft_node.hpp"
#include "protocols/raft/raft_options.hpp"

namespace skiff::raft {

struct Protocol {
  static constexpr std::string_view name = "raft";
  static constexpr std::string_view description =
      "Raft (Figure 2 of the Raft paper): leader election, log replication, commitment";
  static constexpr int min_nodes = 3;
  static constexpr int max_nodes = 7;
  static constexpr int timer_count = 2;

  using Message = raft::Message;
  using Options = raft::Options;
  using Node = raft::Node;

  static std::span<const BugInfo> bugs() { return bug_table(); }
  static std::string_view timer_name(TimerId timer) {
    return timer == Node::kElectionTimer ? "election" : "heartbeat";
  }
};

}  // namespace skiff::raft
