// learner-consistency: a learner learns only a value that was chosen in that
// slot (by the acceptors' votes, at any time before). Reads the view
// `learned_values()`: a span of paxos::Value, one per slot (kNoValue: not
// learned), in the slots the event wrote (invariants/slot_changes.hpp): a
// learned value stays good once judged, since the chosen values only grow.
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
    const auto& node = world.node(NodeIndex(touched));
    const auto learned = node.learned_values();
    std::vector<paxos::Value>& seen = seen_[std::size_t(touched)];
    const SlotRange changed = learned_changed(node, seen_writes_[std::size_t(touched)]);
    seen.resize(learned.size(), paxos::kNoValue);
    std::optional<std::string> violation;  // the lowest slot's
    for (paxos::Slot slot = paxos::Slot(changed.from); slot < changed.to; ++slot) {
      const paxos::Value value = learned[slot];
      if (seen[slot] == value) continue;  // judged when it was learned
      seen[slot] = value;
      if (violation || value == paxos::kNoValue || history_.was_chosen(slot, value)) continue;
      std::string text;
      paxos::print_value(text, value);
      violation = fmt::format("node {} learned value {} in slot {}, which no majority of acceptors accepted at one ballot",
                              node_label(NodeIndex(touched)), text, slot);
    }
    return violation;
  }

  void encode(StateEncoder& encoder) const { history_.encode(encoder); }

 private:
  ChosenHistory history_;  // ghost
  // What each node had learned when last checked (always its current learned
  // values, so the model checker need not encode it).
  std::array<std::vector<paxos::Value>, kMaxNodes> seen_;
  std::array<SlotsSeen, kMaxNodes> seen_writes_;  // per node: its writing events seen so far
};

}  // namespace skiff::invariants
