#include "checker/trace.hpp"

#include <fmt/format.h>

#include <charconv>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <limits>
#include <sstream>

#include "checker/errors.hpp"

namespace skiff {

std::string format_message_id(const MessageId& id) {
  std::string out = fmt::format("{}->{}#{}", node_label(id.from), node_label(id.to), id.seq);
  if (id.copy) fmt::format_to(std::back_inserter(out), ".{}", id.copy);
  return out;
}

std::string format_event(const Event& e, std::string_view detail) {
  const std::string_view kind = event_kind_name(e.kind);
  switch (e.kind) {
    case EventKind::Deliver:
    case EventKind::Drop:
    case EventKind::Duplicate:
      return fmt::format("{} {} {}", kind, format_message_id(e.message), detail);
    case EventKind::Timer:
      return fmt::format("{} {} {}", kind, node_label(e.node), detail);
    case EventKind::Crash:
    case EventKind::Restart:
      return fmt::format("{} {}", kind, node_label(e.node));
    case EventKind::Cut:
    case EventKind::Heal:
      return fmt::format("{} {}->{}", kind, node_label(e.node), node_label(e.peer));
    case EventKind::Client:
      return fmt::format("{} {} {}", kind, node_label(e.node), e.command);
    case EventKind::Admin:
      if (e.peer == kNoTarget) return fmt::format("{} {} {}", kind, node_label(e.node), detail);
      return fmt::format("{} {} {} {}", kind, node_label(e.node), detail, node_label(e.peer));
  }
  return "?";
}

std::string format_millis(std::int64_t micros) {
  if (micros % 1000 == 0) return fmt::format("{}", micros / 1000);
  return fmt::format("{}.{:03}", micros / 1000, micros % 1000);
}

std::string format_trace_event(const TraceEvent& e) {
  if (e.at < 0) return format_event(e.event, e.detail);
  return fmt::format("{} {}", format_millis(e.at), format_event(e.event, e.detail));
}

std::string format_trace(const Trace& t) {
  std::string out;
  auto it = std::back_inserter(out);
  fmt::format_to(it, "skiff-trace {}\n", kTraceVersion);
  fmt::format_to(it, "protocol {}\n", t.header.protocol);
  fmt::format_to(it, "nodes {}\n", t.header.nodes);
  fmt::format_to(it, "bugs {}\n", t.header.bugs.empty() ? "-" : fmt::format("{}", fmt::join(t.header.bugs, ",")));
  if (!t.header.variants.empty()) fmt::format_to(it, "variants {}\n", fmt::join(t.header.variants, " "));
  fmt::format_to(it, "seed {}\n", t.header.seed);
  if (const auto& timed = t.header.timed) {
    fmt::format_to(it, "timed scenario={}", timed->scenario);
    if (timed->liveness)
      fmt::format_to(it, " stable-for={} within={}", format_millis(timed->stable_for), format_millis(timed->within));
    out += '\n';
  } else {
    fmt::format_to(it, "budgets {}\n", format_budgets(t.header.budgets));
  }
  if (!t.header.initial_state.empty()) fmt::format_to(it, "initial-state {}\n", t.header.initial_state);
  out += "events\n";
  for (const TraceEvent& e : t.events) {
    out += format_trace_event(e);
    out += '\n';
  }
  if (t.liveness_check_at >= 0) fmt::format_to(it, "{} liveness-check\n", format_millis(t.liveness_check_at));
  if (t.violation)
    fmt::format_to(it, "violation {}: {}\n", t.violation->invariant, t.violation->explanation);
  else
    out += "no-violation\n";
  out += "end\n";
  return out;
}

namespace {

class Parser {
 public:
  Parser(std::string_view text, const std::string& file) : text_(text), file_(file) {}

  Trace parse() {
    Trace t;
    std::string_view line = next_line("the 'skiff-trace' header");
    auto words = split_first(line);
    if (words.first != "skiff-trace") fail("not a skiff trace: expected 'skiff-trace 1' first");
    int version = parse_int(words.second, "trace version", 0, 1 << 30);
    if (version != kTraceVersion)
      fail(fmt::format("trace version {} is not supported (this skiff reads version {})", version,
                       kTraceVersion));
    t.header.protocol = std::string(expect_key("protocol"));
    t.header.protocol_line = line_number_;
    if (t.header.protocol.empty()) fail("empty protocol name");
    t.header.nodes = parse_int(expect_key("nodes"), "node count", 1, kMaxNodes);
    t.header.nodes_line = line_number_;
    std::string_view bugs = expect_key("bugs");
    t.header.bugs_line = line_number_;
    if (bugs != "-") {
      while (!bugs.empty()) {
        auto comma = bugs.find(',');
        std::string_view name = bugs.substr(0, comma);
        if (name.empty()) fail("empty bug name");
        t.header.bugs.emplace_back(name);
        bugs = comma == std::string_view::npos ? std::string_view{} : bugs.substr(comma + 1);
      }
    }
    std::string_view line_after_bugs = next_line("the 'seed' line");
    if (split_first(line_after_bugs).first == "variants") {
      t.header.variants_line = line_number_;
      std::string_view rest = split_first(line_after_bugs).second;
      if (rest.empty()) fail("'variants' needs at least one variant");
      while (!rest.empty()) {
        auto [word, more] = split_first(rest);
        if (word.empty()) fail("variants are separated by one space");
        t.header.variants.emplace_back(word);
        rest = more;
      }
      line_after_bugs = next_line("the 'seed' line");
    }
    t.header.seed = parse_u64(key_value(line_after_bugs, "seed"), "seed");
    line = next_line("the 'budgets' line");
    if (split_first(line).first == "timed") {
      t.header.timed = parse_timed(split_first(line).second);
      t.header.timed_line = line_number_;
      const std::uint32_t all = kMaxBudget;
      t.header.budgets = Budgets{all, all, all, all, all, all, all, all, all};
    } else {
      t.header.budgets = parse_budgets(key_value(line, "budgets"));
    }
    line = next_line("the 'events' line");
    if (split_first(line).first == "initial-state") {
      t.header.initial_state = std::string(split_first(line).second);
      t.header.initial_state_line = line_number_;
      if (t.header.initial_state.empty()) fail("'initial-state' needs the state, as JSON");
      line = next_line("the 'events' line");
    }
    if (line != "events") fail("expected 'events'");
    nodes_ = t.header.nodes;
    const bool timed = t.header.timed.has_value();
    std::int64_t last_time = 0;

    for (;;) {
      line = next_line("the footer ('violation ...' or 'no-violation', then 'end')");
      t.footer_line = line_number_;
      if (timed && !line.starts_with("violation ") && line != "no-violation") {
        // "TIME EVENT ...", or "TIME liveness-check" just before the footer.
        auto [time, rest] = split_first(line);
        const std::int64_t at = parse_time(time);
        if (at < last_time)
          fail(fmt::format("time {} is earlier than the line before it ({})", time, format_millis(last_time)));
        last_time = at;
        if (rest == "liveness-check") {
          if (!t.header.timed->liveness) fail("'liveness-check' in a trace whose 'timed' line has no liveness bounds");
          t.liveness_check_at = at;
          t.liveness_check_line = line_number_;
          line = next_line("the footer ('violation ...' or 'no-violation', then 'end')");
          t.footer_line = line_number_;
          if (!line.starts_with("violation ") && line != "no-violation")
            fail("expected the footer after 'liveness-check'");
        } else {
          if (rest.empty()) fail(fmt::format("expected an event after the time '{}'", time));
          t.events.push_back(parse_event(rest));
          t.events.back().at = at;
          continue;
        }
      }
      if (line == "no-violation") break;
      if (line.starts_with("violation ")) {
        std::string_view rest = line.substr(10);
        auto colon = rest.find(": ");
        if (colon == std::string_view::npos || colon == 0) fail("expected 'violation NAME: explanation'");
        t.violation = Violation{std::string(rest.substr(0, colon)), std::string(rest.substr(colon + 2))};
        break;
      }
      t.events.push_back(parse_event(line));
    }
    t.header.isolated = t.violation && t.violation->invariant == kNodeSurvives;
    if (next_line("the 'end' line") != "end") fail("expected 'end' after the footer");
    while (pos_ < text_.size()) {
      std::string_view extra = raw_line();
      if (!is_blank_or_comment(extra)) fail("unexpected text after 'end'");
    }
    return t;
  }

 private:
  [[noreturn]] void fail(const std::string& what) const {
    throw InputError(fmt::format("{}:{}: {}", file_, line_number_, what));
  }

  static bool is_blank_or_comment(std::string_view line) {
    auto first = line.find_first_not_of(" \t\r");
    return first == std::string_view::npos || line[first] == '#';
  }

  std::string_view raw_line() {
    auto end = text_.find('\n', pos_);
    if (end == std::string_view::npos) end = text_.size();
    std::string_view line = text_.substr(pos_, end - pos_);
    pos_ = end + 1;
    ++line_number_;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    return line;
  }

  // The next line that is not blank or a comment. Control characters are
  // refused (tabs apart), so that no error message echoes one.
  std::string_view next_line(std::string_view expecting) {
    while (pos_ < text_.size()) {
      std::string_view line = raw_line();
      if (!is_blank_or_comment(line)) {
        for (unsigned char c : line) {
          if (c == '\0') fail("NUL byte in trace");
          if ((c < 0x20 && c != '\t') || c == 0x7f) fail(fmt::format("control character 0x{:02x} in trace", c));
        }
        // The same for every kind of line, header, event and footer alike:
        // a line a person can mistype this way is malformed, not a line that
        // "does not replay" (a message's text would no longer match).
        if (line.front() == ' ' || line.front() == '\t') fail("space at the start of the line");
        if (line.back() == ' ' || line.back() == '\t') fail("space at the end of the line");
        return line;
      }
    }
    ++line_number_;  // what is missing belongs on the line after the last one
    fail(fmt::format("trace is truncated: expected {}", expecting));
  }

  static std::pair<std::string_view, std::string_view> split_first(std::string_view line) {
    auto space = line.find(' ');
    if (space == std::string_view::npos) return {line, {}};
    return {line.substr(0, space), line.substr(space + 1)};
  }

  std::string_view expect_key(std::string_view key) {
    return key_value(next_line(fmt::format("the '{}' line", key)), key);
  }

  std::string_view key_value(std::string_view line, std::string_view key) {
    auto [word, rest] = split_first(line);
    if (word != key) fail(fmt::format("expected '{} ...', found '{}'", key, word));
    return rest;
  }

  std::uint64_t parse_u64(std::string_view s, std::string_view what) {
    std::uint64_t value = 0;
    auto [end, error] = std::from_chars(s.data(), s.data() + s.size(), value);
    if (s.empty() || error != std::errc() || end != s.data() + s.size())
      fail(fmt::format("bad {} '{}'", what, s));
    return value;
  }

  int parse_int(std::string_view s, std::string_view what, int low, int high) {
    std::uint64_t value = parse_u64(s, what);
    if (value < std::uint64_t(low) || value > std::uint64_t(high))
      fail(fmt::format("{} {} is out of range ({} to {})", what, value, low, high));
    return int(value);
  }

  // Milliseconds: digits, then optionally '.' and one to three digits.
  std::int64_t parse_time(std::string_view s) {
    const auto dot = s.find('.');
    const std::string_view whole = s.substr(0, dot);
    std::string_view fraction = dot == std::string_view::npos ? std::string_view{} : s.substr(dot + 1);
    auto digits = [](std::string_view d) {
      return !d.empty() && d.find_first_not_of("0123456789") == std::string_view::npos;
    };
    if (!digits(whole) || whole.size() > 12 || (dot != std::string_view::npos && (!digits(fraction) || fraction.size() > 3)))
      fail(fmt::format("bad time '{}': expected milliseconds, such as 12 or 12.345", s));
    std::int64_t micros = 0;
    for (char c : whole) micros = micros * 10 + (c - '0');
    micros *= 1000;
    std::int64_t scale = 100;
    for (char c : fraction) micros += (c - '0') * scale, scale /= 10;
    return micros;
  }

  // "scenario=NAME [stable-for=MS within=MS]"
  TraceHeader::Timed parse_timed(std::string_view s) {
    TraceHeader::Timed timed;
    bool scenario = false, stable = false, within = false;
    while (!s.empty()) {
      auto [item, rest] = split_first(s);
      s = rest;
      const auto eq = item.find('=');
      if (eq == std::string_view::npos) fail(fmt::format("bad 'timed' item '{}': expected NAME=VALUE", item));
      const std::string_view key = item.substr(0, eq), value = item.substr(eq + 1);
      if (key == "scenario" && !scenario) {
        if (value.empty()) fail("empty scenario name");
        timed.scenario = std::string(value);
        scenario = true;
      } else if (key == "stable-for" && !stable) {
        timed.stable_for = parse_time(value);
        stable = true;
      } else if (key == "within" && !within) {
        timed.within = parse_time(value);
        within = true;
      } else {
        fail(fmt::format("unknown or repeated 'timed' item '{}'", key));
      }
    }
    if (!scenario) fail("'timed' needs scenario=NAME");
    if (stable != within) fail("'timed' needs both stable-for and within, or neither");
    timed.liveness = stable;
    return timed;
  }

  // The six budgets every trace names, then optionally the administrative
  // ones (written only when not 0), each at most once.
  Budgets parse_budgets(std::string_view s) {
    Budgets b;
    struct Key {
      std::string_view name;
      std::uint32_t Budgets::*field;
    };
    static constexpr Key kKeys[] = {{"steps", &Budgets::steps},
                                    {"drops", &Budgets::drops},
                                    {"duplicates", &Budgets::duplicates},
                                    {"crashes", &Budgets::crashes},
                                    {"link-changes", &Budgets::link_changes},
                                    {"commands", &Budgets::commands},
                                    {"config-changes", &Budgets::config_changes},
                                    {"transfers", &Budgets::transfers},
                                    {"snapshots", &Budgets::snapshots}};
    unsigned seen = 0;
    while (!s.empty()) {
      auto [item, rest] = split_first(s);
      s = rest;
      auto eq = item.find('=');
      if (eq == std::string_view::npos) fail(fmt::format("bad budget '{}': expected NAME=VALUE", item));
      std::string_view key = item.substr(0, eq);
      std::uint32_t value = std::uint32_t(parse_int(item.substr(eq + 1), "budget", 0, int(kMaxBudget)));
      std::size_t k = 0;
      while (k < std::size(kKeys) && kKeys[k].name != key) ++k;
      if (k == std::size(kKeys)) fail(fmt::format("unknown budget '{}'", key));
      if (seen & (1u << k)) fail(fmt::format("repeated budget '{}'", key));
      seen |= 1u << k;
      b.*kKeys[k].field = value;
    }
    if ((seen & 0x3Fu) != 0x3Fu) fail("budgets needs steps, drops, duplicates, crashes, link-changes and commands");
    return b;
  }

  NodeIndex parse_node(std::string_view s) {
    return NodeIndex(parse_int(s, "node", 1, nodes_) - 1);
  }

  std::pair<NodeIndex, NodeIndex> parse_link(std::string_view s) {
    auto arrow = s.find("->");
    if (arrow == std::string_view::npos) fail(fmt::format("bad link '{}': expected A->B", s));
    return {parse_node(s.substr(0, arrow)), parse_node(s.substr(arrow + 2))};
  }

  MessageId parse_message_id(std::string_view s) {
    auto hash = s.find('#');
    if (hash == std::string_view::npos) fail(fmt::format("bad message '{}': expected A->B#SEQ", s));
    MessageId id;
    std::tie(id.from, id.to) = parse_link(s.substr(0, hash));
    std::string_view number = s.substr(hash + 1);
    auto dot = number.find('.');
    id.seq = std::uint32_t(parse_int(number.substr(0, dot), "message number", 1, 1 << 30));
    if (dot != std::string_view::npos)
      id.copy = std::uint16_t(parse_int(number.substr(dot + 1), "copy number", 1, 65535));
    return id;
  }

  TraceEvent parse_event(std::string_view line) {
    TraceEvent te;
    te.line = line_number_;
    const auto [word, rest] = split_first(line);
    Event& e = te.event;
    auto require_no_more = [&, word = word](std::string_view extra) {  // (clang 14 cannot capture a binding)
      if (!extra.empty()) fail(fmt::format("unexpected '{}' after '{}'", extra, word));
    };
    if (word == "deliver" || word == "drop" || word == "duplicate") {
      e.kind = word == "deliver" ? EventKind::Deliver : word == "drop" ? EventKind::Drop : EventKind::Duplicate;
      auto [id, text] = split_first(rest);
      e.message = parse_message_id(id);
      if (text.empty()) fail(fmt::format("'{}' needs the message's text after its id", word));
      te.detail = std::string(text);
    } else if (word == "timer") {
      e.kind = EventKind::Timer;
      auto [node, name] = split_first(rest);
      e.node = parse_node(node);
      if (name.empty()) fail("'timer' needs a node and a timer name");
      te.detail = std::string(name);
    } else if (word == "crash" || word == "restart") {
      e.kind = word == "crash" ? EventKind::Crash : EventKind::Restart;
      auto [node, extra] = split_first(rest);
      e.node = parse_node(node);
      require_no_more(extra);
    } else if (word == "cut" || word == "heal") {
      e.kind = word == "cut" ? EventKind::Cut : EventKind::Heal;
      auto [link, extra] = split_first(rest);
      std::tie(e.node, e.peer) = parse_link(link);
      if (e.node == e.peer) fail(fmt::format("a link joins two different nodes, not '{}'", link));
      require_no_more(extra);
    } else if (word == "client") {
      e.kind = EventKind::Client;
      auto [node, command] = split_first(rest);
      e.node = parse_node(node);
      auto [value, extra] = split_first(command);
      const std::uint64_t number = parse_u64(value, "command");
      if (number > std::numeric_limits<Command>::max())
        fail(fmt::format("command {} is out of range (0 to {})", number, std::numeric_limits<Command>::max()));
      e.command = Command(number);
      require_no_more(extra);
    } else if (word == "admin") {
      // "admin N OPERATION [M]": the protocol's executor checks the name.
      e.kind = EventKind::Admin;
      auto [node, operation] = split_first(rest);
      e.node = parse_node(node);
      auto [name, target] = split_first(operation);
      if (name.empty()) fail("'admin' needs a node and an operation");
      if (name.find_first_not_of("abcdefghijklmnopqrstuvwxyz-") != std::string_view::npos)
        fail(fmt::format("bad operation name '{}'", name));
      te.detail = std::string(name);
      e.peer = kNoTarget;
      if (!target.empty()) {
        auto [peer, extra] = split_first(target);
        e.peer = parse_node(peer);
        require_no_more(extra);
      }
    } else {
      fail(fmt::format("unknown event '{}'", word));
    }
    return te;
  }

  std::string_view text_;
  const std::string& file_;
  std::size_t pos_ = 0;
  int line_number_ = 0;
  int nodes_ = kMaxNodes;
};

}  // namespace

Trace parse_trace(std::string_view text, const std::string& file) { return Parser(text, file).parse(); }

Trace read_trace_file(const std::string& path) {
  std::error_code ignored;
  if (std::filesystem::is_directory(path, ignored))
    throw InputError(fmt::format("{}: cannot open trace: it is a directory", path));
  std::ifstream in(path, std::ios::binary);
  if (!in) throw InputError(fmt::format("{}: cannot open trace", path));
  std::ostringstream buffer;
  buffer << in.rdbuf();
  return parse_trace(buffer.str(), path);
}

std::string trace_location(const std::string& file, int line) {
  return line > 0 ? fmt::format("{}:{}: ", file, line) : file + ": ";
}

void write_text_file(const std::string& path, const std::string& text) {
  const std::string temporary = path + ".tmp";
  {
    std::ofstream out(temporary, std::ios::binary | std::ios::trunc);
    if (!out) throw InputError(fmt::format("{}: cannot write", path));
    out << text;
    out.flush();
    if (!out) throw InputError(fmt::format("{}: cannot write", path));
  }
  if (std::rename(temporary.c_str(), path.c_str()) != 0)
    throw InputError(fmt::format("{}: cannot write", path));
}

}  // namespace skiff
