#!/usr/bin/env bash
# The whole test suite: Swift tests, plus the C checks they drive (a C program built against
# libhermesoauth.so and libhermesmcp.so, the installed headers and pkg-config files, C/C++ header cleanliness,
# header-vs-Swift drift, exported symbols), and a short libFuzzer run over every input parser.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
scripts/peers.sh >/dev/null
scripts/agent.sh >/dev/null
swift build --build-tests
# Tests run in parallel: every wait for a process, a pipe or a condition is async
# (HermesTestSupport: run, Interactive, PeerProcess, waitUntil), so none parks a thread of the
# cooperative pool. Only suites sharing process-wide state are `.serialized`, each saying why.
# The width is bounded, four tests per core: most tests wait on other processes, so 4 per core
# kept 2 cores ~90% busy (8 here: about 3 min for both steps), while unbounded
# Swift Testing 6.3 starts every test at once (load 76 here) and the Python peers starting together
# miss their 30 s start-up limit.
width=$(( 4 * $(nproc) ))
# One run for every target, the hostile peers included (README, Reliability): a second `swift test`
# cost a fresh start and a serial tail (40-80 s here). scripts/test-report.py then gives the
# standing hostile-peers suite its own line, so a run still says at a glance whether every attack held.
report="$(mktemp -d)/tests.xml"
trap 'rm -rf "$(dirname "$report")"' EXIT
status=0
swift test --experimental-maximum-parallelization-width "$width" --xunit-output "$report" || status=$?
scripts/test-report.py "${report%.xml}-swift-testing.xml" || status=1
[ "$status" -eq 0 ] || exit "$status"
scripts/conformance.sh  # the MCP conformance suite's client auth scenarios, re-created (Tests/Conformance)
# libFuzzer with AddressSanitizer, a few seconds per parser (scripts/fuzz.sh runs the long campaign).
scripts/fuzz.sh --seconds 5
