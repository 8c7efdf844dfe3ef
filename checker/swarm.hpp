// Swarm testing: each run draws its own fault rates from its seed, so that
// some runs have no drops at all, some many crashes, some only link cuts.
// A kind's weight is how likely it is to be chosen when any event of that
// kind is enabled; a weight of 0 turns that kind off for the whole run.
#pragma once

#include <array>
#include <cstdint>
#include <string>

#include "checker/event.hpp"

namespace skiff {

struct Swarm {
  PerKind weight{};
  std::uint32_t in_order_percent = 0;  // how often "deliver" takes the oldest deliverable message
};

// `admin`: the run may spend administrative commands (any_admin(budgets)),
// whose weight is then drawn last; without, nothing more is drawn, so a run
// without them is decision for decision what it was before they existed.
template <class Choices>
Swarm draw_swarm(Choices& choices, bool admin = false) {
  auto pick = [&](std::initializer_list<std::uint32_t> options) {
    return options.begin()[choices.below(std::uint32_t(options.size()))];
  };
  Swarm s;
  s.weight[int(EventKind::Deliver)] = 100;
  s.weight[int(EventKind::Drop)] = pick({0, 0, 2, 6, 15});
  s.weight[int(EventKind::Duplicate)] = pick({0, 0, 2, 6, 15});
  s.weight[int(EventKind::Timer)] = pick({3, 8, 20, 50});
  s.weight[int(EventKind::Crash)] = pick({0, 1, 3, 8});
  s.weight[int(EventKind::Restart)] = pick({5, 20, 60});
  s.weight[int(EventKind::Cut)] = pick({0, 0, 1, 4});
  s.weight[int(EventKind::Heal)] = pick({2, 10, 40});
  s.weight[int(EventKind::Client)] = pick({5, 15, 40});
  s.in_order_percent = pick({0, 50, 80, 95});
  if (admin) s.weight[int(EventKind::Admin)] = pick({1, 3, 10});
  return s;
}


}  // namespace skiff
