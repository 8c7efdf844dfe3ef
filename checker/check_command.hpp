// skiff check's command (flags are parsed in main.cpp).
#pragma once

#include <iosfwd>
#include <string>

#include "checker/model_checker.hpp"
#include "checker/output_dir.hpp"
#include "checker/progress.hpp"

namespace skiff {

struct CheckRequest {
  std::string protocol;
  CheckConfig config;
  std::string out_dir = kDefaultOutDir;
  std::uint64_t frontier_memory_mb = 0;  // 0: no bound (config.frontier_memory_bytes)
  std::string spill_dir;                 // empty: out_dir
  // Partial-order reduction (sleep sets): --reduction turns it on in either
  // search; off by default and with --no-reduction, as the stateless
  // search's independence is not yet proven sound for rules that read other
  // nodes (docs/model-checking.md, "Reduction"). Overrides config.reduction.
  bool reduction_flag = false;
  bool no_reduction_flag = false;
  bool json = false;
  ProgressMode progress = ProgressMode::Off;  // on stderr
};

// Exit status 0 when nothing is violated within the bounds, 1 with a
// counterexample (written to OUT_DIR/PROTOCOL-check.trace and replayed).
int run_check(const CheckRequest& request, std::ostream& out, std::ostream& err);

}  // namespace skiff
