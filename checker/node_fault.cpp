#include "checker/node_fault.hpp"

#include <cxxabi.h>
#include <fmt/format.h>

#include <cstdlib>
#include <exception>
#include <memory>
#include <typeinfo>

namespace skiff {

namespace {

std::string demangled(const char* name) {
  int status = 0;
  std::unique_ptr<char, void (*)(void*)> readable(abi::__cxa_demangle(name, nullptr, nullptr, &status), std::free);
  return status == 0 && readable ? std::string(readable.get()) : std::string(name);
}

// One line, printable: what() may hold anything.
std::string one_line(std::string_view text) {
  constexpr std::size_t kMax = 200;
  std::string out;
  for (char c : text.substr(0, kMax)) {
    const auto byte = static_cast<unsigned char>(c);
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (byte < 0x20 || byte == 0x7F) {
      out += fmt::format("\\x{:02x}", byte);
    } else {
      out += c;
    }
  }
  if (text.size() > kMax) out += "...";
  return out;
}

}  // namespace

std::string current_exception_text() {
  const std::type_info* type = abi::__cxa_current_exception_type();
  std::string text = type ? demangled(type->name()) : std::string("an exception of unknown type");
  try {
    throw;
  } catch (const std::exception& e) {
    text += fmt::format(" (\"{}\")", one_line(e.what()));
  } catch (...) {
  }
  return text;
}

std::string message_handler_where(std::string_view message_type, NodeIndex from) {
  return fmt::format("its message handler ({} from node {})", message_type, node_label(from));
}

std::string timer_handler_where(std::string_view timer_name) {
  return fmt::format("its timer handler ({})", timer_name);
}

std::string client_handler_where(Command command) {
  return fmt::format("its client-command handler (command {})", command);
}

std::string admin_handler_where(std::string_view operation) {
  return fmt::format("its administrative command handler ({})", operation);
}

}  // namespace skiff
