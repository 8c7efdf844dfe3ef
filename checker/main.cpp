// skiff's command line: flags are parsed here, the work is in commands.cpp.
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <fmt/format.h>
#include <iostream>

#include "checker/commands.hpp"
#include "checker/errors.hpp"

namespace {

void add_budget_flags(CLI::App& command, skiff::Budgets& b) {
  command.add_option("--steps", b.steps, "events per run")->capture_default_str();
  command.add_option("--max-drops", b.drops, "messages a run may lose")->capture_default_str();
  command.add_option("--max-duplicates", b.duplicates, "messages a run may duplicate")->capture_default_str();
  command.add_option("--max-crashes", b.crashes, "node crashes per run")->capture_default_str();
  command.add_option("--max-link-changes", b.link_changes, "one-way link cuts per run")->capture_default_str();
  command.add_option("--max-commands", b.commands, "client commands a run may submit")->capture_default_str();
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
  explore_command->add_option("--nodes", explore.config.nodes, "nodes in the cluster")->capture_default_str();
  explore_command->add_option("--bug", explore.config.bugs, "seed this bug (repeatable)")
      ->expected(1)
      ->delimiter(',');
  explore_command->add_option("--seed", explore.config.seed, "run r uses seed SEED+r")->capture_default_str();
  explore_command->add_option("--runs", explore.config.runs, "how many runs")->capture_default_str();
  add_budget_flags(*explore_command, explore.config.budgets);
  explore_command->add_option("--jobs", explore.config.jobs, "threads")->capture_default_str();
  explore_command->add_option("--time-limit", explore.config.time_limit_s, "stop after SEC seconds");
  explore_command->add_option("--out", explore.out_dir, "where traces are written")->capture_default_str();
  explore_command->add_flag("--no-shrink", no_shrink, "report the full trace only");
  explore_command->add_flag("--keep-going", explore.config.keep_going, "do not stop at the first violation");
  explore_command->add_flag("--json", explore.json, "one JSON object on stdout");

  std::string trace_path;
  bool verbose = false;
  auto* replay = app.add_subcommand("replay", "re-execute a trace, checking every line");
  replay->add_option("trace", trace_path, "trace file")->required();
  replay->add_flag("--verbose", verbose, "every node's state after each event");

  std::string shrink_out;
  auto* shrink = app.add_subcommand("shrink", "shrink a violating trace to a 1-minimal one");
  shrink->add_option("trace", trace_path, "trace file")->required();
  shrink->add_option("-o,--output", shrink_out, "write here (default: stdout)");

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
    explore.show_progress = isatty(STDERR_FILENO) && !explore.json;
    return skiff::run_explore(explore, std::cout, std::cerr);
  }
  if (*replay) return skiff::run_replay(trace_path, verbose, std::cout, std::cerr);
  if (*shrink) return skiff::run_shrink(trace_path, shrink_out, std::cout, std::cerr);
  return skiff::kExitBadInput;
}

}  // namespace

int main(int argc, char** argv) {
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
