// The scheduler: at each step, list what could happen next and ask a choice
// source to pick one. It is the only place where a run's events are decided.
#pragma once

#include <optional>

#include "checker/event.hpp"
#include "checker/swarm.hpp"
#include "checker/world.hpp"

namespace skiff {

// Picks the next event: first a kind, weighted by the run's swarm among the
// kinds with an enabled event, then one event of that kind. Returns nothing
// when no event of a kind with a non-zero weight is enabled: the run is over.
template <class P, class Choices>
std::optional<Event> choose_event(const World<P>& world, Choices& choices, const Swarm& swarm) {
  const PerKind counts = world.count_enabled();
  std::uint32_t total = 0;
  for (int k = 0; k < kEventKinds; ++k)
    if (counts[k]) total += swarm.weight[k];
  if (total == 0) return std::nullopt;
  std::uint32_t ticket = choices.below(total);
  int kind = 0;
  for (;; ++kind) {
    if (!counts[kind]) continue;
    if (ticket < swarm.weight[kind]) break;
    ticket -= swarm.weight[kind];
  }
  std::uint32_t index = 0;
  if (kind == int(EventKind::Deliver)) {
    if (choices.below(100) >= swarm.in_order_percent) index = choices.below(counts[kind]);
  } else {
    index = choices.below(counts[kind]);
  }
  return world.nth_enabled(EventKind(kind), index);
}

}  // namespace skiff
