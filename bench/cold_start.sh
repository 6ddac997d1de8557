#!/usr/bin/env bash
# CLI cold start against hermes-agent 0.19.0 (its own venv, .peers/agent, from PyPI on first use).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
scripts/agent.sh >/dev/null
swift build -c release --product hermes >/dev/null
. bench/record.sh
{
  echo "machine: $(nproc) cores, kernel $(uname -r), $(date -u +%Y-%m-%d)"
  python3 bench/cold_start.py --hermes .build/release/hermes --agent .peers/agent/bin/hermes "$@"
} | record cold_start
