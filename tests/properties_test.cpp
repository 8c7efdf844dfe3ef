// Properties of traces, checked by RapidCheck over generated inputs.
#include <gtest/gtest.h>
#include <rapidcheck.h>
#include <rapidcheck/gtest.h>

#include <string>
#include <vector>

#include "checker/driver.hpp"
#include "checker/explore.hpp"
#include "checker/simulation.hpp"
#include "invariants/raft_invariants.hpp"
#include "protocols/raft/raft.hpp"

namespace skiff {
namespace {

using Raft = raft::Protocol;
using RaftInvariants = invariants::RaftInvariants;

// Every seeded bug but the one that crashes the process (its runs need the
// crash landing of explore or a child process; node_crash_test.cpp).
std::vector<std::string> all_bug_names() {
  std::vector<std::string> names;
  for (const BugInfo& bug : Raft::bugs())
    if (bug.name != "crash-on-stale-append-reply") names.emplace_back(bug.name);
  return names;
}

rc::Gen<std::string> word(const char* alphabet) {
  const std::string letters = alphabet;
  return rc::gen::nonEmpty(rc::gen::container<std::string>(rc::gen::elementOf(letters)));
}

// Any schedule skiff generates, written as a trace and read back, replays to
// the same trace, byte for byte.
RC_GTEST_PROP(TraceProperties, AnyGeneratedScheduleReplaysByteForByte, ()) {
  const int nodes = *rc::gen::inRange(3, 6);
  const auto seed = *rc::gen::arbitrary<std::uint64_t>();
  const auto bugs = *rc::gen::unique<std::vector<std::string>>(rc::gen::elementOf(all_bug_names()));
  Budgets budgets;
  budgets.steps = *rc::gen::inRange<std::uint32_t>(1, 400);
  budgets.crashes = *rc::gen::inRange<std::uint32_t>(0, 6);
  budgets.drops = *rc::gen::inRange<std::uint32_t>(0, 40);

  TraceHeader header{"raft", nodes, bugs, seed, budgets};
  Simulation<Raft, RaftInvariants> sim(nodes, make_options<Raft>(bugs, ""), budgets);
  std::vector<Event> events;
  run_seed(sim, seed, events);
  const std::string written = format_trace(make_trace<Raft, RaftInvariants>(header, events));

  Trace read = parse_trace(written, "generated.trace");
  Executor<Raft, RaftInvariants> executor(read.header, "");
  Execution replayed = executor.execute(read.events, ExecuteMode::Strict, /*describe=*/true);
  RC_ASSERT(!replayed.divergence);
  RC_ASSERT(format_trace(Trace{read.header, replayed.executed, replayed.violation}) == written);
}

Event arbitrary_event(int nodes) {
  Event e;
  e.kind = EventKind(*rc::gen::inRange(0, kEventKinds));
  e.node = NodeIndex(*rc::gen::inRange(0, nodes));
  e.peer = NodeIndex((e.node + *rc::gen::inRange(1, std::max(2, nodes))) % nodes);
  e.command = *rc::gen::inRange<Command>(0, 1000000);
  e.message.from = NodeIndex(*rc::gen::inRange(0, nodes));
  e.message.to = NodeIndex(*rc::gen::inRange(0, nodes));
  e.message.seq = *rc::gen::inRange<std::uint32_t>(1, 100000);
  e.message.copy = *rc::gen::inRange<std::uint16_t>(0, 5);
  return e;
}

// Printing a trace and parsing it give back the same trace.
RC_GTEST_PROP(TraceProperties, PrintingAndParsingRoundTrips, ()) {
  Trace trace;
  trace.header.protocol = *word("abcdefghijklmnopqrstuvwxyz-");
  trace.header.nodes = *rc::gen::inRange(2, kMaxNodes + 1);
  trace.header.bugs = *rc::gen::container<std::vector<std::string>>(word("abcdefghijklmnopqrstuvwxyz-"));
  trace.header.seed = *rc::gen::arbitrary<std::uint64_t>();
  trace.header.budgets.steps = *rc::gen::inRange<std::uint32_t>(0, 1 << 20);
  trace.header.budgets.commands = *rc::gen::inRange<std::uint32_t>(0, 1 << 20);
  trace.header.budgets.config_changes = *rc::gen::inRange<std::uint32_t>(0, 3);
  trace.header.budgets.snapshots = *rc::gen::inRange<std::uint32_t>(0, 3);
  const int count = *rc::gen::inRange(0, 40);
  for (int i = 0; i < count; ++i) {
    TraceEvent te{arbitrary_event(trace.header.nodes), {}, 0};
    if (is_message_event(te.event.kind)) te.detail = *word("abcxyzABC0123456789 =/[]:-#");
    if (te.event.kind == EventKind::Timer) te.detail = *word("abcdefghijklmnopqrstuvwxyz");
    if (te.event.kind == EventKind::Admin) {
      te.detail = *word("abcdefghijklmnopqrstuvwxyz-");
      if (*rc::gen::arbitrary<bool>()) te.event.peer = kNoTarget;
    }
    if (!te.detail.empty() && te.detail.back() == ' ') te.detail.back() = 'x';
    trace.events.push_back(std::move(te));
  }
  // An explanation is a sentence: never empty, no space at its end (a trace line has none).
  if (*rc::gen::arbitrary<bool>())
    trace.violation = Violation{*word("abcdefghijklmnopqrstuvwxyz-"), *word("abc xyz 0123456789:,()") + "."};

  const std::string text = format_trace(trace);
  Trace parsed = parse_trace(text, "roundtrip.trace");
  RC_ASSERT(format_trace(parsed) == text);
  RC_ASSERT(parsed.events.size() == trace.events.size());
  RC_ASSERT(parsed.header.seed == trace.header.seed);
}

// A shrunk trace still violates the invariant the original violated, and
// replays strictly; it is never longer than the original.
RC_GTEST_PROP(TraceProperties, ShrinkOutputStillViolates, ()) {
  const std::string bug = *rc::gen::element<std::string>("vote-without-log-check", "up-to-date-by-index-only",
                                                        "forget-vote-on-restart", "truncate-on-stale-append",
                                                        "commit-to-leader-commit", "accept-stale-vote-reply");
  ExploreConfig config;
  config.bugs = {bug};
  config.seed = *rc::gen::inRange<std::uint64_t>(1, 1000000000);
  config.runs = 20000;
  ExploreOutcome outcome = explore_seeds<Raft, RaftInvariants>(config);
  RC_PRE(!outcome.found.empty());
  const FoundRun& found = outcome.found[0];

  const ProtocolDriver& driver = *find_protocol("raft");
  Trace full = driver.make_trace(TraceHeader{"raft", 3, {bug}, found.seed, Budgets{}}, found.events);
  ShrinkStats stats;
  Trace shrunk = driver.shrink(full, "", stats);
  RC_ASSERT(shrunk.events.size() <= full.events.size());
  RC_ASSERT(shrunk.violation.has_value());
  RC_ASSERT(shrunk.violation->invariant == found.violation.invariant);
  Trace reread = parse_trace(format_trace(shrunk), "shrunk.trace");
  ReplayReport report = driver.replay(reread, "shrunk.trace", nullptr);
  RC_ASSERT(!report.divergence);
  RC_ASSERT(report.violation.has_value());
  RC_ASSERT(report.violation->invariant == found.violation.invariant);
  RC_ASSERT(report.events_replayed == shrunk.events.size());
}

}  // namespace
}  // namespace skiff
