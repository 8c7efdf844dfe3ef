// The invariants canonical/raft (protocol `libraft`) is checked against:
// Raft's safety properties, read from the library's real state (role, term,
// vote, log, commit index, what its FSM applied), and the library's own
// promises about its disk; first of all, that it does not crash, and that
// the adapter around it never throws. Majorities are counted among the
// voters of the configuration in effect (r->configuration), and the
// membership invariants of skiff's Raft (docs/membership.md) apply as they
// are: 0.15 takes one uncommitted configuration change at a time.
#pragma once

#include "invariants/ack_covers_only_sent.hpp"
#include "invariants/acked_is_durable.hpp"
#include "invariants/commit_current_term_on_majority.hpp"
#include "invariants/committed_is_durable.hpp"
#include "invariants/committed_stays_committed.hpp"
#include "invariants/election_quorums_overlap.hpp"
#include "invariants/election_safety.hpp"
#include "invariants/invariant.hpp"
#include "invariants/leader_append_only.hpp"
#include "invariants/leader_completeness.hpp"
#include "invariants/library_survives.hpp"
#include "invariants/log_matching.hpp"
#include "invariants/one_uncommitted_config_change.hpp"
#include "invariants/one_vote_per_term.hpp"
#include "invariants/restore_is_applied_prefix.hpp"
#include "invariants/node_survives.hpp"
#include "invariants/state_machine_safety.hpp"
#include "invariants/term_never_decreases.hpp"
#include "invariants/truncate_only_on_conflict.hpp"
#include "invariants/vote_for_up_to_date_log.hpp"
#include "protocols/libraft/libraft_node.hpp"

namespace skiff::invariants {

using LibraftInvariants =
    InvariantSet<LibrarySurvives, NodeSurvives, TermNeverDecreases, OneVotePerTerm, VoteForUpToDateLog,
                 CommitCurrentTermOnMajority, TruncateOnlyOnConflict, AckCoversOnlySent, ElectionSafety,
                 LeaderAppendOnly, LogMatching, LeaderCompleteness, StateMachineSafety,
                 AckedIsDurable, CommittedIsDurable, CommittedStaysCommitted,
                 OneUncommittedConfigChange<libraft::Configuration>, ElectionQuorumsOverlap<libraft::Configuration>,
                 RestoreIsAppliedPrefix>;

}  // namespace skiff::invariants
