// skiff check for a protocol whose nodes cannot be copied (a real library
// run in a child process, P::run_in_child: canonical/raft's instances live in
// C heap structures): stateless search, after VeriSoft, DEMi and Concuerror.
// States are never copied or stored; a state is a process.
//
// Two ways to hold states, the same search and the same counts either way:
// by default (visit_by_replay) one child process goes depth-first holding
// the state of its path and, when it backtracks, rebuilds the state it
// returns to by replaying its path from the first boot (on the 2-core VM a
// replayed event costs ~7 us and a fork ~2.4 ms); with config.fork_per_state
// (`--fork`, visit) the search tree's nodes are processes. The process that holds a state
// (the world and its invariants after the events of its path) lists the
// enabled events and, for each in turn, forks a child (the OS copies the
// library's heap copy-on-write) and waits for it; the child applies that
// one event, checks every invariant, and, if the new state is within bounds
// and not yet visited, goes on from it the same way, then exits. Only one
// process of the tree runs at a time; at most max_depth + 2 exist.
//
// Visited states are kept as 64-bit fingerprints (World::encode with the
// nodes' Node::encode and the invariants' ghost state) in a table in shared
// memory (mmap MAP_SHARED, made before the first fork), so that siblings and
// cousins do not repeat each other's work. Each entry keeps the smallest
// depth its state was reached at: a state reached again at a smaller depth
// is explored again, so a depth-bounded search reaches every state within
// the bound (as the depth-first model checker does).
//
// Shortest counterexamples: iterative deepening. The search runs with depth
// bounds 1, 2, ... max_depth, each from an empty table, and stops at the
// first bound with a violation; every state within the bound before it was
// explored, so that violation's path is a shortest one. A bound whose search
// met no state at the bound ends the search: the reachable states are all
// explored (config.depth_first: one search with bound max_depth; its
// counterexample is the first found, not necessarily a shortest one).
//
// Reduction (off when config.reduction is false): sleep sets (Godefroid). Two
// events are independent when each handles a different node (a delivery is
// its receiver's, a timer, crash, restart, client or admin event its node's),
// neither is a network fault (drop, duplicate, cut, heal are taken as
// dependent on everything) and they spend no shared budget or counter (two
// client commands share the next command's value, two crashes the crash
// budget, two admin events theirs). Independent events commute: either order
// leaves the same nodes and the same messages in flight (message identities
// are per channel), and neither disables the other. After an event t has
// been tried from a state, its later siblings' subtrees need not try t again
// while only events independent of it have happened: the sleep set. Sleep
// sets prune transitions, not states: every state is still reached (the
// tests compare the distinct states and the shortest counterexamples with
// and without reduction). With a visited table, a state reached again at no
// smaller depth is not simply skipped: the table keeps, per state, a 64-bit
// mask of the events asleep at its earlier visits (one bit per event, by a
// hash of what the event does, not of its message ids), and the events
// asleep then but awake now are tried (Godefroid's thesis, section 6.3);
// the mask becomes the intersection.
//
// What it reports: a violation with its path (the path is written into the
// shared memory by the child that found it, before anything else happens);
// a process of the tree that dies (the library crashed: a fatal signal) is
// itself a violation, of library-survives (or node-survives), found by its
// parent with the path of the event it was applying.
#pragma once

#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstring>
#include <limits>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "checker/child_process.hpp"
#include "checker/interrupt.hpp"
#include "checker/model_checker.hpp"
#include "checker/simulation.hpp"

namespace skiff {

// Whether two events, enabled in one state, commute and neither disables
// the other (see the top of this file).
inline bool independent_events(const Event& a, const Event& b) {
  auto local = [](EventKind kind) {
    return kind == EventKind::Deliver || kind == EventKind::Timer || kind == EventKind::Crash ||
           kind == EventKind::Restart || kind == EventKind::Client || kind == EventKind::Admin;
  };
  if (!local(a.kind) || !local(b.kind)) return false;
  if (handling_node(a) == handling_node(b)) return false;
  const bool shares_budget = a.kind == b.kind && (a.kind == EventKind::Client || a.kind == EventKind::Crash ||
                                                  a.kind == EventKind::Admin);
  return !shares_budget;
}

struct StatelessCheckerLimits {
  // Slots of the shared visited table (24 bytes each); the search stops,
  // not verified, when it is 3/4 full.
  static constexpr std::size_t kSlots = std::size_t(1) << 20;
  static constexpr std::uint32_t kMaxDepth = 200;
};

template <class P, class Invariants>
class StatelessChecker : StatelessCheckerLimits {
 public:
  explicit StatelessChecker(const CheckConfig& config)
      : config_(config),
        options_(make_options<P>(config.bugs, config.variants, config.nodes, "--bug: ", "--variant: ")),
        budgets_(config.budgets) {
    budgets_.steps = std::numeric_limits<std::uint32_t>::max();
    if (config.max_depth > kMaxDepth)
      throw std::invalid_argument("stateless model checker: at most 200 deep");
  }

  CheckOutcome run() {
    SharedMemory memory(sizeof(Shared) + kSlots * sizeof(Slot));
    shared_ = new (memory.at) Shared{};
    slots_ = reinterpret_cast<Slot*>(static_cast<char*>(memory.at) + sizeof(Shared));
    SharedLog log(4096);
    root_log_ = &log;
    std::uint64_t reported_depth = ~0ull;
    const ChildEnd end = run_in_child(log, [&] { search(); }, [&] {
      if (interrupted()) shared_->stop.store(kStopInterrupted);
      if (config_.progress && shared_->bound != reported_depth) {
        reported_depth = shared_->bound;
        config_.progress(std::uint32_t(reported_depth), shared_->distinct, shared_->generated);
      }
    });
    check_child_error(end);
    CheckOutcome out;
    out.distinct_states = shared_->distinct;
    out.generated_states = shared_->generated;
    out.replays = shared_->replays;
    out.visited_bytes = std::size_t(shared_->distinct) * sizeof(Slot) * 4 / 3;
    if (!end.finished && !shared_->found) {  // the search's root itself died: the library, at first boot
      out.violation = child_crash_violation(end);
      return out;
    }
    if (shared_->error[0]) throw std::runtime_error(shared_->error);
    const int stop = shared_->stop.load();
    out.interrupted = stop == kStopInterrupted;
    out.memory_limit_reached = stop == kStopTableFull;
    if (shared_->found) {
      out.violation = Violation{shared_->invariant, shared_->explanation};
      out.counterexample.assign(shared_->path, shared_->path + shared_->found_length);
      out.depth = shared_->found_length;
      out.killed_by_signal = false;  // the protocol runs in a child: its traces are made there anyway
      return out;
    }
    out.depth = shared_->bound;
    out.complete = shared_->complete && !out.interrupted && !out.memory_limit_reached;
    if (out.complete) out.depth = shared_->deepest;
    return out;
  }

 private:
  static constexpr int kStopViolation = 1, kStopInterrupted = 2, kStopTableFull = 3, kStopError = 4;

  // What the processes of the tree share (in memory mapped before the
  // first fork). Only one process runs at a time: plain fields suffice but
  // for the stop flag, which the waiting parent of the whole tree sets.
  struct Shared {
    std::atomic<int> stop{0};
    std::uint64_t bound = 0;      // the depth bound being searched
    std::uint64_t distinct = 0;   // states entered into the table under this bound
    std::uint64_t generated = 0;  // events applied (processes forked), under every bound
    std::uint32_t deepest = 0;    // the greatest depth a state was reached at, under this bound
    std::uint32_t applying = 0;   // path[0..applying) is the path of the event being applied
    std::uint64_t replays = 0;    // states rebuilt by replaying their path (under every bound)
    bool cut_at_bound = false;    // a state at the bound had enabled events (under this bound)
    bool complete = false;        // a bound's search met no such state
    Event path[kMaxDepth + 1];    // path[k]: the event being applied at depth k
    bool found = false;
    std::uint32_t found_length = 0;
    char invariant[64] = {};
    char explanation[2048] = {};
    char error[512] = {};
  };
  struct Slot {
    std::uint64_t fingerprint;  // 0: empty
    std::uint64_t depth;
    std::uint64_t asleep;  // the sleep-set mask (see the top of this file)
  };
  struct SharedMemory {
    explicit SharedMemory(std::size_t size) : size(size) {
      at = mmap(nullptr, size, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
      if (at == MAP_FAILED) throw std::runtime_error("stateless model checker: cannot map its shared memory");
    }
    ~SharedMemory() { munmap(at, size); }
    void* at;
    std::size_t size;
  };
  using Sim = Simulation<P, Invariants>;

  static void copy_text(char* into, std::size_t size, std::string_view text) {
    const std::size_t n = std::min(size - 1, text.size());
    std::memcpy(into, text.data(), n);
    into[n] = '\0';
  }

  bool stopping() const { return shared_->stop.load(std::memory_order_relaxed) != 0 || interrupted(); }

  // In the root of the tree (a child of skiff's process).
  void search() {
    Sim sim(config_.nodes, options_, budgets_);
    if (auto violation = sim.reset()) {
      record_violation(0, *violation);
      return;
    }
    const std::uint32_t first = config_.depth_first ? config_.max_depth : std::min<std::uint32_t>(1, config_.max_depth);
    for (std::uint32_t bound = first; bound <= config_.max_depth; ++bound) {
      shared_->bound = bound;
      shared_->distinct = 0;
      shared_->deepest = 0;
      shared_->cut_at_bound = false;
      std::memset(static_cast<void*>(slots_), 0, kSlots * sizeof(Slot));
      // In a child: the search applies events to the state it holds.
      const pid_t pid = fork();
      if (pid < 0) throw std::runtime_error(fmt::format("stateless model checker: cannot fork: {}", std::strerror(errno)));
      if (pid == 0) {
        try {
          if (config_.fork_per_state) visit(sim, 0, {});
          else visit_by_replay(sim);
        } catch (const std::exception& e) {
          copy_text(shared_->error, sizeof shared_->error, e.what());
          shared_->stop.store(kStopError);
        }
        _exit(0);
      }
      wait_for_child(pid);
      if (stopping()) return;
      if (!shared_->cut_at_bound) {
        shared_->complete = true;
        return;
      }
    }
  }

  // The digest of a state: the world (nodes, messages, timers, budgets) and
  // the invariants' ghost state.
  static std::uint64_t fingerprint(const Sim& sim) {
    StateEncoder encoder;
    sim.world().encode(encoder);
    sim.invariants().encode(encoder, sim.world());
    const std::uint64_t digest = encoder.digest();
    return digest ? digest : 1;
  }

  // An event's bit in a sleep mask: by what it does, not by message ids
  // (two states with one fingerprint may name one message differently).
  static std::uint64_t event_bit(const World<P>& world, const Event& e) {
    StateEncoder encoder;
    encoder.put(std::uint64_t(e.kind));
    if (is_message_event(e.kind)) {
      const int i = world.find(e.message);
      encoder.put(i >= 0 ? world.in_flight()[std::size_t(i)].digest : 0);
    } else {
      encoder.put(std::uint64_t(e.node) << 24 | std::uint64_t(e.peer) << 16 | e.timer);
    }
    return std::uint64_t(1) << (encoder.digest() % 64);
  }

  bool within_bounds(const World<P>& world) const {
    if (config_.max_in_flight && world.in_flight().size() > config_.max_in_flight) return false;
    if (config_.max_epoch)
      for (int i = 0; i < world.node_count(); ++i)
        if (world.node(NodeIndex(i)).epoch() > config_.max_epoch) return false;
    return true;
  }

  // Enters the state at `depth` into the table; returns the events to try
  // from it (none: already explored well enough).
  std::vector<Event> to_explore(const Sim& sim, std::uint32_t depth, const std::vector<Event>& asleep) {
    const World<P>& world = sim.world();
    const std::uint64_t fp = fingerprint(sim);  // also fills the messages' digests that event_bit() reads
    std::vector<Event> enabled;
    const PerKind counts = world.count_enabled();
    for (int kind = 0; kind < kEventKinds; ++kind)
      for (std::uint32_t n = 0; n < counts[std::size_t(kind)]; ++n) enabled.push_back(world.nth_enabled(EventKind(kind), n));
    std::uint64_t asleep_mask = 0;
    for (const Event& e : asleep) asleep_mask |= event_bit(world, e);
    auto awake = [&](const Event& e) {
      return std::find_if(asleep.begin(), asleep.end(), [&](const Event& s) { return same_event(s, e); }) ==
             asleep.end();
    };
    Slot* slot = find_slot(fp);
    if (!slot) {
      shared_->stop.store(kStopTableFull);
      return {};
    }
    std::vector<Event> out;
    if (slot->fingerprint == 0 || slot->depth > depth) {
      if (slot->fingerprint == 0) ++shared_->distinct;
      *slot = Slot{fp, depth, asleep_mask};
      shared_->deepest = std::max(shared_->deepest, depth);
      for (const Event& e : enabled)
        if (awake(e)) out.push_back(e);
    } else {
      if (!config_.reduction) return {};
      for (const Event& e : enabled)
        if (awake(e) && (slot->asleep & event_bit(world, e))) out.push_back(e);
      slot->asleep &= asleep_mask;
    }
    if (depth >= shared_->bound) {
      if (!enabled.empty()) shared_->cut_at_bound = true;
      return {};
    }
    return out;
  }

  static bool same_event(const Event& a, const Event& b) {
    return a.kind == b.kind && a.node == b.node && a.peer == b.peer && a.timer == b.timer &&
           a.command == b.command && a.message == b.message;
  }

  Slot* find_slot(std::uint64_t fp) {
    if (shared_->distinct >= kSlots / 4 * 3) {
      // full: only states already in it are found
      for (std::size_t i = fp & (kSlots - 1);; i = (i + 1) & (kSlots - 1)) {
        if (slots_[i].fingerprint == fp) return &slots_[i];
        if (slots_[i].fingerprint == 0) return nullptr;
      }
    }
    for (std::size_t i = fp & (kSlots - 1);; i = (i + 1) & (kSlots - 1))
      if (slots_[i].fingerprint == fp || slots_[i].fingerprint == 0) return &slots_[i];
  }

  // The process holding the state at `depth` (reached with `asleep` asleep):
  // tries each event to explore from it, each but the last in a child of its
  // own; the last it applies itself (it has no more use for its state), and
  // goes on from there.
  void visit(Sim& sim, std::uint32_t depth, std::vector<Event> asleep) {
    for (;;) {
      const std::vector<Event> events = to_explore(sim, depth, asleep);
      if (events.empty()) return;
      std::vector<Event> tried;
      for (std::size_t k = 0; k < events.size(); ++k) {
        if (stopping()) return;
        const Event& event = events[k];
        std::vector<Event> child_asleep;
        if (config_.reduction) {
          for (const Event& e : asleep)
            if (independent_events(e, event)) child_asleep.push_back(e);
          for (const Event& e : tried)
            if (independent_events(e, event)) child_asleep.push_back(e);
        }
        tried.push_back(event);
        shared_->path[depth] = event;
        shared_->applying = depth + 1;
        ++shared_->generated;
        if (k + 1 == events.size()) {  // the last: here
          if (!step(sim, depth)) return;
          asleep = std::move(child_asleep);
          ++depth;
          break;
        }
        const pid_t pid = fork();
        if (pid < 0) {
          copy_text(shared_->error, sizeof shared_->error,
                    fmt::format("stateless model checker: cannot fork: {}", std::strerror(errno)));
          shared_->stop.store(kStopError);
          return;
        }
        if (pid == 0) {
          try {
            if (step(sim, depth)) visit(sim, depth + 1, std::move(child_asleep));
          } catch (const std::exception& e) {
            copy_text(shared_->error, sizeof shared_->error, e.what());
            shared_->stop.store(kStopError);
          }
          _exit(0);
        }
        wait_for_child(pid);
      }
    }
  }

  // The same search in one process, which rebuilds a state by replaying its
  // path from the first boot (Simulation::reset) when it backtracks: the
  // state of the path it goes down is the one it holds, so only going back
  // costs a replay. frames[d]: the events to try from the state at depth d
  // (path[0..d)), how many were tried, and what was asleep there.
  void visit_by_replay(Sim& sim) {
    struct Frame {
      std::vector<Event> events, asleep, tried;
      std::size_t next = 0;
    };
    std::vector<Frame> frames(std::size_t(shared_->bound) + 1);
    frames[0].events = to_explore(sim, 0, {});
    std::uint32_t depth = 0;  // of the frame being expanded
    std::int64_t holding = 0;  // the depth of the state the simulation holds on the path; -1: another
    while (!stopping()) {
      Frame& frame = frames[depth];
      if (frame.next == frame.events.size()) {
        if (depth == 0) return;
        --depth;
        continue;
      }
      const Event event = frame.events[frame.next++];
      std::vector<Event> child_asleep;
      if (config_.reduction) {
        for (const Event& e : frame.asleep)
          if (independent_events(e, event)) child_asleep.push_back(e);
        for (const Event& e : frame.tried)
          if (independent_events(e, event)) child_asleep.push_back(e);
      }
      frame.tried.push_back(event);
      if (holding != std::int64_t(depth)) {
        if (auto violation = sim.reset()) throw std::runtime_error("internal error: the first boot now fails: " + violation->explanation);
        for (std::uint32_t k = 0; k < depth; ++k)
          if (auto violation = sim.step(shared_->path[k]))
            throw std::runtime_error("internal error: replaying a path met a violation it did not meet before: " +
                                     violation->explanation);
        ++shared_->replays;
      }
      shared_->path[depth] = event;
      shared_->applying = depth + 1;
      ++shared_->generated;
      holding = -1;
      if (!step(sim, depth)) continue;
      std::vector<Event> next = to_explore(sim, depth + 1, child_asleep);
      holding = depth + 1;
      if (next.empty()) continue;
      ++depth;
      frames[depth].events = std::move(next);
      frames[depth].asleep = std::move(child_asleep);
      frames[depth].tried.clear();
      frames[depth].next = 0;
    }
  }

  // Applies path[depth] and checks the invariants; whether to go on from
  // the new state (no violation, within bounds).
  bool step(Sim& sim, std::uint32_t depth) {
    if (auto violation = sim.step(shared_->path[depth])) {
      if (!ignored(violation->invariant)) record_violation(depth + 1, *violation);
      return false;  // an ignored violation ends the path, unreported (as explore's --ignore-invariant)
    }
    return within_bounds(sim.world());
  }

  // Waits for a process of the tree; if it died (the library crashed),
  // that is the violation, met by the event it was applying.
  void wait_for_child(pid_t pid) {
    const ChildEnd end = end_of(pid, *root_log_);
    if (end.finished || shared_->found || shared_->stop.load() == kStopError) return;
    Violation violation = child_crash_violation(end);
    if constexpr (!kRunsInChild<P>) violation.invariant = std::string(kNodeSurvives);
    if (!ignored(violation.invariant)) record_violation(shared_->applying, violation);
  }

  bool ignored(std::string_view invariant) const {
    return std::find(config_.ignored_invariants.begin(), config_.ignored_invariants.end(), invariant) !=
           config_.ignored_invariants.end();
  }

  // The violation met by the event at path[length - 1] (length 0: at first
  // boot), written into the shared memory before anything else.
  void record_violation(std::uint32_t length, const Violation& violation) {
    if (shared_->found) return;
    copy_text(shared_->invariant, sizeof shared_->invariant, violation.invariant);
    copy_text(shared_->explanation, sizeof shared_->explanation, violation.explanation);
    shared_->found_length = length;
    shared_->found = true;
    shared_->stop.store(kStopViolation);
  }

  CheckConfig config_;
  typename P::Options options_;
  Budgets budgets_;
  Shared* shared_ = nullptr;
  Slot* slots_ = nullptr;
  SharedLog* root_log_ = nullptr;
};

}  // namespace skiff
