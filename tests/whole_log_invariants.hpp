// The log invariants as they were before they became incremental: each
// compares whole logs at every event. Kept for two uses only: the test that the
// incremental invariants (invariants/) agree with them on every event of many
// runs (tests/incremental_invariants_test.cpp), and the benchmark of cost per
// event against log length (bench/log_length_bench.cpp).
#pragma once

#include <boost/container/small_vector.hpp>
#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <bit>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "invariants/ack_covers_only_sent.hpp"
#include "invariants/commit_current_term_on_majority.hpp"
#include "invariants/election_safety.hpp"
#include "invariants/invariant.hpp"
#include "invariants/log_view.hpp"
#include "invariants/node_survives.hpp"
#include "invariants/one_vote_per_term.hpp"
#include "invariants/term_never_decreases.hpp"
#include "invariants/vote_for_up_to_date_log.hpp"
#include "invariants/rule_support.hpp"
#include "protocols/protocol.hpp"
#include "protocols/state_encoder.hpp"
#if SKIFF_HAVE_LIBRAFT
#include "invariants/libraft_invariants.hpp"
#endif

namespace skiff::whole_log {
// ---- log_matching, as it was


class LogMatching {
 public:
  static constexpr std::string_view name = "log-matching";
  static constexpr std::string_view description =
      "two logs with an entry of the same index and term agree on every entry up to it";

  template <class World>
  std::optional<std::string> check(const World& world, int touched) {
    if (touched < 0) return std::nullopt;
    const auto a = invariants::log_view(world.node(NodeIndex(touched)));
    for (int other = 0; other < world.node_count(); ++other) {
      if (other == touched) continue;
      const auto b = invariants::log_view(world.node(NodeIndex(other)));
      // The highest index at which both logs hold an entry of the same term
      // (of the entries both still hold).
      const std::size_t low = std::max(a.first(), b.first());
      std::size_t shared = std::min(a.size(), b.size());
      while (shared > low && a[shared - 1].term != b[shared - 1].term) --shared;
      for (std::size_t i = low; i < shared; ++i) {
        if (a[i] == b[i]) continue;
        return fmt::format(
            "nodes {} and {} both hold an entry of term {} at index {}, but differ at index {} "
            "({}:{} against {}:{})",
            node_label(NodeIndex(touched)), node_label(NodeIndex(other)), a[shared - 1].term, shared,
            i + 1, a[i].term, a[i].command, b[i].term, b[i].command);
      }
    }
    return std::nullopt;
  }

  void encode(StateEncoder&) const {}  // no history: it reads the logs as they are
};

// ---- state_machine_safety, as it was


class StateMachineSafety {
 public:
  static constexpr std::string_view name = "state-machine-safety";
  static constexpr std::string_view description =
      "no two nodes ever apply different commands at the same log index";

  template <class World>
  std::optional<std::string> check(const World& world, int touched) {
    if (touched < 0) return std::nullopt;
    const auto applied = world.node(NodeIndex(touched)).applied();
    for (std::size_t i = 0; i < applied.size(); ++i) {
      if (i == first_applied_.size()) first_applied_.push_back(First{applied[i], NodeIndex(touched)});
      const First& first = first_applied_[i];
      if (first.command == applied[i]) continue;
      return fmt::format("node {} applied command {} at index {}, but node {} applied command {} there",
                         node_label(NodeIndex(touched)), applied[i], i + 1, node_label(first.node),
                         first.command);
    }
    return std::nullopt;
  }

  // Which node applied first only names it in explanations: not state.
  void encode(StateEncoder& encoder) const {
    encoder.put(first_applied_.size());
    for (const First& first : first_applied_) encoder.put(first.command);
  }

  // check() changes nothing on an event that touched no node.
  void restore(const StateMachineSafety& from, int touched) {
    if (touched >= 0) *this = from;
  }

 private:
  struct First {
    Command command;
    NodeIndex node;
  };
  std::vector<First> first_applied_;  // ghost: the first command applied at each index
};

// ---- leader_completeness, as it was


class LeaderCompleteness {
 public:
  static constexpr std::string_view name = "leader-completeness";
  static constexpr std::string_view description =
      "a leader's log holds every entry committed in an earlier term";

  template <class World>
  std::optional<std::string> check(const World& world, int touched) {
    if (touched < 0) return std::nullopt;
    const auto& node = world.node(NodeIndex(touched));
    const auto log = invariants::log_view(node);
    const std::size_t committed = std::min<std::size_t>(node.commit_index(), log.size());
    bool grew = false;
    for (std::size_t i = 0; i < committed; ++i) {
      if (i < committed_.size()) continue;  // the first commit at an index is what counts
      if (!log.holds(i)) break;             // compacted: learnt from a node that still holds it
      committed_.push_back(Committed{log[i].term, log[i].command, node.term()});
      grew = true;
    }
    if (grew) {
      for (int other = 0; other < world.node_count(); ++other)
        if (auto failure = check_leader(world, NodeIndex(other))) return failure;
      return std::nullopt;
    }
    return check_leader(world, NodeIndex(touched));
  }

  void encode(StateEncoder& encoder) const {
    encoder.put(committed_.size());
    for (const Committed& c : committed_) {
      encoder.put(c.term);
      encoder.put(c.command);
      encoder.put(c.committed_in);
    }
  }

  // check() changes nothing on an event that touched no node.
  void restore(const LeaderCompleteness& from, int touched) {
    if (touched >= 0) *this = from;
  }

 private:
  struct Committed {
    std::uint64_t term;          // the entry's term
    std::uint64_t command;
    std::uint64_t committed_in;  // the term in which it was first seen committed
  };

  template <class World>
  std::optional<std::string> check_leader(const World& world, NodeIndex leader) const {
    const auto& node = world.node(leader);
    if (!node.is_leader()) return std::nullopt;
    const auto log = invariants::log_view(node);
    for (std::size_t i = 0; i < committed_.size(); ++i) {
      const Committed& c = committed_[i];
      if (c.committed_in >= node.term()) continue;
      if (i < log.first()) continue;  // in its snapshot
      if (i < log.size() && log[i].term == c.term && log[i].command == c.command) continue;
      std::string held = i < log.size() ? fmt::format("{}:{}", log[i].term, log[i].command) : "nothing";
      return fmt::format(
          "leader {} of term {} lacks entry {} ({}:{}) committed in term {}; it holds {} there",
          node_label(leader), node.term(), i + 1, c.term, c.command, c.committed_in, held);
    }
    return std::nullopt;
  }

  std::vector<Committed> committed_;  // ghost: committed_[i] is log index i+1
};

// ---- leader_append_only, as it was


class LeaderAppendOnly {
 public:
  static constexpr std::string_view name = "leader-append-only";
  static constexpr std::string_view description =
      "a leader never overwrites or deletes entries of its own log during its term";

  template <class World>
  std::optional<std::string> check(const World& world, int touched) {
    if (touched < 0) return std::nullopt;
    const auto& node = world.node(NodeIndex(touched));
    Seen& seen = seen_[std::size_t(touched)];
    if (!node.is_leader()) {
      seen.leader_term = 0;
      return std::nullopt;
    }
    const auto log = invariants::log_view(node);
    if (seen.leader_term == node.term()) {
      for (std::size_t i = 0; i < seen.log.size(); ++i) {
        if (i < log.first()) continue;  // compacted into its snapshot
        if (i < log.size() && log[i].term == seen.log[i].term && log[i].command == seen.log[i].command)
          continue;
        return fmt::format("leader {} of term {} {} its entry {} ({}:{})", node_label(NodeIndex(touched)),
                           node.term(), i < log.size() ? "overwrote" : "deleted", i + 1, seen.log[i].term,
                           seen.log[i].command);
      }
    }
    seen.leader_term = node.term();
    seen.log.resize(log.size());
    for (std::size_t i = log.first(); i < log.size(); ++i) seen.log[i] = SeenEntry{log[i].term, log[i].command};
    return std::nullopt;
  }

  // Its history is a function of the current state: a leader's log is
  // checked and recorded every time the leader changes, so what was seen is
  // the log it has now. Nothing to add to the state.
  void encode(StateEncoder&) const {}

  // check() changes only what it saw of the touched node.
  void restore(const LeaderAppendOnly& from, int touched) {
    if (touched >= 0) seen_[std::size_t(touched)] = from.seen_[std::size_t(touched)];
  }

 private:
  struct SeenEntry {
    std::uint64_t term;
    std::uint64_t command;
  };
  struct Seen {
    std::uint64_t leader_term = 0;  // 0: not leader when last seen
    std::vector<SeenEntry> log;     // its log when last seen as leader
  };
  std::array<Seen, kMaxNodes> seen_;  // ghost, per node
};

// ---- truncate_only_on_conflict, as it was


class TruncateOnlyOnConflict {
 public:
  static constexpr std::string_view name = "truncate-only-on-conflict";
  static constexpr std::string_view description =
      "rule: a node removes log entries only from the first index where an AppendEntries sent an entry of "
      "another term";

  template <class World>
  std::optional<std::string> check(const World& world, int touched) {
    if (touched < 0) return std::nullopt;
    const NodeIndex self = NodeIndex(touched);
    Seen& seen = seen_[self];
    const auto log = invariants::log_view(world.node(self));
    const bool crashed = world.crashed(self);
    // The first index (from 0) where the log no longer holds what it held;
    // compacted entries are not removed.
    const std::size_t common = std::min<std::size_t>(seen.log.size(), log.size());
    std::size_t first = std::min(log.first(), common);
    while (first < common && seen.log[first].term == std::uint64_t(log[first].term) &&
           seen.log[first].command == std::uint64_t(log[first].command))
      ++first;
    std::optional<std::string> violation;
    if (first < seen.log.size() && !crashed && !seen.crashed) violation = judge(world, self, seen, first);
    if (first < seen.log.size() || log.size() > seen.log.size()) {
      seen.log.resize(log.size());
      for (std::size_t i = std::max(first, log.first()); i < log.size(); ++i)
        seen.log[i] = SeenEntry{std::uint64_t(log[i].term), std::uint64_t(log[i].command)};
    }
    seen.crashed = crashed;
    return violation;
  }

  // seen_ is each node's log as it is now: nothing to add.
  void encode(StateEncoder&) const {}
  void restore(const TruncateOnlyOnConflict& from, int touched) {
    if (touched >= 0) seen_[std::size_t(touched)] = from.seen_[std::size_t(touched)];
  }

 private:
  struct SeenEntry {
    std::uint64_t term = 0;
    std::uint64_t command = 0;
  };
  struct Seen {
    boost::container::small_vector<SeenEntry, 16> log;
    bool crashed = false;
  };

  // Entry first + 1 (1-based) of seen.log was removed or replaced.
  template <class World>
  static std::optional<std::string> judge(const World& world, NodeIndex self, const Seen& seen, std::size_t first) {
    const std::uint64_t index = first + 1;
    const SeenEntry& lost = seen.log[first];
    const auto* request = world.delivered();
    if (request && request->is_install_snapshot()) {
      // Figure 13: a snapshot replaces the entries it covers, and the whole
      // log when its entry at the snapshot's last index does not match.
      std::uint64_t last = 0;  // libraft's message carries it as prev_index()
      if constexpr (requires { request->snapshot_last_index(); })
        last = request->snapshot_last_index();
      else
        last = request->prev_index();
      const bool kept_matched =
          last <= seen.log.size() && last > 0 && seen.log[last - 1].term == std::uint64_t(request->prev_term());
      if (index <= last || !kept_matched) return std::nullopt;
      return fmt::format("node {} removed its entry {} ({}:{}) on installing a snapshot up to {} from node {} that "
                         "kept its entry {}",
                         node_label(self), index, lost.term, lost.command, last, node_label(world.delivered_from()),
                         last);
    }
    if (request && request->is_append()) {
      const std::uint64_t prev = request->prev_index();
      if (index > prev && index <= prev + request->entries.size() &&
          std::uint64_t(request->entries[index - prev - 1].term) != lost.term)
        return std::nullopt;
      return fmt::format("node {} removed its entry {} ({}:{}) on an AppendEntries from node {} (prev={}, {} entries) "
                         "that sent no conflicting entry there",
                         node_label(self), index, lost.term, lost.command, node_label(world.delivered_from()), prev,
                         request->entries.size());
    }
    return fmt::format("node {} removed its entry {} ({}:{}) without an AppendEntries sending a conflicting one",
                       node_label(self), index, lost.term, lost.command);
  }

  std::array<Seen, kMaxNodes> seen_;  // each node's log when last checked
};


// ---- committed_is_durable, as it was
// Every committed entry against every voter's disk, at every event.
using invariants::is_voter_for;
using invariants::log_view;
using invariants::stored_log;
class CommittedIsDurable {
 public:
  static constexpr std::string_view name = "committed-is-durable";
  static constexpr std::string_view description =
      "every entry ever reported committed is stored on the disks of a majority";

  template <class World>
  std::optional<std::string> check(const World& world, int touched) {
    if (touched < 0) return std::nullopt;
    const auto& node = world.node(NodeIndex(touched));
    const auto log = log_view(node);
    const std::size_t committed = std::min<std::size_t>(node.commit_index(), log.size());
    if (committed > committed_.size()) {
      NodeBits voters = 0;
      for (int n = 0; n < world.node_count(); ++n)
        if (is_voter_for(world, NodeIndex(touched), NodeIndex(n))) voters |= NodeBits(1u << n);
      if (!voters) voters = NodeBits((1u << world.node_count()) - 1);  // a node that knows no configuration
      for (std::size_t i = committed_.size(); i < committed && log.holds(i); ++i)
        committed_.push_back(Committed{log[i].term, log[i].command, NodeIndex(touched), voters});
    }
    for (std::size_t i = 0; i < committed_.size(); ++i) {
      const Committed& c = committed_[i];
      const int majority = std::popcount(unsigned(c.voters)) / 2 + 1;
      int holders = 0;
      std::string names;
      for (int n = 0; n < world.node_count(); ++n) {
        if (!(c.voters & (1u << n))) continue;
        const auto disk = stored_log(world.node(NodeIndex(n)));
        // An entry compacted into a snapshot is on disk there (snapshot-matches-applied-prefix judges it).
        if (i < disk.first() || (i < disk.size() && disk[i].term == c.term && disk[i].command == c.command)) {
          ++holders;
          names += fmt::format("{}{}", names.empty() ? "" : ",", node_label(NodeIndex(n)));
        }
      }
      if (holders < majority)
        return fmt::format("entry {} ({}:{}), reported committed by node {}, is on the disks of {} only", i + 1,
                           c.term, c.command, node_label(c.by), names.empty() ? "no node" : "nodes " + names);
    }
    return std::nullopt;
  }

  void encode(StateEncoder& encoder) const {
    encoder.put(committed_.size());
    for (const Committed& c : committed_) {
      encoder.put(c.term);
      encoder.put(c.command);
    }
  }

 private:
  struct Committed {
    std::uint64_t term;
    std::uint64_t command;
    NodeIndex by;          // the first node that reported it committed
    NodeBits voters;       // bit per node: the voters of its configuration then
  };
  std::vector<Committed> committed_;  // ghost: committed_[i] is log index i+1
};


// ---- committed_stays_committed, as it was
// Every committed entry of the touched node, at every event.
class CommittedStaysCommitted {
 public:
  static constexpr std::string_view name = "committed-stays-committed";
  static constexpr std::string_view description =
      "a running node's commit index never goes back, and no node ever commits another entry at an index "
      "where one was committed";

  template <class World>
  std::optional<std::string> check(const World& world, int touched) {
    if (touched < 0) return std::nullopt;
    const auto& node = world.node(NodeIndex(touched));
    Seen& seen = seen_[std::size_t(touched)];
    const std::uint64_t commit = node.commit_index();
    if (world.crashed(NodeIndex(touched))) {
      seen = Seen{};
      return std::nullopt;
    }
    if (seen.incarnation == node.incarnation() && commit < seen.commit)
      return fmt::format("node {} lowered its commit index from {} to {} without restarting",
                         node_label(NodeIndex(touched)), seen.commit, commit);
    seen = Seen{node.incarnation(), commit};
    const auto log = log_view(node);
    const std::size_t committed = std::min<std::size_t>(commit, log.size());
    for (std::size_t i = log.first(); i < committed; ++i) {
      if (i > first_.size()) break;  // reported committed by nobody yet, and compacted here
      if (i == first_.size()) first_.push_back(First{log[i].term, log[i].command, NodeIndex(touched)});
      const First& f = first_[i];
      if (log[i].term == f.term && log[i].command == f.command) continue;
      return fmt::format("node {} reports entry {} ({}:{}) committed, but node {} reported {}:{} committed there",
                         node_label(NodeIndex(touched)), i + 1, log[i].term, log[i].command, node_label(f.by),
                         f.term, f.command);
    }
    return std::nullopt;
  }

  void encode(StateEncoder& encoder) const {
    encoder.put(first_.size());
    for (const First& f : first_) {
      encoder.put(f.term);
      encoder.put(f.command);
    }
  }

 private:
  struct Seen {
    std::uint32_t incarnation = UINT32_MAX;
    std::uint64_t commit = 0;
  };
  struct First {
    std::uint64_t term;
    std::uint64_t command;
    NodeIndex by;
  };
  std::array<Seen, kMaxNodes> seen_{};  // ghost, per node
  std::vector<First> first_;            // ghost: the first entry reported committed at each index
};


using namespace skiff::invariants;  // the invariants that did not change

// RaftInvariants (invariants/raft_invariants.hpp) with the whole-log versions.
using RaftInvariants =
    InvariantSet<NodeSurvives, TermNeverDecreases, OneVotePerTerm, VoteForUpToDateLog, CommitCurrentTermOnMajority,
                 whole_log::TruncateOnlyOnConflict, AckCoversOnlySent, TransferToUpToDateNode, ElectionSafety,
                 whole_log::LeaderAppendOnly, whole_log::LogMatching, whole_log::LeaderCompleteness,
                 whole_log::StateMachineSafety, OneUncommittedConfigChange<>, ElectionQuorumsOverlap<>,
                 SnapshotMatchesAppliedPrefix>;

#if SKIFF_HAVE_LIBRAFT
// LibraftInvariants (invariants/libraft_invariants.hpp) with the whole-log versions.
using LibraftInvariants =
    InvariantSet<LibrarySurvives, NodeSurvives, TermNeverDecreases, OneVotePerTerm, VoteForUpToDateLog,
                 CommitCurrentTermOnMajority, whole_log::TruncateOnlyOnConflict, AckCoversOnlySent, ElectionSafety,
                 whole_log::LeaderAppendOnly, whole_log::LogMatching, whole_log::LeaderCompleteness,
                 whole_log::StateMachineSafety, AckedIsDurable, whole_log::CommittedIsDurable, whole_log::CommittedStaysCommitted,
                 OneUncommittedConfigChange<libraft::Configuration>, ElectionQuorumsOverlap<libraft::Configuration>,
                 RestoreIsAppliedPrefix>;
#endif

}  // namespace skiff::whole_log
