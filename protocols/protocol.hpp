// The contract between a protocol and the world that runs it.
//
// A protocol P is a type with:
//   P::name                         "raft"
//   P::Message                      value type; `std::string_view type_name() const`
//                                   and `void print(std::string& out) const` (one line)
//   P::Options                      value type; `bool enable_bug(std::string_view)`,
//                                   `std::vector<std::string> enabled_bugs() const`
//   P::Node                         the node state machine, constructed as
//                                   Node(NodeIndex self, int node_count, const Options&)
//   P::bugs()                       the seeded bugs: names and one-line descriptions
//   P::timer_count, P::timer_name() the node's timers, numbered from 0
// and optionally, for a protocol with variants (pre-vote, ...):
//   P::variants()                   names and one-line descriptions
//   Options::enable_variant(std::string_view spec, int node_count)
//                                   "" if enabled, else what is wrong with spec
//   Options::enabled_variants()     the specs, in a canonical order
//
// A node never touches I/O, clocks or threads. Each handler receives an
// Effects object through which it sends messages and arms or cancels its
// timers; that is its only way to act on the world:
//   void start(Effects&)                               first boot
//   void on_message(NodeIndex from, const Message&, Effects&)
//   void on_timer(TimerId, Effects&)
//   bool on_client_command(Command, Effects&)          true if accepted
//   void crash()                                       keep the durable part, lose the rest
//   void restart(Effects&)                             boot again after crash()
//   void print(std::string& out) const                 one line, for traces
// and optionally, for the fault profiles that aim (checker/aim.hpp):
//   bool coordinates() const                           this node now drives the
//                                                      cluster's progress (a Raft or
//                                                      Multi-Paxos leader): aimed
//                                                      profiles hand it client commands
//                                                      and strike it right after it
//                                                      accepts one. It must not change
//                                                      what the node does.
// and optionally, for a protocol with administrative commands (membership
// changes, leadership transfer, log compaction), handed to a node by an
// operator as the scheduler's "admin" events:
//   P::admin_operations()                              std::span<const AdminOperation>
//   bool admin_enabled(int operation, NodeIndex target) const
//                                                      whether the node would accept it
//                                                      now (target is kNoTarget for an
//                                                      operation that names no node); it
//                                                      must not change the node
//   bool on_admin(int operation, NodeIndex target, Effects&)
//                                                      true if accepted; an accepted
//                                                      command spends its budget
// and, so that the timed world counts majorities among the voters of the
// configuration in effect rather than the boot one (availability, liveness):
//   bool counts_vote(NodeIndex n) const                n votes in this node's
//                                                      configuration
// and optionally, so that log invariants cost the same whatever the log's
// length (protocols/log_writes.hpp, invariants/log_changes.hpp):
//   std::uint64_t log_writes() const                   events that wrote the log
//   std::size_t log_written_from() const               the lowest index the last one wrote
// and likewise for per-slot views (Paxos; protocols/slot_writes.hpp,
// invariants/slot_changes.hpp):
//   std::uint64_t vote_writes() const, SlotRange votes_written() const
//   std::uint64_t learned_writes() const, SlotRange learned_written() const
// and optionally, so that a scenario may start from a state other than the
// first boot (docs/scenarios.md, "Initial state"):
//   std::string Options::set_initial_state(const InitialState&, int node_count)
//                                   "" if the nodes will start in that state,
//                                   else one line "PATH: what is wrong", PATH
//                                   the key inside "initial_state" ("nodes.2.log").
//                                   The nodes read it from their options: the
//                                   constructor sets the durable part, start()
//                                   the rest (a leader's role, its heartbeats).
//                                   A protocol without it cannot take one.
#pragma once

#include <boost/container/small_vector.hpp>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace skiff {

using NodeIndex = std::uint8_t;  // 0-based inside skiff; printed 1-based
using TimerId = std::uint8_t;
using Command = std::uint32_t;   // a client command: a value unique within a run

// The largest cluster any protocol may run (each protocol states its own
// `max_nodes`, at most this): ten, so that Raft can replace every server of a
// five-voter cluster with five new machines (corpus/scenarios/
// rolling-replacement-5.json). A set of nodes is a NodeBits, one bit a node.
inline constexpr int kMaxNodes = 10;
using NodeBits = std::uint16_t;
static_assert(kMaxNodes <= 16);
// The largest cluster the model checker (`skiff check`) takes: its state
// encoding packs every node's crashed bit and armed timers (9 bits a node)
// and the links between nodes (one bit a pair) into single 64-bit words, and
// renames nodes through 8-entry tables (protocols/state_encoder.hpp). Seven
// nodes is already far beyond what exhaustive search reaches.
inline constexpr int kMaxCheckedNodes = 7;
inline constexpr int kMaxTimers = 8;

// How a node is named in every line a person reads.
inline int node_label(NodeIndex node) { return int(node) + 1; }

struct BugInfo {
  std::string_view name;
  std::string_view description;
};

// A state for the nodes to start in instead of their first boot's, in the
// protocol's own terms but neutral words: an epoch is Raft's term, a log is
// the epochs of its entries, in order. Unset fields keep the first boot's.
struct InitialNodeState {
  std::int64_t epoch = -1;      // -1: not given
  int voted_for = -2;           // -2: not given; -1: nobody; else a node index
  bool log_given = false;
  std::vector<std::uint64_t> log;
};
struct InitialState {
  std::vector<InitialNodeState> nodes;  // by node index; may be shorter than the cluster
  // "The run starts with node `elected` elected": the leader of epoch
  // `elected_epoch`, every node of that epoch its follower (-1: none).
  int elected = -1;
  std::int64_t elected_epoch = -1;
  bool empty() const { return nodes.empty() && elected < 0; }
};

// Which budget of the world's an administrative operation spends.
enum class AdminBudget : std::uint8_t { ConfigChanges, Transfers, Snapshots };

struct AdminOperation {
  std::string_view name;         // the trace's word: "add-voter"
  std::string_view description;
  bool names_node;               // "add-voter 4"; false: "snapshot"
  AdminBudget budget;
};

// An operation's target when it names no node.
inline constexpr NodeIndex kNoTarget = 0xFF;

// A protocol's seeded bugs as a bit set: bit i stands for table[i].
// Sets the bit of the bug named `name`; false if the table has no such bug.
inline bool enable_bug_in(std::span<const BugInfo> table, std::uint32_t& bugs, std::string_view name) {
  for (std::size_t i = 0; i < table.size(); ++i) {
    if (table[i].name == name) {
      bugs |= 1u << i;
      return true;
    }
  }
  return false;
}
// The names of the bugs set, in the table's order.
inline std::vector<std::string> bugs_named_in(std::span<const BugInfo> table, std::uint32_t bugs) {
  std::vector<std::string> names;
  for (std::size_t i = 0; i < table.size(); ++i)
    if (bugs & (1u << i)) names.emplace_back(table[i].name);
  return names;
}

// What a node may do while it handles one event. The world owns one Effects per
// run and reuses it, so sending does not allocate once the outbox has grown.
template <class Message>
class Effects {
 public:
  struct Outgoing {
    NodeIndex to;
    Message message;
  };

  void send(NodeIndex to, const Message& message) { outbox_.push_back(Outgoing{to, message}); }
  // Arms a timer, or restarts its countdown if it is armed. `backoff` k asks a
  // timed world to draw its duration from a window 2^k times as wide
  // (randomised exponential back-off); the untimed world ignores it.
  void arm(TimerId timer, std::uint8_t backoff = 0) {
    *armed_ |= std::uint8_t(1u << timer);
    rearmed_ |= std::uint8_t(1u << timer);
    backoff_[timer] = backoff;
  }
  void cancel(TimerId timer) { *armed_ &= std::uint8_t(~(1u << timer)); }

  // Used by the world only.
  void begin(std::uint8_t* armed_timers) {
    armed_ = armed_timers;
    rearmed_ = 0;
    outbox_.clear();
  }
  const boost::container::small_vector<Outgoing, 8>& outbox() const { return outbox_; }
  // The world may move the messages out; begin() clears the outbox.
  boost::container::small_vector<Outgoing, 8>& outbox() { return outbox_; }
  // The timers arm() was called for since begin(), and the back-off each asked for.
  std::uint8_t rearmed() const { return rearmed_; }
  std::uint8_t backoff(TimerId timer) const { return backoff_[timer]; }

 private:
  std::uint8_t* armed_ = nullptr;
  std::uint8_t rearmed_ = 0;
  std::uint8_t backoff_[kMaxTimers] = {};
  boost::container::small_vector<Outgoing, 8> outbox_;
};

}  // namespace skiff
