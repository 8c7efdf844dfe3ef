// The Raft invariants fire on hand-built views (so none is vacuous), and do
// not fire on their near misses. A view here is a stand-in world: per node
// its role, term, log, commit index and applied commands, set directly; after
// each change the invariants are checked with the changed node as `touched`,
// as the simulation does. docs/adding-an-invariant.md starts a new Raft
// invariant's tests from this file.
#include <gtest/gtest.h>

#include <optional>
#include <span>
#include <string>
#include <vector>

#include "invariants/election_safety.hpp"
#include "invariants/leader_append_only.hpp"
#include "invariants/leader_completeness.hpp"
#include "invariants/log_matching.hpp"
#include "invariants/state_machine_safety.hpp"
#include "protocols/raft/raft_message.hpp"

namespace skiff::invariants {
namespace {

using raft::Entry;
using raft::Term;

// What the Raft invariants read of a node (protocols/raft/raft_node.hpp has
// the same functions on the real node).
struct FakeRaftNode {
  bool leader = false;
  Term current_term = 0;
  std::vector<Entry> entries;
  std::uint32_t commit = 0;      // 1-based, 0: nothing committed
  std::vector<Command> applied_commands;

  bool is_leader() const { return leader; }
  Term term() const { return current_term; }
  std::span<const Entry> log() const { return entries; }
  std::uint32_t commit_index() const { return commit; }
  std::span<const Command> applied() const { return applied_commands; }
};

struct FakeRaftWorld {
  std::vector<FakeRaftNode> nodes = std::vector<FakeRaftNode>(3);

  int node_count() const { return int(nodes.size()); }
  const FakeRaftNode& node(NodeIndex i) const { return nodes[i]; }
};

// Changes node n, then checks `invariant` as after an event at n.
template <class Invariant, class Change>
std::optional<std::string> at(Invariant& invariant, FakeRaftWorld& world, NodeIndex n, Change change) {
  change(world.nodes[n]);
  return invariant.check(world, n);
}

TEST(RaftInvariant, ElectionSafetyFiresOnASecondLeaderOfOneTerm) {
  ElectionSafety safety;
  FakeRaftWorld world;
  EXPECT_FALSE(at(safety, world, 0, [](FakeRaftNode& n) { n.leader = true, n.current_term = 2; }));
  EXPECT_FALSE(at(safety, world, 0, [](FakeRaftNode& n) { n.leader = false; }));  // stepped down: still term 2's
  EXPECT_FALSE(at(safety, world, 1, [](FakeRaftNode& n) { n.leader = true, n.current_term = 3; }));  // another term
  const auto violation = at(safety, world, 2, [](FakeRaftNode& n) { n.leader = true, n.current_term = 2; });
  ASSERT_TRUE(violation);
  EXPECT_EQ(*violation, "nodes 1 and 3 were both leader in term 2");
}

TEST(RaftInvariant, LeaderAppendOnlyFiresWhenALeaderOverwritesOrDeletes) {
  LeaderAppendOnly append_only;
  FakeRaftWorld world;
  EXPECT_FALSE(at(append_only, world, 0, [](FakeRaftNode& n) {
    n.leader = true, n.current_term = 1, n.entries = {{1, 1}};
  }));
  EXPECT_FALSE(at(append_only, world, 0, [](FakeRaftNode& n) { n.entries.push_back({1, 2}); }));  // appends
  const auto overwrote = at(append_only, world, 0, [](FakeRaftNode& n) { n.entries[0] = {1, 5}; });
  ASSERT_TRUE(overwrote);
  EXPECT_EQ(*overwrote, "leader 1 of term 1 overwrote its entry 1 (1:1)");
  LeaderAppendOnly fresh;
  FakeRaftWorld other;
  EXPECT_FALSE(at(fresh, other, 1, [](FakeRaftNode& n) {
    n.leader = true, n.current_term = 2, n.entries = {{2, 1}};
  }));
  const auto deleted = at(fresh, other, 1, [](FakeRaftNode& n) { n.entries.clear(); });
  ASSERT_TRUE(deleted);
  EXPECT_EQ(*deleted, "leader 2 of term 2 deleted its entry 1 (2:1)");
}

TEST(RaftInvariant, LogMatchingFiresWhenLogsAgreeAtAnEntryButNotBeforeIt) {
  LogMatching matching;
  FakeRaftWorld world;
  EXPECT_FALSE(at(matching, world, 0, [](FakeRaftNode& n) { n.entries = {{1, 1}, {2, 2}}; }));
  EXPECT_FALSE(at(matching, world, 1, [](FakeRaftNode& n) { n.entries = {{1, 1}, {3, 5}}; }));  // differ at 2 only
  const auto violation = at(matching, world, 2, [](FakeRaftNode& n) { n.entries = {{1, 9}, {2, 2}}; });
  ASSERT_TRUE(violation);
  EXPECT_EQ(*violation,
            "nodes 3 and 1 both hold an entry of term 2 at index 2, but differ at index 1 (1:9 against 1:1)");
}

TEST(RaftInvariant, LeaderCompletenessFiresOnALeaderWithoutAnEarlierCommittedEntry) {
  LeaderCompleteness completeness;
  FakeRaftWorld world;
  EXPECT_FALSE(at(completeness, world, 0, [](FakeRaftNode& n) {
    n.leader = true, n.current_term = 1, n.entries = {{1, 7}}, n.commit = 1;
  }));
  // A leader of the same term need not hold it; one of a later term must.
  EXPECT_FALSE(at(completeness, world, 1, [](FakeRaftNode& n) { n.current_term = 2, n.entries = {{1, 7}}; }));
  EXPECT_FALSE(at(completeness, world, 1, [](FakeRaftNode& n) { n.leader = true; }));
  const auto violation = at(completeness, world, 2, [](FakeRaftNode& n) {
    n.leader = true, n.current_term = 3, n.entries = {{2, 4}};
  });
  ASSERT_TRUE(violation);
  EXPECT_EQ(*violation, "leader 3 of term 3 lacks entry 1 (1:7) committed in term 1; it holds 2:4 there");
}

TEST(RaftInvariant, StateMachineSafetyFiresOnTwoCommandsAppliedAtOneIndex) {
  StateMachineSafety safety;
  FakeRaftWorld world;
  EXPECT_FALSE(at(safety, world, 0, [](FakeRaftNode& n) { n.applied_commands = {1, 2}; }));
  EXPECT_FALSE(at(safety, world, 1, [](FakeRaftNode& n) { n.applied_commands = {1}; }));
  const auto violation = at(safety, world, 2, [](FakeRaftNode& n) { n.applied_commands = {1, 3}; });
  ASSERT_TRUE(violation);
  EXPECT_EQ(*violation, "node 3 applied command 3 at index 2, but node 1 applied command 2 there");
}

}  // namespace
}  // namespace skiff::invariants
