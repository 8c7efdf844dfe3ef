// Timed traces: what `skiff simulate` writes for a violation, and how replay
// and shrink treat it (docs/trace-format.md, "Timed traces").
//
// Written:   a liveness violation (deaf-node, plain Raft) and a safety
//            violation (a seeded bug) are written as traces that replay to the
//            same invariant; the same seed writes the same bytes.
// Shrunk:    shorter, 1-minimal, still replaying; a liveness trace keeps its
//            window and check.
// Format:    print -> parse -> print; malformed traces are one line, exit 2.
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>
#include <string>
#include <vector>

#include "checker/errors.hpp"
#include "checker/shrink.hpp"
#include "checker/timed_replay.hpp"
#include "checker/trace.hpp"
#include "invariants/raft_invariants.hpp"
#include "protocols/raft/raft.hpp"

namespace skiff {
namespace {

using Raft = raft::Protocol;
using RaftInvariants = invariants::RaftInvariants;
namespace fs = std::filesystem;

struct Result {
  int status = -1;
  std::string out, err;
};

std::string slurp(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream buffer;
  buffer << in.rdbuf();
  return buffer.str();
}

void spit(const fs::path& p, const std::string& text) {
  std::ofstream out(p, std::ios::binary);
  out << text;
}

class TimedTrace : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("skiff-timed-trace-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }

  Result skiff(const std::string& args) const {
    const std::string command = std::string(SKIFF_BINARY) + " " + args + " >" + (dir_ / "out").string() + " 2>" +
                                (dir_ / "err").string();
    const int raw = std::system(command.c_str());
    Result r;
    r.status = WIFEXITED(raw) ? WEXITSTATUS(raw) : -1;
    r.out = slurp(dir_ / "out");
    r.err = slurp(dir_ / "err");
    return r;
  }

  // Runs simulate into `out` and returns the trace file its JSON names first.
  std::string simulate_trace(const std::string& args, const fs::path& out, const std::string& invariant) const {
    fs::create_directories(out);
    const Result r = skiff("simulate " + args + " --json --out " + out.string());
    EXPECT_EQ(r.status, 1) << r.err;
    const std::regex trace("\"invariant\":\"" + invariant + "\"[^}]*\"trace\":\"([^\"]+)\"");
    std::smatch match;
    if (!std::regex_search(r.out, match, trace)) {
      ADD_FAILURE() << "no trace of " << invariant << " in " << r.out;
      return {};
    }
    return match[1];
  }

  fs::path dir_;
};

std::string deaf_node() { return std::string(SKIFF_SOURCE_DIR) + "/corpus/scenarios/deaf-node.json"; }

// "shrunk F: 812 events -> 301 events (...)": the two counts.
std::pair<int, int> shrink_counts(const std::string& err) {
  std::smatch m;
  if (!std::regex_search(err, m, std::regex(": (\\d+) events -> (\\d+) events"))) return {-1, -1};
  return {std::stoi(m[1]), std::stoi(m[2])};
}

// Removing any one of the shrunk trace's removable events loses the
// violation under lenient replay (what `skiff shrink` promises).
void expect_one_minimal(const std::string& path) {
  const Trace trace = read_trace_file(path);
  ASSERT_TRUE(trace.violation);
  using Timed = TimedExecutor<Raft, RaftInvariants>;
  Timed executor(trace.header, trace.liveness_check_at, "");
  std::size_t pinned = 0;
  if (executor.checks_liveness()) {
    for (const TraceEvent& e : trace.events) pinned += e.at >= executor.window_start();
    executor.learn_fairness(trace.events);
  }
  Shrinker<Raft, RaftInvariants, Timed> shrinker(executor, trace.violation->invariant, pinned);
  EXPECT_TRUE(shrinker.violates(trace.events, nullptr));
  for (std::size_t i = 0; i + pinned < trace.events.size(); ++i) {
    std::vector<TraceEvent> fewer = trace.events;
    fewer.erase(fewer.begin() + std::ptrdiff_t(i));
    EXPECT_FALSE(shrinker.violates(fewer, nullptr)) << "event " << i + 1 << " is not needed";
  }
}

TEST_F(TimedTrace, ALivenessViolationIsATraceThatReplaysAndShrinks) {
  const std::string path = simulate_trace(deaf_node() + " --runs 4", dir_ / "a", "bounded-liveness");
  ASSERT_FALSE(path.empty());
  const std::string text = slurp(path);
  EXPECT_EQ(text.rfind("skiff-trace 1\nprotocol raft\nnodes 3\nbugs -\nseed ", 0), 0u) << text.substr(0, 200);
  EXPECT_NE(text.find("\ntimed scenario=deaf-node stable-for=2000 within=3000\nevents\n"), std::string::npos);
  EXPECT_NE(text.find(" cut 1->3\n"), std::string::npos);  // the timeline's cut, as the untimed world's
  EXPECT_NE(text.find(" liveness-check\nviolation bounded-liveness: "), std::string::npos);

  Result replay = skiff("replay " + path + " --verbose");
  EXPECT_EQ(replay.status, 1) << replay.err;
  EXPECT_NE(replay.out.find("violation bounded-liveness: the network has not changed since 2000.0 ms"),
            std::string::npos)
      << replay.out.substr(replay.out.size() > 400 ? replay.out.size() - 400 : 0);
  EXPECT_NE(replay.out.find("       n3 "), std::string::npos);  // --verbose: node states

  const std::string small = (dir_ / "small.trace").string();
  const Result shrink = skiff("shrink " + path + " -o " + small);
  EXPECT_EQ(shrink.status, 1) << shrink.err;
  const auto [before, after] = shrink_counts(shrink.err);
  EXPECT_GT(before, 0) << shrink.err;
  EXPECT_LT(after, before) << shrink.err;
  const std::string shrunk = slurp(small);
  EXPECT_NE(shrunk.find(" liveness-check\nviolation bounded-liveness: "), std::string::npos);
  replay = skiff("replay " + small);
  EXPECT_EQ(replay.status, 1) << replay.err;
  EXPECT_NE(replay.out.find("violation bounded-liveness: "), std::string::npos);
  expect_one_minimal(small);

  // The viewer does not draw timed traces: one line, exit 2.
  replay = skiff("replay " + small + " --html " + (dir_ / "x.html").string());
  EXPECT_EQ(replay.status, 2);
  EXPECT_NE(replay.err.find(small + ":6: --html does not show timed traces"), std::string::npos) << replay.err;
}

TEST_F(TimedTrace, ASeededBugsSafetyViolationIsATraceThatReplaysAndShrinks) {
  const fs::path scenario = dir_ / "churn.json";
  spit(scenario, R"({"name": "restart-churn", "nodes": 3, "duration_ms": 20000,
      "network": {"latency_ms": {"uniform": [1, 40]}},
      "timeline": [{"at_ms": 100, "every_ms": 97, "crash": "random", "restart_after_ms": 1}]})");
  const std::string path = simulate_trace(scenario.string() + " --runs 30 --bug forget-vote-on-restart",
                                          dir_ / "a", "one-vote-per-term");
  ASSERT_FALSE(path.empty());
  const std::string text = slurp(path);
  EXPECT_NE(text.find("\nbugs forget-vote-on-restart\n"), std::string::npos);
  EXPECT_NE(text.find("\ntimed scenario=restart-churn\nevents\n"), std::string::npos);
  EXPECT_EQ(text.find("liveness-check"), std::string::npos);
  EXPECT_NE(text.find(" crash "), std::string::npos);
  EXPECT_NE(text.find(" restart "), std::string::npos);

  Result replay = skiff("replay " + path);
  EXPECT_EQ(replay.status, 1) << replay.err;
  EXPECT_NE(replay.out.find("violation one-vote-per-term: "), std::string::npos);

  const std::string small = (dir_ / "small.trace").string();
  const Result shrink = skiff("shrink " + path + " -o " + small);
  EXPECT_EQ(shrink.status, 1) << shrink.err;
  const auto [before, after] = shrink_counts(shrink.err);
  EXPECT_LT(after, before) << shrink.err;
  EXPECT_GT(after, 0);
  replay = skiff("replay " + small);
  EXPECT_EQ(replay.status, 1) << replay.err;
  EXPECT_NE(replay.out.find("violation one-vote-per-term: "), std::string::npos);
  expect_one_minimal(small);
}

TEST_F(TimedTrace, TheSameSeedWritesTheSameBytesAndPrintParsePrintIsTheIdentity) {
  const std::string a = simulate_trace(deaf_node() + " --runs 2 --seed 3", dir_ / "a", "bounded-liveness");
  const std::string b = simulate_trace(deaf_node() + " --runs 2 --seed 3", dir_ / "b", "bounded-liveness");
  ASSERT_FALSE(a.empty());
  ASSERT_FALSE(b.empty());
  EXPECT_NE(a, b);
  EXPECT_EQ(fs::path(a).filename(), fs::path(b).filename());
  const std::string text = slurp(a);
  EXPECT_EQ(text, slurp(b));
  const Trace parsed = parse_trace(text, a);
  EXPECT_TRUE(parsed.header.timed);
  EXPECT_GT(parsed.liveness_check_at, 0);
  EXPECT_EQ(format_trace(parsed), text);
  EXPECT_EQ(format_millis(12345), "12.345");
  EXPECT_EQ(format_millis(2000000), "2000");
  EXPECT_EQ(format_millis(7), "0.007");
}

TEST_F(TimedTrace, MalformedOrEditedTimedTracesStopWithTheLine) {
  const std::string header =
      "skiff-trace 1\nprotocol raft\nnodes 3\nbugs -\nseed 1\ntimed scenario=x stable-for=20 within=30\nevents\n";
  struct Case {
    std::string body, error;
    int status;
  };
  const std::vector<Case> cases = {
      {"0 timer 1 election\n12.5x timer 2 election\n", ":9: bad time '12.5x'", 2},
      {"0 timer 1 election\n5 teleport 1\n", ":9: unknown event 'teleport'", 2},
      {"5 timer 1 election\n4 timer 2 election\n", ":9: time 4 is earlier than the line before it (5)", 2},
      {"0 timer 1 election\n", ":9: trace is truncated", 2},
      {"0 timer 1 election\n1.5 deliver 1->2#7 RequestVote t1 last=0/0\nno-violation\nend\n",
       ":9: the trace does not replay: 'deliver 1->2#7 RequestVote t1 last=0/0' is not enabled", 3},
      {"0 timer 1 election\n50 liveness-check\nno-violation\nend\n", ":9: the trace does not replay: its footer says no-violation", 3},
  };
  for (const Case& c : cases) {
    const fs::path file = dir_ / "t.trace";
    spit(file, header + c.body);
    const Result r = skiff("replay " + file.string());
    EXPECT_EQ(r.status, c.status) << c.body << r.err;
    EXPECT_NE(r.err.find(file.string() + c.error), std::string::npos) << c.body << r.err;
    EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
  }
}

}  // namespace
}  // namespace skiff
