// commit-current-term-on-majority (rule): a leader raises its commit index
// only to an index whose entry is of its current term and is stored on a
// majority of the voters (Figure 2, Rules for Servers, Leaders: "If there
// exists an N such that N > commitIndex, a majority of matchIndex[i] >= N,
// and log[N].term == currentTerm: set commitIndex = N").
//
// "Stored" is judged from the nodes themselves, not from what the leader
// believes: the entry equal to the leader's at N on the disks of a majority
// of the voters of the leader's configuration (with membership changes, the
// latest in its log: Raft thesis, chapter 4).
#pragma once

#include "invariants/log_view.hpp"

#include <fmt/format.h>

#include <array>
#include <cstdint>
#include <optional>
#include <string>

#include "invariants/rule_support.hpp"
#include "protocols/protocol.hpp"
#include "protocols/state_encoder.hpp"

namespace skiff::invariants {

class CommitCurrentTermOnMajority {
 public:
  static constexpr std::string_view name = "commit-current-term-on-majority";
  static constexpr std::string_view description =
      "rule: a leader raises its commit index only to an entry of its own term stored on a majority of voters";

  template <class World>
  std::optional<std::string> check(const World& world, int touched) {
    if (touched < 0) return std::nullopt;
    const NodeIndex self = NodeIndex(touched);
    const auto& node = world.node(self);
    std::uint64_t& before = commit_[self];
    const std::uint64_t commit = node.commit_index();
    const std::uint64_t was = before;
    before = commit;
    if (commit <= was || !node.is_leader() || world.crashed(self)) return std::nullopt;
    const auto log = log_view(node);
    if (commit > log.size())
      return fmt::format("leader {} of term {} raised its commit index to {}, past its last entry {}",
                         node_label(self), std::uint64_t(node.term()), commit, log.size());
    if (!log.holds(commit - 1)) return std::nullopt;  // in its snapshot
    const auto& entry = log[commit - 1];
    if (std::uint64_t(entry.term) != std::uint64_t(node.term()))
      return fmt::format("leader {} of term {} raised its commit index from {} to {}, whose entry ({}:{}) is of term {}",
                         node_label(self), std::uint64_t(node.term()), was, commit, std::uint64_t(entry.term),
                         std::uint64_t(entry.command), std::uint64_t(entry.term));
    auto holds = [&](int i) {
      if (!is_voter_for(world, self, NodeIndex(i))) return false;
      const auto disk = stored_log(world.node(NodeIndex(i)));
      return disk.holds(commit - 1) && disk[commit - 1] == entry;
    };
    int stored = 0;
    for (int i = 0; i < world.node_count(); ++i) stored += holds(i);
    if (stored >= voter_majority_for(world, self)) return std::nullopt;
    std::string holders;
    for (int i = 0; i < world.node_count(); ++i)
      if (holds(i)) holders += fmt::format("{}{}", holders.empty() ? "" : ",", node_label(NodeIndex(i)));
    return fmt::format("leader {} of term {} raised its commit index from {} to {}, but entry {} ({}:{}) is on the disks "
                       "of nodes {{{}}} only, not a majority",
                       node_label(self), std::uint64_t(node.term()), was, commit, commit, std::uint64_t(entry.term),
                       std::uint64_t(entry.command), holders);
  }

  // commit_ is each node's commit index as it is now: nothing to add.
  void encode(StateEncoder&) const {}
  void restore(const CommitCurrentTermOnMajority& from, int touched) {
    if (touched >= 0) commit_[std::size_t(touched)] = from.commit_[std::size_t(touched)];
  }

 private:
  std::array<std::uint64_t, kMaxNodes> commit_{};  // each node's commit index when last checked
};

}  // namespace skiff::invariants
