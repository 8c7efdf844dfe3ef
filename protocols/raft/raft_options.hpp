// Raft's options: variants (none yet) and seeded bugs, each off by default and
// each breaking exactly one rule of Figure 2.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "protocols/protocol.hpp"

namespace skiff::raft {

enum class Bug : std::uint8_t {
  CommitPreviousTerm,
  VoteWithoutLogCheck,
  UpToDateByIndexOnly,
  ForgetVoteOnRestart,
  TruncateOnStaleAppend,
  CommitToLeaderCommit,
  CountDuplicateVotes,
  AcceptStaleVoteReply,
  Count,
};

std::span<const BugInfo> bug_table();  // indexed by Bug

struct Options {
  std::uint32_t bugs = 0;  // bit i set: Bug(i) seeded

  bool has(Bug bug) const { return bugs & (1u << unsigned(bug)); }
  bool enable_bug(std::string_view name);  // false if no such bug
  std::vector<std::string> enabled_bugs() const;
};

}  // namespace skiff::raft
