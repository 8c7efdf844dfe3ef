// promise-never-decreases (rule): an acceptor's promised ballot never goes
// down, not even across a crash and restart ("Paxos Made Simple", section
// 2.2, phase 1 (b): an acceptor that responds to a prepare request "promises
// not to accept any more proposals numbered less than n"; section 2.3: "an
// acceptor must remember this information even if it fails and then
// restarts").
#pragma once

#include <fmt/format.h>

#include <array>
#include <optional>
#include <string>

#include "protocols/protocol.hpp"
#include "protocols/state_encoder.hpp"

namespace skiff::invariants {

template <class Ballot>
std::string ballot_text(const Ballot& ballot) {
  if (ballot.round == 0) return "-";
  return fmt::format("b{}.{}", ballot.round, node_label(NodeIndex(ballot.proposer)));
}

class PromiseNeverDecreases {
 public:
  static constexpr std::string_view name = "promise-never-decreases";
  static constexpr std::string_view description =
      "rule: an acceptor's promised ballot never goes down, across crashes and restarts too";

  template <class World>
  std::optional<std::string> check(const World& world, int touched) {
    if (touched < 0) return std::nullopt;
    const auto promised = world.node(NodeIndex(touched)).promised();
    Seen& before = promised_[std::size_t(touched)];
    const Seen now{promised.round, promised.proposer};
    if (now < before)
      return fmt::format("node {}'s promise went down from {} to {}", node_label(NodeIndex(touched)),
                         ballot_text(before), ballot_text(now));
    before = now;
    return std::nullopt;
  }

  // promised_ is each node's promise as it is now: nothing to add.
  void encode(StateEncoder&) const {}
  void restore(const PromiseNeverDecreases& from, int touched) {
    if (touched >= 0) promised_[std::size_t(touched)] = from.promised_[std::size_t(touched)];
  }

 private:
  struct Seen {
    std::uint32_t round = 0;
    std::uint32_t proposer = 0;
    friend auto operator<=>(const Seen&, const Seen&) = default;
  };
  std::array<Seen, kMaxNodes> promised_{};  // each node's promise when last checked
};

}  // namespace skiff::invariants
