#!/usr/bin/env bash
# Builds a release hermes and times a full OAuth login against the Python SDK client, side by side.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
python=$(scripts/peers.sh)
swift build -c release --product hermes >/dev/null
swift build -c release --product hermes-test-helper >/dev/null
command -v curl >/dev/null || { sudo=""; [ "$(id -u)" -eq 0 ] || sudo=sudo; $sudo apt-get install -y -qq curl; }
. bench/record.sh
{
  echo "machine: $(nproc) cores, $(uname -r), $(date -u +%Y-%m-%d)"
  "$python" bench/login_bench.py --hermes .build/release/hermes --helper .build/release/hermes-test-helper "$@"
} | record login
