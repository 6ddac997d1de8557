#!/usr/bin/env bash
# The crash and fault campaigns, larger than in the test suite (HERMES_CAMPAIGN_SCALE, default 5):
# power cut during token writes, the rotation race against family revocation, network faults,
# hostile callback traffic, stdio process hygiene, secrets in output and logs. Prints one line per
# campaign and, when every campaign passed, keeps them in bench/results/campaigns.md (the run
# before in campaigns.previous.md).
#   scripts/campaigns.sh [SCALE]
set -euo pipefail
cd "$(dirname "$0")/.."
scale="${1:-5}"
scripts/setup.sh
scripts/peers.sh >/dev/null
swift build --build-tests >/dev/null
. bench/record.sh
log=$(mktemp)
trap 'rm -f "$log"' EXIT
suites="PowerCutCampaignTests|RotationRaceCampaignTests|NetworkFaultCampaignTests|HostileCallbackCampaignTests|ProcessHygieneCampaignTests|SecretsCampaignTests"
status=0
HERMES_CAMPAIGN_SCALE="$scale" swift test --skip-build --filter "$suites" > "$log" 2>&1 || status=$?
# A failed campaign's figures are not results: print what failed and keep the last recorded run.
if [ "$status" -ne 0 ]; then
  grep -a '^CAMPAIGN ' "$log" >&2 || true
  grep -aE "✘" "$log" | head -20 >&2 || true
  echo "campaigns failed (exit $status); bench/results/campaigns.md left as it was" >&2
  exit "$status"
fi
{
  echo "machine: $(nproc) cores, kernel $(uname -r), $(date -u +%Y-%m-%d); HERMES_CAMPAIGN_SCALE=$scale"
  echo
  grep -a '^CAMPAIGN ' "$log" | sed 's/^CAMPAIGN /- /'
  echo
  grep -aE "Test run with [0-9]+ tests" "$log" | tail -1 | sed 's/^[^A-Za-z]*//' || true
} | record campaigns
