// The model checker's visited states: 64-bit fingerprints in open-addressing
// tables (linear probing), one per shard so that shards can be filled by
// different threads. 8 bytes a slot, kept between 3/8 and 3/4 full.
//
// contains() may run on many threads at once while nothing inserts; insert()
// on one thread per shard. The model checker keeps to that (lookups while
// expanding a level, inserts between levels), so there are no locks.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace skiff {

class VisitedSet {
 public:
  static constexpr int kShardBits = 6;
  static constexpr std::size_t kShards = std::size_t(1) << kShardBits;

  VisitedSet() {
    for (Shard& shard : shards_) shard.slots.assign(1024, kEmpty);
  }

  static std::size_t shard_of(std::uint64_t fingerprint) { return std::size_t(fingerprint >> (64 - kShardBits)); }

  bool contains(std::uint64_t fingerprint) const {
    fingerprint = stored(fingerprint);
    const Shard& shard = shards_[shard_of(fingerprint)];
    const std::size_t mask = shard.slots.size() - 1;
    for (std::size_t i = std::size_t(fingerprint) & mask;; i = (i + 1) & mask) {
      if (shard.slots[i] == fingerprint) return true;
      if (shard.slots[i] == kEmpty) return false;
    }
  }

  // True if the fingerprint was not there before.
  bool insert(std::uint64_t fingerprint) {
    fingerprint = stored(fingerprint);
    Shard& shard = shards_[shard_of(fingerprint)];
    if ((shard.used + 1) * 4 > shard.slots.size() * 3) grow(shard);
    const std::size_t mask = shard.slots.size() - 1;
    for (std::size_t i = std::size_t(fingerprint) & mask;; i = (i + 1) & mask) {
      if (shard.slots[i] == fingerprint) return false;
      if (shard.slots[i] == kEmpty) {
        shard.slots[i] = fingerprint;
        ++shard.used;
        return true;
      }
    }
  }

  std::size_t size() const {
    std::size_t total = 0;
    for (const Shard& shard : shards_) total += shard.used;
    return total;
  }
  std::size_t bytes() const {
    std::size_t total = 0;
    for (const Shard& shard : shards_) total += shard.slots.capacity() * sizeof(std::uint64_t);
    return total;
  }

 private:
  static constexpr std::uint64_t kEmpty = 0;
  // 0 marks an empty slot, so the fingerprint 0 is stored as 1 (a collision
  // of one value in 2^64).
  static std::uint64_t stored(std::uint64_t fingerprint) { return fingerprint == kEmpty ? 1 : fingerprint; }

  struct Shard {
    std::vector<std::uint64_t> slots;
    std::size_t used = 0;
  };

  static void grow(Shard& shard) {
    std::vector<std::uint64_t> old;
    old.swap(shard.slots);
    shard.slots.assign(old.size() * 2, kEmpty);
    const std::size_t mask = shard.slots.size() - 1;
    for (std::uint64_t fingerprint : old) {
      if (fingerprint == kEmpty) continue;
      std::size_t i = std::size_t(fingerprint) & mask;
      while (shard.slots[i] != kEmpty) i = (i + 1) & mask;
      shard.slots[i] = fingerprint;
    }
  }

  Shard shards_[kShards];
};

}  // namespace skiff
