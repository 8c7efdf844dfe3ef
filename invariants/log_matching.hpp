// log-matching: if two logs hold an entry with the same index and term, the
// logs are identical in all entries up to and including that index.
//
// Incremental: it keeps, per node, a hash of every prefix of its log
// (prefix_[i] covers entries 1 to i+1), recomputed only from the first entry
// the event may have changed (invariants/log_changes.hpp). Two logs whose
// entries at index i have the same term must then have the same prefix hash
// there; only indices at or after the touched node's change are compared, the
// earlier ones having been compared when they last changed. So an event costs
// what it wrote times the node count, whatever the logs' length. When a hash
// differs, the whole-log comparison (whole_log_violation) names the nodes and
// indices, exactly as it always did. A node that does not say what it wrote
// (libraft) is compared whole, as before.
#pragma once

#include "invariants/log_view.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <type_traits>
#include <vector>

#include "invariants/log_changes.hpp"
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
    using Node = std::decay_t<decltype(world.node(NodeIndex(0)))>;
    if constexpr (!kTracksLogWrites<Node>) {
      return whole_log_violation(world, touched);
    } else {
      const NodeIndex self = NodeIndex(touched);
      if (compacted(world)) [[unlikely]]
        return whole_log_violation(world, touched);
      const std::size_t from = update(world, self);
      const auto a = world.node(self).log();
      if (from >= a.size()) return std::nullopt;  // nothing written but, at most, a truncation
      const std::vector<std::uint64_t>& mine = nodes_[self].prefix;
      for (int other = 0; other < world.node_count(); ++other) {
        if (other == touched) continue;
        update(world, NodeIndex(other));  // a no-op unless its events went by unseen
        const auto b = world.node(NodeIndex(other)).log();
        const std::vector<std::uint64_t>& theirs = nodes_[std::size_t(other)].prefix;
        const std::size_t shared = std::min(a.size(), b.size());
        for (std::size_t i = from; i < shared; ++i)
          if (a[i].term == b[i].term && mine[i] != theirs[i]) return whole_log_violation(world, touched);
      }
      return std::nullopt;
    }
  }

  void encode(StateEncoder&) const {}  // no history: it reads the logs as they are

  // check() changes what it keeps of the touched node, and brings the others'
  // up to date with the world (which restoring the touched node leaves so).
  void restore(const LogMatching& from, int touched) {
    if (touched >= 0) nodes_[std::size_t(touched)] = from.nodes_[std::size_t(touched)];
  }

  // The whole-log comparison of the touched node's log with every other.
  template <class World>
  static std::optional<std::string> whole_log_violation(const World& world, int touched) {
    const auto a = log_view(world.node(NodeIndex(touched)));
    for (int other = 0; other < world.node_count(); ++other) {
      if (other == touched) continue;
      const auto b = log_view(world.node(NodeIndex(other)));
      // The highest index at which both logs hold an entry of the same term
      // (of the entries both still hold).
      const std::size_t low = std::max(a.first(), b.first());
      std::size_t shared = std::min(a.size(), b.size());
      while (shared > low && a[shared - 1].term != b[shared - 1].term) --shared;
      for (std::size_t i = low; i < shared; ++i) {
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

 private:
  // Whether some node compacted a prefix of its log: then the prefix hashes
  // (from entry 1) cannot be kept, and the logs are compared as they are.
  template <class World>
  static bool compacted(const World& world) {
    for (int n = 0; n < world.node_count(); ++n)
      if (log_view(world.node(NodeIndex(n))).first()) return true;
    return false;
  }

  struct Kept {
    LogSeen seen;
    std::vector<std::uint64_t> prefix;  // prefix[i]: the hash of entries 1 to i+1
  };

  static std::uint64_t mix(std::uint64_t x) {  // splitmix64's finaliser
    x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ull;
    x = (x ^ (x >> 27)) * 0x94D049BB133111EBull;
    return x ^ (x >> 31);
  }

  // Recomputes the node's prefix hashes from the first entry that may have
  // changed; returns that entry's index (0-based).
  template <class World>
  std::size_t update(const World& world, NodeIndex node) {
    Kept& kept = nodes_[node];
    const auto log = world.node(node).log();
    const std::size_t from = log_changed_from(world.node(node), kept.seen);
    kept.prefix.resize(log.size());
    std::uint64_t hash = from == 0 ? 0x5EED : kept.prefix[from - 1];
    for (std::size_t i = from; i < log.size(); ++i) {
      hash = mix(hash ^ mix((std::uint64_t(log[i].term) << 32) ^ std::uint64_t(log[i].command)));
      kept.prefix[i] = hash;
    }
    return from;
  }

  std::array<Kept, kMaxNodes> nodes_;  // per node: always its log as it is now
};

}  // namespace skiff::invariants
