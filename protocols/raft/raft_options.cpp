#include "protocols/raft/raft_options.hpp"

#include <fmt/format.h>

#include <algorithm>

namespace skiff::raft {

namespace {
constexpr BugInfo kBugs[] = {
    {"commit-previous-term",
     "a leader commits an entry of an earlier term by counting replicas (Figure 8)"},
    {"vote-without-log-check",
     "a vote is granted without checking that the candidate's log is up to date"},
    {"up-to-date-by-index-only",
     "the up-to-date check compares last log index only, not last log term"},
    {"forget-vote-on-restart", "votedFor is not durable: a restarted node may vote twice in a term"},
    {"truncate-on-stale-append",
     "a follower truncates its log after prevLogIndex on every AppendEntries, even when entries match"},
    {"commit-to-leader-commit",
     "a follower sets commitIndex to leaderCommit, not min(leaderCommit, index of last new entry)"},
    {"count-duplicate-votes", "a candidate counts vote messages, not distinct voters"},
    {"accept-stale-vote-reply", "a candidate counts a vote granted for an earlier term"},
    {"forget-term-on-restart", "currentTerm is not durable: a restarted node starts again from term 0"},
    {"ack-last-log-index",
     "a follower's success reply to AppendEntries names its last log index, not prevLogIndex + entries"},
    {"crash-on-stale-append-reply",
     "a leader that gets an AppendEntries reply of an earlier term crashes the process (SIGSEGV): node-survives"},
    {"throw-on-long-log",
     "a follower keeps its log in a buffer of 3 entries: AppendEntries that would grow it further throws "
     "std::length_error (node-survives)"},
    {"commit-to-last-log-index",
     "(deep) a follower sets commitIndex to min(leaderCommit, its last log index), not the last entry this "
     "leader sent: a stale suffix from an old leader gets committed"},
    {"commit-whole-log-on-restart",
     "(deep) a restarted node takes its whole log as committed (commitIndex = last log index) and applies it"},
    {"keep-suffix-on-conflict",
     "(deep) a follower overwrites a conflicting entry in place but keeps the entries after it (no truncation)"},
    {"ack-before-persist",
     "(deep) a follower acknowledges entries before they are durable: a crash loses those of its last "
     "AppendEntries"},
    {"config-change-before-term-commit",
     "(membership) a new leader starts a configuration change before an entry of its own term is committed "
     "(Ongaro, raft-dev 2015): an older uncommitted change and this one can have disjoint majorities"},
    {"concurrent-config-changes",
     "(membership) a leader starts a configuration change while its previous one is still uncommitted"},
    {"count-votes-of-old-config",
     "(membership) a candidate judges its votes against the majority of the boot configuration, not the latest "
     "configuration in its log"},
    {"transfer-to-lagging-node",
     "(transfer) a leader sends TimeoutNow at once, without first bringing the target's log up to its own"},
    {"snapshot-without-config",
     "(snapshot) a snapshot leaves out the configuration in effect at its last index: a node restored from it "
     "uses the boot configuration"},
    {"install-snapshot-discards-newer-entries",
     "(snapshot) a follower installing a snapshot discards the entries after it even when its entry at the "
     "snapshot's last index matches (Figure 13 says to keep them)"},
};
static_assert(std::size(kBugs) == std::size_t(Bug::Count));

constexpr BugInfo kVariants[] = {
    {"pre-vote",
     "a node asks whether it could win before raising its term; nodes that heard a leader since their "
     "election timer last fired refuse"},
    {"check-quorum",
     "a leader steps down when its check-quorum timer fires and it has not heard from a majority since the "
     "last firing"},
    {"passive", "passive=N,...: these nodes replicate and vote but never stand for election"},
    {"learner", "learner=N,...: these nodes replicate but neither vote nor stand (not in any majority)"},
    {"backoff",
     "after k failed elections in a row a node asks for an election timeout drawn from a window 2^k as wide "
     "(timed worlds; k at most 5)"},
    {"spare",
     "spare=N,...: these nodes start outside the cluster (in no configuration) until a membership change adds "
     "them"},
};
static_assert(std::size(kVariants) == std::size_t(Variant::Count));

constexpr AdminOperation kAdmin[] = {
    {"add-voter", "add-voter N: the leader adds node N to its configuration as a voter", true,
     AdminBudget::ConfigChanges},
    {"add-learner", "add-learner N: the leader adds node N to its configuration as a learner", true,
     AdminBudget::ConfigChanges},
    {"promote", "promote N: the leader makes learner N a voter", true, AdminBudget::ConfigChanges},
    {"remove", "remove N: the leader removes node N (a voter or a learner, itself too) from its configuration",
     true, AdminBudget::ConfigChanges},
    {"transfer", "transfer N: the leader hands leadership to voter N (TimeoutNow once N's log is up to date)",
     true, AdminBudget::Transfers},
    {"snapshot", "snapshot: the node compacts its applied prefix into a snapshot (last index and term, state, "
     "configuration)", false, AdminBudget::Snapshots},
};
static_assert(std::size(kAdmin) == std::size_t(AdminOp::Count));

// "3,4" -> node bits; "" and a message on success, or what is wrong.
std::string parse_node_set(std::string_view list, int node_count, NodeBits& nodes) {
  if (list.empty()) return "needs at least one node";
  while (!list.empty()) {
    const auto comma = list.find(',');
    const std::string_view item = list.substr(0, comma);
    list = comma == std::string_view::npos ? std::string_view{} : list.substr(comma + 1);
    if (comma != std::string_view::npos && list.empty()) return "has an empty node number";
    int value = 0;
    if (item.empty() || item.size() > 2) return fmt::format("has a bad node number '{}'", item);
    for (char c : item) {
      if (c < '0' || c > '9') return fmt::format("has a bad node number '{}'", item);
      value = value * 10 + (c - '0');
    }
    if (value < 1 || value > node_count)
      return fmt::format("names node {}, out of range (1 to {})", value, node_count);
    nodes |= NodeBits(1u << (value - 1));
  }
  return {};
}
}  // namespace

std::span<const BugInfo> bug_table() { return kBugs; }
std::span<const BugInfo> variant_table() { return kVariants; }
std::span<const AdminOperation> admin_table() { return kAdmin; }

std::string Options::enable_variant(std::string_view spec, int node_count) {
  const auto eq = spec.find('=');
  const std::string_view name = spec.substr(0, eq);
  std::size_t index = 0;
  while (index < std::size(kVariants) && kVariants[index].name != name) ++index;
  if (index == std::size(kVariants)) return fmt::format("unknown variant '{}' for protocol raft (see 'skiff list')", name);
  const Variant variant = Variant(index);
  const bool takes_nodes = variant == Variant::Passive || variant == Variant::Learner || variant == Variant::Spare;
  if (!takes_nodes && eq != std::string_view::npos)
    return fmt::format("variant '{}' takes no value", name);
  if (takes_nodes) {
    if (eq == std::string_view::npos) return fmt::format("variant '{}' needs its nodes: {}=N,...", name, name);
    NodeBits nodes = 0;
    std::string error = parse_node_set(spec.substr(eq + 1), node_count, nodes);
    if (!error.empty()) return fmt::format("variant '{}' {}", spec, error);
    NodeBits& set = variant == Variant::Passive ? passive : variant == Variant::Learner ? learners : spares;
    const NodeBits other = NodeBits((passive | learners | spares) & ~set);
    if (nodes & other)
      return fmt::format("variant '{}': a node can be only one of passive, learner and spare", spec);
    const NodeBits all = NodeBits((1u << node_count) - 1);
    if (((set | nodes | other) & all) == all)
      return fmt::format("variant '{}': no node would be left to stand for election", spec);
    set |= nodes;
  }
  variants |= std::uint8_t(1u << index);
  return {};
}

std::vector<std::string> Options::enabled_variants() const {
  std::vector<std::string> specs;
  auto list = [](NodeBits nodes) {
    std::string out;
    for (int i = 0; i < kMaxNodes; ++i)
      if (nodes & (1u << i)) out += fmt::format("{}{}", out.empty() ? "" : ",", i + 1);
    return out;
  };
  for (std::size_t i = 0; i < std::size(kVariants); ++i) {
    if (!has(Variant(i))) continue;
    std::string spec(kVariants[i].name);
    if (Variant(i) == Variant::Passive || Variant(i) == Variant::Learner || Variant(i) == Variant::Spare) {
      spec += '=';
      spec += list(Variant(i) == Variant::Passive ? passive : Variant(i) == Variant::Learner ? learners : spares);
    }
    specs.push_back(std::move(spec));
  }
  return specs;
}

std::string Options::set_initial_state(const InitialState& given, int node_count) {
  if (int(given.nodes.size()) > node_count)
    return fmt::format("nodes: {} nodes given, the cluster has {}", given.nodes.size(), node_count);
  auto resolved = std::make_shared<InitialState>(given);
  InitialState& state = *resolved;
  state.nodes.resize(std::size_t(node_count));
  const int leader = given.elected;
  const std::uint64_t term = std::uint64_t(std::max<std::int64_t>(given.elected_epoch, 0));
  if (leader >= 0) {
    if (leader >= node_count) return fmt::format("leader.node: node {} is out of range (1 to {})", leader + 1, node_count);
    if (given.elected_epoch < 1) return "leader.term: the leader's term must be at least 1";
    if (!may_stand(NodeIndex(leader)))
      return fmt::format("leader.node: node {} may not stand for election (passive, learner or spare)", leader + 1);
  }
  int voters = 0;
  for (int n = 0; n < node_count; ++n) voters += votes(NodeIndex(n));
  for (int n = 0; n < node_count; ++n) {
    InitialNodeState& node = state.nodes[std::size_t(n)];
    const std::string at = fmt::format("nodes.{}", n + 1);
    for (std::size_t i = 0; i < node.log.size(); ++i) {
      if (node.log[i] < 1) return fmt::format("{}.log: entry {} has term 0; terms start at 1", at, i + 1);
      if (i > 0 && node.log[i] < node.log[i - 1])
        return fmt::format("{}.log: entry {} has term {}, below entry {}'s {}", at, i + 1, node.log[i], i, node.log[i - 1]);
    }
    if (leader >= 0 && node.epoch > std::int64_t(term))
      return fmt::format("{}.term: {} is above the leader's term, {}", at, node.epoch, term);
    if (node.epoch < 0) node.epoch = leader >= 0 ? std::int64_t(term) : node.log.empty() ? 0 : std::int64_t(node.log.back());
    if (!node.log.empty() && std::uint64_t(node.epoch) < node.log.back())
      return fmt::format("{}.term: {} is below the term of its last entry, {}", at, node.epoch, node.log.back());
    if (node.voted_for >= node_count)
      return fmt::format("{}.vote: node {} is out of range (1 to {})", at, node.voted_for + 1, node_count);
    const bool follows = leader >= 0 && node.epoch == std::int64_t(term);
    if (n == leader && node.voted_for != -2 && node.voted_for != leader)
      return fmt::format("{}.vote: the leader of term {} voted for itself", at, term);
    if (node.voted_for == -2) node.voted_for = follows ? leader : -1;
    if (node.voted_for >= 0 && node.epoch == 0)
      return fmt::format("{}.vote: a node of term 0 has voted for nobody", at);
    node.log_given = true;
  }
  // Log Matching: two entries of the same index and term have the same entries before them.
  for (int a = 0; a < node_count; ++a)
    for (int b = a + 1; b < node_count; ++b) {
      const auto& x = state.nodes[std::size_t(a)].log;
      const auto& y = state.nodes[std::size_t(b)].log;
      std::size_t last_equal = 0;  // 1-based; 0: none
      for (std::size_t i = 0; i < std::min(x.size(), y.size()); ++i)
        if (x[i] == y[i]) last_equal = i + 1;
      for (std::size_t i = 0; i + 1 < last_equal; ++i)
        if (x[i] != y[i])
          return fmt::format("nodes.{}.log: entry {} has term {} as node {}'s does, but entry {} differs (Log Matching)",
                             b + 1, last_equal, y[last_equal - 1], a + 1, i + 1);
    }
  if (leader >= 0) {
    const auto& mine = state.nodes[std::size_t(leader)].log;
    const std::uint64_t last_term = mine.empty() ? 0 : std::uint64_t(mine.back());
    int voted = 0, behind = 0;
    for (int n = 0; n < node_count; ++n) {
      const InitialNodeState& node = state.nodes[std::size_t(n)];
      for (std::size_t i = 0; i < node.log.size(); ++i)
        if (node.log[i] >= term && (i >= mine.size() || mine[i] != node.log[i]))
          return fmt::format("nodes.{}.log: entry {} of term {} is not in the log of term {}'s leader, node {}", n + 1,
                             i + 1, node.log[i], term, leader + 1);
      if (!votes(NodeIndex(n))) continue;
      voted += node.epoch == std::int64_t(term) && node.voted_for == leader;
      const std::uint64_t their_last = node.log.empty() ? 0 : std::uint64_t(node.log.back());
      behind += their_last < last_term || (their_last == last_term && node.log.size() <= mine.size());
    }
    if (voted < voters / 2 + 1)
      return fmt::format("leader: only {} of {} voters voted for node {} in term {}; it needs a majority", voted, voters,
                         leader + 1, term);
    if (behind < voters / 2 + 1)
      return fmt::format("leader: node {}'s log is behind a majority's; it could not have been elected", leader + 1);
  }
  initial = std::move(resolved);
  return {};
}

bool Options::enable_bug(std::string_view name) { return enable_bug_in(kBugs, bugs, name); }

std::vector<std::string> Options::enabled_bugs() const { return bugs_named_in(kBugs, bugs); }

}  // namespace skiff::raft
