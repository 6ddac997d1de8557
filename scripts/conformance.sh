#!/usr/bin/env bash
# The MCP conformance suite's client auth scenarios (core, back-compat, draft and the six
# extension ones), re-created in Python in Tests/Conformance, run against the
# hermes that `swift build` made. It builds nothing. One Python process runs every scenario, several
# at once, each with its own loopback servers and temporary HERMES_HOME.
#   scripts/conformance.sh [--hermes PATH] [--scenario auth/NAME]... [--json FILE] [--jobs N] [--timeout S]
#                                                --hermes: that binary instead of the one `swift build` made
#   scripts/conformance.sh --client python-sdk   the official Python SDK client instead of hermes, to
#                                                check the re-created scenarios themselves (all pass
#                                                but the DPoP and WIF checks the SDK's own baseline lists)
# Exit status 1 when a check fails that KNOWN_FAILING (Tests/Conformance/runner.py; SDK_KNOWN_FAILING
# with --client python-sdk) does not list, or a check it lists now passes (stale entry), as the TS
# runner's --expected-failures.
set -euo pipefail
# --json FILE and --hermes PATH are relative to the caller's directory (the runner runs from Tests/)
args=()
given_hermes=""
while [ $# -gt 0 ]; do
  case "$1" in
    --hermes)
      case "$2" in /*) given_hermes="$2" ;; *) given_hermes="$(cd "$(dirname "$2")" && pwd)/$(basename "$2")" ;; esac
      shift 2 ;;
    --json)
      case "$2" in /*) args+=("$1" "$2") ;; *) args+=("$1" "$(cd "$(dirname "$2")" && pwd)/$(basename "$2")") ;; esac
      shift 2 ;;
    *) args+=("$1"); shift ;;
  esac
done
cd "$(dirname "$0")/.."
hermes="${given_hermes:-$(swift build --show-bin-path)/hermes}"
if [ ! -x "$hermes" ]; then
  echo "conformance: $hermes is missing; run swift build first" >&2
  exit 2
fi
python=.peers/venv/bin/python   # scripts/peers.sh makes it (4 s to re-check, so only when missing)
[ -x "$python" ] || python="$(scripts/peers.sh)"
# -m from Tests/, so the package imports as Conformance
python="$(cd "$(dirname "$python")" && pwd)/$(basename "$python")"
cd Tests
exec "$python" -B -m Conformance.runner --hermes "$hermes" ${args[@]+"${args[@]}"}
