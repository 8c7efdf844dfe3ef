// Fault budgets: how much of each kind of trouble one run may spend.
#pragma once

#include <cstdint>
#include <string>

namespace skiff {

struct Budgets {
  std::uint32_t steps = 300;        // events in a run
  std::uint32_t drops = 30;         // messages lost
  std::uint32_t duplicates = 30;    // messages duplicated
  std::uint32_t crashes = 4;        // node crashes (restarts are free)
  std::uint32_t link_changes = 10;  // one-directional link cuts (heals are free)
  std::uint32_t commands = 6;       // client commands accepted by a node
  friend bool operator==(const Budgets&, const Budgets&) = default;
};

// The largest budget a trace holds (and so the largest a run may have).
inline constexpr std::uint32_t kMaxBudget = 1u << 30;

// "steps=300 drops=30 duplicates=30 crashes=4 link-changes=10 commands=6"
std::string format_budgets(const Budgets& budgets);

}  // namespace skiff
