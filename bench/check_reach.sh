#!/usr/bin/env bash
# How far `skiff check` reaches each seeded bug (issue 19, item 2).
#
# For each seeded bug of raft, paxos and multi-paxos (a row below):
#  1. `skiff explore` finds it and shrinks the counterexample;
#  2. that trace's events give check's bounds: its length is the depth bound,
#     its client commands, crashes, drops, duplicates, link cuts and
#     administrative commands the budgets, and its election (Paxos: prepare)
#     timers plus leadership transfers bound the term (Paxos: one more, as a
#     proposer's first round needs no timer; and no less than any term or
#     round its messages carry). The shrunk trace is
#     a path inside these bounds, so a breadth-first check that exhausts them
#     must find a violation at most that long;
#  3. `skiff check` searches them breadth-first on one thread (--symmetry
#     for Raft without node-specific variants; Paxos nodes are not
#     interchangeable), stopped cleanly after
#     SKIFF_REACH_SECONDS (default 600) or SKIFF_REACH_MEMORY_GIB (default 8).
# It prints one Markdown row per bug: the bounds, explore's shrunk length,
# check's outcome and shortest length, distinct states, the depth it
# reached and check's own seconds. Rows that were stopped say how far they
# got, which is the measured reason a bug is out of reach.
#
# Usage: bench/check_reach.sh [PROTOCOL[:BUG]...]   (default: every row)
#   SKIFF=build/release/skiff SKIFF_REACH_SECONDS=600 bench/check_reach.sh raft:keep-suffix-on-conflict
set -euo pipefail
cd "$(dirname "$0")/.."
skiff="${SKIFF:-build/release/skiff}"
seconds="${SKIFF_REACH_SECONDS:-600}"
memory="${SKIFF_REACH_MEMORY_GIB:-8}"
[ -x "$skiff" ] || { echo "bench/check_reach.sh: $skiff is missing (scripts/build release)" >&2; exit 2; }
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

# protocol bug nodes variants (comma list, or -) explore-flags (or -)
admin="--max-config-changes 3 --max-transfers 2 --max-snapshots 2"
rows=(
  "raft commit-previous-term 3 - -"
  "raft vote-without-log-check 3 - -"
  "raft up-to-date-by-index-only 3 - -"
  "raft forget-vote-on-restart 3 - -"
  "raft truncate-on-stale-append 3 - -"
  "raft commit-to-leader-commit 3 - -"
  "raft count-duplicate-votes 5 - -"
  "raft accept-stale-vote-reply 3 - -"
  "raft forget-term-on-restart 3 - -"
  "raft ack-last-log-index 3 - -"
  "raft crash-on-stale-append-reply 3 - -"
  "raft throw-on-long-log 3 - -"
  "raft commit-to-last-log-index 3 - --profile=mix"
  "raft commit-whole-log-on-restart 3 - --profile=mix"
  "raft keep-suffix-on-conflict 3 - --profile=mix"
  "raft ack-before-persist 3 - --profile=mix"
  "raft config-change-before-term-commit 5 spare=5 $admin"
  "raft concurrent-config-changes 4 spare=4 $admin"
  "raft count-votes-of-old-config 5 spare=4,5 $admin"
  "raft transfer-to-lagging-node 3 - $admin"
  "raft snapshot-without-config 4 spare=4 $admin"
  "raft install-snapshot-discards-newer-entries 3 - $admin"
  "paxos ignore-accepted-values 3 - -"
  "paxos adopt-any-accepted 3 - -"
  "paxos forget-promise-on-restart 3 - -"
  "paxos forget-accepted-on-restart 3 - -"
  "paxos accept-below-promise 3 - -"
  "paxos count-duplicate-promises 5 - -"
  "paxos compare-rounds-only 5 - --profile=mix"
  "multi-paxos ignore-accepted-values 3 - -"
  "multi-paxos adopt-any-accepted 3 - -"
  "multi-paxos forget-promise-on-restart 3 - -"
  "multi-paxos forget-accepted-on-restart 3 - -"
  "multi-paxos accept-below-promise 3 - -"
  "multi-paxos count-duplicate-promises 5 - -"
  "multi-paxos compare-rounds-only 5 - --profile=mix"
  "multi-paxos forget-unlearned-votes-on-restart 3 - --profile=mix"
)

selected() {  # PROTOCOL BUG: whether the command line picked this row
  [ "$#" -eq 2 ] || return 1
  [ "${#picks[@]}" -eq 0 ] && return 0
  local pick
  for pick in "${picks[@]}"; do
    [ "$pick" = "$1" ] || [ "$pick" = "$1:$2" ] && return 0
  done
  return 1
}
picks=("$@")

# The bounds a shrunk trace needs, as check flags (python: one pass over its events).
bounds_of() {  # TRACE
  python3 - "$1" <<'EOF'
import re, sys
events, counts = 0, dict(commands=0, crashes=0, drops=0, duplicates=0, link_changes=0,
                         config_changes=0, transfers=0, snapshots=0)
terms = 0
lines = []
inside = False
for line in open(sys.argv[1]):
    line = line.rstrip("\n")
    if line == "events": inside = True; continue
    if not inside or line == "end" or line.startswith("violation "): continue
    events += 1
    lines.append(line)
    word = line.split()
    kind = word[0]
    if kind == "client": counts["commands"] += 1
    elif kind == "crash": counts["crashes"] += 1
    elif kind == "drop": counts["drops"] += 1
    elif kind == "duplicate": counts["duplicates"] += 1
    elif kind == "cut": counts["link_changes"] += 1
    elif kind == "timer" and word[2] in ("election", "prepare"): terms += 1
    elif kind == "admin":
        op = word[2]
        if op == "transfer": counts["transfers"] += 1; terms += 1
        elif op == "snapshot": counts["snapshots"] += 1
        else: counts["config_changes"] += 1
# A Paxos proposer's first Prepare (round 1) needs no timer; Raft's term 1 does.
seen = [int(n) for n in re.findall(r" [tb](\d+)\b", "".join(lines))]
if any(" prepare" in l for l in lines) or any("Prepare" in l for l in lines): terms += 1
flags = [f"--max-depth {events}", f"--max-term {max([terms, 1] + seen)}"]
flags += [f"--max-{k.replace('_', '-')} {v}" for k, v in counts.items() if v or k == "commands"]
print(" ".join(flags))
EOF
}

echo "check: one thread, stopped after ${seconds} s or ${memory} GiB; $(nproc) cores, load $(cut -d' ' -f1 /proc/loadavg)"
echo
echo "| protocol | bug | nodes | check bounds (from explore's shrunk trace) | explore shrunk | check | shortest | distinct states | depth reached | check s |"
echo "|---|---|---|---|---|---|---|---|---|---|"
for row in "${rows[@]}"; do
  read -r protocol bug nodes variants explore_flags <<<"$row"
  selected "$protocol" "$bug" || continue
  variant_args=()
  if [ "$variants" != - ]; then variant_args=(--variant "$variants"); fi
  extra=()
  [ "$explore_flags" = - ] || read -ra extra <<<"${explore_flags//=/ }"
  out="$work/$protocol-$bug"
  json="$("$skiff" explore "$protocol" --nodes "$nodes" --bug "$bug" "${variant_args[@]}" "${extra[@]}" \
            --runs 1000000 --time-limit 300 --quiet --json --out "$out" || true)"
  trace="$(python3 -c 'import json,sys; v=json.load(sys.stdin)["violations"]; print(v[0]["trace"] if v else "")' <<<"$json")"
  if [ -z "$trace" ]; then
    echo "| $protocol | $bug | $nodes | - | not found in 300 s | - | - | - | - | - |"
    continue
  fi
  shrunk="$(python3 -c 'import json,sys; print(json.load(sys.stdin)["violations"][0]["events_after"])' <<<"$json")"
  read -ra bounds <<<"$(bounds_of "$trace")"
  symmetry=()
  if [ "$protocol" = raft ] && [ "$variants" = - ]; then symmetry=(--symmetry); fi
  check="$(timeout -s INT "$seconds" "$skiff" check "$protocol" --nodes "$nodes" --bug "$bug" "${variant_args[@]}" \
             "${bounds[@]}" "${symmetry[@]}" --threads 1 --memory-limit "$memory" --json --out "$out/check" \
             2>/dev/null || true)"
  python3 - "$protocol" "$bug" "$nodes" "${bounds[*]} ${symmetry[*]}" "$shrunk" "$variants" <<EOF
import json, sys
protocol, bug, nodes, bounds, shrunk, variants = sys.argv[1:]
text = """$check"""
try:
    r = json.loads(text)
except ValueError:
    print(f"| {protocol} | {bug} | {nodes} | {bounds} | {shrunk} | no result | - | - | - | - |"); sys.exit()
if variants != "-": bounds = f"--variant {variants} {bounds}"
outcome = {"violation": "found", "interrupted": "stopped at the time limit",
           "memory-limit": "stopped at the memory limit"}.get(r["result"], r["result"])
shortest = r["violation"]["events"] if "violation" in r else "-"
print(f"| {protocol} | {bug} | {nodes} | {bounds.strip()} | {shrunk} | {outcome} | {shortest} | "
      f"{r['distinct_states']:,} | {r['depth']} | {r['elapsed_s']:.2f} |")
EOF
done
