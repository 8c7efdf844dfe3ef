#!/usr/bin/env bash
# Determinism: the same explorations, run with --jobs 1 and --jobs 2, and with
# a second skiff built another way (CI: gcc's Release build against clang's
# -O1 build with ASan and UBSan), must write byte-identical traces and count
# the same runs and events.
# Usage: tests/determinism.sh SKIFF            SKIFF --jobs 1 against SKIFF --jobs 2
#        tests/determinism.sh SKIFF OTHER      OTHER --jobs 1 against SKIFF --jobs 2
#                                              (one pass of the slower SKIFF)
set -euo pipefail
skiff="$1"
other="${2:-}"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

explore_all() {  # BINARY JOBS DIR
  local binary="$1" jobs="$2" dir="$3"
  mkdir -p "$dir"
  {
    "$binary" explore raft --runs 3000 --jobs "$jobs" --out "$dir" || true
    "$binary" explore raft --nodes 5 --runs 1000 --jobs "$jobs" --out "$dir" || true
    "$binary" explore raft --bug commit-previous-term --runs 100000 --jobs "$jobs" --out "$dir" || true
    "$binary" explore raft --bug forget-vote-on-restart --runs 3000 --keep-going --jobs "$jobs" --out "$dir" || true
    "$binary" explore raft --nodes 5 --bug count-duplicate-votes --runs 2000 --keep-going --jobs "$jobs" --out "$dir" || true
    # Fault profiles (checker/aim.hpp); seeds apart from the runs above, whose traces share DIR.
    "$binary" explore raft --nodes 5 --bug keep-suffix-on-conflict --profile mix --seed 500001 --runs 3000 --keep-going \
      --jobs "$jobs" --out "$dir" || true
    "$binary" explore multi-paxos --bug forget-unlearned-votes-on-restart --profile pct --pct-depth 5 --seed 500001 \
      --runs 300 --keep-going --jobs "$jobs" --out "$dir" || true
    "$binary" explore raft --bug commit-to-leader-commit --max-crashes 1 --steps 120 --runs 3000 --keep-going \
      --jobs "$jobs" --out "$dir" || true
    # canonical/raft, where it is built. (Not `skiff list | grep -q`: with
    # pipefail, grep leaving early can fail the pipe when skiff gets SIGPIPE.)
    if grep -q '^libraft:' <<<"$("$binary" list)"; then
      "$binary" explore libraft-stable-disk --runs 160 --keep-going --jobs "$jobs" --out "$dir" || true
      "$binary" explore libraft --runs 20 --keep-going --no-shrink --jobs "$jobs" --out "$dir" || true
    fi
    "$binary" explore paxos --bug adopt-any-accepted --runs 100 --keep-going --jobs "$jobs" --out "$dir" || true
    "$binary" explore multi-paxos --bug forget-promise-on-restart --runs 200 --keep-going --jobs "$jobs" \
      --out "$dir" || true
    "$binary" explore raft --variant pre-vote --variant check-quorum --variant passive=2 --bug forget-vote-on-restart \
      --runs 1000 --keep-going --jobs "$jobs" --out "$dir" || true
  } | sed -E -e 's/ in [0-9.]+ s \([^)]*\)//' -e 's/ in [0-9.]+ s;/;/' -e "s#$dir/##g" > "$dir.out"
  (cd "$dir" && sha256sum -- *.trace) >> "$dir.out"
}

first="$skiff"
[ -z "$other" ] || first="$other"
explore_all "$first" 1 "$work/one"
explore_all "$skiff" 2 "$work/two"
count=$(ls "$work/one" | wc -l)
if [ "$count" -lt 10 ]; then
  echo "determinism: expected at least 10 traces to compare, found $count" >&2
  exit 1
fi
diff -u "$work/one.out" "$work/two.out" || { echo "determinism: $first --jobs 1 and $skiff --jobs 2 differ" >&2; exit 1; }
echo "$first --jobs 1 and $skiff --jobs 2: $count traces, byte-identical"
