// The libFuzzer target for Raft (docs/fuzzing.md): SKIFF_NODES, SKIFF_BUGS, ...
#include "fuzz/protocol_target.hpp"
#include "fuzz/raft_depth_feedback.hpp"
#include "invariants/raft_invariants.hpp"
#include "protocols/raft/raft.hpp"

namespace skiff::fuzz {

// What a Raft state looks like to the protocol-level feedback: the situations
// Raft's safety arguments turn on, in small numbers.
//  - each node: role, crashed, whether it voted in its term, how far its term
//    is behind the highest, its log's length, how far its last entry's term
//    is behind its own term, its commit index, whether it holds uncommitted
//    entries;
//  - the cluster: the highest term, how many leaders (of any term) there are,
//    the lowest and highest commit index, how many different terms the nodes'
//    last entries have (diverging logs);
//  - each message type in flight: how many, and how many are stale (older
//    than their receiver's term);
//  - the stages deep bugs pass through (fuzz/raft_depth_feedback.hpp):
//    divergent logs, a leader elected behind another node's log, a commit of
//    an earlier term's entry, an entry overwritten.
template <>
struct StateAbstraction<raft::Protocol> {
  void begin_run() { depth_.begin_run(); }
  void depth_stages(bool on) { depth_on_ = on; }

  template <class Mark>
  void features(const World<raft::Protocol>& world, Mark& mark) {
    if (depth_on_) depth_.features(world, mark);
    const int n = world.node_count();
    raft::Term highest = 0;
    for (int i = 0; i < n; ++i) highest = std::max(highest, world.node(NodeIndex(i)).term());
    std::uint64_t leaders = 0, lowest_commit = ~0ull, highest_commit = 0;
    std::array<raft::Term, kMaxNodes> last_terms{};
    for (int i = 0; i < n; ++i) {
      const raft::Node& node = world.node(NodeIndex(i));
      const std::span<const raft::Entry> log = node.log();
      const raft::Term last_term = log.empty() ? 0 : log.back().term;
      std::uint64_t word = std::uint64_t(node.role());
      word = word << 1 | world.crashed(NodeIndex(i));
      word = word << 1 | node.voted_for().has_value();
      word = word << 2 | capped(highest - node.term(), 3);
      word = word << 3 | capped(log.size(), 5);
      word = word << 2 | capped(node.term() - std::min(node.term(), last_term), 2);
      word = word << 3 | capped(node.commit_index(), 4);
      word = word << 1 | (node.commit_index() < log.size());
      mark(feature(0x4A0D, word));
      leaders += node.is_leader();
      lowest_commit = std::min<std::uint64_t>(lowest_commit, node.commit_index());
      highest_commit = std::max<std::uint64_t>(highest_commit, node.commit_index());
      last_terms[std::size_t(i)] = last_term;
    }
    std::sort(last_terms.begin(), last_terms.begin() + n);
    const auto distinct_last_terms = std::unique(last_terms.begin(), last_terms.begin() + n) - last_terms.begin();
    mark(feature(0x6C05, capped(highest, 8), capped(leaders, 2), capped(std::uint64_t(distinct_last_terms), 3)));
    mark(feature(0xC0AA, capped(lowest_commit, 5), capped(highest_commit, 5)));
    // One slot per message type (the pre-vote variant adds two to the four).
    constexpr std::size_t kTypes = std::size_t(raft::MessageType::PreVoteReply) + 1;
    std::array<std::uint32_t, kTypes> count{}, stale{};
    for (const auto& m : world.in_flight()) {
      const auto type = std::size_t(m.message.type);
      if (type >= kTypes) continue;  // a type added after PreVoteReply: not a feature until counted here
      ++count[type];
      stale[type] += m.message.term < world.node(m.id.to).term();
    }
    for (std::size_t t = 0; t < count.size(); ++t)
      if (count[t]) mark(feature(0x3E55, t, capped(count[t], 3), capped(stale[t], 2)));
  }

 private:
  RaftDepthStages depth_;
  bool depth_on_ = true;
};

}  // namespace skiff::fuzz

SKIFF_PROTOCOL_FUZZ_TARGET(skiff::raft::Protocol, skiff::invariants::RaftInvariants)
