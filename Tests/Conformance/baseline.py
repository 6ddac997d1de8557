"""The --expected-failures judgement of src/expected-failures.ts (evaluateBaseline), per check:
a listed check that fails is expected; a failing check not listed fails the run, even in a
scenario with listed ones; a listed check that now passes is stale and fails the run too, so the
list cannot outlive the defects it names. A check id's occurrences are collapsed most severe first
(collapseDuplicateChecks); an absent or SKIPPED check says nothing. Unlike the TS baseline, the
client's own verdict counts as well: client-timed-out and client-exit-N (judge()) are failing
"checks" that may be listed, and stale when the client no longer times out or exits so."""

SEVERITY = {"FAILURE": 3, "WARNING": 2, "SUCCESS": 1}


def collapsed(checks):
    """{id: the most severe status of its non-INFO occurrences}."""
    out = {}
    for c in checks:
        if c["status"] == "INFO":
            continue
        if c["id"] not in out or SEVERITY.get(c["status"], 0) >= SEVERITY.get(out[c["id"]], 0):
            out[c["id"]] = c["status"]
    return out


def evaluate(results, known):
    """(expected, stale, unexpected): lists of "scenario:check" strings. `known` maps a scenario
    to {check id: why it is expected to fail}."""
    expected, stale, unexpected = [], [], []
    for r in results:
        listed = known.get(r["scenario"], {})
        verdicts = collapsed(r["checks"])
        for reason in r["failing"]:  # judge(): failing check ids, then the client's verdict
            (expected if reason in listed else unexpected).append(f"{r['scenario']}:{reason}")
        for cid in listed:
            client_verdict = cid == "client-timed-out" or cid.startswith("client-exit-")
            if (client_verdict and cid not in r["failing"]) or verdicts.get(cid) == "SUCCESS":
                stale.append(f"{r['scenario']}:{cid}")
    return expected, stale, unexpected
