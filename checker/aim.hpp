// Fault profiles (a nemesis, in Jepsen's word): ways of choosing among the
// enabled events that aim faults where deep bugs live, instead of the fixed
// swarm weights of the uniform scheduler (scheduler.hpp).
//
// A profile only changes which enabled event is picked: every event it picks
// is an ordinary event, recorded in the run and written to its trace, so
// replay and shrink need nothing new, and a run is still decided by its seed
// alone. The checker knows no protocol's words: "the node that coordinates"
// is whatever a node's optional `bool coordinates() const` says (a Raft
// leader, a Multi-Paxos leader; see protocols/protocol.hpp). A protocol
// without it has no coordinator and the aimed triggers never fire, but the
// PCT profile still works.
//
// The profiles (profile_table() describes each for `skiff list`):
//   uniform                today's scheduler: swarm weights, nothing aimed
//   crash-after-append     when a coordinator has just accepted a client
//                          command, crash it at once and drop some of the
//                          messages it just sent (before it replicates)
//   isolate-after-append   ... cut every link to and from it instead, and heal
//                          them all some tens of steps later (what it sent
//                          waits in flight and arrives late)
//   minority-partition     ... cut the cluster in two so that it keeps a
//                          minority (itself and maybe others) while the
//                          majority may elect; heal later
//   client-to-coordinator  client commands go to a node that coordinates,
//                          when there is one (no command is refused)
//   pct                    PCT-style priorities (Burckhardt et al., ASPLOS
//                          2010; Ozkan et al., OOPSLA 2018): each directed
//                          channel gets a random priority; a delivery takes
//                          the oldest message of the highest-priority channel;
//                          at depth-1 random steps the channel just served
//                          drops to the lowest priority. Other kinds of event
//                          keep their swarm weights.
//   usurp-after-append     once per run, when a coordinator has just accepted
//                          a client command: cut every link to and from it
//                          (as isolate-after-append) and fire another node's
//                          timer at once, so a rival takes over while the new
//                          entry is on the old coordinator alone; heal later
//   duel                   once per run, when a node that does not coordinate
//                          fires a timer (a Raft candidate, a Paxos proposer
//                          starting phase 1): fire another such node's timer
//                          at once, so two race in one term or round, then
//                          split the cluster in two halves joined by one
//                          bridge node (Jepsen's "bridge" nemesis), the two
//                          racers on opposite halves: each half with the
//                          bridge is a majority, so both may win; heal later
//   mix                    each seed draws one of the above (uniform too)
// The five aimed-fault profiles also aim client commands like
// client-to-coordinator, since a command must reach a coordinator to be
// appended at all. Each aimed run draws how often it aims (30, 60 or 100 % of
// the chances), so some runs still commit entries before the trouble comes.
#pragma once

#include <boost/container/static_vector.hpp>

#include <array>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "checker/scheduler.hpp"
#include "checker/swarm.hpp"
#include "checker/world.hpp"

namespace skiff {

enum class Profile : std::uint8_t {
  Uniform,
  CrashAfterAppend,
  IsolateAfterAppend,
  MinorityPartition,
  ClientToCoordinator,
  Pct,
  UsurpAfterAppend,
  Duel,
  Mix,  // drawn per seed among the ones above
};
inline constexpr int kProfiles = 9;
inline constexpr int kConcreteProfiles = 8;  // all but Mix

struct ProfileInfo {
  std::string_view name;
  std::string_view description;
};

inline std::span<const ProfileInfo> profile_table() {
  static constexpr ProfileInfo kTable[] = {
      {"uniform", "the swarm's fixed weights, nothing aimed (the default)"},
      {"crash-after-append",
       "a coordinating node that just accepted a client command crashes at once, and some of what it just sent "
       "is lost"},
      {"isolate-after-append",
       "a coordinating node that just accepted a client command is cut off both ways; its links heal tens of "
       "steps later"},
      {"minority-partition",
       "after a coordinating node accepts a client command the cluster splits, the node keeping a minority; "
       "healed later"},
      {"client-to-coordinator", "client commands go to a node that coordinates (a leader) when there is one"},
      {"pct",
       "PCT-style priorities over directed channels, --pct-depth D: deliveries follow priorities that change at "
       "D-1 random steps"},
      {"usurp-after-append",
       "once per run, a coordinating node that just accepted a client command is cut off both ways and another "
       "node's timer fires at once; its links heal tens of steps later"},
      {"duel",
       "once per run, two nodes start elections back to back and the cluster splits into two halves joined by "
       "one bridge node, the two on opposite halves; healed tens of steps later"},
      {"mix", "each seed draws one of the profiles above (uniform included)"},
  };
  static_assert(std::size(kTable) == kProfiles);
  return kTable;
}

// The profile named `name`, or nothing.
inline std::optional<Profile> profile_named(std::string_view name) {
  for (int i = 0; i < kProfiles; ++i)
    if (profile_table()[std::size_t(i)].name == name) return Profile(i);
  return std::nullopt;
}
inline std::string_view profile_name(Profile profile) { return profile_table()[std::size_t(profile)].name; }

// What an error says of an unknown profile `name`, after the flag or
// variable that named it: "unknown profile 'NAME' (uniform, ..., mix)".
inline std::string unknown_profile_message(std::string_view name) {
  std::string names;
  for (const ProfileInfo& p : profile_table()) names += (names.empty() ? "" : ", ") + std::string(p.name);
  return "unknown profile '" + std::string(name) + "' (" + names + ")";
}

inline constexpr std::uint32_t kDefaultPctDepth = 3;
inline constexpr std::uint32_t kMaxPctDepth = 16;

// What a run's profile is: chosen on the command line (--profile, --pct-depth).
struct AimConfig {
  Profile profile = Profile::Uniform;
  std::uint32_t pct_depth = kDefaultPctDepth;  // 1..kMaxPctDepth
  friend bool operator==(const AimConfig&, const AimConfig&) = default;
};

// Whether a node of protocol P can say that it coordinates.
template <class Node>
concept HasCoordinator = requires(const Node& node) {
  { node.coordinates() } -> std::convertible_to<bool>;
};

// The scheduler of one run under a profile. It holds the run's aiming state
// (a plan of events to try next, links to heal, PCT's priorities), all drawn
// from the run's choice source, so a seed still decides everything. Make one
// per run, after the swarm is drawn: the uniform profile draws nothing more,
// so a uniform run is decision for decision what it was before profiles.
template <class P>
class Aimer {
 public:
  template <class Choices>
  Aimer(const AimConfig& config, const World<P>& world, Choices& choices) : profile_(config.profile) {
    if (profile_ == Profile::Mix) profile_ = Profile(choices.below(kConcreteProfiles));
    if (profile_ == Profile::Uniform) return;
    if (profile_ == Profile::Pct) {
      draw_priorities(world, choices, config.pct_depth);
      return;
    }
    static constexpr std::uint32_t kPercents[] = {30, 60, 100};
    aim_percent_ = kPercents[choices.below(3)];
  }

  Profile profile() const { return profile_; }

  // The next event, or nothing when the run is over (as choose_event).
  template <class Choices>
  std::optional<Event> choose(const World<P>& world, Choices& choices, const Swarm& swarm) {
    if (profile_ == Profile::Uniform) return choose_event(world, choices, swarm);
    if (world.steps() >= world.budgets().steps) return std::nullopt;
    if (auto planned = next_planned(world)) return remember(world, *planned);
    if (just_appended(world) && aims_faults() && choices.below(100) < aim_percent_) {
      make_plan(world, choices, last_.node);
      if (auto planned = next_planned(world)) return remember(world, *planned);
    }
    if (profile_ == Profile::Duel && !struck_ && just_stood(world) && choices.below(100) < aim_percent_) {
      plan_duel(world, choices, last_.node);
      if (auto planned = next_planned(world)) return remember(world, *planned);
    }
    const PerKind counts = world.count_enabled();
    const int kind = choose_kind(counts, choices, swarm);
    if (kind < 0) return std::nullopt;
    if (kind == int(EventKind::Client) && profile_ != Profile::Pct) {
      if (auto aimed = client_to_coordinator(world, choices)) return remember(world, *aimed);
    }
    if (kind == int(EventKind::Deliver) && profile_ == Profile::Pct) return remember(world, pct_delivery(world));
    return remember(world, choose_index(world, choices, swarm, EventKind(kind), counts));
  }

 private:
  static constexpr std::size_t kPlanCapacity = 2 * kMaxNodes * kMaxNodes + 64;

  bool aims_faults() const {
    return profile_ == Profile::CrashAfterAppend || profile_ == Profile::IsolateAfterAppend ||
           profile_ == Profile::MinorityPartition || profile_ == Profile::UsurpAfterAppend;
  }

  static bool coordinates(const World<P>& world, NodeIndex node) {
    if constexpr (HasCoordinator<typename P::Node>)
      return !world.crashed(node) && world.node(node).coordinates();
    else
      return false;
  }

  Event remember(const World<P>& world, const Event& event) {
    last_ = event;
    last_commands_left_ = world.remaining().commands;
    return event;
  }

  // The last event was a client command that a coordinating node accepted
  // (accepting spends the command budget).
  bool just_appended(const World<P>& world) const {
    return last_.kind == EventKind::Client && world.steps() > 0 &&
           world.remaining().commands < last_commands_left_ && coordinates(world, last_.node);
  }

  // The last event was a timer of a node that does not coordinate: in Raft a
  // follower or candidate standing for election, in Paxos a proposer starting
  // phase 1. A protocol without coordinates() never stands.
  bool just_stood(const World<P>& world) const {
    return HasCoordinator<typename P::Node> && last_.kind == EventKind::Timer && world.steps() > 0 &&
           !world.crashed(last_.node) && !coordinates(world, last_.node);
  }

  // The planned events still enabled, in order; then the heals once due.
  std::optional<Event> next_planned(const World<P>& world) {
    while (plan_next_ < plan_.size()) {
      const Event e = plan_[plan_next_++];
      if (!world.why_not_enabled(e)) return e;
    }
    plan_.clear();
    plan_next_ = 0;
    if (!heals_.empty() && world.steps() >= heal_at_) {
      while (!heals_.empty()) {
        const Event e = heals_.back();
        heals_.pop_back();
        if (!world.why_not_enabled(e)) return e;
      }
    }
    return std::nullopt;
  }

  void plan(const Event& e) {
    if (plan_.size() < plan_.capacity()) plan_.push_back(e);
  }
  void cut(NodeIndex from, NodeIndex to) {
    Event e;
    e.kind = EventKind::Cut;
    e.node = from;
    e.peer = to;
    plan(e);
    e.kind = EventKind::Heal;
    if (heals_.size() < heals_.capacity()) heals_.push_back(e);
  }

  template <class Choices>
  void make_plan(const World<P>& world, Choices& choices, NodeIndex target) {
    const int n = world.node_count();
    if (profile_ == Profile::CrashAfterAppend) {
      if (!world.remaining().crashes) return;
      // Lose about half of what it has in flight (its replication), then crash it.
      for (const auto& m : world.in_flight()) {
        if (m.id.from != target || choices.below(2)) continue;
        Event drop;
        drop.kind = EventKind::Drop;
        drop.message = m.id;
        plan(drop);
      }
      Event crash;
      crash.kind = EventKind::Crash;
      crash.node = target;
      plan(crash);
      return;
    }
    if (profile_ == Profile::UsurpAfterAppend) {
      if (struck_ || !world.remaining().link_changes) return;
      struck_ = true;
    }
    if (!world.remaining().link_changes) return;
    NodeBits minority = NodeBits(1u << target);
    if (profile_ == Profile::MinorityPartition) {
      // 1 to (n-1)/2 nodes, the target among them.
      const int size = 1 + int(choices.below(std::uint32_t((n - 1) / 2)));
      while (std::popcount(unsigned(minority)) < size) minority |= NodeBits(1u << choices.below(std::uint32_t(n)));
    }
    auto in_minority = [&](int i) { return (minority >> i) & 1u; };
    // Minority -> majority first (the old coordinator cannot replicate), then
    // majority -> minority, as far as the link budget goes.
    for (int a = 0; a < n; ++a)
      for (int b = 0; b < n; ++b)
        if (in_minority(a) && !in_minority(b)) cut(NodeIndex(a), NodeIndex(b));
    for (int a = 0; a < n; ++a)
      for (int b = 0; b < n; ++b)
        if (!in_minority(a) && in_minority(b)) cut(NodeIndex(a), NodeIndex(b));
    heal_at_ = world.steps() + 20 + choices.below(81);
    if (profile_ == Profile::UsurpAfterAppend) plan_rival_timer(world, choices, target);
  }

  // One enabled timer of a node other than `target`, drawn uniformly, is
  // planned to fire next (after the cuts): for a Raft follower its election
  // timer, for a Paxos proposer its prepare timer. With `idle_only`, only a
  // timer of a node that does not coordinate (not a leader's heartbeat).
  // Returns the rival, or nothing if there is none.
  template <class Choices>
  std::optional<NodeIndex> plan_rival_timer(const World<P>& world, Choices& choices, NodeIndex target,
                                            bool idle_only = false) {
    const std::uint32_t timers = world.count_enabled()[int(EventKind::Timer)];
    auto rival = [&](const Event& timer) {
      return timer.node != target && !(idle_only && coordinates(world, timer.node));
    };
    std::uint32_t rivals = 0;
    for (std::uint32_t i = 0; i < timers; ++i) rivals += rival(world.nth_enabled(EventKind::Timer, i));
    if (rivals == 0) return std::nullopt;
    std::uint32_t pick = choices.below(rivals);
    for (std::uint32_t i = 0; i < timers; ++i) {
      const Event timer = world.nth_enabled(EventKind::Timer, i);
      if (!rival(timer) || pick-- != 0) continue;
      plan(timer);
      return timer.node;
    }
    return std::nullopt;
  }

  // duel: `first` has just stood for election. Another node that does not
  // coordinate stands at once (its timer fires next), so the two race in one
  // term or round; then the cluster splits into two halves joined by bridge
  // nodes, `first` and the rival on opposite halves. Each half with the
  // bridge is a majority (a half of n - majority nodes, 2 * majority - n
  // bridge nodes: one for an odd n), so either racer may win, and the bridge
  // hears both. Every link between the halves is cut both ways, the racers'
  // own link first, as far as the link budget goes; all heal 20 to 100 steps
  // later.
  template <class Choices>
  void plan_duel(const World<P>& world, Choices& choices, NodeIndex first) {
    if (!world.remaining().link_changes) return;
    const auto second = plan_rival_timer(world, choices, first, /*idle_only=*/true);
    if (!second) return;
    struck_ = true;
    const int n = world.node_count();
    std::array<NodeIndex, kMaxNodes> others{};
    int count = 0;
    for (int i = 0; i < n; ++i)
      if (i != first && i != *second) others[std::size_t(count++)] = NodeIndex(i);
    for (int i = count - 1; i > 0; --i)  // Fisher-Yates
      std::swap(others[std::size_t(i)], others[choices.below(std::uint32_t(i + 1))]);
    const int half = n - (n / 2 + 1);  // each half's size; the rest (others[2 * (half - 1)...]) bridge
    std::array<NodeIndex, kMaxNodes> one{}, two{};
    one[0] = first;
    two[0] = *second;
    for (int i = 1; i < half; ++i) {
      one[std::size_t(i)] = others[std::size_t(2 * (i - 1))];
      two[std::size_t(i)] = others[std::size_t(2 * (i - 1) + 1)];
    }
    for (int a = 0; a < half; ++a)
      for (int b = 0; b < half; ++b) {
        cut(one[std::size_t(a)], two[std::size_t(b)]);
        cut(two[std::size_t(b)], one[std::size_t(a)]);
      }
    heal_at_ = world.steps() + 20 + choices.below(81);
  }

  template <class Choices>
  std::optional<Event> client_to_coordinator(const World<P>& world, Choices& choices) const {
    std::uint32_t count = 0;
    for (int i = 0; i < world.node_count(); ++i) count += coordinates(world, NodeIndex(i));
    if (count == 0) return std::nullopt;
    std::uint32_t pick = choices.below(count);
    for (int i = 0; i < world.node_count(); ++i) {
      if (!coordinates(world, NodeIndex(i)) || pick-- != 0) continue;
      Event e;
      e.kind = EventKind::Client;
      e.node = NodeIndex(i);
      e.command = world.next_command();
      return e;
    }
    return std::nullopt;
  }

  // ---- PCT ------------------------------------------------------------------
  template <class Choices>
  void draw_priorities(const World<P>& world, Choices& choices, std::uint32_t depth) {
    const int n = world.node_count();
    std::array<std::uint8_t, kMaxNodes * kMaxNodes> order{};
    int channels = 0;
    for (int c = 0; c < n * n; ++c)
      if (c / n != c % n) order[std::size_t(channels++)] = std::uint8_t(c);
    for (int i = channels - 1; i > 0; --i)  // Fisher-Yates
      std::swap(order[std::size_t(i)], order[choices.below(std::uint32_t(i + 1))]);
    for (int rank = 0; rank < channels; ++rank) {
      const int c = order[std::size_t(rank)];
      priority_[std::size_t(c / n)][std::size_t(c % n)] = std::int16_t(channels - rank);  // higher first
    }
    lowest_ = 0;
    const std::uint32_t span = std::max<std::uint32_t>(world.budgets().steps, 1);
    for (std::uint32_t k = 1; k < depth && change_points_.size() < change_points_.capacity(); ++k)
      change_points_.push_back(1 + choices.below(span));
    std::sort(change_points_.begin(), change_points_.end());
  }

  Event pct_delivery(const World<P>& world) {
    const typename World<P>::InFlight* best = nullptr;
    for (const auto& m : world.in_flight())
      if (world.deliverable(m) && (!best || priority_[m.id.from][m.id.to] > priority_[best->id.from][best->id.to]))
        best = &m;
    Event e;
    e.kind = EventKind::Deliver;
    e.message = best->id;  // choose_kind picked Deliver: one is deliverable
    if (next_change_ < change_points_.size() && world.steps() + 1 >= change_points_[next_change_]) {
      priority_[best->id.from][best->id.to] = --lowest_;
      while (next_change_ < change_points_.size() && world.steps() + 1 >= change_points_[next_change_]) ++next_change_;
    }
    return e;
  }

  Profile profile_;
  bool struck_ = false;  // usurp-after-append or duel has struck (each strikes once per run)
  std::uint32_t aim_percent_ = 0;
  boost::container::static_vector<Event, kPlanCapacity> plan_;
  std::size_t plan_next_ = 0;
  boost::container::static_vector<Event, kMaxNodes * kMaxNodes> heals_;
  std::uint32_t heal_at_ = 0;
  Event last_{};
  std::uint32_t last_commands_left_ = 0;
  std::array<std::array<std::int16_t, kMaxNodes>, kMaxNodes> priority_{};
  std::int16_t lowest_ = 0;
  boost::container::static_vector<std::uint32_t, kMaxPctDepth> change_points_;
  std::size_t next_change_ = 0;
};

}  // namespace skiff
