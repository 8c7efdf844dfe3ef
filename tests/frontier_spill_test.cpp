// Breadth-first levels that spill to disk (checker/frontier_spill.hpp,
// `skiff check --frontier-memory`): the records read back are the ones
// written, and a search that spills, with budgets far too small for its
// levels, gives the same counts and the same counterexample (the same trace
// bytes) as one in memory, with one thread and with two.
#include <gtest/gtest.h>

#include <filesystem>
#include <string>
#include <vector>

#include "checker/driver.hpp"
#include "checker/frontier_spill.hpp"
#include "checker/model_checker.hpp"
#include "invariants/raft_invariants.hpp"
#include "protocols/raft/raft.hpp"
#include "tests/raft_counterexample.hpp"

namespace skiff {
namespace {

using Raft = raft::Protocol;
using RaftInvariants = invariants::RaftInvariants;

namespace fs = std::filesystem;

fs::path scratch_dir() {
  fs::path dir = fs::temp_directory_path() / ("skiff-spill-test-" + std::to_string(::getpid()));
  fs::create_directories(dir);
  return dir;
}

struct Pair {
  std::uint32_t a, b;
};

TEST(SpilledLevels, ReadsBackWhatWasWrittenFromMemoryAndFromFiles) {
  const fs::path dir = scratch_dir();
  SpilledLevels<Pair> memory(0, dir.string());
  SpilledLevels<Pair> spilled(100 * sizeof(Pair), dir.string());
  const std::vector<std::size_t> sizes{1, 7, 90, 30000, 5, 20000};
  for (std::size_t level = 0; level < sizes.size(); ++level) {
    for (SpilledLevels<Pair>* store : {&memory, &spilled}) {
      store->begin_level();
      for (std::size_t i = 0; i < sizes[level]; ++i) store->append(Pair{std::uint32_t(level), std::uint32_t(i * 3)});
      store->end_level();
    }
  }
  EXPECT_EQ(memory.disk_bytes(), 0u);
  EXPECT_EQ(memory.levels_on_disk(), 0u);
  EXPECT_GT(spilled.disk_bytes(), 0u);
  EXPECT_LE(spilled.memory_bytes(), 100 * sizeof(Pair) * 2);  // the budget, and a vector's growth
  SpilledLevels<Pair>::Reader reader(&spilled);
  for (std::size_t level = 0; level < sizes.size(); ++level) {
    ASSERT_EQ(spilled.size(level), sizes[level]);
    for (std::size_t i = 0; i < sizes[level]; i += 1 + i / 3) {  // increasing, then a jump back
      const Pair p = reader.get(level, i);
      EXPECT_EQ(p.a, level);
      EXPECT_EQ(p.b, i * 3);
    }
    const std::size_t last = sizes[level] - 1;
    EXPECT_EQ(reader.get(level, 0).b, 0u);
    EXPECT_EQ(spilled.at(level, last).b, last * 3);
    EXPECT_EQ(memory.at(level, last).b, last * 3);
  }
  // No file is left behind: they are unlinked when made.
  for (const auto& entry : fs::directory_iterator(dir))
    EXPECT_EQ(entry.path().filename().string().rfind("skiff-spill-", 0), std::string::npos) << entry.path();
}

TEST(SpilledLevels, SaysWhyWhenItCannotMakeAFile) {
  SpilledLevels<Pair> levels(sizeof(Pair), "/nonexistent/skiff-spill-dir");
  levels.begin_level();
  levels.append(Pair{1, 2});
  EXPECT_THROW(levels.append(Pair{3, 4}), SpillError);
}

CheckConfig raft_bounds(std::uint32_t depth, std::uint32_t commands, std::uint32_t crashes) {
  CheckConfig config;
  config.nodes = 3;
  config.max_depth = depth;
  config.max_epoch = 2;
  config.budgets = Budgets{0, 0, 0, crashes, 0, commands};
  config.reduction = false;  // as skiff check: spilled levels are not reduced, so the ones in memory must not be
  return config;
}

CheckOutcome check(CheckConfig config, int threads, std::size_t frontier_bytes) {
  config.threads = threads;
  config.frontier_memory_bytes = frontier_bytes;
  config.spill_dir = scratch_dir().string();
  return ModelChecker<Raft, RaftInvariants>(config).run();
}

// 4 KiB: 256 links and 128 candidates, where the levels hold thousands.
constexpr std::size_t kTinyBudget = 4096;
// The seeded bugs are found within a few hundred states: 4 links, 2 candidates.
constexpr std::size_t kBugBudget = 64;

TEST(FrontierSpill, SameCountsAsInMemoryWithOneAndTwoThreads) {
  for (bool symmetry : {false, true}) {
    CheckConfig config = raft_bounds(9, 1, 0);
    config.symmetry = symmetry;
    const CheckOutcome memory = check(config, 1, 0);
    EXPECT_FALSE(memory.violation);
    EXPECT_EQ(memory.spilled_link_bytes, 0u);
    ASSERT_GT(memory.distinct_states, 5000u);
    for (int threads : {1, 2}) {
      const CheckOutcome spilled = check(config, threads, kTinyBudget);
      EXPECT_FALSE(spilled.violation);
      EXPECT_EQ(spilled.distinct_states, memory.distinct_states) << threads << " threads, symmetry " << symmetry;
      EXPECT_EQ(spilled.generated_states, memory.generated_states) << threads << " threads, symmetry " << symmetry;
      EXPECT_EQ(spilled.depth, memory.depth);
      EXPECT_EQ(spilled.complete, memory.complete);
      EXPECT_GT(spilled.spilled_link_bytes, spilled.distinct_states * 8 / 2);
      EXPECT_GT(spilled.segments, std::uint64_t(memory.depth) + 3);  // levels were cut into segments
      EXPECT_LE(spilled.link_bytes, kTinyBudget);  // half the budget, and vectors grown up to twice
    }
  }
  // The compact visited set and bitstate spill alike.
  CheckConfig compact = raft_bounds(8, 1, 0);
  compact.compact = true;
  EXPECT_EQ(check(compact, 2, kTinyBudget).distinct_states, check(compact, 1, 0).distinct_states);
  CheckConfig bitstate = raft_bounds(8, 1, 0);
  bitstate.bitstate_bits = 24;
  EXPECT_EQ(check(bitstate, 2, kTinyBudget).distinct_states, check(bitstate, 1, 0).distinct_states);
}

struct SeededBug {
  const char* bug;
  CheckConfig config;
};

TEST(FrontierSpill, SameCounterexampleBytesAsInMemory) {
  for (const SeededBug& seeded : {SeededBug{"vote-without-log-check", raft_bounds(12, 1, 0)},
                                  SeededBug{"forget-vote-on-restart", raft_bounds(12, 0, 1)},
                                  SeededBug{"truncate-on-stale-append", raft_bounds(12, 1, 0)}}) {
    CheckConfig config = seeded.config;
    config.bugs = {seeded.bug};
    config.symmetry = true;
    const CheckOutcome memory = check(config, 1, 0);
    ASSERT_TRUE(memory.violation) << seeded.bug;
    const std::string expected = test_support::raft_counterexample_text(config, memory);
    for (int threads : {1, 2}) {
      const CheckOutcome spilled = check(config, threads, kBugBudget);
      ASSERT_TRUE(spilled.violation) << seeded.bug;
      EXPECT_EQ(spilled.violation->explanation, memory.violation->explanation) << seeded.bug;
      EXPECT_EQ(spilled.distinct_states, memory.distinct_states) << seeded.bug;
      EXPECT_EQ(test_support::raft_counterexample_text(config, spilled), expected) << seeded.bug << ", " << threads << " threads";
      EXPECT_GT(spilled.spilled_levels, 0u) << seeded.bug;
    }
  }
}

}  // namespace
}  // namespace skiff
