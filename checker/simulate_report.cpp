#include "checker/simulate_report.hpp"

#include "checker/html_view.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <map>

namespace skiff {

namespace {

constexpr const char* kSetColours[] = {"#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b", "#17becf",
                                       "#e377c2"};
constexpr const char* kRoleColours[] = {"#d8e2ef", "#f2c14e", "#2a9d8f", "#555555"};
constexpr const char* kRoleNames[] = {"follower", "candidate", "leader", "crashed"};

std::string variants_name(const std::vector<std::string>& variants) {
  return variants.empty() ? "none" : fmt::format("{}", fmt::join(variants, "+"));
}

std::string endpoint_name(int endpoint, const Scenario& s) {
  return endpoint < s.nodes ? std::to_string(endpoint + 1) : s.hubs[std::size_t(endpoint - s.nodes)];
}

std::string node_word(int node) {
  switch (node) {
    case TimelineAction::kLeader: return "the leader";
    case TimelineAction::kRandom: return "a random node";
    case TimelineAction::kAll: return "every crashed node";
    case TimelineAction::kIsolated: return "the isolated nodes";
    default: return fmt::format("node {}", node + 1);
  }
}

// A chart's frame: axes, ticks and labels; x and y map data to pixels.
struct Frame {
  double width = 860, height = 240, left = 56, right = 16, top = 16, bottom = 36;
  double x_max = 1, y_max = 1;
  double x(double v) const { return left + (width - left - right) * v / x_max; }
  double y(double v) const { return height - bottom - (height - top - bottom) * v / y_max; }
};

// Tick step for a range: 1, 2 or 5 times a power of ten, about 8 ticks.
double tick_step(double range) {
  const double raw = range / 8;
  const double power = std::pow(10.0, std::floor(std::log10(raw)));
  for (double m : {1.0, 2.0, 5.0, 10.0})
    if (raw <= m * power) return m * power;
  return 10 * power;
}

std::string tick_label(double v) {
  if (v == std::floor(v)) return fmt::format("{:.0f}", v);
  return fmt::format("{:g}", std::round(v * 1000) / 1000);
}

std::string axes(const Frame& f, const std::string& x_label, const std::string& y_label) {
  std::string out = fmt::format(
      "<line class=\"axis\" x1=\"{0:.1f}\" y1=\"{1:.1f}\" x2=\"{2:.1f}\" y2=\"{1:.1f}\"/>"
      "<line class=\"axis\" x1=\"{0:.1f}\" y1=\"{3:.1f}\" x2=\"{0:.1f}\" y2=\"{1:.1f}\"/>\n",
      f.left, f.height - f.bottom, f.width - f.right, f.top);
  const double xs = tick_step(f.x_max);
  for (double v = 0; v <= f.x_max * 1.0001; v += xs)
    out += fmt::format("<line class=\"tick\" x1=\"{0:.1f}\" y1=\"{1:.1f}\" x2=\"{0:.1f}\" y2=\"{2:.1f}\"/>"
                       "<text x=\"{0:.1f}\" y=\"{3:.1f}\" text-anchor=\"middle\">{4}</text>\n",
                       f.x(v), f.height - f.bottom, f.height - f.bottom + 4, f.height - f.bottom + 15,
                       tick_label(v));
  const double ys = tick_step(f.y_max);
  for (double v = 0; v <= f.y_max * 1.0001; v += ys)
    out += fmt::format("<line class=\"grid\" x1=\"{0:.1f}\" y1=\"{1:.1f}\" x2=\"{2:.1f}\" y2=\"{1:.1f}\"/>"
                       "<text x=\"{3:.1f}\" y=\"{4:.1f}\" text-anchor=\"end\">{5}</text>\n",
                       f.left, f.y(v), f.width - f.right, f.left - 4, f.y(v) + 4, tick_label(v));
  out += fmt::format("<text x=\"{:.1f}\" y=\"{:.1f}\" text-anchor=\"middle\">{}</text>\n",
                     (f.left + f.width - f.right) / 2, f.height - 4, html_escape(x_label));
  out += fmt::format("<text x=\"12\" y=\"{:.1f}\" transform=\"rotate(-90 12 {:.1f})\" text-anchor=\"middle\">{}</text>\n",
                     (f.top + f.height - f.bottom) / 2, (f.top + f.height - f.bottom) / 2, html_escape(y_label));
  return out;
}

std::string legend(const std::vector<const ReportSet*>& sets) {
  std::string out = "<div class=\"legend\">";
  for (std::size_t i = 0; i < sets.size(); ++i)
    out += fmt::format("<span><i style=\"background:{}\"></i>{}</span>", kSetColours[i % std::size(kSetColours)],
                       html_escape(variants_name(sets[i]->variants)));
  return out + "</div>\n";
}

// Percent of time a leader could commit in each of `bins` equal slices of
// the run, averaged over runs.
std::vector<double> availability_bins(const ReportSet& set, int bins) {
  const Micros duration = std::max<Micros>(set.scenario->duration, 1);
  std::vector<double> sum(std::size_t(bins), 0);
  for (const TimedRunStats& run : *set.runs) {
    const auto& changes = run.availability_changes;
    for (std::size_t c = 0; c < changes.size(); ++c) {
      if (!changes[c].second) continue;
      const Micros from = changes[c].first;
      const Micros to = c + 1 < changes.size() ? changes[c + 1].first : run.duration;
      for (int b = int(from * bins / duration); b < bins && Micros(b) * duration / bins < to; ++b) {
        const Micros lo = std::max(from, Micros(b) * duration / bins);
        const Micros hi = std::min(to, Micros(b + 1) * duration / bins);
        if (hi > lo) sum[std::size_t(b)] += double(hi - lo) / (double(duration) / bins);
      }
    }
  }
  for (double& v : sum) v = 100 * v / double(std::max<std::size_t>(set.runs->size(), 1));
  return sum;
}

std::string availability_chart(const std::vector<const ReportSet*>& sets) {
  constexpr int kBins = 100;
  Frame f;
  f.x_max = double(sets.front()->scenario->duration) / 1e6;
  f.y_max = 100;
  std::string out = fmt::format("<svg class=\"chart availability\" width=\"{:.0f}\" height=\"{:.0f}\">\n", f.width,
                                f.height);
  out += axes(f, "time (s)", "available (% of runs' time)");
  for (std::size_t i = 0; i < sets.size(); ++i) {
    const std::vector<double> bins = availability_bins(*sets[i], kBins);
    std::string points;
    for (int b = 0; b < kBins; ++b) {
      const double t0 = f.x_max * b / kBins, t1 = f.x_max * (b + 1) / kBins;
      points += fmt::format("{:.1f},{:.1f} {:.1f},{:.1f} ", f.x(t0), f.y(bins[std::size_t(b)]), f.x(t1),
                            f.y(bins[std::size_t(b)]));
    }
    out += fmt::format("<polyline class=\"series\" fill=\"none\" stroke=\"{}\" points=\"{}\"><title>{}</title></polyline>\n",
                       kSetColours[i % std::size(kSetColours)], points, html_escape(variants_name(sets[i]->variants)));
  }
  return out + "</svg>\n" + legend(sets);
}

// A step CDF per variant set of the values each run gives (milliseconds).
std::string cdf_chart(const std::vector<const ReportSet*>& sets, const std::string& what, const std::string& plural,
                      const std::string& css,
                      const std::vector<Micros>& (*values_of)(const TimedRunStats&)) {
  std::vector<std::vector<double>> all(sets.size());
  double top = 0;
  for (std::size_t i = 0; i < sets.size(); ++i) {
    for (const TimedRunStats& run : *sets[i]->runs)
      for (Micros v : values_of(run)) all[i].push_back(double(v) / 1000);
    std::sort(all[i].begin(), all[i].end());
    if (!all[i].empty()) top = std::max(top, all[i].back());
  }
  Frame f;
  f.x_max = std::max(top * 1.05, 1.0);
  f.y_max = 1;
  std::string out = fmt::format("<svg class=\"chart cdf {}\" width=\"{:.0f}\" height=\"{:.0f}\">\n", css, f.width,
                                f.height);
  out += axes(f, what + " (ms)", "fraction of " + plural);
  for (std::size_t i = 0; i < sets.size(); ++i) {
    const auto& v = all[i];
    if (v.empty()) continue;
    std::string points = fmt::format("{:.1f},{:.1f} ", f.x(0), f.y(0));
    for (std::size_t k = 0; k < v.size(); ++k) {
      points += fmt::format("{:.1f},{:.1f} {:.1f},{:.1f} ", f.x(v[k]), f.y(double(k) / double(v.size())), f.x(v[k]),
                            f.y(double(k + 1) / double(v.size())));
    }
    out += fmt::format(
        "<polyline class=\"series\" fill=\"none\" stroke=\"{}\" points=\"{}\"><title>{}: {} values, median {:.1f} "
        "ms</title></polyline>\n",
        kSetColours[i % std::size(kSetColours)], points, html_escape(variants_name(sets[i]->variants)), v.size(),
        v[v.size() / 2]);
  }
  out += "</svg>\n" + legend(sets);
  return out;
}

const std::vector<Micros>& recoveries_of(const TimedRunStats& r) { return r.recoveries; }
const std::vector<Micros>& failovers_of(const TimedRunStats& r) { return r.failovers; }

// Per node a band coloured by role, the term where it changes; a dashed
// line and a label per network event; a time axis below.
std::string leader_timeline(const ReportSet& set) {
  const TimedRunStats& run = (*set.runs)[set.shown];
  const Scenario& s = *set.scenario;
  const int nodes = int(run.roles.size());
  Frame f;
  f.x_max = double(std::max<Micros>(run.duration, 1)) / 1e6;
  const double row = 26, events_band = 14.0 * double(std::min<std::size_t>(run.network_events.size(), 6) + 1);
  f.top = events_band;
  f.height = f.top + row * nodes + 40;
  f.bottom = 40;
  std::string out = fmt::format("<svg class=\"chart timeline\" width=\"{:.0f}\" height=\"{:.0f}\">\n", f.width,
                                f.height);
  for (int n = 0; n < nodes; ++n) {
    const double y = f.top + row * n;
    out += fmt::format("<text x=\"4\" y=\"{:.1f}\">node {}</text>\n", y + row * 0.6, n + 1);
    const auto& points = run.roles[std::size_t(n)];
    for (std::size_t i = 0; i < points.size(); ++i) {
      const Micros end = i + 1 < points.size() ? points[i + 1].at : run.duration;
      const double x0 = f.x(double(points[i].at) / 1e6), x1 = f.x(double(end) / 1e6);
      out += fmt::format("<rect class=\"role r{}\" x=\"{:.2f}\" y=\"{:.1f}\" width=\"{:.2f}\" height=\"{:.1f}\" "
                         "fill=\"{}\"><title>node {}: {} term {} from {:.1f} ms</title></rect>\n",
                         points[i].role, x0, y, std::max(x1 - x0, 0.3), row - 6, kRoleColours[points[i].role], n + 1,
                         kRoleNames[points[i].role], points[i].epoch, double(points[i].at) / 1000);
      if (x1 - x0 > 16 && (i == 0 || points[i].epoch != points[i - 1].epoch))
        out += fmt::format("<text x=\"{:.1f}\" y=\"{:.1f}\" font-size=\"9\">t{}</text>\n", x0 + 1, y + row - 9,
                           points[i].epoch);
    }
  }
  for (std::size_t e = 0; e < run.network_events.size(); ++e) {
    const auto [at, action] = run.network_events[e];
    const double x = f.x(double(at) / 1e6);
    const std::string label =
        action < 0 ? std::string("scheduled restart") : describe_action(s.timeline[std::size_t(action)], s);
    const double label_y = 11 + 14.0 * double(e % 6);
    out += fmt::format("<g class=\"netevent\"><line x1=\"{0:.1f}\" y1=\"{1:.1f}\" x2=\"{0:.1f}\" y2=\"{2:.1f}\"/>"
                       "<text x=\"{3:.1f}\" y=\"{1:.1f}\">{4}</text><title>{5:.1f} ms: {4}</title></g>\n",
                       x, label_y, f.height - f.bottom, x + 2, html_escape(label), double(at) / 1000);
  }
  f.y_max = 1;
  out += fmt::format("<line class=\"axis\" x1=\"{0:.1f}\" y1=\"{1:.1f}\" x2=\"{2:.1f}\" y2=\"{1:.1f}\"/>\n", f.left,
                     f.height - f.bottom, f.width - f.right);
  const double xs = tick_step(f.x_max);
  for (double v = 0; v <= f.x_max * 1.0001; v += xs)
    out += fmt::format("<line class=\"tick\" x1=\"{0:.1f}\" y1=\"{1:.1f}\" x2=\"{0:.1f}\" y2=\"{2:.1f}\"/>"
                       "<text x=\"{0:.1f}\" y=\"{3:.1f}\" text-anchor=\"middle\">{4}</text>\n",
                       f.x(v), f.height - f.bottom, f.height - f.bottom + 4, f.height - f.bottom + 15, tick_label(v));
  out += fmt::format("<text x=\"{:.1f}\" y=\"{:.1f}\" text-anchor=\"middle\">time (s)</text>\n",
                     (f.left + f.width - f.right) / 2, f.height - 4);
  out += "</svg>\n<div class=\"legend\">";
  for (int r = 0; r < 4; ++r)
    out += fmt::format("<span><i style=\"background:{}\"></i>{}</span>", kRoleColours[r], kRoleNames[r]);
  out += "<span><i class=\"dash\"></i>network event</span></div>\n";
  return out;
}

std::string comparison_table(const std::vector<const ReportSet*>& sets) {
  std::string out = "<table class=\"compare\"><thead><tr><th>median (p5&ndash;p95) over runs</th>";
  for (const ReportSet* set : sets) out += fmt::format("<th>{}</th>", html_escape(variants_name(set->variants)));
  out += "</tr></thead><tbody>\n";
  for (std::size_t m = 0; m < sets.front()->metrics.size(); ++m) {
    out += fmt::format("<tr><td>{}</td>", html_escape(sets.front()->metrics[m].label));
    for (const ReportSet* set : sets) {
      const ReportMetric& v = set->metrics[m];
      if (!v.count)
        out += "<td>-</td>";
      else
        out += fmt::format("<td>{:.1f} <small>({:.1f}&ndash;{:.1f})</small></td>", v.median, v.p5, v.p95);
    }
    out += "</tr>\n";
  }
  return out + "</tbody></table>\n";
}

constexpr std::string_view kStyle = R"(<style>
body{font:14px sans-serif;margin:20px;color:#222;max-width:900px}
h1{font-size:20px}h2{font-size:17px;border-bottom:1px solid #ccc;margin-top:32px}h3{font-size:15px}
svg.chart{display:block;font-size:11px}
.axis{stroke:#333}.tick{stroke:#333}.grid{stroke:#eee}
.series{stroke-width:1.6}
.netevent line{stroke:#c0392b;stroke-dasharray:4 3}.netevent text{fill:#c0392b;font-size:10px}
.legend span{margin-right:14px;font-size:12px}.legend i{display:inline-block;width:12px;height:12px;margin-right:4px;vertical-align:-2px}
.legend i.dash{border-left:2px dashed #c0392b;width:0;height:12px}
table.compare{border-collapse:collapse;font-size:13px}table.compare td,table.compare th{border:1px solid #ddd;padding:3px 8px;text-align:right}
table.compare td:first-child{text-align:left}
.violation{color:#b00}
</style>
)";

// #selftest: the page checks itself and writes what it saw into
// <pre id="selftest-result"> (tests/browser_report_test.py reads it).
constexpr std::string_view kScript = R"(<script>
"use strict";
const errors = [];
window.addEventListener("error", e => errors.push(String(e.message)));
function selftest() {
  const count = sel => document.querySelectorAll(sel).length;
  const result = {
    errors: errors,
    scenarios: count("section.scenario"),
    availabilityCharts: count("svg.availability"),
    availabilitySeries: count("svg.availability polyline.series"),
    cdfCharts: count("svg.cdf"),
    timelines: count("svg.timeline"),
    roleBands: count("svg.timeline rect.role"),
    leaderBands: count("svg.timeline rect.r2"),
    networkEvents: count("svg.timeline g.netevent"),
    comparisonTables: count("table.compare"),
    violationLinks: Array.from(document.querySelectorAll("a.viewer")).map(a => a.getAttribute("href")),
    title: document.title
  };
  const pre = document.createElement("pre");
  pre.id = "selftest-result";
  pre.textContent = JSON.stringify(result);
  document.body.appendChild(pre);
}
window.addEventListener("load", () => { if (location.hash === "#selftest") selftest(); });
</script>
)";

}  // namespace

std::string describe_action(const TimelineAction& a, const Scenario& s) {
  auto links = [&] {
    std::string out;
    for (auto [from, to] : a.links)
      out += fmt::format("{}{}->{}", out.empty() ? "" : ", ", endpoint_name(from, s), endpoint_name(to, s));
    return out;
  };
  switch (a.kind) {
    case TimelineAction::Kind::Cut: return "cut " + links();
    case TimelineAction::Kind::Heal: return "heal " + links();
    case TimelineAction::Kind::HealAll: return "heal all";
    case TimelineAction::Kind::RandomPartition: return fmt::format("random partition ({} groups)", a.groups);
    case TimelineAction::Kind::Partition: {
      std::map<int, std::string> groups;
      for (std::size_t n = 0; n < a.group_of.size(); ++n) {
        std::string& g = groups[a.group_of[n]];
        g += fmt::format("{}{}", g.empty() ? "" : ",", n + 1);
      }
      std::string out = "partition";
      for (const auto& [g, members] : groups) out += " [" + members + "]";
      return out;
    }
    case TimelineAction::Kind::Crash: return "crash " + node_word(a.node);
    case TimelineAction::Kind::Restart: return "restart " + node_word(a.node);
    case TimelineAction::Kind::Isolate:
      return "isolate " + node_word(a.node) + (a.inbound && a.outbound ? "" : a.inbound ? " (in)" : " (out)");
    case TimelineAction::Kind::Rejoin: return "rejoin " + node_word(a.node);
    case TimelineAction::Kind::Clients: {
      std::string out = a.clients_on ? "clients start" : "clients stop";
      for (std::size_t k = 0; k < a.clients.size(); ++k)
        out += fmt::format("{}{}", k == 0 ? " " : ",", a.clients[k] + 1);
      return out;
    }
    case TimelineAction::Kind::Admin: {
      std::string text = "admin " + a.operation;
      if (a.target == TimelineAction::kLeader) text += " the leader";
      else if (a.target >= 0) text += fmt::format(" {}", a.target + 1);
      if (a.node == TimelineAction::kAll) text += " on every node";
      else if (a.node >= 0) text += fmt::format(" on node {}", a.node + 1);
      return text;
    }
  }
  return "?";
}

std::string simulate_report_html(const std::vector<ReportSet>& sets, const std::string& protocol) {
  // Group the sets by scenario, in the order given.
  std::vector<std::vector<const ReportSet*>> by_scenario;
  for (const ReportSet& set : sets) {
    if (by_scenario.empty() || by_scenario.back().front()->scenario != set.scenario) by_scenario.emplace_back();
    by_scenario.back().push_back(&set);
  }
  std::string out = "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n";
  std::vector<std::string> names;
  for (const auto& group : by_scenario)
    names.push_back(group.front()->scenario->name.empty() ? group.front()->scenario->file
                                                          : group.front()->scenario->name);
  out += fmt::format("<title>skiff simulate: {}</title>\n", html_escape(fmt::format("{}", fmt::join(names, ", "))));
  out += kStyle;
  out += kScript;
  out += "</head><body>\n";
  out += fmt::format("<h1>skiff simulate ({})</h1>\n", html_escape(protocol));
  for (const auto& group : by_scenario) {
    const Scenario& s = *group.front()->scenario;
    const ReportSet& first = *group.front();
    out += fmt::format("<section class=\"scenario\"><h2>{} <small>({})</small></h2>\n",
                       html_escape(s.name.empty() ? s.file : s.name), html_escape(s.file));
    if (!s.description.empty()) out += fmt::format("<p>{}</p>\n", html_escape(s.description));
    out += fmt::format("<p>{} nodes, {:.1f} s per run, {} runs per variant set (seeds {} to {}).</p>\n", s.nodes,
                       double(s.duration) / 1e6, first.runs->size(), first.runs->front().seed,
                       first.runs->back().seed);
    out += "<h3>Availability over time</h3>\n<p>Percent of the runs' time in which some leader could commit, in "
           "slices of 1% of the run, averaged over runs.</p>\n";
    out += availability_chart(group);
    out += "<h3>Recovery after a network change (CDF)</h3>\n<p>From each timeline event to the first moment a leader "
           "could commit again, over every event of every run.</p>\n";
    out += cdf_chart(group, "recovery", "recoveries", "recovery", recoveries_of);
    bool any_failover = false;
    for (const ReportSet* set : group)
      for (const TimedRunStats& r : *set->runs) any_failover |= !r.failovers.empty();
    if (any_failover) {
      out += "<h3>Failover after the leader crashes (CDF)</h3>\n";
      out += cdf_chart(group, "failover", "failovers", "failover", failovers_of);
    }
    out += "<h3>Side by side</h3>\n";
    out += comparison_table(group);
    for (const ReportSet* set : group) {
      const TimedRunStats& run = (*set->runs)[set->shown];
      out += fmt::format("<h3>Leader timeline: variants {}, run {} (seed {})</h3>\n", html_escape(variants_name(set->variants)),
                         set->shown + 1, run.seed);
      out += leader_timeline(*set);
      if (!set->violations.empty()) {
        out += "<ul class=\"violations\">\n";
        for (const ReportViolation& v : set->violations) {
          out += fmt::format("<li class=\"violation\">{} at seed {}, {:.1f} ms: {}", html_escape(v.invariant), v.seed,
                             double(v.at) / 1000, html_escape(v.explanation));
          if (!v.viewer.empty())
            out += fmt::format(" &mdash; <a class=\"viewer\" href=\"{}\">trace viewer</a> <small>({})</small>",
                               html_escape(v.viewer), html_escape(v.trace));
          out += "</li>\n";
        }
        out += "</ul>\n";
      }
    }
    out += "</section>\n";
  }
  out += "</body></html>\n";
  return out;
}

}  // namespace skiff
