// leader-completeness: a leader's log holds every entry that was committed in
// an earlier term. The ghost history records each index's committed entry and
// the term in which a node first reported it committed.
//
// Incremental: per node, how many of the committed entries its log was found
// to hold while it leads its current term; an event compares only the entries
// after that, or after the first entry of its log the event may have changed
// (invariants/log_changes.hpp), so it costs the same whatever the log's length.
#pragma once

#include "invariants/log_view.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "invariants/log_changes.hpp"
#include "protocols/protocol.hpp"
#include "protocols/state_encoder.hpp"

namespace skiff::invariants {

class LeaderCompleteness {
 public:
  static constexpr std::string_view name = "leader-completeness";
  static constexpr std::string_view description =
      "a leader's log holds every entry committed in an earlier term";

  template <class World>
  std::optional<std::string> check(const World& world, int touched) {
    if (touched < 0) return std::nullopt;
    const auto& node = world.node(NodeIndex(touched));
    const auto log = log_view(node);
    const std::size_t committed = std::min<std::size_t>(node.commit_index(), log.size());
    bool grew = false;
    for (std::size_t i = committed_.size(); i < committed && log.holds(i); ++i) {  // the first commit at an index is what counts
      committed_.push_back(Committed{log[i].term, log[i].command, node.term()});
      grew = true;
    }
    if (grew) {
      for (int other = 0; other < world.node_count(); ++other)
        if (auto failure = check_leader(world, NodeIndex(other))) return failure;
      return std::nullopt;
    }
    return check_leader(world, NodeIndex(touched));
  }

  void encode(StateEncoder& encoder) const {
    encoder.put(committed_.size());
    for (const Committed& c : committed_) {
      encoder.put(c.term);
      encoder.put(c.command);
      encoder.put(c.committed_in);
    }
  }

  // check() changes nothing on an event that touched no node; otherwise it
  // only appends to the ghost and moves the nodes' marks.
  void restore(const LeaderCompleteness& from, int touched) {
    if (touched < 0) return;
    committed_.resize(from.committed_.size());
    verified_ = from.verified_;
  }

 private:
  struct Committed {
    std::uint64_t term;          // the entry's term
    std::uint64_t command;
    std::uint64_t committed_in;  // the term in which it was first seen committed
  };

  // What was found of one node: its log held committed_[0, held) while it
  // led term `term` (0: not leading when last checked).
  struct Verified {
    LogSeen seen;
    std::uint64_t term = 0;
    std::size_t held = 0;
  };

  template <class World>
  std::optional<std::string> check_leader(const World& world, NodeIndex leader) {
    const auto& node = world.node(leader);
    Verified& verified = verified_[leader];
    const std::size_t changed = log_changed_from(node, verified.seen);
    if (!node.is_leader()) {
      verified.term = 0;
      return std::nullopt;
    }
    if (verified.term != std::uint64_t(node.term())) verified = Verified{verified.seen, node.term(), 0};
    verified.held = std::min(verified.held, changed);
    const auto log = log_view(node);
    for (std::size_t i = verified.held; i < committed_.size(); ++i, verified.held = i) {
      const Committed& c = committed_[i];
      if (c.committed_in >= node.term()) continue;
      if (i < log.first()) continue;  // in its snapshot (snapshot-matches-applied-prefix judges it)
      if (i < log.size() && log[i].term == c.term && log[i].command == c.command) continue;
      std::string held = i < log.size() ? fmt::format("{}:{}", log[i].term, log[i].command) : "nothing";
      return fmt::format(
          "leader {} of term {} lacks entry {} ({}:{}) committed in term {}; it holds {} there",
          node_label(leader), node.term(), i + 1, c.term, c.command, c.committed_in, held);
    }
    return std::nullopt;
  }

  std::vector<Committed> committed_;  // ghost: committed_[i] is log index i+1
  std::array<Verified, kMaxNodes> verified_{};  // per node; a function of the state, not encoded
};

}  // namespace skiff::invariants
