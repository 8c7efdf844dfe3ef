#include "checker/crash_landing.hpp"

#include <signal.h>

#include <mutex>

namespace skiff {

namespace {

constexpr int kFatalSignals[] = {SIGSEGV, SIGBUS, SIGABRT, SIGFPE, SIGILL};

extern "C" void on_fatal_signal_with_landing(int signal) {
  if (CrashLanding* landing = t_crash_landing) {
    t_crash_landing = nullptr;
    landing->signal = signal;
    siglongjmp(landing->jump, 1);
  }
  struct sigaction action {};
  action.sa_handler = SIG_DFL;
  sigemptyset(&action.sa_mask);
  sigaction(signal, &action, nullptr);
  raise(signal);
}

}  // namespace

void keep_abandoned(const void* object) {
  static std::mutex mutex;
  static auto* kept = new std::vector<const void*>;  // never freed: it is what keeps them reachable
  std::lock_guard lock(mutex);
  kept->push_back(object);
}

CrashLandingHandlers::CrashLandingHandlers() : previous_(std::size(kFatalSignals)) {
  for (std::size_t i = 0; i < std::size(kFatalSignals); ++i) {
    struct sigaction action {};
    action.sa_handler = &on_fatal_signal_with_landing;
    sigemptyset(&action.sa_mask);
    action.sa_flags = SA_NODEFER | SA_ONSTACK;
    sigaction(kFatalSignals[i], &action, &previous_[i]);
  }
}

CrashLandingHandlers::~CrashLandingHandlers() {
  for (std::size_t i = 0; i < std::size(kFatalSignals); ++i) sigaction(kFatalSignals[i], &previous_[i], nullptr);
}

AlternateSignalStack::AlternateSignalStack() : stack_(std::size_t(1) << 16) {
  stack_t stack{};
  stack.ss_sp = stack_.data();
  stack.ss_size = stack_.size();
  installed_ = sigaltstack(&stack, nullptr) == 0;
}

AlternateSignalStack::~AlternateSignalStack() {
  if (!installed_) return;
  stack_t off{};
  off.ss_flags = SS_DISABLE;
  sigaltstack(&off, nullptr);
}

}  // namespace skiff
