#!/bin/sh
# Usage: fuzz_finds_the_bug.sh FUZZ_TARGET COMMAND (the ctest pbkv_fuzz_finds_the_bug)
# The libFuzzer target pbkv-fuzz, with the seeded bug ack-on-first-backup,
# crashes within seconds (30 s at most); its crash message names COMMAND
# (pbkv-skiff), which turns the crash input into a shrunk trace of the
# violation; the trace replays to that violation. Exit 0 if all of it holds.
fuzz="$1"
command="$2"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
fail() { cat "$work/log" 2>/dev/null; echo "pbkv_fuzz_finds_the_bug: $*" >&2; exit 1; }

if SKIFF_BUGS=ack-on-first-backup "$fuzz" -seed=1 -max_total_time=30 -artifact_prefix="$work/" >"$work/log" 2>&1; then
  fail "the fuzz target found nothing in 30 s"
fi
set -- "$work"/crash-*
[ -f "$1" ] || fail "the fuzz target ended without a crash input"
grep -q "violation of acked-on-every-backup" "$work/log" || fail "the crash is not the seeded bug's violation"
name="$(basename "$command")"
grep -q "its trace: $name replay --fuzz-input" "$work/log" || fail "the crash message does not name $name"
"$command" replay --fuzz-input "$1" --protocol pbkv --bug ack-on-first-backup -o "$work/crash.trace" 2>"$work/log"
[ $? -eq 1 ] || fail "replay --fuzz-input did not report the violation (exit status 1)"
"$command" replay "$work/crash.trace" >"$work/log" 2>&1
[ $? -eq 1 ] || fail "the trace does not replay to its violation"
grep -q "^violation acked-on-every-backup" "$work/crash.trace" || fail "the trace names another violation"
echo "pbkv-fuzz found ack-on-first-backup; $name wrote its trace ($(grep -c . "$work/crash.trace") lines); it replays"
