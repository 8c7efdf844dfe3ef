// Reading scenario files (docs/scenarios.md). nlohmann-json parses the text;
// a small scanner then records the line on which each value starts, by JSON
// pointer, so that every error names the file and the line of what is wrong.
#include "checker/scenario.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>

#include "checker/errors.hpp"

namespace skiff {

namespace {

using json = nlohmann::json;

int line_at(std::string_view text, std::size_t offset) {
  int line = 1;
  for (std::size_t i = 0; i < offset && i < text.size(); ++i) line += text[i] == '\n';
  return line;
}

// Lines of every value of a text nlohmann has already accepted, by JSON
// pointer ("" the document, "/timeline/2/crash" a member). For a member, the
// line of its key.
class LineIndex {
 public:
  explicit LineIndex(std::string_view text) : text_(text) { value(""); }
  int line(const std::string& pointer) const {
    auto it = lines_.find(pointer);
    return it == lines_.end() ? 1 : it->second;
  }
  // f(pointer, line) for `prefix` and every value under it.
  template <class F>
  void for_each_under(const std::string& prefix, F&& f) const {
    for (auto it = lines_.lower_bound(prefix); it != lines_.end() && it->first.starts_with(prefix); ++it)
      f(it->first, it->second);
  }

 private:
  void skip_space() {
    while (pos_ < text_.size() && (text_[pos_] == ' ' || text_[pos_] == '\t' || text_[pos_] == '\r' ||
                                   text_[pos_] == '\n')) {
      if (text_[pos_] == '\n') ++line_;
      ++pos_;
    }
  }
  std::string string() {  // at '"'; returns the raw text between the quotes
    const std::size_t start = ++pos_;
    while (pos_ < text_.size() && text_[pos_] != '"') pos_ += text_[pos_] == '\\' ? 2 : 1;
    return std::string(text_.substr(start, pos_++ - start));
  }
  static std::string escape(const std::string& key) {  // RFC 6901
    std::string out;
    for (char c : key) out += c == '~' ? "~0" : c == '/' ? "~1" : std::string(1, c);
    return out;
  }
  void value(const std::string& pointer, int line = 0) {
    skip_space();
    if (pos_ >= text_.size()) return;
    lines_.emplace(pointer, line ? line : line_);
    const char c = text_[pos_];
    if (c == '{') {
      ++pos_;
      for (;;) {
        skip_space();
        if (pos_ >= text_.size() || text_[pos_] == '}') break;
        if (text_[pos_] == ',') {
          ++pos_;
          continue;
        }
        const int key_line = line_;
        const std::string key = string();
        skip_space();
        ++pos_;  // ':'
        value(pointer + "/" + escape(key), key_line);
      }
      ++pos_;
    } else if (c == '[') {
      ++pos_;
      for (int index = 0;; ++index) {
        skip_space();
        if (pos_ >= text_.size() || text_[pos_] == ']') break;
        value(pointer + "/" + std::to_string(index));
        skip_space();
        if (pos_ < text_.size() && text_[pos_] == ',') ++pos_;
      }
      ++pos_;
    } else if (c == '"') {
      string();
    } else {
      while (pos_ < text_.size() && std::string_view(",]} \t\r\n").find(text_[pos_]) == std::string_view::npos) ++pos_;
    }
  }

  std::string_view text_;
  std::size_t pos_ = 0;
  int line_ = 1;
  std::map<std::string, int> lines_;
};

// "initial_state" (docs/scenarios.md): {"leader": {"node": N, "term": T},
// "nodes": {"N": {"term": T, "vote": N or null, "log": [T, ...]}}}.
// fail(path, what): path is the dotted key path from "initial_state".
template <class Fail>
InitialState initial_state_from(const json& v, int nodes, Fail&& fail) {
  InitialState state;
  auto whole = [&](const json& x, const std::string& at, std::int64_t low, std::int64_t high) {
    if (!x.is_number_integer()) fail(at, "must be a whole number");
    const std::int64_t value = x.is_number_unsigned() && x.get<std::uint64_t>() > std::uint64_t(INT64_MAX)
                                   ? INT64_MAX
                                   : x.get<std::int64_t>();
    if (value < low || value > high) fail(at, fmt::format("is {}, out of range ({} to {})", value, low, high));
    return value;
  };
  auto only = [&](const json& object, const std::string& at, std::initializer_list<std::string_view> keys) {
    if (!object.is_object()) fail(at, "must be an object {...}");
    for (auto it = object.begin(); it != object.end(); ++it) {
      bool known = false;
      for (std::string_view k : keys) known |= it.key() == k;
      if (known) continue;
      std::string list;
      for (std::string_view k : keys) list += fmt::format("{}\"{}\"", list.empty() ? "" : ", ", k);
      fail(at + "." + it.key(), fmt::format("unknown key (expected {})", list));
    }
  };
  constexpr std::int64_t kMaxTerm = 1000000000;
  only(v, "initial_state", {"leader", "nodes"});
  if (v.contains("leader")) {
    const json& l = v["leader"];
    only(l, "initial_state.leader", {"node", "term"});
    if (!l.contains("node") || !l.contains("term")) fail("initial_state.leader", "needs \"node\" and \"term\"");
    state.elected = int(whole(l["node"], "initial_state.leader.node", 1, nodes)) - 1;
    state.elected_epoch = whole(l["term"], "initial_state.leader.term", 1, kMaxTerm);
  }
  if (v.contains("nodes")) {
    const json& all = v["nodes"];
    if (!all.is_object()) fail("initial_state.nodes", "must be an object {\"1\": {...}, ...}, by node");
    for (auto it = all.begin(); it != all.end(); ++it) {
      const std::string at = "initial_state.nodes." + it.key();
      int n = 0;
      for (char c : it.key()) {
        if (c < '0' || c > '9' || n > 100) fail(at, fmt::format("'{}' is not a node number", it.key()));
        n = n * 10 + (c - '0');
      }
      if (it.key().empty() || n < 1 || n > nodes)
        fail(at, fmt::format("node '{}' is out of range (1 to {})", it.key(), nodes));
      only(*it, at, {"term", "vote", "log"});
      if (state.nodes.size() < std::size_t(n)) state.nodes.resize(std::size_t(n));
      InitialNodeState& node = state.nodes[std::size_t(n - 1)];
      if (it->contains("term")) node.epoch = whole((*it)["term"], at + ".term", 0, kMaxTerm);
      if (it->contains("vote"))
        node.voted_for = (*it)["vote"].is_null() ? -1 : int(whole((*it)["vote"], at + ".vote", 1, nodes)) - 1;
      if (it->contains("log")) {
        const json& log = (*it)["log"];
        if (!log.is_array()) fail(at + ".log", "must be a list of the entries' terms, like [1, 1, 2]");
        if (log.size() > 10000) fail(at + ".log", "at most 10000 entries");
        node.log_given = true;
        for (std::size_t i = 0; i < log.size(); ++i)
          node.log.push_back(std::uint64_t(whole(log[i], fmt::format("{}.log.{}", at, i), 1, kMaxTerm)));
      }
    }
  }
  return state;
}

class Reader {
 public:
  Reader(std::string_view text, const std::string& file, const std::vector<std::string>& timer_names)
      : text_(text), file_(file), timer_names_(timer_names), lines_(text) {}

  Scenario read(const json& doc) {
    Scenario s;
    s.file = file_;
    expect_object(doc, "", "the scenario");
    only_keys(doc, "", {"name", "description", "nodes", "hubs", "duration_ms", "protocol", "network", "clients",
                        "timeline", "liveness", "initial_state"});
    if (doc.contains("name")) s.name = string(doc["name"], "/name");
    if (doc.contains("description")) s.description = string(doc["description"], "/description");
    if (!doc.contains("nodes")) fail("", "the scenario needs \"nodes\"");
    s.nodes = int(integer(doc["nodes"], "/nodes", 1, kMaxNodes));
    s.nodes_line = lines_.line("/nodes");
    if (doc.contains("hubs")) {
      const json& hubs = doc["hubs"];
      expect_array(hubs, "/hubs");
      for (std::size_t i = 0; i < hubs.size(); ++i) {
        const std::string where = fmt::format("/hubs/{}", i);
        std::string hub = string(hubs[i], where);
        if (hub.empty() || std::isdigit(static_cast<unsigned char>(hub[0])))
          fail(where, fmt::format("hub name '{}' must start with a letter", hub));
        for (const std::string& other : s.hubs)
          if (other == hub) fail(where, fmt::format("hub '{}' is named twice", hub));
        s.hubs.push_back(std::move(hub));
      }
    }
    scenario_ = &s;
    if (doc.contains("duration_ms")) s.duration = millis(doc["duration_ms"], "/duration_ms", 1);
    if (doc.contains("protocol")) read_protocol(doc["protocol"], s);
    read_network(doc.contains("network") ? doc["network"] : json::object(), s);
    if (doc.contains("clients")) read_clients(doc["clients"], s);
    if (doc.contains("timeline")) {
      const json& timeline = doc["timeline"];
      expect_array(timeline, "/timeline");
      for (std::size_t i = 0; i < timeline.size(); ++i)
        s.timeline.push_back(read_action(timeline[i], fmt::format("/timeline/{}", i), s));
    }
    if (doc.contains("liveness")) {
      const json& l = doc["liveness"];
      expect_object(l, "/liveness", "\"liveness\"");
      only_keys(l, "/liveness", {"stable_ms", "within_ms"});
      if (!l.contains("stable_ms") || !l.contains("within_ms"))
        fail("/liveness", "\"liveness\" needs \"stable_ms\" and \"within_ms\"");
      s.liveness.enabled = true;
      s.liveness.stable_for = millis(l["stable_ms"], "/liveness/stable_ms", 0);
      s.liveness.within = millis(l["within_ms"], "/liveness/within_ms", 1);
      if (s.clients.count == 0) fail("/liveness", "\"liveness\" needs clients: without commands nothing commits");
    }
    if (doc.contains("initial_state")) {
      // Errors name the key path ("initial_state.nodes.2.log: ..."), at its line.
      s.initial_state = initial_state_from(doc["initial_state"], s.nodes, [&](const std::string& path,
                                                                             const std::string& what) {
        std::string pointer;
        for (char c : path) pointer += c == '.' ? '/' : c;
        fail("/" + pointer, fmt::format("{}: {}", path, what));
      });
      s.initial_state_json = doc["initial_state"].dump();
      lines_.for_each_under("/initial_state", [&](const std::string& pointer, int line) {
        std::string path = pointer.substr(1);
        for (char& c : path)
          if (c == '/') c = '.';
        s.initial_state_lines.emplace(path.substr(std::string("initial_state").size()), line);
      });
    }
    return s;
  }

 private:
  [[noreturn]] void fail(const std::string& pointer, const std::string& what) const {
    throw InputError(fmt::format("{}:{}: {}", file_, lines_.line(pointer), what));
  }

  void expect_object(const json& v, const std::string& where, std::string_view what) const {
    if (!v.is_object()) fail(where, fmt::format("{} must be an object {{...}}", what));
  }
  void expect_array(const json& v, const std::string& where) const {
    if (!v.is_array()) fail(where, fmt::format("\"{}\" must be an array [...]", key_of(where)));
  }
  // "/timeline/2/crash" -> "crash"; "/hubs/0" -> "hubs[0]".
  static std::string key_of(const std::string& pointer) {
    std::string indices, rest = pointer;
    for (;;) {
      const auto slash = rest.rfind('/');
      const std::string last = rest.substr(slash == std::string::npos ? 0 : slash + 1);
      const bool index = !last.empty() && last.find_first_not_of("0123456789") == std::string::npos;
      if (!index || slash == std::string::npos) return last + indices;
      indices = "[" + last + "]" + indices;
      rest = rest.substr(0, slash);
    }
  }

  void only_keys(const json& object, const std::string& where, std::initializer_list<std::string_view> keys) const {
    for (auto it = object.begin(); it != object.end(); ++it) {
      bool known = false;
      for (std::string_view k : keys) known |= it.key() == k;
      if (known) continue;
      std::string list;
      for (std::string_view k : keys) list += fmt::format("{}\"{}\"", list.empty() ? "" : ", ", k);
      fail(where + "/" + it.key(), fmt::format("unknown key \"{}\" (expected {})", it.key(), list));
    }
  }

  std::string string(const json& v, const std::string& where) const {
    if (!v.is_string()) fail(where, fmt::format("\"{}\" must be a string", key_of(where)));
    return v.get<std::string>();
  }
  std::int64_t integer(const json& v, const std::string& where, std::int64_t low, std::int64_t high) const {
    if (!v.is_number_integer()) fail(where, fmt::format("\"{}\" must be a whole number", key_of(where)));
    const std::int64_t value = v.is_number_unsigned() && v.get<std::uint64_t>() > std::uint64_t(INT64_MAX)
                                   ? INT64_MAX
                                   : v.get<std::int64_t>();
    if (value < low || value > high)
      fail(where, fmt::format("\"{}\" is {}, out of range ({} to {})", key_of(where), value, low, high));
    return value;
  }
  double number(const json& v, const std::string& where, double low, double high) const {
    if (!v.is_number()) fail(where, fmt::format("\"{}\" must be a number", key_of(where)));
    const double value = v.get<double>();
    if (!(value >= low && value <= high))
      fail(where, fmt::format("\"{}\" is {}, out of range ({} to {})", key_of(where), value, low, high));
    return value;
  }
  // Milliseconds (fractions allowed, down to microseconds), at most ~11.5 days.
  Micros millis(const json& v, const std::string& where, double low_ms) const {
    return Micros(std::llround(number(v, where, low_ms, 1e9) * 1000));
  }

  // 1..N, or a hub's name.
  int endpoint(const json& v, const std::string& where, std::string_view text = {}) const {
    const Scenario& s = *scenario_;
    if (text.empty() && v.is_number_integer()) return int(integer(v, where, 1, s.nodes)) - 1;
    std::string name = text.empty() ? string(v, where) : std::string(text);
    if (!name.empty() && std::isdigit(static_cast<unsigned char>(name[0]))) {
      int value = 0;
      for (char c : name) {
        if (!std::isdigit(static_cast<unsigned char>(c)) || value > 100) fail(where, fmt::format("bad node '{}'", name));
        value = value * 10 + (c - '0');
      }
      if (value < 1 || value > s.nodes) fail(where, fmt::format("node {} is out of range (1 to {})", value, s.nodes));
      return value - 1;
    }
    for (std::size_t h = 0; h < s.hubs.size(); ++h)
      if (s.hubs[h] == name) return s.nodes + int(h);
    fail(where, fmt::format("'{}' is neither a node (1 to {}) nor a hub", name, s.nodes));
  }

  Latency latency(const json& v, const std::string& where) const {
    Latency l;
    if (v.is_number()) {
      l.kind = Latency::Kind::Fixed;
      l.a = millis(v, where, 0);
      return l;
    }
    if (!v.is_object() || v.size() != 1)
      fail(where, "a latency is milliseconds, {\"uniform\": [LOW, HIGH]} or {\"normal\": {\"mean\": M, \"sd\": S, \"floor\": F}}");
    if (v.contains("uniform")) {
      const json& range = v["uniform"];
      if (!range.is_array() || range.size() != 2) fail(where + "/uniform", "\"uniform\" is [LOW, HIGH] in milliseconds");
      l.kind = Latency::Kind::Uniform;
      l.a = millis(range[0], where + "/uniform/0", 0);
      l.b = millis(range[1], where + "/uniform/1", 0);
      if (l.b < l.a) fail(where + "/uniform", "\"uniform\": HIGH is below LOW");
      return l;
    }
    if (v.contains("normal")) {
      const json& n = v["normal"];
      const std::string at = where + "/normal";
      expect_object(n, at, "\"normal\"");
      only_keys(n, at, {"mean", "sd", "floor"});
      if (!n.contains("mean") || !n.contains("sd")) fail(at, "\"normal\" needs \"mean\" and \"sd\"");
      l.kind = Latency::Kind::Normal;
      l.a = millis(n["mean"], at + "/mean", 0);
      l.b = millis(n["sd"], at + "/sd", 0);
      l.floor = n.contains("floor") ? millis(n["floor"], at + "/floor", 0) : 0;
      return l;
    }
    fail(where + "/" + v.begin().key(), fmt::format("unknown latency \"{}\" (expected \"uniform\" or \"normal\")", v.begin().key()));
  }

  void read_protocol(const json& p, Scenario& s) const {
    expect_object(p, "/protocol", "\"protocol\"");
    only_keys(p, "/protocol", {"variants", "timers_ms", "node_timers_ms"});
    if (p.contains("variants")) {
      expect_array(p["variants"], "/protocol/variants");
      s.variants_line = lines_.line("/protocol/variants");
      for (std::size_t i = 0; i < p["variants"].size(); ++i)
        s.variants.push_back(string(p["variants"][i], fmt::format("/protocol/variants/{}", i)));
    }
    if (p.contains("timers_ms")) read_timers(p["timers_ms"], "/protocol/timers_ms", -1, s);
    if (p.contains("node_timers_ms")) {
      const json& nodes = p["node_timers_ms"];
      expect_object(nodes, "/protocol/node_timers_ms", "\"node_timers_ms\"");
      for (auto it = nodes.begin(); it != nodes.end(); ++it) {
        const std::string where = "/protocol/node_timers_ms/" + it.key();
        const int node = endpoint(nullptr, where, it.key());
        if (node >= s.nodes) fail(where, fmt::format("'{}' is a hub, not a node", it.key()));
        read_timers(*it, where, node, s);
      }
    }
  }

  // A timer is milliseconds or [LOW, HIGH]; node -1: for every node.
  void read_timers(const json& timers, const std::string& at, int node, Scenario& s) const {
    {
      expect_object(timers, at, fmt::format("\"{}\"", key_of(at)));
      for (auto it = timers.begin(); it != timers.end(); ++it) {
        const std::string where = at + "/" + it.key();
        std::size_t t = 0;
        while (t < timer_names_.size() && timer_names_[t] != it.key()) ++t;
        if (t == timer_names_.size()) {
          std::string list;
          for (const std::string& n : timer_names_) list += fmt::format("{}\"{}\"", list.empty() ? "" : ", ", n);
          fail(where, fmt::format("unknown timer \"{}\" (the protocol's timers: {})", it.key(), list));
        }
        TimerTiming timing;
        if (it->is_array() && it->size() == 2) {
          timing.min = millis((*it)[0], where + "/0", 0.001);
          timing.max = millis((*it)[1], where + "/1", 0.001);
          if (timing.max < timing.min) fail(where, fmt::format("timer \"{}\": HIGH is below LOW", it.key()));
        } else if (it->is_number()) {
          timing.min = timing.max = millis(*it, where, 0.001);
        } else {
          fail(where, fmt::format("timer \"{}\" is milliseconds or [LOW, HIGH]", it.key()));
        }
        if (node < 0) {
          s.timers[t] = timing;
          s.timer_given[t] = true;
        } else {
          s.node_timers.push_back(Scenario::NodeTimer{node, TimerId(t), timing});
        }
      }
    }
  }

  void read_network(const json& n, Scenario& s) const {
    const std::string at = "/network";
    expect_object(n, at, "\"network\"");
    only_keys(n, at, {"mesh", "latency_ms", "loss", "links"});
    bool mesh = true;
    if (n.contains("mesh")) {
      if (!n["mesh"].is_boolean()) fail(at + "/mesh", "\"mesh\" must be true or false");
      mesh = n["mesh"].get<bool>();
    }
    LinkProperties defaults;
    if (n.contains("latency_ms")) defaults.latency = latency(n["latency_ms"], at + "/latency_ms");
    if (n.contains("loss")) defaults.loss = number(n["loss"], at + "/loss", 0, 1);
    std::map<std::pair<int, int>, std::size_t> index;
    auto put = [&](int from, int to, const LinkProperties& properties, bool up) {
      auto [it, fresh] = index.emplace(std::pair{from, to}, s.links.size());
      if (fresh) s.links.push_back(LinkSpec{from, to, properties, up});
      else s.links[it->second] = LinkSpec{from, to, properties, up};
    };
    if (mesh)
      for (int a = 0; a < s.nodes; ++a)
        for (int b = 0; b < s.nodes; ++b)
          if (a != b) put(a, b, defaults, true);
    if (!n.contains("links")) return;
    const json& links = n["links"];
    expect_array(links, at + "/links");
    for (std::size_t i = 0; i < links.size(); ++i) {
      const std::string where = fmt::format("{}/links/{}", at, i);
      const json& l = links[i];
      expect_object(l, where, "a link");
      only_keys(l, where, {"from", "to", "both", "latency_ms", "loss", "up"});
      if (!l.contains("from") || !l.contains("to")) fail(where, "a link needs \"from\" and \"to\"");
      const int from = endpoint(l["from"], where + "/from");
      const int to = endpoint(l["to"], where + "/to");
      if (from == to) fail(where, "a link joins two different endpoints");
      if (from >= s.nodes && to >= s.nodes) fail(where, "a link joins a node to a node or to a hub, not two hubs");
      LinkProperties properties = defaults;
      if (l.contains("latency_ms")) properties.latency = latency(l["latency_ms"], where + "/latency_ms");
      if (l.contains("loss")) properties.loss = number(l["loss"], where + "/loss", 0, 1);
      bool up = true, both = false;
      if (l.contains("up")) {
        if (!l["up"].is_boolean()) fail(where + "/up", "\"up\" must be true or false");
        up = l["up"].get<bool>();
      }
      if (l.contains("both")) {
        if (!l["both"].is_boolean()) fail(where + "/both", "\"both\" must be true or false");
        both = l["both"].get<bool>();
      }
      put(from, to, properties, up);
      if (both) put(to, from, properties, up);
    }
  }

  void read_clients(const json& c, Scenario& s) const {
    const std::string at = "/clients";
    expect_object(c, at, "\"clients\"");
    only_keys(c, at, {"count", "interval_ms", "timeout_ms", "latency_ms", "start_ms", "stop_ms", "at"});
    if (c.contains("count")) s.clients.count = int(integer(c["count"], at + "/count", 0, 1000));
    if (c.contains("interval_ms")) s.clients.interval = millis(c["interval_ms"], at + "/interval_ms", 0);
    if (c.contains("timeout_ms")) s.clients.timeout = millis(c["timeout_ms"], at + "/timeout_ms", 0.001);
    if (c.contains("latency_ms")) s.clients.latency = millis(c["latency_ms"], at + "/latency_ms", 0);
    if (c.contains("start_ms")) s.clients.start = millis(c["start_ms"], at + "/start_ms", 0);
    if (c.contains("stop_ms")) s.clients.stop = millis(c["stop_ms"], at + "/stop_ms", 0);
    if (s.clients.start >= 0 && s.clients.stop >= 0 && s.clients.stop < s.clients.start)
      fail(at + "/stop_ms", "\"stop_ms\" is before \"start_ms\"");
    if (c.contains("at")) {
      if (c.contains("latency_ms"))
        fail(at + "/latency_ms", "clients \"at\" an endpoint take its links' latencies, not \"latency_ms\"");
      s.clients.at = endpoint(c["at"], at + "/at");
      if (s.clients.at >= s.nodes) {
        bool linked = false;
        for (const LinkSpec& l : s.links) linked |= l.from == s.clients.at || l.to == s.clients.at;
        if (!linked) fail(at + "/at", "the clients' hub has no link to any node");
      }
    }
  }

  // "A->B" (one direction) or "A<->B" (both), A and B nodes or hubs.
  void read_links(const json& list, const std::string& where, TimelineAction& a) const {
    if (!list.is_array()) fail(where, "links are a list like [\"1->3\", \"2<->hub\"]");
    for (std::size_t i = 0; i < list.size(); ++i) {
      const std::string at = fmt::format("{}/{}", where, i);
      const std::string text = string(list[i], at);
      const bool both = text.find("<->") != std::string::npos;
      const auto arrow = both ? text.find("<->") : text.find("->");
      if (arrow == std::string::npos) fail(at, fmt::format("bad link '{}': expected \"A->B\" or \"A<->B\"", text));
      const std::string left = text.substr(0, arrow), right = text.substr(arrow + (both ? 3 : 2));
      if (left.empty() || right.empty()) fail(at, fmt::format("bad link '{}': expected \"A->B\" or \"A<->B\"", text));
      const int from = endpoint(nullptr, at, left), to = endpoint(nullptr, at, right);
      auto exists = [&](int x, int y) {
        for (const LinkSpec& l : scenario_->links)
          if (l.from == x && l.to == y) return true;
        return false;
      };
      if (!exists(from, to)) fail(at, fmt::format("there is no link {}->{} in the network", left, right));
      a.links.emplace_back(from, to);
      if (both) {
        if (!exists(to, from)) fail(at, fmt::format("there is no link {}->{} in the network", right, left));
        a.links.emplace_back(to, from);
      }
    }
  }

  int node_choice(const json& v, const std::string& where, bool restart) const {
    if (v.is_string()) {
      const std::string word = v.get<std::string>();
      if (word == "random") return TimelineAction::kRandom;
      if (!restart && word == "leader") return TimelineAction::kLeader;
      if (restart && word == "all") return TimelineAction::kAll;
      fail(where, fmt::format("\"{}\" is a node (1 to {}), {}\"random\"", key_of(where), scenario_->nodes,
                              restart ? "\"all\" or " : "\"leader\" or "));
    }
    return int(integer(v, where, 1, scenario_->nodes)) - 1;
  }

  // {"admin": OPERATION, "node": N or "leader" (default) or "all", "target": M
  // or "leader", "retry_ms": P}. The operation's name, and whether it takes a
  // target, are the protocol's: the timed world checks them (TimedWorld).
  void read_admin(const json& v, const std::string& where, TimelineAction& a) const {
    a.kind = TimelineAction::Kind::Admin;
    a.operation = string(v["admin"], where + "/admin");
    if (a.operation.empty()) fail(where + "/admin", "\"admin\" names an operation (see 'skiff list')");
    a.node = TimelineAction::kLeader;
    if (v.contains("node")) {
      const json& n = v["node"];
      if (n.is_string() && n.get<std::string>() == "all") a.node = TimelineAction::kAll;
      else if (n.is_string() && n.get<std::string>() == "leader") a.node = TimelineAction::kLeader;
      else if (n.is_string())
        fail(where + "/node", fmt::format("\"node\" is a node (1 to {}), \"leader\" or \"all\"", scenario_->nodes));
      else a.node = int(integer(n, where + "/node", 1, scenario_->nodes)) - 1;
    }
    if (v.contains("target")) {
      const json& t = v["target"];
      if (t.is_string() && t.get<std::string>() == "leader") a.target = TimelineAction::kLeader;
      else if (t.is_string())
        fail(where + "/target", fmt::format("\"target\" is a node (1 to {}) or \"leader\"", scenario_->nodes));
      else a.target = int(integer(t, where + "/target", 1, scenario_->nodes)) - 1;
    }
    if (v.contains("retry_ms")) a.retry = millis(v["retry_ms"], where + "/retry_ms", 0.001);
  }

  // "client": K or [K, ...]: which clients (1 to count) a "clients" action
  // starts or stops; each at most once.
  void read_which_clients(const json& v, const std::string& where, const Scenario& s, TimelineAction& a) const {
    auto one = [&](const json& k, const std::string& at) {
      if (!k.is_number_integer() || k.get<std::int64_t>() < 1 || k.get<std::int64_t>() > s.clients.count)
        fail(at, fmt::format("\"client\" is a client number (1 to {}) or a list of them", s.clients.count));
      const int client = int(k.get<std::int64_t>()) - 1;
      if (std::find(a.clients.begin(), a.clients.end(), client) != a.clients.end())
        fail(at, fmt::format("client {} is named twice", client + 1));
      a.clients.push_back(client);
    };
    if (!v.is_array()) return one(v, where);
    if (v.empty()) fail(where, "\"client\": [] names no client (leave it out for every client)");
    for (std::size_t i = 0; i < v.size(); ++i) one(v[i], where + "/" + std::to_string(i));
  }

  TimelineAction read_action(const json& v, const std::string& where, const Scenario& s) const {
    expect_object(v, where, "a timeline entry");
    only_keys(v, where, {"at_ms", "every_ms", "until_ms", "cut", "heal", "partition", "groups", "crash", "restart",
                         "restart_after_ms", "isolate", "direction", "rejoin", "clients", "admin", "node", "target",
                         "retry_ms", "client"});
    TimelineAction a;
    a.line = lines_.line(where);
    if (!v.contains("at_ms")) fail(where, "a timeline entry needs \"at_ms\"");
    if (v["at_ms"].is_array()) {  // [LOW, HIGH]: drawn per run
      const json& window = v["at_ms"];
      if (window.size() != 2) fail(where + "/at_ms", "\"at_ms\" is a time or a window [LOW, HIGH]");
      a.at = millis(window[0], where + "/at_ms/0", 0);
      a.at_max = millis(window[1], where + "/at_ms/1", 0);
      if (a.at_max < a.at) fail(where + "/at_ms", "\"at_ms\": [LOW, HIGH] needs LOW <= HIGH");
    } else {
      a.at = millis(v["at_ms"], where + "/at_ms", 0);
    }
    if (v.contains("every_ms")) a.every = millis(v["every_ms"], where + "/every_ms", 0.001);
    if (v.contains("until_ms")) a.until = millis(v["until_ms"], where + "/until_ms", 0);
    int actions = 0;
    for (const char* k : {"cut", "heal", "partition", "crash", "restart", "isolate", "rejoin", "clients", "admin"})
      actions += v.contains(k);
    if (actions != 1)
      fail(where, "a timeline entry does exactly one of \"cut\", \"heal\", \"partition\", \"crash\", \"restart\", "
                  "\"isolate\", \"rejoin\", \"clients\", \"admin\"");
    for (const char* k : {"node", "target", "retry_ms"})
      if (v.contains(k) && !v.contains("admin")) fail(where + "/" + k, fmt::format("\"{}\" goes with \"admin\"", k));
    if (v.contains("direction") && !v.contains("isolate"))
      fail(where + "/direction", "\"direction\" goes with \"isolate\"");
    if (v.contains("groups") && !v.contains("partition")) fail(where + "/groups", "\"groups\" goes with \"partition\": \"random\"");
    if (v.contains("restart_after_ms") && !v.contains("crash"))
      fail(where + "/restart_after_ms", "\"restart_after_ms\" goes with \"crash\"");
    if (v.contains("client") && !v.contains("clients"))
      fail(where + "/client", "\"client\" goes with \"clients\": \"start\" or \"stop\"");
    if (v.contains("cut")) {
      a.kind = TimelineAction::Kind::Cut;
      read_links(v["cut"], where + "/cut", a);
    } else if (v.contains("heal")) {
      if (v["heal"] == "all") {
        a.kind = TimelineAction::Kind::HealAll;
      } else {
        a.kind = TimelineAction::Kind::Heal;
        read_links(v["heal"], where + "/heal", a);
      }
    } else if (v.contains("partition")) {
      const json& p = v["partition"];
      const std::string at = where + "/partition";
      if (p == "random") {
        a.kind = TimelineAction::Kind::RandomPartition;
        a.groups = v.contains("groups") ? int(integer(v["groups"], where + "/groups", 2, s.nodes)) : 2;
      } else {
        if (!p.is_array() || p.empty())
          fail(at, "\"partition\" is a list of groups of nodes, like [[1, 2], [3]], or \"random\"");
        a.kind = TimelineAction::Kind::Partition;
        a.group_of.assign(std::size_t(s.nodes), -1);
        for (std::size_t g = 0; g < p.size(); ++g) {
          const std::string group_at = fmt::format("{}/{}", at, g);
          if (!p[g].is_array()) fail(group_at, "a group is a list of nodes, like [1, 2]");
          for (std::size_t k = 0; k < p[g].size(); ++k) {
            const std::string node_at = fmt::format("{}/{}", group_at, k);
            const int n = int(integer(p[g][k], node_at, 1, s.nodes)) - 1;
            if (a.group_of[std::size_t(n)] >= 0) fail(node_at, fmt::format("node {} is in two groups", n + 1));
            a.group_of[std::size_t(n)] = int(g);
          }
        }
        // Nodes no group names form one more group: alone together.
        for (int& g : a.group_of)
          if (g < 0) g = int(p.size());
      }
    } else if (v.contains("crash")) {
      a.kind = TimelineAction::Kind::Crash;
      a.node = node_choice(v["crash"], where + "/crash", false);
      if (v.contains("restart_after_ms")) a.restart_after = millis(v["restart_after_ms"], where + "/restart_after_ms", 0.001);
    } else if (v.contains("isolate")) {
      a.kind = TimelineAction::Kind::Isolate;
      a.node = node_choice(v["isolate"], where + "/isolate", false);
      if (v.contains("direction")) {
        const std::string direction = string(v["direction"], where + "/direction");
        if (direction == "in") a.outbound = false;
        else if (direction == "out") a.inbound = false;
        else if (direction != "both")
          fail(where + "/direction", fmt::format("\"direction\" is \"in\", \"out\" or \"both\", not \"{}\"", direction));
      }
    } else if (v.contains("clients")) {
      a.kind = TimelineAction::Kind::Clients;
      const std::string word = string(v["clients"], where + "/clients");
      if (word != "start" && word != "stop")
        fail(where + "/clients", fmt::format("\"clients\" is \"start\" or \"stop\", not \"{}\"", word));
      a.clients_on = word == "start";
      if (s.clients.count == 0) fail(where + "/clients", "the scenario has no clients to start or stop");
      if (v.contains("client")) read_which_clients(v["client"], where + "/client", s, a);
    } else if (v.contains("admin")) {
      read_admin(v, where, a);
    } else if (v.contains("rejoin")) {
      a.kind = TimelineAction::Kind::Rejoin;
      if (v["rejoin"].is_string() && v["rejoin"].get<std::string>() == "isolated")
        a.node = TimelineAction::kIsolated;
      else
        a.node = node_choice(v["rejoin"], where + "/rejoin", false);
    } else {
      a.kind = TimelineAction::Kind::Restart;
      a.node = node_choice(v["restart"], where + "/restart", true);
    }
    return a;
  }

  std::string_view text_;
  const std::string& file_;
  const std::vector<std::string>& timer_names_;
  LineIndex lines_;
  const Scenario* scenario_ = nullptr;
};

}  // namespace

namespace {

// An error message that quotes the file (the JSON parser's "last read: ...",
// a key or a name from the file) shown on one line: control characters,
// line breaks included, become \xNN. (Found by the scenario-parser fuzz
// target.)
std::string one_line(std::string_view message) {
  std::string out;
  for (const char c : message) {
    const auto byte = static_cast<unsigned char>(c);
    if ((byte < 0x20 && byte != '\t') || byte == 0x7f)
      out += fmt::format("\\x{:02x}", byte);
    else
      out += c;
  }
  return out;
}

Scenario parse_scenario_text(std::string_view text, const std::string& file,
                             const std::vector<std::string>& timer_names) {
  json doc;
  try {
    doc = json::parse(text.begin(), text.end());
  } catch (const json::parse_error& e) {
    // e.byte is 1-based, the byte at which parsing stopped.
    std::string what = e.what();
    const auto detail = what.find("syntax error");
    what = detail == std::string::npos ? "malformed JSON" : what.substr(detail);
    throw InputError(fmt::format("{}:{}: {}", file, line_at(text, e.byte == 0 ? 0 : e.byte - 1), what));
  } catch (const json::out_of_range& e) {
    // A number too large for any type ("number overflow parsing '1E400'"):
    // no byte position, so the line is that of the number's text.
    const std::string what = e.what();
    const auto open = what.find('\''), close = what.rfind('\'');
    std::size_t at = 0;
    if (open != std::string::npos && close > open) {
      const auto found = text.find(std::string_view(what).substr(open + 1, close - open - 1));
      if (found != std::string_view::npos) at = found;
    }
    throw InputError(fmt::format("{}:{}: a number too large to read", file, line_at(text, at)));
  }
  return Reader(text, file, timer_names).read(doc);
}

}  // namespace

InitialState parse_initial_state(std::string_view json_text, int nodes) {
  json doc;
  try {
    doc = json::parse(json_text.begin(), json_text.end());
  } catch (const json::exception&) {
    throw InputError("initial_state: malformed JSON");
  }
  return initial_state_from(doc, nodes, [](const std::string& path, const std::string& what) {
    throw InputError(one_line(fmt::format("{}: {}", path, what)));
  });
}

int initial_state_line(const Scenario& scenario, std::string_view error) {
  // "nodes.2.log: ..." -> the line of ".nodes.2.log", or of the longest path above it.
  std::string path(error.substr(0, error.find(':')));
  path.insert(path.begin(), '.');
  for (;;) {
    auto it = scenario.initial_state_lines.find(path.size() == 1 ? std::string() : path);
    if (it != scenario.initial_state_lines.end()) return it->second;
    if (path.size() <= 1) return 0;
    path.resize(path.rfind('.'));
  }
}

Scenario parse_scenario(std::string_view text, const std::string& file, const std::vector<std::string>& timer_names) {
  try {
    return parse_scenario_text(text, file, timer_names);
  } catch (const InputError& error) {
    throw InputError(one_line(error.what()));
  }
}

Scenario read_scenario_file(const std::string& path, const std::vector<std::string>& timer_names) {
  std::error_code ignored;
  if (std::filesystem::is_directory(path, ignored))
    throw InputError(fmt::format("{}: cannot open scenario: it is a directory", path));
  std::ifstream in(path, std::ios::binary);
  if (!in) throw InputError(fmt::format("{}: cannot open scenario", path));
  std::ostringstream buffer;
  buffer << in.rdbuf();
  return parse_scenario(buffer.str(), path, timer_names);
}

}  // namespace skiff
