// restore-is-applied-prefix: a state machine restored from a snapshot holds
// exactly what applying the entries the snapshot stands for gives (for
// libraft: the command at each index, in order). Reads the node's own
// judgement, `restore_error()`, made when the library hands its FSM a
// snapshot (at a restart, or on an InstallSnapshot): the adapter knows the
// entries each snapshot stands for (protocols/libraft/libraft_node.hpp).
#pragma once

#include <fmt/format.h>

#include <optional>
#include <string>

#include "protocols/protocol.hpp"
#include "protocols/state_encoder.hpp"

namespace skiff::invariants {

class RestoreIsAppliedPrefix {
 public:
  static constexpr std::string_view name = "restore-is-applied-prefix";
  static constexpr std::string_view description =
      "a state machine restored from a snapshot equals the applied prefix of the entries the snapshot stands for";

  template <class World>
  std::optional<std::string> check(const World& world, int touched) {
    if (touched < 0) return std::nullopt;
    const auto error = world.node(NodeIndex(touched)).restore_error();
    if (error.empty()) return std::nullopt;
    return fmt::format("node {} {}", node_label(NodeIndex(touched)), error);
  }

  void encode(StateEncoder&) const {}
};

}  // namespace skiff::invariants
