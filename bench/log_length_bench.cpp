// skiff_log_length_bench: events per second of the untimed world against log
// length, with the incremental log invariants (invariants/) and with the
// whole-log ones they replaced (tests/whole_log_invariants.hpp).
//
//   skiff_log_length_bench [--length L]... [--nodes N] [--commands C] [--repeat K] [--json]
//
// For each length L (default 10, 100, 1000, 10000): a Raft cluster of N nodes
// (default 5) elects node 1 and replicates L client commands with every
// message delivered in order, unchecked. From there, each invariant set,
// fresh, first looks at every node once and checks 20 commands untimed, then
// the next C commands (default 200; each a client event, the AppendEntries
// to every follower and their replies) are applied and checked after every event; events per second of
// that, median of K (default 5) measurements.
#include <CLI/CLI.hpp>
#include <algorithm>
#include <chrono>
#include <fmt/format.h>
#include <iostream>
#include <nlohmann/json.hpp>

#include "checker/world.hpp"
#include "invariants/raft_invariants.hpp"
#include "protocols/raft/raft.hpp"
#include "tests/whole_log_invariants.hpp"

namespace {

using Raft = skiff::raft::Protocol;
using Clock = std::chrono::steady_clock;
using skiff::Event;
using skiff::EventKind;
using skiff::World;

// Delivers every message in flight, oldest first, and whatever they cause;
// `after` is called after each event with the node it touched.
template <class After>
std::uint64_t settle(World<Raft>& world, After&& after) {
  std::uint64_t events = 0;
  while (world.count_enabled()[int(EventKind::Deliver)] > 0) {
    after(world.apply(world.nth_enabled(EventKind::Deliver, 0)));
    ++events;
  }
  return events;
}

template <class After>
std::uint64_t command(World<Raft>& world, After&& after) {
  Event e;
  e.kind = EventKind::Client;
  e.node = 0;
  e.command = world.next_command();
  after(world.apply(e));
  return 1 + settle(world, after);
}

World<Raft> cluster(int nodes, std::uint64_t length) {
  skiff::Budgets budgets;
  budgets.steps = skiff::kMaxBudget;
  budgets.commands = skiff::kMaxBudget;
  World<Raft> world(nodes, skiff::raft::Options{}, budgets);
  Event election;
  election.kind = EventKind::Timer;
  election.node = 0;
  election.timer = skiff::raft::Node::kElectionTimer;
  world.apply(election);
  settle(world, [](int) {});
  if (!world.node(0).is_leader()) throw std::runtime_error("node 1 did not win the election");
  while (world.node(0).log().size() < length) command(world, [](int) {});
  return world;
}

template <class Invariants>
double events_per_second(const World<Raft>& start, std::uint64_t commands) {
  World<Raft> world = start;
  Invariants invariants;
  for (int n = 0; n < world.node_count(); ++n)
    if (invariants.check(world, n)) throw std::runtime_error("a violation in correct Raft");
  std::uint64_t events = 0;
  bool violated = false;
  // Untimed: the copied logs and the invariants' copies of them grow past
  // their first reallocation (amortised O(1) per entry, but not within a
  // short measurement).
  for (int c = 0; c < 20; ++c) command(world, [&](int touched) { violated |= bool(invariants.check(world, touched)); });
  const auto begin = Clock::now();
  for (std::uint64_t c = 0; c < commands; ++c)
    events += command(world, [&](int touched) { violated |= bool(invariants.check(world, touched)); });
  const double seconds = std::chrono::duration<double>(Clock::now() - begin).count();
  if (violated) throw std::runtime_error("a violation in correct Raft");
  return double(events) / seconds;
}

template <class Invariants>
double median_rate(const World<Raft>& start, std::uint64_t commands, int repeat) {
  std::vector<double> rates;
  for (int k = 0; k < repeat; ++k) rates.push_back(events_per_second<Invariants>(start, commands));
  std::sort(rates.begin(), rates.end());
  return rates[rates.size() / 2];
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"skiff_log_length_bench: events per second against log length, incremental and whole-log invariants"};
  std::vector<std::uint64_t> lengths;
  int nodes = 5, repeat = 5;
  std::uint64_t commands = 200;
  bool json = false;
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
      const World<Raft> start = cluster(nodes, length);
      const double before = median_rate<skiff::whole_log::RaftInvariants>(start, commands, repeat);
      const double after = median_rate<skiff::invariants::RaftInvariants>(start, commands, repeat);
      if (json)
        results.push_back({{"log_length", length}, {"nodes", nodes}, {"whole_log_events_per_s", before},
                           {"incremental_events_per_s", after}});
      else
        fmt::print("| {} | {} | {:.0f} | {:.0f} | {:.1f}x |\n", length, nodes, before, after, after / before);
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
