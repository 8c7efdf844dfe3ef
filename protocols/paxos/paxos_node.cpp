#include "protocols/paxos/paxos_node.hpp"

#include <algorithm>
#include <bit>
#include <fmt/format.h>

namespace skiff::paxos {

std::string_view phase_name(Phase phase, Flavor flavor) {
  switch (phase) {
    case Phase::Idle: return "idle";
    case Phase::Preparing: return "preparing";
    case Phase::Accepting: return flavor == Flavor::Multi ? "leading" : "proposing";
  }
  return "?";
}

Node::Node(NodeIndex self, int node_count, const Options& options)
    : self_(self), node_count_(std::uint8_t(node_count)), options_(options) {}

// A Multi-Paxos node is always ready to take over as leader; a single-decree
// node proposes only once a client hands it a value.
void Node::start(Fx& fx) {
  begin_event();
  if (options_.multi()) fx.arm(kPrepareTimer);
}

void Node::crash() {
  begin_event();
  if (options_.has(Bug::ForgetPromiseOnRestart)) durable_.promised = Ballot{};  // seeded: not persisted
  if (options_.has(Bug::ForgetAcceptedOnRestart) && !durable_.accepted.empty()) {  // seeded: not persisted
    vote_writes_.wrote(0, durable_.accepted.size());
    durable_.accepted.clear();
  }
  if (options_.has(Bug::ForgetUnlearnedVotesOnRestart))  // seeded: persisted only once learned
    for (Slot slot = 0; slot < durable_.accepted.size(); ++slot)
      if (learned_value(slot) == kNoValue) {
        vote_writes_.wrote(slot);
        durable_.accepted[slot] = Vote{};
      }
  if (!volatile_.learned.empty()) learned_writes_.wrote(0, volatile_.learned.size());
  volatile_ = Volatile{};
}

void Node::restart(Fx& fx) { start(fx); }  // start() begins the event

bool Node::on_client_command(Command command, Fx& fx) {
  begin_event();
  if (!options_.multi()) {
    // The command is the value this node proposes; a node proposes one value,
    // and none once it knows the decision.
    if (volatile_.own_value != kNoValue || learned_value(0) != kNoValue) return false;
    volatile_.own_value = command;
    start_phase1(fx);
    return true;
  }
  if (volatile_.pending.size() >= kMaxPending) return false;
  volatile_.pending.push_back(command);
  propose_pending(fx);  // at once if it leads; otherwise once it does
  return true;
}

void Node::on_timer(TimerId timer, Fx& fx) {
  begin_event();
  if (timer != kPrepareTimer) return;
  if (!options_.multi()) {
    if (volatile_.own_value != kNoValue && learned_value(0) == kNoValue) start_phase1(fx);
    return;
  }
  if (!is_leader()) start_phase1(fx);
}

void Node::on_message(NodeIndex from, const Message& message, Fx& fx) {
  begin_event();
  volatile_.round_seen = std::max({volatile_.round_seen, message.ballot.round, message.promised.round});
  switch (message.type) {
    case MessageType::Prepare:
      fx.send(from, prepare_reply(message.ballot));
      step_down_if_outbid(fx);
      break;
    case MessageType::Promise:
      handle_promise(from, message, fx);
      break;
    case MessageType::Accept:
      accept(from, message, fx);
      step_down_if_outbid(fx);
      break;
    case MessageType::Accepted:
      learn(from, message, fx);
      break;
    case MessageType::Nack:
      if (volatile_.phase != Phase::Idle && message.ballot == volatile_.ballot &&
          message.promised > volatile_.ballot) {
        volatile_.phase = Phase::Idle;
        if (options_.multi()) fx.arm(kPrepareTimer);
      }
      break;
  }
}

// ---- acceptor ---------------------------------------------------------------

Message Node::nack(Ballot refused) const {
  Message reply;
  reply.type = MessageType::Nack;
  reply.ballot = refused;
  reply.promised = durable_.promised;
  return reply;
}

// Phase 1b: promise only a ballot above the promised one, reporting every vote held.
Message Node::prepare_reply(Ballot ballot) {
  Message reply;
  reply.ballot = ballot;
  if (ballot <= durable_.promised) {
    reply.type = MessageType::Nack;
    reply.promised = durable_.promised;
    return reply;
  }
  durable_.promised = ballot;
  reply.type = MessageType::Promise;
  for (Slot slot = 0; slot < durable_.accepted.size(); ++slot) {
    const Vote& vote = durable_.accepted[slot];
    if (!vote.ballot.none()) reply.entries.push_back(SlotVote{slot, vote.ballot, vote.value});
  }
  return reply;
}

// Phase 2b: accept only at a ballot at or above the promised one; tell every learner.
void Node::accept(NodeIndex from, const Message& request, Fx& fx) {
  const bool allowed = request.ballot >= durable_.promised || options_.has(Bug::AcceptBelowPromise);
  if (!allowed) {
    if (from != self_) fx.send(from, nack(request.ballot));
    return;
  }
  durable_.promised = std::max(durable_.promised, request.ballot);
  Message accepted;
  accepted.type = MessageType::Accepted;
  accepted.ballot = request.ballot;
  for (const SlotVote& entry : request.entries) {
    if (durable_.accepted.size() <= entry.slot) {
      vote_writes_.wrote(durable_.accepted.size(), entry.slot + 1);
      durable_.accepted.resize(entry.slot + 1);
    }
    vote_writes_.wrote(entry.slot);
    durable_.accepted[entry.slot] = Vote{request.ballot, entry.value};
    accepted.entries.push_back(SlotVote{entry.slot, Ballot{}, entry.value});
  }
  for (NodeIndex peer = 0; peer < node_count_; ++peer)
    if (peer != self_) fx.send(peer, accepted);
  learn(self_, accepted, fx);
}

// ---- proposer ---------------------------------------------------------------

// Phase 1a with a ballot above every round seen and above its own promise; the
// node's own acceptor promises first.
void Node::start_phase1(Fx& fx) {
  Volatile& v = volatile_;
  const std::uint32_t round = std::max({v.round_seen, v.ballot.round, durable_.promised.round}) + 1;
  v.ballot = Ballot{round, self_};
  v.phase = Phase::Preparing;
  v.promises = 0;
  v.promise_messages = 0;
  v.reported.clear();
  fx.arm(kPrepareTimer);
  Message prepare;
  prepare.type = MessageType::Prepare;
  prepare.ballot = v.ballot;
  for (NodeIndex peer = 0; peer < node_count_; ++peer)
    if (peer != self_) fx.send(peer, prepare);
  handle_promise(self_, prepare_reply(v.ballot), fx);  // a Promise: the ballot is above its promise
}

void Node::handle_promise(NodeIndex from, const Message& promise, Fx& fx) {
  Volatile& v = volatile_;
  if (promise.type != MessageType::Promise || v.phase != Phase::Preparing || promise.ballot != v.ballot) return;
  const auto bit = std::uint8_t(1u << from);
  const bool first_from_this_acceptor = !(v.promises & bit);
  v.promises |= bit;
  if (v.promise_messages < 255) v.promise_messages += 1;
  if (first_from_this_acceptor) {
    for (const SlotVote& entry : promise.entries) {
      if (v.reported.size() <= entry.slot) v.reported.resize(entry.slot + 1);
      Reported& reported = v.reported[entry.slot];
      if (reported.first == kNoValue) reported.first = entry.value;
      const bool higher = options_.has(Bug::CompareRoundsOnly) ? entry.ballot.round > reported.ballot.round
                                                                : entry.ballot > reported.ballot;  // seeded: round only
      if (higher) {
        reported.ballot = entry.ballot;
        reported.value = entry.value;
      }
    }
  }
  const int count = options_.has(Bug::CountDuplicatePromises) ? v.promise_messages : std::popcount(v.promises);
  if (count >= majority()) start_phase2(fx);
}

Value Node::adopted_value(Slot slot) const {
  if (slot >= volatile_.reported.size() || options_.has(Bug::IgnoreAcceptedValues)) return kNoValue;
  const Reported& reported = volatile_.reported[slot];
  return options_.has(Bug::AdoptAnyAccepted) ? reported.first : reported.value;
}

// Phase 2a after a majority of promises. Single-decree: the value with the
// highest ballot among the promises, else its own. Multi-Paxos: it now leads;
// it proposes again every slot the promises reported (the highest-ballot value,
// a no-op for a gap), then its waiting commands in the slots after them.
void Node::start_phase2(Fx& fx) {
  Volatile& v = volatile_;
  v.phase = Phase::Accepting;
  Message request;
  request.type = MessageType::Accept;
  request.ballot = v.ballot;
  if (!options_.multi()) {
    const Value adopted = adopted_value(0);
    request.entries.push_back(SlotVote{0, Ballot{}, adopted != kNoValue ? adopted : v.own_value});
    send_accept(request, fx);
    return;
  }
  fx.cancel(kPrepareTimer);
  const Slot recovered = Slot(v.reported.size());
  for (Slot slot = 0; slot < recovered; ++slot) {
    const Value adopted = adopted_value(slot);
    request.entries.push_back(SlotVote{slot, Ballot{}, adopted != kNoValue ? adopted : kNoOp});
  }
  v.next_slot = std::max(recovered, learned_end());
  if (!request.entries.empty()) send_accept(request, fx);
  propose_pending(fx);
}

void Node::send_accept(const Message& request, Fx& fx) {
  for (NodeIndex peer = 0; peer < node_count_; ++peer)
    if (peer != self_) fx.send(peer, request);
  accept(self_, request, fx);
}

// A Multi-Paxos leader gives each waiting command the next slot (the serial
// variant: only once every earlier slot is learned).
void Node::propose_pending(Fx& fx) {
  Volatile& v = volatile_;
  while (is_leader() && !v.pending.empty()) {
    if (options_.serial && !learned_every_slot_below(v.next_slot)) return;
    const Command command = v.pending.front();
    v.pending.erase(v.pending.begin());
    Message request;
    request.type = MessageType::Accept;
    request.ballot = v.ballot;
    request.entries.push_back(SlotVote{v.next_slot, Ballot{}, command});
    v.next_slot += 1;
    send_accept(request, fx);
  }
}

bool Node::learned_every_slot_below(Slot slot) const {
  for (Slot s = 0; s < slot; ++s)
    if (learned_value(s) == kNoValue) return false;
  return true;
}

// Its own acceptor promised a higher ballot: this proposer's ballot is beaten.
void Node::step_down_if_outbid(Fx& fx) {
  if (volatile_.phase == Phase::Idle || durable_.promised <= volatile_.ballot) return;
  volatile_.phase = Phase::Idle;
  if (options_.multi()) fx.arm(kPrepareTimer);
}

// ---- learner ----------------------------------------------------------------

// A value is learned in a slot once a majority of distinct acceptors report
// accepting it at one ballot.
void Node::learn(NodeIndex acceptor, const Message& accepted, Fx& fx) {
  Volatile& v = volatile_;
  bool learned_any = false;
  for (const SlotVote& entry : accepted.entries) {
    if (learned_value(entry.slot) != kNoValue) continue;
    auto tally = std::find_if(v.tallies.begin(), v.tallies.end(), [&](const Tally& t) {
      return t.slot == entry.slot && t.ballot == accepted.ballot && t.value == entry.value;
    });
    if (tally == v.tallies.end()) tally = v.tallies.insert(v.tallies.end(), Tally{entry.slot, accepted.ballot, entry.value, 0});
    tally->acceptors |= std::uint8_t(1u << acceptor);
    if (std::popcount(tally->acceptors) < majority()) continue;
    if (v.learned.size() <= entry.slot) {
      learned_writes_.wrote(v.learned.size(), entry.slot + 1);
      v.learned.resize(entry.slot + 1, kNoValue);
    }
    learned_writes_.wrote(entry.slot);
    v.learned[entry.slot] = entry.value;
    const Slot slot = entry.slot;  // `tally` is invalid once tallies shrink
    v.tallies.erase(std::remove_if(v.tallies.begin(), v.tallies.end(), [&](const Tally& t) { return t.slot == slot; }),
                    v.tallies.end());
    learned_any = true;
  }
  if (!learned_any) return;
  if (!options_.multi()) {
    v.phase = Phase::Idle;  // the decision is known: stop proposing
    fx.cancel(kPrepareTimer);
    return;
  }
  propose_pending(fx);
}

// ---- the model checker's view ---------------------------------------------------

void Node::encode(StateEncoder& e) const {
  encode_ballot(e, durable_.promised);
  e.put(durable_.accepted.size());
  for (const Vote& vote : durable_.accepted) {
    encode_ballot(e, vote.ballot);
    e.put(vote.value);
  }
  const Volatile& v = volatile_;
  e.put(std::uint64_t(v.phase));
  encode_ballot(e, v.ballot);
  e.put(v.round_seen);
  if (v.phase == Phase::Preparing) {  // what phase 1 gathered counts only while it runs
    e.put_node_set(v.promises);
    if (options_.has(Bug::CountDuplicatePromises)) e.put(v.promise_messages);
    e.put(v.reported.size());
    for (const Reported& r : v.reported) {
      encode_ballot(e, r.ballot);
      e.put(r.value);
      if (options_.has(Bug::AdoptAnyAccepted)) e.put(r.first);
    }
  }
  e.put(v.own_value);
  e.put(v.pending.size());
  for (Command command : v.pending) e.put(command);
  e.put(v.next_slot);
  e.put(v.learned.size());
  for (Value value : v.learned) e.put(value);
  e.put(v.tallies.size());
  for (const Tally& t : v.tallies) {
    e.put(t.slot);
    encode_ballot(e, t.ballot);
    e.put(t.value);
    e.put_node_set(t.acceptors);
  }
}

// ---- printing -----------------------------------------------------------------

void Node::print(std::string& out) const {
  auto it = std::back_inserter(out);
  const Volatile& v = volatile_;
  out += phase_name(v.phase, options_.flavor);
  if (v.phase != Phase::Idle) {
    out += ' ';
    print_ballot(out, v.ballot);
  }
  if (v.phase == Phase::Preparing) {
    out += " promises={";
    bool first = true;
    for (NodeIndex n = 0; n < node_count_; ++n) {
      if (!(v.promises & (1u << n))) continue;
      fmt::format_to(it, "{}{}", first ? "" : ",", node_label(n));
      first = false;
    }
    out += '}';
  }
  if (is_leader()) fmt::format_to(it, " next=s{}", v.next_slot);
  out += " promised=";
  print_ballot(out, durable_.promised);
  out += " accepted=[";
  bool first = true;
  for (Slot slot = 0; slot < durable_.accepted.size(); ++slot) {
    const Vote& vote = durable_.accepted[slot];
    if (vote.ballot.none()) continue;
    fmt::format_to(it, "{}s{}=", first ? "" : " ", slot);
    print_ballot(out, vote.ballot);
    out += ':';
    print_value(out, vote.value);
    first = false;
  }
  out += "] learned=[";
  first = true;
  for (Slot slot = 0; slot < v.learned.size(); ++slot) {
    if (v.learned[slot] == kNoValue) continue;
    fmt::format_to(it, "{}s{}=", first ? "" : " ", slot);
    print_value(out, v.learned[slot]);
    first = false;
  }
  out += ']';
  if (!options_.multi() && v.own_value != kNoValue) fmt::format_to(it, " value={}", v.own_value);
  if (options_.multi() && !v.pending.empty()) {
    out += " pending=[";
    for (std::size_t i = 0; i < v.pending.size(); ++i) fmt::format_to(it, "{}{}", i ? " " : "", v.pending[i]);
    out += ']';
  }
}

}  // namespace skiff::paxos
