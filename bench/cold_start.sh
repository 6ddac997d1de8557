#!/usr/bin/env bash
# CLI cold start against hermes-agent 0.19.0 (its own venv, .peers/agent, from PyPI on first use).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
if [ ! -x .peers/agent/bin/hermes ]; then
  python3 -m venv .peers/agent
  .peers/agent/bin/pip install -q --disable-pip-version-check "hermes-agent[mcp]==0.19.0"
fi
swift build -c release --product hermes >/dev/null
echo "machine: $(nproc) cores, kernel $(uname -r), $(date -u +%Y-%m-%d)"
exec python3 bench/cold_start.py --hermes .build/release/hermes --agent .peers/agent/bin/hermes "$@"
