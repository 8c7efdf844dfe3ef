// A Paxos node, as in "Paxos Made Simple" (Lamport, 2001): every node is a
// proposer, an acceptor and a learner. A pure state machine: no I/O, no clock.
//
// Single-decree (Options::flavor SingleDecree): a client command handed to a
// node is the value it proposes; it runs phase 1 at once, and its timer
// restarts phase 1 with a higher ballot until it learns the decision, so
// nodes given commands compete. Everything is decided in slot 0.
//
// Multi-Paxos (Flavor::Multi): a node whose timer fires runs phase 1 once for
// every slot; with a majority of promises it leads. It recovers the slots in
// progress (per slot the value with the highest ballot among the promises, a
// no-op for a gap), then gives each client command the next slot and runs
// phase 2 for it alone. Commands handed to a node that does not lead wait
// until it does. Acceptors accept and learners learn per slot.
//
// The acceptor's promised ballot and its votes (accepted ballot and value per
// slot) are durable; everything else, the proposer and the learner, is lost by
// crash(). A proposer's next ballot is above every round it has seen and above
// its own promised ballot (it promises its own ballot first), so ballots stay
// unique across restarts.
#pragma once

#include <algorithm>
#include <optional>
#include <span>
#include <string>

#include "protocols/paxos/paxos_message.hpp"
#include "protocols/paxos/paxos_options.hpp"
#include "protocols/protocol.hpp"
#include "protocols/slot_writes.hpp"

namespace skiff::paxos {

enum class Phase : std::uint8_t {
  Idle,       // not proposing
  Preparing,  // phase 1 at ballot(): waiting for a majority of promises
  Accepting,  // phase 2 at ballot(): single-decree, its Accept is out; Multi-Paxos, it leads
};
std::string_view phase_name(Phase phase, Flavor flavor);

using Fx = Effects<Message>;

class Node {
 public:
  static constexpr TimerId kPrepareTimer = 0;
  static constexpr std::size_t kMaxPending = 16;  // client commands a Multi-Paxos node holds

  Node(NodeIndex self, int node_count, const Options& options);

  void start(Fx& fx);
  void on_message(NodeIndex from, const Message& message, Fx& fx);
  void on_timer(TimerId timer, Fx& fx);
  bool on_client_command(Command command, Fx& fx);
  void crash();
  void restart(Fx& fx);
  void print(std::string& out) const;
  // Everything that can influence what the node does next (for the model checker).
  void encode(StateEncoder& encoder) const;
  // Paxos's logical clock, which `skiff check --max-term` bounds: the highest
  // ballot round this node has promised or proposed with.
  std::uint32_t epoch() const { return std::max(durable_.promised.round, volatile_.ballot.round); }

  // ---- read-only view, for invariants and tests ---------------------------
  // Acceptor (durable).
  Ballot promised() const { return durable_.promised; }
  Slot accepted_end() const { return Slot(durable_.accepted.size()); }  // slots >= this: no vote
  std::optional<Vote> accepted(Slot slot) const {
    if (slot >= durable_.accepted.size() || durable_.accepted[slot].ballot.none()) return std::nullopt;
    return durable_.accepted[slot];
  }
  // Every slot's vote at once (ballot none: no vote), for scanning.
  std::span<const Vote> votes() const { return {durable_.accepted.data(), durable_.accepted.size()}; }
  // Learner.
  Slot learned_end() const { return Slot(volatile_.learned.size()); }  // slots >= this: not learned
  std::optional<Value> learned(Slot slot) const {
    if (slot >= volatile_.learned.size() || volatile_.learned[slot] == kNoValue) return std::nullopt;
    return volatile_.learned[slot];
  }
  // Every slot's learned value at once (kNoValue: not learned), for scanning.
  std::span<const Value> learned_values() const { return {volatile_.learned.data(), volatile_.learned.size()}; }
  // Which slots of votes() and learned_values() each event wrote
  // (protocols/slot_writes.hpp), for invariants that judge only those.
  std::uint64_t vote_writes() const { return vote_writes_.writes(); }
  SlotRange votes_written() const { return vote_writes_.range(); }
  std::uint64_t learned_writes() const { return learned_writes_.writes(); }
  SlotRange learned_written() const { return learned_writes_.range(); }
  // Proposer.
  Phase phase() const { return volatile_.phase; }
  Ballot ballot() const { return volatile_.ballot; }
  bool is_leader() const { return options_.multi() && volatile_.phase == Phase::Accepting; }
  // For aimed fault profiles: the Multi-Paxos leader; in single-decree Paxos
  // a node with a proposal in progress.
  bool coordinates() const { return options_.multi() ? is_leader() : volatile_.phase != Phase::Idle; }
  Value own_value() const { return volatile_.own_value; }  // single-decree
  std::size_t pending_commands() const { return volatile_.pending.size(); }  // Multi-Paxos
  Slot next_slot() const { return volatile_.next_slot; }                       // Multi-Paxos leader

 private:
  struct Durable {
    Ballot promised;
    boost::container::small_vector<Vote, 4> accepted;  // accepted[slot]; ballot none: no vote
  };
  // What the promises of the current phase 1 reported for one slot.
  struct Reported {
    Ballot ballot;              // the highest ballot reported
    Value value = kNoValue;     // its value
    Value first = kNoValue;     // the first value reported (only the seeded bug uses it)
  };
  // A learner's count of the acceptors that accepted one value at one ballot.
  struct Tally {
    Slot slot = 0;
    Ballot ballot;
    Value value = kNoValue;
    std::uint8_t acceptors = 0;  // bit per distinct acceptor
  };
  struct Volatile {
    Phase phase = Phase::Idle;
    Ballot ballot;                    // the proposer's current ballot
    std::uint32_t round_seen = 0;     // the highest round in any message received
    std::uint8_t promises = 0;        // bit per distinct acceptor that promised ballot
    std::uint8_t promise_messages = 0;  // promises counted (only the seeded bug uses it)
    boost::container::small_vector<Reported, 4> reported;  // reported[slot]
    Value own_value = kNoValue;       // single-decree: the client command it proposes
    boost::container::small_vector<Command, 4> pending;  // Multi-Paxos: commands without a slot yet
    Slot next_slot = 0;               // Multi-Paxos leader: the slot the next command gets
    boost::container::small_vector<Value, 8> learned;    // learned[slot]; kNoValue: not yet
    boost::container::small_vector<Tally, 4> tallies;    // for slots not yet learned
  };

  int majority() const { return node_count_ / 2 + 1; }
  Value learned_value(Slot slot) const {
    return slot < volatile_.learned.size() ? volatile_.learned[slot] : kNoValue;
  }

  // Acceptor.
  Message prepare_reply(Ballot ballot);  // a Promise, or a Nack
  void accept(NodeIndex from, const Message& request, Fx& fx);
  Message nack(Ballot refused) const;

  // Proposer.
  void start_phase1(Fx& fx);
  void handle_promise(NodeIndex from, const Message& promise, Fx& fx);
  Value adopted_value(Slot slot) const;  // the value phase 1 binds the proposer to, or kNoValue
  void start_phase2(Fx& fx);
  void send_accept(const Message& request, Fx& fx);
  void propose_pending(Fx& fx);
  bool learned_every_slot_below(Slot slot) const;
  void step_down_if_outbid(Fx& fx);

  // Learner.
  void learn(NodeIndex acceptor, const Message& accepted, Fx& fx);

  void begin_event() {
    vote_writes_.begin_event();
    learned_writes_.begin_event();
  }

  NodeIndex self_;
  std::uint8_t node_count_;
  Options options_;
  Durable durable_;
  Volatile volatile_;
  // Observation only (not state): which slots each event wrote.
  SlotWrites vote_writes_;
  SlotWrites learned_writes_;
};

}  // namespace skiff::paxos
