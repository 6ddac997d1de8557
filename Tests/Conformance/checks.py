"""The check model of src/types.ts and the judge of src/runner/client.ts (printClientResults):
a scenario fails on any FAILURE or WARNING check, a client timeout, or a client error exit when
the scenario does not allow one."""
from datetime import datetime, timezone


def now():
    # toISOString(): milliseconds and a Z, as the TypeScript checks carry
    t = datetime.now(timezone.utc)
    return t.strftime("%Y-%m-%dT%H:%M:%S.") + f"{t.microsecond // 1000:03d}Z"


def check(id, name, description, status, spec_refs=None, details=None, timestamp=None):
    c = {"id": id, "name": name, "description": description, "status": status,
         "timestamp": timestamp or now()}
    if spec_refs:
        c["specReferences"] = list(spec_refs)
    if details is not None:
        c["details"] = details
    return c


def missing(checks, slugs, spec_refs=None):
    """The "Expected Check Missing" FAILURE getChecks() adds for every expected id never seen."""
    for slug in slugs:
        if not any(c["id"] == slug for c in checks):
            checks.append(check(slug, f"Expected Check Missing: {slug}",
                                f"Expected Check Missing: {slug}", "FAILURE", spec_refs))


def collapse_duplicate_checks(checks):
    """src/checks/collapse.ts: one entry per non-INFO id, the most severe (FAILURE > WARNING > SUCCESS >
    anything else), the last of equally severe ones; INFO entries all kept, the order kept."""
    severity = lambda s: {"FAILURE": 3, "WARNING": 2, "SUCCESS": 1}.get(s, 0)
    winner = {}
    for i, c in enumerate(checks):
        if c["status"] == "INFO":
            continue
        if c["id"] not in winner or severity(c["status"]) >= severity(checks[winner[c["id"]]]["status"]):
            winner[c["id"]] = i
    return [c for i, c in enumerate(checks) if c["status"] == "INFO" or winner.get(c["id"]) == i]


def judge(checks, client, allow_client_error):
    """(overall_failure, reasons) exactly as printClientResults decides it."""
    failing = [c["id"] for c in checks if c["status"] in ("FAILURE", "WARNING")]
    reasons = list(dict.fromkeys(failing))
    if client.get("timed_out"):
        reasons.append("client-timed-out")
    elif client.get("exit_code", 0) != 0 and not allow_client_error:
        reasons.append(f"client-exit-{client['exit_code']}")
    return bool(reasons), reasons
