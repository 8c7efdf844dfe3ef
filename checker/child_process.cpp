// The child process of checker/child_process.hpp: fork, fatal-signal notes,
// _exit; and the shared memory it writes into.
#include "checker/child_process.hpp"

#include <fcntl.h>
#include <fmt/format.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <ctime>

#include <atomic>
#include <cerrno>
#include <csignal>

#include "protocols/library_call.hpp"

namespace skiff {

struct SharedLog::Header {
  std::atomic<std::uint64_t> committed;  // bytes of data the parent may read
  // The crash note a fatal-signal handler writes (noted != 0).
  volatile std::int32_t noted;
  volatile std::int32_t node;
  char where[120];
};

namespace {
constexpr std::size_t kHeaderSize = 4096;  // one page, keeps the data aligned
static_assert(sizeof(std::atomic<std::uint64_t>) + 8 + 120 <= kHeaderSize);

void* map_shared(std::size_t size) {
  void* at = mmap(nullptr, size, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
  if (at == MAP_FAILED) throw std::runtime_error(fmt::format("cannot map {} bytes of shared memory", size));
  return at;
}
}  // namespace

SharedLog::SharedLog(std::size_t capacity) : capacity_(capacity) {
  char* at = static_cast<char*>(map_shared(kHeaderSize + capacity));
  header_ = new (at) Header{};
  data_ = at + kHeaderSize;
}

SharedLog::~SharedLog() { munmap(reinterpret_cast<char*>(header_), kHeaderSize + capacity_); }

void SharedLog::reset() {
  header_->committed.store(0);
  header_->noted = 0;
  header_->node = -1;
  header_->where[0] = '\0';
  written_ = 0;
}

void SharedLog::put_bytes(const void* data, std::size_t size) {
  if (size > capacity_ - written_)
    throw std::length_error(fmt::format("a child's log is full ({} bytes)", capacity_));
  if (size) std::memcpy(data_ + written_, data, size);
  written_ += size;
}

void SharedLog::commit() { header_->committed.store(written_, std::memory_order_release); }

SharedLog::Reader::Reader(const SharedLog& log)
    : at_(log.data_), end_(log.data_ + log.header_->committed.load(std::memory_order_acquire)) {}

void SharedLog::Reader::get_bytes(void* data, std::size_t size) {
  if (size > std::size_t(end_ - at_)) throw std::runtime_error("internal error: a child's log ends early");
  if (size) std::memcpy(data, at_, size);
  at_ += size;
}

std::string SharedLog::Reader::get_string() {
  const auto size = get<std::uint64_t>();
  if (size > std::size_t(end_ - at_)) throw std::runtime_error("internal error: a child's log ends early");
  std::string text(at_, size);
  at_ += size;
  return text;
}

std::string signal_name(int signal) {
  switch (signal) {
    case SIGSEGV: return "SIGSEGV";
    case SIGBUS: return "SIGBUS";
    case SIGABRT: return "SIGABRT";
    case SIGFPE: return "SIGFPE";
    case SIGILL: return "SIGILL";
    case SIGKILL: return "SIGKILL";
    case SIGTERM: return "SIGTERM";
  }
  return fmt::format("signal {}", signal);
}

namespace {

constexpr int kFatalSignals[] = {SIGSEGV, SIGBUS, SIGABRT, SIGFPE, SIGILL};
constexpr int kExitThrew = 3;

// The child's header, for its signal handler (the child has one thread).
SharedLog::Header* g_child_header = nullptr;

// Async-signal-safe: copies the note, then dies of the same signal.
template <class Header>
void note_and_die(Header* header, int signal) {
  if (header && t_library_call) {
    header->node = std::int32_t(t_library_call->node);
    std::size_t n = 0;
    for (const char* w = t_library_call->where; w && *w && n + 1 < sizeof header->where; ++w) header->where[n++] = *w;
    header->where[n] = '\0';
    header->noted = 1;
  }
  struct sigaction action {};
  action.sa_handler = SIG_DFL;
  sigemptyset(&action.sa_mask);
  sigaction(signal, &action, nullptr);
  raise(signal);
  _exit(128 + signal);  // not reached: the signal's default action ends the process
}

void on_fatal_signal(int signal) { note_and_die(g_child_header, signal); }

// In a child just forked: fatal signals note the library call into
// `header` and end it; stdout goes nowhere; every inherited descriptor but
// 0-2 and `keep` is closed (another child's socket held open here would
// hide that child's death from the parent).
void become_child(SharedLog::Header* header, int keep) {
  g_child_header = header;
  for (int signal : kFatalSignals) {
    struct sigaction action {};
    action.sa_handler = &on_fatal_signal;
    sigemptyset(&action.sa_mask);
    action.sa_flags = SA_NODEFER;
    sigaction(signal, &action, nullptr);
  }
  const int null = open("/dev/null", O_WRONLY);
  if (null >= 0) {
    dup2(null, STDOUT_FILENO);
    close(null);
  }
  if (keep < 0) {
    close_range(3, ~0u, 0);
  } else {
    if (keep > 3) close_range(3, unsigned(keep) - 1, 0);
    close_range(unsigned(keep) + 1, ~0u, 0);
  }
}

}  // namespace

ChildEnd run_in_child(SharedLog& log, const std::function<void()>& body,
                      const std::function<void()>& while_waiting) {
  log.reset();
  const pid_t pid = fork();
  if (pid < 0) throw std::runtime_error(fmt::format("cannot fork a child process: {}", std::strerror(errno)));
  if (pid == 0) {
    become_child(log.header_, -1);
    try {
      body();
    } catch (const std::exception& e) {
      log.written_ = 0;  // the error replaces whatever was written
      log.put_string(e.what());
      log.commit();
      _exit(kExitThrew);
    } catch (...) {
      log.written_ = 0;
      log.put_string("an exception that is not a std::exception");
      log.commit();
      _exit(kExitThrew);
    }
    _exit(0);
  }
  return end_of(pid, log, while_waiting);
}

namespace {
// How the child `pid`, which wrote into `log`, ended (waits for it, calling
// `while_waiting` about every 50 ms if there is one).
ChildEnd wait_for(int pid, const SharedLog::Header* header, const SharedLog& log,
                  const std::function<void()>& while_waiting) {
  int status = 0;
  for (;;) {
    const pid_t got = waitpid(pid, &status, while_waiting ? WNOHANG : 0);
    if (got == pid) break;
    if (got < 0 && errno != EINTR)
      throw std::runtime_error(fmt::format("waiting for a child process: {}", std::strerror(errno)));
    if (got == 0) {
      while_waiting();
      timespec pause{0, 50'000'000};
      nanosleep(&pause, nullptr);
    }
  }
  ChildEnd end;
  if (WIFEXITED(status) && WEXITSTATUS(status) == 0) {
    end.finished = true;
  } else if (WIFEXITED(status) && WEXITSTATUS(status) == kExitThrew) {
    SharedLog::Reader reader(log);
    end.error = reader.get_string();
  } else if (WIFSIGNALED(status)) {
    end.signal = WTERMSIG(status);
  } else {
    end.exit_status = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  }
  if (!end.finished && header->noted) {
    end.node = header->node;
    end.where = const_cast<const char*>(header->where);
  }
  return end;
}
}  // namespace

ChildEnd end_of(int pid, const SharedLog& log, const std::function<void()>& while_waiting) {
  return wait_for(pid, log.header_, log, while_waiting);
}

// ---- the worker ------------------------------------------------------------------
ChildWorker::ChildWorker(Handler handler) : handler_(std::move(handler)) {}

ChildWorker::~ChildWorker() { stop(); }

void ChildWorker::start() {
  int sockets[2];
  if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sockets) != 0)
    throw std::runtime_error(fmt::format("cannot make a socket pair: {}", std::strerror(errno)));
  const pid_t pid = fork();
  if (pid < 0) {
    close(sockets[0]);
    close(sockets[1]);
    throw std::runtime_error(fmt::format("cannot fork a child process: {}", std::strerror(errno)));
  }
  if (pid == 0) serve(sockets[1]);
  close(sockets[1]);
  pid_ = pid;
  socket_ = sockets[0];
}

void ChildWorker::serve(int socket) {
  become_child(result_.header_, socket);
  for (;;) {
    char go = 0;
    const ssize_t got = recv(socket, &go, 1, 0);
    if (got == 0) _exit(0);  // the parent is done with this worker
    if (got < 0) {
      if (errno == EINTR) continue;
      _exit(0);
    }
    result_.reset();
    char done = 'D';
    try {
      SharedLog::Reader reader(request_);
      handler_(reader, result_);
    } catch (const std::exception& e) {
      result_.written_ = 0;
      result_.put_string(e.what());
      done = 'X';
    } catch (...) {
      result_.written_ = 0;
      result_.put_string("an exception that is not a std::exception");
      done = 'X';
    }
    result_.commit();
    if (send(socket, &done, 1, MSG_NOSIGNAL) != 1 || done == 'X') _exit(0);
  }
}

ChildEnd ChildWorker::call() {
  if (pid_ < 0) start();
  char go = 'G';
  ssize_t sent;
  do sent = send(socket_, &go, 1, MSG_NOSIGNAL);
  while (sent < 0 && errno == EINTR);
  char done = 0;
  ssize_t got = 0;
  if (sent == 1) {
    do got = recv(socket_, &done, 1, 0);
    while (got < 0 && errno == EINTR);
  }
  ChildEnd end;
  if (got == 1 && done == 'D') {
    end.finished = true;
    return end;
  }
  if (got == 1 && done == 'X') {
    SharedLog::Reader reader(result_);
    end.error = reader.get_string();
    stop();
    return end;
  }
  // The child died: how is in its wait status.
  close(socket_);
  socket_ = -1;
  end = end_of(pid_, result_);
  pid_ = -1;
  return end;
}

void ChildWorker::stop() {
  if (pid_ < 0) return;
  close(socket_);  // the child reads end of file and exits
  socket_ = -1;
  int status = 0;
  while (waitpid(pid_, &status, 0) < 0 && errno == EINTR) {
  }
  pid_ = -1;
}

}  // namespace skiff
