// The invariants Raft is checked against: the safety properties of Figure 3
// of the Raft paper, after node-survives (no handler throws). To add one: write it in its own header beside these and
// add it to this list.
#pragma once

#include "invariants/election_safety.hpp"
#include "invariants/invariant.hpp"
#include "invariants/leader_append_only.hpp"
#include "invariants/leader_completeness.hpp"
#include "invariants/log_matching.hpp"
#include "invariants/node_survives.hpp"
#include "invariants/state_machine_safety.hpp"

namespace skiff::invariants {

using RaftInvariants = InvariantSet<NodeSurvives, ElectionSafety, LeaderAppendOnly, LogMatching, LeaderCompleteness,
                                    StateMachineSafety>;

}  // namespace skiff::invariants
