// What a Paxos state looks like to the protocol-level feedback
// (state_feedback.hpp), for every Paxos flavour (fuzz/paxos.cpp,
// fuzz/multi_paxos.cpp): the situations Paxos's safety argument turns on, in
// small numbers, symmetric in the nodes' names.
//  - each node: its phase, crashed, how far its promised round and its own
//    ballot's round are behind the highest round, how many slots it has voted
//    in and learned (capped), whether it holds commands without a slot;
//  - the cluster: the highest round, how many leaders, and per slot 0 and 1:
//    how many different values were accepted, the size of the largest group
//    of acceptors that voted the same value at the same ballot (a majority
//    means chosen), how many different values learners learned;
//  - each message type in flight: how many, and how many are stale (their
//    ballot below what their receiver promised);
//  - the stages deep bugs pass through, per slot 0 and 1: acceptors holding
//    different values (at one ballot, or at different ballots), a chosen
//    value (a majority voted it at one ballot) with an acceptor voting
//    another value at a higher ballot (one step from agreement breaking);
//    an Accept in flight that carries a value an acceptor voted at a lower
//    ballot (a proposer adopted it), or that contradicts a chosen value;
//    and a proposer in phase 2 (or a leader) preempted: how many acceptors
//    promised a higher ballot, and whether they are a majority.
#pragma once

#include <algorithm>
#include <array>
#include <cstdint>
#include <optional>

#include "fuzz/protocol_target.hpp"
#include "protocols/paxos/paxos.hpp"

namespace skiff::fuzz {

template <class P>
struct PaxosAbstraction {
  void depth_stages(bool on) { depth_on_ = on; }

  template <class Mark>
  void features(const World<P>& world, Mark& mark) const {
    const int n = world.node_count();
    std::uint32_t highest = 0;
    for (int i = 0; i < n; ++i) highest = std::max(highest, world.node(NodeIndex(i)).epoch());
    std::uint64_t leaders = 0;
    for (int i = 0; i < n; ++i) {
      const paxos::Node& node = world.node(NodeIndex(i));
      std::uint64_t word = std::uint64_t(node.phase());
      word = word << 1 | world.crashed(NodeIndex(i));
      word = word << 2 | capped(highest - node.promised().round, 3);
      word = word << 2 | capped(highest - std::min(highest, node.ballot().round), 3);
      std::uint64_t votes = 0;
      for (const paxos::Vote& v : node.votes()) votes += !v.ballot.none();
      std::uint64_t learned = 0;
      for (paxos::Value v : node.learned_values()) learned += v != paxos::kNoValue;
      word = word << 2 | capped(votes, 3);
      word = word << 2 | capped(learned, 3);
      word = word << 1 | (node.pending_commands() > 0);
      mark(feature(0x9A05, word));
      leaders += node.is_leader();
    }
    mark(feature(0x4163, capped(highest, 8), capped(leaders, 2)));
    for (paxos::Slot slot = 0; slot < 2; ++slot) {
      slot_features(world, slot, mark);
      if (depth_on_) conflict_features(world, slot, mark);
    }
    if (depth_on_) preemption_features(world, mark);
    std::array<std::uint32_t, 5> count{}, stale{};
    for (const auto& m : world.in_flight()) {
      const auto type = std::size_t(m.message.type);
      ++count[type];
      stale[type] += m.message.ballot < world.node(m.id.to).promised();
    }
    for (std::size_t t = 0; t < count.size(); ++t)
      if (count[t]) mark(feature(0x3E55, t, capped(count[t], 3), capped(stale[t], 2)));
  }

 private:
  template <class Mark>
  static void slot_features(const World<P>& world, paxos::Slot slot, Mark& mark) {
    const int n = world.node_count();
    std::array<paxos::Vote, kMaxNodes> votes{};
    std::array<paxos::Value, kMaxNodes> learned{};
    std::size_t voted = 0, learners = 0;
    for (int i = 0; i < n; ++i) {
      const paxos::Node& node = world.node(NodeIndex(i));
      if (auto v = node.accepted(slot)) votes[voted++] = *v;
      if (auto l = node.learned(slot)) learned[learners++] = *l;
    }
    if (voted == 0 && learners == 0) return;
    std::uint64_t values = 0, largest = 0;
    for (std::size_t i = 0; i < voted; ++i) {
      bool new_value = true, new_group = true;
      std::uint64_t group = 0;
      for (std::size_t j = 0; j < voted; ++j) {
        if (j < i && votes[j].value == votes[i].value) new_value = false;
        if (j < i && votes[j] == votes[i]) new_group = false;
        group += votes[j] == votes[i];
      }
      values += new_value;
      if (new_group) largest = std::max(largest, group);
    }
    // Distinct values learned, counted pairwise (at most 7 learners): std::sort
    // here makes g++ 12 warn of an out-of-bounds read that cannot happen
    // (-Warray-bounds, its insertion sort's threshold of 16 against 7).
    std::size_t learned_values = 0;
    for (std::size_t i = 0; i < learners; ++i)
      learned_values += std::find(learned.begin(), learned.begin() + std::ptrdiff_t(i), learned[i]) ==
                        learned.begin() + std::ptrdiff_t(i);
    mark(feature(0x5107, slot, capped(values, 3) << 8 | largest, capped(std::uint64_t(learned_values), 2)));
  }

  // The vote a majority of acceptors cast (the chosen one), if any.
  static std::optional<paxos::Vote> chosen_vote(const World<P>& world, paxos::Slot slot) {
    const int n = world.node_count();
    for (int i = 0; i < n; ++i) {
      const auto v = world.node(NodeIndex(i)).accepted(slot);
      if (!v) continue;
      int same = 0;
      for (int j = 0; j < n; ++j) same += world.node(NodeIndex(j)).accepted(slot) == v;
      if (same >= n / 2 + 1) return v;
    }
    return std::nullopt;
  }

  // Acceptors disagreeing on a slot; Accepts that adopt or contradict.
  template <class Mark>
  static void conflict_features(const World<P>& world, paxos::Slot slot, Mark& mark) {
    const int n = world.node_count();
    bool same_ballot_differs = false, ballots_differ = false;
    for (int i = 0; i < n; ++i) {
      const auto a = world.node(NodeIndex(i)).accepted(slot);
      if (!a) continue;
      for (int j = i + 1; j < n; ++j) {
        const auto b = world.node(NodeIndex(j)).accepted(slot);
        if (!b || a->value == b->value) continue;
        (a->ballot == b->ballot ? same_ballot_differs : ballots_differ) = true;
      }
    }
    const auto chosen = chosen_vote(world, slot);
    bool overridden = false;  // an acceptor voted another value above the chosen ballot
    if (chosen)
      for (int i = 0; i < n; ++i) {
        const auto v = world.node(NodeIndex(i)).accepted(slot);
        overridden |= v && v->ballot > chosen->ballot && v->value != chosen->value;
      }
    if (same_ballot_differs || ballots_differ || chosen)
      mark(feature(0xDA7A, slot, std::uint64_t(same_ballot_differs) << 1 | ballots_differ,
                   std::uint64_t(bool(chosen)) << 1 | overridden));
    bool adopted = false, contradicts_chosen = false;
    for (const auto& m : world.in_flight()) {
      if (m.message.type != paxos::MessageType::Accept) continue;
      for (const paxos::SlotVote& e : m.message.entries) {
        if (e.slot != slot) continue;
        for (int i = 0; i < n; ++i) {
          const auto v = world.node(NodeIndex(i)).accepted(slot);
          adopted |= v && v->ballot < m.message.ballot && v->value == e.value;
        }
        contradicts_chosen |= chosen && chosen->ballot < m.message.ballot && chosen->value != e.value;
      }
    }
    if (adopted || contradicts_chosen) mark(feature(0xAD09, slot, adopted, contradicts_chosen));
  }

  // Proposers in phase 2 whose ballot acceptors have since promised past.
  template <class Mark>
  static void preemption_features(const World<P>& world, Mark& mark) {
    const int n = world.node_count();
    for (int p = 0; p < n; ++p) {
      const paxos::Node& proposer = world.node(NodeIndex(p));
      if (world.crashed(NodeIndex(p)) || proposer.phase() != paxos::Phase::Accepting) continue;
      std::uint64_t above = 0;
      for (int i = 0; i < n; ++i) above += world.node(NodeIndex(i)).promised() > proposer.ballot();
      if (above) mark(feature(0x9EE9, capped(above, 2), above >= std::uint64_t(n / 2 + 1)));
    }
  }

  bool depth_on_ = true;
};

template <>
struct StateAbstraction<paxos::SingleDecree> : PaxosAbstraction<paxos::SingleDecree> {};
template <>
struct StateAbstraction<paxos::MultiPaxos> : PaxosAbstraction<paxos::MultiPaxos> {};
template <>
struct StateAbstraction<paxos::SerialMultiPaxos> : PaxosAbstraction<paxos::SerialMultiPaxos> {};

}  // namespace skiff::fuzz
