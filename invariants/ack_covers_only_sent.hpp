// ack-covers-only-sent (rule): a successful reply to an AppendEntries
// acknowledges at most prevLogIndex + the number of entries of the request
// it answers: the consistency check proved the follower's log matches the
// leader's up to there and no further (Figure 2, AppendEntries RPC: "success:
// true if follower contained entry matching prevLogIndex and prevLogTerm";
// Rules for Servers, Leaders: "If successful: update nextIndex and
// matchIndex for follower"; section 5.3, the Log Matching Property holds
// only up to the entries the request carried).
//
// Judged at the follower's step that delivers the AppendEntries and sends
// the reply.
#pragma once

#include <fmt/format.h>

#include <cstdint>
#include <optional>
#include <string>

#include "protocols/protocol.hpp"
#include "protocols/state_encoder.hpp"

namespace skiff::invariants {

class AckCoversOnlySent {
 public:
  static constexpr std::string_view name = "ack-covers-only-sent";
  static constexpr std::string_view description =
      "rule: a success reply to an AppendEntries acknowledges at most prevLogIndex + its entries";

  template <class World>
  std::optional<std::string> check(const World& world, int touched) {
    if (touched < 0) return std::nullopt;
    const auto* request = world.delivered();
    if (!request || !request->is_append()) return std::nullopt;
    const NodeIndex leader = world.delivered_from();
    const std::uint64_t covered = std::uint64_t(request->prev_index()) + request->entries.size();
    std::optional<std::string> violation;
    world.for_each_sent([&](NodeIndex to, const auto& reply) {
      if (violation || to != leader || !reply.acknowledges_append()) return;
      const std::uint64_t acked = reply.acknowledged_index();
      if (acked <= covered) return;
      violation = fmt::format(
          "node {} acknowledged index {} to node {}, answering an AppendEntries that covers up to {} (prev={}, {} "
          "entries)",
          node_label(NodeIndex(touched)), acked, node_label(leader), covered, std::uint64_t(request->prev_index()),
          request->entries.size());
    });
    return violation;
  }

  // It keeps nothing.
  void encode(StateEncoder&) const {}
  void restore(const AckCoversOnlySent&, int) {}
};

}  // namespace skiff::invariants
