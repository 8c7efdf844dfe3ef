#include <gtest/gtest.h>

#include "checker/errors.hpp"
#include "checker/trace.hpp"

namespace skiff {
namespace {

TEST(Trace, ParsesWhatItFormats) {
  Trace trace;
  trace.header.protocol = "raft";
  trace.header.seed = 42;
  trace.header.bugs = {"commit-previous-term"};
  Event deliver;
  deliver.kind = EventKind::Deliver;
  deliver.message = MessageId{0, 2, 1, 7};
  trace.events.push_back(TraceEvent{deliver, "AppendEntries t3 prev=0/0 entries=[] commit=0", 0});
  trace.violation = Violation{"election-safety", "nodes 1 and 2 were both leader in term 3"};
  const std::string text = format_trace(trace);
  Trace parsed = parse_trace(text, "t.trace");
  EXPECT_EQ(format_trace(parsed), text);
  EXPECT_EQ(parsed.events.at(0).line, 8);
}

TEST(Trace, RejectsTruncatedTrace) {
  EXPECT_THROW(parse_trace("skiff-trace 1\nprotocol raft\n", "t.trace"), InputError);
}

}  // namespace
}  // namespace skiff
