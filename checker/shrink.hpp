// Shrinking a violating trace: delta debugging over its events, then single
// and paired event removal to a fixpoint, so that the result is 1-minimal:
// removing any one event (and replaying the rest leniently) loses the violation.
// The executor is Executor (simulation.hpp) or anything with its execute();
// the last `pinned` events are never removed (a timed liveness trace's window,
// timed_replay.hpp), and 1-minimality is over the others.
//
// Once a stop has been asked for (interrupt.hpp) for kShrinkGrace, shrinking
// gives up and returns the shortest violating run it has found so far
// (ShrinkStats::abandoned): still a replayable counterexample, not 1-minimal.
#pragma once

#include <span>
#include <string>
#include <vector>

#include "checker/interrupt.hpp"
#include "checker/simulation.hpp"

namespace skiff {

struct ShrinkStats {
  std::size_t events_before = 0;
  std::size_t events_after = 0;
  std::size_t replays = 0;
  bool abandoned = false;  // stopped early (interrupted): the result is not 1-minimal
};

template <class P, class Invariants, class Exec = Executor<P, Invariants>>
class Shrinker {
 public:
  Shrinker(const TraceHeader& header, std::string invariant, const std::string& where)
      : executor_(header, where), invariant_(std::move(invariant)) {}
  Shrinker(Exec executor, std::string invariant, std::size_t pinned)
      : executor_(std::move(executor)), invariant_(std::move(invariant)), pinned_(pinned) {}

  // Returns the shrunk run (events described, and the violation they end in),
  // or the input unchanged if it does not violate the invariant when
  // replayed leniently.
  Execution shrink(std::vector<TraceEvent> events, ShrinkStats& stats) {
    stats.events_before = events.size();
    if (violates(events, &events)) {
      delta_debug(events);
      do remove_single_events(events);
      while (remove_pairs_of_events(events));
    }
    Execution final_run = executor_.execute(events, ExecuteMode::Lenient, /*describe=*/true);
    stats.events_after = final_run.executed.size();
    stats.replays = replays_;
    stats.abandoned = abandoned_;
    return final_run;
  }

  // True if the events (replayed leniently) violate the invariant; then
  // `normalized` receives what was really executed up to the violation, each
  // event described so that later lenient runs can match messages by type.
  bool violates(std::span<const TraceEvent> events, std::vector<TraceEvent>* normalized) {
    if (abandoned_ || interrupted_for_at_least(kShrinkGrace)) {
      abandoned_ = true;
      return false;
    }
    ++replays_;
    Execution run = executor_.execute(events, ExecuteMode::Lenient, /*describe=*/true);
    if (!run.violation || run.violation->invariant != invariant_) return false;
    if (normalized) *normalized = std::move(run.executed);
    return true;
  }

 private:
  // Zeller's ddmin over complements: remove one of n chunks while the
  // violation stays; refine the chunks when none can go.
  void delta_debug(std::vector<TraceEvent>& events) {
    std::size_t chunks = 2;
    while (removable(events) >= 2 && !abandoned_) {
      const std::size_t size = removable(events);
      bool reduced = false;
      for (std::size_t c = 0; c < chunks && !reduced; ++c) {
        const std::size_t begin = size * c / chunks, end = size * (c + 1) / chunks;
        std::vector<TraceEvent> candidate;
        candidate.reserve(size - (end - begin));
        candidate.insert(candidate.end(), events.begin(), events.begin() + std::ptrdiff_t(begin));
        candidate.insert(candidate.end(), events.begin() + std::ptrdiff_t(end), events.end());
        if (violates(candidate, &events)) {
          reduced = true;
          chunks = std::max<std::size_t>(chunks - 1, 2);
        }
      }
      if (!reduced) {
        if (chunks >= size) break;
        chunks = std::min(chunks * 2, size);
      }
    }
  }

  void remove_single_events(std::vector<TraceEvent>& events) {
    bool changed = true;
    while (changed && !abandoned_) {
      changed = false;
      for (std::size_t i = 0; i < removable(events);) {
        std::vector<TraceEvent> candidate = events;
        candidate.erase(candidate.begin() + std::ptrdiff_t(i));
        if (violates(candidate, &events)) {
          changed = true;  // `events` is the shorter run now; try the same position again
        } else {
          ++i;
        }
      }
    }
  }

  // Two events that only matter together (a timer and the message it sent, a
  // crash and its restart) survive single removal; try every pair within a
  // window. Returns whether anything was removed.
  bool remove_pairs_of_events(std::vector<TraceEvent>& events) {
    constexpr std::size_t kWindow = 24;
    for (std::size_t i = 0; i < removable(events) && !abandoned_; ++i) {
      for (std::size_t j = i + 1; j < removable(events) && j <= i + kWindow; ++j) {
        std::vector<TraceEvent> candidate = events;
        candidate.erase(candidate.begin() + std::ptrdiff_t(j));
        candidate.erase(candidate.begin() + std::ptrdiff_t(i));
        if (violates(candidate, &events)) return true;
      }
    }
    return false;
  }

  // The events that may be removed: all but the pinned tail.
  std::size_t removable(const std::vector<TraceEvent>& events) const {
    return events.size() > pinned_ ? events.size() - pinned_ : 0;
  }

  Exec executor_;
  std::string invariant_;
  std::size_t pinned_ = 0;
  std::size_t replays_ = 0;
  bool abandoned_ = false;
};

}  // namespace skiff
