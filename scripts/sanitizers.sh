#!/usr/bin/env bash
# The whole Swift test suite under AddressSanitizer and under ThreadSanitizer, each in a build
# folder of its own (.build-asan, .build-tsan); the programs the tests start (hermes, the helper,
# the C checks' library) are built with the same sanitizer. Prints one line per sanitizer.
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
  # HERMES_SANITIZER also tells Package.swift to leave out the .so's version script (see there).
  if HERMES_SANITIZER="$kind" swift build --build-tests --sanitize="$kind" --scratch-path "$dir" > "$log" 2>&1 \
     && HERMES_SANITIZER="$kind" ASAN_OPTIONS=detect_leaks=0 TSAN_OPTIONS="halt_on_error=0" \
        swift test --skip-build --no-parallel --sanitize="$kind" --scratch-path "$dir" >> "$log" 2>&1; then
    result="passed"
  else
    result="FAILED"
    status=1
  fi
  reports=$(grep -c -E "^(==[0-9]+==ERROR: AddressSanitizer|WARNING: ThreadSanitizer)" "$log" || true)
  summary=$(grep -aE "Test run with [0-9]+ tests" "$log" | tail -1 | sed 's/^[^A-Za-z]*//')
  echo "$kind sanitizer: $result in $(( $(date +%s) - start )) s; sanitizer reports: $reports; $summary (log: $log)"
done
exit $status
