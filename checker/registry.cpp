// The protocols skiff knows, each bound to the invariants it is checked against.
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

std::span<const ProtocolDriver* const> all_protocols() { return kProtocols; }

const ProtocolDriver* find_protocol(std::string_view name) {
  for (const ProtocolDriver* p : kProtocols)
    if (p->info().name == name) return p;
  return nullptr;
}

}  // namespace skiff
