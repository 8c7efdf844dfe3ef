// skiff check: breadth-first exploration of every state of the untimed world
// within bounds, checking every invariant in every state.
//
// Each level is expanded in two phases, so that the result does not depend
// on the number of threads:
//   1. (parallel) every successor of every state of the level is generated
//      and checked; those whose fingerprint is not yet visited become
//      candidates (fingerprint, parent, successor number);
//   2. candidates are sorted; of equal fingerprints the one with the smallest
//      (parent, successor) is kept; the survivors are inserted into the
//      visited set and rebuilt from their parents as the next level, in
//      (parent, successor) order.
// The first level with a violation ends the search; of its violations the
// one with the smallest (parent, successor) is reported, so the
// counterexample is a shortest one and the same for any number of threads.
#pragma once

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <fstream>
#include <functional>
#include <limits>
#include <optional>
#include <string>
#include <thread>
#include <unistd.h>
#include <vector>

#include "checker/simulation.hpp"
#include "checker/visited_set.hpp"

namespace skiff {

struct CheckConfig {
  int nodes = 3;
  std::vector<std::string> bugs;
  Budgets budgets;                // steps is ignored: max_depth bounds the search
  std::uint32_t max_depth = 20;   // events from the initial state
  std::uint32_t max_epoch = 0;    // 0: unbounded (Raft: the highest term)
  std::uint32_t max_in_flight = 0;  // 0: unbounded
  bool symmetry = false;
  int threads = 1;
  double memory_limit_gib = 0;    // 0: none
  // Called after each level from the calling thread.
  std::function<void(std::uint32_t depth, std::uint64_t distinct, std::uint64_t generated)> progress;
};

struct CheckOutcome {
  std::uint64_t distinct_states = 0;
  std::uint64_t generated_states = 0;
  std::uint32_t depth = 0;              // the deepest level fully explored
  bool complete = false;                // no state left unexplored within the bounds
  bool memory_limit_reached = false;
  std::size_t visited_bytes = 0;        // memory of the visited set
  std::optional<Violation> violation;
  std::vector<Event> counterexample;    // from the initial state
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
      : config_(config), options_(make_options<P>(config.bugs, "--bug: ")), budgets_(config.budgets) {
    budgets_.steps = std::numeric_limits<std::uint32_t>::max();
    std::array<std::uint8_t, 8> order{0, 1, 2, 3, 4, 5, 6, 7};
    if (config_.symmetry) {
      do {
        StateEncoder::Renaming rename{}, inverse{};
        for (int i = 0; i < 8; ++i) {
          rename[std::size_t(i)] = order[std::size_t(i)];
          inverse[order[std::size_t(i)]] = std::uint8_t(i);
        }
        renamings_.push_back({rename, inverse});
      } while (std::next_permutation(order.begin(), order.begin() + config_.nodes));
    } else {
      renamings_.push_back({});
      for (std::uint8_t i = 0; i < 8; ++i) renamings_[0].first[i] = renamings_[0].second[i] = i;
    }
  }

  CheckOutcome run() {
    CheckOutcome out;
    std::vector<Entry> level(1, Entry{State(config_.nodes, options_, budgets_), {}});
    visited_.insert(fingerprint(level[0].state));
    out.distinct_states = out.generated_states = 1;
    const int threads = std::max(1, config_.threads);

    for (std::uint32_t depth = 0;; ++depth) {
      out.depth = depth;
      if (level.empty()) {
        out.complete = true;
        break;
      }
      if (depth >= config_.max_depth) break;  // states at max_depth are checked, not expanded
      if (over_memory_limit()) {
        out.memory_limit_reached = true;
        break;
      }

      // Phase 1: expand, in fixed chunks over the threads.
      std::vector<Worker> workers(static_cast<std::size_t>(threads));
      std::atomic<std::size_t> next_chunk{0};
      constexpr std::size_t kChunk = 256;
      auto expand = [&](Worker& worker) {
        for (;;) {
          const std::size_t begin = next_chunk.fetch_add(1) * kChunk;
          if (begin >= level.size()) return;
          const std::size_t end = std::min(level.size(), begin + kChunk);
          for (std::size_t parent = begin; parent < end; ++parent) expand_one(level, parent, worker);
        }
      };
      run_on_threads(threads, workers, expand);

      std::vector<Candidate> candidates;
      std::optional<Found> found;
      for (Worker& w : workers) {
        out.generated_states += w.generated;
        candidates.insert(candidates.end(), w.candidates.begin(), w.candidates.end());
        if (w.found && (!found || w.found->key < found->key)) found = std::move(w.found);
      }
      if (found) {
        out.violation = std::move(found->violation);
        out.counterexample = path_to(level, found->key);
        out.depth = depth + 1;
        break;
      }

      // Phase 2: keep one candidate per new state and build the next level.
      std::sort(candidates.begin(), candidates.end(), [](const Candidate& a, const Candidate& b) {
        return a.fingerprint != b.fingerprint ? a.fingerprint < b.fingerprint : a.key < b.key;
      });
      candidates.erase(std::unique(candidates.begin(), candidates.end(),
                                   [](const Candidate& a, const Candidate& b) {
                                     return a.fingerprint == b.fingerprint;
                                   }),
                       candidates.end());
      for (const Candidate& c : candidates) visited_.insert(c.fingerprint);
      std::sort(candidates.begin(), candidates.end(),
                [](const Candidate& a, const Candidate& b) { return a.key < b.key; });
      out.distinct_states += candidates.size();

      std::vector<std::optional<Entry>> built(candidates.size());
      std::atomic<std::size_t> next_build{0};
      auto build = [&](Worker&) {
        for (;;) {
          const std::size_t begin = next_build.fetch_add(1) * kChunk;
          if (begin >= candidates.size()) return;
          const std::size_t end = std::min(candidates.size(), begin + kChunk);
          for (std::size_t i = begin; i < end; ++i) {
            const Entry& parent = level[candidates[i].key.parent];
            Entry& child = built[i].emplace(parent);
            apply_successor(child.state, candidates[i].key.successor);
            child.path.push_back(candidates[i].key.successor);
          }
        }
      };
      run_on_threads(threads, workers, build);
      level.clear();
      level.reserve(built.size());
      for (auto& entry : built) level.push_back(std::move(*entry));
      if (config_.progress) config_.progress(depth + 1, out.distinct_states, out.generated_states);
    }
    out.visited_bytes = visited_.bytes();
    return out;
  }

 private:
  struct State {
    State(int nodes, const typename P::Options& options, const Budgets& budgets) : world(nodes, options, budgets) {}
    World<P> world;
    Invariants invariants;
  };
  struct Entry {
    State state;
    boost::container::small_vector<std::uint16_t, 24> path;  // successor numbers from the initial state
  };
  struct Key {
    std::uint32_t parent = 0;
    std::uint16_t successor = 0;
    friend bool operator<(const Key& a, const Key& b) {
      return a.parent != b.parent ? a.parent < b.parent : a.successor < b.successor;
    }
  };
  struct Candidate {
    std::uint64_t fingerprint;
    Key key;
  };
  struct Found {
    Key key;
    Violation violation;
  };
  struct Worker {
    std::uint64_t generated = 0;
    std::vector<Candidate> candidates;
    std::optional<Found> found;
  };

  template <class Work>
  static void run_on_threads(int threads, std::vector<Worker>& workers, const Work& work) {
    if (threads == 1) {
      work(workers[0]);
      return;
    }
    std::vector<std::thread> pool;
    for (int t = 0; t < threads; ++t) pool.emplace_back([&, t] { work(workers[std::size_t(t)]); });
    for (auto& thread : pool) thread.join();
  }

  // The n-th successor of a state: events in kind order, then in the world's
  // order within a kind.
  static std::optional<Event> successor_event(const World<P>& world, std::uint32_t n) {
    const PerKind counts = world.count_enabled();
    for (int kind = 0; kind < kEventKinds; ++kind) {
      if (n < counts[kind]) return world.nth_enabled(EventKind(kind), n);
      n -= counts[kind];
    }
    return std::nullopt;
  }

  static std::optional<Violation> apply_successor(State& state, std::uint32_t n) {
    const Event event = *successor_event(state.world, n);
    const int touched = state.world.apply(event);
    return state.invariants.check(state.world, touched);
  }

  bool within_bounds(const World<P>& world) const {
    if (config_.max_in_flight && world.in_flight().size() > config_.max_in_flight) return false;
    if (config_.max_epoch)
      for (int i = 0; i < world.node_count(); ++i)
        if (world.node(NodeIndex(i)).epoch() > config_.max_epoch) return false;
    return true;
  }

  std::uint64_t fingerprint(const State& state) const {
    std::uint64_t best = std::numeric_limits<std::uint64_t>::max();
    for (const auto& [rename, inverse] : renamings_) {
      StateEncoder encoder(rename, inverse);
      state.world.encode(encoder);
      state.invariants.encode(encoder);
      best = std::min(best, encoder.digest());
    }
    return best;
  }

  void expand_one(const std::vector<Entry>& level, std::size_t parent, Worker& worker) const {
    const State& from = level[parent].state;
    const PerKind counts = from.world.count_enabled();
    std::uint32_t total = 0;
    for (std::uint32_t c : counts) total += c;
    for (std::uint32_t n = 0; n < total; ++n) {
      const Key key{std::uint32_t(parent), std::uint16_t(n)};
      if (worker.found && worker.found->key < key) return;  // a smaller violation is known
      State next = from;
      ++worker.generated;
      if (auto violation = apply_successor(next, n)) {
        if (!worker.found || key < worker.found->key) worker.found = Found{key, std::move(*violation)};
        return;
      }
      if (!within_bounds(next.world)) continue;
      const std::uint64_t fp = fingerprint(next);
      if (!visited_.contains(fp)) worker.candidates.push_back(Candidate{fp, key});
    }
  }

  std::vector<Event> path_to(const std::vector<Entry>& level, const Key& key) const {
    std::vector<std::uint16_t> numbers(level[key.parent].path.begin(), level[key.parent].path.end());
    numbers.push_back(key.successor);
    State state(config_.nodes, options_, budgets_);
    std::vector<Event> events;
    for (std::uint16_t n : numbers) {
      const Event event = *successor_event(state.world, n);
      events.push_back(event);
      const int touched = state.world.apply(event);
      state.invariants.check(state.world, touched);
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
  std::vector<std::pair<StateEncoder::Renaming, StateEncoder::Renaming>> renamings_;
  VisitedSet visited_;
};

}  // namespace skiff
