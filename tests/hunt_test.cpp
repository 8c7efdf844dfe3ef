// Hunts that go past the first finding: --keep-going's distinct findings,
// --ignore-invariant, and findings handed over (to be written) in seed order
// while the hunt goes on.
#include <gtest/gtest.h>

#include <map>
#include <regex>
#include <string>
#include <vector>

#include "checker/explore.hpp"
#include "invariants/raft_invariants.hpp"
#include "protocols/raft/raft.hpp"
#include "tests/spawn.hpp"

#include <nlohmann/json.hpp>

namespace skiff {
namespace {

using Raft = raft::Protocol;
using RaftInvariants = invariants::RaftInvariants;

ExploreConfig hunt(std::vector<std::string> bugs, std::uint64_t runs, int jobs) {
  ExploreConfig config;
  config.bugs = std::move(bugs);
  config.runs = runs;
  config.jobs = jobs;
  config.keep_going = true;
  return config;
}

// Every violating run, seed by seed, as one thread sees it.
std::map<std::uint64_t, std::string> violations_one_by_one(const ExploreConfig& config) {
  Simulation<Raft, RaftInvariants> sim(config.nodes, make_options<Raft>(config.bugs, ""), config.budgets);
  std::map<std::uint64_t, std::string> violations;
  std::vector<Event> record;
  for (std::uint64_t seed = config.seed; seed < config.seed + config.runs; ++seed)
    if (auto v = run_seed(sim, seed, record).violation) violations[seed] = v->invariant;
  return violations;
}

TEST(Hunt, KeepGoingCountsEveryViolatingRunAndKeepsTheFirstOfEachInvariant) {
  // Two bugs, two invariants: many runs violate leader-completeness, a few
  // election-safety.
  const ExploreConfig config = hunt({"truncate-on-stale-append", "forget-vote-on-restart"}, 3000, 2);
  const auto expected = violations_one_by_one(config);
  ASSERT_GE(expected.size(), 10u) << "too few violations to test with";
  std::map<std::string, Finding> by_invariant;
  for (const auto& [seed, invariant] : expected) {
    Finding& f = by_invariant.try_emplace(invariant, Finding{invariant, seed, 0}).first->second;
    ++f.runs;
  }
  std::vector<std::uint64_t> handed_over;
  ExploreConfig watched = config;
  watched.on_found = [&](const FoundRun& found) { handed_over.push_back(found.seed); };
  const ExploreOutcome outcome = explore_seeds<Raft, RaftInvariants>(watched);
  EXPECT_EQ(outcome.runs, 3000u);
  ASSERT_EQ(outcome.findings.size(), by_invariant.size());
  ASSERT_GE(by_invariant.size(), 2u);
  for (std::size_t i = 0; i < outcome.findings.size(); ++i) {
    const Finding& f = outcome.findings[i];
    ASSERT_TRUE(by_invariant.contains(f.invariant)) << f.invariant;
    EXPECT_EQ(f.first_seed, by_invariant.at(f.invariant).first_seed) << f.invariant;
    EXPECT_EQ(f.runs, by_invariant.at(f.invariant).runs) << f.invariant;
    if (i > 0) {
      EXPECT_LT(outcome.findings[i - 1].first_seed, f.first_seed);
    }
  }
  ASSERT_EQ(outcome.found.size(), by_invariant.size());
  ASSERT_EQ(handed_over.size(), outcome.found.size());
  for (std::size_t i = 0; i < outcome.found.size(); ++i) {
    EXPECT_EQ(handed_over[i], outcome.found[i].seed);  // in seed order
    EXPECT_EQ(outcome.found[i].seed, outcome.findings[i].first_seed);
  }
}

TEST(Hunt, TheSameFindingsOnOneThreadAndOnTwo) {
  const ExploreOutcome one = explore_seeds<Raft, RaftInvariants>(hunt({"forget-vote-on-restart"}, 4000, 1));
  const ExploreOutcome two = explore_seeds<Raft, RaftInvariants>(hunt({"forget-vote-on-restart"}, 4000, 2));
  ASSERT_FALSE(one.findings.empty());
  EXPECT_EQ(one.findings, two.findings);
  EXPECT_EQ(one.events, two.events);
}

// A run that violates an ignored invariant ends there, counted apart: the
// same runs as would have been findings, and none reported.
TEST(Hunt, IgnoredInvariantsAreCountedNotReported) {
  const ExploreConfig config = hunt({"commit-previous-term"}, 3000, 2);
  const ExploreOutcome plain = explore_seeds<Raft, RaftInvariants>(config);
  ASSERT_FALSE(plain.findings.empty());
  ExploreConfig ignoring = config;
  for (const Finding& f : plain.findings) ignoring.ignored_invariants.push_back(f.invariant);
  const ExploreOutcome ignored = explore_seeds<Raft, RaftInvariants>(ignoring);
  EXPECT_TRUE(ignored.found.empty());
  EXPECT_TRUE(ignored.findings.empty());
  for (const Finding& f : plain.findings) EXPECT_EQ(ignored.ignored.at(f.invariant), f.runs) << f.invariant;
  EXPECT_EQ(ignored.runs, plain.runs);
  EXPECT_EQ(ignored.events, plain.events);
}

// Without --keep-going, the first violating run in seed order is the one
// found, whatever the number of threads, and the other findings are not.
TEST(Hunt, WithoutKeepGoingTheFirstViolationInSeedOrderEndsTheHunt) {
  ExploreConfig config = hunt({"commit-previous-term"}, 100000, 2);
  config.keep_going = false;
  const auto expected = violations_one_by_one(hunt({"commit-previous-term"}, 3000, 1));
  ASSERT_FALSE(expected.empty());
  const ExploreOutcome outcome = explore_seeds<Raft, RaftInvariants>(config);
  ASSERT_EQ(outcome.found.size(), 1u);
  EXPECT_EQ(outcome.found[0].seed, expected.begin()->first);
  EXPECT_EQ(outcome.runs, expected.begin()->first - config.seed + 1);
  ASSERT_EQ(outcome.findings.size(), 1u);
  EXPECT_EQ(outcome.findings[0].runs, 1u);
}

// On the command line: an unknown name is bad usage; the summary names
// every distinct finding and every ignored invariant.
TEST(Hunt, CommandLineSummary) {
  const testing::ScratchDir scratch_dir("skiff-hunt-test");
  const std::filesystem::path& scratch = scratch_dir.path();
  const testing::Result bad =
      testing::run_skiff(scratch, {"explore", "raft", "--ignore-invariant", "no-such-thing", "--runs", "10"});
  EXPECT_EQ(bad.status, 2) << bad;
  EXPECT_EQ(bad.err, "skiff: --ignore-invariant: raft has no invariant 'no-such-thing' (see 'skiff list')\n");

  // commit-previous-term breaks a rule first (commit-current-term-on-majority);
  // ignored, its runs go on to be counted, and the state invariants it
  // would have led to are not reached in those runs.
  const testing::Result text = testing::run_skiff(
      scratch, {"explore", "raft", "--bug", "commit-previous-term", "--runs", "3000", "--keep-going", "--no-shrink",
                "--ignore-invariant", "commit-current-term-on-majority", "--out", (scratch / "text").string()});
  EXPECT_EQ(text.status, 0) << text;
  EXPECT_TRUE(std::regex_search(text.out, std::regex(R"(^ignored: commit-current-term-on-majority \([1-9][0-9]* run\(s\)\)$)",
                                                     std::regex::multiline)))
      << text;

  const testing::Result json = testing::run_skiff(
      scratch, {"explore", "raft", "--bug", "commit-previous-term", "--bug", "forget-vote-on-restart", "--runs", "3000",
                "--keep-going", "--no-shrink", "--ignore-invariant", "commit-current-term-on-majority", "--json",
                "--out", (scratch / "json").string()});
  EXPECT_EQ(json.status, 1) << json;
  const auto parsed = nlohmann::json::parse(json.out, nullptr, false);
  ASSERT_FALSE(parsed.is_discarded()) << json;
  ASSERT_TRUE(parsed["ignored"].contains("commit-current-term-on-majority")) << json;
  EXPECT_GT(parsed["ignored"]["commit-current-term-on-majority"].get<std::uint64_t>(), 0u) << json;
  EXPECT_FALSE(parsed["interrupted"].get<bool>());
  ASSERT_FALSE(parsed["findings"].empty()) << json;
  for (const auto& finding : parsed["findings"]) EXPECT_NE(finding["invariant"], "commit-current-term-on-majority");
}

}  // namespace
}  // namespace skiff
