#include "checker/commands.hpp"

#include <fmt/format.h>
#include <fmt/ostream.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <nlohmann/json.hpp>
#include <ostream>

#include "checker/driver.hpp"
#include "checker/errors.hpp"
#include "checker/html_view.hpp"
#include "checker/trace.hpp"

namespace skiff {

namespace {

using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

const ProtocolDriver& protocol_named(const std::string& name, const std::string& where) {
  const ProtocolDriver* driver = find_protocol(name);
  if (!driver) throw InputError(fmt::format("{}unknown protocol '{}' (see 'skiff list')", where, name));
  return *driver;
}

// The protocol a trace file names, once its header fits it; errors name the
// header line at fault. (Bug names are checked by the driver, at bugs_line.)
const ProtocolDriver& protocol_of(const Trace& trace, const std::string& path) {
  const TraceHeader& header = trace.header;
  const ProtocolDriver& driver = protocol_named(header.protocol, trace_location(path, header.protocol_line));
  const ProtocolInfo& info = driver.info();
  if (header.nodes < info.min_nodes || header.nodes > info.max_nodes)
    throw InputError(fmt::format("{}{} runs with {} to {} nodes, not {}", trace_location(path, header.nodes_line),
                                 info.name, info.min_nodes, info.max_nodes, header.nodes));
  return driver;
}

std::string human_rate(double per_second) {
  if (per_second >= 1e6) return fmt::format("{:.2f}M", per_second / 1e6);
  if (per_second >= 1e3) return fmt::format("{:.1f}k", per_second / 1e3);
  return fmt::format("{:.0f}", per_second);
}

}  // namespace

// Replays a trace that skiff is about to report (its text, as written) and
// checks that it ends in the violation it names: nothing is reported that
// does not replay.
void verify_trace(const ProtocolDriver& driver, const Trace& trace, const std::string& path) {
  ReplayReport report = driver.replay(trace, path, nullptr);
  const bool same = report.violation && trace.violation &&
                    report.violation->invariant == trace.violation->invariant &&
                    report.violation->explanation == trace.violation->explanation &&
                    report.events_replayed == trace.events.size() && !report.divergence;
  if (!same)
    throw std::runtime_error(fmt::format("internal error: the trace just written to {} does not replay{}", path,
                                         report.divergence ? ": " + report.divergence->reason : ""));
}

void verify_written_trace(const ProtocolDriver& driver, const std::string& path) {
  verify_trace(driver, read_trace_file(path), path);
}

int run_list(bool json, std::ostream& out) {
  if (json) {
    nlohmann::json protocols = nlohmann::json::array();
    for (const ProtocolDriver* p : all_protocols()) {
      const ProtocolInfo& info = p->info();
      auto named = [](const auto& items) {
        nlohmann::json list = nlohmann::json::array();
        for (const auto& item : items)
          list.push_back({{"name", item.name}, {"description", item.description}});
        return list;
      };
      protocols.push_back({{"name", info.name},
                           {"description", info.description},
                           {"min_nodes", info.min_nodes},
                           {"max_nodes", info.max_nodes},
                           {"variants", named(info.variants)},
                           {"bugs", named(info.bugs)},
                           {"invariants", named(info.invariants)}});
      if (!info.admin_operations.empty()) protocols.back()["admin_operations"] = named(info.admin_operations);
    }
    nlohmann::json profiles = nlohmann::json::array();
    for (const ProfileInfo& profile : profile_table())
      profiles.push_back({{"name", profile.name}, {"description", profile.description}});
    out << nlohmann::json{{"protocols", protocols}, {"profiles", profiles}}.dump(2) << '\n';
    return kExitOk;
  }
  for (const ProtocolDriver* p : all_protocols()) {
    const ProtocolInfo& info = p->info();
    fmt::print(out, "{}: {} ({} to {} nodes)\n", info.name, info.description, info.min_nodes, info.max_nodes);
    auto section = [&](std::string_view title, const auto& items) {
      fmt::print(out, "  {}:{}\n", title, items.empty() ? " none" : "");
      for (const auto& item : items) fmt::print(out, "    {:<26} {}\n", item.name, item.description);
    };
    section("variants", info.variants);
    if (!info.admin_operations.empty())  // only a protocol that has them
      section("administrative commands (--max-config-changes, --max-transfers)", info.admin_operations);
    section("seeded bugs (--bug NAME)", info.bugs);
    section("invariants", info.invariants);
  }
  fmt::print(out, "fault profiles (skiff explore --profile NAME):\n");
  for (const ProfileInfo& profile : profile_table())
    fmt::print(out, "  {:<28} {}\n", profile.name, profile.description);
  return kExitOk;
}

std::string reproduce_command(const std::string& protocol, const ExploreConfig& config, std::uint64_t seed) {
  std::string command = fmt::format("{} explore {} --nodes {}", program_name(), protocol, config.nodes);
  for (const std::string& bug : config.bugs) command += " --bug " + bug;
  for (const std::string& variant : config.variants) command += " --variant " + variant;
  command += non_default_budget_flags(config.budgets);
  if (config.aim.profile != AimConfig{}.profile) command += fmt::format(" --profile {}", profile_name(config.aim.profile));
  const bool may_pct = config.aim.profile == Profile::Pct || config.aim.profile == Profile::Mix;
  if (may_pct && config.aim.pct_depth != kDefaultPctDepth) command += fmt::format(" --pct-depth {}", config.aim.pct_depth);
  command += fmt::format(" --seed {} --runs 1", seed);
  return command;
}

// The profile --profile and --pct-depth name, or a one-line InputError.
AimConfig aim_named(const std::string& name, std::uint32_t pct_depth) {
  const std::optional<Profile> profile = profile_named(name);
  if (!profile) throw InputError("--profile: " + unknown_profile_message(name));
  if (pct_depth < 1 || pct_depth > kMaxPctDepth)
    throw InputError(fmt::format("--pct-depth: 1 to {}, not {}", kMaxPctDepth, pct_depth));
  return AimConfig{*profile, pct_depth};
}

int run_explore(const ExploreRequest& request, std::ostream& out, std::ostream& err) {
  const ProtocolDriver& driver = protocol_named(request.protocol, "");
  const ProtocolInfo& info = driver.info();
  ExploreConfig config = request.config;
  config.aim = aim_named(request.profile, config.aim.pct_depth);
  if (config.nodes < info.min_nodes || config.nodes > info.max_nodes)
    throw InputError(fmt::format("--nodes: {} runs with {} to {} nodes, not {}", info.name, info.min_nodes,
                                 info.max_nodes, config.nodes));
  if (config.runs == 0) throw InputError("--runs: must be at least 1");
  for (const std::string& name : config.ignored_invariants) {
    const bool known = std::any_of(info.invariants.begin(), info.invariants.end(),
                                   [&](const InvariantInfo& invariant) { return invariant.name == name; });
    if (!known)
      throw InputError(fmt::format("--ignore-invariant: {} has no invariant '{}' (see 'skiff list')", info.name, name));
  }
  if (config.budgets.steps == 0) throw InputError("--steps: must be at least 1");
  for (const auto& [flag, value] : budget_flags(config.budgets))  // no larger than a trace can hold
    if (value > kMaxBudget) throw InputError(fmt::format("--{}: at most {}, not {}", flag, kMaxBudget, value));
  if (config.jobs < 1 || config.jobs > kMaxJobs)
    throw InputError(fmt::format("--jobs: 1 to {}, not {}", kMaxJobs, config.jobs));
  std::error_code ignored;
  std::filesystem::create_directories(request.out_dir, ignored);
  if (!std::filesystem::is_directory(request.out_dir))
    throw InputError(fmt::format("--out: {}: not a directory", request.out_dir));
  if (!request.html_dir.empty()) {
    std::filesystem::create_directories(request.html_dir, ignored);
    if (!std::filesystem::is_directory(request.html_dir))
      throw InputError(fmt::format("--html: {}: not a directory", request.html_dir));
  }

  ExploreConfig run_config = config;
  const auto start = Clock::now();
  ProgressLine progress_line(err, request.progress);
  run_config.progress = [&](const ExploreProgress& p) {
    const double elapsed = seconds_since(start);
    double left = config.time_limit_s > 0 ? config.time_limit_s - elapsed : 0;
    if (p.runs > 0) {
      const double by_runs = elapsed / double(p.runs) * double(config.runs - std::min(p.runs, config.runs));
      left = config.time_limit_s > 0 ? std::min(left, by_runs) : by_runs;
    }
    std::string findings = p.findings.empty() ? "no finding" : fmt::format("{} finding(s): ", p.findings.size());
    for (std::size_t i = 0; i < p.findings.size(); ++i)
      findings += fmt::format("{}{} ({})", i ? ", " : "", p.findings[i].invariant, p.findings[i].runs);
    if (p.ignored_runs) findings += fmt::format("; {} ignored", p.ignored_runs);
    progress_line.show(elapsed, fmt::format("{} runs of {}, {} events/s, {}, {:.0f} s left", p.runs, config.runs,
                                            human_rate(double(p.events) / std::max(elapsed, 1e-9)), findings,
                                            std::max(left, 0.0)));
  };

  struct Reported {
    FoundRun run;
    std::string trace_path, full_trace_path;
    std::string explanation;  // as the reported trace's footer has it
    std::size_t events_before = 0, events_after = 0;
    double shrink_s = 0;
    bool shrink_abandoned = false;
    std::string html_path;  // the page of the trace, if --html
  };
  std::vector<Reported> reported;
  auto print_finding = [&](const Reported& r) {
    fmt::print(out, "violation of {} at seed {}\n", r.run.violation.invariant, r.run.seed);
    fmt::print(out, "  {}\n", r.explanation);
    if (request.shrink)
      fmt::print(out, "  trace:     {} ({} events, shrunk from {} in {:.2f} s{}; full trace {})\n", r.trace_path,
                 r.events_after, r.events_before, r.shrink_s,
                 r.shrink_abandoned ? ", shrinking cut short by the interruption" : "", r.full_trace_path);
    else
      fmt::print(out, "  trace:     {} ({} events)\n", r.trace_path, r.events_before);
    fmt::print(out, "  replay:    {} replay {} --verbose\n", program_name(), r.trace_path);
    if (!r.html_path.empty()) fmt::print(out, "  html:      {}\n", r.html_path);
    fmt::print(out, "  reproduce: {}\n", reproduce_command(request.protocol, config, r.run.seed));
    out.flush();
  };
  // Each finding goes to disk as soon as explore hands it over: the full
  // trace first (replayed), then the shrunk one; the runs go on meanwhile.
  run_config.on_found = [&](const FoundRun& found) {
    TraceHeader header{std::string(info.name), config.nodes, config.bugs, found.seed, config.budgets};
    header.variants = config.variants;
    header.isolated = found.isolated;  // a crash of the process: made again in a child
    Trace trace = driver.make_trace(header, found.events);
    if (found.isolated && !trace.violation) {
      progress_line.clear();
      fmt::print(err, "skiff: seed {} crashed skiff's process ({}), but not a child process running it alone; "
                 "not reported\n", found.seed, found.violation.explanation);
      return;
    }
    Reported r{found, {}, {}, {}, trace.events.size(), trace.events.size(), 0, false, {}};
    const std::string base = (std::filesystem::path(request.out_dir) /
                              fmt::format("{}-{}", info.name, found.seed)).string();
    r.trace_path = base + ".trace";
    const std::string first_path = request.shrink ? base + ".full.trace" : r.trace_path;
    write_text_file(first_path, format_trace(trace));
    verify_written_trace(driver, first_path);
    if (request.shrink) {
      r.full_trace_path = first_path;
      progress_line.clear();
      if (request.progress != ProgressMode::Off)
        fmt::print(err, "violation of {} at seed {}: {} (shrinking)\n", found.violation.invariant, found.seed,
                   first_path);
      const auto shrink_start = Clock::now();
      ShrinkStats stats;
      trace = driver.shrink(trace, first_path, stats);
      r.shrink_s = seconds_since(shrink_start);
      r.shrink_abandoned = stats.abandoned;
      r.events_after = trace.events.size();
      write_text_file(r.trace_path, format_trace(trace));
      verify_written_trace(driver, r.trace_path);
    }
    r.explanation = trace.violation ? trace.violation->explanation : found.violation.explanation;
    if (!request.html_dir.empty()) {
      r.html_path = (std::filesystem::path(request.html_dir) / fmt::format("{}-{}.html", info.name, found.seed)).string();
      // From the file, as `replay --html` would make it (with its line numbers).
      write_text_file(r.html_path, build_html_page(driver, read_trace_file(r.trace_path), r.trace_path));
    }
    r.run.events.clear();  // on disk now
    progress_line.clear();
    if (!request.json) print_finding(r);
    reported.push_back(std::move(r));
  };
  ExploreOutcome outcome = driver.explore(run_config);
  const double elapsed = seconds_since(start);
  progress_line.clear();

  const double events_per_s = double(outcome.events) / std::max(elapsed, 1e-9);
  std::string stopped;
  if (outcome.interrupted)
    stopped = ", interrupted";
  else if (outcome.timed_out)
    stopped = ", stopped by --time-limit";
  if (request.json) {
    nlohmann::json violations = nlohmann::json::array();
    for (const Reported& r : reported) {
      violations.push_back({{"invariant", r.run.violation.invariant},
                            {"explanation", r.explanation},
                            {"seed", r.run.seed},
                            {"trace", r.trace_path},
                            {"full_trace", r.full_trace_path},
                            {"events_before", r.events_before},
                            {"events_after", r.events_after},
                            {"shrink_s", r.shrink_s},
                            {"shrink_abandoned", r.shrink_abandoned},
                            {"reproduce", reproduce_command(request.protocol, config, r.run.seed)}});
      if (!request.html_dir.empty()) violations.back()["html"] = r.html_path;
    }
    nlohmann::json findings = nlohmann::json::array();
    for (const Finding& f : outcome.findings)
      findings.push_back({{"invariant", f.invariant}, {"first_seed", f.first_seed}, {"runs", f.runs}});
    nlohmann::json result = {{"protocol", info.name},     {"runs", outcome.runs},
                             {"events", outcome.events},  {"elapsed_s", elapsed},
                             {"events_per_s", events_per_s}, {"timed_out", outcome.timed_out},
                             {"interrupted", outcome.interrupted},
                             {"violations", violations},  {"findings", findings},
                             {"ignored", outcome.ignored}};
    out << result.dump() << '\n';
  } else {
    if (config.keep_going && !outcome.findings.empty()) {
      fmt::print(out, "findings ({} distinct):\n", outcome.findings.size());
      for (const Finding& f : outcome.findings)
        fmt::print(out, "  {:<26} first seed {}, {} run(s)\n", f.invariant, f.first_seed, f.runs);
    }
    if (!outcome.ignored.empty()) {
      std::string list;
      for (const auto& [invariant, runs] : outcome.ignored)
        list += fmt::format("{}{} ({} run(s))", list.empty() ? "" : ", ", invariant, runs);
      fmt::print(out, "ignored: {}\n", list);
    }
    fmt::print(out, "{} runs, {} events in {:.2f} s ({} events/s){}: {}\n", outcome.runs, outcome.events, elapsed,
               human_rate(events_per_s), stopped,
               reported.empty() ? "no violation" : fmt::format("{} violation(s)", reported.size()));
  }
  return reported.empty() ? kExitOk : kExitViolation;
}

int run_replay(const std::string& path, bool verbose, std::ostream& out, std::ostream& err,
               const std::string& html_path) {
  if (!html_path.empty()) check_html_path(html_path);
  Trace trace = read_trace_file(path);
  const ProtocolDriver& driver = protocol_of(trace, path);
  const ProtocolInfo& info = driver.info();
  fmt::print(out, "replay {}: {}, {} nodes, bugs {}, {} events{}\n", path, info.name, trace.header.nodes,
             trace.header.bugs.empty() ? "none" : fmt::format("{}", fmt::join(trace.header.bugs, ",")) +
                 (trace.header.variants.empty()
                      ? ""
                      : fmt::format(", variants {}", fmt::join(trace.header.variants, " "))),
             trace.events.size(),
             trace.header.timed ? fmt::format(", timed (scenario {})", trace.header.timed->scenario) : "");
  std::size_t number = 0;
  ReplayObserver observer = [&](const TraceEvent& event, const std::vector<std::string>& states) {
    fmt::print(out, "{:4} {}\n", ++number, format_trace_event(event));
    if (!verbose) return;
    for (const std::string& state : states) fmt::print(out, "       {}\n", state);
  };
  ReplayReport report = driver.replay(trace, path, observer);
  if (trace.liveness_check_at >= 0 && !report.divergence && report.events_replayed == trace.events.size())
    fmt::print(out, "{:4} {} liveness-check\n", ++number, format_millis(trace.liveness_check_at));
  if (!html_path.empty()) write_text_file(html_path, build_html_page(driver, trace, path));

  // An event's line; a trace without events has only its footer to point at.
  auto line_of = [&](std::size_t index) {
    return index < trace.events.size() ? trace.events[index].line : trace.footer_line;
  };
  if (report.divergence) {
    fmt::print(err, "skiff: {}:{}: the trace does not replay: {}\n", path, report.divergence->line,
               report.divergence->reason);
    return kExitDivergence;
  }
  if (report.violation) {
    // A liveness violation found at the check names the check's line.
    const bool at_check = trace.liveness_check_line > 0 && report.events_replayed == trace.events.size() &&
                          report.violation->invariant == "bounded-liveness";
    const int line = at_check ? trace.liveness_check_line : line_of(report.events_replayed - 1);
    fmt::print(out, "violation {}: {}\n", report.violation->invariant, report.violation->explanation);
    if (report.events_replayed < trace.events.size()) {
      fmt::print(err, "skiff: {}:{}: the trace does not replay: {} is violated here, but the trace goes on\n",
                 path, line, report.violation->invariant);
      return kExitDivergence;
    }
    if (!trace.violation || trace.violation->invariant != report.violation->invariant) {
      fmt::print(err, "skiff: {}:{}: the trace does not replay: its footer says {}\n", path, line,
                 trace.violation ? "violation " + trace.violation->invariant : "no-violation");
      return kExitDivergence;
    }
    return kExitViolation;
  }
  if (trace.violation) {
    fmt::print(err, "skiff: {}:{}: the trace does not replay: it ends without violating {}\n", path,
               line_of(trace.events.size() - 1), trace.violation->invariant);
    return kExitDivergence;
  }
  fmt::print(out, "no violation\n");
  return kExitOk;
}

int run_replay_fuzz_input(const FuzzInputRequest& request, std::ostream& out, std::ostream& err) {
  const ProtocolDriver& driver = protocol_named(request.protocol, "--protocol: ");
  const ProtocolInfo& info = driver.info();
  if (request.nodes < info.min_nodes || request.nodes > info.max_nodes)
    throw InputError(fmt::format("--nodes: {} runs with {} to {} nodes, not {}", info.name, info.min_nodes,
                                 info.max_nodes, request.nodes));
  const Budgets& b = request.budgets;  // no larger than a trace can hold
  for (std::uint32_t value : {b.steps, b.drops, b.duplicates, b.crashes, b.link_changes, b.commands,
                              b.config_changes, b.transfers, b.snapshots})
    if (value > kMaxBudget) throw InputError(fmt::format("budgets: at most {}, not {}", kMaxBudget, value));
  std::ifstream file(request.path, std::ios::binary);
  std::error_code ignored;
  if (!file || std::filesystem::is_directory(request.path, ignored))
    throw InputError(fmt::format("{}: cannot open fuzz input", request.path));
  const std::vector<std::uint8_t> bytes{std::istreambuf_iterator<char>(file), std::istreambuf_iterator<char>()};
  if (file.bad()) throw InputError(fmt::format("{}: cannot read fuzz input", request.path));

  const AimConfig aim = aim_named(request.profile, request.pct_depth);
  TraceHeader header{std::string(info.name), request.nodes, request.bugs, 0, request.budgets};
  header.variants = request.variants;
  const auto start = Clock::now();
  ByteRun run = driver.run_bytes(header, bytes, aim);
  Trace trace = driver.make_trace(header, run.events);
  std::string summary = fmt::format("fuzz input {}: {} bytes ({} read), {} events, {}", request.path, bytes.size(),
                                    run.bytes_read, trace.events.size(),
                                    trace.violation ? "violation " + trace.violation->invariant : "no violation");
  // What is written has been replayed: to its violation, or to its end without one.
  auto check_replays = [&](const Trace& written, const std::string& where) {
    if (written.violation) {
      verify_trace(driver, written, where);
      return;
    }
    ReplayReport report = driver.replay(written, where, nullptr);
    if (report.divergence || report.violation || report.events_replayed != written.events.size())
      throw std::runtime_error(fmt::format("internal error: the trace written to {} does not replay", where));
  };
  if (trace.violation) {
    // The whole run is on disk before shrinking starts (an interrupted
    // shrink keeps it, or the shortest run found by then).
    if (!request.out_path.empty()) {
      write_text_file(request.out_path, format_trace(trace));
      check_replays(read_trace_file(request.out_path), request.out_path);
    }
    ShrinkStats stats;
    trace = driver.shrink(trace, request.path, stats);
    summary += fmt::format("; shrunk to {} events ({} replays, {:.2f} s{})", stats.events_after, stats.replays,
                           seconds_since(start), stats.abandoned ? ", cut short by the interruption" : "");
  }
  const std::string text = format_trace(trace);
  if (request.out_path.empty()) {
    check_replays(parse_trace(text, "<stdout>"), "<stdout>");
    out << text;
  } else {
    write_text_file(request.out_path, text);
    check_replays(read_trace_file(request.out_path), request.out_path);
    summary += " -> " + request.out_path;
  }
  fmt::print(err, "{}\n", summary);
  return trace.violation ? kExitViolation : kExitOk;
}

int run_shrink(const std::string& path, const std::string& out_path, std::ostream& out, std::ostream& err) {
  Trace trace = read_trace_file(path);
  const ProtocolDriver& driver = protocol_of(trace, path);
  if (!trace.violation) throw InputError(fmt::format("{}: nothing to shrink: the trace names no violation", path));
  ReplayReport report = driver.replay(trace, path, nullptr);
  if (report.divergence || !report.violation || report.violation->invariant != trace.violation->invariant ||
      report.events_replayed != trace.events.size()) {
    fmt::print(err, "skiff: {}: the trace does not replay to {}; run 'skiff replay {}'\n", path,
               trace.violation->invariant, path);
    return kExitDivergence;
  }
  const auto start = Clock::now();
  ShrinkStats stats;
  trace = driver.shrink(trace, path, stats);
  const double shrink_s = seconds_since(start);
  const std::string text = format_trace(trace);
  if (out_path.empty()) {
    verify_trace(driver, parse_trace(text, "<stdout>"), "<stdout>");
    out << text;
  } else {
    write_text_file(out_path, text);
    verify_written_trace(driver, out_path);
  }
  fmt::print(err, "shrunk {}: {} events -> {} events ({} replays, {:.2f} s{}){}\n", path, stats.events_before,
             stats.events_after, stats.replays, shrink_s, stats.abandoned ? ", cut short by the interruption" : "",
             out_path.empty() ? "" : " -> " + out_path);
  return kExitViolation;
}

int run_repeat(const RepeatRequest& request, std::ostream& out) {
  const ProtocolDriver& driver = protocol_named(request.protocol, "");
  const ProtocolInfo& info = driver.info();
  if (request.nodes < info.min_nodes || request.nodes > info.max_nodes)
    throw InputError(fmt::format("--nodes: {} runs with {} to {} nodes, not {}", info.name, info.min_nodes,
                                 info.max_nodes, request.nodes));
  const AimConfig aim = aim_named(request.profile, request.pct_depth);
  // One run of the seed: its decisions (bytes_of_seed runs the seeded run,
  // as explore runs it under the same profile), then the run those
  // decisions make, as trace lines.
  auto run_once = [&](const TraceHeader& header, std::vector<std::uint8_t>& decisions) {
    decisions = driver.bytes_of_seed(header, header.seed, aim);
    const ByteRun run = driver.run_bytes(header, decisions, aim);
    std::vector<std::string> lines;
    for (const TraceEvent& event : driver.make_trace(header, run.events).events)
      lines.push_back(format_trace_event(event));
    lines.push_back(run.violation ? fmt::format("violation {}: {}", run.violation->invariant, run.violation->explanation)
                                  : "no violation");
    return lines;
  };
  for (std::uint64_t r = 0; r < request.runs; ++r) {
    TraceHeader header{std::string(info.name), request.nodes, request.bugs, request.seed + r, request.budgets};
    header.variants = request.variants;
    std::vector<std::uint8_t> first_decisions, second_decisions;
    const std::vector<std::string> first = run_once(header, first_decisions);
    const std::vector<std::string> second = run_once(header, second_decisions);
    std::size_t i = 0;
    while (i < first.size() && i < second.size() && first[i] == second[i]) ++i;
    if (i == first.size() && i == second.size() && first_decisions == second_decisions) continue;
    if (i < first.size() || i < second.size())
      fmt::print(out, "seed {}: the two runs differ at event {}:\n  first:  {}\n  second: {}\n", header.seed, i + 1,
                 i < first.size() ? first[i] : "(the run ended)", i < second.size() ? second[i] : "(the run ended)");
    else
      fmt::print(out, "seed {}: the two runs made different decisions ({} and {} bytes) but the same events\n",
                 header.seed, first_decisions.size(), second_decisions.size());
    fmt::print(out, "{} is not deterministic (docs/bring-your-own.md, \"Determinism\")\n", info.name);
    return kExitViolation;
  }
  const std::string profile =
      aim == AimConfig{} ? ""
      : aim.profile == Profile::Pct || aim.profile == Profile::Mix
          ? fmt::format(" (profile {}, pct depth {})", profile_name(aim.profile), aim.pct_depth)
          : fmt::format(" (profile {})", profile_name(aim.profile));
  fmt::print(out, "{} seeds{}, each run twice: the same events, byte for byte\n", request.runs, profile);
  return kExitOk;
}

}  // namespace skiff
