// A libFuzzer target for one protocol: the input's bytes are the run's
// choices (ByteChoices, checker/choice.hpp), so one mutated byte changes one
// decision of the scheduler. A run ends when the bytes do (or at the step
// budget); a violated invariant crashes the target. docs/fuzzing.md has the
// byte format, the environment variables and how to turn a crash into a trace.
//
// A protocol's target is one small file that names the protocol and its
// invariants (fuzz/raft.cpp):
//
//   #include "fuzz/protocol_target.hpp"
//   SKIFF_PROTOCOL_FUZZ_TARGET(skiff::raft::Protocol, skiff::invariants::RaftInvariants)
//
// and, optionally before it, a StateAbstraction<P> specialisation that tells
// the protocol-level feedback what a state of that protocol looks like.
#pragma once

#include <algorithm>
#include <array>
#include <charconv>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "checker/choice.hpp"
#include "checker/errors.hpp"
#include "checker/simulation.hpp"
#include "invariants/invariant.hpp"
#include "fuzz/state_feedback.hpp"
#include "fuzz/variant_list.hpp"

namespace skiff::fuzz {

// ---- configuration, from the environment ----------------------------------------

struct TargetConfig {
  int nodes = 3;
  std::vector<std::string> bugs;
  std::vector<std::string> variants;  // specs, as --variant takes them ("pre-vote", "passive=2,3")
  Budgets budgets;
  bool state_feedback = true;
  std::vector<std::string> ignored_invariants;  // a violation of one of these is no crash (a known finding)
  bool depth_feedback = true;  // the depth stages among the state features (raft_depth_feedback.hpp)
  AimConfig aim;               // the fault profile (SKIFF_PROFILE, SKIFF_PCT_DEPTH; checker/aim.hpp)
};

// Bad configuration: one line, and the process ends with status 2, before
// fuzzing starts.
[[noreturn]] inline void config_error(std::string_view protocol, const std::string& what) {
  std::fprintf(stderr, "skiff fuzz target %.*s: %s\n", int(protocol.size()), protocol.data(), what.c_str());
  std::exit(2);
}

// Reads SKIFF_NODES, SKIFF_BUGS (comma-separated), SKIFF_VARIANTS
// (comma-separated, fuzz/variant_list.hpp), SKIFF_STEPS, SKIFF_MAX_DROPS,
// SKIFF_MAX_DUPLICATES, SKIFF_MAX_CRASHES, SKIFF_MAX_LINK_CHANGES,
// SKIFF_MAX_COMMANDS, SKIFF_STATE_FEEDBACK and SKIFF_DEPTH_FEEDBACK (0 or 1;
// unset: on), SKIFF_IGNORE_INVARIANTS (comma-separated invariant names, as
// `explore --ignore-invariant`), SKIFF_PROFILE and SKIFF_PCT_DEPTH (as
// `explore --profile`, `--pct-depth`); unset means the default of `skiff explore`.
template <class P, class Invariants>
TargetConfig config_from_environment() {
  TargetConfig config;
  auto number = [](const char* name, std::uint32_t low, std::uint32_t high) -> std::optional<std::uint32_t> {
    const char* text = std::getenv(name);
    if (!text) return std::nullopt;
    const std::string_view view(text);
    std::uint32_t value = 0;
    auto [end, error] = std::from_chars(view.data(), view.data() + view.size(), value);
    if (view.empty() || error != std::errc() || end != view.data() + view.size() || value < low || value > high)
      config_error(P::name, std::string(name) + ": expected a number from " + std::to_string(low) + " to " +
                                std::to_string(high) + ", not '" + text + "'");
    return value;
  };
  if (auto nodes = number("SKIFF_NODES", std::uint32_t(P::min_nodes), std::uint32_t(P::max_nodes)))
    config.nodes = int(*nodes);
  const std::pair<const char*, std::uint32_t*> budgets[] = {
      {"SKIFF_STEPS", &config.budgets.steps},
      {"SKIFF_MAX_DROPS", &config.budgets.drops},
      {"SKIFF_MAX_DUPLICATES", &config.budgets.duplicates},
      {"SKIFF_MAX_CRASHES", &config.budgets.crashes},
      {"SKIFF_MAX_LINK_CHANGES", &config.budgets.link_changes},
      {"SKIFF_MAX_COMMANDS", &config.budgets.commands},
      {"SKIFF_MAX_CONFIG_CHANGES", &config.budgets.config_changes},
      {"SKIFF_MAX_TRANSFERS", &config.budgets.transfers},
      {"SKIFF_MAX_SNAPSHOTS", &config.budgets.snapshots}};
  for (const auto& [name, budget] : budgets)
    if (auto value = number(name, 0, kMaxBudget)) *budget = *value;
  if (auto feedback = number("SKIFF_STATE_FEEDBACK", 0, 1)) config.state_feedback = *feedback == 1;
  if (auto feedback = number("SKIFF_DEPTH_FEEDBACK", 0, 1)) config.depth_feedback = *feedback == 1;
  if (const char* bugs = std::getenv("SKIFF_BUGS")) {
    std::string_view rest(bugs);
    typename P::Options options;
    while (!rest.empty()) {
      const std::string_view bug = rest.substr(0, rest.find(','));
      rest.remove_prefix(std::min(rest.size(), bug.size() + 1));
      if (bug.empty()) continue;
      if (!options.enable_bug(bug))
        config_error(P::name, "SKIFF_BUGS: unknown bug '" + std::string(bug) + "' for protocol " +
                                  std::string(P::name) + " (see 'skiff list')");
      config.bugs.emplace_back(bug);
    }
  }
  if (const char* ignored = std::getenv("SKIFF_IGNORE_INVARIANTS")) {
    std::string_view rest(ignored);
    while (!rest.empty()) {
      const std::string_view name = rest.substr(0, rest.find(','));
      rest.remove_prefix(std::min(rest.size(), name.size() + 1));
      if (name.empty()) continue;
      const bool known = std::any_of(Invariants::info.begin(), Invariants::info.end(),
                                     [&](const InvariantInfo& invariant) { return invariant.name == name; });
      if (!known)
        config_error(P::name, "SKIFF_IGNORE_INVARIANTS: " + std::string(P::name) + " has no invariant '" +
                                  std::string(name) + "' (see 'skiff list')");
      config.ignored_invariants.emplace_back(name);
    }
  }
  if (const char* profile = std::getenv("SKIFF_PROFILE")) {
    const std::optional<Profile> named = profile_named(profile);
    if (!named) config_error(P::name, "SKIFF_PROFILE: " + unknown_profile_message(profile));
    config.aim.profile = *named;
  }
  if (auto depth = number("SKIFF_PCT_DEPTH", 1, kMaxPctDepth)) config.aim.pct_depth = *depth;
  if (const char* variants = std::getenv("SKIFF_VARIANTS")) {
    config.variants = split_variant_list(variants);
    try {  // checked for SKIFF_NODES' cluster: passive=N names a node
      make_options<P>(config.bugs, config.variants, config.nodes, "SKIFF_BUGS: ", "SKIFF_VARIANTS: ");
    } catch (const InputError& error) {
      config_error(P::name, error.what());
    }
  }
  return config;
}

// The command line that knows the target's protocol: `skiff` for the
// built-in ones; a project's own (skiff_add_fuzz_target's COMMAND defines it).
#ifndef SKIFF_FUZZ_COMMAND
#define SKIFF_FUZZ_COMMAND "skiff"
#endif

// The command that turns a crash input of this configuration into a trace;
// `program` is the command line that knows protocol P.
template <class P>
std::string replay_command(const TargetConfig& config, std::string_view input,
                           std::string_view program = SKIFF_FUZZ_COMMAND) {
  std::string command = std::string(program) + " replay --fuzz-input " + std::string(input) + " --protocol " +
                        std::string(P::name) + " --nodes " + std::to_string(config.nodes);
  for (const std::string& bug : config.bugs) command += " --bug " + bug;
  for (const std::string& variant : config.variants) command += " --variant " + variant;
  command += non_default_budget_flags(config.budgets);
  if (config.aim.profile != AimConfig{}.profile) command += " --profile " + std::string(profile_name(config.aim.profile));
  if (config.aim.pct_depth != AimConfig{}.pct_depth) command += " --pct-depth " + std::to_string(config.aim.pct_depth);
  return command;
}

// ---- what a state looks like to the feedback ------------------------------------

// Small counts up to a cap: 0, 1, ..., cap.
inline std::uint64_t capped(std::uint64_t value, std::uint64_t cap) { return std::min(value, cap); }

// Marks one feature per message type in flight: its name, how many (capped).
template <class P, class Mark>
void message_type_features(const World<P>& world, Mark& mark) {
  std::array<std::pair<std::uint64_t, std::uint32_t>, 16> types{};  // (hash of the type's name, count)
  std::size_t distinct = 0;
  for (const auto& m : world.in_flight()) {
    std::uint64_t h = 0xCBF29CE484222325ull;  // FNV-1a of the type's name
    for (char c : m.message.type_name()) h = (h ^ std::uint8_t(c)) * 0x100000001B3ull;
    std::size_t i = 0;
    while (i < distinct && types[i].first != h) ++i;
    if (i == distinct) {
      if (distinct == types.size()) continue;
      types[distinct++] = {h, 0};
    }
    ++types[i].second;
  }
  for (std::size_t i = 0; i < distinct; ++i) mark(feature(0x3E55, types[i].first, capped(types[i].second, 4)));
}

// What the protocol-level feedback sees of a state: `features(world, mark)`
// calls mark(hash) for each feature of the world's state after an event
// (state_feedback.hpp). The target keeps one StateAbstraction for its life,
// so features may compare a state with the one before it (the stages of
// fuzz/raft_depth_feedback.hpp); if it has `begin_run()`, that is called
// before each run, and `depth_stages(bool)`, once, with SKIFF_DEPTH_FEEDBACK
// (the stages deep bugs pass through: on unless it is 0). Features should be coarse (small numbers, roles)
// so that a fuzzer can reach them all and each means a situation worth
// keeping an input for, and symmetric in the nodes' names.
//
// This protocol-independent one marks, for each node, whether it is crashed,
// which timers are armed and, for a protocol with epochs (terms, ballot
// rounds), how far it is behind the highest; the highest epoch (capped); the
// message types in flight and how many of each. A protocol does better by
// specialising it with what its invariants care about (fuzz/raft.cpp).
template <class P>
struct StateAbstraction {
  template <class Mark>
  static void features(const World<P>& world, Mark& mark) {
    constexpr bool has_epoch = requires(const typename P::Node& node) { node.epoch(); };
    std::uint64_t highest = 0;
    if constexpr (has_epoch)
      for (int i = 0; i < world.node_count(); ++i)
        highest = std::max<std::uint64_t>(highest, world.node(NodeIndex(i)).epoch());
    for (int i = 0; i < world.node_count(); ++i) {
      const NodeIndex n = NodeIndex(i);
      std::uint64_t behind = 0;
      if constexpr (has_epoch) behind = capped(highest - world.node(n).epoch(), 3);
      mark(feature(0x40DE, world.crashed(n), world.armed_timers(n), behind));
    }
    mark(feature(0xE60C, capped(highest, 8)));
    message_type_features(world, mark);
  }
};

// ---- the target -----------------------------------------------------------------

template <class P, class Invariants>
class ProtocolTarget {
 public:
  ProtocolTarget()
      : config_(config_from_environment<P, Invariants>()),
        sim_(config_.nodes,
             make_options<P>(config_.bugs, config_.variants, config_.nodes, "SKIFF_BUGS: ", "SKIFF_VARIANTS: "),
             config_.budgets) {
    record_.reserve(std::min<std::uint32_t>(config_.budgets.steps, 4096));
    if constexpr (requires { abstraction_.depth_stages(true); }) abstraction_.depth_stages(config_.depth_feedback);
    replay_ = replay_command<P>(config_, "CRASH_FILE");
    std::string bugs;
    for (const std::string& bug : config_.bugs) bugs += (bugs.empty() ? "" : ",") + bug;
    std::string variants;
    for (const std::string& variant : config_.variants) variants += (variants.empty() ? "" : " ") + variant;
    std::fprintf(stderr,
                 "skiff fuzz target %s: %d nodes, bugs %s, variants %s, budgets %s, state feedback %s, depth "
                 "stages %s, profile %s\n",
                 std::string(P::name).c_str(), config_.nodes, bugs.empty() ? "none" : bugs.c_str(),
                 variants.empty() ? "none" : variants.c_str(), format_budgets(config_.budgets).c_str(),
                 config_.state_feedback ? "on" : "off", config_.depth_feedback ? "on" : "off",
                 std::string(profile_name(config_.aim.profile)).c_str());
  }

  int run(const std::uint8_t* data, std::size_t size) {
    ByteChoices choices(std::span<const std::uint8_t>(data, size));
    RunOutcome outcome;
    if (config_.state_feedback) {
      if constexpr (requires { abstraction_.begin_run(); }) abstraction_.begin_run();
      outcome = run_choices(
          sim_, choices, record_, [this](const World<P>& world) { abstraction_.features(world, mark_feature); },
          config_.aim);
    } else {
      outcome = run_choices(sim_, choices, record_, NoHook{}, config_.aim);
    }
    if (outcome.violation && !ignored(outcome.violation->invariant)) crash(*outcome.violation);
    return 0;
  }

 private:
  bool ignored(std::string_view invariant) const {
    return std::find(config_.ignored_invariants.begin(), config_.ignored_invariants.end(), invariant) !=
           config_.ignored_invariants.end();
  }

  // Says what was violated and how to get the trace, then aborts: libFuzzer
  // writes the input (crash-*). Nothing here writes a file or can fail.
  [[noreturn]] void crash(const Violation& violation) const {
    std::fprintf(stderr,
                 "\nskiff fuzz target %s: violation of %s after %zu events: %s\n"
                 "  its trace: %s -o crash.trace\n"
                 "  (CRASH_FILE: the input libFuzzer writes below, 'Test unit written to ...')\n",
                 std::string(P::name).c_str(), violation.invariant.c_str(), record_.size(),
                 violation.explanation.c_str(), replay_.c_str());
    std::fflush(stderr);
    std::abort();
  }

  TargetConfig config_;
  Simulation<P, Invariants> sim_;
  StateAbstraction<P> abstraction_;
  std::vector<Event> record_;
  std::string replay_;
};

}  // namespace skiff::fuzz

// Defines the libFuzzer entry points of the target for protocol P checked
// against Invariants. The environment is read once, before the first input.
#define SKIFF_PROTOCOL_FUZZ_TARGET(P, Invariants)                                     \
  namespace {                                                                         \
  skiff::fuzz::ProtocolTarget<P, Invariants>& skiff_fuzz_target() {                  \
    static skiff::fuzz::ProtocolTarget<P, Invariants> target;                         \
    return target;                                                                    \
  }                                                                                   \
  }                                                                                   \
  extern "C" int LLVMFuzzerInitialize(int*, char***) {                                \
    skiff_fuzz_target();                                                              \
    return 0;                                                                         \
  }                                                                                   \
  extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) { \
    return skiff_fuzz_target().run(data, size);                                       \
  }
