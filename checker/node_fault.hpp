// What ends a run when a node's handler throws: which node, in which handler,
// and what it threw. The worlds (world.hpp, timed_world.hpp) call every
// handler of a node through survive(); an exception that escapes one is
// caught there, noted, and the world's node_fault() says so from then on,
// which the invariant node-survives (invariants/node_survives.hpp) reports.
// The run ends at that event like at any violation: the trace is written,
// shrunk and replayable, and the hunt goes on.
//
// A try block costs nothing while nothing throws (table-based unwinding):
// the hot loop pays only for the strings built after a throw.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "protocols/protocol.hpp"

namespace skiff {

struct NodeFault {
  NodeIndex node = 0;
  std::string where;      // "its message handler (AppendEntries from node 1)"
  std::string exception;  // "std::length_error (\"log full\")"
};

// The exception being handled, as a person reads it: its type, demangled,
// and for a std::exception its what() in quotes (control characters escaped,
// at most 200 characters). Call it only inside a catch block.
std::string current_exception_text();

// Where a handler runs, in the words node-survives uses.
std::string message_handler_where(std::string_view message_type, NodeIndex from);
std::string timer_handler_where(std::string_view timer_name);
std::string client_handler_where(Command command);
std::string admin_handler_where(std::string_view operation);
inline constexpr std::string_view kBootWhere = "its first boot (start)";
inline constexpr std::string_view kRestartWhere = "its restart";
inline constexpr std::string_view kCrashWhere = "its crash (what it keeps on disk)";

// Calls `handler`; if an exception escapes it, notes in `fault` the node,
// `where()` (called only then) and the exception, and returns false.
template <class Handler, class Where>
bool survive(std::optional<NodeFault>& fault, NodeIndex node, Handler&& handler, Where&& where) {
  try {
    handler();
    return true;
  } catch (...) {
    fault.emplace(NodeFault{node, std::string(where()), current_exception_text()});
    return false;
  }
}

}  // namespace skiff
