// A simulation is a world plus the invariants watching it. Two ways to drive
// one: a seeded random run (run_seed), and the execution of a given list of
// events (execute), strictly for replay or leniently for shrinking.
#pragma once

#include <fmt/format.h>

#include <functional>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "checker/choice.hpp"
#include "checker/errors.hpp"
#include "checker/scheduler.hpp"
#include "checker/swarm.hpp"
#include "checker/trace.hpp"
#include "checker/world.hpp"
#include "invariants/invariant.hpp"

namespace skiff {

template <class P, class Invariants>
class Simulation {
 public:
  using Options = typename P::Options;

  Simulation(int nodes, const Options& options, const Budgets& budgets) : world_(nodes, options, budgets) {}

  void reset() {
    world_.reset();
    invariants_.reset();
  }
  // Applies an enabled event, then checks every invariant.
  std::optional<Violation> step(const Event& event) {
    const int touched = world_.apply(event);
    return invariants_.check(world_, touched);
  }
  const World<P>& world() const { return world_; }

 private:
  World<P> world_;
  Invariants invariants_;
};

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

// The options a trace header names; errors name the header's lines.
template <class P>
typename P::Options header_options(const TraceHeader& header, const std::string& where,
                                   const std::string& variant_where) {
  return make_options<P>(header.bugs, header.variants, header.nodes, where,
                         variant_where.empty() ? where : variant_where);
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
// then each event. The run ends when no event is enabled, at the first
// violation, or when the source runs out (the event whose choice ran out is
// not applied). `record` receives the events in order; `after_event(world)`
// is called after each one, before its violation (if any) is returned.
template <class P, class Invariants, class Choices, class AfterEvent = NoHook>
RunOutcome run_choices(Simulation<P, Invariants>& sim, Choices& choices, std::vector<Event>& record,
                       AfterEvent&& after_event = {}) {
  sim.reset();
  record.clear();
  const Swarm swarm = draw_swarm(choices);
  while (auto event = choose_event(sim.world(), choices, swarm)) {
    if (out_of_choices(choices)) break;
    record.push_back(*event);
    std::optional<Violation> violation = sim.step(*event);
    after_event(sim.world());
    if (violation) return RunOutcome{std::move(violation)};
  }
  return RunOutcome{};
}

// One random run: the seed draws the run's swarm, then every decision.
// `record` receives the events in order.
template <class P, class Invariants>
RunOutcome run_seed(Simulation<P, Invariants>& sim, std::uint64_t seed, std::vector<Event>& record) {
  SeededChoices choices(seed);
  return run_choices(sim, choices, record);
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
      : sim_(header.nodes, header_options<P>(header, where, variant_where), header.budgets) {}

  // Runs the events from the first boot; stops at the first violation or
  // divergence. With `describe`, each executed event gets its text; without,
  // nothing is formatted (the shrinker's hot loop).
  Execution execute(std::span<const TraceEvent> events, ExecuteMode mode, bool describe,
                    const Observer& observer = nullptr) {
    Execution out;
    sim_.reset();
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
      out.violation = sim_.step(*event);
      out.executed.push_back(std::move(done));
      if (observer) observer(out.executed.back(), sim_.world());
      if (out.violation) return out;
    }
    return out;
  }

  const World<P>& world() const { return sim_.world(); }

 private:
  // The event to apply for a trace line, or nothing if it cannot be applied.
  std::optional<Event> resolve(const TraceEvent& given, ExecuteMode mode) const {
    const World<P>& world = sim_.world();
    Event event = given.event;
    if (event.kind == EventKind::Timer && !given.detail.empty()) {
      int timer = timer_by_name(given.detail);
      if (timer < 0) return std::nullopt;
      event.timer = TimerId(timer);
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
    Event event = given.event;
    if (event.kind == EventKind::Timer) event.timer = TimerId(timer_by_name(given.detail));
    const char* reason = sim_.world().why_not_enabled(event);
    return fmt::format("'{}' is not enabled: {}", format_event(given.event, given.detail),
                       reason ? reason : "unknown reason");
  }

  static int timer_by_name(std::string_view name) {
    for (int t = 0; t < P::timer_count; ++t)
      if (P::timer_name(TimerId(t)) == name) return t;
    return -1;
  }

  static std::string_view message_type(std::string_view detail) { return detail.substr(0, detail.find(' ')); }

  // The message a shrunk trace's line most likely means: on the same channel,
  // preferring the same text (the same id first, then the oldest), then the
  // same type (the same id first, then the oldest).
  const typename World<P>::InFlight* find_lenient(const MessageId& id, std::string_view detail,
                                                  bool must_be_deliverable) const {
    const World<P>& world = sim_.world();
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
    if (!is_message_event(event.kind)) return {};
    std::string text;
    sim_.world().in_flight()[std::size_t(sim_.world().find(event.message))].message.print(text);
    return text;
  }

  Simulation<P, Invariants> sim_;
  mutable std::string scratch_;
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
