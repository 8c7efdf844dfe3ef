// The timed world (Coracle's world): the same protocol nodes and invariants as
// the untimed world, but time passes. Events carry virtual times and the next
// event is always the earliest (ties broken by the order they were scheduled),
// so one seed and one scenario make one run, byte for byte.
//
// - A message sent on a directed link takes the link's latency, drawn per
//   message, and is lost with the link's loss rate. Between two nodes with no
//   direct link, it goes through the hub with the lowest mean latency that
//   both reach (node -> hub -> node; hops' latencies add, each hop may lose
//   it). A message whose path is down when it is sent, or whose receiver is
//   crashed or unreachable (link down, other side of a partition) when it
//   arrives, is dropped.
// - An armed timer fires after a duration drawn from the scenario's range for
//   it (the protocol's default otherwise), widened 2^k times for a back-off k;
//   arm() restarts the countdown, cancel() stops it, and a timer still armed
//   after it fires fires again one duration later.
// - Clients issue one command at a time to the node they believe leads, follow
//   the node's leader hint on a refusal, and retry at the next node after a
//   timeout. A command is committed when some node applies it. Clients run
//   from the scenario's start_ms to its stop_ms, and the timeline may stop
//   and start them. Clients at no endpoint reach any node after a fixed
//   latency; clients at a hub or a node send their commands, and receive the
//   refusals, over that endpoint's links (client_hop()).
// - After every event that changes a node, every safety invariant is checked.
//   A handler that throws (node_fault.hpp) ends the run there, as a
//   violation of node-survives; so does one that throws at first boot.
// - With record(), a run also writes down what happened as trace events in
//   the untimed world's vocabulary (docs/trace-format.md, "Timed traces"):
//   deliveries, losses, timer firings, client commands, crashes, restarts,
//   and a cut or heal whenever whether one node reaches another changes, so
//   that the untimed world replays the same run event for event.
#pragma once

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstdint>
#include <deque>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "checker/errors.hpp"
#include "checker/liveness.hpp"
#include "checker/node_fault.hpp"
#include "checker/scenario.hpp"
#include "checker/trace.hpp"
#include "invariants/invariant.hpp"
#include "protocols/protocol.hpp"

namespace skiff {

// What one timed run measured. Times in microseconds; -1: never.
struct TimedRunStats {
  std::uint64_t seed = 0;
  Micros duration = 0;
  Micros first_leader = -1;
  std::vector<Micros> failovers;  // from a leader's crash to the next leader of a later epoch
  Micros available = 0;           // time during which a leader could commit
  // Time during which one leader (same node, same epoch) had been able to
  // commit for at least the shortest duration of the protocol's first timer
  // (Raft: the election timeout) without a break: each change of leader costs
  // at least that much, so churn lowers it (docs/availability.md).
  Micros steady_available = 0;
  Micros leaderless = 0;              // time during which no live node led
  std::uint64_t leader_changes = 0;   // a node became leader of an epoch, after the first leader
  // Per network change (a timeline action, a scheduled restart), in order: the
  // time until a leader could commit again (0 if one still could); changes
  // after which none could by the end of the run are counted, not timed.
  std::vector<Micros> recoveries;
  std::uint64_t unrecovered = 0;
  std::uint64_t commands_attempted = 0, commands_committed = 0;
  std::vector<Micros> commit_latencies;
  std::uint64_t elections_started = 0, elections_won = 0, elections_lost = 0;
  std::uint64_t highest_epoch = 0;
  std::uint64_t messages_sent = 0, messages_delivered = 0, messages_dropped = 0;
  std::uint64_t events = 0;
  std::optional<Violation> violation;  // a safety invariant: the run stops there
  Micros violation_at = -1;
  // The first bounded-liveness violation; the run goes on after it.
  std::optional<Violation> liveness_violation;
  Micros liveness_violation_at = -1;
  std::size_t liveness_events = 0;  // with record(): events recorded when it was found

  // For pictures: per node, (time, role, epoch) whenever either changes; and
  // the times of commits.
  struct RolePoint {
    Micros at;
    int role;  // 0 follower, 1 candidate, 2 leader, 3 crashed
    std::uint64_t epoch;
  };
  std::vector<std::vector<RolePoint>> roles;
  std::vector<Micros> commit_times;
  // With roles recorded: the network changes, (time, index of the timeline
  // action; -1 a restart the timeline scheduled).
  std::vector<std::pair<Micros, int>> network_events;
  // With record_availability(): (time, whether a leader can commit) at 0 and
  // whenever that changes, for availability over time (--html).
  std::vector<std::pair<Micros, bool>> availability_changes;
};

// Gives each timer the scenario does not time the protocol's default,
// P::default_timer_ms(timer) (milliseconds, low and high).
template <class P>
void fill_default_timers(Scenario& scenario) {
  for (int t = 0; t < P::timer_count; ++t) {
    if (scenario.timer_given[t]) continue;
    const auto [low, high] = P::default_timer_ms(TimerId(t));
    scenario.timers[t] = TimerTiming{Micros(low) * 1000, Micros(high) * 1000};
  }
}

template <class P, class Invariants>
class TimedWorld {
 public:
  using Message = typename P::Message;
  using Node = typename P::Node;
  using Options = typename P::Options;

  // `timers`: each of the protocol's timers' range, defaults already filled in.
  TimedWorld(const Scenario& scenario, const Options& options, bool record_roles = false)
      : scenario_(scenario), options_(options), record_roles_(record_roles) {
    node_count_ = scenario.nodes;
    for (auto& node : timers_) node = scenario.timers;
    for (const Scenario::NodeTimer& o : scenario.node_timers) timers_[std::size_t(o.node)][o.timer] = o.timing;
    endpoints_ = scenario.endpoints();
    edges_.assign(std::size_t(endpoints_ * endpoints_), Edge{});
    for (const LinkSpec& link : scenario.links) {
      Edge& edge = edges_[std::size_t(link.from * endpoints_ + link.to)];
      edge.exists = true;
      edge.properties = link.properties;
    }
    resolve_admin_operations();
  }

  // Whether the scenario's timeline hands nodes administrative commands (a
  // trace of its runs then needs administrative budgets).
  bool administers() const {
    for (int op : admin_operation_)
      if (op >= 0) return true;
    return false;
  }

  // ---- the read-only view invariants use ----------------------------------
  int node_count() const { return node_count_; }
  const Node& node(NodeIndex i) const { return nodes_[i]; }
  bool crashed(NodeIndex i) const { return crashed_ & (1u << i); }
  Command next_command() const { return next_command_; }
  Micros now() const { return now_; }
  const Options& options() const { return options_; }
  // What the event just handled did to the node it touched (as World's):
  // the message delivered (nullptr if none) and its sender, and each message
  // the node sent, f(NodeIndex to, const Message&), lost ones included.
  const Message* delivered() const { return delivered_; }
  NodeIndex delivered_from() const { return delivered_from_; }
  template <class F>
  void for_each_sent(F&& f) const {
    if (!dispatched_) return;
    for (const auto& out : effects_.outbox()) f(out.to, out.message);
  }
  // The handler that threw, if one did (node_fault.hpp). Null otherwise.
  const NodeFault* node_fault() const { return fault_ ? &*fault_ : nullptr; }

  // Records when availability changes in every run (availability_changes).
  void record_availability(bool on) { record_availability_ = on; }

  // Records the events of the next run() into `events` (nullptr: stop).
  void record(std::vector<TraceEvent>* events) { record_ = events; }

  // Runs the scenario with one seed to its end (or its first violation).
  TimedRunStats run(std::uint64_t seed) {
    reset(seed);
    while (!queue_.empty() && !stats_.violation) {
      std::pop_heap(queue_.begin(), queue_.end(), Later{});
      const QueueKey next = queue_.back();
      queue_.pop_back();
      if (next.at > scenario_.duration) break;
      Pending& event = pending_[next.slot];  // stays put while handled (a deque)
      advance_to(event.at);
      ++stats_.events;
      const int touched = handle(event);
      after_event(touched);    // may read the delivered message (delivered())
      free_slots_.push_back(next.slot);
      if (stats_.violation) break;
    }
    if (!stats_.violation) advance_to(scenario_.duration);
    for (int i = 0; i < node_count_; ++i)
      if (candidate_[i]) stats_.elections_lost += 1;  // still campaigning at the end
    stats_.unrecovered = recovering_.size();
    stats_.duration = now_;
    return std::move(stats_);
  }

 private:
  enum class Kind : std::uint8_t {
    Deliver, Timer, ClientArrive, ClientReply, ClientTimeout, ClientIssue, Timeline, Restart, LivenessCheck,
    ClientSwitch  // the clients start (attempt 1) or stop (attempt 0): the scenario's start_ms and stop_ms
  };

  struct Pending {
    Micros at = 0;
    std::uint64_t sequence = 0;
    Kind kind = Kind::Deliver;
    NodeIndex from = 0, to = 0;  // Deliver; Timer/Restart: `to` is the node
    TimerId timer = 0;
    std::uint32_t generation = 0;  // Timer: valid only if the timer's generation still matches
    int client = 0;                // Client*: which client; Timeline: which action
    Command command = 0;           // ClientArrive
    std::uint32_t attempt = 0;     // ClientTimeout, ClientReply
    std::uint32_t seq = 0;         // Deliver: the message's number on its channel (trace ids)
    int hint = -1;                 // ClientReply: the node the refusing node believes leads
    Message message;               // Deliver
  };
  // The queue orders keys, not events: a key names its event's slot in
  // pending_, so the heap moves 24 bytes where an event holds a message.
  struct QueueKey {
    Micros at = 0;
    std::uint64_t sequence = 0;  // ties in time: the order they were scheduled
    std::uint32_t slot = 0;
  };
  struct Later {
    bool operator()(const QueueKey& a, const QueueKey& b) const {
      return a.at != b.at ? a.at > b.at : a.sequence > b.sequence;
    }
  };

  struct Edge {
    bool exists = false;
    bool down = false;
    LinkProperties properties;
  };

  struct Client {
    Command command = 0;  // outstanding, 0: none
    Micros issued = 0;
    int target = 0;
    std::uint32_t attempt = 0;
    std::uint32_t issues = 0;  // a ClientIssue counts only if it carries this number (attempt)
    bool on = true;            // it issues commands (start_ms, stop_ms, timeline "clients")
  };

  // ---- randomness: one PRNG per run, drawn in event order -------------------
  double uniform01() { return double(rng_() >> 11) * 0x1.0p-53; }
  Micros uniform(Micros low, Micros high) {
    if (high <= low) return low;
    return low + Micros(rng_() % std::uint64_t(high - low + 1));
  }
  Micros draw_latency(const Latency& latency) {
    switch (latency.kind) {
      case Latency::Kind::Fixed: return latency.a;
      case Latency::Kind::Uniform: return uniform(latency.a, latency.b);
      case Latency::Kind::Normal: {
        const double u1 = std::max(uniform01(), 1e-300), u2 = uniform01();
        const double z = std::sqrt(-2.0 * std::log(u1)) * std::cos(6.283185307179586 * u2);
        return std::max(latency.floor, Micros(std::llround(double(latency.a) + z * double(latency.b))));
      }
    }
    return latency.a;
  }
  static double mean_latency(const Latency& latency) {
    switch (latency.kind) {
      case Latency::Kind::Fixed: return double(latency.a);
      case Latency::Kind::Uniform: return double(latency.a + latency.b) / 2;
      case Latency::Kind::Normal: return double(std::max(latency.a, latency.floor));
    }
    return 0;
  }

  // ---- the network ---------------------------------------------------------
  const Edge& edge(int from, int to) const { return edges_[std::size_t(from * endpoints_ + to)]; }
  Edge& edge(int from, int to) { return edges_[std::size_t(from * endpoints_ + to)]; }
  bool hop_up(int from, int to) const {
    const Edge& e = edge(from, to);
    return e.exists && !e.down;
  }
  bool partitioned(NodeIndex a, NodeIndex b) const { return group_of_[a] != group_of_[b]; }

  // The path a message from one node to another takes now: -2 none, -1
  // direct, otherwise the hub's endpoint number. Kept in routes_ for every
  // pair of nodes, found again whenever the network changes (update_routes).
  int route(NodeIndex from, NodeIndex to) const { return routes_[from][to]; }
  void update_routes() {
    for (int a = 0; a < node_count_; ++a)
      for (int b = 0; b < node_count_; ++b) routes_[a][b] = std::int16_t(find_route(NodeIndex(a), NodeIndex(b)));
  }
  int find_route(NodeIndex from, NodeIndex to) const {
    if (partitioned(from, to)) return -2;
    if (hop_up(from, to)) return -1;
    int best = -2;
    double best_mean = 0;
    for (int hub = node_count_; hub < endpoints_; ++hub) {
      if (!hop_up(from, hub) || !hop_up(hub, to)) continue;
      const double mean =
          mean_latency(edge(from, hub).properties.latency) + mean_latency(edge(hub, to).properties.latency);
      if (best == -2 || mean < best_mean) best = hub, best_mean = mean;
    }
    return best;
  }
  bool reachable(NodeIndex from, NodeIndex to) const { return route(from, to) != -2; }

  // ---- the queue -----------------------------------------------------------
  void schedule(Pending&& event) {  // callers move their event in
    event.sequence = next_sequence_++;
    const QueueKey key{event.at, event.sequence, take_slot()};
    pending_[key.slot] = std::move(event);
    queue_.push_back(key);
    std::push_heap(queue_.begin(), queue_.end(), Later{});
  }

  // A free slot of pending_: one an event handled earlier left, or a new one.
  std::uint32_t take_slot() {
    if (free_slots_.empty()) {
      pending_.emplace_back();
      return std::uint32_t(pending_.size() - 1);
    }
    const std::uint32_t slot = free_slots_.back();
    free_slots_.pop_back();
    return slot;
  }

  void reset(std::uint64_t seed) {
    rng_.seed(seed);
    stats_ = TimedRunStats{};
    stats_.seed = seed;
    stats_.roles.assign(record_roles_ ? std::size_t(node_count_) : 0, {});
    now_ = 0;
    next_sequence_ = 0;
    next_command_ = 1;
    queue_.clear();
    pending_.clear();
    free_slots_.clear();
    crashed_ = 0;
    for (Edge& e : edges_) e.down = false;
    for (const LinkSpec& link : scenario_.links) edge(link.from, link.to).down = !link.up;
    group_of_.fill(0);
    update_routes();
    invariants_.reset();
    nodes_.clear();
    for (int i = 0; i < node_count_; ++i) nodes_.emplace_back(NodeIndex(i), node_count_, options_);
    armed_.fill(0);
    for (auto& g : generation_) g.fill(0);
    for (auto& row : sent_) row.fill(0);
    for (auto& row : mirrored_down_) row.fill(false);
    applied_seen_.fill(0);
    candidate_.fill(false);
    candidate_epoch_.fill(0);
    last_role_.fill(-1);
    last_epoch_.fill(0);
    available_since_ = -1;
    steady_leader_ = -1;
    steady_epoch_ = 0;
    steady_since_ = 0;
    steady_after_ = scenario_.timers[0].min;
    leaderless_ = true;
    isolated_ = 0;
    recovering_.clear();
    failed_at_ = -1;
    failed_epoch_ = 0;
    clients_.assign(std::size_t(scenario_.clients.count), Client{});
    last_commit_ = -1;
    stable_since_ = 0;
    stability_ = 0;
    network_changed();
    record_reachability();  // links that do not exist or are down from the start
    waiting_.clear();
    fault_.reset();
    for (int i = 0; i < node_count_; ++i) {
      begin(NodeIndex(i));
      if (!survive(fault_, NodeIndex(i), [&] { nodes_[i].start(effects_); }, [] { return kBootWhere; })) {
        stats_.violation = invariants_.check(*this, i);  // node-survives
        stats_.violation_at = 0;
        return;
      }
      dispatch(NodeIndex(i));
      observe(NodeIndex(i));
    }
    const Micros clients_start = scenario_.clients.start >= 0 ? scenario_.clients.start : scenario_.clients.interval / 2;
    for (std::size_t c = 0; c < clients_.size(); ++c) {
      clients_[c].target = int(c) % node_count_;
      Pending issue;
      issue.kind = Kind::ClientIssue;
      issue.client = int(c);
      issue.at = clients_start + Micros(c) * 1000;  // clients start a little apart
      schedule(std::move(issue));
    }
    if (scenario_.clients.stop >= 0 && !clients_.empty()) {
      Pending stop;
      stop.kind = Kind::ClientSwitch;
      stop.attempt = 0;
      stop.at = scenario_.clients.stop;
      schedule(std::move(stop));
    }
    for (std::size_t a = 0; a < scenario_.timeline.size(); ++a) {
      Pending action;
      action.kind = Kind::Timeline;
      action.client = int(a);
      action.at = scenario_.timeline[a].at;
      if (scenario_.timeline[a].at_max > action.at) action.at = uniform(action.at, scenario_.timeline[a].at_max);
      schedule(std::move(action));
    }
  }

  void advance_to(Micros at) {
    if (available_since_ >= 0) stats_.available += at - std::max(now_, available_since_);
    if (steady_leader_ >= 0) {
      const Micros steady_from = std::max(now_, steady_since_ + steady_after_);
      if (at > steady_from) stats_.steady_available += at - steady_from;
    }
    if (leaderless_) stats_.leaderless += at - now_;
    now_ = at;
  }

  // ---- nodes ---------------------------------------------------------------
  void begin(NodeIndex node) { effects_.begin(&armed_[node]); }

  Micros timer_duration(NodeIndex node, TimerId timer, std::uint8_t backoff) {
    const TimerTiming& t = timers_[node][timer];
    const Micros width = (t.max - t.min) << std::min<std::uint8_t>(backoff, 20);
    return uniform(t.min, t.min + width);
  }

  // After a node's handler: what it sent goes on the wire, and its timers are
  // (re)scheduled. `fired` is the timer that just fired, if any.
  void dispatch(NodeIndex from, int fired = -1) {
    dispatched_ = true;
    for (const auto& out : effects_.outbox()) send(from, out.to, out.message);
    for (int t = 0; t < P::timer_count; ++t) {
      const std::uint8_t bit = std::uint8_t(1u << t);
      const bool rearmed = effects_.rearmed() & bit;
      if (!(armed_[from] & bit)) {
        generation_[from][t] += 1;  // cancelled: a pending firing is void
        continue;
      }
      if (!rearmed && t != fired) continue;  // still counting down
      generation_[from][t] += 1;
      Pending fire;
      fire.kind = Kind::Timer;
      fire.to = from;
      fire.timer = TimerId(t);
      fire.generation = generation_[from][t];
      fire.at = now_ + timer_duration(from, TimerId(t), rearmed ? effects_.backoff(TimerId(t)) : 0);
      schedule(std::move(fire));
    }
  }

  void send(NodeIndex from, NodeIndex to, const Message& message) {
    stats_.messages_sent += 1;
    const std::uint32_t seq = ++sent_[from][to];  // lost messages are numbered too, as in the untimed world
    const int path = route(from, to);
    if (path == -2) {
      stats_.messages_dropped += 1;
      return;
    }
    Micros delay = 0;
    double lost = 0;
    auto hop = [&](int a, int b) {
      const LinkProperties& p = edge(a, b).properties;
      delay += draw_latency(p.latency);
      if (p.loss > 0 && uniform01() < p.loss) lost = 1;
    };
    if (path == -1) {
      hop(from, to);
    } else {
      hop(from, path);
      hop(path, to);
    }
    if (lost) {
      stats_.messages_dropped += 1;
      record_message(EventKind::Drop, from, to, seq);
      return;
    }
    Pending deliver;
    deliver.kind = Kind::Deliver;
    deliver.from = from;
    deliver.to = to;
    deliver.seq = seq;
    deliver.at = now_ + std::max<Micros>(delay, 0);
    deliver.message = message;
    schedule(std::move(deliver));
  }

  static constexpr int kNoNode = -1;

  int handle(Pending& event) {
    delivered_ = nullptr;
    dispatched_ = false;
    switch (event.kind) {
      case Kind::Deliver: {
        if (crashed(event.to) || !reachable(event.from, event.to)) {
          stats_.messages_dropped += 1;
          record_message(EventKind::Drop, event.from, event.to, event.seq);
          return kNoNode;
        }
        stats_.messages_delivered += 1;
        record_message(EventKind::Deliver, event.from, event.to, event.seq);
        delivered_ = &event.message;
        delivered_from_ = event.from;
        begin(event.to);
        if (survive(fault_, event.to, [&] { nodes_[event.to].on_message(event.from, event.message, effects_); },
                    [&] { return message_handler_where(event.message.type_name(), event.from); }))
          dispatch(event.to);
        return event.to;
      }
      case Kind::Timer: {
        const NodeIndex n = event.to;
        if (crashed(n) || generation_[n][event.timer] != event.generation || !(armed_[n] & (1u << event.timer)))
          return kNoNode;
        if (record_) {
          Event e;
          e.kind = EventKind::Timer;
          e.node = n;
          e.timer = event.timer;
          record_event(e);
        }
        begin(n);
        if (survive(fault_, n, [&] { nodes_[n].on_timer(event.timer, effects_); },
                    [&] { return timer_handler_where(P::timer_name(event.timer)); }))
          dispatch(n, event.timer);
        return n;
      }
      case Kind::ClientIssue:
        if (event.attempt == clients_[std::size_t(event.client)].issues) issue(event.client);
        return kNoNode;
      case Kind::ClientSwitch:
        for (std::size_t k = 0; k < clients_.size(); ++k) switch_client(k, event.attempt != 0);
        return kNoNode;
      case Kind::ClientArrive: return client_arrives(event);
      case Kind::ClientReply: {
        Client& c = clients_[std::size_t(event.client)];
        if (c.command == 0 || c.attempt != event.attempt) return kNoNode;
        c.target = event.hint >= 0 ? event.hint : (c.target + 1) % node_count_;
        attempt(event.client);
        return kNoNode;
      }
      case Kind::ClientTimeout: {
        Client& c = clients_[std::size_t(event.client)];
        if (c.command == 0 || c.attempt != event.attempt) return kNoNode;
        c.target = (c.target + 1) % node_count_;
        attempt(event.client);
        return kNoNode;
      }
      case Kind::Timeline: {
        if (scenario_.timeline[std::size_t(event.client)].kind == TimelineAction::Kind::Clients) {
          apply_action(std::size_t(event.client));  // not a network change
          return kNoNode;
        }
        if (scenario_.timeline[std::size_t(event.client)].kind == TimelineAction::Kind::Admin)
          return administer(std::size_t(event.client), /*retry=*/event.attempt != 0);
        if (record_roles_) stats_.network_events.emplace_back(now_, event.client);
        const int touched = apply_action(std::size_t(event.client));
        network_changed();
        record_reachability();
        return touched;
      }
      case Kind::Restart: {
        if (record_roles_) stats_.network_events.emplace_back(now_, -1);
        const int touched = restart(event.to);
        network_changed();
        record_reachability();
        return touched;
      }
      case Kind::LivenessCheck: check_liveness(event.attempt); return kNoNode;
    }
    return kNoNode;
  }

  // ---- clients -------------------------------------------------------------
  // Stopping a client abandons its outstanding command (it stays counted as
  // attempted, and a later commit of it is not counted); starting one has it
  // issue a new command at once (client k after k ms). A client already in
  // that state is left alone.
  void switch_client(std::size_t k, bool on) {
    Client& c = clients_[k];
    if (on == c.on) return;
    c.on = on;
    c.issues += 1;   // void a pending ClientIssue
    c.attempt += 1;  // void pending arrivals, replies and time-outs
    if (c.command != 0) {
      const auto it = std::find(waiting_.begin(), waiting_.end(), c.command);
      if (it != waiting_.end()) waiting_.erase(it);
      c.command = 0;
    }
    if (on) {
      Pending issue;
      issue.kind = Kind::ClientIssue;
      issue.client = int(k);
      issue.attempt = c.issues;
      issue.at = now_ + Micros(k) * 1000;
      schedule(std::move(issue));
    }
  }

  // How long a client's message to (or from) node n takes, if it arrives:
  // clients at no endpoint take the scenario's latency; at a hub, the hub's
  // link with n (down: lost; its loss rate applies); at a node k, the path
  // k's messages to n take (route(): direct or through a hub), none if k is n.
  std::optional<Micros> client_hop(NodeIndex n, bool to_node) {
    const int at = scenario_.clients.at;
    if (at < 0) return scenario_.clients.latency;
    Micros delay = 0;
    bool lost = false;
    auto hop = [&](int a, int b) {
      const LinkProperties& p = edge(a, b).properties;
      delay += draw_latency(p.latency);
      if (p.loss > 0 && uniform01() < p.loss) lost = true;
    };
    if (at >= node_count_) {
      if (to_node ? !hop_up(at, n) : !hop_up(n, at)) return std::nullopt;
      to_node ? hop(at, n) : hop(n, at);
    } else if (at != n) {
      const NodeIndex from = to_node ? NodeIndex(at) : n, to = to_node ? n : NodeIndex(at);
      const int path = route(from, to);
      if (path == -2) return std::nullopt;
      if (path == -1) {
        hop(from, to);
      } else {
        hop(from, path);
        hop(path, to);
      }
    }
    if (lost) return std::nullopt;
    return std::max<Micros>(delay, 0);
  }
  // Whether a client's command can still reach node n (when it arrives).
  bool client_reaches(NodeIndex n) const {
    const int at = scenario_.clients.at;
    if (at < 0 || at == n) return true;
    if (at >= node_count_) return hop_up(at, n);
    return reachable(NodeIndex(at), n);
  }

  void issue(int client) {
    Client& c = clients_[std::size_t(client)];
    if (!c.on) return;
    c.command = next_command_++;
    c.issued = now_;
    stats_.commands_attempted += 1;
    waiting_.push_back(c.command);
    attempt(client);
  }

  void attempt(int client) {
    Client& c = clients_[std::size_t(client)];
    c.attempt += 1;
    Pending arrive;
    arrive.kind = Kind::ClientArrive;
    arrive.client = client;
    arrive.to = NodeIndex(c.target);
    arrive.command = c.command;
    arrive.attempt = c.attempt;
    if (const auto delay = client_hop(NodeIndex(c.target), /*to_node=*/true)) {
      arrive.at = now_ + *delay;
      schedule(std::move(arrive));
    }  // else lost: the client will time out
    Pending timeout;
    timeout.kind = Kind::ClientTimeout;
    timeout.client = client;
    timeout.attempt = c.attempt;
    timeout.at = now_ + scenario_.clients.timeout;
    schedule(std::move(timeout));
  }

  int client_arrives(const Pending& event) {
    const Client& c = clients_[std::size_t(event.client)];
    if (c.command != event.command || c.attempt != event.attempt) return kNoNode;
    const NodeIndex n = event.to;
    if (crashed(n) || !client_reaches(n)) return kNoNode;  // the client will time out
    if (record_) {
      Event e;
      e.kind = EventKind::Client;
      e.node = n;
      e.command = event.command;
      record_event(e);
    }
    begin(n);
    bool accepted = false;
    if (!survive(fault_, n, [&] { accepted = nodes_[n].on_client_command(event.command, effects_); },
                 [&] { return client_handler_where(event.command); }))
      return n;
    dispatch(n);
    if (!accepted) {
      Pending reply;
      reply.kind = Kind::ClientReply;
      reply.client = event.client;
      reply.attempt = event.attempt;
      reply.hint = leader_hint(n);
      if (const auto delay = client_hop(n, /*to_node=*/false)) {
        reply.at = now_ + *delay;
        schedule(std::move(reply));
      }
    }
    return n;
  }

  int leader_hint(NodeIndex n) const {
    if constexpr (requires(const Node& node) { node.leader_hint(); }) {
      const auto hint = nodes_[n].leader_hint();
      return hint ? int(*hint) : -1;
    } else {
      return -1;
    }
  }

  // A command the node just applied, if a client waits for it, is committed.
  void collect_commits(NodeIndex n) {
    const auto applied = nodes_[n].applied();
    if (applied.size() < applied_seen_[n]) applied_seen_[n] = 0;  // restarted
    for (std::size_t i = applied_seen_[n]; i < applied.size(); ++i) {
      const Command command = applied[i];
      auto it = std::find(waiting_.begin(), waiting_.end(), command);
      if (it == waiting_.end()) continue;
      waiting_.erase(it);
      for (std::size_t k = 0; k < clients_.size(); ++k) {
        Client& c = clients_[k];
        if (c.command != command) continue;
        stats_.commands_committed += 1;
        stats_.commit_latencies.push_back(now_ - c.issued);
        last_commit_ = now_;
        if (record_roles_) stats_.commit_times.push_back(now_);
        c.command = 0;
        Pending next;
        next.kind = Kind::ClientIssue;
        next.client = int(k);
        next.attempt = c.issues;
        next.at = now_ + scenario_.clients.interval;
        schedule(std::move(next));
      }
    }
    applied_seen_[n] = applied.size();
  }

  // ---- the timeline ----------------------------------------------------------
  // The live leader of the highest epoch (stale leaders may linger), or -1.
  int current_leader() const {
    int n = -1;
    for (int i = 0; i < node_count_; ++i)
      if (!crashed(NodeIndex(i)) && nodes_[i].is_leader() && (n < 0 || nodes_[i].epoch() > nodes_[n].epoch())) n = i;
    return n;
  }

  int apply_action(std::size_t index) {
    const TimelineAction& a = scenario_.timeline[index];
    int touched = kNoNode;
    switch (a.kind) {
      case TimelineAction::Kind::Cut:
      case TimelineAction::Kind::Heal:
        for (auto [from, to] : a.links) edge(from, to).down = a.kind == TimelineAction::Kind::Cut;
        break;
      case TimelineAction::Kind::Partition:
        for (int i = 0; i < node_count_; ++i) group_of_[i] = std::uint8_t(a.group_of[std::size_t(i)]);
        break;
      case TimelineAction::Kind::RandomPartition:
        for (int i = 0; i < node_count_; ++i) group_of_[i] = std::uint8_t(rng_() % std::uint64_t(a.groups));
        break;
      case TimelineAction::Kind::HealAll:
        for (Edge& e : edges_) e.down = false;
        group_of_.fill(0);
        break;
      case TimelineAction::Kind::Crash: {
        dispatched_ = false;
        int n = a.node;
        if (n == TimelineAction::kLeader) {
          n = current_leader();
        } else if (n == TimelineAction::kRandom) {
          n = pick_node(/*crashed=*/false);
        }
        if (n >= 0 && !crashed(NodeIndex(n))) {
          touched = crash(NodeIndex(n));
          if (a.restart_after > 0) {
            Pending restart_event;
            restart_event.kind = Kind::Restart;
            restart_event.to = NodeIndex(n);
            restart_event.at = now_ + a.restart_after;
            schedule(std::move(restart_event));
          }
        }
        break;
      }
      case TimelineAction::Kind::Isolate:
      case TimelineAction::Kind::Rejoin: {
        const bool isolate = a.kind == TimelineAction::Kind::Isolate;
        int n = a.node;
        if (n == TimelineAction::kLeader) n = current_leader();
        else if (n == TimelineAction::kRandom) n = pick_node(/*crashed=*/false);
        for (int m = 0; m < node_count_; ++m) {
          const bool chosen = n == TimelineAction::kIsolated ? bool(isolated_ & (1u << m)) : m == n;
          if (!chosen) continue;
          for (int other = 0; other < endpoints_; ++other) {
            if (other == m) continue;
            if (edge(other, m).exists && (!isolate || a.inbound)) edge(other, m).down = isolate;
            if (edge(m, other).exists && (!isolate || a.outbound)) edge(m, other).down = isolate;
          }
          if (isolate) isolated_ |= NodeBits(1u << m);
          else isolated_ &= NodeBits(~(1u << m));
        }
        break;
      }
      case TimelineAction::Kind::Clients:
        if (a.clients.empty())
          for (std::size_t k = 0; k < clients_.size(); ++k) switch_client(k, a.clients_on);
        else
          for (const int k : a.clients) switch_client(std::size_t(k), a.clients_on);
        break;
      case TimelineAction::Kind::Admin: break;  // administer()
      case TimelineAction::Kind::Restart: {
        if (a.node == TimelineAction::kAll) {
          for (int i = 0; i < node_count_; ++i)
            if (crashed(NodeIndex(i))) {
              restart(NodeIndex(i));
              after_event(i);
              if (fault_) break;  // the run is over
            }
        } else {
          const int n = a.node == TimelineAction::kRandom ? pick_node(/*crashed=*/true) : a.node;
          if (n >= 0 && crashed(NodeIndex(n))) touched = restart(NodeIndex(n));
        }
        break;
      }
    }
    update_routes();  // links or groups may have changed
    repeat(index);
    return touched;
  }

  // The next repetition of an action with "every_ms".
  void repeat(std::size_t index) {
    const TimelineAction& a = scenario_.timeline[index];
    if (a.every <= 0) return;
    const Micros next = now_ + a.every;
    if (next > (a.until > 0 ? a.until : scenario_.duration)) return;
    Pending again;
    again.kind = Kind::Timeline;
    again.client = int(index);
    again.at = next;
    schedule(std::move(again));
  }

  // ---- administrative commands (protocol.hpp) --------------------------------
  static constexpr bool kHasAdmin = requires { P::admin_operations(); };

  // Each Admin action's operation, by its name in the protocol's table; the
  // scenario's errors at the action's line.
  void resolve_admin_operations() {
    admin_operation_.assign(scenario_.timeline.size(), -1);
    for (std::size_t i = 0; i < scenario_.timeline.size(); ++i) {
      const TimelineAction& a = scenario_.timeline[i];
      if (a.kind != TimelineAction::Kind::Admin) continue;
      auto fail = [&](const std::string& what) {
        throw InputError(fmt::format("{}:{}: {}", scenario_.file, a.line, what));
      };
      if constexpr (kHasAdmin) {
        const auto operations = P::admin_operations();
        std::string names;
        for (std::size_t k = 0; k < operations.size(); ++k) {
          names += fmt::format("{}\"{}\"", names.empty() ? "" : ", ", operations[k].name);
          if (operations[k].name == a.operation) admin_operation_[i] = int(k);
        }
        if (admin_operation_[i] < 0)
          fail(fmt::format("unknown administrative operation \"{}\" for {} (expected {})", a.operation, P::name,
                           names));
        const AdminOperation& op = operations[std::size_t(admin_operation_[i])];
        if (op.names_node && a.target == TimelineAction::kNoTarget)
          fail(fmt::format("\"admin\": \"{}\" needs a \"target\" node", a.operation));
        if (!op.names_node && a.target != TimelineAction::kNoTarget)
          fail(fmt::format("\"admin\": \"{}\" takes no \"target\"", a.operation));
        if (op.names_node && a.node == TimelineAction::kAll)
          fail(fmt::format("\"node\": \"all\" goes with an operation that names no node, not \"{}\"", a.operation));
      } else {
        fail(fmt::format("protocol {} has no administrative commands", P::name));
      }
    }
  }

  // An Admin action (or its retry): handed to its node if that node accepts
  // it now (Node::admin_enabled), else tried again `retry` later. An
  // accepted command that spends a membership or transfer budget is a change
  // the cluster must recover from, as a network change is; a snapshot is not.
  int administer(std::size_t index, bool retry) {
    if (!retry) repeat(index);
    if constexpr (kHasAdmin) {
      const TimelineAction& a = scenario_.timeline[index];
      const int op = admin_operation_[index];
      const AdminOperation& operation = P::admin_operations()[std::size_t(op)];
      bool accepted = false;
      int touched = kNoNode;
      if (a.node == TimelineAction::kAll) {
        for (int i = 0; i < node_count_ && !stats_.violation && !fault_; ++i)
          if (!crashed(NodeIndex(i)) && nodes_[i].admin_enabled(op, kNoTarget)) {
            hand_admin(NodeIndex(i), op, kNoTarget);
            after_event(i);
            accepted = true;
          }
      } else {
        const int n = a.node == TimelineAction::kLeader ? current_leader() : a.node;
        const int target = a.target == TimelineAction::kLeader     ? current_leader()
                           : a.target == TimelineAction::kNoTarget ? int(kNoTarget)
                                                                   : a.target;
        if (n >= 0 && target >= 0 && !crashed(NodeIndex(n)) && nodes_[n].admin_enabled(op, NodeIndex(target))) {
          touched = hand_admin(NodeIndex(n), op, NodeIndex(target));
          accepted = true;
        }
      }
      if (accepted && operation.budget != AdminBudget::Snapshots) {
        if (record_roles_) stats_.network_events.emplace_back(now_, int(index));
        network_changed();
      }
      if (!accepted && a.retry > 0 && now_ + a.retry <= (a.until > 0 ? a.until : scenario_.duration)) {
        Pending again;
        again.kind = Kind::Timeline;
        again.client = int(index);
        again.attempt = 1;  // a retry: no repetition of its own
        again.at = now_ + a.retry;
        schedule(std::move(again));
      }
      return touched;
    } else {
      (void)index;
      return kNoNode;
    }
  }

  int hand_admin(NodeIndex n, int op, NodeIndex target) {
    if (record_) {
      Event e;
      e.kind = EventKind::Admin;
      e.node = n;
      e.timer = TimerId(op);
      e.peer = target;
      record_event(e);
    }
    delivered_ = nullptr;
    dispatched_ = false;
    begin(n);
    if (survive(fault_, n, [&] { nodes_[n].on_admin(op, target, effects_); },
                [&] { return admin_handler_where(P::admin_operations()[std::size_t(op)].name); }))
      dispatch(n);
    return n;
  }

  int pick_node(bool want_crashed) {
    int count = 0;
    for (int i = 0; i < node_count_; ++i) count += crashed(NodeIndex(i)) == want_crashed;
    if (count == 0) return -1;
    int k = int(rng_() % std::uint64_t(count));
    for (int i = 0; i < node_count_; ++i)
      if (crashed(NodeIndex(i)) == want_crashed && k-- == 0) return i;
    return -1;
  }

  int crash(NodeIndex n) {
    if (nodes_[n].is_leader() && failed_at_ < 0) {
      failed_at_ = now_;
      failed_epoch_ = nodes_[n].epoch();
    }
    if (candidate_[n]) {
      stats_.elections_lost += 1;
      candidate_[n] = false;
    }
    record_node(EventKind::Crash, n);
    crashed_ |= NodeBits(1u << n);
    armed_[n] = 0;
    for (auto& g : generation_[n]) g += 1;
    if (!survive(fault_, n, [&] { nodes_[n].crash(); }, [] { return kCrashWhere; })) return n;
    applied_seen_[n] = nodes_[n].applied().size();
    return n;
  }

  int restart(NodeIndex n) {
    if (!crashed(n)) return kNoNode;
    record_node(EventKind::Restart, n);
    crashed_ &= NodeBits(~(1u << n));
    begin(n);
    if (survive(fault_, n, [&] { nodes_[n].restart(effects_); }, [] { return kRestartWhere; })) dispatch(n);
    return n;
  }

  // ---- bounded liveness ----------------------------------------------------
  // Once the network and the set of crashed nodes have not changed for
  // `stable_for`, with a set of mutually connected live nodes that holds a
  // majority, some command must commit within `within`: the check is due at
  // stable_since + stable_for + within, unless something changes first.
  void network_changed() {
    recovering_.push_back(now_);
    stable_since_ = now_;
    stability_ += 1;
    if (!scenario_.liveness.enabled) return;
    Pending check;
    check.kind = Kind::LivenessCheck;
    check.attempt = stability_;
    check.at = now_ + scenario_.liveness.stable_for + scenario_.liveness.within;
    schedule(std::move(check));
  }

  // The largest set of live nodes that all reach each other both ways (liveness.hpp).
  std::uint32_t connected_majority() const {
    return skiff::connected_majority(
        node_count_, [&](NodeIndex n) { return crashed(n); },
        [&](NodeIndex a, NodeIndex b) { return reachable(a, b); }, liveness_voters(*this));
  }

  void check_liveness(std::uint32_t stability) {
    if (stability != stability_ || stats_.liveness_violation) return;
    const std::uint32_t group = connected_majority();
    if (!group) return;
    const Micros from = stable_since_ + scenario_.liveness.stable_for;
    if (last_commit_ >= from) return;
    stats_.liveness_violation = liveness_violation(stable_since_, group, from, now_, node_count_);
    stats_.liveness_violation_at = now_;
    if (record_) stats_.liveness_events = record_->size();
  }

  // ---- recording -------------------------------------------------------------
  void record_event(const Event& e) {
    if (record_) record_->push_back(TraceEvent{e, {}, 0, now_});
  }
  void record_node(EventKind kind, NodeIndex n) {
    if (!record_) return;
    Event e;
    e.kind = kind;
    e.node = n;
    record_event(e);
  }
  void record_message(EventKind kind, NodeIndex from, NodeIndex to, std::uint32_t seq) {
    if (!record_) return;
    Event e;
    e.kind = kind;
    e.message = MessageId{from, to, 0, seq};
    record_event(e);
  }
  // A cut or heal for each ordered pair of nodes whose reachability changed
  // since the last call: the untimed world's links mirror route() != none.
  void record_reachability() {
    if (!record_) return;
    for (int a = 0; a < node_count_; ++a)
      for (int b = 0; b < node_count_; ++b) {
        if (a == b) continue;
        const bool down = !reachable(NodeIndex(a), NodeIndex(b));
        if (down == mirrored_down_[a][b]) continue;
        mirrored_down_[a][b] = down;
        Event e;
        e.kind = down ? EventKind::Cut : EventKind::Heal;
        e.node = NodeIndex(a);
        e.peer = NodeIndex(b);
        record_event(e);
      }
  }

  // ---- observing -----------------------------------------------------------
  void after_event(int touched) {
    if (touched >= 0) {
      const NodeIndex n = NodeIndex(touched);
      if (auto violation = invariants_.check(*this, touched)) {
        stats_.violation = std::move(violation);
        stats_.violation_at = now_;
      }
      if (!crashed(n)) collect_commits(n);
      observe(n);
    }
    update_availability();
  }

  // Elections, leaders and roles, from the node's read-only view.
  void observe(NodeIndex n) {
    const Node& node = nodes_[n];
    const std::uint64_t epoch = node.epoch();
    stats_.highest_epoch = std::max(stats_.highest_epoch, epoch);
    const bool leader = !crashed(n) && node.is_leader();
    bool candidate = false;
    if constexpr (requires { node.is_candidate(); }) candidate = !crashed(n) && node.is_candidate();
    if (candidate && (!candidate_[n] || epoch > candidate_epoch_[n])) {
      if (candidate_[n]) stats_.elections_lost += 1;  // gave up for a later one
      stats_.elections_started += 1;
      candidate_epoch_[n] = epoch;
    } else if (!candidate && candidate_[n] && !crashed(n)) {
      if (leader) stats_.elections_won += 1;
      else stats_.elections_lost += 1;
    }
    candidate_[n] = candidate;
    if (leader) {
      if (stats_.first_leader >= 0 && (last_role_[n] != 2 || epoch != last_epoch_[n])) stats_.leader_changes += 1;
      if (stats_.first_leader < 0) stats_.first_leader = now_;
      if (failed_at_ >= 0 && epoch > failed_epoch_) {
        stats_.failovers.push_back(now_ - failed_at_);
        failed_at_ = -1;
      }
    }
    if (record_roles_) {
      const int role = crashed(n) ? 3 : leader ? 2 : candidate ? 1 : 0;
      if (role != last_role_[n] || epoch != last_epoch_[n])
        stats_.roles[n].push_back(TimedRunStats::RolePoint{now_, role, epoch});
    }
    last_role_[n] = crashed(n) ? 3 : leader ? 2 : candidate ? 1 : 0;
    last_epoch_[n] = epoch;
  }

  bool votes(NodeIndex n) const {
    if constexpr (requires(const Options& o) { o.votes(NodeIndex{}); })
      return options_.votes(n);
    else
      return true;
  }
  // Whether node `by` counts n's vote: a voter of the configuration in
  // effect at `by` (protocol.hpp, counts_vote), else of the options' boot one.
  bool counts_vote(int by, NodeIndex n) const {
    if constexpr (requires(const Node& node) { node.counts_vote(NodeIndex{}); })
      return nodes_[std::size_t(by)].counts_vote(n);
    else
      return votes(n);
  }

  // Available: some live leader, with voters of no later epoch that it reaches
  // and hears from, itself included, making a majority of the voters.
  // The lowest-numbered leader that can, or -1.
  // The voters are those of the leader's configuration (counts_vote).
  int leader_can_commit() const {
    for (int l = 0; l < node_count_; ++l) {
      const NodeIndex leader = NodeIndex(l);
      if (crashed(leader) || !nodes_[l].is_leader()) continue;
      int voters = 0;
      for (int i = 0; i < node_count_; ++i) voters += counts_vote(l, NodeIndex(i));
      const auto epoch = nodes_[l].epoch();
      int with = 0;
      for (int i = 0; i < node_count_; ++i) {
        const NodeIndex n = NodeIndex(i);
        if (!counts_vote(l, n) || crashed(n) || nodes_[i].epoch() > epoch) continue;
        if (n == leader || (reachable(leader, n) && reachable(n, leader))) ++with;
      }
      if (with >= voters / 2 + 1) return l;
    }
    return -1;
  }

  void update_availability() {
    const int leader = leader_can_commit();
    const bool now_available = leader >= 0;
    if (record_availability_ && (stats_.availability_changes.empty() ||
                                 stats_.availability_changes.back().second != now_available)) {
      if (!stats_.availability_changes.empty() && stats_.availability_changes.back().first == now_)
        stats_.availability_changes.back().second = now_available;  // changed back at the same time
      else
        stats_.availability_changes.emplace_back(now_, now_available);
    }
    if (now_available && available_since_ < 0) available_since_ = now_;
    if (!now_available) available_since_ = -1;
    const std::uint64_t epoch = now_available ? nodes_[std::size_t(leader)].epoch() : 0;
    if (leader != steady_leader_ || epoch != steady_epoch_) {
      steady_leader_ = leader;
      steady_epoch_ = epoch;
      steady_since_ = now_;
    }
    leaderless_ = true;
    for (int i = 0; i < node_count_; ++i) leaderless_ &= crashed(NodeIndex(i)) || !nodes_[std::size_t(i)].is_leader();
    if (now_available && !recovering_.empty()) {
      for (Micros at : recovering_) stats_.recoveries.push_back(now_ - at);
      recovering_.clear();
    }
  }

  const Scenario& scenario_;
  Options options_;
  bool record_roles_;
  bool record_availability_ = false;
  int node_count_ = 0;
  // The event being handled (see delivered()): the message it delivered, its
  // sender, and whether the touched node's outbox is this event's.
  const Message* delivered_ = nullptr;
  NodeIndex delivered_from_ = 0;
  bool dispatched_ = false;
  int endpoints_ = 0;
  std::mt19937_64 rng_;
  TimedRunStats stats_;
  Micros now_ = 0;
  std::uint64_t next_sequence_ = 0;
  Command next_command_ = 1;
  std::vector<QueueKey> queue_;         // a heap (Later): the next event first
  std::deque<Pending> pending_;         // the events queue_ names, by slot
  std::vector<std::uint32_t> free_slots_;  // slots of pending_ whose events were handled
  std::array<std::array<TimerTiming, kMaxTimers>, kMaxNodes> timers_{};
  std::vector<Edge> edges_;
  std::array<std::uint8_t, kMaxNodes> group_of_{};
  std::array<std::array<std::int16_t, kMaxNodes>, kMaxNodes> routes_{};  // route() of each pair of nodes
  NodeBits crashed_ = 0;
  std::vector<Node> nodes_;
  std::array<std::uint8_t, kMaxNodes> armed_{};
  std::array<std::array<std::uint32_t, kMaxTimers>, kMaxNodes> generation_{};
  std::array<std::size_t, kMaxNodes> applied_seen_{};
  std::array<bool, kMaxNodes> candidate_{};
  std::array<std::uint64_t, kMaxNodes> candidate_epoch_{};
  std::array<int, kMaxNodes> last_role_{};
  std::array<std::uint64_t, kMaxNodes> last_epoch_{};
  Micros available_since_ = -1;
  int steady_leader_ = -1;         // the leader that can commit (update_availability), or -1
  std::uint64_t steady_epoch_ = 0;
  Micros steady_since_ = 0;        // since when it could
  Micros steady_after_ = 0;        // how long before that counts as steady
  bool leaderless_ = true;
  NodeBits isolated_ = 0;          // nodes the timeline isolated and has not rejoined (bit per node)
  std::vector<Micros> recovering_;  // network changes not yet recovered from
  Micros failed_at_ = -1;
  std::uint64_t failed_epoch_ = 0;
  Micros last_commit_ = -1;
  Micros stable_since_ = 0;
  std::uint32_t stability_ = 0;  // counts network changes; a liveness check is for one
  std::vector<int> admin_operation_;  // per timeline action: its administrative operation (Admin), else -1
  std::vector<Client> clients_;
  std::vector<Command> waiting_;
  Effects<Message> effects_;
  Invariants invariants_;
  std::optional<NodeFault> fault_;  // node_fault()
  std::vector<TraceEvent>* record_ = nullptr;
  std::array<std::array<std::uint32_t, kMaxNodes>, kMaxNodes> sent_{};  // messages numbered per channel
  std::array<std::array<bool, kMaxNodes>, kMaxNodes> mirrored_down_{};  // as the recorded cuts and heals say
};

}  // namespace skiff
