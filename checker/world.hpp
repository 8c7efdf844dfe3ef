// The simulated world of the untimed (asynchronous) mode: a protocol's nodes,
// the messages in flight, a directional reachability matrix, armed timers,
// crashed nodes and what is left of the fault budgets.
//
// Nothing happens in a world unless apply() is called with an enabled event.
// The world decides nothing: the scheduler (or a trace) chooses the events.
// Reachability is per direction and need not be transitive: with the link
// A->B down, what A sends to B is lost at once and what is already in flight
// from A to B waits, while B->A is unaffected. A message to a crashed node
// waits in flight until the node restarts or the message is dropped.
//
// Every handler of a node runs through survive() (node_fault.hpp): if one
// throws, the world notes it (node_fault()), sends nothing of what that
// handler sent, and the run is over (node-survives reports it).
#pragma once

#include <algorithm>
#include <array>
#include <bit>
#include <optional>
#include <cassert>
#include <vector>

#include "checker/budgets.hpp"
#include "checker/event.hpp"
#include "checker/node_fault.hpp"
#include "protocols/protocol.hpp"
#include "protocols/state_encoder.hpp"

namespace skiff {

template <class P>
class World {
 public:
  using Message = typename P::Message;
  using Node = typename P::Node;
  using Options = typename P::Options;

  struct InFlight {
    MessageId id;
    Message message;
    // The message's digest under the identity renaming (see encode()); 0
    // until first needed. Only the model checker reads it.
    mutable std::uint64_t digest = 0;
    // For symmetry reduction: the digest of the message's content alone
    // (without sender and receiver), anonymous, with its lowest bit set if
    // the content names no node (then a renaming changes only the sender
    // and receiver); 2 if it names some; 0 until first needed.
    mutable std::uint64_t content_digest = 0;
  };

  World(int node_count, const Options& options, const Budgets& budgets)
      : node_count_(node_count), options_(options), budgets_(budgets) {
    in_flight_.reserve(64);
    reset();
  }

  // Back to the first boot of every node, keeping allocated capacity.
  void reset() {
    nodes_.clear();
    for (int i = 0; i < node_count_; ++i) nodes_.emplace_back(NodeIndex(i), node_count_, options_);
    in_flight_.clear();
    in_flight_kept_ = 0;
    remaining_ = budgets_;
    steps_ = 0;
    next_command_ = 1;
    crashed_ = 0;
    node_digest_.fill(0);
    node_symmetry_.clear();
    armed_.fill(0);
    for (auto& row : link_down_) row.fill(false);
    for (auto& row : sent_) row.fill(0);
    fault_.reset();
    for (int i = 0; i < node_count_; ++i) {
      fx().begin(&armed_[i]);
      if (!survive(fault_, NodeIndex(i), [&] { nodes_[i].start(fx()); }, [] { return kBootWhere; })) return;
      dispatch(NodeIndex(i));
    }
  }

  // ---- what a view of the world may read ---------------------------------
  int node_count() const { return node_count_; }
  const Node& node(NodeIndex i) const { return nodes_[i]; }
  bool crashed(NodeIndex i) const { return crashed_ & (1u << i); }
  bool link_up(NodeIndex from, NodeIndex to) const { return !link_down_[from][to]; }
  std::uint8_t armed_timers(NodeIndex i) const { return armed_[i]; }
  const std::vector<InFlight>& in_flight() const { return in_flight_; }
  const Budgets& budgets() const { return budgets_; }
  const Budgets& remaining() const { return remaining_; }
  std::uint32_t steps() const { return steps_; }
  Command next_command() const { return next_command_; }
  const Options& options() const { return options_; }
  // The handler that threw, if one did (at first boot, or in the last event
  // applied): the run is over. Null otherwise.
  const NodeFault* node_fault() const { return fault_ ? &*fault_ : nullptr; }

  // ---- the last event, for rule invariants ---------------------------------
  // What the last apply() did to the node it touched; valid until the world
  // next changes. The message it delivered (nullptr if it delivered none)
  // and that message's sender:
  const Message* delivered() const { return delivered_ ? &incoming_.value : nullptr; }
  NodeIndex delivered_from() const { return delivered_from_; }
  // Calls f(NodeIndex to, const Message&) for each message the touched node
  // sent during the last event, in the order sent, those lost on a link that
  // is down included.
  template <class F>
  void for_each_sent(F&& f) const {
    if (!dispatched_) return;
    std::size_t next = sent_begin_;
    for (const auto& out : effects_.value.outbox()) {
      if (link_down_[sender_][out.to])
        f(out.to, out.message);  // never moved into flight
      else
        f(out.to, in_flight_[next++].message);
    }
  }

  // Whether the protocol has administrative commands (protocol.hpp).
  static constexpr bool kHasAdmin = requires { P::admin_operations(); };

  bool deliverable(const InFlight& m) const {
    return link_up(m.id.from, m.id.to) && !crashed(m.id.to);
  }

  // ---- which events are enabled ------------------------------------------
  // How many events of each kind are enabled now; nth_enabled(kind, i) for
  // i < counts[kind] names them, in a fixed order.
  PerKind count_enabled() const {
    PerKind counts{};
    if (steps_ >= budgets_.steps) return counts;
    std::uint32_t deliverable_count = 0;
    for (const InFlight& m : in_flight_) deliverable_count += deliverable(m);
    const std::uint32_t flying = std::uint32_t(in_flight_.size());
    const std::uint32_t live = std::uint32_t(node_count_ - std::popcount(crashed_));
    std::uint32_t timers = 0;
    for (int i = 0; i < node_count_; ++i)
      if (!crashed(NodeIndex(i))) timers += std::uint32_t(std::popcount(armed_[i]));
    std::uint32_t links_down = 0;
    for (int a = 0; a < node_count_; ++a)
      for (int b = 0; b < node_count_; ++b) links_down += link_down_[a][b];
    const std::uint32_t links = std::uint32_t(node_count_ * (node_count_ - 1));

    counts[int(EventKind::Deliver)] = deliverable_count;
    counts[int(EventKind::Drop)] = remaining_.drops ? flying : 0;
    counts[int(EventKind::Duplicate)] = remaining_.duplicates ? flying : 0;
    counts[int(EventKind::Timer)] = timers;
    counts[int(EventKind::Crash)] = remaining_.crashes ? live : 0;
    counts[int(EventKind::Restart)] = std::uint32_t(node_count_) - live;
    counts[int(EventKind::Cut)] = remaining_.link_changes ? links - links_down : 0;
    counts[int(EventKind::Heal)] = links_down;
    counts[int(EventKind::Client)] = remaining_.commands ? live : 0;
    if constexpr (kHasAdmin)
      if (any_admin(remaining_)) [[unlikely]]
        counts[int(EventKind::Admin)] = admin_events(~0u, nullptr);
    return counts;
  }

  Event nth_enabled(EventKind kind, std::uint32_t n) const {
    Event e;
    e.kind = kind;
    switch (kind) {
      case EventKind::Deliver:
        for (const InFlight& m : in_flight_)
          if (deliverable(m) && n-- == 0) {
            e.message = m.id;
            break;
          }
        break;
      case EventKind::Drop:
      case EventKind::Duplicate:
        e.message = in_flight_[n].id;
        break;
      case EventKind::Timer:
        for (int i = 0; i < node_count_; ++i) {
          if (crashed(NodeIndex(i))) continue;
          for (int t = 0; t < kMaxTimers; ++t)
            if ((armed_[i] & (1u << t)) && n-- == 0) {
              e.node = NodeIndex(i);
              e.timer = TimerId(t);
              return e;
            }
        }
        break;
      case EventKind::Crash:
      case EventKind::Client:
        for (int i = 0; i < node_count_; ++i)
          if (!crashed(NodeIndex(i)) && n-- == 0) {
            e.node = NodeIndex(i);
            e.command = next_command_;
            return e;
          }
        break;
      case EventKind::Restart:
        for (int i = 0; i < node_count_; ++i)
          if (crashed(NodeIndex(i)) && n-- == 0) {
            e.node = NodeIndex(i);
            return e;
          }
        break;
      case EventKind::Admin:
        if constexpr (kHasAdmin) admin_events(n, &e);
        break;
      case EventKind::Cut:
      case EventKind::Heal: {
        const bool want_down = kind == EventKind::Heal;
        for (int a = 0; a < node_count_; ++a)
          for (int b = 0; b < node_count_; ++b)
            if (a != b && link_down_[a][b] == want_down && n-- == 0) {
              e.node = NodeIndex(a);
              e.peer = NodeIndex(b);
              return e;
            }
        break;
      }
    }
    return e;
  }

  // Position of a message in flight, or -1.
  int find(const MessageId& id) const {
    for (std::size_t i = 0; i < in_flight_.size(); ++i)
      if (in_flight_[i].id == id) return int(i);
    return -1;
  }

  // Why an event is not enabled now, or nullptr if it is.
  const char* why_not_enabled(const Event& e) const {
    if (steps_ >= budgets_.steps) return "the step budget is spent";
    auto valid_node = [&](NodeIndex i) { return i < node_count_; };
    switch (e.kind) {
      case EventKind::Deliver: {
        int i = find(e.message);
        if (i < 0) return "that message is not in flight";
        if (!link_up(e.message.from, e.message.to)) return "that link is down";
        if (crashed(e.message.to)) return "the receiver is crashed";
        return nullptr;
      }
      case EventKind::Drop:
        if (!remaining_.drops) return "the drop budget is spent";
        return find(e.message) < 0 ? "that message is not in flight" : nullptr;
      case EventKind::Duplicate:
        if (!remaining_.duplicates) return "the duplicate budget is spent";
        return find(e.message) < 0 ? "that message is not in flight" : nullptr;
      case EventKind::Timer:
        if (!valid_node(e.node) || e.timer >= kMaxTimers) return "no such node or timer";
        if (crashed(e.node)) return "the node is crashed";
        return (armed_[e.node] & (1u << e.timer)) ? nullptr : "that timer is not armed";
      case EventKind::Crash:
        if (!valid_node(e.node)) return "no such node";
        if (!remaining_.crashes) return "the crash budget is spent";
        return crashed(e.node) ? "the node is already crashed" : nullptr;
      case EventKind::Restart:
        if (!valid_node(e.node)) return "no such node";
        return crashed(e.node) ? nullptr : "the node is not crashed";
      case EventKind::Cut:
        if (!valid_node(e.node) || !valid_node(e.peer) || e.node == e.peer) return "no such link";
        if (!remaining_.link_changes) return "the link-change budget is spent";
        return link_down_[e.node][e.peer] ? "that link is already down" : nullptr;
      case EventKind::Heal:
        if (!valid_node(e.node) || !valid_node(e.peer) || e.node == e.peer) return "no such link";
        return link_down_[e.node][e.peer] ? nullptr : "that link is not down";
      case EventKind::Client:
        if (!valid_node(e.node)) return "no such node";
        if (!remaining_.commands) return "the command budget is spent";
        return crashed(e.node) ? "the node is crashed" : nullptr;
      case EventKind::Admin:
        if constexpr (kHasAdmin) {
          const auto operations = P::admin_operations();
          if (!valid_node(e.node) || e.timer >= operations.size()) return "no such node or operation";
          const AdminOperation& op = operations[e.timer];
          if (op.names_node ? !valid_node(e.peer) : e.peer != kNoTarget)
            return op.names_node ? "the operation needs a node" : "the operation names no node";
          if (!admin_budget(remaining_, op.budget)) return "its administrative budget is spent";
          if (crashed(e.node)) return "the node is crashed";
          return nodes_[e.node].admin_enabled(e.timer, e.peer) ? nullptr : "the node refuses it now";
        } else {
          return "the protocol has no administrative commands";
        }
    }
    return "unknown event";
  }

  // ---- the state, for the model checker -----------------------------------
  // Puts everything that decides what can happen next, with nodes renamed
  // by the encoder. Steps taken and message identities are left out: they
  // name events, they do not change what nodes do. Each node and each
  // message in flight is hashed on its own and put as its digest (under the
  // identity renaming, those digests are cached: a successor state rehashes
  // only the node its event changed and the messages it sent); the messages
  // are a multiset, their digests summed.
  // Only for worlds of at most kMaxCheckedNodes nodes (the check command
  // refuses larger ones).
  void encode(StateEncoder& e) const {
    static_assert(kMaxCheckedNodes * 9 <= 64 && kMaxCheckedNodes <= 8 && kMaxTimers <= 8);
    assert(node_count_ <= kMaxCheckedNodes);
    std::uint64_t timers = 0;  // 9 bits per node: crashed, then the armed timers
    for (int k = 0; k < node_count_; ++k) {
      const NodeIndex i = e.original(NodeIndex(k));
      e.put(node_digest(i, e));
      timers = timers << 9 | std::uint64_t(crashed(i)) << 8 | armed_[i];
    }
    e.put(timers);
    std::uint64_t links = 0;
    for (int a = 0; a < node_count_; ++a)
      for (int b = 0; b < node_count_; ++b)
        links = links << 1 | link_down_[e.original(NodeIndex(a))][e.original(NodeIndex(b))];
    e.put(links);
    e.put(std::uint64_t(remaining_.drops) << 32 | remaining_.duplicates);
    e.put(std::uint64_t(remaining_.crashes) << 32 | remaining_.link_changes);
    e.put(std::uint64_t(remaining_.commands) << 32 | next_command_);
    if (any_admin(budgets_)) [[unlikely]]
      e.put(std::uint64_t(remaining_.config_changes) << 40 | std::uint64_t(remaining_.transfers) << 20 |
            remaining_.snapshots);
    std::uint64_t messages = 0;
    if (e.symmetric()) [[unlikely]]
      for (const InFlight& m : in_flight_) messages += symmetric_message_digest(m, e);
    else
      for (const InFlight& m : in_flight_) messages += message_digest(m, e);
    e.put(in_flight_.size());
    e.put(messages);
  }

  // For symmetry reduction: a digest of node i that does not depend on how
  // the nodes are named (its anonymous encoding, whether it is crashed, its
  // armed timers), by which the checker orders the nodes. Made from the
  // node's cached split encoding (node_symmetry()).
  std::uint64_t symmetry_signature(NodeIndex i) const {
    const std::uint64_t timers = std::uint64_t(crashed(i)) << 8 | armed_[i];
    return StateEncoder::mix(node_symmetry(i).anonymous ^ timers * 0x9E3779B97F4A7C15ull);
  }

  // The message's InFlight::content_digest, made when first asked for.
  static std::uint64_t content_digest(const InFlight& m) {
    if (!m.content_digest) {
      StateEncoder content = StateEncoder::anonymous();
      m.message.encode(content);
      m.content_digest = content.names_used() ? 2 : content.digest() | 1;
    }
    return m.content_digest;
  }

  // Makes what symmetry reduction asks of this world and the successors
  // made from it copy: every node's split encoding, every message's content
  // digest.
  void fill_symmetry_caches() const {
    for (int i = 0; i < node_count_; ++i) node_symmetry(NodeIndex(i));
    for (const InFlight& m : in_flight_) content_digest(m);
  }

  // ---- changing the world --------------------------------------------------
  static constexpr int kNoNode = -1;

  // Applies an enabled event (see why_not_enabled) and returns the node whose
  // state it changed, or kNoNode if it changed only the network.
  int apply(const Event& e) {
    const int touched = apply_untracked(e);
    if (touched != kNoNode) {
      node_digest_[std::size_t(touched)] = 0;
      if (!node_symmetry_.empty()) node_symmetry_[std::size_t(touched)].split = false;
    }
    return touched;
  }

  // Makes this world equal to `from` again, where this world was a copy of
  // `from` (or restored from it) and has since changed only by events
  // applied, the last and only one of which returned `touched`. Copies only
  // what that event can have changed: the touched node, the messages in
  // flight from the first one it moved, and the world's own counters. For
  // the model checker, which tries every successor of a state in turn.
  void restore(const World& from, int touched) {
    if (touched != kNoNode) {
      nodes_[std::size_t(touched)] = from.nodes_[std::size_t(touched)];
      node_digest_[std::size_t(touched)] = from.node_digest_[std::size_t(touched)];
      if (node_symmetry_.size() != from.node_symmetry_.size())
        node_symmetry_ = from.node_symmetry_;
      else if (!node_symmetry_.empty())
        node_symmetry_[std::size_t(touched)] = from.node_symmetry_[std::size_t(touched)];
    }
    const std::size_t keep = std::min(in_flight_kept_, from.in_flight_.size());
    in_flight_.resize(std::min(in_flight_.size(), from.in_flight_.size()));
    std::copy(from.in_flight_.begin() + std::ptrdiff_t(keep), from.in_flight_.begin() + std::ptrdiff_t(in_flight_.size()),
              in_flight_.begin() + std::ptrdiff_t(keep));
    in_flight_.insert(in_flight_.end(), from.in_flight_.begin() + std::ptrdiff_t(in_flight_.size()),
                      from.in_flight_.end());
    in_flight_kept_ = in_flight_.size();
    remaining_ = from.remaining_;
    steps_ = from.steps_;
    next_command_ = from.next_command_;
    crashed_ = from.crashed_;
    armed_ = from.armed_;
    link_down_ = from.link_down_;
    sent_ = from.sent_;
    if (fault_ || from.fault_) [[unlikely]]
      fault_ = from.fault_;
  }

 private:
  int apply_untracked(const Event& e) {
    ++steps_;
    delivered_ = false;
    dispatched_ = false;
    switch (e.kind) {
      case EventKind::Deliver: {
        const int i = find(e.message);
        assert(i >= 0);
        incoming_.value = std::move(in_flight_[std::size_t(i)].message);
        in_flight_kept_ = std::min(in_flight_kept_, std::size_t(i));
        in_flight_.erase(in_flight_.begin() + i);
        const NodeIndex to = e.message.to;
        delivered_ = true;
        delivered_from_ = e.message.from;
        fx().begin(&armed_[to]);
        if (survive(fault_, to, [&] { nodes_[to].on_message(e.message.from, incoming_.value, fx()); },
                    [&] { return message_handler_where(incoming_.value.type_name(), e.message.from); }))
          dispatch(to);
        return to;
      }
      case EventKind::Drop:
        --remaining_.drops;
        in_flight_kept_ = std::min(in_flight_kept_, std::size_t(find(e.message)));
        in_flight_.erase(in_flight_.begin() + find(e.message));
        return kNoNode;
      case EventKind::Duplicate: {
        --remaining_.duplicates;
        InFlight copy = in_flight_[std::size_t(find(e.message))];
        std::uint16_t highest = 0;
        for (const InFlight& m : in_flight_)
          if (m.id.from == copy.id.from && m.id.to == copy.id.to && m.id.seq == copy.id.seq)
            highest = std::max(highest, m.id.copy);
        copy.id.copy = std::uint16_t(highest + 1);
        in_flight_kept_ = std::min(in_flight_kept_, in_flight_.size());
        in_flight_.push_back(std::move(copy));
        return kNoNode;
      }
      case EventKind::Timer:
        fx().begin(&armed_[e.node]);
        if (survive(fault_, e.node, [&] { nodes_[e.node].on_timer(e.timer, fx()); },
                    [&] { return timer_handler_where(P::timer_name(e.timer)); }))
          dispatch(e.node);
        return e.node;
      case EventKind::Crash:
        --remaining_.crashes;
        crashed_ |= NodeBits(1u << e.node);
        armed_[e.node] = 0;
        survive(fault_, e.node, [&] { nodes_[e.node].crash(); }, [] { return kCrashWhere; });
        return e.node;
      case EventKind::Restart:
        crashed_ &= NodeBits(~(1u << e.node));
        fx().begin(&armed_[e.node]);
        if (survive(fault_, e.node, [&] { nodes_[e.node].restart(fx()); }, [] { return kRestartWhere; }))
          dispatch(e.node);
        return e.node;
      case EventKind::Cut:
        --remaining_.link_changes;
        link_down_[e.node][e.peer] = true;
        return kNoNode;
      case EventKind::Heal:
        link_down_[e.node][e.peer] = false;
        return kNoNode;
      case EventKind::Client: {
        fx().begin(&armed_[e.node]);
        bool accepted = false;
        if (!survive(fault_, e.node, [&] { accepted = nodes_[e.node].on_client_command(e.command, fx()); },
                     [&] { return client_handler_where(e.command); }))
          return e.node;
        if (accepted) {  // a rejected command spends neither budget nor a value
          --remaining_.commands;
          next_command_ = std::max(next_command_, e.command + 1);
        }
        dispatch(e.node);
        return e.node;
      }
      case EventKind::Admin:
        if constexpr (kHasAdmin) {
          fx().begin(&armed_[e.node]);
          bool accepted = false;
          if (!survive(fault_, e.node, [&] { accepted = nodes_[e.node].on_admin(e.timer, e.peer, fx()); },
                       [&] { return admin_handler_where(P::admin_operations()[e.timer].name); }))
            return e.node;
          if (accepted) --admin_budget(remaining_, P::admin_operations()[e.timer].budget);
          dispatch(e.node);
          return e.node;
        }
        return kNoNode;
    }
    return kNoNode;
  }

  // The administrative commands enabled now, in a fixed order: by node, then
  // operation, then target. Returns how many there are; with `out`, names
  // the n-th of them there instead.
  std::uint32_t admin_events(std::uint32_t n, Event* out) const {
    const auto operations = P::admin_operations();
    std::uint32_t count = 0;
    for (int i = 0; i < node_count_; ++i) {
      if (crashed(NodeIndex(i))) continue;
      for (std::size_t k = 0; k < operations.size(); ++k) {
        if (!admin_budget(remaining_, operations[k].budget)) continue;
        const int targets = operations[k].names_node ? node_count_ : 1;
        for (int t = 0; t < targets; ++t) {
          const NodeIndex target = operations[k].names_node ? NodeIndex(t) : kNoTarget;
          if (!nodes_[i].admin_enabled(int(k), target)) continue;
          if (out && count == n) {
            out->node = NodeIndex(i);
            out->timer = TimerId(k);
            out->peer = target;
            return count;
          }
          ++count;
        }
      }
    }
    return count;
  }

  std::uint64_t node_digest(NodeIndex i, const StateEncoder& e) const {
    if (e.identity() && node_digest_[i]) return node_digest_[i];
    if (e.symmetric()) [[unlikely]] {
      // From the node's split encoding, without encoding it again.
      const NodeSymmetry& s = node_symmetry(i);
      if (!s.split_failed) return e.renamed_digest(s.stream, s.names);
      StateEncoder one = e.sibling();
      nodes_[i].encode(one);
      return one.digest();
    }
    StateEncoder one = e.sibling();
    nodes_[i].encode(one);
    const std::uint64_t digest = one.digest();
    if (e.identity()) node_digest_[i] = digest;
    return digest;
  }
  static std::uint64_t message_digest(const InFlight& m, const StateEncoder& e) {
    if (e.identity() && m.digest) return m.digest;
    StateEncoder one = e.sibling();
    one.put_node(m.id.from);
    one.put_node(m.id.to);
    m.message.encode(one);
    const std::uint64_t digest = one.digest();
    if (e.identity()) m.digest = digest;
    return digest;
  }

  // A node's split encoding (StateEncoder::split), for symmetry reduction.
  struct NodeSymmetry {
    bool split = false;         // whether the rest is made (from the node as it is)
    bool split_failed = false;  // the node's encode() cannot be split
    std::uint64_t stream = 0;
    std::uint64_t anonymous = 0;  // its digest with node names forgotten
    StateEncoder::SplitNames names;
  };
  // Node i's split encoding, made when first asked for after the node last
  // changed.
  [[gnu::always_inline]] const NodeSymmetry& node_symmetry(NodeIndex i) const {
    if (node_symmetry_.empty()) [[unlikely]]
      node_symmetry_.resize(std::size_t(node_count_));
    NodeSymmetry& s = node_symmetry_[i];
    if (!s.split) [[unlikely]]
      split_node(i, s);
    return s;
  }
  [[gnu::noinline]] void split_node(NodeIndex i, NodeSymmetry& s) const {
    s.names = {};
    StateEncoder one = StateEncoder::split(&s.names);
    nodes_[i].encode(one);
    s.stream = one.digest();
    s.split_failed = one.split_failed();
    if (s.split_failed) [[unlikely]] {  // the node's digests are made by encoding it under each renaming
      StateEncoder anonymous = StateEncoder::anonymous();
      nodes_[i].encode(anonymous);
      s.anonymous = anonymous.digest();
    } else {
      s.anonymous = StateEncoder::anonymous_digest(s.stream, s.names);
    }
    s.split = true;
  }
  // A message's digest for symmetry reduction under the encoder's renaming:
  // a function of the renamed message alone. If its content names no node,
  // it is made from the cached content digest and the renamed sender and
  // receiver; otherwise the whole message is encoded under the renaming.
  static std::uint64_t symmetric_message_digest(const InFlight& m, const StateEncoder& e) {
    if (content_digest(m) & 1) {
      const std::uint64_t ends = std::uint64_t(e.renamed(m.id.from)) << 8 | e.renamed(m.id.to);
      return StateEncoder::mix(m.content_digest ^ (ends << 48));
    }
    StateEncoder one = e.sibling();
    one.put_node(m.id.from);
    one.put_node(m.id.to);
    m.message.encode(one);
    return one.digest() ^ 0x5BD1E995ull;  // apart from the other form (beyond a hash collision)
  }

  // Moves what a node just sent into flight; on a link that is down it is lost.
  void dispatch(NodeIndex from) {
    dispatched_ = true;
    sender_ = from;
    sent_begin_ = in_flight_.size();
    for (auto& out : fx().outbox()) {
      // Lost messages take a sequence number too, so that cutting or healing a
      // link never renames the messages that follow.
      const std::uint32_t seq = ++sent_[from][out.to];
      if (link_down_[from][out.to]) continue;
      in_flight_kept_ = std::min(in_flight_kept_, in_flight_.size());
      in_flight_.push_back(InFlight{MessageId{from, out.to, 0, seq}, std::move(out.message)});
    }
  }

  int node_count_;
  Options options_;
  Budgets budgets_;
  Budgets remaining_;
  std::uint32_t steps_ = 0;
  Command next_command_ = 1;
  NodeBits crashed_ = 0;
  std::array<std::uint8_t, kMaxNodes> armed_{};
  // Each node's digest under the identity renaming; 0 until needed, and
  // reset when an event changes the node.
  mutable std::array<std::uint64_t, kMaxNodes> node_digest_{};
  // Each node's split encoding for symmetry reduction (node_symmetry());
  // empty until symmetry reduction first asks, then one per node.
  mutable std::vector<NodeSymmetry> node_symmetry_;
  std::array<std::array<bool, kMaxNodes>, kMaxNodes> link_down_{};
  std::array<std::array<std::uint32_t, kMaxNodes>, kMaxNodes> sent_{};
  std::vector<Node> nodes_;
  std::vector<InFlight> in_flight_;
  std::optional<NodeFault> fault_;  // node_fault()
  // Working space of one event, not part of the state: copying a world
  // leaves the copy's own.
  template <class T>
  struct Scratch {
    Scratch() = default;
    Scratch(const Scratch&) {}
    Scratch& operator=(const Scratch&) { return *this; }
    T value;
  };
  Effects<Message>& fx() { return effects_.value; }
  // The last event (see delivered() and for_each_sent()): whether it
  // delivered a message (incoming_) and from whom, and whether its node sent
  // (what it sent to live links is in_flight_ from sent_begin_ on).
  bool delivered_ = false;
  NodeIndex delivered_from_ = 0;
  bool dispatched_ = false;
  NodeIndex sender_ = 0;
  std::size_t sent_begin_ = 0;
  Scratch<Effects<Message>> effects_;
  Scratch<Message> incoming_;
  // How many messages at the front of in_flight_ no event has touched since
  // this world was last a copy of another (see restore()).
  std::size_t in_flight_kept_ = 0;
};

}  // namespace skiff
