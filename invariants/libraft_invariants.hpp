// The invariants canonical/raft (protocol `libraft`) is checked against:
// Raft's safety properties, read from the library's real state (role, term,
// vote, log, commit index, what its FSM applied), and the library's own
// promises about its disk; first of all, that it does not crash, and that
// the adapter around it never throws.
#pragma once

#include "invariants/acked_is_durable.hpp"
#include "invariants/committed_is_durable.hpp"
#include "invariants/committed_stays_committed.hpp"
#include "invariants/election_safety.hpp"
#include "invariants/invariant.hpp"
#include "invariants/leader_append_only.hpp"
#include "invariants/leader_completeness.hpp"
#include "invariants/library_survives.hpp"
#include "invariants/log_matching.hpp"
#include "invariants/node_survives.hpp"
#include "invariants/state_machine_safety.hpp"

namespace skiff::invariants {

using LibraftInvariants =
    InvariantSet<LibrarySurvives, NodeSurvives, ElectionSafety, LeaderAppendOnly, LogMatching, LeaderCompleteness, StateMachineSafety,
                 AckedIsDurable, CommittedIsDurable, CommittedStaysCommitted>;

}  // namespace skiff::invariants
