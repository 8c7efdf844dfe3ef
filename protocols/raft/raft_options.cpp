#include "protocols/raft/raft_options.hpp"

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
};
static_assert(std::size(kBugs) == std::size_t(Bug::Count));
}  // namespace

std::span<const BugInfo> bug_table() { return kBugs; }

bool Options::enable_bug(std::string_view name) {
  for (std::size_t i = 0; i < std::size(kBugs); ++i) {
    if (kBugs[i].name == name) {
      bugs |= 1u << i;
      return true;
    }
  }
  return false;
}

std::vector<std::string> Options::enabled_bugs() const {
  std::vector<std::string> names;
  for (std::size_t i = 0; i < std::size(kBugs); ++i)
    if (has(Bug(i))) names.emplace_back(kBugs[i].name);
  return names;
}

}  // namespace skiff::raft
