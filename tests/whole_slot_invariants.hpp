// The Paxos invariants as they were before they became incremental: each
// compares every slot of the touched node's votes and learned values at every
// event, and searches the whole ghost history. Kept for two uses only: the
// test that the incremental invariants (invariants/) agree with them on every
// event of many runs (tests/incremental_invariants_test.cpp), and the
// benchmark of cost per event against log length (bench/log_length_bench.cpp).
#pragma once

#include <boost/container/small_vector.hpp>
#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <bit>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "invariants/invariant.hpp"
#include "invariants/node_survives.hpp"
#include "invariants/phase2_value_from_promises.hpp"
#include "invariants/promise_never_decreases.hpp"
#include "protocols/paxos/paxos_message.hpp"
#include "protocols/protocol.hpp"
#include "protocols/state_encoder.hpp"

namespace skiff::whole_slot {

using skiff::invariants::ballot_text;
using skiff::invariants::NodeSurvives;
using skiff::invariants::Phase2ValueFromPromises;
using skiff::invariants::PromiseNeverDecreases;

// ---- chosen_history, as it was


class ChosenHistory {
 public:
  struct Chosen {
    paxos::Slot slot = 0;
    paxos::Ballot ballot;
    paxos::Value value = paxos::kNoValue;
    std::uint8_t acceptors = 0;  // the majority that chose it (bit per node)
  };

  // Records the votes node `touched` cast since it was last observed. Returns
  // the position in chosen() of the first value chosen by them (chosen().size()
  // if none).
  template <class World>
  std::size_t observe(const World& world, int touched) {
    const std::size_t first_new = chosen_.size();
    if (touched < 0) return first_new;
    const auto votes = world.node(NodeIndex(touched)).votes();
    std::vector<paxos::Vote>& seen = seen_[std::size_t(touched)];
    if (std::equal(votes.begin(), votes.end(), seen.begin(), seen.end())) return first_new;  // most events
    seen.resize(votes.size());  // votes it no longer holds are forgotten here too, not in tallies_
    for (paxos::Slot slot = 0; slot < votes.size(); ++slot) {
      if (votes[slot].ballot.none() || seen[slot] == votes[slot]) continue;
      seen[slot] = votes[slot];
      record(slot, seen[slot], NodeIndex(touched), world.node_count() / 2 + 1);
    }
    return first_new;
  }

  std::span<const Chosen> chosen() const { return chosen_; }

  bool was_chosen(paxos::Slot slot, paxos::Value value) const {
    for (const Chosen& c : chosen_)
      if (c.slot == slot && c.value == value) return true;
    return false;
  }

  // The ghost history, for the model checker. The votes last seen per node
  // are left out: they are always the nodes' current votes, which the world
  // encodes.
  void encode(StateEncoder& e) const {
    e.put(tallies_.size());
    for (const Tally& t : tallies_) {
      e.put(t.slot);
      paxos::encode_ballot(e, t.vote.ballot);
      e.put(t.vote.value);
      e.put_node_set(t.acceptors);
      e.put(t.chosen);
    }
  }

  // "value 7 at b2.1 by nodes 1,3"
  static std::string describe(const Chosen& c) {
    std::string out = "value ";
    paxos::print_value(out, c.value);
    out += " at ";
    paxos::print_ballot(out, c.ballot);
    out += " by nodes ";
    bool first = true;
    for (int n = 0; n < kMaxNodes; ++n) {
      if (!(c.acceptors & (1u << n))) continue;
      fmt::format_to(std::back_inserter(out), "{}{}", first ? "" : ",", node_label(NodeIndex(n)));
      first = false;
    }
    return out;
  }

 private:
  struct Tally {
    paxos::Slot slot;
    paxos::Vote vote;
    std::uint8_t acceptors;
    bool chosen;
  };

  void record(paxos::Slot slot, const paxos::Vote& vote, NodeIndex acceptor, int majority) {
    Tally* tally = nullptr;
    for (Tally& t : tallies_)
      if (t.slot == slot && t.vote == vote) tally = &t;
    if (!tally) tally = &tallies_.emplace_back(Tally{slot, vote, 0, false});
    tally->acceptors |= std::uint8_t(1u << acceptor);
    if (tally->chosen || std::popcount(tally->acceptors) < majority) return;
    tally->chosen = true;
    chosen_.push_back(Chosen{slot, vote.ballot, vote.value, tally->acceptors});
  }

  std::vector<Tally> tallies_;                          // every (slot, ballot, value) ever voted for
  std::array<std::vector<paxos::Vote>, kMaxNodes> seen_;  // per node, per slot: the vote last seen
  std::vector<Chosen> chosen_;                          // in the order they were chosen
};


// ---- accept_at_or_above_promise, as it was


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
    std::optional<std::string> violation;
    for (std::size_t slot = 0; slot < votes.size() && !violation; ++slot) {
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
    for (std::size_t slot = 0; slot < votes.size(); ++slot)
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
  };
  std::array<Seen, kMaxNodes> seen_;  // each node's promise and votes when last checked
};


// ---- agreement, as it was


class Agreement {
 public:
  static constexpr std::string_view name = "agreement";
  static constexpr std::string_view description =
      "at most one value is ever chosen in a slot (a majority of acceptors accepting it at one ballot)";

  template <class World>
  std::optional<std::string> check(const World& world, int touched) {
    for (std::size_t i = history_.observe(world, touched); i < history_.chosen().size(); ++i) {
      const ChosenHistory::Chosen& now = history_.chosen()[i];
      for (std::size_t j = 0; j < i; ++j) {
        const ChosenHistory::Chosen& earlier = history_.chosen()[j];
        if (earlier.slot != now.slot || earlier.value == now.value) continue;
        return fmt::format("slot {}: {} was chosen, then {}", now.slot, ChosenHistory::describe(earlier),
                           ChosenHistory::describe(now));
      }
    }
    return std::nullopt;
  }

  void encode(StateEncoder& encoder) const { history_.encode(encoder); }

 private:
  ChosenHistory history_;  // ghost
};


// ---- validity, as it was


class Validity {
 public:
  static constexpr std::string_view name = "validity";
  static constexpr std::string_view description =
      "every value chosen is a command a client proposed (or a no-op filling a gap)";

  template <class World>
  std::optional<std::string> check(const World& world, int touched) {
    for (std::size_t i = history_.observe(world, touched); i < history_.chosen().size(); ++i) {
      const ChosenHistory::Chosen& c = history_.chosen()[i];
      if (c.value == paxos::kNoOp) continue;
      // Client commands are numbered from 1 in the order clients hand them out.
      if (c.value != paxos::kNoValue && c.value < world.next_command()) continue;
      return fmt::format("slot {}: {} was chosen, but no client proposed it (commands so far: {})", c.slot,
                         ChosenHistory::describe(c),
                         world.next_command() > 1 ? fmt::format("1 to {}", world.next_command() - 1) : "none");
    }
    return std::nullopt;
  }

  void encode(StateEncoder& encoder) const { history_.encode(encoder); }

 private:
  ChosenHistory history_;  // ghost
};


// ---- learner_consistency, as it was


class LearnerConsistency {
 public:
  static constexpr std::string_view name = "learner-consistency";
  static constexpr std::string_view description =
      "no learner learns a value in a slot unless a majority of acceptors accepted it there at one ballot";

  template <class World>
  std::optional<std::string> check(const World& world, int touched) {
    history_.observe(world, touched);
    if (touched < 0) return std::nullopt;
    const auto learned = world.node(NodeIndex(touched)).learned_values();
    std::vector<paxos::Value>& seen = seen_[std::size_t(touched)];
    if (std::equal(learned.begin(), learned.end(), seen.begin(), seen.end())) return std::nullopt;  // most events
    seen.assign(learned.begin(), learned.end());
    for (paxos::Slot slot = 0; slot < learned.size(); ++slot) {
      const paxos::Value value = learned[slot];
      if (value == paxos::kNoValue || history_.was_chosen(slot, value)) continue;
      std::string text;
      paxos::print_value(text, value);
      return fmt::format("node {} learned value {} in slot {}, which no majority of acceptors accepted at one ballot",
                         node_label(NodeIndex(touched)), text, slot);
    }
    return std::nullopt;
  }

  void encode(StateEncoder& encoder) const { history_.encode(encoder); }

 private:
  ChosenHistory history_;  // ghost
  // What each node had learned when last checked (always its current learned
  // values, so the model checker need not encode it).
  std::array<std::vector<paxos::Value>, kMaxNodes> seen_;
};


// ---- chosen_prefix, as it was


class ChosenPrefix {
 public:
  static constexpr std::string_view name = "chosen-prefix";
  static constexpr std::string_view description =
      "no slot is chosen while an earlier slot is not: the chosen slots form a prefix of the log";

  template <class World>
  std::optional<std::string> check(const World& world, int touched) {
    for (std::size_t i = history_.observe(world, touched); i < history_.chosen().size(); ++i) {
      const ChosenHistory::Chosen& c = history_.chosen()[i];
      if (slot_chosen_.size() <= c.slot) slot_chosen_.resize(c.slot + 1, false);
      slot_chosen_[c.slot] = true;
      for (paxos::Slot earlier = 0; earlier < c.slot; ++earlier)
        if (!slot_chosen_[earlier])
          return fmt::format("slot {}: {} was chosen while slot {} had nothing chosen", c.slot,
                             ChosenHistory::describe(c), earlier);
    }
    return std::nullopt;
  }

  void encode(StateEncoder& encoder) const {
    history_.encode(encoder);
    encoder.put(slot_chosen_.size());
    for (bool chosen : slot_chosen_) encoder.put(chosen);
  }

 private:
  ChosenHistory history_;           // ghost
  std::vector<bool> slot_chosen_;   // ghost: slot_chosen_[s] once anything was chosen in s
};




// PaxosInvariants and SerialMultiPaxosInvariants (invariants/paxos_invariants.hpp)
// with the whole-slot versions.
using PaxosInvariants = InvariantSet<NodeSurvives, PromiseNeverDecreases, AcceptAtOrAbovePromise,
                                     Phase2ValueFromPromises, Agreement, Validity, LearnerConsistency>;
using SerialMultiPaxosInvariants =
    InvariantSet<NodeSurvives, PromiseNeverDecreases, AcceptAtOrAbovePromise, Phase2ValueFromPromises, Agreement,
                 Validity, LearnerConsistency, ChosenPrefix>;

}  // namespace skiff::whole_slot
