// The libFuzzer target for the trace format (docs/trace-format.md): any bytes
// given to skiff as a trace either parse, or stop skiff with an InputError
// whose message is one line without control characters; never a crash, a
// hang, another exception or a sanitizer report. A trace that parses must
// format and parse back to the same text, and, when its header names a
// protocol skiff knows (one of skiff's own, not a foreign library's),
// replay (strictly) without crashing, whatever its events say.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "checker/driver.hpp"
#include "checker/errors.hpp"
#include "checker/trace.hpp"

namespace {

[[noreturn]] void fail(const char* what, const std::string& detail) {
  std::fprintf(stderr, "\nskiff fuzz target trace-parser: %s\n%s\n", what, detail.c_str());
  std::fflush(stderr);
  std::abort();
}

void check_error_message(const skiff::InputError& error) {
  const std::string_view message = error.what();
  if (message.empty()) fail("an InputError with an empty message", "");
  for (unsigned char c : message)
    if ((c < 0x20 && c != '\t') || c == 0x7f)
      fail("an InputError message with a control character (or a line break)", std::string(message));
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  skiff::Trace trace;
  try {
    trace = skiff::parse_trace(text, "fuzz.trace");
  } catch (const skiff::InputError& error) {
    check_error_message(error);
    return 0;
  }

  // What skiff writes for a trace it read, it reads back as the same trace.
  const std::string written = skiff::format_trace(trace);
  try {
    const std::string again = skiff::format_trace(skiff::parse_trace(written, "written.trace"));
    if (again != written) fail("a parsed trace does not format the same after a round trip", written + "---\n" + again);
  } catch (const skiff::InputError& error) {
    fail("a parsed trace, formatted, does not parse again", std::string(error.what()) + "\n" + written);
  }

  // Replay, as `skiff replay` does once the header fits the protocol.
  const skiff::ProtocolDriver* driver = skiff::find_protocol(trace.header.protocol);
  if (!driver) return 0;
  const skiff::ProtocolInfo& info = driver->info();
  if (trace.header.nodes < info.min_nodes || trace.header.nodes > info.max_nodes) return 0;
  // A protocol that runs a foreign library (libraft) is not replayed here:
  // skiff replays it in a child process (a crash of the library is one of its
  // findings), and forking under libFuzzer is no place for that; its own
  // tests replay it.
  if (!info.checkable || info.stateless) return 0;
  try {
    driver->replay(trace, "fuzz.trace", nullptr);
  } catch (const skiff::InputError& error) {
    check_error_message(error);
  }
  return 0;
}
