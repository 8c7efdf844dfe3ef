// The trace viewer's page builder (checker/html_view.hpp) and its command-line
// flags: the data the page draws matches the trace (one arrow per delivered
// message, from the event that sent it), the violation is there, the page is
// self-contained and deterministic; `replay --html` and `explore --html`
// write pages and refuse bad paths with exit status 2 and one line.
// The page's script itself is tested in a browser: tests/browser_test.py.
#include <fmt/format.h>
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "checker/driver.hpp"
#include "checker/html_view.hpp"
#include "checker/trace.hpp"

namespace skiff {
namespace {

namespace fs = std::filesystem;

const std::string kFigure8 = std::string(SKIFF_SOURCE_DIR) + "/corpus/regressions/raft-commit-previous-term-3-nodes.trace";

std::string read_file(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream buffer;
  buffer << in.rdbuf();
  return buffer.str();
}

std::size_t count(const std::string& text, const std::string& what) {
  std::size_t n = 0;
  for (std::size_t at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
  return n;
}

// The first violating trace that exploring `protocol` with `bug` finds from
// seed `first_seed` on, unshrunk (so it keeps its faults: drops, duplicates,
// crashes, cuts).
Trace found_trace(const std::string& protocol, const std::string& bug, std::uint64_t first_seed,
                  std::uint64_t runs) {
  const ProtocolDriver* driver = find_protocol(protocol);
  EXPECT_NE(driver, nullptr);
  ExploreConfig config;
  config.bugs = {bug};
  config.seed = first_seed;
  config.runs = runs;
  config.jobs = 1;
  ExploreOutcome outcome = driver->explore(config);
  EXPECT_FALSE(outcome.found.empty()) << protocol << " --bug " << bug;
  if (outcome.found.empty()) return {};
  TraceHeader header{protocol, config.nodes, config.bugs, outcome.found[0].seed, config.budgets};
  return driver->make_trace(header, outcome.found[0].events);
}

// What the page's data says agrees with the trace: one step per event after
// the boot, each delivery's message sent by an earlier event of its sender,
// each drop and duplicate of a message in flight, the links down as the
// cuts and heals left them, and the violation the trace's footer names.
void expect_data_matches(const nlohmann::json& data, const Trace& trace) {
  const nlohmann::json& steps = data.at("steps");
  const nlohmann::json& messages = data.at("messages");
  ASSERT_EQ(steps.size(), trace.events.size() + 1);
  EXPECT_EQ(steps[0].at("kind"), "boot");
  std::size_t delivered_in_trace = 0, delivered_records = 0;
  std::set<std::pair<int, int>> down;
  for (std::size_t row = 1; row < steps.size(); ++row) {
    const nlohmann::json& s = steps[row];
    const TraceEvent& e = trace.events[row - 1];
    SCOPED_TRACE(fmt::format("row {}: {}", row, format_event(e.event, e.detail)));
    EXPECT_EQ(s.at("text"), format_event(e.event, e.detail));
    EXPECT_EQ(s.at("kind"), std::string(event_kind_name(e.event.kind)));
    EXPECT_EQ(s.at("states").size(), std::size_t(trace.header.nodes));
    if (is_message_event(e.event.kind)) {
      const int record = s.at("msg");
      ASSERT_GE(record, 0);
      const nlohmann::json& m = messages[std::size_t(record)];
      EXPECT_EQ(m.at("id"), format_message_id(e.event.message));
      EXPECT_EQ(m.at("text"), e.detail);
      const int sent = m.at("sent");
      ASSERT_LT(sent, int(row));
      const nlohmann::json& sender = steps[std::size_t(sent)];
      // Sent at boot, by an event at the sender, or copied by a duplicate.
      const bool by_sender = sender.at("kind") == "boot" ||
                             (sender.at("kind") != "duplicate" && sender.contains("node") &&
                              ((sender.at("kind") == "deliver" && sender.at("peer") == m.at("from")) ||
                               (sender.at("kind") != "deliver" && sender.at("node") == m.at("from"))));
      const bool by_duplicate = sender.at("kind") == "duplicate" && m.at("origin") != -1;
      EXPECT_TRUE(by_sender || by_duplicate) << m.dump() << "\nsent by " << sender.dump();
      if (e.event.kind == EventKind::Deliver) {
        ++delivered_in_trace;
        EXPECT_EQ(m.at("end"), int(row));
        EXPECT_EQ(m.at("fate"), "delivered");
      }
      if (e.event.kind == EventKind::Drop) {
        EXPECT_EQ(m.at("fate"), "dropped");
      }
      if (e.event.kind == EventKind::Duplicate) {
        ASSERT_TRUE(s.contains("copy"));
        EXPECT_EQ(messages[s.at("copy").get<std::size_t>()].at("origin"), record);
      }
    }
    if (e.event.kind == EventKind::Cut) down.insert({e.event.node, e.event.peer});
    if (e.event.kind == EventKind::Heal) down.erase({e.event.node, e.event.peer});
    std::set<std::pair<int, int>> shown;
    for (const auto& link : s.at("down")) shown.insert({link[0].get<int>(), link[1].get<int>()});
    EXPECT_EQ(shown, down);
  }
  for (const auto& m : messages) delivered_records += m.at("fate") == "delivered";
  EXPECT_EQ(delivered_records, delivered_in_trace);
  ASSERT_TRUE(trace.violation.has_value());
  ASSERT_FALSE(data.at("violation").is_null());
  EXPECT_EQ(data.at("violation").at("invariant"), trace.violation->invariant);
  EXPECT_EQ(data.at("violation").at("explanation"), trace.violation->explanation);
  EXPECT_EQ(data.at("violation").at("step"), int(trace.events.size()));
}

// Nothing the browser would fetch: no address, no external script or
// style sheet, no import; url(...) only for the page's own #markers.
void expect_self_contained(const std::string& page) {
  EXPECT_EQ(page.find("http://"), std::string::npos);
  EXPECT_EQ(page.find("https://"), std::string::npos);
  EXPECT_EQ(page.find("<script src"), std::string::npos);
  EXPECT_EQ(page.find("<link"), std::string::npos);
  EXPECT_EQ(page.find("@import"), std::string::npos);
  EXPECT_EQ(page.find("src="), std::string::npos);
  EXPECT_EQ(page.find("href="), std::string::npos);
  for (std::size_t at = page.find("url("); at != std::string::npos; at = page.find("url(", at + 1))
    EXPECT_EQ(page.compare(at, 5, "url(#"), 0) << page.substr(at, 40);
  EXPECT_EQ(page.rfind("<!DOCTYPE html>", 0), 0u);
  EXPECT_EQ(count(page, "<script"), 3u);  // the error recorder, the data, the drawing
}

TEST(HtmlView, Figure8PageHasOneArrowPerDeliveryAndTheViolation) {
  const Trace trace = read_trace_file(kFigure8);
  const ProtocolDriver& driver = *find_protocol("raft");
  ReplayReport report;
  const nlohmann::json data = view_data(driver, trace, kFigure8, &report);
  EXPECT_FALSE(report.divergence);
  ASSERT_TRUE(report.violation);
  expect_data_matches(data, trace);
  std::size_t deliver_lines = count(read_file(kFigure8), "\ndeliver ");
  EXPECT_EQ(deliver_lines, 8u);  // the file, counted independently of the parser
  std::size_t deliveries = 0;
  for (const auto& s : data.at("steps")) deliveries += s.at("kind") == "deliver";
  EXPECT_EQ(deliveries, deliver_lines);
  // Each node's own print, as `replay --verbose` shows it (without "nN ").
  EXPECT_EQ(data.at("steps").back().at("states")[2], "leader t3 vote=3 log=[1:6] commit=1 applied=1 match=[0 1 1]");

  const std::string page = render_html(data);
  expect_self_contained(page);
  EXPECT_NE(page.find(trace.violation->explanation), std::string::npos);
  EXPECT_NE(page.find("<title>skiff: raft (3 nodes, bug commit-previous-term, seed 1735): commit-current-term-on-majority</title>"),
            std::string::npos);
}

TEST(HtmlView, SameTraceSameBytes) {
  const Trace trace = read_trace_file(kFigure8);
  const ProtocolDriver& driver = *find_protocol("raft");
  const std::string page = build_html_page(driver, trace, kFigure8);
  EXPECT_GT(page.size(), 10000u);
  EXPECT_TRUE(page == build_html_page(driver, trace, "elsewhere.trace"));
}

TEST(HtmlView, EveryKindOfFaultInRaftAndPaxosTraces) {
  // Unshrunk traces, with faults of every kind between them.
  std::set<std::string> kinds;
  // (Seeds start near where each was found, to keep the test short under ASan.)
  struct Case {
    std::string protocol, bug;
    std::uint64_t first_seed;
  };
  for (const auto& [protocol, bug, first_seed] : std::vector<Case>{{"raft", "commit-previous-term", 1700},
                                                                  {"raft", "forget-vote-on-restart", 1},
                                                                  {"raft", "commit-to-leader-commit", 266},
                                                                  {"raft", "accept-stale-vote-reply", 1},
                                                                  {"paxos", "accept-below-promise", 1},
                                                                  {"multi-paxos", "forget-accepted-on-restart", 1},
                                                                  {"multi-paxos-serial", "ignore-accepted-values", 1}}) {
    SCOPED_TRACE(fmt::format("{} --bug {}", protocol, bug));
    const Trace trace = found_trace(protocol, bug, first_seed, 20000);
    if (trace.events.empty()) continue;
    for (const TraceEvent& e : trace.events) kinds.insert(std::string(event_kind_name(e.event.kind)));
    const nlohmann::json data = view_data(*find_protocol(protocol), trace, "t.trace");
    expect_data_matches(data, trace);
    const std::string page = render_html(data);
    expect_self_contained(page);
    EXPECT_NE(page.find(trace.violation->explanation), std::string::npos);
  }
  // The traces did exercise every kind of event.
  for (const char* kind : {"deliver", "drop", "duplicate", "timer", "crash", "restart", "cut", "heal", "client"})
    EXPECT_TRUE(kinds.count(kind)) << kind;
}

TEST(HtmlView, DataCannotCloseTheScriptElement) {
  const Trace trace = read_trace_file(kFigure8);
  nlohmann::json data = view_data(*find_protocol("raft"), trace, kFigure8);
  data["violation"]["explanation"] = "</script><script>alert(1)</script> & <!--";
  const std::string page = render_html(data);
  EXPECT_EQ(page.find("alert(1)</script>"), std::string::npos);
  EXPECT_EQ(page.find("<!--"), std::string::npos);
  EXPECT_NE(page.find("\\u003c/script\\u003e\\u003cscript\\u003ealert(1)"), std::string::npos);
  EXPECT_EQ(count(page, "</script>"), 3u);
}

TEST(HtmlView, TraceThatStopsReplayingShowsWhere) {
  std::string text = read_file(kFigure8);
  const std::string line = "client 3 6\n";
  text.erase(text.find(line), line.size());  // the command is never taken: the AppendEntries carrying it never sent
  const Trace trace = parse_trace(text, "cut.trace");
  ReplayReport report;
  const nlohmann::json data = view_data(*find_protocol("raft"), trace, "cut.trace", &report);
  ASSERT_TRUE(report.divergence);
  ASSERT_FALSE(data.at("divergence").is_null());
  EXPECT_EQ(data.at("divergence").at("line"), 11);
  EXPECT_EQ(data.at("steps").size(), 4u);  // boot and the three events before it
  EXPECT_TRUE(data.at("violation").is_null());
}

// ---- the command line ----------------------------------------------------------------

struct CliRun {
  int status = -1;
  std::string out, err;
};

const fs::path& scratch() {
  static const fs::path dir = [] {
    std::string pattern = (fs::temp_directory_path() / "skiff-html-test-XXXXXX").string();
    if (!mkdtemp(pattern.data())) throw std::runtime_error("mkdtemp failed");
    return fs::path(pattern);
  }();
  return dir;
}

std::string quote(const std::string& word) {
  std::string out = "'";
  for (char c : word) {
    if (c == '\'')
      out += "'\\''";
    else
      out += c;
  }
  out += '\'';
  return out;
}

CliRun skiff(const std::vector<std::string>& args) {
  static int calls = 0;
  const fs::path out = scratch() / fmt::format("out-{}", calls);
  const fs::path err = scratch() / fmt::format("err-{}", calls++);
  std::string command = quote(SKIFF_BINARY);
  for (const std::string& a : args) command += fmt::format(" {}", quote(a));
  command += fmt::format(" </dev/null >{} 2>{}", quote(out.string()), quote(err.string()));
  const int status = std::system(command.c_str());
  CliRun run;
  if (WIFEXITED(status)) run.status = WEXITSTATUS(status);
  run.out = read_file(out);
  run.err = read_file(err);
  return run;
}

void expect_one_line_error(const CliRun& r, const std::string& words) {
  EXPECT_EQ(r.status, 2) << r.err;
  EXPECT_EQ(count(r.err, "\n"), 1u) << r.err;
  EXPECT_EQ(r.err.rfind("skiff: ", 0), 0u) << r.err;
  EXPECT_NE(r.err.find(words), std::string::npos) << r.err;
}

TEST(HtmlCli, ReplayWritesThePageAndKeepsItsExitStatus) {
  const fs::path page = scratch() / "figure-8.html";
  CliRun r = skiff({"replay", kFigure8, "--html", page.string()});
  EXPECT_EQ(r.status, 1) << r.err;
  EXPECT_EQ(r.err, "");
  const std::string html = read_file(page);
  EXPECT_TRUE(html == build_html_page(*find_protocol("raft"), read_trace_file(kFigure8), kFigure8));
  // Without --html, replay says the same.
  EXPECT_EQ(skiff({"replay", kFigure8}).out, r.out);
}

TEST(HtmlCli, BadHtmlPathIsExitTwoWithOneLine) {
  expect_one_line_error(skiff({"replay", kFigure8, "--html", (scratch() / "no/such/dir/x.html").string()}),
                        "--html: ");
  expect_one_line_error(skiff({"replay", kFigure8, "--html", scratch().string()}), "is a directory");
  expect_one_line_error(skiff({"replay", kFigure8, "--html"}), "--html");
  // A bad trace is still reported as the trace's error.
  expect_one_line_error(skiff({"replay", (scratch() / "missing.trace").string(), "--html",
                               (scratch() / "m.html").string()}),
                        "cannot open trace");
  EXPECT_FALSE(fs::exists(scratch() / "m.html"));
  // --html goes with a trace, not with --fuzz-input.
  expect_one_line_error(skiff({"replay", "--fuzz-input", kFigure8, "--protocol", "raft", "--html", "x.html"}), "html");
  // explore --html DIR: a file where the directory should be.
  const fs::path file = scratch() / "a-file";
  std::ofstream(file) << "x";
  expect_one_line_error(skiff({"explore", "raft", "--runs", "1", "--html", file.string()}), "--html: ");
}

TEST(HtmlCli, ExploreWritesAPagePerViolationNextToItsTrace) {
  const fs::path dir = scratch() / "explore";
  CliRun r = skiff({"explore", "raft", "--bug", "commit-previous-term", "--seed", "1735", "--runs", "1", "--out", dir.string(), "--html",
                 dir.string(), "--json"});
  ASSERT_EQ(r.status, 1) << r.err;
  const nlohmann::json result = nlohmann::json::parse(r.out);
  ASSERT_EQ(result.at("violations").size(), 1u);
  const nlohmann::json& v = result.at("violations")[0];
  const std::string seed = std::to_string(v.at("seed").get<std::uint64_t>());
  EXPECT_EQ(v.at("html"), (dir / fmt::format("raft-{}.html", seed)).string());
  const std::string trace_path = v.at("trace");
  // The page is the shrunk trace's, as `replay --html` makes it.
  EXPECT_TRUE(read_file(v.at("html").get<std::string>()) ==
              build_html_page(*find_protocol("raft"), read_trace_file(trace_path), trace_path));
  // Without --json, the page is named on a line of its own.
  CliRun text = skiff({"explore", "raft", "--bug", "commit-previous-term", "--seed", "1735", "--runs", "1", "--out", dir.string(),
                    "--html", (dir / "pages").string()});
  EXPECT_EQ(text.status, 1);
  EXPECT_NE(text.out.find(fmt::format("  html:      {}\n", (dir / "pages" / fmt::format("raft-{}.html", seed)).string())),
            std::string::npos)
      << text.out;
}

}  // namespace
}  // namespace skiff
