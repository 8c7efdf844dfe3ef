#!/usr/bin/env bash
# How many runs and seconds `skiff explore` needs to find each deep seeded bug
# (several leader changes and a crash or a partition; `skiff list` marks them
# "(deep)"), with the uniform scheduler and with each fault profile
# (checker/aim.hpp), at 3 and 5 nodes; and the libraft hunt for Figure 8 past
# the three known libraft findings. Figures in BENCHMARKS.md ("Deep bugs and
# fault profiles"). Prints Markdown tables on stdout, progress on stderr.
#
#   bench/deep_bugs.sh
#
# Environment (defaults in brackets):
#   SKIFF_BENCH_CASES     PROTOCOL:BUG pairs [the six deep bugs]; "none" skips that table
#   SKIFF_BENCH_PROFILES  profiles [uniform crash-after-append isolate-after-append
#                         minority-partition client-to-coordinator pct usurp-after-append duel mix]
#   SKIFF_BENCH_NODES     cluster sizes [3 5]
#   SKIFF_BENCH_RANGES    seed ranges per cell [5]: range R starts at seed R*1000000+1;
#                         a cell is the median over them
#   SKIFF_BENCH_MAX_RUNS  runs per range before giving up [200000]
#   SKIFF_BENCH_CAP       seconds per range before giving up [10]
#   SKIFF_BENCH_LIBRAFT   1: also the libraft Figure-8 hunt [1]
#   SKIFF_BENCH_LIBRAFT_CAP  seconds per libraft range [60]
#   SKIFF_BENCH_LIBRAFT_PROFILES  profiles for the libraft hunt [as SKIFF_BENCH_PROFILES]
#   SKIFF_BENCH_LIBRAFT_VARIANTS  "none" and/or "timeout-now" [none timeout-now]
#   SKIFF_BINARY          the skiff to run [build/release/skiff]
# Every explore runs on one thread (--jobs 1) with --no-shrink; its time is
# explore's own "elapsed_s" (runs only, no trace writing). A range that finds
# nothing counts as infinitely slow: a median shown as ">N" means more than
# half the ranges found nothing within the caps.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
skiff="${SKIFF_BINARY:-$root/build/release/skiff}"
cases=(${SKIFF_BENCH_CASES:-raft:commit-to-last-log-index raft:commit-whole-log-on-restart raft:keep-suffix-on-conflict raft:ack-before-persist multi-paxos:compare-rounds-only multi-paxos:forget-unlearned-votes-on-restart})
profiles=(${SKIFF_BENCH_PROFILES:-uniform crash-after-append isolate-after-append minority-partition client-to-coordinator pct usurp-after-append duel mix})
nodes_list=(${SKIFF_BENCH_NODES:-3 5})
ranges="${SKIFF_BENCH_RANGES:-5}"
max_runs="${SKIFF_BENCH_MAX_RUNS:-200000}"
cap="${SKIFF_BENCH_CAP:-10}"
[ -x "$skiff" ] || (cd "$root" && scripts/build release >&2)
scratch="$(mktemp -d)"
trap 'rm -rf "$scratch"' EXIT

# One explore: prints "RUNS SECONDS" to the first violation, or "- -".
explore_once() {  # PROTOCOL NODES PROFILE SEED CAP MAX_RUNS [EXTRA ARGS...]
  local protocol="$1" nodes="$2" profile="$3" seed="$4" limit="$5" runs="$6"
  shift 6
  { "$skiff" explore "$protocol" --nodes "$nodes" --profile "$profile" --seed "$seed" --runs "$runs" \
    --time-limit "$limit" --jobs 1 --no-shrink --json --out "$scratch" "$@" 2>/dev/null || true; } |
    python3 -c '
import json, sys
r = json.loads(sys.stdin.read())
print("%d %.3f" % (r["runs"], r["elapsed_s"]) if r["violations"] else "- -")'
}

# The median of RANGES "RUNS SECONDS" lines, "-" counting as infinite: "runs / s".
median_cell() {
  python3 -c '
import sys
rows = [l.split() for l in sys.stdin if l.strip()]
inf = float("inf")
runs = sorted(inf if r[0] == "-" else int(r[0]) for r in rows)
secs = sorted(inf if r[1] == "-" else float(r[1]) for r in rows)
m = len(rows) // 2
found = sum(r[0] != "-" for r in rows)
if runs[m] == inf:
    print(f">{sys.argv[1]} ({found}/{len(rows)})")
else:
    print(f"{runs[m]:,} / {secs[m]:.2f} s" + ("" if found == len(rows) else f" ({found}/{len(rows)})"))' "$1"
}

[ "${cases[*]}" = none ] && cases=()
header="| bug | nodes |"
rule="|---|---|"
for profile in "${profiles[@]}"; do header+=" $profile |"; rule+="---|"; done
[ "${#cases[@]}" -gt 0 ] && echo "Median runs / seconds to the first violation (one thread; ${ranges} seed ranges; caps ${max_runs} runs or ${cap} s):"
[ "${#cases[@]}" -gt 0 ] && printf '\n%s\n%s\n' "$header" "$rule"
for case in "${cases[@]}"; do
  protocol="${case%%:*}" bug="${case#*:}"
  for nodes in "${nodes_list[@]}"; do
    row="| $protocol $bug | $nodes |"
    for profile in "${profiles[@]}"; do
      results=""
      for r in $(seq 1 "$ranges"); do
        echo "$protocol $bug $nodes $profile range $r" >&2
        results+="$(explore_once "$protocol" "$nodes" "$profile" "$((r * 1000000 + 1))" "$cap" "$max_runs" --bug "$bug")"$'\n'
      done
      row+=" $(printf '%s' "$results" | median_cell "$max_runs") |"
    done
    echo "$row"
  done
done

if [ "${SKIFF_BENCH_LIBRAFT:-1}" = 1 ] && "$skiff" list | grep -q '^libraft-stable-disk'; then
  libraft_cap="${SKIFF_BENCH_LIBRAFT_CAP:-60}"
  echo
  echo "libraft-stable-disk, 3 nodes, past the known findings (--ignore-invariant committed-is-durable,"
  echo "leader-append-only, library-survives); median runs / seconds to the first other violation (${ranges} ranges, cap ${libraft_cap} s):"
  echo
  echo "| variant | profile | runs / seconds |"
  echo "|---|---|---|"
  for variant in ${SKIFF_BENCH_LIBRAFT_VARIANTS:-none timeout-now}; do
    for profile in ${SKIFF_BENCH_LIBRAFT_PROFILES:-${profiles[*]}}; do
      results=""
      for r in $(seq 1 "$ranges"); do
        echo "libraft $variant $profile range $r" >&2
        extra=(--ignore-invariant committed-is-durable --ignore-invariant leader-append-only
               --ignore-invariant library-survives)
        [ "$variant" = none ] || extra+=(--variant "$variant")
        results+="$(explore_once libraft-stable-disk 3 "$profile" "$((r * 1000000 + 1))" "$libraft_cap" 100000000 "${extra[@]}")"$'\n'
      done
      echo "| $variant | $profile | $(printf '%s' "$results" | median_cell "cap") |"
    done
  done
fi
