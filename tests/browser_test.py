#!/usr/bin/env python3
"""The trace viewer in a real browser (ctest label `browser`).

Usage: browser_test.py SKIFF TRACE SCREENSHOT.png

Writes TRACE's page with `skiff replay TRACE --html`, a second page with
`skiff explore multi-paxos ... --html` (a longer run, with faults and folded
runs) and a third of a timed trace (`skiff simulate`), loads each in
headless Chromium opened at #selftest, where the page clicks through itself
and writes what it saw into <pre id="selftest-result">, and checks: the
page opens at its first events; no error reached the console or
window.onerror; the diagram has one arrow (`.arrow`) per `deliver` line of
the trace file; clicking the first boot does not show the violation,
clicking the violating event shows the invariant and the explanation the
trace's footer gives; the arrow keys step back and forward. TRACE's page is
also saved as SCREENSHOT.png
(docs/figure-8.png is made this way).

Exit status 77 (ctest's SKIP_RETURN_CODE) when no Chromium is installed;
scripts/install-deps installs Debian's `chromium`. SKIFF_CHROMIUM names
another binary.
"""
import html
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile

SKIP = 77


def find_chromium():
    named = os.environ.get("SKIFF_CHROMIUM")
    if named:
        return named
    for name in ("chromium", "chromium-browser", "google-chrome"):
        path = shutil.which(name)
        if path:
            return path
    return None


def trace_facts(path):
    """The deliver lines and the footer of a trace file, read as text."""
    with open(path, encoding="utf-8") as f:
        lines = [line.rstrip("\r\n") for line in f]
    events = lines[lines.index("events") + 1:]
    footer = next(line for line in events if line.startswith("violation ") or line == "no-violation")
    events = events[:events.index(footer)]
    if any(line.startswith("timed ") for line in lines):  # "TIME EVENT", and "TIME liveness-check" last
        events = [line.split(" ", 1)[1] for line in events if not line.endswith(" liveness-check")]
    delivers = sum(1 for line in events if line.startswith("deliver "))
    invariant = explanation = None
    if footer.startswith("violation "):
        invariant, explanation = footer[len("violation "):].split(": ", 1)
    event_count = len(events)
    return delivers, invariant, explanation, event_count


def load(chromium, page, profile, screenshot=None):
    """Opens page#selftest headless; returns what the page's self-test wrote."""
    args = [chromium, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--hide-scrollbars",
            "--user-data-dir=" + profile, "--virtual-time-budget=5000", "--window-size=1200,1300", "--dump-dom"]
    if screenshot:
        args.append("--screenshot=" + screenshot)
    args.append("file://" + os.path.abspath(page) + "#selftest")
    run = subprocess.run(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=150, check=False)
    dom = run.stdout.decode("utf-8", "replace")
    found = re.search(r'<pre id="selftest-result"[^>]*>(.*?)</pre>', dom, re.S)
    if run.returncode != 0 or not found or not found.group(1).strip():
        tail = run.stderr.decode("utf-8", "replace")[-2000:]
        raise AssertionError(f"{page}: no self-test result (chromium exit {run.returncode})\n{tail}")
    return json.loads(html.unescape(found.group(1)))


def check_page(chromium, page, trace, profile, screenshot=None):
    delivers, invariant, explanation, event_count = trace_facts(trace)
    result = load(chromium, page, profile, screenshot)
    failures = []

    def expect(ok, what):
        if not ok:
            failures.append(what)

    expect(result["errors"] == [], f"errors in the page: {result['errors']}")
    expect(result["arrows"] == delivers, f"{result['arrows']} arrows, but the trace delivers {delivers} messages")
    expect(result["events"] == event_count, f"{result['events']} events drawn, the trace has {event_count}")
    expect(result["firstRowInView"], "the page did not open at its first events (scrolled down)")
    expect(result["clickedBoot"], "no row to click for the first boot")
    if invariant:
        expect(result["violationRow"] == event_count, f"violation at row {result['violationRow']}")
        expect(result.get("clickedViolation"), "no row to click for the violating event")
        expect(result.get("selectedAfterClick") == event_count, "clicking the violating event did not select it")
        shown = result.get("panelAtViolation", "")
        expect(explanation in shown and invariant in shown,
               f"the panel does not show '{invariant}: {explanation}' after the click:\n{shown[:600]}")
        expect(explanation not in result["panelAtBoot"], "the panel shows the explanation at the first boot")
        expect(result.get("selectedAfterUp") == event_count - 1, "ArrowUp did not step back")
        expect(result.get("selectedAfterDown") == event_count, "ArrowDown did not step forward")
        expect(explanation in result.get("panelAfterDown", ""), "stepping back to the violation lost its explanation")
    if failures:
        raise AssertionError(f"{page}:\n  " + "\n  ".join(failures))
    return result


def main():
    if len(sys.argv) != 4:
        print(__doc__.split("\n\n")[1], file=sys.stderr)
        return 2
    skiff, trace, screenshot = sys.argv[1:]
    chromium = find_chromium()
    if not chromium:
        print("SKIPPED: no chromium found (scripts/install-deps installs Debian's chromium package)")
        return SKIP

    with tempfile.TemporaryDirectory(prefix="skiff-browser-") as tmp:
        # The trace given, through `replay --html`.
        page = os.path.join(tmp, "trace.html")
        replay = subprocess.run([skiff, "replay", trace, "--html", page], stdout=subprocess.DEVNULL,
                                stderr=subprocess.PIPE, check=False)
        expected = 1 if trace_facts(trace)[1] else 0
        if replay.returncode != expected:
            raise AssertionError(f"skiff replay --html: exit {replay.returncode}: {replay.stderr.decode()}")
        if os.path.exists(screenshot):
            os.remove(screenshot)
        result = check_page(chromium, page, trace, os.path.join(tmp, "profile-1"), screenshot)
        with open(screenshot, "rb") as f:
            if f.read(8) != b"\x89PNG\r\n\x1a\n":
                raise AssertionError(f"{screenshot} is not a PNG")
        print(f"{trace}: {result['arrows']} arrows, violation shown on click; screenshot {screenshot}")

        # A longer run with faults, through `explore --html` (unshrunk, so its runs fold).
        out = os.path.join(tmp, "explore")
        explore = subprocess.run([skiff, "explore", "multi-paxos", "--bug", "forget-accepted-on-restart",
                                  "--runs", "2000", "--no-shrink", "--out", out, "--html", out, "--json"],
                                 stdout=subprocess.PIPE, stderr=subprocess.PIPE, check=False)
        if explore.returncode != 1:
            raise AssertionError(f"skiff explore --html: exit {explore.returncode}: {explore.stderr.decode()}")
        found = json.loads(explore.stdout)["violations"][0]
        result = check_page(chromium, found["html"], found["trace"], os.path.join(tmp, "profile-2"))
        print(f"{found['trace']}: {result['events']} events, {result['arrows']} arrows, "
              f"{result['folds']} foldable runs, violation shown on click")

        # A timed trace (skiff simulate): the same page, each event with its time.
        out = os.path.join(tmp, "simulate")
        scenario = os.path.join(os.path.dirname(os.path.abspath(trace)), "..", "scenarios", "deaf-node.json")
        simulate = subprocess.run([skiff, "simulate", scenario, "--runs", "4", "--out", out],
                                  stdout=subprocess.PIPE, stderr=subprocess.PIPE, check=False)
        timed = os.path.join(out, "deaf-node-1-bounded-liveness.trace")
        if simulate.returncode != 1 or not os.path.exists(timed):
            raise AssertionError(f"skiff simulate: exit {simulate.returncode}: {simulate.stderr.decode()}")
        page = os.path.join(tmp, "timed.html")
        replay = subprocess.run([skiff, "replay", timed, "--html", page], stdout=subprocess.DEVNULL,
                                stderr=subprocess.PIPE, check=False)
        if replay.returncode != 1:
            raise AssertionError(f"skiff replay --html (timed): exit {replay.returncode}: {replay.stderr.decode()}")
        result = check_page(chromium, page, timed, os.path.join(tmp, "profile-3"))
        print(f"{timed}: {result['events']} timed events, {result['arrows']} arrows, violation shown on click")
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except AssertionError as failure:
        print(f"FAIL: {failure}", file=sys.stderr)
        sys.exit(1)
