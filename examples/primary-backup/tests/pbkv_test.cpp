// pbkv under skiff's test API (skiff/checker/testing.hpp): the correct
// protocol keeps its invariants in many schedules and within model-checking
// bounds; the seeded bug is found, shrunk and written down.
#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include <filesystem>
#include <fstream>
#include <skiff/checker/testing.hpp>
#include <skiff/checker/testing_rapidcheck.hpp>

#include "../invariants.hpp"
#include "../pbkv.hpp"

namespace {

std::string out_dir() { return (std::filesystem::temp_directory_path() / "pbkv-test-out").string(); }

TEST(Pbkv, ExploreFindsNothingInTheCorrectProtocol) {
  EXPECT_TRUE((skiff::testing::explore<pbkv::Protocol, pbkv::Invariants>(
      {.nodes = 3, .runs = 2000, .out_dir = out_dir(), .command = "pbkv-skiff"})));
}

TEST(Pbkv, ModelCheckFindsNothingInTheCorrectProtocol) {
  skiff::testing::CheckSpec spec{.out_dir = out_dir(), .command = "pbkv-skiff"};
  spec.config.nodes = 3;
  spec.config.max_depth = 10;
  spec.config.budgets = skiff::Budgets{0, 1, 0, 1, 0, 2};
  EXPECT_TRUE((skiff::testing::check<pbkv::Protocol, pbkv::Invariants>(spec)));
}

TEST(Pbkv, ExploreFindsTheSeededBugAndWritesItsShrunkTrace) {
  const auto found = skiff::testing::first_violation<pbkv::Protocol, pbkv::Invariants>(
      {.nodes = 3, .bugs = {"ack-on-first-backup"}, .runs = 2000, .out_dir = out_dir(), .command = "pbkv-skiff"});
  ASSERT_TRUE(found);
  EXPECT_EQ(found->invariant, "acked-on-every-backup");
  EXPECT_TRUE(std::filesystem::exists(found->trace_path));
  EXPECT_LE(found->events, 6u);  // a write, its two replications, one ack
  EXPECT_EQ(found->reproduce.rfind("pbkv-skiff explore pbkv --nodes 3 --bug ack-on-first-backup --seed ", 0), 0u)
      << found->reproduce;
  // What a failing EXPECT_TRUE(explore(...)) prints.
  const auto result = skiff::testing::explore<pbkv::Protocol, pbkv::Invariants>(
      {.nodes = 3, .bugs = {"ack-on-first-backup"}, .runs = 2000, .out_dir = out_dir(), .command = "pbkv-skiff"});
  EXPECT_FALSE(result);
  EXPECT_NE(std::string(result.message()).find(found->trace_path), std::string::npos) << result.message();
  EXPECT_NE(std::string(result.message()).find(found->reproduce), std::string::npos) << result.message();
}

TEST(Pbkv, ModelCheckFindsTheSeededBug) {
  skiff::testing::CheckSpec spec{.out_dir = out_dir(), .command = "pbkv-skiff"};
  spec.config.nodes = 3;
  spec.config.bugs = {"ack-on-first-backup"};
  spec.config.max_depth = 6;
  spec.config.budgets = skiff::Budgets{0, 0, 0, 0, 0, 1};
  const auto found = skiff::testing::first_counterexample<pbkv::Protocol, pbkv::Invariants>(spec);
  ASSERT_TRUE(found);
  EXPECT_EQ(found->invariant, "acked-on-every-backup");
  EXPECT_EQ(found->events, 3u);  // the write, one replication, its ack
}

RC_GTEST_PROP(Pbkv, AnyScheduleKeepsTheInvariants, (const skiff::testing::Schedule& schedule)) {
  const auto run = skiff::testing::run_schedule<pbkv::Protocol, pbkv::Invariants>(schedule);
  RC_ASSERT(!run.violation);
}

TEST(Pbkv, SomeScheduleBreaksTheSeededBug) {
  // Property-based: RapidCheck finds a schedule that breaks the seeded bug.
  const auto result = rc::check("the seeded bug keeps the invariants", [](const skiff::testing::Schedule& schedule) {
    const auto run = skiff::testing::run_schedule<pbkv::Protocol, pbkv::Invariants>(
        schedule, {.bugs = {"ack-on-first-backup"}});
    RC_ASSERT(!run.violation);
  });
  EXPECT_FALSE(result);
}

}  // namespace
