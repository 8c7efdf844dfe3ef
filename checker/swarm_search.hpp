// Swarm verification (`skiff check --swarm N`; Holzmann, Joshi and Groce,
// "Swarm verification", ASE 2008): N depth-first searches of the same
// state space, each taking the successors of every state in its own order,
// each with its own small bitstate set. One such search is partial (its
// filter fills up and takes new states for old ones), but differently
// ordered members lose different states, so together they reach far more
// than any one of them in the same memory.
//
// Contract:
// - Member 0 takes successors in the checker's order (as --depth-first
//   does); member m > 0 shuffles the successors of each state it enters
//   (Fisher-Yates with SeededChoices) from a generator seeded with
//   member_seed(seed, m). A member is a function of (config, m) alone.
// - Members run on config.threads threads, taking members in order. The
//   first violation found stops the others; with one thread members run
//   one after another, so the same seed gives the same output.
// - Combined coverage: every member adds each state it stores to its own
//   DistinctCounter (a HyperLogLog sketch); the sketches' union estimates the
//   distinct states seen across members (about 1.6% standard error). The
//   union does not depend on the order members finish in.
//
// This file defines ModelChecker::run_swarm() and is included at the end of
// model_checker.hpp.
#pragma once

#include <algorithm>
#include <array>
#include <atomic>
#include <bit>
#include <cmath>
#include <cstdint>
#include <mutex>
#include <numeric>
#include <thread>
#include <vector>

#include "checker/bitstate_set.hpp"
#include "checker/choice.hpp"

namespace skiff {

// The seed member m shuffles with: splitmix64 of (seed, m).
inline std::uint64_t member_seed(std::uint64_t seed, std::uint64_t member) {
  std::uint64_t z = seed + 0x9E3779B97F4A7C15ull * (member + 1);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

// A HyperLogLog sketch (Flajolet et al. 2007) of 2^12 one-byte registers:
// estimates how many distinct fingerprints were added, with a standard
// error of about 1.04 / sqrt(4096) = 1.6%; merge() takes the union.
class DistinctCounter {
 public:
  static constexpr int kIndexBits = 12;
  static constexpr std::size_t kRegisters = std::size_t(1) << kIndexBits;

  void add(std::uint64_t fingerprint) {
    // Fingerprints' top bits pick visited-set shards: mix before use.
    std::uint64_t h = fingerprint * 0x9E3779B97F4A7C15ull;
    h ^= h >> 32;
    h *= 0xD6E8FEB86659FD93ull;
    h ^= h >> 32;
    const std::size_t index = std::size_t(h >> (64 - kIndexBits));
    const std::uint64_t rest = (h << kIndexBits) | (std::uint64_t(1) << (kIndexBits - 1));
    const std::uint8_t rank = std::uint8_t(std::countl_zero(rest) + 1);
    registers_[index] = std::max(registers_[index], rank);
  }
  void merge(const DistinctCounter& other) {
    for (std::size_t i = 0; i < kRegisters; ++i) registers_[i] = std::max(registers_[i], other.registers_[i]);
  }
  double estimate() const {
    const double m = double(kRegisters);
    double sum = 0;
    std::size_t zeros = 0;
    for (std::uint8_t r : registers_) {
      sum += std::ldexp(1.0, -int(r));
      zeros += r == 0;
    }
    const double raw = 0.7213 / (1 + 1.079 / m) * m * m / sum;
    if (raw <= 2.5 * m && zeros) return m * std::log(m / double(zeros));  // linear counting for small counts
    return raw;
  }

 private:
  std::array<std::uint8_t, kRegisters> registers_{};
};

template <class P, class Invariants>
CheckOutcome ModelChecker<P, Invariants>::run_swarm() {
  struct Member {
    std::optional<Violation> violation;
    std::vector<Event> counterexample;
    bool killed_by_signal = false;
    std::uint64_t generated = 0;
    std::uint64_t stored = 0;
    std::uint32_t deepest = 0;
    bool stopped = false;  // ended early: another member found a violation, or an interrupt
  };
  const std::uint32_t members = config_.swarm;
  const int threads = int(std::min<std::uint32_t>(members, std::uint32_t(std::max(1, config_.threads))));
  std::atomic<std::uint32_t> next_member{0};
  std::atomic<bool> stop{false};
  std::mutex mutex;  // guards what follows
  DistinctCounter coverage;
  std::vector<Member> results(members);
  std::vector<bool> ran(members, false);

  auto run_member = [&](std::uint32_t m, AlternateSignalStack&, CrashLanding& landing) {
    Member result;
    DistinctCounter seen;
    BitstateSet bits(config_.bitstate_bits, config_.bitstate_hashes);
    SeededChoices choices(member_seed(config_.seed, m));
    const std::uint32_t max_depth = config_.max_depth;
    // states[k]: the state after the first k events of the current path;
    // order[k]: the successors of states[k] in the member's order, next[k]
    // how many of them were tried; taken[k]: the one taken.
    std::vector<State> states(max_depth + 1, root_);
    std::vector<std::vector<std::uint32_t>> order(max_depth + 1);
    std::vector<std::uint32_t> next(max_depth + 1), taken(max_depth + 1);
    std::vector<int> touched(max_depth + 2, kStale);
    auto enter = [&](std::uint32_t d) {
      std::vector<std::uint32_t>& o = order[d];
      o.resize(successor_count(states[d].world));
      std::iota(o.begin(), o.end(), 0u);
      if (m > 0)
        for (std::uint32_t i = std::uint32_t(o.size()); i > 1; --i) std::swap(o[i - 1], o[choices.below(i)]);
      next[d] = 0;
    };
    const std::uint64_t root_fp = fingerprint(root_);
    bits.insert(root_fp);
    seen.add(root_fp);
    result.generated = 1;
    enter(0);
    DepthFirstPosition position;
    const int signal = run_with_landing(landing, [&] {
      for (std::uint32_t d = 0;;) {
        if (next[d] == order[d].size() || d == max_depth) {
          if (d == 0) break;
          --d;
          continue;
        }
        const std::uint32_t n = order[d][next[d]++];
        if (++result.generated % (1u << 12) == 0 && (stop.load(std::memory_order_relaxed) || interrupted())) {
          result.stopped = true;
          break;
        }
        position.depth = d;
        position.successor = n;
        if (auto violation = step_into(states[d + 1], touched[d + 1], states[d], n)) {
          result.violation = std::move(violation);
          for (std::uint32_t k = 0; k < d; ++k)
            result.counterexample.push_back(successor_event(states[k].world, taken[k]));
          result.counterexample.push_back(successor_event(states[d].world, n));
          break;
        }
        if (!within_bounds(states[d + 1].world)) continue;
        const std::uint64_t fp = fingerprint(states[d + 1]);
        if (!bits.insert(fp)) continue;
        seen.add(fp);
        taken[d] = n;
        ++d;
        result.deepest = std::max(result.deepest, d);
        touched[d + 1] = kStale;
        enter(d);
      }
    });
    if (signal) {  // as run_depth_first: the violation is the transition the signal landed in
      result.violation = crash_violation(signal);
      result.killed_by_signal = true;
      const std::uint32_t d = position.depth;
      result.counterexample.clear();
      for (std::uint32_t k = 0; k < d; ++k) result.counterexample.push_back(successor_event(states[k].world, taken[k]));
      result.counterexample.push_back(successor_event(states[d].world, position.successor));
      keep_abandoned(new std::vector<State>(std::move(states)));  // states[d + 1] is half-changed
    }
    result.stored = bits.size();
    if (result.violation) stop = true;
    std::lock_guard lock(mutex);
    coverage.merge(seen);
    results[m] = std::move(result);
    ran[m] = true;
  };

  auto work = [&] {
    AlternateSignalStack signal_stack;
    CrashLanding landing;
    for (;;) {
      if (stop.load() || interrupted()) return;
      const std::uint32_t m = next_member.fetch_add(1);
      if (m >= members) return;
      run_member(m, signal_stack, landing);
    }
  };
  if (threads == 1) {
    work();
  } else {
    std::vector<std::thread> pool;
    for (int t = 0; t < threads; ++t) pool.emplace_back(work);
    for (auto& thread : pool) thread.join();
  }

  CheckOutcome out;
  out.swarm_estimated_states = coverage.estimate();
  out.distinct_states = std::uint64_t(std::llround(out.swarm_estimated_states));
  for (std::uint32_t m = 0; m < members; ++m) {
    if (!ran[m]) continue;
    const Member& r = results[m];
    ++out.swarm_members_run;
    out.generated_states += r.generated;
    out.swarm_stored_states += r.stored;
    out.depth = std::max(out.depth, r.deepest);
    out.interrupted = out.interrupted || (r.stopped && !stop);
    // Of the members that found one, the first in member order (with one
    // thread: the only one).
    if (r.violation && !out.violation) {
      out.violation = r.violation;
      out.counterexample = r.counterexample;
      out.killed_by_signal = r.killed_by_signal;
      out.swarm_member = std::int64_t(m);
      out.swarm_member_seed = member_seed(config_.seed, m);
    }
  }
  if (!out.violation && out.swarm_members_run < members) out.interrupted = true;
  if (out.violation) out.depth = std::uint32_t(out.counterexample.size());
  out.visited_bytes = std::size_t(threads) * ((std::size_t(1) << config_.bitstate_bits) / 8);  // members at once
  out.bitstate_expected_omissions = 0;
  return out;
}

}  // namespace skiff
