// Raft's options: variants and seeded bugs, each off by default. A seeded bug
// breaks exactly one rule of Figure 2; a variant is a documented extension
// (Raft thesis, ch. 9; etcd) that must keep every safety property, in any
// combination with the others.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "protocols/protocol.hpp"

namespace skiff::raft {

enum class Bug : std::uint8_t {
  CommitPreviousTerm,
  VoteWithoutLogCheck,
  UpToDateByIndexOnly,
  ForgetVoteOnRestart,
  TruncateOnStaleAppend,
  CommitToLeaderCommit,
  CountDuplicateVotes,
  AcceptStaleVoteReply,
  ForgetTermOnRestart,
  AckLastLogIndex,
  CrashOnStaleAppendReply,  // not a broken rule: a crash (SIGSEGV) in protocol code, for node-survives
  ThrowOnLongLog,  // not a rule broken: a handler that throws (node-survives)
  // Deep bugs (issue 14): each needs several leader changes and a crash or a
  // partition to show (docs/hunting.md, BENCHMARKS.md).
  CommitToLastLogIndex,
  CommitWholeLogOnRestart,
  KeepSuffixOnConflict,
  AckBeforePersist,
  // Membership changes, leadership transfer (issue 15).
  ConfigChangeBeforeTermCommit,
  ConcurrentConfigChanges,
  CountVotesOfOldConfig,
  TransferToLaggingNode,
  // Snapshots (issue 15).
  SnapshotWithoutConfig,
  InstallSnapshotDiscardsNewerEntries,
  Count,
};

std::span<const BugInfo> bug_table();  // indexed by Bug

enum class Variant : std::uint8_t {
  PreVote,      // ask whether one could win before raising the term
  CheckQuorum,  // a leader that has not heard from a quorum steps down
  Passive,      // these nodes replicate and vote but never stand for election
  Learner,      // these nodes replicate; they neither vote nor stand
  Backoff,      // randomised exponential back-off of a candidate's election timeout
  Spare,        // these nodes start outside the cluster's configuration
  Count,
};

std::span<const BugInfo> variant_table();  // indexed by Variant

// Administrative commands (raft_node.hpp states their rules).
enum class AdminOp : std::uint8_t { AddVoter, AddLearner, Promote, Remove, Transfer, Snapshot, Count };
std::span<const AdminOperation> admin_table();  // indexed by AdminOp

struct Options {
  std::uint32_t bugs = 0;     // bit i set: Bug(i) seeded
  std::uint8_t variants = 0;  // bit i set: Variant(i) on
  NodeBits passive = 0;      // bit per node: passive (Variant::Passive)
  NodeBits learners = 0;     // bit per node: learner (Variant::Learner)
  NodeBits spares = 0;       // bit per node: outside the boot configuration (Variant::Spare)
  // The state the nodes start in instead of a first boot's (set_initial_state); null: none.
  std::shared_ptr<const InitialState> initial;

  bool has(Bug bug) const { return bugs & (1u << unsigned(bug)); }
  bool has(Variant variant) const { return variants & (1u << unsigned(variant)); }
  bool enable_bug(std::string_view name);  // false if no such bug
  std::vector<std::string> enabled_bugs() const;

  // "pre-vote", "check-quorum", "backoff", "passive=3,4", "learner=5",
  // "spare=4,5" (nodes numbered from 1, as everywhere a person reads them).
  // Returns "" if the variant is now on, otherwise one line saying what is
  // wrong. Passive, learner and spare sets accumulate and must stay disjoint,
  // and at least one node must be able to stand for election.
  std::string enable_variant(std::string_view spec, int node_count);
  // The variants on, as specs in table order: {"pre-vote", "passive=3,4"}.
  std::vector<std::string> enabled_variants() const;

  // Nodes start in `state` (protocol.hpp; an epoch is a term): per node a
  // term, a vote and a log (its entries' terms; each entry's command is 0),
  // and, if `elected` is set, that node leader of `elected_epoch` with every
  // node of that term its follower (voted for it, knows it leads). Returns ""
  // or one line "PATH: what is wrong" for a state Raft cannot reach: a term
  // below the last entry's, terms decreasing along a log, two logs that break
  // Log Matching, a vote in the elected term for someone else by a majority,
  // a leader whose log is behind a majority's or that may not stand, a node
  // in a term above the leader's. Call after the variants are enabled.
  std::string set_initial_state(const InitialState& state, int node_count);

  // In the boot configuration (before any membership change).
  bool votes(NodeIndex node) const { return !((learners | spares) & (1u << node)); }
  bool may_stand(NodeIndex node) const { return !((passive | learners | spares) & (1u << node)); }
};

}  // namespace skiff::raft
