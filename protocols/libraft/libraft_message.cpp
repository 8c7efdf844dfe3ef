#include "protocols/libraft/libraft_message.hpp"

#include <fmt/format.h>

#include "protocols/libraft/c_raft.hpp"

namespace skiff::libraft {

Command command_of(std::uint16_t type, const std::uint8_t* data, std::size_t size) {
  if (type != RAFT_COMMAND || size != 8) return 0;
  std::uint64_t value = 0;
  for (int i = 7; i >= 0; --i) value = value << 8 | data[i];
  return Command(value);
}

std::vector<std::uint8_t> command_payload(Command command) {
  std::vector<std::uint8_t> bytes(8, 0);
  std::uint64_t value = command;
  for (int i = 0; i < 8; ++i) bytes[std::size_t(i)] = std::uint8_t(value >> (8 * i));
  return bytes;
}

void print_entry(std::string& out, const StoredEntry& entry) {
  auto it = std::back_inserter(out);
  switch (entry.type) {
    case RAFT_COMMAND:
      fmt::format_to(it, "{}:{}", entry.term, command_of(entry.type, entry.data.data(), entry.data.size()));
      break;
    case RAFT_CHANGE: fmt::format_to(it, "{}:conf", entry.term); break;
    case RAFT_BARRIER: fmt::format_to(it, "{}:barrier", entry.term); break;
    default: fmt::format_to(it, "{}:type{}", entry.term, entry.type); break;
  }
}

bool Message::is_vote_request() const { return type == RAFT_IO_REQUEST_VOTE && !pre_vote; }
bool Message::grants_vote() const { return type == RAFT_IO_REQUEST_VOTE_RESULT && granted && !pre_vote; }
bool Message::is_append() const { return type == RAFT_IO_APPEND_ENTRIES; }
bool Message::is_install_snapshot() const { return type == RAFT_IO_INSTALL_SNAPSHOT; }
bool Message::acknowledges_append() const { return type == RAFT_IO_APPEND_ENTRIES_RESULT && rejected == 0; }

std::string_view Message::type_name() const {
  switch (type) {
    case RAFT_IO_APPEND_ENTRIES: return "AppendEntries";
    case RAFT_IO_APPEND_ENTRIES_RESULT: return "AppendEntriesResult";
    case RAFT_IO_REQUEST_VOTE: return "RequestVote";
    case RAFT_IO_REQUEST_VOTE_RESULT: return "RequestVoteResult";
    case RAFT_IO_INSTALL_SNAPSHOT: return "InstallSnapshot";
    case RAFT_IO_TIMEOUT_NOW: return "TimeoutNow";
  }
  return "Unknown";
}

void Message::print(std::string& out) const {
  auto it = std::back_inserter(out);
  out += type_name();
  fmt::format_to(it, " t{}", term);
  switch (type) {
    case RAFT_IO_REQUEST_VOTE:
      fmt::format_to(it, " last={}/{}", last_index, last_term);
      if (pre_vote) out += " pre-vote";
      if (disrupt_leader) out += " disrupt";
      break;
    case RAFT_IO_REQUEST_VOTE_RESULT:
      out += granted ? " granted" : " denied";
      if (pre_vote) out += " pre-vote";
      break;
    case RAFT_IO_APPEND_ENTRIES:
      fmt::format_to(it, " prev={}/{} entries=[", last_index, last_term);
      for (std::size_t i = 0; i < entries.size(); ++i) {
        if (i) out += ',';
        print_entry(out, entries[i]);
      }
      fmt::format_to(it, "] commit={}", leader_commit);
      break;
    case RAFT_IO_APPEND_ENTRIES_RESULT:
      if (rejected) fmt::format_to(it, " rejected={}", rejected);
      else out += " ok";
      fmt::format_to(it, " last={}", last_index);
      break;
    case RAFT_IO_TIMEOUT_NOW:
      fmt::format_to(it, " last={}/{}", last_index, last_term);
      break;
    case RAFT_IO_INSTALL_SNAPSHOT:
      fmt::format_to(it, " last={}/{} conf=", last_index, last_term);
      print_configuration(out, conf);
      fmt::format_to(it, "@{} bytes={}", conf_index, data.size());
      break;
  }
}

namespace {
void encode_bytes(StateEncoder& encoder, const std::vector<std::uint8_t>& bytes) {
  encoder.put(bytes.size());
  std::uint64_t word = 0;
  for (std::size_t i = 0; i < bytes.size(); ++i) {
    word = word << 8 | bytes[i];
    if (i % 8 == 7) encoder.put(word), word = 0;
  }
  encoder.put(word);
}
void encode_configuration(StateEncoder& encoder, Configuration conf) {
  encoder.put(std::uint64_t(conf.voters) << 16 | std::uint64_t(conf.standbys) << 8 | conf.spares);
}
}  // namespace

// By what the entry means, not its bytes: the library pads a configuration's
// encoding to 8 bytes without clearing the padding (raft_configuration_encode
// in 0.15), so two boots of one cluster write different bytes for one entry.
void encode_stored_entry(StateEncoder& encoder, const StoredEntry& entry) {
  encoder.put(entry.term << 16 | entry.type);
  if (entry.type == RAFT_CHANGE)
    encode_configuration(encoder, decode_configuration(entry.data.data(), entry.data.size()));
  else if (entry.type == RAFT_COMMAND)
    encode_bytes(encoder, entry.data);
}

void encode_view_entry(StateEncoder& encoder, const Entry& entry) {
  encoder.put(entry.term);
  encoder.put(entry.command);
  encoder.put(entry.change);
  encode_configuration(encoder, entry.config);
}

void Message::encode(StateEncoder& encoder) const {
  encoder.put(std::uint64_t(type) << 8 | std::uint64_t(granted) << 2 | std::uint64_t(disrupt_leader) << 1 | pre_vote);
  encoder.put(term);
  encoder.put(last_index);
  encoder.put(last_term);
  encoder.put(leader_commit);
  encoder.put(rejected);
  encoder.put(candidate);
  encoder.put(entries.size());
  for (const StoredEntry& e : entries) encode_stored_entry(encoder, e);
  encode_configuration(encoder, conf);
  encoder.put(conf_index);
  encode_bytes(encoder, data);
  encoder.put(prefix.size());
  for (const Entry& e : prefix) encode_view_entry(encoder, e);
}

}  // namespace skiff::libraft
