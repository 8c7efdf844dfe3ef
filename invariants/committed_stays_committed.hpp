// committed-stays-committed: what a node reported committed stays so: while
// it runs (one incarnation) its commit index never goes back, and on every
// node, whatever its incarnation, the entries below the commit index are the
// ones first reported committed at those indices.
//
// Incremental: an entry's verdict changes only if the node's log changes
// there (log_changes.hpp), so each check compares the entries committed since
// the last one and those its event wrote, not the whole committed prefix.
#pragma once

#include "invariants/log_changes.hpp"
#include "invariants/log_view.hpp"

#include <fmt/format.h>

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "protocols/protocol.hpp"
#include "protocols/state_encoder.hpp"

namespace skiff::invariants {

class CommittedStaysCommitted {
 public:
  static constexpr std::string_view name = "committed-stays-committed";
  static constexpr std::string_view description =
      "a running node's commit index never goes back, and no node ever commits another entry at an index "
      "where one was committed";

  template <class World>
  std::optional<std::string> check(const World& world, int touched) {
    if (touched < 0) return std::nullopt;
    const auto& node = world.node(NodeIndex(touched));
    Seen& seen = seen_[std::size_t(touched)];
    const std::uint64_t commit = node.commit_index();
    const std::size_t changed = log_changed_from(node, seen.log);  // kept up to date at every check
    if (world.crashed(NodeIndex(touched))) {
      seen = Seen{};
      return std::nullopt;
    }
    if (seen.incarnation == node.incarnation() && commit < seen.commit)
      return fmt::format("node {} lowered its commit index from {} to {} without restarting",
                         node_label(NodeIndex(touched)), seen.commit, commit);
    const std::size_t checked = seen.incarnation == node.incarnation() ? std::min(seen.checked, changed) : 0;
    seen.incarnation = node.incarnation();
    seen.commit = commit;
    const auto log = log_view(node);
    const std::size_t committed = std::min<std::size_t>(commit, log.size());
    seen.checked = 0;  // until this check finds nothing
    std::size_t i = std::max(log.first(), checked);
    // Stops early where nobody has reported a commit yet and this node has compacted the entries
    // before: those entries are compared at a later check, once first_ reaches them.
    for (; i < committed && i <= first_.size(); ++i) {
      if (i == first_.size()) first_.push_back(First{log[i].term, log[i].command, NodeIndex(touched)});
      const First& f = first_[i];
      if (log[i].term == f.term && log[i].command == f.command) continue;
      return fmt::format("node {} reports entry {} ({}:{}) committed, but node {} reported {}:{} committed there",
                         node_label(NodeIndex(touched)), i + 1, log[i].term, log[i].command, node_label(f.by),
                         f.term, f.command);
    }
    seen.checked = i;
    return std::nullopt;
  }

  void encode(StateEncoder& encoder) const {
    encoder.put(first_.size());
    for (const First& f : first_) {
      encoder.put(f.term);
      encoder.put(f.command);
    }
  }

 private:
  struct Seen {
    std::uint32_t incarnation = UINT32_MAX;
    std::uint64_t commit = 0;
    std::size_t checked = 0;  // entries below it were compared and found the first committed there
    LogSeen log;              // its log when last checked (log_changes.hpp)
  };
  struct First {
    std::uint64_t term;
    std::uint64_t command;
    NodeIndex by;
  };
  std::array<Seen, kMaxNodes> seen_{};  // ghost, per node
  std::vector<First> first_;            // ghost: the first entry reported committed at each index
};

}  // namespace skiff::invariants
