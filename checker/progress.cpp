#include "checker/progress.hpp"

#include <unistd.h>

#include <ostream>

namespace skiff {

ProgressMode progress_mode_for(int fd) { return isatty(fd) ? ProgressMode::Terminal : ProgressMode::Lines; }

void ProgressLine::show(double elapsed_s, const std::string& text) {
  switch (mode_) {
    case ProgressMode::Off:
      return;
    case ProgressMode::Terminal:
      err_ << "\r\033[K" << text;
      err_.flush();
      on_screen_ = true;
      return;
    case ProgressMode::Lines:
      if (elapsed_s < next_line_at_) return;
      while (next_line_at_ <= elapsed_s) next_line_at_ += kLineEvery;
      err_ << "progress: " << text << '\n';
      err_.flush();
      return;
  }
}

void ProgressLine::clear() {
  if (!on_screen_) return;
  err_ << "\r\033[K";
  err_.flush();
  on_screen_ = false;
}

}  // namespace skiff
