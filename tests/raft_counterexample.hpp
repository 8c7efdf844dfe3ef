// A Raft model-checking counterexample as trace text: the bytes `skiff check`
// writes for it, to compare the counterexamples of two searches byte for byte.
#pragma once

#include <cstdint>
#include <string>

#include "checker/driver.hpp"
#include "checker/model_checker.hpp"

namespace skiff::test_support {

inline std::string raft_counterexample_text(const CheckConfig& config, const CheckOutcome& outcome) {
  const ProtocolDriver& driver = *find_protocol("raft");
  TraceHeader header{"raft", config.nodes, config.bugs, 0, config.budgets};
  header.budgets.steps = std::uint32_t(outcome.counterexample.size());
  return format_trace(driver.make_trace(header, outcome.counterexample));
}

}  // namespace skiff::test_support
