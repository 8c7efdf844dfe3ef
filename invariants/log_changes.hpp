// Where a node's log may have changed since an invariant last looked at it,
// so that log invariants judge only that part and cost the same per event
// whatever the log's length.
//
// A node that offers `log_writes()` and `log_written_from()`
// (protocols/log_writes.hpp; skiff's Raft) says which part its last event
// wrote; for any other (libraft) the answer is "all of it", and the invariant
// compares the whole log as it always did.
#pragma once

#include "invariants/log_view.hpp"

#include <algorithm>
#include <cstddef>
#include <cstdint>

namespace skiff::invariants {

// What an invariant remembers of one node's log: how many of the node's
// log-writing events it has seen, and how long the log was then.
struct LogSeen {
  std::uint64_t writes = 0;
  std::size_t size = 0;
};

// Has the node said which part of its log its events wrote?
template <class Node>
inline constexpr bool kTracksLogWrites = requires(const Node& node) {
  node.log_writes();
  node.log_written_from();
};

// The lowest 0-based index of `node`'s log that may differ from the log the
// invariant saw when it last called this for the node (`seen`); entries below
// it are unchanged. Updates `seen` to now. Returns 0 when it cannot know.
template <class Node>
std::size_t log_changed_from(const Node& node, LogSeen& seen) {
  const std::size_t size = log_view(node).size();
  std::size_t from = 0;
  if constexpr (kTracksLogWrites<Node>) {
    const std::uint64_t writes = node.log_writes();
    if (writes == seen.writes && size == seen.size)
      from = size;  // nothing written
    else if (writes == seen.writes + 1)
      from = std::min({node.log_written_from(), size, seen.size});
    // else: events went by unseen; compare it all
    seen.writes = writes;
  }
  seen.size = size;
  return from;
}

// The same for what the node's disk holds (stored_log(), rule_support.hpp):
// a node whose disk is not its log (libraft) says what changed of it with
// durable_log_writes() and durable_log_written_from(); for any other the
// disk is the log. `size` is the stored log's length now.
template <class Node>
std::size_t stored_log_changed_from(const Node& node, std::size_t size, LogSeen& seen) {
  if constexpr (requires { node.durable_log(); }) {
    std::size_t from = 0;
    if constexpr (requires {
                    node.durable_log_writes();
                    node.durable_log_written_from();
                  }) {
      const std::uint64_t writes = node.durable_log_writes();
      if (writes == seen.writes && size == seen.size)
        from = size;
      else if (writes == seen.writes + 1)
        from = std::min({node.durable_log_written_from(), size, seen.size});
      seen.writes = writes;
    }
    seen.size = size;
    return from;
  } else {
    return log_changed_from(node, seen);
  }
}

}  // namespace skiff::invariants
