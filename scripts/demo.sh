#!/usr/bin/env bash
# hermes end to end with no account anywhere: installs what is missing, builds a release, starts a
# local OAuth-protected MCP server (the official MCP Python SDK's authorization server, the same
# one the tests use) on 127.0.0.1 and a stdio server, and in a throw-away HERMES_HOME logs in with
# the browser step automated, tests and calls both servers, and logs out. Stops everything at the end.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
python=$(scripts/peers.sh)
swift build -c release --product hermes >/dev/null
hermes="$PWD/.build/release/hermes"
export HERMES_HOME="$(mktemp -d /tmp/hermes-demo.XXXXXX)"
server_log="$HERMES_HOME/server.out"

# The server exits when its stdin closes; the fifo keeps it open until we close it.
mkfifo "$HERMES_HOME/server.in"
"$python" Tests/PythonPeers/oauth_server.py --config '{"access_ttl": 120}' < "$HERMES_HOME/server.in" > "$server_log" 2>&1 &
server=$!
exec 3>"$HERMES_HOME/server.in"
cleanup() { exec 3>&- || true; wait "$server" 2>/dev/null || true; rm -rf "$HERMES_HOME"; }
trap cleanup EXIT
for _ in $(seq 100); do grep -q '^READY' "$server_log" 2>/dev/null && break; sleep 0.1; done
url=$(sed -n 's/^READY //p' "$server_log" | "$python" -c 'import json,sys; print(json.load(sys.stdin)["mcp_url"])')

cat > "$HERMES_HOME/config.yaml" <<YAML
model: anthropic/claude-sonnet
mcp_servers:
  demo:
    url: $url
    auth: oauth
  local:
    command: $python
    args: [$PWD/Tests/PythonPeers/stdio_server.py]
YAML

# The "browser": fetches the authorization URL and follows its redirect, as a person approving would.
export BROWSER="$python $PWD/Tests/PythonPeers/browser.py"
bold=""; plain=""
if [ -t 1 ] && [ -z "${NO_COLOR:-}" ]; then bold=$'\033[1m'; plain=$'\033[0m'; fi
step() { printf '\n%s$ %s%s\n' "$bold" "$*" "$plain"; }

echo "local OAuth-protected MCP server (MCP Python SDK) at $url"
step hermes --version;           "$hermes" --version
step hermes mcp list;            "$hermes" mcp list
step hermes mcp call demo echo "'{\"text\":\"hi\"}'   # before any login"
"$hermes" mcp call demo echo '{"text":"hi"}' || true
step hermes mcp login demo;      "$hermes" mcp login demo
step hermes mcp test demo;       "$hermes" mcp test demo
step hermes mcp call demo echo "'{\"text\":\"hi\"}'"
"$hermes" mcp call demo echo '{"text":"hi"}'
step hermes mcp test local;      "$hermes" mcp test local
step hermes mcp call local add "'{\"a\":2,\"b\":40}'"
"$hermes" mcp call local add '{"a":2,"b":40}'
step ls -l '$HERMES_HOME/mcp-tokens'; ls -l "$HERMES_HOME/mcp-tokens"
step "python3 -c 'show the stored token file, secrets masked'"
"$python" - "$HERMES_HOME/mcp-tokens/demo.json" <<'PY'
import json, sys
data = json.load(open(sys.argv[1]))
for key in ("access_token", "refresh_token"):
    if key in data:
        data[key] = data[key][:4] + "…" + data[key][-4:]
print(json.dumps(data, indent=2, ensure_ascii=False))
PY
step hermes mcp logout demo;     "$hermes" mcp logout demo
step hermes mcp call demo echo "'{\"text\":\"hi\"}'   # after logout"
"$hermes" mcp call demo echo '{"text":"hi"}' || true
step hermes mcp remove local --yes; "$hermes" mcp remove local --yes
step hermes mcp list;            "$hermes" mcp list
