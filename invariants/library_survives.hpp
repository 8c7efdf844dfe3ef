// library-survives: the implementation under test never crashes (a
// segfault, an abort) on any schedule. For adapters around real libraries,
// whose protocols run each run in a child process (`run_in_child`, see
// checker/simulation.hpp): what reports a crash is the parent, when the
// child dies (protocols/library_call.hpp notes the node and the call). A
// run in skiff's own process has nothing to check here: a crash there ends
// the process (which is what a fuzz target wants). An exception is another
// matter, caught in any process: node-survives (node_survives.hpp) reports
// it in the same words ("node 2: the protocol threw ... in ...").
#pragma once

#include <fmt/format.h>

#include <optional>
#include <string>
#include <string_view>

#include "protocols/protocol.hpp"
#include "protocols/state_encoder.hpp"

namespace skiff::invariants {

class LibrarySurvives {
 public:
  static constexpr std::string_view name = "library-survives";
  static constexpr std::string_view description =
      "the library never crashes (segfault, abort) whatever the schedule";

  template <class World>
  std::optional<std::string> check(const World&, int) {
    return std::nullopt;
  }

  void encode(StateEncoder&) const {}
};

// "node 2: the library crashed (SIGSEGV) in an append callback (write failed)"
inline std::string library_crash_explanation(NodeIndex node, std::string_view how, std::string_view where) {
  return fmt::format("node {}: the library crashed ({}) in {}", node_label(node), how, where);
}

}  // namespace skiff::invariants
