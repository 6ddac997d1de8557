"""Runs the client auth scenarios against hermes, as `conformance client --suite auth` runs them
against a client command (src/runner/client.ts): start the scenario's servers, run the client,
collect getChecks(), stop, judge. Each scenario runs at the spec version that command (no
--spec-version) resolves for it: a scenario introduced in the draft at 2026-07-28 (stateless MCP
server, SEP-2575 request validation, the draft-only checks), every other one at 2025-11-25.
Scenarios run concurrently: each has its own servers, ports, checks and HERMES_HOME, and hermes
spends most of its time waiting on them.

  python -m Conformance.runner --hermes PATH [--scenario NAME]... [--json FILE] [--jobs N]

Exit status 1 when a check fails that KNOWN_FAILING does not list, or a listed one now passes."""
import argparse
import asyncio
import contextlib
import json
import os
import sys
import time
import traceback

from .baseline import evaluate
from .checks import check, judge
from .client import run_client
from .index import EXTENSION_NAMES, all_scenarios
from .versions import context_for

# Checks failing because of a known hermes defect, per scenario: {"auth/x": {"check-id": "why"}}.
# Any other failing check fails the run, and so does a listed one that passes (stale).
KNOWN_FAILING: dict[str, dict[str, str]] = {}

WHAT = {
    "auth/metadata-default": "PRM at path, in WWW-Authenticate; RFC 8414 root metadata",
    "auth/metadata-var1": "PRM at path, not in header; OpenID configuration",
    "auth/metadata-var2": "PRM at root; RFC 8414 metadata with path /tenant1",
    "auth/metadata-var3": "PRM at custom URL; OpenID metadata path-appended",
    "auth/basic-cimd": "URL client_id (CIMD) when the AS supports it",
    "auth/scope-from-www-authenticate": "scope from the 401 challenge",
    "auth/scope-from-scopes-supported": "all PRM scopes_supported without challenge scope",
    "auth/scope-omitted-when-undefined": "no scope when none is known",
    "auth/scope-step-up": "403 insufficient_scope on tools/call: re-authorize with it",
    "auth/scope-retry-limit": "at most 3 authorizations on endless 403s",
    "auth/token-endpoint-auth-basic": "client_secret_basic + RFC 8707 resource",
    "auth/token-endpoint-auth-post": "client_secret_post + RFC 8707 resource",
    "auth/token-endpoint-auth-none": "public client + RFC 8707 resource",
    "auth/pre-registration": "configured client_id/secret, no DCR",
    "auth/2025-03-26-oauth-metadata-backcompat": "no PRM: AS metadata at the server's origin",
    "auth/2025-03-26-oauth-endpoint-fallback": "no metadata: /authorize /token /register",
    "auth/resource-mismatch": "PRM resource of another origin refused",
    "auth/offline-access-scope": "refresh_token grant, offline_access when offered",
    "auth/offline-access-not-supported": "no offline_access when not offered",
    "auth/authorization-server-migration": "new AS in PRM: register anew, no reuse",
    "auth/iss-supported": "matching RFC 9207 iss accepted",
    "auth/iss-not-advertised": "no iss, not advertised: accepted",
    "auth/iss-supported-missing": "advertised iss missing: refused",
    "auth/iss-wrong-issuer": "wrong iss refused",
    "auth/iss-unexpected": "unadvertised wrong iss refused",
    "auth/iss-normalized": "iss compared as a plain string",
    "auth/metadata-issuer-mismatch": "AS metadata with another issuer refused",
}


async def run_one(suite, factory, hermes, timeout, sem, sdk=False):
    async with sem:
        scenario = factory()
        ctx = context_for(scenario)
        started = time.monotonic()
        client, checks = {"exit_code": 0, "timed_out": False, "steps": []}, []
        try:
            urls = await scenario.start(ctx)
        except Exception as e:
            # a scenario that cannot start fails on its own, the others still run
            with contextlib.suppress(Exception):
                await scenario.stop()
            checks = [check(scenario.name, f"{scenario.name} did not start", f"Scenario start() raised: "
                            f"{type(e).__name__}: {e}"[:2000], "FAILURE", details={"traceback": traceback.format_exc()[-4000:]})]
        else:
            try:
                if sdk:
                    from .sdk_client import run_sdk_client
                    client = await asyncio.wait_for(run_sdk_client(scenario, ctx, urls, timeout), timeout + 5)
                else:
                    client = await run_client(hermes, scenario, ctx, urls, timeout)
                checks = scenario.get_checks()
            finally:
                await scenario.stop()  # may still add checks to the same list, as in the TS runner
        failed, reasons = judge(checks, client, scenario.allow_client_error)
        return {"scenario": scenario.name, "suite": suite, "specVersion": ctx.spec_version,
                "what": WHAT.get(scenario.name, ""),
                "result": "FAIL" if failed else "PASS", "failing": reasons,
                "seconds": round(time.monotonic() - started, 1), "client": client, "checks": checks}


GROUPS = [
    ("core", "core: at 2025-11-25 (initialize), the group the TS suite scores (authScenariosList)"),
    ("back-compat", "back-compat: at 2025-11-25 (initialize), as the TS suite runs them; optional there, "
                    "for 2025-03-26 clients, not scored"),
    ("draft", "draft: at 2026-07-28, behind a stateless server with SEP-2575 request validation and the "
              "draft-only checks (SEP-837), as the TS suite runs them; informational there, not scored"),
]


def table(results, known):
    head = ("scenario", "what it checks", "result", "failing checks")
    rows = []
    for r in results:
        listed = known.get(r["scenario"], {})
        failing = [f"{f} [known: {listed[f]}]" if f in listed else f for f in r["failing"]]
        rows.append((r["suite"], (r["scenario"], r["what"], r["result"], ", ".join(failing))))
    rows += [("extension", (n, "extension", "not yet supported", "")) for n in EXTENSION_NAMES]
    w = [max(len(row[i]) for row in [head] + [r for _, r in rows]) for i in range(3)]
    line = lambda a, b, c, d: f"{a:<{w[0]}}  {b:<{w[1]}}  {c:<{w[2]}}  {d}".rstrip()
    out = [line(*head)]
    for suite, title in GROUPS + [("extension", "extension: not run")]:
        group = [r for s, r in rows if s == suite]
        if group:
            out += ["", f"-- {title}"] + [line(*r) for r in group]
    return "\n".join(out)


def summary(results):
    """One line per group: only the core count is comparable with the TS suite's score."""
    parts = []
    for suite, _ in GROUPS:
        group = [r for r in results if r["suite"] == suite]
        if group:
            versions = "/".join(sorted({r["specVersion"] for r in group}))
            parts.append(f"{sum(r['result'] == 'PASS' for r in group)}/{len(group)} {suite} (at {versions})")
    return (f"{', '.join(parts)} scenarios pass (only core is scored by the TS suite); "
            f"{len(EXTENSION_NAMES)} extension scenarios not yet supported")


async def main_async(args):
    chosen = [(s, f) for s, f in all_scenarios() if not args.scenario or f().name in args.scenario]
    if args.scenario:
        unknown = set(args.scenario) - {f().name for _, f in chosen}
        if unknown:
            print(f"unknown scenario(s): {', '.join(sorted(unknown))}", file=sys.stderr)
            return 2
    sem = asyncio.Semaphore(args.jobs)
    results = await asyncio.gather(*(run_one(s, f, args.hermes, args.timeout, sem, args.client == "python-sdk")
                                     for s, f in chosen))
    print(table(results, KNOWN_FAILING if args.client == "hermes" else {}))
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"results": results,  # each with the specVersion it ran at
                       "notSupported": EXTENSION_NAMES}, f, indent=2)
    known = KNOWN_FAILING if args.client == "hermes" else {}  # the list is about hermes
    expected, stale, unexpected = evaluate(results, known)
    print("\n" + summary(results))
    if expected:
        print("expected failures (KNOWN_FAILING): " + ", ".join(expected))
    if stale:
        print("STALE, now passing, remove from KNOWN_FAILING: " + ", ".join(stale))
    if unexpected:
        print("FAILED (not in KNOWN_FAILING): " + ", ".join(unexpected))
    return 1 if unexpected or stale else 0


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--hermes", help="the hermes binary")
    p.add_argument("--client", choices=["hermes", "python-sdk"], default="hermes",
                   help="python-sdk: the official Python SDK's client instead, to check the re-creation")
    p.add_argument("--scenario", action="append", help="run only this scenario (repeatable)")
    p.add_argument("--json", help="write every scenario's checks and hermes' output here")
    p.add_argument("--jobs", type=int, default=max(2, 2 * (os.cpu_count() or 1)), help="scenarios at once")
    p.add_argument("--timeout", type=float, default=30,
                   help="seconds for the client per scenario, all its commands together (as TS: 30)")
    args = p.parse_args()
    if args.client == "hermes" and not args.hermes:
        p.error("--hermes is required")
    if args.client == "hermes" and not os.access(args.hermes, os.X_OK):
        p.error(f"--hermes {args.hermes} is not an executable file")
    sys.exit(asyncio.run(main_async(args)))


if __name__ == "__main__":
    main()
