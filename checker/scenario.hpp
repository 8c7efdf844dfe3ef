// A scenario: the network, timing, client workload and timeline of a timed
// run (docs/scenarios.md). This is the parsed form of a scenario file; the
// timed world (timed_world.hpp) runs it. Times are virtual microseconds.
#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "protocols/protocol.hpp"

namespace skiff {

using Micros = std::int64_t;  // virtual time

// How long one hop takes.
struct Latency {
  enum class Kind : std::uint8_t { Fixed, Uniform, Normal };
  Kind kind = Kind::Fixed;
  Micros a = 1000;   // fixed: the latency; uniform: the low end; normal: the mean
  Micros b = 0;      // uniform: the high end; normal: the standard deviation
  Micros floor = 0;  // normal: no draw below this
};

struct LinkProperties {
  Latency latency;
  double loss = 0;  // probability that one message on this hop is lost
};

// A directed link between two endpoints: nodes 0..N-1, then hubs N..N+H-1.
struct LinkSpec {
  int from = 0, to = 0;
  LinkProperties properties;
  bool up = true;  // at the start
};

// One action of the timeline.
struct TimelineAction {
  enum class Kind : std::uint8_t {
    Cut,        // these directed links go down
    Heal,       // these directed links come up
    Partition,  // node pairs in different groups cannot talk (replaces any earlier partition)
    RandomPartition,  // the nodes split at random into `groups` groups
    HealAll,    // every link up, no partition
    Crash,      // a node loses its volatile state and stops
    Restart,    // a crashed node boots on its durable state
    Isolate,    // every link into (and/or out of) a node goes down
    Rejoin,     // every link into and out of a node comes up
    Clients,    // the clients start (clients_on) or stop
    Admin,      // an operator hands a node an administrative command (`operation`, on `target`)
  };
  static constexpr int kLeader = -1;   // Crash: whichever node leads (nothing if none)
  static constexpr int kRandom = -2;   // Crash: a random live node; Restart: a random crashed node
  static constexpr int kAll = -3;      // Restart: every crashed node
  static constexpr int kIsolated = -4; // Rejoin: every node an Isolate took off
  static constexpr int kNoTarget = -5; // Admin: an operation that names no node

  Kind kind = Kind::HealAll;
  Micros at = 0;
  Micros at_max = 0;  // above `at`: each run draws the time uniformly from [at, at_max]
  Micros every = 0;   // repeat with this period (0: once)
  Micros until = 0;   // last repetition no later than this (0: the end of the run)
  std::vector<std::pair<int, int>> links;  // Cut, Heal: endpoint pairs
  std::vector<int> group_of;               // Partition: per node, its group
  int groups = 2;                          // RandomPartition
  int node = 0;                            // Crash, Restart, Isolate, Rejoin: a node, kLeader, kRandom, kAll or kIsolated
  bool inbound = true, outbound = true;    // Isolate: which directions go down
  bool clients_on = true;                  // Clients: start (true) or stop
  std::vector<int> clients;                // Clients: which (0-based); empty: every client
  Micros restart_after = 0;                // Crash: restart the node this much later (0: never)
  // Admin: the protocol's operation by name (P::admin_operations(); the timed
  // world resolves it), handed to `node` (a node, kLeader, or kAll for an
  // operation that names no node), about `target` (a node, kLeader, or
  // kNoTarget); refused (or no leader), it is tried again every `retry`
  // (0: never) until accepted, up to `until` or the end of the run.
  std::string operation;
  int target = kNoTarget;
  Micros retry = 0;
  int line = 0;                            // where the scenario file says it
};

struct ClientWorkload {
  int count = 0;             // clients, each with one command outstanding at a time
  Micros interval = 100000;  // from a commit (or give-up) to the client's next command
  Micros timeout = 1000000;  // an attempt without a commit by then is retried elsewhere
  Micros latency = 1000;     // client to node, and back (clients at no endpoint)
  Micros start = -1;         // when the clients first issue a command (-1: half an interval in)
  Micros stop = -1;          // when they stop (-1: never)
  // Where the clients are: -1 nowhere in the network (each command reaches
  // its node after `latency`, whatever the links); else an endpoint (a node
  // or a hub) whose links carry commands and replies (docs/scenarios.md).
  int at = -1;
};

struct TimerTiming {
  Micros min = 0, max = 0;  // each arming draws uniformly from [min, max]
};

// Bounded liveness (docs/scenarios.md): once the network has been stable for
// `stable_for` with a set of mutually connected live nodes that includes a
// majority, some leader must commit a command within `within`.
struct LivenessBound {
  bool enabled = false;
  Micros stable_for = 0;
  Micros within = 0;
};

struct Scenario {
  std::string file;  // where it was read from
  std::string name;
  std::string description;
  int nodes = 3;
  int nodes_line = 0;
  std::vector<std::string> hubs;
  Micros duration = 10000000;
  std::vector<std::string> variants;  // the protocol's, as --variant takes them
  int variants_line = 0;
  std::array<TimerTiming, kMaxTimers> timers{};  // by the protocol's timer number
  std::array<bool, kMaxTimers> timer_given{};     // false: the protocol's default
  struct NodeTimer {
    int node;
    TimerId timer;
    TimerTiming timing;
  };
  std::vector<NodeTimer> node_timers;             // overrides for one node
  std::vector<LinkSpec> links;                    // every directed link that exists
  ClientWorkload clients;
  std::vector<TimelineAction> timeline;           // in the order the file gives them
  LivenessBound liveness;
  // "initial_state": the state the nodes start in (empty: the first boot's),
  // as the protocol's Options::set_initial_state takes it, and as the compact
  // JSON a trace's 'initial-state' line carries; the lines of its keys, by
  // dotted path ("initial_state.nodes.2.log"), for errors.
  InitialState initial_state;
  std::string initial_state_json;
  std::map<std::string, int> initial_state_lines;

  int endpoints() const { return nodes + int(hubs.size()); }
};

// An "initial_state" object as a trace's 'initial-state' line has it
// (compact JSON), for a cluster of `nodes`; throws InputError("initial_state.PATH: what is wrong").
InitialState parse_initial_state(std::string_view json_text, int nodes);
// The line of the scenario that an error of Options::set_initial_state
// ("nodes.2.log: ...") is about: its longest known key path's.
int initial_state_line(const Scenario& scenario, std::string_view error);

// Reads a scenario file; throws InputError("FILE:LINE: what is wrong").
// `timer_names` are the protocol's timers, by number.
Scenario read_scenario_file(const std::string& path, const std::vector<std::string>& timer_names);
Scenario parse_scenario(std::string_view text, const std::string& file,
                        const std::vector<std::string>& timer_names);

}  // namespace skiff
