// Surviving a fatal signal (SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGABRT) raised
// by protocol code that runs in skiff's own process, so that a hunt does not
// die with the code it tests: while a thread has a landing armed, such a
// signal returns to the landing's sigsetjmp instead of ending the process.
//
// What this buys and what it does not: the run that crashed is abandoned
// (destructors of the frames it leaves do not run; its memory is leaked), and
// the caller runs it again in a child process (Simulation::isolated) to learn
// its events and the signal. A crash that corrupted skiff's own heap (a wild
// write) may still bring the process down later; a signal outside an armed
// landing ends the process as it always would.
#pragma once

#include <csetjmp>
#include <csignal>
#include <vector>

namespace skiff {

struct CrashLanding {
  sigjmp_buf jump;
  volatile std::sig_atomic_t signal = 0;  // the signal that landed here
};

// The landing armed on this thread, or nullptr.
inline thread_local CrashLanding* t_crash_landing = nullptr;

// While it lives, the fatal signals go to a handler that jumps to the
// calling thread's armed landing (or, without one, ends the process by the
// signal as the default action would). The previous handlers come back after.
class CrashLandingHandlers {
 public:
  CrashLandingHandlers();
  ~CrashLandingHandlers();
  CrashLandingHandlers(const CrashLandingHandlers&) = delete;
  CrashLandingHandlers& operator=(const CrashLandingHandlers&) = delete;

 private:
  std::vector<struct sigaction> previous_;
};

// An alternate signal stack for the calling thread while it lives, so that a
// stack overflow lands too.
class AlternateSignalStack {
 public:
  AlternateSignalStack();
  ~AlternateSignalStack();
  AlternateSignalStack(const AlternateSignalStack&) = delete;
  AlternateSignalStack& operator=(const AlternateSignalStack&) = delete;

 private:
  std::vector<char> stack_;
  bool installed_ = false;
};

// Keeps an object a crashed run left behind (its state may be half-changed,
// so it is never destroyed) reachable for the life of the process, so that
// a leak checker does not report it. Thread-safe.
void keep_abandoned(const void* object);

// Runs `body` with `landing` armed on this thread; returns 0 if it returned,
// or the fatal signal that landed (the body was abandoned).
template <class Body>
int run_with_landing(CrashLanding& landing, Body&& body) {
  if (sigsetjmp(landing.jump, 0) != 0) {  // no signal mask saved: SA_NODEFER leaves it as it was
    t_crash_landing = nullptr;
    return int(landing.signal);
  }
  t_crash_landing = &landing;
  body();
  t_crash_landing = nullptr;
  return 0;
}

}  // namespace skiff
