#!/usr/bin/env python3
"""Tests passed and failed per test target, from Swift Testing's xUnit report, with the hostile-peers
target on a line of its own: one `swift test` run for everything (a second run costs a fresh start
and a serial tail), and still a line that says at a glance whether every attack held.
  scripts/test-report.py REPORT.xml"""
import sys
import xml.etree.ElementTree as ET

try:
    cases = ET.parse(sys.argv[1]).getroot().iter("testcase")
except (OSError, ET.ParseError) as error:
    sys.exit(f"test report: no readable report ({error}); the test run ended before writing it")
targets = {}
for case in cases:
    target = case.get("classname", "?").split(".")[0]
    passed, failed = targets.setdefault(target, [0, []])
    if case.find("failure") is not None or case.find("error") is not None:
        failed.append(f"{case.get('classname')}.{case.get('name')}")
    else:
        targets[target][0] += 1
width = max(map(len, targets), default=0)
for target in sorted(targets, key=lambda t: (t == "HostilePeerTests", t)):
    passed, failed = targets[target]
    verdict = "every attack held" if target == "HostilePeerTests" and not failed else ""
    print(f"{target:<{width}}  {passed} passed, {len(failed)} failed  {verdict}".rstrip())
    for name in failed:
        print(f"  failed: {name}")
sys.exit(1 if any(failed for _, failed in targets.values()) else 0)
