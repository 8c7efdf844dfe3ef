// skiff's command line: flags are parsed here, the work is in commands.cpp.
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <charconv>
#include <cstdint>
#include <fmt/format.h>
#include <iostream>
#include <thread>

#include "checker/check_command.hpp"
#include "checker/commands.hpp"
#include "checker/crash_landing.hpp"
#include "checker/simulate_command.hpp"
#include "checker/errors.hpp"
#include "checker/interrupt.hpp"

namespace {

// CLI11 reads numbers with strtoull(..., 0): "-5" as 2^64-5, "010" as 8.
// skiff's numeric flags take decimal digits only, whose value fits in 64
// bits; this check hands CLI11 the number without leading zeros.
const CLI::Validator kDecimal(
    [](std::string& text) -> std::string {
      std::uint64_t value = 0;
      auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
      if (text.empty() || error != std::errc() || end != text.data() + text.size())
        return "expected a decimal number, not '" + text + "'";
      text = std::to_string(value);  // "010" is ten
      return {};
    },
    "");

void add_budget_flags(CLI::App& command, skiff::Budgets& b) {
  auto add = [&](const char* flag, std::uint32_t& budget, const char* help) {
    command.add_option(flag, budget, help)->transform(kDecimal)->capture_default_str();
  };
  add("--steps", b.steps, "events per run");
  add("--max-drops", b.drops, "messages a run may lose");
  add("--max-duplicates", b.duplicates, "messages a run may duplicate");
  add("--max-crashes", b.crashes, "node crashes per run");
  add("--max-link-changes", b.link_changes, "one-way link cuts per run");
  add("--max-commands", b.commands, "client commands a run may submit");
}

int run(int argc, char** argv) {
  CLI::App app{"skiff: a deterministic fuzzing and model-checking harness for consensus protocols"};
  app.require_subcommand(1);
  app.set_version_flag("--version", "skiff 0.1 (trace format 1)");

  bool json = false;
  auto* list = app.add_subcommand("list", "protocols, variants, seeded bugs and invariants");
  list->add_flag("--json", json, "one JSON object");

  skiff::ExploreRequest explore;
  bool no_shrink = false;
  auto* explore_command = app.add_subcommand("explore", "random runs over consecutive seeds");
  explore_command->add_option("protocol", explore.protocol, "protocol name (see 'skiff list')")->required();
  explore_command->add_option("--nodes", explore.config.nodes, "nodes in the cluster")
      ->transform(kDecimal)
      ->capture_default_str();
  explore_command->add_option("--bug", explore.config.bugs, "seed this bug (repeatable)")
      ->expected(1)
      ->allow_extra_args(false)  // one name (or comma list) per --bug
      ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll)
      ->delimiter(',');
  explore_command->add_option("--variant", explore.config.variants,
                              "turn on this protocol variant, e.g. pre-vote or passive=3,4 (repeatable)")
      ->expected(1)
      ->allow_extra_args(false)
      ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
  explore_command->add_option("--seed", explore.config.seed, "run r uses seed SEED+r")
      ->transform(kDecimal)
      ->capture_default_str();
  explore_command->add_option("--runs", explore.config.runs, "how many runs")
      ->transform(kDecimal)
      ->capture_default_str();
  add_budget_flags(*explore_command, explore.config.budgets);
  explore_command->add_option("--jobs", explore.config.jobs, "threads")->transform(kDecimal)->capture_default_str();
  explore_command->add_option("--time-limit", explore.config.time_limit_s, "stop after SEC seconds");
  explore_command->add_option("--out", explore.out_dir, "where traces are written")->capture_default_str();
  std::string profiles_help = "fault profile: how events are chosen (see 'skiff list'):";
  for (const auto& profile : skiff::profile_table()) profiles_help += fmt::format(" {}", profile.name);
  explore_command->add_option("--profile", explore.profile, profiles_help)->capture_default_str();
  explore_command->add_option("--pct-depth", explore.config.aim.pct_depth,
                              "the pct profile's depth D: priorities change at D-1 random steps (1 to 16)")
      ->transform(kDecimal)
      ->capture_default_str();
  explore_command->add_flag("--no-shrink", no_shrink, "report the full trace only");
  explore_command->add_flag("--keep-going", explore.config.keep_going,
                            "do not stop at the first violation: one trace per distinct invariant, a summary of all");
  explore_command->add_option("--ignore-invariant", explore.config.ignored_invariants,
                              "a run violating this invariant ends uncounted as a finding (a known one; repeatable)")
      ->expected(1)
      ->allow_extra_args(false)
      ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
  bool quiet = false;
  explore_command->add_flag("--quiet", quiet, "no progress on stderr");
  explore_command->add_flag("--json", explore.json, "one JSON object on stdout");
  explore_command->add_option("--html", explore.html_dir, "write each violation's page (DIR/PROTOCOL-SEED.html) here");

  std::string trace_path;
  bool verbose = false;
  auto* replay = app.add_subcommand("replay", "re-execute a trace, checking every line");
  auto* trace_arg = replay->add_option("trace", trace_path, "trace file");
  auto* verbose_flag = replay->add_flag("--verbose", verbose, "every node's state after each event");
  std::string html_path;
  auto* html_flag = replay->add_option("--html", html_path, "also write the trace as a page (space-time diagram)");
  // replay --fuzz-input: a fuzz target's input instead of a trace (docs/fuzzing.md).
  skiff::FuzzInputRequest fuzz_input;
  auto* fuzz_flag = replay->add_option("--fuzz-input", fuzz_input.path,
                                       "run a fuzz target's input (crash-*) and write its trace, shrunk")
                        ->excludes(trace_arg)
                        ->excludes(verbose_flag)
                        ->excludes(html_flag);
  fuzz_flag->needs(replay->add_option("--protocol", fuzz_input.protocol, "with --fuzz-input: the target's protocol")
                       ->needs(fuzz_flag));
  replay->add_option("--nodes", fuzz_input.nodes, "with --fuzz-input: SKIFF_NODES")
      ->transform(kDecimal)
      ->capture_default_str()
      ->needs(fuzz_flag);
  replay->add_option("--bug", fuzz_input.bugs, "with --fuzz-input: SKIFF_BUGS (repeatable)")
      ->expected(1)
      ->allow_extra_args(false)
      ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll)
      ->delimiter(',')
      ->needs(fuzz_flag);
  replay->add_option("--variant", fuzz_input.variants, "with --fuzz-input: a spec of SKIFF_VARIANTS (repeatable)")
      ->expected(1)
      ->allow_extra_args(false)
      ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll)
      ->needs(fuzz_flag);
  add_budget_flags(*replay, fuzz_input.budgets);
  for (const char* flag : {"--steps", "--max-drops", "--max-duplicates", "--max-crashes", "--max-link-changes",
                           "--max-commands"})
    replay->get_option(flag)->needs(fuzz_flag);
  replay->add_option("-o,--output", fuzz_input.out_path, "with --fuzz-input: write the trace here (default: stdout)")
      ->needs(fuzz_flag);
  replay->callback([&] {
    if (trace_path.empty() && fuzz_input.path.empty()) throw CLI::RequiredError("trace (or --fuzz-input FILE)");
  });

  std::string shrink_out;
  auto* shrink = app.add_subcommand("shrink", "shrink a violating trace to a 1-minimal one");
  shrink->add_option("trace", trace_path, "trace file")->required();
  shrink->add_option("-o,--output", shrink_out, "write here (default: stdout)");

  skiff::CheckRequest check;
  auto* check_command = app.add_subcommand("check", "every reachable state within bounds (model checking)");
  {
    skiff::CheckConfig& c = check.config;
    // Defaults small enough that `skiff check raft` ends in seconds.
    c.max_depth = 14;
    c.max_epoch = 2;
    c.budgets = skiff::Budgets{0, 0, 0, 0, 0, 1};
    check_command->add_option("protocol", check.protocol, "protocol name (see 'skiff list')")->required();
    check_command->add_option("--nodes", c.nodes, "nodes in the cluster")->transform(kDecimal)->capture_default_str();
    check_command->add_option("--bug", c.bugs, "seed this bug (repeatable)")
        ->expected(1)
        ->allow_extra_args(false)
        ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll)
        ->delimiter(',');
    check_command->add_option("--variant", c.variants, "turn on this protocol variant (repeatable)")
        ->expected(1)
        ->allow_extra_args(false)
        ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
    check_command->add_option("--max-depth", c.max_depth, "events from the initial state")
        ->transform(kDecimal)
        ->capture_default_str();
    check_command->add_option("--max-term", c.max_epoch, "highest term (ballot round) explored; 0: none")
        ->transform(kDecimal)
        ->capture_default_str();
    auto add = [&](const char* flag, std::uint32_t& budget, const char* help) {
      check_command->add_option(flag, budget, help)->transform(kDecimal)->capture_default_str();
    };
    add("--max-commands", c.budgets.commands, "client commands accepted");
    add("--max-crashes", c.budgets.crashes, "node crashes");
    add("--max-drops", c.budgets.drops, "messages lost");
    add("--max-duplicates", c.budgets.duplicates, "messages duplicated");
    add("--max-link-changes", c.budgets.link_changes, "one-way link cuts");
    add("--max-in-flight", c.max_in_flight, "messages in flight; 0: none");
    check_command->add_flag("--symmetry", c.symmetry, "identify states equal up to renaming nodes");
    check_command->add_flag("--depth-first", c.depth_first,
                            "depth-first, one thread, no shortest counterexample: less memory (max depth 63)");
    c.threads = int(std::max(1u, std::thread::hardware_concurrency()));
    check_command->add_option("--threads", c.threads, "threads (default: all cores)")->transform(kDecimal);
    check_command->add_option("--memory-limit", c.memory_limit_gib, "stop cleanly past this many GiB");
    check_command->add_option("--out", check.out_dir, "where a counterexample is written")->capture_default_str();
    check_command->add_flag("--json", check.json, "one JSON object on stdout");
  }

  skiff::SimulateRequest simulate;
  auto* simulate_command = app.add_subcommand("simulate", "run scenarios in the timed world; availability and elections");
  {
    simulate_command->add_option("scenario", simulate.scenarios, "scenario files (docs/scenarios.md)")->required();
    simulate_command->add_option("--protocol", simulate.protocol, "protocol")->capture_default_str();
    simulate_command->add_option("--variant", simulate.variants, "turn on a protocol variant (repeatable)")
        ->expected(1)
        ->allow_extra_args(false)
        ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
    simulate_command->add_option("--compare", simulate.compare,
                                 "a variant set, e.g. pre-vote+check-quorum ('-': none); one result each (repeatable)")
        ->expected(1)
        ->allow_extra_args(false)
        ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
    simulate_command->add_option("--runs", simulate.runs, "runs per scenario")->transform(kDecimal)->capture_default_str();
    simulate_command->add_option("--seed", simulate.seed, "run r uses seed SEED+r")
        ->transform(kDecimal)
        ->capture_default_str();
    simulate_command->add_flag("--json", simulate.json, "one JSON object on stdout");
    simulate_command->add_flag("--markdown", simulate.markdown, "one Markdown table row per scenario and variant set");
    simulate_command->add_option("--svg", simulate.svg_path, "draw the first run: roles, terms and commits over time");
    simulate_command->add_option("--bug", simulate.bugs, "seed this bug (repeatable)")
        ->expected(1)
        ->allow_extra_args(false)
        ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
    simulate_command->add_option("--out", simulate.out_dir, "where the traces of violations go")
        ->capture_default_str();
  }

  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp&) {
    std::cout << app.help();
    return skiff::kExitOk;
  } catch (const CLI::CallForVersion&) {
    std::cout << app.version() << '\n';
    return skiff::kExitOk;
  } catch (const CLI::ParseError& e) {
    if (e.get_exit_code() == 0) return app.exit(e);
    std::cerr << "skiff: " << e.what() << " (see 'skiff --help')\n";
    return skiff::kExitBadInput;
  }

  if (*list) return skiff::run_list(json, std::cout);
  if (*explore_command) {
    explore.shrink = !no_shrink;
    explore.progress = quiet ? skiff::ProgressMode::Off : skiff::progress_mode_for(STDERR_FILENO);
    return skiff::run_explore(explore, std::cout, std::cerr);
  }
  if (*check_command) {
    check.progress = skiff::progress_mode_for(STDERR_FILENO);
    return skiff::run_check(check, std::cout, std::cerr);
  }
  if (*simulate_command) {
    simulate.progress = skiff::progress_mode_for(STDERR_FILENO);
    return skiff::run_simulate(simulate, std::cout, std::cerr);
  }
  if (*replay && !fuzz_input.path.empty()) return skiff::run_replay_fuzz_input(fuzz_input, std::cout, std::cerr);
  if (*replay) return skiff::run_replay(trace_path, verbose, std::cout, std::cerr, html_path);
  if (*shrink) return skiff::run_shrink(trace_path, shrink_out, std::cout, std::cerr);
  return skiff::kExitBadInput;
}

}  // namespace

int main(int argc, char** argv) {
  skiff::install_interrupt_handlers();
  // A fatal signal in protocol code run in this process ends that run as a
  // node-survives violation where a landing is armed (explore, shrink, replay).
  const skiff::CrashLandingHandlers crash_landing_handlers;
  try {
    return run(argc, argv);
  } catch (const skiff::InputError& e) {
    std::cerr << "skiff: " << e.what() << '\n';
    return skiff::kExitBadInput;
  } catch (const std::exception& e) {
    std::cerr << "skiff: " << e.what() << '\n';
    return skiff::kExitDivergence;
  }
}
