// The libFuzzer target for serial Multi-Paxos (docs/fuzzing.md): SKIFF_NODES, SKIFF_BUGS, ...
#include "fuzz/paxos_feedback.hpp"
#include "fuzz/protocol_target.hpp"
#include "invariants/paxos_invariants.hpp"
#include "protocols/paxos/paxos.hpp"

SKIFF_PROTOCOL_FUZZ_TARGET(skiff::paxos::SerialMultiPaxos, skiff::invariants::SerialMultiPaxosInvariants)
