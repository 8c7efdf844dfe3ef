// log-matching: if two logs hold an entry with the same index and term, the
// logs are identical in all entries up to and including that index.
#pragma once

#include <fmt/format.h>

#include <optional>
#include <string>

#include "protocols/protocol.hpp"
#include "protocols/state_encoder.hpp"

namespace skiff::invariants {

class LogMatching {
 public:
  static constexpr std::string_view name = "log-matching";
  static constexpr std::string_view description =
      "two logs with an entry of the same index and term agree on every entry up to it";

  template <class World>
  std::optional<std::string> check(const World& world, int touched) {
    if (touched < 0) return std::nullopt;
    const auto a = world.node(NodeIndex(touched)).log();
    for (int other = 0; other < world.node_count(); ++other) {
      if (other == touched) continue;
      const auto b = world.node(NodeIndex(other)).log();
      // The highest index at which both logs hold an entry of the same term.
      std::size_t shared = std::min(a.size(), b.size());
      while (shared > 0 && a[shared - 1].term != b[shared - 1].term) --shared;
      for (std::size_t i = 0; i < shared; ++i) {
        if (a[i] == b[i]) continue;
        return fmt::format(
            "nodes {} and {} both hold an entry of term {} at index {}, but differ at index {} "
            "({}:{} against {}:{})",
            node_label(NodeIndex(touched)), node_label(NodeIndex(other)), a[shared - 1].term, shared,
            i + 1, a[i].term, a[i].command, b[i].term, b[i].command);
      }
    }
    return std::nullopt;
  }

  void encode(StateEncoder&) const {}  // no history: it reads the logs as they are
};

}  // namespace skiff::invariants
