#include "checker/event.hpp"

#include <fmt/format.h>

#include "checker/budgets.hpp"

namespace skiff {

std::string_view event_kind_name(EventKind kind) {
  switch (kind) {
    case EventKind::Deliver: return "deliver";
    case EventKind::Drop: return "drop";
    case EventKind::Duplicate: return "duplicate";
    case EventKind::Timer: return "timer";
    case EventKind::Crash: return "crash";
    case EventKind::Restart: return "restart";
    case EventKind::Cut: return "cut";
    case EventKind::Heal: return "heal";
    case EventKind::Client: return "client";
    case EventKind::Admin: return "admin";
  }
  return "?";
}

std::string format_budgets(const Budgets& b) {
  std::string out = fmt::format("steps={} drops={} duplicates={} crashes={} link-changes={} commands={}", b.steps,
                                b.drops, b.duplicates, b.crashes, b.link_changes, b.commands);
  // The administrative budgets only when there are some: a run without them
  // writes the line it always wrote.
  if (b.config_changes) fmt::format_to(std::back_inserter(out), " config-changes={}", b.config_changes);
  if (b.transfers) fmt::format_to(std::back_inserter(out), " transfers={}", b.transfers);
  if (b.snapshots) fmt::format_to(std::back_inserter(out), " snapshots={}", b.snapshots);
  return out;
}

}  // namespace skiff
