#!/usr/bin/env bash
# Benchmarks of `skiff check` (BENCHMARKS.md, "Model checking"), printed as
# Markdown tables:
#  1. distinct states per second and bytes per state for correct 3-node Raft
#     within fixed bounds: 1 and 2 threads, with and without symmetry, and
#     depth-first;
#  2. for each seeded Raft bug that shows within small bounds, the shortest
#     counterexample's length next to the median length `skiff explore`
#     shrinks to over 5 seed ranges (the shrinker's quality, as a ratio).
# Usage: bench/check_bench.sh [SKIFF_BINARY]   (default build/release/skiff)
# SKIFF_CHECK_BENCH_DEPTH=N changes the depth of table 1 (default 12).
set -euo pipefail
cd "$(dirname "$0")/.."
skiff="${1:-build/release/skiff}"
depth="${SKIFF_CHECK_BENCH_DEPTH:-12}"
# skiff, where exit status 1 (a violation found) is the expected outcome.
skiff_violating() { "$skiff" "$@" || [ $? -eq 1 ]; }
field() { python3 -c "import json,sys; d=json.load(sys.stdin); print($1)"; }

echo "### Correct Raft, 3 nodes: depth $depth, term 2, 1 command, no faults"
echo
echo "| search | threads | symmetry | distinct states | generated | seconds | distinct states/s | visited set B/state | links B/state |"
echo "|---|---|---|---|---|---|---|---|---|"
run() {  # search threads symmetry-flag
  local extra=()
  [ "$1" = depth-first ] && extra+=(--depth-first)
  [ "$3" = on ] && extra+=(--symmetry)
  "$skiff" check raft --max-depth "$depth" --max-term 2 --max-commands 1 --threads "$2" "${extra[@]}" --json |
    field "'| $1 | $2 | $3 | {} | {} | {:.2f} | {:,.0f} | {:.1f} | {:.1f} |'.format(d['distinct_states'], d['generated_states'], d['elapsed_s'], d['distinct_states_per_s'], d['visited_bytes_per_state'], d['link_bytes_per_state'])"
}
run breadth-first 1 off
run breadth-first 2 off
run breadth-first 1 on
run breadth-first 2 on
run depth-first 1 off

echo
echo "### Shortest counterexample (skiff check) against explore's shrunk trace"
echo
echo "| bug | nodes | check bounds | shortest (events) | check seconds | explore shrunk, median of 5 | ratio |"
echo "|---|---|---|---|---|---|---|"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
bug() {  # bug nodes check-flags...
  local name="$1" nodes="$2"
  shift 2
  local shortest seconds lengths=() s
  read -r shortest seconds < <(skiff_violating check raft --nodes "$nodes" --bug "$name" "$@" --out "$tmp" --json |
    field "'{} {:.2f}'.format(d['violation']['events'], d['elapsed_s'])")
  for s in 0 1000000 2000000 3000000 4000000; do
    lengths+=("$(skiff_violating explore raft --nodes "$nodes" --bug "$name" --seed "$s" --runs 1000000 --out "$tmp" --json |
      field "d['violations'][0]['events_after']")")
  done
  local median
  median="$(printf '%s\n' "${lengths[@]}" | sort -n | sed -n 3p)"
  echo "| $name | $nodes | $* | $shortest | $seconds | $median (${lengths[*]}) | $(python3 -c "print(f'{$median/$shortest:.2f}')") |"
}
bug vote-without-log-check 3 --max-depth 12 --max-term 2 --max-commands 1 --symmetry
bug forget-vote-on-restart 3 --max-depth 12 --max-term 2 --max-commands 0 --max-crashes 1 --symmetry
bug truncate-on-stale-append 3 --max-depth 12 --max-term 2 --max-commands 1 --symmetry
bug commit-to-leader-commit 3 --max-depth 14 --max-term 2 --max-commands 2 --symmetry
bug accept-stale-vote-reply 3 --max-depth 12 --max-term 3 --max-commands 0 --symmetry
bug count-duplicate-votes 5 --max-depth 10 --max-term 1 --max-commands 0 --max-duplicates 1
