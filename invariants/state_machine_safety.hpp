// state-machine-safety: no two nodes apply different commands at one log index.
//
// Incremental: a node's applied commands only grow, one append at a time, or
// are cleared when it crashes (what its view must promise: protocols whose
// nodes report their log writes, protocols/log_writes.hpp, promise it), so
// each event compares only the commands applied since the node was last
// checked; a node whose list shrank, or whose FSM restored a snapshot
// (applied_restores(), libraft), is compared from its start again.
#pragma once

#include <fmt/format.h>

#include <array>
#include <type_traits>

#include <optional>
#include <string>
#include <vector>

#include "invariants/log_changes.hpp"
#include "protocols/protocol.hpp"
#include "protocols/state_encoder.hpp"

namespace skiff::invariants {

class StateMachineSafety {
 public:
  static constexpr std::string_view name = "state-machine-safety";
  static constexpr std::string_view description =
      "no two nodes ever apply different commands at the same log index";

  template <class World>
  std::optional<std::string> check(const World& world, int touched) {
    if (touched < 0) return std::nullopt;
    const auto applied = world.node(NodeIndex(touched)).applied();
    using Node = std::decay_t<decltype(world.node(NodeIndex(0)))>;
    std::size_t& checked = checked_[std::size_t(touched)];
    std::size_t start = 0;
    if constexpr (kTracksLogWrites<Node>) start = applied.size() < checked ? 0 : checked;
    if constexpr (requires { world.node(NodeIndex(0)).applied_restores(); }) {
      // A restored snapshot may have rewritten what was applied anywhere.
      std::uint64_t& restores = restores_[std::size_t(touched)];
      if (world.node(NodeIndex(touched)).applied_restores() != restores) start = 0;
      restores = world.node(NodeIndex(touched)).applied_restores();
    }
    checked = applied.size();
    for (std::size_t i = start; i < applied.size(); ++i) {
      if (i == first_applied_.size()) first_applied_.push_back(First{applied[i], NodeIndex(touched)});
      const First& first = first_applied_[i];
      if (first.command == applied[i]) continue;
      return fmt::format("node {} applied command {} at index {}, but node {} applied command {} there",
                         node_label(NodeIndex(touched)), applied[i], i + 1, node_label(first.node),
                         first.command);
    }
    return std::nullopt;
  }

  // Which node applied first only names it in explanations: not state.
  void encode(StateEncoder& encoder) const {
    encoder.put(first_applied_.size());
    for (const First& first : first_applied_) encoder.put(first.command);
  }

  // check() changes nothing on an event that touched no node, and otherwise
  // only appends to the ghost and moves the touched node's mark.
  void restore(const StateMachineSafety& from, int touched) {
    if (touched < 0) return;
    first_applied_.resize(from.first_applied_.size());
    checked_[std::size_t(touched)] = from.checked_[std::size_t(touched)];
    restores_[std::size_t(touched)] = from.restores_[std::size_t(touched)];
  }

 private:
  struct First {
    Command command;
    NodeIndex node;
  };
  std::vector<First> first_applied_;  // ghost: the first command applied at each index
  std::array<std::size_t, kMaxNodes> checked_{};  // per node: how many applied commands were compared
  std::array<std::uint64_t, kMaxNodes> restores_{};  // per node: its applied_restores() then, if it has them
};

}  // namespace skiff::invariants
