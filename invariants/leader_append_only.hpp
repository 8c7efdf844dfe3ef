// leader-append-only: a leader never overwrites or deletes entries in its log
// during its term; it only appends.
//
// Incremental: it keeps each node's log as it is now, brought up to date from
// the first entry the event may have changed (invariants/log_changes.hpp), and
// compares only from there: entries before it are what they were. A node that
// does not say what it wrote (libraft) is kept only while it leads and
// compared whole, as before.
#pragma once

#include "invariants/log_view.hpp"

#include <fmt/format.h>

#include <array>
#include <optional>
#include <string>
#include <type_traits>
#include <vector>

#include "invariants/log_changes.hpp"
#include "protocols/protocol.hpp"
#include "protocols/state_encoder.hpp"

namespace skiff::invariants {

class LeaderAppendOnly {
 public:
  static constexpr std::string_view name = "leader-append-only";
  static constexpr std::string_view description =
      "a leader never overwrites or deletes entries of its own log during its term";

  template <class World>
  std::optional<std::string> check(const World& world, int touched) {
    if (touched < 0) return std::nullopt;
    const auto& node = world.node(NodeIndex(touched));
    using Node = std::decay_t<decltype(node)>;
    Seen& seen = seen_[std::size_t(touched)];
    const auto log = log_view(node);
    if (!node.is_leader()) {
      seen.leader_term = 0;
      if constexpr (kTracksLogWrites<Node>) keep(seen, log, log_changed_from(node, seen.writes));
      return std::nullopt;
    }
    const std::size_t from = log_changed_from(node, seen.writes);
    if (seen.leader_term == node.term()) {
      for (std::size_t i = from; i < seen.log.size(); ++i) {
        if (i < log.first()) continue;  // compacted into its snapshot
        if (i < log.size() && log[i].term == seen.log[i].term && log[i].command == seen.log[i].command)
          continue;
        return fmt::format("leader {} of term {} {} its entry {} ({}:{})", node_label(NodeIndex(touched)),
                           node.term(), i < log.size() ? "overwrote" : "deleted", i + 1, seen.log[i].term,
                           seen.log[i].command);
      }
    }
    seen.leader_term = node.term();
    keep(seen, log, from);
    return std::nullopt;
  }

  // Its history is a function of the current state: a leader's log is
  // checked and recorded every time the leader changes, so what was seen is
  // the log it has now. Nothing to add to the state.
  void encode(StateEncoder&) const {}

  // check() changes only what it saw of the touched node.
  void restore(const LeaderAppendOnly& from, int touched) {
    if (touched >= 0) seen_[std::size_t(touched)] = from.seen_[std::size_t(touched)];
  }

 private:
  struct SeenEntry {
    std::uint64_t term;
    std::uint64_t command;
  };
  struct Seen {
    std::uint64_t leader_term = 0;  // 0: not leader when last seen
    std::vector<SeenEntry> log;     // its log when last seen (as leader, unless it says what it wrote)
    LogSeen writes;
  };

  // Makes seen.log the log again, where it already holds its first `from` entries.
  template <class Log>
  static void keep(Seen& seen, const Log& log, std::size_t from) {
    seen.log.resize(log.size());
    for (std::size_t i = std::max(from, log.first()); i < log.size(); ++i) seen.log[i] = SeenEntry{log[i].term, log[i].command};
  }
  std::array<Seen, kMaxNodes> seen_;  // ghost, per node
};

}  // namespace skiff::invariants
