#include "checker/html_view.hpp"

#include <fmt/format.h>

#include <filesystem>
#include <map>
#include <string_view>
#include <vector>

#include "checker/errors.hpp"
#include "checker/html_template.hpp"

namespace skiff {

namespace {

// The message records of a replay. A message's id is unique among those in
// flight at one time, but a duplicate's copy number can be reused once the
// earlier copy is gone, so records follow ids step by step.
class MessageBook {
 public:
  explicit MessageBook(nlohmann::json& records) : records_(records) {}

  // The record of a message in flight before the current step.
  int live(const MessageId& id) const {
    auto it = live_.find(key(id));
    return it == live_.end() ? -1 : it->second;
  }

  // After step `row`: the messages now in flight; those not in flight before
  // were sent at this row (or, from a duplicate event, copied from `origin`).
  // `consumed` left flight at this row (delivered or dropped). Returns the
  // records in flight, in the world's order.
  nlohmann::json update(const ReplayStep& step, int row, int consumed, int origin) {
    std::map<std::string, int> next;
    nlohmann::json flight = nlohmann::json::array();
    for (const ReplayStep::Message& m : step.in_flight) {
      const std::string k = key(m.id);
      auto it = live_.find(k);
      int record;
      if (it != live_.end() && it->second != consumed) {
        record = it->second;
      } else {
        record = int(records_.size());
        const std::string_view text = m.text;
        records_.push_back({{"id", format_message_id(m.id)},
                            {"from", int(m.id.from)},
                            {"to", int(m.id.to)},
                            {"text", m.text},
                            {"type", std::string(text.substr(0, text.find(' ')))},
                            {"sent", row},
                            {"origin", m.id.copy && origin >= 0 ? origin : -1},
                            {"end", -1},
                            {"fate", "in-flight"}});
      }
      next[k] = record;
      flight.push_back(record);
    }
    live_ = std::move(next);
    return flight;
  }

 private:
  static std::string key(const MessageId& id) { return format_message_id(id); }

  nlohmann::json& records_;
  std::map<std::string, int> live_;
};

}  // namespace

// The data: 0-based node numbers (the page prints them 1-based), one step per
// row, row 0 the first boot.
//   protocol, nodes, bugs, seed (a string: JSON numbers are doubles), budgets
//   timed: for a timed trace {scenario, liveness_check (ms, if it has one)}, else null
//   steps[r]: kind ("boot", or the trace's event word), text (the event, without
//             its time), at (a timed trace's event time in ms, a string),
//             line (in the trace file), node / peer (the lane(s) it is on),
//             msg (the message's record, for deliver/drop/duplicate), copy (the
//             record a duplicate made), states (each node's print), crashed
//             (0/1 per node), down ([from, to] links down), flight (records)
//   messages[i]: id, from, to, text, type, sent (row), origin (for a copy, the
//             record it copies, else -1), end (row delivered or dropped, -1),
//             fate ("delivered", "dropped", "in-flight")
//   violation: {invariant, explanation, step} or null (what the replay found)
//   footer: what the trace's footer says ({invariant, explanation} or null)
//   divergence: {line, reason, step} or null (the trace stops fitting there)
nlohmann::json view_data(const ProtocolDriver& driver, const Trace& trace, const std::string& file,
                         ReplayReport* report_out) {
  nlohmann::json data;
  data["format"] = 1;
  data["protocol"] = trace.header.protocol;
  data["nodes"] = trace.header.nodes;
  data["bugs"] = trace.header.bugs;
  data["seed"] = std::to_string(trace.header.seed);
  data["budgets"] = format_budgets(trace.header.budgets);
  data["timed"] = nullptr;
  if (const auto& timed = trace.header.timed) {
    data["timed"] = {{"scenario", timed->scenario}};
    if (trace.liveness_check_at >= 0) data["timed"]["liveness_check"] = format_millis(trace.liveness_check_at);
  }
  nlohmann::json steps = nlohmann::json::array();
  nlohmann::json messages = nlohmann::json::array();
  MessageBook book(messages);

  auto observer = [&](const ReplayStep& step) {
    const int row = int(steps.size());
    nlohmann::json s;
    int consumed = -1, origin = -1;
    if (!step.event) {
      s["kind"] = "boot";
      s["text"] = "first boot";
      s["line"] = 0;
    } else {
      const TraceEvent& te = *step.event;
      const Event& e = te.event;
      s["kind"] = std::string(event_kind_name(e.kind));
      s["text"] = format_event(e, te.detail);
      if (te.at >= 0) s["at"] = format_millis(te.at);
      s["line"] = te.line;
      if (is_message_event(e.kind)) {
        const int record = book.live(e.message);
        s["msg"] = record;
        s["node"] = int(e.message.from);
        s["peer"] = int(e.message.to);
        if (record >= 0 && e.kind != EventKind::Duplicate) {
          consumed = record;
          messages[std::size_t(record)]["end"] = row;
          messages[std::size_t(record)]["fate"] = e.kind == EventKind::Deliver ? "delivered" : "dropped";
        }
        if (e.kind == EventKind::Duplicate) origin = record;
      } else {
        s["node"] = int(e.node);
        if (e.kind == EventKind::Cut || e.kind == EventKind::Heal) s["peer"] = int(e.peer);
        if (e.kind == EventKind::Admin && e.peer != kNoTarget) s["peer"] = int(e.peer);
      }
    }
    const std::size_t known = messages.size();
    s["flight"] = book.update(step, row, consumed, origin);
    if (origin >= 0)  // the copy is the record this step added from a duplicate
      for (std::size_t i = known; i < messages.size(); ++i)
        if (messages[i]["origin"] == origin) s["copy"] = int(i);
    s["states"] = step.node_states;
    nlohmann::json crashed = nlohmann::json::array();
    for (bool c : step.crashed) crashed.push_back(c ? 1 : 0);
    s["crashed"] = crashed;
    nlohmann::json down = nlohmann::json::array();
    for (auto [from, to] : step.links_down) down.push_back({int(from), int(to)});
    s["down"] = down;
    steps.push_back(std::move(s));
  };
  ReplayReport report = driver.replay_steps(trace, file, observer);

  data["violation"] = nullptr;
  if (report.violation)
    data["violation"] = {{"invariant", report.violation->invariant},
                         {"explanation", report.violation->explanation},
                         {"step", int(report.events_replayed)}};
  data["footer"] = nullptr;
  if (trace.violation)
    data["footer"] = {{"invariant", trace.violation->invariant}, {"explanation", trace.violation->explanation}};
  data["divergence"] = nullptr;
  if (report.divergence)
    data["divergence"] = {{"line", report.divergence->line},
                          {"reason", report.divergence->reason},
                          {"step", int(report.divergence->index) + 1}};
  data["steps"] = std::move(steps);
  data["messages"] = std::move(messages);
  if (report_out) *report_out = std::move(report);
  return data;
}

namespace {

// JSON that can sit inside <script>: no '<', '>' or '&' (they only occur in
// strings, where \u escapes mean the same), ASCII only.
std::string script_safe_json(const nlohmann::json& data) {
  const std::string text = data.dump(-1, ' ', /*ensure_ascii=*/true);
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    if (c == '<')
      out += "\\u003c";
    else if (c == '>')
      out += "\\u003e";
    else if (c == '&')
      out += "\\u0026";
    else
      out += c;
  }
  return out;
}

void replace_once(std::string& text, std::string_view placeholder, const std::string& value) {
  const std::size_t at = text.find(placeholder);
  if (at == std::string::npos) throw std::logic_error("html template lacks its placeholder");
  text.replace(at, placeholder.size(), value);
}

}  // namespace

std::string html_escape(std::string_view text) {
  std::string out;
  for (char c : text) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      default: out += c;
    }
  }
  return out;
}

std::string render_html(const nlohmann::json& data) {
  const auto bugs = data.at("bugs").get<std::vector<std::string>>();
  std::string title = fmt::format("skiff: {} ({} nodes{}, seed {})", data.at("protocol").get<std::string>(),
                                  data.at("nodes").get<int>(),
                                  bugs.empty() ? "" : fmt::format(", bug {}", fmt::join(bugs, ",")),
                                  data.at("seed").get<std::string>());
  if (!data.at("violation").is_null())
    title = fmt::format("{}: {}", title, data.at("violation").at("invariant").get<std::string>());
  std::string page(kHtmlTemplate);
  replace_once(page, "@@TITLE@@", html_escape(title));
  replace_once(page, "@@DATA@@", script_safe_json(data));
  return page;
}

std::string build_html_page(const ProtocolDriver& driver, const Trace& trace, const std::string& file,
                            ReplayReport* report) {
  return render_html(view_data(driver, trace, file, report));
}

void check_html_path(const std::string& path) {
  namespace fs = std::filesystem;
  std::error_code error;
  if (path.empty()) throw InputError("--html: needs a file name");
  if (fs::is_directory(path, error)) throw InputError(fmt::format("--html: {}: is a directory", path));
  const fs::path parent = fs::path(path).parent_path();
  if (!parent.empty() && !fs::is_directory(parent, error))
    throw InputError(fmt::format("--html: {}: no such directory", parent.string()));
}

}  // namespace skiff
