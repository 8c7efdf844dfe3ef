// `skiff check --frontier-memory/--spill-dir` and `--swarm/--seed` on the
// command line: bad values are one-line errors with exit status 2; a run
// that spills writes the same counterexample bytes as one that does not; a
// swarm names the member that found the violation, and the same seed gives
// the same trace.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "checker/errors.hpp"
#include "tests/spawn.hpp"

namespace skiff {
namespace {

namespace fs = std::filesystem;
using testing::read_file;
using testing::Result;

const fs::path& scratch() {
  static const testing::ScratchDir dir("skiff-spill-swarm-cli-test");
  return dir.path();
}

Result skiff(const std::vector<std::string>& args) { return testing::run_skiff(scratch(), args); }

void expect_bad_usage(const std::vector<std::string>& args, const std::string& words) {
  SCOPED_TRACE("skiff " + ::testing::PrintToString(args));
  const Result r = skiff(args);
  EXPECT_EQ(r.status, kExitBadInput) << r;
  EXPECT_EQ(r.err.rfind("skiff: ", 0), 0u) << r;
  EXPECT_EQ(r.err.find('\n'), r.err.size() - 1) << r;  // one line
  EXPECT_NE(r.err.find(words), std::string::npos) << r;
}

TEST(CliSpillSwarm, BadValuesAreOneLineErrors) {
  const std::string file = (scratch() / "not-a-dir").string();
  std::ofstream(file) << "x";
  expect_bad_usage({"check", "raft", "--frontier-memory", "0"}, "--frontier-memory");
  expect_bad_usage({"check", "raft", "--frontier-memory", "-3"}, "--frontier-memory");
  expect_bad_usage({"check", "raft", "--frontier-memory", "lots"}, "--frontier-memory");
  expect_bad_usage({"check", "raft", "--frontier-memory", "8", "--depth-first"}, "--frontier-memory");
  expect_bad_usage({"check", "raft", "--spill-dir", "x"}, "only with --frontier-memory");
  expect_bad_usage({"check", "raft", "--frontier-memory", "8", "--spill-dir", file}, "--spill-dir");
  expect_bad_usage({"check", "raft", "--swarm", "0"}, "--swarm");
  expect_bad_usage({"check", "raft", "--swarm", "4", "--compact"}, "--swarm");
  expect_bad_usage({"check", "raft", "--swarm", "4", "--depth-first"}, "--swarm");
  expect_bad_usage({"check", "raft", "--swarm", "4", "--max-depth", "64"}, "at most 63 with --swarm");
  expect_bad_usage({"check", "raft", "--seed", "-1"}, "--seed");
}

TEST(CliSpillSwarm, SpillingWritesTheSameCounterexample) {
  const std::vector<std::string> bug{"check", "raft", "--bug", "vote-without-log-check", "--max-depth", "12",
                                     "--threads", "2"};
  std::vector<std::string> plain = bug, spilled = bug;
  plain.insert(plain.end(), {"--out", (scratch() / "plain").string()});
  spilled.insert(spilled.end(), {"--out", (scratch() / "spilled").string(), "--frontier-memory", "1", "--spill-dir",
                                 (scratch() / "spill").string()});
  const Result a = skiff(plain), b = skiff(spilled);
  ASSERT_EQ(a.status, kExitViolation) << a;
  ASSERT_EQ(b.status, kExitViolation) << b;
  EXPECT_NE(b.out.find("frontier memory 1 MiB:"), std::string::npos) << b;
  EXPECT_EQ(read_file(scratch() / "plain" / "raft-check.trace"), read_file(scratch() / "spilled" / "raft-check.trace"));
  EXPECT_TRUE(fs::is_empty(scratch() / "spill"));  // spill files are unlinked when made
}

TEST(CliSpillSwarm, SwarmNamesTheMemberAndRepeatsForTheSameSeed) {
  std::string traces[2];
  for (int run = 0; run < 2; ++run) {
    const std::string out = (scratch() / ("swarm" + std::to_string(run))).string();
    const Result r = skiff({"check", "raft", "--bug", "vote-without-log-check", "--max-depth", "12", "--swarm", "4",
                            "--bitstate", "16", "--seed", "11", "--threads", "1", "--out", out});
    ASSERT_EQ(r.status, kExitViolation) << r;
    EXPECT_NE(r.out.find("found by swarm member "), std::string::npos) << r;
    EXPECT_NE(r.out.find("distinct states seen across them (estimated)"), std::string::npos) << r;
    traces[run] = read_file(fs::path(out) / "raft-check.trace");
  }
  EXPECT_FALSE(traces[0].empty());
  EXPECT_EQ(traces[0], traces[1]);
  const Result correct = skiff({"check", "raft", "--max-depth", "8", "--swarm", "3", "--threads", "2", "--json"});
  EXPECT_EQ(correct.status, kExitOk) << correct;
  EXPECT_NE(correct.out.find("\"result\":\"partial\""), std::string::npos) << correct;
  EXPECT_NE(correct.out.find("\"swarm_members_run\":3"), std::string::npos) << correct;
}

}  // namespace
}  // namespace skiff
