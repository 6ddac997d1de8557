"""The spec-version facts of src/types.ts and src/connection/select.ts, and the ScenarioContext
(src/mock-server/index.ts) a scenario's start() is given: which revision the run targets. The TS
runner (src/runner/client.ts resolveScenarioSpecVersion) gives a scenario introduced in the draft
the draft's wire version and every other one LATEST_SPEC_VERSION, unless --spec-version says
otherwise; this re-creation always resolves it that way."""
from dataclasses import dataclass

LATEST_SPEC_VERSION = "2025-11-25"
DRAFT_PROTOCOL_VERSION = "2026-07-28"
TIMELINE = ["2025-03-26", "2025-06-18", "2025-11-25", DRAFT_PROTOCOL_VERSION]
# the initialize-handshake revisions; everything after is SEP-2575's stateless lifecycle
STATEFUL_VERSIONS = ("2024-11-05", "2025-03-26", "2025-06-18", "2025-11-25")


def is_stateful_version(v):
    return v in STATEFUL_VERSIONS


def spec_version_at_least(v, threshold):
    return TIMELINE.index(v) >= TIMELINE.index(threshold)


def resolve_spec_version(source):
    return DRAFT_PROTOCOL_VERSION if source.get("introducedIn") == DRAFT_PROTOCOL_VERSION else LATEST_SPEC_VERSION


@dataclass(frozen=True)
class ScenarioContext:
    spec_version: str

    @property
    def stateless(self):
        return not is_stateful_version(self.spec_version)


def context_for(scenario):
    return ScenarioContext(resolve_spec_version(scenario.source))
