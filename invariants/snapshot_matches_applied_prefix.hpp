// snapshot-matches-applied-prefix: a node's snapshot holds exactly the
// prefix of the committed log up to its last included index: its state is
// the commands of entries 1..index as they were first reported committed,
// it is a prefix of the node's own state machine, and its configuration is
// the one in effect at that index (the latest configuration entry at or
// before it, or the boot configuration). Only for nodes that take snapshots
// (skiff's Raft: snapshot_index()); for any other it holds trivially.
//
// Ghost history: each committed entry's command and the configuration in
// effect after it, learnt from the first node that reports it committed and
// still holds it. A node's snapshot is judged when its last index changes
// (and again once the history reaches it), so an event costs O(1) besides
// the entries newly committed.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "invariants/log_view.hpp"
#include "protocols/protocol.hpp"
#include "protocols/state_encoder.hpp"

namespace skiff::invariants {

class SnapshotMatchesAppliedPrefix {
 public:
  static constexpr std::string_view name = "snapshot-matches-applied-prefix";
  static constexpr std::string_view description =
      "a node's snapshot holds exactly the committed prefix up to its last index (state and configuration), and "
      "its state machine starts with it";

  template <class World>
  std::optional<std::string> check(const World& world, int touched) {
    if (touched < 0) return std::nullopt;
    const auto& node = world.node(NodeIndex(touched));
    if constexpr (!requires { node.snapshot_index(); }) {
      return std::nullopt;
    } else {
      // A world without a snapshot budget never takes one: nothing to keep
      // (runs without snapshots cost what they did).
      if (active_ < 0) {
        active_ = 1;
        if constexpr (requires { world.remaining().snapshots; }) active_ = world.remaining().snapshots > 0;
      }
      if (!active_) return std::nullopt;
      observe(node);
      const std::uint64_t snap = node.snapshot_index();
      std::uint64_t& judged = judged_[std::size_t(touched)];
      if (snap == 0 || snap == judged) return std::nullopt;
      const auto state = node.snapshot_state();
      const NodeIndex self = NodeIndex(touched);
      if (state.size() != snap)
        return fmt::format("node {}'s snapshot up to {} holds {} commands", node_label(self), snap, state.size());
      if (committed_.size() < snap)
        return fmt::format("node {} holds a snapshot up to {}, but only {} entries were ever reported committed",
                           node_label(self), snap, committed_.size());
      for (std::size_t i = 0; i < snap; ++i)
        if (std::uint64_t(state[i]) != committed_[i].command)
          return fmt::format("node {}'s snapshot holds command {} at index {}, where {} was committed",
                             node_label(self), std::uint64_t(state[i]), i + 1, committed_[i].command);
      const auto applied = node.applied();
      if (applied.size() < snap || !std::equal(state.begin(), state.end(), applied.begin()))
        return fmt::format("node {}'s state machine does not start with its snapshot up to {}", node_label(self),
                           snap);
      const auto config = node.snapshot_configuration();
      const Committed& at = committed_[snap - 1];
      if (config.voters != at.voters || config.learners != at.learners) {
        std::string held, expected;
        print_configuration(held, config);
        print_configuration(expected, decltype(config){at.voters, at.learners});
        return fmt::format("node {}'s snapshot up to {} holds configuration {}, but {} is in effect there",
                           node_label(self), snap, held, expected);
      }
      judged = snap;
      return std::nullopt;
    }
  }

  void encode(StateEncoder& encoder) const {
    encoder.put(committed_.size());
    for (const Committed& c : committed_) encoder.put(c.command);
  }
  void restore(const SnapshotMatchesAppliedPrefix& from, int touched) {
    if (touched < 0) return;
    committed_.resize(from.committed_.size());
    judged_ = from.judged_;
    active_ = from.active_;
  }

 private:
  struct Committed {
    std::uint64_t command;
    NodeBits voters, learners;  // the configuration in effect after this entry
  };

  template <class Node>
  void observe(const Node& node) {
    const auto log = log_view(node);
    const std::size_t committed = std::min<std::size_t>(node.commit_index(), log.size());
    for (std::size_t i = committed_.size(); i < committed && log.holds(i); ++i) {
      Committed c{std::uint64_t(log[i].command), 0, 0};
      if (log[i].is_configuration()) {
        c.voters = log[i].configuration().voters, c.learners = log[i].configuration().learners;
      } else if (i > 0) {
        c.voters = committed_[i - 1].voters, c.learners = committed_[i - 1].learners;
      } else {
        c.voters = node.boot_configuration().voters, c.learners = node.boot_configuration().learners;
      }
      committed_.push_back(c);
    }
  }

  std::vector<Committed> committed_;         // ghost: committed_[i] is log index i+1
  std::array<std::uint64_t, kMaxNodes> judged_{};  // per node: the snapshot index last judged sound
  int active_ = -1;  // whether the world may take snapshots; -1: not yet seen
};

}  // namespace skiff::invariants
