// Where a protocol adapter is while it calls into a real library: a note a
// crash handler can read. An adapter wraps each call into the library in an
// InLibraryCall; if the process dies of a fatal signal meanwhile, the child
// process that ran it (checker/child_process.hpp) reports the node and the
// call, and library-survives names them. Nothing else reads the note.
#pragma once

#include "protocols/protocol.hpp"

namespace skiff {

struct LibraryCall {
  NodeIndex node = 0;
  const char* where = "";  // a string literal: "its tick callback"
};

// The innermost call in progress on this thread, or nullptr.
inline thread_local const LibraryCall* t_library_call = nullptr;

class InLibraryCall {
 public:
  InLibraryCall(NodeIndex node, const char* where) : call_{node, where}, outer_(t_library_call) {
    t_library_call = &call_;
  }
  ~InLibraryCall() { t_library_call = outer_; }
  InLibraryCall(const InLibraryCall&) = delete;
  InLibraryCall& operator=(const InLibraryCall&) = delete;

 private:
  LibraryCall call_;
  const LibraryCall* outer_;
};

}  // namespace skiff
