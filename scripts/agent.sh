#!/usr/bin/env bash
# hermes-agent 0.19.0, the Python program hermes is compatible with, in its own venv at
# .peers/agent (from PyPI): the tests check that config files it writes survive hermes' edits, and
# the benchmarks compare against it. Prints the path of its `hermes` command.
set -euo pipefail
cd "$(dirname "$0")/.."
venv=.peers/agent
if [ ! -x "$venv/bin/hermes" ] || ! "$venv/bin/python" -c 'import hermes_cli, mcp' 2>/dev/null; then
  rm -rf "$venv"
  python3 -m venv "$venv" >&2
  "$venv/bin/pip" install -q --disable-pip-version-check "hermes-agent[mcp]==0.19.0" >&2
fi
echo "$PWD/$venv/bin/hermes"
