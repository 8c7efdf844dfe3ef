// Fault profiles (checker/aim.hpp): a uniform run is what it was before
// profiles; every profile is deterministic; traces written under a profile
// replay and shrink like any other; the aimed profiles really aim; correct
// protocols show nothing under any profile.
#include <gtest/gtest.h>

#include <array>
#include <bit>
#include <string>
#include <vector>

#include "checker/driver.hpp"
#include "checker/explore.hpp"
#include "invariants/paxos_invariants.hpp"
#include "invariants/raft_invariants.hpp"
#include "protocols/paxos/paxos.hpp"
#include "protocols/raft/raft.hpp"
#include "tests/sanitizers.hpp"

namespace skiff {
namespace {

using Raft = raft::Protocol;
using RaftInvariants = invariants::RaftInvariants;

AimConfig aim(Profile profile, std::uint32_t depth = kDefaultPctDepth) {
  AimConfig config;
  config.profile = profile;
  config.pct_depth = depth;
  return config;
}

std::vector<Profile> all_profiles() {
  std::vector<Profile> all;
  for (int p = 0; p < kProfiles; ++p) all.push_back(Profile(p));
  return all;
}

// The scheduler as it was before profiles: swarm, then choose_event.
std::vector<Event> reference_run(Simulation<Raft, RaftInvariants>& sim, std::uint64_t seed) {
  sim.reset();
  SeededChoices choices(seed);
  const Swarm swarm = draw_swarm(choices);
  std::vector<Event> events;
  while (auto e = choose_event(sim.world(), choices, swarm)) {
    events.push_back(*e);
    if (sim.step(*e)) break;
  }
  return events;
}

bool same(const std::vector<Event>& a, const std::vector<Event>& b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i)
    if (a[i].kind != b[i].kind || a[i].node != b[i].node || a[i].peer != b[i].peer || a[i].timer != b[i].timer ||
        a[i].command != b[i].command || !(a[i].message == b[i].message))
      return false;
  return true;
}

TEST(Profiles, UniformRunsAreTheSchedulersOwn) {
  Simulation<Raft, RaftInvariants> sim(3, raft::Options{}, Budgets{});
  std::vector<Event> events;
  for (std::uint64_t seed = 1; seed <= 50; ++seed) {
    run_seed(sim, seed, events);
    EXPECT_TRUE(same(events, reference_run(sim, seed))) << "seed " << seed;
  }
}

TEST(Profiles, EveryProfileIsDeterministicAndDiffersFromUniform) {
  Simulation<Raft, RaftInvariants> sim(5, raft::Options{}, Budgets{});
  for (Profile profile : all_profiles()) {
    SCOPED_TRACE(std::string(profile_name(profile)));
    int different = 0;
    for (std::uint64_t seed = 1; seed <= 20; ++seed) {
      std::vector<Event> first, second, uniform;
      run_seed(sim, seed, first, aim(profile));
      run_seed(sim, seed, second, aim(profile));
      run_seed(sim, seed, uniform);
      EXPECT_TRUE(same(first, second)) << "seed " << seed;
      different += !same(first, uniform);
    }
    if (profile != Profile::Uniform) {
      EXPECT_GT(different, 10);
    }
  }
}

// Explore's outcome under a profile does not depend on the thread count.
TEST(Profiles, ExploreIsTheSameOnOneAndTwoThreads) {
  for (Profile profile : {Profile::Mix, Profile::Pct, Profile::MinorityPartition}) {
    ExploreConfig config;
    config.bugs = {"commit-previous-term"};
    config.runs = test_support::scaled_for_sanitizers(3000);
    config.keep_going = true;
    config.aim = aim(profile);
    const ExploreOutcome one = explore_seeds<Raft, RaftInvariants>(config);
    config.jobs = 2;
    const ExploreOutcome two = explore_seeds<Raft, RaftInvariants>(config);
    EXPECT_EQ(one.events, two.events);
    ASSERT_EQ(one.found.size(), two.found.size());
    ASSERT_FALSE(one.found.empty()) << profile_name(profile);
    for (std::size_t i = 0; i < one.found.size(); ++i) {
      EXPECT_EQ(one.found[i].seed, two.found[i].seed);
      EXPECT_TRUE(same(one.found[i].events, two.found[i].events));
    }
  }
}

// A finding under each profile is an ordinary trace: it replays to the same
// violation and shrinks to a trace that still violates it.
TEST(Profiles, FindingsReplayAndShrink) {
  const ProtocolDriver& driver = *find_protocol("raft");
  for (Profile profile : all_profiles()) {
    SCOPED_TRACE(std::string(profile_name(profile)));
    ExploreConfig config;
    config.bugs = {"commit-previous-term"};
    config.runs = 20000;
    config.jobs = 2;
    config.aim = aim(profile);
    const ExploreOutcome outcome = driver.explore(config);
    ASSERT_FALSE(outcome.found.empty());
    const FoundRun& found = outcome.found.front();
    TraceHeader header{"raft", 3, config.bugs, found.seed, config.budgets};
    const Trace trace = driver.make_trace(header, found.events);
    ASSERT_TRUE(trace.violation);
    EXPECT_EQ(trace.violation->invariant, found.violation.invariant);
    const Trace reread = parse_trace(format_trace(trace), "t.trace");
    const ReplayReport replay = driver.replay(reread, "t.trace", nullptr);
    EXPECT_FALSE(replay.divergence);
    ASSERT_TRUE(replay.violation);
    EXPECT_EQ(replay.violation->explanation, trace.violation->explanation);
    ShrinkStats stats;
    const Trace shrunk = driver.shrink(reread, "t.trace", stats);
    ASSERT_TRUE(shrunk.violation);
    EXPECT_EQ(shrunk.violation->invariant, trace.violation->invariant);
    EXPECT_LE(shrunk.events.size(), trace.events.size());
    EXPECT_TRUE(driver.replay(parse_trace(format_trace(shrunk), "s.trace"), "s.trace", nullptr).violation);
  }
}

// crash-after-append crashes a leader right after it accepts a command (after
// dropping some of what it sent);
// isolate-after-append cuts its links; client-to-coordinator sends every
// command to a leader when there is one.
TEST(Profiles, AimedProfilesStrikeTheLeaderRightAfterItAppends) {
  Simulation<Raft, RaftInvariants> sim(5, raft::Options{}, Budgets{});
  int crashes = 0, cuts = 0;
  for (std::uint64_t seed = 1; seed <= 100; ++seed) {
    for (Profile profile : {Profile::CrashAfterAppend, Profile::IsolateAfterAppend}) {
      std::vector<Event> events;
      sim.reset();
      SeededChoices choices(seed);
      const Swarm swarm = draw_swarm(choices);
      Aimer<Raft> aimer(aim(profile), sim.world(), choices);
      bool appended = false;
      NodeIndex leader = 0;
      while (auto e = aimer.choose(sim.world(), choices, swarm)) {
        const std::uint32_t before = sim.world().remaining().commands;
        const bool leads = !sim.world().crashed(e->node) && sim.world().node(e->node).is_leader();
        if (appended && e->kind == EventKind::Crash && e->node == leader) ++crashes;
        if (appended && e->kind == EventKind::Cut && e->node == leader) ++cuts;
        if (sim.step(*e)) break;
        if (appended && e->kind == EventKind::Drop && e->message.from == leader) continue;  // part of the plan
        appended = e->kind == EventKind::Client && leads && sim.world().remaining().commands < before;
        leader = e->node;
      }
    }
  }
  EXPECT_GT(crashes, 20);
  EXPECT_GT(cuts, 20);
}

// usurp-after-append strikes at most once per run: right after a leader
// appends, it cuts the leader's links both ways and then fires the timer of
// another node.
TEST(Profiles, UsurpIsolatesTheLeaderOnceAndFiresARivalsTimer) {
  Simulation<Raft, RaftInvariants> sim(5, raft::Options{}, Budgets{});
  int strikes = 0;
  for (std::uint64_t seed = 1; seed <= 100; ++seed) {
    sim.reset();
    SeededChoices choices(seed);
    const Swarm swarm = draw_swarm(choices);
    Aimer<Raft> aimer(aim(Profile::UsurpAfterAppend), sim.world(), choices);
    std::vector<Event> events;
    std::vector<std::size_t> appends;  // where a leader accepted a command
    while (auto e = aimer.choose(sim.world(), choices, swarm)) {
      const std::uint32_t before = sim.world().remaining().commands;
      const bool leads = !sim.world().crashed(e->node) && sim.world().node(e->node).is_leader();
      events.push_back(*e);
      if (sim.step(*e)) break;
      if (e->kind == EventKind::Client && leads && sim.world().remaining().commands < before)
        appends.push_back(events.size());
    }
    int struck_here = 0;
    for (std::size_t at : appends) {
      std::size_t i = at;
      const NodeIndex leader = events[at - 1].node;
      int cut_out = 0, cut_in = 0;
      for (; i < events.size() && events[i].kind == EventKind::Cut; ++i) {
        cut_out += events[i].node == leader;
        cut_in += events[i].peer == leader;
      }
      // A strike cuts what is still up of the leader's links (some may be down
      // already); a lone cut after an append may be the swarm's own.
      if (i - at < 2) continue;
      ++struck_here;
      EXPECT_EQ(cut_out + cut_in, int(i - at)) << "seed " << seed << ": a cut not touching the leader";
      ASSERT_LT(i, events.size()) << "seed " << seed;
      EXPECT_EQ(events[i].kind, EventKind::Timer) << "seed " << seed;
      EXPECT_NE(events[i].node, leader) << "seed " << seed;
    }
    EXPECT_LE(struck_here, 1) << "seed " << seed;
    strikes += struck_here;
  }
  EXPECT_GT(strikes, 20);
}

// duel strikes at most once per run: right after a node that does not lead
// fires its timer, another such node's timer fires, then cuts split the
// cluster into two halves joined by one bridge node (5 nodes: 2 + 1 + 2),
// the two racers on opposite halves; the links heal later.
TEST(Profiles, DuelRacesTwoProposersAcrossABridge) {
  using MultiPaxos = paxos::MultiPaxos;
  Simulation<MultiPaxos, invariants::PaxosInvariants> sim(5, MultiPaxos::Options{}, Budgets{});
  int strikes = 0, healed = 0;
  for (std::uint64_t seed = 1; seed <= 100; ++seed) {
    sim.reset();
    SeededChoices choices(seed);
    const Swarm swarm = draw_swarm(choices);
    Aimer<MultiPaxos> aimer(aim(Profile::Duel), sim.world(), choices);
    std::vector<Event> events;
    std::vector<bool> idle_timer;  // events[i] was a timer of a node that did not lead
    int struck_here = 0;
    std::size_t cuts_end = 0;
    while (auto e = aimer.choose(sim.world(), choices, swarm)) {
      idle_timer.push_back(e->kind == EventKind::Timer && !sim.world().node(e->node).is_leader());
      events.push_back(*e);
      if (sim.step(*e)) break;
      const std::size_t i = events.size() - 1;
      // A strike: eight cuts in a row right after two idle timers of two nodes.
      if (i < 9 || !idle_timer[i - 9] || !idle_timer[i - 8] || events[i - 9].node == events[i - 8].node) continue;
      bool eight_cuts = true;
      for (std::size_t k = i - 7; k <= i; ++k) eight_cuts &= events[k].kind == EventKind::Cut;
      if (!eight_cuts) continue;
      ++struck_here;
      cuts_end = events.size();
      // The eight cuts: every link between {first, a} and {second, b}, both
      // ways, the racers' own link first; the fifth node (the bridge) keeps
      // all its links.
      const NodeIndex first = events[i - 9].node, second = events[i - 8].node;
      EXPECT_EQ(events[i - 7].node, first) << "seed " << seed;
      EXPECT_EQ(events[i - 7].peer, second) << "seed " << seed;
      std::array<std::array<bool, 5>, 5> cut{};
      unsigned touched = 0;
      for (std::size_t k = i - 7; k <= i; ++k) {
        cut[events[k].node][events[k].peer] = true;
        touched |= 1u << events[k].node | 1u << events[k].peer;
      }
      EXPECT_EQ(std::popcount(touched), 4) << "seed " << seed << ": not one bridge node";
      int first_side = 0, second_side = 0;
      for (int a = 0; a < 5; ++a) {
        if (!(touched >> a & 1u)) continue;
        int cut_to = 0;
        for (int b = 0; b < 5; ++b) {
          EXPECT_EQ(cut[a][b], cut[b][a]) << "seed " << seed << ": a one-way cut";
          cut_to += cut[a][b];
        }
        EXPECT_EQ(cut_to, 2) << "seed " << seed << ": node " << a << " keeps no majority";
        first_side += !cut[a][first] && a != first;
        second_side += !cut[a][second] && a != second;
      }
      EXPECT_TRUE(cut[first][second] && cut[second][first]) << "seed " << seed;
      EXPECT_EQ(first_side, 1) << "seed " << seed;
      EXPECT_EQ(second_side, 1) << "seed " << seed;
    }
    EXPECT_LE(struck_here, 1) << "seed " << seed;
    strikes += struck_here;
    if (struck_here && cuts_end) {
      int heals = 0;
      for (std::size_t k = cuts_end; k < events.size(); ++k) heals += events[k].kind == EventKind::Heal;
      healed += heals >= 8;
    }
  }
  EXPECT_GT(strikes, 20);
  EXPECT_GT(healed, 10);
}

// duel finds the seeded Multi-Paxos bug that needs two leaders of one round
// (compare-rounds-only) at 5 nodes, where uniform needs a median of 1,547
// runs (BENCHMARKS.md).
TEST(Profiles, DuelFindsCompareRoundsOnlyAtFiveNodes) {
  ExploreConfig config;
  config.nodes = 5;
  config.bugs = {"compare-rounds-only"};
  config.runs = 3000;
  config.aim = aim(Profile::Duel);
  const ExploreOutcome outcome = explore_seeds<paxos::MultiPaxos, invariants::PaxosInvariants>(config);
  ASSERT_FALSE(outcome.found.empty());
  EXPECT_LE(outcome.runs, 1000u);
}

TEST(Profiles, ClientCommandsGoToTheLeader) {
  Simulation<Raft, RaftInvariants> sim(5, raft::Options{}, Budgets{});
  int to_leader = 0, elsewhere_with_leader = 0;
  for (std::uint64_t seed = 1; seed <= 100; ++seed) {
    sim.reset();
    SeededChoices choices(seed);
    const Swarm swarm = draw_swarm(choices);
    Aimer<Raft> aimer(aim(Profile::ClientToCoordinator), sim.world(), choices);
    while (auto e = aimer.choose(sim.world(), choices, swarm)) {
      if (e->kind == EventKind::Client) {
        bool any_leader = false;
        for (int i = 0; i < 5; ++i)
          any_leader |= !sim.world().crashed(NodeIndex(i)) && sim.world().node(NodeIndex(i)).is_leader();
        if (sim.world().node(e->node).is_leader()) ++to_leader;
        else if (any_leader) ++elsewhere_with_leader;
      }
      if (sim.step(*e)) break;
    }
  }
  EXPECT_GT(to_leader, 100);
  EXPECT_EQ(elsewhere_with_leader, 0);
}

// PCT: depth 1 never changes priorities, so deliveries follow one fixed
// order of channels; a deeper run changes them and so differs.
TEST(Profiles, PctDepthChangesTheSchedule) {
  Simulation<Raft, RaftInvariants> sim(3, raft::Options{}, Budgets{});
  int different = 0;
  for (std::uint64_t seed = 1; seed <= 30; ++seed) {
    std::vector<Event> shallow, deep;
    run_seed(sim, seed, shallow, aim(Profile::Pct, 1));
    run_seed(sim, seed, deep, aim(Profile::Pct, 8));
    different += !same(shallow, deep);
  }
  EXPECT_GT(different, 5);
}

template <class P, class Invariants>
void expect_nothing_under_every_profile(int nodes, std::uint64_t runs) {
  runs = test_support::scaled_for_sanitizers(runs);
  for (Profile profile : all_profiles()) {
    ExploreConfig config;
    config.nodes = nodes;
    config.runs = runs;
    config.jobs = 2;
    config.aim = aim(profile);
    const ExploreOutcome outcome = explore_seeds<P, Invariants>(config);
    EXPECT_EQ(outcome.runs, runs);
    EXPECT_TRUE(outcome.found.empty()) << P::name << " " << profile_name(profile) << ": seed "
                                       << outcome.found[0].seed << ": " << outcome.found[0].violation.explanation;
  }
}

TEST(Profiles, CorrectProtocolsShowNothingUnderAnyProfile) {
  expect_nothing_under_every_profile<Raft, RaftInvariants>(3, 1500);
  expect_nothing_under_every_profile<Raft, RaftInvariants>(5, 600);
  expect_nothing_under_every_profile<paxos::SingleDecree, invariants::PaxosInvariants>(3, 1000);
  expect_nothing_under_every_profile<paxos::MultiPaxos, invariants::PaxosInvariants>(3, 1000);
  expect_nothing_under_every_profile<paxos::MultiPaxos, invariants::PaxosInvariants>(5, 500);
  expect_nothing_under_every_profile<paxos::SerialMultiPaxos, invariants::SerialMultiPaxosInvariants>(3, 1000);
}

}  // namespace
}  // namespace skiff

#ifdef SKIFF_HAVE_LIBRAFT
namespace skiff {
namespace {

// libraft's timeout-now variant: one event, and a follower stands for election.
TEST(LibraftTimeoutNow, OneEventStartsAnElection) {
  const ProtocolDriver& driver = *find_protocol("libraft-stable-disk");
  const Trace trace = parse_trace(
      "skiff-trace 1\nprotocol libraft-stable-disk\nnodes 3\nbugs -\nvariants timeout-now\nseed 1\n"
      "budgets steps=300 drops=30 duplicates=30 crashes=4 link-changes=10 commands=6\nevents\n"
      "timer 2 timeout-now\nno-violation\nend\n",
      "t.trace");
  std::vector<std::string> after;
  const ReplayReport report =
      driver.replay(trace, "t.trace", [&](const TraceEvent&, const std::vector<std::string>& states) { after = states; });
  EXPECT_FALSE(report.divergence) << report.divergence->reason;
  ASSERT_EQ(after.size(), 3u);
  EXPECT_NE(after[1].find("candidate"), std::string::npos) << after[1];
  EXPECT_EQ(after[0].find("candidate"), std::string::npos) << after[0];
  // Without the variant there is no such timer.
  const Trace plain = parse_trace(
      "skiff-trace 1\nprotocol libraft-stable-disk\nnodes 3\nbugs -\nseed 1\n"
      "budgets steps=300 drops=30 duplicates=30 crashes=4 link-changes=10 commands=6\nevents\n"
      "timer 2 timeout-now\nno-violation\nend\n",
      "p.trace");
  EXPECT_TRUE(driver.replay(plain, "p.trace", nullptr).divergence);
}

}  // namespace
}  // namespace skiff
#endif
