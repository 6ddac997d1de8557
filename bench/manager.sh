#!/usr/bin/env bash
# The manager's figures (release build): hot path in Swift and through the C ABI, system calls on
# the hot path, live-reload latency, the 401 storm and 16 processes on one expired token.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
scripts/peers.sh >/dev/null
command -v strace >/dev/null || { sudo=""; [ "$(id -u)" -eq 0 ] || sudo=sudo; $sudo apt-get install -y -qq strace >/dev/null; }
swift build -c release >/dev/null
# matplotlib for the histogram, in a venv of its own.
if [ ! -x .peers/plot/bin/python ] || ! .peers/plot/bin/python -c 'import matplotlib' 2>/dev/null; then
  python3 -m venv .peers/plot && .peers/plot/bin/pip install -q --disable-pip-version-check "matplotlib==3.10.*" >&2
fi
samples=$(mktemp -d)
trap 'rm -rf "$samples"' EXIT
. bench/record.sh
{
echo "machine: $(nproc) cores, kernel $(uname -r), $(date -u +%Y-%m-%d)"
echo
HERMES_BENCH_SAMPLES="$samples" .build/release/hermes-bench
.build/release/hermes-bench scale 1 10 100 1000

# System calls made by the hot path: strace counts every call between START and END markers
# (write(2) of the markers themselves excluded) for a million cached-token calls.
count() {
  strace -f -qq -e trace=all -o /tmp/hermes-strace.$$ .build/release/hermes-bench hot-loop "$@" >/dev/null
  awk '/write\(1, "START/{on=1; next} /write\(1, "END/{on=0} on' /tmp/hermes-strace.$$ | grep -vc 'resumed>\|+++\|---' || true
  rm -f /tmp/hermes-strace.$$
}
echo
echo "## System calls on the hot path (strace, between the markers)"
echo
echo "| path | calls | system calls |"
echo "| --- | --- | --- |"
echo "| Swift cachedAccessToken | 1000000 | $(count 1000000) |"
echo "| C hermes_oauth_access_token + hermes_free | 1000000 | $(count 1000000 c) |"
echo
echo "(Nothing is per call: the calling thread's first lock asks the kernel for its thread id, and the token"
echo "watcher's thread, started by opening the manager, may still be starting up between the markers.)"
} | record manager
.peers/plot/bin/python bench/plot.py "$samples" bench/results/manager-latency.png
echo "histogram: bench/results/manager-latency.png"
