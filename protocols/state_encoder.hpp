// StateEncoder: how a protocol describes its state to the model checker.
//
// A node (and a message) that the model checker may explore provides
//   void encode(StateEncoder&) const;
// which puts every field that can influence what the node does next, in a
// fixed order. Two states that encode alike are taken as the same state, so a
// field left out is a field the checker assumes does not matter.
//
// Under symmetry reduction the checker renames nodes. Encode node ids with
// put_node(), sets of nodes with put_node_set(), and values kept per node
// with put_per_node(): these rename; put() does not.
//
// The encoder hashes as it goes (no buffer): the result is a 64-bit digest.
// A part hashed on its own (a sibling() encoder) and put as its digest may be
// cached by its owner while identity() holds: the digest of a part depends
// only on the part and the renaming.
//
// Two more modes serve the checker's symmetry reduction (model_checker.hpp):
// an anonymous() encoder puts every node id as one and the same value (and a
// per-node list as its sorted values), so its digest of a part does not
// depend on how the nodes are named: a signature by which to order nodes.
// names_used() says whether a part put any node id at all (a non-empty set, a
// present optional node, a list of more than one node's values); a part that
// did not encodes alike under every renaming, anonymous or not. A symmetric()
// encoder tells World::encode to hash messages in the form that symmetry
// reduction caches (see World::encode).
//
// A split() encoder lets symmetry reduction encode a node once and digest it
// under any renaming afterwards. It hashes the part with every node id, node
// set and per-node list replaced by a placeholder that does not depend on
// names (its "stream"), and sums, for each node named, the keys of the
// places that name it: a key is a hash of where in the stream the name was
// put (and, in a per-node list, of the value there). The renamed part's
// digest, renamed_digest(), is the stream's digest plus, for each node a,
// key[a] times a constant of a's new name: the same for parts equal up to
// renaming and different otherwise (up to a hash collision). Each name thus
// costs one multiplication per digest, however often the part names it.
// anonymous_digest() forgets the names, as an anonymous() encoder would. A
// part that asks a split encoder for a sibling(), renamed() or original()
// cannot be split that way: split_failed() says so, and its owner must
// encode it under each renaming instead.
#pragma once

#include <algorithm>
#include <array>
#include <bit>
#include <cstdint>
#include <span>
#include <vector>

namespace skiff {

class StateEncoder {
 public:
  using Renaming = std::array<std::uint8_t, 8>;  // old node index -> new node index

  StateEncoder() { identity_renaming(); }
  StateEncoder(const Renaming& rename, const Renaming& inverse, bool symmetric = false)
      : rename_(rename), inverse_(inverse), symmetric_(symmetric) {
    for (std::uint8_t i = 0; i < 8; ++i) identity_ &= rename_[i] == i;
  }
  // An encoder whose digests do not depend on node names (see above).
  static StateEncoder anonymous() {
    StateEncoder e;
    e.anonymous_ = true;
    e.identity_ = false;  // its digests are not the identity's: not to be cached as those
    return e;
  }
  // The names a split() encoder records (see above).
  struct SplitNames {
    std::array<std::uint64_t, 8> key{};  // per node: the sum of the keys of the places naming it
    std::uint8_t named = 0;              // bit a: node a is named somewhere
  };
  // An encoder that puts names as placeholders into its stream (its digest())
  // and adds them to `names`, which starts empty (see above).
  static StateEncoder split(SplitNames* names) {
    StateEncoder e = anonymous();
    e.split_ = names;
    return e;
  }

  [[gnu::always_inline]] void put(std::uint64_t value) {
    if (record_) [[unlikely]]
      record(value);
    hash_ ^= value * 0x9E3779B97F4A7C15ull;
    hash_ = (hash_ << 31 | hash_ >> 33) * 0xC2B2AE3D27D4EB4Full;
    ++words_;
  }
  void put_node(std::uint8_t node) {
    names_used_ = true;
    if (split_) [[unlikely]]
      add_name(position_key(), node);
    put(anonymous_ ? kAnonymousNode : rename_[node]);
  }
  // A node id that may be absent (e.g. "voted for nobody"), as a signed value < 0.
  void put_optional_node(int node) {
    if (node < 0)
      put(0xFFu);
    else
      put_node(std::uint8_t(node));
  }
  void put_node_set(std::uint32_t bits) {
    if (bits == 0) return put(0);
    names_used_ = true;
    if (split_) [[unlikely]] {
      const std::uint64_t key = position_key();
      for (std::uint32_t rest = bits; rest; rest &= rest - 1) add_name(key, std::uint8_t(std::countr_zero(rest)));
    }
    if (anonymous_) return put(kAnonymousNode << 8 | std::uint64_t(std::popcount(bits)));
    std::uint32_t renamed = 0;
    for (int i = 0; i < 8; ++i)
      if (bits & (1u << i)) renamed |= 1u << rename_[std::size_t(i)];
    put(renamed);
  }
  // values[i] belongs to node i; written in the renamed nodes' order
  // (anonymous: in increasing order).
  template <class T>
  void put_per_node(std::span<const T> values, int node_count) {
    if (node_count > 1) names_used_ = true;
    if (split_ && node_count > 1) [[unlikely]] {
      const std::uint64_t key = position_key();
      for (int k = 0; k < node_count; ++k)
        add_name(mix(key ^ std::uint64_t(values[std::size_t(k)])), std::uint8_t(k));
      return put(kAnonymousNode << 16 | std::uint64_t(node_count));
    }
    if (anonymous_) {
      // Insertion sort: at most 8 values (and std::sort on a bounded array
      // trips g++ 12's -Warray-bounds).
      std::array<std::uint64_t, 8> sorted{};
      const std::size_t n = std::min<std::size_t>(std::size_t(node_count), sorted.size());
      for (std::size_t k = 0; k < n; ++k) {
        const std::uint64_t v = std::uint64_t(values[k]);
        std::size_t j = k;
        for (; j > 0 && sorted[j - 1] > v; --j) sorted[j] = sorted[j - 1];
        sorted[j] = v;
      }
      for (std::size_t k = 0; k < n; ++k) put(sorted[k]);
      return;
    }
    for (int k = 0; k < node_count; ++k) put(std::uint64_t(values[inverse_[std::size_t(k)]]));
  }

  std::uint8_t renamed(std::uint8_t node) const {
    if (split_) [[unlikely]]
      split_failed_ = true;
    return rename_[node];
  }
  // Whether no node is renamed: digests of parts made under the identity may
  // be cached and reused (World does, for nodes and messages).
  bool identity() const { return identity_; }
  std::uint8_t original(std::uint8_t renamed_node) const {
    if (split_) [[unlikely]]
      split_failed_ = true;
    return inverse_[renamed_node];
  }
  bool split_failed() const { return split_failed_; }
  bool names_used() const { return names_used_; }
  bool symmetric() const { return symmetric_; }

  // The digest of everything put so far (murmur3's finaliser over the state).
  std::uint64_t digest() const { return mix(hash_ ^ words_); }

  // The digest of a part split into `stream` (a split() encoder's digest)
  // and the names it recorded, under this encoder's renaming.
  std::uint64_t renamed_digest(std::uint64_t stream, const SplitNames& names) const {
    std::uint64_t sum = stream;
    for (unsigned rest = names.named; rest; rest &= rest - 1) {
      const int a = std::countr_zero(rest);
      sum += names.key[std::size_t(a)] * kNameFactor[rename_[std::size_t(a)]];
    }
    return sum;
  }
  // The same part's digest with its names forgotten: a function of the
  // multiset of the nodes' key sums.
  static std::uint64_t anonymous_digest(std::uint64_t stream, const SplitNames& names) {
    std::uint64_t sum = stream;
    for (unsigned rest = names.named; rest; rest &= rest - 1)
      sum += mix(names.key[std::size_t(std::countr_zero(rest))]);
    return sum;
  }

  // A fresh encoder with the same renaming, for parts hashed on their own
  // (the members of a multiset).
  StateEncoder sibling() const {
    if (split_) [[unlikely]]
      split_failed_ = true;
    if (anonymous_) return anonymous();
    return StateEncoder(rename_, inverse_, symmetric_);
  }

  // murmur3's 64-bit finaliser: a bijection that spreads every input bit.
  static std::uint64_t mix(std::uint64_t h) {
    h ^= h >> 33;
    h *= 0xFF51AFD7ED558CCDull;
    h ^= h >> 33;
    h *= 0xC4CEB9FE1A85EC53ull;
    h ^= h >> 33;
    return h;
  }

  // Also keep every value put, in order (for tests that compare whole states).
  void record_into(std::vector<std::uint64_t>* words) { record_ = words; }

 private:
  [[gnu::noinline]] void record(std::uint64_t value) { record_->push_back(value); }
  void identity_renaming() {
    for (std::uint8_t i = 0; i < 8; ++i) rename_[i] = inverse_[i] = i;
  }

  static constexpr std::uint64_t kAnonymousNode = 0xA0;

  // Where the next value goes in the stream, as an item's key.
  std::uint64_t position_key() const { return mix(words_ * 0x9E3779B97F4A7C15ull + 0x5851F42D4C957F2Dull); }
  void add_name(std::uint64_t key, std::uint8_t node) {
    if (node > 7) [[unlikely]] {  // not renameable (symmetry reduction checks up to 7 nodes)
      split_failed_ = true;
      return;
    }
    split_->key[node] += key;
    split_->named |= std::uint8_t(1u << node);
  }
  // Odd constants, one per renamed node (renamed_digest()).
  static constexpr std::array<std::uint64_t, 8> kNameFactor{
      0x9E3779B97F4A7C15ull, 0xC2B2AE3D27D4EB4Full, 0x165667B19E3779F9ull, 0xD6E8FEB86659FD93ull,
      0xFF51AFD7ED558CCDull, 0xC4CEB9FE1A85EC53ull, 0x94D049BB133111EBull, 0xBF58476D1CE4E5B9ull};

  Renaming rename_{};
  Renaming inverse_{};
  bool anonymous_ = false;
  bool symmetric_ = false;
  bool names_used_ = false;
  std::uint64_t hash_ = 0x243F6A8885A308D3ull;
  std::uint64_t words_ = 0;
  bool identity_ = true;
  mutable bool split_failed_ = false;
  SplitNames* split_ = nullptr;
  std::vector<std::uint64_t>* record_ = nullptr;
};

}  // namespace skiff
