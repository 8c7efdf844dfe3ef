#!/usr/bin/env bash
# Replays every trace in corpus/regressions: each must still replay, byte for
# byte, to the result its footer names (exit 1 for a violation, 0 for none).
# Usage: tests/regressions.sh SKIFF CORPUS_DIR
set -euo pipefail
skiff="$1"
corpus="$2"
err=$(mktemp)  # not beside the traces: the corpus is the source tree
trap 'rm -f "$err"' EXIT
count=0
failed=0
skipped=0
known="$("$skiff" list | sed -n 's/^\([a-z0-9-]*\): .*/\1/p')"
for trace in "$corpus"/*.trace; do
  # A protocol this build left out (libraft without libraft-dev) is skipped.
  protocol="$(sed -n 's/^protocol //p' "$trace" | head -1)"
  if ! grep -qx -- "$protocol" <<<"$known"; then
    skipped=$((skipped + 1))
    continue
  fi
  expected=0
  grep -q '^violation ' "$trace" && expected=1
  status=0
  "$skiff" replay "$trace" >/dev/null 2>"$err" || status=$?
  if [ "$status" -ne "$expected" ]; then
    echo "FAIL $trace: exit $status, expected $expected: $(cat "$err")" >&2
    failed=$((failed + 1))
  fi
  count=$((count + 1))
done
[ "$count" -gt 0 ] || { echo "no traces in $corpus" >&2; exit 1; }
echo "$((count - failed)) of $count regression traces replay as their footers say ($skipped skipped: protocol not built)"
[ "$failed" -eq 0 ]
