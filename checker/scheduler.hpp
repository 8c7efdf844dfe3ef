// The scheduler: at each step, list what could happen next and ask a choice
// source to pick one. It is the only place where a run's events are decided.
// (Fault profiles, aim.hpp, pick differently among the same enabled events.)
#pragma once

#include <optional>

#include "checker/event.hpp"
#include "checker/swarm.hpp"
#include "checker/world.hpp"

namespace skiff {

// A kind, weighted by the run's swarm among the kinds with an enabled event
// (`counts`), or -1 when no kind with a non-zero weight has one.
template <class Choices>
int choose_kind(const PerKind& counts, Choices& choices, const Swarm& swarm) {
  std::uint32_t total = 0;
  for (int k = 0; k < kEventKinds; ++k)
    if (counts[k]) total += swarm.weight[k];
  if (total == 0) return -1;
  std::uint32_t ticket = choices.below(total);
  int kind = 0;
  for (;; ++kind) {
    if (!counts[kind]) continue;
    if (ticket < swarm.weight[kind]) break;
    ticket -= swarm.weight[kind];
  }
  return kind;
}

// One enabled event of `kind` (counts[kind] > 0): deliveries take the oldest
// deliverable message in_order_percent of the time, otherwise any.
template <class P, class Choices>
Event choose_index(const World<P>& world, Choices& choices, const Swarm& swarm, EventKind kind,
                   const PerKind& counts) {
  std::uint32_t index = 0;
  if (kind == EventKind::Deliver) {
    if (choices.below(100) >= swarm.in_order_percent) index = choices.below(counts[int(kind)]);
  } else {
    index = choices.below(counts[int(kind)]);
  }
  return world.nth_enabled(kind, index);
}

// Picks the next event: first a kind, then one event of that kind. Returns
// nothing when no event of a kind with a non-zero weight is enabled: the run
// is over.
template <class P, class Choices>
std::optional<Event> choose_event(const World<P>& world, Choices& choices, const Swarm& swarm) {
  const PerKind counts = world.count_enabled();
  const int kind = choose_kind(counts, choices, swarm);
  if (kind < 0) return std::nullopt;
  return choose_index(world, choices, swarm, EventKind(kind), counts);
}

}  // namespace skiff
