// canonical/raft's public header, for C++. The header has no extern "C"
// guards, so it is wrapped here; every file of the adapter includes this one.
//
// canonical/raft is LGPL-3.0 with a static-linking exception. skiff links
// Debian's libraft.a (libraft-dev) and contains none of its code.
#pragma once

extern "C" {
#include <raft.h>
}
