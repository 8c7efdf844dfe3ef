// node-survives: no node's handler throws, whatever the schedule. An
// exception that escapes a handler (a message, a timer, a client command, a
// crash, a restart, the first boot) is caught by the world, which ends the
// run there (checker/node_fault.hpp); this invariant reports it, naming the
// node, the handler and the exception. Checked first, so that no other
// invariant reads a node its handler left half-changed.
//
// Its sibling for real libraries, library-survives (library_survives.hpp),
// covers what a try block cannot: a segfault or an abort, in a child process.
#pragma once

#include <fmt/format.h>

#include <optional>
#include <string>
#include <string_view>

#include "protocols/protocol.hpp"
#include "protocols/state_encoder.hpp"

namespace skiff::invariants {

// "node 2: the protocol threw std::length_error ("log full") in its message
// handler (AppendEntries from node 1)"
inline std::string node_threw_explanation(NodeIndex node, std::string_view exception, std::string_view where) {
  return fmt::format("node {}: the protocol threw {} in {}", node_label(node), exception, where);
}

class NodeSurvives {
 public:
  static constexpr std::string_view name = "node-survives";
  static constexpr std::string_view description =
      "no node's handler throws an exception (message, timer, client command, crash, restart, boot)";

  // Any world with `const NodeFault* node_fault() const` (null: none).
  template <class World>
  std::optional<std::string> check(const World& world, int) const {
    if (const auto* fault = world.node_fault()) [[unlikely]]
      return node_threw_explanation(fault->node, fault->exception, fault->where);
    return std::nullopt;
  }

  void encode(StateEncoder&) const {}
};

}  // namespace skiff::invariants
