// The invariants Raft is checked against: first node-survives (no handler
// throws or crashes), then the rules of Figure 2 of the Raft paper, each
// judged at every step (docs/rules.md), then the safety properties of
// Figure 3, judged on every state. A rule that fails reports at the step
// that broke it, before any state property can show it. To add one: write it
// in its own header beside these and add it to this list. The membership
// invariants come last: they report what the properties of Figure 3 do not.
#pragma once

#include "invariants/ack_covers_only_sent.hpp"
#include "invariants/commit_current_term_on_majority.hpp"
#include "invariants/election_quorums_overlap.hpp"
#include "invariants/election_safety.hpp"
#include "invariants/invariant.hpp"
#include "invariants/leader_append_only.hpp"
#include "invariants/leader_completeness.hpp"
#include "invariants/log_matching.hpp"
#include "invariants/one_uncommitted_config_change.hpp"
#include "invariants/one_vote_per_term.hpp"
#include "invariants/snapshot_matches_applied_prefix.hpp"
#include "invariants/node_survives.hpp"
#include "invariants/state_machine_safety.hpp"
#include "invariants/term_never_decreases.hpp"
#include "invariants/transfer_to_up_to_date_node.hpp"
#include "invariants/truncate_only_on_conflict.hpp"
#include "invariants/vote_for_up_to_date_log.hpp"

namespace skiff::invariants {

// The rules come first, term-never-decreases first of them: one-vote-per-term
// relies on it (see its encode()).
using RaftInvariants =
    InvariantSet<NodeSurvives, TermNeverDecreases, OneVotePerTerm, VoteForUpToDateLog, CommitCurrentTermOnMajority,
                 TruncateOnlyOnConflict, AckCoversOnlySent, TransferToUpToDateNode, ElectionSafety,
                 LeaderAppendOnly, LogMatching, LeaderCompleteness, StateMachineSafety, OneUncommittedConfigChange<>,
                 ElectionQuorumsOverlap<>, SnapshotMatchesAppliedPrefix>;

}  // namespace skiff::invariants
