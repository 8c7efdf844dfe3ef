#!/usr/bin/env python3
"""The `skiff simulate --html` report in a real browser (ctest label `browser`).

Usage: browser_report_test.py SKIFF SCENARIO_DIR

Writes a report of two scenarios of the suite, each with two variant sets,
one of them with a seeded bug so that a violation links to its trace's
viewer page, loads it in headless Chromium at #selftest (the page counts its
own elements and the errors it saw, into <pre id="selftest-result">) and
checks: no error reached window.onerror; one section, one availability chart
and one comparison table per scenario; one availability line and one leader
timeline per variant set, with leader bands and the timeline's network
events on them; recovery CDFs; each violation's link names a viewer page
that exists, and that page loads without errors too.

Exit status 77 (ctest's SKIP_RETURN_CODE) when no Chromium is installed.
"""
import html
import json
import os
import re
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from browser_test import SKIP, find_chromium  # noqa: E402


def self_test(chromium, page, profile):
    args = [chromium, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--hide-scrollbars",
            "--user-data-dir=" + profile, "--virtual-time-budget=5000", "--window-size=1000,1300", "--dump-dom",
            "file://" + os.path.abspath(page) + "#selftest"]
    run = subprocess.run(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=150, check=False)
    dom = run.stdout.decode("utf-8", "replace")
    found = re.search(r'<pre id="selftest-result"[^>]*>(.*?)</pre>', dom, re.S)
    if run.returncode != 0 or not found:
        raise AssertionError(f"{page}: no self-test result (chromium exit {run.returncode})\n"
                             + run.stderr.decode("utf-8", "replace")[-2000:])
    return json.loads(html.unescape(found.group(1)))


def main():
    if len(sys.argv) != 3:
        print(__doc__.split("\n\n")[1], file=sys.stderr)
        return 2
    skiff, scenarios = sys.argv[1:]
    chromium = find_chromium()
    if not chromium:
        print("SKIPPED: no chromium found (scripts/install-deps installs Debian's chromium package)")
        return SKIP
    with tempfile.TemporaryDirectory(prefix="skiff-report-") as tmp:
        page = os.path.join(tmp, "report.html")
        command = [skiff, "simulate", os.path.join(scenarios, "chain.json"), os.path.join(scenarios, "deaf-node.json"),
                   "--runs", "4", "--compare", "-", "--compare", "pre-vote", "--bug", "forget-vote-on-restart",
                   "--out", os.path.join(tmp, "traces"), "--html", page, "--html-run", "2"]
        run = subprocess.run(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, check=False)
        if run.returncode not in (0, 1) or not os.path.exists(page):
            raise AssertionError(f"skiff simulate --html: exit {run.returncode}: {run.stderr.decode()}")
        result = self_test(chromium, page, os.path.join(tmp, "profile-1"))
        failures = []

        def expect(ok, what):
            if not ok:
                failures.append(what)

        expect(result["errors"] == [], f"errors in the page: {result['errors']}")
        expect(result["scenarios"] == 2, f"{result['scenarios']} scenario sections, expected 2")
        expect(result["availabilityCharts"] == 2, f"{result['availabilityCharts']} availability charts")
        expect(result["availabilitySeries"] == 4, f"{result['availabilitySeries']} availability lines, expected 4")
        expect(result["cdfCharts"] >= 2, f"{result['cdfCharts']} CDF charts")
        expect(result["timelines"] == 4, f"{result['timelines']} leader timelines, expected 4")
        expect(result["leaderBands"] > 0, "no leader drawn on the timelines")
        expect(result["networkEvents"] > 0, "no network event drawn on the timelines (deaf-node cuts links)")
        expect(result["comparisonTables"] == 2, f"{result['comparisonTables']} comparison tables")
        for link in result["violationLinks"]:
            viewer = os.path.join(tmp, link)
            expect(os.path.exists(viewer), f"the violation's link {link} names no file")
            if os.path.exists(viewer):
                seen = self_test(chromium, viewer, os.path.join(tmp, "profile-2"))
                expect(seen.get("errors") == [], f"errors in the viewer page {link}: {seen.get('errors')}")
        if run.returncode == 1:
            expect(result["violationLinks"], "skiff found a violation but the report links to no trace viewer")
        if failures:
            raise AssertionError(f"{page}:\n  " + "\n  ".join(failures))
        print(f"report: {result['timelines']} timelines, {result['networkEvents']} network events, "
              f"{len(result['violationLinks'])} violation link(s), no errors")
    return 0


if __name__ == "__main__":
    sys.exit(main())
