#!/usr/bin/env bash
# How fast libFuzzer finds seeded Raft bugs, with and without skiff's
# protocol-level feedback (fuzz/state_feedback.hpp), next to `skiff explore`;
# and how many inputs per second each fuzz target runs. Figures in
# BENCHMARKS.md ("Fuzzing"). Prints Markdown tables on stdout, progress on stderr.
#
#   bench/fuzz_vs_explore.sh
#
# Environment (defaults in brackets):
#   SKIFF_BENCH_BUGS   the seeded Raft bugs [commit-previous-term vote-without-log-check
#                      forget-vote-on-restart commit-to-leader-commit]; "none" skips that table
#   SKIFF_BENCH_RUNS   runs per bug and method [5]; the table gives the median
#   SKIFF_BENCH_CAP    wall-time cap of one run, seconds [60]
#   SKIFF_BENCH_EXEC_SECONDS  seconds per target for the inputs/s table [20]; 0 skips it
#   SKIFF_FUZZ_BUILD   the fuzz build folder [build/fuzz, made by scripts/build fuzz]
#   SKIFF_BINARY       the skiff that runs explore [build/release/skiff]
#   SKIFF_BENCH_DEPTH  1: the bug table compares the protocol feedback with and without
#                      its depth stages (SKIFF_DEPTH_FEEDBACK=1 / 0, fuzz/raft_depth_feedback.hpp)
#                      instead of protocol feedback, code only and explore [0]
#   SKIFF_BENCH_TARGET the protocol target of the bug table, with SKIFF_BENCH_DEPTH=1 [raft]
# Each method runs on one core: libFuzzer's one process (-seed=R for run R),
# from an empty corpus (the seeds in corpus/raft are runs of explore's seeds,
# and some of them already violate some bugs) with -max_len=1024
# -len_control=0 (room for a whole 300-event run from the start; libFuzzer's
# default grows inputs from a few bytes, too short for most of these bugs); explore with --jobs 1 from seed
# R*1000000+1. A run's time is its process's wall time until it reports the
# violation (libFuzzer: the crash; explore: --no-shrink, so no shrinking).
# count-duplicate-votes runs with 5 nodes (with 3 it cannot show), the others with 3.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
bugs=(${SKIFF_BENCH_BUGS:-commit-previous-term vote-without-log-check forget-vote-on-restart commit-to-leader-commit})
runs="${SKIFF_BENCH_RUNS:-5}"
cap="${SKIFF_BENCH_CAP:-60}"
exec_seconds="${SKIFF_BENCH_EXEC_SECONDS:-20}"
depth_mode="${SKIFF_BENCH_DEPTH:-0}"
bench_target="${SKIFF_BENCH_TARGET:-raft}"
build="${SKIFF_FUZZ_BUILD:-$root/build/fuzz}"
skiff="${SKIFF_BINARY:-$root/build/release/skiff}"
[ -x "$build/fuzz/raft" ] || (cd "$root" && SKIFF_FUZZ_BUILD="$build" scripts/build fuzz >&2)
[ -x "$skiff" ] || (cd "$root" && scripts/build release >&2)
scratch="$(mktemp -d)"
trap 'rm -rf "$scratch"' EXIT

now() { date +%s.%N; }
elapsed() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", b - a }'; }

# One libFuzzer run: prints its time to the crash, or "-" if none within the cap.
fuzz_once() {  # TARGET FEEDBACK(0/1) NODES BUGS SEED [DEPTH STAGES (0/1), default 1]
  local dir="$scratch/run" start end status=0
  rm -rf "$dir" && mkdir -p "$dir/corpus"
  start="$(now)"
  SKIFF_STATE_FEEDBACK="$2" SKIFF_NODES="$3" SKIFF_BUGS="$4" SKIFF_DEPTH_FEEDBACK="${6:-1}" \
    "$build/fuzz/$1" -seed="$5" -max_total_time="$cap" -timeout=10 -max_len=1024 -len_control=0 -artifact_prefix="$dir/" \
    "$dir/corpus" >"$dir/log" 2>&1 || status=$?
  end="$(now)"
  if [ "$status" -ne 0 ] && compgen -G "$dir/crash-*" >/dev/null; then elapsed "$start" "$end"; else echo -; fi
}

explore_once() {  # NODES BUG SEED
  local dir="$scratch/run" start end status=0
  rm -rf "$dir" && mkdir -p "$dir"
  start="$(now)"
  "$skiff" explore raft --nodes "$1" --bug "$2" --seed "$3" --runs 1000000000000 --time-limit "$cap" \
    --jobs 1 --no-shrink --out "$dir" >"$dir/log" 2>&1 || status=$?
  end="$(now)"
  if [ "$status" -eq 1 ]; then elapsed "$start" "$end"; else echo -; fi
}

# "median (found/runs)" of times, "-" counting as slower than any.
summary() {
  printf '%s\n' "$@" | awk -v cap="$cap" '
    { n++; if ($1 == "-") { t[n] = 1e18 } else { t[n] = $1; found++ } }
    END {
      for (i = 1; i <= n; i++) for (j = i + 1; j <= n; j++) if (t[j] < t[i]) { x = t[i]; t[i] = t[j]; t[j] = x }
      m = t[int((n + 1) / 2)]
      printf "%s (%d/%d)", (m >= 1e18 ? "> " cap " s" : sprintf("%.2f s", m)), found + 0, n
    }'
}

echo "Machine: $(nproc) vCPU, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'); $(. /etc/os-release && echo "$PRETTY_NAME")"
echo "Fuzz targets: $build ($(grep -E '^CMAKE_CXX_COMPILER:|^CMAKE_CXX_FLAGS:' "$build/CMakeCache.txt" | sed 's/^[^=]*=//' | tr '\n' ' '))"
echo "Load average at the start: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "explore: $skiff ($(grep -E '^CMAKE_BUILD_TYPE:' "$(dirname "$skiff")/CMakeCache.txt" | sed 's/^[^=]*=//') build)"
echo

if [ "$exec_seconds" -gt 0 ]; then
  echo "### Inputs per second, correct protocols, $exec_seconds s from the seed corpus"
  echo
  echo "| target | feedback | inputs/s | inputs | corpus at the end |"
  echo "|--------|----------|---------:|-------:|------------------:|"
  for target in raft:1 raft:0 paxos:1 multi-paxos:1 trace-parser:-; do
    name="${target%%:*}" fb="${target#*:}"
    seeds=("$root/corpus/$name")
    [ "$name" = trace-parser ] && seeds+=("$root/corpus/regressions")
    dir="$scratch/exec" && rm -rf "$dir" && mkdir -p "$dir/corpus"
    echo "inputs/s: $name feedback $fb" >&2
    SKIFF_STATE_FEEDBACK="${fb/-/1}" "$build/fuzz/$name" -seed=1 -max_total_time="$exec_seconds" \
      -print_final_stats=1 -artifact_prefix="$dir/" "$dir/corpus" "${seeds[@]}" >"$dir/log" 2>&1 || true
    rate="$(awk '/stat::average_exec_per_sec/ { print $2 }' "$dir/log")"
    total="$(awk '/stat::number_of_executed_units/ { print $2 }' "$dir/log")"
    corpus="$(grep -E '^#[0-9]+.*DONE' "$dir/log" | sed -E 's/.*corp: ([0-9]+).*/\1/')"
    label=$([ "$fb" = 1 ] && echo protocol + code || ([ "$fb" = 0 ] && echo code only || echo code))
    echo "| $name | $label | $rate | $total | $corpus |"
  done
  echo
fi

[ "${bugs[*]}" = none ] && exit 0
if [ "$depth_mode" = 1 ]; then
  echo "### Time to the first violation of a seeded $bench_target bug, depth stages on and off: median of $runs runs, cap $cap s"
  echo
  echo "| bug | nodes | protocol + code feedback, with depth stages | the same without depth stages |"
  echo "|-----|------:|------:|------:|"
  for bug in "${bugs[@]}"; do
    nodes=3
    [ "$bug" = count-duplicate-votes ] || [ "$bug" = count-duplicate-promises ] && nodes=5
    with=() without=()
    for r in $(seq 1 "$runs"); do
      echo "bug $bug run $r" >&2
      with+=("$(fuzz_once "$bench_target" 1 "$nodes" "$bug" "$r" 1)")
      without+=("$(fuzz_once "$bench_target" 1 "$nodes" "$bug" "$r" 0)")
      echo "  depth stages ${with[-1]}  without ${without[-1]}" >&2
    done
    echo "| $bug | $nodes | $(summary "${with[@]}") | $(summary "${without[@]}") |"
    echo "<!-- $bench_target $bug: with depth stages ${with[*]}; without ${without[*]} -->"
  done
  exit 0
fi
echo "### Time to the first violation of a seeded Raft bug: median of $runs runs, cap $cap s"
echo
echo "| bug | nodes | libFuzzer, protocol + code feedback | libFuzzer, code coverage only | skiff explore --jobs 1 |"
echo "|-----|------:|------:|------:|------:|"
for bug in "${bugs[@]}"; do
  nodes=3
  [ "$bug" = count-duplicate-votes ] && nodes=5
  with=() without=() explore=()
  for r in $(seq 1 "$runs"); do
    echo "bug $bug run $r" >&2
    with+=("$(fuzz_once raft 1 "$nodes" "$bug" "$r")")
    without+=("$(fuzz_once raft 0 "$nodes" "$bug" "$r")")
    explore+=("$(explore_once "$nodes" "$bug" "$((r * 1000000 + 1))")")
    echo "  feedback ${with[-1]}  plain ${without[-1]}  explore ${explore[-1]}" >&2
  done
  echo "| $bug | $nodes | $(summary "${with[@]}") | $(summary "${without[@]}") | $(summary "${explore[@]}") |"
  echo "<!-- $bug: feedback ${with[*]}; plain ${without[*]}; explore ${explore[*]} -->"
done
