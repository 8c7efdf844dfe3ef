// The commands of the skiff command line, apart from flag parsing (main.cpp).
// Each returns the process's exit status (errors.hpp) and throws InputError
// for bad input, which main() prints as one line.
#pragma once

#include <cstdint>
#include <iosfwd>
#include <optional>
#include <string>
#include <vector>

#include "checker/explore.hpp"
#include "checker/output_dir.hpp"
#include "checker/progress.hpp"

namespace skiff {

int run_list(bool json, std::ostream& out);

struct ExploreRequest {
  std::string protocol;
  ExploreConfig config;
  std::string out_dir = kDefaultOutDir;
  bool shrink = true;
  bool json = false;
  ProgressMode progress = ProgressMode::Off;  // on stderr
  std::string html_dir;        // if set: a page of each reported trace here (html_view.hpp)
  std::string profile = std::string(profile_name(AimConfig{}.profile));  // --profile (aim.hpp)
};
int run_explore(const ExploreRequest& request, std::ostream& out, std::ostream& err);

// With `html_path`, also writes the trace's page there (html_view.hpp), even
// if the trace stops replaying partway (it shows where).
int run_replay(const std::string& path, bool verbose, std::ostream& out, std::ostream& err,
               const std::string& html_path = "");

// skiff replay --fuzz-input: runs a fuzz target's input (a crash-* file) as the
// target did, and writes its trace, shrunk if it violates an invariant.
struct FuzzInputRequest {
  std::string path;  // the input's bytes
  std::string protocol;
  int nodes = 3;
  std::vector<std::string> bugs;
  std::vector<std::string> variants;  // SKIFF_VARIANTS, one spec each ("passive=2,3")
  Budgets budgets;
  std::string profile = std::string(profile_name(AimConfig{}.profile));  // SKIFF_PROFILE (aim.hpp)
  std::uint32_t pct_depth = kDefaultPctDepth;  // SKIFF_PCT_DEPTH
  std::string out_path;  // where the trace goes; stdout if empty
};
int run_replay_fuzz_input(const FuzzInputRequest& request, std::ostream& out, std::ostream& err);

// Writes the shrunk trace to `out_path`, or to `out` if it is empty.
int run_shrink(const std::string& path, const std::string& out_path, std::ostream& out, std::ostream& err);

// skiff repeat: runs each seed twice in this process and compares the two
// runs' traces event by event; a protocol that keeps skiff's determinism
// rules (docs/bring-your-own.md) never differs. Exit 1 at the first seed
// whose runs differ, naming the first event that does.
struct RepeatRequest {
  std::string protocol;
  int nodes = 3;
  std::vector<std::string> bugs;
  std::vector<std::string> variants;
  std::uint64_t seed = 1;
  std::uint64_t runs = 20;
  Budgets budgets;
  std::string profile = std::string(profile_name(AimConfig{}.profile));  // --profile (aim.hpp), as explore's
  std::uint32_t pct_depth = kDefaultPctDepth;                             // --pct-depth
};
int run_repeat(const RepeatRequest& request, std::ostream& out);

class ProtocolDriver;
struct Trace;

// Replays a trace that skiff is about to report and checks that it ends in
// the violation it names, so nothing is reported that does not replay.
// Throws std::runtime_error (an internal error) if it does not.
void verify_trace(const ProtocolDriver& driver, const Trace& trace, const std::string& path);
void verify_written_trace(const ProtocolDriver& driver, const std::string& path);

// The command that reruns exactly one run of an exploration.
std::string reproduce_command(const std::string& protocol, const ExploreConfig& config, std::uint64_t seed);

}  // namespace skiff
