// learner-consistency: a learner learns only a value that was chosen in that
// slot (by the acceptors' votes, at any time before). Reads the view
// `learned_values()`: a span of paxos::Value, one per slot (kNoValue: not
// learned).
#pragma once

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <optional>
#include <vector>
#include <string>

#include "invariants/chosen_history.hpp"

namespace skiff::invariants {

class LearnerConsistency {
 public:
  static constexpr std::string_view name = "learner-consistency";
  static constexpr std::string_view description =
      "no learner learns a value in a slot unless a majority of acceptors accepted it there at one ballot";

  template <class World>
  std::optional<std::string> check(const World& world, int touched) {
    history_.observe(world, touched);
    if (touched < 0) return std::nullopt;
    const auto learned = world.node(NodeIndex(touched)).learned_values();
    std::vector<paxos::Value>& seen = seen_[std::size_t(touched)];
    if (std::equal(learned.begin(), learned.end(), seen.begin(), seen.end())) return std::nullopt;  // most events
    seen.assign(learned.begin(), learned.end());
    for (paxos::Slot slot = 0; slot < learned.size(); ++slot) {
      const paxos::Value value = learned[slot];
      if (value == paxos::kNoValue || history_.was_chosen(slot, value)) continue;
      std::string text;
      paxos::print_value(text, value);
      return fmt::format("node {} learned value {} in slot {}, which no majority of acceptors accepted at one ballot",
                         node_label(NodeIndex(touched)), text, slot);
    }
    return std::nullopt;
  }

  void encode(StateEncoder& encoder) const { history_.encode(encoder); }

 private:
  ChosenHistory history_;  // ghost
  // What each node had learned when last checked (always its current learned
  // values, so the model checker need not encode it).
  std::array<std::vector<paxos::Value>, kMaxNodes> seen_;
};

}  // namespace skiff::invariants
