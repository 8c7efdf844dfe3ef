// The model checker's compact visited set (`skiff check --compact`): the
// same interface as VisitedSet (breadth-first only: no depth tags) in 4-byte
// slots, so 5.3 to 8 bytes per state (a table grows by half when 3/4 full).
//
// Quotienting (Cleary 1984): a fingerprint's top 6 bits choose its shard, as
// in VisitedSet; of the remaining 58 bits only the top kKeptBits = 42 count
// (G below). A slot holds G's low kRemainderBits = 26 bits and how far the
// entry sits past its home slot (linear probing, kDisplacementBits = 6);
// the home slot, floor(G * size / 2^42), gives back the rest of G, since a
// table has at least 2^16 slots (see recover()). So an entry keeps 48 bits
// of the fingerprint (6 + 42) in 32 bits of memory and a table can be
// rehashed at any size. Two different states are taken as one when their
// fingerprints agree in those 48 bits: with n states the chance of any
// omission is at most n^2 / 2^49 (check_command.cpp prints it).
//
// An insert that would land more than kMaxDisplacement slots past its home
// grows the table first (rare at 3/4 load; counted in bytes()).
//
// Threads: as VisitedSet (contains() on many threads while nothing inserts;
// insert() on one thread per shard).
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "checker/visited_set.hpp"

namespace skiff {

class CompactVisitedSet {
 public:
  static constexpr int kShardBits = VisitedSet::kShardBits;
  static constexpr std::size_t kShards = VisitedSet::kShards;
  static constexpr int kKeptBits = 42;         // of the 58 below the shard bits
  static constexpr int kRemainderBits = 26;    // stored: G's low bits
  static constexpr int kDisplacementBits = 6;  // stored: slots past home
  static constexpr int kFingerprintBits = kShardBits + kKeptBits;  // 48
  static constexpr std::uint32_t kMaxDisplacement = (1u << kDisplacementBits) - 2;  // all ones: empty
  static constexpr int kFirstSlotBits = kKeptBits - kRemainderBits;  // 16: a table's least size is 2^16

  CompactVisitedSet() {
    for (Shard& shard : shards_) shard.slots.assign(std::size_t(1) << kFirstSlotBits, kEmpty);
  }

  static std::size_t shard_of(std::uint64_t fingerprint) { return VisitedSet::shard_of(fingerprint); }

  bool contains(std::uint64_t fingerprint) const {
    const std::uint64_t g = kept(fingerprint);
    const Shard& shard = shards_[shard_of(fingerprint)];
    const std::size_t home = home_of(g, shard.slots.size());
    const std::uint32_t remainder = std::uint32_t(g & kRemainderMask);
    std::size_t i = home;
    for (std::uint32_t d = 0;; ++d, i = next(shard, i)) {
      const std::uint32_t slot = shard.slots[i];
      if (slot == kEmpty) return false;
      if (displacement(slot) == d && (slot >> kDisplacementBits) == remainder) return true;
      if (d > kMaxDisplacement) return false;
    }
  }

  void prefetch(std::uint64_t fingerprint) const {
    const Shard& shard = shards_[shard_of(fingerprint)];
    __builtin_prefetch(shard.slots.data() + home_of(kept(fingerprint), shard.slots.size()));
  }

  // True if the fingerprint (its 48 kept bits) was not there before.
  bool insert(std::uint64_t fingerprint) {
    if (contains(fingerprint)) return false;
    Shard& shard = shards_[shard_of(fingerprint)];
    if ((shard.used + 1) * 4 > shard.slots.size() * 3) grow(shard);
    while (!place(shard, kept(fingerprint))) grow(shard);
    ++shard.used;
    return true;
  }

  std::size_t size() const {
    std::size_t total = 0;
    for (const Shard& shard : shards_) total += shard.used;
    return total;
  }
  std::size_t bytes() const {
    std::size_t total = 0;
    for (const Shard& shard : shards_) total += shard.slots.capacity() * sizeof(std::uint32_t);
    return total;
  }

 private:
  static constexpr std::uint32_t kEmpty = ~std::uint32_t(0);
  static constexpr std::uint64_t kRemainderMask = (std::uint64_t(1) << kRemainderBits) - 1;
  using Slots = std::vector<std::uint32_t, HugePageAllocator<std::uint32_t>>;
  struct Shard {
    Slots slots;
    std::size_t used = 0;
  };

  // The 42 bits of the fingerprint that count, below its shard bits.
  static std::uint64_t kept(std::uint64_t fingerprint) {
    return (fingerprint << kShardBits) >> (64 - kKeptBits);
  }
  static std::size_t home_of(std::uint64_t g, std::size_t size) {
    return std::size_t((unsigned __int128)(g << (64 - kKeptBits)) * size >> 64);
  }
  static std::uint32_t displacement(std::uint32_t slot) { return slot & ((1u << kDisplacementBits) - 1); }
  static std::size_t next(const Shard& shard, std::size_t i) { return i + 1 == shard.slots.size() ? 0 : i + 1; }

  // G from its home slot and its remainder: G's top 16 bits P are such that
  // home_of(P * 2^26 + remainder) == home; of the candidates floor(home *
  // 2^16 / size) + {0, 1} exactly one fits, since a home slot covers fewer
  // than 2^26 values of G when size >= 2^16.
  static std::uint64_t recover(std::size_t home, std::uint32_t remainder, std::size_t size) {
    const std::uint64_t first = (std::uint64_t(home) << kFirstSlotBits) / size;
    for (std::uint64_t top = first; top <= first + 1; ++top) {
      const std::uint64_t g = top << kRemainderBits | remainder;
      if (home_of(g, size) == home) return g;
    }
    return first << kRemainderBits | remainder;  // unreachable
  }

  // Puts G in its first empty slot from home on; false if that is too far.
  static bool place(Shard& shard, std::uint64_t g) {
    std::size_t i = home_of(g, shard.slots.size());
    for (std::uint32_t d = 0; d <= kMaxDisplacement; ++d, i = next(shard, i))
      if (shard.slots[i] == kEmpty) {
        shard.slots[i] = std::uint32_t(g & kRemainderMask) << kDisplacementBits | d;
        return true;
      }
    return false;
  }

  static void grow(Shard& shard) {
    Slots old;
    old.swap(shard.slots);
    for (std::size_t size = old.size() + old.size() / 2;; size += size / 2) {
      shard.slots.assign(size, kEmpty);
      bool placed_all = true;
      for (std::size_t i = 0; i < old.size() && placed_all; ++i) {
        const std::uint32_t slot = old[i];
        if (slot == kEmpty) continue;
        const std::size_t home = (i + old.size() - displacement(slot)) % old.size();
        placed_all = place(shard, recover(home, slot >> kDisplacementBits, old.size()));
      }
      if (placed_all) return;
    }
  }

  Shard shards_[kShards];
};

}  // namespace skiff
