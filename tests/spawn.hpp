// Running the skiff binary (SKIFF_BINARY) from a test, as a user would: stdin
// from /dev/null, stdout and stderr to files, and never a hang (a process
// still running after its time is killed and reported as a failure).
#pragma once

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <stdexcept>
#include <ostream>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

extern char** environ;

namespace skiff::testing {

namespace fs = std::filesystem;

// A directory of its own under the system's temporary one, removed with
// everything in it when the object goes.
class ScratchDir {
 public:
  explicit ScratchDir(const std::string& prefix) {
    std::string pattern = (fs::temp_directory_path() / (prefix + "-XXXXXX")).string();
    if (!mkdtemp(pattern.data())) throw std::runtime_error("mkdtemp failed");
    path_ = pattern;
  }
  ~ScratchDir() {
    std::error_code ignored;
    fs::remove_all(path_, ignored);
  }
  ScratchDir(const ScratchDir&) = delete;
  ScratchDir& operator=(const ScratchDir&) = delete;
  const fs::path& path() const { return path_; }

 private:
  fs::path path_;
};

inline std::string read_file(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream buffer;
  buffer << in.rdbuf();
  return buffer.str();
}

struct Result {
  int status = -1;  // the exit status, -1 if the process did not exit normally
  int signal = 0;   // the signal that ended it, if one did
  std::string out, err;
};

inline std::ostream& operator<<(std::ostream& o, const Result& r) {
  return o << "status " << r.status << (r.signal ? " signal " + std::to_string(r.signal) : "") << "\n--- stdout\n"
           << r.out.substr(0, 2000) << "--- stderr\n"
           << r.err.substr(0, 2000) << "---";
}

// Called every few milliseconds while the process runs, with its pid and the
// time since it started; returns whether to keep calling.
using WhileRunning = std::function<bool(pid_t, std::chrono::duration<double>)>;

// Runs `skiff ARGS...`, its stdout and stderr into files in `scratch`.
inline Result run_skiff(const fs::path& scratch, const std::vector<std::string>& args,
                        const WhileRunning& while_running = nullptr,
                        std::chrono::seconds limit = std::chrono::seconds(60)) {
  static int calls = 0;
  const fs::path out_path = scratch / ("stdout-" + std::to_string(calls));
  const fs::path err_path = scratch / ("stderr-" + std::to_string(calls++));
  std::vector<std::string> words{SKIFF_BINARY};
  words.insert(words.end(), args.begin(), args.end());
  std::vector<char*> argv;
  for (std::string& word : words) argv.push_back(word.data());
  argv.push_back(nullptr);

  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&actions, 1, out_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  posix_spawn_file_actions_addopen(&actions, 2, err_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  pid_t pid = 0;
  const int spawned = posix_spawn(&pid, SKIFF_BINARY, &actions, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  Result result;
  if (spawned != 0) {
    ADD_FAILURE() << "cannot run " << SKIFF_BINARY << ": " << std::strerror(spawned);
    return result;
  }

  // Wait, but not for ever: a hang is a failure, not a stuck test.
  const auto start = std::chrono::steady_clock::now();
  auto pause = std::chrono::microseconds(200);
  bool watching = bool(while_running);
  int wstatus = 0;
  for (;;) {
    const pid_t done = waitpid(pid, &wstatus, WNOHANG);
    if (done == pid) break;
    if (done < 0 && errno != EINTR) {
      ADD_FAILURE() << "waitpid: " << std::strerror(errno);
      return result;
    }
    const auto now = std::chrono::steady_clock::now();
    if (now - start > limit) {
      kill(pid, SIGKILL);
      waitpid(pid, &wstatus, 0);
      ADD_FAILURE() << "skiff did not finish within " << limit.count() << " s";
      break;
    }
    if (watching) watching = while_running(pid, now - start);
    std::this_thread::sleep_for(pause);
    pause = std::min(pause * 2, std::chrono::microseconds(watching ? 20000 : 1000));
  }
  if (WIFEXITED(wstatus)) result.status = WEXITSTATUS(wstatus);
  if (WIFSIGNALED(wstatus)) result.signal = WTERMSIG(wstatus);
  result.out = read_file(out_path);
  result.err = read_file(err_path);
  return result;
}

}  // namespace skiff::testing
