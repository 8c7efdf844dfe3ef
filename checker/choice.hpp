// Choice sources: where the scheduler's decisions come from. Every decision
// in a run is one call to `below(n)`, which returns a number in [0, n).
// Every source (a seed, libFuzzer's bytes, an exhaustive enumerator)
// implements the same one-function interface. A source that can run out also
// has `bool exhausted() const`; the run loop (simulation.hpp) ends the run
// when it does.
#pragma once

#include <cstddef>
#include <cstdint>
#include <random>
#include <span>
#include <vector>

namespace skiff {

// Decisions drawn from one 64-bit seed. std::mt19937_64's sequence is fixed by
// the C++ standard, and below() maps it to a range without a library
// distribution (whose output the standard leaves to each library), so a seed
// means the same run with every compiler and build type.
class SeededChoices {
 public:
  explicit SeededChoices(std::uint64_t seed) : rng_(seed) {}
  std::uint32_t below(std::uint32_t n) {
    return std::uint32_t(((rng_() >> 32) * std::uint64_t(n)) >> 32);
  }

 private:
  std::mt19937_64 rng_;
};

// Decisions read from a fuzzer's input bytes, in order (docs/fuzzing.md).
// below(n) reads
//   nothing if n <= 1 (there is nothing to decide): 0;
//   one byte b if n <= 256: b % n;
//   two bytes if n <= 65536, big-endian: (b0 << 8 | b1) % n;
//   four bytes otherwise, big-endian, modulo n.
// So a byte below n means that choice itself, and changing one byte changes
// one decision. When the bytes run out in the middle of a decision the source
// is exhausted: that decision and every later one is 0, and the run loop
// ends the run without applying the event being chosen. An empty input is an
// empty run.
class ByteChoices {
 public:
  explicit ByteChoices(std::span<const std::uint8_t> bytes) : bytes_(bytes) {}

  std::uint32_t below(std::uint32_t n) {
    if (n <= 1) return 0;
    const std::size_t width = choice_width(n);
    if (bytes_.size() - used_ < width) {
      used_ = bytes_.size();
      exhausted_ = true;
    }
    if (exhausted_) return 0;
    std::uint32_t value = 0;
    for (std::size_t i = 0; i < width; ++i) value = value << 8 | bytes_[used_ + i];
    used_ += width;
    return value % n;
  }
  bool exhausted() const { return exhausted_; }
  std::size_t bytes_read() const { return used_; }

  // How many bytes a decision among n options reads.
  static std::size_t choice_width(std::uint32_t n) {
    return n <= 1 ? 0 : n <= 256 ? 1 : n <= 65536 ? 2 : 4;
  }
  // Appends the bytes that make below(n) return `value` (< n).
  static void put(std::vector<std::uint8_t>& bytes, std::uint32_t n, std::uint32_t value) {
    for (std::size_t i = choice_width(n); i-- > 0;) bytes.push_back(std::uint8_t(value >> (8 * i)));
  }

 private:
  std::span<const std::uint8_t> bytes_;
  std::size_t used_ = 0;
  bool exhausted_ = false;
};

// Passes another source's decisions through and writes them down as the bytes
// that make ByteChoices decide the same: any run becomes a fuzzer input.
template <class Choices>
class RecordingChoices {
 public:
  RecordingChoices(Choices& inner, std::vector<std::uint8_t>& bytes) : inner_(inner), bytes_(bytes) {}
  std::uint32_t below(std::uint32_t n) {
    const std::uint32_t value = inner_.below(n);
    ByteChoices::put(bytes_, n, value);
    return value;
  }

 private:
  Choices& inner_;
  std::vector<std::uint8_t>& bytes_;
};

}  // namespace skiff
