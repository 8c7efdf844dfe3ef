// skiff simulate: runs a scenario (docs/scenarios.md) in the timed world R
// times and reports availability, elections, client commands and messages,
// as medians and 5th/95th percentiles over the runs.
#pragma once

#include <cstdint>
#include <iosfwd>
#include <string>
#include <vector>

#include "checker/output_dir.hpp"
#include "checker/progress.hpp"

namespace skiff {

struct SimulateRequest {
  std::vector<std::string> scenarios;         // files
  std::string protocol = "raft";
  std::vector<std::string> variants;          // added to each scenario's own
  std::vector<std::string> compare;           // variant sets ("pre-vote+check-quorum", "-" for none): one row each
  std::uint64_t runs = 20;
  std::uint64_t seed = 1;                     // run r uses seed SEED+r
  bool json = false;
  bool markdown = false;                      // one table row per scenario and variant set
  std::string svg_path;                       // the first run of the first scenario, drawn
  std::string runs_out;                       // one JSON line per run (--runs-out FILE)
  std::string html_path;                      // the report page (--html FILE; simulate_report.hpp)
  std::uint64_t html_run = 1;                 // the run (from 1) whose leader timeline it draws
  std::vector<std::string> bugs;              // seeded bugs (skiff list), for every run
  // Where the trace of the first run violating each invariant goes, per
  // scenario and variant set: DIR/SCENARIO[+VARIANT...]-SEED-INVARIANT.trace.
  std::string out_dir = kDefaultOutDir;
  ProgressMode progress = ProgressMode::Off;  // on stderr
};

int run_simulate(const SimulateRequest& request, std::ostream& out, std::ostream& err);

}  // namespace skiff
