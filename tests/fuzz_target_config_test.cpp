// What a fuzz target reads from its environment (fuzz/protocol_target.hpp):
// the fault profile (SKIFF_PROFILE, SKIFF_PCT_DEPTH), and the replay command
// it prints for a crash input, which must name the same profile so that the
// input replays as it was fuzzed.
#include <gtest/gtest.h>

#include <cstdlib>
#include <string>

#include "fuzz/protocol_target.hpp"
#include "invariants/raft_invariants.hpp"
#include "protocols/raft/raft.hpp"

namespace skiff {
namespace {

using fuzz::TargetConfig;
using Raft = raft::Protocol;

// Sets the environment variables for one scope.
class Environment {
 public:
  Environment(std::initializer_list<std::pair<const char*, const char*>> values) {
    for (const auto& [name, value] : values) {
      ::setenv(name, value, 1);
      names_.push_back(name);
    }
  }
  ~Environment() {
    for (const char* name : names_) ::unsetenv(name);
  }

 private:
  std::vector<const char*> names_;
};

TEST(FuzzTargetConfig, UniformByDefaultAndTheReplayCommandSaysNothingOfIt) {
  const TargetConfig config = fuzz::config_from_environment<Raft, invariants::RaftInvariants>();
  EXPECT_EQ(config.aim, AimConfig{});
  EXPECT_EQ(fuzz::replay_command<Raft>(config, "CRASH").find("--profile"), std::string::npos);
}

TEST(FuzzTargetConfig, AProfileFromTheEnvironmentIsInTheReplayCommand) {
  Environment environment{{"SKIFF_PROFILE", "pct"}, {"SKIFF_PCT_DEPTH", "5"}};
  const TargetConfig config = fuzz::config_from_environment<Raft, invariants::RaftInvariants>();
  EXPECT_EQ(config.aim.profile, Profile::Pct);
  EXPECT_EQ(config.aim.pct_depth, 5u);
  const std::string command = fuzz::replay_command<Raft>(config, "CRASH");
  EXPECT_NE(command.find(" --profile pct --pct-depth 5"), std::string::npos) << command;
}

TEST(FuzzTargetConfigDeathTest, AnUnknownProfileIsOneLineAndExitTwo) {
  Environment environment{{"SKIFF_PROFILE", "nemesis"}};
  EXPECT_EXIT((fuzz::config_from_environment<Raft, invariants::RaftInvariants>()), ::testing::ExitedWithCode(2),
              "SKIFF_PROFILE: unknown profile 'nemesis'");
}

TEST(FuzzTargetConfigDeathTest, APctDepthOutOfRangeIsOneLineAndExitTwo) {
  Environment environment{{"SKIFF_PCT_DEPTH", "0"}};
  EXPECT_EXIT((fuzz::config_from_environment<Raft, invariants::RaftInvariants>()), ::testing::ExitedWithCode(2),
              "SKIFF_PCT_DEPTH: expected a number from 1 to");
}

}  // namespace
}  // namespace skiff
