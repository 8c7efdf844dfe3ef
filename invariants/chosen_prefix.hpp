// chosen-prefix: the chosen slots always form a prefix of the log: no slot is
// chosen while an earlier slot is not. Kept only by the Multi-Paxos variant
// without pipelining (multi-paxos-serial), whose leader proposes a slot only
// once every earlier one is chosen; plain multi-paxos breaks it whenever a
// later slot's Accepts overtake an earlier one's. (docs/adding-an-invariant.md)
#pragma once

#include <fmt/format.h>

#include <optional>
#include <string>
#include <vector>

#include "invariants/chosen_history.hpp"

namespace skiff::invariants {

class ChosenPrefix {
 public:
  static constexpr std::string_view name = "chosen-prefix";
  static constexpr std::string_view description =
      "no slot is chosen while an earlier slot is not: the chosen slots form a prefix of the log";

  template <class World>
  std::optional<std::string> check(const World& world, int touched) {
    for (std::size_t i = history_.observe(world, touched); i < history_.chosen().size(); ++i) {
      const ChosenHistory::Chosen& c = history_.chosen()[i];
      if (slot_chosen_.size() <= c.slot) slot_chosen_.resize(c.slot + 1, false);
      slot_chosen_[c.slot] = true;
      for (paxos::Slot earlier = 0; earlier < c.slot; ++earlier)
        if (!slot_chosen_[earlier])
          return fmt::format("slot {}: {} was chosen while slot {} had nothing chosen", c.slot,
                             ChosenHistory::describe(c), earlier);
    }
    return std::nullopt;
  }

  void encode(StateEncoder& encoder) const {
    history_.encode(encoder);
    encoder.put(slot_chosen_.size());
    for (bool chosen : slot_chosen_) encoder.put(chosen);
  }

 private:
  ChosenHistory history_;           // ghost
  std::vector<bool> slot_chosen_;   // ghost: slot_chosen_[s] once anything was chosen in s
};

}  // namespace skiff::invariants
