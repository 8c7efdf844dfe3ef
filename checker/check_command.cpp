// skiff check: the command around the model checker (checker/model_checker.hpp).
#include <fmt/format.h>
#include <fmt/ostream.h>

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
  const CheckConfig& config = request.config;
  if (config.nodes < info.min_nodes || config.nodes > info.max_nodes)
    throw InputError(fmt::format("--nodes: {} runs with {} to {} nodes, not {}", info.name, info.min_nodes,
                                 info.max_nodes, config.nodes));
  if (config.threads < 1 || config.threads > 256) throw InputError("--threads: must be 1 to 256");
  if (config.max_depth > 60000) throw InputError("--max-depth: at most 60000");
  if (config.depth_first && config.max_depth > VisitedSet::kMaxTag)
    throw InputError(fmt::format("--max-depth: at most {} with --depth-first", VisitedSet::kMaxTag));
  if (config.memory_limit_gib < 0) throw InputError("--memory-limit: must not be negative");
  if (config.depth_first && (config.compact || config.bitstate_bits))
    throw InputError("--depth-first: not with --compact or --bitstate (breadth-first only)");
  if (config.compact && config.bitstate_bits) throw InputError("--compact: not with --bitstate");
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
  if (any_admin(b))  // named only when there are some: the line is what it was without them
    bounds += fmt::format(", config-changes {}, transfers {}, snapshots {}", b.config_changes, b.transfers, b.snapshots);
  if (!request.json)
    fmt::print(out, "check {}: {} nodes, bugs {}{}; bounds: {}; symmetry {}; {}\n", info.name, config.nodes,
               config.bugs.empty() ? "none" : fmt::format("{}", fmt::join(config.bugs, ",")),
               config.variants.empty() ? "" : fmt::format(", variants {}", fmt::join(config.variants, " ")), bounds,
               config.symmetry ? "on" : "off",
               config.depth_first ? "depth-first, 1 thread"
                                 : fmt::format("breadth-first, {} thread(s){}", config.threads,
                                               config.compact         ? ", compact visited set"
                                               : config.bitstate_bits ? fmt::format(", bitstate 2^{} bits", config.bitstate_bits)
                                                                      : ""));

  CheckConfig run_config = config;
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
  if (config.bitstate_bits)
    omission = fmt::format("bitstate: 2^{} bits, {} hashes: expected states omitted about {:.3g} ({:.4f}% coverage of "
                           "the states reached; an omitted state's successors may be missed too)",
                           config.bitstate_bits, config.bitstate_hashes, outcome.bitstate_expected_omissions,
                           100 * n / (n + outcome.bitstate_expected_omissions));
  else if (config.compact)
    omission = fmt::format("compact visited set: {}-bit fingerprints: chance of any omitted state at most {:.3g}",
                           CompactVisitedSet::kFingerprintBits,
                           std::min(1.0, n * n / std::ldexp(1.0, CompactVisitedSet::kFingerprintBits + 1)));

  const char* result = outcome.violation              ? "violation"
                       : outcome.memory_limit_reached ? "memory-limit"
                       : outcome.interrupted          ? "interrupted"
                       : config.bitstate_bits         ? "partial"
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
                        {"search", config.depth_first ? "depth-first" : "breadth-first"},
                        {"reduction", config.reduction && !config.depth_first && !config.max_in_flight},
                        {"result", result}};
    if (config.compact) j["visited_set"] = "compact";
    if (config.bitstate_bits) {
      j["visited_set"] = "bitstate";
      j["bitstate_expected_omissions"] = outcome.bitstate_expected_omissions;
    }
    if (outcome.violation)
      j["violation"] = {{"invariant", outcome.violation->invariant},
                        {"explanation", explanation},
                        {"trace", trace_path},
                        {"events", outcome.counterexample.size()}};
    out << j.dump() << '\n';
  } else {
    fmt::print(out,
               "{} distinct states, {} generated, depth {}, {:.2f} s ({:.0f} distinct states/s; bytes per state: "
               "{:.1f} visited set, {:.1f} links)\n",
               outcome.distinct_states, outcome.generated_states, outcome.depth, seconds, per_s, bytes_per_state,
               link_bytes_per_state);
    if (!omission.empty()) fmt::print(out, "{}\n", omission);
    if (outcome.violation) {
      fmt::print(out, "violation of {}: {}\n", outcome.violation->invariant, explanation);
      fmt::print(out, "  {}: {} events in {}\n",
                 config.depth_first ? "counterexample (depth-first: not necessarily a shortest one)"
                                    : "shortest counterexample",
                 outcome.counterexample.size(), trace_path);
      fmt::print(out, "  replay: {} replay {} --verbose\n", program_name(), trace_path);
    } else if (outcome.interrupted) {
      fmt::print(out, "interrupted: not verified; no violation up to depth {} ({} distinct states)\n", outcome.depth,
                 outcome.distinct_states);
    } else if (outcome.memory_limit_reached) {
      fmt::print(out, "memory limit reached: no violation up to depth {}\n", outcome.depth);
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
