// skiff_fuzz_seeds: writes seed inputs for a protocol's fuzz target, made
// from seeded runs: each file holds the bytes that make the target repeat one
// run of `skiff explore`, decision for decision (ByteChoices, docs/fuzzing.md).
//
//   skiff_fuzz_seeds PROTOCOL DIR [--nodes N] [--runs R] [--count K] [--steps S]...
//
// Among seeds 1..R of the correct protocol it picks K runs that together show
// the most kinds of event (a message type delivered, dropped or duplicated, a
// timer, a crash, ...), preferring short ones: small schedules that reach
// different parts of the protocol. Each --steps S adds K more runs cut to S
// events (a prefix of a run is a valid input: the run ends with its bytes).
// The files are DIR/seed-SEED-steps-S; the same arguments write the same files.
#include <fmt/format.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <set>
#include <string>
#include <vector>

#include "checker/driver.hpp"
#include "checker/errors.hpp"

namespace {

using namespace skiff;

struct Candidate {
  std::uint64_t seed = 0;
  std::vector<std::uint8_t> bytes;
  std::set<std::string> features;
};

// What a run shows: each event's kind, with the message type or timer name.
std::set<std::string> features_of(const Trace& trace) {
  std::set<std::string> features;
  for (const TraceEvent& e : trace.events) {
    std::string feature(event_kind_name(e.event.kind));
    if (!e.detail.empty()) feature = fmt::format("{} {}", feature, e.detail.substr(0, e.detail.find(' ')));
    features.insert(std::move(feature));
  }
  return features;
}

std::vector<Candidate> pick(const ProtocolDriver& driver, const TraceHeader& header, std::uint64_t runs,
                            std::size_t count) {
  std::vector<Candidate> all;
  for (std::uint64_t seed = 1; seed <= runs; ++seed) {
    Candidate c{seed, driver.bytes_of_seed(header, seed, {}), {}};
    const ByteRun run = driver.run_bytes(header, c.bytes, {});
    if (run.violation) continue;  // seeds are for the correct protocol
    c.features = features_of(driver.make_trace(header, run.events));
    all.push_back(std::move(c));
  }
  std::vector<Candidate> chosen;
  std::set<std::string> covered;
  while (chosen.size() < count && !all.empty()) {
    std::size_t best = 0, best_new = 0;
    for (std::size_t i = 0; i < all.size(); ++i) {
      std::size_t fresh = 0;
      for (const std::string& f : all[i].features) fresh += !covered.count(f);
      if (fresh > best_new || (fresh == best_new && all[i].bytes.size() < all[best].bytes.size())) {
        best = i;
        best_new = fresh;
      }
    }
    covered.insert(all[best].features.begin(), all[best].features.end());
    chosen.push_back(std::move(all[best]));
    all.erase(all.begin() + std::ptrdiff_t(best));
  }
  return chosen;
}

int usage(const char* what) {
  std::fprintf(stderr, "skiff_fuzz_seeds: %s\nusage: skiff_fuzz_seeds PROTOCOL DIR [--nodes N] [--runs R] "
                       "[--count K] [--steps S]...\n", what);
  return kExitBadInput;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 3) return usage("expected a protocol and a directory");
  const ProtocolDriver* driver = find_protocol(argv[1]);
  if (!driver) return usage("unknown protocol (see 'skiff list')");
  const std::filesystem::path dir = argv[2];
  TraceHeader header{std::string(driver->info().name), 3, {}, 0, Budgets{}};
  std::uint64_t runs = 2000;
  std::size_t count = 12;
  std::vector<std::uint32_t> short_steps;
  for (int i = 3; i < argc; i += 2) {
    if (i + 1 >= argc) return usage("a flag without its value");
    const std::string flag = argv[i];
    const unsigned long long value = std::strtoull(argv[i + 1], nullptr, 10);
    if (flag == "--nodes") header.nodes = int(value);
    else if (flag == "--runs") runs = value;
    else if (flag == "--count") count = std::size_t(value);
    else if (flag == "--steps") short_steps.push_back(std::uint32_t(value));
    else return usage("unknown flag");
  }
  if (header.nodes < driver->info().min_nodes || header.nodes > driver->info().max_nodes)
    return usage("--nodes out of the protocol's range");
  std::filesystem::create_directories(dir);

  std::vector<std::uint32_t> steps{header.budgets.steps};
  steps.insert(steps.end(), short_steps.begin(), short_steps.end());
  for (std::uint32_t s : steps) {
    TraceHeader h = header;
    h.budgets.steps = s;
    for (const Candidate& c : pick(*driver, h, runs, count)) {
      const auto path = dir / fmt::format("seed-{}-steps-{}", c.seed, s);
      std::ofstream out(path, std::ios::binary | std::ios::trunc);
      out.write(reinterpret_cast<const char*>(c.bytes.data()), std::streamsize(c.bytes.size()));
      if (!out) return usage("cannot write a seed file");
      std::printf("%s: %zu bytes, %zu kinds of event\n", path.c_str(), c.bytes.size(), c.features.size());
    }
  }
  return kExitOk;
}
