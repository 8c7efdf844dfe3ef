// The protocols skiff is built with, each bound to the invariants it is
// checked against: a user of the public API like any other (a user's own
// protocol is declared the same way, docs/bring-your-own.md).
#include "checker/driver.hpp"
#include "invariants/paxos_invariants.hpp"
#include "invariants/raft_invariants.hpp"
#include "protocols/paxos/paxos.hpp"
#include "protocols/raft/raft.hpp"
#ifdef SKIFF_HAVE_LIBRAFT
#include "invariants/libraft_invariants.hpp"
#include "protocols/libraft/libraft.hpp"
#endif

namespace skiff {

namespace {
const ProtocolDriverFor<raft::Protocol, invariants::RaftInvariants> kRaft;
const ProtocolDriverFor<paxos::SingleDecree, invariants::PaxosInvariants> kPaxos;
const ProtocolDriverFor<paxos::MultiPaxos, invariants::PaxosInvariants> kMultiPaxos;
const ProtocolDriverFor<paxos::SerialMultiPaxos, invariants::SerialMultiPaxosInvariants> kSerialMultiPaxos;
#ifdef SKIFF_HAVE_LIBRAFT
const ProtocolDriverFor<libraft::Protocol, invariants::LibraftInvariants> kLibraft;
const ProtocolDriverFor<libraft::StableDiskProtocol, invariants::LibraftInvariants> kLibraftStableDisk;
#endif
const ProtocolDriver* const kProtocols[] = {&kRaft, &kPaxos, &kMultiPaxos, &kSerialMultiPaxos,
#ifdef SKIFF_HAVE_LIBRAFT
                                            &kLibraft, &kLibraftStableDisk,
#endif
};
}  // namespace

std::span<const ProtocolDriver* const> builtin_protocols() { return kProtocols; }

}  // namespace skiff
