// A simulation is a world plus the invariants watching it. Two ways to drive
// one: a seeded random run (run_seed), and the execution of a given list of
// events (execute), strictly for replay or leniently for shrinking.
#pragma once

#include <fmt/format.h>

#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "checker/aim.hpp"
#include "checker/child_process.hpp"
#include "checker/choice.hpp"
#include "checker/crash_landing.hpp"
#include "checker/errors.hpp"
#include "checker/scenario.hpp"
#include "checker/scheduler.hpp"
#include "checker/swarm.hpp"
#include "checker/trace.hpp"
#include "checker/world.hpp"
#include "invariants/invariant.hpp"
#include "invariants/library_survives.hpp"
#include "invariants/node_survives.hpp"

namespace skiff {

template <class P, class Invariants>
class Simulation {
 public:
  using Options = typename P::Options;

  Simulation(int nodes, const Options& options, const Budgets& budgets) : world_(nodes, options, budgets) {}

  // Back to the first boot. A node that threw while booting is the run's
  // violation (node-survives), returned here: no event can follow.
  std::optional<Violation> reset() {
    world_.reset();
    invariants_.reset();
    if (auto explanation = invariants::NodeSurvives{}.check(world_, World<P>::kNoNode)) [[unlikely]]
      return Violation{std::string(invariants::NodeSurvives::name), std::move(*explanation)};
    return std::nullopt;
  }
  // Applies an enabled event, then checks every invariant.
  std::optional<Violation> step(const Event& event) {
    if (before_step) before_step(event);
    const int touched = world_.apply(event);
    return invariants_.check(world_, touched);
  }
  const World<P>& world() const { return world_; }
  const Invariants& invariants() const { return invariants_; }

  // Called with each event just before it is applied: a child process
  // streams its run with it, so that a crash loses nothing before it.
  std::function<void(const Event&)> before_step;
  // The memory a one-off child run of this simulation writes into (made at
  // first use; run_in_child).
  SharedLog& child_log() {
    if (!child_log_) child_log_ = std::make_shared<SharedLog>();
    return *child_log_;
  }
  // The child process that runs seeds of this simulation (run_seeds).
  std::shared_ptr<ChildWorker> seed_worker;
  // Whether its runs go to a child process although the protocol does not
  // ask for it (kRunsInChild): a run that crashed skiff's process once (a
  // node's code died of a signal), run again so that the crash is survived.
  bool isolated = false;

 private:
  World<P> world_;
  Invariants invariants_;
  std::shared_ptr<SharedLog> child_log_;
};

// Whether the protocol's runs go to a child process
// (`static constexpr bool run_in_child = true`): a real library that may
// crash. A crash there is a violation of library-survives, not a crash of
// skiff, and the heap of skiff's own process never sees it.
template <class P>
inline constexpr bool kRunsInChild = requires { requires P::run_in_child; };

// The violation a run's child process ended in when it did not finish.
inline Violation child_crash_violation(const ChildEnd& end) {
  std::string how = end.signal ? signal_name(end.signal) : fmt::format("exit status {}", end.exit_status);
  if (end.node && !end.where.empty())
    return Violation{std::string(invariants::LibrarySurvives::name),
                     invariants::library_crash_explanation(NodeIndex(*end.node), how, end.where)};
  return Violation{std::string(invariants::LibrarySurvives::name),
                   fmt::format("the run's process ended ({}) outside any call into the library", how)};
}

// The node an event is handled by: a message's receiver, or the event's node.
inline NodeIndex handling_node(const Event& event) {
  return is_message_event(event.kind) ? event.message.to : event.node;
}

// The violation of an in-process protocol's run, rerun in a child
// (Simulation::isolated), that died while applying `last` (its number
// `index` from 1, its text `text`).
inline Violation node_crash_violation(const ChildEnd& end, std::size_t index, NodeIndex node, std::string_view text) {
  const std::string how = end.signal ? signal_name(end.signal) : fmt::format("exit status {}", end.exit_status);
  return Violation{std::string(kNodeSurvives),
                   fmt::format("the process died of {} while node {} handled event {} ({})", how, node_label(node),
                               index, text)};
}

// Whether a simulation's runs go to a child process.
template <class P, class Invariants>
bool runs_in_child(const Simulation<P, Invariants>& sim) {
  return kRunsInChild<P> || sim.isolated;
}

// Rethrows what the body of a child threw.
inline void check_child_error(const ChildEnd& end) {
  if (!end.error.empty()) throw std::runtime_error(end.error);
}

inline void put_violation(SharedLog& log, const std::optional<Violation>& violation) {
  log.put<std::uint8_t>(violation ? 1 : 0);
  if (!violation) return;
  log.put_string(violation->invariant);
  log.put_string(violation->explanation);
}

// One line per node, as `skiff replay --verbose` prints them.
inline void put_state(SharedLog& log, const std::vector<std::string>& lines) {
  log.put<std::uint64_t>(lines.size());
  for (const std::string& line : lines) log.put_string(line);
}
inline void get_state(SharedLog::Reader& reader, std::vector<std::string>& lines) {
  lines.resize(reader.get<std::uint64_t>());
  for (std::string& line : lines) line = reader.get_string();
}

inline std::optional<Violation> get_violation(SharedLog::Reader& reader) {
  if (!reader.get<std::uint8_t>()) return std::nullopt;
  Violation v;
  v.invariant = reader.get_string();
  v.explanation = reader.get_string();
  return v;
}

// Builds a protocol's options from bug names; throws InputError naming `where`.
template <class P>
typename P::Options make_options(const std::vector<std::string>& bugs, const std::string& where) {
  typename P::Options options;
  for (const std::string& bug : bugs)
    if (!options.enable_bug(bug))
      throw InputError(fmt::format("{}unknown bug '{}' for protocol {} (see 'skiff list')", where, bug, P::name));
  return options;
}

// The same, with variants ("pre-vote", "passive=3,4") for a cluster of
// `nodes`; a bad variant throws InputError naming `variant_where`.
template <class P>
typename P::Options make_options(const std::vector<std::string>& bugs, const std::vector<std::string>& variants,
                                 int nodes, const std::string& where, const std::string& variant_where) {
  typename P::Options options = make_options<P>(bugs, where);
  for (const std::string& variant : variants) {
    if constexpr (requires { options.enable_variant(variant, nodes); }) {
      std::string error = options.enable_variant(variant, nodes);
      if (!error.empty()) throw InputError(variant_where + error);
    } else {
      throw InputError(fmt::format("{}protocol {} has no variants, not '{}'", variant_where, P::name, variant));
    }
  }
  return options;
}

// Makes the nodes start in `state` (protocol.hpp) through the protocol's
// optional Options::set_initial_state; a protocol without it, or a state it
// refuses, throws InputError("WHERE" "initial_state.PATH: what is wrong"),
// `where_of(error)` giving WHERE for the protocol's error "PATH: what".
template <class P, class WhereOf>
void set_initial_state(typename P::Options& options, const InitialState& state, int nodes, WhereOf&& where_of) {
  if (state.empty()) return;
  if constexpr (requires { options.set_initial_state(state, nodes); }) {
    const std::string error = options.set_initial_state(state, nodes);
    if (!error.empty()) throw InputError(fmt::format("{}initial_state.{}", where_of(error), error));
  } else {
    throw InputError(fmt::format("{}initial_state: protocol {} cannot start from an initial state", where_of(""),
                                 P::name));
  }
}

// The options a trace header names; errors name the header's lines.
template <class P>
typename P::Options header_options(const TraceHeader& header, const std::string& where,
                                   const std::string& variant_where) {
  auto options = make_options<P>(header.bugs, header.variants, header.nodes, where,
                                 variant_where.empty() ? where : variant_where);
  if (!header.initial_state.empty()) {
    // `where` is "FILE:LINE: " (trace_location): the same file, the 'initial-state' line.
    std::string file = where.ends_with(": ") ? where.substr(0, where.size() - 2) : where;
    if (const auto colon = file.rfind(':');
        colon != std::string::npos && colon + 1 < file.size() &&
        file.find_first_not_of("0123456789", colon + 1) == std::string::npos)
      file.resize(colon);
    const std::string at = file.empty() || where.starts_with("--") ? where
                                                                   : trace_location(file, header.initial_state_line);
    InitialState state;
    try {
      state = parse_initial_state(header.initial_state, header.nodes);
    } catch (const InputError& error) {
      throw InputError(at + error.what());
    }
    set_initial_state<P>(options, state, header.nodes, [&](std::string_view) { return at; });
  }
  return options;
}

struct RunOutcome {
  std::optional<Violation> violation;
};

// True once a source that can run out (ByteChoices) has; never for a seed.
template <class Choices>
bool out_of_choices(const Choices& choices) {
  if constexpr (requires { choices.exhausted(); })
    return choices.exhausted();
  else
    return false;
}

struct NoHook {
  template <class World>
  void operator()(const World&) const {}
};

// One run whose every decision comes from `choices`: first the run's swarm,
// then what its profile draws (aim.hpp; nothing for the uniform one), then
// each event. The run ends when no event is enabled, at the first
// violation, or when the source runs out (the event whose choice ran out is
// not applied). `record` receives the events in order; `after_event(world)`
// is called after each one, before its violation (if any) is returned.
template <class P, class Invariants, class Choices, class AfterEvent = NoHook>
RunOutcome run_choices(Simulation<P, Invariants>& sim, Choices& choices, std::vector<Event>& record,
                       AfterEvent&& after_event = {}, const AimConfig& aim = {}) {
  record.clear();
  if (auto violation = sim.reset()) return RunOutcome{std::move(violation)};
  const Swarm swarm = draw_swarm(choices, any_admin(sim.world().budgets()));
  Aimer<P> aimer(aim, sim.world(), choices);
  while (auto event = aimer.choose(sim.world(), choices, swarm)) {
    if (out_of_choices(choices)) break;
    record.push_back(*event);
    std::optional<Violation> violation = sim.step(*event);
    after_event(sim.world());
    if (violation) return RunOutcome{std::move(violation)};
  }
  return RunOutcome{};
}

// One random run: the seed draws the run's swarm, then every decision.
// `record` receives the events in order. For a protocol that runs in a
// child, the run happens there (run_seeds).
template <class P, class Invariants>
RunOutcome run_seed(Simulation<P, Invariants>& sim, std::uint64_t seed, std::vector<Event>& record,
                    const AimConfig& aim = {});

// Runs of consecutive seeds. For a protocol that runs in a child, `batch`
// seeds from the one asked for go to the child in one request
// (one round trip, not one per run), which runs them in order, logging
// each event before it applies it; a crash ends the child at that run, and
// the next request forks a new one. The runs not asked for are thrown away.
template <class P, class Invariants>
class SeedRuns {
 public:
  // `stop_at_violation`: a batch ends at its first violating run.
  SeedRuns(Simulation<P, Invariants>& sim, bool stop_at_violation, const AimConfig& aim = {})
      : sim_(sim), stop_(stop_at_violation), aim_(aim) {}

  RunOutcome run(std::uint64_t seed, std::uint64_t batch, std::vector<Event>& record) {
    if (!runs_in_child(sim_)) {
      SeededChoices choices(seed);
      return run_choices(sim_, choices, record, NoHook{}, aim_);
    } else {
      if (done_.empty() || done_.front().seed != seed) fetch(seed, std::max<std::uint64_t>(batch, 1));
      if (done_.empty() || done_.front().seed != seed)
        throw std::runtime_error(fmt::format("internal error: the child did not run seed {}", seed));
      Done& done = done_.front();
      record = std::move(done.events);
      RunOutcome outcome{std::move(done.violation)};
      done_.erase(done_.begin());
      return outcome;
    }
  }

 private:
  struct Done {
    std::uint64_t seed = 0;
    std::vector<Event> events;
    std::optional<Violation> violation;
  };

  void fetch(std::uint64_t first, std::uint64_t count) {
    if (!sim_.seed_worker) {
      Simulation<P, Invariants>* sim = &sim_;
      sim_.seed_worker = std::make_shared<ChildWorker>([sim](SharedLog::Reader& request, SharedLog& log) {
        const auto from = request.get<std::uint64_t>(), count = request.get<std::uint64_t>();
        const bool stop = request.get<std::uint8_t>() != 0;
        AimConfig aim;
        aim.profile = Profile(request.get<std::uint8_t>());
        aim.pct_depth = request.get<std::uint32_t>();
        sim->before_step = [&log](const Event& event) {
          log.put<std::uint8_t>('E');
          log.put(event);
          log.commit();
        };
        std::vector<Event> events;
        for (std::uint64_t i = 0; i < count; ++i) {
          const std::uint64_t seed = from + i;
          log.put<std::uint8_t>('B');
          log.put(seed);
          log.commit();
          SeededChoices choices(seed);
          const RunOutcome outcome = run_choices(*sim, choices, events, NoHook{}, aim);
          log.put<std::uint8_t>('V');
          put_violation(log, outcome.violation);
          log.commit();
          if (stop && outcome.violation) break;
        }
        sim->before_step = nullptr;
      });
    }
    ChildWorker& worker = *sim_.seed_worker;
    worker.request().reset();
    worker.request().put(first);
    worker.request().put(count);
    worker.request().put<std::uint8_t>(stop_);
    worker.request().put<std::uint8_t>(std::uint8_t(aim_.profile));
    worker.request().put<std::uint32_t>(aim_.pct_depth);
    worker.request().commit();
    const ChildEnd end_state = worker.call();
    check_child_error(end_state);
    done_.clear();
    SharedLog::Reader reader(worker.result());
    bool open = false;  // a run began and has not ended
    while (!reader.at_end()) {
      const auto tag = reader.get<std::uint8_t>();
      if (tag == 'B') {
        done_.push_back(Done{reader.get<std::uint64_t>(), {}, {}});
        open = true;
      } else if (tag == 'E') {
        done_.back().events.push_back(reader.get<Event>());
      } else {
        done_.back().violation = get_violation(reader);
        open = false;
      }
    }
    if (!end_state.finished && open) {
      Done& crashed = done_.back();
      if constexpr (kRunsInChild<P>) {
        crashed.violation = child_crash_violation(end_state);
      } else {
        const Event last = crashed.events.empty() ? Event{} : crashed.events.back();
        crashed.violation = node_crash_violation(end_state, crashed.events.size(), handling_node(last),
                                                 format_event(last, ""));
      }
    }
  }

  Simulation<P, Invariants>& sim_;
  bool stop_;
  AimConfig aim_;
  std::vector<Done> done_;
};

template <class P, class Invariants>
RunOutcome run_seed(Simulation<P, Invariants>& sim, std::uint64_t seed, std::vector<Event>& record,
                    const AimConfig& aim) {
  return SeedRuns<P, Invariants>(sim, true, aim).run(seed, 1, record);
}

enum class ExecuteMode {
  Strict,   // every event must be enabled and mean what it says, or the run diverges
  Lenient,  // events that are no longer enabled are skipped; a message whose id
            // shifted is matched by sender, receiver and type (for shrinking)
};

struct Divergence {
  std::size_t index = 0;  // which event
  int line = 0;           // its line in the trace, if it was read from one
  std::string reason;
};

struct Execution {
  std::vector<TraceEvent> executed;  // with the world's own description of each
  std::optional<Violation> violation;
  std::optional<Divergence> divergence;
};

template <class P, class Invariants>
class Executor {
 public:
  using Observer = std::function<void(const TraceEvent&, const World<P>&)>;

  // `where` names the bugs line in errors, `variant_where` the variants line
  // (`where` if empty).
  Executor(const TraceHeader& header, const std::string& where, const std::string& variant_where = "")
      : sim_(std::make_unique<Simulation<P, Invariants>>(header.nodes, header_options<P>(header, where, variant_where),
                                                         header.budgets)),
        header_(header) {
    sim_->isolated = header.isolated;
  }
  Executor(const Executor& other)
      : sim_(std::make_unique<Simulation<P, Invariants>>(*other.sim_)),
        before_step_(other.before_step_),
        header_(other.header_) {}
  Executor& operator=(const Executor& other) {
    if (this != &other) *this = Executor(other);
    return *this;
  }
  Executor(Executor&&) noexcept = default;
  Executor& operator=(Executor&&) noexcept = default;

  // Runs the events from the first boot; stops at the first violation or
  // divergence. With `describe`, each executed event gets its text; without,
  // nothing is formatted (the shrinker's hot loop). A protocol that runs in
  // a child runs there (without an observer; see execute_observed).
  Execution execute(std::span<const TraceEvent> events, ExecuteMode mode, bool describe,
                    const Observer& observer = nullptr) {
    if (runs_in_child(*sim_) && !observer) return execute_in_child(events, mode, describe, nullptr, nullptr);
    return execute_guarded(events, mode, describe, observer);
  }

  // execute() with an observer, in a child too for protocols that run in
  // one: `state_of(world)`, after each event, is what the observer needs (a
  // State that put_state(SharedLog&, const State&) and
  // get_state(SharedLog::Reader&, State&) carry over), and
  // `on_state(event, state)` receives it. After a crash the crashing event
  // gets the last state seen before it (nothing after it is known).
  template <class State, class StateOf, class OnState>
  Execution execute_observed(std::span<const TraceEvent> events, ExecuteMode mode, bool describe,
                             StateOf&& state_of, OnState&& on_state) {
    if (runs_in_child(*sim_)) {
      std::optional<State> last;
      return execute_in_child(
          events, mode, describe, [&](SharedLog& log, const World<P>& world) { put_state(log, state_of(world)); },
          [&](SharedLog::Reader* reader, const TraceEvent& event) {
            if (reader) {
              last.emplace();
              get_state(*reader, *last);
            }
            if (last) on_state(event, *last);
          });
    } else {
      return execute_guarded(events, mode, describe,
                             [&](const TraceEvent& event, const World<P>& world) { on_state(event, state_of(world)); });
    }
  }

  const World<P>& world() const { return sim_->world(); }

 private:
  // In a child, which logs each event before it applies it, each state
  // after it (write_state), then how the run ended; the parent reads that
  // back (read_state: nullptr for the crashing event). Without states, in
  // the executor's worker (the shrinker's many replays: one round trip
  // each); with them, in a child forked for this one run.
  Execution execute_in_child(std::span<const TraceEvent> events, ExecuteMode mode, bool describe,
                             const std::function<void(SharedLog&, const World<P>&)>& write_state,
                             const std::function<void(SharedLog::Reader*, const TraceEvent&)>& read_state) {
    if (!write_state) {
      ChildWorker& worker = shared_worker();
      SharedLog& request = worker.request();
      request.reset();
      request.put<std::int32_t>(header_.nodes);
      request.put<std::uint64_t>(header_.bugs.size());
      for (const std::string& bug : header_.bugs) request.put_string(bug);
      request.put<std::uint64_t>(header_.variants.size());
      for (const std::string& variant : header_.variants) request.put_string(variant);
      request.put_string(header_.initial_state);
      request.put(header_.budgets);
      request.put<std::uint8_t>(std::uint8_t(mode));
      request.put<std::uint8_t>(describe);
      request.put<std::uint64_t>(events.size());
      for (const TraceEvent& e : events) put_trace_event(request, e);
      request.commit();
      const ChildEnd end = worker.call();
      return read_run(worker.result(), end, events.size(), read_state);
    }
    SharedLog& log = sim_->child_log();
    const ChildEnd end = run_in_child(log, [&] { log_run(log, events, mode, describe, write_state); });
    return read_run(log, end, events.size(), read_state);
  }

  // The child that runs the unobserved executions of every executor of this
  // protocol on this thread (one fork for a shrink's many replays, the
  // trace and the replay of a finding, ...). Each request names the
  // cluster; the child keeps an executor for the last cluster it was asked.
  static ChildWorker& shared_worker() {
    thread_local ChildWorker worker([](SharedLog::Reader& request, SharedLog& log) {
      TraceHeader header;
      header.protocol = std::string(P::name);
      header.nodes = request.get<std::int32_t>();
      header.bugs.resize(request.get<std::uint64_t>());
      for (std::string& bug : header.bugs) bug = request.get_string();
      header.variants.resize(request.get<std::uint64_t>());
      for (std::string& variant : header.variants) variant = request.get_string();
      header.initial_state = request.get_string();
      header.budgets = request.get<Budgets>();
      const auto mode = ExecuteMode(request.get<std::uint8_t>());
      const bool describe = request.get<std::uint8_t>() != 0;
      std::vector<TraceEvent> given(request.get<std::uint64_t>());
      for (TraceEvent& e : given) e = get_trace_event(request);
      static std::unique_ptr<Executor> executor;  // in the child: its last cluster
      static TraceHeader last;
      if (!executor || last.nodes != header.nodes || last.bugs != header.bugs || last.variants != header.variants ||
          last.initial_state != header.initial_state || !(last.budgets == header.budgets)) {
        executor = std::make_unique<Executor>(header, "");  // not isolated: it is in the child
        last = header;
      }
      executor->log_run(log, given, mode, describe, nullptr);
    });
    return worker;
  }

  // In the child: the run, logged.
  void log_run(SharedLog& log, std::span<const TraceEvent> events, ExecuteMode mode, bool describe,
               const std::function<void(SharedLog&, const World<P>&)>& write_state) {
    before_step_ = [&](const TraceEvent& done) {
      log.put<std::uint8_t>('E');
      put_trace_event(log, done);
      log.commit();
    };
    Observer observer;
    if (write_state)
      observer = [&](const TraceEvent&, const World<P>& world) {
        log.put<std::uint8_t>('S');
        write_state(log, world);
        log.commit();
      };
    const Execution run = execute_here(events, mode, describe, observer);
    before_step_ = nullptr;
    log.put<std::uint8_t>('R');
    put_violation(log, run.violation);
    log.put<std::uint8_t>(run.divergence ? 1 : 0);
    if (run.divergence) {
      log.put<std::uint64_t>(run.divergence->index);
      log.put<std::int32_t>(run.divergence->line);
      log.put_string(run.divergence->reason);
    }
    log.commit();
  }

  // In the parent: the run the child logged.
  static Execution read_run(const SharedLog& log, const ChildEnd& end, std::size_t size,
                            const std::function<void(SharedLog::Reader*, const TraceEvent&)>& read_state) {
    check_child_error(end);
    Execution out;
    out.executed.reserve(size);
    SharedLog::Reader reader(log);
    bool ended = false;
    while (!reader.at_end()) {
      const auto tag = reader.get<std::uint8_t>();
      if (tag == 'E') {
        out.executed.push_back(get_trace_event(reader));
      } else if (tag == 'S') {
        read_state(&reader, out.executed.back());
      } else {
        out.violation = get_violation(reader);
        if (reader.get<std::uint8_t>()) {
          Divergence d;
          d.index = reader.get<std::uint64_t>();
          d.line = reader.get<std::int32_t>();
          d.reason = reader.get_string();
          out.divergence = std::move(d);
        }
        ended = true;
      }
    }
    if (!end.finished || !ended) {
      if constexpr (kRunsInChild<P>) {
        out.violation = child_crash_violation(end);
      } else {
        const TraceEvent last = out.executed.empty() ? TraceEvent{} : out.executed.back();
        out.violation = node_crash_violation(end, out.executed.size(), handling_node(last.event),
                                             format_event(last.event, last.detail));
      }
      if (read_state && !out.executed.empty()) read_state(nullptr, out.executed.back());
    }
    return out;
  }

  static void put_trace_event(SharedLog& log, const TraceEvent& e) {
    log.put(e.event);
    log.put<std::int32_t>(e.line);
    log.put_string(e.detail);
  }
  static TraceEvent get_trace_event(SharedLog::Reader& reader) {
    TraceEvent e;
    e.event = reader.get<Event>();
    e.line = reader.get<std::int32_t>();
    e.detail = reader.get_string();
    return e;
  }

  Execution execute_here(std::span<const TraceEvent> events, ExecuteMode mode, bool describe,
                         const Observer& observer) {
    Execution out;
    out.violation = sim_->reset();
    if (out.violation) return out;
    out.executed.reserve(events.size());
    for (std::size_t i = 0; i < events.size(); ++i) {
      const TraceEvent& given = events[i];
      std::optional<Event> event = resolve(given, mode);
      if (!event) {
        if (mode == ExecuteMode::Lenient) continue;
        out.divergence = Divergence{i, given.line, why_not(given)};
        return out;
      }
      TraceEvent done{*event, {}, given.line, given.at};
      if (describe) done.detail = detail_of(*event);
      if (mode == ExecuteMode::Strict && !given.detail.empty() && describe && done.detail != given.detail) {
        out.divergence = Divergence{i, given.line,
                                    fmt::format("the trace says '{}', but the world has '{}'", given.detail,
                                                done.detail)};
        return out;
      }
      if (before_step_) before_step_(done);
      out.violation = sim_->step(*event);
      out.executed.push_back(std::move(done));
      if (observer) observer(out.executed.back(), sim_->world());
      if (out.violation) return out;
    }
    return out;
  }

  // The event to apply for a trace line, or nothing if it cannot be applied.
  std::optional<Event> resolve(const TraceEvent& given, ExecuteMode mode) const {
    const World<P>& world = sim_->world();
    Event event = given.event;
    if (event.kind == EventKind::Timer && !given.detail.empty()) {
      int timer = timer_by_name(given.detail);
      if (timer < 0) return std::nullopt;
      event.timer = TimerId(timer);
    }
    if (event.kind == EventKind::Admin && !given.detail.empty()) {
      const int operation = admin_by_name(given.detail);
      if (operation < 0) return std::nullopt;
      event.timer = TimerId(operation);
    }
    if (mode == ExecuteMode::Lenient && is_message_event(event.kind)) {
      const auto* match = find_lenient(event.message, given.detail, event.kind == EventKind::Deliver);
      if (!match) return std::nullopt;
      event.message = match->id;
    }
    if (world.why_not_enabled(event)) return std::nullopt;
    return event;
  }

  std::string why_not(const TraceEvent& given) const {
    if (given.event.kind == EventKind::Timer && timer_by_name(given.detail) < 0)
      return fmt::format("{} has no timer named '{}'", P::name, given.detail);
    if (given.event.kind == EventKind::Admin && !given.detail.empty() && admin_by_name(given.detail) < 0)
      return fmt::format("{} has no administrative operation named '{}'", P::name, given.detail);
    Event event = given.event;
    if (event.kind == EventKind::Timer) event.timer = TimerId(timer_by_name(given.detail));
    if (event.kind == EventKind::Admin && !given.detail.empty()) event.timer = TimerId(admin_by_name(given.detail));
    const char* reason = sim_->world().why_not_enabled(event);
    return fmt::format("'{}' is not enabled: {}", format_event(given.event, given.detail),
                       reason ? reason : "unknown reason");
  }

  static int timer_by_name(std::string_view name) {
    for (int t = 0; t < P::timer_count; ++t)
      if (P::timer_name(TimerId(t)) == name) return t;
    return -1;
  }

  static int admin_by_name(std::string_view name) {
    if constexpr (World<P>::kHasAdmin) {
      const auto operations = P::admin_operations();
      for (std::size_t k = 0; k < operations.size(); ++k)
        if (operations[k].name == name) return int(k);
    }
    return -1;
  }

  static std::string_view message_type(std::string_view detail) { return detail.substr(0, detail.find(' ')); }

  // The message a shrunk trace's line most likely means: on the same channel,
  // preferring the same text (the same id first, then the oldest), then the
  // same type (the same id first, then the oldest).
  const typename World<P>::InFlight* find_lenient(const MessageId& id, std::string_view detail,
                                                  bool must_be_deliverable) const {
    const World<P>& world = sim_->world();
    const std::string_view type = message_type(detail);
    const typename World<P>::InFlight* same_text = nullptr;
    const typename World<P>::InFlight* same_type = nullptr;
    for (const auto& m : world.in_flight()) {
      if (m.id.from != id.from || m.id.to != id.to) continue;
      if (must_be_deliverable && !world.deliverable(m)) continue;
      if (!type.empty() && m.message.type_name() != type) continue;
      const bool exact = m.id == id;
      if (!same_type || exact) same_type = (same_type && same_type->id == id) ? same_type : &m;
      if (detail.empty()) continue;
      scratch_.clear();
      m.message.print(scratch_);
      if (scratch_ == detail && (!same_text || exact)) same_text = (same_text && same_text->id == id) ? same_text : &m;
    }
    return same_text ? same_text : same_type;
  }

  std::string detail_of(const Event& event) const {
    if (event.kind == EventKind::Timer) return std::string(P::timer_name(event.timer));
    if constexpr (World<P>::kHasAdmin)
      if (event.kind == EventKind::Admin) return std::string(P::admin_operations()[event.timer].name);
    if (!is_message_event(event.kind)) return {};
    std::string text;
    sim_->world().in_flight()[std::size_t(sim_->world().find(event.message))].message.print(text);
    return text;
  }

  // execute_here() in this process, where a fatal signal in the protocol's
  // code lands back here (crash_landing.hpp, if the process has the
  // handlers): the run ends in node-survives, its simulation is abandoned
  // (leaked: its state may be half-changed), and every later run of this
  // executor goes to a child process.
  Execution execute_guarded(std::span<const TraceEvent> events, ExecuteMode mode, bool describe,
                            const Observer& observer) {
    if (t_crash_landing) return execute_here(events, mode, describe, observer);  // a caller's landing holds
    Execution out;
    CrashLanding landing;
    const int signal = run_with_landing(landing, [&] { out = execute_here(events, mode, describe, observer); });
    if (!signal) return out;
    keep_abandoned(sim_.release());
    sim_ = std::make_unique<Simulation<P, Invariants>>(header_.nodes, header_options<P>(header_, "", ""),
                                                       header_.budgets);
    sim_->isolated = true;
    Execution crashed;
    crashed.violation = Violation{std::string(kNodeSurvives),
                                  fmt::format("the process died of {} (in-process)", signal_name(signal))};
    return crashed;
  }

  std::unique_ptr<Simulation<P, Invariants>> sim_;
  mutable std::string scratch_;
  std::function<void(const TraceEvent&)> before_step_;  // set in a child only
  TraceHeader header_;  // the cluster, for the shared worker
};

// Turns a recorded run into a trace with every event described.
template <class P, class Invariants>
Trace make_trace(const TraceHeader& header, std::span<const Event> events) {
  std::vector<TraceEvent> given;
  given.reserve(events.size());
  for (const Event& e : events) given.push_back(TraceEvent{e, {}, 0});
  Executor<P, Invariants> executor(header, "");
  Execution run = executor.execute(given, ExecuteMode::Strict, /*describe=*/true);
  Trace trace{header, std::move(run.executed), std::move(run.violation)};
  return trace;
}

}  // namespace skiff
