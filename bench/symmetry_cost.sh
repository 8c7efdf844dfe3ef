#!/usr/bin/env bash
# What --symmetry costs per generated state, against the plain search:
#   bench/symmetry_cost.sh [SKIFF_BINARY] [RUNS]
# 5 nodes: plain at depth 11 against symmetric at depth 13 (similar work);
# 3 nodes: both at depth 12. One thread pinned to CPU 0; prints generated
# states per second and the ratio for each pair of runs (BENCHMARKS.md,
# "Symmetry at full speed"). Needs python3 for the JSON.
set -euo pipefail
skiff=${1:-build/release/skiff}
runs=${2:-2}
rate() {  # prints generated states per second of one `skiff check ... --json`
  taskset -c 0 "$skiff" check raft --threads 1 --json "$@" 2>/dev/null |
    python3 -c 'import json, sys; d = json.load(sys.stdin); print(d["generated_states"] / d["elapsed_s"])'
}
for ((i = 1; i <= runs; ++i)); do
  plain=$(rate --nodes 5 --max-term 1 --max-commands 0 --max-depth 11)
  symmetric=$(rate --nodes 5 --max-term 1 --max-commands 0 --max-depth 13 --symmetry)
  python3 -c "print(f'5 nodes: plain {$plain/1e6:.2f} M/s, symmetric {$symmetric/1e6:.2f} M/s, cost per state {$plain/$symmetric:.2f}x')"
  plain=$(rate --max-depth 12 --max-term 2 --max-commands 1)
  symmetric=$(rate --max-depth 12 --max-term 2 --max-commands 1 --symmetry)
  python3 -c "print(f'3 nodes: plain {$plain/1e6:.2f} M/s, symmetric {$symmetric/1e6:.2f} M/s, cost per state {$plain/$symmetric:.2f}x')"
done
