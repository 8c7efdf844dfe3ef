// The ghost history the Paxos invariants judge by: every vote any acceptor
// ever cast, and every value ever chosen. A value is chosen in a slot when a
// majority of acceptors have accepted it there at one ballot; acceptors may
// later accept other ballots (or, with a seeded bug, forget their votes), so
// what was chosen is kept here, not read from their current state.
//
// It reads a node's votes through the view `votes()`: a span of
// paxos::Vote, one per slot (ballot none: no vote). Only the node an event
// touched can have voted, so observe() compares that node's votes with the
// ones it last saw, and only in the slots its event wrote
// (invariants/slot_changes.hpp); tallies and chosen values are found by slot.
// So an event costs what it wrote, not the number of slots.
#pragma once

#include <boost/container/small_vector.hpp>

#include <algorithm>
#include <array>
#include <bit>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "invariants/slot_changes.hpp"
#include "protocols/paxos/paxos_message.hpp"
#include "protocols/protocol.hpp"
#include "protocols/state_encoder.hpp"

namespace skiff::invariants {

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
    const auto& node = world.node(NodeIndex(touched));
    const auto votes = node.votes();
    std::vector<paxos::Vote>& seen = seen_[std::size_t(touched)];
    const SlotRange changed = votes_changed(node, seen_writes_[std::size_t(touched)]);
    seen.resize(votes.size());  // votes it no longer holds are forgotten here too, not in tallies_
    for (paxos::Slot slot = paxos::Slot(changed.from); slot < changed.to; ++slot) {
      if (votes[slot].ballot.none() || seen[slot] == votes[slot]) continue;
      seen[slot] = votes[slot];
      record(slot, seen[slot], NodeIndex(touched), world.node_count() / 2 + 1);
    }
    return first_new;
  }

  std::span<const Chosen> chosen() const { return chosen_; }

  bool was_chosen(paxos::Slot slot, paxos::Value value) const {
    bool found = false;
    for_each_chosen_in(slot, [&](std::size_t i) { return !(found = chosen_[i].value == value); });
    return found;
  }

  // Calls visit(i) with the position in chosen() of each value chosen in
  // `slot`, in the order they were chosen, until visit returns false.
  template <class Visit>
  void for_each_chosen_in(paxos::Slot slot, Visit&& visit) const {
    if (slot >= by_slot_.size()) return;
    for (std::uint32_t i = by_slot_[slot].first_chosen; i != kNone; i = chosen_next_[i])
      if (!visit(std::size_t(i))) return;
  }

  // The ghost history, for the model checker. The votes last seen per node
  // are left out: they are always the nodes' current votes, which the world
  // encodes. The tallies are a set: each is hashed on its own and their
  // digests summed, as the world does for messages in flight, so two
  // histories that recorded the same votes in another order are one state.
  // Only the wording of a later violation can tell them apart (which of two
  // values chosen in a slot was chosen first), never whether there is one.
  void encode(StateEncoder& e) const {
    std::uint64_t sum = 0;
    for (const Tally& t : tallies_) {
      StateEncoder tally = e.sibling();
      tally.put(t.slot);
      paxos::encode_ballot(tally, t.vote.ballot);
      tally.put(t.vote.value);
      tally.put_node_set(t.acceptors);
      tally.put(t.chosen);
      sum += tally.digest();
    }
    e.put(tallies_.size());
    e.put(sum);
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
  static constexpr std::uint32_t kNone = ~std::uint32_t{0};

  struct Tally {
    paxos::Slot slot;
    paxos::Vote vote;
    std::uint8_t acceptors;
    bool chosen;
    std::uint32_t next_in_slot = kNone;  // the slot's next tally in tallies_ (not state: an index)
  };

  void record(paxos::Slot slot, const paxos::Vote& vote, NodeIndex acceptor, int majority) {
    if (by_slot_.size() <= slot) by_slot_.resize(slot + 1);
    InSlot& in_slot = by_slot_[slot];
    Tally* tally = nullptr;
    for (std::uint32_t i = in_slot.first_tally; i != kNone && !tally; i = tallies_[i].next_in_slot)
      if (tallies_[i].vote == vote) tally = &tallies_[i];
    if (!tally) {
      tally = &tallies_.emplace_back(Tally{slot, vote, 0, false, in_slot.first_tally});
      in_slot.first_tally = std::uint32_t(tallies_.size() - 1);
    }
    tally->acceptors |= std::uint8_t(1u << acceptor);
    if (tally->chosen || std::popcount(tally->acceptors) < majority) return;
    tally->chosen = true;
    const auto position = std::uint32_t(chosen_.size());
    chosen_.push_back(Chosen{slot, vote.ballot, vote.value, tally->acceptors});
    chosen_next_.push_back(kNone);
    if (in_slot.last_chosen == kNone) in_slot.first_chosen = position;
    else chosen_next_[in_slot.last_chosen] = position;
    in_slot.last_chosen = position;
  }

  // Per slot: the heads of its lists of tallies and of chosen values (plain
  // indices, so that growing by_slot_ copies bytes).
  struct InSlot {
    std::uint32_t first_tally = kNone;   // in tallies_, linked by next_in_slot
    std::uint32_t first_chosen = kNone;  // in chosen_, linked by chosen_next_, in the order chosen
    std::uint32_t last_chosen = kNone;
  };

  std::vector<Tally> tallies_;                          // every (slot, ballot, value) ever voted for
  std::array<std::vector<paxos::Vote>, kMaxNodes> seen_;  // per node, per slot: the vote last seen
  std::array<SlotsSeen, kMaxNodes> seen_writes_;        // per node: its writing events seen so far
  std::vector<Chosen> chosen_;                          // in the order they were chosen
  std::vector<std::uint32_t> chosen_next_;              // per chosen_: the next chosen in its slot
  std::vector<InSlot> by_slot_;                          // an index of tallies_ and chosen_ by slot
};

}  // namespace skiff::invariants
