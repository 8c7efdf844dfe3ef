// state-machine-safety: no two nodes apply different commands at one log index.
#pragma once

#include <fmt/format.h>

#include <optional>
#include <string>
#include <vector>

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
    for (std::size_t i = 0; i < applied.size(); ++i) {
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

  // check() changes nothing on an event that touched no node.
  void restore(const StateMachineSafety& from, int touched) {
    if (touched >= 0) *this = from;
  }

 private:
  struct First {
    Command command;
    NodeIndex node;
  };
  std::vector<First> first_applied_;  // ghost: the first command applied at each index
};

}  // namespace skiff::invariants
