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
// reduction caches (see World::encode); its renaming_key() names its
// renaming, for caches of digests made under it.
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
    for (std::uint8_t i = 0; i < 8; ++i) {
      identity_ &= rename_[i] == i;
      renaming_key_ |= std::uint32_t(rename_[i] & 7) << (3 * i);
    }
    renaming_key_ |= 1u << 31;  // never 0, which caches take for "none"
  }
  // An encoder whose digests do not depend on node names (see above).
  static StateEncoder anonymous() {
    StateEncoder e;
    e.anonymous_ = true;
    e.identity_ = false;  // its digests are not the identity's: not to be cached as those
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
    if (anonymous_) {
      std::array<std::uint64_t, 8> sorted{};
      for (int k = 0; k < node_count; ++k) sorted[std::size_t(k)] = std::uint64_t(values[std::size_t(k)]);
      std::sort(sorted.begin(), sorted.begin() + node_count);
      for (int k = 0; k < node_count; ++k) put(sorted[std::size_t(k)]);
      return;
    }
    for (int k = 0; k < node_count; ++k) put(std::uint64_t(values[inverse_[std::size_t(k)]]));
  }

  std::uint8_t renamed(std::uint8_t node) const { return rename_[node]; }
  // Whether no node is renamed: digests of parts made under the identity may
  // be cached and reused (World does, for nodes and messages).
  bool identity() const { return identity_; }
  std::uint8_t original(std::uint8_t renamed_node) const { return inverse_[renamed_node]; }
  bool names_used() const { return names_used_; }
  bool symmetric() const { return symmetric_; }
  std::uint32_t renaming_key() const { return renaming_key_; }

  // The digest of everything put so far (murmur3's finaliser over the state).
  std::uint64_t digest() const {
    std::uint64_t h = hash_ ^ words_;
    h ^= h >> 33;
    h *= 0xFF51AFD7ED558CCDull;
    h ^= h >> 33;
    h *= 0xC4CEB9FE1A85EC53ull;
    h ^= h >> 33;
    return h;
  }

  // A fresh encoder with the same renaming, for parts hashed on their own
  // (the members of a multiset).
  StateEncoder sibling() const {
    if (anonymous_) return anonymous();
    return StateEncoder(rename_, inverse_, symmetric_);
  }

  // Also keep every value put, in order (for tests that compare whole states).
  void record_into(std::vector<std::uint64_t>* words) { record_ = words; }

 private:
  [[gnu::noinline]] void record(std::uint64_t value) { record_->push_back(value); }
  void identity_renaming() {
    for (std::uint8_t i = 0; i < 8; ++i) rename_[i] = inverse_[i] = i;
  }

  static constexpr std::uint64_t kAnonymousNode = 0xA0;

  Renaming rename_{};
  Renaming inverse_{};
  std::uint32_t renaming_key_ = 0;
  bool anonymous_ = false;
  bool symmetric_ = false;
  bool names_used_ = false;
  std::uint64_t hash_ = 0x243F6A8885A308D3ull;
  std::uint64_t words_ = 0;
  bool identity_ = true;
  std::vector<std::uint64_t>* record_ = nullptr;
};

}  // namespace skiff
