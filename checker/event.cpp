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
  }
  return "?";
}

std::string format_budgets(const Budgets& b) {
  return fmt::format("steps={} drops={} duplicates={} crashes={} link-changes={} commands={}",
                     b.steps, b.drops, b.duplicates, b.crashes, b.link_changes, b.commands);
}

}  // namespace skiff
