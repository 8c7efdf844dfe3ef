// The breadth-first search's levels (how each state of each level was
// reached: a fixed-size record per state), kept in memory up to a budget and
// in files beyond it (`skiff check --frontier-memory MB --spill-dir DIR`),
// so that a search bounded by memory becomes one bounded by disk.
//
// Contract:
// - Levels are appended one at a time (begin_level, append..., end_level)
//   from one thread; while a level is being appended no reader runs.
// - Records never change once appended, wherever they are kept; a level
//   moves from memory to its file only between appends (never while readers
//   run), and at() and Reader::get() return the same record either way, so
//   that a search gives the same results with and without spilling.
// - When the records in memory exceed the budget, the oldest levels in
//   memory go to files first; a level that alone exceeds it is written to
//   its file as it grows, through a write buffer.
// - Files are made with mkstemp in the directory and unlinked at once: they
//   vanish with the process, even when it is killed.
// - Reader: one per thread; it keeps a window of each level on disk and
//   refills it at the index asked for when that index is outside it, so that
//   reading indices in increasing order (the search's order: a level's
//   states are in the order of their parents) reads each file once, in
//   large sequential reads.
#pragma once

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <memory>
#include <stdexcept>
#include <string>
#include <type_traits>
#include <vector>

#include <fmt/format.h>

namespace skiff {

// Thrown when a spill file cannot be made, written or read (disk full, no
// such directory, ...): the search cannot go on.
struct SpillError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

template <class Record>
class SpilledLevels {
  static_assert(std::is_trivially_copyable_v<Record>);

 public:
  static constexpr std::size_t kWindowRecords = 4096;  // a reader's window per level on disk
  static constexpr std::size_t kWriteRecords = 8192;   // the write buffer of a level on disk

  // budget_bytes: 0 keeps every level in memory (no file is ever made).
  SpilledLevels(std::size_t budget_bytes, std::string directory)
      : budget_bytes_(budget_bytes), directory_(std::move(directory)) {}
  SpilledLevels(const SpilledLevels&) = delete;
  SpilledLevels& operator=(const SpilledLevels&) = delete;
  ~SpilledLevels() {
    for (Level& level : levels_)
      if (level.fd >= 0) ::close(level.fd);
  }

  // Whether spilling was asked for: a budget was given.
  bool bounded() const { return budget_bytes_ > 0; }
  std::size_t budget_bytes() const { return budget_bytes_; }

  std::size_t levels() const { return levels_.size(); }
  std::size_t size(std::size_t level) const { return levels_[level].size; }

  void begin_level() { levels_.emplace_back(); }
  void append(const Record& record) {
    Level& level = levels_.back();
    if (level.fd >= 0) {
      level.write_buffer.push_back(record);
      if (level.write_buffer.size() == kWriteRecords) flush(level);
    } else {
      level.records.push_back(record);
      memory_records_ += 1;
      if (bounded() && memory_records_ * sizeof(Record) > budget_bytes_) make_room();
    }
    ++level.size;
  }
  // Room for `count` more records in the newest level, when it is in memory
  // and there is no budget (with one, a level grows as vectors do, spilled
  // before it passes the budget).
  void reserve_more(std::size_t count) {
    Level& level = levels_.back();
    if (!bounded() && level.fd < 0) level.records.reserve(level.records.size() + count);
  }
  void end_level() {
    Level& level = levels_.back();
    if (level.fd >= 0) {
      flush(level);
      std::vector<Record>().swap(level.write_buffer);  // (= {} would keep the capacity)
    }
  }
  // A whole level at once.
  void push_level(const std::vector<Record>& records) {
    begin_level();
    for (const Record& r : records) append(r);
    end_level();
  }

  // Record `index` of `level`, from memory or by one read of its file.
  Record at(std::size_t level, std::size_t index) const {
    const Level& l = levels_[level];
    if (l.fd < 0) return l.records[index];
    Record record;
    read_exactly(l, index, 1, &record);
    return record;
  }

  class Reader {
   public:
    explicit Reader(const SpilledLevels* levels = nullptr) : levels_(levels) {}
    Record get(std::size_t level, std::size_t index) {
      const Level& l = levels_->levels_[level];
      if (l.fd < 0) return l.records[index];
      if (windows_.size() <= level) windows_.resize(levels_->levels_.size());
      Window& w = windows_[level];
      if (index < w.first || index >= w.first + w.records.size()) {
        const std::size_t count = std::min(kWindowRecords, l.size - index);
        w.records.resize(count);
        w.first = index;
        read_exactly(l, index, count, w.records.data());
      }
      return w.records[index - w.first];
    }
    // Forgets the windows (a level may have been spilled since: its window
    // is rebuilt from the file when next needed).
    void reset() { windows_.clear(); }

   private:
    struct Window {
      std::size_t first = 0;
      std::vector<Record> records;
    };
    const SpilledLevels* levels_;
    std::vector<Window> windows_;
  };

  std::size_t memory_bytes() const {
    std::size_t total = 0;
    for (const Level& level : levels_) total += level.records.capacity() * sizeof(Record);
    return total;
  }
  std::size_t disk_bytes() const { return disk_records_ * sizeof(Record); }
  std::size_t levels_on_disk() const {
    std::size_t count = 0;
    for (const Level& level : levels_) count += level.fd >= 0;
    return count;
  }

 private:
  struct Level {
    std::size_t size = 0;
    std::vector<Record> records;       // in memory: the level
    int fd = -1;                       // on disk: its file, records [0, size - write_buffer.size())
    std::vector<Record> write_buffer;  // on disk, being appended: the records not yet written
  };

  // Moves levels to files, oldest first, until the records in memory fit
  // the budget; the newest level last (it then goes on growing in its file).
  void make_room() {
    for (Level& level : levels_) {
      if (memory_records_ * sizeof(Record) <= budget_bytes_) return;
      if (level.fd >= 0) continue;
      level.fd = make_file();
      write_all(level.fd, level.records.data(), level.records.size());
      disk_records_ += level.records.size();
      memory_records_ -= level.records.size();
      std::vector<Record>().swap(level.records);
    }
  }

  int make_file() const {
    std::string path = (std::filesystem::path(directory_) / "skiff-spill-XXXXXX").string();
    const int fd = ::mkstemp(path.data());
    if (fd < 0)
      throw SpillError(fmt::format("--spill-dir: cannot make a file in {}: {}", directory_, std::strerror(errno)));
    ::unlink(path.c_str());
    return fd;
  }

  void flush(Level& level) {
    write_all(level.fd, level.write_buffer.data(), level.write_buffer.size());
    disk_records_ += level.write_buffer.size();
    level.write_buffer.clear();
  }

  void write_all(int fd, const Record* records, std::size_t count) const {
    const char* bytes = reinterpret_cast<const char*>(records);
    std::size_t left = count * sizeof(Record);
    while (left > 0) {
      const ssize_t n = ::write(fd, bytes, left);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0)
        throw SpillError(fmt::format("--spill-dir: cannot write to a file in {}: {}", directory_,
                                     n < 0 ? std::strerror(errno) : "no space written"));
      bytes += n;
      left -= std::size_t(n);
    }
  }

  static void read_exactly(const Level& level, std::size_t first, std::size_t count, Record* out) {
    char* bytes = reinterpret_cast<char*>(out);
    std::size_t left = count * sizeof(Record);
    off_t offset = off_t(first * sizeof(Record));
    while (left > 0) {
      const ssize_t n = ::pread(level.fd, bytes, left, offset);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) throw SpillError(fmt::format("spill file: cannot read: {}", n < 0 ? std::strerror(errno) : "short"));
      bytes += n;
      offset += n;
      left -= std::size_t(n);
    }
  }

  std::size_t budget_bytes_;
  std::string directory_;
  std::vector<Level> levels_;
  std::size_t memory_records_ = 0;
  std::size_t disk_records_ = 0;
};

}  // namespace skiff
