// election-safety: at most one leader per term, over the whole history of a
// run (a leader that crashed or stepped down still counts for its term).
#pragma once

#include <fmt/format.h>

#include <optional>
#include <string>
#include <vector>

#include "protocols/protocol.hpp"
#include "protocols/state_encoder.hpp"

namespace skiff::invariants {

class ElectionSafety {
 public:
  static constexpr std::string_view name = "election-safety";
  static constexpr std::string_view description =
      "at most one node is ever leader in any one term, over the whole run";

  template <class World>
  std::optional<std::string> check(const World& world, int touched) {
    if (touched < 0) return std::nullopt;
    const auto& node = world.node(NodeIndex(touched));
    if (!node.is_leader()) return std::nullopt;
    const auto term = node.term();
    if (leader_of_term_.size() <= term) leader_of_term_.resize(term + 1, kNone);
    int& leader = leader_of_term_[term];
    if (leader == kNone) leader = touched;
    if (leader == touched) return std::nullopt;
    return fmt::format("nodes {} and {} were both leader in term {}", node_label(NodeIndex(leader)),
                       node_label(NodeIndex(touched)), term);
  }

  void encode(StateEncoder& encoder) const {
    encoder.put(leader_of_term_.size());
    for (int leader : leader_of_term_) encoder.put_optional_node(leader);
  }

  // check() changes nothing on an event that touched no node.
  void restore(const ElectionSafety& from, int touched) {
    if (touched >= 0) *this = from;
  }

 private:
  static constexpr int kNone = -1;
  std::vector<int> leader_of_term_;  // ghost: the first leader seen in each term
};

}  // namespace skiff::invariants
