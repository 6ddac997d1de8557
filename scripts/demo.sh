#!/usr/bin/env bash
# hermes end to end with no account anywhere: installs what is missing, builds a release, starts a
# local OAuth-protected MCP server (the official MCP Python SDK's authorization server, the same
# one the tests use) on 127.0.0.1 and a stdio server, and in a throw-away HERMES_HOME logs in with
# the browser step automated: adds both servers, lists them, shows token status, calls a tool, lets
# another process refresh the token file and shows the next call using it, and logs out. Stops
# everything at the end.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
python=$(scripts/peers.sh)
# HERMES_BIN: an already built hermes (the test suite runs the demo with its debug build).
if [ -n "${HERMES_BIN:-}" ]; then
  hermes="$HERMES_BIN"
else
  swift build -c release --product hermes >/dev/null
  hermes="$PWD/.build/release/hermes"
fi
export HERMES_HOME="$(mktemp -d /tmp/hermes-demo.XXXXXX)"
server_log="$HERMES_HOME/server.out"

# The server exits when its stdin closes; the fifo keeps it open until we close it.
mkfifo "$HERMES_HOME/server.in"
"$python" Tests/PythonPeers/oauth_server.py --config '{"access_ttl": 120}' < "$HERMES_HOME/server.in" > "$server_log" 2>&1 &
server=$!
exec 3>"$HERMES_HOME/server.in"
watcher=""
cleanup() { if [ -n "$watcher" ]; then kill "$watcher" 2>/dev/null || true; fi; exec 3>&- || true; wait "$server" 2>/dev/null || true; rm -rf "$HERMES_HOME"; }
trap cleanup EXIT
for _ in $(seq 100); do grep -q '^READY' "$server_log" 2>/dev/null && break; sleep 0.1; done
url=$(sed -n 's/^READY //p' "$server_log" | "$python" -c 'import json,sys; print(json.load(sys.stdin)["mcp_url"])')

printf 'model: anthropic/claude-sonnet\n' > "$HERMES_HOME/config.yaml"

# The "browser": fetches the authorization URL and follows its redirect, as a person approving would.
export BROWSER="$PWD/Tests/PythonPeers/browser.sh"
bold=""; plain=""
if [ -t 1 ] && [ -z "${NO_COLOR:-}" ]; then bold=$'\033[1m'; plain=$'\033[0m'; fi
step() { printf '\n%s$ %s%s\n' "$bold" "$*" "$plain"; }
admin=$(sed -n 's/^READY //p' "$server_log" | "$python" -c 'import json,sys; print(json.load(sys.stdin)["admin"])')
last_bearer() {
  curl -s "$admin/log" | "$python" -c '
import json, sys
calls = [e for e in json.load(sys.stdin) if e.get("bearer") and e.get("method") == "POST" and "/mcp" in e.get("path", "")]
t = calls[-1]["bearer"]
print("the server saw the last MCP request with access token " + t[:4] + "…" + t[-4:])'
}

echo "local OAuth-protected MCP server (MCP Python SDK) at $url"
step hermes --version;           "$hermes" --version
step hermes mcp add demo --url "$url" --auth oauth --all-tools
"$hermes" mcp add demo --url "$url" --auth oauth --all-tools
step hermes mcp add local --command python3 --all-tools --args stdio_server.py
"$hermes" mcp add local --command "$python" --all-tools --args "$PWD/Tests/PythonPeers/stdio_server.py"
step hermes mcp list;            "$hermes" mcp list
step hermes mcp status;          "$hermes" mcp status
step hermes mcp call demo echo "'{\"text\":\"hi\"}'"
"$hermes" mcp call demo echo '{"text":"hi"}'
last_bearer
step hermes mcp call local add "'{\"a\":2,\"b\":40}'"
"$hermes" mcp call local add '{"a":2,"b":40}'

# Another program refreshes the tokens behind hermes' back (a cron job, hermes-agent), while
# `hermes mcp status --watch` looks on; the next hermes call simply uses what is on disk.
step "hermes mcp status --watch &   # stays open, prints each token change on disk"
"$hermes" mcp status --watch > "$HERMES_HOME/watch.out" 2>&1 &
watcher=$!
sleep 0.5
step "python3 external_refresh.py demo   # another process refreshes the token file"
"$python" Tests/PythonPeers/external_refresh.py demo "$url"
for _ in $(seq 50); do grep -q ' updated ' "$HERMES_HOME/watch.out" 2>/dev/null && break; sleep 0.1; done
kill "$watcher" 2>/dev/null || true; wait "$watcher" 2>/dev/null || true
echo "(the status --watch running meanwhile printed:)"; grep ' updated ' "$HERMES_HOME/watch.out" | sed 's/^/  /' || true
step hermes mcp status demo;     "$hermes" mcp status demo
step hermes mcp call demo echo "'{\"text\":\"hi again\"}'"
"$hermes" mcp call demo echo '{"text":"hi again"}'
last_bearer
step ls -l '$HERMES_HOME/mcp-tokens'; ls -l "$HERMES_HOME/mcp-tokens"
step hermes mcp logout demo;     "$hermes" mcp logout demo
step hermes mcp call demo echo "'{\"text\":\"hi\"}'   # after logout"
"$hermes" mcp call demo echo '{"text":"hi"}' || true
