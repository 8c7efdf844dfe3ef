// The libFuzzer target for the scenario format (docs/scenarios.md): any bytes
// given to skiff as a scenario file either parse, or stop skiff with an
// InputError whose message is one line, without control characters, naming
// the file; never a crash, a hang, another exception or a sanitizer report.
// Scenarios are read for skiff's Raft, whose timers they may name.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "checker/errors.hpp"
#include "checker/scenario.hpp"
#include "protocols/raft/raft.hpp"

namespace {

[[noreturn]] void fail(const char* what, const std::string& detail) {
  std::fprintf(stderr, "\nskiff fuzz target scenario-parser: %s\n%s\n", what, detail.c_str());
  std::fflush(stderr);
  std::abort();
}

const std::vector<std::string>& raft_timer_names() {
  static const std::vector<std::string> names = [] {
    std::vector<std::string> all;
    for (int t = 0; t < skiff::raft::Protocol::timer_count; ++t)
      all.emplace_back(skiff::raft::Protocol::timer_name(skiff::TimerId(t)));
    return all;
  }();
  return names;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  try {
    const skiff::Scenario scenario = skiff::parse_scenario(text, "fuzz.json", raft_timer_names());
    if (scenario.nodes < 1) fail("a scenario without nodes parsed", std::string(text));
  } catch (const skiff::InputError& error) {
    const std::string_view message = error.what();
    if (message.rfind("fuzz.json", 0) != 0) fail("an InputError that does not name the file", std::string(message));
    for (unsigned char c : message)
      if ((c < 0x20 && c != '\t') || c == 0x7f)
        fail("an InputError message with a control character (or a line break)", std::string(message));
  }
  return 0;
}
