// election-quorums-overlap: a node becomes leader only in a configuration
// whose every majority meets every majority of the latest configuration ever
// committed. Otherwise a second leader of the same term could be elected by
// the other configuration's majority without one common voter (Raft thesis,
// section 4.2 and the 2015 single-server bug: a leader that changes the
// configuration before committing an entry of its term lets an older
// uncommitted change and its own have disjoint majorities). Judged at the
// step in which a node becomes leader; a leader's configuration changes
// afterwards only by its own appends, which one-uncommitted-config-change
// judges.
#pragma once

#include <fmt/format.h>

#include <cstdint>
#include <optional>
#include <string>

#include "invariants/committed_configuration.hpp"
#include "protocols/protocol.hpp"
#include "protocols/raft/raft_message.hpp"
#include "protocols/state_encoder.hpp"

namespace skiff::invariants {

// Configuration: the protocol's (skiff's Raft's by default; libraft's has
// its own), with `voters` as bits per node and print_configuration() beside
// it (found by argument-dependent lookup).
template <class Configuration = raft::Configuration>
class ElectionQuorumsOverlap {
 public:
  static constexpr std::string_view name = "election-quorums-overlap";
  static constexpr std::string_view description =
      "a node becomes leader only in a configuration whose majorities all meet those of the latest committed "
      "configuration (no two leaders of one term by disjoint majorities)";

  template <class World>
  std::optional<std::string> check(const World& world, int touched) {
    if (touched < 0) return std::nullopt;
    const NodeIndex self = NodeIndex(touched);
    const auto& node = world.node(self);
    committed_.observe(node);
    const NodeBits bit = NodeBits(1u << self);
    const bool was_leader = leaders_ & bit;
    leaders_ = NodeBits(node.is_leader() ? leaders_ | bit : leaders_ & ~bit);
    if (was_leader || !node.is_leader()) return std::nullopt;
    const auto mine = node.configuration(), committed = committed_.configuration();
    if (mine.voters == committed.voters || !majorities_can_be_disjoint(mine.voters, committed.voters))
      return std::nullopt;
    std::string a, b;
    print_configuration(a, mine);
    print_configuration(b, committed);
    return fmt::format(
        "node {} became leader of term {} in configuration {}, whose majorities need not meet those of the "
        "committed configuration {} (entry {})",
        node_label(self), std::uint64_t(node.term()), a, b, committed_.index());
  }

  // leaders_ is each node's role as it is now: only the ghost is put.
  void encode(StateEncoder& encoder) const { committed_.encode(encoder); }
  void restore(const ElectionQuorumsOverlap& from, int touched) {
    if (touched >= 0) *this = from;
  }

 private:
  CommittedConfiguration<Configuration> committed_;
  NodeBits leaders_ = 0;  // bit per node: leader when last checked
};

}  // namespace skiff::invariants
