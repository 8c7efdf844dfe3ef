// Administrative commands on a scenario's timeline (docs/scenarios.md,
// "timeline"): membership changes, leadership transfer and snapshots in the
// timed world, aimed at the current leader, and the rolling replacement of
// every server of a cluster (corpus/scenarios/rolling-replacement.json).
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "checker/errors.hpp"
#include "checker/scenario.hpp"
#include "checker/simulation.hpp"
#include "checker/timed_world.hpp"
#include "invariants/raft_invariants.hpp"
#include "protocols/raft/raft.hpp"

namespace skiff {
namespace {

using Raft = raft::Protocol;
using World = TimedWorld<Raft, invariants::RaftInvariants>;
namespace fs = std::filesystem;

const std::vector<std::string> kRaftTimers = {"election", "heartbeat", "check-quorum", "transfer"};

Scenario parse(const std::string& text) {
  Scenario s = parse_scenario(text, "s.json", kRaftTimers);
  fill_default_timers<Raft>(s);
  return s;
}

raft::Options options_for(const Scenario& s, std::vector<std::string> variants = {},
                          const std::vector<std::string>& bugs = {}) {
  variants.insert(variants.begin(), s.variants.begin(), s.variants.end());
  return make_options<Raft>(bugs, variants, s.nodes, "", "");
}

std::string error_of(const std::string& text) {
  try {
    const Scenario s = parse(text);
    World world(s, options_for(s));
  } catch (const InputError& e) {
    return e.what();
  }
  return "(no error)";
}

TEST(ScenarioAdmin, BadAdministrativeActionsNameTheLine) {
  const std::string head = "{\"nodes\": 4, \"protocol\": {\"variants\": [\"spare=4\"]},\n\"timeline\": [\n";
  EXPECT_EQ(error_of(head + "{\"at_ms\": 1, \"admin\": \"add-vooter\", \"target\": 4}]}"),
            "s.json:3: unknown administrative operation \"add-vooter\" for raft (expected \"add-voter\", "
            "\"add-learner\", \"promote\", \"remove\", \"transfer\", \"snapshot\")");
  EXPECT_EQ(error_of(head + "{\"at_ms\": 1, \"admin\": \"add-voter\"}]}"),
            "s.json:3: \"admin\": \"add-voter\" needs a \"target\" node");
  EXPECT_EQ(error_of(head + "{\"at_ms\": 1, \"admin\": \"snapshot\", \"target\": 2}]}"),
            "s.json:3: \"admin\": \"snapshot\" takes no \"target\"");
  EXPECT_EQ(error_of(head + "{\"at_ms\": 1, \"admin\": \"remove\", \"target\": 2, \"node\": \"all\"}]}"),
            "s.json:3: \"node\": \"all\" goes with an operation that names no node, not \"remove\"");
  EXPECT_EQ(error_of(head + "{\"at_ms\": 1, \"admin\": \"remove\", \"target\": 9}]}"),
            "s.json:3: \"target\" is 9, out of range (1 to 4)");
  EXPECT_EQ(error_of(head + "{\"at_ms\": 1, \"admin\": \"remove\", \"target\": \"random\"}]}"),
            "s.json:3: \"target\" is a node (1 to 4) or \"leader\"");
  EXPECT_EQ(error_of(head + "{\"at_ms\": 1, \"admin\": \"snapshot\", \"node\": \"some\"}]}"),
            "s.json:3: \"node\" is a node (1 to 4), \"leader\" or \"all\"");
  EXPECT_EQ(error_of(head + "{\"at_ms\": 1, \"crash\": 1, \"target\": 2}]}"),
            "s.json:3: \"target\" goes with \"admin\"");
  EXPECT_EQ(error_of(head + "{\"at_ms\": 1, \"admin\": \"snapshot\", \"retry_ms\": 0}]}"),
            "s.json:3: \"retry_ms\" is 0, out of range (0.001 to 1000000000)");
}

// Aimed forms: the current leader hands leadership to node 3, and later
// removes itself; the clients keep committing.
TEST(ScenarioAdmin, TransferFromTheLeaderAndRemoveTheLeader) {
  const Scenario s = parse(R"({"nodes": 3, "duration_ms": 6000,
    "clients": {"count": 1, "interval_ms": 20, "timeout_ms": 300},
    "timeline": [{"at_ms": 2000, "admin": "transfer", "target": 3, "retry_ms": 50},
                 {"at_ms": 4000, "admin": "remove", "target": "leader", "retry_ms": 50}]})");
  for (std::uint64_t seed = 1; seed <= 3; ++seed) {
    World world(s, options_for(s), /*record_roles=*/true);
    const TimedRunStats r = world.run(seed);
    ASSERT_FALSE(r.violation) << r.violation->explanation;
    EXPECT_GE(r.leader_changes, 1u) << seed;  // away from node 3 once it is removed (and to it, unless it led)
    bool node_3_led = false;  // by 4 s: elected, or handed leadership
    for (const TimedRunStats::RolePoint& p : r.roles[2]) node_3_led |= p.role == 2 && p.at < 4000000;
    EXPECT_TRUE(node_3_led) << seed;
    for (int n = 0; n < 2; ++n) EXPECT_FALSE(world.node(NodeIndex(n)).counts_vote(2)) << seed;
    for (int n = 0; n < 2; ++n) EXPECT_TRUE(world.node(NodeIndex(n)).counts_vote(NodeIndex(1 - n))) << seed;
    EXPECT_FALSE(world.node(2).is_leader()) << seed;
    EXPECT_GT(r.commands_committed, r.commands_attempted * 9 / 10) << seed;
  }
}

// The suite's rolling replacement: every original server ends removed, the
// newcomers are the voters, no invariant is violated, and commands commit
// after the last removal; under each variant set.
TEST(ScenarioAdmin, RollingReplacementReplacesEveryOriginalServer) {
  const Scenario s = read_scenario_file(std::string(SKIFF_SOURCE_DIR) + "/corpus/scenarios/rolling-replacement.json",
                                        kRaftTimers);
  Scenario timed = s;
  fill_default_timers<Raft>(timed);
  for (const std::vector<std::string>& variants :
       std::vector<std::vector<std::string>>{{}, {"pre-vote"}, {"check-quorum"}, {"pre-vote", "check-quorum"}}) {
    World world(timed, options_for(timed, variants));
    const TimedRunStats r = world.run(1);
    ASSERT_FALSE(r.violation) << r.violation->invariant << ": " << r.violation->explanation;
    int leaders = 0;
    for (int n = 3; n < 6; ++n) {
      const auto& node = world.node(NodeIndex(n));
      leaders += node.is_leader();
      for (int old = 0; old < 3; ++old) EXPECT_FALSE(node.counts_vote(NodeIndex(old))) << n << " " << old;
      for (int fresh = 3; fresh < 6; ++fresh) EXPECT_TRUE(node.counts_vote(NodeIndex(fresh))) << n << " " << fresh;
    }
    EXPECT_EQ(leaders, 1);
    ASSERT_FALSE(r.commit_latencies.empty());
    EXPECT_GT(r.commands_committed, 1000u);
  }
}

// The same for a five-voter cluster (rolling-replacement-5.json, ten
// machines): nodes 6 to 10 replace nodes 1 to 5. In every newcomer's
// configuration the voters are exactly 6 to 10, no original server is a
// voter or a learner, and no invariant is violated (committed-is-durable
// and one-vote-per-term among them), under each variant set.
TEST(ScenarioAdmin, RollingReplacementOfFiveVotersReplacesEveryOriginalServer) {
  const Scenario s = read_scenario_file(
      std::string(SKIFF_SOURCE_DIR) + "/corpus/scenarios/rolling-replacement-5.json", kRaftTimers);
  ASSERT_EQ(s.nodes, 10);
  Scenario timed = s;
  fill_default_timers<Raft>(timed);
  const NodeBits newcomers = 0x3E0;  // nodes 6 to 10
  for (const std::vector<std::string>& variants :
       std::vector<std::vector<std::string>>{{}, {"pre-vote"}, {"check-quorum"}, {"pre-vote", "check-quorum"}}) {
    const raft::Options options = options_for(timed, variants);
    ASSERT_EQ(options.spares, newcomers);  // the boot configuration's voters: 1 to 5
    World world(timed, options);
    const TimedRunStats r = world.run(1);
    ASSERT_FALSE(r.violation) << r.violation->invariant << ": " << r.violation->explanation;
    int leaders = 0;
    for (int n = 5; n < 10; ++n) {
      const raft::Node& node = world.node(NodeIndex(n));
      leaders += node.is_leader();
      EXPECT_EQ(node.configuration().voters, newcomers) << "node " << n + 1;
      EXPECT_EQ(node.configuration().learners, 0) << "node " << n + 1;
      for (int old = 0; old < 5; ++old) EXPECT_FALSE(node.configuration().member(NodeIndex(old))) << n << " " << old;
    }
    // Without pre-vote a removed server's RequestVote may just have deposed
    // the leader when the run ends (docs/availability.md); with it, one leads.
    EXPECT_LE(leaders, 1);
    if (!variants.empty() && variants[0] == "pre-vote") {
      EXPECT_EQ(leaders, 1);
    }
    ASSERT_FALSE(r.commit_latencies.empty());
    EXPECT_GT(r.commands_committed, 1000u);
  }
}

// A timed trace of a run with administrative commands replays: a seeded bug
// found in the rolling replacement is written as a trace, replayed before it
// is reported (exit status 1).
TEST(ScenarioAdmin, ATraceWithAdministrativeCommandsReplays) {
  const fs::path dir = fs::temp_directory_path() / ("skiff-admin-test-" + std::to_string(::getpid()));
  fs::create_directories(dir);
  const std::string command = std::string(SKIFF_BINARY) + " simulate " + SKIFF_SOURCE_DIR +
                              "/corpus/scenarios/rolling-replacement.json --runs 1 --bug snapshot-without-config --out " +
                              dir.string() + " >" + (dir / "out").string() + " 2>&1";
  const int raw = std::system(command.c_str());
  ASSERT_TRUE(WIFEXITED(raw));
  EXPECT_EQ(WEXITSTATUS(raw), 1);
  const fs::path trace = dir / "rolling-replacement-1-snapshot-matches-applied-prefix.trace";
  ASSERT_TRUE(fs::exists(trace));
  std::ifstream in(trace);
  std::stringstream text;
  text << in.rdbuf();
  EXPECT_NE(text.str().find(" admin 1 snapshot"), std::string::npos);
  EXPECT_NE(text.str().find(" add-learner 4"), std::string::npos);
  const std::string replay = std::string(SKIFF_BINARY) + " replay " + trace.string() + " >/dev/null 2>&1";
  const int replayed = std::system(replay.c_str());
  ASSERT_TRUE(WIFEXITED(replayed));
  EXPECT_EQ(WEXITSTATUS(replayed), 1);  // the violation again
  fs::remove_all(dir);
}

// On the command line: one line naming the file and line, exit status 2.
TEST(ScenarioAdmin, AnUnknownOperationExitsTwo) {
  const fs::path dir = fs::temp_directory_path() / ("skiff-admin-bad-" + std::to_string(::getpid()));
  fs::create_directories(dir);
  {
    std::ofstream out(dir / "bad.json");
    out << "{\"nodes\": 3,\n\"timeline\": [\n{\"at_ms\": 1, \"admin\": \"promot\", \"target\": 2}]}\n";
  }
  const std::string command = std::string(SKIFF_BINARY) + " simulate " + (dir / "bad.json").string() + " 2>" +
                              (dir / "err").string();
  const int raw = std::system(command.c_str());
  ASSERT_TRUE(WIFEXITED(raw));
  EXPECT_EQ(WEXITSTATUS(raw), 2);
  std::ifstream in(dir / "err");
  std::stringstream err;
  err << in.rdbuf();
  EXPECT_EQ(err.str(), "skiff: " + (dir / "bad.json").string() +
                           ":3: unknown administrative operation \"promot\" for raft (expected \"add-voter\", "
                           "\"add-learner\", \"promote\", \"remove\", \"transfer\", \"snapshot\")\n");
  fs::remove_all(dir);
}

// Ten nodes in a trace: node numbers of two digits are written and read back.
// The seeded bug's violation in the five-voter replacement is written as a
// trace whose lines name node 10, and it replays (exit status 1 again).
TEST(ScenarioAdmin, ATraceOfTenNodesReplays) {
  const fs::path dir = fs::temp_directory_path() / ("skiff-admin-test-10-" + std::to_string(::getpid()));
  fs::create_directories(dir);
  const std::string command = std::string(SKIFF_BINARY) + " simulate " + SKIFF_SOURCE_DIR +
                              "/corpus/scenarios/rolling-replacement-5.json --runs 1 --bug snapshot-without-config "
                              "--out " + dir.string() + " >" + (dir / "out").string() + " 2>&1";
  const int raw = std::system(command.c_str());
  ASSERT_TRUE(WIFEXITED(raw));
  EXPECT_EQ(WEXITSTATUS(raw), 1);
  const fs::path trace = dir / "rolling-replacement-5-1-snapshot-matches-applied-prefix.trace";
  ASSERT_TRUE(fs::exists(trace));
  std::ifstream in(trace);
  std::stringstream text;
  text << in.rdbuf();
  EXPECT_NE(text.str().find("\nnodes 10\n"), std::string::npos);
  EXPECT_NE(text.str().find(" client 10 "), std::string::npos);
  EXPECT_NE(text.str().find(" add-learner 6"), std::string::npos);
  const std::string replay = std::string(SKIFF_BINARY) + " replay " + trace.string() + " >/dev/null 2>&1";
  const int replayed = std::system(replay.c_str());
  ASSERT_TRUE(WIFEXITED(replayed));
  EXPECT_EQ(WEXITSTATUS(replayed), 1);  // the violation again
  fs::remove_all(dir);
}

}  // namespace
}  // namespace skiff
