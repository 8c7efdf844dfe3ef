// accept-at-or-above-promise (rule): an acceptor accepts a proposal only at
// a ballot at or above the ballot it has promised at that moment ("Paxos
// Made Simple", section 2.2, P1a: "An acceptor can accept a proposal
// numbered n iff it has not responded to a prepare request having a number
// greater than n").
//
// Judged from the acceptor's votes: at a step where a slot's vote becomes a
// new (ballot, value), the ballot is compared with the promise the acceptor
// held before the step. Only the slots the step wrote are compared
// (invariants/slot_changes.hpp).
#pragma once

#include <boost/container/small_vector.hpp>
#include <fmt/format.h>

#include <array>
#include <optional>
#include <string>

#include "invariants/promise_never_decreases.hpp"
#include "invariants/slot_changes.hpp"
#include "protocols/protocol.hpp"
#include "protocols/state_encoder.hpp"

namespace skiff::invariants {

class AcceptAtOrAbovePromise {
 public:
  static constexpr std::string_view name = "accept-at-or-above-promise";
  static constexpr std::string_view description =
      "rule: an acceptor accepts only at a ballot at or above the one it has promised";

  template <class World>
  std::optional<std::string> check(const World& world, int touched) {
    if (touched < 0) return std::nullopt;
    const auto& node = world.node(NodeIndex(touched));
    Seen& seen = seen_[std::size_t(touched)];
    const auto votes = node.votes();
    const SlotRange changed = votes_changed(node, seen.writes);
    std::optional<std::string> violation;
    for (std::size_t slot = changed.from; slot < changed.to && !violation; ++slot) {
      const Ballot ballot{votes[slot].ballot.round, votes[slot].ballot.proposer};
      if (ballot.round == 0) continue;
      if (slot < seen.votes.size() && seen.votes[slot].ballot == ballot && seen.votes[slot].value == votes[slot].value)
        continue;
      if (ballot < seen.promised)
        violation = fmt::format("node {} accepted ballot {} in slot {}, having promised {}",
                                node_label(NodeIndex(touched)), ballot_text(ballot), slot, ballot_text(seen.promised));
    }
    const auto promised = node.promised();
    seen.promised = Ballot{promised.round, promised.proposer};
    seen.votes.resize(votes.size());
    for (std::size_t slot = changed.from; slot < changed.to; ++slot)
      seen.votes[slot] = SeenVote{Ballot{votes[slot].ballot.round, votes[slot].ballot.proposer}, votes[slot].value};
    return violation;
  }

  // seen_ is each node's acceptor state as it is now: nothing to add.
  void encode(StateEncoder&) const {}
  void restore(const AcceptAtOrAbovePromise& from, int touched) {
    if (touched >= 0) seen_[std::size_t(touched)] = from.seen_[std::size_t(touched)];
  }

 private:
  struct Ballot {
    std::uint32_t round = 0;
    std::uint32_t proposer = 0;
    friend auto operator<=>(const Ballot&, const Ballot&) = default;
  };
  struct SeenVote {
    Ballot ballot;
    std::uint64_t value = 0;
  };
  struct Seen {
    Ballot promised;
    boost::container::small_vector<SeenVote, 8> votes;
    SlotsSeen writes;  // the node's writing events seen so far
  };
  std::array<Seen, kMaxNodes> seen_;  // each node's promise and votes when last checked
};

}  // namespace skiff::invariants
