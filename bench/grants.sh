#!/usr/bin/env bash
# Client-credentials token acquisition and one DPoP proof: hermes next to the official Python SDK's
# client-credentials provider, against the same server in one run. See bench/grants_bench.py.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
python=$(scripts/peers.sh)
swift build -c release --product hermes-bench >/dev/null
. bench/record.sh
{
  echo "machine: $(nproc) cores, kernel $(uname -r), $(date -u +%Y-%m-%d)"
  "$python" bench/grants_bench.py --hermes-bench .build/release/hermes-bench "$@"
} | record grants
