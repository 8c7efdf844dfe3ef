// The stages Raft's deep bugs pass through, as protocol-level features
// (state_feedback.hpp), for every Raft whose nodes show a log with terms, a
// commit index, a term and a role: skiff's Raft (fuzz/raft.cpp) and
// canonical/raft (fuzz/libraft.cpp). A counterexample of Figure 8 or of a
// broken up-to-date check goes through these, one after the other, long
// before an invariant breaks; rewarding each stage lets libFuzzer keep the
// inputs that reach it and mutate them towards the next.
//
//  - divergent logs: how many pairs of live nodes hold different terms at
//    some index, the first such index (capped), and whether that index is
//    at or below either node's commit index (a committed entry that another
//    log contradicts: one step from log-matching or state-machine-safety);
//  - a leader elected (this event) while another node holds a log that is
//    more up to date (a higher last term, or the same and longer), and
//    whether that node had committed beyond the leader's log;
//  - a leader that raises its commit index to an entry of an earlier term
//    (Figure 8's step: correct Raft commits only entries of its own term
//    directly), and by how many terms;
//  - an entry overwritten (its term changed at an index the node held
//    before this event), and whether it was at or below its own commit
//    index, or some node's.
//
// The last three compare a node with itself before the event: the
// abstraction keeps, per run, each node's role, commit index and the terms
// of its first kTracked entries. begin_run() forgets them.
#pragma once

#include <algorithm>
#include <array>
#include <cstdint>
#include <span>

#include "fuzz/protocol_target.hpp"

namespace skiff::fuzz {

class RaftDepthStages {
 public:
  static constexpr std::size_t kTracked = 8;  // entries per node compared with the last event

  void begin_run() { before_ = {}; }

  template <class P, class Mark>
  void features(const World<P>& world, Mark& mark) {
    const int n = world.node_count();
    std::uint64_t highest_commit = 0;
    for (int i = 0; i < n; ++i)
      highest_commit = std::max<std::uint64_t>(highest_commit, world.node(NodeIndex(i)).commit_index());
    divergence(world, mark);
    for (int i = 0; i < n; ++i) {
      const NodeIndex self = NodeIndex(i);
      const auto& node = world.node(self);
      const auto log = node.log();
      const std::uint64_t commit = node.commit_index();
      Before& before = before_[std::size_t(i)];
      if (!world.crashed(self)) {
        if (node.is_leader() && !before.leader) elected(world, self, mark);
        if (node.is_leader() && commit > before.commit && commit >= 1 && commit <= log.size()) {
          const std::uint64_t entry_term = log[commit - 1].term;
          if (entry_term < node.term()) mark(feature(0xC0E7, capped(node.term() - entry_term, 2)));
        }
        const std::size_t compared = std::min<std::size_t>({before.length, log.size(), kTracked});
        for (std::size_t k = 0; k < compared; ++k) {
          if (before.terms[k] == log[k].term) continue;
          mark(feature(0x0E77, k < before.commit, k < highest_commit));
          break;
        }
      }
      before.leader = !world.crashed(self) && node.is_leader();
      before.commit = commit;
      before.length = log.size();
      for (std::size_t k = 0; k < std::min<std::size_t>(log.size(), kTracked); ++k) before.terms[k] = log[k].term;
    }
  }

 private:
  struct Before {
    bool leader = false;
    std::uint64_t commit = 0;
    std::size_t length = 0;
    std::array<std::uint64_t, kTracked> terms{};
  };

  template <class P, class Mark>
  static void divergence(const World<P>& world, Mark& mark) {
    const int n = world.node_count();
    std::uint64_t pairs = 0, first = ~0ull;
    bool under_commit = false;
    for (int a = 0; a < n; ++a) {
      if (world.crashed(NodeIndex(a))) continue;
      const auto& node_a = world.node(NodeIndex(a));
      const auto log_a = node_a.log();
      for (int b = a + 1; b < n; ++b) {
        if (world.crashed(NodeIndex(b))) continue;
        const auto& node_b = world.node(NodeIndex(b));
        const auto log_b = node_b.log();
        const std::size_t common = std::min(log_a.size(), log_b.size());
        for (std::size_t k = 0; k < common; ++k) {
          if (log_a[k].term == log_b[k].term) continue;
          ++pairs;
          first = std::min<std::uint64_t>(first, k + 1);
          under_commit |= k < node_a.commit_index() || k < node_b.commit_index();
          break;
        }
      }
    }
    if (pairs) mark(feature(0xD1F0, capped(pairs, 3), capped(first, 4), under_commit));
  }

  // `leader` has just become leader: is another node's log more up to date?
  template <class P, class Mark>
  static void elected(const World<P>& world, NodeIndex leader, Mark& mark) {
    const auto log = world.node(leader).log();
    const std::uint64_t last_term = log.empty() ? 0 : log.back().term;
    std::uint64_t ahead = 0;
    bool committed_beyond = false;
    for (int i = 0; i < world.node_count(); ++i) {
      if (NodeIndex(i) == leader) continue;
      const auto& other = world.node(NodeIndex(i));
      const auto other_log = other.log();
      const std::uint64_t other_term = other_log.empty() ? 0 : other_log.back().term;
      if (other_term < last_term || (other_term == last_term && other_log.size() <= log.size())) continue;
      ++ahead;
      committed_beyond |= other.commit_index() > log.size();
    }
    mark(feature(0x1EAD, capped(ahead, 2), committed_beyond));
  }

  std::array<Before, kMaxNodes> before_{};
};

}  // namespace skiff::fuzz
