// truncate-only-on-conflict (rule): a running node removes (or replaces) an
// entry of its log only while handling an AppendEntries that sent, at that
// index, an entry of a different term; and then it removes that entry and
// those after it (Figure 2, AppendEntries RPC, receiver implementation 3:
// "If an existing entry conflicts with a new one (same index but different
// terms), delete the existing entry and all that follow it").
//
// An InstallSnapshot whose last entry the node did not hold (no entry of
// that term at that index) replaces the whole log (Raft thesis, figure 5.3,
// steps 6 and 7), for a protocol whose messages say so
// (`is_install_snapshot()`, its last entry prev_index()/prev_term()).
//
// A crash or a restart is not judged: what a node loses then is what its
// disk did not hold (committed-is-durable and acked-is-durable judge that).
//
// Incremental: it compares each node's log with what it kept of it only from
// the first entry the event may have changed (invariants/log_changes.hpp), so
// an event costs what it wrote, whatever the log's length.
#pragma once

#include "invariants/log_view.hpp"

#include <boost/container/small_vector.hpp>
#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cstdint>
#include <optional>
#include <string>

#include "invariants/log_changes.hpp"
#include "protocols/protocol.hpp"
#include "protocols/state_encoder.hpp"

namespace skiff::invariants {

class TruncateOnlyOnConflict {
 public:
  static constexpr std::string_view name = "truncate-only-on-conflict";
  static constexpr std::string_view description =
      "rule: a node removes log entries only from the first index where an AppendEntries sent an entry of "
      "another term";

  template <class World>
  std::optional<std::string> check(const World& world, int touched) {
    if (touched < 0) return std::nullopt;
    const NodeIndex self = NodeIndex(touched);
    Seen& seen = seen_[self];
    const auto log = log_view(world.node(self));
    const bool crashed = world.crashed(self);
    // The first index (from 0) where the log no longer holds what it held.
    std::size_t first = log_changed_from(world.node(self), seen.writes);
    const std::size_t common = std::min<std::size_t>(seen.log.size(), log.size());
    first = std::max(std::min(first, common), std::min(log.first(), common));  // compacted: not removed
    while (first < common && seen.log[first].term == std::uint64_t(log[first].term) &&
           seen.log[first].command == std::uint64_t(log[first].command))
      ++first;
    std::optional<std::string> violation;
    if (first < seen.log.size() && !crashed && !seen.crashed) violation = judge(world, self, seen, first);
    if (first < seen.log.size() || log.size() > seen.log.size()) {
      seen.log.resize(log.size());
      for (std::size_t i = std::max(first, log.first()); i < log.size(); ++i)
        seen.log[i] = SeenEntry{std::uint64_t(log[i].term), std::uint64_t(log[i].command)};
    }
    seen.crashed = crashed;
    return violation;
  }

  // seen_ is each node's log as it is now: nothing to add.
  void encode(StateEncoder&) const {}
  void restore(const TruncateOnlyOnConflict& from, int touched) {
    if (touched >= 0) seen_[std::size_t(touched)] = from.seen_[std::size_t(touched)];
  }

 private:
  struct SeenEntry {
    std::uint64_t term = 0;
    std::uint64_t command = 0;
  };
  struct Seen {
    boost::container::small_vector<SeenEntry, 16> log;
    bool crashed = false;
    LogSeen writes;
  };

  // Entry first + 1 (1-based) of seen.log was removed or replaced.
  template <class World>
  static std::optional<std::string> judge(const World& world, NodeIndex self, const Seen& seen, std::size_t first) {
    const std::uint64_t index = first + 1;
    const SeenEntry& lost = seen.log[first];
    const auto* request = world.delivered();
    if constexpr (requires { request->is_install_snapshot(); })
      if (request && request->is_install_snapshot()) {
        // Figure 13: a snapshot replaces the entries it covers, and the whole
        // log when the entry at its last index does not match. (A message
        // without snapshot_last_index(), libraft's, carries it as prev_index().)
        std::uint64_t last = 0;
        if constexpr (requires { request->snapshot_last_index(); })
          last = request->snapshot_last_index();
        else
          last = request->prev_index();
        const bool kept_matched = last <= seen.log.size() && last > 0 &&
                                  seen.log[last - 1].term == std::uint64_t(request->prev_term());
        if (index <= last || !kept_matched) return std::nullopt;
        return fmt::format("node {} removed its entry {} ({}:{}) on installing a snapshot up to {} from node {} that "
                           "kept its entry {}",
                           node_label(self), index, lost.term, lost.command, last, node_label(world.delivered_from()),
                           last);
      }
    if (request && request->is_append()) {
      const std::uint64_t prev = request->prev_index();
      if (index > prev && index <= prev + request->entries.size() &&
          std::uint64_t(request->entries[index - prev - 1].term) != lost.term)
        return std::nullopt;
      return fmt::format("node {} removed its entry {} ({}:{}) on an AppendEntries from node {} (prev={}, {} entries) "
                         "that sent no conflicting entry there",
                         node_label(self), index, lost.term, lost.command, node_label(world.delivered_from()), prev,
                         request->entries.size());
    }
    return fmt::format("node {} removed its entry {} ({}:{}) without an AppendEntries sending a conflicting one",
                       node_label(self), index, lost.term, lost.command);
  }

  std::array<Seen, kMaxNodes> seen_;  // each node's log when last checked
};

}  // namespace skiff::invariants
