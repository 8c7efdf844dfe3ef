// Traces: text, one event a line, with a versioned header and a footer naming
// the violated invariant. The format is documented in docs/trace-format.md.
// This layer knows nothing of any protocol: a message event keeps the
// message's printed text, a timer event its timer's name, and the protocol's
// executor checks them against the world when the trace is replayed.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "checker/budgets.hpp"
#include "checker/event.hpp"
#include "invariants/invariant.hpp"

namespace skiff {

inline constexpr int kTraceVersion = 1;

// The invariant a node's code breaks by throwing or by ending the process (a
// signal); a trace whose footer names it replays in a child process.
inline constexpr std::string_view kNodeSurvives = "node-survives";

struct TraceHeader {
  std::string protocol;
  int nodes = 3;
  std::vector<std::string> bugs;
  std::uint64_t seed = 0;
  Budgets budgets;
  // Where the lines a protocol checks were read from, 0 if not read.
  int protocol_line = 0, nodes_line = 0, bugs_line = 0;
  // The protocol's variants ("pre-vote", "passive=3,4"); the 'variants' line
  // is written only when there are some, and may be absent.
  std::vector<std::string> variants = {};
  int variants_line = 0;
  // A timed trace (written by `skiff simulate`) has a 'timed' line instead of
  // 'budgets'; its budgets are then all kMaxBudget.
  struct Timed {
    std::string scenario;  // for people: the scenario the run came from
    bool liveness = false;  // whether the bounded-liveness invariant applies
    std::int64_t stable_for = 0, within = 0;  // its bounds, virtual microseconds
  };
  std::optional<Timed> timed = {};
  int timed_line = 0;
  // The state the nodes start in (a scenario's "initial_state", as compact
  // JSON: docs/scenarios.md); the 'initial-state' line is written only when
  // there is one. Empty: the first boot's.
  std::string initial_state = {};
  int initial_state_line = 0;
  // Not a line: whether replaying the trace must run it in a child process
  // because its run ends by crashing the process (a node-survives violation
  // from a signal). parse_trace sets it from the footer.
  bool isolated = false;
};

struct TraceEvent {
  Event event;
  std::string detail;  // message events: the message's text; timers: the timer's name
  int line = 0;        // where it was read from, 0 if it was not read
  std::int64_t at = -1;  // timed traces: when it happened, virtual microseconds; -1 in untimed ones
};

struct Trace {
  TraceHeader header;
  std::vector<TraceEvent> events;
  std::optional<Violation> violation;  // the footer; none means the run ends without one
  int footer_line = 0;                  // where the footer was read from, 0 if not read
  // Timed traces: when the bounded-liveness invariant is checked, after the
  // last event (the 'TIME liveness-check' line); -1 if it is not.
  std::int64_t liveness_check_at = -1;
  int liveness_check_line = 0;
};

// "deliver 1->2#3 AppendEntries t1 ..." / "timer 1 election" / "cut 1->2" / "client 2 7"
std::string format_event(const Event& event, std::string_view detail);
std::string format_message_id(const MessageId& id);  // "1->2#3", a duplicate "1->2#3.1"
std::string format_trace(const Trace& trace);
// An event's line as the trace has it: in a timed trace, its time first.
std::string format_trace_event(const TraceEvent& event);

// Virtual microseconds as a trace writes them: milliseconds, with a fraction
// of three digits when there is one ("2000", "12.345").
std::string format_millis(std::int64_t micros);

// Throws InputError("FILE:LINE: what is wrong") on anything malformed,
// truncated, or of another version.
Trace parse_trace(std::string_view text, const std::string& file);
Trace read_trace_file(const std::string& path);

// How an error names a place in a trace file: "FILE:LINE: ", or "FILE: " if
// the line is not known.
std::string trace_location(const std::string& file, int line);

// Writes atomically (a temporary file renamed into place); throws InputError
// naming the path if it cannot.
void write_text_file(const std::string& path, const std::string& text);

}  // namespace skiff
