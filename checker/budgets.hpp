// Fault budgets: how much of each kind of trouble one run may spend.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

#include "protocols/protocol.hpp"

namespace skiff {

struct Budgets {
  std::uint32_t steps = 300;        // events in a run
  std::uint32_t drops = 30;         // messages lost
  std::uint32_t duplicates = 30;    // messages duplicated
  std::uint32_t crashes = 4;        // node crashes (restarts are free)
  std::uint32_t link_changes = 10;  // one-directional link cuts (heals are free)
  std::uint32_t commands = 6;       // client commands accepted by a node
  // Administrative commands accepted by a node (P::admin_operations(), each
  // of which spends one of these). None by default: a run without them is
  // event for event what it was before they existed.
  std::uint32_t config_changes = 0;  // membership changes: add, remove, promote
  std::uint32_t transfers = 0;       // leadership transfers
  std::uint32_t snapshots = 0;       // log compactions
  friend bool operator==(const Budgets&, const Budgets&) = default;
};

inline std::uint32_t& admin_budget(Budgets& b, AdminBudget which) {
  return which == AdminBudget::ConfigChanges ? b.config_changes
         : which == AdminBudget::Transfers   ? b.transfers
                                             : b.snapshots;
}
inline std::uint32_t admin_budget(const Budgets& b, AdminBudget which) {
  return admin_budget(const_cast<Budgets&>(b), which);
}
// Whether a run may spend any administrative command.
inline bool any_admin(const Budgets& b) { return b.config_changes || b.transfers || b.snapshots; }

// The largest budget a trace holds (and so the largest a run may have).
inline constexpr std::uint32_t kMaxBudget = 1u << 30;

// Each budget's command-line flag (without "--") and its value in a Budgets:
// the one list that explore's and replay's flags, the commands skiff prints
// to reproduce a run and the checks of their ranges are written from.
struct BudgetFlag {
  std::string_view flag;  // "steps", "max-drops", ...
  std::uint32_t value;
};
inline std::array<BudgetFlag, 9> budget_flags(const Budgets& b) {
  return {{{"steps", b.steps},
           {"max-drops", b.drops},
           {"max-duplicates", b.duplicates},
           {"max-crashes", b.crashes},
           {"max-link-changes", b.link_changes},
           {"max-commands", b.commands},
           {"max-config-changes", b.config_changes},
           {"max-transfers", b.transfers},
           {"max-snapshots", b.snapshots}}};
}
// " --max-drops 5 --max-crashes 0": the flags of the budgets that differ from
// Budgets{}'s, in budget_flags' order ("" if none do).
inline std::string non_default_budget_flags(const Budgets& b) {
  std::string flags;
  const auto defaults = budget_flags(Budgets{});
  const auto values = budget_flags(b);
  for (std::size_t i = 0; i < values.size(); ++i)
    if (values[i].value != defaults[i].value)
      flags += " --" + std::string(values[i].flag) + " " + std::to_string(values[i].value);
  return flags;
}

// "steps=300 drops=30 duplicates=30 crashes=4 link-changes=10 commands=6", then
// " config-changes=N transfers=N snapshots=N", each only if not 0
std::string format_budgets(const Budgets& budgets);

}  // namespace skiff
