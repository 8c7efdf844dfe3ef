#include "protocols/paxos/paxos_message.hpp"

#include <fmt/format.h>

namespace skiff::paxos {

void print_ballot(std::string& out, Ballot ballot) {
  if (ballot.none()) {
    out += '-';
    return;
  }
  fmt::format_to(std::back_inserter(out), "b{}.{}", ballot.round, node_label(NodeIndex(ballot.proposer)));
}

void encode_ballot(StateEncoder& e, Ballot ballot) {
  e.put(ballot.round);
  e.put_optional_node(ballot.none() ? -1 : int(ballot.proposer));
}

void print_value(std::string& out, Value value) {
  if (value == kNoValue)
    out += '-';
  else if (value == kNoOp)
    out += "noop";
  else
    fmt::format_to(std::back_inserter(out), "{}", value);
}

std::string_view Message::type_name() const {
  switch (type) {
    case MessageType::Prepare: return "Prepare";
    case MessageType::Promise: return "Promise";
    case MessageType::Accept: return "Accept";
    case MessageType::Accepted: return "Accepted";
    case MessageType::Nack: return "Nack";
  }
  return "?";
}

void Message::print(std::string& out) const {
  out += type_name();
  out += ' ';
  print_ballot(out, ballot);
  switch (type) {
    case MessageType::Prepare:
      break;
    case MessageType::Nack:
      out += " promised=";
      print_ballot(out, promised);
      break;
    case MessageType::Promise:
    case MessageType::Accept:
    case MessageType::Accepted:
      out += " [";
      for (std::size_t i = 0; i < entries.size(); ++i) {
        if (i) out += ' ';
        fmt::format_to(std::back_inserter(out), "s{}=", entries[i].slot);
        if (type == MessageType::Promise) {
          print_ballot(out, entries[i].ballot);
          out += ':';
        }
        print_value(out, entries[i].value);
      }
      out += ']';
      break;
  }
}

void Message::encode(StateEncoder& e) const {
  e.put(std::uint64_t(type));
  encode_ballot(e, ballot);
  if (type == MessageType::Nack) encode_ballot(e, promised);
  e.put(entries.size());
  for (const SlotVote& entry : entries) {
    e.put(entry.slot);
    if (type == MessageType::Promise) encode_ballot(e, entry.ballot);
    e.put(entry.value);
  }
}

}  // namespace skiff::paxos
