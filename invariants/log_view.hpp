// A node's log as invariants read it: indexed from 0 over the whole log
// (entry i is the node's entry i + 1), of which the node may hold only the
// entries from first() on (a Raft node that compacted its prefix into a
// snapshot offers log_first_index(); any other holds all of it). Invariants
// judge only entries a node still holds.
#pragma once

#include <cstddef>
#include <cstdint>
#include <type_traits>

namespace skiff::invariants {

template <class Span>
struct LogView {
  std::size_t first_ = 0;      // entries below it are compacted
  Span held;                   // entries first_, first_ + 1, ...
  std::uint64_t first_term_ = 0;  // the term of entry first_ - 1 (the snapshot's last), if first_ > 0

  std::size_t first() const { return first_; }
  std::size_t size() const { return first_ + held.size(); }  // the log's whole length
  bool holds(std::size_t i) const { return i >= first_ && i < size(); }
  const auto& operator[](std::size_t i) const { return held[i - first_]; }
  // Whether the log holds entry `index` (1-based, 0: before the first) of
  // term `term`; an entry compacted below the snapshot's last one counts
  // (the snapshot holds committed entries, which snapshot-matches-applied-
  // prefix judges).
  bool has(std::uint64_t index, std::uint64_t term) const {
    if (index == 0) return term == 0;
    if (index < first_) return true;
    if (index == first_) return term == first_term_;
    return index <= size() && std::uint64_t(held[index - 1 - first_].term) == term;
  }
  // The term of the last entry, held or compacted; 0 for an empty log.
  std::uint64_t last_term() const { return held.empty() ? first_term_ : std::uint64_t(held.back().term); }
};

template <class Node>
auto log_view(const Node& node) {
  const auto held = node.log();
  std::size_t first = 0;
  std::uint64_t first_term = 0;
  if constexpr (requires { node.log_first_index(); }) {
    first = node.log_first_index();
    first_term = node.snapshot_term();
  }
  return LogView<std::remove_const_t<decltype(held)>>{first, held, first_term};
}

}  // namespace skiff::invariants
