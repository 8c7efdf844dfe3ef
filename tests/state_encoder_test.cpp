// StateEncoder's split encoding (protocols/state_encoder.hpp), on which
// symmetry reduction's node digests rest: a part split once gives, under any
// renaming, the digest of the part renamed; parts that differ give different
// digests; and a part that cannot be split says so.
#include <algorithm>
#include <cstdint>
#include <numeric>
#include <vector>

#include <gtest/gtest.h>
#include <rapidcheck.h>
#include <rapidcheck/gtest.h>

#include "protocols/state_encoder.hpp"

namespace skiff {
namespace {

// A part that names nodes in each way an encoder can: a node that may be
// absent, a set of nodes, a value per node; and values that name none.
struct Part {
  int nodes = 3;
  std::uint64_t term = 0;
  int voted_for = -1;
  std::uint32_t set = 0;
  bool leads = false;  // then it has a value per node
  std::vector<std::uint64_t> per_node;

  void encode(StateEncoder& e) const {
    e.put(term);
    e.put_optional_node(voted_for);
    e.put_node_set(set);
    e.put(leads);
    if (leads) e.put_per_node(std::span<const std::uint64_t>(per_node), nodes);
  }
  bool operator==(const Part&) const = default;
};

Part renamed(const Part& p, const StateEncoder::Renaming& rename) {
  Part r = p;
  if (p.voted_for >= 0) r.voted_for = rename[std::size_t(p.voted_for)];
  r.set = 0;
  for (int i = 0; i < p.nodes; ++i)
    if (p.set & (1u << i)) r.set |= 1u << rename[std::size_t(i)];
  for (int i = 0; i < p.nodes; ++i) r.per_node[rename[std::size_t(i)]] = p.per_node[std::size_t(i)];
  return r;
}

rc::Gen<Part> parts(int nodes) {
  return rc::gen::map(
      rc::gen::tuple(rc::gen::inRange<std::uint64_t>(0, 3), rc::gen::inRange(-1, nodes),
                     rc::gen::inRange<std::uint32_t>(0, 1u << nodes), rc::gen::arbitrary<bool>(),
                     rc::gen::container<std::vector<std::uint64_t>>(std::size_t(nodes), rc::gen::inRange<std::uint64_t>(0, 3))),
      [nodes](const auto& t) {
        Part p;
        p.nodes = nodes;
        std::tie(p.term, p.voted_for, p.set, p.leads, p.per_node) = t;
        return p;
      });
}

// A renaming of `nodes` nodes (the identity beyond them), with its inverse.
std::pair<StateEncoder::Renaming, StateEncoder::Renaming> renaming(int nodes) {
  std::vector<std::uint8_t> order(static_cast<std::size_t>(nodes));
  std::iota(order.begin(), order.end(), std::uint8_t(0));
  const auto keys = *rc::gen::container<std::vector<std::uint32_t>>(std::size_t(nodes), rc::gen::arbitrary<std::uint32_t>());
  std::stable_sort(order.begin(), order.end(), [&](std::uint8_t a, std::uint8_t b) { return keys[a] < keys[b]; });
  StateEncoder::Renaming rename{}, inverse{};
  for (std::uint8_t i = 0; i < 8; ++i) rename[i] = inverse[i] = i;
  for (int k = 0; k < nodes; ++k) {
    rename[order[std::size_t(k)]] = std::uint8_t(k);
    inverse[std::size_t(k)] = order[std::size_t(k)];
  }
  return {rename, inverse};
}

struct Split {
  std::uint64_t stream;
  StateEncoder::SplitNames names;
};
Split split(const Part& p) {
  Split s{0, {}};
  StateEncoder e = StateEncoder::split(&s.names);
  p.encode(e);
  RC_ASSERT(!e.split_failed());
  s.stream = e.digest();
  return s;
}

std::vector<std::uint64_t> words(const Part& p, const StateEncoder::Renaming& rename,
                                 const StateEncoder::Renaming& inverse) {
  std::vector<std::uint64_t> out;
  StateEncoder e(rename, inverse);
  e.record_into(&out);
  p.encode(e);
  return out;
}

RC_GTEST_PROP(SplitEncoding, DigestUnderARenamingIsTheRenamedPartsDigest, ()) {
  const int nodes = *rc::gen::inRange(1, 8);
  const Part p = *parts(nodes);
  const auto [rename, inverse] = renaming(nodes);
  const Split s = split(p);
  const Split r = split(renamed(p, rename));
  RC_ASSERT(StateEncoder(rename, inverse).renamed_digest(s.stream, s.names) ==
            StateEncoder().renamed_digest(r.stream, r.names));
  RC_ASSERT(StateEncoder::anonymous_digest(s.stream, s.names) == StateEncoder::anonymous_digest(r.stream, r.names));
}

// Two parts get the same split digest (under renamings) exactly when the
// whole encoder, renaming as it goes, puts the same words for them.
RC_GTEST_PROP(SplitEncoding, DigestsAreEqualExactlyWhenTheRenamedEncodingsAre, ()) {
  const int nodes = *rc::gen::inRange(1, 5);
  const Part p = *parts(nodes);
  const Part q = *rc::gen::oneOf(parts(nodes), rc::gen::just(renamed(p, renaming(nodes).first)));
  const auto [rename, inverse] = renaming(nodes);
  const Split s = split(p), t = split(q);
  const StateEncoder identity;
  const bool digests_equal = StateEncoder(rename, inverse).renamed_digest(s.stream, s.names) ==
                             identity.renamed_digest(t.stream, t.names);
  StateEncoder::Renaming id{};
  for (std::uint8_t i = 0; i < 8; ++i) id[i] = i;
  RC_ASSERT(digests_equal == (words(p, rename, inverse) == words(q, id, id)));
}

TEST(SplitEncoding, APartThatAsksForRenamingsCannotBeSplit) {
  for (int ask = 0; ask < 3; ++ask) {
    StateEncoder::SplitNames names;
    StateEncoder e = StateEncoder::split(&names);
    e.put_node(1);
    EXPECT_FALSE(e.split_failed());
    if (ask == 0) (void)e.sibling();
    if (ask == 1) (void)e.renamed(1);
    if (ask == 2) (void)e.original(1);
    EXPECT_TRUE(e.split_failed()) << ask;
  }
}

TEST(SplitEncoding, NamesOfNodesBeyondEightCannotBeSplit) {
  StateEncoder::SplitNames names;
  StateEncoder e = StateEncoder::split(&names);
  e.put_node(9);
  EXPECT_TRUE(e.split_failed());
}

}  // namespace
}  // namespace skiff
