// What part of its log a node's last events wrote, so that invariants can
// judge only that part and cost the same per event whatever the log's length
// (invariants/log_changes.hpp reads it).
//
// A protocol that offers it keeps one LogWrites beside its log (not in its
// durable or volatile part: it only observes, and never changes what the node
// does, nor its encoding), calls begin_event() first thing in every handler
// (start, on_message, on_timer, on_client_command, crash, restart) and
// wrote(i) before every change of its log at 0-based index i or after (a
// truncation to length i, an append at i, an overwrite of entry i), and
// exposes
//   std::uint64_t log_writes() const       events that wrote the log so far
//   std::size_t log_written_from() const   the lowest index the last of them wrote
// Entries below log_written_from() are what they were before that event.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>

namespace skiff {

class LogWrites {
 public:
  void begin_event() { ++event_; }

  void wrote(std::size_t from) {
    if (written_in_ != event_) {
      written_in_ = event_;
      ++writes_;
      from_ = from;
    } else {
      from_ = std::min(from_, from);
    }
  }

  std::uint64_t writes() const { return writes_; }
  std::size_t from() const { return from_; }

 private:
  std::uint64_t event_ = 1;       // the event being handled
  std::uint64_t written_in_ = 0;  // the last event that wrote
  std::uint64_t writes_ = 0;      // events that wrote
  std::size_t from_ = 0;          // the lowest index the last of them wrote
};

}  // namespace skiff
