// leader-completeness: a leader's log holds every entry that was committed in
// an earlier term. The ghost history records each index's committed entry and
// the term in which a node first reported it committed.
#pragma once

#include <fmt/format.h>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

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
    const auto log = node.log();
    const std::size_t committed = std::min<std::size_t>(node.commit_index(), log.size());
    bool grew = false;
    for (std::size_t i = 0; i < committed; ++i) {
      if (i < committed_.size()) continue;  // the first commit at an index is what counts
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

  // check() changes nothing on an event that touched no node.
  void restore(const LeaderCompleteness& from, int touched) {
    if (touched >= 0) *this = from;
  }

 private:
  struct Committed {
    std::uint64_t term;          // the entry's term
    std::uint64_t command;
    std::uint64_t committed_in;  // the term in which it was first seen committed
  };

  template <class World>
  std::optional<std::string> check_leader(const World& world, NodeIndex leader) const {
    const auto& node = world.node(leader);
    if (!node.is_leader()) return std::nullopt;
    const auto log = node.log();
    for (std::size_t i = 0; i < committed_.size(); ++i) {
      const Committed& c = committed_[i];
      if (c.committed_in >= node.term()) continue;
      if (i < log.size() && log[i].term == c.term && log[i].command == c.command) continue;
      std::string held = i < log.size() ? fmt::format("{}:{}", log[i].term, log[i].command) : "nothing";
      return fmt::format(
          "leader {} of term {} lacks entry {} ({}:{}) committed in term {}; it holds {} there",
          node_label(leader), node.term(), i + 1, c.term, c.command, c.committed_in, held);
    }
    return std::nullopt;
  }

  std::vector<Committed> committed_;  // ghost: committed_[i] is log index i+1
};

}  // namespace skiff::invariants
