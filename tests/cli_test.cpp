// The command line's contract, tested on the real binary (SKIFF_BINARY):
// exit status 0 nothing violated, 1 an invariant was violated, 2 bad usage or
// malformed input with exactly one line on stderr ("skiff: FILE:LINE: ..."
// for a file), 3 a trace that does not replay. The traces are made by the
// test itself, with `skiff explore ... --out DIR`.
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <optional>
#include <random>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "checker/errors.hpp"
#include "checker/trace.hpp"
#include "tests/sanitizers.hpp"
#include "tests/spawn.hpp"

extern char** environ;

namespace skiff {
namespace {

namespace fs = std::filesystem;

// ---- running the binary ------------------------------------------------------

// A directory of this process's own, removed at exit (ctest runs each test in
// a process of its own, several at once).
const fs::path& scratch() {
  static const testing::ScratchDir dir("skiff-cli-test");
  return dir.path();
}

using testing::read_file;
using testing::Result;

void write_file(const fs::path& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << text;
}

// Runs `skiff ARGS...` with stdin from /dev/null, stdout and stderr to files.
Result skiff(const std::vector<std::string>& args) { return testing::run_skiff(scratch(), args); }

// ---- checking what it says -----------------------------------------------------

// Exactly one line, and nothing in it a terminal would act on (tabs apart).
::testing::AssertionResult is_one_line(const std::string& text) {
  if (text.empty() || text.back() != '\n' || text.find('\n') != text.size() - 1)
    return ::testing::AssertionFailure() << "not exactly one line: '" << text << "'";
  for (unsigned char c : text.substr(0, text.size() - 1))
    if ((c < 0x20 && c != '\t') || c == 0x7f)
      return ::testing::AssertionFailure() << "control character " << int(c) << " in '" << text << "'";
  return ::testing::AssertionSuccess();
}

// Status 2 or 3 with exactly one line on stderr that starts with `prefix` and
// contains `words`.
void expect_error(const Result& r, int status, const std::string& prefix, const std::string& words = "") {
  EXPECT_EQ(r.status, status) << r;
  EXPECT_TRUE(is_one_line(r.err)) << r;
  EXPECT_EQ(r.err.substr(0, prefix.size()), prefix) << r;
  EXPECT_NE(r.err.find(words), std::string::npos) << "expected '" << words << "' in\n" << r;
}

void expect_bad_usage(const std::vector<std::string>& args, const std::string& words = "") {
  SCOPED_TRACE("skiff " + ::testing::PrintToString(args));
  expect_error(skiff(args), kExitBadInput, "skiff: ", words);
}

// The line an error names: "skiff: FILE:LINE: ..." gives LINE, or 0.
int line_named(const std::string& err, const std::string& file) {
  const std::string prefix = "skiff: " + file + ":";
  if (err.rfind(prefix, 0) != 0) return 0;
  return std::atoi(err.c_str() + prefix.size());
}

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

std::string text_of(const std::vector<std::string>& lines) {
  std::string text;
  for (const std::string& line : lines) text += line + '\n';
  return text;
}

// ---- bad usage -------------------------------------------------------------------

TEST(CliUsage, UnknownFlag) { expect_bad_usage({"explore", "raft", "--frobnicate"}, "--frobnicate"); }

TEST(CliUsage, UnknownSubcommand) { expect_bad_usage({"frobnicate"}); }

TEST(CliUsage, NoSubcommand) { expect_bad_usage({}); }

TEST(CliUsage, MissingProtocol) { expect_bad_usage({"explore"}, "protocol"); }

// skiff check's own bad usage: one line, exit 2, nothing explored.
TEST(CliUsage, CheckRefusesWhatItCannotDo) {
  expect_bad_usage({"check", "raft", "--depth-first", "--max-depth", "64"}, "at most 63 with --depth-first");
  expect_bad_usage({"check", "raft", "--symmetry", "--variant", "passive=2"}, "not interchangeable");
  expect_bad_usage({"check", "paxos", "--symmetry"}, "not interchangeable");
  expect_bad_usage({"check", "raft", "--variant", "warp-drive"}, "--variant");
  expect_bad_usage({"check", "raft", "--memory-limit", "-1"}, "--memory-limit");
}

TEST(CliUsage, UnknownProtocol) { expect_bad_usage({"explore", "zab"}, "unknown protocol 'zab'"); }

TEST(CliUsage, UnknownBug) {
  expect_bad_usage({"explore", "raft", "--bug", "nope"}, "unknown bug 'nope'");
  expect_bad_usage({"explore", "raft", "--bug", "commit-previous-term,nope"}, "unknown bug 'nope'");
}

TEST(CliUsage, NodesOutOfRange) {
  expect_bad_usage({"explore", "raft", "--nodes", "2"}, "--nodes");
  expect_bad_usage({"explore", "raft", "--nodes", "11"}, "--nodes");
  expect_bad_usage({"explore", "raft", "--nodes", "0"}, "--nodes");
  // Raft runs up to ten nodes, the other protocols up to seven, the model checker up to seven.
  expect_bad_usage({"explore", "paxos", "--nodes", "8"}, "paxos runs with 3 to 7 nodes, not 8");
  expect_bad_usage({"check", "raft", "--nodes", "8"}, "--nodes");
  expect_bad_usage({"explore", "raft", "--nodes", "-1"}, "--nodes");
  expect_bad_usage({"explore", "raft", "--nodes", "three"}, "--nodes");
}

TEST(CliUsage, RunsZeroOrNegative) {
  expect_bad_usage({"explore", "raft", "--runs", "0"}, "--runs");
  // CLI11 alone reads "-5" into an unsigned as 2^64-5; skiff once ran no runs and said "no violation".
  expect_bad_usage({"explore", "raft", "--runs", "-5"}, "--runs");
}

TEST(CliUsage, NonNumericSeed) {
  expect_bad_usage({"explore", "raft", "--seed", "abc"}, "--seed");
  expect_bad_usage({"explore", "raft", "--seed", "12abc"}, "--seed");
  expect_bad_usage({"explore", "raft", "--seed", "-1"}, "--seed");
  expect_bad_usage({"explore", "raft", "--seed", "18446744073709551616"}, "--seed");  // 2^64
  expect_bad_usage({"explore", "raft", "--seed"}, "--seed");
}

// Budgets a trace cannot hold, and thread counts that cannot be started, are
// refused up front (skiff once aborted on both).
TEST(CliUsage, BudgetsAndJobsOutOfRange) {
  expect_bad_usage({"explore", "raft", "--steps", "0"}, "--steps");
  expect_bad_usage({"explore", "raft", "--steps", "4000000000", "--runs", "1"}, "--steps");
  expect_bad_usage({"explore", "raft", "--max-drops", "1073741825", "--runs", "1"}, "--max-drops");
  expect_bad_usage({"explore", "raft", "--max-crashes", "-1"}, "--max-crashes");
  expect_bad_usage({"explore", "raft", "--jobs", "0", "--runs", "1"}, "--jobs");
  expect_bad_usage({"explore", "raft", "--jobs", "100000", "--runs", "1"}, "--jobs");
}

// A mistyped command is named, with the nearest one (CLI11 alone said "A
// subcommand is required").
TEST(CliUsage, MistypedCommandSuggestsTheNearest) {
  expect_bad_usage({"explor", "raft"}, "unknown command 'explor'; did you mean 'explore'?");
  expect_bad_usage({"chek", "raft"}, "did you mean 'check'?");
  expect_bad_usage({"simulat", "x.json"}, "did you mean 'simulate'?");
  expect_bad_usage({"zzzzzzzzzz"}, "unknown command 'zzzzzzzzzz' (commands: ");
  expect_bad_usage({"bad\x1b[31m"}, "unknown command 'bad\\x1b[31m'");
}

// Every numeric flag of every command says the same thing about a value it
// cannot take: out of range, too large for 64 bits, not a number, negative.
TEST(CliUsage, EveryNumericFlagHasOneMessage) {
  const std::string huge = "99999999999999999999999";
  struct Flag {
    std::vector<std::string> command;  // the command up to the flag
    std::string flag;
    std::string range;                 // "from MIN to MAX"
  };
  const std::vector<std::string> explore{"explore", "raft"}, check{"check", "raft"},
      simulate{"simulate", "corpus/scenarios/deaf-node.json"},
      fuzz{"replay", "--fuzz-input", "x", "--protocol", "raft"};
  const std::vector<Flag> flags{
      {explore, "--runs", "from 1 to 18446744073709551615"},
      {explore, "--seed", "from 0 to 18446744073709551615"},
      {explore, "--nodes", "from 1 to 10"},
      {explore, "--jobs", "from 1 to 1024"},
      {explore, "--steps", "from 1 to 1073741824"},
      {explore, "--max-drops", "from 0 to 1073741824"},
      {explore, "--max-duplicates", "from 0 to 1073741824"},
      {explore, "--max-crashes", "from 0 to 1073741824"},
      {explore, "--max-link-changes", "from 0 to 1073741824"},
      {explore, "--max-commands", "from 0 to 1073741824"},
      {check, "--nodes", "from 1 to 7"},  // the model checker's limit, kMaxCheckedNodes
      {check, "--max-depth", "from 0 to 60000"},
      {check, "--max-term", "from 0 to 4294967295"},
      {check, "--max-commands", "from 0 to 1073741824"},
      {check, "--max-in-flight", "from 0 to 4294967295"},
      {check, "--threads", "from 1 to 256"},
      {simulate, "--runs", "from 1 to 18446744073709551615"},
      {simulate, "--seed", "from 0 to 18446744073709551615"},
      {fuzz, "--nodes", "from 1 to 10"},
      {fuzz, "--steps", "from 1 to 1073741824"},
      {fuzz, "--max-crashes", "from 0 to 1073741824"},
  };
  auto expect_refused = [](const Flag& f, const std::string& value) {
    std::vector<std::string> args = f.command;
    args.push_back(f.flag);
    args.push_back(value);
    expect_bad_usage(args, f.flag + ": expected a whole number " + f.range + ", not '" + value + "'");
  };
  for (const Flag& f : flags) {
    expect_refused(f, huge);  // more than 64 bits
    expect_refused(f, "-1");
    expect_refused(f, "abc");
  }
  // More than the flag's type or a trace holds, though it fits in 64 bits; other non-numbers.
  for (const Flag& f : {flags[4], flags[12], flags[15], flags[19]}) expect_refused(f, "99999999999");
  for (const std::string value : {"1.5", "", "0x10", "1e3", "+3", " 3"}) expect_refused(flags[0], value);
}

// --time-limit and --memory-limit take a number greater than 0; leaving the
// flag out means no limit. nan once ran nothing and exited 0; 0 and -1
// silently meant no limit.
TEST(CliUsage, LimitsArePositiveNumbers) {
  for (const std::string value : {"nan", "inf", "-1", "0", "0.0", "abc", "1s", ""}) {
    expect_bad_usage({"explore", "raft", "--time-limit", value},
                     "--time-limit: expected a number of seconds greater than 0, not '" + value + "'");
    expect_bad_usage({"check", "raft", "--memory-limit", value},
                     "--memory-limit: expected a number of GiB greater than 0, not '" + value + "'");
  }
}

TEST(CliUsage, ReplayAndShrinkNeedATrace) {
  expect_bad_usage({"replay"}, "trace");
  expect_bad_usage({"shrink"}, "trace");
  expect_bad_usage({"replay", "a.trace", "b.trace"});
}

TEST(CliUsage, HelpAndVersionExitZero) {
  Result help = skiff({"--help"});
  EXPECT_EQ(help.status, kExitOk) << help;
  EXPECT_NE(help.out.find("explore"), std::string::npos) << help;
  Result version = skiff({"--version"});
  EXPECT_EQ(version.status, kExitOk) << version;
  EXPECT_NE(version.out.find("trace format 1"), std::string::npos) << version;
}

// ---- explore -------------------------------------------------------------------

TEST(CliExplore, CorrectRaftExitsZero) {
  Result r = skiff({"explore", "raft", "--runs", "200", "--out", (scratch() / "correct").string()});
  EXPECT_EQ(r.status, kExitOk) << r;
  EXPECT_NE(r.out.find("200 runs"), std::string::npos) << r;
  EXPECT_NE(r.out.find("no violation"), std::string::npos) << r;
  EXPECT_EQ(r.err, "") << r;
}

TEST(CliExplore, JsonIsOneObject) {
  Result r = skiff({"explore", "raft", "--runs", "100", "--json", "--out", (scratch() / "json").string()});
  EXPECT_EQ(r.status, kExitOk) << r;
  EXPECT_EQ(r.err, "") << r;
  const nlohmann::json result = nlohmann::json::parse(r.out);  // throws on anything but one JSON value
  ASSERT_TRUE(result.is_object()) << r;
  for (const char* key : {"runs", "events", "elapsed_s", "events_per_s", "violations"})
    EXPECT_TRUE(result.contains(key)) << key << " missing in " << r.out;
  EXPECT_EQ(result["runs"], 100);
  EXPECT_TRUE(result["events"].is_number_unsigned());
  EXPECT_GT(result["events"].get<std::uint64_t>(), 0u);
  EXPECT_TRUE(result["elapsed_s"].is_number());
  EXPECT_TRUE(result["events_per_s"].is_number());
  ASSERT_TRUE(result["violations"].is_array());
  EXPECT_TRUE(result["violations"].empty());
}

// Ten nodes (Raft's most): correct Raft runs clean; a seeded bug is found,
// its shrunk trace names nodes by two digits where it must and replays.
TEST(CliExplore, TenNodeRaft) {
  Result correct = skiff({"explore", "raft", "--nodes", "10", "--runs", "100", "--out", (scratch() / "ten").string()});
  EXPECT_EQ(correct.status, kExitOk) << correct;
  Result r = skiff({"explore", "raft", "--nodes", "10", "--bug", "commit-previous-term", "--runs", "20000", "--json",
                    "--out", (scratch() / "ten-bug").string()});
  ASSERT_EQ(r.status, kExitViolation) << r;
  const std::string trace = nlohmann::json::parse(r.out)["violations"].at(0)["trace"].get<std::string>();
  EXPECT_EQ(lines_of(read_file(trace)).at(2), "nodes 10");
  Result replayed = skiff({"replay", trace});
  EXPECT_EQ(replayed.status, kExitViolation) << replayed;
}

// --bug repeats, or takes a comma list; the reproduce command it prints works.
TEST(CliExplore, SeveralBugs) {
  const std::string both = "commit-previous-term,vote-without-log-check";
  for (const std::vector<std::string>& bugs :
       {std::vector<std::string>{"--bug", "commit-previous-term", "--bug", "vote-without-log-check"},
        std::vector<std::string>{"--bug", both}}) {
    std::vector<std::string> args{"explore", "raft", "--runs", "5000", "--no-shrink", "--json", "--out",
                                  (scratch() / "bugs").string()};
    args.insert(args.end(), bugs.begin(), bugs.end());
    Result r = skiff(args);
    ASSERT_EQ(r.status, kExitViolation) << r;
    const nlohmann::json v = nlohmann::json::parse(r.out)["violations"].at(0);
    EXPECT_EQ(lines_of(read_file(v["trace"].get<std::string>())).at(3), "bugs " + both);

    std::vector<std::string> again;
    std::istringstream words(v["reproduce"].get<std::string>());
    for (std::string word; words >> word;) again.push_back(word);
    ASSERT_EQ(again.at(0), "skiff");
    again.erase(again.begin());
    again.insert(again.end(), {"--no-shrink", "--out", (scratch() / "again").string()});
    Result rerun = skiff(again);
    EXPECT_EQ(rerun.status, kExitViolation) << rerun;
    EXPECT_NE(rerun.out.find("at seed " + std::to_string(v["seed"].get<std::uint64_t>())), std::string::npos)
        << rerun;
  }
}

// An overflow once made 2^64-1 runs into none at all.
TEST(CliExplore, HugeRunCountRunsUntilTheTimeLimit) {
  Result r = skiff({"explore", "raft", "--runs", "18446744073709551615", "--time-limit", "0.2", "--json", "--out",
                    (scratch() / "huge").string()});
  EXPECT_EQ(r.status, kExitOk) << r;
  const nlohmann::json result = nlohmann::json::parse(r.out);
  EXPECT_GT(result["runs"].get<std::uint64_t>(), 0u) << r;
  EXPECT_EQ(result["timed_out"], true) << r;
}

// ---- traces ------------------------------------------------------------------

// One real counterexample, found once per process by `skiff explore`.
class CliTrace : public ::testing::Test {
 protected:
  struct Found {
    std::string invariant, explanation;
    fs::path trace, full_trace;
    std::string text, full_text;  // their contents
  };

  static void SetUpTestSuite() {
    if (found_) return;
    // Seed 1735 is the first to fail today; exploring on from there keeps the
    // test cheap, and correct should the first failing seed move.
    const fs::path dir = scratch() / "found";
    Result r = skiff({"explore", "raft", "--bug", "commit-previous-term", "--seed", "1735", "--runs", "20000",
                      "--json", "--out", dir.string()});
    ASSERT_EQ(r.status, kExitViolation) << r;
    const nlohmann::json result = nlohmann::json::parse(r.out);
    ASSERT_EQ(result["violations"].size(), 1u) << r;
    const nlohmann::json& v = result["violations"][0];
    Found f;
    f.invariant = v["invariant"].get<std::string>();
    f.explanation = v["explanation"].get<std::string>();
    f.trace = v["trace"].get<std::string>();
    f.full_trace = v["full_trace"].get<std::string>();
    f.text = read_file(f.trace);
    f.full_text = read_file(f.full_trace);
    found_ = f;
  }

  void SetUp() override { ASSERT_TRUE(found_.has_value()) << "explore found no violation to test with"; }

  static const Found& found() { return *found_; }
  static std::vector<std::string> lines() { return lines_of(found_->text); }

  // Line numbers (1-based) of the event lines of a trace as skiff writes it.
  static std::vector<int> event_lines(const std::vector<std::string>& lines) {
    std::vector<int> numbers;
    const int first = int(std::find(lines.begin(), lines.end(), "events") - lines.begin()) + 2;
    for (int n = first; n <= int(lines.size()) - 2; ++n) numbers.push_back(n);
    return numbers;
  }

  // Writes `text` to a fresh file and replays it.
  static Result replay_text(const std::string& text, fs::path* where = nullptr) {
    static int files = 0;
    const fs::path path = scratch() / ("t" + std::to_string(files++) + ".trace");
    write_file(path, text);
    if (where) *where = path;
    return skiff({"replay", path.string()});
  }

  // A replay that must fail with status 2 or 3 at exactly `line`.
  static void expect_fails_at(const std::string& text, int status, int line, const std::string& words) {
    fs::path path;
    Result r = replay_text(text, &path);
    expect_error(r, status, "skiff: " + path.string() + ":" + std::to_string(line) + ": ", words);
  }

  static inline std::optional<Found> found_;
};

// A space at the start or the end of any line, of any kind (header, every
// event, footer, timed or not), is malformed input: exit 2 naming the line.
// (A trailing space once made a deliver or timer line "not replay", exit 3,
// and was accepted on a client line.) The traces need not replay: each
// unedited one is read, then stops replaying (exit 3).
TEST(CliTraceText, SpaceAtEitherEndOfAnyLineIsMalformed) {
  const std::vector<std::string> untimed{
      "skiff-trace 1", "protocol raft", "nodes 3", "bugs -", "variants pre-vote", "seed 7",
      "budgets steps=300 drops=30 duplicates=30 crashes=4 link-changes=10 commands=6", "events",
      "timer 3 election", "deliver 3->1#1 RequestVote t1 last=0/0", "drop 3->2#1 RequestVote t1 last=0/0",
      "duplicate 3->2#1 RequestVote t1 last=0/0", "crash 2", "restart 2", "cut 1->2", "heal 1->2", "client 3 2",
      "violation election-safety: two leaders", "end"};
  const std::vector<std::string> timed{
      "skiff-trace 1", "protocol raft", "nodes 3", "bugs -", "seed 1",
      "timed scenario=deaf-node stable-for=2000 within=3000", "events", "215.3 timer 3 election",
      "218.654 deliver 3->1#1 RequestVote t1 last=0/0", "2000 cut 1->3", "4028 client 1 31", "7000 liveness-check",
      "no-violation", "end"};
  std::set<std::string> kinds;
  for (const auto* trace : {&untimed, &timed}) {
    const fs::path path = scratch() / "spaces.trace";
    write_file(path, text_of(*trace));
    const Result unedited = skiff({"replay", path.string()});
    EXPECT_EQ(unedited.status, kExitDivergence) << unedited;
    for (std::size_t i = 0; i < trace->size(); ++i) {
      std::istringstream words((*trace)[i]);
      std::string first, second;
      words >> first >> second;
      kinds.insert(trace == &timed && i > 6 && i + 2 < trace->size() ? second : first);
      for (const bool at_end : {true, false}) {
        std::vector<std::string> edited = *trace;
        edited[i] = at_end ? edited[i] + " " : " " + edited[i];
        write_file(path, text_of(edited));
        SCOPED_TRACE("'" + edited[i] + "'");
        expect_error(skiff({"replay", path.string()}), kExitBadInput,
                     "skiff: " + path.string() + ":" + std::to_string(i + 1) + ": ",
                     at_end ? "space at the end of the line" : "space at the start of the line");
      }
    }
  }
  for (const char* kind : {"skiff-trace", "protocol", "nodes", "bugs", "variants", "seed", "budgets", "timed", "events",
                           "deliver", "drop", "duplicate", "timer", "crash", "restart", "cut", "heal", "client",
                           "liveness-check", "violation", "no-violation", "end"})
    EXPECT_EQ(kinds.count(kind), 1u) << kind << " lines are not tested";
}

TEST_F(CliTrace, ReplayReproducesTheViolation) {
  EXPECT_EQ(lines()[lines().size() - 2], "violation " + found().invariant + ": " + found().explanation);
  for (const fs::path& trace : {found().trace, found().full_trace}) {
    Result r = skiff({"replay", trace.string()});
    EXPECT_EQ(r.status, kExitViolation) << r;
    const std::vector<std::string> lines = lines_of(read_file(trace));
    ASSERT_GE(lines.size(), 2u);
    const std::string& footer = lines[lines.size() - 2];  // "violation NAME: explanation", as replay prints it
    EXPECT_EQ(footer.rfind("violation " + found().invariant + ": ", 0), 0u) << footer;
    EXPECT_NE(r.out.find("\n" + footer + "\n"), std::string::npos) << r;
    EXPECT_EQ(r.err, "") << r;
  }
  Result verbose = skiff({"replay", found().trace.string(), "--verbose"});
  EXPECT_EQ(verbose.status, kExitViolation) << verbose;
  EXPECT_NE(verbose.out.find("n1 "), std::string::npos) << verbose;
}

TEST_F(CliTrace, ShrinkWritesATraceThatReplays) {
  const fs::path out = scratch() / "shrunk.trace";
  Result r = skiff({"shrink", found().full_trace.string(), "-o", out.string()});
  EXPECT_EQ(r.status, kExitViolation) << r;
  EXPECT_TRUE(is_one_line(r.err)) << r;  // the summary: "shrunk FILE: N events -> M events ..."
  Result again = skiff({"replay", out.string()});
  EXPECT_EQ(again.status, kExitViolation) << again;
  EXPECT_NE(again.out.find("violation " + found().invariant + ":"), std::string::npos) << again;
  EXPECT_LE(lines_of(read_file(out)).size(), lines_of(found().full_text).size());
}

TEST_F(CliTrace, ShrinkRefusesTracesWithoutAViolationOrThatDoNotReplay) {
  std::vector<std::string> lines = CliTrace::lines();
  lines[lines.size() - 2] = "no-violation";
  const fs::path clean = scratch() / "clean.trace";
  write_file(clean, text_of(lines));
  expect_error(skiff({"shrink", clean.string()}), kExitBadInput, "skiff: " + clean.string() + ": ",
               "nothing to shrink");

  lines = CliTrace::lines();
  lines.erase(lines.end() - 3);  // the violating event
  const fs::path short_trace = scratch() / "short.trace";
  write_file(short_trace, text_of(lines));
  expect_error(skiff({"shrink", short_trace.string()}), kExitDivergence, "skiff: " + short_trace.string() + ": ",
               "does not replay");
}

// Comments, blank lines and CRLF line ends are allowed anywhere.
TEST_F(CliTrace, CommentsBlankLinesAndCrlfAreIgnored) {
  std::string text = "# a comment first\n\n";
  for (const std::string& line : lines()) text += line + "\r\n  # and one after every line\n\t\n";
  Result r = replay_text(text);
  EXPECT_EQ(r.status, kExitViolation) << r;
  EXPECT_EQ(r.err, "") << r;
}

TEST_F(CliTrace, TraceThatEndsWithoutViolationReplaysWithStatusZero) {
  std::vector<std::string> lines = CliTrace::lines();
  const std::vector<int> events = event_lines(lines);
  // The first half of the events, then "no-violation" and "end".
  std::vector<std::string> prefix(lines.begin(), lines.begin() + events[events.size() / 2]);
  prefix.push_back("no-violation");
  prefix.push_back("end");
  Result r = replay_text(text_of(prefix));
  EXPECT_EQ(r.status, kExitOk) << r;
  EXPECT_NE(r.out.find("no violation"), std::string::npos) << r;
  EXPECT_EQ(r.err, "") << r;
}

// ---- malformed traces: status 2, naming the line ---------------------------------

TEST_F(CliTrace, TruncatedAfterEveryLineCount) {
  const std::vector<std::string> lines = CliTrace::lines();
  for (std::size_t keep = 0; keep < lines.size(); ++keep) {
    SCOPED_TRACE("first " + std::to_string(keep) + " lines");
    std::vector<std::string> cut(lines.begin(), lines.begin() + std::ptrdiff_t(keep));
    // What is missing belongs on the line after the last one kept.
    expect_fails_at(text_of(cut), kExitBadInput, int(keep) + 1, "trace is truncated");
  }
}

TEST_F(CliTrace, TruncatedInsideALine) {
  const std::string& text = found().text;
  for (std::size_t size = 1; size + 2 < text.size(); size += 29) {
    SCOPED_TRACE("first " + std::to_string(size) + " bytes");
    fs::path path;
    Result r = replay_text(text.substr(0, size), &path);
    expect_error(r, kExitBadInput, "skiff: " + path.string() + ":");
    EXPECT_GT(line_named(r.err, path.string()), 0) << r;
  }
  // Without its last newline the trace is whole.
  EXPECT_EQ(replay_text(text.substr(0, text.size() - 1)).status, kExitViolation);
}

TEST_F(CliTrace, GarbledEventLines) {
  struct Case {
    std::string line, words;
  };
  const Case cases[] = {
      {"delivr 2->3#1 RequestVote t1 last=0/0", "unknown event 'delivr'"},
      {"deliver 1->9#3 RequestVote t1 last=0/0", "node 9 is out of range (1 to 3)"},
      {"deliver 2->3 RequestVote t1 last=0/0", "bad message '2->3'"},
      {"deliver 2-3#1 RequestVote t1 last=0/0", "bad link '2-3'"},
      {"deliver 2->3#0 RequestVote t1 last=0/0", "message number 0 is out of range"},
      {"deliver 2->3#x RequestVote t1 last=0/0", "bad message number 'x'"},
      {"deliver 2->3#1.0 RequestVote t1 last=0/0", "copy number 0 is out of range"},
      {"deliver 2->3#1", "'deliver' needs the message's text after its id"},
      {"drop 2->3#1", "'drop' needs the message's text after its id"},
      {"drop 2->3#1 ", "space at the end of the line"},
      {"timer 1 election ", "space at the end of the line"},
      {"timer 4 election", "node 4 is out of range (1 to 3)"},
      {"timer 0 election", "node 0 is out of range (1 to 3)"},
      {"timer 1", "'timer' needs a node and a timer name"},
      {"crash", "bad node ''"},
      {"crash 2 now", "unexpected 'now' after 'crash'"},
      {"cut 2->2", "a link joins two different nodes"},
      {"heal 2", "bad link '2'"},
      {"client 1 x", "bad command 'x'"},
      {"client 1 4294967296", "command 4294967296 is out of range"},  // once cut to 32 bits silently
      {"violation leader-completeness", "expected 'violation NAME: explanation'"},
      {std::string("timer 1 elec\0tion", 17), "NUL byte in trace"},
      {"timer 1 elec\rtion", "control character 0x0d"},
      {"deliver 2->3#1 Request\x1b[2JVote t1", "control character 0x1b"},
  };
  const std::vector<std::string> lines = CliTrace::lines();
  const std::vector<int> events = event_lines(lines);
  const int at = events[events.size() / 2];
  for (const Case& c : cases) {
    SCOPED_TRACE(c.line);
    std::vector<std::string> garbled = lines;
    garbled[std::size_t(at - 1)] = c.line;
    expect_fails_at(text_of(garbled), kExitBadInput, at, c.words);
  }
  // Blank lines and comments count: the line named is the file's line.
  std::vector<std::string> garbled = lines;
  garbled[std::size_t(at - 1)] = "delivr 2->3#1 RequestVote t1 last=0/0";
  garbled.insert(garbled.begin() + 3, {"", "# two more lines"});
  expect_fails_at(text_of(garbled), kExitBadInput, at + 2, "unknown event 'delivr'");
}

TEST_F(CliTrace, GarbledHeaderAndEnd) {
  struct Case {
    int line;  // 1-based; replaced
    std::string text, words;
  };
  const Case cases[] = {
      {1, "skiff-trace 2", "trace version 2 is not supported"},
      {1, "skiff-trace", "bad trace version ''"},
      {1, "skiff-tracer 1", "not a skiff trace"},
      {2, "protocol", "empty protocol name"},
      {2, "protocl raft", "expected 'protocol ...', found 'protocl'"},
      {3, "nodes 11", "node count 11 is out of range (1 to 10)"},
      {3, "nodes three", "bad node count 'three'"},
      {4, "bugs ,commit-previous-term", "empty bug name"},
      {5, "seed -1", "bad seed '-1'"},
      {6, "budgets steps=300", "budgets needs"},
      {6, "budgets steps=300 drops=30 duplicates=30 crashes=4 link-changes=10 commands=x", "bad budget 'x'"},
      {6, "budgets steps=300 drops=30 duplicates=30 crashes=4 link-changes=10 commands=6 naps=1", "unknown budget"},
      {6, "budgets steps=1073741825 drops=30 duplicates=30 crashes=4 link-changes=10 commands=6",
       "budget 1073741825 is out of range"},
      {7, "event", "expected 'events'"},
  };
  const std::vector<std::string> lines = CliTrace::lines();
  for (const Case& c : cases) {
    SCOPED_TRACE(c.text);
    std::vector<std::string> garbled = lines;
    garbled[std::size_t(c.line - 1)] = c.text;
    expect_fails_at(text_of(garbled), kExitBadInput, c.line, c.words);
  }
  std::vector<std::string> garbled = lines;
  garbled.back() = "fin";
  expect_fails_at(text_of(garbled), kExitBadInput, int(lines.size()), "expected 'end' after the footer");
  garbled = lines;
  garbled.push_back("# comments after 'end' are fine, text is not");
  garbled.push_back("timer 1 election");
  expect_fails_at(text_of(garbled), kExitBadInput, int(garbled.size()), "unexpected text after 'end'");
}

// Lines a protocol checks: named by their line too.
TEST_F(CliTrace, HeaderThatDoesNotFitTheProtocol) {
  std::vector<std::string> lines = CliTrace::lines();
  lines[3] = "bugs commit-previous-term,nope";
  expect_fails_at(text_of(lines), kExitBadInput, 4, "unknown bug 'nope' for protocol raft");

  lines = CliTrace::lines();
  lines[1] = "protocol zab";
  expect_fails_at(text_of(lines), kExitBadInput, 2, "unknown protocol 'zab'");

  // Two nodes parse (the format allows 1 to 10) but Raft needs three.
  const std::string two_nodes =
      "skiff-trace 1\nprotocol raft\nnodes 2\nbugs -\nseed 1\n"
      "budgets steps=300 drops=30 duplicates=30 crashes=4 link-changes=10 commands=6\n"
      "events\ntimer 1 election\nviolation election-safety: made up\nend\n";
  expect_fails_at(two_nodes, kExitBadInput, 3, "raft runs with 3 to 10 nodes, not 2");
  const fs::path path = scratch() / "two-nodes.trace";
  write_file(path, two_nodes);
  expect_error(skiff({"shrink", path.string()}), kExitBadInput, "skiff: " + path.string() + ":3: ",
               "raft runs with 3 to 10 nodes, not 2");
}

TEST_F(CliTrace, EmptyMissingAndBinaryFiles) {
  expect_fails_at("", kExitBadInput, 1, "trace is truncated");
  expect_fails_at("\n\n# nothing\n", kExitBadInput, 4, "trace is truncated");

  const fs::path missing = scratch() / "no-such.trace";
  expect_error(skiff({"replay", missing.string()}), kExitBadInput, "skiff: " + missing.string() + ": ",
               "cannot open");
  expect_error(skiff({"shrink", missing.string()}), kExitBadInput, "skiff: " + missing.string() + ": ",
               "cannot open");
  expect_error(skiff({"replay", scratch().string()}), kExitBadInput, "skiff: " + scratch().string() + ": ",
               "directory");

  std::mt19937_64 random(20240611);
  for (int i = 0; i < 6; ++i) {
    std::string garbage(std::size_t(1 + random() % 4096), '\0');
    for (char& c : garbage) c = char(random());
    // Half of them behind a real header, so that the parser goes further in.
    if (i % 2) garbage = found().text.substr(0, found().text.find("events\n") + 7) + garbage;
    SCOPED_TRACE("garbage " + std::to_string(i));
    fs::path path;
    Result r = replay_text(garbage, &path);
    expect_error(r, kExitBadInput, "skiff: " + path.string() + ":");
    EXPECT_GT(line_named(r.err, path.string()), 0) << r;
  }
}

// ---- traces that do not replay: status 3, naming the line --------------------------

TEST_F(CliTrace, EventRemovedFromTheMiddleNoLongerFits) {
  const std::vector<std::string> lines = CliTrace::lines();
  const std::vector<int> events = event_lines(lines);
  // The shrunk trace is 1-minimal: without any one of its events it does not
  // replay. Removing the first event shifts every later line, so a later line
  // names a message or timer the world does not have.
  for (int removed : events) {
    SCOPED_TRACE("without line " + std::to_string(removed) + ": " + lines[std::size_t(removed - 1)]);
    std::vector<std::string> cut = lines;
    cut.erase(cut.begin() + (removed - 1));
    fs::path path;
    Result r = replay_text(text_of(cut), &path);
    expect_error(r, kExitDivergence, "skiff: " + path.string() + ":", "the trace does not replay: ");
    const int named = line_named(r.err, path.string());
    EXPECT_GE(named, std::min(removed, events.back() - 1)) << r;  // at or after the gap
    EXPECT_LE(named, events.back() - 1) << r;                     // an event line
  }
  std::vector<std::string> cut = lines;
  const int middle = events[events.size() / 2];
  cut.erase(cut.begin() + (middle - 1));
  fs::path path;
  Result r = replay_text(text_of(cut), &path);
  EXPECT_EQ(r.status, kExitDivergence) << r;
  EXPECT_TRUE(std::regex_search(r.err, std::regex("does not replay: ('.*' is not enabled|the trace says|"
                                                   "it ends without|.* is violated here)")))
      << r;
}

TEST_F(CliTrace, EditedMessageTextDoesNotReplay) {
  std::vector<std::string> lines = CliTrace::lines();
  const std::regex term(" t([0-9]+) ");
  for (int n : event_lines(lines)) {
    std::string& line = lines[std::size_t(n - 1)];
    std::smatch m;
    if (line.rfind("deliver ", 0) != 0 || !std::regex_search(line, m, term)) continue;
    const std::string edited = " t" + std::to_string(std::stoi(m[1]) + 1) + " ";
    line = m.prefix().str() + edited + m.suffix().str();
    expect_fails_at(text_of(lines), kExitDivergence, n, "the trace says '");
    return;
  }
  FAIL() << "no message with a term in\n" << found().text;
}

TEST_F(CliTrace, FooterNamingAnotherInvariantDoesNotReplay) {
  std::vector<std::string> lines = CliTrace::lines();
  const std::string other = found().invariant == "election-safety" ? "log-matching" : "election-safety";
  lines[lines.size() - 2] = "violation " + other + ": something else";
  const int last_event = event_lines(lines).back();
  fs::path path;
  Result r = replay_text(text_of(lines), &path);
  expect_error(r, kExitDivergence, "skiff: " + path.string() + ":" + std::to_string(last_event) + ": ",
               "its footer says violation " + other);
  EXPECT_NE(r.out.find("violation " + found().invariant + ": "), std::string::npos) << r;
}

TEST_F(CliTrace, FooterSayingNoViolationDoesNotReplay) {
  std::vector<std::string> lines = CliTrace::lines();
  lines[lines.size() - 2] = "no-violation";
  expect_fails_at(text_of(lines), kExitDivergence, event_lines(lines).back(), "its footer says no-violation");
}

TEST_F(CliTrace, EventsAfterTheViolationDoNotReplay) {
  std::vector<std::string> lines = CliTrace::lines();
  const int last_event = event_lines(lines).back();
  lines.insert(lines.end() - 2, lines[std::size_t(last_event - 1)]);
  expect_fails_at(text_of(lines), kExitDivergence, last_event,
                  found().invariant + " is violated here, but the trace goes on");
}

TEST_F(CliTrace, ViolationWithoutEventsNamesTheFooter) {
  std::vector<std::string> lines = CliTrace::lines();
  const std::vector<int> events = event_lines(lines);
  lines.erase(lines.begin() + (events.front() - 1), lines.begin() + events.back());
  expect_fails_at(text_of(lines), kExitDivergence, events.front(), "it ends without violating " + found().invariant);
}

// ---- fuzz-ish: single-byte mutations of a valid trace ----------------------------

TEST_F(CliTrace, SingleByteMutationsNeverCrash) {
  const std::string& original = found().text;
  std::mt19937_64 random(0x5c1ff);
  int by_status[4] = {};
  const int mutations = int(test_support::scaled_for_sanitizers(300));  // each replay is a process
  for (int i = 0; i < mutations; ++i) {
    std::string text = original;
    const std::size_t at = std::size_t(random() % text.size());
    const char byte = char(random() % 256);
    switch (random() % 3) {
      case 0: text[at] = byte; break;
      case 1: text.insert(text.begin() + std::ptrdiff_t(at), byte); break;
      default: text.erase(at, 1); break;
    }
    SCOPED_TRACE("mutation " + std::to_string(i) + " at byte " + std::to_string(at));
    fs::path path;
    Result r = replay_text(text, &path);
    ASSERT_EQ(r.signal, 0) << r;
    ASSERT_GE(r.status, 0) << r;
    ASSERT_LE(r.status, 3) << r;
    by_status[r.status] += 1;

    // The parser skiff uses says whether the text is a trace at all.
    std::optional<Trace> parsed;
    std::string parse_error;
    try {
      parsed = parse_trace(text, path.string());
    } catch (const InputError& e) {
      parse_error = e.what();
    }
    if (!parsed) {
      EXPECT_EQ(r.status, kExitBadInput) << r;
      EXPECT_EQ(r.err, "skiff: " + parse_error + "\n") << r;
    }
    if (r.status == kExitOk) {
      ASSERT_TRUE(parsed) << r;
      EXPECT_FALSE(parsed->violation) << r;
    }
    if (r.status == kExitOk || r.status == kExitViolation) {
      EXPECT_EQ(r.err, "") << r;
    } else {
      EXPECT_TRUE(is_one_line(r.err)) << r;
      EXPECT_EQ(r.err.rfind("skiff: " + path.string() + ":", 0), 0u) << r;
    }
  }
  // Most mutations break the trace, some in its syntax, some in its meaning.
  EXPECT_GT(by_status[kExitBadInput], mutations / 6);
  EXPECT_GT(by_status[kExitDivergence], mutations / 6);
}

// A protocol whose handler throws is a finding, not a crash of skiff: the
// shrunk trace is written, and replaying it exits 1 with node-survives.
TEST(Cli, AThrowingHandlerIsAFindingWithATrace) {
  const fs::path dir = scratch() / "throw-on-long-log";
  Result r = skiff({"explore", "raft", "--bug", "throw-on-long-log", "--runs", "20000", "--out", dir.string()});
  EXPECT_EQ(r.signal, 0) << r;
  EXPECT_EQ(r.status, kExitViolation) << r;
  EXPECT_NE(r.out.find("violation of node-survives at seed"), std::string::npos) << r;
  fs::path shrunk;
  for (const auto& entry : fs::directory_iterator(dir))
    if (entry.path().string().find(".full.") == std::string::npos) shrunk = entry.path();
  ASSERT_FALSE(shrunk.empty()) << r;
  EXPECT_NE(read_file(shrunk).find("violation node-survives: node "), std::string::npos);
  Result replay = skiff({"replay", shrunk.string()});
  EXPECT_EQ(replay.status, kExitViolation) << replay;
  EXPECT_NE(replay.out.find("violation node-survives: node "), std::string::npos) << replay;
  EXPECT_NE(replay.out.find("the protocol threw std::length_error"), std::string::npos) << replay;
}

// Every protocol is checked against node-survives.
TEST(Cli, ListsNodeSurvivesForEveryProtocol) {
  Result r = skiff({"list", "--json"});
  ASSERT_EQ(r.status, kExitOk) << r;
  const nlohmann::json list = nlohmann::json::parse(r.out);
  ASSERT_FALSE(list["protocols"].empty());
  for (const auto& protocol : list["protocols"]) {
    bool listed = false;
    for (const auto& invariant : protocol["invariants"]) listed |= invariant["name"] == "node-survives";
    EXPECT_TRUE(listed) << protocol["name"];
  }
}

#ifdef SKIFF_HAVE_LIBRAFT
// Without --out, explore, check and simulate write into skiff-out/ in the
// working directory (nothing else there), and what they print names it.
TEST(CliOutput, DefaultFolderIsSkiffOut) {
  const std::vector<std::pair<std::string, std::string>> commands{
      {"explore raft --bug commit-previous-term --seed 1735 --runs 20000", "skiff-out/raft-"},
      {"check raft --bug vote-without-log-check --max-depth 12 --max-commands 1", "skiff-out/raft-check.trace"},
      {"simulate '" + std::string(SKIFF_SOURCE_DIR) + "/corpus/scenarios/deaf-node.json' --runs 4",
       "skiff-out/deaf-node-1-bounded-liveness.trace"},
  };
  int n = 0;
  for (const auto& [command, path] : commands) {
    SCOPED_TRACE(command);
    const fs::path dir = scratch() / ("default-out-" + std::to_string(n++));
    fs::create_directories(dir);
    const std::string script = "cd '" + dir.string() + "' && '" + SKIFF_BINARY + "' " + command + " > ../stdout-" +
                               std::to_string(n) + " 2>&1";
    const int status = std::system(script.c_str());
    ASSERT_TRUE(WIFEXITED(status)) << script;
    EXPECT_EQ(WEXITSTATUS(status), kExitViolation) << script;
    std::vector<std::string> entries;
    for (const auto& entry : fs::directory_iterator(dir)) entries.push_back(entry.path().filename().string());
    EXPECT_EQ(entries, std::vector<std::string>{"skiff-out"});
    std::size_t traces = 0;
    for (const auto& entry : fs::directory_iterator(dir / "skiff-out"))
      traces += entry.path().extension() == ".trace";
    EXPECT_GE(traces, 1u);
    const std::string printed = read_file(scratch() / ("stdout-" + std::to_string(n)));
    EXPECT_NE(printed.find(path), std::string::npos) << printed;
  }
}

// canonical/raft (protocol libraft): the model checker searches it
// statelessly and writes a shortest counterexample that replays; flags it
// cannot honour are one line each; a crash of the library is a finding with
// a trace, not a crash of skiff.
TEST(Cli, CheckFindsALibraftFindingThatReplays) {
  const fs::path dir = scratch() / "libraft-check";
  Result r = skiff({"check", "libraft", "--variant", "timeout-now", "--max-depth", "6", "--out", dir.string()});
  EXPECT_EQ(r.status, kExitViolation) << r;
  EXPECT_NE(r.out.find("violation of truncate-only-on-conflict"), std::string::npos) << r;
  EXPECT_NE(r.out.find("shortest counterexample: 5 events"), std::string::npos) << r;
  Result replayed = skiff({"replay", (dir / "libraft-check.trace").string()});
  EXPECT_EQ(replayed.status, kExitViolation) << replayed;
}

// One --no-reduction for both searches; the explicit search reduces only
// with --reduction (sleep sets: the same states, fewer transitions).
TEST(Cli, CheckReducesTheExplicitSearchOnlyWhenAsked) {
  auto run = [](std::vector<std::string> extra) {
    std::vector<std::string> args = {"check", "raft", "--max-depth", "6", "--threads", "1", "--json"};
    args.insert(args.end(), extra.begin(), extra.end());
    Result r = skiff(args);
    EXPECT_EQ(r.status, 0) << r;
    return nlohmann::json::parse(r.out);
  };
  const nlohmann::json plain = run({}), reduced = run({"--reduction"}), unreduced = run({"--no-reduction"});
  EXPECT_EQ(plain["reduction"], false);
  EXPECT_EQ(unreduced["reduction"], false);
  EXPECT_EQ(reduced["reduction"], true);
  EXPECT_EQ(reduced["distinct_states"], plain["distinct_states"]);
  EXPECT_EQ(unreduced["generated_states"], plain["generated_states"]);
  EXPECT_LT(reduced["generated_states"].get<std::uint64_t>(), plain["generated_states"].get<std::uint64_t>());
}

TEST(Cli, CheckRefusesWhatTheStatelessSearchCannotDo) {
  const std::pair<std::vector<std::string>, std::string> cases[] = {
      {{"check", "libraft", "--symmetry"},
       "skiff: --symmetry: not for libraft, whose states are processes (a stateless search)\n"},
      {{"check", "libraft", "--ignore-invariant", "no-such"},
       "skiff: --ignore-invariant: libraft has no invariant 'no-such' (see 'skiff list')\n"},
      {{"check", "raft", "--reduction", "--no-reduction"}, "skiff: --reduction: not with --no-reduction\n"},
      {{"check", "raft", "--fork"}, "skiff: --fork: only for the stateless search of a library (libraft), not raft\n"},
  };
  for (const auto& [args, error] : cases) {
    Result r = skiff(args);
    EXPECT_EQ(r.status, kExitBadInput) << r;
    EXPECT_EQ(r.out, "") << r;
    EXPECT_EQ(r.err, error) << r;
  }
}

TEST(Cli, ALibraryCrashIsAFindingWithATrace) {
  const fs::path dir = scratch() / "libraft-crash";
  Result r = skiff({"explore", "libraft", "--seed", "3", "--runs", "1", "--out", dir.string()});
  EXPECT_EQ(r.signal, 0) << r;
  EXPECT_EQ(r.status, kExitViolation) << r;
  EXPECT_NE(r.out.find("violation of library-survives at seed 3"), std::string::npos) << r;
  const fs::path trace = dir / "libraft-3.trace";
  ASSERT_TRUE(fs::exists(trace)) << r;
  ASSERT_TRUE(fs::exists(dir / "libraft-3.full.trace")) << r;
  Result replay = skiff({"replay", trace.string()});
  EXPECT_EQ(replay.signal, 0) << replay;
  EXPECT_EQ(replay.status, kExitViolation) << replay;
  EXPECT_NE(replay.out.find("violation library-survives: node 2: the library crashed (SIGSEGV)"), std::string::npos)
      << replay;
}
#endif


// Fault profiles (checker/aim.hpp): chosen by --profile, listed by `skiff
// list`, named in the reproduce line, which reruns the same finding.
TEST(CliProfiles, BadProfileOrDepthIsOneLine) {
  expect_bad_usage({"explore", "raft", "--profile", "nemesis"}, "--profile: unknown profile 'nemesis'");
  expect_bad_usage({"explore", "raft", "--profile", "pct", "--pct-depth", "0"}, "--pct-depth");
  expect_bad_usage({"explore", "raft", "--profile", "pct", "--pct-depth", "17"}, "--pct-depth");
}

// skiff repeat takes explore's --profile and --pct-depth, says which it ran
// under, and refuses a bad one as explore does.
TEST(CliProfiles, RepeatUnderAProfile) {
  Result r = skiff({"repeat", "raft", "--profile", "pct", "--pct-depth", "4", "--runs", "5"});
  EXPECT_EQ(r.status, kExitOk) << r;
  EXPECT_EQ(r.out, "5 seeds (profile pct, pct depth 4), each run twice: the same events, byte for byte\n") << r;
  r = skiff({"repeat", "multi-paxos", "--profile", "minority-partition", "--runs", "5"});
  EXPECT_EQ(r.status, kExitOk) << r;
  EXPECT_EQ(r.out, "5 seeds (profile minority-partition), each run twice: the same events, byte for byte\n") << r;
  expect_bad_usage({"repeat", "raft", "--profile", "nemesis"}, "--profile: unknown profile 'nemesis' (uniform, ");
  expect_bad_usage({"repeat", "raft", "--profile", "pct", "--pct-depth", "17"}, "--pct-depth");
}

TEST(CliProfiles, ListedAndReproduced) {
  Result list = skiff({"list"});
  EXPECT_NE(list.out.find("fault profiles (skiff explore --profile NAME):"), std::string::npos) << list;
  EXPECT_NE(list.out.find("minority-partition"), std::string::npos) << list;
  const fs::path dir = scratch() / "profiles";
  Result r = skiff({"explore", "raft", "--bug", "commit-previous-term", "--profile", "pct", "--pct-depth", "4",
                    "--runs", "20000", "--out", dir.string()});
  ASSERT_EQ(r.status, kExitViolation) << r;
  const auto at = r.out.find("reproduce: ");
  ASSERT_NE(at, std::string::npos) << r;
  const std::string line = r.out.substr(at + 11, r.out.find('\n', at) - at - 11);
  EXPECT_NE(line.find("--profile pct --pct-depth 4 --seed "), std::string::npos) << line;
  std::vector<std::string> args;
  for (std::size_t i = 0, j; i < line.size(); i = j + 1) {
    j = line.find(' ', i);
    if (j == std::string::npos) j = line.size();
    args.push_back(line.substr(i, j - i));
  }
  args.erase(args.begin());  // "skiff"
  args.push_back("--out");
  args.push_back((dir / "again").string());
  Result again = skiff(args);
  EXPECT_EQ(again.status, kExitViolation) << again;
  EXPECT_EQ(again.out.substr(0, again.out.find('\n')), r.out.substr(0, r.out.find('\n')));
}

}  // namespace
}  // namespace skiff
