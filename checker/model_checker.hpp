// skiff check: breadth-first exploration of every state of the untimed world
// within bounds, checking every invariant in every state.
//
// Memory: a state is kept as its 64-bit fingerprint in the visited set and,
// for the states of each level, one link (its parent's number in the level
// before, and which successor of the parent it is): 8 bytes. States are not
// stored: a worker rebuilds them by replaying links from the initial state,
// keeping the states along its current path, so that rebuilding the next
// state of a level (the levels are in path order) replays only the events
// where its path differs from the previous one.
//
// Each level is expanded in two phases, so that the result does not depend
// on the number of threads:
//   1. (parallel) every successor of every state of the level is generated
//      and checked; those whose fingerprint is not yet visited become
//      candidates (fingerprint, parent, successor number);
//   2. (parallel, each thread owning some shards of the visited set) the
//      candidates are inserted in (parent, successor) order, so that of equal
//      fingerprints the one with the smallest (parent, successor) is kept;
//      the survivors, in that order, are the next level.
// The first level with a violation ends the search; of its violations the
// one with the smallest (parent, successor) is reported, so the
// counterexample is a shortest one and the same for any number of threads.
//
// A protocol whose code dies of a fatal signal (SIGSEGV, SIGABRT, ...) in a
// transition, with the process's crash-landing handlers installed
// (crash_landing.hpp; skiff's command line has them): the transition is a
// node-survives violation like an exception, its counterexample the path to
// it; the states the signal left half-changed are abandoned (leaked, never
// destroyed). A signal anywhere else still ends the process.
//
// Reduction (config.reduction, where explicit_reduction_applies()): sleep
// sets, so that of events that commute only one order is tried. Each state of
// the level has a sleep set (sleeps_), each candidate one (Worker::sleeps);
// candidates of one fingerprint keep the intersection of theirs. The events
// skipped are not generated. Why it is sound: model_checker_reduction.hpp.
//
// Depth-first (config.depth_first), for when memory is short: one thread,
// no links, only the visited set (which keeps for each state the smallest
// depth it was reached at, and re-explores a state reached again at a
// smaller depth, so that it finds the same states as breadth-first within
// the depth bound) and the states along the current path. Its
// counterexample is the first one found, not a shortest one.
#pragma once

#include <algorithm>
#include <atomic>
#include <bit>
#include <chrono>
#include <csignal>
#include <cstdint>
#include <fstream>
#include <functional>
#include <limits>
#include <optional>
#include <stdexcept>
#include <string>
#include <thread>
#include <unistd.h>
#include <vector>

#include "checker/bitstate_set.hpp"
#include "checker/child_process.hpp"
#include "checker/compact_visited_set.hpp"
#include "checker/crash_landing.hpp"
#include "checker/frontier_spill.hpp"
#include "checker/interrupt.hpp"
#include "checker/model_checker_reduction.hpp"
#include "checker/simulation.hpp"
#include "checker/visited_set.hpp"

namespace skiff {

struct CheckConfig {
  int nodes = 3;
  std::vector<std::string> bugs;
  std::vector<std::string> variants;  // e.g. "pre-vote", "passive=3" (see skiff list)
  Budgets budgets;                // steps is ignored: max_depth bounds the search
  std::uint32_t max_depth = 20;   // events from the initial state
  std::uint32_t max_epoch = 0;    // 0: unbounded (Raft: the highest term)
  std::uint32_t max_in_flight = 0;  // 0: unbounded
  bool symmetry = false;
  bool depth_first = false;       // at most VisitedSet::kMaxTag deep; one thread
  // The stateless search only: fork a process per state (copy-on-write) to
  // try each event, rather than rebuild states by replaying their paths.
  bool fork_per_state = false;
  // The stateless search only: a path that violates one of these ends
  // there, unreported (explore's --ignore-invariant).
  std::vector<std::string> ignored_invariants;
  // Breadth-first only: the visited set. compact: CompactVisitedSet (4-byte
  // slots, 48-bit fingerprints); bitstate_bits > 0: BitstateSet of
  // 2^bitstate_bits bits and bitstate_hashes hashes (a partial search).
  bool compact = false;
  int bitstate_bits = 0;
  int bitstate_hashes = 3;
  // Partial-order reduction where the search has one: the stateless
  // search's sleep sets; the explicit search's, where
  // explicit_reduction_applies(). skiff check sets it (check_command.hpp):
  // off with --no-reduction, and off for the explicit search unless
  // --reduction, since its sleep sets cost more time than they save.
  bool reduction = true;
  int threads = 1;
  double memory_limit_gib = 0;    // 0: none
  // Breadth-first only: the links and candidates kept in memory, in bytes
  // (0: no bound). Beyond it the links go to files in spill_dir and each
  // level is expanded in segments (checker/frontier_spill.hpp); the results
  // are the same.
  std::size_t frontier_memory_bytes = 0;
  std::string spill_dir = ".";
  // Swarm (checker/swarm_search.hpp): swarm > 0 runs that many depth-first
  // searches, member m shuffling the successors of each state with a
  // generator seeded from (seed, m), each with its own BitstateSet of
  // 2^bitstate_bits bits (default kSwarmBitstateBits).
  std::uint32_t swarm = 0;
  std::uint64_t seed = 0;
  // Called after each level (depth-first: every 2^16 states generated, with
  // the current depth) from the calling thread.
  std::function<void(std::uint32_t depth, std::uint64_t distinct, std::uint64_t generated)> progress;
};

// The explicit search reduces only breadth-first, in memory (not with
// frontier_memory_bytes, whose segments would each need the sleep sets of
// the states already inserted) and without max_in_flight (a bound that does
// not commute with events).
inline bool explicit_reduction_applies(const CheckConfig& config) {
  return config.reduction && !config.depth_first && config.swarm == 0 && config.max_in_flight == 0 &&
         config.frontier_memory_bytes == 0;
}

// --swarm without --bitstate: each member's bitstate set has 2^22 bits (512 KiB).
inline constexpr int kSwarmBitstateBits = 22;

struct CheckOutcome {
  std::uint64_t distinct_states = 0;
  std::uint64_t generated_states = 0;
  std::uint32_t depth = 0;              // the deepest level fully explored (depth-first:
                                        // the greatest smallest depth of a state found)
  bool complete = false;                // no state left unexplored within the bounds
  bool memory_limit_reached = false;
  bool interrupted = false;  // a stop was asked for (interrupt.hpp) before the search ended
  std::size_t visited_bytes = 0;        // memory of the visited set
  double bitstate_expected_omissions = 0;  // with bitstate_bits: BitstateSet::expected_omissions()
  std::size_t link_bytes = 0;           // memory of the links that rebuild states
  std::size_t spilled_link_bytes = 0;   // with frontier_memory_bytes: the links written to files
  std::size_t spilled_levels = 0;       // and the levels they belong to
  std::uint64_t segments = 0;           // breadth-first: expansion segments, over all levels
  // --swarm (checker/swarm_search.hpp): distinct_states is the estimate of
  // states seen across members, rounded.
  double swarm_estimated_states = 0;
  std::uint64_t swarm_stored_states = 0;  // states stored, summed over members
  std::uint32_t swarm_members_run = 0;
  std::int64_t swarm_member = -1;         // the member that found the violation
  std::uint64_t swarm_member_seed = 0;    // and the seed it shuffled with
  std::optional<Violation> violation;
  std::vector<Event> counterexample;    // from the initial state
  // The violation is a fatal signal that landed (node-survives): a trace of
  // it must be made in a child process (TraceHeader::isolated).
  bool killed_by_signal = false;
  // The stateless search (stateless_checker.hpp): states rebuilt by
  // replaying their paths from the first boot.
  std::uint64_t replays = 0;
};

namespace detail {
inline std::size_t resident_bytes() {
  std::ifstream statm("/proc/self/statm");
  std::size_t pages = 0, resident = 0;
  statm >> pages >> resident;
  return resident * std::size_t(sysconf(_SC_PAGESIZE));
}
}  // namespace detail

template <class P, class Invariants>
class ModelChecker {
 public:
  explicit ModelChecker(const CheckConfig& config)
      : config_(config),
        options_(make_options<P>(config.bugs, config.variants, config.nodes, "--bug: ", "--variant: ")),
        budgets_(with_unbounded_steps(config.budgets)),
        root_(config.nodes, options_, budgets_),
        levels_(config.depth_first ? 0 : config.frontier_memory_bytes / 2, config.spill_dir) {}

  CheckOutcome run() {
    if (auto explanation = invariants::NodeSurvives{}.check(root_.world, World<P>::kNoNode)) {
      CheckOutcome out;  // a node threw at first boot: the initial state is the counterexample
      out.distinct_states = out.generated_states = 1;
      out.violation = Violation{std::string(invariants::NodeSurvives::name), std::move(*explanation)};
      return out;
    }
    if (config_.swarm) return run_swarm();
    if (config_.depth_first) return run_depth_first();
    if (config_.bitstate_bits) {
      BitstateSet bits(config_.bitstate_bits, config_.bitstate_hashes);
      CheckOutcome out = run_breadth_first(bits);
      out.bitstate_expected_omissions = bits.expected_omissions();
      return out;
    }
    if (config_.compact) {
      CompactVisitedSet compact;
      return run_breadth_first(compact);
    }
    return run_breadth_first(visited_);
  }

 private:
  // Set: VisitedSet, CompactVisitedSet or BitstateSet.
  template <class Set>
  CheckOutcome run_breadth_first(Set& visited) {
    CheckOutcome out;
    levels_.push_level({Link{0, 0}});
    if (reducing()) sleeps_.push(Sleep{});
    visited.insert(fingerprint(root_));
    out.distinct_states = out.generated_states = 1;
    const int threads = std::max(1, config_.threads);
    std::vector<Worker> workers;
    for (int t = 0; t < threads; ++t) workers.emplace_back(root_, config_.max_depth, &levels_);
    // A worker a signal landed in holds half-changed states: never destroyed.
    struct AbandonIfCrashed {
      std::vector<Worker>& workers;
      ~AbandonIfCrashed() {
        for (const Worker& w : workers) {
          if (!w.crashed) continue;
          keep_abandoned(new std::vector<Worker>(std::move(workers)));
          return;
        }
      }
    } abandon_if_crashed{workers};
    // With a frontier budget, half of it for the candidates of a segment
    // (the other half is the links', levels_): a level is expanded in
    // segments of chunks, each taken while the segment's candidates fit.
    // Phase 1 of a segment skips the states the segments before it
    // inserted, which phase 2 would have rejected (they come first in
    // (parent, successor) order), so the levels are the same as in one
    // segment, whatever the segments.
    const std::size_t candidate_budget = config_.frontier_memory_bytes
                                             ? std::max<std::size_t>(1, config_.frontier_memory_bytes / 2 / sizeof(Candidate))
                                             : std::numeric_limits<std::size_t>::max();

    for (std::uint32_t depth = 0;; ++depth) {
      const std::size_t level_size = levels_.size(depth);
      out.depth = depth;
      if (level_size == 0) {  // the deepest state is one level up
        out.complete = true;
        out.depth = depth - 1;
        break;
      }
      if (depth >= config_.max_depth) break;  // states at max_depth are checked, not expanded
      if (over_memory_limit()) {
        out.memory_limit_reached = true;
        break;
      }
      if (interrupted()) {
        out.interrupted = true;
        break;
      }

      constexpr std::size_t kChunk = 512;
      const std::size_t chunks = (level_size + kChunk - 1) / kChunk;
      std::vector<std::pair<Worker*, std::pair<std::size_t, std::size_t>>> chunk_candidates(chunks);
      std::atomic<std::size_t> next_chunk{0};
      std::optional<Found> found;
      for (Worker& w : workers) w.begin_level();
      levels_.begin_level();
      std::size_t new_states = 0;
      for (std::size_t segment_first = 0; segment_first < chunks && !found && !out.interrupted;) {
        ++out.segments;
        // Phase 1: expand, in fixed chunks over the threads. A chunk's
        // candidates are in (parent, successor) order; so are the chunks'.
        std::atomic<std::size_t> segment_candidates{0};
        for (Worker& w : workers) {
          w.candidates.clear();
          w.sleeps.clear();
        }
        parallel(workers, [&](Worker& worker) {
          AlternateSignalStack signal_stack;
          CrashLanding landing;
          for (;;) {
            if (interrupted() || worker.crashed) return;  // the level is left unfinished
            if (segment_candidates.load(std::memory_order_relaxed) > candidate_budget) return;
            const std::size_t chunk = next_chunk.fetch_add(1);
            if (chunk >= chunks) return;
            const std::size_t first = worker.candidates.size();
            const std::size_t end = std::min(level_size, (chunk + 1) * kChunk);
            for (std::size_t i = chunk * kChunk; i < end && !worker.crashed; ++i)
              expand_guarded(depth, std::uint32_t(i), worker, landing, visited);
            chunk_candidates[chunk] = {&worker, {first, worker.candidates.size()}};
            segment_candidates.fetch_add(worker.candidates.size() - first, std::memory_order_relaxed);
          }
        });
        const std::size_t segment_end = std::min(next_chunk.load(), chunks);

        for (Worker& w : workers) {
          out.generated_states += w.generated;
          w.generated = 0;
          if (w.found && (!found || w.found->key < found->key)) found = w.found;
        }
        if (found) break;
        if (interrupted()) {  // phase 1 may have been cut short: the level is not all expanded
          out.interrupted = true;
          break;
        }
        new_states += insert_candidates(workers, chunk_candidates, segment_first, segment_end, visited);
        segment_first = segment_end;
      }
      levels_.end_level();
      if (reducing()) sleeps_ = std::move(next_sleeps_);
      if (found) {
        out.violation = std::move(found->violation);
        out.killed_by_signal = found->killed_by_signal;
        out.counterexample = events_to(depth, found->key);
        out.depth = depth + 1;
        break;
      }
      if (out.interrupted) break;
      out.distinct_states += new_states;
      if (config_.progress) config_.progress(depth + 1, out.distinct_states, out.generated_states);
    }
    out.complete = out.complete && !out.interrupted;
    out.visited_bytes = visited.bytes();
    out.link_bytes = levels_.memory_bytes();
    out.spilled_link_bytes = levels_.disk_bytes();
    out.spilled_levels = levels_.levels_on_disk();
    return out;
  }

  // Phase 2 of chunks [first, end): inserts their candidates in (parent,
  // successor) order, each thread the shards it owns; the first of equal
  // fingerprints is new, the others are not. Candidate k (in that order) is
  // candidate k - start[c] of chunk c; a thread marks the new ones it
  // inserted in its own bit set, so that no two threads write to one cache
  // line. The new ones are appended to the level being built, in that
  // order; returns how many.
  // (Workers: std::vector<Worker>; ChunkCandidates: a vector of (worker,
  // range of its candidates) per chunk; templates as Worker is declared below.)
  template <class Set, class Workers, class ChunkCandidates>
  std::size_t insert_candidates(Workers& workers, const ChunkCandidates& chunk_candidates, std::size_t first,
                                std::size_t end, Set& visited) {
    const std::size_t chunks = end - first;
    std::vector<std::size_t> start(chunks + 1, 0);
    for (std::size_t c = 0; c < chunks; ++c)
      start[c + 1] = start[c] + (chunk_candidates[first + c].second.second - chunk_candidates[first + c].second.first);
    parallel(workers, [&](Worker& worker) {
      const std::size_t owner = std::size_t(&worker - workers.data());
      worker.new_bits.assign((start[chunks] + 63) / 64, 0);
      constexpr std::size_t kAhead = 16;  // prefetch distance, in candidates
      for (std::size_t c = 0; c < chunks; ++c) {
        const auto& [from, range] = chunk_candidates[first + c];
        const Candidate* candidates = from->candidates.data();
        for (std::size_t i = range.first; i < range.second; ++i) {
          if (i + kAhead < range.second) {
            const std::uint64_t ahead = candidates[i + kAhead].fingerprint;
            if (VisitedSet::shard_of(ahead) % workers.size() == owner) visited.prefetch(ahead);
          }
          const std::uint64_t fp = candidates[i].fingerprint;
          if (VisitedSet::shard_of(fp) % workers.size() != owner || !visited.insert(fp)) continue;
          const std::size_t k = start[c] + (i - range.first);
          worker.new_bits[k / 64] |= std::uint64_t(1) << (k % 64);
        }
      }
    });
    std::size_t new_count = 0;
    for (const Worker& t : workers)
      for (std::uint64_t bits : t.new_bits) new_count += std::size_t(std::popcount(bits));
    levels_.reserve_more(new_count);  // one allocation: a level can be hundreds of megabytes
    if (reducing()) {  // one segment: reducing() excludes frontier_memory_bytes
      intersect_sleep_sets(chunk_candidates, first, start);
      next_sleeps_.clear();
      next_sleeps_.reserve(new_count);
    }
    for (std::size_t c = 0; c < chunks; ++c) {
      const auto& [from, range] = chunk_candidates[first + c];
      for (std::size_t i = range.first; i < range.second; ++i) {
        const std::size_t k = start[c] + (i - range.first);
        for (const Worker& t : workers)
          if (t.new_bits[k / 64] >> (k % 64) & 1) {
            levels_.append(from->candidates[i].key);
            if (reducing()) next_sleeps_.push(from->sleeps[i]);
            break;
          }
      }
    }
    return new_count;
  }

  CheckOutcome run_swarm();  // checker/swarm_search.hpp

  CheckOutcome run_depth_first() {
    if (config_.max_depth > VisitedSet::kMaxTag)
      throw std::invalid_argument("model checker: depth-first search goes at most 63 deep");
    CheckOutcome out;
    const std::uint32_t max_depth = config_.max_depth;
    // states[k]: the state after the first k events of the current path;
    // taken[k]: the successor of states[k] taken; next/total: the successors
    // of states[k] tried so far and in all.
    std::vector<State> states(max_depth + 1, root_);
    std::vector<std::uint32_t> taken(max_depth + 1), next(max_depth + 1), total(max_depth + 1);
    // touched[k + 1]: see step_into().
    std::vector<int> touched(max_depth + 2, kStale);
    visited_.visit_at_depth(fingerprint(root_), 0);
    out.generated_states = 1;
    total[0] = successor_count(root_.world);
    // A signal in a transition lands here (see the top of this file).
    AlternateSignalStack signal_stack;
    CrashLanding landing;
    DepthFirstPosition position;
    const int signal = run_with_landing(landing, [&] {
      search_depth_first(out, states, taken, next, total, touched, position);
    });
    if (signal) {
      out.violation = crash_violation(signal);
      out.killed_by_signal = true;
      const std::uint32_t d = position.depth;
      for (std::uint32_t k = 0; k < d; ++k) out.counterexample.push_back(successor_event(states[k].world, taken[k]));
      out.counterexample.push_back(successor_event(states[d].world, position.successor));
      keep_abandoned(new std::vector<State>(std::move(states)));  // states[d + 1] is half-changed
    }
    out.distinct_states = visited_.size();
    const bool at_bound = visited_.count_with_tag(max_depth) > 0;
    out.complete = !out.violation && !out.memory_limit_reached && !out.interrupted && !at_bound;
    out.depth = out.violation ? std::uint32_t(out.counterexample.size()) : visited_.max_tag();
    out.visited_bytes = visited_.bytes();
    return out;
  }

  struct State {
    State(int nodes, const typename P::Options& options, const Budgets& budgets) : world(nodes, options, budgets) {}
    World<P> world;
    Invariants invariants;
  };

  // Where the depth-first search is applying a transition: successor
  // `successor` of the state at `depth` of the current path. Written before
  // each transition, read after a signal landed (hence volatile).
  struct DepthFirstPosition {
    volatile std::uint32_t depth = 0;
    volatile std::uint32_t successor = 0;
  };

  void search_depth_first(CheckOutcome& out, std::vector<State>& states, std::vector<std::uint32_t>& taken,
                          std::vector<std::uint32_t>& next, std::vector<std::uint32_t>& total,
                          std::vector<int>& touched, DepthFirstPosition& position) {
    const std::uint32_t max_depth = config_.max_depth;
    for (std::uint32_t d = 0;;) {
      if (next[d] == total[d] || d == max_depth) {
        if (d == 0) break;
        --d;
        continue;
      }
      const std::uint32_t n = next[d]++;
      State& successor = states[d + 1];
      if (++out.generated_states % (1u << 16) == 0) {
        if (config_.progress) config_.progress(d, visited_.size(), out.generated_states);
        if (over_memory_limit()) {
          out.memory_limit_reached = true;
          break;
        }
        if (interrupted()) {
          out.interrupted = true;
          break;
        }
      }
      position.depth = d;
      position.successor = n;
      if (auto violation = step_into(successor, touched[d + 1], states[d], n)) {
        out.violation = std::move(violation);
        for (std::uint32_t k = 0; k < d; ++k) out.counterexample.push_back(successor_event(states[k].world, taken[k]));
        out.counterexample.push_back(successor_event(states[d].world, n));
        break;
      }
      if (!within_bounds(successor.world) || !visited_.visit_at_depth(fingerprint(successor), d + 1)) continue;
      taken[d] = n;
      ++d;
      touched[d + 1] = kStale;
      next[d] = 0;
      total[d] = successor_count(states[d].world);
    }
  }
  // How a state was reached: its parent's number in the level before and
  // which successor of the parent it is. Ordered as the search visits them.
  struct Link {
    std::uint32_t parent = 0;
    std::uint32_t successor = 0;
    friend bool operator<(const Link& a, const Link& b) {
      return a.parent != b.parent ? a.parent < b.parent : a.successor < b.successor;
    }
  };
  struct Candidate {
    std::uint64_t fingerprint;
    Link key;
  };
  using Sleep = reduction::Sleep;
  bool reducing() const { return explicit_reduction_applies(config_); }
  using Levels = SpilledLevels<Link>;
  struct Found {
    Link key;
    Violation violation;
    bool killed_by_signal = false;
  };
  // A thread's working memory: the states along its current path (stack[k]
  // is the state after path[0..k)), and a scratch state for successors.
  struct alignas(128) Worker {  // no cache line shared between threads' workers
    Worker(const State& root, std::uint32_t max_depth, const Levels* levels)
        : stack(max_depth + 1, root), touched(max_depth + 2, kStale), scratch(root), reader(levels) {}
    void begin_level() {
      generated = 0;
      candidates.clear();
      sleeps.clear();
      found.reset();
      reader.reset();
    }
    std::vector<State> stack;
    std::vector<int> touched;  // touched[k + 1]: see step_into()
    std::vector<std::uint32_t> path;    // the path of the state on top of the stack
    std::vector<std::uint32_t> wanted;  // the path being rebuilt
    State scratch;
    typename Levels::Reader reader;  // the links, from memory or their files
    std::uint64_t generated = 0;
    std::vector<Candidate, HugePageAllocator<Candidate>> candidates;
    reduction::SleepSets sleeps;  // reduction: sleeps[i] is candidates[i]'s sleep set
    // Reduction, while a state is expanded: its events, their signatures
    // (0: not local-able), which are asleep, the tried local ones, and the
    // signatures under the last successor renaming asked for.
    std::vector<Event> events;
    std::vector<std::uint64_t> signatures;
    std::vector<std::uint8_t> asleep;
    std::vector<std::uint32_t> tried;
    std::vector<std::uint64_t> renamed_signatures;
    std::optional<Found> found;
    std::vector<std::uint64_t> new_bits;  // phase 2: which candidates it found new
    // The successor being applied (or fingerprinted), -1 between them; read
    // after a signal landed (hence volatile).
    volatile std::int64_t applying = -1;
    bool crashed = false;  // a signal landed in this worker: its states are half-changed
  };

  static Violation crash_violation(int signal) {
    return Violation{std::string(kNodeSurvives),
                     fmt::format("the process died of {} (in-process, in skiff check)", signal_name(signal))};
  }

  // expand_one() under the worker's crash landing: a signal while applying
  // (or fingerprinting) a successor makes that successor the level's
  // violation candidate and retires the worker; a signal anywhere else is
  // not the protocol's transition and ends the process as it would have.
  template <class Set>
  void expand_guarded(std::uint32_t depth, std::uint32_t index, Worker& w, CrashLanding& landing,
                      const Set& visited) const {
    w.applying = -1;
    const int signal = run_with_landing(landing, [&] { expand_one(depth, index, w, visited); });
    if (!signal) return;
    const std::int64_t successor = w.applying;
    if (successor < 0) {
      std::signal(signal, SIG_DFL);
      std::raise(signal);
    }
    const Link key{index, std::uint32_t(successor)};
    if (!w.found || key < w.found->key) w.found = Found{key, crash_violation(signal), true};
    w.crashed = true;
  }

  // Runs body(worker) once for each worker, each on its own thread.
  template <class Body>
  static void parallel(std::vector<Worker>& workers, const Body& body) {
    if (workers.size() == 1) return body(workers[0]);
    std::vector<std::thread> pool;
    for (Worker& w : workers) pool.emplace_back([&] { body(w); });
    for (auto& thread : pool) thread.join();
  }

  static Budgets with_unbounded_steps(Budgets budgets) {
    budgets.steps = std::numeric_limits<std::uint32_t>::max();
    return budgets;
  }

  // The n-th successor of a state: events in kind order, then in the world's
  // order within a kind.
  static Event successor_event(const World<P>& world, std::uint32_t n) {
    return successor_event(world, world.count_enabled(), n);
  }
  static Event successor_event(const World<P>& world, const PerKind& counts, std::uint32_t n) {
    for (int kind = 0; kind < kEventKinds; ++kind) {
      if (n < counts[kind]) return world.nth_enabled(EventKind(kind), n);
      n -= counts[kind];
    }
    throw std::logic_error("model checker: no such successor");
  }

  static std::uint32_t successor_count(const World<P>& world) {
    std::uint32_t total = 0;
    for (std::uint32_t c : world.count_enabled()) total += c;
    return total;
  }

  // What the event that made a state slot from its parent changed
  // (World::restore), or kStale if the slot is not one event away from its
  // parent as it is now.
  static constexpr int kStale = std::numeric_limits<int>::min();

  // Makes `slot` the n-th successor of `parent`: restores the slot to the
  // parent (cheap) when `touched` says it is one event away from it, copies
  // the parent otherwise; then applies the event and records what it touched.
  static std::optional<Violation> step_into(State& slot, int& touched, const State& parent, std::uint32_t n) {
    if (touched == kStale) {
      slot = parent;  // assignment reuses the slot's memory
    } else {
      slot.world.restore(parent.world, touched);
      slot.invariants.restore(parent.invariants, touched);
    }
    return apply_event(slot, successor_event(parent.world, n), &touched);
  }

  static std::optional<Violation> apply_successor(State& state, std::uint32_t n) {
    return apply_event(state, successor_event(state.world, n));
  }
  static std::optional<Violation> apply_event(State& state, const Event& event, int* touched_out = nullptr) {
    const int touched = state.world.apply(event);
    if (touched_out) *touched_out = touched;
    return state.invariants.check(state.world, touched);
  }

  // The successor numbers that lead from the initial state to state `index`
  // of level `depth`.
  static void path_of(std::uint32_t depth, std::uint32_t index, std::vector<std::uint32_t>& path,
                      typename Levels::Reader& reader) {
    path.resize(depth);
    for (std::uint32_t k = depth; k > 0; --k) {
      const Link link = reader.get(k, index);
      path[k - 1] = link.successor;
      index = link.parent;
    }
  }

  // Rebuilds state `index` of level `depth` on the worker's stack, replaying
  // only where its path departs from the worker's previous one.
  const State& rebuild(std::uint32_t depth, std::uint32_t index, Worker& w) const {
    path_of(depth, index, w.wanted, w.reader);
    std::size_t same = 0;
    while (same < w.path.size() && same < w.wanted.size() && w.path[same] == w.wanted[same]) ++same;
    for (std::size_t k = same; k < depth; ++k) {
      if (k > same) w.touched[k + 1] = kStale;  // stack[k] has just changed
      step_into(w.stack[k + 1], w.touched[k + 1], w.stack[k], w.wanted[k]);
    }
    w.path = w.wanted;
    return w.stack[depth];
  }

  bool within_bounds(const World<P>& world) const {
    if (config_.max_in_flight && world.in_flight().size() > config_.max_in_flight) return false;
    if (config_.max_epoch)
      for (int i = 0; i < world.node_count(); ++i)
        if (world.node(NodeIndex(i)).epoch() > config_.max_epoch) return false;
    return true;
  }

  // A state's canonical renaming: the one its fingerprint is the digest
  // under (the identity without symmetry); ambiguous if two renamings give
  // that digest (the state is symmetric under some renaming of its nodes).
  struct Canonical {
    Canonical() {
      for (std::uint8_t i = 0; i < 8; ++i) rename[i] = inverse[i] = i;
    }
    StateEncoder::Renaming rename, inverse;
    bool ambiguous = false;
    std::uint64_t key() const {
      std::uint64_t k = 0;
      for (std::uint8_t r : rename) k = k << 8 | r;
      return k;
    }
  };

  // With `canonical` (under symmetry), also the renaming it is the digest under.
  std::uint64_t fingerprint(const State& state, Canonical* canonical = nullptr) const {
    if (config_.symmetry) return symmetric_fingerprint(state, canonical);
    StateEncoder encoder;
    state.world.encode(encoder);
    state.invariants.encode(encoder, state.world);
    return encoder.digest();
  }

  // Symmetry reduction: the smallest digest of the state renamed by any
  // permutation that lists the nodes in the order of their signatures
  // (World::symmetry_signature, which does not depend on node names), nodes
  // of equal signature in every order among themselves. Renaming the state
  // by a permutation s renames its signatures alike, so the permutations
  // tried for s(state) are those tried for the state composed with s^-1 and
  // yield the same renamed states: states equal up to renaming get the same
  // fingerprint, as when every permutation is tried, and the same states
  // count as distinct (tests/check_test.cpp compares the counts with an
  // enumerator that tries all). Usually the signatures differ and one
  // permutation is tried instead of n!. A node is encoded once after it
  // changes (split: World::node_symmetry) and digested under each renaming
  // with one multiplication per node it names; a message whose content names
  // no node, from its cached content digest.
  std::uint64_t symmetric_fingerprint(const State& state, Canonical* canonical = nullptr) const {
    const World<P>& world = state.world;
    const int n = world.node_count();
    std::array<std::uint64_t, 8> signature{};
    std::array<std::uint8_t, 8> order{};  // nodes by signature
    for (int i = 0; i < n; ++i) signature[std::size_t(i)] = world.symmetry_signature(NodeIndex(i));
    refine_by_messages(world, signature);
    // By signature, then index: an insertion sort, as n is at most 7.
    for (int i = 0; i < n; ++i) {
      int k = i;
      for (; k > 0 && signature[order[std::size_t(k - 1)]] > signature[std::size_t(i)]; --k)
        order[std::size_t(k)] = order[std::size_t(k - 1)];
      order[std::size_t(k)] = std::uint8_t(i);
    }
    // Runs of equal signature, each permuted in every order (an odometer of
    // next_permutation, which returns a run to its sorted order when it wraps).
    std::array<std::pair<int, int>, 8> runs{};
    int run_count = 0;
    for (int k = 0; k < n;) {
      int end = k + 1;
      while (end < n && signature[order[std::size_t(end)]] == signature[order[std::size_t(k)]]) ++end;
      if (end - k > 1) runs[std::size_t(run_count++)] = {k, end};
      k = end;
    }
    std::uint64_t best = std::numeric_limits<std::uint64_t>::max();
    for (;;) {
      StateEncoder::Renaming rename{}, inverse{};
      for (std::uint8_t i = 0; i < 8; ++i) rename[i] = inverse[i] = i;
      for (int k = 0; k < n; ++k) {
        rename[order[std::size_t(k)]] = std::uint8_t(k);
        inverse[std::size_t(k)] = order[std::size_t(k)];
      }
      StateEncoder encoder(rename, inverse, /*symmetric=*/true);
      world.encode(encoder);
      state.invariants.encode(encoder, world);
      const std::uint64_t digest = encoder.digest();
      if (digest < best) {
        best = digest;
        if (canonical) {
          canonical->rename = rename;
          canonical->inverse = inverse;
          canonical->ambiguous = false;
        }
      } else if (digest == best && canonical) {
        canonical->ambiguous = true;
      }
      int r = 0;
      while (r < run_count && !std::next_permutation(order.begin() + runs[std::size_t(r)].first,
                                                     order.begin() + runs[std::size_t(r)].second))
        ++r;
      if (r == run_count) break;
    }
    return best;
  }

  // Splits ties between node signatures by the messages in flight: each node's
  // signature takes in, as multisets, the anonymous contents of the messages
  // it sent and is to receive, each with the signature of the node at the
  // other end. Still independent of names: a renaming moves the messages
  // with the nodes. Signatures only order the nodes, so a collision here
  // costs speed (a tie, whose orders are all tried), never a missed state:
  // one multiplication per message is hash enough.
  static void refine_by_messages(const World<P>& world, std::array<std::uint64_t, 8>& signature) {
    std::array<std::uint64_t, 8> sent{}, received{};
    for (const auto& m : world.in_flight()) {
      const std::uint64_t content = World<P>::content_digest(m);
      sent[m.id.from] += content * (signature[m.id.to] | 1);
      received[m.id.to] += std::rotl(content, 29) * (signature[m.id.from] | 1);
    }
    for (int i = 0; i < world.node_count(); ++i) {
      const std::size_t k = std::size_t(i);
      signature[k] = StateEncoder::mix(signature[k] ^ StateEncoder::mix(sent[k] + std::rotl(received[k], 31)));
    }
  }

  // Fills the state's digest caches, which the successors made from it copy.
  void fill_digest_caches(const State& state) const {
    if (config_.symmetry) return state.world.fill_symmetry_caches();
    StateEncoder warm;
    state.world.encode(warm);
  }

  template <class Set>
  void expand_one(std::uint32_t depth, std::uint32_t index, Worker& w, const Set& visited) const {
    if (w.found && w.found->key.parent < index) return;  // a smaller violation is known
    const State& from = rebuild(depth, index, w);
    fill_digest_caches(from);
    const PerKind counts = from.world.count_enabled();
    std::uint32_t total = 0;
    for (std::uint32_t c : counts) total += c;
    if (reducing()) return expand_reduced(from, counts, total, index, w, visited);
    // Each successor is made in the scratch state, which is then restored
    // to `from` by copying back only what the event changed. A successor's
    // fingerprint is looked up in the visited set one successor later, its
    // slot prefetched meanwhile (a lookup is a cache miss in a large set).
    w.scratch = from;
    std::optional<Candidate> pending;
    auto look_up_pending = [&] {
      if (pending && !visited.contains(pending->fingerprint)) w.candidates.push_back(*pending);
      pending.reset();
    };
    for (std::uint32_t n = 0; n < total; ++n) {
      const Link key{index, n};
      ++w.generated;
      int touched = World<P>::kNoNode;
      w.applying = n;
      if (auto violation = apply_event(w.scratch, successor_event(from.world, counts, n), &touched)) {
        w.applying = -1;
        if (!w.found || key < w.found->key) w.found = Found{key, std::move(*violation)};
        return;  // this level ends the search: its candidates do not matter
      }
      if (within_bounds(w.scratch.world)) {
        const std::uint64_t fp = fingerprint(w.scratch);
        visited.prefetch(fp);
        look_up_pending();
        pending = Candidate{fp, key};
      }
      w.scratch.world.restore(from.world, touched);
      w.scratch.invariants.restore(from.invariants, touched);
      w.applying = -1;
    }
    look_up_pending();
  }

  // ---- reduction (sleep sets; model_checker_reduction.hpp) -----------------

  // An event named by what it does, not by message ids (which differ between
  // states of one fingerprint), under a renaming; 0 for an event that is
  // never local (reduction::node_of).
  static std::uint64_t event_signature(const World<P>& world, const Event& e, const Canonical& c) {
    if (reduction::node_of(e) < 0) return 0;
    StateEncoder encoder(c.rename, c.inverse);
    encoder.put(std::uint64_t(e.kind) + 1);
    if (e.kind == EventKind::Deliver) {
      const auto& m = world.in_flight()[std::size_t(world.find(e.message))];
      if (encoder.identity() && m.digest) {  // World::encode's cached digest, the same value
        encoder.put(m.digest);
      } else {
        StateEncoder one = encoder.sibling();
        one.put_node(m.id.from);
        one.put_node(m.id.to);
        m.message.encode(one);
        encoder.put(one.digest());
      }
    } else {
      encoder.put_node(e.node);
      encoder.put(e.timer);
    }
    return encoder.digest() | 1;
  }

  // The digest of the ghost history of the invariants that are not rules.
  static std::uint64_t property_history(const State& state) {
    StateEncoder encoder;
    state.invariants.encode_property_history(encoder, state.world);
    return encoder.digest();
  }

  // apply_event(), with the rules reading through a ReadTrackingView: *reads
  // gets the nodes they read.
  static std::optional<Violation> apply_event_tracked(State& state, const Event& event, int* touched_out,
                                                      std::uint32_t* reads) {
    const int touched = state.world.apply(event);
    *touched_out = touched;
    ReadTrackingView<World<P>> view(state.world);
    std::optional<Violation> violation = state.invariants.check(state.world, view, touched);
    *reads = view.reads();
    return violation;
  }

  // Candidates of one fingerprint: the first of them (in (parent,
  // successor) order), which becomes the state of the next level if any
  // does, gets the intersection of their sleep sets.
  template <class ChunkCandidates>
  static void intersect_sleep_sets(const ChunkCandidates& chunk_candidates, std::size_t first_chunk,
                                   const std::vector<std::size_t>& start) {
    struct Entry {
      std::uint64_t fingerprint;
      std::uint32_t k;  // in candidate order
      std::uint32_t chunk;
      bool operator<(const Entry& other) const {
        return fingerprint != other.fingerprint ? fingerprint < other.fingerprint : k < other.k;
      }
    };
    const std::size_t total = start.back();
    std::vector<Entry> by_fingerprint(total);
    for (std::size_t c = 0; c + 1 < start.size(); ++c) {
      const auto& [from, range] = chunk_candidates[first_chunk + c];
      for (std::size_t i = range.first; i < range.second; ++i) {
        const std::size_t k = start[c] + (i - range.first);
        by_fingerprint[k] = {from->candidates[i].fingerprint, std::uint32_t(k), std::uint32_t(c)};
      }
    }
    std::sort(by_fingerprint.begin(), by_fingerprint.end());
    auto locate = [&](const Entry& e) {
      const auto& [worker, range] = chunk_candidates[first_chunk + e.chunk];
      return std::pair{worker, range.first + (e.k - start[e.chunk])};
    };
    for (std::size_t a = 0; a < total;) {
      std::size_t b = a + 1;
      while (b < total && by_fingerprint[b].fingerprint == by_fingerprint[a].fingerprint) ++b;
      const auto [first, i] = locate(by_fingerprint[a]);
      for (std::size_t j = a + 1; j < b; ++j) {
        const auto [other, o] = locate(by_fingerprint[j]);
        first->sleeps.intersect(i, other->sleeps[o]);
      }
      a = b;
    }
  }

  // expand_one() with sleep sets: the events asleep in `from` are skipped;
  // each successor's sleep set holds the events asleep here or tried before
  // its own, local and commuting with it (model_checker_reduction.hpp).
  template <class Set>
  void expand_reduced(const State& from, const PerKind& counts, std::uint32_t total, std::uint32_t index, Worker& w,
                      const Set& visited) const {
    Canonical from_canonical;
    if (config_.symmetry) fingerprint(from, &from_canonical);
    const std::span<const std::uint64_t> sleep = sleeps_[index];  // empty if from_canonical is ambiguous
    const std::uint64_t history = property_history(from);
    w.events.resize(total);
    w.signatures.resize(total);
    w.asleep.assign(total, 0);
    w.tried.clear();
    for (std::uint32_t n = 0; n < total; ++n) {
      w.events[n] = successor_event(from.world, counts, n);
      w.signatures[n] = event_signature(from.world, w.events[n], from_canonical);
      if (w.signatures[n] && std::find(sleep.begin(), sleep.end(), w.signatures[n]) != sleep.end()) {
        w.asleep[n] = 1;
        w.tried.push_back(n);  // asleep events are local: only those enter sleep sets
      }
    }
    // The tried events' signatures under a successor's renaming, computed
    // when first needed for that renaming.
    std::uint64_t renamed_key = from_canonical.key();
    auto signature_under = [&](std::uint32_t m, const Canonical& c) {
      if (c.key() == from_canonical.key()) return w.signatures[m];
      if (c.key() != renamed_key) {
        w.renamed_signatures.assign(total, 0);
        renamed_key = c.key();
      }
      if (!w.renamed_signatures[m]) w.renamed_signatures[m] = event_signature(from.world, w.events[m], c);
      return w.renamed_signatures[m];
    };

    w.scratch = from;
    std::optional<Candidate> pending;
    // Two sleep sets, built in place (not copied): the pending candidate's
    // and the one being made.
    std::array<Sleep, 2> sleep_buffers;
    int pending_buffer = 0;
    auto look_up_pending = [&] {
      if (pending && !visited.contains(pending->fingerprint)) {
        w.candidates.push_back(*pending);
        w.sleeps.push(sleep_buffers[std::size_t(pending_buffer)]);
      }
      pending.reset();
    };
    for (std::uint32_t n = 0; n < total; ++n) {
      if (w.asleep[n]) continue;
      const Link key{index, n};
      ++w.generated;
      int touched = World<P>::kNoNode;
      std::uint32_t reads = 0;
      w.applying = n;
      if (auto violation = apply_event_tracked(w.scratch, w.events[n], &touched, &reads)) {
        w.applying = -1;
        if (!w.found || key < w.found->key) w.found = Found{key, std::move(*violation)};
        return;  // this level ends the search: its candidates do not matter
      }
      const bool local = w.signatures[n] && touched >= 0 && (reads & ~(1u << touched)) == 0 &&
                         property_history(w.scratch) == history;
      if (within_bounds(w.scratch.world)) {
        Canonical canonical;
        const std::uint64_t fp = fingerprint(w.scratch, &canonical);
        visited.prefetch(fp);
        Sleep& successor_sleep = sleep_buffers[std::size_t(1 - pending_buffer)];
        successor_sleep.size = 0;
        if (local && !canonical.ambiguous)
          for (std::uint32_t m : w.tried)
            if (reduction::commute(w.events[m], w.events[n])) successor_sleep.add(signature_under(m, canonical));
        look_up_pending();
        pending = Candidate{fp, key};
        pending_buffer = 1 - pending_buffer;
      }
      if (local) w.tried.push_back(n);
      w.scratch.world.restore(from.world, touched);
      w.scratch.invariants.restore(from.invariants, touched);
      w.applying = -1;
    }
    look_up_pending();
  }

  std::vector<Event> events_to(std::uint32_t depth, const Link& last) const {
    std::vector<std::uint32_t> numbers;
    typename Levels::Reader reader(&levels_);
    path_of(depth, last.parent, numbers, reader);
    numbers.push_back(last.successor);
    State state = root_;
    std::vector<Event> events;
    for (std::size_t k = 0; k < numbers.size(); ++k) {
      events.push_back(successor_event(state.world, numbers[k]));
      // The last event is the violation's: not applied here (it may be one
      // that kills the process).
      if (k + 1 < numbers.size()) apply_successor(state, numbers[k]);
    }
    return events;
  }

  bool over_memory_limit() const {
    if (config_.memory_limit_gib <= 0) return false;
    return double(detail::resident_bytes()) > config_.memory_limit_gib * double(1ull << 30);
  }

  CheckConfig config_;
  typename P::Options options_;
  Budgets budgets_;
  State root_;
  VisitedSet visited_;
  Levels levels_;  // levels_ record i of level d: how state i of level d was reached
  reduction::SleepSets sleeps_;       // reduction: sleeps_[i], the sleep set of state i of the deepest level
  reduction::SleepSets next_sleeps_;  // reduction: those of the level being made
};

}  // namespace skiff

#include "checker/swarm_search.hpp"  // ModelChecker::run_swarm()
