#!/usr/bin/env bash
# Sequential MCP tool calls in one process over HTTPS with a private CA: hermes' runtime against the
# official Python SDK client on the same server (connections opened, per-call latency), and one
# large tool result streamed as SSE (peak RSS). See bench/mcp_calls_bench.py.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
python=$(scripts/peers.sh)
swift build -c release --product hermes-bench >/dev/null
. bench/record.sh
{
  echo "machine: $(nproc) cores, kernel $(uname -r), $(date -u +%Y-%m-%d)"
  "$python" bench/mcp_calls_bench.py --hermes-bench .build/release/hermes-bench "$@"
} | record mcp_calls
