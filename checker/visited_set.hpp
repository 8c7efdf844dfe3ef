// The model checker's visited states: 64-bit fingerprints in open-addressing
// tables (linear probing), one per shard so that shards can be filled by
// different threads. 8 bytes a slot; a table grows by half when it is 3/4
// full, so it is between 1/2 and 3/4 full: 10.7 to 16 bytes per state once
// past its first few thousand states.
//
// A fingerprint's top 6 bits choose its shard, so within a shard they are
// the same for every entry and need not be stored: a slot holds the other
// 58 bits and, in the top 6, a small tag (the depth-first search keeps the
// depth at which it reached the state there; breadth-first leaves it 0).
//
// contains() may run on many threads at once while nothing inserts; insert()
// and visit_at_depth() on one thread per shard (shard_of(fingerprint)). The model checker keeps to
// that (lookups while expanding a level, inserts between levels), so there
// are no locks.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <vector>

namespace skiff {

class VisitedSet {
 public:
  static constexpr int kShardBits = 6;
  static constexpr std::size_t kShards = std::size_t(1) << kShardBits;
  static constexpr std::uint32_t kMaxTag = (1u << kShardBits) - 1;

  VisitedSet() {
    for (Shard& shard : shards_) shard.slots.assign(kFirstSlots, kEmpty);
  }

  static std::size_t shard_of(std::uint64_t fingerprint) { return std::size_t(fingerprint >> kKeyBits); }

  bool contains(std::uint64_t fingerprint) const {
    const std::uint64_t key = key_of(fingerprint);
    const Shard& shard = shards_[shard_of(fingerprint)];
    for (std::size_t i = home(shard, key);; i = next(shard, i)) {
      if ((shard.slots[i] & kKeyMask) == key) return true;
      if (shard.slots[i] == kEmpty) return false;
    }
  }

  // True if the fingerprint was not there before.
  bool insert(std::uint64_t fingerprint) { return visit_at_depth(fingerprint, 0); }

  // Depth-first search: true if the state is new, or was seen only at a
  // greater depth than `depth` (<= kMaxTag), which is then recorded; the
  // search must then (re-)explore it. False if it was seen at `depth` or less.
  bool visit_at_depth(std::uint64_t fingerprint, std::uint32_t depth) {
    const std::uint64_t key = key_of(fingerprint);
    const std::uint64_t tagged = key | std::uint64_t(depth) << kKeyBits;
    Shard& shard = shards_[shard_of(fingerprint)];
    if ((shard.used + 1) * 4 > shard.slots.size() * 3) grow(shard);
    for (std::size_t i = home(shard, key);; i = next(shard, i)) {
      std::uint64_t& slot = shard.slots[i];
      if ((slot & kKeyMask) == key) {
        if (tag_of(slot) <= depth) return false;
        slot = tagged;
        return true;
      }
      if (slot == kEmpty) {
        slot = tagged;
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
  // The largest tag of any entry, and how many entries carry a given tag.
  std::uint32_t max_tag() const {
    std::uint32_t most = 0;
    for (const Shard& shard : shards_)
      for (std::uint64_t slot : shard.slots)
        if (slot != kEmpty) most = std::max(most, tag_of(slot));
    return most;
  }
  std::size_t count_with_tag(std::uint32_t tag) const {
    std::size_t count = 0;
    for (const Shard& shard : shards_)
      for (std::uint64_t slot : shard.slots) count += slot != kEmpty && tag_of(slot) == tag;
    return count;
  }

 private:
  static constexpr std::size_t kFirstSlots = 64;
  static constexpr int kKeyBits = 64 - kShardBits;
  static constexpr std::uint64_t kKeyMask = (std::uint64_t(1) << kKeyBits) - 1;
  static constexpr std::uint64_t kEmpty = 0;

  struct Shard {
    std::vector<std::uint64_t> slots;
    std::size_t used = 0;
  };

  // The key 0 would look empty, so it is stored as 1 (a collision of one
  // value in 2^58).
  static std::uint64_t key_of(std::uint64_t fingerprint) {
    const std::uint64_t key = fingerprint & kKeyMask;
    return key == kEmpty ? 1 : key;
  }
  static std::uint32_t tag_of(std::uint64_t slot) { return std::uint32_t(slot >> kKeyBits); }
  // A key's first slot: its bits scaled to the table's size (any size, not
  // only powers of two, so that tables can grow by half).
  static std::size_t home(const Shard& shard, std::uint64_t key) {
    return std::size_t((unsigned __int128)(key << kShardBits) * shard.slots.size() >> 64);
  }
  static std::size_t next(const Shard& shard, std::size_t i) { return i + 1 == shard.slots.size() ? 0 : i + 1; }

  static void grow(Shard& shard) {
    std::vector<std::uint64_t> old;
    old.swap(shard.slots);
    shard.slots.assign(old.size() + old.size() / 2, kEmpty);
    for (std::uint64_t slot : old) {
      if (slot == kEmpty) continue;
      std::size_t i = home(shard, slot & kKeyMask);
      while (shard.slots[i] != kEmpty) i = next(shard, i);
      shard.slots[i] = slot;
    }
  }

  Shard shards_[kShards];
};

}  // namespace skiff
