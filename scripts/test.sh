#!/usr/bin/env bash
# The whole test suite: Swift tests, plus the C checks they drive (a C program built against
# libhermesoauth.so and the installed header and pkg-config file, C/C++ header cleanliness,
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
swift test --experimental-maximum-parallelization-width "$width" --skip HostilePeerTests
# The standing hostile-peers suite: servers, authorization servers, files and C callers attacking
# hermes (README, Reliability). Its own step, so a run says at a glance whether every attack held.
swift test --experimental-maximum-parallelization-width "$width" --filter HostilePeerTests
scripts/conformance.sh  # the MCP conformance suite's client auth scenarios, re-created (Tests/Conformance)
# libFuzzer with AddressSanitizer, a few seconds per parser (scripts/fuzz.sh runs the long campaign).
scripts/fuzz.sh --seconds 5
