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

#include <array>
#include <bit>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "invariants/log_changes.hpp"
#include "invariants/rule_support.hpp"
#include "protocols/protocol.hpp"
#include "protocols/state_encoder.hpp"

namespace skiff::invariants {

class CommittedIsDurable {
 public:
  static constexpr std::string_view name = "committed-is-durable";
  static constexpr std::string_view description =
      "every entry ever reported committed is stored on the disks of a majority";

  // Incremental: which disks hold each committed entry is kept (held_), and
  // updated for the entries newly committed (on every disk) and for the
  // part of the touched node's disk its event changed
  // (stored_log_changed_from): a node's disk changes only in events that
  // touch it. An event costs what it committed and wrote, not the log's
  // length.
  template <class World>
  std::optional<std::string> check(const World& world, int touched) {
    if (touched < 0) return std::nullopt;
    const NodeIndex self = NodeIndex(touched);
    const auto& node = world.node(self);
    {
      const auto disk = stored_log(node);
      const std::size_t from = stored_log_changed_from(node, disk.size(), seen_[std::size_t(touched)]);
      for (std::size_t i = from; i < committed_.size(); ++i) set_held(i, self, holds(disk, i));
    }
    const auto log = log_view(node);
    const std::size_t committed = std::min<std::size_t>(node.commit_index(), log.size());
    if (committed > committed_.size()) {
      NodeBits voters = 0;
      for (int n = 0; n < world.node_count(); ++n)
        if (is_voter_for(world, self, NodeIndex(n))) voters |= NodeBits(1u << n);
      if (!voters) voters = NodeBits((1u << world.node_count()) - 1);  // a node that knows no configuration
      for (std::size_t i = committed_.size(); i < committed && log.holds(i); ++i) {
        committed_.push_back(Committed{log[i].term, log[i].command, self, voters, 0});
        ++short_;  // held by none yet
        for (int n = 0; n < world.node_count(); ++n)
          set_held(i, NodeIndex(n), holds(stored_log(world.node(NodeIndex(n))), i));
      }
    }
    if (short_ == 0) return std::nullopt;
    for (std::size_t i = 0; i < committed_.size(); ++i) {
      const Committed& c = committed_[i];
      if (!is_short(c)) continue;
      std::string names;
      for (int n = 0; n < world.node_count(); ++n)
        if (c.voters & c.held & (1u << n)) names += fmt::format("{}{}", names.empty() ? "" : ",", node_label(NodeIndex(n)));
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
    NodeBits held;         // bit per node: its disk holds the entry now
  };

  static bool is_short(const Committed& c) {
    return std::popcount(unsigned(c.voters & c.held)) < std::popcount(unsigned(c.voters)) / 2 + 1;
  }
  // Whether `disk` holds committed entry i; an entry compacted into a
  // snapshot is on disk there (snapshot-matches-applied-prefix judges it).
  template <class Disk>
  bool holds(const Disk& disk, std::size_t i) const {
    const Committed& c = committed_[i];
    return i < disk.first() || (i < disk.size() && disk[i].term == c.term && disk[i].command == c.command);
  }
  void set_held(std::size_t i, NodeIndex n, bool held) {
    Committed& c = committed_[i];
    const bool was_short = is_short(c);
    c.held = held ? NodeBits(c.held | (1u << n)) : NodeBits(c.held & ~(1u << n));
    short_ += int(is_short(c)) - int(was_short);
  }

  std::vector<Committed> committed_;  // ghost: committed_[i] is log index i+1
  int short_ = 0;                     // committed entries on the disks of less than a majority now
  std::array<LogSeen, kMaxNodes> seen_{};  // each node's disk as last looked at
};

}  // namespace skiff::invariants
