#!/usr/bin/env bash
# The whole Swift test suite under AddressSanitizer and under ThreadSanitizer, each in a build
# folder of its own (.build-asan, .build-tsan); the programs the tests start (hermes, the helper,
# the C checks' library) are built with the same sanitizer. Prints one line per sanitizer, and
# exits non-zero when a test fails or any process wrote a sanitizer report.
#   scripts/sanitizers.sh [address|thread]...
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
scripts/peers.sh >/dev/null
scripts/agent.sh >/dev/null
kinds=("$@")
[ ${#kinds[@]} -gt 0 ] || kinds=(address thread)
status=0
for kind in "${kinds[@]}"; do
  short=${kind:0:1}san
  dir=".build-$short"
  log="$dir.log"
  start=$(date +%s)
  # Every instrumented process (the test runner, hermes, the helper) writes its reports to
  # $dir-reports/{asan,tsan}.PID rather than to a stderr that a test may capture and never print.
  reports_dir="$PWD/$dir-reports"
  rm -rf "$reports_dir" && mkdir -p "$reports_dir"
  # HERMES_SANITIZER also tells Package.swift to leave out the .so's version script (see there).
  if HERMES_SANITIZER="$kind" swift build --build-tests --sanitize="$kind" --scratch-path "$dir" > "$log" 2>&1 \
     && HERMES_SANITIZER="$kind" ASAN_OPTIONS="detect_leaks=0 log_path=$reports_dir/asan" \
        TSAN_OPTIONS="halt_on_error=0 log_path=$reports_dir/tsan" \
        swift test --skip-build --no-parallel --sanitize="$kind" --scratch-path "$dir" >> "$log" 2>&1; then
    result="passed"
  else
    result="FAILED"
    status=1
  fi
  reports=$(cat "$log" "$reports_dir"/* 2>/dev/null | grep -c -E "^(==[0-9]+==ERROR: AddressSanitizer|WARNING: ThreadSanitizer)" || true)
  [ "$reports" = 0 ] || status=1
  summary=$(grep -aE "Test run with [0-9]+ tests" "$log" | tail -1 | sed 's/^[^A-Za-z]*//')
  echo "$kind sanitizer: $result in $(( $(date +%s) - start )) s; sanitizer reports: $reports; $summary (log: $log, reports: $dir-reports/)"
done
exit $status
