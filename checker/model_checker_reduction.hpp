// Partial-order reduction for skiff check: what the breadth-first search of
// model_checker.hpp needs for sleep sets (Godefroid 1996), and the contract
// that makes them sound. docs/model-checking.md, "Reduction", explains it for
// users; this is the argument.
//
// Two events e and f, both enabled in a state s, are *independent at s* when
// doing them in either order is the same: both stay enabled, s.e.f and s.f.e
// are one state (world and ghost history), and each event's invariant verdict
// is the same in either order. A sleep set at s holds events that need not be
// tried at s: each was tried (or was asleep) at an ancestor, and every event
// since is independent of it, so its successor is reached at the same depth
// along another path, and its verdict was judged there.
//
// Independence is decided per event as it is applied, from what it did:
//   - the world: an event that changes one node (deliver to it, its timer,
//     crash, restart, client command) and nothing shared beyond appending to
//     the messages in flight (a multiset, channels numbered per sender).
//     Events of different nodes then commute in the world, except two client
//     commands (the command counter and budget) and two crashes (the crash
//     budget). Drops, duplicates, link changes and administrative commands
//     change shared state: independent of nothing.
//   - the invariants (the part the first reduction on branch `check` got
//     wrong): a *rule* (description "rule:") judges a step, and may read any
//     node: commit-current-term-on-majority reads the disks of all voters when
//     a leader commits. Its verdict on e depends on the nodes it read, so e is
//     *local* only if the rules read no node but e's own: they read the world
//     through ReadTrackingView, which notes the nodes read. Example (raft
//     --bug ack-before-persist): the ack of B's unsynced entry delivered to
//     leader A commits it while B's disk holds it; after crash(B), which
//     loses it, the same delivery breaks the rule. The two events touch
//     different nodes, but they do not commute in their verdicts.
//   - the other invariants judge states: given that the state before held
//     none of their violations, their verdict on entering a state depends on
//     that state only (world and encoded ghost), whichever event entered it;
//     what they read does not matter. Their shared ghost history (leaders per
//     term, committed entries with the term each was first seen committed in)
//     does not commute in general (leader-completeness records who reported
//     an index committed first), so an event that changes its encoding is not
//     local either (computed as a digest before and after).
// An event is independent of another at s when both are local, of different
// nodes, and not both client commands nor both crashes. Locality found when
// an event was tried at s holds at every state reached from s by local
// events of other nodes (they change nothing it read), so it travels with
// the event in sleep sets.
//
// Sleep sets and state caching: within one breadth-first level, a state
// reached from several parents keeps the intersection of their sleep sets
// (only events asleep along every way in are skipped). A state reached again
// at a later level is not expanded again: breadth-first reaches it first at
// its distance from the initial state, and a path through it at a later
// level is not a shortest one. Under this rule every state of the unreduced
// search is reached at the same depth, and every transition verdict is
// judged at a depth no greater (tests/check_test.cpp checks this against the
// unreduced search and a simple enumerator). Depth bounds cut both searches
// at the same level. Bounds: the term bound commutes (each node's term is
// changed by its own events only); the in-flight bound does not, so there is
// no reduction with it.
//
// Symmetry: sleep sets name events by what they do (kind, node, timer, the
// message's sender, receiver and content, not its id) under the canonical
// renaming of the state they belong to; a state with more than one canonical
// renaming (an automorphism) gets an empty sleep set, since its entries
// could name either of two events.
#pragma once

#include <algorithm>
#include <array>
#include <cstdint>
#include <limits>
#include <span>
#include <stdexcept>
#include <vector>

#include "checker/event.hpp"
#include "protocols/protocol.hpp"

namespace skiff {

// A world as a rule invariant reads it: the same accessors, noting the nodes
// read (node, crashed, armed_timers), and kShared for what events of any
// node may change (messages in flight, links, budgets, the command counter).
// What the last event itself did (delivered, for_each_sent, node_fault) is
// the event's own.
template <class W>
class ReadTrackingView {
 public:
  using Message = typename W::Message;
  using Node = typename W::Node;
  using Options = typename W::Options;
  static constexpr bool kHasAdmin = W::kHasAdmin;
  static constexpr std::uint32_t kShared = 1u << 31;

  explicit ReadTrackingView(const W& world) : world_(world) {}

  std::uint32_t reads() const { return reads_; }

  int node_count() const { return world_.node_count(); }
  const Node& node(NodeIndex i) const {
    reads_ |= 1u << i;
    return world_.node(i);
  }
  bool crashed(NodeIndex i) const {
    reads_ |= 1u << i;
    return world_.crashed(i);
  }
  std::uint8_t armed_timers(NodeIndex i) const {
    reads_ |= 1u << i;
    return world_.armed_timers(i);
  }
  bool link_up(NodeIndex from, NodeIndex to) const {
    reads_ |= kShared;
    return world_.link_up(from, to);
  }
  const auto& in_flight() const {
    reads_ |= kShared;
    return world_.in_flight();
  }
  const auto& remaining() const {
    reads_ |= kShared;
    return world_.remaining();
  }
  std::uint32_t steps() const {
    reads_ |= kShared;
    return world_.steps();
  }
  Command next_command() const {
    reads_ |= kShared;
    return world_.next_command();
  }
  const auto& budgets() const { return world_.budgets(); }  // fixed for the run
  const Options& options() const { return world_.options(); }
  const auto* node_fault() const { return world_.node_fault(); }
  const Message* delivered() const { return world_.delivered(); }
  NodeIndex delivered_from() const { return world_.delivered_from(); }
  template <class F>
  void for_each_sent(F&& f) const {
    world_.for_each_sent(f);
  }

 private:
  const W& world_;
  mutable std::uint32_t reads_ = 0;
};

namespace reduction {

// The node an event changes, for events that change one node and nothing
// shared (see above); -1 for the others.
inline int node_of(const Event& e) {
  switch (e.kind) {
    case EventKind::Deliver:
      return e.message.to;
    case EventKind::Timer:
    case EventKind::Crash:
    case EventKind::Restart:
    case EventKind::Client:
      return e.node;
    default:
      return -1;
  }
}

// Whether two local events commute in the world (see above).
inline bool commute(const Event& a, const Event& b) {
  const int na = node_of(a), nb = node_of(b);
  if (na < 0 || nb < 0 || na == nb) return false;
  if (a.kind == b.kind && (a.kind == EventKind::Client || a.kind == EventKind::Crash)) return false;
  return true;
}

// A sleep set being built: the signatures of events not to try, at most
// kMax of them (one dropped only means more is explored: any subset is sound).
struct Sleep {
  static constexpr int kMax = 16;
  std::array<std::uint64_t, kMax> signatures{};
  std::uint8_t size = 0;
  void add(std::uint64_t signature) {
    for (int i = 0; i < size; ++i)
      if (signatures[std::size_t(i)] == signature) return;
    if (size < kMax) signatures[size++] = signature;
  }
};

// Many sleep sets, one after another in one array (most are small or empty).
class SleepSets {
 public:
  void clear() {
    pool_.clear();
    begin_.clear();
    size_.clear();
  }
  void reserve(std::size_t sets) {
    begin_.reserve(sets);
    size_.reserve(sets);
  }
  std::size_t count() const { return begin_.size(); }
  void push(std::span<const std::uint64_t> signatures) {
    if (pool_.size() + signatures.size() > std::numeric_limits<std::uint32_t>::max())
      throw std::length_error("model checker: too many sleep-set entries in one level");
    begin_.push_back(std::uint32_t(pool_.size()));
    size_.push_back(std::uint8_t(signatures.size()));
    pool_.insert(pool_.end(), signatures.begin(), signatures.end());
  }
  void push(const Sleep& sleep) { push(std::span<const std::uint64_t>(sleep.signatures.data(), sleep.size)); }
  std::span<const std::uint64_t> operator[](std::size_t i) const { return {pool_.data() + begin_[i], size_[i]}; }
  // Keeps of set i only the signatures that are also in `other`.
  void intersect(std::size_t i, std::span<const std::uint64_t> other) {
    std::uint64_t* set = pool_.data() + begin_[i];
    std::uint8_t kept = 0;
    for (std::uint8_t k = 0; k < size_[i]; ++k)
      if (std::find(other.begin(), other.end(), set[k]) != other.end()) set[kept++] = set[k];
    size_[i] = kept;
  }
  std::size_t bytes() const {
    return pool_.capacity() * sizeof(std::uint64_t) + begin_.capacity() * sizeof(std::uint32_t) + size_.capacity();
  }

 private:
  std::vector<std::uint64_t> pool_;
  std::vector<std::uint32_t> begin_;
  std::vector<std::uint8_t> size_;
};

}  // namespace reduction
}  // namespace skiff
