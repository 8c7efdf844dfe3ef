// pbkv: primary-backup replication of a key-value store's writes, as a skiff
// protocol (skiff/protocols/protocol.hpp is the contract). Node 1 is the
// primary for good; the others are backups.
//
// The primary appends each write a client sends it to its log and sends it
// to every backup (Replicate, numbered from 1); a backup appends the write
// numbered one past its log and answers with its log's length (Ack); the
// primary retransmits, on its timer, the first write each backup has not
// acknowledged. A write is acknowledged to the client ("acked") once EVERY
// backup holds it, so it survives the loss of any node. Logs are durable.
//
// Seeded bug ack-on-first-backup: the primary acks a write as soon as ONE
// backup holds it (the invariant acked-on-every-backup catches it).
// Seeded bug process-global-timer breaks skiff's determinism rules on
// purpose (a static counter): `pbkv-skiff repeat pbkv` catches it.
#pragma once

#include <boost/container/small_vector.hpp>
#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include <skiff/protocols/protocol.hpp>
#include <skiff/protocols/state_encoder.hpp>

namespace pbkv {

using skiff::BugInfo;
using skiff::Command;
using skiff::NodeIndex;
using skiff::TimerId;

inline constexpr NodeIndex kPrimary = 0;
inline constexpr std::size_t kKeys = 4;  // a write of command c sets key c % kKeys to c

inline std::span<const BugInfo> bug_table() {
  static constexpr BugInfo table[] = {
      {"ack-on-first-backup", "the primary acks a write once one backup holds it, not every backup"},
      {"process-global-timer", "breaks determinism: the retransmit timer skips every other firing in the whole process"},
  };
  return table;
}

struct Message {
  enum Type : std::uint8_t { Replicate, Ack } type = Replicate;
  std::uint32_t seq = 0;  // Replicate: the write's number; Ack: the backup's log length
  Command command = 0;    // Replicate only

  std::string_view type_name() const { return type == Replicate ? "Replicate" : "Ack"; }
  void print(std::string& out) const {
    if (type == Replicate)
      out += fmt::format("Replicate seq={} write=k{}:{}", seq, command % kKeys, command);
    else
      out += fmt::format("Ack length={}", seq);
  }
  void encode(skiff::StateEncoder& encoder) const {
    encoder.put(type);
    encoder.put(seq);
    encoder.put(command);
  }
};

struct Options {
  std::uint32_t bugs = 0;
  bool enable_bug(std::string_view name) { return skiff::enable_bug_in(bug_table(), bugs, name); }
  std::vector<std::string> enabled_bugs() const { return skiff::bugs_named_in(bug_table(), bugs); }
  bool ack_on_first_backup() const { return bugs & 1u; }
  bool process_global_timer() const { return bugs & 2u; }
};

class Node {
 public:
  using Effects = skiff::Effects<Message>;

  Node(NodeIndex self, int node_count, const Options& options)
      : self_(self), node_count_(node_count), options_(options) {}

  bool primary() const { return self_ == kPrimary; }
  std::span<const Command> log() const { return {log_.data(), log_.size()}; }
  std::uint32_t acked() const { return acked_; }  // writes acknowledged to clients
  // The value of `key` after the writes in the log (0 if never written).
  Command value(std::size_t key) const {
    Command value = 0;
    for (Command c : log_)
      if (c % kKeys == key) value = c;
    return value;
  }

  void start(Effects& effects) {
    if (primary()) effects.arm(0);
  }
  void restart(Effects& effects) { start(effects); }
  void crash() {  // the log is durable; what the primary knows of the backups is not
    matched_.fill(0);
    acked_ = 0;
  }

  bool on_client_command(Command command, Effects& effects) {
    if (!primary()) return false;
    log_.push_back(command);
    for (int b = 1; b < node_count_; ++b)
      effects.send(NodeIndex(b), Message{Message::Replicate, std::uint32_t(log_.size()), command});
    return true;
  }

  void on_message(NodeIndex from, const Message& message, Effects& effects) {
    if (message.type == Message::Replicate && !primary()) {
      if (message.seq == log_.size() + 1) log_.push_back(message.command);
      if (message.seq <= log_.size()) effects.send(from, Message{Message::Ack, std::uint32_t(log_.size()), 0});
    } else if (message.type == Message::Ack && primary()) {
      matched_[from] = std::max(matched_[from], message.seq);
      std::uint32_t acked = options_.ack_on_first_backup() ? 0 : std::uint32_t(log_.size());
      for (int b = 1; b < node_count_; ++b)
        acked = options_.ack_on_first_backup() ? std::max(acked, matched_[b]) : std::min(acked, matched_[b]);
      acked_ = std::max(acked_, acked);
    }
  }

  void on_timer(TimerId, Effects& effects) {
    if (options_.process_global_timer()) {
      static std::uint64_t firings = 0;  // the breach: state outside the node, shared by every run
      if (++firings % 2 == 0) return effects.arm(0);
    }
    for (int b = 1; b < node_count_; ++b)
      if (matched_[b] < log_.size())
        effects.send(NodeIndex(b), Message{Message::Replicate, matched_[b] + 1, log_[matched_[b]]});
    effects.arm(0);
  }

  void print(std::string& out) const {
    out += fmt::format("{} log=[{}]", primary() ? "primary" : "backup", fmt::join(log_, ","));
    if (primary()) out += fmt::format(" acked={}", acked_);
  }

  // For skiff check: everything that decides what happens next.
  void encode(skiff::StateEncoder& encoder) const {
    encoder.put(log_.size());
    for (Command c : log_) encoder.put(c);
    encoder.put(acked_);
    for (int b = 0; b < node_count_; ++b) encoder.put(matched_[std::size_t(b)]);
  }
  std::uint64_t epoch() const { return 0; }  // no terms: --max-term does not bound it

 private:
  NodeIndex self_;
  int node_count_;
  Options options_;
  boost::container::small_vector<Command, 8> log_;
  std::uint32_t acked_ = 0;
  std::array<std::uint32_t, skiff::kMaxNodes> matched_{};  // the primary's: each backup's acked length
};

struct Protocol {
  static constexpr std::string_view name = "pbkv";
  static constexpr std::string_view description =
      "primary-backup replication of key-value writes: node 1 primary, writes acked once every backup holds them";
  static constexpr int min_nodes = 2;
  static constexpr int max_nodes = 5;
  static constexpr int timer_count = 1;
  static constexpr bool symmetric = false;  // node 1 is special
  using Message = pbkv::Message;
  using Node = pbkv::Node;
  using Options = pbkv::Options;
  static std::span<const BugInfo> bugs() { return bug_table(); }
  static std::string_view timer_name(TimerId) { return "retransmit"; }
};

}  // namespace pbkv
