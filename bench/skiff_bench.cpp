// skiff_bench: the benchmarks whose figures are in BENCHMARKS.md.
//
//   skiff_bench events [--protocol P] [--nodes N]... [--runs R] [--seconds S] [--repeat K] [--json] [--quiet]
//     Simulated events per second exploring correct P (default raft) on one thread (the
//     explore loop itself: scheduler, world, protocol, every invariant after
//     every event), median of K measurements per node count.
//
//   skiff_bench bugs [--protocol P] [--bug NAME]... [--nodes N]... [--ranges K] [--range-size N]
//                    [--time-limit SEC] [--json] [--quiet]
//     For each seeded bug of P (default raft) and each of K disjoint seed ranges, on one
//     thread: the runs and the wall time to the first violation, the trace's
//     length before and after shrinking, and the shrink time; medians over the
//     ranges.
//
// Tables go to stdout in Markdown (ready to paste); --json prints one JSON
// object on one line instead, with every measurement. Progress goes to stderr.
#include <sys/utsname.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <fmt/format.h>
#include <fstream>
#include <iostream>
#include <limits>
#include <map>
#include <new>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>
#include <vector>

#include "checker/driver.hpp"
#include "checker/errors.hpp"
#include "checker/explore.hpp"

#ifndef SKIFF_BUILD_TYPE
#define SKIFF_BUILD_TYPE "unknown"
#endif
#ifdef __clang__
#define SKIFF_COMPILER "clang " __clang_version__
#else
#define SKIFF_COMPILER "g++ " __VERSION__
#endif

// Every C++ heap allocation in the process is counted, so that the events
// benchmark can report allocations per event (the design wants none on the
// hot path). A relaxed increment next to malloc costs nothing measurable.
namespace {
std::atomic<std::uint64_t> g_allocations{0};
}  // namespace

// Out of line, so that g++ does not pair the inlined malloc with a free it
// sees elsewhere and warn (-Wmismatched-new-delete).
[[gnu::noinline]] void* operator new(std::size_t size) {
  g_allocations.fetch_add(1, std::memory_order_relaxed);
  if (void* p = std::malloc(size ? size : 1)) return p;
  throw std::bad_alloc();
}
[[gnu::noinline]] void* operator new[](std::size_t size) { return ::operator new(size); }
[[gnu::noinline]] void operator delete(void* p) noexcept { std::free(p); }
[[gnu::noinline]] void operator delete[](void* p) noexcept { ::operator delete(p); }
[[gnu::noinline]] void operator delete(void* p, std::size_t) noexcept { ::operator delete(p); }
[[gnu::noinline]] void operator delete[](void* p, std::size_t) noexcept { ::operator delete(p); }

namespace {

using Clock = std::chrono::steady_clock;

// The protocol a benchmark runs, by name (--protocol); throws InputError.
const skiff::ProtocolDriver& protocol_driver(const std::string& name, const std::vector<int>& nodes) {
  const skiff::ProtocolDriver* driver = skiff::find_protocol(name);
  if (!driver) throw skiff::InputError(fmt::format("--protocol: unknown protocol '{}'", name));
  for (int n : nodes)
    if (n < driver->info().min_nodes || n > driver->info().max_nodes)
      throw skiff::InputError(fmt::format("--nodes: {} runs with {} to {} nodes, not {}", name,
                                          driver->info().min_nodes, driver->info().max_nodes, n));
  return *driver;
}
using nlohmann::json;

constexpr double kNotFound = std::numeric_limits<double>::infinity();

double seconds_since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

// The median of the values (the mean of the middle two for an even count);
// infinities (searches that found nothing) sort last.
double median(std::vector<double> values) {
  if (values.empty()) return std::nan("");
  std::sort(values.begin(), values.end());
  const std::size_t n = values.size();
  return n % 2 ? values[n / 2] : (values[n / 2 - 1] + values[n / 2]) / 2;
}

json number_or_null(double value) { return std::isfinite(value) ? json(value) : json(nullptr); }

std::string human_rate(double per_second) {
  if (per_second >= 1e6) return fmt::format("{:.2f} M", per_second / 1e6);
  if (per_second >= 1e3) return fmt::format("{:.1f} k", per_second / 1e3);
  return fmt::format("{:.0f}", per_second);
}

std::string human_time(double seconds) {
  if (!std::isfinite(seconds)) return "not found";
  if (seconds < 0.01) return fmt::format("{:.2f} ms", seconds * 1e3);
  if (seconds < 1) return fmt::format("{:.1f} ms", seconds * 1e3);
  return fmt::format("{:.2f} s", seconds);
}

std::string human_count(double value) {
  if (!std::isfinite(value)) return "not found";
  return value == std::floor(value) ? fmt::format("{:.0f}", value) : fmt::format("{:.1f}", value);
}

// ---- where the figures come from ---------------------------------------------

std::string cpu_model() {
  std::ifstream cpuinfo("/proc/cpuinfo");
  std::string line;
  while (std::getline(cpuinfo, line))
    if (line.rfind("model name", 0) == 0) {
      const auto colon = line.find(':');
      if (colon != std::string::npos) return line.substr(line.find_first_not_of(" \t", colon + 1));
    }
  return "unknown";
}

json machine() {
  utsname name{};
  uname(&name);
  return {{"cpu", cpu_model()},
          {"hardware_threads", std::thread::hardware_concurrency()},
          {"kernel", fmt::format("{} {}", name.sysname, name.release)},
          {"compiler", SKIFF_COMPILER},
          {"build_type", SKIFF_BUILD_TYPE},
#ifdef NDEBUG
          {"ndebug", true},
#else
          {"ndebug", false},
#endif
  };
}

std::string machine_line() {
  const json m = machine();
  return fmt::format("{} build{}, {}, {} ({} hardware threads)", m["build_type"].get<std::string>(),
                     m["ndebug"].get<bool>() ? "" : " WITHOUT NDEBUG", m["compiler"].get<std::string>(),
                     m["cpu"].get<std::string>(), m["hardware_threads"].get<unsigned>());
}

void warn_if_not_release() {
  if (std::string_view(SKIFF_BUILD_TYPE) != "Release")
    fmt::print(stderr, "skiff_bench: warning: this is a {} build; figures for BENCHMARKS.md come from Release\n",
               SKIFF_BUILD_TYPE);
}

// ---- events: simulated events per second ---------------------------------------

struct EventsOptions {
  std::string protocol = "raft";
  std::vector<int> nodes{3, 5};
  std::uint64_t runs = 0;  // per measurement; 0: as many as fit in `seconds`
  double seconds = 2.0;    // per measurement
  int repeat = 5;
  bool json = false;
  bool quiet = false;
};

struct EventsSample {
  std::uint64_t runs = 0, events = 0, allocations = 0;
  double seconds = 0;
  double per_s() const { return double(events) / seconds; }
};

// The correct protocol from seed 1 on one thread, exactly as `skiff explore
// --jobs 1` runs it (minus the progress line), for `runs` runs or `seconds`.
EventsSample measure_events(const skiff::ProtocolDriver& driver, int nodes, std::uint64_t runs, double seconds) {
  skiff::ExploreConfig config;
  config.nodes = nodes;
  config.seed = 1;
  config.runs = runs ? runs : (std::uint64_t(1) << 40);
  config.jobs = 1;
  config.time_limit_s = seconds;
  const std::uint64_t allocations = g_allocations.load();
  const auto start = Clock::now();
  skiff::ExploreOutcome outcome = driver.explore(config);
  const double elapsed = seconds_since(start);
  const std::uint64_t allocated = g_allocations.load() - allocations;
  if (!outcome.found.empty())
    throw std::runtime_error(fmt::format("correct {} violated {} at seed {}: {}", driver.info().name,
                                         outcome.found[0].violation.invariant, outcome.found[0].seed,
                                         outcome.found[0].violation.explanation));
  return EventsSample{outcome.runs, outcome.events, allocated, elapsed};
}

int run_events(const EventsOptions& options) {
  warn_if_not_release();
  const skiff::ProtocolDriver& driver = protocol_driver(options.protocol, options.nodes);
  json results = json::array();
  struct Row {
    int nodes;
    double median_per_s, min_per_s, max_per_s, events_per_run, runs_per_s, allocations_per_event;
  };
  std::vector<Row> rows;
  for (int nodes : options.nodes) {
    measure_events(driver, nodes, 0, 0.2);  // warm-up: caches, page faults, CPU frequency
    std::vector<EventsSample> samples;
    std::vector<double> rates, run_rates;
    for (int k = 0; k < options.repeat; ++k) {
      EventsSample s = measure_events(driver, nodes, options.runs, options.seconds);
      if (!options.quiet)
        fmt::print(stderr, "events: {} nodes, measurement {}/{}: {} runs, {} events in {:.2f} s: {} events/s\n",
                 nodes, k + 1, options.repeat, s.runs, s.events, s.seconds, human_rate(s.per_s()));
      samples.push_back(s);
      rates.push_back(s.per_s());
      run_rates.push_back(double(s.runs) / s.seconds);
    }
    std::uint64_t runs = 0, events = 0, allocations = 0;
    for (const EventsSample& s : samples) {
      runs += s.runs;
      events += s.events;
      allocations += s.allocations;
    }
    Row row{nodes,
            median(rates),
            *std::min_element(rates.begin(), rates.end()),
            *std::max_element(rates.begin(), rates.end()),
            double(events) / double(std::max<std::uint64_t>(runs, 1)),
            median(run_rates),
            double(allocations) / double(std::max<std::uint64_t>(events, 1))};
    rows.push_back(row);
    json measured = json::array();
    for (const EventsSample& s : samples)
      measured.push_back({{"runs", s.runs},
                          {"events", s.events},
                          {"allocations", s.allocations},
                          {"seconds", s.seconds},
                          {"events_per_s", s.per_s()}});
    results.push_back({{"nodes", nodes},
                       {"median_events_per_s", row.median_per_s},
                       {"min_events_per_s", row.min_per_s},
                       {"max_events_per_s", row.max_per_s},
                       {"median_ns_per_event", 1e9 / row.median_per_s},
                       {"events_per_run", row.events_per_run},
                       {"median_runs_per_s", row.runs_per_s},
                       {"allocations_per_event", row.allocations_per_event},
                       {"measurements", measured}});
  }

  if (options.json) {
    std::cout << json{{"benchmark", "events"},
                      {"protocol", options.protocol},
                      {"bugs", json::array()},
                      {"threads", 1},
                      {"repeat", options.repeat},
                      {"seconds_per_measurement", options.seconds},
                      {"runs_per_measurement", options.runs},
                      {"budgets", skiff::format_budgets(skiff::Budgets{})},
                      {"machine", machine()},
                      {"results", results}}
                     .dump()
              << '\n';
    return 0;
  }
  fmt::print("Correct {}, one thread, default budgets ({}); median of {} measurement{} of {}.\n",
             options.protocol, skiff::format_budgets(skiff::Budgets{}), options.repeat, options.repeat == 1 ? "" : "s",
             options.runs ? fmt::format("{} runs (at most {} s)", options.runs, options.seconds)
                          : fmt::format("{} s", options.seconds));
  fmt::print("{}.\n\n", machine_line());
  fmt::print("| nodes | events/s (median) | min | max | ns/event | runs/s | events/run | allocations/event |\n");
  fmt::print("|------:|------------------:|----:|----:|---------:|-------:|-----------:|------------------:|\n");
  for (const Row& r : rows)
    fmt::print("| {} | {} | {} | {} | {:.0f} | {} | {:.1f} | {:.3f} |\n", r.nodes, human_rate(r.median_per_s),
               human_rate(r.min_per_s), human_rate(r.max_per_s), 1e9 / r.median_per_s, human_rate(r.runs_per_s),
               r.events_per_run, r.allocations_per_event);
  return 0;
}

// ---- bugs: time to find and shrink each seeded bug ---------------------------

struct BugsOptions {
  std::string protocol = "raft";
  std::vector<std::string> bugs;  // empty: all of them
  std::vector<int> nodes;         // empty: each bug's default (see default_nodes)
  int ranges = 5;
  std::uint64_t range_size = 1000000;
  double time_limit_s = 60;  // per search
  bool json = false;
  bool quiet = false;
};

// count-duplicate-votes (Raft) and count-duplicate-promises (Paxos) cannot
// show with 3 nodes (one other vote or promise is already a majority, so
// counting a duplicate changes nothing); the others are run with 3.
int default_nodes(const std::string& bug) {
  return bug == "count-duplicate-votes" || bug == "count-duplicate-promises" ? 5 : 3;
}

struct Search {
  std::uint64_t first_seed = 0;
  bool found = false;
  bool timed_out = false;
  std::uint64_t seed = 0, runs = 0, events = 0;
  double find_s = 0;
  std::string invariant;
  std::size_t events_before = 0, events_after = 0, replays = 0;
  double trace_s = 0, shrink_s = 0;
};

Search search(const skiff::ProtocolDriver& driver, const std::string& bug, int nodes, std::uint64_t first_seed,
              const BugsOptions& options) {
  skiff::ExploreConfig config;
  config.nodes = nodes;
  config.bugs = {bug};
  config.seed = first_seed;
  config.runs = options.range_size;
  config.jobs = 1;
  config.time_limit_s = options.time_limit_s;
  Search s;
  s.first_seed = first_seed;
  auto start = Clock::now();
  skiff::ExploreOutcome outcome = driver.explore(config);
  s.find_s = seconds_since(start);
  s.runs = outcome.runs;
  s.events = outcome.events;
  s.timed_out = outcome.timed_out;
  if (outcome.found.empty()) return s;

  const skiff::FoundRun& found = outcome.found[0];
  s.found = true;
  s.seed = found.seed;
  s.invariant = found.violation.invariant;
  skiff::TraceHeader header{std::string(driver.info().name), nodes, {bug}, found.seed, config.budgets};
  start = Clock::now();
  skiff::Trace trace = driver.make_trace(header, found.events);
  s.trace_s = seconds_since(start);
  s.events_before = trace.events.size();
  start = Clock::now();
  skiff::ShrinkStats stats;
  skiff::Trace shrunk = driver.shrink(trace, "bench", stats);
  s.shrink_s = seconds_since(start);
  s.events_after = shrunk.events.size();
  s.replays = stats.replays;
  if (!shrunk.violation || shrunk.violation->invariant != s.invariant)
    throw std::runtime_error(fmt::format("{}: the shrunk trace of seed {} lost its violation", bug, found.seed));
  return s;
}

struct BugRow {
  std::string bug;
  int nodes = 0;
  std::string invariant;
  std::vector<Search> searches;
  int found = 0;
  double runs = 0, find_s = 0, events_before = 0, events_after = 0, shrink_s = 0, total_s = 0, max_find_s = 0;
};

BugRow summarize(std::string bug, int nodes, std::vector<Search> searches) {
  BugRow row{std::move(bug), nodes, {}, std::move(searches)};
  std::vector<double> runs, find, before, after, shrink, total;
  std::map<std::string, int> by_invariant;
  for (const Search& s : row.searches) {
    // A range without a violation counts as infinitely slow for the medians
    // of runs and times; lengths and shrink times are over the ones found.
    runs.push_back(s.found ? double(s.runs) : kNotFound);
    find.push_back(s.found ? s.find_s : kNotFound);
    total.push_back(s.found ? s.find_s + s.trace_s + s.shrink_s : kNotFound);
    if (!s.found) continue;
    ++row.found;
    ++by_invariant[s.invariant];
    before.push_back(double(s.events_before));
    after.push_back(double(s.events_after));
    shrink.push_back(s.shrink_s);
  }
  // "election-safety", or "election-safety (4), leader-completeness (1)" when
  // the first violation differs between ranges.
  for (const auto& [invariant, count] : by_invariant) {
    if (!row.invariant.empty()) row.invariant += ", ";
    row.invariant += by_invariant.size() == 1 ? invariant : fmt::format("{} ({})", invariant, count);
  }
  row.runs = median(runs);
  row.find_s = median(find);
  row.total_s = median(total);
  row.max_find_s = *std::max_element(find.begin(), find.end());
  row.events_before = median(before);
  row.events_after = median(after);
  row.shrink_s = median(shrink);
  return row;
}

int run_bugs(BugsOptions options) {
  warn_if_not_release();
  const skiff::ProtocolDriver* driver = &protocol_driver(options.protocol, options.nodes);
  if (options.bugs.empty())
    for (const skiff::BugInfo& b : driver->info().bugs) options.bugs.emplace_back(b.name);
  for (const std::string& bug : options.bugs) {
    const auto& known = driver->info().bugs;
    if (std::none_of(known.begin(), known.end(), [&](const skiff::BugInfo& b) { return b.name == bug; }))
      throw skiff::InputError(fmt::format("--bug: unknown bug '{}' for protocol {}", bug, options.protocol));
  }

  std::vector<BugRow> rows;
  for (const std::string& bug : options.bugs) {
    std::vector<int> node_counts = options.nodes;
    if (node_counts.empty()) node_counts = {default_nodes(bug)};
    for (int nodes : node_counts) {
      std::vector<Search> searches;
      for (int r = 0; r < options.ranges; ++r) {
        const std::uint64_t first = 1 + std::uint64_t(r) * options.range_size;
        Search s = search(*driver, bug, nodes, first, options);
        if (options.quiet) {
        } else if (s.found)
          fmt::print(stderr, "bugs: {} with {} nodes, seeds from {}: {} at seed {} after {} runs in {}; shrunk {} -> {} "
                     "events in {} ({} replays)\n",
                     bug, nodes, first, s.invariant, s.seed, s.runs, human_time(s.find_s), s.events_before,
                     s.events_after, human_time(s.shrink_s), s.replays);
        else
          fmt::print(stderr, "bugs: {} with {} nodes, seeds from {}: nothing in {} runs ({:.1f} s{})\n", bug, nodes,
                     first, s.runs, s.find_s, s.timed_out ? ", time limit" : "");
        searches.push_back(std::move(s));
      }
      rows.push_back(summarize(bug, nodes, std::move(searches)));
    }
  }

  if (options.json) {
    json results = json::array();
    for (const BugRow& row : rows) {
      json searches = json::array();
      for (const Search& s : row.searches) {
        json one = {{"first_seed", s.first_seed}, {"found", s.found},   {"runs", s.runs},
                    {"events", s.events},         {"find_s", s.find_s}, {"timed_out", s.timed_out}};
        if (s.found) {
          one["seed"] = s.seed;
          one["invariant"] = s.invariant;
          one["events_before"] = s.events_before;
          one["events_after"] = s.events_after;
          one["shrink_replays"] = s.replays;
          one["make_trace_s"] = s.trace_s;
          one["shrink_s"] = s.shrink_s;
        }
        searches.push_back(std::move(one));
      }
      results.push_back({{"bug", row.bug},
                         {"nodes", row.nodes},
                         {"invariant", row.invariant},
                         {"found", row.found},
                         {"ranges", row.searches.size()},
                         {"median_runs", number_or_null(row.runs)},
                         {"median_find_s", number_or_null(row.find_s)},
                         {"max_find_s", number_or_null(row.max_find_s)},
                         {"median_events_before", number_or_null(row.events_before)},
                         {"median_events_after", number_or_null(row.events_after)},
                         {"median_shrink_s", number_or_null(row.shrink_s)},
                         {"median_total_s", number_or_null(row.total_s)},
                         {"searches", searches}});
    }
    std::cout << json{{"benchmark", "bugs"},
                      {"protocol", options.protocol},
                      {"threads", 1},
                      {"ranges", options.ranges},
                      {"range_size", options.range_size},
                      {"time_limit_s", options.time_limit_s},
                      {"budgets", skiff::format_budgets(skiff::Budgets{})},
                      {"machine", machine()},
                      {"results", results}}
                     .dump()
              << '\n';
    return 0;
  }
  fmt::print(
      "Seeded {} bugs, one thread, default budgets; median over {} disjoint seed range{} of {} seeds "
      "(starting at 1, {}, ...).\n",
      options.protocol, options.ranges, options.ranges == 1 ? "" : "s", options.range_size, 1 + options.range_size);
  fmt::print("{}.\n\n", machine_line());
  fmt::print(
      "| bug | nodes | invariant violated | found | runs to first | time to first | slowest range | events "
      "before → after shrinking | shrink time | find + shrink |\n");
  fmt::print("|-----|------:|-----------|------:|------:|------:|------:|------:|------:|------:|\n");
  for (const BugRow& r : rows)
    fmt::print("| {} | {} | {} | {}/{} | {} | {} | {} | {} | {} | {} |\n", r.bug, r.nodes,
               r.invariant.empty() ? "—" : r.invariant, r.found, r.searches.size(), human_count(r.runs),
               human_time(r.find_s), human_time(r.max_find_s),
               r.found ? fmt::format("{} → {}", human_count(r.events_before), human_count(r.events_after)) : "—",
               r.found ? human_time(r.shrink_s) : "—", human_time(r.total_s));
  return 0;
}

int run(int argc, char** argv) {
  CLI::App app{"skiff_bench: the benchmarks of BENCHMARKS.md"};
  app.require_subcommand(1);

  EventsOptions events;
  auto* events_command = app.add_subcommand("events", "simulated events per second, a correct protocol, one thread");
  events_command->add_option("--protocol", events.protocol, "protocol (see 'skiff list')")->capture_default_str();
  events_command->add_option("--nodes", events.nodes, "node counts (repeatable)")->capture_default_str();
  events_command->add_option("--runs", events.runs, "runs per measurement; 0: as many as fit in --seconds")
      ->capture_default_str();
  events_command->add_option("--seconds", events.seconds, "time per measurement")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  events_command->add_option("--repeat", events.repeat, "measurements per node count (the median is reported)")
      ->capture_default_str()
      ->check(CLI::Range(1, 1000));
  events_command->add_flag("--json", events.json, "one JSON object (one line) on stdout");
  events_command->add_flag("-q,--quiet", events.quiet, "no progress lines on stderr");

  BugsOptions bugs;
  auto* bugs_command = app.add_subcommand("bugs", "runs and time to find, and shrink, each seeded bug");
  bugs_command->add_option("--protocol", bugs.protocol, "protocol (see 'skiff list')")->capture_default_str();
  bugs_command->add_option("--bug", bugs.bugs, "only this bug (repeatable; default: all)")->expected(1);
  bugs_command->add_option("--nodes", bugs.nodes,
                           "node counts (repeatable; default: 5 for count-duplicate-votes and "
                           "count-duplicate-promises, 3 for the others)");
  bugs_command->add_option("--ranges", bugs.ranges, "disjoint seed ranges")
      ->capture_default_str()
      ->check(CLI::Range(1, 1000));
  bugs_command->add_option("--range-size", bugs.range_size, "seeds per range; range i starts at 1 + i*SIZE")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  bugs_command->add_option("--time-limit", bugs.time_limit_s, "give up a range after SEC seconds")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  bugs_command->add_flag("--json", bugs.json, "one JSON object (one line) on stdout");
  bugs_command->add_flag("-q,--quiet", bugs.quiet, "no progress lines on stderr");

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int status = app.exit(e);  // prints help, or the error
    return status == 0 ? 0 : 2;      // 2: bad usage, as for skiff
  }
  if (*events_command) return run_events(events);
  if (*bugs_command) return run_bugs(std::move(bugs));
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  try {
    return run(argc, argv);
  } catch (const skiff::InputError& e) {
    std::cerr << "skiff_bench: " << e.what() << '\n';
    return 2;
  } catch (const std::exception& e) {
    std::cerr << "skiff_bench: " << e.what() << '\n';
    return 1;
  }
}
