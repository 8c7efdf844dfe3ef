// Which slots of a per-slot array (a Paxos acceptor's votes, a learner's
// learned values) a node's last event wrote, so that invariants can judge only
// those and cost the same per event whatever the number of slots
// (invariants/slot_changes.hpp reads it). The per-slot counterpart of
// log_writes.hpp: Paxos writes slots anywhere (an Accept for slot 7 can land
// after slot 9's), not only a suffix, so it records a range [from, to).
//
// A protocol that offers it keeps one SlotWrites per array, beside it (not in
// its durable or volatile part: it only observes, and never changes what the
// node does, nor its encoding), calls begin_event() first thing in every
// handler (start, on_message, on_timer, on_client_command, crash, restart) and
// wrote(from, to) before every change of slots [from, to) of the array, a
// change of its size included (growing from n to m writes [n, m), shrinking
// from m to n writes [n, m)), and exposes, per array,
//   std::uint64_t ..._writes() const   events that wrote the array so far
//   SlotRange ..._written() const       the slots the last of them wrote
// Slots outside that range hold what they held before that event.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>

namespace skiff {

struct SlotRange {
  std::size_t from = 0, to = 0;  // [from, to)
};

class SlotWrites {
 public:
  void begin_event() { ++event_; }

  void wrote(std::size_t from, std::size_t to) {
    if (written_in_ != event_) {
      written_in_ = event_;
      ++writes_;
      range_ = SlotRange{from, to};
    } else {
      range_.from = std::min(range_.from, from);
      range_.to = std::max(range_.to, to);
    }
  }
  void wrote(std::size_t slot) { wrote(slot, slot + 1); }

  std::uint64_t writes() const { return writes_; }
  SlotRange range() const { return range_; }

 private:
  std::uint64_t event_ = 1;       // the event being handled
  std::uint64_t written_in_ = 0;  // the last event that wrote
  std::uint64_t writes_ = 0;      // events that wrote
  SlotRange range_;               // the slots the last of them wrote
};

}  // namespace skiff
