// skiff check: the command around the model checker (checker/model_checker.hpp).
#include <fmt/format.h>
#include <fmt/ostream.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <ostream>

#include "checker/check_command.hpp"
#include "checker/commands.hpp"
#include "checker/driver.hpp"
#include "checker/errors.hpp"

namespace skiff {

namespace {

std::string bound(std::uint32_t value) { return value ? std::to_string(value) : "none"; }

}  // namespace

int run_check(const CheckRequest& request, std::ostream& out, std::ostream& err) {
  const ProtocolDriver* driver = find_protocol(request.protocol);
  if (!driver) throw InputError(fmt::format("unknown protocol '{}' (see 'skiff list')", request.protocol));
  const ProtocolInfo& info = driver->info();
  if (!info.checkable) throw InputError(not_checkable_message(info.name));
  if (request.reduction_flag && request.no_reduction_flag) throw InputError("--reduction: not with --no-reduction");
  CheckConfig config = request.config;
  config.reduction = request.reduction_flag;  // off unless asked (check_command.hpp)
  if (config.nodes < info.min_nodes || config.nodes > info.max_nodes)
    throw InputError(fmt::format("--nodes: {} runs with {} to {} nodes, not {}", info.name, info.min_nodes,
                                 info.max_nodes, config.nodes));
  if (config.nodes > kMaxCheckedNodes)
    throw InputError(fmt::format("--nodes: the model checker takes at most {} nodes, not {} (explore and simulate "
                                 "take up to {})",
                                 kMaxCheckedNodes, config.nodes, info.max_nodes));
  if (config.threads < 1 || config.threads > 256) throw InputError("--threads: must be 1 to 256");
  if (config.max_depth > 60000) throw InputError("--max-depth: at most 60000");
  if (config.depth_first && config.max_depth > VisitedSet::kMaxTag)
    throw InputError(fmt::format("--max-depth: at most {} with --depth-first", VisitedSet::kMaxTag));
  if (config.memory_limit_gib < 0) throw InputError("--memory-limit: must not be negative");
  if (config.depth_first && (config.compact || config.bitstate_bits))
    throw InputError("--depth-first: not with --compact or --bitstate (breadth-first only)");
  if (config.compact && config.bitstate_bits) throw InputError("--compact: not with --bitstate");
  if (request.frontier_memory_mb && config.depth_first)
    throw InputError("--frontier-memory: not with --depth-first (breadth-first only)");
  if (!request.spill_dir.empty() && !request.frontier_memory_mb)
    throw InputError("--spill-dir: only with --frontier-memory");
  if (config.swarm && (config.compact || config.depth_first || request.frontier_memory_mb))
    throw InputError("--swarm: not with --compact, --depth-first or --frontier-memory (each member is a depth-first "
                     "bitstate search)");
  if (config.swarm && config.max_depth > VisitedSet::kMaxTag)
    throw InputError(fmt::format("--max-depth: at most {} with --swarm", VisitedSet::kMaxTag));
  if (!info.stateless && (config.fork_per_state || !config.ignored_invariants.empty()))
    throw InputError(fmt::format("{}: only for the stateless search of a library (libraft), not {}",
                                 config.fork_per_state ? "--fork" : "--ignore-invariant", info.name));
  for (const std::string& name : config.ignored_invariants)
    if (std::none_of(info.invariants.begin(), info.invariants.end(),
                     [&](const InvariantInfo& invariant) { return invariant.name == name; }))
      throw InputError(fmt::format("--ignore-invariant: {} has no invariant '{}' (see 'skiff list')", info.name, name));
  if (info.stateless) {
    auto refuse = [&](const char* flag) {
      return InputError(fmt::format("{}: not for {}, whose states are processes (a stateless search)", flag, info.name));
    };
    if (config.symmetry) throw refuse("--symmetry");
    if (config.compact) throw refuse("--compact");
    if (config.bitstate_bits) throw refuse("--bitstate");
    if (config.memory_limit_gib > 0) throw refuse("--memory-limit");
    if (config.swarm) throw refuse("--swarm");
    if (request.frontier_memory_mb) throw refuse("--frontier-memory");
    if (config.max_depth > StatelessCheckerLimits::kMaxDepth)
      throw InputError(fmt::format("--max-depth: at most {} for {} (a stateless search)", StatelessCheckerLimits::kMaxDepth,
                                   info.name));
  }
  for (const std::string& variant : config.variants)
    if (config.symmetry && variant.find('=') != std::string::npos)
      throw InputError(fmt::format("--symmetry: --variant {} sets nodes apart, so they are not interchangeable", variant));
  if (config.symmetry && !info.symmetric)
    throw InputError(fmt::format("--symmetry: the nodes of {} are not interchangeable", info.name));

  const Budgets& b = config.budgets;
  std::string bounds = fmt::format(
      "depth {}, term {}, commands {}, crashes {}, drops {}, duplicates {}, link-changes {}, in-flight {}",
      config.max_depth, bound(config.max_epoch), b.commands, b.crashes, b.drops, b.duplicates, b.link_changes,
      bound(config.max_in_flight));
  if (!config.ignored_invariants.empty())
    bounds += fmt::format("; ignoring {}", fmt::join(config.ignored_invariants, ","));
  if (any_admin(b))  // named only when there are some: the line is what it was without them
    bounds += fmt::format(", config-changes {}, transfers {}, snapshots {}", b.config_changes, b.transfers, b.snapshots);
  if (!request.json)
    fmt::print(out, "check {}: {} nodes, bugs {}{}; bounds: {}; symmetry {}; {}\n", info.name, config.nodes,
               config.bugs.empty() ? "none" : fmt::format("{}", fmt::join(config.bugs, ",")),
               config.variants.empty() ? "" : fmt::format(", variants {}", fmt::join(config.variants, " ")), bounds,
               config.symmetry ? "on" : "off",
               info.stateless ? fmt::format("stateless: {}, {}, {}",
                                            config.fork_per_state ? "a process forked per state"
                                                                  : "states rebuilt by replaying their paths",
                                            config.depth_first ? "depth-first" : "iterative deepening",
                                            config.reduction ? "sleep sets" : "no reduction")
               : config.swarm         ? fmt::format("swarm of {} depth-first searches, seed {}, 2^{} bits each, {} thread(s)",
                                                  config.swarm, config.seed,
                                                  config.bitstate_bits ? config.bitstate_bits : kSwarmBitstateBits,
                                                  std::min<std::uint32_t>(config.swarm, std::uint32_t(config.threads)))
               : config.depth_first ? "depth-first, 1 thread"
                                    : fmt::format("breadth-first, {} thread(s){}", config.threads,
                                               config.compact         ? ", compact visited set"
                                               : config.bitstate_bits ? fmt::format(", bitstate 2^{} bits", config.bitstate_bits)
                                                                      : ""));

  CheckConfig run_config = config;
  const std::string spill_dir = request.spill_dir.empty() ? request.out_dir : request.spill_dir;
  if (request.frontier_memory_mb) {
    run_config.frontier_memory_bytes = std::size_t(request.frontier_memory_mb) << 20;
    run_config.spill_dir = spill_dir;
    std::error_code error;
    std::filesystem::create_directories(spill_dir, error);
    if (error || !std::filesystem::is_directory(spill_dir))
      throw InputError(fmt::format("--spill-dir: {} is not a directory skiff can make files in{}", spill_dir,
                                   error ? ": " + error.message() : ""));
  }
  if (config.swarm && !config.bitstate_bits) run_config.bitstate_bits = kSwarmBitstateBits;
  const bool reduced = info.stateless ? run_config.reduction : explicit_reduction_applies(run_config);
  const auto start = std::chrono::steady_clock::now();
  auto elapsed = [&] { return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count(); };
  ProgressLine progress_line(err, request.progress);
  double level_start_s = 0;
  std::uint64_t level_start_states = 1;
  run_config.progress = [&](std::uint32_t depth, std::uint64_t distinct, std::uint64_t generated) {
    const double now = elapsed();
    const double level_rate = double(distinct - std::min(distinct, level_start_states)) /
                              std::max(now - level_start_s, 1e-9);
    level_start_s = now;
    level_start_states = distinct;
    progress_line.show(now, fmt::format("depth {}: {} distinct states, {} generated, {:.0f} distinct/s ({:.0f}/s "
                                        "overall), {:.0f} s",
                                        depth, distinct, generated, level_rate,
                                        double(distinct) / std::max(now, 1e-9), now));
  };
  CheckOutcome outcome = driver->check(run_config);
  const double seconds = elapsed();
  progress_line.clear();

  std::string trace_path;
  std::string explanation;
  if (outcome.violation) {
    std::error_code ignored;
    std::filesystem::create_directories(request.out_dir, ignored);
    TraceHeader header{std::string(info.name), config.nodes, config.bugs, 0, config.budgets};
    header.variants = config.variants;
    header.budgets.steps = std::uint32_t(outcome.counterexample.size());
    header.isolated = outcome.killed_by_signal;  // made and replayed in a child, as explore does
    Trace trace = driver->make_trace(header, outcome.counterexample);
    explanation = trace.violation ? trace.violation->explanation : outcome.violation->explanation;
    trace_path = (std::filesystem::path(request.out_dir) / fmt::format("{}-check.trace", info.name)).string();
    write_text_file(trace_path, format_trace(trace));
    verify_written_trace(*driver, trace_path);
  }

  // The visited set's chance of having missed a state (docs/model-checking.md).
  const double n = double(outcome.distinct_states);
  std::string omission;
  if (config.swarm)
    omission = fmt::format("swarm: {} of {} members ran; about {:.0f} distinct states seen across them (estimated), {} "
                           "stored by members in all",
                           outcome.swarm_members_run, config.swarm, outcome.swarm_estimated_states,
                           outcome.swarm_stored_states);
  else if (config.bitstate_bits)
    omission = fmt::format("bitstate: 2^{} bits, {} hashes: expected states omitted about {:.3g} ({:.4f}% coverage of "
                           "the states reached; an omitted state's successors may be missed too)",
                           config.bitstate_bits, config.bitstate_hashes, outcome.bitstate_expected_omissions,
                           100 * n / (n + outcome.bitstate_expected_omissions));
  else if (config.compact)
    omission = fmt::format("compact visited set: {}-bit fingerprints: chance of any omitted state at most {:.3g}",
                           CompactVisitedSet::kFingerprintBits,
                           std::min(1.0, n * n / std::ldexp(1.0, CompactVisitedSet::kFingerprintBits + 1)));

  const char* result = outcome.violation                     ? "violation"
                       : outcome.memory_limit_reached        ? "memory-limit"
                       : outcome.interrupted                 ? "interrupted"
                       : config.bitstate_bits || config.swarm ? "partial"
                                                      : "verified";
  const double per_s = double(outcome.distinct_states) / std::max(seconds, 1e-9);
  const double states = double(std::max<std::uint64_t>(1, outcome.distinct_states));
  const double bytes_per_state = double(outcome.visited_bytes) / states;
  const double link_bytes_per_state = double(outcome.link_bytes) / states;
  if (request.json) {
    nlohmann::json j = {{"protocol", info.name},
                        {"distinct_states", outcome.distinct_states},
                        {"generated_states", outcome.generated_states},
                        {"depth", outcome.depth},
                        {"complete", outcome.complete},
                        {"distinct_states_per_s", per_s},
                        {"elapsed_s", seconds},
                        {"visited_bytes_per_state", bytes_per_state},
                        {"link_bytes_per_state", link_bytes_per_state},
                        {"replays", outcome.replays},
                        {"search", info.stateless ? (config.depth_first ? "stateless-depth-first" : "stateless")
                                   : config.swarm     ? "swarm"
                                   : config.depth_first ? "depth-first" : "breadth-first"},
                        {"reduction", reduced},
                        {"result", result}};
    if (config.compact) j["visited_set"] = "compact";
    if (config.bitstate_bits && !config.swarm) {
      j["visited_set"] = "bitstate";
      j["bitstate_expected_omissions"] = outcome.bitstate_expected_omissions;
    }
    if (config.swarm) {
      j["swarm_members"] = config.swarm;
      j["swarm_members_run"] = outcome.swarm_members_run;
      j["swarm_estimated_states"] = outcome.swarm_estimated_states;
      j["swarm_stored_states"] = outcome.swarm_stored_states;
      j["seed"] = config.seed;
      if (outcome.violation) {
        j["swarm_member"] = outcome.swarm_member;
        j["swarm_member_seed"] = outcome.swarm_member_seed;
      }
    } else if (request.frontier_memory_mb) {
      j["frontier_memory_mb"] = request.frontier_memory_mb;
      j["spilled_link_bytes"] = outcome.spilled_link_bytes;
      j["spilled_levels"] = outcome.spilled_levels;
      j["segments"] = outcome.segments;
    }
    if (outcome.violation)
      j["violation"] = {{"invariant", outcome.violation->invariant},
                        {"explanation", explanation},
                        {"trace", trace_path},
                        {"events", outcome.counterexample.size()}};
    out << j.dump() << '\n';
  } else {
    if (info.stateless)
      fmt::print(out,
                 "{} distinct states (at the last depth bound), {} events tried, {} states rebuilt by replay, "
                 "depth {}, {:.2f} s ({:.0f} events tried/s)\n",
                 outcome.distinct_states, outcome.generated_states, outcome.replays, outcome.depth, seconds,
                 double(outcome.generated_states) / std::max(seconds, 1e-9));
    else
      fmt::print(out,
                 "{} distinct states, {} generated, depth {}, {:.2f} s ({:.0f} distinct states/s; bytes per state: "
                 "{:.1f} visited set, {:.1f} links)\n",
                 outcome.distinct_states, outcome.generated_states, outcome.depth, seconds, per_s, bytes_per_state,
                 link_bytes_per_state);
    if (!omission.empty()) fmt::print(out, "{}\n", omission);
    if (request.frontier_memory_mb)
      fmt::print(out, "frontier memory {} MiB: {:.1f} MiB of links in {} level(s) spilled to {}; {} expansion segment(s)\n",
                 request.frontier_memory_mb, double(outcome.spilled_link_bytes) / double(1 << 20),
                 outcome.spilled_levels, spill_dir, outcome.segments);
    if (outcome.violation) {
      fmt::print(out, "violation of {}: {}\n", outcome.violation->invariant, explanation);
      if (config.swarm)
        fmt::print(out, "  found by swarm member {} (shuffle seed {})\n", outcome.swarm_member,
                   outcome.swarm_member_seed);
      fmt::print(out, "  {}: {} events in {}\n",
                 config.swarm         ? "counterexample (swarm: not necessarily a shortest one)"
                 : config.depth_first ? "counterexample (depth-first: not necessarily a shortest one)"
                                      : "shortest counterexample",
                 outcome.counterexample.size(), trace_path);
      fmt::print(out, "  replay: {} replay {} --verbose\n", program_name(), trace_path);
    } else if (outcome.interrupted) {
      fmt::print(out, "interrupted: not verified; no violation up to depth {} ({} distinct states)\n", outcome.depth,
                 outcome.distinct_states);
    } else if (outcome.memory_limit_reached && info.stateless) {
      fmt::print(out, "visited table full: not verified; no violation up to depth {}\n", outcome.depth);
    } else if (outcome.memory_limit_reached) {
      fmt::print(out, "memory limit reached: no violation up to depth {}\n", outcome.depth);
    } else if (config.swarm) {
      fmt::print(out, "no violation found (swarm: partial searches, not a verification) up to depth {}\n",
                 outcome.depth);
    } else if (config.bitstate_bits) {
      fmt::print(out, "no violation found (bitstate: a partial search, not a verification) up to depth {}\n",
                 outcome.depth);
    } else if (outcome.complete) {
      fmt::print(out, "verified within bounds: every reachable state explored\n");
    } else {
      fmt::print(out, "verified within bounds: no violation up to depth {}\n", outcome.depth);
    }
  }
  return outcome.violation ? kExitViolation : kExitOk;
}

}  // namespace skiff
