// skiff's command line for any set of protocols: `skiff` itself is
// command_line_main(argc, argv, builtin_protocols()); a user's command line
// for their own protocol is the same call with their drivers (CMake:
// skiff_add_command, docs/bring-your-own.md). Same verbs, flags, exit
// statuses (errors.hpp) and trace format as `skiff`.
#pragma once

#include <span>
#include <string_view>

#include "checker/driver.hpp"

namespace skiff {

// Parses the command line, runs the command and returns the exit status.
// `program` starts the reproduce commands the command prints.
int command_line_main(int argc, char** argv, std::span<const ProtocolDriver* const> protocols,
                      std::string_view program = "skiff");

}  // namespace skiff
