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
#include <cstdlib>
#include <memory>
#include <new>
#include <sys/mman.h>
#include <vector>

namespace skiff {

// An allocator for large tables: memory aligned to 2 MiB and marked for
// transparent huge pages (madvise), where the kernel allows them. A table
// of hundreds of megabytes then costs a few hundred page faults and TLB
// entries rather than hundreds of thousands; nothing else changes.
template <class T>
struct HugePageAllocator {
  using value_type = T;
  HugePageAllocator() = default;
  template <class U>
  HugePageAllocator(const HugePageAllocator<U>&) {}
  T* allocate(std::size_t n) {
    constexpr std::size_t kHuge = std::size_t(2) << 20;
    const std::size_t bytes = n * sizeof(T);
    if (bytes < kHuge) return std::allocator<T>().allocate(n);
    const std::size_t rounded = (bytes + kHuge - 1) / kHuge * kHuge;
    void* memory = std::aligned_alloc(kHuge, rounded);
    if (!memory) throw std::bad_alloc();
    madvise(memory, rounded, MADV_HUGEPAGE);  // a hint: failure changes nothing
    return static_cast<T*>(memory);
  }
  void deallocate(T* p, std::size_t n) {
    if (n * sizeof(T) < (std::size_t(2) << 20)) return std::allocator<T>().deallocate(p, n);
    std::free(p);
  }
  friend bool operator==(const HugePageAllocator&, const HugePageAllocator&) { return true; }
};

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

  // Asks the memory system for the fingerprint's first slot, so that a
  // contains() or insert() of it a little later does not wait for it.
  void prefetch(std::uint64_t fingerprint) const {
    const Shard& shard = shards_[shard_of(fingerprint)];
    __builtin_prefetch(shard.slots.data() + home(shard, key_of(fingerprint)));
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

  using Slots = std::vector<std::uint64_t, HugePageAllocator<std::uint64_t>>;
  struct Shard {
    Slots slots;
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
    Slots old;
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
