#include "checker/simulate_command.hpp"

#include <fmt/format.h>
#include <fmt/ostream.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <functional>
#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>
#include <ostream>

#include "checker/commands.hpp"
#include "checker/driver.hpp"
#include "checker/errors.hpp"
#include "checker/interrupt.hpp"
#include "checker/progress.hpp"
#include "checker/scenario.hpp"
#include "checker/html_view.hpp"
#include "checker/simulate_report.hpp"
#include "checker/simulation.hpp"
#include "checker/timed_replay.hpp"
#include "checker/timed_world.hpp"
#include "checker/trace.hpp"
#include "invariants/raft_invariants.hpp"
#include "protocols/raft/raft.hpp"

namespace skiff {

namespace {

// ---- running ----------------------------------------------------------------

struct TimedProtocol {
  std::string_view name;
  std::vector<std::string> (*timer_names)();
  // Runs `runs` seeds from `seed`, calling `after_run` after each, and
  // fewer once a stop is asked for (interrupt.hpp); run `record_run` (from
  // 0; none if out of range) records roles and network events for a picture,
  // and with `record_availability` every run records when availability changes.
  std::vector<TimedRunStats> (*simulate)(const Scenario&, const std::vector<std::string>& bugs,
                                         const std::vector<std::string>& variants, std::uint64_t seed,
                                         std::uint64_t runs, std::uint64_t record_run, bool record_availability,
                                         const std::function<void(const TimedRunStats&)>& after_run);
  // The run of one seed again, recording its events: the trace of its
  // violation of `invariant` (timed_replay.hpp), described by the world.
  Trace (*trace_of)(const Scenario&, const TraceHeader& header, const std::string& invariant);
};

template <class P, class Invariants>
std::vector<std::string> timer_names_of() {
  std::vector<std::string> names;
  for (int t = 0; t < P::timer_count; ++t) names.emplace_back(P::timer_name(TimerId(t)));
  return names;
}

template <class P, class Invariants>
std::vector<TimedRunStats> simulate_with(const Scenario& given, const std::vector<std::string>& bugs,
                                         const std::vector<std::string>& variants, std::uint64_t seed,
                                         std::uint64_t runs, std::uint64_t record_run, bool record_availability,
                                         const std::function<void(const TimedRunStats&)>& after_run) {
  Scenario scenario = given;
  if (scenario.nodes < P::min_nodes || scenario.nodes > P::max_nodes)
    throw InputError(fmt::format("{}{} runs with {} to {} nodes, not {}",
                                 trace_location(scenario.file, scenario.nodes_line), P::name, P::min_nodes,
                                 P::max_nodes, scenario.nodes));
  fill_default_timers<P>(scenario);
  const std::string where = trace_location(scenario.file, scenario.variants_line);
  auto options = make_options<P>(bugs, variants, scenario.nodes, "--bug: ", where);
  set_initial_state<P>(options, scenario.initial_state, scenario.nodes, [&](std::string_view error) {
    return trace_location(scenario.file, initial_state_line(scenario, error));
  });
  std::vector<TimedRunStats> all;
  for (std::uint64_t r = 0; r < runs && !interrupted(); ++r) {
    TimedWorld<P, Invariants> world(scenario, options, r == record_run);
    world.record_availability(record_availability);
    all.push_back(world.run(seed + r));
    if (after_run) after_run(all.back());
  }
  return all;
}

template <class P, class Invariants>
Trace trace_with(const Scenario& given, const TraceHeader& header, const std::string& invariant) {
  Scenario scenario = given;
  fill_default_timers<P>(scenario);
  const auto options = header_options<P>(header, "--bug: ", "--variant: ");
  TimedWorld<P, Invariants> world(scenario, options);
  std::vector<TraceEvent> events;
  world.record(&events);
  const TimedRunStats stats = world.run(header.seed);
  if (stats.liveness_violation && invariant == stats.liveness_violation->invariant) {
    events.resize(stats.liveness_events);
    return make_timed_trace<P, Invariants>(header, events, stats.liveness_violation_at);
  }
  return make_timed_trace<P, Invariants>(header, events, -1);
}

const TimedProtocol kTimedProtocols[] = {
    {"raft", timer_names_of<raft::Protocol, invariants::RaftInvariants>,
     simulate_with<raft::Protocol, invariants::RaftInvariants>, trace_with<raft::Protocol, invariants::RaftInvariants>},
};

const TimedProtocol& timed_protocol(const std::string& name) {
  for (const TimedProtocol& p : kTimedProtocols)
    if (p.name == name) return p;
  throw InputError(fmt::format("--protocol: '{}' cannot be simulated (timed protocols: raft)", name));
}

// ---- summarising --------------------------------------------------------------

struct Spread {
  double median = 0, p1 = 0, p5 = 0, p95 = 0, p99 = 0, min = 0, max = 0;
  std::size_t count = 0;  // runs that had a value
};

// Nearest-rank percentiles of the values (sorted here).
Spread spread(std::vector<double> values) {
  Spread s;
  s.count = values.size();
  if (values.empty()) return s;
  std::sort(values.begin(), values.end());
  auto at = [&](double q) { return values[std::size_t(std::llround(q * double(values.size() - 1)))]; };
  s.median = at(0.5);
  s.p1 = at(0.01);
  s.p5 = at(0.05);
  s.p95 = at(0.95);
  s.p99 = at(0.99);
  s.min = values.front();
  s.max = values.back();
  return s;
}

double median_of(std::vector<Micros> values) {
  std::sort(values.begin(), values.end());
  return double(values[values.size() / 2]);
}

struct Metric {
  std::string_view key, label;
  std::optional<double> (*of)(const TimedRunStats&);
};

const Metric kMetrics[] = {
    {"first_leader_ms", "time to the first leader (ms)",
     [](const TimedRunStats& r) -> std::optional<double> {
       if (r.first_leader < 0) return std::nullopt;
       return double(r.first_leader) / 1000;
     }},
    {"failover_ms", "time to a new leader after the leader fails (ms)",
     [](const TimedRunStats& r) -> std::optional<double> {
       if (r.failovers.empty()) return std::nullopt;
       return median_of(r.failovers) / 1000;
     }},
    {"availability_pct", "availability: a leader that can commit (% of time)",
     [](const TimedRunStats& r) -> std::optional<double> {
       return r.duration > 0 ? 100.0 * double(r.available) / double(r.duration) : 0.0;
     }},
    {"steady_availability_pct", "steady availability (% of time)",
     [](const TimedRunStats& r) -> std::optional<double> {
       return r.duration > 0 ? 100.0 * double(r.steady_available) / double(r.duration) : 0.0;
     }},
    {"leaderless_pct", "time without a leader (% of time)",
     [](const TimedRunStats& r) -> std::optional<double> {
       return r.duration > 0 ? 100.0 * double(r.leaderless) / double(r.duration) : 0.0;
     }},
    {"leader_changes", "leader changes (after the first leader)",
     [](const TimedRunStats& r) -> std::optional<double> { return double(r.leader_changes); }},
    {"recovery_ms", "recovery after a network change, each run's median (ms)",
     [](const TimedRunStats& r) -> std::optional<double> {
       if (r.recoveries.empty()) return std::nullopt;
       return median_of(r.recoveries) / 1000;
     }},
    {"recovery_max_ms", "recovery after a network change, each run's longest (ms)",
     [](const TimedRunStats& r) -> std::optional<double> {
       if (r.recoveries.empty()) return std::nullopt;
       return double(*std::max_element(r.recoveries.begin(), r.recoveries.end())) / 1000;
     }},
    {"unrecovered", "network changes never recovered from",
     [](const TimedRunStats& r) -> std::optional<double> { return double(r.unrecovered); }},
    {"commands_attempted", "client commands attempted",
     [](const TimedRunStats& r) -> std::optional<double> { return double(r.commands_attempted); }},
    {"commands_committed", "client commands committed",
     [](const TimedRunStats& r) -> std::optional<double> { return double(r.commands_committed); }},
    {"commit_latency_ms", "commit latency, each run's median (ms)",
     [](const TimedRunStats& r) -> std::optional<double> {
       if (r.commit_latencies.empty()) return std::nullopt;
       return median_of(r.commit_latencies) / 1000;
     }},
    {"elections_started", "elections started",
     [](const TimedRunStats& r) -> std::optional<double> { return double(r.elections_started); }},
    {"elections_won", "elections won",
     [](const TimedRunStats& r) -> std::optional<double> { return double(r.elections_won); }},
    {"elections_lost", "elections lost",
     [](const TimedRunStats& r) -> std::optional<double> { return double(r.elections_lost); }},
    {"highest_term", "highest term",
     [](const TimedRunStats& r) -> std::optional<double> { return double(r.highest_epoch); }},
    {"messages_sent", "messages sent",
     [](const TimedRunStats& r) -> std::optional<double> { return double(r.messages_sent); }},
    {"messages_delivered", "messages delivered",
     [](const TimedRunStats& r) -> std::optional<double> { return double(r.messages_delivered); }},
    {"messages_dropped", "messages dropped",
     [](const TimedRunStats& r) -> std::optional<double> { return double(r.messages_dropped); }},
};

struct Summary {
  const Scenario* scenario = nullptr;
  std::vector<std::string> variants;
  std::vector<TimedRunStats> runs;
  std::map<std::string_view, Spread> metrics;
};

Summary summarise(const Scenario& scenario, std::vector<std::string> variants, std::vector<TimedRunStats> runs) {
  Summary s{&scenario, std::move(variants), std::move(runs), {}};
  for (const Metric& m : kMetrics) {
    std::vector<double> values;
    for (const TimedRunStats& r : s.runs)
      if (auto v = m.of(r)) values.push_back(*v);
    s.metrics[m.key] = spread(std::move(values));
  }
  return s;
}

// --runs-out: one JSON object a line per run, in the order run: its scenario,
// variant set and seed, every metric's value for that run (null: none), and
// the lists the medians are taken over (ms).
std::string runs_lines(const std::vector<Summary>& summaries) {
  auto ms = [](const std::vector<Micros>& values) {
    nlohmann::json list = nlohmann::json::array();
    for (Micros v : values) list.push_back(double(v) / 1000);
    return list;
  };
  std::string text;
  for (const Summary& s : summaries)
    for (const TimedRunStats& r : s.runs) {
      nlohmann::json metrics = nlohmann::json::object();
      for (const Metric& m : kMetrics) {
        const auto v = m.of(r);
        metrics[std::string(m.key)] = v ? nlohmann::json(*v) : nlohmann::json(nullptr);
      }
      nlohmann::json line = {{"scenario", s.scenario->file},
                             {"name", s.scenario->name},
                             {"variants", s.variants},
                             {"seed", r.seed},
                             {"duration_ms", double(r.duration) / 1000},
                             {"metrics", metrics},
                             {"failovers_ms", ms(r.failovers)},
                             {"recoveries_ms", ms(r.recoveries)},
                             {"commit_latencies_ms", ms(r.commit_latencies)},
                             {"violations", nlohmann::json::array()}};
      if (r.violation) line["violations"].push_back(r.violation->invariant);
      if (r.liveness_violation) line["violations"].push_back(r.liveness_violation->invariant);
      text += line.dump();
      text += '\n';
    }
  return text;
}

std::string number(double value) {
  if (value == std::floor(value) && std::fabs(value) < 1e15) return fmt::format("{:.0f}", value);
  return fmt::format("{:.1f}", value);
}

std::string variants_text(const std::vector<std::string>& variants) {
  return variants.empty() ? "none" : fmt::format("{}", fmt::join(variants, " "));
}

std::string reproduce(const SimulateRequest& request, const std::string& file, const std::vector<std::string>& extra,
                      std::uint64_t seed) {
  std::string command = fmt::format("skiff simulate {}", file);
  if (request.protocol != "raft") command += " --protocol " + request.protocol;
  for (const std::string& bug : request.bugs) command += " --bug " + bug;
  for (const std::string& v : extra) command += " --variant " + v;
  command += fmt::format(" --seed {} --runs 1", seed);
  return command;
}

std::vector<std::pair<const Violation*, Micros>> violations_of(const TimedRunStats& r) {
  std::vector<std::pair<const Violation*, Micros>> all;
  if (r.violation) all.emplace_back(&*r.violation, r.violation_at);
  if (r.liveness_violation) all.emplace_back(&*r.liveness_violation, r.liveness_violation_at);
  return all;
}

// ---- traces ---------------------------------------------------------------------

// A name for file names and the trace's 'timed' line: the scenario's name (or
// its file's stem), with anything but letters, digits, '.', '_' and '-' as '-'.
std::string scenario_tag(const Scenario& scenario) {
  std::string tag = scenario.name.empty() ? std::filesystem::path(scenario.file).stem().string() : scenario.name;
  if (tag.empty()) tag = "scenario";
  for (char& c : tag)
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '.' && c != '_' && c != '-') c = '-';
  return tag;
}

struct Written {
  std::string path;
  std::size_t events = 0;
};

// The first run violating each invariant, per scenario and variant set, as a
// trace in `dir`, replayed before it is reported: those of summaries[i], into
// `written` under the key (i, invariant).
void write_traces(const TimedProtocol& protocol, const std::vector<Summary>& summaries, std::size_t i,
                  const SimulateRequest& request, std::map<std::pair<std::size_t, std::string>, Written>& written) {
  const ProtocolDriver* driver = find_protocol(protocol.name);
  {
    const Summary& s = summaries[i];
    const Scenario& scenario = *s.scenario;
    for (const TimedRunStats& r : s.runs)
      for (const auto& [v, at] : violations_of(r)) {
        const auto key = std::make_pair(i, v->invariant);
        if (written.count(key)) continue;
        const std::uint32_t all = kMaxBudget;
        TraceHeader header{std::string(protocol.name), scenario.nodes, request.bugs, r.seed,
                           Budgets{all, all, all, all, all, all, all, all, all}};
        header.variants = s.variants;
        header.initial_state = scenario.initial_state_json;
        header.timed = TraceHeader::Timed{scenario_tag(scenario), scenario.liveness.enabled,
                                          scenario.liveness.stable_for, scenario.liveness.within};
        const Trace trace = protocol.trace_of(scenario, header, v->invariant);
        if (!trace.violation || trace.violation->invariant != v->invariant)
          throw std::runtime_error(fmt::format("internal error: seed {} of {} did not violate {} again", r.seed,
                                               scenario.file, v->invariant));
        std::string name = scenario_tag(scenario);
        for (auto it = s.variants.begin() + std::ptrdiff_t(scenario.variants.size()); it != s.variants.end(); ++it)
          name += "+" + *it;
        const std::string path = (std::filesystem::path(request.out_dir) /
                                  fmt::format("{}-{}-{}.trace", name, r.seed, v->invariant)).string();
        write_text_file(path, format_trace(trace));
        verify_written_trace(*driver, path);
        written[key] = Written{path, trace.events.size()};
      }
  }
}

// ---- the picture ---------------------------------------------------------------

// Per node, a band coloured by role with the term written where it changes;
// below, one tick per commit.
std::string svg_of(const Summary& s, std::size_t index) {
  const TimedRunStats& run = s.runs[std::min(index, s.runs.size() - 1)];
  const int nodes = int(run.roles.size());
  const double width = 1000, left = 60, row = 28, top = 30;
  const double plot = width - left - 10;
  const double height = top + row * (nodes + 1) + 40;
  const double duration = double(std::max<Micros>(run.duration, 1));
  auto x = [&](Micros t) { return left + plot * double(t) / duration; };
  static constexpr const char* kColours[] = {"#d8e2ef", "#f2c14e", "#2a9d8f", "#555555"};
  static constexpr const char* kRoles[] = {"follower", "candidate", "leader", "crashed"};
  std::string out = fmt::format(
      "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{:.0f}\" height=\"{:.0f}\" font-family=\"sans-serif\" "
      "font-size=\"11\">\n<text x=\"{}\" y=\"16\">{} ({}), variants {}, seed {}: role and term per node, commits "
      "below; {:.1f} s</text>\n",
      width, height, left, s.scenario->name.empty() ? s.scenario->file : s.scenario->name, s.scenario->file,
      variants_text(s.variants), run.seed, duration / 1e6);
  for (int n = 0; n < nodes; ++n) {
    const double y = top + row * n;
    out += fmt::format("<text x=\"4\" y=\"{:.0f}\">node {}</text>\n", y + row * 0.6, n + 1);
    const auto& points = run.roles[std::size_t(n)];
    for (std::size_t i = 0; i < points.size(); ++i) {
      const Micros end = i + 1 < points.size() ? points[i + 1].at : run.duration;
      const double x0 = x(points[i].at), x1 = x(end);
      out += fmt::format("<rect x=\"{:.2f}\" y=\"{:.0f}\" width=\"{:.2f}\" height=\"{:.0f}\" fill=\"{}\"><title>{} "
                         "term {} from {:.1f} ms</title></rect>\n",
                         x0, y, std::max(x1 - x0, 0.3), row - 6, kColours[points[i].role], kRoles[points[i].role],
                         points[i].epoch, double(points[i].at) / 1000);
      if (x1 - x0 > 14 && (i == 0 || points[i].epoch != points[i - 1].epoch))
        out += fmt::format("<text x=\"{:.1f}\" y=\"{:.0f}\" font-size=\"9\">t{}</text>\n", x0 + 1, y + row - 9,
                           points[i].epoch);
    }
  }
  const double y = top + row * nodes;
  out += fmt::format("<text x=\"4\" y=\"{:.0f}\">commits</text>\n", y + row * 0.6);
  for (Micros t : run.commit_times)
    out += fmt::format("<line x1=\"{0:.2f}\" x2=\"{0:.2f}\" y1=\"{1:.0f}\" y2=\"{2:.0f}\" stroke=\"#264653\"/>\n", x(t),
                       y, y + row - 6);
  const double legend = top + row * (nodes + 1) + 16;
  for (int r = 0; r < 4; ++r)
    out += fmt::format("<rect x=\"{0}\" y=\"{1:.0f}\" width=\"10\" height=\"10\" fill=\"{2}\"/><text x=\"{3}\" "
                       "y=\"{4:.0f}\">{5}</text>\n",
                       left + 110 * r, legend, kColours[r], left + 110 * r + 14, legend + 9, kRoles[r]);
  out += "</svg>\n";
  return out;
}

// --html: the report page, and a viewer page beside each trace it links to.
void write_report(const std::vector<Summary>& summaries, const std::map<std::pair<std::size_t, std::string>, Written>& traces,
                  const SimulateRequest& request) {
  const ProtocolDriver* driver = find_protocol(request.protocol);
  const std::filesystem::path report_dir = std::filesystem::absolute(request.html_path).parent_path();
  std::vector<ReportSet> sets;
  for (std::size_t i = 0; i < summaries.size(); ++i) {
    const Summary& s = summaries[i];
    ReportSet set;
    set.scenario = s.scenario;
    set.variants = s.variants;
    set.runs = &s.runs;
    set.shown = std::min<std::size_t>(request.html_run - 1, s.runs.size() - 1);
    for (const Metric& m : kMetrics) {
      const Spread& v = s.metrics.at(m.key);
      set.metrics.push_back(ReportMetric{std::string(m.label), v.median, v.p5, v.p95, v.count});
    }
    std::map<std::string, bool> shown;  // the first run violating each invariant, as the text output
    for (const TimedRunStats& r : s.runs)
      for (const auto& [v, at] : violations_of(r)) {
        if (shown[v->invariant]) continue;
        shown[v->invariant] = true;
        ReportViolation rv{v->invariant, v->explanation, r.seed, at, "", ""};
        const auto it = traces.find({i, v->invariant});
        if (it != traces.end()) {
          rv.trace = it->second.path;
          const std::string page = std::filesystem::path(it->second.path).replace_extension(".html").string();
          write_text_file(page, build_html_page(*driver, read_trace_file(it->second.path), it->second.path));
          rv.viewer = std::filesystem::absolute(page).lexically_relative(report_dir).generic_string();
        }
        set.violations.push_back(std::move(rv));
      }
    sets.push_back(std::move(set));
  }
  write_text_file(request.html_path, simulate_report_html(sets, request.protocol));
}

}  // namespace

int run_simulate(const SimulateRequest& request, std::ostream& out, std::ostream& err) {
  const TimedProtocol& protocol = timed_protocol(request.protocol);
  if (request.runs == 0) throw InputError("--runs: must be at least 1");
  if (request.runs > 1000000) throw InputError("--runs: at most 1000000");
  if (request.scenarios.empty()) throw InputError("simulate needs a scenario file");
  make_options<raft::Protocol>(request.bugs, "--bug: ");
  if (!request.html_path.empty()) {
    check_html_path(request.html_path);
    if (request.html_run > request.runs)
      throw InputError(fmt::format("--html-run: {} is above --runs ({})", request.html_run, request.runs));
  }
  std::error_code ignored;
  std::filesystem::create_directories(request.out_dir, ignored);
  if (!std::filesystem::is_directory(request.out_dir))
    throw InputError(fmt::format("--out: {}: not a directory", request.out_dir));
  const std::vector<std::string> timer_names = protocol.timer_names();

  // Variant sets: --compare "a+b" ("-": none), or just --variant.
  std::vector<std::vector<std::string>> sets;
  for (const std::string& set : request.compare) {
    std::vector<std::string> specs = request.variants;
    if (set != "-") {
      std::string_view rest(set);
      while (!rest.empty()) {
        const auto plus = rest.find('+');
        const std::string_view spec = rest.substr(0, plus);
        if (spec.empty()) throw InputError(fmt::format("--compare: empty variant in '{}'", set));
        specs.emplace_back(spec);
        rest = plus == std::string_view::npos ? std::string_view{} : rest.substr(plus + 1);
      }
    }
    sets.push_back(std::move(specs));
  }
  if (sets.empty()) sets.push_back(request.variants);

  std::vector<Scenario> scenarios;
  for (const std::string& file : request.scenarios) scenarios.push_back(read_scenario_file(file, timer_names));

  // Each scenario and variant set in turn; its traces are on disk as soon as
  // its runs are done, before the next one starts.
  std::vector<Summary> summaries;
  std::map<std::pair<std::size_t, std::string>, Written> traces;
  ProgressLine progress_line(err, request.progress);
  const auto start = std::chrono::steady_clock::now();
  const std::size_t total = scenarios.size() * sets.size();
  std::uint64_t violating_runs = 0;
  for (const Scenario& scenario : scenarios) {
    for (const auto& set : sets) {
      if (interrupted()) break;
      std::vector<std::string> variants = scenario.variants;
      // --variant / --compare names a node set for the scenario's nodes; errors name the flag.
      variants.insert(variants.end(), set.begin(), set.end());
      {
        const auto check = make_options<raft::Protocol>({}, set, scenario.nodes, "--variant: ", "--variant: ");
        (void)check;
      }
      // --svg draws the first run of the first set; --html a chosen run of every set.
      const bool draw = !request.svg_path.empty() && summaries.empty();
      const bool report = !request.html_path.empty();
      const std::uint64_t record_run = report ? request.html_run - 1 : draw ? 0 : request.runs;
      std::uint64_t done = 0;
      auto after_run = [&](const TimedRunStats& run) {
        ++done;
        violating_runs += run.violation || run.liveness_violation;
        const double elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
        progress_line.show(elapsed, fmt::format("scenario {} of {} ({}{}): run {} of {}; {} violating run(s) so far",
                                                summaries.size() + 1, total, scenario_tag(scenario),
                                                set.empty() ? "" : fmt::format(", {}", fmt::join(set, "+")), done,
                                                request.runs, violating_runs));
      };
      summaries.push_back(summarise(
          scenario, variants,
          protocol.simulate(scenario, request.bugs, variants, request.seed, request.runs, record_run, report,
                            after_run)));
      if (summaries.back().runs.empty()) {  // interrupted before its first run ended
        summaries.pop_back();
        break;
      }
      progress_line.clear();
      write_traces(protocol, summaries, summaries.size() - 1, request, traces);
    }
  }
  progress_line.clear();
  const bool was_interrupted = interrupted();
  if (was_interrupted)
    fmt::print(err, "skiff: interrupted: {} of {} scenario and variant set(s) run, the last one in part\n",
               summaries.size(), total);
  if (summaries.empty()) return kExitOk;

  if (!request.svg_path.empty()) write_text_file(request.svg_path, svg_of(summaries.front(), request.html_path.empty() ? 0 : request.html_run - 1));
  if (!request.html_path.empty()) write_report(summaries, traces, request);
  if (!request.runs_out.empty()) write_text_file(request.runs_out, runs_lines(summaries));

  bool violated = false;
  for (const Summary& s : summaries)
    for (const TimedRunStats& r : s.runs) violated |= bool(r.violation) || bool(r.liveness_violation);

  if (request.json) {
    nlohmann::json all = nlohmann::json::array();
    for (std::size_t i = 0; i < summaries.size(); ++i) {
      const Summary& s = summaries[i];
      nlohmann::json metrics = nlohmann::json::object();
      for (const Metric& m : kMetrics) {
        const Spread& v = s.metrics.at(m.key);
        metrics[std::string(m.key)] = {{"median", v.median}, {"min", v.min}, {"p1", v.p1}, {"p5", v.p5},
                                       {"p95", v.p95}, {"p99", v.p99}, {"max", v.max}, {"runs", v.count}};
      }
      nlohmann::json violations = nlohmann::json::array();
      std::map<std::string, bool> traced;  // the first run violating each invariant has a trace
      for (const TimedRunStats& r : s.runs)
        for (const auto& [v, at] : violations_of(r)) {
          violations.push_back({{"seed", r.seed},
                                {"invariant", v->invariant},
                                {"explanation", v->explanation},
                                {"at_ms", double(at) / 1000},
                                {"reproduce", reproduce(request, s.scenario->file,
                                                        std::vector<std::string>(s.variants.begin() +
                                                                                     std::ptrdiff_t(s.scenario->variants.size()),
                                                                                 s.variants.end()),
                                                        r.seed)}});
          if (!traced[v->invariant]) {
            traced[v->invariant] = true;
            const Written& w = traces.at({i, v->invariant});
            violations.back()["trace"] = w.path;
            violations.back()["trace_events"] = w.events;
          }
        }
      all.push_back({{"scenario", s.scenario->file},
                     {"name", s.scenario->name},
                     {"protocol", request.protocol},
                     {"nodes", s.scenario->nodes},
                     {"variants", s.variants},
                     {"runs", s.runs.size()},
                     {"seed", request.seed},
                     {"duration_ms", double(s.scenario->duration) / 1000},
                     {"metrics", metrics},
                     {"violations", violations}});
    }
    out << nlohmann::json{{"simulations", all}}.dump() << '\n';
    return violated ? kExitViolation : kExitOk;
  }

  if (request.markdown) {
    fmt::print(out,
               "| scenario | variants | first leader ms | failover ms | availability % (p5-p95) | committed / "
               "attempted | commit latency ms | elections started / won / lost | highest term | messages sent / "
               "dropped | violations |\n");
    fmt::print(out, "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---|\n");
  }
  for (std::size_t i = 0; i < summaries.size(); ++i) {
    const Summary& s = summaries[i];
    const auto& m = s.metrics;
    auto med = [&](std::string_view key) {
      const Spread& v = m.at(key);
      return v.count ? number(v.median) : std::string("-");
    };
    std::map<std::string, int> by_invariant;
    for (const TimedRunStats& r : s.runs)
      for (const auto& [v, at] : violations_of(r)) by_invariant[v->invariant] += 1;
    std::string violation_text;
    for (const auto& [name, count] : by_invariant)
      violation_text += fmt::format("{}{} in {} of {} runs", violation_text.empty() ? "" : "; ", name, count,
                                    s.runs.size());
    if (request.markdown) {
      const Spread& a = m.at("availability_pct");
      fmt::print(out, "| {} | {} | {} | {} | {} ({}-{}) | {} / {} | {} | {} / {} / {} | {} | {} / {} | {} |\n",
                 s.scenario->name.empty() ? s.scenario->file : s.scenario->name, variants_text(s.variants),
                 med("first_leader_ms"), med("failover_ms"), number(std::round(a.median * 10) / 10),
                 number(std::round(a.p5 * 10) / 10), number(std::round(a.p95 * 10) / 10), med("commands_committed"),
                 med("commands_attempted"), med("commit_latency_ms"), med("elections_started"),
                 med("elections_won"), med("elections_lost"), med("highest_term"), med("messages_sent"),
                 med("messages_dropped"), violation_text.empty() ? "none" : violation_text);
      continue;
    }
    fmt::print(out, "simulate {}: {}, {} nodes, variants {}, {} runs of {:.1f} s, seeds {} to {}\n",
               s.scenario->file, request.protocol, s.scenario->nodes, variants_text(s.variants), s.runs.size(),
               double(s.scenario->duration) / 1e6, request.seed, request.seed + s.runs.size() - 1);
    fmt::print(out, "  {:<52} {:>10} {:>10} {:>10}\n", "over runs", "median", "p5", "p95");
    for (const Metric& metric : kMetrics) {
      const Spread& v = m.at(metric.key);
      if (!v.count) {
        fmt::print(out, "  {:<52} {:>10}\n", metric.label, "-");
        continue;
      }
      std::string label(metric.label);
      if (v.count != s.runs.size()) label += fmt::format(" [{} runs]", v.count);
      fmt::print(out, "  {:<52} {:>10} {:>10} {:>10}\n", label, number(std::round(v.median * 10) / 10),
                 number(std::round(v.p5 * 10) / 10), number(std::round(v.p95 * 10) / 10));
    }
    if (by_invariant.empty()) {
      fmt::print(out, "  no violation in {} runs\n", s.runs.size());
    } else {
      std::map<std::string, bool> shown;  // the first run violating each invariant; the rest are counted
      for (const TimedRunStats& r : s.runs)
        for (const auto& [v, at] : violations_of(r)) {
          if (shown[v->invariant]) continue;
          shown[v->invariant] = true;
          fmt::print(out, "  violation of {} at seed {}, {:.1f} ms\n    {}\n    reproduce: {}\n", v->invariant, r.seed,
                     double(at) / 1000, v->explanation,
                     reproduce(request, s.scenario->file,
                               std::vector<std::string>(s.variants.begin() + std::ptrdiff_t(s.scenario->variants.size()),
                                                        s.variants.end()),
                               r.seed));
          const Written& w = traces.at({i, v->invariant});
          fmt::print(out, "    trace: {} ({} events)\n    replay: skiff replay {} --verbose\n", w.path, w.events,
                     w.path);
        }
      fmt::print(out, "  {}\n", violation_text);
    }
  }
  if (!request.svg_path.empty() && !request.markdown) fmt::print(out, "picture: {}\n", request.svg_path);
  if (!request.html_path.empty() && !request.markdown) fmt::print(out, "report: {}\n", request.html_path);
  return violated ? kExitViolation : kExitOk;
}

}  // namespace skiff
