// skiff_log_length_bench: events per second of the untimed world against log
// length, with the incremental invariants (invariants/) and with the whole-log
// ones they replaced (tests/whole_log_invariants.hpp for Raft,
// tests/whole_slot_invariants.hpp for Multi-Paxos).
//
//   skiff_log_length_bench [--protocol raft|multi-paxos|libraft] [--length L]... [--nodes N] [--commands C]
//                          [--repeat K] [--json]
//
// For each length L (default 10, 100, 1000, 10000): a cluster of N nodes
// (default 5) elects node 1 (Raft: its election timer; Multi-Paxos: its
// prepare timer, phase 1) and replicates L client commands with every
// message delivered in order, unchecked. From there, each invariant set,
// fresh, first looks at every node once and checks 20 commands untimed, then
// the next C commands (default 200; each a client event, and the messages it
// causes: Raft's AppendEntries to every follower and their replies,
// Multi-Paxos's Accepts and every acceptor's Accepted to every learner) are
// applied and checked after every event; events per second of that, median
// of K (default 5) measurements. (Multi-Paxos: without the rule
// phase2-value-from-promises, which cannot start watching halfway; below.)
// libraft: the same with the disk writes completed in order too; below.
#include <CLI/CLI.hpp>
#include <algorithm>
#include <chrono>
#include <fmt/format.h>
#include <iostream>
#include <limits>
#include <nlohmann/json.hpp>

#include "checker/world.hpp"
#include "invariants/paxos_invariants.hpp"
#include "invariants/raft_invariants.hpp"
#include "protocols/paxos/paxos.hpp"
#include "protocols/raft/raft.hpp"
#include "tests/whole_log_invariants.hpp"
#include "tests/whole_slot_invariants.hpp"
#if SKIFF_HAVE_LIBRAFT
#include "invariants/libraft_invariants.hpp"
#include "protocols/libraft/libraft.hpp"
#endif
#include <memory>

namespace {

using Raft = skiff::raft::Protocol;
using MultiPaxos = skiff::paxos::MultiPaxos;
using Clock = std::chrono::steady_clock;
using skiff::Event;
using skiff::EventKind;
using skiff::World;

// What differs between the protocols measured.
template <class P>
struct Measured;
template <>
struct Measured<Raft> {
  using Incremental = skiff::invariants::RaftInvariants;
  using Whole = skiff::whole_log::RaftInvariants;
  static constexpr skiff::TimerId kLeadTimer = skiff::raft::Node::kElectionTimer;
  static std::size_t length(const World<Raft>& world) { return world.node(0).log().size(); }
};
// PaxosInvariants without phase2-value-from-promises: that rule judges each
// Accept by the promises its proposer gathered, so it cannot begin watching a
// run halfway, as the measurement does; its cost follows the messages, not the
// number of slots, and it did not change.
namespace inv = skiff::invariants;
namespace ws = skiff::whole_slot;
using PaxosIncremental = skiff::InvariantSet<inv::NodeSurvives, inv::PromiseNeverDecreases, inv::AcceptAtOrAbovePromise,
                                             inv::Agreement, inv::Validity, inv::LearnerConsistency>;
using PaxosWholeSlot = skiff::InvariantSet<inv::NodeSurvives, inv::PromiseNeverDecreases, ws::AcceptAtOrAbovePromise,
                                           ws::Agreement, ws::Validity, ws::LearnerConsistency>;

template <>
struct Measured<MultiPaxos> {
  using Incremental = PaxosIncremental;
  using Whole = PaxosWholeSlot;
  static constexpr skiff::TimerId kLeadTimer = skiff::paxos::Node::kPrepareTimer;
  static std::size_t length(const World<MultiPaxos>& world) { return world.node(0).votes().size(); }
};

// Delivers every message in flight, oldest first, and whatever they cause;
// `after` is called after each event with the node it touched.
template <class P, class After>
std::uint64_t settle(World<P>& world, After&& after) {
  std::uint64_t events = 0;
  while (world.count_enabled()[int(EventKind::Deliver)] > 0) {
    after(world.apply(world.nth_enabled(EventKind::Deliver, 0)));
    ++events;
  }
  return events;
}

#if SKIFF_HAVE_LIBRAFT
using Libraft = skiff::libraft::StableDiskProtocol;

// Delivers every message in flight, oldest first, and completes every
// pending disk write, until nothing is left; `after` after each event.
template <class After>
std::uint64_t settle(World<Libraft>& world, After&& after) {
  std::uint64_t events = 0;
  while (true) {
    if (world.count_enabled()[int(EventKind::Deliver)] > 0) {
      after(world.apply(world.nth_enabled(EventKind::Deliver, 0)));
    } else {
      int writer = -1;
      for (int n = 0; n < world.node_count() && writer < 0; ++n)
        if (world.node(skiff::NodeIndex(n)).pending_writes() > 0) writer = n;
      if (writer < 0) return events;
      Event write;
      write.kind = EventKind::Timer;
      write.node = skiff::NodeIndex(writer);
      write.timer = skiff::libraft::Node::kDiskWrite;
      after(world.apply(write));
    }
    ++events;
  }
}

#endif

template <class P, class After>
std::uint64_t command(World<P>& world, After&& after) {
  Event e;
  e.kind = EventKind::Client;
  e.node = 0;
  e.command = world.next_command();
  after(world.apply(e));
  return 1 + settle(world, after);
}

template <class P>
World<P> cluster(int nodes, std::uint64_t length) {
  skiff::Budgets budgets;
  budgets.steps = skiff::kMaxBudget;
  budgets.commands = skiff::kMaxBudget;
  World<P> world(nodes, typename P::Options{}, budgets);
  Event election;
  election.kind = EventKind::Timer;
  election.node = 0;
  election.timer = Measured<P>::kLeadTimer;
  world.apply(election);
  settle(world, [](int) {});
  if (!world.node(0).is_leader()) throw std::runtime_error("node 1 did not win the election");
  while (Measured<P>::length(world) < length) command(world, [](int) {});
  return world;
}

template <class P, class Invariants>
double events_per_second(const World<P>& start, std::uint64_t commands) {
  World<P> world = start;
  Invariants invariants;
  // A first look at every node, unjudged: invariants that keep a ghost
  // history from the votes (Multi-Paxos) see node 1's learned values before
  // the other acceptors' votes that chose them. Then a second, judged.
  for (int n = 0; n < world.node_count(); ++n) invariants.check(world, n);
  std::optional<skiff::Violation> violation;
  for (int n = 0; n < world.node_count() && !violation; ++n) violation = invariants.check(world, n);
  std::uint64_t events = 0;
  auto check = [&](int touched) {
    if (!violation) violation = invariants.check(world, touched);
  };
  // Untimed: the copied logs and the invariants' copies of them grow past
  // their first reallocation (amortised O(1) per entry, but not within a
  // short measurement).
  for (int c = 0; c < 20; ++c) command(world, check);
  const auto begin = Clock::now();
  for (std::uint64_t c = 0; c < commands; ++c) events += command(world, check);
  const double seconds = std::chrono::duration<double>(Clock::now() - begin).count();
  if (violation)
    throw std::runtime_error("a violation in a correct protocol: " + violation->invariant + ": " + violation->explanation);
  return double(events) / seconds;
}

// The median of `repeat` rates, each from a call of `one`.
template <class Measure>
double median_of(int repeat, Measure&& one) {
  std::vector<double> rates;
  for (int k = 0; k < repeat; ++k) rates.push_back(one());
  std::sort(rates.begin(), rates.end());
  return rates[rates.size() / 2];
}

template <class P, class Invariants>
double median_rate(const World<P>& start, std::uint64_t commands, int repeat) {
  return median_of(repeat, [&] { return events_per_second<P, Invariants>(start, commands); });
}

struct Rates {
  double before, after;
};

// `before` is 0 when not measured (whole_log false).
template <class P>
Rates measure(int nodes, std::uint64_t length, std::uint64_t commands, int repeat, bool whole_log) {
  const World<P> start = cluster<P>(nodes, length);
  return Rates{whole_log ? median_rate<P, typename Measured<P>::Whole>(start, commands, repeat) : 0,
               median_rate<P, typename Measured<P>::Incremental>(start, commands, repeat)};
}

#if SKIFF_HAVE_LIBRAFT
// libraft (canonical/raft 0.15 through skiff's adapter): its nodes cannot be
// copied, so each measurement builds its cluster anew (with the adapter's
// incremental views), then measures. "Before" is the adapter rebuilding its
// views of the library's log and disk from index 1 after every event (as it
// did, Node::set_whole_views) with the whole-log invariants; "after", the
// incremental views and invariants. Disks never fail (libraft-stable-disk);
// settle() above completes their writes.

std::unique_ptr<World<Libraft>> libraft_cluster(int nodes, std::uint64_t length) {
  skiff::Budgets budgets;
  budgets.steps = skiff::kMaxBudget;
  budgets.commands = skiff::kMaxBudget;
  auto world = std::make_unique<World<Libraft>>(nodes, Libraft::Options{}, budgets);
  for (int tick = 0; tick < 20 && !world->node(0).is_leader(); ++tick) {
    Event e;
    e.kind = EventKind::Timer;
    e.node = 0;
    e.timer = skiff::libraft::Node::kTick;
    world->apply(e);
    settle(*world, [](int) {});
  }
  if (!world->node(0).is_leader()) throw std::runtime_error("libraft: node 1 did not win the election");
  while (world->node(0).log().size() < length) command(*world, [](int) {});
  return world;
}

template <class Invariants>
double libraft_events_per_second(int nodes, std::uint64_t length, std::uint64_t commands, bool whole_views) {
  const auto built = libraft_cluster(nodes, length);
  World<Libraft>& world = *built;
  // The world hands out its nodes const; the benchmark's switch changes how
  // the adapter keeps its views, not what a node does.
  for (int n = 0; n < nodes; ++n)
    const_cast<skiff::libraft::Node&>(world.node(skiff::NodeIndex(n))).set_whole_views(whole_views);
  Invariants invariants;
  for (int n = 0; n < nodes; ++n) invariants.check(world, n);
  std::optional<skiff::Violation> violation;
  for (int n = 0; n < nodes && !violation; ++n) violation = invariants.check(world, n);
  auto check = [&](int touched) {
    if (!violation) violation = invariants.check(world, touched);
  };
  for (int c = 0; c < 20; ++c) command(world, check);
  std::uint64_t events = 0;
  const auto begin = Clock::now();
  for (std::uint64_t c = 0; c < commands; ++c) events += command(world, check);
  const double seconds = std::chrono::duration<double>(Clock::now() - begin).count();
  if (violation)
    throw std::runtime_error("a violation in libraft's plain run: " + violation->invariant + ": " + violation->explanation);
  return double(events) / seconds;
}

Rates measure_libraft(int nodes, std::uint64_t length, std::uint64_t commands, int repeat, bool whole_log) {
  const double before =
      whole_log ? median_of(repeat, [&] {
        return libraft_events_per_second<skiff::whole_log::LibraftInvariants>(nodes, length, commands, true);
      })
                : 0;
  const double after = median_of(repeat,
      [&] { return libraft_events_per_second<skiff::invariants::LibraftInvariants>(nodes, length, commands, false); });
  return Rates{before, after};
}
#endif

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"skiff_log_length_bench: events per second against log length, incremental and whole-log invariants"};
  std::vector<std::uint64_t> lengths;
  int nodes = 5, repeat = 5;
  std::uint64_t commands = 200;
  bool json = false;
  std::string protocol = "raft";
  std::uint64_t whole_log_up_to = std::numeric_limits<std::uint64_t>::max();
  app.add_option("--protocol", protocol, "raft, multi-paxos or libraft (where libraft-dev was installed)")
      ->capture_default_str()
      ->check(CLI::IsMember({"raft", "multi-paxos", "libraft"}));
  app.add_option("--whole-log-up-to", whole_log_up_to,
                 "measure the whole-log invariants only at lengths up to this (they cost O(length) or more per "
                 "event)");
  app.add_option("--length", lengths, "log lengths (repeatable; default 10 100 1000 10000)");
  app.add_option("--nodes", nodes, "nodes")->capture_default_str()->check(CLI::Range(3, 7));
  app.add_option("--commands", commands, "commands per measurement")->capture_default_str();
  app.add_option("--repeat", repeat, "measurements")->capture_default_str();
  app.add_flag("--json", json, "one JSON object");
  CLI11_PARSE(app, argc, argv);
  if (lengths.empty()) lengths = {10, 100, 1000, 10000};
  if (std::string_view(SKIFF_BUILD_TYPE) != "Release")
    fmt::print(stderr, "skiff_log_length_bench: warning: a {} build; BENCHMARKS.md figures come from Release\n",
               SKIFF_BUILD_TYPE);
  try {
    nlohmann::json results = nlohmann::json::array();
    if (!json)
      fmt::print("| log length | nodes | events/s, whole-log invariants | events/s, incremental | speed-up |\n"
                 "|---:|---:|---:|---:|---:|\n");
    for (std::uint64_t length : lengths) {
      const bool whole = length <= whole_log_up_to;
      Rates rates{0, 0};
      if (protocol == "raft") rates = measure<Raft>(nodes, length, commands, repeat, whole);
      else if (protocol == "multi-paxos") rates = measure<MultiPaxos>(nodes, length, commands, repeat, whole);
#if SKIFF_HAVE_LIBRAFT
      else rates = measure_libraft(nodes, length, commands, repeat, whole);
#else
      else throw std::runtime_error("this build has no libraft (libraft-dev was not installed)");
#endif
      const auto [before, after] = rates;
      if (json)
        results.push_back({{"protocol", protocol}, {"log_length", length}, {"nodes", nodes}, {"whole_log_events_per_s", before},
                           {"incremental_events_per_s", after}});
      else
        fmt::print("| {} | {} | {} | {:.0f} | {} |\n", length, nodes, whole ? fmt::format("{:.0f}", before) : "-", after,
                   whole ? fmt::format("{:.1f}x", after / before) : "-");
    }
    if (json)
      std::cout << nlohmann::json{{"benchmark", "log-length"}, {"build", SKIFF_BUILD_TYPE}, {"results", results}}.dump()
                << '\n';
  } catch (const std::exception& e) {
    fmt::print(stderr, "skiff_log_length_bench: {}\n", e.what());
    return 2;
  }
  return 0;
}
