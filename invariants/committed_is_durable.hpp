// committed-is-durable: every entry any node ever reported committed is on
// the disks of a majority, with the same term and command, at every point of
// the run (crashes keep disks; only a truncation could remove it). Reads
// `durable_log()`, what each node's disk really holds. With membership
// changes, the majority is of the voters of the configuration in effect at
// the node that first reported the entry committed, when it did (the
// configuration it was committed in).
#pragma once

#include "invariants/log_view.hpp"

#include <fmt/format.h>

#include <bit>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "invariants/rule_support.hpp"
#include "protocols/protocol.hpp"
#include "protocols/state_encoder.hpp"

namespace skiff::invariants {

class CommittedIsDurable {
 public:
  static constexpr std::string_view name = "committed-is-durable";
  static constexpr std::string_view description =
      "every entry ever reported committed is stored on the disks of a majority";

  template <class World>
  std::optional<std::string> check(const World& world, int touched) {
    if (touched < 0) return std::nullopt;
    const auto& node = world.node(NodeIndex(touched));
    const auto log = log_view(node);
    const std::size_t committed = std::min<std::size_t>(node.commit_index(), log.size());
    if (committed > committed_.size()) {
      NodeBits voters = 0;
      for (int n = 0; n < world.node_count(); ++n)
        if (is_voter_for(world, NodeIndex(touched), NodeIndex(n))) voters |= NodeBits(1u << n);
      if (!voters) voters = NodeBits((1u << world.node_count()) - 1);  // a node that knows no configuration
      for (std::size_t i = committed_.size(); i < committed && log.holds(i); ++i)
        committed_.push_back(Committed{log[i].term, log[i].command, NodeIndex(touched), voters});
    }
    for (std::size_t i = 0; i < committed_.size(); ++i) {
      const Committed& c = committed_[i];
      const int majority = std::popcount(unsigned(c.voters)) / 2 + 1;
      int holders = 0;
      std::string names;
      for (int n = 0; n < world.node_count(); ++n) {
        if (!(c.voters & (1u << n))) continue;
        const auto disk = stored_log(world.node(NodeIndex(n)));
        // An entry compacted into a snapshot is on disk there (snapshot-matches-applied-prefix judges it).
        if (i < disk.first() || (i < disk.size() && disk[i].term == c.term && disk[i].command == c.command)) {
          ++holders;
          names += fmt::format("{}{}", names.empty() ? "" : ",", node_label(NodeIndex(n)));
        }
      }
      if (holders < majority)
        return fmt::format("entry {} ({}:{}), reported committed by node {}, is on the disks of {} only", i + 1,
                           c.term, c.command, node_label(c.by), names.empty() ? "no node" : "nodes " + names);
    }
    return std::nullopt;
  }

  void encode(StateEncoder& encoder) const {
    encoder.put(committed_.size());
    for (const Committed& c : committed_) {
      encoder.put(c.term);
      encoder.put(c.command);
    }
  }

 private:
  struct Committed {
    std::uint64_t term;
    std::uint64_t command;
    NodeIndex by;          // the first node that reported it committed
    NodeBits voters;       // bit per node: the voters of its configuration then
  };
  std::vector<Committed> committed_;  // ghost: committed_[i] is log index i+1
};

}  // namespace skiff::invariants
