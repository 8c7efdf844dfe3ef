// phase2-value-from-promises (rule): a proposer sends an Accept at ballot b
// only after promises for b from a majority of acceptors, and in each slot
// it proposes the value of the highest-ballot acceptance those promises
// reported, or any value if they reported none ("Paxos Made Simple",
// section 2.2, phase 2 (a): "If the proposer receives a response to its
// prepare requests (numbered n) from a majority of acceptors, then it sends
// an accept request to each of those acceptors for a proposal numbered n
// with a value v, where v is the value of the highest-numbered proposal
// among the responses, or is any value if the responses reported no
// proposals").
//
// The rule keeps, per proposer, the promises for its current ballot: its own
// acceptor's (given when it starts phase 1) and those delivered to it, from
// distinct acceptors, until it starts phase 2; then it freezes them (later
// promises are not among those the proposer chose from). Each Accept the
// proposer sends is judged against them.
#pragma once

#include <boost/container/small_vector.hpp>
#include <fmt/format.h>

#include <array>
#include <bit>
#include <optional>
#include <string>

#include "invariants/promise_never_decreases.hpp"
#include "protocols/protocol.hpp"
#include "protocols/state_encoder.hpp"

namespace skiff::invariants {

class Phase2ValueFromPromises {
 public:
  static constexpr std::string_view name = "phase2-value-from-promises";
  static constexpr std::string_view description =
      "rule: an Accept follows promises from a majority, and proposes in each slot the value of the "
      "highest-ballot acceptance they reported (any value if none)";

  template <class World>
  std::optional<std::string> check(const World& world, int touched) {
    if (touched < 0) return std::nullopt;
    const NodeIndex self = NodeIndex(touched);
    const auto& node = world.node(self);
    using Phase = std::decay_t<decltype(node.phase())>;
    Ghost& ghost = ghost_[self];
    const Ballot ballot{node.ballot().round, node.ballot().proposer};
    if (!(ghost.ballot == ballot)) {
      ghost = Ghost{};
      if (node.phase() != Phase::Idle) {  // a new phase 1: its own acceptor promised first
        ghost.ballot = ballot;
        add_promise(ghost, self, node.votes());
      }
    } else if (const auto* promise = world.delivered()) {
      using MessageType = std::decay_t<decltype(promise->type)>;
      if (promise->type == MessageType::Promise && !ghost.frozen && ballot.round != 0 &&
          Ballot{promise->ballot.round, promise->ballot.proposer} == ballot)
        add_promise(ghost, world.delivered_from(), promise->entries);
    }
    const int majority = world.node_count() / 2 + 1;
    if (!ghost.frozen && ballot.round != 0 && node.phase() == Phase::Accepting) {
      ghost.frozen = true;
      if (std::popcount(ghost.promisers) < majority)
        return fmt::format("node {} started phase 2 of ballot {} with promises from {} acceptors, not a majority",
                           node_label(self), ballot_text(ballot), std::popcount(ghost.promisers));
    }
    std::optional<std::string> violation;
    world.for_each_sent([&](NodeIndex, const auto& accept) {
      using MessageType = std::decay_t<decltype(accept.type)>;
      if (violation || accept.type != MessageType::Accept) return;
      const Ballot b{accept.ballot.round, accept.ballot.proposer};
      if (!(b == ghost.ballot) || !ghost.frozen) {
        violation = fmt::format("node {} sent an Accept at ballot {} without a majority of promises for it",
                                node_label(self), ballot_text(b));
        return;
      }
      for (const auto& entry : accept.entries) {
        if (entry.slot >= ghost.reported.size() || ghost.reported[entry.slot].ballot.round == 0) continue;
        const Reported& r = ghost.reported[entry.slot];
        if (std::uint64_t(entry.value) == r.value) continue;
        violation = fmt::format(
            "node {} proposed value {} in slot {} at ballot {}, but the promises it chose from reported value {} "
            "accepted at ballot {}",
            node_label(self), std::uint64_t(entry.value), entry.slot, ballot_text(b), r.value, ballot_text(r.ballot));
        return;
      }
    });
    return violation;
  }

  // What a proposer's promises reported is not all in its state once it has
  // started phase 2, so it is put while it can still be read: while the
  // proposer's ballot is the one the promises are for.
  template <class World>
  void encode(StateEncoder& encoder, const World& world) const {
    for (int k = 0; k < world.node_count(); ++k) {
      const NodeIndex i = encoder.original(NodeIndex(k));
      const Ghost& g = ghost_[i];
      const auto b = world.node(i).ballot();
      if (g.ballot.round == 0 || g.ballot.round != b.round || g.ballot.proposer != b.proposer) {
        encoder.put(0);
        continue;
      }
      encoder.put(std::uint64_t(g.frozen) + 1);
      encoder.put_node_set(g.promisers);
      encoder.put(g.reported.size());
      for (const Reported& r : g.reported) {
        encoder.put(r.ballot.round);
        encoder.put_optional_node(r.ballot.round == 0 ? -1 : int(r.ballot.proposer));
        encoder.put(r.value);
      }
    }
  }
  void restore(const Phase2ValueFromPromises& from, int touched) {
    if (touched >= 0) ghost_[std::size_t(touched)] = from.ghost_[std::size_t(touched)];
  }

 private:
  struct Ballot {
    std::uint32_t round = 0;
    std::uint32_t proposer = 0;
    friend auto operator<=>(const Ballot&, const Ballot&) = default;
  };
  struct Reported {
    Ballot ballot;  // the highest reported in the slot (round 0: none)
    std::uint64_t value = 0;
  };
  struct Ghost {
    Ballot ballot;               // the proposer's ballot these promises are for (round 0: none)
    std::uint8_t promisers = 0;  // bit per distinct acceptor
    bool frozen = false;         // phase 2 started: these are the promises it chose from
    boost::container::small_vector<Reported, 4> reported;  // per slot
  };

  // Adds one acceptor's promise: its votes, each a slot's (ballot, value).
  template <class Votes>
  static void add_promise(Ghost& ghost, NodeIndex acceptor, const Votes& votes) {
    const auto bit = std::uint8_t(1u << acceptor);
    if (ghost.promisers & bit) return;
    ghost.promisers |= bit;
    for (std::size_t k = 0; k < votes.size(); ++k) {
      const auto& vote = votes[k];
      std::size_t slot = k;
      if constexpr (requires { vote.slot; }) slot = vote.slot;
      const Ballot b{vote.ballot.round, vote.ballot.proposer};
      if (b.round == 0) continue;
      if (ghost.reported.size() <= slot) ghost.reported.resize(slot + 1);
      Reported& r = ghost.reported[slot];
      if (r.ballot < b) r = Reported{b, std::uint64_t(vote.value)};
    }
  }

  std::array<Ghost, kMaxNodes> ghost_;  // ghost, per proposer
};

}  // namespace skiff::invariants
