// The contract between a protocol and the world that runs it.
//
// A protocol P is a type with:
//   P::name                         "raft"
//   P::Message                      value type; `std::string_view type_name() const`
//                                   and `void print(std::string& out) const` (one line)
//   P::Options                      value type; `bool enable_bug(std::string_view)`,
//                                   `std::vector<std::string> enabled_bugs() const`
//   P::Node                         the node state machine, constructed as
//                                   Node(NodeIndex self, int node_count, const Options&)
//   P::bugs()                       the seeded bugs: names and one-line descriptions
//   P::timer_count, P::timer_name() the node's timers, numbered from 0
//
// A node never touches I/O, clocks or threads. Each handler receives an
// Effects object through which it sends messages and arms or cancels its
// timers; that is its only way to act on the world:
//   void start(Effects&)                               first boot
//   void on_message(NodeIndex from, const Message&, Effects&)
//   void on_timer(TimerId, Effects&)
//   bool on_client_command(Command, Effects&)          true if accepted
//   void crash()                                       keep the durable part, lose the rest
//   void restart(Effects&)                             boot again after crash()
//   void print(std::string& out) const                 one line, for traces
#pragma once

#include <boost/container/small_vector.hpp>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace skiff {

using NodeIndex = std::uint8_t;  // 0-based inside skiff; printed 1-based
using TimerId = std::uint8_t;
using Command = std::uint32_t;   // a client command: a value unique within a run

inline constexpr int kMaxNodes = 7;
inline constexpr int kMaxTimers = 8;

// How a node is named in every line a person reads.
inline int node_label(NodeIndex node) { return int(node) + 1; }

struct BugInfo {
  std::string_view name;
  std::string_view description;
};

// What a node may do while it handles one event. The world owns one Effects per
// run and reuses it, so sending does not allocate once the outbox has grown.
template <class Message>
class Effects {
 public:
  struct Outgoing {
    NodeIndex to;
    Message message;
  };

  void send(NodeIndex to, const Message& message) { outbox_.push_back(Outgoing{to, message}); }
  void arm(TimerId timer) { *armed_ |= std::uint8_t(1u << timer); }
  void cancel(TimerId timer) { *armed_ &= std::uint8_t(~(1u << timer)); }

  // Used by the world only.
  void begin(std::uint8_t* armed_timers) {
    armed_ = armed_timers;
    outbox_.clear();
  }
  const boost::container::small_vector<Outgoing, 8>& outbox() const { return outbox_; }

 private:
  std::uint8_t* armed_ = nullptr;
  boost::container::small_vector<Outgoing, 8> outbox_;
};

}  // namespace skiff
