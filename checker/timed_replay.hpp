// Replaying a timed trace (docs/trace-format.md, "Timed traces"). The untimed
// world executes its events in order, strictly or leniently, exactly as for an
// untimed trace (Executor, simulation.hpp), checking every safety invariant
// after every event; this layer adds what the events' times mean. It notes
// when the network last changed (a cut, heal, crash or restart) and when
// client commands first committed (some node applied them), and at the
// trace's 'liveness-check' line it checks the bounded-liveness invariant
// against those facts, with the bounds of the 'timed' header line: if no
// network event came after CHECK - within - stable-for, a connected majority
// of live nodes exists, and nothing committed from CHECK - within on, the
// invariant is violated, in the same words as the timed world's.
//
// Lenient execution (shrinking) adds fairness rules for liveness traces, so
// that a shrunk trace cannot "lose" its commit by no longer delivering
// messages: every event of the window [CHECK - within, CHECK] must still
// execute (the shrinker never removes them), and no message may take longer
// than the original trace's slowest message took (learn_fairness(): from its
// send to its deliver or drop line, or to the check if it was still in flight
// then), whether it is delivered, dropped, or still in flight at the check.
#pragma once

#include <cstdint>
#include <set>
#include <span>
#include <stdexcept>
#include <string>
#include <vector>

#include "checker/liveness.hpp"
#include "checker/simulation.hpp"

namespace skiff {

template <class P, class Invariants>
class TimedExecutor {
 public:
  using Observer = typename Executor<P, Invariants>::Observer;

  // `check_at`: the trace's liveness-check time, -1 if it has none. The
  // header must be a timed one.
  TimedExecutor(const TraceHeader& header, std::int64_t check_at, const std::string& where,
                const std::string& variant_where = "")
      : executor_(header, where, variant_where),
        timed_(header.timed.value_or(TraceHeader::Timed{})),
        check_at_(timed_.liveness ? check_at : -1) {}

  // Where the window without a commit begins; events from there on are kept
  // by the shrinker. Meaningless without a liveness check.
  std::int64_t window_start() const { return check_at_ - timed_.within; }
  bool checks_liveness() const { return check_at_ >= 0; }

  // Replays the original trace strictly to learn how slow its slowest
  // message was (the bound of the fairness rule above).
  void learn_fairness(std::span<const TraceEvent> events) {
    slowest_ = -1;
    execute(events, ExecuteMode::Strict, /*describe=*/false);
    slowest_ = facts_.slowest;
    for (const auto& m : world().in_flight()) slowest_ = std::max(slowest_, check_at_ - sent_at(m.id));
  }

  Execution execute(std::span<const TraceEvent> events, ExecuteMode mode, bool describe,
                    const Observer& observer = nullptr) {
    facts_ = Facts{};
    Execution run = executor_.execute(events, mode, describe, [&](const TraceEvent& event, const World<P>& world) {
      note(event, world);
      if (observer) observer(event, world);
    });
    if (run.violation || run.divergence || check_at_ < 0) return run;
    if (mode == ExecuteMode::Lenient && !fair(events, run)) return run;
    run.violation = check_liveness();
    return run;
  }

  const World<P>& world() const { return executor_.world(); }

 private:
  struct Facts {
    std::int64_t now = 0;
    std::int64_t last_change = -1;  // the last cut, heal, crash or restart
    std::int64_t last_commit = -1;
    std::int64_t slowest = -1;  // the longest a message took to be delivered or dropped
    std::set<Command> issued, committed;
    std::array<std::size_t, kMaxNodes> applied_seen{};
    // When each message was sent, by channel and number (index seq - 1).
    std::array<std::array<std::vector<std::int64_t>, kMaxNodes>, kMaxNodes> sent_at{};
  };

  void note(const TraceEvent& done, const World<P>& world) {
    const Event& e = done.event;
    facts_.now = done.at;
    int touched = -1;
    switch (e.kind) {
      case EventKind::Cut:
      case EventKind::Heal: facts_.last_change = done.at; break;
      case EventKind::Crash:
        facts_.last_change = done.at;
        facts_.applied_seen[e.node] = world.node(e.node).applied().size();
        break;
      case EventKind::Restart: facts_.last_change = done.at; touched = e.node; break;
      case EventKind::Client: facts_.issued.insert(e.command); touched = e.node; break;
      case EventKind::Timer: touched = e.node; break;
      case EventKind::Admin:  // a change as in the timed world: any but a log compaction
        if constexpr (requires { P::admin_operations(); })
          if (e.timer < P::admin_operations().size() &&
              P::admin_operations()[e.timer].budget != AdminBudget::Snapshots)
            facts_.last_change = done.at;
        touched = e.node;
        break;
      case EventKind::Deliver: touched = e.message.to; break;
      case EventKind::Drop:
      case EventKind::Duplicate: break;
    }
    if (e.kind == EventKind::Deliver || e.kind == EventKind::Drop)
      facts_.slowest = std::max(facts_.slowest, done.at - sent_at(e.message));
    if (touched >= 0 && !world.crashed(NodeIndex(touched))) collect_commits(NodeIndex(touched), world);
    for (const auto& m : world.in_flight()) {
      auto& sent = facts_.sent_at[m.id.from][m.id.to];
      while (sent.size() < m.id.seq) sent.push_back(done.at);
    }
  }

  // As the timed world counts them: a client's command commits when some
  // node first applies it.
  void collect_commits(NodeIndex n, const World<P>& world) {
    const auto applied = world.node(n).applied();
    std::size_t& seen = facts_.applied_seen[n];
    if (applied.size() < seen) seen = 0;  // restarted
    for (std::size_t i = seen; i < applied.size(); ++i) {
      if (!facts_.issued.count(applied[i]) || !facts_.committed.insert(applied[i]).second) continue;
      facts_.last_commit = facts_.now;
    }
    seen = applied.size();
  }

  // When a message was sent (the time of the event that sent it).
  std::int64_t sent_at(const MessageId& id) const {
    const auto& sent = facts_.sent_at[id.from][id.to];
    return id.seq >= 1 && id.seq <= sent.size() ? sent[id.seq - 1] : facts_.now;
  }

  bool fair(std::span<const TraceEvent> given, const Execution& run) const {
    const std::int64_t from = window_start();
    std::size_t in_window = 0, executed_in_window = 0;
    for (const TraceEvent& e : given) in_window += e.at >= from;
    for (const TraceEvent& e : run.executed) executed_in_window += e.at >= from;
    if (in_window != executed_in_window) return false;
    if (slowest_ < 0) return true;  // nothing learned: only the window rule
    if (facts_.slowest > slowest_) return false;
    for (const auto& m : world().in_flight())
      if (check_at_ - sent_at(m.id) > slowest_) return false;
    return true;
  }

  std::optional<Violation> check_liveness() const {
    const World<P>& w = world();
    const std::int64_t stable_since = check_at_ - timed_.within - timed_.stable_for;
    if (facts_.last_change > stable_since) return std::nullopt;
    const std::uint32_t group = connected_majority(
        w.node_count(), [&](NodeIndex n) { return w.crashed(n); },
        [&](NodeIndex a, NodeIndex b) { return w.link_up(a, b); },
        liveness_voters(w));
    if (!group) return std::nullopt;
    const std::int64_t from = stable_since + timed_.stable_for;
    if (facts_.last_commit >= from) return std::nullopt;
    return liveness_violation(stable_since, group, from, check_at_, w.node_count());
  }

  Executor<P, Invariants> executor_;
  TraceHeader::Timed timed_;
  std::int64_t check_at_;
  std::int64_t slowest_ = -1;  // learn_fairness()
  Facts facts_;
};

// A timed run's recorded events as a trace, each described by the world, up
// to the first safety violation, or with the liveness check at `check_at`
// (-1: none). Throws std::runtime_error if the untimed world does not replay
// the events (an internal error: the recording is wrong).
template <class P, class Invariants>
Trace make_timed_trace(const TraceHeader& header, std::span<const TraceEvent> events, std::int64_t check_at) {
  TimedExecutor<P, Invariants> executor(header, check_at, "");
  Execution run = executor.execute(events, ExecuteMode::Strict, /*describe=*/true);
  if (run.divergence)
    throw std::runtime_error(fmt::format("internal error: a timed run's event {} does not replay: {}",
                                         run.divergence->index + 1, run.divergence->reason));
  Trace trace{header, std::move(run.executed), std::move(run.violation)};
  if (executor.checks_liveness() && trace.violation && trace.violation->invariant == "bounded-liveness")
    trace.liveness_check_at = check_at;
  return trace;
}

}  // namespace skiff
