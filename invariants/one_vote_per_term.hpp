// one-vote-per-term (rule): once a node has voted for a candidate in a term,
// it votes for no other candidate in that term, even after a crash and
// restart (Figure 2, RequestVote RPC, receiver implementation 2: "If
// votedFor is null or candidateId, and candidate's log is at least as
// up-to-date as receiver's log, grant vote"; and votedFor is persistent
// state, "updated on stable storage before responding to RPCs").
#pragma once

#include <fmt/format.h>

#include <array>
#include <cstdint>
#include <optional>
#include <string>

#include "protocols/protocol.hpp"
#include "protocols/state_encoder.hpp"

namespace skiff::invariants {

class OneVotePerTerm {
 public:
  static constexpr std::string_view name = "one-vote-per-term";
  static constexpr std::string_view description =
      "rule: a node votes for at most one candidate in a term, across crashes and restarts too";

  template <class World>
  std::optional<std::string> check(const World& world, int touched) {
    if (touched < 0) return std::nullopt;
    const auto& node = world.node(NodeIndex(touched));
    const auto vote = node.voted_for();
    if (!vote) return std::nullopt;
    Vote& first = vote_[std::size_t(touched)];
    const std::uint64_t term = node.term();
    if (first.candidate >= 0 && first.term == term && first.candidate != int(*vote))
      return fmt::format("node {} voted for node {} in term {}, having voted for node {} in that term",
                         node_label(NodeIndex(touched)), node_label(*vote), term,
                         node_label(NodeIndex(first.candidate)));
    first = Vote{term, int(*vote)};
    return std::nullopt;
  }

  // The ghost is each node's vote in the last term it was seen voting in.
  // Only a vote of the node's current term can ever be read again (a vote of
  // an earlier term would need the term to go down, which
  // term-never-decreases, checked before this rule, reports), so only that
  // is put; while the node keeps its vote, it equals votedFor.
  template <class World>
  void encode(StateEncoder& encoder, const World& world) const {
    for (int k = 0; k < world.node_count(); ++k) {
      const NodeIndex i = encoder.original(NodeIndex(k));
      const Vote& v = vote_[i];
      encoder.put_optional_node(v.candidate >= 0 && v.term == world.node(i).term() ? v.candidate : -1);
    }
  }
  void restore(const OneVotePerTerm& from, int touched) {
    if (touched >= 0) vote_[std::size_t(touched)] = from.vote_[std::size_t(touched)];
  }

 private:
  struct Vote {
    std::uint64_t term = 0;
    int candidate = -1;  // -1: none seen
  };
  std::array<Vote, kMaxNodes> vote_{};  // ghost, per node
};

}  // namespace skiff::invariants
