// A protocol as the command line sees it: one virtual call per command, not
// per event. ProtocolDriverFor<P, Invariants> implements it for any protocol.
#pragma once

#include <functional>
#include <memory>
#include <span>
#include <utility>
#include <string>
#include <type_traits>
#include <vector>

#include "checker/explore.hpp"
#include "checker/model_checker.hpp"
#include "checker/shrink.hpp"
#include "checker/stateless_checker.hpp"
#include "checker/simulation.hpp"
#include "checker/timed_replay.hpp"
#include "checker/trace.hpp"
#include "invariants/invariant.hpp"

namespace skiff {

struct ProtocolInfo {
  std::string_view name;
  std::string_view description;
  int min_nodes = 3;
  int max_nodes = 7;
  std::vector<BugInfo> bugs;
  std::vector<InvariantInfo> invariants;
  std::vector<BugInfo> variants;  // name and description, like bugs
  std::vector<AdminOperation> admin_operations;  // administrative commands (protocol.hpp), if any
  bool checkable = true;          // `skiff check` works: its nodes can be copied and hashed, or hashed (stateless)
  // `skiff check` searches it statelessly (checker/stateless_checker.hpp):
  // its nodes can be hashed but not copied, and it runs in a child process.
  bool stateless = false;
  // Whether renaming nodes maps behaviours to behaviours (what skiff check
  // --symmetry assumes); a protocol says otherwise with
  // `static constexpr bool symmetric = false`.
  bool symmetric = true;
};

struct ReplayReport {
  std::size_t events_replayed = 0;
  std::optional<Violation> violation;    // met while replaying
  std::optional<Divergence> divergence;  // the trace stopped fitting the world
};

// A run whose decisions were read from bytes (a fuzzer's input).
struct ByteRun {
  std::vector<Event> events;
  std::optional<Violation> violation;
  std::size_t bytes_read = 0;  // the rest of the input was not needed
};

// Called after each replayed event with the event and one line per node.
using ReplayObserver = std::function<void(const TraceEvent&, const std::vector<std::string>& node_states)>;

// The world as a replay leaves it after one event (or at first boot), for
// views that draw a run (html_view.hpp). Nodes in order 0..n-1.
struct ReplayStep {
  const TraceEvent* event = nullptr;     // nullptr: the first boot, before any event
  std::vector<std::string> node_states;  // each node's own one-line print
  std::vector<bool> crashed;
  std::vector<std::pair<NodeIndex, NodeIndex>> links_down;  // (from, to), in order
  struct Message {
    MessageId id;
    std::string text;
  };
  std::vector<Message> in_flight;  // in the world's order
};
using ReplayStepObserver = std::function<void(const ReplayStep&)>;

// A ReplayStep (but its event) across a child process (Executor::execute_observed).
inline void put_state(SharedLog& log, const ReplayStep& step) {
  put_state(log, step.node_states);
  log.put<std::uint64_t>(step.crashed.size());
  for (bool c : step.crashed) log.put<std::uint8_t>(c);
  log.put<std::uint64_t>(step.links_down.size());
  for (const auto& [from, to] : step.links_down) {
    log.put(from);
    log.put(to);
  }
  log.put<std::uint64_t>(step.in_flight.size());
  for (const auto& m : step.in_flight) {
    log.put(m.id);
    log.put_string(m.text);
  }
}
inline void get_state(SharedLog::Reader& reader, ReplayStep& step) {
  get_state(reader, step.node_states);
  step.crashed.resize(reader.get<std::uint64_t>());
  for (std::size_t i = 0; i < step.crashed.size(); ++i) step.crashed[i] = reader.get<std::uint8_t>() != 0;
  step.links_down.resize(reader.get<std::uint64_t>());
  for (auto& [from, to] : step.links_down) {
    from = reader.get<NodeIndex>();
    to = reader.get<NodeIndex>();
  }
  step.in_flight.resize(reader.get<std::uint64_t>());
  for (auto& m : step.in_flight) {
    m.id = reader.get<MessageId>();
    m.text = reader.get_string();
  }
}

// The one-line error of `skiff check` for a protocol whose nodes cannot be
// copied and hashed (a real library's instances).
inline std::string not_checkable_message(std::string_view protocol) {
  return fmt::format("{} cannot be model checked: its nodes cannot be copied and hashed (use explore)", protocol);
}

class ProtocolDriver {
 public:
  virtual ~ProtocolDriver() = default;
  virtual const ProtocolInfo& info() const = 0;
  virtual ExploreOutcome explore(const ExploreConfig& config) const = 0;
  virtual Trace make_trace(const TraceHeader& header, std::span<const Event> events) const = 0;
  // Strict replay; throws InputError (naming `file`) for unknown bugs.
  virtual ReplayReport replay(const Trace& trace, const std::string& file,
                              const ReplayObserver& observer) const = 0;
  // Strict replay like replay(), reporting the first boot and then the world
  // after each event.
  virtual ReplayReport replay_steps(const Trace& trace, const std::string& file,
                                    const ReplayStepObserver& observer) const = 0;
  // Exhaustive search within bounds; throws InputError for a protocol whose
  // nodes cannot be copied and hashed, or for --symmetry on one whose nodes
  // are not interchangeable.
  virtual CheckOutcome check(const CheckConfig& config) const = 0;
  // The trace shrunk to a 1-minimal one that still violates its invariant.
  virtual Trace shrink(const Trace& trace, const std::string& file, ShrinkStats& stats) const = 0;
  // One run of the cluster the header describes (nodes, bugs, budgets) whose
  // decisions are read from `bytes` (ByteChoices), as a fuzz target runs it.
  // Throws InputError for unknown bugs.
  // `aim`: the fault profile the fuzz target ran with (SKIFF_PROFILE).
  virtual ByteRun run_bytes(const TraceHeader& header, std::span<const std::uint8_t> bytes,
                            const AimConfig& aim) const = 0;
  // The bytes that make run_bytes(header, bytes, aim) repeat the seeded run
  // `seed` under the profile `aim` (of the cluster the header describes, as
  // explore runs it), decision for decision.
  virtual std::vector<std::uint8_t> bytes_of_seed(const TraceHeader& header, std::uint64_t seed,
                                                  const AimConfig& aim) const = 0;
};

template <class P, class Invariants>
class ProtocolDriverFor final : public ProtocolDriver {
 public:
  ProtocolDriverFor() {
    info_.name = P::name;
    info_.description = P::description;
    info_.min_nodes = P::min_nodes;
    info_.max_nodes = P::max_nodes;
    info_.bugs.assign(P::bugs().begin(), P::bugs().end());
    info_.invariants.assign(Invariants::info.begin(), Invariants::info.end());
    info_.checkable = kCheckable || kStatelessCheckable;
    info_.stateless = !kCheckable && kStatelessCheckable;
    if constexpr (requires { P::symmetric; }) info_.symmetric = P::symmetric;
    if constexpr (requires { P::variants(); }) info_.variants.assign(P::variants().begin(), P::variants().end());
    if constexpr (requires { P::admin_operations(); })
      info_.admin_operations.assign(P::admin_operations().begin(), P::admin_operations().end());
  }

  const ProtocolInfo& info() const override { return info_; }

  ExploreOutcome explore(const ExploreConfig& config) const override {
    return explore_seeds<P, Invariants>(config);
  }

  // Whether the timed world runs it (what timed traces need: applied commands).
  static constexpr bool kTimed = requires(const typename P::Node& node) { node.applied(); };
  static std::string not_timed_message(const Trace& trace, const std::string& file) {
    return fmt::format("{}{} has no timed runs, so no timed traces", trace_location(file, trace.header.timed_line),
                       P::name);
  }

  static constexpr bool kHashable = requires(const typename P::Node& node, StateEncoder& encoder) {
    node.encode(encoder);
    node.epoch();
  };
  static constexpr bool kCheckable = kHashable && std::is_copy_constructible_v<typename P::Node>;
  // Nodes that can be hashed but not copied, in a child process: a real library.
  static constexpr bool kStatelessCheckable = kHashable && !kCheckable && kRunsInChild<P>;

  CheckOutcome check(const CheckConfig& config) const override {
    if constexpr (kCheckable) {
      if (config.symmetry && !info_.symmetric)
        throw InputError(fmt::format("--symmetry: the nodes of {} are not interchangeable", P::name));
      return ModelChecker<P, Invariants>(config).run();
    } else if constexpr (kStatelessCheckable) {
      return StatelessChecker<P, Invariants>(config).run();
    } else {
      throw InputError(not_checkable_message(P::name));
    }
  }

  Trace make_trace(const TraceHeader& header, std::span<const Event> events) const override {
    return skiff::make_trace<P, Invariants>(header, events);
  }

  ReplayReport replay(const Trace& trace, const std::string& file,
                      const ReplayObserver& observer) const override {
    auto states_of = [](const World<P>& world) {
      std::vector<std::string> states;
      for (int i = 0; i < world.node_count(); ++i) {
        std::string line = fmt::format("n{} ", node_label(NodeIndex(i)));
        world.node(NodeIndex(i)).print(line);
        if (world.crashed(NodeIndex(i))) line += " (crashed)";
        states.push_back(std::move(line));
      }
      return states;
    };
    const std::string where = trace_location(file, trace.header.bugs_line);
    const std::string variant_where = trace_location(file, trace.header.variants_line);
    Execution run;
    if (trace.header.timed) {
      if constexpr (kTimed) {
        typename Executor<P, Invariants>::Observer each;
        if (observer) each = [&](const TraceEvent& event, const World<P>& world) { observer(event, states_of(world)); };
        TimedExecutor<P, Invariants> executor(trace.header, trace.liveness_check_at, where, variant_where);
        run = executor.execute(trace.events, ExecuteMode::Strict, /*describe=*/true, each);
      } else {
        throw InputError(not_timed_message(trace, file));
      }
    } else {
      Executor<P, Invariants> executor(trace.header, where, variant_where);
      if (observer)
        run = executor.template execute_observed<std::vector<std::string>>(trace.events, ExecuteMode::Strict,
                                                                             /*describe=*/true, states_of, observer);
      else
        run = executor.execute(trace.events, ExecuteMode::Strict, /*describe=*/true);
    }
    return ReplayReport{run.executed.size(), std::move(run.violation), std::move(run.divergence)};
  }

  ReplayReport replay_steps(const Trace& trace, const std::string& file,
                            const ReplayStepObserver& observer) const override {
    auto step_of = [](const World<P>& world) {
      ReplayStep step;
      for (int i = 0; i < world.node_count(); ++i) {
        std::string line;
        world.node(NodeIndex(i)).print(line);
        step.node_states.push_back(std::move(line));
        step.crashed.push_back(world.crashed(NodeIndex(i)));
        for (int j = 0; j < world.node_count(); ++j)
          if (i != j && !world.link_up(NodeIndex(i), NodeIndex(j)))
            step.links_down.emplace_back(NodeIndex(i), NodeIndex(j));
      }
      for (const auto& m : world.in_flight()) {
        std::string text;
        m.message.print(text);
        step.in_flight.push_back({m.id, std::move(text)});
      }
      return step;
    };
    const std::string where = trace_location(file, trace.header.bugs_line);
    Execution run;
    if (trace.header.timed) {
      // The same steps, each at its written time; a liveness check after the last.
      if constexpr (kTimed) {
        TimedExecutor<P, Invariants> executor(trace.header, trace.liveness_check_at, where,
                                              trace_location(file, trace.header.variants_line));
        observer(step_of(executor.world()));  // the world is booted when it is made
        run = executor.execute(trace.events, ExecuteMode::Strict, /*describe=*/true,
                               [&](const TraceEvent& event, const World<P>& world) {
                                 ReplayStep step = step_of(world);
                                 step.event = &event;
                                 observer(step);
                               });
      } else {
        throw InputError(not_timed_message(trace, file));
      }
    } else {
      Executor<P, Invariants> executor(trace.header, where);
      observer(step_of(executor.world()));  // the world is booted when it is made
      run = executor.template execute_observed<ReplayStep>(
          trace.events, ExecuteMode::Strict, /*describe=*/true, step_of, [&](const TraceEvent& event, ReplayStep step) {
            step.event = &event;
            observer(step);
          });
    }
    return ReplayReport{run.executed.size(), std::move(run.violation), std::move(run.divergence)};
  }

  Trace shrink(const Trace& trace, const std::string& file, ShrinkStats& stats) const override {
    if (!trace.violation) {
      stats.events_before = stats.events_after = trace.events.size();
      return trace;
    }
    header_options<P>(trace.header, trace_location(file, trace.header.bugs_line),
                      trace_location(file, trace.header.variants_line));  // names the line at fault
    if (trace.header.timed) {
      if constexpr (kTimed)
        return shrink_timed(trace, file, stats);
      else
        throw InputError(not_timed_message(trace, file));
    }
    Shrinker<P, Invariants> shrinker(trace.header, trace.violation->invariant,
                                     trace_location(file, trace.header.bugs_line));
    Execution run = shrinker.shrink(trace.events, stats);
    return Trace{trace.header, std::move(run.executed), std::move(run.violation)};
  }

  ByteRun run_bytes(const TraceHeader& header, std::span<const std::uint8_t> bytes,
                    const AimConfig& aim) const override {
    Simulation<P, Invariants> sim(header.nodes, header_options<P>(header, "--bug: ", "--variant: "), header.budgets);
    if constexpr (kRunsInChild<P>) return run_bytes_in_child(sim, bytes, aim);
    ByteChoices choices(bytes);
    ByteRun run;
    run.violation = run_choices(sim, choices, run.events, NoHook{}, aim).violation;
    run.bytes_read = choices.bytes_read();
    return run;
  }

  // run_bytes() in a forked child (`skiff replay --fuzz-input` of a
  // library's protocol): each event is logged with the bytes read so far
  // before it is applied, so that a crash keeps the run up to it.
  static ByteRun run_bytes_in_child(Simulation<P, Invariants>& sim, std::span<const std::uint8_t> bytes,
                                    const AimConfig& aim) {
    SharedLog& log = sim.child_log();
    const ChildEnd end = run_in_child(log, [&] {
      ByteChoices choices(bytes);
      sim.before_step = [&](const Event& event) {
        log.put<std::uint8_t>('E');
        log.put(event);
        log.put<std::uint64_t>(choices.bytes_read());
        log.commit();
      };
      std::vector<Event> events;
      const RunOutcome outcome = run_choices(sim, choices, events, NoHook{}, aim);
      log.put<std::uint8_t>('V');
      put_violation(log, outcome.violation);
      log.put<std::uint64_t>(choices.bytes_read());
      log.commit();
    });
    check_child_error(end);
    ByteRun run;
    bool ended = false;
    SharedLog::Reader reader(log);
    while (!reader.at_end()) {
      if (reader.get<std::uint8_t>() == 'E') {
        run.events.push_back(reader.get<Event>());
        run.bytes_read = reader.get<std::uint64_t>();
      } else {
        run.violation = get_violation(reader);
        run.bytes_read = reader.get<std::uint64_t>();
        ended = true;
      }
    }
    if (!end.finished || !ended) run.violation = child_crash_violation(end);
    return run;
  }

  std::vector<std::uint8_t> bytes_of_seed(const TraceHeader& header, std::uint64_t seed,
                                          const AimConfig& aim) const override {
    Simulation<P, Invariants> sim(header.nodes, header_options<P>(header, "--bug: ", "--variant: "), header.budgets);
    if constexpr (kRunsInChild<P>) {
      // In a child, which logs the bytes drawn so far before each event
      // (a run that crashes the library keeps the bytes that lead to it).
      SharedLog& log = sim.child_log();
      const ChildEnd end = run_in_child(log, [&] {
        SeededChoices seeded(seed);
        std::vector<std::uint8_t> drawn;
        RecordingChoices recording(seeded, drawn);
        std::size_t logged = 0;
        auto flush = [&] {
          log.put<std::uint64_t>(drawn.size() - logged);
          log.put_bytes(drawn.data() + logged, drawn.size() - logged);
          logged = drawn.size();
          log.commit();
        };
        sim.before_step = [&](const Event&) { flush(); };
        std::vector<Event> events;
        run_choices(sim, recording, events, NoHook{}, aim);
        flush();
      });
      check_child_error(end);
      std::vector<std::uint8_t> bytes;
      SharedLog::Reader reader(log);
      while (!reader.at_end()) {
        const std::size_t at = bytes.size();
        bytes.resize(at + reader.get<std::uint64_t>());
        reader.get_bytes(bytes.data() + at, bytes.size() - at);
      }
      return bytes;
    }
    SeededChoices seeded(seed);
    std::vector<std::uint8_t> bytes;
    RecordingChoices recording(seeded, bytes);
    std::vector<Event> events;
    run_choices(sim, recording, events, NoHook{}, aim);
    return bytes;
  }

 private:
  // A timed trace: a liveness trace's window stays (timed_replay.hpp), and so
  // does its check line. Returns the trace unchanged if it does not violate
  // its invariant under lenient replay (its window unfair, say).
  Trace shrink_timed(const Trace& trace, const std::string& file, ShrinkStats& stats) const {
    using Timed = TimedExecutor<P, Invariants>;
    Timed executor(trace.header, trace.liveness_check_at, trace_location(file, trace.header.bugs_line),
                   trace_location(file, trace.header.variants_line));
    std::size_t pinned = 0;
    if (executor.checks_liveness()) {
      for (const TraceEvent& e : trace.events) pinned += e.at >= executor.window_start();
      executor.learn_fairness(trace.events);
    }
    Shrinker<P, Invariants, Timed> shrinker(std::move(executor), trace.violation->invariant, pinned);
    Execution run = shrinker.shrink(trace.events, stats);
    if (!run.violation || run.violation->invariant != trace.violation->invariant) {
      stats.events_after = trace.events.size();
      return trace;
    }
    Trace out{trace.header, std::move(run.executed), std::move(run.violation)};
    out.liveness_check_at = trace.liveness_check_at;
    return out;
  }

  ProtocolInfo info_;
};

// The protocols the commands know (list, explore, check, ...), in the order
// `skiff list` shows them: skiff's built-in ones unless use_protocols() said
// otherwise (checker/registry.cpp).
std::span<const ProtocolDriver* const> all_protocols();
const ProtocolDriver* find_protocol(std::string_view name);  // nullptr if unknown
// From now on the commands know these protocols only (a user's command line,
// checker/command_line.hpp). The drivers must outlive every command.
void use_protocols(std::span<const ProtocolDriver* const> protocols);
// The command that reproduces a finding starts with this: "skiff", or the
// name of a user's command line (checker/command_line.hpp).
std::string& program_name();
// The protocols skiff is built with (checker/builtin_protocols.cpp).
std::span<const ProtocolDriver* const> builtin_protocols();

}  // namespace skiff
