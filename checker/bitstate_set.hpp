// The model checker's bitstate visited set (`skiff check --bitstate BITS`,
// SPIN's term): a Bloom filter of 2^BITS bits with k hash functions, for
// state spaces whose fingerprints do not fit in memory. A state is taken as
// visited when all k of its bits are set, so a new state can be taken for
// an old one (and it and whatever only it leads to are not explored): the
// search is partial, and coverage_estimate() says how partial.
//
// The bits are split into the same 64 shards as VisitedSet (a fingerprint's
// top 6 bits), so that breadth-first phase 2 can insert on one thread per
// shard without locks. The k bit positions come from the fingerprint by
// double hashing (Kirsch & Mitzenmacher 2006).
#pragma once

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <vector>

#include "checker/visited_set.hpp"

namespace skiff {

class BitstateSet {
 public:
  static constexpr std::size_t kShards = VisitedSet::kShards;
  static constexpr int kMinBits = 12;
  static constexpr int kMaxBits = 40;

  // 2^bits bits in all (kMinBits to kMaxBits), `hashes` bits per state (1 to 16).
  BitstateSet(int bits, int hashes) : shard_bits_(bits - VisitedSet::kShardBits), hashes_(hashes) {
    for (Shard& shard : shards_) shard.words.assign((std::size_t(1) << shard_bits_) / 64, 0);
  }

  static std::size_t shard_of(std::uint64_t fingerprint) { return VisitedSet::shard_of(fingerprint); }

  bool contains(std::uint64_t fingerprint) const {
    const Shard& shard = shards_[shard_of(fingerprint)];
    Positions p(fingerprint, shard_bits_);
    for (int j = 0; j < hashes_; ++j, p.advance())
      if (!(shard.words[p.bit >> 6] >> (p.bit & 63) & 1)) return false;
    return true;
  }

  void prefetch(std::uint64_t fingerprint) const {
    const Shard& shard = shards_[shard_of(fingerprint)];
    __builtin_prefetch(shard.words.data() + (Positions(fingerprint, shard_bits_).bit >> 6));
  }

  // True if some bit of the state was clear (it is new); sets them all.
  bool insert(std::uint64_t fingerprint) {
    Shard& shard = shards_[shard_of(fingerprint)];
    Positions p(fingerprint, shard_bits_);
    bool fresh = false;
    for (int j = 0; j < hashes_; ++j, p.advance()) {
      std::uint64_t& word = shard.words[p.bit >> 6];
      const std::uint64_t mask = std::uint64_t(1) << (p.bit & 63);
      fresh |= !(word & mask);
      word |= mask;
    }
    shard.stored += fresh;
    return fresh;
  }

  std::size_t size() const {
    std::size_t total = 0;
    for (const Shard& shard : shards_) total += shard.stored;
    return total;
  }
  std::size_t bytes() const { return kShards * (std::size_t(1) << shard_bits_) / 8; }

  // Holzmann's estimate of what a search with this filter missed: after i
  // states were stored in m bits with k hashes, a new state finds all its
  // bits set with probability (1 - e^(-k i / m))^k; summed over the n states
  // stored, the expected number of states taken for visited ones without
  // having been (each of which may hide others behind it).
  double expected_omissions() const { return expected_omissions(double(size()), double(bytes()) * 8, hashes_); }
  static double expected_omissions(double stored, double bits, int hashes) {
    constexpr int kSteps = 1000;  // the sum as an integral, midpoint rule
    double total = 0;
    for (int s = 0; s < kSteps; ++s) {
      const double i = stored * (s + 0.5) / kSteps;
      total += std::pow(1 - std::exp(-hashes * i / bits), hashes);
    }
    return total * stored / kSteps;
  }
  int hashes() const { return hashes_; }

 private:
  struct Positions {
    Positions(std::uint64_t fingerprint, int shard_bits) : mask((std::uint64_t(1) << shard_bits) - 1) {
      std::uint64_t h = fingerprint * 0x9E3779B97F4A7C15ull;
      h ^= h >> 29;
      step = (h >> 32 | 1);
      bit = (fingerprint ^ (fingerprint >> 31) * 0xBF58476D1CE4E5B9ull) & mask;
    }
    void advance() { bit = (bit + step) & mask; }
    std::uint64_t mask, step, bit;
  };
  using Words = std::vector<std::uint64_t, HugePageAllocator<std::uint64_t>>;
  struct Shard {
    Words words;
    std::size_t stored = 0;
  };

  int shard_bits_;
  int hashes_;
  Shard shards_[kShards];
};

}  // namespace skiff
