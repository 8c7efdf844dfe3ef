// skiff_timed_bench: how fast the timed world runs, in simulated seconds per
// wall-clock second, on one thread, for scenarios with clients.
//
//   skiff_timed_bench [SCENARIO]... [--runs R] [--repeat K] [--variant SPEC]... [--whole-log] [--json]
//
// For each scenario (default: the five-node scenarios of corpus/scenarios
// that have clients: cloud-churn and geo-five), K measurements (default 5),
// each R runs (default 5) from seed 1, exactly as `skiff simulate` runs them
// (every safety invariant checked after every event). Prints a Markdown table
// of the median measurement (and min and max), or with --json one object.
// --whole-log checks the log invariants as they were before they became
// incremental (tests/whole_log_invariants.hpp), for BENCHMARKS.md's before/after.
#include <CLI/CLI.hpp>
#include <algorithm>
#include <chrono>
#include <fmt/format.h>
#include <iostream>
#include <nlohmann/json.hpp>

#include "checker/errors.hpp"
#include "checker/scenario.hpp"
#include "checker/simulation.hpp"
#include "checker/timed_world.hpp"
#include "invariants/raft_invariants.hpp"
#include "protocols/raft/raft.hpp"
#include "tests/whole_log_invariants.hpp"

namespace {

using Raft = skiff::raft::Protocol;
using RaftInvariants = skiff::invariants::RaftInvariants;
using Clock = std::chrono::steady_clock;

struct Sample {
  double wall_s = 0, simulated_s = 0;
  std::uint64_t events = 0, commits = 0;
};

template <class Invariants>
Sample measure_with(const skiff::Scenario& scenario, const skiff::raft::Options& options, std::uint64_t runs) {
  Sample s;
  const auto start = Clock::now();
  for (std::uint64_t r = 0; r < runs; ++r) {
    skiff::TimedWorld<Raft, Invariants> world(scenario, options);
    const skiff::TimedRunStats stats = world.run(1 + r);
    if (stats.violation)
      throw std::runtime_error(fmt::format("{}: seed {} violates {}", scenario.file, 1 + r, stats.violation->invariant));
    s.simulated_s += double(stats.duration) / 1e6;
    s.events += stats.events;
    s.commits += stats.commands_committed;
  }
  s.wall_s = std::chrono::duration<double>(Clock::now() - start).count();
  return s;
}

bool whole_log = false;

Sample measure(const skiff::Scenario& scenario, const skiff::raft::Options& options, std::uint64_t runs) {
  return whole_log ? measure_with<skiff::whole_log::RaftInvariants>(scenario, options, runs)
                   : measure_with<RaftInvariants>(scenario, options, runs);
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"skiff_timed_bench: simulated seconds per wall second of the timed world"};
  std::vector<std::string> files;
  std::vector<std::string> variants;
  std::uint64_t runs = 5;
  int repeat = 5;
  bool json = false;
  app.add_option("scenario", files, "scenario files (default: cloud-churn and geo-five)");
  app.add_option("--runs", runs, "runs per measurement")->capture_default_str();
  app.add_option("--repeat", repeat, "measurements")->capture_default_str();
  app.add_option("--variant", variants, "protocol variant (repeatable)")->expected(1)->allow_extra_args(false);
  app.add_flag("--json", json, "one JSON object");
  app.add_flag("--whole-log", whole_log, "check the log invariants whole, as before they were incremental");
  CLI11_PARSE(app, argc, argv);
  if (files.empty())
    for (const char* name : {"cloud-churn.json", "geo-five.json"})
      files.push_back(std::string(SKIFF_SOURCE_DIR) + "/corpus/scenarios/" + name);
  if (std::string_view(SKIFF_BUILD_TYPE) != "Release")
    fmt::print(stderr, "skiff_timed_bench: warning: a {} build; BENCHMARKS.md figures come from Release\n",
               SKIFF_BUILD_TYPE);
  try {
    nlohmann::json results = nlohmann::json::array();
    if (!json) {
      fmt::print("| scenario | nodes | clients | variants | simulated s per wall s (median) | min | max | events/s | "
                 "commits per run |\n|---|---:|---:|---|---:|---:|---:|---:|---:|\n");
    }
    for (const std::string& file : files) {
      std::vector<std::string> names;
      for (int t = 0; t < Raft::timer_count; ++t) names.emplace_back(Raft::timer_name(skiff::TimerId(t)));
      skiff::Scenario scenario = skiff::read_scenario_file(file, names);
      skiff::fill_default_timers<Raft>(scenario);
      std::vector<std::string> all = scenario.variants;
      all.insert(all.end(), variants.begin(), variants.end());
      const auto options = skiff::make_options<Raft>({}, all, scenario.nodes, "", "--variant: ");
      measure(scenario, options, 1);  // warm-up
      std::vector<Sample> samples;
      for (int k = 0; k < repeat; ++k) samples.push_back(measure(scenario, options, runs));
      std::sort(samples.begin(), samples.end(),
                [](const Sample& a, const Sample& b) { return a.simulated_s / a.wall_s < b.simulated_s / b.wall_s; });
      const Sample& median = samples[samples.size() / 2];
      const double rate = median.simulated_s / median.wall_s;
      const double low = samples.front().simulated_s / samples.front().wall_s;
      const double high = samples.back().simulated_s / samples.back().wall_s;
      const std::string variant_text = all.empty() ? "none" : fmt::format("{}", fmt::join(all, " "));
      if (json) {
        results.push_back({{"scenario", scenario.name}, {"nodes", scenario.nodes}, {"clients", scenario.clients.count},
                           {"variants", all}, {"simulated_s_per_wall_s", rate}, {"min", low}, {"max", high},
                           {"events_per_s", double(median.events) / median.wall_s},
                           {"commits_per_run", double(median.commits) / double(runs)}});
      } else {
        fmt::print("| {} | {} | {} | {} | {:.0f} | {:.0f} | {:.0f} | {:.0f}k | {:.0f} |\n", scenario.name, scenario.nodes,
                   scenario.clients.count, variant_text, rate, low, high, double(median.events) / median.wall_s / 1e3,
                   double(median.commits) / double(runs));
      }
    }
    if (json) std::cout << nlohmann::json{{"benchmark", "timed"}, {"build", SKIFF_BUILD_TYPE}, {"results", results}}.dump() << '\n';
  } catch (const std::exception& e) {
    fmt::print(stderr, "skiff_timed_bench: {}\n", e.what());
    return 2;
  }
  return 0;
}
