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
      while (prefix_ < slot_chosen_.size() && slot_chosen_[prefix_]) ++prefix_;
      if (prefix_ < c.slot)  // the lowest slot with nothing chosen is below it
        return fmt::format("slot {}: {} was chosen while slot {} had nothing chosen", c.slot,
                           ChosenHistory::describe(c), prefix_);
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
  std::size_t prefix_ = 0;          // slots below it all have something chosen (a function of slot_chosen_)
};

}  // namespace skiff::invariants
