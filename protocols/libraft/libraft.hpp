// canonical/raft (Debian's libraft-dev 0.15) as a skiff protocol: real
// `struct raft` instances in skiff's world (see libraft_node.hpp for how the
// library's I/O becomes skiff's events). Its nodes can be hashed but not
// copied: explore, replay and shrink re-run from the first boot, and `skiff
// check` searches it statelessly (checker/stateless_checker.hpp).
#pragma once

#include <span>
#include <string_view>

#include "protocols/libraft/libraft_message.hpp"
#include "protocols/libraft/libraft_node.hpp"

namespace skiff::libraft {

struct Protocol {
  static constexpr std::string_view name = "libraft";
  static constexpr std::string_view description =
      "canonical/raft 0.15 (the C library behind dqlite), linked and driven through skiff's own raft_io";
  static constexpr int min_nodes = 3;
  static constexpr int max_nodes = 7;
  static constexpr int timer_count = 6;
  // Every run (explore, replay, shrink) runs in a child process: a crash of
  // the library is a library-survives violation, not a crash of skiff.
  static constexpr bool run_in_child = true;

  using Message = libraft::Message;
  using Options = libraft::Options;
  using Node = libraft::Node;

  static std::span<const BugInfo> bugs() { return {}; }
  static std::span<const BugInfo> variants() { return variant_table(); }
  static std::span<const AdminOperation> admin_operations() { return admin_table(); }
  static std::string_view timer_name(TimerId timer) {
    switch (timer) {
      case Node::kTick: return "tick";
      case Node::kDiskWrite: return "disk-write";
      case Node::kDiskFail: return "disk-fail";
      case Node::kTimeoutNow: return "timeout-now";
      case Node::kDiskHeal: return "disk-heal";
      case Node::kDiskLand: return "disk-land";
    }
    return "?";
  }
};

// The same library and adapter with disks that never fail (no `disk-fail`
// events): crashes, restarts and network faults only.
struct StableDiskProtocol : Protocol {
  static constexpr std::string_view name = "libraft-stable-disk";
  static constexpr std::string_view description =
      "canonical/raft 0.15 as `libraft`, with disks that never fail (network faults, crashes and restarts only)";
  using Options = libraft::StableDiskOptions;
};

}  // namespace skiff::libraft
