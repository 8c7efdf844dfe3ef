// Protocol code that dies of a signal (the seeded raft bug
// crash-on-stale-append-reply raises SIGSEGV) is a finding, not the end of
// skiff: explore's run ends in node-survives, the hunt goes on, and the
// trace, made and replayed in a child process, replays and shrinks.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "checker/driver.hpp"
#include "checker/explore.hpp"
#include "checker/trace.hpp"
#include "invariants/raft_invariants.hpp"
#include "protocols/raft/raft.hpp"
#include "tests/spawn.hpp"

namespace skiff {
namespace {

using Raft = raft::Protocol;
using RaftInvariants = invariants::RaftInvariants;

ExploreConfig crashing_hunt(std::uint64_t runs, int jobs) {
  ExploreConfig config;
  config.bugs = {"crash-on-stale-append-reply", "commit-previous-term"};
  config.runs = runs;
  config.jobs = jobs;
  config.keep_going = true;
  return config;
}

TEST(NodeCrash, ExploreSurvivesAndGoesOn) {
  const ExploreOutcome outcome = explore_seeds<Raft, RaftInvariants>(crashing_hunt(3000, 2));
  EXPECT_EQ(outcome.runs, 3000u);  // every run, after many crashes
  const FoundRun* found = nullptr;
  for (const FoundRun& f : outcome.found)
    if (f.violation.invariant == kNodeSurvives) found = &f;
  ASSERT_NE(found, nullptr);
  const FoundRun& crash = *found;
  EXPECT_NE(crash.violation.explanation.find("SIGSEGV"), std::string::npos) << crash.violation.explanation;
  EXPECT_TRUE(crash.isolated);
  ASSERT_FALSE(crash.events.empty());
  bool crashes_counted = false;
  for (const Finding& f : outcome.findings) crashes_counted |= f.invariant == kNodeSurvives && f.runs > 10;
  EXPECT_TRUE(crashes_counted);
}

TEST(NodeCrash, TheSameOnOneThreadAndOnTwo) {
  const ExploreOutcome one = explore_seeds<Raft, RaftInvariants>(crashing_hunt(2000, 1));
  const ExploreOutcome two = explore_seeds<Raft, RaftInvariants>(crashing_hunt(2000, 2));
  EXPECT_EQ(one.findings, two.findings);
  EXPECT_EQ(one.events, two.events);
}

// The trace of a crash, made in a child: it ends with the event the node
// died in, names the signal, and replays to it (in a child again).
TEST(NodeCrash, TraceIsMadeAndReplayedInAChild) {
  const ExploreOutcome outcome = explore_seeds<Raft, RaftInvariants>(crashing_hunt(200, 1));
  const FoundRun* found = nullptr;
  for (const FoundRun& f : outcome.found)
    if (f.violation.invariant == kNodeSurvives) found = &f;
  ASSERT_NE(found, nullptr);
  const FoundRun& crash = *found;
  ASSERT_TRUE(crash.isolated);
  const ProtocolDriver* driver = find_protocol("raft");
  ASSERT_NE(driver, nullptr);
  TraceHeader header{"raft", 3, crashing_hunt(1, 1).bugs, crash.seed, Budgets{}};
  header.isolated = true;
  const Trace trace = driver->make_trace(header, crash.events);
  ASSERT_TRUE(trace.violation);
  EXPECT_EQ(trace.violation->invariant, kNodeSurvives);
  EXPECT_EQ(trace.events.size(), crash.events.size());
  EXPECT_NE(trace.violation->explanation.find("died of SIGSEGV while node"), std::string::npos)
      << trace.violation->explanation;
  const std::string text = format_trace(trace);
  const Trace read = parse_trace(text, "crash.trace");
  EXPECT_TRUE(read.header.isolated);
  const ReplayReport report = driver->replay(read, "crash.trace", nullptr);
  ASSERT_TRUE(report.violation);
  EXPECT_EQ(report.violation->explanation, trace.violation->explanation);
  EXPECT_EQ(report.events_replayed, trace.events.size());
}

// On the command line: exit status 1, a short shrunk trace that `skiff
// replay` reproduces (status 1), and the hunt's other finding too.
TEST(NodeCrash, CommandLine) {
  namespace fs = std::filesystem;
  const testing::ScratchDir scratch_dir("skiff-node-crash-test");
  const std::filesystem::path& scratch = scratch_dir.path();
  const testing::Result hunt = testing::run_skiff(
      scratch, {"explore", "raft", "--bug", "crash-on-stale-append-reply", "--runs", "1000", "--keep-going",
                "--quiet", "--out", (scratch / "out").string()});
  EXPECT_EQ(hunt.status, 1) << hunt;
  EXPECT_NE(hunt.out.find("violation of node-survives at seed 1\n"), std::string::npos) << hunt;
  EXPECT_NE(hunt.out.find("1000 runs"), std::string::npos) << hunt;
  const testing::Result replay = testing::run_skiff(scratch, {"replay", (scratch / "out" / "raft-1.trace").string()});
  EXPECT_EQ(replay.status, 1) << replay;
  EXPECT_NE(replay.out.find("violation node-survives: the process died of SIGSEGV"), std::string::npos) << replay;
  const Trace shrunk = read_trace_file((scratch / "out" / "raft-1.trace").string());
  EXPECT_LE(shrunk.events.size(), 20u);
}

// skiff check on a protocol that dies of a signal: the transition is a
// node-survives violation with a shortest counterexample that replays, in
// breadth-first (one and two threads: the same trace) and depth-first search.
TEST(NodeCrash, CheckReportsTheSignalAsAViolation) {
  const testing::ScratchDir scratch_dir("skiff-node-crash-check-test");
  const std::filesystem::path& scratch = scratch_dir.path();
  std::string first_trace;
  int run = 0;
  for (const std::vector<std::string>& search :
       {std::vector<std::string>{"--threads", "1"}, {"--threads", "2"}, {"--depth-first"}}) {
    const std::string out = (scratch / ("out" + std::to_string(++run))).string();
    std::vector<std::string> args{"check", "raft", "--bug", "crash-on-stale-append-reply", "--max-depth", "10",
                                  "--max-term", "3", "--out", out};
    args.insert(args.end(), search.begin(), search.end());
    const testing::Result check = testing::run_skiff(scratch, args);
    EXPECT_EQ(check.status, 1) << check;
    EXPECT_NE(check.out.find("violation of node-survives: the process died of SIGSEGV"), std::string::npos)
        << check;
    const std::string trace_path = out + "/raft-check.trace";
    const testing::Result replay = testing::run_skiff(scratch, {"replay", trace_path});
    EXPECT_EQ(replay.status, 1) << replay;
    EXPECT_NE(replay.out.find("violation node-survives: the process died of SIGSEGV"), std::string::npos) << replay;
    if (search.front() == "--depth-first") continue;
    std::ifstream in(trace_path);
    const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    if (first_trace.empty())
      first_trace = text;
    else
      EXPECT_EQ(text, first_trace) << "breadth-first's counterexample depends on the thread count";
  }
}

}  // namespace
}  // namespace skiff
