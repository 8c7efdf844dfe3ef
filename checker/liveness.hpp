// The bounded-liveness invariant's two pieces that the timed world and the
// replay of a timed trace share, so that both reach the same verdict with the
// same words: which live nodes count as a connected majority, and the
// violation's explanation. Times are virtual microseconds.
#pragma once

#include <bit>
#include <cstdint>
#include <string>
#include <type_traits>

#include <fmt/format.h>

#include "invariants/invariant.hpp"
#include "protocols/protocol.hpp"

namespace skiff {

// The largest set of live nodes (bit i: node i) that all reach each other
// both ways, if its voters are a majority of all voters; 0 otherwise. Among
// sets of one size, the first in counting order wins.
template <class Crashed, class Reachable, class Votes>
std::uint32_t connected_majority(int node_count, const Crashed& crashed, const Reachable& reachable,
                                 const Votes& votes) {
  std::uint32_t best = 0;
  for (std::uint32_t set = 1; set < (1u << node_count); ++set) {
    if (std::popcount(set) <= std::popcount(best)) continue;
    bool ok = true;
    for (int a = 0; a < node_count && ok; ++a) {
      if (!(set & (1u << a))) continue;
      if (crashed(NodeIndex(a))) ok = false;
      for (int b = 0; b < node_count && ok; ++b)
        if (a != b && (set & (1u << b)) && !reachable(NodeIndex(a), NodeIndex(b))) ok = false;
    }
    if (ok) best = set;
  }
  int voters = 0, in_set = 0;
  for (int i = 0; i < node_count; ++i) {
    voters += votes(NodeIndex(i));
    in_set += votes(NodeIndex(i)) && (best & (1u << i));
  }
  return in_set >= voters / 2 + 1 ? best : 0;
}

// Whether n votes, for liveness, in a world `w` (the timed world, or the
// untimed one replaying a timed trace): by the configuration in effect at the
// current leader (the live leader of the highest epoch), else at the live
// node of the highest epoch, the lowest numbered on a tie, if the protocol's
// nodes say whom they count (counts_vote, protocol.hpp); else by the
// options' boot configuration (Options::votes), else every node votes.
template <class World>
auto liveness_voters(const World& w) {
  using Node = std::decay_t<decltype(w.node(NodeIndex{}))>;
  if constexpr (requires(const Node& node) { node.counts_vote(NodeIndex{}); }) {
    int holder = -1;
    bool leads = false;
    for (int i = 0; i < w.node_count(); ++i) {
      const NodeIndex n = NodeIndex(i);
      if (w.crashed(n)) continue;
      const bool leader = w.node(n).is_leader();
      if (holder < 0 || (leader && !leads) ||
          (leader == leads && w.node(n).epoch() > w.node(NodeIndex(holder)).epoch())) {
        holder = i;
        leads = leader;
      }
    }
    const NodeIndex by = NodeIndex(holder < 0 ? 0 : holder);
    return [&w, by](NodeIndex n) -> bool { return w.node(by).counts_vote(n); };
  } else {
    return [&w](NodeIndex n) -> bool {
      if constexpr (requires { w.options().votes(n); })
        return bool(w.options().votes(n));
      else
        return true;
    };
  }
}

// The violation found at `now`: the network has not changed since
// `stable_since`, the nodes of `group` are connected, and nothing committed
// from `from` (stable_since + the stable bound) to `now`.
inline Violation liveness_violation(std::int64_t stable_since, std::uint32_t group, std::int64_t from,
                                    std::int64_t now, int node_count) {
  std::string nodes;
  for (int i = 0; i < node_count; ++i)
    if (group & (1u << i)) nodes += fmt::format("{}{}", nodes.empty() ? "" : ",", i + 1);
  return Violation{"bounded-liveness",
                   fmt::format("the network has not changed since {:.1f} ms and nodes {} are connected, but no "
                               "command committed between {:.1f} ms and {:.1f} ms",
                               double(stable_since) / 1000, nodes, double(from) / 1000, double(now) / 1000)};
}

}  // namespace skiff
