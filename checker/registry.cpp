// The protocols skiff knows, each bound to the invariants it is checked against.
#include "checker/driver.hpp"
#include "invariants/raft_invariants.hpp"
#include "protocols/raft/raft.hpp"

namespace skiff {

namespace {
const ProtocolDriverFor<raft::Protocol, invariants::RaftInvariants> kRaft;
const ProtocolDriver* const kProtocols[] = {&kRaft};
}  // namespace

std::span<const ProtocolDriver* const> all_protocols() { return kProtocols; }

const ProtocolDriver* find_protocol(std::string_view name) {
  for (const ProtocolDriver* p : kProtocols)
    if (p->info().name == name) return p;
  return nullptr;
}

}  // namespace skiff
