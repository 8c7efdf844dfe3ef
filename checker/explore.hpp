// skiff explore: random runs over consecutive seeds, in parallel.
//
// Run r uses seed `seed + r`. Runs are handed to threads in fixed chunks, and
// results are merged in seed order, so the outcome (which violation is first,
// how many runs and events it took) is the same for any number of threads.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "checker/simulation.hpp"

namespace skiff {

inline constexpr int kMaxJobs = 1024;  // threads

struct ExploreConfig {
  int nodes = 3;
  std::vector<std::string> bugs;
  std::uint64_t seed = 1;
  std::uint64_t runs = 10000;
  Budgets budgets;
  int jobs = 1;
  double time_limit_s = 0;  // 0: none
  bool keep_going = false;
  // Called now and then from the calling thread (runs done, events so far).
  std::function<void(std::uint64_t, std::uint64_t)> progress;
  std::vector<std::string> variants = {};  // the protocol's variants ("pre-vote", "passive=3,4")
  AimConfig aim = {};                      // the fault profile (--profile, --pct-depth; aim.hpp)
};

struct FoundRun {
  std::uint64_t seed = 0;
  Violation violation;
  std::vector<Event> events;
};

struct ExploreOutcome {
  std::uint64_t runs = 0;    // runs counted (up to and including the first violation, unless keep_going)
  std::uint64_t events = 0;  // events in those runs
  bool timed_out = false;
  std::vector<FoundRun> found;  // in seed order
};

template <class P, class Invariants>
ExploreOutcome explore_seeds(const ExploreConfig& config) {
  using Clock = std::chrono::steady_clock;
  constexpr std::uint64_t kChunk = 64;
  const auto options = make_options<P>(config.bugs, config.variants, config.nodes, "--bug: ", "--variant: ");
  const std::uint64_t chunk_count = config.runs / kChunk + (config.runs % kChunk != 0);  // no overflow

  struct ChunkResult {
    std::uint64_t runs = 0, events = 0;
    std::vector<FoundRun> found;
  };
  std::mutex mutex;
  std::map<std::uint64_t, ChunkResult> results;  // by chunk
  std::atomic<std::uint64_t> next_chunk{0};
  std::atomic<std::uint64_t> first_violating_chunk{UINT64_MAX};
  std::atomic<std::uint64_t> runs_done{0}, events_done{0};
  std::atomic<bool> out_of_time{false};
  const auto start = Clock::now();
  auto time_is_up = [&] {
    if (config.time_limit_s <= 0) return false;
    if (std::chrono::duration<double>(Clock::now() - start).count() < config.time_limit_s) return false;
    out_of_time = true;
    return true;
  };

  auto worker = [&] {
    Simulation<P, Invariants> sim(config.nodes, options, config.budgets);
    SeedRuns<P, Invariants> seed_runs(sim, !config.keep_going, config.aim);
    std::vector<Event> record;
    record.reserve(std::min<std::uint32_t>(config.budgets.steps, 4096));  // a budget may be huge
    for (;;) {
      const std::uint64_t chunk = next_chunk.fetch_add(1);
      if (chunk >= chunk_count || out_of_time) return;
      if (!config.keep_going && chunk > first_violating_chunk) return;
      ChunkResult result;
      const std::uint64_t end = std::min(config.runs, (chunk + 1) * kChunk);
      for (std::uint64_t run = chunk * kChunk; run < end; ++run) {
        if (time_is_up()) break;
        const std::uint64_t seed = config.seed + run;
        RunOutcome outcome = seed_runs.run(seed, end - run, record);  // the chunk's rest in one batch
        result.runs += 1;
        result.events += record.size();
        if (outcome.violation) {
          result.found.push_back(FoundRun{seed, std::move(*outcome.violation), record});
          if (!config.keep_going) {
            std::uint64_t seen = first_violating_chunk;
            while (chunk < seen && !first_violating_chunk.compare_exchange_weak(seen, chunk)) {
            }
            break;
          }
        }
      }
      runs_done += result.runs;
      events_done += result.events;
      std::lock_guard lock(mutex);
      results.emplace(chunk, std::move(result));
    }
  };

  // A protocol that runs in a child process (libraft) explores on one
  // thread: a fork() while another thread holds a lock (the allocator's,
  // under AddressSanitizer) leaves the child waiting for it forever. Seen as
  // a hang of `explore libraft-stable-disk --jobs 2` in the sanitizer build.
  const int jobs = kRunsInChild<P> ? 1 : std::max(1, config.jobs);
  std::atomic<int> finished{0};
  std::vector<std::thread> threads;
  for (int j = 0; j < jobs; ++j)
    threads.emplace_back([&] {
      worker();
      ++finished;
    });
  if (config.progress) {
    while (finished < jobs) {
      std::this_thread::sleep_for(std::chrono::milliseconds(250));
      config.progress(runs_done, events_done);
    }
  }
  for (auto& t : threads) t.join();

  ExploreOutcome outcome;
  outcome.timed_out = out_of_time;
  for (auto& [chunk, result] : results) {
    if (!config.keep_going && chunk > first_violating_chunk) break;
    outcome.runs += result.runs;
    outcome.events += result.events;
    for (auto& found : result.found) outcome.found.push_back(std::move(found));
  }
  return outcome;
}

}  // namespace skiff
