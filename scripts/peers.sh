#!/usr/bin/env bash
# The real third-party peers the tests run against, in a throw-away venv at .peers/venv:
# the official MCP Python SDK (its pydantic OAuth models, its servers) and mcp-server-time (a stdio
# MCP server people really run), and hypercorn (an ASGI server that speaks HTTP/2, which uvicorn does not).
# Prints the venv's python. Re-running is cheap when it is already there.
set -euo pipefail
cd "$(dirname "$0")/.."
venv=.peers/venv
want="mcp==2.3.0 mcp-server-time==2026.10.19 hypercorn==0.17.3"
if [ ! -x "$venv/bin/python" ] || ! "$venv/bin/python" -c 'import mcp.shared.auth, mcp_server_time, hypercorn' 2>/dev/null; then
  if ! python3 -c 'import venv, ensurepip' 2>/dev/null; then
    sudo=""; [ "$(id -u)" -eq 0 ] || sudo="sudo"
    $sudo apt-get update -qq && DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq python3-venv >&2
  fi
  rm -rf "$venv"
  python3 -m venv "$venv" >&2
  "$venv/bin/pip" install -q --disable-pip-version-check $want >&2
fi
echo "$PWD/$venv/bin/python"
