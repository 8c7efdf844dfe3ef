// The timed world, scenario files and `skiff simulate`.
//
// ScenarioFile: parsing, and errors that name the file and line.
// TimedWorld:   determinism, safety under every variant, and the behaviours the
//               suite is about (pre-vote and check-quorum on a deaf node, hubs,
//               partitions, bounded liveness).
// Simulate:     the command line: exit statuses, outputs, the picture.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <sys/wait.h>

#include <algorithm>
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
using RaftInvariants = invariants::RaftInvariants;
namespace fs = std::filesystem;

const std::vector<std::string> kRaftTimers = {"election", "heartbeat", "check-quorum"};

std::string suite(const std::string& name) { return std::string(SKIFF_SOURCE_DIR) + "/corpus/scenarios/" + name; }

std::string parse_error(const std::string& text) {
  try {
    parse_scenario(text, "s.json", kRaftTimers);
  } catch (const InputError& e) {
    return e.what();
  }
  return "(no error)";
}

// ---- scenario files ----------------------------------------------------------

TEST(ScenarioFile, ReadsEveryPart) {
  const Scenario s = parse_scenario(R"({
    "name": "x", "nodes": 4, "hubs": ["sw"], "duration_ms": 1500.5,
    "protocol": {"variants": ["pre-vote", "passive=2"], "timers_ms": {"election": [100, 200], "heartbeat": 20},
                 "node_timers_ms": {"3": {"election": 50}}},
    "network": {"mesh": false, "latency_ms": {"uniform": [1, 3]}, "loss": 0.25,
                "links": [{"from": 1, "to": 2, "both": true, "latency_ms": {"normal": {"mean": 5, "sd": 1, "floor": 2}}},
                          {"from": 3, "to": "sw", "up": false}]},
    "clients": {"count": 2, "interval_ms": 10, "timeout_ms": 100, "latency_ms": 0.5},
    "timeline": [{"at_ms": 10, "cut": ["1<->2"]}, {"at_ms": 20, "every_ms": 5, "until_ms": 40, "heal": "all"},
                 {"at_ms": 30, "partition": [[1, 2], [3]]}, {"at_ms": 31, "partition": "random", "groups": 3},
                 {"at_ms": 40, "crash": "leader", "restart_after_ms": 7}, {"at_ms": 50, "restart": "all"}],
    "liveness": {"stable_ms": 100, "within_ms": 200}
  })", "s.json", kRaftTimers);
  EXPECT_EQ(s.nodes, 4);
  EXPECT_EQ(s.endpoints(), 5);
  EXPECT_EQ(s.duration, 1500500);
  EXPECT_EQ(s.variants, (std::vector<std::string>{"pre-vote", "passive=2"}));
  EXPECT_TRUE(s.timer_given[0] && s.timer_given[1] && !s.timer_given[2]);
  EXPECT_EQ(s.timers[0].min, 100000);
  EXPECT_EQ(s.timers[0].max, 200000);
  EXPECT_EQ(s.timers[1].min, 20000);
  ASSERT_EQ(s.node_timers.size(), 1u);
  EXPECT_EQ(s.node_timers[0].node, 2);
  EXPECT_EQ(s.node_timers[0].timing.max, 50000);
  ASSERT_EQ(s.links.size(), 3u);  // 1->2, 2->1, 3->sw
  EXPECT_EQ(s.links[0].properties.latency.kind, Latency::Kind::Normal);
  EXPECT_EQ(s.links[0].properties.latency.floor, 2000);
  EXPECT_EQ(s.links[0].properties.loss, 0.25);
  EXPECT_EQ(s.links[2].to, 4);  // the hub is endpoint N+0
  EXPECT_FALSE(s.links[2].up);
  EXPECT_EQ(s.links[2].properties.latency.kind, Latency::Kind::Uniform);
  EXPECT_EQ(s.clients.count, 2);
  EXPECT_EQ(s.clients.latency, 500);
  ASSERT_EQ(s.timeline.size(), 6u);
  EXPECT_EQ(s.timeline[0].links, (std::vector<std::pair<int, int>>{{0, 1}, {1, 0}}));
  EXPECT_EQ(s.timeline[1].kind, TimelineAction::Kind::HealAll);
  EXPECT_EQ(s.timeline[1].every, 5000);
  EXPECT_EQ(s.timeline[2].group_of, (std::vector<int>{0, 0, 1, 2}));  // node 4, in no group, is alone
  EXPECT_EQ(s.timeline[3].groups, 3);
  EXPECT_EQ(s.timeline[4].node, TimelineAction::kLeader);
  EXPECT_EQ(s.timeline[4].restart_after, 7000);
  EXPECT_EQ(s.timeline[5].node, TimelineAction::kAll);
  EXPECT_TRUE(s.liveness.enabled);
}

TEST(ScenarioFile, ErrorsNameTheLine) {
  EXPECT_EQ(parse_error("{\n  \"nodes\": 3,\n  \"hubs\": [\n    1\n  ]\n}"), "s.json:4: \"hubs[0]\" must be a string");
  EXPECT_EQ(parse_error("{\"nodes\": 3,\n\"timeline\": [{\"at_ms\": 1,\n \"partition\": [[1], [2,\n 9]]}]}"),
            "s.json:4: \"partition[1][1]\" is 9, out of range (1 to 3)");
  EXPECT_EQ(parse_error("{\n  \"nodes\": 3x\n}").substr(0, 23), "s.json:2: syntax error ");
  EXPECT_EQ(parse_error("{\n \"nodes\": 3,\n \"network\": {\n  \"latncy_ms\": 4\n }\n}"),
            "s.json:4: unknown key \"latncy_ms\" (expected \"mesh\", \"latency_ms\", \"loss\", \"links\")");
  EXPECT_EQ(parse_error("{\"nodes\": 3,\n\"timeline\": [\n{\"at_ms\": 1,\n \"crash\": 4}]}"),
            "s.json:4: \"crash\" is 4, out of range (1 to 3)");
  EXPECT_EQ(parse_error("{\"nodes\": 3, \"hubs\": [\"hub\"],\n\"timeline\": [\n{\"at_ms\": 1, \"cut\": [\n\"1->2\",\n\"1->hub\"]}]}"),
            "s.json:5: there is no link 1->hub in the network");
  EXPECT_EQ(parse_error("{\"nodes\": 3,\n\"timeline\": [{\"cut\": [\"1->2\"]}]}"),
            "s.json:2: a timeline entry needs \"at_ms\"");
  EXPECT_EQ(parse_error("{\"nodes\": 3,\n\"timeline\": [{\"at_ms\": 1, \"cut\": [\"1->2\"], \"crash\": 1}]}"),
            "s.json:2: a timeline entry does exactly one of \"cut\", \"heal\", \"partition\", \"crash\", \"restart\", "
            "\"isolate\", \"rejoin\", \"clients\", \"admin\"");
  EXPECT_EQ(parse_error("{\"nodes\": 3,\n\"timeline\": [{\"at_ms\": 1, \"isolate\": \"leader\",\n \"direction\": \"up\"}]}"),
            "s.json:3: \"direction\" is \"in\", \"out\" or \"both\", not \"up\"");
  EXPECT_EQ(parse_error("{\"nodes\": 3,\n\"timeline\": [{\"at_ms\": [5,\n 2], \"crash\": \"leader\"}]}"),
            "s.json:2: \"at_ms\": [LOW, HIGH] needs LOW <= HIGH");
  EXPECT_EQ(parse_error("{\"nodes\": 3,\n \"protocol\": {\"timers_ms\": {\n  \"elektion\": 5}}}"),
            "s.json:3: unknown timer \"elektion\" (the protocol's timers: \"election\", \"heartbeat\", \"check-quorum\")");
  EXPECT_EQ(parse_error("{\"nodes\": 3,\n \"network\": {\"links\": [\n {\"from\": 1, \"to\": \"nowhere\"}]}}"),
            "s.json:3: 'nowhere' is neither a node (1 to 3) nor a hub");
  EXPECT_EQ(parse_error("{\"nodes\": 3, \"clients\": {\"count\": 0},\n \"liveness\": {\"stable_ms\": 1, \"within_ms\": 1}}"),
            "s.json:2: \"liveness\" needs clients: without commands nothing commits");
  EXPECT_EQ(parse_error("{\"nodes\": 3,\n\"network\": {\"loss\": 1.5}}"), "s.json:2: \"loss\" is 1.5, out of range (0 to 1)");
  EXPECT_EQ(parse_error("[1, 2]"), "s.json:1: the scenario must be an object {...}");
  EXPECT_EQ(parse_error("{}"), "s.json:1: the scenario needs \"nodes\"");
  EXPECT_EQ(parse_error(""), parse_error("").substr(0, 9) + parse_error("").substr(9));  // no crash on empty input
  EXPECT_EQ(parse_error("").substr(0, 9), "s.json:1:");
}

// Two findings of the scenario-parser fuzz target: a syntax error quoting
// control characters from the file, and a number too large for any type
// (the JSON library throws out_of_range rather than parse_error).
TEST(ScenarioFile, ErrorsFromFuzzedInputAreOneLine) {
  const std::string quoted = parse_error("{\n \"name\": \"a\x7f\x01\nb\" x}");
  EXPECT_EQ(quoted.substr(0, 23), "s.json:2: syntax error ");
  for (unsigned char c : quoted) EXPECT_TRUE(c >= 0x20 && c != 0x7f) << quoted;
  EXPECT_NE(quoted.find("a\\x7f"), std::string::npos) << quoted;  // DEL shown as \x7f
  EXPECT_EQ(parse_error("{\"nodes\": 3,\n \"description\": 1E400}"), "s.json:2: a number too large to read");
}

TEST(ScenarioFile, EverySuiteScenarioReads) {
  int count = 0;
  for (const auto& entry : fs::directory_iterator(std::string(SKIFF_SOURCE_DIR) + "/corpus/scenarios")) {
    if (entry.path().extension() != ".json") continue;
    const Scenario s = read_scenario_file(entry.path().string(), kRaftTimers);
    EXPECT_FALSE(s.name.empty()) << entry.path();
    EXPECT_FALSE(s.description.empty()) << entry.path();
    ++count;
  }
  EXPECT_GE(count, 8);
}

// ---- the timed world ---------------------------------------------------------

struct Runs {
  std::vector<TimedRunStats> all;
  double median_availability() const {
    std::vector<double> values;
    for (const auto& r : all) values.push_back(double(r.available) / double(r.duration));
    std::sort(values.begin(), values.end());
    return values[values.size() / 2];
  }
  int violating(std::string_view invariant) const {
    int n = 0;
    for (const auto& r : all)
      n += (r.violation && r.violation->invariant == invariant) ||
           (r.liveness_violation && r.liveness_violation->invariant == invariant);
    return n;
  }
};

Runs simulate(Scenario scenario, const std::vector<std::string>& variants, int runs, std::uint64_t seed = 1,
              const std::vector<std::string>& bugs = {}) {
  fill_default_timers<Raft>(scenario);
  std::vector<std::string> all = scenario.variants;
  all.insert(all.end(), variants.begin(), variants.end());
  raft::Options options = make_options<Raft>(bugs, all, scenario.nodes, "", "");
  set_initial_state<Raft>(options, scenario.initial_state, scenario.nodes, [](std::string_view) { return ""; });
  Runs out;
  for (int r = 0; r < runs; ++r) {
    TimedWorld<Raft, RaftInvariants> world(scenario, options);
    out.all.push_back(world.run(seed + std::uint64_t(r)));
  }
  return out;
}

Scenario read(const std::string& name) { return read_scenario_file(suite(name), kRaftTimers); }

TEST(TimedWorld, OneSeedOneRun) {
  Scenario s = read("cloud-churn.json");
  s.duration = 6000000;
  const Runs a = simulate(s, {"pre-vote"}, 2, 7), b = simulate(s, {"pre-vote"}, 2, 7);
  for (int r = 0; r < 2; ++r) {
    EXPECT_EQ(a.all[r].events, b.all[r].events);
    EXPECT_EQ(a.all[r].messages_sent, b.all[r].messages_sent);
    EXPECT_EQ(a.all[r].available, b.all[r].available);
    EXPECT_EQ(a.all[r].commit_latencies, b.all[r].commit_latencies);
    EXPECT_EQ(a.all[r].failovers, b.all[r].failovers);
  }
  EXPECT_NE(a.all[0].messages_sent, a.all[1].messages_sent);  // another seed, another run
}

TEST(TimedWorld, AQuietClusterElectsOnceAndCommitsEverything) {
  const Scenario s = parse_scenario(R"({"nodes": 3, "duration_ms": 5000,
      "clients": {"count": 1, "interval_ms": 10, "timeout_ms": 1000, "latency_ms": 1}})", "q.json", kRaftTimers);
  const Runs runs = simulate(s, {}, 5);
  for (const TimedRunStats& r : runs.all) {
    EXPECT_FALSE(r.violation);
    EXPECT_GE(r.first_leader, 150000);  // no election timeout is shorter
    EXPECT_LE(r.first_leader, 320000);
    EXPECT_EQ(r.elections_won, 1u);
    EXPECT_EQ(r.highest_epoch, r.elections_started);
    EXPECT_GT(r.commands_committed, 100u);
    EXPECT_GE(r.commands_attempted, r.commands_committed);
    EXPECT_LE(r.commands_attempted, r.commands_committed + 1);
    EXPECT_EQ(r.messages_dropped, 0u);
    EXPECT_EQ(r.messages_sent, r.messages_delivered + 0 + (r.messages_sent - r.messages_delivered));
    // Available from the first leader on (to within a heartbeat).
    EXPECT_NEAR(double(r.available), double(r.duration - r.first_leader), 60000);
    for (Micros latency : r.commit_latencies) EXPECT_GE(latency, 3000);  // client 1 ms + one round trip of 1 ms hops
  }
}

TEST(TimedWorld, ChurnLowersSteadyAvailabilityAndIsCounted) {
  // chain: 1-2 and 2-3 up, 1-3 down. Plain Raft: leadership keeps moving
  // (each leader can commit for a moment), pre-vote keeps one leader.
  const Scenario s = read("chain.json");
  const Runs plain = simulate(s, {}, 3), pre_vote = simulate(s, {"pre-vote"}, 3);
  for (const TimedRunStats& r : plain.all) {
    EXPECT_GT(r.leader_changes, 1u);
    EXPECT_LT(r.steady_available, r.available);
    EXPECT_LE(r.steady_available + r.leaderless, r.duration);
    EXPECT_FALSE(r.recoveries.empty());
  }
  EXPECT_LT(double(plain.all[0].steady_available), 0.6 * double(plain.all[0].available));
  for (const TimedRunStats& r : pre_vote.all) {
    EXPECT_EQ(r.leader_changes, 0u);
    EXPECT_GT(double(r.steady_available), 0.98 * double(r.available));
    EXPECT_EQ(r.leaderless, r.first_leader);  // leaderless only until the first election
  }
}

TEST(TimedWorld, RecoveryIsTimedFromEveryNetworkChange) {
  // The start of the run counts as a network change; the leader crashes at
  // 2 s and restarts at 4 s: each is followed by a leader able to commit.
  const Scenario s = parse_scenario(R"({"nodes": 3, "duration_ms": 8000,
      "timeline": [{"at_ms": 2000, "crash": "leader", "restart_after_ms": 2000}]})", "r.json", kRaftTimers);
  const Runs runs = simulate(s, {}, 3);
  for (const TimedRunStats& r : runs.all) {
    ASSERT_EQ(r.recoveries.size(), 3u);  // the start of the run, the crash, the restart
    EXPECT_GE(r.recoveries[0], r.first_leader);
    EXPECT_GE(r.recoveries[1], 100000);  // an election timeout (150 ms) less a heartbeat interval (50 ms)
    EXPECT_LE(r.recoveries[1], 700000);
    EXPECT_EQ(r.recoveries[2], 0);  // the survivors still lead when it returns
    EXPECT_EQ(r.unrecovered, 0u);
    EXPECT_EQ(r.leader_changes, 1u);
    ASSERT_EQ(r.failovers.size(), 1u);
    EXPECT_GE(r.recoveries[1], r.failovers[0]);  // a new leader, then one that can commit
  }
}

TEST(TimedWorld, AimedIsolationOfTheLeaderAtADrawnTimeAndRejoin) {
  // The current leader loses all its links at a time drawn from [2 s, 3 s];
  // the others elect a new leader; the old one rejoins at 6 s.
  const Scenario s = parse_scenario(R"({"nodes": 3, "duration_ms": 9000,
      "timeline": [{"at_ms": [2000, 3000], "isolate": "leader"}, {"at_ms": 6000, "rejoin": "isolated"}]})", "i.json",
                                    kRaftTimers);
  ASSERT_EQ(s.timeline[0].at_max, 3000000);
  const Runs runs = simulate(s, {}, 4);
  for (const TimedRunStats& r : runs.all) {
    EXPECT_FALSE(r.violation);
    EXPECT_GE(r.leader_changes, 1u);
    ASSERT_EQ(r.recoveries.size(), 3u);   // start, isolate, rejoin
    EXPECT_GE(r.recoveries[1], 100000);   // the rest wait out an election timeout
    EXPECT_LE(r.recoveries[1], 1000000);
    EXPECT_EQ(r.unrecovered, 0u);
  }
  // One direction only: a leader that hears nothing but can still send keeps
  // its followers quiet; with check-quorum it steps down and one of them leads.
  const Scenario deaf = parse_scenario(R"({"nodes": 3, "duration_ms": 6000, "clients": {"count": 1},
      "timeline": [{"at_ms": 2000, "isolate": "leader", "direction": "in"}]})", "d.json", kRaftTimers);
  for (const TimedRunStats& r : simulate(deaf, {}, 2).all) EXPECT_EQ(r.leader_changes, 0u);
  for (const TimedRunStats& r : simulate(deaf, {"check-quorum"}, 2).all) {
    EXPECT_GE(r.leader_changes, 1u);
    EXPECT_EQ(r.unrecovered, 0u);
  }
}

TEST(TimedWorld, PreVoteAndCheckQuorumKeepADeafNodeFromDisruptingTheCluster) {
  const Scenario s = read("deaf-node.json");
  const Runs plain = simulate(s, {}, 12), both = simulate(s, {"pre-vote", "check-quorum"}, 12);
  EXPECT_LT(plain.median_availability(), 0.6);
  EXPECT_GT(both.median_availability(), 0.95);
  EXPECT_GT(plain.violating("bounded-liveness"), 0);
  EXPECT_EQ(both.violating("bounded-liveness"), 0);
  // Pre-vote alone cannot depose a deaf leader: its heartbeats still arrive.
  const Runs pre_vote = simulate(s, {"pre-vote"}, 12);
  EXPECT_GT(pre_vote.violating("bounded-liveness"), 0);
}

TEST(TimedWorld, HubsForwardAndSplitHalvesCannotCommit) {
  const Scenario hub = parse_scenario(R"({"nodes": 3, "hubs": ["sw"], "duration_ms": 3000,
      "network": {"mesh": false, "links": [{"from": 1, "to": "sw", "both": true}, {"from": 2, "to": "sw", "both": true},
                                           {"from": 3, "to": "sw", "both": true}]},
      "clients": {"count": 1, "interval_ms": 10, "timeout_ms": 500, "latency_ms": 1}})", "h.json", kRaftTimers);
  for (const TimedRunStats& r : simulate(hub, {}, 3).all) {
    EXPECT_GE(r.first_leader, 0);
    EXPECT_GT(r.commands_committed, 50u);
    for (Micros latency : r.commit_latencies) EXPECT_GE(latency, 5000);  // client 1 ms, two 1 ms hops each way
  }
  const Scenario split = read("split-six.json");
  for (const TimedRunStats& r : simulate(split, {"pre-vote", "check-quorum"}, 3).all) {
    EXPECT_FALSE(r.violation);
    // 10 of 30 s split with no majority anywhere: at most ~2/3 available.
    EXPECT_LT(double(r.available) / double(r.duration), 0.67);
    EXPECT_GT(double(r.available) / double(r.duration), 0.6);
  }
}

TEST(TimedWorld, EveryVariantCombinationIsSafeOnTheSuite) {
  const char* sets[][3] = {{"pre-vote", "check-quorum", "backoff"}, {"pre-vote", "passive=2", nullptr},
                           {"check-quorum", "learner=3", nullptr}, {"backoff", nullptr, nullptr}};
  for (const char* name : {"cloud-churn.json", "edge-shifting.json", "geo-five.json"}) {
    Scenario s = read(name);
    s.duration = std::min<Micros>(s.duration, 8000000);
    for (const auto& set : sets) {
      std::vector<std::string> variants;
      for (const char* v : set)
        if (v) variants.emplace_back(v);
      for (const TimedRunStats& r : simulate(s, variants, 2).all)
        EXPECT_FALSE(r.violation) << name << " seed " << r.seed << ": " << r.violation->invariant << ": "
                                  << r.violation->explanation;
    }
  }
}

TEST(TimedWorld, BackoffWidensElectionTimeoutsAfterFailures) {
  // Node 1 hears no one: its elections all fail, so with back-off it starts
  // far fewer of them in the same time.
  const Scenario s = parse_scenario(R"({"nodes": 3, "duration_ms": 20000,
      "timeline": [{"at_ms": 0, "cut": ["2->1", "3->1"]}]})", "b.json", kRaftTimers);
  const Runs plain = simulate(s, {}, 3), backoff = simulate(s, {"backoff"}, 3);
  for (int r = 0; r < 3; ++r) EXPECT_LT(backoff.all[r].elections_started * 3, plain.all[r].elections_started);
}

TEST(TimedWorld, ASeededBugBreaksSafetyInTheTimedWorldToo) {
  // Nodes forget their vote on restart; crashes and restarts every few
  // hundred milliseconds give a restarted node the chance to vote twice.
  const Scenario s = parse_scenario(R"({"nodes": 3, "duration_ms": 20000,
      "network": {"latency_ms": {"uniform": [1, 40]}},
      "timeline": [{"at_ms": 100, "every_ms": 97, "crash": "random", "restart_after_ms": 1}]})", "c.json",
                                    kRaftTimers);
  EXPECT_EQ(simulate(s, {}, 30).violating("election-safety"), 0);
  EXPECT_EQ(simulate(s, {}, 30).violating("one-vote-per-term"), 0);
  // The rule one-vote-per-term reports the second vote, before any second leader.
  EXPECT_GT(simulate(s, {}, 30, 1, {"forget-vote-on-restart"}).violating("one-vote-per-term"), 0);
}

// ---- the command line ----------------------------------------------------------

struct Result {
  int status = -1;
  std::string out, err;
};

Result run(const std::string& args) {
  const fs::path dir = fs::temp_directory_path() / ("skiff-timed-test-" + std::to_string(::getpid()));
  fs::create_directories(dir);
  // Traces of violations go to the test's folder, not the working directory.
  const std::string command = std::string(SKIFF_BINARY) + " simulate " + args + " --out " + dir.string() + " >" +
                              (dir / "out").string() + " 2>" +
                              (dir / "err").string();
  const int raw = std::system(command.c_str());
  Result r;
  r.status = WIFEXITED(raw) ? WEXITSTATUS(raw) : -1;
  auto slurp = [](const fs::path& p) {
    std::ifstream in(p);
    std::stringstream buffer;
    buffer << in.rdbuf();
    return buffer.str();
  };
  r.out = slurp(dir / "out");
  r.err = slurp(dir / "err");
  return r;
}

TEST(Simulate, ReportsFiguresAndExitsZeroWithoutViolations) {
  const Result r = run(suite("chain.json") + " --runs 3 --variant pre-vote");
  EXPECT_EQ(r.status, 0) << r.err;
  EXPECT_NE(r.out.find("variants pre-vote, 3 runs of 30.0 s, seeds 1 to 3"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("availability: a leader that can commit (% of time)"), std::string::npos);
  EXPECT_NE(r.out.find("no violation in 3 runs"), std::string::npos);
  const Result again = run(suite("chain.json") + " --runs 3 --variant pre-vote");
  EXPECT_EQ(r.out, again.out);
}

TEST(Simulate, RunsOutWritesOneJsonLinePerRun) {
  const fs::path file = fs::temp_directory_path() / ("skiff-runs-" + std::to_string(::getpid()) + ".jsonl");
  const Result r = run(suite("chain.json") + " --runs 3 --compare - --compare pre-vote --json --runs-out " +
                       file.string());
  EXPECT_EQ(r.status, 0) << r.err;
  std::ifstream in(file);
  std::string line;
  std::vector<nlohmann::json> lines;
  while (std::getline(in, line)) lines.push_back(nlohmann::json::parse(line));
  ASSERT_EQ(lines.size(), 6u);
  EXPECT_EQ(lines[0]["seed"], 1);
  EXPECT_EQ(lines[5]["seed"], 3);
  EXPECT_EQ(lines[3]["variants"], nlohmann::json::array({"pre-vote"}));
  EXPECT_GT(lines[0]["metrics"]["leader_changes"].get<double>(), 1);
  EXPECT_EQ(lines[3]["metrics"]["leader_changes"].get<double>(), 0);
  EXPECT_TRUE(lines[0]["recoveries_ms"].is_array());
  const auto summary = nlohmann::json::parse(r.out);
  const auto& steady = summary["simulations"][0]["metrics"]["steady_availability_pct"];
  EXPECT_LE(steady["min"].get<double>(), steady["p1"].get<double>());
  EXPECT_LE(steady["p95"].get<double>(), steady["p99"].get<double>());
  EXPECT_LE(steady["p99"].get<double>(), steady["max"].get<double>());
  fs::remove(file);
}

TEST(Simulate, ALivenessViolationExitsOneWithTheSeedThatReproducesIt) {
  const Result r = run(suite("deaf-node.json") + " --runs 10 --json");
  EXPECT_EQ(r.status, 1) << r.err;
  EXPECT_NE(r.out.find("\"invariant\":\"bounded-liveness\""), std::string::npos) << r.out;
  const auto at = r.out.find("\"reproduce\":\"skiff simulate ");
  ASSERT_NE(at, std::string::npos);
  const auto seed_at = r.out.find("--seed ", at);
  const std::string seed = r.out.substr(seed_at + 7, r.out.find(' ', seed_at + 7) - seed_at - 7);
  const Result one = run(suite("deaf-node.json") + " --runs 1 --seed " + seed);
  EXPECT_EQ(one.status, 1) << one.out;
  EXPECT_NE(one.out.find("violation of bounded-liveness at seed " + seed), std::string::npos) << one.out;
}

TEST(Simulate, ComparesVariantSetsAndDrawsTheFirstRun) {
  const fs::path svg = fs::temp_directory_path() / ("skiff-timed-" + std::to_string(::getpid()) + ".svg");
  const Result r = run(suite("quorum-fringe.json") + " --runs 2 --markdown --compare - --compare pre-vote --svg " +
                       svg.string());
  EXPECT_EQ(r.status, 0) << r.err;
  EXPECT_NE(r.out.find("| quorum-fringe | none |"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("| quorum-fringe | pre-vote |"), std::string::npos) << r.out;
  std::ifstream in(svg);
  std::stringstream text;
  text << in.rdbuf();
  EXPECT_EQ(text.str().rfind("<svg ", 0), 0u);
  EXPECT_NE(text.str().find("node 5"), std::string::npos);
  EXPECT_NE(text.str().find("leader term"), std::string::npos);
  fs::remove(svg);
}

TEST(Simulate, BadInputIsOneLineAndExitTwo) {
  const fs::path bad = fs::temp_directory_path() / ("skiff-timed-bad-" + std::to_string(::getpid()) + ".json");
  {
    std::ofstream out(bad);
    out << "{\n  \"nodes\": 3,\n  \"protocol\": {\"variants\": [\"passive=7\"]}\n}\n";
  }
  Result r = run(bad.string());
  EXPECT_EQ(r.status, 2);
  EXPECT_EQ(r.err, "skiff: " + bad.string() + ":3: variant 'passive=7' names node 7, out of range (1 to 3)\n");
  {
    std::ofstream out(bad);
    out << "{\n  \"nodes\": 2\n}\n";
  }
  r = run(bad.string());
  EXPECT_EQ(r.status, 2);
  EXPECT_EQ(r.err, "skiff: " + bad.string() + ":2: raft runs with 3 to 10 nodes, not 2\n");
  r = run(suite("chain.json") + " --variant nope");
  EXPECT_EQ(r.status, 2);
  EXPECT_EQ(r.err, "skiff: --variant: unknown variant 'nope' for protocol raft (see 'skiff list')\n");
  r = run("/nonexistent.json");
  EXPECT_EQ(r.status, 2);
  EXPECT_EQ(r.err, "skiff: /nonexistent.json: cannot open scenario\n");
  fs::remove(bad);
}

}  // namespace
}  // namespace skiff

namespace skiff {
namespace {

// docs/validation.md: skiff's outcome on a published result stays the
// published one. Howard and Abraham (2020), first example: Raft as in the
// paper finds no stable leader; with pre-vote it keeps one.
TEST(Validation, HowardAbraham2020FringeHasNoStableLeaderWithoutPreVote) {
  const Scenario s = read("published/howard-abraham-2020-fringe.json");
  for (const TimedRunStats& r : simulate(s, {}, 4).all) {
    EXPECT_FALSE(r.violation);
    EXPECT_GE(r.leader_changes, 20u) << "seed " << r.seed;  // published: leadership never settles
    EXPECT_LT(double(r.steady_available), 0.5 * double(r.duration)) << "seed " << r.seed;
  }
  for (const TimedRunStats& r : simulate(s, {"pre-vote"}, 4).all) {
    EXPECT_FALSE(r.violation);
    EXPECT_EQ(r.leader_changes, 0u) << "seed " << r.seed;
    EXPECT_GT(double(r.steady_available), 0.95 * double(r.duration)) << "seed " << r.seed;
  }
}

}  // namespace
}  // namespace skiff
