// The invariants canonical/raft (protocol `libraft`) is checked against:
// Raft's safety properties, read from the library's real state (role, term,
// vote, log, commit index, what its FSM applied), and the library's own
// promises about its disk; first of all, that it does not crash.
#pragma once

#include "invariants/ack_covers_only_sent.hpp"
#include "invariants/acked_is_durable.hpp"
#include "invariants/commit_current_term_on_majority.hpp"
#include "invariants/committed_is_durable.hpp"
#include "invariants/committed_stays_committed.hpp"
#include "invariants/election_safety.hpp"
#include "invariants/invariant.hpp"
#include "invariants/leader_append_only.hpp"
#include "invariants/leader_completeness.hpp"
#include "invariants/library_survives.hpp"
#include "invariants/log_matching.hpp"
#include "invariants/one_vote_per_term.hpp"
#include "invariants/state_machine_safety.hpp"
#include "invariants/term_never_decreases.hpp"
#include "invariants/truncate_only_on_conflict.hpp"
#include "invariants/vote_for_up_to_date_log.hpp"

namespace skiff::invariants {

using LibraftInvariants =
    InvariantSet<LibrarySurvives, TermNeverDecreases, OneVotePerTerm, VoteForUpToDateLog, CommitCurrentTermOnMajority,
                 TruncateOnlyOnConflict, AckCoversOnlySent, ElectionSafety, LeaderAppendOnly, LogMatching, LeaderCompleteness, StateMachineSafety,
                 AckedIsDurable, CommittedIsDurable, CommittedStaysCommitted>;

}  // namespace skiff::invariants
