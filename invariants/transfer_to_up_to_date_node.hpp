// transfer-to-up-to-date-node (rule): a leader sends TimeoutNow only to a node
// whose stored log holds the leader's whole log (Raft thesis, section 3.10:
// "the prior leader ... ensures the target server's log is up to date", then
// "sends it a TimeoutNow request"), or which has already moved to a later
// term. A lagging target cannot win (its votes are refused), and the cluster
// is left without a leader for an election timeout.
#pragma once

#include "invariants/log_view.hpp"

#include <fmt/format.h>

#include <cstdint>
#include <optional>
#include <string>

#include "invariants/rule_support.hpp"
#include "protocols/protocol.hpp"
#include "protocols/state_encoder.hpp"

namespace skiff::invariants {

class TransferToUpToDateNode {
 public:
  static constexpr std::string_view name = "transfer-to-up-to-date-node";
  static constexpr std::string_view description =
      "rule: a leader sends TimeoutNow only to a node whose stored log holds all of the leader's";

  template <class World>
  std::optional<std::string> check(const World& world, int touched) {
    if (touched < 0) return std::nullopt;
    const NodeIndex self = NodeIndex(touched);
    const auto& node = world.node(self);
    if (!node.transferring_to()) return std::nullopt;  // only a transferring leader sends TimeoutNow
    std::optional<std::string> violation;
    world.for_each_sent([&](NodeIndex to, const auto& sent) {
      if (violation || !sent.is_timeout_now()) return;
      const auto& target = world.node(to);
      if (target.term() > node.term()) return;
      const auto mine = log_view(node), theirs = stored_log(target);
      std::size_t same = std::max(mine.first(), theirs.first());  // below: compacted, committed
      while (same < mine.size() && same < theirs.size() && mine[same] == theirs[same]) ++same;
      if (same == mine.size()) return;
      violation = fmt::format("leader {} of term {} sent TimeoutNow to node {}, whose log matches its own only up to "
                              "entry {} of {}",
                              node_label(self), std::uint64_t(node.term()), node_label(to), same, mine.size());
    });
    return violation;
  }

  void encode(StateEncoder&) const {}
  void restore(const TransferToUpToDateNode&, int) {}
};

}  // namespace skiff::invariants
