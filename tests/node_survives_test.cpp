// node-survives: an exception escaping a node's handler ends the run as a
// violation, in every driver (explore, replay, shrink, check, simulate, the
// fuzz drivers' byte runs), naming the node, the handler and the exception.
// A tiny protocol that throws where it is told covers every handler; Raft's
// seeded bug throw-on-long-log covers the drivers end to end.
#include <gtest/gtest.h>

#include <stdexcept>
#include <string>
#include <vector>

#include "checker/driver.hpp"
#include "checker/explore.hpp"
#include "checker/model_checker.hpp"
#include "checker/shrink.hpp"
#include "checker/timed_replay.hpp"
#include "checker/timed_world.hpp"
#include "invariants/raft_invariants.hpp"
#include "protocols/raft/raft.hpp"

namespace skiff {
namespace {

// ---- a protocol that throws where its options say ---------------------------
// Each node arms one timer at boot; when it fires the node sends Ping to the
// next node. A node handles Ping by counting it.
namespace thrower {

enum class Where : std::uint8_t { Nowhere, Boot, Message, Timer, Client, Crash, Restart };

struct Message {
  std::uint32_t count = 0;
  std::string_view type_name() const { return "Ping"; }
  void print(std::string& out) const { out += "Ping " + std::to_string(count); }
  void encode(StateEncoder& e) const { e.put(count); }
};

// Node 2 throws in the handler named by a "bug": boot, message, timer,
// client, crash or restart; "int" makes it throw an int.
constexpr std::string_view kWhere[] = {"", "boot", "message", "timer", "client", "crash", "restart"};

struct Options {
  Where where = Where::Nowhere;
  NodeIndex node = 1;               // the node that throws
  bool throw_non_standard = false;  // an int, not a std::exception
  bool enable_bug(std::string_view name) {
    if (name == "int") return throw_non_standard = true;
    for (std::size_t i = 1; i < std::size(kWhere); ++i)
      if (kWhere[i] == name) {
        where = Where(i);
        return true;
      }
    return false;
  }
  std::vector<std::string> enabled_bugs() const {
    std::vector<std::string> names;
    if (where != Where::Nowhere) names.emplace_back(kWhere[std::size_t(where)]);
    if (throw_non_standard) names.emplace_back("int");
    return names;
  }
};

class Node {
 public:
  Node(NodeIndex self, int node_count, const Options& options)
      : self_(self), node_count_(node_count), options_(options) {}
  void start(Effects<Message>& fx) {
    maybe_throw(Where::Boot);
    fx.arm(0);
  }
  void on_message(NodeIndex, const Message&, Effects<Message>&) {
    maybe_throw(Where::Message);
    ++received_;
  }
  void on_timer(TimerId, Effects<Message>& fx) {
    maybe_throw(Where::Timer);
    fx.send(NodeIndex((self_ + 1) % node_count_), Message{received_});
  }
  bool on_client_command(Command, Effects<Message>&) {
    maybe_throw(Where::Client);
    return true;
  }
  void crash() { maybe_throw(Where::Crash); }
  void restart(Effects<Message>& fx) {
    maybe_throw(Where::Restart);
    fx.arm(0);
  }
  void print(std::string& out) const { out += "received=" + std::to_string(received_); }
  void encode(StateEncoder& e) const { e.put(received_); }
  std::uint32_t epoch() const { return 0; }

 private:
  void maybe_throw(Where where) const {
    if (options_.where != where || options_.node != self_) return;
    if (options_.throw_non_standard) throw 42;
    throw std::runtime_error("told to\nthrow");
  }
  NodeIndex self_;
  int node_count_;
  Options options_;
  std::uint32_t received_ = 0;
};

struct Protocol {
  static constexpr std::string_view name = "thrower";
  static constexpr int timer_count = 1;
  using Message = thrower::Message;
  using Options = thrower::Options;
  using Node = thrower::Node;
  static std::string_view timer_name(TimerId) { return "tick"; }
};

}  // namespace thrower

using Thrower = thrower::Protocol;
using ThrowerInvariants = InvariantSet<invariants::NodeSurvives>;

Budgets small_budgets() {
  Budgets b;
  b.steps = 40;
  return b;
}

// Random runs until one violates; its violation.
std::optional<Violation> first_violation(const thrower::Options& options) {
  Simulation<Thrower, ThrowerInvariants> sim(3, options, small_budgets());
  std::vector<Event> record;
  for (std::uint64_t seed = 1; seed <= 200; ++seed) {
    SeededChoices choices(seed);
    if (auto violation = run_choices(sim, choices, record).violation) return violation;
  }
  return std::nullopt;
}

TEST(NodeSurvives, NothingThrownNothingViolated) {
  EXPECT_FALSE(first_violation(thrower::Options{}));
}

TEST(NodeSurvives, NamesTheNodeTheHandlerAndTheException) {
  struct Case {
    thrower::Where where;
    std::string handler;
  };
  const Case cases[] = {
      {thrower::Where::Boot, "its first boot (start)"},
      {thrower::Where::Message, "its message handler (Ping from node 1)"},
      {thrower::Where::Timer, "its timer handler (tick)"},
      {thrower::Where::Client, "its client-command handler (command 1)"},
      {thrower::Where::Crash, "its crash (what it keeps on disk)"},
      {thrower::Where::Restart, "its restart"},
  };
  for (const Case& c : cases) {
    thrower::Options options;
    options.where = c.where;
    const auto violation = first_violation(options);
    ASSERT_TRUE(violation) << c.handler;
    EXPECT_EQ(violation->invariant, "node-survives");
    EXPECT_EQ(violation->explanation,
              "node 2: the protocol threw std::runtime_error (\"told to\\x0athrow\") in " + c.handler);
  }
}

TEST(NodeSurvives, NamesAnExceptionOfAnyType) {
  thrower::Options options;
  options.where = thrower::Where::Timer;
  options.throw_non_standard = true;
  const auto violation = first_violation(options);
  ASSERT_TRUE(violation);
  EXPECT_EQ(violation->explanation, "node 2: the protocol threw int in its timer handler (tick)");
}

// A throw at first boot is a violation before any event: the empty trace
// replays to it, and the model checker reports the initial state.
TEST(NodeSurvives, AThrowAtBootIsAViolationOfTheEmptyRun) {
  thrower::Options options;
  options.where = thrower::Where::Boot;
  Simulation<Thrower, ThrowerInvariants> sim(3, options, small_budgets());
  const auto at_boot = sim.reset();
  ASSERT_TRUE(at_boot);
  EXPECT_EQ(at_boot->invariant, "node-survives");

  TraceHeader header{"thrower", 3, {"boot"}, 0, small_budgets()};
  const Trace written = make_trace<Thrower, ThrowerInvariants>(header, {});
  ASSERT_TRUE(written.violation);
  EXPECT_TRUE(written.events.empty());
  const Trace read = parse_trace(format_trace(written), "boot.trace");  // a trace with no events
  Executor<Thrower, ThrowerInvariants> executor(read.header, "");
  const Execution run = executor.execute(read.events, ExecuteMode::Strict, /*describe=*/true);
  ASSERT_TRUE(run.violation);
  EXPECT_EQ(run.violation->explanation, at_boot->explanation);
  EXPECT_EQ(format_trace(Trace{read.header, run.executed, run.violation}), format_trace(written));

  CheckConfig config;
  config.bugs = {"boot"};
  const CheckOutcome checked = ModelChecker<Thrower, ThrowerInvariants>(config).run();
  ASSERT_TRUE(checked.violation);
  EXPECT_EQ(checked.violation->explanation, at_boot->explanation);
  EXPECT_TRUE(checked.counterexample.empty());
}

// The model checker finds a throwing handler with a shortest counterexample,
// and its undo of an event (World::restore) forgets the throw.
TEST(NodeSurvives, TheModelCheckerFindsAThrowingHandler) {
  CheckConfig config;
  config.bugs = {"message"};
  config.max_depth = 6;
  config.budgets.commands = 0;
  config.budgets.crashes = 0;
  config.budgets.drops = 0;
  config.budgets.duplicates = 0;
  config.budgets.link_changes = 0;
  const CheckOutcome checked = ModelChecker<Thrower, ThrowerInvariants>(config).run();
  ASSERT_TRUE(checked.violation);
  EXPECT_EQ(checked.violation->explanation,
            "node 2: the protocol threw std::runtime_error (\"told to\\x0athrow\") in its message handler (Ping from "
            "node 1)");
  EXPECT_EQ(checked.counterexample.size(), 2u);  // node 1's timer, its Ping delivered

  thrower::Options options;
  options.where = thrower::Where::Timer;
  World<Thrower> world(3, options, config.budgets);
  Event timer;
  timer.kind = EventKind::Timer;
  timer.node = 1;
  timer.timer = 0;
  World<Thrower> copy = world;
  copy.apply(timer);
  ASSERT_NE(copy.node_fault(), nullptr);
  copy.restore(world, 1);
  EXPECT_EQ(copy.node_fault(), nullptr);
}

// Shrinking keeps the throw: a long run that ends in node 2's crash
// throwing shrinks to the crash alone.
TEST(NodeSurvives, ShrinksToTheThrowingEvent) {
  thrower::Options options;
  options.where = thrower::Where::Crash;
  Simulation<Thrower, ThrowerInvariants> sim(3, options, small_budgets());
  std::vector<Event> record;
  std::optional<Violation> violation;
  std::uint64_t seed = 1;
  for (; seed <= 200 && !(violation && record.size() > 3); ++seed) {
    SeededChoices choices(seed);
    violation = run_choices(sim, choices, record).violation;
  }
  ASSERT_TRUE(violation);
  ASSERT_GT(record.size(), 3u);
  TraceHeader header{"thrower", 3, {"crash"}, seed - 1, small_budgets()};
  const Trace full = make_trace<Thrower, ThrowerInvariants>(header, record);
  ASSERT_TRUE(full.violation);
  Shrinker<Thrower, ThrowerInvariants> shrinker(header, "node-survives", "");
  ShrinkStats stats;
  const Execution shrunk = shrinker.shrink(full.events, stats);
  ASSERT_TRUE(shrunk.violation);
  EXPECT_EQ(shrunk.violation->invariant, "node-survives");
  ASSERT_EQ(shrunk.executed.size(), 1u);
  EXPECT_EQ(format_event(shrunk.executed[0].event, shrunk.executed[0].detail), "crash 2");
}

// ---- Raft's seeded bug throw-on-long-log, through every driver --------------

using Raft = raft::Protocol;
using RaftInvariants = invariants::RaftInvariants;

TEST(ThrowOnLongLog, ExploreFindsItAndNamesTheException) {
  ExploreConfig config;
  config.bugs = {"throw-on-long-log"};
  config.runs = 20000;
  const ExploreOutcome outcome = explore_seeds<Raft, RaftInvariants>(config);
  ASSERT_EQ(outcome.found.size(), 1u);
  const Violation& v = outcome.found[0].violation;
  EXPECT_EQ(v.invariant, "node-survives");
  EXPECT_NE(v.explanation.find("the protocol threw std::length_error (\"append of entry 4: the log buffer holds 3 "
                               "entries\") in its message handler (AppendEntries from node "),
            std::string::npos)
      << v.explanation;
}

TEST(ThrowOnLongLog, TheModelCheckerFindsAShortestCounterexample) {
  CheckConfig config;
  config.bugs = {"throw-on-long-log"};
  config.max_depth = 9;
  config.budgets.commands = 4;
  config.budgets.crashes = 0;
  config.budgets.drops = 0;
  config.budgets.duplicates = 0;
  config.budgets.link_changes = 0;
  config.max_epoch = 1;
  config.threads = 2;
  const CheckOutcome outcome = ModelChecker<Raft, RaftInvariants>(config).run();
  ASSERT_TRUE(outcome.violation);
  EXPECT_EQ(outcome.violation->invariant, "node-survives");
  // An election (timer, one request delivered, its reply), four commands,
  // and the AppendEntries that carries the fourth entry.
  EXPECT_EQ(outcome.counterexample.size(), 8u);
  TraceHeader header{"raft", 3, {"throw-on-long-log"}, 0, config.budgets};
  header.budgets.steps = std::uint32_t(outcome.counterexample.size());
  const Trace trace = find_protocol("raft")->make_trace(header, outcome.counterexample);
  ASSERT_TRUE(trace.violation);
  EXPECT_EQ(trace.violation->invariant, "node-survives");
  EXPECT_EQ(trace.violation->explanation, outcome.violation->explanation);
}

TEST(ThrowOnLongLog, SimulateFindsItAndItsTimedTraceReplays) {
  Scenario scenario = parse_scenario(R"({"nodes": 3, "duration_ms": 3000,
      "clients": {"count": 2, "interval_ms": 5}})",
                                     "s.json", {"election", "heartbeat", "check-quorum"});
  fill_default_timers<Raft>(scenario);
  const raft::Options options = make_options<Raft>({"throw-on-long-log"}, "");
  TimedWorld<Raft, RaftInvariants> world(scenario, options);
  std::vector<TraceEvent> events;
  world.record(&events);
  const TimedRunStats stats = world.run(1);
  ASSERT_TRUE(stats.violation);
  EXPECT_EQ(stats.violation->invariant, "node-survives");

  TraceHeader header{"raft", 3, {"throw-on-long-log"}, 1, Budgets{}};
  header.budgets.steps = std::uint32_t(events.size());
  header.timed = TraceHeader::Timed{};
  const Trace trace = make_timed_trace<Raft, RaftInvariants>(header, events, -1);
  ASSERT_TRUE(trace.violation);
  EXPECT_EQ(trace.violation->invariant, "node-survives");
  EXPECT_EQ(trace.violation->explanation, stats.violation->explanation);
}

// What a fuzz target runs (bytes -> choices -> run) ends in the violation too.
TEST(ThrowOnLongLog, ByteRunsEndInIt) {
  const ProtocolDriver& driver = *find_protocol("raft");
  ExploreConfig config;
  config.bugs = {"throw-on-long-log"};
  config.runs = 20000;
  const ExploreOutcome outcome = explore_seeds<Raft, RaftInvariants>(config);
  ASSERT_EQ(outcome.found.size(), 1u);
  TraceHeader header{"raft", 3, {"throw-on-long-log"}, outcome.found[0].seed, Budgets{}};
  const std::vector<std::uint8_t> bytes = driver.bytes_of_seed(header, outcome.found[0].seed, {});
  const ByteRun run = driver.run_bytes(header, bytes, {});
  ASSERT_TRUE(run.violation);
  EXPECT_EQ(run.violation->invariant, "node-survives");
  EXPECT_EQ(run.events.size(), outcome.found[0].events.size());
}

}  // namespace
}  // namespace skiff
