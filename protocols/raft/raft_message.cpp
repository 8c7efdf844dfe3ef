#include "protocols/raft/raft_message.hpp"

#include <fmt/format.h>

#include <bit>

namespace skiff::raft {

std::string_view Message::type_name() const {
  switch (type) {
    case MessageType::RequestVote: return "RequestVote";
    case MessageType::RequestVoteReply: return "RequestVoteReply";
    case MessageType::AppendEntries: return "AppendEntries";
    case MessageType::AppendEntriesReply: return "AppendEntriesReply";
    case MessageType::PreVote: return "PreVote";
    case MessageType::PreVoteReply: return "PreVoteReply";
    case MessageType::TimeoutNow: return "TimeoutNow";
    case MessageType::InstallSnapshot: return "InstallSnapshot";
  }
  return "?";
}

int Configuration::voter_count() const { return std::popcount(unsigned(voters)); }

void print_configuration(std::string& out, Configuration config) {
  auto list = [&](NodeBits nodes) {
    bool first = true;
    for (int i = 0; i < kMaxNodes; ++i)
      if (nodes & (1u << i)) {
        fmt::format_to(std::back_inserter(out), "{}{}", first ? "" : ",", i + 1);
        first = false;
      }
    if (first) out += '-';
  };
  list(config.voters);
  if (config.learners) {
    out += '/';
    list(config.learners);
  }
}

void print_entries(std::string& out, const Entry* begin, const Entry* end) {
  out += '[';
  for (const Entry* e = begin; e != end; ++e) {
    if (e != begin) out += ' ';
    if (e->is_configuration()) [[unlikely]] {
      fmt::format_to(std::back_inserter(out), "{}:cfg=", e->term);
      print_configuration(out, e->configuration());
    } else {
      fmt::format_to(std::back_inserter(out), "{}:{}", e->term, e->command);
    }
  }
  out += ']';
}

void encode_entry(StateEncoder& e, const Entry& entry) {
  if (!entry.is_configuration()) [[likely]] {
    e.put(std::uint64_t(entry.term) << 32 | entry.command);
    return;
  }
  e.put(std::uint64_t(entry.term) << 32 | kConfigurationBit);
  e.put_node_set(entry.configuration().voters);
  e.put_node_set(entry.configuration().learners);
}

void Message::print(std::string& out) const {
  auto it = std::back_inserter(out);
  fmt::format_to(it, "{} t{}", type_name(), term);
  switch (type) {
    case MessageType::RequestVote:
    case MessageType::PreVote:
      fmt::format_to(it, " last={}/{}", last_log_index, last_log_term);
      break;
    case MessageType::RequestVoteReply:
    case MessageType::PreVoteReply:
      out += success ? " granted" : " refused";
      break;
    case MessageType::AppendEntries:
      fmt::format_to(it, " prev={}/{} entries=", prev_log_index, prev_log_term);
      print_entries(out, entries.data(), entries.data() + entries.size());
      fmt::format_to(it, " commit={}", leader_commit);
      break;
    case MessageType::AppendEntriesReply:
      fmt::format_to(it, " {} match={}", success ? "ok" : "fail", match_index);
      break;
    case MessageType::TimeoutNow:
      break;
    case MessageType::InstallSnapshot:
      fmt::format_to(it, " last={}/{} config=", prev_log_index, prev_log_term);
      if (!entries.empty() && entries[0].term) print_configuration(out, entries[0].configuration());
      else out += "boot";
      fmt::format_to(it, " state={}", entries.empty() ? 0 : entries.size() - 1);
      break;
  }
}

void Message::encode(StateEncoder& e) const {
  e.put(std::uint64_t(type));
  e.put(term);
  switch (type) {
    case MessageType::RequestVote:
    case MessageType::PreVote:
      e.put(last_log_index);
      e.put(last_log_term);
      break;
    case MessageType::RequestVoteReply:
    case MessageType::PreVoteReply:
      e.put(success);
      break;
    case MessageType::AppendEntries:
    case MessageType::InstallSnapshot:
      e.put(prev_log_index);
      e.put(prev_log_term);
      e.put(leader_commit);
      e.put(entries.size());
      for (const Entry& entry : entries) encode_entry(e, entry);
      break;
    case MessageType::AppendEntriesReply:
      e.put(success);
      e.put(match_index);
      break;
    case MessageType::TimeoutNow:
      break;
  }
}

}  // namespace skiff::raft
