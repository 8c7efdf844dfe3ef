// libraft's variants beyond timeout-now (protocols/libraft/libraft_node.hpp):
// the library's own pre-vote, a disk that heals after an I/O error, and
// writes that land on the disk before the library hears they completed.
// Each is off by default, so a run without it is the run it always was.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "checker/driver.hpp"
#include "checker/simulation.hpp"
#include "checker/world.hpp"
#include "invariants/libraft_invariants.hpp"
#include "protocols/libraft/libraft.hpp"

namespace skiff {
namespace {

using LNode = libraft::Node;

template <class P>
class Cluster {
 public:
  explicit Cluster(typename P::Options options) : sim_(3, options, Budgets{100000, 0, 0, 10, 0, 10}) {}

  const World<P>& world() const { return sim_.world(); }
  const LNode& node(int i) const { return world().node(NodeIndex(i)); }
  bool armed(int i, TimerId t) const { return world().armed_timers(NodeIndex(i)) & (1u << t); }

  void apply(const Event& e) {
    ASSERT_EQ(world().why_not_enabled(e), nullptr);
    auto violation = sim_.step(e);
    ASSERT_FALSE(violation) << violation->invariant << ": " << violation->explanation;
  }
  void timer(int i, TimerId t) {
    Event e;
    e.kind = EventKind::Timer;
    e.node = NodeIndex(i);
    e.timer = t;
    apply(e);
  }
  void node_event(EventKind kind, int i, Command command = 0) {
    Event e;
    e.kind = kind;
    e.node = NodeIndex(i);
    e.command = command;
    apply(e);
  }
  // Fault-free steps until node `i` leads: the oldest deliverable message,
  // else a pending disk write, else a tick of node i.
  bool elect(int i) {
    for (int step = 0; step < 2000 && !node(i).is_leader(); ++step) {
      if (testing::Test::HasFatalFailure()) return false;
      bool done = false;
      for (const auto& m : world().in_flight())
        if (world().deliverable(m)) {
          Event e;
          e.kind = EventKind::Deliver;
          e.message = m.id;
          apply(e);
          done = true;
          break;
        }
      for (int n = 0; n < 3 && !done; ++n)
        if (!world().crashed(NodeIndex(n)) && armed(n, LNode::kDiskWrite)) {
          timer(n, LNode::kDiskWrite);
          done = true;
        }
      if (!done) timer(i, LNode::kTick);
    }
    return node(i).is_leader();
  }

 private:
  Simulation<P, invariants::LibraftInvariants> sim_;
};

libraft::Options with(std::string_view variant) {
  libraft::Options options;
  EXPECT_EQ(options.enable_variant(variant, 3), "");
  return options;
}

TEST(LibraftVariants, ListedAndNamedBack) {
  std::vector<std::string> names;
  for (const BugInfo& v : libraft::variant_table()) names.emplace_back(v.name);
  EXPECT_EQ(names, (std::vector<std::string>{"timeout-now", "pre-vote", "disk-heals", "writes-land-early"}));
  libraft::Options options;
  for (const std::string& name : names) EXPECT_EQ(options.enable_variant(name, 3), "");
  EXPECT_EQ(options.enabled_variants(), names);
  EXPECT_NE(options.enable_variant("pre-votes", 3), "");
}

// With pre-vote, a node whose election timer fires asks first, at its
// current term: it becomes a candidate without raising its term, and what
// it sends is a pre-vote request. Without it, the term rises at once.
TEST(LibraftVariants, PreVoteAsksBeforeRaisingTheTerm) {
  for (bool pre_vote : {false, true}) {
    libraft::Options options = with("timeout-now");
    if (pre_vote) EXPECT_EQ(options.enable_variant("pre-vote", 3), "");
    Cluster<libraft::StableDiskProtocol> c(options);
    c.timer(1, LNode::kTimeoutNow);
    EXPECT_EQ(c.node(1).role(), libraft::Role::Candidate);
    EXPECT_EQ(c.node(1).term(), pre_vote ? 1u : 2u);
    ASSERT_FALSE(c.world().in_flight().empty());
    for (const auto& m : c.world().in_flight()) EXPECT_EQ(m.message.pre_vote, pre_vote);
  }
}

// Without disk-heals a failed disk refuses writes until a restart; with it,
// a disk-heal event (armed only while the disk refuses) lets the next write
// through.
TEST(LibraftVariants, DiskHealsTakesWritesAgain) {
  for (bool heals : {false, true}) {
    Cluster<libraft::Protocol> c(heals ? with("disk-heals") : libraft::Options{});
    ASSERT_TRUE(c.elect(0));
    c.node_event(EventKind::Client, 0, 5);
    ASSERT_EQ(c.node(0).pending_writes(), 1u);
    EXPECT_FALSE(c.armed(0, LNode::kDiskHeal));
    c.timer(0, LNode::kDiskFail);
    EXPECT_EQ(c.node(0).pending_writes(), 0u);
    EXPECT_EQ(c.armed(0, LNode::kDiskHeal), heals);
    if (!heals) continue;
    c.timer(0, LNode::kDiskHeal);
    EXPECT_FALSE(c.armed(0, LNode::kDiskHeal));
    const std::size_t stored = c.node(0).durable_log().size();
    if (!c.node(0).is_leader()) continue;  // the library may have stepped down on the error
    c.node_event(EventKind::Client, 0, 6);
    ASSERT_EQ(c.node(0).pending_writes(), 1u);
    c.timer(0, LNode::kDiskWrite);
    EXPECT_EQ(c.node(0).durable_log().size(), stored + 1);
  }
}

// A write that landed is on the disk although its callback has not run; a
// crash keeps it (and loses, whole, the write that had not landed), and the
// restarted node loads it.
TEST(LibraftVariants, AWriteThatLandedSurvivesACrash) {
  Cluster<libraft::StableDiskProtocol> c(with("writes-land-early"));
  ASSERT_TRUE(c.elect(0));
  const std::size_t stored = c.node(0).durable_log().size();
  c.node_event(EventKind::Client, 0, 5);
  c.node_event(EventKind::Client, 0, 6);
  ASSERT_EQ(c.node(0).pending_writes(), 2u);
  ASSERT_TRUE(c.armed(0, LNode::kDiskLand));
  c.timer(0, LNode::kDiskLand);
  EXPECT_EQ(c.node(0).durable_log().size(), stored + 1);
  EXPECT_EQ(c.node(0).durable_log().back().command, 5u);
  EXPECT_EQ(c.node(0).pending_writes(), 2u);  // the library has not heard
  c.node_event(EventKind::Crash, 0);
  EXPECT_EQ(c.node(0).durable_log().size(), stored + 1);
  c.node_event(EventKind::Restart, 0);
  ASSERT_EQ(c.node(0).log().size(), stored + 1);
  EXPECT_EQ(c.node(0).log().back().command, 5u);
}

// Off by default: without the variants the new timers are never armed, so
// every seed runs as before the variants existed.
TEST(LibraftVariants, OffByDefault) {
  Cluster<libraft::Protocol> c(libraft::Options{});
  ASSERT_TRUE(c.elect(0));
  c.node_event(EventKind::Client, 0, 5);
  for (int i = 0; i < 3; ++i) {
    EXPECT_FALSE(c.armed(i, LNode::kDiskLand));
    EXPECT_FALSE(c.armed(i, LNode::kDiskHeal));
    EXPECT_FALSE(c.armed(i, LNode::kTimeoutNow));
  }
}

}  // namespace
}  // namespace skiff
