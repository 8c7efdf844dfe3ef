// skiff's test API for GoogleTest: one call explores N seeds (or model-checks
// within bounds) of a protocol and, on a violation, fails with the
// invariant, its explanation, the path of the shrunk trace it wrote and the
// exact command that reproduces the run (docs/bring-your-own.md).
//
//   TEST(Kv, ExploreFindsNothing) {
//     EXPECT_TRUE((skiff::testing::explore<kv::Protocol, kv::Invariants>({.runs = 2000})));
//   }
//   TEST(Kv, FindsTheSeededBug) {
//     auto found = skiff::testing::first_violation<kv::Protocol, kv::Invariants>({.bugs = {"ack-early"}});
//     ASSERT_TRUE(found);
//     EXPECT_EQ(found->invariant, "acked-writes-survive");
//   }
//
// Include <gtest/gtest.h> (link GTest::gtest) before or with this header.
// Runs are deterministic: the same spec gives the same result and trace.
#pragma once

#include <gtest/gtest.h>

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "checker/commands.hpp"
#include "checker/driver.hpp"
#include "checker/trace.hpp"

namespace skiff::testing {

struct ExploreSpec {
  int nodes = 3;
  std::vector<std::string> bugs = {};
  std::vector<std::string> variants = {};
  std::uint64_t seed = 1;    // run r uses seed `seed + r`
  std::uint64_t runs = 1000;
  Budgets budgets = {};
  std::string out_dir = "skiff-out";  // where the shrunk trace goes
  std::string command = "skiff";      // the command line the reproduce command names
                                      // (skiff_add_command's NAME)
};

struct CheckSpec {
  CheckConfig config = {};  // nodes, bugs, bounds (model_checker.hpp)
  std::string out_dir = "skiff-out";
  std::string command = "skiff";
};

// A violation, written down as `skiff explore` would write it.
struct TestFinding {
  std::string invariant;
  std::string explanation;
  std::uint64_t seed = 0;
  std::string trace_path;  // the shrunk trace
  std::string reproduce;   // e.g. "kv-skiff explore kv --nodes 3 --bug ack-early --seed 17 --runs 1"
  std::size_t events = 0;  // in the shrunk trace

  // The failure message: four lines.
  std::string message() const {
    return "violation of " + invariant + " at seed " + std::to_string(seed) + "\n  " + explanation +
           "\n  trace:     " + trace_path + " (" + std::to_string(events) + " events, shrunk)\n  reproduce: " +
           reproduce;
  }
};

namespace detail {

template <class P, class Invariants>
const ProtocolDriver& driver() {
  static const ProtocolDriverFor<P, Invariants> instance;
  return instance;
}

// Shrinks the trace, writes it to OUT_DIR/PROTOCOL-SEED.trace and checks it replays.
inline TestFinding write_finding(const ProtocolDriver& driver, Trace trace, const std::string& out_dir) {
  std::filesystem::create_directories(out_dir);
  const std::string path =
      (std::filesystem::path(out_dir) / (trace.header.protocol + "-" + std::to_string(trace.header.seed) + ".trace"))
          .string();
  ShrinkStats stats;
  trace = driver.shrink(trace, path, stats);
  write_text_file(path, format_trace(trace));
  verify_written_trace(driver, path);
  TestFinding finding;
  if (trace.violation) finding.invariant = trace.violation->invariant, finding.explanation = trace.violation->explanation;
  finding.seed = trace.header.seed;
  finding.trace_path = path;
  finding.events = trace.events.size();
  return finding;
}

}  // namespace detail

// The first violating run of spec.runs seeded runs (in seed order), shrunk
// and written down; nothing if every run kept every invariant. Throws
// InputError for an unknown bug or variant.
template <class P, class Invariants>
std::optional<TestFinding> first_violation(const ExploreSpec& spec) {
  const ProtocolDriver& driver = detail::driver<P, Invariants>();
  ExploreConfig config;
  config.nodes = spec.nodes;
  config.bugs = spec.bugs;
  config.variants = spec.variants;
  config.seed = spec.seed;
  config.runs = spec.runs;
  config.budgets = spec.budgets;
  std::optional<FoundRun> first;
  config.on_found = [&](const FoundRun& found) {
    if (!first) first = found;
  };
  driver.explore(config);
  if (!first) return std::nullopt;
  TraceHeader header{std::string(P::name), spec.nodes, spec.bugs, first->seed, spec.budgets};
  header.variants = spec.variants;
  TestFinding finding = detail::write_finding(driver, driver.make_trace(header, first->events), spec.out_dir);
  const std::string command = reproduce_command(std::string(P::name), config, first->seed);
  finding.reproduce = spec.command + command.substr(command.find(' '));
  return finding;
}

// The shortest counterexample within the bounds, written down; nothing if
// the bounded state space keeps every invariant.
template <class P, class Invariants>
std::optional<TestFinding> first_counterexample(const CheckSpec& spec) {
  const ProtocolDriver& driver = detail::driver<P, Invariants>();
  const CheckOutcome outcome = driver.check(spec.config);
  if (!outcome.violation) return std::nullopt;
  TraceHeader header{std::string(P::name), spec.config.nodes, spec.config.bugs, 0, spec.config.budgets};
  header.variants = spec.config.variants;
  header.budgets.steps = std::max<std::uint32_t>(header.budgets.steps, std::uint32_t(outcome.counterexample.size()));
  TestFinding finding = detail::write_finding(driver, driver.make_trace(header, outcome.counterexample), spec.out_dir);
  finding.reproduce = spec.command + " replay " + finding.trace_path + " --verbose";
  return finding;
}

// Succeeds if no run violates an invariant; fails with the finding's message.
template <class P, class Invariants>
::testing::AssertionResult explore(const ExploreSpec& spec) {
  if (const auto finding = first_violation<P, Invariants>(spec)) return ::testing::AssertionFailure() << finding->message();
  return ::testing::AssertionSuccess() << spec.runs << " runs of " << P::name << ", no violation";
}

// Succeeds if the bounded state space keeps every invariant.
template <class P, class Invariants>
::testing::AssertionResult check(const CheckSpec& spec) {
  if (const auto finding = first_counterexample<P, Invariants>(spec))
    return ::testing::AssertionFailure() << finding->message();
  return ::testing::AssertionSuccess() << P::name << ": no violation within the bounds";
}

}  // namespace skiff::testing
