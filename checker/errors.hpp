// How skiff fails on bad input, and the exit statuses of every command.
#pragma once

#include <stdexcept>
#include <string>

namespace skiff {

enum ExitStatus : int {
  kExitOk = 0,          // nothing violated
  kExitViolation = 1,   // an invariant was violated
  kExitBadInput = 2,    // bad usage or malformed input
  kExitDivergence = 3,  // a trace did not replay
};

// Bad input: a malformed trace, flag or name. what() is the one line shown to
// the user after "skiff: ", e.g. "t.trace:7: unknown event 'delivr'".
class InputError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

}  // namespace skiff
