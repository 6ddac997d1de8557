#!/usr/bin/env bash
# libFuzzer on every parser of outside input (Fuzz/hermes-fuzz/FuzzTargets.swift), with
# AddressSanitizer. Seeds come from Fuzz/corpus/TARGET; what the fuzzer learns stays in
# .fuzz/TARGET (not committed); a crash is written to Fuzz/regressions/TARGET/ and fails the run -
# commit it, and the test suite replays it from then on.
#
#   scripts/fuzz.sh                   every target for 600 s (the long run)
#   scripts/fuzz.sh --seconds 5       a smoke run (what scripts/test.sh does)
#   scripts/fuzz.sh --seconds 60 dotenv config-yaml
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=600
targets=()
while [ $# -gt 0 ]; do
  case "$1" in
    --seconds) seconds="$2"; shift 2 ;;
    *) targets+=("$1"); shift ;;
  esac
done
[ ${#targets[@]} -gt 0 ] || targets=(callback www-authenticate metadata-json token-file dotenv config-yaml jwt token-exchange dpop-nonce)
scripts/setup.sh
swift build --product hermes-fuzz --scratch-path .build-fuzz \
  -Xswiftc -sanitize=fuzzer,address -Xswiftc -DHERMES_LIBFUZZER 2>&1 | grep -E "error|warning: unre" || true
fuzzer=.build-fuzz/debug/hermes-fuzz
[ -x "$fuzzer" ] || { echo "fuzz: build failed" >&2; exit 1; }
echo "machine: $(nproc) cores, $(date -u +%Y-%m-%dT%H:%MZ); $seconds s per target"
printf '| target | runs | exec/s | coverage | corpus | new crashes |\n| --- | --- | --- | --- | --- | --- |\n'
# One target per core at a time (each is one single-threaded libFuzzer process); rows are printed
# in the order given once every target is done.
play() {
  local target="$1" row="$2"
  mkdir -p ".fuzz/$target" "Fuzz/regressions/$target"
  local log=".fuzz/$target.log" known status
  known=$(ls "Fuzz/regressions/$target" | wc -l)
  set +e
  # Swift's own crash reporter would exit before libFuzzer writes the crashing input: off.
  HERMES_FUZZ_TARGET="$target" ASAN_OPTIONS=detect_leaks=0 SWIFT_BACKTRACE=enable=no "$fuzzer" \
    -max_total_time="$seconds" -timeout=10 -rss_limit_mb=3072 -detect_leaks=0 -print_final_stats=1 \
    -artifact_prefix="Fuzz/regressions/$target/" ".fuzz/$target" "Fuzz/corpus/$target" > "$log" 2>&1
  status=$?
  set -e
  # (A run that stops at once prints no coverage line: nothing here may fail the script.)
  local runs rate cov corpus crashes
  runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1 || true)
  rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -1 || true)
  cov=$( (grep -oE 'cov: [0-9]+' "$log" || true) | tail -1 | cut -d' ' -f2)
  corpus=$(ls ".fuzz/$target" | wc -l)
  crashes=$(( $(ls "Fuzz/regressions/$target" | wc -l) - known ))
  printf '| %s | %s | %s | %s | %s | %s |\n' "$target" "${runs:-?}" "${rate:-?}" "${cov:-?}" "$corpus" "$crashes" > "$row"
  if [ "$status" -ne 0 ]; then
    echo "fuzz: $target failed (exit $status); see $log" >&2
    grep -E "ERROR|SUMMARY|violated|Fatal error" "$log" | head -5 >&2 || true
    echo failed >> "$row.status"
  fi
}
rows=$(mktemp -d)
trap 'rm -rf "$rows"' EXIT
width=$(nproc)
i=0
for target in "${targets[@]}"; do
  play "$target" "$rows/$i" &
  i=$((i + 1))
  # At most `width` at once.
  while [ "$(jobs -rp | wc -l)" -ge "$width" ]; do wait -n || true; done
done
wait
failed=0
for ((j = 0; j < i; j++)); do
  cat "$rows/$j"
  if [ -f "$rows/$j.status" ]; then failed=1; fi
done
exit $failed
