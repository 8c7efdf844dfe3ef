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
#pragma once

#include <array>
#include <cstdint>
#include <span>
#include <vector>

namespace skiff {

class StateEncoder {
 public:
  using Renaming = std::array<std::uint8_t, 8>;  // old node index -> new node index

  StateEncoder() { identity_renaming(); }
  StateEncoder(const Renaming& rename, const Renaming& inverse) : rename_(rename), inverse_(inverse) {
    for (std::uint8_t i = 0; i < 8; ++i) identity_ &= rename_[i] == i;
  }

  [[gnu::always_inline]] void put(std::uint64_t value) {
    if (record_) [[unlikely]]
      record(value);
    hash_ ^= value * 0x9E3779B97F4A7C15ull;
    hash_ = (hash_ << 31 | hash_ >> 33) * 0xC2B2AE3D27D4EB4Full;
    ++words_;
  }
  void put_node(std::uint8_t node) { put(rename_[node]); }
  // A node id that may be absent (e.g. "voted for nobody"), as a signed value < 0.
  void put_optional_node(int node) { put(node < 0 ? 0xFFu : rename_[std::size_t(node)]); }
  void put_node_set(std::uint32_t bits) {
    std::uint32_t renamed = 0;
    for (int i = 0; i < 8; ++i)
      if (bits & (1u << i)) renamed |= 1u << rename_[std::size_t(i)];
    put(renamed);
  }
  // values[i] belongs to node i; written in the renamed nodes' order.
  template <class T>
  void put_per_node(std::span<const T> values, int node_count) {
    for (int k = 0; k < node_count; ++k) put(std::uint64_t(values[inverse_[std::size_t(k)]]));
  }

  std::uint8_t renamed(std::uint8_t node) const { return rename_[node]; }
  // Whether no node is renamed: digests of parts made under the identity may
  // be cached and reused (World does, for nodes and messages).
  bool identity() const { return identity_; }
  std::uint8_t original(std::uint8_t renamed_node) const { return inverse_[renamed_node]; }

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
  StateEncoder sibling() const { return StateEncoder(rename_, inverse_); }

  // Also keep every value put, in order (for tests that compare whole states).
  void record_into(std::vector<std::uint64_t>* words) { record_ = words; }

 private:
  [[gnu::noinline]] void record(std::uint64_t value) { record_->push_back(value); }
  void identity_renaming() {
    for (std::uint8_t i = 0; i < 8; ++i) rename_[i] = inverse_[i] = i;
  }

  Renaming rename_{};
  Renaming inverse_{};
  std::uint64_t hash_ = 0x243F6A8885A308D3ull;
  std::uint64_t words_ = 0;
  bool identity_ = true;
  std::vector<std::uint64_t>* record_ = nullptr;
};

}  // namespace skiff
