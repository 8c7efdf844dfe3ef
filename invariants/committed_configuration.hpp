// Ghost history shared in kind by the membership invariants: how far the log
// was ever seen committed (the highest commit index any node reported) and
// the configuration of the latest configuration entry in that prefix (the
// boot configuration if none). Each invariant that needs it keeps its own.
#pragma once

#include "invariants/log_view.hpp"

#include <algorithm>
#include <cstdint>

#include "protocols/protocol.hpp"
#include "protocols/state_encoder.hpp"

namespace skiff::invariants {

template <class Configuration>
class CommittedConfiguration {
 public:
  // Takes in what `node` reports committed; O(entries newly committed).
  template <class Node>
  void observe(const Node& node) {
    if (!known_) {
      config_ = node.boot_configuration();
      known_ = true;
    }
    const auto log = log_view(node);
    const std::uint64_t committed = std::min<std::uint64_t>(node.commit_index(), log.size());
    if (committed <= length_) return;
    if (length_ < log.first()) return;  // compacted: learnt from a node that holds it
    for (std::uint64_t i = length_; i < committed; ++i)
      if (log[i].is_configuration()) config_ = log[i].configuration(), index_ = i + 1;
    length_ = committed;
  }

  std::uint64_t length() const { return length_; }   // entries committed
  std::uint64_t index() const { return index_; }     // the latest committed configuration entry; 0: boot
  Configuration configuration() const { return config_; }

  // The configuration follows from the committed prefix (which
  // leader-completeness puts) and the index of its entry; before any node is
  // seen, and while the boot configuration holds, the index is 0.
  void encode(StateEncoder& encoder) const {
    encoder.put(length_);
    encoder.put(index_);
  }

 private:
  bool known_ = false;
  std::uint64_t length_ = 0;
  std::uint64_t index_ = 0;
  Configuration config_{};
};

// Whether some majority of the voters of `a` and some majority of those of
// `b` can be disjoint: then two leaders of one term could be elected, one by
// each. Single-server changes keep any two consecutive configurations free of
// this (Raft thesis, section 4.2).
inline bool majorities_can_be_disjoint(NodeBits a, NodeBits b) {
  const int only_a = std::popcount(unsigned(a & ~b)), only_b = std::popcount(unsigned(b & ~a));
  const int both = std::popcount(unsigned(a & b));
  const int majority_a = std::popcount(unsigned(a)) / 2 + 1, majority_b = std::popcount(unsigned(b)) / 2 + 1;
  return std::max(0, majority_a - only_a) + std::max(0, majority_b - only_b) <= both;
}

}  // namespace skiff::invariants
