// A finding is on disk before anything can go wrong: Ctrl-C (SIGINT) or
// SIGTERM sent to a running skiff leaves every violation it found written
// and replayable, a summary saying "interrupted", and the exit status its
// findings give. Each test runs the real binary (SKIFF_BINARY) and signals it.
#include <signal.h>

#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <regex>
#include <string>
#include <vector>

#include "checker/interrupt.hpp"
#include "checker/shrink.hpp"
#include "checker/trace.hpp"
#include "invariants/raft_invariants.hpp"
#include "protocols/raft/raft.hpp"
#include "tests/spawn.hpp"

namespace skiff {
namespace {

namespace fs = std::filesystem;
using testing::Result;
using testing::run_skiff;

// Each test's own directory.
struct Scratch {
  testing::ScratchDir dir{"skiff-interrupt-test"};
  const fs::path path = dir.path();
};

std::vector<fs::path> files_ending(const fs::path& dir, const std::string& suffix) {
  std::vector<fs::path> found;
  std::error_code ignored;
  for (const auto& entry : fs::directory_iterator(dir, ignored)) {
    const std::string name = entry.path().filename().string();
    if (name.size() >= suffix.size() && name.compare(name.size() - suffix.size(), suffix.size(), suffix) == 0)
      found.push_back(entry.path());
  }
  return found;
}

// Sends `signal` once `ready()` holds (checked every few milliseconds), or
// after `at_latest`.
testing::WhileRunning signal_when(int signal, std::function<bool()> ready, std::chrono::duration<double> at_latest) {
  return [=](pid_t pid, std::chrono::duration<double> elapsed) {
    if (!ready() && elapsed < at_latest) return true;
    kill(pid, signal);
    return false;
  };
}

// Every trace written replays to its violation (exit status 1).
void expect_every_trace_replays(const Scratch& scratch, const fs::path& dir) {
  const auto traces = files_ending(dir, ".trace");
  ASSERT_FALSE(traces.empty());
  for (const fs::path& trace : traces) {
    const Result replay = run_skiff(scratch.path, {"replay", trace.string()});
    EXPECT_EQ(replay.status, 1) << trace << "\n" << replay;
  }
}

// A hunt that would go on for hours, stopped once its first finding is on
// disk: the hunt ends promptly, says so, and what it found replays.
void interrupted_hunt_keeps_its_findings(int signal) {
  Scratch scratch;
  const fs::path out = scratch.path / "out";
  const auto started = std::chrono::steady_clock::now();
  const Result r = run_skiff(
      scratch.path,
      {"explore", "raft", "--bug", "commit-previous-term", "--runs", "100000000", "--keep-going", "--jobs", "2",
       "--out", out.string()},
      signal_when(
          signal, [&] { return !files_ending(out, ".full.trace").empty(); }, std::chrono::seconds(30)));
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  EXPECT_EQ(r.status, 1) << r;
  EXPECT_LT(seconds, 40) << "the hunt did not stop promptly";
  EXPECT_NE(r.out.find(", interrupted: "), std::string::npos) << r;
  EXPECT_NE(r.out.find("findings ("), std::string::npos) << r;
  EXPECT_NE(r.out.find("violation of "), std::string::npos) << r;
  expect_every_trace_replays(scratch, out);
}

TEST(Interrupt, SigintEndsAHuntWithItsFindingsOnDisk) { interrupted_hunt_keeps_its_findings(SIGINT); }
TEST(Interrupt, SigtermEndsAHuntWithItsFindingsOnDisk) { interrupted_hunt_keeps_its_findings(SIGTERM); }

TEST(Interrupt, AHuntWithoutFindingsEndsWithStatusZero) {
  Scratch scratch;
  const Result r = run_skiff(scratch.path,
                             {"explore", "raft", "--runs", "100000000", "--out", (scratch.path / "out").string()},
                             signal_when(SIGINT, [] { return false; }, std::chrono::milliseconds(700)));
  EXPECT_EQ(r.status, 0) << r;
  EXPECT_TRUE(std::regex_search(r.out, std::regex(R"(^[1-9][0-9]* runs, .*, interrupted: no violation)",
                                                  std::regex::multiline)))
      << r;
}

TEST(Interrupt, ModelCheckingSaysItIsNotVerified) {
  Scratch scratch;
  const Result r = run_skiff(scratch.path,
                             {"check", "raft", "--max-depth", "40", "--max-term", "4", "--max-commands", "2",
                              "--threads", "2", "--out", scratch.path.string()},
                             signal_when(SIGINT, [] { return false; }, std::chrono::milliseconds(1500)));
  EXPECT_EQ(r.status, 0) << r;
  EXPECT_NE(r.out.find("interrupted: not verified"), std::string::npos) << r;
  EXPECT_EQ(r.out.find("verified within bounds"), std::string::npos) << r;
}

TEST(Interrupt, SimulateWritesWhatItFoundAndStops) {
  Scratch scratch;
  const fs::path out = scratch.path / "out";
  const Result r = run_skiff(
      scratch.path,
      {"simulate", std::string(SKIFF_SOURCE_DIR) + "/corpus/scenarios/deaf-node.json", "--runs", "100000", "--bug",
       "forget-vote-on-restart", "--out", out.string()},
      signal_when(
          SIGINT, [] { return false; }, std::chrono::seconds(3)));
  EXPECT_NE(r.err.find("interrupted"), std::string::npos) << r;
  EXPECT_TRUE(r.status == 0 || r.status == 1) << r;
  if (r.status == 1) expect_every_trace_replays(scratch, out);
}

// Shrinking gives up kShrinkGrace after a stop is asked for, and keeps a
// trace that still violates the invariant.
TEST(Interrupt, ShrinkingGivesUpWithAViolatingTrace) {
  const Trace trace = read_trace_file(std::string(SKIFF_SOURCE_DIR) +
                                      "/corpus/regressions/raft-commit-previous-term-5-nodes.trace");
  ASSERT_TRUE(trace.violation);
  request_interrupt();
  std::this_thread::sleep_for(kShrinkGrace + std::chrono::milliseconds(100));
  Shrinker<raft::Protocol, invariants::RaftInvariants> shrinker(trace.header, trace.violation->invariant, "");
  ShrinkStats stats;
  const Execution run = shrinker.shrink(trace.events, stats);
  clear_interrupt();
  EXPECT_TRUE(stats.abandoned);
  EXPECT_EQ(stats.replays, 0u);
  ASSERT_TRUE(run.violation);
  EXPECT_EQ(run.violation->invariant, trace.violation->invariant);
  EXPECT_EQ(run.executed.size(), trace.events.size());
}

}  // namespace
}  // namespace skiff
