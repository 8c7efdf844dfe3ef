// library-survives: the implementation under test never crashes (a
// segfault, an abort) on any schedule. For adapters around real libraries,
// whose nodes report a crash caught inside one of the library's calls
// through the view `library_crash()` (empty: none).
#pragma once

#include <fmt/format.h>

#include <optional>
#include <string>

#include "protocols/protocol.hpp"
#include "protocols/state_encoder.hpp"

namespace skiff::invariants {

class LibrarySurvives {
 public:
  static constexpr std::string_view name = "library-survives";
  static constexpr std::string_view description =
      "the library never crashes (segfault, abort) whatever the schedule";

  template <class World>
  std::optional<std::string> check(const World& world, int touched) {
    if (touched < 0) return std::nullopt;
    const std::string_view crash = world.node(NodeIndex(touched)).library_crash();
    if (crash.empty()) return std::nullopt;
    return fmt::format("node {}: {}", node_label(NodeIndex(touched)), crash);
  }

  void encode(StateEncoder&) const {}
};

}  // namespace skiff::invariants
