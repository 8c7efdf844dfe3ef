// The invariants the Paxos family is checked against: first the rules of
// "Paxos Made Simple", each judged at every step (docs/rules.md), then the
// safety properties of consensus (Lamport, "Paxos Made Simple", section 2.1), judged from the
// acceptors' votes. Single-decree Paxos is slot 0 of the same view, so the
// same invariants serve paxos and multi-paxos. To add one: write it in its own
// header beside these and add it to a list below (docs/adding-an-invariant.md).
#pragma once

#include "invariants/accept_at_or_above_promise.hpp"
#include "invariants/agreement.hpp"
#include "invariants/chosen_prefix.hpp"
#include "invariants/invariant.hpp"
#include "invariants/learner_consistency.hpp"
#include "invariants/phase2_value_from_promises.hpp"
#include "invariants/promise_never_decreases.hpp"
#include "invariants/validity.hpp"

namespace skiff::invariants {

using PaxosInvariants = InvariantSet<PromiseNeverDecreases, AcceptAtOrAbovePromise, Phase2ValueFromPromises,
                                     Agreement, Validity, LearnerConsistency>;

// multi-paxos-serial keeps one more: its leader never pipelines.
using SerialMultiPaxosInvariants =
    InvariantSet<PromiseNeverDecreases, AcceptAtOrAbovePromise, Phase2ValueFromPromises, Agreement, Validity,
                 LearnerConsistency, ChosenPrefix>;

}  // namespace skiff::invariants
