// Which slots of a node's per-slot array (its votes, its learned values) may
// have changed since an invariant last looked at it, so that Paxos invariants
// judge only those and cost the same per event whatever the number of slots.
//
// A node that offers `vote_writes()` and `votes_written()` (and
// `learned_writes()` and `learned_written()`; protocols/slot_writes.hpp,
// skiff's Paxos) says which slots its last event wrote; for any other the
// answer is "all of them".
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>

#include "protocols/slot_writes.hpp"

namespace skiff::invariants {

// What an invariant remembers of one node's array: how many of the node's
// writing events it has seen, and how long the array was then.
struct SlotsSeen {
  std::uint64_t writes = 0;
  std::size_t size = 0;
};

template <class Node>
inline constexpr bool kTracksVoteWrites = requires(const Node& node) {
  node.vote_writes();
  node.votes_written();
};
template <class Node>
inline constexpr bool kTracksLearnedWrites = requires(const Node& node) {
  node.learned_writes();
  node.learned_written();
};

// The slots, within [0, size), that may differ from what the invariant saw
// when it last called this for the array (`seen`), given the node's count of
// writing events and the range the last one wrote; slots outside are
// unchanged. Updates `seen` to now. Returns [0, size) when it cannot know.
inline SlotRange slots_changed(std::uint64_t writes, SlotRange written, std::size_t size, SlotsSeen& seen) {
  SlotRange changed{0, size};
  if (writes == seen.writes && size == seen.size)
    changed = SlotRange{size, size};  // nothing written
  else if (writes == seen.writes + 1)
    changed = SlotRange{std::min(written.from, size), std::min(written.to, size)};
  // else: events went by unseen; look at it all
  seen.writes = writes;
  seen.size = size;
  return changed;
}

template <class Node>
SlotRange votes_changed(const Node& node, SlotsSeen& seen) {
  const std::size_t size = node.votes().size();
  if constexpr (kTracksVoteWrites<Node>) return slots_changed(node.vote_writes(), node.votes_written(), size, seen);
  seen = SlotsSeen{0, size};
  return SlotRange{0, size};
}

template <class Node>
SlotRange learned_changed(const Node& node, SlotsSeen& seen) {
  const std::size_t size = node.learned_values().size();
  if constexpr (kTracksLearnedWrites<Node>)
    return slots_changed(node.learned_writes(), node.learned_written(), size, seen);
  seen = SlotsSeen{0, size};
  return SlotRange{0, size};
}

}  // namespace skiff::invariants
