#include "protocols/raft/raft_options.hpp"

#include <fmt/format.h>

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
std::string parse_node_set(std::string_view list, int node_count, std::uint8_t& nodes) {
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
    nodes |= std::uint8_t(1u << (value - 1));
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
    std::uint8_t nodes = 0;
    std::string error = parse_node_set(spec.substr(eq + 1), node_count, nodes);
    if (!error.empty()) return fmt::format("variant '{}' {}", spec, error);
    std::uint8_t& set = variant == Variant::Passive ? passive : variant == Variant::Learner ? learners : spares;
    const std::uint8_t other = std::uint8_t((passive | learners | spares) & ~set);
    if (nodes & other)
      return fmt::format("variant '{}': a node can be only one of passive, learner and spare", spec);
    const std::uint8_t all = std::uint8_t((1u << node_count) - 1);
    if (((set | nodes | other) & all) == all)
      return fmt::format("variant '{}': no node would be left to stand for election", spec);
    set |= nodes;
  }
  variants |= std::uint8_t(1u << index);
  return {};
}

std::vector<std::string> Options::enabled_variants() const {
  std::vector<std::string> specs;
  auto list = [](std::uint8_t nodes) {
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

bool Options::enable_bug(std::string_view name) { return enable_bug_in(kBugs, bugs, name); }

std::vector<std::string> Options::enabled_bugs() const { return bugs_named_in(kBugs, bugs); }

}  // namespace skiff::raft
