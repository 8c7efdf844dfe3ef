// The libFuzzer target for canonical/raft 0.15 (docs/fuzzing.md): real
// `struct raft` instances (protocols/libraft/) driven by the input's bytes,
// checked against libraft's invariants (a violation ends in abort()); a
// library crash (a fatal signal in a library call) crashes the target
// itself. Either way libFuzzer saves the input, and `skiff replay
// --fuzz-input` turns it into a trace (the crash as `library-survives`).
//
// SKIFF_PROTOCOL picks the protocol: `libraft` (the default: disks can fail,
// the `disk-fail` event) or `libraft-stable-disk` (disks never fail). The
// other variables are those of every protocol target (SKIFF_NODES, ...;
// libraft has no seeded bugs and no variants).
#include <cstdlib>
#include <string_view>

#include "fuzz/protocol_target.hpp"
#include "invariants/libraft_invariants.hpp"
#include "protocols/libraft/libraft.hpp"

namespace skiff::fuzz {

// What a libraft state looks like to the protocol-level feedback, as for
// skiff's own Raft (fuzz/raft.cpp), plus the disk: per node its role,
// crashed, how far its term is behind the highest, its log's length, its
// commit index, how much of its log is not on its disk yet and how many
// writes are pending, whether it has broken a promise; for the cluster the highest term, how many leaders, the lowest
// and highest commit index; message types in flight.
template <class P>
struct LibraftAbstraction {
  template <class Mark>
  static void features(const World<P>& world, Mark& mark) {
    const int n = world.node_count();
    std::uint64_t highest = 0, leaders = 0, lowest_commit = ~0ull, highest_commit = 0;
    for (int i = 0; i < n; ++i) highest = std::max(highest, world.node(NodeIndex(i)).term());
    for (int i = 0; i < n; ++i) {
      const libraft::Node& node = world.node(NodeIndex(i));
      const std::uint64_t length = node.log().size(), durable = node.durable_log().size();
      std::uint64_t word = std::uint64_t(node.role());
      word = word << 1 | world.crashed(NodeIndex(i));
      word = word << 2 | capped(highest - std::min(highest, node.term()), 3);
      word = word << 3 | capped(length, 5);
      word = word << 3 | capped(node.commit_index(), 4);
      word = word << 2 | capped(length - std::min(length, durable), 2);
      word = word << 2 | capped(node.pending_writes(), 2);
      word = word << 1 | !node.broken_promise().empty();
      mark(feature(0x11BF, word));
      leaders += node.is_leader();
      lowest_commit = std::min(lowest_commit, node.commit_index());
      highest_commit = std::max(highest_commit, node.commit_index());
    }
    mark(feature(0x11B0, capped(highest, 8), capped(leaders, 2)));
    mark(feature(0x11CC, capped(lowest_commit, 5), capped(highest_commit, 5)));
    message_type_features(world, mark);
  }
};

template <>
struct StateAbstraction<libraft::Protocol> : LibraftAbstraction<libraft::Protocol> {};
template <>
struct StateAbstraction<libraft::StableDiskProtocol> : LibraftAbstraction<libraft::StableDiskProtocol> {};

namespace {

using RunInput = int (*)(const std::uint8_t*, std::size_t);

// The protocol SKIFF_PROTOCOL names; a bad name ends the process with status 2.
bool stable_disk() {
  const char* chosen = std::getenv("SKIFF_PROTOCOL");
  const std::string_view name = chosen ? chosen : libraft::Protocol::name;
  if (name == libraft::Protocol::name) return false;
  if (name == libraft::StableDiskProtocol::name) return true;
  config_error(libraft::Protocol::name,
               "SKIFF_PROTOCOL: expected libraft or libraft-stable-disk, not '" + std::string(name) + "'");
}

// The target, made at the first input, not in LLVMFuzzerInitialize: the
// library's guard (protocols/libraft/libraft_node.cpp) installs its signal
// handlers on the first call into the library, and must find libFuzzer's
// already there, to pass on the SIGABRT of a violation (and libFuzzer does
// not install its own over another's).
RunInput libraft_target() {
  static const RunInput run = [] {
    if (!stable_disk()) {
      static ProtocolTarget<libraft::Protocol, invariants::LibraftInvariants> target;
      return RunInput([](const std::uint8_t* data, std::size_t size) { return target.run(data, size); });
    }
    static ProtocolTarget<libraft::StableDiskProtocol, invariants::LibraftInvariants> target;
    return RunInput([](const std::uint8_t* data, std::size_t size) { return target.run(data, size); });
  }();
  return run;
}

}  // namespace
}  // namespace skiff::fuzz

// Bad configuration is reported before fuzzing starts, as by the other targets.
extern "C" int LLVMFuzzerInitialize(int*, char***) {
  using namespace skiff;
  if (fuzz::stable_disk())
    fuzz::config_from_environment<libraft::StableDiskProtocol, invariants::LibraftInvariants>();
  else
    fuzz::config_from_environment<libraft::Protocol, invariants::LibraftInvariants>();
  return 0;
}
extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  return skiff::fuzz::libraft_target()(data, size);
}
