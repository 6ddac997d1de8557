#!/usr/bin/env bash
# `hermes mcp test` against hermes-agent 0.19.0's on the same servers (hermes-agent in its own venv,
# .peers/agent, installed from PyPI on first use).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
python=$(scripts/peers.sh)
scripts/agent.sh >/dev/null
swift build -c release --product hermes >/dev/null
. bench/record.sh
{
  echo "machine: $(nproc) cores, kernel $(uname -r), $(date -u +%Y-%m-%d)"
  "$python" bench/mcp_test_bench.py --hermes .build/release/hermes --agent .peers/agent/bin/hermes "$@"
} | record mcp_test
