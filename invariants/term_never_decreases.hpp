// term-never-decreases (rule): a node's current term never goes down, not
// even across a crash and restart (Figure 2, "Persistent state on all
// servers: currentTerm ... updated on stable storage before responding";
// "If RPC request or response contains term T > currentTerm: set
// currentTerm = T": terms only go up).
#pragma once

#include <fmt/format.h>

#include <array>
#include <cstdint>
#include <optional>
#include <string>

#include "protocols/protocol.hpp"
#include "protocols/state_encoder.hpp"

namespace skiff::invariants {

class TermNeverDecreases {
 public:
  static constexpr std::string_view name = "term-never-decreases";
  static constexpr std::string_view description =
      "rule: a node's current term never goes down, across crashes and restarts too";

  template <class World>
  std::optional<std::string> check(const World& world, int touched) {
    if (touched < 0) return std::nullopt;
    const std::uint64_t term = world.node(NodeIndex(touched)).term();
    std::uint64_t& before = term_[std::size_t(touched)];
    if (term < before)
      return fmt::format("node {}'s term went down from {} to {}", node_label(NodeIndex(touched)), before, term);
    before = term;
    return std::nullopt;
  }

  // term_ is each node's term as it is now: nothing to add to the state.
  void encode(StateEncoder&) const {}
  void restore(const TermNeverDecreases& from, int touched) {
    if (touched >= 0) term_[std::size_t(touched)] = from.term_[std::size_t(touched)];
  }

 private:
  std::array<std::uint64_t, kMaxNodes> term_{};  // each node's term when last checked
};

}  // namespace skiff::invariants
