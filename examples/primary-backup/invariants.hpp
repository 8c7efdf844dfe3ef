// pbkv's invariants (skiff/invariants/invariant.hpp is the contract).
#pragma once

#include <fmt/format.h>

#include <algorithm>
#include <optional>
#include <string>

#include <skiff/invariants/invariant.hpp>
#include <skiff/protocols/state_encoder.hpp>

#include "pbkv.hpp"

namespace pbkv {

// acked-on-every-backup: every write the primary has acked to a client is in
// every backup's log, so losing any one node loses no acked write.
class AckedOnEveryBackup {
 public:
  static constexpr std::string_view name = "acked-on-every-backup";
  static constexpr std::string_view description = "a write acked to a client is in every backup's log";

  template <class World>
  std::optional<std::string> check(const World& world, int) {
    const std::uint32_t acked = world.node(kPrimary).acked();
    for (int b = 1; b < world.node_count(); ++b) {
      const std::size_t held = world.node(NodeIndex(b)).log().size();
      if (held < acked)
        return fmt::format("the primary acked {} write(s) but node {} holds only {}", acked,
                           skiff::node_label(NodeIndex(b)), held);
    }
    return std::nullopt;
  }
  void encode(skiff::StateEncoder&) const {}
};

// backup-is-prefix: a backup's log is a prefix of the primary's.
class BackupIsPrefix {
 public:
  static constexpr std::string_view name = "backup-is-prefix";
  static constexpr std::string_view description = "every backup's log is a prefix of the primary's";

  template <class World>
  std::optional<std::string> check(const World& world, int touched) {
    if (touched < 0) return std::nullopt;
    const auto primary = world.node(kPrimary).log();
    for (int b = 1; b < world.node_count(); ++b) {
      const auto backup = world.node(NodeIndex(b)).log();
      if (backup.size() > primary.size() || !std::equal(backup.begin(), backup.end(), primary.begin()))
        return fmt::format("node {}'s log is not a prefix of the primary's", skiff::node_label(NodeIndex(b)));
    }
    return std::nullopt;
  }
  void encode(skiff::StateEncoder&) const {}
};

using Invariants = skiff::InvariantSet<AckedOnEveryBackup, BackupIsPrefix>;

}  // namespace pbkv
