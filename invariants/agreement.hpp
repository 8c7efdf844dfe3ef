// agreement: at most one value is ever chosen in each slot, judged from the
// acceptors' votes (a majority accepting one value at one ballot), not from
// what learners claim. Single-decree Paxos is slot 0.
#pragma once

#include <fmt/format.h>

#include <optional>
#include <string>

#include "invariants/chosen_history.hpp"

namespace skiff::invariants {

class Agreement {
 public:
  static constexpr std::string_view name = "agreement";
  static constexpr std::string_view description =
      "at most one value is ever chosen in a slot (a majority of acceptors accepting it at one ballot)";

  template <class World>
  std::optional<std::string> check(const World& world, int touched) {
    for (std::size_t i = history_.observe(world, touched); i < history_.chosen().size(); ++i) {
      const ChosenHistory::Chosen& now = history_.chosen()[i];
      std::optional<std::string> violation;
      history_.for_each_chosen_in(now.slot, [&](std::size_t j) {  // in the order chosen
        if (j >= i) return false;
        const ChosenHistory::Chosen& earlier = history_.chosen()[j];
        if (earlier.value == now.value) return true;
        violation = fmt::format("slot {}: {} was chosen, then {}", now.slot, ChosenHistory::describe(earlier),
                                ChosenHistory::describe(now));
        return false;
      });
      if (violation) return violation;
    }
    return std::nullopt;
  }

  void encode(StateEncoder& encoder) const { history_.encode(encoder); }

 private:
  ChosenHistory history_;  // ghost
};

}  // namespace skiff::invariants
