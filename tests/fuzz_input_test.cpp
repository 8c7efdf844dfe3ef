// Fuzzer inputs as choice sources: ByteChoices' byte format (checker/choice.hpp,
// docs/fuzzing.md), runs driven by bytes (ProtocolDriver::run_bytes,
// bytes_of_seed), and `skiff replay --fuzz-input` on the real binary
// (SKIFF_BINARY): a violating input gives exit 1 and a trace that plain
// `skiff replay` reproduces; any other bytes give a valid run; bad arguments
// give exit 2 and one line.
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fmt/format.h>

#include <fstream>
#include <map>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "checker/choice.hpp"
#include "checker/driver.hpp"
#include "checker/errors.hpp"
#include "checker/trace.hpp"
#include "fuzz/variant_list.hpp"

namespace skiff {
namespace {

namespace fs = std::filesystem;
using Bytes = std::vector<std::uint8_t>;

// ---- ByteChoices -------------------------------------------------------------------

// The decisions a sequence of below(n) calls makes on `bytes`.
std::vector<std::uint32_t> decide(const Bytes& bytes, const std::vector<std::uint32_t>& ranges) {
  ByteChoices choices(bytes);
  std::vector<std::uint32_t> out;
  for (std::uint32_t n : ranges) out.push_back(choices.below(n));
  return out;
}

TEST(ByteChoices, ReadsOneTwoOrFourBytesBigEndianModuloTheRange) {
  const Bytes bytes{7, 200, 0x01, 0x2C, 0x00, 0x01, 0x00, 0x05, 9};
  ByteChoices choices(bytes);
  EXPECT_EQ(choices.below(10), 7u);
  EXPECT_EQ(choices.below(3), 200u % 3);
  EXPECT_EQ(choices.below(1000), 0x012Cu);  // 300
  EXPECT_EQ(choices.below(100000), 0x00010005u % 100000);
  EXPECT_EQ(choices.bytes_read(), 8u);
  EXPECT_FALSE(choices.exhausted());
}

TEST(ByteChoices, AChoiceOfOneOrNoneReadsNothing) {
  const Bytes bytes{5};
  ByteChoices choices(bytes);
  EXPECT_EQ(choices.below(1), 0u);
  EXPECT_EQ(choices.below(0), 0u);
  EXPECT_EQ(choices.bytes_read(), 0u);
  EXPECT_EQ(choices.below(6), 5u);
}

TEST(ByteChoices, ChangingOneByteChangesOneDecision) {
  std::mt19937_64 rng(42);
  std::vector<std::uint32_t> ranges;
  for (int i = 0; i < 200; ++i) ranges.push_back(2 + std::uint32_t(rng() % 255));  // one byte each
  Bytes bytes(ranges.size());
  for (auto& b : bytes) b = std::uint8_t(rng());
  const auto before = decide(bytes, ranges);
  for (std::size_t at = 0; at < bytes.size(); ++at) {
    Bytes changed = bytes;
    changed[at] ^= 1;  // one more or one less, never wrapping
    const auto after = decide(changed, ranges);
    for (std::size_t i = 0; i < ranges.size(); ++i) {
      if (i == at)
        EXPECT_NE(after[i], before[i]) << "byte " << at;  // b and b±1 differ modulo n >= 2
      else
        EXPECT_EQ(after[i], before[i]) << "byte " << at << " changed decision " << i;
    }
  }
}

TEST(ByteChoices, ExhaustionGivesZerosAndIsFinal) {
  const Bytes bytes{3, 0x01};  // one byte choice, then half of a two-byte one
  ByteChoices choices(bytes);
  EXPECT_EQ(choices.below(10), 3u);
  EXPECT_FALSE(choices.exhausted());
  EXPECT_EQ(choices.below(1000), 0u);  // needs two bytes, one is left
  EXPECT_TRUE(choices.exhausted());
  EXPECT_EQ(choices.bytes_read(), bytes.size());
  EXPECT_EQ(choices.below(10), 0u);  // a one-byte choice does not read the leftover either
  EXPECT_TRUE(choices.exhausted());

  ByteChoices empty(Bytes{});
  EXPECT_EQ(empty.below(2), 0u);
  EXPECT_TRUE(empty.exhausted());
}

TEST(ByteChoices, PutWritesTheBytesThatDecideTheValue) {
  const std::uint32_t ranges[] = {2, 255, 256, 257, 65535, 65536, 65537, 4000000000u};
  std::mt19937_64 rng(7);
  Bytes bytes;
  std::vector<std::uint32_t> values, used;
  for (int round = 0; round < 50; ++round)
    for (std::uint32_t n : ranges) {
      const std::uint32_t v = std::uint32_t(rng() % n);
      ByteChoices::put(bytes, n, v);
      values.push_back(v);
      used.push_back(n);
    }
  ByteChoices choices(bytes);
  for (std::size_t i = 0; i < values.size(); ++i) ASSERT_EQ(choices.below(used[i]), values[i]) << i;
  EXPECT_EQ(choices.bytes_read(), bytes.size());
  EXPECT_FALSE(choices.exhausted());
}

TEST(ByteChoices, RecordingChoicesWritesWhatItPassesOn) {
  SeededChoices seeded(99), again(99);
  Bytes bytes;
  RecordingChoices recording(seeded, bytes);
  std::vector<std::uint32_t> ranges, decided;
  for (std::uint32_t i = 0; i < 300; ++i) {
    const std::uint32_t n = 1 + i * 977 % 70000;
    ranges.push_back(n);
    decided.push_back(recording.below(n));
    EXPECT_EQ(decided.back(), again.below(n));
  }
  EXPECT_EQ(decide(bytes, ranges), decided);
}

// ---- SKIFF_VARIANTS ------------------------------------------------------------------

TEST(VariantList, SplitsOnCommasAndKeepsNodeListsWithTheirSpec) {
  using fuzz::split_variant_list;
  using List = std::vector<std::string>;
  EXPECT_EQ(split_variant_list(""), List{});
  EXPECT_EQ(split_variant_list("pre-vote"), List{"pre-vote"});
  EXPECT_EQ(split_variant_list("pre-vote,check-quorum,passive=2"), (List{"pre-vote", "check-quorum", "passive=2"}));
  EXPECT_EQ(split_variant_list("passive=2,3,pre-vote,learner=1"), (List{"passive=2,3", "pre-vote", "learner=1"}));
  EXPECT_EQ(split_variant_list(",pre-vote,,backoff,"), (List{"pre-vote", "backoff"}));
  // Digits with no NAME=... before them stay a spec of their own, which
  // enable_variant then refuses by name.
  EXPECT_EQ(split_variant_list("2,pre-vote,3"), (List{"2", "pre-vote", "3"}));
}

// ---- runs driven by bytes ----------------------------------------------------------

TraceHeader header_for(const ProtocolDriver& driver, std::vector<std::string> bugs = {}, int nodes = 3) {
  return TraceHeader{std::string(driver.info().name), nodes, std::move(bugs), 0, Budgets{}};
}

const ProtocolDriver& protocol(std::string_view name) {
  const ProtocolDriver* driver = find_protocol(name);
  if (!driver) throw std::runtime_error("no protocol " + std::string(name));
  return *driver;
}

// The first seed from 1 whose run of `bug` violates an invariant, as explore
// finds it (found once per process: slow under the sanitizers).
FoundRun first_violation(std::string_view protocol_name, const std::string& bug, int nodes = 3) {
  static std::map<std::string, FoundRun> cache;
  const std::string key = fmt::format("{} {} {}", protocol_name, bug, nodes);
  if (auto it = cache.find(key); it != cache.end()) return it->second;
  ExploreConfig config;
  config.nodes = nodes;
  config.bugs = {bug};
  config.runs = 200000;
  ExploreOutcome outcome = protocol(protocol_name).explore(config);
  if (outcome.found.empty()) throw std::runtime_error("explore found no violation of " + bug);
  return cache[key] = outcome.found.front();
}

TEST(RunBytes, BytesOfASeedRepeatTheSeededRun) {
  for (std::string_view name : {"raft", "paxos", "multi-paxos", "multi-paxos-serial"}) {
    SCOPED_TRACE(std::string(name));
    const ProtocolDriver& driver = protocol(name);
    for (std::uint64_t seed = 1; seed <= 20; ++seed) {
      ExploreConfig config;
      config.seed = seed;
      config.runs = 1;
      config.keep_going = true;
      const ExploreOutcome seeded = driver.explore(config);
      const Bytes bytes = driver.bytes_of_seed(header_for(driver), seed, {});
      const ByteRun run = driver.run_bytes(header_for(driver), bytes, {});
      EXPECT_EQ(run.bytes_read, bytes.size()) << seed;
      EXPECT_EQ(run.events.size(), seeded.events) << seed;
      EXPECT_FALSE(run.violation) << seed;  // the correct protocol
      EXPECT_FALSE(run.events.empty());
    }
  }
}

// Under a fault profile (skiff repeat --profile): the bytes of a seed are
// the profiled run's, so run_bytes under the same profile repeats the run
// explore makes of that seed, and the profile's draws are among the bytes
// (they differ from the uniform run's for some seed).
TEST(RunBytes, BytesOfASeedUnderAProfileRepeatTheProfiledRun) {
  const ProtocolDriver& driver = protocol("raft");
  for (const AimConfig aim : {AimConfig{Profile::Pct, 4}, AimConfig{Profile::CrashAfterAppend, kDefaultPctDepth},
                              AimConfig{Profile::Mix, 2}}) {
    SCOPED_TRACE(std::string(profile_name(aim.profile)));
    bool differs_from_uniform = false;
    for (std::uint64_t seed = 1; seed <= 10; ++seed) {
      ExploreConfig config;
      config.seed = seed;
      config.runs = 1;
      config.keep_going = true;
      config.aim = aim;
      const ExploreOutcome seeded = driver.explore(config);
      const Bytes bytes = driver.bytes_of_seed(header_for(driver), seed, aim);
      const ByteRun run = driver.run_bytes(header_for(driver), bytes, aim);
      EXPECT_EQ(run.bytes_read, bytes.size()) << seed;
      EXPECT_EQ(run.events.size(), seeded.events) << seed;
      EXPECT_FALSE(run.violation) << seed;
      differs_from_uniform |= bytes != driver.bytes_of_seed(header_for(driver), seed, {});
    }
    EXPECT_TRUE(differs_from_uniform);
  }
}

TEST(RunBytes, AViolatingSeedsBytesViolateTheSameWay) {
  const FoundRun found = first_violation("raft", "vote-without-log-check");
  const ProtocolDriver& driver = protocol("raft");
  const TraceHeader header = header_for(driver, {"vote-without-log-check"});
  const ByteRun run = driver.run_bytes(header, driver.bytes_of_seed(header, found.seed, {}), {});
  ASSERT_TRUE(run.violation);
  EXPECT_EQ(run.violation->invariant, found.violation.invariant);
  EXPECT_EQ(run.events.size(), found.events.size());
}

TEST(RunBytes, APrefixOfTheBytesIsAPrefixOfTheRun) {
  const ProtocolDriver& driver = protocol("raft");
  const TraceHeader header = header_for(driver);
  const Bytes bytes = driver.bytes_of_seed(header, 5, {});
  const ByteRun whole = driver.run_bytes(header, bytes, {});
  std::size_t previous = 0;
  for (std::size_t cut = 0; cut <= bytes.size(); cut += 7) {
    const ByteRun part = driver.run_bytes(header, std::span(bytes).first(cut), {});
    ASSERT_LE(part.events.size(), whole.events.size());
    for (std::size_t i = 0; i < part.events.size(); ++i)
      ASSERT_EQ(format_event(part.events[i], ""), format_event(whole.events[i], "")) << cut << " " << i;
    EXPECT_GE(part.events.size(), previous) << cut;
    EXPECT_LE(part.bytes_read, cut);
    previous = part.events.size();
  }
  EXPECT_TRUE(driver.run_bytes(header, {}, {}).events.empty());
  EXPECT_LT(driver.run_bytes(header, std::span(bytes).first(bytes.size() / 2), {}).events.size(), whole.events.size());
}

TEST(RunBytes, AnyBytesAreAValidRunOfAtMostTheStepBudget) {
  std::mt19937_64 rng(3);
  for (std::string_view name : {"raft", "paxos", "multi-paxos"}) {
    const ProtocolDriver& driver = protocol(name);
    TraceHeader header = header_for(driver, {}, 5);
    header.budgets.steps = 60;
    for (int i = 0; i < 50; ++i) {
      Bytes bytes(rng() % 400);
      for (auto& b : bytes) b = std::uint8_t(rng());
      const ByteRun run = driver.run_bytes(header, bytes, {});
      EXPECT_LE(run.events.size(), 60u);
      EXPECT_LE(run.bytes_read, bytes.size());
      // Every event was enabled: the trace of the run replays strictly.
      const Trace trace = driver.make_trace(header, run.events);
      const ReplayReport report = driver.replay(trace, "", nullptr);
      EXPECT_FALSE(report.divergence) << name << " " << i;
      EXPECT_EQ(report.events_replayed, run.events.size());
    }
  }
}

// The committed seed inputs (corpus/README.md): runs of the correct protocol,
// so none violates anything, and each reads all of its bytes; the trace
// parser's seeds are traces that replay.
TEST(Corpus, SeedInputsAreViolationFreeRunsAndTracesReplay) {
  const fs::path corpus = fs::path(SKIFF_SOURCE_DIR) / "corpus";
  std::vector<std::string_view> protocols{"raft", "paxos", "multi-paxos", "multi-paxos-serial"};
#if SKIFF_HAVE_LIBRAFT
  protocols.push_back("libraft");  // with disk faults; runs without a finding
#endif
  for (std::string_view name : protocols) {
    const ProtocolDriver& driver = protocol(name);
    std::size_t seeds = 0;
    for (const auto& entry : fs::directory_iterator(corpus / name)) {
      std::ifstream in(entry.path(), std::ios::binary);
      const Bytes bytes{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
      const ByteRun run = driver.run_bytes(header_for(driver), bytes, {});
      EXPECT_FALSE(run.violation) << entry.path();
      EXPECT_EQ(run.bytes_read, bytes.size()) << entry.path();
      EXPECT_GE(run.events.size(), 40u) << entry.path();
      ++seeds;
    }
    EXPECT_GE(seeds, 8u) << name;
  }
  std::size_t traces = 0;
  for (const auto& entry : fs::directory_iterator(corpus / "trace-parser")) {
    std::ifstream in(entry.path(), std::ios::binary);
    const std::string text{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
    const Trace trace = parse_trace(text, entry.path().string());
    const ReplayReport report = protocol(trace.header.protocol).replay(trace, entry.path().string(), nullptr);
    EXPECT_FALSE(report.divergence) << entry.path();
    EXPECT_EQ(report.events_replayed, trace.events.size()) << entry.path();
    EXPECT_EQ(bool(report.violation), bool(trace.violation)) << entry.path();
    ++traces;
  }
  EXPECT_GE(traces, 4u);
}

// ---- skiff replay --fuzz-input ------------------------------------------------------

struct Result {
  int status = -1;
  std::string out, err;
};

std::string read_file(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream buffer;
  buffer << in.rdbuf();
  return buffer.str();
}

void write_bytes(const fs::path& path, const Bytes& bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(reinterpret_cast<const char*>(bytes.data()), std::streamsize(bytes.size()));
}

class FuzzInputCli : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string pattern = (fs::temp_directory_path() / "skiff-fuzz-input-test-XXXXXX").string();
    ASSERT_NE(mkdtemp(pattern.data()), nullptr);
    dir_ = pattern;
  }
  void TearDown() override {
    std::error_code ignored;
    fs::remove_all(dir_, ignored);
  }

  // Runs `skiff ARGS` (words without spaces or quotes), stdin from /dev/null.
  // A status of 128 or more is the shell's report of a signal: a crash.
  Result skiff(const std::vector<std::string>& args) {
    std::string command = SKIFF_BINARY;
    for (const std::string& arg : args) command += " '" + arg + "'";
    const fs::path out = dir_ / "stdout", err = dir_ / "stderr";
    command += " </dev/null >'" + out.string() + "' 2>'" + err.string() + "'";
    const int status = std::system(command.c_str());
    Result r;
    if (WIFEXITED(status)) r.status = WEXITSTATUS(status);
    r.out = read_file(out);
    r.err = read_file(err);
    return r;
  }

  fs::path dir_;
};

std::ostream& operator<<(std::ostream& o, const Result& r) {
  return o << "status " << r.status << "\n--- stdout\n"
           << r.out.substr(0, 2000) << "--- stderr\n"
           << r.err.substr(0, 2000) << "---";
}

bool one_line(const std::string& text) {
  return !text.empty() && text.find('\n') == text.size() - 1 && text.rfind("skiff: ", 0) == 0;
}

TEST_F(FuzzInputCli, AViolatingInputGivesAShrunkTraceThatReplays) {
  const FoundRun found = first_violation("raft", "vote-without-log-check");
  const ProtocolDriver& driver = protocol("raft");
  const Bytes bytes = driver.bytes_of_seed(header_for(driver, {"vote-without-log-check"}), found.seed, {});
  write_bytes(dir_ / "crash-1", bytes);

  const Result r = skiff({"replay", "--fuzz-input", (dir_ / "crash-1").string(), "--protocol", "raft", "--bug",
                          "vote-without-log-check", "-o", (dir_ / "crash.trace").string()});
  ASSERT_EQ(r.status, kExitViolation) << r;
  EXPECT_NE(r.err.find("violation " + found.violation.invariant), std::string::npos) << r;
  EXPECT_NE(r.err.find("shrunk to"), std::string::npos) << r;

  const Trace trace = parse_trace(read_file(dir_ / "crash.trace"), "crash.trace");
  ASSERT_TRUE(trace.violation);
  EXPECT_EQ(trace.violation->invariant, found.violation.invariant);
  EXPECT_EQ(trace.header.bugs, std::vector<std::string>{"vote-without-log-check"});
  EXPECT_LT(trace.events.size(), found.events.size());  // shrunk

  const Result replayed = skiff({"replay", (dir_ / "crash.trace").string()});
  EXPECT_EQ(replayed.status, kExitViolation) << replayed;
  EXPECT_NE(replayed.out.find("violation " + found.violation.invariant), std::string::npos) << replayed;

  // The same input, written to stdout: the same trace, byte for byte.
  const Result again = skiff({"replay", "--fuzz-input", (dir_ / "crash-1").string(), "--protocol", "raft", "--bug",
                              "vote-without-log-check"});
  EXPECT_EQ(again.status, kExitViolation) << again;
  EXPECT_EQ(again.out, read_file(dir_ / "crash.trace"));
}

TEST_F(FuzzInputCli, WithoutTheBugTheSameInputViolatesNothing) {
  const FoundRun found = first_violation("raft", "vote-without-log-check");
  const ProtocolDriver& driver = protocol("raft");
  write_bytes(dir_ / "input", driver.bytes_of_seed(header_for(driver, {"vote-without-log-check"}), found.seed, {}));
  const Result r = skiff({"replay", "--fuzz-input", (dir_ / "input").string(), "--protocol", "raft", "-o",
                          (dir_ / "out.trace").string()});
  EXPECT_EQ(r.status, kExitOk) << r;
  EXPECT_EQ(skiff({"replay", (dir_ / "out.trace").string()}).status, kExitOk);
}

TEST_F(FuzzInputCli, PaxosInputsWithNodesAndBugs) {
  const FoundRun found = first_violation("paxos", "accept-below-promise", 5);
  const ProtocolDriver& driver = protocol("paxos");
  write_bytes(dir_ / "crash-p",
              driver.bytes_of_seed(header_for(driver, {"accept-below-promise"}, 5), found.seed, {}));
  const Result r = skiff({"replay", "--fuzz-input", (dir_ / "crash-p").string(), "--protocol", "paxos", "--nodes",
                          "5", "--bug", "accept-below-promise", "-o", (dir_ / "p.trace").string()});
  ASSERT_EQ(r.status, kExitViolation) << r;
  const Trace trace = parse_trace(read_file(dir_ / "p.trace"), "p.trace");
  EXPECT_EQ(trace.header.nodes, 5);
  EXPECT_EQ(skiff({"replay", (dir_ / "p.trace").string()}).status, kExitViolation);
}

TEST_F(FuzzInputCli, EmptyAndGarbageInputsAreValidRuns) {
  write_bytes(dir_ / "empty", {});
  const Result empty = skiff({"replay", "--fuzz-input", (dir_ / "empty").string(), "--protocol", "raft"});
  EXPECT_EQ(empty.status, kExitOk) << empty;
  EXPECT_EQ(parse_trace(empty.out, "stdout").events.size(), 0u);

  std::mt19937_64 rng(11);
  for (const char* name : {"raft", "paxos", "multi-paxos"}) {
    for (int i = 0; i < 2; ++i) {  // each run is shrunk if it violates: slow under the sanitizers
      Bytes garbage(1 + rng() % 2000);
      for (auto& b : garbage) b = std::uint8_t(rng());
      write_bytes(dir_ / "garbage", garbage);
      const fs::path trace = dir_ / "garbage.trace";
      const Result r = skiff({"replay", "--fuzz-input", (dir_ / "garbage").string(), "--protocol", name, "--bug",
                              name == std::string("raft") ? "commit-previous-term" : "accept-below-promise",
                              "-o", trace.string()});
      ASSERT_TRUE(r.status == kExitOk || r.status == kExitViolation) << name << " " << r;
      const Result replayed = skiff({"replay", trace.string()});
      EXPECT_EQ(replayed.status, r.status) << replayed;
    }
  }
}

// A crash input of the raft target run with SKIFF_VARIANTS: `--variant` for
// each spec gives the same run, so the same shrunk trace, which names the
// variants and replays on its own; the same bytes without the variants are
// another run.
TEST_F(FuzzInputCli, ASeededBugWithVariantsIsFoundThroughTheFuzzInput) {
  const std::vector<std::string> variants{"pre-vote", "check-quorum", "passive=3"};
  ExploreConfig config;
  config.bugs = {"vote-without-log-check"};
  config.variants = variants;
  config.runs = 200000;
  const ProtocolDriver& driver = protocol("raft");
  const ExploreOutcome outcome = driver.explore(config);
  ASSERT_FALSE(outcome.found.empty());
  const FoundRun& found = outcome.found.front();
  TraceHeader header = header_for(driver, config.bugs);
  header.variants = variants;
  const Bytes bytes = driver.bytes_of_seed(header, found.seed, {});
  write_bytes(dir_ / "crash-v", bytes);

  const std::vector<std::string> args{"replay", "--fuzz-input", (dir_ / "crash-v").string(), "--protocol", "raft",
                                      "--bug", "vote-without-log-check", "--variant", "pre-vote", "--variant",
                                      "check-quorum", "--variant", "passive=3"};
  std::vector<std::string> to_file = args;
  to_file.insert(to_file.end(), {"-o", (dir_ / "v.trace").string()});
  const Result r = skiff(to_file);
  ASSERT_EQ(r.status, kExitViolation) << r;
  EXPECT_NE(r.err.find("violation " + found.violation.invariant), std::string::npos) << r;
  const std::string text = read_file(dir_ / "v.trace");
  EXPECT_NE(text.find("\nvariants pre-vote check-quorum passive=3\n"), std::string::npos) << text;
  const Trace trace = parse_trace(text, "v.trace");
  EXPECT_EQ(trace.header.variants, variants);
  ASSERT_TRUE(trace.violation);
  EXPECT_EQ(trace.violation->invariant, found.violation.invariant);
  EXPECT_LE(trace.events.size(), found.events.size());
  const Result replayed = skiff({"replay", (dir_ / "v.trace").string()});
  EXPECT_EQ(replayed.status, kExitViolation) << replayed;

  // Deterministic: the same input and flags, the same trace byte for byte.
  const Result again = skiff(args);
  EXPECT_EQ(again.status, kExitViolation) << again;
  EXPECT_EQ(again.out, text);

  // The variants are part of the run: without them the bytes decide another one.
  const ByteRun with = driver.run_bytes(header, bytes, {});
  const ByteRun without = driver.run_bytes(header_for(driver, config.bugs), bytes, {});
  ASSERT_TRUE(with.violation);
  std::string with_events, without_events;
  for (const Event& e : with.events) with_events += format_event(e, "") + "\n";
  for (const Event& e : without.events) without_events += format_event(e, "") + "\n";
  EXPECT_NE(with_events, without_events);
}

// A run of the correct protocol with variants (no violation): the whole run
// is written, with its variants line, and replays to its end.
TEST_F(FuzzInputCli, AnInputWithVariantsReplaysDeterministically) {
  const ProtocolDriver& driver = protocol("raft");
  TraceHeader header = header_for(driver, {}, 5);
  header.variants = {"check-quorum", "learner=4,5"};
  const Bytes bytes = driver.bytes_of_seed(header, 17, {});
  write_bytes(dir_ / "input", bytes);
  const std::vector<std::string> args{"replay", "--fuzz-input", (dir_ / "input").string(), "--protocol", "raft",
                                      "--nodes", "5", "--variant", "check-quorum", "--variant", "learner=4,5"};
  const Result first = skiff(args), second = skiff(args);
  ASSERT_EQ(first.status, kExitOk) << first;
  EXPECT_EQ(second.out, first.out);
  const Trace trace = parse_trace(first.out, "stdout");
  EXPECT_EQ(trace.header.variants, header.variants);
  EXPECT_EQ(trace.events.size(), driver.run_bytes(header, bytes, {}).events.size());
  EXPECT_GE(trace.events.size(), 40u);
  write_bytes(dir_ / "run.trace", Bytes(first.out.begin(), first.out.end()));
  const Result replayed = skiff({"replay", (dir_ / "run.trace").string()});
  EXPECT_EQ(replayed.status, kExitOk) << replayed;
}

// An input fuzzed under a fault profile (SKIFF_PROFILE) replays under it
// with --profile: the profile's own choices read bytes too, so the same
// input is another run without it. Both runs' traces replay.
TEST_F(FuzzInputCli, AnInputReplaysUnderTheProfileItWasFuzzedWith) {
  std::mt19937_64 random(7);
  Bytes bytes(3000);
  for (auto& b : bytes) b = std::uint8_t(random());
  write_bytes(dir_ / "input", bytes);
  const std::string input = (dir_ / "input").string();
  const Result aimed = skiff({"replay", "--fuzz-input", input, "--protocol", "raft", "--nodes", "5", "--profile",
                              "isolate-after-append", "-o", (dir_ / "aimed.trace").string()});
  ASSERT_LE(aimed.status, kExitViolation) << aimed;
  const Result plain = skiff({"replay", "--fuzz-input", input, "--protocol", "raft", "--nodes", "5", "-o",
                              (dir_ / "plain.trace").string()});
  ASSERT_LE(plain.status, kExitViolation) << plain;
  EXPECT_NE(read_file(dir_ / "aimed.trace"), read_file(dir_ / "plain.trace"));
  EXPECT_LE(skiff({"replay", (dir_ / "aimed.trace").string()}).status, kExitViolation);
  const Result again = skiff({"replay", "--fuzz-input", input, "--protocol", "raft", "--nodes", "5", "--profile",
                              "isolate-after-append"});
  EXPECT_EQ(again.out, read_file(dir_ / "aimed.trace"));
}

TEST_F(FuzzInputCli, BadArgumentsAreOneLineAndExitTwo) {
  write_bytes(dir_ / "input", {1, 2, 3});
  const std::string input = (dir_ / "input").string();
  const std::vector<std::vector<std::string>> cases = {
      {"replay", "--fuzz-input", (dir_ / "missing").string(), "--protocol", "raft"},
      {"replay", "--fuzz-input", dir_.string(), "--protocol", "raft"},
      {"replay", "--fuzz-input", input, "--protocol", "zab"},
      {"replay", "--fuzz-input", input},
      {"replay", "--fuzz-input", input, "--protocol", "raft", "--bug", "nope"},
      {"replay", "--fuzz-input", input, "--protocol", "raft", "--nodes", "11"},
      {"replay", "--fuzz-input", input, "--protocol", "paxos", "--nodes", "8"},
      {"replay", "--fuzz-input", input, "--protocol", "raft", "--variant", "no-such-variant"},
      {"replay", "--fuzz-input", input, "--protocol", "raft", "--variant", "passive=4"},
      {"replay", "--fuzz-input", input, "--protocol", "paxos", "--variant", "pre-vote"},
      {"replay", input, "--variant", "pre-vote"},
      {"replay", "--fuzz-input", input, "--protocol", "raft", "--steps", "x"},
      {"replay", "--fuzz-input", input, "--protocol", "raft", "--profile", "nemesis"},
      {"replay", "--fuzz-input", input, "--protocol", "raft", "--profile", "pct", "--pct-depth", "0"},
      {"replay", input, "--profile", "pct"},
      {"replay", "--protocol", "raft"},
      {"replay", "--fuzz-input", input, "--protocol", "raft", "-o", (dir_ / "no" / "such" / "dir").string()},
  };
  for (const auto& args : cases) {
    const Result r = skiff(args);
    EXPECT_EQ(r.status, kExitBadInput) << ::testing::PrintToString(args) << "\n" << r;
    EXPECT_TRUE(one_line(r.err)) << ::testing::PrintToString(args) << "\n" << r;
  }
  const Result missing = skiff(cases[0]);
  EXPECT_NE(missing.err.find((dir_ / "missing").string()), std::string::npos) << missing;
}

}  // namespace
}  // namespace skiff
