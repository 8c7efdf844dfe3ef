// Paxos's options: which flavour runs (single-decree or Multi-Paxos), the
// Multi-Paxos variants, and the seeded bugs, each off by default and each
// breaking exactly one rule of the protocol.
//
// Each protocol type in paxos.hpp has its own Options type below, whose
// default is that protocol: skiff builds options by default construction and
// then enables bugs by name, so a protocol's flavour and variant are fixed by
// its name (and a trace's header names the protocol).
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "protocols/protocol.hpp"

namespace skiff::paxos {

enum class Bug : std::uint8_t {
  IgnoreAcceptedValues,
  AdoptAnyAccepted,
  ForgetPromiseOnRestart,
  ForgetAcceptedOnRestart,
  AcceptBelowPromise,
  CountDuplicatePromises,
  // Deep bugs (issue 14): several leader changes and a partition or a crash.
  CompareRoundsOnly,
  ForgetUnlearnedVotesOnRestart,
  Count,
};

std::span<const BugInfo> bug_table();  // indexed by Bug

enum class Flavor : std::uint8_t {
  SingleDecree,  // every node with a client command competes to decide slot 0
  Multi,         // a leader runs phase 1 once for all slots, then phase 2 per slot
};

struct Options {
  Flavor flavor = Flavor::SingleDecree;
  // Multi-Paxos variant "serial": the leader proposes a slot only once it has
  // learned every earlier slot chosen (no pipelining), so that the chosen
  // slots always form a prefix of the log.
  bool serial = false;
  std::uint32_t bugs = 0;  // bit i set: Bug(i) seeded

  bool multi() const { return flavor == Flavor::Multi; }
  bool has(Bug bug) const { return bugs & (1u << unsigned(bug)); }
  bool enable_bug(std::string_view name);  // false if no such bug
  std::vector<std::string> enabled_bugs() const;
};

// The defaults of each protocol type (see paxos.hpp). They add no members:
// a node keeps a plain Options.
struct SingleDecreeOptions : Options {};
struct MultiPaxosOptions : Options {
  MultiPaxosOptions() { flavor = Flavor::Multi; }
};
struct SerialMultiPaxosOptions : Options {
  SerialMultiPaxosOptions() {
    flavor = Flavor::Multi;
    serial = true;
  }
};

}  // namespace skiff::paxos
