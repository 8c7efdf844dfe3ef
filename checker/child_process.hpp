// Running one run in a forked child process, so that a crash of the code
// under test (a real library's segfault or abort) ends the child, not skiff,
// and leaves skiff's own heap untouched for the runs that follow.
//
// The child writes what it does into a SharedLog: memory mapped before the
// fork and shared with the parent, so that whatever the child committed
// before it died is still readable. It never writes to stdout (stdout is
// /dev/null in the child), never returns into the parent's code, and ends
// with _exit (no atexit handlers, no leak check of the parent's heap) or by
// its fatal signal. A fatal signal inside an InLibraryCall
// (protocols/library_call.hpp) notes the node and the call first.
#pragma once

#include <cstdint>
#include <cstring>
#include <functional>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

namespace skiff {

struct ChildEnd;

class SharedLog {
 public:
  // `capacity` bytes of address space, reserved, committed only as written.
  explicit SharedLog(std::size_t capacity = std::size_t(256) << 20);
  ~SharedLog();
  SharedLog(const SharedLog&) = delete;
  SharedLog& operator=(const SharedLog&) = delete;

  struct Header;  // the committed size and the crash note (child_process.cpp)

  // Empties the log and its crash note (before each request, by its writer).
  void reset();

  // ---- the child writes -------------------------------------------------------
  void put_bytes(const void* data, std::size_t size);  // throws std::length_error when full
  template <class T>
  void put(const T& value) {
    static_assert(std::is_trivially_copyable_v<T>);
    put_bytes(&value, sizeof value);
  }
  void put_string(std::string_view text) {
    put<std::uint64_t>(text.size());
    put_bytes(text.data(), text.size());
  }
  // What was put so far is the parent's to read, even if the child dies next.
  void commit();

  // ---- the parent reads what was committed ---------------------------------------
  class Reader {
   public:
    explicit Reader(const SharedLog& log);
    bool at_end() const { return at_ == end_; }
    void get_bytes(void* data, std::size_t size);  // throws std::runtime_error past the end
    template <class T>
    T get() {
      static_assert(std::is_trivially_copyable_v<T>);
      T value;
      get_bytes(&value, sizeof value);
      return value;
    }
    std::string get_string();

   private:
    const char* at_;
    const char* end_;
  };

 private:
  friend ChildEnd run_in_child(SharedLog& log, const std::function<void()>& body,
                               const std::function<void()>& while_waiting);
  friend class ChildWorker;
  friend ChildEnd end_of(int pid, const SharedLog& log, const std::function<void()>& while_waiting);
  Header* header_;
  char* data_;
  std::size_t capacity_;
  std::size_t written_ = 0;  // the child's write position
};

// How a child ended.
struct ChildEnd {
  bool finished = false;  // `body` returned and the child exited normally
  int signal = 0;         // it died of this signal
  int exit_status = 0;    // it exited with this status without finishing (a sanitizer's report)
  std::string error;      // `body` threw: what() (the parent should rethrow)
  // The library call the fatal signal interrupted, if any.
  std::optional<int> node;
  std::string where;
};

// Forks; the child runs `body` (which writes into `log`) and exits. Returns
// once the child has ended; meanwhile calls `while_waiting` (if given) about
// every 50 ms. Throws std::runtime_error if it cannot fork.
ChildEnd run_in_child(SharedLog& log, const std::function<void()>& body,
                      const std::function<void()>& while_waiting = {});

// Waits for the process `pid` and says how it ended. For a process forked,
// directly or not, from a run_in_child body on `log` (it inherits that
// child's fatal-signal notes, which go into `log`): the stateless model
// checker's search tree of processes (stateless_checker.hpp).
ChildEnd end_of(int pid, const SharedLog& log, const std::function<void()>& while_waiting = {});

// A child process that serves requests one after the other, so that a
// crash costs one fork and a run without one costs a round trip, not a
// fork. It is forked at the first call() and again at the first call()
// after it died; it ends with the ChildWorker.
//   parent: request().reset(), put the request, request().commit(), call(),
//           then read result() (if the call finished).
//   child:  `handler(request, result)` for each request.
// The handler (and whatever it refers to) is used in the child as it was
// when the child was forked: it must take everything that changes from the
// request.
class ChildWorker {
 public:
  using Handler = std::function<void(SharedLog::Reader& request, SharedLog& result)>;
  explicit ChildWorker(Handler handler);
  ~ChildWorker();
  ChildWorker(const ChildWorker&) = delete;
  ChildWorker& operator=(const ChildWorker&) = delete;

  SharedLog& request() { return request_; }
  const SharedLog& result() const { return result_; }
  // Runs the handler on the request in the child; returns how that ended.
  // Throws std::runtime_error if it cannot fork.
  ChildEnd call();

 private:
  void start();
  void stop();
  [[noreturn]] void serve(int socket);
  Handler handler_;
  SharedLog request_;
  SharedLog result_;
  int pid_ = -1;
  int socket_ = -1;  // the parent's end of a socket pair with the child
};

// "SIGSEGV", "SIGABRT", ... or "signal N".
std::string signal_name(int signal);

}  // namespace skiff
