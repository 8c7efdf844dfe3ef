#include "checker/interrupt.hpp"

#include <signal.h>
#include <time.h>

#include <atomic>
#include <cstdint>

namespace skiff {

namespace {

// CLOCK_MONOTONIC nanoseconds of the first stop asked for; 0: none.
// clock_gettime and lock-free atomics are async-signal-safe.
std::atomic<std::int64_t> g_stop_at{0};
static_assert(std::atomic<std::int64_t>::is_always_lock_free);

std::int64_t monotonic_ns() {
  timespec now{};
  clock_gettime(CLOCK_MONOTONIC, &now);
  return std::int64_t(now.tv_sec) * 1'000'000'000 + now.tv_nsec + 1;  // never 0
}

extern "C" void on_stop_signal(int signal_number) {
  std::int64_t none = 0;
  if (!g_stop_at.compare_exchange_strong(none, monotonic_ns())) {
    // The second one: the default action (the process ends by the signal).
    struct sigaction action {};
    action.sa_handler = SIG_DFL;
    sigemptyset(&action.sa_mask);
    sigaction(signal_number, &action, nullptr);
    raise(signal_number);
  }
}

}  // namespace

void install_interrupt_handlers() {
  struct sigaction action {};
  action.sa_handler = on_stop_signal;
  sigemptyset(&action.sa_mask);
  action.sa_flags = SA_RESTART;
  sigaction(SIGINT, &action, nullptr);
  sigaction(SIGTERM, &action, nullptr);
}

bool interrupted() { return g_stop_at.load(std::memory_order_relaxed) != 0; }

void request_interrupt() {
  std::int64_t none = 0;
  g_stop_at.compare_exchange_strong(none, monotonic_ns());
}

void clear_interrupt() { g_stop_at.store(0); }

bool interrupted_for_at_least(std::chrono::milliseconds grace) {
  const std::int64_t at = g_stop_at.load(std::memory_order_relaxed);
  return at != 0 && monotonic_ns() - at >= std::int64_t(std::chrono::nanoseconds(grace).count());
}

}  // namespace skiff
