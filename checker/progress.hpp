// The progress of a long command on stderr: one line rewritten in place on a
// terminal; otherwise (a log, CI) plain lines, the first once the command has
// run kFirstLineAfter and then one every kLineEvery, so a short command
// prints none.
#pragma once

#include <iosfwd>
#include <string>

namespace skiff {

enum class ProgressMode { Off, Terminal, Lines };

// Terminal if `fd` is one, Lines otherwise.
ProgressMode progress_mode_for(int fd);

class ProgressLine {
 public:
  static constexpr double kFirstLineAfter = 5;  // seconds
  static constexpr double kLineEvery = 10;      // seconds

  ProgressLine(std::ostream& err, ProgressMode mode) : err_(err), mode_(mode) {}
  ~ProgressLine() { clear(); }

  // Shows `text` (one line, no newline) `elapsed_s` seconds into the command.
  void show(double elapsed_s, const std::string& text);
  // Takes a terminal's line away before something else is printed.
  void clear();

 private:
  std::ostream& err_;
  ProgressMode mode_;
  bool on_screen_ = false;
  double next_line_at_ = kFirstLineAfter;
};

}  // namespace skiff
