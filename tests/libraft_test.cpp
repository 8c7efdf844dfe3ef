// The libraft adapter: canonical/raft driven through skiff's raft_io. Basic
// behaviour on fault-free schedules (a leader, a command committed and
// applied everywhere, restarts on the durable state, crashes losing only
// unfinished writes), determinism, and what explore finds.
#include <gtest/gtest.h>

#include <cstdlib>
#include <map>
#include <string>
#include <vector>

#include "checker/driver.hpp"
#include "checker/simulation.hpp"
#include "checker/trace.hpp"
#include "checker/world.hpp"
#include "invariants/libraft_invariants.hpp"
#include "protocols/libraft/libraft.hpp"

namespace skiff {
namespace {

using StableDisk = libraft::StableDiskProtocol;
using LNode = libraft::Node;
using Sim = Simulation<StableDisk, invariants::LibraftInvariants>;

Budgets roomy() { return Budgets{100000, 0, 0, 10, 0, 10}; }

Event timer(int node, TimerId t) {
  Event e;
  e.kind = EventKind::Timer;
  e.node = NodeIndex(node);
  e.timer = t;
  return e;
}

// A fault-free scheduler: deliver the oldest deliverable message, else
// complete a pending disk write, else tick `ticker`. Every event is checked
// against every invariant.
struct FaultFree {
  Sim sim{3, StableDisk::Options{}, roomy()};

  void step(int ticker) {
    const auto& w = sim.world();
    for (const auto& m : w.in_flight())
      if (w.deliverable(m)) {
        Event e;
        e.kind = EventKind::Deliver;
        e.message = m.id;
        return apply(e);
      }
    for (int i = 0; i < w.node_count(); ++i)
      if (!w.crashed(NodeIndex(i)) && (w.armed_timers(NodeIndex(i)) & (1u << LNode::kDiskWrite)))
        return apply(timer(i, LNode::kDiskWrite));
    apply(timer(ticker, LNode::kTick));
  }
  void apply(const Event& e) {
    ASSERT_EQ(sim.world().why_not_enabled(e), nullptr);
    auto violation = sim.step(e);
    ASSERT_FALSE(violation) << violation->invariant << ": " << violation->explanation;
  }
  // Steps until `done()` or `limit` events; returns whether done() held.
  template <class Done>
  bool run_until(Done done, int ticker = 0, int limit = 2000) {
    for (int i = 0; i < limit && !done(); ++i) {
      step(ticker);
      if (testing::Test::HasFatalFailure()) return false;
    }
    return done();
  }
  const LNode& node(int i) const { return sim.world().node(NodeIndex(i)); }
  int leaders() const {
    int count = 0;
    for (int i = 0; i < 3; ++i) count += node(i).is_leader();
    return count;
  }
};

TEST(Libraft, BootstrapsEveryNodeAsFollowerOfTermOne) {
  FaultFree f;
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(f.node(i).role(), libraft::Role::Follower);
    EXPECT_EQ(f.node(i).term(), 1u);
    ASSERT_EQ(f.node(i).durable_log().size(), 1u);  // the bootstrap configuration
    EXPECT_EQ(f.node(i).commit_index(), 1u);
    EXPECT_EQ(f.sim.world().armed_timers(NodeIndex(i)), 1u << LNode::kTick);
  }
}

TEST(Libraft, ElectsOneLeaderOnAFaultFreeSchedule) {
  FaultFree f;
  ASSERT_TRUE(f.run_until([&] { return f.leaders() > 0; }));
  EXPECT_TRUE(f.node(0).is_leader());  // only node 1's clock moved
  EXPECT_EQ(f.leaders(), 1);
  // Its followers learn it: heartbeats keep them at its term.
  ASSERT_TRUE(f.run_until([&] { return f.node(1).term() == f.node(0).term() && f.node(2).term() == f.node(0).term(); }));
  for (int i = 0; i < 200; ++i) f.step(0);
  EXPECT_TRUE(f.node(0).is_leader());
  EXPECT_EQ(f.leaders(), 1);
}

TEST(Libraft, ACommandCommitsAndIsAppliedOnEveryNode) {
  FaultFree f;
  ASSERT_TRUE(f.run_until([&] { return f.leaders() > 0; }));
  Event client;
  client.kind = EventKind::Client;
  client.node = 1;  // node 2 is a follower: it refuses
  client.command = 7;
  f.apply(client);
  EXPECT_EQ(f.sim.world().remaining().commands, roomy().commands);
  client.node = 0;
  f.apply(client);
  EXPECT_EQ(f.sim.world().remaining().commands, roomy().commands - 1);
  auto applied_everywhere = [&] {
    for (int i = 0; i < 3; ++i) {
      const auto applied = f.node(i).applied();
      if (applied.size() < 2 || applied[1] != 7) return false;
    }
    return true;
  };
  ASSERT_TRUE(f.run_until(applied_everywhere));
  for (int i = 0; i < 3; ++i) {
    EXPECT_GE(f.node(i).commit_index(), 2u);
    ASSERT_GE(f.node(i).durable_log().size(), 2u);
    EXPECT_EQ(f.node(i).durable_log()[1].command, 7u);
  }
}

TEST(Libraft, RestartRecoversTheDurableStateAndCatchesUp) {
  FaultFree f;
  ASSERT_TRUE(f.run_until([&] { return f.leaders() > 0; }));
  Event client;
  client.kind = EventKind::Client;
  client.node = 0;
  client.command = 9;
  f.apply(client);
  ASSERT_TRUE(f.run_until([&] { return f.node(2).applied().size() >= 2; }));
  const auto term = f.node(2).term();
  const std::vector<libraft::Entry> disk(f.node(2).durable_log().begin(), f.node(2).durable_log().end());
  Event crash;
  crash.kind = EventKind::Crash;
  crash.node = 2;
  f.apply(crash);
  EXPECT_TRUE(f.node(2).applied().empty());
  Event restart = crash;
  restart.kind = EventKind::Restart;
  f.apply(restart);
  EXPECT_EQ(f.node(2).incarnation(), 1u);
  EXPECT_EQ(f.node(2).term(), term);
  const std::vector<libraft::Entry> log(f.node(2).log().begin(), f.node(2).log().end());
  EXPECT_EQ(log, disk);  // a fresh struct raft, loaded from what its disk holds
  // The leader's next heartbeat tells it the commit index; it applies again.
  ASSERT_TRUE(f.run_until([&] { return f.node(2).applied().size() >= 2 && f.node(2).applied()[1] == 9; }));
}

TEST(Libraft, ACrashLosesTheWritesThatHadNotCompleted) {
  FaultFree f;
  ASSERT_TRUE(f.run_until([&] { return f.leaders() > 0; }));
  const std::size_t stored = f.node(0).durable_log().size();
  Event client;
  client.kind = EventKind::Client;
  client.node = 0;
  client.command = 5;
  f.apply(client);
  EXPECT_EQ(f.node(0).pending_writes(), 1u);
  EXPECT_EQ(f.node(0).log().size(), stored + 1);
  Event crash;
  crash.kind = EventKind::Crash;
  crash.node = 0;
  f.apply(crash);
  EXPECT_EQ(f.node(0).durable_log().size(), stored);
  Event restart = crash;
  restart.kind = EventKind::Restart;
  f.apply(restart);
  EXPECT_EQ(f.node(0).log().size(), stored);
  EXPECT_EQ(f.node(0).role(), libraft::Role::Follower);
}

std::string trace_of(const ProtocolDriver& driver, std::uint64_t seed, const std::string& protocol) {
  Simulation<libraft::Protocol, invariants::LibraftInvariants> sim(3, libraft::Options{}, Budgets{});
  std::vector<Event> events;
  run_seed(sim, seed, events);
  TraceHeader header{protocol, 3, {}, seed, Budgets{}};
  return format_trace(driver.make_trace(header, events));
}

TEST(Libraft, SameSeedSameTraceBytes) {
  const ProtocolDriver* driver = find_protocol("libraft");
  ASSERT_NE(driver, nullptr);
  for (std::uint64_t seed : {1u, 2u, 77u}) {
    const std::string first = trace_of(*driver, seed, "libraft");
    EXPECT_EQ(first, trace_of(*driver, seed, "libraft"));
    EXPECT_NE(first.find("timer "), std::string::npos);
  }
  EXPECT_NE(trace_of(*driver, 1, "libraft"), trace_of(*driver, 2, "libraft"));
}

// The library's only clock outside libuv is its stderr tracer's
// clock_gettime, switched on by LIBRAFT_TRACE; the adapter replaces the
// tracer, so the variable changes nothing and nothing is printed.
TEST(Libraft, LibraryTracerStaysSilent) {
  const ProtocolDriver* driver = find_protocol("libraft");
  ASSERT_NE(driver, nullptr);
  const std::string quiet = trace_of(*driver, 5, "libraft");
  ::setenv("LIBRAFT_TRACE", "1", 1);
  testing::internal::CaptureStderr();
  const std::string traced = trace_of(*driver, 5, "libraft");
  const std::string printed = testing::internal::GetCapturedStderr();
  ::unsetenv("LIBRAFT_TRACE");
  EXPECT_EQ(quiet, traced);
  EXPECT_EQ(printed, "");
}

// Its nodes cannot be copied: `skiff check` searches it statelessly
// (tests/stateless_check_test.cpp).
TEST(Libraft, IsModelCheckedStatelessly) {
  const ProtocolDriver* driver = find_protocol("libraft");
  ASSERT_NE(driver, nullptr);
  EXPECT_TRUE(driver->info().checkable);
  EXPECT_TRUE(driver->info().stateless);
  EXPECT_FALSE(find_protocol("raft")->info().stateless);
}

// Explore finds what docs/findings-libraft.md describes, and each trace it
// reports replays and shrinks to the same violation.
void expect_finds(const std::string& protocol, const std::string& invariant, std::uint64_t runs,
                  std::uint64_t seed = 1) {
  const ProtocolDriver* driver = find_protocol(protocol);
  ASSERT_NE(driver, nullptr);
  ExploreConfig config;
  config.runs = runs;
  config.seed = seed;
  config.jobs = 2;
  ExploreOutcome outcome = driver->explore(config);
  ASSERT_EQ(outcome.found.size(), 1u) << protocol << ": nothing found in " << runs << " runs";
  const FoundRun& found = outcome.found[0];
  EXPECT_EQ(found.violation.invariant, invariant) << found.violation.explanation;
  TraceHeader header{protocol, 3, {}, found.seed, config.budgets};
  Trace trace = driver->make_trace(header, found.events);
  ShrinkStats stats;
  Trace shrunk = driver->shrink(trace, "", stats);
  ASSERT_TRUE(shrunk.violation);
  EXPECT_EQ(shrunk.violation->invariant, invariant);
  EXPECT_LE(shrunk.events.size(), trace.events.size());
  Trace reread = parse_trace(format_trace(shrunk), "shrunk");
  ReplayReport report = driver->replay(reread, "shrunk", nullptr);
  EXPECT_FALSE(report.divergence);
  ASSERT_TRUE(report.violation);
  EXPECT_EQ(report.violation->invariant, invariant);
}

// Since the rule invariants (docs/rules.md), the first thing found in
// stable-disk runs is a leader committing an entry of an earlier term
// (docs/findings-libraft.md, finding 4), and with disk faults the leader
// deleting its own entry is reported by truncate-only-on-conflict at the
// step (finding 2).
TEST(LibraftExplore, StableDiskFindsACommitOfAnEarlierTermsEntry) {
  expect_finds("libraft-stable-disk", "commit-current-term-on-majority", 50);
}

// The rules on libraft's list (docs/rules.md): with stable disks, over many
// schedules, what fires is only what docs/findings-libraft.md describes
// (findings 1, 4, 5); term-never-decreases, one-vote-per-term and
// truncate-only-on-conflict hold.
TEST(LibraftExplore, StableDiskRulesFireOnlyOnKnownFindings) {
  ExploreConfig config;
  config.runs = 1000;
  config.keep_going = true;
  const ExploreOutcome outcome = find_protocol("libraft-stable-disk")->explore(config);
  EXPECT_EQ(outcome.runs, 1000u);
  EXPECT_FALSE(outcome.found.empty());
  for (const FoundRun& f : outcome.found) {
    const std::string& name = f.violation.invariant;
    EXPECT_TRUE(name == "ack-covers-only-sent" || name == "commit-current-term-on-majority" ||
                name == "vote-for-up-to-date-log" || name == "committed-is-durable")
        << "seed " << f.seed << ": " << name << ": " << f.violation.explanation;
  }
}

TEST(LibraftExplore, DiskFaultsFindALeaderDeletingItsOwnEntry) {
  expect_finds("libraft", "truncate-only-on-conflict", 500);
}

}  // namespace
}  // namespace skiff

namespace skiff {
namespace {

// The library segfaults (caught: a finding, not a crash of skiff) when two
// pending leader appends fail; seed 3 is the first seed that shows it.
TEST(LibraftExplore, DiskFaultsFindTheLibraryCrashing) {
  expect_finds("libraft", "library-survives", 1, 3);
}

}  // namespace
}  // namespace skiff

namespace skiff {
namespace {

// Finding 1 (docs/findings-libraft.md) is not only a count: run its shrunk
// trace as it was first written (tests/data: it ends where committed-is-durable
// reports it; the regression trace now ends earlier, where
// ack-covers-only-sent reports the reply that started it) in a world without
// invariants, then go on. Node 3 has applied
// command 4 at index 2 with only its own disk holding it; once it is down,
// node 1 (holding 2:2 there) is elected by node 2 and applies command 2 at
// index 2 (what node 3 had sent is lost with it). Two state machines differ: state-machine safety is lost.
TEST(LibraftFinding, CommitCountingAStaleEntryLeadsToDivergentStateMachines) {
  const Trace trace = read_trace_file(std::string(SKIFF_SOURCE_DIR) +
                                      "/tests/data/libraft-commit-counts-stale-entry-story.trace");
  Budgets budgets = roomy();
  budgets.drops = 100;
  World<StableDisk> world(3, StableDisk::Options{}, budgets);
  for (const TraceEvent& given : trace.events) {
    Event e = given.event;
    if (e.kind == EventKind::Timer)
      for (int t = 0; t < StableDisk::timer_count; ++t)
        if (StableDisk::timer_name(TimerId(t)) == given.detail) e.timer = TimerId(t);
    ASSERT_EQ(world.why_not_enabled(e), nullptr) << given.detail;
    world.apply(e);
  }
  const auto node = [&](int i) -> const LNode& { return world.node(NodeIndex(i)); };
  ASSERT_TRUE(node(2).is_leader());
  ASSERT_GE(node(2).applied().size(), 2u);
  EXPECT_EQ(node(2).applied()[1], 4u);          // node 3 applied command 4 at index 2
  EXPECT_EQ(node(0).durable_log()[1].command, 2u);  // node 1 holds 2:2 there

  // Node 3 fails, and what it had sent is lost with it.
  Event crash;
  crash.kind = EventKind::Crash;
  crash.node = 2;
  world.apply(crash);
  for (bool dropped = true; dropped;) {
    dropped = false;
    for (const auto& m : world.in_flight())
      if (m.id.from == 2) {
        Event drop;
        drop.kind = EventKind::Drop;
        drop.message = m.id;
        world.apply(drop);
        dropped = true;
        break;
      }
  }
  bool sent_command = false;
  for (int step = 0; step < 3000; ++step) {
    if (node(0).applied().size() >= 2) break;
    if (node(0).is_leader() && !sent_command) {
      Event client;
      client.kind = EventKind::Client;
      client.node = 0;
      client.command = 9;
      world.apply(client);
      sent_command = true;
      continue;
    }
    bool done = false;
    for (const auto& m : world.in_flight())
      if (world.deliverable(m)) {
        Event e;
        e.kind = EventKind::Deliver;
        e.message = m.id;
        world.apply(e);
        done = true;
        break;
      }
    if (done) continue;
    for (int i = 0; i < 2 && !done; ++i)
      if (world.armed_timers(NodeIndex(i)) & (1u << LNode::kDiskWrite)) {
        world.apply(timer(i, LNode::kDiskWrite));
        done = true;
      }
    if (!done) world.apply(timer(0, LNode::kTick));
  }
  ASSERT_TRUE(node(0).is_leader());
  ASSERT_GE(node(0).applied().size(), 2u);
  EXPECT_EQ(node(0).applied()[1], 2u);  // node 1 applied command 2 at index 2
}

}  // namespace
}  // namespace skiff

namespace skiff {
namespace {

// A crash of the library ends the child process that ran it, not skiff, and
// leaves nothing behind: explore over seeds 3..14 (seed 3 crashes the
// library, and so do others among them; each batch of runs shares one
// child until it crashes) finds exactly what each seed finds run alone in
// a fresh simulation, with the same events.
TEST(LibraftCrashIsolation, RunsAfterACrashAreAsIfRunAlone) {
  const ProtocolDriver* driver = find_protocol("libraft");
  ASSERT_NE(driver, nullptr);
  ExploreConfig config;
  config.seed = 3;
  config.runs = 12;
  config.keep_going = true;
  const ExploreOutcome outcome = driver->explore(config);
  ASSERT_EQ(outcome.runs, 12u);
  // Each seed run alone; with --keep-going, explore counts every violating
  // run per invariant and keeps the first of each (in seed order).
  std::uint64_t events = 0;
  std::size_t crashes = 0;
  std::map<std::string, std::pair<std::uint64_t, std::uint64_t>> alone_findings;  // invariant -> (first seed, runs)
  std::map<std::uint64_t, std::vector<Event>> alone_events;
  std::map<std::uint64_t, Violation> alone_violations;
  for (std::uint64_t seed = 3; seed < 15; ++seed) {
    Simulation<libraft::Protocol, invariants::LibraftInvariants> alone(3, libraft::Options{}, Budgets{});
    std::vector<Event> record;
    const RunOutcome run = run_seed(alone, seed, record);
    events += record.size();
    if (!run.violation) continue;
    if (run.violation->invariant == "library-survives") ++crashes;
    auto [at, fresh] = alone_findings.try_emplace(run.violation->invariant, seed, 0);
    ++at->second.second;
    alone_events[seed] = record;
    alone_violations[seed] = *run.violation;
  }
  ASSERT_EQ(outcome.findings.size(), alone_findings.size());
  for (const Finding& finding : outcome.findings) {
    ASSERT_TRUE(alone_findings.contains(finding.invariant)) << finding.invariant;
    EXPECT_EQ(finding.first_seed, alone_findings.at(finding.invariant).first) << finding.invariant;
    EXPECT_EQ(finding.runs, alone_findings.at(finding.invariant).second) << finding.invariant;
  }
  ASSERT_EQ(outcome.found.size(), alone_findings.size());
  for (const FoundRun& f : outcome.found) {
    ASSERT_TRUE(alone_violations.contains(f.seed)) << "seed " << f.seed;
    EXPECT_EQ(f.violation.invariant, alone_violations.at(f.seed).invariant);
    EXPECT_EQ(f.violation.explanation, alone_violations.at(f.seed).explanation);
    TraceHeader header{"libraft", 3, {}, f.seed, Budgets{}};
    EXPECT_EQ(format_trace(driver->make_trace(header, f.events)),
              format_trace(driver->make_trace(header, alone_events.at(f.seed))));
  }
  EXPECT_EQ(events, outcome.events);
  EXPECT_GE(crashes, 2u);  // a crash with runs after it in the same batch
}

// Replaying the crash with an observer (`skiff replay --verbose`, the HTML
// view) runs in a child too: every event is observed, the crashing one with
// the last state seen before it.
TEST(LibraftCrashIsolation, ObservedReplayOfACrash) {
  const ProtocolDriver* driver = find_protocol("libraft");
  ASSERT_NE(driver, nullptr);
  const Trace trace = read_trace_file(std::string(SKIFF_SOURCE_DIR) +
                                      "/corpus/regressions/libraft-crash-on-two-failed-appends-3-nodes.trace");
  std::vector<std::vector<std::string>> seen;
  const ReplayReport report = driver->replay(
      trace, "", [&](const TraceEvent&, const std::vector<std::string>& states) { seen.push_back(states); });
  ASSERT_TRUE(report.violation);
  EXPECT_EQ(report.violation->explanation, trace.violation->explanation);
  EXPECT_EQ(report.events_replayed, trace.events.size());
  ASSERT_EQ(seen.size(), trace.events.size());
  EXPECT_EQ(seen.back(), seen[seen.size() - 2]);
  EXPECT_NE(seen.back()[1].find("pending=2"), std::string::npos) << seen.back()[1];
  std::size_t steps = 0;
  const ReplayReport stepped = driver->replay_steps(trace, "", [&](const ReplayStep& step) {
    EXPECT_EQ(step.node_states.size(), 3u);
    EXPECT_EQ(step.crashed.size(), 3u);
    ++steps;
  });
  ASSERT_TRUE(stepped.violation);
  EXPECT_EQ(steps, trace.events.size() + 1);  // the boot, then each event
}

}  // namespace
}  // namespace skiff

namespace skiff {
namespace {

// `skiff replay --fuzz-input` of a libraft input runs in a child too: the
// bytes of seed 3 (which crashes the library) replay to the crash, with the
// seed's events, and skiff lives on.
TEST(LibraftCrashIsolation, ByteRunsOfACrashingSeed) {
  const ProtocolDriver* driver = find_protocol("libraft");
  ASSERT_NE(driver, nullptr);
  TraceHeader header{"libraft", 3, {}, 3, Budgets{}};
  const std::vector<std::uint8_t> bytes = driver->bytes_of_seed(header, 3, {});
  const ByteRun run = driver->run_bytes(header, bytes, {});
  ASSERT_TRUE(run.violation);
  EXPECT_EQ(run.violation->invariant, "library-survives");
  Simulation<libraft::Protocol, invariants::LibraftInvariants> alone(3, libraft::Options{}, Budgets{});
  std::vector<Event> record;
  const RunOutcome seeded = run_seed(alone, 3, record);
  ASSERT_TRUE(seeded.violation);
  EXPECT_EQ(run.violation->explanation, seeded.violation->explanation);
  EXPECT_EQ(format_trace(driver->make_trace(header, run.events)), format_trace(driver->make_trace(header, record)));
  EXPECT_EQ(run.bytes_read, bytes.size());
}

}  // namespace
}  // namespace skiff
