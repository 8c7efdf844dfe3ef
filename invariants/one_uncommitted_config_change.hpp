// one-uncommitted-config-change: no node's log ever holds two configuration
// entries past the prefix ever seen committed (Raft thesis, section 4.1: "the
// leader ... does not begin a new configuration change until the previous one
// has committed"; with the 2015 fix, a new leader first commits an entry of
// its own term, which commits any change an earlier leader left behind).
// Judged on the touched node's log: O(1) unless its latest configuration
// entry is itself past the committed prefix.
#pragma once

#include "invariants/log_view.hpp"

#include <fmt/format.h>

#include <cstdint>
#include <optional>
#include <string>

#include "invariants/committed_configuration.hpp"
#include "protocols/protocol.hpp"
#include "protocols/raft/raft_message.hpp"
#include "protocols/state_encoder.hpp"

namespace skiff::invariants {

// Configuration: the protocol's (skiff's Raft's by default; libraft's has
// its own), with `voters` as bits per node and print_configuration() beside
// it (found by argument-dependent lookup).
template <class Configuration = raft::Configuration>
class OneUncommittedConfigChange {
 public:
  static constexpr std::string_view name = "one-uncommitted-config-change";
  static constexpr std::string_view description =
      "no log holds two configuration entries past the prefix ever committed (one membership change at a time)";

  template <class World>
  std::optional<std::string> check(const World& world, int touched) {
    if (touched < 0) return std::nullopt;
    const NodeIndex self = NodeIndex(touched);
    const auto& node = world.node(self);
    committed_.observe(node);
    const std::uint64_t latest = node.configuration_index();
    if (latest <= committed_.length()) return std::nullopt;
    const auto log = log_view(node);
    for (std::uint64_t i = latest - 1; i > std::max<std::uint64_t>(committed_.length(), log.first()); --i)
      if (log[i - 1].is_configuration())
        return fmt::format(
            "node {} holds two uncommitted configuration entries, {} and {} (the log is committed up to {})",
            node_label(self), i, latest, committed_.length());
    return std::nullopt;
  }

  void encode(StateEncoder& encoder) const { committed_.encode(encoder); }
  void restore(const OneUncommittedConfigChange& from, int touched) {
    if (touched >= 0) *this = from;
  }

 private:
  CommittedConfiguration<Configuration> committed_;
};

}  // namespace skiff::invariants
