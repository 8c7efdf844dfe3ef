// checker/child_process.hpp: a child that crashes is reported with its
// signal and the library call it was in; a worker that crashed is replaced,
// and the requests after the crash get the same answers as before it.
#include "checker/child_process.hpp"

#include <gtest/gtest.h>

#include <csignal>
#include <cstdlib>
#include <stdexcept>
#include <string>

#include "protocols/library_call.hpp"

namespace skiff {
namespace {

TEST(ChildProcess, TheParentReadsWhatTheChildCommitted) {
  SharedLog log(1 << 16);
  const ChildEnd end = run_in_child(log, [&] {
    log.put<std::uint64_t>(42);
    log.put_string("hello");
    log.commit();
    log.put_string("not committed");
  });
  ASSERT_TRUE(end.finished);
  SharedLog::Reader reader(log);
  EXPECT_EQ(reader.get<std::uint64_t>(), 42u);
  EXPECT_EQ(reader.get_string(), "hello");
  EXPECT_TRUE(reader.at_end());
}

TEST(ChildProcess, ACrashInsideALibraryCallNamesTheCallAndTheSignal) {
  SharedLog log(1 << 16);
  const ChildEnd end = run_in_child(log, [&] {
    log.put<std::uint64_t>(7);
    log.commit();
    InLibraryCall call(NodeIndex(2), "its tick callback");
    std::raise(SIGSEGV);
  });
  EXPECT_FALSE(end.finished);
  EXPECT_EQ(end.signal, SIGSEGV);
  EXPECT_EQ(signal_name(end.signal), "SIGSEGV");
  ASSERT_TRUE(end.node);
  EXPECT_EQ(*end.node, 2);
  EXPECT_EQ(end.where, "its tick callback");
  SharedLog::Reader reader(log);  // what was committed before the crash
  EXPECT_EQ(reader.get<std::uint64_t>(), 7u);
  EXPECT_TRUE(reader.at_end());
}

TEST(ChildProcess, AnAbortOutsideALibraryCallHasNoCall) {
  SharedLog log(1 << 16);
  const ChildEnd end = run_in_child(log, [&] { std::abort(); });
  EXPECT_EQ(end.signal, SIGABRT);
  EXPECT_FALSE(end.node);
  EXPECT_EQ(end.where, "");
}

TEST(ChildProcess, AnExceptionInTheChildComesBackAsAnError) {
  SharedLog log(1 << 16);
  const ChildEnd end = run_in_child(log, [&] { throw std::runtime_error("no such thing"); });
  EXPECT_FALSE(end.finished);
  EXPECT_EQ(end.signal, 0);
  EXPECT_EQ(end.error, "no such thing");
}

// The worker answers x -> x * x, and crashes on 0; the one forked after the
// crash answers like the first, and keeps its state between requests until
// it crashes (a counter of the requests it has served).
TEST(ChildProcess, AWorkerThatCrashedIsReplaced) {
  std::uint64_t served = 0;
  ChildWorker worker([&](SharedLog::Reader& request, SharedLog& result) {
    const auto x = request.get<std::uint64_t>();
    InLibraryCall call(NodeIndex(0), "squaring");
    if (x == 0) std::raise(SIGSEGV);
    ++served;
    result.put<std::uint64_t>(x * x);
    result.put<std::uint64_t>(served);
    result.commit();
  });
  auto ask = [&](std::uint64_t x, std::uint64_t& square, std::uint64_t& count) {
    worker.request().reset();
    worker.request().put(x);
    worker.request().commit();
    const ChildEnd end = worker.call();
    if (!end.finished) return end;
    SharedLog::Reader reader(worker.result());
    square = reader.get<std::uint64_t>();
    count = reader.get<std::uint64_t>();
    return end;
  };
  std::uint64_t square = 0, count = 0;
  ASSERT_TRUE(ask(3, square, count).finished);
  EXPECT_EQ(square, 9u);
  EXPECT_EQ(count, 1u);
  ASSERT_TRUE(ask(4, square, count).finished);
  EXPECT_EQ(count, 2u);  // the same child
  const ChildEnd crash = ask(0, square, count);
  EXPECT_FALSE(crash.finished);
  EXPECT_EQ(crash.signal, SIGSEGV);
  EXPECT_EQ(crash.where, "squaring");
  ASSERT_TRUE(ask(5, square, count).finished);
  EXPECT_EQ(square, 25u);
  EXPECT_EQ(count, 1u);  // a new child, forked from the parent, where nothing was served
  EXPECT_EQ(served, 0u);  // and the parent's own state never changed
}

}  // namespace
}  // namespace skiff
