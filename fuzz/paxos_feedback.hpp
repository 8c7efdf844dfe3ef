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
//    ballot below what their receiver promised).
#pragma once

#include <algorithm>
#include <array>
#include <cstdint>

#include "fuzz/protocol_target.hpp"
#include "protocols/paxos/paxos.hpp"

namespace skiff::fuzz {

template <class P>
struct PaxosAbstraction {
  template <class Mark>
  static void features(const World<P>& world, Mark& mark) {
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
    for (paxos::Slot slot = 0; slot < 2; ++slot) slot_features(world, slot, mark);
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
    std::sort(learned.begin(), learned.begin() + std::ptrdiff_t(learners));
    const auto learned_values =
        std::unique(learned.begin(), learned.begin() + std::ptrdiff_t(learners)) - learned.begin();
    mark(feature(0x5107, slot, capped(values, 3) << 8 | largest, capped(std::uint64_t(learned_values), 2)));
  }
};

template <>
struct StateAbstraction<paxos::SingleDecree> : PaxosAbstraction<paxos::SingleDecree> {};
template <>
struct StateAbstraction<paxos::MultiPaxos> : PaxosAbstraction<paxos::MultiPaxos> {};
template <>
struct StateAbstraction<paxos::SerialMultiPaxos> : PaxosAbstraction<paxos::SerialMultiPaxos> {};

}  // namespace skiff::fuzz
