// vote-for-up-to-date-log (rule): a vote goes only to a candidate whose
// advertised last log entry (index, term) is at least as up to date as the
// voter's stored log, and a candidate advertises only a last entry its own disk
// holds (Figure 2, RequestVote RPC, receiver implementation 2: "If votedFor
// is null or candidateId, and candidate's log is at least as up-to-date as
// receiver's log, grant vote"; section 5.4.1: "If the logs have last entries
// with different terms, then the log with the later term is more
// up-to-date. If the logs end with the same term, then whichever log is
// longer is more up-to-date"; lastLogIndex/lastLogTerm: "index/term of
// candidate's last log entry").
//
// Judged at the voter's step that delivers a RequestVote and sends back a
// grant, and at the candidate's step that sends a RequestVote.
#pragma once

#include <fmt/format.h>

#include <cstdint>
#include <optional>
#include <string>

#include "invariants/rule_support.hpp"
#include "protocols/protocol.hpp"
#include "protocols/state_encoder.hpp"

namespace skiff::invariants {

class VoteForUpToDateLog {
 public:
  static constexpr std::string_view name = "vote-for-up-to-date-log";
  static constexpr std::string_view description =
      "rule: a vote goes only to a candidate whose advertised last entry is at least as up to date as the "
      "voter's stored log, and a candidate advertises a last entry its disk holds";

  template <class World>
  std::optional<std::string> check(const World& world, int touched) {
    if (touched < 0) return std::nullopt;
    const NodeIndex self = NodeIndex(touched);
    const auto& node = world.node(self);
    std::optional<std::string> violation;
    const auto* request = world.delivered();
    if (request && request->is_vote_request()) {
      const NodeIndex candidate = world.delivered_from();
      world.for_each_sent([&](NodeIndex to, const auto& reply) {
        if (violation || to != candidate || !reply.grants_vote()) return;
        const auto log = stored_log(node);
        const std::uint64_t last_index = log.size();
        const std::uint64_t last_term = log.last_term();
        const std::uint64_t index = request->advertised_last_index(), term = request->advertised_last_term();
        if (term > last_term || (term == last_term && index >= last_index)) return;
        violation = fmt::format(
            "node {} voted for node {} in term {}, whose last entry {}/{} is behind its own last entry {}/{}",
            node_label(self), node_label(candidate), std::uint64_t(request->term), index, term, last_index,
            last_term);
      });
      if (violation) return violation;
    }
    world.for_each_sent([&](NodeIndex, const auto& sent) {
      if (violation || !sent.is_vote_request()) return;
      const std::uint64_t index = sent.advertised_last_index(), term = sent.advertised_last_term();
      const auto stored = stored_log(node);
      if (stored.has(index, term)) return;
      violation = fmt::format("node {} asked for votes in term {} with last entry {}/{}, which its disk does not hold",
                              node_label(self), std::uint64_t(sent.term), index, term);
    });
    return violation;
  }

  // It keeps nothing.
  void encode(StateEncoder&) const {}
  void restore(const VoteForUpToDateLog&, int) {}
};

}  // namespace skiff::invariants
