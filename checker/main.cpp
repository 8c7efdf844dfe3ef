// skiff's command line (command_line.hpp): flags are parsed here, the work is
// in commands.cpp. skiff's own main() is in skiff_main.cpp.
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <fmt/format.h>
#include <iostream>
#include <limits>
#include <string_view>
#include <thread>
#include <vector>

#include "checker/check_command.hpp"
#include "checker/command_line.hpp"
#include "checker/commands.hpp"
#include "checker/crash_landing.hpp"
#include "checker/simulate_command.hpp"
#include "checker/errors.hpp"
#include "checker/interrupt.hpp"
#include "checker/trace.hpp"

// The version the build names (CMakeLists.txt) is the one the code writes.
static_assert(SKIFF_TRACE_FORMAT_VERSION == skiff::kTraceVersion,
              "SKIFF_TRACE_FORMAT_VERSION in CMakeLists.txt differs from kTraceVersion in checker/trace.hpp");

namespace {

// Text from the command line shown on one line: control bytes as \xNN.
std::string shown(std::string_view text) {
  std::string out;
  for (unsigned char c : text) {
    if (c < 0x20 || c == 0x7f)
      out += fmt::format("\\x{:02x}", c);
    else
      out += char(c);
  }
  return out;
}

// Every numeric flag reads its value through whole_number() or
// positive_number(), so every bad number gets the same one line, e.g.
//   skiff: --steps: expected a whole number from 1 to 1073741824, not '0'
// CLI11 alone reads numbers with strtoull(..., 0) ("-5" as 2^64-5, "010" as
// 8) and says "Could not convert" when a number does not fit the variable.
// Ranges here are what the value's type or a trace can hold; limits that
// depend on the protocol (--nodes) are checked by the command.
CLI::Validator whole_number(std::uint64_t min, std::uint64_t max) {
  return CLI::Validator(
      [min, max](std::string& text) -> std::string {
        std::uint64_t value = 0;
        auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
        if (text.empty() || error != std::errc() || end != text.data() + text.size() || value < min || value > max)
          return fmt::format("expected a whole number from {} to {}, not '{}'", min, max, shown(text));
        text = std::to_string(value);  // "010" is ten
        return {};
      },
      "");
}

// A number of seconds (or GiB) greater than zero: not 0, not negative, not
// nan or inf, nothing after the number. Leaving the flag out means no limit.
CLI::Validator positive_number(const char* unit) {
  return CLI::Validator(
      [unit](std::string& text) -> std::string {
        double value = 0;
        auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
        if (text.empty() || error != std::errc() || end != text.data() + text.size() || !std::isfinite(value) ||
            value <= 0)
          return fmt::format("expected a number of {} greater than 0, not '{}'", unit, shown(text));
        return {};
      },
      "");
}

template <class T>
CLI::Option* add_whole(CLI::App& command, const char* flag, T& value, const char* help, std::uint64_t min = 0,
                       std::uint64_t max = std::numeric_limits<T>::max()) {
  return command.add_option(flag, value, help)->transform(whole_number(min, max))->capture_default_str();
}

// Options of several values (--bug a,b or --bug a --bug b).
CLI::Option* add_list(CLI::App& command, const char* flag, std::vector<std::string>& values, const char* help) {
  return command.add_option(flag, values, help)
      ->expected(1)
      ->allow_extra_args(false)  // one name (or comma list) per flag
      ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
}

void add_budget_flags(CLI::App& command, skiff::Budgets& b) {
  add_whole(command, "--steps", b.steps, "events per run", 1, skiff::kMaxBudget);
  add_whole(command, "--max-drops", b.drops, "messages a run may lose", 0, skiff::kMaxBudget);
  add_whole(command, "--max-duplicates", b.duplicates, "messages a run may duplicate", 0, skiff::kMaxBudget);
  add_whole(command, "--max-crashes", b.crashes, "node crashes per run", 0, skiff::kMaxBudget);
  add_whole(command, "--max-link-changes", b.link_changes, "one-way link cuts per run", 0, skiff::kMaxBudget);
  add_whole(command, "--max-commands", b.commands, "client commands a run may submit", 0, skiff::kMaxBudget);
  add_whole(command, "--max-config-changes", b.config_changes,
            "membership changes a run may make (protocols with administrative commands)", 0, skiff::kMaxBudget);
  add_whole(command, "--max-transfers", b.transfers, "leadership transfers a run may start", 0, skiff::kMaxBudget);
  add_whole(command, "--max-snapshots", b.snapshots, "log compactions a run may make", 0, skiff::kMaxBudget);
}

// The edit distance of two words (for "did you mean").
std::size_t distance(std::string_view a, std::string_view b) {
  std::vector<std::size_t> row(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    std::size_t diagonal = row[0];
    row[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      const std::size_t above = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diagonal = above;
    }
  }
  return row[b.size()];
}

// "skiff explor raft": CLI11 would say "A subcommand is required". The first
// word that is not a flag must name a command; say so, with the nearest one.
void check_command_name(const CLI::App& app, int argc, char** argv) {
  if (argc < 2 || argv[1][0] == '-') return;
  const std::string_view word = argv[1];
  std::string nearest;
  std::size_t best = std::numeric_limits<std::size_t>::max();
  for (const CLI::App* command : app.get_subcommands({})) {
    if (command->get_name() == word) return;
    const std::size_t d = distance(word, command->get_name());
    if (d < best) best = d, nearest = command->get_name();
  }
  std::string names;
  for (const CLI::App* command : app.get_subcommands({})) names += (names.empty() ? "" : ", ") + command->get_name();
  if (best <= std::max<std::size_t>(2, word.size() / 3))
    throw skiff::InputError(
        fmt::format("unknown command '{}'; did you mean '{}'? (commands: {})", shown(word), nearest, names));
  throw skiff::InputError(fmt::format("unknown command '{}' (commands: {})", shown(word), names));
}

int run(int argc, char** argv) {
  CLI::App app{"skiff: a deterministic fuzzing and model-checking harness for consensus protocols"};
  app.require_subcommand(1);
  app.set_version_flag("--version", fmt::format("skiff {} (trace format {})", SKIFF_VERSION, skiff::kTraceVersion));

  bool json = false;
  auto* list = app.add_subcommand("list", "protocols, variants, seeded bugs and invariants");
  list->add_flag("--json", json, "one JSON object");

  skiff::ExploreRequest explore;
  bool no_shrink = false;
  auto* explore_command = app.add_subcommand("explore", "random runs over consecutive seeds");
  explore_command->add_option("protocol", explore.protocol, "protocol name (see 'skiff list')")->required();
  add_whole(*explore_command, "--nodes", explore.config.nodes, "nodes in the cluster", 1, skiff::kMaxNodes);
  add_list(*explore_command, "--bug", explore.config.bugs, "seed this bug (repeatable)")->delimiter(',');
  add_list(*explore_command, "--variant", explore.config.variants,
           "turn on this protocol variant, e.g. pre-vote or passive=3,4 (repeatable)");
  add_whole(*explore_command, "--seed", explore.config.seed, "run r uses seed SEED+r");
  add_whole(*explore_command, "--runs", explore.config.runs, "how many runs", 1);
  add_budget_flags(*explore_command, explore.config.budgets);
  add_whole(*explore_command, "--jobs", explore.config.jobs, "threads", 1, skiff::kMaxJobs);
  explore_command->add_option("--time-limit", explore.config.time_limit_s, "stop after SEC seconds (default: no limit)")
      ->transform(positive_number("seconds"));
  explore_command->add_option("--out", explore.out_dir, "where traces are written")->capture_default_str();
  std::string profiles_help = "fault profile: how events are chosen (see 'skiff list'):";
  for (const auto& profile : skiff::profile_table()) profiles_help += fmt::format(" {}", profile.name);
  explore_command->add_option("--profile", explore.profile, profiles_help)->capture_default_str();
  add_whole(*explore_command, "--pct-depth", explore.config.aim.pct_depth,
            "the pct profile's depth D: priorities change at D-1 random steps", 1, skiff::kMaxPctDepth);
  explore_command->add_flag("--no-shrink", no_shrink, "report the full trace only");
  explore_command->add_flag("--keep-going", explore.config.keep_going,
                            "do not stop at the first violation: one trace per distinct invariant, a summary of all");
  add_list(*explore_command, "--ignore-invariant", explore.config.ignored_invariants,
           "a run violating this invariant ends uncounted as a finding (a known one; repeatable)");
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
  add_whole(*replay, "--nodes", fuzz_input.nodes, "with --fuzz-input: SKIFF_NODES", 1, skiff::kMaxNodes)
      ->needs(fuzz_flag);
  add_list(*replay, "--bug", fuzz_input.bugs, "with --fuzz-input: SKIFF_BUGS (repeatable)")
      ->delimiter(',')
      ->needs(fuzz_flag);
  add_list(*replay, "--variant", fuzz_input.variants, "with --fuzz-input: a spec of SKIFF_VARIANTS (repeatable)")
      ->needs(fuzz_flag);
  add_budget_flags(*replay, fuzz_input.budgets);
  replay->add_option("--profile", fuzz_input.profile, "with --fuzz-input: SKIFF_PROFILE")->needs(fuzz_flag);
  add_whole(*replay, "--pct-depth", fuzz_input.pct_depth, "with --fuzz-input: SKIFF_PCT_DEPTH", 1,
            skiff::kMaxPctDepth)
      ->needs(fuzz_flag);
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
    add_whole(*check_command, "--nodes", c.nodes, "nodes in the cluster", 1, skiff::kMaxCheckedNodes);
    add_list(*check_command, "--bug", c.bugs, "seed this bug (repeatable)")->delimiter(',');
    add_list(*check_command, "--variant", c.variants, "turn on this protocol variant (repeatable)");
    add_whole(*check_command, "--max-depth", c.max_depth, "events from the initial state", 0, 60000);
    add_whole(*check_command, "--max-term", c.max_epoch, "highest term (ballot round) explored; 0: none");
    auto add = [&](const char* flag, std::uint32_t& budget, const char* help) {
      add_whole(*check_command, flag, budget, help, 0, skiff::kMaxBudget);
    };
    add("--max-commands", c.budgets.commands, "client commands accepted");
    add("--max-crashes", c.budgets.crashes, "node crashes");
    add("--max-drops", c.budgets.drops, "messages lost");
    add("--max-duplicates", c.budgets.duplicates, "messages duplicated");
    add("--max-link-changes", c.budgets.link_changes, "one-way link cuts");
    add("--max-config-changes", c.budgets.config_changes, "membership changes");
    add("--max-transfers", c.budgets.transfers, "leadership transfers");
    add("--max-snapshots", c.budgets.snapshots, "log compactions");
    add_whole(*check_command, "--max-in-flight", c.max_in_flight, "messages in flight; 0: none");
    check_command->add_flag("--symmetry", c.symmetry, "identify states equal up to renaming nodes");
    check_command->add_flag("--reduction", check.reduction_flag,
                            "sleep-set reduction (explicit search: fewer transitions, same states, slower so far; "
                            "stateless search of a library: fewer paths, see docs/model-checking.md's open risk)");
    check_command->add_flag("--no-reduction", check.no_reduction_flag,
                            "no partial-order reduction (the default): try every event of every state");
    check_command->add_flag("--depth-first", c.depth_first,
                            "depth-first, one thread, no shortest counterexample: less memory (max depth 63)");
    check_command->add_flag("--compact", c.compact,
                            "compact visited set: 4-byte slots, 48-bit fingerprints (breadth-first)");
    add_whole(*check_command, "--bitstate", c.bitstate_bits,
              "bitstate search (partial): a Bloom filter of 2^BITS bits as the visited set", skiff::BitstateSet::kMinBits,
              skiff::BitstateSet::kMaxBits);
    add_list(*check_command, "--ignore-invariant", c.ignored_invariants,
             "stateless search: a path violating NAME ends there, unreported (repeatable)");
    check_command->add_flag("--fork", c.fork_per_state,
                            "stateless search of a library (libraft): fork a process per state to try each event, "
                            "rather than replay paths from the first boot");
    add_whole(*check_command, "--bitstate-hashes", c.bitstate_hashes, "bits set per state with --bitstate", 1, 16);
    c.threads = int(std::max(1u, std::thread::hardware_concurrency()));
    check_command->add_option("--threads", c.threads, "threads (default: all cores)")->transform(whole_number(1, 256));
    check_command
        ->add_option("--memory-limit", c.memory_limit_gib, "stop cleanly past this many GiB (default: no limit)")
        ->transform(positive_number("GiB"));
    add_whole(*check_command, "--frontier-memory", check.frontier_memory_mb,
              "breadth-first: keep at most about MB of links and candidates in memory, the rest in files in "
              "--spill-dir (same results)",
              1, std::uint64_t(1) << 30);
    check_command->add_option("--spill-dir", check.spill_dir, "where --frontier-memory spills (default: --out)");
    add_whole(*check_command, "--swarm", c.swarm,
              "swarm: N depth-first searches in differently shuffled orders, each with its own bitstate set", 1,
              1u << 20);
    add_whole(*check_command, "--seed", c.seed, "--swarm: member m shuffles with a seed drawn from SEED and m");
    check_command->add_option("--out", check.out_dir, "where a counterexample is written")->capture_default_str();
    check_command->add_flag("--json", check.json, "one JSON object on stdout");
  }

  skiff::RepeatRequest repeat;
  auto* repeat_command = app.add_subcommand("repeat", "run each seed twice and compare the runs event by event (determinism)");
  repeat_command->add_option("protocol", repeat.protocol, "protocol name (see 'skiff list')")->required();
  add_whole(*repeat_command, "--nodes", repeat.nodes, "nodes in the cluster", 1, skiff::kMaxNodes);
  add_list(*repeat_command, "--bug", repeat.bugs, "seed this bug (repeatable)")->delimiter(',');
  add_list(*repeat_command, "--variant", repeat.variants, "turn on this protocol variant (repeatable)");
  add_whole(*repeat_command, "--seed", repeat.seed, "run r uses seed SEED+r");
  add_whole(*repeat_command, "--runs", repeat.runs, "how many seeds", 1);
  add_budget_flags(*repeat_command, repeat.budgets);
  repeat_command->add_option("--profile", repeat.profile, profiles_help)->capture_default_str();
  add_whole(*repeat_command, "--pct-depth", repeat.pct_depth,
            "the pct profile's depth D: priorities change at D-1 random steps", 1, skiff::kMaxPctDepth);

  skiff::SimulateRequest simulate;
  auto* simulate_command = app.add_subcommand("simulate", "run scenarios in the timed world; availability and elections");
  {
    simulate_command->add_option("scenario", simulate.scenarios, "scenario files (docs/scenarios.md)")->required();
    simulate_command->add_option("--protocol", simulate.protocol, "protocol")->capture_default_str();
    add_list(*simulate_command, "--variant", simulate.variants, "turn on a protocol variant (repeatable)");
    add_list(*simulate_command, "--compare", simulate.compare,
             "a variant set, e.g. pre-vote+check-quorum ('-': none); one result each (repeatable)");
    add_whole(*simulate_command, "--runs", simulate.runs, "runs per scenario", 1);
    add_whole(*simulate_command, "--seed", simulate.seed, "run r uses seed SEED+r");
    simulate_command->add_flag("--json", simulate.json, "one JSON object on stdout");
    simulate_command->add_flag("--markdown", simulate.markdown, "one Markdown table row per scenario and variant set");
    simulate_command->add_option("--svg", simulate.svg_path, "draw the first run: roles, terms and commits over time");
    simulate_command->add_option("--runs-out", simulate.runs_out, "write each run's figures to FILE, one JSON object a line");
    simulate_command->add_option("--html", simulate.html_path,
                                 "write a report page: availability over time, recovery CDFs, leader timelines, variant sets side by side");
    add_whole(*simulate_command, "--html-run", simulate.html_run, "the run whose leader timeline --html draws (1: the first)", 1);
    add_list(*simulate_command, "--bug", simulate.bugs, "seed this bug (repeatable)");
    simulate_command->add_option("--out", simulate.out_dir, "where the traces of violations go")
        ->capture_default_str();
  }

  try {
    check_command_name(app, argc, argv);
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
  if (*repeat_command) return skiff::run_repeat(repeat, std::cout);
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

int skiff::command_line_main(int argc, char** argv, std::span<const ProtocolDriver* const> protocols,
                             std::string_view program) {
  use_protocols(protocols);
  program_name() = std::string(program);
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
