// The protocols the commands know: the built-in ones, or those a user's
// command line hands to use_protocols() (checker/command_line.hpp).
#include <string>
#include <vector>

#include "checker/driver.hpp"

namespace skiff {

namespace {
std::vector<const ProtocolDriver*>& current_protocols() {
  static std::vector<const ProtocolDriver*> protocols(builtin_protocols().begin(), builtin_protocols().end());
  return protocols;
}
}  // namespace

std::span<const ProtocolDriver* const> all_protocols() { return current_protocols(); }

const ProtocolDriver* find_protocol(std::string_view name) {
  for (const ProtocolDriver* p : current_protocols())
    if (p->info().name == name) return p;
  return nullptr;
}

std::string& program_name() {
  static std::string name = "skiff";
  return name;
}

void use_protocols(std::span<const ProtocolDriver* const> protocols) {
  current_protocols().assign(protocols.begin(), protocols.end());
}

}  // namespace skiff
