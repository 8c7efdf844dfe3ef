// skiff explore: random runs over consecutive seeds, in parallel.
//
// Run r uses seed `seed + r`. Runs are handed to threads in fixed chunks, and
// the calling thread takes the chunks' results in seed order as soon as every
// chunk before them is done, so the outcome (which violation is first, which
// runs are counted, what is handed to on_found) is the same for any number of
// threads. A finding is handed to on_found as soon as it is first in order,
// while the other threads go on: whoever writes it to disk does so long
// before the hunt ends.
//
// A stop asked for (interrupt.hpp) or a --time-limit run out ends the drawing
// of runs; every finding already made is then handed over, in seed order,
// even those whose earlier chunks did not finish.
#pragma once

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "checker/crash_landing.hpp"
#include "checker/interrupt.hpp"
#include "checker/simulation.hpp"

namespace skiff {

inline constexpr int kMaxJobs = 1024;  // threads

struct FoundRun {
  std::uint64_t seed = 0;
  Violation violation;
  std::vector<Event> events;
  // The run crashed the process (a fatal signal in the protocol's code, run
  // in-process): `events` end with the one it died in, and its trace must be
  // made and replayed in a child process (TraceHeader::isolated), which
  // also words its violation. on_found is called with every thread paused.
  bool isolated = false;
};

// One distinct finding of a hunt: an invariant, the first seed (in seed
// order) that violated it, and how many counted runs did.
struct Finding {
  std::string invariant;
  std::uint64_t first_seed = 0;
  std::uint64_t runs = 0;
  friend bool operator==(const Finding&, const Finding&) = default;
};

struct ExploreProgress {
  std::uint64_t runs = 0;    // runs done, in any order
  std::uint64_t events = 0;  // events in those runs
  std::vector<Finding> findings;  // so far, in the order first found (in seed order)
  std::uint64_t ignored_runs = 0;  // runs that ended in an ignored invariant
};

struct ExploreConfig {
  int nodes = 3;
  std::vector<std::string> bugs;
  std::uint64_t seed = 1;
  std::uint64_t runs = 10000;
  Budgets budgets;
  int jobs = 1;
  double time_limit_s = 0;  // 0: none
  // Without it, the hunt stops at its first violating run (in seed order);
  // with it, it goes on, and each distinct invariant's first run is a
  // finding (the others are counted).
  bool keep_going = false;
  // Called now and then (every 250 ms) from the calling thread.
  std::function<void(const ExploreProgress&)> progress;
  // Called from the calling thread with each finding, in seed order, as soon
  // as it is known to be one; runs go on meanwhile (with keep_going).
  std::function<void(const FoundRun&)> on_found;
  std::vector<std::string> variants = {};  // the protocol's variants ("pre-vote", "passive=3,4")
  AimConfig aim = {};                      // the fault profile (--profile, --pct-depth; aim.hpp)
  // A run that violates one of these ends there and is counted, not reported
  // (a known finding that the hunt should go past).
  std::vector<std::string> ignored_invariants = {};
};

struct ExploreOutcome {
  std::uint64_t runs = 0;    // runs counted (up to and including the first violation, unless keep_going)
  std::uint64_t events = 0;  // events in those runs
  bool timed_out = false;
  bool interrupted = false;     // a stop was asked for (interrupt.hpp)
  std::vector<FoundRun> found;  // the findings handed to on_found, in seed order
  std::vector<Finding> findings;  // per distinct invariant, in order of first seed
  std::map<std::string, std::uint64_t> ignored;  // runs per ignored invariant
};

template <class P, class Invariants>
ExploreOutcome explore_seeds(const ExploreConfig& config) {
  using Clock = std::chrono::steady_clock;
  constexpr std::uint64_t kChunk = 64;
  const auto options = make_options<P>(config.bugs, config.variants, config.nodes, "--bug: ", "--variant: ");
  const std::uint64_t chunk_count = config.runs / kChunk + (config.runs % kChunk != 0);  // no overflow
  const std::set<std::string, std::less<>> ignored(config.ignored_invariants.begin(),
                                                   config.ignored_invariants.end());

  struct ChunkResult {
    std::uint64_t runs = 0, events = 0;
    bool complete = false;
    std::vector<FoundRun> found;  // at most one run per invariant: the chunk's first
    std::map<std::string, std::uint64_t> violations;  // runs per invariant, in this chunk
    std::map<std::string, std::uint64_t> ignored;
  };
  std::mutex mutex;
  std::condition_variable chunk_done;
  std::map<std::uint64_t, ChunkResult> results;  // by chunk, until the calling thread takes them
  std::set<std::string, std::less<>> reported;      // invariants already found (guarded by mutex)
  std::atomic<std::uint64_t> next_chunk{0};
  std::atomic<std::uint64_t> first_violating_chunk{UINT64_MAX};
  std::atomic<std::uint64_t> runs_done{0}, events_done{0}, ignored_done{0};
  std::atomic<bool> out_of_time{false}, stop{false};
  const auto start = Clock::now();
  auto should_stop = [&] {
    if (stop.load(std::memory_order_relaxed)) return true;
    if (interrupted()) return true;
    if (config.time_limit_s <= 0) return false;
    if (std::chrono::duration<double>(Clock::now() - start).count() < config.time_limit_s) return false;
    out_of_time = true;
    return true;
  };

  // Pausing the threads between runs: while code that forks (a run in a
  // child process) runs on the calling thread, no other thread may hold a
  // lock the child would need (the allocator's, under AddressSanitizer).
  std::atomic<bool> paused{false};
  int parked = 0;  // threads waiting for the pause to end (guarded by mutex)
  std::condition_variable pause_changed;
  std::atomic<int> finished{0};
  auto park_if_paused = [&] {
    if (!paused.load(std::memory_order_relaxed)) return;
    std::unique_lock lock(mutex);
    ++parked;
    pause_changed.notify_all();
    pause_changed.wait(lock, [&] { return !paused.load(); });
    --parked;
  };

  // A fatal signal in the protocol's code, run in-process, lands back here
  // (crash_landing.hpp): the run is a finding whose trace is made in a child.
  std::optional<CrashLandingHandlers> crash_handlers;
  if constexpr (!kRunsInChild<P>) crash_handlers.emplace();

  auto worker = [&] {
    AlternateSignalStack signal_stack;
    CrashLanding landing;
    auto sim = std::make_unique<Simulation<P, Invariants>>(config.nodes, options, config.budgets);
    auto seed_runs = std::make_unique<SeedRuns<P, Invariants>>(*sim, !config.keep_going, config.aim);
    std::vector<Event> record;
    record.reserve(std::min<std::uint32_t>(config.budgets.steps, 4096));  // a budget may be huge
    for (;;) {
      if (should_stop()) return;
      const std::uint64_t chunk = next_chunk.fetch_add(1);
      if (chunk >= chunk_count) return;
      if (!config.keep_going && chunk > first_violating_chunk) return;
      ChunkResult result;
      result.complete = true;
      const std::uint64_t end = std::min(config.runs, (chunk + 1) * kChunk);
      for (std::uint64_t run = chunk * kChunk; run < end; ++run) {
        park_if_paused();
        if (should_stop()) {
          result.complete = false;
          break;
        }
        const std::uint64_t seed = config.seed + run;
        RunOutcome outcome;
        int signal = 0;
        if constexpr (kRunsInChild<P>) {
          outcome = seed_runs->run(seed, end - run, record);  // the chunk's rest in one batch
        } else {
          signal = run_with_landing(landing, [&] { outcome = seed_runs->run(seed, 1, record); });
        }
        bool crashed = false;
        if (signal) {
          // The crashed run's simulation is left as it was (leaked, not
          // destroyed: its state may be half-changed); a new one goes on.
          keep_abandoned(seed_runs.release());
          keep_abandoned(sim.release());
          sim = std::make_unique<Simulation<P, Invariants>>(config.nodes, options, config.budgets);
          seed_runs = std::make_unique<SeedRuns<P, Invariants>>(*sim, !config.keep_going, config.aim);
          outcome.violation = Violation{std::string(kNodeSurvives),
                                        fmt::format("the process died of {} (in-process)", signal_name(signal))};
          crashed = true;
        }
        result.runs += 1;
        result.events += record.size();
        runs_done.fetch_add(1, std::memory_order_relaxed);
        events_done.fetch_add(record.size(), std::memory_order_relaxed);
        if (!outcome.violation) continue;
        const std::string& invariant = outcome.violation->invariant;
        if (ignored.contains(invariant)) {
          ++result.ignored[invariant];
          ignored_done.fetch_add(1, std::memory_order_relaxed);
          continue;
        }
        const bool first_in_chunk = result.violations[invariant]++ == 0;
        bool known = false;
        if (config.keep_going && first_in_chunk) {
          std::lock_guard lock(mutex);  // rare: once per invariant per chunk
          known = reported.contains(invariant);
        }
        if (first_in_chunk && !known)
          result.found.push_back(FoundRun{seed, std::move(*outcome.violation), record, crashed});
        if (!config.keep_going) {
          std::uint64_t seen = first_violating_chunk;
          while (chunk < seen && !first_violating_chunk.compare_exchange_weak(seen, chunk)) {
          }
          break;
        }
      }
      {
        std::lock_guard lock(mutex);
        results.emplace(chunk, std::move(result));
      }
      chunk_done.notify_one();
    }
  };

  // A protocol that runs in a child process (libraft) explores on one
  // thread: a fork() while another thread holds a lock (the allocator's,
  // under AddressSanitizer) leaves the child waiting for it forever. Seen as
  // a hang of `explore libraft-stable-disk --jobs 2` in the sanitizer build.
  const int jobs = kRunsInChild<P> ? 1 : std::max(1, config.jobs);
  std::vector<std::thread> threads;
  for (int j = 0; j < jobs; ++j)
    threads.emplace_back([&] {
      worker();
      {
        std::lock_guard lock(mutex);
        ++finished;
      }
      pause_changed.notify_all();
      chunk_done.notify_one();
    });
  // Pauses every thread between two runs for `work` on this one.
  auto with_threads_paused = [&](auto&& work) {
    {
      std::unique_lock lock(mutex);
      paused = true;
      pause_changed.wait(lock, [&] { return parked + finished >= jobs; });
    }
    struct Resume {
      decltype(mutex)& m;
      std::atomic<bool>& p;
      std::condition_variable& cv;
      ~Resume() {
        {
          std::lock_guard lock(m);
          p = false;
        }
        cv.notify_all();
      }
    } resume{mutex, paused, pause_changed};
    work();
  };

  // The calling thread: takes chunk results in order and hands over findings.
  ExploreOutcome outcome;
  std::map<std::string, std::size_t> finding_index;  // invariant -> outcome.findings
  bool done = false;  // the first violation (without keep_going) was handed over
  // Takes one chunk's result, in seed order (the mutex not held).
  auto take_chunk = [&](ChunkResult& result) {
    outcome.runs += result.runs;
    outcome.events += result.events;
    for (const auto& [invariant, count] : result.ignored) outcome.ignored[invariant] += count;
    for (const auto& [invariant, count] : result.violations) {
      auto [at, fresh] = finding_index.try_emplace(invariant, outcome.findings.size());
      if (fresh) outcome.findings.push_back(Finding{invariant, 0, 0});
      outcome.findings[at->second].runs += count;
    }
    for (FoundRun& found : result.found) {
      {
        std::lock_guard lock(mutex);  // `reported` is read by the threads too
        if (done || !reported.insert(found.violation.invariant).second) continue;
      }
      outcome.findings[finding_index.at(found.violation.invariant)].first_seed = found.seed;
      if (!config.keep_going) {
        done = true;
        stop = true;  // before on_found: no thread draws runs while it writes
      }
      if (config.on_found) {
        if (found.isolated)
          with_threads_paused([&] { config.on_found(found); });
        else
          config.on_found(found);
      }
      outcome.found.push_back(std::move(found));
    }
  };

  auto last_progress = Clock::now();
  auto report_progress = [&] {
    if (!config.progress) return;
    last_progress = Clock::now();
    config.progress(ExploreProgress{runs_done, events_done, outcome.findings, ignored_done});
  };
  // Whatever the calling thread's work throws (a finding that cannot be
  // written), the threads are stopped and joined before it goes on up.
  try {
    std::uint64_t next_in_order = 0;
    for (;;) {
      std::optional<ChunkResult> ready;
      bool workers_done = false;
      {
        std::unique_lock lock(mutex);
        chunk_done.wait_for(lock, std::chrono::milliseconds(250), [&] {
          return results.contains(next_in_order) || finished == jobs;
        });
        auto it = results.find(next_in_order);
        if (it != results.end()) {
          ready = std::move(it->second);
          results.erase(it);
        }
        workers_done = finished == jobs && !ready;
      }
      if (ready) {
        const bool complete = ready->complete;
        if (!done) take_chunk(*ready);
        ++next_in_order;
        if (!complete) break;  // the hunt is stopping: the rest below
      }
      if (workers_done) break;
      if (Clock::now() - last_progress >= std::chrono::milliseconds(250)) report_progress();
    }
  } catch (...) {
    stop = true;
    for (auto& t : threads) t.join();
    throw;
  }
  for (auto& t : threads) t.join();
  // Stopped early (interrupted, out of time): the chunks after a gap, in order.
  if (!done) {
    for (auto& [chunk, result] : results) {
      if (done) break;
      if (!config.keep_going && chunk > first_violating_chunk) break;
      take_chunk(result);
    }
  }
  outcome.timed_out = out_of_time;
  outcome.interrupted = interrupted();
  std::stable_sort(outcome.findings.begin(), outcome.findings.end(),
                   [](const Finding& a, const Finding& b) { return a.first_seed < b.first_seed; });
  report_progress();
  return outcome;
}

}  // namespace skiff
