#!/usr/bin/env python3
"""How far `skiff check` reaches each seeded bug (issue 19, item 2).

For each seeded bug of raft, paxos and multi-paxos (ROWS below):
 1. `skiff explore` finds it and shrinks the counterexample, from WITNESSES
    different first seeds; of those traces the one needing the smallest
    bounds is kept (fewest terms, then fewest events);
 2. that trace's events give check's bounds: its length is the depth bound;
    its client commands, crashes, drops, duplicates, link cuts and
    administrative commands are the budgets; its election (Paxos: prepare)
    timers plus leadership transfers bound the term (Paxos: one more, as a
    proposer's first round needs no timer; never less than a term or round
    its messages carry). The shrunk trace is a path inside these bounds, so
    a breadth-first check that exhausts them finds a violation at most that
    long;
 3. `skiff check` searches breadth-first on one thread (--symmetry for Raft
    without node-specific variants; Paxos nodes are not interchangeable).
    When the terms or rounds the trace's messages carry are fewer than the
    term bound of step 2, check first tries that tighter bound for half the
    time: a violation found there is a real counterexample, and the shortest
    within those bounds. A search stops cleanly after SECONDS or the memory
    limit; a stopped row says how deep it got, the measured reason the bug is
    out of reach.

It prints one Markdown row per bug; its check seconds add up both tries.

Usage: bench/check_reach.py [--seconds 600] [--memory-gib 8] [--witnesses 5] [PROTOCOL[:BUG] ...]
  SKIFF=build/release/skiff bench/check_reach.py raft:keep-suffix-on-conflict
"""
import argparse
import json
import os
import re
import signal
import subprocess
import sys
import tempfile

ADMIN = ["--max-config-changes", "3", "--max-transfers", "2", "--max-snapshots", "2"]
MIX = ["--profile", "mix"]
# protocol, bug, nodes, variants, explore flags
ROWS = [
    ("raft", "commit-previous-term", 3, [], []),
    ("raft", "vote-without-log-check", 3, [], []),
    ("raft", "up-to-date-by-index-only", 3, [], []),
    ("raft", "forget-vote-on-restart", 3, [], []),
    ("raft", "truncate-on-stale-append", 3, [], []),
    ("raft", "commit-to-leader-commit", 3, [], []),
    ("raft", "count-duplicate-votes", 5, [], []),
    ("raft", "accept-stale-vote-reply", 3, [], []),
    ("raft", "forget-term-on-restart", 3, [], []),
    ("raft", "ack-last-log-index", 3, [], []),
    ("raft", "crash-on-stale-append-reply", 3, [], []),
    ("raft", "throw-on-long-log", 3, [], []),
    ("raft", "commit-to-last-log-index", 3, [], MIX),
    ("raft", "commit-whole-log-on-restart", 3, [], MIX),
    ("raft", "keep-suffix-on-conflict", 3, [], MIX),
    ("raft", "ack-before-persist", 3, [], MIX),
    ("raft", "config-change-before-term-commit", 5, ["spare=5"], ADMIN),
    ("raft", "concurrent-config-changes", 4, ["spare=4"], ADMIN),
    ("raft", "count-votes-of-old-config", 5, ["spare=4,5"], ADMIN),
    ("raft", "transfer-to-lagging-node", 3, [], ADMIN),
    ("raft", "snapshot-without-config", 4, ["spare=4"], ADMIN),
    ("raft", "install-snapshot-discards-newer-entries", 3, [], ADMIN),
    ("paxos", "ignore-accepted-values", 3, [], []),
    ("paxos", "adopt-any-accepted", 3, [], []),
    ("paxos", "forget-promise-on-restart", 3, [], []),
    ("paxos", "forget-accepted-on-restart", 3, [], []),
    ("paxos", "accept-below-promise", 3, [], []),
    ("paxos", "count-duplicate-promises", 5, [], []),
    ("paxos", "compare-rounds-only", 5, [], MIX),
    ("multi-paxos", "ignore-accepted-values", 3, [], []),
    ("multi-paxos", "adopt-any-accepted", 3, [], []),
    ("multi-paxos", "forget-promise-on-restart", 3, [], []),
    ("multi-paxos", "forget-accepted-on-restart", 3, [], []),
    ("multi-paxos", "accept-below-promise", 3, [], []),
    ("multi-paxos", "count-duplicate-promises", 5, [], []),
    ("multi-paxos", "compare-rounds-only", 5, [], MIX),
    ("multi-paxos", "forget-unlearned-votes-on-restart", 3, [], MIX),
]
BUDGETS = ["commands", "crashes", "drops", "duplicates", "link-changes", "config-changes", "transfers", "snapshots"]


def bounds_of(trace_path):
    """(depth, term bound, tighter term bound, budgets) a shrunk trace needs."""
    counts = dict.fromkeys(BUDGETS, 0)
    events, timers, seen, paxos = 0, 0, [1], False
    inside = False
    with open(trace_path) as trace:
        for line in trace:
            line = line.rstrip("\n")
            if line == "events":
                inside = True
                continue
            if not inside or line == "end" or line.startswith("violation "):
                continue
            events += 1
            word = line.split()
            kind = word[0]
            seen += [int(n) for n in re.findall(r" [tb](\d+)\b", line)]
            paxos = paxos or "Prepare" in line or (kind == "timer" and word[2] == "prepare")
            if kind == "client":
                counts["commands"] += 1
            elif kind in ("crash", "drop", "duplicate"):
                counts[{"crash": "crashes", "drop": "drops", "duplicate": "duplicates"}[kind]] += 1
            elif kind == "cut":
                counts["link-changes"] += 1
            elif kind == "timer" and word[2] in ("election", "prepare"):
                timers += 1
            elif kind == "admin":
                op = word[2]
                if op == "transfer":
                    counts["transfers"] += 1
                    timers += 1
                elif op == "snapshot":
                    counts["snapshots"] += 1
                else:
                    counts["config-changes"] += 1
    term = max([timers + (1 if paxos else 0)] + seen)
    return events, term, max(seen), counts


def flags_of(depth, term, counts):
    flags = ["--max-depth", str(depth), "--max-term", str(term)]
    for name in BUDGETS:
        if counts[name] or name == "commands":
            flags += [f"--max-{name}", str(counts[name])]
    return flags


def run(command, seconds=None):
    """stdout of COMMAND; after SECONDS it gets SIGINT (skiff check then prints what it has)."""
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    try:
        out, _ = process.communicate(timeout=seconds)
    except subprocess.TimeoutExpired:
        process.send_signal(signal.SIGINT)
        out, _ = process.communicate()
    return out


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=600, help="check's time per bug")
    parser.add_argument("--memory-gib", type=float, default=8, help="check's memory limit")
    parser.add_argument("--witnesses", type=int, default=5, help="explore runs (first seeds) to pick the trace from")
    parser.add_argument("picks", nargs="*", help="PROTOCOL or PROTOCOL:BUG (default: every row)")
    args = parser.parse_args()
    skiff = os.environ.get("SKIFF", "build/release/skiff")
    if not os.access(skiff, os.X_OK):
        sys.exit(f"bench/check_reach.py: {skiff} is missing (scripts/build release)")
    rows = [r for r in ROWS if not args.picks or r[0] in args.picks or f"{r[0]}:{r[1]}" in args.picks]
    print(f"check: one thread, stopped after {args.seconds:g} s or {args.memory_gib:g} GiB; "
          f"{os.cpu_count()} cores, load {os.getloadavg()[0]:.1f}; explore's trace: the smallest of {args.witnesses}\n")
    print("| protocol | bug | nodes | check bounds (from explore's shrunk trace) | explore shrunk | check "
          "| shortest | distinct states | depth reached | check s |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    with tempfile.TemporaryDirectory() as work:
        for protocol, bug, nodes, variants, explore_flags in rows:
            variant_args = [a for v in variants for a in ("--variant", v)]
            base = ["--nodes", str(nodes), "--bug", bug] + variant_args
            best = None
            for k in range(args.witnesses):
                out = os.path.join(work, f"{protocol}-{bug}-{k}")
                result = json.loads(run([skiff, "explore", protocol] + base + explore_flags +
                                        ["--seed", str(1 + k * 1_000_000), "--runs", "1000000", "--time-limit", "120",
                                         "--quiet", "--json", "--out", out]))
                if not result["violations"]:
                    continue
                depth, term, tight, counts = bounds_of(result["violations"][0]["trace"])
                if best is None or (term, depth) < (best[1], best[0]):
                    best = (depth, term, tight, counts)
            cells = f"| {protocol} | {bug} | {nodes} |"
            if best is None:
                print(f"{cells} - | not found by explore | - | - | - | - | - |", flush=True)
                continue
            depth, term, tight, counts = best
            symmetry = ["--symmetry"] if protocol == "raft" and not variants else []
            attempts = [(term, args.seconds)]
            if tight < term:
                attempts = [(tight, args.seconds / 2), (term, args.seconds / 2)]
            spent = 0.0
            for term_bound, seconds in attempts:
                flags = flags_of(depth, term_bound, counts) + symmetry
                text = run([skiff, "check", protocol] + base + flags +
                           ["--threads", "1", "--memory-limit", str(args.memory_gib), "--json",
                            "--out", os.path.join(work, "check")], seconds)
                try:
                    r = json.loads(text)
                except ValueError:
                    r = None
                spent += r["elapsed_s"] if r else 0.0
                if r and r["result"] == "violation":
                    break
            shown = " ".join(variant_args + flags)
            if r is None:
                print(f"{cells} {shown} | {depth} | no result | - | - | - | - |", flush=True)
                continue
            outcome = {"violation": "found", "interrupted": "stopped at the time limit",
                       "memory-limit": "stopped at the memory limit"}.get(r["result"], r["result"])
            shortest = r["violation"]["events"] if "violation" in r else "-"
            print(f"{cells} {shown} | {depth} | {outcome} | {shortest} | {r['distinct_states']:,} | "
                  f"{r['depth']} | {spent:.2f} |", flush=True)


if __name__ == "__main__":
    main()
