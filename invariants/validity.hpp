// validity: only a proposed value can be chosen: every value chosen (by the
// acceptors' votes) is a command some client handed to a node, or a no-op (what
// a Multi-Paxos leader proposes for a gap in the log).
//
// "Handed to a node" is read from world.next_command(): one more than the
// highest command any node accepted. skiff's scheduler hands out 1, 2, 3, ...
// in order, so that is exact for every run skiff makes; a hand-edited trace
// that hands out `client 1 9` first makes 1 to 8 count as proposed too.
#pragma once

#include <fmt/format.h>

#include <optional>
#include <string>

#include "invariants/chosen_history.hpp"

namespace skiff::invariants {

class Validity {
 public:
  static constexpr std::string_view name = "validity";
  static constexpr std::string_view description =
      "every value chosen is a command a client proposed (or a no-op filling a gap)";

  template <class World>
  std::optional<std::string> check(const World& world, int touched) {
    for (std::size_t i = history_.observe(world, touched); i < history_.chosen().size(); ++i) {
      const ChosenHistory::Chosen& c = history_.chosen()[i];
      if (c.value == paxos::kNoOp) continue;
      // Client commands are numbered from 1 in the order clients hand them out.
      if (c.value != paxos::kNoValue && c.value < world.next_command()) continue;
      return fmt::format("slot {}: {} was chosen, but no client proposed it (commands so far: {})", c.slot,
                         ChosenHistory::describe(c),
                         world.next_command() > 1 ? fmt::format("1 to {}", world.next_command() - 1) : "none");
    }
    return std::nullopt;
  }

  void encode(StateEncoder& encoder) const { history_.encode(encoder); }

 private:
  ChosenHistory history_;  // ghost
};

}  // namespace skiff::invariants
