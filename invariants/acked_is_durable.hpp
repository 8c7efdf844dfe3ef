// acked-is-durable: what a node says in a message it has on its disk: the
// term of every message it sends, a vote it grants, the entries a successful
// AppendEntriesResult acknowledges. The node checks each message as it
// leaves (protocols/libraft: broken_promise()); this invariant reports it.
#pragma once

#include <fmt/format.h>

#include <optional>
#include <string>

#include "protocols/protocol.hpp"
#include "protocols/state_encoder.hpp"

namespace skiff::invariants {

class AckedIsDurable {
 public:
  static constexpr std::string_view name = "acked-is-durable";
  static constexpr std::string_view description =
      "a node's messages never claim more than its disk holds (term, granted vote, acknowledged entries), "
      "and it restarts on what its disk holds";

  template <class World>
  std::optional<std::string> check(const World& world, int touched) {
    if (touched < 0) return std::nullopt;
    const std::string_view broken = world.node(NodeIndex(touched)).broken_promise();
    if (broken.empty()) return std::nullopt;
    return fmt::format("node {} {}", node_label(NodeIndex(touched)), broken);
  }

  void encode(StateEncoder&) const {}
};

}  // namespace skiff::invariants
