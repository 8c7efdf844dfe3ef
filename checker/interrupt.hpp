// Ctrl-C and SIGTERM. The first of either asks skiff to wind down: stop
// drawing runs, write every finding it holds, finish or abandon shrinking
// within kShrinkGrace, print its summary (saying "interrupted") and exit with
// the status its findings give. A second one ends the process at once (the
// default action), for a user who will not wait.
//
// Long-running code polls interrupted(); nothing here allocates or locks, so
// the flag may be read on any thread, as often as once per run.
#pragma once

#include <chrono>

namespace skiff {

// Installs the handlers for SIGINT and SIGTERM (the command line does, once).
void install_interrupt_handlers();

// Whether a stop was asked for (by a signal or by request_interrupt()).
bool interrupted();

// Asks for a stop as a signal would (tests; a --time-limit that has run out
// does not use this: it is not an interruption).
void request_interrupt();

// Forgets a stop asked for (tests that interrupt more than once).
void clear_interrupt();

// How long shrinking may go on after a stop was asked for, before it gives up
// and keeps the shortest violating trace it has.
inline constexpr std::chrono::milliseconds kShrinkGrace{1500};

// Whether a stop was asked for at least `grace` ago.
bool interrupted_for_at_least(std::chrono::milliseconds grace);

}  // namespace skiff
