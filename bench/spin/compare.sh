#!/usr/bin/env bash
# skiff check beside SPIN on single-decree Paxos (bench/spin/paxos.pml, a
# Promela model of protocols/paxos; see its header for what differs).
# For each bound: spin -a, gcc -O2 -DSAFETY (exact, and -DHC4 hash compaction),
# pan, then `skiff check paxos` at the same bounds (1 and 2 threads); prints a
# Markdown table of states, transitions, seconds and bytes per state: the
# state store's (pan: "total actual memory usage"; skiff: visited set plus
# links) and the peak resident set (/usr/bin/time %M), over the states.
# Usage: bench/spin/compare.sh [SKIFF_BINARY]   (default build/release/skiff)
# Installs Debian's spin with apt-get if it is missing (needs root).
# Not part of CI: about a minute per bound.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
cd "$here/../.."
skiff="$(realpath "${1:-build/release/skiff}")"
if ! command -v spin >/dev/null; then
  echo "compare.sh: spin is missing; installing Debian's spin package" >&2
  apt-get install -y spin >/dev/null || { echo "compare.sh: could not install spin (apt-get install spin)" >&2; exit 2; }
fi
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
field() { python3 -c "import json,sys; d=json.load(sys.stdin); print($1)"; }

echo "| bounds | checker | states | transitions | seconds (wall) | CPU s | state store B/state | peak RSS B/state |"
echo "|---|---|--:|--:|--:|--:|--:|--:|"
# MAXROUND COMMANDS
for bound in "1 2" "2 1"; do
  read -r round commands <<<"$bound"
  label="--max-term $round --max-commands $commands"
  for variant in exact HC4; do
    dir="$work/$round-$commands-$variant"
    mkdir -p "$dir"
    (cd "$dir" && spin -a -DMAXROUND="$round" -DCOMMANDS="$commands" "$here/paxos.pml" >/dev/null)
    flags=(-O2 -DSAFETY)
    [ "$variant" = HC4 ] && flags+=(-DHC4)
    (cd "$dir" && gcc "${flags[@]}" -w -o pan pan.c)
    (cd "$dir" && /usr/bin/time -f "%e %U %S %M" -o time.txt ./pan -m10000 -w24 >out.txt 2>&1) || true
    grep -q "errors: 0" "$dir/out.txt" || { echo "compare.sh: pan reported an error:" >&2; cat "$dir/out.txt" >&2; exit 1; }
    stored=$(awk '/states, stored/ {print $1}' "$dir/out.txt")
    transitions=$(awk '/transitions \(= stored\+matched\)/ {print $1}' "$dir/out.txt")
    memory=$(awk '/total actual memory usage/ {print $1}' "$dir/out.txt")
    read -r wall user sys rss <"$dir/time.txt"
    python3 -c "print('| $label | SPIN 6.5.2 DFS ${variant} | {:,} | {:,} | $wall | {:.2f} | {:.0f} | {:.0f} |'.format($stored, $transitions, $user + $sys, $memory * 2**20 / $stored, $rss * 1024 / $stored))"
  done
  for threads in 1 2; do
    /usr/bin/time -f "%e %U %S %M" -o "$work/skiff-time.txt" "$skiff" check paxos --max-term "$round" --max-commands "$commands" \
      --max-depth 100 --threads "$threads" --json >"$work/skiff.json" 2>/dev/null
    read -r wall user sys rss <"$work/skiff-time.txt"
    field "'| $label | skiff check, $threads thread(s) | {:,} | {:,} | $wall | {:.2f} | {:.1f} | {:.0f} |'.format(d['distinct_states'], d['generated_states'], $user + $sys, d['visited_bytes_per_state'] + d['link_bytes_per_state'], $rss * 1024 / d['distinct_states'])" <"$work/skiff.json"
  done
done
