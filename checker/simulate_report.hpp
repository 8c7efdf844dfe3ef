// `skiff simulate ... --html REPORT.html`: one self-contained page (inline
// SVG, styles and a little script; it loads nothing) about a simulation:
// per scenario, availability over time for each variant set (averaged over
// runs), CDFs of recovery and failover times across runs, the leader
// timeline of one run of each variant set with the timeline's network
// events drawn on it, a side-by-side table of the variant sets, and each
// violation with a link to its trace's viewer page. docs/simulate-report.md
// describes it. Same inputs, same bytes.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "checker/scenario.hpp"
#include "checker/timed_world.hpp"

namespace skiff {

struct ReportViolation {
  std::string invariant, explanation;
  std::uint64_t seed = 0;
  Micros at = 0;
  std::string trace;   // the trace file, as printed
  std::string viewer;  // its viewer page, relative to the report ("" if none)
};

struct ReportMetric {
  std::string label;
  double median = 0, p5 = 0, p95 = 0;
  std::size_t count = 0;  // runs with a value
};

// One scenario run with one variant set.
struct ReportSet {
  const Scenario* scenario = nullptr;
  std::vector<std::string> variants;
  const std::vector<TimedRunStats>* runs = nullptr;  // with availability_changes; runs[shown] with roles
  std::size_t shown = 0;                              // the run whose timeline is drawn
  std::vector<ReportMetric> metrics;                  // the comparison table's rows, in order
  std::vector<ReportViolation> violations;
};

std::string simulate_report_html(const std::vector<ReportSet>& sets, const std::string& protocol);

// A timeline action in a few words: "cut 1->3, 3->1", "isolate the leader (in)".
std::string describe_action(const TimelineAction& action, const Scenario& scenario);

}  // namespace skiff
