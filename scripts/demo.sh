#!/usr/bin/env bash
# A look at hermes with no account anywhere: builds a release, makes a throw-away HERMES_HOME with
# a config like the ones hermes-agent writes, and runs the CLI against it.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
swift build -c release --product hermes
hermes="$PWD/.build/release/hermes"
export HERMES_HOME="$(mktemp -d /tmp/hermes-demo.XXXXXX)"
trap 'rm -rf "$HERMES_HOME"' EXIT

cat > "$HERMES_HOME/config.yaml" <<'YAML'
model: anthropic/claude-sonnet
mcp_servers:
  linear:
    url: https://mcp.linear.app/mcp
    auth: oauth
  time:
    command: uvx
    args: [mcp-server-time, --local-timezone, UTC]
    tools:
      include: [get_current_time]
  github:
    url: https://api.githubcopilot.com/mcp/
    headers:
      Authorization: "Bearer ${MCP_GITHUB_API_KEY}"
    enabled: false
YAML
mkdir -p "$HERMES_HOME/mcp-tokens"
printf '{"access_token": "demo-access-token-0000", "token_type": "Bearer", "expires_in": 3600, "refresh_token": "demo-refresh", "expires_at": %s}\n' \
  "$(date +%s)" > "$HERMES_HOME/mcp-tokens/linear.json"

step() { printf '\n\033[1m$ %s\033[0m\n' "$*"; }
step hermes --version;              "$hermes" --version
step hermes mcp list;               "$hermes" mcp list
step hermes mcp list --json;        "$hermes" mcp list --json
step hermes mcp remove linear --yes; "$hermes" mcp remove linear --yes
step ls "\$HERMES_HOME/mcp-tokens";  ls -A "$HERMES_HOME/mcp-tokens"
step hermes mcp list;               "$hermes" mcp list
